import { sql } from 'kysely'
import { recordAudit } from '../audit/service.js'
import type { FieldCipher } from '../core/crypto.js'
import type { Tx } from '../core/db.js'
import { AppError, notFound } from '../core/errors.js'
import type { Input, Output } from '../core/http.js'
import { containing } from '../core/like.js'
import { countLimitOf, offsetOf, pageQuerySchema, paginate } from '../core/paging.js'
import { body, date, id, nullable, orNull, point, shape, text, timestamp } from '../core/schemas.js'
import { holds, requireActor, type RequestContext } from '../core/scope.js'
import { gridAt } from '../jurisdiction/geometry.js'
import { areaPathOf } from '../jurisdiction/service.js'
import { checkIdNumber, idTypes, normalisePhone } from '../registry/identity.js'
import { idsTaken, sealIdNumber, sealPhone, today } from '../registry/people.js'
import { activeRules, assessRisk, warnIfHigh } from './risk.js'
import {
  disputeActions,
  disputeCategories,
  disputeRoles,
  disputeSources,
  disputeStates,
  disputeWorkflow,
  judicialModes,
  mediationLevels,
  openDisputeStates,
  outcomes,
  performances,
  riskLevels,
  settledLevels,
  type DisputeRole,
  type DisputeState,
  type RiskLevel,
} from './workflow.js'

// ── Registration ─────────────────────────────────────────────────────────────────────────────

export const partyRoles = ['applicant', 'respondent', 'third_party'] as const

const partyInput = body(['role'], {
  role: { type: 'string', enum: partyRoles },
  personId: { ...id, description: 'A person of the registry; their particulars are copied from it' },
  organisationId: { ...id, description: 'An organisation of the registry' },
  name: { ...text(200), description: 'A party entered on the spot (with no personId/organisationId)' },
  idType: { type: 'string', enum: idTypes, default: 'resident_id' },
  idNumber: { type: 'string', minLength: 5, maxLength: 40 },
  phone: { type: 'string', minLength: 5, maxLength: 30 },
  address: text(300),
  vulnerable: { type: 'boolean', description: 'A party in difficulty (elderly, disabled, low income …)' },
})

export const newDisputeBody = body(['category', 'source', 'facts', 'claims', 'peopleInvolved', 'parties'], {
  category: { type: 'string', enum: disputeCategories },
  source: { type: 'string', enum: disputeSources },
  location: point,
  areaId: { ...id, description: 'A grid, community or street, when the dispute has an address but no location' },
  address: text(300),
  facts: text(4000),
  claims: text(4000),
  amount: { type: 'number', minimum: 0, maximum: 999999999999, description: 'Amount in dispute, yuan' },
  peopleInvolved: { type: 'integer', minimum: 1, maximum: 100000 },
  threat: { type: 'boolean', description: 'A party threatens extreme acts (self-harm, violence, gathering)' },
  sourceCaseId: { ...id, description: 'The event case referred to mediation (source event_case)' },
  petitionId: { ...id, description: 'The petition turned into this dispute (source petitions_office)' },
  parties: { type: 'array', minItems: 2, maxItems: 30, items: partyInput },
})
export type NewDispute = Input<typeof newDisputeBody>

export const newDisputeResultSchema = shape({
  id: { type: 'integer' },
  reference: { type: 'string' },
  riskLevel: { type: 'string', enum: riskLevels },
  riskRules: { type: 'array', items: { type: 'string' } },
  warned: { type: 'boolean', description: 'Whether the street’s leaders were warned (high or urgent)' },
  registryMatches: {
    type: 'array',
    items: { type: 'integer' },
    description: 'Indexes of parties entered on the spot whose ID number is already in the registry',
  },
})

const districtOf = (path: string) => Number(path.split('/').filter(Boolean)[1])

async function placeOf(tx: Tx, input: Pick<NewDispute, 'location' | 'areaId' | 'address'>) {
  if (input.location) {
    const grid = await gridAt(tx, input.location.lng, input.location.lat)
    if (!grid) throw new AppError('AREA_OUTSIDE_ALL_GRIDS', 'the location lies outside every grid', 'location')
    return grid
  }
  if (input.areaId === undefined)
    throw new AppError('VALIDATION_FAILED', 'give a location, or an area and an address', 'location')
  const a = await tx
    .selectFrom('area')
    .select(['id', 'path', 'level'])
    .where('id', '=', input.areaId)
    .where('retired_at', 'is', null)
    .executeTakeFirst()
  if (!a) throw notFound('AREA_NOT_FOUND', `area ${input.areaId}`, 'areaId')
  if (a.level !== 'grid' && a.level !== 'community' && a.level !== 'street')
    throw new AppError('VALIDATION_FAILED', 'areaId must be a grid, a community or a street', 'areaId')
  if (!input.address)
    throw new AppError('VALIDATION_FAILED', 'an address is needed when no location is given', 'address')
  return a
}

const registrarRoles = ['admin', 'leader', 'staff', 'grid_worker', 'mediator'] as const

