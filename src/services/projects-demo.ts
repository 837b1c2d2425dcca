import type { Tx } from '../core/db.js'

// Stub: the projects part's demo data replaces this.
export async function seedProjectsDemo(_tx: Tx, _now: Date): Promise<Record<string, number>> {
  return {}
}
