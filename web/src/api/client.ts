// The one typed client of the Grassroots API: openapi-fetch over the paths generated from
// /api/openapi.json (schema.generated.ts; `npm run generate`). Auth rides on the httpOnly `gr_session`
// cookie of a same-origin fetch, which is also what the server's CSRF/Origin check expects, so nothing
// sensitive is kept in JS-visible storage.
import createClient from 'openapi-fetch'
import type { components, paths } from './schema.generated'

/** The error codes the server answers with (the Error schema of the OpenAPI document). */
export type ServerErrorCode = components['schemas']['Error']['error']['code']
/** Codes only the web app uses: the server was not reached at all. The locale files translate them too. */
export type ClientErrorCode = 'NETWORK'
export type ErrorCode = ServerErrorCode | ClientErrorCode

/** An API failure, normalised from `{"error":{"code","message","field","details"}}`. */
export class ApiError extends Error {
  readonly status: number
  readonly code: ErrorCode
  readonly field: string | null
  /** Extra facts some errors carry, e.g. the case state and allowed actions of a 409. */
  readonly details: Record<string, unknown> | null

  constructor(
    status: number,
    code: ErrorCode,
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

export function isAbort(err: unknown): boolean {
  return err instanceof DOMException && err.name === 'AbortError'
}

// Lets the app drop back to the login page when a session expires mid-use.
let unauthorizedHandler: (() => void) | null = null
export function onUnauthorized(handler: (() => void) | null): void {
  unauthorizedHandler = handler
}

/** A query string from a flat object; arrays repeat the key, undefined/null/empty values are left out. */
function query(params: object): string {
  const q = new URLSearchParams()
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined || v === null || v === '') continue
    if (Array.isArray(v)) for (const x of v) q.append(k, String(x))
    else q.set(k, String(v))
  }
  return q.toString()
}

const options = {
  baseUrl: '',
  credentials: 'same-origin',
  headers: { Accept: 'application/json' },
  querySerializer: query,
} as const

/** The typed client: `client.GET('/api/v1/cases/{id}', { params: { path: { id } } })`. Use it through `call()`. */
export const client = createClient<paths>(options)

// Photos and import files travel as raw bytes with their own content type. The routes read the body
// through a content-type parser, so the document has no request body for them: say so here, once.
type RawBody<Op> = Omit<Op, 'requestBody'> & { requestBody: { content: { 'application/octet-stream': Blob } } }
type UploadPaths = {
  '/api/v1/photos': { post: RawBody<paths['/api/v1/photos']['post']> }
  '/api/v1/imports': { post: RawBody<paths['/api/v1/imports']['post']> }
}
const uploadClient = createClient<UploadPaths>(options)

export interface CallOptions {
  /**
   * Answers 401 for a wrong password or an absent session (login, the session probe, logout, a password
   * change): that must not count as "session expired".
   */
  quietUnauthorized?: boolean
}

/** What a request of the client resolves to: the data of a success, or the body of an error. */
interface Answer<D> {
  data?: D
  error?: unknown
  response: Response
}

function fallbackCode(status: number): ServerErrorCode {
  return status === 401 ? 'AUTH_REQUIRED' : status === 404 ? 'NOT_FOUND' : 'INTERNAL'
}

/** The error of a failed answer's body (or a fallback by status), as an ApiError. */
function errorOf(status: number, statusText: string, body: unknown): ApiError {
  const e = typeof body === 'object' && body !== null && 'error' in body ? (body.error as Partial<ErrorBody>) : null
  return new ApiError(
    status,
    e?.code ?? fallbackCode(status),
    e?.message ?? statusText,
    e?.field ?? null,
    e?.details ?? null,
  )
}
type ErrorBody = components['schemas']['Error']['error']

/**
 * Awaits one request of the client and answers its data, or throws an ApiError (a network failure is
 * code NETWORK, an abort stays an AbortError). Any 401 tells the app the session is gone.
 */
export async function call<D>(pending: Promise<Answer<D>>, opts: CallOptions = {}): Promise<D> {
  let answer: Answer<D>
  try {
    answer = await pending
  } catch (err) {
    if (isAbort(err) || err instanceof ApiError) throw err
    throw new ApiError(0, 'NETWORK', err instanceof Error ? err.message : String(err))
  }
  const { response } = answer
  if (!response.ok) {
    if (response.status === 401 && !opts.quietUnauthorized) unauthorizedHandler?.()
    throw errorOf(response.status, response.statusText, answer.error)
  }
  // A 204 has no body: its data is undefined, which is what its operation declares.
  return answer.data as D
}

const raw = { bodySerializer: (file: Blob) => file }

/** Uploads one photo as the raw body; the token attaches it to a case or an action. */
export function uploadPhoto(file: Blob, contentType: string, signal?: AbortSignal) {
  return call(
    uploadClient.POST('/api/v1/photos', { body: file, headers: { 'Content-Type': contentType }, signal, ...raw }),
  )
}

/** Uploads a CSV or XLSX file as the raw body; answers its format, encoding, headings and a suggested mapping. */
export function uploadImport(
  file: Blob,
  params: UploadPaths['/api/v1/imports']['post']['parameters']['query'],
  contentType: string,
) {
  return call(
    uploadClient.POST('/api/v1/imports', {
      params: { query: params },
      body: file,
      headers: { 'Content-Type': contentType },
      ...raw,
    }),
  )
}
