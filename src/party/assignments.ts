import { sql } from 'kysely'
import { recordAudit } from '../audit/service.js'
import type { Tx } from '../core/db.js'
import { AppError, notFound } from '../core/errors.js'
import type { Input, Output } from '../core/http.js'
import { body, id, shape, text } from '../core/schemas.js'
import { holds, requireActor, type RequestContext } from '../core/scope.js'
import { memberRoles, partyKeepers } from './common.js'
import { assignmentItem, assignmentsOf, loadMember, nameFor, peopleOfMembers } from './members.js'

// Members assigned to a grid (下沉干部、网格党员) or to a case they take on (党员领办). The keepers
// of the grid's or the case's area assign members they read; a live assignment is ended, never
// deleted. A case with a member on it is marked on its page (PartyMembersOnCase) and counted.

/** Cases past these states are finished: nobody takes them on. */
const finishedStates = ['closed', 'rated', 'rejected', 'merged']

export const newAssignmentBody = body([], {
  gridId: { ...id, description: 'A grid (area level grid); or caseId, or caseCode' },
  caseId: { ...id, description: 'A case the caller sees, not closed' },
  caseCode: { type: 'string', minLength: 4, maxLength: 40, description: 'The case by its tracking code' },
  note: text(500),
})

export const assignmentPatchBody = body(['ended'], {
  ended: { type: 'boolean', enum: [true], description: 'End the assignment' },
})

export const assignmentQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    caseId: id,
    gridId: id,
    memberId: id,
    live: { type: 'boolean', default: true, description: 'Only live assignments (the default)' },
  },
} as const

export const assignmentSchema = shape({
  ...assignmentItem.properties,
  member: shape({
    id: { type: 'integer' },
    name: { type: 'string' },
    role: { type: 'string', enum: memberRoles },
    organisation: { type: 'string' },
  }),
  canManage: { type: 'boolean' },
})
export type AssignmentView = Output<typeof assignmentSchema>

async function present(
  tx: Tx,
  ctx: RequestContext,
  list: Awaited<ReturnType<typeof assignmentsOf>>,
): Promise<AssignmentView[]> {
  if (list.length === 0) return []
  const memberIds = [...new Set(list.map((a) => a.memberId))]
  const people = await peopleOfMembers(tx, memberIds)
  const members = await tx
    .selectFrom('party_member as m')
    .innerJoin('party_organisation as o', 'o.id', 'm.organisation_id')
    .select(['m.id', 'm.role', 'o.name'])
    .where('m.id', 'in', memberIds)
    .execute()
  const ids = list.map((a) => a.item.id)
  const paths = await tx
    .selectFrom('party_assignment as x')
    .innerJoin('area as a', 'a.id', 'x.area_id')
    .select(['x.id', 'a.path'])
    .where('x.id', 'in', ids)
    .execute()
  const pathOf = new Map(paths.map((p) => [p.id, p.path]))
  return list.map((a) => {
    const m = members.find((x) => x.id === a.memberId)
    return {
      ...a.item,
      member: {
        id: a.memberId,
        name: nameFor(people.get(a.memberId)),
        role: (m?.role ?? 'member') as AssignmentView['member']['role'],
        organisation: m?.name ?? '',
      },
      canManage: holds(ctx.actor, partyKeepers, pathOf.get(a.item.id) ?? '/none/'),
    }
  })
}

/** Party members on a case, a grid or of a member (the caller reads), live ones by default. */
export async function listAssignments(
  tx: Tx,
  ctx: RequestContext,
  q: Input<typeof assignmentQuery>,
): Promise<AssignmentView[]> {
  requireActor(ctx)
  return present(
    tx,
    ctx,
    await assignmentsOf(tx, { caseId: q.caseId, gridId: q.gridId, memberId: q.memberId, liveOnly: q.live !== false }),
  )
}

/**
 * Assigns a member to a grid or a case (exactly one): the grid an area of level grid, the case one
 * the caller sees and not finished — 422 PARTY_ASSIGNMENT_INVALID naming the field otherwise; the
 * caller keeps the grid's or case's area (403); a live duplicate is 409 CONFLICT. Audited.
 */
