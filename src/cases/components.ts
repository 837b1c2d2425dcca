import { parse as parseCsv } from 'csv-parse/sync'
import { sql } from 'kysely'
import { recordAudit } from '../audit/service.js'
import type { Tx } from '../core/db.js'
import { AppError, invalid, versionConflict } from '../core/errors.js'
import type { Input, Output } from '../core/http.js'
import { escapeLike } from '../core/like.js'
import { paginate, type Page } from '../core/paging.js'
import { body, id, nullable, orNull, point, shape, text, timestamp } from '../core/schemas.js'
import { holds, requireActor, type RequestContext, type Role } from '../core/scope.js'
import { areaPathOf } from '../jurisdiction/service.js'
import { isSubclass, mainClassOf, standardClass, standardClasses } from './component-classes.js'
import { openStates } from './workflow.js'

// The component inventory (部件): physical assets located into their grid, classed by the standard
// (component-classes.ts), owned by a department, in a state. Reads run as the caller (row-level
// security: the staff roles over the grid, the owning department's users); writes by the keepers
// (admin, leader, staff) over the grid. Cases link to a component through cases.component_id.

export const componentKeepers: readonly Role[] = ['admin', 'leader', 'staff']
export const componentReaders: readonly Role[] = [
  'admin',
  'leader',
  'staff',
  'grid_worker',
  'department_handler',
  'mediator',
]
export const componentStates = ['normal', 'damaged', 'lost', 'occupied', 'removed'] as const
export type ComponentState = (typeof componentStates)[number]

const MAX_IMPORT_ROWS = 5000
const MAX_ATTRIBUTES = 30
export const GEOJSON_CAP = 2000

// ── Schemas ───────────────────────────────────────────────────────────────────────────────────

export const componentCode = {
  type: 'string',
  minLength: 2,
  maxLength: 40,
  pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]{1,39}$',
} as const
const subclassCode = { type: 'string', pattern: '^[0-9]{4}$', description: 'A component subclass, e.g. 0103' } as const
const classFilter = {
  type: 'string',
  pattern: '^([0-9]{2}|[0-9]{4})$',
  description: 'A main class (01) or a subclass (0103)',
} as const
const categoryCode = { type: 'string', minLength: 1, maxLength: 20, pattern: '^[A-Z0-9-]{1,20}$' } as const
const version = { type: 'integer', minimum: 1, maximum: 2147483647 } as const
const attributeValue = {
  anyOf: [{ type: 'string', maxLength: 200 }, { type: 'number' }, { type: 'boolean' }],
} as const
const attributesSchema = {
  type: 'object',
  maxProperties: MAX_ATTRIBUTES,
  propertyNames: { pattern: '^[A-Za-z\\p{Script=Han}][\\w\\p{Script=Han}]{0,39}$' },
  additionalProperties: attributeValue,
  description: 'Facts of the survey (material, size, installed …): text up to 200 characters, numbers, yes/no',
} as const

const named = shape({
  id: { type: 'integer' },
  code: { type: 'string' },
  nameZh: { type: 'string' },
  nameEn: { type: 'string' },
})

export const componentClassSchema = shape({
  kind: { type: 'string', enum: ['component', 'event'] },
  code: { type: 'string', description: 'Two digits for a main class, four for a subclass' },
  mainCode: { type: 'string' },
  nameZh: { type: 'string' },
  nameEn: { type: 'string' },
})
export const componentClassesSchema = shape({
  standard: { type: 'string', description: 'Where the classes come from' },
  classes: { type: 'array', items: componentClassSchema },
})

export const componentItemSchema = shape({
  id: { type: 'integer' },
  code: { type: 'string' },
  classCode: { type: 'string' },
  classNameZh: { type: 'string' },
  classNameEn: { type: 'string' },
  mainClassCode: { type: 'string' },
  category: named,
  name: { type: 'string' },
  address: nullable('string'),
  state: { type: 'string', enum: componentStates },
  area: named,
  owner: orNull(named),
  location: point,
  openCases: { type: 'integer', description: 'Cases about it still being worked on (that the caller reads)' },
})
export type ComponentItem = Output<typeof componentItemSchema>

const caseRef = shape({
  id: { type: 'integer' },
  trackingCode: { type: 'string' },
  state: { type: 'string' },
  categoryCode: { type: 'string' },
  categoryNameZh: { type: 'string' },
  categoryNameEn: { type: 'string' },
  description: { type: 'string', description: 'The first 200 characters' },
  submittedAt: timestamp,
  closedAt: { type: ['string', 'null'], format: 'date-time' },
})

export const componentDetailSchema = shape({
  ...componentItemSchema.properties,
  stateNote: nullable('string'),
  stateChangedAt: { type: ['string', 'null'], format: 'date-time' },
  attributes: { type: 'object', additionalProperties: attributeValue },
  version: { type: 'integer' },
  createdAt: timestamp,
  updatedAt: timestamp,
  canEdit: { type: 'boolean', description: 'Whether the caller keeps components in its grid' },
  cases: {
    type: 'array',
    items: caseRef,
    description: 'Cases about it that the caller reads, newest first (at most 100)',
  },
  caseCount: { type: 'integer' },
})
export type ComponentDetail = Output<typeof componentDetailSchema>

export const componentListQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    classCode: classFilter,
    state: { type: 'string', enum: componentStates },
    areaId: { ...id, description: 'Components in this area’s subtree' },
    ownerDepartmentId: id,
    west: { type: 'number', minimum: -180, maximum: 180 },
    south: { type: 'number', minimum: -90, maximum: 90 },
    east: { type: 'number', minimum: -180, maximum: 180 },
    north: { type: 'number', minimum: -90, maximum: 90 },
    q: { type: 'string', minLength: 1, maxLength: 64, description: 'The start of the code, or part of the name' },
    withOpenCases: { type: 'boolean', description: 'Only components with (true) or without (false) open cases' },
    caseId: { ...id, description: 'The component a case is about' },
    after: { type: 'integer', minimum: 0, maximum: 9007199254740991, description: 'The last id of the page before' },
    pageSize: { type: 'integer', minimum: 1, maximum: 200, default: 50 },
  },
} as const
export type ComponentFilter = Input<typeof componentListQuery>

