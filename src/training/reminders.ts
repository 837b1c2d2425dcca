import { sql } from 'kysely'
import { notify } from '../cases/notify.js'
import type { Db } from '../core/db.js'
import { asSystem } from '../core/scope.js'
import { trainingKeepers } from './common.js'

// The reminder sweep, run periodically from main.ts with the platform clock. Each step claims its
// rows with one UPDATE … RETURNING (reminded_at, overdue_notified_at), so two server processes on
// one database never tell anyone twice: the second finds the rows already claimed. Enrolments made
// by the grant trigger are told here (the routes tell the ones they make): those of the last
// fortnight without a training_assigned notice, under a transaction-scoped advisory lock.

const DAY = 86_400_000
/** A reminder goes out this long before the deadline. */
export const REMIND_BEFORE_MS = 3 * DAY
/** Trigger enrolments older than this are not told of their assignment any more. */
const ASSIGNED_WINDOW_MS = 14 * DAY
/** Any number: the key of the advisory lock of the assigned step. */
const ASSIGNED_LOCK = 7_219_072

export interface SweepResult {
  assigned: number
  due: number
  overdue: number
  keepersTold: number
}

export async function sweepTrainingReminders(db: Db, now: Date): Promise<SweepResult> {
  return asSystem(db, async (tx) => {
    // Assigned: enrolments of the trigger not yet told (assigned_by is null for rule enrolments).
    let assigned = 0
    const { rows: lock } = await sql<{ ok: boolean }>`select pg_try_advisory_xact_lock(${ASSIGNED_LOCK}) as ok`.execute(
      tx,
    )
    if (lock[0]?.ok) {
      const { rows } = await sql<{
        id: number
        user_id: number
        course_id: number
        title: string
        due_at: Date | null
      }>`
        select e.id, e.user_id, e.course_id, c.title, e.due_at
        from training_enrolment e join training_course c on c.id = e.course_id
        where e.status in ('assigned', 'in_progress') and e.assigned_by is null
          and e.assigned_at > ${new Date(now.getTime() - ASSIGNED_WINDOW_MS)}::timestamptz
          and not exists (select 1 from notification n where n.user_id = e.user_id and n.kind = 'training_assigned'
                            and n.params->>'enrolmentId' = e.id::text)
        order by e.id limit 1000`.execute(tx)
      for (const r of rows)
        await notify(tx, [r.user_id], {
          kind: 'training_assigned',
          caseId: null,
          params: {
            enrolmentId: r.id,
            courseId: r.course_id,
            title: r.title,
            dueAt: r.due_at === null ? null : new Date(r.due_at).toISOString(),
          },
          at: now,
        })
      assigned = rows.length
    }

    // Due within three days and not reminded.
    const { rows: due } = await sql<{ id: number; user_id: number; course_id: number; due_at: Date }>`
      update training_enrolment set reminded_at = ${now}::timestamptz
      where status in ('assigned', 'in_progress') and reminded_at is null
        and due_at > ${now}::timestamptz and due_at <= ${new Date(now.getTime() + REMIND_BEFORE_MS)}::timestamptz
      returning id, user_id, course_id, due_at`.execute(tx)
    const titles = async (ids: number[]) =>
      new Map(
        ids.length === 0
          ? []
          : (await tx.selectFrom('training_course').select(['id', 'title']).where('id', 'in', ids).execute()).map(
              (c) => [c.id, c.title] as const,
            ),
      )
    const dueTitles = await titles([...new Set(due.map((r) => r.course_id))])
    for (const r of due)
      await notify(tx, [r.user_id], {
        kind: 'training_due',
        caseId: null,
        params: {
          enrolmentId: r.id,
          courseId: r.course_id,
          title: dueTitles.get(r.course_id) ?? '',
          dueAt: new Date(r.due_at).toISOString(),
        },
        at: now,
      })

    // Past due, not completed, not yet told: the learner, and each keeper over the area once
    // with the count of their learners newly overdue.
    const { rows: overdue } = await sql<{
      id: number
      user_id: number
      course_id: number
      area_id: number
      due_at: Date
    }>`
      update training_enrolment set overdue_notified_at = ${now}::timestamptz
      where status in ('assigned', 'in_progress') and overdue_notified_at is null and due_at <= ${now}::timestamptz
      returning id, user_id, course_id, area_id, due_at`.execute(tx)
    const overdueTitles = await titles([...new Set(overdue.map((r) => r.course_id))])
    for (const r of overdue)
      await notify(tx, [r.user_id], {
        kind: 'training_overdue',
        caseId: null,
        params: {
          enrolmentId: r.id,
          courseId: r.course_id,
          title: overdueTitles.get(r.course_id) ?? '',
          dueAt: new Date(r.due_at).toISOString(),
        },
        at: now,
      })
    let keepersTold = 0
    if (overdue.length > 0) {
      const { rows: perKeeper } = await sql<{ keeper: number; n: number | string }>`
        select k.keeper, count(distinct e.id) as n
        from training_enrolment e
        join area a on a.id = e.area_id
        cross join lateral app_users_with_role_over(${trainingKeepers}::text[], a.path) as k(keeper)
        where e.id = any(${overdue.map((r) => r.id)}::bigint[])
        group by k.keeper`.execute(tx)
      for (const k of perKeeper)
        await notify(tx, [k.keeper], {
          kind: 'training_overdue',
          caseId: null,
          params: { count: Number(k.n) },
          at: now,
        })
      keepersTold = perKeeper.length
    }
    return { assigned, due: due.length, overdue: overdue.length, keepersTold }
  })
}
