import type { Tx } from '../core/db.js'

// Demo cobuild of the party network. Stub: the cobuild part fills it in.
export async function seedCobuildDemo(_tx: Tx, _now: Date): Promise<Record<string, number>> {
  return {}
}
