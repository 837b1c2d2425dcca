import { errorResponses, idParams, type App, type Input } from '../core/http.js'
import { createOnce, idempotencyHeaders } from '../core/idempotency.js'
import { pageSchema } from '../core/paging.js'
import type { Platform } from '../core/platform.js'
import { inScope } from '../core/scope.js'
import { emergencyStaff, responderRoles } from './common.js'
import {
  addGrids,
  addGridsBody,
  addNote,
  changeLevel,
  closeBody,
  closeIncident,
  declareIncident,
  incidentDetail,
  incidentDetailSchema,
  incidentFilterQuery,
  incidentLog,
  incidentMap,
  incidentStats,
  incidentViewSchema,
  levelBody,
  listIncidents,
  logEntrySchema,
  logPageSchema,
  logQuery,
  mapSchema,
  newIncidentBody,
  noteBody,
  statsQuery,
  statsSchema,
  updateIncident,
  updateIncidentBody,
} from './incidents.js'
import { reportFacts, reportPdf } from './report.js'

const tags = ['emergency']

export async function incidentRoutes(app: App, { database, clock }: Platform) {
  const { db } = database

  app.post('/api/v1/incidents', {
    config: { access: emergencyStaff },
    schema: {
      tags,
      summary:
        'Declare an incident over grids (chosen, or drawn as a polygon) of a community or street: the check list is made at once, responders are told',
      headers: idempotencyHeaders,
      body: newIncidentBody,
      response: { 201: incidentDetailSchema, ...errorResponses(400, 401, 403, 404, 422) },
    },
    handler: async (req, reply) => {
      reply.code(201)
      return createOnce(db, req, req.body, async (tx) => {
        const { id } = await declareIncident(tx, req.ctx, req.body, clock.now())
        return incidentDetail(tx, req.ctx, id)
      })
    },
  })

  app.get('/api/v1/incidents', {
    config: { access: 'signed-in' },
    schema: {
      tags,
      summary:
        'Incidents you may see (your branch of the area tree, or those you respond to): active first, newest first',
      querystring: incidentFilterQuery,
      response: { 200: pageSchema(incidentViewSchema), ...errorResponses(401, 404) },
    },
    handler: async (req) => inScope(db, req.ctx, (tx) => listIncidents(tx, req.ctx, req.query)),
  })

  app.get('/api/v1/incidents/stats', {
    config: { access: responderRoles },
    schema: {
      tags,
      summary:
        'Incidents by kind and level, time to reach vulnerable people, alerts sent: real incidents and drills apart',
      querystring: statsQuery,
      response: { 200: statsSchema, ...errorResponses(400, 401, 403, 404) },
    },
    handler: async (req) => inScope(db, req.ctx, (tx) => incidentStats(tx, req.ctx, req.query)),
  })

  app.get('/api/v1/incidents/:id', {
    config: { access: 'signed-in' },
    schema: {
      tags,
      summary: 'One incident: the command view’s header (grids, commander, counts of checks, alerts, tasks, shelters)',
      params: idParams,
      response: { 200: incidentDetailSchema, ...errorResponses(401, 404) },
    },
    handler: async (req) => inScope(db, req.ctx, (tx) => incidentDetail(tx, req.ctx, req.params.id)),
  })

  app.get('/api/v1/incidents/:id/map', {
    config: { access: 'signed-in' },
    schema: {
      tags,
      summary: 'The affected grids as GeoJSON with the check list’s progress per grid, and the drawn area if any',
      params: idParams,
      response: { 200: mapSchema, ...errorResponses(401, 404) },
    },
    handler: async (req) => inScope(db, req.ctx, (tx) => incidentMap(tx, req.params.id)),
  })

  app.put('/api/v1/incidents/:id', {
    config: { access: emergencyStaff },
    schema: {
      tags,
      summary: 'Change title, description, commander or escalation time (the command; the version you read)',
      params: idParams,
      body: updateIncidentBody,
      response: { 200: incidentDetailSchema, ...errorResponses(400, 401, 403, 404, 409, 422) },
    },
    handler: async (req) =>
      inScope(db, req.ctx, async (tx) => {
        await updateIncident(tx, req.ctx, req.params.id, req.body, clock.now())
        return incidentDetail(tx, req.ctx, req.params.id)
      }),
  })

  app.post('/api/v1/incidents/:id/grids', {
    config: { access: emergencyStaff },
    schema: {
      tags,
      summary: 'Add grids of the incident’s area: their vulnerable people join the check list',
      params: idParams,
      body: addGridsBody,
      response: { 200: incidentDetailSchema, ...errorResponses(400, 401, 403, 404, 409, 422) },
    },
    handler: async (req) =>
      inScope(db, req.ctx, async (tx) => {
        await addGrids(tx, req.ctx, req.params.id, req.body.gridIds, clock.now())
        return incidentDetail(tx, req.ctx, req.params.id)
      }),
  })

  app.post('/api/v1/incidents/:id/level', {
    config: { access: emergencyStaff },
    schema: {
      tags,
      summary: 'Raise or lower the level (1 = Ⅰ, most severe) with a reason: audited, logged, responders told',
      params: idParams,
      body: levelBody,
      response: { 200: incidentDetailSchema, ...errorResponses(400, 401, 403, 404, 409, 422) },
    },
    handler: async (req) =>
      inScope(db, req.ctx, async (tx) => {
        await changeLevel(tx, req.ctx, req.params.id, req.body, clock.now())
        return incidentDetail(tx, req.ctx, req.params.id)
      }),
  })

  app.post('/api/v1/incidents/:id/close', {
    config: { access: emergencyStaff },
    schema: {
      tags,
      summary: 'Close the incident with its summary: escalations stop, logged, audited, responders told',
      params: idParams,
      body: closeBody,
      response: { 200: incidentDetailSchema, ...errorResponses(400, 401, 403, 404, 409) },
    },
    handler: async (req) =>
      inScope(db, req.ctx, async (tx) => {
        await closeIncident(tx, req.ctx, req.params.id, req.body.summary, clock.now())
        return incidentDetail(tx, req.ctx, req.params.id)
      }),
  })

  app.get('/api/v1/incidents/:id/log', {
    config: { access: 'signed-in' },
    schema: {
      tags,
      summary: 'The incident log (the timeline), oldest first, 50 entries after `after`',
      params: idParams,
      querystring: logQuery,
      response: { 200: logPageSchema, ...errorResponses(401, 404) },
    },
    handler: async (req) => inScope(db, req.ctx, (tx) => incidentLog(tx, req.params.id, req.query.after ?? 0)),
  })

  app.post('/api/v1/incidents/:id/log', {
    config: { access: 'signed-in' },
    schema: {
      tags,
      summary: 'A note in the log by anyone working the incident',
      params: idParams,
      body: noteBody,
      response: { 201: logEntrySchema, ...errorResponses(400, 401, 404, 409) },
    },
    handler: async (req, reply) => {
      reply.code(201)
      return inScope(db, req.ctx, (tx) => addNote(tx, req.ctx, req.params.id, req.body.message, clock.now()))
    },
  })

  const binary = { schema: { type: 'string', format: 'binary' } } as const
  app.get<{ Params: Input<typeof idParams>; Reply: Buffer }>('/api/v1/incidents/:id/report', {
    config: { access: 'signed-in' },
    schema: {
      tags,
      summary:
        'The after-action report (PDF, in Chinese): timeline, reach of alerts, check coverage, time to reach, resources',
      params: idParams,
      response: {
        200: { description: 'The report', content: { 'application/pdf': binary } },
        ...errorResponses(401, 404),
      },
    },
    handler: async (req, reply) => {
      const facts = await inScope(db, req.ctx, (tx) => reportFacts(tx, req.ctx, req.params.id))
      const pdf = await reportPdf(facts, clock.now())
      return reply
        .type('application/pdf')
        .header('content-disposition', `attachment; filename="incident-${facts.reference}.pdf"`)
        .header('cache-control', 'private, no-store')
        .send(pdf)
    },
  })
}
