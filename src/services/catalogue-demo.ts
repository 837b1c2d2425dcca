import type { Tx } from '../core/db.js'

// Stub: the catalogue part's demo data replaces this.
export async function seedCatalogueDemo(_tx: Tx, _now: Date): Promise<Record<string, number>> {
  return {}
}
