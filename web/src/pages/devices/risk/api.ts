// Community risk (src/devices/risk.ts) through the generated client; query keys under ['devices', 'risk', …].
import { queryOptions } from '@tanstack/react-query'
import { call, client } from '../../../api'
import type { ApiResponse } from '../../../api/schema'

type Item<T> = T extends readonly (infer I)[] ? I : never

export type AreaRisk = ApiResponse<'/api/v1/device-risk'>
export type GridRisk = Item<AreaRisk['grids']>
export type BuildingRisk = ApiResponse<'/api/v1/device-risk/buildings/{id}'>
export type RiskLevel = GridRisk['level']

export const KNOCK_TAGS = ['elderly_alone', 'disabled', 'elderly', 'left_behind_child', 'key_care'] as const

export const riskQueries = {
  area: (areaId: number | undefined) =>
    queryOptions({
      queryKey: ['devices', 'risk', 'area', areaId ?? null],
      queryFn: ({ signal }) =>
        call(client.GET('/api/v1/device-risk', { params: { query: areaId ? { areaId } : {} }, signal })),
      refetchInterval: 60_000,
    }),
  building: (id: number) =>
    queryOptions({
      queryKey: ['devices', 'risk', 'building', id],
      queryFn: ({ signal }) =>
        call(client.GET('/api/v1/device-risk/buildings/{id}', { params: { path: { id } }, signal })),
    }),
}
