import { sql } from 'kysely'
import { caseRulesFor } from '../cases/rules.js'
import type { Tx } from '../core/db.js'
import { AppError, notFound } from '../core/errors.js'
import type { Output } from '../core/http.js'
import { nullable, orNull, shape } from '../core/schemas.js'
import { holds, type RequestContext, requireActor } from '../core/scope.js'
import { areaRefSchema } from '../jurisdiction/service.js'
import { dutyTypes, gridReaders } from './common.js'

// The grid profile (网格概况): what a grid holds and who works it. The registry counts are read
// with the caller's own rights (row-level security), not through a definer function: the route is
// open to exactly the roles that read the registry of an area (admin, leader, staff, grid worker
// over it: app_registry_area_ids) and checks the caller holds one of them over the grid first, so
// RLS hides nothing of the grid from anyone who gets an answer, and no second copy of the access
// rule exists to drift from the registry's. The household band comes from the area's case rules
// (`householdBand`, nearest ancestor wins; default 300–500).

export const profileSchema = shape({
  area: shape({ ...areaRefSchema.properties, level: { type: 'string' }, parentId: nullable('integer') }),
  households: { type: 'integer' },
  people: { type: 'integer', description: 'Active registry people of the grid' },
  buildings: { type: 'integer' },
  specialCare: {
    type: 'integer',
    description: 'Active people with a special-care tag (one that has a visit rule: elderly living alone, disabled, …)',
  },
  specialCareByTag: {
    type: 'array',
    items: shape({ tag: { type: 'string' }, people: { type: 'integer' } }),
  },
  openCases: { type: 'integer', description: 'Cases of the grid neither closed, rated, rejected, merged nor shelved' },
  overdueCases: { type: 'integer', description: 'Open cases past their current stage’s deadline' },
  workers: {
    type: 'array',
    items: shape({
      userId: { type: 'integer' },
      name: nullable('string'),
      dutyType: { type: 'string', enum: dutyTypes },
      grantedAt: { type: 'string' },
    }),
  },
  lastPatrolAt: { type: ['string', 'null'], description: 'The last patrol that crossed the grid' },
  householdBand: shape({ min: { type: 'integer' }, max: { type: 'integer' } }),
  warning: orNull(
    shape({
      code: { type: 'string', enum: ['households_below_band', 'households_above_band'] },
      households: { type: 'integer' },
      min: { type: 'integer' },
      max: { type: 'integer' },
    }),
  ),
})
export type GridProfile = Output<typeof profileSchema>

const closedStates = ['closed', 'rated', 'rejected', 'merged', 'shelved']

export async function gridProfile(tx: Tx, ctx: RequestContext, areaId: number, now: Date): Promise<GridProfile> {
  const actor = requireActor(ctx)
  const area = await tx
    .selectFrom('area')
    .select(['id', 'code', 'name_zh', 'name_en', 'level', 'path', 'parent_id'])
    .where('id', '=', areaId)
    .executeTakeFirst()
  if (!area) throw notFound('AREA_NOT_FOUND', `area ${areaId}`, 'id')
  if (!holds(actor, gridReaders, area.path))
    throw new AppError('FORBIDDEN', 'you read the profile only of grids you work in or above', 'id')
  if (area.level !== 'grid')
    throw new AppError('AREA_NOT_A_GRID', `area ${areaId} is a ${area.level}: profiles are of grids`, 'id')

  const { rows } = await sql<{
    households: number
    people: number
    buildings: number
    special: number
    open: number
    overdue: number
    last_patrol: Date | null
  }>`
    select
      (select count(*)::int from household h where h.area_id = ${areaId}) as households,
      (select count(*)::int from person p where p.area_id = ${areaId} and p.status = 'active') as people,
      (select count(*)::int from building b where b.area_id = ${areaId}) as buildings,
      (select count(*)::int from person p where p.area_id = ${areaId} and p.status = 'active'
         and p.tags && (select coalesce(array_agg(r.tag), '{}') from care_rule r)) as special,
      (select count(*)::int from cases c where c.area_id = ${areaId} and c.state <> all (${closedStates}::text[])) as open,
      (select count(*)::int from cases c where c.area_id = ${areaId} and c.state <> all (${closedStates}::text[])
         and c.stage_due_at < ${now}) as overdue,
      (select max(pg.started_at) from patrol_grid pg where pg.grid_id = ${areaId}) as last_patrol`.execute(tx)
  const figures = rows[0]!
  const { rows: byTag } = await sql<{ tag: string; people: number }>`
    select t.tag, count(*)::int as people
    from person p cross join lateral unnest(p.tags) as t(tag)
    where p.area_id = ${areaId} and p.status = 'active' and t.tag in (select r.tag from care_rule r)
    group by t.tag order by t.tag`.execute(tx)
  const workers = await tx
    .selectFrom('role_grant as g')
    .leftJoin('app_user as u', 'u.id', 'g.user_id')
    .select(['g.user_id', 'u.display_name', 'g.duty_type', 'g.granted_at'])
    .where('g.area_id', '=', areaId)
    .where('g.role', '=', 'grid_worker')
    // 网格长 first, then full-time, part-time and assigned cadres, as a grid's roster lists them.
    .orderBy(sql`array_position(${sql.val([...dutyTypes])}::text[], g.duty_type)`)
    .orderBy('g.user_id')
    .execute()
  const [min, max] = (await caseRulesFor(tx, area.path)).householdBand
  const households = figures.households
  return {
    area: {
      id: area.id,
      code: area.code,
      nameZh: area.name_zh,
      nameEn: area.name_en,
      level: area.level,
      parentId: area.parent_id,
    },
    households,
    people: figures.people,
    buildings: figures.buildings,
    specialCare: figures.special,
    specialCareByTag: byTag,
    openCases: figures.open,
    overdueCases: figures.overdue,
    workers: workers.map((w) => ({
      userId: w.user_id,
      name: w.display_name,
      dutyType: (w.duty_type ?? 'full_time') as (typeof dutyTypes)[number],
      grantedAt: w.granted_at.toISOString(),
    })),
    lastPatrolAt: figures.last_patrol?.toISOString() ?? null,
    householdBand: { min, max },
    warning:
      households < min
        ? { code: 'households_below_band', households, min, max }
        : households > max
          ? { code: 'households_above_band', households, min, max }
          : null,
  }
}
