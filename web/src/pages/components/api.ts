// Components (src/cases/components-routes.ts) through the generated client: the types picked out
// of the generated paths, the calls, the query keys (under ['components', …]) and the queries the
// screens read.
import { queryOptions } from '@tanstack/react-query'
import { call, client } from '../../api'
import { queryClient } from '../../api/queries'
import type { ApiBody, ApiQuery, ApiResponse } from '../../api/schema'

type Item<T> = T extends readonly (infer I)[] ? I : never
const id = (n: number) => ({ path: { id: n } })

export type ComponentFilter = ApiQuery<'/api/v1/components'>
export type ComponentPage = ApiResponse<'/api/v1/components'>
export type Component = Item<ComponentPage['items']>
export type ComponentDetail = ApiResponse<'/api/v1/components/{id}'>
export type ComponentState = Component['state']
export type GeoFilter = ApiQuery<'/api/v1/components/geojson'>
export type ComponentFeature = Item<ApiResponse<'/api/v1/components/geojson'>['features']>
export type ComponentPatch = ApiBody<'/api/v1/components/{id}', 'patch'>
export type ImportBody = ApiBody<'/api/v1/components/import'>
export type ImportResult = ApiResponse<'/api/v1/components/import', 'post'>
export type StandardClass = Item<ApiResponse<'/api/v1/component-classes'>['classes']>

export const componentStates: ComponentState[] = ['normal', 'damaged', 'lost', 'occupied', 'removed']

/** Who keeps the inventory (the server's componentKeepers). */
export const COMPONENT_KEEPERS = ['admin', 'leader', 'staff'] as const

export const componentsApi = {
  classes: (signal?: AbortSignal) => call(client.GET('/api/v1/component-classes', { signal })),
  list: (q: ComponentFilter, signal?: AbortSignal) =>
    call(client.GET('/api/v1/components', { params: { query: q }, signal })),
  geojson: (q: GeoFilter, signal?: AbortSignal) =>
    call(client.GET('/api/v1/components/geojson', { params: { query: q }, signal })),
  detail: (componentId: number, signal?: AbortSignal) =>
    call(client.GET('/api/v1/components/{id}', { params: id(componentId), signal })),
  update: (componentId: number, body: ComponentPatch) =>
    call(client.PATCH('/api/v1/components/{id}', { params: id(componentId), body })),
  import: (body: ImportBody) => call(client.POST('/api/v1/components/import', { body })),
}

export const componentKeys = {
  all: ['components'] as const,
  classes: ['components', 'classes'] as const,
  list: (q: ComponentFilter) => ['components', 'list', q] as const,
  geojson: (q: GeoFilter) => ['components', 'geojson', q] as const,
  detail: (componentId: number) => ['components', 'detail', componentId] as const,
}

/** After a change or an import: every list, map and detail of the inventory reloads. */
export const componentsChanged = () => queryClient.invalidateQueries({ queryKey: componentKeys.all })

export const componentQueries = {
  classes: () =>
    queryOptions({
      queryKey: componentKeys.classes,
      queryFn: ({ signal }) => componentsApi.classes(signal),
      staleTime: Number.POSITIVE_INFINITY,
    }),
  list: (q: ComponentFilter) =>
    queryOptions({ queryKey: componentKeys.list(q), queryFn: ({ signal }) => componentsApi.list(q, signal) }),
  geojson: (q: GeoFilter) =>
    queryOptions({ queryKey: componentKeys.geojson(q), queryFn: ({ signal }) => componentsApi.geojson(q, signal) }),
  detail: (componentId: number) =>
    queryOptions({
      queryKey: componentKeys.detail(componentId),
      queryFn: ({ signal }) => componentsApi.detail(componentId, signal),
    }),
}
