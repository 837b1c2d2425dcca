import { sql } from 'kysely'
import { areaPathOf } from '../jurisdiction/service.js'
import { recordAudit } from '../audit/service.js'
import type { Tx } from '../core/db.js'
import { AppError, invalid, notFound } from '../core/errors.js'
import type { Input, Output } from '../core/http.js'
import { offsetOf, paginate, type Page, type PageRequest } from '../core/paging.js'
import { body, date, id, nullable, point, shape, text } from '../core/schemas.js'
import type { RequestContext } from '../core/scope.js'
import { checkDate, checkUscc } from './identity.js'
import { containing } from '../core/like.js'
import { loadPerson, personSchema, personViewColumns, presentPerson, today, type PersonView } from './people.js'
import {
  districtOf,
  inSubtree,
  placementAt,
  placementOf,
  pointJson,
  pointSql,
  recordHistory,
  requireRoleOver,
  writerRoles,
  type Placement,
} from './records.js'
import { dayOrNull, positionOrNull, recordCode } from './schemas.js'

// Households, buildings and dwellings, places and organisations (地、物、组织).

type Point = { lng: number; lat: number }
type ListQuery = PageRequest & { areaId?: number; q?: string }

const missing = (what: string, field: string | null = null) => notFound('RECORD_NOT_FOUND', what, field)

async function placed(tx: Tx, areaId: number): Promise<Placement> {
  const path = await areaPathOf(tx, areaId)
  return { areaId, districtId: districtOf(path, areaId), path }
}

// ── Buildings and dwellings ───────────────────────────────────────────────────────────────────

export const buildingKinds = ['residential', 'commercial', 'mixed', 'public', 'industrial'] as const

export const newBuildingBody = body(['code', 'name', 'kind', 'address', 'location'], {
  code: recordCode,
  name: text(100),
  kind: { type: 'string', enum: buildingKinds },
  address: text(300),
  floors: { type: 'integer', minimum: 1, maximum: 200 },
  location: point,
})
export type NewBuilding = Input<typeof newBuildingBody>

const buildingColumns = [
  'b.id',
  'b.area_id',
  'b.code',
  'b.name',
  'b.kind',
  'b.address',
  'b.floors',
  'b.created_at',
  'b.updated_at',
] as const

export const buildingSchema = shape({
  id: { type: 'integer' },
  areaId: { type: 'integer' },
  code: { type: 'string' },
  name: { type: 'string' },
  kind: { type: 'string' },
  address: { type: 'string' },
  floors: nullable('integer'),
  location: positionOrNull,
})
export const buildingListItemSchema = shape({ ...buildingSchema.properties, dwellings: { type: 'integer' } })
export const buildingDetailSchema = shape({
  ...buildingSchema.properties,
  dwellings: {
    type: 'array',
    items: shape({
      id: { type: 'integer' },
      unit: { type: 'string' },
      floor: nullable('integer'),
      room: { type: 'string' },
      residents: { type: 'array', items: personSchema },
    }),
  },
})

function presentBuilding(b: {
  id: number
  area_id: number
  code: string
  name: string
  kind: string
  address: string
  floors: number | null
  location: Point | null
}): Output<typeof buildingSchema> {
  return {
    id: b.id,
    areaId: b.area_id,
    code: b.code,
    name: b.name,
    kind: b.kind,
    address: b.address,
    floors: b.floors,
    location: b.location,
  }
}

export async function createBuilding(
  tx: Tx,
  ctx: RequestContext,
  input: NewBuilding,
  now: Date,
): Promise<Output<typeof buildingSchema>> {
  const place = await placementAt(tx, input.location)
  requireRoleOver(ctx, writerRoles, place, 'registering a building')
  const b = await tx
    .insertInto('building')
    .values({
      area_id: place.areaId,
      district_id: place.districtId,
      code: input.code,
      name: input.name,
      kind: input.kind,
      address: input.address,
      floors: input.floors ?? null,
      location: pointSql(input.location),
      created_at: now,
      updated_at: now,
    })
    .returning(['id', 'area_id', 'code', 'name', 'kind', 'address', 'floors'])
    .executeTakeFirstOrThrow()
  await recordHistory(tx, ctx, { entity: 'building', id: b.id, areaId: b.area_id, action: 'create', at: now })
  await recordAudit(tx, ctx, { action: 'building.create', entityType: 'building', entityId: b.id, areaId: b.area_id })
  return presentBuilding({ ...b, location: input.location })
}

