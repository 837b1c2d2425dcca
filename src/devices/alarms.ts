import { sql } from 'kysely'
import { actorForUser } from '../accounts/service.js'
import { recordAudit } from '../audit/service.js'
import { acceptAsSystem } from '../cases/actions.js'
import { createCase, type NewCase } from '../cases/intake.js'
import { notifyRoleOver, usersWithRoleOver } from '../cases/notify.js'
import { openStates } from '../cases/workflow.js'
import type { FieldCipher } from '../core/crypto.js'
import type { Db, Tx } from '../core/db.js'
import { AppError, notFound } from '../core/errors.js'
import type { Input, Output } from '../core/http.js'
import { nullable, orNull, shape, text, timestamp } from '../core/schemas.js'
import { holds, holdsAnywhere, requireActor, type RequestContext } from '../core/scope.js'
import { declareIncident } from '../emergency/incidents.js'
import { gridAt } from '../jurisdiction/geometry.js'
import { displayNames } from '../participation/common.js'
import {
  categoryUnusable,
  flagRuleFor,
  ruleById,
  rulesOfType,
  thresholdRulesFor,
  type ActiveRule,
} from './alarm-rules.js'
import {
  alarmActions,
  alarmSeverities,
  alarmStatuses,
  deviceKeepers,
  deviceStates,
  type AlarmMessage,
  type AlarmSeverity,
  type ReadingMessage,
} from './common.js'
import { deviceTypes, type DeviceType } from './types.js'

// Alarms (issue 18, items 4 and 5): what a device's alarm flag or its readings over a threshold
// raise, by the rules of alarm-rules.ts. Runs as the owner inside the ingest transaction that
// stored the message, so a message and everything it caused (the alarm, its case, its incident,
// the notices) commit together or not at all; a redelivered message never gets here.
//
// One live alarm (open, acknowledged or held) per device and rule: a repeat adds to it (and a
// note to its case), never a second case; a raise within the rule's dedupe window after a clear
// reopens the cleared alarm. A device that raises more than its type's flap_alarms alarms within
// flap_window_seconds is marked faulty, and its alarms are held for review instead of acting.

/** What the alarm rules need besides the transaction: the cipher createCase seals phones with. */
export interface AlarmDeps {
  cipher: FieldCipher
}

export const liveStatuses = ['open', 'acknowledged', 'held'] as const
/** Registry tags of the people who need a knock on the door when something happens in their building. */
export const knockTags = ['elderly_alone', 'disabled', 'elderly', 'left_behind_child', 'key_care'] as const
type KnockTag = (typeof knockTags)[number]

const severityZh: Record<AlarmSeverity, string> = { critical: '紧急', major: '重要', minor: '一般', warning: '提示' }
const kindZh: Record<string, string> = {
  smoke: '烟雾报警',
  heat: '高温报警',
  tamper: '防拆报警',
  low_battery: '电量低',
  gas_leak: '燃气泄漏',
  co: '一氧化碳超标',
  sensor_fault: '传感器故障',
  high_water: '水位超限',
  tilt: '井盖倾斜',
  displaced: '井盖移位',
  trapped: '电梯困人',
  door_fault: '电梯门故障',
  overspeed: '电梯超速',
  power_loss: '电梯断电',
  forced_open: '门被强行打开',
  held_open: '门长时间未关',
  low_pressure: '水压不足',
  leak: '管道泄漏',
  smoke_obscuration: '烟雾浓度超限',
  temperature_c: '温度超限',
  lel_percent: '可燃气体浓度超限',
  co_ppm: '一氧化碳浓度超限',
  level_cm: '水位超限',
  tilt_deg: '倾斜角度超限',
  speed_mps: '运行速度异常',
  door_cycles: '开关门次数异常',
  door_open_seconds: '开门时长超限',
  pressure_mpa: '水压异常',
}
const tagZh: Record<KnockTag, string> = {
  elderly_alone: '独居老人',
  disabled: '残疾人',
  elderly: '老年人',
  left_behind_child: '留守儿童',
  key_care: '重点关爱',
}
export const alarmKindText = (kind: string) => kindZh[kind] ?? kind

/** Runs `fn` so that its failure undoes only its own writes (a savepoint), not the message's. */
async function attempt<T>(
  tx: Tx,
  fn: () => Promise<T>,
): Promise<{ ok: true; value: T } | { ok: false; error: unknown }> {
  const name = `alarm_${Math.random().toString(36).slice(2, 10)}`
  await sql.raw(`savepoint ${name}`).execute(tx)
  try {
    const value = await fn()
    await sql.raw(`release savepoint ${name}`).execute(tx)
    return { ok: true, value }
  } catch (error) {
    await sql.raw(`rollback to savepoint ${name}`).execute(tx)
    return { ok: false, error }
  }
}
const reason = (err: unknown) => (err instanceof Error ? err.message : String(err)).slice(0, 300)

// ---------------------------------------------------------------------------------------------
// What the alarm needs to know of its device and building.

interface DeviceFacts {
  id: number
  code: string
  name: string
  type: DeviceType
  type_name: string
  state: string
  place: string | null
  lng: number
  lat: number
  area_id: number
  area_path: string
  area_name: string
  district_id: number
  building_id: number | null
  building_name: string | null
  building_address: string | null
  owner_department_id: number | null
  owner_organisation_id: number | null
  owner_name: string | null
  flap_alarms: number
  flap_window_seconds: number
}

/** The device as the alarm needs it, its row locked so one device's alarms are decided one at a time. */
async function deviceFacts(tx: Tx, deviceId: number): Promise<DeviceFacts | null> {
  const { rows } = await sql<DeviceFacts>`
    select d.id, d.code, d.name, d.type, t.name_zh as type_name, d.state, d.place,
           ST_X(d.location) as lng, ST_Y(d.location) as lat, d.area_id, a.path as area_path, a.name_zh as area_name,
           d.district_id, d.building_id, b.name as building_name, b.address as building_address,
           d.owner_department_id, d.owner_organisation_id, coalesce(dep.name_zh, o.name) as owner_name,
           t.flap_alarms, t.flap_window_seconds
    from device d
    join area a on a.id = d.area_id
    join device_type t on t.code = d.type
    left join building b on b.id = d.building_id
    left join department dep on dep.id = d.owner_department_id
    left join organisation o on o.id = d.owner_organisation_id
    where d.id = ${deviceId}
    for update of d`.execute(tx)
  const d = rows[0]
  return d ? { ...d, id: Number(d.id), building_id: d.building_id === null ? null : Number(d.building_id) } : null
}

export interface BuildingPeople {
  /** Active registry people living in the building's dwellings. */
  occupants: number
  /** Of them, those with a knock tag. */
  vulnerable: number
  byTag: Record<KnockTag, number>
}

/** Who lives in a building per the registry (owner rights: the alarm path and the risk page's counts). */
export async function buildingPeople(tx: Tx | Db, buildingId: number | null): Promise<BuildingPeople> {
  const empty = {
    occupants: 0,
    vulnerable: 0,
    byTag: Object.fromEntries(knockTags.map((t) => [t, 0])),
  } as BuildingPeople
  if (buildingId === null) return empty
  const { rows } = await sql<Record<string, string | number>>`
    select count(*) as occupants,
           count(*) filter (where p.tags && ${[...knockTags]}::text[]) as vulnerable,
           ${sql.join(
             knockTags.map((t) => sql`count(*) filter (where ${t} = any (p.tags)) as ${sql.ref(t)}`),
             sql`, `,
           )}
    from person p join dwelling dw on dw.id = p.dwelling_id
    where dw.building_id = ${buildingId} and p.status = 'active'`.execute(tx)
  const r = rows[0]!
  return {
    occupants: Number(r.occupants),
    vulnerable: Number(r.vulnerable),
    byTag: Object.fromEntries(knockTags.map((t) => [t, Number(r[t])])) as Record<KnockTag, number>,
  }
}

