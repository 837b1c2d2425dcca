import type { JSONSchema } from 'json-schema-to-ts'
import { pageQuerySchema } from '../core/paging.js'
import { id, text } from '../core/schemas.js'

// Schema building blocks the registry's use cases share. Each request schema lives next to the
// use case that takes it, and its type is derived from it (`Input<typeof …>`).

// ── Requests ──────────────────────────────────────────────────────────────────────────────────

/** Why a record changed: kept in its history. */
export const reason = text(500)
/** Why personal data is shown or shared: kept in the audit trail. */
export const purpose = { type: 'string', minLength: 4, maxLength: 500 } as const
/** A household's or building's own code. */
export const recordCode = { type: 'string', pattern: '^[A-Za-z0-9-]{1,40}$' } as const
export const idNumber = { type: 'string', minLength: 5, maxLength: 40 } as const
export const phone = { type: 'string', minLength: 5, maxLength: 30 } as const
/** The version of the record as read: a change made meanwhile is refused (409). */
export const version = { type: 'integer', minimum: 1 } as const

/** A registry list's query: a page, optionally below an area and matching a text, and `extra` filters. */
export const listQuery = <const X extends Record<string, JSONSchema>>(extra: X) =>
  ({
    type: 'object',
    additionalProperties: false,
    properties: { ...pageQuerySchema, areaId: id, q: { type: 'string', maxLength: 100 }, ...extra },
  }) as const

// ── Responses ─────────────────────────────────────────────────────────────────────────────────

/** A calendar day as the registry keeps it (YYYY-MM-DD). */
export const day = { type: 'string', description: 'YYYY-MM-DD' } as const
export const dayOrNull = { type: ['string', 'null'], description: 'YYYY-MM-DD' } as const
export const timestampOrNull = { type: ['string', 'null'], format: 'date-time' } as const
/** A stored position (WGS 84). */
export const position = {
  type: 'object',
  additionalProperties: false,
  required: ['lng', 'lat'],
  properties: { lng: { type: 'number' }, lat: { type: 'number' } },
} as const
export const positionOrNull = { ...position, type: ['object', 'null'] } as const
export const strings = { type: 'array', items: { type: 'string' } } as const

export { orNull } from '../core/schemas.js'

/** A timestamp as the API writes it. */
export const iso = (at: Date): string => at.toISOString()
export const isoOrNull = (at: Date | null): string | null => (at === null ? null : at.toISOString())
