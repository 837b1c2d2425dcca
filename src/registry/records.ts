import { sql } from 'kysely'
import { AppError, notFound } from '../core/errors.js'
import type { Tx } from '../core/db.js'
import type { Output } from '../core/http.js'
import { nullable, shape, timestamp } from '../core/schemas.js'
import type { RequestContext } from '../core/scope.js'
import { holds, type Role } from '../core/scope.js'
import { gridAt } from '../jurisdiction/geometry.js'

// What every registry record shares: where it belongs (area and district), who may touch it, and
// its history.

export const entities = ['person', 'household', 'building', 'place', 'organisation'] as const
export type Entity = (typeof entities)[number]

export const readerRoles: readonly Role[] = ['admin', 'leader', 'staff', 'grid_worker']
export const writerRoles: readonly Role[] = ['admin', 'staff', 'grid_worker']
/** May see ID numbers and phones in clear, one stated purpose at a time. */
export const revealRoles: readonly Role[] = ['admin', 'leader', 'staff', 'grid_worker']
export const importRoles: readonly Role[] = ['admin', 'staff']
export const exportRoles: readonly Role[] = ['admin', 'leader', 'staff']

export interface Placement {
  areaId: number
  districtId: number
  path: string
}

export const districtOf = (path: string, fallback: number) => Number(path.split('/').filter(Boolean)[1] ?? fallback)

/** The area a record is filed under: a community/village or a grid, active. */
export async function placementOf(tx: Tx, areaId: number, field = 'areaId'): Promise<Placement> {
  const a = await tx
    .selectFrom('area')
    .select(['id', 'path', 'level'])
    .where('id', '=', areaId)
    .where('retired_at', 'is', null)
    .executeTakeFirst()
  if (!a) throw notFound('AREA_NOT_FOUND', `area ${areaId}`, field)
  if (a.level !== 'grid' && a.level !== 'community')
    throw new AppError('VALIDATION_FAILED', 'registry records are filed under a community or a grid', field)
  return { areaId: a.id, districtId: districtOf(a.path, a.id), path: a.path }
}

/** The grid a point lies in: buildings, places and organisations are located by their position. */
export async function placementAt(
  tx: Tx,
  location: { lng: number; lat: number },
  field = 'location',
): Promise<Placement> {
  const grid = await gridAt(tx, location.lng, location.lat)
  if (!grid) throw new AppError('AREA_OUTSIDE_ALL_GRIDS', 'the location lies outside every grid', field)
  return { areaId: grid.id, districtId: districtOf(grid.path, grid.id), path: grid.path }
}

export const pointSql = (p: { lng: number; lat: number }) =>
  sql<string>`ST_SetSRID(ST_MakePoint(${p.lng}, ${p.lat}), 4326)`
export const pointJson = (column: string) =>
  sql<{
    lng: number
    lat: number
  } | null>`case when ${sql.ref(column)} is null then null else json_build_object('lng', ST_X(${sql.ref(column)}), 'lat', ST_Y(${sql.ref(column)})) end`

/** A clear 403 before row-level security would silently hide or refuse the write. */
export function requireRoleOver(
  ctx: RequestContext,
  roles: readonly Role[],
  place: Pick<Placement, 'path'>,
  what: string,
): void {
  if (!ctx.actor) throw new AppError('AUTH_REQUIRED', 'sign in first')
  if (!holds(ctx.actor, roles, place.path))
    throw new AppError('FORBIDDEN', `${what} requires one of the roles ${roles.join(', ')} over the area`)
}

/** Restricts a query to records filed anywhere below the area (row-level security adds the caller's own limits). */
export const inSubtree = (path: string) => sql<boolean>`area_id in (select id from area where path like ${`${path}%`})`

export type Changes = Record<string, { from: unknown; to: unknown }>

/**
 * Appends a history entry with the record as it now stands (read by the database itself, so the
 * snapshot holds ciphertext, never a decrypted value).
 */
export async function recordHistory(
  tx: Tx,
  ctx: RequestContext,
  e: {
    entity: Entity
    id: number
    areaId: number
    action: string
    reason?: string | null | undefined
    changes?: Changes
    at: Date
  },
): Promise<void> {
  const table = e.entity === 'person' ? 'person' : e.entity
  await sql`
    insert into registry_history (entity, entity_id, area_id, at, actor_id, actor_name, action, reason, changes, snapshot)
    select ${e.entity}, ${e.id}, ${e.areaId}, ${e.at}, ${ctx.actor?.userId ?? null}, ${ctx.actor?.displayName ?? null}, ${e.action}, ${e.reason ?? null},
           ${JSON.stringify(e.changes ?? {})}::jsonb, to_jsonb(r) - 'location'
    from ${sql.table(table)} r where r.id = ${e.id}`.execute(tx)
}

export const historyEntrySchema = shape({
  id: { type: 'integer' },
  at: timestamp,
  actor: nullable('string'),
  action: { type: 'string' },
  reason: nullable('string'),
  changes: {
    type: 'object',
    description: 'Field (column) → old and new value; ID numbers and phones only masked',
    additionalProperties: {
      type: 'object',
      additionalProperties: false,
      properties: { from: { description: 'any JSON value' }, to: { description: 'any JSON value' } },
    },
  },
})
export type HistoryEntry = Output<typeof historyEntrySchema>

export async function historyOf(tx: Tx, entity: Entity, ids: number[]): Promise<HistoryEntry[]> {
  const rows = await tx
    .selectFrom('registry_history')
    .select(['id', 'at', 'actor_name', 'action', 'reason', 'changes'])
    .where('entity', '=', entity)
    .where('entity_id', 'in', ids)
    .orderBy('at', 'desc')
    .orderBy('id', 'desc')
    .limit(500)
    .execute()
  return rows.map((r) => ({
    id: r.id,
    at: r.at.toISOString(),
    actor: r.actor_name,
    action: r.action,
    reason: r.reason,
    changes: r.changes,
  }))
}

/** The record as it stood at the end of `day`, from the last history entry made by then. */
export async function snapshotAt(
  tx: Tx,
  entity: Entity,
  id: number,
  day: string,
): Promise<Record<string, unknown> | null> {
  const row = await tx
    .selectFrom('registry_history')
    .select('snapshot')
    .where('entity', '=', entity)
    .where('entity_id', '=', id)
    .where('at', '<', sql<Date>`(${day}::date + 1)::timestamptz`)
    .orderBy('at', 'desc')
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst()
  return row?.snapshot ?? null
}

/** Field-by-field differences between two plain records, for the history. */
export function diff(
  before: Record<string, unknown>,
  after: Record<string, unknown>,
  fields: readonly string[],
): Changes {
  const out: Changes = {}
  for (const f of fields) {
    const a = before[f] ?? null
    const b = after[f] ?? null
    if (JSON.stringify(a) !== JSON.stringify(b)) out[f] = { from: a, to: b }
  }
  return out
}
