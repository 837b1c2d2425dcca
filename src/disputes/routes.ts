import { cipherFor } from '../core/crypto.js'
import { errorResponses, idParams, type App } from '../core/http.js'
import { createOnce, idempotencyHeaders } from '../core/idempotency.js'
import { pageSchema } from '../core/paging.js'
import type { Platform } from '../core/platform.js'
import { shape } from '../core/schemas.js'
import type { Tx } from '../core/db.js'
import { inScope, type RequestContext, type Role } from '../core/scope.js'
import { disputeActionBody, performDisputeAction } from './actions.js'
import {
  agreementBody,
  agreementPdf,
  recordSession,
  saveAgreement,
  sessionBody,
  signAgreement,
  signatureBody,
} from './agreement.js'
import {
  disputeDetail,
  disputeDetailSchema,
  disputeFilterQuery,
  disputeMap,
  disputeMapQuery,
  disputeMapSchema,
  disputeViewSchema,
  listDisputes,
  newDisputeBody,
  newDisputeResultSchema,
  registerDispute,
} from './disputes.js'
import {
  listPetitions,
  newPetitionBody,
  performPetitionAction,
  petitionActionBody,
  petitionDetail,
  petitionFilterQuery,
  petitionListSchema,
  petitionSchema,
  registerPetition,
} from './petitions.js'
import { disputeSettings, disputeSettingsBody, disputeSettingsSchema, updateDisputeSettings } from './risk.js'
import { disputeStats, disputeStatsQuery, disputeStatsSchema } from './stats.js'

const tags = ['disputes']
/** Who works on disputes: the area's staff, grid workers and mediators, and the departments mediating. */
const disputeWorkers: Role[] = ['admin', 'leader', 'staff', 'grid_worker', 'mediator', 'department_handler']
const registrars: Role[] = ['admin', 'leader', 'staff', 'grid_worker', 'mediator']
/** Petitions are the street office's: its staff and leaders. */
const petitionDesk: Role[] = ['admin', 'leader', 'staff']

