import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { backends, call, openTestPlatform, TEST_DATA_KEY, tokenFor, type TestPlatform } from '../../test/support.js'
import { addTestDevice, type TestDevice } from '../../test/mosquitto-support.js'
import { fieldCipher } from '../core/crypto.js'
import { hashDeviceSecret } from './common.js'
import { Ingestor, IngestRefusal, ingestorFor, LOGIN_FAILURES, refusedCount, type RefusalReason } from './ingest.js'

const cipher = fieldCipher(Buffer.from(TEST_DATA_KEY, 'base64'))

describe.each(backends())('device ingest (%s)', (backend) => {
  let p: TestPlatform
  let smoke: TestDevice
  let gas: TestDevice
  const post = (code: string, secret: string | null, body: unknown) =>
    call(p.app, 'POST', `/api/v1/devices/${code}/messages`, {
      body,
      headers: secret ? { 'x-device-secret': secret } : {},
    })
  const messages = async (deviceId: number) =>
    (
      await sql<{ message_id: string; kind: string; at: Date; via: string; payload: unknown }>`
        select message_id, kind, at, via, payload from device_message where device_id = ${deviceId} order by message_id`.execute(
        p.database.db,
      )
    ).rows
  const device = (id: number) =>
    p.database.db.selectFrom('device').selectAll().where('id', '=', id).executeTakeFirstOrThrow()
  /** Expects the call to be refused with `reason`, and the counter of that reason to move by one. */
  const refusedWith = async (reason: RefusalReason, act: () => Promise<unknown>) => {
    const before = await refusedCount(reason)
    const r = await act()
    expect(await refusedCount(reason)).toBe(before + 1)
    return r
  }

  beforeAll(async () => {
    p = await openTestPlatform(backend)
    smoke = await addTestDevice(p.database.db, 'T-SMOKE-1', 'smoke_detector')
    gas = await addTestDevice(p.database.db, 'T-GAS-1', 'gas_detector', { state: 'offline' })
  })
  afterAll(async () => {
    await p?.close()
  })

  it('stores a reading once over HTTP: a retry of the same id is acknowledged as a duplicate', async () => {
    const body = { kind: 'reading', payload: { id: 'r-1', values: { smoke_obscuration: 0.4, temperature_c: 21.5 } } }
    const first = await post(smoke.code, smoke.secret, body)
    expect(first.status).toBe(202)
    expect(first.body).toEqual({ stored: true })
    const again = await post(smoke.code, smoke.secret, body)
    expect(again.status).toBe(202)
    expect(again.body).toEqual({ stored: false })
    const rows = await messages(smoke.id)
    expect(rows.map((r) => [r.message_id, r.kind, r.via])).toEqual([['r-1', 'reading', 'http']])
    const d = await device(smoke.id)
    expect(d.last_values).toEqual({ smoke_obscuration: 0.4, temperature_c: 21.5 })
    expect(d.last_reading_at).toEqual(p.clock.now())
    expect(d.last_seen_at).toEqual(p.clock.now())
  })

  it('takes the secret as Authorization: Bearer', async () => {
    const r = await call(p.app, 'POST', `/api/v1/devices/${smoke.code}/messages`, {
      body: { kind: 'heartbeat', payload: { id: 'hb-x' } },
      headers: { authorization: `Bearer ${smoke.secret}` },
    })
    expect(r.status).toBe(202)
    const wrong = await call(p.app, 'POST', `/api/v1/devices/${smoke.code}/messages`, {
      body: { kind: 'heartbeat', payload: { id: 'hb-x' } },
      headers: { authorization: 'Bearer not-the-secret' },
    })
    expect(wrong.status).toBe(401)
    expect(wrong.body.error.code).toBe('DEVICE_AUTH_FAILED')
  })

  it('a heartbeat moves last seen and battery and brings an offline device back', async () => {
    expect((await device(gas.id)).state).toBe('offline')
    p.clock.advance(60_000)
    const r = await post(gas.code, gas.secret, { kind: 'heartbeat', payload: { id: 'hb-1', battery: 77, rssi: -70 } })
    expect(r.status).toBe(202)
    const d = await device(gas.id)
    expect(d.state).toBe('active')
    expect(d.offline_since).toBeNull()
    expect(d.battery).toBe(77)
    expect(d.last_heartbeat_at).toEqual(p.clock.now())
    expect(d.last_seen_at).toEqual(p.clock.now())
    // Heartbeats are not kept as messages.
    expect(await messages(gas.id)).toEqual([])
  })

  it('stores an alarm once; a device time in the future is clamped to the receiving time', async () => {
    const future = new Date(p.clock.now().getTime() + 3600_000).toISOString()
    const past = new Date(p.clock.now().getTime() - 60_000)
    const body = { kind: 'alarm', payload: { id: 'a-1', ts: future, alarm: 'gas_leak', state: 'raised', value: 23 } }
    expect((await post(gas.code, gas.secret, body)).body).toEqual({ stored: true })
    expect((await post(gas.code, gas.secret, body)).body).toEqual({ stored: false })
    const b2 = { kind: 'alarm', payload: { id: 'a-2', ts: past.toISOString(), alarm: 'gas_leak', state: 'cleared' } }
    expect((await post(gas.code, gas.secret, b2)).status).toBe(202)
    const rows = await messages(gas.id)
    expect(rows.map((r) => [r.message_id, r.kind])).toEqual([
      ['a-1', 'alarm'],
      ['a-2', 'alarm'],
    ])
    expect(rows[0]!.at).toEqual(p.clock.now())
    expect(rows[1]!.at).toEqual(past)
    expect(rows[0]!.payload).toMatchObject({ alarm: 'gas_leak', state: 'raised', value: 23 })
  })

  it('refuses an unknown device and a wrong secret alike (401), each counted', async () => {
    const body = { kind: 'heartbeat', payload: { id: 'x' } }
    const unknown = await refusedWith('unknown_device', () => post('NO-SUCH-DEVICE', smoke.secret, body))
    const wrong = await refusedWith('bad_secret', () => post(smoke.code, 'not-the-secret', body))
    const none = await post(smoke.code, null, body)
    for (const r of [unknown, wrong, none] as { status: number; body: any }[]) {
      expect(r.status).toBe(401)
      expect(r.body.error.code).toBe('DEVICE_AUTH_FAILED')
    }
    expect((unknown as { body: any }).body.error.message).toBe((wrong as { body: any }).body.error.message)
  })

  it('refuses a retired device (after its secret checked out)', async () => {
    const old = await addTestDevice(p.database.db, 'T-RETIRED-1', 'water_level', { state: 'retired' })
    const r = (await refusedWith('retired', () =>
      post(old.code, old.secret, { kind: 'heartbeat', payload: { id: 'x' } }),
    )) as { status: number; body: any }
    expect(r.status).toBe(409)
    expect(r.body.error.code).toBe('DEVICE_RETIRED')
    expect((await post(old.code, 'wrong', { kind: 'heartbeat', payload: { id: 'x' } })).status).toBe(401)
  })

  it('refuses a payload that fails its type schema (400 naming the field), counted', async () => {
    const cases: [unknown, string][] = [
      [{ id: 'v-1', values: { level_cm: 3 } }, 'payload.values.level_cm'],
      [{ id: 'v-2', values: { smoke_obscuration: 101 } }, 'payload.values.smoke_obscuration'],
      [{ id: 'v-3', values: {} }, 'payload.values'],
      [{ values: { temperature_c: 20 } }, 'payload.id'],
      [{ id: 'v-4', values: { temperature_c: '20' } }, 'payload.values.temperature_c'],
      [{ id: 'has space', values: { temperature_c: 20 } }, 'payload.id'],
      [{ id: 'v-5', ts: 'yesterday', values: { temperature_c: 20 } }, 'payload.ts'],
    ]
    for (const [payload, field] of cases) {
      const r = (await refusedWith('invalid', () => post(smoke.code, smoke.secret, { kind: 'reading', payload }))) as {
        status: number
        body: any
      }
      expect(r.status, JSON.stringify(payload)).toBe(400)
      expect(r.body.error).toMatchObject({ code: 'DEVICE_MESSAGE_INVALID', field })
    }
    // An alarm kind the type does not raise.
    const r = await post(smoke.code, smoke.secret, {
      kind: 'alarm',
      payload: { id: 'v-6', alarm: 'gas_leak', state: 'raised' },
    })
    expect(r.body.error).toMatchObject({ code: 'DEVICE_MESSAGE_INVALID', field: 'payload.alarm' })
    expect((await messages(smoke.id)).map((m) => m.message_id)).not.toContain('v-6')
  })

  it('refuses an oversized payload (413) and a body that is not a message (400)', async () => {
    const big = { id: 'big', alarm: 'smoke', state: 'raised', note: 'x'.repeat(5000) }
    const r = (await refusedWith('too_large', () =>
      post(smoke.code, smoke.secret, { kind: 'alarm', payload: big }),
    )) as { status: number; body: any }
    expect(r.status).toBe(413)
    expect(r.body.error.code).toBe('PAYLOAD_TOO_LARGE')
    // Far beyond the route's body limit: refused before anything is read.
    const huge = await post(smoke.code, smoke.secret, {
      kind: 'alarm',
      payload: { id: 'h', note: 'y'.repeat(100_000) },
    })
    expect(huge.status).toBe(413)
    const kind = await post(smoke.code, smoke.secret, { kind: 'command', payload: { id: 'k' } })
    expect(kind.status).toBe(400)
    expect(kind.body.error.field).toBe('kind')
  })

  it('one ingest function: bad JSON is refused, counted, and nothing is stored', async () => {
    const ingestor = new Ingestor(p.database.db, { clock: p.clock, cipher, ratePerMinute: 600 })
    for (const payload of ['{"id":', Buffer.from([0xff, 0xfe, 0x00]), '']) {
      const err = await refusedWith('bad_json', () =>
        ingestor
          .ingest({ code: smoke.code, kind: 'reading', payload, via: 'mqtt', secret: smoke.secret })
          .catch((e) => e),
      )
      expect(err).toBeInstanceOf(IngestRefusal)
    }
    await ingestor.close()
  })

  it('batches readings and heartbeats: hundreds at once all stored, each once, in few transactions', async () => {
    const ingestor = new Ingestor(p.database.db, { clock: p.clock, cipher, ratePerMinute: 100_000, flushMs: 30 })
    const devices = await Promise.all(
      Array.from({ length: 20 }, (_, i) => addTestDevice(p.database.db, `T-BATCH-${i}`, 'water_level')),
    )
    const sends = devices.flatMap((d) =>
      Array.from({ length: 15 }, (_, k) =>
        ingestor.ingest({
          code: d.code,
          kind: k % 5 === 4 ? 'heartbeat' : 'reading',
          payload: JSON.stringify({
            id: `b-${k}`,
            ts: new Date(p.clock.now().getTime() - (15 - k) * 1000).toISOString(),
            values: k % 5 === 4 ? undefined : { level_cm: k },
            battery: 50 + k,
          }),
          via: 'mqtt',
          secret: d.secret,
        }),
      ),
    )
    // Every reading sent twice within the run (a redelivery): stored once.
    const again = devices.map((d) =>
      ingestor.ingest({
        code: d.code,
        kind: 'reading',
        payload: JSON.stringify({ id: 'b-0', values: { level_cm: 0 } }),
        via: 'mqtt',
        secret: d.secret,
      }),
    )
    const results = await Promise.all([...sends, ...again])
    expect(results.filter((r) => r.stored)).toHaveLength(300)
    const { rows } = await sql<{ n: number; distinct_ids: number }>`
      select count(*)::int as n, count(distinct (device_id, message_id))::int as distinct_ids
      from device_message where device_id = any(${devices.map((d) => d.id)}::bigint[])`.execute(p.database.db)
    expect(rows[0]).toEqual({ n: 240, distinct_ids: 240 })
    expect(ingestor.batches).toBeLessThan(40)
    const d = await device(devices[0]!.id)
    expect(d.last_values).toEqual({ level_cm: 13 })
    expect(d.battery).toBeGreaterThanOrEqual(50)
    expect(d.last_heartbeat_at).toEqual(p.clock.now())
    await ingestor.close()
  })

  it('a rotated secret misses the cache: the old secret is refused, the new one accepted', async () => {
    const ingestor = new Ingestor(p.database.db, { clock: p.clock, cipher, ratePerMinute: 600 })
    const d = await addTestDevice(p.database.db, 'T-ROTATE-1')
    await ingestor.authenticate(d.code, d.secret, 'http')
    await ingestor.authenticate(d.code, d.secret, 'http')
    await p.database.db
      .updateTable('device')
      .set({ secret_hash: hashDeviceSecret('the-new-secret') })
      .where('id', '=', d.id)
      .execute()
    await expect(ingestor.authenticate(d.code, d.secret, 'http')).rejects.toMatchObject({ reason: 'bad_secret' })
    await expect(ingestor.authenticate(d.code, 'the-new-secret', 'http')).resolves.toMatchObject({ id: d.id })
    await ingestor.close()
  })

  it('rate-limits a flooding device without slowing another', async () => {
    const ingestor = new Ingestor(p.database.db, { clock: p.clock, cipher, ratePerMinute: 60 })
    const flood = await addTestDevice(p.database.db, 'T-FLOOD-1', 'manhole_tilt')
    const calm = await addTestDevice(p.database.db, 'T-CALM-1', 'manhole_tilt')
    const send = (d: TestDevice, id: string) =>
      ingestor.ingest({
        code: d.code,
        kind: 'reading',
        payload: JSON.stringify({ id, values: { tilt_deg: 1 } }),
        via: 'mqtt',
        device: { id: d.id, code: d.code, type: d.type, hash: '' },
      })
    const before = await refusedCount('rate_limited')
    const flooding = Array.from({ length: 400 }, (_, i) =>
      send(flood, `f-${i}`).then(
        () => 'ok',
        (e: IngestRefusal) => e.reason,
      ),
    )
    const t0 = performance.now()
    const calmResults = await Promise.all(Array.from({ length: 20 }, (_, i) => send(calm, `c-${i}`)))
    const calmMs = performance.now() - t0
    const floodResults = await Promise.all(flooding)
    expect(calmResults.every((r) => r.stored)).toBe(true)
    expect(floodResults.filter((r) => r === 'ok')).toHaveLength(60)
    expect(floodResults.filter((r) => r === 'rate_limited')).toHaveLength(340)
    expect(await refusedCount('rate_limited')).toBe(before + 340)
    // The calm device's messages waited for one batch, not for the flood.
    expect(calmMs).toBeLessThan(2000)
    expect((await messages(calm.id)).length).toBe(20)
    expect((await messages(flood.id)).length).toBe(60)
    await ingestor.close()
  })

  it('alarms have their own allowance: a reading flood leaves it whole; over it an alarm is refused to be sent again (never acknowledged), or waited for', async () => {
    // 12 a minute: a token every 5 s, so the refusals below hold however slow the machine is.
    const ingestor = new Ingestor(p.database.db, { clock: p.clock, cipher, ratePerMinute: 12, burst: 2 })
    const d = await addTestDevice(p.database.db, 'T-ALARM-RATE', 'water_level')
    const device = { id: d.id, code: d.code, type: d.type, hash: '' }
    const send = (kind: 'reading' | 'alarm', id: string, waitForRate = false) =>
      ingestor.ingest({
        code: d.code,
        kind,
        payload: JSON.stringify(
          kind === 'reading'
            ? { id, values: { level_cm: 10 } }
            : { id, alarm: 'high_water', state: id.endsWith('c') ? 'cleared' : 'raised' },
        ),
        via: 'mqtt',
        device,
        waitForRate,
      })
    await send('reading', 'r-1')
    await send('reading', 'r-2')
    await expect(send('reading', 'r-3')).rejects.toMatchObject({ reason: 'rate_limited' })
    // The readings' allowance is spent; the alarms' is not.
    await expect(send('alarm', 'a-1')).resolves.toEqual({ stored: true })
    await expect(send('alarm', 'a-2c')).resolves.toEqual({ stored: true })
    const refused = await send('alarm', 'a-3').catch((e: IngestRefusal) => e)
    expect(refused).toBeInstanceOf(IngestRefusal)
    expect(refused).toMatchObject({ reason: 'rate_limited' })
    expect((refused as IngestRefusal).retryAfterS).toBeGreaterThanOrEqual(1)
    expect((refused as IngestRefusal).retryAfterS).toBeLessThanOrEqual(5)
    // The subscriber's way: the alarm waits for its token (at most 5 s) and is stored.
    await expect(send('alarm', 'a-3', true)).resolves.toEqual({ stored: true })
    expect((await messages(d.id)).map((m) => m.message_id)).toEqual(['a-1', 'a-2c', 'a-3', 'r-1', 'r-2'])
    await ingestor.close()
  })

  it('a device clock gone back is believed only as far as a week ago (the raw ts kept in the payload)', async () => {
    const body = {
      kind: 'reading',
      payload: { id: 'old-1', ts: '2000-01-01T00:00:00Z', values: { temperature_c: 19 } },
    }
    expect((await post(smoke.code, smoke.secret, body)).status).toBe(202)
    const row = (await messages(smoke.id)).find((m) => m.message_id === 'old-1')!
    expect(row.at).toEqual(new Date(p.clock.now().getTime() - 7 * 24 * 3600_000))
    expect(row.payload).toMatchObject({ ts: '2000-01-01T00:00:00Z' })
  })

  it('failed logins: after ten for a code, or a hundred from one address, tries are refused unchecked (counted), but a secret already verified still works', async () => {
    const ingestor = new Ingestor(p.database.db, { clock: p.clock, cipher, ratePerMinute: 600 })
    const known = await addTestDevice(p.database.db, 'T-LOGIN-KNOWN')
    const fresh = await addTestDevice(p.database.db, 'T-LOGIN-FRESH')
    const third = await addTestDevice(p.database.db, 'T-LOGIN-THIRD')
    await ingestor.authenticate(known.code, known.secret, 'mqtt', '10.0.0.1')
    for (const d of [known, fresh])
      for (let i = 0; i < LOGIN_FAILURES.code; i++)
        await expect(ingestor.authenticate(d.code, `guess-${i}`, 'mqtt', '10.0.0.2')).rejects.toMatchObject({
          reason: 'bad_secret',
        })
    const limited = await refusedCount('login_limited')
    await expect(ingestor.authenticate(fresh.code, fresh.secret, 'mqtt', '10.0.0.3')).rejects.toMatchObject({
      reason: 'login_limited',
      retryAfterS: expect.any(Number),
    })
    expect(await refusedCount('login_limited')).toBe(limited + 1)
    // Guessing at its code does not lock out the device that already proved its secret.
    await expect(ingestor.authenticate(known.code, known.secret, 'mqtt', '10.0.0.3')).resolves.toMatchObject({
      id: known.id,
    })
    // Per address: 20 failures from 10.0.0.2 so far; 80 more on codes nobody has.
    for (let i = 0; i < LOGIN_FAILURES.address - 2 * LOGIN_FAILURES.code; i++)
      await expect(ingestor.authenticate(`T-NOBODY-${i}`, 'x', 'mqtt', '10.0.0.2')).rejects.toMatchObject({
        reason: 'unknown_device',
      })
    await expect(ingestor.authenticate(third.code, third.secret, 'mqtt', '10.0.0.2')).rejects.toMatchObject({
      reason: 'login_limited',
    })
    await expect(ingestor.authenticate(third.code, third.secret, 'mqtt', '10.0.0.4')).resolves.toMatchObject({
      id: third.id,
    })
    await ingestor.close()
  })

  it('over HTTP a code locked by failed logins answers 429 DEVICE_RATE_LIMITED with Retry-After', async () => {
    const d = await addTestDevice(p.database.db, 'T-LOGIN-HTTP')
    const body = { kind: 'heartbeat', payload: { id: 'h' } }
    for (let i = 0; i < LOGIN_FAILURES.code; i++) expect((await post(d.code, `guess-${i}`, body)).status).toBe(401)
    const r = await post(d.code, d.secret, body)
    expect(r.status).toBe(429)
    expect(r.body.error).toMatchObject({ code: 'DEVICE_RATE_LIMITED' })
    expect(Number(r.headers['retry-after'])).toBeGreaterThan(0)
    // The route's shared ingestor forgets, for the tests after this one.
    ingestorFor(p.database.db, { clock: p.clock, cipher, ratePerMinute: 600 }).forget()
    expect((await post(d.code, d.secret, body)).status).toBe(202)
  })

  it('the broker route tells readers where devices connect (and nobody else)', async () => {
    const staff = await call(p.app, 'GET', '/api/v1/devices/broker', {
      token: await tokenFor(p.app, 'guihua.staff'),
    })
    expect(staff.status).toBe(200)
    // No runtime started in this test platform.
    expect(staff.body).toMatchObject({ mode: 'off', mqttPort: null })
    const resident = await call(p.app, 'GET', '/api/v1/devices/broker', {
      token: await tokenFor(p.app, 'guihua.resident'),
    })
    expect(resident.status).toBe(403)
  })
})
