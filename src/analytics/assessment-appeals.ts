import { recordAudit } from '../audit/service.js'
import type { Tx } from '../core/db.js'
import { AppError, notFound } from '../core/errors.js'
import type { Input, Output } from '../core/http.js'
import { offsetOf, pageQuerySchema, paginate } from '../core/paging.js'
import { body, id, shape, timestamp } from '../core/schemas.js'
import { requireActor, type RequestContext } from '../core/scope.js'
import { assessmentStaff, assessors, periodSchema, requireOver, unitTypes, type UnitType } from './assessment.js'

/*
 * Appeals and rewards and penalties of the assessment.
 *
 * Appeals. The assessed unit — a user of the department, an admin, leader or staff member holding
 * a grant on the street or community (or below it), the grid worker themself — appeals its score
 * of a published run until the run's appeal_until (published_at + the scheme's appealDays); later,
 * 409 ASSESSMENT_APPEAL_WINDOW_CLOSED naming scoreId. One open appeal per score. A leader or admin
 * over the scheme's area decides: uphold (the score stands) or correct (a new value and the
 * reason). A correction never overwrites the score: the score keeps its run value, the corrected
 * value and its reason are set beside it, an assessment_adjustment row records from, to, why, who
 * and the appeal, and the audit trail has the decision.
 *
 * Rewards and penalties (奖惩). Proposed by staff (admin, leader, staff over the area) for a score
 * (the unit and period taken from it) or for a unit and period named; approved or rejected by a
 * leader or admin over the area who is not the proposer; every step audited. Kinds: commendation
 * (通报表扬), bonus (奖金, an amount), criticism (通报批评), deduction (扣减绩效, an amount),
 * warning (诫勉).
 */

const reason = { type: 'string', minLength: 1, maxLength: 2000 } as const

export const appealBody = body(['reason'], { reason })

export const decisionBody = body(['decision', 'note'], {
  decision: { type: 'string', enum: ['uphold', 'correct'] },
  correctedScore: { type: 'number', minimum: 0, maximum: 100, description: 'Required to correct' },
  note: { ...reason, description: 'Why: shown beside the corrected score' },
})

export const appealQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    status: { type: 'string', enum: ['open', 'upheld', 'corrected'] },
    runId: id,
    ...pageQuerySchema,
  },
} as const

export const appealSchema = shape({
  id: { type: 'integer' },
  scoreId: { type: 'integer' },
  runId: { type: 'integer' },
  period: { type: 'string' },
  unitType: { type: 'string', enum: unitTypes },
  unitNameZh: { type: 'string' },
  unitNameEn: { type: 'string' },
  score: { type: ['number', 'null'] },
  filedBy: { type: 'string' },
  filedAt: timestamp,
  reason: { type: 'string' },
  status: { type: 'string', enum: ['open', 'upheld', 'corrected'] },
  decidedBy: { type: ['string', 'null'] },
  decidedAt: { type: ['string', 'null'], format: 'date-time' },
  decisionNote: { type: ['string', 'null'] },
  correctedScore: { type: ['number', 'null'] },
})
type AppealOut = Output<typeof appealSchema>

export const sanctionKinds = ['commendation', 'bonus', 'criticism', 'deduction', 'warning'] as const

export const sanctionBody = body(['kind', 'reason'], {
  scoreId: { ...id, description: 'The score it rests on (the unit and period are taken from it)' },
  areaId: { ...id, description: 'Without scoreId: the assessing area' },
  unitType: { type: 'string', enum: unitTypes, description: 'Without scoreId' },
  unitId: { ...id, description: 'Without scoreId: the department, street or community, or grid worker (user)' },
  period: periodSchema,
  person: { type: 'string', minLength: 1, maxLength: 100, description: 'The person it concerns within the unit' },
  kind: { type: 'string', enum: sanctionKinds },
  amount: { type: 'number', exclusiveMinimum: 0, maximum: 10000000, description: 'Yuan; bonus and deduction only' },
  reason,
})
export type NewSanction = Input<typeof sanctionBody>

