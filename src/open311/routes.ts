import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify'
import type { JSONSchema } from 'json-schema-to-ts'
import { cipherFor } from '../core/crypto.js'
import { AppError } from '../core/errors.js'
import { errorResponses, idParams, isDatabaseUnavailable, type App, type Output } from '../core/http.js'
import { createOnce, idempotencyHeaders } from '../core/idempotency.js'
import { pageSchema } from '../core/paging.js'
import type { Platform } from '../core/platform.js'
import { inScope } from '../core/scope.js'
import {
  apiKeyIdentity,
  apiKeyQuery,
  apiKeySchema,
  createApiKey,
  hashApiKey,
  listApiKeys,
  newApiKeyBody,
  newApiKeySchema,
  revokeApiKey,
} from './keys.js'
import {
  commonParameters,
  definitionSchema,
  discoverySchema,
  errorListSchema,
  fail,
  jurisdiction,
  listRequests,
  normaliseRequest,
  oneRequest,
  Open311Error,
  requestBodySchema,
  requestIdOfToken,
  requestSchema,
  requestsQuery,
  serviceDefinition,
  serviceList,
  serviceSchema,
  submitRequest,
  submittedSchema,
  tokenSchema,
  type Format,
  type Lang,
} from './service.js'
import { xmlDocument } from './xml.js'

// Open311 GeoReport v2 under /open311/v2 (answers in JSON or XML by the path's extension, errors in
// the spec's error list format), and the administration of API keys under /api/v1/api-keys (in
// the platform's own conventions). Register without fastify-plugin: the error handler, the
// not-found handler and the form parser below must stay inside this plugin.

export const OPEN311_PREFIX = '/open311/v2'
export const SPECIFICATION = 'http://wiki.open311.org/GeoReport_v2'
/** When this endpoint's behaviour last changed (discovery's changeset). */
export const CHANGESET = '2026-11-20T00:00:00Z'

const tags = ['open311']

// ─── formats, language, errors ───────────────────────────────────────────────

/** A named field of a request part that may not have been parsed or validated (in error handlers). */
const field = (part: unknown, name: string): unknown =>
  typeof part === 'object' && part !== null ? Reflect.get(part, name) : undefined

/** The answer format: the path's extension; XML (the spec's required format) unless it is .json. */
function formatOf(req: FastifyRequest): Format {
  const f = field(req.params, 'format')
  if (f === 'json' || f === 'xml') return f
  return /\.json$/i.test(req.url.split('?')[0]!) ? 'json' : 'xml'
}

/** zh-CN unless the `locale` parameter or else Accept-Language asks for English. */
function langOf(req: FastifyRequest): Lang {
  const explicit = field(req.query, 'locale')
  const tags =
    typeof explicit === 'string' && explicit !== ''
      ? [explicit]
      : String(req.headers['accept-language'] ?? '')
          .split(',')
          .map((part) => {
            const [tag, ...params] = part.trim().split(';')
            const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='))
            return { tag: (tag ?? '').trim(), q: q ? Number(q.slice(2)) : 1 }
          })
          .filter((x) => x.tag !== '' && x.q > 0)
          .sort((a, b) => b.q - a.q)
          .map((x) => x.tag)
  for (const tag of tags) {
    if (/^en\b/i.test(tag)) return 'en'
    if (/^zh\b/i.test(tag) || tag === '*') return 'zh-CN'
  }
  return 'zh-CN'
}

function send(reply: FastifyReply, format: Format, status: number, root: string, value: unknown, lang?: Lang) {
  if (lang) reply.header('content-language', lang)
  reply.code(status)
  return format === 'xml'
    ? reply.type('text/xml; charset=utf-8').send(xmlDocument(root, value))
    : reply.type('application/json; charset=utf-8').send(JSON.stringify(value))
}

const sendErrors = (reply: FastifyReply, format: Format, err: Open311Error) =>
  send(reply, format, err.status, 'errors', err.errors)

/** A failure Fastify finds before routing (a malformed or overlong path under the prefix), as the error list. */
export const sendOpen311Failure = (req: FastifyRequest, reply: FastifyReply, status: number, description: string) =>
  sendErrors(reply, formatOf(req), fail(status, description))

// Platform field names as the Open311 parameters a client sent.
const paramOf = (field: string | null): string | null => {
  if (!field) return null
  const attr = field.match(/^attributes\.(.+)$/)
  if (attr) return `attribute[${attr[1]}]`
  const known: Record<string, string> = {
    categoryCode: 'service_code',
    location: 'lat/long',
    address: 'address_string',
    reporterPhone: 'phone',
    reporterName: 'first_name/last_name',
    photos: 'media_url',
  }
  return known[field] ?? field
}

