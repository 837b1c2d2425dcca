// Types of the API's operations, picked out of the generated paths (schema.generated.ts), so the web app
// names what the server publishes instead of restating it.
import type { components, paths } from './schema.generated'

export type { components, paths }

type Method = 'get' | 'post' | 'patch' | 'put' | 'delete'
type Operation<P extends keyof paths, M extends Method> = NonNullable<paths[P][M]>
type Json<R> = R extends { content: { 'application/json': infer J } } ? J : undefined

/** The JSON body of an operation's success answer (200 or 201; undefined for a 204). */
export type ApiResponse<P extends keyof paths, M extends Method = 'get'> =
  Operation<P, M> extends { responses: infer R }
    ? 200 extends keyof R
      ? Json<R[200]>
      : 201 extends keyof R
        ? Json<R[201]>
        : undefined
    : never

/** The JSON request body of an operation. */
export type ApiBody<P extends keyof paths, M extends Method = 'post'> =
  Operation<P, M> extends { requestBody?: { content: { 'application/json': infer B } } } ? B : never

/** The query parameters of an operation. */
export type ApiQuery<P extends keyof paths, M extends Method = 'get'> =
  Operation<P, M> extends { parameters: { query?: infer Q } } ? NonNullable<Q> : never

/** A named schema of the document's components. */
export type Schema<N extends keyof components['schemas']> = components['schemas'][N]
