import { useEffect, useMemo, useState } from 'react'
import { useTranslation } from 'react-i18next'
import { ApiError, api, isAbort } from '../api'
import { ChoroplethMap } from '../components/ChoroplethMap'
import { EChart, type ChartOption } from '../components/EChart'
import { ErrorBanner } from '../components/ErrorBanner'
import { loadAllGrids, loadAreaTree } from '../caseUtils'
import { formatNumber, localName, ratePercent } from '../i18n'
import {
  AREA_LEVELS,
  type AppConfig,
  type AreaFeatureCollection,
  type AreaNode,
  type CaseStats,
  type CaseStatsGroup,
  type PublicMap,
  type User,
} from '../types'

const RATES = ['responseRate', 'resolutionRate', 'satisfactionRate', 'onTimeClosureRate', 'reworkRate'] as const
type RateKey = (typeof RATES)[number]
// Rework is the one rate where less is better.
const RATE_COLOURS: Record<RateKey, string> = {
  responseRate: '#1f5f8b',
  resolutionRate: '#2a9d8f',
  satisfactionRate: '#3fa37a',
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

/** A definition of a rate in the language shown, whatever plain shape the server uses. */
function definitionOf(defs: unknown, key: string, lng: string): string | null {
  if (!defs || typeof defs !== 'object') return null
  const d = (defs as Record<string, unknown>)[key]
  if (typeof d === 'string') return d
  if (d && typeof d === 'object') {
    const o = d as Record<string, unknown>
    const pick =
      lng === 'en'
        ? (o.en ?? o.descriptionEn ?? o.textEn ?? o.nameEn)
        : (o.zh ?? o['zh-CN'] ?? o.descriptionZh ?? o.textZh ?? o.nameZh)
    if (typeof pick === 'string') return pick
  }
  return null
}

type Load<T> =
  | { state: 'loading' }
  | { state: 'ok'; data: T }
  | { state: 'missing' }
  | { state: 'error'; error: unknown }

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
    n.children.forEach((c) => walk(c, depth + 1))
  }
  const grants = user.roles
    .filter((r) => r.areaId != null)
    .map((r) => find(tree, r.areaId!))
    .filter((n): n is AreaNode => !!n)
    .sort((a, b) => AREA_LEVELS.indexOf(a.level) - AREA_LEVELS.indexOf(b.level))
  grants.forEach((g) => walk(g, 0))
  return out
}

