import { sql } from 'kysely'
import { recordAudit } from '../audit/service.js'
import type { Tx } from '../core/db.js'
import { AppError, notFound } from '../core/errors.js'
import type { Input, Output } from '../core/http.js'
import { startingWith } from '../core/like.js'
import { offsetOf, pageQuerySchema, paginate, type Page } from '../core/paging.js'
import { body, date, id, nullable, orNull, shape, timestamp } from '../core/schemas.js'
import { holds, requireActor, type Actor, type RequestContext } from '../core/scope.js'
import { maskName } from '../emergency/common.js'
import { areaPathOf } from '../jurisdiction/service.js'
import { today } from '../registry/people.js'
import { memberRoles, memberStandings, memberStatuses, partyKeepers, servicePosts, workplaceKinds } from './common.js'

// Party members (党员): registry people in one organisation of the network at a time. A member is
// read on the branch of their organisation's area (and by the community they report to); the
// person behind them is shown as the registry would show them to the caller: the name in full to
// the registry staff over the person's area, masked (张*) to everyone else; never an ID number,
// a phone or an address. Reporting to a community is in reports.ts, assignments in assignments.ts.

const ref = shape({ id: { type: 'integer' }, name: { type: 'string' } })

export const memberSchema = shape({
  id: { type: 'integer' },
  personId: { type: 'integer' },
  name: { type: 'string', description: 'Masked (张*) unless the caller reads the person in the registry' },
  sex: { type: 'string', enum: ['male', 'female', 'unknown'] },
  age: { type: ['integer', 'null'], description: 'Only for callers who read the person in the registry' },
  organisation: ref,
  areaId: { type: 'integer' },
  role: { type: 'string', enum: memberRoles },
  standing: { type: 'string', enum: memberStandings },
  joinedOn: { type: 'string' },
  workplaceKind: { type: 'string', enum: workplaceKinds },
  workplaceName: nullable('string'),
  reportedTo: orNull(ref),
  liveAssignments: { type: 'integer' },
  hasAccount: { type: 'boolean' },
  status: { type: 'string', enum: memberStatuses },
  leftOn: nullable('string'),
  version: { type: 'integer' },
  canManage: { type: 'boolean' },
})
export type MemberView = Output<typeof memberSchema>

export const memberQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    ...pageQuerySchema,
    organisationId: id,
    areaId: { ...id, description: 'Members of organisations in this area or below' },
    role: { type: 'string', enum: memberRoles },
    standing: { type: 'string', enum: memberStandings },
    status: { type: 'string', enum: memberStatuses, description: 'Left out: active' },
    reported: { type: 'boolean', description: 'With (true) or without (false) an active report to a community' },
    q: { type: 'string', minLength: 1, maxLength: 20, description: 'The name starts with (people you read)' },
  },
} as const

export const newMemberBody = body(['personId', 'organisationId', 'role', 'standing', 'joinedOn', 'workplaceKind'], {
  personId: { ...id, description: 'A living registry person of the caller’s areas' },
  organisationId: { ...id, description: 'An active party organisation the caller keeps' },
  role: { type: 'string', enum: memberRoles },
  standing: { type: 'string', enum: memberStandings },
  joinedOn: { ...date, description: 'Joined the party (not in the future)' },
  workplaceKind: { type: 'string', enum: workplaceKinds },
  workplaceDepartmentId: { ...id, description: 'With workplaceKind department' },
  workplaceOrganisationId: {
    ...id,
    description: 'A registry organisation (enterprise, institution, social organisation)',
  },
})

export const memberPatchBody = body(['version'], {
  version: { type: 'integer', minimum: 1, maximum: 2147483647 },
  role: { type: 'string', enum: memberRoles },
  standing: { type: 'string', enum: memberStandings },
  organisationId: { ...id, description: 'Transfer to another organisation the caller keeps' },
  status: { type: 'string', enum: ['transferred', 'left'], description: 'Transferred out of the network, or left' },
  leftOn: { ...date, description: 'With status: the day (not in the future)' },
})