// ---------------------------------------------------------------------------------------------
// Notes on the alarm's case: the timeline the handler reads.

async function noteOnCase(tx: Tx, caseId: number | null, comment: string, detail: Record<string, unknown>, at: Date) {
  if (caseId === null) return
  const c = await tx.selectFrom('cases').select('state').where('id', '=', caseId).executeTakeFirst()
  // Staff acting by hand may not see the case (row-level security): then no note.
  if (!c) return
  await tx
    .insertInto('case_event')
    .values({
      case_id: caseId,
      at,
      action: 'device_alarm',
      from_state: c.state,
      to_state: c.state,
      actor_id: null,
      actor_name: 'system',
      actor_role: 'system',
      department_id: null,
      comment: comment.slice(0, 2000),
      detail: JSON.stringify(detail),
      is_public: false,
    })
    .execute()
}

interface EventRow {
  alarm_id: number
  at: Date
  kind: 'raised' | 'repeated' | 'acknowledged' | 'cleared' | 'held' | 'released' | 'dismissed' | 'reopened'
  message_id?: string | null
  actor_id?: number | null
  note?: string | null
  value?: number | null
}

async function addEvents(tx: Tx, events: EventRow[]) {
  if (!events.length) return
  await tx
    .insertInto('device_alarm_event')
    .values(
      events.map((e) => ({
        alarm_id: e.alarm_id,
        at: e.at,
        kind: e.kind,
        message_id: e.message_id ?? null,
        actor_id: e.actor_id ?? null,
        note: e.note ? e.note.slice(0, 500) : null,
        value: e.value ?? null,
      })),
    )
    .execute()
}

// ---------------------------------------------------------------------------------------------
// What an alarm does: a case, a warning, an incident (and its case).

interface LiveAlarm {
  id: number
  kind: string
  severity: AlarmSeverity
  status: string
  value: number | null
  case_id: number | null
  occurrences: number
}

interface ActResult {
  action: 'case' | 'warning' | 'incident'
  caseId: number | null
  incidentId: number | null
  notes: string[]
}

function noticeParams(alarmId: number, d: DeviceFacts, kind: string, severity: AlarmSeverity) {
  return {
    alarmId,
    deviceCode: d.code,
    deviceName: d.name,
    kind,
    severity,
    ...(d.building_name ? { buildingName: d.building_name } : {}),
  }
}

function caseDescription(alarm: LiveAlarm, d: DeviceFacts, people: BuildingPeople, ruleName: string): string {
  const where = [d.building_name, d.place].filter(Boolean).join(' ') || d.area_name
  const tags = knockTags
    .filter((t) => people.byTag[t] > 0)
    .map((t) => `${tagZh[t]}${people.byTag[t]}人`)
    .join('、')
  const lines = [
    `【设备告警】${d.type_name}「${d.name}」（编号 ${d.code}）报告：${alarmKindText(alarm.kind)}，级别${severityZh[alarm.severity]}${
      alarm.value === null ? '' : `，读数 ${alarm.value}`
    }（规则：${ruleName}）。`,
    `位置：${where}${d.building_address ? `（${d.building_address}）` : ''}，${d.area_name}。`,
    d.building_id === null
      ? '设备不在登记楼栋内。'
      : people.vulnerable > 0
        ? `楼内登记居民${people.occupants}人，其中需上门查看的重点人员${people.vulnerable}人（${tags}）。`
        : `楼内登记居民${people.occupants}人，无登记的重点关注人员。`,
    `设备维护单位：${d.owner_name ?? '未登记'}。告警编号 #${alarm.id}。`,
  ]
  return lines.join('\n')
}

/** Where a device is, as its cases name it: the building (address) and place, else its grid. */
export interface DevicePlace {
  code: string
  lng: number
  lat: number
  area_id: number
  area_name: string
  place: string | null
  building_name: string | null
  building_address: string | null
  owner_department_id: number | null
}

/**
 * Files a case for a device (an alarm's or a maintenance case) through intake, channel 'device',
 * at the device's point (else its grid), and accepts it as the system at once: a device is a
 * trusted reporter, so the case is dispatched by the category's routing, else to the device's
 * owner department (acceptAsSystem). Answers the case id. Used by the alarms and the heartbeat sweep.
 */
export async function fileDeviceCase(
  tx: Tx,
  d: DevicePlace,
  categoryId: number,
  description: string,
  now: Date,
  cipher: FieldCipher,
): Promise<number> {
  const address = ([d.building_address ?? d.building_name, d.place].filter(Boolean).join(' ') || d.area_name).slice(
    0,
    300,
  )
  const reporterName = `设备 ${d.code}`
  const located = await gridAt(tx, d.lng, d.lat)
  const input: NewCase =
    located !== null
      ? { categoryId, location: { lng: d.lng, lat: d.lat }, address, description, reporterName }
      : { categoryId, areaId: d.area_id, address, description, reporterName }
  const filed = await createCase(tx, { actor: null, ip: 'device' }, input, now, { cipher, channel: 'device' })
  await acceptAsSystem(tx, filed.id, now, d.owner_department_id)
  return filed.id
}

/** Files the alarm's case (fileDeviceCase), described with the building's people. */
const fileCase = (
  tx: Tx,
  categoryId: number,
  alarm: LiveAlarm,
  d: DeviceFacts,
  people: BuildingPeople,
  ruleName: string,
  now: Date,
  deps: AlarmDeps,
) => fileDeviceCase(tx, d, categoryId, caseDescription(alarm, d, people, ruleName), now, deps.cipher)

/** The commander of a device's incident: a leader of its community (first by id), else one over it. */
async function communityLeader(tx: Tx, communityId: number, communityPath: string): Promise<number | null> {
  const own = await tx
    .selectFrom('role_grant')
    .select('user_id')
    .where('role', '=', 'leader')
    .where('area_id', '=', communityId)
    .orderBy('user_id')
    .executeTakeFirst()
  if (own) return own.user_id
  const over = await usersWithRoleOver(tx, ['leader'], communityPath)
  return over.length ? Math.min(...over) : null
}

/** Declares the emergency incident over the device's grid, commanded by a leader of its community. */
async function declareFor(
  tx: Tx,
  alarm: LiveAlarm,
  d: DeviceFacts,
  rule: ActiveRule,
  people: BuildingPeople,
  now: Date,
): Promise<number> {
  const parentPath = d.area_path.replace(/\d+\/$/, '')
  const community = await tx
    .selectFrom('area')
    .select(['id', 'path', 'level'])
    .where('path', '=', parentPath)
    .executeTakeFirst()
  if (!community || (community.level !== 'community' && community.level !== 'street'))
    throw new Error('the device’s grid lies in no community or street')
  const leader = await communityLeader(tx, community.id, community.path)
  if (leader === null) throw new Error('the community has no leader to command the incident')
  const actor = await actorForUser(tx, leader)
  if (!actor) throw new Error('the community leader’s account is disabled')
  const where = d.building_name ?? d.area_name
  const { id } = await declareIncident(
    tx,
    { actor, ip: 'device' },
    {
      areaId: community.id,
      kind: rule.incident_kind!,
      level: 4,
      title: `${alarmKindText(alarm.kind)}：${where}`.slice(0, 100),
      description: caseDescription(alarm, d, people, rule.name).slice(0, 4000),
      gridIds: [d.area_id],
      commanderId: leader,
      source: { kind: 'device_alarm', ref: String(alarm.id) },
    },
    now,
  )
  return id
}