interface PartyRow {
  role: (typeof partyRoles)[number]
  kind: 'person' | 'organisation'
  person_id: number | null
  organisation_id: number | null
  name: string
  id_number_enc: Buffer | Uint8Array | null
  id_number_bidx: string | null
  id_number_masked: string | null
  phone_enc: Buffer | Uint8Array | null
  phone_masked: string | null
  address: string | null
  vulnerable: boolean
}

/** A party as stored: copied from the registry, or entered on the spot and sealed like the registry's. */
async function partyRow(
  tx: Tx,
  cipher: FieldCipher,
  p: NewDispute['parties'][number],
  i: number,
  now: Date,
): Promise<PartyRow> {
  const field = (f: string) => `parties[${i}].${f}`
  if (p.personId !== undefined) {
    const r = await tx
      .selectFrom('person')
      .select([
        'id',
        'name',
        'id_number_enc',
        'id_number_bidx',
        'id_number_masked',
        'phone_enc',
        'phone_masked',
        'address',
        'tags',
      ])
      .where('id', '=', p.personId)
      .executeTakeFirst()
    if (!r)
      throw notFound('PERSON_NOT_FOUND', `person ${p.personId} (or not in your registry areas)`, field('personId'))
    return {
      role: p.role,
      kind: 'person',
      person_id: r.id,
      organisation_id: null,
      name: r.name,
      id_number_enc: r.id_number_enc,
      id_number_bidx: r.id_number_bidx,
      id_number_masked: r.id_number_masked,
      phone_enc: r.phone_enc,
      phone_masked: r.phone_masked,
      address: p.address ?? r.address,
      // Anyone the registry tags for care (elderly living alone, disabled, low income …) is vulnerable.
      vulnerable: p.vulnerable ?? r.tags.length > 0,
    }
  }
  if (p.organisationId !== undefined) {
    const o = await tx
      .selectFrom('organisation')
      .select(['id', 'name', 'address'])
      .where('id', '=', p.organisationId)
      .executeTakeFirst()
    if (!o) throw notFound('RECORD_NOT_FOUND', `organisation ${p.organisationId}`, field('organisationId'))
    return {
      role: p.role,
      kind: 'organisation',
      person_id: null,
      organisation_id: o.id,
      name: o.name,
      id_number_enc: null,
      id_number_bidx: null,
      id_number_masked: null,
      phone_enc: null,
      phone_masked: null,
      address: p.address ?? o.address,
      vulnerable: false,
    }
  }
  if (!p.name)
    throw new AppError('VALIDATION_FAILED', 'a party needs a personId, an organisationId or a name', field('name'))
  const identity = p.idNumber
    ? sealIdNumber(cipher, p.idType, checkIdNumber(p.idType, p.idNumber, today(now), field('idNumber')).number)
    : null
  const phone = p.phone ? sealPhone(cipher, normalisePhone(p.phone, field('phone'))) : null
  return {
    role: p.role,
    kind: 'person',
    person_id: null,
    organisation_id: null,
    name: p.name,
    id_number_enc: identity?.id_number_enc ?? null,
    id_number_bidx: identity?.id_number_bidx ?? null,
    id_number_masked: identity?.id_number_masked ?? null,
    phone_enc: phone?.phone_enc ?? null,
    phone_masked: phone?.phone_masked ?? null,
    address: p.address ?? null,
    vulnerable: p.vulnerable ?? false,
  }
}

/** Earlier agreements of disputes with the same parties that were broken (by ID number). */
async function brokenAgreementsOf(tx: Tx, bidx: string[]): Promise<number> {
  if (bidx.length === 0) return 0
  const r = await tx
    .selectFrom('mediation_agreement as g')
    .innerJoin('dispute_party as p', 'p.dispute_id', 'g.dispute_id')
    .select(sql<number>`count(distinct g.id)::int`.as('n'))
    .where('g.status', '=', 'broken')
    .where('p.id_number_bidx', 'in', bidx)
    .executeTakeFirstOrThrow()
  return r.n
}

export async function repeatPetitionsOf(tx: Tx, bidx: string[], areaId: number | null, matterKey: string | null) {
  const { rows } = await sql<{
    n: number
  }>`select app_petition_repeats(${bidx}::text[], ${areaId}, ${matterKey}) as n`.execute(tx)
  return rows[0]?.n ?? 0
}

/**
 * Registers a dispute: locates it, seals the parties' identifiers, links the event case or the
 * petition it came from, assesses the risk and warns the street's leaders when it is high.
 */
