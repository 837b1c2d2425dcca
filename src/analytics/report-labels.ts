import { DateTime } from 'luxon'
import type { CaseFigures } from './stats.js'
import type { ReportFacts } from './report-facts.js'

// The words of the monthly report in both of its languages, and the one way each kind of figure
// is written (the PDF and the XLSX share them; the test formats caseStats' answers with them).

export type ReportLocale = 'zh-CN' | 'en'
export const reportLocales = ['zh-CN', 'en'] as const

type Kind = 'count' | 'rate' | 'hours'
export interface FigureRow {
  key: keyof CaseFigures
  zh: string
  en: string
  kind: Kind
}

/** The figures of the report's first table, in order. */
export const figureRows: FigureRow[] = [
  { key: 'total', zh: '受理量', en: 'Cases received', kind: 'count' },
  { key: 'responseRate', zh: '响应率', en: 'Response rate', kind: 'rate' },
  { key: 'resolutionRate', zh: '解决率', en: 'Resolution rate', kind: 'rate' },
  { key: 'satisfactionRate', zh: '满意率', en: 'Satisfaction rate', kind: 'rate' },
  { key: 'contactDue', zh: '应联系数', en: 'Contact due', kind: 'count' },
  { key: 'contactedOnTime', zh: '按时联系数', en: 'Contacted on time', kind: 'count' },
  { key: 'rated', zh: '参评数', en: 'Rated', kind: 'count' },
  { key: 'solved', zh: '已解决数', en: 'Solved', kind: 'count' },
  { key: 'notRated', zh: '不参评数', en: 'Not rated', kind: 'count' },
  { key: 'directAnswers', zh: '直接答复数', en: 'Direct answers', kind: 'count' },
  { key: 'proactive', zh: '主动治理数', en: 'Proactive cases', kind: 'count' },
  { key: 'proactiveShare', zh: '主动治理占比', en: 'Proactive share', kind: 'rate' },
  { key: 'acceptanceRate', zh: '部门受理率', en: 'Acceptance rate', kind: 'rate' },
  { key: 'closed', zh: '办结数', en: 'Closed', kind: 'count' },
  { key: 'closureRate', zh: '办结率', en: 'Closure rate', kind: 'rate' },
  { key: 'onTimeClosureRate', zh: '按期办结率', en: 'On-time closure rate', kind: 'rate' },
  { key: 'reworkRate', zh: '返工率', en: 'Rework rate', kind: 'rate' },
  { key: 'returns', zh: '退单数', en: 'Returns', kind: 'count' },
  { key: 'shelved', zh: '挂账数', en: 'Shelved', kind: 'count' },
  { key: 'rejected', zh: '不予受理数', en: 'Rejected', kind: 'count' },
  { key: 'averageHandlingHours', zh: '平均办理时长（小时）', en: 'Average handling (hours)', kind: 'hours' },
  { key: 'open', zh: '在办数', en: 'Open', kind: 'count' },
  { key: 'overdue', zh: '超期在办数', en: 'Overdue', kind: 'count' },
]

/** A figure as the report writes it: counts as integers, rates as percentages with 2 decimals, hours with 2. */
export function formatFigure(value: number | null, kind: Kind): string {
  if (value === null) return '—'
  if (kind === 'rate') return `${(value * 100).toFixed(2)}%`
  if (kind === 'hours') return value.toFixed(2)
  return String(value)
}

/** The change from a comparison month: counts as a signed difference, rates in percentage points. */
export function formatChange(now: number | null, then: number | null, kind: Kind, locale: ReportLocale): string {
  if (now === null || then === null) return '—'
  const sign = (x: number) => (x > 0 ? '+' : '')
  if (kind === 'rate') {
    const pp = (now - then) * 100
    return `${sign(pp)}${pp.toFixed(2)}${locale === 'zh-CN' ? '个百分点' : ' pp'}`
  }
  const d = now - then
  const text = kind === 'hours' ? d.toFixed(2) : String(d)
  const pct = then !== 0 ? ` (${sign(d)}${((d / then) * 100).toFixed(1)}%)` : ''
  return `${sign(d)}${text}${pct}`
}

/** 2026-11 → 2026年11月 / November 2026. */
export function monthName(month: string, locale: ReportLocale): string {
  const [y, m] = month.split('-').map(Number) as [number, number]
  return locale === 'zh-CN'
    ? `${y}年${m}月`
    : DateTime.fromObject({ year: y, month: m }).setLocale('en').toFormat('LLLL yyyy')
}

