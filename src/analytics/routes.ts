import { errorResponses, type App } from '../core/http.js'
import type { Platform } from '../core/platform.js'
import { inScope, staffRoles } from '../core/scope.js'
import { caseStats, statsQuery, statsSchema } from './stats.js'

export async function statsRoutes(app: App, { database, clock }: Platform) {
  app.get('/api/v1/stats/cases', {
    config: { access: staffRoles },
    schema: {
      tags: ['statistics'],
      summary:
        'Case statistics (response, resolution and satisfaction rates, on-time rates, rework, handling time) for an area and period, optionally grouped',
      description:
        'The population is the cases submitted in [from, to) in the area subtree, without merged cases; every figure is defined in the `definitions` of the answer.',
      querystring: statsQuery,
      response: { 200: statsSchema, ...errorResponses(401, 403, 404) },
    },
    handler: async (req) => {
      const now = clock.now()
      // Statistics tolerate a replica's lag of a second or so: they read from it when there is one.
      return inScope(database.reads, req.ctx, (tx) => caseStats(tx, req.ctx, req.query, now))
    },
  })
}
