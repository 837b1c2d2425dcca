import type { Expression } from 'kysely'
import type { Tx } from '../core/db.js'
import { cancelTimers, scheduleTimers, type TimerHandler } from '../core/scheduler.js'
import { addWorkdays, loadCalendar } from './calendar.js'
import { notify, usersOfDepartment, usersWithRoleOver } from './notify.js'
import { replyLimit, type CaseRules, type Urgency } from './rules.js'

// Each stage of a case runs against a clock: check (a public report verified on site before it is
// filed, 核实), respond (until a department accepts it), handle (until the department replies) and
// verify (until the grid worker checks the result on site). At 80% of
// the time the case turns yellow and the people who must act are warned; at 100% it is red and
// escalates to the supervisors of its area.

export const stages = ['check', 'respond', 'handle', 'verify'] as const
export type Stage = (typeof stages)[number]
export const WARN_FRACTION = 0.8
export const VERIFY_WORKDAYS = 1

export const colours = ['green', 'yellow', 'red'] as const
export type Colour = (typeof colours)[number]

export function colourOf(now: Date, warnAt: Date | null, dueAt: Date | null): Colour | null {
  if (!warnAt || !dueAt) return null
  if (now >= dueAt) return 'red'
  if (now >= warnAt) return 'yellow'
  return 'green'
}

export const warnAtOf = (start: Date, due: Date) =>
  new Date(start.getTime() + WARN_FRACTION * (due.getTime() - start.getTime()))

export async function workdaysFrom(tx: Tx, start: Date, n: number, zone: string): Promise<Date> {
  return addWorkdays(start, n, await loadCalendar(tx, start), zone)
}

const hoursAfter = (start: Date, hours: number) => new Date(start.getTime() + hours * 3600_000)

/**
 * When the handling department must reply, for a case of `urgency`: clock hours for the urgent tier,
 * working days (in the case's time zone) otherwise.
 */
export async function replyDue(
  tx: Tx,
  rules: CaseRules,
  urgency: Urgency,
  categoryWorkdays: number | null,
  start: Date,
  zone: string,
): Promise<Date> {
  const limit = replyLimit(rules, urgency, categoryWorkdays)
  return 'hours' in limit ? hoursAfter(start, limit.hours) : workdaysFrom(tx, start, limit.workdays, zone)
}

/**
 * When the requester must have been contacted, counted from the dispatch in clock hours: the hotline
 * and its departments answer around the clock, so an urgent matter's 2 hours do not wait for Monday.
 */
export const contactDue = (rules: CaseRules, urgency: Urgency, dispatchedAt: Date) =>
  hoursAfter(dispatchedAt, rules.limits[urgency].contactHours)

/** The columns of a stage clock starting at `start` and due at `due`. */
export function stageClock(stageSeq: number, stage: Stage, start: Date, due: Date) {
  return {
    stage,
    stage_seq: stageSeq + 1,
    stage_started_at: start,
    stage_warn_at: warnAtOf(start, due),
    stage_due_at: due,
  }
}

/** The warning and overdue timers of a stage clock, as rows (the case id may be an expression). */
export function stageTimers<I extends number | Expression<number>>(caseId: I, clock: ReturnType<typeof stageClock>) {
  return [
    {
      subject_type: 'case',
      subject_id: caseId,
      kind: 'warn',
      stage: clock.stage,
      stage_seq: clock.stage_seq,
      due_at: clock.stage_warn_at,
      fired_at: null,
      cancelled_at: null,
    },
    {
      subject_type: 'case',
      subject_id: caseId,
      kind: 'overdue',
      stage: clock.stage,
      stage_seq: clock.stage_seq,
      due_at: clock.stage_due_at,
      fired_at: null,
      cancelled_at: null,
    },
  ]
}

/** Schedules the warning and overdue timers of a stage clock, in one statement. */
export async function scheduleStageTimers(tx: Tx, caseId: number, clock: ReturnType<typeof stageClock>) {
  await scheduleTimers(tx, stageTimers(caseId, clock))
}

/** Starts (or restarts) a stage clock and schedules its warning and overdue timers. */
export async function startStage(
  tx: Tx,
  caseId: number,
  stageSeq: number,
  stage: Stage,
  start: Date,
  due: Date,
  now: Date,
) {
  await cancelTimers(tx, 'case', caseId, now)
  const clock = stageClock(stageSeq, stage, start, due)
  await scheduleStageTimers(tx, caseId, clock)
  return clock
}

export async function stopClock(tx: Tx, caseId: number, now: Date) {
  await cancelTimers(tx, 'case', caseId, now)
  return { stage: null, stage_started_at: null, stage_warn_at: null, stage_due_at: null }
}

