import type { JSONSchema } from 'json-schema-to-ts'
import { sql } from 'kysely'
import { AppError, notFound } from '../core/errors.js'
import type { Tx } from '../core/db.js'
import type { Input, Output } from '../core/http.js'
import { body, id, nullable, shape, text } from '../core/schemas.js'
import { holds, requireActor, staffRoles, type RequestContext } from '../core/scope.js'
import { recordAudit } from '../audit/service.js'
import {
  boundaryAreaM2,
  boundaryAsGeoJson,
  boundaryFromGeoJson,
  boundarySchema,
  checkBoundary,
  coverage,
  geometrySchema,
  gridAt,
  type AreaGeometry,
} from './geometry.js'

export const levels = ['city', 'district', 'street', 'community', 'grid'] as const
export type Level = (typeof levels)[number]

export function childLevel(level: Level): Level | null {
  return levels[levels.indexOf(level) + 1] ?? null
}

// ── Schemas ───────────────────────────────────────────────────────────────────────────────────

const level = { type: 'string', enum: levels } as const
const code = { type: 'string', pattern: '^[A-Za-z0-9_-]{1,40}$' } as const
const name = text(100)
const timezone = text(64)

export const areaSummarySchema = shape({
  id: { type: 'integer' },
  parentId: nullable('integer'),
  level,
  code: { type: 'string' },
  nameZh: { type: 'string' },
  nameEn: { type: 'string' },
})
export type AreaSummary = Output<typeof areaSummarySchema>

export const areaDetailSchema = shape({
  ...areaSummarySchema.properties,
  timezone: { type: 'string' },
  retiredAt: nullable('string'),
  areaM2: { type: 'number' },
  boundary: geometrySchema,
  ancestors: { type: 'array', items: areaSummarySchema, description: 'From the root down to the parent' },
})

export const locationSchema = shape({
  grid: areaSummarySchema,
  ancestors: { type: 'array', items: areaSummarySchema, description: 'From the root down to the grid’s parent' },
})

export const boundariesSchema = shape({
  type: { type: 'string', enum: ['FeatureCollection'] },
  features: {
    type: 'array',
    items: shape({
      type: { type: 'string', enum: ['Feature'] },
      id: { type: 'integer' },
      properties: areaSummarySchema,
      geometry: geometrySchema,
    }),
  },
})

// The tree is at most five levels deep (city → grid), so its node schema is spelt out level by level.
const treeNode = <const C extends JSONSchema>(children: C) =>
  shape({ ...areaSummarySchema.properties, retired: { type: 'boolean' }, children })
const gridNode = treeNode({ type: 'array', maxItems: 0, description: 'A grid has no child areas' })
const communityNode = treeNode({ type: 'array', items: gridNode })
const streetNode = treeNode({ type: 'array', items: communityNode })
const districtNode = treeNode({ type: 'array', items: streetNode })
const cityNode = treeNode({ type: 'array', items: districtNode })
export const areaTreeSchema = shape({
  areas: {
    type: 'array',
    items: cityNode,
    description: 'The top areas (cities, or areas whose parent is left out), each with its subtree',
  },
})

export type AreaNode = AreaSummary & { retired: boolean; children: AreaNode[] }

export const newAreaBody = body(['parentId', 'code', 'nameZh', 'nameEn', 'boundary'], {
  parentId: id,
  level,
  code,
  nameZh: name,
  nameEn: name,
  timezone,
  boundary: boundarySchema,
})
export type NewArea = Input<typeof newAreaBody>

export const areaPatchBody = {
  type: 'object',
  additionalProperties: false,
  minProperties: 1,
  properties: { code, nameZh: name, nameEn: name, timezone, boundary: boundarySchema },
} as const
export type AreaPatch = Input<typeof areaPatchBody>

