import { sql } from 'kysely'
import { recordAudit } from '../audit/service.js'
import type { Tx } from '../core/db.js'
import { AppError, notFound, versionConflict } from '../core/errors.js'
import type { Input, Output } from '../core/http.js'
import { offsetOf, pageQuerySchema, paginate } from '../core/paging.js'
import { body, date as anyDate, id, nullable, orNull, shape, text, timestamp } from '../core/schemas.js'
import { holds, requireActor, type RequestContext } from '../core/scope.js'
import { areaRefSchema } from '../jurisdiction/service.js'
import { districtOf } from '../registry/records.js'
import { cobuildLists, cobuildStatuses, cobuildTopics, cobuildUnitKinds, partyKeepers } from './common.js'

// Joint co-building (共驻共建): agreements between a community and the units in it (a department,
// a school, a hospital, an enterprise of the registry…), and the three lists: the community's
// needs (需求清单), the units' resources (资源清单) and the projects (项目清单) that meet a need
// with a resource and are followed to completion. Read by the party readers on the community's
// branch (row-level security), kept by its admins, leaders and staff.

/** A calendar day of 1900–2099 (the database refuses the year 0, and nothing here is older or later). */
const date = { ...anyDate, pattern: '^(19|20)\\d{2}-\\d{2}-\\d{2}$' } as const
const version = { type: 'integer', minimum: 1, maximum: 2147483647 } as const
const nullableId = { type: ['integer', 'null'], minimum: 1, maximum: 2147483647 } as const
const nullableDate = { type: ['string', 'null'], format: 'date', pattern: '^(19|20)\\d{2}-\\d{2}-\\d{2}$' } as const
export const agreementStatuses = ['active', 'ended'] as const

// ── Schemas ───────────────────────────────────────────────────────────────────────────────────

const unitName = { type: 'string', minLength: 2, maxLength: 200 } as const
const itemTitle = { type: 'string', minLength: 2, maxLength: 150 } as const

export const newAgreementBody = body(['areaId', 'unitKind', 'unitName', 'signedOn'], {
  areaId: { ...id, description: 'The community (an area of level community)' },
  unitKind: { type: 'string', enum: cobuildUnitKinds },
  unitName,
  unitDepartmentId: { ...id, description: 'The unit when it is one of our departments' },
  unitOrganisationId: { ...id, description: 'The unit when it is an organisation of the registry' },
  unitPartyOrganisationId: { ...id, description: 'The unit’s own party organisation in the network' },
  contactName: text(50),
  signedOn: date,
  endsOn: date,
})
export type NewAgreement = Input<typeof newAgreementBody>

export const agreementPatchBody = body(['version'], {
  version,
  unitKind: { type: 'string', enum: cobuildUnitKinds },
  unitName,
  unitDepartmentId: nullableId,
  unitOrganisationId: nullableId,
  unitPartyOrganisationId: nullableId,
  contactName: { type: ['string', 'null'], minLength: 1, maxLength: 50 },
  signedOn: date,
  endsOn: nullableDate,
  status: {
    type: 'string',
    enum: agreementStatuses,
    description: 'ended: the agreement is over (endsOn defaults to today)',
  },
})
export type AgreementPatch = Input<typeof agreementPatchBody>

export const agreementQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    ...pageQuerySchema,
    areaId: { ...id, description: 'Agreements of communities in this area’s subtree' },
    status: { type: 'string', enum: agreementStatuses },
  },
} as const

const refSchema = orNull(shape({ id: { type: 'integer' }, name: { type: 'string' } }))

export const agreementSchema = shape({
  id: { type: 'integer' },
  area: areaRefSchema,
  unitKind: { type: 'string', enum: cobuildUnitKinds },
  unitName: { type: 'string' },
  unitDepartment: refSchema,
  unitOrganisation: refSchema,
  unitPartyOrganisation: refSchema,
  contactName: nullable('string'),
  signedOn: { type: 'string', format: 'date' },
  endsOn: { type: ['string', 'null'], format: 'date' },
  status: { type: 'string', enum: agreementStatuses },
  needs: { type: 'integer', description: 'Needs matched under it (open ones belong to the community)' },
  resources: { type: 'integer', description: 'Its resources (not cancelled)' },
  projects: { type: 'integer', description: 'Its projects (in progress or done)' },
  projectsDone: { type: 'integer' },
  version: { type: 'integer' },
  updatedAt: timestamp,
  canEdit: { type: 'boolean' },
})
export type AgreementView = Output<typeof agreementSchema>

