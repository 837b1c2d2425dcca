// Emergency alerts (src/emergency/alerts-routes.ts) through the generated client: the types picked
// out of the generated paths, the calls, and the query keys (under ['emergency', 'alerts', …]).
import { queryOptions } from '@tanstack/react-query'
import { call, client } from '../../../api'
import { queryClient } from '../../../api/queries'
import type { ApiBody, ApiResponse } from '../../../api/schema'

type Item<T> = T extends readonly (infer I)[] ? I : never

export type AlertView = Item<ApiResponse<'/api/v1/incidents/{id}/alerts'>['items']>
export type AlertDetail = ApiResponse<'/api/v1/incidents/{id}/alerts/{alertId}'>
export type GridCounts = Item<AlertDetail['grids']>
export type Totals = AlertView['totals']
export type NewAlert = ApiBody<'/api/v1/incidents/{id}/alerts'>
export type AlertTemplate = NewAlert['template']
export type ResendTo = ApiBody<'/api/v1/incidents/{id}/alerts/{alertId}/resend'>['to']
export type MyAlert = ApiResponse<'/api/v1/alerts/mine/{recipientId}'>
export type IncidentGrid = Item<ApiResponse<'/api/v1/incidents/{id}'>['grids']>

export const ALERT_TEMPLATES: AlertTemplate[] = ['warning', 'evacuate', 'shelter_in_place', 'check_in', 'all_clear']
export const PAGE_SIZE = 20

const once = (key: string) => ({ 'idempotency-key': key })

export const alertApi = {
  list: (incidentId: number, page: number, signal?: AbortSignal) =>
    call(
      client.GET('/api/v1/incidents/{id}/alerts', {
        params: { path: { id: incidentId }, query: { page, pageSize: PAGE_SIZE } },
        signal,
      }),
    ),
  detail: (incidentId: number, alertId: number, signal?: AbortSignal) =>
    call(
      client.GET('/api/v1/incidents/{id}/alerts/{alertId}', { params: { path: { id: incidentId, alertId } }, signal }),
    ),
  grids: (incidentId: number, signal?: AbortSignal) =>
    call(client.GET('/api/v1/incidents/{id}', { params: { path: { id: incidentId } }, signal })).then((i) => i.grids),
  /** One Idempotency-Key per filled-in form: a retry after a lost answer queues one alert. */
  send: (incidentId: number, body: NewAlert, key: string) =>
    call(
      client.POST('/api/v1/incidents/{id}/alerts', { params: { path: { id: incidentId }, header: once(key) }, body }),
    ),
  resend: (incidentId: number, alertId: number, to: ResendTo, key: string) =>
    call(
      client.POST('/api/v1/incidents/{id}/alerts/{alertId}/resend', {
        params: { path: { id: incidentId, alertId }, header: once(key) },
        body: { to },
      }),
    ),
  mine: (page: number, signal?: AbortSignal) =>
    call(client.GET('/api/v1/alerts/mine', { params: { query: { page, pageSize: PAGE_SIZE } }, signal })),
  myAlert: (recipientId: number, signal?: AbortSignal) =>
    call(client.GET('/api/v1/alerts/mine/{recipientId}', { params: { path: { recipientId } }, signal })),
  ackMine: (recipientId: number) =>
    call(client.POST('/api/v1/alerts/mine/{recipientId}/ack', { params: { path: { recipientId } } })),
  byLink: (token: string, signal?: AbortSignal) =>
    call(client.GET('/api/v1/alerts/link/{token}', { params: { path: { token } }, signal })),
  ackLink: (token: string) => call(client.POST('/api/v1/alerts/link/{token}/ack', { params: { path: { token } } })),
}

export const alertKeys = {
  all: ['emergency', 'alerts'] as const,
  incident: (incidentId: number) => ['emergency', 'alerts', 'incident', incidentId] as const,
  mine: ['emergency', 'alerts', 'mine'] as const,
  link: (token: string) => ['emergency', 'alerts', 'link', token] as const,
}

export const alertQueries = {
  list: (incidentId: number, page: number) =>
    queryOptions({
      queryKey: [...alertKeys.incident(incidentId), 'list', page],
      queryFn: ({ signal }) => alertApi.list(incidentId, page, signal),
      // Live while something is being sent: the bars fill as the worker goes.
      refetchInterval: (q) =>
        q.state.data?.items.some((a) => a.status === 'queued' || a.status === 'sending') ? 3000 : false,
    }),
  detail: (incidentId: number, alertId: number, live: boolean) =>
    queryOptions({
      queryKey: [...alertKeys.incident(incidentId), 'detail', alertId],
      queryFn: ({ signal }) => alertApi.detail(incidentId, alertId, signal),
      refetchInterval: live ? 3000 : false,
    }),
  grids: (incidentId: number) =>
    queryOptions({
      queryKey: [...alertKeys.incident(incidentId), 'grids'],
      queryFn: ({ signal }) => alertApi.grids(incidentId, signal),
    }),
  mine: (page: number) =>
    queryOptions({ queryKey: [...alertKeys.mine, page], queryFn: ({ signal }) => alertApi.mine(page, signal) }),
  myAlert: (recipientId: number) =>
    queryOptions({
      queryKey: [...alertKeys.mine, 'one', recipientId],
      queryFn: ({ signal }) => alertApi.myAlert(recipientId, signal),
    }),
  byLink: (token: string) =>
    queryOptions({ queryKey: alertKeys.link(token), queryFn: ({ signal }) => alertApi.byLink(token, signal) }),
}

export const alertsChanged = (incidentId: number) =>
  queryClient.invalidateQueries({ queryKey: alertKeys.incident(incidentId) })
export const mineChanged = () => queryClient.invalidateQueries({ queryKey: alertKeys.mine })
