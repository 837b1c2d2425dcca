import { sql, type RawBuilder } from 'kysely'
import { DateTime } from 'luxon'
import { AppError, invalid, notFound } from '../core/errors.js'
import type { Tx } from '../core/db.js'
import type { Input, Output } from '../core/http.js'
import { date, id, shape, timestamp } from '../core/schemas.js'
import { holds, type RequestContext, type Role } from '../core/scope.js'
import { caseStates, openStates, type CaseState } from '../cases/workflow.js'
import { disputeCategories, disputeStates, openDisputeStates, riskLevels } from '../disputes/workflow.js'

/*
 * Staff maps (issue 16, item 3): case density by grid (a choropleth), case points clustered on the
 * server, open disputes by risk and components with open cases, for an area subtree.
 *
 * Who. Admins, leaders and staff read the maps of the areas they hold one of those roles on (areaId
 * must lie in that scope, else 403 naming areaId; without areaId, every area they hold such a role
 * on, grants below another folded into it). The subtree filter is explicit, as in /stats/cases:
 * row-level security also shows a caller the cases they reported and those of their department
 * elsewhere, which do not belong on an area's map. RLS stays the backstop underneath.
 *
 * Population of the case layers: the cases of /stats/cases — submitted in [from, to) (whole local
 * days in the time zone of the reported area), located in the subtree, not merged; categoryId keeps
 * that category and its direct children.
 *
 * Grids (the choropleth). One row per leaf area of the subtree (an active area without active
 * children, a grid in the demo city), plus any other area holding cases of the population (a case
 * located in a retired grid, or in a community no grid covers), so that the rows add up to the
 * subtree's total. total and open come from the exact rollup (case_rollup_live: the cases' cohort
 * day is the local date of submitted_at); overdue depends on now and is counted live from cases:
 * open, and stage_due_at < now (the definition of /stats/cases). density = total / area in km²
 * (the boundary's area on the spheroid), 2 decimals, null for an area of no size. Boundaries are
 * simplified (ST_SimplifyPreserveTopology, tolerance SIMPLIFY_DEGREES ≈ 1 m) and cached per area
 * version (id and updated_at) in the server process.
 *
 * Points. The population's cases with a location inside bbox (west,south,east,north, edges
 * included). At zoom >= POINT_ZOOM with at most POINT_CAP of them, each case comes alone (id,
 * tracking code, state, category, submitted at). Otherwise they are clustered on a fixed grid of
 * square cells of 360 / 2^zoom / CELLS_PER_TILE degrees anchored at (-180, -90) (about 64 pixels
 * of a 256-pixel tile, and the same cells whatever the box, so clusters stay put while panning);
 * each cell with cases is one cluster with its exact count, open count and the mean of its cases'
 * coordinates. The clusters' counts add up to total, the cases in the box.
 *
 * Disputes. Open disputes (registered, in people's or administrative mediation, judicially
 * referred) of the subtree by effective risk level: those with a location as points (reference,
 * category, state, risk — never a party or the facts, which the mediation module seals), and every
 * open dispute, located or not, counted per leaf area at the area's point on surface.
 *
 * Components. Components (部件) of the subtree with at least one open case linked to them
 * (cases.component_id, state in the open states), the count of those cases and the oldest one (by
 * submitted_at, then id); most open cases first, at most COMPONENT_CAP.
 */

export const mapRoles: readonly Role[] = ['admin', 'leader', 'staff']

export const SIMPLIFY_DEGREES = 0.00001
export const POINT_ZOOM = 15
export const POINT_CAP = 500
export const CELLS_PER_TILE = 4
export const COMPONENT_CAP = 2000
export const DISPUTE_CAP = 5000
/** The longest period a map takes: ten years of days. */
const MAX_DAYS = 3660

const day = { ...date, description: 'Local date (YYYY-MM-DD) in the time zone of the area' } as const

export const gridsQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    areaId: id,
    from: { ...day, description: 'First day (inclusive); default 30 days before to' },
    to: { ...day, description: 'Day after the last (exclusive); default tomorrow' },
    categoryId: id,
  },
} as const

