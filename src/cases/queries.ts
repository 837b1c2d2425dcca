import { sql, type SelectQueryBuilder } from 'kysely'
import { AppError, notFound } from '../core/errors.js'
import type { Db, Tx } from '../core/db.js'
import type { Input, Output } from '../core/http.js'
import { containing } from '../core/like.js'
import { countLimitOf, offsetOf, pageQuerySchema, paginate, type Page } from '../core/paging.js'
import type { DB } from '../core/schema.js'
import { nullable, orNull, shape, timestamp } from '../core/schemas.js'
import { holds, staffRoles, type RequestContext } from '../core/scope.js'
import { areaPathOf } from '../jurisdiction/service.js'
import { colourOf, colours, stages, type Stage } from './deadlines.js'
import { urgencies, type Urgency } from './rules.js'
import {
  caseActions,
  caseStates,
  caseWorkflow,
  channels,
  openStates,
  ratings,
  returnReasons,
  type CaseRole,
  type CaseState,
  type Channel,
  type Rating,
} from './workflow.js'

// ---------------------------------------------------------------------------------------------
// What a case looks like to its readers (response schemas; the presenters below are typed by them)

const text = { type: 'string' } as const
const integer = { type: 'integer' } as const
const nullableTimestamp = { type: ['string', 'null'], format: 'date-time' } as const
const named = shape({ id: integer, code: text, nameZh: text, nameEn: text })
const freeForm = (description: string) => ({ type: 'object', additionalProperties: true, description }) as const

export const caseViewSchema = shape({
  id: integer,
  trackingCode: text,
  category: named,
  area: named,
  channel: { type: 'string', enum: channels },
  state: { type: 'string', enum: caseStates },
  version: { type: 'integer', description: 'Send it back with an action: a stale version is a 409' },
  location: orNull(shape({ lng: { type: 'number' }, lat: { type: 'number' } })),
  address: nullable('string'),
  description: text,
  attributes: freeForm('Values of the category’s extra attributes, by attribute code'),
  department: orNull(named),
  assistingDepartmentIds: { type: 'array', items: integer },
  stage: { type: ['string', 'null'], enum: [...stages, null] },
  stageDueAt: nullableTimestamp,
  colour: { type: ['string', 'null'], enum: [...colours, null] },
  escalationLevel: integer,
  extensionRequest: orNull(shape({ workdays: integer, comment: text, at: timestamp })),
  result: nullable('string'),
  rating: { type: ['string', 'null'], enum: [...ratings, null] },
  ratingComment: nullable('string'),
  mergedIntoId: nullable('integer'),
  reworkCount: integer,
  reopenCount: integer,
  submittedAt: timestamp,
  responseDueAt: timestamp,
  respondedAt: nullableTimestamp,
  handleDueAt: nullableTimestamp,
  repliedAt: nullableTimestamp,
  verifiedAt: nullableTimestamp,
  closedAt: nullableTimestamp,
  ratedAt: nullableTimestamp,
  urgency: { type: 'string', enum: urgencies },
  dispatchedAt: nullableTimestamp,
  contactRequired: {
    type: 'boolean',
    description: 'Whether the department must contact the requester (false: staff’s own report, or nobody to reach)',
  },
  contactDueAt: nullableTimestamp,
  contactedAt: { ...nullableTimestamp, description: 'The first contact that reached the requester' },
  rateable: {
    type: 'boolean',
    description: 'Whether the requester’s answer is asked for (never for staff’s own reports)',
  },
  solved: { type: ['boolean', 'null'], description: 'The requester’s answer: was the problem solved?' },
  ratingStatus: { type: ['string', 'null'], enum: ['rated', 'not_rated', null] },
  callbackAttempts: integer,
  returnCount: integer,
  returnRequest: orNull(
    shape({ reason: { type: 'string', enum: returnReasons }, comment: text, at: timestamp, departmentId: integer }),
  ),
  extensionCount: integer,
  directAnswer: { type: 'boolean' },
  shelvingRequest: orNull(shape({ comment: text, at: timestamp })),
  shelvedAt: nullableTimestamp,
  shelveReviewAt: nullableTimestamp,
  reporter: {
    ...orNull(shape({ id: nullable('integer'), name: nullable('string'), phone: nullable('string') })),
    description: 'Shown to staff of the area and to the reporter; the phone is masked',
  },
})