export const channelNames: Record<string, { zh: string; en: string }> = {
  portal: { zh: '网上门户', en: 'Portal' },
  patrol: { zh: '网格巡查', en: 'Patrol' },
  hotline: { zh: '热线', en: 'Hotline' },
  open311: { zh: 'Open311', en: 'Open311' },
  api: { zh: '接口', en: 'API' },
  device: { zh: '物联感知', en: 'Devices' },
  proactive: { zh: '主动治理', en: 'Proactive' },
}

/** The report's words, by locale. */
export function words(locale: ReportLocale) {
  const zh = locale === 'zh-CN'
  return {
    title: (f: ReportFacts) =>
      zh
        ? `${f.area.nameZh}${monthName(f.month, locale)}接诉即办月度报告`
        : `${f.area.nameEn}: monthly report, ${monthName(f.month, locale)}`,
    areaName: (f: ReportFacts) => (zh ? f.area.nameZh : f.area.nameEn),
    provisional: (asOf: string, zone: string) => {
      const t = DateTime.fromISO(asOf).setZone(zone).toFormat('yyyy-MM-dd HH:mm')
      return zh ? `临时报告：本月尚未结束，数据截至 ${t}` : `PROVISIONAL: the month has not ended; figures as of ${t}`
    },
    generated: (asOf: string, zone: string) => {
      const t = DateTime.fromISO(asOf).setZone(zone).toFormat('yyyy-MM-dd HH:mm')
      return zh ? `数据截至 ${t}（${zone}）` : `Figures as of ${t} (${zone})`
    },
    period: (f: ReportFacts) => {
      const from = DateTime.fromISO(f.from).setZone(f.area.timezone).toISODate()
      const to = DateTime.fromISO(f.to).setZone(f.area.timezone).minus({ days: 1 }).toISODate()
      return zh ? `统计区间：${from} 至 ${to}（按受理时间）` : `Period: ${from} to ${to} (by submission time)`
    },
    page: (n: number) => (zh ? `第 ${n} 页` : `Page ${n}`),
    figures: zh ? '一、主要指标' : '1. Key figures',
    figure: zh ? '指标' : 'Figure',
    thisMonth: zh ? '本月' : 'This month',
    previousMonth: zh ? '上月' : 'Previous month',
    change: zh ? '环比' : 'Change',
    lastYear: zh ? '去年同月' : 'Same month last year',
    yearChange: zh ? '同比' : 'Year on year',
    charts: zh ? '二、图表' : '2. Charts',
    dailyChart: zh ? '每日受理量' : 'Cases received per day',
    categoryChart: zh ? '问题类别（前十）' : 'Categories (top ten)',
    channelChart: zh ? '来源渠道' : 'Channels',
    problems: zh ? '三、突出问题' : '3. Top problems',
    topCategories: zh ? '高发问题类别' : 'Most frequent categories',
    topPlaces: zh ? '高发网格' : 'Grids with the most cases',
    category: zh ? '类别' : 'Category',
    place: zh ? '网格' : 'Grid',
    cases: zh ? '件数' : 'Cases',
    share: zh ? '占比' : 'Share',
    previousCases: zh ? '上月件数' : 'Previous month',
    channel: zh ? '渠道' : 'Channel',
    rankings: zh ? '四、考核排名（GB/T 30428，按期应结案件）' : '4. Rankings (GB/T 30428, cases due in the month)',
    byDepartment: zh ? '部门排名' : 'Departments',
    byCommunity: zh ? '社区排名' : 'Communities',
    rank: zh ? '名次' : 'Rank',
    unit: zh ? '单位' : 'Unit',
    dueCases: zh ? '应结案数' : 'Due',
    closureRate: zh ? '结案率' : 'Closure',
    onTimeClosureRate: zh ? '按期结案率' : 'On time',
    satisfactionRate: zh ? '满意率' : 'Satisfaction',
    score: zh ? '综合得分' : 'Score',
    none: zh ? '（无）' : '(none)',
    noName: zh ? '（未派单）' : '(not dispatched)',
    more: zh ? '五、' : '5. ',
    sheetFigures: zh ? '主要指标' : 'Figures',
    sheetDaily: zh ? '每日受理' : 'Daily',
    sheetCategories: zh ? '问题类别' : 'Categories',
    sheetChannels: zh ? '来源渠道' : 'Channels',
    sheetPlaces: zh ? '高发网格' : 'Grids',
    sheetDepartments: zh ? '部门排名' : 'Departments',
    sheetCommunities: zh ? '社区排名' : 'Communities',
    day: zh ? '日期' : 'Day',
  }
}
