import type { Logger } from 'pino'
import type { Config } from '../config.js'
import type { Clock } from '../core/clock.js'
import type { FieldCipher } from '../core/crypto.js'
import type { Db } from '../core/db.js'
import { startEmbeddedBroker } from './broker.js'
import { dropIngestor, ingestorFor } from './ingest.js'
import { setBrokerInfo } from './ingest-routes.js'
import { redact, startExternalSubscriber } from './mqtt-subscriber.js'

export interface DeviceRuntime {
  /** Where devices connect (the embedded broker's ports, or the external broker's URL). */
  describe(): string
  /** The embedded broker's actual ports (0 in the configuration picks free ones); null with MQTT_URL. */
  ports: { mqtt: number; ws: number } | null
  /** Resolves once devices can be heard (the external broker: subscribed). */
  ready: Promise<void>
  /** Disconnects devices retired or rotated since they connected (embedded broker); how many. */
  revalidate(): Promise<number>
  stop(): Promise<void>
}

/** Connected devices are checked against their record this often (retired, or secret rotated: disconnected). */
const REVALIDATE_MS = 30_000

/**
 * Devices in: with no MQTT_URL an embedded MQTT broker (aedes) on config.mqttPort (TCP) and
 * config.mqttWsPort (MQTT over WebSocket); with MQTT_URL the platform subscribes to that broker
 * with a persistent session. Both feed the one ingest path (ingest.ts) that the HTTP route uses.
 */
export async function startDevices(
  db: Db,
  config: Config,
  clock: Clock,
  cipher: FieldCipher,
  log: Logger,
): Promise<DeviceRuntime> {
  const ingestor = ingestorFor(db, { clock, cipher, ratePerMinute: config.deviceRatePerMinute, log })
  if (config.mqttUrl) {
    const url = config.mqttUrl
    const sub = startExternalSubscriber(ingestor, url, log)
    setBrokerInfo(db, { mode: 'external', mqttPort: null, wsPort: null, url })
    return {
      ports: null,
      ready: sub.ready,
      revalidate: async () => 0,
      describe: () => `devices: subscribed to ${redact(url)} (grassroots/devices/+/+, QoS 1, persistent session)`,
      async stop() {
        await sub.close()
        await ingestor.close()
        dropIngestor(db, ingestor)
        setBrokerInfo(db, null)
      },
    }
  }
  const broker = await startEmbeddedBroker(ingestor, {
    host: config.host,
    mqttPort: config.mqttPort,
    wsPort: config.mqttWsPort,
    log,
  })
  setBrokerInfo(db, { mode: 'embedded', mqttPort: broker.ports.mqtt, wsPort: broker.ports.ws, url: null })
  const revalidate = setInterval(() => {
    broker.revalidate(db).catch((err) => log.warn({ err }, 'checking connected devices failed'))
  }, REVALIDATE_MS)
  revalidate.unref()
  return {
    ports: broker.ports,
    ready: Promise.resolve(),
    revalidate: () => broker.revalidate(db),
    describe: () =>
      `devices: embedded MQTT broker on ${config.host}:${broker.ports.mqtt} (WebSocket ${broker.ports.ws}), topics grassroots/devices/{code}/{alarm|reading|heartbeat}`,
    async stop() {
      clearInterval(revalidate)
      await broker.stopListening()
      // What arrived is stored (and acknowledged) before the connections close.
      await ingestor.flush()
      await broker.close()
      await ingestor.close()
      dropIngestor(db, ingestor)
      setBrokerInfo(db, null)
    },
  }
}
