import { randomBytes } from 'node:crypto'
import { sql } from 'kysely'
import { expect } from 'vitest'
import { cipherFor } from '../../src/core/crypto.js'
import { invalidateRules } from '../../src/devices/alarm-rules.js'
import { onAlarmMessage } from '../../src/devices/alarms.js'
import { hashDeviceSecret, loadDevice } from '../../src/devices/common.js'
import { call, type TestPlatform } from '../support.js'
import { denied, must, row, unchanged, type OwnPart, type ScopingPart } from './parts.js'

// Devices (alarms, rules, types, community risk) in both authorization tables (see parts.ts).
// An alarm is read and acknowledged by the admins, leaders, staff and grid workers over its grid
// and by the handlers of the device's owning department (the fixture's device belongs to the
// street's law-enforcement team, guihua.handler's); it is cleared by hand by the keepers (admin,
// leader, staff) and that department, and a held alarm is reviewed by the keepers. Rules and type
// settings are read by every staff role; a rule for an area is written by its admins (city-wide
// ones and the type settings by a root admin, which no caller of community A is). The community
// risk is read by the registry's readers (admin, leader, staff, grid worker).

const readers = row('unauth', 'ok', 'ok', 'ok', 'ok', 'ok', 'forbidden', 'forbidden')
const keepersAndOwner = row('unauth', 'ok', 'ok', 'ok', 'forbidden', 'ok', 'forbidden', 'forbidden')
const staffRead = row('unauth', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'forbidden')
const riskReaders = row('unauth', 'ok', 'ok', 'ok', 'ok', 'forbidden', 'forbidden', 'forbidden')

let n = 0
const uniq = () => `${Date.now().toString(36)}${(++n).toString(36)}${randomBytes(2).toString('hex')}`.toUpperCase()

/** A building in the grid with one vulnerable resident, a smoke detector in it, and a rule for the community. */
async function fixture(p: TestPlatform, community: number, grid: number, departmentCode: string) {
  const db = p.database.db
  const now = p.clock.now()
  const dept = (
    await db.selectFrom('department').select('id').where('code', '=', departmentCode).executeTakeFirstOrThrow()
  ).id
  const { rows: b } = await sql<{ id: number; district_id: number }>`
    insert into building (area_id, district_id, code, name, kind, address, floors, location, created_at, updated_at)
    select ${grid}, (string_to_array(trim(both '/' from path), '/'))[2]::int, ${`AZ-${uniq()}`}, '权限表楼栋', 'residential',
           '权限表路1号', 6, ST_PointOnSurface(boundary), ${now}, ${now}
    from area where id = ${grid} returning id, district_id`.execute(db)
  const building = Number(b[0]!.id)
  const district = b[0]!.district_id
  const { rows: dw } = await sql<{ id: number }>`
    insert into dwelling (building_id, area_id, district_id, unit, floor, room)
    values (${building}, ${grid}, ${district}, '1单元', 2, '201') returning id`.execute(db)
  await sql`insert into person (area_id, district_id, name, id_type, id_number_enc, id_number_bidx, id_number_masked, sex,
                                birth_date, residence_status, dwelling_id, tags, created_at, updated_at)
            values (${grid}, ${district}, '权限表居民', 'resident_id', ${randomBytes(16)}, ${`az-${uniq()}`}, '4201****',
                    'female', '1941-01-01', 'registered', ${dw[0]!.id}, ${['elderly_alone']}::text[], ${now}, ${now})`.execute(
    db,
  )
  const category = (
    await db.selectFrom('case_category').select('id').where('code', '=', 'SB-04').executeTakeFirstOrThrow()
  ).id
  const { rows: r } = await sql<{ id: number }>`
    insert into device_alarm_rule (device_type, area_id, name, trigger, alarm_kind, severity, action, category_id,
                                   dedupe_minutes, created_at, updated_at)
    values ('manhole_tilt', ${community}, '权限表井盖规则', 'flag', 'tilt', 'major', 'case', ${category}, 1, ${now}, ${now})
    returning id`.execute(db)
  invalidateRules()
  return { building, dept, rule: Number(r[0]!.id), grid, district }
}

