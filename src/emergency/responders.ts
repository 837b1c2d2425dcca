import { sql } from 'kysely'
import type { Tx } from '../core/db.js'
import { AppError, notFound } from '../core/errors.js'
import type { Input, Output } from '../core/http.js'
import { body, id, shape, timestamp } from '../core/schemas.js'
import type { RequestContext } from '../core/scope.js'
import { notify } from '../cases/notify.js'
import { displayNames } from '../participation/common.js'
import { skills } from '../services/volunteers.js'
import { type IncidentRow, logIncident, requireCommand, responderRoles } from './common.js'

// Responders (应急队员): volunteers (their services volunteer record, which carries their account)
// and staff from elsewhere, enrolled in an incident by its command, for some of its grids or all.
// Enrolment is what lets a volunteer read the incident and work the check list of their grids
// (row-level security in 0058 reads incident_responder).

export const enrolBody = body([], {
  volunteerId: { ...id, description: 'A services volunteer of the incident’s branch with an account' },
  userId: { ...id, description: 'A staff user (admin, leader, staff or grid worker somewhere)' },
  gridIds: {
    type: 'array',
    maxItems: 50,
    uniqueItems: true,
    items: id,
    description: 'Some of the incident’s grids; left out or empty: every grid',
  },
})

export const responderParams = {
  type: 'object',
  required: ['id', 'userId'],
  additionalProperties: false,
  properties: { id, userId: id },
} as const

export const responderSchema = shape({
  userId: { type: 'integer' },
  name: { type: 'string' },
  volunteerId: { type: ['integer', 'null'] },
  skills: { type: 'array', items: { type: 'string', enum: skills } },
  gridIds: { type: 'array', items: { type: 'integer' } },
  gridNames: { type: 'array', items: { type: 'string' } },
  openTasks: { type: 'integer' },
  addedAt: timestamp,
})
export type ResponderView = Output<typeof responderSchema>

/** The incident's grids (ids), in the order of their codes. */
export async function incidentGrids(tx: Tx, incidentId: number): Promise<{ id: number; name: string }[]> {
  const rows = await tx
    .selectFrom('incident_grid as g')
    .innerJoin('area as a', 'a.id', 'g.area_id')
    .select(['a.id', 'a.name_zh'])
    .where('g.incident_id', '=', incidentId)
    .orderBy('a.code')
    .execute()
  return rows.map((r) => ({ id: r.id, name: r.name_zh }))
}

/** The responders of an incident with their grids, skills and open tasks. */
export async function listResponders(tx: Tx, incidentId: number): Promise<ResponderView[]> {
  const rows = await tx
    .selectFrom('incident_responder as r')
    .leftJoin('volunteer as v', 'v.id', 'r.volunteer_id')
    .select(['r.user_id', 'r.volunteer_id', 'r.grid_ids', 'r.added_at', 'v.skills'])
    .select((eb) =>
      eb
        .selectFrom('incident_task as t')
        .select(sql<number>`count(*)::int`.as('n'))
        .whereRef('t.assignee_id', '=', 'r.user_id')
        .whereRef('t.incident_id', '=', 'r.incident_id')
        .where('t.status', 'in', ['open', 'in_progress'])
        .as('open_tasks'),
    )
    .where('r.incident_id', '=', incidentId)
    .orderBy('r.added_at')
    .orderBy('r.user_id')
    .execute()
  const names = await displayNames(
    tx,
    rows.map((r) => r.user_id),
  )
  const grids = new Map((await incidentGrids(tx, incidentId)).map((g) => [g.id, g.name]))
  return rows.map((r) => ({
    userId: r.user_id,
    name: names.get(r.user_id) ?? '',
    volunteerId: r.volunteer_id,
    skills: (r.skills ?? []) as (typeof skills)[number][],
    gridIds: r.grid_ids,
    gridNames: r.grid_ids.map((g) => grids.get(g) ?? ''),
    openTasks: Number(r.open_tasks ?? 0),
    addedAt: r.added_at.toISOString(),
  }))
}

/** Whether `userId` may be given work on the incident: a responder, or staff/grid worker on its branch. */
export async function mayWork(tx: Tx, incident: IncidentRow, userId: number): Promise<boolean> {
  const enrolled = await tx
    .selectFrom('incident_responder')
    .select('user_id')
    .where('incident_id', '=', incident.id)
    .where('user_id', '=', userId)
    .executeTakeFirst()
  if (enrolled) return true
  const { rows } = await sql<{ n: number }>`
    select count(*)::int as n from role_grant g join area a on a.id = g.area_id
    where g.user_id = ${userId} and g.role = any(${responderRoles}::text[])
      and (a.path like ${incident.area_path} || '%' or ${incident.area_path} like a.path || '%')`.execute(tx)
  return (rows[0]?.n ?? 0) > 0
}

