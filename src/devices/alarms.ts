import type { FieldCipher } from '../core/crypto.js'
import type { Tx } from '../core/db.js'
import type { AlarmMessage, ReadingMessage } from './common.js'

/** What the alarm rules need besides the transaction: the cipher createCase seals phones with. */
export interface AlarmDeps {
  cipher: FieldCipher
}

/**
 * Stub (the alarms part fills it in): applies the rules to an alarm message the ingest path has
 * just stored, in the same transaction — raise, repeat or clear an alarm and what it does.
 */
export async function onAlarmMessage(_tx: Tx, _msg: AlarmMessage, _now: Date, _deps: AlarmDeps): Promise<void> {}

/**
 * Stub (the alarms part fills it in): applies the threshold rules to a batch of readings just
 * stored, in the batch's transaction.
 */
export async function onReadings(_tx: Tx, _readings: ReadingMessage[], _now: Date, _deps: AlarmDeps): Promise<void> {}
