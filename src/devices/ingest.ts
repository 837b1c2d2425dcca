import { createHash, timingSafeEqual } from 'node:crypto'
import { Ajv, type ValidateFunction } from 'ajv'
import addFormatsModule from 'ajv-formats'
import { sql } from 'kysely'
import { Counter } from 'prom-client'
import type { Clock } from '../core/clock.js'
import type { FieldCipher } from '../core/crypto.js'
import { beginsInOneTrip, type Db, type Tx } from '../core/db.js'
import { isDatabaseUnavailable } from '../core/http.js'
import { moduleMetrics } from '../core/metrics.js'
import { onAlarmMessage, onReadings } from './alarms.js'
import { type DeviceRow, type ReadingMessage, verifyDeviceSecret } from './common.js'
import { type DeviceType, MAX_PAYLOAD_BYTES, type MessageKind, messageKinds, messageSchema } from './types.js'

// The one way in for device messages, whether they came over MQTT (runtime.ts: the embedded
// broker, or an external one) or over HTTP (ingest-routes.ts):
//
//   authenticate (code + secret, cached; failed logins limited per code and per address)
//   → size → rate limit (alarms have their own allowance and are never dropped for it)
//   → JSON → schema of the type and kind
//   → heartbeat: batched update of the device (last seen, battery, offline → active)
//   → reading:   batched insert … on conflict (device_id, message_id) do nothing, the device's last
//                values, and the rows actually inserted handed to the threshold rules, all in the
//                batch's transaction
//   → alarm:     its own transaction: insert once; only a first delivery goes to the alarm rules
//
// A caller's promise settles after the transaction holding its message committed, so an MQTT
// PUBACK or an HTTP 202 is only ever sent for stored data. Every refusal is counted by reason.
// While the database is away a message waits (up to UNAVAILABLE_WAIT_MS) and is then left
// unacknowledged for the device to send again; a message that fails for any other reason is
// retried in place a few times and then dropped as 'failed' (logged, counted, acknowledged), so
// one poison message cannot stall a device or, through an external broker's ordered
// acknowledgements, every device.

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv

export type IngestVia = 'mqtt' | 'http'

export const refusalReasons = [
  'unknown_device',
  'bad_secret',
  'retired',
  'too_large',
  'bad_json',
  'invalid',
  'rate_limited',
  'wrong_topic',
  /** Too many failed logins for the code or from the address: refused without checking the secret. */
  'login_limited',
  /** The client id is not the device's code (or `<code>:<suffix>`). */
  'bad_client_id',
  /** Storing it failed again and again for a reason not of the database being away (a poison message). */
  'failed',
] as const
export type RefusalReason = (typeof refusalReasons)[number]

/** A message refused for a reason of the device's making (not stored, counted, never retried by us). */
export class IngestRefusal extends Error {
  constructor(
    readonly reason: RefusalReason,
    message: string,
    readonly field: string | null = null,
    /** When sending again may help (seconds), for `rate_limited` and `login_limited`. */
    readonly retryAfterS: number | null = null,
  ) {
    super(message)
  }
}

// ---------------------------------------------------------------------------------------------
// Metrics, served at /metrics with the other modules'.
export const acceptedMessages = new Counter({
  name: 'grassroots_device_messages_total',
  help: 'Device messages accepted (stored, or acknowledged as a redelivery), by kind and way in',
  labelNames: ['kind', 'via'] as const,
  registers: [moduleMetrics],
})
export const refusedMessages = new Counter({
  name: 'grassroots_device_messages_refused_total',
  help: 'Device messages and connections refused, by reason',
  labelNames: ['reason', 'via'] as const,
  registers: [moduleMetrics],
})
export const failedMessages = new Counter({
  name: 'grassroots_device_messages_failed_total',
  help: 'Device messages not stored because of an internal error: the database away (not acknowledged, the device sends again) or a poison message (acknowledged after retries, also refused as failed)',
  registers: [moduleMetrics],
})

