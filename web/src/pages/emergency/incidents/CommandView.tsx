import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import type { Geometry } from 'geojson'
import { useEffect, useRef, useState, type FormEvent, type ReactNode } from 'react'
import { useTranslation } from 'react-i18next'
import { downloadFile } from '../../../api'
import { ErrorBanner } from '../../../components/ErrorBanner'
import { QueryStatus } from '../../../components/QueryStatus'
import { formatDateTime, localName } from '../../../i18n'
import { routes } from '../../../router'
import type { AppConfig, User } from '../../../types'
import { AlertPanel } from '../alerts'
import { CheckPanel } from '../checks'
import { ResourcesPanel, SheltersPanel, TasksPanel } from '../response'
import type { PanelProps } from '../section'
import { incidentApi, incidentKeys, incidentQueries, type IncidentDetail } from './api'
import { DrillBadge, LEVELS, LevelBadge, ROMAN, StatusBadge } from './common'
import { GridMap, progressColor } from './GridMap'

/**
 * The command view of one incident: the header (level with its dialog, commander, drill, close,
 * report), the map of the grids coloured by check progress, the other parts' panels, and the log.
 */
export function CommandView({ id, user, config }: { id: number; user: User; config: AppConfig | null }) {
  const { t } = useTranslation()
  const query = useQuery(incidentQueries.detail(id))
  const d = query.data
  const panel: PanelProps | null = d
    ? { incidentId: id, active: d.status === 'active', commands: d.commands, user }
    : null
  return (
    <div className="incident-command" data-testid="incident-command" data-incident-id={id}>
      <a className="back-link" href={routes.emergency('incidents')} data-testid="incident-back">
        ← {t('emergency.incidents.back')}
      </a>
      <QueryStatus query={query} />
      {d && panel && (
        <>
          <Header detail={d} />
          <div className="incident-command-grid">
            <section className="card incident-map-card" aria-labelledby="incident-map-title">
              <h3 id="incident-map-title">{t('emergency.incidents.map.title')}</h3>
              <IncidentMapPanel id={id} config={config} />
            </section>
            <Counts detail={d} />
          </div>
          <Panel title={t('emergency.incidents.panels.checks')} testId="panel-checks">
            <CheckPanel {...panel} />
          </Panel>
          <Panel title={t('emergency.incidents.panels.alerts')} testId="panel-alerts">
            <AlertPanel {...panel} />
          </Panel>
          <Panel title={t('emergency.incidents.panels.tasks')} testId="panel-tasks">
            <TasksPanel {...panel} />
          </Panel>
          <Panel title={t('emergency.incidents.panels.resources')} testId="panel-resources">
            <ResourcesPanel {...panel} />
          </Panel>
          <Panel title={t('emergency.incidents.panels.shelters')} testId="panel-shelters">
            <SheltersPanel {...panel} />
          </Panel>
          <IncidentLog detail={d} />
        </>
      )}
    </div>
  )
}

function Panel({ title, testId, children }: { title: string; testId: string; children: ReactNode }) {
  return (
    // The panels carry their own headings; the section is named for landmarks.
    <section className="card incident-panel" data-testid={testId} aria-label={title}>
      {children}
    </section>
  )
}

