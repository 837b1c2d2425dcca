import { createHash } from 'node:crypto'
import { sql } from 'kysely'
import { DateTime } from 'luxon'
import type { Db, Tx } from '../core/db.js'
import type { RequestContext } from '../core/scope.js'
import { caseEvaluation } from './evaluation.js'
import { caseStats, type CaseFigures } from './stats.js'

/*
 * What a monthly report says, gathered once and drawn twice (PDF and XLSX). Every figure comes
 * from caseStats or caseEvaluation (one definition per figure); only the grids ("places"), which
 * those do not group by, are counted here, over the same population (cases submitted in the month
 * in the area's subtree, merged cases left out).
 *
 * The month is [first day 00:00, first day of the next month 00:00) in the area's time zone; the
 * previous month and the same month a year earlier are taken the same way. A month that has not
 * ended at `asOf` is provisional: its figures are as of then, and every page and sheet says so.
 */

export interface AreaInfo {
  id: number
  path: string
  code: string
  nameZh: string
  nameEn: string
  level: string
  timezone: string
}

export interface Ranked {
  rank: number | null
  key: number | null
  code: string | null
  nameZh: string | null
  nameEn: string | null
  dueCases: number
  closed: number
  closureRate: number | null
  onTimeClosureRate: number | null
  satisfactionRate: number | null
  score: number | null
}

/** A cell of a contributed table: a number, a text, or a text in both languages. */
export type Cell = string | number | null | { zh: string; en: string }
/** The text of a cell in a language. */
export const cellText = (c: Cell, zh: boolean): string | number | null =>
  c !== null && typeof c === 'object' ? (zh ? c.zh : c.en) : c

/** A section another part of issue 16 supplies (warnings, topic of the month); null: not available. */
export interface ExtraSection {
  titleZh: string
  titleEn: string
  headers: { zh: string; en: string }[]
  rows: Cell[][]
  /** A sentence under the table (the topic's evidence). */
  noteZh?: string
  noteEn?: string
}

export interface ReportFacts {
  area: AreaInfo
  month: string
  previousMonth: string
  lastYearMonth: string
  from: string
  to: string
  asOf: string
  provisional: boolean
  current: CaseFigures
  previous: CaseFigures
  lastYear: CaseFigures
  daily: { day: string; total: number }[]
  categories: { key: number; code: string; nameZh: string; nameEn: string; total: number; previous: number }[]
  channels: { channel: string; total: number }[]
  places: { key: number; code: string; nameZh: string; nameEn: string; total: number }[]
  departments: Ranked[]
  communities: Ranked[]
  evaluation: { dueCases: number; closureRate: number | null; onTimeClosureRate: number | null; score: number | null }
  extras: ExtraSection[]
}

export const MONTH = /^(\d{4})-(0[1-9]|1[0-2])$/

/** The local bounds of a month in a zone, and its neighbours. */
export function monthBounds(month: string, zone: string) {
  const m = MONTH.exec(month)
  if (!m) throw new Error(`bad month ${month}`)
  const start = DateTime.fromObject({ year: Number(m[1]), month: Number(m[2]), day: 1 }, { zone })
  const end = start.plus({ months: 1 })
  const fmt = (d: DateTime) => d.toFormat('yyyy-MM')
  return {
    start,
    end,
    fromDay: start.toISODate()!,
    toDay: end.toISODate()!,
    previous: fmt(start.minus({ months: 1 })),
    lastYear: fmt(start.minus({ years: 1 })),
  }
}

export async function loadArea(tx: Db, areaId: number): Promise<AreaInfo | undefined> {
  const a = await tx
    .selectFrom('area')
    .select(['id', 'path', 'code', 'name_zh', 'name_en', 'level', 'timezone'])
    .where('id', '=', areaId)
    .executeTakeFirst()
  return (
    a && {
      id: a.id,
      path: a.path,
      code: a.code,
      nameZh: a.name_zh,
      nameEn: a.name_en,
      level: a.level,
      timezone: a.timezone,
    }
  )
}

/** The caseStats totals of a month (plain dates: midnight in the area's zone). */
async function monthTotals(tx: Tx, ctx: RequestContext, area: AreaInfo, month: string, asOf: Date) {
  const b = monthBounds(month, area.timezone)
  return (await caseStats(tx, ctx, { areaId: area.id, from: b.fromDay, to: b.toDay }, asOf)).totals
}

/**
 * The data version of a report: a digest of the headline figures it is built on (the month's,
 * the previous month's and last year's caseStats totals and the month's evaluation totals). The
 * same version means the same headline figures, so the report need not be drawn again.
 */
export async function dataVersion(tx: Tx, ctx: RequestContext, area: AreaInfo, month: string, asOf: Date) {
  const b = monthBounds(month, area.timezone)
  const parts = [
    await monthTotals(tx, ctx, area, month, asOf),
    await monthTotals(tx, ctx, area, b.previous, asOf),
    await monthTotals(tx, ctx, area, b.lastYear, asOf),
    (await caseEvaluation(tx, ctx, { areaId: area.id, from: b.fromDay, to: b.toDay }, asOf)).totals,
  ]
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex').slice(0, 32)
}