export const itemSchema = shape({
  id: { type: 'integer' },
  area: areaRefSchema,
  list: { type: 'string', enum: cobuildLists },
  agreementId: nullable('integer'),
  unitName: { type: ['string', 'null'], description: 'The agreement’s unit' },
  topic: { type: 'string', enum: cobuildTopics },
  title: { type: 'string' },
  description: { type: 'string' },
  status: { type: 'string', enum: cobuildStatuses },
  need: orNull(shape({ id: { type: 'integer' }, title: { type: 'string' } })),
  resource: orNull(shape({ id: { type: 'integer' }, title: { type: 'string' } })),
  dueOn: { type: ['string', 'null'], format: 'date' },
  doneOn: { type: ['string', 'null'], format: 'date' },
  outcome: nullable('string'),
  beneficiaries: nullable('integer'),
  version: { type: 'integer' },
  createdAt: timestamp,
  updatedAt: timestamp,
  canEdit: { type: 'boolean' },
})
export type ItemView = Output<typeof itemSchema>

export const agreementDetailSchema = shape({
  ...agreementSchema.properties,
  items: {
    type: 'array',
    items: itemSchema,
    description: 'Its resources, projects (with their progress) and the needs they meet; at most 500',
  },
})
export type AgreementDetail = Output<typeof agreementDetailSchema>

export const itemQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    ...pageQuerySchema,
    areaId: { ...id, description: 'Items of communities in this area’s subtree' },
    list: { type: 'string', enum: cobuildLists },
    status: { type: 'string', enum: cobuildStatuses },
    topic: { type: 'string', enum: cobuildTopics },
    agreementId: id,
  },
} as const
export type ItemFilter = Input<typeof itemQuery>

export const newItemBody = body(['list', 'topic', 'title', 'description'], {
  list: {
    type: 'string',
    enum: cobuildLists,
    description: 'need or resource; a project is made by matching (POST /api/v1/party/cobuild/projects)',
  },
  areaId: { ...id, description: 'A need’s community (else the agreement’s)' },
  agreementId: { ...id, description: 'A resource’s agreement (required); optional for a need' },
  topic: { type: 'string', enum: cobuildTopics },
  title: itemTitle,
  description: text(4000),
  dueOn: date,
})
export type NewItem = Input<typeof newItemBody>

export const newProjectBody = body(['needId', 'resourceId'], {
  needId: { ...id, description: 'An open need' },
  resourceId: { ...id, description: 'An open resource of the same community; its agreement becomes the project’s' },
  title: { ...itemTitle, description: 'Default: the need’s title' },
  description: { ...text(4000), description: 'Default: the need’s description' },
  dueOn: date,
})
export type NewProject = Input<typeof newProjectBody>

export const itemPatchBody = body(['version'], {
  version,
  topic: { type: 'string', enum: cobuildTopics },
  title: itemTitle,
  description: text(4000),
  dueOn: nullableDate,
  status: {
    type: 'string',
    enum: ['cancelled', 'done'],
    description: 'cancelled: an open need or resource; done: a project in progress (doneOn and outcome required)',
  },
  doneOn: date,
  outcome: text(4000),
  beneficiaries: { type: 'integer', minimum: 0, maximum: 1000000 },
})
export type ItemPatch = Input<typeof itemPatchBody>

// ── Rows ──────────────────────────────────────────────────────────────────────────────────────

type AreaCols = { area_id: number; area_code: string; area_name_zh: string; area_name_en: string; area_path: string }

