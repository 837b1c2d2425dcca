import { createHmac, randomBytes } from 'node:crypto'
import { performance } from 'node:perf_hooks'
import { sql } from 'kysely'
import { recordAudit } from '../audit/service.js'
import type { Clock } from '../core/clock.js'
import { publishedEvents } from '../core/events.js'
import type { Input, Output } from '../core/http.js'
import { startPeriodic } from '../core/scheduler.js'
import type { Db, Tx } from '../core/db.js'
import { AppError, notFound } from '../core/errors.js'
import { offsetOf, pageQuerySchema, paginate, type Page } from '../core/paging.js'
import { body, nullable, shape, timestamp } from '../core/schemas.js'
import { holds, requireActor, type RequestContext } from '../core/scope.js'
import { areaPathOf } from '../jurisdiction/service.js'

// Outgoing webhooks. Subscriptions (`webhook`) belong to an area; every case step in that area's
// subtree is written to the outbox (`webhook_delivery`) by a trigger on `case_event`, in the
// transaction of the step itself (migration 0013). `deliverDueWebhooks` claims due deliveries in a
// short transaction, commits, and only then POSTs them: an HTTP call never runs inside a
// transaction (on PGlite an open transaction blocks every other request).
//
// Each request carries
//   Content-Type: application/json
//   X-Grassroots-Event: case.dispatch            (the delivery's event type)
//   X-Grassroots-Delivery: 123                   (the delivery id: the same on every retry)
//   X-Grassroots-Timestamp: 1795312800           (Unix seconds when sent)
//   X-Grassroots-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>.<raw body>" keyed with the secret>
// A receiver recomputes the signature over the raw body, compares in constant time, and refuses
// timestamps more than a few minutes off. Delivery is at least once (a lost answer is retried),
// so receivers deduplicate by X-Grassroots-Delivery; order is best effort (a failed delivery is
// retried later while later steps go ahead), so they order by `eventId`/`at` in the payload.

/**
 * Event types one may subscribe to: every event the domains publish (the steps of a case: intake,
 * each action, deadline events), or '*'. Read when the routes are registered, once every domain
 * has published its events.
 */
export const webhookEventTypes = (): string[] => ['*', ...publishedEvents()]
export const TEST_EVENT = 'webhook.test'

export const DELIVERY_TIMEOUT_MS = 10_000
export const MAX_ATTEMPTS = 10
const BASE_BACKOFF_MS = 30_000
const MAX_BACKOFF_MS = 6 * 3600_000

/** Wait after the n-th failed attempt (n ≥ 1): 30 s, 1 min, 2 min, … capped at 6 h. */
export function backoffMs(failedAttempts: number): number {
  return Math.min(BASE_BACKOFF_MS * 2 ** Math.max(0, failedAttempts - 1), MAX_BACKOFF_MS)
}

