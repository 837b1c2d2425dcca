import { stringify as stringifyCsv } from 'csv-stringify/sync'
import { requireTagsFit } from './care-tags.js'
import { sql, type Selectable } from 'kysely'
import { areaPathOf } from '../jurisdiction/service.js'
import { DateTime } from 'luxon'
import { recordAudit } from '../audit/service.js'
import { sealPhone as sealCorePhone, type FieldCipher } from '../core/crypto.js'
import type { Tx } from '../core/db.js'
import { AppError, invalid, notFound } from '../core/errors.js'
import type { Input, Output } from '../core/http.js'
import { offsetOf, pageQuerySchema, paginate, type Page, type PageRequest } from '../core/paging.js'
import { body, date, id, nullable, shape, text, timestamp } from '../core/schemas.js'
import type { RequestContext } from '../core/scope.js'
import { checkDate, checkIdNumber, idTypes, maskIdNumber, normalisePhone, type IdType } from './identity.js'
import {
  diff,
  exportRoles,
  historyEntrySchema,
  historyOf,
  inSubtree,
  placementOf,
  recordHistory,
  requireRoleOver,
  revealRoles,
  snapshotAt,
  writerRoles,
  type Placement,
} from './records.js'
import type { DB } from '../core/schema.js'
import { containing, startingWith } from '../core/like.js'
import {
  dayOrNull,
  idNumber as idNumberSchema,
  orNull,
  phone as phoneSchema,
  purpose,
  reason,
  strings,
  version,
} from './schemas.js'

export const residenceStatuses = ['registered', 'floating', 'abroad'] as const
export const personStatuses = ['active', 'moved_out', 'deceased', 'merged'] as const
export const careTags = [
  'elderly_alone',
  'elderly',
  'disabled',
  'low_income',
  'left_behind_child',
  'key_care',
  'veteran',
  'pregnant',
] as const
export const sexes = ['male', 'female', 'unknown'] as const

/**
 * Field classification (docs/registry.md): what each field of a person is and therefore who sees
 * it how. Highly sensitive fields are encrypted at rest and masked in every answer.
 */
export const personFieldClass = {
  name: 'internal',
  sex: 'internal',
  residenceStatus: 'internal',
  status: 'internal',
  areaId: 'internal',
  birthDate: 'sensitive',
  address: 'sensitive',
  registeredPlace: 'sensitive',
  tags: 'sensitive',
  household: 'sensitive',
  movedInOn: 'sensitive',
  movedOutOn: 'sensitive',
  diedOn: 'sensitive',
  idNumber: 'highly_sensitive',
  phone: 'highly_sensitive',
} as const

export type PersonRow = Selectable<DB['person']>

/** A person as every answer shows them: the ID number and phone masked. */
export const personSchema = shape({
  id: { type: 'integer' },
  areaId: { type: 'integer' },
  name: { type: 'string' },
  idType: { type: 'string' },
  idNumber: {
    type: 'string',
    description: 'Masked (110105********002X); in clear only through POST /api/v1/people/{id}/reveal',
  },
  sex: { type: 'string' },
  birthDate: dayOrNull,
  phone: { type: ['string', 'null'], description: 'Masked (138****5678)' },
  registeredPlace: nullable('string'),
  residenceStatus: { type: 'string' },
  address: nullable('string'),
  dwellingId: nullable('integer'),
  movedInOn: dayOrNull,
  movedOutOn: dayOrNull,
  diedOn: dayOrNull,
  status: { type: 'string' },
  tags: strings,
  mergedIntoId: nullable('integer'),
  version: { type: 'integer' },
  createdAt: timestamp,
  updatedAt: timestamp,
})
export type PersonView = Output<typeof personSchema>

/** The columns a view is made of; a past version (from its history snapshot) holds its timestamps as text. */
type ViewRow = Omit<PersonRow, 'id_number_enc' | 'phone_enc' | 'id_number_bidx' | 'phone_bidx'>
const at = (v: Date | string) => (typeof v === 'string' ? v : v.toISOString())

/** Masked by construction: the view never holds a decrypted value. */
export function presentPerson(r: ViewRow): PersonView {
  return {
    id: r.id,
    areaId: r.area_id,
    name: r.name,
    idType: r.id_type,
    idNumber: r.id_number_masked,
    sex: r.sex,
    birthDate: r.birth_date,
    phone: r.phone_masked,
    registeredPlace: r.registered_place,
    residenceStatus: r.residence_status,
    address: r.address,
    dwellingId: r.dwelling_id,
    movedInOn: r.moved_in_on,
    movedOutOn: r.moved_out_on,
    diedOn: r.died_on,
    status: r.status,
    tags: r.tags,
    mergedIntoId: r.merged_into_id,
    version: r.version,
    createdAt: at(r.created_at),
    updatedAt: at(r.updated_at),
  }
}

const viewColumns = [
  'id',
  'area_id',
  'district_id',
  'name',
  'id_type',
  'id_number_masked',
  'sex',
  'birth_date',
  'phone_masked',
  'registered_place',
  'residence_status',
  'address',
  'dwelling_id',
  'moved_in_on',
  'moved_out_on',
  'died_on',
  'status',
  'tags',
  'merged_into_id',
  'version',
  'created_at',
  'updated_at',
] as const