/** Refusals counted so far for a reason (both ways in), for tests and the bench. */
export async function refusedCount(reason: RefusalReason): Promise<number> {
  const m = await refusedMessages.get()
  return m.values.filter((v) => v.labels.reason === reason).reduce((s, v) => s + v.value, 0)
}

// ---------------------------------------------------------------------------------------------

/** A device that authenticated (or that an external broker vouched for). */
export interface DeviceAuth {
  id: number
  code: string
  type: DeviceType
  /** The secret hash it authenticated against (a rotation changes it). */
  hash: string
}

export interface IngestOptions {
  clock: Clock
  cipher: FieldCipher
  /** Messages one device may send per minute (a token bucket, refilled evenly); alarms have as many again. */
  ratePerMinute: number
  /** How many a device may send at once after a quiet spell (the bucket's size; default ratePerMinute). */
  burst?: number
  log?: { debug(o: object, m: string): void; warn(o: object, m: string): void; error(o: object, m: string): void }
  /** How long a batch waits for company before it is written (ms). */
  flushMs?: number
  /** The most messages written in one batch. */
  maxBatch?: number
  /** Batches written at once (default: 1 on the embedded database, 2 on PostgreSQL). */
  lanes?: number
}

export interface IngestInput {
  code: string
  kind: MessageKind
  payload: Buffer | string
  via: IngestVia
  /** The device's secret (HTTP); or `device`, already authenticated (MQTT). */
  secret?: string
  device?: DeviceAuth
  /** The caller's address, for the failed-login limit (HTTP). */
  source?: string
  /**
   * An alarm over its allowance waits for it instead of being refused (the external broker's
   * subscriber, which must not drop an alarm and cannot leave it unacknowledged without stalling
   * the messages behind it).
   */
  waitForRate?: boolean
}

interface Payload {
  id: string
  ts?: string
  battery?: number
  values?: Record<string, number>
  alarm?: string
  state?: 'raised' | 'cleared'
  value?: number
  note?: string
}

interface Lane {
  pending: Pending[]
  timer: NodeJS.Timeout | null
  flushing: Promise<void> | null
}

interface Pending {
  kind: 'reading' | 'heartbeat'
  device: DeviceAuth
  payload: Payload
  at: Date
  via: IngestVia
  resolve(r: { stored: boolean }): void
  reject(e: unknown): void
}

const KNOWN_TTL_MS = 10_000
const TRANSIENT = new Set(['40001', '40P01'])
/**
 * Failed logins in LOGIN_WINDOW_MS before further tries are refused unchecked: per code, and per
 * address (higher: many devices may share a gateway's or a NAT's address).
 */
export const LOGIN_FAILURES = { code: 10, address: 100 }
const LOGIN_WINDOW_MS = 60_000
/** How long a message waits for a database that is away before it is left unacknowledged. */
const UNAVAILABLE_WAIT_MS = 30_000
/** Tries of a message that fails for another reason (then dropped as a poison message). */
const POISON_TRIES = 4
/** The earliest time a message may claim: a device clock gone back to 2000 is not believed. */
const OLDEST_TS_MS = 7 * 24 * 3600_000

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

const digest = (secret: string) => createHash('sha256').update(secret).digest()

function fieldOf(e: { instancePath: string; keyword: string; params: Record<string, unknown> }): string {
  const parts = e.instancePath.split('/').filter(Boolean)
  if (e.keyword === 'required') parts.push(String(e.params.missingProperty))
  if (e.keyword === 'additionalProperties') parts.push(String(e.params.additionalProperty))
  return ['payload', ...parts].join('.')
}

