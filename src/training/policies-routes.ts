import { errorResponses, idParams, type App } from '../core/http.js'
import { createOnce, idempotencyHeaders } from '../core/idempotency.js'
import { pageSchema } from '../core/paging.js'
import type { Platform } from '../core/platform.js'
import { inScope } from '../core/scope.js'
import { trainingKeepers, trainingLearners } from './common.js'
import {
  createPolicy,
  listPolicies,
  newPolicyBody,
  onCaseSchema,
  policiesForCase,
  policyDetail,
  policyDetailSchema,
  policyPatchBody,
  policyQuery,
  policySchema,
  updatePolicy,
} from './policies.js'

const tags = ['training']

const caseParams = {
  type: 'object',
  additionalProperties: false,
  required: ['caseId'],
  properties: { caseId: { type: 'integer', minimum: 1, maximum: 2147483647 } },
} as const

// Policy explainers. Read by every staff role on the policy's branch (row-level security), written
// by the keepers over its area; drafts and retired policies are the keepers' only.
export async function policiesRoutes(app: App, { database, clock }: Platform) {
  const { db } = database

  app.get('/api/v1/training/policies', {
    config: { access: trainingLearners },
    schema: {
      tags,
      summary:
        'Policy explainers you read: words (Chinese segmented, ranked), case category (and its parent), notice, status (other than published: keepers), area subtree',
      querystring: policyQuery,
      response: { 200: pageSchema(policySchema), ...errorResponses(401, 403, 404) },
    },
    handler: async (req) => inScope(db, req.ctx, (tx) => listPolicies(tx, req.ctx, req.query)),
  })

  app.post('/api/v1/training/policies', {
    config: { access: trainingKeepers },
    schema: {
      tags,
      summary:
        'Write a policy explainer as a draft (keepers over the area): text, explainer, Q&A, notices and case categories — 422 TRAINING_POLICY_INVALID naming the field',
      headers: idempotencyHeaders,
      body: newPolicyBody,
      response: { 201: policyDetailSchema, ...errorResponses(401, 403, 404, 409, 422) },
    },
    handler: async (req, reply) => {
      reply.code(201)
      return createOnce(db, req, req.body, (tx) => createPolicy(tx, req.ctx, req.body, clock.now()))
    },
  })

  app.get('/api/v1/training/policies/for-case/:caseId', {
    config: { access: trainingLearners },
    schema: {
      tags,
      summary:
        'The published policies on a case’s category or its parent that you read, newest first, at most 5 (404 when you cannot see the case)',
      params: caseParams,
      response: { 200: onCaseSchema, ...errorResponses(401, 403, 404) },
    },
    handler: async (req) => inScope(db, req.ctx, (tx) => policiesForCase(tx, req.ctx, req.params.caseId)),
  })

  app.get('/api/v1/training/policies/:id', {
    config: { access: trainingLearners },
    schema: {
      tags,
      summary: 'A policy with its explainer, Q&A, full text, linked notices and categories (drafts: keepers only)',
      params: idParams,
      response: { 200: policyDetailSchema, ...errorResponses(401, 403, 404) },
    },
    handler: async (req) => inScope(db, req.ctx, (tx) => policyDetail(tx, req.ctx, req.params.id)),
  })

  app.patch('/api/v1/training/policies/:id', {
    config: { access: trainingKeepers },
    schema: {
      tags,
      summary:
        'Edit, relink (a list replaces the set), publish, retire or republish a policy (the version read, else 409 TRAINING_VERSION_CONFLICT)',
      params: idParams,
      body: policyPatchBody,
      response: { 200: policyDetailSchema, ...errorResponses(401, 403, 404, 409, 422) },
    },
    handler: async (req) =>
      inScope(db, req.ctx, (tx) => updatePolicy(tx, req.ctx, req.params.id, req.body, clock.now())),
  })
}
