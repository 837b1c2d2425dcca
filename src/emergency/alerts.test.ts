import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { backends, call, openTestPlatform, tokenFor, type TestPlatform } from '../../test/support.js'
import { cipherFor, sealPhone, type FieldCipher } from '../core/crypto.js'
import type { Db } from '../core/db.js'
import type { MessageTransport, OutgoingMessage } from '../notifications/transport.js'
import { LogTransport } from '../notifications/transport.js'
import { MAX_ATTEMPTS } from '../notifications/webhooks.js'
import { alertLinkToken, deliverDueAlerts, recipientOfToken } from './alerts.js'

const FAST = { ratePerSecond: 1_000_000, batch: 500 }

/** A transport that records what the logging transport would log (and can be told to fail). */
function recording(fail: (m: OutgoingMessage) => boolean = () => false) {
  const sent: OutgoingMessage[] = []
  const logged: Record<string, unknown>[] = []
  const log = new LogTransport((obj) => logged.push(obj))
  const transport: MessageTransport = {
    async send(m) {
      if (fail(m)) throw new Error('provider refused')
      await log.send(m)
      sent.push(m)
    },
  }
  return { transport, sent, logged }
}

/** An incident of 桂花 over `grids`, inserted with owner rights (the declare use case is another part's). */
async function incident(
  db: Db,
  o: { area: number; district: number; grids: number[]; commander: number; drill?: boolean; kind?: string },
  now: Date,
) {
  const { rows } = await sql<{ id: number }>`
    insert into incident (reference, area_id, district_id, kind, level, title, description, commander_id, drill, status,
                          check_tags, declared_by, declared_at, updated_at)
    values ('YJ-TEST-' || nextval('incident_seq'), ${o.area}, ${o.district}, ${o.kind ?? 'heatwave'}, 3,
            ${o.drill ? '防汛演练' : '高温橙色预警'}, '测试用的突发事件。', ${o.commander}, ${o.drill ?? false}, 'active',
            array['elderly_alone'], ${o.commander}, ${now}, ${now})
    returning id`.execute(db)
  const id = Number(rows[0]!.id)
  for (const g of o.grids) await sql`insert into incident_grid (incident_id, area_id) values (${id}, ${g})`.execute(db)
  return id
}

