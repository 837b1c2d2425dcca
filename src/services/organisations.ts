import { areaRef, areaRefSchema } from '../jurisdiction/service.js'
import { sql } from 'kysely'
import { recordAudit } from '../audit/service.js'
import type { Tx } from '../core/db.js'
import { AppError, notFound } from '../core/errors.js'
import type { Input, Output } from '../core/http.js'
import { containing } from '../core/like.js'
import { countLimitOf, offsetOf, pageQuerySchema, paginate } from '../core/paging.js'
import { body, id, nullable, orNull, shape, text } from '../core/schemas.js'
import { requireActor, type RequestContext } from '../core/scope.js'
import { isServicesStaff, requireServicesRole } from './common.js'

// Social organisations taking part in services (社会组织): a profile (fields of work, capacity,
// contact, status) over an organisation of the registry of kind social_organisation. Service
// staff of the organisation's area keep the profile; everyone signed in reads the profiles on
// their branch of the area tree (the contact only for service staff). The rating is the mean
// final score of the organisation's purchase-of-service projects, kept by the final evaluation.

export const organisationFields = [
  'elderly',
  'children',
  'disability',
  'social_work',
  'mediation',
  'culture',
  'environment',
  'health',
  'employment',
  'volunteering',
  'other',
] as const
export const organisationStates = ['active', 'suspended'] as const

const fieldsSchema = {
  type: 'array',
  minItems: 1,
  maxItems: 8,
  uniqueItems: true,
  items: { type: 'string', enum: organisationFields },
  description: 'Fields of work (1 to 8)',
} as const
const profileProps = {
  fields: fieldsSchema,
  capacity: {
    type: 'integer',
    minimum: 1,
    maximum: 100000,
    description: 'How many people the organisation serves at once',
  },
  contactName: { ...text(100), pattern: '\\S' },
  contactPhone: { type: 'string', pattern: '^[0-9+ -]{5,20}$' },
  description: { type: 'string', maxLength: 2000 },
} as const

export const newOrganisationBody = body(['organisationId', 'fields', 'capacity', 'contactName', 'contactPhone'], {
  organisationId: {
    ...id,
    description: 'The registry organisation (kind social_organisation) in an area where you run services',
  },
  ...profileProps,
})
export type NewOrganisation = Input<typeof newOrganisationBody>

export const organisationPutBody = body(['fields', 'capacity', 'contactName', 'contactPhone', 'status'], {
  ...profileProps,
  status: { type: 'string', enum: organisationStates, description: 'suspended: no new projects' },
})
export type OrganisationPut = Input<typeof organisationPutBody>

export const organisationListQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    ...pageQuerySchema,
    field: { type: 'string', enum: organisationFields },
    status: { type: 'string', enum: organisationStates },
    q: { type: 'string', minLength: 1, maxLength: 100, description: 'Part of the name' },
  },
} as const
export type OrganisationFilter = Input<typeof organisationListQuery>

const organisationCore = {
  id: { type: 'integer', description: 'The registry organisation’s id' },
  name: { type: 'string' },
  uscc: { ...nullable('string'), description: 'Unified social credit code' },
  area: areaRefSchema,
  fields: { type: 'array', items: { type: 'string', enum: organisationFields } },
  capacity: { type: 'integer' },
  status: { type: 'string', enum: organisationStates },
  rating: { ...nullable('number'), description: 'Mean final score of its evaluated projects (0–100)' },
  ratedProjects: { type: 'integer' },
  contact: {
    ...orNull(shape({ name: { type: 'string' }, phone: { type: 'string' } })),
    description: 'For service staff of the area only',
  },
} as const
export const organisationViewSchema = shape(organisationCore)
export type OrganisationView = Output<typeof organisationViewSchema>

