import { sql } from 'kysely'
import { recordAudit } from '../audit/service.js'
import type { Tx } from '../core/db.js'
import { AppError, notFound } from '../core/errors.js'
import type { Input, Output } from '../core/http.js'
import { countLimitOf, offsetOf, paginate, type Page } from '../core/paging.js'
import { body, id, nullable, shape, text, timestamp } from '../core/schemas.js'
import { requireActor, type RequestContext } from '../core/scope.js'
import { areaPathOf } from '../jurisdiction/service.js'
import { attachmentTypes } from '../core/uploads.js'
import {
  isServicesStaff,
  pathsWith,
  requireServicesRole,
  requireVerifiedPerson,
  servicesStaff,
  verifiedPerson,
} from './common.js'
import {
  evaluateRules,
  personFacts,
  type Rule,
  ruleResultSchema,
  rulesSchema,
  type RuleResult,
  validateRules,
} from './eligibility.js'

// The service catalogue (服务事项): what residents may apply for in an area, with its eligibility
// rules, required documents and application form as data, its time limits, who delivers it and
// its price in time-bank hours. Published on the area tree: everyone of the branch reads the
// active ones; the area's service staff (admins, leaders, staff) also see and edit drafts and
// suspended ones.

export const serviceCategories = [
  'elderly_care',
  'disability',
  'social_assistance',
  'certificate',
  'facility',
  'employment',
  'health',
  'family',
  'other',
] as const
export const serviceStates = ['draft', 'active', 'suspended'] as const
export type ServiceState = (typeof serviceStates)[number]
export const serviceActions = ['activate', 'suspend'] as const
export const formFieldTypes = ['text', 'number', 'date', 'choice', 'boolean'] as const

const keyPattern = { type: 'string', pattern: '^[a-z0-9_]{1,40}$' } as const

export const documentSpecSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['key', 'label', 'required'],
  properties: {
    key: keyPattern,
    label: text(100),
    required: { type: 'boolean' },
    types: {
      type: 'array',
      minItems: 1,
      uniqueItems: true,
      items: { type: 'string', enum: attachmentTypes },
      description: 'The file types accepted (all attachment types when left out)',
    },
  },
} as const
export const formFieldSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['key', 'label', 'type', 'required'],
  properties: {
    key: keyPattern,
    label: text(100),
    type: { type: 'string', enum: formFieldTypes },
    required: { type: 'boolean' },
    options: {
      type: 'array',
      minItems: 1,
      maxItems: 30,
      uniqueItems: true,
      items: text(100),
      description: 'The choices of a choice field',
    },
    max: {
      type: 'integer',
      minimum: 1,
      maximum: 100000,
      description: 'text: the longest answer in characters (default 500); number: the largest value',
    },
  },
} as const
export type DocumentSpec = Input<typeof documentSpecSchema>
export type FormField = Input<typeof formFieldSchema>

const editable = {
  category: { type: 'string', enum: serviceCategories },
  name: { type: 'string', minLength: 2, maxLength: 100, pattern: '\\S' },
  description: { type: 'string', minLength: 1, maxLength: 4000, pattern: '\\S' },
  eligibility: rulesSchema,
  documents: { type: 'array', maxItems: 20, items: documentSpecSchema },
  form: { type: 'array', maxItems: 30, items: formFieldSchema },
  reviewDays: { type: 'integer', minimum: 1, maximum: 90 },
  deliveryDays: { type: 'integer', minimum: 1, maximum: 365 },
  departmentId: {
    anyOf: [id, { type: 'null' }],
    description: 'The department that delivers it (its handlers see the applications)',
  },
  organisationId: { anyOf: [id, { type: 'null' }], description: 'The registry organisation that delivers it' },
  timeBankHours: {
    anyOf: [{ type: 'number', minimum: 0.25, maximum: 1000, multipleOf: 0.25 }, { type: 'null' }],
    description: 'Hours of the applicant’s time bank it may be paid with (null: not payable in hours)',
  },
} as const
const editableRequired = [
  'category',
  'name',
  'description',
  'eligibility',
  'documents',
  'form',
  'reviewDays',
  'deliveryDays',
] as const

