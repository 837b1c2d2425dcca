import { sql } from 'kysely'
import type { Tx } from '../core/db.js'
import { AppError, notFound } from '../core/errors.js'
import type { Input, Output } from '../core/http.js'
import { containing } from '../core/like.js'
import { offsetOf, pageQuerySchema, paginate } from '../core/paging.js'
import { body, date, id, nullable, shape, text, timestamp } from '../core/schemas.js'
import { requireActor, type RequestContext } from '../core/scope.js'
import { areaPathOf } from '../jurisdiction/service.js'
import {
  accountOfPerson,
  isServicesStaff,
  pathsWith,
  requireServicesRole,
  requireVerifiedPerson,
  volunteerStaff,
} from './common.js'
import { loadVolunteer, requireSelfOrStaff } from './timebank.js'

// Volunteers (志愿者): one record per registry person, made by the verified resident themself or
// by volunteer staff (service staff and grid workers) of the person's area, linked to the person's
// verified account if there is one. Skills and weekly availability; hours and the time bank in
// timebank.ts; care-visit assignments by volunteer staff here.

export const skills = [
  'elderly_care',
  'tutoring',
  'medical',
  'legal',
  'repair',
  'driving',
  'cooking',
  'language',
  'it',
  'culture',
  'environment',
  'psychology',
  'first_aid',
  'other',
] as const
/** Registry tags that make a person someone volunteers visit. */
export const careTags = ['elderly_alone', 'elderly', 'disabled', 'key_care', 'left_behind_child'] as const

const hhmm = { type: 'string', pattern: '^([01]\\d|2[0-3]):[0-5]\\d$' } as const
const slot = {
  type: 'object',
  additionalProperties: false,
  required: ['weekday', 'from', 'to'],
  properties: { weekday: { type: 'integer', minimum: 1, maximum: 7 }, from: hhmm, to: hhmm },
} as const
const skillList = { type: 'array', maxItems: 12, uniqueItems: true, items: { type: 'string', enum: skills } } as const
const availabilityList = { type: 'array', maxItems: 14, items: slot } as const

export const newVolunteerBody = body([], {
  personId: { ...id, description: 'Staff only: the registry person to register; left out, you register yourself' },
  skills: skillList,
  availability: { ...availabilityList, description: 'Weekly times you can help (from before to)' },
})
export const volunteerPatchBody = body([], {
  skills: skillList,
  availability: availabilityList,
  status: { type: 'string', enum: ['active', 'suspended'], description: 'Staff only' },
})
export const volunteerFilterQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    ...pageQuerySchema,
    skill: { type: 'string', enum: skills },
    areaId: id,
    q: { type: 'string', minLength: 1, maxLength: 50, description: 'Part of the name' },
  },
} as const

export const volunteerSchema = shape({
  id: { type: 'integer' },
  personId: { type: 'integer' },
  name: { type: 'string' },
  idMasked: { type: 'string' },
  hasAccount: { type: 'boolean' },
  areaId: { type: 'integer' },
  areaName: { type: 'string' },
  skills: { type: 'array', items: { type: 'string', enum: skills } },
  availability: { type: 'array', items: shape({ weekday: { type: 'integer' }, from: hhmm, to: hhmm }) },
  status: { type: 'string', enum: ['active', 'suspended'] },
  hoursTotal: { type: 'number' },
  balance: { type: 'number' },
  createdAt: timestamp,
  canManage: { type: 'boolean' },
})
export type VolunteerView = Output<typeof volunteerSchema>

export const newAssignmentBody = body(['kind', 'personId', 'startsOn'], {
  kind: { type: 'string', enum: ['care_visit'] },
  personId: { ...id, description: 'A person of the area with a care tag (elderly, living alone, disabled, …)' },
  startsOn: date,
  endsOn: { ...date, description: 'Not before startsOn; left out: open-ended' },
  note: text(500),
})
export const assignmentSchema = shape({
  id: { type: 'integer' },
  volunteerId: { type: 'integer' },
  kind: { type: 'string', enum: ['care_visit', 'emergency'] },
  personId: nullable('integer'),
  personName: nullable('string'),
  address: nullable('string'),
  startsOn: { type: 'string' },
  endsOn: nullable('string'),
  note: nullable('string'),
  createdAt: timestamp,
})

