import { sql } from 'kysely'
import { recordAudit } from '../audit/service.js'
import type { Tx } from '../core/db.js'
import { AppError } from '../core/errors.js'
import type { Input, Output } from '../core/http.js'
import { containing, escapeLike } from '../core/like.js'
import { type Page, paginate, pageQuerySchema } from '../core/paging.js'
import { body, date, id, nullable, orNull, shape, timestamp } from '../core/schemas.js'
import { holds, type RequestContext, requireActor } from '../core/scope.js'
import { maskName } from '../emergency/common.js'
import { geometrySchema, type AreaGeometry } from '../jurisdiction/geometry.js'
import { areaRef, areaRefSchema, areaPathOf } from '../jurisdiction/service.js'
import {
  memberRoles,
  memberStandings,
  type OrganisationKind,
  organisationKinds,
  type OrganisationSector,
  organisationSectors,
  organisationStatuses,
  partyKeepers,
  partyReaders,
} from './common.js'

// The party-organisation network on the area tree (党组织体系): committees, general branches,
// branches and groups attached to areas (a grid's party group to its grid), and the branches of
// enterprises, social organisations, institutions and residential compounds. A child sits on its
// parent's branch of the area tree (the use case checks it; the trigger of migration 0068 enforces
// it). Reads run as the caller (row-level security: the staff on the branch); writes by the keepers
// (admin, leader, staff) over the organisation's area. Coverage shows the communities, grids and
// residential buildings without an organisation.

// ── Schemas ───────────────────────────────────────────────────────────────────────────────────

const orgCode = {
  type: 'string',
  minLength: 2,
  maxLength: 40,
  pattern: '^[A-Za-z0-9][A-Za-z0-9-]{1,39}$',
  description: 'Unique code, e.g. PO-JZ-QH-01-01-G03',
} as const
const orgName = { type: 'string', minLength: 2, maxLength: 100 } as const
const version = { type: 'integer', minimum: 1, maximum: 2147483647 } as const
const kind = { type: 'string', enum: organisationKinds } as const
const sector = { type: 'string', enum: organisationSectors } as const
const status = { type: 'string', enum: organisationStatuses } as const
const buildingIds = {
  type: 'array',
  items: { type: 'integer', minimum: 1, maximum: 9007199254740991 },
  minItems: 1,
  maxItems: 200,
  uniqueItems: true,
  description: 'A compound branch’s residential buildings (in the area’s subtree)',
} as const
const bigId = { type: 'integer', minimum: 1, maximum: 9007199254740991 } as const

const parentRef = orNull(shape({ id: { type: 'integer' }, code: { type: 'string' }, name: { type: 'string' } }))

export const organisationItemSchema = shape({
  id: { type: 'integer' },
  code: { type: 'string' },
  name: { type: 'string' },
  kind,
  sector,
  parent: parentRef,
  area: shape({ ...areaRefSchema.properties, level: { type: 'string' } }),
  members: { type: 'integer', description: 'Active members' },
  status,
})
export type OrganisationItem = Output<typeof organisationItemSchema>

export const listQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    areaId: { ...id, description: 'Organisations in this area’s subtree' },
    kind,
    sector,
    status,
    parentId: bigId,
    q: { type: 'string', minLength: 1, maxLength: 64, description: 'Part of the code or of the name' },
    ...pageQuerySchema,
    pageSize: { type: 'integer', minimum: 1, maximum: 200, default: 50 },
  },
} as const
export type OrganisationFilter = Input<typeof listQuery>

export const treeQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    areaId: { ...id, description: 'The area whose branch is shown (above it and below); default all the caller reads' },
    includeDissolved: { type: 'boolean', default: false },
  },
} as const
export type TreeFilter = Input<typeof treeQuery>
export const TREE_CAP = 3000
export const treeSchema = shape({
  nodes: {
    type: 'array',
    description: 'Depth-first, ordered for display: each node after its parent',
    items: shape({
      id: { type: 'integer' },
      code: { type: 'string' },
      name: { type: 'string' },
      kind,
      sector,
      status,
      parentId: nullable('integer'),
      depth: { type: 'integer' },
      children: { type: 'integer' },
      members: { type: 'integer' },
      area: shape({ ...areaRefSchema.properties, level: { type: 'string' } }),
    }),
  },
  truncated: { type: 'boolean' },
})
type Tree = Output<typeof treeSchema>

export const newOrganisationBody = body(['code', 'name', 'kind', 'sector', 'areaId'], {
  code: orgCode,
  name: orgName,
  kind,
  sector,
  parentId: { ...bigId, description: 'The organisation above (active; the new one’s area on its branch)' },
  areaId: { ...id, description: 'The area it is attached to (a grid’s group to the grid)' },
  registryOrganisationId: { ...bigId, description: 'The enterprise or social organisation (registry) it is of' },
  departmentId: { ...id, description: 'An institution’s department' },
  buildingIds,
  foundedOn: date,
})
export type NewOrganisation = Input<typeof newOrganisationBody>

