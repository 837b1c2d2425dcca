import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import type { Geometry } from 'geojson'
import { useMemo, useState, type FormEvent } from 'react'
import { useTranslation } from 'react-i18next'
import { call, client } from '../../../api'
import { queries } from '../../../api/queries'
import { newIdempotencyKey } from '../../../caseUtils'
import { AreaSelect } from '../../../components/AreaSelect'
import { ErrorBanner } from '../../../components/ErrorBanner'
import { localName } from '../../../i18n'
import { routes } from '../../../router'
import type { AppConfig, User } from '../../../types'
import { incidentApi, incidentKeys, type CheckTag, type IncidentKind, type NewIncident } from './api'
import { CHECK_TAGS, DEFAULT_CHECK_TAGS, INCIDENT_KINDS, LEVELS, ROMAN } from './common'
import { GridMap } from './GridMap'

const COMMAND_ROLES = ['admin', 'leader', 'staff']

/** Declare an incident: area, kind, level, text, grids (checkboxes or drawn), drill, commander. */
export function DeclareForm({ user, config }: { user: User; config: AppConfig | null }) {
  const { t, i18n } = useTranslation()
  const qc = useQueryClient()
  const [key] = useState(newIdempotencyKey)
  const [areaId, setAreaId] = useState('')
  const [kind, setKind] = useState<IncidentKind>('heatwave')
  const [level, setLevel] = useState(4)
  const [title, setTitle] = useState('')
  const [description, setDescription] = useState('')
  const [mode, setMode] = useState<'grids' | 'draw'>('grids')
  const [gridIds, setGridIds] = useState<number[]>([])
  const [points, setPoints] = useState<[number, number][]>([])
  const [drill, setDrill] = useState(false)
  const [commanderId, setCommanderId] = useState('')
  const [tags, setTags] = useState<CheckTag[]>(DEFAULT_CHECK_TAGS)
  const [problem, setProblem] = useState<string | null>(null)
  const area = Number(areaId) || 0
  const grids = useQuery({ ...queries.boundaries({ within: area, level: 'grid' }), enabled: area > 0 })
  const staff = useQuery({
    queryKey: ['emergency', 'incidents', 'commanders', area],
    queryFn: ({ signal }) =>
      call(client.GET('/api/v1/users', { params: { query: { areaId: area, pageSize: 200 } }, signal })),
    enabled: area > 0,
  })
  const commanders = useMemo(
    () =>
      (staff.data?.items ?? []).filter((u) => u.id !== user.id && u.roles.some((r) => COMMAND_ROLES.includes(r.role))),
    [staff.data, user.id],
  )
  const features = grids.data?.features ?? []
  const mapGrids = features.map((f) => ({
    id: f.properties.id,
    label: localName(f.properties, i18n.language),
    geometry: f.geometry as Geometry,
    color: gridIds.includes(f.properties.id) ? '#2563eb' : '#cbd5e1',
  }))
  const toggle = (id: number) => setGridIds((g) => (g.includes(id) ? g.filter((x) => x !== id) : [...g, id]))

  const declare = useMutation({
    mutationFn: (body: NewIncident) => incidentApi.declare(body, key),
    onSuccess: (d) => {
      void qc.invalidateQueries({ queryKey: incidentKeys.all })
      window.location.hash = routes.emergency('incidents', d.id)
    },
  })

  const submit = (e: FormEvent) => {
    e.preventDefault()
    setProblem(null)
    if (!area) return setProblem(t('emergency.incidents.form.needArea'))
    if (mode === 'grids' && gridIds.length === 0) return setProblem(t('emergency.incidents.form.needGrids'))
    if (mode === 'draw' && points.length < 3) return setProblem(t('emergency.incidents.form.needPolygon'))
    if (tags.length === 0) return setProblem(t('emergency.incidents.form.needTags'))
    const ring = [...points, points[0]!]
    declare.mutate({
      areaId: area,
      kind,
      level,
      title: title.trim(),
      description: description.trim(),
      drill,
      checkTags: tags,
      escalateAfterMinutes: 60,
      ...(mode === 'grids' ? { gridIds } : { affected: { type: 'Polygon', coordinates: [ring] } }),
      ...(commanderId ? { commanderId: Number(commanderId) } : {}),
    })
  }

  return (
    <form className="card incident-form" onSubmit={submit} data-testid="incident-form" noValidate>
      <a className="back-link" href={routes.emergency('incidents')}>
        ← {t('emergency.incidents.back')}
      </a>
      <h2>{t('emergency.incidents.form.title')}</h2>
      <label htmlFor="incident-area">{t('emergency.incidents.fields.area')}</label>
      <AreaSelect
        id="incident-area"
        value={areaId}
        maxLevel="community"
        required
        testId="incident-area"
        onChange={(v) => {
          setProblem(null)
          setAreaId(v)
          setGridIds([])
          setPoints([])
          setCommanderId('')
        }}
      />
      <div className="incident-form-row">
        <label>
          {t('emergency.incidents.fields.kind')}
          <select value={kind} onChange={(e) => setKind(e.target.value as IncidentKind)} data-testid="incident-kind">
            {INCIDENT_KINDS.map((k) => (
              <option key={k} value={k}>
                {t(`emergency.incidents.kinds.${k}`)}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t('emergency.incidents.fields.level')}
          <select value={level} onChange={(e) => setLevel(Number(e.target.value))} data-testid="incident-level-select">
            {LEVELS.map((l) => (
              <option key={l} value={l}>
                {t('emergency.incidents.levelOption', {
                  level: ROMAN[l - 1],
                  name: t(`emergency.incidents.levels.${l}`),
                })}
              </option>
            ))}
          </select>
        </label>
      </div>
      <label>
        {t('emergency.incidents.fields.title')}
        <input
          value={title}
          required
          minLength={2}
          maxLength={100}
          onChange={(e) => setTitle(e.target.value)}
          data-testid="incident-title"
        />
      </label>
      <label>
        {t('emergency.incidents.fields.description')}
        <textarea
          value={description}
          required
          maxLength={4000}
          rows={3}
          onChange={(e) => setDescription(e.target.value)}
          data-testid="incident-description"
        />
      </label>
      <fieldset className="incident-mode">
        <legend>{t('emergency.incidents.fields.affected')}</legend>
        <label className="inline">
          <input
            type="radio"
            name="incident-mode"
            checked={mode === 'grids'}
            onChange={() => setMode('grids')}
            data-testid="incident-mode-grids"
          />
          {t('emergency.incidents.form.byGrids')}
        </label>
        <label className="inline">
          <input
            type="radio"
            name="incident-mode"
            checked={mode === 'draw'}
            onChange={() => setMode('draw')}
            data-testid="incident-mode-draw"
          />
          {t('emergency.incidents.form.byDrawing')}
        </label>
      </fieldset>
      {area > 0 && mode === 'grids' && (
        <fieldset className="incident-grid-choices" data-testid="incident-grids">
          <legend>{t('emergency.incidents.fields.grids')}</legend>
          {features.length === 0 && <p className="muted">{t('emergency.incidents.form.noGrids')}</p>}
          {features.map((f) => (
            <label key={f.properties.id} className="inline">
              <input
                type="checkbox"
                checked={gridIds.includes(f.properties.id)}
                onChange={() => toggle(f.properties.id)}
                data-testid="incident-grid-option"
                data-code={f.properties.code}
              />
              {localName(f.properties, i18n.language)}
            </label>
          ))}
        </fieldset>
      )}
      {area > 0 && (
        <>
          <GridMap
            grids={mapGrids}
            points={mode === 'draw' ? points : undefined}
            onMapClick={mode === 'draw' ? (lng, lat) => setPoints((p) => [...p, [lng, lat]]) : undefined}
            onGridClick={mode === 'grids' ? toggle : undefined}
            config={config}
            testId="incident-form-map"
            label={t('emergency.incidents.form.mapLabel')}
          />
          {mode === 'draw' && (
            <div className="incident-draw-tools">
              <span className="muted" data-testid="incident-draw-count">
                {t('emergency.incidents.form.points', { n: points.length })}
              </span>
              <button type="button" className="btn btn-small" onClick={() => setPoints((p) => p.slice(0, -1))}>
                {t('emergency.incidents.form.undo')}
              </button>
              <button type="button" className="btn btn-small" onClick={() => setPoints([])}>
                {t('emergency.incidents.form.clear')}
              </button>
            </div>
          )}
        </>
      )}
      <fieldset className="incident-tags">
        <legend>{t('emergency.incidents.fields.checkTags')}</legend>
        {CHECK_TAGS.map((tag) => (
          <label key={tag} className="inline">
            <input
              type="checkbox"
              checked={tags.includes(tag)}
              onChange={() => setTags((x) => (x.includes(tag) ? x.filter((y) => y !== tag) : [...x, tag]))}
            />
            {t(`emergency.incidents.tags.${tag}`)}
          </label>
        ))}
      </fieldset>
      <label>
        {t('emergency.incidents.fields.commander')}
        <select value={commanderId} onChange={(e) => setCommanderId(e.target.value)} data-testid="incident-commander">
          <option value="">{t('emergency.incidents.form.me', { name: user.displayName })}</option>
          {commanders.map((u) => (
            <option key={u.id} value={u.id}>
              {u.displayName}
            </option>
          ))}
        </select>
      </label>
      <label className="inline incident-drill-toggle">
        <input
          type="checkbox"
          checked={drill}
          onChange={(e) => setDrill(e.target.checked)}
          data-testid="incident-drill-toggle"
        />
        {t('emergency.incidents.form.drill')}
      </label>
      {problem && (
        <p className="error-banner" role="alert">
          {problem}
        </p>
      )}
      <ErrorBanner error={declare.error} testId="incident-form-error" />
      <button type="submit" className="btn btn-primary" disabled={declare.isPending} data-testid="incident-submit">
        {t('emergency.incidents.form.submit')}
      </button>
    </form>
  )
}
