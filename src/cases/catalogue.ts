import { type Selectable, sql } from 'kysely'
import type { JSONSchema } from 'json-schema-to-ts'
import { AppError, notFound } from '../core/errors.js'
import type { Db, Tx } from '../core/db.js'
import type { DB } from '../core/schema.js'
import type { Output } from '../core/http.js'
import { nullable, shape } from '../core/schemas.js'
import { urgencies, type Urgency } from './rules.js'

export const attributeDatatypes = ['string', 'number', 'datetime', 'text', 'singlevaluelist', 'multivaluelist'] as const
export type AttributeDatatype = (typeof attributeDatatypes)[number]

// A type, not an interface: it is returned where a JSON object with these fields is declared.
export type CategoryAttribute = {
  code: string
  datatype: AttributeDatatype
  required: boolean
  descriptionZh: string
  descriptionEn: string
  order: number
  values?: { key: string; nameZh: string; nameEn: string }[]
}

export type Category = {
  id: number
  parentId: number | null
  code: string
  nameZh: string
  nameEn: string
  isLeaf: boolean
  respondHours: number | null
  handleWorkdays: number | null
  photoRequired: boolean
  defaultUrgency: Urgency
  verifyBeforeFiling: boolean
  attributes: CategoryAttribute[]
  keywords: string[]
  /** Component (部件), event (事件) or enquiry (咨询); the standard class, GB/T 30428.2 (components.md). */
  kind: CategoryKind
  classCode: string | null
}

export const categoryKinds = ['event', 'component', 'enquiry'] as const
export type CategoryKind = (typeof categoryKinds)[number]

// The columns read, typed from the generated table.
type Row = Pick<Selectable<DB['case_category']>, (typeof columns)[number]>
const present = (r: Row): Category => ({
  id: r.id,
  parentId: r.parent_id,
  code: r.code,
  nameZh: r.name_zh,
  nameEn: r.name_en,
  isLeaf: r.is_leaf,
  respondHours: r.respond_hours,
  handleWorkdays: r.handle_workdays,
  photoRequired: r.photo_required,
  defaultUrgency: r.default_urgency as Urgency,
  verifyBeforeFiling: r.verify_before_filing,
  attributes: r.attributes as CategoryAttribute[],
  keywords: r.keywords,
  kind: r.kind as CategoryKind,
  classCode: r.class_code,
})
const columns = [
  'id',
  'parent_id',
  'code',
  'name_zh',
  'name_en',
  'is_leaf',
  'respond_hours',
  'handle_workdays',
  'photo_required',
  'default_urgency',
  'verify_before_filing',
  'attributes',
  'keywords',
  'kind',
  'class_code',
] as const

export async function listCategories(db: Db | Tx): Promise<Category[]> {
  const rows = await db
    .selectFrom('case_category')
    .select(columns)
    .where('active', '=', true)
    .orderBy('sort')
    .orderBy('code')
    .execute()
  return rows.map(present)
}

const integer = { type: 'integer' } as const
const text = { type: 'string' } as const

const categoryFields = {
  id: integer,
  parentId: nullable('integer'),
  code: text,
  nameZh: text,
  nameEn: text,
  isLeaf: { type: 'boolean', description: 'Cases are filed under leaves; the others group them' },
  respondHours: { type: ['integer', 'null'], description: 'Hours until a department must accept (leaves)' },
  handleWorkdays: { type: ['integer', 'null'], description: 'Working days to handle it once accepted (leaves)' },
  photoRequired: { type: 'boolean' },
  defaultUrgency: { type: 'string', enum: urgencies, description: 'The urgency a new case of it starts with' },
  verifyBeforeFiling: {
    type: 'boolean',
    description: 'Reports from the public are verified on site by a grid worker before they are filed (核实)',
  },
  attributes: {
    type: 'array',
    items: {
      type: 'object',
      // As the catalogue file defined it: fields an import adds beyond these are kept and returned.
      additionalProperties: true,
      required: ['code', 'datatype'],
      properties: {
        code: text,
        datatype: { type: 'string', enum: attributeDatatypes },
        required: { type: 'boolean' },
        descriptionZh: text,
        descriptionEn: text,
        order: integer,
        values: {
          type: 'array',
          items: {
            type: 'object',
            additionalProperties: true,
            required: ['key'],
            properties: { key: text, nameZh: text, nameEn: text },
          },
        },
      },
    },
  },
  keywords: { type: 'array', items: text },
  kind: {
    type: 'string',
    enum: categoryKinds,
    description: 'component: a problem with a physical asset (部件); event: anything else (事件); enquiry: a question',
  },
  classCode: {
    type: ['string', 'null'],
    description:
      'The standard class (GB/T 30428.2) of its kind: a main class (01) or subclass (0101); see /component-classes',
  },
} as const