export const updateOrganisationBody = body(['version'], {
  version,
  name: orgName,
  parentId: { ...bigId, description: 'A new organisation above' },
  areaId: id,
  foundedOn: { type: ['string', 'null'], format: 'date', pattern: '^\\d{4}-\\d{2}-\\d{2}$' },
  buildingIds,
  status: { type: 'string', enum: ['dissolved'], description: 'dissolved: needs no active members or children' },
})
export type UpdateOrganisation = Input<typeof updateOrganisationBody>

const countBy = (values: readonly string[]) =>
  shape(Object.fromEntries(values.map((v) => [v, { type: 'integer' }])) as Record<string, { type: 'integer' }>)

export const organisationDetailSchema = shape({
  ...organisationItemSchema.properties,
  registryOrganisation: orNull(shape({ id: { type: 'integer' }, name: nullable('string') })),
  department: orNull(shape({ id: { type: 'integer' }, nameZh: { type: 'string' }, nameEn: { type: 'string' } })),
  buildings: {
    type: 'array',
    items: shape({ id: { type: 'integer' }, code: nullable('string'), name: nullable('string') }),
  },
  children: {
    type: 'array',
    items: shape({
      id: { type: 'integer' },
      code: { type: 'string' },
      name: { type: 'string' },
      kind,
      status,
      members: { type: 'integer' },
    }),
  },
  secretary: orNull(shape({ memberId: { type: 'integer' }, name: nullable('string') })),
  membersByRole: countBy(memberRoles),
  membersByStanding: countBy(memberStandings),
  cobuildAgreements: { type: 'integer', description: 'Co-building agreements where it is the unit’s organisation' },
  foundedOn: nullable('string'),
  dissolvedOn: nullable('string'),
  version: { type: 'integer' },
  createdAt: timestamp,
  updatedAt: timestamp,
  canEdit: { type: 'boolean' },
})
export type OrganisationDetail = Output<typeof organisationDetailSchema>

export const areaQuery = {
  type: 'object',
  additionalProperties: false,
  required: ['areaId'],
  properties: { areaId: id },
} as const
export type AreaQuery = Input<typeof areaQuery>

export const COVERAGE_CAP = 200
const areaLine = shape({ ...areaRefSchema.properties })
export const coverageSchema = shape({
  area: shape({ ...areaRefSchema.properties, level: { type: 'string' } }),
  communities: shape({
    total: { type: 'integer' },
    uncovered: { type: 'integer' },
    items: { type: 'array', items: areaLine, description: `At most ${COVERAGE_CAP}` },
  }),
  grids: shape({
    total: { type: 'integer' },
    uncovered: { type: 'integer' },
    items: { type: 'array', items: areaLine, description: `At most ${COVERAGE_CAP}` },
  }),
  buildings: shape({
    total: { type: 'integer', description: 'Residential and mixed buildings the caller reads' },
    uncovered: { type: 'integer', description: 'Not covered by an active compound branch' },
    items: {
      type: 'array',
      description: `At most ${COVERAGE_CAP}`,
      items: shape({ id: { type: 'integer' }, code: { type: 'string' }, name: { type: 'string' }, area: areaLine }),
    },
  }),
})
type Coverage = Output<typeof coverageSchema>

export const MAP_CAP = 2000
export const mapSchema = shape({
  organisations: {
    type: 'array',
    items: shape({
      id: { type: 'integer' },
      code: { type: 'string' },
      name: { type: 'string' },
      kind,
      sector,
      members: { type: 'integer' },
      lng: { type: 'number' },
      lat: { type: 'number' },
      placedBy: { type: 'string', enum: ['organisation', 'buildings', 'area'] },
    }),
  },
  uncoveredGrids: {
    type: 'array',
    items: shape({
      id: { type: 'integer' },
      code: { type: 'string' },
      nameZh: { type: 'string' },
      nameEn: { type: 'string' },
      geometry: geometrySchema,
    }),
  },
  truncated: { type: 'boolean' },
})
type PartyMap = Output<typeof mapSchema>

// ── Reading ───────────────────────────────────────────────────────────────────────────────────

type ItemRow = {
  id: number
  code: string
  name: string
  kind: OrganisationKind
  sector: OrganisationSector
  status: 'active' | 'dissolved'
  parent_id: number | null
  parent_code: string | null
  parent_name: string | null
  area_id: number
  area_code: string
  area_name_zh: string
  area_name_en: string
  area_level: string
  members: number
}

const itemSelect = sql`
  o.id, o.code, o.name, o.kind, o.sector, o.status, o.parent_id, p.code as parent_code, p.name as parent_name,
  o.area_id, a.code as area_code, a.name_zh as area_name_zh, a.name_en as area_name_en, a.level as area_level,
  (select count(*) from party_member m where m.organisation_id = o.id and m.status = 'active')::int as members`
const itemJoins = sql`
  join area a on a.id = o.area_id
  left join party_organisation p on p.id = o.parent_id`

