import { errorResponses, idParams, type App } from '../core/http.js'
import { createOnce, idempotencyHeaders } from '../core/idempotency.js'
import { pageSchema } from '../core/paging.js'
import type { Platform } from '../core/platform.js'
import { inScope } from '../core/scope.js'
import { gridReaders, patrollers } from './common.js'
import {
  dayTracks,
  endPatrol,
  endPatrolBody,
  listPatrols,
  patrolDetail,
  patrolDetailSchema,
  patrolItemSchema,
  patrolListQuery,
  patrolStats,
  pointsBody,
  pointsResultSchema,
  recordPoints,
  startPatrol,
  startPatrolBody,
  statsQuery,
  statsSchema,
  tracksQuery,
  tracksSchema,
} from './patrols.js'
import { gridProfile, profileSchema } from './profile.js'

const tags = ['grid']

/** Grid work: patrol logs with their tracks, patrol statistics and coverage, the day's tracks, grid profiles. */
export async function gridRoutes(app: App, { database, clock }: Platform) {
  const { db } = database

  app.post('/api/v1/grid/patrols', {
    config: { access: patrollers },
    schema: {
      tags,
      summary:
        'Start a patrol on one of your grids (grid workers; one active patrol at a time: a second is 409 PATROL_ALREADY_ACTIVE); audited',
      headers: idempotencyHeaders,
      body: startPatrolBody,
      response: { 201: patrolDetailSchema, ...errorResponses(401, 403, 404, 409) },
    },
    handler: async (req, reply) => {
      reply.code(201)
      return createOnce(db, req, req.body, (tx) => startPatrol(tx, req.ctx, req.body, clock.now()))
    },
  })

  app.get('/api/v1/grid/patrols', {
    config: { access: gridReaders },
    schema: {
      tags,
      summary:
        'Patrols the caller reads (their own; all under the areas where they read the registry), newest first; filters by area subtree, worker, active, days',
      querystring: patrolListQuery,
      response: { 200: pageSchema(patrolItemSchema), ...errorResponses(401, 403, 404) },
    },
    handler: async (req) => inScope(db, req.ctx, (tx) => listPatrols(tx, req.ctx, req.query, clock.now())),
  })

  app.get('/api/v1/grid/patrols/:id', {
    config: { access: gridReaders },
    schema: {
      tags,
      summary:
        'One patrol: duration, distance, its track (points in time order), the grids it crossed and the worker’s patrol cases filed during it',
      params: idParams,
      response: { 200: patrolDetailSchema, ...errorResponses(401, 403, 404) },
    },
    handler: async (req) => inScope(db, req.ctx, (tx) => patrolDetail(tx, req.params.id, clock.now())),
  })

  app.post('/api/v1/grid/patrols/:id/points', {
    config: { access: patrollers },
    schema: {
      tags,
      summary:
        'Add a batch of track points (at most 500, each with its own client time, any order) to your active patrol; send an Idempotency-Key per batch: a repeated batch counts once, and a point already stored for its time is a duplicate. 403 PATROL_NOT_YOURS for another worker’s patrol, 409 PATROL_ENDED after the end',
      headers: idempotencyHeaders,
      params: idParams,
      body: pointsBody,
      response: { 200: pointsResultSchema, ...errorResponses(401, 403, 404, 409, 422) },
    },
    handler: async (req) =>
      createOnce(
        db,
        req,
        { id: req.params.id, ...req.body },
        (tx) => recordPoints(tx, req.ctx, req.params.id, req.body, clock.now()),
        { status: 200 },
      ),
  })

  app.post('/api/v1/grid/patrols/:id/end', {
    config: { access: patrollers },
    schema: {
      tags,
      summary:
        'End your active patrol, with its last points if any; the log then holds its final duration, distance and grids; audited',
      headers: idempotencyHeaders,
      params: idParams,
      body: endPatrolBody,
      response: { 200: patrolDetailSchema, ...errorResponses(401, 403, 404, 409, 422) },
    },
    handler: async (req) =>
      createOnce(
        db,
        req,
        { id: req.params.id, ...req.body },
        (tx) => endPatrol(tx, req.ctx, req.params.id, req.body, clock.now()),
        { status: 200 },
      ),
  })

  app.get('/api/v1/grid/patrol-stats', {
    config: { access: gridReaders },
    schema: {
      tags,
      summary:
        'Patrol figures of an area over a period: per worker and per grid patrols, hours, distance, reports and valid reports (有效上报), and coverage (grids with no patrol in idleDays)',
      querystring: statsQuery,
      response: { 200: statsSchema, ...errorResponses(401, 403, 404) },
    },
    handler: async (req) => inScope(db, req.ctx, (tx) => patrolStats(tx, req.ctx, req.query, clock.now())),
  })

  app.get('/api/v1/grid/patrol-tracks', {
    config: { access: gridReaders },
    schema: {
      tags,
      summary: 'The tracks of a day’s patrols under an area, for the map',
      querystring: tracksQuery,
      response: { 200: tracksSchema, ...errorResponses(401, 403, 404) },
    },
    handler: async (req) => inScope(db, req.ctx, (tx) => dayTracks(tx, req.ctx, req.query, clock.now())),
  })

  app.get('/api/v1/areas/:id/profile', {
    config: { access: gridReaders },
    schema: {
      tags,
      summary:
        'A grid’s profile: households, people, buildings, special-care people (registry), open and overdue cases, its workers with their duty types, the last patrol, and a warning when households fall outside the configured band (default 300–500)',
      params: idParams,
      response: { 200: profileSchema, ...errorResponses(401, 403, 404, 422) },
    },
    handler: async (req) => inScope(db, req.ctx, (tx) => gridProfile(tx, req.ctx, req.params.id, clock.now())),
  })
}
