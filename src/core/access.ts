import type { FastifyInstance, FastifyRequest, RouteOptions } from 'fastify'
import { requireActor, requireRoleSomewhere, type Role } from './scope.js'

/**
 * Who may call a route, declared beside it in `config.access` and enforced by one hook:
 * - `'public'`: anyone, signed in or not (published with `security: []`);
 * - `'signed-in'`: any signed-in account, residents included;
 * - a list of roles: the caller holds at least one of them somewhere.
 * Which record and area the caller may touch is decided by the use case, with RLS behind it.
 */
export type Access = 'public' | 'signed-in' | readonly Role[]

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: Access
  }
}

/** Routes outside the API's own conventions (documentation UI, static files, the web app shell). */
const exempt = (url: string) => url.startsWith('/api/docs') || !url.startsWith('/') || url === '/*' || url === '/'

/** Refuses to register a route that does not say who may call it, and checks every call. */
export function installAccess(app: FastifyInstance): void {
  app.addHook('onRoute', (route: RouteOptions) => {
    if (exempt(route.url) || route.schema?.hide) return
    const access = (route.config as { access?: Access } | undefined)?.access
    if (access === undefined) throw new Error(`${route.method} ${route.url} declares no config.access`)
  })
  // After validation, where the handlers' own checks used to run: a malformed request is a 400
  // whoever sends it, as before.
  app.addHook('preHandler', async (req) => enforce(req))
}

function enforce(req: FastifyRequest): void {
  const access = req.routeOptions.config?.access
  if (access === undefined || access === 'public') return
  if (access === 'signed-in') requireActor(req.ctx)
  else requireRoleSomewhere(req.ctx, access)
}

/** The roles an operation admits, for the OpenAPI document's `x-roles`. */
export function rolesOf(access: Access): string[] {
  if (access === 'public') return ['anonymous']
  if (access === 'signed-in') return ['signed-in']
  return [...access]
}

/** @fastify/swagger transform: publishes `x-roles` and marks public operations `security: []`. */
export function accessTransform({ schema, url, route }: { schema: object; url: string; route: RouteOptions }) {
  const access = (route.config as { access?: Access } | undefined)?.access
  if (access === undefined) return { schema, url }
  return {
    url,
    schema: { ...schema, 'x-roles': rolesOf(access), ...(access === 'public' ? { security: [] } : {}) },
  }
}