/**
 * Does what the rule says for a new (or released) alarm. A failure of one step (a category since
 * made unusable, no leader to command) never loses the alarm: the step is undone, the alarm stays
 * open with a note, and the grid's staff are warned instead.
 */
async function act(
  tx: Tx,
  alarm: LiveAlarm,
  d: DeviceFacts,
  rule: ActiveRule,
  now: Date,
  deps: AlarmDeps,
  only: { incident: boolean; case: boolean } = { incident: true, case: true },
): Promise<ActResult> {
  const params = noticeParams(alarm.id, d, alarm.kind, alarm.severity)
  const warn = () =>
    notifyRoleOver(tx, ['leader', 'staff', 'grid_worker'], d.area_path, {
      kind: 'device_alarm',
      caseId: null,
      params,
      at: now,
    })
  if (rule.action === 'warning') {
    await warn()
    return { action: 'warning', caseId: null, incidentId: null, notes: [] }
  }
  const notes: string[] = []
  const people = await buildingPeople(tx, d.building_id)
  let incidentId: number | null = null
  if (rule.action === 'incident' && only.incident) {
    if (people.occupants > 0) {
      const declared = await attempt(tx, () => declareFor(tx, alarm, d, rule, people, now))
      if (declared.ok) incidentId = declared.value
      else notes.push(`incident not declared: ${reason(declared.error)}`)
    } else notes.push(d.building_id === null ? 'no building: a case only' : 'nobody lives in the building: a case only')
  }
  let caseId: number | null = null
  const unusable = !only.case
    ? null
    : rule.category_id === null
      ? 'the rule has no category'
      : await categoryUnusable(tx, rule.category_id)
  if (!only.case) {
    // The alarm keeps the case it has.
  } else if (unusable) notes.push(`case not filed: ${unusable}`)
  else {
    const filed = await attempt(tx, () => fileCase(tx, rule.category_id!, alarm, d, people, rule.name, now, deps))
    if (filed.ok) caseId = filed.value
    else notes.push(`case not filed: ${reason(filed.error)}`)
  }
  if (caseId === null && incidentId === null) {
    await warn()
    return { action: 'warning', caseId: null, incidentId: null, notes }
  }
  return { action: incidentId !== null ? 'incident' : 'case', caseId, incidentId, notes }
}

// ---------------------------------------------------------------------------------------------
// Raise, repeat, reopen, clear.

interface Trigger {
  deviceId: number
  rule: ActiveRule
  kind: string
  value: number | null
  messageId: string
  at: Date
  note: string | null
  /** A threshold rule's repeats only count (no event, no note: readings come every few minutes). */
  quietRepeat: boolean
}

/** How far back a device's own time is believed (ingest clamps to the same): a week. */
const DEVICE_TIME_SKEW_MS = 7 * 86_400_000
/**
 * The time an alarm records (raised_at, cleared_at, the timeline): the device's, when it lies
 * within [now − 7 days, now], else the nearest end. The windows (dedupe, flapping) never use it:
 * they count by `now`, the receiving time, so a device whose clock reset cannot reopen an old
 * alarm or mark itself faulty.
 */
export function deviceTime(at: Date, now: Date): Date {
  if (!(at instanceof Date) || Number.isNaN(at.getTime()) || at > now) return now
  const earliest = now.getTime() - DEVICE_TIME_SKEW_MS
  return at.getTime() < earliest ? new Date(earliest) : at
}

/**
 * When an alarm event reached the platform: the received time of the message behind it (an event
 * a person wrote has none and its `at` is the moment they acted).
 */
const receivedAt = sql`coalesce(m.received_at, e.at)`
const eventMessage = sql`left join device_message m on m.device_id = a.device_id and m.message_id = e.message_id`

/**
 * Whether the device is (now) faulty: it was, or this raise makes more than its type's
 * flap_alarms raises (new or reopened alarms) received within flap_window_seconds before `now`
 * — then it is marked so.
 */
async function flapping(tx: Tx, d: DeviceFacts, now: Date): Promise<'no' | 'was' | 'now'> {
  if (d.state === 'faulty') return 'was'
  const since = new Date(now.getTime() - d.flap_window_seconds * 1000)
  const { rows } = await sql<{ n: string }>`
    select count(*) as n from device_alarm a join device_alarm_event e on e.alarm_id = a.id ${eventMessage}
    where a.device_id = ${d.id} and e.kind in ('raised', 'reopened') and ${receivedAt} > ${since}`.execute(tx)
  const n = Number(rows[0]!.n) + 1
  if (n <= d.flap_alarms) return 'no'
  const minutes = Math.round(d.flap_window_seconds / 60)
  await tx
    .updateTable('device')
    .set({
      state: 'faulty',
      offline_since: null,
      fault_reason: `flapping: ${n} alarms in ${minutes} min`,
      updated_at: now,
    })
    .where('id', '=', d.id)
    .execute()
  d.state = 'faulty'
  return 'now'
}

/** The grid's staff hear once that a device turned faulty: its alarm waits for their review. */
async function tellFaulty(tx: Tx, d: DeviceFacts, alarmId: number, now: Date) {
  await notifyRoleOver(tx, ['staff'], d.area_path, {
    kind: 'device_alarm',
    caseId: null,
    params: { alarmId, deviceCode: d.code, deviceName: d.name, kind: 'flapping', severity: 'warning' },
    at: now,
  })
}

const LIVE = [...liveStatuses]

