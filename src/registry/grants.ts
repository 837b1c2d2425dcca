import { sql } from 'kysely'
import { areaPathOf } from '../jurisdiction/service.js'
import { recordAudit } from '../audit/service.js'
import type { FieldCipher } from '../core/crypto.js'
import type { Db, Tx } from '../core/db.js'
import { AppError, invalid, notFound } from '../core/errors.js'
import type { Input, Output } from '../core/http.js'
import { offsetOf, pageQuerySchema, paginate, type Page, type PageRequest } from '../core/paging.js'
import { body, id, nullable, shape, timestamp } from '../core/schemas.js'
import { asSystem, holds, type RequestContext } from '../core/scope.js'
import type { ApiKeyIdentity } from '../open311/keys.js'
import { entities, type Entity } from './records.js'
import { dayOrNull, iso, isoOrNull, position, purpose, strings } from './schemas.js'

// Data-sharing grants: an admin lets a department, or an outside system holding an API key, read
// named fields of one entity type in one area, for a stated purpose, until a date. Everything
// else is refused; every use is written to the audit trail with the grant's purpose.

/**
 * A shared record: its id and the fields its grant names. Closed, so the serializer drops
 * anything that is not a shareable field; a field added below must be declared here.
 */
export const sharedRecordSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['id'],
  description: 'The record’s id and only the fields the grant names (ID number and phone in clear)',
  properties: {
    id: { type: 'integer' },
    name: { type: 'string' },
    idNumber: { type: 'string' },
    phone: nullable('string'),
    sex: { type: 'string' },
    birthDate: dayOrNull,
    address: nullable('string'),
    registeredPlace: nullable('string'),
    residenceStatus: { type: 'string' },
    tags: strings,
    status: { type: 'string' },
    movedInOn: dayOrNull,
    diedOn: dayOrNull,
    code: { type: 'string' },
    memberCount: { type: 'integer' },
    kind: { type: 'string' },
    floors: nullable('integer'),
    location: position,
    uscc: nullable('string'),
    legalRepresentative: nullable('string'),
  },
} as const
type SharedRecord = Output<typeof sharedRecordSchema>
type SharedField = Exclude<keyof typeof sharedRecordSchema.properties, 'id'>

/** The fields a grant may name, per entity, and the SQL that yields each (ciphertext for the encrypted ones). */
const sharedColumns = {
  person: {
    name: 'r.name',
    idNumber: 'r.id_number_enc',
    phone: 'r.phone_enc',
    sex: 'r.sex',
    birthDate: 'r.birth_date',
    address: 'r.address',
    registeredPlace: 'r.registered_place',
    residenceStatus: 'r.residence_status',
    tags: 'r.tags',
    status: 'r.status',
    movedInOn: 'r.moved_in_on',
    diedOn: 'r.died_on',
  },
  household: {
    code: 'r.code',
    address: 'r.address',
    memberCount: '(select count(*) from household_member m where m.household_id = r.id)',
  },
  building: {
    code: 'r.code',
    name: 'r.name',
    kind: 'r.kind',
    address: 'r.address',
    floors: 'r.floors',
    location: "json_build_object('lng', ST_X(r.location), 'lat', ST_Y(r.location))",
  },
  place: {
    kind: 'r.kind',
    name: 'r.name',
    address: 'r.address',
    location: "json_build_object('lng', ST_X(r.location), 'lat', ST_Y(r.location))",
  },
  organisation: {
    kind: 'r.kind',
    name: 'r.name',
    uscc: 'r.uscc',
    legalRepresentative: 'r.legal_representative',
    address: 'r.address',
  },
} satisfies Record<Entity, Partial<Record<SharedField, string>>>
export const shareableFields: Record<Entity, Record<string, string>> = sharedColumns
const encrypted = new Set(['idNumber', 'phone'])

export const newGrantBody = body(['areaId', 'entity', 'fields', 'purpose', 'expiresAt'], {
  areaId: id,
  departmentId: id,
  apiKeyId: id,
  entity: { type: 'string', enum: entities },
  fields: {
    type: 'array',
    minItems: 1,
    maxItems: 30,
    uniqueItems: true,
    items: { type: 'string', maxLength: 40 },
  },
  purpose,
  expiresAt: { type: 'string', format: 'date-time' },
})
export type NewGrant = Input<typeof newGrantBody>

export const grantSchema = shape({
  id: { type: 'integer' },
  areaId: { type: 'integer' },
  departmentId: nullable('integer'),
  apiKeyId: nullable('integer'),
  grantee: { type: 'string', description: 'The department’s or the API key’s name' },
  entity: { type: 'string' },
  fields: strings,
  purpose: { type: 'string' },
  expiresAt: timestamp,
  createdAt: timestamp,
  revokedAt: { type: ['string', 'null'], format: 'date-time' },
  state: { type: 'string', enum: ['active', 'expired', 'revoked'] },
})
export type GrantView = Output<typeof grantSchema>

