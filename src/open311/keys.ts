import { randomBytes } from 'node:crypto'
import { sha256Hex } from '../core/privacy.js'
import { sql } from 'kysely'
import { recordAudit } from '../audit/service.js'
import type { Db, Tx } from '../core/db.js'
import { AppError, notFound } from '../core/errors.js'
import type { Input, Output } from '../core/http.js'
import { offsetOf, pageQuerySchema, paginate } from '../core/paging.js'
import { body, shape, text } from '../core/schemas.js'
import { asSystem, holds, requireActor, type RequestContext } from '../core/scope.js'
import { areaPathOf } from '../jurisdiction/service.js'

// API keys identify Open311 client applications. Only the SHA-256 of a key is stored; the plain key
// is returned once, by the create call. A key belongs to an area: it may file service requests
// located inside that area only, and only the administrators of the area (or above) manage it.

/** The demo city's published key (valid for the whole city JZ), seeded with the demo data. */
export const DEMO_API_KEY = 'grassroots-demo-key'

export const hashApiKey = (key: string) => sha256Hex(key)

const PREFIX_LENGTH = 10

const at = { type: 'string', format: 'date-time' } as const
const atOrNull = { type: ['string', 'null'], format: 'date-time' } as const
const apiKeyProperties = {
  id: { type: 'integer' },
  name: { type: 'string' },
  keyPrefix: { type: 'string' },
  area: shape({
    id: { type: 'integer' },
    code: { type: 'string' },
    nameZh: { type: 'string' },
    nameEn: { type: 'string' },
  }),
  createdAt: at,
  revokedAt: atOrNull,
  lastUsedAt: atOrNull,
} as const
export const apiKeySchema = shape(apiKeyProperties)
export type ApiKeyView = Output<typeof apiKeySchema>
/** The answer to issuing a key: the plain key in the first answer only. */
export const newApiKeySchema = shape({
  ...apiKeyProperties,
  key: {
    type: ['string', 'null'],
    description: 'the plain key, in the first answer only; only its SHA-256 is stored',
  },
})

export const apiKeyQuery = {
  type: 'object',
  additionalProperties: false,
  properties: { ...pageQuerySchema, areaId: { type: 'integer', minimum: 1 } },
} as const
export type ApiKeyFilter = Input<typeof apiKeyQuery>

export const newApiKeyBody = body(['name', 'areaId'], { name: text(100), areaId: { type: 'integer', minimum: 1 } })
export type NewApiKey = Input<typeof newApiKeyBody>

type KeyRow = {
  id: number
  name: string
  key_prefix: string
  area_id: number
  area_code: string
  area_name_zh: string
  area_name_en: string
  created_at: Date
  revoked_at: Date | null
  last_used_at: Date | null
}

const present = (r: KeyRow): ApiKeyView => ({
  id: r.id,
  name: r.name,
  keyPrefix: r.key_prefix,
  area: { id: r.area_id, code: r.area_code, nameZh: r.area_name_zh, nameEn: r.area_name_en },
  createdAt: r.created_at.toISOString(),
  revokedAt: r.revoked_at ? r.revoked_at.toISOString() : null,
  lastUsedAt: r.last_used_at ? r.last_used_at.toISOString() : null,
})

function keyQuery(tx: Tx) {
  return tx
    .selectFrom('api_key as k')
    .innerJoin('area as a', 'a.id', 'k.area_id')
    .select([
      'k.id',
      'k.name',
      'k.key_prefix',
      'k.area_id',
      'a.code as area_code',
      'a.name_zh as area_name_zh',
      'a.name_en as area_name_en',
      'k.created_at',
      'k.revoked_at',
      'k.last_used_at',
    ])
}

/** The keys the caller administers (row-level security hides the others). */
export async function listApiKeys(tx: Tx, f: ApiKeyFilter) {
  let q = keyQuery(tx)
  if (f.areaId !== undefined) q = q.where('a.path', 'like', `${await areaPathOf(tx, f.areaId, 'areaId')}%`)
  const total = await q.clearSelect().select(sql<number>`count(*)`.as('n')).executeTakeFirstOrThrow()
  const rows = await q.orderBy('k.id').limit(f.pageSize).offset(offsetOf(f)).execute()
  return paginate(f, rows.map(present), Number(total.n))
}

