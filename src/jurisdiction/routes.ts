import { errorResponses, idParams, type App } from '../core/http.js'
import { createOnce, idempotencyHeaders } from '../core/idempotency.js'
import type { Platform } from '../core/platform.js'
import { id, point, shape } from '../core/schemas.js'
import { inScope, staffRoles } from '../core/scope.js'
import { coverageSchema } from './geometry.js'
import {
  areaCoverage,
  areaDetail,
  areaDetailSchema,
  areaPatchBody,
  areaTree,
  areaTreeSchema,
  boundaries,
  boundariesSchema,
  createArea,
  importBoundaries,
  importBoundariesBody,
  levels,
  locate,
  locationSchema,
  moveArea,
  newAreaBody,
  retireArea,
  updateArea,
} from './service.js'

const tags = ['jurisdiction']

export async function jurisdictionRoutes(app: App, { database }: Platform) {
  const { db } = database

  // The map of areas is public: residents reporting a problem need it before signing in.
  app.get('/api/v1/areas/tree', {
    config: { access: 'public' },
    schema: {
      tags,
      summary: 'The area tree (city → district → street → community → grid)',
      querystring: {
        type: 'object',
        additionalProperties: false,
        properties: { includeRetired: { type: 'boolean', default: false } },
      },
      response: { 200: areaTreeSchema },
    },
    handler: async (req) => ({ areas: await inScope(db, req.ctx, (tx) => areaTree(tx, req.query.includeRetired)) }),
  })

  app.get('/api/v1/areas/locate', {
    config: { access: 'public' },
    schema: {
      tags,
      summary: 'The grid containing a point, with its ancestors',
      querystring: point,
      response: { 200: locationSchema, ...errorResponses(404) },
    },
    handler: async (req) => inScope(db, req.ctx, (tx) => locate(tx, req.query.lng, req.query.lat)),
  })

  app.get('/api/v1/areas/boundaries', {
    config: { access: 'public' },
    schema: {
      tags,
      summary: 'Boundaries below an area as a GeoJSON FeatureCollection',
      querystring: {
        type: 'object',
        required: ['within'],
        additionalProperties: false,
        properties: { within: id, level: { type: 'string', enum: levels } },
      },
      response: { 200: boundariesSchema, ...errorResponses(404) },
    },
    handler: async (req) => inScope(db, req.ctx, (tx) => boundaries(tx, req.query.within, req.query.level)),
  })

  app.get('/api/v1/areas/:id', {
    config: { access: 'public' },
    schema: {
      tags,
      summary: 'One area with its boundary and ancestors',
      params: idParams,
      response: { 200: areaDetailSchema, ...errorResponses(404) },
    },
    handler: async (req) => inScope(db, req.ctx, (tx) => areaDetail(tx, req.params.id)),
  })

  app.get('/api/v1/areas/:id/coverage', {
    config: { access: staffRoles },
    schema: {
      tags,
      summary: 'Gaps and overlaps of the children of an area (seamless grid coverage check)',
      params: idParams,
      response: { 200: coverageSchema, ...errorResponses(401, 403, 404) },
    },
    handler: async (req) => inScope(db, req.ctx, (tx) => areaCoverage(tx, req.ctx, req.params.id)),
  })

  app.post('/api/v1/areas', {
    config: { access: ['admin'] },
    schema: {
      tags,
      summary: 'Create an area under a parent (admin of the parent)',
      headers: idempotencyHeaders,
      body: newAreaBody,
      response: { 201: areaDetailSchema, ...errorResponses(401, 403, 404, 409, 422) },
    },
    handler: async (req, reply) => {
      reply.code(201)
      return createOnce(db, req, req.body, (tx) => createArea(tx, req.ctx, req.body))
    },
  })

  app.patch('/api/v1/areas/:id', {
    config: { access: ['admin'] },
    schema: {
      tags,
      summary: 'Change an area’s code, names, time zone or boundary',
      params: idParams,
      body: areaPatchBody,
      response: { 200: areaDetailSchema, ...errorResponses(401, 403, 404, 409, 422) },
    },
    handler: async (req) => inScope(db, req.ctx, (tx) => updateArea(tx, req.ctx, req.params.id, req.body)),
  })

  app.post('/api/v1/areas/:id/move', {
    config: { access: ['admin'] },
    schema: {
      tags,
      summary: 'Move an area and its subtree under another parent',
      params: idParams,
      body: { type: 'object', required: ['parentId'], additionalProperties: false, properties: { parentId: id } },
      response: { 200: areaDetailSchema, ...errorResponses(401, 403, 404, 409, 422) },
    },
    handler: async (req) => inScope(db, req.ctx, (tx) => moveArea(tx, req.ctx, req.params.id, req.body.parentId)),
  })

  app.post('/api/v1/areas/:id/retire', {
    config: { access: ['admin'] },
    schema: {
      tags,
      summary: 'Retire an area that has no active children',
      params: idParams,
      response: { 200: areaDetailSchema, ...errorResponses(401, 403, 404, 409) },
    },
    handler: async (req) => inScope(db, req.ctx, (tx) => retireArea(tx, req.ctx, req.params.id)),
  })

  app.post('/api/v1/areas/import', {
    config: { access: ['admin'] },
    schema: {
      tags,
      summary: 'Import boundaries from a GeoJSON FeatureCollection (upsert by code, all or nothing)',
      headers: idempotencyHeaders,
      body: importBoundariesBody,
      response: {
        200: shape({ created: { type: 'integer' }, updated: { type: 'integer' } }),
        ...errorResponses(401, 403, 404, 409, 422),
      },
    },
    handler: async (req) =>
      createOnce(
        db,
        req,
        req.body,
        (tx) => importBoundaries(tx, req.ctx, req.body.parentId, req.body.featureCollection.features),
        { status: 200 },
      ),
  })
}
