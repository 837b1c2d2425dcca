import { type ExpressionBuilder, sql } from 'kysely'
import type { DB } from '../core/schema.js'
import { recordAudit } from '../audit/service.js'
import { notify, usersWithRoleOver } from '../cases/notify.js'
import type { FieldCipher } from '../core/crypto.js'
import type { Tx } from '../core/db.js'
import { AppError, notFound } from '../core/errors.js'
import type { Input, Output } from '../core/http.js'
import { countLimitOf, offsetOf, pageQuerySchema, pageSchema, paginate } from '../core/paging.js'
import { cancelTimers, scheduleTimers, type TimerHandler } from '../core/scheduler.js'
import { body, id, nullable, shape, text, timestamp } from '../core/schemas.js'
import { holds, requireActor, type RequestContext } from '../core/scope.js'
import { checkIdNumber, idTypes, normalisePhone } from '../registry/identity.js'
import { sealIdNumber, sealPhone, today } from '../registry/people.js'
import { createCase } from '../cases/intake.js'
import { areaPathOf } from '../jurisdiction/service.js'
import { registerDispute } from './disputes.js'
import {
  disputeCategories,
  openPetitionStates,
  PETITION_ANSWER_DAYS,
  PETITION_DECIDE_DAYS,
  PETITION_MAX_EXTENSION_DAYS,
  PETITION_REVIEW_DAYS,
  PETITION_REVIEW_REQUEST_DAYS,
  petitionActions,
  petitionChannels,
  petitionStates,
  petitionWorkflow,
  type PetitionRole,
  type PetitionState,
} from './workflow.js'

// Petitions (信访) received at the street, under the limits of the 信访工作条例 (2022): decide
// to accept or redirect within 15 days and tell the petitioner; answer within 60 days of
// acceptance, one extension of up to 30 days with a reason; a review requested within 30 days of
// the answer is decided within 30 days. Limits are calendar days. A late answer or review needs
// an extension or a stated reason for the delay, and is counted as late.

const DAY = 86_400_000
const addDays = (t: Date, n: number) => new Date(t.getTime() + n * DAY)

export const newPetitionBody = body(['areaId', 'channel', 'petitionerName', 'matter', 'matterKey'], {
  areaId: { ...id, description: 'The community or street the petition concerns' },
  channel: { type: 'string', enum: petitionChannels },
  petitionerName: text(100),
  idType: { type: 'string', enum: idTypes, default: 'resident_id' },
  idNumber: { type: 'string', minLength: 5, maxLength: 40 },
  phone: { type: 'string', minLength: 5, maxLength: 30 },
  personCount: { type: 'integer', minimum: 1, maximum: 10000, default: 1 },
  matter: text(4000),
  matterKey: { ...text(100), description: 'A short label of the matter; petitions with the same label are linked' },
  receivedAt: { type: 'string', format: 'date-time', description: 'When the letter or visit arrived (default now)' },
})

const petitionCore = {
  id: { type: 'integer' },
  reference: { type: 'string' },
  area: shape({ id: { type: 'integer' }, nameZh: { type: 'string' }, nameEn: { type: 'string' } }),
  channel: { type: 'string', enum: petitionChannels },
  petitionerName: { type: 'string' },
  petitionerIdMasked: nullable('string'),
  petitionerPhoneMasked: nullable('string'),
  personCount: { type: 'integer' },
  matter: { type: 'string' },
  matterKey: { type: 'string' },
  state: { type: 'string', enum: petitionStates },
  version: { type: 'integer' },
  receivedAt: timestamp,
  decideDueAt: timestamp,
  decidedAt: { type: ['string', 'null'], format: 'date-time' },
  redirectedTo: nullable('string'),
  answerDueAt: { type: ['string', 'null'], format: 'date-time' },
  extendedDays: nullable('integer'),
  extensionReason: nullable('string'),
  answer: nullable('string'),
  answeredAt: { type: ['string', 'null'], format: 'date-time' },
  reviewRequestedAt: { type: ['string', 'null'], format: 'date-time' },
  reviewDueAt: { type: ['string', 'null'], format: 'date-time' },
  reviewDecision: nullable('string'),
  reviewedAt: { type: ['string', 'null'], format: 'date-time' },
  dueAt: { type: ['string', 'null'], format: 'date-time', description: 'The limit running now, if any' },
  overdue: { type: 'boolean' },
  repeatOfId: nullable('integer'),
  repeats: {
    type: 'integer',
    description: 'Petitions of the same petitioner or matter in the area, this one included',
  },
  disputeId: nullable('integer'),
  caseId: nullable('integer'),
} as const
export const petitionItemSchema = shape(petitionCore)
export const petitionSchema = shape({
  ...petitionCore,
  allowedActions: { type: 'array', items: { type: 'string', enum: petitionActions } },
  events: {
    type: 'array',
    items: shape({
      at: timestamp,
      action: { type: 'string' },
      toState: { type: 'string' },
      actorName: { type: 'string' },
      comment: nullable('string'),
    }),
  },
})
export type PetitionView = Output<typeof petitionSchema>

