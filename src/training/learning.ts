import { sql } from 'kysely'
import { recordAudit } from '../audit/service.js'
import { notify } from '../cases/notify.js'
import type { Tx } from '../core/db.js'
import { AppError, notFound } from '../core/errors.js'
import type { Input, Output } from '../core/http.js'
import { offsetOf, pageQuerySchema, paginate } from '../core/paging.js'
import { body, id, nullable, shape, timestamp } from '../core/schemas.js'
import { type RequestContext, requireActor, type Role } from '../core/scope.js'
import { areaRef, areaRefSchema } from '../jurisdiction/service.js'
import { type courseTopics, enrolmentStatuses, learnerRoles, trainingKeepers, requireTrainingKeeper } from './common.js'

// Who must learn what: assignment rules (a course for a role on an area and below, with days to
// finish — every holder now and every later grant is enrolled, the latter by the trigger of
// migration 0072), enrolments by hand, and the lists of enrolments for the learner and for the
// keepers who follow them. Keepers act over the area (checked here for a clear 403); row-level
// security confines every statement again.

const DAY = 86_400_000

// ── Schemas ───────────────────────────────────────────────────────────────────────────────────

export const ruleQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    ...pageQuerySchema,
    courseId: id,
    areaId: { ...id, description: 'Rules reaching this area (on it or above) and rules of the areas below it' },
  },
} as const
export type RuleQuery = Input<typeof ruleQuery>

export const newRuleBody = body(['courseId', 'areaId', 'role', 'dueDays'], {
  courseId: { ...id, description: 'A published course the caller reads, of the area or above it' },
  areaId: { ...id, description: 'Everyone holding the role here or below is enrolled' },
  role: { type: 'string', enum: learnerRoles },
  dueDays: { type: 'integer', minimum: 1, maximum: 365, description: 'Days to finish from enrolment' },
})
export type NewRule = Input<typeof newRuleBody>

export const rulePatchBody = body(['active'], {
  active: { type: 'boolean', description: 'false: no later grant is enrolled (enrolments made stay)' },
})

const courseRefSchema = shape({ id: { type: 'integer' }, title: { type: 'string' }, topic: { type: 'string' } })

export const ruleSchema = shape({
  id: { type: 'integer' },
  course: courseRefSchema,
  area: areaRefSchema,
  role: { type: 'string', enum: learnerRoles },
  dueDays: { type: 'integer' },
  active: { type: 'boolean' },
  enrolled: { type: 'integer', description: 'Enrolments made by the rule' },
  createdAt: timestamp,
})
export type RuleView = Output<typeof ruleSchema>

export const newRuleResultSchema = shape({
  rule: ruleSchema,
  enrolled: { type: 'integer', description: 'Holders of the role enrolled now (those already on the course are kept)' },
})

export const newEnrolmentsBody = body(['courseId', 'userIds', 'dueAt'], {
  courseId: id,
  userIds: {
    type: 'array',
    minItems: 1,
    maxItems: 200,
    uniqueItems: true,
    items: id,
    description: 'Users holding a staff role in an area the caller keeps',
  },
  dueAt: { ...timestamp, description: 'The deadline (in the future)' },
})
export type NewEnrolments = Input<typeof newEnrolmentsBody>

export const newEnrolmentsResultSchema = shape({
  enrolled: { type: 'array', items: { type: 'integer' }, description: 'Ids of the enrolments made' },
  alreadyEnrolled: {
    type: 'array',
    items: { type: 'integer' },
    description: 'Users already on the course: their enrolment is kept as it is',
  },
})

export const enrolmentQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    ...pageQuerySchema,
    mine: { type: 'boolean', description: 'Only the caller’s own enrolments' },
    areaId: { ...id, description: 'Learners enrolled in this area’s subtree (keepers over it)' },
    courseId: id,
    role: { type: 'string', enum: learnerRoles },
    status: { type: 'string', enum: enrolmentStatuses },
    overdue: { type: 'boolean', description: 'true: open past the deadline; false: not' },
  },
} as const
export type EnrolmentQuery = Input<typeof enrolmentQuery>

