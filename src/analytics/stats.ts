import { sql, type RawBuilder } from 'kysely'
import { DateTime } from 'luxon'
import { AppError, invalid, notFound } from '../core/errors.js'
import type { Tx } from '../core/db.js'
import type { Input, Output } from '../core/http.js'
import { id, shape, timestamp } from '../core/schemas.js'
import { holds, staffRoles, type RequestContext } from '../core/scope.js'
import { caseRulesFor } from '../cases/rules.js'
import { openStates, type CaseState } from '../cases/workflow.js'

/*
 * Case statistics: "the three rates" as 12345 (接诉即办) counts them — response (响应率), resolution
 * (解决率), satisfaction (满意率) — and the figures around them. Everything is counted by one SQL
 * statement (FILTER clauses, GROUPING SETS for the totals row and the groups together) inside the
 * caller's transaction, so row-level security applies on top of the explicit area filter.
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
 * again and its closed_at cleared). "Open" means a state of the workflow's openStates.
 *
 * The three rates (12345):
 *   contactRequired      contact_required: someone reachable asked (not anonymous without any
 *                        contact detail, not staff reporting their own finding)
 *   noContact            not contact_required; outside the response rate, counted here
 *   contactDue           contact_required cases whose first-contact limit has been reached or that
 *                        were contacted: contact_due_at is set and (contacted_at is set or
 *                        contact_due_at < now). A case whose limit is still running is not yet a
 *                        failure, and a case never dispatched (rejected, answered directly, still
 *                        in triage) has no contact clock; both stay out of the denominator.
 *   contacted            contactDue cases with contacted_at set (the first contact that reached the requester)
 *   contactedOnTime      contacted_at <= contact_due_at
 *   responseRate         contactedOnTime / contactDue
 *   rated                rating_status 'rated' (the requester answered, in the portal or at a call-back)
 *   solved               rated and solved = true (the requester's "was it solved?")
 *   resolutionRate       solved / rated
 *   satisfied, basicallySatisfied, unsatisfied   rated cases with that rating
 *   satisfactionRate     (w_s·satisfied + w_b·basicallySatisfied + w_u·unsatisfied) / rated, with
 *                        the weights of case_rules.satisfactionWeights in force for the reported
 *                        area (nearest ancestor wins; default 1, 1, 0, i.e. (satisfied +
 *                        basicallySatisfied) / rated). The evaluating area's weights apply to every
 *                        case below it, so a street cannot raise its own score by its own rules.
 *   notRated             rating_status 'not_rated' (不参评: not reached after the call-back attempts, or declined)
 * Around them:
 *   directAnswers        direct_answer (answered by the hotline or triage and closed without dispatch)
 *   proactive            channel 'proactive' (未诉先办); proactiveShare = proactive / total
 *   shelved              state 'shelved' (挂账, approved)
 *   returns              returns (退单) of the population's cases: 'return' events, i.e. the sum of
 *                        return_count (one per event); returnDenied: 'deny_return' events
 *                        (return_denied_count). Grouped by department, a return counts for the
 *                        department that made it (the event's department) and a denial for the
 *                        department whose return was denied (that of the latest return before it);
 *                        other groupings count them with their case.
 * The old figures, under honest names:
 *   departmentAccepted   responded_at is not null (a department accepted the case)
 *   departmentAcceptedOnTime   responded_at <= response_due_at
 *   acceptanceRate       departmentAccepted / total;  onTimeAcceptanceRate: departmentAcceptedOnTime / departmentAccepted
 *   rejected             state 'rejected'
 *   closed               state 'closed' or 'rated'
 *   closureRate          closed / (total - rejected)
 *   closedOnTime         closed, and the final reply came by the handling deadline:
 *                        replied_at <= handle_due_at. replied_at is the time of the last reply
 *                        (each reply overwrites it); handle_due_at is the deadline set when the
 *                        department accepted, moved by approved extensions only. The deadline binds
 *                        the department, so the time taken afterwards by verification and closure
 *                        does not count against it; rework (verify_fail) and reopening do not move
 *                        the deadline, so a final reply after it is late. A closed case without a
 *                        handling deadline (a direct answer) is not on time.
 *   onTimeClosureRate    closedOnTime / closed
 *   reworked             closed, and rework_count > 0 or reopen_count > 0;  reworkRate: reworked / closed
 *   open                 state in openStates;  overdue: open, and stage_due_at < now
 * Rates are rounded to 4 decimals; null when the denominator is 0.
 * averageHandlingHours   mean of (closed_at - submitted_at) in hours over closed cases, rounded to
 *                        2 decimals; null without closed cases.
 * merged (totals only)   cases in the window and areas in state 'merged', outside the population.
 *
 * Groups (groupBy). Every case of the population falls in exactly one group, so the groups add up
 * to the totals; only groups with at least one case (or, by department, one return) are listed.
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

/**
 * The user who last took a case up or answered it for the department (latest 'department_accept'
 * or 'reply' by event time, then id), as `wk` (actor_id, actor_name, at): the "worker" grouping.
 */