type AgreementRow = AreaCols & {
  id: number
  area_level: string
  unit_kind: (typeof cobuildUnitKinds)[number]
  unit_name: string
  unit_department_id: number | null
  unit_department_name: string | null
  unit_organisation_id: number | null
  unit_organisation_name: string | null
  unit_party_organisation_id: number | null
  unit_party_organisation_name: string | null
  contact_name: string | null
  signed_on: string
  ends_on: string | null
  status: (typeof agreementStatuses)[number]
  needs: number
  resources: number
  projects: number
  projects_done: number
  version: number
  updated_at: Date
}

const agreementSelect = sql`select g.id, g.area_id, a.code as area_code, a.name_zh as area_name_zh,
  a.name_en as area_name_en, a.path as area_path, a.level as area_level, g.unit_kind, g.unit_name,
  g.unit_department_id, d.name_zh as unit_department_name, g.unit_organisation_id, o.name as unit_organisation_name,
  g.unit_party_organisation_id, po.name as unit_party_organisation_name, g.contact_name, g.signed_on, g.ends_on,
  g.status, g.version, g.updated_at,
  (select count(*) from cobuild_item i where i.agreement_id = g.id and i.list = 'need')::int as needs,
  (select count(*) from cobuild_item i where i.agreement_id = g.id and i.list = 'resource'
     and i.status <> 'cancelled')::int as resources,
  (select count(*) from cobuild_item i where i.agreement_id = g.id and i.list = 'project')::int as projects,
  (select count(*) from cobuild_item i where i.agreement_id = g.id and i.list = 'project'
     and i.status = 'done')::int as projects_done
  from cobuild_agreement g join area a on a.id = g.area_id
  left join department d on d.id = g.unit_department_id
  left join organisation o on o.id = g.unit_organisation_id
  left join party_organisation po on po.id = g.unit_party_organisation_id`

const ref = (id: number | null, name: string | null) => (id === null ? null : { id: Number(id), name: name ?? '' })
const areaOf = (r: AreaCols) => ({ id: r.area_id, code: r.area_code, nameZh: r.area_name_zh, nameEn: r.area_name_en })
const keeps = (ctx: RequestContext, path: string) => holds(ctx.actor, partyKeepers, path)

function presentAgreement(ctx: RequestContext, r: AgreementRow): AgreementView {
  return {
    id: Number(r.id),
    area: areaOf(r),
    unitKind: r.unit_kind,
    unitName: r.unit_name,
    unitDepartment: ref(r.unit_department_id, r.unit_department_name),
    unitOrganisation: ref(r.unit_organisation_id, r.unit_organisation_name),
    unitPartyOrganisation: ref(r.unit_party_organisation_id, r.unit_party_organisation_name),
    contactName: r.contact_name,
    signedOn: r.signed_on,
    endsOn: r.ends_on,
    status: r.status,
    needs: r.needs,
    resources: r.resources,
    projects: r.projects,
    projectsDone: r.projects_done,
    version: r.version,
    updatedAt: new Date(r.updated_at).toISOString(),
    canEdit: keeps(ctx, r.area_path),
  }
}

type ItemRow = AreaCols & {
  id: number
  list: (typeof cobuildLists)[number]
  agreement_id: number | null
  unit_name: string | null
  agreement_status: string | null
  topic: (typeof cobuildTopics)[number]
  title: string
  description: string
  status: (typeof cobuildStatuses)[number]
  need_id: number | null
  need_title: string | null
  resource_id: number | null
  resource_title: string | null
  due_on: string | null
  done_on: string | null
  outcome: string | null
  beneficiaries: number | null
  version: number
  created_at: Date
  updated_at: Date
}

const itemSelect = sql`select i.id, i.area_id, a.code as area_code, a.name_zh as area_name_zh,
  a.name_en as area_name_en, a.path as area_path, i.list, i.agreement_id, g.unit_name, g.status as agreement_status,
  i.topic, i.title, i.description, i.status, i.need_id, n.title as need_title, i.resource_id,
  r.title as resource_title, i.due_on, i.done_on, i.outcome, i.beneficiaries, i.version, i.created_at, i.updated_at
  from cobuild_item i join area a on a.id = i.area_id
  left join cobuild_agreement g on g.id = i.agreement_id
  left join cobuild_item n on n.id = i.need_id
  left join cobuild_item r on r.id = i.resource_id`