export class Ingestor {
  private readonly ajv = addFormats(new Ajv({ allErrors: false, strict: false, coerceTypes: false }))
  private readonly validators = new Map<string, ValidateFunction>()
  /** code → the hash it was verified against and a digest of the secret that matched. */
  private readonly verified = new Map<string, { hash: string; digest: Buffer }>()
  /** code → the device (or null: unknown/retired) as last read, for brokers that authenticate themselves. */
  private readonly known = new Map<string, { device: DeviceAuth | null; retired: boolean; at: number }>()
  private readonly buckets = new Map<number, { tokens: number; at: number }>()
  /** Alarms have their own allowance: a chatty sensor's readings never crowd out its alarm. */
  private readonly alarmBuckets = new Map<number, { tokens: number; at: number }>()
  /** `code:<code>` and `ip:<address>` → failed logins in the current window. */
  private readonly failures = new Map<string, { n: number; since: number }>()
  /**
   * Batches are written by lanes, a device always in the same one (its id modulo the lanes), so
   * two batches written at once never touch the same device. One lane on the embedded database
   * (one connection), two on PostgreSQL.
   */
  private readonly lanes: Lane[]
  private readonly alarmsInFlight = new Set<Promise<unknown>>()
  private readonly alarmChains = new Map<number, Promise<unknown>>()
  private closed = false
  /** Batch transactions committed so far. */
  batches = 0
  private readonly flushMs: number
  private readonly maxBatch: number

  constructor(
    private readonly db: Db,
    private readonly opts: IngestOptions,
  ) {
    this.flushMs = opts.flushMs ?? 20
    this.maxBatch = opts.maxBatch ?? 500
    const n = opts.lanes ?? (beginsInOneTrip(db) ? 2 : 1)
    this.lanes = Array.from({ length: n }, () => ({ pending: [], timer: null, flushing: null }))
  }

  private laneOf(deviceId: number): Lane {
    return this.lanes[deviceId % this.lanes.length]!
  }

  private get waiting(): number {
    return this.lanes.reduce((n, l) => n + l.pending.length, 0)
  }

  private refuse(
    reason: RefusalReason,
    via: IngestVia,
    message: string,
    field: string | null = null,
    retryAfterS: number | null = null,
  ): never {
    refusedMessages.inc({ reason, via })
    this.opts.log?.debug({ reason, via, field }, `device message refused: ${message}`)
    throw new IngestRefusal(reason, message, field, retryAfterS)
  }

  /**
   * A device by code and secret: PBKDF2 is paid once per (hash, secret) — the verified pair is
   * kept in memory, and a rotation (a new secret_hash) misses the cache. Unknown codes and wrong
   * secrets are refused alike to the caller (counted apart); a retired device is refused after
   * its secret checked out. After LOGIN_FAILURES failures in a minute for a code or from an
   * address, further tries are refused without looking (no PBKDF2) until the minute has passed,
   * except the secret this process already verified for the code: guessing at a device's code
   * cannot lock the device itself out.
   */
  async authenticate(code: string, secret: string, via: IngestVia, source?: string): Promise<DeviceAuth> {
    const d = digest(secret)
    const hit = this.verified.get(code)
    const seen = !!hit && timingSafeEqual(hit.digest, d)
    if (!seen) {
      const wait = Math.max(this.lockedFor(`code:${code}`), source ? this.lockedFor(`ip:${source}`) : 0)
      if (wait > 0)
        this.refuse('login_limited', via, 'too many failed logins: try again later', null, Math.ceil(wait / 1000))
    }
    const row =
      typeof code === 'string' && code.length <= 64
        ? await this.db
            .selectFrom('device')
            .select(['id', 'code', 'type', 'state', 'secret_hash'])
            .where('code', '=', code)
            .executeTakeFirst()
        : undefined
    if (!row) {
      this.loginFailed(code, source)
      this.refuse('unknown_device', via, 'unknown device or wrong secret')
    }
    const ok = (seen && hit.hash === row.secret_hash) || verifyDeviceSecret(secret, row.secret_hash)
    if (!ok) {
      if (seen) this.verified.delete(code)
      this.loginFailed(code, source)
      this.refuse('bad_secret', via, 'unknown device or wrong secret')
    }
    this.verified.set(code, { hash: row.secret_hash, digest: d })
    if (row.state === 'retired') this.refuse('retired', via, 'the device is retired')
    return { id: Number(row.id), code: row.code, type: row.type as DeviceType, hash: row.secret_hash }
  }

