import { keepPreviousData, useMutation, useQuery } from '@tanstack/react-query'
import { type FormEvent, useState } from 'react'
import { useTranslation } from 'react-i18next'
import { ErrorBanner } from '../../../components/ErrorBanner'
import { Pager } from '../../../components/Pager'
import { QueryStatus } from '../../../components/QueryStatus'
import { formatDateTime, formatNumber } from '../../../i18n'
import { idParam, routes } from '../../../router'
import {
  newKey,
  type WarningDetail,
  type WarningFilter,
  type WarningItem,
  warningQueries,
  warningsApi,
  warningsChanged,
} from './api'
import './warnings.css'

const PAGE_SIZE = 20
const KINDS = ['spike', 'repeat_place', 'repeat_requester', 'satisfaction_drop', 'dispute_risk'] as const
const SEVERITIES = ['critical', 'high', 'medium', 'low'] as const
const STATES = ['live', 'open', 'acknowledged', 'closed', 'all'] as const

/**
 * The early-warning inbox (#/warnings) and one warning (#/warnings/<id>): spikes, repeated places
 * and requesters, satisfaction drops and high-risk disputes of the caller's areas, with their
 * evidence; acknowledge, close with a note, or start a proactive case.
 */
export function WarningsPage({ params }: { params: string[] }) {
  const id = idParam(params)
  return id === null ? <WarningList /> : <WarningView id={id} />
}

function useName() {
  const { i18n } = useTranslation()
  const zh = i18n.language === 'zh-CN'
  return (x: { nameZh: string; nameEn: string } | null | undefined) => (x ? (zh ? x.nameZh : x.nameEn) : '—')
}

function SeverityChip({ severity }: { severity: WarningItem['severity'] }) {
  const { t } = useTranslation()
  return (
    <span className={`warning-chip warning-chip-${severity}`} data-testid="warning-severity">
      {t(`analytics.warnings.severities.${severity}`)}
    </span>
  )
}

/** What a warning says in one line: the count against its baseline, or the rates. */
function summary(w: WarningItem, t: (k: string, o?: Record<string, unknown>) => string, lng: string) {
  if (w.kind === 'satisfaction_drop')
    return t('analytics.warnings.summary.satisfaction_drop', {
      recent: formatNumber(w.observed * 100, 1, lng),
      baseline: formatNumber((w.expected ?? 0) * 100, 1, lng),
    })
  if (w.kind === 'spike')
    return t(`analytics.warnings.summary.spike_${w.window === 'week' ? 'week' : 'day'}`, {
      observed: w.observed,
      expected: formatNumber(w.expected ?? 0, 1, lng),
      threshold: w.threshold ?? '—',
    })
  if (w.kind === 'dispute_risk') return t('analytics.warnings.summary.dispute_risk', { people: w.observed })
  return t(`analytics.warnings.summary.${w.kind}`, { observed: w.observed })
}