export const componentGeoQuery = {
  type: 'object',
  additionalProperties: false,
  required: ['west', 'south', 'east', 'north'],
  properties: {
    west: { type: 'number', minimum: -180, maximum: 180 },
    south: { type: 'number', minimum: -90, maximum: 90 },
    east: { type: 'number', minimum: -180, maximum: 180 },
    north: { type: 'number', minimum: -90, maximum: 90 },
    classCode: classFilter,
    state: { type: 'string', enum: componentStates },
    withOpenCases: { type: 'boolean' },
    limit: { type: 'integer', minimum: 10, maximum: 5000, default: GEOJSON_CAP },
  },
} as const
export type ComponentGeoFilter = Input<typeof componentGeoQuery>

export const componentGeoSchema = shape({
  type: { type: 'string', enum: ['FeatureCollection'] },
  features: {
    type: 'array',
    items: shape({
      type: { type: 'string', enum: ['Feature'] },
      id: { type: 'integer' },
      geometry: shape({
        type: { type: 'string', enum: ['Point'] },
        coordinates: { type: 'array', items: { type: 'number' }, minItems: 2, maxItems: 2 },
      }),
      properties: shape({
        code: { type: 'string' },
        name: { type: 'string' },
        classCode: { type: 'string' },
        state: { type: 'string', enum: componentStates },
        openCases: { type: 'integer' },
        count: {
          type: 'integer',
          description: 'How many components this marker stands for (more than 1 only when thinned)',
        },
      }),
    }),
  },
  total: { type: 'integer', description: 'Components in the box that match' },
  thinned: {
    type: 'boolean',
    description: 'More matched than `limit`: one marker per cell of a grid over the box, those with open cases first',
  },
})
type ComponentGeo = Output<typeof componentGeoSchema>

export const newComponentBody = body(['code', 'classCode', 'name', 'location'], {
  code: componentCode,
  classCode: subclassCode,
  categoryCode: { ...categoryCode, description: 'Default: the component category of the class (or its main class)' },
  name: text(100),
  address: text(200),
  location: point,
  ownerDepartmentId: { ...id, description: 'The department that maintains it; leave out when unknown' },
  state: { type: 'string', enum: componentStates, default: 'normal' },
  stateNote: text(500),
  attributes: attributesSchema,
})
export type NewComponent = Input<typeof newComponentBody>

export const updateComponentBody = body(['version'], {
  version,
  classCode: subclassCode,
  categoryCode,
  name: text(100),
  address: { type: ['string', 'null'], minLength: 1, maxLength: 200 },
  location: point,
  ownerDepartmentId: { type: ['integer', 'null'], minimum: 1, maximum: 2147483647 },
  state: { type: 'string', enum: componentStates },
  stateNote: { type: ['string', 'null'], minLength: 1, maxLength: 500 },
  attributes: attributesSchema,
})
export type UpdateComponent = Input<typeof updateComponentBody>

const geoFeature = {
  type: 'object',
  required: ['type', 'geometry', 'properties'],
  additionalProperties: true,
  properties: {
    type: { type: 'string', enum: ['Feature'] },
    geometry: { type: ['object', 'null'] },
    properties: { type: ['object', 'null'] },
  },
} as const

export const importComponentsBody = {
  type: 'object',
  additionalProperties: false,
  properties: {
    csv: {
      type: 'string',
      minLength: 1,
      maxLength: 4_000_000,
      description:
        'CSV text with a header: code, classCode, name, lng, lat, and optionally categoryCode, ownerDepartment (a department code), state, address; other columns become attributes',
    },
    geojson: {
      type: 'object',
      required: ['type', 'features'],
      additionalProperties: true,
      properties: {
        type: { type: 'string', enum: ['FeatureCollection'] },
        features: { type: 'array', maxItems: MAX_IMPORT_ROWS, items: geoFeature },
      },
      description:
        'A FeatureCollection of Points whose properties carry code, classCode, name and optionally categoryCode, ownerDepartment, state, address, attributes',
    },
    dryRun: { type: 'boolean', default: false, description: 'Check every row and report, write nothing' },
  },
  oneOf: [{ required: ['csv'] }, { required: ['geojson'] }],
} as const
export type ImportComponents = Input<typeof importComponentsBody>

export const importResultSchema = shape({
  rows: { type: 'integer', description: 'Records in the file' },
  created: { type: 'integer' },
  updated: { type: 'integer' },
  unchanged: { type: 'integer' },
  dryRun: { type: 'boolean' },
  errors: {
    type: 'array',
    description: 'Rows not imported, each with what is wrong (the other rows are imported)',
    items: shape({
      row: {
        type: 'integer',
        description: 'The record’s number in the file, from 1 (a CSV’s first line after the header is 1)',
      },
      code: nullable('string'),
      field: { type: 'string', description: 'The column (CSV) or property (GeoJSON) at fault' },
      error: { type: 'string', description: 'An error code, as in the API’s errors' },
      message: { type: 'string' },
    }),
  },
})
type ImportResult = Output<typeof importResultSchema>

// ── Classes ───────────────────────────────────────────────────────────────────────────────────

export function componentClasses(): Output<typeof componentClassesSchema> {
  return {
    standard: 'GB/T 30428.2-2013 数字化城市管理信息系统 第2部分：管理部件和事件',
    classes: standardClasses.map((c) => ({ ...c, mainCode: mainClassOf(c.code) })),
  }
}

function checkClass(code: string, field: string) {
  const c = isSubclass(code) ? standardClass('component', code) : undefined
  if (!c) throw new AppError('COMPONENT_CLASS_INVALID', `${code} is not a component subclass of GB/T 30428.2`, field)
  return c
}

type CategoryRow = { id: number; code: string; class_code: string | null }