const handlerRoles = ['admin', 'leader', 'staff'] as const

async function schedule(tx: Tx, petitionId: number, stage: string, seq: number, start: Date, due: Date, now: Date) {
  await cancelTimers(tx, 'petition', petitionId, now)
  await scheduleTimers(tx, [
    {
      subject_type: 'petition',
      subject_id: petitionId,
      kind: 'warn',
      stage,
      stage_seq: seq,
      due_at: new Date(start.getTime() + 0.8 * (due.getTime() - start.getTime())),
    },
    { subject_type: 'petition', subject_id: petitionId, kind: 'overdue', stage, stage_seq: seq, due_at: due },
  ])
}

/** Petitions that repeat one: the same petitioner (blind index of the ID number), or the same matter in the area. */
const repeating = (bidx: string | null, areaId: number, matterKey: string) => (eb: ExpressionBuilder<DB, 'petition'>) =>
  eb.or([
    ...(bidx ? [eb('petitioner_bidx', '=', bidx)] : []),
    eb.and([eb('area_id', '=', areaId), eb('matter_key', '=', matterKey)]),
  ])

export async function registerPetition(
  tx: Tx,
  ctx: RequestContext,
  input: Input<typeof newPetitionBody>,
  now: Date,
  cipher: FieldCipher,
): Promise<{ id: number; reference: string; repeats: number }> {
  const actor = requireActor(ctx)
  const area = await tx
    .selectFrom('area')
    .select(['id', 'path', 'level'])
    .where('id', '=', input.areaId)
    .executeTakeFirst()
  if (!area) throw notFound('AREA_NOT_FOUND', `area ${input.areaId}`, 'areaId')
  if (!holds(actor, handlerRoles, area.path))
    throw new AppError('FORBIDDEN', 'petitions are registered by the staff of the area', 'areaId')
  const receivedAt = input.receivedAt ? new Date(input.receivedAt) : now
  if (receivedAt > now)
    throw new AppError('VALIDATION_FAILED', 'a petition cannot be received in the future', 'receivedAt')
  const identity = input.idNumber
    ? sealIdNumber(cipher, input.idType, checkIdNumber(input.idType, input.idNumber, today(now), 'idNumber').number)
    : null
  const phone = input.phone ? sealPhone(cipher, normalisePhone(input.phone)) : null
  const matterKey = input.matterKey.trim().toLowerCase()
  // Repeated petitions: the same petitioner (by ID number) or the same matter in the same area.
  const earlier = await tx
    .selectFrom('petition')
    .select(['id'])
    .where(repeating(identity?.id_number_bidx ?? null, area.id, matterKey))
    .orderBy('id')
    .execute()
  const { rows } = await sql<{ id: number }>`select nextval('petition_id_seq')::int as id`.execute(tx)
  const petitionId = rows[0]!.id
  const reference = `XF${today(now).slice(0, 4)}-${String(petitionId).padStart(7, '0')}`
  const decideDue = addDays(receivedAt, PETITION_DECIDE_DAYS)
  await tx
    .insertInto('petition')
    .values({
      id: petitionId,
      reference,
      area_id: area.id,
      district_id: Number(area.path.split('/').filter(Boolean)[1] ?? area.id),
      channel: input.channel,
      petitioner_name: input.petitionerName,
      petitioner_id_enc: identity?.id_number_enc ?? null,
      petitioner_bidx: identity?.id_number_bidx ?? null,
      petitioner_id_masked: identity?.id_number_masked ?? null,
      petitioner_phone_enc: phone?.phone_enc ?? null,
      petitioner_phone_masked: phone?.phone_masked ?? null,
      person_count: input.personCount,
      matter: input.matter,
      matter_key: matterKey,
      state: 'received',
      received_at: receivedAt,
      decide_due_at: decideDue,
      repeat_of_id: earlier[0]?.id ?? null,
      stage_seq: 1,
      created_by: actor.userId,
      updated_at: now,
    })
    .execute()
  await schedule(tx, petitionId, 'decide', 1, receivedAt, decideDue, now)
  await petitionEvent(tx, ctx, petitionId, 'register', null, 'received', null, now)
  await recordAudit(tx, ctx, {
    action: 'petition.register',
    entityType: 'petition',
    entityId: petitionId,
    areaId: area.id,
    detail: { channel: input.channel, repeats: earlier.length },
  })
  return { id: petitionId, reference, repeats: earlier.length + 1 }
}

