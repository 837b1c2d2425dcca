import { sql } from 'kysely'
import type { FieldCipher } from '../core/crypto.js'
import type { Tx } from '../core/db.js'
import { areaIdByCode, demoActor } from '../participation/common.js'
import { invalidateRules } from './alarm-rules.js'
import { acknowledgeAlarm, onAlarmMessage, onReadings } from './alarms.js'
import { loadDevice } from './common.js'

// The demo city's alarm rules and the alarms they raised, made through the same code as live
// messages (a device_message row, then onAlarmMessage / onReadings), after the registry's demo
// devices (codes GH-… in 桂花). A newcomer finds: an open smoke alarm in an occupied building of
// 桂花 G01 with its emergency incident and its case, accepted by the system and dispatched to the
// street's law-enforcement team (guihua.handler's) by the category's routing; a water-level
// alarm (three readings over 50 cm in a row) acknowledged by guihua.staff with its case; a
// manhole-cover alarm raised and cleared; an alarm held from the faulty (flapping) device; a
// warning from an access-control door left open.
//
// Device alarms need case categories a device can file without a person (no photo, no required
// attribute): the group SB 智慧设备告警 with a leaf per kind of alarm and one for device repairs
// (the heartbeat sweep's maintenance cases), routed by area like the rest of the catalogue.

const MIN = 60_000

const categories: {
  code: string
  zh: string
  en: string
  respond: number
  handle: number
  district: string | null
  street: string | null
}[] = [
  { code: 'SB-01', zh: '火灾烟感报警', en: 'Smoke or fire alarm', respond: 1, handle: 1, district: 'GA', street: 'ZF' },
  { code: 'SB-02', zh: '燃气泄漏报警', en: 'Gas leak alarm', respond: 1, handle: 1, district: 'ZJ', street: null },
  { code: 'SB-03', zh: '积水水位超限', en: 'High water level', respond: 2, handle: 2, district: 'SW', street: null },
  {
    code: 'SB-04',
    zh: '井盖倾斜移位',
    en: 'Manhole cover tilted or displaced',
    respond: 2,
    handle: 2,
    district: 'CG',
    street: 'ZF',
  },
  {
    code: 'SB-05',
    zh: '电梯困人故障',
    en: 'Elevator fault or people trapped',
    respond: 1,
    handle: 1,
    district: 'SJ',
    street: 'BSC',
  },
  {
    code: 'SB-06',
    zh: '消火栓水压不足',
    en: 'Low fire-hydrant pressure',
    respond: 24,
    handle: 5,
    district: 'SW',
    street: null,
  },
  { code: 'SB-07', zh: '门禁异常', en: 'Access control fault', respond: 24, handle: 3, district: null, street: 'BSC' },
  // No routing: the repair goes to the device's owner (acceptAsSystem's fallback).
  {
    code: 'SB-08',
    zh: '感知设备故障维护',
    en: 'Sensor device repair',
    respond: 24,
    handle: 5,
    district: null,
    street: null,
  },
]

type RuleSeed = {
  type: string
  name: string
  trigger: 'flag' | 'threshold'
  alarmKind?: string
  metric?: string
  comparison?: 'gt' | 'lt'
  threshold?: number
  clearThreshold?: number
  consecutive?: number
  severity: 'critical' | 'major' | 'minor' | 'warning'
  action: 'case' | 'warning' | 'incident'
  category?: string
  incidentKind?: string
  dedupe?: number
}

