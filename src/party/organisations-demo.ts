import type { Tx } from '../core/db.js'

// Demo organisations of the party network. Stub: the organisations part fills it in.
export async function seedOrganisationsDemo(_tx: Tx, _now: Date): Promise<Record<string, number>> {
  return {}
}
