import type { Updateable } from 'kysely'
import { recordAudit } from '../audit/service.js'
import { notify, usersOfDepartment, usersWithRoleOver, type NotificationKind } from '../cases/notify.js'
import type { Tx } from '../core/db.js'
import { AppError, notFound } from '../core/errors.js'
import type { Input } from '../core/http.js'
import { cancelTimers, scheduleTimers, type TimerHandler } from '../core/scheduler.js'
import type { DB } from '../core/schema.js'
import { body, date, id, text } from '../core/schemas.js'
import type { RequestContext } from '../core/scope.js'
import {
  agreementsOf,
  appendEvent,
  disputeRolesOf,
  loadDispute,
  missingElements,
  partiesOf,
  repeatPetitionsOf,
  type DisputeRow,
} from './disputes.js'
import { activeRules, assessRisk, higher, mediationLimits, warnIfHigh } from './risk.js'
import {
  disputeActions,
  disputeWorkflow,
  JUDICIAL_CONFIRMATION_DAYS,
  JUDICIAL_REMINDER_DAYS_BEFORE,
  judicialModes,
  performances,
  riskLevels,
  type DisputeAction,
  type DisputeState,
} from './workflow.js'

export const courtOutcomes = ['mediated', 'judgment', 'withdrawn'] as const

export const disputeActionBody = body(['action'], {
  action: { type: 'string', enum: disputeActions },
  version: { type: 'integer', minimum: 1, description: 'The version the caller saw; a stale one is a 409' },
  comment: { ...text(2000), description: 'The reason or note the action records' },
  committeeId: { ...id, description: 'assign: the people’s mediation committee' },
  mediatorIds: { type: 'array', maxItems: 10, uniqueItems: true, items: id, description: 'assign: named mediators' },
  departmentId: { ...id, description: 'escalate: the competent department; add_joint: the joint body' },
  partyRefused: { type: 'boolean', description: 'escalate: a party refused people’s mediation' },
  riskLevel: { type: 'string', enum: riskLevels, description: 'assess_risk: the mediator’s judgement' },
  court: { ...text(200), description: 'refer_judicial, record_judicial: the court' },
  judicialMode: { type: 'string', enum: judicialModes },
  courtOutcome: { type: 'string', enum: courtOutcomes },
  judicialStatus: { type: 'string', enum: ['applied', 'confirmed', 'refused'] },
  appliedOn: { ...date, description: 'record_judicial: the day the parties applied to the court' },
  decidedOn: { ...date, description: 'record_judicial: the day the court decided' },
  courtExtension: { ...text(500), description: 'record_judicial: the court’s leave to apply late' },
  performance: { type: 'string', enum: performances, description: 'follow_up: how the agreement is performed' },
})
export type DisputeActionInput = Input<typeof disputeActionBody>

const need = <T>(v: T | undefined | null, field: string, what: string): T => {
  if (v === undefined || v === null || v === '')
    throw new AppError('VALIDATION_FAILED', `${what} is required for this action`, field)
  return v
}

const DAY = 86_400_000
const WARN_FRACTION = 0.8

/**
 * The users who mediate a dispute now: its committee or department, joint bodies, named mediators
 * and the mediators of its area.
 */
async function mediatorsOf(
  tx: Tx,
  d: Pick<
    DisputeRow,
    'committee_id' | 'department_id' | 'joint_department_ids' | 'mediator_ids' | 'level' | 'area_path'
  >,
) {
  const bodies = [d.level === 'administrative' ? d.department_id : d.committee_id, ...d.joint_department_ids]
  const users = new Set([...d.mediator_ids, ...(await usersWithRoleOver(tx, ['mediator'], d.area_path))])
  for (const b of bodies) if (b !== null) for (const u of await usersOfDepartment(tx, b)) users.add(u)
  return [...users]
}