/** The component leaves of the catalogue (for resolving a class to the category its cases go under). */
async function componentCategories(tx: Tx): Promise<CategoryRow[]> {
  return tx
    .selectFrom('case_category')
    .select(['id', 'code', 'class_code'])
    .where('active', '=', true)
    .where('is_leaf', '=', true)
    .where('kind', '=', 'component')
    .orderBy('sort')
    .orderBy('code')
    .execute()
}

/**
 * The category a component's cases are filed under: the one named (a component leaf), else the
 * component leaf classed with its subclass, else with its main class.
 */
function resolveCategory(
  leaves: CategoryRow[],
  classCode: string,
  named: string | undefined,
  fields: { category: string; class: string },
): CategoryRow {
  if (named !== undefined) {
    const c = leaves.find((l) => l.code === named)
    if (!c)
      throw new AppError(
        'COMPONENT_CATEGORY_INVALID',
        `${named} is not an active leaf category of kind component`,
        fields.category,
      )
    return c
  }
  const c =
    leaves.find((l) => l.class_code === classCode) ?? leaves.find((l) => l.class_code === mainClassOf(classCode))
  if (!c)
    throw new AppError(
      'COMPONENT_CATEGORY_INVALID',
      `no component category is classed ${classCode} or ${mainClassOf(classCode)}: name its categoryCode`,
      fields.class,
    )
  return c
}

// ── Reading ───────────────────────────────────────────────────────────────────────────────────

type ItemRow = {
  id: number
  code: string
  class_code: string
  category_id: number
  category_code: string
  category_name_zh: string
  category_name_en: string
  name: string
  address: string | null
  state: ComponentState
  area_id: number
  area_code: string
  area_name_zh: string
  area_name_en: string
  owner_department_id: number | null
  department_code: string | null
  department_name_zh: string | null
  department_name_en: string | null
  lng: number
  lat: number
  open_cases: number
}

const openCasesOf = (alias: string) =>
  sql<number>`(select count(*) from cases c where c.component_id = ${sql.ref(`${alias}.id`)}
     and c.state = any(${openStates as string[]}::text[]))::int`

const itemSelect = sql`
  k.id, k.code, k.class_code, k.category_id, cat.code as category_code, cat.name_zh as category_name_zh,
  cat.name_en as category_name_en, k.name, k.address, k.state, k.area_id, a.code as area_code,
  a.name_zh as area_name_zh, a.name_en as area_name_en, k.owner_department_id, dep.code as department_code,
  dep.name_zh as department_name_zh, dep.name_en as department_name_en,
  ST_X(k.location) as lng, ST_Y(k.location) as lat, ${openCasesOf('k')} as open_cases`

const itemJoins = sql`
  join case_category cat on cat.id = k.category_id
  join area a on a.id = k.area_id
  left join department dep on dep.id = k.owner_department_id`

function presentItem(r: ItemRow): ComponentItem {
  const cls = standardClass('component', r.class_code)
  return {
    id: r.id,
    code: r.code,
    classCode: r.class_code,
    classNameZh: cls?.nameZh ?? r.class_code,
    classNameEn: cls?.nameEn ?? r.class_code,
    mainClassCode: mainClassOf(r.class_code),
    category: { id: r.category_id, code: r.category_code, nameZh: r.category_name_zh, nameEn: r.category_name_en },
    name: r.name,
    address: r.address,
    state: r.state,
    area: { id: r.area_id, code: r.area_code, nameZh: r.area_name_zh, nameEn: r.area_name_en },
    owner:
      r.owner_department_id === null
        ? null
        : {
            id: r.owner_department_id,
            code: r.department_code ?? '',
            nameZh: r.department_name_zh ?? `#${r.owner_department_id}`,
            nameEn: r.department_name_en ?? `#${r.owner_department_id}`,
          },
    location: { lng: r.lng, lat: r.lat },
    openCases: r.open_cases,
  }
}

function bboxOf(f: { west?: number; south?: number; east?: number; north?: number }) {
  const box = [f.west, f.south, f.east, f.north]
  if (box.every((v) => v === undefined)) return null
  if (box.some((v) => v === undefined)) throw invalid('west', 'a bounding box needs west, south, east and north')
  if (f.west! >= f.east!) throw invalid('west', 'west must be less than east')
  if (f.south! >= f.north!) throw invalid('south', 'south must be less than north')
  return sql`k.location && ST_MakeEnvelope(${f.west!}, ${f.south!}, ${f.east!}, ${f.north!}, 4326)`
}

function commonFilters(f: { classCode?: string; state?: ComponentState; withOpenCases?: boolean }) {
  const where = [sql`true`]
  if (f.classCode !== undefined)
    where.push(
      f.classCode.length === 2 ? sql`k.class_code like ${`${f.classCode}%`}` : sql`k.class_code = ${f.classCode}`,
    )
  if (f.state !== undefined) where.push(sql`k.state = ${f.state}`)
  if (f.withOpenCases !== undefined)
    where.push(
      sql`${f.withOpenCases ? sql`` : sql`not`} exists (select 1 from cases c where c.component_id = k.id
        and c.state = any(${openStates as string[]}::text[]))`,
    )
  return where
}

