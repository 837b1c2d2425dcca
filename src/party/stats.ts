import { sql } from 'kysely'
import type { Tx } from '../core/db.js'
import { AppError, notFound } from '../core/errors.js'
import type { Input, Output } from '../core/http.js'
import { date as anyDate, id, shape } from '../core/schemas.js'
import { holds, requireActor, type RequestContext } from '../core/scope.js'
import { areaRefSchema } from '../jurisdiction/service.js'
import { todayOf } from './cobuild.js'
import { organisationKinds, partyReaders } from './common.js'

// The party-building statistics of an area and of each of its child areas: the network
// (organisations by kind, members), its coverage gaps, members reporting to communities and their
// service hours, co-building, and the cases members took on. Who may read them: the party readers
// over the area (at it or above). The figures are counts only and are computed with the owner's
// rights once the caller is authorised, so that everyone who reads an area sees the same figures
// (a grid worker does not read the time bank, nor every case of the area, row by row).

/** A calendar day of 1900–2099 (the database refuses the year 0, and nothing here is older or later). */
const date = { ...anyDate, pattern: '^(19|20)\\d{2}-\\d{2}-\\d{2}$' } as const
export const statsQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    areaId: { ...id, description: 'Default: the area of the caller’s widest party reader grant' },
    from: { ...date, description: 'First day of the period (default: 1 January of this year)' },
    to: { ...date, description: 'Last day of the period (default: today)' },
  },
} as const
export type StatsQuery = Input<typeof statsQuery>

const int = { type: 'integer' } as const
export const figuresSchema = shape({
  organisations: int,
  committees: int,
  generalBranches: int,
  branches: int,
  groups: int,
  members: { type: 'integer', description: 'Active members' },
  probationary: { type: 'integer', description: 'Active probationary members (预备党员)' },
  communitiesWithout: { type: 'integer', description: 'Communities without an active organisation of their own' },
  gridsWithout: { type: 'integer', description: 'Grids without an active organisation of their own' },
  buildingsUncovered: {
    type: 'integer',
    description: 'Residential buildings no active compound branch covers',
  },
  membersReported: { type: 'integer', description: 'Active reports to communities (在职党员到社区报到)' },
  serviceHours: {
    type: 'number',
    description: 'Hours earned in the period by the volunteer records linked to reports live in it',
  },
  agreementsActive: int,
  projectsDone: { type: 'integer', description: 'Co-building projects done in the period' },
  casesWithMember: { type: 'integer', description: 'Cases a member was assigned to during the period' },
  casesClosed: { type: 'integer', description: 'Of those, the closed (or rated) ones' },
})
export type Figures = Output<typeof figuresSchema>

const areaStats = shape({
  area: shape({ ...areaRefSchema.properties, level: { type: 'string' } }),
  figures: figuresSchema,
})
export const statsSchema = shape({
  from: { type: 'string', format: 'date' },
  to: { type: 'string', format: 'date' },
  ...areaStats.properties,
  children: { type: 'array', items: areaStats },
})
export type Stats = Output<typeof statsSchema>

export interface StatsScope {
  areaId: number
  from: string
  to: string
}

/** Checks who asks for what, in the caller's scope: a party reader over the area, a period of at most ten years. */
export async function authoriseStats(tx: Tx, ctx: RequestContext, q: StatsQuery, now: Date): Promise<StatsScope> {
  const actor = requireActor(ctx)
  let areaId = q.areaId
  if (areaId === undefined) {
    const widest = actor.grants
      .filter((g) => partyReaders.includes(g.role))
      .sort((a, b) => a.path.length - b.path.length)[0]
    if (!widest) throw new AppError('FORBIDDEN', 'the statistics are for the party readers of an area')
    areaId = widest.areaId
  }
  const a = await tx.selectFrom('area').select(['id', 'path']).where('id', '=', areaId).executeTakeFirst()
  if (!a) throw notFound('AREA_NOT_FOUND', `area ${areaId}`, 'areaId')
  if (!holds(actor, partyReaders, a.path))
    throw new AppError('FORBIDDEN', 'the statistics of an area are for the party readers over it')
  const today = todayOf(now)
  const to = q.to ?? today
  const from = q.from ?? `${to.slice(0, 4)}-01-01`
  if (from > to) throw new AppError('VALIDATION_FAILED', 'the period ends before it begins', 'to')
  if (Date.parse(to) - Date.parse(from) > 3660 * 86_400_000)
    throw new AppError('VALIDATION_FAILED', 'the period is longer than ten years', 'from')
  return { areaId: a.id, from, to }
}

type FigureRow = {
  id: number
  code: string
  name_zh: string
  name_en: string
  level: string
  organisations: number
  committees: number
  general_branches: number
  branches: number
  groups: number
  members: number
  probationary: number
  communities_without: number
  grids_without: number
  buildings_uncovered: number
  members_reported: number
  service_hours: number
  agreements_active: number
  projects_done: number
  cases_with_member: number
  cases_closed: number
}

const [committee, generalBranch, branch, group] = organisationKinds

/**
 * The figures of the area and of each of its (not retired) children, each over its subtree. Days
 * are China Standard Time: a time bank entry or an assignment counts on the day it happened there.
 */
