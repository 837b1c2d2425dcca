import { errorResponses, idParams, type App } from '../core/http.js'
import { createOnce, idempotencyHeaders } from '../core/idempotency.js'
import { pageSchema } from '../core/paging.js'
import type { Platform } from '../core/platform.js'
import { inScope, type Role } from '../core/scope.js'
import {
  appealBody,
  appealQuery,
  appealSchema,
  decideAppeal,
  decideSanction,
  decisionBody,
  fileAppeal,
  listAppeals,
  listSanctions,
  proposeSanction,
  sanctionBody,
  sanctionDecisionBody,
  sanctionQuery,
  sanctionSchema,
} from './assessment-appeals.js'
import {
  assessmentStaff,
  assessors,
  checkBody,
  checkScheme,
  checkSchema,
  createRun,
  createScheme,
  listRuns,
  listSchemes,
  newSchemeBody,
  publishRun,
  runBody,
  runDetail,
  runQuery,
  runSchema,
  runScores,
  schemeDetail,
  schemeQuery,
  schemeSchema,
  schemeUpdateBody,
  scoresQuery,
  scoresSchema,
  updateScheme,
} from './assessment.js'

const tags = ['assessment']
const keepers = [...assessmentStaff] as Role[]
const deciders = [...assessors] as Role[]
// The assessed read the published rankings they are in and appeal their scores.
const assessed: Role[] = ['admin', 'leader', 'staff', 'grid_worker', 'department_handler']