const REGISTRY_ZONE = 'Asia/Shanghai'
/** The calendar day in the platform's time zone (China Standard Time): what "today" means to a registrar. */
export const today = (now: Date) => DateTime.fromJSDate(now).setZone(REGISTRY_ZONE).toISODate()!

export interface SealedIdentity {
  id_type: string
  id_number_enc: Buffer
  id_number_bidx: string
  id_number_masked: string
}

export function sealIdNumber(cipher: FieldCipher, type: IdType, number: string): SealedIdentity {
  return {
    id_type: type,
    id_number_enc: cipher.encrypt(number),
    id_number_bidx: cipher.blindIndex('id', number),
    id_number_masked: maskIdNumber(type, number),
  }
}

/** The person columns of a sealed phone. */
export function sealPhone(cipher: FieldCipher, phone: string | null) {
  const p = sealCorePhone(cipher, phone)
  return { phone_enc: p.enc, phone_bidx: p.bidx, phone_masked: p.masked }
}

/** The blind indexes among `bidx` that belong to someone, visible to the caller or not. */
export async function idsTaken(tx: Tx, bidx: string[]): Promise<Set<string>> {
  if (bidx.length === 0) return new Set()
  const { rows } = await sql<{ b: string }>`select app_person_ids_taken(${bidx}::text[]) as b`.execute(tx)
  return new Set(rows.map((r) => r.b))
}

const tagList = { type: 'array', maxItems: 10, items: { type: 'string', enum: careTags } } as const

export const newPersonBody = body(['name', 'idNumber', 'residenceStatus'], {
  areaId: id,
  dwellingId: id,
  name: text(100),
  idType: { type: 'string', enum: idTypes },
  idNumber: idNumberSchema,
  sex: { type: 'string', enum: sexes },
  birthDate: date,
  phone: phoneSchema,
  registeredPlace: text(300),
  residenceStatus: { type: 'string', enum: residenceStatuses },
  address: text(300),
  movedInOn: date,
  tags: tagList,
  reason,
})
export type NewPerson = Input<typeof newPersonBody>

/** Checks a new person's identity fields; the resident ID decides birth date and sex. */
export function checkIdentity(input: Pick<NewPerson, 'idType' | 'idNumber' | 'sex' | 'birthDate'>, now: Date) {
  const day = today(now)
  const type = input.idType ?? 'resident_id'
  const { number, facts } = checkIdNumber(type, input.idNumber, day)
  let birthDate = input.birthDate !== undefined ? checkDate(input.birthDate, 'birthDate', day) : null
  let sex: string = input.sex ?? 'unknown'
  if (facts) {
    if (birthDate !== null && birthDate !== facts.birthDate)
      throw invalid('birthDate', 'does not match the birth date in the resident ID')
    if (input.sex !== undefined && input.sex !== 'unknown' && input.sex !== facts.sex)
      throw invalid('sex', 'does not match the sex encoded in the resident ID')
    birthDate = facts.birthDate
    sex = facts.sex
  }
  return { type, number, birthDate, sex }
}

async function dwellingPlacement(tx: Tx, dwellingId: number): Promise<Placement> {
  const d = await tx
    .selectFrom('dwelling as d')
    .innerJoin('area as a', 'a.id', 'd.area_id')
    .select(['d.area_id', 'd.district_id', 'a.path'])
    .where('d.id', '=', dwellingId)
    .executeTakeFirst()
  if (!d) throw notFound('NOT_FOUND', `dwelling ${dwellingId}`, 'dwellingId')
  return { areaId: d.area_id, districtId: d.district_id, path: d.path }
}

/** Where a person is filed: their dwelling's grid, else the named community or grid. */
async function personPlacement(
  tx: Tx,
  input: { dwellingId?: number | null | undefined; areaId?: number | undefined },
): Promise<Placement> {
  if (input.dwellingId != null) return dwellingPlacement(tx, input.dwellingId)
  if (input.areaId === undefined)
    throw invalid('areaId', 'give the community or grid the person lives in (or a dwelling)')
  return placementOf(tx, input.areaId)
}

/** `tags` when each fits the person's age and sex on the registry's today (422 PERSON_TAG_MISMATCH otherwise). */
function fitTags(tags: string[], birthDate: string | null, sex: string | null, now: Date): string[] {
  requireTagsFit(tags, birthDate, sex, today(now))
  return tags
}

function checkTags(tags: string[] | undefined): string[] {
  const list = [...new Set(tags ?? [])]
  const unknown = list.find((t) => !(careTags as readonly string[]).includes(t))
  if (unknown) throw invalid('tags', `unknown tag ${unknown}; known: ${careTags.join(', ')}`)
  return list.sort()
}

