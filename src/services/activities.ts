import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto'
import { sql } from 'kysely'
import { notify } from '../cases/notify.js'
import type { Tx } from '../core/db.js'
import { AppError, notFound } from '../core/errors.js'
import type { Input, Output } from '../core/http.js'
import { offsetOf, pageQuerySchema, paginate } from '../core/paging.js'
import { body, id, nullable, orNull, shape, text, timestamp } from '../core/schemas.js'
import { requireActor, type Actor, type RequestContext } from '../core/scope.js'
import { defineWorkflow } from '../core/workflow.js'
import { areaPathOf } from '../jurisdiction/service.js'
import { isServicesStaff, pathsWith, requireServicesRole, servicesStaff } from './common.js'
import { creditEarned } from './timebank.js'
import { skills, volunteerPeople } from './volunteers.js'

// Volunteer activities (志愿活动): service staff of an area publish them to its branch of the tree;
// volunteers sign up up to the capacity (a conditional UPDATE of the counter decides, also
// concurrently), check in and out by scanning the QR code shown at the activity (a signed,
// expiring token) or are checked in and out by staff; hours are credited at check-out.

const MINUTE = 60_000
const HOUR = 60 * MINUTE
/** How long a check-in token is valid; the QR screen refreshes well before. */
export const TOKEN_TTL_MS = 3 * MINUTE
/** Check-in opens this long before the start and closes this long after the end. */
const OPENS_BEFORE = 30 * MINUTE
/** A scan this soon after checking in does not check out (a second tap, a refreshed code). */
const MIN_STAY_MS = 10 * MINUTE
const CLOSES_AFTER = 60 * MINUTE

export const activityKinds = [
  'elderly_care',
  'environment',
  'education',
  'culture',
  'safety_patrol',
  'health',
  'care_visit',
  'emergency',
  'other',
] as const
export const activityStates = ['draft', 'published', 'finished', 'cancelled'] as const
type ActivityState = (typeof activityStates)[number]
export const signupStates = ['signed_up', 'cancelled', 'checked_in', 'checked_out', 'absent'] as const
type SignupState = (typeof signupStates)[number]

export const activityWorkflow = defineWorkflow({
  name: 'activity',
  states: activityStates,
  illegalCode: 'ACTIVITY_ILLEGAL_TRANSITION',
  actions: {
    publish: { from: ['draft'], to: 'published', by: ['staff'] },
    cancel: { from: ['draft', 'published'], to: 'cancelled', by: ['staff'] },
    finish: { from: ['published'], to: 'finished', by: ['staff'] },
  },
})
export const activityActions = ['publish', 'cancel', 'finish'] as const

// ── Schemas ────────────────────────────────────────────────────────────────────────────────────

const activityFields = {
  kind: { type: 'string', enum: activityKinds },
  title: { type: 'string', minLength: 2, maxLength: 150 },
  description: text(4000),
  place: text(300),
  startsAt: timestamp,
  endsAt: { ...timestamp, description: 'After startsAt, at most 24 hours later' },
  capacity: { type: 'integer', minimum: 1, maximum: 10000 },
  skills: { type: 'array', maxItems: 12, uniqueItems: true, items: { type: 'string', enum: skills } },
} as const

export const newActivityBody = body(
  ['areaId', 'kind', 'title', 'description', 'place', 'startsAt', 'endsAt', 'capacity'],
  {
    areaId: { ...id, description: 'The community or street holding it; its branch of the tree sees it' },
    ...activityFields,
  },
)
export const activityPatchBody = body([], activityFields)

export const activityFilterQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    ...pageQuerySchema,
    kind: { type: 'string', enum: activityKinds },
    status: { type: 'string', enum: activityStates },
    from: { ...timestamp, description: 'Starting at or after; given, the list runs soonest first' },
    areaId: id,
  },
} as const

export const activityActionBody = body(['action'], { action: { type: 'string', enum: activityActions } })

const countsSchema = shape({
  signedUp: { type: 'integer' },
  checkedIn: { type: 'integer' },
  checkedOut: { type: 'integer' },
  absent: { type: 'integer' },
  cancelled: { type: 'integer' },
})
const mySignupSchema = shape({
  status: { type: 'string', enum: signupStates },
  checkedInAt: nullable('string'),
  checkedOutAt: nullable('string'),
  hours: nullable('number'),
})

export const activitySchema = shape({
  id: { type: 'integer' },
  areaId: { type: 'integer' },
  areaName: { type: 'string' },
  kind: { type: 'string', enum: activityKinds },
  title: { type: 'string' },
  description: { type: 'string' },
  place: { type: 'string' },
  startsAt: timestamp,
  endsAt: timestamp,
  capacity: { type: 'integer' },
  signedUp: { type: 'integer' },
  skills: { type: 'array', items: { type: 'string' } },
  status: { type: 'string', enum: activityStates },
  canManage: { type: 'boolean' },
})
export type ActivityView = Output<typeof activitySchema>

