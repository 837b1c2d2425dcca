import type { ServerResponse } from 'node:http'
import { errorResponses, idParams, type App, type Input } from '../core/http.js'
import type { Platform } from '../core/platform.js'
import { shape, timestamp } from '../core/schemas.js'
import { inScope, type RequestContext } from '../core/scope.js'
import {
  applyCheckUpdates,
  checkListQuery,
  checkPageSchema,
  checkRowSchema,
  checksChangedSince,
  checkSummary,
  checkSummarySchema,
  checkUpdateResultSchema,
  checkUpdatesBody,
  listChecks,
  type CheckRow,
  type CheckSummary,
} from './checks.js'

const tags = ['emergency']

/** How often the stream looks for changes, and how often it sends a heartbeat comment. */
export const STREAM_POLL_MS = 2_000
export const STREAM_HEARTBEAT_MS = 15_000
/**
 * Rows changed this long before the cursor are looked at again: a transaction that took its time
 * before committing is not missed; rows already sent (same version) are not sent twice.
 */
const STREAM_OVERLAP_MS = 5_000
/** Rows per `changes` event at most (a long list catches up over several polls). */
const CHANGES_PER_EVENT = 500

const streamQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    /** Resume: changes at or after this time (the `id` of the last event received). */
    since: timestamp,
    /** How long the server keeps the stream open before closing it (the client reconnects with `since`). */
    maxSeconds: { type: 'integer', minimum: 1, maximum: 3600, default: 600 },
  },
} as const

const snapshotSchema = shape({
  summary: checkSummarySchema,
  changes: { type: 'array', items: checkRowSchema },
  /** Pass as `since` to get what changed after this answer. */
  cursor: timestamp,
})

/** Streams being served now, in this process (the tests see a stream end when its client goes). */
export const openCheckStreams = { count: 0 }

type Snapshot = { summary: CheckSummary; changes: CheckRow[]; cursor: string }
/** Where a full batch of changes stopped: the next poll continues strictly after this row. */
type Keyset = { at: Date; id: number }

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    if (signal.aborted) return resolve()
    const t = setTimeout(resolve, ms)
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(t)
        resolve()
      },
      { once: true },
    )
  })