export async function registerDispute(
  tx: Tx,
  ctx: RequestContext,
  input: NewDispute,
  now: Date,
  cipher: FieldCipher,
): Promise<Output<typeof newDisputeResultSchema>> {
  const actor = requireActor(ctx)
  const area = await placeOf(tx, input)
  if (!holds(actor, registrarRoles, area.path))
    throw new AppError(
      'FORBIDDEN',
      'disputes are registered by the staff, grid workers or mediators of the area',
      'areaId',
    )
  if (input.source === 'event_case' && input.sourceCaseId === undefined)
    throw new AppError('VALIDATION_FAILED', 'a dispute referred from an event case names the case', 'sourceCaseId')
  if (input.source === 'petitions_office' && input.petitionId === undefined && input.sourceCaseId !== undefined)
    throw new AppError('VALIDATION_FAILED', 'a case referral has source event_case', 'source')
  const parties = []
  for (const [i, p] of input.parties.entries()) parties.push(await partyRow(tx, cipher, p, i, now))
  if (!parties.some((p) => p.role === 'applicant'))
    throw new AppError('VALIDATION_FAILED', 'a dispute needs at least one applicant', 'parties')
  if (!parties.some((p) => p.role === 'respondent'))
    throw new AppError('VALIDATION_FAILED', 'a dispute needs at least one respondent', 'parties')

  let sourceCase: { id: number; tracking_code: string } | null = null
  if (input.sourceCaseId !== undefined) {
    sourceCase =
      (await tx
        .selectFrom('cases')
        .select(['id', 'tracking_code'])
        .where('id', '=', input.sourceCaseId)
        .executeTakeFirst()) ?? null
    if (!sourceCase) throw notFound('CASE_NOT_FOUND', `case ${input.sourceCaseId}`, 'sourceCaseId')
  }
  let petition: { petitioner_bidx: string | null; area_id: number; matter_key: string } | null = null
  if (input.petitionId !== undefined) {
    petition =
      (await tx
        .selectFrom('petition')
        .select(['petitioner_bidx', 'area_id', 'matter_key'])
        .where('id', '=', input.petitionId)
        .executeTakeFirst()) ?? null
    if (!petition) throw notFound('PETITION_NOT_FOUND', `petition ${input.petitionId}`, 'petitionId')
  }

  const bidx = parties.flatMap((p) => (p.id_number_bidx ? [p.id_number_bidx] : []))
  // Repeated petitions by a party, or (for a dispute from a petition) about the same matter.
  if (petition?.petitioner_bidx) bidx.push(petition.petitioner_bidx)
  const risk = assessRisk(await activeRules(tx), {
    peopleInvolved: input.peopleInvolved,
    amount: input.amount ?? null,
    repeatPetitions: await repeatPetitionsOf(tx, bidx, petition?.area_id ?? null, petition?.matter_key ?? null),
    threat: input.threat ?? false,
    vulnerableParty: parties.some((p) => p.vulnerable),
    brokenAgreements: await brokenAgreementsOf(tx, bidx),
  })
  const { rows } = await sql<{ id: number }>`select nextval('dispute_id_seq')::int as id`.execute(tx)
  const disputeId = rows[0]!.id
  const reference = `TJ${today(now).slice(0, 4)}-${String(disputeId).padStart(7, '0')}`
  await tx
    .insertInto('dispute')
    .values({
      id: disputeId,
      reference,
      area_id: area.id,
      district_id: districtOf(area.path),
      location: input.location
        ? sql<string>`ST_SetSRID(ST_MakePoint(${input.location.lng}, ${input.location.lat}), 4326)`
        : null,
      address: input.address ?? null,
      category: input.category,
      source: input.source,
      source_case_id: sourceCase?.id ?? null,
      petition_id: input.petitionId ?? null,
      facts: input.facts,
      claims: input.claims,
      amount: input.amount ?? null,
      people_involved: input.peopleInvolved,
      threat: input.threat ?? false,
      state: 'registered',
      risk_rule_level: risk.level,
      risk_rules: risk.fired,
      risk_level: risk.level,
      created_by: actor.userId,
      registered_at: now,
      updated_at: now,
    })
    .execute()
  await tx
    .insertInto('dispute_party')
    .values(
      parties.map((p, sort) => ({
        ...p,
        id_number_enc: p.id_number_enc ? Buffer.from(p.id_number_enc) : null,
        phone_enc: p.phone_enc ? Buffer.from(p.phone_enc) : null,
        dispute_id: disputeId,
        area_id: area.id,
        sort,
      })),
    )
    .execute()
  // Offered for registry matching: parties entered on the spot whose ID number the registry holds.
  const taken = await idsTaken(
    tx,
    parties.filter((p) => p.person_id === null && p.id_number_bidx).map((p) => p.id_number_bidx!),
  )
  const registryMatches = parties.flatMap((p, i) =>
    p.person_id === null && p.id_number_bidx && taken.has(p.id_number_bidx) ? [i] : [],
  )
  await appendEvent(tx, ctx, disputeId, {
    action: 'register',
    from: null,
    to: 'registered',
    detail: { riskLevel: risk.level, riskRules: risk.fired, sourceCaseId: sourceCase?.id ?? null },
    at: now,
  })
  if (sourceCase) {
    // Both keep the link: the case's timeline shows the referral (a note; its state is unchanged).
    await tx
      .insertInto('case_event')
      .values({
        case_id: sourceCase.id,
        at: now,
        action: 'refer_to_mediation',
        from_state: sql<string>`(select state from cases where id = ${sourceCase.id})`,
        to_state: sql<string>`(select state from cases where id = ${sourceCase.id})`,
        actor_id: actor.userId,
        actor_name: actor.displayName,
        actor_role: 'triage',
        comment: null,
        detail: JSON.stringify({ disputeId, reference }),
        is_public: false,
      })
      .execute()
  }
  if (input.petitionId !== undefined)
    await tx
      .updateTable('petition')
      .set({ dispute_id: disputeId, updated_at: now })
      .where('id', '=', input.petitionId)
      .execute()
  await recordAudit(tx, ctx, {
    action: 'dispute.register',
    entityType: 'dispute',
    entityId: disputeId,
    areaId: area.id,
    detail: { category: input.category, source: input.source, riskLevel: risk.level },
  })
  const warned = await warnIfHigh(
    tx,
    ctx,
    { id: disputeId, reference, areaId: area.id, areaPath: area.path },
    risk.level,
    null,
    risk.fired,
    now,
  )
  return { id: disputeId, reference, riskLevel: risk.level, riskRules: risk.fired, warned, registryMatches }
}

