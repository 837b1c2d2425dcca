import { errorResponses, idParams, type App, type Input } from '../core/http.js'
import { createOnce, idempotencyHeaders } from '../core/idempotency.js'
import type { Platform } from '../core/platform.js'
import { inScope } from '../core/scope.js'
import {
  getReport,
  kickReports,
  listReports,
  newReportBody,
  reportFile,
  reportListQuery,
  reportPageSchema,
  reportRoles,
  reportSchema,
  requestReport,
} from './report.js'

const tags = ['reports']
const binary = { schema: { type: 'string', format: 'binary' } } as const
const types = {
  pdf: 'application/pdf',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
} as const

export async function reportRoutes(app: App, { database, clock }: Platform) {
  const db = database.db
  const now = () => clock.now()
  const kick = () =>
    kickReports(db, now, (err, id) => app.log.error({ err, reportId: id }, 'rendering a monthly report failed'))

  app.post('/api/v1/reports/monthly', {
    config: { access: reportRoles },
    schema: {
      tags,
      summary:
        'Request the monthly report (PDF and XLSX) of an area and month; rendered in the background (poll the job for its progress)',
      description:
        'One job per area, month, locale and data version (a digest of the month’s headline figures now): asking again while the figures are unchanged returns the same job. A month that has not ended is allowed and the report is marked provisional on every page and sheet; a month that has not begun is a 422 naming month.',
      headers: idempotencyHeaders,
      body: newReportBody,
      response: { 201: reportSchema, ...errorResponses(400, 401, 403, 404, 422) },
    },
    handler: async (req, reply) => {
      reply.code(201)
      const job = await createOnce(db, req, req.body, (tx) => requestReport(tx, req.ctx, req.body, clock.now()))
      if (job.state === 'queued') kick()
      return job
    },
  })

  app.get('/api/v1/reports', {
    config: { access: reportRoles },
    schema: {
      tags,
      summary: 'Monthly reports of the areas the caller administers, leads or staffs, newest month first',
      querystring: reportListQuery,
      response: { 200: reportPageSchema, ...errorResponses(401, 403) },
    },
    handler: async (req) => inScope(db, req.ctx, (tx) => listReports(tx, req.query)),
  })

  app.get('/api/v1/reports/:id', {
    config: { access: reportRoles },
    schema: {
      tags,
      summary: 'A monthly report job: its state and progress (0–100)',
      params: idParams,
      response: { 200: reportSchema, ...errorResponses(401, 403, 404) },
    },
    handler: async (req) => inScope(db, req.ctx, (tx) => getReport(tx, req.params.id)),
  })

  for (const kind of ['pdf', 'xlsx'] as const) {
    app.get<{ Params: Input<typeof idParams>; Reply: Buffer }>(`/api/v1/reports/:id/${kind}`, {
      config: { access: reportRoles },
      schema: {
        tags,
        summary: `Download a finished monthly report as ${kind.toUpperCase()} (409 while it is being rendered)`,
        params: idParams,
        response: {
          200: { description: `The report (${kind.toUpperCase()})`, content: { [types[kind]]: binary } },
          ...errorResponses(401, 403, 404, 409),
        },
      },
      handler: async (req, reply) => {
        const file = await inScope(db, req.ctx, (tx) => reportFile(tx, req.params.id, kind))
        return reply
          .type(types[kind])
          .header('content-disposition', `attachment; filename="${file.name}"`)
          .header('cache-control', 'private, no-store')
          .send(file.bytes)
      },
    })
  }
}
