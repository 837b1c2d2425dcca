import { sql } from 'kysely'
import type { Db, Tx } from '../core/db.js'
import type { Input, Output } from '../core/http.js'
import { body, id, shape } from '../core/schemas.js'
import { requireActor, type RequestContext } from '../core/scope.js'
import { subjectKinds } from './common.js'

// Participation tells residents of changes as a daily digest unless they choose otherwise: the
// items of a day become one inbox notification at 18:00 Beijing time, so a resident following a
// busy proposal gets one message a day, not fifty. Immediate delivery and unsubscribing per
// process are the resident's own choices.

/** The digest goes out at 18:00 in Beijing (UTC+8, no daylight saving): 10:00 UTC. */
const DIGEST_HOUR_UTC = 10
/** At most this many items are listed in one digest; its count says how many there were. */
const ITEMS_PER_DIGEST = 20

/** The latest digest time at or before `now`. */
export function digestCutoff(now: Date): Date {
  const cut = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate(), DIGEST_HOUR_UTC))
  return cut <= now ? cut : new Date(cut.getTime() - 86_400_000)
}

/**
 * Turns every pending item created before the last cutoff into one notification per user, in one
 * statement: an item is marked sent in the same statement that writes its digest, so a crash
 * neither loses nor repeats one. Returns the number of digests written.
 */
export async function sendDigests(db: Db | Tx, now: Date): Promise<number> {
  const cutoff = digestCutoff(now)
  const { rows } = await sql<{ n: string }>`
    with due as (
      update participation_digest_item set sent_at = ${now}
      where sent_at is null and created_at < ${cutoff}
      returning id, user_id, subject_kind, subject_id, kind, params, created_at
    ), ranked as (
      select *, row_number() over (partition by user_id order by id desc) as r from due
    ), written as (
      insert into notification (user_id, case_id, kind, params, created_at)
      select user_id, null, 'participation_digest',
             jsonb_build_object(
               'count', count(*),
               'items', jsonb_agg(params || jsonb_build_object('subjectKind', subject_kind, 'subjectId', subject_id, 'event', kind)
                                  order by id desc) filter (where r <= ${ITEMS_PER_DIGEST})),
             ${now}::timestamptz
      from ranked group by user_id
      returning 1
    )
    select count(*) as n from written`.execute(db)
  return Number(rows[0]?.n ?? 0)
}

export const preferenceSchema = shape({
  delivery: { type: 'string', enum: ['digest', 'immediate'] },
  unsubscribed: {
    type: 'array',
    items: shape({ subjectKind: { type: 'string', enum: subjectKinds }, subjectId: { type: 'integer' } }),
  },
})
export const preferenceBody = body(['delivery'], { delivery: { type: 'string', enum: ['digest', 'immediate'] } })
export const unsubscribeBody = body(['subjectKind', 'subjectId'], {
  subjectKind: { type: 'string', enum: subjectKinds },
  subjectId: id,
})

export async function preferenceOf(tx: Tx, ctx: RequestContext): Promise<Output<typeof preferenceSchema>> {
  const actor = requireActor(ctx)
  const [pref, off] = await Promise.all([
    tx.selectFrom('participation_preference').select('delivery').where('user_id', '=', actor.userId).executeTakeFirst(),
    tx
      .selectFrom('participation_unsubscribe')
      .select(['subject_kind', 'subject_id'])
      .where('user_id', '=', actor.userId)
      .orderBy('created_at')
      .execute(),
  ])
  return {
    delivery: pref?.delivery === 'immediate' ? 'immediate' : 'digest',
    unsubscribed: off.map((o) => ({
      subjectKind: o.subject_kind as (typeof subjectKinds)[number],
      subjectId: o.subject_id,
    })),
  }
}

export async function savePreference(tx: Tx, ctx: RequestContext, input: Input<typeof preferenceBody>, now: Date) {
  const actor = requireActor(ctx)
  await tx
    .insertInto('participation_preference')
    .values({ user_id: actor.userId, delivery: input.delivery, updated_at: now })
    .onConflict((oc) => oc.column('user_id').doUpdateSet({ delivery: input.delivery, updated_at: now }))
    .execute()
}

export async function unsubscribe(tx: Tx, ctx: RequestContext, input: Input<typeof unsubscribeBody>, now: Date) {
  const actor = requireActor(ctx)
  await tx
    .insertInto('participation_unsubscribe')
    .values({ user_id: actor.userId, subject_kind: input.subjectKind, subject_id: input.subjectId, created_at: now })
    .onConflict((oc) => oc.columns(['user_id', 'subject_kind', 'subject_id']).doNothing())
    .execute()
}

export async function resubscribe(tx: Tx, ctx: RequestContext, input: Input<typeof unsubscribeBody>) {
  const actor = requireActor(ctx)
  await tx
    .deleteFrom('participation_unsubscribe')
    .where('user_id', '=', actor.userId)
    .where('subject_kind', '=', input.subjectKind)
    .where('subject_id', '=', input.subjectId)
    .execute()
}
