import { sql } from 'kysely'
import { actorForUser } from '../accounts/service.js'
import { notify } from '../cases/notify.js'
import type { Tx } from '../core/db.js'
import { AppError } from '../core/errors.js'
import { holds, requireActor, type Actor, type RequestContext, type Role } from '../core/scope.js'

// What every part of participation shares: who runs it, who takes part, the verification check,
// the caller's home area, uploads checked by their bytes, and notifications that respect the
// resident's choice (daily digest by default, immediate on request, off per process).

/** Who runs participation in an area (publishes, moderates, answers, records meetings). */
export const participationStaff: Role[] = ['admin', 'leader', 'staff']

/** The caller must be staff of participation over the area at `areaPath`, else 403. */
export function requireParticipationStaff(ctx: RequestContext, areaPath: string): Actor {
  const actor = requireActor(ctx)
  if (!holds(actor, participationStaff, areaPath))
    throw new AppError('FORBIDDEN', 'only admins, leaders and staff of the area run its participation')
  return actor
}

export const isParticipationStaff = (actor: Actor | null, areaPath: string) =>
  holds(actor, participationStaff, areaPath)

/** The area paths where the caller runs participation (their drafts and staff views live there). */
export const staffPaths = (actor: Actor | null) =>
  (actor?.grants ?? []).filter((g) => participationStaff.includes(g.role)).map((g) => g.path)

/** A demo account as the actor of a use case (the demo seeds go through the use cases). */
export async function demoActor(tx: Tx, username: string): Promise<RequestContext> {
  const u = await tx.selectFrom('app_user').select('id').where('username', '=', username).executeTakeFirstOrThrow()
  return { actor: await actorForUser(tx, u.id), ip: 'demo' }
}

/** An area's id by its code (the demo seeds name areas by code). */
export async function areaIdByCode(tx: Tx, code: string): Promise<number> {
  return (await tx.selectFrom('area').select('id').where('code', '=', code).executeTakeFirstOrThrow()).id
}

/** True when the caller's account is tied to a registry person (by code or in person). */
export async function isVerified(tx: Tx, userId: number): Promise<boolean> {
  const row = await tx
    .selectFrom('resident_verification')
    .select('user_id')
    .where('user_id', '=', userId)
    .executeTakeFirst()
  return !!row
}

/**
 * Refuses an action that the process reserves for verified residents, telling the caller how to
 * verify (the error's details carry the two ways, so a client can link to them).
 */
export async function requireVerified(tx: Tx, ctx: RequestContext, needed: boolean): Promise<Actor> {
  const actor = requireActor(ctx)
  if (needed && !(await isVerified(tx, actor.userId)))
    throw new AppError(
      'VERIFICATION_REQUIRED',
      'verify your account first: POST /api/v1/verification/challenge with your name and ID number, then confirm the code sent to the phone in the registry; or verify in person at the community office',
      null,
      {},
      { how: ['registry_code', 'in_person'], start: '/api/v1/verification/challenge' },
    )
  return actor
}

/**
 * The area a participant speaks for: their verified registry area, else the deepest area of
 * their grants (a resident's community). Used for read counts and response breakdowns.
 */
export async function homeAreaId(tx: Tx, actor: Actor): Promise<number | null> {
  const verified = await tx
    .selectFrom('resident_verification')
    .select('area_id')
    .where('user_id', '=', actor.userId)
    .executeTakeFirst()
  if (verified) return verified.area_id
  const deepest = [...actor.grants].sort((a, b) => b.path.length - a.path.length)[0]
  return deepest?.areaId ?? null
}

export const subjectKinds = ['notice', 'consultation', 'survey', 'proposal', 'meeting', 'accountability'] as const
export type SubjectKind = (typeof subjectKinds)[number]

/**
 * Tells participants about a change to something they take part in. Each user gets it as they
 * chose: nothing when they unsubscribed from this process, an inbox notification at once when
 * they chose "immediate", otherwise an item of tomorrow's digest (one notification a day, however
 * many changes), so a busy proposal never floods anyone.
 */
export async function tellParticipants(
  tx: Tx,
  userIds: Iterable<number>,
  n: { subjectKind: SubjectKind; subjectId: number; kind: string; params: Record<string, unknown>; at: Date },
): Promise<void> {
  const ids = [...new Set(userIds)]
  if (ids.length === 0) return
  // Preferences and unsubscriptions are each user's own rows: read them with the owner's rights
  // through a definer function would be one more migration; the use case runs inside the caller's
  // scope, so these reads go through a function that returns only the delivery choice.
  const { rows } = await sql<{ user_id: number; delivery: 'digest' | 'immediate' | 'off' }>`
    select u as user_id, app_participation_delivery(u, ${n.subjectKind}, ${n.subjectId}::bigint) as delivery
    from unnest(${ids}::integer[]) as u`.execute(tx)
  const immediate = rows.filter((r) => r.delivery === 'immediate').map((r) => r.user_id)
  const digest = rows.filter((r) => r.delivery === 'digest').map((r) => r.user_id)
  const params = { ...n.params, subjectKind: n.subjectKind, subjectId: n.subjectId, event: n.kind }
  await notify(tx, immediate, { kind: 'participation_update', caseId: null, params, at: n.at })
  if (digest.length)
    await tx
      .insertInto('participation_digest_item')
      .values(
        digest.map((user_id) => ({
          user_id,
          subject_kind: n.subjectKind,
          subject_id: n.subjectId,
          kind: n.kind,
          params: JSON.stringify(n.params),
          created_at: n.at,
          sent_at: null,
        })),
      )
      .execute()
}

/**
 * Display names of participants by user id. Residents cannot read other accounts (row-level
 * security on app_user), so the names come through a definer function that returns nothing else.
 */
export async function displayNames(tx: Tx, ids: Iterable<number>): Promise<Map<number, string>> {
  const list = [...new Set(ids)]
  if (list.length === 0) return new Map()
  const { rows } = await sql<{ id: number; display_name: string }>`
    select id, display_name from app_display_names(${list}::integer[])`.execute(tx)
  return new Map(rows.map((r) => [r.id, r.display_name]))
}
