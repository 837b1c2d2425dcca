import type { Logger } from 'pino'
import type { Config } from '../config.js'
import type { Clock } from '../core/clock.js'
import type { FieldCipher } from '../core/crypto.js'
import type { Db } from '../core/db.js'

export interface DeviceRuntime {
  /** Where devices connect (the embedded broker's ports, or the external broker's URL). */
  describe(): string
  stop(): Promise<void>
}

/**
 * Stub (the ingest part fills it in): starts the embedded MQTT broker (or connects to MQTT_URL)
 * and feeds every message through the one ingest path.
 */
export async function startDevices(
  _db: Db,
  _config: Config,
  _clock: Clock,
  _cipher: FieldCipher,
  _log: Logger,
): Promise<DeviceRuntime> {
  return { describe: () => 'devices off', stop: async () => {} }
}