export async function createPerson(
  tx: Tx,
  ctx: RequestContext,
  cipher: FieldCipher,
  input: NewPerson,
  now: Date,
): Promise<PersonView> {
  const place = await personPlacement(tx, input)
  requireRoleOver(ctx, writerRoles, place, 'registering a person')
  const identity = checkIdentity(input, now)
  const phone = input.phone !== undefined ? normalisePhone(input.phone) : null
  const movedInOn = input.movedInOn !== undefined ? checkDate(input.movedInOn, 'movedInOn', today(now)) : null
  const bidx = cipher.blindIndex('id', identity.number)
  if ((await idsTaken(tx, [bidx])).size) {
    const visible = await tx.selectFrom('person').select('id').where('id_number_bidx', '=', bidx).executeTakeFirst()
    throw new AppError(
      'CONFLICT',
      visible
        ? 'a person with this ID number is already registered'
        : 'a person with this ID number is registered in another area; record the move there',
      'idNumber',
      {},
      visible ? { personId: visible.id } : null,
    )
  }
  const row = await tx
    .insertInto('person')
    .values({
      area_id: place.areaId,
      district_id: place.districtId,
      name: input.name.trim(),
      ...sealIdNumber(cipher, identity.type, identity.number),
      sex: identity.sex,
      birth_date: identity.birthDate,
      ...sealPhone(cipher, phone),
      registered_place: input.registeredPlace ?? null,
      residence_status: input.residenceStatus,
      address: input.address ?? null,
      dwelling_id: input.dwellingId ?? null,
      moved_in_on: movedInOn,
      moved_out_on: null,
      died_on: null,
      tags: fitTags(checkTags(input.tags), identity.birthDate, identity.sex, now),
      merged_into_id: null,
      created_at: now,
      updated_at: now,
    })
    .returning(viewColumns)
    .executeTakeFirstOrThrow()
  await recordHistory(tx, ctx, {
    entity: 'person',
    id: row.id,
    areaId: row.area_id,
    action: 'create',
    reason: input.reason ?? null,
    at: now,
  })
  await recordAudit(tx, ctx, { action: 'person.create', entityType: 'person', entityId: row.id, areaId: row.area_id })
  return presentPerson(row)
}

/** The person as the caller may see it (row-level security hides people outside their areas). */
export async function loadPerson(tx: Tx, id: number): Promise<PersonRow> {
  const row = await tx.selectFrom('person').selectAll().where('id', '=', id).executeTakeFirst()
  if (!row) throw notFound('PERSON_NOT_FOUND', `person ${id}`)
  return row
}

async function placementOfRow(tx: Tx, row: { area_id: number; district_id: number }): Promise<Placement> {
  return { areaId: row.area_id, districtId: row.district_id, path: await areaPathOf(tx, row.area_id) }
}

export const personCardSchema = shape({
  ...personSchema.properties,
  area: shape({
    id: { type: 'integer' },
    code: { type: 'string' },
    nameZh: { type: 'string' },
    nameEn: { type: 'string' },
  }),
  dwelling: orNull(
    shape({
      id: { type: 'integer' },
      buildingId: { type: 'integer' },
      building: { type: 'string' },
      unit: { type: 'string' },
      room: { type: 'string' },
    }),
  ),
  household: orNull(shape({ id: { type: 'integer' }, code: { type: 'string' }, relation: { type: 'string' } })),
  organisations: {
    type: 'array',
    items: shape({ id: { type: 'integer' }, name: { type: 'string' }, role: { type: 'string' } }),
  },
  asOf: { ...dayOrNull, description: 'The day the card shows the record as it stood; null for today' },
})
export type PersonCard = Output<typeof personCardSchema>

export async function personCard(
  tx: Tx,
  ctx: RequestContext,
  id: number,
  asOf: string | undefined,
  now: Date,
): Promise<PersonCard> {
  const current = await loadPerson(tx, id)
  let row: ViewRow = current
  if (asOf !== undefined) {
    checkDate(asOf, 'asOf', today(now))
    const snap = await snapshotAt(tx, 'person', id, asOf)
    if (!snap) throw new AppError('PERSON_NOT_FOUND', `person ${id} was not yet registered on ${asOf}`, 'asOf')
    row = snap as unknown as PersonRow
  }
  const area = await tx
    .selectFrom('area')
    .select(['id', 'code', 'name_zh', 'name_en'])
    .where('id', '=', row.area_id)
    .executeTakeFirstOrThrow()
  const dwelling = row.dwelling_id
    ? await tx
        .selectFrom('dwelling as d')
        .innerJoin('building as b', 'b.id', 'd.building_id')
        .select(['d.id', 'd.building_id', 'b.name', 'd.unit', 'd.room'])
        .where('d.id', '=', row.dwelling_id)
        .executeTakeFirst()
    : undefined
  const household = await tx
    .selectFrom('household_member as m')
    .innerJoin('household as h', 'h.id', 'm.household_id')
    .select(['h.id', 'h.code', 'm.relation'])
    .where('m.person_id', '=', id)
    .executeTakeFirst()
  const organisations = await tx
    .selectFrom('person_organisation as po')
    .innerJoin('organisation as o', 'o.id', 'po.organisation_id')
    .select(['o.id', 'o.name', 'po.role'])
    .where('po.person_id', '=', id)
    .orderBy('o.name')
    .execute()
  await recordAudit(tx, ctx, {
    action: 'person.read',
    entityType: 'person',
    entityId: id,
    areaId: current.area_id,
    detail: asOf ? { asOf } : {},
  })
  return {
    ...presentPerson(row),
    area: { id: area.id, code: area.code, nameZh: area.name_zh, nameEn: area.name_en },
    dwelling: dwelling
      ? {
          id: dwelling.id,
          buildingId: dwelling.building_id,
          building: dwelling.name,
          unit: dwelling.unit,
          room: dwelling.room,
        }
      : null,
    household: household ? { id: household.id, code: household.code, relation: household.relation } : null,
    organisations,
    asOf: asOf ?? null,
  }
}