/** The review timer of a shelved case: `seq` is the case's stage_seq when it was shelved or last reviewed. */
export const shelvingReviewTimer = (caseId: number, seq: number, due: Date) => ({
  subject_type: 'case',
  subject_id: caseId,
  kind: 'review',
  stage: 'shelved',
  stage_seq: seq,
  due_at: due,
  fired_at: null,
  cancelled_at: null,
})

/**
 * A shelved case's review is due: the leader who approved the shelving (else the area's leaders) is
 * reminded, and the next review is scheduled as many days on.
 */
async function reviewShelved(tx: Tx, timerSeq: number, caseId: number, now: Date) {
  const c = await tx
    .selectFrom('cases as c')
    .innerJoin('area as a', 'a.id', 'c.area_id')
    .select([
      'c.id',
      'c.state',
      'c.stage_seq',
      'c.tracking_code',
      'c.shelved_at',
      'c.shelve_review_at',
      'c.shelved_by',
      'a.path',
    ])
    .where('c.id', '=', caseId)
    .executeTakeFirst()
  if (c?.state !== 'shelved' || c.stage_seq !== timerSeq || !c.shelved_at || !c.shelve_review_at) return
  const period = c.shelve_review_at.getTime() - c.shelved_at.getTime()
  const nextSeq = c.stage_seq + 1
  const next = new Date(now.getTime() + period)
  await tx
    .updateTable('cases')
    .set({ stage_seq: nextSeq, shelved_at: now, shelve_review_at: next })
    .where('id', '=', c.id)
    .execute()
  await scheduleTimers(tx, [shelvingReviewTimer(c.id, nextSeq, next)])
  await tx
    .insertInto('case_event')
    .values({
      case_id: c.id,
      at: now,
      action: 'shelving_review',
      from_state: 'shelved',
      to_state: 'shelved',
      actor_id: null,
      actor_name: 'system',
      actor_role: 'system',
      department_id: null,
      comment: null,
      detail: JSON.stringify({ nextReviewAt: next.toISOString() }),
      is_public: false,
    })
    .execute()
  const leaders = c.shelved_by ? [c.shelved_by] : await usersWithRoleOver(tx, ['leader'], c.path)
  await notify(tx, leaders, {
    kind: 'case_shelving_review',
    caseId: c.id,
    params: { trackingCode: c.tracking_code, state: 'shelved' },
    at: now,
  })
}

/** Fires a case's warning or overdue timer, or a shelved case's review (run by the scheduler as owner). */
export const caseTimerHandler: TimerHandler = async (tx, timer, now) => {
  if (timer.kind === 'review') return reviewShelved(tx, timer.stage_seq, timer.subject_id, now)
  const c = await tx
    .selectFrom('cases as c')
    .innerJoin('area as a', 'a.id', 'c.area_id')
    .select([
      'c.id',
      'c.tracking_code',
      'c.state',
      'c.stage',
      'c.stage_seq',
      'c.department_id',
      'c.escalation_level',
      'a.path',
    ])
    .where('c.id', '=', timer.subject_id)
    .executeTakeFirst()
  // A timer of a stage the case has left is stale; cancelling normally prevents this.
  if (!c || c.stage !== timer.stage || c.stage_seq !== timer.stage_seq) return
  const responsible =
    c.stage === 'verify' || c.stage === 'check'
      ? await usersWithRoleOver(tx, ['grid_worker'], c.path)
      : c.department_id && c.state !== 'accepted' && c.state !== 'submitted'
        ? await usersOfDepartment(tx, c.department_id)
        : await usersWithRoleOver(tx, ['staff'], c.path)
  const params = { trackingCode: c.tracking_code, stage: c.stage, state: c.state }
  if (timer.kind === 'warn') {
    await tx
      .insertInto('case_event')
      .values({
        case_id: c.id,
        at: now,
        action: 'warning',
        from_state: c.state,
        to_state: c.state,
        actor_id: null,
        actor_name: 'system',
        actor_role: 'system',
        department_id: null,
        comment: null,
        detail: JSON.stringify({ stage: c.stage }),
        is_public: false,
      })
      .execute()
    await notify(tx, responsible, { kind: 'case_warning', caseId: c.id, params, at: now })
    return
  }
  const level = c.escalation_level + 1
  await tx.updateTable('cases').set({ escalation_level: level }).where('id', '=', c.id).execute()
  await tx
    .insertInto('case_event')
    .values({
      case_id: c.id,
      at: now,
      action: 'escalated',
      from_state: c.state,
      to_state: c.state,
      actor_id: null,
      actor_name: 'system',
      actor_role: 'system',
      department_id: null,
      comment: null,
      detail: JSON.stringify({ stage: c.stage, level }),
      is_public: false,
    })
    .execute()
  await notify(tx, responsible, { kind: 'case_overdue', caseId: c.id, params, at: now })
  await notify(tx, await usersWithRoleOver(tx, ['leader'], c.path), {
    kind: 'case_escalated',
    caseId: c.id,
    params: { ...params, level },
    at: now,
  })
}