async function raise(tx: Tx, t: Trigger, now: Date, deps: AlarmDeps): Promise<void> {
  const d = await deviceFacts(tx, t.deviceId)
  if (!d || d.state === 'retired') return
  const live = await tx
    .selectFrom('device_alarm')
    .select(['id', 'kind', 'severity', 'status', 'value', 'case_id', 'occurrences'])
    .where('device_id', '=', d.id)
    .where('rule_id', '=', t.rule.id)
    .where('status', 'in', LIVE)
    .forUpdate()
    .executeTakeFirst()
  if (live) return repeat(tx, live as LiveAlarm, t)
  // The dedupe window: a clear received within dedupe_minutes before now (not the device's clock).
  const since = new Date(now.getTime() - t.rule.dedupe_minutes * 60_000)
  const { rows: recents } = await sql<LiveAlarm & { incident_id: number | null }>`
    select al.id, al.kind, al.severity, al.status, al.value, al.case_id, al.incident_id, al.occurrences
    from device_alarm al
    where al.device_id = ${d.id} and al.rule_id = ${t.rule.id} and al.status = 'cleared'
      and exists (select 1 from device_alarm a join device_alarm_event e on e.alarm_id = a.id ${eventMessage}
                  where a.id = al.id and e.kind = 'cleared' and ${receivedAt} >= ${since})
    order by al.id desc limit 1
    for update of al`.execute(tx)
  const recent = recents[0]
  if (recent) {
    const flap = await flapping(tx, d, now)
    const held = flap !== 'no'
    if (flap === 'now') await tellFaulty(tx, d, Number(recent.id), now)
    await tx
      .updateTable('device_alarm')
      .set((eb) => ({
        status: held ? 'held' : 'open',
        cleared_at: null,
        occurrences: eb('occurrences', '+', 1),
        last_at: t.at,
        value: t.value ?? recent.value,
        version: eb('version', '+', 1),
      }))
      .where('id', '=', recent.id)
      .execute()
    await addEvents(tx, [
      { alarm_id: recent.id, at: t.at, kind: 'reopened', message_id: t.messageId, value: t.value, note: t.note },
      ...(held ? [{ alarm_id: recent.id, at: t.at, kind: 'held' as const, note: 'device is faulty (flapping)' }] : []),
    ])
    const renewed = held ? null : await renew(tx, recent, d, t.rule, now, deps)
    await noteOnCase(
      tx,
      recent.case_id,
      `设备 ${d.code} 在告警解除后${t.rule.dedupe_minutes}分钟内再次报告${alarmKindText(t.kind)}，告警已重新打开（第${recent.occurrences + 1}次）。${
        renewed?.trackingCode ? `本案件已不在办理中，已另立新案件 ${renewed.trackingCode}。` : ''
      }`,
      { alarmId: Number(recent.id), event: 'reopened', ...(renewed?.caseId ? { newCaseId: renewed.caseId } : {}) },
      now,
    )
    return
  }
  const flap = await flapping(tx, d, now)
  const held = flap !== 'no'
  const { rows } = await sql<{ id: number }>`
    insert into device_alarm (device_id, rule_id, area_id, district_id, owner_department_id, building_id, kind, severity,
                              status, action, value, message_id, raised_at, last_at)
    values (${d.id}, ${t.rule.id}, ${d.area_id}, ${d.district_id}, ${d.owner_department_id}, ${d.building_id}, ${t.kind},
            ${t.rule.severity}, ${held ? 'held' : 'open'}, ${held ? 'none' : t.rule.action}, ${t.value}, ${t.messageId},
            ${t.at}, ${t.at})
    on conflict (device_id, coalesce(rule_id, 0)) where status in ('open', 'acknowledged', 'held') do nothing
    returning id`.execute(tx)
  if (!rows[0]) {
    // Raised meanwhile by another transaction (now committed): this is a repeat of it.
    const other = await tx
      .selectFrom('device_alarm')
      .select(['id', 'kind', 'severity', 'status', 'value', 'case_id', 'occurrences'])
      .where('device_id', '=', d.id)
      .where('rule_id', '=', t.rule.id)
      .where('status', 'in', LIVE)
      .forUpdate()
      .executeTakeFirst()
    if (other) await repeat(tx, other as LiveAlarm, t)
    return
  }
  const alarm: LiveAlarm = {
    id: Number(rows[0].id),
    kind: t.kind,
    severity: t.rule.severity,
    status: held ? 'held' : 'open',
    value: t.value,
    case_id: null,
    occurrences: 1,
  }
  await addEvents(tx, [
    { alarm_id: alarm.id, at: t.at, kind: 'raised', message_id: t.messageId, value: t.value, note: t.note },
    ...(held
      ? [{ alarm_id: alarm.id, at: t.at, kind: 'held' as const, note: 'device is faulty (flapping): held for review' }]
      : []),
  ])
  if (flap === 'now') await tellFaulty(tx, d, alarm.id, now)
  if (held) return
  await perform(tx, alarm, d, t.rule, now, deps)
}

/** The rule's action for an open alarm, and its result written on the alarm. */
async function perform(tx: Tx, alarm: LiveAlarm, d: DeviceFacts, rule: ActiveRule, now: Date, deps: AlarmDeps) {
  const done = await act(tx, alarm, d, rule, now, deps)
  await tx
    .updateTable('device_alarm')
    .set({ action: done.action, case_id: done.caseId, incident_id: done.incidentId })
    .where('id', '=', alarm.id)
    .execute()
  // The notes (why a step did not happen) go on the raise event, which is the alarm's first line.
  if (done.notes.length)
    await sql`update device_alarm_event set note = left(coalesce(note || ' — ', '') || ${done.notes.join('; ')}, 500)
              where id = (select max(id) from device_alarm_event where alarm_id = ${alarm.id} and kind in ('raised', 'released', 'reopened'))`.execute(
      tx,
    )
}

/**
 * A reopened alarm whose case is no longer being handled (closed, rated, rejected, merged…) or
 * whose incident is closed: the rule's action happens again — a new case (and, for an incident
 * rule, a new incident when the old one is closed), linked on the alarm. Answers the new case.
 */
async function renew(
  tx: Tx,
  alarm: LiveAlarm & { incident_id: number | null },
  d: DeviceFacts,
  rule: ActiveRule,
  now: Date,
  deps: AlarmDeps,
): Promise<{ caseId: number | null; trackingCode: string | null } | null> {
  const c =
    alarm.case_id === null
      ? undefined
      : await tx.selectFrom('cases').select('state').where('id', '=', alarm.case_id).executeTakeFirst()
  const caseGone = !!c && !(openStates as readonly string[]).includes(c.state)
  const i =
    alarm.incident_id === null
      ? undefined
      : await tx.selectFrom('incident').select('status').where('id', '=', alarm.incident_id).executeTakeFirst()
  const incidentGone = rule.action === 'incident' && i?.status === 'closed'
  if (!caseGone && !incidentGone) return null
  const done = await act(tx, { ...alarm, status: 'open' }, d, rule, now, deps, {
    incident: incidentGone,
    case: caseGone || alarm.case_id === null,
  })
  const caseId = done.caseId ?? (caseGone ? null : alarm.case_id)
  const incidentId = done.incidentId ?? (incidentGone ? null : alarm.incident_id)
  await tx
    .updateTable('device_alarm')
    .set({
      action: incidentId !== null ? 'incident' : caseId !== null ? 'case' : 'warning',
      case_id: caseId,
      incident_id: incidentId,
    })
    .where('id', '=', alarm.id)
    .execute()
  if (done.notes.length)
    await sql`update device_alarm_event set note = left(coalesce(note || ' — ', '') || ${done.notes.join('; ')}, 500)
              where id = (select max(id) from device_alarm_event where alarm_id = ${alarm.id} and kind = 'reopened')`.execute(
      tx,
    )
  if (done.caseId === null) return { caseId: null, trackingCode: null }
  const filed = await tx
    .selectFrom('cases')
    .select('tracking_code')
    .where('id', '=', done.caseId)
    .executeTakeFirstOrThrow()
  return { caseId: done.caseId, trackingCode: filed.tracking_code }
}

async function repeat(tx: Tx, live: LiveAlarm, t: Trigger) {
  await tx
    .updateTable('device_alarm')
    .set((eb) => ({
      occurrences: eb('occurrences', '+', 1),
      last_at: t.at,
      value: t.value ?? live.value,
      version: eb('version', '+', 1),
    }))
    .where('id', '=', live.id)
    .execute()
  if (t.quietRepeat) return
  await addEvents(tx, [
    { alarm_id: live.id, at: t.at, kind: 'repeated', message_id: t.messageId, value: t.value, note: t.note },
  ])
  await noteOnCase(
    tx,
    live.case_id,
    `设备再次报告${alarmKindText(t.kind)}（第${live.occurrences + 1}次）${t.value === null ? '' : `，读数 ${t.value}`}。`,
    { alarmId: Number(live.id), event: 'repeated' },
    t.at,
  )
}

