/**
 * Every error the API returns has a stable code (clients translate by code), an HTTP status and,
 * where one input is to blame, the field. The catalogue is documented in docs/api.md.
 */
export const errorCodes = {
  VALIDATION_FAILED: 400,
  INVALID_JSON: 400,
  AUTH_REQUIRED: 401,
  AUTH_INVALID_CREDENTIALS: 401,
  AUTH_TOTP_REQUIRED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  AREA_NOT_FOUND: 404,
  AREA_OUTSIDE_ALL_GRIDS: 404,
  USER_NOT_FOUND: 404,
  DEPARTMENT_NOT_FOUND: 404,
  CONFLICT: 409,
  AREA_CYCLE: 409,
  AREA_HAS_ACTIVE_CHILDREN: 409,
  CASE_ILLEGAL_TRANSITION: 409,
  CASE_VERSION_CONFLICT: 409,
  CASE_CATEGORY_NOT_FOUND: 404,
  CASE_NOT_FOUND: 404,
  PHOTO_INVALID: 422,
  CASE_PHOTO_REQUIRED: 422,
  CASE_ATTRIBUTE_INVALID: 422,
  CASE_ALREADY_RATED: 409,
  PERSON_NOT_FOUND: 404,
  RECORD_NOT_FOUND: 404,
  IMPORT_NOT_FOUND: 404,
  IMPORT_NOT_PENDING: 409,
  IMPORT_FILE_UNREADABLE: 422,
  GRANT_NOT_FOUND: 404,
  GRANT_EXPIRED: 403,
  GRANT_REVOKED: 403,
  GRANT_FIELD_NOT_ALLOWED: 403,
  DISPUTE_NOT_FOUND: 404,
  DISPUTE_ILLEGAL_TRANSITION: 409,
  DISPUTE_VERSION_CONFLICT: 409,
  AGREEMENT_NOT_FOUND: 404,
  AGREEMENT_INCOMPLETE: 422,
  JUDICIAL_DEADLINE_PASSED: 422,
  PETITION_NOT_FOUND: 404,
  PETITION_ILLEGAL_TRANSITION: 409,
  PETITION_LIMIT_PASSED: 422,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  AREA_INVALID_BOUNDARY: 422,
  AREA_LEVEL_MISMATCH: 422,
  IDEMPOTENCY_KEY_REUSED: 422,
  AUTH_THROTTLED: 429,
  RATE_LIMITED: 429,
  CSRF_REJECTED: 403,
  INTERNAL: 500,
  DATABASE_UNAVAILABLE: 503,
  SERVICE_UNAVAILABLE: 503,
} as const

export type ErrorCode = keyof typeof errorCodes

export class AppError extends Error {
  readonly status: number
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly field: string | null = null,
    readonly headers: Record<string, string> = {},
    /** Extra facts a client can act on, e.g. the current state and the allowed actions. */
    readonly details: Record<string, unknown> | null = null,
  ) {
    super(message)
    this.status = errorCodes[code]
  }
}

export const notFound = (code: ErrorCode, what: string, field: string | null = null) =>
  new AppError(code, `${what} not found`, field)

export const invalid = (field: string, message: string) => new AppError('VALIDATION_FAILED', message, field)
