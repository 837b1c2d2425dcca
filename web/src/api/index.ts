// The Grassroots API as the web app calls it: one typed function per operation, each a request of the
// generated client (client.ts) awaited through call(), so answers are typed by /api/openapi.json and
// failures are ApiErrors. Screens read through the queries of queries.ts and change things through
// these functions in useMutation.
import { call, client, uploadImport, uploadPhoto } from './client'
import type { AreaDetail, AreaFeatureCollection, Coverage } from '../types'
import type { ApiBody, ApiQuery } from './schema'

export { ApiError, call, client, isAbort, onUnauthorized, type ErrorCode } from './client'

const BASE = '/api/v1'
const quiet = { quietUnauthorized: true }
const id = (n: number) => ({ path: { id: n } })

export const api = {
  config: (signal?: AbortSignal) => call(client.GET('/api/v1/config', { signal })),

  login: (username: string, password: string, totpCode?: string) =>
    call(client.POST('/api/v1/auth/login', { body: { username, password, ...(totpCode ? { totpCode } : {}) } }), quiet),
  me: (signal?: AbortSignal) => call(client.GET('/api/v1/auth/me', { signal }), quiet),
  logout: () => call(client.POST('/api/v1/auth/logout'), quiet),
  /** A wrong current password is a 401 too; it must not count as "session expired". */
  changePassword: (currentPassword: string, newPassword: string) =>
    call(client.POST('/api/v1/auth/password', { body: { currentPassword, newPassword } }), quiet),
  totpSetup: () => call(client.POST('/api/v1/auth/totp/setup')),
  totpConfirm: (code: string) => call(client.POST('/api/v1/auth/totp/confirm', { body: { code } })),
  totpDisable: (code: string) => call(client.POST('/api/v1/auth/totp/disable', { body: { code } })),

  areaTree: (signal?: AbortSignal) => call(client.GET('/api/v1/areas/tree', { signal })),
  // The document types GeoJSON coordinates only as nested arrays; these three answer GeoJSON's own types.
  area: async (areaId: number, signal?: AbortSignal) =>
    (await call(client.GET('/api/v1/areas/{id}', { params: id(areaId), signal }))) as AreaDetail,
  /** Without `level`, the server returns the direct children of `within`. */
  boundaries: async (params: ApiQuery<'/api/v1/areas/boundaries'>, signal?: AbortSignal) =>
    (await call(
      client.GET('/api/v1/areas/boundaries', { params: { query: params }, signal }),
    )) as AreaFeatureCollection,
  coverage: async (areaId: number, signal?: AbortSignal) =>
    (await call(client.GET('/api/v1/areas/{id}/coverage', { params: id(areaId), signal }))) as Coverage,
  locate: (at: { lng: number; lat: number }, signal?: AbortSignal) =>
    call(client.GET('/api/v1/areas/locate', { params: { query: { lng: at.lng, lat: at.lat } }, signal })),

  // ---- Event closed loop ----
  categories: (signal?: AbortSignal) => call(client.GET('/api/v1/categories', { signal })),
  uploadPhoto,
  photoUrl: (photoId: number) => `${BASE}/photos/${photoId}`,
  /** One Idempotency-Key per filled-in form: a retry after a lost answer files one case. */
  createCase: (body: ApiBody<'/api/v1/cases'>, idempotencyKey: string) =>
    call(client.POST('/api/v1/cases', { body, params: { header: { 'idempotency-key': idempotencyKey } } })),
  cases: (filter: ApiQuery<'/api/v1/cases'>, signal?: AbortSignal) =>
    call(client.GET('/api/v1/cases', { params: { query: filter }, signal })),
  caseDetail: (caseId: number, signal?: AbortSignal) =>
    call(client.GET('/api/v1/cases/{id}', { params: id(caseId), signal })),
  caseAction: (caseId: number, body: ApiBody<'/api/v1/cases/{id}/actions'>) =>
    call(client.POST('/api/v1/cases/{id}/actions', { params: id(caseId), body })),
  audit: (filter: ApiQuery<'/api/v1/audit'>, signal?: AbortSignal) =>
    call(client.GET('/api/v1/audit', { params: { query: filter }, signal })),
  /** Admins of a root area only; others get 403 FORBIDDEN. */
  auditVerify: (signal?: AbortSignal) => call(client.GET('/api/v1/audit/verify', { signal })),
  supervision: (params: ApiQuery<'/api/v1/supervision'>, signal?: AbortSignal) =>
    call(client.GET('/api/v1/supervision', { params: { query: params }, signal })),
  publicCase: (trackingCode: string, signal?: AbortSignal) =>
    call(client.GET('/api/v1/public/cases/{trackingCode}', { params: { path: { trackingCode } }, signal })),
  publicRate: (trackingCode: string, body: ApiBody<'/api/v1/public/cases/{trackingCode}/rating'>) =>
    call(client.POST('/api/v1/public/cases/{trackingCode}/rating', { params: { path: { trackingCode } }, body })),
  publicMap: (days: number, signal?: AbortSignal) =>
    call(client.GET('/api/v1/public/map', { params: { query: { days } }, signal })),
  notifications: (params: ApiQuery<'/api/v1/notifications'>, signal?: AbortSignal) =>
    call(client.GET('/api/v1/notifications', { params: { query: params }, signal })),
  markNotificationRead: (notificationId: number) =>
    call(client.POST('/api/v1/notifications/{id}/read', { params: id(notificationId) })),
  departments: (params: ApiQuery<'/api/v1/departments'>, signal?: AbortSignal) =>
    call(client.GET('/api/v1/departments', { params: { query: params }, signal })),
  caseStats: (params: ApiQuery<'/api/v1/stats/cases'>, signal?: AbortSignal) =>
    call(client.GET('/api/v1/stats/cases', { params: { query: params }, signal })),
  caseEvaluation: (params: ApiQuery<'/api/v1/stats/evaluation'>, signal?: AbortSignal) =>
    call(client.GET('/api/v1/stats/evaluation', { params: { query: params }, signal })),

  // ---- Registry ----
  /** The query travels in the body so ID numbers and phones never appear in URLs. */
  searchPeople: (body: ApiBody<'/api/v1/people/search'>, signal?: AbortSignal) =>
    call(client.POST('/api/v1/people/search', { body, signal })),
  person: (personId: number, asOf?: string, signal?: AbortSignal) =>
    call(client.GET('/api/v1/people/{id}', { params: { ...id(personId), query: { asOf } }, signal })),
  personHistory: (personId: number, signal?: AbortSignal) =>
    call(client.GET('/api/v1/people/{id}/history', { params: id(personId), signal })),
  revealPerson: (personId: number, body: ApiBody<'/api/v1/people/{id}/reveal'>) =>
    call(client.POST('/api/v1/people/{id}/reveal', { params: id(personId), body })),
  personEvent: (personId: number, body: ApiBody<'/api/v1/people/{id}/events'>) =>
    call(client.POST('/api/v1/people/{id}/events', { params: id(personId), body })),
  personVisits: (personId: number, signal?: AbortSignal) =>
    call(client.GET('/api/v1/people/{id}/visits', { params: id(personId), signal })),
  duplicates: (params: ApiQuery<'/api/v1/people/duplicates'>, signal?: AbortSignal) =>
    call(client.GET('/api/v1/people/duplicates', { params: { query: params }, signal })),
  dismissDuplicate: (personA: number, personB: number) =>
    call(client.POST('/api/v1/people/duplicates/dismiss', { body: { personA, personB } })),
  mergePerson: (personId: number, intoId: number, reason: string) =>
    call(client.POST('/api/v1/people/{id}/merge', { params: id(personId), body: { intoId, reason } })),
  households: (params: RegistryListQuery, signal?: AbortSignal) =>
    call(client.GET('/api/v1/households', { params: { query: params }, signal })),
  household: (householdId: number, signal?: AbortSignal) =>
    call(client.GET('/api/v1/households/{id}', { params: id(householdId), signal })),
  buildings: (params: RegistryListQuery, signal?: AbortSignal) =>
    call(client.GET('/api/v1/buildings', { params: { query: params }, signal })),
  building: (buildingId: number, signal?: AbortSignal) =>
    call(client.GET('/api/v1/buildings/{id}', { params: id(buildingId), signal })),
  organisations: (params: RegistryListQuery, signal?: AbortSignal) =>
    call(client.GET('/api/v1/organisations', { params: { query: params }, signal })),
  places: (params: RegistryListQuery, signal?: AbortSignal) =>
    call(client.GET('/api/v1/places', { params: { query: params }, signal })),
  uploadImport,
  startImport: (importId: number, mapping: ApiBody<'/api/v1/imports/{id}/start'>['mapping']) =>
    call(client.POST('/api/v1/imports/{id}/start', { params: id(importId), body: { mapping } })),
  importJob: (importId: number, signal?: AbortSignal) =>
    call(client.GET('/api/v1/imports/{id}', { params: id(importId), signal })),
  imports: (params: ApiQuery<'/api/v1/imports'>, signal?: AbortSignal) =>
    call(client.GET('/api/v1/imports', { params: { query: params }, signal })),
  /** The rows an import could not take, as CSV. */
  importErrors: (importId: number) =>
    call(
      client.GET('/api/v1/imports/{id}/errors', {
        params: id(importId),
        parseAs: 'blob',
        headers: { Accept: 'text/csv' },
      }),
    ),
  registryFields: (signal?: AbortSignal) => call(client.GET('/api/v1/registry/fields', { signal })),
  dataGrants: (params: ApiQuery<'/api/v1/data-grants'>, signal?: AbortSignal) =>
    call(client.GET('/api/v1/data-grants', { params: { query: params }, signal })),
  createDataGrant: (body: ApiBody<'/api/v1/data-grants'>) => call(client.POST('/api/v1/data-grants', { body })),
  revokeDataGrant: (grantId: number) =>
    call(client.POST('/api/v1/data-grants/{id}/revoke', { params: id(grantId), body: {} })),
  carePeople: (params: ApiQuery<'/api/v1/care/people'>, signal?: AbortSignal) =>
    call(client.GET('/api/v1/care/people', { params: { query: params }, signal })),
  logVisit: (body: ApiBody<'/api/v1/care/visits'>, idempotencyKey: string) =>
    call(client.POST('/api/v1/care/visits', { body, params: { header: { 'idempotency-key': idempotencyKey } } })),
}

/** The query of the registry's simple lists (households, buildings, organisations, places). */
export type RegistryListQuery = ApiQuery<'/api/v1/households'>

/**
 * Hands a file the API served (e.g. an import's error report, fetched with the session cookie) to the
 * browser as a download through a blob URL.
 */
export async function downloadFile(file: Promise<Blob>, fileName: string): Promise<void> {
  const href = URL.createObjectURL(await file)
  const a = document.createElement('a')
  a.href = href
  a.download = fileName
  a.rel = 'noopener'
  document.body.appendChild(a)
  a.click()
  a.remove()
  // Give the browser a moment to start the download before the URL goes.
  setTimeout(() => URL.revokeObjectURL(href), 10_000)
}
