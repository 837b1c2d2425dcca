import type { FastifyInstance } from 'fastify'
import { errorResponses, idParams } from '../core/http.js'
import { idempotencyHeaders as idempotencyHeader, idempotent, sendReply } from '../core/idempotency.js'
import type { Platform } from '../core/platform.js'
import { inScope, requireRoleSomewhere, staffRoles } from '../core/scope.js'
import { boundarySchema } from './geometry.js'
import {
  areaCoverage,
  areaDetail,
  areaTree,
  boundaries,
  createArea,
  importBoundaries,
  levels,
  locate,
  moveArea,
  retireArea,
  updateArea,
  type BoundaryFeature,
  type Level,
  type NewArea,
} from './service.js'

const tags = ['jurisdiction']
const summary = {
  type: 'object',
  required: ['id', 'parentId', 'level', 'code', 'nameZh', 'nameEn'],
  properties: {
    id: { type: 'integer' },
    parentId: { type: ['integer', 'null'] },
    level: { type: 'string', enum: levels },
    code: { type: 'string' },
    nameZh: { type: 'string' },
    nameEn: { type: 'string' },
  },
} as const
const detail = {
  type: 'object',
  properties: {
    ...summary.properties,
    timezone: { type: 'string' },
    retiredAt: { type: ['string', 'null'] },
    areaM2: { type: 'number' },
    boundary: { type: 'object', additionalProperties: true },
    ancestors: { type: 'array', items: summary },
  },
} as const
const code = { type: 'string', pattern: '^[A-Za-z0-9_-]{1,40}$' }
const name = { type: 'string', minLength: 1, maxLength: 100 }
const timezone = { type: 'string', minLength: 1, maxLength: 64 }

