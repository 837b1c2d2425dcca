import { sql } from 'kysely'
import { recordAudit } from '../audit/service.js'
import type { Tx } from '../core/db.js'
import { AppError, notFound } from '../core/errors.js'
import type { Input, Output } from '../core/http.js'
import { countLimitOf, offsetOf, pageQuerySchema, paginate } from '../core/paging.js'
import { body, date, id, nullable, shape, text, timestamp } from '../core/schemas.js'
import { requireActor, type RequestContext } from '../core/scope.js'
import { areaPathOf, areaRef, areaRefSchema } from '../jurisdiction/service.js'
import { today } from '../registry/people.js'
import { isParticipationStaff, requireParticipationStaff } from './common.js'

// Resident councils (居民议事会): standing bodies of an area with members and terms. Staff of the
// area (admins, leaders, staff) keep them; everyone on the area's branch of the tree reads them
// (row-level security: council_read). A member named with a user account votes on the decisions
// of the council's meetings while their term runs (meetings.ts).

/** The calendar day of `now` in the platform's zone (Asia/Shanghai), as terms are written. */
export const dayOf = (now: Date): string => today(now)

/** Whether a term [start, end] (both days included) runs on `day`. */
export const inTerm = (t: { term_start: string; term_end: string }, day: string) =>
  t.term_start <= day && day <= t.term_end

/** An area the caller may publish participation to: it exists, is not retired, and they are its staff. */
export async function staffArea(tx: Tx, ctx: RequestContext, areaId: number, field = 'areaId') {
  const path = await areaPathOf(tx, areaId, field)
  requireActor(ctx)
  if (!isParticipationStaff(ctx.actor, path))
    throw new AppError('FORBIDDEN', 'only admins, leaders and staff of the area run its participation', field)
  const retired = await tx.selectFrom('area').select('retired_at').where('id', '=', areaId).executeTakeFirst()
  if (retired?.retired_at) throw new AppError('VALIDATION_FAILED', 'the area is retired', field)
  return path
}

// ── Schemas ────────────────────────────────────────────────────────────────────────────────────

export const councilMemberRoles = ['chair', 'vice_chair', 'member'] as const

export const newCouncilBody = body(['areaId', 'name', 'termStart', 'termEnd'], {
  areaId: { ...id, description: 'The community or street the council serves' },
  name: text(200),
  termStart: { ...date, description: 'First day of the current term' },
  termEnd: { ...date, description: 'Last day of the current term (after termStart)' },
})
export type NewCouncil = Input<typeof newCouncilBody>

export const newMemberBody = body(['name', 'role', 'termStart', 'termEnd'], {
  userId: { ...id, description: 'The member’s account, when they have one: members in their term vote' },
  name: text(100),
  role: { type: 'string', enum: councilMemberRoles },
  termStart: date,
  termEnd: { ...date, description: 'Last day of the member’s term (after termStart)' },
})
export type NewMember = Input<typeof newMemberBody>

export const councilListQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    ...pageQuerySchema,
    areaId: { ...id, description: 'Councils of this area and the areas below it' },
  },
} as const
export type CouncilFilter = Input<typeof councilListQuery>

export const memberParams = {
  type: 'object',
  required: ['id', 'memberId'],
  additionalProperties: false,
  properties: { id, memberId: id },
} as const

const councilCore = {
  id: { type: 'integer' },
  area: areaRefSchema,
  name: { type: 'string' },
  termStart: { type: 'string', format: 'date' },
  termEnd: { type: 'string', format: 'date' },
  current: { type: 'boolean', description: 'Whether today lies in the council’s term' },
  memberCount: { type: 'integer', description: 'Members whose term runs today' },
} as const

export const councilViewSchema = shape(councilCore)
export type CouncilView = Output<typeof councilViewSchema>

export const councilMemberSchema = shape({
  id: { type: 'integer' },
  userId: nullable('integer'),
  name: { type: 'string' },
  role: { type: 'string', enum: councilMemberRoles },
  termStart: { type: 'string', format: 'date' },
  termEnd: { type: 'string', format: 'date' },
  current: { type: 'boolean', description: 'Whether the member’s term runs today (they vote)' },
})