export const lastHandlerJoin = sql`left join lateral (
          select e.actor_id, e.actor_name, e.at from case_event e
          where e.case_id = c.id and e.action in ('department_accept', 'reply') and e.actor_id is not null
          order by e.at desc, e.id desc limit 1) wk on true`

/** A group's code and names, from the table its key points into, else the name gathered with it. */
export function groupLabels(table: 'area' | 'department' | 'case_category' | null) {
  if (!table) return sql`null::text as g_code, agg.gname as g_name_zh, agg.gname as g_name_en`
  const label = (col: 'code' | 'name_zh' | 'name_en') =>
    sql.raw(`(select l.${col} from ${table} l where l.id = agg.gkey::integer)`)
  return sql`${label('code')} as g_code, ${label('name_zh')} as g_name_zh, ${label('name_en')} as g_name_en`
}

export const groupings = ['area', 'department', 'category', 'channel', 'worker', 'day', 'month'] as const
export type Grouping = (typeof groupings)[number]

export const when = {
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
  open: 'state submitted, verifying, accepted, dispatched, return_requested, in_progress, replied or verified (the open states of the workflow)',
  total: 'cases in the population',
  contactRequired:
    'contact_required: a requester who can be reached (not anonymous without contact details, not staff reporting their own finding)',
  noContact: 'not contact_required: outside the response rate, counted here',
  contactDue:
    'contact_required cases whose first-contact limit has passed or that were contacted (contact_due_at set, and contacted_at set or contact_due_at < now); a limit still running, or a case never dispatched, stays out',
  contacted: 'contactDue cases whose requester was reached (contacted_at set)',
  contactedOnTime: 'contacted_at <= contact_due_at',
  responseRate: '响应率 (12345): contactedOnTime / contactDue',
  rated: "rating_status 'rated': the requester answered (portal rating or call-back)",
  solved: 'rated cases the requester called solved (solved = true)',
  resolutionRate: '解决率 (12345): solved / rated',
  satisfied: "rated, rating 'satisfied'",
  basicallySatisfied: "rated, rating 'basically_satisfied'",
  unsatisfied: "rated, rating 'unsatisfied'",
  satisfactionRate:
    '满意率 (12345): (w_s·satisfied + w_b·basicallySatisfied + w_u·unsatisfied) / rated, weights from case_rules.satisfactionWeights of the reported area (default 1, 1, 0: (satisfied + basicallySatisfied) / rated); see areas[].satisfactionWeights',
  notRated: "rating_status 'not_rated' (不参评: not reached after the call-back attempts, or declined)",
  directAnswers: 'direct_answer: answered by the hotline or triage and closed without dispatch',
  proactive: "channel 'proactive' (未诉先办)",
  proactiveShare: 'proactive / total',
  shelved: "state 'shelved' (挂账, approved by a leader)",
  returns:
    "'return' events (退单) of the population's cases (the sum of return_count); grouped by department, counted for the department that returned (the event's department)",
  returnDenied:
    "'deny_return' events (the sum of return_denied_count); grouped by department, counted for the department whose return was denied",
  departmentAccepted: 'responded_at is not null (a department accepted the case)',
  departmentAcceptedOnTime: 'responded_at <= response_due_at',
  acceptanceRate: 'departmentAccepted / total (the former responseRate)',
  onTimeAcceptanceRate: 'departmentAcceptedOnTime / departmentAccepted',
  rejected: "state 'rejected'",
  closureRate: 'closed / (total - rejected) (the former resolutionRate)',
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
  groupChannel: 'cases.channel (portal, hotline, patrol, proactive, open311, api, device, …)',
  groupWorker:
    "actor_id of the case's latest 'department_accept' or 'reply' event (by time, then id); null when no department handler accepted the case yet",
  groupDayMonth: 'local date or month of submitted_at in the time zone',
} as const

export const count = { type: 'integer' } as const
export const rate = { type: ['number', 'null'] } as const
export const nullableText = { type: ['string', 'null'] } as const

const figureSchemas = {
  total: count,
  contactRequired: count,
  noContact: count,
  contactDue: count,
  contacted: count,
  contactedOnTime: count,
  responseRate: rate,
  rated: count,
  solved: count,
  resolutionRate: rate,
  satisfied: count,
  basicallySatisfied: count,
  unsatisfied: count,
  satisfactionRate: rate,
  notRated: count,
  directAnswers: count,
  proactive: count,
  proactiveShare: rate,
  shelved: count,
  returns: count,
  returnDenied: count,
  departmentAccepted: count,
  departmentAcceptedOnTime: count,
  acceptanceRate: rate,
  onTimeAcceptanceRate: rate,
  rejected: count,
  closed: count,
  closureRate: rate,
  closedOnTime: count,
  onTimeClosureRate: rate,
  reworked: count,
  reworkRate: rate,
  averageHandlingHours: rate,
  open: count,
  overdue: count,
} as const

export const weightsSchema = shape({
  satisfied: { type: 'number' },
  basicallySatisfied: { type: 'number' },
  unsatisfied: { type: 'number' },
})

