// Model cases (src/training/models-routes.ts) through the generated client: the types picked out of
// the generated paths, the calls and the query keys (under ['training', 'models', …]).
import { queryOptions } from '@tanstack/react-query'
import { call, client } from '../../../api'
import { queryClient } from '../../../api/queries'
import type { ApiBody, ApiQuery, ApiResponse } from '../../../api/schema'

const id = (n: number) => ({ path: { id: n } })

export type ModelCaseFilter = ApiQuery<'/api/v1/training/model-cases'>
export type ModelCaseSummary = ApiResponse<'/api/v1/training/model-cases'>['items'][number]
export type ModelCase = ApiResponse<'/api/v1/training/model-cases/{id}'>
export type ModelCasePatch = ApiBody<'/api/v1/training/model-cases/{id}', 'patch'>
export type Finding = NonNullable<ModelCase['findings']>[number]
export type ModelCaseStatus = ModelCase['status']
export type SourceKind = ModelCase['sourceKind']

export const MODEL_CASE_STATUSES: readonly ModelCaseStatus[] = ['draft', 'published', 'withdrawn']
export const SOURCE_KINDS: readonly SourceKind[] = ['case', 'dispute', 'proposal']
/** The texts the check reads, in the editor's order. */
export const TEXT_FIELDS = ['title', 'problem', 'method', 'result', 'lessons'] as const
export type TextField = (typeof TEXT_FIELDS)[number]

export const modelsApi = {
  list: (q: ModelCaseFilter, signal?: AbortSignal) =>
    call(client.GET('/api/v1/training/model-cases', { params: { query: q }, signal })),
  detail: (modelCaseId: number, signal?: AbortSignal) =>
    call(client.GET('/api/v1/training/model-cases/{id}', { params: id(modelCaseId), signal })),
  /** One Idempotency-Key per click: a retry after a lost answer writes one draft. */
  create: (body: ApiBody<'/api/v1/training/model-cases'>, idempotencyKey: string) =>
    call(
      client.POST('/api/v1/training/model-cases', {
        body,
        params: { header: { 'idempotency-key': idempotencyKey } },
      }),
    ),
  update: (modelCaseId: number, body: ModelCasePatch) =>
    call(client.PATCH('/api/v1/training/model-cases/{id}', { params: id(modelCaseId), body })),
  check: (modelCaseId: number) =>
    call(client.POST('/api/v1/training/model-cases/{id}/check', { params: id(modelCaseId) })),
  anonymise: (modelCaseId: number, version: number) =>
    call(client.POST('/api/v1/training/model-cases/{id}/anonymise', { params: id(modelCaseId), body: { version } })),
  publish: (modelCaseId: number, version: number) =>
    call(client.POST('/api/v1/training/model-cases/{id}/publish', { params: id(modelCaseId), body: { version } })),
  withdraw: (modelCaseId: number, version: number, reason: string) =>
    call(
      client.POST('/api/v1/training/model-cases/{id}/withdraw', {
        params: id(modelCaseId),
        body: { version, reason },
      }),
    ),
  suggestions: (caseId: number, signal?: AbortSignal) =>
    call(client.GET('/api/v1/training/model-cases/suggestions', { params: { query: { caseId } }, signal })),
}

export const modelKeys = {
  list: (q: ModelCaseFilter) => ['training', 'models', 'list', q] as const,
  detail: (modelCaseId: number) => ['training', 'models', 'detail', modelCaseId] as const,
  onCase: (caseId: number) => ['training', 'models', 'case', caseId] as const,
}

/** After a change: the library, the model case and the case cards read again. */
export const modelsChanged = () => queryClient.invalidateQueries({ queryKey: ['training', 'models'] })

export const modelQueries = {
  list: (q: ModelCaseFilter) =>
    queryOptions({ queryKey: modelKeys.list(q), queryFn: ({ signal }) => modelsApi.list(q, signal) }),
  detail: (modelCaseId: number) =>
    queryOptions({
      queryKey: modelKeys.detail(modelCaseId),
      queryFn: ({ signal }) => modelsApi.detail(modelCaseId, signal),
    }),
}
