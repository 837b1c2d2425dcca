import { errorResponses, idParams, type App, type Input } from '../core/http.js'
import { createOnce, idempotencyHeaders } from '../core/idempotency.js'
import { pageSchema } from '../core/paging.js'
import type { Platform } from '../core/platform.js'
import { sha256Hex } from '../core/privacy.js'
import { inScope } from '../core/scope.js'
import {
  acceptRawUploads,
  attachmentResponse,
  contentDisposition,
  rawUploadBody,
  uploadedFile,
} from '../core/uploads.js'
import { participationStaff } from './common.js'
import {
  addAttachment,
  attachmentFile,
  attachmentParams,
  attachmentQuery,
  attachmentSchema,
  createNotice,
  fileQuery,
  listNotices,
  MAX_ATTACHMENT_BYTES,
  markRead,
  newNoticeBody,
  noticeDetail,
  noticeDetailSchema,
  noticeFilterQuery,
  noticeItemSchema,
  noticePatchBody,
  noticeReads,
  readResultSchema,
  readsSchema,
  removeAttachment,
  updateNotice,
  withdrawBody,
  withdrawNotice,
} from './notices.js'

const tags = ['participation']

// Notices and policies (通知公告、政策解读). The routes live in a plugin of their own, so the raw-body
// parser of the attachment upload applies to them only.
export async function noticeRoutes(app: App, platform: Platform) {
  await app.register(async (scope: App) => routes(scope, platform))
}