type VolunteerRow = Awaited<ReturnType<typeof loadVolunteer>>
type Slot = { weekday: number; from: string; to: string }

function checkAvailability(list: readonly Slot[] | undefined) {
  for (const [i, s] of (list ?? []).entries())
    if (s.from >= s.to)
      throw new AppError('VALIDATION_FAILED', 'a time slot ends after it begins', `availability.${i}.to`)
}

/** Names and masked IDs of volunteers the caller may see (a definer function: person is registry staff's). */
export async function volunteerPeople(tx: Tx, ids: number[]) {
  if (ids.length === 0) return new Map<number, { name: string; masked: string }>()
  const { rows } = await sql<{ id: number; name: string; id_number_masked: string }>`
    select id, name, id_number_masked from app_volunteer_people(${ids}::bigint[])`.execute(tx)
  return new Map(rows.map((r) => [Number(r.id), { name: r.name, masked: r.id_number_masked }]))
}

async function present(tx: Tx, ctx: RequestContext, rows: VolunteerRow[]): Promise<VolunteerView[]> {
  const people = await volunteerPeople(
    tx,
    rows.map((r) => r.id),
  )
  const areaIds = [...new Set(rows.map((r) => r.area_id))]
  const areas = areaIds.length
    ? await tx.selectFrom('area').select(['id', 'name_zh', 'path']).where('id', 'in', areaIds).execute()
    : []
  const areaOf = new Map(areas.map((a) => [a.id, a]))
  return rows.map((v) => ({
    id: v.id,
    personId: v.person_id,
    name: people.get(v.id)?.name ?? '',
    idMasked: people.get(v.id)?.masked ?? '',
    hasAccount: v.user_id !== null,
    areaId: v.area_id,
    areaName: areaOf.get(v.area_id)?.name_zh ?? '',
    skills: v.skills as (typeof skills)[number][],
    availability: (v.availability ?? []) as Slot[],
    status: v.status as 'active' | 'suspended',
    hoursTotal: Number(v.hours_total),
    balance: Number(v.balance),
    createdAt: v.created_at.toISOString(),
    canManage: isServicesStaff(ctx.actor, areaOf.get(v.area_id)?.path ?? '/none/', volunteerStaff),
  }))
}

export async function volunteerView(tx: Tx, ctx: RequestContext, v: VolunteerRow): Promise<VolunteerView> {
  return (await present(tx, ctx, [v]))[0]!
}

/**
 * Registers a volunteer: the verified caller themself, or (personId) a registry person of an area
 * where the caller is volunteer staff, linking the person's verified account if any. One record per
 * person and per account: a second is VOLUNTEER_ALREADY_REGISTERED (the unique indexes decide).
 */
