import type { FastifyRequest } from 'fastify'
import { errorResponses, idParams, type App } from '../core/http.js'
import { createOnce, idempotencyHeaders, idempotent } from '../core/idempotency.js'
import { pageSchema } from '../core/paging.js'
import type { Platform } from '../core/platform.js'
import { asSystem, inScope } from '../core/scope.js'
import { participationStaff } from './common.js'
import {
  answeredSchema,
  answersBody,
  createLinks,
  linkSurvey,
  linkSurveySchema,
  linksBody,
  linksSchema,
  linkTokenParams,
  respond,
  respondByLink,
} from './survey-answers.js'
import { exportQuery, resultsSchema, sheetCsv, sheetXlsx, surveyResults, surveySheet } from './survey-results.js'
import {
  createSurvey,
  listSurveys,
  replaceSurvey,
  surveyAction,
  surveyActionBody,
  surveyBody,
  surveyDetail,
  surveyDetailSchema,
  surveyListQuery,
  surveySummarySchema,
} from './surveys.js'

const tags = ['participation']
const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'

export async function surveyRoutes(app: App, { database, clock, config }: Platform) {
  const { db } = database
  // The link pages answer anyone holding a token: limited per client address, like anonymous intake.
  const perAddress = (max: number) => ({
    rateLimit: { max, timeWindow: '1 minute', keyGenerator: (req: FastifyRequest) => `survey-link:${req.ip}` },
  })

  app.post('/api/v1/surveys', {
    config: { access: participationStaff },
    schema: {
      tags,
      summary: 'Build a survey as a draft: audience area, questions (choice, scale, text), required, branching',
      headers: idempotencyHeaders,
      body: surveyBody,
      response: { 201: surveyDetailSchema, ...errorResponses(401, 403, 404) },
    },
    handler: async (req, reply) => {
      reply.code(201)
      return createOnce(db, req, req.body, async (tx) => {
        const now = clock.now()
        const id = await createSurvey(tx, req.ctx, req.body, now)
        return surveyDetail(tx, req.ctx, id, now)
      })
    },
  })

  app.get('/api/v1/surveys', {
    config: { access: 'signed-in' },
    schema: {
      tags,
      summary: 'Surveys on your branch of the area tree, open ones first; staff also see their drafts',
      querystring: surveyListQuery,
      response: { 200: pageSchema(surveySummarySchema), ...errorResponses(401) },
    },
    handler: async (req) => inScope(db, req.ctx, (tx) => listSurveys(tx, req.ctx, req.query, clock.now())),
  })

  app.get('/api/v1/surveys/:id', {
    config: { access: 'signed-in' },
    schema: {
      tags,
      summary: 'A survey with its questions, whether you answered it and what stops you answering',
      params: idParams,
      response: { 200: surveyDetailSchema, ...errorResponses(401, 404) },
    },
    handler: async (req) => inScope(db, req.ctx, (tx) => surveyDetail(tx, req.ctx, req.params.id, clock.now())),
  })

  app.put('/api/v1/surveys/:id', {
    config: { access: participationStaff },
    schema: {
      tags,
      summary: 'Replace a draft survey, its questions included (409 once opened)',
      params: idParams,
      body: surveyBody,
      response: { 200: surveyDetailSchema, ...errorResponses(401, 403, 404, 409) },
    },
    handler: async (req) =>
      inScope(db, req.ctx, async (tx) => {
        const now = clock.now()
        await replaceSurvey(tx, req.ctx, req.params.id, req.body, now)
        return surveyDetail(tx, req.ctx, req.params.id, now)
      }),
  })

  app.post('/api/v1/surveys/:id/actions', {
    config: { access: participationStaff },
    schema: {
      tags,
      summary: 'Open a draft (it needs questions) or close an open survey (SURVEY_ILLEGAL_TRANSITION otherwise)',
      params: idParams,
      body: surveyActionBody,
      response: { 200: surveyDetailSchema, ...errorResponses(401, 403, 404, 409) },
    },
    handler: async (req) =>
      inScope(db, req.ctx, async (tx) => {
        const now = clock.now()
        await surveyAction(tx, req.ctx, req.params.id, req.body, now)
        return surveyDetail(tx, req.ctx, req.params.id, now)
      }),
  })

  app.post('/api/v1/surveys/:id/responses', {
    config: { access: 'signed-in' },
    schema: {
      tags,
      summary:
        'Answer a survey, once per account (a second answer is SURVEY_ALREADY_ANSWERED); a problem names answers.<position>',
      params: idParams,
      headers: idempotencyHeaders,
      body: answersBody,
      response: { 201: answeredSchema, ...errorResponses(401, 403, 404, 409, 422) },
    },
    handler: async (req, reply) => {
      reply.code(201)
      return createOnce(db, req, { survey: req.params.id, ...req.body }, (tx) =>
        respond(tx, req.ctx, req.params.id, req.body, clock.now()),
      )
    },
  })

  app.post('/api/v1/surveys/:id/links', {
    config: { access: participationStaff },
    schema: {
      tags,
      summary: 'Make one-time links for anonymous answers; the tokens are shown in this answer only',
      params: idParams,
      headers: idempotencyHeaders,
      body: linksBody,
      response: { 201: linksSchema, ...errorResponses(401, 403, 404, 409) },
    },
    handler: async (req, reply) => {
      reply.code(201)
      return createOnce(
        db,
        req,
        { survey: req.params.id, ...req.body },
        (tx) => createLinks(tx, req.ctx, req.params.id, req.body, clock.now()),
        { remember: (body) => ({ ...body, tokens: [] }) },
      )
    },
  })

  app.get('/api/v1/surveys/:id/results', {
    config: { access: 'signed-in' },
    schema: {
      tags,
      summary:
        'Results per question: option counts, scale distribution and mean, answered; staff live and exact with texts, others after closing with counts below 5 suppressed',
      params: idParams,
      response: { 200: resultsSchema, ...errorResponses(401, 403, 404) },
    },
    handler: async (req) => inScope(db, req.ctx, (tx) => surveyResults(tx, req.ctx, req.params.id, clock.now())),
  })

  app.get<{ Params: { id: number }; Querystring: { format: 'csv' | 'xlsx' }; Reply: Buffer | string }>(
    '/api/v1/surveys/:id/export',
    {
      config: { access: participationStaff },
      schema: {
        tags,
        summary: 'Every response as a row, one column per question, as CSV (UTF-8 with BOM) or XLSX; audited',
        params: idParams,
        querystring: exportQuery,
        response: {
          200: {
            description: 'The responses',
            content: {
              'text/csv': { schema: { type: 'string' } },
              [XLSX]: { schema: { type: 'string', format: 'binary' } },
            },
          },
          ...errorResponses(401, 403, 404),
        },
      },
      handler: async (req, reply) => {
        const format = req.query.format
        const sheet = await inScope(db, req.ctx, (tx) => surveySheet(tx, req.ctx, req.params.id, format, clock.now()))
        reply
          .header('content-disposition', `attachment; filename="survey-${req.params.id}.${format}"`)
          .header('cache-control', 'private, no-store')
        if (format === 'xlsx') return reply.type(XLSX).send(await sheetXlsx(sheet))
        return reply.type('text/csv; charset=utf-8').send(sheetCsv(sheet))
      },
    },
  )

  // ── One-time links: no account; the token is the permission ────────────────────────────────

  app.get('/api/v1/survey-links/:token', {
    config: { access: 'public', ...perAddress(config.anonymousIntakeRatePerMinute * 4) },
    schema: {
      tags,
      summary: 'The survey behind an unused one-time link (SURVEY_LINK_INVALID when unknown or used)',
      params: linkTokenParams,
      response: { 200: linkSurveySchema, ...errorResponses(404, 429) },
    },
    // The caller has no account: the owner's rights, confined by the token to its own survey.
    handler: async (req) => asSystem(db, (tx) => linkSurvey(tx, req.params.token, clock.now())),
  })

  app.post('/api/v1/survey-links/:token/responses', {
    config: { access: 'public', ...perAddress(config.anonymousIntakeRatePerMinute) },
    schema: {
      tags,
      summary: 'Answer through a one-time link; the link is spent only by a response that was kept',
      params: linkTokenParams,
      headers: idempotencyHeaders,
      body: answersBody,
      response: { 201: answeredSchema, ...errorResponses(404, 409, 422, 429) },
    },
    handler: async (req, reply) => {
      reply.code(201)
      return asSystem(db, async (tx) => {
        const answer = await idempotent(
          tx,
          req.ctx,
          req.headers['idempotency-key'],
          { token: req.params.token, ...req.body },
          async () => ({ status: 201, body: await respondByLink(tx, req.params.token, req.body, clock.now()) }),
        )
        return answer.body
      })
    },
  })
}
