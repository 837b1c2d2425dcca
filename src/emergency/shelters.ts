import { sql } from 'kysely'
import type { Tx } from '../core/db.js'
import { AppError, notFound } from '../core/errors.js'
import type { Input, Output } from '../core/http.js'
import { offsetOf, pageQuerySchema, paginate } from '../core/paging.js'
import { body, id, nullable, point, shape, text, timestamp } from '../core/schemas.js'
import { requireActor, type Actor, type RequestContext } from '../core/scope.js'
import { areaPathOf } from '../jurisdiction/service.js'
import { districtOf } from '../registry/records.js'
import { displayNames } from '../participation/common.js'
import { requireServicesRole } from '../services/common.js'
import { commands, emergencyStaff, type IncidentRow, loadIncident, logIncident, maskName } from './common.js'

// Shelters (避难场所): places per area with a capacity, on standby until their staff open them.
// Anyone working an incident checks people in (a registry person, or a name) and out; occupancy
// moves in the database (the trigger on shelter_checkin) and can never pass capacity, so a full
// shelter refuses in the database too, also when two check in at once.

export const facilities = [
  'water',
  'food',
  'beds',
  'medical',
  'power',
  'toilets',
  'accessible',
  'cooling',
  'heating',
] as const
export const shelterStatuses = ['standby', 'open', 'closed'] as const

const shelterFields = {
  name: text(100),
  address: text(300),
  location: point,
  capacity: { type: 'integer', minimum: 1, maximum: 100000 },
  facilities: {
    type: 'array',
    maxItems: facilities.length,
    uniqueItems: true,
    items: { type: 'string', enum: facilities },
  },
} as const
export const newShelterBody = body(['areaId', 'name', 'address', 'location', 'capacity'], {
  areaId: { ...id, description: 'The area (community or street) that keeps it' },
  ...shelterFields,
})
export const shelterPatchBody = body(['version', 'name', 'address', 'location', 'capacity'], {
  version: { type: 'integer', minimum: 1, maximum: 2147483647 },
  ...shelterFields,
})
export const shelterStatusBody = body(['status'], { status: { type: 'string', enum: shelterStatuses } })
export const shelterQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    ...pageQuerySchema,
    areaId: { ...id, description: 'This area and below' },
    status: { type: 'string', enum: shelterStatuses },
  },
} as const

const occupantSchema = shape({
  id: { type: 'integer' },
  personId: nullable('integer'),
  name: { type: 'string' },
  people: { type: 'integer' },
  note: nullable('string'),
  checkedInAt: timestamp,
  checkedInBy: { type: 'string' },
})
export const shelterSchema = shape({
  id: { type: 'integer' },
  areaId: { type: 'integer' },
  areaName: { type: 'string' },
  name: { type: 'string' },
  address: { type: 'string' },
  location: shape({ lng: { type: 'number' }, lat: { type: 'number' } }),
  capacity: { type: 'integer' },
  occupancy: { type: 'integer' },
  status: { type: 'string', enum: shelterStatuses },
  facilities: { type: 'array', items: { type: 'string', enum: facilities } },
  updatedAt: timestamp,
  version: { type: 'integer' },
  canManage: { type: 'boolean' },
})
export type ShelterView = Output<typeof shelterSchema>
export const incidentShelterSchema = shape({
  ...shelterSchema.properties,
  /** Who is in, checked in for this incident. */
  occupants: { type: 'array', items: occupantSchema },
})

export const checkinBody = body(['people'], {
  personId: { ...id, description: 'A registry person (of the check list, or of your registry); or name' },
  name: { ...text(100), description: 'Someone not found in the registry' },
  people: { type: 'integer', minimum: 1, maximum: 50, description: 'How many (a family counts together)' },
  note: text(500),
})
export const shelterParams = {
  type: 'object',
  required: ['id', 'shelterId'],
  additionalProperties: false,
  properties: { id, shelterId: id },
} as const
export const checkoutParams = {
  type: 'object',
  required: ['id', 'shelterId', 'checkinId'],
  additionalProperties: false,
  properties: { id, shelterId: id, checkinId: id },
} as const

type ShelterRow = {
  id: number
  area_id: number
  area_name: string
  area_path: string
  name: string
  address: string
  lng: number
  lat: number
  capacity: number
  occupancy: number
  status: (typeof shelterStatuses)[number]
  facilities: (typeof facilities)[number][]
  updated_at: Date
  version: number
}

const shelterSelect = sql`select s.id, s.area_id, a.name_zh as area_name, a.path as area_path, s.name, s.address,
  ST_X(s.location) as lng, ST_Y(s.location) as lat, s.capacity, s.occupancy, s.status, s.facilities, s.updated_at, s.version
  from emergency_shelter s join area a on a.id = s.area_id`

