import { sql } from 'kysely'
import type { Tx } from '../core/db.js'
import { AppError, notFound } from '../core/errors.js'
import type { Input, Output } from '../core/http.js'
import { id, nullable, shape, timestamp } from '../core/schemas.js'
import { holds, requireActor, type RequestContext, type Role } from '../core/scope.js'
import { maskName } from '../emergency/common.js'
import { knockTags, liveStatuses } from './alarms.js'
import { alarmSeverities, alarmStatuses, deviceStates } from './common.js'
import { deviceTypes, type DeviceType } from './types.js'

// Community risk (issue 18, item 6): per grid and per building, the live alarms, the alarms of
// the last 30 days by device type, the devices offline or faulty, and the people there from the
// registry who need a knock on the door (living alone, disabled, elderly, left-behind children,
// key care) — the counts, and for a building the masked list. Read as the caller: row-level
// security keeps each figure to what they may see (registry readers: admins, leaders, staff and
// grid workers of the area). Feeds the risk card on the dashboard.

/** Who reads the community risk: the registry's readers (people are counted and listed). */
export const riskReaders: Role[] = ['admin', 'leader', 'staff', 'grid_worker']

export const riskLevels = ['high', 'medium', 'low'] as const
type RiskLevel = (typeof riskLevels)[number]
type Tag = (typeof knockTags)[number]

const knockSchema = {
  type: 'object',
  additionalProperties: false,
  required: [...knockTags],
  properties: Object.fromEntries(knockTags.map((t) => [t, { type: 'integer' }])) as Record<Tag, { type: 'integer' }>,
} as const
const byType = {
  type: 'array',
  items: shape({ type: { type: 'string', enum: deviceTypes }, count: { type: 'integer' } }),
} as const
const areaRef = shape({
  id: { type: 'integer' },
  code: { type: 'string' },
  nameZh: { type: 'string' },
  nameEn: { type: 'string' },
})
const figures = {
  openAlarms: { type: 'integer', description: 'Live alarms: open, acknowledged or held' },
  criticalAlarms: { type: 'integer' },
  alarms30d: { type: 'integer' },
  alarms30dByType: byType,
  deviceCount: { type: 'integer', description: 'Devices not retired' },
  offlineDevices: { type: 'integer' },
  faultyDevices: { type: 'integer' },
  knock: knockSchema,
  knockTotal: { type: 'integer', description: 'People with at least one of the tags' },
  level: { type: 'string', enum: riskLevels },
} as const

export const riskQuery = {
  type: 'object',
  additionalProperties: false,
  properties: { areaId: { ...id, description: 'Default: the widest area you read' } },
} as const

export const riskSchema = shape({
  area: areaRef,
  totals: shape(figures),
  grids: { type: 'array', items: shape({ area: areaRef, ...figures }) },
  buildings: {
    type: 'array',
    description: 'Buildings with live alarms, the most critical first (at most 20)',
    items: shape({
      id: { type: 'integer' },
      name: { type: 'string' },
      gridId: { type: 'integer' },
      openAlarms: { type: 'integer' },
      criticalAlarms: { type: 'integer' },
      knockTotal: { type: 'integer' },
    }),
  },
})
export type RiskView = Output<typeof riskSchema>

export const buildingRiskSchema = shape({
  building: shape({
    id: { type: 'integer' },
    code: { type: 'string' },
    name: { type: 'string' },
    address: { type: 'string' },
    floors: nullable('integer'),
    area: areaRef,
  }),
  ...figures,
  occupants: { type: 'integer' },
  devices: {
    type: 'array',
    items: shape({
      id: { type: 'integer' },
      code: { type: 'string' },
      name: { type: 'string' },
      type: { type: 'string', enum: deviceTypes },
      state: { type: 'string', enum: deviceStates },
      place: nullable('string'),
      openAlarms: { type: 'integer' },
    }),
  },
  alarms: {
    type: 'array',
    items: shape({
      id: { type: 'integer' },
      kind: { type: 'string' },
      severity: { type: 'string', enum: alarmSeverities },
      status: { type: 'string', enum: alarmStatuses },
      raisedAt: timestamp,
      deviceCode: { type: 'string' },
    }),
  },
  people: {
    type: 'array',
    description: 'The people to knock on, masked: family name, age, tags, dwelling (at most 500)',
    items: shape({
      name: { type: 'string' },
      age: nullable('integer'),
      sex: { type: 'string' },
      tags: { type: 'array', items: { type: 'string' } },
      unit: { type: 'string' },
      floor: nullable('integer'),
      room: { type: 'string' },
    }),
  },
})
export type BuildingRisk = Output<typeof buildingRiskSchema>

