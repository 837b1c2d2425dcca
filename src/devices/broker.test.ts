import mqtt, { type IClientOptions, type MqttClient } from 'mqtt'
import { sql } from 'kysely'
import pino from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  addTestDevice,
  mosquittoTests,
  startMosquitto,
  type Mosquitto,
  type TestDevice,
} from '../../test/mosquitto-support.js'
import { backends, call, openTestPlatform, TEST_DATA_KEY, tokenFor, type TestPlatform } from '../../test/support.js'
import { fieldCipher } from '../core/crypto.js'
import { credentialsChanged, hashDeviceSecret } from './common.js'
import { refusedCount } from './ingest.js'
import { type DeviceRuntime, startDevices } from './runtime.js'
import { registerSimulatedDevices, runSimulator, simSecret } from './simulate.js'

const cipher = fieldCipher(Buffer.from(TEST_DATA_KEY, 'base64'))
const log = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' })
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** Connects as a device; resolves with the client, or rejects with the CONNACK's refusal. */
function connect(url: string, d: { code: string; secret: string }, extra: IClientOptions = {}) {
  return new Promise<MqttClient>((resolve, reject) => {
    const c = mqtt.connect(url, {
      clientId: `${d.code}:${Math.random().toString(36).slice(2, 8)}`,
      username: d.code,
      password: d.secret,
      reconnectPeriod: 0,
      connectTimeout: 5000,
      ...extra,
    })
    c.once('connect', () => {
      c.on('error', () => {})
      resolve(c)
    })
    c.once('error', (err) => {
      c.end(true)
      reject(err)
    })
  })
}

const publish = (c: MqttClient, topic: string, body: unknown) =>
  new Promise<void>((resolve, reject) =>
    c.publish(topic, typeof body === 'string' ? body : JSON.stringify(body), { qos: 1 }, (err) =>
      err ? reject(err) : resolve(),
    ),
  )
const end = (c: MqttClient) => new Promise<void>((r) => c.end(false, {}, () => r()))

async function until<T>(what: string, fn: () => Promise<T>, ok: (v: T) => boolean, ms = 15_000): Promise<T> {
  const t0 = Date.now()
  for (;;) {
    const v = await fn()
    if (ok(v)) return v
    if (Date.now() - t0 > ms) throw new Error(`${what}: still ${JSON.stringify(v)} after ${ms} ms`)
    await sleep(50)
  }
}

