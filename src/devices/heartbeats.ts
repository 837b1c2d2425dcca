import type { FieldCipher } from '../core/crypto.js'
import type { Db } from '../core/db.js'

/**
 * Stub (the alarms part fills it in): turns devices that missed their heartbeat offline and
 * raises maintenance cases for those offline past their type's limit. Run periodically.
 */
export async function sweepDevices(
  _db: Db,
  _now: Date,
  _cipher: FieldCipher,
): Promise<{ offline: number; maintenance: number }> {
  return { offline: 0, maintenance: 0 }
}