export const timelineEventSchema = shape({
  id: integer,
  at: timestamp,
  action: { type: 'string', description: 'A workflow action, or submit, merged_from, warning, escalated' },
  fromState: nullable('string'),
  toState: text,
  actorName: { type: ['string', 'null'], description: 'Null on the public timeline, which names roles only' },
  actorRole: nullable('string'),
  department: orNull(shape({ nameZh: text, nameEn: nullable('string') })),
  comment: nullable('string'),
  photoIds: { type: 'array', items: integer },
  detail: freeForm('Facts of the step, by action (the department, the rating, the case merged into …)'),
  isPublic: { type: 'boolean' },
})

export const caseDetailSchema = shape({
  ...caseViewSchema.properties,
  photos: { type: 'array', items: shape({ id: integer, contentType: text, byteSize: integer }) },
  timeline: { type: 'array', items: timelineEventSchema },
  allowedActions: { type: 'array', items: { type: 'string', enum: caseActions } },
})

export const publicCaseSchema = shape({
  trackingCode: text,
  category: shape({ code: text, nameZh: text, nameEn: text }),
  area: shape({ code: text, nameZh: text, nameEn: text }),
  state: { type: 'string', enum: caseStates },
  colour: caseViewSchema.properties.colour,
  department: orNull(shape({ nameZh: text, nameEn: text })),
  submittedAt: timestamp,
  closedAt: nullableTimestamp,
  result: nullable('string'),
  rating: caseViewSchema.properties.rating,
  mergedInto: { type: ['string', 'null'], description: 'Tracking code of the case this one was merged into' },
  timeline: { type: 'array', items: timelineEventSchema },
})

export const publicMapSchema = shape({
  since: timestamp,
  grids: {
    type: 'array',
    items: shape({
      areaId: integer,
      code: text,
      nameZh: text,
      nameEn: text,
      total: integer,
      open: integer,
      closed: integer,
    }),
  },
})

export const duplicateSchema = shape({
  id: integer,
  trackingCode: text,
  state: { type: 'string', enum: caseStates },
  distanceM: integer,
  submittedAt: timestamp,
})

export type CaseView = Output<typeof caseViewSchema>
export type CaseDetail = Output<typeof caseDetailSchema>
export type TimelineEvent = Output<typeof timelineEventSchema>

/** Cases under the alias `c`, before filters, joins and columns are added. */
type CasesFrom = SelectQueryBuilder<DB & { c: DB['cases'] }, 'c', object>

