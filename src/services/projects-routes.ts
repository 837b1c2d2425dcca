import { errorResponses, idParams, type App, type Input } from '../core/http.js'
import { createOnce, idempotencyHeaders } from '../core/idempotency.js'
import { pageSchema } from '../core/paging.js'
import type { Platform } from '../core/platform.js'
import { sha256Hex } from '../core/privacy.js'
import type { Role } from '../core/scope.js'
import { inScope } from '../core/scope.js'
import {
  acceptRawUploads,
  attachmentResponse,
  contentDisposition,
  rawUploadBody,
  uploadedFile,
} from '../core/uploads.js'
import { servicesStaff } from './common.js'
import {
  createOrganisation,
  listOrganisations,
  newOrganisationBody,
  organisationDetail,
  organisationDetailSchema,
  organisationListQuery,
  organisationPutBody,
  organisationViewSchema,
  updateOrganisation,
} from './organisations.js'
import {
  addEvaluation,
  addReport,
  addReportAttachment,
  attachmentParams,
  attachmentQuery,
  attachmentSchema,
  createProject,
  listProjects,
  MAX_ATTACHMENT_BYTES,
  newEvaluationBody,
  newProjectBody,
  newReportBody,
  performProjectAction,
  projectActionBody,
  projectDetail,
  projectDetailSchema,
  projectListQuery,
  projectPutBody,
  projectViewSchema,
  reportAttachmentFile,
  reportParams,
  updateProject,
} from './projects.js'

const tags = ['services']

/** Who works on projects: service staff of the area and the contracting department's handlers. */
const projectReaders: Role[] = [...servicesStaff, 'department_handler']

// Social organisations and purchase-of-service projects (issue 15, items 4 and 5). A plugin of its
// own, so the raw-body parser of the report attachments applies to these routes only.
export async function projectRoutes(app: App, platform: Platform) {
  await app.register(async (scope: App) => routes(scope, platform))
}