export async function registerVolunteer(
  tx: Tx,
  ctx: RequestContext,
  input: Input<typeof newVolunteerBody>,
  now: Date,
): Promise<VolunteerView> {
  const actor = requireActor(ctx)
  checkAvailability(input.availability)
  let personId: number
  let areaId: number
  let userId: number | null
  if (input.personId === undefined) {
    const me = await requireVerifiedPerson(tx, ctx)
    personId = me.personId
    areaId = me.areaId
    userId = actor.userId
  } else {
    const person = await tx
      .selectFrom('person')
      .select(['id', 'area_id', 'status'])
      .where('id', '=', input.personId)
      .executeTakeFirst()
    if (person?.status !== 'active') throw notFound('PERSON_NOT_FOUND', 'no such person', 'personId')
    requireServicesRole(ctx, await areaPathOf(tx, person.area_id, 'personId'), volunteerStaff)
    personId = person.id
    areaId = person.area_id
    // The person's verified account (readable by the area's service staff; grid workers register
    // the person without it, and the account is linked when service staff register them).
    userId = await accountOfPerson(tx, personId)
  }
  const made = await tx
    .insertInto('volunteer')
    .values({
      person_id: personId,
      user_id: userId,
      area_id: areaId,
      district_id: sql<number>`null`,
      skills: input.skills ?? [],
      availability: JSON.stringify(input.availability ?? []),
      status: 'active',
      registered_by: actor.userId,
      created_at: now,
      updated_at: now,
    })
    .onConflict((oc) => oc.doNothing())
    .returning('id')
    .executeTakeFirst()
  if (!made && input.personId === undefined) {
    // Registered by staff before the resident verified: the resident takes the record over.
    const { rows } = await sql<{ id: number | null }>`select app_claim_volunteer() as id`.execute(tx)
    const claimed = rows[0]?.id
    if (claimed) return volunteerView(tx, ctx, await loadVolunteer(tx, Number(claimed)))
  }
  if (!made && input.personId !== undefined && userId !== null) {
    // Staff registering a person whose record lacks the account since verified: linked now.
    const linked = await tx
      .updateTable('volunteer')
      .set({ user_id: userId, updated_at: now })
      .where('person_id', '=', personId)
      .where('user_id', 'is', null)
      .returning('id')
      .executeTakeFirst()
    if (linked) return volunteerView(tx, ctx, await loadVolunteer(tx, linked.id))
  }
  if (!made)
    throw new AppError(
      'VOLUNTEER_ALREADY_REGISTERED',
      input.personId === undefined ? 'you are registered as a volunteer already' : 'this person is a volunteer already',
      input.personId === undefined ? null : 'personId',
    )
  return volunteerView(tx, ctx, await loadVolunteer(tx, made.id))
}

/** The caller's own volunteer record, or null. */
export async function myVolunteer(tx: Tx, ctx: RequestContext): Promise<VolunteerView | null> {
  const actor = requireActor(ctx)
  const v = await tx.selectFrom('volunteer').selectAll().where('user_id', '=', actor.userId).executeTakeFirst()
  return v ? volunteerView(tx, ctx, v) : null
}

export async function volunteerDetail(tx: Tx, ctx: RequestContext, volunteerId: number): Promise<VolunteerView> {
  const { v } = await requireSelfOrStaff(tx, ctx, volunteerId)
  return volunteerView(tx, ctx, v)
}

/** Volunteers of the areas where the caller is volunteer staff: by skill, area and name. */
export async function listVolunteers(tx: Tx, ctx: RequestContext, q: Input<typeof volunteerFilterQuery>) {
  const actor = requireActor(ctx)
  const paths = pathsWith(actor, volunteerStaff)
  const page = { page: q.page ?? 1, pageSize: q.pageSize ?? 50 }
  if (paths.length === 0) return paginate(page, [] as VolunteerView[], 0)
  let query = tx
    .selectFrom('volunteer as v')
    .innerJoin('area as a', 'a.id', 'v.area_id')
    .where((eb) => eb.or(paths.map((p) => eb('a.path', 'like', `${p}%`))))
  if (q.skill) query = query.where(sql<boolean>`v.skills @> array[${q.skill}]::text[]`)
  if (q.areaId !== undefined) {
    const path = await areaPathOf(tx, q.areaId)
    query = query.where('a.path', 'like', `${path}%`)
  }
  if (q.q)
    query = query.where(
      'v.person_id',
      'in',
      tx.selectFrom('person').select('id').where('name', 'like', containing(q.q)),
    )
  const { n } = await query.select(sql<number>`count(*)::int`.as('n')).executeTakeFirstOrThrow()
  const rows = await query
    .selectAll('v')
    .orderBy('v.hours_total', 'desc')
    .orderBy('v.id')
    .limit(page.pageSize)
    .offset(offsetOf(page))
    .execute()
  return paginate(page, await present(tx, ctx, rows), n)
}

