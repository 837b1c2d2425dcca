// Early warning (src/analytics/warnings-routes.ts) through the generated client: the types picked
// out of the generated paths, the calls, the query keys (under ['analytics', 'warnings', …]).
import { queryOptions } from '@tanstack/react-query'
import { call, client } from '../../../api'
import { queryClient } from '../../../api/queries'
import type { ApiBody, ApiQuery, ApiResponse } from '../../../api/schema'

type Item<T> = T extends readonly (infer I)[] ? I : never

export type WarningFilter = ApiQuery<'/api/v1/warnings'>
export type WarningDetail = ApiResponse<'/api/v1/warnings/{id}'>
export type WarningItem = Item<ApiResponse<'/api/v1/warnings'>['items']>
export type ProactiveCase = ApiBody<'/api/v1/warnings/{id}/proactive-case'>

const path = (id: number) => ({ params: { path: { id } } })

export const warningsApi = {
  list: (q: WarningFilter, signal?: AbortSignal) =>
    call(client.GET('/api/v1/warnings', { params: { query: q }, signal })),
  detail: (id: number, signal?: AbortSignal) => call(client.GET('/api/v1/warnings/{id}', { ...path(id), signal })),
  acknowledge: (id: number, version: number) =>
    call(client.POST('/api/v1/warnings/{id}/acknowledge', { ...path(id), body: { version } })),
  close: (id: number, note: string, version: number) =>
    call(client.POST('/api/v1/warnings/{id}/close', { ...path(id), body: { note, version } })),
  /** One Idempotency-Key per filled-in form: a retry after a lost answer files once. */
  proactiveCase: (id: number, body: ProactiveCase, key: string) =>
    call(
      client.POST('/api/v1/warnings/{id}/proactive-case', {
        params: { path: { id }, header: { 'idempotency-key': key } },
        body,
      }),
    ),
}

export const warningKeys = {
  all: ['analytics', 'warnings'] as const,
  list: (q: WarningFilter) => ['analytics', 'warnings', 'list', q] as const,
  detail: (id: number) => ['analytics', 'warnings', 'detail', id] as const,
}

export const warningsChanged = () => queryClient.invalidateQueries({ queryKey: warningKeys.all })

export const warningQueries = {
  list: (q: WarningFilter) =>
    queryOptions({ queryKey: warningKeys.list(q), queryFn: ({ signal }) => warningsApi.list(q, signal) }),
  detail: (id: number) =>
    queryOptions({ queryKey: warningKeys.detail(id), queryFn: ({ signal }) => warningsApi.detail(id, signal) }),
}

export const newKey = () => crypto.randomUUID()
