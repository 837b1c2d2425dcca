// The check list of vulnerable residents (src/emergency/checks-routes.ts) through the generated
// client: its types picked out of the generated paths, the calls, the query keys (kept here, under
// ['emergency', 'checks', …]), the phone's offline queue of marks, and the live stream.
import { infiniteQueryOptions, queryOptions, type InfiniteData } from '@tanstack/react-query'
import { ApiError, call, client } from '../../../api'
import { queryClient } from '../../../api/queries'
import type { ApiBody, ApiQuery, ApiResponse } from '../../../api/schema'

type Item<T> = T extends readonly (infer I)[] ? I : never
const id = (n: number) => ({ path: { id: n } })

export type CheckPage = ApiResponse<'/api/v1/incidents/{id}/checks'>
export type CheckRow = Item<CheckPage['items']>
export type CheckFilter = Omit<ApiQuery<'/api/v1/incidents/{id}/checks'>, 'after'>
export type CheckStatus = CheckRow['status']
export type CheckSummary = ApiResponse<'/api/v1/incidents/{id}/checks/summary'>
export type GridSummary = Item<CheckSummary['grids']>
export type CheckUpdate = Item<ApiBody<'/api/v1/incidents/{id}/checks/updates'>['updates']>
export type MarkStatus = CheckUpdate['status']
export type UpdateResult = ApiResponse<'/api/v1/incidents/{id}/checks/updates', 'post'>
export type IncidentItem = Item<ApiResponse<'/api/v1/incidents'>['items']>

export const markStatuses: MarkStatus[] = ['safe', 'needs_help', 'unreachable']
export const checkStatuses: CheckStatus[] = ['pending', 'safe', 'needs_help', 'unreachable']
export const PAGE_SIZE = 50

export const checkApi = {
  list: (incidentId: number, q: CheckFilter & { after?: number }, signal?: AbortSignal) =>
    call(client.GET('/api/v1/incidents/{id}/checks', { params: { ...id(incidentId), query: q }, signal })),
  summary: (incidentId: number, signal?: AbortSignal) =>
    call(client.GET('/api/v1/incidents/{id}/checks/summary', { params: id(incidentId), signal })),
  send: (incidentId: number, updates: CheckUpdate[]) =>
    call(client.POST('/api/v1/incidents/{id}/checks/updates', { params: id(incidentId), body: { updates } })),
  activeIncidents: (signal?: AbortSignal) =>
    call(client.GET('/api/v1/incidents', { params: { query: { status: 'active', pageSize: 50 } }, signal })),
  revealPhone: (personId: number) =>
    call(
      client.POST('/api/v1/people/{id}/reveal', {
        params: id(personId),
        body: { fields: ['phone'], purpose: '应急排查：联系重点人员' },
      }),
    ),
}

export const checkKeys = {
  all: ['emergency', 'checks'] as const,
  incidents: () => [...checkKeys.all, 'incidents'] as const,
  lists: (incidentId: number) => [...checkKeys.all, 'list', incidentId] as const,
  list: (incidentId: number, q: CheckFilter) => [...checkKeys.lists(incidentId), q] as const,
  summary: (incidentId: number) => [...checkKeys.all, 'summary', incidentId] as const,
}

export const checkQueries = {
  incidents: () =>
    queryOptions({ queryKey: checkKeys.incidents(), queryFn: ({ signal }) => checkApi.activeIncidents(signal) }),
  summary: (incidentId: number) =>
    queryOptions({
      queryKey: checkKeys.summary(incidentId),
      queryFn: ({ signal }) => checkApi.summary(incidentId, signal),
    }),
  list: (incidentId: number, q: CheckFilter) =>
    infiniteQueryOptions({
      queryKey: checkKeys.list(incidentId, q),
      queryFn: ({ signal, pageParam }) => checkApi.list(incidentId, pageParam ? { ...q, after: pageParam } : q, signal),
      initialPageParam: 0,
      getNextPageParam: (last: CheckPage) => last.nextAfter ?? undefined,
    }),
}

/**
 * Rows that changed (from the stream or an answer to our marks) replace the older versions in every
 * loaded page of the incident's lists; a row no longer matching a list's filter stays until reload.
 */
export function mergeRows(incidentId: number, rows: readonly CheckRow[]) {
  if (rows.length === 0) return
  const byId = new Map(rows.map((r) => [r.id, r]))
  queryClient.setQueriesData<InfiniteData<CheckPage>>({ queryKey: checkKeys.lists(incidentId) }, (data) =>
    data
      ? {
          ...data,
          pages: data.pages.map((page) => ({
            ...page,
            items: page.items.map((r) => {
              const next = byId.get(r.id)
              return next && next.version > r.version ? next : r
            }),
          })),
        }
      : data,
  )
}

// ---------------------------------------------------------------------------------------------
// The offline queue: marks are kept in localStorage until the server has them

/** A mark waiting to be sent (the server counts it once by its opId, however often it is sent). */
export interface QueuedMark {
  incidentId: number
  update: CheckUpdate
  /** The server refused it for good (e.g. the incident closed): shown, not sent again. */
  failed?: string
}

const QUEUE_KEY = 'grassroots.emergency.checks.queue'
const listeners = new Set<() => void>()