export const newServiceBody = body(['areaId', 'code', ...editableRequired], {
  areaId: id,
  code: { type: 'string', pattern: '^[A-Za-z0-9-]{2,40}$', description: 'A unique code, e.g. GH-ELDERLY-MEALS' },
  ...editable,
  status: { type: 'string', enum: ['draft', 'active'], default: 'draft' },
})
export const updateServiceBody = body(['version', ...editableRequired], {
  version: { type: 'integer', minimum: 1, maximum: 2147483647 },
  ...editable,
})
export const serviceActionBody = body(['action'], {
  action: { type: 'string', enum: serviceActions },
  version: { type: 'integer', minimum: 1, maximum: 2147483647 },
})

export const serviceFilterQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    category: { type: 'string', enum: serviceCategories },
    areaId: id,
    status: { type: 'string', enum: serviceStates, description: 'Staff only: draft and suspended ones of their areas' },
    q: { type: 'string', minLength: 1, maxLength: 100, description: 'Words of the name' },
    page: { type: 'integer', minimum: 1, maximum: 100000, default: 1 },
    pageSize: { type: 'integer', minimum: 1, maximum: 100, default: 20 },
  },
} as const
export type ServiceFilter = Input<typeof serviceFilterQuery>

export const serviceItemSchema = shape({
  id: { type: 'integer' },
  code: { type: 'string' },
  areaId: { type: 'integer' },
  areaNameZh: { type: 'string' },
  areaNameEn: { type: 'string' },
  category: { type: 'string', enum: serviceCategories },
  name: { type: 'string' },
  summary: { type: 'string', description: 'The description’s beginning' },
  status: { type: 'string', enum: serviceStates },
  reviewDays: { type: 'integer' },
  deliveryDays: { type: 'integer' },
  timeBankHours: nullable('number'),
  ruleCount: { type: 'integer' },
  updatedAt: timestamp,
})
type ServiceItem = Output<typeof serviceItemSchema>

export const serviceDetailSchema = shape({
  ...serviceItemSchema.properties,
  description: { type: 'string' },
  eligibility: { type: 'array', items: shape(rulesSchema.items.properties) },
  documents: {
    type: 'array',
    items: shape({
      key: { type: 'string' },
      label: { type: 'string' },
      required: { type: 'boolean' },
      types: { type: 'array', items: { type: 'string', enum: attachmentTypes } },
    }),
  },
  form: {
    type: 'array',
    items: shape({
      key: { type: 'string' },
      label: { type: 'string' },
      type: { type: 'string', enum: formFieldTypes },
      required: { type: 'boolean' },
      options: { type: 'array', items: { type: 'string' } },
      max: nullable('integer'),
    }),
  },
  departmentId: nullable('integer'),
  departmentNameZh: nullable('string'),
  departmentNameEn: nullable('string'),
  organisationId: nullable('integer'),
  organisationName: nullable('string'),
  version: { type: 'integer' },
  createdAt: timestamp,
  mayEdit: { type: 'boolean', description: 'Whether the caller is service staff of its area' },
  allowedActions: { type: 'array', items: { type: 'string', enum: serviceActions } },
})
export type ServiceDetail = Output<typeof serviceDetailSchema>

export const eligibilityQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    personId: { ...id, description: 'Staff: a person of their area (default: the caller’s verified self)' },
  },
} as const
export const eligibilitySchema = shape({
  serviceId: { type: 'integer' },
  personId: { type: 'integer' },
  eligible: { type: 'boolean' },
  rules: { type: 'array', items: ruleResultSchema },
})

const summaryOf = (s: string) => (s.length > 120 ? `${s.slice(0, 119)}…` : s)

// ---------------------------------------------------------------------------------------------

/** Documents' and form fields' keys unique, a choice has options: VALIDATION_FAILED naming the entry. */
function checkSpecs(documents: readonly DocumentSpec[], form: readonly FormField[]) {
  const seen = new Set<string>()
  documents.forEach((d, i) => {
    if (seen.has(d.key)) throw new AppError('VALIDATION_FAILED', `document key ${d.key} repeats`, `documents.${i}.key`)
    seen.add(d.key)
  })
  seen.clear()
  form.forEach((f, i) => {
    if (seen.has(f.key)) throw new AppError('VALIDATION_FAILED', `form field key ${f.key} repeats`, `form.${i}.key`)
    seen.add(f.key)
    if (f.type === 'choice' && !f.options?.length)
      throw new AppError('VALIDATION_FAILED', 'a choice field needs its options', `form.${i}.options`)
    if (f.type !== 'choice' && f.options)
      throw new AppError('VALIDATION_FAILED', 'only a choice field has options', `form.${i}.options`)
  })
}