export async function appendEvent(
  tx: Tx,
  ctx: RequestContext,
  disputeId: number,
  e: {
    action: string
    from: string | null
    to: string
    comment?: string | null
    detail?: object
    at: Date
    system?: boolean
  },
): Promise<void> {
  await tx
    .insertInto('dispute_event')
    .values({
      dispute_id: disputeId,
      at: e.at,
      action: e.action,
      from_state: e.from,
      to_state: e.to,
      actor_id: e.system ? null : (ctx.actor?.userId ?? null),
      actor_name: e.system ? 'system' : (ctx.actor?.displayName ?? 'system'),
      comment: e.comment ?? null,
      detail: JSON.stringify(e.detail ?? {}),
    })
    .execute()
}

// ── Reading ──────────────────────────────────────────────────────────────────────────────────

/**
 * A dispute with its area's path. `lock` takes the row lock an action needs: a concurrent action
 * waits and then sees the state the first left (a 409), never a half-changed file.
 */
export async function loadDispute(tx: Tx, id: number, lock = false) {
  const d = await tx
    .selectFrom('dispute as d')
    .innerJoin('area as a', 'a.id', 'd.area_id')
    .selectAll('d')
    .select(['a.path as area_path', 'a.level as area_level'])
    .where('d.id', '=', id)
    .$if(lock, (q) => q.forUpdate('d'))
    .executeTakeFirst()
  if (!d) throw notFound('DISPUTE_NOT_FOUND', `dispute ${id}`, 'id')
  return d
}
export type DisputeRow = Awaited<ReturnType<typeof loadDispute>>

/** Who the caller is to this dispute (the workflow's relative roles). */
export function disputeRolesOf(ctx: RequestContext, d: DisputeRow): Set<DisputeRole> {
  const roles = new Set<DisputeRole>()
  const a = ctx.actor
  if (!a) return roles
  if (holds(a, ['admin', 'leader', 'staff'], d.area_path)) roles.add('coordinator')
  const dept = a.departmentId ?? null
  const body =
    dept !== null && (dept === d.committee_id || dept === d.department_id || d.joint_department_ids.includes(dept))
  if (d.mediator_ids.includes(a.userId) || body || holds(a, ['mediator'], d.area_path)) roles.add('mediator')
  return roles
}

const integer = { type: 'integer' } as const
const string = { type: 'string' } as const
const named = shape({ id: integer, code: string, nameZh: string, nameEn: string })
const nullableTimestamp = { type: ['string', 'null'], format: 'date-time' } as const

const disputeCore = {
  id: integer,
  reference: string,
  state: { type: 'string', enum: disputeStates },
  level: { type: ['string', 'null'], enum: [...mediationLevels, null] },
  category: { type: 'string', enum: disputeCategories },
  source: { type: 'string', enum: disputeSources },
  area: named,
  location: orNull(shape({ lng: { type: 'number' }, lat: { type: 'number' } })),
  address: nullable('string'),
  amount: nullable('number'),
  peopleInvolved: integer,
  riskLevel: { type: 'string', enum: riskLevels },
  committee: orNull(named),
  department: orNull(named),
  stageDueAt: nullableTimestamp,
  overdue: { type: 'boolean' },
  outcome: { type: ['string', 'null'], enum: [...outcomes, null] },
  settledLevel: { type: ['string', 'null'], enum: [...settledLevels, null] },
  registeredAt: timestamp,
  settledAt: nullableTimestamp,
  title: { ...string, description: 'The first applicant and respondent, by name' },
} as const
export const disputeViewSchema = shape(disputeCore)

export const partySchema = shape({
  id: integer,
  role: { type: 'string', enum: partyRoles },
  kind: { type: 'string', enum: ['person', 'organisation'] },
  personId: nullable('integer'),
  organisationId: nullable('integer'),
  name: string,
  idNumberMasked: nullable('string'),
  phoneMasked: nullable('string'),
  address: nullable('string'),
  vulnerable: { type: 'boolean' },
})

export const agreementElements = [
  'parties',
  'facts',
  'issues',
  'responsibilities',
  'terms',
  'performanceManner',
  'performanceDeadline',
  'partySignatures',
  'mediatorSignature',
  'seal',
] as const

