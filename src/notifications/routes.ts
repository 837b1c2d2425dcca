import type { FastifyInstance } from 'fastify'
import { idempotencyHeaders, idempotent, sendReply } from '../core/idempotency.js'
import { errorResponses, idParams } from '../core/http.js'
import { pageQuerySchema, pageSchema } from '../core/paging.js'
import type { Platform } from '../core/platform.js'
import { inScope, requireRoleSomewhere } from '../core/scope.js'
import {
  createWebhook,
  deliverDueWebhooks,
  getDelivery,
  listDeliveries,
  listWebhooks,
  queueTestPing,
  updateWebhook,
  webhookEventTypes,
  type DeliveryFilter,
  type FetchLike,
  type NewWebhook,
  type WebhookFilter,
  type WebhookPatch,
} from './webhooks.js'

const tags = ['webhooks']
const ADMIN = ['admin'] as const

// The scheme is checked in code (400 naming `url`), not by a format, to give one clear message.
const url = { type: 'string', minLength: 1, maxLength: 2000 } as const
const events = { type: 'array', minItems: 1, maxItems: 50, items: { type: 'string', enum: webhookEventTypes } } as const

const webhookSchema = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    areaId: { type: 'integer' },
    areaCode: { type: 'string' },
    url: { type: 'string' },
    events: { type: 'array', items: { type: 'string' } },
    active: { type: 'boolean' },
    createdBy: { type: ['integer', 'null'] },
    createdAt: { type: 'string' },
  },
} as const

const deliverySchema = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    webhookId: { type: 'integer' },
    eventId: { type: ['integer', 'null'] },
    eventType: { type: 'string' },
    status: { type: 'string', enum: ['pending', 'delivered', 'failed'] },
    attempts: { type: 'integer' },
    nextAttemptAt: { type: ['string', 'null'] },
    deliveredAt: { type: ['string', 'null'] },
    lastStatus: { type: ['integer', 'null'] },
    lastError: { type: ['string', 'null'] },
    createdAt: { type: 'string' },
    payload: { type: 'object', additionalProperties: true },
  },
} as const

export interface WebhookRouteOptions extends Platform {
  /** The HTTP client for test pings (tests substitute one); global fetch by default. */
  fetchImpl?: FetchLike
}

/** Admin routes of outgoing webhooks; row-level security limits each admin to their areas. */
export async function webhookRoutes(app: FastifyInstance, { database, clock, fetchImpl }: WebhookRouteOptions) {
  const { db } = database

  app.get('/api/v1/webhooks', {
    schema: {
      tags,
      summary: 'Webhooks of the areas the caller administers (the signing secret is never shown again)',
      querystring: {
        type: 'object',
        additionalProperties: false,
        properties: { ...pageQuerySchema, areaId: { type: 'integer', minimum: 1 } },
      },
      response: { 200: pageSchema(webhookSchema), ...errorResponses(401, 403, 404) },
    },
    handler: async (req) => {
      requireRoleSomewhere(req.ctx, ADMIN)
      return inScope(db, req.ctx, (tx) => listWebhooks(tx, req.query as WebhookFilter))
    },
  })

  app.post('/api/v1/webhooks', {
    schema: {
      tags,
      summary:
        'Subscribe a URL to the case steps of an area subtree; the answer carries the signing secret, shown only this once',
      body: {
        type: 'object',
        required: ['areaId', 'url', 'events'],
        additionalProperties: false,
        properties: { areaId: { type: 'integer', minimum: 1 }, url, events, active: { type: 'boolean' } },
      },
      headers: idempotencyHeaders,
      response: {
        201: { type: 'object', properties: { ...webhookSchema.properties, secret: { type: ['string', 'null'] } } },
        ...errorResponses(401, 403, 404),
      },
    },
    handler: async (req, reply) => {
      requireRoleSomewhere(req.ctx, ADMIN)
      const body = req.body as NewWebhook
      // A retry gets the same webhook back, but the secret only with the first answer.
      const result = await inScope(db, req.ctx, (tx) =>
        idempotent(
          tx,
          req.ctx,
          req.headers['idempotency-key'] as string | undefined,
          body,
          async () => ({ status: 201, body: (await createWebhook(tx, req.ctx, body, clock.now())) as object }),
          (b) => ({ ...b, secret: null }),
        ),
      )
      return sendReply(reply as never, result)
    },
  })

  app.patch('/api/v1/webhooks/:id', {
    schema: {
      tags,
      summary: 'Change a webhook’s URL or events, or switch it off and on (pending deliveries wait while it is off)',
      params: idParams,
      body: {
        type: 'object',
        additionalProperties: false,
        minProperties: 1,
        properties: { url, events, active: { type: 'boolean' } },
      },
      response: { 200: webhookSchema, ...errorResponses(401, 403, 404) },
    },
    handler: async (req) => {
      requireRoleSomewhere(req.ctx, ADMIN)
      return inScope(db, req.ctx, (tx) =>
        updateWebhook(tx, req.ctx, (req.params as { id: number }).id, req.body as WebhookPatch),
      )
    },
  })

  app.post('/api/v1/webhooks/:id/test', {
    schema: {
      tags,
      summary: 'Send a signed test ping (event webhook.test) now; answers with the delivery and its outcome',
      params: idParams,
      response: { 200: deliverySchema, ...errorResponses(401, 403, 404) },
    },
    handler: async (req) => {
      requireRoleSomewhere(req.ctx, ADMIN)
      const id = (req.params as { id: number }).id
      const now = clock.now()
      const deliveryId = await inScope(db, req.ctx, (tx) => queueTestPing(tx, req.ctx, id, now))
      // Committed first: the request goes out with no transaction open.
      await deliverDueWebhooks(db, now, fetchImpl, { ids: [deliveryId] })
      return inScope(db, req.ctx, (tx) => getDelivery(tx, deliveryId))
    },
  })

  app.get('/api/v1/webhooks/:id/deliveries', {
    schema: {
      tags,
      summary: 'Deliveries of a webhook, newest first, with attempts and the last answer',
      params: idParams,
      querystring: {
        type: 'object',
        additionalProperties: false,
        properties: { ...pageQuerySchema, status: { type: 'string', enum: ['pending', 'delivered', 'failed'] } },
      },
      response: { 200: pageSchema(deliverySchema), ...errorResponses(401, 403, 404) },
    },
    handler: async (req) => {
      requireRoleSomewhere(req.ctx, ADMIN)
      return inScope(db, req.ctx, (tx) =>
        listDeliveries(tx, (req.params as { id: number }).id, req.query as DeliveryFilter),
      )
    },
  })
}
