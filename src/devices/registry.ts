import { sql } from 'kysely'
import { recordAudit } from '../audit/service.js'
import type { Tx } from '../core/db.js'
import { AppError, invalid } from '../core/errors.js'
import type { Input, Output } from '../core/http.js'
import { paginate, type Page } from '../core/paging.js'
import { escapeLike } from '../core/like.js'
import { body, id, nullable, orNull, point, shape, text, timestamp } from '../core/schemas.js'
import { holds, requireActor, type RequestContext } from '../core/scope.js'
import { gridAt } from '../jurisdiction/geometry.js'
import { areaPathOf } from '../jurisdiction/service.js'
import {
  alarmSeverities,
  alarmStatuses,
  deviceKeepers,
  deviceStates,
  hashDeviceSecret,
  loadDevice,
  newDeviceSecret,
  type DeviceState,
} from './common.js'
import { deviceTypes, typeSpecs, type DeviceType } from './types.js'

// The device registry: devices located into their grid (and building), owned by a department or
// a property company, with a per-device secret shown once (stored as mosquitto's hash). Reads run
// as the caller (row-level security: the grid's staff and the owning department's handlers);
// writes by the keepers (admin, leader, staff) over the grid.

const DAY = 86_400_000

// ── Schemas ───────────────────────────────────────────────────────────────────────────────────

/** Device codes: the MQTT username and topic segment (no '/', '+', '#' or spaces). */
export const deviceCode = {
  type: 'string',
  minLength: 3,
  maxLength: 64,
  pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]{2,63}$',
} as const
/** A type's code; unknown codes answer 404 DEVICE_TYPE_NOT_FOUND (the types are data). */
const typeCode = { type: 'string', minLength: 2, maxLength: 40, pattern: '^[a-z_]{2,40}$' } as const
const version = { type: 'integer', minimum: 1, maximum: 2147483647 } as const

const areaRef = shape({
  id: { type: 'integer' },
  code: { type: 'string' },
  nameZh: { type: 'string' },
  nameEn: { type: 'string' },
})
const ownerSchema = shape({
  kind: { type: 'string', enum: ['department', 'organisation'] },
  id: { type: 'integer' },
  name: { type: 'string', description: 'The department’s Chinese name, or the property company’s name' },
  nameEn: nullable('string'),
})

export const deviceItemSchema = shape({
  id: { type: 'integer' },
  code: { type: 'string' },
  type: { type: 'string', enum: deviceTypes },
  name: { type: 'string' },
  state: { type: 'string', enum: deviceStates },
  area: areaRef,
  building: orNull(shape({ id: { type: 'integer' }, name: nullable('string') })),
  place: nullable('string'),
  owner: ownerSchema,
  lastSeenAt: { type: ['string', 'null'], format: 'date-time' },
  lastValues: {
    type: ['object', 'null'],
    additionalProperties: { type: 'number' },
    description: 'The last reading’s values (metric → number)',
  },
  battery: nullable('integer'),
  openAlarms: { type: 'integer', description: 'Live alarms (open, acknowledged or held)' },
})
export type DeviceItem = Output<typeof deviceItemSchema>

const metricSchema = shape({
  metric: { type: 'string' },
  unit: { type: 'string' },
  min: { type: 'number' },
  max: { type: 'number' },
})

export const deviceDetailSchema = shape({
  ...deviceItemSchema.properties,
  location: point,
  version: { type: 'integer' },
  createdAt: timestamp,
  secretRotatedAt: timestamp,
  lastHeartbeatAt: { type: ['string', 'null'], format: 'date-time' },
  lastReadingAt: { type: ['string', 'null'], format: 'date-time' },
  offlineSince: { type: ['string', 'null'], format: 'date-time' },
  faultReason: nullable('string'),
  maintenanceCase: orNull(
    shape({ id: { type: 'integer' }, trackingCode: nullable('string'), state: nullable('string') }),
  ),
  metrics: { type: 'array', items: metricSchema, description: 'What the type measures (for the chart)' },
  recentAlarms: {
    type: 'array',
    description: 'The device’s last 20 alarms, newest first',
    items: shape({
      id: { type: 'integer' },
      kind: { type: 'string' },
      severity: { type: 'string', enum: alarmSeverities },
      status: { type: 'string', enum: alarmStatuses },
      raisedAt: timestamp,
      clearedAt: { type: ['string', 'null'], format: 'date-time' },
      caseId: nullable('integer'),
      caseTrackingCode: nullable('string'),
    }),
  },
  canEdit: { type: 'boolean', description: 'Whether the caller keeps devices in its grid' },
})
export type DeviceDetail = Output<typeof deviceDetailSchema>