/** Rates of the closed loop by area and by month, and where cases come from on the map. */
export function DashboardPage({ user, config }: { user: User; config: AppConfig | null }) {
  const { t, i18n } = useTranslation()
  const lng = i18n.language
  const today = new Date()
  const [from, setFrom] = useState(() => ymd(new Date(today.getFullYear(), today.getMonth() - 11, 1)))
  const [to, setTo] = useState(() => ymd(today))
  const [tree, setTree] = useState<AreaNode[] | null>(null)
  const [areaId, setAreaId] = useState<number | null>(null)
  const [byArea, setByArea] = useState<Load<CaseStats>>({ state: 'loading' })
  const [byMonth, setByMonth] = useState<Load<CaseStats>>({ state: 'loading' })
  const [days, setDays] = useState(30)
  const [grids, setGrids] = useState<AreaFeatureCollection | null>(null)
  const [counts, setCounts] = useState<Load<PublicMap>>({ state: 'loading' })
  const [attempt, setAttempt] = useState(0)

  useEffect(() => {
    loadAreaTree().then(setTree, () => setTree([]))
    loadAllGrids().then(setGrids, () => setGrids({ type: 'FeatureCollection', features: [] }))
  }, [])

  const options = useMemo(() => (tree ? areaOptions(tree, user) : []), [tree, user])
  useEffect(() => {
    if (areaId == null && options[0]) setAreaId(options[0].node.id)
  }, [options, areaId])

  // Both groupings in parallel; a 404 means the statistics service is not there (yet).
  useEffect(() => {
    if (tree == null) return
    const ctrl = new AbortController()
    const params = { areaId: areaId ?? undefined, from, to: addDays(to, 1) }
    const run = (groupBy: 'area' | 'month', set: (l: Load<CaseStats>) => void) => {
      set({ state: 'loading' })
      api
        .caseStats({ ...params, groupBy }, ctrl.signal)
        .then((data) => set({ state: 'ok', data }))
        .catch((error) => {
          if (isAbort(error)) return
          set(
            error instanceof ApiError && error.status === 404 && error.code === 'NOT_FOUND'
              ? { state: 'missing' }
              : { state: 'error', error },
          )
        })
    }
    run('area', setByArea)
    run('month', setByMonth)
    return () => ctrl.abort()
  }, [tree, areaId, from, to, attempt])

  useEffect(() => {
    const ctrl = new AbortController()
    setCounts({ state: 'loading' })
    api
      .publicMap(days, ctrl.signal)
      .then((data) => setCounts({ state: 'ok', data }))
      .catch((error) => !isAbort(error) && setCounts({ state: 'error', error }))
    return () => ctrl.abort()
  }, [days, attempt])

  const totals = byArea.state === 'ok' ? byArea.data.totals : byMonth.state === 'ok' ? byMonth.data.totals : null
  const definitions = byArea.state === 'ok' ? byArea.data.definitions : undefined
  const missing = byArea.state === 'missing' && byMonth.state === 'missing'
  const rateName = (k: RateKey) => t(`dashboard.rates.${k}`)
  const pct = (v: number | null) => (v == null ? '—' : `${formatNumber(v, 1, lng)}%`)

  const gauge = (k: RateKey): ChartOption => {
    const v = ratePercent(totals?.[k])
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
            formatter: () => pct(v),
          },
          data: [{ value: v ?? 0, name: rateName(k) }],
        },
      ],
    }
  }

  const groupChart = (stats: CaseStats, xLabels: string[], rotate: boolean): ChartOption => ({
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
      ...(['responseRate', 'resolutionRate', 'satisfactionRate', 'onTimeClosureRate'] as const).map(
        (k): BarOrLine => ({
          type: 'bar',
          name: rateName(k),
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
  })

  const areaChart = useMemo(
    () =>
      byArea.state === 'ok'
        ? groupChart(
            byArea.data,
            byArea.data.groups.map((g) => groupLabel(g, lng)),
            byArea.data.groups.length > 4,
          )
        : null,
    [byArea, lng], // groupChart only reads translations, which follow lng
  )
  const monthChart = useMemo(
    () =>
      byMonth.state === 'ok'
        ? groupChart(
            byMonth.data,
            byMonth.data.groups.map((g) => String(g.key)),
            false,
          )
        : null,
    [byMonth, lng],
  )
  const gauges = useMemo(() => RATES.map((k) => [k, gauge(k)] as const), [totals, lng])

  const statsError = byArea.state === 'error' ? byArea.error : byMonth.state === 'error' ? byMonth.error : null

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
      </div>

      {missing ? (
        <div className="card no-data" data-testid="dash-no-data" role="status">
          <h2 className="section-title">{t('dashboard.noDataTitle')}</h2>
          <p className="muted">{t('dashboard.noDataText')}</p>
        </div>
      ) : (
        <>
          <ErrorBanner error={statsError} onRetry={() => setAttempt((n) => n + 1)} />
          {totals && (
            <>
              <div className="kpis" data-testid="dash-kpis">
                <div className="kpi card">
                  <span className="kpi-label">{t('dashboard.total')}</span>
                  <strong className="kpi-value" data-testid="dash-kpi-total">
                    {formatNumber(totals.total, 0, lng)}
                  </strong>
                </div>
                <div className="kpi card">
                  <span className="kpi-label">{t('dashboard.open')}</span>
                  <strong className="kpi-value">
                    {typeof totals.open === 'number' ? formatNumber(totals.open, 0, lng) : '—'}
                  </strong>
                </div>
                <div className="kpi card">
                  <span className="kpi-label">{t('dashboard.overdue')}</span>
                  <strong className="kpi-value">
                    {typeof totals.overdue === 'number' ? formatNumber(totals.overdue, 0, lng) : '—'}
                  </strong>
                </div>
                <div className="kpi card">
                  <span className="kpi-label">{t('dashboard.avgHours')}</span>
                  <strong className="kpi-value">
                    {typeof totals.averageHandlingHours === 'number'
                      ? t('dashboard.hours', { value: formatNumber(totals.averageHandlingHours, 1, lng) })
                      : '—'}
                  </strong>
                </div>
              </div>
              {totals.total === 0 && (
                <p className="notice" data-testid="dash-empty-period">
                  {t('dashboard.emptyPeriod')}
                </p>
              )}
              <div className="gauges" data-testid="dash-gauges">
                {gauges.map(([k, option]) => (
                  <figure key={k} className="gauge card" data-testid={`dash-gauge-${k}`}>
                    <EChart option={option} height={130} label={`${rateName(k)} ${pct(ratePercent(totals[k]))}`} />
                    <figcaption>
                      <strong>{rateName(k)}</strong>
                      <span className="muted" title={definitionOf(definitions, k, lng) ?? undefined}>
                        {t(`dashboard.rateHints.${k}`)}
                      </span>
                    </figcaption>
                  </figure>
                ))}
              </div>
            </>
          )}
          {(byArea.state === 'loading' || byMonth.state === 'loading') && (
            <p className="muted">{t('common.loading')}</p>
          )}
          <div className="dash-charts">
            {areaChart && byArea.state === 'ok' && (
              <section className="card">
                <h2 className="section-title">{t('dashboard.byArea')}</h2>
                {byArea.data.groups.length ? (
                  <EChart option={areaChart} height={320} testId="dash-by-area" label={t('dashboard.byArea')} />
                ) : (
                  <p className="muted">{t('dashboard.emptyPeriod')}</p>
                )}
              </section>
            )}
            {monthChart && byMonth.state === 'ok' && (
              <section className="card">
                <h2 className="section-title">{t('dashboard.byMonth')}</h2>
                {byMonth.data.groups.length ? (
                  <EChart option={monthChart} height={320} testId="dash-by-month" label={t('dashboard.byMonth')} />
                ) : (
                  <p className="muted">{t('dashboard.emptyPeriod')}</p>
                )}
              </section>
            )}
          </div>
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
        {counts.state === 'error' && <ErrorBanner error={counts.error} onRetry={() => setAttempt((n) => n + 1)} />}
        {grids && counts.state === 'ok' ? (
          <ChoroplethMap grids={grids} counts={counts.data.grids} config={config} />
        ) : (
          counts.state !== 'error' && <p className="muted">{t('common.loading')}</p>
        )}
      </section>
    </section>
  )
}

type BarOrLine = Extract<NonNullable<ChartOption['series']>, unknown[]>[number]
