import { sql } from 'kysely'
import { AppError } from './errors.js'
import { beginsInOneTrip, type Db, type Tx } from './db.js'

export const roles = ['admin', 'leader', 'staff', 'grid_worker', 'department_handler', 'mediator', 'resident'] as const
export type Role = (typeof roles)[number]
export const staffRoles: readonly Role[] = roles.filter((r) => r !== 'resident')

export interface Grant {
  role: Role
  areaId: number
  /** Materialised path of the granted area ('/1/4/17/'): the grant covers every area below it. */
  path: string
}

/** Who is calling: a signed-in user, or null for an anonymous visitor. */
export interface Actor {
  userId: number
  username: string
  displayName: string
  grants: Grant[]
  /** The department the user works for (department handlers, mediators), if any. */
  departmentId?: number | null
}

export interface RequestContext {
  actor: Actor | null
  ip: string
  /** Why the caller reads personal data (X-Access-Purpose header); written to the audit trail. */
  purpose?: string | null
}

/** True when the actor holds one of `anyOf` on the area at `areaPath` or above it. */
export function holds(actor: Actor | null, anyOf: readonly Role[], areaPath: string): boolean {
  return !!actor?.grants.some((g) => anyOf.includes(g.role) && areaPath.startsWith(g.path))
}

/** True when the actor holds one of `anyOf` anywhere. */
export function holdsAnywhere(actor: Actor | null, anyOf: readonly Role[]): boolean {
  return !!actor?.grants.some((g) => anyOf.includes(g.role))
}

/** An admin granted on a root (city) area: the platform-wide settings and checks are theirs. */
export function isRootAdmin(actor: Actor | null): boolean {
  return !!actor?.grants.some((g) => g.role === 'admin' && /^\/\d+\/$/.test(g.path))
}

export function requireRootAdmin(ctx: RequestContext, why: string): Actor {
  const actor = requireRoleSomewhere(ctx, ['admin'])
  if (!isRootAdmin(actor)) throw new AppError('FORBIDDEN', why)
  return actor
}

export function requireActor(ctx: RequestContext): Actor {
  if (!ctx.actor) throw new AppError('AUTH_REQUIRED', 'sign in first')
  return ctx.actor
}

export function requireRoleSomewhere(ctx: RequestContext, anyOf: readonly Role[]): Actor {
  const actor = requireActor(ctx)
  if (!holdsAnywhere(actor, anyOf)) throw new AppError('FORBIDDEN', `requires one of the roles: ${anyOf.join(', ')}`)
  return actor
}

/**
 * Runs `fn` in a transaction as the unprivileged application role with the caller's grants set,
 * so PostgreSQL row-level security confines every statement to the caller's areas even where a
 * query forgets its own filter. Keep non-database awaits out of `fn`: on PGlite an open
 * transaction blocks every other request.
 */
export function inScope<T>(db: Db, ctx: RequestContext, fn: (tx: Tx) => Promise<T>): Promise<T> {
  const grants = (ctx.actor?.grants ?? []).map((g) => `${g.role}:${g.path}`).join(',')
  if (beginsInOneTrip(db)) return inScopeOneTrip(db, ctx, grants, fn)
  return db.transaction().execute(async (tx) => {
    await sql`select set_config('role', 'grassroots_app', true),
                     set_config('app.user_id', ${String(ctx.actor?.userId ?? '')}, true),
                     set_config('app.grants', ${grants}, true)`.execute(tx)
    return fn(tx)
  })
}

const literal = (v: string) => `'${v.replace(/'/g, "''")}'`

/**
 * inScope on PostgreSQL: BEGIN and the caller's settings go in one message (the simple protocol
 * takes several statements), saving a round trip on every request; the values are literals of
 * digits, role names and area paths, quoted all the same.
 */
async function inScopeOneTrip<T>(db: Db, ctx: RequestContext, grants: string, fn: (tx: Tx) => Promise<T>): Promise<T> {
  return db.connection().execute(async (conn) => {
    await sql
      .raw(
        `begin; select set_config('role', 'grassroots_app', true), set_config('app.user_id', ${literal(String(ctx.actor?.userId ?? ''))}, true), set_config('app.grants', ${literal(grants)}, true)`,
      )
      .execute(conn)
    let result: T
    try {
      // The connection is inside the transaction just begun; to the code it is one.
      result = await fn(conn as unknown as Tx)
    } catch (err) {
      await sql
        .raw('rollback')
        .execute(conn)
        .catch(() => {})
      throw err
    }
    await sql.raw('commit').execute(conn)
    return result
  })
}

/** Trusted work (authentication, migrations, seeding, the CLI, the scheduler) runs as owner. */
export function asSystem<T>(db: Db, fn: (tx: Tx) => Promise<T>): Promise<T> {
  return db.transaction().execute(fn)
}
