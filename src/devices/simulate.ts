import { createHmac, randomBytes } from 'node:crypto'
import mqtt, { type MqttClient } from 'mqtt'
import { sql } from 'kysely'
import type { Db } from '../core/db.js'
import { hashDeviceSecret, verifyDeviceSecret } from './common.js'
import { type DeviceType, typeSpecs } from './types.js'

// The device simulator (`grassroots devices simulate`): registers simulated devices SIM-000001…
// in the demo city with secrets derived from a key (so a later run reuses them), connects to the
// broker as them and publishes realistic readings and heartbeats at a rate, plus planted alarms
// (raised, then cleared a little later), QoS 1, every message with its own id.
//
// A device may publish only under its own code, so each connection is one device. With no more
// devices than --connections every device keeps its own connection; with more, the connections
// are slots that take the devices in turn: connect as the next device, publish its burst of
// messages, wait for the PUBACKs, disconnect, take the next one (like battery devices that wake,
// send and sleep).

export const SIM_PREFIX = 'SIM-'
export const DEFAULT_SIM_KEY = 'grassroots-simulator'

export const simCode = (i: number) => `${SIM_PREFIX}${String(i).padStart(6, '0')}`
/** The secret of a simulated device: derived from the simulator's key and its code. */
export const simSecret = (code: string, key = DEFAULT_SIM_KEY) =>
  createHmac('sha256', key).update(code).digest('base64url')

// Most devices in a community are smoke detectors; the rest spread over the other types.
const typeMix: DeviceType[] = [
  ...Array<DeviceType>(8).fill('smoke_detector'),
  ...Array<DeviceType>(3).fill('gas_detector'),
  ...Array<DeviceType>(2).fill('water_level'),
  ...Array<DeviceType>(2).fill('manhole_tilt'),
  ...Array<DeviceType>(2).fill('elevator_monitor'),
  ...Array<DeviceType>(2).fill('access_control'),
  'hydrant_pressure',
]
const ownerByType: Record<DeviceType, string> = {
  smoke_detector: 'QH-ZJ',
  gas_detector: 'QH-ZJ',
  water_level: 'QH-SW',
  manhole_tilt: 'QH-CG',
  elevator_monitor: 'QH-ZJ',
  access_control: 'QH-GA',
  hydrant_pressure: 'QH-SW',
}
const typeNames: Record<DeviceType, string> = {
  smoke_detector: '模拟烟感',
  gas_detector: '模拟燃气探测器',
  water_level: '模拟水位传感器',
  manhole_tilt: '模拟井盖传感器',
  elevator_monitor: '模拟电梯监测',
  access_control: '模拟门禁',
  hydrant_pressure: '模拟消火栓水压',
}

export interface SimDevice {
  code: string
  type: DeviceType
  secret: string
}

/** The simulated devices SIM-000001…SIM-<count> with their types and derived secrets. */
export function simulatedDevices(count: number, key = DEFAULT_SIM_KEY): SimDevice[] {
  return Array.from({ length: count }, (_, k) => {
    const code = simCode(k + 1)
    return { code, type: typeMix[k % typeMix.length]!, secret: simSecret(code, key) }
  })
}

/**
 * Registers (or reuses) `count` simulated devices SIM-000001… spread over the demo city's grids,
 * as the owner. A device whose stored hash no longer matches its derived secret gets it back; a
 * retired one stays retired (and is refused by the platform).
 */
export async function registerSimulatedDevices(
  db: Db,
  count: number,
  now: Date,
  key = DEFAULT_SIM_KEY,
): Promise<{ devices: SimDevice[]; created: number; reset: number }> {
  if (!Number.isInteger(count) || count < 1 || count > 999_999) throw new Error('--devices must be 1…999999')
  const devices = simulatedDevices(count, key)
  const existing = new Map<string, string>()
  for (let i = 0; i < devices.length; i += 5000) {
    const rows = await db
      .selectFrom('device')
      .select(['code', 'secret_hash'])
      .where(
        'code',
        'in',
        devices.slice(i, i + 5000).map((d) => d.code),
      )
      .execute()
    for (const r of rows) existing.set(r.code, r.secret_hash)
  }
  const fresh = devices.filter((d) => !existing.has(d.code))
  const stale = devices.filter((d) => existing.has(d.code) && !verifyDeviceSecret(d.secret, existing.get(d.code)!))
  for (let i = 0; i < fresh.length; i += 2000) {
    const rows = fresh.slice(i, i + 2000).map((d) => ({
      n: Number(d.code.slice(SIM_PREFIX.length)),
      code: d.code,
      type: d.type,
      name: `${typeNames[d.type]} ${d.code.slice(SIM_PREFIX.length)}`,
      owner: ownerByType[d.type],
      hash: hashDeviceSecret(d.secret),
    }))
    await sql`
      with g as (
        select id, path, boundary, row_number() over (order by id) - 1 as k, count(*) over () as n
        from area where level = 'grid' and retired_at is null
      ), fallback as (select min(id) as id from department where kind = 'functional')
      insert into device (code, type, name, area_id, district_id, location, owner_department_id, secret_hash,
                          secret_rotated_at, created_at, updated_at, place)
      select v.code, v.type, v.name, g.id, (string_to_array(trim(both '/' from g.path), '/'))[2]::int,
             (select (ST_Dump(ST_GeneratePoints(g.boundary, 1, v.n))).geom limit 1),
             coalesce((select id from department where code = v.owner), (select id from fallback)),
             v.hash, ${now}, ${now}, ${now}, '模拟设备'
      from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as v(n int, code text, type text, name text, owner text, hash text)
      join g on g.k = v.n % g.n
      on conflict (code) do nothing`.execute(db)
  }
  for (const d of stale)
    await db
      .updateTable('device')
      .set({ secret_hash: hashDeviceSecret(d.secret), secret_rotated_at: now, updated_at: now })
      .where('code', '=', d.code)
      .execute()
  return { devices, created: fresh.length, reset: stale.length }
}

