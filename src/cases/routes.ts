import type { FastifyRequest } from 'fastify'
import { cipherFor } from '../core/crypto.js'
import { AppError, notFound } from '../core/errors.js'
import { errorResponses, idParams, type App, type Input, type Output } from '../core/http.js'
import { createOnce, idempotencyHeaders } from '../core/idempotency.js'
import { offsetOf, pageQuerySchema, pageSchema, paginate } from '../core/paging.js'
import type { Platform } from '../core/platform.js'
import { sha256Hex } from '../core/privacy.js'
import { nullable, shape, timestamp } from '../core/schemas.js'
import { asSystem, inScope } from '../core/scope.js'
import {
  actionBody,
  performAction,
  phoneRevealBody,
  ratingBody,
  reporterTokenFits,
  revealReporterPhone,
} from './actions.js'
import { categoryNodeSchema, categoryTree } from './catalogue.js'
import { createCase, newCaseBody, newCaseResultSchema } from './intake.js'
import { photoData, sniffPhoto, storePhoto, uploadedPhotoSchema } from './photos.js'
import {
  caseDetail,
  caseDetailSchema,
  caseFilterQuery,
  caseViewSchema,
  listCases,
  publicCase,
  publicCaseSchema,
  publicMap,
  publicMapSchema,
  supervisionQuery,
} from './queries.js'
import { caseStates } from './workflow.js'

const tags = ['cases']

const trackingCodeParams = {
  type: 'object',
  required: ['trackingCode'],
  additionalProperties: false,
  properties: { trackingCode: { type: 'string', pattern: '^[0-9]{6}-[0-9A-Z]{6}$' } },
} as const

const notificationSchema = shape({
  id: { type: 'integer' },
  caseId: nullable('integer'),
  kind: { type: 'string' },
  params: {
    type: 'object',
    additionalProperties: true,
    description: 'What the notice is about, by kind (tracking code, action, state, stage …)',
  },
  createdAt: timestamp,
  readAt: { type: ['string', 'null'], format: 'date-time' },
})