export const pointsQuery = {
  type: 'object',
  additionalProperties: false,
  required: ['bbox', 'zoom'],
  properties: {
    ...gridsQuery.properties,
    bbox: {
      type: 'string',
      maxLength: 120,
      pattern: '^-?\\d{1,3}(\\.\\d{1,17})?(,-?\\d{1,3}(\\.\\d{1,17})?){3}$',
      description: 'west,south,east,north in degrees (WGS 84)',
      examples: ['116.30,39.90,116.50,40.00'],
    },
    zoom: { type: 'integer', minimum: 0, maximum: 22, description: 'The map zoom level (Web Mercator tiles)' },
  },
} as const

export const disputesQuery = {
  type: 'object',
  additionalProperties: false,
  properties: { areaId: id },
} as const

export const componentsQuery = {
  type: 'object',
  additionalProperties: false,
  properties: { areaId: id, categoryId: id },
} as const

export type GridsQuery = Input<typeof gridsQuery>
export type PointsQuery = Input<typeof pointsQuery>

const count = { type: 'integer' } as const
const num = { type: 'number' } as const
const nullableNum = { type: ['number', 'null'] } as const
const nullableInt = { type: ['integer', 'null'] } as const
const nullableText = { type: ['string', 'null'] } as const

const areaRefSchema = shape({
  id: count,
  code: { type: 'string' },
  nameZh: { type: 'string' },
  nameEn: { type: 'string' },
})

const periodProps = {
  from: { type: 'string', format: 'date' },
  to: { type: 'string', format: 'date' },
  timezone: { type: 'string' },
  now: timestamp,
  areas: { type: 'array', items: areaRefSchema },
  categoryId: nullableInt,
} as const

export const mapDefinitions = {
  population:
    "cases with submitted_at in [from, to) (local days in the area's time zone), located in the subtrees of the reported areas, not merged; categoryId keeps that category and its direct children (as /stats/cases)",
  total: 'cases of the population (from the exact rollup case_rollup_live)',
  open: 'cases of the population in an open state (submitted, verifying, accepted, dispatched, return_requested, in_progress, replied, verified)',
  overdue: 'open cases of the population with stage_due_at < now (counted live)',
  density: 'total / the area of the boundary in km² (on the spheroid), 2 decimals; null for an area of no size',
  grids:
    'every active leaf area of the subtrees, and any other area holding cases of the population, so that the rows add up to the totals',
  geometry: 'the boundary simplified with ST_SimplifyPreserveTopology (tolerance about 1 m), GeoJSON',
} as const

const geometry = shape({
  type: { type: 'string', enum: ['Polygon', 'MultiPolygon', 'GeometryCollection'] },
  coordinates: { type: 'array' },
})

export const gridsSchema = shape({
  ...periodProps,
  totals: shape({ total: count, open: count, overdue: count, areaKm2: num, density: nullableNum }),
  grids: {
    type: 'array',
    items: shape({
      areaId: count,
      code: { type: 'string' },
      nameZh: { type: 'string' },
      nameEn: { type: 'string' },
      level: { type: 'string' },
      total: count,
      open: count,
      overdue: count,
      areaKm2: num,
      density: nullableNum,
      geometry,
    }),
  },
  definitions: shape(Object.fromEntries(Object.keys(mapDefinitions).map((k) => [k, { type: 'string' }] as const))),
})

export const pointsSchema = shape({
  ...periodProps,
  bbox: { type: 'array', items: num, minItems: 4, maxItems: 4 },
  zoom: count,
  mode: { type: 'string', enum: ['points', 'clusters'] },
  cellDegrees: { ...nullableNum, description: 'The side of a cluster cell in degrees; null for single points' },
  total: { ...count, description: 'Cases of the population located in the box' },
  clusters: {
    type: 'array',
    items: shape({
      lng: num,
      lat: num,
      count,
      open: count,
      caseId: { ...nullableInt, description: 'The case, when the cluster holds only one' },
      trackingCode: nullableText,
    }),
  },
  points: {
    type: 'array',
    items: shape({
      id: count,
      trackingCode: { type: 'string' },
      state: { type: 'string', enum: caseStates },
      categoryId: count,
      categoryCode: { type: 'string' },
      categoryZh: { type: 'string' },
      categoryEn: { type: 'string' },
      submittedAt: timestamp,
      lng: num,
      lat: num,
    }),
  },
})

