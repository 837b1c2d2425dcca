// The device registry (src/devices/registry-routes.ts) through the generated client: the types
// picked out of the generated paths, the calls, the query keys (under ['devices', 'registry', …])
// and the queries the screens read. The import upload sends the file as the raw body.
import { queryOptions } from '@tanstack/react-query'
import createClient from 'openapi-fetch'
import { call, client } from '../../../api'
import { queryClient } from '../../../api/queries'
import type { ApiBody, ApiQuery, ApiResponse, paths } from '../../../api/schema'

type Item<T> = T extends readonly (infer I)[] ? I : never
const id = (n: number) => ({ path: { id: n } })

export type DeviceFilter = ApiQuery<'/api/v1/devices'>
export type DevicePage = ApiResponse<'/api/v1/devices'>
export type Device = Item<DevicePage['items']>
export type DeviceDetail = ApiResponse<'/api/v1/devices/{id}'>
export type DeviceState = Device['state']
export type DeviceType = Device['type']
export type MapFilter = ApiQuery<'/api/v1/devices/map'>
export type DevicePoint = Item<ApiResponse<'/api/v1/devices/map'>['points']>
export type NewDevice = ApiBody<'/api/v1/devices'>
export type DevicePatch = ApiBody<'/api/v1/devices/{id}', 'patch'>
export type Registered = ApiResponse<'/api/v1/devices', 'post'>
export type Readings = ApiResponse<'/api/v1/devices/{id}/readings'>
export type ImportJob = ApiResponse<'/api/v1/device-imports/{id}'>
export type ImportErrors = ApiResponse<'/api/v1/device-imports/{id}/errors'>
type ImportQuery = NonNullable<paths['/api/v1/device-imports']['post']['parameters']['query']>

export const deviceStates: DeviceState[] = ['active', 'offline', 'faulty', 'retired']
export const deviceTypes: DeviceType[] = [
  'smoke_detector',
  'gas_detector',
  'water_level',
  'manhole_tilt',
  'elevator_monitor',
  'access_control',
  'hydrant_pressure',
]

// The import file travels as raw bytes with its own content type (the route reads it through a
// content-type parser, so the document has no request body for it): say so here.
type RawBody<Op> = Omit<Op, 'requestBody'> & { requestBody: { content: { 'application/octet-stream': Blob } } }
type UploadPaths = { '/api/v1/device-imports': { post: RawBody<paths['/api/v1/device-imports']['post']> } }
const uploadClient = createClient<UploadPaths>({
  baseUrl: '',
  credentials: 'same-origin',
  headers: { Accept: 'application/json' },
})

export const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'

export const registryApi = {
  list: (q: DeviceFilter, signal?: AbortSignal) =>
    call(client.GET('/api/v1/devices', { params: { query: q }, signal })),
  map: (q: MapFilter, signal?: AbortSignal) =>
    call(client.GET('/api/v1/devices/map', { params: { query: q }, signal })),
  detail: (deviceId: number, signal?: AbortSignal) =>
    call(client.GET('/api/v1/devices/{id}', { params: id(deviceId), signal })),
  readings: (deviceId: number, q: ApiQuery<'/api/v1/devices/{id}/readings'>, signal?: AbortSignal) =>
    call(client.GET('/api/v1/devices/{id}/readings', { params: { ...id(deviceId), query: q }, signal })),
  /** One Idempotency-Key per filled-in form: a retry after a lost answer registers once. */
  register: (body: NewDevice, idempotencyKey: string) =>
    call(client.POST('/api/v1/devices', { body, params: { header: { 'idempotency-key': idempotencyKey } } })),
  update: (deviceId: number, body: DevicePatch) =>
    call(client.PATCH('/api/v1/devices/{id}', { params: id(deviceId), body })),
  rotate: (deviceId: number) => call(client.POST('/api/v1/devices/{id}/secret', { params: id(deviceId) })),
  upload: (file: Blob, query: ImportQuery, contentType: string) =>
    call(
      uploadClient.POST('/api/v1/device-imports', {
        params: { query },
        body: file,
        headers: { 'Content-Type': contentType },
        bodySerializer: (f: Blob) => f,
      }),
    ),
  job: (jobId: number, signal?: AbortSignal) =>
    call(client.GET('/api/v1/device-imports/{id}', { params: id(jobId), signal })),
  errors: (jobId: number, signal?: AbortSignal) =>
    call(client.GET('/api/v1/device-imports/{id}/errors', { params: id(jobId), signal })),
  /** The generated secrets as CSV text, once (the server erases them as it answers). */
  credentials: (jobId: number) =>
    call(
      client.GET('/api/v1/device-imports/{id}/credentials', {
        params: id(jobId),
        parseAs: 'blob',
        headers: { Accept: 'text/csv' },
      }),
    ) as unknown as Promise<Blob>,
  departments: (signal?: AbortSignal) =>
    call(client.GET('/api/v1/departments', { params: { query: { pageSize: 200 } }, signal })),
  organisations: (signal?: AbortSignal) =>
    call(client.GET('/api/v1/organisations', { params: { query: { pageSize: 200 } }, signal })),
  buildings: (areaId: number | undefined, signal?: AbortSignal) =>
    call(
      client.GET('/api/v1/buildings', { params: { query: { pageSize: 200, ...(areaId ? { areaId } : {}) } }, signal }),
    ),
}