function presentItem(ctx: RequestContext, r: ItemRow): ItemView {
  return {
    id: Number(r.id),
    area: areaOf(r),
    list: r.list,
    agreementId: r.agreement_id === null ? null : Number(r.agreement_id),
    unitName: r.unit_name,
    topic: r.topic,
    title: r.title,
    description: r.description,
    status: r.status,
    need: r.need_id === null ? null : { id: Number(r.need_id), title: r.need_title ?? '' },
    resource: r.resource_id === null ? null : { id: Number(r.resource_id), title: r.resource_title ?? '' },
    dueOn: r.due_on,
    doneOn: r.done_on,
    outcome: r.outcome,
    beneficiaries: r.beneficiaries,
    version: r.version,
    createdAt: new Date(r.created_at).toISOString(),
    updatedAt: new Date(r.updated_at).toISOString(),
    canEdit: keeps(ctx, r.area_path),
  }
}

// ── Helpers ───────────────────────────────────────────────────────────────────────────────────

const invalid = (field: string, message: string) => new AppError('COBUILD_INVALID', message, field)

function requireKeeper(ctx: RequestContext, path: string) {
  const actor = requireActor(ctx)
  if (!holds(actor, partyKeepers, path))
    throw new AppError('FORBIDDEN', 'only the admins, leaders and staff of the community keep its co-building')
  return actor
}

const conflict = (current: number) => versionConflict('PARTY_VERSION_CONFLICT', 'record', current)

/** Today as a calendar day in the platform's zone (China Standard Time). */
export const todayOf = (now: Date) => new Date(now.getTime() + 8 * 3_600_000).toISOString().slice(0, 10)

/** A community the caller keeps (403 first: whether it is a community is told only to its keepers). */
async function keptCommunity(tx: Tx, ctx: RequestContext, areaId: number, field = 'areaId') {
  const a = await tx.selectFrom('area').select(['id', 'path', 'level']).where('id', '=', areaId).executeTakeFirst()
  if (!a) throw notFound('AREA_NOT_FOUND', `area ${areaId}`, field)
  const actor = requireKeeper(ctx, a.path)
  if (a.level !== 'community') throw invalid(field, 'co-building is between a community and a unit: name a community')
  return { area: a, actor }
}

async function loadAgreementRow(tx: Tx, agreementId: number, field = 'id'): Promise<AgreementRow> {
  const { rows } = await sql<AgreementRow>`${agreementSelect} where g.id = ${agreementId}`.execute(tx)
  if (!rows[0]) throw notFound('COBUILD_NOT_FOUND', `agreement ${agreementId}`, field)
  return rows[0]
}

async function loadItemRow(tx: Tx, itemId: number, field = 'id'): Promise<ItemRow> {
  const { rows } = await sql<ItemRow>`${itemSelect} where i.id = ${itemId}`.execute(tx)
  if (!rows[0]) throw notFound('COBUILD_NOT_FOUND', `item ${itemId}`, field)
  return rows[0]
}

/** The unit's references must exist (and be visible to the caller); the party organisation must be on the branch. */
async function checkUnitRefs(
  tx: Tx,
  refs: {
    unitDepartmentId?: number | null
    unitOrganisationId?: number | null
    unitPartyOrganisationId?: number | null
  },
) {
  if (refs.unitDepartmentId != null) {
    const d = await tx.selectFrom('department').select('id').where('id', '=', refs.unitDepartmentId).executeTakeFirst()
    if (!d) throw invalid('unitDepartmentId', `no department ${refs.unitDepartmentId}`)
  }
  if (refs.unitOrganisationId != null) {
    const o = await tx
      .selectFrom('organisation')
      .select('id')
      .where('id', '=', refs.unitOrganisationId)
      .executeTakeFirst()
    if (!o) throw invalid('unitOrganisationId', `no registry organisation ${refs.unitOrganisationId}`)
  }
  if (refs.unitPartyOrganisationId != null) {
    const o = await tx
      .selectFrom('party_organisation')
      .select('id')
      .where('id', '=', refs.unitPartyOrganisationId)
      .executeTakeFirst()
    if (!o) throw invalid('unitPartyOrganisationId', `no party organisation ${refs.unitPartyOrganisationId}`)
  }
}