const isStaffOver = (actor: Actor | null, path: string) =>
  !!actor && actor.grants.some((g) => emergencyStaff.includes(g.role) && path.startsWith(g.path))

function presentShelter(ctx: RequestContext, s: ShelterRow): ShelterView {
  return {
    id: Number(s.id),
    areaId: s.area_id,
    areaName: s.area_name,
    name: s.name,
    address: s.address,
    location: { lng: Number(s.lng), lat: Number(s.lat) },
    capacity: Number(s.capacity),
    occupancy: Number(s.occupancy),
    status: s.status,
    facilities: s.facilities,
    updatedAt: new Date(s.updated_at).toISOString(),
    version: s.version,
    canManage: isStaffOver(ctx.actor, s.area_path),
  }
}

async function loadShelter(tx: Tx, shelterId: number, field = 'id', lock = false): Promise<ShelterRow> {
  // Locked (by its staff) where closing must not cross a check-in; a check-in's trigger takes the
  // same row lock and re-reads the status, so one waits for the other.
  const { rows } =
    await sql<ShelterRow>`${shelterSelect} where s.id = ${shelterId} ${lock ? sql`for update of s` : sql``}`.execute(tx)
  if (!rows[0]) throw notFound('SHELTER_NOT_FOUND', `shelter ${shelterId}`, field)
  return rows[0]
}

export async function shelterView(tx: Tx, ctx: RequestContext, shelterId: number) {
  return presentShelter(ctx, await loadShelter(tx, shelterId))
}

/** The shelters the caller reads (staff and grid workers on the branch; responders of an incident there). */
export async function listShelters(tx: Tx, ctx: RequestContext, q: Input<typeof shelterQuery>) {
  requireActor(ctx)
  const page = { page: q.page ?? 1, pageSize: q.pageSize ?? 100 }
  const path = q.areaId !== undefined ? await areaPathOf(tx, q.areaId) : null
  const where = sql`true ${path ? sql`and a.path like ${path} || '%'` : sql``} ${q.status ? sql`and s.status = ${q.status}` : sql``}`
  const { rows: count } = await sql<{ n: number }>`select count(*)::int as n
    from emergency_shelter s join area a on a.id = s.area_id where ${where}`.execute(tx)
  const { rows } = await sql<ShelterRow>`${shelterSelect} where ${where}
    order by a.path, s.name, s.id limit ${page.pageSize} offset ${offsetOf(page)}`.execute(tx)
  return paginate(
    page,
    rows.map((s) => presentShelter(ctx, s)),
    count[0]?.n ?? 0,
  )
}

const pointOf = (p: { lng: number; lat: number }) => sql<string>`ST_SetSRID(ST_MakePoint(${p.lng}, ${p.lat}), 4326)`

export async function createShelter(
  tx: Tx,
  ctx: RequestContext,
  input: Input<typeof newShelterBody>,
  now: Date,
): Promise<ShelterView> {
  const path = await areaPathOf(tx, input.areaId)
  requireServicesRole(ctx, path, emergencyStaff)
  const row = await tx
    .insertInto('emergency_shelter')
    .values({
      area_id: input.areaId,
      district_id: districtOf(path, input.areaId),
      name: input.name,
      address: input.address,
      location: pointOf(input.location),
      capacity: input.capacity,
      facilities: [...(input.facilities ?? [])],
      status: 'standby',
      created_at: now,
      updated_at: now,
    })
    .returning('id')
    .executeTakeFirstOrThrow()
  return shelterView(tx, ctx, row.id)
}

/** Edits a shelter (the version read); the capacity may not drop below who is in. */
export async function updateShelter(
  tx: Tx,
  ctx: RequestContext,
  shelterId: number,
  input: Input<typeof shelterPatchBody>,
  now: Date,
): Promise<ShelterView> {
  const s = await loadShelter(tx, shelterId)
  requireServicesRole(ctx, s.area_path, emergencyStaff)
  if (s.version !== input.version)
    throw new AppError(
      'CONFLICT',
      `the shelter changed meanwhile (version ${s.version}); reload and retry`,
      'version',
      {},
      {
        version: s.version,
      },
    )
  try {
    const changed = await tx
      .updateTable('emergency_shelter')
      .set({
        name: input.name,
        address: input.address,
        location: pointOf(input.location),
        capacity: input.capacity,
        facilities: [...(input.facilities ?? [])],
        updated_at: now,
        version: s.version + 1,
      })
      .where('id', '=', s.id)
      .where('version', '=', s.version)
      .returning('id')
      .executeTakeFirst()
    if (!changed) throw new AppError('CONFLICT', 'the shelter changed meanwhile; reload and retry', 'version')
  } catch (err) {
    if ((err as { code?: string }).code === '23514')
      throw new AppError('SHELTER_FULL', `${s.occupancy} people are in; the capacity cannot be less`, 'capacity')
    throw err
  }
  return shelterView(tx, ctx, s.id)
}

