import { errorResponses, type App } from '../core/http.js'
import type { Platform } from '../core/platform.js'
import { inScope, staffRoles } from '../core/scope.js'
import { caseEvaluation, evaluationQuery, evaluationSchema } from './evaluation.js'
import { caseStats, statsQuery, statsSchema } from './stats.js'

export async function statsRoutes(app: App, { database, clock }: Platform) {
  app.get('/api/v1/stats/cases', {
    config: { access: staffRoles },
    schema: {
      tags: ['statistics'],
      summary:
        'Case statistics (the three rates as 12345 counts them: response, resolution, satisfaction; acceptance, closure, on-time, rework, returns, direct answers, proactive and shelved cases) for an area and period, optionally grouped',
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

  app.get('/api/v1/stats/evaluation', {
    config: { access: staffRoles },
    schema: {
      tags: ['statistics'],
      summary:
        'GB/T 30428 evaluation over the cases due in a period (closure, on-time closure, rework, extension and return rates, satisfaction, a composite score), ranked per department, street, community or worker',
      description:
        'The population is the cases of the area subtree whose handling deadline lies in [from, to) or that were closed in it, without merged cases and direct answers; every figure and the score are defined in the `definitions` of the answer.',
      querystring: evaluationQuery,
      response: { 200: evaluationSchema, ...errorResponses(401, 403, 404) },
    },
    handler: async (req) => {
      const now = clock.now()
      return inScope(database.reads, req.ctx, (tx) => caseEvaluation(tx, req.ctx, req.query, now))
    },
  })
}