/** A case's columns with its category, area and department labels; filters may come before or after. */
function withCaseColumns(q: CasesFrom) {
  return q
    .innerJoin('case_category as k', 'k.id', 'c.category_id')
    .innerJoin('area as a', 'a.id', 'c.area_id')
    .leftJoin(
      sql<{ code: string; name_zh: string; name_en: string }>`lateral app_department_label(c.department_id)`.as('d'),
      (j) => j.onTrue(),
    )
    .select([
      'c.id',
      'c.tracking_code',
      'c.category_id',
      'c.area_id',
      'c.channel',
      'c.state',
      'c.version',
      'c.address',
      'c.description',
      'c.attributes',
      'c.reporter_id',
      'c.reporter_name',
      'c.reporter_phone_masked',
      'c.reporter_phone_enc',
      'c.department_id',
      'c.assisting_department_ids',
      'c.stage',
      'c.stage_warn_at',
      'c.stage_due_at',
      'c.escalation_level',
      'c.extension_request',
      'c.result',
      'c.rating',
      'c.rating_comment',
      'c.merged_into_id',
      'c.rework_count',
      'c.reopen_count',
      'c.submitted_at',
      'c.response_due_at',
      'c.responded_at',
      'c.handle_due_at',
      'c.replied_at',
      'c.verified_at',
      'c.closed_at',
      'c.rated_at',
      'c.urgency',
      'c.dispatched_at',
      'c.contact_required',
      'c.contact_due_at',
      'c.contacted_at',
      'c.rateable',
      'c.solved',
      'c.rating_status',
      'c.callback_attempts',
      'c.return_count',
      'c.return_denied_count',
      'c.return_request',
      'c.extension_count',
      'c.direct_answer',
      'c.shelving_request',
      'c.shelved_at',
      'c.shelve_review_at',
      'c.shelved_count',
      'c.component_id',
      'c.stage_started_at',
      'c.stage_seq',
      'c.updated_at',
      'k.code as category_code',
      'k.name_zh as category_name_zh',
      'k.name_en as category_name_en',
      'a.code as area_code',
      'a.name_zh as area_name_zh',
      'a.name_en as area_name_en',
      'a.path as area_path',
      'a.timezone as area_timezone',
      'd.code as department_code',
      'd.name_zh as department_name_zh',
      'd.name_en as department_name_en',
      sql<number | null>`ST_X(c.location)`.as('lng'),
      sql<number | null>`ST_Y(c.location)`.as('lat'),
    ])
}

const baseQuery = (db: Db | Tx) => withCaseColumns(db.selectFrom('cases as c'))

export type CaseRow = Awaited<ReturnType<ReturnType<typeof baseQuery>['executeTakeFirstOrThrow']>>

const iso = (d: Date | null) => (d ? d.toISOString() : null)

/** A case as staff and its reporter see it; the reporter's phone is masked for everyone else. */
export function presentCase(r: CaseRow, now: Date, ctx: RequestContext): CaseView {
  const seesReporter =
    holds(ctx.actor, staffRoles, r.area_path) || (ctx.actor !== null && ctx.actor.userId === r.reporter_id)
  return {
    id: r.id,
    trackingCode: r.tracking_code,
    category: { id: r.category_id, code: r.category_code, nameZh: r.category_name_zh, nameEn: r.category_name_en },
    area: { id: r.area_id, code: r.area_code, nameZh: r.area_name_zh, nameEn: r.area_name_en },
    channel: r.channel as Channel,
    state: r.state as CaseState,
    version: r.version,
    location: r.lng === null || r.lat === null ? null : { lng: r.lng, lat: r.lat },
    address: r.address,
    description: r.description,
    attributes: r.attributes as Record<string, unknown>,
    department: r.department_id
      ? { id: r.department_id, code: r.department_code!, nameZh: r.department_name_zh!, nameEn: r.department_name_en! }
      : null,
    assistingDepartmentIds: r.assisting_department_ids,
    stage: r.stage as Stage | null,
    stageDueAt: iso(r.stage_due_at),
    colour: colourOf(now, r.stage_warn_at, r.stage_due_at),
    escalationLevel: r.escalation_level,
    extensionRequest: r.extension_request as { workdays: number; comment: string; at: string } | null,
    result: r.result,
    rating: r.rating as Rating | null,
    ratingComment: r.rating_comment,
    mergedIntoId: r.merged_into_id,
    reworkCount: r.rework_count,
    reopenCount: r.reopen_count,
    submittedAt: r.submitted_at.toISOString(),
    responseDueAt: r.response_due_at.toISOString(),
    respondedAt: iso(r.responded_at),
    handleDueAt: iso(r.handle_due_at),
    repliedAt: iso(r.replied_at),
    verifiedAt: iso(r.verified_at),
    closedAt: iso(r.closed_at),
    ratedAt: iso(r.rated_at),
    urgency: r.urgency as Urgency,
    dispatchedAt: iso(r.dispatched_at),
    contactRequired: r.contact_required,
    contactDueAt: iso(r.contact_due_at),
    contactedAt: iso(r.contacted_at),
    rateable: r.rateable,
    solved: r.solved,
    ratingStatus: r.rating_status as 'rated' | 'not_rated' | null,
    callbackAttempts: r.callback_attempts,
    returnCount: r.return_count,
    returnRequest: r.return_request as CaseView['returnRequest'],
    extensionCount: r.extension_count,
    directAnswer: r.direct_answer,
    shelvingRequest: r.shelving_request as CaseView['shelvingRequest'],
    shelvedAt: iso(r.shelved_at),
    shelveReviewAt: iso(r.shelve_review_at),
    reporter: seesReporter ? { id: r.reporter_id, name: r.reporter_name, phone: r.reporter_phone_masked } : null,
  }
}