export async function checkRoutes(app: App, { database, clock }: Platform) {
  const { db } = database

  app.get('/api/v1/incidents/:id/checks', {
    config: { access: 'signed-in' },
    schema: {
      tags,
      summary:
        "The incident's check list of vulnerable residents that you work (your grids; an enrolled volunteer's grids), by grid then id, keyset-paged by `after`; each page read is audited",
      params: idParams,
      querystring: checkListQuery,
      response: { 200: checkPageSchema, ...errorResponses(401, 404) },
    },
    handler: async (req, reply) => {
      reply.header('cache-control', 'no-store')
      return inScope(db, req.ctx, (tx) => listChecks(tx, req.ctx, req.params.id, req.query, clock.now()))
    },
  })

  app.get('/api/v1/incidents/:id/checks/summary', {
    config: { access: 'signed-in' },
    schema: {
      tags,
      summary: 'Check progress per grid you work (pending, safe, needs help, unreachable, escalated) and totals',
      params: idParams,
      response: { 200: checkSummarySchema, ...errorResponses(401, 404) },
    },
    handler: async (req) => inScope(db, req.ctx, (tx) => checkSummary(tx, req.params.id)),
  })

  app.post('/api/v1/incidents/:id/checks/updates', {
    config: { access: 'signed-in' },
    schema: {
      tags,
      summary:
        "Marks from a phone (its offline queue, 1–200): each counted once per opId, applied in the order observed; needs help tells the commander, unreachable escalates after the incident's limit",
      params: idParams,
      body: checkUpdatesBody,
      response: { 200: checkUpdateResultSchema, ...errorResponses(401, 404, 409, 422) },
    },
    handler: async (req) =>
      inScope(db, req.ctx, (tx) => applyCheckUpdates(tx, req.ctx, req.params.id, req.body, clock.now())),
  })

  // Streams open now, ended when the server closes.
  const open = new Set<AbortController>()
  app.addHook('preClose', async () => {
    for (const c of open) c.abort()
  })

  async function snapshot(
    ctx: RequestContext,
    id: number,
    since: Date | null,
    after: Keyset | null = null,
  ): Promise<Snapshot & { next: Keyset | null }> {
    const now = clock.now()
    return inScope(db, ctx, async (tx) => {
      const summary = await checkSummary(tx, id)
      const from = after?.at ?? since
      const changes = from ? await checksChangedSince(tx, ctx, id, from, now, CHANGES_PER_EVENT, after?.id ?? null) : []
      const last = changes.at(-1)
      // A full batch: continue strictly after its last row next time; otherwise from now.
      const full = !!last && changes.length >= CHANGES_PER_EVENT
      const cursor = last && (full || new Date(last.updatedAt) > now) ? last.updatedAt : now.toISOString()
      return { summary, changes, cursor, next: full && last ? { at: new Date(last.updatedAt), id: last.id } : null }
    })
  }

  app.get<{ Params: Input<typeof idParams>; Querystring: Input<typeof streamQuery> }>(
    '/api/v1/incidents/:id/checks/stream',
    {
      config: { access: 'signed-in' },
      schema: {
        tags,
        summary:
          'Live check progress as server-sent events (Accept: text/event-stream): a `summary` at once, then every ~2 s while something changed a `summary` and the `changes` (rows you work, by updated time), a heartbeat comment every 15 s; `since` resumes. Without that Accept, one JSON snapshot',
        params: idParams,
        querystring: streamQuery,
        response: {
          200: {
            description: 'The event stream, or one snapshot as JSON',
            content: {
              'text/event-stream': { schema: { type: 'string' } },
              'application/json': { schema: snapshotSchema },
            },
          },
          ...errorResponses(401, 404),
        },
      },
    },
    async (req, reply) => {
      const id = req.params.id
      const since = req.query.since ? new Date(req.query.since) : null
      // Refusals (404, 401) answer as JSON before anything is streamed.
      const first = await snapshot(req.ctx, id, since)
      if (!(req.headers.accept ?? '').includes('text/event-stream')) {
        reply.header('cache-control', 'no-store').type('application/json')
        const { next: _next, ...answer } = first
        return reply.send(answer)
      }
      reply.hijack()
      const res: ServerResponse = reply.raw
      res.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-store',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
      })
      const stop = new AbortController()
      open.add(stop)
      openCheckStreams.count++
      const end = () => stop.abort()
      req.raw.on('close', end)
      res.on('close', end)
      const deadline = Date.now() + req.query.maxSeconds * 1000
      const sent = new Map<number, number>()
      const send = (event: string, data: unknown, eventId?: string) =>
        res.write(`${eventId ? `id: ${eventId}\n` : ''}event: ${event}\ndata: ${JSON.stringify(data)}\n\n`)
      res.write('retry: 3000\n\n')
      send('summary', first.summary, first.cursor)
      const fresh = (rows: CheckRow[]) => rows.filter((r) => (sent.get(r.id) ?? 0) < r.version)
      const remember = (rows: CheckRow[]) => {
        for (const r of rows) sent.set(r.id, r.version)
      }
      if (first.changes.length) {
        remember(first.changes)
        send('changes', first.changes, first.cursor)
      }
      let cursor = new Date(first.cursor)
      let keyset = first.next
      let lastSummary = JSON.stringify(first.summary)
      let lastBeat = Date.now()
      try {
        while (!stop.signal.aborted && Date.now() < deadline) {
          await sleep(STREAM_POLL_MS, stop.signal)
          if (stop.signal.aborted) break
          // One short transaction per poll, nothing held open while waiting.
          const next = await snapshot(req.ctx, id, new Date(cursor.getTime() - STREAM_OVERLAP_MS), keyset)
          keyset = next.next
          const changes = fresh(next.changes)
          const summary = JSON.stringify(next.summary)
          if (changes.length || summary !== lastSummary) {
            send('summary', next.summary, next.cursor)
            if (changes.length) send('changes', changes, next.cursor)
            remember(changes)
            lastSummary = summary
            lastBeat = Date.now()
          } else if (Date.now() - lastBeat >= STREAM_HEARTBEAT_MS) {
            res.write(': heartbeat\n\n')
            lastBeat = Date.now()
          }
          if (new Date(next.cursor) > cursor) cursor = new Date(next.cursor)
          // Forget what is well behind the cursor: it will not be looked at again.
          if (sent.size > 5_000) sent.clear()
        }
      } catch (err) {
        req.log.warn({ err }, 'check stream stopped')
      } finally {
        open.delete(stop)
        openCheckStreams.count--
        req.raw.off('close', end)
        res.end()
      }
    },
  )
}