export const registeredSchema = shape({
  ...deviceDetailSchema.properties,
  secret: {
    type: ['string', 'null'],
    description:
      'The device’s secret, answered once (a retry with the same Idempotency-Key answers null: rotate it if lost)',
  },
})
export type Registered = Output<typeof registeredSchema>

export const listQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    areaId: { ...id, description: 'Devices in this area’s subtree' },
    type: typeCode,
    state: { type: 'string', enum: deviceStates },
    buildingId: id,
    q: { type: 'string', minLength: 1, maxLength: 64, description: 'The start of the code or of the name' },
    after: { type: 'integer', minimum: 0, maximum: 9007199254740991, description: 'The last id of the page before' },
    pageSize: { type: 'integer', minimum: 1, maximum: 200, default: 50 },
  },
} as const
export type DeviceFilter = Input<typeof listQuery>

const lng = { type: 'number', minimum: -180, maximum: 180 } as const
const lat = { type: 'number', minimum: -90, maximum: 90 } as const
export const mapQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    areaId: id,
    west: lng,
    south: lat,
    east: lng,
    north: lat,
    state: { type: 'string', enum: deviceStates },
    type: typeCode,
  },
} as const
export type MapFilter = Input<typeof mapQuery>
export const MAP_CAP = 5000
export const mapSchema = shape({
  points: {
    type: 'array',
    items: shape({
      id: { type: 'integer' },
      code: { type: 'string' },
      name: { type: 'string' },
      type: { type: 'string', enum: deviceTypes },
      state: { type: 'string', enum: deviceStates },
      lng: { type: 'number' },
      lat: { type: 'number' },
      openAlarms: { type: 'integer' },
    }),
  },
  truncated: { type: 'boolean', description: `More than ${MAP_CAP} devices matched: narrow the area` },
})
type DeviceMap = Output<typeof mapSchema>

export const newDeviceBody = body(['code', 'type', 'name'], {
  code: deviceCode,
  type: typeCode,
  name: text(100),
  location: { ...point, description: 'Where it is; located into its grid. Default: the building’s location' },
  buildingId: { ...id, description: 'A building in the device’s grid' },
  place: { ...text(200), description: 'Where in or on the building, e.g. 3单元 12层 走廊' },
  ownerDepartmentId: { ...id, description: 'The department that maintains it (or ownerOrganisationId)' },
  ownerOrganisationId: { ...id, description: 'The property company (a registry organisation) that maintains it' },
})
export type NewDevice = Input<typeof newDeviceBody>

export const updateDeviceBody = body(['version'], {
  version,
  name: text(100),
  place: { type: ['string', 'null'], minLength: 1, maxLength: 200 },
  location: point,
  buildingId: { type: ['integer', 'null'], minimum: 1, maximum: 2147483647 },
  ownerDepartmentId: id,
  ownerOrganisationId: id,
  state: {
    type: 'string',
    enum: ['active', 'retired'],
    description:
      'retired: retire (its messages are refused); active: reactivate a retired device or reset a faulty one',
  },
})
export type UpdateDevice = Input<typeof updateDeviceBody>

export const rotatedSchema = shape({
  id: { type: 'integer' },
  code: { type: 'string' },
  secret: { type: 'string', description: 'The new secret, answered once; the old one stops working at once' },
  secretRotatedAt: timestamp,
})
type Rotated = Output<typeof rotatedSchema>

