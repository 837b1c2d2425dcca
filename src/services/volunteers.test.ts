import { sql } from 'kysely'
import { extractText } from 'unpdf'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  areaId,
  backends,
  call,
  DEMO_PASSWORD,
  openTestPlatform,
  tokenFor,
  type TestPlatform,
} from '../../test/support.js'
import { hoursBetween, issueToken, tokenValid } from './activities.js'

const MINUTE = 60_000
const HOUR = 60 * MINUTE

describe('check-in tokens and hours', () => {
  const secret = Buffer.alloc(32, 7)
  const now = new Date('2027-05-01T02:00:00Z')
  it('are valid for their activity until they expire, and not forged', () => {
    const { token, expiresAt } = issueToken(secret, 5, now)
    expect(tokenValid(secret, 5, token, now)).toBe(true)
    expect(expiresAt.getTime() - now.getTime()).toBeLessThanOrEqual(3 * MINUTE)
    expect(tokenValid(secret, 6, token, now)).toBe(false)
    expect(tokenValid(Buffer.alloc(32, 8), 5, token, now)).toBe(false)
    expect(tokenValid(secret, 5, token, new Date(expiresAt.getTime() + 1000))).toBe(false)
    const [exp, mac] = token.split('.')
    expect(tokenValid(secret, 5, `${Number(exp) + 600}.${mac}`, now)).toBe(false)
    expect(tokenValid(secret, 5, `${exp}.${mac!.slice(0, -1)}A`, now)).toBe(mac!.endsWith('A'))
  })
  it('count only the activity’s time, in quarter hours', () => {
    const a = { starts_at: new Date('2027-05-01T02:00:00Z'), ends_at: new Date('2027-05-01T04:00:00Z') }
    expect(hoursBetween(a, new Date('2027-05-01T01:40:00Z'), new Date('2027-05-01T03:50:00Z'))).toBe(1.75)
    expect(hoursBetween(a, new Date('2027-05-01T02:00:00Z'), new Date('2027-05-01T05:00:00Z'))).toBe(2)
    expect(hoursBetween(a, new Date('2027-05-01T02:07:00Z'), new Date('2027-05-01T02:30:00Z'))).toBe(0.5)
    expect(hoursBetween(a, new Date('2027-05-01T03:00:00Z'), new Date('2027-05-01T02:00:00Z'))).toBe(0)
  })
})

