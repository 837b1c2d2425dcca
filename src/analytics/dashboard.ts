import { sql, type RawBuilder } from 'kysely'
import { DateTime } from 'luxon'
import type { Tx } from '../core/db.js'
import { AppError, invalid, notFound } from '../core/errors.js'
import type { Input, Output } from '../core/http.js'
import { COUNT_AHEAD, pageQuerySchema, paginate, type Page } from '../core/paging.js'
import { date, id, shape, timestamp } from '../core/schemas.js'
import { holds, staffRoles, type RequestContext } from '../core/scope.js'
import { channels, openStates, type CaseState } from '../cases/workflow.js'
import { caseStats, reportedAreas, reportedAreaSchema, type AreaRef, type CaseFigures } from './stats.js'

/*
 * The leader dashboard (GET /api/v1/analytics/dashboard) and its drill-down
 * (GET /api/v1/analytics/dashboard/cases).
 *
 * Every figure is the one of /stats/cases (caseStats, whose header defines it) over the same
 * population: cases submitted in [from, to) in the area subtree, not merged, optionally of a
 * department and a category (with its direct children). The dashboard calls caseStats for the
 * period, the previous period of equal length and the same period a year before; only what
 * caseStats does not count comes from the rollup view case_rollup_live (migration 0077):
 *   extended      cases with extension_count > 0;  extensionRate = extended / total
 *   returned      cases with return_count > 0 (a return asked for, approved or denied);  returnRate = returned / total
 *   byChannel     total per cases.channel
 *   topGrids      total and open per leaf area (cases.area_id: the grid, or the area a case was filed in)
 * The rollup counts a case in its cohort day (the local date of submitted_at in the area's time
 * zone), so the dashboard takes whole days: from and to are dates, to exclusive.
 *
 * Periods. previous = [from − n days, from) where n is the period's length in days; lastYear =
 * [from − 1 year, to − 1 year) (29 February → 28 February). Figures that depend on now (overdue,
 * contactDue) are counted at now for every period, as caseStats does.
 *
 * Changes. change = value − previous (rates in fractions, so 0.05 is five points); changeRatio =
 * (value − previous) / previous for counts and hours (null for rates, or when previous is 0 or
 * null); the same against lastYear. better says which way a figure improves (null: neither).
 *
 * Drill-down: the cases behind a count figure, as the predicate of that figure's definition over
 * the same population; its total equals the figure (dashboard.test.ts checks each one).
 */

const MAX_DAYS = 1100
/** Up to this many days the trend is drawn by day, beyond it by month. */
const TREND_DAYS = 92

/** Figures that count cases; each can be drilled down to its cases. */
export const countFigures = [
  'total',
  'open',
  'overdue',
  'closed',
  'closedOnTime',
  'rejected',
  'shelved',
  'rated',
  'solved',
  'satisfied',
  'basicallySatisfied',
  'unsatisfied',
  'notRated',
  'reworked',
  'returned',
  'extended',
  'proactive',
  'directAnswers',
  'contactRequired',
  'noContact',
  'contactDue',
  'contacted',
  'contactedOnTime',
  'departmentAccepted',
  'departmentAcceptedOnTime',
] as const
export type CountFigure = (typeof countFigures)[number]

export const rateFigures = [
  'responseRate',
  'resolutionRate',
  'satisfactionRate',
  'acceptanceRate',
  'onTimeAcceptanceRate',
  'closureRate',
  'onTimeClosureRate',
  'reworkRate',
  'returnRate',
  'extensionRate',
  'proactiveShare',
  'averageHandlingHours',
] as const
type RateFigure = (typeof rateFigures)[number]
type FigureName = CountFigure | RateFigure

const HIGHER: ReadonlySet<FigureName> = new Set([
  'closed',
  'closedOnTime',
  'solved',
  'satisfied',
  'contactedOnTime',
  'departmentAcceptedOnTime',
  'proactive',
  'responseRate',
  'resolutionRate',
  'satisfactionRate',
  'acceptanceRate',
  'onTimeAcceptanceRate',
  'closureRate',
  'onTimeClosureRate',
  'proactiveShare',
])
const LOWER: ReadonlySet<FigureName> = new Set([
  'open',
  'overdue',
  'unsatisfied',
  'notRated',
  'reworked',
  'returned',
  'extended',
  'reworkRate',
  'returnRate',
  'extensionRate',
  'averageHandlingHours',
])