async function newDevice(p: TestPlatform, f: { building: number; dept: number; grid: number }) {
  const now = p.clock.now()
  const { rows } = await sql<{ id: number }>`
    insert into device (code, type, name, area_id, district_id, location, building_id, owner_department_id, state,
                        secret_hash, secret_rotated_at, last_seen_at, created_at, updated_at)
    select ${`AZ-MH-${uniq()}`}, 'manhole_tilt', '权限表井盖', b.area_id, b.district_id, b.location, b.id, ${f.dept}, 'active',
           ${hashDeviceSecret('authz')}, ${now}, ${now}, ${now}, ${now}
    from building b where b.id = ${f.building} returning id`.execute(p.database.db)
  return Number(rows[0]!.id)
}

/** A fresh open alarm (its own device, so each probe acts on one of its own), raised as ingest would. */
async function openAlarm(p: TestPlatform, f: { building: number; dept: number; grid: number }): Promise<number> {
  const deviceId = await newDevice(p, f)
  const now = p.clock.now()
  const messageId = `az-${uniq()}`
  await p.database.db.transaction().execute(async (tx) => {
    await tx
      .insertInto('device_message')
      .values({
        device_id: deviceId,
        message_id: messageId,
        kind: 'alarm',
        at: now,
        received_at: now,
        payload: '{}',
        via: 'http',
      })
      .execute()
    await onAlarmMessage(
      tx,
      {
        device: await loadDevice(tx, deviceId),
        messageId,
        at: now,
        alarm: 'tilt',
        state: 'raised',
        value: 12,
        note: null,
      },
      now,
      { cipher: cipherFor(p.config) },
    )
  })
  const a = await p.database.db
    .selectFrom('device_alarm')
    .select(['id', 'status'])
    .where('device_id', '=', deviceId)
    .executeTakeFirstOrThrow()
  if (a.status !== 'open') throw new Error(`fixture alarm is ${a.status}`)
  return Number(a.id)
}

type Data = Awaited<ReturnType<typeof fixture>> & { alarm: number; ruleVersion: number }