export const organisationDetailSchema = shape({
  ...organisationCore,
  legalRepresentative: nullable('string'),
  address: nullable('string'),
  description: nullable('string'),
  projects: {
    type: 'array',
    description: 'Its projects that you may see, latest first, with their final scores',
    items: shape({
      id: { type: 'integer' },
      reference: { type: 'string' },
      title: { type: 'string' },
      status: { type: 'string' },
      startsOn: { type: 'string', format: 'date' },
      endsOn: { type: 'string', format: 'date' },
      budget: { type: 'number' },
      finalScore: nullable('number'),
    }),
  },
  canManage: { type: 'boolean' },
  createdAt: { type: 'string', format: 'date-time' },
  updatedAt: { type: 'string', format: 'date-time' },
})
export type OrganisationDetail = Output<typeof organisationDetailSchema>

// ── Reading ────────────────────────────────────────────────────────────────────────────────────

/** Profiles on the caller's branch joined to their registry facts (through the definer function). */
function organisationBase(tx: Tx) {
  return tx
    .selectFrom('social_organisation as s')
    .innerJoin(
      sql<{
        id: number
        name: string
        uscc: string | null
        legal_representative: string | null
        address: string | null
      }>`app_social_organisation_registry()`.as('o'),
      'o.id',
      's.organisation_id',
    )
    .innerJoin('area as a', 'a.id', 's.area_id')
}

const columns = [
  's.organisation_id',
  'o.name',
  'o.uscc',
  'o.legal_representative',
  'o.address',
  's.fields',
  's.capacity',
  's.contact_name',
  's.contact_phone',
  's.description',
  's.status',
  's.rating',
  's.rated_projects',
  's.created_at',
  's.updated_at',
  'a.id as area_id',
  'a.code as area_code',
  'a.name_zh as area_name_zh',
  'a.name_en as area_name_en',
  'a.path as area_path',
] as const

type OrgRow = {
  organisation_id: number
  name: string
  uscc: string | null
  fields: string[]
  capacity: number
  contact_name: string
  contact_phone: string
  status: string
  rating: number | string | null
  rated_projects: number
  area_id: number
  area_code: string
  area_name_zh: string
  area_name_en: string
  area_path: string
}

const presentOrganisation = (r: OrgRow, staff: boolean): OrganisationView => ({
  id: r.organisation_id,
  name: r.name,
  uscc: r.uscc,
  area: areaRef(r),
  fields: r.fields as OrganisationView['fields'],
  capacity: r.capacity,
  status: r.status as OrganisationView['status'],
  rating: r.rating === null ? null : Number(r.rating),
  ratedProjects: r.rated_projects,
  contact: staff ? { name: r.contact_name, phone: r.contact_phone } : null,
})

export async function listOrganisations(tx: Tx, ctx: RequestContext, f: OrganisationFilter) {
  const actor = requireActor(ctx)
  let base = organisationBase(tx)
  if (f.field) base = base.where(sql<boolean>`${f.field} = any(s.fields)`)
  if (f.status) base = base.where('s.status', '=', f.status)
  if (f.q) base = base.where('o.name', 'like', containing(f.q))
  const [rows, count] = await Promise.all([
    base
      .select(columns)
      .orderBy('s.status')
      .orderBy(sql`s.rating desc nulls last`)
      .orderBy('s.organisation_id')
      .limit(f.pageSize)
      .offset(offsetOf(f))
      .execute(),
    tx
      .selectFrom(base.select('s.organisation_id').limit(countLimitOf(f)).as('x'))
      .select(sql<number>`count(*)::int`.as('n'))
      .executeTakeFirstOrThrow(),
  ])
  return paginate(
    f,
    rows.map((r) => presentOrganisation(r, isServicesStaff(actor, r.area_path))),
    count.n,
  )
}

async function loadOrganisation(tx: Tx, organisationId: number) {
  const r = await organisationBase(tx)
    .select(columns)
    .where('s.organisation_id', '=', organisationId)
    .executeTakeFirst()
  if (!r) throw notFound('SOCIAL_ORGANISATION_NOT_FOUND', `social organisation ${organisationId}`)
  return r
}

