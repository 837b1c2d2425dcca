import { errorResponses, type App } from '../core/http.js'
import { pageSchema } from '../core/paging.js'
import type { Platform } from '../core/platform.js'
import { inScope, staffRoles } from '../core/scope.js'
import { caseDashboard, dashboardQuery, dashboardSchema, drillCases, drillItemSchema, drillQuery } from './dashboard.js'

const tags = ['statistics']

/** The leader dashboard and the cases behind each of its figures; the access of /stats/cases. */
export async function dashboardRoutes(app: App, { database, clock }: Platform) {
  app.get('/api/v1/analytics/dashboard', {
    config: { access: staffRoles },
    schema: {
      tags,
      summary:
        'Leader dashboard for an area subtree and period: every figure of /stats/cases with extension and return rates, each against the previous period and the same period last year; trend, channels, top categories and top grids',
      description:
        'from and to are dates in the area’s time zone, to exclusive (default: the 30 days up to today). Formulas in `definitions`.',
      querystring: dashboardQuery,
      response: { 200: dashboardSchema, ...errorResponses(400, 401, 403, 404) },
    },
    // Like /stats/cases, it tolerates a replica's lag and reads from it when there is one.
    handler: async (req) =>
      inScope(database.reads, req.ctx, (tx) => caseDashboard(tx, req.ctx, req.query, clock.now())),
  })

  app.get('/api/v1/analytics/dashboard/cases', {
    config: { access: staffRoles },
    schema: {
      tags,
      summary:
        'The cases behind one count figure of the dashboard (same population and filters, optionally one channel or one grid), newest first; the total equals the figure',
      querystring: drillQuery,
      response: { 200: pageSchema(drillItemSchema), ...errorResponses(400, 401, 403, 404) },
    },
    handler: async (req) => inScope(database.reads, req.ctx, (tx) => drillCases(tx, req.ctx, req.query, clock.now())),
  })
}
