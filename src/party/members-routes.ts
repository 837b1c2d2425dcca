import { errorResponses, idParams, type App } from '../core/http.js'
import { createOnce, idempotencyHeaders } from '../core/idempotency.js'
import { pageSchema } from '../core/paging.js'
import type { Platform } from '../core/platform.js'
import { shape } from '../core/schemas.js'
import { inScope } from '../core/scope.js'
import {
  assignmentPatchBody,
  assignmentQuery,
  assignmentSchema,
  createAssignment,
  endAssignment,
  listAssignments,
  newAssignmentBody,
} from './assignments.js'
import { partyKeepers, partyReaders } from './common.js'
import {
  createMember,
  listMembers,
  memberDetail,
  memberDetailSchema,
  memberPatchBody,
  memberQuery,
  memberSchema,
  newMemberBody,
  updateMember,
} from './members.js'
import {
  createReport,
  listReports,
  newReportBody,
  reportPatchBody,
  reportQuery,
  reportSchema,
  withdrawReport,
} from './reports.js'

const tags = ['party']

// Party members: registry people in the network, their reporting to the community where they live
// (在职党员到社区报到, service done as volunteers of the services module) and their assignments to
// grids and cases (下沉干部, 党员领办). Read on the branch (partyReaders), kept over the area (partyKeepers).
export async function membersRoutes(app: App, { database, clock }: Platform) {
  const { db } = database

  app.get('/api/v1/party/members', {
    config: { access: partyReaders },
    schema: {
      tags,
      summary:
        'Party members you read (on the branch of their organisation or reporting to your communities), names masked as the registry would show them to you',
      querystring: memberQuery,
      response: { 200: pageSchema(memberSchema), ...errorResponses(401, 403, 404) },
    },
    handler: async (req) => inScope(db, req.ctx, (tx) => listMembers(tx, req.ctx, req.query, clock.now())),
  })

  app.post('/api/v1/party/members', {
    config: { access: partyKeepers },
    schema: {
      tags,
      summary:
        'Record a registry person as a member of an organisation you keep (422 PARTY_MEMBER_PERSON_INVALID: nobody you read, deceased, moved out or merged; 409 PARTY_MEMBER_ALREADY)',
      headers: idempotencyHeaders,
      body: newMemberBody,
      response: { 201: memberSchema, ...errorResponses(401, 403, 404, 409, 422) },
    },
    handler: async (req, reply) => {
      reply.code(201)
      return createOnce(db, req, req.body, (tx) => createMember(tx, req.ctx, req.body, clock.now()))
    },
  })

  app.get('/api/v1/party/members/:id', {
    config: { access: partyReaders },
    schema: {
      tags,
      summary: 'A member with their reports, assignments and service (volunteer hours and activities attended)',
      params: idParams,
      response: { 200: memberDetailSchema, ...errorResponses(401, 403, 404) },
    },
    handler: async (req) => inScope(db, req.ctx, (tx) => memberDetail(tx, req.ctx, req.params.id, clock.now())),
  })

  app.patch('/api/v1/party/members/:id', {
    config: { access: partyKeepers },
    schema: {
      tags,
      summary:
        'Change a member (the version read, else 409 PARTY_VERSION_CONFLICT): role, standing, a transfer to another organisation you keep, or transferred out / left on a day (ends their report and assignments)',
      params: idParams,
      body: memberPatchBody,
      response: { 200: memberSchema, ...errorResponses(401, 403, 404, 409, 422) },
    },
    handler: async (req) =>
      inScope(db, req.ctx, (tx) => updateMember(tx, req.ctx, req.params.id, req.body, clock.now())),
  })

  app.post('/api/v1/party/members/:id/reports', {
    config: { access: partyKeepers },
    schema: {
      tags,
      summary:
        '在职党员到社区报到: the member reports to the community where they live with a service post; their volunteer record is linked (registered if none); one active report (409 PARTY_MEMBER_ALREADY)',
      params: idParams,
      headers: idempotencyHeaders,
      body: newReportBody,
      response: { 201: reportSchema, ...errorResponses(401, 403, 404, 409, 422) },
    },
    handler: async (req, reply) => {
      reply.code(201)
      return createOnce(db, req, { id: req.params.id, ...req.body }, (tx) =>
        createReport(tx, req.ctx, req.params.id, req.body, clock.now()),
      )
    },
  })

  app.get('/api/v1/party/reports', {
    config: { access: partyReaders },
    schema: {
      tags,
      summary: 'Members reported to the communities of an area: service post, reported on, hours earned since',
      querystring: reportQuery,
      response: { 200: pageSchema(reportSchema), ...errorResponses(401, 403, 404) },
    },
    handler: async (req) => inScope(db, req.ctx, (tx) => listReports(tx, req.ctx, req.query)),
  })

  app.patch('/api/v1/party/reports/:id', {
    config: { access: partyKeepers },
    schema: {
      tags,
      summary: 'Withdraw a report (the community’s keepers; the version read, else 409 PARTY_VERSION_CONFLICT)',
      params: idParams,
      body: reportPatchBody,
      response: { 200: reportSchema, ...errorResponses(401, 403, 404, 409, 422) },
    },
    handler: async (req) =>
      inScope(db, req.ctx, (tx) => withdrawReport(tx, req.ctx, req.params.id, req.body, clock.now())),
  })

  app.post('/api/v1/party/members/:id/assignments', {
    config: { access: partyKeepers },
    schema: {
      tags,
      summary:
        'Assign a member to a grid or to a case (by id or tracking code; not finished) — 422 PARTY_ASSIGNMENT_INVALID naming the field; a live duplicate 409 CONFLICT',
      params: idParams,
      headers: idempotencyHeaders,
      body: newAssignmentBody,
      response: { 201: assignmentSchema, ...errorResponses(401, 403, 404, 409, 422) },
    },
    handler: async (req, reply) => {
      reply.code(201)
      return createOnce(db, req, { id: req.params.id, ...req.body }, (tx) =>
        createAssignment(tx, req.ctx, req.params.id, req.body, clock.now()),
      )
    },
  })

  app.patch('/api/v1/party/assignments/:id', {
    config: { access: partyKeepers },
    schema: {
      tags,
      summary: 'End a live assignment (the keepers of its area; 409 CONFLICT when ended already)',
      params: idParams,
      body: assignmentPatchBody,
      response: { 200: assignmentSchema, ...errorResponses(401, 403, 404, 409) },
    },
    handler: async (req) => inScope(db, req.ctx, (tx) => endAssignment(tx, req.ctx, req.params.id, clock.now())),
  })

  app.get('/api/v1/party/assignments', {
    config: { access: partyReaders },
    schema: {
      tags,
      summary: 'The party members on a case or a grid, or a member’s assignments (live ones unless live=false)',
      querystring: assignmentQuery,
      response: {
        200: shape({ items: { type: 'array', items: assignmentSchema } }),
        ...errorResponses(401, 403),
      },
    },
    handler: async (req) =>
      inScope(db, req.ctx, async (tx) => ({ items: await listAssignments(tx, req.ctx, req.query) })),
  })
}
