// The cases behind one figure of the dashboard: the figure and its filters come from the route
// (#/dashboard/cases/<figure>/<filters>), the list pages newest first by keyset, each case links to
// its page.
import { keepPreviousData, useQuery } from '@tanstack/react-query'
import { useState } from 'react'
import { useTranslation } from 'react-i18next'
import { call, client } from '../../../api'
import { StateChip } from '../../../components/CaseBadges'
import { QueryStatus } from '../../../components/QueryStatus'
import { formatDateTime, formatNumber, localName } from '../../../i18n'
import { href, routes } from '../../../router'
import { addDays, type CountFigure, type DrillQuery } from './common'
import './dashboard.css'

const PAGE_SIZE = 50
const NUMERIC = ['areaId', 'categoryId', 'departmentId', 'gridId'] as const

/** The filters of the route's last segment, as the API takes them. */
function parseFilters(segment: string | undefined): Omit<DrillQuery, 'figure'> {
  const q = new URLSearchParams(segment ?? '')
  const out: Record<string, string | number> = {}
  for (const [k, v] of q) {
    if ((NUMERIC as readonly string[]).includes(k)) {
      const n = Number(v)
      if (Number.isSafeInteger(n) && n > 0) out[k] = n
    } else if (k === 'from' || k === 'to' || k === 'channel') out[k] = v
  }
  return out as Omit<DrillQuery, 'figure'>
}

export function DrillDown({ params }: { params: string[] }) {
  const { t, i18n } = useTranslation()
  const lng = i18n.language
  const figure = (params[1] ?? 'total') as CountFigure
  const filters = parseFilters(params[2])
  // Pages by keyset: the cursors of the pages seen so far, to go back.
  const [cursors, setCursors] = useState<(number | undefined)[]>([undefined])
  const after = cursors.at(-1)
  const query = useQuery({
    queryKey: ['cases', 'dashboard-drill', figure, filters, after] as const,
    queryFn: ({ signal }) =>
      call(
        client.GET('/api/v1/analytics/dashboard/cases', {
          params: { query: { ...filters, figure, pageSize: PAGE_SIZE, ...(after ? { after } : {}) } },
          signal,
        }),
      ),
    placeholderData: keepPreviousData,
  })
  const page = query.data
  const last = filters.to ? addDays(filters.to, -1) : undefined
  return (
    <section className="page dbd-drill" data-testid="dbd-drill">
      <div className="page-head">
        <h1 className="page-title" data-testid="dbd-drill-title">
          {t('analytics.dashboard.drillTitle', { figure: t(`analytics.dashboard.figures.${figure}`) })}
        </h1>
        <a className="btn" href={href('dashboard')} data-testid="dbd-drill-back">
          {t('analytics.dashboard.back')}
        </a>
      </div>
      <p className="muted" data-testid="dbd-drill-filters">
        {[
          filters.from && last ? t('analytics.dashboard.drillPeriod', { from: filters.from, to: last }) : null,
          filters.channel ? t(`channels.${filters.channel}`) : null,
          filters.gridId || filters.categoryId ? t('analytics.dashboard.drillNarrowed') : null,
        ]
          .filter(Boolean)
          .join(' · ')}
      </p>
      <QueryStatus query={query} />
      {page && (
        <>
          <p data-testid="dbd-drill-total">
            {t('analytics.dashboard.drillTotal', {
              total: formatNumber(page.total, 0, lng),
              more: page.totalCapped ? '+' : '',
            })}
          </p>
          {page.items.length === 0 ? (
            <p className="muted">{t('analytics.dashboard.none')}</p>
          ) : (
            <div className="table-wrap">
              <table className="table dbd-drill-table">
                <thead>
                  <tr>
                    <th scope="col">{t('analytics.dashboard.col.code')}</th>
                    <th scope="col">{t('analytics.dashboard.col.category')}</th>
                    <th scope="col">{t('analytics.dashboard.col.area')}</th>
                    <th scope="col">{t('analytics.dashboard.col.channel')}</th>
                    <th scope="col">{t('analytics.dashboard.col.state')}</th>
                    <th scope="col">{t('analytics.dashboard.col.department')}</th>
                    <th scope="col">{t('analytics.dashboard.col.submitted')}</th>
                    <th scope="col">{t('analytics.dashboard.col.summary')}</th>
                  </tr>
                </thead>
                <tbody>
                  {page.items.map((c) => (
                    <tr key={c.id} data-testid="dbd-drill-row">
                      <td>
                        <a href={routes.case(c.id)} data-testid={`dbd-drill-case-${c.trackingCode}`}>
                          {c.trackingCode}
                        </a>
                      </td>
                      <td>{localName(c.category, lng)}</td>
                      <td>{localName(c.area, lng)}</td>
                      <td>{t(`channels.${c.channel}`)}</td>
                      <td>
                        <StateChip state={c.state} />
                        {c.overdue && (
                          <span className="badge badge-danger">{t('analytics.dashboard.overdueBadge')}</span>
                        )}
                      </td>
                      <td>{c.department ? localName(c.department, lng) : '—'}</td>
                      <td>{formatDateTime(c.submittedAt, lng)}</td>
                      <td className="dbd-summary">{c.summary}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
          <nav className="pager" aria-label={t('pager.label')}>
            <button
              type="button"
              className="btn btn-small"
              disabled={cursors.length <= 1}
              onClick={() => setCursors((c) => c.slice(0, -1))}
              data-testid="dbd-drill-prev"
            >
              {t('pager.prev')}
            </button>
            <button
              type="button"
              className="btn btn-small"
              disabled={!page.nextAfter}
              onClick={() => page.nextAfter && setCursors((c) => [...c, page.nextAfter!])}
              data-testid="dbd-drill-next"
            >
              {t('pager.next')}
            </button>
          </nav>
        </>
      )}
    </section>
  )
}
