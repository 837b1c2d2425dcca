import { sql, type RawBuilder } from 'kysely'
import type { Tx } from '../core/db.js'
import type { Input, Output } from '../core/http.js'
import { id, shape, timestamp } from '../core/schemas.js'
import type { RequestContext } from '../core/scope.js'
import {
  count,
  groupLabels,
  lastHandlerJoin,
  nullableText,
  num,
  period,
  rate,
  ratingWeight,
  ratio,
  reportedAreaSchema,
  reportedAreas,
  rootsJoin,
  weighedAreas,
  when,
} from './stats.js'

/*
 * Evaluation by GB/T 30428 (digital city management): the cases **due** in a period, not the cases
 * submitted in it, per department, street, community or worker, with a composite score and a rank.
 *
 * Population (应结案数, dueCases). Cases located in the reported areas' subtrees (the same areas
 * and access rules as /stats/cases: areaId inside the caller's staff scope, else the caller's
 * granted areas; row-level security on top) whose handling deadline handle_due_at lies in
 * [from, to), or that were closed in it (closed_at in [from, to)): a case due earlier and closed
 * late in this period is evaluated here too, as closed but not on time. Left out: merged cases
 * (they count through the case they were merged into) and direct answers (direct_answer: closed by
 * the hotline without dispatch, no handling unit to evaluate; /stats/cases counts them). Rejected
 * cases have neither a handling deadline nor a closing time, so they are never due.
 *
 * Figures, as of now for the period (a case closed after `to` is not closed for this period):
 *   dueCases        the population
 *   shelved         state 'shelved' (挂账 approved by a leader): out of the closure denominators
 *   closed          state 'closed' or 'rated' and closed_at < to (结案数)
 *   closedOnTime    closed, and the final reply came by the handling deadline: replied_at <=
 *                   handle_due_at (moved only by approved extensions) (按期结案数)
 *   closureRate     closed / (dueCases − shelved)                                  结案率
 *   onTimeClosureRate  closedOnTime / (dueCases − shelved)                          按期结案率
 *   reworked        rework_count > 0 (failed verification) or reopen_count > 0;  reworkRate = reworked / dueCases   返工率
 *   extended        extension_count > 0 (an approved extension);  extensionRate = extended / dueCases              延期率
 *   returned        return_count > 0 (a return was asked for on the way, approved or denied);  returnRate = returned / dueCases   退单率
 *   rated, satisfactionRate   as /stats/cases: rating_status 'rated'; weighted satisfaction / rated with
 *                   the reported area's weights
 * Rates: 4 decimals, null when the denominator is 0.
 * Composite score (0–100, 2 decimals rounded half up):
 *   100 × (0.30·onTimeClosureRate + 0.20·closureRate + 0.15·(1 − reworkRate) + 0.10·(1 − returnRate)
 *          + 0.25·satisfactionRate) / (sum of the weights of the terms present)
 * computed from the exact fractions, not the rounded rates. A term whose rate is null (no case
 * assessed, nobody rated) drops out with its weight, so a group is scored on what it has; a group
 * with no term at all has no score. On-time closure weighs most because it is what GB/T 30428's
 * evaluation is built on; satisfaction next because it is the requester's own verdict.
 * Ranked by score (highest first, no score last), then on-time closure, then dueCases; equal
 * scores share a rank (1, 1, 3).
 *
 * Groups: department  cases.department_id (the department that handled, or handles, the case)
 *         street, community  the street or community (area level) above the case's grid
 *         worker      the department handler of the case's latest 'department_accept' or 'reply'
 *                     (as /stats/cases groupBy=worker)
 * Every case falls in exactly one group (null: none), so the groups add up to the totals.
 */

export const evaluationGroupings = ['department', 'street', 'community', 'worker'] as const
export type EvaluationGrouping = (typeof evaluationGroupings)[number]

export const evaluationQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    areaId: id,
    from: when,
    to: when,
    groupBy: { type: 'string', enum: evaluationGroupings },
  },
} as const
export type EvaluationQuery = Input<typeof evaluationQuery>

/** The weights of the composite score. */
export const scoreWeights = {
  onTimeClosureRate: 0.3,
  closureRate: 0.2,
  rework: 0.15,
  return: 0.1,
  satisfactionRate: 0.25,
} as const