const rangeDate = { ...date, description: 'YYYY-MM-DD, read in the time zone of the area' } as const

export const dashboardQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    areaId: id,
    from: { ...rangeDate, description: 'first day of the period (default: 30 days before to)' },
    to: { ...rangeDate, description: 'the day after the last day of the period (exclusive; default: tomorrow)' },
    categoryId: id,
    departmentId: id,
    top: { type: 'integer', minimum: 1, maximum: 20, default: 8, description: 'how many categories and grids to list' },
  },
} as const
export type DashboardQuery = Input<typeof dashboardQuery>

const n = { type: 'integer' } as const
const nullableNumber = { type: ['number', 'null'] } as const
const nullableText = { type: ['string', 'null'] } as const

const figureSchema = shape({
  value: nullableNumber,
  previous: nullableNumber,
  lastYear: nullableNumber,
  change: nullableNumber,
  changeRatio: nullableNumber,
  changeLastYear: nullableNumber,
  changeRatioLastYear: nullableNumber,
  better: { type: ['string', 'null'], enum: ['higher', 'lower', null] },
})

const figureProps = Object.fromEntries([...countFigures, ...rateFigures].map((k) => [k, figureSchema])) as {
  [K in FigureName]: typeof figureSchema
}

const span = shape({ from: date, to: date })
const labelled = { id: n, code: { type: 'string' }, nameZh: { type: 'string' }, nameEn: { type: 'string' } } as const
const trendPoint = shape({ key: { type: 'string' }, total: n, closed: n, overdue: n })

export const dashboardSchema = shape({
  timezone: { type: 'string' },
  now: timestamp,
  areas: { type: 'array', items: reportedAreaSchema },
  filters: shape({ categoryId: { type: ['integer', 'null'] }, departmentId: { type: ['integer', 'null'] } }),
  periods: shape({ current: span, previous: span, lastYear: span }),
  figures: shape(figureProps),
  trend: shape({
    unit: { type: 'string', enum: ['day', 'month'] },
    current: { type: 'array', items: trendPoint },
    previous: { type: 'array', items: trendPoint },
  }),
  byChannel: { type: 'array', items: shape({ channel: { type: 'string', enum: channels }, total: n }) },
  byCategory: shape({
    top: { type: 'array', items: shape({ ...labelled, total: n, closed: n, open: n }) },
    rest: shape({ categories: n, total: n }),
  }),
  topGrids: { type: 'array', items: shape({ ...labelled, total: n, open: n }) },
  definitions: shape({
    population: { type: 'string' },
    periods: { type: 'string' },
    change: { type: 'string' },
    extended: { type: 'string' },
    extensionRate: { type: 'string' },
    returned: { type: 'string' },
    returnRate: { type: 'string' },
    byChannel: { type: 'string' },
    byCategory: { type: 'string' },
    topGrids: { type: 'string' },
    trend: { type: 'string' },
    others: { type: 'string' },
  }),
})
export type Dashboard = Output<typeof dashboardSchema>

const definitions: Dashboard['definitions'] = {
  population:
    'the population of /stats/cases: cases submitted in [from, to) in the area subtree, not merged, optionally of departmentId and categoryId (with its direct children)',
  periods:
    'current [from, to); previous: the as many days just before from; lastYear: [from − 1 year, to − 1 year). Dates in the area’s time zone, to exclusive',
  change:
    'change = value − previous (rates as fractions); changeRatio = (value − previous) / previous for counts and hours, null for rates or when previous is 0; the same against lastYear',
  extended: 'cases with extension_count > 0 (an approved extension), from case_rollup_live',
  extensionRate: 'extended / total',
  returned: 'cases with return_count > 0 (a return asked for, approved or denied), from case_rollup_live',
  returnRate: 'returned / total',
  byChannel: 'total per channel, from case_rollup_live',
  byCategory: 'caseStats grouped by category (leaf categories), the top N by total, the rest summed',
  topGrids: 'total and open per leaf area (the case’s area, usually a grid), the top N by total, from case_rollup_live',
  trend:
    'total, closed and overdue per day (periods up to 92 days) or month, from caseStats; every day or month listed',
  others:
    'every other figure as /stats/cases defines it (see its definitions); overdue and contactDue are counted at now for every period',
}