export const own: OwnPart<Data> = {
  async setup(p, base) {
    const f = await fixture(p, base.community, base.grid, 'QH-01-ZF')
    return { ...f, alarm: await openAlarm(p, f), ruleVersion: 1 }
  },
  rows: {
    'GET /api/v1/device-alarms': readers,
    'GET /api/v1/device-alarms/:id': readers,
    // Each probe acknowledges an open alarm of its own.
    'POST /api/v1/device-alarms/:id/acknowledge': readers,
    // Each probe clears an alarm of its own by hand.
    'POST /api/v1/device-alarms/:id/clear': keepersAndOwner,
    // The fixture's alarm is open, not held: 409 for the keepers; others may not review (403).
    'POST /api/v1/device-alarms/:id/review': row(
      'unauth',
      'tried',
      'tried',
      'tried',
      'forbidden',
      'forbidden',
      'forbidden',
      'forbidden',
    ),
    'GET /api/v1/device-rules': staffRead,
    // A disabled throwaway rule for the community: its admin only.
    'POST /api/v1/device-rules': row(
      'unauth',
      'ok',
      'forbidden',
      'forbidden',
      'forbidden',
      'forbidden',
      'forbidden',
      'forbidden',
    ),
    // A stale version: 409 for the community's admin.
    'PATCH /api/v1/device-rules/:id': row(
      'unauth',
      'tried',
      'forbidden',
      'forbidden',
      'forbidden',
      'forbidden',
      'forbidden',
      'forbidden',
    ),
    'GET /api/v1/device-types': staffRead,
    // Root admins only: the community's admin is not one.
    'PATCH /api/v1/device-types/:code': row(
      'unauth',
      'forbidden',
      'forbidden',
      'forbidden',
      'forbidden',
      'forbidden',
      'forbidden',
      'forbidden',
    ),
    'GET /api/v1/device-risk': riskReaders,
    'GET /api/v1/device-risk/buildings/:id': riskReaders,
  },
  probes: {
    'GET /api/v1/device-alarms': ({ p, token, base }) =>
      call(p.app, 'GET', `/api/v1/device-alarms?areaId=${base.grid}`, { token }),
    'GET /api/v1/device-alarms/:id': ({ p, token, data }) =>
      call(p.app, 'GET', `/api/v1/device-alarms/${data.alarm}`, { token }),
    'POST /api/v1/device-alarms/:id/acknowledge': async ({ p, token, data }) =>
      call(p.app, 'POST', `/api/v1/device-alarms/${await openAlarm(p, data)}/acknowledge`, {
        token,
        body: { note: '收到' },
      }),
    'POST /api/v1/device-alarms/:id/clear': async ({ p, token, data }) =>
      call(p.app, 'POST', `/api/v1/device-alarms/${await openAlarm(p, data)}/clear`, {
        token,
        body: { note: '已复位' },
      }),
    'POST /api/v1/device-alarms/:id/review': ({ p, token, data }) =>
      call(p.app, 'POST', `/api/v1/device-alarms/${data.alarm}/review`, {
        token,
        body: { decision: 'dismiss', note: '权限表' },
      }),
    'GET /api/v1/device-rules': ({ p, token }) =>
      call(p.app, 'GET', '/api/v1/device-rules?deviceType=manhole_tilt', { token }),
    'POST /api/v1/device-rules': ({ p, token, base }) =>
      call(p.app, 'POST', '/api/v1/device-rules', {
        token,
        body: {
          deviceType: 'access_control',
          areaId: base.community,
          name: '权限表门禁规则',
          trigger: 'flag',
          alarmKind: 'tamper',
          severity: 'warning',
          action: 'warning',
          enabled: false,
        },
      }),
    'PATCH /api/v1/device-rules/:id': ({ p, token, data }) =>
      call(p.app, 'PATCH', `/api/v1/device-rules/${data.rule}`, { token, body: { version: 999, name: '改名' } }),
    'GET /api/v1/device-types': ({ p, token }) => call(p.app, 'GET', '/api/v1/device-types', { token }),
    'PATCH /api/v1/device-types/:code': ({ p, token }) =>
      call(p.app, 'PATCH', '/api/v1/device-types/manhole_tilt', { token, body: { version: 1, flapAlarms: 7 } }),
    'GET /api/v1/device-risk': ({ p, token, base }) =>
      call(p.app, 'GET', `/api/v1/device-risk?areaId=${base.grid}`, { token }),
    'GET /api/v1/device-risk/buildings/:id': ({ p, token, data }) =>
      call(p.app, 'GET', `/api/v1/device-risk/buildings/${data.building}`, { token }),
  },
}

type B = Data & { community: number }

const alarmRow = (p: TestPlatform, id: number) =>
  p.database.db
    .selectFrom('device_alarm')
    .select(['status', 'version', 'acknowledged_at', 'cleared_at'])
    .where('id', '=', id)
    .executeTakeFirstOrThrow()

