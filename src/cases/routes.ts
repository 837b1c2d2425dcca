import { sha256Hex } from '../core/privacy.js'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { cipherFor } from '../core/crypto.js'
import { asSystem, inScope, requireActor, requireRoleSomewhere } from '../core/scope.js'
import { AppError, notFound } from '../core/errors.js'
import { errorResponses, idParams } from '../core/http.js'
import { idempotencyHeaders, idempotent, sendReply } from '../core/idempotency.js'
import { pageQuerySchema, pageSchema } from '../core/paging.js'
import type { Platform } from '../core/platform.js'
import { performAction, reporterTokenFits, type ActionInput } from './actions.js'
import { categoryTree } from './catalogue.js'
import { channels, createCase, type NewCase } from './intake.js'
import { photoData, sniffPhoto, storePhoto } from './photos.js'
import { caseDetail, listCases, publicCase, publicMap, type CaseFilter } from './queries.js'
import { caseActions, caseStates } from './workflow.js'

const tags = ['cases']
const obj = { type: 'object', additionalProperties: true } as const
const caseId = { type: 'integer', minimum: 1 } as const
const text = (max: number) => ({ type: 'string', minLength: 1, maxLength: max }) as const

const newCaseBody = {
  type: 'object',
  required: ['description'],
  additionalProperties: false,
  properties: {
    categoryCode: { type: 'string', maxLength: 20 },
    categoryId: { type: 'integer', minimum: 1 },
    location: {
      type: 'object',
      required: ['lng', 'lat'],
      additionalProperties: false,
      properties: {
        lng: { type: 'number', minimum: -180, maximum: 180 },
        lat: { type: 'number', minimum: -90, maximum: 90 },
      },
    },
    areaId: { type: 'integer', minimum: 1 },
    address: text(300),
    description: text(4000),
    attributes: { type: 'object', maxProperties: 50 },
    photos: { type: 'array', maxItems: 9, items: { type: 'string', minLength: 1, maxLength: 100 } },
    channel: { type: 'string', enum: channels },
    reporterName: text(100),
    reporterPhone: { type: 'string', pattern: '^\\+?[0-9 -]{5,20}$' },
  },
  oneOf: [{ required: ['categoryCode'] }, { required: ['categoryId'] }],
} as const

