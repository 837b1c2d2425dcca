import { sql } from 'kysely'
import type { Tx } from '../core/db.js'
import { AppError, notFound } from '../core/errors.js'
import type { Input, Output } from '../core/http.js'
import { offsetOf, pageQuerySchema, paginate } from '../core/paging.js'
import { body, id, nullable, orNull, point, shape, text, timestamp } from '../core/schemas.js'
import { requireActor, type RequestContext } from '../core/scope.js'
import { areaPathOf } from '../jurisdiction/service.js'
import { districtOf } from '../registry/records.js'
import { displayNames } from '../participation/common.js'
import { requireServicesRole } from '../services/common.js'
import { emergencyStaff, loadIncident, logIncident, requireCommand } from './common.js'

// Resources (应急物资): an inventory per area (sandbags, pumps, generators, boats…) kept by its
// admins, leaders and staff, allocated to an incident (and a task) and returned. `available`
// moves in the database (the trigger on resource_allocation) and can never go below zero: an
// allocation beyond stock fails there, also when two take the last units at once.

export const resourceKinds = [
  'sandbags',
  'pump',
  'generator',
  'boat',
  'vehicle',
  'tent',
  'water',
  'food',
  'medical_kit',
  'fire_extinguisher',
  'lighting',
  'other',
] as const

const quantity = { type: 'integer', minimum: 0, maximum: 10000000 } as const
const resourceFields = {
  kind: { type: 'string', enum: resourceKinds },
  name: text(100),
  unit: text(20),
  quantity,
  place: { ...text(200), description: 'Where it is kept' },
  location: point,
} as const
export const newResourceBody = body(['areaId', 'kind', 'name', 'unit', 'quantity'], {
  areaId: { ...id, description: 'The area (community or street) that keeps it' },
  ...resourceFields,
})
export const resourcePatchBody = body(['version', 'kind', 'name', 'unit', 'quantity'], {
  version: { type: 'integer', minimum: 1, maximum: 2147483647 },
  ...resourceFields,
})
export const resourceQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    ...pageQuerySchema,
    areaId: { ...id, description: 'This area and below' },
    kind: { type: 'string', enum: resourceKinds },
  },
} as const

export const resourceSchema = shape({
  id: { type: 'integer' },
  areaId: { type: 'integer' },
  areaName: { type: 'string' },
  kind: { type: 'string', enum: resourceKinds },
  name: { type: 'string' },
  unit: { type: 'string' },
  quantity: { type: 'integer' },
  available: { type: 'integer' },
  place: nullable('string'),
  location: orNull(shape({ lng: { type: 'number' }, lat: { type: 'number' } })),
  updatedAt: timestamp,
  version: { type: 'integer' },
  canManage: { type: 'boolean' },
})
export type ResourceView = Output<typeof resourceSchema>

export const allocationBody = body(['resourceId', 'quantity'], {
  resourceId: id,
  quantity: { type: 'integer', minimum: 1, maximum: 10000000 },
  taskId: { ...id, description: 'A task of the incident the resource goes to' },
})
export const returnBody = body(['quantity'], {
  quantity: { type: 'integer', minimum: 1, maximum: 10000000, description: 'At most what is still out' },
})
export const allocationParams = {
  type: 'object',
  required: ['id', 'allocationId'],
  additionalProperties: false,
  properties: { id, allocationId: id },
} as const
export const allocationSchema = shape({
  id: { type: 'integer' },
  incidentId: { type: 'integer' },
  resourceId: { type: 'integer' },
  resourceName: nullable('string'),
  kind: { type: ['string', 'null'], enum: [...resourceKinds, null] },
  unit: nullable('string'),
  taskId: nullable('integer'),
  taskTitle: nullable('string'),
  quantity: { type: 'integer' },
  returned: { type: 'integer' },
  out: { type: 'integer' },
  allocatedBy: { type: 'string' },
  allocatedAt: timestamp,
  returnedAt: { type: ['string', 'null'], format: 'date-time' },
})
export type AllocationView = Output<typeof allocationSchema>