  /** Milliseconds until `key` may try again (0: it may now). */
  private lockedFor(key: string): number {
    const f = this.failures.get(key)
    if (!f) return 0
    const left = f.since + LOGIN_WINDOW_MS - Date.now()
    if (left <= 0) {
      this.failures.delete(key)
      return 0
    }
    return f.n >= (key.startsWith('ip:') ? LOGIN_FAILURES.address : LOGIN_FAILURES.code) ? left : 0
  }

  private loginFailed(code: string, source: string | undefined) {
    const now = Date.now()
    if (this.failures.size > 100_000) this.failures.clear()
    for (const key of source ? [`code:${code}`, `ip:${source}`] : [`code:${code}`]) {
      const f = this.failures.get(key)
      if (!f || now - f.since >= LOGIN_WINDOW_MS) this.failures.set(key, { n: 1, since: now })
      else f.n++
    }
  }

  /** A device named in a topic an external broker (which authenticated it) delivered. */
  async knownDevice(code: string, via: IngestVia): Promise<DeviceAuth> {
    const now = Date.now()
    let entry = this.known.get(code)
    if (!entry || now - entry.at > KNOWN_TTL_MS) {
      const row =
        code.length <= 64
          ? await this.db
              .selectFrom('device')
              .select(['id', 'code', 'type', 'state', 'secret_hash'])
              .where('code', '=', code)
              .executeTakeFirst()
          : undefined
      entry = {
        device: row
          ? { id: Number(row.id), code: row.code, type: row.type as DeviceType, hash: row.secret_hash }
          : null,
        retired: row?.state === 'retired',
        at: now,
      }
      if (this.known.size > 200_000) this.known.clear()
      this.known.set(code, entry)
    }
    if (!entry.device) this.refuse('unknown_device', via, `unknown device ${code}`)
    if (entry.retired) this.refuse('retired', via, `device ${code} is retired`)
    return entry.device
  }

  /**
   * Takes a token from the device's bucket (`ratePerMinute` tokens, refilled evenly): 0 when one
   * was taken, else the milliseconds until one will be there.
   */
  private take(buckets: Map<number, { tokens: number; at: number }>, deviceId: number): number {
    const rate = this.opts.ratePerMinute
    if (rate <= 0) return 0
    const now = Date.now()
    const size = this.opts.burst ?? rate
    const b = buckets.get(deviceId) ?? { tokens: size, at: now }
    b.tokens = Math.min(size, b.tokens + ((now - b.at) * rate) / 60_000)
    b.at = now
    buckets.set(deviceId, b)
    if (b.tokens < 1) return Math.ceil(((1 - b.tokens) * 60_000) / rate)
    b.tokens -= 1
    return 0
  }

  private validator(type: DeviceType, kind: MessageKind): ValidateFunction {
    const key = `${type}/${kind}`
    let v = this.validators.get(key)
    if (!v) {
      v = this.ajv.compile(messageSchema(type, kind))
      this.validators.set(key, v)
    }
    return v
  }