export const enrolmentSchema = shape({
  id: { type: 'integer' },
  course: shape({ ...courseRefSchema.properties, passMark: { type: 'integer' }, minutes: nullable('integer') }),
  learner: shape({ id: { type: 'integer' }, name: nullable('string') }),
  area: areaRefSchema,
  role: { type: 'string', enum: learnerRoles },
  ruleId: nullable('integer'),
  status: { type: 'string', enum: enrolmentStatuses },
  assignedAt: timestamp,
  dueAt: { type: ['string', 'null'], format: 'date-time' },
  startedAt: { type: ['string', 'null'], format: 'date-time' },
  completedAt: { type: ['string', 'null'], format: 'date-time' },
  overdue: { type: 'boolean', description: 'Open past the deadline' },
  late: { type: 'boolean', description: 'Completed after the deadline' },
  bestScore: nullable('integer'),
  lessons: { type: 'integer' },
  lessonsDone: { type: 'integer' },
  questions: { type: 'integer' },
  certificateNo: nullable('string'),
  mine: { type: 'boolean', description: 'The caller is the learner' },
  version: { type: 'integer' },
})
export type EnrolmentView = Output<typeof enrolmentSchema>

// ── Helpers ───────────────────────────────────────────────────────────────────────────────────

async function loadArea(tx: Tx, areaId: number, field = 'areaId') {
  const a = await tx.selectFrom('area').select(['id', 'path']).where('id', '=', areaId).executeTakeFirst()
  if (!a) throw notFound('AREA_NOT_FOUND', `area ${areaId}`, field)
  return a
}

export const requireKeeper = (ctx: RequestContext, path: string) =>
  requireTrainingKeeper(ctx, path, 'assigning and following training is for the keepers over the area')

/** A published course the caller reads, whose area is at or above `path` (so its learners read it too). */
async function assignableCourse(tx: Tx, courseId: number, path: string) {
  const c = await tx
    .selectFrom('training_course as c')
    .innerJoin('area as a', 'a.id', 'c.area_id')
    .select(['c.id', 'c.title', 'c.status', 'a.path'])
    .where('c.id', '=', courseId)
    .executeTakeFirst()
  if (!c) throw notFound('TRAINING_COURSE_NOT_FOUND', `course ${courseId}`, 'courseId')
  if (c.status !== 'published')
    throw new AppError('TRAINING_ENROLMENT_INVALID', 'only a published course is assigned', 'courseId')
  if (!path.startsWith(c.path))
    throw new AppError(
      'TRAINING_ENROLMENT_INVALID',
      'the course belongs to another branch: its learners there would not read it',
      'courseId',
    )
  return c
}

/** Tells each new learner of their course (the inbox). */
export async function tellAssigned(
  tx: Tx,
  rows: { id: number; user_id: number; due_at: Date | string | null }[],
  course: { id: number; title: string },
  now: Date,
) {
  for (const r of rows)
    await notify(tx, [r.user_id], {
      kind: 'training_assigned',
      caseId: null,
      params: {
        enrolmentId: r.id,
        courseId: course.id,
        title: course.title,
        dueAt: r.due_at === null ? null : new Date(r.due_at).toISOString(),
      },
      at: now,
    })
}

// ── Rules ─────────────────────────────────────────────────────────────────────────────────────

type RuleRow = {
  id: number
  course_id: number
  course_title: string
  course_topic: string
  area_id: number
  area_code: string
  area_name_zh: string
  area_name_en: string
  role: Role
  due_days: number
  active: boolean
  created_at: Date | string
  enrolled: number | string
}

const ruleView = (r: RuleRow): RuleView => ({
  id: r.id,
  course: { id: r.course_id, title: r.course_title, topic: r.course_topic },
  area: areaRef(r),
  role: r.role as RuleView['role'],
  dueDays: r.due_days,
  active: r.active,
  enrolled: Number(r.enrolled),
  createdAt: new Date(r.created_at).toISOString(),
})

function rulesQuery(tx: Tx) {
  return tx
    .selectFrom('training_rule as r')
    .innerJoin('training_course as c', 'c.id', 'r.course_id')
    .innerJoin('area as a', 'a.id', 'r.area_id')
    .select([
      'r.id',
      'r.course_id',
      'c.title as course_title',
      'c.topic as course_topic',
      'r.area_id',
      'a.code as area_code',
      'a.name_zh as area_name_zh',
      'a.name_en as area_name_en',
      'r.role',
      'r.due_days',
      'r.active',
      'r.created_at',
      sql<number>`(select count(*) from training_enrolment e where e.rule_id = r.id)`.as('enrolled'),
    ])
}

