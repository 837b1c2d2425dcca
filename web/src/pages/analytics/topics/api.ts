// Key topics and smart dispatch (src/analytics/topics-routes.ts) through the generated client: the
// types picked out of the generated paths, the calls, the query keys (under ['analytics', 'topics', …]).
import { queryOptions } from '@tanstack/react-query'
import { call, client } from '../../../api'
import { queryClient } from '../../../api/queries'
import type { ApiBody, ApiQuery, ApiResponse } from '../../../api/schema'

export type TrendsQuery = ApiQuery<'/api/v1/topics/trends'>
export type Trends = ApiResponse<'/api/v1/topics/trends'>
export type OfTheMonth = ApiResponse<'/api/v1/topics/of-the-month'>
export type TopicList = ApiResponse<'/api/v1/topics'>
export type Topic = TopicList['items'][number]
export type TopicBody = ApiBody<'/api/v1/topics/{code}', 'put'>
export type Suggestion = ApiResponse<'/api/v1/dispatch/suggest', 'post'>
export type SuggestBody = ApiBody<'/api/v1/dispatch/suggest'>
export type Models = ApiResponse<'/api/v1/dispatch/models'>
export type Accuracy = ApiResponse<'/api/v1/dispatch/accuracy'>

export const topicsApi = {
  list: (signal?: AbortSignal) => call(client.GET('/api/v1/topics', { signal })),
  trends: (q: TrendsQuery, signal?: AbortSignal) =>
    call(client.GET('/api/v1/topics/trends', { params: { query: q }, signal })),
  ofTheMonth: (q: ApiQuery<'/api/v1/topics/of-the-month'>, signal?: AbortSignal) =>
    call(client.GET('/api/v1/topics/of-the-month', { params: { query: q }, signal })),
  put: (code: string, body: TopicBody) =>
    call(client.PUT('/api/v1/topics/{code}', { params: { path: { code } }, body })),
  suggest: (body: SuggestBody, signal?: AbortSignal) => call(client.POST('/api/v1/dispatch/suggest', { body, signal })),
  link: (suggestionId: number, caseId: number) =>
    call(
      client.POST('/api/v1/dispatch/suggestions/{id}/case', {
        params: { path: { id: suggestionId } },
        body: { caseId },
      }),
    ),
  models: (signal?: AbortSignal) =>
    call(client.GET('/api/v1/dispatch/models', { params: { query: { pageSize: 5 } }, signal })),
  train: (key: string) =>
    call(client.POST('/api/v1/dispatch/models', { params: { header: { 'idempotency-key': key } } })),
  accuracy: (q: ApiQuery<'/api/v1/dispatch/accuracy'>, signal?: AbortSignal) =>
    call(client.GET('/api/v1/dispatch/accuracy', { params: { query: q }, signal })),
}

export const topicKeys = {
  all: ['analytics', 'topics'] as const,
  list: ['analytics', 'topics', 'list'] as const,
  trends: (q: TrendsQuery) => ['analytics', 'topics', 'trends', q] as const,
  month: (areaId: number | undefined, month: string | undefined) =>
    ['analytics', 'topics', 'month', areaId ?? null, month ?? null] as const,
  models: ['analytics', 'topics', 'models'] as const,
  accuracy: ['analytics', 'topics', 'accuracy'] as const,
}

export const topicsChanged = () => queryClient.invalidateQueries({ queryKey: topicKeys.all })

export const topicQueries = {
  list: () => queryOptions({ queryKey: topicKeys.list, queryFn: ({ signal }) => topicsApi.list(signal) }),
  trends: (q: TrendsQuery) =>
    queryOptions({ queryKey: topicKeys.trends(q), queryFn: ({ signal }) => topicsApi.trends(q, signal) }),
  month: (areaId: number | undefined, month: string | undefined) =>
    queryOptions({
      queryKey: topicKeys.month(areaId, month),
      queryFn: ({ signal }) => topicsApi.ofTheMonth({ areaId, month }, signal),
    }),
  models: () => queryOptions({ queryKey: topicKeys.models, queryFn: ({ signal }) => topicsApi.models(signal) }),
  accuracy: () =>
    queryOptions({ queryKey: topicKeys.accuracy, queryFn: ({ signal }) => topicsApi.accuracy({}, signal) }),
}
