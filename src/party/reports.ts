import { sql } from 'kysely'
import { recordAudit } from '../audit/service.js'
import type { Tx } from '../core/db.js'
import { AppError, notFound } from '../core/errors.js'
import type { Input, Output } from '../core/http.js'
import { offsetOf, pageQuerySchema, paginate, type Page } from '../core/paging.js'
import { body, date, id, nullable, shape, text } from '../core/schemas.js'
import { holds, requireActor, type RequestContext } from '../core/scope.js'
import { areaPathOf } from '../jurisdiction/service.js'
import { today } from '../registry/people.js'
import type { skills } from '../services/volunteers.js'
import { partyKeepers, servicePosts, workplaceKinds } from './common.js'
import { loadMember, nameFor, peopleOfMembers, reportHours } from './members.js'

// 在职党员到社区报到: a member working in a department or an enterprise reports to the community
// where they live and takes up a service post there. Their service is done as a volunteer of the
// services module: the report links the person's volunteer record (made here if they have none,
// as volunteer staff would register them), so activities, hours and the time bank count it once.
// One active report per member; the community's keepers withdraw it.

export const newReportBody = body(['servicePost'], {
  communityId: {
    ...id,
    description: 'The community (area level community) where the member lives; left out: the person’s own',
  },
  servicePost: { type: 'string', enum: servicePosts },
  reportedOn: { ...date, description: 'Left out: today; not in the future' },
  note: text(500),
})

export const reportPatchBody = body(['version'], {
  version: { type: 'integer', minimum: 1, maximum: 2147483647 },
  withdrawnOn: { ...date, description: 'Withdraw the report on this day (left out: today)' },
})

export const reportQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    ...pageQuerySchema,
    areaId: { ...id, description: 'Reports to the communities in this area or below' },
    status: { type: 'string', enum: ['active', 'withdrawn'], description: 'Left out: active' },
  },
} as const

export const reportSchema = shape({
  id: { type: 'integer' },
  memberId: { type: 'integer' },
  name: { type: 'string', description: 'Masked (张*) unless the caller reads the person in the registry' },
  workplaceKind: { type: 'string', enum: workplaceKinds },
  workplaceName: nullable('string'),
  community: shape({ id: { type: 'integer' }, name: { type: 'string' } }),
  servicePost: { type: 'string', enum: servicePosts },
  reportedOn: { type: 'string' },
  note: nullable('string'),
  volunteerId: nullable('integer'),
  hoursSince: { type: 'number', description: 'Hours earned in the time bank since reporting' },
  status: { type: 'string', enum: ['active', 'withdrawn'] },
  withdrawnOn: nullable('string'),
  version: { type: 'integer' },
  canManage: { type: 'boolean' },
})
export type ReportView = Output<typeof reportSchema>

/** A volunteer's first skills from the post they take up. */
const skillsOfPost: Partial<Record<(typeof servicePosts)[number], (typeof skills)[number][]>> = {
  elderly_care: ['elderly_care'],
  environment: ['environment'],
  culture: ['culture'],
  dispute_mediation: ['legal'],
  youth: ['tutoring'],
  safety_patrol: ['first_aid'],
}

async function present(tx: Tx, ctx: RequestContext, reportIds: number[]): Promise<ReportView[]> {
  if (reportIds.length === 0) return []
  const rows = await tx
    .selectFrom('party_member_report as r')
    .innerJoin('area as a', 'a.id', 'r.area_id')
    .leftJoin('party_member as m', 'm.id', 'r.member_id')
    .leftJoin('department as d', 'd.id', 'm.workplace_department_id')
    .leftJoin('organisation as o', 'o.id', 'm.workplace_organisation_id')
    .select([
      'r.id',
      'r.member_id',
      'a.id as area_id',
      'a.name_zh',
      'a.path',
      'r.service_post',
      'r.reported_on',
      'r.note',
      'r.volunteer_id',
      'r.status',
      'r.withdrawn_on',
      'r.version',
      'm.workplace_kind',
      'd.name_zh as department_name',
      'o.name as organisation_name',
    ])
    .where('r.id', 'in', reportIds)
    .execute()
  const people = await peopleOfMembers(tx, [...new Set(rows.map((r) => r.member_id))])
  const hours = await reportHours(tx, reportIds)
  const byId = new Map(rows.map((r) => [r.id, r]))
  return reportIds.flatMap((rid) => {
    const r = byId.get(rid)
    if (!r) return []
    return [
      {
        id: r.id,
        memberId: r.member_id,
        name: nameFor(people.get(r.member_id)),
        workplaceKind: (r.workplace_kind ?? 'other') as ReportView['workplaceKind'],
        workplaceName: r.department_name ?? r.organisation_name ?? null,
        community: { id: r.area_id, name: r.name_zh },
        servicePost: r.service_post as ReportView['servicePost'],
        reportedOn: r.reported_on,
        note: r.note,
        volunteerId: r.volunteer_id,
        hoursSince: hours.get(r.id) ?? 0,
        status: r.status as ReportView['status'],
        withdrawnOn: r.withdrawn_on,
        version: r.version,
        canManage: holds(ctx.actor, partyKeepers, r.path),
      },
    ]
  })
}