export const activityDetailSchema = shape({
  ...activitySchema.properties,
  mySignup: orNull(mySignupSchema),
  counts: orNull(countsSchema),
  allowedActions: { type: 'array', items: { type: 'string', enum: activityActions } },
})

export const signupSchema = shape({
  volunteerId: { type: 'integer' },
  name: { type: 'string' },
  status: { type: 'string', enum: signupStates },
  signedUpAt: timestamp,
  checkedInAt: nullable('string'),
  checkedInBy: nullable('string'),
  checkedOutAt: nullable('string'),
  hours: nullable('number'),
  credited: { type: 'boolean' },
})

export const checkinTokenSchema = shape({
  token: { type: 'string' },
  expiresAt: timestamp,
  url: { type: 'string', description: 'The web address the QR code encodes' },
  checkedIn: { type: 'integer' },
  checkedOut: { type: 'integer' },
})

export const checkinBody = body(['token'], {
  token: { type: 'string', minLength: 10, maxLength: 200, pattern: '^[0-9]+\\.[A-Za-z0-9_-]+$' },
})
export const checkinResultSchema = shape({
  result: {
    type: 'string',
    enum: ['checked_in', 'already_checked_in', 'checked_out', 'already_checked_out'],
    description: 'already_checked_in: the code scanned was shown before the check-in (the same page opened again)',
  },
  activityId: { type: 'integer' },
  title: { type: 'string' },
  at: timestamp,
  hours: nullable('number'),
  credited: { type: 'boolean' },
})
export const staffCheckoutBody = body([], {
  hours: {
    type: 'number',
    minimum: 0,
    maximum: 24,
    multipleOf: 0.25,
    description: 'Hours to credit instead of the time between check-in and check-out; at most the activity’s length',
  },
})
export const signupParams = {
  type: 'object',
  additionalProperties: false,
  required: ['id', 'volunteerId'],
  properties: { id, volunteerId: id },
} as const

// ── Loading and presenting ─────────────────────────────────────────────────────────────────────

type ActivityRow = Awaited<ReturnType<typeof loadActivity>>

async function loadActivity(tx: Tx, activityId: number) {
  const a = await tx
    .selectFrom('volunteer_activity as v')
    .innerJoin('area', 'area.id', 'v.area_id')
    .select([
      'v.id',
      'v.area_id',
      'v.kind',
      'v.title',
      'v.description',
      'v.place',
      'v.starts_at',
      'v.ends_at',
      'v.capacity',
      'v.signed_up',
      'v.skills',
      'v.status',
      'v.checkin_secret',
      'area.name_zh as area_name',
      'area.path as area_path',
    ])
    .where('v.id', '=', activityId)
    .executeTakeFirst()
  if (!a) throw notFound('ACTIVITY_NOT_FOUND', 'no such activity', 'id')
  return { ...a, status: a.status as ActivityState }
}

/** Drafts are their staff's: others get 404 as for an activity that does not exist. */
function visible(a: ActivityRow, actor: Actor | null) {
  if (a.status === 'draft' && !isServicesStaff(actor, a.area_path))
    throw notFound('ACTIVITY_NOT_FOUND', 'no such activity', 'id')
}

function presentActivity(a: ActivityRow, actor: Actor | null): ActivityView {
  return {
    id: a.id,
    areaId: a.area_id,
    areaName: a.area_name,
    kind: a.kind as (typeof activityKinds)[number],
    title: a.title,
    description: a.description,
    place: a.place,
    startsAt: a.starts_at.toISOString(),
    endsAt: a.ends_at.toISOString(),
    capacity: a.capacity,
    signedUp: a.signed_up,
    skills: a.skills,
    status: a.status,
    canManage: isServicesStaff(actor, a.area_path),
  }
}

const iso = (d: Date | null) => (d ? d.toISOString() : null)

/** The caller's own volunteer record (null when they have none). */
async function ownVolunteer(tx: Tx, actor: Actor) {
  return (
    (await tx
      .selectFrom('volunteer')
      .select(['id', 'status', 'user_id'])
      .where('user_id', '=', actor.userId)
      .executeTakeFirst()) ?? null
  )
}

