import { createHmac, timingSafeEqual } from 'node:crypto'
import http from 'node:http'
import type { FastifyInstance } from 'fastify'
import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { actorForToken } from '../accounts/service.js'
import { inScope } from '../core/scope.js'
import { areaId, backends, call, openTestPlatform, tokenFor, type TestPlatform } from '../../test/support.js'
import { LogTransport, maskRecipient, transportFromEnv } from './transport.js'
import { backoffMs, deliverDueWebhooks, MAX_ATTEMPTS, startWebhookWorker } from './webhooks.js'

interface Hit {
  headers: http.IncomingHttpHeaders
  body: string
  json: any
}

/** A local HTTP endpoint that records every delivery; `respond(n)` gives the status of the n-th (0 = never answer). */
interface Receiver {
  url: string
  got: Hit[]
  respond: (n: number) => number
  delayMs: number
  close(): Promise<void>
}

async function startReceiver(respond: (n: number) => number = () => 200, delayMs = 0): Promise<Receiver> {
  const r: Receiver = { url: '', got: [], respond, delayMs, close: async () => {} }
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8')
      r.got.push({ headers: req.headers, body, json: JSON.parse(body) })
      const status = r.respond(r.got.length)
      if (status === 0) return
      setTimeout(
        () => res.writeHead(status, { 'content-type': 'text/plain' }).end(status < 300 ? 'ok' : 'receiver is down'),
        r.delayMs,
      )
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  r.url = `http://127.0.0.1:${(server.address() as { port: number }).port}/hooks/grassroots`
  r.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections()
      server.close(() => resolve())
    })
  return r
}

/** What a receiver does: recompute the HMAC over "<timestamp>.<raw body>" and compare in constant time. */
function signatureValid(hit: Hit, secret: string): boolean {
  const ts = String(hit.headers['x-grassroots-timestamp'])
  const expected = Buffer.from(`sha256=${createHmac('sha256', secret).update(`${ts}.${hit.body}`).digest('hex')}`)
  const given = Buffer.from(String(hit.headers['x-grassroots-signature']))
  return expected.length === given.length && timingSafeEqual(expected, given)
}

const SECOND = 1000