interface PgErrorLike {
  code?: string
}

/** Every failure as the spec's error list: 404 for what does not exist, 403 for keys, 400 otherwise. */
function asOpen311(error: unknown, req: FastifyRequest, reply: FastifyReply): Open311Error {
  if (error instanceof Open311Error) return error
  if (error instanceof AppError) {
    for (const [k, v] of Object.entries(error.headers)) reply.header(k, v)
    const status =
      error.status === 404
        ? 404
        : error.status === 401 || error.status === 403
          ? 403
          : error.status >= 500 || error.status === 429
            ? error.status
            : 400
    const param = paramOf(error.field)
    return fail(status, param && !error.message.startsWith(param) ? `${param}: ${error.message}` : error.message)
  }
  const e = error as FastifyError & PgErrorLike
  if (e.validation) {
    const first = e.validation[0]!
    const where = first.instancePath.split('/').filter(Boolean).join('.')
    if (e.validationContext === 'params' && where === 'format') return fail(404, 'unknown format: use .json or .xml')
    if (first.keyword === 'additionalProperties')
      return fail(400, `unknown parameter ${String(first.params.additionalProperty)}`)
    const subject =
      where || (e.validationContext === 'body' ? 'the request body' : (e.validationContext ?? 'the request'))
    return fail(400, `${subject} ${first.message ?? 'is invalid'}`)
  }
  if (e.code?.startsWith('FST_ERR') && e.statusCode && e.statusCode < 500) return fail(400, e.message)
  switch (e.code) {
    case '42501':
      return fail(403, 'outside the area of this api_key')
    case '22021':
    case '22P05':
      return fail(400, 'the request contains characters that cannot be stored')
    case '23505':
    case '23503':
    case '23514':
    case '23502':
      return fail(400, 'the request violates a rule of the record')
  }
  if (isDatabaseUnavailable(error)) {
    reply.header('retry-after', '5')
    return fail(503, 'the database is unavailable; retry shortly')
  }
  req.log.error({ err: error }, 'unhandled error')
  return fail(500, 'internal error; it has been logged')
}

/** application/x-www-form-urlencoded → {name: value}, repeated names → arrays. */
export function parseForm(text: string): Record<string, string | string[]> {
  const fields = new Map<string, string | string[]>()
  for (const [k, v] of new URLSearchParams(text)) {
    const prior = fields.get(k)
    fields.set(k, prior === undefined ? v : Array.isArray(prior) ? [...prior, v] : [prior, v])
  }
  // fromEntries defines own properties, so a field named __proto__ cannot reach the prototype.
  return Object.fromEntries(fields)
}

// ─── schemas (validation and the OpenAPI document) ───────────────────────────

const formatParam = { format: { type: 'string', enum: ['json', 'xml'], description: 'answer format' } } as const
const params = <const X extends Record<string, JSONSchema>>(extra: X) =>
  ({
    type: 'object',
    required: ['format', ...(Object.keys(extra) as (keyof X & string)[])],
    properties: { ...extra, ...formatParam },
  }) as const
const readQuery = { type: 'object', additionalProperties: false, properties: commonParameters } as const
const localeQuery = {
  type: 'object',
  additionalProperties: false,
  properties: { locale: commonParameters.locale },
} as const

/** A response in both formats; XML documents are described by the JSON shape they mirror. */
const both = <const S extends JSONSchema>(description: string, json: S) =>
  ({
    description,
    content: {
      'application/json': { schema: json },
      'text/xml': { schema: { type: 'string', description: 'the same tree as XML' } },
    },
  }) as const
const errors = (...statuses: number[]) =>
  Object.fromEntries(
    statuses.map((s) => [
      s,
      both(
        s === 404
          ? 'not found (error list)'
          : s === 403
            ? 'missing or invalid api_key (error list)'
            : 'invalid request (error list)',
        errorListSchema,
      ),
    ]),
  )

// ─── routes ──────────────────────────────────────────────────────────────────

// Open311 is open to anyone: reading needs nothing, filing needs an api_key (checked in the handler).
const open = { access: 'public' } as const