const riskCounts = { low: count, medium: count, high: count, urgent: count } as const

export const disputeMapSchema = shape({
  areas: { type: 'array', items: areaRefSchema },
  totals: shape({ ...riskCounts, total: count, located: count }),
  points: {
    type: 'array',
    items: shape({
      id: count,
      reference: { type: 'string' },
      lng: num,
      lat: num,
      riskLevel: { type: 'string', enum: riskLevels },
      category: { type: 'string', enum: disputeCategories },
      state: { type: 'string', enum: disputeStates },
      registeredAt: timestamp,
    }),
  },
  grids: {
    type: 'array',
    items: shape({
      areaId: count,
      code: { type: 'string' },
      nameZh: { type: 'string' },
      nameEn: { type: 'string' },
      lng: num,
      lat: num,
      ...riskCounts,
      total: count,
    }),
  },
  capped: { type: 'boolean' },
})

export const componentMapSchema = shape({
  areas: { type: 'array', items: areaRefSchema },
  categoryId: nullableInt,
  total: { ...count, description: 'Components with open cases' },
  openCases: { ...count, description: 'Open cases linked to them' },
  capped: { type: 'boolean' },
  components: {
    type: 'array',
    items: shape({
      id: count,
      code: { type: 'string' },
      name: { type: 'string' },
      classCode: { type: 'string' },
      state: { type: 'string' },
      lng: num,
      lat: num,
      openCases: count,
      oldestOpenAt: timestamp,
      oldestCaseId: count,
      oldestTrackingCode: { type: 'string' },
    }),
  },
})

interface MapArea {
  id: number
  path: string
  code: string
  name_zh: string
  name_en: string
  timezone: string
}

const areaColumns = ['id', 'path', 'code', 'name_zh', 'name_en', 'timezone'] as const

/** The areas a map covers: areaId (inside the caller's map roles), else the caller's top grants of them. */
export async function mapAreas(tx: Tx, ctx: RequestContext, areaId: number | undefined): Promise<MapArea[]> {
  if (areaId !== undefined) {
    const a = await tx.selectFrom('area').select(areaColumns).where('id', '=', areaId).executeTakeFirst()
    if (!a) throw notFound('AREA_NOT_FOUND', `area ${areaId}`, 'areaId')
    if (!holds(ctx.actor, mapRoles, a.path))
      throw new AppError(
        'FORBIDDEN',
        'this area is outside the areas you hold an admin, leader or staff role on',
        'areaId',
      )
    return [a]
  }
  const grants = (ctx.actor?.grants ?? []).filter((g) => mapRoles.includes(g.role))
  const paths = [...new Set(grants.map((g) => g.path))]
  const top = paths.filter((p) => !paths.some((q) => q !== p && p.startsWith(q)))
  const ids = [...new Set(grants.filter((g) => top.includes(g.path)).map((g) => g.areaId))]
  if (ids.length === 0) throw new AppError('FORBIDDEN', 'maps are for admins, leaders and staff of an area', 'areaId')
  return tx.selectFrom('area').select(areaColumns).where('id', 'in', ids).orderBy('path').execute()
}

const areaRefs = (areas: MapArea[]) =>
  areas.map((a) => ({ id: a.id, code: a.code, nameZh: a.name_zh, nameEn: a.name_en }))

/** `a.path` lies in one of the subtrees (paths are digits and slashes: nothing to escape). */
const inSubtrees = (areas: MapArea[], alias = 'a') =>
  sql`${sql.ref(`${alias}.path`)} like any(${areas.map((a) => `${a.path}%`)}::text[])`

/** The ids of the areas in the subtrees, as a subquery (an uncorrelated hashed subplan). */
const subtreeIds = (areas: MapArea[]) => sql`(select s.id from area s where ${inSubtrees(areas, 's')})`

