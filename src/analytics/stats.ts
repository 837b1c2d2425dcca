import { sql, type RawBuilder } from 'kysely'
import { DateTime } from 'luxon'
import { AppError, invalid, notFound } from '../core/errors.js'
import type { Tx } from '../core/db.js'
import type { Input, Output } from '../core/http.js'
import { id, shape, timestamp } from '../core/schemas.js'
import { holds, staffRoles, type RequestContext } from '../core/scope.js'
import { openStates, type CaseState } from '../cases/workflow.js'

/*
 * Case statistics: "the three rates" (响应率 response, 办结率 resolution, 满意率 satisfaction) and
 * the figures around them. Everything is counted by one SQL statement (FILTER clauses, GROUPING
 * SETS for the totals row and the groups together) inside the caller's transaction, so row-level
 * security applies on top of the explicit area filter.
 *
 * Population. Cases whose submitted_at lies in [from, to) (from inclusive, to exclusive), located
 * in the area subtrees being reported on, and not in state 'merged': a merged case is a duplicate
 * and counts through the case it was merged into. The subtrees are the one of areaId when given,
 * otherwise those of every area the caller holds a staff role on (grants below another grant are
 * folded into it). The area filter is explicit, not left to RLS alone, because RLS also shows a
 * caller the cases they reported and the cases of their own department elsewhere; those do not
 * belong in an area's statistics. departmentId keeps cases whose current department
 * (cases.department_id) is that one; categoryId keeps that category and its direct children.
 *
 * "Closed" means state 'closed' or 'rated' (closed_at is set exactly then; a reopened case is open
 * again and its closed_at cleared). "Open" means a state of the workflow's openStates: submitted,
 * accepted, dispatched, in_progress, replied, verified.
 *
 * Counts:
 *   total                cases in the population
 *   responded            responded_at is not null (a department accepted the case)
 *   respondedOnTime      responded_at <= response_due_at
 *   rejected             state 'rejected'
 *   closed               state 'closed' or 'rated'
 *   closedOnTime         closed, and the final reply came by the handling deadline:
 *                        replied_at <= handle_due_at. replied_at is the time of the last reply
 *                        (each reply overwrites it); handle_due_at is the deadline set when the
 *                        department accepted, moved by approved extensions only. The deadline binds
 *                        the department, so the time taken afterwards by verification and closure
 *                        does not count against it; rework (verify_fail) and reopening do not move
 *                        the deadline, so a final reply after it is late. A closed case without a
 *                        handling deadline (impossible through the workflow) is not on time.
 *   reworked             closed, and rework_count > 0 or reopen_count > 0
 *   rated                rating is not null (a reopened case loses its rating)
 *   satisfied, basicallySatisfied, unsatisfied   rating equal to that value
 *   open                 state in openStates
 *   overdue              open, and stage_due_at < now (the current stage's deadline has passed)
 * Rates (rounded to 4 decimals; null when the denominator is 0):
 *   responseRate         responded / total
 *   onTimeResponseRate   respondedOnTime / responded
 *   resolutionRate       closed / (total - rejected)
 *   satisfactionRate     (satisfied + basicallySatisfied) / rated
 *   onTimeClosureRate    closedOnTime / closed
 *   reworkRate           reworked / closed
 * averageHandlingHours   mean of (closed_at - submitted_at) in hours over closed cases, rounded to
 *                        2 decimals; null without closed cases.
 * merged (totals only)   cases in the window and areas in state 'merged', outside the population.
 *
 * Groups (groupBy). Every case of the population falls in exactly one group, so the groups add up
 * to the totals; only groups with at least one case are listed.
 *   area        the direct children of each reported area (areaId, or the caller's granted
 *               areas); each child's whole subtree counts for it (area.path prefix). A case located
 *               in the reported area itself, not below a child, forms a group keyed by that area.
 *   department  cases.department_id, the department the case is (or was last) dispatched to;
 *               null for cases never dispatched.
 *   category    cases.category_id (a leaf category).
 *   worker      the user who took the case's latest 'department_accept' or 'reply' action
 *               (case_event.actor_id, latest by event time, then event id): whoever last took it up
 *               or answered it for the department. The name is the actor_name recorded on that
 *               event. Cases no department handler has accepted yet are in the group null.
 *   day, month  the local date (YYYY-MM-DD) or month (YYYY-MM) of submitted_at in the time zone.
 * Time zone: that of areaId, else of the caller's first granted area (area.timezone). Plain dates
 * in from/to, and date-times without an offset, are read in it. Default window: the 30 days up to
 * now (to = now, from = to - 30 days).
 */