/** Components the caller reads, filtered, by id (keyset: `after` the last id of the page before). */
export async function listComponents(tx: Tx, f: ComponentFilter): Promise<Page<ComponentItem>> {
  const where = commonFilters(f)
  if (f.areaId !== undefined) {
    const path = await areaPathOf(tx, f.areaId)
    where.push(sql`k.area_id in (select id from area where path like ${`${escapeLike(path)}%`})`)
  }
  if (f.ownerDepartmentId !== undefined) where.push(sql`k.owner_department_id = ${f.ownerDepartmentId}`)
  const box = bboxOf(f)
  if (box) where.push(box)
  if (f.q !== undefined)
    where.push(sql`(k.code ilike ${`${escapeLike(f.q)}%`} or k.name like ${`%${escapeLike(f.q)}%`})`)
  if (f.caseId !== undefined) where.push(sql`k.id = (select component_id from cases where id = ${f.caseId})`)
  const filter = sql.join(where, sql` and `)
  const { rows } = await sql<ItemRow>`
    select ${itemSelect} from component k ${itemJoins}
    where ${filter} and k.id > ${f.after ?? 0} order by k.id limit ${f.pageSize + 1}`.execute(tx)
  const more = rows.length > f.pageSize
  const items = rows.slice(0, f.pageSize).map(presentItem)
  const cap = 10_000
  const { rows: counted } = await sql<{ n: number }>`
    select count(*)::int as n from (select 1 from component k where ${filter} limit ${cap + 1}) c`.execute(tx)
  const n = counted[0]?.n ?? 0
  return paginate({ page: 1, pageSize: f.pageSize }, items, Math.min(n, cap), {
    totalCapped: n > cap,
    nextAfter: more ? (items[items.length - 1]?.id ?? null) : null,
  })
}

/**
 * The components in a box as GeoJSON for the map. Up to `limit` they come one by one; beyond it
 * the box is cut into a grid of cells (about `limit` of them) and each cell answers one marker —
 * one with open cases if it has any — with the number it stands for.
 */
export async function componentGeoJson(tx: Tx, f: ComponentGeoFilter): Promise<ComponentGeo> {
  const where = commonFilters(f)
  where.push(bboxOf(f)!)
  const filter = sql.join(where, sql` and `)
  const limit = f.limit
  const { rows: counted } = await sql<{ n: number }>`
    select count(*)::int as n from component k where ${filter}`.execute(tx)
  const total = counted[0]?.n ?? 0
  type GeoRow = {
    id: number
    code: string
    name: string
    class_code: string
    state: ComponentState
    lng: number
    lat: number
    open_cases: number
    n: number
  }
  let rows: GeoRow[]
  if (total <= limit) {
    rows = (
      await sql<GeoRow>`
        select k.id, k.code, k.name, k.class_code, k.state, ST_X(k.location) as lng, ST_Y(k.location) as lat,
          ${openCasesOf('k')} as open_cases, 1 as n
        from component k where ${filter} order by k.id`.execute(tx)
    ).rows
  } else {
    // Cells square in degrees, so that about `limit` of them cover the box.
    const cell = Math.sqrt(((f.east - f.west) * (f.north - f.south)) / limit)
    rows = (
      await sql<GeoRow>`
        with m as (
          select k.id, k.code, k.name, k.class_code, k.state, k.location, ${openCasesOf('k')} as open_cases,
            floor((ST_X(k.location) - ${f.west}) / ${cell})::int as cx, floor((ST_Y(k.location) - ${f.south}) / ${cell})::int as cy
          from component k where ${filter}
        ), ranked as (
          select m.*, count(*) over (partition by cx, cy)::int as n,
            row_number() over (partition by cx, cy order by (open_cases > 0) desc, id) as r
          from m
        )
        select id, code, name, class_code, state, ST_X(location) as lng, ST_Y(location) as lat, open_cases, n
        from ranked where r = 1 order by (open_cases > 0) desc, id limit ${limit}`.execute(tx)
    ).rows
  }
  return {
    type: 'FeatureCollection',
    features: rows.map((r) => ({
      type: 'Feature',
      id: r.id,
      geometry: { type: 'Point', coordinates: [r.lng, r.lat] },
      properties: {
        code: r.code,
        name: r.name,
        classCode: r.class_code,
        state: r.state,
        openCases: r.open_cases,
        count: Number(r.n),
      },
    })),
    total,
    thinned: total > limit,
  }
}

/** One component with its facts and the cases about it (404 unless the caller reads it). */
export async function componentDetail(tx: Tx, ctx: RequestContext, componentId: number): Promise<ComponentDetail> {
  const { rows } = await sql<
    ItemRow & {
      state_note: string | null
      state_changed_at: Date | null
      attributes: Record<string, string | number | boolean>
      version: number
      created_at: Date
      updated_at: Date
      area_path: string
    }
  >`
    select ${itemSelect}, k.state_note, k.state_changed_at, k.attributes, k.version, k.created_at, k.updated_at,
      a.path as area_path
    from component k ${itemJoins} where k.id = ${componentId}`.execute(tx)
  const r = rows[0]
  if (!r) throw new AppError('COMPONENT_NOT_FOUND', `no component ${componentId}`, 'id')
  const { rows: cases } = await sql<{
    id: number
    tracking_code: string
    state: string
    category_code: string
    category_name_zh: string
    category_name_en: string
    description: string
    submitted_at: Date
    closed_at: Date | null
  }>`
    select c.id, c.tracking_code, c.state, cat.code as category_code, cat.name_zh as category_name_zh,
      cat.name_en as category_name_en, left(c.description, 200) as description, c.submitted_at, c.closed_at
    from cases c join case_category cat on cat.id = c.category_id
    where c.component_id = ${componentId} order by c.submitted_at desc, c.id desc limit 100`.execute(tx)
  const { rows: n } = await sql<{ n: number }>`
    select count(*)::int as n from cases where component_id = ${componentId}`.execute(tx)
  return {
    ...presentItem(r),
    stateNote: r.state_note,
    stateChangedAt: r.state_changed_at?.toISOString() ?? null,
    attributes: r.attributes,
    version: r.version,
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
    canEdit: holds(ctx.actor, componentKeepers, r.area_path),
    cases: cases.map((c) => ({
      id: c.id,
      trackingCode: c.tracking_code,
      state: c.state,
      categoryCode: c.category_code,
      categoryNameZh: c.category_name_zh,
      categoryNameEn: c.category_name_en,
      description: c.description,
      submittedAt: c.submitted_at.toISOString(),
      closedAt: c.closed_at?.toISOString() ?? null,
    })),
    caseCount: n[0]?.n ?? 0,
  }
}

/**
 * What intake needs of a component a case is about: its category, place and owner. 404
 * COMPONENT_NOT_FOUND naming `componentId` when it does not exist or the caller cannot see it.
 */