// ---------------------------------------------------------------------------------------------

/** A plausible reading for a device type (values well inside the alarm thresholds). */
export function readingFor(type: DeviceType, rand: () => number): Record<string, number> {
  const r = (lo: number, hi: number, digits = 1) => Number((lo + (hi - lo) * rand()).toFixed(digits))
  switch (type) {
    case 'smoke_detector':
      return { smoke_obscuration: r(0, 1.5, 2), temperature_c: r(16, 29) }
    case 'gas_detector':
      return { lel_percent: r(0, 3), co_ppm: r(0, 15, 0) }
    case 'water_level':
      return { level_cm: r(20, 80) }
    case 'manhole_tilt':
      return { tilt_deg: r(0, 3) }
    case 'elevator_monitor':
      return { speed_mps: r(0, 2.5, 2), door_cycles: Math.floor(r(1000, 200_000, 0)) }
    case 'access_control':
      return { door_open_seconds: r(0, 25, 0) }
    case 'hydrant_pressure':
      return { pressure_mpa: r(0.25, 0.45, 3) }
  }
}

export interface SimOptions {
  url: string
  devices: SimDevice[]
  /** Messages per second over all devices; 0: as fast as the broker acknowledges. */
  rate: number
  /** Stop after this many messages (readings, heartbeats and alarms), or after `seconds`. */
  messages?: number
  seconds?: number
  /** Planted alarms (each raised, then cleared by a later message of the same device). */
  alarms?: number
  /** Concurrent device connections (see the header). */
  connections?: number
  /** Messages per device per connection, when connections rotate. */
  burst?: number
  /** Report every second. */
  onSecond?: (s: { second: number; sent: number; acked: number; failed: number }) => void
  /** Each alarm message acknowledged, with the time from publish to PUBACK. */
  onAlarmAcked?: (a: { code: string; id: string; state: 'raised' | 'cleared'; ms: number }) => void
  /** Stops early when it resolves. */
  stop?: Promise<unknown>
  /** Device clients: keep unacknowledged messages and send them again after a reconnect (persistent connections only). */
  reconnect?: boolean
}