export const sanctionDecisionBody = body(['decision'], {
  decision: { type: 'string', enum: ['approve', 'reject'] },
  note: { type: 'string', maxLength: 2000 },
})

export const sanctionQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    status: { type: 'string', enum: ['proposed', 'approved', 'rejected'] },
    areaId: id,
    period: periodSchema,
    ...pageQuerySchema,
  },
} as const

export const sanctionSchema = shape({
  id: { type: 'integer' },
  areaId: { type: 'integer' },
  unitType: { type: 'string', enum: unitTypes },
  unitId: { type: 'integer' },
  unitNameZh: { type: 'string' },
  unitNameEn: { type: 'string' },
  person: { type: ['string', 'null'] },
  period: { type: 'string' },
  scoreId: { type: ['integer', 'null'] },
  score: { type: ['number', 'null'], description: 'The linked score as it stands (corrected where corrected)' },
  kind: { type: 'string', enum: sanctionKinds },
  amount: { type: ['number', 'null'] },
  reason: { type: 'string' },
  status: { type: 'string', enum: ['proposed', 'approved', 'rejected'] },
  proposedBy: { type: 'string' },
  proposedAt: timestamp,
  approver: { type: ['string', 'null'] },
  decidedAt: { type: ['string', 'null'], format: 'date-time' },
  decisionNote: { type: ['string', 'null'] },
})
type SanctionOut = Output<typeof sanctionSchema>

const iso = (d: Date | string) => new Date(d).toISOString()
const isoOrNull = (d: Date | string | null) => (d === null ? null : iso(d))
const numOrNull = (v: number | string | null) => (v === null ? null : Number(v))

async function loadScore(tx: Tx, scoreId: number, field: string | null) {
  const s = await tx
    .selectFrom('assessment_score as s')
    .innerJoin('assessment_run as r', 'r.id', 's.run_id')
    .innerJoin('area as a', 'a.id', 's.area_id')
    .leftJoin('area as ua', 'ua.id', 's.unit_area_id')
    .select([
      's.id',
      's.run_id',
      's.area_id',
      's.unit_type',
      's.unit_id',
      's.unit_area_id',
      's.unit_name_zh',
      's.unit_name_en',
      's.score',
      's.corrected_score',
      'r.period',
      'r.published_at',
      'r.appeal_until',
      'a.path',
      'ua.path as unit_path',
    ])
    .where('s.id', '=', scoreId)
    .executeTakeFirst()
  if (!s) throw notFound('ASSESSMENT_SCORE_NOT_FOUND', `score ${scoreId}`, field)
  return s
}

/** Whether the caller is the assessed unit of a score (who may appeal it). */
function isAssessedUnit(
  ctx: RequestContext,
  s: { unit_type: string; unit_id: number; unit_path: string | null },
): boolean {
  const a = ctx.actor
  if (!a) return false
  if (s.unit_type === 'department') return a.departmentId === s.unit_id
  if (s.unit_type === 'grid_worker') return a.userId === s.unit_id
  // A street or community: those who hold an office role on it or below it.
  return a.grants.some(
    (g) => (assessmentStaff as readonly string[]).includes(g.role) && !!s.unit_path && g.path.startsWith(s.unit_path),
  )
}

function appealRows(tx: Tx) {
  return tx
    .selectFrom('assessment_appeal as p')
    .innerJoin('assessment_score as s', 's.id', 'p.score_id')
    .innerJoin('assessment_run as r', 'r.id', 'p.run_id')
    .innerJoin('area as a', 'a.id', 'p.area_id')
    .leftJoin('app_user as f', 'f.id', 'p.filed_by')
    .leftJoin('app_user as d', 'd.id', 'p.decided_by')
    .select([
      'p.id',
      'p.score_id',
      'p.run_id',
      'r.period',
      's.unit_type',
      's.unit_name_zh',
      's.unit_name_en',
      's.score',
      'f.display_name as filed_by',
      'p.filed_at',
      'p.reason',
      'p.status',
      'd.display_name as decided_by',
      'p.decided_at',
      'p.decision_note',
      'p.corrected_score',
      'p.filed_by as filer_id',
      'a.path',
      'p.area_id',
    ])
}