async function checkDeliverer(
  tx: Tx,
  departmentId: number | null | undefined,
  organisationId: number | null | undefined,
) {
  if (departmentId != null) {
    const d = await tx.selectFrom('department').select('id').where('id', '=', departmentId).executeTakeFirst()
    if (!d) throw new AppError('VALIDATION_FAILED', `department ${departmentId} does not exist`, 'departmentId')
  }
  // A delivering organisation takes part as a social organisation on the caller's branch (row-level
  // security on social_organisation decides), so no registry organisation elsewhere is named.
  if (organisationId != null) {
    const o = await tx
      .selectFrom('social_organisation')
      .select('status')
      .where('organisation_id', '=', organisationId)
      .executeTakeFirst()
    if (o?.status !== 'active')
      throw new AppError(
        'SOCIAL_ORGANISATION_NOT_FOUND',
        `organisation ${organisationId} is no active social organisation of your areas`,
        'organisationId',
      )
  }
}

type Editable = Omit<Input<typeof updateServiceBody>, 'version'>
async function editableValues(tx: Tx, input: Editable) {
  const eligibility = await validateRules(tx, input.eligibility as Rule[])
  checkSpecs(input.documents, input.form)
  await checkDeliverer(tx, input.departmentId, input.organisationId)
  return {
    category: input.category,
    name: input.name.trim(),
    description: input.description.trim(),
    eligibility: JSON.stringify(eligibility),
    documents: JSON.stringify(input.documents),
    form: JSON.stringify(input.form),
    review_days: input.reviewDays,
    delivery_days: input.deliveryDays,
    department_id: input.departmentId ?? null,
    organisation_id: input.organisationId ?? null,
    time_bank_hours: input.timeBankHours ?? null,
  }
}

export async function createService(
  tx: Tx,
  ctx: RequestContext,
  input: Input<typeof newServiceBody>,
  now: Date,
): Promise<ServiceDetail> {
  const path = await areaPathOf(tx, input.areaId, 'areaId')
  const actor = requireServicesRole(ctx, path)
  const values = await editableValues(tx, input)
  const taken = await sql<{ n: number }>`select 1 as n from service where code = ${input.code}`.execute(tx)
  if (taken.rows.length) throw new AppError('CONFLICT', `the code ${input.code} is taken`, 'code')
  const row = await tx
    .insertInto('service')
    .values({
      ...values,
      area_id: input.areaId,
      code: input.code,
      status: input.status,
      created_by: actor.userId,
      created_at: now,
      updated_at: now,
    })
    .returning('id')
    .executeTakeFirstOrThrow()
  await recordAudit(tx, ctx, {
    action: 'service.create',
    entityType: 'service',
    entityId: row.id,
    areaId: input.areaId,
    detail: { code: input.code, status: input.status },
  })
  return serviceDetail(tx, ctx, row.id)
}

/** A service the caller may see (drafts and suspended ones: its staff only), or SERVICE_NOT_FOUND. */
export async function loadService(tx: Tx, ctx: RequestContext, serviceId: number, lock = false) {
  let q = tx
    .selectFrom('service as s')
    .innerJoin('area as a', 'a.id', 's.area_id')
    .selectAll('s')
    .select(['a.path as area_path', 'a.name_zh', 'a.name_en'])
    .where('s.id', '=', serviceId)
  if (lock) q = q.forUpdate('s')
  const row = await q.executeTakeFirst()
  // A draft or suspended service is for its staff only: to others it does not exist.
  if (!row || (row.status !== 'active' && !isServicesStaff(ctx.actor, row.area_path)))
    throw notFound('SERVICE_NOT_FOUND', `service ${serviceId}`, 'id')
  return row
}
export type ServiceRow = Awaited<ReturnType<typeof loadService>>

export async function updateService(
  tx: Tx,
  ctx: RequestContext,
  serviceId: number,
  input: Input<typeof updateServiceBody>,
  now: Date,
): Promise<ServiceDetail> {
  const s = await loadService(tx, ctx, serviceId, true)
  requireServicesRole(ctx, s.area_path)
  if (s.version !== input.version)
    throw new AppError(
      'CONFLICT',
      `the service changed meanwhile (version ${s.version}); reload and retry`,
      'version',
      {},
      {
        version: s.version,
      },
    )
  const values = await editableValues(tx, input)
  await tx
    .updateTable('service')
    .set({ ...values, updated_at: now, version: s.version + 1 })
    .where('id', '=', serviceId)
    .execute()
  await recordAudit(tx, ctx, {
    action: 'service.update',
    entityType: 'service',
    entityId: serviceId,
    areaId: s.area_id,
  })
  return serviceDetail(tx, ctx, serviceId)
}

