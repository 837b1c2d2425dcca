// Assessment (src/analytics/assessment-routes.ts) through the generated client: the types picked out
// of the generated paths, the calls, the query keys (under ['analytics', 'assessment', …]) and the
// queries the screens read.
import { queryOptions } from '@tanstack/react-query'
import { call, client } from '../../../api'
import { queryClient } from '../../../api/queries'
import type { ApiBody, ApiQuery, ApiResponse } from '../../../api/schema'

type Item<T> = T extends readonly (infer I)[] ? I : never

export type Scheme = ApiResponse<'/api/v1/assessments/schemes/{id}'>
export type Kpi = Item<Scheme['kpis']>
export type NewScheme = ApiBody<'/api/v1/assessments/schemes'>
export type Run = ApiResponse<'/api/v1/assessments/runs/{id}'>
export type Scores = ApiResponse<'/api/v1/assessments/runs/{id}/scores'>
export type Score = Item<Scores['items']>
export type Appeal = Item<ApiResponse<'/api/v1/assessments/appeals'>['items']>
export type Sanction = Item<ApiResponse<'/api/v1/assessments/sanctions'>['items']>
export type NewSanction = ApiBody<'/api/v1/assessments/sanctions'>
export type Check = ApiResponse<'/api/v1/assessments/schemes/check', 'post'>

const path = (id: number) => ({ path: { id } })
const key = (k: string) => ({ header: { 'idempotency-key': k } })

export const assessmentApi = {
  schemes: (q: ApiQuery<'/api/v1/assessments/schemes'>, signal?: AbortSignal) =>
    call(client.GET('/api/v1/assessments/schemes', { params: { query: q }, signal })),
  createScheme: (body: NewScheme, k: string) =>
    call(client.POST('/api/v1/assessments/schemes', { body, params: key(k) })),
  updateScheme: (id: number, body: ApiBody<'/api/v1/assessments/schemes/{id}', 'put'>) =>
    call(client.PUT('/api/v1/assessments/schemes/{id}', { body, params: path(id) })),
  check: (kpis: Kpi[], signal?: AbortSignal) =>
    call(client.POST('/api/v1/assessments/schemes/check', { body: { kpis }, signal })),
  runs: (q: ApiQuery<'/api/v1/assessments/runs'>, signal?: AbortSignal) =>
    call(client.GET('/api/v1/assessments/runs', { params: { query: q }, signal })),
  createRun: (body: ApiBody<'/api/v1/assessments/runs'>, k: string) =>
    call(client.POST('/api/v1/assessments/runs', { body, params: key(k) })),
  scores: (id: number, signal?: AbortSignal) =>
    call(
      client.GET('/api/v1/assessments/runs/{id}/scores', {
        params: { ...path(id), query: { pageSize: 500 } },
        signal,
      }),
    ),
  publish: (id: number) => call(client.POST('/api/v1/assessments/runs/{id}/publish', { params: path(id) })),
  appeal: (scoreId: number, reason: string, k: string) =>
    call(
      client.POST('/api/v1/assessments/scores/{id}/appeals', {
        body: { reason },
        params: { ...path(scoreId), ...key(k) },
      }),
    ),
  appeals: (q: ApiQuery<'/api/v1/assessments/appeals'>, signal?: AbortSignal) =>
    call(client.GET('/api/v1/assessments/appeals', { params: { query: q }, signal })),
  decideAppeal: (id: number, body: ApiBody<'/api/v1/assessments/appeals/{id}/decision'>) =>
    call(client.POST('/api/v1/assessments/appeals/{id}/decision', { body, params: path(id) })),
  sanctions: (q: ApiQuery<'/api/v1/assessments/sanctions'>, signal?: AbortSignal) =>
    call(client.GET('/api/v1/assessments/sanctions', { params: { query: q }, signal })),
  propose: (body: NewSanction, k: string) =>
    call(client.POST('/api/v1/assessments/sanctions', { body, params: key(k) })),
  decideSanction: (id: number, body: ApiBody<'/api/v1/assessments/sanctions/{id}/decision'>) =>
    call(client.POST('/api/v1/assessments/sanctions/{id}/decision', { body, params: path(id) })),
}

export const assessmentKeys = {
  all: ['analytics', 'assessment'] as const,
  schemes: () => ['analytics', 'assessment', 'schemes'] as const,
  runs: () => ['analytics', 'assessment', 'runs'] as const,
  scores: (id: number) => ['analytics', 'assessment', 'scores', id] as const,
  appeals: () => ['analytics', 'assessment', 'appeals'] as const,
  sanctions: () => ['analytics', 'assessment', 'sanctions'] as const,
}

export const assessmentChanged = () => queryClient.invalidateQueries({ queryKey: assessmentKeys.all })

export const assessmentQueries = {
  schemes: () =>
    queryOptions({
      queryKey: assessmentKeys.schemes(),
      queryFn: ({ signal }) => assessmentApi.schemes({ pageSize: 100 }, signal),
    }),
  runs: () =>
    queryOptions({
      queryKey: assessmentKeys.runs(),
      queryFn: ({ signal }) => assessmentApi.runs({ pageSize: 100 }, signal),
    }),
  scores: (id: number) =>
    queryOptions({ queryKey: assessmentKeys.scores(id), queryFn: ({ signal }) => assessmentApi.scores(id, signal) }),
  appeals: () =>
    queryOptions({
      queryKey: assessmentKeys.appeals(),
      queryFn: ({ signal }) => assessmentApi.appeals({ pageSize: 100 }, signal),
    }),
  sanctions: () =>
    queryOptions({
      queryKey: assessmentKeys.sanctions(),
      queryFn: ({ signal }) => assessmentApi.sanctions({ pageSize: 100 }, signal),
    }),
}

export const newKey = () => crypto.randomUUID()
