// The service catalogue and applications (src/services/catalogue-routes.ts, applications-routes.ts)
// through the generated client: the calls, the query keys (kept here, under ['services',
// 'catalogue', …]) and the queries.
import { queryOptions } from '@tanstack/react-query'
import { call, client } from '../../../api'
import { keys, queryClient } from '../../../api/queries'
import type { ApiBody, ApiQuery, ApiResponse } from '../../../api/schema'

type Item<T> = T extends readonly (infer I)[] ? I : never

export type ServiceFilter = ApiQuery<'/api/v1/services'>
export type ServicePage = ApiResponse<'/api/v1/services'>
export type ServiceView = Item<ServicePage['items']>
export type ServiceDetail = ApiResponse<'/api/v1/services/{id}'>
export type NewService = ApiBody<'/api/v1/services'>
export type ServiceEdit = Omit<ApiBody<'/api/v1/services/{id}', 'put'>, 'version'>
export type ServiceAction = ApiBody<'/api/v1/services/{id}/actions'>['action']
export type Eligibility = ApiResponse<'/api/v1/services/{id}/eligibility'>
export type RuleResult = Item<Eligibility['rules']>

export type ApplicationFilter = ApiQuery<'/api/v1/service-applications'>
export type ApplicationPage = ApiResponse<'/api/v1/service-applications'>
export type ApplicationView = Item<ApplicationPage['items']>
export type ApplicationStatus = ApplicationView['status']
export type ApplicationDetail = ApiResponse<'/api/v1/service-applications/{id}'>
export type ApplicationDocument = Item<ApplicationDetail['documents']>
export type RequiredDocument = Item<ApplicationDetail['requiredDocuments']>
export type ApplicationEvent = Item<ApplicationDetail['events']>
export type NewApplication = ApiBody<'/api/v1/service-applications'>
export type ActionBody = ApiBody<'/api/v1/service-applications/{id}/actions'>
export type ApplicationAction = ActionBody['action']

const id = (n: number) => ({ path: { id: n } })
const once = (key: string) => ({ header: { 'idempotency-key': key } })

/** What the server takes as a document (it decides the type by the bytes; these are for the picker). */
export const DOCUMENT_ACCEPT = 'application/pdf,image/png,image/jpeg,image/webp,.pdf,.png,.jpg,.jpeg,.webp'
export const MAX_DOCUMENT_BYTES = 10 * 1024 * 1024

export const catalogueApi = {
  list: (q: ServiceFilter, signal?: AbortSignal) =>
    call(client.GET('/api/v1/services', { params: { query: q }, signal })),
  detail: (serviceId: number, signal?: AbortSignal) =>
    call(client.GET('/api/v1/services/{id}', { params: id(serviceId), signal })),
  /** One Idempotency-Key per filled-in form: a retry after a lost answer makes one service. */
  create: (body: NewService, idempotencyKey: string) =>
    call(client.POST('/api/v1/services', { body, params: once(idempotencyKey) })),
  update: (serviceId: number, body: ServiceEdit & { version: number }) =>
    call(client.PUT('/api/v1/services/{id}', { params: id(serviceId), body })),
  switch: (serviceId: number, action: ServiceAction, version: number) =>
    call(client.POST('/api/v1/services/{id}/actions', { params: id(serviceId), body: { action, version } })),
  /** The caller's verified self, or (staff) a person of their area. */
  eligibility: (serviceId: number, personId?: number, signal?: AbortSignal) =>
    call(
      client.GET('/api/v1/services/{id}/eligibility', {
        params: { ...id(serviceId), query: personId ? { personId } : {} },
        signal,
      }),
    ),
  /** People of the staff member's areas by name or ID number (the query travels in the body). */
  people: (q: string, signal?: AbortSignal) =>
    call(client.POST('/api/v1/people/search', { body: { q, status: ['active'], pageSize: 8 }, signal })),

  applications: (q: ApplicationFilter, signal?: AbortSignal) =>
    call(client.GET('/api/v1/service-applications', { params: { query: q }, signal })),
  application: (applicationId: number, signal?: AbortSignal) =>
    call(client.GET('/api/v1/service-applications/{id}', { params: id(applicationId), signal })),
  /** One Idempotency-Key per filled-in form: a retry after a lost answer files one application. */
  apply: (body: NewApplication, idempotencyKey: string) =>
    call(client.POST('/api/v1/service-applications', { body, params: once(idempotencyKey) })),
  act: (applicationId: number, body: ActionBody) =>
    call(client.POST('/api/v1/service-applications/{id}/actions', { params: id(applicationId), body })),
  /** The file as the raw body with its own type (octet-stream when the browser does not know it). */
  upload: (applicationId: number, key: string, file: File, idempotencyKey: string) =>
    call(
      client.POST('/api/v1/service-applications/{id}/documents', {
        params: { path: { id: applicationId }, query: { key, fileName: file.name }, ...once(idempotencyKey) },
        body: file as never,
        bodySerializer: (f: unknown) => f as File,
        headers: { 'Content-Type': file.type || 'application/octet-stream' },
      }),
    ),
  check: (applicationId: number, docId: number, ok: boolean, note?: string) =>
    call(
      client.POST('/api/v1/service-applications/{id}/documents/{docId}/check', {
        params: { path: { id: applicationId, docId } },
        body: { ok, ...(note ? { note } : {}) },
      }),
    ),
  /** The file itself; the browser sends the session cookie like any same-origin request. */
  fileUrl: (applicationId: number, docId: number) => `/api/v1/service-applications/${applicationId}/documents/${docId}`,
  verification: (signal?: AbortSignal) => call(client.GET('/api/v1/verification', { signal })),
}