export const revealableFields = ['idNumber', 'phone'] as const

export const revealBody = body(['fields', 'purpose'], {
  fields: {
    type: 'array',
    minItems: 1,
    maxItems: 2,
    uniqueItems: true,
    items: { type: 'string', enum: revealableFields },
  },
  purpose,
  asOf: date,
})

/** Only the fields asked for, in clear. */
export const revealedSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    idNumber: { type: 'string', description: 'In clear' },
    phone: { type: ['string', 'null'], description: 'In clear; null when none is recorded' },
  },
} as const
export type Revealed = Output<typeof revealedSchema>

/**
 * Shows ID number and/or phone in clear to a caller whose role allows it, for a stated purpose,
 * and writes the reveal (who, what, why) to the audit trail in the same transaction.
 */
export async function revealPerson(
  tx: Tx,
  ctx: RequestContext,
  cipher: FieldCipher,
  id: number,
  fields: readonly (typeof revealableFields)[number][],
  purpose: string,
  asOf: string | undefined,
  now: Date,
): Promise<Revealed> {
  const row = await loadPerson(tx, id)
  requireRoleOver(ctx, revealRoles, await placementOfRow(tx, row), 'revealing an ID number or phone')
  if (purpose.trim().length < 4) throw invalid('purpose', 'state why you need to see this (at least 4 characters)')
  let source: { id_number_enc: unknown; phone_enc: unknown } = row
  if (asOf !== undefined) {
    checkDate(asOf, 'asOf', today(now))
    const snap = await snapshotAt(tx, 'person', id, asOf)
    if (!snap) throw new AppError('PERSON_NOT_FOUND', `person ${id} was not yet registered on ${asOf}`, 'asOf')
    source = snap as { id_number_enc: unknown; phone_enc: unknown }
  }
  const open = (v: unknown) =>
    v == null
      ? null
      : cipher.decrypt(typeof v === 'string' ? Buffer.from(v.replace(/^\\x/, ''), 'hex') : (v as Uint8Array))
  const out: Revealed = {}
  if (fields.includes('idNumber')) out.idNumber = open(source.id_number_enc)!
  if (fields.includes('phone')) out.phone = open(source.phone_enc)
  await recordAudit(tx, ctx, {
    action: 'person.reveal',
    entityType: 'person',
    entityId: id,
    areaId: row.area_id,
    purpose: purpose.trim(),
    detail: { fields: [...fields], ...(asOf ? { asOf } : {}) },
  })
  return out
}

export const personPatchBody = body(['version', 'reason'], {
  version,
  reason,
  name: text(100),
  sex: { type: 'string', enum: sexes },
  birthDate: date,
  phone: { ...phoneSchema, type: ['string', 'null'] },
  registeredPlace: { type: ['string', 'null'], maxLength: 300 },
  residenceStatus: { type: 'string', enum: residenceStatuses },
  address: { type: ['string', 'null'], maxLength: 300 },
  dwellingId: { ...id, type: ['integer', 'null'] },
  areaId: id,
  tags: tagList,
})
export type PersonPatch = Input<typeof personPatchBody>

const trackedFields = [
  'area_id',
  'name',
  'sex',
  'birth_date',
  'phone_masked',
  'registered_place',
  'residence_status',
  'address',
  'dwelling_id',
  'tags',
  'status',
  'moved_in_on',
  'moved_out_on',
  'died_on',
  'id_type',
  'id_number_masked',
] as const

async function writePerson(
  tx: Tx,
  ctx: RequestContext,
  before: PersonRow,
  changes: Partial<PersonRow> & Record<string, unknown>,
  version: number,
  action: string,
  reason: string,
  now: Date,
): Promise<PersonView> {
  if (version !== before.version)
    throw new AppError(
      'CONFLICT',
      `the person was changed meanwhile (version ${before.version}); reload and retry`,
      'version',
      {},
      { version: before.version },
    )
  // New tags, or a new birth date or sex under the old tags: the tags must still fit the person.
  if (changes.tags !== undefined || changes.birth_date !== undefined || changes.sex !== undefined)
    fitTags(
      (changes.tags as string[] | undefined) ?? before.tags,
      (changes.birth_date as string | null | undefined) ?? before.birth_date,
      (changes.sex as string | undefined) ?? before.sex,
      now,
    )
  const updated = await tx
    .updateTable('person')
    .set({ ...(changes as object), version: before.version + 1, updated_at: now })
    .where('id', '=', before.id)
    .where('version', '=', version)
    .returning(viewColumns)
    .executeTakeFirst()
  if (!updated) throw new AppError('CONFLICT', 'the person was changed meanwhile; reload and retry', 'version')
  const changed = diff(
    before as unknown as Record<string, unknown>,
    updated as unknown as Record<string, unknown>,
    trackedFields,
  )
  await recordHistory(tx, ctx, {
    entity: 'person',
    id: before.id,
    areaId: updated.area_id,
    action,
    reason,
    changes: changed,
    at: now,
  })
  await recordAudit(tx, ctx, {
    action: `person.${action}`,
    entityType: 'person',
    entityId: before.id,
    areaId: updated.area_id,
    detail: { fields: Object.keys(changed), reason },
  })
  return presentPerson(updated)
}