export async function componentForCase(
  tx: Tx,
  componentId: number,
  field = 'componentId',
): Promise<{
  id: number
  code: string
  categoryId: number
  location: { lng: number; lat: number }
  ownerDepartmentId: number | null
  state: ComponentState
}> {
  const { rows } = await sql<{
    id: number
    code: string
    category_id: number
    lng: number
    lat: number
    owner_department_id: number | null
    state: ComponentState
  }>`
    select id, code, category_id, ST_X(location) as lng, ST_Y(location) as lat, owner_department_id, state
    from component where id = ${componentId}`.execute(tx)
  const r = rows[0]
  if (!r) throw new AppError('COMPONENT_NOT_FOUND', `no component ${componentId}`, field)
  return {
    id: r.id,
    code: r.code,
    categoryId: r.category_id,
    location: { lng: r.lng, lat: r.lat },
    ownerDepartmentId: r.owner_department_id,
    state: r.state,
  }
}

// ── Writing ───────────────────────────────────────────────────────────────────────────────────

type Grid = { id: number; path: string }

/** The grids of many points in one statement (null where a point lies in no grid). */
async function gridsAt(tx: Tx, points: { lng: number; lat: number }[]): Promise<(Grid | null)[]> {
  if (points.length === 0) return []
  const { rows } = await sql<{ i: number; id: number | null; path: string | null }>`
    select p.i::int as i, g.id, g.path
    from unnest(${points.map((p) => p.lng)}::float8[], ${points.map((p) => p.lat)}::float8[]) with ordinality as p(lng, lat, i)
    left join lateral (
      select id, path from area
      where level = 'grid' and retired_at is null
        and ST_Covers(boundary, ST_SetSRID(ST_MakePoint(p.lng, p.lat), 4326))
      order by id limit 1
    ) g on true`.execute(tx)
  const out: (Grid | null)[] = points.map(() => null)
  for (const r of rows) if (r.id !== null) out[r.i - 1] = { id: r.id, path: r.path! }
  return out
}

const districtOf = (path: string, id: number) => Number(path.split('/').filter(Boolean)[1] ?? id)
const pointSql = (p: { lng: number; lat: number }) => sql<string>`ST_SetSRID(ST_MakePoint(${p.lng}, ${p.lat}), 4326)`

async function codesTaken(tx: Tx, codes: string[]): Promise<Set<string>> {
  if (codes.length === 0) return new Set()
  const { rows } = await sql<{ code: string }>`
    select app_component_codes_taken as code from app_component_codes_taken(${codes}::text[])`.execute(tx)
  return new Set(rows.map((r) => r.code))
}

function requireKeeper(ctx: RequestContext, path: string, field: string | null = null) {
  const actor = requireActor(ctx)
  if (!holds(actor, componentKeepers, path))
    throw new AppError(
      'FORBIDDEN',
      `keeping components requires one of the roles ${componentKeepers.join(', ')} over the grid`,
      field,
    )
  return actor
}

async function checkDepartment(tx: Tx, departmentId: number, field: string) {
  const d = await tx.selectFrom('department').select('id').where('id', '=', departmentId).executeTakeFirst()
  if (!d) throw new AppError('DEPARTMENT_NOT_FOUND', `no department ${departmentId}`, field)
}

/** Registers a component: located into its grid, classed, with the category its cases go under. */
export async function createComponent(
  tx: Tx,
  ctx: RequestContext,
  input: NewComponent,
  now: Date,
): Promise<ComponentDetail> {
  const actor = requireActor(ctx)
  checkClass(input.classCode, 'classCode')
  const category = resolveCategory(await componentCategories(tx), input.classCode, input.categoryCode, {
    category: 'categoryCode',
    class: 'classCode',
  })
  const [grid] = await gridsAt(tx, [input.location])
  if (!grid) throw new AppError('AREA_OUTSIDE_ALL_GRIDS', 'the location lies in no grid', 'location')
  requireKeeper(ctx, grid.path, 'location')
  if (input.ownerDepartmentId !== undefined) await checkDepartment(tx, input.ownerDepartmentId, 'ownerDepartmentId')
  if ((await codesTaken(tx, [input.code])).has(input.code))
    throw new AppError('COMPONENT_CODE_TAKEN', `a component with code ${input.code} exists`, 'code')
  const state = input.state ?? 'normal'
  await tx
    .insertInto('component')
    .values({
      code: input.code,
      class_code: input.classCode,
      category_id: category.id,
      name: input.name,
      address: input.address ?? null,
      area_id: grid.id,
      district_id: districtOf(grid.path, grid.id),
      location: pointSql(input.location),
      owner_department_id: input.ownerDepartmentId ?? null,
      state,
      state_note: input.stateNote ?? null,
      state_changed_at: state === 'normal' ? null : now,
      attributes: JSON.stringify(input.attributes ?? {}),
      created_by: actor.userId,
      created_at: now,
      updated_at: now,
    })
    .execute()
  // No RETURNING: within the statement the new row is not yet among those the caller reads.
  const { id: componentId } = await tx
    .selectFrom('component')
    .select('id')
    .where('code', '=', input.code)
    .executeTakeFirstOrThrow()
  await recordAudit(tx, ctx, {
    action: 'component.create',
    entityType: 'component',
    entityId: componentId,
    areaId: grid.id,
    detail: { code: input.code, classCode: input.classCode, category: category.code, state },
  })
  return componentDetail(tx, ctx, componentId)
}

type Loaded = {
  id: number
  code: string
  class_code: string
  category_id: number
  name: string
  address: string | null
  area_id: number
  area_path: string
  lng: number
  lat: number
  owner_department_id: number | null
  state: ComponentState
  state_note: string | null
  attributes: Record<string, unknown>
  version: number
}