async function routes(app: App, { database, clock }: Platform) {
  const { db } = database

  acceptRawUploads(app, MAX_ATTACHMENT_BYTES)

  // ── Social organisations ─────────────────────────────────────────────────────────────────────

  app.get('/api/v1/social-organisations', {
    config: { access: 'signed-in' },
    schema: {
      tags,
      summary:
        'Social organisations on your branch of the area tree (active first, best rated first); contacts for service staff only',
      querystring: organisationListQuery,
      response: { 200: pageSchema(organisationViewSchema), ...errorResponses(401) },
    },
    handler: async (req) => inScope(db, req.ctx, (tx) => listOrganisations(tx, req.ctx, req.query)),
  })

  app.get('/api/v1/social-organisations/:id', {
    config: { access: 'signed-in' },
    schema: {
      tags,
      summary:
        'A social organisation: its profile, registry name, credit code and legal representative, rating and the projects you may see',
      params: idParams,
      response: { 200: organisationDetailSchema, ...errorResponses(401, 404) },
    },
    handler: async (req) => inScope(db, req.ctx, (tx) => organisationDetail(tx, req.ctx, req.params.id)),
  })

  app.post('/api/v1/social-organisations', {
    config: { access: servicesStaff },
    schema: {
      tags,
      summary:
        'Register a social organisation of the registry (kind social_organisation, in your area) with its fields, capacity and contact; Idempotency-Key honoured',
      headers: idempotencyHeaders,
      body: newOrganisationBody,
      response: { 201: organisationDetailSchema, ...errorResponses(401, 403, 404, 409) },
    },
    handler: async (req, reply) => {
      reply.code(201)
      return createOnce(db, req, req.body, (tx) => createOrganisation(tx, req.ctx, req.body, clock.now()))
    },
  })

  app.put('/api/v1/social-organisations/:id', {
    config: { access: servicesStaff },
    schema: {
      tags,
      summary: 'Change a social organisation’s profile, or suspend it (no new projects) and make it active again',
      params: idParams,
      body: organisationPutBody,
      response: { 200: organisationDetailSchema, ...errorResponses(401, 403, 404) },
    },
    handler: async (req) =>
      inScope(db, req.ctx, (tx) => updateOrganisation(tx, req.ctx, req.params.id, req.body, clock.now())),
  })

  // ── Projects ─────────────────────────────────────────────────────────────────────────────────

  app.get('/api/v1/projects', {
    config: { access: projectReaders },
    schema: {
      tags,
      summary:
        'Purchase-of-service projects you may see (service staff of the area, the contracting department): active first',
      querystring: projectListQuery,
      response: { 200: pageSchema(projectViewSchema), ...errorResponses(401, 403, 404) },
    },
    handler: async (req) => inScope(db, req.ctx, (tx) => listProjects(tx, req.ctx, req.query)),
  })

  app.get('/api/v1/projects/:id', {
    config: { access: projectReaders },
    schema: {
      tags,
      summary:
        'A project: indicators, milestones with their state, reports with their attachments, evaluations, budget, spending and the share of the term elapsed',
      params: idParams,
      response: { 200: projectDetailSchema, ...errorResponses(401, 403, 404) },
    },
    handler: async (req) => inScope(db, req.ctx, (tx) => projectDetail(tx, req.ctx, req.params.id, clock.now())),
  })

  app.post('/api/v1/projects', {
    config: { access: servicesStaff },
    schema: {
      tags,
      summary:
        'Draft a project: indicators with weights summing to 100, milestones within the term with payments within the budget; Idempotency-Key honoured',
      headers: idempotencyHeaders,
      body: newProjectBody,
      response: { 201: projectDetailSchema, ...errorResponses(401, 403, 404, 409) },
    },
    handler: async (req, reply) => {
      reply.code(201)
      return createOnce(db, req, req.body, (tx) => createProject(tx, req.ctx, req.body, clock.now()))
    },
  })

  app.put('/api/v1/projects/:id', {
    config: { access: servicesStaff },
    schema: {
      tags,
      summary: 'Rewrite a draft project’s terms, indicators and milestones',
      params: idParams,
      body: projectPutBody,
      response: { 200: projectDetailSchema, ...errorResponses(401, 403, 404, 409) },
    },
    handler: async (req) =>
      inScope(db, req.ctx, (tx) => updateProject(tx, req.ctx, req.params.id, req.body, clock.now())),
  })

  app.post('/api/v1/projects/:id/actions', {
    config: { access: servicesStaff },
    schema: {
      tags,
      summary:
        'Activate a draft (schedules the milestone reminders), complete an active project, or terminate one (with a reason)',
      params: idParams,
      body: projectActionBody,
      response: { 200: projectDetailSchema, ...errorResponses(401, 403, 404, 409) },
    },
    handler: async (req) =>
      inScope(db, req.ctx, (tx) => performProjectAction(tx, req.ctx, req.params.id, req.body, clock.now())),
  })

  app.post('/api/v1/projects/:id/reports', {
    config: { access: projectReaders },
    schema: {
      tags,
      summary:
        'Record a progress report on the organisation’s behalf (while active, within the term); its spending may not pass the budget; Idempotency-Key honoured',
      params: idParams,
      headers: idempotencyHeaders,
      body: newReportBody,
      response: { 201: projectDetailSchema, ...errorResponses(401, 403, 404, 409, 422) },
    },
    handler: async (req, reply) => {
      reply.code(201)
      return createOnce(db, req, { project: req.params.id, ...req.body }, (tx) =>
        addReport(tx, req.ctx, req.params.id, req.body, clock.now()),
      )
    },
  })

  app.post('/api/v1/projects/:id/reports/:reportId/attachments', {
    config: { access: projectReaders },
    schema: {
      tags,
      summary:
        'Attach a PDF, PNG, JPEG or WebP file (at most 10 MB, its type checked by its bytes) to a report, sent as the raw body; Idempotency-Key honoured',
      params: reportParams,
      querystring: attachmentQuery,
      headers: idempotencyHeaders,
      body: rawUploadBody,
      response: { 201: attachmentSchema, ...errorResponses(401, 403, 404, 413, 415, 422) },
    },
    handler: async (req, reply) => {
      const file = uploadedFile(req.body)
      const { id, reportId } = req.params
      const { fileName } = req.query
      reply.code(201)
      return createOnce(db, req, { project: id, reportId, fileName, file: sha256Hex(file) }, (tx) =>
        addReportAttachment(tx, req.ctx, id, reportId, fileName, file, clock.now()),
      )
    },
  })

  app.get<{ Params: Input<typeof attachmentParams>; Reply: Buffer }>(
    '/api/v1/projects/:id/reports/:reportId/attachments/:attachmentId',
    {
      config: { access: projectReaders },
      schema: {
        tags,
        summary: 'A report’s attachment, as uploaded',
        params: attachmentParams,
        response: {
          200: attachmentResponse,
          ...errorResponses(401, 403, 404),
        },
      },
      handler: async (req, reply) => {
        const file = await inScope(db, req.ctx, (tx) =>
          reportAttachmentFile(tx, req.ctx, req.params.id, req.params.reportId, req.params.attachmentId),
        )
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

  app.post('/api/v1/projects/:id/evaluations', {
    config: { access: projectReaders },
    schema: {
      tags,
      summary:
        'Evaluate a reported milestone or (milestoneId null) the completed project: every indicator scored once with a reason; the final score moves the organisation’s rating',
      params: idParams,
      headers: idempotencyHeaders,
      body: newEvaluationBody,
      response: { 201: projectDetailSchema, ...errorResponses(401, 403, 404, 409, 422) },
    },
    handler: async (req, reply) => {
      reply.code(201)
      return createOnce(db, req, { project: req.params.id, ...req.body }, (tx) =>
        addEvaluation(tx, req.ctx, req.params.id, req.body, clock.now()),
      )
    },
  })
}
