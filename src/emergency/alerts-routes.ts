import { cipherFor } from '../core/crypto.js'
import { errorResponses, idParams, type App } from '../core/http.js'
import { createOnce, idempotencyHeaders } from '../core/idempotency.js'
import { pageSchema } from '../core/paging.js'
import type { Platform } from '../core/platform.js'
import { inScope, requireActor } from '../core/scope.js'
import {
  acknowledgeByLink,
  acknowledgeMine,
  alertByLink,
  alertDetail,
  alertDetailSchema,
  alertListQuery,
  alertParams,
  alertSchema,
  listAlerts,
  listMyAlerts,
  myAlert,
  myAlertSchema,
  newAlertBody,
  queueAlert,
  recipientParams,
  resendAlert,
  resendBody,
  tokenParams,
} from './alerts.js'
import { emergencyStaff } from './common.js'

const tags = ['emergency']

// Alerts to every resident of an incident's grids (issue 17, item 2). Sending is queued: the
// request inserts one alert row and answers 202; the worker (alerts.ts) expands and sends it.
export async function alertRoutes(app: App, { database, clock, config }: Platform) {
  const { db } = database
  const cipher = cipherFor(config)

  app.post('/api/v1/incidents/:id/alerts', {
    config: { access: emergencyStaff },
    schema: {
      tags,
      summary:
        "Queue an alert to every resident of the incident's grids (or some of them, each a grid you hold): text message per registry phone, inbox for account holders; sent by the worker, paced; Idempotency-Key honoured",
      params: idParams,
      headers: idempotencyHeaders,
      body: newAlertBody,
      response: { 202: alertDetailSchema, ...errorResponses(401, 403, 404, 409, 422) },
    },
    handler: async (req, reply) => {
      reply.code(202)
      return createOnce(
        db,
        req,
        { incident: req.params.id, ...req.body },
        (tx) => queueAlert(tx, req.ctx, req.params.id, req.body, clock.now()),
        { status: 202 },
      )
    },
  })

  app.get('/api/v1/incidents/:id/alerts', {
    config: { access: 'signed-in' },
    schema: {
      tags,
      summary: "The incident's alerts, newest first, with delivery and acknowledgement totals over the grids you work",
      params: idParams,
      querystring: alertListQuery,
      response: { 200: pageSchema(alertSchema), ...errorResponses(401, 404) },
    },
    handler: async (req) => inScope(db, req.ctx, (tx) => listAlerts(tx, req.params.id, req.query)),
  })

  app.get('/api/v1/incidents/:id/alerts/:alertId', {
    config: { access: 'signed-in' },
    schema: {
      tags,
      summary:
        'One alert: recipients, queued, sent, failed, unreachable and acknowledged per grid (the grids you work)',
      params: alertParams,
      response: { 200: alertDetailSchema, ...errorResponses(401, 404) },
    },
    handler: async (req) => inScope(db, req.ctx, (tx) => alertDetail(tx, req.params.id, req.params.alertId)),
  })

  app.post('/api/v1/incidents/:id/alerts/:alertId/resend', {
    config: { access: emergencyStaff },
    schema: {
      tags,
      summary:
        'Re-send an alert that is done to its recipients not reached (SMS failed, or no phone nor account then) or not acknowledged: a new alert; Idempotency-Key honoured',
      params: alertParams,
      headers: idempotencyHeaders,
      body: resendBody,
      response: { 202: alertDetailSchema, ...errorResponses(401, 403, 404, 409) },
    },
    handler: async (req, reply) => {
      reply.code(202)
      return createOnce(
        db,
        req,
        { incident: req.params.id, alert: req.params.alertId, ...req.body },
        (tx) => resendAlert(tx, req.ctx, req.params.id, req.params.alertId, req.body.to, clock.now()),
        { status: 202 },
      )
    },
  })

  // ── A resident's alerts ──────────────────────────────────────────────────────────────────────

  app.get('/api/v1/alerts/mine', {
    config: { access: 'signed-in' },
    schema: {
      tags,
      summary: 'Alerts sent to you (to your verified account), newest first',
      querystring: alertListQuery,
      response: { 200: pageSchema(myAlertSchema), ...errorResponses(401) },
    },
    handler: async (req) => listMyAlerts(db, requireActor(req.ctx).userId, req.query),
  })

  app.get('/api/v1/alerts/mine/:recipientId', {
    config: { access: 'signed-in' },
    schema: {
      tags,
      summary: 'One alert sent to you: what happened, what to do, whether you acknowledged it',
      params: recipientParams,
      response: { 200: myAlertSchema, ...errorResponses(401, 404) },
    },
    handler: async (req) => myAlert(db, requireActor(req.ctx).userId, req.params.recipientId),
  })

  app.post('/api/v1/alerts/mine/:recipientId/ack', {
    config: { access: 'signed-in' },
    schema: {
      tags,
      summary: 'Acknowledge an alert sent to you ("I received it / I am safe"); a repeat changes nothing',
      params: recipientParams,
      response: { 200: myAlertSchema, ...errorResponses(401, 404) },
    },
    handler: async (req) => {
      const userId = requireActor(req.ctx).userId
      // 404 before anything is written when the alert is not the caller's.
      await myAlert(db, userId, req.params.recipientId)
      await inScope(db, req.ctx, (tx) => acknowledgeMine(tx, req.ctx, req.params.recipientId, clock.now()))
      return myAlert(db, userId, req.params.recipientId)
    },
  })

  app.get('/api/v1/alerts/link/:token', {
    config: { access: 'public' },
    schema: {
      tags,
      summary:
        "The alert a text message's link opens, without an account: the incident's kind, level and title, the text and what to do; nothing personal",
      params: tokenParams,
      response: { 200: myAlertSchema, ...errorResponses(404) },
    },
    handler: async (req) => alertByLink(db, cipher, req.params.token),
  })

  app.post('/api/v1/alerts/link/:token/ack', {
    config: { access: 'public' },
    schema: {
      tags,
      summary: "Acknowledge the alert a text message's link opens; a repeat changes nothing",
      params: tokenParams,
      response: { 200: myAlertSchema, ...errorResponses(404) },
    },
    handler: async (req) => acknowledgeByLink(db, cipher, req.params.token, clock.now()),
  })
}
