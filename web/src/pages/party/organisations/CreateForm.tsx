import { useMutation, useQuery } from '@tanstack/react-query'
import { useEffect, useId, useMemo, useState, type FormEvent } from 'react'
import { useTranslation } from 'react-i18next'
import { queries } from '../../../api/queries'
import { pathTo } from '../../../areaUtils'
import { newIdempotencyKey } from '../../../caseUtils'
import { AreaSelect } from '../../../components/AreaSelect'
import { ErrorBanner } from '../../../components/ErrorBanner'
import { localName } from '../../../i18n'
import { navigate, routes } from '../../../router'
import type { User } from '../../../types'
import {
  kinds,
  organisationQueries,
  organisationsApi,
  organisationsChanged,
  sectors,
  type Kind,
  type NewOrganisation,
  type Sector,
} from './api'
import { readerAreas } from './common'

/**
 * Create an organisation: code, name, kind, sector, the area and the organisation above; per
 * sector the registry organisation (searched), the department or the compound's buildings.
 * `areaId` preselects an area (a grid without an organisation: a party group under the nearest
 * organisation above it).
 */
export function CreateForm({ user, areaId: preset }: { user: User; areaId: number | null }) {
  const { t, i18n } = useTranslation()
  const home = readerAreas(user)[0]?.areaId ?? 0
  const areaTree = useQuery(queries.areaTree())
  const tree = useQuery(organisationQueries.tree(home))
  const [areaId, setAreaId] = useState(preset ? String(preset) : '')
  const area = useMemo(
    () => (areaTree.data && areaId ? pathTo(areaTree.data, Number(areaId)) : []),
    [areaTree.data, areaId],
  )
  const chosen = area[area.length - 1]
  const [code, setCode] = useState(() => '')
  const [name, setName] = useState('')
  const [kind, setKind] = useState<Kind>(preset ? 'group' : 'branch')
  const [sector, setSector] = useState<Sector>('area')
  const [parentId, setParentId] = useState('')
  const [registryQ, setRegistryQ] = useState('')
  const [registryId, setRegistryId] = useState('')
  const [departmentId, setDepartmentId] = useState('')
  const [buildingIds, setBuildingIds] = useState<number[]>([])
  const [foundedOn, setFoundedOn] = useState('')
  const [problem, setProblem] = useState<string | null>(null)
  const [key] = useState(newIdempotencyKey)
  const ids = {
    code: useId(),
    name: useId(),
    kind: useId(),
    sector: useId(),
    parent: useId(),
    area: useId(),
    registryQ: useId(),
    registry: useId(),
    department: useId(),
    founded: useId(),
  }

  // The organisations that can be above: active, not a party group.
  const parents = (tree.data?.nodes ?? []).filter((n) => n.status === 'active' && n.kind !== 'group')
  // A chosen area suggests the nearest area organisation above it (or on it), and a grid's name and code.
  useEffect(() => {
    if (!chosen) return
    const above = new Set(area.map((a) => a.id))
    const best = parents
      .filter((n) => above.has(n.area.id) && n.sector === 'area' && n.area.id !== chosen.id)
      .sort((a, b) => b.depth - a.depth)[0]
    if (best) setParentId((p) => p || String(best.id))
    if (chosen.level === 'grid') {
      setName((n) => n || `${chosen.nameZh}党小组`)
      setCode((c) => c || `PO-${chosen.code}`)
    }
  }, [chosen, area, parents])

  const registryKind =
    sector === 'institution'
      ? 'public_institution'
      : sector === 'social_organisation'
        ? 'social_organisation'
        : 'enterprise'
  const needsRegistry = sector === 'enterprise' || sector === 'social_organisation' || sector === 'institution'
  const registry = useQuery({
    queryKey: ['party', 'organisations', 'registry', registryKind, registryQ],
    queryFn: ({ signal }) => organisationsApi.registryOrganisations(registryQ.trim(), registryKind, signal),
    enabled: needsRegistry,
  })
  const departments = useQuery({
    queryKey: ['party', 'organisations', 'departments'],
    queryFn: ({ signal }) => organisationsApi.departments(signal),
    enabled: sector === 'institution',
    staleTime: 5 * 60_000,
  })
  const buildings = useQuery({
    queryKey: ['party', 'organisations', 'buildings', areaId],
    queryFn: ({ signal }) => organisationsApi.buildings(Number(areaId), signal),
    enabled: sector === 'compound' && !!areaId,
  })

  const create = useMutation({
    mutationFn: (body: NewOrganisation) => organisationsApi.create(body, key),
    onSuccess: async (made) => {
      await organisationsChanged()
      navigate('party', 'organisations', made.id)
    },
  })

  const submit = (e: FormEvent) => {
    e.preventDefault()
    if (create.isPending) return
    if (!/^[A-Za-z0-9][A-Za-z0-9-]{1,39}$/.test(code.trim())) return setProblem(t('party.organisations.form.badCode'))
    if (name.trim().length < 2) return setProblem(t('party.organisations.form.needName'))
    if (!areaId) return setProblem(t('party.organisations.form.needArea'))
    setProblem(null)
    create.mutate({
      code: code.trim(),
      name: name.trim(),
      kind,
      sector,
      areaId: Number(areaId),
      ...(parentId ? { parentId: Number(parentId) } : {}),
      ...(needsRegistry && registryId ? { registryOrganisationId: Number(registryId) } : {}),
      ...(sector === 'institution' && departmentId ? { departmentId: Number(departmentId) } : {}),
      ...(sector === 'compound' && buildingIds.length ? { buildingIds } : {}),
      ...(foundedOn ? { foundedOn } : {}),
    })
  }

  return (
    <form className="card po-form" onSubmit={submit} noValidate data-testid="po-create-form">
      <a className="back-link" href={routes.party('organisations')}>
        ← {t('party.organisations.back')}
      </a>
      <h2>{t('party.organisations.new')}</h2>
      <label className="field" htmlFor={ids.area}>
        <span>{t('party.organisations.area')}</span>
        <AreaSelect
          id={ids.area}
          value={areaId}
          onChange={setAreaId}
          required
          testId="po-form-area"
          emptyLabel={t('party.organisations.form.chooseArea')}
        />
      </label>
      <label className="field" htmlFor={ids.parent}>
        <span>{t('party.organisations.parent')}</span>
        <select
          id={ids.parent}
          value={parentId}
          onChange={(e) => setParentId(e.target.value)}
          data-testid="po-form-parent"
        >
          <option value="">{t('party.organisations.form.noParent')}</option>
          {parents.map((n) => (
            <option key={n.id} value={n.id}>
              {'\u00a0'.repeat(n.depth * 2)}
              {n.name}
            </option>
          ))}
        </select>
      </label>
      <div className="po-form-row">
        <label className="field" htmlFor={ids.kind}>
          <span>{t('party.organisations.kind')}</span>
          <select
            id={ids.kind}
            value={kind}
            onChange={(e) => setKind(kinds.find((k) => k === e.target.value) ?? 'branch')}
            data-testid="po-form-kind"
          >
            {kinds.map((k) => (
              <option key={k} value={k}>
                {t(`party.organisations.kinds.${k}`)}
              </option>
            ))}
          </select>
        </label>
        <label className="field" htmlFor={ids.sector}>
          <span>{t('party.organisations.sector')}</span>
          <select
            id={ids.sector}
            value={sector}
            onChange={(e) => setSector(sectors.find((s) => s === e.target.value) ?? 'area')}
            data-testid="po-form-sector"
          >
            {sectors.map((s) => (
              <option key={s} value={s}>
                {t(`party.organisations.sectors.${s}`)}
              </option>
            ))}
          </select>
        </label>
      </div>
      <label className="field" htmlFor={ids.code}>
        <span>{t('party.organisations.code')}</span>
        <input
          id={ids.code}
          value={code}
          maxLength={40}
          required
          autoComplete="off"
          onChange={(e) => setCode(e.target.value)}
          aria-describedby={`${ids.code}-hint`}
          data-testid="po-form-code"
        />
        <small id={`${ids.code}-hint`} className="muted">
          {t('party.organisations.form.codeHint')}
        </small>
      </label>
      <label className="field" htmlFor={ids.name}>
        <span>{t('party.organisations.name')}</span>
        <input
          id={ids.name}
          value={name}
          maxLength={100}
          required
          onChange={(e) => setName(e.target.value)}
          data-testid="po-form-name"
        />
      </label>
      {needsRegistry && (
        <fieldset className="po-fieldset">
          <legend>{t('party.organisations.registryOrganisation')}</legend>
          <label className="field" htmlFor={ids.registryQ}>
            <span>{t('party.organisations.form.search')}</span>
            <input
              id={ids.registryQ}
              type="search"
              value={registryQ}
              maxLength={50}
              onChange={(e) => setRegistryQ(e.target.value)}
              data-testid="po-form-registry-q"
            />
          </label>
          <label className="field" htmlFor={ids.registry}>
            <span>{t('party.organisations.registryOrganisation')}</span>
            <select
              id={ids.registry}
              value={registryId}
              onChange={(e) => setRegistryId(e.target.value)}
              data-testid="po-form-registry"
            >
              <option value="">{t('party.organisations.form.none')}</option>
              {(registry.data?.items ?? []).map((o) => (
                <option key={o.id} value={o.id}>
                  {o.name}
                </option>
              ))}
            </select>
          </label>
        </fieldset>
      )}
      {sector === 'institution' && (
        <label className="field" htmlFor={ids.department}>
          <span>{t('party.organisations.department')}</span>
          <select
            id={ids.department}
            value={departmentId}
            onChange={(e) => setDepartmentId(e.target.value)}
            data-testid="po-form-department"
          >
            <option value="">{t('party.organisations.form.none')}</option>
            {(departments.data?.items ?? []).map((d) => (
              <option key={d.id} value={d.id}>
                {localName(d, i18n.language)}
              </option>
            ))}
          </select>
        </label>
      )}
      {sector === 'compound' && (
        <fieldset className="po-fieldset" data-testid="po-form-buildings">
          <legend>{t('party.organisations.buildings')}</legend>
          {!areaId && <p className="muted">{t('party.organisations.form.needArea')}</p>}
          <div className="po-buildings">
            {(buildings.data?.items ?? []).map((b) => (
              <label key={b.id} className="po-check">
                <input
                  type="checkbox"
                  checked={buildingIds.includes(b.id)}
                  onChange={(e) =>
                    setBuildingIds((xs) => (e.target.checked ? [...xs, b.id] : xs.filter((x) => x !== b.id)))
                  }
                />
                {b.name} <span className="muted">{b.code}</span>
              </label>
            ))}
          </div>
        </fieldset>
      )}
      <label className="field" htmlFor={ids.founded}>
        <span>{t('party.organisations.foundedOn')}</span>
        <input
          id={ids.founded}
          type="date"
          value={foundedOn}
          onChange={(e) => setFoundedOn(e.target.value)}
          data-testid="po-form-founded"
        />
      </label>
      {problem && (
        <p className="error" role="alert">
          {problem}
        </p>
      )}
      {create.error && <ErrorBanner error={create.error} />}
      <div className="po-actions">
        <button type="submit" className="btn btn-primary" disabled={create.isPending} data-testid="po-form-submit">
          {t('party.organisations.form.create')}
        </button>
      </div>
    </form>
  )
}