export const readingsQuery = {
  type: 'object',
  additionalProperties: false,
  required: ['metric'],
  properties: {
    metric: { type: 'string', minLength: 2, maxLength: 40, pattern: '^[a-z_]{2,40}$' },
    from: { ...timestamp, maxLength: 40, description: 'Default: 24 hours before `to`' },
    to: { ...timestamp, maxLength: 40, description: 'Default: now' },
  },
} as const
export type ReadingsFilter = Input<typeof readingsQuery>
export const MAX_BUCKETS = 300
const BUCKETS = [60, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400, 172800, 604800]
export const readingsSchema = shape({
  metric: { type: 'string' },
  unit: { type: 'string' },
  from: timestamp,
  to: timestamp,
  bucketSeconds: { type: 'integer' },
  points: {
    type: 'array',
    items: shape({
      at: { ...timestamp, description: 'The start of the bucket' },
      min: { type: 'number' },
      avg: { type: 'number' },
      max: { type: 'number' },
      count: { type: 'integer' },
    }),
  },
})
type Readings = Output<typeof readingsSchema>

// ── Reading ───────────────────────────────────────────────────────────────────────────────────

type Row = {
  id: number
  code: string
  type: DeviceType
  name: string
  state: DeviceState
  area_id: number
  area_code: string
  area_name_zh: string
  area_name_en: string
  building_id: number | null
  building_name: string | null
  place: string | null
  owner_department_id: number | null
  owner_organisation_id: number | null
  department_name_zh: string | null
  department_name_en: string | null
  organisation_name: string | null
  last_seen_at: Date | null
  last_values: Record<string, number> | null
  battery: number | null
  open_alarms: number
}

type BaseRow = Omit<Row, 'building_name' | 'organisation_name'>

/** The select of a device with its area, building, owner and count of live alarms (as the caller). */
const itemSelect = sql`
  d.id, d.code, d.type, d.name, d.state, d.area_id, a.code as area_code, a.name_zh as area_name_zh,
  a.name_en as area_name_en, d.building_id, d.place, d.owner_department_id,
  d.owner_organisation_id, dep.name_zh as department_name_zh, dep.name_en as department_name_en,
  d.last_seen_at, d.last_values, d.battery,
  (select count(*) from device_alarm al where al.device_id = d.id
     and al.status in ('open', 'acknowledged', 'held'))::int as open_alarms`

const itemJoins = sql`
  join area a on a.id = d.area_id
  left join department dep on dep.id = d.owner_department_id`

/**
 * The building's and the property company's names, which the caller may not read in the registry
 * (app_device_labels answers them for devices the caller reads). One call for the whole page: each
 * call works out the caller's devices (app_device_ids()) again.
 */
async function withLabels<R extends { id: number }>(
  tx: Tx,
  rows: R[],
): Promise<(R & { building_name: string | null; organisation_name: string | null })[]> {
  if (rows.length === 0) return []
  const { rows: labels } = await sql<{
    device_id: number | string
    building_name: string | null
    organisation_name: string | null
  }>`select device_id, building_name, organisation_name
     from app_device_labels(${rows.map((r) => r.id)}::bigint[])`.execute(tx)
  const byId = new Map(labels.map((l) => [Number(l.device_id), l]))
  return rows.map((r) => ({
    ...r,
    building_name: byId.get(r.id)?.building_name ?? null,
    organisation_name: byId.get(r.id)?.organisation_name ?? null,
  }))
}

function presentItem(r: Row): DeviceItem {
  return {
    id: r.id,
    code: r.code,
    type: r.type,
    name: r.name,
    state: r.state,
    area: { id: r.area_id, code: r.area_code, nameZh: r.area_name_zh, nameEn: r.area_name_en },
    building: r.building_id === null ? null : { id: r.building_id, name: r.building_name },
    place: r.place,
    owner:
      r.owner_department_id !== null
        ? {
            kind: 'department',
            id: r.owner_department_id,
            name: r.department_name_zh ?? `#${r.owner_department_id}`,
            nameEn: r.department_name_en,
          }
        : {
            kind: 'organisation',
            id: r.owner_organisation_id ?? 0,
            name: r.organisation_name ?? `#${r.owner_organisation_id}`,
            nameEn: null,
          },
    lastSeenAt: r.last_seen_at?.toISOString() ?? null,
    lastValues: r.last_values,
    battery: r.battery,
    openAlarms: r.open_alarms,
  }
}

async function subtree(tx: Tx, areaId: number) {
  const path = await areaPathOf(tx, areaId)
  return sql`d.area_id in (select id from area where path like ${`${escapeLike(path)}%`})`
}