export const catalogueKeys = {
  all: ['services', 'catalogue'] as const,
  services: ['services', 'catalogue', 'services'] as const,
  list: (q: ServiceFilter) => ['services', 'catalogue', 'services', 'list', q] as const,
  detail: (serviceId: number) => ['services', 'catalogue', 'services', 'detail', serviceId] as const,
  applications: ['services', 'catalogue', 'applications'] as const,
  applicationList: (q: ApplicationFilter) => ['services', 'catalogue', 'applications', 'list', q] as const,
  application: (applicationId: number) => ['services', 'catalogue', 'applications', 'detail', applicationId] as const,
  verification: ['services', 'catalogue', 'verification'] as const,
}

export const catalogueQueries = {
  list: (q: ServiceFilter) =>
    queryOptions({ queryKey: catalogueKeys.list(q), queryFn: ({ signal }) => catalogueApi.list(q, signal) }),
  detail: (serviceId: number) =>
    queryOptions({
      queryKey: catalogueKeys.detail(serviceId),
      queryFn: ({ signal }) => catalogueApi.detail(serviceId, signal),
    }),
  applications: (q: ApplicationFilter) =>
    queryOptions({
      queryKey: catalogueKeys.applicationList(q),
      queryFn: ({ signal }) => catalogueApi.applications(q, signal),
    }),
  application: (applicationId: number) =>
    queryOptions({
      queryKey: catalogueKeys.application(applicationId),
      queryFn: ({ signal }) => catalogueApi.application(applicationId, signal),
    }),
  verification: () =>
    queryOptions({ queryKey: catalogueKeys.verification, queryFn: ({ signal }) => catalogueApi.verification(signal) }),
}

/** A service saved or switched: its page shows the new state; the lists refetch. */
export function serviceChanged(detail: ServiceDetail): Promise<void> {
  queryClient.setQueryData(catalogueKeys.detail(detail.id), detail)
  return queryClient.invalidateQueries({ queryKey: catalogueKeys.services })
}

/** An application changed (an action, a document): its page refetches, the lists and the inbox too. */
export function applicationChanged(applicationId: number, detail?: ApplicationDetail): Promise<void> {
  if (detail) queryClient.setQueryData(catalogueKeys.application(applicationId), detail)
  return Promise.all([
    detail ? undefined : queryClient.invalidateQueries({ queryKey: catalogueKeys.application(applicationId) }),
    queryClient.invalidateQueries({ queryKey: [...catalogueKeys.applications, 'list'] }),
    queryClient.invalidateQueries({ queryKey: keys.notifications }),
  ]).then(() => undefined)
}
