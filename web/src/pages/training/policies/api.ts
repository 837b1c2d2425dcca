// Policy explainers (src/training/policies-routes.ts) through the generated client: the types picked
// out of the generated paths, the calls, the query keys (under ['training', 'policies', …]).
import { queryOptions } from '@tanstack/react-query'
import { call, client } from '../../../api'
import { queryClient } from '../../../api/queries'
import type { ApiBody, ApiQuery, ApiResponse } from '../../../api/schema'

const id = (n: number) => ({ path: { id: n } })

export type PolicyFilter = ApiQuery<'/api/v1/training/policies'>
export type PolicyPage = ApiResponse<'/api/v1/training/policies'>
export type Policy = PolicyPage['items'][number]
export type PolicyDetail = ApiResponse<'/api/v1/training/policies/{id}'>
export type NewPolicy = ApiBody<'/api/v1/training/policies'>
export type PolicyPatch = ApiBody<'/api/v1/training/policies/{id}', 'patch'>
export type PolicyStatus = Policy['status']
export type QA = PolicyDetail['qa'][number]

export const POLICY_STATUSES: readonly PolicyStatus[] = ['draft', 'published', 'retired']

export const policiesApi = {
  list: (q: PolicyFilter, signal?: AbortSignal) =>
    call(client.GET('/api/v1/training/policies', { params: { query: q }, signal })),
  detail: (policyId: number, signal?: AbortSignal) =>
    call(client.GET('/api/v1/training/policies/{id}', { params: id(policyId), signal })),
  /** One Idempotency-Key per filled-in form: a retry after a lost answer writes one policy. */
  create: (body: NewPolicy, idempotencyKey: string) =>
    call(client.POST('/api/v1/training/policies', { body, params: { header: { 'idempotency-key': idempotencyKey } } })),
  update: (policyId: number, body: PolicyPatch) =>
    call(client.PATCH('/api/v1/training/policies/{id}', { params: id(policyId), body })),
  forCase: (caseId: number, signal?: AbortSignal) =>
    call(client.GET('/api/v1/training/policies/for-case/{caseId}', { params: { path: { caseId } }, signal })),
  /** Notices the editor may link (those the caller sees; policies first). */
  notices: (q: string, signal?: AbortSignal) =>
    call(
      client.GET('/api/v1/notices', {
        params: { query: { pageSize: 50, ...(q ? { q } : {}) } },
        signal,
      }),
    ),
}

export const policyKeys = {
  list: (q: PolicyFilter) => ['training', 'policies', 'list', q] as const,
  detail: (policyId: number) => ['training', 'policies', 'detail', policyId] as const,
  onCase: (caseId: number) => ['training', 'policies', 'case', caseId] as const,
  onNotice: (noticeId: number) => ['training', 'policies', 'notice', noticeId] as const,
}

/** After a change: the lists, the policy and the case cards read again. */
export const policiesChanged = () => queryClient.invalidateQueries({ queryKey: ['training', 'policies'] })

export const policyQueries = {
  list: (q: PolicyFilter) =>
    queryOptions({ queryKey: policyKeys.list(q), queryFn: ({ signal }) => policiesApi.list(q, signal) }),
  detail: (policyId: number) =>
    queryOptions({
      queryKey: policyKeys.detail(policyId),
      queryFn: ({ signal }) => policiesApi.detail(policyId, signal),
    }),
}