async function petitionEvent(
  tx: Tx,
  ctx: RequestContext,
  petitionId: number,
  action: string,
  from: string | null,
  to: string,
  comment: string | null,
  at: Date,
  detail: object = {},
) {
  await tx
    .insertInto('petition_event')
    .values({
      petition_id: petitionId,
      at,
      action,
      from_state: from,
      to_state: to,
      actor_id: ctx.actor?.userId ?? null,
      actor_name: ctx.actor?.displayName ?? 'system',
      comment,
      detail: JSON.stringify(detail),
    })
    .execute()
}

async function loadPetition(tx: Tx, petitionId: number) {
  const p = await tx
    .selectFrom('petition as p')
    .innerJoin('area as a', 'a.id', 'p.area_id')
    .selectAll('p')
    .select(['a.path as area_path', 'a.name_zh as area_name_zh', 'a.name_en as area_name_en'])
    .where('p.id', '=', petitionId)
    .executeTakeFirst()
  if (!p) throw notFound('PETITION_NOT_FOUND', `petition ${petitionId}`, 'id')
  return p
}
type PetitionRow = Awaited<ReturnType<typeof loadPetition>>

function petitionRolesOf(ctx: RequestContext, p: PetitionRow): Set<PetitionRole> {
  const roles = new Set<PetitionRole>()
  if (holds(ctx.actor, ['admin', 'staff'], p.area_path)) roles.add('handler')
  if (holds(ctx.actor, ['admin', 'leader'], p.area_path)) roles.add('supervisor')
  return roles
}

const dueOf = (p: Pick<PetitionRow, 'state' | 'decide_due_at' | 'answer_due_at' | 'review_due_at'>) =>
  p.state === 'received'
    ? p.decide_due_at
    : p.state === 'accepted'
      ? p.answer_due_at
      : p.state === 'review_requested'
        ? p.review_due_at
        : null

const iso = (t: Date | null) => t?.toISOString() ?? null

export async function petitionDetail(
  tx: Tx,
  ctx: RequestContext,
  petitionId: number,
  now: Date,
): Promise<PetitionView> {
  const p = await loadPetition(tx, petitionId)
  const events = await tx
    .selectFrom('petition_event')
    .selectAll()
    .where('petition_id', '=', petitionId)
    .orderBy('id')
    .execute()
  const repeats = await tx
    .selectFrom('petition')
    .select(sql<number>`count(*)::int`.as('n'))
    .where(repeating(p.petitioner_bidx, p.area_id, p.matter_key))
    .executeTakeFirstOrThrow()
  return {
    ...presentPetition(p, now),
    repeats: repeats.n,
    allowedActions: petitionWorkflow.allowed(p.state, petitionRolesOf(ctx, p)),
    events: events.map((e) => ({
      at: e.at.toISOString(),
      action: e.action,
      toState: e.to_state,
      actorName: e.actor_name,
      comment: e.comment,
    })),
  }
}

type ListRow = Omit<PetitionRow, 'area_path' | 'petitioner_id_enc' | 'petitioner_phone_enc'>
function presentPetition(p: ListRow, now: Date): Omit<PetitionView, 'repeats' | 'allowedActions' | 'events'> {
  const due = dueOf(p)
  return {
    id: p.id,
    reference: p.reference,
    area: { id: p.area_id, nameZh: p.area_name_zh, nameEn: p.area_name_en },
    channel: p.channel,
    petitionerName: p.petitioner_name,
    petitionerIdMasked: p.petitioner_id_masked,
    petitionerPhoneMasked: p.petitioner_phone_masked,
    personCount: p.person_count,
    matter: p.matter,
    matterKey: p.matter_key,
    state: p.state,
    version: p.version,
    receivedAt: p.received_at.toISOString(),
    decideDueAt: p.decide_due_at.toISOString(),
    decidedAt: iso(p.decided_at),
    redirectedTo: p.redirected_to,
    answerDueAt: iso(p.answer_due_at),
    extendedDays: p.extended_days,
    extensionReason: p.extension_reason,
    answer: p.answer,
    answeredAt: iso(p.answered_at),
    reviewRequestedAt: iso(p.review_requested_at),
    reviewDueAt: iso(p.review_due_at),
    reviewDecision: p.review_decision,
    reviewedAt: iso(p.reviewed_at),
    dueAt: iso(due),
    overdue: due !== null && due <= now,
    repeatOfId: p.repeat_of_id,
    disputeId: p.dispute_id,
    caseId: p.case_id,
  }
}

