import { sql } from 'kysely'
import type { Tx } from '../core/db.js'
import { mulberry32 } from '../core/random.js'
import { districtOf } from '../registry/records.js'
import { hashDeviceSecret } from './common.js'
import type { DeviceType } from './types.js'

// The demo city's devices: 40 in 桂花 (JZ-QH-01-01) over its grids and the registry's buildings,
// 10 in 翠竹 (JZ-QH-02-01). Smoke, gas, elevator and access-control devices sit in residential
// buildings (kept by the community's property company, the elevators by the housing bureau);
// water-level sensors, manhole covers and hydrants stand in the grids' streets (the water
// bureau; the street's law-enforcement team, guihua.handler's department). Mostly active and
// heard from minutes ago; two offline, one faulty (flapping), one retired. Three days of readings
// (every 30–60 minutes) for the water-level, gas, hydrant and smoke devices, with the water rising
// at GH-WL-0001 through the last twelve hours. Every secret is `grassroots-demo-<code>` (demo
// only: documented in docs/devices.md).

const MIN = 60_000
const HOUR = 60 * MIN

type Spot = 'building' | 'street'
interface Plan {
  prefix: string
  type: DeviceType
  count: number
  spot: Spot
  name: string
  owner: 'property' | string
}

const guihuaPlan: Plan[] = [
  { prefix: 'SMK', type: 'smoke_detector', count: 12, spot: 'building', name: '楼道烟感', owner: 'property' },
  { prefix: 'GAS', type: 'gas_detector', count: 6, spot: 'building', name: '燃气探测器', owner: 'property' },
  { prefix: 'WL', type: 'water_level', count: 4, spot: 'street', name: '积水点水位监测', owner: 'QH-SW' },
  { prefix: 'MH', type: 'manhole_tilt', count: 6, spot: 'street', name: '井盖倾斜监测', owner: 'QH-01-ZF' },
  { prefix: 'ELV', type: 'elevator_monitor', count: 4, spot: 'building', name: '电梯运行监测', owner: 'QH-ZJ' },
  { prefix: 'ACC', type: 'access_control', count: 4, spot: 'building', name: '单元门禁', owner: 'property' },
  { prefix: 'HYD', type: 'hydrant_pressure', count: 4, spot: 'street', name: '室外消火栓水压', owner: 'QH-01-ZF' },
]
const cuizhuPlan: Plan[] = [
  { prefix: 'SMK', type: 'smoke_detector', count: 4, spot: 'building', name: '楼道烟感', owner: 'QH-02-ZF' },
  { prefix: 'GAS', type: 'gas_detector', count: 1, spot: 'building', name: '燃气探测器', owner: 'QH-02-ZF' },
  { prefix: 'WL', type: 'water_level', count: 2, spot: 'street', name: '积水点水位监测', owner: 'QH-SW' },
  { prefix: 'MH', type: 'manhole_tilt', count: 2, spot: 'street', name: '井盖倾斜监测', owner: 'QH-02-ZF' },
  { prefix: 'ELV', type: 'elevator_monitor', count: 1, spot: 'building', name: '电梯运行监测', owner: 'QH-ZJ' },
]

/** Codes whose state is not active: offline (hours since), faulty, retired. */
const offline: Record<string, number> = { 'GH-MH-0005': 5, 'GH-ACC-0004': 50 }
const FAULTY = 'GH-SMK-0012'
const RETIRED = 'GH-HYD-0004'
const RISING = 'GH-WL-0001'
const withReadings: DeviceType[] = ['water_level', 'gas_detector', 'hydrant_pressure', 'smoke_detector']

const streetPlaces: Partial<Record<DeviceType, string[]>> = {
  water_level: ['下穿通道最低点', '小区东门路口', '地下车库入口', '桂花路排水口'],
  manhole_tilt: ['人行道雨水井', '路口污水井', '绿化带电力井', '小区北门燃气井', '主干道通信井', '停车场雨水井'],
  hydrant_pressure: ['主路东侧', '小区中心广场', '幼儿园门口', '菜场西侧'],
}