export async function listBuildings(tx: Tx, f: ListQuery): Promise<Page<Output<typeof buildingListItemSchema>>> {
  let q = tx.selectFrom('building as b')
  if (f.areaId !== undefined) q = q.where(inSubtree(await areaPathOf(tx, f.areaId)))
  if (f.q)
    q = q.where(
      sql<boolean>`(b.name ilike ${containing(f.q)} or b.address ilike ${containing(f.q)} or b.code = ${f.q})`,
    )
  const rows = await q
    .select(buildingColumns)
    .select([
      pointJson('b.location').as('location'),
      sql<number>`(select count(*) from dwelling d where d.building_id = b.id)`.as('dwellings'),
      sql<number>`count(*) over ()`.as('total'),
    ])
    .orderBy('b.code')
    .limit(f.pageSize)
    .offset(offsetOf(f))
    .execute()
  return paginate(
    f,
    rows.map((r) => ({ ...presentBuilding(r), dwellings: r.dwellings })),
    rows[0]?.total ?? 0,
  )
}

export async function buildingDetail(tx: Tx, id: number): Promise<Output<typeof buildingDetailSchema>> {
  const b = await tx
    .selectFrom('building as b')
    .select(buildingColumns)
    .select(pointJson('b.location').as('location'))
    .where('b.id', '=', id)
    .executeTakeFirst()
  if (!b) throw missing(`building ${id}`)
  const dwellings = await tx
    .selectFrom('dwelling')
    .select(['id', 'unit', 'floor', 'room'])
    .where('building_id', '=', id)
    .orderBy('unit')
    .orderBy('floor')
    .orderBy('room')
    .execute()
  const residents = await tx
    .selectFrom('person')
    .select(personViewColumns)
    .where('dwelling_id', 'in', dwellings.length ? dwellings.map((d) => d.id) : [0])
    .where('status', '=', 'active')
    .orderBy('dwelling_id')
    .orderBy('name')
    .execute()
  const byDwelling = new Map<number, PersonView[]>()
  for (const r of residents)
    byDwelling.set(r.dwelling_id!, [...(byDwelling.get(r.dwelling_id!) ?? []), presentPerson(r)])
  return { ...presentBuilding(b), dwellings: dwellings.map((d) => ({ ...d, residents: byDwelling.get(d.id) ?? [] })) }
}

export const newDwellingBody = body(['room'], {
  unit: { type: 'string', maxLength: 20 },
  floor: { type: 'integer', minimum: -5, maximum: 200 },
  room: text(20),
})
export type NewDwelling = Input<typeof newDwellingBody>

export const dwellingSchema = shape({
  id: { type: 'integer' },
  unit: { type: 'string' },
  floor: nullable('integer'),
  room: { type: 'string' },
  buildingId: { type: 'integer' },
  areaId: { type: 'integer' },
})

export async function addDwelling(
  tx: Tx,
  ctx: RequestContext,
  buildingId: number,
  input: NewDwelling,
  now: Date,
): Promise<Output<typeof dwellingSchema>> {
  const b = await tx
    .selectFrom('building')
    .select(['id', 'area_id', 'district_id'])
    .where('id', '=', buildingId)
    .executeTakeFirst()
  if (!b) throw missing(`building ${buildingId}`)
  requireRoleOver(ctx, writerRoles, await placed(tx, b.area_id), 'adding a dwelling')
  const d = await tx
    .insertInto('dwelling')
    .values({
      building_id: b.id,
      area_id: b.area_id,
      district_id: b.district_id,
      unit: input.unit ?? '',
      floor: input.floor ?? null,
      room: input.room,
    })
    .returning(['id', 'unit', 'floor', 'room'])
    .executeTakeFirstOrThrow()
  await recordHistory(tx, ctx, {
    entity: 'building',
    id: b.id,
    areaId: b.area_id,
    action: 'add_dwelling',
    changes: { dwelling: { from: null, to: `${d.unit}-${d.room}` } },
    at: now,
  })
  await recordAudit(tx, ctx, { action: 'dwelling.create', entityType: 'dwelling', entityId: d.id, areaId: b.area_id })
  return { ...d, buildingId: b.id, areaId: b.area_id }
}

