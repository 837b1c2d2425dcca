// The single fetch wrapper for the Grassroots API. Auth rides on the httpOnly
// `gr_session` cookie, so nothing sensitive is kept in JS-visible storage.
import type {
  ActionBody,
  AppConfig,
  AreaDetail,
  AreaFeatureCollection,
  AreaLevel,
  AreaNode,
  AuditEntry,
  AuditFilter,
  AuditVerifyResult,
  CaseDetail,
  CaseFilter,
  CaseStats,
  CaseView,
  Category,
  Coverage,
  Department,
  LocateResult,
  NewCaseBody,
  NewCaseResult,
  Notification,
  Paged,
  PublicCase,
  PublicMap,
  Rating,
  StatsGroupBy,
  User,
  BuildingDetail,
  Building,
  CarePerson,
  CareVisit,
  DataGrant,
  DuplicatePair,
  HistoryEntry,
  Household,
  HouseholdDetail,
  ImportJob,
  LifeEventBody,
  NewDataGrant,
  Organisation,
  Person,
  PersonCard,
  PersonListItem,
  PersonSearch,
  Place,
  RegistryFields,
} from './types'

const BASE = '/api/v1'

/** An API failure, normalised from `{"error":{"code","message","field","details"}}`. */
export class ApiError extends Error {
  readonly status: number
  readonly code: string
  readonly field: string | null
  /** Extra facts some errors carry, e.g. the case state and allowed actions of a 409. */
  readonly details: Record<string, unknown> | null

  constructor(
    status: number,
    code: string,
    message: string,
    field: string | null = null,
    details: Record<string, unknown> | null = null,
  ) {
    super(message)
    this.name = 'ApiError'
    this.status = status
    this.code = code
    this.field = field
    this.details = details
  }
}

// Lets the app drop back to the login page when a session expires mid-use.
let unauthorizedHandler: (() => void) | null = null
export function onUnauthorized(handler: (() => void) | null): void {
  unauthorizedHandler = handler
}

interface RequestOptions {
  body?: unknown
  /** Sent as is (e.g. a photo), with `contentType`, instead of JSON. */
  raw?: Blob
  contentType?: string
  headers?: Record<string, string>
  signal?: AbortSignal
  /** Login answers 401 for bad credentials; that must not count as "session expired". */
  skipUnauthorizedHandler?: boolean
}

async function request<T>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json', ...opts.headers }
  if (opts.raw !== undefined) headers['Content-Type'] = opts.contentType ?? 'application/octet-stream'
  else if (opts.body !== undefined) headers['Content-Type'] = 'application/json'

  let res: Response
  try {
    res = await fetch(BASE + path, {
      method,
      headers,
      credentials: 'same-origin',
      body: opts.raw ?? (opts.body === undefined ? undefined : JSON.stringify(opts.body)),
      signal: opts.signal,
    })
  } catch (err) {
    if (err instanceof DOMException && err.name === 'AbortError') throw err
    // Client-side code: the server never sends it, the locale files translate it.
    throw new ApiError(0, 'NETWORK', err instanceof Error ? err.message : String(err))
  }

  if (res.status === 204) return undefined as T

  const text = await res.text()
  let data: unknown = null
  if (text) {
    try {
      data = JSON.parse(text)
    } catch {
      data = null
    }
  }

  if (!res.ok) {
    const e = (
      data as {
        error?: { code?: string; message?: string; field?: string | null; details?: Record<string, unknown> | null }
      } | null
    )?.error
    const error = new ApiError(
      res.status,
      e?.code ?? (res.status === 401 ? 'AUTH_REQUIRED' : res.status === 404 ? 'NOT_FOUND' : 'INTERNAL'),
      e?.message ?? res.statusText,
      e?.field ?? null,
      e?.details ?? null,
    )
    if (res.status === 401 && !opts.skipUnauthorizedHandler) unauthorizedHandler?.()
    throw error
  }
  return data as T
}

