import { errorResponses, idParams, type App } from '../core/http.js'
import { createOnce, idempotencyHeaders } from '../core/idempotency.js'
import { pageSchema } from '../core/paging.js'
import type { Platform } from '../core/platform.js'
import { inScope } from '../core/scope.js'
import {
  createService,
  eligibilityQuery,
  eligibilitySchema,
  listServices,
  newServiceBody,
  serviceAction,
  serviceActionBody,
  serviceDetail,
  serviceDetailSchema,
  serviceEligibility,
  serviceFilterQuery,
  serviceItemSchema,
  updateService,
  updateServiceBody,
} from './catalogue.js'
import { servicesStaff } from './common.js'

const tags = ['services']

// The service catalogue (服务事项): read by everyone signed in on the branch, kept by the area's
// service staff.
export async function catalogueRoutes(app: App, { database, clock }: Platform) {
  const { db } = database

  app.get('/api/v1/services', {
    config: { access: 'signed-in' },
    schema: {
      tags,
      summary:
        'Services on your branch of the area tree (active ones; staff also drafts and suspended ones of their areas), by category and name, filtered and paged',
      querystring: serviceFilterQuery,
      response: { 200: pageSchema(serviceItemSchema), ...errorResponses(401, 404) },
    },
    handler: async (req) => inScope(db, req.ctx, (tx) => listServices(tx, req.ctx, req.query)),
  })

  app.post('/api/v1/services', {
    config: { access: servicesStaff },
    schema: {
      tags,
      summary:
        'Add a service to an area’s catalogue: eligibility rules, required documents and form as data, time limits, deliverer, price in hours; audited; Idempotency-Key honoured',
      headers: idempotencyHeaders,
      body: newServiceBody,
      response: { 201: serviceDetailSchema, ...errorResponses(401, 403, 404, 409, 422) },
    },
    handler: async (req, reply) => {
      reply.code(201)
      return createOnce(db, req, req.body, (tx) => createService(tx, req.ctx, req.body, clock.now()))
    },
  })

  app.get('/api/v1/services/:id', {
    config: { access: 'signed-in' },
    schema: {
      tags,
      summary: 'One service: rules, documents, form, deliverer, time limits, price in hours, the actions open to you',
      params: idParams,
      response: { 200: serviceDetailSchema, ...errorResponses(401, 404) },
    },
    handler: async (req) => inScope(db, req.ctx, (tx) => serviceDetail(tx, req.ctx, req.params.id)),
  })

  app.put('/api/v1/services/:id', {
    config: { access: servicesStaff },
    schema: {
      tags,
      summary:
        'Replace a service’s editable fields (not its code or area) given the version read; a stale version is refused; audited',
      params: idParams,
      body: updateServiceBody,
      response: { 200: serviceDetailSchema, ...errorResponses(401, 403, 404, 409, 422) },
    },
    handler: async (req) =>
      inScope(db, req.ctx, (tx) => updateService(tx, req.ctx, req.params.id, req.body, clock.now())),
  })

  app.post('/api/v1/services/:id/actions', {
    config: { access: servicesStaff },
    schema: {
      tags,
      summary: 'Activate a draft or suspended service, or suspend an active one (no new applications); audited',
      params: idParams,
      body: serviceActionBody,
      response: { 200: serviceDetailSchema, ...errorResponses(401, 403, 404, 409) },
    },
    handler: async (req) =>
      inScope(db, req.ctx, (tx) => serviceAction(tx, req.ctx, req.params.id, req.body, clock.now())),
  })

  app.get('/api/v1/services/:id/eligibility', {
    config: { access: 'signed-in' },
    schema: {
      tags,
      summary:
        'Whether you (your verified registry record) or, for staff, ?personId= of their area meets the service’s rules, rule by rule with the facts read',
      params: idParams,
      querystring: eligibilityQuery,
      response: { 200: eligibilitySchema, ...errorResponses(401, 403, 404) },
    },
    handler: async (req) =>
      inScope(db, req.ctx, (tx) => serviceEligibility(tx, req.ctx, req.params.id, req.query.personId, clock.now())),
  })
}