// ── Households ────────────────────────────────────────────────────────────────────────────────

export const relations = ['head', 'spouse', 'child', 'parent', 'grandchild', 'grandparent', 'sibling', 'other'] as const

export const newHouseholdBody = body(['code'], { code: recordCode, areaId: id, dwellingId: id, address: text(300) })
export type NewHousehold = Input<typeof newHouseholdBody>

const householdProperties = {
  id: { type: 'integer' },
  areaId: { type: 'integer' },
  code: { type: 'string' },
  dwellingId: nullable('integer'),
  address: nullable('string'),
} as const
export const householdListItemSchema = shape({ ...householdProperties, members: { type: 'integer' } })
export const householdSchema = shape({
  ...householdProperties,
  members: {
    type: 'array',
    items: shape({ relation: { type: 'string' }, joinedOn: dayOrNull, person: personSchema }),
  },
})
export type Household = Output<typeof householdSchema>

export async function createHousehold(tx: Tx, ctx: RequestContext, input: NewHousehold, now: Date): Promise<Household> {
  let place: Placement
  if (input.dwellingId !== undefined) {
    const d = await tx.selectFrom('dwelling').select('area_id').where('id', '=', input.dwellingId).executeTakeFirst()
    if (!d) throw missing(`dwelling ${input.dwellingId}`, 'dwellingId')
    place = await placed(tx, d.area_id)
  } else if (input.areaId !== undefined) place = await placementOf(tx, input.areaId)
  else throw invalid('areaId', 'give the community or grid of the household (or its dwelling)')
  requireRoleOver(ctx, writerRoles, place, 'registering a household')
  const h = await tx
    .insertInto('household')
    .values({
      area_id: place.areaId,
      district_id: place.districtId,
      code: input.code,
      dwelling_id: input.dwellingId ?? null,
      address: input.address ?? null,
      created_at: now,
    })
    .returning(['id', 'area_id', 'code', 'dwelling_id', 'address'])
    .executeTakeFirstOrThrow()
  await recordHistory(tx, ctx, { entity: 'household', id: h.id, areaId: h.area_id, action: 'create', at: now })
  await recordAudit(tx, ctx, { action: 'household.create', entityType: 'household', entityId: h.id, areaId: h.area_id })
  return {
    id: h.id,
    areaId: h.area_id,
    code: h.code,
    dwellingId: h.dwelling_id,
    address: h.address,
    members: [],
  }
}

export async function householdDetail(tx: Tx, id: number): Promise<Household> {
  const h = await tx
    .selectFrom('household')
    .select(['id', 'area_id', 'code', 'dwelling_id', 'address'])
    .where('id', '=', id)
    .executeTakeFirst()
  if (!h) throw missing(`household ${id}`)
  const members = await tx
    .selectFrom('household_member as m')
    .innerJoin('person as p', 'p.id', 'm.person_id')
    .select(personViewColumns.map((c) => `p.${c}` as const))
    .select(['m.relation', 'm.joined_on'])
    .where('m.household_id', '=', id)
    .orderBy(sql`m.relation = 'head'`, 'desc')
    .orderBy('p.birth_date')
    .execute()
  return {
    id: h.id,
    areaId: h.area_id,
    code: h.code,
    dwellingId: h.dwelling_id,
    address: h.address,
    members: members.map((m) => ({ relation: m.relation, joinedOn: m.joined_on, person: presentPerson(m) })),
  }
}