type AppealRow = Awaited<ReturnType<ReturnType<typeof appealRows>['execute']>>[number]

const appealOut = (p: AppealRow): AppealOut => ({
  id: Number(p.id),
  scoreId: Number(p.score_id),
  runId: Number(p.run_id),
  period: p.period,
  unitType: p.unit_type as UnitType,
  unitNameZh: p.unit_name_zh,
  unitNameEn: p.unit_name_en,
  score: numOrNull(p.score),
  filedBy: p.filed_by ?? '',
  filedAt: iso(p.filed_at),
  reason: p.reason,
  status: p.status as AppealOut['status'],
  decidedBy: p.decided_by ?? null,
  decidedAt: isoOrNull(p.decided_at),
  decisionNote: p.decision_note,
  correctedScore: numOrNull(p.corrected_score),
})

async function appealDetail(tx: Tx, appealId: number): Promise<AppealOut> {
  const p = await appealRows(tx).where('p.id', '=', appealId).executeTakeFirst()
  if (!p) throw notFound('ASSESSMENT_APPEAL_NOT_FOUND', `appeal ${appealId}`)
  return appealOut(p)
}

export async function fileAppeal(
  tx: Tx,
  ctx: RequestContext,
  scoreId: number,
  input: Input<typeof appealBody>,
  now: Date,
): Promise<AppealOut> {
  const actor = requireActor(ctx)
  const s = await loadScore(tx, scoreId, 'scoreId')
  if (s.published_at === null) throw notFound('ASSESSMENT_SCORE_NOT_FOUND', `score ${scoreId}`, 'scoreId')
  if (!isAssessedUnit(ctx, s)) throw new AppError('FORBIDDEN', 'only the assessed unit appeals its score', 'scoreId')
  if (s.appeal_until !== null && now.getTime() > new Date(s.appeal_until).getTime())
    throw new AppError(
      'ASSESSMENT_APPEAL_WINDOW_CLOSED',
      `appeals closed at ${new Date(s.appeal_until).toISOString()}`,
      'scoreId',
      {},
      { appealUntil: new Date(s.appeal_until).toISOString() },
    )
  const open = await tx
    .selectFrom('assessment_appeal')
    .select('id')
    .where('score_id', '=', scoreId)
    .where('status', '=', 'open')
    .executeTakeFirst()
  if (open)
    throw new AppError(
      'ASSESSMENT_APPEAL_OPEN',
      'an appeal of this score is open already',
      'scoreId',
      {},
      {
        appealId: Number(open.id),
      },
    )
  const { id: appealId } = await tx
    .insertInto('assessment_appeal')
    .values({
      score_id: scoreId,
      run_id: s.run_id,
      area_id: s.area_id,
      filed_by: actor.userId,
      filed_at: now,
      reason: input.reason,
    })
    .returning('id')
    .executeTakeFirstOrThrow()
  await recordAudit(tx, ctx, {
    action: 'assessment.appeal',
    entityType: 'assessment_appeal',
    entityId: Number(appealId),
    areaId: s.area_id,
    detail: { scoreId, score: numOrNull(s.score) },
  })
  return appealDetail(tx, Number(appealId))
}