export async function loadCaseRow(tx: Db | Tx, id: number): Promise<CaseRow> {
  const row = await baseQuery(tx).where('c.id', '=', id).executeTakeFirst()
  if (!row) throw notFound('CASE_NOT_FOUND', `case ${id}`)
  return row
}

/** What the caller is to this case; decides which workflow actions they may take. */
export function caseRolesOf(
  ctx: RequestContext,
  r: {
    area_path: string
    department_id: number | null
    assisting_department_ids: number[]
    reporter_id: number | null
  },
  reporterTokenOk = false,
): Set<CaseRole> {
  const roles = new Set<CaseRole>()
  const a = ctx.actor
  if (reporterTokenOk || (a && r.reporter_id === a.userId)) roles.add('reporter')
  if (!a) return roles
  if (holds(a, ['staff', 'admin'], r.area_path)) roles.add('triage').add('verifier')
  if (holds(a, ['grid_worker'], r.area_path)) roles.add('verifier')
  if (holds(a, ['leader', 'admin'], r.area_path)) roles.add('supervisor')
  const dept = a.departmentId ?? null
  const isHandler = a.grants.some((g) => g.role === 'department_handler')
  if (dept !== null && isHandler && (dept === r.department_id || r.assisting_department_ids.includes(dept))) {
    roles.add('handler')
  }
  return roles
}

export async function caseTimeline(tx: Db | Tx, caseId: number, publicOnly: boolean): Promise<TimelineEvent[]> {
  let q = tx
    .selectFrom('case_event as e')
    .leftJoin(
      sql<{ code: string; name_zh: string; name_en: string }>`lateral app_department_label(e.department_id)`.as('d'),
      (j) => j.onTrue(),
    )
    .select([
      'e.id',
      'e.at',
      'e.action',
      'e.from_state',
      'e.to_state',
      'e.actor_name',
      'e.actor_role',
      'e.comment',
      'e.photo_ids',
      'e.detail',
      'e.is_public',
      'd.name_zh as department_name_zh',
      'd.name_en as department_name_en',
    ])
    .where('e.case_id', '=', caseId)
    .orderBy('e.id')
  if (publicOnly) q = q.where('e.is_public', '=', true)
  const rows = await q.execute()
  return rows.map((e) => ({
    id: e.id,
    at: e.at.toISOString(),
    action: e.action,
    fromState: e.from_state,
    toState: e.to_state,
    // The public timeline names roles and departments, never people.
    actorName: publicOnly ? null : e.actor_name,
    actorRole: e.actor_role,
    department: e.department_name_zh ? { nameZh: e.department_name_zh, nameEn: e.department_name_en } : null,
    comment: e.comment,
    photoIds: publicOnly ? [] : e.photo_ids,
    detail: publicOnly ? {} : (e.detail as Record<string, unknown>),
    isPublic: e.is_public,
  }))
}