async function loadComponents(tx: Tx, where: { ids: number[] } | { codes: string[] }): Promise<Loaded[]> {
  const cond = 'ids' in where ? sql`k.id = any(${where.ids}::bigint[])` : sql`k.code = any(${where.codes}::text[])`
  const { rows } = await sql<Loaded>`
    select k.id, k.code, k.class_code, k.category_id, k.name, k.address, k.area_id, a.path as area_path,
      ST_X(k.location) as lng, ST_Y(k.location) as lat, k.owner_department_id, k.state, k.state_note,
      k.attributes, k.version
    from component k join area a on a.id = k.area_id where ${cond}`.execute(tx)
  return rows
}

/** Changes a component (the version read); a new location is located into its grid again. */
export async function updateComponent(
  tx: Tx,
  ctx: RequestContext,
  componentId: number,
  input: UpdateComponent,
  now: Date,
): Promise<ComponentDetail> {
  const [k] = await loadComponents(tx, { ids: [componentId] })
  if (!k) throw new AppError('COMPONENT_NOT_FOUND', `no component ${componentId}`, 'id')
  requireKeeper(ctx, k.area_path)
  if (input.version !== k.version) throw versionConflict('COMPONENT_VERSION_CONFLICT', 'component', k.version)
  const set: Record<string, unknown> = {}
  const changes: Record<string, unknown> = {}
  const classCode = input.classCode ?? k.class_code
  if (input.classCode !== undefined) checkClass(input.classCode, 'classCode')
  if (input.classCode !== undefined || input.categoryCode !== undefined) {
    const leaves = await componentCategories(tx)
    // A new class without a category re-resolves it; a category named stays as named.
    const category = resolveCategory(leaves, classCode, input.categoryCode, {
      category: 'categoryCode',
      class: 'classCode',
    })
    if (classCode !== k.class_code) set.class_code = changes.classCode = classCode
    if (category.id !== k.category_id) {
      set.category_id = category.id
      changes.category = category.code
    }
  }
  if (input.name !== undefined && input.name !== k.name) set.name = changes.name = input.name
  if (input.address !== undefined && input.address !== k.address) set.address = changes.address = input.address
  if (input.location !== undefined) {
    const [grid] = await gridsAt(tx, [input.location])
    if (!grid) throw new AppError('AREA_OUTSIDE_ALL_GRIDS', 'the location lies in no grid', 'location')
    requireKeeper(ctx, grid.path, 'location')
    set.area_id = grid.id
    set.district_id = districtOf(grid.path, grid.id)
    set.location = pointSql(input.location)
    changes.location = { ...input.location, gridId: grid.id }
  }
  if (input.ownerDepartmentId !== undefined && input.ownerDepartmentId !== k.owner_department_id) {
    if (input.ownerDepartmentId !== null) await checkDepartment(tx, input.ownerDepartmentId, 'ownerDepartmentId')
    set.owner_department_id = changes.ownerDepartmentId = input.ownerDepartmentId
  }
  if (input.state !== undefined && input.state !== k.state) {
    set.state = input.state
    set.state_changed_at = now
    changes.state = { from: k.state, to: input.state }
    // A note belongs to the state it explains: a new state without one clears the old.
    if (input.stateNote === undefined) set.state_note = null
  }
  if (input.stateNote !== undefined && input.stateNote !== k.state_note)
    set.state_note = changes.stateNote = input.stateNote
  if (input.attributes !== undefined) {
    set.attributes = JSON.stringify(input.attributes)
    changes.attributes = input.attributes
  }
  if (Object.keys(set).length > 0) {
    const done = await tx
      .updateTable('component')
      .set({ ...set, updated_at: now, version: k.version + 1 })
      .where('id', '=', componentId)
      .where('version', '=', k.version)
      .returning('id')
      .executeTakeFirst()
    if (!done) throw versionConflict('COMPONENT_VERSION_CONFLICT', 'component', k.version)
    await recordAudit(tx, ctx, {
      action: changes.state ? 'component.state' : 'component.update',
      entityType: 'component',
      entityId: componentId,
      areaId: (set.area_id as number | undefined) ?? k.area_id,
      detail: { code: k.code, changes },
    })
  }
  return componentDetail(tx, ctx, componentId)
}

// ── Import ────────────────────────────────────────────────────────────────────────────────────

/** One record of a file, as read; fields named as the file names them, for the error report. */
interface Raw {
  row: number
  values: Record<string, unknown>
  /** How the file names each field (CSV: the column; GeoJSON: the property path). */
  fieldName: (f: string) => string
  lng: unknown
  lat: unknown
  attributes: Record<string, unknown>
}

const CSV_FIELDS = ['code', 'classcode', 'categorycode', 'name', 'address', 'lng', 'lat', 'ownerdepartment', 'state']
const normalise = (h: string) =>
  h
    .trim()
    .toLowerCase()
    .replace(/[_\s-]/g, '')

function csvRecords(text: string): Raw[] {
  let records: string[][]
  try {
    records = parseCsv(text.replace(/^\uFEFF/, ''), { skip_empty_lines: true, relax_column_count: true, trim: true })
  } catch (e) {
    throw invalid('csv', `not readable as CSV: ${(e as Error).message}`)
  }
  const [header, ...rows] = records
  if (!header) throw invalid('csv', 'the file is empty')
  const columns = header.map((h) => ({ raw: h, key: normalise(h) }))
  for (const need of ['code', 'classcode', 'name', 'lng', 'lat'])
    if (!columns.some((c) => c.key === need)) throw invalid('csv', `the header has no ${need} column`)
  if (rows.length > MAX_IMPORT_ROWS) throw invalid('csv', `at most ${MAX_IMPORT_ROWS} rows in one import`)
  return rows.map((cells, i) => {
    const values: Record<string, unknown> = {}
    const attributes: Record<string, unknown> = {}
    const names: Record<string, string> = {}
    columns.forEach((c, j) => {
      const v = cells[j] ?? ''
      if (CSV_FIELDS.includes(c.key)) {
        names[c.key] = c.raw
        if (v !== '') values[c.key] = v
      } else if (v !== '') attributes[c.raw] = v
    })
    return {
      row: i + 1,
      values,
      fieldName: (f: string) => names[normalise(f)] ?? f,
      lng: values.lng,
      lat: values.lat,
      attributes,
    }
  })
}