const presentItem = (r: ItemRow): OrganisationItem => ({
  id: r.id,
  code: r.code,
  name: r.name,
  kind: r.kind,
  sector: r.sector,
  parent: r.parent_id === null ? null : { id: r.parent_id, code: r.parent_code ?? '', name: r.parent_name ?? '' },
  area: { ...areaRef(r), level: r.area_level },
  members: r.members,
  status: r.status,
})

const subtreeOf = (path: string) => sql`(select id from area where path like ${`${escapeLike(path)}%`})`

/** Organisations the caller reads, filtered, by code. */
export async function listOrganisations(tx: Tx, f: OrganisationFilter): Promise<Page<OrganisationItem>> {
  const where = [sql`true`]
  if (f.areaId !== undefined) where.push(sql`o.area_id in ${subtreeOf(await areaPathOf(tx, f.areaId))}`)
  if (f.kind !== undefined) where.push(sql`o.kind = ${f.kind}`)
  if (f.sector !== undefined) where.push(sql`o.sector = ${f.sector}`)
  if (f.status !== undefined) where.push(sql`o.status = ${f.status}`)
  if (f.parentId !== undefined) where.push(sql`o.parent_id = ${f.parentId}`)
  if (f.q !== undefined) where.push(sql`(o.code ilike ${containing(f.q)} or o.name ilike ${containing(f.q)})`)
  const filter = sql.join(where, sql` and `)
  const { rows } = await sql<ItemRow>`
    select ${itemSelect} from party_organisation o ${itemJoins}
    where ${filter} order by o.code limit ${f.pageSize} offset ${(f.page - 1) * f.pageSize}`.execute(tx)
  const { rows: counted } = await sql<{ n: number }>`
    select count(*)::int as n from party_organisation o where ${filter}`.execute(tx)
  return paginate({ page: f.page, pageSize: f.pageSize }, rows.map(presentItem), counted[0]?.n ?? 0)
}

const kindRank: Record<OrganisationKind, number> = { committee: 0, general_branch: 1, branch: 2, group: 3 }

/** The organisations on an area's branch (above and below it) as a depth-first tree. */
export async function organisationTree(tx: Tx, f: TreeFilter): Promise<Tree> {
  const where = [sql`true`]
  if (f.areaId !== undefined) where.push(sql`o.area_id in ${subtreeOf(await areaPathOf(tx, f.areaId))}`)
  if (!f.includeDissolved) where.push(sql`o.status = 'active'`)
  // The organisations under the area and the chain of organisations above them.
  const { rows } = await sql<ItemRow>`
    with recursive chain(id) as (
      select o.id from party_organisation o where ${sql.join(where, sql` and `)}
      union
      select o.parent_id from party_organisation o join chain c on o.id = c.id where o.parent_id is not null)
    select ${itemSelect} from party_organisation o ${itemJoins}
    where o.id in (select id from chain) order by o.code limit ${TREE_CAP + 1}`.execute(tx)
  const shown = rows.slice(0, TREE_CAP)
  const ids = new Set(shown.map((r) => r.id))
  const children = new Map<number | null, ItemRow[]>()
  for (const r of shown) {
    const key = r.parent_id !== null && ids.has(r.parent_id) ? r.parent_id : null
    children.set(key, [...(children.get(key) ?? []), r])
  }
  const order = (a: ItemRow, b: ItemRow) =>
    a.area_code.length - b.area_code.length || kindRank[a.kind] - kindRank[b.kind] || a.code.localeCompare(b.code)
  const nodes: Tree['nodes'] = []
  const walk = (parent: number | null, depth: number) => {
    for (const r of (children.get(parent) ?? []).sort(order)) {
      nodes.push({
        id: r.id,
        code: r.code,
        name: r.name,
        kind: r.kind,
        sector: r.sector,
        status: r.status,
        parentId: r.parent_id,
        depth,
        children: children.get(r.id)?.length ?? 0,
        members: r.members,
        area: { ...areaRef(r), level: r.area_level },
      })
      walk(r.id, depth + 1)
    }
  }
  walk(null, 0)
  return { nodes, truncated: rows.length > TREE_CAP }
}

type OrgRow = {
  id: number
  code: string
  name: string
  kind: OrganisationKind
  sector: OrganisationSector
  status: 'active' | 'dissolved'
  parent_id: number | null
  area_id: number
  area_path: string
  area_level: string
  registry_organisation_id: number | null
  department_id: number | null
  founded_on: string | null
  version: number
}

/** An organisation the caller reads, or 404 naming `field`. */
async function loadOrganisation(tx: Tx, organisationId: number, field = 'id'): Promise<OrgRow> {
  const { rows } = await sql<OrgRow>`
    select o.id, o.code, o.name, o.kind, o.sector, o.status, o.parent_id, o.area_id, a.path as area_path,
      a.level as area_level, o.registry_organisation_id, o.department_id, o.founded_on, o.version
    from party_organisation o join area a on a.id = o.area_id where o.id = ${organisationId}`.execute(tx)
  const r = rows[0]
  if (!r) throw new AppError('PARTY_ORGANISATION_NOT_FOUND', `no party organisation ${organisationId}`, field)
  return r
}