describe.each(backends())('emergency alerts on %s', (backend) => {
  let p: TestPlatform
  let db: Db
  let cipher: FieldCipher
  const t: Record<string, string> = {}
  const ids: Record<string, number> = {}
  const grid: Record<string, number> = {}
  let heat: number
  let drill: number
  let outsider: number
  let residentGrid: number

  const user = async (name: string) =>
    Number((await db.selectFrom('app_user').select('id').where('username', '=', name).executeTakeFirstOrThrow()).id)
  const area = async (code: string) =>
    Number((await db.selectFrom('area').select('id').where('code', '=', code).executeTakeFirstOrThrow()).id)
  /** Runs the worker until nothing is left (each run as the test's clock stands). */
  async function drain(transport: MessageTransport) {
    let total = 0
    for (let i = 0; i < 50; i++) {
      const r = await deliverDueAlerts(db, p.clock.now(), transport, cipher, FAST)
      total += r.sent
      if (r.sent === 0 && r.failed === 0) break
    }
    return total
  }
  const recipients = (alertId: number) =>
    sql<{ id: number; person_id: number; user_id: number | null; sms: boolean; status: string; area_id: number }>`
      select id, person_id, user_id, sms, status, area_id from incident_alert_recipient where alert_id = ${alertId}
      order by id`
      .execute(db)
      .then((r) => r.rows.map((x) => ({ ...x, id: Number(x.id), person_id: Number(x.person_id) })))

  beforeAll(async () => {
    p = await openTestPlatform(backend)
    db = p.database.db
    cipher = cipherFor(p.config)
    for (const u of ['guihua.staff', 'guihua.leader', 'guihua.grid', 'guihua.resident', 'cuizhu.leader', 'admin'])
      t[u] = await tokenFor(p.app, u)
    for (const u of ['guihua.leader', 'cuizhu.leader', 'guihua.resident']) ids[u] = await user(u)
    for (const g of ['G01', 'G02', 'G03']) grid[g] = await area(`JZ-QH-01-01-${g}`)
    const community = await area('JZ-QH-01-01')
    const district = await area('JZ-QH')
    // guihua.resident's registry grid: the incident covers it so they are alerted.
    const { rows } = await sql<{ area_id: number }>`select p.area_id from resident_verification v
      join person p on p.id = v.person_id where v.user_id = ${ids['guihua.resident']}`.execute(db)
    residentGrid = Number(rows[0]!.area_id)
    const grids = [...new Set([grid.G01!, grid.G02!, residentGrid])]
    const now = p.clock.now()
    heat = await incident(db, { area: community, district, grids, commander: ids['guihua.leader']! }, now)
    drill = await incident(
      db,
      { area: community, district, grids: [grid.G01!], commander: ids['guihua.leader']!, drill: true, kind: 'flood' },
      now,
    )
    // A commander appointed from another community: runs the incident, holds none of its grids.
    outsider = await incident(db, { area: community, district, grids, commander: ids['cuizhu.leader']! }, now)
    // The incidents part enrols a commander from elsewhere as a responder (so they read the incident).
    await sql`insert into incident_responder (incident_id, user_id, added_by, added_at)
      values (${outsider}, ${ids['cuizhu.leader']}, ${ids['guihua.leader']}, ${now})`.execute(db)
  })
  afterAll(async () => {
    await p?.close()
  })

  it('the demo: the heatwave warning delivered and partly acknowledged; the resident has it unacknowledged', async () => {
    const { rows } = await sql<{ id: number; incident_id: number }>`
      select a.id, a.incident_id from incident_alert a join incident i on i.id = a.incident_id
      where i.title = '高温橙色预警：桂花社区高温应急响应' and a.template = 'warning'`.execute(db)
    expect(rows).toHaveLength(1)
    const detail = await call(p.app, 'GET', `/api/v1/incidents/${rows[0]!.incident_id}/alerts/${rows[0]!.id}`, {
      token: t['guihua.leader'],
    })
    expect(detail.status).toBe(200)
    const { totals } = detail.body
    expect(totals.recipients).toBeGreaterThan(20)
    expect(totals.unreachable).toBeGreaterThan(0)
    expect(totals.acknowledged / totals.sent).toBeGreaterThan(0.45)
    expect(totals.acknowledged / totals.sent).toBeLessThan(0.75)
    expect(detail.body.grids).toHaveLength(3)
    // guihua.resident has the alerts of the incidents over their grid (G04: the drill's; the
    // heatwave's when it covers G04), unacknowledged; the verified neighbours of G01–G03 the heatwave's.
    const mine = await call(p.app, 'GET', '/api/v1/alerts/mine', { token: t['guihua.resident'] })
    const covers = await sql<{
      title: string
    }>`select i.title from incident i join incident_grid g on g.incident_id = i.id
      where g.area_id = ${residentGrid} and exists (select 1 from incident_alert a where a.incident_id = i.id)`.execute(
      db,
    )
    expect(mine.body.items.map((a: { title: string }) => a.title).sort()).toEqual(
      covers.rows.map((r) => r.title).sort(),
    )
    expect(mine.body.items.length).toBeGreaterThan(0)
    for (const a of mine.body.items) expect(a.acknowledgedAt).toBeNull()
    expect(mine.body.items.find((a: { drill: boolean }) => a.drill)?.noteZh).toMatch(/^演练/)
    const { rows: neighbour } = await sql<{ username: string }>`select u.username from incident_alert_recipient r
      join app_user u on u.id = r.user_id where r.alert_id = ${rows[0]!.id} order by u.username limit 1`.execute(db)
    const theirs = await call(p.app, 'GET', '/api/v1/alerts/mine', {
      token: await tokenFor(p.app, neighbour[0]!.username),
    })
    expect(theirs.body.items.map((a: { title: string }) => a.title)).toContain('高温橙色预警：桂花社区高温应急响应')
  })

  it('queues in the request, expands and sends in the worker, exactly once per resident', async () => {
    const res = await call(p.app, 'POST', `/api/v1/incidents/${heat}/alerts`, {
      token: t['guihua.staff'],
      body: { template: 'warning', noteZh: '社区纳凉点在活动中心。' },
      headers: { 'idempotency-key': 'alert-1' },
    })
    expect(res.status, JSON.stringify(res.body)).toBe(202)
    expect(res.body.status).toBe('queued')
    expect(res.body.drill).toBe(false)
    expect(res.body.totals.recipients).toBe(0)
    const alertId = res.body.id as number
    // Nothing expanded or sent inside the request; a retry with the key answers the same alert.
    expect(await recipients(alertId)).toHaveLength(0)
    const again = await call(p.app, 'POST', `/api/v1/incidents/${heat}/alerts`, {
      token: t['guihua.staff'],
      body: { template: 'warning', noteZh: '社区纳凉点在活动中心。' },
      headers: { 'idempotency-key': 'alert-1' },
    })
    expect(again.status).toBe(202)
    expect(again.body.id).toBe(alertId)
    const log = await sql<{ kind: string }>`select kind from incident_log where incident_id = ${heat}`.execute(db)
    expect(log.rows.map((r) => r.kind)).toContain('alert_queued')

    const { rows: people } = await sql<{ id: number; phone: boolean; user_id: number | null; area_id: number }>`
      select p.id, p.phone_enc is not null as phone, v.user_id, p.area_id from person p
      left join resident_verification v on v.person_id = p.id
      where p.area_id = any(${res.body.gridIds}::int[]) and p.status = 'active'`.execute(db)
    expect(people.length).toBeGreaterThan(10)
    const withPhone = people.filter((x) => x.phone).length
    const withAccount = people.filter((x) => x.user_id !== null).length
    const neither = people.filter((x) => !x.phone && x.user_id === null).length

    const rec = recording()
    const sent = await drain(rec.transport)
    // One SMS per resident with a phone, each with its own messageId; one inbox row per account.
    expect(rec.sent).toHaveLength(withPhone)
    const messageIds = rec.logged.map((l) => l.messageId)
    expect(new Set(messageIds).size).toBe(withPhone)
    expect(messageIds.every((m) => typeof m === 'string' && m.startsWith(`alert-${alertId}-`))).toBe(true)
    expect(rec.sent.every((m) => m.templateKey === 'incident.alert' && m.params.drill === '')).toBe(true)
    expect(rec.sent[0]!.params.note).toBe('社区纳凉点在活动中心。')
    expect(rec.sent[0]!.params.link).toMatch(/#\/emergency\/alerts\/link\/\d+\.[A-Za-z0-9_-]{22}$/)
    const rows = await recipients(alertId)
    expect(rows).toHaveLength(people.length)
    expect(new Set(rows.map((r) => r.person_id)).size).toBe(people.length)
    expect(rows.filter((r) => r.status === 'unreachable')).toHaveLength(neither)
    expect(rows.filter((r) => r.status === 'sent')).toHaveLength(people.length - neither)
    expect(sent).toBe(people.length - neither)
    const inbox = await sql<{ n: number; users: number }>`
      select count(*)::int as n, count(distinct user_id)::int as users from notification
      where kind = 'incident_alert' and (params->>'recipientId')::bigint in
        (select id from incident_alert_recipient where alert_id = ${alertId})`.execute(db)
    expect(inbox.rows[0]).toEqual({ n: withAccount, users: withAccount })

    // The alert is done, per grid, and a further run sends nothing.
    const detail = await call(p.app, 'GET', `/api/v1/incidents/${heat}/alerts/${alertId}`, { token: t['guihua.staff'] })
    expect(detail.status).toBe(200)
    expect(detail.body.status).toBe('done')
    expect(detail.body.totals).toMatchObject({ recipients: people.length, sent: people.length - neither, queued: 0 })
    expect(detail.body.grids.map((g: { gridId: number }) => g.gridId).sort()).toEqual([...res.body.gridIds].sort())
    for (const g of detail.body.grids)
      expect(g.recipients).toBe(people.filter((x) => Number(x.area_id) === g.gridId).length)
    expect(await drain(rec.transport)).toBe(0)
    expect(rec.sent).toHaveLength(withPhone)
    const done = await sql<{
      kind: string
    }>`select kind from incident_log where incident_id = ${heat} and kind = 'alert_done'`.execute(db)
    expect(done.rows).toHaveLength(1)

    const list = await call(p.app, 'GET', `/api/v1/incidents/${heat}/alerts`, { token: t['guihua.grid'] })
    expect(list.status).toBe(200)
    expect(list.body.items[0].id).toBe(alertId)
  })

  it('refuses a bad template, grids not of the incident, and grids the sender does not hold', async () => {
    const bad = await call(p.app, 'POST', `/api/v1/incidents/${heat}/alerts`, {
      token: t['guihua.staff'],
      body: { template: 'panic' },
    })
    expect(bad.status).toBe(400)
    expect(bad.body.error.field).toBe('template')
    const long = await call(p.app, 'POST', `/api/v1/incidents/${heat}/alerts`, {
      token: t['guihua.staff'],
      body: { template: 'warning', noteZh: '长'.repeat(201) },
    })
    expect(long.status).toBe(400)
    expect(long.body.error.field).toBe('noteZh')
    const g03 = await call(p.app, 'POST', `/api/v1/incidents/${drill}/alerts`, {
      token: t['guihua.staff'],
      body: { template: 'warning', gridIds: [grid.G03] },
    })
    expect(g03.status).toBe(422)
    expect(g03.body.error).toMatchObject({ code: 'INCIDENT_GRIDS_INVALID', field: 'gridIds' })
    // The commander from 翠竹 runs the incident but holds none of 桂花's grids.
    const outside = await call(p.app, 'POST', `/api/v1/incidents/${outsider}/alerts`, {
      token: t['cuizhu.leader'],
      body: { template: 'evacuate' },
    })
    expect(outside.status).toBe(403)
    expect(outside.body.error).toMatchObject({ code: 'FORBIDDEN', field: 'gridIds' })
    // A grid worker does not run incidents.
    const grid403 = await call(p.app, 'POST', `/api/v1/incidents/${heat}/alerts`, {
      token: t['guihua.grid'],
      body: { template: 'warning' },
    })
    expect(grid403.status).toBe(403)
    const n = await sql<{
      n: number
    }>`select count(*)::int as n from incident_alert where incident_id = ${outsider}`.execute(db)
    expect(n.rows[0]!.n).toBe(0)
  })

  it('paces: a run sends no more than the rate allows, and the pace holds across runs', async () => {
    const res = await call(p.app, 'POST', `/api/v1/incidents/${heat}/alerts`, {
      token: t['guihua.leader'],
      body: { template: 'shelter_in_place' },
    })
    expect(res.status).toBe(202)
    const rec = recording()
    // A full bucket (10) goes at once; while those are sent it refills at 10 a second, and a run
    // without maxRunMs sends what has refilled (under load, sending ten takes a while).
    const firstStarted = performance.now()
    const first = await deliverDueAlerts(db, p.clock.now(), rec.transport, cipher, { ratePerSecond: 10, batch: 100 })
    const firstSeconds = (performance.now() - firstStarted) / 1000
    expect(first.sent).toBeGreaterThanOrEqual(10)
    expect(first.sent).toBeLessThanOrEqual(10 + Math.ceil(10 * firstSeconds))
    const started = performance.now()
    const second = await deliverDueAlerts(db, p.clock.now(), rec.transport, cipher, {
      ratePerSecond: 10,
      batch: 100,
      maxRunMs: 1200,
    })
    const seconds = (performance.now() - started) / 1000
    expect(second.sent).toBeGreaterThan(0)
    expect(second.sent).toBeLessThanOrEqual(Math.ceil(10 * seconds) + 1)
    await drain(rec.transport)
    const detail = await call(p.app, 'GET', `/api/v1/incidents/${heat}/alerts/${res.body.id}`, {
      token: t['guihua.staff'],
    })
    expect(detail.body.status).toBe('done')
  })

  it('acknowledges by account and by link, once; a bad link is 404', async () => {
    const mine = await call(p.app, 'GET', '/api/v1/alerts/mine', { token: t['guihua.resident'] })
    expect(mine.status).toBe(200)
    expect(mine.body.items.length).toBeGreaterThanOrEqual(2)
    const a = mine.body.items[0]
    expect(a.drill).toBe(false)
    expect(a.textZh.length).toBeGreaterThan(5)
    expect(a.adviceEn).toMatch(/water/)
    expect(a.acknowledgedAt).toBeNull()
    // The inbox links to it.
    const inbox = await call(p.app, 'GET', '/api/v1/notifications', { token: t['guihua.resident'] })
    expect(
      inbox.body.items.some(
        (n: { kind: string; params: { recipientId: number } }) =>
          n.kind === 'incident_alert' && n.params.recipientId === a.recipientId,
      ),
    ).toBe(true)
    // Nobody else reads or acknowledges it.
    expect(
      (await call(p.app, 'GET', `/api/v1/alerts/mine/${a.recipientId}`, { token: t['guihua.staff'] })).status,
    ).toBe(404)
    expect(
      (await call(p.app, 'POST', `/api/v1/alerts/mine/${a.recipientId}/ack`, { token: t['guihua.grid'] })).status,
    ).toBe(404)
    const ack = await call(p.app, 'POST', `/api/v1/alerts/mine/${a.recipientId}/ack`, { token: t['guihua.resident'] })
    expect(ack.status).toBe(200)
    expect(ack.body.acknowledgedAt).toBe(p.clock.now().toISOString())
    p.clock.advance(60_000)
    const twice = await call(p.app, 'POST', `/api/v1/alerts/mine/${a.recipientId}/ack`, { token: t['guihua.resident'] })
    expect(twice.status).toBe(200)
    expect(twice.body.acknowledgedAt).toBe(ack.body.acknowledgedAt)

    // By link: someone without an account.
    const { rows } = await sql<{ id: number; alert_id: number }>`
      select r.id, r.alert_id from incident_alert_recipient r join incident_alert a on a.id = r.alert_id
      where a.incident_id = ${heat} and r.user_id is null and r.status = 'sent' order by r.id limit 1`.execute(db)
    const recipientId = Number(rows[0]!.id)
    const token = alertLinkToken(cipher, recipientId)
    expect(recipientOfToken(cipher, token)).toBe(recipientId)
    const page = await call(p.app, 'GET', `/api/v1/alerts/link/${token}`)
    expect(page.status).toBe(200)
    expect(Object.keys(page.body)).not.toContain('name')
    expect(JSON.stringify(page.body)).not.toMatch(/1[3-9]\d{9}/)
    expect(page.body.title).toBe('高温橙色预警')
    const byLink = await call(p.app, 'POST', `/api/v1/alerts/link/${token}/ack`)
    expect(byLink.status).toBe(200)
    p.clock.advance(60_000)
    const byLink2 = await call(p.app, 'POST', `/api/v1/alerts/link/${token}/ack`)
    expect(byLink2.body.acknowledgedAt).toBe(byLink.body.acknowledgedAt)
    const detail = await call(p.app, 'GET', `/api/v1/incidents/${heat}/alerts/${rows[0]!.alert_id}`, {
      token: t['guihua.staff'],
    })
    const acked = await sql<{ n: number }>`select count(*)::int as n from incident_alert_recipient
      where alert_id = ${rows[0]!.alert_id} and acknowledged_at is not null`.execute(db)
    expect(detail.body.totals.acknowledged).toBe(acked.rows[0]!.n)

    // A forged mac, another recipient's mac, a malformed token: all 404 ALERT_LINK_INVALID.
    const other = alertLinkToken(cipher, recipientId + 1).split('.')[1]
    for (const badToken of [`${recipientId}.${'A'.repeat(22)}`, `${recipientId}.${other}`, 'nonsense', `${token}x`]) {
      const r = await call(p.app, 'GET', `/api/v1/alerts/link/${encodeURIComponent(badToken)}`)
      expect(r.status, badToken).toBe(404)
      expect(r.body.error.code).toBe('ALERT_LINK_INVALID')
      expect((await call(p.app, 'POST', `/api/v1/alerts/link/${encodeURIComponent(badToken)}/ack`)).status).toBe(404)
    }
  })

  it('re-sends only to the unreached, or only to those who did not acknowledge', async () => {
    const first = await call(p.app, 'GET', `/api/v1/incidents/${heat}/alerts`, { token: t['guihua.staff'] })
    const original = first.body.items.at(-1)
    const rows = await recipients(original.id)
    const unreached = rows.filter((r) => r.status === 'unreachable' || r.status === 'failed')
    expect(unreached.length).toBeGreaterThan(0)
    // The registry learns one of them's phone since: the re-send reaches them.
    const phone = sealPhone(cipher, '13900001234')
    await sql`update person set phone_enc = ${phone.enc}, phone_bidx = ${phone.bidx}, phone_masked = ${phone.masked}
      where id = ${unreached[0]!.person_id}`.execute(db)
    const res = await call(p.app, 'POST', `/api/v1/incidents/${heat}/alerts/${original.id}/resend`, {
      token: t['guihua.staff'],
      body: { to: 'unreached' },
    })
    expect(res.status, JSON.stringify(res.body)).toBe(202)
    expect(res.body).toMatchObject({ resendOf: original.id, resendTo: 'unreached', template: 'warning' })
    const rec = recording()
    await drain(rec.transport)
    const again = await recipients(res.body.id)
    expect(again.map((r) => r.person_id).sort()).toEqual(unreached.map((r) => r.person_id).sort())
    expect(rec.sent).toHaveLength(1)
    expect(rec.logged[0]!.messageId).toBe(`alert-${res.body.id}-${unreached[0]!.person_id}`)

    const acked = await sql<{ person_id: number }>`select person_id from incident_alert_recipient
      where alert_id = ${original.id} and acknowledged_at is not null`.execute(db)
    expect(acked.rows.length).toBeGreaterThan(0)
    const res2 = await call(p.app, 'POST', `/api/v1/incidents/${heat}/alerts/${original.id}/resend`, {
      token: t['guihua.staff'],
      body: { to: 'unacknowledged' },
    })
    expect(res2.status).toBe(202)
    // Still sending: no re-send of a re-send in flight.
    const busy = await call(p.app, 'POST', `/api/v1/incidents/${heat}/alerts/${res2.body.id}/resend`, {
      token: t['guihua.staff'],
      body: { to: 'unreached' },
    })
    expect(busy.status).toBe(409)
    await drain(recording().transport)
    const third = await recipients(res2.body.id)
    expect(third).toHaveLength(rows.length - acked.rows.length)
    const ackedIds = new Set(acked.rows.map((r) => Number(r.person_id)))
    expect(third.some((r) => ackedIds.has(r.person_id))).toBe(false)
    const bad = await call(p.app, 'POST', `/api/v1/incidents/${heat}/alerts/${original.id}/resend`, {
      token: t['guihua.staff'],
      body: { to: 'everyone' },
    })
    expect(bad.status).toBe(400)
  })

  it('retries a failed text message with backoff, then gives it up as failed (the inbox still hears)', async () => {
    const res = await call(p.app, 'POST', `/api/v1/incidents/${heat}/alerts`, {
      token: t['guihua.staff'],
      body: { template: 'check_in', gridIds: [residentGrid] },
    })
    const rec = recording(() => true)
    for (let i = 0; i < MAX_ATTEMPTS; i++) {
      await deliverDueAlerts(db, p.clock.now(), rec.transport, cipher, FAST)
      p.clock.advance(7 * 3600_000)
    }
    const rows = await recipients(res.body.id)
    const sms = rows.filter((r) => r.sms)
    expect(sms.length).toBeGreaterThan(0)
    expect(sms.every((r) => r.status === 'failed')).toBe(true)
    const attempts = await sql<{
      a: number
    }>`select max(attempts) as a from incident_alert_recipient where alert_id = ${res.body.id}`.execute(db)
    expect(attempts.rows[0]!.a).toBe(MAX_ATTEMPTS)
    const detail = await call(p.app, 'GET', `/api/v1/incidents/${heat}/alerts/${res.body.id}`, {
      token: t['guihua.staff'],
    })
    expect(detail.body.status).toBe('done')
    expect(detail.body.totals.failed).toBe(sms.length)
  })

  it('marks a drill as a drill everywhere', async () => {
    const res = await call(p.app, 'POST', `/api/v1/incidents/${drill}/alerts`, {
      token: t['guihua.leader'],
      body: { template: 'evacuate', noteEn: 'This is a drill.' },
    })
    expect(res.status).toBe(202)
    expect(res.body.drill).toBe(true)
    const rec = recording()
    await drain(rec.transport)
    expect(rec.sent.length).toBeGreaterThan(0)
    expect(rec.sent.every((m) => m.params.drill === '【演练】')).toBe(true)
    const n = await sql<{ drill: boolean }>`select (params->>'drill')::boolean as drill from notification
      where kind = 'incident_alert' and (params->>'recipientId')::bigint in
        (select id from incident_alert_recipient where alert_id = ${res.body.id})`.execute(db)
    expect(n.rows.every((r) => r.drill)).toBe(true)
    const { rows } = await sql<{ id: number }>`select id from incident_alert_recipient
      where alert_id = ${res.body.id} and status = 'sent' limit 1`.execute(db)
    const page = await call(p.app, 'GET', `/api/v1/alerts/link/${alertLinkToken(cipher, Number(rows[0]!.id))}`)
    expect(page.body.drill).toBe(true)
    expect(page.body.kind).toBe('flood')
  })
})