export const evaluationDefinitions = {
  population:
    "cases in the reported areas' subtrees with handle_due_at in [from, to) or closed_at in [from, to) (应结案数); merged cases and direct answers left out",
  dueCases: 'cases in the population',
  shelved: "state 'shelved' (挂账): left out of the closure denominators",
  closed: "state 'closed' or 'rated' with closed_at < to (结案数)",
  closedOnTime: 'closed, with the final reply by the handling deadline: replied_at <= handle_due_at (按期结案数)',
  closureRate: '结案率: closed / (dueCases − shelved)',
  onTimeClosureRate: '按期结案率: closedOnTime / (dueCases − shelved)',
  reworked: 'rework_count > 0 (failed verification) or reopen_count > 0',
  reworkRate: '返工率: reworked / dueCases',
  extended: 'extension_count > 0 (an approved extension)',
  extensionRate: '延期率: extended / dueCases',
  returned: 'return_count > 0 (a return asked for on the way, approved or denied)',
  returnRate: '退单率: returned / dueCases',
  rated: "rating_status 'rated'",
  satisfactionRate:
    'weighted satisfaction / rated, with the satisfaction weights of the reported area (as /stats/cases)',
  score:
    '100 × (0.30·onTimeClosureRate + 0.20·closureRate + 0.15·(1 − reworkRate) + 0.10·(1 − returnRate) + 0.25·satisfactionRate) / (the weights of the terms present), from the exact fractions, 2 decimals; a term with a null rate drops out with its weight',
  rank: 'by score (highest first), then onTimeClosureRate, then dueCases; equal scores share a rank',
  rates: 'rounded to 4 decimals; null when the denominator is 0',
  groupDepartment: 'cases.department_id (null: never dispatched)',
  groupStreetCommunity: "the street or community above the case's grid",
  groupWorker: "actor of the case's latest 'department_accept' or 'reply' event (null: none yet)",
} as const

const figureSchemas = {
  dueCases: count,
  shelved: count,
  closed: count,
  closedOnTime: count,
  closureRate: rate,
  onTimeClosureRate: rate,
  reworked: count,
  reworkRate: rate,
  extended: count,
  extensionRate: rate,
  returned: count,
  returnRate: rate,
  rated: count,
  satisfactionRate: rate,
  score: rate,
} as const

export const evaluationSchema = shape({
  from: timestamp,
  to: timestamp,
  timezone: { type: 'string' },
  now: timestamp,
  areas: { type: 'array', items: reportedAreaSchema },
  groupBy: { type: ['string', 'null'], enum: [...evaluationGroupings, null] },
  scoreWeights: shape(Object.fromEntries(Object.keys(scoreWeights).map((k) => [k, { type: 'number' }] as const))),
  totals: shape(figureSchemas),
  groups: {
    type: 'array',
    items: shape({
      rank: { type: ['integer', 'null'] },
      key: { type: ['integer', 'null'], description: 'The id of the department, street, community or worker' },
      code: nullableText,
      nameZh: nullableText,
      nameEn: nullableText,
      ...figureSchemas,
    }),
  },
  definitions: shape(
    Object.fromEntries(Object.keys(evaluationDefinitions).map((k) => [k, { type: 'string' }] as const)),
  ),
})

type Evaluation = Output<typeof evaluationSchema>
type Figures = Evaluation['totals']

interface Row {
  grouped: boolean
  gkey: string | null
  g_code: string | null
  g_name_zh: string | null
  g_name_en: string | null
  due_cases: number
  shelved: number
  closed: number
  closed_on_time: number
  reworked: number
  extended: number
  returned: number
  rated: number
  weighted: number | string
  closure_rate: number | string | null
  on_time_closure_rate: number | string | null
  rework_rate: number | string | null
  extension_rate: number | string | null
  return_rate: number | string | null
  satisfaction_rate: number | string | null
}

/** The composite score from the exact fractions; terms without a denominator drop out. */
export function compositeScore(r: {
  dueCases: number
  shelved: number
  closed: number
  closedOnTime: number
  reworked: number
  returned: number
  rated: number
  weighted: number
}): number | null {
  const assessed = r.dueCases - r.shelved
  const terms: [number, number | null][] = [
    [scoreWeights.onTimeClosureRate, assessed > 0 ? r.closedOnTime / assessed : null],
    [scoreWeights.closureRate, assessed > 0 ? r.closed / assessed : null],
    [scoreWeights.rework, r.dueCases > 0 ? 1 - r.reworked / r.dueCases : null],
    [scoreWeights.return, r.dueCases > 0 ? 1 - r.returned / r.dueCases : null],
    [scoreWeights.satisfactionRate, r.rated > 0 ? r.weighted / r.rated : null],
  ]
  const present = terms.filter((t): t is [number, number] => t[1] !== null)
  if (present.length === 0) return null
  const weight = present.reduce((s, [w]) => s + w, 0)
  const value = present.reduce((s, [w, x]) => s + w * x, 0)
  // Half up: a tiny nudge so that an exact .xx5 computed as .xx4999… still rounds up.
  return Math.round((10000 * value) / weight + 1e-6) / 100
}

const figures = (r: Row): Figures => ({
  dueCases: r.due_cases,
  shelved: r.shelved,
  closed: r.closed,
  closedOnTime: r.closed_on_time,
  closureRate: num(r.closure_rate),
  onTimeClosureRate: num(r.on_time_closure_rate),
  reworked: r.reworked,
  reworkRate: num(r.rework_rate),
  extended: r.extended,
  extensionRate: num(r.extension_rate),
  returned: r.returned,
  returnRate: num(r.return_rate),
  rated: r.rated,
  satisfactionRate: num(r.satisfaction_rate),
  score: compositeScore({
    dueCases: r.due_cases,
    shelved: r.shelved,
    closed: r.closed,
    closedOnTime: r.closed_on_time,
    reworked: r.reworked,
    returned: r.returned,
    rated: r.rated,
    weighted: Number(r.weighted),
  }),
})