function WarningList() {
  const { t, i18n } = useTranslation()
  const name = useName()
  const [filter, setFilter] = useState<WarningFilter>({ state: 'live' })
  const [page, setPage] = useState(1)
  const list = useQuery({
    ...warningQueries.list({ ...filter, page, pageSize: PAGE_SIZE }),
    placeholderData: keepPreviousData,
  })
  const set = (patch: Partial<WarningFilter>) => {
    setPage(1)
    setFilter((f) => {
      const next = { ...f, ...patch }
      for (const k of Object.keys(next) as (keyof WarningFilter)[]) if (next[k] === undefined) delete next[k]
      return next
    })
  }
  return (
    <section className="page warnings-page" data-testid="page-warnings">
      <div className="page-head">
        <h1 className="page-title">{t('analytics.warnings.title')}</h1>
      </div>
      <p className="muted">{t('analytics.warnings.intro')}</p>
      <div className="warnings-filters">
        <label>
          {t('analytics.warnings.filters.state')}
          <select
            data-testid="warnings-filter-state"
            value={filter.state ?? 'live'}
            onChange={(e) => set({ state: e.target.value as WarningFilter['state'] })}
          >
            {STATES.map((s) => (
              <option key={s} value={s}>
                {t(`analytics.warnings.stateFilters.${s}`)}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t('analytics.warnings.filters.kind')}
          <select
            data-testid="warnings-filter-kind"
            value={filter.kind ?? ''}
            onChange={(e) => set({ kind: (e.target.value || undefined) as WarningFilter['kind'] })}
          >
            <option value="">{t('analytics.warnings.filters.any')}</option>
            {KINDS.map((k) => (
              <option key={k} value={k}>
                {t(`analytics.warnings.kinds.${k}`)}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t('analytics.warnings.filters.severity')}
          <select
            data-testid="warnings-filter-severity"
            value={filter.severity ?? ''}
            onChange={(e) => set({ severity: (e.target.value || undefined) as WarningFilter['severity'] })}
          >
            <option value="">{t('analytics.warnings.filters.any')}</option>
            {SEVERITIES.map((s) => (
              <option key={s} value={s}>
                {t(`analytics.warnings.severities.${s}`)}
              </option>
            ))}
          </select>
        </label>
      </div>
      <QueryStatus query={list} />
      {list.data && list.data.items.length === 0 && (
        <p className="muted empty" data-testid="warnings-empty">
          {t('analytics.warnings.empty')}
        </p>
      )}
      {list.data && list.data.items.length > 0 && (
        <ul className="warnings-list" data-testid="warnings-list">
          {list.data.items.map((w) => (
            <li key={w.id} className={`warning-item warning-${w.state}`} data-testid="warning-item" data-kind={w.kind}>
              <a href={routes.warnings(w.id)} className="warning-link">
                <SeverityChip severity={w.severity} />
                <span className="warning-kind">{t(`analytics.warnings.kinds.${w.kind}`)}</span>
                <span className="warning-where">
                  {name(w.area)}
                  {w.category ? ` · ${name(w.category)}` : ''}
                  {w.department ? ` · ${name(w.department)}` : ''}
                </span>
                <span className="warning-summary">{summary(w, t, i18n.language)}</span>
                <span className="warning-state">{t(`analytics.warnings.states.${w.state}`)}</span>
                <time className="muted" dateTime={w.raisedAt}>
                  {formatDateTime(w.raisedAt, i18n.language)}
                </time>
              </a>
            </li>
          ))}
        </ul>
      )}
      {list.data && <Pager page={page} pageSize={PAGE_SIZE} total={list.data.total} onPage={(p) => setPage(p)} />}
    </section>
  )
}

/** The spike's counts: the period against the same periods of its history, with the baseline and threshold. */
function SeriesChart({ w }: { w: WarningDetail }) {
  const { t } = useTranslation()
  if (!w.series.length) return null
  const max = Math.max(...w.series.map((s) => s.count), w.threshold ?? 0, w.expected ?? 0, 1)
  const W = 560
  const H = 200
  const pad = 28
  const bw = (W - pad * 2) / w.series.length
  const y = (v: number) => H - pad - (v / max) * (H - pad * 2)
  return (
    <figure className="warning-chart" data-testid="warning-chart">
      <svg
        viewBox={`0 0 ${W} ${H}`}
        role="img"
        aria-label={t('analytics.warnings.chart.label', {
          observed: w.observed,
          expected: w.expected ?? 0,
          threshold: w.threshold ?? 0,
        })}
      >
        {w.series.map((s, i) => (
          <g key={s.start}>
            <rect
              x={pad + i * bw + 3}
              y={y(s.count)}
              width={bw - 6}
              height={H - pad - y(s.count)}
              className={s.baseline ? 'bar-baseline' : 'bar-period'}
            />
            <text x={pad + i * bw + bw / 2} y={y(s.count) - 4} textAnchor="middle" className="bar-value">
              {s.count}
            </text>
            <text x={pad + i * bw + bw / 2} y={H - 8} textAnchor="middle" className="bar-label">
              {s.start.slice(5)}
            </text>
          </g>
        ))}
        {w.expected !== null && (
          <line x1={pad} x2={W - pad} y1={y(w.expected)} y2={y(w.expected)} className="line-expected" />
        )}
        {w.threshold !== null && (
          <line x1={pad} x2={W - pad} y1={y(w.threshold)} y2={y(w.threshold)} className="line-threshold" />
        )}
      </svg>
      <figcaption className="muted">
        <span className="legend legend-period">{t('analytics.warnings.chart.period')}</span>
        <span className="legend legend-baseline">{t('analytics.warnings.chart.history')}</span>
        <span className="legend legend-expected">
          {t('analytics.warnings.chart.expected', { value: formatNumber(w.expected ?? 0, 2) })}
        </span>
        <span className="legend legend-threshold">
          {t('analytics.warnings.chart.threshold', { value: w.threshold ?? '—' })}
        </span>
      </figcaption>
    </figure>
  )
}

function WarningView({ id }: { id: number }) {
  const { t, i18n } = useTranslation()
  const name = useName()
  const detail = useQuery(warningQueries.detail(id))
  const w = detail.data
  return (
    <section className="page warning-page" data-testid="page-warning">
      <p>
        <a href={routes.warnings()}>{t('analytics.warnings.back')}</a>
      </p>
      <QueryStatus query={detail} />
      {w && (
        <>
          <div className="page-head">
            <h1 className="page-title">
              {t(`analytics.warnings.kinds.${w.kind}`)}: {name(w.area)}
              {w.category ? ` · ${name(w.category)}` : ''}
            </h1>
          </div>
          <dl className="warning-facts">
            <dt>{t('analytics.warnings.severity')}</dt>
            <dd>
              <SeverityChip severity={w.severity} />
            </dd>
            <dt>{t('analytics.warnings.state')}</dt>
            <dd data-testid="warning-state">{t(`analytics.warnings.states.${w.state}`)}</dd>
            <dt>{t('analytics.warnings.what')}</dt>
            <dd>{summary(w, t, i18n.language)}</dd>
            <dt>{t('analytics.warnings.period')}</dt>
            <dd>
              {w.period} ({t(`analytics.warnings.windows.${w.window}`)})
            </dd>
            {w.pValue !== null && (
              <>
                <dt>{t('analytics.warnings.pValue')}</dt>
                <dd>
                  {w.pValue < 1e-4 ? w.pValue.toExponential(1) : formatNumber(w.pValue, 4)}
                  {w.z !== null ? ` (z = ${formatNumber(w.z, 2)})` : ''}
                </dd>
              </>
            )}
            {w.department && (
              <>
                <dt>{t('analytics.warnings.department')}</dt>
                <dd>{name(w.department)}</dd>
              </>
            )}
            {w.evidence.maskedPhone && (
              <>
                <dt>{t('analytics.warnings.requester')}</dt>
                <dd>{w.evidence.maskedPhone}</dd>
              </>
            )}
            {w.evidence.place && (
              <>
                <dt>{t('analytics.warnings.place')}</dt>
                <dd>
                  {t('analytics.warnings.placeText', {
                    lng: w.evidence.place.lng.toFixed(5),
                    lat: w.evidence.place.lat.toFixed(5),
                    radius: w.evidence.place.radiusMetres,
                  })}
                </dd>
              </>
            )}
            {w.dispute && (
              <>
                <dt>{t('analytics.warnings.dispute')}</dt>
                <dd>
                  <a href={`#/mediation/${w.dispute.id}`}>{w.dispute.reference}</a> (
                  {t(`analytics.warnings.risk.${w.dispute.riskLevel}`, { defaultValue: w.dispute.riskLevel })})
                </dd>
              </>
            )}
            <dt>{t('analytics.warnings.raisedAt')}</dt>
            <dd>{formatDateTime(w.raisedAt, i18n.language)}</dd>
            {w.acknowledgedAt && (
              <>
                <dt>{t('analytics.warnings.acknowledged')}</dt>
                <dd>
                  {w.acknowledgedBy} · {formatDateTime(w.acknowledgedAt, i18n.language)}
                </dd>
              </>
            )}
            {w.closedAt && (
              <>
                <dt>{t('analytics.warnings.closed')}</dt>
                <dd data-testid="warning-close-note">
                  {w.closedBy} · {formatDateTime(w.closedAt, i18n.language)}: {w.closeNote}
                </dd>
              </>
            )}
            {w.case && (
              <>
                <dt>{t('analytics.warnings.case')}</dt>
                <dd>
                  <a href={routes.case(w.case.id)} data-testid="warning-case">
                    {w.case.trackingCode}
                  </a>
                </dd>
              </>
            )}
          </dl>
          <SeriesChart w={w} />
          <Actions w={w} />
          {w.cases.length > 0 && (
            <>
              <h2 className="section-title">{t('analytics.warnings.cases', { count: w.cases.length })}</h2>
              <table className="warning-cases" data-testid="warning-cases">
                <thead>
                  <tr>
                    <th scope="col">{t('analytics.warnings.columns.code')}</th>
                    <th scope="col">{t('analytics.warnings.columns.submitted')}</th>
                    <th scope="col">{t('analytics.warnings.columns.category')}</th>
                    <th scope="col">{t('analytics.warnings.columns.description')}</th>
                  </tr>
                </thead>
                <tbody>
                  {w.cases.map((c) => (
                    <tr key={c.id}>
                      <td>
                        <a href={routes.case(c.id)}>{c.trackingCode}</a>
                      </td>
                      <td>{formatDateTime(c.submittedAt, i18n.language)}</td>
                      <td>{i18n.language === 'zh-CN' ? c.categoryZh : c.categoryEn}</td>
                      <td>{c.address ? `${c.address}: ${c.description}` : c.description}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </>
          )}
        </>
      )}
    </section>
  )
}

function Actions({ w }: { w: WarningDetail }) {
  const { t } = useTranslation()
  const [note, setNote] = useState('')
  const [description, setDescription] = useState('')
  const [key] = useState(newKey)
  const done = () => warningsChanged()
  const ack = useMutation({ mutationFn: () => warningsApi.acknowledge(w.id, w.version), onSuccess: done })
  const close = useMutation({ mutationFn: () => warningsApi.close(w.id, note, w.version), onSuccess: done })
  const start = useMutation({
    mutationFn: () => warningsApi.proactiveCase(w.id, { description }, key),
    onSuccess: done,
  })
  if (!w.can.acknowledge && !w.can.close && !w.can.proactiveCase) return null
  const submitClose = (e: FormEvent) => {
    e.preventDefault()
    close.mutate()
  }
  const submitCase = (e: FormEvent) => {
    e.preventDefault()
    start.mutate()
  }
  return (
    <div className="warning-actions">
      {w.can.acknowledge && (
        <button type="button" data-testid="warning-acknowledge" onClick={() => ack.mutate()} disabled={ack.isPending}>
          {t('analytics.warnings.acknowledge')}
        </button>
      )}
      {ack.error && <ErrorBanner error={ack.error} />}
      {w.can.proactiveCase && (
        <form onSubmit={submitCase} className="warning-form" data-testid="warning-case-form">
          <label htmlFor="warning-case-description">{t('analytics.warnings.caseDescription')}</label>
          <textarea
            id="warning-case-description"
            value={description}
            maxLength={4000}
            required
            onChange={(e) => setDescription(e.target.value)}
          />
          <button type="submit" disabled={start.isPending || !description.trim()}>
            {t('analytics.warnings.startCase')}
          </button>
          {start.error && <ErrorBanner error={start.error} />}
        </form>
      )}
      {w.can.close && (
        <form onSubmit={submitClose} className="warning-form" data-testid="warning-close-form">
          <label htmlFor="warning-close-note">{t('analytics.warnings.closeNote')}</label>
          <textarea
            id="warning-close-note"
            value={note}
            maxLength={1000}
            required
            onChange={(e) => setNote(e.target.value)}
          />
          <button type="submit" disabled={close.isPending || !note.trim()}>
            {t('analytics.warnings.close')}
          </button>
          {close.error && <ErrorBanner error={close.error} />}
        </form>
      )}
    </div>
  )
}
