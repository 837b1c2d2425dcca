import type { Tx } from '../core/db.js'

// Demo members of the party network. Stub: the members part fills it in.
export async function seedMembersDemo(_tx: Tx, _now: Date): Promise<Record<string, number>> {
  return {}
}