/** One organisation with its parent, children, links, secretary (masked) and member counts. */
export async function organisationDetail(
  tx: Tx,
  ctx: RequestContext,
  organisationId: number,
): Promise<OrganisationDetail> {
  const { rows } = await sql<
    ItemRow & {
      area_path: string
      registry_organisation_id: number | null
      registry_organisation_name: string | null
      department_id: number | null
      department_name_zh: string | null
      department_name_en: string | null
      founded_on: string | null
      dissolved_on: string | null
      version: number
      created_at: Date
      updated_at: Date
    }
  >`
    select ${itemSelect}, a.path as area_path, o.registry_organisation_id, ro.name as registry_organisation_name,
      o.department_id, d.name_zh as department_name_zh, d.name_en as department_name_en, o.founded_on,
      o.dissolved_on, o.version, o.created_at, o.updated_at
    from party_organisation o ${itemJoins}
    left join organisation ro on ro.id = o.registry_organisation_id
    left join department d on d.id = o.department_id
    where o.id = ${organisationId}`.execute(tx)
  const r = rows[0]
  if (!r) throw new AppError('PARTY_ORGANISATION_NOT_FOUND', `no party organisation ${organisationId}`, 'id')
  const [buildings, kids, counts, secretary, agreements] = [
    await sql<{ id: number; code: string | null; name: string | null }>`
      select ob.building_id as id, b.code, b.name from party_organisation_building ob
      left join building b on b.id = ob.building_id
      where ob.organisation_id = ${organisationId} order by b.code, ob.building_id`.execute(tx),
    await sql<{
      id: number
      code: string
      name: string
      kind: OrganisationKind
      status: 'active' | 'dissolved'
      members: number
    }>`
      select c.id, c.code, c.name, c.kind, c.status,
        (select count(*) from party_member m where m.organisation_id = c.id and m.status = 'active')::int as members
      from party_organisation c where c.parent_id = ${organisationId} order by c.status, c.code`.execute(tx),
    await sql<{ role: string; standing: string; n: number }>`
      select role, standing, count(*)::int as n from party_member
      where organisation_id = ${organisationId} and status = 'active' group by role, standing`.execute(tx),
    await sql<{ id: number; name: string | null }>`
      select m.id, pe.name from party_member m left join person pe on pe.id = m.person_id
      where m.organisation_id = ${organisationId} and m.status = 'active' and m.role = 'secretary'
      order by m.joined_on, m.id limit 1`.execute(tx),
    await sql<{ n: number }>`
      select count(*)::int as n from cobuild_agreement
      where unit_party_organisation_id = ${organisationId} and status = 'active'`.execute(tx),
  ]
  const byRole = Object.fromEntries(memberRoles.map((k) => [k, 0])) as Record<(typeof memberRoles)[number], number>
  const byStanding = Object.fromEntries(memberStandings.map((k) => [k, 0])) as Record<
    (typeof memberStandings)[number],
    number
  >
  for (const c of counts.rows) {
    if (c.role in byRole) byRole[c.role as keyof typeof byRole] += c.n
    if (c.standing in byStanding) byStanding[c.standing as keyof typeof byStanding] += c.n
  }
  const sec = secretary.rows[0]
  return {
    ...presentItem(r),
    registryOrganisation:
      r.registry_organisation_id === null
        ? null
        : { id: r.registry_organisation_id, name: r.registry_organisation_name },
    department:
      r.department_id === null
        ? null
        : { id: r.department_id, nameZh: r.department_name_zh ?? '', nameEn: r.department_name_en ?? '' },
    buildings: buildings.rows,
    children: kids.rows,
    secretary: sec ? { memberId: sec.id, name: sec.name === null ? null : maskName(sec.name) } : null,
    membersByRole: byRole,
    membersByStanding: byStanding,
    cobuildAgreements: agreements.rows[0]?.n ?? 0,
    foundedOn: r.founded_on,
    dissolvedOn: r.dissolved_on,
    version: r.version,
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
    canEdit: r.status === 'active' && holds(ctx.actor, partyKeepers, r.area_path),
  }
}

type AreaRow = { id: number; code: string; name_zh: string; name_en: string; path: string; level: string }

async function loadArea(tx: Tx, areaId: number, field = 'areaId'): Promise<AreaRow> {
  const row = await tx
    .selectFrom('area')
    .select(['id', 'code', 'name_zh', 'name_en', 'path', 'level'])
    .where('id', '=', areaId)
    .executeTakeFirst()
  if (!row) throw new AppError('AREA_NOT_FOUND', `no area ${areaId}`, field)
  return row
}