export async function caseRoutes(app: App, { database, clock, config }: Platform) {
  const { db } = database
  const cipher = cipherFor(config)
  // Anonymous intake is limited per client address; signed-in callers are accountable already.
  const anonymousLimit = {
    rateLimit: {
      max: config.anonymousIntakeRatePerMinute,
      timeWindow: '1 minute',
      allowList: (req: FastifyRequest) => req.ctx?.actor != null,
    },
  }

  app.get('/api/v1/categories', {
    // The catalogue is what the public intake form offers.
    config: { access: 'public' },
    schema: {
      tags,
      summary: 'The event category catalogue as a tree (time limits, photo rule, extra attributes)',
      response: { 200: shape({ categories: { type: 'array', items: categoryNodeSchema } }) },
    },
    handler: async () => ({ categories: await categoryTree(db) }),
  })

  // Photos are sent as the raw image body; their type is decided by their bytes.
  app.addContentTypeParser(
    ['image/jpeg', 'image/png', 'image/webp', 'application/octet-stream'],
    { parseAs: 'buffer', bodyLimit: 5 * 1024 * 1024 },
    (_req, body, done) => done(null, body),
  )
  app.post('/api/v1/photos', {
    // Anonymous residents attach photos to their reports.
    config: { ...anonymousLimit, access: 'public' },
    schema: {
      tags,
      summary:
        'Upload a photo (JPEG, PNG or WebP, at most 5 MB) as the raw body; returns a token to attach it to a case or an action',
      headers: idempotencyHeaders,
      response: { 201: uploadedPhotoSchema, ...errorResponses(413, 415, 422) },
    },
    handler: async (req, reply) => {
      if (!Buffer.isBuffer(req.body))
        throw new AppError(
          'UNSUPPORTED_MEDIA_TYPE',
          'send the photo as the request body with an image content type',
          'body',
        )
      const data = req.body
      const type = await sniffPhoto(data)
      reply.code(201)
      // The photo's digest stands for the request body: a retried upload gets the same token.
      return createOnce(db, req, { photo: sha256Hex(data) }, (tx) => storePhoto(tx, req.ctx, data, type))
    },
  })

  const binary = { schema: { type: 'string', format: 'binary' } } as const
  // The answer is the image's bytes, not JSON.
  app.get<{ Params: Input<typeof idParams>; Reply: Buffer }>('/api/v1/photos/:id', {
    config: { access: 'signed-in' },
    schema: {
      tags,
      summary: 'A photo of a case the caller may see',
      params: idParams,
      response: {
        200: {
          description: 'The photo as it was uploaded',
          content: { 'image/jpeg': binary, 'image/png': binary, 'image/webp': binary },
        },
        ...errorResponses(401, 404),
      },
    },
    handler: async (req, reply) => {
      const p = await inScope(db, req.ctx, (tx) => photoData(tx, req.params.id))
      return reply.type(p.content_type).header('cache-control', 'private, max-age=3600').send(Buffer.from(p.data))
    },
  })

  app.post('/api/v1/cases', {
    // Residents may report without an account; the answer gives them a token to rate the result.
    config: { ...anonymousLimit, access: 'public' },
    schema: {
      tags,
      summary: 'Report a problem (portal, patrol, hotline or API); located into its grid; Idempotency-Key honoured',
      headers: idempotencyHeaders,
      body: newCaseBody,
      response: { 201: newCaseResultSchema, ...errorResponses(401, 403, 404, 409, 422) },
    },
    handler: async (req, reply) => {
      reply.code(201)
      return createOnce(db, req, req.body, (tx) => createCase(tx, req.ctx, req.body, clock.now(), { cipher }))
    },
  })

  app.get('/api/v1/cases', {
    config: { access: 'signed-in' },
    schema: {
      tags,
      summary: 'Cases in the caller’s areas (or their own, with mine=true), filtered and paged',
      querystring: caseFilterQuery,
      response: { 200: pageSchema(caseViewSchema), ...errorResponses(401, 404) },
    },
    handler: async (req) => inScope(db, req.ctx, (tx) => listCases(tx, req.ctx, req.query, clock.now())),
  })

  app.get('/api/v1/supervision', {
    config: { access: ['leader', 'admin', 'staff'] },
    schema: {
      tags,
      summary: 'The supervision queue: open cases past a deadline (escalated), most overdue first',
      querystring: supervisionQuery,
      response: { 200: pageSchema(caseViewSchema), ...errorResponses(401, 403, 404) },
    },
    handler: async (req) =>
      inScope(db, req.ctx, (tx) => listCases(tx, req.ctx, { ...req.query, escalated: true, sort: 'due' }, clock.now())),
  })

  app.get('/api/v1/cases/:id', {
    config: { access: 'signed-in' },
    schema: {
      tags,
      summary: 'One case with its timeline and the actions the caller may take',
      params: idParams,
      response: { 200: caseDetailSchema, ...errorResponses(401, 404) },
    },
    handler: async (req) => inScope(db, req.ctx, (tx) => caseDetail(tx, req.ctx, req.params.id, clock.now())),
  })

  app.post('/api/v1/cases/:id/actions', {
    config: { access: 'signed-in' },
    schema: {
      tags,
      summary: 'Take a workflow action on a case (409 names the state and the allowed actions)',
      params: idParams,
      body: actionBody,
      response: { 200: caseDetailSchema, ...errorResponses(401, 403, 404, 409, 422) },
    },
    handler: async (req) =>
      inScope(db, req.ctx, async (tx) => {
        const now = clock.now()
        await performAction(tx, req.ctx, req.params.id, req.body, now)
        return caseDetail(tx, req.ctx, req.params.id, now)
      }),
  })

  app.post('/api/v1/cases/:id/reporter-phone', {
    config: { access: 'signed-in' },
    schema: {
      tags,
      summary: 'The requester’s phone in clear, for a call-back or the first contact; written to the audit trail',
      params: idParams,
      body: phoneRevealBody,
      response: { 200: shape({ phone: { type: 'string' } }), ...errorResponses(401, 403, 404, 409) },
    },
    handler: async (req, reply) => {
      const revealed = await inScope(db, req.ctx, (tx) =>
        revealReporterPhone(tx, req.ctx, cipher, req.params.id, req.body.purpose),
      )
      reply.header('cache-control', 'no-store')
      return revealed
    },
  })

  app.get('/api/v1/public/cases/:trackingCode', {
    // The tracking code is the key to the public page; the page shows no personal data.
    config: { access: 'public' },
    schema: {
      tags: ['public'],
      summary: 'Public progress of a case by tracking code (no personal data)',
      params: trackingCodeParams,
      response: { 200: publicCaseSchema, ...errorResponses(404) },
    },
    handler: async (req) => publicCase(db, req.params.trackingCode, clock.now()),
  })

  app.post('/api/v1/public/cases/:trackingCode/rating', {
    // The reporter's token is the credential, checked below.
    config: { access: 'public' },
    schema: {
      tags: ['public'],
      summary: 'An anonymous reporter rates the result with the token received when reporting',
      params: trackingCodeParams,
      body: ratingBody,
      response: {
        200: shape({ trackingCode: { type: 'string' }, state: { type: 'string', enum: caseStates } }),
        ...errorResponses(403, 404, 409),
      },
    },
    handler: async (req) => {
      const { trackingCode } = req.params
      const body = req.body
      // The token proves the caller reported the case; the action itself runs as the platform.
      return asSystem(db, async (tx) => {
        const c = await tx
          .selectFrom('cases')
          .select(['id', 'reporter_token_hash'])
          .where('tracking_code', '=', trackingCode)
          .executeTakeFirst()
        if (!c) throw notFound('CASE_NOT_FOUND', `case ${trackingCode}`, 'trackingCode')
        if (!reporterTokenFits(c.reporter_token_hash, body.reporterToken)) {
          throw new AppError('FORBIDDEN', 'this token does not belong to the reporter of this case', 'reporterToken')
        }
        return performAction(tx, { actor: null, ip: req.ip }, c.id, { action: 'rate', ...body }, clock.now())
      })
    },
  })

  app.get('/api/v1/public/map', {
    // Counts per grid, no case in particular: the public map of the portal.
    config: { access: 'public' },
    schema: {
      tags: ['public'],
      summary: 'Recent cases per grid for the public map (counts only)',
      querystring: {
        type: 'object',
        additionalProperties: false,
        properties: { days: { type: 'integer', minimum: 1, maximum: 366, default: 30 } },
      },
      response: { 200: publicMapSchema },
    },
    handler: async (req) => publicMap(db, req.query.days, clock.now()),
  })

  app.get('/api/v1/notifications', {
    config: { access: 'signed-in' },
    schema: {
      tags,
      summary: 'The caller’s inbox: new dispatches, warnings, escalations, updates of their reports',
      querystring: {
        type: 'object',
        additionalProperties: false,
        properties: { ...pageQuerySchema, unread: { type: 'boolean' } },
      },
      response: { 200: pageSchema(notificationSchema), ...errorResponses(401) },
    },
    handler: async (req) => {
      const q = req.query
      return inScope(db, req.ctx, async (tx) => {
        let base = tx.selectFrom('notification')
        if (q.unread) base = base.where('read_at', 'is', null)
        const total = await base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()
        const rows = await base.selectAll().orderBy('id', 'desc').limit(q.pageSize).offset(offsetOf(q)).execute()
        return paginate(
          q,
          rows.map(
            (n): Output<typeof notificationSchema> => ({
              id: n.id,
              caseId: n.case_id,
              kind: n.kind,
              params: n.params as Record<string, unknown>,
              createdAt: n.created_at.toISOString(),
              readAt: n.read_at ? n.read_at.toISOString() : null,
            }),
          ),
          Number(total.n),
        )
      })
    },
  })

  app.post('/api/v1/notifications/:id/read', {
    config: { access: 'signed-in' },
    schema: {
      tags,
      summary: 'Mark a notification read',
      params: idParams,
      response: { 204: { type: 'null' }, ...errorResponses(401, 404) },
    },
    handler: async (req, reply) => {
      const { id } = req.params
      await inScope(db, req.ctx, async (tx) => {
        // Row-level security shows each user only their own notices.
        const own = await tx.selectFrom('notification').select('id').where('id', '=', id).executeTakeFirst()
        if (!own) throw notFound('NOT_FOUND', `notification ${id}`)
        await tx
          .updateTable('notification')
          .set({ read_at: clock.now() })
          .where('id', '=', id)
          .where('read_at', 'is', null)
          .execute()
      })
      return reply.code(204).send(null)
    },
  })
}
