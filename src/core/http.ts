import type { IncomingMessage, ServerResponse } from 'node:http'
import type {
  FastifyBaseLogger,
  FastifyError,
  FastifyInstance,
  FastifyReply,
  FastifyRequest,
  RawServerDefault,
} from 'fastify'
import type { JsonSchemaToTsProvider } from '@fastify/type-provider-json-schema-to-ts'
import type { FromSchema, JSONSchema } from 'json-schema-to-ts'
import { Ajv, type Options as AjvOptions } from 'ajv'
import addFormatsModule from 'ajv-formats'
import { AppError, errorCodes, type ErrorCode } from './errors.js'

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv

/**
 * Bodies are validated strictly (no type coercion, unknown fields refused) so a wrong type is a
 * 400 naming the field; query strings and path parameters arrive as text and are coerced.
 */
export function validatorCompiler() {
  const base: AjvOptions = { allErrors: false, removeAdditional: false, useDefaults: true, strict: false }
  const strictAjv = addFormats(new Ajv({ ...base, coerceTypes: false }))
  const coercingAjv = addFormats(new Ajv({ ...base, coerceTypes: 'array' }))
  return ({ schema, httpPart }: { schema: object; httpPart?: string }) =>
    (httpPart === 'body' ? strictAjv : coercingAjv).compile(schema)
}

export const errorSchema = {
  $id: 'Error',
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message', 'field'],
      properties: {
        code: { type: 'string', enum: Object.keys(errorCodes) },
        message: { type: 'string' },
        field: { type: ['string', 'null'] },
        details: { type: 'object', additionalProperties: true },
      },
    },
  },
} as const

/**
 * The schema is the type: a route's body, query, params and headers are typed from their JSON
 * schemas, and its return value is checked against its response schemas (`$ref: 'Error#'`
 * resolves to the error shape).
 */
type Refs = { references: [typeof errorSchema] }
// Ajv fills defaults in before the handler runs, so a defaulted input field is present.
type InputOptions = Refs
type OutputOptions = Refs & { keepDefaultedPropertiesOptional: true }
export type TypeProvider = JsonSchemaToTsProvider<{
  ValidatorSchemaOptions: InputOptions
  SerializerSchemaOptions: OutputOptions
}>
export type App = FastifyInstance<RawServerDefault, IncomingMessage, ServerResponse, FastifyBaseLogger, TypeProvider>

/** What a handler receives for a request schema (body, query…), defaults filled in: a use case's input type. */
export type Input<S extends JSONSchema> = FromSchema<S, InputOptions>

/** What a response schema admits: a presenter returns this, and the serializer drops anything else. */
export type Output<S extends JSONSchema> = FromSchema<S, OutputOptions>

/** Response schemas for the errors a route can answer with, for the OpenAPI document. */
export function errorResponses(...statuses: number[]): Record<number, { $ref: string }> {
  return Object.fromEntries([400, ...statuses].map((s) => [s, { $ref: 'Error#' }]))
}

export const idParams = {
  type: 'object',
  required: ['id'],
  additionalProperties: false,
  properties: { id: { type: 'integer', minimum: 1, maximum: 2147483647 } },
} as const

interface AjvErrorLike {
  instancePath: string
  keyword: string
  params: Record<string, unknown>
  message?: string
}

/** 'body' + '/boundary/coordinates/0' → 'boundary.coordinates[0]'. */
function fieldOf(context: string | undefined, e: AjvErrorLike): string {
  if (context === 'body') context = undefined
  const parts = e.instancePath.split('/').filter(Boolean)
  if (e.keyword === 'required') parts.push(String(e.params.missingProperty))
  if (e.keyword === 'additionalProperties') parts.push(String(e.params.additionalProperty))
  const path = parts.reduce((acc, p) => (/^\d+$/.test(p) ? `${acc}[${p}]` : acc ? `${acc}.${p}` : p), '')
  if (context === 'headers')
    return path.replace(/(^|-)([a-z])/g, (_, dash: string, c: string) => dash + c.toUpperCase())
  return path || context || 'body'
}

function describe(e: AjvErrorLike): string {
  if (e.keyword === 'additionalProperties') return 'is not a known field'
  if (e.keyword === 'required') return 'is required'
  return e.message ?? 'is invalid'
}

interface PgErrorLike {
  code?: string
  constraint?: string
  column?: string
  table?: string
  detail?: string
  message: string
}

const constraintField = (constraint: string | undefined, table: string): string | null => {
  if (!constraint) return null
  const m = constraint.match(new RegExp(`^${table}_(.+?)_(key|check|fkey)$`))
  return m ? m[1]!.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase()) : null
}

// Socket-level failures of the driver: the server refused, reset or dropped the connection.
const SOCKET_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
])

/**
 * The database cannot be reached or dropped the connection: SQLSTATE class 08 (connection
 * exception), 57P01–57P03 (shutdown, crash, not accepting yet), 53300 (too many connections), a
 * socket error, or node-postgres's own errors without a SQLSTATE (`Connection terminated
 * unexpectedly`, a client no longer queryable, a pool connect timeout).
 */