/** An area on the caller's branch (the party readers' grants above or below it), else 403. */
async function loadReadableArea(tx: Tx, ctx: RequestContext, areaId: number): Promise<AreaRow> {
  const area = await loadArea(tx, areaId)
  const actor = requireActor(ctx)
  if (!actor.grants.some((g) => partyReaders.includes(g.role) && onBranch(area.path, g.path)))
    throw new AppError('FORBIDDEN', 'the area is not on your branch of the area tree', 'areaId')
  return area
}

const lineOf = (r: { id: number; code: string; name_zh: string; name_en: string }) => ({
  id: r.id,
  code: r.code,
  nameZh: r.name_zh,
  nameEn: r.name_en,
})

/**
 * Communities, grids and residential buildings under an area without an organisation. Whether an
 * area or building is covered is asked of every active organisation (migration 0071's definer
 * functions), not only those the caller reads, so nobody sees a neighbour's community as a gap.
 */
export async function partyCoverage(tx: Tx, ctx: RequestContext, q: AreaQuery): Promise<Coverage> {
  const area = await loadReadableArea(tx, ctx, q.areaId)
  const below = `${escapeLike(area.path)}%`
  const levelGap = async (level: 'community' | 'grid') => {
    const { rows } = await sql<{ id: number; code: string; name_zh: string; name_en: string }>`
      select x.id, x.code, x.name_zh, x.name_en from area x
      where x.level = ${level} and x.retired_at is null and x.path like ${below}
        and x.id not in (select app_party_covered_areas())
      order by x.code limit ${COVERAGE_CAP}`.execute(tx)
    const { rows: totals } = await sql<{ total: number; uncovered: number }>`
      select count(*)::int as total,
        count(*) filter (where x.id not in (select app_party_covered_areas()))::int as uncovered
      from area x where x.level = ${level} and x.retired_at is null and x.path like ${below}`.execute(tx)
    return { total: totals[0]?.total ?? 0, uncovered: totals[0]?.uncovered ?? 0, items: rows.map(lineOf) }
  }
  const communities = await levelGap('community')
  const grids = await levelGap('grid')
  // Covered by any active compound branch, readable by the caller or not (migration 0071).
  const uncoveredBuilding = sql`b.id not in (select app_party_covered_buildings())`
  const residential = sql`b.kind in ('residential', 'mixed') and b.area_id in ${subtreeOf(area.path)}`
  const { rows: bTotals } = await sql<{ total: number; uncovered: number }>`
    select count(*)::int as total, count(*) filter (where ${uncoveredBuilding})::int as uncovered
    from building b where ${residential}`.execute(tx)
  const { rows: bRows } = await sql<{
    id: number
    code: string
    name: string
    area_id: number
    area_code: string
    area_name_zh: string
    area_name_en: string
  }>`
    select b.id, b.code, b.name, b.area_id, a.code as area_code, a.name_zh as area_name_zh, a.name_en as area_name_en
    from building b join area a on a.id = b.area_id
    where ${residential} and ${uncoveredBuilding} order by b.code limit ${COVERAGE_CAP}`.execute(tx)
  return {
    area: { ...lineOf(area), level: area.level },
    communities,
    grids,
    buildings: {
      total: bTotals[0]?.total ?? 0,
      uncovered: bTotals[0]?.uncovered ?? 0,
      items: bRows.map((b) => ({ id: b.id, code: b.code, name: b.name, area: areaRef(b) })),
    },
  }
}

/** Organisations placed on the map, and the uncovered grids' outlines. */
export async function partyMap(tx: Tx, ctx: RequestContext, q: AreaQuery): Promise<PartyMap> {
  const area = await loadReadableArea(tx, ctx, q.areaId)
  const { rows } = await sql<{
    id: number
    code: string
    name: string
    kind: OrganisationKind
    sector: OrganisationSector
    members: number
    org_point: string | null
    lng: number
    lat: number
    placed_by: 'organisation' | 'buildings' | 'area'
  }>`
    select o.id, o.code, o.name, o.kind, o.sector,
      (select count(*) from party_member m where m.organisation_id = o.id and m.status = 'active')::int as members,
      ST_X(pt.g) as lng, ST_Y(pt.g) as lat, pt.by as placed_by
    from party_organisation o join area a on a.id = o.area_id
    cross join lateral (
      select coalesce(ro.location, bc.c, ST_PointOnSurface(a.boundary)) as g,
        case when ro.location is not null then 'organisation' when bc.c is not null then 'buildings' else 'area' end as by
      from (select 1) one
      left join organisation ro on ro.id = o.registry_organisation_id
      left join lateral (
        select ST_Centroid(ST_Collect(b.location)) as c from party_organisation_building ob
        join building b on b.id = ob.building_id where ob.organisation_id = o.id) bc on true) pt
    where o.status = 'active' and a.path like ${`${escapeLike(area.path)}%`}
    order by o.code limit ${MAP_CAP + 1}`.execute(tx)
  const { rows: grids } = await sql<{
    id: number
    code: string
    name_zh: string
    name_en: string
    geometry: AreaGeometry | string
  }>`
    select x.id, x.code, x.name_zh, x.name_en, ST_AsGeoJSON(x.boundary, 7)::json as geometry
    from area x
    where x.level = 'grid' and x.retired_at is null and x.path like ${`${escapeLike(area.path)}%`}
      and x.id not in (select app_party_covered_areas())
    order by x.code limit ${COVERAGE_CAP}`.execute(tx)
  const parse = (g: AreaGeometry | string) => (typeof g === 'string' ? (JSON.parse(g) as AreaGeometry) : g)
  return {
    organisations: rows.slice(0, MAP_CAP).map((r) => ({
      id: r.id,
      code: r.code,
      name: r.name,
      kind: r.kind,
      sector: r.sector,
      members: r.members,
      lng: r.lng,
      lat: r.lat,
      placedBy: r.placed_by,
    })),
    uncoveredGrids: grids.map((g) => ({
      id: g.id,
      code: g.code,
      nameZh: g.name_zh,
      nameEn: g.name_en,
      geometry: parse(g.geometry),
    })),
    truncated: rows.length > MAP_CAP,
  }
}