export async function createAssignment(
  tx: Tx,
  ctx: RequestContext,
  memberId: number,
  input: Input<typeof newAssignmentBody>,
  now: Date,
): Promise<AssignmentView> {
  const actor = requireActor(ctx)
  const given = [input.gridId, input.caseId, input.caseCode].filter((v) => v !== undefined).length
  if (given !== 1)
    throw new AppError(
      'PARTY_ASSIGNMENT_INVALID',
      'give one of gridId, caseId or caseCode',
      given ? 'caseId' : 'gridId',
    )
  const member = await loadMember(tx, memberId)
  if (member.status !== 'active') throw new AppError('CONFLICT', 'the member has left: no more assignments', 'id')
  let target: { gridId: number | null; caseId: number | null; areaId: number; path: string; label: string }
  if (input.gridId !== undefined) {
    const g = await tx
      .selectFrom('area')
      .select(['id', 'level', 'path', 'code', 'retired_at'])
      .where('id', '=', input.gridId)
      .executeTakeFirst()
    if (g?.level !== 'grid' || g.retired_at !== null)
      throw new AppError('PARTY_ASSIGNMENT_INVALID', 'gridId is not a grid', 'gridId')
    target = { gridId: g.id, caseId: null, areaId: g.id, path: g.path, label: g.code }
  } else {
    const field = input.caseId !== undefined ? 'caseId' : 'caseCode'
    let query = tx
      .selectFrom('cases as c')
      .innerJoin('area as a', 'a.id', 'c.area_id')
      .select(['c.id', 'c.state', 'c.area_id', 'c.tracking_code', 'a.path'])
    query =
      input.caseId !== undefined
        ? query.where('c.id', '=', input.caseId)
        : query.where('c.tracking_code', '=', input.caseCode!.trim().toUpperCase())
    const c = await query.executeTakeFirst()
    if (!c) throw new AppError('PARTY_ASSIGNMENT_INVALID', 'no such case that you see', field)
    if (finishedStates.includes(c.state))
      throw new AppError('PARTY_ASSIGNMENT_INVALID', `case ${c.tracking_code} is ${c.state}: nobody takes it on`, field)
    target = { gridId: null, caseId: c.id, areaId: c.area_id, path: c.path, label: c.tracking_code }
  }
  if (!holds(actor, partyKeepers, target.path))
    throw new AppError('FORBIDDEN', 'only the admins, leaders and staff over the grid or case’s area assign members')
  const made = await tx
    .insertInto('party_assignment')
    .values({
      member_id: member.id,
      grid_id: target.gridId,
      case_id: target.caseId,
      area_id: target.areaId,
      district_id: sql<number>`null`,
      note: input.note ?? null,
      assigned_by: actor.userId,
      assigned_at: now,
    })
    .onConflict((oc) => oc.doNothing())
    .returning('id')
    .executeTakeFirst()
  if (!made)
    throw new AppError(
      'CONFLICT',
      `the member is on ${target.label} already`,
      target.gridId !== null ? 'gridId' : input.caseId !== undefined ? 'caseId' : 'caseCode',
    )
  await recordAudit(tx, ctx, {
    action: 'party.assignment.create',
    entityType: 'party_assignment',
    entityId: made.id,
    areaId: target.areaId,
    detail: { memberId: member.id, gridId: target.gridId, caseId: target.caseId },
  })
  const [view] = await present(
    tx,
    ctx,
    (await assignmentsOf(tx, { memberId: member.id })).filter((a) => a.item.id === made.id),
  )
  return view!
}

/** Ends a live assignment (the keepers of its area). Audited. */
export async function endAssignment(
  tx: Tx,
  ctx: RequestContext,
  assignmentId: number,
  now: Date,
): Promise<AssignmentView> {
  const actor = requireActor(ctx)
  const x = await tx
    .selectFrom('party_assignment as x')
    .innerJoin('area as a', 'a.id', 'x.area_id')
    .select(['x.id', 'x.member_id', 'x.area_id', 'x.ended_at', 'a.path'])
    .where('x.id', '=', assignmentId)
    .executeTakeFirst()
  if (!x) throw notFound('NOT_FOUND', `no assignment ${assignmentId}`, 'id')
  if (!holds(actor, partyKeepers, x.path))
    throw new AppError('FORBIDDEN', 'only the admins, leaders and staff over its area end an assignment')
  const ended = await tx
    .updateTable('party_assignment')
    .set({ ended_at: now })
    .where('id', '=', x.id)
    .where('ended_at', 'is', null)
    .returning('id')
    .executeTakeFirst()
  if (!ended) throw new AppError('CONFLICT', 'the assignment has ended already', 'id')
  await recordAudit(tx, ctx, {
    action: 'party.assignment.end',
    entityType: 'party_assignment',
    entityId: x.id,
    areaId: x.area_id,
    detail: { memberId: x.member_id },
  })
  const [view] = await present(
    tx,
    ctx,
    (await assignmentsOf(tx, { memberId: x.member_id })).filter((a) => a.item.id === x.id),
  )
  return view!
}