export async function jurisdictionRoutes(app: FastifyInstance, { database }: Platform) {
  const { db } = database

  app.get('/api/v1/areas/tree', {
    schema: {
      tags,
      summary: 'The area tree (city → district → street → community → grid)',
      querystring: {
        type: 'object',
        additionalProperties: false,
        properties: { includeRetired: { type: 'boolean', default: false } },
      },
      response: {
        200: {
          type: 'object',
          properties: { areas: { type: 'array', items: { type: 'object', additionalProperties: true } } },
        },
      },
    },
    handler: async (req) => {
      const { includeRetired } = req.query as { includeRetired: boolean }
      return { areas: await inScope(db, req.ctx, (tx) => areaTree(tx, includeRetired)) }
    },
  })

  app.get('/api/v1/areas/locate', {
    schema: {
      tags,
      summary: 'The grid containing a point, with its ancestors',
      querystring: {
        type: 'object',
        required: ['lng', 'lat'],
        additionalProperties: false,
        properties: {
          lng: { type: 'number', minimum: -180, maximum: 180 },
          lat: { type: 'number', minimum: -90, maximum: 90 },
        },
      },
      response: {
        200: { type: 'object', properties: { grid: summary, ancestors: { type: 'array', items: summary } } },
        ...errorResponses(404),
      },
    },
    handler: async (req) => {
      const { lng, lat } = req.query as { lng: number; lat: number }
      return inScope(db, req.ctx, (tx) => locate(tx, lng, lat))
    },
  })

  app.get('/api/v1/areas/boundaries', {
    schema: {
      tags,
      summary: 'Boundaries below an area as a GeoJSON FeatureCollection',
      querystring: {
        type: 'object',
        required: ['within'],
        additionalProperties: false,
        properties: {
          within: { type: 'integer', minimum: 1, maximum: 2147483647 },
          level: { type: 'string', enum: levels },
        },
      },
      response: { 200: { type: 'object', additionalProperties: true }, ...errorResponses(404) },
    },
    handler: async (req) => {
      const { within, level } = req.query as { within: number; level?: Level }
      return inScope(db, req.ctx, (tx) => boundaries(tx, within, level))
    },
  })

  app.get('/api/v1/areas/:id', {
    schema: {
      tags,
      summary: 'One area with its boundary and ancestors',
      params: idParams,
      response: { 200: detail, ...errorResponses(404) },
    },
    handler: async (req) => inScope(db, req.ctx, (tx) => areaDetail(tx, (req.params as { id: number }).id)),
  })

  app.get('/api/v1/areas/:id/coverage', {
    schema: {
      tags,
      summary: 'Gaps and overlaps of the children of an area (seamless grid coverage check)',
      params: idParams,
      response: { 200: { type: 'object', additionalProperties: true }, ...errorResponses(401, 403, 404) },
    },
    handler: async (req) => {
      requireRoleSomewhere(req.ctx, staffRoles)
      return inScope(db, req.ctx, (tx) => areaCoverage(tx, req.ctx, (req.params as { id: number }).id))
    },
  })

  app.post('/api/v1/areas', {
    schema: {
      tags,
      summary: 'Create an area under a parent (admin of the parent)',
      headers: idempotencyHeader,
      body: {
        type: 'object',
        required: ['parentId', 'code', 'nameZh', 'nameEn', 'boundary'],
        additionalProperties: false,
        properties: {
          parentId: { type: 'integer', minimum: 1, maximum: 2147483647 },
          level: { type: 'string', enum: levels },
          code,
          nameZh: name,
          nameEn: name,
          timezone,
          boundary: boundarySchema,
        },
      },
      response: { 201: detail, ...errorResponses(401, 403, 404, 409, 422) },
    },
    handler: async (req, reply) => {
      requireRoleSomewhere(req.ctx, ['admin'])
      const body = req.body as NewArea
      const result = await inScope(db, req.ctx, (tx) =>
        idempotent(tx, req.ctx, req.headers['idempotency-key'] as string | undefined, body, async () => ({
          status: 201,
          body: await createArea(tx, req.ctx, body),
        })),
      )
      return sendReply(reply as never, result)
    },
  })

  app.patch('/api/v1/areas/:id', {
    schema: {
      tags,
      summary: 'Change an area’s code, names, time zone or boundary',
      params: idParams,
      body: {
        type: 'object',
        additionalProperties: false,
        minProperties: 1,
        properties: { code, nameZh: name, nameEn: name, timezone, boundary: boundarySchema },
      },
      response: { 200: detail, ...errorResponses(401, 403, 404, 409, 422) },
    },
    handler: async (req) => {
      requireRoleSomewhere(req.ctx, ['admin'])
      return inScope(db, req.ctx, (tx) =>
        updateArea(tx, req.ctx, (req.params as { id: number }).id, req.body as object),
      )
    },
  })

  app.post('/api/v1/areas/:id/move', {
    schema: {
      tags,
      summary: 'Move an area and its subtree under another parent',
      params: idParams,
      body: {
        type: 'object',
        required: ['parentId'],
        additionalProperties: false,
        properties: { parentId: { type: 'integer', minimum: 1, maximum: 2147483647 } },
      },
      response: { 200: detail, ...errorResponses(401, 403, 404, 409, 422) },
    },
    handler: async (req) => {
      requireRoleSomewhere(req.ctx, ['admin'])
      const { parentId } = req.body as { parentId: number }
      return inScope(db, req.ctx, (tx) => moveArea(tx, req.ctx, (req.params as { id: number }).id, parentId))
    },
  })

  app.post('/api/v1/areas/:id/retire', {
    schema: {
      tags,
      summary: 'Retire an area that has no active children',
      params: idParams,
      response: { 200: detail, ...errorResponses(401, 403, 404, 409) },
    },
    handler: async (req) => {
      requireRoleSomewhere(req.ctx, ['admin'])
      return inScope(db, req.ctx, (tx) => retireArea(tx, req.ctx, (req.params as { id: number }).id))
    },
  })

  app.post('/api/v1/areas/import', {
    schema: {
      tags,
      summary: 'Import boundaries from a GeoJSON FeatureCollection (upsert by code, all or nothing)',
      headers: idempotencyHeader,
      body: {
        type: 'object',
        required: ['parentId', 'featureCollection'],
        additionalProperties: false,
        properties: {
          parentId: { type: 'integer', minimum: 1, maximum: 2147483647 },
          featureCollection: {
            type: 'object',
            required: ['type', 'features'],
            properties: {
              type: { const: 'FeatureCollection' },
              features: {
                type: 'array',
                maxItems: 5000,
                items: {
                  type: 'object',
                  required: ['type', 'geometry', 'properties'],
                  properties: {
                    type: { const: 'Feature' },
                    geometry: boundarySchema,
                    properties: {
                      type: 'object',
                      required: ['code', 'nameZh', 'nameEn'],
                      properties: { code, nameZh: name, nameEn: name, parentCode: code },
                    },
                  },
                },
              },
            },
          },
        },
      },
      response: {
        200: { type: 'object', properties: { created: { type: 'integer' }, updated: { type: 'integer' } } },
        ...errorResponses(401, 403, 404, 409, 422),
      },
    },
    handler: async (req, reply) => {
      requireRoleSomewhere(req.ctx, ['admin'])
      const body = req.body as { parentId: number; featureCollection: { features: BoundaryFeature[] } }
      const result = await inScope(db, req.ctx, (tx) =>
        idempotent(tx, req.ctx, req.headers['idempotency-key'] as string | undefined, body, async () => ({
          status: 200,
          body: await importBoundaries(tx, req.ctx, body.parentId, body.featureCollection.features),
        })),
      )
      return sendReply(reply as never, result)
    },
  })
}