export async function updatePerson(
  tx: Tx,
  ctx: RequestContext,
  cipher: FieldCipher,
  id: number,
  patch: PersonPatch,
  now: Date,
): Promise<PersonView> {
  const before = await loadPerson(tx, id)
  const place = await placementOfRow(tx, before)
  requireRoleOver(ctx, writerRoles, place, 'changing a person')
  if (before.status === 'merged')
    throw new AppError('CONFLICT', `person ${id} was merged into person ${before.merged_into_id}`, null)
  const changes: Record<string, unknown> = {}
  if (patch.name !== undefined) changes.name = patch.name.trim()
  if (patch.birthDate !== undefined || patch.sex !== undefined) {
    if (before.id_type === 'resident_id')
      throw invalid(
        patch.birthDate !== undefined ? 'birthDate' : 'sex',
        'follows from the resident ID; correct the ID number instead',
      )
    if (patch.birthDate !== undefined) changes.birth_date = checkDate(patch.birthDate, 'birthDate', today(now))
    if (patch.sex !== undefined) changes.sex = patch.sex
  }
  if (patch.phone !== undefined)
    Object.assign(changes, sealPhone(cipher, patch.phone === null ? null : normalisePhone(patch.phone)))
  if (patch.registeredPlace !== undefined) changes.registered_place = patch.registeredPlace
  if (patch.residenceStatus !== undefined) changes.residence_status = patch.residenceStatus
  if (patch.address !== undefined) changes.address = patch.address
  if (patch.tags !== undefined) changes.tags = checkTags(patch.tags)
  if (patch.dwellingId !== undefined || patch.areaId !== undefined) {
    const target = await personPlacement(tx, {
      dwellingId: patch.dwellingId,
      areaId: patch.areaId ?? (patch.dwellingId === null ? before.area_id : undefined),
    })
    requireRoleOver(ctx, writerRoles, target, 'moving a person to this area')
    changes.area_id = target.areaId
    changes.district_id = target.districtId
    if (patch.dwellingId !== undefined) changes.dwelling_id = patch.dwellingId
  }
  return writePerson(tx, ctx, before, changes, patch.version, 'update', patch.reason, now)
}

export const lifeEvents = ['move_in', 'move_out', 'address_change', 'death', 'id_correction'] as const

export const lifeEventBody = body(['kind', 'on', 'reason', 'version'], {
  kind: { type: 'string', enum: lifeEvents },
  on: date,
  reason,
  version,
  areaId: id,
  dwellingId: id,
  address: text(300),
  residenceStatus: { type: 'string', enum: residenceStatuses },
  idType: { type: 'string', enum: idTypes },
  idNumber: idNumberSchema,
})
export type LifeEvent = Input<typeof lifeEventBody>

/** Moves in and out (floating-population registration and cancellation), address change, death, ID correction. */
export async function recordLifeEvent(
  tx: Tx,
  ctx: RequestContext,
  cipher: FieldCipher,
  id: number,
  e: LifeEvent,
  now: Date,
): Promise<PersonView> {
  const before = await loadPerson(tx, id)
  requireRoleOver(ctx, writerRoles, await placementOfRow(tx, before), 'recording a life event')
  const on = checkDate(e.on, 'on', today(now))
  const changes: Record<string, unknown> = {}
  const illegal = (why: string) => new AppError('CONFLICT', why, 'kind', {}, { status: before.status })
  if (before.status === 'merged') throw illegal(`person ${id} was merged into person ${before.merged_into_id}`)
  if (before.status === 'deceased' && e.kind !== 'id_correction') throw illegal('the person is recorded as deceased')
  switch (e.kind) {
    case 'move_in': {
      if (
        before.status === 'active' &&
        before.moved_out_on === null &&
        e.areaId === undefined &&
        e.dwellingId === undefined
      )
        throw illegal('the person already lives here; give the new area or dwelling')
      if (e.areaId !== undefined || e.dwellingId !== undefined) {
        const target = await personPlacement(tx, e)
        requireRoleOver(ctx, writerRoles, target, 'registering a move into this area')
        Object.assign(changes, {
          area_id: target.areaId,
          district_id: target.districtId,
          dwelling_id: e.dwellingId ?? null,
        })
      }
      Object.assign(changes, { status: 'active', moved_in_on: on, moved_out_on: null })
      if (e.address !== undefined) changes.address = e.address
      if (e.residenceStatus !== undefined) changes.residence_status = e.residenceStatus
      break
    }
    case 'move_out':
      if (before.status !== 'active') throw illegal('only a person living here can move out')
      Object.assign(changes, { status: 'moved_out', moved_out_on: on })
      break
    case 'address_change': {
      if (e.address === undefined && e.dwellingId === undefined)
        throw invalid('address', 'give the new address or dwelling')
      if (e.dwellingId !== undefined) {
        const target = await personPlacement(tx, { dwellingId: e.dwellingId })
        requireRoleOver(ctx, writerRoles, target, 'moving a person to this dwelling')
        Object.assign(changes, { area_id: target.areaId, district_id: target.districtId, dwelling_id: e.dwellingId })
      }
      if (e.address !== undefined) changes.address = e.address
      break
    }
    case 'death':
      Object.assign(changes, { status: 'deceased', died_on: on })
      break
    case 'id_correction': {
      if (e.idNumber === undefined) throw invalid('idNumber', 'give the corrected ID number')
      const identity = checkIdentity({ idType: e.idType ?? (before.id_type as IdType), idNumber: e.idNumber }, now)
      const sealed = sealIdNumber(cipher, identity.type, identity.number)
      if (sealed.id_number_bidx !== before.id_number_bidx && (await idsTaken(tx, [sealed.id_number_bidx])).size) {
        throw new AppError('CONFLICT', 'another person holds this ID number; merge the two records instead', 'idNumber')
      }
      Object.assign(changes, sealed)
      if (identity.type === 'resident_id') Object.assign(changes, { birth_date: identity.birthDate, sex: identity.sex })
      break
    }
  }
  return writePerson(tx, ctx, before, changes, e.version, e.kind, e.reason, now)
}

