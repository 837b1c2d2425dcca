import { randomBytes } from 'node:crypto'
import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { areaId, backends, call, openTestPlatform, tokenFor, type TestPlatform } from '../../test/support.js'
import { actorForUser } from '../accounts/service.js'
import { cipherFor } from '../core/crypto.js'
import type { Db } from '../core/db.js'
import { inScope } from '../core/scope.js'
import { invalidateRules } from './alarm-rules.js'
import { onAlarmMessage, onReadings } from './alarms.js'
import { hashDeviceSecret, loadDevice } from './common.js'
import { sweepDevices } from './heartbeats.js'

const MIN = 60_000
const HOUR = 60 * MIN

// Alarm processing as ingest drives it (a stored message, then onAlarmMessage / onReadings in its
// transaction, as the owner), the routes people use on alarms and rules, the heartbeat sweep and
// the community risk, on a fixture of our own in 桂花 G01: an occupied building (four people, three
// of them to knock on) and an empty one, with devices owned by the street's law-enforcement team
// (guihua.handler's department). The demo's city-wide rules are switched off; the tests write
// their own rules for the community through the API.

interface Fixture {
  g01: number
  guihua: number
  occupied: number
  empty: number
  dept: number
}

let uniq = 0
const tag = () => `${Date.now().toString(36)}${(++uniq).toString(36)}`.toUpperCase()

async function buildFixture(db: Db, now: Date): Promise<Fixture> {
  const g01 = (await db.selectFrom('area').select('id').where('code', '=', 'JZ-QH-01-01-G01').executeTakeFirstOrThrow())
    .id
  const guihua = (await db.selectFrom('area').select('id').where('code', '=', 'JZ-QH-01-01').executeTakeFirstOrThrow())
    .id
  const dept = (await db.selectFrom('department').select('id').where('code', '=', 'QH-01-ZF').executeTakeFirstOrThrow())
    .id
  const district = Number(
    (await db.selectFrom('area').select('path').where('id', '=', g01).executeTakeFirstOrThrow()).path.split('/')[2],
  )
  const building = async (code: string, name: string) =>
    Number(
      (
        await sql<{ id: number }>`
          insert into building (area_id, district_id, code, name, kind, address, floors, location, created_at, updated_at)
          select ${g01}, ${district}, ${code}, ${name}, 'residential', ${`桂花路${code}号`}, 6, ST_PointOnSurface(boundary), ${now}, ${now}
          from area where id = ${g01} returning id`.execute(db)
      ).rows[0]!.id,
    )
  const occupied = await building(`T-OCC-${tag()}`, '测试桂花苑1栋')
  const empty = await building(`T-EMP-${tag()}`, '测试空置仓库')
  const dwelling = Number(
    (
      await sql<{ id: number }>`insert into dwelling (building_id, area_id, district_id, unit, floor, room)
        values (${occupied}, ${g01}, ${district}, '1单元', 3, '301') returning id`.execute(db)
    ).rows[0]!.id,
  )
  const people: [string, string[], string][] = [
    ['王秀英', ['elderly_alone', 'elderly'], '1940-05-01'],
    ['李建国', ['disabled'], '1970-02-03'],
    ['张桂兰', ['elderly_alone'], '1938-12-30'],
    ['赵小明', [], '1990-01-01'],
  ]
  for (const [name, tags, birth] of people)
    await sql`insert into person (area_id, district_id, name, id_type, id_number_enc, id_number_bidx, id_number_masked, sex,
                                  birth_date, residence_status, dwelling_id, tags, created_at, updated_at)
              values (${g01}, ${district}, ${name}, 'resident_id', ${randomBytes(16)}, ${`t-${tag()}`}, '4201**********0000',
                      'female', ${birth}, 'registered', ${dwelling}, ${tags}::text[], ${now}, ${now})`.execute(db)
  return { g01, guihua, occupied, empty, dept }
}

async function addDevice(db: Db, f: Fixture, type: string, building: number | null, now: Date): Promise<number> {
  const code = `T-${type.slice(0, 3).toUpperCase()}-${tag()}`
  const { rows } = await sql<{ id: number }>`
    insert into device (code, type, name, area_id, district_id, location, building_id, place, owner_department_id, state,
                        secret_hash, secret_rotated_at, last_seen_at, created_at, updated_at)
    select ${code}, ${type}, ${`测试${type}`}, ${f.g01}, b.district_id, b.location, ${building}, '1单元3层走廊', ${f.dept}, 'active',
           ${hashDeviceSecret('test-secret')}, ${now}, ${now}, ${now}, ${now}
    from building b where b.id = ${building ?? f.occupied} returning id`.execute(db)
  return Number(rows[0]!.id)
}