describe.each(backends())('embedded MQTT broker (%s)', (backend) => {
  let p: TestPlatform
  let runtime: DeviceRuntime
  let a: TestDevice
  let b: TestDevice
  let url: string
  const rows = async (deviceId: number) =>
    (
      await sql<{ message_id: string; kind: string; via: string }>`
        select message_id, kind, via from device_message where device_id = ${deviceId} order by message_id`.execute(
        p.database.db,
      )
    ).rows

  beforeAll(async () => {
    p = await openTestPlatform(backend)
    a = await addTestDevice(p.database.db, 'T-MQTT-A', 'smoke_detector')
    b = await addTestDevice(p.database.db, 'T-MQTT-B', 'smoke_detector')
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

  it('listens on free ports and says so, also on the broker route', async () => {
    expect(runtime.ports!.mqtt).toBeGreaterThan(0)
    expect(runtime.ports!.ws).toBeGreaterThan(0)
    expect(runtime.describe()).toContain(String(runtime.ports!.mqtt))
    const r = await call(p.app, 'GET', '/api/v1/devices/broker', { token: await tokenFor(p.app, 'guihua.grid') })
    expect(r.body).toMatchObject({ mode: 'embedded', mqttPort: runtime.ports!.mqtt, wsPort: runtime.ports!.ws })
  })

  it('a port in use is a clear error naming the settings', async () => {
    await expect(
      startDevices(
        p.database.db,
        { ...p.config, host: '127.0.0.1', mqttPort: runtime.ports!.mqtt, mqttWsPort: 0, mqttUrl: null },
        p.clock,
        cipher,
        log,
      ),
    ).rejects.toThrow(/EADDRINUSE.*MQTT_PORT/)
  })

  it('refuses CONNECT with a wrong secret or an unknown device: CONNACK not authorised, counted', async () => {
    const bad = await refusedCount('bad_secret')
    const unknown = await refusedCount('unknown_device')
    await expect(connect(url, { code: a.code, secret: 'wrong' })).rejects.toMatchObject({ code: 5 })
    await expect(connect(url, { code: 'T-NOBODY', secret: a.secret })).rejects.toMatchObject({ code: 5 })
    expect(await refusedCount('bad_secret')).toBe(bad + 1)
    expect(await refusedCount('unknown_device')).toBe(unknown + 1)
  })

  it('stores a QoS-1 message before its PUBACK; the same message again is stored once', async () => {
    const c = await connect(url, a)
    await publish(c, `grassroots/devices/${a.code}/alarm`, { id: 'm-1', alarm: 'smoke', state: 'raised' })
    // The PUBACK came: the row is there already (no waiting).
    expect(await rows(a.id)).toEqual([{ message_id: 'm-1', kind: 'alarm', via: 'mqtt' }])
    await publish(c, `grassroots/devices/${a.code}/alarm`, { id: 'm-1', alarm: 'smoke', state: 'raised' })
    await publish(c, `grassroots/devices/${a.code}/reading`, { id: 'm-2', values: { temperature_c: 22 } })
    expect(await rows(a.id)).toEqual([
      { message_id: 'm-1', kind: 'alarm', via: 'mqtt' },
      { message_id: 'm-2', kind: 'reading', via: 'mqtt' },
    ])
    await end(c)
  })

  it("refuses a publish to another device's topic (the connection is closed, nothing stored), counted", async () => {
    const before = await refusedCount('wrong_topic')
    const c = await connect(url, a)
    const closed = new Promise<void>((r) => c.once('close', () => r()))
    c.publish(`grassroots/devices/${b.code}/alarm`, JSON.stringify({ id: 'x-1', alarm: 'smoke', state: 'raised' }), {
      qos: 1,
    })
    await closed
    c.end(true)
    expect(await refusedCount('wrong_topic')).toBe(before + 1)
    expect(await rows(b.id)).toEqual([])
    // Nor may a device subscribe to anything.
    const s = await connect(url, b)
    const refused = await new Promise<unknown>((resolve) =>
      s.subscribe(`grassroots/devices/${a.code}/#`, { qos: 1 }, (e) => resolve(e)),
    )
    expect(refused).toMatchObject({ packet: { cmd: 'suback', granted: [128] } })
    await end(s)
  })

  it('acknowledges and drops a payload that fails its schema (counted), without closing the connection', async () => {
    const before = await refusedCount('invalid')
    const c = await connect(url, a)
    await publish(c, `grassroots/devices/${a.code}/reading`, { id: 'bad-1', values: { lel_percent: 3 } })
    await publish(c, `grassroots/devices/${a.code}/reading`, { id: 'ok-3', values: { temperature_c: 20 } })
    expect(await refusedCount('invalid')).toBe(before + 1)
    const ids = (await rows(a.id)).map((r) => r.message_id)
    expect(ids).toContain('ok-3')
    expect(ids).not.toContain('bad-1')
    await end(c)
  })

  it('cuts off a frame larger than the limit before reading it, counted', async () => {
    const before = await refusedCount('too_large')
    const c = await connect(url, a)
    const closed = new Promise<void>((r) => c.once('close', () => r()))
    c.publish(`grassroots/devices/${a.code}/alarm`, 'x'.repeat(200_000), { qos: 1 })
    await closed
    c.end(true)
    expect(await refusedCount('too_large')).toBe(before + 1)
  })

  it('while the database is away a message waits without a PUBACK, and is stored once when it is back', async () => {
    // The database answers "cannot connect now" (57P03) while the flag row exists.
    const db = p.database.db
    await sql`create table t_away (x int)`.execute(db)
    await sql`insert into t_away values (1)`.execute(db)
    await sql`create function t_away_fn() returns trigger language plpgsql as $$
      begin if exists (select 1 from t_away) then raise exception 'simulated: database away' using errcode = '57P03'; end if; return new; end $$`.execute(
      db,
    )
    await sql`create trigger t_away_trg before insert on device_message for each row execute function t_away_fn()`.execute(
      db,
    )
    try {
      const c = await connect(url, b, { reconnectPeriod: 100 })
      let acked = false
      const done = publish(c, `grassroots/devices/${b.code}/alarm`, {
        id: 'retry-1',
        alarm: 'heat',
        state: 'raised',
      }).then(() => {
        acked = true
      })
      await sleep(1500)
      expect(acked).toBe(false)
      expect(await rows(b.id)).toEqual([])
      await sql`delete from t_away`.execute(db)
      await done
      expect(acked).toBe(true)
      expect(await rows(b.id)).toEqual([{ message_id: 'retry-1', kind: 'alarm', via: 'mqtt' }])
      await end(c)
    } finally {
      await sql`drop trigger t_away_trg on device_message`.execute(db)
    }
  })

  it('a poison message is tried again, then acknowledged and dropped (counted as failed); the device goes on', async () => {
    const db = p.database.db
    await sql`create function t_poison_fn() returns trigger language plpgsql as $$
      begin if new.message_id like 'poison%' then raise exception 'simulated: poison'; end if; return new; end $$`.execute(
      db,
    )
    await sql`create trigger t_poison_trg before insert on device_message for each row execute function t_poison_fn()`.execute(
      db,
    )
    try {
      const failed = await refusedCount('failed')
      const c = await connect(url, b)
      await publish(c, `grassroots/devices/${b.code}/alarm`, { id: 'poison-1', alarm: 'heat', state: 'cleared' })
      await publish(c, `grassroots/devices/${b.code}/reading`, { id: 'poison-2', values: { temperature_c: 20 } })
      await publish(c, `grassroots/devices/${b.code}/reading`, { id: 'after-poison', values: { temperature_c: 21 } })
      expect(await refusedCount('failed')).toBe(failed + 2)
      const ids = (await rows(b.id)).map((r) => r.message_id)
      expect(ids).toContain('after-poison')
      expect(ids.filter((i) => i.startsWith('poison'))).toEqual([])
      await end(c)
    } finally {
      await sql`drop trigger t_poison_trg on device_message`.execute(db)
    }
  })

  it("a client id that is not the device's code (or <code>:…) is refused: CONNACK identifier rejected, counted", async () => {
    const before = await refusedCount('bad_client_id')
    await expect(connect(url, a, { clientId: b.code })).rejects.toMatchObject({ code: 2 })
    await expect(connect(url, a, { clientId: `${a.code}-x` })).rejects.toMatchObject({ code: 2 })
    expect(await refusedCount('bad_client_id')).toBe(before + 2)
    await end(await connect(url, a, { clientId: a.code }))
  })

  it('MQTT over WebSocket works', async () => {
    const c = await connect(`ws://127.0.0.1:${runtime.ports!.ws}`, a)
    await publish(c, `grassroots/devices/${a.code}/reading`, { id: 'ws-1', values: { smoke_obscuration: 0.2 } })
    expect((await rows(a.id)).map((r) => r.message_id)).toContain('ws-1')
    await end(c)
  })

  it('the simulator: registers SIM devices once (reused, secrets restored), publishes over kept and rotating connections, every acknowledged message stored', async () => {
    const db = p.database.db
    const first = await registerSimulatedDevices(db, 20, p.clock.now())
    expect(first.created).toBe(20)
    await db
      .updateTable('device')
      .set({ secret_hash: hashDeviceSecret('x') })
      .where('code', '=', 'SIM-000003')
      .execute()
    const again = await registerSimulatedDevices(db, 20, p.clock.now())
    expect([again.created, again.reset]).toEqual([0, 1])
    expect(again.devices[2]!.secret).toBe(simSecret('SIM-000003'))
    const sims = await sql<{ n: number; grids: number }>`
      select count(*)::int as n, count(distinct area_id)::int as grids from device where code like 'SIM-%'`.execute(db)
    expect(sims.rows[0]!.n).toBe(20)
    expect(sims.rows[0]!.grids).toBeGreaterThan(10)
    const stored = async () =>
      (
        await sql<{ kind: string; n: number }>`
          select m.kind, count(*)::int as n from device_message m join device d on d.id = m.device_id
          where d.code like 'SIM-%' group by 1 order by 1`.execute(db)
      ).rows
    // Kept connections (5 devices, 5 connections), then rotating ones (20 devices over 4).
    const kept = await runSimulator({
      url,
      devices: again.devices.slice(0, 5),
      rate: 0,
      messages: 200,
      alarms: 10,
      connections: 5,
    })
    expect(kept).toMatchObject({ sent: 200, acked: 200, failed: 0, alarmsRaised: 10, alarmsCleared: 10 })
    const rotating = await runSimulator({
      url,
      devices: again.devices,
      rate: 400,
      messages: 200,
      connections: 4,
      burst: 5,
    })
    expect(rotating).toMatchObject({ sent: 200, acked: 200, failed: 0 })
    const rows = await stored()
    const alarms = rows.find((r) => r.kind === 'alarm')?.n ?? 0
    const readings = rows.find((r) => r.kind === 'reading')?.n ?? 0
    expect(alarms).toBe(20)
    // Heartbeats (about a quarter) are not kept; everything else is.
    expect(readings).toBeGreaterThan(250)
    expect(readings).toBeLessThan(380)
  })

  it('a device whose secret is rotated while connected is disconnected at the next check', async () => {
    const d = await addTestDevice(p.database.db, 'T-MQTT-ROT', 'gas_detector')
    const c = await connect(url, d)
    const closed = new Promise<void>((r) => c.once('close', () => r()))
    await p.database.db
      .updateTable('device')
      .set({ secret_hash: hashDeviceSecret('rotated') })
      .where('id', '=', d.id)
      .execute()
    // The runtime checks every 30 s; here at once.
    expect(await runtime.revalidate()).toBe(1)
    await closed
    c.end(true)
    await expect(connect(url, d)).rejects.toMatchObject({ code: 5 })
  })

  it('a device rotated or retired through the registry is disconnected at once (credentialsChanged)', async () => {
    const d = await addTestDevice(p.database.db, 'T-MQTT-NOW', 'gas_detector')
    const other = await addTestDevice(p.database.db, 'T-MQTT-STAY', 'gas_detector')
    const c = await connect(url, d)
    const stays = await connect(url, other)
    const closed = new Promise<void>((r) => c.once('close', () => r()))
    await p.database.db.updateTable('device').set({ state: 'retired' }).where('id', '=', d.id).execute()
    // What the registry routes call once their transaction has committed.
    credentialsChanged(d.code)
    credentialsChanged(other.code)
    await closed
    c.end(true)
    await expect(connect(url, d)).rejects.toMatchObject({ code: 5 })
    expect(stays.connected).toBe(true)
    await publish(stays, `grassroots/devices/${other.code}/heartbeat`, { id: 'still-here' })
    await end(stays)
  })
})

describe.runIf(mosquittoTests)('external broker: mosquitto', () => {
  const backend = backends().at(-1)!
  let p: TestPlatform
  let broker: Mosquitto
  let a: TestDevice
  let b: TestDevice
  let retired: TestDevice
  const config = () => ({ ...p.config, mqttUrl: broker.platformUrl })
  const rows = async (deviceId: number) =>
    (
      await sql<{ message_id: string; kind: string }>`
        select message_id, kind from device_message where device_id = ${deviceId} order by message_id`.execute(
        p.database.db,
      )
    ).rows

  beforeAll(async () => {
    p = await openTestPlatform(backend)
    a = await addTestDevice(p.database.db, 'T-MOSQ-A', 'water_level')
    b = await addTestDevice(p.database.db, 'T-MOSQ-B', 'water_level')
    retired = await addTestDevice(p.database.db, 'T-MOSQ-OLD', 'water_level', { state: 'retired' })
    broker = await startMosquitto(p.database.db)
  })
  afterAll(async () => {
    await broker?.stop()
    await p?.close()
  })

  it('mosquitto authenticates devices from the password file the registry wrote; a wrong secret or a retired device is refused', async () => {
    await expect(connect(broker.url, { code: a.code, secret: 'wrong' })).rejects.toMatchObject({ code: 5 })
    await expect(connect(broker.url, retired)).rejects.toMatchObject({ code: 5 })
    const c = await connect(broker.url, a)
    await end(c)
  })

  it('the platform subscribes, stores what devices publish once, and the ACL keeps each device to its topic', async () => {
    const runtime = await startDevices(p.database.db, config(), p.clock, cipher, log)
    try {
      await runtime.ready
      const c = await connect(broker.url, a)
      await publish(c, `grassroots/devices/${a.code}/reading`, { id: 'q-1', values: { level_cm: 40 } })
      await publish(c, `grassroots/devices/${a.code}/alarm`, { id: 'q-2', alarm: 'high_water', state: 'raised' })
      await publish(c, `grassroots/devices/${a.code}/alarm`, { id: 'q-2', alarm: 'high_water', state: 'raised' })
      // Not its topic: mosquitto acknowledges and drops it (MQTT 3.1.1).
      await publish(c, `grassroots/devices/${b.code}/alarm`, { id: 'q-3', alarm: 'high_water', state: 'raised' })
      await publish(c, `grassroots/devices/${a.code}/heartbeat`, { id: 'q-4', battery: 41 })
      await until(
        'stored',
        () => rows(a.id),
        (r) => r.length === 2,
      )
      await until(
        'heartbeat',
        () => p.database.db.selectFrom('device').select('battery').where('id', '=', a.id).executeTakeFirstOrThrow(),
        (d) => d.battery === 41,
      )
      expect(await rows(a.id)).toEqual([
        { message_id: 'q-1', kind: 'reading' },
        { message_id: 'q-2', kind: 'alarm' },
      ])
      expect(await rows(b.id)).toEqual([])
      await end(c)
    } finally {
      await runtime.stop()
    }
  })

  it('alarms published while the platform is down are all stored once when it comes back', async () => {
    // The platform's persistent session exists (previous test); now it is away.
    const c = await connect(broker.url, b)
    for (let i = 0; i < 50; i++)
      await publish(c, `grassroots/devices/${b.code}/alarm`, {
        id: `down-${i}`,
        alarm: 'high_water',
        state: i % 2 ? 'cleared' : 'raised',
      })
    await end(c)
    expect(await rows(b.id)).toEqual([])
    const runtime = await startDevices(p.database.db, config(), p.clock, cipher, log)
    try {
      await until(
        'all 50',
        () => rows(b.id),
        (r) => r.length >= 50,
      )
      await sleep(300)
      const got = await rows(b.id)
      expect(got).toHaveLength(50)
      expect(new Set(got.map((r) => r.message_id)).size).toBe(50)
    } finally {
      await runtime.stop()
    }
  })

  it('a device registered later connects once the files are written again and mosquitto reloaded (SIGHUP)', async () => {
    const late = await addTestDevice(p.database.db, 'T-MOSQ-LATE', 'water_level')
    await expect(connect(broker.url, late)).rejects.toMatchObject({ code: 5 })
    await broker.reload(p.database.db)
    const c = await connect(broker.url, late)
    await end(c)
  })

  it('with MOSQUITTO_DIR and MOSQUITTO_RELOAD the platform rewrites the files after a credential change and reloads mosquitto', async () => {
    const rotated = await addTestDevice(p.database.db, 'T-MOSQ-ROT', 'water_level')
    await broker.reload(p.database.db)
    await end(await connect(broker.url, rotated))
    process.env.MOSQUITTO_DIR = broker.dir
    process.env.MOSQUITTO_RELOAD = `kill -HUP ${broker.pid}`
    const runtime = await startDevices(p.database.db, config(), p.clock, cipher, log)
    try {
      await runtime.ready
      const fresh = await addTestDevice(p.database.db, 'T-MOSQ-NEW', 'water_level')
      await p.database.db
        .updateTable('device')
        .set({ secret_hash: hashDeviceSecret('rotated-secret-for-mosquitto') })
        .where('id', '=', rotated.id)
        .execute()
      credentialsChanged(fresh.code)
      credentialsChanged(rotated.code)
      await until(
        'the new device let in',
        () => connect(broker.url, fresh).then(end, () => false),
        (ok) => ok !== false,
        5_000,
      )
      await expect(connect(broker.url, rotated)).rejects.toMatchObject({ code: 5 })
      await end(await connect(broker.url, { code: rotated.code, secret: 'rotated-secret-for-mosquitto' }))
      // A device registered by another process (no notice here) is found by the periodic check.
      const elsewhere = await addTestDevice(p.database.db, 'T-MOSQ-ELSEWHERE', 'water_level')
      await expect(connect(broker.url, elsewhere)).rejects.toMatchObject({ code: 5 })
      expect(await runtime.revalidate()).toBe(1)
      await until(
        "the other process's device let in",
        () => connect(broker.url, elsewhere).then(end, () => false),
        (ok) => ok !== false,
        5_000,
      )
      expect(await runtime.revalidate()).toBe(0)
      // The platform still reads: its own line is in the rewritten file.
      const c = await connect(broker.url, fresh)
      await publish(c, `grassroots/devices/${fresh.code}/reading`, { id: 'after-rewrite', values: { level_cm: 12 } })
      await until(
        'stored',
        () => rows(fresh.id),
        (r) => r.length === 1,
      )
      await end(c)
    } finally {
      delete process.env.MOSQUITTO_DIR
      delete process.env.MOSQUITTO_RELOAD
      await runtime.stop()
    }
  })
})
