import { errorResponses, idParams, type App } from '../core/http.js'
import { createOnce, idempotencyHeaders } from '../core/idempotency.js'
import { pageSchema } from '../core/paging.js'
import type { Platform } from '../core/platform.js'
import { inScope } from '../core/scope.js'
import { participationStaff } from './common.js'
import {
  consultationActionBody,
  consultationBody,
  consultationDetail,
  consultationDetailSchema,
  consultationListQuery,
  consultationSummarySchema,
  createConsultation,
  listConsultations,
  performConsultationAction,
  replaceConsultation,
  segmenter,
} from './consultations.js'

const tags = ['participation']

export async function consultationRoutes(app: App, { database, clock }: Platform) {
  const { db } = database

  app.post('/api/v1/consultations', {
    config: { access: participationStaff },
    schema: {
      tags,
      summary: 'Draft a consultation (policy, community rule or plan) in sections, with its comment period',
      headers: idempotencyHeaders,
      body: consultationBody,
      response: { 201: consultationDetailSchema, ...errorResponses(401, 403, 404, 422) },
    },
    handler: async (req, reply) => {
      const cut = await segmenter()
      reply.code(201)
      return createOnce(db, req, req.body, async (tx) => {
        const now = clock.now()
        const id = await createConsultation(tx, req.ctx, req.body, now)
        return consultationDetail(tx, req.ctx, id, cut, now)
      })
    },
  })

  app.get('/api/v1/consultations', {
    config: { access: 'signed-in' },
    schema: {
      tags,
      summary: 'Consultations on the caller’s branch, open ones first; drafts for their staff only',
      querystring: consultationListQuery,
      response: { 200: pageSchema(consultationSummarySchema), ...errorResponses(401, 403, 404) },
    },
    handler: async (req) => inScope(db, req.ctx, (tx) => listConsultations(tx, req.ctx, req.query, clock.now())),
  })

  app.get('/api/v1/consultations/:id', {
    config: { access: 'signed-in' },
    schema: {
      tags,
      summary: 'A consultation: its sections with comment counts, its state, the summary once closed, the final text',
      params: idParams,
      response: { 200: consultationDetailSchema, ...errorResponses(401, 404) },
    },
    handler: async (req) => {
      const cut = await segmenter()
      return inScope(db, req.ctx, (tx) => consultationDetail(tx, req.ctx, req.params.id, cut, clock.now()))
    },
  })

  app.put('/api/v1/consultations/:id', {
    config: { access: participationStaff },
    schema: {
      tags,
      summary: 'Replace a draft consultation: its fields and all its sections (drafts only)',
      params: idParams,
      body: consultationBody,
      response: { 200: consultationDetailSchema, ...errorResponses(401, 403, 404, 409) },
    },
    handler: async (req) => {
      const cut = await segmenter()
      return inScope(db, req.ctx, async (tx) => {
        const now = clock.now()
        await replaceConsultation(tx, req.ctx, req.params.id, req.body, now)
        return consultationDetail(tx, req.ctx, req.params.id, cut, now)
      })
    },
  })

  app.post('/api/v1/consultations/:id/actions', {
    config: { access: participationStaff },
    schema: {
      tags,
      summary: 'open, close (sums the comments up) or publish (final text and response) a consultation',
      params: idParams,
      body: consultationActionBody,
      response: { 200: consultationDetailSchema, ...errorResponses(401, 403, 404, 409) },
    },
    handler: async (req) => {
      const cut = await segmenter()
      return inScope(db, req.ctx, async (tx) => {
        const now = clock.now()
        await performConsultationAction(tx, req.ctx, req.params.id, req.body, cut, now)
        return consultationDetail(tx, req.ctx, req.params.id, cut, now)
      })
    },
  })
}
