// Device alarms (src/devices/alarms-routes.ts) through the generated client: the types picked out
// of the generated paths, the calls, and the query keys (under ['devices', 'alarms', …]).
import { queryOptions } from '@tanstack/react-query'
import { call, client } from '../../../api'
import { queryClient } from '../../../api/queries'
import type { ApiBody, ApiQuery, ApiResponse } from '../../../api/schema'

type Item<T> = T extends readonly (infer I)[] ? I : never

export type AlarmPage = ApiResponse<'/api/v1/device-alarms'>
export type AlarmItem = Item<AlarmPage['items']>
export type AlarmFilter = ApiQuery<'/api/v1/device-alarms'>
export type AlarmDetail = ApiResponse<'/api/v1/device-alarms/{id}'>
export type Resident = Item<AlarmDetail['residents']>
export type Severity = AlarmItem['severity']
export type AlarmStatus = AlarmItem['status']
export type Review = ApiBody<'/api/v1/device-alarms/{id}/review'>

export const SEVERITIES: Severity[] = ['critical', 'major', 'minor', 'warning']
export const STATUS_FILTERS = ['live', 'open', 'acknowledged', 'held', 'cleared', 'dismissed', 'all'] as const
export const KNOCK_TAGS = ['elderly_alone', 'disabled', 'elderly', 'left_behind_child', 'key_care'] as const

const path = (id: number) => ({ path: { id } })

export const alarmApi = {
  list: (filter: AlarmFilter, signal?: AbortSignal) =>
    call(client.GET('/api/v1/device-alarms', { params: { query: filter }, signal })),
  detail: (id: number, signal?: AbortSignal) =>
    call(client.GET('/api/v1/device-alarms/{id}', { params: path(id), signal })),
  acknowledge: (id: number, note?: string) =>
    call(client.POST('/api/v1/device-alarms/{id}/acknowledge', { params: path(id), body: note ? { note } : {} })),
  clear: (id: number, note: string) =>
    call(client.POST('/api/v1/device-alarms/{id}/clear', { params: path(id), body: { note } })),
  review: (id: number, body: Review) =>
    call(client.POST('/api/v1/device-alarms/{id}/review', { params: path(id), body })),
}

export const alarmKeys = {
  all: ['devices', 'alarms'] as const,
  list: (filter: AlarmFilter) => ['devices', 'alarms', 'list', filter] as const,
  detail: (id: number) => ['devices', 'alarms', 'detail', id] as const,
}

export const alarmQueries = {
  list: (filter: AlarmFilter) =>
    queryOptions({
      queryKey: alarmKeys.list(filter),
      queryFn: ({ signal }) => alarmApi.list(filter, signal),
      // The inbox is where new alarms land: look again every 15 s.
      refetchInterval: 15_000,
    }),
  detail: (id: number) =>
    queryOptions({ queryKey: alarmKeys.detail(id), queryFn: ({ signal }) => alarmApi.detail(id, signal) }),
}

/**
 * After acknowledging, clearing or reviewing: the inbox, the detail, the risk figures and the
 * registry's device list, map and detail (their open alarm counts and the device's state) change.
 */
export const alarmsChanged = () =>
  Promise.all([
    queryClient.invalidateQueries({ queryKey: alarmKeys.all }),
    queryClient.invalidateQueries({ queryKey: ['devices', 'risk'] }),
    queryClient.invalidateQueries({ queryKey: ['devices', 'registry'] }),
  ]).then(() => undefined)