export async function activityDetail(
  tx: Tx,
  ctx: RequestContext,
  activityId: number,
): Promise<Output<typeof activityDetailSchema>> {
  const actor = requireActor(ctx)
  const a = await loadActivity(tx, activityId)
  visible(a, actor)
  const me = await ownVolunteer(tx, actor)
  const mine = me
    ? await tx
        .selectFrom('activity_signup')
        .select(['status', 'checked_in_at', 'checked_out_at', 'hours'])
        .where('activity_id', '=', a.id)
        .where('volunteer_id', '=', me.id)
        .executeTakeFirst()
    : undefined
  const staff = isServicesStaff(actor, a.area_path)
  let counts: Output<typeof countsSchema> | null = null
  if (staff) {
    const rows = await tx
      .selectFrom('activity_signup')
      .select(['status', sql<number>`count(*)::int`.as('n')])
      .where('activity_id', '=', a.id)
      .groupBy('status')
      .execute()
    const n = (s: SignupState) => rows.find((r) => r.status === s)?.n ?? 0
    counts = {
      signedUp: n('signed_up'),
      checkedIn: n('checked_in'),
      checkedOut: n('checked_out'),
      absent: n('absent'),
      cancelled: n('cancelled'),
    }
  }
  return {
    ...presentActivity(a, actor),
    mySignup: mine
      ? {
          status: mine.status as SignupState,
          checkedInAt: iso(mine.checked_in_at),
          checkedOutAt: iso(mine.checked_out_at),
          hours: mine.hours === null ? null : Number(mine.hours),
        }
      : null,
    counts,
    allowedActions: staff ? activityWorkflow.allowed(a.status, new Set(['staff'])) : [],
  }
}

/** Activities on the caller's branch: published and finished ones for all, drafts and cancelled for their staff. */
export async function listActivities(tx: Tx, ctx: RequestContext, q: Input<typeof activityFilterQuery>) {
  const actor = requireActor(ctx)
  const page = { page: q.page ?? 1, pageSize: q.pageSize ?? 50 }
  const paths = pathsWith(actor, servicesStaff)
  let query = tx
    .selectFrom('volunteer_activity as v')
    .innerJoin('area', 'area.id', 'v.area_id')
    .where((eb) =>
      eb.or([eb('v.status', 'in', ['published', 'finished']), ...paths.map((p) => eb('area.path', 'like', `${p}%`))]),
    )
  if (q.kind) query = query.where('v.kind', '=', q.kind)
  if (q.status) query = query.where('v.status', '=', q.status)
  if (q.from) query = query.where('v.starts_at', '>=', new Date(q.from))
  if (q.areaId !== undefined) {
    const path = await areaPathOf(tx, q.areaId)
    query = query.where('area.path', 'like', `${path}%`)
  }
  const { n } = await query.select(sql<number>`count(*)::int`.as('n')).executeTakeFirstOrThrow()
  const rows = await query
    .select([
      'v.id',
      'v.area_id',
      'v.kind',
      'v.title',
      'v.description',
      'v.place',
      'v.starts_at',
      'v.ends_at',
      'v.capacity',
      'v.signed_up',
      'v.skills',
      'v.status',
      'v.checkin_secret',
      'area.name_zh as area_name',
      'area.path as area_path',
    ])
    .orderBy('v.starts_at', q.from ? 'asc' : 'desc')
    .orderBy('v.id')
    .limit(page.pageSize)
    .offset(offsetOf(page))
    .execute()
  return paginate(
    page,
    rows.map((r) => presentActivity({ ...r, status: r.status as ActivityState }, actor)),
    n,
  )
}

// ── Staff: create, change, move ────────────────────────────────────────────────────────────────

function checkTimes(startsAt: Date, endsAt: Date) {
  if (endsAt <= startsAt) throw new AppError('VALIDATION_FAILED', 'an activity ends after it starts', 'endsAt')
  if (endsAt.getTime() - startsAt.getTime() > 24 * HOUR)
    throw new AppError('VALIDATION_FAILED', 'an activity lasts at most 24 hours', 'endsAt')
}

export async function createActivity(
  tx: Tx,
  ctx: RequestContext,
  input: Input<typeof newActivityBody>,
  now: Date,
): Promise<Output<typeof activityDetailSchema>> {
  const actor = requireServicesRole(ctx, await areaPathOf(tx, input.areaId))
  const startsAt = new Date(input.startsAt)
  const endsAt = new Date(input.endsAt)
  checkTimes(startsAt, endsAt)
  const row = await tx
    .insertInto('volunteer_activity')
    .values({
      area_id: input.areaId,
      kind: input.kind,
      title: input.title,
      description: input.description,
      place: input.place,
      starts_at: startsAt,
      ends_at: endsAt,
      capacity: input.capacity,
      skills: input.skills ?? [],
      status: 'draft',
      checkin_secret: randomBytes(32),
      created_by: actor.userId,
      created_at: now,
      updated_at: now,
    })
    .returning('id')
    .executeTakeFirstOrThrow()
  return activityDetail(tx, ctx, row.id)
}