export async function listHouseholds(tx: Tx, f: ListQuery): Promise<Page<Output<typeof householdListItemSchema>>> {
  let q = tx.selectFrom('household as h')
  if (f.areaId !== undefined) q = q.where(inSubtree(await areaPathOf(tx, f.areaId)))
  if (f.q) q = q.where(sql<boolean>`(h.code = ${f.q} or h.address ilike ${containing(f.q)})`)
  const rows = await q
    .select(['h.id', 'h.area_id', 'h.code', 'h.dwelling_id', 'h.address'])
    .select([
      sql<number>`(select count(*) from household_member m where m.household_id = h.id)`.as('members'),
      sql<number>`count(*) over ()`.as('total'),
    ])
    .orderBy('h.code')
    .limit(f.pageSize)
    .offset(offsetOf(f))
    .execute()
  return paginate(
    f,
    rows.map((h) => ({
      id: h.id,
      areaId: h.area_id,
      code: h.code,
      dwellingId: h.dwelling_id,
      address: h.address,
      members: h.members,
    })),
    rows[0]?.total ?? 0,
  )
}

export const newMemberBody = body(['personId', 'relation'], {
  personId: id,
  relation: { type: 'string', enum: relations },
  joinedOn: date,
})
export type NewMember = Input<typeof newMemberBody>

export async function addHouseholdMember(
  tx: Tx,
  ctx: RequestContext,
  householdId: number,
  input: NewMember,
  now: Date,
): Promise<Household> {
  const h = await tx.selectFrom('household').select(['id', 'area_id']).where('id', '=', householdId).executeTakeFirst()
  if (!h) throw missing(`household ${householdId}`)
  requireRoleOver(ctx, writerRoles, await placed(tx, h.area_id), 'changing a household')
  const person = await loadPerson(tx, input.personId).catch(() => {
    throw notFound('PERSON_NOT_FOUND', `person ${input.personId}`, 'personId')
  })
  if (person.status === 'merged')
    throw invalid('personId', `person ${person.id} was merged into person ${person.merged_into_id}`)
  const current = await tx
    .selectFrom('household_member')
    .select('household_id')
    .where('person_id', '=', person.id)
    .executeTakeFirst()
  if (current && current.household_id !== h.id)
    throw new AppError(
      'CONFLICT',
      `the person belongs to household ${current.household_id}; remove them there first`,
      'personId',
    )
  if (input.relation === 'head') {
    const head = await tx
      .selectFrom('household_member')
      .select('person_id')
      .where('household_id', '=', h.id)
      .where('relation', '=', 'head')
      .where('person_id', '!=', person.id)
      .executeTakeFirst()
    if (head) throw new AppError('CONFLICT', `the household already has a head (person ${head.person_id})`, 'relation')
  }
  const joinedOn = input.joinedOn !== undefined ? checkDate(input.joinedOn, 'joinedOn', today(now)) : null
  // Memberships are replaced, not updated: row-level security allows writers to add and remove
  // them but has no UPDATE policy, so an upsert was refused (403) for a member already there.
  if (current)
    await tx
      .deleteFrom('household_member')
      .where('household_id', '=', h.id)
      .where('person_id', '=', person.id)
      .execute()
  await tx
    .insertInto('household_member')
    .values({
      household_id: h.id,
      person_id: person.id,
      area_id: h.area_id,
      relation: input.relation,
      joined_on: joinedOn,
    })
    .execute()
  await recordHistory(tx, ctx, {
    entity: 'household',
    id: h.id,
    areaId: h.area_id,
    action: 'add_member',
    changes: { member: { from: null, to: { personId: person.id, relation: input.relation } } },
    at: now,
  })
  await recordAudit(tx, ctx, {
    action: 'household.add_member',
    entityType: 'household',
    entityId: h.id,
    areaId: h.area_id,
    detail: { personId: person.id, relation: input.relation },
  })
  return householdDetail(tx, h.id)
}