async function routes(app: App, { database, clock }: Platform) {
  const { db } = database

  acceptRawUploads(app, MAX_ATTACHMENT_BYTES)

  app.post('/api/v1/notices', {
    config: { access: participationStaff },
    schema: {
      tags,
      summary:
        'Publish a notice or policy to an area’s subtree (or save a draft; a future publishAt schedules it); audited; Idempotency-Key honoured',
      headers: idempotencyHeaders,
      body: newNoticeBody,
      response: { 201: noticeDetailSchema, ...errorResponses(401, 403, 404, 409, 422) },
    },
    handler: async (req, reply) => {
      reply.code(201)
      return createOnce(db, req, req.body, (tx) => createNotice(tx, req.ctx, req.body, clock.now()))
    },
  })

  app.get('/api/v1/notices', {
    config: { access: 'signed-in' },
    schema: {
      tags,
      summary:
        'Notices and policies on the caller’s branch of the area tree, pinned first then newest: residents see live ones; staff also drafts, scheduled, expired and withdrawn ones of their areas',
      querystring: noticeFilterQuery,
      response: { 200: pageSchema(noticeItemSchema), ...errorResponses(401, 404) },
    },
    handler: async (req) => inScope(db, req.ctx, (tx) => listNotices(tx, req.ctx, req.query, clock.now())),
  })

  app.get('/api/v1/notices/:id', {
    config: { access: 'signed-in' },
    schema: {
      tags,
      summary: 'A notice with its explainer and attachments (a draft, scheduled or withdrawn one: its staff only)',
      params: idParams,
      response: { 200: noticeDetailSchema, ...errorResponses(401, 404) },
    },
    handler: async (req) => inScope(db, req.ctx, (tx) => noticeDetail(tx, req.ctx, req.params.id, clock.now())),
  })

  app.patch('/api/v1/notices/:id', {
    config: { access: participationStaff },
    schema: {
      tags,
      summary: 'Edit a notice (text, explainer, pin, kind, publication and expiry) or publish a draft; audited',
      params: idParams,
      body: noticePatchBody,
      response: { 200: noticeDetailSchema, ...errorResponses(401, 403, 404, 409) },
    },
    handler: async (req) =>
      inScope(db, req.ctx, (tx) => updateNotice(tx, req.ctx, req.params.id, req.body, clock.now())),
  })

  app.post('/api/v1/notices/:id/withdraw', {
    config: { access: participationStaff },
    schema: {
      tags,
      summary:
        'Withdraw a notice with a reason: it leaves the residents’ lists, stays for staff and in the audit trail',
      params: idParams,
      body: withdrawBody,
      response: { 200: noticeDetailSchema, ...errorResponses(401, 403, 404, 409) },
    },
    handler: async (req) =>
      inScope(db, req.ctx, (tx) => withdrawNotice(tx, req.ctx, req.params.id, req.body.reason, clock.now())),
  })

  app.post('/api/v1/notices/:id/read', {
    config: { access: 'signed-in' },
    schema: {
      tags,
      summary: 'Mark a published notice read by the caller (once: reading it again changes nothing)',
      params: idParams,
      response: { 200: readResultSchema, ...errorResponses(401, 404, 409) },
    },
    handler: async (req) => inScope(db, req.ctx, (tx) => markRead(tx, req.ctx, req.params.id, clock.now())),
  })

  app.get('/api/v1/notices/:id/reads', {
    config: { access: participationStaff },
    schema: {
      tags,
      summary: 'How many have read a notice, by the areas directly below its area, and in total (its staff only)',
      params: idParams,
      response: { 200: readsSchema, ...errorResponses(401, 403, 404) },
    },
    handler: async (req) => inScope(db, req.ctx, (tx) => noticeReads(tx, req.ctx, req.params.id, clock.now())),
  })

  app.post('/api/v1/notices/:id/attachments', {
    config: { access: participationStaff },
    schema: {
      tags,
      summary:
        'Attach a PDF, PNG, JPEG or WebP file (at most 10 MB, its type checked by its bytes) sent as the raw body; Idempotency-Key honoured',
      params: idParams,
      querystring: attachmentQuery,
      headers: idempotencyHeaders,
      body: rawUploadBody,
      response: { 201: attachmentSchema, ...errorResponses(401, 403, 404, 409, 413, 415, 422) },
    },
    handler: async (req, reply) => {
      const file = uploadedFile(req.body)
      const { id } = req.params
      const { fileName } = req.query
      reply.code(201)
      // A retry is recognised by the file's hash, not by its bytes.
      return createOnce(db, req, { notice: id, fileName, file: sha256Hex(file) }, (tx) =>
        addAttachment(tx, req.ctx, id, fileName, file, clock.now()),
      )
    },
  })

  // The answer is the file's bytes, not JSON.
  app.get<{ Params: Input<typeof attachmentParams>; Querystring: Input<typeof fileQuery>; Reply: Buffer }>(
    '/api/v1/notices/:id/attachments/:attachmentId',
    {
      config: { access: 'signed-in' },
      schema: {
        tags,
        summary: 'An attachment of a notice the caller may see, with its file name (shown inline, or ?download=true)',
        params: attachmentParams,
        querystring: fileQuery,
        response: {
          200: attachmentResponse,
          ...errorResponses(401, 404),
        },
      },
      handler: async (req, reply) => {
        const file = await inScope(db, req.ctx, (tx) =>
          attachmentFile(tx, req.ctx, req.params.id, req.params.attachmentId, clock.now()),
        )
        return (
          reply
            .type(file.contentType)
            .header(
              'content-disposition',
              contentDisposition(req.query.download ? 'attachment' : 'inline', file.fileName),
            )
            .header('cache-control', 'private, no-store')
            .header('x-content-type-options', 'nosniff')
            // Our own pages may show it in a frame; nothing in it runs.
            .header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'self'")
            .send(file.data)
        )
      },
    },
  )

  app.delete('/api/v1/notices/:id/attachments/:attachmentId', {
    config: { access: participationStaff },
    schema: {
      tags,
      summary: 'Remove an attachment (not from a withdrawn notice); answers the notice',
      params: attachmentParams,
      response: { 200: noticeDetailSchema, ...errorResponses(401, 403, 404, 409) },
    },
    handler: async (req) =>
      inScope(db, req.ctx, (tx) => removeAttachment(tx, req.ctx, req.params.id, req.params.attachmentId, clock.now())),
  })
}
