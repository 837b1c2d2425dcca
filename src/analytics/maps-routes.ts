import { errorResponses, type App } from '../core/http.js'
import type { Platform } from '../core/platform.js'
import { inScope } from '../core/scope.js'
import {
  componentMapSchema,
  componentsQuery,
  disputeMapSchema,
  disputesQuery,
  gridsQuery,
  gridsSchema,
  mapComponents,
  mapDisputes,
  mapGrids,
  mapPoints,
  mapRoles,
  pointsQuery,
  pointsSchema,
  ShapeCache,
} from './maps.js'

const tags = ['statistics']

export async function mapRoutes(app: App, { database, clock }: Platform) {
  // One cache per server: the simplified boundaries of its database's areas.
  const shapes = new ShapeCache()

  app.get('/api/v1/analytics/map/grids', {
    config: { access: mapRoles },
    schema: {
      tags,
      summary:
        'Case density by grid (the choropleth): every leaf area of the subtree with its simplified boundary, cases, open and overdue cases and cases per km² for a period',
      description:
        'Counts from the exact rollup (total, open) and a live count (overdue); the population is that of /stats/cases over whole local days; definitions in the answer.',
      querystring: gridsQuery,
      response: { 200: gridsSchema, ...errorResponses(401, 403, 404) },
    },
    // Maps tolerate a replica's lag like the statistics.
    handler: async (req) =>
      inScope(database.reads, req.ctx, (tx) => mapGrids(tx, req.ctx, req.query, clock.now(), shapes)),
  })

  app.get('/api/v1/analytics/map/points', {
    config: { access: mapRoles },
    schema: {
      tags,
      summary:
        'Case points in a box: single cases at high zoom (capped), otherwise clusters on a fixed grid of cells with exact counts and their centroids',
      querystring: pointsQuery,
      response: { 200: pointsSchema, ...errorResponses(401, 403, 404) },
    },
    handler: async (req) => inScope(database.reads, req.ctx, (tx) => mapPoints(tx, req.ctx, req.query, clock.now())),
  })

  app.get('/api/v1/analytics/map/disputes', {
    config: { access: mapRoles },
    schema: {
      tags,
      summary:
        'Open disputes of the subtree by risk level: located ones as points (no parties, no facts) and all of them counted per area',
      querystring: disputesQuery,
      response: { 200: disputeMapSchema, ...errorResponses(401, 403, 404) },
    },
    handler: async (req) => inScope(database.reads, req.ctx, (tx) => mapDisputes(tx, req.ctx, req.query)),
  })

  app.get('/api/v1/analytics/map/components', {
    config: { access: mapRoles },
    schema: {
      tags,
      summary: 'Components (部件) of the subtree with open cases: how many, and the oldest',
      querystring: componentsQuery,
      response: { 200: componentMapSchema, ...errorResponses(401, 403, 404) },
    },
    handler: async (req) => inScope(database.reads, req.ctx, (tx) => mapComponents(tx, req.ctx, req.query)),
  })
}
