import { sql, type RawBuilder } from 'kysely'
import { AppError } from '../core/errors.js'
import type { Db, Tx } from '../core/db.js'
import type { Input, Output } from '../core/http.js'
import { shape } from '../core/schemas.js'

// All geometry of the platform goes through this module and PostGIS (in both backends).

export type Position = [number, number]
export interface PolygonGeometry {
  type: 'Polygon'
  coordinates: Position[][]
}
export interface MultiPolygonGeometry {
  type: 'MultiPolygon'
  coordinates: Position[][][]
}
export type AreaGeometry = PolygonGeometry | MultiPolygonGeometry

/** Pieces smaller than this are floating-point dust along shared edges, not real gaps. */
export const COVERAGE_TOLERANCE_M2 = 0.01

/** JSON schema for a boundary; shape only, validity is checked by PostGIS in checkBoundary(). */
export const boundarySchema = {
  type: 'object',
  required: ['type', 'coordinates'],
  additionalProperties: false,
  properties: {
    type: { type: 'string', enum: ['Polygon', 'MultiPolygon'] },
    coordinates: { type: 'array', minItems: 1, maxItems: 10000 },
  },
} as const

/** A boundary as a client sends it: its shape is checked by checkShape(), its validity by PostGIS. */
export type Boundary = Input<typeof boundarySchema>

/** A stored boundary as the API writes it: GeoJSON, a MultiPolygon (pieces of one may be Polygons). */
export const geometrySchema = shape({
  type: { type: 'string', enum: ['Polygon', 'MultiPolygon'] },
  coordinates: { type: 'array', description: 'GeoJSON positions [longitude, latitude], nested by polygon and ring' },
})

function checkRing(ring: unknown, field: string): void {
  if (!Array.isArray(ring) || ring.length < 4)
    throw new AppError('AREA_INVALID_BOUNDARY', 'a ring needs at least 4 positions', field)
  ring.forEach((p, i) => {
    if (!Array.isArray(p) || p.length < 2 || !p.every((n) => typeof n === 'number' && Number.isFinite(n))) {
      throw new AppError('AREA_INVALID_BOUNDARY', 'a position is [longitude, latitude]', `${field}[${i}]`)
    }
    if (Math.abs(p[0]) > 180 || Math.abs(p[1]) > 90) {
      throw new AppError(
        'AREA_INVALID_BOUNDARY',
        'longitude must lie in [-180, 180] and latitude in [-90, 90]',
        `${field}[${i}]`,
      )
    }
  })
  const first = ring[0] as number[]
  const last = ring[ring.length - 1] as number[]
  if (first[0] !== last[0] || first[1] !== last[1]) {
    throw new AppError('AREA_INVALID_BOUNDARY', 'a ring must end where it starts', field)
  }
}

function checkShape(g: Boundary, field: string): void {
  const polygons: unknown[] = g.type === 'Polygon' ? [g.coordinates] : g.coordinates
  polygons.forEach((poly, pi) => {
    const pf = g.type === 'Polygon' ? `${field}.coordinates` : `${field}.coordinates[${pi}]`
    if (!Array.isArray(poly) || poly.length === 0)
      throw new AppError('AREA_INVALID_BOUNDARY', 'a polygon needs an outer ring', pf)
    for (const [ri, ring] of poly.entries()) checkRing(ring, `${pf}[${ri}]`)
  })
}

/** The stored form: a MultiPolygon in WGS 84 with RFC 7946 winding, whatever winding came in. */
export function boundaryFromGeoJson(g: Boundary): RawBuilder<string> {
  return sql<string>`ST_Multi(ST_ForcePolygonCCW(ST_SetSRID(ST_GeomFromGeoJSON(${JSON.stringify(g)}), 4326)))`
}

/** Refuses a boundary that is malformed or not a valid polygon (self-intersections and the like). */
export async function checkBoundary(tx: Tx | Db, g: Boundary, field: string): Promise<void> {
  checkShape(g, field)
  const { rows } = await sql<{ valid: boolean; reason: string }>`
    select ST_IsValid(g) as valid, ST_IsValidReason(g) as reason
    from (select ST_SetSRID(ST_GeomFromGeoJSON(${JSON.stringify(g)}), 4326) as g) x`.execute(tx)
  const row = rows[0]!
  if (!row.valid) throw new AppError('AREA_INVALID_BOUNDARY', `invalid polygon: ${row.reason}`, field)
}

export const boundaryAsGeoJson = (column = 'boundary') => sql<AreaGeometry>`ST_AsGeoJSON(${sql.ref(column)}, 7)::json`
export const boundaryAreaM2 = (column = 'boundary') => sql<number>`ST_Area(${sql.ref(column)}::geography)`