interface Span {
  from: DateTime
  to: DateTime
}

function day(value: string, field: string, zone: string): DateTime {
  const d = DateTime.fromISO(value, { zone })
  if (!d.isValid || d.year < 1900 || d.year > 2999)
    throw invalid(field, `${field} must be a date (YYYY-MM-DD) between 1900 and 2999`)
  return d
}

/** The three periods of a request, in whole local days. */
export function dashboardPeriods(q: { from?: string; to?: string }, zone: string, now: Date) {
  const to =
    q.to !== undefined ? day(q.to, 'to', zone) : DateTime.fromJSDate(now, { zone }).startOf('day').plus({ days: 1 })
  const from = q.from !== undefined ? day(q.from, 'from', zone) : to.minus({ days: 30 })
  if (from >= to) throw invalid('from', 'from must be before to')
  const days = Math.round(to.diff(from, 'days').days)
  if (days > MAX_DAYS) throw invalid('from', `a period of at most ${MAX_DAYS} days`)
  const current: Span = { from, to }
  const previous: Span = { from: from.minus({ days }), to: from }
  const lastYear: Span = { from: from.minus({ years: 1 }), to: to.minus({ years: 1 }) }
  return { current, previous, lastYear, days }
}

const iso = (d: DateTime) => d.toISODate()!
const spanOut = (s: Span) => ({ from: iso(s.from), to: iso(s.to) })

/** Area subtrees as a path list: the explicit area filter of every query here. */
const underAny = (paths: string[]) => sql`a.path like any(${paths.map((p) => `${p}%`)}::text[])`

interface Filters {
  categoryId?: number
  departmentId?: number
}

const categoryFilter = (col: RawBuilder<unknown>, categoryId: number | undefined) =>
  categoryId !== undefined
    ? sql`and ${col} in (select id from case_category where id = ${categoryId} or parent_id = ${categoryId})`
    : sql``

interface RollupRow {
  key: string | null
  total: number
  open: number
  extended: number
  returned: number
}

const rollupFilters = (s: Span, f: Filters) => sql`r.day >= ${iso(s.from)}::date and r.day < ${iso(s.to)}::date
      ${f.departmentId !== undefined ? sql`and r.department_id = ${f.departmentId}` : sql``}
      ${categoryFilter(sql`r.category_id`, f.categoryId)}`

const rollupSums = sql`coalesce(sum(r.total), 0)::int as total, coalesce(sum(r.open), 0)::int as open,
      coalesce(sum(r.extended), 0)::int as extended, coalesce(sum(r.returned), 0)::int as returned`

const counted = (rows: RollupRow[]) =>
  rows.map((r) => ({
    ...r,
    total: Number(r.total),
    open: Number(r.open),
    extended: Number(r.extended),
    returned: Number(r.returned),
  }))

/**
 * Counts caseStats does not give, from the exact rollup. A case counts in a row of every area on its
 * path, so a subtree's figures are the rows keyed by its root (own or below); by channel when asked.
 */
async function rollupTotals(tx: Tx, rootIds: number[], s: Span, f: Filters, byChannel: boolean) {
  const { rows } = await sql<RollupRow>`
    select ${byChannel ? sql`case when grouping(r.channel) = 0 then r.channel end` : sql`null::text`} as key, ${rollupSums}
    from case_rollup_live r
    where r.area_id = any(${rootIds}::integer[]) and ${rollupFilters(s, f)}
    group by ${byChannel ? sql`grouping sets ((), (r.channel))` : sql`()`}`.execute(tx)
  const all = counted(rows)
  return { all: all.find((r) => r.key === null), channels: all.filter((r) => r.key !== null) }
}

