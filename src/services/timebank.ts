import { sql } from 'kysely'
import { recordAudit } from '../audit/service.js'
import type { Tx } from '../core/db.js'
import { AppError, notFound } from '../core/errors.js'
import type { Input, Output } from '../core/http.js'
import { offsetOf, pageQuerySchema, paginate } from '../core/paging.js'
import { body, nullable, shape, text, timestamp } from '../core/schemas.js'
import { requireActor, type RequestContext } from '../core/scope.js'
import { areaPathOf } from '../jurisdiction/service.js'
import { isServicesStaff, requireServicesRole, volunteerStaff } from './common.js'

// The time bank (时间银行): every movement of a volunteer's hours is a time_bank_entry — earned at
// an activity (credited at check-out, once per activity and volunteer by a unique index), spent on
// a service (the catalogue part), adjusted by service staff with a note. The AFTER INSERT trigger
// moves volunteer.balance and hours_total in the same statement; balance >= 0 refuses an overdraft.

export const entryKinds = ['earned', 'spent', 'adjusted'] as const

export const entrySchema = shape({
  id: { type: 'integer' },
  kind: { type: 'string', enum: entryKinds },
  hours: { type: 'number' },
  activityId: nullable('integer'),
  activityTitle: nullable('string'),
  applicationId: nullable('integer'),
  serviceName: { ...nullable('string'), description: 'The service paid for, when the caller may read its application' },
  note: nullable('string'),
  createdAt: timestamp,
})

export const hoursSchema = shape({
  volunteerId: { type: 'integer' },
  balance: { type: 'number' },
  hoursTotal: { type: 'number' },
  items: { type: 'array', items: entrySchema },
  page: { type: 'integer' },
  pageSize: { type: 'integer' },
  total: { type: 'integer' },
})

export const hoursQuery = {
  type: 'object',
  additionalProperties: false,
  properties: { ...pageQuerySchema },
} as const

export const adjustmentBody = body(['hours', 'note'], {
  hours: {
    type: 'number',
    minimum: -1000,
    maximum: 1000,
    multipleOf: 0.25,
    not: { const: 0 },
    description: 'Hours added (positive) or taken (negative), in quarter hours; not zero',
  },
  note: { ...text(500), description: 'Why (kept with the entry and in the audit trail)' },
})

/** A volunteer row the caller may read (row-level security: themself or volunteer staff of the area). */
export async function loadVolunteer(tx: Tx, volunteerId: number) {
  const v = await tx.selectFrom('volunteer').selectAll().where('id', '=', volunteerId).executeTakeFirst()
  if (!v) throw notFound('VOLUNTEER_NOT_FOUND', 'no such volunteer', 'id')
  return v
}

/** The caller is the volunteer or volunteer staff of their area (row-level security agrees). */
export async function requireSelfOrStaff(tx: Tx, ctx: RequestContext, volunteerId: number) {
  const actor = requireActor(ctx)
  const v = await loadVolunteer(tx, volunteerId)
  const path = await areaPathOf(tx, v.area_id, null)
  if (v.user_id !== actor.userId && !isServicesStaff(actor, path, volunteerStaff))
    throw notFound('VOLUNTEER_NOT_FOUND', 'no such volunteer', 'id')
  return { actor, v, path }
}

