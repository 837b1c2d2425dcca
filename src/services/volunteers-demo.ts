import type { Tx } from '../core/db.js'

// Stub: the volunteers part's demo data replaces this.
export async function seedVolunteersDemo(_tx: Tx, _now: Date): Promise<Record<string, number>> {
  return {}
}
