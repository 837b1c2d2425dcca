import type { Clock } from '../core/clock.js'
import type { FieldCipher } from '../core/crypto.js'
import type { Db } from '../core/db.js'
import { startPeriodic } from '../core/scheduler.js'
import type { MessageTransport } from '../notifications/transport.js'

// Alerts to every resident of the affected grids: queued by the request, expanded into
// recipients and sent by the worker, paced, outside any transaction.

/** Expands queued alerts and sends what is due; returns how many messages went out. */
export async function deliverDueAlerts(
  _db: Db,
  _now: Date,
  _transport: MessageTransport,
  _cipher: FieldCipher,
  _opts: { ratePerSecond?: number; batch?: number } = {},
): Promise<{ sent: number; failed: number }> {
  return { sent: 0, failed: 0 }
}

export function startAlertWorker(
  db: Db,
  clock: Clock,
  transport: MessageTransport,
  cipher: FieldCipher,
  intervalMs: number,
  onError: (err: unknown) => void,
) {
  return startPeriodic(() => deliverDueAlerts(db, clock.now(), transport, cipher), intervalMs, onError)
}