/** What a reading of the type says at `hoursAgo` (deterministic noise from `r`). */
function valuesOf(type: DeviceType, code: string, hoursAgo: number, r: () => number): Record<string, number> {
  const round = (v: number, d = 1) => Math.round(v * 10 ** d) / 10 ** d
  const daily = Math.sin(((24 - (hoursAgo % 24)) / 24) * 2 * Math.PI)
  switch (type) {
    case 'water_level': {
      const base = 12 + daily * 2 + r() * 3
      // Rain through the last twelve hours at the lowest point: the water rises towards 45 cm.
      const rise = code === RISING && hoursAgo < 12 ? (12 - hoursAgo) * 2.6 : 0
      return { level_cm: round(base + rise) }
    }
    case 'gas_detector':
      return { lel_percent: round(r() * 1.5), co_ppm: round(2 + r() * 5, 0) }
    case 'hydrant_pressure':
      return { pressure_mpa: round(0.3 + daily * 0.02 + r() * 0.03, 3) }
    case 'smoke_detector':
      return { smoke_obscuration: round(r() * 0.4, 2), temperature_c: round(21 + daily * 3 + r()) }
    default:
      return {}
  }
}

async function propertyCompany(tx: Tx, gridCode: string, now: Date): Promise<number> {
  const { rows } = await sql<{ id: number; path: string }>`select id, path from area where code = ${gridCode}`.execute(
    tx,
  )
  const grid = rows[0]!
  const made = await tx
    .insertInto('organisation')
    .values({
      area_id: grid.id,
      district_id: districtOf(grid.path, grid.id),
      kind: 'enterprise',
      name: '桂花苑物业服务有限公司',
      uscc: '91330106MA2BCDEF3P',
      legal_representative: null,
      address: '桂花路12号物业服务中心',
      location: null,
      created_at: now,
      updated_at: now,
    })
    .returning('id')
    .executeTakeFirstOrThrow()
  return made.id
}