export const groupings = ['area', 'department', 'category', 'worker', 'day', 'month'] as const
export type Grouping = (typeof groupings)[number]

const when = {
  type: 'string',
  maxLength: 40,
  description:
    'ISO date (YYYY-MM-DD, midnight in the time zone of the area) or date-time (with an offset, else read in that time zone)',
} as const

export const statsQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    areaId: id,
    from: when,
    to: when,
    groupBy: { type: 'string', enum: groupings },
    departmentId: id,
    categoryId: id,
  },
} as const

export type StatsQuery = Input<typeof statsQuery>

/** The definitions above, returned with every answer so a figure can be read without the code. */
export const definitions = {
  population:
    "cases with submitted_at in [from, to), located in the reported areas' subtrees (areaId, else every area the caller holds a staff role on), optionally of departmentId (current department) and categoryId (or its direct children); cases in state 'merged' are excluded, they count through the case they were merged into",
  closed: "state 'closed' or 'rated'",
  open: 'state submitted, accepted, dispatched, in_progress, replied or verified',
  total: 'cases in the population',
  responded: 'responded_at is not null (a department accepted the case)',
  respondedOnTime: 'responded_at <= response_due_at',
  responseRate: 'responded / total',
  onTimeResponseRate: 'respondedOnTime / responded',
  rejected: "state 'rejected'",
  resolutionRate: 'closed / (total - rejected)',
  rated: 'rating is not null',
  satisfied: "rating 'satisfied'",
  basicallySatisfied: "rating 'basically_satisfied'",
  unsatisfied: "rating 'unsatisfied'",
  satisfactionRate: '(satisfied + basicallySatisfied) / rated',
  closedOnTime:
    'closed cases whose final reply came by the handling deadline: replied_at <= handle_due_at (the deadline set when the department accepted, moved only by approved extensions; rework and reopening do not move it)',
  onTimeClosureRate: 'closedOnTime / closed',
  reworked: 'closed cases with rework_count > 0 or reopen_count > 0',
  reworkRate: 'reworked / closed',
  averageHandlingHours: 'mean of closed_at - submitted_at in hours over closed cases, 2 decimals',
  overdue: 'open cases with stage_due_at < now',
  merged: "cases in the window and areas in state 'merged' (totals only; not in the population)",
  rates: 'rounded to 4 decimals; null when the denominator is 0',
  groupArea:
    'the direct children of each reported area, each with its whole subtree; cases in the reported area itself form a group keyed by that area',
  groupDepartment:
    'cases.department_id, the department the case is or was last dispatched to; null when never dispatched',
  groupCategory: 'cases.category_id',
  groupWorker:
    "actor_id of the case's latest 'department_accept' or 'reply' event (by time, then id); null when no department handler accepted the case yet",
  groupDayMonth: 'local date or month of submitted_at in the time zone',
} as const

const count = { type: 'integer' } as const
const rate = { type: ['number', 'null'] } as const
const nullableText = { type: ['string', 'null'] } as const

const figureSchemas = {
  total: count,
  responded: count,
  respondedOnTime: count,
  responseRate: rate,
  onTimeResponseRate: rate,
  rejected: count,
  closed: count,
  resolutionRate: rate,
  rated: count,
  satisfied: count,
  basicallySatisfied: count,
  unsatisfied: count,
  satisfactionRate: rate,
  closedOnTime: count,
  onTimeClosureRate: rate,
  reworked: count,
  reworkRate: rate,
  averageHandlingHours: rate,
  open: count,
  overdue: count,
} as const