  /**
   * The one ingest function. Resolves `{stored}` once the message is committed (stored: false
   * for a redelivery of a message already stored); rejects with IngestRefusal for the device's
   * faults, with anything else for ours (then nothing is acknowledged and the device retries).
   */
  async ingest(input: IngestInput): Promise<{ stored: boolean }> {
    const { via } = input
    if (this.closed) throw new Error('ingest is shutting down')
    if (!messageKinds.includes(input.kind)) this.refuse('wrong_topic', via, `unknown message kind ${input.kind}`)
    const device = input.device ?? (await this.authenticate(input.code, input.secret ?? '', via))
    const bytes = typeof input.payload === 'string' ? Buffer.byteLength(input.payload) : input.payload.length
    if (bytes > MAX_PAYLOAD_BYTES)
      this.refuse('too_large', via, `payload of ${bytes} bytes (at most ${MAX_PAYLOAD_BYTES})`, 'payload')
    if (input.kind === 'alarm') {
      // An alarm over its own allowance is never acknowledged and dropped: refused unacknowledged
      // (the device sends it again later), or waited for.
      for (
        let wait = this.take(this.alarmBuckets, device.id);
        wait > 0;
        wait = this.take(this.alarmBuckets, device.id)
      ) {
        if (!input.waitForRate || this.closed)
          this.refuse('rate_limited', via, `device ${device.code} sends alarms too fast`, null, Math.ceil(wait / 1000))
        await sleep(wait)
      }
    } else {
      const wait = this.take(this.buckets, device.id)
      if (wait > 0)
        this.refuse('rate_limited', via, `device ${device.code} sends too fast`, null, Math.ceil(wait / 1000))
    }
    let payload: Payload
    try {
      payload = JSON.parse(typeof input.payload === 'string' ? input.payload : input.payload.toString('utf8'))
    } catch {
      this.refuse('bad_json', via, 'the payload is not JSON', 'payload')
    }
    const validate = this.validator(device.type, input.kind)
    if (!validate(payload)) {
      const e = validate.errors![0]!
      this.refuse('invalid', via, `${fieldOf(e)} ${e.message ?? 'is invalid'}`, fieldOf(e))
    }
    const now = this.opts.clock.now()
    let at = now
    if (payload.ts) {
      const t = new Date(payload.ts)
      if (Number.isNaN(t.getTime())) this.refuse('invalid', via, 'payload.ts is not a time', 'payload.ts')
      // Within [now − 7 days, now]: a clock ahead is now, one gone back is a week ago (the raw ts
      // stays in the stored payload).
      at = new Date(Math.min(now.getTime(), Math.max(t.getTime(), now.getTime() - OLDEST_TS_MS)))
    }
    let result: { stored: boolean }
    if (input.kind === 'alarm') {
      // One device's alarms are stored one after the other, in the order they came (a raise
      // before its clear); different devices' alarms run side by side.
      const before = this.alarmChains.get(device.id)
      const run = (before ?? Promise.resolve()).then(() => this.storeAlarm(device, payload, at, via))
      const tail = run.catch(() => {})
      this.alarmChains.set(device.id, tail)
      void tail.then(() => {
        if (this.alarmChains.get(device.id) === tail) {
          this.alarmChains.delete(device.id)
          // Its readings and heartbeats held back may go now.
          const lane = this.laneOf(device.id)
          if (lane.pending.length) this.schedule(lane)
        }
      })
      const p = run.catch((err) => {
        if (err instanceof IngestRefusal) throw err
        failedMessages.inc()
        if (isDatabaseUnavailable(err)) {
          this.opts.log?.warn({ err, device: device.code }, 'device alarm not stored: the database is away')
          throw err
        }
        this.opts.log?.error(
          { err, device: device.code, message: payload.id },
          'device alarm dropped: storing it kept failing',
        )
        this.refuse('failed', via, `storing alarm ${payload.id} failed ${POISON_TRIES} times`)
      })
      this.alarmsInFlight.add(p)
      try {
        result = await p
      } finally {
        this.alarmsInFlight.delete(p)
      }
    } else {
      const kind = input.kind
      result = await new Promise<{ stored: boolean }>((resolve, reject) => {
        const lane = this.laneOf(device.id)
        lane.pending.push({ kind, device, payload, at, via, resolve, reject })
        this.schedule(lane)
      })
    }
    acceptedMessages.inc({ kind: input.kind, via })
    return result
  }

  // ── Alarms: one transaction each ─────────────────────────────────────────────────────────────
  private async storeAlarm(device: DeviceAuth, payload: Payload, at: Date, via: IngestVia) {
    return this.persisting(true, () =>
      this.db.transaction().execute(async (tx) => {
        const now = this.opts.clock.now()
        const { rows: inserted } = await sql<{ device_id: number }>`
          insert into device_message (device_id, message_id, kind, at, received_at, payload, via)
          select d.id, ${payload.id}, 'alarm', ${at}, ${now}, ${JSON.stringify(payload)}::jsonb, ${via}
          from device d where d.id = ${device.id} and d.state <> 'retired'
          on conflict (device_id, message_id) do nothing
          returning device_id`.execute(tx)
        const rows = await this.touchDevices(tx, now, [
          { id: device.id, heartbeat: false, battery: null, reading: null },
        ])
        const row = rows.get(device.id)
        if (!row) this.refuse('retired', via, `device ${device.code} is retired`)
        if (!inserted.length) return { stored: false }
        await onAlarmMessage(
          tx,
          {
            device: row,
            messageId: payload.id,
            at,
            alarm: payload.alarm!,
            state: payload.state!,
            value: payload.value ?? null,
            note: payload.note ?? null,
          },
          now,
          { cipher: this.opts.cipher },
        )
        return { stored: true }
      }),
    )
  }