export const importBoundariesBody = body(['parentId', 'featureCollection'], {
  parentId: id,
  featureCollection: {
    type: 'object',
    required: ['type', 'features'],
    properties: {
      type: { const: 'FeatureCollection' },
      features: {
        type: 'array',
        maxItems: 5000,
        items: {
          type: 'object',
          required: ['type', 'geometry', 'properties'],
          properties: {
            type: { const: 'Feature' },
            geometry: boundarySchema,
            properties: {
              type: 'object',
              required: ['code', 'nameZh', 'nameEn'],
              properties: { code, nameZh: name, nameEn: name, parentCode: code },
            },
          },
        },
      },
    },
  },
})
export type BoundaryFeature = Input<typeof importBoundariesBody>['featureCollection']['features'][number]

// ── Use cases ─────────────────────────────────────────────────────────────────────────────────

const summaryColumns = ['id', 'parent_id', 'level', 'code', 'name_zh', 'name_en'] as const
type SummaryRow = { id: number; parent_id: number | null; level: Level; code: string; name_zh: string; name_en: string }
const presentSummary = (r: SummaryRow): AreaSummary => ({
  id: r.id,
  parentId: r.parent_id,
  level: r.level,
  code: r.code,
  nameZh: r.name_zh,
  nameEn: r.name_en,
})

async function loadArea(tx: Tx, id: number, field: string | null = null) {
  const row = await tx
    .selectFrom('area')
    .select([...summaryColumns, 'path', 'retired_at', 'timezone'])
    .where('id', '=', id)
    .executeTakeFirst()
  if (!row) throw notFound('AREA_NOT_FOUND', `area ${id}`, field)
  return row
}

/** The materialised path of an area ('/1/4/17/'), or AREA_NOT_FOUND naming `field`. */
export async function areaPathOf(tx: Tx, areaId: number, field: string | null = 'areaId'): Promise<string> {
  return (await loadArea(tx, areaId, field)).path
}

/** Admin rights are checked here for a clear 403; row-level security enforces them again. */
function requireAdminOn(ctx: RequestContext, path: string): void {
  requireActor(ctx)
  if (!holds(ctx.actor, ['admin'], path)) throw new AppError('FORBIDDEN', 'requires the admin role on this area')
}

export async function areaTree(tx: Tx, includeRetired: boolean): Promise<AreaNode[]> {
  let q = tx
    .selectFrom('area')
    .select([...summaryColumns, 'retired_at'])
    .orderBy('code')
  if (!includeRetired) q = q.where('retired_at', 'is', null)
  const rows = await q.execute()
  const nodes = new Map<number, AreaNode>()
  for (const r of rows) nodes.set(r.id, { ...presentSummary(r), retired: r.retired_at !== null, children: [] })
  const roots: AreaNode[] = []
  for (const n of nodes.values()) {
    const parent = n.parentId === null ? undefined : nodes.get(n.parentId)
    if (parent) parent.children.push(n)
    else roots.push(n)
  }
  return roots
}

async function ancestorsOf(tx: Tx, path: string, selfId: number): Promise<AreaSummary[]> {
  const ids = path
    .split('/')
    .filter(Boolean)
    .map(Number)
    .filter((id) => id !== selfId)
  if (ids.length === 0) return []
  const rows = await tx.selectFrom('area').select(summaryColumns).where('id', 'in', ids).execute()
  const byId = new Map(rows.map((r) => [r.id, presentSummary(r)]))
  return ids.map((id) => byId.get(id)!).filter(Boolean)
}

export async function areaDetail(tx: Tx, id: number): Promise<Output<typeof areaDetailSchema>> {
  const row = await tx
    .selectFrom('area')
    .select([...summaryColumns, 'path', 'retired_at', 'timezone'])
    .select([boundaryAsGeoJson().as('boundary'), boundaryAreaM2().as('area_m2')])
    .where('id', '=', id)
    .executeTakeFirst()
  if (!row) throw notFound('AREA_NOT_FOUND', `area ${id}`)
  return {
    ...presentSummary(row),
    timezone: row.timezone,
    retiredAt: row.retired_at ? row.retired_at.toISOString() : null,
    areaM2: row.area_m2,
    boundary: row.boundary,
    ancestors: await ancestorsOf(tx, row.path, row.id),
  }
}