export async function disputeRoutes(app: App, { database, clock, config }: Platform) {
  const { db } = database
  const cipher = cipherFor(config)
  // A change to a dispute answers with the dispute as it now is, read in the same transaction.
  type Caller = { ctx: RequestContext; params: { id: number } }
  const changeThenDetail = async (tx: Tx, req: Caller, change: (now: Date) => Promise<void>) => {
    const now = clock.now()
    await change(now)
    return disputeDetail(tx, req.ctx, req.params.id, now)
  }
  const changeThenShow = (req: Caller, change: (tx: Tx, now: Date) => Promise<void>) =>
    inScope(db, req.ctx, (tx) => changeThenDetail(tx, req, (now) => change(tx, now)))

  app.post('/api/v1/disputes', {
    config: { access: registrars },
    schema: {
      tags,
      summary: 'Register a dispute: parties, category, place, amount, facts, claims, source; risk assessed at once',
      headers: idempotencyHeaders,
      body: newDisputeBody,
      response: { 201: newDisputeResultSchema, ...errorResponses(401, 403, 404, 409, 422) },
    },
    handler: async (req, reply) => {
      reply.code(201)
      return createOnce(db, req, req.body, (tx) => registerDispute(tx, req.ctx, req.body, clock.now(), cipher))
    },
  })

  app.get('/api/v1/disputes', {
    config: { access: disputeWorkers },
    schema: {
      tags,
      summary: 'The dispute register: disputes the caller may see, filtered and paged, newest first',
      querystring: disputeFilterQuery,
      response: { 200: pageSchema(disputeViewSchema), ...errorResponses(401, 403, 404) },
    },
    handler: async (req) => inScope(db, req.ctx, (tx) => listDisputes(tx, req.query, clock.now())),
  })

  app.get('/api/v1/disputes/map', {
    config: { access: registrars },
    schema: {
      tags,
      summary: 'Open disputes with a location, by risk level (the dispute map)',
      querystring: disputeMapQuery,
      response: { 200: disputeMapSchema, ...errorResponses(401, 403, 404) },
    },
    handler: async (req) => inScope(db, req.ctx, (tx) => disputeMap(tx, req.query)),
  })

  app.get('/api/v1/disputes/:id', {
    config: { access: disputeWorkers },
    schema: {
      tags,
      summary: 'A dispute with its parties (masked), sessions, agreement, follow-ups, timeline and allowed actions',
      params: idParams,
      response: { 200: disputeDetailSchema, ...errorResponses(401, 403, 404) },
    },
    handler: async (req) => inScope(db, req.ctx, (tx) => disputeDetail(tx, req.ctx, req.params.id, clock.now())),
  })

  app.post('/api/v1/disputes/:id/actions', {
    config: { access: disputeWorkers },
    schema: {
      tags,
      summary: 'Take a workflow action on a dispute (409 names the state and the allowed actions)',
      params: idParams,
      body: disputeActionBody,
      response: { 200: disputeDetailSchema, ...errorResponses(401, 403, 404, 409, 422) },
    },
    handler: async (req) =>
      changeThenShow(req, (tx, now) => performDisputeAction(tx, req.ctx, req.params.id, req.body, now)),
  })

  app.post('/api/v1/disputes/:id/sessions', {
    config: { access: disputeWorkers },
    schema: {
      tags,
      summary: 'Record a mediation session (time, place, attendees, record); Idempotency-Key honoured',
      params: idParams,
      headers: idempotencyHeaders,
      body: sessionBody,
      response: { 201: disputeDetailSchema, ...errorResponses(401, 403, 404, 409) },
    },
    handler: async (req, reply) => {
      reply.code(201)
      return createOnce(db, req, { dispute: req.params.id, ...req.body }, (tx) =>
        changeThenDetail(tx, req, (now) => recordSession(tx, req.ctx, req.params.id, req.body, now)),
      )
    },
  })

  app.put('/api/v1/disputes/:id/agreement', {
    config: { access: disputeWorkers },
    schema: {
      tags,
      summary: 'Write the draft mediation agreement (a changed text voids the signatures given to the old one)',
      params: idParams,
      body: agreementBody,
      response: { 200: disputeDetailSchema, ...errorResponses(401, 403, 404, 409) },
    },
    handler: async (req) => changeThenShow(req, (tx, now) => saveAgreement(tx, req.ctx, req.params.id, req.body, now)),
  })

  app.post('/api/v1/disputes/:id/agreement/signatures', {
    config: { access: disputeWorkers },
    schema: {
      tags,
      summary: 'Record a party’s or the mediator’s signature, or the committee’s seal, on the draft agreement',
      params: idParams,
      body: signatureBody,
      response: { 200: disputeDetailSchema, ...errorResponses(401, 403, 404, 409) },
    },
    handler: async (req) => changeThenShow(req, (tx, now) => signAgreement(tx, req.ctx, req.params.id, req.body, now)),
  })

  app.get<{ Params: { id: number }; Reply: Buffer }>('/api/v1/disputes/:id/agreement.pdf', {
    config: { access: disputeWorkers },
    schema: {
      tags,
      summary: 'The agreement as a printable PDF in Chinese (a draft is marked so); the print is audited',
      params: idParams,
      response: {
        200: {
          description: 'The agreement',
          content: { 'application/pdf': { schema: { type: 'string', format: 'binary' } } },
        },
        ...errorResponses(401, 403, 404),
      },
    },
    handler: async (req, reply) => {
      const pdf = await inScope(db, req.ctx, (tx) => agreementPdf(tx, req.ctx, req.params.id))
      return (
        reply
          .type('application/pdf')
          .header('content-disposition', `inline; filename="agreement-${req.params.id}.pdf"`)
          .header('cache-control', 'private, no-store')
          // Our own pages may show it in a frame (the agreement editor's preview); nothing else may.
          .header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'self'")
          .send(pdf)
      )
    },
  })

  app.get('/api/v1/dispute-settings', {
    config: { access: registrars },
    schema: {
      tags,
      summary: 'The risk rules and the mediation limits',
      response: { 200: disputeSettingsSchema, ...errorResponses(401, 403) },
    },
    handler: async (req) => inScope(db, req.ctx, (tx) => disputeSettings(tx)),
  })

  app.put('/api/v1/dispute-settings', {
    config: { access: ['admin'] },
    schema: {
      tags,
      summary: 'Change risk rules (by code; new codes are added) and mediation limits; city administrators only',
      body: disputeSettingsBody,
      response: { 200: disputeSettingsSchema, ...errorResponses(401, 403) },
    },
    handler: async (req) =>
      inScope(db, req.ctx, async (tx) => {
        await updateDisputeSettings(tx, req.ctx, req.body, clock.now())
        return disputeSettings(tx)
      }),
  })

  app.get('/api/v1/stats/disputes', {
    config: { access: registrars },
    schema: {
      tags: ['statistics'],
      summary: 'Dispute and petition statistics for a window: by category, area, level, source, outcome; rates',
      querystring: disputeStatsQuery,
      response: { 200: disputeStatsSchema, ...errorResponses(401, 403, 404) },
    },
    handler: async (req) => inScope(db, req.ctx, (tx) => disputeStats(tx, req.query, clock.now())),
  })

  // ── Petitions (信访) ────────────────────────────────────────────────────────────────────────
  const petitionTags = ['petitions']

  app.post('/api/v1/petitions', {
    config: { access: petitionDesk },
    schema: {
      tags: petitionTags,
      summary: 'Register a letter or visit; the 15-day decision limit starts; repeats are linked',
      headers: idempotencyHeaders,
      body: newPetitionBody,
      response: {
        201: shape({ id: { type: 'integer' }, reference: { type: 'string' }, repeats: { type: 'integer' } }),
        ...errorResponses(401, 403, 404, 422),
      },
    },
    handler: async (req, reply) => {
      reply.code(201)
      return createOnce(db, req, req.body, (tx) => registerPetition(tx, req.ctx, req.body, clock.now(), cipher))
    },
  })

  app.get('/api/v1/petitions', {
    config: { access: petitionDesk },
    schema: {
      tags: petitionTags,
      summary: 'The petition desk: petitions with their limits, filtered and paged',
      querystring: petitionFilterQuery,
      response: { 200: petitionListSchema, ...errorResponses(401, 403, 404) },
    },
    handler: async (req) => inScope(db, req.ctx, (tx) => listPetitions(tx, req.query, clock.now())),
  })

  app.get('/api/v1/petitions/:id', {
    config: { access: petitionDesk },
    schema: {
      tags: petitionTags,
      summary: 'A petition with its limits, repeats, timeline and allowed actions',
      params: idParams,
      response: { 200: petitionSchema, ...errorResponses(401, 403, 404) },
    },
    handler: async (req) => inScope(db, req.ctx, (tx) => petitionDetail(tx, req.ctx, req.params.id, clock.now())),
  })

  app.post('/api/v1/petitions/:id/actions', {
    config: { access: petitionDesk },
    schema: {
      tags: petitionTags,
      summary: 'Accept, redirect, extend, answer, review, turn into a dispute or close (limits enforced)',
      params: idParams,
      body: petitionActionBody,
      response: { 200: petitionSchema, ...errorResponses(401, 403, 404, 409, 422) },
    },
    handler: async (req) =>
      inScope(db, req.ctx, async (tx) => {
        const now = clock.now()
        await performPetitionAction(tx, req.ctx, req.params.id, req.body, now, cipher)
        return petitionDetail(tx, req.ctx, req.params.id, now)
      }),
  })
}