/** Opens, stands by or closes a shelter (its area's admins, leaders and staff); closing needs it empty. */
export async function setShelterStatus(
  tx: Tx,
  ctx: RequestContext,
  shelterId: number,
  input: Input<typeof shelterStatusBody>,
  now: Date,
): Promise<ShelterView> {
  const s = await loadShelter(tx, shelterId, 'id', true)
  const actor = requireServicesRole(ctx, s.area_path, emergencyStaff)
  if (input.status !== 'open' && s.occupancy > 0)
    throw new AppError('CONFLICT', `${s.occupancy} people are still checked in; check them out first`, 'status')
  await tx
    .updateTable('emergency_shelter')
    .set({ status: input.status, updated_at: now, version: s.version + 1 })
    .where('id', '=', s.id)
    .execute()
  // The active incidents on the shelter's branch hear of it.
  if (input.status !== s.status) {
    const { rows } = await sql<{ id: number }>`select i.id from incident i join area a on a.id = i.area_id
      where i.status = 'active' and (a.path like ${s.area_path} || '%' or ${s.area_path} like a.path || '%')`.execute(
      tx,
    )
    const words = { open: '开放', standby: '待命', closed: '关闭' }
    for (const i of rows)
      await logIncident(tx, actor, Number(i.id), {
        kind: 'shelter_status',
        message: `避难场所「${s.name}」${words[input.status]}`,
        data: { shelterId: s.id, status: input.status },
        at: now,
      })
  }
  return shelterView(tx, ctx, s.id)
}

// ── Check-ins ─────────────────────────────────────────────────────────────────────────────────

/** Whether the caller sees the full names of those checked in: the command, staff and grid workers of the area. */
const seesNames = (actor: Actor | null, incident: IncidentRow) =>
  commands(actor, incident) ||
  (!!actor && actor.grants.some((g) => g.role === 'grid_worker' && g.path.startsWith(incident.area_path)))

type OccupantRow = {
  id: number
  shelter_id: number
  person_id: number | null
  name: string | null
  people: number
  note: string | null
  checked_in_at: Date
  checked_in_by: number
}

async function occupants(tx: Tx, actor: Actor | null, incident: IncidentRow, shelterIds: number[]) {
  if (shelterIds.length === 0) return new Map<number, Output<typeof occupantSchema>[]>()
  const rows = (await tx
    .selectFrom('shelter_checkin')
    .select(['id', 'shelter_id', 'person_id', 'name', 'people', 'note', 'checked_in_at', 'checked_in_by'])
    .where('incident_id', '=', incident.id)
    .where('shelter_id', 'in', shelterIds)
    .where('checked_out_at', 'is', null)
    .orderBy('checked_in_at')
    .orderBy('id')
    .execute()) as OccupantRow[]
  const registered = rows.filter((r) => r.person_id !== null).map((r) => r.id)
  const { rows: people } = registered.length
    ? await sql<{ id: number; name: string }>`select id, name from app_checkin_people(${registered}::bigint[])`.execute(
        tx,
      )
    : { rows: [] }
  const personName = new Map(people.map((p) => [Number(p.id), p.name]))
  const by = await displayNames(
    tx,
    rows.map((r) => r.checked_in_by),
  )
  const full = seesNames(actor, incident)
  const out = new Map<number, Output<typeof occupantSchema>[]>()
  for (const r of rows) {
    const name = r.name ?? personName.get(Number(r.id)) ?? ''
    const list = out.get(Number(r.shelter_id)) ?? []
    list.push({
      id: Number(r.id),
      personId: r.person_id === null ? null : Number(r.person_id),
      name: full ? name : maskName(name),
      people: r.people,
      note: full ? r.note : null,
      checkedInAt: new Date(r.checked_in_at).toISOString(),
      checkedInBy: by.get(r.checked_in_by) ?? '',
    })
    out.set(Number(r.shelter_id), list)
  }
  return out
}

/** The shelters of the incident's branch (its area, above and below) with occupancy and who is in. */
export async function incidentShelters(tx: Tx, ctx: RequestContext, incidentId: number) {
  requireActor(ctx)
  const incident = await loadIncident(tx, incidentId)
  const { rows } = await sql<ShelterRow>`${shelterSelect}
    where (a.path like ${incident.area_path} || '%' or ${incident.area_path} like a.path || '%')
    order by s.status = 'open' desc, a.path, s.name, s.id limit 200`.execute(tx)
  const inside = await occupants(
    tx,
    ctx.actor,
    incident,
    rows.map((s) => Number(s.id)),
  )
  return rows.map((s) => ({ ...presentShelter(ctx, s), occupants: inside.get(Number(s.id)) ?? [] }))
}