const reportItem = shape({
  id: { type: 'integer' },
  community: ref,
  servicePost: { type: 'string', enum: servicePosts },
  reportedOn: { type: 'string' },
  note: nullable('string'),
  volunteerId: nullable('integer'),
  hoursSince: { type: 'number' },
  status: { type: 'string', enum: ['active', 'withdrawn'] },
  withdrawnOn: nullable('string'),
  version: { type: 'integer' },
})

export const assignmentItem = shape({
  id: { type: 'integer' },
  grid: orNull(ref),
  case: orNull(shape({ id: { type: 'integer' }, trackingCode: { type: 'string' }, state: { type: 'string' } })),
  note: nullable('string'),
  assignedAt: timestamp,
  endedAt: { type: ['string', 'null'], format: 'date-time' },
})

export const memberDetailSchema = shape({
  ...memberSchema.properties,
  reports: { type: 'array', items: reportItem },
  assignments: { type: 'array', items: assignmentItem },
  service: orNull(
    shape({
      volunteerId: { type: 'integer' },
      hoursTotal: { type: 'number' },
      activities: {
        type: 'array',
        items: shape({
          id: { type: 'integer' },
          title: { type: 'string' },
          startsAt: timestamp,
          hours: { type: ['number', 'null'] },
        }),
      },
    }),
  ),
})
export type MemberDetail = Output<typeof memberDetailSchema>

type MemberRow = {
  id: number
  person_id: number
  organisation_id: number
  area_id: number
  role: string
  standing: string
  joined_on: string
  workplace_kind: string
  workplace_department_id: number | null
  workplace_organisation_id: number | null
  user_id: number | null
  status: string
  left_on: string | null
  version: number
}

const memberColumns = [
  'm.id',
  'm.person_id',
  'm.organisation_id',
  'm.area_id',
  'm.role',
  'm.standing',
  'm.joined_on',
  'm.workplace_kind',
  'm.workplace_department_id',
  'm.workplace_organisation_id',
  'm.user_id',
  'm.status',
  'm.left_on',
  'm.version',
] as const

export type PersonOfMember = {
  member_id: number
  person_id: number
  name: string
  sex: string
  birth_date: string | null
  person_area_id: number
  person_status: string
  in_registry: boolean
}

/** The people behind members the caller reads (a definer function: see migration 0070). */
export async function peopleOfMembers(tx: Tx, ids: number[]): Promise<Map<number, PersonOfMember>> {
  if (ids.length === 0) return new Map()
  const { rows } = await sql<PersonOfMember>`
    select member_id, person_id, name, sex, birth_date::text as birth_date, person_area_id, person_status, in_registry
    from app_party_member_people(${ids}::bigint[])`.execute(tx)
  return new Map(rows.map((r) => [Number(r.member_id), { ...r, member_id: Number(r.member_id) }]))
}

/** The name as the registry shows it to the caller: in full to its readers, masked to the rest. */
export const nameFor = (p: PersonOfMember | undefined) => (p ? (p.in_registry ? p.name : maskName(p.name)) : '*')

function ageOn(birth: string | null, day: string): number | null {
  if (!birth) return null
  const [by, bm, bd] = birth.split('-').map(Number) as [number, number, number]
  const [y, m, d] = day.split('-').map(Number) as [number, number, number]
  return y - by - (m < bm || (m === bm && d < bd) ? 1 : 0)
}

const sexOf = (s: string | undefined) => (s === 'male' || s === 'female' ? s : 'unknown')

