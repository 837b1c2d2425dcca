import type { Tx } from '../core/db.js'

// Demo model cases. Stub: the models part fills it in.
export async function seedModelsDemo(_tx: Tx, _now: Date): Promise<Record<string, number>> {
  return {}
}