/** Devices the caller reads, filtered, by id (keyset: `after` the last id of the page before). */
export async function listDevices(tx: Tx, f: DeviceFilter): Promise<Page<DeviceItem>> {
  const where = [sql`true`]
  if (f.areaId !== undefined) where.push(await subtree(tx, f.areaId))
  if (f.type !== undefined) where.push(sql`d.type = ${f.type}`)
  if (f.state !== undefined) where.push(sql`d.state = ${f.state}`)
  if (f.buildingId !== undefined) where.push(sql`d.building_id = ${f.buildingId}`)
  if (f.q !== undefined) {
    const prefix = `${escapeLike(f.q)}%`
    where.push(sql`(d.code ilike ${prefix} or d.name like ${prefix})`)
  }
  const filter = sql.join(where, sql` and `)
  const after = f.after ?? 0
  const { rows } = await sql<BaseRow>`
    select ${itemSelect} from device d ${itemJoins}
    where ${filter} and d.id > ${after} order by d.id limit ${f.pageSize + 1}`.execute(tx)
  const more = rows.length > f.pageSize
  const items = (await withLabels(tx, rows.slice(0, f.pageSize))).map(presentItem)
  const cap = 10_000
  const { rows: counted } = await sql<{ n: number }>`
    select count(*)::int as n from (select 1 from device d where ${filter} limit ${cap + 1}) c`.execute(tx)
  const n = counted[0]?.n ?? 0
  return paginate({ page: 1, pageSize: f.pageSize }, items, Math.min(n, cap), {
    totalCapped: n > cap,
    nextAfter: more ? (items[items.length - 1]?.id ?? null) : null,
  })
}

/** Points for the map: by area or bounding box, at most MAP_CAP. */
export async function deviceMap(tx: Tx, f: MapFilter): Promise<DeviceMap> {
  const where = [sql`true`]
  if (f.areaId !== undefined) where.push(await subtree(tx, f.areaId))
  const box = [f.west, f.south, f.east, f.north]
  if (box.some((v) => v !== undefined)) {
    if (box.some((v) => v === undefined)) throw invalid('west', 'a bounding box needs west, south, east and north')
    if (f.west! >= f.east! || f.south! >= f.north!)
      throw invalid('west', 'west must be less than east and south less than north')
    where.push(sql`d.location && ST_MakeEnvelope(${f.west!}, ${f.south!}, ${f.east!}, ${f.north!}, 4326)`)
  }
  if (f.state !== undefined) where.push(sql`d.state = ${f.state}`)
  if (f.type !== undefined) where.push(sql`d.type = ${f.type}`)
  const { rows } = await sql<{
    id: number
    code: string
    name: string
    type: DeviceType
    state: DeviceState
    lng: number
    lat: number
    open_alarms: number
  }>`
    select d.id, d.code, d.name, d.type, d.state, ST_X(d.location) as lng, ST_Y(d.location) as lat,
      (select count(*) from device_alarm al where al.device_id = d.id
         and al.status in ('open', 'acknowledged', 'held'))::int as open_alarms
    from device d where ${sql.join(where, sql` and `)} order by d.id limit ${MAP_CAP + 1}`.execute(tx)
  return {
    points: rows.slice(0, MAP_CAP).map((r) => ({
      id: r.id,
      code: r.code,
      name: r.name,
      type: r.type,
      state: r.state,
      lng: r.lng,
      lat: r.lat,
      openAlarms: r.open_alarms,
    })),
    truncated: rows.length > MAP_CAP,
  }
}

const metricsOf = (type: DeviceType) =>
  Object.entries(typeSpecs[type]?.metrics ?? {}).map(([metric, m]) => ({
    metric,
    unit: m.unit,
    min: m.min,
    max: m.max,
  }))