export const statsSchema = shape({
  from: timestamp,
  to: timestamp,
  timezone: { type: 'string' },
  now: timestamp,
  areas: {
    type: 'array',
    items: shape({ id: count, code: { type: 'string' }, nameZh: { type: 'string' }, nameEn: { type: 'string' } }),
  },
  filters: shape({ departmentId: { type: ['integer', 'null'] }, categoryId: { type: ['integer', 'null'] } }),
  groupBy: { type: ['string', 'null'], enum: [...groupings, null] },
  totals: shape({ ...figureSchemas, merged: count }),
  groups: {
    type: 'array',
    items: shape({
      key: {
        type: ['integer', 'string', 'null'],
        description: 'The id of the area, department, category or worker, or the day or month',
      },
      code: nullableText,
      nameZh: nullableText,
      nameEn: nullableText,
      ...figureSchemas,
    }),
  },
  definitions: shape(Object.fromEntries(Object.keys(definitions).map((k) => [k, { type: 'string' }] as const))),
})

const DAY_OR_TIME = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}(:?\d{2})?)?)?$/

function instant(value: string, field: string, zone: string): Date {
  const dt = DAY_OR_TIME.test(value) ? DateTime.fromISO(value, { zone }) : null
  if (!dt?.isValid) throw invalid(field, `${field} must be an ISO date (YYYY-MM-DD) or date-time`)
  return dt.toJSDate()
}

interface AreaRef {
  id: number
  path: string
  code: string
  name_zh: string
  name_en: string
  timezone: string
}

const areaColumns = ['id', 'path', 'code', 'name_zh', 'name_en', 'timezone'] as const

/** The areas reported on: areaId (which must lie in the caller's staff scope), else the caller's granted areas. */
async function reportedAreas(tx: Tx, ctx: RequestContext, areaId: number | undefined): Promise<AreaRef[]> {
  if (areaId !== undefined) {
    const a = await tx.selectFrom('area').select(areaColumns).where('id', '=', areaId).executeTakeFirst()
    if (!a) throw notFound('AREA_NOT_FOUND', `area ${areaId}`, 'areaId')
    if (!holds(ctx.actor, staffRoles, a.path))
      throw new AppError('FORBIDDEN', 'this area is outside the areas you hold a staff role on', 'areaId')
    return [a]
  }
  const paths = [...new Set((ctx.actor?.grants ?? []).filter((g) => staffRoles.includes(g.role)).map((g) => g.path))]
  const top = paths.filter((p) => !paths.some((q) => q !== p && p.startsWith(q)))
  const ids = (ctx.actor?.grants ?? []).filter((g) => top.includes(g.path)).map((g) => g.areaId)
  if (ids.length === 0) return []
  return tx.selectFrom('area').select(areaColumns).where('id', 'in', ids).orderBy('path').execute()
}

const numericGroupings: ReadonlySet<Grouping> = new Set(['area', 'department', 'category', 'worker'])

interface Row {
  grouped: boolean
  gkey: string | null
  g_code: string | null
  g_name_zh: string | null
  g_name_en: string | null
  total: number
  responded: number
  responded_on_time: number
  rejected: number
  closed: number
  closed_on_time: number
  reworked: number
  rated: number
  satisfied: number
  basically_satisfied: number
  unsatisfied: number
  open: number
  overdue: number
  average_handling_hours: number | null
  response_rate: number | null
  on_time_response_rate: number | null
  resolution_rate: number | null
  satisfaction_rate: number | null
  on_time_closure_rate: number | null
  rework_rate: number | null
  merged: number
}