function dayOf(value: string, field: string, zone: string): DateTime {
  const dt = DateTime.fromISO(value, { zone })
  if (!dt.isValid || dt.year < 1900 || dt.year > 2999)
    throw invalid(field, `${field} must be a date (YYYY-MM-DD) between 1900 and 2999`)
  return dt.startOf('day')
}

export interface MapPeriod {
  from: DateTime
  to: DateTime
}

/** [from, to) in whole local days: default the 30 days up to and including today. */
export function mapPeriod(q: { from?: string; to?: string }, zone: string, now: Date): MapPeriod {
  const to =
    q.to !== undefined ? dayOf(q.to, 'to', zone) : DateTime.fromJSDate(now, { zone }).startOf('day').plus({ days: 1 })
  const from = q.from !== undefined ? dayOf(q.from, 'from', zone) : to.minus({ days: 30 })
  if (from >= to) throw invalid('from', 'from must be before to')
  if (to.diff(from, 'days').days > MAX_DAYS) throw invalid('from', `a map covers at most ${MAX_DAYS} days`)
  return { from, to }
}

async function categoryFilter(tx: Tx, categoryId: number | undefined, alias: string): Promise<RawBuilder<unknown>> {
  if (categoryId === undefined) return sql``
  const k = await tx.selectFrom('case_category').select('id').where('id', '=', categoryId).executeTakeFirst()
  if (!k) throw notFound('CASE_CATEGORY_NOT_FOUND', `category ${categoryId}`, 'categoryId')
  return sql`and ${sql.ref(`${alias}.category_id`)} in (select id from case_category where id = ${categoryId} or parent_id = ${categoryId})`
}

const periodOut = (areas: MapArea[], zone: string, p: MapPeriod, now: Date, categoryId: number | undefined) => ({
  from: p.from.toISODate()!,
  to: p.to.toISODate()!,
  timezone: zone,
  now: now.toISOString(),
  areas: areaRefs(areas),
  categoryId: categoryId ?? null,
})

interface Shape {
  geometry: Output<typeof gridsSchema>['grids'][number]['geometry']
  m2: number
}

/**
 * Simplified boundaries and their areas per area version. Simplifying and serialising a city's
 * grids on every request costs more than the counts; a boundary changes only with its area row.
 */
export class ShapeCache {
  private readonly shapes = new Map<string, Shape>()
  constructor(private readonly max = 50_000) {}

  async get(tx: Tx, areas: { id: number; updated_at: Date }[]): Promise<Map<number, Shape>> {
    const key = (a: { id: number; updated_at: Date }) => `${a.id}@${a.updated_at.getTime()}`
    const out = new Map<number, Shape>()
    const missing: number[] = []
    for (const a of areas) {
      const hit = this.shapes.get(key(a))
      if (hit) out.set(a.id, hit)
      else missing.push(a.id)
    }
    if (missing.length) {
      const { rows } = await sql<{ id: number; updated_at: Date; g: Shape['geometry']; m2: number }>`
        select id, updated_at, ST_AsGeoJSON(ST_SimplifyPreserveTopology(boundary, ${SIMPLIFY_DEGREES}), 6)::json as g,
               ST_Area(boundary::geography) as m2
        from area where id = any(${missing}::integer[])`.execute(tx)
      if (this.shapes.size + rows.length > this.max) this.shapes.clear()
      for (const r of rows) {
        const s = { geometry: r.g, m2: Number(r.m2) }
        this.shapes.set(key(r), s)
        out.set(r.id, s)
      }
    }
    return out
  }
}

/** The open states as a literal list, so the planner matches the partial index of open cases (0077). */
const openList = sql.raw(`(${openStates.map((st) => `'${st}'`).join(', ')})`)

const density = (n: number, m2: number) => (m2 > 0 ? Math.round((n / (m2 / 1e6)) * 100) / 100 : null)
const km2 = (m2: number) => Math.round(m2 / 100) / 1e4