const grantQuery = (tx: Tx) =>
  tx
    .selectFrom('data_grant as g')
    .leftJoin('department as d', 'd.id', 'g.department_id')
    .select([
      'g.id',
      'g.area_id',
      'g.department_id',
      'g.api_key_id',
      'g.entity',
      'g.fields',
      'g.purpose',
      'g.expires_at',
      'g.created_at',
      'g.revoked_at',
      'd.name_zh as department_name',
    ])
    .select(sql<string | null>`(select k.name from api_key k where k.id = g.api_key_id)`.as('key_name'))

type GrantRow = Awaited<ReturnType<ReturnType<typeof grantQuery>['executeTakeFirstOrThrow']>>

function present(r: GrantRow, now: Date): GrantView {
  return {
    id: r.id,
    areaId: r.area_id,
    departmentId: r.department_id,
    apiKeyId: r.api_key_id,
    grantee: r.department_name ?? r.key_name ?? '',
    entity: r.entity,
    fields: r.fields,
    purpose: r.purpose,
    expiresAt: iso(r.expires_at),
    createdAt: iso(r.created_at),
    revokedAt: isoOrNull(r.revoked_at),
    state: r.revoked_at ? 'revoked' : r.expires_at <= now ? 'expired' : 'active',
  }
}

export async function createGrant(tx: Tx, ctx: RequestContext, input: NewGrant, now: Date): Promise<GrantView> {
  const path = await areaPathOf(tx, input.areaId)
  if (!holds(ctx.actor, ['admin'], path))
    throw new AppError('FORBIDDEN', 'only an admin of the area may share its data')
  const allowed = shareableFields[input.entity]
  const unknown = input.fields.find((f) => !(f in allowed))
  if (unknown)
    throw invalid(
      'fields',
      `${unknown} is not a field of ${input.entity}; shareable: ${Object.keys(allowed).join(', ')}`,
    )
  const expiresAt = new Date(input.expiresAt)
  if (Number.isNaN(expiresAt.getTime())) throw invalid('expiresAt', 'is not a date-time')
  if (expiresAt <= now) throw invalid('expiresAt', 'must lie in the future')
  if ((input.departmentId === undefined) === (input.apiKeyId === undefined))
    throw invalid('departmentId', 'name either a department or an API key')
  if (
    input.departmentId !== undefined &&
    !(await tx.selectFrom('department').select('id').where('id', '=', input.departmentId).executeTakeFirst())
  ) {
    throw notFound('DEPARTMENT_NOT_FOUND', `department ${input.departmentId}`, 'departmentId')
  }
  if (
    input.apiKeyId !== undefined &&
    !(await sql`select 1 from api_key where id = ${input.apiKeyId} and revoked_at is null`.execute(tx)).rows.length
  ) {
    throw notFound('NOT_FOUND', `API key ${input.apiKeyId}`, 'apiKeyId')
  }
  const { id } = await tx
    .insertInto('data_grant')
    .values({
      area_id: input.areaId,
      department_id: input.departmentId ?? null,
      api_key_id: input.apiKeyId ?? null,
      entity: input.entity,
      fields: [...new Set(input.fields)],
      purpose: input.purpose.trim(),
      expires_at: expiresAt,
      created_by: ctx.actor!.userId,
      created_at: now,
    })
    .returning('id')
    .executeTakeFirstOrThrow()
  await recordAudit(tx, ctx, {
    action: 'data_grant.create',
    entityType: 'data_grant',
    entityId: id,
    areaId: input.areaId,
    purpose: input.purpose,
    detail: {
      entity: input.entity,
      fields: input.fields,
      departmentId: input.departmentId ?? null,
      apiKeyId: input.apiKeyId ?? null,
      expiresAt,
    },
  })
  return present(await grantQuery(tx).where('g.id', '=', id).executeTakeFirstOrThrow(), now)
}

export async function listGrants(tx: Tx, f: PageRequest & { areaId?: number }, now: Date): Promise<Page<GrantView>> {
  let q = grantQuery(tx)
  if (f.areaId !== undefined)
    q = q.where(
      sql<boolean>`g.area_id in (select id from area where path like ${`${await areaPathOf(tx, f.areaId)}%`})`,
    )
  const rows = await q
    .select(sql<number>`count(*) over ()`.as('total'))
    .orderBy('g.id', 'desc')
    .limit(f.pageSize)
    .offset(offsetOf(f))
    .execute()
  return paginate(
    f,
    rows.map((r) => present(r, now)),
    rows[0]?.total ?? 0,
  )
}

