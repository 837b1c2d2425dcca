// Staff maps (src/analytics/maps-routes.ts) through the generated client: the answer types picked
// out of the generated paths, the calls and the queries (keys under ['analytics', 'maps', …]).
import { keepPreviousData, queryOptions } from '@tanstack/react-query'
import { call, client } from '../../../api'
import type { ApiQuery, ApiResponse } from '../../../api/schema'

export type GridsQuery = ApiQuery<'/api/v1/analytics/map/grids'>
export type PointsQuery = ApiQuery<'/api/v1/analytics/map/points'>
export type GridsAnswer = ApiResponse<'/api/v1/analytics/map/grids'>
export type PointsAnswer = ApiResponse<'/api/v1/analytics/map/points'>
export type DisputesAnswer = ApiResponse<'/api/v1/analytics/map/disputes'>
export type ComponentsAnswer = ApiResponse<'/api/v1/analytics/map/components'>

export const mapsApi = {
  grids: (q: GridsQuery, signal?: AbortSignal) =>
    call(client.GET('/api/v1/analytics/map/grids', { params: { query: q }, signal })),
  points: (q: PointsQuery, signal?: AbortSignal) =>
    call(client.GET('/api/v1/analytics/map/points', { params: { query: q }, signal })),
  disputes: (areaId: number | undefined, signal?: AbortSignal) =>
    call(client.GET('/api/v1/analytics/map/disputes', { params: { query: { areaId } }, signal })),
  components: (areaId: number | undefined, categoryId: number | undefined, signal?: AbortSignal) =>
    call(client.GET('/api/v1/analytics/map/components', { params: { query: { areaId, categoryId } }, signal })),
}

export const mapQueries = {
  grids: (q: GridsQuery) =>
    queryOptions({
      queryKey: ['analytics', 'maps', 'grids', q] as const,
      queryFn: ({ signal }) => mapsApi.grids(q, signal),
    }),
  // Panning asks again; the previous clusters stay on the map until the new ones arrive.
  points: (q: PointsQuery | null) =>
    queryOptions({
      queryKey: ['analytics', 'maps', 'points', q] as const,
      queryFn: ({ signal }) => mapsApi.points(q!, signal),
      enabled: q !== null,
      placeholderData: keepPreviousData,
    }),
  disputes: (areaId: number | undefined, enabled: boolean) =>
    queryOptions({
      queryKey: ['analytics', 'maps', 'disputes', areaId ?? null] as const,
      queryFn: ({ signal }) => mapsApi.disputes(areaId, signal),
      enabled,
    }),
  components: (areaId: number | undefined, categoryId: number | undefined, enabled: boolean) =>
    queryOptions({
      queryKey: ['analytics', 'maps', 'components', areaId ?? null, categoryId ?? null] as const,
      queryFn: ({ signal }) => mapsApi.components(areaId, categoryId, signal),
      enabled,
    }),
}