/**
 * Enrols a volunteer (by their volunteer record, which must carry an account and belong to the
 * incident's branch) or a staff user in the incident, for some of its grids or all; a second
 * enrolment changes the grids. Logged; the responder is told.
 */
export async function enrolResponder(
  tx: Tx,
  ctx: RequestContext,
  incidentId: number,
  input: Input<typeof enrolBody>,
  now: Date,
): Promise<ResponderView> {
  const { actor, incident } = await requireCommand(tx, ctx, incidentId)
  if ((input.volunteerId === undefined) === (input.userId === undefined))
    throw new AppError('VALIDATION_FAILED', 'give either volunteerId or userId', 'volunteerId')
  let userId: number
  let volunteerId: number | null = null
  if (input.volunteerId !== undefined) {
    const v = await tx
      .selectFrom('volunteer as v')
      .innerJoin('area as a', 'a.id', 'v.area_id')
      .select(['v.id', 'v.user_id', 'v.status', 'a.path'])
      .where('v.id', '=', input.volunteerId)
      .executeTakeFirst()
    const onBranch = v && (v.path.startsWith(incident.area_path) || incident.area_path.startsWith(v.path))
    if (!v || !onBranch) throw notFound('VOLUNTEER_NOT_FOUND', `no volunteer ${input.volunteerId} here`, 'volunteerId')
    if (v.status !== 'active') throw new AppError('VALIDATION_FAILED', 'the volunteer is suspended', 'volunteerId')
    if (v.user_id === null)
      throw new AppError(
        'VALIDATION_FAILED',
        'the volunteer has no account to receive tasks; enrol them once they have verified',
        'volunteerId',
      )
    userId = v.user_id
    volunteerId = v.id
  } else {
    userId = input.userId!
    const staff = await tx
      .selectFrom('role_grant')
      .select('user_id')
      .where('user_id', '=', userId)
      .where('role', 'in', responderRoles)
      .executeTakeFirst()
    if (!staff) throw notFound('USER_NOT_FOUND', `no staff user ${userId}`, 'userId')
  }
  const grids = await incidentGrids(tx, incident.id)
  const gridIds = [...(input.gridIds ?? [])].sort((a, b) => a - b)
  for (const [i, g] of gridIds.entries())
    if (!grids.some((x) => x.id === g))
      throw new AppError('INCIDENT_GRIDS_INVALID', `grid ${g} is not one of the incident's grids`, `gridIds[${i}]`)
  await tx
    .insertInto('incident_responder')
    .values({
      incident_id: incident.id,
      user_id: userId,
      volunteer_id: volunteerId,
      grid_ids: gridIds,
      added_by: actor.userId,
      added_at: now,
    })
    .onConflict((oc) =>
      oc.columns(['incident_id', 'user_id']).doUpdateSet({ grid_ids: gridIds, volunteer_id: volunteerId }),
    )
    .execute()
  const name = (await displayNames(tx, [userId])).get(userId) ?? String(userId)
  const gridNames = gridIds.map((g) => grids.find((x) => x.id === g)!.name)
  await logIncident(tx, actor, incident.id, {
    kind: 'responder_enrolled',
    message: `${name} 加入应急响应（${gridNames.length ? gridNames.join('、') : '全部网格'}）`,
    data: { userId, volunteerId, gridIds },
    at: now,
  })
  await notify(tx, [userId], {
    kind: 'incident_update',
    caseId: null,
    params: {
      reference: incident.reference,
      title: incident.title,
      incidentId: incident.id,
      drill: incident.drill,
      event: 'enrolled',
    },
    at: now,
  })
  return (await listResponders(tx, incident.id)).find((r) => r.userId === userId)!
}

/** Removes a responder (their open tasks stay, to be reassigned); logged. */
export async function removeResponder(
  tx: Tx,
  ctx: RequestContext,
  incidentId: number,
  userId: number,
  now: Date,
): Promise<void> {
  const { actor, incident } = await requireCommand(tx, ctx, incidentId)
  const gone = await tx
    .deleteFrom('incident_responder')
    .where('incident_id', '=', incident.id)
    .where('user_id', '=', userId)
    .returning('user_id')
    .executeTakeFirst()
  if (!gone) throw notFound('RESPONDER_NOT_FOUND', `user ${userId} is not a responder of this incident`, 'userId')
  const name = (await displayNames(tx, [userId])).get(userId) ?? String(userId)
  await logIncident(tx, actor, incident.id, {
    kind: 'responder_removed',
    message: `${name} 退出应急响应`,
    data: { userId },
    at: now,
  })
}
