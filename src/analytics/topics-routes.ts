import { errorResponses, idParams, type App } from '../core/http.js'
import { createOnce, idempotencyHeaders } from '../core/idempotency.js'
import { pageSchema } from '../core/paging.js'
import type { Platform } from '../core/platform.js'
import { AppError } from '../core/errors.js'
import { inScope, isRootAdmin, staffRoles, type Role } from '../core/scope.js'
import {
  accuracyQuery,
  accuracySchema,
  decisionSchema,
  dispatchAccuracy,
  linkBody,
  linkSuggestion,
  listModels,
  modelSchema,
  modelsQuery,
  suggestBody,
  suggestDispatch,
  suggestionSchema,
  trainDispatchModel,
} from './dispatch.js'
import {
  listTopics,
  ofTheMonthQuery,
  ofTheMonthSchema,
  putTopic,
  taggerBacklog,
  topicBody,
  topicListSchema,
  topicOfTheMonth,
  topicParams,
  topicSchema,
  topicTrends,
  trendsQuery,
  trendsSchema,
} from './topics.js'

/** Who reads topic analytics and dispatch accuracy: the area's leadership and its office. */
export const topicReaders: readonly Role[] = ['admin', 'leader', 'staff']
/** Who files reports and dispatches, and so is shown suggestions. */
export const dispatchUsers: readonly Role[] = ['admin', 'leader', 'staff', 'grid_worker']

// Key topics and smart dispatch suggestions (src/analytics/topics.ts, dispatch.ts).
export async function topicRoutes(app: App, { database, clock }: Platform) {
  const { db } = database
  const topics = ['topics']
  const dispatch = ['dispatch']

  app.get('/api/v1/topics', {
    config: { access: staffRoles },
    schema: {
      tags: topics,
      summary: 'The topics with their rules (category codes, keywords, excluded keywords) and the tagger’s state',
      response: { 200: topicListSchema, ...errorResponses(401, 403) },
    },
    handler: async (req) => {
      const queued = await taggerBacklog(db)
      return inScope(db, req.ctx, (tx) => listTopics(tx, queued))
    },
  })

  app.put('/api/v1/topics/:code', {
    config: { access: ['admin'] },
    schema: {
      tags: topics,
      summary:
        'Create or replace a topic’s rule (admins of a root area: topics are city-wide); every case is tagged again by the tagger',
      params: topicParams,
      body: topicBody,
      response: { 200: topicSchema, ...errorResponses(401, 403, 409, 422) },
    },
    handler: async (req) => {
      if (!isRootAdmin(req.ctx.actor))
        throw new AppError('FORBIDDEN', 'topics are city-wide: they are kept by an admin of a root area', 'code')
      return inScope(db, req.ctx, (tx) => putTopic(tx, req.ctx, req.params.code, req.body, clock.now()))
    },
  })

  app.get('/api/v1/topics/trends', {
    config: { access: topicReaders },
    schema: {
      tags: topics,
      summary: 'Cases per topic per day, week or month for an area subtree and period (scoped like /stats/cases)',
      querystring: trendsQuery,
      response: { 200: trendsSchema, ...errorResponses(401, 403, 404) },
    },
    handler: async (req) => {
      const pending = await taggerBacklog(db)
      return inScope(database.reads, req.ctx, (tx) => topicTrends(tx, req.ctx, req.query, pending, clock.now()))
    },
  })

  app.get('/api/v1/topics/of-the-month', {
    config: { access: topicReaders },
    schema: {
      tags: topics,
      summary:
        'Per street, the suggested topic of the month (每月一题) with its evidence: volume, growth against the three months before, repeat rate, top grids and addresses; and the formula that ranked it',
      querystring: ofTheMonthQuery,
      response: { 200: ofTheMonthSchema, ...errorResponses(401, 403, 404) },
    },
    handler: async (req) => {
      const pending = await taggerBacklog(db)
      return inScope(database.reads, req.ctx, (tx) => topicOfTheMonth(tx, req.ctx, req.query, pending, clock.now()))
    },
  })

  app.post('/api/v1/dispatch/suggest', {
    config: { access: dispatchUsers },
    schema: {
      tags: dispatch,
      summary:
        'The top three categories and departments for a report’s text and place, with confidence and the model version; recorded so the decision that follows can be compared',
      body: suggestBody,
      response: { 200: suggestionSchema, ...errorResponses(401, 403, 404) },
    },
    handler: async (req) => inScope(db, req.ctx, (tx) => suggestDispatch(tx, req.ctx, req.body, clock.now())),
  })

  app.post('/api/v1/dispatch/suggestions/:id/case', {
    config: { access: dispatchUsers },
    schema: {
      tags: dispatch,
      summary:
        'Intake: the suggestion became this case; records the category chosen (and the department when it was dispatched at once)',
      params: idParams,
      body: linkBody,
      response: { 200: decisionSchema, ...errorResponses(401, 403, 404, 409) },
    },
    handler: async (req) =>
      inScope(db, req.ctx, (tx) => linkSuggestion(tx, req.ctx, req.params.id, req.body.caseId, clock.now())),
  })

  app.get('/api/v1/dispatch/models', {
    config: { access: ['admin', 'leader'] },
    schema: {
      tags: dispatch,
      summary: 'The trained model versions, newest first (the first serves), with their held-out accuracy',
      querystring: modelsQuery,
      response: { 200: pageSchema(modelSchema), ...errorResponses(401, 403) },
    },
    handler: async (req) => inScope(db, req.ctx, (tx) => listModels(tx, req.query)),
  })

  app.post('/api/v1/dispatch/models', {
    config: { access: ['admin'] },
    schema: {
      tags: dispatch,
      summary:
        'Train a new version now on the closed cases (admins of a root area); 422 DISPATCH_TOO_FEW_CASES with fewer than 10',
      headers: idempotencyHeaders,
      response: { 201: modelSchema, ...errorResponses(401, 403, 422) },
    },
    handler: async (req, reply) => {
      if (!isRootAdmin(req.ctx.actor))
        throw new AppError('FORBIDDEN', 'the model is city-wide: it is trained by an admin of a root area')
      reply.code(201)
      return createOnce(db, req, {}, (tx) => trainDispatchModel(tx, req.ctx, clock.now()))
    },
  })

  app.get('/api/v1/dispatch/accuracy', {
    config: { access: ['admin', 'leader'] },
    schema: {
      tags: dispatch,
      summary:
        'How often triage and intake took the suggestion: top-1, top-3 and overridden decisions of category and department, per model version',
      querystring: accuracyQuery,
      response: { 200: accuracySchema, ...errorResponses(401, 403, 404) },
    },
    handler: async (req) =>
      inScope(database.reads, req.ctx, (tx) => dispatchAccuracy(tx, req.ctx, req.query, clock.now())),
  })
}