export function readQueue(): QueuedMark[] {
  try {
    const raw = localStorage.getItem(QUEUE_KEY)
    const parsed: unknown = raw ? JSON.parse(raw) : []
    return Array.isArray(parsed) ? (parsed as QueuedMark[]) : []
  } catch {
    return []
  }
}

function writeQueue(queue: QueuedMark[]) {
  localStorage.setItem(QUEUE_KEY, JSON.stringify(queue))
  for (const l of listeners) l()
}

export function onQueueChange(listener: () => void): () => void {
  listeners.add(listener)
  return () => listeners.delete(listener)
}

/** A random UUID (v4), also where crypto.randomUUID is missing (not a secure context). */
export function newOpId(): string {
  if (typeof crypto.randomUUID === 'function') return crypto.randomUUID()
  const b = crypto.getRandomValues(new Uint8Array(16))
  b[6] = (b[6]! & 0x0f) | 0x40
  b[8] = (b[8]! & 0x3f) | 0x80
  const h = Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('')
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`
}

/** Queues a mark, observed now, and returns it. */
export function enqueueMark(incidentId: number, checkId: number, status: MarkStatus, note: string): QueuedMark {
  const mark: QueuedMark = {
    incidentId,
    update: {
      checkId,
      opId: newOpId(),
      status,
      observedAt: new Date().toISOString(),
      ...(note.trim() ? { note: note.trim() } : {}),
    },
  }
  writeQueue([...readQueue(), mark])
  return mark
}

export function dropFailed(incidentId: number) {
  writeQueue(readQueue().filter((m) => !(m.incidentId === incidentId && m.failed)))
}

let flushing: Promise<void> | null = null

/**
 * Sends the incident's waiting marks, up to 200 a request. What the server has (applied,
 * duplicate or superseded) leaves the queue; a mark refused on its merits (its index named by the
 * error's field) is set aside as failed and the rest are sent again; a network failure keeps
 * everything for the next try.
 */
export function flushQueue(incidentId: number): Promise<void> {
  if (flushing) return flushing
  flushing = (async () => {
    for (let round = 0; round < 20; round++) {
      const waiting = readQueue().filter((m) => m.incidentId === incidentId && !m.failed)
      if (waiting.length === 0) return
      const batch = waiting.slice(0, 200)
      try {
        const answer = await checkApi.send(
          incidentId,
          batch.map((m) => m.update),
        )
        const sent = new Set(batch.map((m) => m.update.opId))
        writeQueue(readQueue().filter((m) => !sent.has(m.update.opId)))
        mergeRows(
          incidentId,
          answer.results.map((r) => r.check),
        )
        void queryClient.invalidateQueries({ queryKey: checkKeys.summary(incidentId) })
      } catch (err) {
        if (!(err instanceof ApiError) || err.status === 0 || err.status >= 500 || err.status === 401) return
        const index = /^updates\[(\d+)\]/.exec(err.field ?? '')
        const culprit = index ? batch[Number(index[1])] : null
        const failed = new Set((culprit ? [culprit] : batch).map((m) => m.update.opId))
        writeQueue(readQueue().map((m) => (failed.has(m.update.opId) ? { ...m, failed: err.code } : m)))
      }
    }
  })().finally(() => {
    flushing = null
  })
  return flushing
}

// ---------------------------------------------------------------------------------------------
// The live stream (server-sent events read with fetch: the session cookie goes with it)

export interface StreamHandlers {
  onSummary: (s: CheckSummary) => void
  onChanges: (rows: CheckRow[]) => void
  onState?: (live: boolean) => void
}

/** Follows the incident's stream until `signal` aborts, reconnecting (with `since`) when it drops. */
export async function followChecks(incidentId: number, handlers: StreamHandlers, signal: AbortSignal) {
  let since: string | null = null
  while (!signal.aborted) {
    try {
      const url = `/api/v1/incidents/${incidentId}/checks/stream${since ? `?since=${encodeURIComponent(since)}` : ''}`
      const res = await fetch(url, {
        headers: { Accept: 'text/event-stream' },
        credentials: 'same-origin',
        signal,
      })
      if (!res.ok || !res.body) {
        if (res.status === 401 || res.status === 404) return
        throw new Error(`stream answered ${res.status}`)
      }
      handlers.onState?.(true)
      const reader = res.body.getReader()
      const decoder = new TextDecoder()
      let buffer = ''
      for (;;) {
        const { value, done } = await reader.read()
        if (done) break
        buffer += decoder.decode(value, { stream: true })
        let end = buffer.indexOf('\n\n')
        while (end >= 0) {
          const block = buffer.slice(0, end)
          buffer = buffer.slice(end + 2)
          end = buffer.indexOf('\n\n')
          let event = 'message'
          let data = ''
          for (const line of block.split('\n')) {
            if (line.startsWith('event: ')) event = line.slice(7)
            else if (line.startsWith('data: ')) data += line.slice(6)
            else if (line.startsWith('id: ')) since = line.slice(4)
          }
          if (!data) continue
          if (event === 'summary') handlers.onSummary(JSON.parse(data) as CheckSummary)
          if (event === 'changes') handlers.onChanges(JSON.parse(data) as CheckRow[])
        }
      }
    } catch (err) {
      if (signal.aborted) return
      void err
    }
    handlers.onState?.(false)
    await new Promise((r) => setTimeout(r, 3000))
  }
}