const figures = (r: Row) => ({
  total: r.total,
  responded: r.responded,
  respondedOnTime: r.responded_on_time,
  responseRate: r.response_rate,
  onTimeResponseRate: r.on_time_response_rate,
  rejected: r.rejected,
  closed: r.closed,
  resolutionRate: r.resolution_rate,
  rated: r.rated,
  satisfied: r.satisfied,
  basicallySatisfied: r.basically_satisfied,
  unsatisfied: r.unsatisfied,
  satisfactionRate: r.satisfaction_rate,
  closedOnTime: r.closed_on_time,
  onTimeClosureRate: r.on_time_closure_rate,
  reworked: r.reworked,
  reworkRate: r.rework_rate,
  averageHandlingHours: r.average_handling_hours,
  open: r.open,
  overdue: r.overdue,
})

export type CaseFigures = ReturnType<typeof figures>

export async function caseStats(
  tx: Tx,
  ctx: RequestContext,
  q: StatsQuery,
  now: Date,
): Promise<Output<typeof statsSchema>> {
  const roots = await reportedAreas(tx, ctx, q.areaId)
  const zone = roots[0]?.timezone ?? 'Asia/Shanghai'
  const to = q.to !== undefined ? instant(q.to, 'to', zone) : now
  const from = q.from !== undefined ? instant(q.from, 'from', zone) : new Date(to.getTime() - 30 * 86400_000)
  if (from.getTime() >= to.getTime()) throw invalid('from', 'from must be before to')
  if (q.departmentId !== undefined) {
    const d = await tx.selectFrom('department').select('id').where('id', '=', q.departmentId).executeTakeFirst()
    if (!d) throw notFound('DEPARTMENT_NOT_FOUND', `department ${q.departmentId}`, 'departmentId')
  }
  if (q.categoryId !== undefined) {
    const k = await tx.selectFrom('case_category').select('id').where('id', '=', q.categoryId).executeTakeFirst()
    if (!k) throw notFound('CASE_CATEGORY_NOT_FOUND', `category ${q.categoryId}`, 'categoryId')
  }

  const g = q.groupBy
  const keyExpr: Record<Grouping, RawBuilder<unknown>> = {
    // The first path segment below the reported area: its direct child holding the case's grid.
    area: sql`coalesce(nullif(split_part(substr(a.path, length(r.path) + 1), '/', 1), '')::integer, r.id)::text`,
    department: sql`c.department_id::text`,
    category: sql`c.category_id::text`,
    worker: sql`w.actor_id::text`,
    day: sql`to_char(c.submitted_at at time zone ${zone}, 'YYYY-MM-DD')`,
    month: sql`to_char(c.submitted_at at time zone ${zone}, 'YYYY-MM')`,
  }
  const worker =
    g === 'worker'
      ? sql`left join lateral (
          select e.actor_id, e.actor_name, e.at from case_event e
          where e.case_id = c.id and e.action in ('department_accept', 'reply') and e.actor_id is not null
          order by e.at desc, e.id desc limit 1) w on true`
      : sql``
  const closed = sql`state in ('closed', 'rated')`
  const open = sql`state = any(${openStates as CaseState[]}::text[])`
  const rate = (num: RawBuilder<unknown>, den: RawBuilder<unknown>) =>
    sql`round((${num})::numeric / nullif(${den}, 0), 4)`
  const label = (table: 'area' | 'department' | 'case_category', col: 'code' | 'name_zh' | 'name_en') =>
    sql.raw(`(select l.${col} from ${table} l where l.id = agg.gkey::integer)`)
  const labels =
    g === 'area' || g === 'department' || g === 'category'
      ? (() => {
          const t = g === 'area' ? 'area' : g === 'department' ? 'department' : 'case_category'
          return sql`${label(t, 'code')} as g_code, ${label(t, 'name_zh')} as g_name_zh, ${label(t, 'name_en')} as g_name_en`
        })()
      : sql`null::text as g_code, agg.gname as g_name_zh, agg.gname as g_name_en`

  const { rows } = await sql<Row>`
    with scoped as (
      select c.state, c.submitted_at, c.responded_at, c.response_due_at, c.replied_at, c.handle_due_at, c.closed_at,
             c.rating, c.rework_count, c.reopen_count, c.stage_due_at,
             ${g ? keyExpr[g] : sql`null::text`} as gkey,
             ${g === 'worker' ? sql`w.actor_name` : sql`null::text`} as gname,
             ${g === 'worker' ? sql`w.at` : sql`null::timestamptz`} as gat
      from cases c
      join area a on a.id = c.area_id
      join area r on r.id = any(${roots.map((x) => x.id)}::integer[]) and a.path like r.path || '%'
      ${worker}
      where c.submitted_at >= ${from} and c.submitted_at < ${to}
        ${q.departmentId !== undefined ? sql`and c.department_id = ${q.departmentId}` : sql``}
        ${q.categoryId !== undefined ? sql`and c.category_id in (select id from case_category where id = ${q.categoryId} or parent_id = ${q.categoryId})` : sql``}
    ),
    agg as (
      select ${g ? sql`grouping(gkey) = 0 as grouped, gkey` : sql`false as grouped, null::text as gkey`},
             (array_agg(gname order by gat desc nulls last))[1] as gname,
             count(*)::int as total,
             count(*) filter (where responded_at is not null)::int as responded,
             count(*) filter (where responded_at <= response_due_at)::int as responded_on_time,
             count(*) filter (where state = 'rejected')::int as rejected,
             count(*) filter (where ${closed})::int as closed,
             count(*) filter (where ${closed} and replied_at <= handle_due_at)::int as closed_on_time,
             count(*) filter (where ${closed} and (rework_count > 0 or reopen_count > 0))::int as reworked,
             count(*) filter (where rating is not null)::int as rated,
             count(*) filter (where rating = 'satisfied')::int as satisfied,
             count(*) filter (where rating = 'basically_satisfied')::int as basically_satisfied,
             count(*) filter (where rating = 'unsatisfied')::int as unsatisfied,
             count(*) filter (where ${open})::int as open,
             count(*) filter (where ${open} and stage_due_at < ${now})::int as overdue,
             round(avg(extract(epoch from closed_at - submitted_at)) filter (where ${closed}) / 3600, 2) as average_handling_hours
      from scoped
      where state <> 'merged'
      group by ${g ? sql`grouping sets ((), (gkey))` : sql`()`}
    )
    select agg.*, ${labels},
           ${rate(sql`responded`, sql`total`)} as response_rate,
           ${rate(sql`responded_on_time`, sql`responded`)} as on_time_response_rate,
           ${rate(sql`closed`, sql`total - rejected`)} as resolution_rate,
           ${rate(sql`satisfied + basically_satisfied`, sql`rated`)} as satisfaction_rate,
           ${rate(sql`closed_on_time`, sql`closed`)} as on_time_closure_rate,
           ${rate(sql`reworked`, sql`closed`)} as rework_rate,
           case when agg.grouped then 0 else (select count(*)::int from scoped where state = 'merged') end as merged
    from agg
    order by grouped, g_code nulls last, g_name_zh nulls last, gkey nulls last`.execute(tx)

  const totalsRow = rows.find((r) => !r.grouped)!
  return {
    from: from.toISOString(),
    to: to.toISOString(),
    timezone: zone,
    now: now.toISOString(),
    areas: roots.map((a) => ({ id: a.id, code: a.code, nameZh: a.name_zh, nameEn: a.name_en })),
    filters: { departmentId: q.departmentId ?? null, categoryId: q.categoryId ?? null },
    groupBy: g ?? null,
    totals: { ...figures(totalsRow), merged: totalsRow.merged },
    groups: g
      ? rows
          .filter((r) => r.grouped)
          .map((r) => ({
            key: r.gkey === null ? null : numericGroupings.has(g) ? Number(r.gkey) : r.gkey,
            code: r.g_code,
            nameZh: r.g_name_zh,
            nameEn: r.g_name_en,
            ...figures(r),
          }))
      : [],
    definitions,
  }
}
