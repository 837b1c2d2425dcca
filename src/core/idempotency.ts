import { sha256Hex } from './privacy.js'
import { stringify } from 'safe-stable-stringify'
import { AppError } from './errors.js'
import type { Db, Tx } from './db.js'
import { inScope, type RequestContext } from './scope.js'

/** The header schema of every create route. */
export const idempotencyHeaders = {
  type: 'object',
  properties: { 'idempotency-key': { type: 'string', minLength: 1, maxLength: 200 } },
} as const

export interface Reply<T> {
  status: number
  body: T
}

/** Canonical JSON of a request body; a body nested deeper than the stack allows is the client's error. */
function canonical(request: unknown): string {
  try {
    return stringify(request ?? null) ?? 'null'
  } catch (err) {
    if (err instanceof RangeError)
      throw new AppError('VALIDATION_FAILED', 'the request body is nested too deeply', 'body')
    throw err
  }
}

/**
 * Runs a create exactly once per (caller, Idempotency-Key). The key row is inserted first in the
 * same transaction as the create: a concurrent retry waits on the key's unique index until the
 * first commits, then finds the stored answer and returns it unchanged. Reusing a key for a
 * different request is refused rather than silently answered with the old result.
 */
export async function idempotent<T>(
  tx: Tx,
  ctx: RequestContext,
  key: string | undefined,
  request: unknown,
  create: () => Promise<Reply<T>>,
  /** What to remember of the answer: a secret shown once (a new key, a signing secret) is left out of replays. */
  remember: (body: T) => T = (body) => body,
): Promise<Reply<T>> {
  if (key === undefined) return create()
  // Anonymous callers are told apart by address, so one cannot replay another's answer.
  const caller = ctx.actor ? `user:${ctx.actor.userId}` : `anonymous:${ctx.ip}`
  // Key order does not matter: a client that rebuilds the same body in another order is retrying.
  const requestHash = sha256Hex(canonical(request))
  const claimed = await tx
    .insertInto('idempotency_key')
    .values({ caller, key, request_hash: requestHash, status_code: 0, response: 'null' })
    .onConflict((oc) => oc.doNothing())
    .returning('key')
    .executeTakeFirst()
  if (!claimed) {
    const prior = await tx
      .selectFrom('idempotency_key')
      .select(['request_hash', 'status_code', 'response'])
      .where('caller', '=', caller)
      .where('key', '=', key)
      .executeTakeFirstOrThrow()
    if (prior.request_hash !== requestHash) {
      throw new AppError(
        'IDEMPOTENCY_KEY_REUSED',
        'this Idempotency-Key was used for a different request',
        'Idempotency-Key',
      )
    }
    return { status: prior.status_code, body: prior.response as T }
  }
  const reply = await create()
  await tx
    .updateTable('idempotency_key')
    .set({ status_code: reply.status, response: JSON.stringify(remember(reply.body)) })
    .where('caller', '=', caller)
    .where('key', '=', key)
    .execute()
  return reply
}

/**
 * A create route's whole transaction: in the caller's scope, `create` runs once per
 * (caller, Idempotency-Key); a retry gets the first answer. The route sets its success status
 * (`reply.code(201)`) and returns what this returns, so the answer is checked against its schema.
 */
export function createOnce<T>(
  db: Db,
  req: { ctx: RequestContext; headers: { 'idempotency-key'?: string } },
  request: unknown,
  create: (tx: Tx) => Promise<T>,
  /** The status the route answers with (stored with the answer); what of the answer to keep for replays. */
  opts: { status?: number; remember?: (body: T) => T } = {},
): Promise<T> {
  return inScope(db, req.ctx, async (tx) => {
    const reply = await idempotent(
      tx,
      req.ctx,
      req.headers['idempotency-key'],
      request,
      async () => ({ status: opts.status ?? 201, body: await create(tx) }),
      opts.remember,
    )
    return reply.body
  })
}