// ── Agreements ────────────────────────────────────────────────────────────────────────────────

export async function agreementView(tx: Tx, ctx: RequestContext, agreementId: number): Promise<AgreementView> {
  return presentAgreement(ctx, await loadAgreementRow(tx, agreementId))
}

/** The agreements the caller reads (row-level security), in a subtree, by status. */
export async function listAgreements(tx: Tx, ctx: RequestContext, q: Input<typeof agreementQuery>) {
  requireActor(ctx)
  const page = { page: q.page ?? 1, pageSize: q.pageSize ?? 50 }
  const path = q.areaId !== undefined ? await pathOf(tx, q.areaId) : null
  const where = sql`true ${path ? sql`and a.path like ${path} || '%'` : sql``}
    ${q.status ? sql`and g.status = ${q.status}` : sql``}`
  const { rows: count } = await sql<{ n: number }>`select count(*)::int as n
    from cobuild_agreement g join area a on a.id = g.area_id where ${where}`.execute(tx)
  const { rows } = await sql<AgreementRow>`${agreementSelect} where ${where}
    order by g.status, a.path, g.signed_on desc, g.id desc limit ${page.pageSize} offset ${offsetOf(page)}`.execute(tx)
  return paginate(
    page,
    rows.map((r) => presentAgreement(ctx, r)),
    count[0]?.n ?? 0,
  )
}

async function pathOf(tx: Tx, areaId: number) {
  const a = await tx.selectFrom('area').select('path').where('id', '=', areaId).executeTakeFirst()
  if (!a) throw notFound('AREA_NOT_FOUND', `area ${areaId}`, 'areaId')
  return a.path
}

/** An agreement with its resources, projects and the needs matched under it. */
export async function agreementDetail(tx: Tx, ctx: RequestContext, agreementId: number): Promise<AgreementDetail> {
  requireActor(ctx)
  const g = await loadAgreementRow(tx, agreementId)
  const { rows } = await sql<ItemRow>`${itemSelect} where i.agreement_id = ${g.id}
    order by case i.list when 'project' then 0 when 'resource' then 1 else 2 end,
      case i.status when 'in_progress' then 0 when 'open' then 1 when 'matched' then 2 when 'done' then 3 else 4 end,
      i.id desc limit 500`.execute(tx)
  return { ...presentAgreement(ctx, g), items: rows.map((r) => presentItem(ctx, r)) }
}

export async function createAgreement(tx: Tx, ctx: RequestContext, input: NewAgreement, now: Date) {
  const { area, actor } = await keptCommunity(tx, ctx, input.areaId)
  if (input.endsOn !== undefined && input.endsOn < input.signedOn)
    throw invalid('endsOn', 'the agreement cannot end before it is signed')
  await checkUnitRefs(tx, input)
  const made = await tx
    .insertInto('cobuild_agreement')
    .values({
      area_id: area.id,
      district_id: districtOf(area.path, area.id),
      unit_kind: input.unitKind,
      unit_name: input.unitName,
      unit_department_id: input.unitDepartmentId ?? null,
      unit_organisation_id: input.unitOrganisationId ?? null,
      unit_party_organisation_id: input.unitPartyOrganisationId ?? null,
      contact_name: input.contactName ?? null,
      signed_on: input.signedOn,
      ends_on: input.endsOn ?? null,
      status: 'active',
      created_by: actor.userId,
      created_at: now,
      updated_at: now,
    })
    .returning('id')
    .executeTakeFirstOrThrow()
  await recordAudit(tx, ctx, {
    action: 'cobuild.agreement.create',
    entityType: 'cobuild_agreement',
    entityId: made.id,
    areaId: area.id,
    detail: { unitKind: input.unitKind, unitName: input.unitName },
  })
  return agreementView(tx, ctx, made.id)
}

