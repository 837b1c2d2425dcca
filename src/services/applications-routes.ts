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
import {
  addDocument,
  applicationActionBody,
  applicationDetail,
  applicationDetailSchema,
  applicationFilterQuery,
  applicationItemSchema,
  checkDocument,
  createApplication,
  documentCheckBody,
  documentFile,
  documentParams,
  documentQuery,
  documentSchema,
  listApplications,
  MAX_DOCUMENT_BYTES,
  newApplicationBody,
  performApplicationAction,
} from './applications.js'

const tags = ['services']

// Applications for services (服务申请). The routes live in a plugin of their own, so the raw-body
// parser of the document upload applies to them only.
export async function applicationRoutes(app: App, platform: Platform) {
  await app.register(async (scope: App) => routes(scope, platform))
}

async function routes(app: App, { database, clock }: Platform) {
  const { db } = database

  acceptRawUploads(app, MAX_DOCUMENT_BYTES)

  app.post('/api/v1/service-applications', {
    config: { access: 'signed-in' },
    schema: {
      tags,
      summary:
        'Apply for a service in your verified name (staff at the counter: for a person of their area): eligibility checked against the registry at once, the form checked, one open application per person and service; Idempotency-Key honoured',
      headers: idempotencyHeaders,
      body: newApplicationBody,
      response: { 201: applicationDetailSchema, ...errorResponses(401, 403, 404, 409, 422) },
    },
    handler: async (req, reply) => {
      reply.code(201)
      return createOnce(db, req, req.body, (tx) => createApplication(tx, req.ctx, req.body, clock.now()))
    },
  })

  app.get('/api/v1/service-applications', {
    config: { access: 'signed-in' },
    schema: {
      tags,
      summary:
        'Applications you may see: your own, your areas’ queue (service staff), your department’s deliveries (handlers); filtered (status, service, area, overdue) and paged',
      querystring: applicationFilterQuery,
      response: { 200: pageSchema(applicationItemSchema), ...errorResponses(401, 404) },
    },
    handler: async (req) => inScope(db, req.ctx, (tx) => listApplications(tx, req.ctx, req.query, clock.now())),
  })

  app.get('/api/v1/service-applications/:id', {
    config: { access: 'signed-in' },
    schema: {
      tags,
      summary:
        'One application: service, person (staff), form, eligibility as checked, documents, history, deadline, the actions open to you',
      params: idParams,
      response: { 200: applicationDetailSchema, ...errorResponses(401, 404) },
    },
    handler: async (req) => inScope(db, req.ctx, (tx) => applicationDetail(tx, req.ctx, req.params.id, clock.now())),
  })

  app.post('/api/v1/service-applications/:id/actions', {
    config: { access: 'signed-in' },
    schema: {
      tags,
      summary:
        'Move an application given the version read: approve (required documents checked) or reject with a reason (service staff of its area), deliver (they or the delivering department; paid in hours if chosen), withdraw while open or rate once delivered (the applicant)',
      params: idParams,
      body: applicationActionBody,
      response: { 200: applicationDetailSchema, ...errorResponses(401, 403, 404, 409, 422) },
    },
    handler: async (req) =>
      inScope(db, req.ctx, async (tx) => {
        const now = clock.now()
        await performApplicationAction(tx, req.ctx, req.params.id, req.body, now)
        return applicationDetail(tx, req.ctx, req.params.id, now)
      }),
  })

  app.post('/api/v1/service-applications/:id/documents', {
    config: { access: 'signed-in' },
    schema: {
      tags,
      summary:
        'Upload one of the documents the service asks for (?key=) as the raw body: PDF, PNG, JPEG or WebP, at most 10 MB, its type checked by its bytes; while submitted, by the applicant or the area’s staff; Idempotency-Key honoured',
      params: idParams,
      querystring: documentQuery,
      headers: idempotencyHeaders,
      body: rawUploadBody,
      response: { 201: documentSchema, ...errorResponses(401, 403, 404, 409, 413, 415, 422) },
    },
    handler: async (req, reply) => {
      const file = uploadedFile(req.body)
      const { id } = req.params
      const { key, fileName } = req.query
      reply.code(201)
      // A retry is recognised by the file's hash, not by its bytes.
      return createOnce(db, req, { application: id, key, fileName, file: sha256Hex(file) }, (tx) =>
        addDocument(tx, req.ctx, id, key, fileName, file, clock.now()),
      )
    },
  })

  // The answer is the file's bytes, not JSON.
  app.get<{ Params: Input<typeof documentParams>; Reply: Buffer }>(
    '/api/v1/service-applications/:id/documents/:docId',
    {
      config: { access: 'signed-in' },
      schema: {
        tags,
        summary: 'A document of an application you may read, as uploaded',
        params: documentParams,
        response: {
          200: attachmentResponse,
          ...errorResponses(401, 404),
        },
      },
      handler: async (req, reply) => {
        const file = await inScope(db, req.ctx, (tx) => documentFile(tx, req.params.id, req.params.docId))
        return reply
          .type(file.contentType)
          .header('content-disposition', contentDisposition('inline', file.fileName))
          .header('cache-control', 'private, no-store')
          .header('x-content-type-options', 'nosniff')
          .header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'self'")
          .send(file.data)
      },
    },
  )

  app.post('/api/v1/service-applications/:id/documents/:docId/check', {
    config: { access: 'signed-in' },
    schema: {
      tags,
      summary:
        'Check a document (the area’s service staff, while submitted): fine or not, with a note; approval needs each required document checked fine',
      params: documentParams,
      body: documentCheckBody,
      response: { 200: documentSchema, ...errorResponses(401, 403, 404, 409) },
    },
    handler: async (req) =>
      inScope(db, req.ctx, (tx) => checkDocument(tx, req.ctx, req.params.id, req.params.docId, req.body, clock.now())),
  })
}