export async function serviceAction(
  tx: Tx,
  ctx: RequestContext,
  serviceId: number,
  input: Input<typeof serviceActionBody>,
  now: Date,
): Promise<ServiceDetail> {
  const s = await loadService(tx, ctx, serviceId, true)
  requireServicesRole(ctx, s.area_path)
  if (input.version !== undefined && s.version !== input.version)
    throw new AppError(
      'CONFLICT',
      `the service changed meanwhile (version ${s.version}); reload and retry`,
      'version',
      {},
      {
        version: s.version,
      },
    )
  const to: ServiceState = input.action === 'activate' ? 'active' : 'suspended'
  const may = allowedServiceActions(s.status as ServiceState)
  if (!may.includes(input.action))
    throw new AppError(
      'CONFLICT',
      `a ${s.status} service cannot be ${input.action}d`,
      'action',
      {},
      {
        state: s.status,
        allowedActions: may,
      },
    )
  await tx
    .updateTable('service')
    .set({ status: to, updated_at: now, version: s.version + 1 })
    .where('id', '=', serviceId)
    .execute()
  await recordAudit(tx, ctx, {
    action: `service.${input.action}`,
    entityType: 'service',
    entityId: serviceId,
    areaId: s.area_id,
    detail: { from: s.status, to },
  })
  return serviceDetail(tx, ctx, serviceId)
}

const allowedServiceActions = (status: ServiceState): ('activate' | 'suspend')[] =>
  status === 'active' ? ['suspend'] : ['activate']

export async function listServices(tx: Tx, ctx: RequestContext, f: ServiceFilter): Promise<Page<ServiceItem>> {
  const actor = requireActor(ctx)
  const staffPaths = pathsWith(actor, servicesStaff)
  let q = tx.selectFrom('service as s').innerJoin('area as a', 'a.id', 's.area_id')
  // Active ones for everyone; drafts and suspended ones for the staff of their areas.
  q = q.where((eb) => eb.or([eb('s.status', '=', 'active'), ...staffPaths.map((p) => eb('a.path', 'like', `${p}%`))]))
  if (f.status) q = q.where('s.status', '=', f.status)
  if (f.category) q = q.where('s.category', '=', f.category)
  if (f.areaId !== undefined) {
    const path = await areaPathOf(tx, f.areaId, 'areaId')
    // The services of an area: its own, those of the areas above it (the street's, the district's)
    // and those below it.
    q = q.where((eb) =>
      eb.or([eb('a.path', 'like', `${path}%`), eb(sql.lit(path), 'like', sql<string>`a.path || '%'`)]),
    )
  }
  if (f.q) {
    const words = f.q.trim().split(/\s+/).filter(Boolean)
    for (const w of words) q = q.where('s.name', 'ilike', `%${w.replace(/[\\%_]/g, (c) => `\\${c}`)}%`)
  }
  const limit = countLimitOf(f)
  const counted = await tx
    .selectFrom(q.select(sql`1`.as('x')).limit(limit).as('t'))
    .select(sql<string>`count(*)`.as('n'))
    .executeTakeFirstOrThrow()
  const total = Number(counted.n)
  const rows = await q
    .select([
      's.id',
      's.code',
      's.area_id',
      'a.name_zh',
      'a.name_en',
      's.category',
      's.name',
      sql<string>`left(s.description, 121)`.as('description_start'),
      's.status',
      's.review_days',
      's.delivery_days',
      's.time_bank_hours',
      sql<number>`jsonb_array_length(s.eligibility)`.as('rule_count'),
      's.updated_at',
    ])
    .orderBy('s.category')
    .orderBy('s.name')
    .orderBy('s.id')
    .limit(f.pageSize)
    .offset(offsetOf(f))
    .execute()
  const items = rows.map(
    (r): ServiceItem => ({
      id: r.id,
      code: r.code,
      areaId: r.area_id,
      areaNameZh: r.name_zh,
      areaNameEn: r.name_en,
      category: r.category as ServiceItem['category'],
      name: r.name,
      summary: summaryOf(r.description_start),
      status: r.status as ServiceState,
      reviewDays: r.review_days,
      deliveryDays: r.delivery_days,
      timeBankHours: r.time_bank_hours === null ? null : Number(r.time_bank_hours),
      ruleCount: Number(r.rule_count),
      updatedAt: r.updated_at.toISOString(),
    }),
  )
  return paginate(f, items, total, { totalCapped: total >= limit })
}