/** Users of the volunteers still taking part (signed up or checked in). */
async function participantUsers(tx: Tx, activityId: number): Promise<number[]> {
  const rows = await tx
    .selectFrom('activity_signup as s')
    .innerJoin('volunteer as v', 'v.id', 's.volunteer_id')
    .select('v.user_id')
    .where('s.activity_id', '=', activityId)
    .where('s.status', 'in', ['signed_up', 'checked_in'])
    .execute()
  return rows.flatMap((r) => (r.user_id === null ? [] : [r.user_id]))
}

/**
 * Changes a draft or published activity. A new time or place is told to the volunteers signed up
 * (activity_update, event changed); the capacity cannot go below the places taken.
 */
export async function updateActivity(
  tx: Tx,
  ctx: RequestContext,
  activityId: number,
  input: Input<typeof activityPatchBody>,
  now: Date,
): Promise<Output<typeof activityDetailSchema>> {
  const a = await loadActivity(tx, activityId)
  visible(a, ctx.actor)
  requireServicesRole(ctx, a.area_path)
  if (a.status !== 'draft' && a.status !== 'published')
    throw new AppError(
      'ACTIVITY_ILLEGAL_TRANSITION',
      `a ${a.status} activity is not changed`,
      null,
      {},
      {
        state: a.status,
        allowedActions: [],
      },
    )
  const startsAt = input.startsAt ? new Date(input.startsAt) : a.starts_at
  const endsAt = input.endsAt ? new Date(input.endsAt) : a.ends_at
  checkTimes(startsAt, endsAt)
  if (input.capacity !== undefined && input.capacity < a.signed_up)
    throw new AppError('VALIDATION_FAILED', `${a.signed_up} places are taken: the capacity cannot be lower`, 'capacity')
  const changed =
    startsAt.getTime() !== a.starts_at.getTime() ||
    endsAt.getTime() !== a.ends_at.getTime() ||
    (input.place !== undefined && input.place !== a.place)
  await tx
    .updateTable('volunteer_activity')
    .set({
      ...(input.kind ? { kind: input.kind } : {}),
      ...(input.title ? { title: input.title } : {}),
      ...(input.description ? { description: input.description } : {}),
      ...(input.place ? { place: input.place } : {}),
      ...(input.capacity !== undefined ? { capacity: input.capacity } : {}),
      ...(input.skills ? { skills: input.skills } : {}),
      starts_at: startsAt,
      ends_at: endsAt,
      updated_at: now,
    })
    .where('id', '=', a.id)
    .execute()
  if (changed && a.status === 'published')
    await notify(tx, await participantUsers(tx, a.id), {
      kind: 'activity_update',
      caseId: null,
      params: { title: input.title ?? a.title, event: 'changed', activityId: a.id },
      at: now,
    })
  return activityDetail(tx, ctx, a.id)
}

/**
 * publish, cancel (tells the volunteers) or finish (after the start: those signed up who never
 * checked in are absent; those still checked in are checked out at the end and credited).
 */
export async function performActivityAction(
  tx: Tx,
  ctx: RequestContext,
  activityId: number,
  input: Input<typeof activityActionBody>,
  now: Date,
): Promise<Output<typeof activityDetailSchema>> {
  const a = await loadActivity(tx, activityId)
  visible(a, ctx.actor)
  const actor = requireServicesRole(ctx, a.area_path)
  const to = activityWorkflow.check(a.status, input.action, new Set(['staff']))
  if (input.action === 'finish' && now < a.starts_at)
    throw new AppError(
      'ACTIVITY_ILLEGAL_TRANSITION',
      'an activity is finished after it starts',
      'action',
      {},
      {
        state: a.status,
        allowedActions: ['cancel'],
      },
    )
  if (input.action === 'publish' && a.ends_at <= now)
    throw new AppError(
      'ACTIVITY_ILLEGAL_TRANSITION',
      'the activity is over: change its time first',
      'action',
      {},
      {
        state: a.status,
        allowedActions: ['cancel'],
      },
    )
  const users = input.action === 'cancel' ? await participantUsers(tx, a.id) : []
  const moved = await tx
    .updateTable('volunteer_activity')
    .set({ status: to, updated_at: now })
    .where('id', '=', a.id)
    .where('status', '=', a.status)
    .returning('id')
    .executeTakeFirst()
  if (!moved) throw new AppError('ACTIVITY_ILLEGAL_TRANSITION', 'the activity changed meanwhile: reload it', 'action')
  if (input.action === 'cancel')
    await notify(tx, users, {
      kind: 'activity_update',
      caseId: null,
      params: { title: a.title, event: 'cancelled', activityId: a.id },
      at: now,
    })
  if (input.action === 'finish') {
    await tx
      .updateTable('activity_signup')
      .set({ status: 'absent' })
      .where('activity_id', '=', a.id)
      .where('status', '=', 'signed_up')
      .execute()
    const still = await tx
      .selectFrom('activity_signup')
      .select('volunteer_id')
      .where('activity_id', '=', a.id)
      .where('status', '=', 'checked_in')
      .execute()
    for (const s of still)
      await checkOut(tx, a, s.volunteer_id, now < a.ends_at ? now : a.ends_at, actor.userId, undefined)
  }
  return activityDetail(tx, ctx, a.id)
}

