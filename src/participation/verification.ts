import { randomInt, timingSafeEqual } from 'node:crypto'
import { sql } from 'kysely'
import type { Clock } from '../core/clock.js'
import type { FieldCipher } from '../core/crypto.js'
import type { Db, Tx } from '../core/db.js'
import { AppError } from '../core/errors.js'
import type { Input, Output } from '../core/http.js'
import { sha256Hex } from '../core/privacy.js'
import { body, id, nullable, shape, text } from '../core/schemas.js'
import { inScope, requireActor, type RequestContext } from '../core/scope.js'
import { recordAudit } from '../audit/service.js'
import { queueSms } from '../notifications/messages.js'
import { normaliseIdNumber } from '../registry/identity.js'
import { requireParticipationStaff } from './common.js'

// A resident account is verified by tying it to one registry person: the resident gives their
// name and ID number, the platform sends a code to the phone the registry holds for that person
// (never to a phone the caller types), and the code confirms it. Staff may verify in person after
// seeing the ID card. One person, one verified account; the registry is read with the owner's
// rights only to find the match, and the caller learns nothing but "sent to 138****0001".

const CODE_TTL_MS = 10 * 60_000
const MAX_ATTEMPTS = 5
/** Text messages to one registry phone per hour, whoever asks (a phone is not to be flooded). */
const CODES_PER_PERSON_PER_HOUR = 3

export const challengeBody = body(['name', 'idNumber'], {
  name: text(100),
  idNumber: { type: 'string', minLength: 6, maxLength: 40, pattern: '^[0-9A-Za-z -]+$' },
})
export const challengeSchema = shape({
  phoneMasked: { type: 'string', description: 'Where the code went: the registry phone, masked' },
  expiresAt: { type: 'string', format: 'date-time' },
})
export const confirmBody = body(['code'], { code: { type: 'string', pattern: '^[0-9]{6}$' } })
export const inPersonBody = body(['userId', 'personId'], { userId: id, personId: id })
export const verificationSchema = shape({
  verified: { type: 'boolean' },
  method: nullable('string'),
  verifiedAt: nullable('string'),
  areaId: nullable('integer'),
  areaNameZh: nullable('string'),
  areaNameEn: nullable('string'),
})
type Verification = Output<typeof verificationSchema>

const hashCode = (userId: number, code: string) => sha256Hex(`${userId}:${code}`)

export async function verificationOf(tx: Tx, ctx: RequestContext): Promise<Verification> {
  const actor = requireActor(ctx)
  const row = await tx
    .selectFrom('resident_verification as v')
    .innerJoin('area as a', 'a.id', 'v.area_id')
    .select(['v.method', 'v.verified_at', 'v.area_id', 'a.name_zh', 'a.name_en'])
    .where('v.user_id', '=', actor.userId)
    .executeTakeFirst()
  if (!row) return { verified: false, method: null, verifiedAt: null, areaId: null, areaNameZh: null, areaNameEn: null }
  return {
    verified: true,
    method: row.method,
    verifiedAt: row.verified_at.toISOString(),
    areaId: row.area_id,
    areaNameZh: row.name_zh,
    areaNameEn: row.name_en,
  }
}

/**
 * Step one: finds the registry person by ID number (blind index) and exact name, and queues a
 * six-digit code to their registry phone. A mismatch answers like a wrong code, so the endpoint
 * cannot be used to test whether an ID number is registered.
 */
export async function startVerification(
  db: Db,
  ctx: RequestContext,
  input: Input<typeof challengeBody>,
  clock: Clock,
  cipher: FieldCipher,
): Promise<Output<typeof challengeSchema>> {
  const actor = requireActor(ctx)
  const bidx = cipher.blindIndex('id', normaliseIdNumber(input.idNumber))
  const person = await db
    .selectFrom('person')
    .select(['id', 'name', 'phone_enc', 'phone_masked', 'area_id'])
    .where('id_number_bidx', '=', bidx)
    .where('status', '=', 'active')
    .executeTakeFirst()
  const now = clock.now()
  // No such resident, another name, no phone on file, already tied to an account, or codes asked
  // for too often: one answer for all, so the endpoint tells nothing about who is registered.
  const usable =
    person &&
    person.name === input.name.trim() &&
    person.phone_enc !== null &&
    person.phone_masked !== null &&
    !(await db
      .selectFrom('resident_verification')
      .select('user_id')
      .where('person_id', '=', person.id)
      .executeTakeFirst()) &&
    Number(
      (
        await db
          .selectFrom('verification_challenge')
          .select(sql<string>`count(*)`.as('n'))
          .where('person_id', '=', person.id)
          .where('created_at', '>', new Date(now.getTime() - 3_600_000))
          .executeTakeFirstOrThrow()
      ).n,
    ) < CODES_PER_PERSON_PER_HOUR
  if (!usable || !person?.phone_enc || !person.phone_masked) {
    await inScope(db, ctx, (tx) =>
      recordAudit(tx, ctx, { action: 'verification.mismatch', entityType: 'user', entityId: actor.userId }),
    )
    throw new AppError(
      'VERIFICATION_FAILED',
      'these details cannot be verified by a code: check the name and ID number as the registry holds them, or verify in person at the community office',
      'idNumber',
    )
  }
  const code = String(randomInt(0, 1_000_000)).padStart(6, '0')
  const expiresAt = new Date(now.getTime() + CODE_TTL_MS)
  const phone = Buffer.from(person.phone_enc)
  await inScope(db, ctx, async (tx) => {
    if (
      await tx
        .selectFrom('resident_verification')
        .select('user_id')
        .where('user_id', '=', actor.userId)
        .executeTakeFirst()
    )
      throw new AppError('ALREADY_VERIFIED', 'your account is already verified')
    await tx.deleteFrom('verification_challenge').where('user_id', '=', actor.userId).execute()
    await tx
      .insertInto('verification_challenge')
      .values({
        user_id: actor.userId,
        person_id: person.id,
        code_hash: hashCode(actor.userId, code),
        attempts: 0,
        expires_at: expiresAt,
        created_at: now,
      })
      .execute()
    await queueSms(tx, { caseId: null, to: phone, templateKey: 'verification.code', params: { code }, at: now })
  })
  return { phoneMasked: person.phone_masked, expiresAt: expiresAt.toISOString() }
}