type Figures = Output<ReturnType<typeof shape<typeof figures>>>

const emptyKnock = () => Object.fromEntries(knockTags.map((t) => [t, 0])) as Record<Tag, number>
const blank = (): Figures => ({
  openAlarms: 0,
  criticalAlarms: 0,
  alarms30d: 0,
  alarms30dByType: [],
  deviceCount: 0,
  offlineDevices: 0,
  faultyDevices: 0,
  knock: emptyKnock(),
  knockTotal: 0,
  level: 'low',
})

function levelOf(f: Figures): RiskLevel {
  if (f.criticalAlarms > 0 || (f.openAlarms > 0 && f.knockTotal > 0)) return 'high'
  if (f.openAlarms > 0 || f.offlineDevices > 0 || f.faultyDevices > 0) return 'medium'
  return 'low'
}
const rank: Record<RiskLevel, number> = { high: 0, medium: 1, low: 2 }

const LIVE = [...liveStatuses]
const DAY = 86_400_000
const tagCounts = sql.join(
  knockTags.map((t) => sql`count(*) filter (where ${t} = any (p.tags)) as ${sql.ref(t)}`),
  sql`, `,
)

interface Area {
  id: number
  code: string
  name_zh: string
  name_en: string
  path: string
  level: string
}

/** Per grid under the area (those the caller reads): alarms, devices, people to knock on. */
export async function areaRisk(tx: Tx, ctx: RequestContext, q: Input<typeof riskQuery>, now: Date): Promise<RiskView> {
  const actor = requireActor(ctx)
  let area: Area | undefined
  if (q.areaId !== undefined) {
    area = await tx
      .selectFrom('area')
      .select(['id', 'code', 'name_zh', 'name_en', 'path', 'level'])
      .where('id', '=', q.areaId)
      .executeTakeFirst()
    if (!area) throw notFound('AREA_NOT_FOUND', `area ${q.areaId}`, 'areaId')
  } else {
    const widest = actor.grants
      .filter((g) => riskReaders.includes(g.role))
      .sort((a, b) => a.path.length - b.path.length)[0]
    if (!widest)
      throw new AppError('FORBIDDEN', 'the community risk is read by admins, leaders, staff and grid workers')
    area = await tx
      .selectFrom('area')
      .select(['id', 'code', 'name_zh', 'name_en', 'path', 'level'])
      .where('id', '=', widest.areaId)
      .executeTakeFirstOrThrow()
  }
  const allGrids = await tx
    .selectFrom('area')
    .select(['id', 'code', 'name_zh', 'name_en', 'path'])
    .where('level', '=', 'grid')
    .where('retired_at', 'is', null)
    .where('path', 'like', `${area.path}%`)
    .orderBy('code')
    .limit(5000)
    .execute()
  const grids = allGrids.filter((g) => holds(actor, riskReaders, g.path))
  if (!grids.length) throw new AppError('FORBIDDEN', 'you read no grid of this area: ask for one you work in', 'areaId')
  const ids = grids.map((g) => g.id)
  const since = new Date(now.getTime() - 30 * DAY)
  const [alarms, recent, devices, people, buildings] = await Promise.all([
    sql<{ area_id: number; open: string; critical: string }>`
      select area_id, count(*) as open, count(*) filter (where severity = 'critical') as critical
      from device_alarm where area_id = any(${ids}::int[]) and status = any(${LIVE}::text[])
      group by area_id`.execute(tx),
    sql<{ area_id: number; type: DeviceType; n: string }>`
      select al.area_id, d.type, count(*) as n from device_alarm al join device d on d.id = al.device_id
      where al.area_id = any(${ids}::int[]) and al.raised_at >= ${since}
      group by al.area_id, d.type`.execute(tx),
    sql<{ area_id: number; total: string; offline: string; faulty: string }>`
      select area_id, count(*) filter (where state <> 'retired') as total, count(*) filter (where state = 'offline') as offline,
             count(*) filter (where state = 'faulty') as faulty
      from device where area_id = any(${ids}::int[]) group by area_id`.execute(tx),
    sql<Record<string, string | number>>`
      select p.area_id, count(*) filter (where p.tags && ${[...knockTags]}::text[]) as total, ${tagCounts}
      from person p where p.area_id = any(${ids}::int[]) and p.status = 'active' group by p.area_id`.execute(tx),
    sql<{ building_id: number; name: string; area_id: number; open: string; critical: string; knock: string }>`
      select al.building_id, b.name, b.area_id, count(*) as open, count(*) filter (where al.severity = 'critical') as critical,
             (select count(*) from person p join dwelling dw on dw.id = p.dwelling_id
              where dw.building_id = al.building_id and p.status = 'active' and p.tags && ${[...knockTags]}::text[]) as knock
      from device_alarm al join building b on b.id = al.building_id
      where al.area_id = any(${ids}::int[]) and al.status = any(${LIVE}::text[])
      group by al.building_id, b.name, b.area_id
      order by count(*) filter (where al.severity = 'critical') desc, count(*) desc, al.building_id
      limit 20`.execute(tx),
  ])
  const per = new Map<number, Figures>(ids.map((i) => [i, blank()]))
  for (const r of alarms.rows) {
    const f = per.get(r.area_id)!
    f.openAlarms = Number(r.open)
    f.criticalAlarms = Number(r.critical)
  }
  for (const r of recent.rows) {
    const f = per.get(r.area_id)!
    f.alarms30d += Number(r.n)
    f.alarms30dByType.push({ type: r.type, count: Number(r.n) })
  }
  for (const r of devices.rows) {
    const f = per.get(r.area_id)!
    f.deviceCount = Number(r.total)
    f.offlineDevices = Number(r.offline)
    f.faultyDevices = Number(r.faulty)
  }
  for (const r of people.rows) {
    const f = per.get(Number(r.area_id))
    if (!f) continue
    f.knockTotal = Number(r.total)
    for (const t of knockTags) f.knock[t] = Number(r[t])
  }
  const totals = blank()
  const typeTotals = new Map<DeviceType, number>()
  for (const f of per.values()) {
    f.level = levelOf(f)
    f.alarms30dByType.sort((a, b) => b.count - a.count || a.type.localeCompare(b.type))
    totals.openAlarms += f.openAlarms
    totals.criticalAlarms += f.criticalAlarms
    totals.alarms30d += f.alarms30d
    totals.deviceCount += f.deviceCount
    totals.offlineDevices += f.offlineDevices
    totals.faultyDevices += f.faultyDevices
    totals.knockTotal += f.knockTotal
    for (const t of knockTags) totals.knock[t] += f.knock[t]
    for (const x of f.alarms30dByType) typeTotals.set(x.type, (typeTotals.get(x.type) ?? 0) + x.count)
  }
  totals.alarms30dByType = [...typeTotals].map(([type, count]) => ({ type, count })).sort((a, b) => b.count - a.count)
  totals.level = levelOf(totals)
  const gridViews = grids
    .map((g) => ({ area: { id: g.id, code: g.code, nameZh: g.name_zh, nameEn: g.name_en }, ...per.get(g.id)! }))
    .sort(
      (a, b) =>
        rank[a.level] - rank[b.level] ||
        b.criticalAlarms - a.criticalAlarms ||
        b.openAlarms - a.openAlarms ||
        b.offlineDevices + b.faultyDevices - (a.offlineDevices + a.faultyDevices) ||
        b.knockTotal - a.knockTotal ||
        a.area.code.localeCompare(b.area.code),
    )
  return {
    area: { id: area.id, code: area.code, nameZh: area.name_zh, nameEn: area.name_en },
    totals,
    grids: gridViews,
    buildings: buildings.rows.map((b) => ({
      id: Number(b.building_id),
      name: b.name,
      gridId: b.area_id,
      openAlarms: Number(b.open),
      criticalAlarms: Number(b.critical),
      knockTotal: Number(b.knock),
    })),
  }
}

