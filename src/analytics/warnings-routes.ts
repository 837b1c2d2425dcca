import { cipherFor } from '../core/crypto.js'
import { errorResponses, idParams, type App } from '../core/http.js'
import { createOnce, idempotencyHeaders } from '../core/idempotency.js'
import type { Platform } from '../core/platform.js'
import { inScope } from '../core/scope.js'
import {
  acknowledgeBody,
  acknowledgeWarning,
  closeBody,
  closeWarning,
  listWarnings,
  proactiveCase,
  proactiveCaseBody,
  warningDetail,
  warningDetailSchema,
  warningKeepers,
  warningListQuery,
  warningPageSchema,
} from './warnings.js'

const tags = ['warnings']

// The early-warning inbox. Warnings are raised by the detector (warnings.ts, as the owner);
// people of the area read them, acknowledge, close with a note, or start a proactive case.
export async function warningRoutes(app: App, { database, clock, config }: Platform) {
  const { db } = database

  app.get('/api/v1/warnings', {
    config: { access: warningKeepers },
    schema: {
      tags,
      summary:
        'The early-warning inbox: spikes, repeated places and requesters, satisfaction drops and high-risk disputes of your areas, newest first (live by default)',
      querystring: warningListQuery,
      response: { 200: warningPageSchema, ...errorResponses(401, 403, 404) },
    },
    handler: async (req) => inScope(db, req.ctx, (tx) => listWarnings(tx, req.ctx, req.query)),
  })

  app.get('/api/v1/warnings/:id', {
    config: { access: warningKeepers },
    schema: {
      tags,
      summary: 'One warning with its evidence: the series and baseline of a spike, the cases, the place, the dispute',
      params: idParams,
      response: { 200: warningDetailSchema, ...errorResponses(401, 403, 404) },
    },
    handler: async (req) => inScope(db, req.ctx, (tx) => warningDetail(tx, req.ctx, req.params.id)),
  })

  app.post('/api/v1/warnings/:id/acknowledge', {
    config: { access: warningKeepers },
    schema: {
      tags,
      summary: 'Acknowledge an open warning (admins, leaders and staff over its area)',
      params: idParams,
      body: acknowledgeBody,
      response: { 200: warningDetailSchema, ...errorResponses(401, 403, 404, 409) },
    },
    handler: async (req) =>
      inScope(db, req.ctx, async (tx) => {
        await acknowledgeWarning(tx, req.ctx, req.params.id, req.body?.version, clock.now())
        return warningDetail(tx, req.ctx, req.params.id)
      }),
  })

  app.post('/api/v1/warnings/:id/close', {
    config: { access: warningKeepers },
    schema: {
      tags,
      summary: 'Close a warning with a note saying what was done (required)',
      params: idParams,
      body: closeBody,
      response: { 200: warningDetailSchema, ...errorResponses(400, 401, 403, 404, 409) },
    },
    handler: async (req) =>
      inScope(db, req.ctx, async (tx) => {
        await closeWarning(tx, req.ctx, req.params.id, req.body, clock.now())
        return warningDetail(tx, req.ctx, req.params.id)
      }),
  })

  app.post('/api/v1/warnings/:id/proactive-case', {
    config: { access: warningKeepers },
    schema: {
      tags,
      summary:
        'Start a proactive case (未诉先办) from a warning through intake, linked to it; a warning that has one answers with it',
      headers: idempotencyHeaders,
      params: idParams,
      body: proactiveCaseBody,
      response: { 201: warningDetailSchema, ...errorResponses(400, 401, 403, 404, 409, 422) },
    },
    handler: async (req, reply) => {
      reply.code(201)
      return createOnce(db, req, { id: req.params.id, ...req.body }, async (tx) => {
        await proactiveCase(tx, req.ctx, req.params.id, req.body, clock.now(), cipherFor(config))
        return warningDetail(tx, req.ctx, req.params.id)
      })
    },
  })
}