  /**
   * Runs a transaction until it commits: again at once when PostgreSQL chose it as a deadlock or
   * serialization victim (3 tries), after a growing pause while the database is away (for up to
   * UNAVAILABLE_WAIT_MS, then the error is thrown: not acknowledged), and — when `poison` — after
   * a pause for any other error, POISON_TRIES in all. A refusal is thrown at once.
   */
  private async persisting<T>(poison: boolean, fn: () => Promise<T>): Promise<T> {
    const started = Date.now()
    let failures = 0
    let transient = 0
    for (let attempt = 1; ; attempt++) {
      try {
        return await fn()
      } catch (err) {
        if (err instanceof IngestRefusal) throw err
        const code = (err as { code?: string }).code
        if (code && TRANSIENT.has(code) && ++transient < 3) continue
        if (isDatabaseUnavailable(err)) {
          if (this.closed || Date.now() - started >= UNAVAILABLE_WAIT_MS) throw err
          await sleep(Math.min(2_000, 50 * 2 ** Math.min(attempt, 6)))
          continue
        }
        if (!poison || ++failures >= POISON_TRIES) throw err
        await sleep(25 * 4 ** failures)
      }
    }
  }

  /**
   * Moves last_seen_at (and the heartbeat, battery, last reading) of many devices in one
   * statement; an offline device becomes active again. Retired devices are left alone and
   * missing from the result.
   */
  private async touchDevices(
    tx: Tx,
    now: Date,
    devices: {
      id: number
      heartbeat: boolean
      battery: number | null
      reading: { at: Date; values: Record<string, number> } | null
    }[],
  ): Promise<Map<number, DeviceRow>> {
    const rows = devices.map((d) => ({
      id: d.id,
      heartbeat_at: d.heartbeat ? now.toISOString() : null,
      battery: d.battery,
      vals: d.reading?.values ?? null,
      reading_at: d.reading?.at.toISOString() ?? null,
    }))
    const { rows: updated } = await sql<DeviceRow>`
      update device d set
        last_seen_at = ${now},
        last_heartbeat_at = coalesce(v.heartbeat_at, d.last_heartbeat_at),
        battery = coalesce(v.battery, d.battery),
        last_values = case when v.reading_at is not null and (d.last_reading_at is null or v.reading_at >= d.last_reading_at)
                           then v.vals else d.last_values end,
        last_reading_at = case when v.reading_at is not null and (d.last_reading_at is null or v.reading_at >= d.last_reading_at)
                               then v.reading_at else d.last_reading_at end,
        state = case when d.state = 'offline' then 'active' else d.state end,
        offline_since = case when d.state = 'offline' then null else d.offline_since end
      from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb)
             as v(id bigint, heartbeat_at timestamptz, battery smallint, vals jsonb, reading_at timestamptz),
           area a
      where d.id = v.id and a.id = d.area_id and d.state <> 'retired'
      returning d.id, d.code, d.type, d.name, d.state, d.area_id, a.path as area_path, d.district_id, d.building_id,
                d.owner_department_id, d.owner_organisation_id, d.version`.execute(tx)
    return new Map(updated.map((r) => [Number(r.id), { ...r, id: Number(r.id) }]))
  }