export async function revokeGrant(tx: Tx, ctx: RequestContext, id: number, now: Date): Promise<GrantView> {
  const g = await grantQuery(tx).where('g.id', '=', id).executeTakeFirst()
  if (!g) throw notFound('GRANT_NOT_FOUND', `grant ${id}`)
  if (!holds(ctx.actor, ['admin'], await areaPathOf(tx, g.area_id)))
    throw new AppError('FORBIDDEN', 'only an admin of the area may revoke its grants')
  if (!g.revoked_at) {
    await tx
      .updateTable('data_grant')
      .set({ revoked_at: now, revoked_by: ctx.actor!.userId })
      .where('id', '=', id)
      .execute()
    await recordAudit(tx, ctx, {
      action: 'data_grant.revoke',
      entityType: 'data_grant',
      entityId: id,
      areaId: g.area_id,
    })
  }
  return present(await grantQuery(tx).where('g.id', '=', id).executeTakeFirstOrThrow(), now)
}

export const sharedQuery = {
  type: 'object',
  required: ['grantId'],
  additionalProperties: false,
  properties: { ...pageQuerySchema, grantId: id },
} as const

export const sharedPageSchema = shape({
  grantId: { type: 'integer' },
  entity: { type: 'string' },
  fields: strings,
  purpose: { type: 'string' },
  expiresAt: timestamp,
  items: { type: 'array', items: sharedRecordSchema },
  page: { type: 'integer' },
  pageSize: { type: 'integer' },
  total: { type: 'integer' },
})

/** Who asks for shared data: a signed-in department user, or an outside system by its API key. */
export type Grantee = { kind: 'department'; ctx: RequestContext } | { kind: 'api_key'; key: ApiKeyIdentity; ip: string }

/**
 * Reads shared records under one grant. The grant is checked here (grantee, expiry, revocation,
 * entity) and the query runs as the system confined to the grant's area subtree and fields,
 * because the grantee holds no registry role of its own.
 */
export async function readShared(
  db: Db,
  cipher: FieldCipher,
  who: Grantee,
  grantId: number,
  entity: Entity,
  page: PageRequest,
  now: Date,
): Promise<Output<typeof sharedPageSchema>> {
  return asSystem(db, async (tx) => {
    const g = await tx.selectFrom('data_grant').selectAll().where('id', '=', grantId).executeTakeFirst()
    const mine =
      g &&
      (who.kind === 'department'
        ? g.department_id !== null && g.department_id === who.ctx.actor?.departmentId
        : g.api_key_id === who.key.id)
    if (!g || !mine) throw notFound('GRANT_NOT_FOUND', `grant ${grantId} for this caller`, 'grantId')
    if (g.revoked_at) throw new AppError('GRANT_REVOKED', `grant ${grantId} was revoked`, 'grantId')
    if (g.expires_at <= now)
      throw new AppError('GRANT_EXPIRED', `grant ${grantId} expired on ${g.expires_at.toISOString()}`, 'grantId')
    if (g.entity !== entity)
      throw new AppError('GRANT_FIELD_NOT_ALLOWED', `grant ${grantId} covers ${g.entity}, not ${entity}`, 'entity')
    const path = await areaPathOf(tx, g.area_id)
    const columns = g.fields.map((f) => sql`${sql.raw(shareableFields[entity][f]!)} as ${sql.id(f)}`)
    const { rows } = await sql<Record<string, unknown> & { id: number; total: number }>`
      select r.id, ${sql.join(columns)}, count(*) over () as total
      from ${sql.table(entity)} r
      where r.area_id in (select id from area where path like ${`${path}%`})
        ${entity === 'person' ? sql`and r.status <> 'merged'` : sql``}
      order by r.id limit ${page.pageSize} offset ${offsetOf(page)}`.execute(tx)
    const items = rows.map(({ total: _total, ...r }) => {
      for (const f of g.fields) if (encrypted.has(f) && r[f] != null) r[f] = cipher.decrypt(r[f] as Uint8Array)
      // The columns are the grant's fields, each one of sharedRecordSchema's by sharedColumns' type.
      return r as SharedRecord
    })
    const ctx: RequestContext = who.kind === 'department' ? who.ctx : { actor: null, ip: who.ip }
    await recordAudit(tx, ctx, {
      action: 'data_grant.use',
      entityType: 'data_grant',
      entityId: g.id,
      areaId: g.area_id,
      purpose: g.purpose,
      detail: {
        entity,
        fields: g.fields,
        records: items.length,
        page: page.page,
        ...(who.kind === 'api_key' ? { apiKeyId: who.key.id } : {}),
      },
    })
    return {
      grantId: g.id,
      entity,
      fields: g.fields,
      purpose: g.purpose,
      expiresAt: iso(g.expires_at),
      items,
      page: page.page,
      pageSize: page.pageSize,
      total: rows[0]?.total ?? 0,
    }
  })
}
