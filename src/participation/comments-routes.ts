import { errorResponses, idParams, type App } from '../core/http.js'
import { createOnce, idempotencyHeaders } from '../core/idempotency.js'
import { pageSchema } from '../core/paging.js'
import type { Platform } from '../core/platform.js'
import { inScope } from '../core/scope.js'
import {
  addComment,
  commentListQuery,
  commentSchema,
  hideBody,
  hideComment,
  listComments,
  moderationItemSchema,
  moderationQuery,
  moderationQueue,
  newCommentBody,
  reportBody,
  reportComment,
  restoreComment,
} from './comments.js'
import { participationStaff } from './common.js'

const tags = ['participation']

// Comments of consultations and proposals, and their moderation.
export async function commentRoutes(app: App, { database, clock }: Platform) {
  const { db } = database

  app.get('/api/v1/comments', {
    config: { access: 'signed-in' },
    schema: {
      tags,
      summary: 'A page of a thread: top-level comments of a subject (or section), or the replies of one; oldest first',
      querystring: commentListQuery,
      response: { 200: pageSchema(commentSchema), ...errorResponses(401, 404) },
    },
    handler: async (req) => inScope(db, req.ctx, (tx) => listComments(tx, req.ctx, req.query, clock.now())),
  })

  app.post('/api/v1/comments', {
    config: { access: 'signed-in' },
    schema: {
      tags,
      summary: 'Comment on a consultation’s section or a proposal, or reply; staff of the area answer officially',
      headers: idempotencyHeaders,
      body: newCommentBody,
      response: { 201: commentSchema, ...errorResponses(401, 403, 404, 409) },
    },
    handler: async (req, reply) => {
      reply.code(201)
      return createOnce(db, req, req.body, (tx) => addComment(tx, req.ctx, req.body, clock.now()))
    },
  })

  app.post('/api/v1/comments/:id/report', {
    config: { access: 'signed-in' },
    schema: {
      tags,
      summary: 'Report a comment to the moderators (once per user)',
      params: idParams,
      body: reportBody,
      response: { 200: commentSchema, ...errorResponses(401, 404, 409) },
    },
    handler: async (req) =>
      inScope(db, req.ctx, (tx) => reportComment(tx, req.ctx, req.params.id, req.body, clock.now())),
  })

  app.post('/api/v1/comments/:id/hide', {
    config: { access: participationStaff },
    schema: {
      tags,
      summary: 'Hide a comment with a reason (staff of its area; audited); it shows as hidden by moderators',
      params: idParams,
      body: hideBody,
      response: { 200: commentSchema, ...errorResponses(401, 403, 404, 409) },
    },
    handler: async (req) =>
      inScope(db, req.ctx, (tx) => hideComment(tx, req.ctx, req.params.id, req.body, clock.now())),
  })

  app.post('/api/v1/comments/:id/restore', {
    config: { access: participationStaff },
    schema: {
      tags,
      summary: 'Show a hidden comment again (staff of its area; audited)',
      params: idParams,
      response: { 200: commentSchema, ...errorResponses(401, 403, 404, 409) },
    },
    handler: async (req) => inScope(db, req.ctx, (tx) => restoreComment(tx, req.ctx, req.params.id)),
  })

  app.get('/api/v1/moderation/comments', {
    config: { access: participationStaff },
    schema: {
      tags,
      summary: 'Reported comments not hidden yet in the caller’s areas, the most reported first',
      querystring: moderationQuery,
      response: { 200: pageSchema(moderationItemSchema), ...errorResponses(401, 403, 404) },
    },
    handler: async (req) => inScope(db, req.ctx, (tx) => moderationQueue(tx, req.ctx, req.query)),
  })
}