/** Clears the device's live alarms of a rule (threshold) or of an alarm kind (flag). */
async function clearLive(
  tx: Tx,
  deviceId: number,
  match: { ruleId: number } | { kind: string },
  info: { messageId: string; at: Date; value: number | null; note: string | null },
): Promise<number> {
  let q = tx
    .selectFrom('device_alarm')
    .select(['id', 'case_id', 'kind'])
    .where('device_id', '=', deviceId)
    .where('status', 'in', LIVE)
  q = 'ruleId' in match ? q.where('rule_id', '=', match.ruleId) : q.where('kind', '=', match.kind)
  const lives = await q.forUpdate().execute()
  for (const a of lives) {
    const done = await tx
      .updateTable('device_alarm')
      .set((eb) => ({ status: 'cleared', cleared_at: info.at, version: eb('version', '+', 1) }))
      .where('id', '=', a.id)
      .where('status', 'in', LIVE)
      .executeTakeFirst()
    // Cleared by hand meanwhile (that transaction committed first): nothing more to write.
    if (Number(done.numUpdatedRows) !== 1) continue
    await addEvents(tx, [
      { alarm_id: a.id, at: info.at, kind: 'cleared', message_id: info.messageId, value: info.value, note: info.note },
    ])
    await noteOnCase(
      tx,
      a.case_id,
      `设备报告${alarmKindText(a.kind)}已解除${info.value === null ? '' : `（读数 ${info.value}）`}。事件仍由承办部门按流程核查办结。`,
      { alarmId: Number(a.id), event: 'cleared' },
      info.at,
    )
  }
  return lives.length
}

/**
 * A rule switched off: its live alarms are cleared (event 'cleared' with the note "rule disabled",
 * a note on their cases), by the admin who switched it off, in their transaction (as the caller:
 * the rule's area covers its alarms' areas, so they read and may change every one of them).
 */
export async function clearRuleAlarms(tx: Tx, ctx: RequestContext, ruleId: number, now: Date): Promise<number> {
  const actor = requireActor(ctx)
  const lives = await tx
    .selectFrom('device_alarm')
    .select(['id', 'case_id', 'kind'])
    .where('rule_id', '=', ruleId)
    .where('status', 'in', LIVE)
    .orderBy('id')
    .forUpdate()
    .execute()
  let cleared = 0
  for (const a of lives) {
    const done = await tx
      .updateTable('device_alarm')
      .set((eb) => ({ status: 'cleared', cleared_at: now, version: eb('version', '+', 1) }))
      .where('id', '=', a.id)
      .where('status', 'in', LIVE)
      .executeTakeFirst()
    if (Number(done.numUpdatedRows) !== 1) continue
    cleared++
    await addEvents(tx, [{ alarm_id: a.id, at: now, kind: 'cleared', actor_id: actor.userId, note: 'rule disabled' }])
    await noteOnCase(
      tx,
      a.case_id,
      `告警规则已停用（${actor.displayName}），设备告警${alarmKindText(a.kind)}随之解除。事件仍由承办部门按流程核查办结。`,
      { alarmId: Number(a.id), event: 'cleared', ruleDisabled: true },
      now,
    )
  }
  return cleared
}

/**
 * An alarm message the ingest path has just stored (never a redelivery), in its transaction, as
 * the owner: raise, repeat, reopen or clear by the device's flag rule. An alarm kind without a
 * rule is kept as a message and raises nothing.
 */
export async function onAlarmMessage(tx: Tx, msg: AlarmMessage, now: Date, deps: AlarmDeps): Promise<void> {
  const info = { messageId: msg.messageId, at: deviceTime(msg.at, now), value: msg.value, note: msg.note }
  if (msg.state === 'cleared') {
    await clearLive(tx, msg.device.id, { kind: msg.alarm }, info)
    return
  }
  const rules = await rulesOfType(tx, msg.device.type)
  const rule = flagRuleFor(rules, msg.device.area_path, msg.alarm)
  if (!rule) return
  await raise(tx, { deviceId: msg.device.id, rule, kind: msg.alarm, ...info, quietRepeat: false }, now, deps)
}

/**
 * A threshold rule's count on a device (device.rule_state[rule id]): readings over the threshold
 * in a row, whether the rule has a live alarm on the device (so a reading back on the right side
 * clears it whatever the count), and the levels the count was made under (an edit of the rule's
 * comparison, threshold or readings in a row starts the count again). A bare number is the
 * count as it was kept before.
 */
interface RuleCount {
  n: number
  live?: boolean
  sig?: string
}
const levelsOf = (r: ActiveRule) => `${r.comparison}:${r.threshold}:${r.consecutive}`
function countOf(v: unknown): RuleCount {
  if (typeof v === 'number') return { n: v }
  if (v && typeof v === 'object') {
    const o = v as RuleCount
    return { n: Number(o.n) || 0, live: o.live === true, ...(typeof o.sig === 'string' ? { sig: o.sig } : {}) }
  }
  return { n: 0 }
}
const compact = (c: RuleCount) => ({ n: c.n, ...(c.live ? { live: true } : {}), ...(c.sig ? { sig: c.sig } : {}) })

/**
 * Readings just stored (a batch), in the batch's transaction: each threshold rule of the device's
 * type counts hits in a row on the device (rule_state); reaching `consecutive` raises the alarm
 * (kind = the metric); a reading back on the right side of the clearing level resets the count
 * and clears a live alarm. Cheap when the type has no threshold rule (the rules are cached).
 */
export async function onReadings(tx: Tx, readings: ReadingMessage[], now: Date, deps: AlarmDeps): Promise<void> {
  const work: { r: ReadingMessage; rules: ActiveRule[] }[] = []
  for (const r of readings) {
    const all = await rulesOfType(tx, r.device.type)
    if (!all.some((x) => x.trigger === 'threshold')) continue
    const rules = thresholdRulesFor(all, r.device.area_path).filter((x) => r.values[x.metric!] !== undefined)
    if (rules.length) work.push({ r, rules })
  }
  if (!work.length) return
  const ids = [...new Set(work.map((w) => w.r.device.id))].sort((a, b) => a - b)
  const { rows } = await sql<{ id: number; rule_state: unknown }>`
    select id, rule_state from device where id = any(${ids}::bigint[]) order by id`.execute(tx)
  const states = new Map<number, Record<string, unknown>>()
  for (const row of rows) {
    const s = typeof row.rule_state === 'string' ? JSON.parse(row.rule_state) : row.rule_state
    states.set(Number(row.id), { ...(s as Record<string, unknown>) })
  }
  const changed = new Set<number>()
  work.sort((a, b) => a.r.device.id - b.r.device.id || a.r.at.getTime() - b.r.at.getTime())
  for (const { r, rules } of work) {
    const state = states.get(r.device.id)
    if (!state) continue
    const at = deviceTime(r.at, now)
    for (const rule of rules) {
      const v = r.values[rule.metric!]!
      const key = String(rule.id)
      const sig = levelsOf(rule)
      const held = countOf(state[key])
      // Counted under other levels (the rule was edited since): the run starts again; a live alarm stays live.
      const c: RuleCount = held.sig !== undefined && held.sig !== sig ? { n: 0, live: held.live } : held
      const hit = rule.comparison === 'gt' ? v > rule.threshold! : v < rule.threshold!
      const clearAt = rule.clear_threshold ?? rule.threshold!
      const back = rule.comparison === 'gt' ? v <= clearAt : v >= clearAt
      let next: RuleCount | null
      if (hit) {
        next = { n: Math.min(c.n + 1, rule.consecutive), live: c.live, sig }
        if (next.n >= rule.consecutive) {
          await raise(
            tx,
            {
              deviceId: r.device.id,
              rule,
              kind: rule.metric!,
              value: v,
              messageId: r.messageId,
              at,
              note: null,
              quietRepeat: c.n >= rule.consecutive,
            },
            now,
            deps,
          )
          next.live = true
        }
      } else if (back) {
        // Back on the right side: whatever the count, a live alarm of the rule is cleared.
        if (c.n > 0 || c.live)
          await clearLive(tx, r.device.id, { ruleId: rule.id }, { messageId: r.messageId, at, value: v, note: null })
        next = null
      } else {
        // Between the clearing level and the threshold: no longer in a row (unless the alarm's run
        // is complete: the next hit is a repeat), but a live alarm stays, and stays marked.
        next = c.n >= rule.consecutive ? { ...c, sig } : c.live ? { n: 0, live: true, sig } : null
      }
      const stored = next === null ? undefined : compact(next)
      if (JSON.stringify(stored) !== JSON.stringify(state[key])) {
        if (stored === undefined) delete state[key]
        else state[key] = stored
        changed.add(r.device.id)
      }
    }
  }
  if (!changed.size) return
  const list = [...changed]
  await sql`update device d set rule_state = x.s::jsonb
            from (select unnest(${list}::bigint[]) as id, unnest(${list.map((id) => JSON.stringify(states.get(id)))}::text[]) as s) x
            where d.id = x.id`.execute(tx)
}

