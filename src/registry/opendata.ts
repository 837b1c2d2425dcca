import { sql } from 'kysely'
import { areaPathOf } from '../jurisdiction/service.js'
import type { Tx } from '../core/db.js'
import type { Input, Output } from '../core/http.js'
import { offsetOf, pageQuerySchema, paginate, type Page } from '../core/paging.js'
import { id, shape } from '../core/schemas.js'
import { shareableFields } from './grants.js'
import { placeKinds } from './places.js'
import { personFieldClass, today } from './people.js'
import { strings } from './schemas.js'

// Open data and public statistics. A negative list names the fields that never leave the
// platform; whatever is published is built from the allowed fields only, and every count below
// SMALL_COUNT in a cell is suppressed, together with a second cell where one suppressed cell
// could otherwise be worked out from the total.

export const SMALL_COUNT = 5

/** Fixed in code, not in the database: an administrator cannot open these fields. */
export const negativeList = {
  person: [
    'name',
    'idNumber',
    'phone',
    'birthDate',
    'address',
    'registeredPlace',
    'dwelling',
    'household',
    'tags',
    'movedInOn',
    'movedOutOn',
    'diedOn',
    'careVisits',
  ],
  household: ['code', 'address', 'members'],
  building: ['residents'],
  organisation: ['legalRepresentative', 'people'],
  place: [],
} as const

/** What open data may publish per entity: the complement of the negative list, record by record or counted. */
export const openFields = {
  person: ['count by area, sex, age band, residence status or care group'],
  place: ['kind', 'name', 'address', 'location', 'gridCode'],
  organisation: ['kind', 'name', 'uscc', 'address', 'gridCode'],
} as const

export const populationBreakdowns = ['area', 'sex', 'age_band', 'residence_status', 'care_group'] as const
export type PopulationBreakdown = (typeof populationBreakdowns)[number]

export const populationQuery = {
  type: 'object',
  required: ['areaId', 'by'],
  additionalProperties: false,
  properties: { areaId: id, by: { type: 'string', enum: populationBreakdowns } },
} as const

const cellSchema = shape({
  key: { type: 'string' },
  count: { type: ['integer', 'null'], description: 'Null where suppressed' },
  suppressed: { type: 'boolean' },
})
export type Cell = Output<typeof cellSchema>

export const populationSchema = shape({
  areaId: { type: 'integer' },
  by: { type: 'string', enum: populationBreakdowns },
  smallCountThreshold: { type: 'integer' },
  cells: { type: 'array', items: cellSchema },
  total: { type: ['integer', 'null'], description: 'Null when itself a small count' },
})

/** Suppresses small cells; if exactly one was suppressed, also the smallest other non-zero cell. */
export function suppressSmallCells(raw: { key: string; count: number }[]): { cells: Cell[]; total: number | null } {
  const cells: Cell[] = raw.map((c) => ({
    key: c.key,
    count: c.count,
    suppressed: c.count > 0 && c.count < SMALL_COUNT,
  }))
  const hidden = cells.filter((c) => c.suppressed)
  if (hidden.length === 1) {
    const next = cells.filter((c) => !c.suppressed && (c.count ?? 0) > 0).sort((a, b) => a.count! - b.count!)[0]
    if (next) next.suppressed = true
  }
  for (const c of cells) if (c.suppressed) c.count = null
  const total = raw.reduce((s, c) => s + c.count, 0)
  return { cells, total: total > 0 && total < SMALL_COUNT ? null : total }
}