function Header({ detail: d }: { detail: IncidentDetail }) {
  const { t, i18n } = useTranslation()
  const [dialog, setDialog] = useState<'level' | 'close' | null>(null)
  const report = useMutation({ mutationFn: () => downloadFile(incidentApi.report(d.id), `${d.reference}.pdf`) })
  const active = d.status === 'active'
  return (
    <article className={`card incident-head${d.drill ? ' incident-head-drill' : ''}`} aria-labelledby="incident-title">
      <div className="incident-card-head">
        <LevelBadge level={d.level} />
        {d.drill && <DrillBadge />}
        <StatusBadge status={d.status} />
        <span className="badge badge-muted">{t(`emergency.incidents.kinds.${d.kind}`)}</span>
      </div>
      <h2 id="incident-title" data-testid="incident-title-text">
        {d.title}
      </h2>
      <dl className="facts incident-facts">
        <dt>{t('emergency.incidents.fields.reference')}</dt>
        <dd data-testid="incident-reference">{d.reference}</dd>
        <dt>{t('emergency.incidents.fields.area')}</dt>
        <dd>{localName({ nameZh: d.areaNameZh, nameEn: d.areaNameEn }, i18n.language)}</dd>
        <dt>{t('emergency.incidents.fields.commander')}</dt>
        <dd data-testid="incident-commander-name">{d.commanderName}</dd>
        <dt>{t('emergency.incidents.fields.declared')}</dt>
        <dd>
          {formatDateTime(d.declaredAt)} · {d.declaredByName}
        </dd>
        {d.closedAt && (
          <>
            <dt>{t('emergency.incidents.fields.closed')}</dt>
            <dd>
              {formatDateTime(d.closedAt)} · {d.closedByName}
            </dd>
          </>
        )}
        <dt>{t('emergency.incidents.fields.grids')}</dt>
        <dd>{d.grids.map((g) => localName(g, i18n.language)).join('、')}</dd>
      </dl>
      <p className="incident-description">{d.description}</p>
      {d.summary && (
        <div className="incident-summary" data-testid="incident-summary">
          <h4>{t('emergency.incidents.fields.summary')}</h4>
          <p>{d.summary}</p>
        </div>
      )}
      <div className="incident-actions">
        {active && d.commands && (
          <>
            <button type="button" className="btn" onClick={() => setDialog('level')} data-testid="incident-level-open">
              {t('emergency.incidents.levelDialog.open')}
            </button>
            <button
              type="button"
              className="btn btn-danger"
              onClick={() => setDialog('close')}
              data-testid="incident-close-open"
            >
              {t('emergency.incidents.closeDialog.open')}
            </button>
          </>
        )}
        <button
          type="button"
          className="btn"
          onClick={() => report.mutate()}
          disabled={report.isPending}
          data-testid="incident-report"
        >
          {t('emergency.incidents.report')}
        </button>
      </div>
      <ErrorBanner error={report.error} />
      {dialog === 'level' && <LevelDialog detail={d} onDone={() => setDialog(null)} />}
      {dialog === 'close' && <CloseDialog detail={d} onDone={() => setDialog(null)} />}
    </article>
  )
}

/** A modal dialog (the native <dialog>: focus kept inside, Escape closes). */
function Dialog({
  title,
  onClose,
  children,
  testId,
}: {
  title: string
  onClose: () => void
  children: ReactNode
  testId: string
}) {
  const ref = useRef<HTMLDialogElement>(null)
  useEffect(() => {
    const el = ref.current
    if (el && !el.open) el.showModal?.()
  }, [])
  return (
    <dialog
      ref={ref}
      className="incident-dialog"
      aria-labelledby={`${testId}-title`}
      data-testid={testId}
      onClose={onClose}
    >
      <h3 id={`${testId}-title`}>{title}</h3>
      {children}
    </dialog>
  )
}

