import { errorResponses, idParams, type App } from '../core/http.js'
import { createOnce, idempotencyHeaders } from '../core/idempotency.js'
import { pageSchema } from '../core/paging.js'
import type { Platform } from '../core/platform.js'
import { shape } from '../core/schemas.js'
import { inScope } from '../core/scope.js'
import { emergencyStaff } from './common.js'
import {
  enrolBody,
  enrolResponder,
  listResponders,
  removeResponder,
  responderParams,
  responderSchema,
} from './responders.js'
import {
  allocate,
  allocationBody,
  allocationParams,
  allocationSchema,
  createResource,
  listAllocations,
  listResources,
  newResourceBody,
  resourcePatchBody,
  resourceQuery,
  resourceSchema,
  returnAllocation,
  returnBody,
  updateResource,
} from './resources.js'
import {
  checkIn,
  checkinBody,
  checkOut,
  checkoutParams,
  createShelter,
  incidentShelters,
  incidentShelterSchema,
  listShelters,
  newShelterBody,
  setShelterStatus,
  shelterParams,
  shelterPatchBody,
  shelterQuery,
  shelterSchema,
  shelterStatusBody,
  updateShelter,
} from './shelters.js'
import {
  createTask,
  listTasks,
  myTasks,
  newTaskBody,
  taskAction,
  taskActionBody,
  taskParams,
  taskPatchBody,
  taskQuery,
  taskSchema,
  updateTask,
} from './tasks.js'
import { loadIncident } from './common.js'

const tags = ['emergency']
const list = <S extends object>(item: S) => shape({ items: { type: 'array', items: item } })

