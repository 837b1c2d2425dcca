import { randomBytes } from 'node:crypto'
import { createConnection } from 'node:net'
import fc from 'fast-check'
import { sql } from 'kysely'
import mqtt, { type MqttClient } from 'mqtt'
import pino from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { fieldCipher } from '../src/core/crypto.js'
import { refusedCount } from '../src/devices/ingest.js'
import { type DeviceRuntime, startDevices } from '../src/devices/runtime.js'
import { addTestDevice, mosquittoTests, startMosquitto, type Mosquitto, type TestDevice } from './mosquitto-support.js'
import { backends, openTestPlatform, TEST_DATA_KEY, type TestPlatform } from './support.js'

// The MQTT way in under random input: random topics (own, another device's, $SYS, deep, empty
// levels, unicode), random payloads (JSON of any shape, near-valid messages with one field
// broken, random bytes, oversized), every QoS and the retain flag, and raw garbage on the socket.
// Nothing may crash the process or stop the subscriber: afterwards a good device still gets a
// valid message stored, and the refusal counters moved.

const cipher = fieldCipher(Buffer.from(TEST_DATA_KEY, 'base64'))
const log = pino({ level: 'silent' })
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
const RUNS = Number(process.env.FUZZ_RUNS ?? 300)

function connect(url: string, d: { code: string; secret: string }) {
  return new Promise<MqttClient>((resolve, reject) => {
    const c = mqtt.connect(url, {
      clientId: `${d.code}:${randomBytes(3).toString('hex')}`,
      username: d.code,
      password: d.secret,
      reconnectPeriod: 0,
      connectTimeout: 5000,
    })
    c.once('connect', () => {
      c.on('error', () => {})
      resolve(c)
    })
    c.once('error', (e) => {
      c.end(true)
      reject(e)
    })
  })
}

/** Publishes and waits for the PUBACK, the connection closing, or a short while. */
function tryPublish(c: MqttClient, topic: string, payload: Buffer | string, qos: 0 | 1 | 2, retain: boolean) {
  return new Promise<'acked' | 'closed' | 'timeout'>((resolve) => {
    const timer = setTimeout(() => resolve('timeout'), 1500)
    const onClose = () => {
      clearTimeout(timer)
      resolve('closed')
    }
    c.once('close', onClose)
    try {
      c.publish(topic, payload, { qos, retain }, (err) => {
        clearTimeout(timer)
        c.off('close', onClose)
        resolve(err ? 'closed' : 'acked')
      })
    } catch {
      clearTimeout(timer)
      c.off('close', onClose)
      resolve('closed')
    }
  })
}

function arbitraries(own: TestDevice, other: TestDevice) {
  const kind = fc.constantFrom('alarm', 'reading', 'heartbeat', 'command', '', 'ALARM', '#', '+')
  const topic = fc.oneof(
    {
      arbitrary: fc.constantFrom('alarm', 'reading', 'heartbeat').map((k) => `grassroots/devices/${own.code}/${k}`),
      weight: 8,
    },
    kind.map((k) => `grassroots/devices/${own.code}/${k}`),
    kind.map((k) => `grassroots/devices/${other.code}/${k}`),
    fc.constantFrom('$SYS/broker/x', 'grassroots/devices', 'grassroots//devices', '/', 'a/b/c/d/e/f/g/h/i/j/k'),
    fc
      .string({ minLength: 1, maxLength: 80 })
      .filter((s) => !s.includes('#') && !s.includes('+') && !s.includes('\u0000')),
    fc
      .array(fc.string({ maxLength: 5 }), { minLength: 1, maxLength: 12 })
      .map((a) => a.join('/'))
      .filter((s) => s.length > 0 && !['#', '+', '\u0000'].some((c) => s.includes(c))),
  )
  const nearValid = fc.record(
    {
      id: fc.oneof(fc.string({ maxLength: 70 }), fc.integer(), fc.constant(null)),
      ts: fc.oneof(
        fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
        fc.string({ maxLength: 30 }),
      ),
      values: fc.dictionary(
        fc.constantFrom('smoke_obscuration', 'temperature_c', 'lel_percent', 'x', '__proto__'),
        fc.oneof(fc.double(), fc.integer(), fc.string({ maxLength: 5 })),
      ),
      alarm: fc.constantFrom('smoke', 'heat', 'gas_leak', ''),
      state: fc.constantFrom('raised', 'cleared', 'on'),
      battery: fc.oneof(fc.integer({ min: -5, max: 120 }), fc.double()),
      note: fc.string({ maxLength: 300 }),
    },
    { requiredKeys: [] },
  )
  const payload = fc.oneof(
    nearValid.map((o) => JSON.stringify(o)),
    fc.anything().map((v) => JSON.stringify(v) ?? 'undefined'),
    fc.uint8Array({ maxLength: 600 }).map((a) => Buffer.from(a)),
    fc.integer({ min: 4097, max: 300_000 }).map((n) => Buffer.alloc(n, 0x7b)),
    fc.constant(''),
  )
  return { topic, payload, qos: fc.constantFrom<0 | 1 | 2>(0, 1, 2), retain: fc.boolean() }
}