export const api = {
  config: (signal?: AbortSignal) => request<AppConfig>('GET', '/config', { signal }),

  login: (username: string, password: string, totpCode?: string) =>
    request<{ token: string; user: User }>('POST', '/auth/login', {
      body: { username, password, ...(totpCode ? { totpCode } : {}) },
      skipUnauthorizedHandler: true,
    }),
  me: (signal?: AbortSignal) => request<{ user: User }>('GET', '/auth/me', { signal, skipUnauthorizedHandler: true }),
  logout: () => request<void>('POST', '/auth/logout', { skipUnauthorizedHandler: true }),
  /** A wrong current password is a 401 too; it must not count as "session expired". */
  changePassword: (currentPassword: string, newPassword: string) =>
    request<void>('POST', '/auth/password', { body: { currentPassword, newPassword }, skipUnauthorizedHandler: true }),
  totpSetup: () => request<{ secret: string; otpauthUri: string }>('POST', '/auth/totp/setup'),
  totpConfirm: (code: string) => request<void>('POST', '/auth/totp/confirm', { body: { code } }),
  totpDisable: (code: string) => request<void>('POST', '/auth/totp/disable', { body: { code } }),

  areaTree: (signal?: AbortSignal) => request<{ areas: AreaNode[] }>('GET', '/areas/tree', { signal }),
  area: (id: number, signal?: AbortSignal) => request<AreaDetail>('GET', `/areas/${id}`, { signal }),
  /** Without `level`, the server returns the direct children of `within`. */
  boundaries: (within: number, level?: AreaLevel, signal?: AbortSignal) => {
    const q = new URLSearchParams({ within: String(within) })
    if (level) q.set('level', level)
    return request<AreaFeatureCollection>('GET', `/areas/boundaries?${q}`, { signal })
  },
  coverage: (id: number, signal?: AbortSignal) => request<Coverage>('GET', `/areas/${id}/coverage`, { signal }),
  locate: (at: { lng: number; lat: number }, signal?: AbortSignal) =>
    request<LocateResult>('GET', `/areas/locate?${query({ lng: at.lng, lat: at.lat })}`, { signal }),

  // ---- Event closed loop ----
  categories: (signal?: AbortSignal) => request<{ categories: Category[] }>('GET', '/categories', { signal }),
  /** Uploads one photo as the raw body; the token attaches it to a case or an action. */
  uploadPhoto: (file: Blob, contentType: string, signal?: AbortSignal) =>
    request<{ id: number; token: string; contentType: string; byteSize: number }>('POST', '/photos', {
      raw: file,
      contentType,
      signal,
    }),
  photoUrl: (id: number) => `${BASE}/photos/${id}`,
  createCase: (body: NewCaseBody, idempotencyKey: string) =>
    request<NewCaseResult>('POST', '/cases', { body, headers: { 'Idempotency-Key': idempotencyKey } }),
  cases: (filter: CaseFilter, signal?: AbortSignal) =>
    request<Paged<CaseView>>('GET', `/cases?${query(filter)}`, { signal }),
  caseDetail: (id: number, signal?: AbortSignal) => request<CaseDetail>('GET', `/cases/${id}`, { signal }),
  caseAction: (id: number, body: ActionBody) => request<CaseDetail>('POST', `/cases/${id}/actions`, { body }),
  audit: (filter: AuditFilter, signal?: AbortSignal) =>
    request<Paged<AuditEntry>>('GET', `/audit?${query(filter)}`, { signal }),
  /** Admins of a root area only; others get 403 FORBIDDEN. */
  auditVerify: (signal?: AbortSignal) => request<AuditVerifyResult>('GET', '/audit/verify', { signal }),
  supervision: (params: { page?: number; pageSize?: number; areaId?: number }, signal?: AbortSignal) =>
    request<Paged<CaseView>>('GET', `/supervision?${query(params)}`, { signal }),
  publicCase: (trackingCode: string, signal?: AbortSignal) =>
    request<PublicCase>('GET', `/public/cases/${encodeURIComponent(trackingCode)}`, { signal }),
  publicRate: (trackingCode: string, body: { reporterToken: string; rating: Rating; comment?: string }) =>
    request<{ trackingCode: string; state: string }>(
      'POST',
      `/public/cases/${encodeURIComponent(trackingCode)}/rating`,
      {
        body,
      },
    ),
  publicMap: (days: number, signal?: AbortSignal) => request<PublicMap>('GET', `/public/map?days=${days}`, { signal }),
  notifications: (params: { page?: number; pageSize?: number; unread?: boolean }, signal?: AbortSignal) =>
    request<Paged<Notification>>('GET', `/notifications?${query(params)}`, { signal }),
  markNotificationRead: (id: number) => request<void>('POST', `/notifications/${id}/read`),
  departments: (params: { page?: number; pageSize?: number; areaId?: number }, signal?: AbortSignal) =>
    request<Paged<Department>>('GET', `/departments?${query(params)}`, { signal }),
  caseStats: (params: { areaId?: number; from?: string; to?: string; groupBy?: StatsGroupBy }, signal?: AbortSignal) =>
    request<CaseStats>('GET', `/stats/cases?${query(params)}`, { signal }),

  // ---- Registry ----
  /** The query travels in the body so ID numbers and phones never appear in URLs. */
  searchPeople: (body: PersonSearch, signal?: AbortSignal) =>
    request<Paged<PersonListItem>>('POST', '/people/search', { body, signal }),
  person: (id: number, asOf?: string, signal?: AbortSignal) =>
    request<PersonCard>('GET', `/people/${id}${asOf ? `?${query({ asOf })}` : ''}`, { signal }),
  personHistory: (id: number, signal?: AbortSignal) =>
    request<{ personId: number; items: HistoryEntry[] }>('GET', `/people/${id}/history`, { signal }),
  revealPerson: (id: number, body: { fields: string[]; purpose: string; asOf?: string }) =>
    request<{ idNumber?: string; phone?: string | null }>('POST', `/people/${id}/reveal`, { body }),
  personEvent: (id: number, body: LifeEventBody) => request<Person>('POST', `/people/${id}/events`, { body }),
  personVisits: (id: number, signal?: AbortSignal) =>
    request<{ personId: number; items: CareVisit[] }>('GET', `/people/${id}/visits`, { signal }),
  duplicates: (params: { page?: number; pageSize?: number; areaId?: number }, signal?: AbortSignal) =>
    request<Paged<DuplicatePair>>('GET', `/people/duplicates?${query(params)}`, { signal }),
  dismissDuplicate: (personA: number, personB: number) =>
    request<void>('POST', '/people/duplicates/dismiss', { body: { personA, personB } }),
  mergePerson: (id: number, intoId: number, reason: string) =>
    request<Person>('POST', `/people/${id}/merge`, { body: { intoId, reason } }),
  households: (params: RegistryListQuery, signal?: AbortSignal) =>
    request<Paged<Household>>('GET', `/households?${query(params)}`, { signal }),
  household: (id: number, signal?: AbortSignal) => request<HouseholdDetail>('GET', `/households/${id}`, { signal }),
  buildings: (params: RegistryListQuery, signal?: AbortSignal) =>
    request<Paged<Building>>('GET', `/buildings?${query(params)}`, { signal }),
  building: (id: number, signal?: AbortSignal) => request<BuildingDetail>('GET', `/buildings/${id}`, { signal }),
  organisations: (params: RegistryListQuery, signal?: AbortSignal) =>
    request<Paged<Organisation>>('GET', `/organisations?${query(params)}`, { signal }),
  places: (params: RegistryListQuery, signal?: AbortSignal) =>
    request<Paged<Place>>('GET', `/places?${query(params)}`, { signal }),
  /** Uploads a CSV or XLSX file as the raw body; answers its format, encoding, headings and a suggested mapping. */
  uploadImport: (file: Blob, params: { areaId: number; fileName: string; encoding?: string }, contentType: string) =>
    request<ImportJob>('POST', `/imports?${query(params)}`, { raw: file, contentType }),
  startImport: (id: number, mapping: Record<string, string>) =>
    request<ImportJob>('POST', `/imports/${id}/start`, { body: { mapping } }),
  importJob: (id: number, signal?: AbortSignal) => request<ImportJob>('GET', `/imports/${id}`, { signal }),
  imports: (params: { page?: number; pageSize?: number; areaId?: number }, signal?: AbortSignal) =>
    request<Paged<ImportJob>>('GET', `/imports?${query(params)}`, { signal }),
  importErrorsUrl: (id: number) => `${BASE}/imports/${id}/errors`,
  registryFields: (signal?: AbortSignal) => request<RegistryFields>('GET', '/registry/fields', { signal }),
  dataGrants: (params: { page?: number; pageSize?: number; areaId?: number }, signal?: AbortSignal) =>
    request<Paged<DataGrant>>('GET', `/data-grants?${query(params)}`, { signal }),
  createDataGrant: (body: NewDataGrant) => request<DataGrant>('POST', '/data-grants', { body }),
  revokeDataGrant: (id: number) => request<DataGrant>('POST', `/data-grants/${id}/revoke`),
  carePeople: (
    params: { page?: number; pageSize?: number; areaId?: number; tag?: string; overdueOnly?: boolean },
    signal?: AbortSignal,
  ) => request<Paged<CarePerson>>('GET', `/care/people?${query(params)}`, { signal }),
  logVisit: (
    body: { personId: number; visitedOn: string; findings: string; followUp?: string; needsFollowUp?: boolean },
    idempotencyKey: string,
  ) => request<CareVisit>('POST', '/care/visits', { body, headers: { 'Idempotency-Key': idempotencyKey } }),
}

