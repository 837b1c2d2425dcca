import type { Tx } from '../core/db.js'

/** Stub (the alarms part fills it in): the demo city's alarm rules and alarms. */
export async function seedAlarmsDemo(_tx: Tx, _now: Date): Promise<Record<string, number>> {
  return {}
}