export async function decideAppeal(
  tx: Tx,
  ctx: RequestContext,
  appealId: number,
  input: Input<typeof decisionBody>,
  now: Date,
): Promise<AppealOut> {
  const actor = requireActor(ctx)
  const p = await appealRows(tx).where('p.id', '=', appealId).executeTakeFirst()
  if (!p) throw notFound('ASSESSMENT_APPEAL_NOT_FOUND', `appeal ${appealId}`)
  requireOver(ctx, assessors, p.path, null)
  if (p.status !== 'open') throw new AppError('ASSESSMENT_APPEAL_DECIDED', `the appeal was ${p.status} already`)
  if (input.decision === 'correct' && input.correctedScore === undefined)
    throw new AppError('VALIDATION_FAILED', 'a correction needs correctedScore', 'correctedScore')
  if (input.decision === 'uphold' && input.correctedScore !== undefined)
    throw new AppError('VALIDATION_FAILED', 'an upheld score is not corrected', 'correctedScore')
  const corrected = input.decision === 'correct' ? Math.round(input.correctedScore! * 100) / 100 : null
  await tx
    .updateTable('assessment_appeal')
    .set({
      status: corrected === null ? 'upheld' : 'corrected',
      decided_by: actor.userId,
      decided_at: now,
      decision_note: input.note,
      corrected_score: corrected,
    })
    .where('id', '=', appealId)
    .where('status', '=', 'open')
    .execute()
  if (corrected !== null) {
    const s = await loadScore(tx, Number(p.score_id), null)
    const from = numOrNull(s.corrected_score) ?? numOrNull(s.score)
    await tx
      .insertInto('assessment_adjustment')
      .values({
        score_id: s.id,
        area_id: s.area_id,
        appeal_id: appealId,
        from_score: from,
        to_score: corrected,
        reason: input.note,
        decided_by: actor.userId,
        at: now,
      })
      .execute()
    await tx
      .updateTable('assessment_score')
      .set({ corrected_score: corrected, correction_reason: input.note, corrected_at: now, corrected_by: actor.userId })
      .where('id', '=', s.id)
      .execute()
    await recordAudit(tx, ctx, {
      action: 'assessment.score.correct',
      entityType: 'assessment_score',
      entityId: Number(s.id),
      areaId: s.area_id,
      detail: { appealId, from, to: corrected, original: numOrNull(s.score), reason: input.note },
    })
  }
  await recordAudit(tx, ctx, {
    action: 'assessment.appeal.decide',
    entityType: 'assessment_appeal',
    entityId: appealId,
    areaId: p.area_id,
    detail: { decision: input.decision, correctedScore: corrected },
  })
  return appealDetail(tx, appealId)
}

/** Appeals the caller reads: all over the areas they keep, else their own. */
export async function listAppeals(tx: Tx, ctx: RequestContext, q: Input<typeof appealQuery>) {
  const actor = requireActor(ctx)
  const page = { page: q.page ?? 1, pageSize: q.pageSize ?? 50 }
  let base = appealRows(tx)
  if (q.status) base = base.where('p.status', '=', q.status)
  if (q.runId !== undefined) base = base.where('p.run_id', '=', q.runId)
  const keeps = actor.grants.filter((g) => (assessmentStaff as readonly string[]).includes(g.role))
  base = base.where((eb) =>
    eb.or([eb('p.filed_by', '=', actor.userId), ...keeps.map((g) => eb('a.path', 'like', `${g.path}%`))]),
  )
  const rows = await base.orderBy('p.filed_at', 'desc').orderBy('p.id', 'desc').execute()
  return paginate(page, rows.slice(offsetOf(page), offsetOf(page) + page.pageSize).map(appealOut), rows.length)
}

// ── Rewards and penalties ────────────────────────────────────────────────────────────────────

async function unitNames(tx: Tx, unitType: UnitType, unitId: number, areaPath: string) {
  if (unitType === 'department') {
    const d = await tx
      .selectFrom('department')
      .select(['name_zh', 'name_en'])
      .where('id', '=', unitId)
      .executeTakeFirst()
    if (!d) throw notFound('DEPARTMENT_NOT_FOUND', `department ${unitId}`, 'unitId')
    return { zh: d.name_zh, en: d.name_en, areaId: null }
  }
  if (unitType === 'grid_worker') {
    const u = await tx.selectFrom('app_user').select(['display_name']).where('id', '=', unitId).executeTakeFirst()
    if (!u) throw notFound('USER_NOT_FOUND', `user ${unitId}`, 'unitId')
    return { zh: u.display_name, en: u.display_name, areaId: null }
  }
  const a = await tx
    .selectFrom('area')
    .select(['id', 'name_zh', 'name_en', 'path', 'level'])
    .where('id', '=', unitId)
    .executeTakeFirst()
  if (!a || a.level !== unitType || !a.path.startsWith(areaPath))
    throw notFound('AREA_NOT_FOUND', `${unitType} ${unitId} in the area`, 'unitId')
  return { zh: a.name_zh, en: a.name_en, areaId: a.id }
}