export async function updateAgreement(
  tx: Tx,
  ctx: RequestContext,
  agreementId: number,
  input: AgreementPatch,
  now: Date,
) {
  const g = await loadAgreementRow(tx, agreementId)
  requireKeeper(ctx, g.area_path)
  if (g.version !== input.version) throw conflict(g.version)
  await checkUnitRefs(tx, input)
  const status = input.status ?? g.status
  const signedOn = input.signedOn ?? g.signed_on
  let endsOn = input.endsOn !== undefined ? input.endsOn : g.ends_on
  if (status === 'ended' && g.status !== 'ended' && endsOn === null) endsOn = todayOf(now)
  if (endsOn !== null && endsOn < signedOn) throw invalid('endsOn', 'the agreement cannot end before it is signed')
  const changed = await tx
    .updateTable('cobuild_agreement')
    .set({
      ...(input.unitKind !== undefined ? { unit_kind: input.unitKind } : {}),
      ...(input.unitName !== undefined ? { unit_name: input.unitName } : {}),
      ...(input.unitDepartmentId !== undefined ? { unit_department_id: input.unitDepartmentId } : {}),
      ...(input.unitOrganisationId !== undefined ? { unit_organisation_id: input.unitOrganisationId } : {}),
      ...(input.unitPartyOrganisationId !== undefined
        ? { unit_party_organisation_id: input.unitPartyOrganisationId }
        : {}),
      ...(input.contactName !== undefined ? { contact_name: input.contactName } : {}),
      signed_on: signedOn,
      ends_on: endsOn,
      status,
      updated_at: now,
      version: g.version + 1,
    })
    .where('id', '=', g.id)
    .where('version', '=', g.version)
    .returning('id')
    .executeTakeFirst()
  if (!changed) throw conflict(g.version + 1)
  const { version: _v, ...fields } = input
  await recordAudit(tx, ctx, {
    action: 'cobuild.agreement.update',
    entityType: 'cobuild_agreement',
    entityId: g.id,
    areaId: g.area_id,
    detail: { fields: Object.keys(fields), status },
  })
  return agreementView(tx, ctx, g.id)
}

// ── Items ─────────────────────────────────────────────────────────────────────────────────────

export async function itemView(tx: Tx, ctx: RequestContext, itemId: number): Promise<ItemView> {
  return presentItem(ctx, await loadItemRow(tx, itemId))
}

/** The board's lists: what the caller reads, filtered; open and in progress first, newest first. */
export async function listItems(tx: Tx, ctx: RequestContext, q: ItemFilter) {
  requireActor(ctx)
  const page = { page: q.page ?? 1, pageSize: q.pageSize ?? 50 }
  const path = q.areaId !== undefined ? await pathOf(tx, q.areaId) : null
  const where = sql`true ${path ? sql`and a.path like ${path} || '%'` : sql``}
    ${q.list ? sql`and i.list = ${q.list}` : sql``} ${q.status ? sql`and i.status = ${q.status}` : sql``}
    ${q.topic ? sql`and i.topic = ${q.topic}` : sql``}
    ${q.agreementId !== undefined ? sql`and i.agreement_id = ${q.agreementId}` : sql``}`
  const { rows: count } = await sql<{ n: number }>`select count(*)::int as n
    from cobuild_item i join area a on a.id = i.area_id where ${where}`.execute(tx)
  const { rows } = await sql<ItemRow>`${itemSelect} where ${where}
    order by case i.status when 'in_progress' then 0 when 'open' then 1 when 'matched' then 2 when 'done' then 3 else 4 end,
      i.created_at desc, i.id desc limit ${page.pageSize} offset ${offsetOf(page)}`.execute(tx)
  return paginate(
    page,
    rows.map((r) => presentItem(ctx, r)),
    count[0]?.n ?? 0,
  )
}