export const registryKeys = {
  all: ['devices', 'registry'] as const,
  list: (q: DeviceFilter) => ['devices', 'registry', 'list', q] as const,
  map: (q: MapFilter) => ['devices', 'registry', 'map', q] as const,
  detail: (deviceId: number) => ['devices', 'registry', 'detail', deviceId] as const,
  readings: (deviceId: number, metric: string, hours: number) =>
    ['devices', 'registry', 'readings', deviceId, metric, hours] as const,
  job: (jobId: number) => ['devices', 'registry', 'import', jobId] as const,
  errors: (jobId: number) => ['devices', 'registry', 'import', jobId, 'errors'] as const,
  owners: ['devices', 'registry', 'owners'] as const,
  buildings: (areaId: number | undefined) => ['devices', 'registry', 'buildings', areaId ?? 0] as const,
}

/** After a change: every list, map and detail of the registry reads again. */
export const registryChanged = () => queryClient.invalidateQueries({ queryKey: registryKeys.all })

const HOUR = 3_600_000

export const registryQueries = {
  list: (q: DeviceFilter) =>
    queryOptions({ queryKey: registryKeys.list(q), queryFn: ({ signal }) => registryApi.list(q, signal) }),
  map: (q: MapFilter) =>
    queryOptions({
      queryKey: registryKeys.map(q),
      queryFn: ({ signal }) => registryApi.map(q, signal),
      refetchInterval: 60_000,
    }),
  detail: (deviceId: number) =>
    queryOptions({
      queryKey: registryKeys.detail(deviceId),
      queryFn: ({ signal }) => registryApi.detail(deviceId, signal),
      refetchInterval: 30_000,
    }),
  readings: (deviceId: number, metric: string, hours: number) =>
    queryOptions({
      queryKey: registryKeys.readings(deviceId, metric, hours),
      queryFn: ({ signal }) => {
        const to = new Date()
        return registryApi.readings(
          deviceId,
          { metric, from: new Date(to.getTime() - hours * HOUR).toISOString(), to: to.toISOString() },
          signal,
        )
      },
    }),
  job: (jobId: number) =>
    queryOptions({
      queryKey: registryKeys.job(jobId),
      queryFn: ({ signal }) => registryApi.job(jobId, signal),
      refetchInterval: (query) => (query.state.data?.status === 'running' ? 500 : false),
    }),
  errors: (jobId: number) =>
    queryOptions({ queryKey: registryKeys.errors(jobId), queryFn: ({ signal }) => registryApi.errors(jobId, signal) }),
  owners: () =>
    queryOptions({
      queryKey: registryKeys.owners,
      queryFn: async ({ signal }) => {
        const [departments, organisations] = await Promise.all([
          registryApi.departments(signal),
          registryApi.organisations(signal).catch(() => ({ items: [] as never[] })),
        ])
        return { departments: departments.items, organisations: organisations.items }
      },
      staleTime: 5 * 60_000,
    }),
  buildings: (areaId: number | undefined) =>
    queryOptions({
      queryKey: registryKeys.buildings(areaId),
      queryFn: ({ signal }) => registryApi.buildings(areaId, signal),
      staleTime: 60_000,
    }),
}
