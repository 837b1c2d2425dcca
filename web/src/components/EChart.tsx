// ECharts, trimmed to what the dashboard draws: only these charts and components are bundled.
import { useEffect, useRef } from 'react'
import * as echarts from 'echarts/core'
import {
  BarChart,
  GaugeChart,
  LineChart,
  type BarSeriesOption,
  type GaugeSeriesOption,
  type LineSeriesOption,
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

echarts.use([BarChart, GaugeChart, LineChart, GridComponent, LegendComponent, TooltipComponent, SVGRenderer])

export type ChartOption = echarts.ComposeOption<
  | BarSeriesOption
  | GaugeSeriesOption
  | LineSeriesOption
  | GridComponentOption
  | LegendComponentOption
  | TooltipComponentOption
>

/** One chart; the option is applied whole on every change, and the chart follows its box's size. */
export function EChart({
  option,
  height,
  testId,
  label,
}: {
  option: ChartOption
  height: number
  testId?: string
  label: string
}) {
  const ref = useRef<HTMLDivElement>(null)
  const chartRef = useRef<echarts.ECharts | null>(null)

  useEffect(() => {
    const el = ref.current
    if (!el) return
    // SVG draws crisply on phones and keeps the page's fonts.
    const chart = echarts.init(el, null, { renderer: 'svg' })
    chartRef.current = chart
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

  return <div ref={ref} className="echart" style={{ height }} data-testid={testId} role="img" aria-label={label} />
}