/** The query travels in the body so that ID numbers and phones never appear in URLs. */
export const personSearchBody = body([], {
  q: text(100),
  name: text(100),
  idNumber: idNumberSchema,
  phone: phoneSchema,
  address: text(100),
  tags: tagList,
  areaId: id,
  residenceStatus: { type: 'string', enum: residenceStatuses },
  status: { type: 'array', maxItems: 4, items: { type: 'string', enum: personStatuses } },
  ageFrom: { type: 'integer', minimum: 0, maximum: 150 },
  ageTo: { type: 'integer', minimum: 0, maximum: 150 },
  ...pageQuerySchema,
})
export type PersonSearch = Input<typeof personSearchBody>

export const personListItemSchema = shape({
  ...personSchema.properties,
  areaCode: { type: 'string' },
  areaName: { type: 'string' },
  score: { type: ['number', 'null'], description: 'Similarity of a fuzzy name or address match' },
})
export type PersonListItem = Output<typeof personListItemSchema>

/**
 * Finds people in the caller's areas. ID numbers and phones are found through their blind index
 * (exact, nothing is decrypted); names and addresses by trigram similarity. `q` is read as an ID
 * number, a phone or a name by its shape.
 */
export async function searchPeople(
  tx: Tx,
  ctx: RequestContext,
  cipher: FieldCipher,
  f: PersonSearch,
  now: Date,
): Promise<Page<PersonListItem>> {
  let { name, idNumber, phone } = f
  if (f.q !== undefined) {
    const q = f.q.trim()
    const compact = q.replace(/[\s-]/g, '')
    if (/^\d{17}[\dXx]$/.test(compact) || /^[A-Za-z]\d{7,9}$/.test(compact)) idNumber = compact
    else if (/^(\+?86)?(1[3-9]\d{9}|0\d{9,11})$/.test(compact)) phone = compact
    else name = q
  }
  let base = tx.selectFrom('person as p').innerJoin('area as a', 'a.id', 'p.area_id')
  if (idNumber !== undefined)
    base = base.where('p.id_number_bidx', '=', cipher.blindIndex('id', idNumber.replace(/[\s-]/g, '').toUpperCase()))
  if (phone !== undefined)
    base = base.where(
      'p.phone_bidx',
      '=',
      cipher.blindIndex('phone', normalisePhone(phone, f.q !== undefined ? 'q' : 'phone')),
    )
  // Names and addresses are matched by app_person_matches (see its migration: trigram indexes
  // cannot serve a query under row-level security); the caller's query then reads those ids.
  let match: { how: 'surname' | 'name' | 'name_part' | 'address'; q: string; pattern: string } | null = null
  if (name !== undefined) {
    const n = name.trim()
    if (!n) throw invalid('name', 'must not be empty')
    // One character is a surname: a prefix match. Two characters (most given names) match by
    // trigram similarity; from three on, also as a part of the name.
    match =
      n.length === 1
        ? { how: 'surname', q: n, pattern: startingWith(n) }
        : { how: n.length === 2 ? 'name' : 'name_part', q: n, pattern: containing(n) }
  } else if (f.address !== undefined) {
    const a = f.address.trim()
    if (!a) throw invalid('address', 'must not be empty')
    match = { how: 'address', q: a, pattern: containing(a) }
  }
  const under = f.areaId !== undefined ? await areaPathOf(tx, f.areaId) : null
  // How many people a name matches decides the plan (nested loop or hash join): never a generic one.
  if (match) await sql`select set_config('plan_cache_mode', 'force_custom_plan', true)`.execute(tx)
  if (match)
    base = base.innerJoin(
      sql<{
        id: number
        score: number
      }>`app_person_matches(${match.how}, ${match.q}, ${match.pattern}, ${under}, ${MATCH_CAP})`.as('m'),
      (j) => j.onRef('m.id', '=', 'p.id'),
    )
  if (f.address !== undefined && name !== undefined)
    base = base.where(sql<boolean>`p.address ilike ${containing(f.address.trim())}`)
  if (f.tags?.length) base = base.where(sql<boolean>`p.tags @> ${checkTags(f.tags)}::text[]`)
  if (f.residenceStatus !== undefined) base = base.where('p.residence_status', '=', f.residenceStatus)
  base = f.status?.length ? base.where('p.status', 'in', f.status) : base.where('p.status', '!=', 'merged')
  if (under !== null) base = base.where(sql<boolean>`p.area_id in (select id from area where path like ${`${under}%`})`)
  const day = today(now)
  if (f.ageFrom !== undefined)
    base = base.where('p.birth_date', '<=', sql<string>`(${day}::date - make_interval(years => ${f.ageFrom}))::date`)
  if (f.ageTo !== undefined)
    base = base.where('p.birth_date', '>', sql<string>`(${day}::date - make_interval(years => ${f.ageTo + 1}))::date`)
  const score = match && match.how !== 'surname' ? sql<number>`m.score` : sql<number | null>`null::real`
  const rows = await base
    .select(viewColumns.map((c) => `p.${c}` as const))
    .select([
      'a.code as area_code',
      'a.name_zh as area_name',
      score.as('score'),
      sql<number>`count(*) over ()`.as('total'),
    ])
    .orderBy(match && match.how !== 'surname' ? score : sql`p.name`, match && match.how !== 'surname' ? 'desc' : 'asc')
    .orderBy('p.id')
    .limit(f.pageSize)
    .offset(offsetOf(f))
    .execute()
  // A page past the end has no row to carry the total.
  const total =
    rows[0]?.total ?? (f.page > 1 ? (await base.select(sql<number>`count(*)`.as('n')).executeTakeFirstOrThrow()).n : 0)
  const searchedBy = [
    idNumber !== undefined && 'idNumber',
    phone !== undefined && 'phone',
    name !== undefined && 'name',
    f.address !== undefined && 'address',
  ].filter(Boolean)
  await recordAudit(tx, ctx, {
    action: 'person.search',
    entityType: 'person',
    areaId: f.areaId ?? null,
    detail: { by: searchedBy, results: total },
  })
  return paginate(
    f,
    rows.map((r) => ({
      ...presentPerson(r),
      areaCode: r.area_code,
      areaName: r.area_name,
      score: r.score === null ? null : Number(r.score),
    })),
    total,
  )
}