// ── Sign-up ────────────────────────────────────────────────────────────────────────────────────

async function requireOwnVolunteer(tx: Tx, actor: Actor) {
  const me = await ownVolunteer(tx, actor)
  if (!me) throw notFound('VOLUNTEER_NOT_FOUND', 'register as a volunteer first (POST /api/v1/volunteers)')
  if (me.status !== 'active') throw new AppError('FORBIDDEN', 'your volunteer record is suspended')
  return me
}

/**
 * Signs the caller's volunteer record up for a published activity that has not started. The place
 * is taken by a conditional UPDATE (signed_up < capacity): of two volunteers racing for the last
 * place, the second waits on the row and then finds it full (ACTIVITY_FULL). Signing up again is a no-op.
 */
export async function signUp(tx: Tx, ctx: RequestContext, activityId: number, now: Date) {
  const actor = requireActor(ctx)
  const a = await loadActivity(tx, activityId)
  visible(a, actor)
  const me = await requireOwnVolunteer(tx, actor)
  if (a.status !== 'published' || now >= a.starts_at)
    throw new AppError(
      'ACTIVITY_ILLEGAL_TRANSITION',
      a.status === 'published' ? 'sign-up has closed: the activity has started' : `the activity is ${a.status}`,
      null,
      {},
      { state: a.status, allowedActions: [] },
    )
  // The sign-up row first: of two taps at once, or a tap after cancelling, exactly one takes (or
  // retakes) it and moves the counter; the other finds it taken and changes nothing.
  const mine = await tx
    .insertInto('activity_signup')
    .values({ activity_id: a.id, volunteer_id: me.id, area_id: a.area_id, status: 'signed_up', signed_up_at: now })
    .onConflict((oc) =>
      oc
        .columns(['activity_id', 'volunteer_id'])
        .doUpdateSet({ status: 'signed_up', signed_up_at: now })
        .where('activity_signup.status', '=', 'cancelled'),
    )
    .returning('status')
    .executeTakeFirst()
  if (!mine) return activityDetail(tx, ctx, a.id)
  const taken = await tx
    .updateTable('volunteer_activity')
    .set({ signed_up: sql`signed_up + 1` })
    .where('id', '=', a.id)
    .where('status', '=', 'published')
    .where(sql<boolean>`signed_up < capacity`)
    .returning('signed_up')
    .executeTakeFirst()
  // Full: the error rolls the sign-up row back with the transaction.
  if (!taken)
    throw new AppError('ACTIVITY_FULL', `all ${a.capacity} places are taken`, null, {}, { capacity: a.capacity })
  return activityDetail(tx, ctx, a.id)
}

/** Cancels the caller's sign-up before the start, freeing the place. */
export async function cancelSignUp(tx: Tx, ctx: RequestContext, activityId: number, now: Date) {
  const actor = requireActor(ctx)
  const a = await loadActivity(tx, activityId)
  visible(a, actor)
  const me = await requireOwnVolunteer(tx, actor)
  if (now >= a.starts_at)
    throw new AppError(
      'ACTIVITY_ILLEGAL_TRANSITION',
      'the activity has started: a sign-up is cancelled before',
      null,
      {},
      {
        state: a.status,
        allowedActions: [],
      },
    )
  const cancelled = await tx
    .updateTable('activity_signup')
    .set({ status: 'cancelled' })
    .where('activity_id', '=', a.id)
    .where('volunteer_id', '=', me.id)
    .where('status', '=', 'signed_up')
    .returning('volunteer_id')
    .executeTakeFirst()
  if (!cancelled) throw new AppError('ACTIVITY_NOT_SIGNED_UP', 'you are not signed up for this activity')
  await tx
    .updateTable('volunteer_activity')
    .set({ signed_up: sql`greatest(signed_up - 1, 0)` })
    .where('id', '=', a.id)
    .execute()
  return activityDetail(tx, ctx, a.id)
}