const rules: RuleSeed[] = [
  {
    type: 'smoke_detector',
    name: '烟感报警（有人居住的楼栋启动应急）',
    trigger: 'flag',
    alarmKind: 'smoke',
    severity: 'critical',
    action: 'incident',
    category: 'SB-01',
    incidentKind: 'fire',
  },
  {
    type: 'smoke_detector',
    name: '温感高温报警',
    trigger: 'flag',
    alarmKind: 'heat',
    severity: 'major',
    action: 'case',
    category: 'SB-01',
  },
  {
    type: 'smoke_detector',
    name: '烟感电量低',
    trigger: 'flag',
    alarmKind: 'low_battery',
    severity: 'warning',
    action: 'warning',
  },
  {
    type: 'gas_detector',
    name: '燃气泄漏报警',
    trigger: 'flag',
    alarmKind: 'gas_leak',
    severity: 'critical',
    action: 'incident',
    category: 'SB-02',
    incidentKind: 'gas_leak',
  },
  {
    type: 'gas_detector',
    name: '可燃气体浓度连续超限',
    trigger: 'threshold',
    metric: 'lel_percent',
    comparison: 'gt',
    threshold: 25,
    clearThreshold: 10,
    consecutive: 2,
    severity: 'major',
    action: 'case',
    category: 'SB-02',
  },
  {
    type: 'water_level',
    name: '积水水位连续3次超过50厘米',
    trigger: 'threshold',
    metric: 'level_cm',
    comparison: 'gt',
    threshold: 50,
    clearThreshold: 40,
    consecutive: 3,
    severity: 'major',
    action: 'case',
    category: 'SB-03',
  },
  {
    type: 'water_level',
    name: '水位计高水位报警',
    trigger: 'flag',
    alarmKind: 'high_water',
    severity: 'major',
    action: 'case',
    category: 'SB-03',
  },
  {
    type: 'manhole_tilt',
    name: '井盖倾斜',
    trigger: 'flag',
    alarmKind: 'tilt',
    severity: 'major',
    action: 'case',
    category: 'SB-04',
  },
  {
    type: 'manhole_tilt',
    name: '井盖移位',
    trigger: 'flag',
    alarmKind: 'displaced',
    severity: 'critical',
    action: 'case',
    category: 'SB-04',
  },
  {
    type: 'elevator_monitor',
    name: '电梯困人',
    trigger: 'flag',
    alarmKind: 'trapped',
    severity: 'critical',
    action: 'case',
    category: 'SB-05',
    dedupe: 60,
  },
  {
    type: 'elevator_monitor',
    name: '电梯门故障',
    trigger: 'flag',
    alarmKind: 'door_fault',
    severity: 'minor',
    action: 'case',
    category: 'SB-05',
  },
  {
    type: 'access_control',
    name: '单元门长时间未关',
    trigger: 'flag',
    alarmKind: 'held_open',
    severity: 'warning',
    action: 'warning',
  },
  {
    type: 'access_control',
    name: '单元门被强行打开',
    trigger: 'flag',
    alarmKind: 'forced_open',
    severity: 'major',
    action: 'warning',
  },
  {
    type: 'hydrant_pressure',
    name: '消火栓水压不足',
    trigger: 'flag',
    alarmKind: 'low_pressure',
    severity: 'minor',
    action: 'case',
    category: 'SB-06',
  },
  {
    type: 'hydrant_pressure',
    name: '消火栓水压连续3次低于0.1兆帕',
    trigger: 'threshold',
    metric: 'pressure_mpa',
    comparison: 'lt',
    threshold: 0.1,
    clearThreshold: 0.15,
    consecutive: 3,
    severity: 'minor',
    action: 'case',
    category: 'SB-06',
  },
]

/** The demo seed has no data key here, and a device files no phone number: the cipher is never used. */
const noCipher: FieldCipher = {
  encrypt: () => {
    throw new Error('the demo alarms seal no phone')
  },
  decrypt: () => {
    throw new Error('the demo alarms open no phone')
  },
  blindIndex: () => {
    throw new Error('the demo alarms index no phone')
  },
}