export const reportedAreaSchema = shape({
  id: count,
  code: { type: 'string' },
  nameZh: { type: 'string' },
  nameEn: { type: 'string' },
  satisfactionWeights: weightsSchema,
})

export const statsSchema = shape({
  from: timestamp,
  to: timestamp,
  timezone: { type: 'string' },
  now: timestamp,
  areas: { type: 'array', items: reportedAreaSchema },
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

/** [from, to) of a statistics request: plain dates in the zone, default the 30 days up to now. */
export function period(q: { from?: string; to?: string }, zone: string, now: Date): { from: Date; to: Date } {
  const to = q.to !== undefined ? instant(q.to, 'to', zone) : now
  const from = q.from !== undefined ? instant(q.from, 'from', zone) : new Date(to.getTime() - 30 * 86400_000)
  if (from.getTime() >= to.getTime()) throw invalid('from', 'from must be before to')
  return { from, to }
}

export interface AreaRef {
  id: number
  path: string
  code: string
  name_zh: string
  name_en: string
  timezone: string
}

const areaColumns = ['id', 'path', 'code', 'name_zh', 'name_en', 'timezone'] as const

/** The areas reported on: areaId (which must lie in the caller's staff scope), else the caller's granted areas. */
export async function reportedAreas(tx: Tx, ctx: RequestContext, areaId: number | undefined): Promise<AreaRef[]> {
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

export interface SatisfactionWeights {
  satisfied: number
  basicallySatisfied: number
  unsatisfied: number
}

/** The satisfaction weights in force for an area: its rules' or the nearest ancestor's, else the default. */
export async function satisfactionWeights(tx: Tx, path: string): Promise<SatisfactionWeights> {
  return (await caseRulesFor(tx, path)).satisfactionWeights
}

/** The reported areas with their weights, as the answer lists them. */
export async function weighedAreas(tx: Tx, roots: AreaRef[]) {
  return Promise.all(
    roots.map(async (a) => ({
      id: a.id,
      code: a.code,
      nameZh: a.name_zh,
      nameEn: a.name_en,
      satisfactionWeights: await satisfactionWeights(tx, a.path),
    })),
  )
}

/**
 * Joins each case to the reported area it lies below (r) and that area's satisfaction weights (w),
 * given the cases' own area as `a`.
 */
export function rootsJoin(areas: { id: number; satisfactionWeights: SatisfactionWeights }[]): RawBuilder<unknown> {
  const ids = areas.map((x) => x.id)
  const ws = areas.map((x) => x.satisfactionWeights.satisfied)
  const wb = areas.map((x) => x.satisfactionWeights.basicallySatisfied)
  const wu = areas.map((x) => x.satisfactionWeights.unsatisfied)
  return sql`join unnest(${ids}::integer[], ${ws}::numeric[], ${wb}::numeric[], ${wu}::numeric[]) as w(root_id, ws, wb, wu) on true
      join area r on r.id = w.root_id and a.path like r.path || '%'`
}

/** The weight of a rated case's rating (null for a case not rated). */
export const ratingWeight = sql`case when c.rating_status = 'rated' then case c.rating when 'satisfied' then w.ws when 'basically_satisfied' then w.wb when 'unsatisfied' then w.wu end end`

const numericGroupings: ReadonlySet<Grouping> = new Set(['area', 'department', 'category', 'worker'])

interface Row {
  grouped: boolean
  gkey: string | null
  g_code: string | null
  g_name_zh: string | null
  g_name_en: string | null
  total: number
  contact_required: number
  no_contact: number
  contact_due: number
  contacted: number
  contacted_on_time: number
  rated: number
  solved: number
  satisfied: number
  basically_satisfied: number
  unsatisfied: number
  not_rated: number
  direct_answers: number
  proactive: number
  shelved: number
  returns: number
  return_denied: number
  responded: number
  responded_on_time: number
  rejected: number
  closed: number
  closed_on_time: number
  reworked: number
  open: number
  overdue: number
  average_handling_hours: number | string | null
  response_rate: number | string | null
  resolution_rate: number | string | null
  satisfaction_rate: number | string | null
  proactive_share: number | string | null
  acceptance_rate: number | string | null
  on_time_acceptance_rate: number | string | null
  closure_rate: number | string | null
  on_time_closure_rate: number | string | null
  rework_rate: number | string | null
  merged: number
}

/** numeric columns arrive as strings from some drivers. */
export const num = (v: number | string | null | undefined): number | null =>
  v === null || v === undefined ? null : Number(v)

const figures = (r: Row) => ({
  total: r.total,
  contactRequired: r.contact_required,
  noContact: r.no_contact,
  contactDue: r.contact_due,
  contacted: r.contacted,
  contactedOnTime: r.contacted_on_time,
  responseRate: num(r.response_rate),
  rated: r.rated,
  solved: r.solved,
  resolutionRate: num(r.resolution_rate),
  satisfied: r.satisfied,
  basicallySatisfied: r.basically_satisfied,
  unsatisfied: r.unsatisfied,
  satisfactionRate: num(r.satisfaction_rate),
  notRated: r.not_rated,
  directAnswers: r.direct_answers,
  proactive: r.proactive,
  proactiveShare: num(r.proactive_share),
  shelved: r.shelved,
  returns: r.returns,
  returnDenied: r.return_denied,
  departmentAccepted: r.responded,
  departmentAcceptedOnTime: r.responded_on_time,
  acceptanceRate: num(r.acceptance_rate),
  onTimeAcceptanceRate: num(r.on_time_acceptance_rate),
  rejected: r.rejected,
  closed: r.closed,
  closureRate: num(r.closure_rate),
  closedOnTime: r.closed_on_time,
  onTimeClosureRate: num(r.on_time_closure_rate),
  reworked: r.reworked,
  reworkRate: num(r.rework_rate),
  averageHandlingHours: num(r.average_handling_hours),
  open: r.open,
  overdue: r.overdue,
})

export type CaseFigures = ReturnType<typeof figures>

/** A department with returns but no case of its own in the population: every other figure 0. */
const returnsOnly = (gkey: string, returns: number, denied: number): Row => ({
  ...(Object.fromEntries(
    [
      'total',
      'contact_required',
      'no_contact',
      'contact_due',
      'contacted',
      'contacted_on_time',
      'rated',
      'solved',
      'satisfied',
      'basically_satisfied',
      'unsatisfied',
      'not_rated',
      'direct_answers',
      'proactive',
      'shelved',
      'responded',
      'responded_on_time',
      'rejected',
      'closed',
      'closed_on_time',
      'reworked',
      'open',
      'overdue',
      'merged',
    ].map((k) => [k, 0]),
  ) as unknown as Row),
  grouped: true,
  gkey,
  g_code: null,
  g_name_zh: null,
  g_name_en: null,
  returns,
  return_denied: denied,
  average_handling_hours: null,
  response_rate: null,
  resolution_rate: null,
  satisfaction_rate: null,
  proactive_share: null,
  acceptance_rate: null,
  on_time_acceptance_rate: null,
  closure_rate: null,
  on_time_closure_rate: null,
  rework_rate: null,
})

/** The round-to-4 ratio the statistics use, null on a zero denominator. */
export const ratio = (num: RawBuilder<unknown>, den: RawBuilder<unknown>) =>
  sql`round((${num})::numeric / nullif(${den}, 0), 4)`

/** The rates, from the counted columns of `agg`, alike for the raw count and the rollup's. */
const rateColumns = sql`${ratio(sql`contacted_on_time`, sql`contact_due`)} as response_rate,
  ${ratio(sql`solved`, sql`rated`)} as resolution_rate,
  ${ratio(sql`weighted`, sql`rated`)} as satisfaction_rate,
  ${ratio(sql`proactive`, sql`total`)} as proactive_share,
  ${ratio(sql`responded`, sql`total`)} as acceptance_rate,
  ${ratio(sql`responded_on_time`, sql`responded`)} as on_time_acceptance_rate,
  ${ratio(sql`closed`, sql`total - rejected`)} as closure_rate,
  ${ratio(sql`closed_on_time`, sql`closed`)} as on_time_closure_rate,
  ${ratio(sql`reworked`, sql`closed`)} as rework_rate`

/** Every area of the reported subtrees keeps the report's time zone: the rollup's days are theirs. */
async function oneZone(tx: Tx, roots: AreaRef[], zone: string): Promise<boolean> {
  if (roots.length === 0) return false
  const { rows } = await sql<{ other: boolean }>`
    select exists (
      select 1 from area r join area a on a.path like r.path || '%'
      where r.id = any(${roots.map((r) => r.id)}::integer[]) and a.timezone <> ${zone}) as other`.execute(tx)
  return !rows[0]!.other
}

interface WholeDays {
  /** The whole local days [firstDay, endDay) inside the period, as ISO dates; null when there is none. */
  firstDay: string | null
  endDay: string | null
  /** The parts of the period outside them, counted from the cases: [from, head) and [tail, to). */
  head: Date
  tail: Date
}

/** Splits [from, to) into the whole local days the rollup answers and the edges the cases answer. */
export function wholeDays(from: Date, to: Date, zone: string): WholeDays {
  const f = DateTime.fromJSDate(from, { zone })
  const startOfFirst = f.startOf('day')
  const first = startOfFirst.toMillis() === f.toMillis() ? startOfFirst : startOfFirst.plus({ days: 1 })
  const end = DateTime.fromJSDate(to, { zone }).startOf('day')
  if (first >= end) return { firstDay: null, endDay: null, head: to, tail: to }
  return { firstDay: first.toISODate(), endDay: end.toISODate(), head: first.toJSDate(), tail: end.toJSDate() }
}

const sum = (col: string) => sql.raw(`coalesce(sum(${col}), 0)::int`)

/**
 * The statistics from the rollup (migration 0077): the whole days from case_rollup_live's rows
 * keyed by each reported area (or, grouped by area, by its direct children and its own cases),
 * the edges of a period that does not start or end at midnight from the cases themselves (each
 * case's contribution by the same SQL function the rollup is kept with), and the two figures that
 * depend on the clock — overdue, and contact due but not made — from the open and uncontacted
 * cases alone. One statement; the same answer as the count over the cases.
 */
async function rollupRows(
  tx: Tx,
  o: {
    areas: { id: number; satisfactionWeights: SatisfactionWeights }[]
    zone: string
    from: Date
    to: Date
    now: Date
    days: WholeDays
    g: Grouping | undefined
    labels: RawBuilder<unknown>
    keyExpr: Record<Grouping, RawBuilder<unknown>>
    q: StatsQuery
  },
): Promise<Row[]> {
  const { g, q, days } = o
  const byDept = g === 'department'
  const caseKey = g ? o.keyExpr[g] : sql`null::text`
  const rollupKey: Record<Exclude<Grouping, 'worker'>, RawBuilder<unknown>> = {
    area: sql`x.area_id::text`,
    department: sql`x.department_id::text`,
    category: sql`x.category_id::text`,
    channel: sql`x.channel`,
    day: sql`to_char(x.day, 'YYYY-MM-DD')`,
    month: sql`to_char(x.day, 'YYYY-MM')`,
  }
  const xKey = g && g !== 'worker' ? rollupKey[g] : sql`null::text`
  const categoryIn = (col: RawBuilder<unknown>) =>
    q.categoryId !== undefined
      ? sql`and ${col} in (select id from case_category where id = ${q.categoryId} or parent_id = ${q.categoryId})`
      : sql``
  const departmentIs = (col: RawBuilder<unknown>) =>
    q.departmentId !== undefined ? sql`and ${col} = ${q.departmentId}` : sql``
  const caseFilters = sql`${departmentIs(sql`c.department_id`)} ${categoryIn(sql`c.category_id`)}`
  const weighted = (k: string) =>
    sql.raw(`w.ws * ${k}.satisfied + w.wb * ${k}.basically_satisfied + w.wu * ${k}.unsatisfied`)
  // The counters of one rollup row or case contribution `k`, in the order src lists them.
  const counters = (k: string, returns: 'returns' | 'dept_returns') =>
    sql.raw(`${k}.total, ${k}.contact_required, ${k}.no_contact, ${k}.contacted, ${k}.contacted_on_time, ${k}.rated,
      ${k}.solved, ${k}.satisfied, ${k}.basically_satisfied, ${k}.unsatisfied, ${k}.not_rated, ${k}.direct_answers,
      case when ${k}.channel = 'proactive' then ${k}.total else 0 end, ${k}.shelved,
      ${returns === 'returns' ? `${k}.returns, ${k}.return_denied` : `${k}.dept_returns, ${k}.dept_return_denied`},
      ${k}.responded, ${k}.responded_on_time, ${k}.rejected, ${k}.closed, ${k}.closed_on_time, ${k}.reworked, ${k}.open,
      ${k}.handling_seconds, ${k}.merged, 0, 0`)
  const zeros = (contactLate: string, overdue: string) =>
    sql.raw(`0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, ${contactLate}, ${overdue}`)
  const open = sql`c.state = any(${openStates as CaseState[]}::text[])`
  const inWindow = sql`c.submitted_at >= ${o.from} and c.submitted_at < ${o.to}`
  const edges = sql`((c.submitted_at >= ${o.from} and c.submitted_at < ${days.head}) or (c.submitted_at >= ${days.tail} and c.submitted_at < ${o.to}))`
  const cases = sql`from cases c join area a on a.id = c.area_id ${rootsJoin(o.areas)}`

  const parts: RawBuilder<unknown>[] = []
  if (days.firstDay) {
    // By area: the reported area's own cases under its own key, each child's subtree under the child's.
    const rows =
      g === 'area'
        ? sql`join area a on a.id = r.id or a.parent_id = r.id
              join case_rollup_live x on x.area_id = a.id and (a.id <> r.id or x.own)`
        : sql`join case_rollup_live x on x.area_id = r.id`
    parts.push(sql`
      select ${xKey} as gkey, ${weighted('x')} as weighted, ${counters('x', byDept ? 'dept_returns' : 'returns')}
      from unnest(${o.areas.map((a) => a.id)}::integer[], ${o.areas.map((a) => a.satisfactionWeights.satisfied)}::numeric[],
                  ${o.areas.map((a) => a.satisfactionWeights.basicallySatisfied)}::numeric[],
                  ${o.areas.map((a) => a.satisfactionWeights.unsatisfied)}::numeric[]) as w(root_id, ws, wb, wu)
      join area r on r.id = w.root_id
      ${rows}
      where x.day >= ${days.firstDay}::date and x.day < ${days.endDay}::date
        ${departmentIs(sql`x.department_id`)} ${categoryIn(sql`x.category_id`)}`)
  }
  if (days.head > o.from || days.tail < o.to) {
    parts.push(sql`
      select ${caseKey}, ${weighted('k')}, ${counters('k', byDept ? 'dept_returns' : 'returns')}
      ${cases} cross join lateral case_rollup_rows(c, 1) k
      where k.own and ${edges} ${caseFilters}`)
    if (byDept) {
      // The edges' cases have their returns counted for the department that made them, like the rollup's.
      parts.push(sql`
        select k.department_id::text, 0, ${counters('k', 'dept_returns')}
        ${cases} cross join lateral case_rollup_event_rows(c, 1) k
        where k.own and ${edges} ${caseFilters}`)
    }
  }
  parts.push(sql`
    select ${caseKey}, 0, ${zeros('1', '0')}
    ${cases}
    where c.contact_required and c.contacted_at is null and c.contact_due_at is not null and c.state <> 'merged'
      and c.contact_due_at < ${o.now} and ${inWindow} ${caseFilters}`)
  parts.push(sql`
    select ${caseKey}, 0, ${zeros('0', '1')}
    ${cases}
    where ${open} and c.stage_due_at < ${o.now} and ${inWindow} ${caseFilters}`)

  const { rows } = await sql<Row>`
    with src (gkey, weighted, total, contact_required, no_contact, contacted, contacted_on_time, rated, solved, satisfied,
              basically_satisfied, unsatisfied, not_rated, direct_answers, proactive, shelved, returns, return_denied,
              responded, responded_on_time, rejected, closed, closed_on_time, reworked, open, handling_seconds, merged,
              contact_late, overdue) as (
      ${sql.join(parts, sql` union all `)}
    ),
    agg as (
      select ${g ? sql`grouping(gkey) = 0 as grouped, gkey` : sql`false as grouped, null::text as gkey`},
             null::text as gname,
             ${sum('total')} as total, ${sum('contact_required')} as contact_required, ${sum('no_contact')} as no_contact,
             ${sum('contacted + contact_late')} as contact_due, ${sum('contacted')} as contacted,
             ${sum('contacted_on_time')} as contacted_on_time, ${sum('rated')} as rated, ${sum('solved')} as solved,
             ${sum('satisfied')} as satisfied, ${sum('basically_satisfied')} as basically_satisfied,
             ${sum('unsatisfied')} as unsatisfied, coalesce(sum(weighted), 0) as weighted,
             ${sum('not_rated')} as not_rated, ${sum('direct_answers')} as direct_answers, ${sum('proactive')} as proactive,
             ${sum('shelved')} as shelved, ${sum('returns')} as returns, ${sum('return_denied')} as return_denied,
             ${sum('responded')} as responded, ${sum('responded_on_time')} as responded_on_time,
             ${sum('rejected')} as rejected, ${sum('closed')} as closed, ${sum('closed_on_time')} as closed_on_time,
             ${sum('reworked')} as reworked, ${sum('open')} as open, ${sum('overdue')} as overdue,
             round(sum(handling_seconds) / nullif(sum(closed), 0) / 3600, 2) as average_handling_hours,
             ${sum('merged')} as merged
      from src
      group by ${g ? sql`grouping sets ((), (gkey))` : sql`()`}
      -- A group is listed when it has a case of the population (or, by department, a return).
      having ${g ? sql`grouping(gkey) = 1 or sum(total) > 0 or sum(returns) > 0 or sum(return_denied) > 0` : sql`true`}
    )
    select agg.grouped, agg.gkey, agg.total, agg.contact_required, agg.no_contact, agg.contact_due, agg.contacted,
           agg.contacted_on_time, agg.rated, agg.solved, agg.satisfied, agg.basically_satisfied, agg.unsatisfied,
           agg.not_rated, agg.direct_answers, agg.proactive, agg.shelved, agg.returns, agg.return_denied,
           agg.responded, agg.responded_on_time, agg.rejected, agg.closed, agg.closed_on_time, agg.reworked,
           agg.open, agg.overdue, agg.average_handling_hours, ${o.labels},
           ${rateColumns},
           case when agg.grouped then 0 else agg.merged end as merged
    from agg
    order by grouped, g_code nulls last, g_name_zh nulls last, gkey nulls last`.execute(tx)
  return rows
}

export async function caseStats(
  tx: Tx,
  ctx: RequestContext,
  q: StatsQuery,
  now: Date,
  /** rollup: false counts over the cases alone (the rollup's own tests compare the two). */
  opts: { rollup?: boolean } = {},
): Promise<Output<typeof statsSchema>> {
  const roots = await reportedAreas(tx, ctx, q.areaId)
  const zone = roots[0]?.timezone ?? 'Asia/Shanghai'
  const { from, to } = period(q, zone, now)
  if (q.departmentId !== undefined) {
    const d = await tx.selectFrom('department').select('id').where('id', '=', q.departmentId).executeTakeFirst()
    if (!d) throw notFound('DEPARTMENT_NOT_FOUND', `department ${q.departmentId}`, 'departmentId')
  }
  if (q.categoryId !== undefined) {
    const k = await tx.selectFrom('case_category').select('id').where('id', '=', q.categoryId).executeTakeFirst()
    if (!k) throw notFound('CASE_CATEGORY_NOT_FOUND', `category ${q.categoryId}`, 'categoryId')
  }
  const areas = await weighedAreas(tx, roots)

  const g = q.groupBy
  const keyExpr: Record<Grouping, RawBuilder<unknown>> = {
    // The first path segment below the reported area: its direct child holding the case's grid.
    area: sql`coalesce(nullif(split_part(substr(a.path, length(r.path) + 1), '/', 1), '')::integer, r.id)::text`,
    department: sql`c.department_id::text`,
    category: sql`c.category_id::text`,
    channel: sql`c.channel`,
    worker: sql`wk.actor_id::text`,
    day: sql`to_char(c.submitted_at at time zone ${zone}, 'YYYY-MM-DD')`,
    month: sql`to_char(c.submitted_at at time zone ${zone}, 'YYYY-MM')`,
  }
  const worker = g === 'worker' ? lastHandlerJoin : sql``
  const closed = sql`state in ('closed', 'rated')`
  const open = sql`state = any(${openStates as CaseState[]}::text[])`
  const labels = groupLabels(
    g === 'area' ? 'area' : g === 'department' ? 'department' : g === 'category' ? 'case_category' : null,
  )
  // Returns and their denials: the case's counters (the workflow adds one with each 'return' and
  // 'deny_return' event), read without a look into case_event per case; by department they are
  // counted from the events apart below, for the department that returned.
  const returnCounts =
    g === 'department'
      ? sql`0 as returns, 0 as return_denied`
      : sql`c.return_count as returns, c.return_denied_count as return_denied`

  const rollup =
    opts.rollup !== false &&
    g !== 'worker' &&
    !(g === 'department' && q.departmentId !== undefined) &&
    (await oneZone(tx, roots, zone))
      ? wholeDays(from, to, zone)
      : null
  let out: Row[]
  if (rollup) {
    // Which of its parts are worth an index depends on the period and the area: plan it for its values.
    await sql`select set_config('plan_cache_mode', 'force_custom_plan', true)`.execute(tx)
    out = await rollupRows(tx, { areas, zone, from, to, now, days: rollup, g, labels, keyExpr, q })
  } else {
    const { rows } = await sql<Row>`
      with scoped as (
        select c.id, c.state, c.channel, c.submitted_at, c.responded_at, c.response_due_at, c.replied_at, c.handle_due_at,
               c.closed_at, c.rating, c.rating_status, c.solved, c.contact_required, c.contact_due_at, c.contacted_at,
               c.direct_answer, c.rework_count, c.reopen_count, c.stage_due_at,
               ${ratingWeight} as weight,
               ${returnCounts},
               ${g ? keyExpr[g] : sql`null::text`} as gkey,
               ${g === 'worker' ? sql`wk.actor_name` : sql`null::text`} as gname,
               ${g === 'worker' ? sql`wk.at` : sql`null::timestamptz`} as gat
        from cases c
        join area a on a.id = c.area_id
        ${rootsJoin(areas)}
        ${worker}
        where c.submitted_at >= ${from} and c.submitted_at < ${to}
          ${q.departmentId !== undefined ? sql`and c.department_id = ${q.departmentId}` : sql``}
          ${q.categoryId !== undefined ? sql`and c.category_id in (select id from case_category where id = ${q.categoryId} or parent_id = ${q.categoryId})` : sql``}
      ),
      agg as (
        select ${g ? sql`grouping(gkey) = 0 as grouped, gkey` : sql`false as grouped, null::text as gkey`},
               (array_agg(gname order by gat desc nulls last))[1] as gname,
               count(*)::int as total,
               count(*) filter (where contact_required)::int as contact_required,
               count(*) filter (where not contact_required)::int as no_contact,
               count(*) filter (where contact_required and contact_due_at is not null
                                and (contacted_at is not null or contact_due_at < ${now}))::int as contact_due,
               count(*) filter (where contact_required and contact_due_at is not null and contacted_at is not null)::int as contacted,
               count(*) filter (where contact_required and contacted_at <= contact_due_at)::int as contacted_on_time,
               count(*) filter (where rating_status = 'rated')::int as rated,
               count(*) filter (where rating_status = 'rated' and solved)::int as solved,
               count(*) filter (where rating_status = 'rated' and rating = 'satisfied')::int as satisfied,
               count(*) filter (where rating_status = 'rated' and rating = 'basically_satisfied')::int as basically_satisfied,
               count(*) filter (where rating_status = 'rated' and rating = 'unsatisfied')::int as unsatisfied,
               coalesce(sum(weight), 0) as weighted,
               count(*) filter (where rating_status = 'not_rated')::int as not_rated,
               count(*) filter (where direct_answer)::int as direct_answers,
               count(*) filter (where channel = 'proactive')::int as proactive,
               count(*) filter (where state = 'shelved')::int as shelved,
               coalesce(sum(returns), 0)::int as returns,
               coalesce(sum(return_denied), 0)::int as return_denied,
               count(*) filter (where responded_at is not null)::int as responded,
               count(*) filter (where responded_at <= response_due_at)::int as responded_on_time,
               count(*) filter (where state = 'rejected')::int as rejected,
               count(*) filter (where ${closed})::int as closed,
               count(*) filter (where ${closed} and replied_at <= handle_due_at)::int as closed_on_time,
               count(*) filter (where ${closed} and (rework_count > 0 or reopen_count > 0))::int as reworked,
               count(*) filter (where ${open})::int as open,
               count(*) filter (where ${open} and stage_due_at < ${now})::int as overdue,
               round(avg(extract(epoch from closed_at - submitted_at)) filter (where ${closed}) / 3600, 2) as average_handling_hours
        from scoped
        where state <> 'merged'
        group by ${g ? sql`grouping sets ((), (gkey))` : sql`()`}
      )
      select agg.grouped, agg.gkey, agg.total, agg.contact_required, agg.no_contact, agg.contact_due, agg.contacted,
             agg.contacted_on_time, agg.rated, agg.solved, agg.satisfied, agg.basically_satisfied, agg.unsatisfied,
             agg.not_rated, agg.direct_answers, agg.proactive, agg.shelved, agg.returns, agg.return_denied,
             agg.responded, agg.responded_on_time, agg.rejected, agg.closed, agg.closed_on_time, agg.reworked,
             agg.open, agg.overdue, agg.average_handling_hours, ${labels},
             ${rateColumns},
             case when agg.grouped then 0 else (select count(*)::int from scoped where state = 'merged') end as merged
      from agg
      order by grouped, g_code nulls last, g_name_zh nulls last, gkey nulls last`.execute(tx)
    out = rows
    if (g === 'department') out = await returnsByDepartment(tx, rows, areas, from, to, q)
  }

  const totalsRow = out.find((r) => !r.grouped)!
  return {
    from: from.toISOString(),
    to: to.toISOString(),
    timezone: zone,
    now: now.toISOString(),
    areas,
    filters: { departmentId: q.departmentId ?? null, categoryId: q.categoryId ?? null },
    groupBy: g ?? null,
    totals: { ...figures(totalsRow), merged: totalsRow.merged },
    groups: g
      ? out
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

/**
 * Returns and denials per department: a return counts for the department that made it (the
 * event's department), a denial for the department of the latest return before it. The cases are
 * the population's; a department with returns but no case in the population gets a group of its own.
 */
async function returnsByDepartment(
  tx: Tx,
  rows: Row[],
  areas: { id: number; satisfactionWeights: SatisfactionWeights }[],
  from: Date,
  to: Date,
  q: StatsQuery,
): Promise<Row[]> {
  const { rows: counted } = await sql<{ dept: number | null; returns: number; denied: number }>`
    select d.dept, count(*) filter (where d.action = 'return')::int as returns,
           count(*) filter (where d.action = 'deny_return')::int as denied
    from (
      select e.action,
             case when e.action = 'return' then e.department_id
                  else (select p.department_id from case_event p
                        where p.case_id = e.case_id and p.action = 'return' and (p.at, p.id) < (e.at, e.id)
                        order by p.at desc, p.id desc limit 1) end as dept
      from cases c
      join area a on a.id = c.area_id
      ${rootsJoin(areas)}
      join case_event e on e.case_id = c.id and e.action in ('return', 'deny_return')
      where c.submitted_at >= ${from} and c.submitted_at < ${to} and c.state <> 'merged'
        ${q.departmentId !== undefined ? sql`and c.department_id = ${q.departmentId}` : sql``}
        ${q.categoryId !== undefined ? sql`and c.category_id in (select id from case_category where id = ${q.categoryId} or parent_id = ${q.categoryId})` : sql``}
    ) d
    group by d.dept
    order by d.dept nulls last`.execute(tx)
  const out = rows.map((r) => ({ ...r, returns: 0, return_denied: 0 }))
  const missing: Row[] = []
  for (const c of counted) {
    const key = c.dept === null ? null : String(c.dept)
    const totals = out.find((r) => !r.grouped)!
    totals.returns += c.returns
    totals.return_denied += c.denied
    const group = out.find((r) => r.grouped && r.gkey === key)
    if (group) {
      group.returns = c.returns
      group.return_denied = c.denied
    } else missing.push(returnsOnly(key as string, c.returns, c.denied))
  }
  if (missing.length) {
    const ids = missing.map((m) => Number(m.gkey)).filter((n) => Number.isFinite(n) && n > 0)
    const names = ids.length
      ? await tx.selectFrom('department').select(['id', 'code', 'name_zh', 'name_en']).where('id', 'in', ids).execute()
      : []
    for (const m of missing) {
      const d = names.find((n) => String(n.id) === m.gkey)
      m.g_code = d?.code ?? null
      m.g_name_zh = d?.name_zh ?? null
      m.g_name_en = d?.name_en ?? null
    }
    // In the same order as the query's: by code, the null group last.
    out.push(...missing)
    out.sort((x, y) =>
      x.grouped !== y.grouped
        ? Number(x.grouped) - Number(y.grouped)
        : (x.g_code === null ? 1 : 0) - (y.g_code === null ? 1 : 0) || (x.g_code ?? '').localeCompare(y.g_code ?? ''),
    )
  }
  return out
}
