import { errorResponses, idParams, type App, type Input } from '../core/http.js'
import { createOnce, idempotencyHeaders } from '../core/idempotency.js'
import { pageSchema } from '../core/paging.js'
import type { Platform } from '../core/platform.js'
import { asSystem, inScope } from '../core/scope.js'
import { sheetCsv, sheetXlsx } from '../participation/survey-results.js'
import { certificateFacts, certificatePdf } from './certificates.js'
import { trainingKeepers, trainingLearners } from './common.js'
import {
  createRule,
  enrolByHand,
  enrolmentQuery,
  enrolmentSchema,
  listEnrolments,
  listRules,
  newEnrolmentsBody,
  newEnrolmentsResultSchema,
  newRuleBody,
  newRuleResultSchema,
  ruleQuery,
  rulePatchBody,
  ruleSchema,
  updateRule,
} from './learning.js'
import {
  attemptBody,
  attemptResultSchema,
  enrolmentDetail,
  enrolmentDetailSchema,
  lessonParams,
  markLessonDone,
  submitAttempt,
} from './progress.js'
import { authoriseStats, exportQuery, recordsSheet, statsQuery, statsSchema, trainingStats } from './records.js'

const tags = ['training']
const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'
const binary = { schema: { type: 'string', format: 'binary' } } as const