async function seedCategories(tx: Tx): Promise<Map<string, number>> {
  const ids = new Map<string, number>()
  const existing = await tx.selectFrom('case_category').select(['id', 'code']).where('code', 'like', 'SB%').execute()
  for (const c of existing) ids.set(c.code, c.id)
  if (ids.has('SB-08')) return ids
  const top = await sql<{
    m: number
  }>`select coalesce(max(sort), 0) as m from case_category where parent_id is null`.execute(tx)
  const group = await tx
    .insertInto('case_category')
    .values({
      code: 'SB',
      name_zh: '智慧设备告警',
      name_en: 'Smart device alarms',
      is_leaf: false,
      sort: Number(top.rows[0]!.m) + 1,
    })
    .returning('id')
    .executeTakeFirstOrThrow()
  ids.set('SB', group.id)
  const district = await areaIdByCode(tx, 'JZ-QH')
  const streets = await tx
    .selectFrom('area')
    .select(['id', 'code'])
    .where('level', '=', 'street')
    .where('code', 'like', 'JZ-QH-%')
    .execute()
  const departments = new Map(
    (await tx.selectFrom('department').select(['id', 'code']).where('code', 'like', 'QH-%').execute()).map((d) => [
      d.code,
      d.id,
    ]),
  )
  for (const [i, c] of categories.entries()) {
    const leaf = await tx
      .insertInto('case_category')
      .values({
        parent_id: group.id,
        code: c.code,
        name_zh: c.zh,
        name_en: c.en,
        is_leaf: true,
        respond_hours: c.respond,
        handle_workdays: c.handle,
        keywords: ['设备', '传感器', c.zh],
        sort: i + 1,
      })
      .returning('id')
      .executeTakeFirstOrThrow()
    ids.set(c.code, leaf.id)
    const routes: { category_id: number; area_id: number; department_id: number }[] = []
    const own = c.district ? departments.get(`QH-${c.district}`) : undefined
    if (own) routes.push({ category_id: leaf.id, area_id: district, department_id: own })
    if (c.street)
      for (const s of streets) {
        const dep = departments.get(`QH-${s.code.slice('JZ-QH-'.length)}-${c.street}`)
        if (dep) routes.push({ category_id: leaf.id, area_id: s.id, department_id: dep })
      }
    if (routes.length) await tx.insertInto('category_routing').values(routes).execute()
  }
  return ids
}

async function seedRules(tx: Tx, categoryIds: Map<string, number>, now: Date): Promise<number> {
  const existing = await tx.selectFrom('device_alarm_rule').select('id').limit(1).execute()
  if (existing.length) return 0
  const admin = await tx.selectFrom('app_user').select('id').where('username', '=', 'admin').executeTakeFirst()
  await tx
    .insertInto('device_alarm_rule')
    .values(
      rules.map((r) => ({
        device_type: r.type,
        area_id: null,
        name: r.name,
        trigger: r.trigger,
        alarm_kind: r.alarmKind ?? null,
        metric: r.metric ?? null,
        comparison: r.comparison ?? null,
        threshold: r.threshold ?? null,
        clear_threshold: r.clearThreshold ?? null,
        consecutive: r.consecutive ?? 1,
        severity: r.severity,
        action: r.action,
        category_id: r.category ? categoryIds.get(r.category)! : null,
        incident_kind: r.incidentKind ?? null,
        dedupe_minutes: r.dedupe ?? 30,
        created_by: admin?.id ?? null,
        created_at: now,
        updated_at: now,
      })),
    )
    .execute()
  await tx
    .updateTable('device_type')
    .set({ maintenance_category_id: categoryIds.get('SB-08')! })
    .execute()
  invalidateRules()
  return rules.length
}

/** A GH- device of the type (first by code) matching the extra condition, or null. */
async function pick(tx: Tx, type: string, extra = sql`true`): Promise<number | null> {
  const { rows } = await sql<{ id: number }>`
    select d.id from device d join area a on a.id = d.area_id
    where d.code like 'GH-%' and d.type = ${type} and ${extra}
    order by d.code limit 1`.execute(tx)
  return rows[0] ? Number(rows[0].id) : null
}

let seq = 0
async function alarm(tx: Tx, deviceId: number, kind: string, state: 'raised' | 'cleared', at: Date, value?: number) {
  const device = await loadDevice(tx, deviceId)
  const messageId = `demo-${state}-${kind}-${at.getTime()}-${++seq}`
  const payload = { id: messageId, ts: at.toISOString(), alarm: kind, state, ...(value === undefined ? {} : { value }) }
  await tx
    .insertInto('device_message')
    .values({
      device_id: deviceId,
      message_id: messageId,
      kind: 'alarm',
      at,
      received_at: at,
      payload: JSON.stringify(payload),
      via: 'mqtt',
    })
    .execute()
  await sql`update device set last_seen_at = greatest(coalesce(last_seen_at, ${at}), ${at}) where id = ${deviceId}`.execute(
    tx,
  )
  await onAlarmMessage(tx, { device, messageId, at, alarm: kind, state, value: value ?? null, note: null }, at, {
    cipher: noCipher,
  })
}

