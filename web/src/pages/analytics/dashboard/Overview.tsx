// The leader dashboard's own part: KPI tiles with their change against the previous period and the
// same period last year, the trend, channels, categories and grids. Every tile, link and chart item
// opens the cases behind it (the drill-down route).
import { keepPreviousData, useQuery } from '@tanstack/react-query'
import { useMemo } from 'react'
import { useTranslation } from 'react-i18next'
import { QueryStatus } from '../../../components/QueryStatus'
import { formatNumber, localName } from '../../../i18n'
import { navigate } from '../../../router'
import {
  CHANNEL_COLOURS,
  Change,
  DashChart,
  RATE_PARTS,
  addDays,
  dashboardQueryOptions,
  drillHref,
  figureText,
  type CountFigure,
  type DashOption,
  type Dashboard,
  type DrillQuery,
  type FigureName,
} from './common'
import './dashboard.css'

/** The tiles of the page, in reading order. */
export const PAGE_TILES: readonly FigureName[] = [
  'total',
  'open',
  'overdue',
  'closed',
  'responseRate',
  'resolutionRate',
  'satisfactionRate',
  'onTimeAcceptanceRate',
  'onTimeClosureRate',
  'reworkRate',
  'returnRate',
  'extensionRate',
  'averageHandlingHours',
]

/** The filters every drill-down of this answer keeps (area, period, category, department). */
export function baseFilters(d: Dashboard, areaId: number | undefined): Omit<DrillQuery, 'figure'> {
  return {
    areaId,
    from: d.periods.current.from,
    to: d.periods.current.to,
    categoryId: d.filters.categoryId ?? undefined,
    departmentId: d.filters.departmentId ?? undefined,
  }
}

export function Tile({
  name,
  d,
  areaId,
  testPrefix = 'dbd-tile',
}: {
  name: FigureName
  d: Dashboard
  areaId: number | undefined
  testPrefix?: string
}) {
  const { t, i18n } = useTranslation()
  const lng = i18n.language
  const f = d.figures[name]
  const parts = RATE_PARTS[name]
  const main: CountFigure = (parts?.[0] ?? name) as CountFigure
  const filters = baseFilters(d, areaId)
  const value = figureText(name, f.value, lng)
  return (
    <div className="dbd-tile card" data-testid={`${testPrefix}-${name}`}>
      <span className="dbd-tile-label" title={t(`analytics.dashboard.hints.${name}`, { defaultValue: '' })}>
        {t(`analytics.dashboard.figures.${name}`)}
      </span>
      <a className="dbd-tile-value" href={drillHref(main, filters)} data-testid={`${testPrefix}-${name}-link`}>
        <span data-testid={`${testPrefix}-${name}-value`}>
          {name === 'total' && testPrefix === 'dbd-tile' ? <span data-testid="dash-kpi-total">{value}</span> : value}
        </span>
        {name === 'averageHandlingHours' && f.value !== null && <small> {t('analytics.dashboard.hoursUnit')}</small>}
        <span className="visually-hidden">
          {t('analytics.dashboard.openCases', { figure: t(`analytics.dashboard.figures.${main}`) })}
        </span>
      </a>
      {parts && name !== 'averageHandlingHours' && (
        <span className="dbd-tile-parts">
          {parts.map((p, i) => (
            <span key={p}>
              {i > 0 && ' · '}
              <a href={drillHref(p, filters)} data-testid={`${testPrefix}-${name}-${p}`}>
                {t(`analytics.dashboard.figures.${p}`)} {formatNumber(d.figures[p].value ?? 0, 0, lng)}
              </a>
            </span>
          ))}
        </span>
      )}
      <span className="dbd-tile-changes">
        <Change name={name} figure={f} against="previous" testId={`${testPrefix}-${name}-previous`} />
        <Change name={name} figure={f} against="lastYear" testId={`${testPrefix}-${name}-lastYear`} />
      </span>
    </div>
  )
}