// ---------------------------------------------------------------------------------------------
// The inbox, the detail and what people do with an alarm.

const areaRef = shape({
  id: { type: 'integer' },
  code: { type: 'string' },
  nameZh: { type: 'string' },
  nameEn: { type: 'string' },
})
const caseRef = shape({
  id: { type: 'integer' },
  trackingCode: { ...nullable('string'), description: 'Null when the case is not yours to read' },
  state: nullable('string'),
})

export const alarmStatusFilters = ['live', ...alarmStatuses, 'all'] as const

export const alarmListQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    status: {
      type: 'string',
      enum: alarmStatusFilters,
      default: 'live',
      description: 'live = open, acknowledged or held',
    },
    severity: { type: 'string', enum: alarmSeverities },
    areaId: { type: 'integer', minimum: 1, maximum: 2147483647 },
    deviceId: { type: 'integer', minimum: 1, maximum: 2147483647 },
    caseId: { type: 'integer', minimum: 1, maximum: 2147483647 },
    after: { type: 'integer', minimum: 1, maximum: 2147483647, description: 'the nextAfter of the previous page' },
    pageSize: { type: 'integer', minimum: 1, maximum: 100, default: 20 },
  },
} as const
export type AlarmFilter = Input<typeof alarmListQuery>

const alarmCore = {
  id: { type: 'integer' },
  kind: { type: 'string' },
  severity: { type: 'string', enum: alarmSeverities },
  status: { type: 'string', enum: alarmStatuses },
  action: { type: 'string', enum: [...alarmActions, 'none'] },
  value: nullable('number'),
  occurrences: { type: 'integer' },
  raisedAt: timestamp,
  lastAt: timestamp,
  clearedAt: { ...timestamp, type: ['string', 'null'] },
  device: shape({
    id: { type: 'integer' },
    code: { type: 'string' },
    name: { type: 'string' },
    type: { type: 'string', enum: deviceTypes },
    state: { type: 'string', enum: deviceStates },
  }),
  area: areaRef,
  building: orNull(shape({ id: { type: 'integer' }, name: { type: 'string' } })),
  case: orNull(caseRef),
  incidentId: nullable('integer'),
} as const

export const alarmItemSchema = shape(alarmCore)
export type AlarmItem = Output<typeof alarmItemSchema>
export const alarmPageSchema = shape({
  items: { type: 'array', items: alarmItemSchema },
  nextAfter: nullable('integer'),
  total: { type: 'integer', description: 'Counted up to 10,000' },
})

const residentSchema = shape({
  name: { type: 'string', description: 'Masked: the family name only' },
  age: nullable('integer'),
  sex: { type: 'string' },
  tags: { type: 'array', items: { type: 'string' } },
  unit: { type: 'string' },
  floor: nullable('integer'),
  room: { type: 'string' },
})

export const alarmDetailSchema = shape({
  ...alarmCore,
  version: { type: 'integer' },
  rule: orNull(shape({ id: { type: 'integer' }, name: { type: 'string' } })),
  device: shape({
    id: { type: 'integer' },
    code: { type: 'string' },
    name: { type: 'string' },
    type: { type: 'string', enum: deviceTypes },
    state: { type: 'string', enum: deviceStates },
    place: nullable('string'),
    location: shape({ lng: { type: 'number' }, lat: { type: 'number' } }),
    faultReason: nullable('string'),
    owner: nullable('string'),
  }),
  building: orNull(
    shape({
      id: { type: 'integer' },
      name: { type: 'string' },
      address: { type: 'string' },
      floors: nullable('integer'),
    }),
  ),
  residents: { type: 'array', items: residentSchema, description: 'Vulnerable residents of the building, masked' },
  residentsByTag: {
    type: 'object',
    additionalProperties: false,
    required: [...knockTags],
    properties: Object.fromEntries(knockTags.map((t) => [t, { type: 'integer' }])) as Record<
      KnockTag,
      { type: 'integer' }
    >,
  },
  acknowledgedAt: { ...timestamp, type: ['string', 'null'] },
  ackNote: nullable('string'),
  events: {
    type: 'array',
    items: shape({
      id: { type: 'integer' },
      at: timestamp,
      kind: { type: 'string' },
      note: nullable('string'),
      value: nullable('number'),
      actorName: nullable('string'),
    }),
  },
  case: orNull(
    shape({
      id: { type: 'integer' },
      trackingCode: nullable('string'),
      state: nullable('string'),
      department: orNull(shape({ nameZh: { type: 'string' }, nameEn: { type: 'string' } })),
    }),
  ),
  incident: orNull(shape({ id: { type: 'integer' }, reference: nullable('string'), status: nullable('string') })),
  can: shape({ acknowledge: { type: 'boolean' }, clear: { type: 'boolean' }, review: { type: 'boolean' } }),
})
export type AlarmDetail = Output<typeof alarmDetailSchema>

interface AlarmRow {
  id: number
  kind: string
  severity: AlarmSeverity
  status: (typeof alarmStatuses)[number]
  action: (typeof alarmActions)[number] | 'none'
  value: number | null
  occurrences: number
  raised_at: Date
  last_at: Date
  cleared_at: Date | null
  case_id: number | null
  incident_id: number | null
  building_id: number | null
  device_id: number
  device_code: string
  device_name: string
  device_type: DeviceType
  device_state: (typeof deviceStates)[number]
  area_id: number
  area_code: string
  area_name_zh: string
  area_name_en: string
  area_path: string
  tracking_code: string | null
  case_state: string | null
}

const alarmSelect = sql`
  select al.id, al.kind, al.severity, al.status, al.action, al.value, al.occurrences, al.raised_at, al.last_at,
         al.cleared_at, al.case_id, al.incident_id, al.building_id, d.id as device_id, d.code as device_code,
         d.name as device_name, d.type as device_type, d.state as device_state, a.id as area_id, a.code as area_code,
         a.name_zh as area_name_zh, a.name_en as area_name_en, a.path as area_path, c.tracking_code, c.state as case_state
  from device_alarm al
  join device d on d.id = al.device_id
  join area a on a.id = al.area_id
  left join cases c on c.id = al.case_id`

const iso = (d: Date | string) => new Date(d).toISOString()