/** A need of the community (an agreement optional) or a resource of an agreement; open. */
export async function createItem(tx: Tx, ctx: RequestContext, input: NewItem, now: Date): Promise<ItemView> {
  if (input.list === 'project')
    throw invalid('list', 'a project is made by matching a need with a resource (POST /api/v1/party/cobuild/projects)')
  let agreement: AgreementRow | null = null
  if (input.agreementId !== undefined) {
    agreement = await loadAgreementRow(tx, input.agreementId, 'agreementId')
    if (agreement.status !== 'active') throw invalid('agreementId', 'the agreement has ended')
  } else if (input.list === 'resource') throw invalid('agreementId', 'a resource belongs to an agreement: name it')
  const areaId = input.areaId ?? agreement?.area_id
  if (areaId === undefined) throw invalid('areaId', 'a need belongs to a community: name it')
  const { area, actor } = await keptCommunity(tx, ctx, areaId)
  if (agreement && agreement.area_id !== area.id)
    throw invalid('agreementId', 'the agreement is with another community')
  if (input.dueOn !== undefined && input.dueOn < todayOf(now)) throw invalid('dueOn', 'the due day has passed')
  const made = await tx
    .insertInto('cobuild_item')
    .values({
      area_id: area.id,
      district_id: districtOf(area.path, area.id),
      list: input.list,
      agreement_id: agreement?.id ?? null,
      topic: input.topic,
      title: input.title,
      description: input.description,
      status: 'open',
      due_on: input.dueOn ?? null,
      created_by: actor.userId,
      created_at: now,
      updated_at: now,
    })
    .returning('id')
    .executeTakeFirstOrThrow()
  await recordAudit(tx, ctx, {
    action: `cobuild.${input.list}.create`,
    entityType: 'cobuild_item',
    entityId: made.id,
    areaId: area.id,
    detail: { title: input.title, agreementId: agreement?.id ?? null },
  })
  return itemView(tx, ctx, made.id)
}

/**
 * Matches an open need with an open resource of the same community into a project in progress
 * under the resource's agreement; the need and the resource become matched (the need takes the
 * agreement). Each is changed only while still open, so two matches of one need cannot both win.
 */
export async function createProject(tx: Tx, ctx: RequestContext, input: NewProject, now: Date): Promise<ItemView> {
  const need = await loadItemRow(tx, input.needId, 'needId')
  const resource = await loadItemRow(tx, input.resourceId, 'resourceId')
  const actor = requireKeeper(ctx, need.area_path)
  requireKeeper(ctx, resource.area_path)
  if (need.list !== 'need') throw invalid('needId', `item ${need.id} is not a need`)
  if (resource.list !== 'resource') throw invalid('resourceId', `item ${resource.id} is not a resource`)
  if (need.status !== 'open') throw invalid('needId', `the need is ${need.status}, not open`)
  if (resource.status !== 'open') throw invalid('resourceId', `the resource is ${resource.status}, not open`)
  if (need.area_id !== resource.area_id)
    throw invalid('resourceId', 'the resource is offered to another community than the need’s')
  if (resource.agreement_status !== 'active') throw invalid('resourceId', 'the resource’s agreement has ended')
  if (need.agreement_id !== null && need.agreement_id !== resource.agreement_id)
    throw invalid('resourceId', 'the need belongs to another agreement than the resource')
  if (input.dueOn !== undefined && input.dueOn < todayOf(now)) throw invalid('dueOn', 'the due day has passed')
  const take = async (row: ItemRow, field: string, extra: { agreement_id?: number }) => {
    const done = await tx
      .updateTable('cobuild_item')
      .set({ status: 'matched', updated_at: now, version: row.version + 1, ...extra })
      .where('id', '=', row.id)
      .where('status', '=', 'open')
      .returning('id')
      .executeTakeFirst()
    if (!done) throw invalid(field, 'it was matched or cancelled meanwhile')
  }
  await take(need, 'needId', { agreement_id: Number(resource.agreement_id) })
  await take(resource, 'resourceId', {})
  const made = await tx
    .insertInto('cobuild_item')
    .values({
      area_id: need.area_id,
      district_id: districtOf(need.area_path, need.area_id),
      list: 'project',
      agreement_id: resource.agreement_id,
      topic: need.topic,
      title: input.title ?? need.title,
      description: input.description ?? need.description,
      status: 'in_progress',
      need_id: need.id,
      resource_id: resource.id,
      due_on: input.dueOn ?? need.due_on,
      created_by: actor.userId,
      created_at: now,
      updated_at: now,
    })
    .returning('id')
    .executeTakeFirstOrThrow()
  await recordAudit(tx, ctx, {
    action: 'cobuild.project.create',
    entityType: 'cobuild_item',
    entityId: made.id,
    areaId: need.area_id,
    detail: { needId: need.id, resourceId: resource.id, agreementId: resource.agreement_id },
  })
  return itemView(tx, ctx, made.id)
}