async function present(tx: Tx, ctx: RequestContext, rows: MemberRow[], now: Date): Promise<MemberView[]> {
  if (rows.length === 0) return []
  const ids = rows.map((r) => r.id)
  const people = await peopleOfMembers(tx, ids)
  const orgIds = [...new Set(rows.map((r) => r.organisation_id))]
  const orgs = await tx
    .selectFrom('party_organisation as o')
    .innerJoin('area as a', 'a.id', 'o.area_id')
    .select(['o.id', 'o.name', 'a.path'])
    .where('o.id', 'in', orgIds)
    .execute()
  const orgOf = new Map(orgs.map((o) => [o.id, o]))
  const deptIds = [...new Set(rows.flatMap((r) => (r.workplace_department_id ? [r.workplace_department_id] : [])))]
  const depts = deptIds.length
    ? await tx.selectFrom('department').select(['id', 'name_zh as name']).where('id', 'in', deptIds).execute()
    : []
  const unitIds = [...new Set(rows.flatMap((r) => (r.workplace_organisation_id ? [r.workplace_organisation_id] : [])))]
  const units = unitIds.length
    ? await tx.selectFrom('organisation').select(['id', 'name']).where('id', 'in', unitIds).execute()
    : []
  const reports = await tx
    .selectFrom('party_member_report as r')
    .innerJoin('area as a', 'a.id', 'r.area_id')
    .select(['r.member_id', 'a.id', 'a.name_zh'])
    .where('r.member_id', 'in', ids)
    .where('r.status', '=', 'active')
    .execute()
  const reportOf = new Map(reports.map((r) => [r.member_id, { id: r.id, name: r.name_zh }]))
  const live = await tx
    .selectFrom('party_assignment')
    .select(['member_id', sql<number>`count(*)::int`.as('n')])
    .where('member_id', 'in', ids)
    .where('ended_at', 'is', null)
    .groupBy('member_id')
    .execute()
  const liveOf = new Map(live.map((l) => [l.member_id, Number(l.n)]))
  const day = today(now)
  return rows.map((r) => {
    const person = people.get(r.id)
    const org = orgOf.get(r.organisation_id)
    const workplaceName =
      (r.workplace_department_id && depts.find((d) => d.id === r.workplace_department_id)?.name) ||
      (r.workplace_organisation_id && units.find((u) => u.id === r.workplace_organisation_id)?.name) ||
      null
    return {
      id: r.id,
      personId: r.person_id,
      name: nameFor(person),
      sex: sexOf(person?.sex),
      age: person?.in_registry ? ageOn(person.birth_date, day) : null,
      organisation: { id: r.organisation_id, name: org?.name ?? '' },
      areaId: r.area_id,
      role: r.role as MemberView['role'],
      standing: r.standing as MemberView['standing'],
      joinedOn: r.joined_on,
      workplaceKind: r.workplace_kind as MemberView['workplaceKind'],
      workplaceName,
      reportedTo: reportOf.get(r.id) ?? null,
      liveAssignments: liveOf.get(r.id) ?? 0,
      hasAccount: r.user_id !== null,
      status: r.status as MemberView['status'],
      leftOn: r.left_on,
      version: r.version,
      canManage: !!org && holds(ctx.actor, partyKeepers, org.path),
    }
  })
}

/** The member if the caller reads them (row-level security decides), else 404 PARTY_MEMBER_NOT_FOUND. */
export async function loadMember(tx: Tx, memberId: number, field: string | null = 'id'): Promise<MemberRow> {
  const row = await tx
    .selectFrom('party_member as m')
    .select(memberColumns)
    .where('m.id', '=', memberId)
    .executeTakeFirst()
  if (!row) throw notFound('PARTY_MEMBER_NOT_FOUND', `no party member ${memberId}`, field)
  return row
}

/** The member, whom the caller must keep (admin, leader or staff over the organisation's area), else 403. */
export async function requireKeeperOf(
  tx: Tx,
  ctx: RequestContext,
  memberId: number,
): Promise<{ actor: Actor; member: MemberRow; path: string }> {
  const actor = requireActor(ctx)
  const member = await loadMember(tx, memberId)
  const path = await areaPathOf(tx, member.area_id, null)
  if (!holds(actor, partyKeepers, path))
    throw new AppError('FORBIDDEN', 'only the admins, leaders and staff over the organisation’s area keep its members')
  return { actor, member, path }
}