export async function proposeSanction(tx: Tx, ctx: RequestContext, input: NewSanction, now: Date) {
  const actor = requireActor(ctx)
  if ((input.kind === 'bonus' || input.kind === 'deduction') !== (input.amount !== undefined))
    throw new AppError(
      'ASSESSMENT_SANCTION_INVALID',
      input.amount === undefined ? `a ${input.kind} names its amount` : `a ${input.kind} has no amount`,
      'amount',
    )
  let row: {
    area_id: number
    unit_type: UnitType
    unit_id: number
    unit_area_id: number | null
    unit_name_zh: string
    unit_name_en: string
    period: string
    score_id: number | null
  }
  if (input.scoreId !== undefined) {
    const s = await loadScore(tx, input.scoreId, 'scoreId')
    requireOver(ctx, assessmentStaff, s.path, 'scoreId')
    if (input.period !== undefined && input.period !== s.period)
      throw new AppError('ASSESSMENT_SANCTION_INVALID', `the score is of ${s.period}`, 'period')
    row = {
      area_id: s.area_id,
      unit_type: s.unit_type as UnitType,
      unit_id: s.unit_id,
      unit_area_id: s.unit_area_id,
      unit_name_zh: s.unit_name_zh,
      unit_name_en: s.unit_name_en,
      period: s.period,
      score_id: Number(s.id),
    }
  } else {
    for (const f of ['areaId', 'unitType', 'unitId', 'period'] as const)
      if (input[f] === undefined)
        throw new AppError('ASSESSMENT_SANCTION_INVALID', `without scoreId, ${f} is required`, f)
    const area = await tx.selectFrom('area').select(['id', 'path']).where('id', '=', input.areaId!).executeTakeFirst()
    if (!area) throw notFound('AREA_NOT_FOUND', `area ${input.areaId}`, 'areaId')
    requireOver(ctx, assessmentStaff, area.path, 'areaId')
    const names = await unitNames(tx, input.unitType!, input.unitId!, area.path)
    row = {
      area_id: area.id,
      unit_type: input.unitType!,
      unit_id: input.unitId!,
      unit_area_id: names.areaId,
      unit_name_zh: names.zh,
      unit_name_en: names.en,
      period: input.period!,
      score_id: null,
    }
  }
  const { id: sanctionId } = await tx
    .insertInto('assessment_sanction')
    .values({
      ...row,
      person: input.person ?? null,
      kind: input.kind,
      amount: input.amount ?? null,
      reason: input.reason,
      proposed_by: actor.userId,
      proposed_at: now,
    })
    .returning('id')
    .executeTakeFirstOrThrow()
  await recordAudit(tx, ctx, {
    action: 'assessment.sanction.propose',
    entityType: 'assessment_sanction',
    entityId: Number(sanctionId),
    areaId: row.area_id,
    detail: { kind: input.kind, amount: input.amount ?? null, unit: row.unit_name_zh, period: row.period },
  })
  return sanctionDetail(tx, Number(sanctionId))
}

function sanctionRows(tx: Tx) {
  return tx
    .selectFrom('assessment_sanction as x')
    .innerJoin('area as a', 'a.id', 'x.area_id')
    .leftJoin('assessment_score as s', 's.id', 'x.score_id')
    .leftJoin('app_user as p', 'p.id', 'x.proposed_by')
    .leftJoin('app_user as d', 'd.id', 'x.decided_by')
    .select([
      'x.id',
      'x.area_id',
      'x.unit_type',
      'x.unit_id',
      'x.unit_name_zh',
      'x.unit_name_en',
      'x.person',
      'x.period',
      'x.score_id',
      's.score',
      's.corrected_score',
      'x.kind',
      'x.amount',
      'x.reason',
      'x.status',
      'p.display_name as proposed_by',
      'x.proposed_by as proposer_id',
      'x.proposed_at',
      'd.display_name as approver',
      'x.decided_at',
      'x.decision_note',
      'a.path',
    ])
}
type SanctionRow = Awaited<ReturnType<ReturnType<typeof sanctionRows>['execute']>>[number]