/** Issues a key for an area the caller administers; the plain key is in the answer and nowhere else. */
export async function createApiKey(
  tx: Tx,
  ctx: RequestContext,
  input: NewApiKey,
  now: Date,
): Promise<Output<typeof newApiKeySchema>> {
  const actor = requireActor(ctx)
  const area = await tx
    .selectFrom('area')
    .select(['id', 'path', 'retired_at'])
    .where('id', '=', input.areaId)
    .executeTakeFirst()
  if (!area || area.retired_at) throw notFound('AREA_NOT_FOUND', `area ${input.areaId}`, 'areaId')
  if (!holds(actor, ['admin'], area.path))
    throw new AppError('FORBIDDEN', 'requires the admin role on this area', 'areaId')
  const key = `gr311_${randomBytes(24).toString('base64url')}`
  const row = await tx
    .insertInto('api_key')
    .values({
      key_hash: hashApiKey(key),
      key_prefix: key.slice(0, PREFIX_LENGTH),
      name: input.name,
      area_id: area.id,
      created_by: actor.userId,
      created_at: now,
    })
    .returning('id')
    .executeTakeFirstOrThrow()
  await recordAudit(tx, ctx, {
    action: 'api_key.create',
    entityType: 'api_key',
    entityId: row.id,
    areaId: area.id,
    detail: { name: input.name, keyPrefix: key.slice(0, PREFIX_LENGTH) },
  })
  const view = await keyQuery(tx).where('k.id', '=', row.id).executeTakeFirstOrThrow()
  return { ...present(view), key }
}

/** Revokes a key at once; revoking a revoked key changes nothing. */
export async function revokeApiKey(
  tx: Tx,
  ctx: RequestContext,
  id: number,
  reason: string | undefined,
  now: Date,
): Promise<ApiKeyView> {
  const actor = requireActor(ctx)
  const row = await keyQuery(tx).select('a.path').where('k.id', '=', id).executeTakeFirst()
  if (!row) throw notFound('NOT_FOUND', `api key ${id}`)
  if (!holds(actor, ['admin'], row.path)) throw new AppError('FORBIDDEN', 'requires the admin role on the key’s area')
  if (!row.revoked_at) {
    await tx
      .updateTable('api_key')
      .set({ revoked_at: now })
      .where('id', '=', id)
      .where('revoked_at', 'is', null)
      .execute()
    await recordAudit(tx, ctx, {
      action: 'api_key.revoke',
      entityType: 'api_key',
      entityId: id,
      areaId: row.area_id,
      detail: { name: row.name, ...(reason ? { reason } : {}) },
    })
  }
  return present((await keyQuery(tx).where('k.id', '=', id).executeTakeFirstOrThrow()) as KeyRow)
}

export interface ApiKeyIdentity {
  id: number
  name: string
  areaId: number
  areaPath: string
  areaCode: string
  areaNameZh: string
  areaNameEn: string
}

/**
 * The key behind a plain API key, or null when it is unknown, revoked or its area retired. Runs
 * as the owner: the caller is not known yet. Records when the key was last used.
 */
export async function apiKeyIdentity(db: Db, key: string, now: Date): Promise<ApiKeyIdentity | null> {
  return asSystem(db, async (tx) => {
    const row = await tx
      .selectFrom('api_key as k')
      .innerJoin('area as a', 'a.id', 'k.area_id')
      .select([
        'k.id',
        'k.name',
        'k.area_id',
        'k.revoked_at',
        'a.path',
        'a.code',
        'a.name_zh',
        'a.name_en',
        'a.retired_at',
      ])
      .where('k.key_hash', '=', hashApiKey(key))
      .executeTakeFirst()
    if (!row || row.revoked_at || row.retired_at) return null
    await tx.updateTable('api_key').set({ last_used_at: now }).where('id', '=', row.id).execute()
    return {
      id: row.id,
      name: row.name,
      areaId: row.area_id,
      areaPath: row.path,
      areaCode: row.code,
      areaNameZh: row.name_zh,
      areaNameEn: row.name_en,
    }
  })
}

/**
 * Seeds the demo city's Open311 key `grassroots-demo-key` for the whole city (area JZ). Call it
 * inside the demo seeder's transaction; running it twice changes nothing.
 */
export async function seedOpen311Demo(tx: Tx, now = new Date()): Promise<void> {
  const city = await tx.selectFrom('area').select('id').where('code', '=', 'JZ').executeTakeFirst()
  if (!city) return
  await tx
    .insertInto('api_key')
    .values({
      key_hash: hashApiKey(DEMO_API_KEY),
      key_prefix: DEMO_API_KEY.slice(0, PREFIX_LENGTH),
      name: 'Demo Open311 client',
      area_id: city.id,
      created_by: null,
      created_at: now,
    })
    .onConflict((oc) => oc.column('key_hash').doNothing())
    .execute()
}