function LevelDialog({ detail: d, onDone }: { detail: IncidentDetail; onDone: () => void }) {
  const { t } = useTranslation()
  const qc = useQueryClient()
  const [level, setLevel] = useState(d.level > 1 ? d.level - 1 : 2)
  const [reason, setReason] = useState('')
  const change = useMutation({
    mutationFn: () => incidentApi.level(d.id, level, reason.trim()),
    onSuccess: (next) => {
      qc.setQueryData(incidentKeys.detail(d.id), next)
      void qc.invalidateQueries({ queryKey: incidentKeys.all })
      onDone()
    },
  })
  const submit = (e: FormEvent) => {
    e.preventDefault()
    change.mutate()
  }
  return (
    <Dialog title={t('emergency.incidents.levelDialog.title')} onClose={onDone} testId="incident-level-dialog">
      <form onSubmit={submit}>
        <label>
          {t('emergency.incidents.levelDialog.newLevel')}
          <select value={level} onChange={(e) => setLevel(Number(e.target.value))} data-testid="incident-level-new">
            {LEVELS.filter((l) => l !== d.level).map((l) => (
              <option key={l} value={l}>
                {t('emergency.incidents.levelOption', {
                  level: ROMAN[l - 1],
                  name: t(`emergency.incidents.levels.${l}`),
                })}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t('emergency.incidents.levelDialog.reason')}
          <textarea
            value={reason}
            required
            minLength={2}
            maxLength={500}
            rows={3}
            onChange={(e) => setReason(e.target.value)}
            data-testid="incident-level-reason"
          />
        </label>
        <ErrorBanner error={change.error} testId="incident-level-error" />
        <div className="incident-dialog-buttons">
          <button type="button" className="btn" onClick={onDone}>
            {t('emergency.incidents.cancel')}
          </button>
          <button
            type="submit"
            className="btn btn-primary"
            disabled={change.isPending || reason.trim().length < 2}
            data-testid="incident-level-submit"
          >
            {t('emergency.incidents.levelDialog.submit')}
          </button>
        </div>
      </form>
    </Dialog>
  )
}

function CloseDialog({ detail: d, onDone }: { detail: IncidentDetail; onDone: () => void }) {
  const { t } = useTranslation()
  const qc = useQueryClient()
  const [summary, setSummary] = useState('')
  const close = useMutation({
    mutationFn: () => incidentApi.close(d.id, summary.trim()),
    onSuccess: (next) => {
      qc.setQueryData(incidentKeys.detail(d.id), next)
      void qc.invalidateQueries({ queryKey: ['emergency'] })
      onDone()
    },
  })
  const submit = (e: FormEvent) => {
    e.preventDefault()
    close.mutate()
  }
  return (
    <Dialog title={t('emergency.incidents.closeDialog.title')} onClose={onDone} testId="incident-close-dialog">
      <form onSubmit={submit}>
        <p className="muted">{t('emergency.incidents.closeDialog.hint')}</p>
        <label>
          {t('emergency.incidents.fields.summary')}
          <textarea
            value={summary}
            required
            maxLength={8000}
            rows={6}
            onChange={(e) => setSummary(e.target.value)}
            data-testid="incident-close-summary"
          />
        </label>
        <ErrorBanner error={close.error} testId="incident-close-error" />
        <div className="incident-dialog-buttons">
          <button type="button" className="btn" onClick={onDone}>
            {t('emergency.incidents.cancel')}
          </button>
          <button
            type="submit"
            className="btn btn-danger"
            disabled={close.isPending || summary.trim().length === 0}
            data-testid="incident-close-submit"
          >
            {t('emergency.incidents.closeDialog.submit')}
          </button>
        </div>
      </form>
    </Dialog>
  )
}

function Counts({ detail: d }: { detail: IncidentDetail }) {
  const { t } = useTranslation()
  const c = d.counts
  const reached = c.checksSafe + c.checksNeedsHelp
  const rows: [string, string | number][] = [
    [
      t('emergency.incidents.counts.checks'),
      t('emergency.incidents.counts.reachedOf', { n: reached, total: c.checksTotal }),
    ],
    [t('emergency.incidents.counts.safe'), c.checksSafe],
    [t('emergency.incidents.counts.needsHelp'), c.checksNeedsHelp],
    [t('emergency.incidents.counts.unreachable'), c.checksUnreachable],
    [t('emergency.incidents.counts.pending'), c.checksPending],
    [t('emergency.incidents.counts.escalated'), c.checksEscalated],
    [
      t('emergency.incidents.counts.alerts'),
      t('emergency.incidents.counts.sentOf', { n: c.alertsSent, total: c.alertRecipients }),
    ],
    [t('emergency.incidents.counts.acknowledged'), c.alertsAcknowledged],
    [
      t('emergency.incidents.counts.tasks'),
      t('emergency.incidents.counts.tasksOpenDone', { open: c.tasksOpen, done: c.tasksDone }),
    ],
    [t('emergency.incidents.counts.sheltered'), c.sheltered],
  ]
  return (
    <section className="card incident-counts" aria-labelledby="incident-counts-title" data-testid="incident-counts">
      <h3 id="incident-counts-title">{t('emergency.incidents.counts.title')}</h3>
      <dl className="incident-count-list">
        {rows.map(([k, v]) => (
          <div key={k} className="incident-count">
            <dt>{k}</dt>
            <dd>{v}</dd>
          </div>
        ))}
      </dl>
    </section>
  )
}

function IncidentMapPanel({ id, config }: { id: number; config: AppConfig | null }) {
  const { t, i18n } = useTranslation()
  const map = useQuery(incidentQueries.map(id))
  const features = map.data?.features ?? []
  const grids = features
    .filter((f) => f.properties.kind === 'grid')
    .map((f) => ({
      id: f.properties.gridId ?? 0,
      label: localName({ nameZh: f.properties.nameZh, nameEn: f.properties.nameEn }, i18n.language),
      geometry: f.geometry as Geometry,
      color: progressColor(f.properties),
      detail: t('emergency.incidents.map.progress', {
        safe: f.properties.safe,
        needsHelp: f.properties.needsHelp,
        unreachable: f.properties.unreachable,
        pending: f.properties.pending,
      }),
    }))
  const drawn = features.find((f) => f.properties.kind === 'affected')?.geometry as Geometry | undefined
  const markers = (map.data?.markers ?? []).map((m) => ({
    key: `${m.kind}:${m.id}`,
    kind: m.kind,
    lng: m.lng,
    lat: m.lat,
    label:
      m.kind === 'shelter'
        ? t('emergency.incidents.map.shelter', {
            name: m.title,
            occupancy: m.occupancy ?? 0,
            capacity: m.capacity ?? 0,
          })
        : t('emergency.incidents.map.task', { title: m.title }),
  }))
  return (
    <>
      <QueryStatus query={map} />
      <GridMap
        grids={grids}
        markers={markers}
        drawn={drawn ?? null}
        config={config}
        testId="incident-map"
        label={t('emergency.incidents.map.title')}
      />
      <ul className="incident-map-legend" aria-label={t('emergency.incidents.map.legend')}>
        {(['done', 'pending', 'attention', 'none', 'shelters', 'tasks'] as const).map((k) => (
          <li key={k}>
            <span className={`incident-swatch incident-swatch-${k}`} aria-hidden="true" />
            {t(`emergency.incidents.map.${k}`)}
          </li>
        ))}
      </ul>
      <table className="incident-grid-table" data-testid="incident-grid-table">
        <caption className="sr-only">{t('emergency.incidents.map.tableCaption')}</caption>
        <thead>
          <tr>
            <th scope="col">{t('emergency.incidents.fields.grids')}</th>
            <th scope="col">{t('emergency.incidents.counts.onList')}</th>
            <th scope="col">{t('emergency.incidents.counts.safe')}</th>
            <th scope="col">{t('emergency.incidents.counts.needsHelp')}</th>
            <th scope="col">{t('emergency.incidents.counts.unreachable')}</th>
            <th scope="col">{t('emergency.incidents.counts.pending')}</th>
          </tr>
        </thead>
        <tbody>
          {features
            .filter((f) => f.properties.kind === 'grid')
            .map((f) => (
              <tr key={f.properties.gridId ?? 0} data-testid="incident-grid-row" data-code={f.properties.code}>
                <th scope="row">
                  {localName({ nameZh: f.properties.nameZh, nameEn: f.properties.nameEn }, i18n.language)}
                </th>
                <td>{f.properties.total}</td>
                <td>{f.properties.safe}</td>
                <td>{f.properties.needsHelp}</td>
                <td>{f.properties.unreachable}</td>
                <td>{f.properties.pending}</td>
              </tr>
            ))}
        </tbody>
      </table>
    </>
  )
}

function IncidentLog({ detail: d }: { detail: IncidentDetail }) {
  const { t } = useTranslation()
  const qc = useQueryClient()
  const log = useQuery(incidentQueries.log(d.id))
  const [message, setMessage] = useState('')
  const note = useMutation({
    mutationFn: () => incidentApi.note(d.id, message.trim()),
    onSuccess: () => {
      setMessage('')
      void qc.invalidateQueries({ queryKey: incidentKeys.log(d.id) })
    },
  })
  const submit = (e: FormEvent) => {
    e.preventDefault()
    if (message.trim()) note.mutate()
  }
  return (
    <section className="card incident-log" aria-labelledby="incident-log-title" data-testid="incident-log">
      <h3 id="incident-log-title">{t('emergency.incidents.log.title')}</h3>
      {d.status === 'active' && (
        <form className="incident-note" onSubmit={submit}>
          <label htmlFor="incident-note-text">{t('emergency.incidents.log.note')}</label>
          <textarea
            id="incident-note-text"
            value={message}
            maxLength={2000}
            rows={2}
            onChange={(e) => setMessage(e.target.value)}
            data-testid="incident-note-text"
          />
          <ErrorBanner error={note.error} />
          <button
            type="submit"
            className="btn btn-small"
            disabled={note.isPending || !message.trim()}
            data-testid="incident-note-submit"
          >
            {t('emergency.incidents.log.add')}
          </button>
        </form>
      )}
      <QueryStatus query={log} />
      <ol className="incident-timeline">
        {[...(log.data ?? [])].reverse().map((e) => (
          <li key={e.id} data-testid="incident-log-entry" data-kind={e.kind}>
            <time dateTime={e.at}>{formatDateTime(e.at)}</time>
            <span className="incident-log-actor">{e.actorName ?? t('emergency.incidents.log.system')}</span>
            <span className="incident-log-message">{e.message}</span>
          </li>
        ))}
      </ol>
    </section>
  )
}