/** Step two: the code from the phone ties the account to the person. */
export async function confirmVerification(
  tx: Tx,
  ctx: RequestContext,
  input: Input<typeof confirmBody>,
  now: Date,
): Promise<{ attempt: 'ok'; personId: number } | { attempt: 'wrong' | 'expired' }> {
  const actor = requireActor(ctx)
  const challenge = await tx
    .selectFrom('verification_challenge')
    .selectAll()
    .where('user_id', '=', actor.userId)
    .forUpdate()
    .executeTakeFirst()
  if (!challenge || challenge.expires_at <= now || challenge.attempts >= MAX_ATTEMPTS) return { attempt: 'expired' }
  const expected = Buffer.from(challenge.code_hash, 'hex')
  const given = Buffer.from(hashCode(actor.userId, input.code), 'hex')
  if (!timingSafeEqual(expected, given)) {
    await tx
      .updateTable('verification_challenge')
      .set({ attempts: challenge.attempts + 1 })
      .where('user_id', '=', actor.userId)
      .execute()
    return { attempt: 'wrong' }
  }
  // The code is spent with the verification it makes (completeVerification), so a failure there leaves it usable.
  return { attempt: 'ok', personId: Number(challenge.person_id) }
}

/**
 * Records the verification once the code matched: the person's area is read with the owner's
 * rights (a resident cannot read the registry), then written in the caller's scope.
 */
export async function completeVerification(
  db: Db,
  ctx: RequestContext,
  personId: number,
  method: 'registry_code' | 'in_person',
  userId: number,
  now: Date,
): Promise<void> {
  const person = await db
    .selectFrom('person')
    .select(['area_id'])
    .where('id', '=', personId)
    .where('status', '=', 'active')
    .executeTakeFirst()
  if (!person) throw new AppError('PERSON_NOT_FOUND', 'no active resident with this id', 'personId')
  const clash = await db
    .selectFrom('resident_verification')
    .select(['user_id', 'person_id'])
    .where((w) => w.or([w('person_id', '=', personId), w('user_id', '=', userId)]))
    .executeTakeFirst()
  if (clash) throw new AppError('ALREADY_VERIFIED', 'the account or the resident is already verified', 'personId')
  await inScope(db, ctx, async (tx) => {
    if (method === 'registry_code')
      await tx.deleteFrom('verification_challenge').where('user_id', '=', userId).execute()
    await tx
      .insertInto('resident_verification')
      .values({
        user_id: userId,
        person_id: personId,
        area_id: person.area_id,
        method,
        verified_by: method === 'in_person' ? (ctx.actor?.userId ?? null) : null,
        verified_at: now,
      })
      .execute()
    await recordAudit(tx, ctx, {
      action: `verification.${method}`,
      entityType: 'user',
      entityId: userId,
      areaId: person.area_id,
      detail: { personId },
    })
  })
}

/** Staff verify a resident in person: the person must be in the staff member's areas. */
export async function verifyInPerson(
  db: Db,
  ctx: RequestContext,
  input: Input<typeof inPersonBody>,
  now: Date,
): Promise<void> {
  const person = await db
    .selectFrom('person as p')
    .innerJoin('area as a', 'a.id', 'p.area_id')
    .select(['a.path'])
    .where('p.id', '=', input.personId)
    .executeTakeFirst()
  if (!person) throw new AppError('PERSON_NOT_FOUND', 'no resident with this id', 'personId')
  requireParticipationStaff(ctx, person.path)
  // Only an account of the staff member's own areas (row-level security on app_user decides).
  const user = await inScope(db, ctx, (tx) =>
    tx.selectFrom('app_user').select('id').where('id', '=', input.userId).executeTakeFirst(),
  )
  if (!user) throw new AppError('USER_NOT_FOUND', 'no account with this id in your areas', 'userId')
  await completeVerification(db, ctx, input.personId, 'in_person', input.userId, now)
}