const transitions: Record<string, string[]> = {
  'need:open': ['cancelled'],
  'resource:open': ['cancelled'],
  'project:in_progress': ['done'],
}

/**
 * Edits an item's text (the version read) and moves it: an open need or resource may be
 * cancelled; a project in progress is done with its day and outcome, and its need is done with it.
 */
export async function updateItem(tx: Tx, ctx: RequestContext, itemId: number, input: ItemPatch, now: Date) {
  const item = await loadItemRow(tx, itemId)
  requireKeeper(ctx, item.area_path)
  if (item.version !== input.version) throw conflict(item.version)
  const allowed = transitions[`${item.list}:${item.status}`] ?? []
  if (input.status !== undefined && !allowed.includes(input.status))
    throw new AppError(
      'COBUILD_ILLEGAL_TRANSITION',
      `a ${item.list} that is ${item.status} cannot become ${input.status}`,
      'status',
      {},
      { status: item.status, allowed },
    )
  const done = input.status === 'done'
  if (!done && (input.doneOn !== undefined || input.outcome !== undefined || input.beneficiaries !== undefined))
    throw invalid(
      input.doneOn !== undefined ? 'doneOn' : input.outcome !== undefined ? 'outcome' : 'beneficiaries',
      'only a project marked done takes its day, outcome and beneficiaries',
    )
  if (done) {
    if (input.doneOn === undefined) throw invalid('doneOn', 'the day the project was done is required')
    if (input.outcome === undefined) throw invalid('outcome', 'the outcome of the project is required')
    if (input.doneOn > todayOf(now)) throw invalid('doneOn', 'the day is in the future')
    if (input.doneOn < todayOf(new Date(item.created_at)))
      throw invalid('doneOn', 'the day is before the project began')
  }
  const changed = await tx
    .updateTable('cobuild_item')
    .set({
      ...(input.topic !== undefined ? { topic: input.topic } : {}),
      ...(input.title !== undefined ? { title: input.title } : {}),
      ...(input.description !== undefined ? { description: input.description } : {}),
      ...(input.dueOn !== undefined ? { due_on: input.dueOn } : {}),
      ...(input.status !== undefined ? { status: input.status } : {}),
      ...(done ? { done_on: input.doneOn, outcome: input.outcome, beneficiaries: input.beneficiaries ?? null } : {}),
      updated_at: now,
      version: item.version + 1,
    })
    .where('id', '=', item.id)
    .where('version', '=', item.version)
    .returning('id')
    .executeTakeFirst()
  if (!changed) throw conflict(item.version + 1)
  if (done && item.need_id !== null)
    await tx
      .updateTable('cobuild_item')
      .set({ status: 'done', done_on: input.doneOn, updated_at: now, version: sql`version + 1` })
      .where('id', '=', item.need_id)
      .where('status', '=', 'matched')
      .execute()
  const { version: _v, ...fields } = input
  await recordAudit(tx, ctx, {
    action: input.status ? `cobuild.${item.list}.${input.status}` : `cobuild.${item.list}.update`,
    entityType: 'cobuild_item',
    entityId: item.id,
    areaId: item.area_id,
    detail: { fields: Object.keys(fields), from: item.status, to: input.status ?? item.status },
  })
  return itemView(tx, ctx, item.id)
}