export async function listRules(tx: Tx, ctx: RequestContext, q: RuleQuery) {
  requireActor(ctx)
  const page = { page: q.page ?? 1, pageSize: q.pageSize ?? 50 }
  let query = rulesQuery(tx)
  if (q.courseId !== undefined) query = query.where('r.course_id', '=', q.courseId)
  if (q.areaId !== undefined) {
    // The rules that reach the area (on it or above) and those of the areas below it.
    const a = await loadArea(tx, q.areaId)
    query = query.where((e) =>
      e.or([e('a.path', 'like', `${a.path}%`), e(sql.val(a.path), 'like', sql<string>`a.path || '%'`)]),
    )
  }
  const rows = (await query
    .orderBy('r.id', 'desc')
    .limit(page.pageSize)
    .offset(offsetOf(page))
    .execute()) as unknown as RuleRow[]
  let counted = query.clearSelect().select(sql<number>`count(*)`.as('n'))
  counted = counted.clearOrderBy()
  const total = Number((await counted.executeTakeFirstOrThrow()).n)
  return paginate(page, rows.map(ruleView), total)
}

async function ruleById(tx: Tx, ruleId: number): Promise<RuleView> {
  const r = (await rulesQuery(tx).where('r.id', '=', ruleId).executeTakeFirst()) as RuleRow | undefined
  if (!r) throw notFound('TRAINING_RULE_NOT_FOUND', `rule ${ruleId}`)
  return ruleView(r)
}

export async function createRule(tx: Tx, ctx: RequestContext, input: NewRule, now: Date) {
  const area = await loadArea(tx, input.areaId)
  const actor = requireKeeper(ctx, area.path)
  const course = await assignableCourse(tx, input.courseId, area.path)
  const made = await tx
    .insertInto('training_rule')
    .values({
      course_id: course.id,
      area_id: area.id,
      role: input.role,
      due_days: input.dueDays,
      created_by: actor.userId,
      created_at: now,
    })
    .onConflict((oc) => oc.columns(['course_id', 'area_id', 'role']).doNothing())
    .returning('id')
    .executeTakeFirst()
  if (!made)
    throw new AppError('CONFLICT', 'the course already has a rule for this role on this area', 'role', {}, null)
  // Every active holder of the role on the area or below now; one enrolment per user (their first
  // such grant's area), those already on the course kept as they are.
  // Neither RETURNING nor ON CONFLICT: both check the new rows against the read policy, whose set
  // does not see rows of the same statement. Those already on the course (as far as the keeper
  // reads, which is their area) are left out instead.
  await sql`
    insert into training_enrolment (course_id, user_id, area_id, role, rule_id, assigned_by, assigned_at, due_at)
    select distinct on (g.user_id) ${course.id}::bigint, g.user_id, g.area_id, g.role, ${made.id}::bigint,
           ${actor.userId}::integer, ${now}::timestamptz, ${now}::timestamptz + make_interval(days => ${input.dueDays}::integer)
    from role_grant g
    join area a on a.id = g.area_id
    join app_user u on u.id = g.user_id and u.status = 'active'
    where g.role = ${input.role} and a.path like ${`${area.path}%`}
      and not exists (select 1 from training_enrolment e where e.course_id = ${course.id} and e.user_id = g.user_id)
    order by g.user_id, g.id`.execute(tx)
  const rows = await tx
    .selectFrom('training_enrolment')
    .select(['id', 'user_id', 'due_at'])
    .where('rule_id', '=', made.id)
    .orderBy('id')
    .execute()
  await tellAssigned(tx, rows, course, now)
  await recordAudit(tx, ctx, {
    action: 'training.rule.create',
    entityType: 'training_rule',
    entityId: made.id,
    areaId: area.id,
    detail: { courseId: course.id, role: input.role, dueDays: input.dueDays, enrolled: rows.length },
  })
  return { rule: await ruleById(tx, made.id), enrolled: rows.length }
}

export async function updateRule(tx: Tx, ctx: RequestContext, ruleId: number, input: { active: boolean }) {
  const r = await tx
    .selectFrom('training_rule as r')
    .innerJoin('area as a', 'a.id', 'r.area_id')
    .select(['r.id', 'r.area_id', 'r.active', 'a.path'])
    .where('r.id', '=', ruleId)
    .executeTakeFirst()
  if (!r) throw notFound('TRAINING_RULE_NOT_FOUND', `rule ${ruleId}`)
  requireKeeper(ctx, r.path)
  if (r.active !== input.active) {
    await tx.updateTable('training_rule').set({ active: input.active }).where('id', '=', ruleId).execute()
    await recordAudit(tx, ctx, {
      action: input.active ? 'training.rule.activate' : 'training.rule.deactivate',
      entityType: 'training_rule',
      entityId: ruleId,
      areaId: r.area_id,
    })
  }
  return ruleById(tx, ruleId)
}