describe.each(backends())('MQTT fuzz against the embedded broker (%s)', (backend) => {
  let p: TestPlatform
  let runtime: DeviceRuntime
  let own: TestDevice
  let other: TestDevice
  let url: string

  beforeAll(async () => {
    p = await openTestPlatform(backend)
    own = await addTestDevice(p.database.db, 'FUZZ-OWN', 'smoke_detector')
    other = await addTestDevice(p.database.db, 'FUZZ-OTHER', 'smoke_detector')
    runtime = await startDevices(
      p.database.db,
      { ...p.config, host: '127.0.0.1', mqttPort: 0, mqttWsPort: 0, mqttUrl: null },
      p.clock,
      cipher,
      log,
    )
    url = `mqtt://127.0.0.1:${runtime.ports!.mqtt}`
  })
  afterAll(async () => {
    await runtime?.stop()
    await p?.close()
  })

  it('random topics, payloads, QoS and retain: no crash, nothing stored for another device', async () => {
    const before = {
      invalid: await refusedCount('invalid'),
      bad_json: await refusedCount('bad_json'),
      wrong_topic: await refusedCount('wrong_topic'),
      too_large: await refusedCount('too_large'),
    }
    let client = await connect(url, own)
    const outcomes = { acked: 0, closed: 0, timeout: 0 }
    const a = arbitraries(own, other)
    await fc.assert(
      fc.asyncProperty(a.topic, a.payload, a.qos, a.retain, async (topic, payload, qos, retain) => {
        if (!client.connected) {
          client.end(true)
          client = await connect(url, own)
        }
        const outcome = await tryPublish(client, topic, payload, qos, retain)
        outcomes[outcome]++
        // A refused publish closes the connection (MQTT 3.1.1 has no negative PUBACK): a new one.
        if (outcome !== 'acked') {
          client.end(true)
          client = await connect(url, own)
        }
      }),
      { numRuns: RUNS },
    )
    client.end(true)
    // Some of each happened, and every refusal was counted.
    expect(outcomes.acked).toBeGreaterThan(0)
    expect(outcomes.closed).toBeGreaterThan(0)
    expect(await refusedCount('invalid')).toBeGreaterThan(before.invalid)
    expect(await refusedCount('bad_json')).toBeGreaterThan(before.bad_json)
    expect(await refusedCount('wrong_topic')).toBeGreaterThan(before.wrong_topic)
    expect(await refusedCount('too_large')).toBeGreaterThan(before.too_large)
    const { rows } = await sql<{ n: number }>`
      select count(*)::int as n from device_message where device_id = ${other.id}`.execute(p.database.db)
    expect(rows[0]!.n).toBe(0)
  })

  it('raw garbage on the socket: connections closed, the broker stays up', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ minLength: 1, maxLength: 2000 }), async (bytes) => {
        await new Promise<void>((resolve) => {
          const s = createConnection({ port: runtime.ports!.mqtt, host: '127.0.0.1' })
          const done = () => {
            s.destroy()
            resolve()
          }
          s.once('error', done)
          s.once('close', done)
          s.once('connect', () => s.write(Buffer.from(bytes), () => setTimeout(done, 20)))
        })
      }),
      { numRuns: Math.ceil(RUNS / 3) },
    )
    // A PUBLISH claiming QoS 3 and one announcing a 200 MB body: refused at the header.
    for (const frame of [Buffer.from([0x36, 0x02, 0x00, 0x00]), Buffer.from([0x32, 0xff, 0xff, 0xff, 0x7f])]) {
      await new Promise<void>((resolve) => {
        const s = createConnection({ port: runtime.ports!.mqtt, host: '127.0.0.1' }, () => s.write(frame))
        s.once('close', () => resolve())
        s.once('error', () => resolve())
        setTimeout(() => {
          s.destroy()
          resolve()
        }, 2000)
      })
    }
  })

  it('afterwards a good device still connects and its message is stored', async () => {
    const c = await connect(url, own)
    const r = await tryPublish(
      c,
      `grassroots/devices/${own.code}/reading`,
      JSON.stringify({ id: 'after-fuzz', values: { temperature_c: 21 } }),
      1,
      false,
    )
    expect(r).toBe('acked')
    const { rows } = await sql<{ n: number }>`
      select count(*)::int as n from device_message where device_id = ${own.id} and message_id = 'after-fuzz'`.execute(
      p.database.db,
    )
    expect(rows[0]!.n).toBe(1)
    c.end(true)
  })
})