/** A category with `children` described by `child`. */
const categoryWith = <const C extends JSONSchema>(child: C) =>
  shape({ ...categoryFields, children: { type: 'array', items: child } })

/**
 * The catalogue as a tree. A JSON schema type cannot describe itself, so three levels are spelled
 * out (group, subgroup, leaf) and anything deeper is declared as what it is, the same shape again.
 */
export const categoryNodeSchema = categoryWith(
  categoryWith(
    categoryWith({
      type: 'object',
      additionalProperties: true,
      description: 'A category of the same shape, with its own children',
    }),
  ),
)

type CategoryNode = Category & { children: CategoryNode[] }

export async function categoryTree(db: Db | Tx): Promise<Output<typeof categoryNodeSchema>[]> {
  const all = await listCategories(db)
  const children = new Map<number | null, Category[]>()
  for (const c of all) children.set(c.parentId, [...(children.get(c.parentId) ?? []), c])
  const build = (c: Category): CategoryNode => ({ ...c, children: (children.get(c.id) ?? []).map(build) })
  return (children.get(null) ?? []).map(build)
}

/** A leaf category by code or id, as intake needs it; anything else is a 4xx naming `field`. */
export async function leafCategory(db: Db | Tx, ref: { code?: string; id?: number }, field: string): Promise<Category> {
  let q = db.selectFrom('case_category').select(columns).where('active', '=', true)
  q = ref.code !== undefined ? q.where('code', '=', ref.code) : q.where('id', '=', ref.id ?? -1)
  const row = await q.executeTakeFirst()
  if (!row) throw notFound('CASE_CATEGORY_NOT_FOUND', `category ${ref.code ?? ref.id}`, field)
  if (!row.is_leaf)
    throw new AppError('VALIDATION_FAILED', `category ${row.code} is a group; choose one of its leaves`, field)
  return present(row)
}

/** The responsible department: the routing entry of the nearest ancestor of the case's area. */
export async function routeDepartment(db: Db | Tx, categoryId: number, areaPath: string): Promise<number | null> {
  const ids = areaPath.split('/').filter(Boolean).map(Number)
  const { rows } = await sql<{ department_id: number }>`
    select r.department_id from category_routing r join area a on a.id = r.area_id
    where r.category_id = ${categoryId} and r.area_id = any(${ids}::int[])
    order by length(a.path) desc limit 1`.execute(db)
  return rows[0]?.department_id ?? null
}

const MAX_TEXT = 2000

/** Checks submitted attribute values against the category's definitions. */
export function checkAttributes(
  category: Category,
  given: Record<string, unknown> | undefined,
  field = 'attributes',
): Record<string, unknown> {
  const values = given ?? {}
  const defs = new Map(category.attributes.map((a) => [a.code, a]))
  for (const key of Object.keys(values)) {
    if (!defs.has(key))
      throw new AppError(
        'CASE_ATTRIBUTE_INVALID',
        `category ${category.code} has no attribute ${key}`,
        `${field}.${key}`,
      )
  }
  const out: Record<string, unknown> = {}
  for (const def of category.attributes) {
    const f = `${field}.${def.code}`
    const v = values[def.code]
    if (v === undefined || v === null || v === '' || (Array.isArray(v) && v.length === 0)) {
      if (def.required) throw new AppError('CASE_ATTRIBUTE_INVALID', `${def.code} is required for ${category.code}`, f)
      continue
    }
    const keys = new Set((def.values ?? []).map((x) => x.key))
    switch (def.datatype) {
      case 'number':
        if (typeof v !== 'number' || !Number.isFinite(v))
          throw new AppError('CASE_ATTRIBUTE_INVALID', `${def.code} must be a number`, f)
        break
      case 'datetime':
        if (typeof v !== 'string' || Number.isNaN(Date.parse(v)))
          throw new AppError('CASE_ATTRIBUTE_INVALID', `${def.code} must be an ISO 8601 date-time`, f)
        break
      case 'string':
      case 'text':
        if (typeof v !== 'string' || v.length > (def.datatype === 'string' ? 200 : MAX_TEXT))
          throw new AppError('CASE_ATTRIBUTE_INVALID', `${def.code} must be text`, f)
        break
      case 'singlevaluelist':
        if (typeof v !== 'string' || !keys.has(v))
          throw new AppError('CASE_ATTRIBUTE_INVALID', `${def.code} must be one of ${[...keys].join(', ')}`, f)
        break
      case 'multivaluelist':
        if (!Array.isArray(v) || v.some((x) => typeof x !== 'string' || !keys.has(x))) {
          throw new AppError('CASE_ATTRIBUTE_INVALID', `${def.code} must be a list of ${[...keys].join(', ')}`, f)
        }
        break
    }
    out[def.code] = v
  }
  return out
}
