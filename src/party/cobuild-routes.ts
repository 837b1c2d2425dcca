import { errorResponses, idParams, type App } from '../core/http.js'
import { createOnce, idempotencyHeaders } from '../core/idempotency.js'
import { pageSchema } from '../core/paging.js'
import type { Platform } from '../core/platform.js'
import { asSystem, inScope } from '../core/scope.js'
import {
  agreementDetail,
  agreementDetailSchema,
  agreementPatchBody,
  agreementQuery,
  agreementSchema,
  createAgreement,
  createItem,
  createProject,
  itemPatchBody,
  itemQuery,
  itemSchema,
  listAgreements,
  listItems,
  newAgreementBody,
  newItemBody,
  newProjectBody,
  updateAgreement,
  updateItem,
} from './cobuild.js'
import { partyKeepers, partyReaders } from './common.js'
import { authoriseStats, partyStats, statsQuery, statsSchema } from './stats.js'

const tags = ['party']

// Joint co-building (agreements, the need, resource and project lists) and the party statistics.
// Read: the party readers (row-level security: the community's branch); kept: its keepers.
export async function cobuildRoutes(app: App, { database, clock }: Platform) {
  const { db } = database

  app.get('/api/v1/party/cobuild/agreements', {
    config: { access: partyReaders },
    schema: {
      tags,
      summary: 'Co-building agreements (共驻共建) of the communities you read: by area subtree and status',
      querystring: agreementQuery,
      response: { 200: pageSchema(agreementSchema), ...errorResponses(401, 403, 404) },
    },
    handler: async (req) => inScope(db, req.ctx, (tx) => listAgreements(tx, req.ctx, req.query)),
  })

  app.post('/api/v1/party/cobuild/agreements', {
    config: { access: partyKeepers },
    schema: {
      tags,
      summary: 'Sign an agreement between a community and a unit (the community’s admins, leaders and staff)',
      headers: idempotencyHeaders,
      body: newAgreementBody,
      response: { 201: agreementSchema, ...errorResponses(401, 403, 404, 409, 422) },
    },
    handler: async (req, reply) => {
      reply.code(201)
      return createOnce(db, req, req.body, (tx) => createAgreement(tx, req.ctx, req.body, clock.now()))
    },
  })

  app.get('/api/v1/party/cobuild/agreements/:id', {
    config: { access: partyReaders },
    schema: {
      tags,
      summary: 'An agreement with its resources, projects (progress) and the needs matched under it',
      params: idParams,
      response: { 200: agreementDetailSchema, ...errorResponses(401, 403, 404) },
    },
    handler: async (req) => inScope(db, req.ctx, (tx) => agreementDetail(tx, req.ctx, req.params.id)),
  })

  app.patch('/api/v1/party/cobuild/agreements/:id', {
    config: { access: partyKeepers },
    schema: {
      tags,
      summary: 'Edit or end an agreement (its keepers; the version read, else 409 PARTY_VERSION_CONFLICT)',
      params: idParams,
      body: agreementPatchBody,
      response: { 200: agreementSchema, ...errorResponses(401, 403, 404, 409, 422) },
    },
    handler: async (req) =>
      inScope(db, req.ctx, (tx) => updateAgreement(tx, req.ctx, req.params.id, req.body, clock.now())),
  })

  app.get('/api/v1/party/cobuild/items', {
    config: { access: partyReaders },
    schema: {
      tags,
      summary: 'The needs, resources and projects you read: by area subtree, list, status, topic and agreement',
      querystring: itemQuery,
      response: { 200: pageSchema(itemSchema), ...errorResponses(401, 403, 404) },
    },
    handler: async (req) => inScope(db, req.ctx, (tx) => listItems(tx, req.ctx, req.query)),
  })

  app.post('/api/v1/party/cobuild/items', {
    config: { access: partyKeepers },
    schema: {
      tags,
      summary:
        'Add a need (the community’s; an agreement optional) or a resource (of an active agreement); a project: 422 COBUILD_INVALID',
      headers: idempotencyHeaders,
      body: newItemBody,
      response: { 201: itemSchema, ...errorResponses(401, 403, 404, 409, 422) },
    },
    handler: async (req, reply) => {
      reply.code(201)
      return createOnce(db, req, req.body, (tx) => createItem(tx, req.ctx, req.body, clock.now()))
    },
  })

  app.patch('/api/v1/party/cobuild/items/:id', {
    config: { access: partyKeepers },
    schema: {
      tags,
      summary:
        'Edit an item (the version read); cancel an open need or resource; mark a project done (doneOn, outcome) — its need is done too (409 COBUILD_ILLEGAL_TRANSITION)',
      params: idParams,
      body: itemPatchBody,
      response: { 200: itemSchema, ...errorResponses(401, 403, 404, 409, 422) },
    },
    handler: async (req) => inScope(db, req.ctx, (tx) => updateItem(tx, req.ctx, req.params.id, req.body, clock.now())),
  })

  app.post('/api/v1/party/cobuild/projects', {
    config: { access: partyKeepers },
    schema: {
      tags,
      summary:
        'Match an open need with an open resource of the same community into a project in progress (422 COBUILD_INVALID naming the field)',
      headers: idempotencyHeaders,
      body: newProjectBody,
      response: { 201: itemSchema, ...errorResponses(401, 403, 404, 409, 422) },
    },
    handler: async (req, reply) => {
      reply.code(201)
      return createOnce(db, req, req.body, (tx) => createProject(tx, req.ctx, req.body, clock.now()))
    },
  })

  app.get('/api/v1/party/stats', {
    config: { access: partyReaders },
    schema: {
      tags,
      summary:
        'Party-building statistics of an area and each child area: network, coverage gaps, reporting members and their hours, co-building, cases with a member (the party readers over the area)',
      querystring: statsQuery,
      response: { 200: statsSchema, ...errorResponses(401, 403, 404) },
    },
    handler: async (req) => {
      const scope = await inScope(db, req.ctx, (tx) => authoriseStats(tx, req.ctx, req.query, clock.now()))
      // Counts only, the same for everyone who reads the area (see stats.ts).
      return asSystem(db, (tx) => partyStats(tx, scope))
    },
  })
}
