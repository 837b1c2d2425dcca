// Monthly reports (src/analytics/report-routes.ts) through the generated client: the types picked
// out of the generated paths, the calls, the query keys (under ['analytics', 'reports', …]) and
// the queries the screens read.
import { queryOptions } from '@tanstack/react-query'
import { call, client } from '../../../api'
import { queryClient } from '../../../api/queries'
import type { ApiBody, ApiQuery, ApiResponse } from '../../../api/schema'

type Item<T> = T extends readonly (infer I)[] ? I : never

export type ReportFilter = ApiQuery<'/api/v1/reports'>
export type ReportJob = ApiResponse<'/api/v1/reports/{id}'>
export type ReportItem = Item<ApiResponse<'/api/v1/reports'>['items']>
export type NewReport = ApiBody<'/api/v1/reports/monthly'>

export const reportsApi = {
  list: (q: ReportFilter, signal?: AbortSignal) =>
    call(client.GET('/api/v1/reports', { params: { query: q }, signal })),
  job: (reportId: number, signal?: AbortSignal) =>
    call(client.GET('/api/v1/reports/{id}', { params: { path: { id: reportId } }, signal })),
  /** One Idempotency-Key per filled-in form: a retry after a lost answer asks once. */
  request: (body: NewReport, key: string) =>
    call(client.POST('/api/v1/reports/monthly', { body, params: { header: { 'idempotency-key': key } } })),
  /** Plain links: the session cookie goes with them, and the browser saves the file. */
  fileUrl: (reportId: number, kind: 'pdf' | 'xlsx') => `/api/v1/reports/${reportId}/${kind}`,
}

export const reportKeys = {
  all: ['analytics', 'reports'] as const,
  list: (q: ReportFilter) => ['analytics', 'reports', 'list', q] as const,
  job: (id: number) => ['analytics', 'reports', 'job', id] as const,
}

export const reportsChanged = () => queryClient.invalidateQueries({ queryKey: reportKeys.all })

export const reportQueries = {
  list: (q: ReportFilter) =>
    queryOptions({ queryKey: reportKeys.list(q), queryFn: ({ signal }) => reportsApi.list(q, signal) }),
  /** A job being rendered is asked again every second until it is done or failed. */
  job: (id: number) =>
    queryOptions({
      queryKey: reportKeys.job(id),
      queryFn: ({ signal }) => reportsApi.job(id, signal),
      refetchInterval: (q) => (q.state.data && ['done', 'failed'].includes(q.state.data.state) ? false : 1000),
    }),
}

export const newKey = () => crypto.randomUUID()