  // ── Readings and heartbeats: batched ─────────────────────────────────────────────────────────
  private schedule(lane: Lane) {
    if (lane.flushing) return
    if (lane.pending.length >= this.maxBatch) {
      if (lane.timer) clearTimeout(lane.timer)
      lane.timer = null
      this.startFlush(lane)
    } else if (!lane.timer) {
      lane.timer = setTimeout(() => {
        lane.timer = null
        this.startFlush(lane)
      }, this.flushMs)
    }
  }

  private startFlush(lane: Lane) {
    if (lane.flushing || !lane.pending.length) return
    // A device whose alarm is being stored (its row locked while the rules open a case or an
    // incident) waits for the next batch, so the batch of every other device does not wait for it.
    const batch: Pending[] = []
    const held: Pending[] = []
    for (const p of lane.pending) {
      if (batch.length < this.maxBatch && !this.alarmChains.has(p.device.id)) batch.push(p)
      else held.push(p)
    }
    lane.pending = held
    if (!batch.length) return
    lane.flushing = this.writeBatch(batch).finally(() => {
      lane.flushing = null
      if (lane.pending.length) this.schedule(lane)
    })
  }

  /**
   * Writes a batch. While the database is away the whole batch waits (persisting); a batch that
   * fails for another reason is split in halves, so one bad message fails alone, and that one is
   * tried a few times more and then dropped as 'failed' (acknowledged: it must not hold up the
   * device, nor the ordered acknowledgements of an external broker).
   */
  private async writeBatch(batch: Pending[]): Promise<void> {
    let results: Map<Pending, { stored: boolean } | IngestRefusal>
    try {
      results = await this.persisting(batch.length === 1, () =>
        this.db.transaction().execute((tx) => this.writeInTx(tx, batch)),
      )
      this.batches++
    } catch (err) {
      if (isDatabaseUnavailable(err)) {
        failedMessages.inc(batch.length)
        this.opts.log?.warn({ err, messages: batch.length }, 'device messages not stored: the database is away')
        for (const p of batch) p.reject(err)
        return
      }
      if (batch.length > 1) {
        const half = Math.ceil(batch.length / 2)
        await this.writeBatch(batch.slice(0, half))
        await this.writeBatch(batch.slice(half))
        return
      }
      const p = batch[0]!
      failedMessages.inc()
      refusedMessages.inc({ reason: 'failed', via: p.via })
      this.opts.log?.error(
        { err, device: p.device.code, message: p.payload.id },
        'device message dropped: storing it kept failing',
      )
      p.reject(new IngestRefusal('failed', `storing message ${p.payload.id} failed ${POISON_TRIES} times`))
      return
    }
    for (const [item, r] of results) {
      if (r instanceof IngestRefusal) {
        refusedMessages.inc({ reason: r.reason, via: item.via })
        item.reject(r)
      } else item.resolve(r)
    }
  }