function geoRecords(fc: NonNullable<ImportComponents['geojson']>): Raw[] {
  return fc.features.map((feature, i) => {
    const props = (feature.properties ?? {}) as Record<string, unknown>
    const values: Record<string, unknown> = {}
    const names: Record<string, string> = {}
    for (const [k, v] of Object.entries(props)) {
      const key = normalise(k)
      if (CSV_FIELDS.includes(key)) {
        values[key] = v
        names[key] = `properties.${k}`
      }
    }
    const g = feature.geometry as { type?: unknown; coordinates?: unknown } | null
    const coords = g && g.type === 'Point' && Array.isArray(g.coordinates) ? g.coordinates : []
    return {
      row: i + 1,
      values,
      fieldName: (f: string) =>
        f === 'lng' || f === 'lat' || f === 'geometry' ? 'geometry' : (names[normalise(f)] ?? `properties.${f}`),
      lng: coords[0] ?? null,
      lat: coords[1] ?? null,
      attributes:
        props.attributes && typeof props.attributes === 'object' && !Array.isArray(props.attributes)
          ? (props.attributes as Record<string, unknown>)
          : {},
    }
  })
}

interface Good {
  row: number
  code: string
  classCode: string
  categoryCode: string | undefined
  name: string
  address: string | null
  location: { lng: number; lat: number }
  ownerDepartment: string | undefined
  state: ComponentState | undefined
  attributes: Record<string, string | number | boolean>
}

class RowError extends Error {
  constructor(
    readonly error: string,
    message: string,
    readonly field: string,
  ) {
    super(message)
  }
}

const number = (v: unknown): number | null => {
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : Number.NaN
  return Number.isFinite(n) ? n : null
}

function checkRecord(r: Raw): Good {
  const f = r.fieldName
  const str = (key: string, max: number, pattern?: RegExp): string | undefined => {
    const v = r.values[key]
    if (v === undefined || v === null || v === '') return undefined
    if (typeof v !== 'string' && typeof v !== 'number')
      throw new RowError('VALIDATION_FAILED', `${key} must be text`, f(key))
    const s = String(v).trim()
    if (s.length > max) throw new RowError('VALIDATION_FAILED', `${key} is longer than ${max} characters`, f(key))
    if (pattern && !pattern.test(s)) throw new RowError('VALIDATION_FAILED', `${key} ${s} is not well formed`, f(key))
    return s
  }
  const code = str('code', 40, /^[A-Za-z0-9][A-Za-z0-9_.-]{1,39}$/)
  if (!code) throw new RowError('VALIDATION_FAILED', 'code is required', f('code'))
  const classCode = str('classcode', 4)
  if (!classCode) throw new RowError('VALIDATION_FAILED', 'classCode is required', f('classCode'))
  if (!isSubclass(classCode) || !standardClass('component', classCode))
    throw new RowError(
      'COMPONENT_CLASS_INVALID',
      `${classCode} is not a component subclass of GB/T 30428.2`,
      f('classCode'),
    )
  const name = str('name', 100)
  if (!name) throw new RowError('VALIDATION_FAILED', 'name is required', f('name'))
  const lng = number(r.lng)
  if (lng === null || lng < -180 || lng > 180)
    throw new RowError('VALIDATION_FAILED', 'lng must be a longitude (-180 to 180)', f('lng'))
  const lat = number(r.lat)
  if (lat === null || lat < -90 || lat > 90)
    throw new RowError('VALIDATION_FAILED', 'lat must be a latitude (-90 to 90)', f('lat'))
  const state = str('state', 20)
  if (state !== undefined && !(componentStates as readonly string[]).includes(state))
    throw new RowError('VALIDATION_FAILED', `state must be one of ${componentStates.join(', ')}`, f('state'))
  const attributes: Record<string, string | number | boolean> = {}
  for (const [k, v] of Object.entries(r.attributes)) {
    if (Object.keys(attributes).length >= MAX_ATTRIBUTES)
      throw new RowError('VALIDATION_FAILED', `at most ${MAX_ATTRIBUTES} attributes`, f('attributes'))
    if (!/^[A-Za-z\p{Script=Han}][\w\p{Script=Han}]{0,39}$/u.test(k))
      throw new RowError('VALIDATION_FAILED', `attribute name ${k} is not well formed`, f(k))
    if (typeof v === 'string' && v.length <= 200) attributes[k] = v
    else if ((typeof v === 'number' && Number.isFinite(v)) || typeof v === 'boolean') attributes[k] = v
    else
      throw new RowError(
        'VALIDATION_FAILED',
        `attribute ${k} must be text up to 200 characters, a number or yes/no`,
        f(k),
      )
  }
  return {
    row: r.row,
    code,
    classCode,
    categoryCode: str('categorycode', 20),
    name,
    address: str('address', 200) ?? null,
    location: { lng, lat },
    ownerDepartment: str('ownerdepartment', 40),
    state: state as ComponentState | undefined,
    attributes,
  }
}

const sameJson = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b)

/**
 * Imports components from CSV or a GeoJSON FeatureCollection, upserting by code: a new code is
 * created, a known one updated (left alone when nothing differs), so importing a file again
 * changes nothing. Each bad row is reported with its number and field and skipped; the others are
 * written. A code registered where the caller cannot see it, or a point outside the caller's grids,
 * is such a row.
 */