export async function caseEvaluation(tx: Tx, ctx: RequestContext, q: EvaluationQuery, now: Date): Promise<Evaluation> {
  const roots = await reportedAreas(tx, ctx, q.areaId)
  const zone = roots[0]?.timezone ?? 'Asia/Shanghai'
  const { from, to } = period(q, zone, now)
  const areas = await weighedAreas(tx, roots)
  const g = q.groupBy

  const level = (lvl: 'street' | 'community') =>
    sql`(select s.id from area s where s.level = ${lvl} and a.path like s.path || '%')::text`
  const keyExpr: Record<EvaluationGrouping, RawBuilder<unknown>> = {
    department: sql`c.department_id::text`,
    street: level('street'),
    community: level('community'),
    worker: sql`wk.actor_id::text`,
  }
  const worker = g === 'worker' ? lastHandlerJoin : sql``
  const labels = groupLabels(g === 'department' ? 'department' : g === 'street' || g === 'community' ? 'area' : null)

  const { rows } = await sql<Row>`
    with scoped as (
      select c.state, c.closed_at, c.replied_at, c.handle_due_at, c.rework_count, c.reopen_count, c.extension_count,
             c.return_count, c.rating_status,
             ${ratingWeight} as weight,
             ${g ? keyExpr[g] : sql`null::text`} as gkey,
             ${g === 'worker' ? sql`wk.actor_name` : sql`null::text`} as gname,
             ${g === 'worker' ? sql`wk.at` : sql`null::timestamptz`} as gat
      from cases c
      join area a on a.id = c.area_id
      ${rootsJoin(areas)}
      ${worker}
      where c.state <> 'merged' and not c.direct_answer
        and ((c.handle_due_at >= ${from} and c.handle_due_at < ${to}) or (c.closed_at >= ${from} and c.closed_at < ${to}))
    ),
    agg as (
      select ${g ? sql`grouping(gkey) = 0 as grouped, gkey` : sql`false as grouped, null::text as gkey`},
             (array_agg(gname order by gat desc nulls last))[1] as gname,
             count(*)::int as due_cases,
             count(*) filter (where state = 'shelved')::int as shelved,
             count(*) filter (where state in ('closed', 'rated') and closed_at < ${to})::int as closed,
             count(*) filter (where state in ('closed', 'rated') and closed_at < ${to} and replied_at <= handle_due_at)::int as closed_on_time,
             count(*) filter (where rework_count > 0 or reopen_count > 0)::int as reworked,
             count(*) filter (where extension_count > 0)::int as extended,
             count(*) filter (where return_count > 0)::int as returned,
             count(*) filter (where rating_status = 'rated')::int as rated,
             coalesce(sum(weight), 0) as weighted
      from scoped
      group by ${g ? sql`grouping sets ((), (gkey))` : sql`()`}
    )
    select agg.grouped, agg.gkey, agg.due_cases, agg.shelved, agg.closed, agg.closed_on_time, agg.reworked,
           agg.extended, agg.returned, agg.rated, agg.weighted, ${labels},
           ${ratio(sql`closed`, sql`due_cases - shelved`)} as closure_rate,
           ${ratio(sql`closed_on_time`, sql`due_cases - shelved`)} as on_time_closure_rate,
           ${ratio(sql`reworked`, sql`due_cases`)} as rework_rate,
           ${ratio(sql`extended`, sql`due_cases`)} as extension_rate,
           ${ratio(sql`returned`, sql`due_cases`)} as return_rate,
           ${ratio(sql`weighted`, sql`rated`)} as satisfaction_rate
    from agg
    order by grouped, g_code nulls last, g_name_zh nulls last, gkey nulls last`.execute(tx)

  // Without any case the aggregate still answers its totals row (group by ()), with zeros.
  const totalsRow = rows.find((r) => !r.grouped)!
  const groups = rows
    .filter((r) => r.grouped)
    .map((r) => ({
      rank: null as number | null,
      key: r.gkey === null ? null : Number(r.gkey),
      code: r.g_code,
      nameZh: r.g_name_zh,
      nameEn: r.g_name_en,
      ...figures(r),
    }))
  // Stable sort on the query's order (code, name, key) as the last tie-break.
  groups.sort(
    (x, y) =>
      (y.score ?? -1) - (x.score ?? -1) ||
      (y.onTimeClosureRate ?? -1) - (x.onTimeClosureRate ?? -1) ||
      y.dueCases - x.dueCases,
  )
  groups.forEach((gr, i) => {
    if (gr.score === null) return
    const prev = groups[i - 1]
    gr.rank = prev && prev.score === gr.score ? prev.rank : i + 1
  })

  return {
    from: from.toISOString(),
    to: to.toISOString(),
    timezone: zone,
    now: now.toISOString(),
    areas,
    groupBy: g ?? null,
    scoreWeights,
    totals: figures(totalsRow),
    groups,
    definitions: evaluationDefinitions,
  }
}