/** Chart options shared by the page and the big screen; `dark` for the wall display. */
export function chartOptions(
  d: Dashboard,
  t: (k: string, o?: Record<string, unknown>) => string,
  lng: string,
  dark = false,
) {
  const text = dark ? '#d7e3f4' : '#1d2733'
  const axis = { axisLabel: { color: text }, axisLine: { lineStyle: { color: dark ? '#5a6b85' : '#9aa7b6' } } }
  const split = { splitLine: { lineStyle: { color: dark ? '#26354d' : '#e6ebf1' } } }
  const trend: DashOption = {
    tooltip: { trigger: 'axis' },
    legend: { top: 0, textStyle: { color: text } },
    grid: { left: 8, right: 12, top: 36, bottom: 8, containLabel: true },
    xAxis: { type: 'category', data: d.trend.current.map((p) => p.key.slice(d.trend.unit === 'day' ? 5 : 0)), ...axis },
    yAxis: { type: 'value', minInterval: 1, ...axis, ...split },
    series: [
      {
        type: 'line',
        name: t('analytics.dashboard.trendCurrent'),
        data: d.trend.current.map((p) => p.total),
        itemStyle: { color: dark ? '#4fc3f7' : '#1f5f8b' },
        symbolSize: 6,
      },
      {
        type: 'line',
        name: t('analytics.dashboard.trendClosed'),
        data: d.trend.current.map((p) => p.closed),
        itemStyle: { color: dark ? '#81c784' : '#2e7d32' },
        symbolSize: 4,
      },
      {
        type: 'line',
        name: t('analytics.dashboard.trendPrevious'),
        data: d.trend.previous.map((p) => p.total),
        itemStyle: { color: dark ? '#8899b0' : '#9aa7b6' },
        lineStyle: { type: 'dashed' },
        symbol: 'none',
      },
    ],
  }
  const channels: DashOption = {
    tooltip: { trigger: 'item' },
    legend: { bottom: 0, textStyle: { color: text } },
    series: [
      {
        type: 'pie',
        radius: ['38%', '68%'],
        center: ['50%', '44%'],
        label: { color: text, formatter: '{b}: {c}' },
        data: d.byChannel.map((c) => ({
          name: t(`channels.${c.channel}`),
          value: c.total,
          itemStyle: { color: CHANNEL_COLOURS[c.channel] },
        })),
      },
    ],
  }
  const categoryNames = d.byCategory.top.map((c) => localName(c, lng))
  const categories: DashOption = {
    tooltip: { trigger: 'axis' },
    grid: { left: 8, right: 16, top: 8, bottom: 8, containLabel: true },
    xAxis: { type: 'value', minInterval: 1, ...axis, ...split },
    yAxis: {
      type: 'category',
      inverse: true,
      data: [...categoryNames, ...(d.byCategory.rest.total ? [t('analytics.dashboard.others')] : [])],
      ...axis,
    },
    series: [
      {
        type: 'bar',
        barMaxWidth: 22,
        itemStyle: { color: dark ? '#ffb74d' : '#c77d12' },
        data: [...d.byCategory.top.map((c) => c.total), ...(d.byCategory.rest.total ? [d.byCategory.rest.total] : [])],
        label: { show: true, position: 'right', color: text },
      },
    ],
  }
  const grids: DashOption = {
    tooltip: { trigger: 'axis' },
    grid: { left: 8, right: 16, top: 8, bottom: 8, containLabel: true },
    xAxis: { type: 'value', minInterval: 1, ...axis, ...split },
    yAxis: { type: 'category', inverse: true, data: d.topGrids.map((g) => localName(g, lng)), ...axis },
    series: [
      {
        type: 'bar',
        name: t('analytics.dashboard.figures.total'),
        barMaxWidth: 22,
        itemStyle: { color: dark ? '#4fc3f7' : '#1f5f8b' },
        data: d.topGrids.map((g) => g.total),
        label: { show: true, position: 'right', color: text },
      },
      {
        type: 'bar',
        name: t('analytics.dashboard.figures.open'),
        barMaxWidth: 22,
        itemStyle: { color: dark ? '#e57373' : '#c62828' },
        data: d.topGrids.map((g) => g.open),
      },
    ],
  }
  return { trend, channels, categories, grids }
}

/** Where a click on a chart item leads: the cases of that day, channel, category or grid. */
export function chartDrills(d: Dashboard, areaId: number | undefined) {
  const base = baseFilters(d, areaId)
  const span = (key: string) =>
    d.trend.unit === 'day'
      ? { from: key, to: addDays(key, 1) }
      : { from: `${key}-01`, to: `${addDays(`${key}-01`, 31).slice(0, 8)}01` }
  // A period's edges clip its first and last day or month (ISO dates compare as text).
  const clip = (s: { from: string; to: string }) => ({
    from: [s.from, base.from!].sort()[1]!,
    to: [s.to, base.to!].sort()[0]!,
  })
  return {
    trend: (series: number, i: number) => {
      const p = d.trend.current[i]
      if (!p) return
      navigate(...routeOf(drillHref(series === 1 ? 'closed' : 'total', { ...base, ...clip(span(p.key)) })))
    },
    channel: (i: number) => {
      const c = d.byChannel[i]
      if (c) navigate(...routeOf(drillHref('total', { ...base, channel: c.channel })))
    },
    category: (i: number) => {
      const c = d.byCategory.top[i]
      if (c) navigate(...routeOf(drillHref('total', { ...base, categoryId: c.id })))
    },
    grid: (series: number, i: number) => {
      const g = d.topGrids[i]
      if (g) navigate(...routeOf(drillHref(series === 1 ? 'open' : 'total', { ...base, gridId: g.id })))
    },
  }
}