export async function removeHouseholdMember(
  tx: Tx,
  ctx: RequestContext,
  householdId: number,
  personId: number,
  reason: string | undefined,
  now: Date,
): Promise<Household> {
  const h = await tx.selectFrom('household').select(['id', 'area_id']).where('id', '=', householdId).executeTakeFirst()
  if (!h) throw missing(`household ${householdId}`)
  requireRoleOver(ctx, writerRoles, await placed(tx, h.area_id), 'changing a household')
  const gone = await tx
    .deleteFrom('household_member')
    .where('household_id', '=', h.id)
    .where('person_id', '=', personId)
    .returning('relation')
    .executeTakeFirst()
  if (!gone) throw notFound('PERSON_NOT_FOUND', `person ${personId} in household ${householdId}`, 'personId')
  await recordHistory(tx, ctx, {
    entity: 'household',
    id: h.id,
    areaId: h.area_id,
    action: 'remove_member',
    reason: reason ?? null,
    changes: { member: { from: { personId, relation: gone.relation }, to: null } },
    at: now,
  })
  await recordAudit(tx, ctx, {
    action: 'household.remove_member',
    entityType: 'household',
    entityId: h.id,
    areaId: h.area_id,
    detail: { personId },
  })
  return householdDetail(tx, h.id)
}

// ── Organisations ─────────────────────────────────────────────────────────────────────────────

export const organisationKinds = ['enterprise', 'social_organisation', 'public_institution', 'other'] as const
export const organisationRoles = ['employee', 'legal_representative', 'member', 'volunteer', 'contact'] as const

export const newOrganisationBody = body(['kind', 'name'], {
  kind: { type: 'string', enum: organisationKinds },
  name: text(200),
  uscc: { type: 'string', minLength: 1, maxLength: 30 },
  legalRepresentative: text(100),
  address: text(300),
  location: point,
  areaId: id,
})
export type NewOrganisation = Input<typeof newOrganisationBody>

export const organisationSchema = shape({
  id: { type: 'integer' },
  areaId: { type: 'integer' },
  kind: { type: 'string' },
  name: { type: 'string' },
  uscc: nullable('string'),
  legalRepresentative: nullable('string'),
  address: nullable('string'),
  location: positionOrNull,
})
export const organisationDetailSchema = shape({
  ...organisationSchema.properties,
  people: { type: 'array', items: shape({ role: { type: 'string' }, person: personSchema }) },
  places: {
    type: 'array',
    items: shape({
      id: { type: 'integer' },
      kind: { type: 'string' },
      name: { type: 'string' },
      address: { type: 'string' },
    }),
  },
})

const orgColumns = [
  'o.id',
  'o.area_id',
  'o.kind',
  'o.name',
  'o.uscc',
  'o.legal_representative',
  'o.address',
  'o.created_at',
  'o.updated_at',
] as const

function presentOrganisation(o: {
  id: number
  area_id: number
  kind: string
  name: string
  uscc: string | null
  legal_representative: string | null
  address: string | null
  location: Point | null
}): Output<typeof organisationSchema> {
  return {
    id: o.id,
    areaId: o.area_id,
    kind: o.kind,
    name: o.name,
    uscc: o.uscc,
    legalRepresentative: o.legal_representative,
    address: o.address,
    location: o.location,
  }
}

export async function createOrganisation(
  tx: Tx,
  ctx: RequestContext,
  input: NewOrganisation,
  now: Date,
): Promise<Output<typeof organisationSchema>> {
  const uscc = input.uscc !== undefined ? checkUscc(input.uscc) : null
  if (input.kind === 'enterprise' && uscc === null)
    throw invalid('uscc', 'an enterprise needs its unified social credit code')
  const place = input.location
    ? await placementAt(tx, input.location)
    : input.areaId !== undefined
      ? await placementOf(tx, input.areaId)
      : null
  if (!place) throw invalid('location', 'give the location or the area of the organisation')
  requireRoleOver(ctx, writerRoles, place, 'registering an organisation')
  if (uscc) {
    const other = await sql<{ id: number }>`select id from organisation where uscc = ${uscc}`.execute(tx)
    if (other.rows[0])
      throw new AppError(
        'CONFLICT',
        'an organisation with this credit code is already registered',
        'uscc',
        {},
        { organisationId: other.rows[0].id },
      )
  }
  const o = await tx
    .insertInto('organisation')
    .values({
      area_id: place.areaId,
      district_id: place.districtId,
      kind: input.kind,
      name: input.name,
      uscc,
      legal_representative: input.legalRepresentative ?? null,
      address: input.address ?? null,
      location: input.location ? pointSql(input.location) : null,
      created_at: now,
      updated_at: now,
    })
    .returning(['id', 'area_id', 'kind', 'name', 'uscc', 'legal_representative', 'address'])
    .executeTakeFirstOrThrow()
  await recordHistory(tx, ctx, { entity: 'organisation', id: o.id, areaId: o.area_id, action: 'create', at: now })
  await recordAudit(tx, ctx, {
    action: 'organisation.create',
    entityType: 'organisation',
    entityId: o.id,
    areaId: o.area_id,
  })
  return presentOrganisation({ ...o, location: input.location ?? null })
}