export const scoping: ScopingPart<B> = {
  async setup(p, base) {
    const f = await fixture(p, base.community, base.grid, 'QH-02-ZF')
    const alarm = await openAlarm(p, f)
    // Community B's staff see their own alarm: the probes below are not empty by accident.
    must(
      'B reads its alarm',
      await call(p.app, 'GET', `/api/v1/device-alarms/${alarm}`, { token: await base.token('cuizhu.staff') }),
      200,
    )
    return { ...f, alarm, ruleVersion: 1, community: base.community }
  },
  probes: {
    'GET /api/v1/device-alarms': async (p, token, d) => {
      const r = await call(p.app, 'GET', '/api/v1/device-alarms?status=all&pageSize=100', { token })
      if (r.status === 200) expect(r.body.items.map((a: { id: number }) => a.id)).not.toContain(d.alarm)
      else denied(r.status)
    },
    'GET /api/v1/device-alarms/:id': async (p, token, d) =>
      denied((await call(p.app, 'GET', `/api/v1/device-alarms/${d.alarm}`, { token })).status),
    'POST /api/v1/device-alarms/:id/acknowledge': (p, token, d) =>
      unchanged(
        () => alarmRow(p, d.alarm),
        () => call(p.app, 'POST', `/api/v1/device-alarms/${d.alarm}/acknowledge`, { token, body: {} }),
      ),
    'POST /api/v1/device-alarms/:id/clear': (p, token, d) =>
      unchanged(
        () => alarmRow(p, d.alarm),
        () => call(p.app, 'POST', `/api/v1/device-alarms/${d.alarm}/clear`, { token, body: { note: '越权' } }),
      ),
    'POST /api/v1/device-alarms/:id/review': (p, token, d) =>
      unchanged(
        () => alarmRow(p, d.alarm),
        () =>
          call(p.app, 'POST', `/api/v1/device-alarms/${d.alarm}/review`, {
            token,
            body: { decision: 'dismiss', note: '越权' },
          }),
      ),
    // Rules are configuration every staff role reads; B's rule is never A's to write.
    'GET /api/v1/device-rules': async (p, token, d) => {
      const r = await call(p.app, 'GET', '/api/v1/device-rules?deviceType=manhole_tilt', { token })
      if (r.status === 200) {
        const theirs = r.body.items.find((x: { id: number }) => x.id === d.rule)
        if (theirs) expect(theirs.writable).toBe(false)
      } else denied(r.status)
    },
    'POST /api/v1/device-rules': (p, token, d) =>
      unchanged(
        () => p.database.db.selectFrom('device_alarm_rule').select('id').where('area_id', '=', d.community).execute(),
        () =>
          call(p.app, 'POST', '/api/v1/device-rules', {
            token,
            body: {
              deviceType: 'access_control',
              areaId: d.community,
              name: '越权',
              trigger: 'flag',
              severity: 'warning',
              action: 'warning',
            },
          }),
      ),
    'PATCH /api/v1/device-rules/:id': (p, token, d) =>
      unchanged(
        () =>
          p.database.db.selectFrom('device_alarm_rule').selectAll().where('id', '=', d.rule).executeTakeFirstOrThrow(),
        () => call(p.app, 'PATCH', `/api/v1/device-rules/${d.rule}`, { token, body: { version: 1, enabled: false } }),
      ),
    // Types are not area-bound: read by staff roles, changed by nobody of A.
    'GET /api/v1/device-types': async (p, token) => {
      const r = await call(p.app, 'GET', '/api/v1/device-types', { token })
      if (r.status !== 200) denied(r.status)
    },
    'PATCH /api/v1/device-types/:code': (p, token) =>
      unchanged(
        () =>
          p.database.db
            .selectFrom('device_type')
            .selectAll()
            .where('code', '=', 'manhole_tilt')
            .executeTakeFirstOrThrow(),
        async () => {
          const t = await p.database.db
            .selectFrom('device_type')
            .select('version')
            .where('code', '=', 'manhole_tilt')
            .executeTakeFirstOrThrow()
          return call(p.app, 'PATCH', '/api/v1/device-types/manhole_tilt', {
            token,
            body: { version: t.version, flapAlarms: 9 },
          })
        },
      ),
    'GET /api/v1/device-risk': async (p, token, d) =>
      denied((await call(p.app, 'GET', `/api/v1/device-risk?areaId=${d.community}`, { token })).status),
    'GET /api/v1/device-risk/buildings/:id': async (p, token, d) =>
      denied((await call(p.app, 'GET', `/api/v1/device-risk/buildings/${d.building}`, { token })).status),
  },
}
