import { errorResponses, idParams, type App, type Input } from '../core/http.js'
import { createOnce, idempotencyHeaders } from '../core/idempotency.js'
import { pageSchema } from '../core/paging.js'
import type { Platform } from '../core/platform.js'
import { orNull, shape } from '../core/schemas.js'
import { inScope } from '../core/scope.js'
import {
  activityActionBody,
  activityDetail,
  activityDetailSchema,
  activityFilterQuery,
  activityPatchBody,
  activitySchema,
  cancelSignUp,
  checkinBody,
  checkinResultSchema,
  checkinToken,
  checkinTokenSchema,
  createActivity,
  listActivities,
  listSignups,
  newActivityBody,
  performActivityAction,
  scanCheckin,
  signUp,
  signupParams,
  signupSchema,
  staffCheckIn,
  staffCheckOut,
  staffCheckoutBody,
  updateActivity,
} from './activities.js'
import { certificateFacts, certificatePdf } from './certificates.js'
import { servicesStaff, volunteerStaff } from './common.js'
import { adjustHours, adjustmentBody, entrySchema, hoursQuery, hoursSchema, volunteerHours } from './timebank.js'
import {
  assignVolunteer,
  assignmentSchema,
  assignments,
  listVolunteers,
  myVolunteer,
  newAssignmentBody,
  newVolunteerBody,
  registerVolunteer,
  updateVolunteer,
  volunteerDetail,
  volunteerFilterQuery,
  volunteerPatchBody,
  volunteerSchema,
} from './volunteers.js'

const tags = ['services']

