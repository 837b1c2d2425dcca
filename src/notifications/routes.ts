import { errorResponses, idParams, type App, type Output } from '../core/http.js'
import { createOnce, idempotencyHeaders } from '../core/idempotency.js'
import { pageSchema } from '../core/paging.js'
import type { Platform } from '../core/platform.js'
import { inScope } from '../core/scope.js'
import {
  createWebhook,
  deliverDueWebhooks,
  deliveryFilterQuery,
  deliverySchema,
  getDelivery,
  listDeliveries,
  listWebhooks,
  newWebhookBody,
  newWebhookSchema,
  queueTestPing,
  updateWebhook,
  webhookEventTypes,
  webhookFilterQuery,
  webhookPatchBody,
  webhookSchema,
  type FetchLike,
} from './webhooks.js'

const tags = ['webhooks']
const ADMIN = ['admin'] as const

export interface WebhookRouteOptions extends Platform {
  /** The HTTP client for test pings (tests substitute one); global fetch by default. */
  fetchImpl?: FetchLike
}

/** Admin routes of outgoing webhooks; row-level security limits each admin to their areas. */
export async function webhookRoutes(app: App, { database, clock, fetchImpl }: WebhookRouteOptions) {
  const { db } = database
  // Every module has published its events by the time routes are registered.
  const events = webhookEventTypes()

  app.get('/api/v1/webhooks', {
    config: { access: ADMIN },
    schema: {
      tags,
      summary: 'Webhooks of the areas the caller administers (the signing secret is never shown again)',
      querystring: webhookFilterQuery,
      response: { 200: pageSchema(webhookSchema), ...errorResponses(401, 403, 404) },
    },
    handler: async (req) => inScope(db, req.ctx, (tx) => listWebhooks(tx, req.query)),
  })

  app.post('/api/v1/webhooks', {
    config: { access: ADMIN },
    schema: {
      tags,
      summary:
        'Subscribe a URL to the case steps of an area subtree; the answer carries the signing secret, shown only this once',
      body: newWebhookBody(events),
      headers: idempotencyHeaders,
      response: { 201: newWebhookSchema, ...errorResponses(401, 403, 404) },
    },
    handler: async (req, reply) => {
      reply.code(201)
      // A retry gets the same webhook back, but the secret only with the first answer.
      return createOnce<Output<typeof newWebhookSchema>>(
        db,
        req,
        req.body,
        (tx) => createWebhook(tx, req.ctx, req.body, clock.now()),
        { remember: (b) => ({ ...b, secret: null }) },
      )
    },
  })

  app.patch('/api/v1/webhooks/:id', {
    config: { access: ADMIN },
    schema: {
      tags,
      summary: 'Change a webhook’s URL or events, or switch it off and on (pending deliveries wait while it is off)',
      params: idParams,
      body: webhookPatchBody(events),
      response: { 200: webhookSchema, ...errorResponses(401, 403, 404) },
    },
    handler: async (req) => inScope(db, req.ctx, (tx) => updateWebhook(tx, req.ctx, req.params.id, req.body)),
  })

  app.post('/api/v1/webhooks/:id/test', {
    config: { access: ADMIN },
    schema: {
      tags,
      summary: 'Send a signed test ping (event webhook.test) now; answers with the delivery and its outcome',
      params: idParams,
      response: { 200: deliverySchema, ...errorResponses(401, 403, 404) },
    },
    handler: async (req) => {
      const { id } = req.params
      const now = clock.now()
      const deliveryId = await inScope(db, req.ctx, (tx) => queueTestPing(tx, req.ctx, id, now))
      // Committed first: the request goes out with no transaction open.
      await deliverDueWebhooks(db, now, fetchImpl, { ids: [deliveryId] })
      return inScope(db, req.ctx, (tx) => getDelivery(tx, deliveryId))
    },
  })

  app.get('/api/v1/webhooks/:id/deliveries', {
    config: { access: ADMIN },
    schema: {
      tags,
      summary: 'Deliveries of a webhook, newest first, with attempts and the last answer',
      params: idParams,
      querystring: deliveryFilterQuery,
      response: { 200: pageSchema(deliverySchema), ...errorResponses(401, 403, 404) },
    },
    handler: async (req) => inScope(db, req.ctx, (tx) => listDeliveries(tx, req.params.id, req.query)),
  })
}
