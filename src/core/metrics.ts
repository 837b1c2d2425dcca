import { timingSafeEqual } from 'node:crypto'
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client'
import { AppError } from './errors.js'
import type { App } from './http.js'
import type { Platform } from './platform.js'
import { requireRootAdmin, type RequestContext } from './scope.js'

// Prometheus metrics at /metrics: process and event-loop figures plus request counts and
// latencies by route (the route pattern, never the URL, so ids do not explode the label space).

/**
 * Counters of the domain modules (device messages and refusals, …): a module registers its
 * metrics here (`registers: [moduleMetrics]`), so core imports no domain and /metrics serves all.
 */
export const moduleMetrics = new Registry()

export function metricsRegistry() {
  const registry = new Registry()
  collectDefaultMetrics({ register: registry, prefix: 'grassroots_' })
  const requests = new Counter({
    name: 'grassroots_http_requests_total',
    help: 'HTTP requests by method, route and status code',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [registry],
  })
  const latency = new Histogram({
    name: 'grassroots_http_request_duration_seconds',
    help: 'HTTP request latency by method and route',
    labelNames: ['method', 'route'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  })
  return { registry, requests, latency }
}

/** A scraper presents METRICS_TOKEN as a bearer token; without one configured, root admins may read. */
function authorise(ctx: RequestContext, header: string | undefined, token: string | null): void {
  if (token) {
    const given = Buffer.from(header?.replace(/^Bearer\s+/i, '') ?? '')
    const expected = Buffer.from(token)
    if (given.length === expected.length && timingSafeEqual(given, expected)) return
    throw new AppError('AUTH_REQUIRED', 'metrics need the METRICS_TOKEN bearer token')
  }
  requireRootAdmin(ctx, 'metrics are for admins of a root area')
}

export async function metricsRoutes(app: App, platform: Platform) {
  const { registry, requests, latency } = metricsRegistry()
  app.addHook('onResponse', async (req, reply) => {
    const route = req.routeOptions.url ?? 'unmatched'
    requests.inc({ method: req.method, route, status: String(reply.statusCode) })
    latency.observe({ method: req.method, route }, reply.elapsedTime / 1000)
  })
  app.get('/metrics', {
    // A scraper's METRICS_TOKEN is not a session, so no declared role can admit it: the handler checks.
    config: { access: 'public' },
    schema: {
      tags: ['operations'],
      summary: 'Prometheus metrics (METRICS_TOKEN bearer, or a root admin)',
      response: { 200: { type: 'string' } },
    },
    handler: async (req, reply) => {
      // A token-carrying scraper is not a signed-in user: the token is checked here, not as a session.
      authorise(req.ctx, req.headers.authorization, platform.config.metricsToken)
      const all = Registry.merge([registry, moduleMetrics])
      return reply.type(all.contentType).send(await all.metrics())
    },
  })
}