function presentItem(r: AlarmRow, buildings: Map<number, { id: number; name: string }>): AlarmItem {
  return {
    id: Number(r.id),
    kind: r.kind,
    severity: r.severity,
    status: r.status,
    action: r.action,
    value: r.value === null ? null : Number(r.value),
    occurrences: r.occurrences,
    raisedAt: iso(r.raised_at),
    lastAt: iso(r.last_at),
    clearedAt: r.cleared_at ? iso(r.cleared_at) : null,
    device: {
      id: Number(r.device_id),
      code: r.device_code,
      name: r.device_name,
      type: r.device_type,
      state: r.device_state,
    },
    area: { id: r.area_id, code: r.area_code, nameZh: r.area_name_zh, nameEn: r.area_name_en },
    building: buildings.get(Number(r.id)) ?? null,
    case:
      r.case_id === null
        ? null
        : { id: Number(r.case_id), trackingCode: r.tracking_code ?? null, state: r.case_state ?? null },
    incidentId: r.incident_id === null ? null : Number(r.incident_id),
  }
}

async function alarmBuildings(tx: Tx, ids: number[], now: Date) {
  const out = new Map<number, { id: number; name: string; address: string; floors: number | null }>()
  if (!ids.length) return out
  const { rows } = await sql<{
    alarm_id: number
    building_id: number
    name: string
    address: string
    floors: number | null
  }>`
    select * from app_alarm_buildings(${ids}::bigint[], ${now})`.execute(tx)
  for (const r of rows)
    out.set(Number(r.alarm_id), { id: Number(r.building_id), name: r.name, address: r.address, floors: r.floors })
  return out
}

const COUNT_CAP = 10_000

/** The alarm inbox: alarms the caller reads (row-level security), newest first, keyset paged. */
export async function listAlarms(
  tx: Tx,
  ctx: RequestContext,
  f: AlarmFilter,
  now: Date,
): Promise<Output<typeof alarmPageSchema>> {
  requireActor(ctx)
  let areaPath: string | null = null
  if (f.areaId !== undefined) {
    const a = await tx.selectFrom('area').select('path').where('id', '=', f.areaId).executeTakeFirst()
    if (!a) throw notFound('AREA_NOT_FOUND', `area ${f.areaId}`, 'areaId')
    areaPath = a.path
  }
  const statuses: string[] | null =
    f.status === 'all' ? null : f.status === 'live' || f.status === undefined ? [...liveStatuses] : [f.status]
  const where = sql`
    where (${statuses}::text[] is null or al.status = any(${statuses}::text[]))
      and (${f.severity ?? null}::text is null or al.severity = ${f.severity ?? null})
      and (${areaPath}::text is null or al.area_id in (select id from area where path like ${`${areaPath ?? ''}%`}))
      and (${f.deviceId ?? null}::bigint is null or al.device_id = ${f.deviceId ?? null})
      and (${f.caseId ?? null}::bigint is null or al.case_id = ${f.caseId ?? null})`
  const pageSize = f.pageSize ?? 20
  const { rows } = await sql<AlarmRow>`${alarmSelect} ${where}
      and (${f.after ?? null}::bigint is null or al.id < ${f.after ?? null})
    order by al.id desc limit ${pageSize}`.execute(tx)
  const counted = await sql<{ n: string }>`
    select count(*) as n from (select 1 from device_alarm al ${where} limit ${COUNT_CAP}) m`.execute(tx)
  const buildings = await alarmBuildings(
    tx,
    rows.map((r) => Number(r.id)),
    now,
  )
  return {
    items: rows.map((r) => presentItem(r, buildings)),
    nextAfter: rows.length === pageSize ? Number(rows.at(-1)!.id) : null,
    total: Number(counted.rows[0]!.n),
  }
}

async function loadAlarm(tx: Tx, alarmId: number): Promise<AlarmRow> {
  const { rows } = await sql<AlarmRow>`${alarmSelect} where al.id = ${alarmId}`.execute(tx)
  if (!rows[0]) throw notFound('ALARM_NOT_FOUND', `device alarm ${alarmId}`, 'id')
  return rows[0]
}

/** Who clears an alarm by hand: keepers over its area, and the handlers of the owning department. */
const mayClear = (ctx: RequestContext, areaPath: string, ownerDepartmentId: number | null) =>
  holds(ctx.actor, deviceKeepers, areaPath) ||
  (ownerDepartmentId !== null &&
    ctx.actor?.departmentId === ownerDepartmentId &&
    holdsAnywhere(ctx.actor, ['department_handler']))
/** Who reviews held alarms: keepers (admin, leader, staff) over the alarm's area. */
const mayReview = (ctx: RequestContext, areaPath: string) => holds(ctx.actor, deviceKeepers, areaPath)

export async function alarmDetail(tx: Tx, ctx: RequestContext, alarmId: number, now: Date): Promise<AlarmDetail> {
  requireActor(ctx)
  const r = await loadAlarm(tx, alarmId)
  const extra = (
    await sql<{
      version: number
      rule_id: number | null
      rule_name: string | null
      place: string | null
      lng: number
      lat: number
      fault_reason: string | null
      owner_name: string | null
      owner_department_id: number | null
      acknowledged_at: Date | null
      ack_note: string | null
      department_zh: string | null
      department_en: string | null
      reference: string | null
      incident_status: string | null
    }>`
      select al.version, al.rule_id, ru.name as rule_name, d.place, ST_X(d.location) as lng, ST_Y(d.location) as lat,
             d.fault_reason, coalesce(dep.name_zh, o.name) as owner_name, al.owner_department_id, al.acknowledged_at,
             al.ack_note, cd.name_zh as department_zh, cd.name_en as department_en, i.reference, i.status as incident_status
      from device_alarm al
      join device d on d.id = al.device_id
      left join device_alarm_rule ru on ru.id = al.rule_id
      left join department dep on dep.id = d.owner_department_id
      left join organisation o on o.id = d.owner_organisation_id
      left join cases c on c.id = al.case_id
      left join department cd on cd.id = c.department_id
      left join incident i on i.id = al.incident_id
      where al.id = ${alarmId}`.execute(tx)
  ).rows[0]!
  const buildings = await alarmBuildings(tx, [Number(r.id)], now)
  const building = buildings.get(Number(r.id)) ?? null
  const residents = building
    ? (
        await sql<{
          name: string
          age: number | null
          sex: string
          tags: string[]
          unit: string
          floor: number | null
          room: string
        }>`select name, age, sex, tags, unit, floor, room
           from app_alarm_residents(${alarmId}, ${now}, 200)`.execute(tx)
      ).rows
    : []
  const byTag = Object.fromEntries(knockTags.map((t) => [t, 0])) as Record<KnockTag, number>
  for (const p of residents) for (const t of p.tags) if (t in byTag) byTag[t as KnockTag]++
  const events = await tx
    .selectFrom('device_alarm_event')
    .select(['id', 'at', 'kind', 'note', 'value', 'actor_id'])
    .where('alarm_id', '=', alarmId)
    .orderBy('id')
    .limit(500)
    .execute()
  const names = await displayNames(
    tx,
    events.flatMap((e) => (e.actor_id === null ? [] : [e.actor_id])),
  )
  const item = presentItem(r, new Map())
  return {
    ...item,
    version: extra.version,
    rule: extra.rule_id === null ? null : { id: Number(extra.rule_id), name: extra.rule_name ?? '' },
    device: {
      ...item.device,
      place: extra.place,
      location: { lng: Number(extra.lng), lat: Number(extra.lat) },
      faultReason: extra.fault_reason,
      owner: extra.owner_name,
    },
    building: building
      ? { id: building.id, name: building.name, address: building.address, floors: building.floors }
      : null,
    residents: residents.map((p) => ({ ...p, age: p.age === null ? null : Number(p.age), tags: [...p.tags] })),
    residentsByTag: byTag,
    acknowledgedAt: extra.acknowledged_at ? iso(extra.acknowledged_at) : null,
    ackNote: extra.ack_note,
    events: events.map((e) => ({
      id: Number(e.id),
      at: iso(e.at),
      kind: e.kind,
      note: e.note,
      value: e.value === null ? null : Number(e.value),
      actorName: e.actor_id === null ? null : (names.get(e.actor_id) ?? null),
    })),
    case:
      r.case_id === null
        ? null
        : {
            id: Number(r.case_id),
            trackingCode: r.tracking_code,
            state: r.case_state,
            department: extra.department_zh ? { nameZh: extra.department_zh, nameEn: extra.department_en! } : null,
          },
    incident:
      r.incident_id === null
        ? null
        : { id: Number(r.incident_id), reference: extra.reference, status: extra.incident_status },
    can: {
      acknowledge: r.status === 'open',
      clear:
        ['open', 'acknowledged', 'held'].includes(r.status) && mayClear(ctx, r.area_path, extra.owner_department_id),
      review: r.status === 'held' && mayReview(ctx, r.area_path),
    },
  }
}