/** Starts the clock of a mediation level: a warning at 80% and the deadline, as workflow timers. */
async function startLevelClock(
  tx: Tx,
  d: Pick<DisputeRow, 'id' | 'stage_seq'>,
  level: 'people' | 'administrative',
  now: Date,
) {
  const days = (await mediationLimits(tx))[level]
  const due = new Date(now.getTime() + days * DAY)
  const seq = d.stage_seq + 1
  await cancelTimers(tx, 'dispute', d.id, now)
  await scheduleTimers(tx, [
    {
      subject_type: 'dispute',
      subject_id: d.id,
      kind: 'warn',
      stage: level,
      stage_seq: seq,
      due_at: new Date(now.getTime() + WARN_FRACTION * days * DAY),
    },
    { subject_type: 'dispute', subject_id: d.id, kind: 'overdue', stage: level, stage_seq: seq, due_at: due },
  ])
  return { stage_seq: seq, stage_due_at: due }
}

async function stopClock(tx: Tx, disputeId: number, now: Date) {
  await cancelTimers(tx, 'dispute', disputeId, now)
  return { stage_due_at: null }
}

/** The street office over the dispute's area: the default competent body for administrative mediation. */
async function streetOfficeOf(tx: Tx, areaPath: string): Promise<number | null> {
  const ancestors = areaPath.split('/').filter(Boolean).map(Number)
  const row = await tx
    .selectFrom('department')
    .select(['id'])
    .where('kind', '=', 'street_office')
    .where('area_id', 'in', ancestors)
    .orderBy('id')
    .executeTakeFirst()
  return row?.id ?? null
}

async function departmentOrFail(tx: Tx, deptId: number, field: string, kinds?: readonly string[]) {
  const d = await tx
    .selectFrom('department')
    .select(['id', 'kind', 'area_id'])
    .where('id', '=', deptId)
    .executeTakeFirst()
  if (!d) throw notFound('DEPARTMENT_NOT_FOUND', `department ${deptId}`, field)
  if (kinds && !kinds.includes(d.kind))
    throw new AppError('VALIDATION_FAILED', `department ${deptId} is not one of: ${kinds.join(', ')}`, field)
  return d
}

interface Effects {
  patch: Updateable<DB['dispute']>
  detail: Record<string, unknown>
  notices: { users: number[]; kind: NotificationKind }[]
  after: (() => Promise<unknown>)[]
}

/**
 * Takes one workflow action on a dispute in the caller's transaction: checks the transition and the
 * caller's role, computes the effects, and writes them under optimistic locking (of two concurrent
 * actions one wins, the other gets 409).
 */
export async function performDisputeAction(
  tx: Tx,
  ctx: RequestContext,
  disputeId: number,
  input: DisputeActionInput,
  now: Date,
): Promise<void> {
  const d = await loadDispute(tx, disputeId, true)
  const roles = disputeRolesOf(ctx, d)
  const from = d.state
  const to = disputeWorkflow.check(from, input.action, roles)
  if (input.version !== undefined && input.version !== d.version)
    throw new AppError(
      'DISPUTE_VERSION_CONFLICT',
      `the dispute changed meanwhile (version ${d.version}, you sent ${input.version}); reload it`,
      'version',
      {},
      { version: d.version },
    )
  const fx: Effects = { patch: { state: to }, detail: {}, notices: [], after: [] }
  await effectsOf(tx, ctx, d, input.action, input, now, fx)
  const updated = await tx
    .updateTable('dispute')
    .set({ ...fx.patch, version: d.version + 1, updated_at: now })
    .where('id', '=', disputeId)
    .where('version', '=', d.version)
    .executeTakeFirst()
  if (Number(updated.numUpdatedRows) !== 1)
    throw new AppError(
      'DISPUTE_VERSION_CONFLICT',
      'someone else acted on this dispute at the same moment; reload it',
      'version',
    )
  for (const f of fx.after) await f()
  const state = (fx.patch.state ?? from) as DisputeState
  await appendEvent(tx, ctx, disputeId, {
    action: input.action,
    from,
    to: state,
    comment: input.comment ?? null,
    detail: fx.detail,
    at: now,
  })
  const params = { disputeId, reference: d.reference, action: input.action, state }
  for (const n of fx.notices)
    await notify(
      tx,
      n.users.filter((u) => u !== ctx.actor?.userId),
      { kind: n.kind, caseId: null, params, at: now },
    )
  await recordAudit(tx, ctx, {
    action: `dispute.${input.action}`,
    entityType: 'dispute',
    entityId: disputeId,
    areaId: d.area_id,
    detail: { from, to: state, ...fx.detail },
  })
}

