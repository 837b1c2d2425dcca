import { cipherFor } from '../core/crypto.js'
import { errorResponses, idParams, type App } from '../core/http.js'
import { createOnce, idempotencyHeaders } from '../core/idempotency.js'
import { pageSchema } from '../core/paging.js'
import type { Platform } from '../core/platform.js'
import { inScope, requireActor } from '../core/scope.js'
import { trainingKeepers, trainingLearners } from './common.js'
import {
  anonymiseModelCase,
  checkModelCase,
  checkSchema,
  createModelCase,
  listModelCases,
  modelCasePatchBody,
  modelCaseQuery,
  modelCaseSchema,
  modelCaseSummarySchema,
  modelCaseView,
  newModelCaseBody,
  publishModelCase,
  sourceOf,
  sourcePeople,
  suggestionsQuery,
  suggestionsSchema,
  suggestModelCases,
  updateModelCase,
  versionBody,
  withdrawBody,
  withdrawModelCase,
} from './models.js'

const tags = ['training']

// The model-case library (典型案例). Read by every staff role on the branch; written up, checked,
// published and withdrawn by the keepers over the area. The check needs the source's people, read
// as the platform before the caller's transaction (one transaction at a time on the embedded
// backend) and used only to find them in the text.
export async function modelsRoutes(app: App, { database, clock, config }: Platform) {
  const { db } = database
  const cipher = cipherFor(config)
  /** The people of a model case's source (none when there is no such model case: the use case answers 404). */
  const peopleOf = async (modelCaseId: number) => {
    const source = await sourceOf(db, modelCaseId)
    return source ? sourcePeople(db, cipher, source.kind, source.id) : { names: [], numbers: [] }
  }

  app.get('/api/v1/training/model-cases', {
    config: { access: trainingLearners },
    schema: {
      tags,
      summary:
        'The model-case library: published model cases on your branch (keepers also their drafts), searched by words (jieba) and filtered',
      querystring: modelCaseQuery,
      response: { 200: pageSchema(modelCaseSummarySchema), ...errorResponses(401, 403) },
    },
    handler: async (req) => inScope(db, req.ctx, (tx) => listModelCases(tx, req.ctx, req.query)),
  })

  app.post('/api/v1/training/model-cases', {
    config: { access: trainingKeepers },
    schema: {
      tags,
      summary:
        'Write up a closed case, concluded dispute or implemented proposal you see as a draft, prefilled from it and checked (422 MODEL_CASE_SOURCE_INVALID, 409 MODEL_CASE_ALREADY)',
      headers: idempotencyHeaders,
      body: newModelCaseBody,
      response: { 201: modelCaseSchema, ...errorResponses(401, 403, 404, 409, 422) },
    },
    handler: async (req, reply) => {
      requireActor(req.ctx)
      const people = await sourcePeople(db, cipher, req.body.sourceKind, req.body.sourceId)
      reply.code(201)
      return createOnce(db, req, req.body, (tx) => createModelCase(tx, req.ctx, req.body, people, clock.now()))
    },
  })

  app.get('/api/v1/training/model-cases/suggestions', {
    config: { access: trainingLearners },
    schema: {
      tags,
      summary:
        'Up to five published model cases for a case you see: the same category first, then by the words shared with its description',
      querystring: suggestionsQuery,
      response: { 200: suggestionsSchema, ...errorResponses(401, 403, 404) },
    },
    handler: async (req) => inScope(db, req.ctx, (tx) => suggestModelCases(tx, req.ctx, req.query.caseId)),
  })

  app.get('/api/v1/training/model-cases/:id', {
    config: { access: trainingLearners },
    schema: {
      tags,
      summary:
        'A model case: problem, method, result, lessons, the last check’s findings and the source when you see it',
      params: idParams,
      response: { 200: modelCaseSchema, ...errorResponses(401, 403, 404) },
    },
    handler: async (req) => inScope(db, req.ctx, (tx) => modelCaseView(tx, req.ctx, req.params.id)),
  })

  app.patch('/api/v1/training/model-cases/:id', {
    config: { access: trainingKeepers },
    schema: {
      tags,
      summary:
        'Edit a model case (the version read; 409 TRAINING_VERSION_CONFLICT); checked again, findings and words stored; a published one refuses personal data',
      params: idParams,
      body: modelCasePatchBody,
      response: { 200: modelCaseSchema, ...errorResponses(401, 403, 404, 409, 422) },
    },
    handler: async (req) => {
      requireActor(req.ctx)
      const people = await peopleOf(req.params.id)
      return inScope(db, req.ctx, (tx) => updateModelCase(tx, req.ctx, req.params.id, req.body, people, clock.now()))
    },
  })

  app.post('/api/v1/training/model-cases/:id/check', {
    config: { access: trainingKeepers },
    schema: {
      tags,
      summary: 'Run the anonymisation check: ID numbers, phones, e-mail addresses and the source’s people’s names',
      params: idParams,
      response: { 200: checkSchema, ...errorResponses(401, 403, 404) },
    },
    handler: async (req) => {
      requireActor(req.ctx)
      const people = await peopleOf(req.params.id)
      return inScope(db, req.ctx, (tx) => checkModelCase(tx, req.ctx, req.params.id, people, clock.now()))
    },
  })

  app.post('/api/v1/training/model-cases/:id/anonymise', {
    config: { access: trainingKeepers },
    schema: {
      tags,
      summary: 'Replace every finding in the texts by a mask (names 某某, numbers in stars) and check again',
      params: idParams,
      body: versionBody,
      response: { 200: modelCaseSchema, ...errorResponses(401, 403, 404, 409) },
    },
    handler: async (req) => {
      requireActor(req.ctx)
      const people = await peopleOf(req.params.id)
      return inScope(db, req.ctx, (tx) => anonymiseModelCase(tx, req.ctx, req.params.id, req.body, people, clock.now()))
    },
  })

  app.post('/api/v1/training/model-cases/:id/publish', {
    config: { access: trainingKeepers },
    schema: {
      tags,
      summary:
        'Publish (the version read) after the check: any finding is a 422 MODEL_CASE_PERSONAL_DATA with the findings in details, and nothing changes',
      params: idParams,
      body: versionBody,
      response: { 200: modelCaseSchema, ...errorResponses(401, 403, 404, 409, 422) },
    },
    handler: async (req) => {
      requireActor(req.ctx)
      const people = await peopleOf(req.params.id)
      return inScope(db, req.ctx, (tx) => publishModelCase(tx, req.ctx, req.params.id, req.body, people, clock.now()))
    },
  })

  app.post('/api/v1/training/model-cases/:id/withdraw', {
    config: { access: trainingKeepers },
    schema: {
      tags,
      summary: 'Take a published model case out of the library, with the reason',
      params: idParams,
      body: withdrawBody,
      response: { 200: modelCaseSchema, ...errorResponses(401, 403, 404, 409) },
    },
    handler: async (req) =>
      inScope(db, req.ctx, (tx) => withdrawModelCase(tx, req.ctx, req.params.id, req.body, clock.now())),
  })
}