export interface RegistryListQuery {
  page?: number
  pageSize?: number
  areaId?: number
  q?: string
}

/**
 * Fetches a file the API serves (e.g. an import's error report) with the session cookie and hands
 * it to the browser as a download through a blob URL.
 */
export async function downloadFile(url: string, fileName: string): Promise<void> {
  let res: Response
  try {
    res = await fetch(url, { credentials: 'same-origin', headers: { Accept: 'text/csv' } })
  } catch (err) {
    throw new ApiError(0, 'NETWORK', err instanceof Error ? err.message : String(err))
  }
  if (!res.ok) {
    let e: { code?: string; message?: string } | undefined
    try {
      e = ((await res.json()) as { error?: { code?: string; message?: string } }).error
    } catch {
      e = undefined
    }
    if (res.status === 401) unauthorizedHandler?.()
    throw new ApiError(
      res.status,
      e?.code ?? (res.status === 404 ? 'NOT_FOUND' : 'INTERNAL'),
      e?.message ?? res.statusText,
    )
  }
  const blob = await res.blob()
  const href = URL.createObjectURL(blob)
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

/** A query string from a flat object; arrays repeat the key, undefined/empty values are left out. */
export function query(params: object): string {
  const q = new URLSearchParams()
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined || v === null || v === '') continue
    if (Array.isArray(v)) v.forEach((x) => q.append(k, String(x)))
    else q.set(k, String(v))
  }
  return q.toString()
}

export function isAbort(err: unknown): boolean {
  return err instanceof DOMException && err.name === 'AbortError'
}