type ResourceRow = {
  id: number
  area_id: number
  area_name: string
  area_path: string
  kind: (typeof resourceKinds)[number]
  name: string
  unit: string
  quantity: number
  available: number
  place: string | null
  lng: number | null
  lat: number | null
  updated_at: Date
  version: number
}

const resourceSelect = sql`select r.id, r.area_id, a.name_zh as area_name, a.path as area_path, r.kind, r.name, r.unit,
  r.quantity, r.available, r.place, ST_X(r.location) as lng, ST_Y(r.location) as lat, r.updated_at, r.version
  from emergency_resource r join area a on a.id = r.area_id`

function presentResource(ctx: RequestContext, r: ResourceRow): ResourceView {
  return {
    id: Number(r.id),
    areaId: r.area_id,
    areaName: r.area_name,
    kind: r.kind,
    name: r.name,
    unit: r.unit,
    quantity: Number(r.quantity),
    available: Number(r.available),
    place: r.place,
    location: r.lng === null || r.lat === null ? null : { lng: Number(r.lng), lat: Number(r.lat) },
    updatedAt: new Date(r.updated_at).toISOString(),
    version: r.version,
    canManage:
      !!ctx.actor && ctx.actor.grants.some((g) => emergencyStaff.includes(g.role) && r.area_path.startsWith(g.path)),
  }
}

async function loadResource(tx: Tx, resourceId: number, field = 'id'): Promise<ResourceRow> {
  const { rows } = await sql<ResourceRow>`${resourceSelect} where r.id = ${resourceId}`.execute(tx)
  if (!rows[0]) throw notFound('RESOURCE_NOT_FOUND', `resource ${resourceId}`, field)
  return rows[0]
}

export async function resourceView(tx: Tx, ctx: RequestContext, resourceId: number): Promise<ResourceView> {
  return presentResource(ctx, await loadResource(tx, resourceId))
}

/** The inventory the caller reads (staff and grid workers on the branch; responders of an incident there). */
export async function listResources(tx: Tx, ctx: RequestContext, q: Input<typeof resourceQuery>) {
  requireActor(ctx)
  const page = { page: q.page ?? 1, pageSize: q.pageSize ?? 100 }
  const path = q.areaId !== undefined ? await areaPathOf(tx, q.areaId) : null
  const where = sql`true ${path ? sql`and a.path like ${path} || '%'` : sql``} ${q.kind ? sql`and r.kind = ${q.kind}` : sql``}`
  const { rows: count } = await sql<{ n: number }>`select count(*)::int as n
    from emergency_resource r join area a on a.id = r.area_id where ${where}`.execute(tx)
  const { rows } = await sql<ResourceRow>`${resourceSelect} where ${where}
    order by a.path, r.kind, r.name, r.id limit ${page.pageSize} offset ${offsetOf(page)}`.execute(tx)
  return paginate(
    page,
    rows.map((r) => presentResource(ctx, r)),
    count[0]?.n ?? 0,
  )
}

const pointOf = (p: { lng: number; lat: number } | undefined) =>
  p ? sql<string>`ST_SetSRID(ST_MakePoint(${p.lng}, ${p.lat}), 4326)` : null

/** Admins, leaders and staff of the area add to its inventory. */
export async function createResource(
  tx: Tx,
  ctx: RequestContext,
  input: Input<typeof newResourceBody>,
  now: Date,
): Promise<ResourceView> {
  const path = await areaPathOf(tx, input.areaId)
  requireServicesRole(ctx, path, emergencyStaff)
  const row = await tx
    .insertInto('emergency_resource')
    .values({
      area_id: input.areaId,
      district_id: districtOf(path, input.areaId),
      kind: input.kind,
      name: input.name,
      unit: input.unit,
      quantity: input.quantity,
      available: input.quantity,
      place: input.place ?? null,
      location: pointOf(input.location),
      created_at: now,
      updated_at: now,
    })
    .returning('id')
    .executeTakeFirstOrThrow()
  return resourceView(tx, ctx, row.id)
}