export async function listSignups(
  tx: Tx,
  ctx: RequestContext,
  activityId: number,
): Promise<Output<typeof signupSchema>[]> {
  const a = await loadActivity(tx, activityId)
  visible(a, ctx.actor)
  requireServicesRole(ctx, a.area_path)
  const rows = await tx
    .selectFrom('activity_signup')
    .selectAll()
    .where('activity_id', '=', a.id)
    .orderBy('signed_up_at')
    .limit(10000)
    .execute()
  const people = await volunteerPeople(
    tx,
    rows.map((r) => r.volunteer_id),
  )
  return rows.map((r) => ({
    volunteerId: r.volunteer_id,
    name: people.get(r.volunteer_id)?.name ?? '',
    status: r.status as SignupState,
    signedUpAt: r.signed_up_at.toISOString(),
    checkedInAt: iso(r.checked_in_at),
    checkedInBy: r.checked_in_by,
    checkedOutAt: iso(r.checked_out_at),
    hours: r.hours === null ? null : Number(r.hours),
    credited: r.credited_at !== null,
  }))
}

// ── Check-in tokens ────────────────────────────────────────────────────────────────────────────

const sign = (secret: Uint8Array, activityId: number, expires: number) =>
  createHmac('sha256', secret).update(`${activityId}.${expires}`).digest('base64url')

/** A token for the activity's QR code: `<expiry in seconds>.<HMAC-SHA256 over id and expiry>`. */
export function issueToken(secret: Uint8Array, activityId: number, now: Date) {
  const expires = Math.floor((now.getTime() + TOKEN_TTL_MS) / 1000)
  return { token: `${expires}.${sign(secret, activityId, expires)}`, expiresAt: new Date(expires * 1000) }
}

/** When a valid token was issued (its expiry less the time to live). */
export const tokenIssuedAt = (token: string) => new Date(Number(token.split('.')[0]) * 1000 - TOKEN_TTL_MS)

/** True when `token` was issued for this activity by its secret and has not expired (constant-time compare). */
export function tokenValid(secret: Uint8Array, activityId: number, token: string, now: Date): boolean {
  const m = /^(\d{1,12})\.([A-Za-z0-9_-]{43})$/.exec(token)
  if (!m) return false
  const expires = Number(m[1])
  const expected = Buffer.from(sign(secret, activityId, expires))
  const given = Buffer.from(m[2]!)
  const same = expected.length === given.length && timingSafeEqual(expected, given)
  return same && expires * 1000 > now.getTime() && expires * 1000 <= now.getTime() + TOKEN_TTL_MS + MINUTE
}

export async function checkinToken(
  tx: Tx,
  ctx: RequestContext,
  activityId: number,
  now: Date,
): Promise<Output<typeof checkinTokenSchema>> {
  const a = await loadActivity(tx, activityId)
  visible(a, ctx.actor)
  requireServicesRole(ctx, a.area_path)
  if (a.status !== 'published')
    throw new AppError(
      'ACTIVITY_ILLEGAL_TRANSITION',
      `the activity is ${a.status}: no check-in`,
      null,
      {},
      {
        state: a.status,
        allowedActions: [],
      },
    )
  const { token, expiresAt } = issueToken(a.checkin_secret, a.id, now)
  const counts = await tx
    .selectFrom('activity_signup')
    .select([
      sql<number>`count(*) filter (where status = 'checked_in')::int`.as('in'),
      sql<number>`count(*) filter (where status = 'checked_out')::int`.as('out'),
    ])
    .where('activity_id', '=', a.id)
    .executeTakeFirstOrThrow()
  return {
    token,
    expiresAt: expiresAt.toISOString(),
    url: `#/services/volunteers/checkin/${a.id}/${token}`,
    checkedIn: counts.in,
    checkedOut: counts.out,
  }
}

function requireWindow(a: ActivityRow, now: Date) {
  if (a.status !== 'published')
    throw new AppError(
      'ACTIVITY_ILLEGAL_TRANSITION',
      `the activity is ${a.status}`,
      null,
      {},
      {
        state: a.status,
        allowedActions: [],
      },
    )
  const opens = new Date(a.starts_at.getTime() - OPENS_BEFORE)
  const closes = new Date(a.ends_at.getTime() + CLOSES_AFTER)
  if (now < opens || now > closes)
    throw new AppError(
      'CHECKIN_WINDOW_CLOSED',
      `check-in is open from ${opens.toISOString()} to ${closes.toISOString()}`,
      null,
      {},
      { opensAt: opens.toISOString(), closesAt: closes.toISOString() },
    )
}

/** Hours between check-in and check-out inside the activity's time, to the nearest quarter hour. */
export function hoursBetween(a: { starts_at: Date; ends_at: Date }, inAt: Date, outAt: Date): number {
  const from = Math.max(inAt.getTime(), a.starts_at.getTime())
  const to = Math.min(outAt.getTime(), a.ends_at.getTime())
  const quarters = Math.round(Math.max(0, to - from) / (15 * MINUTE))
  const max = Math.floor((a.ends_at.getTime() - a.starts_at.getTime()) / (15 * MINUTE))
  return Math.min(quarters, max) / 4
}