/** One device with its location, times, maintenance case and recent alarms (404 unless the caller reads it). */
export async function deviceDetail(tx: Tx, ctx: RequestContext, deviceId: number): Promise<DeviceDetail> {
  const { rows } = await sql<
    BaseRow & {
      lng: number
      lat: number
      version: number
      created_at: Date
      secret_rotated_at: Date
      last_heartbeat_at: Date | null
      last_reading_at: Date | null
      offline_since: Date | null
      fault_reason: string | null
      maintenance_case_id: number | null
      case_tracking_code: string | null
      case_state: string | null
      area_path: string
    }
  >`
    select ${itemSelect}, ST_X(d.location) as lng, ST_Y(d.location) as lat, d.version, d.created_at,
      d.secret_rotated_at, d.last_heartbeat_at, d.last_reading_at, d.offline_since, d.fault_reason,
      d.maintenance_case_id, c.tracking_code as case_tracking_code, c.state as case_state, a.path as area_path
    from device d ${itemJoins}
    left join cases c on c.id = d.maintenance_case_id
    where d.id = ${deviceId}`.execute(tx)
  const r = (await withLabels(tx, rows))[0]
  if (!r) throw new AppError('DEVICE_NOT_FOUND', `no device ${deviceId}`, 'id')
  const alarms = await sql<{
    id: number
    kind: string
    severity: (typeof alarmSeverities)[number]
    status: (typeof alarmStatuses)[number]
    raised_at: Date
    cleared_at: Date | null
    case_id: number | null
    tracking_code: string | null
  }>`
    select al.id, al.kind, al.severity, al.status, al.raised_at, al.cleared_at, al.case_id, c.tracking_code
    from device_alarm al left join cases c on c.id = al.case_id
    where al.device_id = ${deviceId} order by al.id desc limit 20`.execute(tx)
  return {
    ...presentItem(r),
    location: { lng: r.lng, lat: r.lat },
    version: r.version,
    createdAt: r.created_at.toISOString(),
    secretRotatedAt: r.secret_rotated_at.toISOString(),
    lastHeartbeatAt: r.last_heartbeat_at?.toISOString() ?? null,
    lastReadingAt: r.last_reading_at?.toISOString() ?? null,
    offlineSince: r.offline_since?.toISOString() ?? null,
    faultReason: r.fault_reason,
    maintenanceCase:
      r.maintenance_case_id === null
        ? null
        : { id: r.maintenance_case_id, trackingCode: r.case_tracking_code, state: r.case_state },
    metrics: metricsOf(r.type),
    recentAlarms: alarms.rows.map((a) => ({
      id: a.id,
      kind: a.kind,
      severity: a.severity,
      status: a.status,
      raisedAt: a.raised_at.toISOString(),
      clearedAt: a.cleared_at?.toISOString() ?? null,
      caseId: a.case_id,
      caseTrackingCode: a.tracking_code,
    })),
    canEdit: holds(ctx.actor, deviceKeepers, r.area_path),
  }
}

// ── Placing and owning ────────────────────────────────────────────────────────────────────────

export interface Placement {
  gridId: number
  gridPath: string
  districtId: number
  lng: number
  lat: number
  buildingId: number | null
}

type BuildingRow = { id: number; lng: number; lat: number; area_path: string }

/** A building the caller reads (registry row-level security), with its position and area path. */
export async function buildingFor(tx: Tx, where: { id: number } | { code: string }): Promise<BuildingRow | null> {
  const cond = 'id' in where ? sql`b.id = ${where.id}` : sql`b.code = ${where.code}`
  const { rows } = await sql<BuildingRow>`
    select b.id, ST_X(b.location) as lng, ST_Y(b.location) as lat, a.path as area_path
    from building b join area a on a.id = b.area_id where ${cond}`.execute(tx)
  return rows[0] ?? null
}

/**
 * Where a device goes: its point (or its building's), the grid the point lies in, and the
 * building, which must be in that grid (or filed under the grid's community).
 */
export async function placeDevice(
  tx: Tx,
  location: { lng: number; lat: number } | null,
  building: BuildingRow | null,
  fields: { location: string; building: string } = { location: 'location', building: 'buildingId' },
): Promise<Placement> {
  const at = location ?? (building ? { lng: building.lng, lat: building.lat } : null)
  if (!at) throw invalid(fields.location, 'give the device’s location or its building')
  const grid = await gridAt(tx, at.lng, at.lat)
  if (!grid) throw new AppError('AREA_OUTSIDE_ALL_GRIDS', 'the location lies in no grid', fields.location)
  if (building && !grid.path.startsWith(building.area_path))
    throw new AppError('DEVICE_BUILDING_INVALID', 'the building is not in the device’s grid', fields.building)
  return {
    gridId: grid.id,
    gridPath: grid.path,
    districtId: Number(grid.path.split('/').filter(Boolean)[1] ?? grid.id),
    lng: at.lng,
    lat: at.lat,
    buildingId: building?.id ?? null,
  }
}