export const councilDetailSchema = shape({
  ...councilCore,
  createdAt: timestamp,
  members: {
    type: 'array',
    items: councilMemberSchema,
    description: 'Current members first (chair, vice chairs, members), then past ones by term, latest first',
  },
  canManage: { type: 'boolean', description: 'Whether the caller keeps this council (adds and removes members)' },
})
export type CouncilDetail = Output<typeof councilDetailSchema>

// ── Use cases ──────────────────────────────────────────────────────────────────────────────────

const councilColumns = [
  'c.id',
  'c.name',
  'c.term_start',
  'c.term_end',
  'c.created_at',
  'a.id as area_id',
  'a.code as area_code',
  'a.name_zh as area_name_zh',
  'a.name_en as area_name_en',
  'a.path as area_path',
] as const

const currentMembers = (day: string) =>
  sql<number>`(select count(*)::int from council_member m where m.council_id = c.id and m.term_start <= ${day}::date and m.term_end >= ${day}::date)`

async function loadCouncil(tx: Tx, councilId: number, day: string, field: string | null = null) {
  const row = await tx
    .selectFrom('council as c')
    .innerJoin('area as a', 'a.id', 'c.area_id')
    .select([...councilColumns, currentMembers(day).as('member_count')])
    .where('c.id', '=', councilId)
    .executeTakeFirst()
  if (!row) throw notFound('COUNCIL_NOT_FOUND', `council ${councilId}`, field)
  return row
}

type CouncilRow = Awaited<ReturnType<typeof loadCouncil>>

const presentCouncil = (r: CouncilRow, day: string): CouncilView => ({
  id: r.id,
  area: areaRef(r),
  name: r.name,
  termStart: r.term_start,
  termEnd: r.term_end,
  current: inTerm(r, day),
  memberCount: r.member_count,
})

const roleOrder: Record<string, number> = { chair: 0, vice_chair: 1, member: 2 }

export async function councilDetail(tx: Tx, ctx: RequestContext, councilId: number, now: Date): Promise<CouncilDetail> {
  const day = dayOf(now)
  const c = await loadCouncil(tx, councilId, day)
  const members = await tx
    .selectFrom('council_member')
    .select(['id', 'user_id', 'name', 'role', 'term_start', 'term_end'])
    .where('council_id', '=', councilId)
    .execute()
  const view = members.map((m) => ({
    id: m.id,
    userId: m.user_id,
    name: m.name,
    role: m.role as (typeof councilMemberRoles)[number],
    termStart: m.term_start,
    termEnd: m.term_end,
    current: inTerm(m, day),
  }))
  view.sort(
    (x, y) =>
      Number(y.current) - Number(x.current) ||
      (x.current ? 0 : y.termEnd.localeCompare(x.termEnd)) ||
      (roleOrder[x.role] ?? 9) - (roleOrder[y.role] ?? 9) ||
      x.id - y.id,
  )
  return {
    ...presentCouncil(c, day),
    createdAt: c.created_at.toISOString(),
    members: view,
    canManage: isParticipationStaff(ctx.actor, c.area_path),
  }
}

export async function listCouncils(tx: Tx, f: CouncilFilter, now: Date) {
  const day = dayOf(now)
  let base = tx.selectFrom('council as c').innerJoin('area as a', 'a.id', 'c.area_id')
  if (f.areaId !== undefined) base = base.where('a.path', 'like', `${await areaPathOf(tx, f.areaId)}%`)
  const [rows, count] = await Promise.all([
    base
      .select([...councilColumns, currentMembers(day).as('member_count')])
      .orderBy('c.term_end', 'desc')
      .orderBy('c.id', 'desc')
      .limit(f.pageSize)
      .offset(offsetOf(f))
      .execute(),
    tx
      .selectFrom(base.select('c.id').limit(countLimitOf(f)).as('x'))
      .select(sql<number>`count(*)::int`.as('n'))
      .executeTakeFirstOrThrow(),
  ])
  return paginate(
    f,
    rows.map((r) => presentCouncil(r, day)),
    count.n,
  )
}

function checkTerm(start: string, end: string) {
  if (end <= start) throw new AppError('VALIDATION_FAILED', 'the term must end after it starts', 'termEnd')
}