/** A case as the caller may see it; `fresh`: a case just filed, with no photos and one event, known to the caller. */
export async function caseDetail(
  tx: Tx,
  ctx: RequestContext,
  id: number,
  now: Date,
  fresh?: { timeline: TimelineEvent[] },
): Promise<CaseDetail> {
  const row = await loadCaseRow(tx, id)
  const photos = fresh
    ? []
    : await tx
        .selectFrom('case_photo')
        .select(['id', 'content_type', 'byte_size'])
        .where('case_id', '=', id)
        .orderBy('id')
        .execute()
  const roles = caseRolesOf(ctx, row)
  // A reporter who works on the case in no other way follows it as the public does: the public
  // steps, naming roles and departments but not the staff who took them.
  const reporterOnly = !holds(ctx.actor, staffRoles, row.area_path) && [...roles].every((r) => r === 'reporter')
  return {
    ...presentCase(row, now, ctx),
    photos: photos.map((p) => ({ id: p.id, contentType: p.content_type, byteSize: p.byte_size })),
    timeline: fresh
      ? fresh.timeline
          .filter((e) => !reporterOnly || e.isPublic)
          .map((e) => (reporterOnly ? { ...e, actorName: null, photoIds: [], detail: {} } : e))
      : await caseTimeline(tx, id, reporterOnly),
    allowedActions: caseWorkflow
      .allowed(row.state as CaseState, roles)
      // The requester's answer is asked once, and never of staff about their own report.
      .filter((a) => !((a === 'rate' || a === 'callback') && (!row.rateable || row.rating_status !== null))),
  }
}

export const caseFilterQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    ...pageQuerySchema,
    areaId: { type: 'integer', minimum: 1 },
    state: { type: 'array', items: { type: 'string', enum: caseStates }, maxItems: 10 },
    categoryId: { type: 'integer', minimum: 1 },
    departmentId: { type: 'integer', minimum: 1 },
    overdue: { type: 'boolean' },
    escalated: { type: 'boolean' },
    colour: { type: 'string', enum: colours },
    from: { type: 'string', format: 'date-time' },
    to: { type: 'string', format: 'date-time' },
    q: { type: 'string', maxLength: 100 },
    mine: { type: 'boolean' },
    urgency: { type: 'string', enum: urgencies },
    channel: { type: 'string', enum: channels },
    awaitingCallback: {
      type: 'boolean',
      description:
        'Closed cases whose requester can be reached and has not answered yet (the call-back console’s queue)',
    },
    shelvingRequested: { type: 'boolean', description: 'Cases whose department asks to shelve them' },
    ratingStatus: {
      type: 'string',
      enum: ['rated', 'not_rated'],
      description:
        'The requester’s answer: rated, or not rated (不参评: not reached after the last call-back, or declined)',
    },
    contactOverdue: { type: 'boolean', description: 'Dispatched cases whose requester was not contacted in time' },
    sort: { type: 'string', enum: ['newest', 'oldest', 'due'], default: 'newest' },
    after: {
      type: 'integer',
      minimum: 1,
      description: 'keyset paging (sort newest or oldest): the `nextAfter` of the previous page, instead of `page`',
    },
  },
} as const

/** The supervision queue takes an area and a page; it is the case list of escalated cases, most overdue first. */
export const supervisionQuery = {
  type: 'object',
  additionalProperties: false,
  properties: { ...pageQuerySchema, areaId: { type: 'integer', minimum: 1 } },
} as const

export type CaseFilter = Input<typeof caseFilterQuery>