describe.runIf(mosquittoTests)('MQTT fuzz through mosquitto to the platform subscriber', () => {
  let p: TestPlatform
  let broker: Mosquitto
  let runtime: DeviceRuntime
  let own: TestDevice

  beforeAll(async () => {
    p = await openTestPlatform(backends().at(-1)!)
    own = await addTestDevice(p.database.db, 'FUZZ-MOSQ', 'gas_detector')
    broker = await startMosquitto(p.database.db)
    runtime = await startDevices(p.database.db, { ...p.config, mqttUrl: broker.platformUrl }, p.clock, cipher, log)
    await runtime.ready
  })
  afterAll(async () => {
    await runtime?.stop()
    await broker?.stop()
    await p?.close()
  })

  it('random payloads on every kind reach the subscriber, which drops them counted and stays up', async () => {
    const before = (await refusedCount('invalid')) + (await refusedCount('bad_json'))
    let client = await connect(broker.url, own)
    const kind = fc.constantFrom('alarm', 'reading', 'heartbeat', 'other')
    const payload = fc.oneof(
      fc.anything().map((v) => JSON.stringify(v) ?? 'null'),
      fc.uint8Array({ maxLength: 400 }).map((a) => Buffer.from(a)),
      fc
        .record({ id: fc.string({ maxLength: 80 }), values: fc.dictionary(fc.string(), fc.double()) })
        .map((o) => JSON.stringify(o)),
    )
    await fc.assert(
      fc.asyncProperty(kind, payload, fc.constantFrom<0 | 1 | 2>(0, 1, 2), async (k, body, qos) => {
        if (!client.connected) {
          client.end(true)
          client = await connect(broker.url, own)
        }
        await tryPublish(client, `grassroots/devices/${own.code}/${k}`, body, qos, false)
      }),
      { numRuns: Math.ceil(RUNS / 2) },
    )
    await tryPublish(
      client,
      `grassroots/devices/${own.code}/alarm`,
      JSON.stringify({ id: 'mosq-after-fuzz', alarm: 'gas_leak', state: 'raised' }),
      1,
      false,
    )
    client.end(true)
    for (let i = 0; i < 100; i++) {
      const { rows } = await sql<{ n: number }>`
        select count(*)::int as n from device_message where device_id = ${own.id} and message_id = 'mosq-after-fuzz'`.execute(
        p.database.db,
      )
      if (rows[0]!.n === 1) break
      await sleep(100)
    }
    const { rows } = await sql<{ n: number }>`
      select count(*)::int as n from device_message where device_id = ${own.id} and message_id = 'mosq-after-fuzz'`.execute(
      p.database.db,
    )
    expect(rows[0]!.n).toBe(1)
    expect((await refusedCount('invalid')) + (await refusedCount('bad_json'))).toBeGreaterThan(before)
  })
})
