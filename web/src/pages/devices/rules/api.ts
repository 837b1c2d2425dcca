// Alarm rules and device types (src/devices/alarms-routes.ts) through the generated client; query
// keys under ['devices', 'rules', …].
import { queryOptions } from '@tanstack/react-query'
import { call, client } from '../../../api'
import { queryClient } from '../../../api/queries'
import type { ApiBody, ApiResponse } from '../../../api/schema'

type Item<T> = T extends readonly (infer I)[] ? I : never

export type Rule = Item<ApiResponse<'/api/v1/device-rules'>['items']>
export type NewRule = ApiBody<'/api/v1/device-rules'>
export type RulePatch = ApiBody<'/api/v1/device-rules/{id}', 'patch'>
export type DeviceType = Item<ApiResponse<'/api/v1/device-types'>['items']>
export type TypePatch = ApiBody<'/api/v1/device-types/{code}', 'patch'>

export const rulesApi = {
  rules: (signal?: AbortSignal) => call(client.GET('/api/v1/device-rules', { params: { query: {} }, signal })),
  types: (signal?: AbortSignal) => call(client.GET('/api/v1/device-types', { signal })),
  create: (body: NewRule, key: string) =>
    call(client.POST('/api/v1/device-rules', { params: { header: { 'idempotency-key': key } }, body })),
  update: (id: number, body: RulePatch) =>
    call(client.PATCH('/api/v1/device-rules/{id}', { params: { path: { id } }, body })),
  updateType: (code: string, body: TypePatch) =>
    call(client.PATCH('/api/v1/device-types/{code}', { params: { path: { code } }, body })),
}

export const rulesQueries = {
  rules: () =>
    queryOptions({ queryKey: ['devices', 'rules', 'list'], queryFn: ({ signal }) => rulesApi.rules(signal) }),
  types: () =>
    queryOptions({ queryKey: ['devices', 'rules', 'types'], queryFn: ({ signal }) => rulesApi.types(signal) }),
}

/**
 * After a rule or type is saved: the rules, and — since switching a rule off clears its live
 * alarms — the alarm inbox, the risk figures and the registry's open alarm counts.
 */
export const rulesChanged = () =>
  Promise.all(
    [
      ['devices', 'rules'],
      ['devices', 'alarms'],
      ['devices', 'risk'],
      ['devices', 'registry'],
    ].map((queryKey) => queryClient.invalidateQueries({ queryKey })),
  ).then(() => undefined)
