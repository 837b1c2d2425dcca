import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { backends, call, openTestPlatform, tokenFor, type TestPlatform } from '../../test/support.js'
import { deliverDueMessages } from './messages.js'
import { cipherFor } from '../core/crypto.js'
import type { MessageTransport, OutgoingMessage } from './transport.js'

class Capture implements MessageTransport {
  sent: OutgoingMessage[] = []
  failNext = 0
  async send(msg: OutgoingMessage) {
    if (this.failNext > 0) {
      this.failNext--
      throw new Error('provider unreachable')
    }
    this.sent.push(msg)
  }
}

describe.each(backends())('text messages to reporters without an account on %s', (backend) => {
  let p: TestPlatform
  let staff: string
  beforeAll(async () => {
    p = await openTestPlatform(backend)
    staff = await tokenFor(p.app, 'guihua.staff')
  })
  afterAll(() => p?.close())

  it('tells a hotline caller of the filing and each public step, retrying when the provider fails', async () => {
    const { rows } = await sql<{ lng: number; lat: number }>`
      select ST_X(ST_PointOnSurface(boundary)) as lng, ST_Y(ST_PointOnSurface(boundary)) as lat from area where code = 'JZ-QH-01-01-G01'`.execute(
      p.database.db,
    )
    const filed = await call(p.app, 'POST', '/api/v1/cases', {
      token: staff,
      body: {
        categoryCode: 'DL-03',
        location: rows[0],
        description: '热线：路灯不亮',
        reporterName: '刘女士',
        reporterPhone: '13700001234',
      },
    })
    expect(filed.status).toBe(201)
    await call(p.app, 'POST', `/api/v1/cases/${filed.body.id}/actions`, { token: staff, body: { action: 'accept' } })

    const transport = new Capture()
    transport.failNext = 1
    const first = await deliverDueMessages(p.database.db, p.clock.now(), transport, cipherFor(p.config))
    expect(first).toEqual({ sent: 1, failed: 1 })
    // The failed one waits for its backoff; a run before then sends nothing more.
    expect(await deliverDueMessages(p.database.db, p.clock.now(), transport, cipherFor(p.config))).toEqual({
      sent: 0,
      failed: 0,
    })
    p.clock.advance(60_000)
    expect(await deliverDueMessages(p.database.db, p.clock.now(), transport, cipherFor(p.config))).toEqual({
      sent: 1,
      failed: 0,
    })
    expect(transport.sent.map((m) => [m.templateKey, m.to, m.params.trackingCode])).toEqual([
      ['case.update', '13700001234', filed.body.trackingCode],
      ['case.received', '13700001234', filed.body.trackingCode],
    ])
    expect(transport.sent[0]!.params.state).toBe('dispatched')
    // Nothing is sent twice.
    p.clock.advance(3600_000)
    expect(await deliverDueMessages(p.database.db, p.clock.now(), transport, cipherFor(p.config))).toEqual({
      sent: 0,
      failed: 0,
    })
  })

  it('keeps the outbox unreadable for the application role', async () => {
    const res = await call(p.app, 'GET', '/api/v1/cases?pageSize=1', { token: staff })
    expect(res.status).toBe(200)
    const { inScope } = await import('../core/scope.js')
    const { actorForToken } = await import('../accounts/service.js')
    const actor = (await actorForToken(p.database.db, staff))!
    await expect(
      inScope(p.database.db, { actor, ip: 't' }, (tx) => sql`select recipient from message_outbox`.execute(tx)),
    ).rejects.toThrow(/permission denied/)
  })
})