export async function locate(tx: Tx, lng: number, lat: number): Promise<Output<typeof locationSchema>> {
  const grid = await gridAt(tx, lng, lat)
  if (!grid) throw new AppError('AREA_OUTSIDE_ALL_GRIDS', `no grid contains (${lng}, ${lat})`, 'lng')
  const row = await loadArea(tx, grid.id)
  return { grid: presentSummary(row), ancestors: await ancestorsOf(tx, row.path, row.id) }
}

/** Boundaries of `within`'s children (or of its descendants at `level`) as a FeatureCollection. */
export async function boundaries(
  tx: Tx,
  within: number,
  level: Level | undefined,
): Promise<Output<typeof boundariesSchema>> {
  const parent = await loadArea(tx, within, 'within')
  let q = tx
    .selectFrom('area')
    .select([...summaryColumns, boundaryAsGeoJson().as('boundary')])
    .where('retired_at', 'is', null)
    .orderBy('code')
  q = level ? q.where('level', '=', level).where('path', 'like', `${parent.path}%`) : q.where('parent_id', '=', within)
  const rows = await q.execute()
  return {
    type: 'FeatureCollection',
    features: rows.map((r) => ({
      type: 'Feature',
      id: r.id,
      properties: presentSummary(r),
      geometry: r.boundary,
    })),
  }
}

/** Coverage is a heavy computation: staff run it for the areas they work in. */
export async function areaCoverage(tx: Tx, ctx: RequestContext, id: number) {
  const area = await loadArea(tx, id)
  if (!holds(ctx.actor, staffRoles, area.path))
    throw new AppError('FORBIDDEN', 'you can check coverage only inside your areas')
  return coverage(tx, id)
}

export async function createArea(tx: Tx, ctx: RequestContext, input: NewArea, field = '') {
  const parent = await loadArea(tx, input.parentId, `${field}parentId`)
  requireAdminOn(ctx, parent.path)
  if (parent.retired_at) throw new AppError('VALIDATION_FAILED', 'the parent area is retired', `${field}parentId`)
  const level = childLevel(parent.level)
  if (!level) throw new AppError('AREA_LEVEL_MISMATCH', 'a grid cannot have child areas', `${field}parentId`)
  if (input.level && input.level !== level) {
    throw new AppError('AREA_LEVEL_MISMATCH', `a child of a ${parent.level} must be a ${level}`, `${field}level`)
  }
  await checkBoundary(tx, input.boundary, `${field}boundary`)
  const created = await tx
    .insertInto('area')
    .values({
      parent_id: parent.id,
      level,
      code: input.code,
      name_zh: input.nameZh,
      name_en: input.nameEn,
      path: '',
      boundary: boundaryFromGeoJson(input.boundary),
      ...(input.timezone ? { timezone: input.timezone } : { timezone: parent.timezone }),
    })
    .returning('id')
    .executeTakeFirstOrThrow()
  await recordAudit(tx, ctx, {
    action: 'area.create',
    entityType: 'area',
    entityId: created.id,
    areaId: created.id,
    detail: { code: input.code, parentId: parent.id, level },
  })
  return areaDetail(tx, created.id)
}

export async function updateArea(tx: Tx, ctx: RequestContext, id: number, patch: AreaPatch) {
  const area = await loadArea(tx, id)
  requireAdminOn(ctx, area.path)
  if (patch.boundary) await checkBoundary(tx, patch.boundary, 'boundary')
  await tx
    .updateTable('area')
    .set({
      ...(patch.code !== undefined ? { code: patch.code } : {}),
      ...(patch.nameZh !== undefined ? { name_zh: patch.nameZh } : {}),
      ...(patch.nameEn !== undefined ? { name_en: patch.nameEn } : {}),
      ...(patch.timezone !== undefined ? { timezone: patch.timezone } : {}),
      ...(patch.boundary ? { boundary: boundaryFromGeoJson(patch.boundary) } : {}),
      updated_at: sql`now()`,
    })
    .where('id', '=', id)
    .execute()
  const changed = Object.keys(patch)
  await recordAudit(tx, ctx, {
    action: 'area.update',
    entityType: 'area',
    entityId: id,
    areaId: id,
    detail: { changed },
  })
  return areaDetail(tx, id)
}

