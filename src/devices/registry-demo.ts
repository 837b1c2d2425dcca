import type { Tx } from '../core/db.js'

/** Stub (the registry part fills it in): the demo city's devices and their reading history. */
export async function seedDevicesDemo(_tx: Tx, _now: Date): Promise<Record<string, number>> {
  return {}
}
