import { existsSync } from 'node:fs'
import path from 'node:path'
import Fastify, { type FastifyInstance, type FastifyRequest, type FastifyServerOptions } from 'fastify'
import cookie from '@fastify/cookie'
import fastifyStatic from '@fastify/static'
import helmet from '@fastify/helmet'
import rateLimit from '@fastify/rate-limit'
import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import { sql } from 'kysely'
import { accountRoutes, SESSION_COOKIE } from './accounts/routes.js'
import { actorForToken } from './accounts/service.js'
import { auditRoutes } from './audit/routes.js'
import { accessTransform, installAccess } from './core/access.js'
import { AppError } from './core/errors.js'
import {
  errorSchema,
  installErrorHandler,
  sendError,
  validatorCompiler,
  type App,
  type TypeProvider,
} from './core/http.js'
import type { Platform } from './core/platform.js'
import { mapRoutes } from './analytics/maps-routes.js'
import { dashboardRoutes } from './analytics/dashboard-routes.js'
import { statsRoutes } from './analytics/routes.js'
import { assessmentRoutes } from './analytics/assessment-routes.js'
import { topicRoutes } from './analytics/topics-routes.js'
import { warningRoutes } from './analytics/warnings-routes.js'
import { reportRoutes } from './analytics/report-routes.js'
import { caseRoutes } from './cases/routes.js'
import { webhookRoutes } from './notifications/routes.js'
import { OPEN311_PREFIX, open311Routes, sendOpen311Failure } from './open311/routes.js'
import { catalogueRoutes } from './cases/catalogue-routes.js'
import { componentRoutes } from './cases/components-routes.js'
import { jurisdictionRoutes } from './jurisdiction/routes.js'
import { registryRoutes } from './registry/routes.js'
import { disputeRoutes } from './disputes/routes.js'
import { participationRoutes } from './participation/routes.js'
import { servicesRoutes } from './services/routes.js'
import { emergencyRoutes } from './emergency/routes.js'
import { devicesRoutes } from './devices/routes.js'
import { partyRoutes } from './party/routes.js'
import { trainingRoutes } from './training/routes.js'
import { gridRoutes } from './grid/routes.js'
import { metricsRoutes } from './core/metrics.js'
import { nullable, shape } from './core/schemas.js'

/** The route devices post messages to with their own secret as the bearer token. */
const DEVICE_MESSAGES_ROUTE = '/api/v1/devices/:code/messages'

export interface ServerOptions {
  loggerInstance?: FastifyServerOptions['loggerInstance']
  /** Extra routes mounted by the caller (the CLI control channel). */
  extra?: (app: App) => Promise<void> | void
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS'])

/**
 * A write authenticated by the session cookie must come from our own pages: browsers send Origin
 * (or at least Referer) with such requests, and a forged cross-site form cannot fake it. Clients
 * using bearer tokens are not exposed to CSRF and are not checked.
 */
function checkSameOrigin(req: FastifyRequest): void {
  if (SAFE_METHODS.has(req.method)) return
  const source = req.headers.origin ?? req.headers.referer
  let same = false
  try {
    // Compared as URLs so that a default port written out on one side still matches.
    const from = new URL(source ?? '')
    same = !!req.headers.host && from.host === new URL(`${from.protocol}//${req.headers.host}`).host
  } catch {
    same = false
  }
  if (!same) {
    throw new AppError(
      'CSRF_REJECTED',
      'a cookie-authenticated write must come from this site (Origin header)',
      'Origin',
    )
  }
}

/** Security headers (CSP without inline scripts, frame-ancestors, HSTS over TLS) and rate limits. */
async function registerWebSecurity(app: FastifyInstance, platform: Platform): Promise<void> {
  const tileOrigin = platform.config.tileUrl ? new URL(platform.config.tileUrl.replace(/\{[a-z]\}/g, 'a')).origin : null
  await app.register(helmet, {
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        // Leaflet positions map panes with inline style attributes; scripts stay strict.
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:', 'blob:', ...(tileOrigin ? [tileOrigin] : [])],
        connectSrc: ["'self'"],
        frameAncestors: ["'none'"],
        objectSrc: ["'none'"],
        baseUri: ["'self'"],
        formAction: ["'self'"],
        // Plain http on a LAN or loopback must keep working; TLS deployments get HSTS instead.
        upgradeInsecureRequests: null,
      },
    },
    // HSTS only means something over TLS; it is added below when the request came over https.
    hsts: false,
  })
  app.addHook('onSend', async (req, reply) => {
    if (req.protocol === 'https') reply.header('strict-transport-security', 'max-age=31536000; includeSubDomains')
  })
  await app.register(rateLimit, {
    global: false,
    errorResponseBuilder: (_req, context) =>
      new AppError('RATE_LIMITED', `too many requests; retry in ${Math.ceil(context.ttl / 1000)} s`, null, {
        'retry-after': String(Math.ceil(context.ttl / 1000)),
      }),
  })
}