const ageOn = (birth: Date | string | null, now: Date): number | null => {
  if (!birth) return null
  const b = new Date(birth)
  let age = now.getUTCFullYear() - b.getUTCFullYear()
  const m = now.getUTCMonth() - b.getUTCMonth()
  if (m < 0 || (m === 0 && now.getUTCDate() < b.getUTCDate())) age--
  return age
}

/** The same for one building (the registry must let the caller read it), with its people masked. */
export async function buildingRisk(tx: Tx, ctx: RequestContext, buildingId: number, now: Date): Promise<BuildingRisk> {
  const actor = requireActor(ctx)
  const b = await sql<{
    id: number
    code: string
    name: string
    address: string
    floors: number | null
    area_id: number
    area_code: string
    name_zh: string
    name_en: string
    path: string
  }>`select b.id, b.code, b.name, b.address, b.floors, a.id as area_id, a.code as area_code, a.name_zh, a.name_en, a.path
     from building b join area a on a.id = b.area_id where b.id = ${buildingId}`.execute(tx)
  const building = b.rows[0]
  if (!building || !holds(actor, riskReaders, building.path))
    throw notFound('RECORD_NOT_FOUND', `building ${buildingId}`, 'id')
  const since = new Date(now.getTime() - 30 * DAY)
  const [devices, alarms, live, recent, counts, people] = await Promise.all([
    sql<{
      id: number
      code: string
      name: string
      type: DeviceType
      state: (typeof deviceStates)[number]
      place: string | null
      open: string
    }>`
      select d.id, d.code, d.name, d.type, d.state, d.place,
             (select count(*) from device_alarm al where al.device_id = d.id and al.status = any(${LIVE}::text[])) as open
      from device d where d.building_id = ${buildingId} order by d.code limit 500`.execute(tx),
    // The newest live alarms to list (at most 100); the counts come from the next query, uncapped.
    sql<{
      id: number
      kind: string
      severity: (typeof alarmSeverities)[number]
      status: (typeof alarmStatuses)[number]
      raised_at: Date
      code: string
    }>`
      select al.id, al.kind, al.severity, al.status, al.raised_at, d.code
      from device_alarm al join device d on d.id = al.device_id
      where al.building_id = ${buildingId} and al.status = any(${LIVE}::text[])
      order by al.id desc limit 100`.execute(tx),
    sql<{ open: string; critical: string }>`
      select count(*) as open, count(*) filter (where severity = 'critical') as critical
      from device_alarm where building_id = ${buildingId} and status = any(${LIVE}::text[])`.execute(tx),
    sql<{ type: DeviceType; n: string }>`
      select d.type, count(*) as n from device_alarm al join device d on d.id = al.device_id
      where al.building_id = ${buildingId} and al.raised_at >= ${since} group by d.type order by count(*) desc`.execute(
      tx,
    ),
    // Who lives there, counted in SQL: everyone, those to knock on, and per tag.
    sql<Record<string, string | number>>`
      select count(*) as occupants, count(*) filter (where p.tags && ${[...knockTags]}::text[]) as total, ${tagCounts}
      from person p join dwelling dw on dw.id = p.dwelling_id
      where dw.building_id = ${buildingId} and p.status = 'active'`.execute(tx),
    // Only the people to knock on are loaded (at most 500), the most vulnerable first.
    sql<{
      name: string
      birth_date: Date | null
      sex: string
      tags: string[]
      unit: string
      floor: number | null
      room: string
    }>`
      select p.name, p.birth_date, p.sex, p.tags, dw.unit, dw.floor, dw.room
      from person p join dwelling dw on dw.id = p.dwelling_id
      where dw.building_id = ${buildingId} and p.status = 'active' and p.tags && ${[...knockTags]}::text[]
      order by ('elderly_alone' = any (p.tags)) desc, ('disabled' = any (p.tags)) desc, dw.unit, dw.floor nulls last, dw.room, p.id
      limit 500`.execute(tx),
  ])
  const c = counts.rows[0]!
  const knock = Object.fromEntries(knockTags.map((t) => [t, Number(c[t] ?? 0)])) as Record<Tag, number>
  const f: Figures = {
    openAlarms: Number(live.rows[0]!.open),
    criticalAlarms: Number(live.rows[0]!.critical),
    alarms30d: recent.rows.reduce((s, r) => s + Number(r.n), 0),
    alarms30dByType: recent.rows.map((r) => ({ type: r.type, count: Number(r.n) })),
    deviceCount: devices.rows.filter((d) => d.state !== 'retired').length,
    offlineDevices: devices.rows.filter((d) => d.state === 'offline').length,
    faultyDevices: devices.rows.filter((d) => d.state === 'faulty').length,
    knock,
    knockTotal: Number(c.total),
    level: 'low',
  }
  f.level = levelOf(f)
  return {
    building: {
      id: Number(building.id),
      code: building.code,
      name: building.name,
      address: building.address,
      floors: building.floors,
      area: { id: building.area_id, code: building.area_code, nameZh: building.name_zh, nameEn: building.name_en },
    },
    ...f,
    occupants: Number(c.occupants),
    devices: devices.rows.map((d) => ({
      id: Number(d.id),
      code: d.code,
      name: d.name,
      type: d.type,
      state: d.state,
      place: d.place,
      openAlarms: Number(d.open),
    })),
    alarms: alarms.rows.map((a) => ({
      id: Number(a.id),
      kind: a.kind,
      severity: a.severity,
      status: a.status,
      raisedAt: new Date(a.raised_at).toISOString(),
      deviceCode: a.code,
    })),
    people: people.rows.map((p) => ({
      name: maskName(p.name),
      age: ageOn(p.birth_date, now),
      sex: p.sex,
      tags: [...p.tags],
      unit: p.unit,
      floor: p.floor,
      room: p.room,
    })),
  }
}
