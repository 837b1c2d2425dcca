import { sql } from 'kysely'
import { areaPathOf } from '../jurisdiction/service.js'
import type { Tx } from '../core/db.js'
import { offsetOf, type PageRequest } from '../core/paging.js'
import { today } from './people.js'

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

export interface Cell {
  key: string
  count: number | null
  suppressed: boolean
}

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
export async function populationStats(tx: Tx, areaId: number, by: PopulationBreakdown, now: Date) {
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

export async function openPlaces(tx: Tx, f: PageRequest & { areaId: number; kind?: string }) {
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
  return {
    items: rows.map((r) => ({
      kind: r.kind,
      name: r.name,
      address: r.address,
      location: { lng: r.lng, lat: r.lat },
      gridCode: r.grid_code,
    })),
    page: f.page,
    pageSize: f.pageSize,
    total: rows[0]?.total ?? 0,
  }
}
