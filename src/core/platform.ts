import type { Config } from '../config.js'
import type { Clock } from './clock.js'
import type { Database } from './db.js'

/** What every domain's routes are given: the database and the configuration. */
export interface Platform {
  database: Database
  config: Config
  clock: Clock
}

declare module 'fastify' {
  interface FastifyRequest {
    ctx: import('./scope.js').RequestContext
    sessionToken: string | null
  }
}