async function geoReportRoutes(app: App, { database, clock, config }: Platform) {
  const { db } = database

  // The spec's POST format; JSON stays accepted through the server's own parser.
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => {
    try {
      done(null, parseForm(String(body)))
    } catch (err) {
      done(err as Error, undefined)
    }
  })
  app.setErrorHandler((error, req, reply) => sendErrors(reply, formatOf(req), asOpen311(error, req, reply)))
  app.setNotFoundHandler((req, reply) =>
    sendErrors(reply, formatOf(req), fail(404, `no resource ${req.method} ${req.url.split('?')[0]}`)),
  )

  app.get('/discovery.:format', {
    config: open,
    schema: {
      tags,
      summary: 'Open311 service discovery: the GeoReport v2 endpoint, its formats and where to get an API key',
      params: params({}),
      querystring: localeQuery,
      response: { 200: both('discovery document', discoverySchema), ...errors(404) },
    },
    handler: async (req, reply) => {
      const lang = langOf(req)
      const en = lang === 'en'
      const doc: Output<typeof discoverySchema> = {
        changeset: CHANGESET,
        contact:
          process.env.OPEN311_CONTACT ||
          (en
            ? 'Contact the administrators of the jurisdiction through the Grassroots platform.'
            : '请通过 Grassroots 平台联系辖区管理员。'),
        key_service:
          process.env.OPEN311_KEY_SERVICE ||
          (en
            ? 'API keys are issued by the administrators of an area (POST /api/v1/api-keys); a key files requests inside its area only.'
            : 'API 密钥由辖区管理员签发（POST /api/v1/api-keys），只能提交其辖区内的诉求。'),
        endpoints: [
          {
            specification: SPECIFICATION,
            url: `${req.protocol}://${req.host}${OPEN311_PREFIX}`,
            changeset: CHANGESET,
            type: 'production',
            formats: ['application/json', 'text/xml'],
          },
        ],
      }
      return send(reply, formatOf(req), 200, 'discovery', doc, lang)
    },
  })

  app.get('/services.:format', {
    config: open,
    schema: {
      tags,
      summary: 'GET Service List: one service per active event category',
      params: params({}),
      querystring: readQuery,
      response: { 200: both('services', { type: 'array', items: serviceSchema }), ...errors(400, 404) },
    },
    handler: async (req, reply) => {
      const lang = langOf(req)
      await jurisdiction(db, req.query.jurisdiction_id)
      return send(reply, formatOf(req), 200, 'services', await serviceList(db, lang), lang)
    },
  })

  app.get('/services/:service_code.:format', {
    config: open,
    schema: {
      tags,
      summary: 'GET Service Definition: the attributes a request of this service carries',
      params: params({ service_code: { type: 'string', maxLength: 20 } }),
      querystring: readQuery,
      response: { 200: both('service definition', definitionSchema), ...errors(400, 404) },
    },
    handler: async (req, reply) => {
      const lang = langOf(req)
      await jurisdiction(db, req.query.jurisdiction_id)
      const def = await serviceDefinition(db, req.params.service_code, lang)
      return send(reply, formatOf(req), 200, 'service_definition', def, lang)
    },
  })

  app.post('/requests.:format', {
    config: {
      ...open,
      // Each API key has its own quota (requests without a key count against their address).
      rateLimit: {
        hook: 'preHandler',
        max: config.apiKeyRatePerMinute,
        timeWindow: '1 minute',
        keyGenerator: (req: FastifyRequest) => {
          const key = field(req.body, 'api_key')
          return typeof key === 'string' && key ? `open311-key:${hashApiKey(key)}` : `open311-ip:${req.ip}`
        },
      },
    },
    schema: {
      tags,
      summary: 'POST Service Request: file a case with an API key (form-encoded or JSON); Idempotency-Key honoured',
      description:
        'Requires api_key. A location is required as lat and long (this jurisdiction has no geocoder, so address_string or address_id alone is refused). The case is filed as an anonymous report through the open311 channel; service_request_id is its tracking code.',
      params: params({}),
      querystring: localeQuery,
      headers: idempotencyHeaders,
      consumes: ['application/x-www-form-urlencoded', 'application/json'],
      body: requestBodySchema,
      response: {
        200: both('the request was filed', { type: 'array', items: submittedSchema }),
        ...errors(400, 403, 404),
      },
    },
    // A POST without a body still deserves the spec's "api_key was not provided".
    preValidation: async (req) => {
      if (req.body === undefined || req.body === null) req.body = {}
    },
    handler: async (req, reply) => {
      const input = normaliseRequest(req.body)
      if (input.apiKey === undefined) throw fail(403, 'api_key was not provided')
      const key = await apiKeyIdentity(db, input.apiKey, clock.now())
      if (!key) throw fail(403, 'api_key is invalid or has been revoked')
      const lang = langOf(req)
      const ctx = { actor: null, ip: req.ip, purpose: req.ctx?.purpose ?? null }
      const result = await submitRequest(
        db,
        ctx,
        key,
        input,
        req.headers['idempotency-key'],
        clock.now(),
        lang,
        cipherFor(config),
      )
      return send(reply, formatOf(req), result.status, 'service_requests', result.body, lang)
    },
  })

  app.get('/requests.:format', {
    config: open,
    schema: {
      tags,
      summary:
        'GET Service Requests: public status of requests, newest first (last 90 days unless dates are given; at most 1000)',
      params: params({}),
      querystring: requestsQuery,
      response: { 200: both('service requests', { type: 'array', items: requestSchema }), ...errors(400, 404) },
    },
    handler: async (req, reply) => {
      const lang = langOf(req)
      const requests = await listRequests(database.reads, req.query, clock.now(), lang)
      return send(reply, formatOf(req), 200, 'service_requests', requests, lang)
    },
  })

  app.get('/requests/:service_request_id.:format', {
    config: open,
    schema: {
      tags,
      summary: 'GET Service Request: one request by its id (the tracking code), as a list of one',
      params: params({ service_request_id: { type: 'string', maxLength: 40 } }),
      querystring: readQuery,
      response: { 200: both('the request', { type: 'array', items: requestSchema }), ...errors(400, 404) },
    },
    handler: async (req, reply) => {
      const lang = langOf(req)
      const rows = await oneRequest(db, req.params.service_request_id, req.query.jurisdiction_id, lang)
      return send(reply, formatOf(req), 200, 'service_requests', rows, lang)
    },
  })

  app.get('/tokens/:token.:format', {
    config: open,
    schema: {
      tags,
      summary: 'GET service_request_id from a token (requests are filed at once, so a token is the id itself)',
      params: params({ token: { type: 'string', maxLength: 40 } }),
      querystring: readQuery,
      response: {
        200: both('the id behind the token', { type: 'array', items: tokenSchema }),
        ...errors(400, 404),
      },
    },
    handler: async (req, reply) => {
      const rows = await requestIdOfToken(db, req.params.token, req.query.jurisdiction_id)
      return send(reply, formatOf(req), 200, 'service_requests', rows)
    },
  })
}