function applyFilter(q: CasesFrom, f: CaseFilter, now: Date, areaPath: string | null, ctx: RequestContext) {
  let w = q
  if (areaPath)
    w = w.where('c.area_id', 'in', (eb) => eb.selectFrom('area').select('id').where('path', 'like', `${areaPath}%`))
  if (f.state?.length) w = w.where('c.state', 'in', f.state)
  if (f.categoryId !== undefined)
    w = w.where('c.category_id', 'in', (eb) =>
      eb
        .selectFrom('case_category')
        .select('id')
        .where((e) => e.or([e('id', '=', f.categoryId!), e('parent_id', '=', f.categoryId!)])),
    )
  if (f.departmentId !== undefined) w = w.where('c.department_id', '=', f.departmentId)
  if (f.urgency) w = w.where('c.urgency', '=', f.urgency)
  if (f.channel) w = w.where('c.channel', '=', f.channel)
  if (f.awaitingCallback === true)
    w = w
      .where('c.state', '=', 'closed')
      .where('c.rateable', '=', true)
      .where('c.rating_status', 'is', null)
      // Someone to call: a phone or an account (an anonymous reporter without one rates by token).
      .where('c.contact_required', '=', true)
  if (f.shelvingRequested === true)
    w = w.where('c.state', '=', 'in_progress').where('c.shelving_request', 'is not', null)
  if (f.ratingStatus) w = w.where('c.rating_status', '=', f.ratingStatus)
  if (f.contactOverdue === true)
    w = w
      .where('c.contact_required', '=', true)
      .where('c.contacted_at', 'is', null)
      .where('c.contact_due_at', '<', now)
      .where('c.state', 'in', openStates as CaseState[])
  if (f.overdue === true) w = w.where('c.stage_due_at', '<', now)
  if (f.overdue === false)
    w = w.where((eb) => eb.or([eb('c.stage_due_at', 'is', null), eb('c.stage_due_at', '>=', now)]))
  if (f.escalated) w = w.where('c.escalation_level', '>', 0).where('c.state', 'in', openStates as CaseState[])
  if (f.colour === 'red') w = w.where('c.stage_due_at', '<=', now)
  if (f.colour === 'yellow') w = w.where('c.stage_warn_at', '<=', now).where('c.stage_due_at', '>', now)
  if (f.colour === 'green') w = w.where('c.stage_warn_at', '>', now)
  if (f.from) w = w.where('c.submitted_at', '>=', new Date(f.from))
  if (f.to) w = w.where('c.submitted_at', '<', new Date(f.to))
  if (f.mine && ctx.actor) w = w.where('c.reporter_id', '=', ctx.actor.userId)
  if (f.q) {
    const like = containing(f.q)
    w = w.where((eb) =>
      eb.or([eb('c.description', 'ilike', like), eb('c.address', 'ilike', like), eb('c.tracking_code', '=', f.q!)]),
    )
  }
  return w
}

export async function listCases(tx: Tx, ctx: RequestContext, f: CaseFilter, now: Date): Promise<Page<CaseView>> {
  const areaPath = f.areaId !== undefined ? await areaPathOf(tx, f.areaId) : null
  const byId = f.sort !== 'due'
  if (f.after !== undefined) {
    if (!byId)
      throw new AppError('VALIDATION_FAILED', 'after pages by case id: use it with sort=newest or sort=oldest', 'after')
    if (f.page > 1) throw new AppError('VALIDATION_FAILED', 'give page or after, not both', 'after')
  }
  // Counted up to a limit past the page (COUNT_AHEAD), not over every matching case.
  const limit = countLimitOf(f)
  const matching = applyFilter(tx.selectFrom('cases as c'), f, now, areaPath, ctx)
    .select(sql<number>`1`.as('one'))
    .limit(limit + 1)
  const total = await tx.selectFrom(matching.as('m')).select(sql<number>`count(*)`.as('n')).executeTakeFirstOrThrow()
  const capped = Number(total.n) > limit
  let q = withCaseColumns(applyFilter(tx.selectFrom('cases as c'), f, now, areaPath, ctx))
  q =
    f.sort === 'due'
      ? q.orderBy(sql`c.stage_due_at asc nulls last`).orderBy('c.id')
      : f.sort === 'oldest'
        ? q.orderBy('c.id', 'asc')
        : q.orderBy('c.id', 'desc')
  // A cursor starts where the last page ended; the index on id finds it without reading what came before.
  if (f.after !== undefined) q = q.where('c.id', f.sort === 'oldest' ? '>' : '<', f.after)
  const rows = await q
    .limit(f.pageSize)
    .offset(f.after !== undefined ? 0 : offsetOf(f))
    .execute()
  const nextAfter = byId ? (rows.length === f.pageSize ? rows.at(-1)!.id : null) : undefined
  return paginate(
    f,
    rows.map((r) => presentCase(r, now, ctx)),
    capped ? limit : Number(total.n),
    { ...(capped ? { totalCapped: true } : {}), ...(nextAfter !== undefined ? { nextAfter } : {}) },
  )
}