/** The owner: exactly one of a department (visible to the caller) or a property company (registry organisation). */
export async function checkOwner(
  tx: Tx,
  owner: { departmentId?: number | null | undefined; organisationId?: number | null | undefined },
  fields: { department: string; organisation: string } = {
    department: 'ownerDepartmentId',
    organisation: 'ownerOrganisationId',
  },
): Promise<{ departmentId: number | null; organisationId: number | null }> {
  const dep = owner.departmentId ?? null
  const org = owner.organisationId ?? null
  if ((dep === null) === (org === null))
    throw new AppError(
      'DEVICE_OWNER_INVALID',
      'name exactly one owner: a department or a property company',
      dep === null ? fields.department : fields.organisation,
    )
  if (dep !== null) {
    const d = await tx.selectFrom('department').select('id').where('id', '=', dep).executeTakeFirst()
    if (!d) throw new AppError('DEVICE_OWNER_INVALID', `no department ${dep}`, fields.department)
  } else {
    const o = await tx.selectFrom('organisation').select('id').where('id', '=', org!).executeTakeFirst()
    if (!o) throw new AppError('DEVICE_OWNER_INVALID', `no organisation ${org}`, fields.organisation)
  }
  return { departmentId: dep, organisationId: org }
}

export async function checkType(tx: Tx, type: string, field = 'type'): Promise<DeviceType> {
  const t = await tx.selectFrom('device_type').select('code').where('code', '=', type).executeTakeFirst()
  const known = (deviceTypes as readonly string[]).includes(type)
  if (!t || !known) throw new AppError('DEVICE_TYPE_NOT_FOUND', `no device type ${type}`, field)
  return type as DeviceType
}

/** Codes registered anywhere, also where the caller cannot see the device. */
export async function codesTaken(tx: Tx, codes: string[]): Promise<Set<string>> {
  if (codes.length === 0) return new Set()
  const { rows } = await sql<{
    code: string
  }>`select app_device_codes_taken as code from app_device_codes_taken(${codes}::text[])`.execute(tx)
  return new Set(rows.map((r) => r.code))
}
const codeTaken = async (tx: Tx, code: string) => (await codesTaken(tx, [code])).has(code)

function requireKeeper(ctx: RequestContext, path: string) {
  const actor = requireActor(ctx)
  if (!holds(actor, deviceKeepers, path))
    throw new AppError(
      'FORBIDDEN',
      `keeping devices requires one of the roles ${deviceKeepers.join(', ')} over the grid`,
    )
  return actor
}

// ── Writing ───────────────────────────────────────────────────────────────────────────────────

/** Registers a device; answers its detail and its secret (the only time the secret is shown). */
export async function registerDevice(tx: Tx, ctx: RequestContext, input: NewDevice, now: Date): Promise<Registered> {
  const actor = requireActor(ctx)
  const type = await checkType(tx, input.type)
  let building: BuildingRow | null = null
  if (input.buildingId !== undefined) {
    building = await buildingFor(tx, { id: input.buildingId })
    if (!building) throw new AppError('DEVICE_BUILDING_INVALID', `no building ${input.buildingId}`, 'buildingId')
  }
  const at = await placeDevice(tx, input.location ?? null, building)
  requireKeeper(ctx, at.gridPath)
  const owner = await checkOwner(tx, {
    departmentId: input.ownerDepartmentId,
    organisationId: input.ownerOrganisationId,
  })
  if (await codeTaken(tx, input.code))
    throw new AppError('DEVICE_CODE_TAKEN', `a device with code ${input.code} exists`, 'code')
  const secret = newDeviceSecret()
  await tx
    .insertInto('device')
    .values({
      code: input.code,
      type,
      name: input.name,
      area_id: at.gridId,
      district_id: at.districtId,
      location: sql<string>`ST_SetSRID(ST_MakePoint(${at.lng}, ${at.lat}), 4326)`,
      building_id: at.buildingId,
      place: input.place ?? null,
      owner_department_id: owner.departmentId,
      owner_organisation_id: owner.organisationId,
      secret_hash: hashDeviceSecret(secret),
      secret_rotated_at: now,
      created_by: actor.userId,
      created_at: now,
      updated_at: now,
    })
    .execute()
  // No RETURNING: the new row is not yet among the caller's readable devices within the statement.
  const { id: deviceId } = await tx
    .selectFrom('device')
    .select('id')
    .where('code', '=', input.code)
    .executeTakeFirstOrThrow()
  await recordAudit(tx, ctx, {
    action: 'device.register',
    entityType: 'device',
    entityId: deviceId,
    areaId: at.gridId,
    detail: { code: input.code, type, buildingId: at.buildingId, ...owner },
  })
  return { ...(await deviceDetail(tx, ctx, deviceId)), secret }
}