export async function importComponents(
  tx: Tx,
  ctx: RequestContext,
  input: ImportComponents,
  now: Date,
): Promise<ImportResult> {
  const actor = requireActor(ctx)
  const raws = input.csv !== undefined ? csvRecords(input.csv) : geoRecords(input.geojson!)
  const errors: ImportResult['errors'] = []
  const fail = (r: Raw, e: unknown, code: string | null) => {
    if (!(e instanceof RowError) && !(e instanceof AppError)) throw e
    errors.push({
      row: r.row,
      code,
      field: e instanceof RowError ? e.field : r.fieldName(e.field ?? 'code'),
      error: e instanceof RowError ? e.error : e.code,
      message: e.message,
    })
  }
  const byRow = new Map(raws.map((r) => [r.row, r]))
  const good: Good[] = []
  const seen = new Set<string>()
  for (const r of raws) {
    try {
      const g = checkRecord(r)
      if (seen.has(g.code))
        throw new RowError('COMPONENT_CODE_TAKEN', `code ${g.code} appears twice in the file`, r.fieldName('code'))
      seen.add(g.code)
      good.push(g)
    } catch (e) {
      fail(r, e, typeof r.values.code === 'string' ? r.values.code : null)
    }
  }
  const leaves = await componentCategories(tx)
  const deptCodes = [...new Set(good.flatMap((g) => (g.ownerDepartment ? [g.ownerDepartment] : [])))]
  const departments = new Map(
    deptCodes.length
      ? (await tx.selectFrom('department').select(['id', 'code']).where('code', 'in', deptCodes).execute()).map((d) => [
          d.code,
          d.id,
        ])
      : [],
  )
  const grids = await gridsAt(
    tx,
    good.map((g) => g.location),
  )
  const existing = new Map((await loadComponents(tx, { codes: good.map((g) => g.code) })).map((k) => [k.code, k]))
  const taken = await codesTaken(
    tx,
    good.map((g) => g.code).filter((c) => !existing.has(c)),
  )
  type Planned = { g: Good; grid: Grid; categoryId: number; ownerId: number | null }
  const inserts: Planned[] = []
  const updates: (Planned & { k: Loaded })[] = []
  let unchanged = 0
  good.forEach((g, i) => {
    const raw = byRow.get(g.row)!
    try {
      const category = resolveCategory(leaves, g.classCode, g.categoryCode, {
        category: raw.fieldName('categoryCode'),
        class: raw.fieldName('classCode'),
      })
      let ownerId: number | null = null
      if (g.ownerDepartment !== undefined) {
        const d = departments.get(g.ownerDepartment)
        if (d === undefined)
          throw new RowError(
            'DEPARTMENT_NOT_FOUND',
            `no department ${g.ownerDepartment}`,
            raw.fieldName('ownerDepartment'),
          )
        ownerId = d
      }
      const grid = grids[i]
      if (!grid) throw new RowError('AREA_OUTSIDE_ALL_GRIDS', 'the location lies in no grid', raw.fieldName('lng'))
      if (!holds(actor, componentKeepers, grid.path))
        throw new RowError('FORBIDDEN', 'the location lies outside the grids you keep', raw.fieldName('lng'))
      const k = existing.get(g.code)
      if (k) {
        if (!holds(actor, componentKeepers, k.area_path))
          throw new RowError('FORBIDDEN', `component ${g.code} lies outside the grids you keep`, raw.fieldName('code'))
        const same =
          k.class_code === g.classCode &&
          k.category_id === category.id &&
          k.name === g.name &&
          k.address === g.address &&
          Math.abs(k.lng - g.location.lng) < 1e-9 &&
          Math.abs(k.lat - g.location.lat) < 1e-9 &&
          k.owner_department_id === ownerId &&
          (g.state === undefined || k.state === g.state) &&
          sameJson(k.attributes, g.attributes)
        if (same) unchanged++
        else updates.push({ g, grid, categoryId: category.id, ownerId, k })
      } else if (taken.has(g.code)) {
        throw new RowError(
          'COMPONENT_CODE_TAKEN',
          `a component with code ${g.code} exists outside your grids`,
          raw.fieldName('code'),
        )
      } else inserts.push({ g, grid, categoryId: category.id, ownerId })
    } catch (e) {
      fail(raw, e, g.code)
    }
  })
  errors.sort((a, b) => a.row - b.row)
  const dryRun = input.dryRun ?? false
  if (!dryRun) {
    for (let i = 0; i < inserts.length; i += 500) {
      await tx
        .insertInto('component')
        .values(
          inserts.slice(i, i + 500).map(({ g, grid, categoryId, ownerId }) => ({
            code: g.code,
            class_code: g.classCode,
            category_id: categoryId,
            name: g.name,
            address: g.address,
            area_id: grid.id,
            district_id: districtOf(grid.path, grid.id),
            location: pointSql(g.location),
            owner_department_id: ownerId,
            state: g.state ?? 'normal',
            state_changed_at: (g.state ?? 'normal') === 'normal' ? null : now,
            attributes: JSON.stringify(g.attributes),
            created_by: actor.userId,
            created_at: now,
            updated_at: now,
          })),
        )
        .execute()
    }
    for (const { g, grid, categoryId, ownerId, k } of updates) {
      const stateChanged = g.state !== undefined && g.state !== k.state
      await tx
        .updateTable('component')
        .set({
          class_code: g.classCode,
          category_id: categoryId,
          name: g.name,
          address: g.address,
          area_id: grid.id,
          district_id: districtOf(grid.path, grid.id),
          location: pointSql(g.location),
          owner_department_id: ownerId,
          attributes: JSON.stringify(g.attributes),
          ...(stateChanged ? { state: g.state, state_changed_at: now, state_note: null } : {}),
          updated_at: now,
          version: k.version + 1,
        })
        .where('id', '=', k.id)
        .execute()
    }
    if (inserts.length + updates.length > 0)
      await recordAudit(tx, ctx, {
        action: 'component.import',
        entityType: 'component',
        detail: {
          format: input.csv !== undefined ? 'csv' : 'geojson',
          rows: raws.length,
          created: inserts.length,
          updated: updates.length,
          unchanged,
          errors: errors.length,
          codes: [...inserts, ...updates].slice(0, 50).map((p) => p.g.code),
        },
      })
  }
  return {
    rows: raws.length,
    created: inserts.length,
    updated: updates.length,
    unchanged,
    dryRun,
    errors,
  }
}