async function effectsOf(
  tx: Tx,
  ctx: RequestContext,
  d: DisputeRow,
  action: DisputeAction,
  input: DisputeActionInput,
  now: Date,
  fx: Effects,
) {
  switch (action) {
    case 'assign': {
      const committee = await departmentOrFail(
        tx,
        need(input.committeeId, 'committeeId', 'a mediation committee'),
        'committeeId',
        ['mediation_committee', 'community_committee'],
      )
      const mediatorIds = input.mediatorIds ?? []
      if (mediatorIds.length) {
        const found = await tx
          .selectFrom('app_user')
          .select('id')
          .where('id', 'in', mediatorIds)
          .where('status', '=', 'active')
          .execute()
        const missing = mediatorIds.filter((m) => !found.some((f) => f.id === m))
        if (missing.length) throw notFound('USER_NOT_FOUND', `user ${missing[0]}`, 'mediatorIds')
      }
      Object.assign(fx.patch, { committee_id: committee.id, mediator_ids: mediatorIds, level: 'people' })
      if (d.state === 'registered') Object.assign(fx.patch, await startLevelClock(tx, d, 'people', now))
      fx.detail = { committeeId: committee.id, mediatorIds }
      fx.notices.push({
        users: [...(await usersOfDepartment(tx, committee.id)), ...mediatorIds],
        kind: 'dispute_assigned',
      })
      return
    }
    case 'assess_risk': {
      const level = need(input.riskLevel, 'riskLevel', 'a risk level')
      need(input.comment, 'comment', 'the reason for the judgement')
      Object.assign(fx.patch, { risk_judgement: level, risk_reason: input.comment, risk_level: level })
      fx.detail = { riskLevel: level, previous: d.risk_level }
      fx.after.push(() =>
        warnIfHigh(
          tx,
          ctx,
          { id: d.id, reference: d.reference, areaId: d.area_id, areaPath: d.area_path },
          level,
          d.risk_level,
          d.risk_rules,
          now,
        ),
      )
      return
    }
    case 'add_joint': {
      const dept = await departmentOrFail(
        tx,
        need(input.departmentId, 'departmentId', 'the joint body'),
        'departmentId',
      )
      if (dept.id === d.committee_id || dept.id === d.department_id || d.joint_department_ids.includes(dept.id))
        throw new AppError('VALIDATION_FAILED', 'that body already mediates this dispute', 'departmentId')
      fx.patch.joint_department_ids = [...d.joint_department_ids, dept.id]
      fx.detail = { departmentId: dept.id }
      fx.notices.push({ users: await usersOfDepartment(tx, dept.id), kind: 'dispute_assigned' })
      return
    }
    case 'escalate': {
      need(input.comment, 'comment', 'the reason for escalating')
      const deptId = input.departmentId ?? (await streetOfficeOf(tx, d.area_path))
      if (deptId === null) throw new AppError('VALIDATION_FAILED', 'name the competent department', 'departmentId')
      const dept = await departmentOrFail(tx, deptId, 'departmentId')
      Object.assign(
        fx.patch,
        { department_id: dept.id, level: 'administrative' },
        await startLevelClock(tx, d, 'administrative', now),
      )
      fx.detail = { departmentId: dept.id, partyRefused: input.partyRefused ?? false }
      fx.notices.push({ users: await usersOfDepartment(tx, dept.id), kind: 'dispute_escalated' })
      return
    }
    case 'refer_judicial': {
      const court = need(input.court, 'court', 'the court')
      const mode = need(input.judicialMode, 'judicialMode', 'judicial mediation or litigation guidance')
      need(input.comment, 'comment', 'the reason for the referral')
      Object.assign(fx.patch, { court, judicial_mode: mode, level: 'judicial' }, await stopClock(tx, d.id, now))
      fx.detail = { court, judicialMode: mode }
      return
    }
    case 'settle': {
      const agreements = await agreementsOf(tx, d.id)
      const draft = agreements.find((g) => g.status === 'draft')
      if (!draft)
        throw new AppError('AGREEMENT_NOT_FOUND', 'write the agreement (PUT …/agreement) before settling', 'agreement')
      const missing = missingElements(draft, await partiesOf(tx, d.id))
      if (missing.length)
        throw new AppError(
          'AGREEMENT_INCOMPLETE',
          `the agreement lacks: ${missing.join(', ')} (People's Mediation Law art. 28–29)`,
          missing[0]!,
          {},
          { missing },
        )
      const written = draft.form === 'written'
      const deadline = written ? new Date(now.getTime() + JUDICIAL_CONFIRMATION_DAYS * DAY) : null
      fx.after.push(async () => {
        await tx
          .updateTable('mediation_agreement')
          .set({ status: 'effective', effective_at: now, judicial_deadline: deadline, updated_at: now })
          .where('id', '=', draft.id)
          .execute()
        if (deadline)
          await scheduleTimers(tx, [
            {
              subject_type: 'agreement',
              subject_id: draft.id,
              kind: 'remind',
              stage: 'judicial',
              stage_seq: 1,
              due_at: new Date(deadline.getTime() - JUDICIAL_REMINDER_DAYS_BEFORE * DAY),
            },
          ])
      })
      const committeeLevel = d.committee_id
        ? (
            await tx
              .selectFrom('department as dp')
              .innerJoin('area as a', 'a.id', 'dp.area_id')
              .select('a.level')
              .where('dp.id', '=', d.committee_id)
              .executeTakeFirst()
          )?.level
        : null
      const settledLevel =
        d.level === 'administrative' ? 'administrative' : committeeLevel === 'street' ? 'street' : 'community'
      Object.assign(
        fx.patch,
        {
          outcome: 'settled',
          settled_at: now,
          settled_level: settledLevel,
          agreement_status: 'effective',
          judicial_status: null,
        },
        await stopClock(tx, d.id, now),
      )
      fx.detail = { agreementId: draft.id, form: draft.form, settledLevel }
      return
    }
    case 'record_court_outcome': {
      const outcome = need(input.courtOutcome, 'courtOutcome', 'the court’s outcome')
      Object.assign(fx.patch, {
        outcome: 'judicial',
        settled_level: outcome === 'mediated' ? 'judicial' : null,
        settled_at: outcome === 'mediated' ? now : null,
        closed_at: now,
      })
      fx.detail = { courtOutcome: outcome }
      return
    }
    case 'record_judicial': {
      const status = need(input.judicialStatus, 'judicialStatus', 'the confirmation status')
      const g = (await agreementsOf(tx, d.id))
        .filter((a) => a.status === 'effective' || a.status === 'performed')
        .at(-1)
      if (g?.form !== 'written' || !g.judicial_deadline)
        throw new AppError(
          'AGREEMENT_NOT_FOUND',
          'only a written agreement in effect can be confirmed by a court',
          'judicialStatus',
        )
      const appliedOn =
        status === 'applied' ? need(input.appliedOn, 'appliedOn', 'the day of application') : g.judicial_applied_on
      if (!appliedOn)
        throw new AppError('VALIDATION_FAILED', 'record the application before the court’s decision', 'judicialStatus')
      const lastDay = new Date(g.judicial_deadline.getTime() + 8 * 3_600_000).toISOString().slice(0, 10)
      if (status === 'applied' && appliedOn > lastDay && !input.courtExtension)
        throw new AppError(
          'JUDICIAL_DEADLINE_PASSED',
          `the 30 days to apply ended on ${lastDay}; record the court's extension (courtExtension) if it granted one`,
          'appliedOn',
          {},
          { deadline: g.judicial_deadline.toISOString() },
        )
      const court = need(input.court ?? g.judicial_court, 'court', 'the court')
      const decidedOn = status === 'applied' ? null : need(input.decidedOn, 'decidedOn', 'the day of the decision')
      if (decidedOn && decidedOn < appliedOn)
        throw new AppError('VALIDATION_FAILED', 'the decision precedes the application', 'decidedOn')
      fx.after.push(async () => {
        await tx
          .updateTable('mediation_agreement')
          .set({
            judicial_status: status,
            judicial_court: court,
            judicial_applied_on: appliedOn,
            judicial_decided_on: decidedOn,
            judicial_extension: input.courtExtension ?? g.judicial_extension,
            updated_at: now,
          })
          .where('id', '=', g.id)
          .execute()
        await cancelTimers(tx, 'agreement', g.id, now)
      })
      fx.patch.judicial_status = status
      fx.detail = { agreementId: g.id, judicialStatus: status, court, appliedOn, decidedOn }
      return
    }
    case 'follow_up': {
      const performance = need(input.performance, 'performance', 'how the agreement is performed')
      const note = need(input.comment, 'comment', 'a note of the return visit')
      const g = (await agreementsOf(tx, d.id))
        .filter((a) => a.status === 'effective' || a.status === 'performed')
        .at(-1)
      if (!g) throw new AppError('AGREEMENT_NOT_FOUND', 'there is no agreement in effect to follow up', 'action')
      fx.after.push(async () => {
        await tx
          .insertInto('dispute_follow_up')
          .values({
            dispute_id: d.id,
            agreement_id: g.id,
            visited_at: now,
            performance,
            note,
            created_by: ctx.actor?.userId ?? null,
          })
          .execute()
        if (performance !== 'in_progress')
          await tx
            .updateTable('mediation_agreement')
            .set({ status: performance === 'performed' ? 'performed' : 'broken', updated_at: now })
            .where('id', '=', g.id)
            .execute()
      })
      if (performance !== 'in_progress')
        fx.patch.agreement_status = performance === 'performed' ? 'performed' : 'broken'
      fx.detail = { agreementId: g.id, performance }
      if (performance === 'broken') {
        // A broken agreement reopens the dispute at people's mediation, linked to the agreement,
        // and weighs on its risk (the broken-agreement rule).
        const parties = await tx
          .selectFrom('dispute_party')
          .select(['id_number_bidx', 'vulnerable'])
          .where('dispute_id', '=', d.id)
          .execute()
        const bidx = parties.flatMap((p) => (p.id_number_bidx ? [p.id_number_bidx] : []))
        const risk = assessRisk(await activeRules(tx), {
          peopleInvolved: d.people_involved,
          amount: d.amount,
          repeatPetitions: await repeatPetitionsOf(tx, bidx, null, null),
          threat: d.threat,
          vulnerableParty: parties.some((p) => p.vulnerable),
          brokenAgreements: 1,
        })
        const level = d.risk_judgement ? higher(d.risk_judgement, risk.level) : risk.level
        Object.assign(
          fx.patch,
          {
            state: 'people_mediation',
            level: 'people',
            outcome: null,
            settled_at: null,
            settled_level: null,
            reopened_from_agreement_id: g.id,
            risk_rule_level: risk.level,
            risk_rules: risk.fired,
            risk_level: level,
          },
          await startLevelClock(tx, d, 'people', now),
        )
        fx.detail.reopened = true
        fx.notices.push({ users: await mediatorsOf(tx, d), kind: 'dispute_assigned' })
        fx.after.push(() =>
          warnIfHigh(
            tx,
            ctx,
            { id: d.id, reference: d.reference, areaId: d.area_id, areaPath: d.area_path },
            level,
            d.risk_level,
            risk.fired,
            now,
          ),
        )
      }
      return
    }
    case 'close': {
      const g = (await agreementsOf(tx, d.id)).at(-1)
      if (g?.status !== 'performed')
        throw new AppError(
          'VALIDATION_FAILED',
          'a settled dispute closes once a follow-up confirms the agreement performed',
          'action',
        )
      fx.patch.closed_at = now
      return
    }
    case 'withdraw': {
      need(input.comment, 'comment', 'the reason for withdrawing')
      Object.assign(fx.patch, { outcome: 'withdrawn', closed_at: now }, await stopClock(tx, d.id, now))
      return
    }
  }
}