export async function mapGrids(
  tx: Tx,
  ctx: RequestContext,
  q: GridsQuery,
  now: Date,
  shapes: ShapeCache,
): Promise<Output<typeof gridsSchema>> {
  const areas = await mapAreas(tx, ctx, q.areaId)
  const zone = areas[0]!.timezone
  const p = mapPeriod(q, zone, now)
  const byRollup = await categoryFilter(tx, q.categoryId, 'r')
  const byCase = await categoryFilter(tx, q.categoryId, 'c')
  const { rows } = await sql<{
    id: number
    code: string
    name_zh: string
    name_en: string
    level: string
    updated_at: Date
    total: number
    open: number
    overdue: number
  }>`
    with counts as (
      select r.area_id, sum(r.total)::int as total, sum(r.open)::int as open
      from case_rollup_live r
      where r.own and r.area_id in ${subtreeIds(areas)}
        and r.day >= ${p.from.toISODate()}::date and r.day < ${p.to.toISODate()}::date ${byRollup}
      group by r.area_id
      having sum(r.total) > 0
    ),
    late as (
      select c.area_id, count(*)::int as overdue
      from cases c
      where c.area_id in ${subtreeIds(areas)}
        and c.submitted_at >= ${p.from.toJSDate()} and c.submitted_at < ${p.to.toJSDate()}
        and c.state in ${openList} and c.stage_due_at < ${now} ${byCase}
      group by c.area_id
    )
    select a.id, a.code, a.name_zh, a.name_en, a.level, a.updated_at,
           coalesce(counts.total, 0) as total, coalesce(counts.open, 0) as open, coalesce(late.overdue, 0) as overdue
    from area a
    left join counts on counts.area_id = a.id
    left join late on late.area_id = a.id
    where (${inSubtrees(areas)} and a.retired_at is null
           and not exists (select 1 from area ch where ch.parent_id = a.id and ch.retired_at is null))
       or counts.area_id is not null or late.area_id is not null
    order by a.path`.execute(tx)
  const geo = await shapes.get(tx, rows)
  let total = 0
  let open = 0
  let overdue = 0
  let m2 = 0
  const grids = rows.map((r) => {
    const s = geo.get(r.id)!
    total += r.total
    open += r.open
    overdue += r.overdue
    m2 += s.m2
    return {
      areaId: r.id,
      code: r.code,
      nameZh: r.name_zh,
      nameEn: r.name_en,
      level: r.level,
      total: r.total,
      open: r.open,
      overdue: r.overdue,
      areaKm2: km2(s.m2),
      density: density(r.total, s.m2),
      geometry: s.geometry,
    }
  })
  return {
    ...periodOut(areas, zone, p, now, q.categoryId),
    totals: { total, open, overdue, areaKm2: km2(m2), density: density(total, m2) },
    grids,
    definitions: mapDefinitions,
  }
}

/** west, south, east, north from the bbox parameter, checked. */
export function parseBbox(raw: string): [number, number, number, number] {
  const b = raw.split(',').map(Number) as [number, number, number, number]
  const [w, s, e, n] = b
  if (b.length !== 4 || b.some((x) => !Number.isFinite(x)))
    throw invalid('bbox', 'bbox is west,south,east,north in degrees')
  if (w < -180 || e > 180 || s < -90 || n > 90)
    throw invalid('bbox', 'bbox lies within longitude [-180, 180] and latitude [-90, 90]')
  if (w >= e || s >= n) throw invalid('bbox', 'bbox needs west < east and south < north')
  return b
}

/** The side of a cluster cell at a zoom level, in degrees. */
export const cellDegrees = (zoom: number) => 360 / 2 ** zoom / CELLS_PER_TILE

