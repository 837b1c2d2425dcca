import type { Tx } from '../core/db.js'

export async function seedAlertsDemo(_tx: Tx, _now: Date): Promise<Record<string, number>> {
  return {}
}