export const acknowledgeBody = {
  type: 'object',
  additionalProperties: false,
  properties: { note: text(500) },
} as const
export const clearBody = {
  type: 'object',
  additionalProperties: false,
  required: ['note'],
  properties: { note: text(500) },
} as const
export const reviewBody = {
  type: 'object',
  additionalProperties: false,
  required: ['decision', 'note'],
  properties: { decision: { type: 'string', enum: ['release', 'dismiss'] }, note: text(500) },
} as const

const illegal = (status: string, action: string) =>
  new AppError('ALARM_ILLEGAL_TRANSITION', `an alarm that is ${status} cannot be ${action}`, 'status')

/** open → acknowledged, by anyone who reads the alarm. */
export async function acknowledgeAlarm(
  tx: Tx,
  ctx: RequestContext,
  alarmId: number,
  note: string | undefined,
  now: Date,
) {
  const actor = requireActor(ctx)
  const r = await loadAlarm(tx, alarmId)
  if (r.status !== 'open') throw illegal(r.status, 'acknowledged')
  const done = await tx
    .updateTable('device_alarm')
    .set((eb) => ({
      status: 'acknowledged',
      acknowledged_by: actor.userId,
      acknowledged_at: now,
      ack_note: note?.trim() || null,
      version: eb('version', '+', 1),
    }))
    .where('id', '=', alarmId)
    .where('status', '=', 'open')
    .executeTakeFirst()
  if (Number(done.numUpdatedRows) !== 1) throw illegal('no longer open', 'acknowledged')
  await addEvents(tx, [
    { alarm_id: alarmId, at: now, kind: 'acknowledged', actor_id: actor.userId, note: note ?? null },
  ])
  await recordAudit(tx, ctx, {
    action: 'device.alarm_acknowledge',
    entityType: 'device_alarm',
    entityId: alarmId,
    areaId: r.area_id,
  })
}

/** A live alarm cleared by hand (the device cannot send the clearing message), with the reason. */
export async function clearAlarmByHand(tx: Tx, ctx: RequestContext, alarmId: number, note: string, now: Date) {
  const actor = requireActor(ctx)
  const r = await loadAlarm(tx, alarmId)
  const owner = await tx
    .selectFrom('device_alarm')
    .select(['owner_department_id', 'version'])
    .where('id', '=', alarmId)
    .executeTakeFirstOrThrow()
  if (!mayClear(ctx, r.area_path, owner.owner_department_id))
    throw new AppError(
      'FORBIDDEN',
      'alarms are cleared by hand by the area’s admins, leaders and staff or the owning department',
    )
  if (!(liveStatuses as readonly string[]).includes(r.status)) throw illegal(r.status, 'cleared')
  // Only the version read and only while live: a double click, or the device's own clear racing
  // this one, writes one event and one note; the other gets 409.
  const done = await tx
    .updateTable('device_alarm')
    .set((eb) => ({ status: 'cleared', cleared_at: now, version: eb('version', '+', 1) }))
    .where('id', '=', alarmId)
    .where('status', 'in', LIVE)
    .where('version', '=', owner.version)
    .executeTakeFirst()
  if (Number(done.numUpdatedRows) !== 1) throw illegal('no longer live', 'cleared')
  await addEvents(tx, [{ alarm_id: alarmId, at: now, kind: 'cleared', actor_id: actor.userId, note }])
  await noteOnCase(
    tx,
    r.case_id === null ? null : Number(r.case_id),
    `${actor.displayName} 手动解除设备告警：${note}`,
    { alarmId, event: 'cleared', byHand: true },
    now,
  )
  await recordAudit(tx, ctx, {
    action: 'device.alarm_clear',
    entityType: 'device_alarm',
    entityId: alarmId,
    areaId: r.area_id,
    detail: { note },
  })
}

/**
 * Checks, as the caller, that they may review the held alarm (row-level security finds it, the
 * role is a keeper's over its area): the first half of a review. The decision itself runs as the
 * owner (reviewHeldAlarm), since releasing does what the device's rule does (a case filed by the
 * device, an incident declared by the community's leader).
 */
export async function checkReview(tx: Tx, ctx: RequestContext, alarmId: number) {
  requireActor(ctx)
  const r = await loadAlarm(tx, alarmId)
  if (!mayReview(ctx, r.area_path))
    throw new AppError('FORBIDDEN', 'held alarms are reviewed by the area’s admins, leaders and staff')
  if (r.status !== 'held') throw illegal(r.status, 'reviewed')
}

/** Release (the rule's action happens now) or dismiss a held alarm; as the owner, after checkReview. */
export async function reviewHeldAlarm(
  tx: Tx,
  ctx: RequestContext,
  alarmId: number,
  decision: 'release' | 'dismiss',
  note: string,
  now: Date,
  deps: AlarmDeps,
) {
  const actor = requireActor(ctx)
  const a = await tx
    .selectFrom('device_alarm')
    .select(['id', 'device_id', 'rule_id', 'kind', 'severity', 'status', 'value', 'case_id', 'occurrences', 'area_id'])
    .where('id', '=', alarmId)
    .forUpdate()
    .executeTakeFirst()
  if (!a) throw notFound('ALARM_NOT_FOUND', `device alarm ${alarmId}`, 'id')
  if (a.status !== 'held') throw illegal(a.status, 'reviewed')
  await tx
    .updateTable('device_alarm')
    .set((eb) => ({
      status: decision === 'release' ? 'open' : 'dismissed',
      reviewed_by: actor.userId,
      reviewed_at: now,
      version: eb('version', '+', 1),
    }))
    .where('id', '=', alarmId)
    .execute()
  await addEvents(tx, [
    {
      alarm_id: alarmId,
      at: now,
      kind: decision === 'release' ? 'released' : 'dismissed',
      actor_id: actor.userId,
      note,
    },
  ])
  if (decision === 'release') {
    const d = await deviceFacts(tx, Number(a.device_id))
    const rule = a.rule_id === null ? null : await ruleById(tx, Number(a.rule_id))
    if (d && rule)
      await perform(
        tx,
        {
          id: alarmId,
          kind: a.kind,
          severity: a.severity as AlarmSeverity,
          status: 'open',
          value: a.value,
          case_id: a.case_id,
          occurrences: a.occurrences,
        },
        d,
        rule,
        now,
        deps,
      )
  }
  await recordAudit(tx, ctx, {
    action: `device.alarm_${decision}`,
    entityType: 'device_alarm',
    entityId: alarmId,
    areaId: a.area_id,
    detail: { note },
  })
}