export async function assessmentRoutes(app: App, { database, clock }: Platform) {
  const { db } = database

  app.get('/api/v1/assessments/schemes', {
    config: { access: keepers },
    schema: {
      tags,
      summary: 'KPI schemes of the areas you keep or stand in (areaId: that subtree; unitType)',
      querystring: schemeQuery,
      response: { 200: pageSchema(schemeSchema), ...errorResponses(401, 403, 404) },
    },
    handler: async (req) => inScope(db, req.ctx, (tx) => listSchemes(tx, req.ctx, req.query)),
  })

  app.post('/api/v1/assessments/schemes', {
    config: { access: deciders },
    schema: {
      tags,
      summary:
        'Create a KPI scheme for a unit type and area (admin or leader over the area): 422 ASSESSMENT_KPI_INVALID naming kpis[i].formula and the figure, or kpis when the weights do not sum to 100',
      headers: idempotencyHeaders,
      body: newSchemeBody,
      response: { 201: schemeSchema, ...errorResponses(401, 403, 404, 422) },
    },
    handler: async (req, reply) => {
      reply.code(201)
      return createOnce(db, req, req.body, (tx) => createScheme(tx, req.ctx, req.body, clock.now()))
    },
  })

  app.post('/api/v1/assessments/schemes/check', {
    config: { access: deciders },
    schema: {
      tags,
      summary: "The editor's live check of KPIs: every problem with its field, and the figures each formula reads",
      body: checkBody,
      response: { 200: checkSchema, ...errorResponses(401, 403) },
    },
    handler: async (req) => checkScheme(req.body.kpis),
  })

  app.get('/api/v1/assessments/schemes/:id', {
    config: { access: keepers },
    schema: {
      tags,
      summary: 'A scheme with its current KPIs and its versions',
      params: idParams,
      response: { 200: schemeSchema, ...errorResponses(401, 403, 404) },
    },
    handler: async (req) => inScope(db, req.ctx, (tx) => schemeDetail(tx, req.ctx, req.params.id)),
  })

  app.put('/api/v1/assessments/schemes/:id', {
    config: { access: deciders },
    schema: {
      tags,
      summary:
        'Edit a scheme (the version read, else 409): once the current version has scores, the edit becomes a new version',
      params: idParams,
      body: schemeUpdateBody,
      response: { 200: schemeSchema, ...errorResponses(401, 403, 404, 409, 422) },
    },
    handler: async (req) =>
      inScope(db, req.ctx, (tx) => updateScheme(tx, req.ctx, req.params.id, req.body, clock.now())),
  })

  app.post('/api/v1/assessments/runs', {
    config: { access: deciders },
    schema: {
      tags,
      summary:
        'Score every unit of a scheme for a period (month, quarter or year) from the statistics, with the inputs stored beside each score; a period not yet ended is provisional',
      headers: idempotencyHeaders,
      body: runBody,
      response: { 201: runSchema, ...errorResponses(401, 403, 404, 422) },
    },
    handler: async (req, reply) => {
      reply.code(201)
      return createOnce(db, req, req.body, (tx) => createRun(tx, req.ctx, req.body, clock.now()))
    },
  })

  app.get('/api/v1/assessments/runs', {
    config: { access: assessed },
    schema: {
      tags,
      summary: 'Scoring runs, newest period first: published ones on your branch, unpublished ones of areas you keep',
      querystring: runQuery,
      response: { 200: pageSchema(runSchema), ...errorResponses(401, 403, 404) },
    },
    handler: async (req) => inScope(db, req.ctx, (tx) => listRuns(tx, req.ctx, req.query)),
  })

  app.get('/api/v1/assessments/runs/:id', {
    config: { access: assessed },
    schema: {
      tags,
      summary: 'A scoring run (period, scheme version, as-of time, provisional, publication and appeal window)',
      params: idParams,
      response: { 200: runSchema, ...errorResponses(401, 403, 404) },
    },
    handler: async (req) => inScope(db, req.ctx, (tx) => runDetail(tx, req.ctx, req.params.id)),
  })

  app.get('/api/v1/assessments/runs/:id/scores', {
    config: { access: assessed },
    schema: {
      tags,
      summary:
        "A run's ranking: each unit's score, rank, KPI breakdown, stored inputs, and any correction (original, corrected, why)",
      params: idParams,
      querystring: scoresQuery,
      response: { 200: scoresSchema, ...errorResponses(401, 403, 404) },
    },
    handler: async (req) => inScope(db, req.ctx, (tx) => runScores(tx, req.ctx, req.params.id, req.query)),
  })

  app.post('/api/v1/assessments/runs/:id/publish', {
    config: { access: deciders },
    schema: {
      tags,
      summary:
        'Publish a finished run to the assessed; the appeal window (the scheme’s appealDays) opens (409 when provisional or published)',
      params: idParams,
      response: { 200: runSchema, ...errorResponses(401, 403, 404, 409) },
    },
    handler: async (req) => inScope(db, req.ctx, (tx) => publishRun(tx, req.ctx, req.params.id, clock.now())),
  })

  app.post('/api/v1/assessments/scores/:id/appeals', {
    config: { access: assessed },
    schema: {
      tags,
      summary:
        'Appeal a published score as the assessed unit, within the appeal window (after it 409 ASSESSMENT_APPEAL_WINDOW_CLOSED naming scoreId)',
      params: idParams,
      headers: idempotencyHeaders,
      body: appealBody,
      response: { 201: appealSchema, ...errorResponses(401, 403, 404, 409) },
    },
    handler: async (req, reply) => {
      reply.code(201)
      return createOnce(db, req, { scoreId: req.params.id, ...req.body }, (tx) =>
        fileAppeal(tx, req.ctx, req.params.id, req.body, clock.now()),
      )
    },
  })

  app.get('/api/v1/assessments/appeals', {
    config: { access: assessed },
    schema: {
      tags,
      summary: 'Appeals: every one over the areas you keep, else your own',
      querystring: appealQuery,
      response: { 200: pageSchema(appealSchema), ...errorResponses(401, 403) },
    },
    handler: async (req) => inScope(db, req.ctx, (tx) => listAppeals(tx, req.ctx, req.query)),
  })

  app.post('/api/v1/assessments/appeals/:id/decision', {
    config: { access: deciders },
    schema: {
      tags,
      summary:
        'Decide an appeal (admin or leader over the area): uphold, or correct with a new score and the reason — recorded as an audited adjustment beside the original score',
      params: idParams,
      body: decisionBody,
      response: { 200: appealSchema, ...errorResponses(401, 403, 404, 409) },
    },
    handler: async (req) =>
      inScope(db, req.ctx, (tx) => decideAppeal(tx, req.ctx, req.params.id, req.body, clock.now())),
  })

  app.get('/api/v1/assessments/sanctions', {
    config: { access: keepers },
    schema: {
      tags,
      summary: 'The register of rewards and penalties of the areas you keep',
      querystring: sanctionQuery,
      response: { 200: pageSchema(sanctionSchema), ...errorResponses(401, 403, 404) },
    },
    handler: async (req) => inScope(db, req.ctx, (tx) => listSanctions(tx, req.ctx, req.query)),
  })

  app.post('/api/v1/assessments/sanctions', {
    config: { access: keepers },
    schema: {
      tags,
      summary:
        'Propose a reward or penalty (admin, leader or staff over the area) for a score, or for a unit and period: commendation, bonus (amount), criticism, deduction (amount), warning',
      headers: idempotencyHeaders,
      body: sanctionBody,
      response: { 201: sanctionSchema, ...errorResponses(401, 403, 404, 422) },
    },
    handler: async (req, reply) => {
      reply.code(201)
      return createOnce(db, req, req.body, (tx) => proposeSanction(tx, req.ctx, req.body, clock.now()))
    },
  })

  app.post('/api/v1/assessments/sanctions/:id/decision', {
    config: { access: deciders },
    schema: {
      tags,
      summary: 'Approve or reject a proposed reward or penalty (admin or leader over the area, not the proposer)',
      params: idParams,
      body: sanctionDecisionBody,
      response: { 200: sanctionSchema, ...errorResponses(401, 403, 404, 409) },
    },
    handler: async (req) =>
      inScope(db, req.ctx, (tx) => decideSanction(tx, req.ctx, req.params.id, req.body, clock.now())),
  })
}