/** Moves an area (and its subtree) under another parent of the level above it. */
export async function moveArea(tx: Tx, ctx: RequestContext, id: number, parentId: number) {
  const area = await loadArea(tx, id)
  const parent = await loadArea(tx, parentId, 'parentId')
  requireAdminOn(ctx, area.path)
  requireAdminOn(ctx, parent.path)
  if (parent.path.startsWith(area.path)) {
    throw new AppError('AREA_CYCLE', 'an area cannot move under itself or one of its descendants', 'parentId')
  }
  if (childLevel(parent.level) !== area.level) {
    throw new AppError(
      'AREA_LEVEL_MISMATCH',
      `a ${area.level} must sit under a ${levels[levels.indexOf(area.level) - 1]}`,
      'parentId',
    )
  }
  if (parent.retired_at) throw new AppError('VALIDATION_FAILED', 'the new parent is retired', 'parentId')
  const newPath = `${parent.path}${id}/`
  await tx.updateTable('area').set({ parent_id: parentId, updated_at: sql`now()` }).where('id', '=', id).execute()
  await tx
    .updateTable('area')
    .set({ path: sql`${newPath} || substr(path, ${area.path.length + 1})` })
    .where('path', 'like', `${area.path}%`)
    .execute()
  await recordAudit(tx, ctx, {
    action: 'area.move',
    entityType: 'area',
    entityId: id,
    areaId: id,
    detail: { from: area.parent_id, to: parentId },
  })
  return areaDetail(tx, id)
}

export async function retireArea(tx: Tx, ctx: RequestContext, id: number) {
  const area = await loadArea(tx, id)
  requireAdminOn(ctx, area.path)
  const active = await tx
    .selectFrom('area')
    .select('id')
    .where('parent_id', '=', id)
    .where('retired_at', 'is', null)
    .limit(1)
    .executeTakeFirst()
  if (active) throw new AppError('AREA_HAS_ACTIVE_CHILDREN', 'retire or move the child areas first', 'id')
  if (!area.retired_at) {
    await tx.updateTable('area').set({ retired_at: sql`now()`, updated_at: sql`now()` }).where('id', '=', id).execute()
    await recordAudit(tx, ctx, { action: 'area.retire', entityType: 'area', entityId: id, areaId: id })
  }
  return areaDetail(tx, id)
}

/**
 * Imports a FeatureCollection under `parentId`: features whose code exists get their boundary and
 * names replaced, the others are created. All or nothing: the first bad feature names itself.
 */
export async function importBoundaries(tx: Tx, ctx: RequestContext, parentId: number, features: BoundaryFeature[]) {
  let created = 0
  let updated = 0
  for (const [i, f] of features.entries()) {
    const field = `features[${i}].`
    const existing = await tx
      .selectFrom('area')
      .select(['id', 'path'])
      .where('code', '=', f.properties.code)
      .executeTakeFirst()
    if (existing) {
      try {
        await updateArea(tx, ctx, existing.id, {
          boundary: f.geometry,
          nameZh: f.properties.nameZh,
          nameEn: f.properties.nameEn,
        })
      } catch (err) {
        if (err instanceof AppError && err.field === 'boundary')
          throw new AppError(err.code, err.message, `${field}geometry`)
        throw err
      }
      updated++
      continue
    }
    let parent = parentId
    if (f.properties.parentCode) {
      const p = await tx.selectFrom('area').select('id').where('code', '=', f.properties.parentCode).executeTakeFirst()
      if (!p)
        throw notFound('AREA_NOT_FOUND', `parent area ${f.properties.parentCode}`, `${field}properties.parentCode`)
      parent = p.id
    }
    try {
      await createArea(
        tx,
        ctx,
        {
          parentId: parent,
          code: f.properties.code,
          nameZh: f.properties.nameZh,
          nameEn: f.properties.nameEn,
          boundary: f.geometry,
        },
        field,
      )
    } catch (err) {
      if (err instanceof AppError && err.field === `${field}boundary`)
        throw new AppError(err.code, err.message, `${field}geometry`)
      throw err
    }
    created++
  }
  return { created, updated }
}

