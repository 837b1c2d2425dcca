import { type Selectable, sql } from 'kysely'
import type { Db, Tx } from './db.js'
import type { DB } from './schema.js'
import type { Clock } from './clock.js'

/** A timer as the handlers see it: the generated table's columns, but whether it fired or was cancelled. */
export type DueTimer = Omit<Selectable<DB['workflow_timer']>, 'fired_at' | 'cancelled_at'>

export type TimerHandler = (tx: Tx, timer: DueTimer, now: Date) => Promise<void>

/** Schedules timers in one statement; scheduling the same (subject, kind, stage, stage_seq) twice keeps the first. */
export async function scheduleTimers(tx: Tx, timers: Omit<DueTimer, 'id'>[]): Promise<void> {
  if (timers.length === 0) return
  await tx
    .insertInto('workflow_timer')
    .values(timers.map((t) => ({ ...t, fired_at: null, cancelled_at: null })))
    .onConflict((oc) => oc.doNothing())
    .execute()
}

export async function cancelTimers(tx: Tx, subjectType: string, subjectId: number, now: Date): Promise<void> {
  await tx
    .updateTable('workflow_timer')
    .set({ cancelled_at: now })
    .where('subject_type', '=', subjectType)
    .where('subject_id', '=', subjectId)
    .where('fired_at', 'is', null)
    .where('cancelled_at', 'is', null)
    .execute()
}

/**
 * Fires every timer due at `now`, a batch per transaction. Each claimed row is locked with SKIP
 * LOCKED, so several server processes on one PostgreSQL share the work without firing a timer
 * twice, and it is marked fired in the same transaction as its handler's effects: a crash
 * before commit leaves it due, a crash after leaves it fired.
 */
export async function fireDueTimers(
  db: Db,
  now: Date,
  handlers: Record<string, TimerHandler>,
  batch = 50,
): Promise<number> {
  let fired = 0
  for (;;) {
    const n = await db.transaction().execute(async (tx) => {
      const { rows } = await sql<DueTimer>`
        select id, subject_type, subject_id, kind, stage, stage_seq, due_at from workflow_timer
        where due_at <= ${now} and fired_at is null and cancelled_at is null
        order by due_at, id
        limit ${batch}
        for update skip locked`.execute(tx)
      for (const t of rows) {
        const handler = handlers[t.subject_type]
        if (handler) await handler(tx, t, now)
        await tx.updateTable('workflow_timer').set({ fired_at: now }).where('id', '=', t.id).execute()
      }
      return rows.length
    })
    fired += n
    if (n < batch) return fired
  }
}

/**
 * Runs `work` every `intervalMs`, never two runs at once; errors are reported, not fatal.
 * stop() aborts the signal given to the run in progress and waits for it to finish.
 */
export function startPeriodic(
  work: (signal: AbortSignal) => Promise<unknown>,
  intervalMs: number,
  onError: (err: unknown) => void,
) {
  const stopping = new AbortController()
  let running: Promise<unknown> | null = null
  const timer = setInterval(() => {
    if (running || stopping.signal.aborted) return
    running = work(stopping.signal)
      .catch(onError)
      .finally(() => {
        running = null
      })
  }, intervalMs)
  timer.unref()
  return {
    async stop() {
      clearInterval(timer)
      stopping.abort()
      await running
    },
  }
}

/** Fires due workflow timers every `intervalMs` until stopped. */
export function startScheduler(
  db: Db,
  clock: Clock,
  handlers: Record<string, TimerHandler>,
  intervalMs: number,
  onError: (err: unknown) => void,
) {
  return startPeriodic(() => fireDueTimers(db, clock.now(), handlers), intervalMs, onError)
}
