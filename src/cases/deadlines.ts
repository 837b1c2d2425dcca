import type { Expression } from 'kysely'
import type { Tx } from '../core/db.js'
import { cancelTimers, scheduleTimers, type TimerHandler } from '../core/scheduler.js'
import { addWorkdays, loadCalendar } from './calendar.js'
import { notify, usersOfDepartment, usersWithRoleOver } from './notify.js'

// Each stage of a case runs against a clock: respond (until a department accepts it), handle
// (until the department replies) and verify (until the grid worker checks on site). At 80% of
// the time the case turns yellow and the people who must act are warned; at 100% it is red and
// escalates to the supervisors of its area.

export const stages = ['respond', 'handle', 'verify'] as const
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

/** Fires a case's warning or overdue timer (run by the scheduler as owner). */
export const caseTimerHandler: TimerHandler = async (tx, timer, now) => {
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
    c.stage === 'verify'
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