/** Fuzzy name and address searches consider at most this many candidates, the most similar first. */
export const MATCH_CAP = 1000

export const peopleExportQuery = {
  type: 'object',
  required: ['areaId'],
  additionalProperties: false,
  properties: {
    areaId: id,
    tags: tagList,
    status: { type: 'array', maxItems: 4, items: { type: 'string', enum: personStatuses } },
  },
} as const
export type PeopleExport = Input<typeof peopleExportQuery>

const exportColumns = [
  'id',
  'name',
  'idType',
  'idNumber',
  'sex',
  'birthDate',
  'phone',
  'residenceStatus',
  'address',
  'areaCode',
  'tags',
  'status',
] as const

/** The people of an area as CSV, masked, naming who made the export; the export is audited. */
export async function exportPeople(
  tx: Tx,
  ctx: RequestContext,
  cipher: FieldCipher,
  f: PeopleExport,
  now: Date,
): Promise<string> {
  requireRoleOver(ctx, exportRoles, { path: await areaPathOf(tx, f.areaId) }, 'exporting')
  const rows: unknown[][] = []
  for (let page = 1; ; page++) {
    const p = await searchPeople(
      tx,
      ctx,
      cipher,
      {
        areaId: f.areaId,
        ...(f.tags ? { tags: f.tags } : {}),
        ...(f.status ? { status: f.status } : {}),
        page,
        pageSize: 500,
      },
      now,
    )
    for (const r of p.items)
      rows.push([
        r.id,
        r.name,
        r.idType,
        r.idNumber,
        r.sex,
        r.birthDate,
        r.phone,
        r.residenceStatus,
        r.address,
        r.areaCode,
        r.tags.join(';'),
        r.status,
      ])
    if (page * 500 >= p.total) break
  }
  await recordAudit(tx, ctx, {
    action: 'person.export',
    entityType: 'person',
    areaId: f.areaId,
    detail: { rows: rows.length, masked: true },
  })
  return (
    `# Grassroots export of people, made by ${ctx.actor!.username} at ${now.toISOString()}; personal data, masked\n` +
    stringifyCsv([[...exportColumns], ...rows])
  )
}

export const personHistorySchema = shape({
  personId: { type: 'integer' },
  items: { type: 'array', items: historyEntrySchema },
})

/** The person's history with that of the records merged into them, newest first. */
export async function personHistory(tx: Tx, id: number): Promise<Output<typeof personHistorySchema>> {
  const row = await loadPerson(tx, id)
  const merged = await tx.selectFrom('person').select('id').where('merged_into_id', '=', id).execute()
  return { personId: row.id, items: await historyOf(tx, 'person', [id, ...merged.map((m) => m.id)]) }
}

export const duplicatePairSchema = shape({
  reason: { type: 'string', enum: ['same_name_and_birth_date', 'same_phone'] },
  a: personSchema,
  b: personSchema,
})
export type DuplicatePair = Output<typeof duplicatePairSchema>