async function checkIn(tx: Tx, a: ActivityRow, volunteerId: number, by: 'qr' | 'staff', now: Date) {
  await tx
    .updateTable('activity_signup')
    .set({ status: 'checked_in', checked_in_at: now, checked_in_by: by })
    .where('activity_id', '=', a.id)
    .where('volunteer_id', '=', volunteerId)
    .where('status', 'in', ['signed_up', 'absent'])
    .execute()
}

/** Checks out and credits the hours once; tells the volunteer's account. Returns the hours and whether they were credited now. */
async function checkOut(
  tx: Tx,
  a: ActivityRow,
  volunteerId: number,
  now: Date,
  by: number | null,
  givenHours: number | undefined,
): Promise<{ hours: number; credited: boolean }> {
  const s = await tx
    .selectFrom('activity_signup')
    .select(['checked_in_at'])
    .where('activity_id', '=', a.id)
    .where('volunteer_id', '=', volunteerId)
    .executeTakeFirstOrThrow()
  const hours = givenHours ?? hoursBetween(a, s.checked_in_at ?? now, now)
  // The sign-up first: a volunteer's own credit must match their checked-out sign-up (policy, 0054).
  // Only a sign-up still checked in: of a scan and the activity's finishing at once, one checks out.
  const out = await tx
    .updateTable('activity_signup')
    .set({ status: 'checked_out', checked_out_at: now, hours })
    .where('activity_id', '=', a.id)
    .where('volunteer_id', '=', volunteerId)
    .where('status', 'in', ['checked_in', 'signed_up', 'absent'])
    .returning('volunteer_id')
    .executeTakeFirst()
  if (!out) return { hours: 0, credited: false }
  const credited = await creditEarned(tx, {
    volunteerId,
    activityId: a.id,
    areaId: a.area_id,
    hours,
    by,
    at: now,
  })
  if (credited)
    await tx
      .updateTable('activity_signup')
      .set({ credited_at: now })
      .where('activity_id', '=', a.id)
      .where('volunteer_id', '=', volunteerId)
      .execute()
  if (credited) {
    const v = await tx.selectFrom('volunteer').select('user_id').where('id', '=', volunteerId).executeTakeFirst()
    if (v?.user_id)
      await notify(tx, [v.user_id], {
        kind: 'activity_update',
        caseId: null,
        params: { title: a.title, event: 'credited', activityId: a.id, hours },
        at: now,
      })
  }
  return { hours, credited }
}

/**
 * The volunteer scans the activity's QR code: the first scan checks in, a later one (of a code
 * shown after the check-in) checks out and credits the hours. A forged, foreign or expired token is CHECKIN_TOKEN_INVALID; outside
 * [start − 30 min, end + 60 min] CHECKIN_WINDOW_CLOSED; without a sign-up ACTIVITY_NOT_SIGNED_UP.
 */
export async function scanCheckin(
  tx: Tx,
  ctx: RequestContext,
  activityId: number,
  input: Input<typeof checkinBody>,
  now: Date,
): Promise<Output<typeof checkinResultSchema>> {
  const actor = requireActor(ctx)
  const a = await loadActivity(tx, activityId)
  visible(a, actor)
  if (!tokenValid(a.checkin_secret, a.id, input.token, now))
    throw new AppError(
      'CHECKIN_TOKEN_INVALID',
      'this code is not valid for the activity or has expired: scan the code shown now',
      'token',
    )
  requireWindow(a, now)
  const me = await ownVolunteer(tx, actor)
  const s = me
    ? await tx
        .selectFrom('activity_signup')
        .select(['status', 'hours', 'credited_at', 'checked_in_at'])
        .where('activity_id', '=', a.id)
        .where('volunteer_id', '=', me.id)
        .forUpdate()
        .executeTakeFirst()
    : undefined
  if (!me || !s || s.status === 'cancelled')
    throw new AppError('ACTIVITY_NOT_SIGNED_UP', 'you are not signed up for this activity')
  const base = { activityId: a.id, title: a.title, at: now.toISOString() }
  if (s.status === 'signed_up' || s.status === 'absent') {
    await checkIn(tx, a, me.id, 'qr', now)
    return { ...base, result: 'checked_in', hours: null, credited: false }
  }
  // Checking out takes a code shown after the check-in: the check-in page opened again (a reload, a
  // second tap, a restored tab) with the same code does not check the volunteer out minutes later.
  // Nor does a second scan right after arriving, or before the start: a check-out then would
  // credit nothing and leave no way back.
  if (
    s.status === 'checked_in' &&
    s.checked_in_at &&
    (tokenIssuedAt(input.token) <= s.checked_in_at ||
      now < a.starts_at ||
      now.getTime() - s.checked_in_at.getTime() < MIN_STAY_MS)
  )
    return { ...base, at: s.checked_in_at.toISOString(), result: 'already_checked_in', hours: null, credited: false }
  if (s.status === 'checked_in') {
    const r = await checkOut(tx, a, me.id, now, actor.userId, undefined)
    return { ...base, result: 'checked_out', hours: r.hours, credited: r.credited }
  }
  return {
    ...base,
    result: 'already_checked_out',
    hours: s.hours === null ? null : Number(s.hours),
    credited: s.credited_at !== null,
  }
}