/** The community (level community) where the person lives, or the one named, which must be theirs. */
async function communityOf(tx: Tx, personAreaId: number, communityId: number | undefined) {
  const personPath = await areaPathOf(tx, personAreaId, null)
  if (communityId !== undefined) {
    const c = await tx
      .selectFrom('area')
      .select(['id', 'path', 'level', 'name_zh'])
      .where('id', '=', communityId)
      .executeTakeFirst()
    if (!c) throw notFound('AREA_NOT_FOUND', `no area ${communityId}`, 'communityId')
    if (c.level !== 'community')
      throw new AppError('VALIDATION_FAILED', 'members report to a community (area level community)', 'communityId')
    if (!personPath.startsWith(c.path))
      throw new AppError('VALIDATION_FAILED', 'members report to the community where they live', 'communityId')
    return c
  }
  const c = await tx
    .selectFrom('area')
    .select(['id', 'path', 'level', 'name_zh'])
    .where('level', '=', 'community')
    .where(sql<boolean>`${personPath} like path || '%'`)
    .executeTakeFirst()
  if (!c) throw new AppError('VALIDATION_FAILED', 'the person lives in no community: name the community', 'communityId')
  return c
}

/**
 * The member reports to the community where they live (the caller keeps it) and takes up a post.
 * The person's volunteer record is linked, registered first if they have none (registered_by the
 * caller, their verified account linked); a second active report is 409 PARTY_MEMBER_ALREADY.
 */
export async function createReport(
  tx: Tx,
  ctx: RequestContext,
  memberId: number,
  input: Input<typeof newReportBody>,
  now: Date,
): Promise<ReportView> {
  const actor = requireActor(ctx)
  const member = await loadMember(tx, memberId)
  if (member.status !== 'active') throw new AppError('CONFLICT', 'the member has left: no more reports', 'id')
  const person = (await peopleOfMembers(tx, [member.id])).get(member.id)
  if (!person) throw notFound('PARTY_MEMBER_NOT_FOUND', `no party member ${memberId}`, 'id')
  const day = today(now)
  const reportedOn = input.reportedOn ?? day
  if (reportedOn > day) throw new AppError('VALIDATION_FAILED', 'reportedOn is in the future', 'reportedOn')
  const community = await communityOf(tx, person.person_area_id, input.communityId)
  if (!holds(actor, partyKeepers, community.path))
    throw new AppError('FORBIDDEN', 'only the admins, leaders and staff of the community take members’ reports')
  const already = await tx
    .selectFrom('party_member_report')
    .select('id')
    .where('member_id', '=', member.id)
    .where('status', '=', 'active')
    .executeTakeFirst()
  if (already)
    throw new AppError(
      'PARTY_MEMBER_ALREADY',
      'the member has reported to a community already: withdraw that first',
      'id',
    )
  // The volunteer record whose hours count: the person's, or a new one (one per person).
  const existing = async () =>
    (await tx.selectFrom('volunteer').select('id').where('person_id', '=', member.person_id).executeTakeFirst())?.id ??
    null
  let volunteerId = await existing()
  if (volunteerId === null) {
    const made = await tx
      .insertInto('volunteer')
      .values({
        person_id: member.person_id,
        user_id: member.user_id,
        area_id: person.person_area_id,
        district_id: sql<number>`null`,
        skills: skillsOfPost[input.servicePost] ?? [],
        availability: '[]',
        status: 'active',
        registered_by: actor.userId,
        created_at: now,
        updated_at: now,
      })
      .onConflict((oc) => oc.doNothing())
      .returning('id')
      .executeTakeFirst()
    volunteerId = made?.id ?? (await existing())
  }
  const made = await tx
    .insertInto('party_member_report')
    .values({
      member_id: member.id,
      area_id: community.id,
      district_id: sql<number>`null`,
      reported_on: reportedOn,
      service_post: input.servicePost,
      note: input.note ?? null,
      volunteer_id: volunteerId,
      status: 'active',
      created_by: actor.userId,
      created_at: now,
      updated_at: now,
    })
    .onConflict((oc) => oc.column('member_id').where('status', '=', 'active').doNothing())
    .returning('id')
    .executeTakeFirst()
  if (!made)
    throw new AppError(
      'PARTY_MEMBER_ALREADY',
      'the member has reported to a community already: withdraw that first',
      'id',
    )
  await recordAudit(tx, ctx, {
    action: 'party.report.create',
    entityType: 'party_member_report',
    entityId: made.id,
    areaId: community.id,
    detail: { memberId: member.id, servicePost: input.servicePost, volunteerId },
  })
  return (await present(tx, ctx, [made.id]))[0]!
}