/** Suspected duplicates in an area: same name and birth date, or same phone (by its blind index). */
export async function suspectedDuplicates(
  tx: Tx,
  page: PageRequest & { areaId?: number },
): Promise<Page<DuplicatePair>> {
  const scope = page.areaId !== undefined ? inSubtree(await areaPathOf(tx, page.areaId)) : sql<boolean>`true`
  const { rows } = await sql<{ a: number; b: number; reason: DuplicatePair['reason']; total: number }>`
    with live as (select id, name, birth_date, phone_bidx from person where status <> 'merged' and ${scope}),
    pairs as (
      select x.id as a, y.id as b, 'same_name_and_birth_date' as reason from live x join live y on x.name = y.name and x.birth_date = y.birth_date and x.id < y.id
      union
      select x.id, y.id, 'same_phone' from live x join live y on x.phone_bidx = y.phone_bidx and x.id < y.id
    )
    select a, b, min(reason) as reason, count(*) over () as total from pairs
    where not exists (select 1 from person_distinct d where d.person_a = pairs.a and d.person_b = pairs.b)
    group by a, b order by a, b limit ${page.pageSize} offset ${offsetOf(page)}`.execute(tx)
  const ids = [...new Set(rows.flatMap((r) => [r.a, r.b]))]
  const people = ids.length ? await tx.selectFrom('person').select(viewColumns).where('id', 'in', ids).execute() : []
  const byId = new Map(people.map((p) => [p.id, presentPerson(p)]))
  return paginate(
    page,
    rows.map((r) => ({ reason: r.reason, a: byId.get(r.a)!, b: byId.get(r.b)! })),
    rows[0]?.total ?? 0,
  )
}

/** An officer judged a suspected pair to be two different people: the pair leaves the list. */
export async function markDistinct(tx: Tx, ctx: RequestContext, ids: [number, number], now: Date): Promise<void> {
  const [x, y] = ids[0] < ids[1] ? ids : [ids[1], ids[0]]
  if (x === y) throw invalid('personB', 'must be another person')
  const a = await loadPerson(tx, x)
  await loadPerson(tx, y)
  requireRoleOver(ctx, writerRoles, await placementOfRow(tx, a), 'reviewing duplicates')
  await tx
    .insertInto('person_distinct')
    .values({ person_a: x, person_b: y, area_id: a.area_id, decided_by: ctx.actor!.userId, decided_at: now })
    .onConflict((oc) => oc.doNothing())
    .execute()
  await recordAudit(tx, ctx, {
    action: 'person.distinct',
    entityType: 'person',
    entityId: x,
    areaId: a.area_id,
    detail: { other: y },
  })
}

/**
 * Merges a duplicate into the surviving record: household membership, organisation links and
 * care visits move over, tags are united, a missing phone is taken over; the duplicate stays as a
 * 'merged' record pointing to the survivor, and both histories say so.
 */
export async function mergePerson(
  tx: Tx,
  ctx: RequestContext,
  duplicateId: number,
  intoId: number,
  reason: string,
  now: Date,
): Promise<PersonView> {
  if (duplicateId === intoId) throw invalid('intoId', 'must be another person')
  const dup = await loadPerson(tx, duplicateId)
  const into = await loadPerson(tx, intoId).catch(() => {
    throw notFound('PERSON_NOT_FOUND', `person ${intoId}`, 'intoId')
  })
  requireRoleOver(ctx, writerRoles, await placementOfRow(tx, dup), 'merging people')
  requireRoleOver(ctx, writerRoles, await placementOfRow(tx, into), 'merging people')
  if (dup.status === 'merged')
    throw new AppError('CONFLICT', `person ${duplicateId} was already merged into person ${dup.merged_into_id}`, null)
  if (into.status === 'merged')
    throw new AppError(
      'CONFLICT',
      `person ${intoId} was itself merged; merge into person ${into.merged_into_id}`,
      'intoId',
    )
  const intoHousehold = await tx
    .selectFrom('household_member')
    .select('household_id')
    .where('person_id', '=', intoId)
    .executeTakeFirst()
  if (intoHousehold) await tx.deleteFrom('household_member').where('person_id', '=', duplicateId).execute()
  else
    await tx
      .updateTable('household_member')
      .set({ person_id: intoId, area_id: into.area_id })
      .where('person_id', '=', duplicateId)
      .execute()
  await sql`insert into person_organisation (person_id, organisation_id, area_id, role)
            select ${intoId}, organisation_id, ${into.area_id}, role from person_organisation where person_id = ${duplicateId}
            on conflict do nothing`.execute(tx)
  await tx.deleteFrom('person_organisation').where('person_id', '=', duplicateId).execute()
  await tx.updateTable('care_visit').set({ person_id: intoId }).where('person_id', '=', duplicateId).execute()
  const merged = await tx
    .updateTable('person')
    .set({ status: 'merged', merged_into_id: intoId, version: dup.version + 1, updated_at: now })
    .where('id', '=', duplicateId)
    .returning('id')
    .executeTakeFirst()
  if (!merged) throw new AppError('CONFLICT', 'the person was changed meanwhile; reload and retry', null)
  await recordHistory(tx, ctx, {
    entity: 'person',
    id: duplicateId,
    areaId: dup.area_id,
    action: 'merged_into',
    reason,
    changes: { status: { from: dup.status, to: 'merged' }, merged_into_id: { from: null, to: intoId } },
    at: now,
  })
  const changes: Record<string, unknown> = { tags: [...new Set([...into.tags, ...dup.tags])].sort() }
  if (!into.phone_enc && dup.phone_enc)
    Object.assign(changes, {
      phone_enc: Buffer.from(dup.phone_enc),
      phone_bidx: dup.phone_bidx,
      phone_masked: dup.phone_masked,
    })
  const survivor = await writePerson(tx, ctx, into, changes, into.version, 'merge', reason, now)
  await recordAudit(tx, ctx, {
    action: 'person.merge_from',
    entityType: 'person',
    entityId: intoId,
    areaId: into.area_id,
    detail: { duplicate: duplicateId },
  })
  return survivor
}

export const personViewColumns = viewColumns