const ranked = (groups: Awaited<ReturnType<typeof caseEvaluation>>['groups']): Ranked[] =>
  groups.map((g) => ({
    rank: g.rank,
    key: g.key,
    code: g.code,
    nameZh: g.nameZh,
    nameEn: g.nameEn,
    dueCases: g.dueCases,
    closed: g.closed,
    closureRate: g.closureRate,
    onTimeClosureRate: g.onTimeClosureRate,
    satisfactionRate: g.satisfactionRate,
    score: g.score,
  }))

/** A section another part contributes: a table for the area and month, or null when it has nothing. */
export type ReportSection = (
  tx: Tx,
  ctx: RequestContext,
  area: AreaInfo,
  b: ReturnType<typeof monthBounds>,
  asOf: Date,
) => Promise<ExtraSection | null>

/** Runs one part of the gathering in a transaction of its own (the caller's scope). */
export type PartRunner = <T>(fn: (tx: Tx) => Promise<T>) => Promise<T>

/**
 * Gathers the report, calling `step` after each part (the job's progress). Each part runs in a
 * transaction of its own: the embedded database serves one transaction at a time, and requests
 * must not wait for a whole report; "now" is `asOf` in every part.
 */
export async function gatherFacts(
  run: PartRunner,
  ctx: RequestContext,
  area: AreaInfo,
  month: string,
  asOf: Date,
  step: (part: number, of: number) => Promise<void> = async () => {},
  extras: ReportSection[] = [],
): Promise<ReportFacts> {
  const b = monthBounds(month, area.timezone)
  const parts = 8 + extras.length
  let done = 0
  const next = () => step(++done, parts)
  const stats = (m: string, groupBy?: 'category' | 'day' | 'channel') => {
    const mb = monthBounds(m, area.timezone)
    return run((tx) => caseStats(tx, ctx, { areaId: area.id, from: mb.fromDay, to: mb.toDay, groupBy }, asOf))
  }
  const byDay = await stats(month, 'day')
  await next()
  const byCategory = await stats(month, 'category')
  await next()
  const prevByCategory = await stats(b.previous, 'category')
  await next()
  const lastYear = await stats(b.lastYear)
  await next()

  // Every day of the month, days without a case as 0 (caseStats lists only days with cases).
  const perDay = new Map(byDay.groups.map((g) => [String(g.key), g.total]))
  const daily: ReportFacts['daily'] = []
  for (let d = b.start; d < b.end; d = d.plus({ days: 1 })) {
    const day = d.toISODate()!
    daily.push({ day, total: perDay.get(day) ?? 0 })
  }
  const prevPerCategory = new Map(prevByCategory.groups.map((g) => [g.key, g.total]))
  const categories = byCategory.groups
    .filter((g) => g.key !== null && g.total > 0)
    .map((g) => ({
      key: Number(g.key),
      code: g.code ?? '',
      nameZh: g.nameZh ?? '',
      nameEn: g.nameEn ?? '',
      total: g.total,
      previous: prevPerCategory.get(g.key) ?? 0,
    }))
    .sort((x, y) => y.total - x.total || x.code.localeCompare(y.code))

  const byChannel = await stats(month, 'channel')
  const channels = byChannel.groups
    .filter((g) => g.total > 0)
    .map((g) => ({ channel: String(g.key), total: g.total }))
    .sort((x, y) => y.total - x.total || x.channel.localeCompare(y.channel))
  await next()
  const window = sql`c.submitted_at >= ${b.start.toJSDate()} and c.submitted_at < ${b.end.toJSDate()} and c.state <> 'merged'`
  const below = sql`join area a on a.id = c.area_id and a.path like ${area.path} || '%'`
  // The grids (the cases' own areas) with the most cases.
  const { rows: places } = await run((tx) =>
    sql<{ id: number; code: string; name_zh: string; name_en: string; total: number }>`
      select a.id, a.code, a.name_zh, a.name_en, count(*)::int as total from cases c ${below}
      where ${window} group by a.id, a.code, a.name_zh, a.name_en order by total desc, a.code limit 10`.execute(tx),
  )
  await next()

  const evaluate = (groupBy: 'department' | 'community') =>
    run((tx) => caseEvaluation(tx, ctx, { areaId: area.id, from: b.fromDay, to: b.toDay, groupBy }, asOf))
  const departments = await evaluate('department')
  await next()
  const communities = await evaluate('community')
  await next()

  const extraSections: ExtraSection[] = []
  for (const extra of extras) {
    const s = await run((tx) => extra(tx, ctx, area, b, asOf))
    if (s) extraSections.push(s)
    await next()
  }

  return {
    area,
    month,
    previousMonth: b.previous,
    lastYearMonth: b.lastYear,
    from: b.start.toJSDate().toISOString(),
    to: b.end.toJSDate().toISOString(),
    asOf: asOf.toISOString(),
    provisional: asOf.getTime() < b.end.toMillis(),
    current: byDay.totals,
    previous: prevByCategory.totals,
    lastYear: lastYear.totals,
    daily,
    categories,
    channels,
    places: places.map((p) => ({ key: p.id, code: p.code, nameZh: p.name_zh, nameEn: p.name_en, total: p.total })),
    departments: ranked(departments.groups),
    communities: ranked(communities.groups),
    evaluation: {
      dueCases: departments.totals.dueCases,
      closureRate: departments.totals.closureRate,
      onTimeClosureRate: departments.totals.onTimeClosureRate,
      score: departments.totals.score,
    },
    extras: extraSections,
  }
}
