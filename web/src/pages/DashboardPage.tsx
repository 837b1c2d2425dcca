import { keepPreviousData, useQuery } from '@tanstack/react-query'
import type { TFunction } from 'i18next'
import { useEffect, useMemo, useState } from 'react'
import { useTranslation } from 'react-i18next'
import { ApiError } from '../api'
import { queries } from '../api/queries'
import { ChoroplethMap } from '../components/ChoroplethMap'
import { EChart, type ChartOption } from '../components/EChart'
import { ErrorBanner } from '../components/ErrorBanner'
import { Loading, QueryStatus } from '../components/QueryStatus'
import { formatNumber, localName, ratePercent } from '../i18n'
import { AREA_LEVELS, type AppConfig, type AreaNode, type CaseStats, type CaseStatsGroup, type User } from '../types'
import { EvaluationTable } from './dashboard/EvaluationTable'
import { DeviceRiskCard } from './devices/risk/DeviceRiskCard'
import { BigScreen } from './analytics/dashboard/BigScreen'
import { DrillDown } from './analytics/dashboard/DrillDown'
import { Overview } from './analytics/dashboard/Overview'
import { href, idParam } from '../router'

// The three rates as 12345 counts them, then the figures of the handling process under their own names.
const THREE_RATES = ['responseRate', 'resolutionRate', 'satisfactionRate'] as const
const PROCESS_RATES = ['acceptanceRate', 'closureRate', 'onTimeClosureRate', 'reworkRate'] as const
type RateKey = (typeof THREE_RATES)[number] | (typeof PROCESS_RATES)[number]
// Rework is the one rate where less is better.
const RATE_COLOURS: Record<RateKey, string> = {
  responseRate: '#1f5f8b',
  resolutionRate: '#2a9d8f',
  satisfactionRate: '#3fa37a',
  acceptanceRate: '#5b6f8a',
  closureRate: '#6a8f3f',
  onTimeClosureRate: '#c77d12',
  reworkRate: '#c62828',
}
const DAYS = [7, 30, 90, 365]

const pad = (n: number) => String(n).padStart(2, '0')
const ymd = (d: Date) => `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`

/**
 * A yyyy-mm-dd moved by whole days. The server reads plain dates as midnight in the area's time
 * zone, so the range [from, to + 1 day) covers both days the user picked.
 */
function addDays(day: string, n: number): string | undefined {
  const [y, m, d] = day.split('-').map(Number)
  if (!y || !m || !d) return undefined
  return ymd(new Date(y, m - 1, d + n))
}

function groupLabel(g: CaseStatsGroup, lng: string): string {
  const zh = g.nameZh
  const en = g.nameEn
  return (lng === 'en' ? en || zh : zh || en) || g.code || String(g.key)
}

/** Statistics that are not there (yet): the server answers 404 NOT_FOUND for the route. */
const isMissing = (err: unknown) => err instanceof ApiError && err.status === 404 && err.code === 'NOT_FOUND'

const pct = (v: number | null, lng: string) => (v == null ? '—' : `${formatNumber(v, 1, lng)}%`)

function gauge(k: RateKey, value: number | null, name: string, lng: string): ChartOption {
  return {
    series: [
      {
        type: 'gauge',
        min: 0,
        max: 100,
        radius: '92%',
        center: ['50%', '58%'],
        startAngle: 200,
        endAngle: -20,
        progress: { show: true, width: 12, itemStyle: { color: RATE_COLOURS[k] } },
        axisLine: { lineStyle: { width: 12, color: [[1, '#e6ebf1']] } },
        axisTick: { show: false },
        splitLine: { show: false },
        axisLabel: { show: false },
        pointer: { show: false },
        anchor: { show: false },
        title: { show: false },
        detail: {
          valueAnimation: false,
          offsetCenter: [0, '5%'],
          fontSize: 20,
          fontWeight: 600,
          color: '#1d2733',
          formatter: () => pct(value, lng),
        },
        data: [{ value: value ?? 0, name }],
      },
    ],
  }
}