/** The leaf areas with the most cases: the rows of the cases located in each area itself (own). */
async function rollupTopAreas(tx: Tx, paths: string[], s: Span, f: Filters, top: number) {
  const { rows } = await sql<RollupRow & { code: string; name_zh: string; name_en: string }>`
    select r.area_id::text as key, min(a.code) as code, min(a.name_zh) as name_zh, min(a.name_en) as name_en, ${rollupSums}
    from case_rollup_live r
    join area a on a.id = r.area_id
    where r.own and ${underAny(paths)} and ${rollupFilters(s, f)}
    group by r.area_id
    having sum(r.total) > 0
    order by sum(r.total) desc, r.area_id
    limit ${top}`.execute(tx)
  return counted(rows).map((r, i) => ({
    ...r,
    code: rows[i]!.code,
    nameZh: rows[i]!.name_zh,
    nameEn: rows[i]!.name_en,
  }))
}

const round = (v: number, places = 4) => Math.round(v * 10 ** places) / 10 ** places
const rate = (num: number, den: number) => (den > 0 ? round(num / den) : null)

type Values = Record<FigureName, number | null>

function values(f: CaseFigures, r: RollupRow | undefined): Values {
  const extended = r?.extended ?? 0
  const returned = r?.returned ?? 0
  return {
    total: f.total,
    open: f.open,
    overdue: f.overdue,
    closed: f.closed,
    closedOnTime: f.closedOnTime,
    rejected: f.rejected,
    shelved: f.shelved,
    rated: f.rated,
    solved: f.solved,
    satisfied: f.satisfied,
    basicallySatisfied: f.basicallySatisfied,
    unsatisfied: f.unsatisfied,
    notRated: f.notRated,
    reworked: f.reworked,
    returned,
    extended,
    proactive: f.proactive,
    directAnswers: f.directAnswers,
    contactRequired: f.contactRequired,
    noContact: f.noContact,
    contactDue: f.contactDue,
    contacted: f.contacted,
    contactedOnTime: f.contactedOnTime,
    departmentAccepted: f.departmentAccepted,
    departmentAcceptedOnTime: f.departmentAcceptedOnTime,
    responseRate: f.responseRate,
    resolutionRate: f.resolutionRate,
    satisfactionRate: f.satisfactionRate,
    acceptanceRate: f.acceptanceRate,
    onTimeAcceptanceRate: f.onTimeAcceptanceRate,
    closureRate: f.closureRate,
    onTimeClosureRate: f.onTimeClosureRate,
    reworkRate: f.reworkRate,
    returnRate: rate(returned, f.total),
    extensionRate: rate(extended, f.total),
    proactiveShare: f.proactiveShare,
    averageHandlingHours: f.averageHandlingHours,
  }
}

const isRate = (k: FigureName) => (rateFigures as readonly string[]).includes(k) && k !== 'averageHandlingHours'

function compare(k: FigureName, v: number | null, p: number | null) {
  const change = v === null || p === null ? null : round(v - p)
  const ratio = isRate(k) || v === null || p === null || p === 0 ? null : round((v - p) / p)
  return { change, ratio }
}

function figuresOf(cur: Values, prev: Values, last: Values): Dashboard['figures'] {
  const out = {} as Dashboard['figures']
  for (const k of [...countFigures, ...rateFigures]) {
    const a = compare(k, cur[k], prev[k])
    const b = compare(k, cur[k], last[k])
    out[k] = {
      value: cur[k],
      previous: prev[k],
      lastYear: last[k],
      change: a.change,
      changeRatio: a.ratio,
      changeLastYear: b.change,
      changeRatioLastYear: b.ratio,
      better: HIGHER.has(k) ? 'higher' : LOWER.has(k) ? 'lower' : null,
    }
  }
  return out
}

/** Every day (or month) of a period with its counts, zero where caseStats lists no group. */
function series(
  s: Span,
  unit: 'day' | 'month',
  groups: { key: unknown; total: number; closed: number; overdue: number }[],
) {
  const byKey = new Map(groups.map((g) => [String(g.key), g]))
  const out: Output<typeof trendPoint>[] = []
  for (
    let d = unit === 'day' ? s.from : s.from.startOf('month');
    d < s.to;
    d = d.plus(unit === 'day' ? { days: 1 } : { months: 1 })
  ) {
    const key = unit === 'day' ? iso(d) : d.toFormat('yyyy-MM')
    const g = byKey.get(key)
    out.push({ key, total: g?.total ?? 0, closed: g?.closed ?? 0, overdue: g?.overdue ?? 0 })
  }
  return out
}

