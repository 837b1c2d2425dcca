import { useQuery } from '@tanstack/react-query'
import { useTranslation } from 'react-i18next'
import { queryClient } from '../../../api/queries'
import { QueryStatus } from '../../../components/QueryStatus'
import { formatDateTime, localName } from '../../../i18n'
import { routes } from '../../../router'
import type { PanelProps } from '../section'
import { checkApi, checkKeys, checkQueries, type CheckRow, type GridSummary } from './api'
import { StatusChip } from './CheckList'
import { useLiveChecks } from './live'

const segments = ['safe', 'needsHelp', 'unreachable', 'pending'] as const

/**
 * The command view's check panel: per-grid progress (safe, needs help, unreachable, escalated,
 * pending), live from the stream, and the people who need help or were escalated.
 */
export function CheckPanel({ incidentId, active }: PanelProps) {
  const { t } = useTranslation()
  const summary = useQuery(checkQueries.summary(incidentId))
  const attentionKey = [...checkKeys.all, 'attention', incidentId] as const
  const attention = useQuery({
    queryKey: attentionKey,
    queryFn: async ({ signal }) => {
      const [help, unreachable] = await Promise.all([
        checkApi.list(incidentId, { status: 'needs_help', pageSize: 100 }, signal),
        checkApi.list(incidentId, { status: 'unreachable', pageSize: 100 }, signal),
      ])
      return [...help.items, ...unreachable.items.filter((r) => r.escalatedAt)]
    },
  })
  const live = useLiveChecks(incidentId, (rows) => {
    if (rows.some((r) => r.status === 'needs_help' || r.status === 'unreachable' || r.escalatedAt))
      void queryClient.invalidateQueries({ queryKey: attentionKey })
  })
  const totals = summary.data?.totals
  return (
    <section className="panel check-panel" data-testid="check-panel" aria-labelledby="check-panel-title">
      <div className="check-panel-head">
        <h2 id="check-panel-title">{t('emergency.checks.panel.title')}</h2>
        <span className={`check-live ${live ? 'on' : 'off'}`} data-testid="check-panel-live">
          {live ? t('emergency.checks.live') : t('emergency.checks.notLive')}
        </span>
        {active && (
          <a className="btn btn-small" href={routes.emergency('checks', incidentId)} data-testid="check-panel-open">
            {t('emergency.checks.panel.open')}
          </a>
        )}
      </div>
      <QueryStatus query={summary} />
      {totals && (
        <>
          <p data-testid="check-panel-totals">
            {t('emergency.checks.panel.totals', {
              total: totals.total,
              safe: totals.safe,
              needsHelp: totals.needsHelp,
              unreachable: totals.unreachable,
              escalated: totals.escalated,
              pending: totals.pending,
            })}
          </p>
          <Legend />
          <ul className="check-grids">
            {summary.data?.grids.map((g) => (
              <GridBar key={g.gridId} grid={g} />
            ))}
          </ul>
        </>
      )}
      <h3>{t('emergency.checks.panel.attention')}</h3>
      <QueryStatus query={attention} />
      {attention.data && attention.data.length === 0 && <p className="muted">{t('emergency.checks.panel.none')}</p>}
      {attention.data && attention.data.length > 0 && (
        <ul className="check-attention" data-testid="check-attention">
          {attention.data.map((r) => (
            <AttentionRow key={r.id} row={r} />
          ))}
        </ul>
      )}
    </section>
  )
}

function Legend() {
  const { t } = useTranslation()
  return (
    <ul className="check-legend" aria-hidden="true">
      {segments.map((s) => (
        <li key={s}>
          <span className={`check-swatch check-seg-${s}`} /> {t(`emergency.checks.panel.segments.${s}`)}
        </li>
      ))}
    </ul>
  )
}

function GridBar({ grid: g }: { grid: GridSummary }) {
  const { t, i18n } = useTranslation()
  const pct = (n: number) => (g.total ? (n / g.total) * 100 : 0)
  const label = t('emergency.checks.panel.gridLabel', {
    grid: localName(g, i18n.language),
    total: g.total,
    safe: g.safe,
    needsHelp: g.needsHelp,
    unreachable: g.unreachable,
    escalated: g.escalated,
    pending: g.pending,
  })
  return (
    <li className="check-grid" data-testid="check-grid" data-grid={g.gridId} data-pending={g.pending}>
      <div className="check-grid-name">
        <span>{localName(g, i18n.language)}</span>
        <span className="muted">
          {g.total - g.pending}/{g.total}
          {g.escalated > 0 && ` · ${t('emergency.checks.panel.escalatedCount', { count: g.escalated })}`}
        </span>
      </div>
      <div className="check-bar" role="img" aria-label={label}>
        {segments.map((s) =>
          g[s] > 0 ? <span key={s} className={`check-seg check-seg-${s}`} style={{ width: `${pct(g[s])}%` }} /> : null,
        )}
      </div>
    </li>
  )
}

function AttentionRow({ row: r }: { row: CheckRow }) {
  const { t, i18n } = useTranslation()
  return (
    <li className="check-attention-row" data-testid="check-attention-row" data-status={r.status}>
      <strong>{r.name}</strong> <StatusChip status={r.status} />
      {r.escalatedAt && <span className="check-chip check-chip-escalated">{t('emergency.checks.escalated')}</span>}
      <div className="muted">
        {localName({ nameZh: r.gridNameZh, nameEn: r.gridNameEn }, i18n.language)}
        {r.address && ` · ${r.address}`}
        {r.phoneMasked && ` · ${r.phoneMasked}`}
      </div>
      {r.observedAt && (
        <div className="muted">
          {formatDateTime(r.observedAt, i18n.language)} · {r.checkedBy ?? '—'}
          {r.note && `：${r.note}`}
        </div>
      )}
    </li>
  )
}