async function seedCommunity(
  tx: Tx,
  community: string,
  prefix: 'GH' | 'CZ',
  plan: Plan[],
  owners: Map<string, number>,
  property: number | null,
  now: Date,
  r: () => number,
): Promise<{ devices: number; readings: number }> {
  const grids = await sql<{ id: number; code: string; path: string; lng: number; lat: number }>`
    select g.id, g.code, g.path, ST_X(ST_PointOnSurface(g.boundary)) as lng, ST_Y(ST_PointOnSurface(g.boundary)) as lat
    from area g join area c on c.id = g.parent_id
    where c.code = ${community} and g.level = 'grid' and g.retired_at is null order by g.code`.execute(tx)
  const buildings = await sql<{ id: number; code: string; area_id: number; lng: number; lat: number }>`
    select b.id, b.code, b.area_id, ST_X(b.location) as lng, ST_Y(b.location) as lat
    from building b join area g on g.id = b.area_id join area c on c.id = g.parent_id
    where c.code = ${community} and b.kind = 'residential' order by b.code`.execute(tx)
  if (grids.rows.length === 0) return { devices: 0, readings: 0 }
  const gridById = new Map(grids.rows.map((g) => [g.id, g]))
  let devices = 0
  let readings = 0
  for (const p of plan) {
    for (let i = 0; i < p.count; i++) {
      const code = `${prefix}-${p.prefix}-${String(i + 1).padStart(4, '0')}`
      let gridId: number
      let lng: number
      let lat: number
      let buildingId: number | null = null
      let place: string
      if (p.spot === 'building' && buildings.rows.length) {
        // Round the buildings, first building of the first grid first (G01-B1 has the first smoke detector).
        const b = buildings.rows[i % buildings.rows.length]!
        gridId = b.area_id
        buildingId = b.id
        // A few metres apart inside the building's footprint.
        lng = b.lng + ((i % 3) - 1) * 0.00004
        lat = b.lat + ((Math.floor(i / 3) % 3) - 1) * 0.00003
        const floor = 1 + (i % 6)
        place =
          p.type === 'access_control'
            ? '1单元 一楼大堂'
            : p.type === 'elevator_monitor'
              ? '1单元 1号电梯轿厢'
              : p.type === 'gas_detector'
                ? `1单元 ${floor}0${1 + (i % 3)}室 厨房`
                : `1单元 ${floor}层 楼道`
      } else {
        const g = grids.rows[i % grids.rows.length]!
        gridId = g.id
        // Around the grid's inner point, spread so the map shows them apart.
        lng = g.lng + (((i * 37) % 9) - 4) * 0.00012
        lat = g.lat + (((i * 53) % 7) - 3) * 0.0001
        place = streetPlaces[p.type]?.[i % (streetPlaces[p.type]?.length ?? 1)] ?? '路边'
      }
      const grid = gridById.get(gridId)!
      const ownerDepartment = p.owner === 'property' ? null : (owners.get(p.owner) ?? null)
      const ownerOrganisation = p.owner === 'property' ? property : null
      if (ownerDepartment === null && ownerOrganisation === null) continue
      const hoursOffline = offline[code]
      const state = hoursOffline ? 'offline' : code === FAULTY ? 'faulty' : code === RETIRED ? 'retired' : 'active'
      // Heard from minutes ago; offline ones stopped hours ago; the retired one a week ago.
      const lastSeen = new Date(
        now.getTime() -
          (hoursOffline ? hoursOffline * HOUR : state === 'retired' ? 7 * 24 * HOUR : (1 + r() * 9) * MIN),
      )
      const made = await tx
        .insertInto('device')
        .values({
          code,
          type: p.type,
          name: `${grid.code.slice(-3)} ${p.name}${String(i + 1).padStart(2, '0')}`,
          area_id: gridId,
          district_id: districtOf(grid.path, gridId),
          location: sql<string>`ST_SetSRID(ST_MakePoint(${lng}, ${lat}), 4326)`,
          building_id: buildingId,
          place,
          owner_department_id: ownerDepartment,
          owner_organisation_id: ownerOrganisation,
          state,
          secret_hash: hashDeviceSecret(`grassroots-demo-${code}`),
          secret_rotated_at: new Date(now.getTime() - 30 * 24 * HOUR),
          last_seen_at: lastSeen,
          last_heartbeat_at: lastSeen,
          offline_since: hoursOffline ? new Date(lastSeen.getTime() + 2 * HOUR) : null,
          battery: code === 'GH-MH-0003' ? 14 : Math.round(60 + r() * 40),
          fault_reason: state === 'faulty' ? 'flapping: 9 alarms in an hour' : null,
          created_by: null,
          created_at: new Date(now.getTime() - 90 * 24 * HOUR),
          updated_at: lastSeen,
        })
        .returning('id')
        .executeTakeFirstOrThrow()
      devices++
      if (!withReadings.includes(p.type) || state === 'retired') continue
      // Three days of readings, one every 30–60 minutes, until the device was last heard from
      // (the rising water-level sensor's last ones come from the alarm demo).
      const rows: {
        device_id: number
        message_id: string
        kind: string
        at: Date
        received_at: Date
        payload: string
        via: string
      }[] = []
      const until = code === RISING ? now.getTime() - 100 * MIN : lastSeen.getTime()
      let at = now.getTime() - 72 * HOUR
      let n = 0
      let last: Record<string, number> = {}
      while (at <= until) {
        const hoursAgo = (now.getTime() - at) / HOUR
        const values = valuesOf(p.type, code, hoursAgo, r)
        const messageId = `demo-${code}-${++n}`
        const ts = new Date(at)
        rows.push({
          device_id: made.id,
          message_id: messageId,
          kind: 'reading',
          at: ts,
          received_at: ts,
          payload: JSON.stringify({ id: messageId, ts: ts.toISOString(), values }),
          via: n % 5 === 0 ? 'http' : 'mqtt',
        })
        last = values
        at += (30 + Math.floor(r() * 31)) * MIN
      }
      for (let k = 0; k < rows.length; k += 500)
        await tx
          .insertInto('device_message')
          .values(rows.slice(k, k + 500))
          .execute()
      readings += rows.length
      if (rows.length)
        await tx
          .updateTable('device')
          .set({ last_values: JSON.stringify(last), last_reading_at: rows[rows.length - 1]!.at })
          .where('id', '=', made.id)
          .execute()
    }
  }
  return { devices, readings }
}

/** The demo city's devices and their reading history (owner rights, inside the demo seed's transaction). */
export async function seedDevicesDemo(tx: Tx, now: Date): Promise<Record<string, number>> {
  const r = mulberry32(1818)
  const deps = await tx.selectFrom('department').select(['id', 'code']).execute()
  const owners = new Map(deps.map((d) => [d.code, d.id]))
  const guihua = await tx.selectFrom('area').select('id').where('code', '=', 'JZ-QH-01-01-G01').executeTakeFirst()
  if (!guihua) return {}
  const property = await propertyCompany(tx, 'JZ-QH-01-01-G01', now)
  const a = await seedCommunity(tx, 'JZ-QH-01-01', 'GH', guihuaPlan, owners, property, now, r)
  const b = await seedCommunity(tx, 'JZ-QH-02-01', 'CZ', cuizhuPlan, owners, null, now, r)
  return { devices: a.devices + b.devices, deviceReadings: a.readings + b.readings }
}