async function shelterOfIncident(tx: Tx, incident: IncidentRow, shelterId: number) {
  const s = await loadShelter(tx, shelterId, 'shelterId')
  if (!(s.area_path.startsWith(incident.area_path) || incident.area_path.startsWith(s.area_path)))
    throw notFound('SHELTER_NOT_FOUND', `shelter ${shelterId} is not on the incident's branch`, 'shelterId')
  return s
}

/**
 * Checks a person (or a family: people) into an open shelter for the incident. Anyone working the
 * incident does it. Not open: 409 SHELTER_NOT_OPEN; over capacity: 409 SHELTER_FULL (the
 * database's CHECK decides when two arrive at once); the same person twice: 409 CONFLICT.
 */
export async function checkIn(
  tx: Tx,
  ctx: RequestContext,
  incidentId: number,
  shelterId: number,
  input: Input<typeof checkinBody>,
  now: Date,
) {
  const actor = requireActor(ctx)
  const incident = await loadIncident(tx, incidentId)
  if (incident.status !== 'active')
    throw new AppError('INCIDENT_CLOSED', `incident ${incident.reference} is closed`, 'id')
  const s = await shelterOfIncident(tx, incident, shelterId)
  if ((input.personId === undefined) === (input.name === undefined))
    throw new AppError('VALIDATION_FAILED', 'give either personId or name', 'personId')
  if (s.status !== 'open') throw new AppError('SHELTER_NOT_OPEN', `${s.name} is ${s.status}`, 'shelterId')
  let label = input.name ?? ''
  if (input.personId !== undefined) {
    // The caller knows the person from their registry, or from the incident's check list.
    const { rows } = await sql<{ name: string }>`
      select name from person where id = ${input.personId} and status = 'active'
      union all
      select '' from incident_check where incident_id = ${incident.id} and person_id = ${input.personId}
      limit 1`.execute(tx)
    if (!rows[0]) throw notFound('PERSON_NOT_FOUND', `person ${input.personId}`, 'personId')
    label = rows[0].name ? maskName(rows[0].name) : `#${input.personId}`
  }
  if (s.occupancy + input.people > s.capacity)
    throw new AppError(
      'SHELTER_FULL',
      `${s.name} has room for ${s.capacity - s.occupancy}`,
      'people',
      {},
      {
        free: s.capacity - s.occupancy,
      },
    )
  let made: { id: number }
  try {
    made = await tx
      .insertInto('shelter_checkin')
      .values({
        shelter_id: s.id,
        incident_id: incident.id,
        person_id: input.personId ?? null,
        name: input.name ?? null,
        people: input.people,
        note: input.note ?? null,
        checked_in_by: actor.userId,
        checked_in_at: now,
      })
      .returning('id')
      .executeTakeFirstOrThrow()
  } catch (err) {
    const code = (err as { code?: string }).code
    if (code === '23505') throw new AppError('CONFLICT', 'this person is checked in already', 'personId')
    if (code === '23514') throw new AppError('SHELTER_FULL', `${s.name} is full`, 'people')
    if (code === '55000') throw new AppError('SHELTER_NOT_OPEN', `${s.name} is no longer open`, 'shelterId')
    throw err
  }
  await logIncident(tx, actor, incident.id, {
    kind: 'shelter_checkin',
    message: `${label}${input.people > 1 ? ` 等${input.people}人` : ''} 进入「${s.name}」`,
    data: { shelterId: s.id, checkinId: made.id, people: input.people, personId: input.personId ?? null },
    at: now,
  })
  return (await incidentShelters(tx, ctx, incident.id)).find((x) => x.id === s.id)!
}

/** Checks someone out (anyone working the incident); the place is freed. */
export async function checkOut(
  tx: Tx,
  ctx: RequestContext,
  incidentId: number,
  shelterId: number,
  checkinId: number,
  now: Date,
) {
  const actor = requireActor(ctx)
  const incident = await loadIncident(tx, incidentId)
  const s = await shelterOfIncident(tx, incident, shelterId)
  const done = await tx
    .updateTable('shelter_checkin')
    .set({ checked_out_at: now })
    .where('id', '=', checkinId)
    .where('shelter_id', '=', s.id)
    .where('incident_id', '=', incident.id)
    .where('checked_out_at', 'is', null)
    .returning(['people'])
    .executeTakeFirst()
  if (!done) throw notFound('NOT_FOUND', `no one checked in as ${checkinId} here`, 'checkinId')
  await logIncident(tx, actor, incident.id, {
    kind: 'shelter_checkout',
    message: `${done.people}人 离开「${s.name}」`,
    data: { shelterId: s.id, checkinId, people: done.people },
    at: now,
  })
  return (await incidentShelters(tx, ctx, incident.id)).find((x) => x.id === s.id)!
}