function groupChart(stats: CaseStats, xLabels: string[], rotate: boolean, t: TFunction, lng: string): ChartOption {
  return {
    tooltip: {
      trigger: 'axis',
      valueFormatter: (v) => (typeof v === 'number' ? formatNumber(v, 1, lng) : String(v ?? '—')),
    },
    legend: { type: 'plain', top: 0, textStyle: { fontSize: 11 } },
    grid: { left: 8, right: 8, top: 56, bottom: 8, containLabel: true },
    xAxis: { type: 'category', data: xLabels, axisLabel: { rotate: rotate ? 30 : 0, fontSize: 11, interval: 0 } },
    yAxis: [
      { type: 'value', min: 0, max: 100, axisLabel: { formatter: '{value}%' } },
      { type: 'value', minInterval: 1, splitLine: { show: false }, name: t('dashboard.cases') },
    ],
    series: [
      ...THREE_RATES.map(
        (k): BarOrLine => ({
          type: 'bar',
          name: t(`stats.dashboard.rates.${k}`),
          barMaxWidth: 28,
          itemStyle: { color: RATE_COLOURS[k] },
          data: stats.groups.map((g) => ratePercent(g[k])),
        }),
      ),
      {
        type: 'line',
        name: t('dashboard.total'),
        yAxisIndex: 1,
        itemStyle: { color: '#6a4c93' },
        data: stats.groups.map((g) => g.total),
      },
    ],
  }
}

/** Areas the user may look at, from their grants down to communities, indented by depth. */
function areaOptions(tree: AreaNode[], user: User): { node: AreaNode; depth: number }[] {
  const out: { node: AreaNode; depth: number }[] = []
  const seen = new Set<number>()
  const find = (nodes: AreaNode[], id: number): AreaNode | undefined => {
    for (const n of nodes) {
      if (n.id === id) return n
      const hit = find(n.children, id)
      if (hit) return hit
    }
    return undefined
  }
  const walk = (n: AreaNode, depth: number) => {
    if (n.level === 'grid' || n.retired || seen.has(n.id)) return
    seen.add(n.id)
    out.push({ node: n, depth })
    for (const c of n.children) walk(c, depth + 1)
  }
  const grants = user.roles
    .map((r) => find(tree, r.areaId))
    .filter((n): n is AreaNode => !!n)
    .sort((a, b) => AREA_LEVELS.indexOf(a.level) - AREA_LEVELS.indexOf(b.level))
  for (const g of grants) walk(g, 0)
  return out
}

// The area and period chosen stay for the tab's session, so coming back from the cases behind a
// figure (or the big screen) shows the same dashboard.
const STORED = 'grassroots.dashboard'
interface Stored {
  areaId: number | null
  from: string
  to: string
}
function stored(): Partial<Stored> {
  try {
    return JSON.parse(sessionStorage.getItem(STORED) ?? '{}') as Partial<Stored>
  } catch {
    return {}
  }
}

/** The dashboard (#/dashboard), its big screen (#/dashboard/screen/<area>) and drill-down (#/dashboard/cases/…). */
export function DashboardPage({ params, user, config }: { params: string[]; user: User; config: AppConfig | null }) {
  if (params[0] === 'screen') return <BigScreen areaId={idParam(params, 1) ?? undefined} />
  if (params[0] === 'cases') return <DrillDown params={params} />
  return <Dashboard user={user} config={config} />
}