// ── Enrolments by hand ────────────────────────────────────────────────────────────────────────

export async function enrolByHand(tx: Tx, ctx: RequestContext, input: NewEnrolments, now: Date) {
  const actor = requireActor(ctx)
  const keeperPaths = actor.grants.filter((g) => trainingKeepers.includes(g.role)).map((g) => g.path)
  if (keeperPaths.length === 0) throw new AppError('FORBIDDEN', 'assigning training is for the keepers')
  const dueAt = new Date(input.dueAt)
  if (!(dueAt.getTime() > now.getTime()))
    throw new AppError('TRAINING_ENROLMENT_INVALID', 'the deadline must be in the future', 'dueAt')
  if (dueAt.getTime() - now.getTime() > 3 * 365 * DAY)
    throw new AppError('TRAINING_ENROLMENT_INVALID', 'the deadline is more than three years away', 'dueAt')
  // Each user's staff grants in areas the caller keeps: the first (narrowest area first is not
  // needed; the grant's own area is where the learner is counted).
  const grants = await tx
    .selectFrom('role_grant as g')
    .innerJoin('area as a', 'a.id', 'g.area_id')
    .innerJoin('app_user as u', 'u.id', 'g.user_id')
    .select(['g.user_id', 'g.area_id', 'g.role', 'a.path'])
    .where('g.user_id', 'in', input.userIds)
    .where('g.role', 'in', learnerRoles)
    .where('u.status', '=', 'active')
    .orderBy('g.id')
    .execute()
  const chosen = new Map<number, (typeof grants)[number]>()
  for (const g of grants)
    if (!chosen.has(g.user_id) && keeperPaths.some((p) => g.path.startsWith(p))) chosen.set(g.user_id, g)
  const invalidUsers = input.userIds.filter((u) => !chosen.has(u))
  if (invalidUsers.length > 0)
    throw new AppError(
      'TRAINING_ENROLMENT_INVALID',
      `users ${invalidUsers.join(', ')} hold no staff role in an area you keep`,
      'userIds',
      {},
      { userIds: invalidUsers },
    )
  // The course must reach every learner's area (it is at or above each of them).
  for (const g of chosen.values()) await assignableCourse(tx, input.courseId, g.path)
  const course = await assignableCourse(tx, input.courseId, [...chosen.values()][0]!.path)
  // Those already on the course are kept; the new rows are read back after (no RETURNING: the
  // read policy's set does not see rows of the same statement).
  const onCourse = () =>
    tx
      .selectFrom('training_enrolment')
      .select(['id', 'user_id', 'due_at'])
      .where('course_id', '=', course.id)
      .where('user_id', 'in', [...chosen.keys()])
      .execute()
  const existing = await onCourse()
  const before = new Set(existing.map((r) => r.id))
  const onItAlready = new Set(existing.map((r) => r.user_id))
  const fresh = [...chosen.values()].filter((g) => !onItAlready.has(g.user_id))
  if (fresh.length > 0)
    await tx
      .insertInto('training_enrolment')
      .values(
        fresh.map((g) => ({
          course_id: course.id,
          user_id: g.user_id,
          area_id: g.area_id,
          // The district: the second id of the area's path (/city/district/…), as the trigger would.
          district_id: Number(g.path.split('/')[2]) || g.area_id,
          role: g.role,
          assigned_by: actor.userId,
          assigned_at: now,
          due_at: dueAt,
        })),
      )
      .execute()
  const made = (await onCourse()).filter((r) => !before.has(r.id))
  const madeUsers = new Set(made.map((m) => m.user_id))
  await tellAssigned(tx, made, course, now)
  await recordAudit(tx, ctx, {
    action: 'training.enrol',
    entityType: 'training_course',
    entityId: course.id,
    detail: { users: made.map((m) => m.user_id), dueAt: dueAt.toISOString() },
  })
  return {
    enrolled: made.map((m) => m.id).sort((a, b) => a - b),
    alreadyEnrolled: input.userIds.filter((u) => !madeUsers.has(u)),
  }
}

// ── Lists ─────────────────────────────────────────────────────────────────────────────────────