export const agreementSchema = shape({
  id: integer,
  form: { type: 'string', enum: ['written', 'oral'] },
  status: { type: 'string', enum: ['draft', 'effective', 'performed', 'broken'] },
  facts: nullable('string'),
  issues: nullable('string'),
  responsibilities: nullable('string'),
  terms: nullable('string'),
  performanceManner: nullable('string'),
  performanceDeadline: { type: ['string', 'null'], format: 'date' },
  partySignatures: {
    type: 'array',
    items: shape({ partyId: integer, name: string, signedAt: timestamp, recordedBy: string }),
  },
  mediatorSignedBy: nullable('string'),
  mediatorSignedAt: nullableTimestamp,
  sealedBy: nullable('string'),
  sealedAt: nullableTimestamp,
  effectiveAt: nullableTimestamp,
  judicial: shape({
    deadline: nullableTimestamp,
    status: { type: ['string', 'null'], enum: ['applied', 'confirmed', 'refused', null] },
    court: nullable('string'),
    appliedOn: { type: ['string', 'null'], format: 'date' },
    decidedOn: { type: ['string', 'null'], format: 'date' },
    extension: nullable('string'),
  }),
  missing: {
    type: 'array',
    items: { type: 'string', enum: agreementElements },
    description: 'Elements still missing before the agreement can be finalised',
  },
})

export const disputeDetailSchema = shape({
  ...disputeCore,
  version: integer,
  facts: string,
  claims: string,
  threat: { type: 'boolean' },
  sourceCase: orNull(shape({ id: integer, trackingCode: string })),
  petitionId: nullable('integer'),
  jointDepartments: { type: 'array', items: named },
  mediators: { type: 'array', items: shape({ id: integer, displayName: string }) },
  court: nullable('string'),
  judicialMode: { type: ['string', 'null'], enum: [...judicialModes, null] },
  risk: shape({
    level: { type: 'string', enum: riskLevels },
    ruleLevel: { type: 'string', enum: riskLevels },
    rules: { type: 'array', items: shape({ code: string, nameZh: string, nameEn: string }) },
    judgement: { type: ['string', 'null'], enum: [...riskLevels, null] },
    reason: nullable('string'),
  }),
  closedAt: nullableTimestamp,
  reopenedFromAgreementId: nullable('integer'),
  parties: { type: 'array', items: partySchema },
  sessions: {
    type: 'array',
    items: shape({
      id: integer,
      heldAt: timestamp,
      place: string,
      attendees: { type: 'array', items: string },
      record: string,
    }),
  },
  agreement: orNull(agreementSchema),
  agreements: { type: 'array', items: agreementSchema, description: 'Every agreement, the earliest first' },
  followUps: {
    type: 'array',
    items: shape({
      id: integer,
      agreementId: integer,
      visitedAt: timestamp,
      performance: { type: 'string', enum: performances },
      note: string,
    }),
  },
  events: {
    type: 'array',
    items: shape({
      id: integer,
      at: timestamp,
      action: string,
      fromState: nullable('string'),
      toState: string,
      actorName: string,
      comment: nullable('string'),
      detail: { type: 'object', additionalProperties: true, description: 'What the step carried, by action' },
    }),
  },
  myRoles: { type: 'array', items: { type: 'string', enum: disputeRoles } },
  allowedActions: { type: 'array', items: { type: 'string', enum: disputeActions } },
})
export type DisputeDetail = Output<typeof disputeDetailSchema>
type AgreementView = Output<typeof agreementSchema>

const departmentLabel = async (tx: Tx, ids: number[]) => {
  if (ids.length === 0) return new Map<number, Output<typeof named>>()
  const rows = await tx
    .selectFrom('department')
    .select(['id', 'code', 'name_zh', 'name_en'])
    .where('id', 'in', ids)
    .execute()
  return new Map(rows.map((r) => [r.id, { id: r.id, code: r.code, nameZh: r.name_zh, nameEn: r.name_en }]))
}

type AgreementRow = Awaited<ReturnType<typeof agreementsOf>>[number]
export const agreementsOf = (tx: Tx, disputeId: number) =>
  tx.selectFrom('mediation_agreement').selectAll().where('dispute_id', '=', disputeId).orderBy('id').execute()

const dayText = (d: string | Date | null) =>
  d === null ? null : typeof d === 'string' ? d : d.toISOString().slice(0, 10)

/** The elements of art. 29 an agreement still lacks (an oral one needs no signatures or seal). */
export function missingElements(
  g: AgreementRow,
  parties: { id: number; name: string; address: string | null; idNumberMasked: string | null }[],
) {
  const missing: (typeof agreementElements)[number][] = []
  if (parties.some((p) => !p.name || (!p.address && !p.idNumberMasked))) missing.push('parties')
  if (!g.facts) missing.push('facts')
  if (!g.issues) missing.push('issues')
  if (!g.responsibilities) missing.push('responsibilities')
  if (!g.terms) missing.push('terms')
  if (!g.performance_manner) missing.push('performanceManner')
  if (!g.performance_deadline) missing.push('performanceDeadline')
  if (g.form === 'written') {
    const signed = new Set(signaturesOf(g).map((s) => s.partyId))
    if (parties.some((p) => !signed.has(p.id))) missing.push('partySignatures')
    if (!g.mediator_signed_at) missing.push('mediatorSignature')
    if (!g.sealed_at) missing.push('seal')
  }
  return missing
}