describe.each(backends())('device alarms on %s', (backend) => {
  let p: TestPlatform
  let f: Fixture
  const t: Record<string, string> = {}
  const deps = () => ({ cipher: cipherFor(p.config) })

  /** An alarm message as ingest hands it over: stored, then processed in the same transaction. */
  async function send(
    deviceId: number,
    alarm: string,
    state: 'raised' | 'cleared',
    value: number | null = null,
    deviceAt?: Date,
  ) {
    const now = p.clock.now()
    const at = deviceAt ?? now
    const messageId = `m-${tag()}`
    await p.database.db.transaction().execute(async (tx) => {
      await tx
        .insertInto('device_message')
        .values({
          device_id: deviceId,
          message_id: messageId,
          kind: 'alarm',
          at,
          received_at: now,
          payload: '{}',
          via: 'http',
        })
        .execute()
      const device = await loadDevice(tx, deviceId)
      await onAlarmMessage(tx, { device, messageId, at, alarm, state, value, note: null }, now, deps())
    })
  }
  async function read(deviceId: number, values: Record<string, number>) {
    const now = p.clock.now()
    const messageId = `r-${tag()}`
    await p.database.db.transaction().execute(async (tx) => {
      await tx
        .insertInto('device_message')
        .values({
          device_id: deviceId,
          message_id: messageId,
          kind: 'reading',
          at: now,
          received_at: now,
          payload: '{}',
          via: 'mqtt',
        })
        .execute()
      await onReadings(tx, [{ device: await loadDevice(tx, deviceId), messageId, at: now, values }], now, deps())
    })
  }
  const alarmsOf = (deviceId: number) =>
    p.database.db.selectFrom('device_alarm').selectAll().where('device_id', '=', deviceId).orderBy('id').execute()
  const categoryId = async (code: string) =>
    (await p.database.db.selectFrom('case_category').select('id').where('code', '=', code).executeTakeFirstOrThrow()).id
  async function rule(body: Record<string, unknown>) {
    const res = await call(p.app, 'POST', '/api/v1/device-rules', {
      token: t['guihua.admin'],
      body: { areaId: f.guihua, ...body },
    })
    if (res.status !== 201) throw new Error(`rule: ${res.status} ${JSON.stringify(res.body)}`)
    return res.body
  }

  beforeAll(async () => {
    p = await openTestPlatform(backend, '2027-03-10T02:00:00Z')
    for (const u of [
      'admin',
      'guihua.admin',
      'guihua.leader',
      'guihua.staff',
      'guihua.grid',
      'guihua.handler',
      'guihua.resident',
      'cuizhu.staff',
    ])
      t[u] = await tokenFor(p.app, u)
    await p.database.db.updateTable('device_alarm_rule').set({ enabled: false }).execute()
    invalidateRules()
    f = await buildFixture(p.database.db, p.clock.now())
  })
  afterAll(async () => {
    invalidateRules()
    await p?.close()
  })

  it('the demo city has its alarms, raised by the demo rules through the same code', async () => {
    const { rows } = await sql<{
      code: string
      kind: string
      status: string
      action: string
      case_state: string | null
      incident_id: number | null
      grid: string
    }>`select d.code, al.kind, al.status, al.action, c.state as case_state, al.incident_id, a.code as grid
       from device_alarm al join device d on d.id = al.device_id join area a on a.id = al.area_id
       left join cases c on c.id = al.case_id
       where d.code like 'GH-%' order by al.id`.execute(p.database.db)
    const find = (kind: string, status: string) => rows.find((r) => r.kind === kind && r.status === status)
    expect(find('smoke', 'open')).toMatchObject({
      action: 'incident',
      case_state: 'dispatched',
      grid: 'JZ-QH-01-01-G01',
    })
    expect(find('smoke', 'open')!.incident_id).not.toBeNull()
    expect(find('level_cm', 'acknowledged')).toMatchObject({ action: 'case', case_state: 'dispatched' })
    expect(find('tilt', 'cleared')).toMatchObject({ action: 'case' })
    expect(rows.find((r) => r.status === 'held')).toMatchObject({
      code: 'GH-SMK-0012',
      action: 'none',
      case_state: null,
    })
    expect(find('held_open', 'open')).toMatchObject({ action: 'warning', case_state: null })
    // The staff's inbox has them.
    const inbox = await call(p.app, 'GET', '/api/v1/device-alarms', { token: t['guihua.staff'] })
    expect(inbox.body.items.map((i: { kind: string }) => i.kind)).toEqual(
      expect.arrayContaining(['smoke', 'level_cm', 'held_open']),
    )
  })

  describe('flag rules', () => {
    let smoke: number
    let emptySmoke: number
    let caseId: number
    beforeAll(async () => {
      await rule({
        deviceType: 'smoke_detector',
        name: '烟感报警',
        trigger: 'flag',
        alarmKind: 'smoke',
        severity: 'critical',
        action: 'incident',
        incidentKind: 'fire',
        categoryId: await categoryId('SB-01'),
        dedupeMinutes: 30,
      })
      smoke = await addDevice(p.database.db, f, 'smoke_detector', f.occupied, p.clock.now())
      emptySmoke = await addDevice(p.database.db, f, 'smoke_detector', f.empty, p.clock.now())
    })

    it('a smoke alarm in an occupied building declares the incident and files the case, routed to its department', async () => {
      await send(smoke, 'smoke', 'raised')
      const [a] = await alarmsOf(smoke)
      expect(a).toMatchObject({
        status: 'open',
        action: 'incident',
        kind: 'smoke',
        severity: 'critical',
        occurrences: 1,
      })
      expect(a!.case_id).not.toBeNull()
      expect(a!.incident_id).not.toBeNull()
      caseId = Number(a!.case_id)
      const c = await p.database.db
        .selectFrom('cases as c')
        .innerJoin('case_category as k', 'k.id', 'c.category_id')
        .select(['c.channel', 'c.state', 'c.description', 'c.area_id', 'k.code', 'c.reporter_name'])
        .where('c.id', '=', caseId)
        .executeTakeFirstOrThrow()
      // A device is a trusted reporter: accepted by the system and dispatched by the category's routing at once.
      expect(c).toMatchObject({ channel: 'device', state: 'dispatched', code: 'SB-01', area_id: f.g01 })
      expect(c.description).toContain('测试桂花苑1栋')
      expect(c.description).toContain('重点人员3人')
      expect(c.description).toContain('独居老人2人')
      const incident = await p.database.db
        .selectFrom('incident')
        .select(['source_kind', 'source_ref', 'kind', 'commander_id', 'area_id', 'status'])
        .where('id', '=', Number(a!.incident_id))
        .executeTakeFirstOrThrow()
      const leader = await p.database.db
        .selectFrom('app_user')
        .select('id')
        .where('username', '=', 'guihua.leader')
        .executeTakeFirstOrThrow()
      expect(incident).toMatchObject({
        source_kind: 'device_alarm',
        source_ref: String(a!.id),
        kind: 'fire',
        status: 'active',
        area_id: f.guihua,
      })
      expect(incident.commander_id).toBe(leader.id)
      const routed = await p.database.db
        .selectFrom('cases')
        .select(['state', 'department_id'])
        .where('id', '=', caseId)
        .executeTakeFirstOrThrow()
      expect(routed).toEqual({ state: 'dispatched', department_id: f.dept })
      const events = await p.database.db
        .selectFrom('case_event')
        .select(['action', 'actor_role', 'department_id'])
        .where('case_id', '=', caseId)
        .orderBy('id')
        .execute()
      expect(events.map((e) => [e.action, e.actor_role])).toEqual([
        ['submit', 'reporter'],
        ['accept', 'system'],
        ['dispatch', 'system'],
      ])
      const told = await p.database.db
        .selectFrom('notification as n')
        .innerJoin('app_user as u', 'u.id', 'n.user_id')
        .select('u.username')
        .where('n.case_id', '=', caseId)
        .where('n.kind', '=', 'case_dispatched')
        .execute()
      expect(told.map((x) => x.username)).toContain('guihua.handler')
    })

    it('a repeat adds to the live alarm and notes its case: never a second case', async () => {
      const cases = await p.database.db
        .selectFrom('cases')
        .select(sql<number>`count(*)`.as('n'))
        .executeTakeFirstOrThrow()
      p.clock.advance(2 * MIN)
      await send(smoke, 'smoke', 'raised')
      const list = await alarmsOf(smoke)
      expect(list).toHaveLength(1)
      expect(list[0]).toMatchObject({ occurrences: 2, status: 'open' })
      const after = await p.database.db
        .selectFrom('cases')
        .select(sql<number>`count(*)`.as('n'))
        .executeTakeFirstOrThrow()
      expect(Number(after.n)).toBe(Number(cases.n))
      const notes = await p.database.db
        .selectFrom('case_event')
        .select('comment')
        .where('case_id', '=', caseId)
        .where('action', '=', 'device_alarm')
        .execute()
      expect(notes.map((n) => n.comment).join()).toContain('第2次')
    })

    it('the handler of the owning department reads the alarm with the building and its residents masked', async () => {
      const [a] = await alarmsOf(smoke)
      const res = await call(p.app, 'GET', `/api/v1/device-alarms/${a!.id}`, { token: t['guihua.handler'] })
      expect(res.status).toBe(200)
      expect(res.body.building).toMatchObject({ name: '测试桂花苑1栋' })
      expect(res.body.residents.map((r: { name: string }) => r.name).sort()).toEqual(['张**', '李**', '王**'])
      expect(res.body.residentsByTag).toMatchObject({ elderly_alone: 2, disabled: 1, elderly: 1 })
      const wang = res.body.residents.find((r: { name: string }) => r.name === '王**')
      expect(wang).toMatchObject({ age: 86, unit: '1单元', floor: 3, room: '301' })
      expect(JSON.stringify(res.body)).not.toContain('4201')
      expect(res.body.case).toMatchObject({ id: caseId, state: 'dispatched' })
      // The incident is the responders' (the handler's department is not on it): its id, no more.
      expect(res.body.incident).toMatchObject({ id: Number(a!.incident_id), reference: null })
      const asStaff = await call(p.app, 'GET', `/api/v1/device-alarms/${a!.id}`, { token: t['guihua.staff'] })
      expect(asStaff.body.incident.reference).toMatch(/^YJ-/)
      expect(asStaff.body.can).toEqual({ acknowledge: true, clear: true, review: false })
      expect(res.body.events.map((e: { kind: string }) => e.kind)).toEqual(['raised', 'repeated'])
      // Another community's staff do not see it, nor does a resident.
      expect((await call(p.app, 'GET', `/api/v1/device-alarms/${a!.id}`, { token: t['cuizhu.staff'] })).status).toBe(
        404,
      )
      const theirs = await call(p.app, 'GET', '/api/v1/device-alarms?status=all', { token: t['cuizhu.staff'] })
      expect(theirs.body.items.map((i: { id: number }) => i.id)).not.toContain(Number(a!.id))
      expect((await call(p.app, 'GET', `/api/v1/device-alarms/${a!.id}`, { token: t['guihua.resident'] })).status).toBe(
        403,
      )
    })

    it('acknowledge: open → acknowledged once; again is 409', async () => {
      const [a] = await alarmsOf(smoke)
      const ok = await call(p.app, 'POST', `/api/v1/device-alarms/${a!.id}/acknowledge`, {
        token: t['guihua.grid'],
        body: { note: '已到现场' },
      })
      expect(ok.status).toBe(200)
      expect(ok.body).toMatchObject({ status: 'acknowledged', ackNote: '已到现场' })
      const again = await call(p.app, 'POST', `/api/v1/device-alarms/${a!.id}/acknowledge`, {
        token: t['guihua.grid'],
        body: {},
      })
      expect(again.status).toBe(409)
      expect(again.body.error.code).toBe('ALARM_ILLEGAL_TRANSITION')
    })

    it('a clearing message clears it and notes the case, which stays with its handler', async () => {
      p.clock.advance(5 * MIN)
      await send(smoke, 'smoke', 'cleared')
      const [a] = await alarmsOf(smoke)
      expect(a).toMatchObject({ status: 'cleared' })
      expect(new Date(a!.cleared_at!).getTime()).toBe(p.clock.now().getTime())
      const c = await p.database.db
        .selectFrom('cases')
        .select('state')
        .where('id', '=', caseId)
        .executeTakeFirstOrThrow()
      expect(c.state).toBe('dispatched')
      const notes = await p.database.db
        .selectFrom('case_event')
        .select('comment')
        .where('case_id', '=', caseId)
        .where('action', '=', 'device_alarm')
        .execute()
      expect(notes.at(-1)!.comment).toContain('已解除')
      // A clear with nothing live does nothing.
      await send(smoke, 'smoke', 'cleared')
      expect((await alarmsOf(smoke)).map((x) => x.status)).toEqual(['cleared'])
    })

    it('within the dedupe window a raise reopens the cleared alarm; after it, a new alarm and case', async () => {
      p.clock.advance(10 * MIN)
      await send(smoke, 'smoke', 'raised')
      let list = await alarmsOf(smoke)
      expect(list).toHaveLength(1)
      expect(list[0]).toMatchObject({ status: 'open', occurrences: 3, cleared_at: null })
      expect(Number(list[0]!.case_id)).toBe(caseId)
      const events = await p.database.db
        .selectFrom('device_alarm_event')
        .select('kind')
        .where('alarm_id', '=', list[0]!.id)
        .orderBy('id')
        .execute()
      expect(events.map((e) => e.kind)).toContain('reopened')
      await send(smoke, 'smoke', 'cleared')
      p.clock.advance(31 * MIN)
      await send(smoke, 'smoke', 'raised')
      list = await alarmsOf(smoke)
      expect(list).toHaveLength(2)
      expect(list[1]!.status).toBe('open')
      expect(Number(list[1]!.case_id)).not.toBe(caseId)
    })

    it('in a building nobody lives in, the incident rule files a case only', async () => {
      await send(emptySmoke, 'smoke', 'raised')
      const [a] = await alarmsOf(emptySmoke)
      expect(a).toMatchObject({ action: 'case', incident_id: null })
      expect(a!.case_id).not.toBeNull()
      const raised = await p.database.db
        .selectFrom('device_alarm_event')
        .select('note')
        .where('alarm_id', '=', a!.id)
        .where('kind', '=', 'raised')
        .executeTakeFirstOrThrow()
      expect(raised.note).toContain('nobody lives')
    })

    it('an alarm kind without a rule raises nothing', async () => {
      await send(emptySmoke, 'tamper', 'raised')
      expect((await alarmsOf(emptySmoke)).filter((a) => a.kind === 'tamper')).toHaveLength(0)
    })
  })

  describe('warnings', () => {
    it('a warning rule tells the leaders, staff and grid workers over the grid; no case', async () => {
      await rule({
        deviceType: 'access_control',
        name: '门未关',
        trigger: 'flag',
        alarmKind: 'held_open',
        severity: 'warning',
        action: 'warning',
      })
      const door = await addDevice(p.database.db, f, 'access_control', f.occupied, p.clock.now())
      await send(door, 'held_open', 'raised')
      const [a] = await alarmsOf(door)
      expect(a).toMatchObject({ action: 'warning', case_id: null, status: 'open' })
      const told = await p.database.db
        .selectFrom('notification as n')
        .innerJoin('app_user as u', 'u.id', 'n.user_id')
        .select(['u.username', 'n.params'])
        .where('n.kind', '=', 'device_alarm')
        .where(sql<boolean>`n.params->>'alarmId' = ${String(a!.id)}`)
        .execute()
      const names = told.map((x) => x.username)
      expect(names).toEqual(expect.arrayContaining(['guihua.leader', 'guihua.staff', 'guihua.grid']))
      expect(names.some((n) => n.startsWith('cuizhu.'))).toBe(false)
      expect(names).not.toContain('guihua.resident')
      const params = typeof told[0]!.params === 'string' ? JSON.parse(told[0]!.params) : told[0]!.params
      expect(params).toMatchObject({ kind: 'held_open', severity: 'warning', buildingName: '测试桂花苑1栋' })
    })
  })

  describe('threshold rules', () => {
    it('N readings over the threshold in a row raise; back under the clearing level clears', async () => {
      await rule({
        deviceType: 'water_level',
        name: '水位3次超50',
        trigger: 'threshold',
        metric: 'level_cm',
        comparison: 'gt',
        threshold: 50,
        clearThreshold: 40,
        consecutive: 3,
        severity: 'major',
        action: 'case',
        categoryId: await categoryId('SB-03'),
      })
      const w = await addDevice(p.database.db, f, 'water_level', null, p.clock.now())
      for (const v of [60, 61]) {
        p.clock.advance(MIN)
        await read(w, { level_cm: v })
      }
      p.clock.advance(MIN)
      await read(w, { level_cm: 45 }) // in between: the run is broken
      for (const v of [55, 58]) {
        p.clock.advance(MIN)
        await read(w, { level_cm: v })
      }
      expect(await alarmsOf(w)).toHaveLength(0)
      p.clock.advance(MIN)
      await read(w, { level_cm: 66 })
      let [a] = await alarmsOf(w)
      expect(a).toMatchObject({ status: 'open', kind: 'level_cm', value: 66, action: 'case', occurrences: 1 })
      expect(a!.case_id).not.toBeNull()
      p.clock.advance(MIN)
      await read(w, { level_cm: 70 })
      p.clock.advance(MIN)
      await read(w, { level_cm: 45 }) // between the levels: stays live
      ;[a] = await alarmsOf(w)
      expect(a).toMatchObject({ status: 'open', occurrences: 2, value: 70 })
      p.clock.advance(MIN)
      await read(w, { level_cm: 30 })
      ;[a] = await alarmsOf(w)
      expect(a!.status).toBe('cleared')
      const state = await p.database.db
        .selectFrom('device')
        .select('rule_state')
        .where('id', '=', w)
        .executeTakeFirstOrThrow()
      expect(typeof state.rule_state === 'string' ? JSON.parse(state.rule_state) : state.rule_state).toEqual({})
    })
  })

  describe('threshold rules edited', () => {
    let ruleId: number
    let version: number
    const patch = async (body: Record<string, unknown>) => {
      const res = await call(p.app, 'PATCH', `/api/v1/device-rules/${ruleId}`, {
        token: t['guihua.admin'],
        body: { version, ...body },
      })
      expect(res.status).toBe(200)
      version = res.body.version
      return res.body
    }
    beforeAll(async () => {
      const list = await call(p.app, 'GET', '/api/v1/device-rules?deviceType=water_level', { token: t['guihua.admin'] })
      const r = list.body.items.find((x: { name: string }) => x.name === '水位3次超50')
      ruleId = r.id
      version = r.version
    })

    it('a reading on the clearing side clears a live alarm whatever the count (after an edit of consecutive)', async () => {
      const w = await addDevice(p.database.db, f, 'water_level', null, p.clock.now())
      for (const v of [60, 61, 62]) {
        p.clock.advance(MIN)
        await read(w, { level_cm: v })
      }
      expect((await alarmsOf(w)).map((a) => a.status)).toEqual(['open'])
      await patch({ consecutive: 4 })
      p.clock.advance(MIN)
      await read(w, { level_cm: 45 }) // between the levels: stays live
      expect((await alarmsOf(w)).map((a) => a.status)).toEqual(['open'])
      p.clock.advance(MIN)
      await read(w, { level_cm: 30 })
      expect((await alarmsOf(w)).map((a) => a.status)).toEqual(['cleared'])
    })

    it('an edit of the threshold restarts the count; switching the rule off clears its live alarms', async () => {
      const w = await addDevice(p.database.db, f, 'water_level', null, p.clock.now())
      for (const v of [60, 61]) {
        p.clock.advance(MIN)
        await read(w, { level_cm: v })
      }
      await patch({ threshold: 55 })
      for (const v of [70, 71]) {
        p.clock.advance(MIN)
        await read(w, { level_cm: v })
      }
      // Two in a row under the new levels (not four): nothing yet.
      expect(await alarmsOf(w)).toHaveLength(0)
      for (const v of [72, 73]) {
        p.clock.advance(MIN)
        await read(w, { level_cm: v })
      }
      const [a] = await alarmsOf(w)
      expect(a).toMatchObject({ status: 'open', value: 73 })
      p.clock.advance(MIN)
      const off = await patch({ enabled: false })
      expect(off.enabled).toBe(false)
      const [b] = await alarmsOf(w)
      expect(b).toMatchObject({ status: 'cleared' })
      const events = await p.database.db
        .selectFrom('device_alarm_event')
        .select(['kind', 'note', 'actor_id'])
        .where('alarm_id', '=', a!.id)
        .orderBy('id')
        .execute()
      expect(events.at(-1)).toMatchObject({ kind: 'cleared', note: 'rule disabled' })
      expect(events.at(-1)!.actor_id).not.toBeNull()
      const notes = await p.database.db
        .selectFrom('case_event')
        .select('comment')
        .where('case_id', '=', Number(a!.case_id))
        .where('action', '=', 'device_alarm')
        .execute()
      expect(notes.at(-1)!.comment).toContain('停用')
    })
  })

  describe('flapping and review', () => {
    let mh: number
    beforeAll(async () => {
      await rule({
        deviceType: 'manhole_tilt',
        name: '井盖倾斜',
        trigger: 'flag',
        alarmKind: 'tilt',
        severity: 'major',
        action: 'case',
        categoryId: await categoryId('SB-04'),
        dedupeMinutes: 1,
      })
      await p.database.db
        .updateTable('device_type')
        .set({ flap_alarms: 3, flap_window_seconds: 3600 })
        .where('code', '=', 'manhole_tilt')
        .execute()
      mh = await addDevice(p.database.db, f, 'manhole_tilt', null, p.clock.now())
    })

    it('more than flap_alarms raises in the window mark the device faulty and hold its alarms', async () => {
      for (let i = 0; i < 3; i++) {
        p.clock.advance(2 * MIN)
        await send(mh, 'tilt', 'raised')
        p.clock.advance(MIN)
        await send(mh, 'tilt', 'cleared')
      }
      let list = await alarmsOf(mh)
      expect(list).toHaveLength(3)
      expect(list.every((a) => a.case_id !== null)).toBe(true)
      p.clock.advance(2 * MIN)
      await send(mh, 'tilt', 'raised')
      const d = await p.database.db
        .selectFrom('device')
        .select(['state', 'fault_reason'])
        .where('id', '=', mh)
        .executeTakeFirstOrThrow()
      expect(d.state).toBe('faulty')
      expect(d.fault_reason).toBe('flapping: 4 alarms in 60 min')
      list = await alarmsOf(mh)
      expect(list[3]).toMatchObject({ status: 'held', action: 'none', case_id: null })
      const staffTold = await p.database.db
        .selectFrom('notification as n')
        .innerJoin('app_user as u', 'u.id', 'n.user_id')
        .select('u.username')
        .where(sql<boolean>`n.params->>'alarmId' = ${String(list[3]!.id)} and n.params->>'kind' = 'flapping'`)
        .execute()
      expect(staffTold.map((x) => x.username)).toContain('guihua.staff')
    })

    it('review: a grid worker may not; staff release (the case is filed now) or dismiss', async () => {
      const held = (await alarmsOf(mh))[3]!
      const byGrid = await call(p.app, 'POST', `/api/v1/device-alarms/${held.id}/review`, {
        token: t['guihua.grid'],
        body: { decision: 'release', note: '核实' },
      })
      expect(byGrid.status).toBe(403)
      const ack = await call(p.app, 'POST', `/api/v1/device-alarms/${held.id}/acknowledge`, {
        token: t['guihua.staff'],
        body: {},
      })
      expect(ack.status).toBe(409)
      const released = await call(p.app, 'POST', `/api/v1/device-alarms/${held.id}/review`, {
        token: t['guihua.staff'],
        body: { decision: 'release', note: '现场确认井盖确实倾斜' },
      })
      expect(released.status).toBe(200)
      expect(released.body).toMatchObject({ status: 'open', action: 'case' })
      expect(released.body.case.id).toBeGreaterThan(0)
      expect(released.body.events.map((e: { kind: string }) => e.kind)).toEqual(['raised', 'held', 'released'])
      const again = await call(p.app, 'POST', `/api/v1/device-alarms/${held.id}/review`, {
        token: t['guihua.staff'],
        body: { decision: 'dismiss', note: '重复' },
      })
      expect(again.status).toBe(409)
      // The device is still faulty: its next alarm (after clearing) is held too, and dismissed.
      await send(mh, 'tilt', 'cleared')
      p.clock.advance(5 * MIN)
      await send(mh, 'tilt', 'raised')
      const next = (await alarmsOf(mh)).at(-1)!
      expect(next.status).toBe('held')
      const dismissed = await call(p.app, 'POST', `/api/v1/device-alarms/${next.id}/review`, {
        token: t['guihua.leader'],
        body: { decision: 'dismiss', note: '设备误报' },
      })
      expect(dismissed.status).toBe(200)
      expect(dismissed.body).toMatchObject({ status: 'dismissed', case: null })
    })

    it('clear by hand needs a reason and a keeper (or the owning department)', async () => {
      await p.database.db
        .updateTable('device')
        .set({ state: 'active', fault_reason: null })
        .where('id', '=', mh)
        .execute()
      p.clock.advance(2 * HOUR)
      await send(mh, 'tilt', 'raised')
      const live = (await alarmsOf(mh)).at(-1)!
      expect(live.status).toBe('open')
      expect(
        (await call(p.app, 'POST', `/api/v1/device-alarms/${live.id}/clear`, { token: t['guihua.staff'], body: {} }))
          .status,
      ).toBe(400)
      expect(
        (
          await call(p.app, 'POST', `/api/v1/device-alarms/${live.id}/clear`, {
            token: t['guihua.grid'],
            body: { note: '已复位' },
          })
        ).status,
      ).toBe(403)
      const ok = await call(p.app, 'POST', `/api/v1/device-alarms/${live.id}/clear`, {
        token: t['guihua.handler'],
        body: { note: '井盖已复位' },
      })
      expect(ok.status).toBe(200)
      expect(ok.body.status).toBe('cleared')
      expect(ok.body.events.at(-1)).toMatchObject({ kind: 'cleared', note: '井盖已复位' })
    })
  })

  describe('clearing by hand, twice at once', () => {
    it('two clears racing on one alarm: one succeeds, the other is 409; one event, one note', async () => {
      const mh2 = await addDevice(p.database.db, f, 'manhole_tilt', null, p.clock.now())
      p.clock.advance(MIN)
      await send(mh2, 'tilt', 'raised')
      const [a] = await alarmsOf(mh2)
      expect(a!.status).toBe('open')
      const clear = (user: string) =>
        call(p.app, 'POST', `/api/v1/device-alarms/${a!.id}/clear`, { token: t[user], body: { note: '已复位' } })
      let statuses: number[]
      if (backend === 'postgresql') {
        // Hold the alarm's row so that both requests read it live and then wait on it together.
        let both: Promise<{ status: number }[]> | null = null
        await p.database.db.transaction().execute(async (hold) => {
          await sql`select id from device_alarm where id = ${a!.id} for update`.execute(hold)
          both = Promise.all([clear('guihua.staff'), clear('guihua.handler')])
          for (let i = 0; i < 200; i++) {
            const { rows } = await sql<{ n: number }>`
              select count(*)::int as n from pg_stat_activity
              where wait_event_type = 'Lock' and query like '%update "device_alarm"%'`.execute(p.database.db)
            if (rows[0]!.n >= 2) break
            await new Promise((r) => setTimeout(r, 25))
          }
        })
        statuses = (await both!).map((r) => r.status)
      } else statuses = (await Promise.all([clear('guihua.staff'), clear('guihua.handler')])).map((r) => r.status)
      expect(statuses.sort()).toEqual([200, 409])
      const events = await p.database.db
        .selectFrom('device_alarm_event')
        .select('kind')
        .where('alarm_id', '=', a!.id)
        .where('kind', '=', 'cleared')
        .execute()
      expect(events).toHaveLength(1)
      const notes = await p.database.db
        .selectFrom('case_event')
        .select('comment')
        .where('case_id', '=', Number(a!.case_id))
        .where('comment', 'like', '%手动解除%')
        .execute()
      expect(notes).toHaveLength(1)
      // The device's own clear afterwards finds nothing live: nothing more is written.
      await send(mh2, 'tilt', 'cleared')
      expect(
        await p.database.db
          .selectFrom('device_alarm_event')
          .select('id')
          .where('alarm_id', '=', a!.id)
          .where('kind', '=', 'cleared')
          .execute(),
      ).toHaveLength(1)
    })
  })

  describe('the inbox', () => {
    it('lists live alarms newest first with filters and keyset pages', async () => {
      const all = await call(p.app, 'GET', `/api/v1/device-alarms?status=all&areaId=${f.g01}&pageSize=2`, {
        token: t['guihua.staff'],
      })
      expect(all.status).toBe(200)
      expect(all.body.items).toHaveLength(2)
      expect(all.body.items[0].id).toBeGreaterThan(all.body.items[1].id)
      const next = await call(
        p.app,
        'GET',
        `/api/v1/device-alarms?status=all&areaId=${f.g01}&pageSize=2&after=${all.body.nextAfter}`,
        {
          token: t['guihua.staff'],
        },
      )
      expect(next.body.items[0].id).toBeLessThan(all.body.items[1].id)
      const live = await call(p.app, 'GET', '/api/v1/device-alarms?severity=critical', { token: t['guihua.staff'] })
      expect(
        live.body.items.every(
          (i: { status: string; severity: string }) =>
            ['open', 'acknowledged', 'held'].includes(i.status) && i.severity === 'critical',
        ),
      ).toBe(true)
      const byCase = (await alarmsOf(Number(live.body.items[0].device.id)))[0]
      const forCase = await call(p.app, 'GET', `/api/v1/device-alarms?status=all&caseId=${byCase!.case_id}`, {
        token: t['guihua.staff'],
      })
      expect(forCase.body.items.every((i: { case: { id: number } }) => i.case.id === Number(byCase!.case_id))).toBe(
        true,
      )
      expect(forCase.body.items[0]).toMatchObject({
        building: { name: expect.any(String) },
        device: { type: 'smoke_detector' },
      })
    })
  })

  describe('rules', () => {
    it('refuses what cannot work, naming the field', async () => {
      const base = {
        deviceType: 'water_level',
        name: '坏规则',
        severity: 'major',
        action: 'case',
        categoryId: await categoryId('SB-03'),
      }
      const cases: [Record<string, unknown>, string, number][] = [
        [{ trigger: 'threshold', metric: 'tilt_deg', comparison: 'gt', threshold: 1 }, 'metric', 422],
        [{ trigger: 'flag', alarmKind: 'smoke' }, 'alarmKind', 422],
        [
          { trigger: 'threshold', metric: 'level_cm', comparison: 'gt', threshold: 50, clearThreshold: 60 },
          'clearThreshold',
          422,
        ],
        [{ trigger: 'flag', action: 'incident', severity: 'critical' }, 'incidentKind', 422],
        [{ trigger: 'flag', action: 'incident', incidentKind: 'flood' }, 'severity', 422],
        [{ trigger: 'flag', categoryId: undefined }, 'categoryId', 422],
        [{ trigger: 'flag', categoryId: await categoryId('SR-01') }, 'categoryId', 422],
        [{ trigger: 'flag', categoryId: 999999 }, 'categoryId', 404],
      ]
      for (const [extra, field, status] of cases) {
        const res = await call(p.app, 'POST', '/api/v1/device-rules', {
          token: t['guihua.admin'],
          body: { areaId: f.guihua, ...base, ...extra },
        })
        expect([res.status, res.body.error.field], JSON.stringify(extra)).toEqual([status, field])
      }
      const cityWide = await call(p.app, 'POST', '/api/v1/device-rules', {
        token: t['guihua.admin'],
        body: { ...base, trigger: 'flag' },
      })
      expect(cityWide.status).toBe(403)
      const byStaff = await call(p.app, 'POST', '/api/v1/device-rules', {
        token: t['guihua.staff'],
        body: { areaId: f.guihua, ...base, trigger: 'flag' },
      })
      expect(byStaff.status).toBe(403)
    })

    it('patch with the version; a stale version is 409; the rule list shows who may write', async () => {
      const r = await rule({
        deviceType: 'hydrant_pressure',
        name: '水压低',
        trigger: 'flag',
        alarmKind: 'low_pressure',
        severity: 'minor',
        action: 'case',
        categoryId: await categoryId('SB-06'),
      })
      const ok = await call(p.app, 'PATCH', `/api/v1/device-rules/${r.id}`, {
        token: t['guihua.admin'],
        body: { version: r.version, severity: 'major', enabled: false },
      })
      expect(ok.status).toBe(200)
      expect(ok.body).toMatchObject({ severity: 'major', enabled: false, version: r.version + 1 })
      const stale = await call(p.app, 'PATCH', `/api/v1/device-rules/${r.id}`, {
        token: t['guihua.admin'],
        body: { version: r.version, severity: 'minor' },
      })
      expect(stale.status).toBe(409)
      const bad = await call(p.app, 'PATCH', `/api/v1/device-rules/${r.id}`, {
        token: t['guihua.admin'],
        body: { version: r.version + 1, metric: 'pressure_mpa' },
      })
      expect([bad.status, bad.body.error.field]).toEqual([422, 'metric'])
      const list = await call(p.app, 'GET', `/api/v1/device-rules?deviceType=hydrant_pressure&areaId=${f.g01}`, {
        token: t['guihua.staff'],
      })
      const mine = list.body.items.find((x: { id: number }) => x.id === r.id)
      expect(mine).toMatchObject({ writable: false, area: { id: f.guihua } })
      const asAdmin = await call(p.app, 'GET', '/api/v1/device-rules?deviceType=hydrant_pressure', {
        token: t['guihua.admin'],
      })
      expect(asAdmin.body.items.find((x: { id: number }) => x.id === r.id).writable).toBe(true)
      expect(
        asAdmin.body.items
          .filter((x: { area: null }) => x.area === null)
          .every((x: { writable: boolean }) => !x.writable),
      ).toBe(true)
    })

    it('type settings: read by staff, changed by a root admin with the version', async () => {
      const types = await call(p.app, 'GET', '/api/v1/device-types', { token: t['guihua.grid'] })
      expect(types.status).toBe(200)
      const smoke = types.body.items.find((x: { code: string }) => x.code === 'smoke_detector')
      expect(smoke.alarms).toContain('smoke')
      expect(smoke.maintenanceCategory.code).toBe('SB-08')
      expect(
        (
          await call(p.app, 'PATCH', '/api/v1/device-types/smoke_detector', {
            token: t['guihua.admin'],
            body: { version: smoke.version, heartbeatSeconds: 600 },
          })
        ).status,
      ).toBe(403)
      const bad = await call(p.app, 'PATCH', '/api/v1/device-types/smoke_detector', {
        token: t.admin,
        body: { version: smoke.version, heartbeatSeconds: 90000 },
      })
      expect([bad.status, bad.body.error.field]).toEqual([400, 'heartbeatSeconds'])
      const ok = await call(p.app, 'PATCH', '/api/v1/device-types/smoke_detector', {
        token: t.admin,
        body: { version: smoke.version, heartbeatSeconds: 1800 },
      })
      expect(ok.body).toMatchObject({ heartbeatSeconds: 1800, version: smoke.version + 1 })
      expect(
        (await call(p.app, 'PATCH', '/api/v1/device-types/nothing_here', { token: t.admin, body: { version: 1 } }))
          .status,
      ).toBe(404)
    })
  })

  describe('heartbeats', () => {
    it('a silent device goes offline, then gets one maintenance case, once', async () => {
      const gas = await addDevice(p.database.db, f, 'gas_detector', f.occupied, p.clock.now())
      const cipher = cipherFor(p.config)
      const state = () =>
        p.database.db
          .selectFrom('device')
          .select(['state', 'offline_since', 'maintenance_case_id'])
          .where('id', '=', gas)
          .executeTakeFirstOrThrow()
      p.clock.advance(3600 * 1000 + 5 * MIN) // past the hour, within the grace
      await sweepDevices(p.database.db, p.clock.now(), cipher)
      expect((await state()).state).toBe('active')
      p.clock.advance(5 * MIN)
      const first = await sweepDevices(p.database.db, p.clock.now(), cipher)
      expect(first.offline).toBeGreaterThanOrEqual(1)
      expect(await state()).toMatchObject({ state: 'offline', maintenance_case_id: null })
      const again = await sweepDevices(p.database.db, p.clock.now(), cipher)
      expect((await state()).offline_since).toEqual((await state()).offline_since)
      expect(again.maintenance).toBe(0)
      p.clock.advance(86_400_000 + MIN)
      await sweepDevices(p.database.db, p.clock.now(), cipher)
      const s = await state()
      expect(s.maintenance_case_id).not.toBeNull()
      const c = await p.database.db
        .selectFrom('cases as c')
        .innerJoin('case_category as k', 'k.id', 'c.category_id')
        .select(['k.code', 'c.channel', 'c.description', 'c.state', 'c.department_id'])
        .where('c.id', '=', s.maintenance_case_id!)
        .executeTakeFirstOrThrow()
      expect(c).toMatchObject({ code: 'SB-08', channel: 'device', state: 'dispatched', department_id: f.dept })
      expect(c.description).toContain('桂花社区第01网格')
      expect(c.description).toContain('综合行政执法队')
      p.clock.advance(HOUR)
      await sweepDevices(p.database.db, p.clock.now(), cipher)
      expect((await state()).maintenance_case_id).toBe(s.maintenance_case_id)
      // Closed while the device is still offline: no second case for the same offline period.
      await p.database.db
        .updateTable('cases')
        .set({ state: 'closed' })
        .where('id', '=', s.maintenance_case_id!)
        .execute()
      p.clock.advance(HOUR)
      expect((await sweepDevices(p.database.db, p.clock.now(), cipher)).failed).toEqual([])
      expect((await state()).maintenance_case_id).toBe(s.maintenance_case_id)
      // Back online, then silent again: a new offline period, past the limit a new case.
      await p.database.db
        .updateTable('device')
        .set({ state: 'active', offline_since: null, last_seen_at: p.clock.now() })
        .where('id', '=', gas)
        .execute()
      p.clock.advance(2 * HOUR)
      await sweepDevices(p.database.db, p.clock.now(), cipher)
      expect((await state()).state).toBe('offline')
      expect((await state()).maintenance_case_id).toBe(s.maintenance_case_id)
      p.clock.advance(86_400_000 + MIN)
      await sweepDevices(p.database.db, p.clock.now(), cipher)
      const renewed = (await state()).maintenance_case_id
      expect(renewed).not.toBeNull()
      expect(renewed).not.toBe(s.maintenance_case_id)
    })

    it('devices whose maintenance category cannot be used never starve the batch; a failure is logged, the rest filed', async () => {
      const cipher = cipherFor(p.config)
      const unusable = await categoryId('SR-01')
      const old = new Date(p.clock.now().getTime() - 30 * 86_400_000)
      await p.database.db
        .updateTable('device_type')
        .set({ maintenance_category_id: unusable })
        .where('code', '=', 'hydrant_pressure')
        .execute()
      // 101 hydrant sensors offline for a month, longer than anyone: the batch is 100.
      await sql`
        insert into device (code, type, name, area_id, district_id, location, state, offline_since, owner_department_id,
                            secret_hash, secret_rotated_at, created_at, updated_at)
        select 'T-HYD-' || ${tag()} || '-' || g, 'hydrant_pressure', '测试消防栓' || g, ${f.g01}, b.district_id, b.location,
               'offline', ${old}, ${f.dept}, ${hashDeviceSecret('x')}, ${old}, ${old}, ${old}
        from building b, generate_series(1, 101) g where b.id = ${f.occupied}`.execute(p.database.db)
      const later = new Date(old.getTime() + 86_400_000)
      const addOffline = async (name: string) => {
        const id = await addDevice(p.database.db, f, 'water_level', null, later)
        await p.database.db
          .updateTable('device')
          .set({ state: 'offline', offline_since: later, name })
          .where('id', '=', id)
          .execute()
        return id
      }
      const good = await addOffline('测试水位计')
      const broken = await addOffline('测试水位计故障注入')
      // A filing that fails (here a trigger refuses the case) is logged and does not hold up the others.
      await sql
        .raw(`create function test_refuse_case() returns trigger language plpgsql as $$
              begin
                if new.description like '%故障注入%' then raise exception 'refused by the test'; end if;
                return new;
              end $$`)
        .execute(p.database.db)
      await sql
        .raw('create trigger test_refuse_case before insert on cases for each row execute function test_refuse_case()')
        .execute(p.database.db)
      const warned: Record<string, unknown>[] = []
      try {
        const out = await sweepDevices(p.database.db, p.clock.now(), cipher, {
          warn: (obj) => void warned.push(obj),
        })
        expect(out.failed).toEqual([
          expect.objectContaining({ deviceId: broken, reason: expect.stringContaining('refused') }),
        ])
      } finally {
        await sql.raw('drop trigger test_refuse_case on cases').execute(p.database.db)
        await sql.raw('drop function test_refuse_case()').execute(p.database.db)
      }
      expect(warned).toEqual([expect.objectContaining({ deviceId: broken })])
      const cases = await p.database.db
        .selectFrom('device')
        .select(['id', 'maintenance_case_id'])
        .where('id', 'in', [good, broken])
        .orderBy('id')
        .execute()
      expect(cases[0]!.maintenance_case_id).not.toBeNull()
      expect(cases[1]!.maintenance_case_id).toBeNull()
      const hydrants = await p.database.db
        .selectFrom('device')
        .select(sql<number>`count(*)`.as('n'))
        .where('name', 'like', '测试消防栓%')
        .where('maintenance_case_id', 'is not', null)
        .executeTakeFirstOrThrow()
      expect(Number(hydrants.n)).toBe(0)
      // Tidy: the fixture's hydrants leave the risk figures of G01 alone.
      await p.database.db
        .updateTable('device')
        .set({ state: 'retired', offline_since: null })
        .where('name', 'like', '测试消防栓%')
        .execute()
    })
  })

  describe('the device clock', () => {
    let door: number
    beforeAll(async () => {
      await rule({
        deviceType: 'elevator_monitor',
        name: '电梯门故障',
        trigger: 'flag',
        alarmKind: 'door_fault',
        severity: 'major',
        action: 'case',
        categoryId: await categoryId('SB-05'),
        dedupeMinutes: 30,
      })
      await p.database.db
        .updateTable('device_type')
        .set({ flap_alarms: 3, flap_window_seconds: 3600 })
        .where('code', '=', 'elevator_monitor')
        .execute()
      door = await addDevice(p.database.db, f, 'elevator_monitor', null, p.clock.now())
    })

    it('windows count by the receiving time: a clock reset to 2000 neither reopens old alarms nor marks the device faulty', async () => {
      const y2k = new Date('2000-01-01T00:00:00Z')
      // Four raise/clear pairs two hours apart by the platform's clock, all stamped 2000 by the device.
      for (let i = 0; i < 4; i++) {
        p.clock.advance(2 * HOUR)
        await send(door, 'door_fault', 'raised', null, y2k)
        p.clock.advance(MIN)
        await send(door, 'door_fault', 'cleared', null, y2k)
      }
      const list = await alarmsOf(door)
      // Each raise came long after the last clear was received: four alarms, none reopened.
      expect(list.map((a) => [a.status, a.occurrences])).toEqual([
        ['cleared', 1],
        ['cleared', 1],
        ['cleared', 1],
        ['cleared', 1],
      ])
      const d = await p.database.db
        .selectFrom('device')
        .select(['state', 'fault_reason'])
        .where('id', '=', door)
        .executeTakeFirstOrThrow()
      expect(d).toEqual({ state: 'active', fault_reason: null })
      // The recorded times are the device's only within a week of now.
      const last = list.at(-1)!
      const weekAgo = p.clock.now().getTime() - 7 * 24 * HOUR
      expect(new Date(last.raised_at).getTime()).toBeGreaterThanOrEqual(weekAgo - 2 * MIN)
      expect(new Date(last.cleared_at!).getTime()).toBe(weekAgo)
    })

    it('a device clock running late still reopens within the window counted from receipt', async () => {
      p.clock.advance(2 * HOUR)
      const late = () => new Date(p.clock.now().getTime() - 3 * HOUR)
      await send(door, 'door_fault', 'raised', null, late())
      p.clock.advance(MIN)
      await send(door, 'door_fault', 'cleared', null, late())
      p.clock.advance(5 * MIN)
      await send(door, 'door_fault', 'raised', null, late())
      const last = (await alarmsOf(door)).at(-1)!
      expect(last).toMatchObject({ status: 'open', occurrences: 2 })
      await send(door, 'door_fault', 'cleared')
    })
  })

  describe('reopening an alarm whose case or incident is done', () => {
    it('a closed case: the reopened alarm files a new case, and the old one is told which', async () => {
      const door = await addDevice(p.database.db, f, 'elevator_monitor', null, p.clock.now())
      p.clock.advance(2 * HOUR)
      await send(door, 'door_fault', 'raised')
      const [first] = await alarmsOf(door)
      const oldCase = Number(first!.case_id)
      await p.database.db
        .updateTable('cases')
        .set({ state: 'closed', closed_at: p.clock.now() })
        .where('id', '=', oldCase)
        .execute()
      p.clock.advance(MIN)
      await send(door, 'door_fault', 'cleared')
      p.clock.advance(5 * MIN)
      await send(door, 'door_fault', 'raised')
      const list = await alarmsOf(door)
      expect(list).toHaveLength(1)
      expect(list[0]).toMatchObject({ status: 'open', occurrences: 2, action: 'case' })
      const newCase = Number(list[0]!.case_id)
      expect(newCase).not.toBe(oldCase)
      const c = await p.database.db
        .selectFrom('cases')
        .select(['state', 'tracking_code', 'channel'])
        .where('id', '=', newCase)
        .executeTakeFirstOrThrow()
      expect(c).toMatchObject({ state: 'dispatched', channel: 'device' })
      const notes = await p.database.db
        .selectFrom('case_event')
        .select('comment')
        .where('case_id', '=', oldCase)
        .where('action', '=', 'device_alarm')
        .execute()
      expect(notes.at(-1)!.comment).toContain(c.tracking_code)
      // An open case is kept: a clear and a reopen add a note, no third case.
      await send(door, 'door_fault', 'cleared')
      p.clock.advance(MIN)
      await send(door, 'door_fault', 'raised')
      expect(Number((await alarmsOf(door))[0]!.case_id)).toBe(newCase)
      await send(door, 'door_fault', 'cleared')
    })

    it('a closed incident: the reopened alarm declares a new one and keeps its open case', async () => {
      await rule({
        deviceType: 'gas_detector',
        name: '燃气泄漏',
        trigger: 'flag',
        alarmKind: 'gas_leak',
        severity: 'critical',
        action: 'incident',
        incidentKind: 'gas_leak',
        categoryId: await categoryId('SB-02'),
        dedupeMinutes: 30,
      })
      const gas = await addDevice(p.database.db, f, 'gas_detector', f.occupied, p.clock.now())
      await send(gas, 'gas_leak', 'raised')
      const [a] = await alarmsOf(gas)
      expect(a).toMatchObject({ action: 'incident' })
      const oldIncident = Number(a!.incident_id)
      await p.database.db
        .updateTable('incident')
        .set({ status: 'closed', closed_at: p.clock.now(), summary: '已处置' })
        .where('id', '=', oldIncident)
        .execute()
      p.clock.advance(MIN)
      await send(gas, 'gas_leak', 'cleared')
      p.clock.advance(MIN)
      await send(gas, 'gas_leak', 'raised')
      const [b] = await alarmsOf(gas)
      expect(b).toMatchObject({ status: 'open', occurrences: 2, action: 'incident', case_id: a!.case_id })
      expect(b!.incident_id).not.toBeNull()
      expect(Number(b!.incident_id)).not.toBe(oldIncident)
      const i = await p.database.db
        .selectFrom('incident')
        .select(['status', 'source_ref'])
        .where('id', '=', Number(b!.incident_id))
        .executeTakeFirstOrThrow()
      expect(i).toEqual({ status: 'active', source_ref: String(a!.id) })
      await send(gas, 'gas_leak', 'cleared')
    })
  })

  describe('what a department learns of the building', () => {
    it('its handlers see the residents only for live alarms or those cleared within 7 days, and only while it owns the device', async () => {
      const door = await addDevice(p.database.db, f, 'access_control', f.occupied, p.clock.now())
      const get = async (user: string, id: number) => {
        const res = await call(p.app, 'GET', `/api/v1/device-alarms/${id}`, { token: t[user] })
        expect(res.status).toBe(200)
        return {
          building: res.body.building?.name ?? null,
          residents: res.body.residents.length,
          knock: res.body.residentsByTag.elderly_alone,
        }
      }
      const inbox = async (user: string, id: number) => {
        const res = await call(p.app, 'GET', `/api/v1/device-alarms?status=all&deviceId=${door}`, { token: t[user] })
        return res.body.items.find((i: { id: number }) => i.id === id)?.building?.name ?? null
      }
      const seen = { building: '测试桂花苑1栋', residents: 3, knock: 2 }
      const hidden = { building: null, residents: 0, knock: 0 }
      await send(door, 'held_open', 'raised')
      const [a] = await alarmsOf(door)
      expect(await get('guihua.handler', Number(a!.id))).toEqual(seen)
      p.clock.advance(MIN)
      await send(door, 'held_open', 'cleared')
      expect(await get('guihua.handler', Number(a!.id))).toEqual(seen)
      // Cleared eight days ago: the department no longer learns who lives there; the grid's staff do.
      await p.database.db
        .updateTable('device_alarm')
        .set({ cleared_at: new Date(p.clock.now().getTime() - 8 * 24 * HOUR) })
        .where('id', '=', a!.id)
        .execute()
      expect(await get('guihua.handler', Number(a!.id))).toEqual(hidden)
      expect(await inbox('guihua.handler', Number(a!.id))).toBeNull()
      expect(await get('guihua.staff', Number(a!.id))).toEqual(seen)
      expect(await get('guihua.grid', Number(a!.id))).toEqual(seen)
      // A live alarm, but the device has since been handed to another department.
      p.clock.advance(HOUR)
      await send(door, 'held_open', 'raised')
      const live = (await alarmsOf(door)).at(-1)!
      expect(live.status).toBe('open')
      expect(await get('guihua.handler', Number(live.id))).toEqual(seen)
      expect(await inbox('guihua.handler', Number(live.id))).toBe('测试桂花苑1栋')
      const other = await p.database.db
        .selectFrom('department')
        .select('id')
        .where('id', '<>', f.dept)
        .orderBy('id')
        .executeTakeFirstOrThrow()
      await p.database.db.updateTable('device').set({ owner_department_id: other.id }).where('id', '=', door).execute()
      // The alarm itself goes with the device (404 now); the functions, callable by the handler with any
      // alarm id, answer nothing either.
      expect(
        (await call(p.app, 'GET', `/api/v1/device-alarms/${live.id}`, { token: t['guihua.handler'] })).status,
      ).toBe(404)
      const handler = await p.database.db
        .selectFrom('app_user')
        .select('id')
        .where('username', '=', 'guihua.handler')
        .executeTakeFirstOrThrow()
      const actor = (await actorForUser(p.database.db, handler.id))!
      const direct = await inScope(p.database.db, { actor, ip: 'test' }, async (tx) => ({
        residents: (
          await sql<{
            n: number
          }>`select count(*)::int as n from app_alarm_residents(${live.id}, ${p.clock.now()}, 200)`.execute(tx)
        ).rows[0]!.n,
        buildings: (
          await sql<{
            n: number
          }>`select count(*)::int as n from app_alarm_buildings(${[live.id]}::bigint[], ${p.clock.now()})`.execute(tx)
        ).rows[0]!.n,
      }))
      expect(direct).toEqual({ residents: 0, buildings: 0 })
      expect(await get('guihua.staff', Number(live.id))).toEqual(seen)
      await p.database.db.updateTable('device').set({ owner_department_id: f.dept }).where('id', '=', door).execute()
      await send(door, 'held_open', 'cleared')
    })
  })

  describe('community risk', () => {
    it('counts a building’s alarms, devices and the people to knock on, masked', async () => {
      const res = await call(p.app, 'GET', `/api/v1/device-risk/buildings/${f.occupied}`, { token: t['guihua.grid'] })
      expect(res.status).toBe(200)
      const live = await p.database.db
        .selectFrom('device_alarm')
        .select('id')
        .where('building_id', '=', f.occupied)
        .where('status', 'in', ['open', 'acknowledged', 'held'])
        .execute()
      expect(res.body.openAlarms).toBe(live.length)
      expect(res.body.occupants).toBe(4)
      expect(res.body.knockTotal).toBe(3)
      expect(res.body.knock).toMatchObject({ elderly_alone: 2, disabled: 1, elderly: 1, left_behind_child: 0 })
      expect(res.body.people.map((x: { name: string }) => x.name)).toEqual(['王**', '张**', '李**'])
      expect([...new Set(res.body.devices.map((d: { type: string }) => d.type))].sort()).toEqual([
        'access_control',
        'gas_detector',
        'smoke_detector',
      ])
      const offline = await p.database.db
        .selectFrom('device')
        .select('id')
        .where('building_id', '=', f.occupied)
        .where('state', '=', 'offline')
        .execute()
      expect(offline.length).toBeGreaterThanOrEqual(1) // the gas detector of the heartbeat test
      expect(res.body.offlineDevices).toBe(offline.length)
      expect(res.body.level).toBe('high')
      expect(
        (await call(p.app, 'GET', `/api/v1/device-risk/buildings/${f.occupied}`, { token: t['cuizhu.staff'] })).status,
      ).toBe(404)
      expect(
        (await call(p.app, 'GET', `/api/v1/device-risk/buildings/${f.occupied}`, { token: t['guihua.handler'] }))
          .status,
      ).toBe(403)
    })

    it('a building with more live alarms than the list shows counts them all', async () => {
      const now = p.clock.now()
      const { rows } = await sql<{ id: number }>`
        insert into building (area_id, district_id, code, name, kind, address, floors, location, created_at, updated_at)
        select b.area_id, b.district_id, ${`T-BIG-${tag()}`}, '测试大楼', 'residential', '桂花路大楼', 30, b.location, ${now}, ${now}
        from building b where b.id = ${f.occupied} returning id`.execute(p.database.db)
      const big = Number(rows[0]!.id)
      const prefix = `T-BIG-${tag()}`
      await sql`
        insert into device (code, type, name, area_id, district_id, location, building_id, state, owner_department_id,
                            secret_hash, secret_rotated_at, last_seen_at, created_at, updated_at)
        select ${prefix} || '-' || g, 'smoke_detector', '测试烟感' || g, b.area_id, b.district_id, b.location, b.id, 'active',
               ${f.dept}, ${hashDeviceSecret('x')}, ${now}, ${now}, ${now}, ${now}
        from building b, generate_series(1, 120) g where b.id = ${big}`.execute(p.database.db)
      await sql`
        insert into device_alarm (device_id, area_id, district_id, owner_department_id, building_id, kind, severity, status,
                                  action, message_id, raised_at, last_at)
        select d.id, d.area_id, d.district_id, d.owner_department_id, d.building_id, 'smoke',
               case when right(d.code, 1) = '0' then 'critical' else 'minor' end, 'open', 'warning', 'm-big', ${now}, ${now}
        from device d where d.building_id = ${big}`.execute(p.database.db)
      const res = await call(p.app, 'GET', `/api/v1/device-risk/buildings/${big}`, { token: t['guihua.staff'] })
      expect(res.status).toBe(200)
      expect(res.body.openAlarms).toBe(120)
      expect(res.body.criticalAlarms).toBe(12)
      expect(res.body.alarms).toHaveLength(100)
      expect(res.body.deviceCount).toBe(120)
      expect([res.body.occupants, res.body.knockTotal, res.body.people]).toEqual([0, 0, []])
      await p.database.db
        .updateTable('device_alarm')
        .set({ status: 'dismissed' })
        .where('building_id', '=', big)
        .execute()
      await p.database.db.updateTable('device').set({ state: 'retired' }).where('building_id', '=', big).execute()
    })

    it('per grid: the fixture adds exactly what it holds to G01', async () => {
      const before = await call(p.app, 'GET', `/api/v1/device-risk?areaId=${f.guihua}`, { token: t['guihua.staff'] })
      expect(before.status).toBe(200)
      const g = (b: typeof before) => b.body.grids.find((x: { area: { id: number } }) => x.area.id === f.g01)
      const g1 = g(before)
      const extra = await addDevice(p.database.db, f, 'smoke_detector', f.empty, p.clock.now())
      await p.database.db
        .updateTable('device')
        .set({ state: 'offline', offline_since: p.clock.now() })
        .where('id', '=', extra)
        .execute()
      await send(extra, 'smoke', 'raised')
      const after = await call(p.app, 'GET', `/api/v1/device-risk?areaId=${f.guihua}`, { token: t['guihua.staff'] })
      const g2 = g(after)
      expect(g2.openAlarms - g1.openAlarms).toBe(1)
      expect(g2.criticalAlarms - g1.criticalAlarms).toBe(1)
      expect(g2.deviceCount - g1.deviceCount).toBe(1)
      expect(g2.offlineDevices - g1.offlineDevices).toBe(1)
      expect(g2.alarms30d - g1.alarms30d).toBe(1)
      expect(g2.level).toBe('high')
      expect(after.body.grids[0].level).toBe('high')
      expect(after.body.totals.openAlarms).toBe(
        after.body.grids.reduce((s: number, x: { openAlarms: number }) => s + x.openAlarms, 0),
      )
      const people = await p.database.db
        .selectFrom('person')
        .select(sql<number>`count(*)`.as('n'))
        .where('area_id', '=', f.g01)
        .where('status', '=', 'active')
        .where(sql<boolean>`tags && array['elderly_alone','disabled','elderly','left_behind_child','key_care']`)
        .executeTakeFirstOrThrow()
      expect(g2.knockTotal).toBe(Number(people.n))
      // A grid worker sees only their grid; another community's staff only theirs.
      const grid = await call(p.app, 'GET', `/api/v1/device-risk?areaId=${f.guihua}`, { token: t['guihua.grid'] })
      expect(grid.body.grids.map((x: { area: { id: number } }) => x.area.id)).toEqual([f.g01])
      expect(
        (await call(p.app, 'GET', `/api/v1/device-risk?areaId=${f.guihua}`, { token: t['cuizhu.staff'] })).status,
      ).toBe(403)
      const own = await call(p.app, 'GET', '/api/v1/device-risk', { token: t['cuizhu.staff'] })
      expect(own.body.area.code).toBe('JZ-QH-02-01')
      expect(await areaId(p, 'JZ-QH-02-01')).toBe(own.body.area.id)
    })
  })
})