const sanctionOut = (x: SanctionRow): SanctionOut => ({
  id: Number(x.id),
  areaId: x.area_id,
  unitType: x.unit_type as UnitType,
  unitId: x.unit_id,
  unitNameZh: x.unit_name_zh,
  unitNameEn: x.unit_name_en,
  person: x.person,
  period: x.period,
  scoreId: x.score_id === null ? null : Number(x.score_id),
  score: numOrNull(x.corrected_score) ?? numOrNull(x.score),
  kind: x.kind as SanctionOut['kind'],
  amount: numOrNull(x.amount),
  reason: x.reason,
  status: x.status as SanctionOut['status'],
  proposedBy: x.proposed_by ?? '',
  proposedAt: iso(x.proposed_at),
  approver: x.approver ?? null,
  decidedAt: isoOrNull(x.decided_at),
  decisionNote: x.decision_note,
})

async function sanctionDetail(tx: Tx, sanctionId: number): Promise<SanctionOut> {
  const x = await sanctionRows(tx).where('x.id', '=', sanctionId).executeTakeFirst()
  if (!x) throw notFound('ASSESSMENT_SANCTION_NOT_FOUND', `reward or penalty ${sanctionId}`)
  return sanctionOut(x)
}

export async function decideSanction(
  tx: Tx,
  ctx: RequestContext,
  sanctionId: number,
  input: Input<typeof sanctionDecisionBody>,
  now: Date,
): Promise<SanctionOut> {
  const actor = requireActor(ctx)
  const x = await sanctionRows(tx).where('x.id', '=', sanctionId).executeTakeFirst()
  if (!x) throw notFound('ASSESSMENT_SANCTION_NOT_FOUND', `reward or penalty ${sanctionId}`)
  requireOver(ctx, assessors, x.path, null)
  if (x.status !== 'proposed') throw new AppError('ASSESSMENT_SANCTION_DECIDED', `it was ${x.status} already`)
  if (x.proposer_id === actor.userId)
    throw new AppError('FORBIDDEN', 'the proposer does not approve their own proposal', 'decision')
  await tx
    .updateTable('assessment_sanction')
    .set({
      status: input.decision === 'approve' ? 'approved' : 'rejected',
      decided_by: actor.userId,
      decided_at: now,
      decision_note: input.note ?? null,
    })
    .where('id', '=', sanctionId)
    .where('status', '=', 'proposed')
    .execute()
  await recordAudit(tx, ctx, {
    action: `assessment.sanction.${input.decision}`,
    entityType: 'assessment_sanction',
    entityId: sanctionId,
    areaId: x.area_id,
    detail: { kind: x.kind, amount: numOrNull(x.amount), note: input.note ?? null },
  })
  return sanctionDetail(tx, sanctionId)
}

export async function listSanctions(tx: Tx, ctx: RequestContext, q: Input<typeof sanctionQuery>) {
  requireActor(ctx)
  const page = { page: q.page ?? 1, pageSize: q.pageSize ?? 50 }
  let base = sanctionRows(tx)
  if (q.status) base = base.where('x.status', '=', q.status)
  if (q.period) base = base.where('x.period', '=', q.period)
  if (q.areaId !== undefined) {
    const a = await tx.selectFrom('area').select('path').where('id', '=', q.areaId).executeTakeFirst()
    if (!a) throw notFound('AREA_NOT_FOUND', `area ${q.areaId}`, 'areaId')
    base = base.where('a.path', 'like', `${a.path}%`)
  }
  // The register is the keepers' (admin, leader, staff over the area); row-level security adds the branch.
  const keeps = (ctx.actor?.grants ?? []).filter((g) => (assessmentStaff as readonly string[]).includes(g.role))
  if (keeps.length === 0) return paginate(page, [], 0)
  base = base.where((eb) => eb.or(keeps.map((g) => eb('a.path', 'like', `${g.path}%`))))
  const rows = await base.orderBy('x.proposed_at', 'desc').orderBy('x.id', 'desc').execute()
  return paginate(page, rows.slice(offsetOf(page), offsetOf(page) + page.pageSize).map(sanctionOut), rows.length)
}