// ── Rules ─────────────────────────────────────────────────────────────────────────────────────

function requireKeeper(ctx: RequestContext, path: string) {
  const actor = requireActor(ctx)
  if (!holds(actor, partyKeepers, path))
    throw new AppError(
      'FORBIDDEN',
      `keeping the party network requires one of the roles ${partyKeepers.join(', ')} over the area`,
    )
  return actor
}

const invalidOrg = (field: string, message: string) => new AppError('PARTY_ORGANISATION_INVALID', message, field)
const onBranch = (a: string, b: string) => a.startsWith(b) || b.startsWith(a)
const districtOf = (path: string, areaId: number) => Number(path.split('/').filter(Boolean)[1] ?? areaId)

interface Shape {
  kind: OrganisationKind
  sector: OrganisationSector
  area: AreaRow
  parentId: number | null
  registryOrganisationId: number | null
  departmentId: number | null
  buildingIds: number[] | null
}

/** The rules of a network position: parent, the grid's kinds, each sector's link. */
async function checkShape(tx: Tx, s: Shape, self: number | null) {
  if (s.area.level === 'grid' && s.kind !== 'group' && s.kind !== 'branch')
    throw invalidOrg('kind', 'a grid’s organisation is a party group or a branch')
  if (s.parentId !== null) {
    const parent = await loadOrganisation(tx, s.parentId, 'parentId')
    if (parent.status !== 'active') throw invalidOrg('parentId', `${parent.code} is dissolved`)
    if (parent.kind === 'group') throw invalidOrg('parentId', 'a party group has no organisations below it')
    if (self !== null) {
      // No cycle: the new parent is not this organisation nor below it.
      const { rows } = await sql<{ id: number }>`
        with recursive up(id, parent_id) as (
          select id, parent_id from party_organisation where id = ${parent.id}
          union all select o.id, o.parent_id from party_organisation o join up on o.id = up.parent_id)
        select id from up where id = ${self}`.execute(tx)
      if (rows.length > 0) throw invalidOrg('parentId', 'the organisation above cannot be this one or one below it')
    }
    if (!s.area.path.startsWith(parent.area_path))
      throw new AppError(
        'PARTY_ORGANISATION_OUTSIDE_PARENT',
        `the area is outside ${parent.code}'s branch of the area tree`,
        'areaId',
      )
  }
  if (s.sector === 'enterprise' || s.sector === 'social_organisation') {
    if (s.registryOrganisationId === null)
      throw invalidOrg('registryOrganisationId', `a ${s.sector} branch names its registry organisation`)
    await checkRegistryOrganisation(tx, s.registryOrganisationId, [s.sector], s.area.path)
  } else if (s.sector === 'institution') {
    if (s.departmentId === null && s.registryOrganisationId === null)
      throw invalidOrg('departmentId', 'an institution’s branch names its department or registry organisation')
    if (s.registryOrganisationId !== null)
      await checkRegistryOrganisation(tx, s.registryOrganisationId, ['public_institution', 'other'], s.area.path)
  } else if (s.registryOrganisationId !== null) {
    await checkRegistryOrganisation(tx, s.registryOrganisationId, null, s.area.path)
  }
  if (s.departmentId !== null) {
    const d = await tx.selectFrom('department').select('id').where('id', '=', s.departmentId).executeTakeFirst()
    if (!d) throw invalidOrg('departmentId', `no department ${s.departmentId}`)
  }
  if (s.sector === 'compound') {
    if (!s.buildingIds || s.buildingIds.length === 0)
      throw invalidOrg('buildingIds', 'a compound’s branch names the buildings it covers')
    const { rows } = await sql<{ id: number; path: string }>`
      select b.id, a.path from building b join area a on a.id = b.area_id where b.id in (${sql.join(s.buildingIds)})`.execute(
      tx,
    )
    const found = new Map(rows.map((r) => [r.id, r.path]))
    for (const [i, b] of s.buildingIds.entries()) {
      const path = found.get(b)
      if (path === undefined) throw invalidOrg(`buildingIds[${i}]`, `no building ${b}`)
      if (!path.startsWith(s.area.path)) throw invalidOrg(`buildingIds[${i}]`, `building ${b} is outside the area`)
    }
  } else if (s.buildingIds && s.buildingIds.length > 0) {
    throw invalidOrg('buildingIds', 'only a compound’s branch names buildings')
  }
}