export async function caseRoutes(app: FastifyInstance, { database, clock, config }: Platform) {
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
    schema: {
      tags,
      summary: 'The event category catalogue as a tree (time limits, photo rule, extra attributes)',
      response: { 200: { type: 'object', properties: { categories: { type: 'array', items: obj } } } },
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
    config: anonymousLimit,
    schema: {
      tags,
      summary:
        'Upload a photo (JPEG, PNG or WebP, at most 5 MB) as the raw body; returns a token to attach it to a case or an action',
      headers: idempotencyHeaders,
      response: {
        201: {
          type: 'object',
          properties: {
            id: { type: 'integer' },
            token: { type: 'string' },
            contentType: { type: 'string' },
            byteSize: { type: 'integer' },
          },
        },
        ...errorResponses(413, 415, 422),
      },
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
      // The photo's digest stands for the request body: a retried upload gets the same token.
      const digest = sha256Hex(data)
      const result = await inScope(db, req.ctx, (tx) =>
        idempotent(tx, req.ctx, req.headers['idempotency-key'] as string | undefined, { photo: digest }, async () => ({
          status: 201,
          body: await storePhoto(tx, req.ctx, data, type),
        })),
      )
      return sendReply(reply as never, result)
    },
  })

  app.get('/api/v1/photos/:id', {
    schema: {
      tags,
      summary: 'A photo of a case the caller may see',
      params: idParams,
      response: { 200: { type: 'string', format: 'binary' }, ...errorResponses(401, 404) },
    },
    handler: async (req, reply) => {
      requireActor(req.ctx)
      const p = await inScope(db, req.ctx, (tx) => photoData(tx, (req.params as { id: number }).id))
      return reply.type(p.content_type).header('cache-control', 'private, max-age=3600').send(Buffer.from(p.data))
    },
  })

  app.post('/api/v1/cases', {
    config: anonymousLimit,
    schema: {
      tags,
      summary: 'Report a problem (portal, patrol, hotline or API); located into its grid; Idempotency-Key honoured',
      headers: idempotencyHeaders,
      body: newCaseBody,
      response: { 201: obj, ...errorResponses(401, 403, 404, 409, 422) },
    },
    handler: async (req, reply) => {
      const body = req.body as NewCase
      const result = await inScope(db, req.ctx, (tx) =>
        idempotent(tx, req.ctx, req.headers['idempotency-key'] as string | undefined, body, async () => ({
          status: 201,
          body: await createCase(tx, req.ctx, body, clock.now(), { cipher }),
        })),
      )
      return sendReply(reply as never, result)
    },
  })

  app.get('/api/v1/cases', {
    schema: {
      tags,
      summary: 'Cases in the caller’s areas (or their own, with mine=true), filtered and paged',
      querystring: {
        type: 'object',
        additionalProperties: false,
        properties: {
          ...pageQuerySchema,
          areaId: { type: 'integer', minimum: 1 },
          state: { type: 'array', items: { type: 'string', enum: caseStates }, maxItems: 10 },
          categoryId: { type: 'integer', minimum: 1 },
          departmentId: { type: 'integer', minimum: 1 },
          overdue: { type: 'boolean' },
          escalated: { type: 'boolean' },
          colour: { type: 'string', enum: ['green', 'yellow', 'red'] },
          from: { type: 'string', format: 'date-time' },
          to: { type: 'string', format: 'date-time' },
          q: { type: 'string', maxLength: 100 },
          mine: { type: 'boolean' },
          sort: { type: 'string', enum: ['newest', 'oldest', 'due'], default: 'newest' },
          after: {
            type: 'integer',
            minimum: 1,
            description:
              'keyset paging (sort newest or oldest): the `nextAfter` of the previous page, instead of `page`',
          },
        },
      },
      response: { 200: pageSchema(obj), ...errorResponses(400, 401) },
    },
    handler: async (req) => {
      requireActor(req.ctx)
      return inScope(db, req.ctx, (tx) => listCases(tx, req.ctx, req.query as CaseFilter, clock.now()))
    },
  })

  app.get('/api/v1/supervision', {
    schema: {
      tags,
      summary: 'The supervision queue: open cases past a deadline (escalated), most overdue first',
      querystring: {
        type: 'object',
        additionalProperties: false,
        properties: { ...pageQuerySchema, areaId: { type: 'integer', minimum: 1 } },
      },
      response: { 200: pageSchema(obj), ...errorResponses(401, 403) },
    },
    handler: async (req) => {
      requireRoleSomewhere(req.ctx, ['leader', 'admin', 'staff'])
      const q = req.query as CaseFilter
      return inScope(db, req.ctx, (tx) => listCases(tx, req.ctx, { ...q, escalated: true, sort: 'due' }, clock.now()))
    },
  })

  app.get('/api/v1/cases/:id', {
    schema: {
      tags,
      summary: 'One case with its timeline and the actions the caller may take',
      params: idParams,
      response: { 200: obj, ...errorResponses(401, 404) },
    },
    handler: async (req) => {
      requireActor(req.ctx)
      return inScope(db, req.ctx, (tx) => caseDetail(tx, req.ctx, (req.params as { id: number }).id, clock.now()))
    },
  })

  app.post('/api/v1/cases/:id/actions', {
    schema: {
      tags,
      summary: 'Take a workflow action on a case (409 names the state and the allowed actions)',
      params: idParams,
      body: {
        type: 'object',
        required: ['action'],
        additionalProperties: false,
        properties: {
          action: { type: 'string', enum: caseActions },
          version: { type: 'integer', minimum: 1 },
          comment: text(2000),
          departmentId: { type: 'integer', minimum: 1 },
          intoCaseId: caseId,
          result: text(4000),
          rating: { type: 'string', enum: ['satisfied', 'basically_satisfied', 'unsatisfied'] },
          workdays: { type: 'integer', minimum: 1, maximum: 60 },
          approve: { type: 'boolean' },
          photos: { type: 'array', maxItems: 9, items: { type: 'string', minLength: 1, maxLength: 100 } },
        },
      },
      response: { 200: obj, ...errorResponses(401, 403, 404, 409, 422) },
    },
    handler: async (req) => {
      requireActor(req.ctx)
      return inScope(db, req.ctx, (tx) =>
        performAction(tx, req.ctx, (req.params as { id: number }).id, req.body as ActionInput, clock.now()),
      )
    },
  })

  app.get('/api/v1/public/cases/:trackingCode', {
    schema: {
      tags: ['public'],
      summary: 'Public progress of a case by tracking code (no personal data)',
      params: {
        type: 'object',
        required: ['trackingCode'],
        additionalProperties: false,
        properties: { trackingCode: { type: 'string', pattern: '^[0-9]{6}-[0-9A-Z]{6}$' } },
      },
      response: { 200: obj, ...errorResponses(404) },
    },
    // The tracking code is the key to the public page; the page shows no personal data.
    handler: async (req) => publicCase(db, (req.params as { trackingCode: string }).trackingCode, clock.now()),
  })

  app.post('/api/v1/public/cases/:trackingCode/rating', {
    schema: {
      tags: ['public'],
      summary: 'An anonymous reporter rates the result with the token received when reporting',
      params: {
        type: 'object',
        required: ['trackingCode'],
        additionalProperties: false,
        properties: { trackingCode: { type: 'string', pattern: '^[0-9]{6}-[0-9A-Z]{6}$' } },
      },
      body: {
        type: 'object',
        required: ['reporterToken', 'rating'],
        additionalProperties: false,
        properties: {
          reporterToken: text(100),
          rating: { type: 'string', enum: ['satisfied', 'basically_satisfied', 'unsatisfied'] },
          comment: text(2000),
        },
      },
      response: { 200: obj, ...errorResponses(403, 404, 409) },
    },
    handler: async (req) => {
      const { trackingCode } = req.params as { trackingCode: string }
      const body = req.body as { reporterToken: string; rating: ActionInput['rating']; comment?: string }
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
    schema: {
      tags: ['public'],
      summary: 'Recent cases per grid for the public map (counts only)',
      querystring: {
        type: 'object',
        additionalProperties: false,
        properties: { days: { type: 'integer', minimum: 1, maximum: 366, default: 30 } },
      },
      response: { 200: obj },
    },
    handler: async (req) => publicMap(db, (req.query as { days: number }).days, clock.now()),
  })

  app.get('/api/v1/notifications', {
    schema: {
      tags,
      summary: 'The caller’s inbox: new dispatches, warnings, escalations, updates of their reports',
      querystring: {
        type: 'object',
        additionalProperties: false,
        properties: { ...pageQuerySchema, unread: { type: 'boolean' } },
      },
      response: { 200: pageSchema(obj), ...errorResponses(401) },
    },
    handler: async (req) => {
      requireActor(req.ctx)
      const q = req.query as { page: number; pageSize: number; unread?: boolean }
      return inScope(db, req.ctx, async (tx) => {
        let base = tx.selectFrom('notification')
        if (q.unread) base = base.where('read_at', 'is', null)
        const total = await base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()
        const rows = await base
          .selectAll()
          .orderBy('id', 'desc')
          .limit(q.pageSize)
          .offset((q.page - 1) * q.pageSize)
          .execute()
        return {
          items: rows.map((n) => ({
            id: n.id,
            caseId: n.case_id,
            kind: n.kind,
            params: n.params,
            createdAt: n.created_at.toISOString(),
            readAt: n.read_at ? n.read_at.toISOString() : null,
          })),
          page: q.page,
          pageSize: q.pageSize,
          total: Number(total.n),
        }
      })
    },
  })

  app.post('/api/v1/notifications/:id/read', {
    schema: {
      tags,
      summary: 'Mark a notification read',
      params: idParams,
      response: { 204: { type: 'null' }, ...errorResponses(401, 404) },
    },
    handler: async (req, reply) => {
      requireActor(req.ctx)
      const id = (req.params as { id: number }).id
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
      return reply.code(204).send()
    },
  })
}