export const signaturesOf = (g: AgreementRow) =>
  (typeof g.party_signatures === 'string' ? JSON.parse(g.party_signatures) : g.party_signatures) as {
    partyId: number
    name: string
    signedAt: string
    recordedBy: string
  }[]

export function presentAgreement(g: AgreementRow, parties: Parameters<typeof missingElements>[1]): AgreementView {
  return {
    id: g.id,
    form: g.form as AgreementView['form'],
    status: g.status as AgreementView['status'],
    facts: g.facts,
    issues: g.issues,
    responsibilities: g.responsibilities,
    terms: g.terms,
    performanceManner: g.performance_manner,
    performanceDeadline: dayText(g.performance_deadline),
    partySignatures: signaturesOf(g),
    mediatorSignedBy: g.mediator_signed_by,
    mediatorSignedAt: g.mediator_signed_at?.toISOString() ?? null,
    sealedBy: g.sealed_by,
    sealedAt: g.sealed_at?.toISOString() ?? null,
    effectiveAt: g.effective_at?.toISOString() ?? null,
    judicial: {
      deadline: g.judicial_deadline?.toISOString() ?? null,
      status: g.judicial_status as AgreementView['judicial']['status'],
      court: g.judicial_court,
      appliedOn: dayText(g.judicial_applied_on),
      decidedOn: dayText(g.judicial_decided_on),
      extension: g.judicial_extension,
    },
    missing: g.status === 'draft' ? missingElements(g, parties) : [],
  }
}

export async function partiesOf(tx: Tx, disputeId: number): Promise<Output<typeof partySchema>[]> {
  const rows = await tx
    .selectFrom('dispute_party')
    .select([
      'id',
      'role',
      'kind',
      'person_id',
      'organisation_id',
      'name',
      'id_number_masked',
      'phone_masked',
      'address',
      'vulnerable',
    ])
    .where('dispute_id', '=', disputeId)
    .orderBy('sort')
    .execute()
  return rows.map((p) => ({
    id: p.id,
    role: p.role as (typeof partyRoles)[number],
    kind: p.kind as 'person' | 'organisation',
    personId: p.person_id,
    organisationId: p.organisation_id,
    name: p.name,
    idNumberMasked: p.id_number_masked,
    phoneMasked: p.phone_masked,
    address: p.address,
    vulnerable: p.vulnerable,
  }))
}

const pointOf = (tx: Tx, id: number) =>
  tx
    .selectFrom('dispute')
    .select([sql<number | null>`ST_X(location)`.as('lng'), sql<number | null>`ST_Y(location)`.as('lat')])
    .where('id', '=', id)
    .executeTakeFirstOrThrow()

export async function disputeDetail(tx: Tx, ctx: RequestContext, id: number, now: Date): Promise<DisputeDetail> {
  const d = await loadDispute(tx, id)
  const roles = disputeRolesOf(ctx, d)
  const [area, parties, sessions, agreements, followUps, events, rules, loc] = await Promise.all([
    tx
      .selectFrom('area')
      .select(['id', 'code', 'name_zh', 'name_en'])
      .where('id', '=', d.area_id)
      .executeTakeFirstOrThrow(),
    partiesOf(tx, id),
    tx.selectFrom('mediation_session').selectAll().where('dispute_id', '=', id).orderBy('held_at').execute(),
    agreementsOf(tx, id),
    tx.selectFrom('dispute_follow_up').selectAll().where('dispute_id', '=', id).orderBy('visited_at').execute(),
    tx.selectFrom('dispute_event').selectAll().where('dispute_id', '=', id).orderBy('id').execute(),
    tx
      .selectFrom('dispute_risk_rule')
      .select(['code', 'name_zh', 'name_en'])
      .where('code', 'in', d.risk_rules.length ? d.risk_rules : [''])
      .execute(),
    pointOf(tx, id),
  ])
  const depts = await departmentLabel(
    tx,
    [d.committee_id, d.department_id, ...d.joint_department_ids].filter((x): x is number => x !== null),
  )
  const mediators = d.mediator_ids.length
    ? await tx.selectFrom('app_user').select(['id', 'display_name']).where('id', 'in', d.mediator_ids).execute()
    : []
  const sourceCase = d.source_case_id
    ? ((await tx
        .selectFrom('cases')
        .select(['id', 'tracking_code'])
        .where('id', '=', d.source_case_id)
        .executeTakeFirst()) ?? null)
    : null
  const views = agreements.map((g) => presentAgreement(g, parties))
  const current = views.filter((g) => g.status !== 'broken').at(-1) ?? null
  return {
    ...coreView(d, area, depts, parties, now),
    location: loc.lng === null || loc.lat === null ? null : { lng: loc.lng, lat: loc.lat },
    version: d.version,
    facts: d.facts,
    claims: d.claims,
    threat: d.threat,
    sourceCase: sourceCase ? { id: sourceCase.id, trackingCode: sourceCase.tracking_code } : null,
    petitionId: d.petition_id,
    jointDepartments: d.joint_department_ids.flatMap((j) => (depts.has(j) ? [depts.get(j)!] : [])),
    mediators: mediators.map((m) => ({ id: m.id, displayName: m.display_name })),
    court: d.court,
    judicialMode: d.judicial_mode as DisputeDetail['judicialMode'],
    risk: {
      level: d.risk_level as RiskLevel,
      ruleLevel: d.risk_rule_level as RiskLevel,
      rules: d.risk_rules.map((code) => {
        const r = rules.find((x) => x.code === code)
        return { code, nameZh: r?.name_zh ?? code, nameEn: r?.name_en ?? code }
      }),
      judgement: d.risk_judgement as RiskLevel | null,
      reason: d.risk_reason,
    },
    closedAt: d.closed_at?.toISOString() ?? null,
    reopenedFromAgreementId: d.reopened_from_agreement_id,
    parties,
    sessions: sessions.map((s) => ({
      id: s.id,
      heldAt: s.held_at.toISOString(),
      place: s.place,
      attendees: s.attendees,
      record: s.record,
    })),
    agreement: current,
    agreements: views,
    followUps: followUps.map((f) => ({
      id: f.id,
      agreementId: f.agreement_id,
      visitedAt: f.visited_at.toISOString(),
      performance: f.performance as (typeof performances)[number],
      note: f.note,
    })),
    events: events.map((e) => ({
      id: e.id,
      at: e.at.toISOString(),
      action: e.action,
      fromState: e.from_state,
      toState: e.to_state,
      actorName: e.actor_name,
      comment: e.comment,
      detail: (typeof e.detail === 'string' ? JSON.parse(e.detail) : e.detail) as Record<string, unknown>,
    })),
    myRoles: [...roles],
    allowedActions: disputeWorkflow.allowed(d.state as DisputeState, roles),
  }
}