/** Members reported to the communities of an area (the caller reads), the newest first. */
export async function listReports(
  tx: Tx,
  ctx: RequestContext,
  q: Input<typeof reportQuery>,
): Promise<Page<ReportView>> {
  requireActor(ctx)
  const page = { page: q.page ?? 1, pageSize: q.pageSize ?? 50 }
  let query = tx.selectFrom('party_member_report as r').where('r.status', '=', q.status ?? 'active')
  if (q.areaId !== undefined) {
    const path = await areaPathOf(tx, q.areaId)
    query = query.where('r.area_id', 'in', (eb) => eb.selectFrom('area').select('id').where('path', 'like', `${path}%`))
  }
  const { n } = await query.select(sql<number>`count(*)::int`.as('n')).executeTakeFirstOrThrow()
  const ids = await query
    .select('r.id')
    .orderBy('r.reported_on', 'desc')
    .orderBy('r.id', 'desc')
    .limit(page.pageSize)
    .offset(offsetOf(page))
    .execute()
  return paginate(
    page,
    await present(
      tx,
      ctx,
      ids.map((r) => r.id),
    ),
    Number(n),
  )
}

/** Withdraws an active report (the community's keepers; the version read). Audited. */
export async function withdrawReport(
  tx: Tx,
  ctx: RequestContext,
  reportId: number,
  input: Input<typeof reportPatchBody>,
  now: Date,
): Promise<ReportView> {
  const actor = requireActor(ctx)
  const r = await tx
    .selectFrom('party_member_report as r')
    .innerJoin('area as a', 'a.id', 'r.area_id')
    .select(['r.id', 'r.status', 'r.version', 'r.reported_on', 'r.area_id', 'r.member_id', 'a.path'])
    .where('r.id', '=', reportId)
    .executeTakeFirst()
  if (!r) throw notFound('PARTY_REPORT_NOT_FOUND', `no report ${reportId}`, 'id')
  if (!holds(actor, partyKeepers, r.path))
    throw new AppError('FORBIDDEN', 'only the admins, leaders and staff of the community withdraw a report')
  if (r.version !== input.version)
    throw new AppError('PARTY_VERSION_CONFLICT', 'the report was changed meanwhile: reload and try again', 'version')
  if (r.status !== 'active') throw new AppError('CONFLICT', 'the report is withdrawn already', 'id')
  const on = input.withdrawnOn ?? today(now)
  if (on > today(now)) throw new AppError('VALIDATION_FAILED', 'withdrawnOn is in the future', 'withdrawnOn')
  if (on < r.reported_on) throw new AppError('VALIDATION_FAILED', 'withdrawnOn is before the report', 'withdrawnOn')
  const changed = await tx
    .updateTable('party_member_report')
    .set({ status: 'withdrawn', withdrawn_on: on, version: sql<number>`version + 1`, updated_at: now })
    .where('id', '=', r.id)
    .where('version', '=', input.version)
    .returning('id')
    .executeTakeFirst()
  if (!changed)
    throw new AppError('PARTY_VERSION_CONFLICT', 'the report was changed meanwhile: reload and try again', 'version')
  await recordAudit(tx, ctx, {
    action: 'party.report.withdraw',
    entityType: 'party_member_report',
    entityId: r.id,
    areaId: r.area_id,
    detail: { memberId: r.member_id, withdrawnOn: on },
  })
  return (await present(tx, ctx, [r.id]))[0]!
}
