// You said, we did (src/participation/accountability-routes.ts) through the generated client: types,
// calls, query keys (under ['participation', 'accountability', …]) and queries.
import { queryOptions } from '@tanstack/react-query'
import { call, client } from '../../../api'
import { queryClient } from '../../../api/queries'
import type { ApiBody, ApiQuery, ApiResponse } from '../../../api/schema'

type Item<T> = T extends readonly (infer I)[] ? I : never
const id = (n: number) => ({ path: { id: n } })
const once = (key: string) => ({ header: { 'idempotency-key': key } })

export type RecordFilter = ApiQuery<'/api/v1/accountability'>
export type RecordView = Item<ApiResponse<'/api/v1/accountability'>['items']>
export type RecordDetail = ApiResponse<'/api/v1/accountability/{id}'>
export type NewRecord = ApiBody<'/api/v1/accountability'>
export type RecordPatch = ApiBody<'/api/v1/accountability/{id}', 'patch'>
export type RecordStatus = RecordView['status']
export type SourceKind = RecordView['sourceKind']
export type Milestone = Item<RecordDetail['milestones']>
export type MilestonePatch = ApiBody<'/api/v1/accountability/{id}/milestones/{milestoneId}', 'patch'>
export type ToCase = ApiBody<'/api/v1/accountability/{id}/case'>

export const accountabilityApi = {
  list: (q: RecordFilter, signal?: AbortSignal) =>
    call(client.GET('/api/v1/accountability', { params: { query: q }, signal })),
  detail: (recordId: number, signal?: AbortSignal) =>
    call(client.GET('/api/v1/accountability/{id}', { params: id(recordId), signal })),
  create: (body: NewRecord, idempotencyKey: string) =>
    call(client.POST('/api/v1/accountability', { body, params: once(idempotencyKey) })),
  update: (recordId: number, body: RecordPatch) =>
    call(client.PATCH('/api/v1/accountability/{id}', { params: id(recordId), body })),
  addMilestone: (recordId: number, body: ApiBody<'/api/v1/accountability/{id}/milestones'>, idempotencyKey: string) =>
    call(
      client.POST('/api/v1/accountability/{id}/milestones', {
        params: { ...id(recordId), ...once(idempotencyKey) },
        body,
      }),
    ),
  updateMilestone: (recordId: number, milestoneId: number, body: MilestonePatch) =>
    call(
      client.PATCH('/api/v1/accountability/{id}/milestones/{milestoneId}', {
        params: { path: { id: recordId, milestoneId } },
        body,
      }),
    ),
  toCase: (recordId: number, body: ToCase) =>
    call(client.POST('/api/v1/accountability/{id}/case', { params: id(recordId), body })),
}

export const accountabilityKeys = {
  all: ['participation', 'accountability'] as const,
  list: (q: RecordFilter) => ['participation', 'accountability', 'list', q] as const,
  detail: (recordId: number) => ['participation', 'accountability', 'detail', recordId] as const,
}

export const accountabilityQueries = {
  list: (q: RecordFilter) =>
    queryOptions({ queryKey: accountabilityKeys.list(q), queryFn: ({ signal }) => accountabilityApi.list(q, signal) }),
  detail: (recordId: number) =>
    queryOptions({
      queryKey: accountabilityKeys.detail(recordId),
      queryFn: ({ signal }) => accountabilityApi.detail(recordId, signal),
    }),
}

/** A record changed: its detail at once; the lists, and the pages that link to it (meetings, proposals). */
export function recordChanged(detail: RecordDetail): Promise<void> {
  queryClient.setQueryData(accountabilityKeys.detail(detail.id), detail)
  return Promise.all([
    queryClient.invalidateQueries({
      queryKey: accountabilityKeys.all,
      predicate: (q) => !(q.queryKey[2] === 'detail' && q.queryKey[3] === detail.id),
    }),
    queryClient.invalidateQueries({ queryKey: ['participation', 'meetings'] }),
    queryClient.invalidateQueries({ queryKey: ['participation', 'proposals'] }),
  ]).then(() => undefined)
}