/** Edits a resource (the version read); the quantity may not drop below what is out. */
export async function updateResource(
  tx: Tx,
  ctx: RequestContext,
  resourceId: number,
  input: Input<typeof resourcePatchBody>,
  now: Date,
): Promise<ResourceView> {
  const r = await loadResource(tx, resourceId)
  requireServicesRole(ctx, r.area_path, emergencyStaff)
  if (r.version !== input.version)
    throw new AppError(
      'CONFLICT',
      `the resource changed meanwhile (version ${r.version}); reload and retry`,
      'version',
      {},
      {
        version: r.version,
      },
    )
  // `available` moves by the change of quantity in the same statement, so an allocation made
  // meanwhile is kept (the CHECK refuses a quantity below what is out).
  try {
    const changed = await tx
      .updateTable('emergency_resource')
      .set({
        kind: input.kind,
        name: input.name,
        unit: input.unit,
        quantity: input.quantity,
        available: sql<number>`available + (${input.quantity}::int - quantity)`,
        place: input.place ?? null,
        location: pointOf(input.location),
        updated_at: now,
        version: r.version + 1,
      })
      .where('id', '=', r.id)
      .where('version', '=', r.version)
      .returning('id')
      .executeTakeFirst()
    if (!changed) throw new AppError('CONFLICT', 'the resource changed meanwhile; reload and retry', 'version')
  } catch (err) {
    if ((err as { code?: string }).code === '23514')
      throw new AppError(
        'RESOURCE_INSUFFICIENT',
        `${r.quantity - r.available} ${r.unit} are out on incidents; the quantity cannot be less`,
        'quantity',
      )
    throw err
  }
  return resourceView(tx, ctx, r.id)
}

// ── Allocations ───────────────────────────────────────────────────────────────────────────────

type AllocationRow = {
  id: number
  incident_id: number
  resource_id: number
  resource_name: string | null
  kind: (typeof resourceKinds)[number] | null
  unit: string | null
  task_id: number | null
  task_title: string | null
  quantity: number
  returned: number
  allocated_by: number
  allocated_at: Date
  returned_at: Date | null
}

const allocationSelect = sql`select l.id, l.incident_id, l.resource_id, r.name as resource_name, r.kind, r.unit,
  l.task_id, t.title as task_title, l.quantity, l.returned, l.allocated_by, l.allocated_at, l.returned_at
  from resource_allocation l left join emergency_resource r on r.id = l.resource_id
  left join incident_task t on t.id = l.task_id`

async function presentAllocations(tx: Tx, rows: AllocationRow[]): Promise<AllocationView[]> {
  const names = await displayNames(
    tx,
    rows.map((r) => r.allocated_by),
  )
  return rows.map((l) => ({
    id: Number(l.id),
    incidentId: Number(l.incident_id),
    resourceId: Number(l.resource_id),
    resourceName: l.resource_name,
    kind: l.kind,
    unit: l.unit,
    taskId: l.task_id === null ? null : Number(l.task_id),
    taskTitle: l.task_title,
    quantity: Number(l.quantity),
    returned: Number(l.returned),
    out: Number(l.quantity) - Number(l.returned),
    allocatedBy: names.get(l.allocated_by) ?? '',
    allocatedAt: new Date(l.allocated_at).toISOString(),
    returnedAt: l.returned_at ? new Date(l.returned_at).toISOString() : null,
  }))
}

async function loadAllocation(tx: Tx, incidentId: number, allocationId: number): Promise<AllocationView> {
  const { rows } = await sql<AllocationRow>`${allocationSelect}
    where l.id = ${allocationId} and l.incident_id = ${incidentId}`.execute(tx)
  if (!rows[0]) throw notFound('ALLOCATION_NOT_FOUND', `allocation ${allocationId}`, 'allocationId')
  return (await presentAllocations(tx, rows))[0]!
}

/** What the incident holds of the inventory (anyone who reads the incident). */
export async function listAllocations(tx: Tx, ctx: RequestContext, incidentId: number): Promise<AllocationView[]> {
  requireActor(ctx)
  const incident = await loadIncident(tx, incidentId)
  const { rows } = await sql<AllocationRow>`${allocationSelect}
    where l.incident_id = ${incident.id} order by l.allocated_at desc, l.id desc limit 500`.execute(tx)
  return presentAllocations(tx, rows)
}