/** The signature header value for a body sent at `timestamp` (Unix seconds). */
export function signature(secret: string, timestamp: number | string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`
}

// ---------------------------------------------------------------------------------------------
// Subscriptions (run inside inScope: row-level security limits them to admins of the area)

export const deliveryStatuses = ['pending', 'delivered', 'failed'] as const
export type DeliveryStatus = (typeof deliveryStatuses)[number]

export const webhookSchema = shape({
  id: { type: 'integer' },
  areaId: { type: 'integer' },
  areaCode: { type: 'string' },
  url: { type: 'string' },
  events: { type: 'array', items: { type: 'string' } },
  active: { type: 'boolean' },
  createdBy: nullable('integer'),
  createdAt: timestamp,
})

export const newWebhookSchema = shape({
  ...webhookSchema.properties,
  secret: {
    ...nullable('string'),
    description: 'The signing secret, shown only in the first answer (null when a retry replays it)',
  },
})

export const deliverySchema = shape({
  id: { type: 'integer' },
  webhookId: { type: 'integer' },
  eventId: nullable('integer'),
  eventType: { type: 'string' },
  status: { type: 'string', enum: deliveryStatuses },
  attempts: { type: 'integer' },
  nextAttemptAt: { type: ['string', 'null'], format: 'date-time' },
  deliveredAt: { type: ['string', 'null'], format: 'date-time' },
  lastStatus: nullable('integer'),
  lastError: nullable('string'),
  createdAt: timestamp,
  payload: {
    type: 'object',
    additionalProperties: true,
    description: 'What is sent: the step (type, codes, states; never personal data) or the test ping',
  },
})

export type WebhookView = Output<typeof webhookSchema>
export type DeliveryView = Output<typeof deliverySchema>

// The scheme is checked in code (400 naming `url`), not by a format, to give one clear message.
const url = { type: 'string', minLength: 1, maxLength: 2000 } as const
const eventList = (types: readonly string[]) =>
  ({ type: 'array', minItems: 1, maxItems: 50, items: { type: 'string', enum: types } }) as const

export const webhookFilterQuery = {
  type: 'object',
  additionalProperties: false,
  properties: { ...pageQuerySchema, areaId: { type: 'integer', minimum: 1 } },
} as const
export type WebhookFilter = Input<typeof webhookFilterQuery>

/** A new subscription to some of `types` (webhookEventTypes()). */
export const newWebhookBody = (types: readonly string[]) =>
  body(['areaId', 'url', 'events'], {
    areaId: { type: 'integer', minimum: 1 },
    url,
    events: eventList(types),
    active: { type: 'boolean' },
  })
export type NewWebhook = Input<ReturnType<typeof newWebhookBody>>

/** A change of a subscription; `types` as for newWebhookBody. */
export const webhookPatchBody = (types: readonly string[]) =>
  ({
    type: 'object',
    additionalProperties: false,
    minProperties: 1,
    properties: { url, events: eventList(types), active: { type: 'boolean' } },
  }) as const
export type WebhookPatch = Input<ReturnType<typeof webhookPatchBody>>

export const deliveryFilterQuery = {
  type: 'object',
  additionalProperties: false,
  properties: { ...pageQuerySchema, status: { type: 'string', enum: deliveryStatuses } },
} as const
export type DeliveryFilter = Input<typeof deliveryFilterQuery>

/** Only http(s) URLs without credentials; anything else is a 400 naming `url`. */
export function checkUrl(raw: string): string {
  let u: URL
  try {
    u = new URL(raw)
  } catch {
    throw new AppError('VALIDATION_FAILED', 'url must be an absolute http or https URL', 'url')
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:')
    throw new AppError('VALIDATION_FAILED', `url must use http or https, not ${u.protocol.replace(/:$/, '')}`, 'url')
  if (u.username || u.password)
    throw new AppError(
      'VALIDATION_FAILED',
      'url must not contain credentials; the signature authenticates deliveries',
      'url',
    )
  if (!u.hostname) throw new AppError('VALIDATION_FAILED', 'url needs a host', 'url')
  return u.toString()
}

function checkEvents(events: string[]): string[] {
  const unique = [...new Set(events)]
  const known = webhookEventTypes()
  const unknown = unique.find((e) => !known.includes(e))
  if (unknown !== undefined) throw new AppError('VALIDATION_FAILED', `unknown event type ${unknown}`, 'events')
  return unique
}

const webhookColumns = [
  'w.id',
  'w.area_id',
  'a.code as area_code',
  'w.url',
  'w.events',
  'w.active',
  'w.created_by',
  'w.created_at',
] as const

type WebhookRow = {
  id: number
  area_id: number
  area_code: string
  url: string
  events: string[]
  active: boolean
  created_by: number | null
  created_at: Date
}

const presentWebhook = (r: WebhookRow): WebhookView => ({
  id: r.id,
  areaId: r.area_id,
  areaCode: r.area_code,
  url: r.url,
  events: r.events,
  active: r.active,
  createdBy: r.created_by,
  createdAt: r.created_at.toISOString(),
})

const statusOf = (r: { delivered_at: Date | null; next_attempt_at: Date | null }): DeliveryStatus =>
  r.delivered_at ? 'delivered' : r.next_attempt_at ? 'pending' : 'failed'

const iso = (d: Date | null) => (d ? d.toISOString() : null)

function selectWebhooks(tx: Tx) {
  return tx.selectFrom('webhook as w').innerJoin('area as a', 'a.id', 'w.area_id')
}

async function loadWebhook(tx: Tx, id: number): Promise<WebhookView> {
  const r = await selectWebhooks(tx).select(webhookColumns).where('w.id', '=', id).executeTakeFirst()
  if (!r) throw notFound('NOT_FOUND', `webhook ${id}`)
  return presentWebhook(r)
}

export async function listWebhooks(tx: Tx, f: WebhookFilter): Promise<Page<WebhookView>> {
  let q = selectWebhooks(tx)
  if (f.areaId !== undefined) q = q.where('a.path', 'like', `${await areaPathOf(tx, f.areaId)}%`)
  const total = await q.select(sql<number>`count(*)`.as('n')).executeTakeFirstOrThrow()
  const rows = await q.select(webhookColumns).orderBy('w.id').limit(f.pageSize).offset(offsetOf(f)).execute()
  return paginate(f, rows.map(presentWebhook), Number(total.n))
}

/** Creates a subscription; the answer is the only time the signing secret is shown. */
export async function createWebhook(
  tx: Tx,
  ctx: RequestContext,
  input: NewWebhook,
  now: Date,
): Promise<WebhookView & { secret: string }> {
  const actor = requireActor(ctx)
  const url = checkUrl(input.url)
  const events = checkEvents(input.events)
  if (!holds(actor, ['admin'], await areaPathOf(tx, input.areaId)))
    throw new AppError('FORBIDDEN', 'requires the admin role on this area', 'areaId')
  const secret = `whsec_${randomBytes(24).toString('base64url')}`
  const { id } = await tx
    .insertInto('webhook')
    .values({
      area_id: input.areaId,
      url,
      secret,
      events,
      active: input.active ?? true,
      created_by: actor.userId,
      created_at: now,
    })
    .returning('id')
    .executeTakeFirstOrThrow()
  await recordAudit(tx, ctx, {
    action: 'webhook.create',
    entityType: 'webhook',
    entityId: id,
    areaId: input.areaId,
    detail: { host: new URL(url).host, events },
  })
  return { ...(await loadWebhook(tx, id)), secret }
}

export async function updateWebhook(
  tx: Tx,
  ctx: RequestContext,
  id: number,
  patch: WebhookPatch,
): Promise<WebhookView> {
  requireActor(ctx)
  const before = await loadWebhook(tx, id)
  const set: { url?: string; events?: string[]; active?: boolean } = {}
  if (patch.url !== undefined) set.url = checkUrl(patch.url)
  if (patch.events !== undefined) set.events = checkEvents(patch.events)
  if (patch.active !== undefined) set.active = patch.active
  const res = await tx.updateTable('webhook').set(set).where('id', '=', id).executeTakeFirst()
  if (Number(res.numUpdatedRows) !== 1) throw notFound('NOT_FOUND', `webhook ${id}`)
  await recordAudit(tx, ctx, {
    action: 'webhook.update',
    entityType: 'webhook',
    entityId: id,
    areaId: before.areaId,
    detail: { fields: Object.keys(set), ...(set.active !== undefined ? { active: set.active } : {}) },
  })
  return loadWebhook(tx, id)
}

/** Queues a test ping for the webhook, due at once; the caller then delivers it (outside tx). */
export async function queueTestPing(tx: Tx, ctx: RequestContext, id: number, now: Date): Promise<number> {
  requireActor(ctx)
  const w = await loadWebhook(tx, id)
  const payload = { type: TEST_EVENT, webhookId: w.id, areaCode: w.areaCode, at: now.toISOString() }
  const row = await tx
    .insertInto('webhook_delivery')
    .values({
      webhook_id: w.id,
      event_id: null,
      event_type: TEST_EVENT,
      payload: JSON.stringify(payload),
      next_attempt_at: now,
      created_at: now,
    })
    .returning('id')
    .executeTakeFirstOrThrow()
  await recordAudit(tx, ctx, {
    action: 'webhook.test',
    entityType: 'webhook',
    entityId: id,
    areaId: w.areaId,
    detail: { deliveryId: row.id },
  })
  return row.id
}

const deliveryColumns = [
  'id',
  'webhook_id',
  'event_id',
  'event_type',
  'payload',
  'attempts',
  'next_attempt_at',
  'delivered_at',
  'last_status',
  'last_error',
  'created_at',
] as const

function presentDelivery(r: {
  id: number
  webhook_id: number
  event_id: number | null
  event_type: string
  payload: unknown
  attempts: number
  next_attempt_at: Date | null
  delivered_at: Date | null
  last_status: number | null
  last_error: string | null
  created_at: Date
}): DeliveryView {
  return {
    id: r.id,
    webhookId: r.webhook_id,
    eventId: r.event_id,
    eventType: r.event_type,
    status: statusOf(r),
    attempts: r.attempts,
    nextAttemptAt: iso(r.next_attempt_at),
    deliveredAt: iso(r.delivered_at),
    lastStatus: r.last_status,
    lastError: r.last_error,
    createdAt: r.created_at.toISOString(),
    payload: r.payload as Record<string, unknown>,
  }
}

export async function getDelivery(tx: Tx, id: number): Promise<DeliveryView> {
  const r = await tx.selectFrom('webhook_delivery').select(deliveryColumns).where('id', '=', id).executeTakeFirst()
  if (!r) throw notFound('NOT_FOUND', `delivery ${id}`)
  return presentDelivery(r)
}

/** The webhook's deliveries, newest first. */
export async function listDeliveries(tx: Tx, webhookId: number, f: DeliveryFilter): Promise<Page<DeliveryView>> {
  await loadWebhook(tx, webhookId)
  let q = tx.selectFrom('webhook_delivery').where('webhook_id', '=', webhookId)
  if (f.status === 'delivered') q = q.where('delivered_at', 'is not', null)
  if (f.status === 'pending') q = q.where('delivered_at', 'is', null).where('next_attempt_at', 'is not', null)
  if (f.status === 'failed') q = q.where('delivered_at', 'is', null).where('next_attempt_at', 'is', null)
  const total = await q.select(sql<number>`count(*)`.as('n')).executeTakeFirstOrThrow()
  const rows = await q.select(deliveryColumns).orderBy('id', 'desc').limit(f.pageSize).offset(offsetOf(f)).execute()
  return paginate(f, rows.map(presentDelivery), Number(total.n))
}

// ---------------------------------------------------------------------------------------------
// Delivery worker (runs as the owner role: it reads the secrets, which requests never can)

export type FetchLike = (
  url: string,
  init: { method: string; headers: Record<string, string>; body: string; signal: AbortSignal; redirect: 'manual' },
) => Promise<{ status: number; body?: ReadableStream<Uint8Array> | null }>

export interface DeliverOptions {
  /** Deliveries claimed per transaction. */
  batch?: number
  timeoutMs?: number
  /** Only these deliveries (the test ping route). */
  ids?: number[]
  /** Aborts in-flight requests (shutdown); their deliveries are released, not counted. */
  signal?: AbortSignal
}

export interface DeliveryRun {
  attempted: number
  delivered: number
  failed: number
  /** Deliveries that failed for the last time. */
  gaveUp: { id: number; webhookId: number; error: string }[]
}

interface Claimed {
  id: number
  webhook_id: number
  event_type: string
  payload: unknown
  attempts: number
  url: string
  secret: string
}

/**
 * Claims due deliveries of active webhooks (test pings also of inactive ones, so a webhook can
 * be tried before it is switched on) with FOR UPDATE SKIP LOCKED, so concurrent workers take
 * disjoint sets, and leases them by pushing next_attempt_at past the time the batch can take,
 * in one short transaction. If the process dies while sending, the lease expires and they are
 * due again; attempts are counted only when an answer (or a failure) is recorded.
 */
async function claim(db: Db, now: Date, batch: number, leaseMs: number, ids: number[] | undefined): Promise<Claimed[]> {
  const leaseUntil = new Date(now.getTime() + leaseMs)
  const only = ids ? sql`and d.id = any(${ids}::bigint[])` : sql``
  const { rows } = await db.transaction().execute((tx) =>
    sql<Claimed & { due_at: Date }>`
      with due as (
        select d.id, d.next_attempt_at as due_at
        from webhook_delivery d join webhook w on w.id = d.webhook_id
        where d.next_attempt_at <= ${now} and d.delivered_at is null
          and (w.active or d.event_type = ${TEST_EVENT}) ${only}
        order by d.next_attempt_at, d.id
        limit ${batch}
        for update of d skip locked
      )
      update webhook_delivery d set next_attempt_at = ${leaseUntil}
      from due, webhook w
      where d.id = due.id and w.id = d.webhook_id
      returning d.id, d.webhook_id, d.event_type, d.payload, d.attempts, w.url, w.secret, due.due_at`.execute(tx),
  )
  return rows.sort((a, b) => a.due_at.getTime() - b.due_at.getTime() || a.id - b.id)
}

async function readSnippet(body: ReadableStream<Uint8Array> | null | undefined, max = 200): Promise<string> {
  if (!body) return ''
  const reader = body.getReader()
  const chunks: Uint8Array[] = []
  let size = 0
  try {
    while (size < max) {
      const { done, value } = await reader.read()
      if (done) break
      chunks.push(value)
      size += value.length
    }
  } catch {
    // The answer's status is what counts; a broken body only shortens the note.
  } finally {
    reader.cancel().catch(() => {})
  }
  return Buffer.concat(chunks).toString('utf8').slice(0, max).replace(/\s+/g, ' ').trim()
}

type Outcome = { ok: true; status: number } | { ok: false; status: number | null; error: string } | { aborted: true }

async function post(
  d: Claimed,
  at: Date,
  fetchImpl: FetchLike,
  timeoutMs: number,
  stop: AbortSignal | undefined,
): Promise<Outcome> {
  const body = JSON.stringify(d.payload)
  const timestamp = Math.floor(at.getTime() / 1000)
  const timeout = AbortSignal.timeout(timeoutMs)
  const signal = stop ? AbortSignal.any([timeout, stop]) : timeout
  try {
    const res = await fetchImpl(d.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'user-agent': 'Grassroots-Webhooks/1',
        'x-grassroots-event': d.event_type,
        'x-grassroots-delivery': String(d.id),
        'x-grassroots-timestamp': String(timestamp),
        'x-grassroots-signature': signature(d.secret, timestamp, body),
      },
      body,
      signal,
      // A redirect is a failure: following it would send the signed body somewhere unreviewed.
      redirect: 'manual',
    })
    const snippet = await readSnippet(res.body)
    if (res.status >= 200 && res.status < 300) return { ok: true, status: res.status }
    return { ok: false, status: res.status, error: `HTTP ${res.status}${snippet ? `: ${snippet}` : ''}` }
  } catch (err) {
    if (stop?.aborted) return { aborted: true }
    if (timeout.aborted) return { ok: false, status: null, error: `no answer within ${timeoutMs / 1000} s` }
    const e = err as Error & { cause?: { code?: string; message?: string } }
    return {
      ok: false,
      status: null,
      error: (e.cause?.code ?? e.cause?.message ?? e.message ?? String(err)).slice(0, 500),
    }
  }
}

/**
 * Delivers every delivery due at `now`: claim a batch (short transaction, committed), POST each
 * outside any transaction, record the outcome with a single-statement update. Deliveries of one
 * webhook go one after another in the order of their steps; different webhooks in parallel.
 * Failures are retried after backoffMs(attempts); after MAX_ATTEMPTS the delivery is given up.
 */
export async function deliverDueWebhooks(
  db: Db,
  now: Date,
  fetchImpl: FetchLike = fetch as unknown as FetchLike,
  opts: DeliverOptions = {},
): Promise<DeliveryRun> {
  const batch = opts.batch ?? 20
  const timeoutMs = opts.timeoutMs ?? DELIVERY_TIMEOUT_MS
  // Within one webhook the batch is sent sequentially, so the lease must outlast all of it.
  const leaseMs = batch * (timeoutMs + 1000) + 60_000
  const started = performance.now()
  // The caller's clock plus the time this run has taken: the ManualClock of the tests stays in
  // charge, and in production the timestamps are the real sending times.
  const clockNow = () => new Date(now.getTime() + Math.round(performance.now() - started))
  const run: DeliveryRun = { attempted: 0, delivered: 0, failed: 0, gaveUp: [] }
  const w = db
  for (;;) {
    if (opts.signal?.aborted) return run
    const claimed = await claim(db, now, batch, leaseMs, opts.ids)
    const byWebhook = new Map<number, Claimed[]>()
    for (const d of claimed) byWebhook.set(d.webhook_id, [...(byWebhook.get(d.webhook_id) ?? []), d])
    await Promise.all(
      [...byWebhook.values()].map(async (list) => {
        for (const d of list) {
          const outcome = opts.signal?.aborted
            ? ({ aborted: true } as const)
            : await post(d, clockNow(), fetchImpl, timeoutMs, opts.signal)
          if ('aborted' in outcome) {
            // Shutting down: hand it back as it was, without counting an attempt.
            await w
              .updateTable('webhook_delivery')
              .set({ next_attempt_at: now })
              .where('id', '=', d.id)
              .where('delivered_at', 'is', null)
              .execute()
            continue
          }
          run.attempted++
          const at = clockNow()
          const attempts = d.attempts + 1
          if (outcome.ok) {
            run.delivered++
            await w
              .updateTable('webhook_delivery')
              .set({ attempts, delivered_at: at, next_attempt_at: null, last_status: outcome.status, last_error: null })
              .where('id', '=', d.id)
              .execute()
            continue
          }
          run.failed++
          const giveUp = attempts >= MAX_ATTEMPTS
          if (giveUp) run.gaveUp.push({ id: d.id, webhookId: d.webhook_id, error: outcome.error })
          await w
            .updateTable('webhook_delivery')
            .set({
              attempts,
              next_attempt_at: giveUp ? null : new Date(at.getTime() + backoffMs(attempts)),
              last_status: outcome.status,
              last_error: outcome.error,
            })
            .where('id', '=', d.id)
            .where('delivered_at', 'is', null)
            .execute()
        }
      }),
    )
    if (claimed.length < batch) return run
  }
}

export interface WorkerLog {
  warn(obj: object, msg?: string): void
  error(obj: object, msg?: string): void
}

/** Runs deliverDueWebhooks every `intervalMs` until stopped; errors are logged, not fatal. */
export function startWebhookWorker(
  db: Db,
  clock: Clock,
  intervalMs: number,
  log: WorkerLog,
  fetchImpl: FetchLike = fetch as unknown as FetchLike,
) {
  // Stopping aborts requests in flight; their deliveries are released, not counted as attempts.
  return startPeriodic(
    async (signal) => {
      const r = await deliverDueWebhooks(db, clock.now(), fetchImpl, { signal })
      for (const g of r.gaveUp)
        log.warn({ deliveryId: g.id, webhookId: g.webhookId, error: g.error }, 'webhook delivery given up')
    },
    intervalMs,
    (err) => log.error({ err }, 'webhook delivery run failed'),
  )
}