describe.each(backends())('outgoing webhooks on %s', (backend) => {
  let p: TestPlatform
  let app: FastifyInstance
  let g01: { lng: number; lat: number }
  let c01: { lng: number; lat: number }
  const receivers: Receiver[] = []
  const t: Record<string, string> = {}
  const receiver = async (respond?: (n: number) => number, delayMs?: number) => {
    const r = await startReceiver(respond, delayMs)
    receivers.push(r)
    return r
  }
  const deliver = (opts: Parameters<typeof deliverDueWebhooks>[3] = {}) =>
    deliverDueWebhooks(p.database.db, p.clock.now(), fetch, opts)
  const act = (who: string, id: number, body: object) =>
    call(app, 'POST', `/api/v1/cases/${id}/actions`, { token: t[who], body })
  const subscribe = async (who: string, body: object) => {
    const res = await call(app, 'POST', '/api/v1/webhooks', { token: t[who], body })
    expect(res.status, JSON.stringify(res.body)).toBe(201)
    return res.body as { id: number; secret: string; url: string; events: string[]; active: boolean }
  }
  const switchOff = (id: number) =>
    call(app, 'PATCH', `/api/v1/webhooks/${id}`, { token: t.admin, body: { active: false } })
  const deliveryRow = async (id: number) =>
    (await sql<any>`select * from webhook_delivery where id = ${id}`.execute(p.database.db)).rows[0]
  const deliveriesOf = async (webhookId: number) =>
    (await sql<any>`select * from webhook_delivery where webhook_id = ${webhookId} order by id`.execute(p.database.db))
      .rows

  async function point(code: string) {
    const { rows } = await sql<{ lng: number; lat: number }>`
      select ST_X(ST_PointOnSurface(boundary)) as lng, ST_Y(ST_PointOnSurface(boundary)) as lat from area where code = ${code}`.execute(
      p.database.db,
    )
    return rows[0]!
  }

  beforeAll(async () => {
    p = await openTestPlatform(backend, '2026-11-23T02:00:00Z')
    app = p.app
    g01 = await point('JZ-QH-01-01-G01')
    c01 = await point('JZ-QH-02-01-G01')
    const users = [
      'admin',
      'guihua.admin',
      'cuizhu.admin',
      'guihua.staff',
      'guihua.leader',
      'guihua.grid',
      'guihua.handler',
      'guihua.resident',
      'guihua.mediator',
      'qh.handler',
      'cuizhu.resident',
      'donghu.staff',
    ]
    for (const u of users) t[u] = await tokenFor(app, u)
  })
  afterAll(async () => {
    for (const r of receivers) await r.close()
    await p?.close()
  })

  it('delivers every step of a case in order, signed, without personal data, in the step’s own transaction', async () => {
    const all = await receiver()
    const some = await receiver()
    const guihua = await areaId(p, 'JZ-QH-01-01')
    const w1 = await subscribe('admin', { areaId: guihua, url: all.url, events: ['*'] })
    expect(w1.secret).toMatch(/^whsec_[A-Za-z0-9_-]{32}$/)
    expect(w1).toMatchObject({ url: all.url, events: ['*'], active: true })
    const w2 = await subscribe('admin', { areaId: guihua, url: some.url, events: ['case.submit', 'case.reply'] })
    const listed = await call(app, 'GET', '/api/v1/webhooks', { token: t.admin })
    expect(listed.body.items.map((w: any) => w.id)).toEqual(expect.arrayContaining([w1.id, w2.id]))
    expect(JSON.stringify(listed.body)).not.toContain('whsec_')

    // A hotline call: the caller's name and phone, a description and an address are personal.
    const filed = await call(app, 'POST', '/api/v1/cases', {
      token: t['guihua.staff'],
      body: {
        categoryCode: 'DL-03',
        location: g01,
        description: '王家门口路灯不亮-描述',
        address: '桂花路8号3单元',
        reporterName: '张先生',
        reporterPhone: '13900001111',
      },
    })
    expect(filed.status).toBe(201)
    const id = filed.body.id
    // The outbox row exists as soon as the step has committed, before any worker ran.
    expect(await deliveriesOf(w1.id)).toHaveLength(1)
    expect((await act('guihua.staff', id, { action: 'accept' })).body.department.code).toBe('QH-CG')
    expect(
      (await act('qh.handler', id, { action: 'return', returnReason: 'not_our_duty', comment: '内部备注-非本部门' }))
        .status,
    ).toBe(200)
    expect((await act('guihua.staff', id, { action: 'approve_return' })).status).toBe(200)
    expect((await act('guihua.staff', id, { action: 'dispatch' })).status).toBe(200)
    expect((await act('qh.handler', id, { action: 'department_accept' })).status).toBe(200)
    expect((await act('qh.handler', id, { action: 'reply', result: '已更换灯泡' })).status).toBe(200)

    const run = await deliver()
    expect(run.failed).toBe(0)
    const actions = [
      'submit',
      'accept',
      'dispatch',
      'return',
      'approve_return',
      'dispatch',
      'department_accept',
      'reply',
    ]
    expect(all.got.map((h) => h.json.action)).toEqual(actions)
    expect(all.got.map((h) => h.headers['x-grassroots-event'])).toEqual(actions.map((a) => `case.${a}`))
    const eventIds = all.got.map((h) => h.json.eventId)
    expect([...eventIds].sort((a, b) => a - b)).toEqual(eventIds)
    const deliveryIds = all.got.map((h) => Number(h.headers['x-grassroots-delivery']))
    expect(new Set(deliveryIds).size).toBe(actions.length)
    for (const hit of all.got) {
      expect(hit.headers['content-type']).toBe('application/json')
      expect(signatureValid(hit, w1.secret)).toBe(true)
      expect(signatureValid(hit, w2.secret)).toBe(false)
      expect(Math.abs(Number(hit.headers['x-grassroots-timestamp']) - p.clock.now().getTime() / 1000)).toBeLessThan(5)
    }
    // A tampered body no longer matches its signature.
    expect(signatureValid({ ...all.got[0]!, body: all.got[0]!.body.replace('DL-03', 'DL-04') }, w1.secret)).toBe(false)

    expect(all.got[0]!.json).toMatchObject({
      type: 'case.submit',
      trackingCode: filed.body.trackingCode,
      categoryCode: 'DL-03',
      areaCode: 'JZ-QH-01-01-G01',
      state: 'submitted',
      fromState: null,
      departmentCode: null,
      comment: null,
      at: '2026-11-23T02:00:00.000Z',
    })
    expect(all.got[2]!.json).toMatchObject({ action: 'dispatch', state: 'dispatched', departmentCode: 'QH-CG' })
    expect(all.got[3]!.json).toMatchObject({ action: 'return', state: 'return_requested', comment: null }) // not a public step
    expect(all.got[4]!.json).toMatchObject({ action: 'approve_return', state: 'accepted' })
    expect(all.got[7]!.json).toMatchObject({
      action: 'reply',
      state: 'replied',
      comment: '已更换灯泡',
      departmentCode: 'QH-CG',
    })

    const names = await p.database.db
      .selectFrom('app_user')
      .select('display_name')
      .where('username', 'in', ['guihua.staff', 'qh.handler'])
      .execute()
    const everything = JSON.stringify([
      ...all.got.map((h) => h.body),
      ...some.got.map((h) => h.body),
      ...(await deliveriesOf(w1.id)).map((d) => d.payload),
    ])
    for (const secret of [
      '张先生',
      '13900001111',
      '王家门口',
      '桂花路8号',
      '内部备注',
      'reporter',
      'phone',
      'description',
      'address',
      'location',
      ...names.map((n) => n.display_name),
    ]) {
      expect(everything).not.toContain(secret)
    }

    expect(some.got.map((h) => h.json.action)).toEqual(['submit', 'reply'])
    expect(some.got.every((h) => signatureValid(h, w2.secret))).toBe(true)
    expect((await deliver()).attempted).toBe(0)

    const log = await call(app, 'GET', `/api/v1/webhooks/${w1.id}/deliveries?pageSize=3`, { token: t.admin })
    expect(log.status).toBe(200)
    expect(log.body).toMatchObject({ total: actions.length, page: 1, pageSize: 3 })
    expect(log.body.items.map((d: any) => d.eventType)).toEqual([
      'case.reply',
      'case.department_accept',
      'case.dispatch',
    ])
    expect(log.body.items[0]).toMatchObject({
      status: 'delivered',
      attempts: 1,
      lastStatus: 200,
      lastError: null,
      nextAttemptAt: null,
      payload: { action: 'reply' },
    })
    const pending = await call(app, 'GET', `/api/v1/webhooks/${w1.id}/deliveries?status=pending`, { token: t.admin })
    expect(pending.body.total).toBe(0)

    // Switched off, a webhook gets nothing new queued.
    await switchOff(w1.id)
    await switchOff(w2.id)
    expect((await act('guihua.grid', id, { action: 'verify_pass' })).status).toBe(200)
    expect(await deliveriesOf(w1.id)).toHaveLength(actions.length)
  })

  it('retries a failing receiver with exponential backoff until it answers', async () => {
    const flaky = await receiver((n) => (n <= 3 ? 500 : 204))
    const w = await subscribe('guihua.admin', {
      areaId: await areaId(p, 'JZ-QH-01-01'),
      url: flaky.url,
      events: ['case.submit'],
    })
    const filed = await call(app, 'POST', '/api/v1/cases', {
      token: t['guihua.resident'],
      body: { categoryCode: 'DL-03', location: g01, description: '路灯闪烁' },
    })
    expect(filed.status).toBe(201)
    const [queued] = await deliveriesOf(w.id)
    const t0 = p.clock.now().getTime()

    expect((await deliver()).failed).toBe(1)
    let d = await deliveryRow(queued.id)
    expect(d).toMatchObject({ attempts: 1, last_status: 500, delivered_at: null })
    expect(d.last_error).toMatch(/^HTTP 500: receiver is down/)
    const at = (ms: number) => expect(Math.abs(new Date(d.next_attempt_at).getTime() - ms)).toBeLessThan(2 * SECOND)
    at(t0 + 30 * SECOND)

    // Not before the backoff has passed: 30 s, then 60 s, then 120 s.
    let since = t0
    for (const [attempt, wait] of [
      [2, 30],
      [3, 60],
      [4, 120],
    ] as const) {
      p.clock.set(new Date(since + wait * SECOND - 2 * SECOND))
      expect((await deliver()).attempted).toBe(0)
      expect(flaky.got).toHaveLength(attempt - 1)
      p.clock.set(new Date(since + wait * SECOND + SECOND))
      since = p.clock.now().getTime()
      expect((await deliver()).attempted).toBe(1)
      expect(flaky.got).toHaveLength(attempt)
      d = await deliveryRow(queued.id)
      expect(d.attempts).toBe(attempt)
      if (attempt < 4) at(since + backoffMs(attempt))
    }
    expect(d).toMatchObject({ attempts: 4, last_status: 204, last_error: null, next_attempt_at: null })
    expect(d.delivered_at).not.toBeNull()
    // The same delivery each time, each attempt signed afresh with its own timestamp.
    expect(new Set(flaky.got.map((h) => h.headers['x-grassroots-delivery']))).toEqual(new Set([String(queued.id)]))
    expect(new Set(flaky.got.map((h) => h.headers['x-grassroots-timestamp'])).size).toBe(4)
    expect(flaky.got.every((h) => signatureValid(h, w.secret))).toBe(true)
    const log = await call(app, 'GET', `/api/v1/webhooks/${w.id}/deliveries`, { token: t['guihua.admin'] })
    expect(log.body.items[0]).toMatchObject({ id: queued.id, status: 'delivered', attempts: 4, lastStatus: 204 })
    await switchOff(w.id)
  })

  it('gives up after ten failed attempts, spaced 30 s × 2^n and capped at 6 h', async () => {
    expect(Array.from({ length: MAX_ATTEMPTS - 1 }, (_, i) => backoffMs(i + 1) / SECOND)).toEqual([
      30, 60, 120, 240, 480, 960, 1920, 3840, 7680,
    ])
    expect(backoffMs(15)).toBe(6 * 3600 * SECOND)
    const down = await receiver(() => 503)
    const w = await subscribe('admin', {
      areaId: await areaId(p, 'JZ-QH-01-01-G01'),
      url: down.url,
      events: ['case.submit'],
    })
    await call(app, 'POST', '/api/v1/cases', {
      token: t['guihua.resident'],
      body: { categoryCode: 'DL-03', location: g01, description: '路灯坏了' },
    })
    const [queued] = await deliveriesOf(w.id)
    for (let n = 1; n <= MAX_ATTEMPTS; n++) {
      const run = await deliver()
      expect(down.got).toHaveLength(n)
      if (n < MAX_ATTEMPTS) {
        expect(run.gaveUp).toEqual([])
        p.clock.advance(backoffMs(n) + SECOND)
      } else {
        expect(run.gaveUp).toEqual([{ id: queued.id, webhookId: w.id, error: expect.stringMatching(/^HTTP 503/) }])
      }
    }
    expect(await deliveryRow(queued.id)).toMatchObject({
      attempts: MAX_ATTEMPTS,
      next_attempt_at: null,
      delivered_at: null,
      last_status: 503,
    })
    p.clock.advance(24 * 3600 * SECOND)
    await deliver()
    expect(down.got).toHaveLength(MAX_ATTEMPTS)
    const failed = await call(app, 'GET', `/api/v1/webhooks/${w.id}/deliveries?status=failed`, { token: t.admin })
    expect(failed.body.items).toEqual([
      expect.objectContaining({ id: queued.id, status: 'failed', attempts: MAX_ATTEMPTS }),
    ])
    await switchOff(w.id)
  })

  it('records an unreachable receiver and a timeout as failures', async () => {
    const gone = await receiver()
    await gone.close()
    const slow = await receiver(() => 200, 1500)
    const g = await areaId(p, 'JZ-QH-01-01-G01')
    const w1 = await subscribe('admin', { areaId: g, url: gone.url, events: ['case.submit'] })
    const w2 = await subscribe('admin', { areaId: g, url: slow.url, events: ['case.submit'] })
    await call(app, 'POST', '/api/v1/cases', {
      token: t['guihua.resident'],
      body: { categoryCode: 'DL-03', location: g01, description: '路灯' },
    })
    const run = await deliver({ timeoutMs: 300 })
    expect(run).toMatchObject({ attempted: 2, failed: 2 })
    const [a] = await deliveriesOf(w1.id)
    const [b] = await deliveriesOf(w2.id)
    expect(a).toMatchObject({ attempts: 1, last_status: null, last_error: 'ECONNREFUSED' })
    expect(b).toMatchObject({ attempts: 1, last_status: null, last_error: 'no answer within 0.3 s' })
    await switchOff(w1.id)
    await switchOff(w2.id)
  })

  it('never lets two concurrent workers deliver the same delivery twice', async () => {
    const r = await receiver(() => 200, 15)
    const w = await subscribe('admin', { areaId: await areaId(p, 'JZ-QH-01'), url: r.url, events: ['*'] })
    for (let i = 0; i < 4; i++) {
      const filed = await call(app, 'POST', '/api/v1/cases', {
        token: t['guihua.staff'],
        body: { categoryCode: 'DL-03', location: g01, description: `并发${i}` },
      })
      await act('guihua.staff', filed.body.id, { action: 'accept' })
    }
    const queued = await deliveriesOf(w.id)
    expect(queued).toHaveLength(12) // submit, accept, dispatch × 4
    const runs = await Promise.all([deliver({ batch: 3 }), deliver({ batch: 3 }), deliver({ batch: 2 })])
    expect(runs.reduce((n, x) => n + x.delivered, 0)).toBe(12)
    expect(runs.filter((x) => x.delivered > 0).length).toBeGreaterThanOrEqual(2) // they did share the work
    const ids = r.got.map((h) => h.headers['x-grassroots-delivery'])
    expect(ids).toHaveLength(12)
    expect(new Set(ids).size).toBe(12)
    expect((await deliveriesOf(w.id)).every((d) => d.attempts === 1 && d.delivered_at !== null)).toBe(true)
    expect((await deliver()).attempted).toBe(0)
    await switchOff(w.id)
  })

  it('hands back a delivery in flight when the worker stops, without counting an attempt', async () => {
    const hang = await receiver(() => 0)
    const w = await subscribe('admin', {
      areaId: await areaId(p, 'JZ-QH-01-01'),
      url: hang.url,
      events: ['case.submit'],
    })
    await call(app, 'POST', '/api/v1/cases', {
      token: t['guihua.resident'],
      body: { categoryCode: 'DL-03', location: g01, description: '路灯' },
    })
    const errors: unknown[] = []
    const worker = startWebhookWorker(p.database.db, p.clock, 20, { warn: () => {}, error: (o) => errors.push(o) })
    for (let i = 0; i < 200 && hang.got.length === 0; i++) await new Promise((r) => setTimeout(r, 25))
    expect(hang.got).toHaveLength(1)
    const [claimed] = await deliveriesOf(w.id)
    expect(new Date(claimed.next_attempt_at).getTime()).toBeGreaterThan(p.clock.now().getTime()) // leased
    await worker.stop()
    expect(errors).toEqual([])
    const [released] = await deliveriesOf(w.id)
    expect(released).toMatchObject({ attempts: 0, delivered_at: null })
    expect(new Date(released.next_attempt_at).getTime()).toBeLessThanOrEqual(p.clock.now().getTime())
    await switchOff(w.id)
    expect((await deliver()).attempted).toBe(0) // switched off: its pending delivery waits
  })

  it('keeps each community’s webhooks to its own cases', async () => {
    const a = await receiver()
    const b = await receiver()
    const city = await receiver()
    const wa = await subscribe('guihua.admin', { areaId: await areaId(p, 'JZ-QH-01-01'), url: a.url, events: ['*'] })
    const wb = await subscribe('cuizhu.admin', { areaId: await areaId(p, 'JZ-QH-02-01'), url: b.url, events: ['*'] })
    const wc = await subscribe('admin', { areaId: await areaId(p, 'JZ'), url: city.url, events: ['case.submit'] })

    const inA = await call(app, 'POST', '/api/v1/cases', {
      token: t['guihua.resident'],
      body: { categoryCode: 'DL-03', location: g01, description: '桂花路灯' },
    })
    await act('guihua.staff', inA.body.id, { action: 'accept' })
    await deliver()
    expect(a.got.map((h) => h.json.action)).toEqual(['submit', 'accept', 'dispatch'])
    expect(b.got).toEqual([])
    // An anonymous resident reporting in B: the trigger still enqueues (owner rights).
    const inB = await call(app, 'POST', '/api/v1/cases', {
      body: { categoryCode: 'DL-03', location: c01, description: '翠竹路灯' },
    })
    expect(inB.status).toBe(201)
    await deliver()
    expect(b.got.map((h) => [h.json.action, h.json.trackingCode, h.json.areaCode])).toEqual([
      ['submit', inB.body.trackingCode, 'JZ-QH-02-01-G01'],
    ])
    expect(a.got).toHaveLength(3)
    expect(city.got.map((h) => h.json.trackingCode)).toEqual([inA.body.trackingCode, inB.body.trackingCode])

    // A's admin can neither see nor change nor use nor read B's webhook.
    const tA = t['guihua.admin']
    const listA = await call(app, 'GET', '/api/v1/webhooks?pageSize=500', { token: tA })
    expect(listA.body.items.map((w: any) => w.id)).toContain(wa.id)
    expect(listA.body.items.map((w: any) => w.id)).not.toContain(wb.id)
    expect(listA.body.items.map((w: any) => w.id)).not.toContain(wc.id)
    const before = await sql<any>`select url, events, active from webhook where id = ${wb.id}`.execute(p.database.db)
    expect(
      (await call(app, 'PATCH', `/api/v1/webhooks/${wb.id}`, { token: tA, body: { url: a.url, events: ['*'] } }))
        .status,
    ).toBe(404)
    expect((await call(app, 'POST', `/api/v1/webhooks/${wb.id}/test`, { token: tA })).status).toBe(404)
    expect((await call(app, 'GET', `/api/v1/webhooks/${wb.id}/deliveries`, { token: tA })).status).toBe(404)
    expect(
      (await sql<any>`select url, events, active from webhook where id = ${wb.id}`.execute(p.database.db)).rows,
    ).toEqual(before.rows)
    const intrude = await call(app, 'POST', '/api/v1/webhooks', {
      token: tA,
      body: { areaId: await areaId(p, 'JZ-QH-02-01'), url: a.url, events: ['*'] },
    })
    expect(intrude.status).toBe(403)
    expect(intrude.body.error).toMatchObject({ code: 'FORBIDDEN', field: 'areaId' })
    // The city admin sees all three.
    const listAll = await call(app, 'GET', '/api/v1/webhooks?pageSize=500', { token: t.admin })
    expect(listAll.body.items.map((w: any) => w.id)).toEqual(expect.arrayContaining([wa.id, wb.id, wc.id]))
    const onlyB = await call(app, 'GET', `/api/v1/webhooks?areaId=${await areaId(p, 'JZ-QH-02')}`, { token: t.admin })
    expect(onlyB.body.items.map((w: any) => w.id)).toEqual([wb.id])
    for (const w of [wa, wb, wc]) await switchOff(w.id)
  })

  it('answers 403 to every non-admin and 401 without a session', async () => {
    const r = await receiver()
    const w = await subscribe('admin', {
      areaId: await areaId(p, 'JZ-QH-01-01'),
      url: r.url,
      events: ['case.close'],
      active: false,
    })
    const routes: [string, string, object | undefined][] = [
      ['GET', '/api/v1/webhooks', undefined],
      ['POST', '/api/v1/webhooks', { areaId: await areaId(p, 'JZ-QH-01-01'), url: r.url, events: ['*'] }],
      ['PATCH', `/api/v1/webhooks/${w.id}`, { active: true }],
      ['POST', `/api/v1/webhooks/${w.id}/test`, undefined],
      ['GET', `/api/v1/webhooks/${w.id}/deliveries`, undefined],
    ]
    for (const who of [
      'guihua.staff',
      'guihua.leader',
      'guihua.grid',
      'guihua.handler',
      'guihua.mediator',
      'guihua.resident',
      'qh.handler',
      'donghu.staff',
      'cuizhu.resident',
      null,
    ]) {
      for (const [method, url, body] of routes) {
        const res = await call(app, method as 'GET', url, { token: who ? t[who] : null, body })
        expect({ who, method, url, status: res.status }).toEqual({ who, method, url, status: who ? 403 : 401 })
      }
    }
    expect(r.got).toEqual([])
    expect(await deliveriesOf(w.id)).toEqual([])
    expect((await sql<any>`select active from webhook where id = ${w.id}`.execute(p.database.db)).rows[0].active).toBe(
      false,
    )
  })

  it('refuses non-http URLs and unknown events, naming the field', async () => {
    const guihua = await areaId(p, 'JZ-QH-01-01')
    for (const url of [
      'ftp://example.com/hook',
      'javascript:alert(1)',
      'file:///etc/passwd',
      'not a url',
      'mailto:ops@example.com',
      'http://user:pw@example.com/hook',
      '',
    ]) {
      const res = await call(app, 'POST', '/api/v1/webhooks', {
        token: t.admin,
        body: { areaId: guihua, url, events: ['*'] },
      })
      expect({ url, status: res.status, field: res.body.error?.field }).toEqual({ url, status: 400, field: 'url' })
    }
    const ok = await subscribe('admin', {
      areaId: guihua,
      url: 'https://hooks.example.com/grassroots?team=ops',
      events: ['case.close', 'case.close', 'case.rate'],
      active: false,
    })
    expect(ok.events).toEqual(['case.close', 'case.rate'])
    const patch = await call(app, 'PATCH', `/api/v1/webhooks/${ok.id}`, {
      token: t.admin,
      body: { url: 'gopher://example.com' },
    })
    expect(patch.body.error).toMatchObject({ code: 'VALIDATION_FAILED', field: 'url' })
    const unknown = await call(app, 'POST', '/api/v1/webhooks', {
      token: t.admin,
      body: { areaId: guihua, url: 'https://example.com', events: ['case.explode'] },
    })
    expect(unknown.body.error).toMatchObject({ code: 'VALIDATION_FAILED', field: 'events[0]' })
    const none = await call(app, 'POST', '/api/v1/webhooks', {
      token: t.admin,
      body: { areaId: guihua, url: 'https://example.com', events: [] },
    })
    expect(none.body.error.field).toBe('events')
    const noArea = await call(app, 'POST', '/api/v1/webhooks', {
      token: t.admin,
      body: { areaId: 999999, url: 'https://example.com', events: ['*'] },
    })
    expect(noArea.status).toBe(404)
    const empty = await call(app, 'PATCH', `/api/v1/webhooks/${ok.id}`, { token: t.admin, body: {} })
    expect(empty.status).toBe(400)
    const changed = await call(app, 'PATCH', `/api/v1/webhooks/${ok.id}`, {
      token: t.admin,
      body: { url: 'http://hooks.example.com/v2', events: ['*'] },
    })
    expect(changed.body).toMatchObject({ url: 'http://hooks.example.com/v2', events: ['*'], active: false })
    expect(changed.body).not.toHaveProperty('secret')
  })

  it('sends a signed test ping on request, also before the webhook is switched on', async () => {
    const r = await receiver((n) => (n === 1 ? 200 : 500))
    const w = await subscribe('guihua.admin', {
      areaId: await areaId(p, 'JZ-QH-01-01'),
      url: r.url,
      events: ['case.close'],
      active: false,
    })
    const ping = await call(app, 'POST', `/api/v1/webhooks/${w.id}/test`, { token: t['guihua.admin'] })
    expect(ping.status).toBe(200)
    expect(ping.body).toMatchObject({
      webhookId: w.id,
      eventType: 'webhook.test',
      eventId: null,
      status: 'delivered',
      attempts: 1,
      lastStatus: 200,
    })
    expect(r.got).toHaveLength(1)
    expect(r.got[0]!.headers['x-grassroots-event']).toBe('webhook.test')
    expect(r.got[0]!.json).toMatchObject({ type: 'webhook.test', webhookId: w.id, areaCode: 'JZ-QH-01-01' })
    expect(signatureValid(r.got[0]!, w.secret)).toBe(true)
    const failing = await call(app, 'POST', `/api/v1/webhooks/${w.id}/test`, { token: t['guihua.admin'] })
    expect(failing.body).toMatchObject({
      status: 'pending',
      attempts: 1,
      lastStatus: 500,
      lastError: 'HTTP 500: receiver is down',
    })
    const audit = await p.database.db
      .selectFrom('audit_log')
      .select(['action', 'detail'])
      .where('entity_type', '=', 'webhook')
      .where('entity_id', '=', String(w.id))
      .orderBy('id')
      .execute()
    expect(audit.map((a) => a.action)).toEqual(['webhook.create', 'webhook.test', 'webhook.test'])
    expect(JSON.stringify(audit)).not.toContain(w.secret)
  })

  it('keeps the signing secret away from the application role', async () => {
    const actor = (await actorForToken(p.database.db, t.admin))!
    const ctx = { actor, ip: 'test' }
    const visible = await inScope(p.database.db, ctx, (tx) =>
      sql<{ n: number }>`select count(*)::int as n from webhook`.execute(tx),
    )
    expect(visible.rows[0]!.n).toBeGreaterThan(0)
    await expect(inScope(p.database.db, ctx, (tx) => sql`select secret from webhook`.execute(tx))).rejects.toThrow(
      /permission denied/,
    )
    // Nor can it forge a delivery of a case step; only the trigger (owner rights) writes those.
    const event = await sql<{ id: number }>`select id from case_event order by id desc limit 1`.execute(p.database.db)
    const webhook = await sql<{ id: number }>`select id from webhook order by id limit 1`.execute(p.database.db)
    await expect(
      inScope(p.database.db, ctx, (tx) =>
        sql`insert into webhook_delivery (webhook_id, event_id, event_type, payload, next_attempt_at, created_at)
            values (${webhook.rows[0]!.id}, ${event.rows[0]!.id}, 'case.close', '{}', now(), now())`.execute(tx),
      ),
    ).rejects.toThrow(/row-level security/)
    const staff = { actor: (await actorForToken(p.database.db, t['guihua.staff']))!, ip: 'test' }
    expect((await inScope(p.database.db, staff, (tx) => sql`select id from webhook`.execute(tx))).rows).toEqual([])
    expect(
      (await inScope(p.database.db, staff, (tx) => sql`select id from webhook_delivery`.execute(tx))).rows,
    ).toEqual([])
  })
})