async function reading(tx: Tx, deviceId: number, values: Record<string, number>, at: Date) {
  const device = await loadDevice(tx, deviceId)
  const messageId = `demo-reading-${at.getTime()}-${++seq}`
  await tx
    .insertInto('device_message')
    .values({
      device_id: deviceId,
      message_id: messageId,
      kind: 'reading',
      at,
      received_at: at,
      payload: JSON.stringify({ id: messageId, ts: at.toISOString(), values }),
      via: 'mqtt',
    })
    .execute()
  await sql`update device set last_values = ${JSON.stringify(values)}::jsonb, last_reading_at = ${at},
                              last_seen_at = greatest(coalesce(last_seen_at, ${at}), ${at})
            where id = ${deviceId}`.execute(tx)
  await onReadings(tx, [{ device, messageId, at, values }], at, { cipher: noCipher })
}

export async function seedAlarmsDemo(tx: Tx, now: Date): Promise<Record<string, number>> {
  const categoryIds = await seedCategories(tx)
  const ruleCount = await seedRules(tx, categoryIds, now)
  const at = (minutesAgo: number) => new Date(now.getTime() - minutesAgo * MIN)
  const g01 = await areaIdByCode(tx, 'JZ-QH-01-01-G01')
  const active = sql`d.state = 'active'`

  // (a) Smoke in an occupied building of G01: the incident, and the case dispatched by routing.
  const smoke =
    (await pick(
      tx,
      'smoke_detector',
      sql`${active} and d.area_id = ${g01} and exists (select 1 from dwelling dw join person p on p.dwelling_id = dw.id
                                                      where dw.building_id = d.building_id and p.status = 'active')`,
    )) ??
    (await pick(
      tx,
      'smoke_detector',
      sql`${active} and exists (select 1 from dwelling dw join person p on p.dwelling_id = dw.id
                                where dw.building_id = d.building_id and p.status = 'active')`,
    ))
  if (smoke) await alarm(tx, smoke, 'smoke', 'raised', at(12))

  // (b) Water rising: three readings over 50 cm in a row raise the alarm; staff acknowledged it.
  const water = await pick(tx, 'water_level', active)
  if (water) {
    await reading(tx, water, { level_cm: 47 }, at(95))
    await reading(tx, water, { level_cm: 56 }, at(80))
    await reading(tx, water, { level_cm: 63 }, at(65))
    await reading(tx, water, { level_cm: 71 }, at(50))
    const raised = await tx
      .selectFrom('device_alarm')
      .select('id')
      .where('device_id', '=', water)
      .where('status', '=', 'open')
      .executeTakeFirst()
    if (raised)
      await acknowledgeAlarm(
        tx,
        await demoActor(tx, 'guihua.staff'),
        raised.id,
        '已通知网格员到现场查看积水情况',
        at(40),
      )
  }

  // (c) A manhole cover tilted during the night and set right an hour later.
  const manhole = await pick(tx, 'manhole_tilt', active)
  if (manhole) {
    await alarm(tx, manhole, 'tilt', 'raised', at(8 * 60), 18)
    await alarm(tx, manhole, 'tilt', 'cleared', at(7 * 60), 2)
  }

  // (d) The faulty (flapping) device raises again: held for review, no case.
  const { rows: faulty } = await sql<{ id: number; type: string }>`
    select d.id, d.type from device d where d.code like 'GH-%' and d.state = 'faulty' order by d.code limit 1`.execute(
    tx,
  )
  if (faulty[0]) {
    const kind = rules.find((r) => r.type === faulty[0]!.type && r.trigger === 'flag' && r.alarmKind)?.alarmKind
    if (kind) await alarm(tx, Number(faulty[0].id), kind, 'raised', at(25))
  }

  // (e) A door held open: a warning to the grid's leaders, staff and grid workers.
  const door = await pick(tx, 'access_control', active)
  if (door) await alarm(tx, door, 'held_open', 'raised', at(30))

  const alarms = await tx.selectFrom('device_alarm').select(sql<number>`count(*)`.as('n')).executeTakeFirstOrThrow()
  return { deviceRules: ruleCount, deviceAlarms: Number(alarms.n) }
}