export async function mapPoints(
  tx: Tx,
  ctx: RequestContext,
  q: PointsQuery,
  now: Date,
): Promise<Output<typeof pointsSchema>> {
  const areas = await mapAreas(tx, ctx, q.areaId)
  const zone = areas[0]!.timezone
  const p = mapPeriod(q, zone, now)
  const bbox = parseBbox(q.bbox)
  const [w, s, e, n] = bbox
  const byCase = await categoryFilter(tx, q.categoryId, 'c')
  const population = sql`
      from cases c
      where c.area_id in ${subtreeIds(areas)}
        and c.submitted_at >= ${p.from.toJSDate()} and c.submitted_at < ${p.to.toJSDate()}
        and c.state <> 'merged' ${byCase}
        and c.location && ST_MakeEnvelope(${w}, ${s}, ${e}, ${n}, 4326)`
  const out = { ...periodOut(areas, zone, p, now, q.categoryId), bbox, zoom: q.zoom }

  if (q.zoom >= POINT_ZOOM) {
    // One more than the cap tells whether they fit.
    const { rows } = await sql<{
      id: number
      tracking_code: string
      state: CaseState
      category_id: number
      submitted_at: Date
      lng: number
      lat: number
    }>`
      select c.id, c.tracking_code, c.state, c.category_id, c.submitted_at, ST_X(c.location) as lng, ST_Y(c.location) as lat
      ${population}
      order by c.id limit ${POINT_CAP + 1}`.execute(tx)
    if (rows.length <= POINT_CAP) {
      const cats = new Map(
        (
          await tx
            .selectFrom('case_category')
            .select(['id', 'code', 'name_zh', 'name_en'])
            .where('id', 'in', [0, ...new Set(rows.map((r) => r.category_id))])
            .execute()
        ).map((k) => [k.id, k]),
      )
      return {
        ...out,
        mode: 'points',
        cellDegrees: null,
        total: rows.length,
        clusters: [],
        points: rows.map((r) => {
          const k = cats.get(r.category_id)!
          return {
            id: Number(r.id),
            trackingCode: r.tracking_code,
            state: r.state,
            categoryId: r.category_id,
            categoryCode: k.code,
            categoryZh: k.name_zh,
            categoryEn: k.name_en,
            submittedAt: r.submitted_at.toISOString(),
            lng: r.lng,
            lat: r.lat,
          }
        }),
      }
    }
  }

  const cell = cellDegrees(q.zoom)
  const { rows } = await sql<{
    lng: number
    lat: number
    n: number
    open: number
    case_id: string | number | null
    tracking_code: string | null
  }>`
    select avg(ST_X(c.location)) as lng, avg(ST_Y(c.location)) as lat, count(*)::int as n,
           count(*) filter (where c.state = any(${openStates as CaseState[]}::text[]))::int as open,
           case when count(*) = 1 then min(c.id) end as case_id,
           case when count(*) = 1 then min(c.tracking_code) end as tracking_code
    ${population}
    group by floor((ST_X(c.location) + 180) / ${cell}), floor((ST_Y(c.location) + 90) / ${cell})
    order by n desc, lng, lat`.execute(tx)
  let total = 0
  const clusters = rows.map((r) => {
    total += r.n
    return {
      lng: Number(r.lng),
      lat: Number(r.lat),
      count: r.n,
      open: r.open,
      caseId: r.case_id === null ? null : Number(r.case_id),
      trackingCode: r.tracking_code,
    }
  })
  return { ...out, mode: 'clusters', cellDegrees: cell, total, clusters, points: [] }
}

type RiskLevel = (typeof riskLevels)[number]
const zeroRisks = (): Record<RiskLevel, number> => ({ low: 0, medium: 0, high: 0, urgent: 0 })