export async function createCouncil(tx: Tx, ctx: RequestContext, input: NewCouncil, now: Date): Promise<CouncilDetail> {
  await staffArea(tx, ctx, input.areaId)
  checkTerm(input.termStart, input.termEnd)
  const created = await tx
    .insertInto('council')
    .values({
      area_id: input.areaId,
      name: input.name,
      term_start: input.termStart,
      term_end: input.termEnd,
      created_at: now,
    })
    .returning('id')
    .executeTakeFirstOrThrow()
  await recordAudit(tx, ctx, {
    action: 'council.create',
    entityType: 'council',
    entityId: created.id,
    areaId: input.areaId,
    detail: { name: input.name, termStart: input.termStart, termEnd: input.termEnd },
  })
  return councilDetail(tx, ctx, created.id, now)
}

/** Adds a member for a term; a user already a member over an overlapping term is refused. */
export async function addCouncilMember(
  tx: Tx,
  ctx: RequestContext,
  councilId: number,
  input: NewMember,
  now: Date,
): Promise<CouncilDetail> {
  const c = await loadCouncil(tx, councilId, dayOf(now))
  requireParticipationStaff(ctx, c.area_path)
  checkTerm(input.termStart, input.termEnd)
  if (input.userId !== undefined) {
    const user = await tx
      .selectFrom('app_user')
      .select(['id', 'status'])
      .where('id', '=', input.userId)
      .executeTakeFirst()
    if (user?.status !== 'active') throw notFound('USER_NOT_FOUND', `user ${input.userId}`, 'userId')
    const overlap = await tx
      .selectFrom('council_member')
      .select('id')
      .where('council_id', '=', councilId)
      .where('user_id', '=', input.userId)
      .where('term_start', '<=', input.termEnd)
      .where('term_end', '>=', input.termStart)
      .executeTakeFirst()
    if (overlap)
      throw new AppError(
        'CONFLICT',
        'this user is already a member for part of that term',
        'userId',
        {},
        {
          memberId: overlap.id,
        },
      )
  }
  if (input.role === 'chair') {
    const chair = await tx
      .selectFrom('council_member')
      .select('id')
      .where('council_id', '=', councilId)
      .where('role', '=', 'chair')
      .where('term_start', '<=', input.termEnd)
      .where('term_end', '>=', input.termStart)
      .executeTakeFirst()
    if (chair)
      throw new AppError(
        'CONFLICT',
        'the council already has a chair for part of that term',
        'role',
        {},
        {
          memberId: chair.id,
        },
      )
  }
  const m = await tx
    .insertInto('council_member')
    .values({
      council_id: councilId,
      user_id: input.userId ?? null,
      name: input.name,
      role: input.role,
      term_start: input.termStart,
      term_end: input.termEnd,
    })
    .returning('id')
    .executeTakeFirstOrThrow()
  await recordAudit(tx, ctx, {
    action: 'council.member_add',
    entityType: 'council',
    entityId: councilId,
    areaId: c.area_id,
    detail: { memberId: m.id, userId: input.userId ?? null, role: input.role, termStart: input.termStart },
  })
  return councilDetail(tx, ctx, councilId, now)
}

/** Removes a member entered by mistake (a term that ended stays as history: it is not removed). */
export async function removeCouncilMember(
  tx: Tx,
  ctx: RequestContext,
  councilId: number,
  memberId: number,
  now: Date,
): Promise<CouncilDetail> {
  const c = await loadCouncil(tx, councilId, dayOf(now))
  requireParticipationStaff(ctx, c.area_path)
  const gone = await tx
    .deleteFrom('council_member')
    .where('id', '=', memberId)
    .where('council_id', '=', councilId)
    .returning(['id', 'name', 'user_id'])
    .executeTakeFirst()
  if (!gone) throw notFound('NOT_FOUND', `member ${memberId} of council ${councilId}`, 'memberId')
  await recordAudit(tx, ctx, {
    action: 'council.member_remove',
    entityType: 'council',
    entityId: councilId,
    areaId: c.area_id,
    detail: { memberId, userId: gone.user_id },
  })
  return councilDetail(tx, ctx, councilId, now)
}

/** Whether the user is a member of the council whose term runs on `day` (they vote on its meetings). */
export async function isSittingMember(tx: Tx, councilId: number, userId: number, day: string): Promise<boolean> {
  const row = await tx
    .selectFrom('council_member')
    .select('id')
    .where('council_id', '=', councilId)
    .where('user_id', '=', userId)
    .where('term_start', '<=', day)
    .where('term_end', '>=', day)
    .executeTakeFirst()
  return !!row
}