export interface SimResult {
  sent: number
  acked: number
  failed: number
  seconds: number
  alarmsRaised: number
  alarmsCleared: number
  /** publish → PUBACK of alarm messages, ms, sorted. */
  alarmLatencies: number[]
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** Publishes as the simulated devices until `messages` or `seconds` is reached. */
export async function runSimulator(opts: SimOptions): Promise<SimResult> {
  const run = randomBytes(4).toString('hex')
  let seq = 0
  const nextId = () => `${run}-${(++seq).toString(36)}`
  let rnd = Number.parseInt(run, 16) || 1
  const rand = () => {
    // xorshift32: cheap and reproducible within a run.
    rnd ^= rnd << 13
    rnd ^= rnd >>> 17
    rnd ^= rnd << 5
    return ((rnd >>> 0) % 1_000_000) / 1_000_000
  }
  const total = opts.messages ?? Number.POSITIVE_INFINITY
  const started = performance.now()
  const deadline = opts.seconds ? started + opts.seconds * 1000 : Number.POSITIVE_INFINITY
  let stopped = false
  opts.stop?.then(() => {
    stopped = true
  })
  const stats = { sent: 0, acked: 0, failed: 0, alarmsRaised: 0, alarmsCleared: 0 }
  const alarmLatencies: number[] = []
  // Planted alarms: evenly over the run, on devices taken in turn; each is cleared by the same
  // device's next alarm message.
  const plantEvery = opts.alarms && Number.isFinite(total) ? Math.max(1, Math.floor(total / (opts.alarms * 2))) : 50
  let planted = 0
  const raised = new Set<string>()
  const alarmKind = (t: DeviceType) => typeSpecs[t].alarms[0]!

  let budget = 0
  const more = () => !stopped && budget < total && performance.now() < deadline
  // Global pacing: every message takes the next slot of the rate's schedule.
  let nextAt = performance.now()
  const pace = async () => {
    if (!opts.rate) return
    const now = performance.now()
    const at = Math.max(now, nextAt)
    nextAt = at + 1000 / opts.rate
    if (at > now) await sleep(at - now)
  }

  const message = (d: SimDevice): { kind: 'alarm' | 'reading' | 'heartbeat'; body: Record<string, unknown> } => {
    const id = nextId()
    const ts = new Date().toISOString()
    if (raised.has(d.code)) {
      raised.delete(d.code)
      stats.alarmsCleared++
      return { kind: 'alarm', body: { id, ts, alarm: alarmKind(d.type), state: 'cleared' } }
    }
    if (opts.alarms !== undefined && planted < opts.alarms && budget % plantEvery === 0) {
      planted++
      raised.add(d.code)
      stats.alarmsRaised++
      return { kind: 'alarm', body: { id, ts, alarm: alarmKind(d.type), state: 'raised', note: '模拟报警' } }
    }
    if (rand() < 0.25) return { kind: 'heartbeat', body: { id, ts, battery: 60 + Math.floor(rand() * 40) } }
    return { kind: 'reading', body: { id, ts, values: readingFor(d.type, rand) } }
  }

  const publish = (client: MqttClient, d: SimDevice) =>
    new Promise<void>((resolve) => {
      const m = message(d)
      budget++
      const t0 = performance.now()
      stats.sent++
      client.publish(`grassroots/devices/${d.code}/${m.kind}`, JSON.stringify(m.body), { qos: 1 }, (err) => {
        if (err) stats.failed++
        else {
          stats.acked++
          if (m.kind === 'alarm')
            opts.onAlarmAcked?.({
              code: d.code,
              id: String(m.body.id),
              state: m.body.state as 'raised' | 'cleared',
              ms: performance.now() - t0,
            })
          if (m.kind === 'alarm') alarmLatencies.push(performance.now() - t0)
        }
        resolve()
      })
    })

  const connect = (d: SimDevice, persistent: boolean) =>
    new Promise<MqttClient>((resolve, reject) => {
      const client = mqtt.connect(opts.url, {
        clientId: `${d.code}:${run}`,
        username: d.code,
        password: d.secret,
        clean: true,
        protocolVersion: 4,
        reconnectPeriod: persistent && opts.reconnect ? 500 : 0,
        connectTimeout: 10_000,
      })
      const fail = (err: Error) => {
        client.end(true)
        reject(err)
      }
      client.once('connect', () => {
        client.off('error', fail)
        client.on('error', () => {})
        resolve(client)
      })
      client.once('error', fail)
    })

  const reporter = setInterval(() => {
    opts.onSecond?.({
      second: Math.round((performance.now() - started) / 1000),
      sent: stats.sent,
      acked: stats.acked,
      failed: stats.failed,
    })
  }, 1000)
  try {
    const slots = Math.max(1, opts.connections ?? Math.min(opts.devices.length, 200))
    if (opts.devices.length <= slots) {
      // One connection per device, kept open.
      const clients = await Promise.all(opts.devices.map((d) => connect(d, true)))
      let turn = 0
      const inflight = new Set<Promise<void>>()
      while (more()) {
        await pace()
        if (!more()) break
        const k = turn++ % clients.length
        const p = publish(clients[k]!, opts.devices[k]!)
        inflight.add(p)
        p.then(() => inflight.delete(p))
        if (inflight.size >= 1000) await Promise.race(inflight)
      }
      await Promise.race([Promise.all(inflight), sleep(opts.reconnect ? 60_000 : 10_000)])
      await Promise.all(clients.map((c) => new Promise<void>((r) => c.end(false, {}, () => r()))))
    } else {
      let cursor = 0
      const burst = Math.max(1, opts.burst ?? 10)
      const slot = async () => {
        while (more()) {
          const d = opts.devices[cursor++ % opts.devices.length]!
          let client: MqttClient
          try {
            client = await connect(d, false)
          } catch {
            stats.failed++
            await sleep(100)
            continue
          }
          const sends: Promise<void>[] = []
          // A raised alarm is cleared within the same visit (so nothing is left raised when the run ends).
          for (let i = 0; (i < burst || raised.has(d.code)) && more(); i++) {
            await pace()
            if (!more()) break
            sends.push(publish(client, d))
          }
          await Promise.race([Promise.all(sends), sleep(10_000)])
          await new Promise<void>((r) => client.end(false, {}, () => r()))
        }
      }
      await Promise.all(Array.from({ length: slots }, () => slot()))
    }
  } finally {
    clearInterval(reporter)
  }
  alarmLatencies.sort((a, b) => a - b)
  return { ...stats, seconds: (performance.now() - started) / 1000, alarmLatencies }
}

export const percentile = (sorted: number[], p: number) =>
  sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]! : null