type CoreRow = Pick<
  DisputeRow,
  | 'id'
  | 'reference'
  | 'state'
  | 'level'
  | 'category'
  | 'source'
  | 'address'
  | 'amount'
  | 'people_involved'
  | 'risk_level'
  | 'committee_id'
  | 'department_id'
  | 'stage_due_at'
  | 'outcome'
  | 'settled_level'
  | 'registered_at'
  | 'settled_at'
>

function coreView(
  d: CoreRow,
  area: { id: number; code: string; name_zh: string; name_en: string },
  depts: Map<number, Output<typeof named>>,
  parties: { role: string; name: string }[],
  now: Date,
): Output<typeof disputeViewSchema> {
  const first = (role: string) => parties.find((p) => p.role === role)?.name ?? '—'
  return {
    id: d.id,
    reference: d.reference,
    state: d.state as DisputeState,
    level: d.level as Output<typeof disputeViewSchema>['level'],
    category: d.category as Output<typeof disputeViewSchema>['category'],
    source: d.source as Output<typeof disputeViewSchema>['source'],
    area: { id: area.id, code: area.code, nameZh: area.name_zh, nameEn: area.name_en },
    location: null,
    address: d.address,
    amount: d.amount === null ? null : Number(d.amount),
    peopleInvolved: d.people_involved,
    riskLevel: d.risk_level as RiskLevel,
    committee: d.committee_id === null ? null : (depts.get(d.committee_id) ?? null),
    department: d.department_id === null ? null : (depts.get(d.department_id) ?? null),
    stageDueAt: d.stage_due_at?.toISOString() ?? null,
    overdue: d.stage_due_at !== null && openDisputeStates.includes(d.state as DisputeState) && d.stage_due_at <= now,
    outcome: d.outcome as Output<typeof disputeViewSchema>['outcome'],
    settledLevel: d.settled_level as Output<typeof disputeViewSchema>['settledLevel'],
    registeredAt: d.registered_at.toISOString(),
    settledAt: d.settled_at?.toISOString() ?? null,
    title: `${first('applicant')} — ${first('respondent')}`,
  }
}

// ── The register (list) ──────────────────────────────────────────────────────────────────────

export const disputeFilterQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    ...pageQuerySchema,
    state: { type: 'string', enum: disputeStates },
    open: { type: 'boolean', description: 'Only disputes still being mediated' },
    riskLevel: { type: 'string', enum: riskLevels },
    minRisk: { type: 'string', enum: riskLevels, description: 'This level or higher' },
    category: { type: 'string', enum: disputeCategories },
    source: { type: 'string', enum: disputeSources },
    level: { type: 'string', enum: mediationLevels },
    areaId: id,
    overdue: { type: 'boolean' },
    q: { type: 'string', minLength: 1, maxLength: 100, description: 'Reference, or words of the facts' },
    from: date,
    to: date,
  },
} as const
export type DisputeFilter = Input<typeof disputeFilterQuery>

