import type { Tx } from '../core/db.js'

export async function seedResponseDemo(_tx: Tx, _now: Date): Promise<Record<string, number>> {
  return {}
}

/** Tasks, allocations and shelter check-ins of the demo incidents (runs after the incidents). */
export async function seedTasksDemo(_tx: Tx, _now: Date): Promise<Record<string, number>> {
  return {}
}