export async function memberView(tx: Tx, ctx: RequestContext, memberId: number, now: Date): Promise<MemberView> {
  return (await present(tx, ctx, [await loadMember(tx, memberId)], now))[0]!
}

/** Members the caller reads, filtered; newest organisation code order is not needed: by organisation, role, id. */
export async function listMembers(
  tx: Tx,
  ctx: RequestContext,
  q: Input<typeof memberQuery>,
  now: Date,
): Promise<Page<MemberView>> {
  requireActor(ctx)
  const page = { page: q.page ?? 1, pageSize: q.pageSize ?? 50 }
  let query = tx.selectFrom('party_member as m').where('m.status', '=', q.status ?? 'active')
  if (q.organisationId !== undefined) query = query.where('m.organisation_id', '=', q.organisationId)
  if (q.areaId !== undefined) {
    const path = await areaPathOf(tx, q.areaId)
    query = query.where('m.area_id', 'in', (eb) => eb.selectFrom('area').select('id').where('path', 'like', `${path}%`))
  }
  if (q.role !== undefined) query = query.where('m.role', '=', q.role)
  if (q.standing !== undefined) query = query.where('m.standing', '=', q.standing)
  if (q.reported !== undefined) {
    const reported = sql<boolean>`exists (select 1 from party_member_report r where r.member_id = m.id and r.status = 'active')`
    query = query.where(q.reported ? reported : sql<boolean>`not ${reported}`)
  }
  if (q.q !== undefined)
    query = query.where('m.id', 'in', sql<number>`(select app_party_members_named(${startingWith(q.q.trim() || q.q)}))`)
  const { n } = await query.select(sql<number>`count(*)::int`.as('n')).executeTakeFirstOrThrow()
  const rows = await query
    .select(memberColumns)
    .orderBy('m.organisation_id')
    .orderBy(
      sql`case m.role when 'secretary' then 0 when 'deputy_secretary' then 1 when 'committee_member' then 2 else 3 end`,
    )
    .orderBy('m.id')
    .limit(page.pageSize)
    .offset(offsetOf(page))
    .execute()
  return paginate(page, await present(tx, ctx, rows, now), Number(n))
}

type OrgRow = { id: number; area_id: number; status: string; path: string; name: string }

/** An organisation the caller reads (404 otherwise), active (422) and kept by the caller (403). */
async function keptOrganisation(tx: Tx, actor: Actor, organisationId: number, field: string): Promise<OrgRow> {
  const org = await tx
    .selectFrom('party_organisation as o')
    .innerJoin('area as a', 'a.id', 'o.area_id')
    .select(['o.id', 'o.area_id', 'o.status', 'a.path', 'o.name'])
    .where('o.id', '=', organisationId)
    .executeTakeFirst()
  if (!org) throw notFound('PARTY_ORGANISATION_NOT_FOUND', `no party organisation ${organisationId}`, field)
  if (org.status !== 'active')
    throw new AppError(
      'PARTY_ORGANISATION_INVALID',
      `${org.name} is dissolved: members join active organisations`,
      field,
    )
  if (!holds(actor, partyKeepers, org.path))
    throw new AppError('FORBIDDEN', 'only the admins, leaders and staff over the organisation’s area keep its members')
  return org
}

/** The resident account verified against the registry person, if any (participation's verification). */
async function accountOf(tx: Tx, personId: number): Promise<number | null> {
  const { rows } = await sql<{ user_id: number }>`
    select user_id from resident_verification where person_id = ${personId} limit 1`.execute(tx)
  return rows[0]?.user_id ?? null
}