describe('message transport', () => {
  it('logs a structured line with the recipient masked, by default', async () => {
    const lines: { obj: Record<string, unknown>; msg: string }[] = []
    const transport = transportFromEnv({}, (obj, msg) => lines.push({ obj, msg }))
    expect(transport).toBeInstanceOf(LogTransport)
    await transport.send({
      to: '13900001111',
      channel: 'sms',
      templateKey: 'case.update',
      params: { trackingCode: '261123-ABCDEF' },
      locale: 'zh-CN',
    })
    await transport.send({
      to: 'zhang.san@example.com',
      channel: 'email',
      templateKey: 'case.update',
      params: {},
      locale: 'en',
    })
    expect(lines).toHaveLength(2)
    expect(lines[0]!.obj).toEqual({
      transport: 'log',
      channel: 'sms',
      to: '139****1111',
      templateKey: 'case.update',
      locale: 'zh-CN',
      params: { trackingCode: '261123-ABCDEF' },
    })
    expect(lines[0]!.msg).toContain('case.update')
    expect(lines[1]!.obj.to).toBe('z***@example.com')
    expect(JSON.stringify(lines)).not.toContain('13900001111')
    expect(maskRecipient('123', 'sms')).toBe('****')
  })

  it('refuses an unknown MESSAGE_TRANSPORT and malformed messages', async () => {
    expect(transportFromEnv({ MESSAGE_TRANSPORT: 'log' })).toBeInstanceOf(LogTransport)
    expect(() => transportFromEnv({ MESSAGE_TRANSPORT: 'aliyun' })).toThrow(/MESSAGE_TRANSPORT=aliyun/)
    const t = new LogTransport(() => {})
    await expect(
      t.send({ to: 'not-a-phone', channel: 'sms', templateKey: 'x', params: {}, locale: 'en' }),
    ).rejects.toThrow(/phone/)
    await expect(
      t.send({ to: '13900001111', channel: 'email', templateKey: 'x', params: {}, locale: 'en' }),
    ).rejects.toThrow(/e-mail/)
    await expect(
      t.send({ to: '13900001111', channel: 'sms', templateKey: 'x', params: {}, locale: 'fr' as 'en' }),
    ).rejects.toThrow(/locale/)
  })
})