/** Figures of the closed loop with their trends, rates by area and by month, and where cases come from on the map. */
function Dashboard({ user, config }: { user: User; config: AppConfig | null }) {
  const { t, i18n } = useTranslation()
  const lng = i18n.language
  const today = new Date()
  const [from, setFrom] = useState(() => stored().from ?? ymd(new Date(today.getFullYear(), today.getMonth() - 11, 1)))
  const [to, setTo] = useState(() => stored().to ?? ymd(today))
  const [chosenAreaId, setAreaId] = useState<number | null>(() => stored().areaId ?? null)
  useEffect(() => {
    try {
      sessionStorage.setItem(STORED, JSON.stringify({ areaId: chosenAreaId, from, to }))
    } catch {
      /* not kept: the defaults come back */
    }
  }, [chosenAreaId, from, to])
  const [days, setDays] = useState(30)
  // Without the tree or the grids (they failed to load) the page still shows what it can.
  const treeQuery = useQuery(queries.areaTree())
  const tree = treeQuery.data ?? (treeQuery.isError ? [] : null)
  const gridsQuery = useQuery(queries.allGrids())
  const grids = gridsQuery.data ?? (gridsQuery.isError ? { type: 'FeatureCollection' as const, features: [] } : null)

  const options = useMemo(() => (tree ? areaOptions(tree, user) : []), [tree, user])
  // A stored area the user no longer reads falls back to the first.
  const areaId =
    (chosenAreaId !== null && options.some((o) => o.node.id === chosenAreaId) ? chosenAreaId : null) ??
    options[0]?.node.id ??
    null

  // Both groupings in parallel, once the areas are known.
  const period = { areaId: areaId ?? undefined, from, to: addDays(to, 1) }
  const statsOptions = { enabled: tree != null, placeholderData: keepPreviousData } as const
  const byArea = useQuery({ ...queries.caseStats({ ...period, groupBy: 'area' }), ...statsOptions })
  const byMonth = useQuery({ ...queries.caseStats({ ...period, groupBy: 'month' }), ...statsOptions })
  const counts = useQuery({ ...queries.publicMap(days), placeholderData: keepPreviousData })

  const totals = byArea.data?.totals ?? byMonth.data?.totals ?? null
  const definitions = byArea.data?.definitions
  const missing = isMissing(byArea.error) && isMissing(byMonth.error)
  const rateName = (k: RateKey) => t(`stats.dashboard.rates.${k}`)
  // The satisfaction weights in force for the area shown, for the rate's legend.
  const weights = (byArea.data ?? byMonth.data)?.areas[0]?.satisfactionWeights
  const hint = (k: RateKey) =>
    t(`stats.dashboard.hints.${k}`, {
      satisfied: formatNumber(weights?.satisfied ?? 1, 2, lng),
      basically: formatNumber(weights?.basicallySatisfied ?? 1, 2, lng),
      unsatisfied: formatNumber(weights?.unsatisfied ?? 0, 2, lng),
    })

  const areaData = byArea.data
  const monthData = byMonth.data
  const areaChart = useMemo(
    () =>
      areaData &&
      groupChart(
        areaData,
        areaData.groups.map((g) => groupLabel(g, lng)),
        areaData.groups.length > 4,
        t,
        lng,
      ),
    [areaData, t, lng],
  )
  const monthChart = useMemo(
    () =>
      monthData &&
      groupChart(
        monthData,
        monthData.groups.map((g) => String(g.key)),
        false,
        t,
        lng,
      ),
    [monthData, t, lng],
  )
  const gauges = useMemo(
    () =>
      [...THREE_RATES, ...PROCESS_RATES].map(
        (k) => [k, gauge(k, ratePercent(totals?.[k]), t(`stats.dashboard.rates.${k}`), lng)] as const,
      ),
    [totals, t, lng],
  )
  const gaugeFigure = ([k, option]: (typeof gauges)[number]) => (
    <figure key={k} className="gauge card" data-testid={`dash-gauge-${k}`}>
      <EChart option={option} height={130} label={`${rateName(k)} ${pct(ratePercent(totals?.[k]), lng)}`} />
      <figcaption>
        <strong>{rateName(k)}</strong>
        <span className="muted" title={definitions?.[k]}>
          {hint(k)}
        </span>
      </figcaption>
    </figure>
  )
  const count = (n: number | undefined) => (typeof n === 'number' ? formatNumber(n, 0, lng) : '—')

  return (
    <section className="page dashboard-page" data-testid="page-dashboard">
      <div className="page-head">
        <h1 className="page-title">{t('dashboard.title')}</h1>
      </div>
      <div className="filters card dash-controls">
        <label className="inline-field">
          <span>{t('dashboard.area')}</span>
          <select
            data-testid="dash-area"
            value={areaId ?? ''}
            onChange={(e) => setAreaId(Number(e.target.value) || null)}
          >
            {options.map(({ node, depth }) => (
              <option key={node.id} value={node.id}>
                {'\u00a0\u00a0'.repeat(depth)}
                {localName(node, lng)}
              </option>
            ))}
          </select>
        </label>
        <label className="inline-field">
          <span>{t('dashboard.from')}</span>
          <input
            type="date"
            data-testid="dash-from"
            value={from}
            max={to}
            onChange={(e) => e.target.value && setFrom(e.target.value)}
          />
        </label>
        <label className="inline-field">
          <span>{t('dashboard.to')}</span>
          <input
            type="date"
            data-testid="dash-to"
            value={to}
            min={from}
            onChange={(e) => e.target.value && setTo(e.target.value)}
          />
        </label>
        <a
          className="btn dbd-screen-link"
          href={areaId ? href('dashboard', 'screen', areaId) : href('dashboard', 'screen')}
          data-testid="dbd-open-screen"
        >
          {t('analytics.dashboard.openScreen')}
        </a>
      </div>

      {missing ? (
        <div className="card no-data" data-testid="dash-no-data" role="status">
          <h2 className="section-title">{t('dashboard.noDataTitle')}</h2>
          <p className="muted">{t('dashboard.noDataText')}</p>
        </div>
      ) : (
        <>
          {tree != null && <Overview areaId={areaId ?? undefined} from={from} to={to} />}
          <QueryStatus query={[byArea, byMonth].filter((q) => !isMissing(q.error))} />
          {totals && (
            <>
              {totals.total === 0 && (
                <p className="notice" data-testid="dash-empty-period">
                  {t('dashboard.emptyPeriod')}
                </p>
              )}
              <h2 className="section-title">{t('stats.dashboard.threeRates')}</h2>
              <p className="muted small">{t('stats.dashboard.threeRatesNote')}</p>
              <div className="gauges" data-testid="dash-gauges">
                {gauges.filter(([k]) => (THREE_RATES as readonly string[]).includes(k)).map(gaugeFigure)}
              </div>
              <div className="kpis" data-testid="dash-loop-figures">
                {(
                  [
                    ['noContact', count(totals.noContact)],
                    ['notRated', count(totals.notRated)],
                    ['directAnswers', count(totals.directAnswers)],
                    [
                      'proactiveShare',
                      t('stats.dashboard.proactiveValue', {
                        share: pct(ratePercent(totals.proactiveShare), lng),
                        count: count(totals.proactive),
                      }),
                    ],
                    ['shelved', count(totals.shelved)],
                    [
                      'returns',
                      t('stats.dashboard.returnsValue', {
                        returns: count(totals.returns),
                        denied: count(totals.returnDenied),
                      }),
                    ],
                  ] as const
                ).map(([k, value]) => (
                  <div key={k} className="kpi card">
                    <span className="kpi-label" title={definitions?.[k === 'proactiveShare' ? 'proactive' : k]}>
                      {t(`stats.dashboard.figures.${k}`)}
                    </span>
                    <strong className="kpi-value" data-testid={`dash-figure-${k}`}>
                      {value}
                    </strong>
                  </div>
                ))}
              </div>
              <h2 className="section-title">{t('stats.dashboard.processRates')}</h2>
              <div className="gauges" data-testid="dash-process">
                {gauges.filter(([k]) => (PROCESS_RATES as readonly string[]).includes(k)).map(gaugeFigure)}
              </div>
            </>
          )}
          <div className="dash-charts">
            {areaChart && areaData && (
              <section className="card">
                <h2 className="section-title">{t('dashboard.byArea')}</h2>
                {areaData.groups.length ? (
                  <EChart option={areaChart} height={320} testId="dash-by-area" label={t('dashboard.byArea')} />
                ) : (
                  <p className="muted">{t('dashboard.emptyPeriod')}</p>
                )}
              </section>
            )}
            {monthChart && monthData && (
              <section className="card">
                <h2 className="section-title">{t('dashboard.byMonth')}</h2>
                {monthData.groups.length ? (
                  <EChart option={monthChart} height={320} testId="dash-by-month" label={t('dashboard.byMonth')} />
                ) : (
                  <p className="muted">{t('dashboard.emptyPeriod')}</p>
                )}
              </section>
            )}
          </div>
          <EvaluationTable areaId={areaId ?? undefined} from={from} to={addDays(to, 1)} />
        </>
      )}

      <section className="card dash-map-card">
        <div className="page-head">
          <h2 className="section-title">{t('dashboard.mapTitle')}</h2>
          <label className="inline-field">
            <span>{t('dashboard.days')}</span>
            <select data-testid="dash-days" value={days} onChange={(e) => setDays(Number(e.target.value))}>
              {DAYS.map((d) => (
                <option key={d} value={d}>
                  {t('dashboard.lastDays', { days: d })}
                </option>
              ))}
            </select>
          </label>
        </div>
        {counts.isError && !counts.isFetching && (
          <ErrorBanner error={counts.error} onRetry={() => void counts.refetch()} />
        )}
        {grids && counts.data ? (
          <ChoroplethMap grids={grids} counts={counts.data.grids} config={config} />
        ) : (
          !counts.isError && <Loading />
        )}
      </section>
      <DeviceRiskCard areaId={areaId ?? undefined} />
    </section>
  )
}

type BarOrLine = Extract<NonNullable<ChartOption['series']>, unknown[]>[number]