async function checkRegistryOrganisation(tx: Tx, orgId: number, kinds: string[] | null, areaPath: string) {
  const { rows } = await sql<{ kind: string; path: string }>`
    select o.kind, a.path from organisation o join area a on a.id = o.area_id where o.id = ${orgId}`.execute(tx)
  const o = rows[0]
  if (!o) throw invalidOrg('registryOrganisationId', `no registry organisation ${orgId}`)
  if (kinds && !kinds.includes(o.kind))
    throw invalidOrg('registryOrganisationId', `the registry organisation is a ${o.kind}, not ${kinds.join(' or ')}`)
  if (!onBranch(o.path, areaPath))
    throw invalidOrg('registryOrganisationId', 'the registry organisation is not on the area’s branch')
}

/** The database's own refusals as the API's errors (the code is unique across areas the caller cannot read). */
function fromDatabase(err: unknown): never {
  const e = err as { code?: string; constraint?: string; message?: string } | null
  const named = (c: string) => e?.constraint === c || !!e?.message?.includes(c)
  if (e?.code === '23505' && named('party_organisation_code_key'))
    throw new AppError('PARTY_ORGANISATION_CODE_TAKEN', 'an organisation with this code exists', 'code')
  if (e?.code === '23514' && named('party_organisation_within_parent'))
    throw new AppError('PARTY_ORGANISATION_OUTSIDE_PARENT', 'the area is outside the parent’s branch', 'areaId')
  if (e?.code === '23514') throw invalidOrg('body', 'violates a rule of the party network')
  throw err
}

async function setBuildings(tx: Tx, organisationId: number, areaId: number, ids: number[]) {
  await tx.deleteFrom('party_organisation_building').where('organisation_id', '=', organisationId).execute()
  if (ids.length === 0) return
  // The building's own area (for who reads the link), within the organisation's.
  await sql`
    insert into party_organisation_building (organisation_id, building_id, area_id)
    select ${organisationId}, b.id, coalesce(b.area_id, ${areaId}) from building b
    where b.id in (${sql.join(ids)})`.execute(tx)
}

// ── Writing ───────────────────────────────────────────────────────────────────────────────────

/** Creates an organisation in the network; answers its detail. */
export async function createOrganisation(
  tx: Tx,
  ctx: RequestContext,
  input: NewOrganisation,
  now: Date,
): Promise<OrganisationDetail> {
  const area = await loadArea(tx, input.areaId)
  const actor = requireKeeper(ctx, area.path)
  await checkShape(
    tx,
    {
      kind: input.kind,
      sector: input.sector,
      area,
      parentId: input.parentId ?? null,
      registryOrganisationId: input.registryOrganisationId ?? null,
      departmentId: input.departmentId ?? null,
      buildingIds: input.buildingIds ?? null,
    },
    null,
  )
  const taken = await tx.selectFrom('party_organisation').select('id').where('code', '=', input.code).executeTakeFirst()
  if (taken) throw new AppError('PARTY_ORGANISATION_CODE_TAKEN', `an organisation ${input.code} exists`, 'code')
  try {
    await tx
      .insertInto('party_organisation')
      .values({
        code: input.code,
        name: input.name,
        kind: input.kind,
        sector: input.sector,
        parent_id: input.parentId ?? null,
        area_id: area.id,
        district_id: districtOf(area.path, area.id),
        registry_organisation_id: input.registryOrganisationId ?? null,
        department_id: input.departmentId ?? null,
        founded_on: input.foundedOn ?? null,
        created_by: actor.userId,
        created_at: now,
        updated_at: now,
      })
      .execute()
  } catch (err) {
    fromDatabase(err)
  }
  const { id: organisationId } = await tx
    .selectFrom('party_organisation')
    .select('id')
    .where('code', '=', input.code)
    .executeTakeFirstOrThrow()
  if (input.buildingIds) await setBuildings(tx, organisationId, area.id, input.buildingIds)
  await recordAudit(tx, ctx, {
    action: 'party.organisation.create',
    entityType: 'party_organisation',
    entityId: organisationId,
    areaId: area.id,
    detail: {
      code: input.code,
      kind: input.kind,
      sector: input.sector,
      parentId: input.parentId ?? null,
      registryOrganisationId: input.registryOrganisationId ?? null,
      departmentId: input.departmentId ?? null,
      buildingIds: input.buildingIds ?? [],
    },
  })
  return organisationDetail(tx, ctx, organisationId)
}

