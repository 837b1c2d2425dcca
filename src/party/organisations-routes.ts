import { errorResponses, idParams, type App } from '../core/http.js'
import { createOnce, idempotencyHeaders } from '../core/idempotency.js'
import { pageSchema } from '../core/paging.js'
import type { Platform } from '../core/platform.js'
import { inScope } from '../core/scope.js'
import { partyKeepers, partyReaders } from './common.js'
import {
  areaQuery,
  coverageSchema,
  createOrganisation,
  listOrganisations,
  listQuery,
  mapSchema,
  newOrganisationBody,
  organisationDetail,
  organisationDetailSchema,
  organisationItemSchema,
  organisationTree,
  partyCoverage,
  partyMap,
  treeQuery,
  treeSchema,
  updateOrganisation,
  updateOrganisationBody,
} from './organisations.js'

const tags = ['party']

/** The party-organisation network: list, tree, create, detail, change/dissolve, coverage and map. */
export async function organisationsRoutes(app: App, { database, clock }: Platform) {
  const { db } = database

  app.get('/api/v1/party/organisations', {
    config: { access: partyReaders },
    schema: {
      tags,
      summary:
        'Party organisations the caller reads (on their branch of the area tree), by code; filters by area subtree, kind, sector, status, parent, code or name',
      querystring: listQuery,
      response: { 200: pageSchema(organisationItemSchema), ...errorResponses(401, 403, 404) },
    },
    handler: async (req) => inScope(db, req.ctx, (tx) => listOrganisations(tx, req.query)),
  })

  app.get('/api/v1/party/organisations/tree', {
    config: { access: partyReaders },
    schema: {
      tags,
      summary:
        'The organisations on an area’s branch (above it and below) as a depth-first tree with parentId, depth and member counts',
      querystring: treeQuery,
      response: { 200: treeSchema, ...errorResponses(401, 403, 404) },
    },
    handler: async (req) => inScope(db, req.ctx, (tx) => organisationTree(tx, req.query)),
  })

  app.post('/api/v1/party/organisations', {
    config: { access: partyKeepers },
    schema: {
      tags,
      summary:
        'Create a party organisation: on its parent’s branch of the area tree; enterprise and social-organisation branches name their registry organisation, institutions a department, compounds their buildings; audited',
      headers: idempotencyHeaders,
      body: newOrganisationBody,
      response: { 201: organisationDetailSchema, ...errorResponses(401, 403, 404, 409, 422) },
    },
    handler: async (req, reply) => {
      reply.code(201)
      return createOnce(db, req, req.body, (tx) => createOrganisation(tx, req.ctx, req.body, clock.now()))
    },
  })

  app.get('/api/v1/party/organisations/:id', {
    config: { access: partyReaders },
    schema: {
      tags,
      summary:
        'One party organisation: parent, children, registry organisation, department, buildings, secretary (masked), member counts by role and standing, co-building agreements',
      params: idParams,
      response: { 200: organisationDetailSchema, ...errorResponses(401, 403, 404) },
    },
    handler: async (req) => inScope(db, req.ctx, (tx) => organisationDetail(tx, req.ctx, req.params.id)),
  })

  app.patch('/api/v1/party/organisations/:id', {
    config: { access: partyKeepers },
    schema: {
      tags,
      summary:
        'Change a party organisation (the version read): name, parent, area, founding day, buildings; or dissolve it (no active members or organisations below); audited',
      params: idParams,
      body: updateOrganisationBody,
      response: { 200: organisationDetailSchema, ...errorResponses(401, 403, 404, 409, 422) },
    },
    handler: async (req) =>
      inScope(db, req.ctx, async (tx) => {
        await updateOrganisation(tx, req.ctx, req.params.id, req.body, clock.now())
        return organisationDetail(tx, req.ctx, req.params.id)
      }),
  })

  app.get('/api/v1/party/coverage', {
    config: { access: partyReaders },
    schema: {
      tags,
      summary:
        'Coverage under an area: communities and grids with no active organisation attached, residential buildings outside every compound branch (counts, lists of at most 200)',
      querystring: areaQuery,
      response: { 200: coverageSchema, ...errorResponses(401, 403, 404) },
    },
    handler: async (req) => inScope(db, req.ctx, (tx) => partyCoverage(tx, req.ctx, req.query)),
  })

  app.get('/api/v1/party/map', {
    config: { access: partyReaders },
    schema: {
      tags,
      summary:
        'The active organisations under an area with a point (the registry organisation’s, the compound’s buildings’ centre, else the area’s), and the uncovered grids’ outlines',
      querystring: areaQuery,
      response: { 200: mapSchema, ...errorResponses(401, 403, 404) },
    },
    handler: async (req) => inScope(db, req.ctx, (tx) => partyMap(tx, req.ctx, req.query)),
  })
}
