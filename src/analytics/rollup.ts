import { sql } from 'kysely'
import type { Db } from '../core/db.js'
import { startPeriodic } from '../core/scheduler.js'

// The case rollup (migration 0077): statement triggers append each write's difference to
// case_rollup_delta; this folds the deltas into case_rollup so the live view stays a short read.
// Readers are exact whether or not a fold has run (they read both tables); folding only keeps the
// delta table small.

/** One transaction-scoped advisory lock: a single process folds at a time. */
const FOLD_LOCK = 7_716_001

/** Folds every delta committed so far, a batch per transaction; returns how many delta rows moved. */
export async function foldCaseRollup(db: Db, batch = 20_000): Promise<number> {
  let moved = 0
  for (;;) {
    const n = await db.transaction().execute(async (tx) => {
      const { rows: lock } = await sql<{ ok: boolean }>`select pg_try_advisory_xact_lock(${FOLD_LOCK}) as ok`.execute(
        tx,
      )
      if (!lock[0]!.ok) return 0
      const { rows } = await sql<{ n: number }>`select case_rollup_fold(${batch}) as n`.execute(tx)
      return rows[0]!.n
    })
    moved += n
    if (n < batch) return moved
  }
}

export function startRollupFolder(db: Db, intervalMs: number, onError: (err: unknown) => void) {
  return startPeriodic(() => foldCaseRollup(db), intervalMs, onError)
}