async function scope(tx: Tx, ctx: RequestContext, areaId: number | undefined) {
  const roots = await reportedAreas(tx, ctx, areaId)
  return { roots, zone: roots[0]?.timezone ?? 'Asia/Shanghai', paths: roots.map((r) => r.path) }
}

export async function caseDashboard(tx: Tx, ctx: RequestContext, q: DashboardQuery, now: Date): Promise<Dashboard> {
  const { roots, zone, paths } = await scope(tx, ctx, q.areaId)
  const p = dashboardPeriods(q, zone, now)
  const unit = p.days <= TREND_DAYS ? 'day' : 'month'
  const f: Filters = { categoryId: q.categoryId, departmentId: q.departmentId }
  const stats = (s: Span, groupBy?: 'day' | 'month' | 'category') =>
    caseStats(tx, ctx, { areaId: q.areaId, ...f, from: iso(s.from), to: iso(s.to), groupBy }, now)

  // One read transaction, statements one after another: PGlite has one connection.
  const cur = await stats(p.current, unit)
  const byCategory = await stats(p.current, 'category')
  const prev = await stats(p.previous, unit)
  const last = await stats(p.lastYear)
  const ids = roots.map((r) => r.id)
  const curRollup = await rollupTotals(tx, ids, p.current, f, true)
  const prevRollup = await rollupTotals(tx, ids, p.previous, f, false)
  const lastRollup = await rollupTotals(tx, ids, p.lastYear, f, false)
  const top = q.top ?? 8
  const grids = paths.length ? await rollupTopAreas(tx, paths, p.current, f, top) : []

  const categories = [...byCategory.groups].sort(
    (x, y) => y.total - x.total || String(x.code).localeCompare(String(y.code)),
  )
  const shown = categories.slice(0, top)
  const rest = categories.slice(top)

  return {
    timezone: zone,
    now: now.toISOString(),
    areas: cur.areas,
    filters: { categoryId: q.categoryId ?? null, departmentId: q.departmentId ?? null },
    periods: { current: spanOut(p.current), previous: spanOut(p.previous), lastYear: spanOut(p.lastYear) },
    figures: figuresOf(
      values(cur.totals, curRollup.all),
      values(prev.totals, prevRollup.all),
      values(last.totals, lastRollup.all),
    ),
    trend: { unit, current: series(p.current, unit, cur.groups), previous: series(p.previous, unit, prev.groups) },
    byChannel: curRollup.channels
      .filter((r) => r.total > 0)
      .sort((x, y) => y.total - x.total || String(x.key).localeCompare(String(y.key)))
      .map((r) => ({ channel: r.key as (typeof channels)[number], total: r.total })),
    byCategory: {
      top: shown.map((g) => ({
        id: Number(g.key),
        code: g.code ?? '',
        nameZh: g.nameZh ?? '',
        nameEn: g.nameEn ?? '',
        total: g.total,
        closed: g.closed,
        open: g.open,
      })),
      rest: { categories: rest.length, total: rest.reduce((s, g) => s + g.total, 0) },
    },
    topGrids: grids.map((r) => ({
      id: Number(r.key),
      code: r.code,
      nameZh: r.nameZh,
      nameEn: r.nameEn,
      total: r.total,
      open: r.open,
    })),
    definitions,
  }
}

// ---- Drill-down ----

const closedCase = sql`c.state in ('closed', 'rated')`
const openCase = sql`c.state = any(${openStates as CaseState[]}::text[])`