/** Checks a workplace against its kind: a department for 'department', a registry organisation otherwise. */
async function checkWorkplace(
  tx: Tx,
  kind: string,
  departmentId: number | null | undefined,
  organisationId: number | null | undefined,
) {
  if (departmentId != null) {
    if (kind !== 'department')
      throw new AppError('VALIDATION_FAILED', 'a department is a workplace of kind department', 'workplaceDepartmentId')
    const d = await tx.selectFrom('department').select('id').where('id', '=', departmentId).executeTakeFirst()
    if (!d) throw notFound('DEPARTMENT_NOT_FOUND', `no department ${departmentId}`, 'workplaceDepartmentId')
  }
  if (organisationId != null) {
    if (!['enterprise', 'institution', 'social_organisation'].includes(kind))
      throw new AppError(
        'VALIDATION_FAILED',
        'a registry organisation is the workplace of an enterprise, institution or social organisation',
        'workplaceOrganisationId',
      )
    const o = await tx.selectFrom('organisation').select('id').where('id', '=', organisationId).executeTakeFirst()
    if (!o) throw notFound('RECORD_NOT_FOUND', `no organisation ${organisationId}`, 'workplaceOrganisationId')
  }
}

/**
 * Records a registry person as a member of an organisation the caller keeps. The person must be
 * one the caller reads in the registry and living there (not deceased, moved out or merged):
 * 422 PARTY_MEMBER_PERSON_INVALID otherwise; an active member already: 409 PARTY_MEMBER_ALREADY.
 * The person's verified resident account, if any, is linked. Audited.
 */
export async function createMember(
  tx: Tx,
  ctx: RequestContext,
  input: Input<typeof newMemberBody>,
  now: Date,
): Promise<MemberView> {
  const actor = requireActor(ctx)
  if (input.joinedOn > today(now)) throw new AppError('VALIDATION_FAILED', 'joinedOn is in the future', 'joinedOn')
  // The registry's own row-level security: a person outside the caller's areas is nobody here.
  const person = await tx
    .selectFrom('person')
    .select(['id', 'status', 'area_id'])
    .where('id', '=', input.personId)
    .executeTakeFirst()
  if (!person)
    throw new AppError('PARTY_MEMBER_PERSON_INVALID', `no registry person ${input.personId} in your areas`, 'personId')
  if (person.status !== 'active')
    throw new AppError(
      'PARTY_MEMBER_PERSON_INVALID',
      `the registry person is ${person.status === 'deceased' ? 'deceased' : person.status === 'merged' ? 'merged into another record' : 'moved out'}`,
      'personId',
    )
  const org = await keptOrganisation(tx, actor, input.organisationId, 'organisationId')
  await checkWorkplace(tx, input.workplaceKind, input.workplaceDepartmentId, input.workplaceOrganisationId)
  const { rows: taken } = await sql<{ yes: boolean }>`select app_party_person_is_member(${person.id}) as yes`.execute(
    tx,
  )
  if (taken[0]?.yes)
    throw new AppError('PARTY_MEMBER_ALREADY', 'this person is an active party member already', 'personId')
  await tx
    .insertInto('party_member')
    .values({
      person_id: person.id,
      organisation_id: org.id,
      area_id: org.area_id,
      district_id: sql<number>`null`,
      role: input.role,
      standing: input.standing,
      joined_on: input.joinedOn,
      workplace_kind: input.workplaceKind,
      workplace_department_id: input.workplaceDepartmentId ?? null,
      workplace_organisation_id: input.workplaceOrganisationId ?? null,
      user_id: await accountOf(tx, person.id),
      status: 'active',
      created_by: actor.userId,
      created_at: now,
      updated_at: now,
    })
    // No ON CONFLICT nor RETURNING: both would check the read policy, whose set of members is
    // taken before the row exists. A race past the check above is a unique violation (409).
    .execute()
  const made = await tx
    .selectFrom('party_member')
    .select('id')
    .where('person_id', '=', person.id)
    .where('status', '=', 'active')
    .executeTakeFirstOrThrow()
  await recordAudit(tx, ctx, {
    action: 'party.member.create',
    entityType: 'party_member',
    entityId: made.id,
    areaId: org.area_id,
    detail: { personId: person.id, organisationId: org.id, role: input.role, standing: input.standing },
  })
  return memberView(tx, ctx, made.id, now)
}