export function enrolmentsQuery(tx: Tx, now: Date) {
  return tx
    .selectFrom('training_enrolment as e')
    .innerJoin('training_course as c', 'c.id', 'e.course_id')
    .innerJoin('area as a', 'a.id', 'e.area_id')
    .leftJoin('app_user as u', 'u.id', 'e.user_id')
    .select([
      'e.id',
      'e.course_id',
      'c.title as course_title',
      'c.topic as course_topic',
      'c.pass_mark',
      'c.minutes',
      'e.user_id',
      'u.display_name',
      'e.area_id',
      'a.code as area_code',
      'a.name_zh as area_name_zh',
      'a.name_en as area_name_en',
      'e.role',
      'e.rule_id',
      'e.status',
      'e.assigned_at',
      'e.due_at',
      'e.started_at',
      'e.completed_at',
      'e.best_score',
      'e.late',
      'e.certificate_no',
      'e.version',
      sql<boolean>`(e.status in ('assigned', 'in_progress') and e.due_at < ${now}::timestamptz)`.as('overdue'),
      sql<number>`(select count(*) from training_lesson l where l.course_id = e.course_id)`.as('lessons'),
      sql<number>`(select count(*) from training_lesson_done d join training_lesson l on l.id = d.lesson_id where d.enrolment_id = e.id)`.as(
        'lessons_done',
      ),
      sql<number>`(select count(*) from training_question q where q.course_id = e.course_id)`.as('questions'),
    ])
}
type EnrolmentRow = Awaited<ReturnType<ReturnType<typeof enrolmentsQuery>['executeTakeFirstOrThrow']>>

const iso = (d: Date | string | null) => (d === null ? null : new Date(d).toISOString())

export const enrolmentView = (r: EnrolmentRow, ctx: RequestContext): EnrolmentView => ({
  id: r.id,
  course: {
    id: r.course_id,
    title: r.course_title,
    topic: r.course_topic as (typeof courseTopics)[number],
    passMark: r.pass_mark,
    minutes: r.minutes,
  },
  learner: { id: r.user_id, name: r.display_name ?? null },
  area: areaRef(r),
  role: r.role as EnrolmentView['role'],
  ruleId: r.rule_id,
  status: r.status as EnrolmentView['status'],
  assignedAt: iso(r.assigned_at)!,
  dueAt: iso(r.due_at),
  startedAt: iso(r.started_at),
  completedAt: iso(r.completed_at),
  overdue: !!r.overdue,
  late: r.late,
  bestScore: r.best_score,
  lessons: Number(r.lessons),
  lessonsDone: Number(r.lessons_done),
  questions: Number(r.questions),
  certificateNo: r.certificate_no,
  mine: r.user_id === ctx.actor?.userId,
  version: r.version,
})

export async function listEnrolments(tx: Tx, ctx: RequestContext, q: EnrolmentQuery, now: Date) {
  const actor = requireActor(ctx)
  const page = { page: q.page ?? 1, pageSize: q.pageSize ?? 50 }
  let query = enrolmentsQuery(tx, now)
  if (q.mine) query = query.where('e.user_id', '=', actor.userId)
  else if (!actor.grants.some((g) => trainingKeepers.includes(g.role)))
    // A learner who is no keeper reads only their own anyway (row-level security); say so plainly.
    query = query.where('e.user_id', '=', actor.userId)
  if (q.areaId !== undefined) {
    const a = await loadArea(tx, q.areaId)
    if (!q.mine) requireKeeper(ctx, a.path)
    query = query.where('a.path', 'like', `${a.path}%`)
  }
  if (q.courseId !== undefined) query = query.where('e.course_id', '=', q.courseId)
  if (q.role !== undefined) query = query.where('e.role', '=', q.role)
  if (q.status !== undefined) query = query.where('e.status', '=', q.status)
  if (q.overdue !== undefined)
    query = query.where(
      sql<boolean>`(e.status in ('assigned', 'in_progress') and e.due_at < ${now}::timestamptz)`,
      '=',
      q.overdue,
    )
  const total = Number((await query.clearSelect().select(sql<number>`count(*)`.as('n')).executeTakeFirstOrThrow()).n)
  // The learner's list: open ones first by deadline; the keeper's the same order.
  const rows = await query
    .orderBy(sql`case when e.status = 'completed' then 1 when e.status = 'withdrawn' then 2 else 0 end`)
    .orderBy(sql`e.due_at nulls last`)
    .orderBy('e.id')
    .limit(page.pageSize)
    .offset(offsetOf(page))
    .execute()
  return paginate(
    page,
    rows.map((r) => enrolmentView(r, ctx)),
    total,
  )
}

export async function enrolmentById(tx: Tx, _ctx: RequestContext, enrolmentId: number, now: Date) {
  const r = await enrolmentsQuery(tx, now).where('e.id', '=', enrolmentId).executeTakeFirst()
  if (!r) throw notFound('TRAINING_ENROLMENT_NOT_FOUND', `enrolment ${enrolmentId}`)
  return r
}