export async function volunteerRoutes(app: App, { database, clock }: Platform) {
  const { db } = database

  // ── Volunteers and the time bank ────────────────────────────────────────────────────────────
  app.post('/api/v1/volunteers', {
    config: { access: 'signed-in' },
    schema: {
      tags,
      summary:
        'Register as a volunteer (a verified resident, themself) or register a person of your area (volunteer staff, personId); one record per person (409 VOLUNTEER_ALREADY_REGISTERED)',
      headers: idempotencyHeaders,
      body: newVolunteerBody,
      response: { 201: volunteerSchema, ...errorResponses(401, 403, 404, 409, 422) },
    },
    handler: async (req, reply) => {
      reply.code(201)
      return createOnce(db, req, req.body, (tx) => registerVolunteer(tx, req.ctx, req.body, clock.now()))
    },
  })

  app.get('/api/v1/volunteers', {
    config: { access: volunteerStaff },
    schema: {
      tags,
      summary: 'Volunteers of your areas (volunteer staff): by skill, area and name, most hours first',
      querystring: volunteerFilterQuery,
      response: { 200: pageSchema(volunteerSchema), ...errorResponses(401, 403, 404) },
    },
    handler: async (req) => inScope(db, req.ctx, (tx) => listVolunteers(tx, req.ctx, req.query)),
  })

  app.get('/api/v1/volunteers/me', {
    config: { access: 'signed-in' },
    schema: {
      tags,
      summary: 'Your own volunteer record (null when you have not registered)',
      response: { 200: shape({ volunteer: orNull(volunteerSchema) }), ...errorResponses(401) },
    },
    handler: async (req) => inScope(db, req.ctx, async (tx) => ({ volunteer: await myVolunteer(tx, req.ctx) })),
  })

  app.get('/api/v1/volunteers/:id', {
    config: { access: 'signed-in' },
    schema: {
      tags,
      summary: 'A volunteer (themself, or volunteer staff of their area)',
      params: idParams,
      response: { 200: volunteerSchema, ...errorResponses(401, 404) },
    },
    handler: async (req) => inScope(db, req.ctx, (tx) => volunteerDetail(tx, req.ctx, req.params.id)),
  })

  app.put('/api/v1/volunteers/:id', {
    config: { access: 'signed-in' },
    schema: {
      tags,
      summary: 'Change skills and availability (the volunteer or staff); suspend or reactivate (staff)',
      params: idParams,
      body: volunteerPatchBody,
      response: { 200: volunteerSchema, ...errorResponses(401, 403, 404) },
    },
    handler: async (req) =>
      inScope(db, req.ctx, (tx) => updateVolunteer(tx, req.ctx, req.params.id, req.body, clock.now())),
  })

  app.get('/api/v1/volunteers/:id/hours', {
    config: { access: 'signed-in' },
    schema: {
      tags,
      summary:
        'The time bank of a volunteer: balance, hours in all and every entry (earned, spent, adjusted), newest first',
      params: idParams,
      querystring: hoursQuery,
      response: { 200: hoursSchema, ...errorResponses(401, 404) },
    },
    handler: async (req) => inScope(db, req.ctx, (tx) => volunteerHours(tx, req.ctx, req.params.id, req.query)),
  })

  app.post('/api/v1/volunteers/:id/adjustments', {
    config: { access: servicesStaff },
    schema: {
      tags,
      summary:
        'Add or take hours with a note (service staff of the volunteer’s area; audited); never below zero (422 TIME_BANK_INSUFFICIENT)',
      params: idParams,
      headers: idempotencyHeaders,
      body: adjustmentBody,
      response: { 201: entrySchema, ...errorResponses(401, 403, 404, 422) },
    },
    handler: async (req, reply) => {
      reply.code(201)
      return createOnce(db, req, { id: req.params.id, ...req.body }, (tx) =>
        adjustHours(tx, req.ctx, req.params.id, req.body, clock.now()),
      )
    },
  })

  const binary = { schema: { type: 'string', format: 'binary' } } as const
  app.get<{ Params: Input<typeof idParams>; Reply: Buffer }>('/api/v1/volunteers/:id/certificate', {
    config: { access: 'signed-in' },
    schema: {
      tags,
      summary: 'A certificate of volunteer hours (PDF, in Chinese)',
      params: idParams,
      response: {
        200: { description: 'The certificate', content: { 'application/pdf': binary } },
        ...errorResponses(401, 404),
      },
    },
    handler: async (req, reply) => {
      const facts = await inScope(db, req.ctx, (tx) => certificateFacts(tx, req.ctx, req.params.id))
      const pdf = await certificatePdf(facts, clock.now())
      return reply
        .type('application/pdf')
        .header('content-disposition', `attachment; filename="volunteer-hours-${req.params.id}.pdf"`)
        .header('cache-control', 'private, no-store')
        .send(pdf)
    },
  })

  app.post('/api/v1/volunteers/:id/assignments', {
    config: { access: volunteerStaff },
    schema: {
      tags,
      summary: 'Assign the volunteer to visit a person of the area with a care tag (volunteer staff)',
      params: idParams,
      headers: idempotencyHeaders,
      body: newAssignmentBody,
      response: { 201: assignmentSchema, ...errorResponses(401, 403, 404, 422) },
    },
    handler: async (req, reply) => {
      reply.code(201)
      return createOnce(db, req, { id: req.params.id, ...req.body }, (tx) =>
        assignVolunteer(tx, req.ctx, req.params.id, req.body, clock.now()),
      )
    },
  })

  app.get('/api/v1/volunteers/:id/assignments', {
    config: { access: 'signed-in' },
    schema: {
      tags,
      summary: 'The volunteer’s care-visit assignments (the volunteer, volunteer staff)',
      params: idParams,
      response: { 200: shape({ items: { type: 'array', items: assignmentSchema } }), ...errorResponses(401, 404) },
    },
    handler: async (req) =>
      inScope(db, req.ctx, async (tx) => ({ items: await assignments(tx, req.ctx, req.params.id) })),
  })

  // ── Activities ──────────────────────────────────────────────────────────────────────────────
  app.get('/api/v1/activities', {
    config: { access: 'signed-in' },
    schema: {
      tags,
      summary: 'Volunteer activities on your branch of the area tree (drafts and cancelled ones for their staff)',
      querystring: activityFilterQuery,
      response: { 200: pageSchema(activitySchema), ...errorResponses(401, 404) },
    },
    handler: async (req) => inScope(db, req.ctx, (tx) => listActivities(tx, req.ctx, req.query)),
  })

  app.post('/api/v1/activities', {
    config: { access: servicesStaff },
    schema: {
      tags,
      summary: 'Create a volunteer activity as a draft (service staff of the area)',
      headers: idempotencyHeaders,
      body: newActivityBody,
      response: { 201: activityDetailSchema, ...errorResponses(401, 403, 404) },
    },
    handler: async (req, reply) => {
      reply.code(201)
      return createOnce(db, req, req.body, (tx) => createActivity(tx, req.ctx, req.body, clock.now()))
    },
  })

  app.get('/api/v1/activities/:id', {
    config: { access: 'signed-in' },
    schema: {
      tags,
      summary: 'An activity with your sign-up; for its staff the counts and the actions open',
      params: idParams,
      response: { 200: activityDetailSchema, ...errorResponses(401, 404) },
    },
    handler: async (req) => inScope(db, req.ctx, (tx) => activityDetail(tx, req.ctx, req.params.id)),
  })

  app.put('/api/v1/activities/:id', {
    config: { access: servicesStaff },
    schema: {
      tags,
      summary: 'Change a draft or published activity; a new time or place is told to the volunteers signed up',
      params: idParams,
      body: activityPatchBody,
      response: { 200: activityDetailSchema, ...errorResponses(401, 403, 404, 409) },
    },
    handler: async (req) =>
      inScope(db, req.ctx, (tx) => updateActivity(tx, req.ctx, req.params.id, req.body, clock.now())),
  })

  app.post('/api/v1/activities/:id/actions', {
    config: { access: servicesStaff },
    schema: {
      tags,
      summary:
        'publish, cancel (tells the volunteers) or finish (after the start: no-shows are absent, those still in are checked out and credited)',
      params: idParams,
      body: activityActionBody,
      response: { 200: activityDetailSchema, ...errorResponses(401, 403, 404, 409) },
    },
    handler: async (req) =>
      inScope(db, req.ctx, (tx) => performActivityAction(tx, req.ctx, req.params.id, req.body, clock.now())),
  })

  app.post('/api/v1/activities/:id/signups', {
    config: { access: 'signed-in' },
    schema: {
      tags,
      summary: 'Sign up (your volunteer record) for a published activity before it starts (409 ACTIVITY_FULL)',
      params: idParams,
      response: { 200: activityDetailSchema, ...errorResponses(401, 403, 404, 409) },
    },
    handler: async (req) => inScope(db, req.ctx, (tx) => signUp(tx, req.ctx, req.params.id, clock.now())),
  })

  app.post('/api/v1/activities/:id/signups/cancel', {
    config: { access: 'signed-in' },
    schema: {
      tags,
      summary: 'Cancel your sign-up before the activity starts (the place is freed)',
      params: idParams,
      response: { 200: activityDetailSchema, ...errorResponses(401, 403, 404, 409) },
    },
    handler: async (req) => inScope(db, req.ctx, (tx) => cancelSignUp(tx, req.ctx, req.params.id, clock.now())),
  })

  app.get('/api/v1/activities/:id/signups', {
    config: { access: servicesStaff },
    schema: {
      tags,
      summary: 'The sign-ups of an activity with check-in, check-out and hours (its staff)',
      params: idParams,
      response: { 200: shape({ items: { type: 'array', items: signupSchema } }), ...errorResponses(401, 403, 404) },
    },
    handler: async (req) =>
      inScope(db, req.ctx, async (tx) => ({ items: await listSignups(tx, req.ctx, req.params.id) })),
  })

  app.get('/api/v1/activities/:id/checkin-token', {
    config: { access: servicesStaff },
    schema: {
      tags,
      summary:
        'A signed check-in token for the QR code shown at the activity, valid three minutes (its staff); with the counts checked in and out',
      params: idParams,
      response: { 200: checkinTokenSchema, ...errorResponses(401, 403, 404, 409) },
    },
    handler: async (req) => inScope(db, req.ctx, (tx) => checkinToken(tx, req.ctx, req.params.id, clock.now())),
  })

  app.post('/api/v1/activities/:id/checkin', {
    config: { access: 'signed-in' },
    schema: {
      tags,
      summary:
        'Scan the activity’s QR code: the first scan checks in, a later one checks out and credits the hours (422 CHECKIN_TOKEN_INVALID, CHECKIN_WINDOW_CLOSED; 409 ACTIVITY_NOT_SIGNED_UP)',
      params: idParams,
      body: checkinBody,
      response: { 200: checkinResultSchema, ...errorResponses(401, 403, 404, 409, 422) },
    },
    handler: async (req) =>
      inScope(db, req.ctx, (tx) => scanCheckin(tx, req.ctx, req.params.id, req.body, clock.now())),
  })

  app.post('/api/v1/activities/:id/signups/:volunteerId/checkin', {
    config: { access: servicesStaff },
    schema: {
      tags,
      summary: 'Check a signed-up volunteer in (the activity’s staff; inside the check-in window)',
      params: signupParams,
      response: { 200: signupSchema, ...errorResponses(401, 403, 404, 409, 422) },
    },
    handler: async (req) =>
      inScope(db, req.ctx, (tx) => staffCheckIn(tx, req.ctx, req.params.id, req.params.volunteerId, clock.now())),
  })

  app.post('/api/v1/activities/:id/signups/:volunteerId/checkout', {
    config: { access: servicesStaff },
    schema: {
      tags,
      summary:
        'Check a volunteer out and credit the hours: those given (at most the activity’s length, 422 HOURS_EXCEED_ACTIVITY) or the time present',
      params: signupParams,
      body: staffCheckoutBody,
      response: { 200: signupSchema, ...errorResponses(401, 403, 404, 409, 422) },
    },
    handler: async (req) =>
      inScope(db, req.ctx, (tx) =>
        staffCheckOut(tx, req.ctx, req.params.id, req.params.volunteerId, req.body ?? {}, clock.now()),
      ),
  })
}