async function apiKeyRoutes(app: App, { database, clock }: Platform) {
  const { db } = database

  app.get('/api/v1/api-keys', {
    config: { access: ['admin'] },
    schema: {
      tags,
      summary: 'The Open311 API keys of the areas the caller administers',
      querystring: apiKeyQuery,
      response: { 200: pageSchema(apiKeySchema), ...errorResponses(401, 403, 404) },
    },
    handler: async (req) => inScope(db, req.ctx, (tx) => listApiKeys(tx, req.query)),
  })

  app.post('/api/v1/api-keys', {
    config: { access: ['admin'] },
    schema: {
      tags,
      summary: 'Issue an Open311 API key for an area the caller administers; the key is shown in this answer only',
      headers: idempotencyHeaders,
      body: newApiKeyBody,
      response: { 201: newApiKeySchema, ...errorResponses(401, 403, 404) },
    },
    handler: async (req, reply) => {
      reply.code(201).header('cache-control', 'no-store')
      // A retry gets the same key record back, but the plain key only with the first answer.
      return createOnce(db, req, req.body, (tx) => createApiKey(tx, req.ctx, req.body, clock.now()), {
        remember: (b) => ({ ...b, key: null }),
      })
    },
  })

  app.post('/api/v1/api-keys/:id/revoke', {
    config: { access: ['admin'] },
    schema: {
      tags,
      summary: 'Revoke an Open311 API key at once (the body and its reason are optional)',
      params: idParams,
      body: {
        type: 'object',
        additionalProperties: false,
        properties: { reason: { type: 'string', minLength: 1, maxLength: 500 } },
      },
      response: { 200: apiKeySchema, ...errorResponses(401, 403, 404) },
    },
    preValidation: async (req) => {
      if (req.body === undefined || req.body === null) req.body = {}
    },
    handler: async (req) =>
      inScope(db, req.ctx, (tx) => revokeApiKey(tx, req.ctx, req.params.id, req.body.reason, clock.now())),
  })
}

/** Registers the Open311 API and the API key administration: `await app.register(open311Routes, platform)`. */
export async function open311Routes(app: App, platform: Platform) {
  await app.register(apiKeyRoutes, platform)
  await app.register(geoReportRoutes, { ...platform, prefix: OPEN311_PREFIX })
}