// ── Timers ───────────────────────────────────────────────────────────────────────────────────

const systemCtx: RequestContext = { actor: null, ip: 'scheduler' }

/**
 * A mediation level's timers: at 80% the mediators are warned; at the deadline people's mediation
 * escalates to administrative mediation by itself, and an overdue administrative mediation is
 * reported to the leaders over the area.
 */
export const disputeTimerHandler: TimerHandler = async (tx, timer, now) => {
  const d = await tx
    .selectFrom('dispute as d')
    .innerJoin('area as a', 'a.id', 'd.area_id')
    .selectAll('d')
    .select(['a.path as area_path'])
    .where('d.id', '=', timer.subject_id)
    .executeTakeFirst()
  if (!d || d.stage_seq !== timer.stage_seq || d.level !== timer.stage) return
  const params = { disputeId: d.id, reference: d.reference, level: d.level, state: d.state }
  if (timer.kind === 'warn') {
    await notify(tx, await mediatorsOf(tx, d), { kind: 'dispute_warning', caseId: null, params, at: now })
    return
  }
  if (d.state === 'people_mediation') {
    const deptId = d.department_id ?? (await streetOfficeOf(tx, d.area_path))
    const clock = await startLevelClock(tx, d, 'administrative', now)
    await tx
      .updateTable('dispute')
      .set({
        state: 'administrative_mediation',
        level: 'administrative',
        department_id: deptId,
        ...clock,
        version: d.version + 1,
        updated_at: now,
      })
      .where('id', '=', d.id)
      .execute()
    await appendEvent(tx, systemCtx, d.id, {
      action: 'escalate',
      from: d.state,
      to: 'administrative_mediation',
      comment: null,
      detail: { automatic: true, departmentId: deptId },
      at: now,
      system: true,
    })
    if (deptId !== null)
      await notify(tx, await usersOfDepartment(tx, deptId), {
        kind: 'dispute_escalated',
        caseId: null,
        params,
        at: now,
      })
    await recordAudit(tx, systemCtx, {
      action: 'dispute.escalate',
      entityType: 'dispute',
      entityId: d.id,
      areaId: d.area_id,
      detail: { automatic: true, departmentId: deptId },
    })
    return
  }
  if (d.state === 'administrative_mediation')
    await notify(tx, await usersWithRoleOver(tx, ['leader'], d.area_path), {
      kind: 'dispute_overdue',
      caseId: null,
      params,
      at: now,
    })
}

/** Reminds the mediators that the parties' time to apply for judicial confirmation is running out. */
export const agreementTimerHandler: TimerHandler = async (tx, timer, now) => {
  const g = await tx
    .selectFrom('mediation_agreement as g')
    .innerJoin('dispute as d', 'd.id', 'g.dispute_id')
    .innerJoin('area as a', 'a.id', 'd.area_id')
    .select([
      'g.id',
      'g.status',
      'g.judicial_status',
      'g.judicial_deadline',
      'd.id as dispute_id',
      'd.reference',
      'd.committee_id',
      'd.department_id',
      'd.joint_department_ids',
      'd.mediator_ids',
      'd.level',
      'a.path as area_path',
    ])
    .where('g.id', '=', timer.subject_id)
    .executeTakeFirst()
  if (!g || g.judicial_status !== null || g.status === 'broken') return
  await notify(tx, await mediatorsOf(tx, g), {
    kind: 'dispute_judicial_reminder',
    caseId: null,
    params: { disputeId: g.dispute_id, reference: g.reference, deadline: g.judicial_deadline?.toISOString() ?? null },
    at: now,
  })
}
