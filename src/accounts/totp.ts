import { Secret, TOTP } from 'otpauth'
import { sql } from 'kysely'
import { recordAudit } from '../audit/service.js'
import { AppError } from '../core/errors.js'
import type { Db, Tx } from '../core/db.js'
import { asSystem, requireActor, type RequestContext } from '../core/scope.js'

// Optional second factor for staff: TOTP (RFC 6238, 30 s steps, 6 digits, SHA-1 as every
// authenticator app supports). Secrets are readable only by the owner role, never by requests.

const ISSUER = 'Grassroots'
const PERIOD = 30

const totpFor = (secret: string, label: string) =>
  new TOTP({ issuer: ISSUER, label, secret: Secret.fromBase32(secret), period: PERIOD, digits: 6 })

/** The time step a code belongs to, if it is valid at `now` (one step of clock drift either way). */
export function validStep(secret: string, code: string, now: Date): number | null {
  const delta = TOTP.validate({
    token: code,
    secret: Secret.fromBase32(secret),
    period: PERIOD,
    digits: 6,
    timestamp: now.getTime(),
    window: 1,
  })
  return delta === null ? null : Math.floor(now.getTime() / 1000 / PERIOD) + delta
}

/** Starts enrolment: a new secret waits until a code from it is confirmed. */
export async function beginTotp(db: Db, ctx: RequestContext) {
  const actor = requireActor(ctx)
  const secret = new Secret({ size: 20 }).base32
  await asSystem(db, async (tx) => {
    // Replacing an active factor would let a stolen session swap it: turning it off needs a code.
    if (await hasSecondFactor(tx, actor.userId))
      throw new AppError('CONFLICT', 'a second factor is already on; turn it off with a current code first', null)
    await tx.updateTable('app_user').set({ totp_pending_secret: secret }).where('id', '=', actor.userId).execute()
  })
  return { secret, otpauthUri: totpFor(secret, actor.username).toString() }
}

export async function confirmTotp(db: Db, ctx: RequestContext, code: string, now: Date) {
  const actor = requireActor(ctx)
  await asSystem(db, async (tx) => {
    const u = await tx
      .selectFrom('app_user')
      .select(['totp_pending_secret'])
      .where('id', '=', actor.userId)
      .executeTakeFirstOrThrow()
    if (!u.totp_pending_secret) throw new AppError('CONFLICT', 'start the set-up first', 'code')
    const step = validStep(u.totp_pending_secret, code, now)
    if (step === null)
      throw new AppError('VALIDATION_FAILED', 'the code does not match; check the device clock', 'code')
    await tx
      .updateTable('app_user')
      .set({ totp_secret: u.totp_pending_secret, totp_pending_secret: null, totp_last_step: step })
      .where('id', '=', actor.userId)
      .execute()
    await recordAudit(tx, ctx, { action: 'auth.totp_enabled', entityType: 'user', entityId: actor.userId })
  })
}

export async function disableTotp(db: Db, ctx: RequestContext, code: string, now: Date) {
  const actor = requireActor(ctx)
  await asSystem(db, async (tx) => {
    if (!(await checkSecondFactor(tx, actor.userId, code, now)))
      throw new AppError('VALIDATION_FAILED', 'wrong or already used code', 'code')
    await tx
      .updateTable('app_user')
      .set({ totp_secret: null, totp_last_step: null })
      .where('id', '=', actor.userId)
      .execute()
    await recordAudit(tx, ctx, { action: 'auth.totp_disabled', entityType: 'user', entityId: actor.userId })
  })
}

/**
 * Checks a code for a user with TOTP on, and burns its time step so the same code cannot be used
 * twice. Returns false for a wrong or replayed code; throws when the user has no second factor.
 */
export async function checkSecondFactor(tx: Tx, userId: number, code: string, now: Date): Promise<boolean> {
  const u = await tx
    .selectFrom('app_user')
    .select(['totp_secret', 'totp_last_step'])
    .where('id', '=', userId)
    .forUpdate()
    .executeTakeFirstOrThrow()
  if (!u.totp_secret) throw new AppError('CONFLICT', 'no second factor is set up', 'code')
  const step = validStep(u.totp_secret, code, now)
  if (step === null || (u.totp_last_step !== null && step <= u.totp_last_step)) return false
  await tx.updateTable('app_user').set({ totp_last_step: step }).where('id', '=', userId).execute()
  return true
}

export async function hasSecondFactor(db: Db | Tx, userId: number): Promise<boolean> {
  const { rows } = await sql<{
    on: boolean
  }>`select totp_secret is not null as on from app_user where id = ${userId}`.execute(db)
  return rows[0]?.on ?? false
}
