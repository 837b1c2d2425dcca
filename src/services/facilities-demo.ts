import type { Tx } from '../core/db.js'

// Stub: the facilities part's demo data replaces this.
export async function seedFacilitiesDemo(_tx: Tx, _now: Date): Promise<Record<string, number>> {
  return {}
}
