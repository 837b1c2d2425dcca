import type { Logger } from 'pino'
import type { Config } from '../config.js'
import type { Clock } from '../core/clock.js'
import type { FieldCipher } from '../core/crypto.js'
import type { Db } from '../core/db.js'
import { execFile } from 'node:child_process'
import { sql } from 'kysely'
import { startEmbeddedBroker } from './broker.js'
import { deviceEvents } from './common.js'
import { dropIngestor, ingestorFor } from './ingest.js'
import { setBrokerInfo } from './ingest-routes.js'
import { redact, startExternalSubscriber } from './mqtt-subscriber.js'
import { writeBrokerFiles } from './passwd.js'

export interface DeviceRuntime {
  /** Where devices connect (the embedded broker's ports, or the external broker's URL). */
  describe(): string
  /** The embedded broker's actual ports (0 in the configuration picks free ones); null with MQTT_URL. */
  ports: { mqtt: number; ws: number } | null
  /** Resolves once devices can be heard (the external broker: subscribed). */
  ready: Promise<void>
  /**
   * Embedded broker: disconnects devices retired or rotated since they connected; how many.
   * External broker with MOSQUITTO_DIR: writes its files again if the registry changed since (1, else 0).
   */
  revalidate(): Promise<number>
  stop(): Promise<void>
}

/** Connected devices are checked against their record this often (retired, or secret rotated: disconnected). */
const REVALIDATE_MS = 30_000
/** Credential changes within this long are written to the external broker's files together. */
const BROKER_FILES_DEBOUNCE_MS = 1_000
/** The registry is compared with the broker's files this often (changes made by other processes). */
const BROKER_FILES_CHECK_MS = 30_000

/**
 * With an external broker, the broker decides who connects. When MOSQUITTO_DIR names the
 * directory `grassroots devices passwd --out` wrote, the platform writes its password and ACL
 * files again at start, after every registration or change of a secret or a device's state in
 * this process (debounced), and whenever the registry no longer matches what it wrote last
 * (checked every 30 s: changes made by another process), then runs MOSQUITTO_RELOAD (a shell command, e.g. `kill -HUP $(cat /run/mosquitto/mosquitto.pid)`)
 * so mosquitto rereads them. Without them, the files are as current as the last `devices passwd`
 * run: a rotated or retired device is refused by the platform (knownDevice, within 10 s), but the
 * broker still lets it connect with the old secret until the files are written again.
 */
function brokerFilesWriter(db: Db, url: string, log: Logger) {
  const dir = process.env.MOSQUITTO_DIR
  if (!dir) return null
  const reload = process.env.MOSQUITTO_RELOAD
  const u = new URL(url)
  const platformPassword = decodeURIComponent(u.password)
  const port = u.port ? Number(u.port) : 1883
  let timer: NodeJS.Timeout | null = null
  let running: Promise<void> = Promise.resolve()
  /** What the files hold: a digest of every device that may connect, with its secret hash. */
  let written: string | null = null
  const fingerprint = async () => {
    const { rows } = await sql<{ h: string }>`
      select coalesce(md5(string_agg(code || ':' || secret_hash, ',' order by code)), '') as h
      from device where state <> 'retired'`.execute(db)
    return rows[0]!.h
  }
  const write = () => {
    running = running.then(async () => {
      try {
        const h = await fingerprint()
        const r = await writeBrokerFiles(db, { out: dir, platformPassword, port, host: u.hostname })
        written = h
        log.info({ dir, devices: r.devices }, 'wrote the MQTT broker password and ACL files')
        if (reload)
          await new Promise<void>((resolve) =>
            execFile('/bin/sh', ['-c', reload], (err) => {
              if (err) log.warn({ err: err.message }, 'MOSQUITTO_RELOAD failed')
              resolve()
            }),
          )
      } catch (err) {
        log.error({ err }, 'writing the MQTT broker files failed')
      }
    })
    return running
  }
  /** Writes the files again when the registry no longer matches them; whether it did. */
  const sync = async () => {
    await running
    if ((await fingerprint()) === written) return false
    await write()
    return true
  }
  const check = setInterval(() => {
    sync().catch((err) => log.warn({ err }, 'comparing the registry with the MQTT broker files failed'))
  }, BROKER_FILES_CHECK_MS)
  check.unref()
  return {
    now: write,
    sync,
    soon() {
      if (timer) return
      timer = setTimeout(() => {
        timer = null
        void write()
      }, BROKER_FILES_DEBOUNCE_MS)
      timer.unref()
    },
    async stop() {
      clearInterval(check)
      if (timer) {
        clearTimeout(timer)
        timer = null
        await write()
      }
      await running
    },
  }
}

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
    const files = brokerFilesWriter(db, url, log)
    if (files) await files.now()
    // A registry change (after its commit): forget what is cached, rewrite the broker's files.
    const changed = (code: string) => {
      ingestor.forgetDevice(code)
      files?.soon()
    }
    deviceEvents.on('credentialsChanged', changed)
    const sub = startExternalSubscriber(ingestor, url, log)
    setBrokerInfo(db, { mode: 'external', mqttPort: null, wsPort: null, url })
    return {
      ports: null,
      ready: sub.ready,
      revalidate: async () => ((await files?.sync()) ? 1 : 0),
      describe: () => `devices: subscribed to ${redact(url)} (grassroots/devices/+/+, QoS 1, persistent session)`,
      async stop() {
        deviceEvents.off('credentialsChanged', changed)
        await files?.stop()
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
  // A registry change (after its commit): forget what is cached, and disconnect the device at
  // once if it connected with a secret since replaced or is now retired. The periodic check
  // below covers changes made by another process.
  const changed = (code: string) => {
    ingestor.forgetDevice(code)
    broker.revalidate(db, [code]).catch((err) => log.warn({ err, code }, 'checking a changed device failed'))
  }
  deviceEvents.on('credentialsChanged', changed)
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
      deviceEvents.off('credentialsChanged', changed)
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