/** The volunteer changes their skills and availability; staff also suspend or reactivate. */
export async function updateVolunteer(
  tx: Tx,
  ctx: RequestContext,
  volunteerId: number,
  input: Input<typeof volunteerPatchBody>,
  now: Date,
): Promise<VolunteerView> {
  const { actor, v, path } = await requireSelfOrStaff(tx, ctx, volunteerId)
  checkAvailability(input.availability)
  if (input.status !== undefined && !isServicesStaff(actor, path, volunteerStaff))
    throw new AppError('FORBIDDEN', 'only volunteer staff of the area suspend or reactivate a volunteer', 'status')
  await tx
    .updateTable('volunteer')
    .set({
      ...(input.skills ? { skills: input.skills } : {}),
      ...(input.availability ? { availability: JSON.stringify(input.availability) } : {}),
      ...(input.status ? { status: input.status } : {}),
      updated_at: now,
    })
    .where('id', '=', v.id)
    .execute()
  return volunteerView(tx, ctx, await loadVolunteer(tx, v.id))
}

/** Volunteer staff match a volunteer to the visits of a person of their area with a care tag. */
export async function assignVolunteer(
  tx: Tx,
  ctx: RequestContext,
  volunteerId: number,
  input: Input<typeof newAssignmentBody>,
  now: Date,
): Promise<Output<typeof assignmentSchema>> {
  const v = await loadVolunteer(tx, volunteerId)
  const actor = requireServicesRole(ctx, await areaPathOf(tx, v.area_id, null), volunteerStaff)
  if (input.endsOn !== undefined && input.endsOn < input.startsOn)
    throw new AppError('VALIDATION_FAILED', 'the assignment ends before it starts', 'endsOn')
  const person = await tx
    .selectFrom('person')
    .select(['id', 'area_id', 'tags', 'status'])
    .where('id', '=', input.personId)
    .executeTakeFirst()
  if (person?.status !== 'active') throw notFound('PERSON_NOT_FOUND', 'no such person', 'personId')
  requireServicesRole(ctx, await areaPathOf(tx, person.area_id, 'personId'), volunteerStaff)
  if (!person.tags.some((t) => (careTags as readonly string[]).includes(t)))
    throw new AppError(
      'VALIDATION_FAILED',
      `care visits are for people with a care tag (${careTags.join(', ')})`,
      'personId',
    )
  const row = await tx
    .insertInto('volunteer_assignment')
    .values({
      volunteer_id: v.id,
      area_id: person.area_id,
      kind: input.kind,
      person_id: person.id,
      note: input.note ?? null,
      starts_on: input.startsOn,
      ends_on: input.endsOn ?? null,
      assigned_by: actor.userId,
      created_at: now,
    })
    .returning('id')
    .executeTakeFirstOrThrow()
  const list = await assignments(tx, ctx, v.id)
  return list.find((a) => a.id === row.id)!
}

/** A volunteer's care-visit assignments (the volunteer and volunteer staff), newest first. */
export async function assignments(
  tx: Tx,
  ctx: RequestContext,
  volunteerId: number,
): Promise<Output<typeof assignmentSchema>[]> {
  const { v } = await requireSelfOrStaff(tx, ctx, volunteerId)
  const rows = await tx
    .selectFrom('volunteer_assignment')
    .selectAll()
    .where('volunteer_id', '=', v.id)
    .orderBy('starts_on', 'desc')
    .orderBy('id', 'desc')
    .limit(200)
    .execute()
  const ids = rows.map((r) => r.id)
  const { rows: people } = ids.length
    ? await sql<{ id: number; name: string; address: string | null }>`
        select id, name, address from app_assignment_people(${ids}::bigint[])`.execute(tx)
    : { rows: [] }
  const byId = new Map(people.map((p) => [Number(p.id), p]))
  return rows.map((r) => ({
    id: r.id,
    volunteerId: r.volunteer_id,
    kind: r.kind as 'care_visit' | 'emergency',
    personId: r.person_id,
    personName: byId.get(r.id)?.name ?? null,
    address: byId.get(r.id)?.address ?? null,
    startsOn: r.starts_on,
    endsOn: r.ends_on,
    note: r.note,
    createdAt: r.created_at.toISOString(),
  }))
}
