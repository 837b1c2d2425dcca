// Shared pieces of the leader dashboard, its drill-down list and the big screen: the API types, the
// tiles with their changes, which count figure each tile opens, and a chart that reports clicks.
import { useEffect, useRef } from 'react'
import { useTranslation } from 'react-i18next'
import * as echarts from 'echarts/core'
import {
  BarChart,
  LineChart,
  PieChart,
  type BarSeriesOption,
  type LineSeriesOption,
  type PieSeriesOption,
} from 'echarts/charts'
import {
  GridComponent,
  LegendComponent,
  TooltipComponent,
  type GridComponentOption,
  type LegendComponentOption,
  type TooltipComponentOption,
} from 'echarts/components'
import { SVGRenderer } from 'echarts/renderers'
import { call, client } from '../../../api'
import type { ApiQuery, ApiResponse } from '../../../api/schema'
import { formatNumber } from '../../../i18n'
import { href } from '../../../router'

echarts.use([BarChart, LineChart, PieChart, GridComponent, LegendComponent, TooltipComponent, SVGRenderer])

export type Dashboard = ApiResponse<'/api/v1/analytics/dashboard'>
export type DashboardQuery = ApiQuery<'/api/v1/analytics/dashboard'>
export type DrillQuery = ApiQuery<'/api/v1/analytics/dashboard/cases'>
export type Figure = Dashboard['figures'][keyof Dashboard['figures']]
export type FigureName = keyof Dashboard['figures']
export type CountFigure = DrillQuery['figure']

export const dashboardQueryOptions = (q: DashboardQuery, refetchInterval?: number) => ({
  queryKey: ['cases', 'dashboard', q] as const,
  queryFn: ({ signal }: { signal: AbortSignal }) =>
    call(client.GET('/api/v1/analytics/dashboard', { params: { query: q }, signal })),
  ...(refetchInterval ? { refetchInterval } : {}),
})

/** Which count figures make up a rate: the tile links its numerator and denominator to their cases. */
export const RATE_PARTS: Partial<Record<FigureName, readonly CountFigure[]>> = {
  responseRate: ['contactedOnTime', 'contactDue'],
  resolutionRate: ['solved', 'rated'],
  satisfactionRate: ['unsatisfied', 'rated'],
  acceptanceRate: ['departmentAccepted', 'total'],
  onTimeAcceptanceRate: ['departmentAcceptedOnTime', 'departmentAccepted'],
  closureRate: ['closed', 'rejected'],
  onTimeClosureRate: ['closedOnTime', 'closed'],
  reworkRate: ['reworked', 'closed'],
  returnRate: ['returned', 'total'],
  extensionRate: ['extended', 'total'],
  proactiveShare: ['proactive', 'total'],
  averageHandlingHours: ['closed'],
}

export const isRateName = (k: FigureName) => k in RATE_PARTS

const pad = (n: number) => String(n).padStart(2, '0')
export const ymd = (d: Date) => `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`

/** A yyyy-mm-dd moved by whole days (calendar arithmetic, no time zone involved). */
export function addDays(day: string, n: number): string {
  const [y, m, d] = day.split('-').map(Number)
  return ymd(new Date(y!, m! - 1, d! + n))
}

/** The drill-down's route: the figure, then the filters as one query-string segment. */
export function drillHref(figure: CountFigure, filters: Omit<DrillQuery, 'figure'>): string {
  const q = new URLSearchParams()
  for (const [k, v] of Object.entries(filters)) if (v !== undefined && v !== null && v !== '') q.set(k, String(v))
  return href('dashboard', 'cases', figure, q.toString())
}

/** The value of a figure as the tiles show it: counts whole, rates in percent, hours with one decimal. */
export function figureText(k: FigureName, v: number | null, lng: string): string {
  if (v === null) return '—'
  if (k === 'averageHandlingHours') return formatNumber(v, 1, lng)
  return isRateName(k) ? `${formatNumber(v * 100, 1, lng)}%` : formatNumber(v, 0, lng)
}

/** ▲/▼ against a reference: rates in percentage points, counts and hours in percent of the reference. */
export function Change({
  name,
  figure,
  against,
  testId,
}: {
  name: FigureName
  figure: Figure
  against: 'previous' | 'lastYear'
  testId?: string
}) {
  const { t, i18n } = useTranslation()
  const lng = i18n.language
  const change = against === 'previous' ? figure.change : figure.changeLastYear
  const ratio = against === 'previous' ? figure.changeRatio : figure.changeRatioLastYear
  const reference = against === 'previous' ? figure.previous : figure.lastYear
  const label = t(`analytics.dashboard.${against}`)
  if (change === null) return <span className="dbd-change dbd-flat" data-testid={testId}>{`${label} —`}</span>
  const up = change > 0
  const flat = change === 0
  const good = flat || figure.better === null ? null : (figure.better === 'higher') === up
  const amount =
    isRateName(name) && name !== 'averageHandlingHours'
      ? t('analytics.dashboard.points', { value: formatNumber(Math.abs(change) * 100, 1, lng) })
      : ratio !== null
        ? `${formatNumber(Math.abs(ratio) * 100, 1, lng)}%`
        : figureText(name, Math.abs(change), lng)
  const arrow = flat ? '＝' : up ? '▲' : '▼'
  const words = t(flat ? 'analytics.dashboard.same' : up ? 'analytics.dashboard.up' : 'analytics.dashboard.down', {
    against: label,
    amount,
    reference: figureText(name, reference, lng),
  })
  return (
    <span
      className={`dbd-change ${good === null ? 'dbd-flat' : good ? 'dbd-good' : 'dbd-bad'}`}
      data-testid={testId}
      title={words}
    >
      <span aria-hidden="true">{`${label} ${arrow}${flat ? '' : ` ${amount}`}`}</span>
      <span className="visually-hidden">{words}</span>
    </span>
  )
}

export type DashOption = echarts.ComposeOption<
  | BarSeriesOption
  | LineSeriesOption
  | PieSeriesOption
  | GridComponentOption
  | LegendComponentOption
  | TooltipComponentOption
>

/** One chart that follows its box's size and reports which data item was clicked. */
export function DashChart({
  option,
  height,
  label,
  testId,
  onPick,
}: {
  option: DashOption
  height: number | string
  label: string
  testId?: string
  onPick?: (seriesIndex: number, dataIndex: number) => void
}) {
  const ref = useRef<HTMLDivElement>(null)
  const chartRef = useRef<echarts.ECharts | null>(null)
  const pick = useRef(onPick)
  pick.current = onPick

  useEffect(() => {
    const el = ref.current
    if (!el) return
    const chart = echarts.init(el, null, { renderer: 'svg' })
    chartRef.current = chart
    chart.on('click', (e) => pick.current?.(e.seriesIndex ?? 0, e.dataIndex))
    const ro = new ResizeObserver(() => chart.resize())
    ro.observe(el)
    return () => {
      ro.disconnect()
      chart.dispose()
      chartRef.current = null
    }
  }, [])

  useEffect(() => {
    chartRef.current?.setOption(option, { notMerge: true })
  }, [option])

  return (
    <div
      ref={ref}
      className={`echart${onPick ? ' dbd-clickable' : ''}`}
      style={{ height }}
      data-testid={testId}
      role="img"
      aria-label={label}
    />
  )
}

export const CHANNEL_COLOURS: Record<string, string> = {
  hotline: '#1f5f8b',
  portal: '#2a9d8f',
  patrol: '#6a8f3f',
  open311: '#8e6c8a',
  api: '#5b6f8a',
  device: '#c77d12',
  proactive: '#c2553d',
}