export async function listOrganisations(
  tx: Tx,
  f: ListQuery & { kind?: string },
): Promise<Page<Output<typeof organisationSchema>>> {
  let q = tx.selectFrom('organisation as o')
  if (f.areaId !== undefined) q = q.where(inSubtree(await areaPathOf(tx, f.areaId)))
  if (f.kind) q = q.where('o.kind', '=', f.kind)
  if (f.q) q = q.where(sql<boolean>`(o.name ilike ${containing(f.q)} or o.uscc = ${f.q.toUpperCase()})`)
  const rows = await q
    .select(orgColumns)
    .select([pointJson('o.location').as('location'), sql<number>`count(*) over ()`.as('total')])
    .orderBy('o.name')
    .limit(f.pageSize)
    .offset(offsetOf(f))
    .execute()
  return paginate(f, rows.map(presentOrganisation), rows[0]?.total ?? 0)
}

export async function organisationDetail(tx: Tx, id: number): Promise<Output<typeof organisationDetailSchema>> {
  const o = await tx
    .selectFrom('organisation as o')
    .select(orgColumns)
    .select(pointJson('o.location').as('location'))
    .where('o.id', '=', id)
    .executeTakeFirst()
  if (!o) throw missing(`organisation ${id}`)
  const people = await tx
    .selectFrom('person_organisation as po')
    .innerJoin('person as p', 'p.id', 'po.person_id')
    .select(personViewColumns.map((c) => `p.${c}` as const))
    .select('po.role')
    .where('po.organisation_id', '=', id)
    .orderBy('p.name')
    .execute()
  const places = await tx
    .selectFrom('place')
    .select(['id', 'kind', 'name', 'address'])
    .where('organisation_id', '=', id)
    .orderBy('name')
    .execute()
  return {
    ...presentOrganisation(o),
    people: people.map((p) => ({ role: p.role, person: presentPerson(p) })),
    places,
  }
}

export const newLinkBody = body(['personId', 'role'], {
  personId: id,
  role: { type: 'string', enum: organisationRoles },
})
export type NewLink = Input<typeof newLinkBody>

export async function linkPersonToOrganisation(
  tx: Tx,
  ctx: RequestContext,
  organisationId: number,
  input: NewLink,
  now: Date,
): Promise<Output<typeof organisationDetailSchema>> {
  const o = await tx
    .selectFrom('organisation')
    .select(['id', 'area_id'])
    .where('id', '=', organisationId)
    .executeTakeFirst()
  if (!o) throw missing(`organisation ${organisationId}`)
  requireRoleOver(ctx, writerRoles, await placed(tx, o.area_id), 'changing an organisation')
  const person = await loadPerson(tx, input.personId).catch(() => {
    throw notFound('PERSON_NOT_FOUND', `person ${input.personId}`, 'personId')
  })
  await tx
    .insertInto('person_organisation')
    .values({ person_id: person.id, organisation_id: o.id, area_id: o.area_id, role: input.role })
    .onConflict((oc) => oc.doNothing())
    .execute()
  await recordHistory(tx, ctx, {
    entity: 'organisation',
    id: o.id,
    areaId: o.area_id,
    action: 'link_person',
    changes: { person: { from: null, to: { personId: person.id, role: input.role } } },
    at: now,
  })
  await recordAudit(tx, ctx, {
    action: 'organisation.link_person',
    entityType: 'organisation',
    entityId: o.id,
    areaId: o.area_id,
    detail: { personId: person.id, role: input.role },
  })
  return organisationDetail(tx, o.id)
}

// ── Places ────────────────────────────────────────────────────────────────────────────────────