export function disputeListQuery(tx: Tx, f: DisputeFilter, areaPath: string | null, now: Date) {
  let q = tx.selectFrom('dispute as d').innerJoin('area as a', 'a.id', 'd.area_id')
  if (areaPath !== null) q = q.where('a.path', 'like', `${areaPath}%`)
  if (f.state) q = q.where('d.state', '=', f.state)
  if (f.open) q = q.where('d.state', 'in', openDisputeStates)
  if (f.riskLevel) q = q.where('d.risk_level', '=', f.riskLevel)
  if (f.minRisk) q = q.where('d.risk_level', 'in', riskLevels.slice(riskLevels.indexOf(f.minRisk)))
  if (f.category) q = q.where('d.category', '=', f.category)
  if (f.source) q = q.where('d.source', '=', f.source)
  if (f.level) q = q.where('d.level', '=', f.level)
  if (f.overdue) q = q.where('d.stage_due_at', '<=', now).where('d.state', 'in', openDisputeStates)
  if (f.from) q = q.where('d.registered_at', '>=', sql<Date>`${f.from}::date`)
  if (f.to) q = q.where('d.registered_at', '<', sql<Date>`${f.to}::date + 1`)
  if (f.q) {
    const words = f.q
    q = q.where((eb) => eb.or([eb('d.reference', '=', words.toUpperCase()), eb('d.facts', 'like', containing(words))]))
  }
  return q
}

export async function listDisputes(tx: Tx, f: DisputeFilter, now: Date) {
  const areaPath = f.areaId === undefined ? null : await areaPathOf(tx, f.areaId)
  const base = disputeListQuery(tx, f, areaPath, now)
  const [rows, count] = await Promise.all([
    base
      .select([
        'd.id',
        'd.reference',
        'd.state',
        'd.level',
        'd.category',
        'd.source',
        'd.address',
        'd.amount',
        'd.people_involved',
        'd.risk_level',
        'd.committee_id',
        'd.department_id',
        'd.stage_due_at',
        'd.outcome',
        'd.settled_level',
        'd.registered_at',
        'd.settled_at',
        'a.id as area_id',
        'a.code as area_code',
        'a.name_zh as area_name_zh',
        'a.name_en as area_name_en',
      ])
      .orderBy('d.registered_at', 'desc')
      .orderBy('d.id', 'desc')
      .limit(f.pageSize)
      .offset(offsetOf(f))
      .execute(),
    tx
      .selectFrom(base.select('d.id').limit(countLimitOf(f)).as('x'))
      .select(sql<number>`count(*)::int`.as('n'))
      .executeTakeFirstOrThrow(),
  ])
  const ids = rows.map((r) => r.id)
  const parties = ids.length
    ? await tx
        .selectFrom('dispute_party')
        .select(['dispute_id', 'role', 'name'])
        .where('dispute_id', 'in', ids)
        .where('role', 'in', ['applicant', 'respondent'])
        .orderBy('sort')
        .execute()
    : []
  const depts = await departmentLabel(tx, [
    ...new Set(rows.flatMap((r) => [r.committee_id, r.department_id]).filter((x): x is number => x !== null)),
  ])
  const items = rows.map((r) =>
    coreView(
      r,
      { id: r.area_id, code: r.area_code, name_zh: r.area_name_zh, name_en: r.area_name_en },
      depts,
      parties.filter((p) => p.dispute_id === r.id),
      now,
    ),
  )
  return paginate(f, items, count.n, { totalCapped: count.n >= countLimitOf(f) })
}

// ── The dispute map: open disputes with a location, by risk ─────────────────────────────────

export const disputeMapQuery = {
  type: 'object',
  additionalProperties: false,
  properties: { minRisk: { type: 'string', enum: riskLevels, default: 'low' }, areaId: id },
} as const

export const disputeMapSchema = shape({
  points: {
    type: 'array',
    items: shape({
      id: integer,
      reference: string,
      lng: { type: 'number' },
      lat: { type: 'number' },
      riskLevel: { type: 'string', enum: riskLevels },
      category: { type: 'string', enum: disputeCategories },
      state: { type: 'string', enum: disputeStates },
    }),
  },
})

export async function disputeMap(tx: Tx, f: Input<typeof disputeMapQuery>): Promise<Output<typeof disputeMapSchema>> {
  let q = tx
    .selectFrom('dispute as d')
    .innerJoin('area as a', 'a.id', 'd.area_id')
    .select([
      'd.id',
      'd.reference',
      'd.risk_level',
      'd.category',
      'd.state',
      sql<number>`ST_X(d.location)`.as('lng'),
      sql<number>`ST_Y(d.location)`.as('lat'),
    ])
    .where('d.location', 'is not', null)
    .where('d.state', 'in', openDisputeStates)
    .where('d.risk_level', 'in', riskLevels.slice(riskLevels.indexOf(f.minRisk)))
  if (f.areaId !== undefined) q = q.where('a.path', 'like', `${await areaPathOf(tx, f.areaId)}%`)
  const rows = await q.orderBy('d.id', 'desc').limit(5000).execute()
  return {
    points: rows.map((r) => ({
      id: r.id,
      reference: r.reference,
      lng: r.lng,
      lat: r.lat,
      riskLevel: r.risk_level as RiskLevel,
      category: r.category as Output<typeof disputeViewSchema>['category'],
      state: r.state as DisputeState,
    })),
  }
}