export async function serviceDetail(tx: Tx, ctx: RequestContext, serviceId: number): Promise<ServiceDetail> {
  requireActor(ctx)
  const s = await loadService(tx, ctx, serviceId)
  const dept =
    s.department_id === null
      ? undefined
      : await tx
          .selectFrom('department')
          .select(['name_zh', 'name_en'])
          .where('id', '=', s.department_id)
          .executeTakeFirst()
  const org =
    s.organisation_id === null
      ? undefined
      : (
          await sql<{
            name: string
          }>`select name from app_organisation_names(${[s.organisation_id]}::bigint[])`.execute(tx)
        ).rows[0]
  const mayEdit = isServicesStaff(ctx.actor, s.area_path)
  const documents = s.documents as DocumentSpec[]
  const form = s.form as FormField[]
  return {
    id: s.id,
    code: s.code,
    areaId: s.area_id,
    areaNameZh: s.name_zh,
    areaNameEn: s.name_en,
    category: s.category as ServiceItem['category'],
    name: s.name,
    summary: summaryOf(s.description),
    status: s.status as ServiceState,
    reviewDays: s.review_days,
    deliveryDays: s.delivery_days,
    timeBankHours: s.time_bank_hours === null ? null : Number(s.time_bank_hours),
    ruleCount: (s.eligibility as Rule[]).length,
    updatedAt: s.updated_at.toISOString(),
    description: s.description,
    eligibility: s.eligibility as Rule[],
    documents: documents.map((d) => ({
      key: d.key,
      label: d.label,
      required: d.required,
      types: d.types ?? [...attachmentTypes],
    })),
    form: form.map((f) => ({
      key: f.key,
      label: f.label,
      type: f.type,
      required: f.required,
      options: f.options ?? [],
      max: f.max ?? null,
    })),
    departmentId: s.department_id,
    departmentNameZh: dept?.name_zh ?? null,
    departmentNameEn: dept?.name_en ?? null,
    organisationId: s.organisation_id,
    organisationName: org?.name ?? null,
    version: s.version,
    createdAt: s.created_at.toISOString(),
    mayEdit,
    allowedActions: mayEdit ? allowedServiceActions(s.status as ServiceState) : [],
  }
}

/**
 * The registry person an action is for: the caller's verified self, or (service staff) a person
 * of their area; PERSON_NOT_FOUND-like 404 otherwise, so no one probes the registry.
 */
export async function subjectPerson(tx: Tx, ctx: RequestContext, personId: number | undefined, now: Date) {
  const actor = requireActor(ctx)
  if (personId === undefined) {
    const me = await requireVerifiedPerson(tx, ctx)
    const facts = await personFacts(tx, me.personId, now)
    if (!facts) throw notFound('NOT_FOUND', `person ${me.personId}`, 'personId')
    return { facts, self: true, actor }
  }
  const own = await verifiedPerson(tx, actor.userId)
  if (own?.personId === personId) {
    const facts = await personFacts(tx, personId, now)
    if (facts) return { facts, self: true, actor }
  }
  const facts = await personFacts(tx, personId, now)
  if (!facts || !isServicesStaff(actor, facts.areaPath))
    throw notFound('NOT_FOUND', `person ${personId} among the people of your areas`, 'personId')
  return { facts, self: false, actor }
}

/** Whether a person meets a service's rules, rule by rule, with the facts read (their own, or staff's). */
export async function serviceEligibility(
  tx: Tx,
  ctx: RequestContext,
  serviceId: number,
  personId: number | undefined,
  now: Date,
): Promise<Output<typeof eligibilitySchema>> {
  const s = await loadService(tx, ctx, serviceId)
  const { facts } = await subjectPerson(tx, ctx, personId, now)
  const rules: RuleResult[] = await evaluateRules(tx, s.eligibility as Rule[], facts)
  return { serviceId, personId: facts.personId, eligible: rules.every((r) => r.ok), rules }
}
