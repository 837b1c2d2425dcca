import type { JSONSchema } from 'json-schema-to-ts'

// Building blocks of request and response schemas. Each keeps its literal type (`as const`
// through `const` type parameters), so `Input<>`/`Output<>` in http.ts derive exact types.

/**
 * A response object with every property present (null where it has no value): closed, so a
 * presenter that adds a field fails to compile and the serializer drops anything undeclared.
 */
export const shape = <const P extends Record<string, JSONSchema>>(properties: P) =>
  ({
    type: 'object',
    additionalProperties: false,
    required: Object.keys(properties) as (keyof P & string)[],
    properties,
  }) as const

/** A closed response object whose `optional` properties may be left out. */
export const shapeWith = <const P extends Record<string, JSONSchema>, const O extends Record<string, JSONSchema>>(
  properties: P,
  optional: O,
) =>
  ({
    type: 'object',
    additionalProperties: false,
    required: Object.keys(properties) as (keyof P & string)[],
    properties: { ...properties, ...optional } as P & O,
  }) as const

/** A request body: unknown fields refused, `required` named. */
export const body = <const P extends Record<string, JSONSchema>, const R extends readonly (keyof P & string)[]>(
  required: R,
  properties: P,
) => ({ type: 'object', additionalProperties: false, required, properties }) as const

export const nullable = <const T extends 'string' | 'integer' | 'number' | 'boolean'>(type: T) =>
  ({ type: [type, 'null'] }) as const

/** A closed response object that may be null as a whole. */
export const orNull = <const S extends { type: 'object' }>(
  s: S,
): Omit<S, 'type'> & { readonly type: readonly ['object', 'null'] } => ({ ...s, type: ['object', 'null'] })

export const text = <const N extends number>(max: N) => ({ type: 'string', minLength: 1, maxLength: max }) as const
export const id = { type: 'integer', minimum: 1, maximum: 2147483647 } as const
/** A calendar day, YYYY-MM-DD, that exists (2027-02-30 is refused). */
export const date = { type: 'string', format: 'date', pattern: '^\\d{4}-\\d{2}-\\d{2}$' } as const
/** A timestamp as the API writes it (ISO 8601, UTC). */
export const timestamp = { type: 'string', format: 'date-time' } as const
export const point = {
  type: 'object',
  required: ['lng', 'lat'],
  additionalProperties: false,
  properties: {
    lng: { type: 'number', minimum: -180, maximum: 180 },
    lat: { type: 'number', minimum: -90, maximum: 90 },
  },
} as const