export async function volunteerHours(
  tx: Tx,
  ctx: RequestContext,
  volunteerId: number,
  q: Input<typeof hoursQuery>,
): Promise<Output<typeof hoursSchema>> {
  const { v } = await requireSelfOrStaff(tx, ctx, volunteerId)
  const page = { page: q.page ?? 1, pageSize: q.pageSize ?? 50 }
  const rows = await tx
    .selectFrom('time_bank_entry as e')
    .leftJoin('volunteer_activity as a', 'a.id', 'e.activity_id')
    // The service paid for; row-level security leaves it null when the caller may not read the application.
    .leftJoin('service_application as sa', 'sa.id', 'e.application_id')
    .leftJoin('service as s', 's.id', 'sa.service_id')
    .select([
      'e.id',
      'e.kind',
      'e.hours',
      'e.activity_id',
      'a.title',
      'e.application_id',
      's.name as service_name',
      'e.note',
      'e.created_at',
    ])
    .where('e.volunteer_id', '=', v.id)
    .orderBy('e.id', 'desc')
    .limit(page.pageSize)
    .offset(offsetOf(page))
    .execute()
  const { n } = await tx
    .selectFrom('time_bank_entry')
    .select(sql<number>`count(*)::int`.as('n'))
    .where('volunteer_id', '=', v.id)
    .executeTakeFirstOrThrow()
  const listed = paginate(
    page,
    rows.map((r) => ({
      id: r.id,
      kind: r.kind as (typeof entryKinds)[number],
      hours: Number(r.hours),
      activityId: r.activity_id,
      activityTitle: r.title,
      applicationId: r.application_id,
      serviceName: r.service_name,
      note: r.note,
      createdAt: r.created_at.toISOString(),
    })),
    n,
  )
  return {
    volunteerId: v.id,
    balance: Number(v.balance),
    hoursTotal: Number(v.hours_total),
    items: listed.items,
    page: listed.page,
    pageSize: listed.pageSize,
    total: listed.total,
  }
}

/**
 * Service staff of the volunteer's area add or take hours with a note (audited). Taking more than
 * the balance is TIME_BANK_INSUFFICIENT; the volunteer row is locked first, so two adjustments
 * cannot both pass the check (the balance >= 0 constraint stays the backstop).
 */
export async function adjustHours(
  tx: Tx,
  ctx: RequestContext,
  volunteerId: number,
  input: Input<typeof adjustmentBody>,
  now: Date,
): Promise<Output<typeof entrySchema>> {
  const v = await loadVolunteer(tx, volunteerId)
  const path = await areaPathOf(tx, v.area_id, null)
  const actor = requireServicesRole(ctx, path)
  if (v.user_id === actor.userId) throw new AppError('FORBIDDEN', 'staff do not adjust their own hours', 'id')
  const locked = await tx
    .selectFrom('volunteer')
    .select('balance')
    .where('id', '=', v.id)
    .forUpdate()
    .executeTakeFirstOrThrow()
  if (Number(locked.balance) + input.hours < 0)
    throw new AppError(
      'TIME_BANK_INSUFFICIENT',
      `the balance is ${Number(locked.balance)} hours: ${-input.hours} cannot be taken`,
      'hours',
      {},
      { balance: Number(locked.balance) },
    )
  const e = await tx
    .insertInto('time_bank_entry')
    .values({
      volunteer_id: v.id,
      area_id: v.area_id,
      kind: 'adjusted',
      hours: input.hours,
      note: input.note,
      created_by: actor.userId,
      created_at: now,
    })
    .returning(['id', 'created_at'])
    .executeTakeFirstOrThrow()
  await recordAudit(tx, ctx, {
    action: 'volunteer.hours.adjust',
    entityType: 'volunteer',
    entityId: v.id,
    areaId: v.area_id,
    detail: { hours: input.hours, note: input.note, entryId: e.id },
  })
  return {
    id: e.id,
    kind: 'adjusted',
    hours: input.hours,
    activityId: null,
    activityTitle: null,
    applicationId: null,
    serviceName: null,
    note: input.note,
    createdAt: e.created_at.toISOString(),
  }
}

/**
 * Credits `hours` earned at an activity, once: the unique index on (volunteer, activity) of
 * earned entries decides, and a second credit is a no-op (returns false). Zero hours credit nothing.
 */
export async function creditEarned(
  tx: Tx,
  c: { volunteerId: number; activityId: number; areaId: number; hours: number; by: number | null; at: Date },
): Promise<boolean> {
  if (c.hours <= 0) return false
  const r = await tx
    .insertInto('time_bank_entry')
    .values({
      volunteer_id: c.volunteerId,
      area_id: c.areaId,
      kind: 'earned',
      hours: c.hours,
      activity_id: c.activityId,
      created_by: c.by,
      created_at: c.at,
    })
    .onConflict((oc) => oc.columns(['volunteer_id', 'activity_id']).where('kind', '=', 'earned').doNothing())
    .returning('id')
    .executeTakeFirst()
  return !!r
}