export const petitionListSchema = pageSchema(petitionItemSchema)

export const petitionFilterQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    ...pageQuerySchema,
    state: { type: 'string', enum: petitionStates },
    open: { type: 'boolean' },
    overdue: { type: 'boolean' },
    areaId: id,
    matterKey: text(100),
  },
} as const

export async function listPetitions(tx: Tx, f: Input<typeof petitionFilterQuery>, now: Date) {
  let q = tx.selectFrom('petition as p').innerJoin('area as a', 'a.id', 'p.area_id')
  if (f.areaId !== undefined) q = q.where('a.path', 'like', `${await areaPathOf(tx, f.areaId)}%`)
  if (f.state) q = q.where('p.state', '=', f.state)
  if (f.open) q = q.where('p.state', 'in', openPetitionStates)
  if (f.matterKey) q = q.where('p.matter_key', '=', f.matterKey.trim().toLowerCase())
  if (f.overdue)
    q = q.where((eb) =>
      eb.or([
        eb.and([eb('p.state', '=', 'received'), eb('p.decide_due_at', '<=', now)]),
        eb.and([eb('p.state', '=', 'accepted'), eb('p.answer_due_at', '<=', now)]),
        eb.and([eb('p.state', '=', 'review_requested'), eb('p.review_due_at', '<=', now)]),
      ]),
    )
  const [rows, count] = await Promise.all([
    q
      .selectAll('p')
      .select(['a.name_zh as area_name_zh', 'a.name_en as area_name_en'])
      .select((eb) =>
        eb
          .selectFrom('petition as r')
          .select(sql<number>`count(*)::int`.as('n'))
          .where((w) =>
            w.or([
              w.and([w('r.petitioner_bidx', 'is not', null), w('r.petitioner_bidx', '=', w.ref('p.petitioner_bidx'))]),
              w.and([w('r.area_id', '=', w.ref('p.area_id')), w('r.matter_key', '=', w.ref('p.matter_key'))]),
            ]),
          )
          .as('repeats'),
      )
      .orderBy('p.received_at', 'desc')
      .orderBy('p.id', 'desc')
      .limit(f.pageSize)
      .offset(offsetOf(f))
      .execute(),
    tx
      .selectFrom(q.select('p.id').limit(countLimitOf(f)).as('x'))
      .select(sql<number>`count(*)::int`.as('n'))
      .executeTakeFirstOrThrow(),
  ])
  const items = rows.map((r) => ({ ...presentPetition(r, now), repeats: r.repeats ?? 1 }))
  return paginate(f, items, count.n, { totalCapped: count.n >= countLimitOf(f) })
}

export const petitionActionBody = body(['action'], {
  action: { type: 'string', enum: petitionActions },
  version: { type: 'integer', minimum: 1 },
  comment: text(2000),
  redirectedTo: { ...text(200), description: 'redirect: the body competent for the matter' },
  days: { type: 'integer', minimum: 1, maximum: PETITION_MAX_EXTENSION_DAYS, description: 'extend: days added' },
  answer: { ...text(8000), description: 'answer: the written answer; decide_review: the review decision' },
  lateReason: { ...text(1000), description: 'answer, decide_review after the limit: why it is late' },
  requestedAt: { type: 'string', format: 'date-time', description: 'request_review: when the petitioner asked' },
  case: body(['categoryCode', 'gridId', 'address'], {
    categoryCode: { type: 'string', minLength: 1, maxLength: 20, description: 'to_case: the event category' },
    gridId: { ...id, description: 'to_case: the grid the problem is in' },
    address: text(300),
    attributes: {
      type: 'object',
      maxProperties: 50,
      additionalProperties: true,
      description: 'to_case: the category’s extra attributes',
    },
  }),
  dispute: body(['category', 'respondentName'], {
    category: { type: 'string', enum: disputeCategories },
    respondentName: text(200),
    peopleInvolved: { type: 'integer', minimum: 1, maximum: 100000, default: 2 },
    amount: { type: 'number', minimum: 0, maximum: 999999999999 },
  }),
})