/**
 * Changes a member (the version read, else 409 PARTY_VERSION_CONFLICT): role, standing, a transfer
 * to another organisation the caller keeps, or leaving the network (transferred out, left) on a
 * day, which withdraws an active report and ends live assignments. Audited.
 */
export async function updateMember(
  tx: Tx,
  ctx: RequestContext,
  memberId: number,
  input: Input<typeof memberPatchBody>,
  now: Date,
): Promise<MemberView> {
  const { actor, member } = await requireKeeperOf(tx, ctx, memberId)
  if (member.version !== input.version)
    throw new AppError('PARTY_VERSION_CONFLICT', 'the member was changed meanwhile: reload and try again', 'version')
  if (member.status !== 'active')
    throw new AppError('CONFLICT', 'the member has left the organisation: nothing more to change', 'status')
  if ((input.status === undefined) !== (input.leftOn === undefined))
    throw new AppError('VALIDATION_FAILED', 'status and leftOn go together', input.status ? 'leftOn' : 'status')
  if (input.leftOn !== undefined && input.leftOn > today(now))
    throw new AppError('VALIDATION_FAILED', 'leftOn is in the future', 'leftOn')
  if (input.leftOn !== undefined && input.leftOn < member.joined_on)
    throw new AppError('VALIDATION_FAILED', 'leftOn is before the member joined', 'leftOn')
  let areaId = member.area_id
  if (input.organisationId !== undefined && input.organisationId !== member.organisation_id) {
    const org = await keptOrganisation(tx, actor, input.organisationId, 'organisationId')
    areaId = org.area_id
  }
  const changed = await tx
    .updateTable('party_member')
    .set({
      ...(input.role ? { role: input.role } : {}),
      ...(input.standing ? { standing: input.standing } : {}),
      ...(input.organisationId !== undefined ? { organisation_id: input.organisationId, area_id: areaId } : {}),
      ...(input.status ? { status: input.status, left_on: input.leftOn ?? null } : {}),
      version: sql<number>`version + 1`,
      updated_at: now,
    })
    .where('id', '=', member.id)
    .where('version', '=', input.version)
    .returning('id')
    .executeTakeFirst()
  if (!changed)
    throw new AppError('PARTY_VERSION_CONFLICT', 'the member was changed meanwhile: reload and try again', 'version')
  if (input.status) {
    await tx
      .updateTable('party_member_report')
      .set({ status: 'withdrawn', withdrawn_on: input.leftOn!, version: sql<number>`version + 1`, updated_at: now })
      .where('member_id', '=', member.id)
      .where('status', '=', 'active')
      .execute()
    await tx
      .updateTable('party_assignment')
      .set({ ended_at: now })
      .where('member_id', '=', member.id)
      .where('ended_at', 'is', null)
      .execute()
  }
  await recordAudit(tx, ctx, {
    action: 'party.member.update',
    entityType: 'party_member',
    entityId: member.id,
    areaId,
    detail: {
      ...(input.role ? { role: input.role } : {}),
      ...(input.standing ? { standing: input.standing } : {}),
      ...(input.organisationId !== undefined ? { from: member.organisation_id, to: input.organisationId } : {}),
      ...(input.status ? { status: input.status, leftOn: input.leftOn } : {}),
    },
  })
  return memberView(tx, ctx, member.id, now)
}