const insufficient = (quantity: number, r: { available: number; unit: string }) =>
  new AppError(
    'RESOURCE_INSUFFICIENT',
    `only ${r.available} ${r.unit} available; ${quantity} asked`,
    'quantity',
    {},
    { available: r.available },
  )

/**
 * The command takes `quantity` of a resource on the incident's branch (its area or above) for the
 * incident (and a task of it). Beyond stock is 409 RESOURCE_INSUFFICIENT: checked here for a clear
 * answer, and by the database (the CHECK on `available` in the trigger's update) for two at once.
 */
export async function allocate(
  tx: Tx,
  ctx: RequestContext,
  incidentId: number,
  input: Input<typeof allocationBody>,
  now: Date,
): Promise<AllocationView> {
  const { actor, incident } = await requireCommand(tx, ctx, incidentId)
  const r = await loadResource(tx, input.resourceId, 'resourceId')
  if (!incident.area_path.startsWith(r.area_path))
    throw notFound('RESOURCE_NOT_FOUND', `resource ${input.resourceId} is not on the incident's branch`, 'resourceId')
  let taskTitle: string | null = null
  if (input.taskId !== undefined) {
    const t = await tx
      .selectFrom('incident_task')
      .select('title')
      .where('id', '=', input.taskId)
      .where('incident_id', '=', incident.id)
      .executeTakeFirst()
    if (!t) throw notFound('TASK_NOT_FOUND', `task ${input.taskId}`, 'taskId')
    taskTitle = t.title
  }
  if (input.quantity > r.available) throw insufficient(input.quantity, r)
  let made: { id: number }
  try {
    made = await tx
      .insertInto('resource_allocation')
      .values({
        resource_id: r.id,
        incident_id: incident.id,
        task_id: input.taskId ?? null,
        quantity: input.quantity,
        allocated_by: actor.userId,
        allocated_at: now,
      })
      .returning('id')
      .executeTakeFirstOrThrow()
  } catch (err) {
    // Someone took the units between our read and the trigger's update.
    if ((err as { code?: string }).code === '23514') throw insufficient(input.quantity, { ...r, available: 0 })
    throw err
  }
  await logIncident(tx, actor, incident.id, {
    kind: 'resource_allocated',
    message: `调用${r.name} ${input.quantity}${r.unit}${taskTitle ? `（任务「${taskTitle}」）` : ''}`,
    data: { allocationId: made.id, resourceId: r.id, quantity: input.quantity, taskId: input.taskId ?? null },
    at: now,
  })
  return loadAllocation(tx, incident.id, made.id)
}

/** Gives back some or all of what an allocation holds (at most what is out). */
export async function returnAllocation(
  tx: Tx,
  ctx: RequestContext,
  incidentId: number,
  allocationId: number,
  input: Input<typeof returnBody>,
  now: Date,
): Promise<AllocationView> {
  const { actor, incident } = await requireCommand(tx, ctx, incidentId, { active: false })
  const a = await loadAllocation(tx, incident.id, allocationId)
  if (input.quantity > a.out)
    throw new AppError(
      'VALIDATION_FAILED',
      `only ${a.out} ${a.unit ?? ''} are out on this allocation`,
      'quantity',
      {},
      {
        out: a.out,
      },
    )
  const changed = await tx
    .updateTable('resource_allocation')
    .set({ returned: sql<number>`returned + ${input.quantity}::int`, returned_at: now })
    .where('id', '=', a.id)
    .where(sql<boolean>`quantity - returned >= ${input.quantity}::int`)
    .returning('id')
    .executeTakeFirst()
  if (!changed) throw new AppError('CONFLICT', 'the allocation changed meanwhile; reload and retry', 'quantity')
  await logIncident(tx, actor, incident.id, {
    kind: 'resource_returned',
    message: `归还${a.resourceName ?? ''} ${input.quantity}${a.unit ?? ''}`,
    data: { allocationId: a.id, resourceId: a.resourceId, quantity: input.quantity },
    at: now,
  })
  return loadAllocation(tx, incident.id, a.id)
}