/** Takes a petition action under the statutory limits; a late answer or review decision needs a reason. */
export async function performPetitionAction(
  tx: Tx,
  ctx: RequestContext,
  petitionId: number,
  input: Input<typeof petitionActionBody>,
  now: Date,
  cipher: FieldCipher,
): Promise<void> {
  const p = await loadPetition(tx, petitionId)
  const roles = petitionRolesOf(ctx, p)
  const from = p.state
  let to: PetitionState = petitionWorkflow.check(from, input.action, roles)
  if (input.version !== undefined && input.version !== p.version)
    throw new AppError('CONFLICT', `the petition changed meanwhile (version ${p.version}); reload it`, 'version')
  const need = <T>(v: T | undefined, field: string, what: string): T => {
    if (v === undefined || v === '')
      throw new AppError('VALIDATION_FAILED', `${what} is required for this action`, field)
    return v
  }
  const patch: Record<string, unknown> = { state: to }
  const detail: Record<string, unknown> = {}
  let seq = p.stage_seq
  switch (input.action) {
    case 'accept': {
      const due = addDays(now, PETITION_ANSWER_DAYS)
      Object.assign(patch, { decided_at: now, answer_due_at: due })
      seq += 1
      await schedule(tx, p.id, 'answer', seq, now, due, now)
      detail.decidedOnTime = now <= p.decide_due_at
      break
    }
    case 'redirect':
      Object.assign(patch, {
        decided_at: now,
        redirected_to: need(input.redirectedTo, 'redirectedTo', 'the competent body'),
      })
      need(input.comment, 'comment', 'the reason, as told to the petitioner')
      await cancelTimers(tx, 'petition', p.id, now)
      detail.decidedOnTime = now <= p.decide_due_at
      break
    case 'extend': {
      if (p.extended_days !== null)
        throw new AppError('PETITION_LIMIT_PASSED', 'the answer limit may be extended once only', 'days')
      if (p.answer_due_at && now > p.answer_due_at)
        throw new AppError('PETITION_LIMIT_PASSED', 'an extension is approved before the answer limit passes', 'days')
      const days = need(input.days, 'days', 'the days added (at most 30)')
      const due = addDays(p.answer_due_at!, days)
      Object.assign(patch, {
        extended_days: days,
        extension_reason: need(input.comment, 'comment', 'the reason told to the petitioner'),
        answer_due_at: due,
      })
      seq += 1
      await schedule(tx, p.id, 'answer', seq, now, due, now)
      detail.days = days
      break
    }
    case 'answer': {
      const late = p.answer_due_at !== null && now > p.answer_due_at
      if (late && !input.lateReason)
        throw new AppError(
          'PETITION_LIMIT_PASSED',
          `the answer was due on ${p.answer_due_at!.toISOString()}; give the reason for the delay (lateReason)`,
          'lateReason',
        )
      Object.assign(patch, { answer: need(input.answer, 'answer', 'the written answer'), answered_at: now })
      await cancelTimers(tx, 'petition', p.id, now)
      Object.assign(detail, { onTime: !late, lateReason: input.lateReason ?? null })
      break
    }
    case 'request_review': {
      const at = input.requestedAt ? new Date(input.requestedAt) : now
      if (at > now) throw new AppError('VALIDATION_FAILED', 'a review cannot be requested in the future', 'requestedAt')
      if (p.answered_at && at.getTime() > p.answered_at.getTime() + PETITION_REVIEW_REQUEST_DAYS * DAY)
        throw new AppError('PETITION_LIMIT_PASSED', 'a review is requested within 30 days of the answer', 'requestedAt')
      const due = addDays(at, PETITION_REVIEW_DAYS)
      Object.assign(patch, { review_requested_at: at, review_due_at: due })
      seq += 1
      await schedule(tx, p.id, 'review', seq, at, due, now)
      break
    }
    case 'decide_review': {
      const late = p.review_due_at !== null && now > p.review_due_at
      if (late && !input.lateReason)
        throw new AppError(
          'PETITION_LIMIT_PASSED',
          'the review limit has passed; give the reason for the delay (lateReason)',
          'lateReason',
        )
      Object.assign(patch, { review_decision: need(input.answer, 'answer', 'the review decision'), reviewed_at: now })
      await cancelTimers(tx, 'petition', p.id, now)
      Object.assign(detail, { onTime: !late, lateReason: input.lateReason ?? null })
      break
    }
    case 'to_dispute': {
      if (p.dispute_id !== null) throw new AppError('CONFLICT', 'this petition is already a dispute', 'action')
      const dispute = need(input.dispute, 'dispute', 'the dispute’s category and respondent')
      const created = await registerDispute(
        tx,
        ctx,
        {
          category: dispute.category,
          source: 'petitions_office',
          areaId: p.area_id,
          address: p.matter.slice(0, 300),
          facts: p.matter,
          claims: input.comment ?? p.matter,
          amount: dispute.amount,
          peopleInvolved: Math.max(dispute.peopleInvolved, p.person_count),
          petitionId: p.id,
          parties: [
            { role: 'applicant', name: p.petitioner_name, idType: 'resident_id' },
            { role: 'respondent', name: dispute.respondentName, idType: 'resident_id' },
          ],
        },
        now,
        cipher,
      )
      // The petitioner's identifiers travel sealed, as they were received.
      await tx
        .updateTable('dispute_party')
        .set({
          id_number_enc: p.petitioner_id_enc ? Buffer.from(p.petitioner_id_enc) : null,
          id_number_bidx: p.petitioner_bidx,
          id_number_masked: p.petitioner_id_masked,
          phone_enc: p.petitioner_phone_enc ? Buffer.from(p.petitioner_phone_enc) : null,
          phone_masked: p.petitioner_phone_masked,
        })
        .where('dispute_id', '=', created.id)
        .where('role', '=', 'applicant')
        .execute()
      patch.dispute_id = created.id
      detail.disputeId = created.id
      to = from
      break
    }
    case 'to_case': {
      if (p.case_id !== null) throw new AppError('CONFLICT', 'this petition is already an event case', 'action')
      const c = need(input.case, 'case', 'the case’s category, grid and address')
      // Filed as the hotline files a call, naming the petitioner (their sealed phone stays with the petition).
      const created = await createCase(
        tx,
        ctx,
        {
          categoryCode: c.categoryCode,
          areaId: c.gridId,
          address: c.address,
          description: p.matter,
          attributes: c.attributes,
          reporterName: p.petitioner_name,
        },
        now,
        { cipher, channel: 'hotline' },
      )
      patch.case_id = created.id
      detail.caseId = created.id
      detail.trackingCode = created.trackingCode
      to = from
      break
    }
    case 'close':
      break
  }
  const updated = await tx
    .updateTable('petition')
    .set({ ...patch, stage_seq: seq, version: p.version + 1, updated_at: now })
    .where('id', '=', p.id)
    .where('version', '=', p.version)
    .executeTakeFirst()
  if (Number(updated.numUpdatedRows) !== 1)
    throw new AppError('CONFLICT', 'someone else acted on this petition at the same moment; reload it', 'version')
  await petitionEvent(tx, ctx, p.id, input.action, from, to, input.comment ?? null, now, detail)
  await recordAudit(tx, ctx, {
    action: `petition.${input.action}`,
    entityType: 'petition',
    entityId: p.id,
    areaId: p.area_id,
    detail: { from, to, ...detail },
  })
}

/** A petition's limit: staff of the area are warned at 80%, leaders when it has passed. */
export const petitionTimerHandler: TimerHandler = async (tx, timer, now) => {
  const p = await tx
    .selectFrom('petition as p')
    .innerJoin('area as a', 'a.id', 'p.area_id')
    .select(['p.id', 'p.reference', 'p.state', 'p.stage_seq', 'a.path'])
    .where('p.id', '=', timer.subject_id)
    .executeTakeFirst()
  if (!p || p.stage_seq !== timer.stage_seq || !openPetitionStates.includes(p.state)) return
  const warn = timer.kind === 'warn'
  await notify(tx, await usersWithRoleOver(tx, warn ? ['staff'] : ['leader'], p.path), {
    kind: warn ? 'petition_warning' : 'petition_overdue',
    caseId: null,
    params: { petitionId: p.id, reference: p.reference, stage: timer.stage, state: p.state },
    at: now,
  })
}
