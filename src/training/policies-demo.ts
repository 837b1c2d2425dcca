import type { Tx } from '../core/db.js'

// Demo policy explainers. Stub: the policies part fills it in.
export async function seedPoliciesDemo(_tx: Tx, _now: Date): Promise<Record<string, number>> {
  return {}
}