export interface JurisdictionFeature {
  type: 'Feature'
  geometry: AreaGeometry
  properties: {
    code: string
    nameZh: string
    nameEn: string
    level: Level
    parentCode?: string | null
    timezone?: string
  }
}

/**
 * Loads a whole jurisdiction (root city included) from a FeatureCollection, as the operator at
 * install time: parents before children, upsert by code, all or nothing.
 */
export async function importJurisdiction(tx: Tx, features: JurisdictionFeature[]) {
  const operator: RequestContext = {
    ip: 'cli',
    actor: {
      userId: 0,
      username: 'operator',
      displayName: 'operator',
      grants: [{ role: 'admin', areaId: 0, path: '/' }],
    },
  }
  const ordered = features
    .map((f, i) => ({ f, i }))
    .sort((a, b) => levels.indexOf(a.f.properties.level) - levels.indexOf(b.f.properties.level))
  let created = 0
  let updated = 0
  for (const { f, i } of ordered) {
    const field = `features[${i}].`
    const props = f.properties
    if (!props || !levels.includes(props.level))
      throw new AppError('VALIDATION_FAILED', `level must be one of ${levels.join(', ')}`, `${field}properties.level`)
    const existing = await tx.selectFrom('area').select('id').where('code', '=', props.code).executeTakeFirst()
    if (existing) {
      await updateArea(tx, operator, existing.id, { boundary: f.geometry, nameZh: props.nameZh, nameEn: props.nameEn })
      updated++
    } else if (props.level === 'city') {
      await checkBoundary(tx, f.geometry, `${field}geometry`)
      const row = await tx
        .insertInto('area')
        .values({
          parent_id: null,
          level: 'city',
          code: props.code,
          name_zh: props.nameZh,
          name_en: props.nameEn,
          path: '',
          boundary: boundaryFromGeoJson(f.geometry),
          ...(props.timezone ? { timezone: props.timezone } : {}),
        })
        .returning('id')
        .executeTakeFirstOrThrow()
      await recordAudit(tx, operator, {
        action: 'area.create',
        entityType: 'area',
        entityId: row.id,
        areaId: row.id,
        detail: { code: props.code, level: 'city', via: 'cli' },
      })
      created++
    } else {
      const parent = props.parentCode
        ? await tx.selectFrom('area').select('id').where('code', '=', props.parentCode).executeTakeFirst()
        : undefined
      if (!parent)
        throw notFound(
          'AREA_NOT_FOUND',
          `parent area ${props.parentCode ?? '(none given)'}`,
          `${field}properties.parentCode`,
        )
      await createArea(
        tx,
        operator,
        {
          parentId: parent.id,
          level: props.level,
          code: props.code,
          nameZh: props.nameZh,
          nameEn: props.nameEn,
          boundary: f.geometry,
          ...(props.timezone ? { timezone: props.timezone } : {}),
        },
        field,
      )
      created++
    }
  }
  return { created, updated }
}

/** An area as records name it to the screens (a notice's, a meeting's, a facility's area). */
export const areaRefSchema = shape({
  id: { type: 'integer' },
  code: { type: 'string' },
  nameZh: { type: 'string' },
  nameEn: { type: 'string' },
})
export type AreaRef = Output<typeof areaRefSchema>

/** The area of a row that selected it as area_id, area_code, area_name_zh and area_name_en. */
export const areaRef = (r: { area_id: number; area_code: string; area_name_zh: string; area_name_en: string }) => ({
  id: r.area_id,
  code: r.area_code,
  nameZh: r.area_name_zh,
  nameEn: r.area_name_en,
})