// Training (learning): assignment rules and enrolments (keepers over the area), the learner's
// lessons, quiz and certificate, and the completion records. Row-level security confines every
// statement: the learner's own enrolments, the keepers' over their areas.
export async function learningRoutes(app: App, { database, clock }: Platform) {
  const { db } = database

  app.get('/api/v1/training/rules', {
    config: { access: trainingKeepers },
    schema: {
      tags,
      summary: 'Assignment rules (a course for a role on an area and below) you read: by course and area subtree',
      querystring: ruleQuery,
      response: { 200: pageSchema(ruleSchema), ...errorResponses(401, 403, 404) },
    },
    handler: async (req) => inScope(db, req.ctx, (tx) => listRules(tx, req.ctx, req.query)),
  })

  app.post('/api/v1/training/rules', {
    config: { access: trainingKeepers },
    schema: {
      tags,
      summary:
        'Assign a published course to a role on an area (keepers over it): enrols every holder now; later grants are enrolled on grant',
      headers: idempotencyHeaders,
      body: newRuleBody,
      response: { 201: newRuleResultSchema, ...errorResponses(401, 403, 404, 409, 422) },
    },
    handler: async (req, reply) => {
      reply.code(201)
      return createOnce(db, req, req.body, (tx) => createRule(tx, req.ctx, req.body, clock.now()))
    },
  })

  app.patch('/api/v1/training/rules/:id', {
    config: { access: trainingKeepers },
    schema: {
      tags,
      summary: 'Deactivate (or reactivate) a rule: later grants are no longer enrolled; enrolments made stay',
      params: idParams,
      body: rulePatchBody,
      response: { 200: ruleSchema, ...errorResponses(401, 403, 404) },
    },
    handler: async (req) => inScope(db, req.ctx, (tx) => updateRule(tx, req.ctx, req.params.id, req.body)),
  })

  app.post('/api/v1/training/enrolments', {
    config: { access: trainingKeepers },
    schema: {
      tags,
      summary:
        'Enrol users by hand (staff of areas you keep, else 422 TRAINING_ENROLMENT_INVALID naming userIds); those already enrolled are kept',
      headers: idempotencyHeaders,
      body: newEnrolmentsBody,
      response: { 201: newEnrolmentsResultSchema, ...errorResponses(401, 403, 404, 409, 422) },
    },
    handler: async (req, reply) => {
      reply.code(201)
      return createOnce(db, req, req.body, (tx) => enrolByHand(tx, req.ctx, req.body, clock.now()))
    },
  })

  app.get('/api/v1/training/enrolments', {
    config: { access: trainingLearners },
    schema: {
      tags,
      summary: 'Enrolments: mine=true for your own; keepers filter by area subtree, course, role, status and overdue',
      querystring: enrolmentQuery,
      response: { 200: pageSchema(enrolmentSchema), ...errorResponses(401, 403, 404) },
    },
    handler: async (req) => inScope(db, req.ctx, (tx) => listEnrolments(tx, req.ctx, req.query, clock.now())),
  })

  app.get('/api/v1/training/enrolments/:id', {
    config: { access: trainingLearners },
    schema: {
      tags,
      summary:
        'An enrolment (the learner or a keeper over its area): lessons with done flags, the quiz without answers, attempts',
      params: idParams,
      response: { 200: enrolmentDetailSchema, ...errorResponses(401, 403, 404) },
    },
    handler: async (req) => inScope(db, req.ctx, (tx) => enrolmentDetail(tx, req.ctx, req.params.id, clock.now())),
  })

  app.post('/api/v1/training/enrolments/:id/lessons/:lessonId/done', {
    config: { access: trainingLearners },
    schema: {
      tags,
      summary:
        'Mark a lesson done (the learner; idempotent): starts the course; the last lesson of a course without a quiz completes it',
      params: lessonParams,
      response: { 200: enrolmentDetailSchema, ...errorResponses(401, 403, 404, 409) },
    },
    handler: async (req) =>
      inScope(db, req.ctx, (tx) => markLessonDone(tx, req.ctx, req.params.id, req.params.lessonId, clock.now())),
  })

  app.post('/api/v1/training/enrolments/:id/attempts', {
    config: { access: trainingLearners },
    schema: {
      tags,
      summary:
        'Answer the quiz (the learner, every lesson done else 409 TRAINING_NOT_COMPLETED): score, pass, late after the deadline; the answers and explanations per question',
      params: idParams,
      headers: idempotencyHeaders,
      body: attemptBody,
      response: { 201: attemptResultSchema, ...errorResponses(401, 403, 404, 409, 422) },
    },
    handler: async (req, reply) => {
      reply.code(201)
      return createOnce(db, req, { id: req.params.id, ...req.body }, (tx) =>
        submitAttempt(tx, req.ctx, req.params.id, req.body, clock.now()),
      )
    },
  })

  app.get<{ Params: Input<typeof idParams>; Reply: Buffer }>('/api/v1/training/enrolments/:id/certificate', {
    config: { access: trainingLearners },
    schema: {
      tags,
      summary:
        'The certificate of a completed course (PDF, in Chinese with English lines); else 409 TRAINING_NOT_COMPLETED',
      params: idParams,
      response: {
        200: { description: 'The certificate', content: { 'application/pdf': binary } },
        ...errorResponses(401, 403, 404, 409),
      },
    },
    handler: async (req, reply) => {
      const facts = await inScope(db, req.ctx, (tx) => certificateFacts(tx, req.ctx, req.params.id))
      const pdf = await certificatePdf(facts)
      return reply
        .type('application/pdf')
        .header('content-disposition', `attachment; filename="certificate-${facts.number}.pdf"`)
        .header('cache-control', 'private, no-store')
        .send(pdf)
    },
  })

  app.get('/api/v1/training/stats', {
    config: { access: trainingKeepers },
    schema: {
      tags,
      summary:
        'Completion of an area and each child area, overall and per role: enrolled, completed, on time, late, overdue, rates, average best score (keepers over the area)',
      querystring: statsQuery,
      response: { 200: statsSchema, ...errorResponses(401, 403, 404) },
    },
    handler: async (req) => {
      const scope = await inScope(db, req.ctx, (tx) => authoriseStats(tx, req.ctx, req.query))
      // Counts only, the same for every keeper over the area.
      return asSystem(db, (tx) => trainingStats(tx, scope, clock.now()))
    },
  })

  app.get<{ Querystring: Input<typeof exportQuery>; Reply: Buffer | string }>('/api/v1/training/records/export', {
    config: { access: trainingKeepers },
    schema: {
      tags,
      summary: 'Every enrolment of the area’s subtree as CSV (UTF-8 with BOM) or XLSX (keepers over the area; audited)',
      querystring: exportQuery,
      response: {
        200: {
          description: 'The records',
          content: { 'text/csv': { schema: { type: 'string' } }, [XLSX]: binary },
        },
        ...errorResponses(401, 403, 404),
      },
    },
    handler: async (req, reply) => {
      const format = req.query.format ?? 'csv'
      const sheet = await inScope(db, req.ctx, (tx) => recordsSheet(tx, req.ctx, req.query, clock.now()))
      reply
        .header('content-disposition', `attachment; filename="training-records.${format}"`)
        .header('cache-control', 'private, no-store')
      if (format === 'xlsx') return reply.type(XLSX).send(await sheetXlsx(sheet))
      return reply.type('text/csv; charset=utf-8').send(sheetCsv(sheet))
    },
  })
}