/** The member page: the member with their reports, assignments and service (volunteer hours and activities). */
export async function memberDetail(tx: Tx, ctx: RequestContext, memberId: number, now: Date): Promise<MemberDetail> {
  requireActor(ctx)
  const view = await memberView(tx, ctx, memberId, now)
  const reports = await tx
    .selectFrom('party_member_report as r')
    .innerJoin('area as a', 'a.id', 'r.area_id')
    .select([
      'r.id',
      'a.id as area_id',
      'a.name_zh',
      'r.service_post',
      'r.reported_on',
      'r.note',
      'r.volunteer_id',
      'r.status',
      'r.withdrawn_on',
      'r.version',
    ])
    .where('r.member_id', '=', memberId)
    .orderBy('r.reported_on', 'desc')
    .orderBy('r.id', 'desc')
    .execute()
  const hours = await reportHours(
    tx,
    reports.map((r) => r.id),
  )
  const assignments = await assignmentsOf(tx, { memberId })
  const { rows: service } = await sql<{
    volunteer_id: number
    hours_total: string
    activity_id: number | null
    title: string | null
    starts_at: Date | null
    hours: string | null
  }>`select volunteer_id, hours_total, activity_id, title, starts_at, hours from app_party_member_service(${memberId})`.execute(
    tx,
  )
  return {
    ...view,
    reports: reports.map((r) => ({
      id: r.id,
      community: { id: r.area_id, name: r.name_zh },
      servicePost: r.service_post as (typeof servicePosts)[number],
      reportedOn: r.reported_on,
      note: r.note,
      volunteerId: r.volunteer_id,
      hoursSince: hours.get(r.id) ?? 0,
      status: r.status as 'active' | 'withdrawn',
      withdrawnOn: r.withdrawn_on,
      version: r.version,
    })),
    assignments: assignments.map((a) => a.item),
    service: service[0]
      ? {
          volunteerId: Number(service[0].volunteer_id),
          hoursTotal: Number(service[0].hours_total),
          activities: service.flatMap((s) =>
            s.activity_id !== null && s.starts_at
              ? [
                  {
                    id: Number(s.activity_id),
                    title: s.title ?? '',
                    startsAt: new Date(s.starts_at).toISOString(),
                    hours: s.hours === null ? null : Number(s.hours),
                  },
                ]
              : [],
          ),
        }
      : null,
  }
}

/** Hours earned since reporting, per report the caller reads (definer function, migration 0070). */
export async function reportHours(tx: Tx, ids: number[]): Promise<Map<number, number>> {
  if (ids.length === 0) return new Map()
  const { rows } = await sql<{ report_id: number; hours: string }>`
    select report_id, hours from app_party_report_hours(${ids}::bigint[])`.execute(tx)
  return new Map(rows.map((r) => [Number(r.report_id), Number(r.hours)]))
}

export type AssignmentItem = Output<typeof assignmentItem>

/** Assignments (live first, then the newest), with their grid or case, by member, case or grid. */
export async function assignmentsOf(
  tx: Tx,
  by: { memberId?: number; caseId?: number; gridId?: number; liveOnly?: boolean },
): Promise<{ memberId: number; item: AssignmentItem }[]> {
  let query = tx
    .selectFrom('party_assignment as x')
    .leftJoin('area as g', 'g.id', 'x.grid_id')
    .leftJoin('cases as c', 'c.id', 'x.case_id')
    .select([
      'x.id',
      'x.member_id',
      'x.grid_id',
      'g.name_zh as grid_name',
      'x.case_id',
      'c.tracking_code',
      'c.state',
      'x.note',
      'x.assigned_at',
      'x.ended_at',
    ])
  if (by.memberId !== undefined) query = query.where('x.member_id', '=', by.memberId)
  if (by.caseId !== undefined) query = query.where('x.case_id', '=', by.caseId)
  if (by.gridId !== undefined) query = query.where('x.grid_id', '=', by.gridId)
  if (by.liveOnly) query = query.where('x.ended_at', 'is', null)
  const rows = await query
    .orderBy(sql`x.ended_at is null`, 'desc')
    .orderBy('x.assigned_at', 'desc')
    .orderBy('x.id', 'desc')
    .limit(200)
    .execute()
  return rows.map((r) => ({
    memberId: r.member_id,
    item: {
      id: r.id,
      grid: r.grid_id !== null ? { id: r.grid_id, name: r.grid_name ?? '' } : null,
      case: r.case_id !== null ? { id: r.case_id, trackingCode: r.tracking_code ?? '', state: r.state ?? '' } : null,
      note: r.note,
      assignedAt: r.assigned_at.toISOString(),
      endedAt: r.ended_at ? r.ended_at.toISOString() : null,
    },
  }))
}
