import { sql } from 'kysely'
import { recordAudit } from '../audit/service.js'
import type { Tx } from '../core/db.js'
import { AppError, notFound } from '../core/errors.js'
import type { Input, Output } from '../core/http.js'
import { date as anyDate, id, shape } from '../core/schemas.js'
import { holds, type RequestContext, requireActor } from '../core/scope.js'
import { areaRefSchema } from '../jurisdiction/service.js'
import type { SurveySheet } from '../participation/survey-results.js'
import { learnerRoles, trainingKeepers } from './common.js'

// Completion records for the keepers over an area: the figures of the area and of each child
// area, each also per role (the feed of the assessment KPIs, issue 16), and the street's export of
// every enrolment. Exact SQL over training_enrolment; a period counts the enrolments assigned in it.

const date = { ...anyDate, pattern: '^(19|20)\\d{2}-\\d{2}-\\d{2}$' } as const

export const statsQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    areaId: { ...id, description: 'Default: the area of the caller’s widest keeper grant' },
    from: { ...date, description: 'Enrolments assigned on or after this day (Beijing time); default: all' },
    to: { ...date, description: 'Enrolments assigned on or before this day; default: all' },
  },
} as const
export type StatsQuery = Input<typeof statsQuery>

const int = { type: 'integer' } as const
export const figuresSchema = shape({
  enrolled: { type: 'integer', description: 'Enrolments (withdrawn ones not counted)' },
  completed: int,
  completedOnTime: { type: 'integer', description: 'Completed by the deadline (or without one)' },
  late: { type: 'integer', description: 'Completed after the deadline' },
  overdue: { type: 'integer', description: 'Open past the deadline now' },
  open: { type: 'integer', description: 'Assigned or in progress' },
  completionRate: { type: ['number', 'null'], description: 'completed / enrolled, percent with one decimal' },
  onTimeRate: { type: ['number', 'null'], description: 'completedOnTime / enrolled, percent with one decimal' },
  averageBestScore: { type: ['number', 'null'], description: 'Mean best quiz score of those with one' },
})
export type Figures = Output<typeof figuresSchema>

const byRole = {
  type: 'array',
  items: shape({ role: { type: 'string', enum: learnerRoles }, figures: figuresSchema }),
} as const
const areaFigures = shape({
  area: shape({ ...areaRefSchema.properties, level: { type: 'string' } }),
  figures: figuresSchema,
  roles: byRole,
})
export const statsSchema = shape({
  from: { type: ['string', 'null'], format: 'date' },
  to: { type: ['string', 'null'], format: 'date' },
  ...areaFigures.properties,
  children: { type: 'array', items: areaFigures },
})
export type TrainingStats = Output<typeof statsSchema>

export interface StatsScope {
  areaId: number
  path: string
  from: string | null
  to: string | null
}

async function keptArea(tx: Tx, ctx: RequestContext, areaId: number | undefined) {
  const actor = requireActor(ctx)
  let target = areaId
  if (target === undefined) {
    const widest = actor.grants
      .filter((g) => trainingKeepers.includes(g.role))
      .sort((a, b) => a.path.length - b.path.length)[0]
    if (!widest) throw new AppError('FORBIDDEN', 'training records are for the keepers of an area')
    target = widest.areaId
  }
  const a = await tx
    .selectFrom('area')
    .select(['id', 'path', 'code', 'name_zh', 'name_en'])
    .where('id', '=', target)
    .executeTakeFirst()
  if (!a) throw notFound('AREA_NOT_FOUND', `area ${target}`, 'areaId')
  if (!holds(actor, trainingKeepers, a.path))
    throw new AppError('FORBIDDEN', 'training records of an area are for the keepers over it')
  return a
}

export async function authoriseStats(tx: Tx, ctx: RequestContext, q: StatsQuery): Promise<StatsScope> {
  const a = await keptArea(tx, ctx, q.areaId)
  const from = q.from ?? null
  const to = q.to ?? null
  if (from && to && from > to) throw new AppError('VALIDATION_FAILED', 'the period ends before it begins', 'to')
  return { areaId: a.id, path: a.path, from, to }
}

type Counts = {
  enrolled: number | string
  completed: number | string
  on_time: number | string
  late: number | string
  overdue: number | string
  open: number | string
  average: number | string | null
}

const rate = (part: number, whole: number) => (whole === 0 ? null : Math.round((part * 1000) / whole) / 10)
const figures = (c: Counts | undefined): Figures => {
  const enrolled = Number(c?.enrolled ?? 0)
  const completed = Number(c?.completed ?? 0)
  const onTime = Number(c?.on_time ?? 0)
  return {
    enrolled,
    completed,
    completedOnTime: onTime,
    late: Number(c?.late ?? 0),
    overdue: Number(c?.overdue ?? 0),
    open: Number(c?.open ?? 0),
    completionRate: rate(completed, enrolled),
    onTimeRate: rate(onTime, enrolled),
    averageBestScore: c?.average === null || c?.average === undefined ? null : Math.round(Number(c.average) * 10) / 10,
  }
}

/**
 * The figures of the area and each child, overall and per role, in one statement: every
 * non-withdrawn enrolment of the subtree (assigned in the period) is counted under the child
 * whose branch holds the learner's area (an enrolment on the area itself counts only in the total).
 */