export async function organisationDetail(
  tx: Tx,
  ctx: RequestContext,
  organisationId: number,
): Promise<OrganisationDetail> {
  const actor = requireActor(ctx)
  const r = await loadOrganisation(tx, organisationId)
  const staff = isServicesStaff(actor, r.area_path)
  const projects = await tx
    .selectFrom('service_project')
    .select(['id', 'reference', 'title', 'status', 'starts_on', 'ends_on', 'budget', 'final_score'])
    .where('organisation_id', '=', organisationId)
    .orderBy('starts_on', 'desc')
    .orderBy('id', 'desc')
    .limit(200)
    .execute()
  return {
    ...presentOrganisation(r, staff),
    legalRepresentative: r.legal_representative,
    address: r.address,
    description: r.description,
    projects: projects.map((p) => ({
      id: p.id,
      reference: p.reference,
      title: p.title,
      status: p.status,
      startsOn: p.starts_on,
      endsOn: p.ends_on,
      budget: Number(p.budget),
      finalScore: p.final_score === null ? null : Number(p.final_score),
    })),
    canManage: staff,
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
  }
}

// ── Staff: register and keep the profile ───────────────────────────────────────────────────────

export async function createOrganisation(
  tx: Tx,
  ctx: RequestContext,
  input: NewOrganisation,
  now: Date,
): Promise<OrganisationDetail> {
  requireActor(ctx)
  // The registry row as the caller may read it: registry staff of its area (row-level security).
  const org = await tx
    .selectFrom('organisation as o')
    .innerJoin('area as a', 'a.id', 'o.area_id')
    .select(['o.id', 'o.kind', 'o.area_id', 'a.path'])
    .where('o.id', '=', input.organisationId)
    .executeTakeFirst()
  if (!org)
    throw notFound('SOCIAL_ORGANISATION_NOT_FOUND', `registry organisation ${input.organisationId}`, 'organisationId')
  requireServicesRole(ctx, org.path)
  if (org.kind !== 'social_organisation')
    throw new AppError(
      'VALIDATION_FAILED',
      `registry organisation ${org.id} is of kind ${org.kind}; only social organisations take part`,
      'organisationId',
    )
  const exists = await tx
    .selectFrom('social_organisation')
    .select('organisation_id')
    .where('organisation_id', '=', org.id)
    .executeTakeFirst()
  if (exists) throw new AppError('CONFLICT', 'this organisation already has a profile', 'organisationId')
  await tx
    .insertInto('social_organisation')
    .values({
      organisation_id: org.id,
      area_id: org.area_id,
      fields: input.fields,
      capacity: input.capacity,
      contact_name: input.contactName.trim(),
      contact_phone: input.contactPhone,
      description: input.description?.trim() || null,
      status: 'active',
      rating: null,
      rated_projects: 0,
      created_at: now,
      updated_at: now,
    })
    .execute()
  await recordAudit(tx, ctx, {
    action: 'social_organisation.create',
    entityType: 'social_organisation',
    entityId: org.id,
    areaId: org.area_id,
    detail: { fields: input.fields, capacity: input.capacity },
  })
  return organisationDetail(tx, ctx, org.id)
}

export async function updateOrganisation(
  tx: Tx,
  ctx: RequestContext,
  organisationId: number,
  input: OrganisationPut,
  now: Date,
): Promise<OrganisationDetail> {
  const r = await loadOrganisation(tx, organisationId)
  requireServicesRole(ctx, r.area_path)
  await tx
    .updateTable('social_organisation')
    .set({
      fields: input.fields,
      capacity: input.capacity,
      contact_name: input.contactName.trim(),
      contact_phone: input.contactPhone,
      description: input.description?.trim() || null,
      status: input.status,
      updated_at: now,
    })
    .where('organisation_id', '=', organisationId)
    .execute()
  await recordAudit(tx, ctx, {
    action: 'social_organisation.update',
    entityType: 'social_organisation',
    entityId: organisationId,
    areaId: r.area_id,
    detail: { status: input.status, from: r.status, fields: input.fields, capacity: input.capacity },
  })
  return organisationDetail(tx, ctx, organisationId)
}
