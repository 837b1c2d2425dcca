import type { Tx } from '../core/db.js'

// Demo policy explainers and model cases. Stub: the policies and models parts fill it in.
export async function seedKnowledgeDemo(_tx: Tx, _now: Date): Promise<Record<string, number>> {
  return {}
}