/**
 * Changes a device (the version read): name, place, location (re-located into its grid),
 * building, owner; and by keepers retire (any → retired), reactivate (retired → active), reset
 * (faulty → active). A retired device is otherwise frozen. Answers whether the state changed (the
 * route then tells the ingest, after the commit).
 */
export async function updateDevice(
  tx: Tx,
  ctx: RequestContext,
  deviceId: number,
  input: UpdateDevice,
  now: Date,
): Promise<{ state: boolean }> {
  const device = await loadDevice(tx, deviceId)
  requireKeeper(ctx, device.area_path)
  if (input.version !== device.version)
    throw new AppError(
      'DEVICE_VERSION_CONFLICT',
      `the device changed since you read it (version ${device.version})`,
      'version',
      {},
      { version: device.version },
    )
  const edits = (
    ['name', 'place', 'location', 'buildingId', 'ownerDepartmentId', 'ownerOrganisationId'] as const
  ).filter((k) => input[k] !== undefined)
  const reactivating = device.state === 'retired' && input.state === 'active'
  if (device.state === 'retired' && !reactivating)
    throw new AppError('DEVICE_RETIRED', `device ${device.code} is retired; reactivate it first`, edits[0] ?? 'state')
  const changes: Record<string, unknown> = {}
  const set: Record<string, unknown> = {}
  if (input.name !== undefined && input.name !== device.name) set.name = changes.name = input.name
  if (input.place !== undefined) set.place = changes.place = input.place
  // Location and building move together: a new building without a point moves the device to it.
  if (input.location !== undefined || input.buildingId !== undefined) {
    let building: BuildingRow | null = null
    const buildingId = input.buildingId === undefined ? device.building_id : input.buildingId
    if (buildingId !== null) {
      building = await buildingFor(tx, { id: buildingId })
      if (!building) throw new AppError('DEVICE_BUILDING_INVALID', `no building ${buildingId}`, 'buildingId')
    }
    let location = input.location ?? null
    if (!location && (input.buildingId === undefined || input.buildingId === null)) {
      const { rows } = await sql<{ lng: number; lat: number }>`
        select ST_X(location) as lng, ST_Y(location) as lat from device where id = ${deviceId}`.execute(tx)
      location = rows[0]!
    }
    const at = await placeDevice(tx, location, building)
    requireKeeper(ctx, at.gridPath)
    set.area_id = at.gridId
    set.district_id = at.districtId
    set.location = sql<string>`ST_SetSRID(ST_MakePoint(${at.lng}, ${at.lat}), 4326)`
    set.building_id = at.buildingId
    changes.location = { lng: at.lng, lat: at.lat, gridId: at.gridId }
    changes.buildingId = at.buildingId
  }
  if (input.ownerDepartmentId !== undefined || input.ownerOrganisationId !== undefined) {
    const owner = await checkOwner(tx, {
      departmentId: input.ownerDepartmentId,
      organisationId: input.ownerOrganisationId,
    })
    set.owner_department_id = owner.departmentId
    set.owner_organisation_id = owner.organisationId
    changes.owner = owner
  }
  if (input.state !== undefined && input.state !== device.state) {
    if (input.state === 'retired') {
      set.state = 'retired'
      set.offline_since = null
    } else if (device.state === 'retired' || device.state === 'faulty') {
      set.state = 'active'
      set.offline_since = null
      set.fault_reason = null
    } else
      throw new AppError(
        'CONFLICT',
        'an offline device comes back by itself when it is heard from; only retired or faulty devices are set active',
        'state',
      )
    changes.state = { from: device.state, to: input.state }
  }
  if (Object.keys(set).length === 0) return { state: false }
  const done = await tx
    .updateTable('device')
    .set({ ...set, updated_at: now, version: device.version + 1 })
    .where('id', '=', deviceId)
    .where('version', '=', device.version)
    .returning('id')
    .executeTakeFirst()
  if (!done) throw new AppError('DEVICE_VERSION_CONFLICT', 'the device changed since you read it', 'version')
  await recordAudit(tx, ctx, {
    action:
      changes.state && input.state === 'retired'
        ? 'device.retire'
        : changes.state
          ? device.state === 'faulty'
            ? 'device.reset'
            : 'device.reactivate'
          : 'device.update',
    entityType: 'device',
    entityId: deviceId,
    areaId: device.area_id,
    detail: { code: device.code, changes },
  })
  return { state: changes.state !== undefined }
}