export async function partyStats(tx: Tx, s: StatsScope): Promise<Stats> {
  const start = sql`(${s.from}::date::timestamp at time zone 'Asia/Shanghai')`
  const end = sql`((${s.to}::date + 1)::timestamp at time zone 'Asia/Shanghai')`
  const { rows } = await sql<FigureRow>`
    with scope as (
      select a.id, a.code, a.name_zh, a.name_en, a.level, a.path, 0 as ord
        from area a where a.id = ${s.areaId}
      union all
      select c.id, c.code, c.name_zh, c.name_en, c.level, c.path, 1 as ord
        from area c where c.parent_id = ${s.areaId} and c.retired_at is null
    )
    select r.id, r.code, r.name_zh, r.name_en, r.level, r.ord,
      (select count(*) from party_organisation o join area oa on oa.id = o.area_id
        where oa.path like r.path || '%' and o.status = 'active')::int as organisations,
      (select count(*) from party_organisation o join area oa on oa.id = o.area_id
        where oa.path like r.path || '%' and o.status = 'active' and o.kind = ${committee})::int as committees,
      (select count(*) from party_organisation o join area oa on oa.id = o.area_id
        where oa.path like r.path || '%' and o.status = 'active' and o.kind = ${generalBranch})::int as general_branches,
      (select count(*) from party_organisation o join area oa on oa.id = o.area_id
        where oa.path like r.path || '%' and o.status = 'active' and o.kind = ${branch})::int as branches,
      (select count(*) from party_organisation o join area oa on oa.id = o.area_id
        where oa.path like r.path || '%' and o.status = 'active' and o.kind = ${group})::int as groups,
      (select count(*) from party_member m join area ma on ma.id = m.area_id
        where ma.path like r.path || '%' and m.status = 'active')::int as members,
      (select count(*) from party_member m join area ma on ma.id = m.area_id
        where ma.path like r.path || '%' and m.status = 'active' and m.standing = 'probationary')::int as probationary,
      (select count(*) from area c where c.path like r.path || '%' and c.level = 'community' and c.retired_at is null
        and not exists (select 1 from party_organisation o where o.area_id = c.id and o.status = 'active'))::int
        as communities_without,
      (select count(*) from area c where c.path like r.path || '%' and c.level = 'grid' and c.retired_at is null
        and not exists (select 1 from party_organisation o where o.area_id = c.id and o.status = 'active'))::int
        as grids_without,
      (select count(*) from building b join area ba on ba.id = b.area_id
        where ba.path like r.path || '%' and b.kind = 'residential'
        and not exists (select 1 from party_organisation_building pb
          join party_organisation o on o.id = pb.organisation_id
          where pb.building_id = b.id and o.status = 'active'))::int as buildings_uncovered,
      (select count(*) from party_member_report p join area pa on pa.id = p.area_id
        where pa.path like r.path || '%' and p.status = 'active')::int as members_reported,
      (select coalesce(sum(t.hours), 0) from time_bank_entry t
        where t.kind = 'earned' and t.created_at >= ${start} and t.created_at < ${end}
        and t.volunteer_id in (select p.volunteer_id from party_member_report p join area pa on pa.id = p.area_id
          where pa.path like r.path || '%' and p.volunteer_id is not null and p.reported_on <= ${s.to}::date
          and (p.withdrawn_on is null or p.withdrawn_on >= ${s.from}::date)))::float8 as service_hours,
      (select count(*) from cobuild_agreement g join area ga on ga.id = g.area_id
        where ga.path like r.path || '%' and g.status = 'active')::int as agreements_active,
      (select count(*) from cobuild_item i join area ia on ia.id = i.area_id
        where ia.path like r.path || '%' and i.list = 'project' and i.status = 'done'
        and i.done_on between ${s.from}::date and ${s.to}::date)::int as projects_done,
      (select count(*) from cases k join area ka on ka.id = k.area_id
        where ka.path like r.path || '%' and exists (select 1 from party_assignment pa
          where pa.case_id = k.id and pa.assigned_at < ${end} and (pa.ended_at is null or pa.ended_at >= ${start})))::int
        as cases_with_member,
      (select count(*) from cases k join area ka on ka.id = k.area_id
        where ka.path like r.path || '%' and k.state in ('closed', 'rated') and exists (select 1 from party_assignment pa
          where pa.case_id = k.id and pa.assigned_at < ${end} and (pa.ended_at is null or pa.ended_at >= ${start})))::int
        as cases_closed
    from scope r order by r.ord, r.code`.execute(tx)
  const present = (r: FigureRow) => ({
    area: { id: r.id, code: r.code, nameZh: r.name_zh, nameEn: r.name_en, level: r.level },
    figures: {
      organisations: r.organisations,
      committees: r.committees,
      generalBranches: r.general_branches,
      branches: r.branches,
      groups: r.groups,
      members: r.members,
      probationary: r.probationary,
      communitiesWithout: r.communities_without,
      gridsWithout: r.grids_without,
      buildingsUncovered: r.buildings_uncovered,
      membersReported: r.members_reported,
      serviceHours: Number(r.service_hours),
      agreementsActive: r.agreements_active,
      projectsDone: r.projects_done,
      casesWithMember: r.cases_with_member,
      casesClosed: r.cases_closed,
    },
  })
  const [self, ...children] = rows
  if (!self) throw notFound('AREA_NOT_FOUND', `area ${s.areaId}`, 'areaId')
  return { from: s.from, to: s.to, ...present(self), children: children.map(present) }
}