/** The segments of a `#/…` link, for navigate(). */
const routeOf = (link: string) => link.replace(/^#\//, '').split('/').map(decodeURIComponent)

/** Links under a chart: the same items as text, for keyboards, screen readers and exact counts. */
function ItemLinks({
  items,
  testId,
}: {
  items: { key: string; label: string; href: string; value: number }[]
  testId: string
}) {
  const { i18n } = useTranslation()
  return (
    <ul className="dbd-links" data-testid={testId}>
      {items.map((x) => (
        <li key={x.key}>
          <a href={x.href} data-testid={`${testId}-${x.key}`}>
            <span>{x.label}</span> <strong>{formatNumber(x.value, 0, i18n.language)}</strong>
          </a>
        </li>
      ))}
    </ul>
  )
}

export function Overview({
  areaId,
  from,
  to,
}: {
  areaId: number | undefined
  /** First day shown. */
  from: string
  /** Last day shown (inclusive: the query takes the day after). */
  to: string
}) {
  const { t, i18n } = useTranslation()
  const lng = i18n.language
  const query = useQuery({
    ...dashboardQueryOptions({ areaId, from, to: addDays(to, 1) }),
    placeholderData: keepPreviousData,
  })
  const d = query.data
  const options = useMemo(() => (d ? chartOptions(d, t, lng) : null), [d, t, lng])
  const drills = useMemo(() => (d ? chartDrills(d, areaId) : null), [d, areaId])
  if (!d || !options || !drills) return <QueryStatus query={query} />
  const base = baseFilters(d, areaId)
  return (
    <section className="dbd-overview" data-testid="dbd-overview" aria-busy={query.isFetching}>
      <p className="muted small" data-testid="dbd-periods">
        {t('analytics.dashboard.periodsNote', {
          previousFrom: d.periods.previous.from,
          previousTo: addDays(d.periods.previous.to, -1),
          lastYearFrom: d.periods.lastYear.from,
          lastYearTo: addDays(d.periods.lastYear.to, -1),
        })}
      </p>
      <div className="dbd-tiles" data-testid="dbd-tiles">
        {PAGE_TILES.map((k) => (
          <Tile key={k} name={k} d={d} areaId={areaId} />
        ))}
      </div>
      <div className="dbd-charts">
        <section className="card dbd-chart-card dbd-wide">
          <h2 className="section-title">
            {t(d.trend.unit === 'day' ? 'analytics.dashboard.trendByDay' : 'analytics.dashboard.trendByMonth')}
          </h2>
          <DashChart
            option={options.trend}
            height={260}
            label={t('analytics.dashboard.trendLabel', {
              total: d.figures.total.value,
              previous: d.figures.total.previous,
            })}
            testId="dbd-trend"
            onPick={drills.trend}
          />
        </section>
        <section className="card dbd-chart-card">
          <h2 className="section-title">{t('analytics.dashboard.byChannel')}</h2>
          {d.byChannel.length ? (
            <>
              <DashChart
                option={options.channels}
                height={240}
                label={t('analytics.dashboard.byChannel')}
                testId="dbd-channels"
                onPick={(_, i) => drills.channel(i)}
              />
              <ItemLinks
                testId="dbd-channel-links"
                items={d.byChannel.map((c) => ({
                  key: c.channel,
                  label: t(`channels.${c.channel}`),
                  value: c.total,
                  href: drillHref('total', { ...base, channel: c.channel }),
                }))}
              />
            </>
          ) : (
            <p className="muted">{t('analytics.dashboard.none')}</p>
          )}
        </section>
        <section className="card dbd-chart-card">
          <h2 className="section-title">{t('analytics.dashboard.topCategories')}</h2>
          {d.byCategory.top.length ? (
            <>
              <DashChart
                option={options.categories}
                height={Math.max(160, 28 * (d.byCategory.top.length + 1))}
                label={t('analytics.dashboard.topCategories')}
                testId="dbd-categories"
                onPick={(_, i) => drills.category(i)}
              />
              <ItemLinks
                testId="dbd-category-links"
                items={d.byCategory.top.map((c) => ({
                  key: c.code,
                  label: localName(c, lng),
                  value: c.total,
                  href: drillHref('total', { ...base, categoryId: c.id }),
                }))}
              />
              {d.byCategory.rest.total > 0 && (
                <p className="muted small">
                  {t('analytics.dashboard.rest', {
                    categories: d.byCategory.rest.categories,
                    total: formatNumber(d.byCategory.rest.total, 0, lng),
                  })}
                </p>
              )}
            </>
          ) : (
            <p className="muted">{t('analytics.dashboard.none')}</p>
          )}
        </section>
        <section className="card dbd-chart-card">
          <h2 className="section-title">{t('analytics.dashboard.topGrids')}</h2>
          {d.topGrids.length ? (
            <>
              <DashChart
                option={options.grids}
                height={Math.max(160, 28 * d.topGrids.length)}
                label={t('analytics.dashboard.topGrids')}
                testId="dbd-grids"
                onPick={drills.grid}
              />
              <ItemLinks
                testId="dbd-grid-links"
                items={d.topGrids.map((g) => ({
                  key: g.code,
                  label: localName(g, lng),
                  value: g.total,
                  href: drillHref('total', { ...base, gridId: g.id }),
                }))}
              />
            </>
          ) : (
            <p className="muted">{t('analytics.dashboard.none')}</p>
          )}
        </section>
      </div>
    </section>
  )
}