/** Population counts for an area, broken down one way; runs as the system on counts only. */
export async function populationStats(
  tx: Tx,
  areaId: number,
  by: PopulationBreakdown,
  now: Date,
): Promise<Output<typeof populationSchema>> {
  const path = await areaPathOf(tx, areaId)
  const day = today(now)
  const key = {
    area: sql`(select c.code from area c where c.path = substring(a.path from '^' || ${path} || '[0-9]+/'))`,
    sex: sql`p.sex`,
    age_band: sql`case when age < 18 then '0-17' when age < 35 then '18-34' when age < 60 then '35-59' when age < 80 then '60-79' when age is null then 'unknown' else '80+' end`,
    residence_status: sql`p.residence_status`,
    care_group: sql`t.tag`,
  }[by]
  const { rows } = await sql<{ key: string | null; count: number }>`
    select ${key} as key, count(*)::int as count
    from person p
    join area a on a.id = p.area_id
    cross join lateral (select extract(year from age(${day}::date, p.birth_date))::int as age) ages
    ${by === 'care_group' ? sql`cross join lateral unnest(p.tags) as t(tag)` : sql``}
    where p.status = 'active' and a.path like ${`${path}%`}
    group by 1 order by 1`.execute(tx)
  const raw = rows.filter((r) => r.key !== null).map((r) => ({ key: r.key!, count: r.count }))
  return { areaId, by, smallCountThreshold: SMALL_COUNT, ...suppressSmallCells(raw) }
}

export const openPlacesQuery = {
  type: 'object',
  required: ['areaId'],
  additionalProperties: false,
  properties: {
    ...pageQuerySchema,
    areaId: id,
    kind: { type: 'string', enum: placeKinds },
    format: { type: 'string', enum: ['json', 'csv'], default: 'json' },
  },
} as const

/** A place as open data publishes it: its open fields only. */
export const openPlaceSchema = shape({
  kind: { type: 'string' },
  name: { type: 'string' },
  address: { type: 'string' },
  location: shape({ lng: { type: 'number' }, lat: { type: 'number' } }),
  gridCode: { type: 'string' },
})
export type OpenPlace = Output<typeof openPlaceSchema>

export async function openPlaces(tx: Tx, f: Input<typeof openPlacesQuery>): Promise<Page<OpenPlace>> {
  const path = await areaPathOf(tx, f.areaId)
  const { rows } = await sql<{
    kind: string
    name: string
    address: string
    lng: number
    lat: number
    grid_code: string
    total: number
  }>`
    select pl.kind, pl.name, pl.address, round(ST_X(pl.location)::numeric, 6)::float8 as lng, round(ST_Y(pl.location)::numeric, 6)::float8 as lat,
           a.code as grid_code, count(*) over () as total
    from place pl join area a on a.id = pl.area_id
    where a.path like ${`${path}%`} and (${f.kind ?? null}::text is null or pl.kind = ${f.kind ?? null})
    order by pl.id limit ${f.pageSize} offset ${offsetOf(f)}`.execute(tx)
  return paginate(
    f,
    rows.map((r) => ({
      kind: r.kind,
      name: r.name,
      address: r.address,
      location: { lng: r.lng, lat: r.lat },
      gridCode: r.grid_code,
    })),
    rows[0]?.total ?? 0,
  )
}

const fieldClasses = [...new Set(Object.values(personFieldClass))]

/** The registry's own description: public, it names fields and classes and holds no data. */
export const registryFieldsSchema = shape({
  personFieldClass: {
    type: 'object',
    description: 'Each field of a person and its class',
    additionalProperties: { type: 'string', enum: fieldClasses },
  },
  shareableFields: {
    type: 'object',
    description: 'Per entity, the fields a data-sharing grant may name',
    additionalProperties: strings,
  },
  negativeList: {
    type: 'object',
    description: 'Per entity, the fields open data never publishes',
    additionalProperties: strings,
  },
  openFields: { type: 'object', description: 'Per entity, what open data may publish', additionalProperties: strings },
})

const copied = (lists: Record<string, readonly string[]>) =>
  Object.fromEntries(Object.entries(lists).map(([entity, fields]) => [entity, [...fields]]))

export function registryFields(): Output<typeof registryFieldsSchema> {
  return {
    personFieldClass,
    shareableFields: Object.fromEntries(Object.entries(shareableFields).map(([e, f]) => [e, Object.keys(f)])),
    negativeList: copied(negativeList),
    openFields: copied(openFields),
  }
}