/** The stated purpose of a read of personal data: URL-encoded UTF-8, at most 500 characters. */
function accessPurpose(header: string | string[] | undefined): string | null {
  if (typeof header !== 'string') return null
  try {
    return decodeURIComponent(header).slice(0, 500)
  } catch {
    throw new AppError('VALIDATION_FAILED', 'X-Access-Purpose must be URL-encoded UTF-8', 'X-Access-Purpose')
  }
}

function bearerToken(header: string | undefined): string | null {
  const m = header?.match(/^Bearer\s+(\S+)$/i)
  return m ? m[1]! : null
}

export async function buildServer(platform: Platform, opts: ServerOptions = {}): Promise<App> {
  const app = Fastify({
    ...(opts.loggerInstance ? { loggerInstance: opts.loggerInstance } : { logger: false }),
    bodyLimit: 5 * 1024 * 1024,
    trustProxy: process.env.TRUST_PROXY === '1',
    ajv: { customOptions: { removeAdditional: false } },
    // Route parameters that are not integers must be a 400 naming the field, not a 404 or 500.
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 200 },
    // Requests arriving while shutting down get a 503 in the API's own error shape (hook below).
    return503OnClosing: false,
    // A path that is not valid percent-encoded UTF-8 (`/areas/%E0%A4%A`) or has a segment over
    // maxParamLength fails before routing: answer in the error shape, not Fastify's own.
    frameworkErrors: (error, req, reply) => {
      const message = (
        {
          FST_ERR_BAD_URL: 'the path is not valid percent-encoded UTF-8',
          FST_ERR_MAX_PARAM_LENGTH: 'a path segment is too long',
        } as Record<string, string>
      )[error.code]
      if (!message) {
        req.log.error({ err: error }, 'unhandled framework error')
        return sendError(reply, new AppError('INTERNAL', 'internal error; it has been logged', null))
      }
      if (req.url.startsWith(`${OPEN311_PREFIX}/`)) return sendOpen311Failure(req, reply, 400, message)
      return sendError(reply, new AppError('VALIDATION_FAILED', message, null))
    },
  }).withTypeProvider<TypeProvider>()
  app.setValidatorCompiler(validatorCompiler())
  // The API speaks JSON only; anything else is a 415 rather than a string that fails validation.
  app.removeContentTypeParser('text/plain')
  installErrorHandler(app)
  app.addSchema(errorSchema)

  await app.register(cookie)
  await registerWebSecurity(app, platform)
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'Grassroots API',
        description:
          'Grassroots social governance platform. Errors share one shape: {"error":{"code","message","field"}}.',
        version: '0.1.0',
      },
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer' },
          cookie: { type: 'apiKey', in: 'cookie', name: SESSION_COOKIE },
        },
      },
      security: [{ bearer: [] }, { cookie: [] }],
    },
    transform: accessTransform,
    refResolver: {
      buildLocalReference: (json, _base, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`),
    },
  })
  await app.register(swaggerUi, {
    routePrefix: '/api/docs',
    // Its inline scripts are allowed by hash, not by 'unsafe-inline'; plain http must keep working.
    staticCSP: true,
    transformStaticCSP: (header) =>
      header.replace("frame-ancestors 'self'", "frame-ancestors 'none'").replace('upgrade-insecure-requests;', ''),
  })

  let closing = false
  app.addHook('preClose', async () => {
    closing = true
  })
  // Set for every request by the hook below.
  app.decorateRequest('ctx', null, [])
  app.decorateRequest('sessionToken', null)
  app.addHook('onRequest', async (req, reply) => {
    if (closing) {
      reply.header('connection', 'close')
      throw new AppError('SERVICE_UNAVAILABLE', 'the server is shutting down; retry shortly', null, {
        'retry-after': '5',
      })
    }
    // Devices present their own secret as the bearer token; the route checks it, no session is looked up.
    if (req.routeOptions.url === DEVICE_MESSAGES_ROUTE) {
      req.sessionToken = null
      req.ctx = { actor: null, ip: req.ip, purpose: null }
      return
    }
    const token = bearerToken(req.headers.authorization) ?? req.cookies[SESSION_COOKIE] ?? null
    const actor = token ? await actorForToken(platform.database.db, token) : null
    // /metrics takes its own scrape token in the same header; it checks it itself.
    if (token && !actor && req.headers.authorization && req.routeOptions.url !== '/metrics') {
      throw new AppError('AUTH_REQUIRED', 'the token is unknown, expired or revoked')
    }
    req.sessionToken = actor ? token : null
    req.ctx = { actor, ip: req.ip, purpose: accessPurpose(req.headers['x-access-purpose']) }
    if (actor && !bearerToken(req.headers.authorization)) checkSameOrigin(req)
  })

  // After the hook above: access is decided on the caller it found.
  installAccess(app)

  app.get('/healthz', {
    // Probes of load balancers and orchestrators carry no credentials.
    config: { access: 'public' },
    schema: {
      tags: ['operations'],
      summary: 'Liveness and database reachability',
      response: {
        200: shape({
          status: { type: 'string', enum: ['ok'] },
          database: { type: 'string', enum: ['pglite', 'postgresql'] },
        }),
        503: { $ref: 'Error#' },
      },
    },
    handler: async () => {
      try {
        await sql`select 1`.execute(platform.database.db)
      } catch {
        throw new AppError('DATABASE_UNAVAILABLE', 'the database does not answer', null, { 'retry-after': '5' })
      }
      return { status: 'ok' as const, database: platform.database.backend }
    },
  })

  app.get('/api/v1/config', {
    // The web app reads it before anyone signs in.
    config: { access: 'public' },
    schema: {
      tags: ['operations'],
      summary: 'Settings the web app needs before sign-in',
      response: {
        200: shape({
          tileUrl: nullable('string'),
          tileAttribution: nullable('string'),
          defaultLanguage: { type: 'string' },
        }),
      },
    },
    handler: async () => ({
      tileUrl: platform.config.tileUrl,
      tileAttribution: platform.config.tileAttribution,
      defaultLanguage: 'zh-CN',
    }),
  })

  // Not encapsulated: its response hook must see every route.
  await metricsRoutes(app, platform)
  await app.register(jurisdictionRoutes, platform)
  await app.register(accountRoutes, platform)
  await app.register(auditRoutes, platform)
  await app.register(caseRoutes, platform)
  await app.register(catalogueRoutes, platform)
  await app.register(componentRoutes, platform)
  await app.register(statsRoutes, platform)
  await app.register(assessmentRoutes, platform)
  await app.register(topicRoutes, platform)
  await app.register(reportRoutes, platform)
  await app.register(dashboardRoutes, platform)
  await app.register(mapRoutes, platform)
  await app.register(warningRoutes, platform)
  await app.register(webhookRoutes, platform)
  await app.register(open311Routes, platform)
  await app.register(registryRoutes, platform)
  await app.register(disputeRoutes, platform)
  await app.register(participationRoutes, platform)
  await app.register(servicesRoutes, platform)
  await app.register(emergencyRoutes, platform)
  await app.register(devicesRoutes, platform)
  await app.register(partyRoutes, platform)
  await app.register(trainingRoutes, platform)
  await app.register(gridRoutes, platform)
  if (opts.extra) await opts.extra(app)

  app.get('/api/openapi.json', { schema: { hide: true } }, async () => app.swagger())

  const webDir = platform.config.webDir
  const hasWeb = existsSync(path.join(webDir, 'index.html'))
  if (hasWeb) await app.register(fastifyStatic, { root: webDir, prefix: '/', wildcard: false, index: ['index.html'] })
  app.setNotFoundHandler((req, reply) => {
    // The web app routes on the client: unknown non-API GETs get its shell.
    if (hasWeb && req.method === 'GET' && !req.url.startsWith('/api/')) return reply.sendFile('index.html')
    return sendError(reply, new AppError('NOT_FOUND', `no route ${req.method} ${req.url.split('?')[0]}`, null))
  })
  return app
}
