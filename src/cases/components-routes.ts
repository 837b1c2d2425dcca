import { errorResponses, idParams, type App } from '../core/http.js'
import { createOnce, idempotencyHeaders } from '../core/idempotency.js'
import { pageSchema } from '../core/paging.js'
import type { Platform } from '../core/platform.js'
import { inScope } from '../core/scope.js'
import {
  componentClasses,
  componentClassesSchema,
  componentDetail,
  componentDetailSchema,
  componentGeoJson,
  componentGeoQuery,
  componentGeoSchema,
  componentItemSchema,
  componentKeepers,
  componentListQuery,
  componentReaders,
  createComponent,
  importComponents,
  importComponentsBody,
  importResultSchema,
  listComponents,
  newComponentBody,
  updateComponent,
  updateComponentBody,
} from './components.js'

const tags = ['cases']

/** Components (部件): the standard classes, the inventory, its map and its import. */
export async function componentRoutes(app: App, { database, clock }: Platform) {
  const { db } = database

  app.get('/api/v1/component-classes', {
    // The standard's class table is public knowledge, like the catalogue.
    config: { access: 'public' },
    schema: {
      tags,
      summary: 'The standard classes of components and events (GB/T 30428.2): main classes and subclasses',
      response: { 200: componentClassesSchema },
    },
    handler: async () => componentClasses(),
  })

  app.get('/api/v1/components', {
    config: { access: componentReaders },
    schema: {
      tags,
      summary:
        'Components the caller reads (staff over the grid, the owning department), by id; filters by class, state, area subtree, owner, bounding box, code or name, open cases, the case about it',
      querystring: componentListQuery,
      response: { 200: pageSchema(componentItemSchema), ...errorResponses(401, 403, 404) },
    },
    handler: async (req) => inScope(db, req.ctx, (tx) => listComponents(tx, req.query)),
  })

  app.get('/api/v1/components/geojson', {
    config: { access: componentReaders },
    schema: {
      tags,
      summary:
        'Components in a bounding box as a GeoJSON FeatureCollection for the map; past `limit`, thinned to one marker per cell',
      querystring: componentGeoQuery,
      response: { 200: componentGeoSchema, ...errorResponses(401, 403) },
    },
    handler: async (req) => inScope(db, req.ctx, (tx) => componentGeoJson(tx, req.query)),
  })

  app.post('/api/v1/components', {
    config: { access: componentKeepers },
    schema: {
      tags,
      summary: 'Register a component: classed, located into its grid, with an owning department',
      headers: idempotencyHeaders,
      body: newComponentBody,
      response: { 201: componentDetailSchema, ...errorResponses(401, 403, 404, 409, 422) },
    },
    handler: async (req, reply) => {
      reply.code(201)
      return createOnce(db, req, req.body, (tx) => createComponent(tx, req.ctx, req.body, clock.now()))
    },
  })

  app.get('/api/v1/components/:id', {
    config: { access: componentReaders },
    schema: {
      tags,
      summary: 'One component: its facts and the cases about it',
      params: idParams,
      response: { 200: componentDetailSchema, ...errorResponses(401, 403, 404) },
    },
    handler: async (req) => inScope(db, req.ctx, (tx) => componentDetail(tx, req.ctx, req.params.id)),
  })

  app.patch('/api/v1/components/:id', {
    config: { access: componentKeepers },
    schema: {
      tags,
      summary: 'Change a component (the version read): class, category, name, place, owner, attributes, state',
      params: idParams,
      body: updateComponentBody,
      response: { 200: componentDetailSchema, ...errorResponses(401, 403, 404, 409, 422) },
    },
    handler: async (req) =>
      inScope(db, req.ctx, (tx) => updateComponent(tx, req.ctx, req.params.id, req.body, clock.now())),
  })

  app.post('/api/v1/components/import', {
    config: { access: componentKeepers },
    schema: {
      tags,
      summary:
        'Import components from CSV or GeoJSON, by code (new codes created, known ones updated, so a second import changes nothing); bad rows reported with row and field',
      body: importComponentsBody,
      response: { 200: importResultSchema, ...errorResponses(401, 403) },
    },
    handler: async (req) => inScope(db, req.ctx, (tx) => importComponents(tx, req.ctx, req.body, clock.now())),
  })
}