/** The active grid containing the point; on a shared edge the lower id wins so the answer is stable. */
export async function gridAt(tx: Tx | Db, lng: number, lat: number): Promise<{ id: number; path: string } | null> {
  const { rows } = await sql<{ id: number; path: string }>`
    select id, path from area
    where level = 'grid' and retired_at is null
      and ST_Covers(boundary, ST_SetSRID(ST_MakePoint(${lng}, ${lat}), 4326))
    order by id limit 1`.execute(tx)
  return rows[0] ?? null
}

const piece = { geometry: geometrySchema, areaM2: { type: 'number' } } as const
export const coverageSchema = shape({
  areaId: { type: 'integer' },
  childCount: { type: 'integer', description: 'Active child areas' },
  gaps: { type: 'array', items: shape({ ...piece }), description: 'Parts of the area no child covers' },
  overlaps: {
    type: 'array',
    items: shape({
      areaIds: { type: 'array', items: { type: 'integer' }, minItems: 2, maxItems: 2 },
      ...piece,
    }),
    description: 'Parts two children both cover',
  },
  outside: {
    type: 'array',
    items: shape({ areaId: { type: 'integer' }, ...piece }),
    description: 'Parts of a child lying outside the area',
  },
  gapM2: { type: 'number' },
  overlapM2: { type: 'number' },
  outsideM2: { type: 'number' },
  seamless: { type: 'boolean', description: 'Children exist and tile the area without gaps, overlaps or spill' },
})
export type CoverageReport = Output<typeof coverageSchema>

/**
 * How well the active children of an area tile it: gaps (parts no child covers), overlaps (parts
 * two children cover) and parts of children lying outside the area, each with square metres.
 */
export async function coverage(tx: Tx | Db, areaId: number): Promise<CoverageReport> {
  const tol = COVERAGE_TOLERANCE_M2
  const gaps = await sql<{ geometry: AreaGeometry; area_m2: number; child_count: number }>`
    with parent as (select boundary from area where id = ${areaId}),
         kids as (select boundary from area where parent_id = ${areaId} and retired_at is null),
         uncovered as (
           select ST_Difference(p.boundary, coalesce((select ST_Union(boundary) from kids), ST_GeomFromText('POLYGON EMPTY', 4326))) as g
           from parent p
         ),
         pieces as (select (ST_Dump(ST_CollectionExtract(g, 3))).geom as g from uncovered)
    select ST_AsGeoJSON(g, 7)::json as geometry, ST_Area(g::geography) as area_m2, (select count(*) from kids)::int as child_count
    from pieces where ST_Area(g::geography) > ${tol}`.execute(tx)
  const childCount =
    gaps.rows[0]?.child_count ??
    Number(
      (
        await sql<{
          n: number
        }>`select count(*)::int as n from area where parent_id = ${areaId} and retired_at is null`.execute(tx)
      ).rows[0]!.n,
    )
  const overlaps = await sql<{ a: number; b: number; geometry: AreaGeometry; area_m2: number }>`
    with kids as (select id, boundary from area where parent_id = ${areaId} and retired_at is null),
         pairs as (
           select a.id as a, b.id as b, ST_CollectionExtract(ST_Intersection(a.boundary, b.boundary), 3) as g
           from kids a join kids b on a.id < b.id and ST_Intersects(a.boundary, b.boundary)
         )
    select a, b, ST_AsGeoJSON(g, 7)::json as geometry, ST_Area(g::geography) as area_m2
    from pairs where not ST_IsEmpty(g) and ST_Area(g::geography) > ${tol}
    order by a, b`.execute(tx)
  const outside = await sql<{ id: number; geometry: AreaGeometry; area_m2: number }>`
    with parent as (select boundary from area where id = ${areaId}),
         spill as (
           select k.id, ST_CollectionExtract(ST_Difference(k.boundary, p.boundary), 3) as g
           from area k, parent p where k.parent_id = ${areaId} and k.retired_at is null and not ST_CoveredBy(k.boundary, p.boundary)
         )
    select id, ST_AsGeoJSON(g, 7)::json as geometry, ST_Area(g::geography) as area_m2
    from spill where not ST_IsEmpty(g) and ST_Area(g::geography) > ${tol}
    order by id`.execute(tx)
  const sum = (xs: { area_m2: number }[]) => xs.reduce((s, x) => s + x.area_m2, 0)
  const report: CoverageReport = {
    areaId,
    childCount,
    gaps: gaps.rows.map((r) => ({ geometry: r.geometry, areaM2: r.area_m2 })),
    overlaps: overlaps.rows.map((r) => ({
      areaIds: [r.a, r.b] as [number, number],
      geometry: r.geometry,
      areaM2: r.area_m2,
    })),
    outside: outside.rows.map((r) => ({ areaId: r.id, geometry: r.geometry, areaM2: r.area_m2 })),
    gapM2: sum(gaps.rows),
    overlapM2: sum(overlaps.rows),
    outsideM2: sum(outside.rows),
    seamless: false,
  }
  report.seamless =
    childCount > 0 && report.gaps.length === 0 && report.overlaps.length === 0 && report.outside.length === 0
  return report
}