// Emergency response on the ground: responders, tasks, the inventory of resources with their
// allocations, shelters with check-ins.
export async function responseRoutes(app: App, { database, clock }: Platform) {
  const { db } = database

  // ── Responders ──────────────────────────────────────────────────────────────────────────────
  app.get('/api/v1/incidents/:id/responders', {
    config: { access: 'signed-in' },
    schema: {
      tags,
      summary: 'The responders of an incident: names, grids, volunteer skills, open tasks (anyone who reads it)',
      params: idParams,
      response: { 200: list(responderSchema), ...errorResponses(401, 404) },
    },
    handler: async (req) =>
      inScope(db, req.ctx, async (tx) => {
        const incident = await loadIncident(tx, req.params.id)
        return { items: await listResponders(tx, incident.id) }
      }),
  })

  app.post('/api/v1/incidents/:id/responders', {
    config: { access: 'signed-in' },
    schema: {
      tags,
      summary:
        'Enrol a volunteer (volunteerId: a services volunteer of the branch with an account) or a staff user (userId) for some grids or all (the command); again changes the grids',
      params: idParams,
      body: enrolBody,
      response: { 200: responderSchema, ...errorResponses(401, 403, 404, 409) },
    },
    handler: async (req) =>
      inScope(db, req.ctx, (tx) => enrolResponder(tx, req.ctx, req.params.id, req.body, clock.now())),
  })

  app.delete('/api/v1/incidents/:id/responders/:userId', {
    config: { access: 'signed-in' },
    schema: {
      tags,
      summary: 'Remove a responder (the command); their tasks stay to be reassigned',
      params: responderParams,
      response: { 204: { type: 'null' }, ...errorResponses(401, 403, 404, 409) },
    },
    handler: async (req, reply) => {
      await inScope(db, req.ctx, (tx) => removeResponder(tx, req.ctx, req.params.id, req.params.userId, clock.now()))
      return reply.code(204).send(null)
    },
  })

  // ── Tasks ───────────────────────────────────────────────────────────────────────────────────
  app.get('/api/v1/emergency/tasks/mine', {
    config: { access: 'signed-in' },
    schema: {
      tags,
      summary: 'Your tasks across active incidents, in progress and open first (the phone list)',
      response: { 200: list(taskSchema), ...errorResponses(401) },
    },
    handler: async (req) => inScope(db, req.ctx, async (tx) => ({ items: await myTasks(tx, req.ctx) })),
  })

  app.get('/api/v1/incidents/:id/tasks', {
    config: { access: 'signed-in' },
    schema: {
      tags,
      summary: 'The tasks of an incident (anyone who reads it): by status, or only yours',
      params: idParams,
      querystring: taskQuery,
      response: { 200: pageSchema(taskSchema), ...errorResponses(401, 404) },
    },
    handler: async (req) => inScope(db, req.ctx, (tx) => listTasks(tx, req.ctx, req.params.id, req.query)),
  })

  app.post('/api/v1/incidents/:id/tasks', {
    config: { access: 'signed-in' },
    schema: {
      tags,
      summary:
        'Give a task to a team or a person (a responder, or staff or a grid worker of the area) (the command); the person is told',
      params: idParams,
      headers: idempotencyHeaders,
      body: newTaskBody,
      response: { 201: taskSchema, ...errorResponses(401, 403, 404, 409) },
    },
    handler: async (req, reply) => {
      reply.code(201)
      return createOnce(db, req, { id: req.params.id, ...req.body }, (tx) =>
        createTask(tx, req.ctx, req.params.id, req.body, clock.now()),
      )
    },
  })

  app.put('/api/v1/incidents/:id/tasks/:taskId', {
    config: { access: 'signed-in' },
    schema: {
      tags,
      summary: 'Edit a task (the command; the version read, else 409 CONFLICT)',
      params: taskParams,
      body: taskPatchBody,
      response: { 200: taskSchema, ...errorResponses(401, 403, 404, 409) },
    },
    handler: async (req) =>
      inScope(db, req.ctx, (tx) => updateTask(tx, req.ctx, req.params.id, req.params.taskId, req.body, clock.now())),
  })

  app.post('/api/v1/incidents/:id/tasks/:taskId/actions', {
    config: { access: 'signed-in' },
    schema: {
      tags,
      summary:
        'start, complete (with a result) — the assignee or the command; cancel, reopen — the command (409 TASK_ILLEGAL_TRANSITION)',
      params: taskParams,
      body: taskActionBody,
      response: { 200: taskSchema, ...errorResponses(401, 403, 404, 409) },
    },
    handler: async (req) =>
      inScope(db, req.ctx, (tx) => taskAction(tx, req.ctx, req.params.id, req.params.taskId, req.body, clock.now())),
  })

  // ── Resources ───────────────────────────────────────────────────────────────────────────────
  app.get('/api/v1/emergency/resources', {
    config: { access: 'signed-in' },
    schema: {
      tags,
      summary: 'The emergency inventory you read (staff and grid workers of the branch): by area and kind',
      querystring: resourceQuery,
      response: { 200: pageSchema(resourceSchema), ...errorResponses(401, 404) },
    },
    handler: async (req) => inScope(db, req.ctx, (tx) => listResources(tx, req.ctx, req.query)),
  })

  app.post('/api/v1/emergency/resources', {
    config: { access: emergencyStaff },
    schema: {
      tags,
      summary: 'Add a resource to an area’s inventory (its admins, leaders and staff)',
      headers: idempotencyHeaders,
      body: newResourceBody,
      response: { 201: resourceSchema, ...errorResponses(401, 403, 404) },
    },
    handler: async (req, reply) => {
      reply.code(201)
      return createOnce(db, req, req.body, (tx) => createResource(tx, req.ctx, req.body, clock.now()))
    },
  })

  app.put('/api/v1/emergency/resources/:id', {
    config: { access: emergencyStaff },
    schema: {
      tags,
      summary:
        'Edit a resource (its area’s staff; the version read); the quantity may not drop below what is out (409 RESOURCE_INSUFFICIENT)',
      params: idParams,
      body: resourcePatchBody,
      response: { 200: resourceSchema, ...errorResponses(401, 403, 404, 409) },
    },
    handler: async (req) =>
      inScope(db, req.ctx, (tx) => updateResource(tx, req.ctx, req.params.id, req.body, clock.now())),
  })

  app.get('/api/v1/incidents/:id/allocations', {
    config: { access: 'signed-in' },
    schema: {
      tags,
      summary: 'What the incident holds of the inventory, newest first (anyone who reads it)',
      params: idParams,
      response: { 200: list(allocationSchema), ...errorResponses(401, 404) },
    },
    handler: async (req) =>
      inScope(db, req.ctx, async (tx) => ({ items: await listAllocations(tx, req.ctx, req.params.id) })),
  })

  app.post('/api/v1/incidents/:id/allocations', {
    config: { access: 'signed-in' },
    schema: {
      tags,
      summary:
        'Allocate a resource of the incident’s branch to it (and a task) (the command); beyond stock: 409 RESOURCE_INSUFFICIENT',
      params: idParams,
      headers: idempotencyHeaders,
      body: allocationBody,
      response: { 201: allocationSchema, ...errorResponses(401, 403, 404, 409) },
    },
    handler: async (req, reply) => {
      reply.code(201)
      return createOnce(db, req, { id: req.params.id, ...req.body }, (tx) =>
        allocate(tx, req.ctx, req.params.id, req.body, clock.now()),
      )
    },
  })

  app.post('/api/v1/incidents/:id/allocations/:allocationId/return', {
    config: { access: 'signed-in' },
    schema: {
      tags,
      summary: 'Give back some or all of an allocation (the command; at most what is out), also after closing',
      params: allocationParams,
      body: returnBody,
      response: { 200: allocationSchema, ...errorResponses(401, 403, 404, 409) },
    },
    handler: async (req) =>
      inScope(db, req.ctx, (tx) =>
        returnAllocation(tx, req.ctx, req.params.id, req.params.allocationId, req.body, clock.now()),
      ),
  })

  // ── Shelters ────────────────────────────────────────────────────────────────────────────────
  app.get('/api/v1/emergency/shelters', {
    config: { access: 'signed-in' },
    schema: {
      tags,
      summary: 'The shelters you read (staff and grid workers of the branch): by area and status',
      querystring: shelterQuery,
      response: { 200: pageSchema(shelterSchema), ...errorResponses(401, 404) },
    },
    handler: async (req) => inScope(db, req.ctx, (tx) => listShelters(tx, req.ctx, req.query)),
  })

  app.post('/api/v1/emergency/shelters', {
    config: { access: emergencyStaff },
    schema: {
      tags,
      summary: 'Add a shelter to an area (its admins, leaders and staff); it starts on standby',
      headers: idempotencyHeaders,
      body: newShelterBody,
      response: { 201: shelterSchema, ...errorResponses(401, 403, 404) },
    },
    handler: async (req, reply) => {
      reply.code(201)
      return createOnce(db, req, req.body, (tx) => createShelter(tx, req.ctx, req.body, clock.now()))
    },
  })

  app.put('/api/v1/emergency/shelters/:id', {
    config: { access: emergencyStaff },
    schema: {
      tags,
      summary: 'Edit a shelter (its area’s staff; the version read); the capacity may not drop below who is in',
      params: idParams,
      body: shelterPatchBody,
      response: { 200: shelterSchema, ...errorResponses(401, 403, 404, 409) },
    },
    handler: async (req) =>
      inScope(db, req.ctx, (tx) => updateShelter(tx, req.ctx, req.params.id, req.body, clock.now())),
  })

  app.post('/api/v1/emergency/shelters/:id/status', {
    config: { access: emergencyStaff },
    schema: {
      tags,
      summary: 'Open, stand by or close a shelter (its area’s staff); only an empty shelter leaves open',
      params: idParams,
      body: shelterStatusBody,
      response: { 200: shelterSchema, ...errorResponses(401, 403, 404, 409) },
    },
    handler: async (req) =>
      inScope(db, req.ctx, (tx) => setShelterStatus(tx, req.ctx, req.params.id, req.body, clock.now())),
  })

  app.get('/api/v1/incidents/:id/shelters', {
    config: { access: 'signed-in' },
    schema: {
      tags,
      summary:
        'The shelters of the incident’s branch with occupancy and who checked in for it (names masked to volunteers)',
      params: idParams,
      response: { 200: list(incidentShelterSchema), ...errorResponses(401, 404) },
    },
    handler: async (req) =>
      inScope(db, req.ctx, async (tx) => ({ items: await incidentShelters(tx, req.ctx, req.params.id) })),
  })

  app.post('/api/v1/incidents/:id/shelters/:shelterId/checkins', {
    config: { access: 'signed-in' },
    schema: {
      tags,
      summary:
        'Check a registry person or a named person in (anyone working the incident): 409 SHELTER_NOT_OPEN, SHELTER_FULL, CONFLICT (in already)',
      params: shelterParams,
      headers: idempotencyHeaders,
      body: checkinBody,
      response: { 200: incidentShelterSchema, ...errorResponses(401, 403, 404, 409) },
    },
    // A phone that retries a lost answer with the same Idempotency-Key checks the family in once.
    handler: async (req) =>
      createOnce(
        db,
        req,
        { ...req.params, ...req.body },
        (tx) => checkIn(tx, req.ctx, req.params.id, req.params.shelterId, req.body, clock.now()),
        { status: 200 },
      ),
  })

  app.post('/api/v1/incidents/:id/shelters/:shelterId/checkins/:checkinId/checkout', {
    config: { access: 'signed-in' },
    schema: {
      tags,
      summary: 'Check someone out of the shelter (anyone working the incident)',
      params: checkoutParams,
      response: { 200: incidentShelterSchema, ...errorResponses(401, 403, 404) },
    },
    handler: async (req) =>
      inScope(db, req.ctx, (tx) =>
        checkOut(tx, req.ctx, req.params.id, req.params.shelterId, req.params.checkinId, clock.now()),
      ),
  })
}