export async function trainingStats(tx: Tx, scope: StatsScope, now: Date): Promise<TrainingStats> {
  const fromTs = scope.from ? new Date(`${scope.from}T00:00:00+08:00`) : null
  const toTs = scope.to ? new Date(new Date(`${scope.to}T00:00:00+08:00`).getTime() + 86_400_000) : null
  const { rows } = await sql<Counts & { child: number | null; role: string | null; g: number | string }>`
    with areas as (
      select c.id, c.path from area c where c.parent_id = ${scope.areaId}
    ), e as (
      select e.*, (select ar.id from areas ar where a.path like ar.path || '%') as child
      from training_enrolment e join area a on a.id = e.area_id
      where a.path like ${`${scope.path}%`} and e.status <> 'withdrawn'
        and (${fromTs}::timestamptz is null or e.assigned_at >= ${fromTs}::timestamptz)
        and (${toTs}::timestamptz is null or e.assigned_at < ${toTs}::timestamptz)
    )
    select child, role, grouping(child, role) as g,
           count(*) as enrolled,
           count(*) filter (where status = 'completed') as completed,
           count(*) filter (where status = 'completed' and not late) as on_time,
           count(*) filter (where status = 'completed' and late) as late,
           count(*) filter (where status in ('assigned', 'in_progress') and due_at < ${now}::timestamptz) as overdue,
           count(*) filter (where status in ('assigned', 'in_progress')) as open,
           avg(best_score) as average
    from e
    group by grouping sets ((), (role), (child), (child, role))`.execute(tx)
  const area = await tx
    .selectFrom('area')
    .select(['id', 'code', 'name_zh', 'name_en', 'level'])
    .where('id', '=', scope.areaId)
    .executeTakeFirstOrThrow()
  const children = await tx
    .selectFrom('area')
    .select(['id', 'code', 'name_zh', 'name_en', 'level'])
    .where('parent_id', '=', scope.areaId)
    .orderBy('code')
    .execute()
  // grouping sets give NULL for the columns not grouped; grouping() tells those from the NULL
  // child of enrolments on the area itself, which count in the totals only.
  const key = (child: number | null, role: string | null) => `${child ?? '-'}:${role ?? '-'}`
  const found = new Map<string, Counts>()
  for (const r of rows) {
    const g = Number(r.g)
    if (g === 3) found.set(key(null, null), r)
    else if (g === 2) found.set(key(null, r.role), r)
    else if (r.child !== null) found.set(key(r.child, g === 1 ? null : r.role), r)
  }
  const rolesOf = (child: number | null) =>
    learnerRoles
      .map((role) => ({ role, figures: figures(found.get(key(child, role))) }))
      .filter((r) => r.figures.enrolled > 0)
  const ref = (a: typeof area) => ({ id: a.id, code: a.code, nameZh: a.name_zh, nameEn: a.name_en, level: a.level })
  return {
    from: scope.from,
    to: scope.to,
    area: ref(area),
    figures: figures(found.get(key(null, null))),
    roles: rolesOf(null),
    children: children.map((c) => ({
      area: ref(c),
      figures: figures(found.get(key(c.id, null))),
      roles: rolesOf(c.id),
    })),
  }
}

// ── Export ───────────────────────────────────────────────────────────────────────────────────

export const exportQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    areaId: { ...id, description: 'Default: the area of the caller’s widest keeper grant' },
    format: { type: 'string', enum: ['csv', 'xlsx'], default: 'csv' },
  },
} as const
export type ExportQuery = Input<typeof exportQuery>

/** Every enrolment of the area's subtree (withdrawn ones too), as rows for CSV or XLSX; audited. */
export async function recordsSheet(tx: Tx, ctx: RequestContext, q: ExportQuery, now: Date): Promise<SurveySheet> {
  const a = await keptArea(tx, ctx, q.areaId)
  const rows = await tx
    .selectFrom('training_enrolment as e')
    .innerJoin('training_course as c', 'c.id', 'e.course_id')
    .innerJoin('area as a', 'a.id', 'e.area_id')
    .leftJoin('app_user as u', 'u.id', 'e.user_id')
    .select([
      'e.id',
      'u.display_name',
      'u.username',
      'e.role',
      'a.name_zh',
      'c.title',
      'e.status',
      'e.assigned_at',
      'e.due_at',
      'e.completed_at',
      'e.best_score',
      'e.late',
      'e.certificate_no',
    ])
    .where('a.path', 'like', `${a.path}%`)
    .orderBy('a.path')
    .orderBy('e.id')
    .limit(100_000)
    .execute()
  const header = [
    '学员 Learner',
    '账号 Username',
    '角色 Role',
    '区域 Area',
    '课程 Course',
    '状态 Status',
    '分配 Assigned',
    '截止 Due',
    '完成 Completed',
    '最高分 Best score',
    '逾期 Late',
    '逾期未完成 Overdue',
    '证书编号 Certificate',
  ]
  const out = rows.map((r) => [
    r.display_name ?? `#${r.id}`,
    r.username ?? '',
    r.role,
    r.name_zh,
    r.title,
    r.status,
    new Date(r.assigned_at),
    r.due_at === null ? null : new Date(r.due_at),
    r.completed_at === null ? null : new Date(r.completed_at),
    r.best_score,
    r.late ? '是 yes' : '',
    (r.status === 'assigned' || r.status === 'in_progress') && r.due_at !== null && new Date(r.due_at) < now
      ? '是 yes'
      : '',
    r.certificate_no ?? '',
  ])
  await recordAudit(tx, ctx, {
    action: 'training.records.export',
    entityType: 'area',
    entityId: a.id,
    areaId: a.id,
    detail: { format: q.format ?? 'csv', rows: out.length },
  })
  return { title: `培训记录 ${a.name_zh}`, header, rows: out }
}
