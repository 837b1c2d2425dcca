// Consultations on drafts (src/participation/consultations-routes.ts) through the generated client:
// their types picked out of the generated paths, the calls, the query keys (under
// ['participation', 'consultations', …]) and the queries.
import { queryOptions } from '@tanstack/react-query'
import { call, client } from '../../../api'
import { queryClient } from '../../../api/queries'
import type { ApiBody, ApiQuery, ApiResponse } from '../../../api/schema'

type Item<T> = T extends readonly (infer I)[] ? I : never
const id = (n: number) => ({ path: { id: n } })

export type ConsultationFilter = ApiQuery<'/api/v1/consultations'>
export type ConsultationPage = ApiResponse<'/api/v1/consultations'>
export type ConsultationSummary = Item<ConsultationPage['items']>
export type ConsultationDetail = ApiResponse<'/api/v1/consultations/{id}'>
export type ConsultationBody = ApiBody<'/api/v1/consultations'>
export type SectionInput = Item<ConsultationBody['sections']>
export type ConsultationActionBody = ApiBody<'/api/v1/consultations/{id}/actions'>
export type ConsultationAction = ConsultationActionBody['action']
export type ConsultationState = ConsultationSummary['status']
export type ConsultationKind = ConsultationSummary['kind']
export type ConsultationResult = NonNullable<ConsultationDetail['result']>
export type Section = Item<ConsultationDetail['sections']>

export const consultationApi = {
  list: (q: ConsultationFilter, signal?: AbortSignal) =>
    call(client.GET('/api/v1/consultations', { params: { query: q }, signal })),
  detail: (consultationId: number, signal?: AbortSignal) =>
    call(client.GET('/api/v1/consultations/{id}', { params: id(consultationId), signal })),
  /** One Idempotency-Key per filled-in editor: a retry after a lost answer makes one draft. */
  create: (body: ConsultationBody, idempotencyKey: string) =>
    call(client.POST('/api/v1/consultations', { body, params: { header: { 'idempotency-key': idempotencyKey } } })),
  replace: (consultationId: number, body: ConsultationBody) =>
    call(client.PUT('/api/v1/consultations/{id}', { params: id(consultationId), body })),
  act: (consultationId: number, body: ConsultationActionBody) =>
    call(client.POST('/api/v1/consultations/{id}/actions', { params: id(consultationId), body })),
}

export const consultationKeys = {
  all: ['participation', 'consultations'] as const,
  lists: ['participation', 'consultations', 'list'] as const,
  list: (q: ConsultationFilter) => ['participation', 'consultations', 'list', q] as const,
  detail: (consultationId: number) => ['participation', 'consultations', 'detail', consultationId] as const,
}

export const consultationQueries = {
  list: (q: ConsultationFilter) =>
    queryOptions({ queryKey: consultationKeys.list(q), queryFn: ({ signal }) => consultationApi.list(q, signal) }),
  detail: (consultationId: number) =>
    queryOptions({
      queryKey: consultationKeys.detail(consultationId),
      queryFn: ({ signal }) => consultationApi.detail(consultationId, signal),
    }),
}

/** A consultation changed (saved, acted on): its detail shows at once, the lists refetch. */
export function consultationChanged(detail: ConsultationDetail): Promise<void> {
  queryClient.setQueryData(consultationKeys.detail(detail.id), detail)
  return queryClient.invalidateQueries({ queryKey: consultationKeys.lists })
}