/** A new secret for the device: answered once; the old one stops working at once. */
export async function rotateSecret(tx: Tx, ctx: RequestContext, deviceId: number, now: Date): Promise<Rotated> {
  const device = await loadDevice(tx, deviceId)
  requireKeeper(ctx, device.area_path)
  if (device.state === 'retired')
    throw new AppError('DEVICE_RETIRED', `device ${device.code} is retired; reactivate it first`, 'id')
  const secret = newDeviceSecret()
  await tx
    .updateTable('device')
    .set({
      secret_hash: hashDeviceSecret(secret),
      secret_rotated_at: now,
      updated_at: now,
      version: device.version + 1,
    })
    .where('id', '=', deviceId)
    .execute()
  await recordAudit(tx, ctx, {
    action: 'device.rotate_secret',
    entityType: 'device',
    entityId: deviceId,
    areaId: device.area_id,
    detail: { code: device.code },
  })
  return { id: deviceId, code: device.code, secret, secretRotatedAt: now.toISOString() }
}

/** The series of one metric, bucketed (min/avg/max per bucket, at most MAX_BUCKETS buckets). */
export async function deviceReadings(tx: Tx, deviceId: number, f: ReadingsFilter, now: Date): Promise<Readings> {
  const device = await loadDevice(tx, deviceId)
  const spec = typeSpecs[device.type]?.metrics[f.metric]
  if (!spec)
    throw invalid(
      'metric',
      `${f.metric} is not measured by a ${device.type}; one of ${Object.keys(typeSpecs[device.type]?.metrics ?? {}).join(', ')}`,
    )
  const to = f.to ? new Date(f.to) : now
  const from = f.from ? new Date(f.from) : new Date(to.getTime() - DAY)
  if (Number.isNaN(to.getTime())) throw invalid('to', 'is not a time')
  if (Number.isNaN(from.getTime())) throw invalid('from', 'is not a time')
  if (from >= to) throw invalid('from', 'must be before to')
  if (to.getTime() - from.getTime() > 400 * DAY) throw invalid('from', 'the period is longer than 400 days')
  const span = (to.getTime() - from.getTime()) / 1000
  const bucket = BUCKETS.find((b) => span / b <= MAX_BUCKETS) ?? BUCKETS[BUCKETS.length - 1]!
  const { rows } = await sql<{ bucket: number; min: number; avg: number; max: number; n: number }>`
    select floor(extract(epoch from m.at) / ${bucket})::bigint * ${bucket} as bucket,
      min(v) as min, avg(v) as avg, max(v) as max, count(*)::int as n
    from device_message m, lateral (select (m.payload -> 'values' ->> ${f.metric})::float8 as v) x
    where m.device_id = ${deviceId} and m.kind = 'reading' and m.at >= ${from} and m.at < ${to} and x.v is not null
    group by 1 order by 1`.execute(tx)
  return {
    metric: f.metric,
    unit: spec.unit,
    from: from.toISOString(),
    to: to.toISOString(),
    bucketSeconds: bucket,
    points: rows.map((r) => ({
      at: new Date(Number(r.bucket) * 1000).toISOString(),
      min: r.min,
      avg: Math.round(r.avg * 1000) / 1000,
      max: r.max,
      count: r.n,
    })),
  }
}
