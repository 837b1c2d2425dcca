import { type Command, InvalidArgumentError } from 'commander'
import { loadConfig } from '../config.js'
import { type Db, openDatabase } from '../core/db.js'
import { acquireLock, lockHolder } from '../core/lock.js'
import { migrate } from '../core/migrate.js'
import { writeBrokerFiles } from './passwd.js'
import { DEFAULT_SIM_KEY, percentile, registerSimulatedDevices, runSimulator, simulatedDevices } from './simulate.js'

// The `grassroots devices` command group: the simulator and the external broker's files.

const integer = (v: string) => {
  const n = Number(v)
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('not a non-negative integer')
  return n
}

/**
 * Runs `fn` on the database as its owner: PostgreSQL (DATABASE_URL) directly; the embedded one
 * only while no server holds it (its one connection is the server's).
 */
async function withDatabase<T>(fn: (db: Db) => Promise<T>): Promise<T> {
  const config = loadConfig()
  if (!config.databaseUrl && lockHolder(config.dataDir))
    throw new Error(
      `the server (pid ${lockHolder(config.dataDir)!.pid}) holds the embedded database in ${config.dataDir}: stop it for this step, or use PostgreSQL (DATABASE_URL); then start it again and simulate with --no-register`,
    )
  const lock = config.databaseUrl ? null : acquireLock(config.dataDir)
  try {
    const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, poolSize: 2 })
    try {
      await migrate(database)
      return await fn(database.db)
    } finally {
      await database.close()
    }
  } finally {
    lock?.release()
  }
}

/** Where devices connect by default: MQTT_URL's broker (without the platform's credentials), else the embedded one. */
function defaultUrl(): string {
  const config = loadConfig()
  if (config.mqttUrl) {
    const u = new URL(config.mqttUrl)
    u.username = ''
    u.password = ''
    return u.toString()
  }
  if (!config.mqttPort) throw new Error('MQTT_PORT is 0 (a free port): say where the broker is with --url')
  const host = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host
  return `mqtt://${host.includes(':') ? `[${host}]` : host}:${config.mqttPort}`
}

export function registerDevicesCommand(program: Command, exitNow: () => void): void {
  const devices = program
    .command('devices')
    .description('smart-community devices: the simulator, and the files of an external MQTT broker')

  devices
    .command('simulate')
    .description(
      'register simulated devices SIM-000001… in the demo city (secrets derived from --key) and publish realistic readings, heartbeats and planted alarms (raised, then cleared) over MQTT at QoS 1; prints sent/acknowledged per second',
    )
    .option('--devices <n>', 'how many simulated devices', integer, 100)
    .option('--rate <n>', 'messages per second over all devices (0: as fast as the broker acknowledges)', integer, 50)
    .option('--seconds <n>', 'stop after this many seconds (default: until Ctrl-C)', integer)
    .option('--messages <n>', 'stop after this many messages', integer)
    .option('--alarms <n>', 'planted alarms, spread over the run (each raised, then cleared)', integer, 0)
    .option(
      '--connections <n>',
      'concurrent device connections; with more devices they take the devices in turn',
      integer,
      200,
    )
    .option('--burst <n>', 'messages per device per connection when connections rotate', integer, 10)
    .option(
      '--url <url>',
      'the broker (default: MQTT_URL without its credentials, else the embedded broker on MQTT_PORT)',
    )
    .option('--key <key>', "the key the devices' secrets are derived from", DEFAULT_SIM_KEY)
    .option('--no-register', 'do not touch the database: the devices were registered by an earlier run')
    .action(
      async (opts: {
        devices: number
        rate: number
        seconds?: number
        messages?: number
        alarms: number
        connections: number
        burst: number
        url?: string
        key: string
        register: boolean
      }) => {
        if (loadConfig().production && opts.register)
          throw new Error('simulated devices are not registered in production (NODE_ENV=production)')
        const url = opts.url ?? defaultUrl()
        const registered = opts.register
          ? await withDatabase((db) => registerSimulatedDevices(db, opts.devices, new Date(), opts.key))
          : null
        if (registered)
          console.log(
            `${opts.devices} simulated devices (${registered.created} new, ${registered.reset} secrets restored)`,
          )
        const list = registered?.devices ?? simulatedDevices(opts.devices, opts.key)
        const stop = new Promise<void>((resolve) => {
          process.once('SIGINT', () => resolve())
          process.once('SIGTERM', () => resolve())
        })
        console.log(`publishing to ${url} at ${opts.rate ? `${opts.rate}/s` : 'full speed'} (Ctrl-C stops)`)
        let last = { sent: 0, acked: 0 }
        const result = await runSimulator({
          url,
          devices: list,
          rate: opts.rate,
          ...(opts.seconds !== undefined ? { seconds: opts.seconds } : {}),
          ...(opts.messages !== undefined ? { messages: opts.messages } : {}),
          alarms: opts.alarms,
          connections: opts.connections,
          burst: opts.burst,
          stop,
          onSecond: (s) => {
            console.log(
              `${String(s.second).padStart(5)} s  sent ${s.sent - last.sent}/s  acknowledged ${s.acked - last.acked}/s  (total ${s.acked}/${s.sent}${s.failed ? `, ${s.failed} failed` : ''})`,
            )
            last = s
          },
        })
        const p99 = percentile(result.alarmLatencies, 99)
        console.log(
          `done: ${result.acked}/${result.sent} acknowledged in ${result.seconds.toFixed(1)} s (${Math.round(result.acked / result.seconds)}/s); alarms raised ${result.alarmsRaised}, cleared ${result.alarmsCleared}${p99 !== null ? `; alarm publish → PUBACK p99 ${p99.toFixed(0)} ms` : ''}`,
        )
        exitNow()
      },
    )

  devices
    .command('passwd')
    .description(
      "write an external broker's files from the device registry: a mosquitto password_file (every device not retired, with its stored $7$ hash, plus the platform's user _grassroots), an acl_file (each device writes only under its own code, the platform reads them all) and a mosquitto.conf using both; after a change, write them again and reload mosquitto with SIGHUP",
    )
    .requiredOption('--out <dir>', 'directory for passwd, acl and mosquitto.conf')
    .option(
      '--platform-password <password>',
      "the platform's password at the broker (default: the one in MQTT_URL, else a new one is printed)",
    )
    .option('--port <n>', 'the listener port written into mosquitto.conf', integer, 1883)
    .action(async (opts: { out: string; platformPassword?: string; port: number }) => {
      const fromUrl = loadConfig().mqttUrl
      const password =
        opts.platformPassword ?? (fromUrl ? decodeURIComponent(new URL(fromUrl).password) || undefined : undefined)
      const result = await withDatabase((db) =>
        writeBrokerFiles(db, { out: opts.out, port: opts.port, ...(password ? { platformPassword: password } : {}) }),
      )
      console.log(
        `wrote ${result.files.passwd} (${result.devices} devices + the platform), ${result.files.acl}, ${result.files.conf}`,
      )
      if (!password) console.log(`start the platform with MQTT_URL=${result.platformUrl}`)
      console.log('reload a running mosquitto with: kill -HUP $(pidof mosquitto)')
      exitNow()
    })
}
