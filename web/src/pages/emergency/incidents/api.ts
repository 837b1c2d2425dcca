// Incidents (src/emergency/incidents-routes.ts) through the generated client: the types picked out
// of the generated paths, the calls, the query keys (under ['emergency', 'incidents', …]) and the
// queries the screens read.
import { queryOptions } from '@tanstack/react-query'
import { call, client } from '../../../api'
import type { ApiBody, ApiQuery, ApiResponse } from '../../../api/schema'

type Item<T> = T extends readonly (infer I)[] ? I : never
const id = (n: number) => ({ path: { id: n } })

export type IncidentFilter = ApiQuery<'/api/v1/incidents'>
export type IncidentView = Item<ApiResponse<'/api/v1/incidents'>['items']>
export type IncidentDetail = ApiResponse<'/api/v1/incidents/{id}'>
export type NewIncident = ApiBody<'/api/v1/incidents'>
export type IncidentKind = NewIncident['kind']
export type CheckTag = NonNullable<NewIncident['checkTags']>[number]
export type IncidentMap = ApiResponse<'/api/v1/incidents/{id}/map'>
export type LogPage = ApiResponse<'/api/v1/incidents/{id}/log'>
export type LogEntry = Item<LogPage['items']>

export const incidentApi = {
  list: (q: IncidentFilter, signal?: AbortSignal) =>
    call(client.GET('/api/v1/incidents', { params: { query: q }, signal })),
  detail: (incidentId: number, signal?: AbortSignal) =>
    call(client.GET('/api/v1/incidents/{id}', { params: id(incidentId), signal })),
  map: (incidentId: number, signal?: AbortSignal) =>
    call(client.GET('/api/v1/incidents/{id}/map', { params: id(incidentId), signal })),
  log: (incidentId: number, after: number, signal?: AbortSignal) =>
    call(client.GET('/api/v1/incidents/{id}/log', { params: { ...id(incidentId), query: { after } }, signal })),
  /** One Idempotency-Key per filled-in form: a retry after a lost answer declares once. */
  declare: (body: NewIncident, idempotencyKey: string) =>
    call(client.POST('/api/v1/incidents', { body, params: { header: { 'idempotency-key': idempotencyKey } } })),
  level: (incidentId: number, level: number, reason: string) =>
    call(client.POST('/api/v1/incidents/{id}/level', { params: id(incidentId), body: { level, reason } })),
  close: (incidentId: number, summary: string) =>
    call(client.POST('/api/v1/incidents/{id}/close', { params: id(incidentId), body: { summary } })),
  note: (incidentId: number, message: string) =>
    call(client.POST('/api/v1/incidents/{id}/log', { params: id(incidentId), body: { message } })),
  report: (incidentId: number) =>
    call(
      client.GET('/api/v1/incidents/{id}/report', {
        params: id(incidentId),
        parseAs: 'blob',
        headers: { Accept: 'application/pdf' },
      }),
    ) as unknown as Promise<Blob>,
}

export const incidentKeys = {
  all: ['emergency', 'incidents'] as const,
  list: (q: IncidentFilter) => ['emergency', 'incidents', 'list', q] as const,
  detail: (incidentId: number) => ['emergency', 'incidents', 'detail', incidentId] as const,
  map: (incidentId: number) => ['emergency', 'incidents', 'map', incidentId] as const,
  log: (incidentId: number) => ['emergency', 'incidents', 'log', incidentId] as const,
}

/** Every page of the log after the first, fetched until the last (a timeline is read whole). */
async function wholeLog(incidentId: number, signal?: AbortSignal): Promise<LogEntry[]> {
  const out: LogEntry[] = []
  let after = 0
  for (let i = 0; i < 40; i++) {
    const page = await incidentApi.log(incidentId, after, signal)
    out.push(...page.items)
    if (page.nextAfter === null) break
    after = page.nextAfter
  }
  return out
}

export const incidentQueries = {
  list: (q: IncidentFilter) =>
    queryOptions({ queryKey: incidentKeys.list(q), queryFn: ({ signal }) => incidentApi.list(q, signal) }),
  detail: (incidentId: number) =>
    queryOptions({
      queryKey: incidentKeys.detail(incidentId),
      queryFn: ({ signal }) => incidentApi.detail(incidentId, signal),
      // The header's counts follow the checks and alerts while the incident runs.
      refetchInterval: (query) => (query.state.data?.status === 'closed' ? false : 10_000),
    }),
  map: (incidentId: number) =>
    queryOptions({
      queryKey: incidentKeys.map(incidentId),
      queryFn: ({ signal }) => incidentApi.map(incidentId, signal),
      refetchInterval: 10_000,
    }),
  log: (incidentId: number) =>
    queryOptions({
      queryKey: incidentKeys.log(incidentId),
      queryFn: ({ signal }) => wholeLog(incidentId, signal),
      refetchInterval: 30_000,
    }),
}