/** Each count figure's definition (caseStats' header) as a predicate on one case `c`. */
function predicate(figure: CountFigure, now: Date): RawBuilder<unknown> {
  switch (figure) {
    case 'total':
      return sql`true`
    case 'open':
      return openCase
    case 'overdue':
      return sql`${openCase} and c.stage_due_at < ${now}`
    case 'closed':
      return closedCase
    case 'closedOnTime':
      return sql`${closedCase} and c.replied_at <= c.handle_due_at`
    case 'rejected':
      return sql`c.state = 'rejected'`
    case 'shelved':
      return sql`c.state = 'shelved'`
    case 'rated':
      return sql`c.rating_status = 'rated'`
    case 'solved':
      return sql`c.rating_status = 'rated' and c.solved`
    case 'satisfied':
    case 'unsatisfied':
      return sql`c.rating_status = 'rated' and c.rating = ${figure}`
    case 'basicallySatisfied':
      return sql`c.rating_status = 'rated' and c.rating = 'basically_satisfied'`
    case 'notRated':
      return sql`c.rating_status = 'not_rated'`
    case 'reworked':
      return sql`${closedCase} and (c.rework_count > 0 or c.reopen_count > 0)`
    case 'returned':
      return sql`c.return_count > 0`
    case 'extended':
      return sql`c.extension_count > 0`
    case 'proactive':
      return sql`c.channel = 'proactive'`
    case 'directAnswers':
      return sql`c.direct_answer`
    case 'contactRequired':
      return sql`c.contact_required`
    case 'noContact':
      return sql`not c.contact_required`
    case 'contactDue':
      return sql`c.contact_required and c.contact_due_at is not null and (c.contacted_at is not null or c.contact_due_at < ${now})`
    case 'contacted':
      return sql`c.contact_required and c.contact_due_at is not null and c.contacted_at is not null`
    case 'contactedOnTime':
      return sql`c.contact_required and c.contacted_at <= c.contact_due_at`
    case 'departmentAccepted':
      return sql`c.responded_at is not null`
    case 'departmentAcceptedOnTime':
      return sql`c.responded_at <= c.response_due_at`
  }
}

export const drillQuery = {
  type: 'object',
  additionalProperties: false,
  required: ['figure'],
  properties: {
    ...pageQuerySchema,
    figure: { type: 'string', enum: countFigures },
    areaId: id,
    from: dashboardQuery.properties.from,
    to: dashboardQuery.properties.to,
    categoryId: id,
    departmentId: id,
    channel: { type: 'string', enum: channels },
    gridId: { ...id, description: 'only the cases located in this area itself (a leaf area of topGrids)' },
    after: { ...id, description: 'keyset paging, newest first: the nextAfter of the previous page, instead of page' },
  },
} as const
export type DrillQuery = Input<typeof drillQuery>

const ref = shape({ id: n, code: { type: 'string' }, nameZh: { type: 'string' }, nameEn: { type: 'string' } })

export const drillItemSchema = shape({
  id: n,
  trackingCode: { type: 'string' },
  state: { type: 'string' },
  channel: { type: 'string', enum: channels },
  summary: { type: 'string', description: 'the first 80 characters of the description' },
  submittedAt: timestamp,
  closedAt: { type: ['string', 'null'], format: 'date-time' },
  stageDueAt: { type: ['string', 'null'], format: 'date-time' },
  overdue: { type: 'boolean' },
  category: ref,
  area: ref,
  department: { ...ref, type: ['object', 'null'] },
  rating: nullableText,
  ratingStatus: nullableText,
})
type DrillItem = Output<typeof drillItemSchema>

interface DrillRow {
  id: number
  tracking_code: string
  state: string
  channel: string
  summary: string
  submitted_at: Date
  closed_at: Date | null
  stage_due_at: Date | null
  category_id: number
  k_code: string
  k_zh: string
  k_en: string
  area_id: number
  a_code: string
  a_zh: string
  a_en: string
  department_id: number | null
  d_code: string | null
  d_zh: string | null
  d_en: string | null
  rating: string | null
  rating_status: string | null
}

/** The area of gridId, which must lie in the reported subtrees and in the caller's staff scope. */
async function checkGrid(tx: Tx, ctx: RequestContext, gridId: number, roots: AreaRef[]): Promise<void> {
  const g = await tx.selectFrom('area').select(['path']).where('id', '=', gridId).executeTakeFirst()
  if (!g) throw notFound('AREA_NOT_FOUND', `area ${gridId}`, 'gridId')
  if (!holds(ctx.actor, staffRoles, g.path))
    throw new AppError('FORBIDDEN', 'this area is outside the areas you hold a staff role on', 'gridId')
  if (!roots.some((r) => g.path.startsWith(r.path))) throw invalid('gridId', 'gridId must lie in the area reported on')
}