/** The public view of a tracking code: progress and result, no personal data. */
export async function publicCase(db: Db, trackingCode: string, now: Date): Promise<Output<typeof publicCaseSchema>> {
  const row = await baseQuery(db).where('c.tracking_code', '=', trackingCode).executeTakeFirst()
  if (!row) throw notFound('CASE_NOT_FOUND', `case ${trackingCode}`, 'trackingCode')
  return {
    trackingCode: row.tracking_code,
    category: { code: row.category_code, nameZh: row.category_name_zh, nameEn: row.category_name_en },
    area: { code: row.area_code, nameZh: row.area_name_zh, nameEn: row.area_name_en },
    state: row.state as CaseState,
    colour: colourOf(now, row.stage_warn_at, row.stage_due_at),
    department: row.department_id ? { nameZh: row.department_name_zh!, nameEn: row.department_name_en! } : null,
    submittedAt: row.submitted_at.toISOString(),
    closedAt: iso(row.closed_at),
    result: row.result,
    rating: row.rating as Rating | null,
    mergedInto: row.merged_into_id
      ? ((await db.selectFrom('cases').select('tracking_code').where('id', '=', row.merged_into_id).executeTakeFirst())
          ?.tracking_code ?? null)
      : null,
    timeline: await caseTimeline(db, row.id, true),
  }
}

/** Recent cases per grid for the public map: counts only. */
export async function publicMap(db: Db, days: number, now: Date): Promise<Output<typeof publicMapSchema>> {
  const since = new Date(now.getTime() - days * 86400_000)
  const { rows } = await sql<{
    area_id: number
    code: string
    name_zh: string
    name_en: string
    total: number
    open: number
    closed: number
  }>`
    select a.id as area_id, a.code, a.name_zh, a.name_en, count(*)::int as total,
           count(*) filter (where c.state = any(${openStates as CaseState[]}::text[]))::int as open,
           count(*) filter (where c.state in ('closed', 'rated'))::int as closed
    from cases c join area a on a.id = c.area_id
    where c.submitted_at >= ${since} and c.state <> 'merged'
    group by a.id, a.code, a.name_zh, a.name_en
    order by a.code`.execute(db)
  return {
    since: since.toISOString(),
    grids: rows.map((r) => ({
      areaId: r.area_id,
      code: r.code,
      nameZh: r.name_zh,
      nameEn: r.name_en,
      total: r.total,
      open: r.open,
      closed: r.closed,
    })),
  }
}

export const DUPLICATE_DISTANCE_M = Number(process.env.CASE_DUPLICATE_DISTANCE_M || 200)
export const DUPLICATE_WINDOW_HOURS = Number(process.env.CASE_DUPLICATE_WINDOW_HOURS || 72)

/** Open cases of the same category near a case and recent enough to be the same problem. */
export async function possibleDuplicates(tx: Tx, caseId: number, now: Date): Promise<Output<typeof duplicateSchema>[]> {
  // A function, so the location index serves it under row-level security (see migration 0036).
  const { rows } = await sql<{
    id: number
    tracking_code: string
    state: CaseState
    distance_m: number
    submitted_at: Date
  }>`
    select id, tracking_code, state, distance_m, submitted_at
    from app_case_duplicates(${caseId}, ${new Date(now.getTime() - DUPLICATE_WINDOW_HOURS * 3600_000)}, ${DUPLICATE_DISTANCE_M}, 10)`.execute(
    tx,
  )
  return rows.map((r) => ({
    id: r.id,
    trackingCode: r.tracking_code,
    state: r.state,
    distanceM: Math.round(r.distance_m),
    submittedAt: r.submitted_at.toISOString(),
  }))
}