/**
 * Changes an organisation (the version read): name, parent, area (re-checked like a create; its
 * children must stay on its branch; its members move with it), founding day, a compound's
 * buildings; or dissolves it (no active members, no active organisations below).
 */
export async function updateOrganisation(
  tx: Tx,
  ctx: RequestContext,
  organisationId: number,
  input: UpdateOrganisation,
  now: Date,
): Promise<void> {
  const org = await loadOrganisation(tx, organisationId)
  requireKeeper(ctx, org.area_path)
  if (input.version !== org.version)
    throw new AppError(
      'PARTY_VERSION_CONFLICT',
      `the organisation changed since you read it (version ${org.version})`,
      'version',
      {},
      { version: org.version },
    )
  if (org.status === 'dissolved') throw invalidOrg('status', `${org.code} is dissolved`)
  const set: Record<string, unknown> = {}
  const changes: Record<string, unknown> = {}
  if (input.name !== undefined && input.name !== org.name) set.name = changes.name = input.name
  if (input.foundedOn !== undefined) set.founded_on = changes.foundedOn = input.foundedOn
  const moving = input.areaId !== undefined && input.areaId !== org.area_id
  const reparenting = input.parentId !== undefined && input.parentId !== org.parent_id
  let area: AreaRow | null = null
  if (moving || reparenting || input.buildingIds !== undefined) {
    area = await loadArea(tx, input.areaId ?? org.area_id)
    if (moving) requireKeeper(ctx, area.path)
    await checkShape(
      tx,
      {
        kind: org.kind,
        sector: org.sector,
        area,
        parentId: input.parentId ?? org.parent_id,
        registryOrganisationId: org.registry_organisation_id,
        departmentId: org.department_id,
        buildingIds:
          input.buildingIds ??
          (org.sector === 'compound'
            ? (
                await tx
                  .selectFrom('party_organisation_building')
                  .select('building_id')
                  .where('organisation_id', '=', organisationId)
                  .execute()
              ).map((b) => b.building_id)
            : null),
      },
      organisationId,
    )
    if (moving) {
      const { rows: strays } = await sql<{ code: string }>`
        select c.code from party_organisation c join area ca on ca.id = c.area_id
        where c.parent_id = ${organisationId} and c.status = 'active'
          and ca.path not like ${`${escapeLike(area.path)}%`} order by c.code limit 1`.execute(tx)
      if (strays[0])
        throw new AppError(
          'PARTY_ORGANISATION_OUTSIDE_PARENT',
          `${strays[0].code} below it would leave its branch of the area tree`,
          'areaId',
        )
      set.area_id = area.id
      set.district_id = districtOf(area.path, area.id)
      changes.areaId = { from: org.area_id, to: area.id }
    }
    if (reparenting) set.parent_id = changes.parentId = input.parentId
  }
  if (input.status === 'dissolved') {
    const { rows } = await sql<{ members: number; children: number }>`
      select (select count(*) from party_member where organisation_id = ${organisationId} and status = 'active')::int as members,
        (select count(*) from party_organisation where parent_id = ${organisationId} and status = 'active')::int as children`.execute(
      tx,
    )
    const c = rows[0]!
    if (c.members > 0 || c.children > 0)
      throw new AppError(
        'PARTY_ORGANISATION_INVALID',
        `${org.code} still has ${c.members} active members and ${c.children} active organisations below it`,
        'status',
        {},
        { members: c.members, children: c.children },
      )
    set.status = 'dissolved'
    // The day in the area's own time zone.
    set.dissolved_on = sql`(${now}::timestamptz at time zone (select timezone from area where id = ${org.area_id}))::date`
    changes.status = 'dissolved'
  }
  const buildingsChanged = input.buildingIds !== undefined
  if (Object.keys(set).length === 0 && !buildingsChanged) return
  let done: { id: number } | undefined
  try {
    done = await tx
      .updateTable('party_organisation')
      .set({ ...set, updated_at: now, version: org.version + 1 })
      .where('id', '=', organisationId)
      .where('version', '=', org.version)
      .returning('id')
      .executeTakeFirst()
  } catch (err) {
    fromDatabase(err)
  }
  if (!done) throw new AppError('PARTY_VERSION_CONFLICT', 'the organisation changed since you read it', 'version')
  if (buildingsChanged && area) {
    await setBuildings(tx, organisationId, area.id, input.buildingIds ?? [])
    changes.buildingIds = input.buildingIds
  }
  if (moving && area) {
    // A member record's area is its organisation's (who reads it follows the organisation).
    await sql`update party_member set area_id = ${area.id}, district_id = ${districtOf(area.path, area.id)},
      updated_at = ${now} where organisation_id = ${organisationId}`.execute(tx)
  }
  await recordAudit(tx, ctx, {
    action: changes.status ? 'party.organisation.dissolve' : 'party.organisation.update',
    entityType: 'party_organisation',
    entityId: organisationId,
    areaId: org.area_id,
    detail: { code: org.code, changes },
  })
}