export async function mapDisputes(
  tx: Tx,
  ctx: RequestContext,
  q: Input<typeof disputesQuery>,
): Promise<Output<typeof disputeMapSchema>> {
  const areas = await mapAreas(tx, ctx, q.areaId)
  const open = openDisputeStates as string[]
  const { rows: points } = await sql<{
    id: number | string
    reference: string
    lng: number
    lat: number
    risk_level: RiskLevel
    category: Output<typeof disputeMapSchema>['points'][number]['category']
    state: Output<typeof disputeMapSchema>['points'][number]['state']
    registered_at: Date
  }>`
    select d.id, d.reference, ST_X(d.location) as lng, ST_Y(d.location) as lat, d.risk_level, d.category, d.state,
           d.registered_at
    from dispute d
    where d.area_id in ${subtreeIds(areas)} and d.state = any(${open}::text[]) and d.location is not null
    order by array_position(${[...riskLevels].reverse()}::text[], d.risk_level), d.registered_at, d.id
    limit ${DISPUTE_CAP + 1}`.execute(tx)
  const { rows: grids } = await sql<{
    id: number
    code: string
    name_zh: string
    name_en: string
    lng: number
    lat: number
    risk_level: RiskLevel
    n: number
    located: number
  }>`
    select a.id, a.code, a.name_zh, a.name_en, ST_X(ST_PointOnSurface(a.boundary)) as lng,
           ST_Y(ST_PointOnSurface(a.boundary)) as lat, d.risk_level, count(*)::int as n,
           count(d.location)::int as located
    from dispute d join area a on a.id = d.area_id
    where d.area_id in ${subtreeIds(areas)} and d.state = any(${open}::text[])
    group by a.id, d.risk_level
    order by a.path`.execute(tx)
  const totals = { ...zeroRisks(), total: 0, located: 0 }
  const perGrid = new Map<number, Output<typeof disputeMapSchema>['grids'][number]>()
  for (const r of grids) {
    let g = perGrid.get(r.id)
    if (!g) {
      g = {
        areaId: r.id,
        code: r.code,
        nameZh: r.name_zh,
        nameEn: r.name_en,
        lng: r.lng,
        lat: r.lat,
        ...zeroRisks(),
        total: 0,
      }
      perGrid.set(r.id, g)
    }
    g[r.risk_level] += r.n
    g.total += r.n
    totals[r.risk_level] += r.n
    totals.total += r.n
    totals.located += r.located
  }
  return {
    areas: areaRefs(areas),
    totals,
    points: points.slice(0, DISPUTE_CAP).map((r) => ({
      id: Number(r.id),
      reference: r.reference,
      lng: r.lng,
      lat: r.lat,
      riskLevel: r.risk_level,
      category: r.category,
      state: r.state,
      registeredAt: r.registered_at.toISOString(),
    })),
    grids: [...perGrid.values()],
    capped: points.length > DISPUTE_CAP,
  }
}

export async function mapComponents(
  tx: Tx,
  ctx: RequestContext,
  q: Input<typeof componentsQuery>,
): Promise<Output<typeof componentMapSchema>> {
  const areas = await mapAreas(tx, ctx, q.areaId)
  const byCase = await categoryFilter(tx, q.categoryId, 'c')
  const { rows } = await sql<{
    id: number | string
    code: string
    name: string
    class_code: string
    state: string
    lng: number
    lat: number
    open_cases: number
    oldest_at: Date
    oldest_id: number | string
    oldest_code: string
    components: number
    cases: number
  }>`
    with per as (
      select c.component_id, count(*)::int as open_cases,
             (array_agg(c.id order by c.submitted_at, c.id))[1] as oldest_id
      from cases c
      where c.component_id is not null and c.state = any(${openStates as CaseState[]}::text[]) ${byCase}
        and c.component_id in (select k.id from component k where k.area_id in ${subtreeIds(areas)})
      group by c.component_id
    )
    select k.id, k.code, k.name, k.class_code, k.state, ST_X(k.location) as lng, ST_Y(k.location) as lat,
           per.open_cases, o.submitted_at as oldest_at, o.id as oldest_id, o.tracking_code as oldest_code,
           count(*) over ()::int as components, sum(per.open_cases) over ()::int as cases
    from per
    join component k on k.id = per.component_id
    join cases o on o.id = per.oldest_id
    order by per.open_cases desc, o.submitted_at, k.id
    limit ${COMPONENT_CAP}`.execute(tx)
  const first = rows[0]
  return {
    areas: areaRefs(areas),
    categoryId: q.categoryId ?? null,
    total: first?.components ?? 0,
    openCases: first?.cases ?? 0,
    capped: (first?.components ?? 0) > rows.length,
    components: rows.map((r) => ({
      id: Number(r.id),
      code: r.code,
      name: r.name,
      classCode: r.class_code,
      state: r.state,
      lng: r.lng,
      lat: r.lat,
      openCases: r.open_cases,
      oldestOpenAt: r.oldest_at.toISOString(),
      oldestCaseId: Number(r.oldest_id),
      oldestTrackingCode: r.oldest_code,
    })),
  }
}
