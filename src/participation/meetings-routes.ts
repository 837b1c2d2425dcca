import type { Tx } from '../core/db.js'
import { errorResponses, idParams, type App } from '../core/http.js'
import { createOnce, idempotencyHeaders } from '../core/idempotency.js'
import { pageSchema } from '../core/paging.js'
import type { Platform } from '../core/platform.js'
import { inScope, type RequestContext } from '../core/scope.js'
import { participationStaff } from './common.js'
import {
  addCouncilMember,
  councilDetail,
  councilDetailSchema,
  councilListQuery,
  councilViewSchema,
  createCouncil,
  listCouncils,
  memberParams,
  newCouncilBody,
  newMemberBody,
  removeCouncilMember,
} from './councils.js'
import {
  addDecision,
  attendanceBody,
  castVote,
  createMeeting,
  decisionParams,
  listMeetings,
  markAttendance,
  meetingActionBody,
  meetingDetail,
  meetingDetailSchema,
  meetingListQuery,
  meetingViewSchema,
  minutesBody,
  newDecisionBody,
  newMeetingBody,
  performMeetingAction,
  register,
  saveMinutes,
  unregister,
  voteBody,
} from './meetings.js'

const tags = ['participation']

// Resident councils and deliberation meetings (issue 14, item 5). Staff of the area (admins,
// leaders, staff) write; everyone signed in reads what lies on their branch of the area tree
// (row-level security), registers and, when present or a sitting council member, votes.
export async function meetingRoutes(app: App, { database, clock }: Platform) {
  const { db } = database
  // A change to a meeting answers with the meeting as it now is, read in the same transaction.
  const changeThenShow = (
    req: { ctx: RequestContext; params: { id: number } },
    change: (tx: Tx, now: Date) => Promise<unknown>,
  ) =>
    inScope(db, req.ctx, async (tx) => {
      const now = clock.now()
      await change(tx, now)
      return meetingDetail(tx, req.ctx, req.params.id, now)
    })

  // ── Councils ─────────────────────────────────────────────────────────────────────────────────

  app.post('/api/v1/councils', {
    config: { access: participationStaff },
    schema: {
      tags,
      summary: 'Set up a resident council (居民议事会) of an area with its current term; Idempotency-Key honoured',
      headers: idempotencyHeaders,
      body: newCouncilBody,
      response: { 201: councilDetailSchema, ...errorResponses(401, 403, 404, 409) },
    },
    handler: async (req, reply) => {
      reply.code(201)
      return createOnce(db, req, req.body, (tx) => createCouncil(tx, req.ctx, req.body, clock.now()))
    },
  })

  app.get('/api/v1/councils', {
    config: { access: 'signed-in' },
    schema: {
      tags,
      summary: 'Resident councils on your branch of the area tree, latest term first',
      querystring: councilListQuery,
      response: { 200: pageSchema(councilViewSchema), ...errorResponses(401, 404) },
    },
    handler: async (req) => inScope(db, req.ctx, (tx) => listCouncils(tx, req.query, clock.now())),
  })

  app.get('/api/v1/councils/:id', {
    config: { access: 'signed-in' },
    schema: {
      tags,
      summary: 'A council with its members, current and past, by term',
      params: idParams,
      response: { 200: councilDetailSchema, ...errorResponses(401, 404) },
    },
    handler: async (req) => inScope(db, req.ctx, (tx) => councilDetail(tx, req.ctx, req.params.id, clock.now())),
  })

  app.post('/api/v1/councils/:id/members', {
    config: { access: participationStaff },
    schema: {
      tags,
      summary: 'Add a member for a term (chair, vice chair or member); Idempotency-Key honoured',
      params: idParams,
      headers: idempotencyHeaders,
      body: newMemberBody,
      response: { 201: councilDetailSchema, ...errorResponses(401, 403, 404, 409) },
    },
    handler: async (req, reply) => {
      reply.code(201)
      return createOnce(db, req, { council: req.params.id, ...req.body }, (tx) =>
        addCouncilMember(tx, req.ctx, req.params.id, req.body, clock.now()),
      )
    },
  })

  app.delete('/api/v1/councils/:id/members/:memberId', {
    config: { access: participationStaff },
    schema: {
      tags,
      summary: 'Remove a member entered by mistake; answers the council',
      params: memberParams,
      response: { 200: councilDetailSchema, ...errorResponses(401, 403, 404) },
    },
    handler: async (req) =>
      inScope(db, req.ctx, (tx) => removeCouncilMember(tx, req.ctx, req.params.id, req.params.memberId, clock.now())),
  })

  // ── Meetings ─────────────────────────────────────────────────────────────────────────────────

  app.post('/api/v1/meetings', {
    config: { access: participationStaff },
    schema: {
      tags,
      summary:
        'Schedule a deliberation meeting, hearing or council meeting with its agenda and the proposals or consultations it discusses; Idempotency-Key honoured',
      headers: idempotencyHeaders,
      body: newMeetingBody,
      response: { 201: meetingDetailSchema, ...errorResponses(401, 403, 404, 409) },
    },
    handler: async (req, reply) => {
      reply.code(201)
      return createOnce(db, req, req.body, (tx) => createMeeting(tx, req.ctx, req.body, clock.now()))
    },
  })

  app.get('/api/v1/meetings', {
    config: { access: 'signed-in' },
    schema: {
      tags,
      summary: 'Meetings on your branch of the area tree: upcoming (soonest first), then past (latest first)',
      querystring: meetingListQuery,
      response: { 200: pageSchema(meetingViewSchema), ...errorResponses(401, 404) },
    },
    handler: async (req) => inScope(db, req.ctx, (tx) => listMeetings(tx, req.ctx, req.query, clock.now())),
  })

  app.get('/api/v1/meetings/:id', {
    config: { access: 'signed-in' },
    schema: {
      tags,
      summary:
        'A meeting: agenda, subjects, registrations, minutes, decisions with their voting rule and (after the window) results',
      params: idParams,
      response: { 200: meetingDetailSchema, ...errorResponses(401, 404) },
    },
    handler: async (req) => inScope(db, req.ctx, (tx) => meetingDetail(tx, req.ctx, req.params.id, clock.now())),
  })

  app.post('/api/v1/meetings/:id/actions', {
    config: { access: participationStaff },
    schema: {
      tags,
      summary: 'Record that the meeting was held (with its minutes, optionally) or cancel it',
      params: idParams,
      body: meetingActionBody,
      response: { 200: meetingDetailSchema, ...errorResponses(401, 403, 404, 409) },
    },
    handler: async (req) =>
      changeThenShow(req, (tx, now) => performMeetingAction(tx, req.ctx, req.params.id, req.body, now)),
  })

  app.put('/api/v1/meetings/:id/minutes', {
    config: { access: participationStaff },
    schema: {
      tags,
      summary: 'Write or correct the minutes of a held meeting',
      params: idParams,
      body: minutesBody,
      response: { 200: meetingDetailSchema, ...errorResponses(401, 403, 404, 409) },
    },
    handler: async (req) =>
      changeThenShow(req, (tx, now) => saveMinutes(tx, req.ctx, req.params.id, req.body.minutes, now)),
  })

  app.post('/api/v1/meetings/:id/registrations', {
    config: { access: 'signed-in' },
    schema: {
      tags,
      summary: 'Register for the meeting before it begins (409 MEETING_FULL at capacity); registering twice is a no-op',
      params: idParams,
      response: { 200: meetingDetailSchema, ...errorResponses(401, 404, 409) },
    },
    handler: async (req) => changeThenShow(req, (tx, now) => register(tx, req.ctx, req.params.id, now)),
  })

  app.delete('/api/v1/meetings/:id/registrations', {
    config: { access: 'signed-in' },
    schema: {
      tags,
      summary: 'Withdraw your registration before the meeting begins',
      params: idParams,
      response: { 200: meetingDetailSchema, ...errorResponses(401, 404, 409) },
    },
    handler: async (req) => changeThenShow(req, (tx, now) => unregister(tx, req.ctx, req.params.id, now)),
  })

  app.post('/api/v1/meetings/:id/attendance', {
    config: { access: participationStaff },
    schema: {
      tags,
      summary: 'Mark registered people as present or absent (those present vote)',
      params: idParams,
      body: attendanceBody,
      response: { 200: meetingDetailSchema, ...errorResponses(401, 403, 404, 409) },
    },
    handler: async (req) => changeThenShow(req, (tx, now) => markAttendance(tx, req.ctx, req.params.id, req.body, now)),
  })

  app.post('/api/v1/meetings/:id/decisions', {
    config: { access: participationStaff },
    schema: {
      tags,
      summary:
        'Put a decision to the vote: its text, the majority it needs and the voting window; Idempotency-Key honoured',
      params: idParams,
      headers: idempotencyHeaders,
      body: newDecisionBody,
      response: { 201: meetingDetailSchema, ...errorResponses(401, 403, 404, 409) },
    },
    handler: async (req, reply) => {
      reply.code(201)
      return createOnce(db, req, { meeting: req.params.id, ...req.body }, async (tx) => {
        const now = clock.now()
        await addDecision(tx, req.ctx, req.params.id, req.body, now)
        return meetingDetail(tx, req.ctx, req.params.id, now)
      })
    },
  })

  app.post('/api/v1/meetings/:id/decisions/:decisionId/votes', {
    config: { access: 'signed-in' },
    schema: {
      tags,
      summary:
        'Vote for, against or abstain, inside the voting window (409 VOTING_CLOSED), if present or a sitting council member (403 VOTE_NOT_ALLOWED); once: a second vote is 409 CONFLICT',
      params: decisionParams,
      body: voteBody,
      response: { 201: meetingDetailSchema, ...errorResponses(401, 403, 404, 409) },
    },
    handler: async (req, reply) => {
      const detail = await changeThenShow(req, (tx, now) =>
        castVote(tx, req.ctx, req.params.id, req.params.decisionId, req.body.choice, now),
      )
      reply.code(201)
      return detail
    },
  })
}