describe.each(backends())('volunteers, activities and the time bank on %s', (backend) => {
  let p: TestPlatform
  let guihua: number
  const t: Record<string, string> = {}
  const users: Record<string, number> = {}
  const people: Record<string, { id: number; name: string }> = {}
  let now = new Date('2027-05-03T01:00:00Z')
  const at = (ms: number) => new Date(now.getTime() + ms).toISOString()
  const setClock = (d: Date) => {
    now = d
    p.clock.set(d)
  }

  /** A resident account of 桂花 tied to a registry person of 桂花 (no care tags, not a volunteer yet). */
  async function verifiedResident(username: string, verify = true): Promise<void> {
    const res = await call(p.app, 'POST', '/api/v1/users', {
      token: t.admin,
      body: {
        username,
        displayName: username,
        password: DEMO_PASSWORD,
        grants: [{ role: 'resident', areaId: guihua }],
      },
    })
    expect(res.status, JSON.stringify(res.body)).toBe(201)
    users[username] = res.body.id
    t[username] = await tokenFor(p.app, username)
    if (!verify) return
    const { rows } = await sql<{ id: number; area_id: number; name: string }>`
      select pe.id, pe.area_id, pe.name from person pe join area a on a.id = pe.area_id
      join area c on c.code = 'JZ-QH-01-01' and a.path like c.path || '%'
      where pe.status = 'active' and pe.tags = '{}'
        and not exists (select 1 from resident_verification v where v.person_id = pe.id)
        and not exists (select 1 from volunteer v where v.person_id = pe.id)
      order by pe.id limit 1`.execute(p.database.db)
    const person = rows[0]!
    await p.database.db
      .insertInto('resident_verification')
      .values({
        user_id: res.body.id,
        person_id: person.id,
        area_id: person.area_id,
        method: 'in_person',
        verified_by: users.staff!,
        verified_at: now,
      })
      .execute()
    people[username] = { id: person.id, name: person.name }
  }

  async function register(who: string) {
    const r = await call(p.app, 'POST', '/api/v1/volunteers', {
      token: t[who],
      body: { skills: ['elderly_care'], availability: [{ weekday: 6, from: '09:00', to: '12:00' }] },
    })
    expect(r.status, JSON.stringify(r.body)).toBe(201)
    return r.body.id as number
  }

  async function publishedActivity(startsIn: number, hours: number, capacity = 10, title = '桂花社区敬老院陪伴') {
    const r = await call(p.app, 'POST', '/api/v1/activities', {
      token: t.staff,
      body: {
        areaId: guihua,
        kind: 'elderly_care',
        title,
        description: '陪老人聊天、读报。',
        place: '桂花社区养老服务站',
        startsAt: at(startsIn),
        endsAt: at(startsIn + hours * HOUR),
        capacity,
      },
    })
    expect(r.status, JSON.stringify(r.body)).toBe(201)
    expect(r.body.status).toBe('draft')
    const pub = await call(p.app, 'POST', `/api/v1/activities/${r.body.id}/actions`, {
      token: t.staff,
      body: { action: 'publish' },
    })
    expect(pub.status, JSON.stringify(pub.body)).toBe(200)
    return r.body.id as number
  }

  const token = async (activity: number) => {
    const r = await call(p.app, 'GET', `/api/v1/activities/${activity}/checkin-token`, { token: t.staff })
    expect(r.status, JSON.stringify(r.body)).toBe(200)
    return r.body.token as string
  }
  const scan = (who: string, activity: number, tok: string) =>
    call(p.app, 'POST', `/api/v1/activities/${activity}/checkin`, { token: t[who], body: { token: tok } })
  const balance = async (volunteer: number) =>
    await p.database.db
      .selectFrom('volunteer')
      .select(['balance', 'hours_total'])
      .where('id', '=', volunteer)
      .executeTakeFirstOrThrow()
  const notices = async (user: string, event: string) =>
    (
      await p.database.db
        .selectFrom('notification')
        .select('params')
        .where('user_id', '=', users[user]!)
        .where('kind', '=', 'activity_update')
        .execute()
    ).filter((n) => (n.params as { event: string }).event === event)

  const vol: Record<string, number> = {}

  beforeAll(async () => {
    p = await openTestPlatform(backend, now.toISOString())
    guihua = await areaId(p, 'JZ-QH-01-01')
    for (const u of ['admin', 'staff', 'leader', 'resident', 'grid']) t[u] = await tokenFor(p.app, `guihua.${u}`)
    t.cuizhuStaff = await tokenFor(p.app, 'cuizhu.staff')
    const staff = await p.database.db
      .selectFrom('app_user')
      .select('id')
      .where('username', '=', 'guihua.staff')
      .executeTakeFirstOrThrow()
    users.staff = staff.id
    for (let i = 1; i <= 5; i++) await verifiedResident(`gh.v${i}`)
    await verifiedResident('gh.unverified', false)
    for (let i = 1; i <= 5; i++) vol[`gh.v${i}`] = await register(`gh.v${i}`)
  })
  afterAll(async () => {
    await p?.close()
  })

  it('registers a verified resident once, refuses the unverified, and lets staff register a person', async () => {
    const again = await call(p.app, 'POST', '/api/v1/volunteers', { token: t['gh.v1'], body: { skills: ['it'] } })
    expect(again.status).toBe(409)
    expect(again.body.error.code).toBe('VOLUNTEER_ALREADY_REGISTERED')
    const unverified = await call(p.app, 'POST', '/api/v1/volunteers', { token: t['gh.unverified'], body: {} })
    expect(unverified.status).toBe(403)
    expect(unverified.body.error.code).toBe('VERIFICATION_REQUIRED')
    const me = await call(p.app, 'GET', '/api/v1/volunteers/me', { token: t['gh.v1'] })
    expect(me.body.volunteer.id).toBe(vol['gh.v1'])
    expect(me.body.volunteer.name).toBe(people['gh.v1']!.name)
    expect(me.body.volunteer.skills).toEqual(['elderly_care'])
    expect((await call(p.app, 'GET', '/api/v1/volunteers/me', { token: t['gh.unverified'] })).body.volunteer).toBeNull()

    const { rows } = await sql<{ id: number; name: string }>`
      select pe.id, pe.name from person pe join area a on a.id = pe.area_id join area c on c.code = 'JZ-QH-01-01'
      and a.path like c.path || '%' where pe.status = 'active'
      and not exists (select 1 from volunteer v where v.person_id = pe.id)
      and not exists (select 1 from resident_verification r where r.person_id = pe.id) order by pe.id desc limit 1`.execute(
      p.database.db,
    )
    const byStaff = await call(p.app, 'POST', '/api/v1/volunteers', {
      token: t.staff,
      body: { personId: rows[0]!.id, skills: ['repair', 'driving'] },
    })
    expect(byStaff.status, JSON.stringify(byStaff.body)).toBe(201)
    expect(byStaff.body).toMatchObject({ name: rows[0]!.name, hasAccount: false, skills: ['repair', 'driving'] })
    const twice = await call(p.app, 'POST', '/api/v1/volunteers', { token: t.staff, body: { personId: rows[0]!.id } })
    expect(twice.body.error.code).toBe('VOLUNTEER_ALREADY_REGISTERED')
    // Residents may not register others; a foreign area's staff neither read nor register ours.
    const byResident = await call(p.app, 'POST', '/api/v1/volunteers', {
      token: t['gh.v2'],
      body: { personId: rows[0]!.id },
    })
    expect([403, 404]).toContain(byResident.status)
    expect((await call(p.app, 'GET', `/api/v1/volunteers/${vol['gh.v1']}`, { token: t.cuizhuStaff })).status).toBe(404)
    expect((await call(p.app, 'GET', `/api/v1/volunteers/${vol['gh.v1']}`, { token: t['gh.v2'] })).status).toBe(404)

    const list = await call(p.app, 'GET', '/api/v1/volunteers?skill=repair', { token: t.staff })
    expect(list.status).toBe(200)
    expect(list.body.items.map((v: { id: number }) => v.id)).toContain(byStaff.body.id)
    expect(list.body.items.every((v: { skills: string[] }) => v.skills.includes('repair'))).toBe(true)
    const byName = await call(p.app, 'GET', `/api/v1/volunteers?q=${encodeURIComponent(people['gh.v3']!.name)}`, {
      token: t.staff,
    })
    expect(byName.body.items.map((v: { id: number }) => v.id)).toContain(vol['gh.v3'])
    expect((await call(p.app, 'GET', '/api/v1/volunteers', { token: t['gh.v1'] })).status).toBe(403)

    const upd = await call(p.app, 'PUT', `/api/v1/volunteers/${vol['gh.v1']}`, {
      token: t['gh.v1'],
      body: { availability: [{ weekday: 2, from: '18:00', to: '17:00' }] },
    })
    expect(upd.status).toBe(400)
    expect(upd.body.error.field).toBe('availability.0.to')
  })

  it('fills an activity to its capacity, also under concurrent sign-ups, and frees a cancelled place', async () => {
    const activity = await publishedActivity(2 * 24 * HOUR, 2, 2, '周末清扫桂花河')
    const draft = await call(p.app, 'POST', '/api/v1/activities', {
      token: t.staff,
      body: {
        areaId: guihua,
        kind: 'culture',
        title: '草稿活动',
        description: '未发布',
        place: '活动室',
        startsAt: at(HOUR),
        endsAt: at(2 * HOUR),
        capacity: 5,
      },
    })
    expect((await call(p.app, 'GET', `/api/v1/activities/${draft.body.id}`, { token: t['gh.v1'] })).status).toBe(404)
    expect(
      (await call(p.app, 'POST', `/api/v1/activities/${draft.body.id}/signups`, { token: t['gh.v1'] })).status,
    ).toBe(404)

    const results = await Promise.all(
      ['gh.v1', 'gh.v2', 'gh.v3', 'gh.v4'].map((u) =>
        call(p.app, 'POST', `/api/v1/activities/${activity}/signups`, { token: t[u] }),
      ),
    )
    expect(results.filter((r) => r.status === 200)).toHaveLength(2)
    const refused = results.filter((r) => r.status !== 200)
    expect(refused.map((r) => r.body.error.code)).toEqual(['ACTIVITY_FULL', 'ACTIVITY_FULL'])
    const row = await p.database.db
      .selectFrom('volunteer_activity')
      .select('signed_up')
      .where('id', '=', activity)
      .executeTakeFirstOrThrow()
    expect(row.signed_up).toBe(2)
    const { n } = await p.database.db
      .selectFrom('activity_signup')
      .select(sql<number>`count(*)::int`.as('n'))
      .where('activity_id', '=', activity)
      .where('status', '=', 'signed_up')
      .executeTakeFirstOrThrow()
    expect(n).toBe(2)

    const inIdx = results.findIndex((r) => r.status === 200)
    const outIdx = results.findIndex((r) => r.status !== 200)
    const inUser = ['gh.v1', 'gh.v2', 'gh.v3', 'gh.v4'][inIdx]!
    const outUser = ['gh.v1', 'gh.v2', 'gh.v3', 'gh.v4'][outIdx]!
    const cancel = await call(p.app, 'POST', `/api/v1/activities/${activity}/signups/cancel`, { token: t[inUser] })
    expect(cancel.status).toBe(200)
    expect(cancel.body.mySignup.status).toBe('cancelled')
    expect(cancel.body.signedUp).toBe(1)
    const now2 = await call(p.app, 'POST', `/api/v1/activities/${activity}/signups`, { token: t[outUser] })
    expect(now2.status).toBe(200)
    expect(now2.body.mySignup.status).toBe('signed_up')
    expect(now2.body.signedUp).toBe(2)
    const again = await call(p.app, 'POST', `/api/v1/activities/${activity}/signups/cancel`, { token: t[inUser] })
    expect(again.body.error.code).toBe('ACTIVITY_NOT_SIGNED_UP')
  })

  it('checks in and out by QR inside the window only, with genuine fresh tokens, and credits the hours once', async () => {
    const start = new Date('2027-05-04T01:00:00Z')
    const activity = await publishedActivity(start.getTime() - now.getTime(), 2, 10, '社区义诊志愿服务')
    const other = await publishedActivity(start.getTime() - now.getTime(), 2, 10, '另一项活动')
    expect((await call(p.app, 'POST', `/api/v1/activities/${activity}/signups`, { token: t['gh.v5'] })).status).toBe(
      200,
    )

    // An hour before the start: the window is closed (it opens 30 minutes before).
    setClock(new Date(start.getTime() - HOUR))
    const early = await scan('gh.v5', activity, await token(activity))
    expect(early.status).toBe(422)
    expect(early.body.error.code).toBe('CHECKIN_WINDOW_CLOSED')

    setClock(new Date(start.getTime() - 20 * MINUTE))
    const tok = await token(activity)
    const forged = await scan('gh.v5', activity, `${tok.split('.')[0]}.${'A'.repeat(43)}`)
    expect(forged.body.error.code).toBe('CHECKIN_TOKEN_INVALID')
    expect((await scan('gh.v5', activity, await token(other))).body.error.code).toBe('CHECKIN_TOKEN_INVALID')
    expect((await scan('gh.v1', activity, tok)).body.error.code).toBe('ACTIVITY_NOT_SIGNED_UP')
    setClock(new Date(now.getTime() + 4 * MINUTE))
    const expired = await scan('gh.v5', activity, tok)
    expect(expired.status).toBe(422)
    expect(expired.body.error.code).toBe('CHECKIN_TOKEN_INVALID')

    const shown = await token(activity)
    const first = await scan('gh.v5', activity, shown)
    expect(first.status, JSON.stringify(first.body)).toBe(200)
    expect(first.body.result).toBe('checked_in')
    // The same code again a minute later (the check-in page reloaded) does not check out.
    setClock(new Date(now.getTime() + MINUTE))
    const again = await scan('gh.v5', activity, shown)
    expect(again.body).toMatchObject({ result: 'already_checked_in', hours: null, credited: false })
    expect(
      await p.database.db
        .selectFrom('activity_signup')
        .select('status')
        .where('activity_id', '=', activity)
        .where('volunteer_id', '=', vol['gh.v5']!)
        .executeTakeFirstOrThrow(),
    ).toEqual({ status: 'checked_in' })
    // A fresh code, but before the start (arrived early, scanned twice): still checked in.
    setClock(new Date(now.getTime() + 2 * MINUTE))
    const early2 = await scan('gh.v5', activity, await token(activity))
    expect(early2.body).toMatchObject({ result: 'already_checked_in', credited: false })
    // Out at 1h50m past the start: 110 minutes from the start → 1.75 hours.
    setClock(new Date(start.getTime() + 110 * MINUTE))
    const out = await scan('gh.v5', activity, await token(activity))
    expect(out.body).toMatchObject({ result: 'checked_out', hours: 1.75, credited: true })
    const third = await scan('gh.v5', activity, await token(activity))
    expect(third.body).toMatchObject({ result: 'already_checked_out', hours: 1.75 })
    const entries = await p.database.db
      .selectFrom('time_bank_entry')
      .selectAll()
      .where('volunteer_id', '=', vol['gh.v5']!)
      .where('activity_id', '=', activity)
      .execute()
    expect(entries).toHaveLength(1)
    expect(Number(entries[0]!.hours)).toBe(1.75)
    expect(await balance(vol['gh.v5']!)).toEqual({ balance: 1.75, hours_total: 1.75 })
    expect(await notices('gh.v5', 'credited')).toHaveLength(1)

    // The time bank shows the entry with its activity.
    const hours = await call(p.app, 'GET', `/api/v1/volunteers/${vol['gh.v5']}/hours`, { token: t['gh.v5'] })
    expect(hours.body).toMatchObject({ balance: 1.75, hoursTotal: 1.75, total: 1 })
    expect(hours.body.items[0]).toMatchObject({ kind: 'earned', hours: 1.75, activityTitle: '社区义诊志愿服务' })

    // Long after the end the window is closed again.
    setClock(new Date(start.getTime() + 4 * HOUR))
    expect((await scan('gh.v5', other, await token(other))).body.error.code).toBe('CHECKIN_WINDOW_CLOSED')
  })

  it('lets staff check in and out, refusing hours over the activity’s length', async () => {
    const activity = await publishedActivity(HOUR, 3, 10, '垃圾分类宣传')
    for (const u of ['gh.v1', 'gh.v2'])
      expect((await call(p.app, 'POST', `/api/v1/activities/${activity}/signups`, { token: t[u] })).status).toBe(200)
    setClock(new Date(now.getTime() + HOUR))
    const v1 = vol['gh.v1']!
    const before = await balance(v1)
    const checkin = await call(p.app, 'POST', `/api/v1/activities/${activity}/signups/${v1}/checkin`, {
      token: t.staff,
    })
    expect(checkin.body).toMatchObject({ status: 'checked_in', checkedInBy: 'staff' })
    expect(
      (await call(p.app, 'POST', `/api/v1/activities/${activity}/signups/${v1}/checkin`, { token: t['gh.v2'] })).status,
    ).toBe(403)
    // A check-out that credited nothing (no hours given) is undone by checking in again.
    const none = await call(p.app, 'POST', `/api/v1/activities/${activity}/signups/${v1}/checkout`, {
      token: t.staff,
      body: { hours: 0 },
    })
    expect(none.body).toMatchObject({ status: 'checked_out', credited: false })
    const back = await call(p.app, 'POST', `/api/v1/activities/${activity}/signups/${v1}/checkin`, { token: t.staff })
    expect(back.body).toMatchObject({ status: 'checked_in' })
    const over = await call(p.app, 'POST', `/api/v1/activities/${activity}/signups/${v1}/checkout`, {
      token: t.staff,
      body: { hours: 3.25 },
    })
    expect(over.status).toBe(422)
    expect(over.body.error).toMatchObject({ code: 'HOURS_EXCEED_ACTIVITY', field: 'hours' })
    expect(await balance(v1)).toEqual(before)
    const ok = await call(p.app, 'POST', `/api/v1/activities/${activity}/signups/${v1}/checkout`, {
      token: t.staff,
      body: { hours: 3 },
    })
    expect(ok.body).toMatchObject({ status: 'checked_out', hours: 3, credited: true })
    expect((await balance(v1)).balance).toBe(before.balance + 3)
    const twice = await call(p.app, 'POST', `/api/v1/activities/${activity}/signups/${v1}/checkout`, {
      token: t.staff,
      body: { hours: 1 },
    })
    expect(twice.status).toBe(409)
    expect((await balance(v1)).balance).toBe(before.balance + 3)

    // Finishing: gh.v2 never came and is absent; the sign-up list says so.
    const fin = await call(p.app, 'POST', `/api/v1/activities/${activity}/actions`, {
      token: t.staff,
      body: { action: 'finish' },
    })
    expect(fin.body.status).toBe('finished')
    const list = await call(p.app, 'GET', `/api/v1/activities/${activity}/signups`, { token: t.staff })
    expect(list.body.items.find((s: { volunteerId: number }) => s.volunteerId === vol['gh.v2']).status).toBe('absent')
    expect(list.body.items.find((s: { volunteerId: number }) => s.volunteerId === v1).name).toBe(people['gh.v1']!.name)
  })

  it('adjusts hours with a note, audited, never below zero', async () => {
    const v = vol['gh.v3']!
    const add = await call(p.app, 'POST', `/api/v1/volunteers/${v}/adjustments`, {
      token: t.staff,
      body: { hours: 2.5, note: '补记三月份助老服务' },
    })
    expect(add.status, JSON.stringify(add.body)).toBe(201)
    expect(await balance(v)).toEqual({ balance: 2.5, hours_total: 0 })
    const over = await call(p.app, 'POST', `/api/v1/volunteers/${v}/adjustments`, {
      token: t.staff,
      body: { hours: -3, note: '误记' },
    })
    expect(over.status).toBe(422)
    expect(over.body.error.code).toBe('TIME_BANK_INSUFFICIENT')
    expect(await balance(v)).toEqual({ balance: 2.5, hours_total: 0 })
    const take = await call(p.app, 'POST', `/api/v1/volunteers/${v}/adjustments`, {
      token: t.staff,
      body: { hours: -2.5, note: '更正' },
    })
    expect(take.status).toBe(201)
    expect((await balance(v)).balance).toBe(0)
    const zero = await call(p.app, 'POST', `/api/v1/volunteers/${v}/adjustments`, {
      token: t.staff,
      body: { hours: 0, note: 'x' },
    })
    expect(zero.status).toBe(400)
    expect(
      (
        await call(p.app, 'POST', `/api/v1/volunteers/${v}/adjustments`, {
          token: t['gh.v3'],
          body: { hours: 5, note: 'x' },
        })
      ).status,
    ).toBe(403)
    expect(
      (
        await call(p.app, 'POST', `/api/v1/volunteers/${v}/adjustments`, {
          token: t.grid,
          body: { hours: 5, note: 'x' },
        })
      ).status,
    ).toBe(403)
    const audit = await p.database.db
      .selectFrom('audit_log')
      .select('detail')
      .where('action', '=', 'volunteer.hours.adjust')
      .where('entity_id', '=', String(v))
      .execute()
    expect(audit).toHaveLength(2)
    // The database refuses an overdraft even when a use case would not check.
    await expect(
      p.database.db
        .insertInto('time_bank_entry')
        .values({ volunteer_id: v, area_id: guihua, kind: 'adjusted', hours: -1, created_at: now })
        .execute(),
    ).rejects.toThrow()
  })

  it('names the service hours were spent on to whoever may read the application, and keeps the note of a payment out', async () => {
    const v = vol['gh.v4']!
    const app = await p.database.db
      .selectFrom('service_application as a')
      .innerJoin('service as s', 's.id', 'a.service_id')
      .select(['a.id', 's.name'])
      .where('a.area_id', 'in', (eb) =>
        eb
          .selectFrom('area as g')
          .innerJoin('area as c', (j) => j.on(sql<boolean>`g.path like c.path || '%'`))
          .select('g.id')
          .where('c.code', '=', 'JZ-QH-01-01'),
      )
      .orderBy('a.id')
      .executeTakeFirst()
    if (!app) throw new Error('the demo city has no service application in 桂花 (src/services/catalogue-demo.ts)')
    const add = await call(p.app, 'POST', `/api/v1/volunteers/${v}/adjustments`, {
      token: t.staff,
      body: { hours: 2, note: '补记' },
    })
    expect(add.status, JSON.stringify(add.body)).toBe(201)
    await p.database.db
      .insertInto('time_bank_entry')
      .values({
        volunteer_id: v,
        area_id: guihua,
        kind: 'spent',
        hours: -1.5,
        application_id: app.id,
        note: 'service delivered',
        created_at: now,
      })
      .execute()
    const entry = async (who: string) => {
      const r = await call(p.app, 'GET', `/api/v1/volunteers/${v}/hours`, { token: t[who] })
      expect(r.status, JSON.stringify(r.body)).toBe(200)
      expect(r.body.balance).toBe(0.5)
      return (r.body.items as { kind: string; serviceName: string | null; applicationId: number | null }[]).find(
        (e) => e.kind === 'spent',
      )
    }
    expect(await entry('staff')).toMatchObject({ applicationId: app.id, serviceName: app.name })
    // The volunteer did not apply for it: row-level security hides the application, and so its service.
    expect(await entry('gh.v4')).toMatchObject({ applicationId: app.id, serviceName: null })
  })

  it('issues a certificate PDF with the name, hours and activities', async () => {
    const res = await p.app.inject({
      method: 'GET',
      url: `/api/v1/volunteers/${vol['gh.v5']}/certificate`,
      headers: { authorization: `Bearer ${t['gh.v5']}` },
    })
    expect(res.statusCode).toBe(200)
    expect(res.headers['content-type']).toBe('application/pdf')
    const { text } = await extractText(new Uint8Array(res.rawPayload), { mergePages: true })
    const plain = text.replace(/\s+/g, '')
    expect(plain).toContain('志愿服务时长证明')
    expect(plain).toContain(people['gh.v5']!.name)
    expect(plain).toContain('1.75小时')
    expect(plain).toContain('社区义诊志愿服务')
    const other = await p.app.inject({
      method: 'GET',
      url: `/api/v1/volunteers/${vol['gh.v5']}/certificate`,
      headers: { authorization: `Bearer ${t['gh.v1']}` },
    })
    expect(other.statusCode).toBe(404)
  })

  it('tells signed-up volunteers when an activity changes or is cancelled', async () => {
    const activity = await publishedActivity(3 * 24 * HOUR, 2, 10, '重阳节敬老活动')
    expect((await call(p.app, 'POST', `/api/v1/activities/${activity}/signups`, { token: t['gh.v4'] })).status).toBe(
      200,
    )
    const changedBefore = (await notices('gh.v4', 'changed')).length
    const title = await call(p.app, 'PUT', `/api/v1/activities/${activity}`, {
      token: t.staff,
      body: { description: '新说明' },
    })
    expect(title.status).toBe(200)
    expect(await notices('gh.v4', 'changed')).toHaveLength(changedBefore)
    const moved = await call(p.app, 'PUT', `/api/v1/activities/${activity}`, {
      token: t.staff,
      body: { place: '桂花社区活动中心二楼' },
    })
    expect(moved.body.place).toBe('桂花社区活动中心二楼')
    expect(await notices('gh.v4', 'changed')).toHaveLength(changedBefore + 1)
    const tooSmall = await call(p.app, 'PUT', `/api/v1/activities/${activity}`, {
      token: t.staff,
      body: { capacity: 0 },
    })
    expect(tooSmall.status).toBe(400)
    const cancelled = await call(p.app, 'POST', `/api/v1/activities/${activity}/actions`, {
      token: t.staff,
      body: { action: 'cancel' },
    })
    expect(cancelled.body.status).toBe('cancelled')
    const n = await notices('gh.v4', 'cancelled')
    expect(n).toHaveLength(1)
    expect(n[0]!.params).toMatchObject({ title: '重阳节敬老活动', event: 'cancelled' })
    const again = await call(p.app, 'POST', `/api/v1/activities/${activity}/actions`, {
      token: t.staff,
      body: { action: 'publish' },
    })
    expect(again.body.error.code).toBe('ACTIVITY_ILLEGAL_TRANSITION')
    expect(
      (
        await call(p.app, 'POST', `/api/v1/activities/${activity}/actions`, {
          token: t['gh.v4'],
          body: { action: 'finish' },
        })
      ).status,
    ).toBe(403)
  })

  it('assigns a volunteer to visit a person with a care tag, shown to both', async () => {
    const { rows } = await sql<{ id: number; name: string; tags: string[] }>`
      select pe.id, pe.name, pe.tags from person pe join area a on a.id = pe.area_id join area c on c.code = 'JZ-QH-01-01'
      and a.path like c.path || '%' where pe.status = 'active' and pe.tags && array['elderly_alone', 'elderly']::text[]
      order by pe.id limit 1`.execute(p.database.db)
    const v = vol['gh.v2']!
    const res = await call(p.app, 'POST', `/api/v1/volunteers/${v}/assignments`, {
      token: t.grid,
      body: { kind: 'care_visit', personId: rows[0]!.id, startsOn: '2027-05-10', note: '每周二上午探访' },
    })
    // The grid worker holds the grid only: the volunteer of another grid is not theirs.
    expect([201, 403, 404]).toContain(res.status)
    const byStaff = await call(p.app, 'POST', `/api/v1/volunteers/${v}/assignments`, {
      token: t.staff,
      body: {
        kind: 'care_visit',
        personId: rows[0]!.id,
        startsOn: '2027-05-10',
        endsOn: '2027-08-31',
        note: '每周二上午探访',
      },
    })
    expect(byStaff.status, JSON.stringify(byStaff.body)).toBe(201)
    expect(byStaff.body).toMatchObject({ personName: rows[0]!.name, endsOn: '2027-08-31' })
    const noCare = await call(p.app, 'POST', `/api/v1/volunteers/${v}/assignments`, {
      token: t.staff,
      body: { kind: 'care_visit', personId: people['gh.v1']!.id, startsOn: '2027-05-10' },
    })
    expect(noCare.status).toBe(400)
    expect(noCare.body.error.field).toBe('personId')
    const mine = await call(p.app, 'GET', `/api/v1/volunteers/${v}/assignments`, { token: t['gh.v2'] })
    expect(mine.body.items.map((a: { personName: string }) => a.personName)).toContain(rows[0]!.name)
    expect((await call(p.app, 'GET', `/api/v1/volunteers/${v}/assignments`, { token: t['gh.v1'] })).status).toBe(404)
  })
})