  private async writeInTx(tx: Tx, batch: Pending[]): Promise<Map<Pending, { stored: boolean } | IngestRefusal>> {
    const now = this.opts.clock.now()
    // The first of several deliveries of one message in a batch decides; the others are duplicates.
    const readings = new Map<string, Pending>()
    for (const p of batch)
      if (p.kind === 'reading') {
        const key = `${p.device.id}\u0000${p.payload.id}`
        if (!readings.has(key)) readings.set(key, p)
      }
    const inserted = new Set<string>()
    if (readings.size) {
      const rows = [...readings.values()].map((p) => ({
        device_id: p.device.id,
        message_id: p.payload.id,
        at: p.at.toISOString(),
        payload: p.payload,
        via: p.via,
      }))
      const { rows: ins } = await sql<{ device_id: number; message_id: string }>`
        insert into device_message (device_id, message_id, kind, at, received_at, payload, via)
        select v.device_id, v.message_id, 'reading', v.at, ${now}, v.payload, v.via
        from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb)
               as v(device_id bigint, message_id text, at timestamptz, payload jsonb, via text)
        where exists (select 1 from device d where d.id = v.device_id and d.state <> 'retired')
        on conflict (device_id, message_id) do nothing
        returning device_id, message_id`.execute(tx)
      for (const r of ins) inserted.add(`${Number(r.device_id)}\u0000${r.message_id}`)
    }
    // One row per device: heard now; the heartbeat; the latest battery; its newest stored reading.
    const perDevice = new Map<
      number,
      {
        id: number
        heartbeat: boolean
        battery: number | null
        reading: { at: Date; values: Record<string, number> } | null
      }
    >()
    for (const p of batch) {
      const d = perDevice.get(p.device.id) ?? { id: p.device.id, heartbeat: false, battery: null, reading: null }
      if (p.kind === 'heartbeat') d.heartbeat = true
      if (p.payload.battery !== undefined) d.battery = p.payload.battery
      if (
        p.kind === 'reading' &&
        readings.get(`${p.device.id}\u0000${p.payload.id}`) === p &&
        inserted.has(`${p.device.id}\u0000${p.payload.id}`) &&
        (!d.reading || p.at >= d.reading.at)
      )
        d.reading = { at: p.at, values: p.payload.values! }
      perDevice.set(p.device.id, d)
    }
    const devices = await this.touchDevices(
      tx,
      now,
      [...perDevice.values()].sort((a, b) => a.id - b.id),
    )
    const handed: ReadingMessage[] = []
    const results = new Map<Pending, { stored: boolean } | IngestRefusal>()
    for (const p of batch) {
      const row = devices.get(p.device.id)
      if (!row) {
        results.set(p, new IngestRefusal('retired', `device ${p.device.code} is retired`))
        continue
      }
      if (p.kind === 'heartbeat') {
        results.set(p, { stored: true })
        continue
      }
      const key = `${p.device.id}\u0000${p.payload.id}`
      const first = readings.get(key) === p && inserted.has(key)
      if (first) handed.push({ device: row, messageId: p.payload.id, at: p.at, values: p.payload.values! })
      results.set(p, { stored: first })
    }
    if (handed.length) await onReadings(tx, handed, now, { cipher: this.opts.cipher })
    return results
  }

  /** Writes what is waiting now (tests, shutdown). */
  async flush(): Promise<void> {
    for (;;) {
      for (const lane of this.lanes) {
        if (lane.timer) clearTimeout(lane.timer)
        lane.timer = null
        this.startFlush(lane)
      }
      const flushing = this.lanes.flatMap((l) => (l.flushing ? [l.flushing] : []))
      if (flushing.length) await Promise.all(flushing)
      // Whatever still waits belongs to devices whose alarm is being stored: wait for those.
      else if (this.waiting || this.alarmsInFlight.size || this.alarmChains.size) await this.settleAlarms()
      else return
    }
  }

  private async settleAlarms() {
    await Promise.allSettled([...this.alarmsInFlight, ...this.alarmChains.values()])
    await new Promise((r) => setImmediate(r))
  }

  /** Stops taking messages and writes what is waiting. */
  async close(): Promise<void> {
    await this.flush()
    this.closed = true
  }

  /** Forgets cached verifications and device look-ups (tests). */
  forget(): void {
    this.verified.clear()
    this.known.clear()
    this.buckets.clear()
    this.alarmBuckets.clear()
    this.failures.clear()
  }

  /** Forgets what is cached about one device (its secret or state changed: credentialsChanged). */
  forgetDevice(code: string): void {
    this.verified.delete(code)
    this.known.delete(code)
  }
}

// ---------------------------------------------------------------------------------------------
// One ingestor per database, shared by the HTTP route and the MQTT runtime, so the cache, the
// rate limits and the batches are the same whichever way a message comes in.

const ingestors = new WeakMap<Db, Ingestor>()

export function ingestorFor(db: Db, opts: IngestOptions): Ingestor {
  let i = ingestors.get(db)
  if (!i) {
    i = new Ingestor(db, opts)
    ingestors.set(db, i)
  }
  return i
}

/** Drops the shared ingestor of a database (after closing it), so a later start makes a new one. */
export function dropIngestor(db: Db, i: Ingestor): void {
  if (ingestors.get(db) === i) ingestors.delete(db)
}