async function staffSignup(tx: Tx, ctx: RequestContext, activityId: number, volunteerId: number) {
  const a = await loadActivity(tx, activityId)
  visible(a, ctx.actor)
  const actor = requireServicesRole(ctx, a.area_path)
  const s = await tx
    .selectFrom('activity_signup as s')
    .innerJoin('volunteer as v', 'v.id', 's.volunteer_id')
    .select(['s.status', 's.credited_at', 'v.user_id'])
    .where('s.activity_id', '=', a.id)
    .where('s.volunteer_id', '=', volunteerId)
    .forUpdate('s')
    .executeTakeFirst()
  // Staff who volunteer check in and out by the code like everyone else, never credit themselves.
  if (s && s.user_id === actor.userId)
    throw new AppError('FORBIDDEN', 'staff do not check themselves in or out: scan the code', 'volunteerId')
  if (!s || s.status === 'cancelled')
    throw new AppError('ACTIVITY_NOT_SIGNED_UP', 'this volunteer is not signed up for the activity', 'volunteerId')
  return { a, actor, status: s.status as SignupState, credited: s.credited_at !== null }
}

/** Staff check a signed-up volunteer in (no token; the window applies). */
export async function staffCheckIn(tx: Tx, ctx: RequestContext, activityId: number, volunteerId: number, now: Date) {
  const { a, status, credited } = await staffSignup(tx, ctx, activityId, volunteerId)
  requireWindow(a, now)
  if (status === 'signed_up' || status === 'absent') await checkIn(tx, a, volunteerId, 'staff', now)
  else if (status === 'checked_out' && !credited)
    // A check-out that credited nothing (too early, or no hours given) is undone: in again.
    await tx
      .updateTable('activity_signup')
      .set({ status: 'checked_in', checked_out_at: null, hours: null })
      .where('activity_id', '=', a.id)
      .where('volunteer_id', '=', volunteerId)
      .execute()
  else if (status === 'checked_out')
    throw new AppError('ACTIVITY_ILLEGAL_TRANSITION', 'this volunteer has checked out already', 'volunteerId')
  return (await listSignups(tx, ctx, a.id)).find((r) => r.volunteerId === volunteerId)!
}

/**
 * Staff check a volunteer out (checking them in at the start if they never were) and credit the
 * hours: those given, at most the activity's length (HOURS_EXCEED_ACTIVITY naming `hours`), or
 * the time between check-in and now within the activity.
 */
export async function staffCheckOut(
  tx: Tx,
  ctx: RequestContext,
  activityId: number,
  volunteerId: number,
  input: Input<typeof staffCheckoutBody>,
  now: Date,
) {
  const { a, actor, status } = await staffSignup(tx, ctx, activityId, volunteerId)
  const length = (a.ends_at.getTime() - a.starts_at.getTime()) / HOUR
  if (input.hours !== undefined && input.hours > length)
    throw new AppError(
      'HOURS_EXCEED_ACTIVITY',
      `the activity lasts ${length} hours: no more can be credited`,
      'hours',
      {},
      { maxHours: length },
    )
  if (status === 'checked_out')
    throw new AppError('ACTIVITY_ILLEGAL_TRANSITION', 'this volunteer has checked out already', 'volunteerId')
  if (a.status !== 'published' && a.status !== 'finished')
    throw new AppError('ACTIVITY_ILLEGAL_TRANSITION', `the activity is ${a.status}`, null)
  if (now < new Date(a.starts_at.getTime() - OPENS_BEFORE))
    throw new AppError('CHECKIN_WINDOW_CLOSED', 'the activity has not begun', null)
  if (status === 'signed_up' || status === 'absent') await checkIn(tx, a, volunteerId, 'staff', a.starts_at)
  await checkOut(tx, a, volunteerId, now, actor.userId, input.hours)
  return (await listSignups(tx, ctx, a.id)).find((r) => r.volunteerId === volunteerId)!
}