/** The cases behind one figure of the dashboard: newest first, keyset paging by id. */
export async function drillCases(tx: Tx, ctx: RequestContext, q: DrillQuery, now: Date): Promise<Page<DrillItem>> {
  const { roots, zone, paths } = await scope(tx, ctx, q.areaId)
  const { current } = dashboardPeriods(q, zone, now)
  if (q.after !== undefined && q.page > 1) throw invalid('after', 'give page or after, not both')
  if (q.gridId !== undefined) await checkGrid(tx, ctx, q.gridId, roots)
  const from = current.from.toJSDate()
  const to = current.to.toJSDate()
  const where = sql`${paths.length ? underAny(paths) : sql`false`}
      ${q.gridId !== undefined ? sql`and c.area_id = ${q.gridId}` : sql``}
      and c.submitted_at >= ${from} and c.submitted_at < ${to} and c.state <> 'merged'
      ${q.departmentId !== undefined ? sql`and c.department_id = ${q.departmentId}` : sql``}
      ${categoryFilter(sql`c.category_id`, q.categoryId)}
      ${q.channel !== undefined ? sql`and c.channel = ${q.channel}` : sql``}
      and (${predicate(q.figure, now)})`
  // Counted up to a limit past the page, like the case list.
  const limit = (q.page - 1) * q.pageSize + q.pageSize + COUNT_AHEAD
  const counted = await sql<{ n: number }>`
    select count(*)::int as n from (select 1 from cases c join area a on a.id = c.area_id where ${where} limit ${limit + 1}) m`.execute(
    tx,
  )
  const total = Number(counted.rows[0]!.n)
  const { rows } = await sql<DrillRow>`
    select c.id, c.tracking_code, c.state, c.channel, left(c.description, 80) as summary, c.submitted_at, c.closed_at,
           c.stage_due_at, c.category_id, k.code as k_code, k.name_zh as k_zh, k.name_en as k_en,
           c.area_id, a.code as a_code, a.name_zh as a_zh, a.name_en as a_en,
           c.department_id, d.code as d_code, d.name_zh as d_zh, d.name_en as d_en, c.rating, c.rating_status
    from cases c
    join area a on a.id = c.area_id
    join case_category k on k.id = c.category_id
    left join lateral app_department_label(c.department_id) d on true
    where ${where} ${q.after !== undefined ? sql`and c.id < ${q.after}` : sql``}
    order by c.id desc
    limit ${q.pageSize} offset ${q.after !== undefined ? 0 : (q.page - 1) * q.pageSize}`.execute(tx)
  const openSet = new Set<string>(openStates)
  const items = rows.map(
    (r): DrillItem => ({
      id: r.id,
      trackingCode: r.tracking_code,
      state: r.state,
      channel: r.channel as (typeof channels)[number],
      summary: r.summary,
      submittedAt: r.submitted_at.toISOString(),
      closedAt: r.closed_at?.toISOString() ?? null,
      stageDueAt: r.stage_due_at?.toISOString() ?? null,
      overdue: openSet.has(r.state) && r.stage_due_at !== null && r.stage_due_at < now,
      category: { id: r.category_id, code: r.k_code, nameZh: r.k_zh, nameEn: r.k_en },
      area: { id: r.area_id, code: r.a_code, nameZh: r.a_zh, nameEn: r.a_en },
      department:
        r.department_id === null
          ? null
          : { id: r.department_id, code: r.d_code ?? '', nameZh: r.d_zh ?? '', nameEn: r.d_en ?? '' },
      rating: r.rating,
      ratingStatus: r.rating_status,
    }),
  )
  return paginate(q, items, Math.min(total, limit), {
    ...(total > limit ? { totalCapped: true } : {}),
    nextAfter: rows.length === q.pageSize ? rows.at(-1)!.id : null,
  })
}
