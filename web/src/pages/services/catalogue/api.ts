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

// ---- Until the application routes are in the generated document, their shapes as the contract describes them.
export type ApplicationStatus = 'submitted' | 'approved' | 'rejected' | 'delivered' | 'withdrawn'
export interface ApplicationView {
  id: number
  reference: string
  serviceId: number
  serviceName: string
  areaId: number
  status: ApplicationStatus
  dueAt: string
  overdue: boolean
  createdAt: string
  personName?: string | null
  version: number
}
export interface ApplicationPage {
  items: ApplicationView[]
  page: number
  pageSize: number
  total: number
}
export interface ApplicationFilter {
  status?: ApplicationStatus
  serviceId?: number
  areaId?: number
  overdue?: boolean
  mine?: boolean
  page?: number
  pageSize?: number
}
export interface ApplicationDocument {
  id: number
  key: string
  fileName: string
  contentType: string
  size: number
  checked: boolean | null
  checkNote: string | null
  createdAt: string
}
export interface ApplicationEvent {
  id: number
  at: string
  action: string
  fromStatus: string | null
  toStatus: string | null
  note: string | null
  actorName?: string | null
  detail?: Record<string, unknown>
}
export type ApplicationAction = 'approve' | 'reject' | 'deliver' | 'withdraw' | 'rate'
export interface ApplicationDetail extends ApplicationView {
  channel: 'portal' | 'counter'
  person?: { name: string; idNumber: string } | null
  form: Record<string, unknown>
  eligibility: RuleResult[]
  documents: ApplicationDocument[]
  events: ApplicationEvent[]
  payWithHours: boolean
  decisionReason: string | null
  deliveryNote: string | null
  rating: number | null
  ratingComment: string | null
  allowedActions: ApplicationAction[]
  service: ServiceDetail
}
export interface NewApplication {
  serviceId: number
  personId?: number
  form: Record<string, unknown>
  payWithHours?: boolean
}
export interface ActionBody {
  action: ApplicationAction
  version: number
  reason?: string
  note?: string
  rating?: number
  comment?: string
}

type Answer = Promise<{ data?: unknown; error?: unknown; response: Response }>
type Loose = {
  GET: (path: string, init?: object) => Answer
  POST: (path: string, init?: object) => Answer
  PUT: (path: string, init?: object) => Answer
}
// Replaced by the typed client as soon as the routes are generated.
const loose = client as unknown as Loose
const get = <T>(path: string, init?: object) => call(loose.GET(path, init)) as Promise<T>
const post = <T>(path: string, init?: object) => call(loose.POST(path, init)) as Promise<T>
const put = <T>(path: string, init?: object) => call(loose.PUT(path, init)) as Promise<T>
const id = (n: number) => ({ path: { id: n } })
const once = (key: string) => ({ header: { 'idempotency-key': key } })

/** What the server takes as a document (it decides the type by the bytes; these are for the picker). */
export const DOCUMENT_ACCEPT = 'application/pdf,image/png,image/jpeg,image/webp,.pdf,.png,.jpg,.jpeg,.webp'
export const MAX_DOCUMENT_BYTES = 10 * 1024 * 1024

export const catalogueApi = {
  list: (q: ServiceFilter, signal?: AbortSignal) =>
    get<ServicePage>('/api/v1/services', { params: { query: q }, signal }),
  detail: (serviceId: number, signal?: AbortSignal) =>
    get<ServiceDetail>('/api/v1/services/{id}', { params: id(serviceId), signal }),
  create: (body: NewService, idempotencyKey: string) =>
    post<ServiceDetail>('/api/v1/services', { body, params: once(idempotencyKey) }),
  update: (serviceId: number, body: ServiceEdit & { version: number }) =>
    put<ServiceDetail>('/api/v1/services/{id}', { params: id(serviceId), body }),
  switch: (serviceId: number, action: 'activate' | 'suspend', version: number) =>
    post<ServiceDetail>('/api/v1/services/{id}/actions', { params: id(serviceId), body: { action, version } }),
  eligibility: (serviceId: number, signal?: AbortSignal) =>
    get<Eligibility>('/api/v1/services/{id}/eligibility', { params: id(serviceId), signal }),

  applications: (q: ApplicationFilter, signal?: AbortSignal) =>
    get<ApplicationPage>('/api/v1/service-applications', { params: { query: q }, signal }),
  application: (applicationId: number, signal?: AbortSignal) =>
    get<ApplicationDetail>('/api/v1/service-applications/{id}', { params: id(applicationId), signal }),
  apply: (body: NewApplication, idempotencyKey: string) =>
    post<ApplicationDetail>('/api/v1/service-applications', { body, params: once(idempotencyKey) }),
  act: (applicationId: number, body: ActionBody) =>
    post<ApplicationDetail>('/api/v1/service-applications/{id}/actions', { params: id(applicationId), body }),
  /** The file as the raw body with its own type (octet-stream when the browser does not know it). */
  upload: (applicationId: number, key: string, file: File) =>
    post<ApplicationDocument>('/api/v1/service-applications/{id}/documents', {
      params: { path: { id: applicationId }, query: { key, fileName: file.name } },
      body: file,
      bodySerializer: (f: File) => f,
      headers: { 'Content-Type': file.type || 'application/octet-stream' },
    }),
  check: (applicationId: number, docId: number, ok: boolean, note?: string) =>
    post<ApplicationDocument>('/api/v1/service-applications/{id}/documents/{docId}/check', {
      params: { path: { id: applicationId, docId } },
      body: { ok, ...(note ? { note } : {}) },
    }),
  /** The file itself; the browser sends the session cookie like any same-origin request. */
  fileUrl: (applicationId: number, docId: number) => `/api/v1/service-applications/${applicationId}/documents/${docId}`,
  verification: (signal?: AbortSignal) => call(client.GET('/api/v1/verification', { signal })),
}

export const catalogueKeys = {
  all: ['services', 'catalogue'] as const,
  services: ['services', 'catalogue', 'services'] as const,
  list: (q: ServiceFilter) => ['services', 'catalogue', 'services', 'list', q] as const,
  detail: (serviceId: number) => ['services', 'catalogue', 'services', 'detail', serviceId] as const,
  eligibility: (serviceId: number) => ['services', 'catalogue', 'eligibility', serviceId] as const,
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
  eligibility: (serviceId: number) =>
    queryOptions({
      queryKey: catalogueKeys.eligibility(serviceId),
      queryFn: ({ signal }) => catalogueApi.eligibility(serviceId, signal),
      retry: false,
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