export const placeKinds = [
  'shop',
  'school',
  'clinic',
  'restaurant',
  'construction_site',
  'market',
  'factory',
  'hotel',
  'entertainment',
  'religious',
  'other',
] as const

export const newPlaceBody = body(['kind', 'name', 'address', 'location'], {
  kind: { type: 'string', enum: placeKinds },
  name: text(200),
  address: text(300),
  location: point,
  organisationId: id,
  buildingId: id,
})
export type NewPlace = Input<typeof newPlaceBody>

export const placeSchema = shape({
  id: { type: 'integer' },
  areaId: { type: 'integer' },
  kind: { type: 'string' },
  name: { type: 'string' },
  address: { type: 'string' },
  organisationId: nullable('integer'),
  buildingId: nullable('integer'),
  location: positionOrNull,
})
export type PlaceView = Output<typeof placeSchema>

const placeColumns = [
  'pl.id',
  'pl.area_id',
  'pl.kind',
  'pl.name',
  'pl.address',
  'pl.organisation_id',
  'pl.building_id',
] as const

function presentPlace(p: {
  id: number
  area_id: number
  kind: string
  name: string
  address: string
  organisation_id: number | null
  building_id: number | null
  location: Point | null
}): PlaceView {
  return {
    id: p.id,
    areaId: p.area_id,
    kind: p.kind,
    name: p.name,
    address: p.address,
    organisationId: p.organisation_id,
    buildingId: p.building_id,
    location: p.location,
  }
}

export async function createPlace(tx: Tx, ctx: RequestContext, input: NewPlace, now: Date): Promise<PlaceView> {
  const place = await placementAt(tx, input.location)
  requireRoleOver(ctx, writerRoles, place, 'registering a place')
  if (
    input.organisationId !== undefined &&
    !(await tx.selectFrom('organisation').select('id').where('id', '=', input.organisationId).executeTakeFirst())
  )
    throw missing(`organisation ${input.organisationId}`, 'organisationId')
  if (
    input.buildingId !== undefined &&
    !(await tx.selectFrom('building').select('id').where('id', '=', input.buildingId).executeTakeFirst())
  )
    throw missing(`building ${input.buildingId}`, 'buildingId')
  const p = await tx
    .insertInto('place')
    .values({
      area_id: place.areaId,
      district_id: place.districtId,
      kind: input.kind,
      name: input.name,
      address: input.address,
      location: pointSql(input.location),
      organisation_id: input.organisationId ?? null,
      building_id: input.buildingId ?? null,
      created_at: now,
      updated_at: now,
    })
    .returning(['id', 'area_id', 'kind', 'name', 'address', 'organisation_id', 'building_id'])
    .executeTakeFirstOrThrow()
  await recordHistory(tx, ctx, { entity: 'place', id: p.id, areaId: p.area_id, action: 'create', at: now })
  await recordAudit(tx, ctx, { action: 'place.create', entityType: 'place', entityId: p.id, areaId: p.area_id })
  return presentPlace({ ...p, location: input.location })
}

export async function listPlaces(tx: Tx, f: ListQuery & { kind?: string }): Promise<Page<PlaceView>> {
  let q = tx.selectFrom('place as pl')
  if (f.areaId !== undefined) q = q.where(inSubtree(await areaPathOf(tx, f.areaId)))
  if (f.kind) q = q.where('pl.kind', '=', f.kind)
  if (f.q) q = q.where(sql<boolean>`(pl.name ilike ${containing(f.q)} or pl.address ilike ${containing(f.q)})`)
  const rows = await q
    .select(placeColumns)
    .select([pointJson('pl.location').as('location'), sql<number>`count(*) over ()`.as('total')])
    .orderBy('pl.name')
    .limit(f.pageSize)
    .offset(offsetOf(f))
    .execute()
  return paginate(f, rows.map(presentPlace), rows[0]?.total ?? 0)
}

export async function placeDetail(tx: Tx, id: number): Promise<PlaceView> {
  const p = await tx
    .selectFrom('place as pl')
    .select(placeColumns)
    .select(pointJson('pl.location').as('location'))
    .where('pl.id', '=', id)
    .executeTakeFirst()
  if (!p) throw missing(`place ${id}`)
  return presentPlace(p)
}