export function isDatabaseUnavailable(err: unknown): boolean {
  const e = err as { code?: unknown; message?: unknown; errors?: unknown[] } | null
  if (!e || typeof e !== 'object') return false
  const code = typeof e.code === 'string' ? e.code : ''
  if (
    code.startsWith('08') ||
    code === '57P01' ||
    code === '57P02' ||
    code === '57P03' ||
    code === '53300' ||
    SOCKET_CODES.has(code)
  )
    return true
  // A host name with several addresses fails with one error per address.
  if (Array.isArray(e.errors) && e.errors.length > 0 && e.errors.every(isDatabaseUnavailable)) return true
  const message = typeof e.message === 'string' ? e.message : ''
  return (
    !code &&
    /^Connection terminated|is not queryable|timeout exceeded when trying to connect|^connect ECONNREFUSED/.test(
      message,
    )
  )
}

/** Maps database errors that callers can cause to their 4xx meaning; anything else is a 500. */
function fromDatabase(err: PgErrorLike): AppError | null {
  if (isDatabaseUnavailable(err)) {
    return new AppError('DATABASE_UNAVAILABLE', 'the database is unavailable; retry shortly', null, {
      'retry-after': '5',
    })
  }
  const table = err.table ?? err.message.match(/relation "([a-z_]+)"/)?.[1] ?? ''
  switch (err.code) {
    case '23505':
      // The field names what clashed; the database's detail (the key's values) is not for callers.
      return new AppError('CONFLICT', 'already exists', constraintField(err.constraint, table))
    case '23503':
      return new AppError(
        'VALIDATION_FAILED',
        'refers to something that does not exist',
        constraintField(err.constraint, table),
      )
    case '23514':
    case '23502':
      return new AppError(
        'VALIDATION_FAILED',
        'violates a rule of the record',
        err.column ?? constraintField(err.constraint, table),
      )
    case '22P02':
    case '22023':
    case 'XX000':
      // Malformed geometry text that slipped past the shape check (PostGIS raises XX000).
      if (err.message.includes('GeoJSON') || err.message.toLowerCase().includes('geometry'))
        return new AppError('AREA_INVALID_BOUNDARY', err.message, 'boundary')
      // A number the schema let through that the column's type cannot read (1e+308 for an integer).
      return err.code === '22P02'
        ? new AppError('VALIDATION_FAILED', 'a value does not fit the type of the record', null)
        : null
    case '22003':
      // An integer id or count beyond the column's range (2147483648 for an integer).
      return new AppError('VALIDATION_FAILED', 'a number is out of range', null)
    case '22021':
    case '22P05':
      // Text PostgreSQL cannot store: a NUL character, in text or as \u0000 in JSON.
      return new AppError('VALIDATION_FAILED', 'contains characters that cannot be stored (NUL)', null)
    case '42501':
      return new AppError('FORBIDDEN', 'outside your role or area', null)
    default:
      return null
  }
}

export function sendError(reply: FastifyReply, err: AppError): FastifyReply {
  for (const [k, v] of Object.entries(err.headers)) reply.header(k, v)
  return reply.code(err.status).send({
    error: {
      code: err.code,
      message: err.message,
      field: err.field,
      ...(err.details ? { details: err.details } : {}),
    },
  })
}

export function installErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError & PgErrorLike, request: FastifyRequest, reply: FastifyReply) => {
    if (error instanceof AppError) return sendError(reply, error)
    if (error.validation) {
      const first = error.validation[0] as AjvErrorLike
      const context = error.validationContext
      const field = fieldOf(context, first)
      return sendError(reply, new AppError('VALIDATION_FAILED', `${field} ${describe(first)}`, field))
    }
    const byFastifyCode: Partial<Record<string, ErrorCode>> = {
      FST_ERR_CTP_INVALID_JSON_BODY: 'INVALID_JSON',
      FST_ERR_CTP_EMPTY_JSON_BODY: 'INVALID_JSON',
      FST_ERR_CTP_BODY_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
      FST_ERR_CTP_INVALID_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
      FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'VALIDATION_FAILED',
    }
    const mapped = error.code ? byFastifyCode[error.code] : undefined
    if (mapped) return sendError(reply, new AppError(mapped, error.message, 'body'))
    if (error.code?.startsWith('FST_ERR') && error.statusCode && error.statusCode < 500) {
      return sendError(reply, new AppError('VALIDATION_FAILED', error.message, null))
    }
    const db = fromDatabase(error)
    if (db) {
      if (db.status >= 500) request.log.warn({ err: error }, 'database unavailable')
      return sendError(reply, db)
    }
    request.log.error({ err: error }, 'unhandled error')
    return sendError(reply, new AppError('INTERNAL', 'internal error; it has been logged', null))
  })
}
