import type { FastifyInstance } from 'fastify'
import pino from 'pino'
import { loadConfig, type Config } from './config.js'
import { controlRoutes, newControlToken } from './control.js'
import { openDatabase, type Database } from './core/db.js'
import { acquireLock, type DataDirLock } from './core/lock.js'
import { migrate } from './core/migrate.js'
import { buildServer } from './server.js'
import { caseTimerHandler } from './cases/deadlines.js'
import { agreementTimerHandler, disputeTimerHandler } from './disputes/actions.js'
import { petitionTimerHandler } from './disputes/petitions.js'
import { sendDigests } from './participation/digest.js'
import { proposalTimerHandler } from './participation/proposals.js'
import { applicationTimerHandler } from './services/applications.js'
import { milestoneTimerHandler } from './services/projects.js'
import { startAlertWorker } from './emergency/alerts.js'
import { checkTimerHandler } from './emergency/checks.js'
import { sweepDevices } from './devices/heartbeats.js'
import { startDevices } from './devices/runtime.js'
import { failInterruptedDeviceImports } from './devices/registry-import.js'
import { systemClock } from './core/clock.js'
import { DEMO_API_KEY } from './open311/keys.js'
import { startPeriodic, startScheduler } from './core/scheduler.js'
import { startAuditLinker } from './audit/service.js'
import { startRollupFolder } from './analytics/rollup.js'
import { startWebhookWorker } from './notifications/webhooks.js'
import { startMessageWorker } from './notifications/messages.js'
import { transportFromEnv } from './notifications/transport.js'
import { demoAccounts, isSeeded, seedDemo } from './demo/seed.js'
import { seedDemoHistory } from './demo/history.js'
import { cipherFor } from './core/crypto.js'
import { sealPlaintextPhones } from './operations/seal.js'
import { warnOverdueVisits } from './registry/care.js'
import { sweepTrainingReminders } from './training/reminders.js'
import { startTopicWorkers } from './analytics/topics-worker.js'
import { runMonthlyAssessments } from './analytics/assessment.js'
import { startReportWorker } from './analytics/report.js'
import { detectWarnings } from './analytics/warnings.js'
import { executeImportJob, interruptedImports } from './registry/import.js'

const CARE_CHECK_INTERVAL_MS = 3600_000
const ROLLUP_FOLD_INTERVAL_MS = 5_000
/** Devices are swept for missed heartbeats this often (the shortest heartbeat is 5 minutes). */
const DEVICE_SWEEP_INTERVAL_MS = 30_000

const SHUTDOWN_GRACE_MS = 15_000
/** The monthly-report worker looks for the schedule and for queued jobs this often. */
const REPORT_INTERVAL_MS = 60_000

/** What each kind of workflow timer does when it fires. */
export const timerHandlers = {
  case: caseTimerHandler,
  dispute: disputeTimerHandler,
  agreement: agreementTimerHandler,
  petition: petitionTimerHandler,
  proposal: proposalTimerHandler,
  service_application: applicationTimerHandler,
  project_milestone: milestoneTimerHandler,
  incident_check: checkTimerHandler,
}

export interface RunningPlatform {
  app: FastifyInstance
  database: Database
  config: Config
  url: string
  stop(): Promise<void>
}

/** Opens the database, migrates, seeds the demo city into an empty one, and serves. */
export async function startPlatform(
  overrides: Partial<Config> = {},
  opts: { quiet?: boolean } = {},
): Promise<RunningPlatform> {
  const config = loadConfig(overrides)
  const log = pino({ level: opts.quiet ? 'warn' : config.logLevel })
  let lock: DataDirLock | null = null
  if (!config.databaseUrl) lock = acquireLock(config.dataDir)
  try {
    const database = await openDatabase({
      databaseUrl: config.databaseUrl,
      dataDir: config.dataDir,
      readUrl: config.databaseReadUrl,
    })
    const applied = await migrate(database, (m) => log.info(m))
    if (applied.length) log.info({ applied: applied.length }, 'database migrated')
    const sealed = await sealPlaintextPhones(database, cipherFor(config))
    if (sealed) log.info({ sealed }, 'encrypted phones stored in clear by an older version')
    const platform = { database, config, clock: systemClock }
    if (!(await isSeeded(database.db))) {
      if (config.production) {
        log.warn('empty database: import the jurisdiction and create the first admin with `npx grassroots user create`')
      } else {
        log.info('empty database: seeding the demo city')
        await seedDemo(database.db, 1, { production: false, cipher: cipherFor(config) })
        // A year of cases and work waiting in every queue, so the demo shows the loop turning. By
        // default only on the embedded database: a fresh PostgreSQL database is an installation
        // being tried out or tested, which DEMO_HISTORY=1 opts in.
        if (config.demoHistory ?? !config.databaseUrl) {
          log.info('filling the demo city with a year of case history (DEMO_HISTORY=0 or `serve --empty` skips it)')
          const history = await seedDemoHistory(database, { cipher: cipherFor(config), now: platform.clock.now() })
          if (history)
            log.info(
              { cases: history.generated.find((r) => r.entity === 'cases')?.rows.cases, waiting: history.waiting },
              `demo history written in ${history.seconds.toFixed(1)} s`,
            )
        }
        if (!opts.quiet) printAccounts(await demoAccounts(database.db))
      }
    }
    const token = newControlToken()
    const app = await buildServer(platform, {
      loggerInstance: log,
      extra: lock ? controlRoutes(platform, token) : undefined,
    })
    await app.listen({ port: config.port, host: config.host })
    const address = app.server.address()
    const port = typeof address === 'object' && address ? address.port : config.port
    const url = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`
    lock?.update({ url, token })
    const linker =
      config.auditLinkIntervalMs > 0
        ? startAuditLinker(database.db, config.auditLinkIntervalMs, (err) =>
            log.error({ err }, 'linking the audit trail failed'),
          )
        : null
    const scheduler =
      config.schedulerIntervalMs > 0
        ? startScheduler(database.db, platform.clock, timerHandlers, config.schedulerIntervalMs, (err) =>
            log.error({ err }, 'scheduler run failed'),
          )
        : null
    const webhooks =
      config.schedulerIntervalMs > 0
        ? startWebhookWorker(database.db, platform.clock, config.schedulerIntervalMs, log)
        : null
    const transport = transportFromEnv(process.env, (obj, msg) => log.info(obj, msg))
    const messages =
      config.schedulerIntervalMs > 0
        ? startMessageWorker(
            database.db,
            platform.clock,
            transport,
            cipherFor(config),
            config.schedulerIntervalMs,
            (err) => log.error({ err }, 'message delivery run failed'),
          )
        : null
    // Emergency alerts to every resident of the affected grids: expanded and sent paced.
    const alerts =
      config.schedulerIntervalMs > 0
        ? startAlertWorker(
            database.db,
            platform.clock,
            transport,
            cipherFor(config),
            config.schedulerIntervalMs,
            (err) => log.error({ err }, 'alert delivery run failed'),
          )
        : null
    // The statistics' rollup: deltas folded every few seconds keep its live view a short read.
    const rollup =
      config.schedulerIntervalMs > 0
        ? startRollupFolder(database.db, ROLLUP_FOLD_INTERVAL_MS, (err) =>
            log.error({ err }, 'folding the case rollup failed'),
          )
        : null
    // Care visits fall due by the day: checking hourly is soon enough and costs one query.
    const care =
      config.schedulerIntervalMs > 0
        ? startPeriodic(
            () => warnOverdueVisits(database.db, platform.clock.now()),
            CARE_CHECK_INTERVAL_MS,
            (err) => log.error({ err }, 'care-visit check failed'),
          )
        : null
    // Training deadlines are days long: an hourly sweep reminds, tells of overdue and of new enrolments.
    const trainingReminders =
      config.schedulerIntervalMs > 0
        ? startPeriodic(
            () => sweepTrainingReminders(database.db, platform.clock.now()),
            CARE_CHECK_INTERVAL_MS,
            (err) => log.error({ err }, 'training reminder sweep failed'),
          )
        : null
    // KPI assessment: last month's scores for every monthly scheme, looked for hourly (so on the 1st).
    const assessments =
      config.schedulerIntervalMs > 0
        ? startPeriodic(
            () => runMonthlyAssessments(database.db, platform.clock.now()),
            CARE_CHECK_INTERVAL_MS,
            (err) => log.error({ err }, 'monthly assessment run failed'),
          )
        : null
    // Participation digests go out once a day; an hourly look finds the day's cutoff passed.
    const digests =
      config.schedulerIntervalMs > 0
        ? startPeriodic(
            () => sendDigests(database.db, platform.clock.now()),
            CARE_CHECK_INTERVAL_MS,
            (err) => log.error({ err }, 'participation digest run failed'),
          )
        : null
    // Key topics: the tagger over queued cases; smart dispatch: the model retrained daily (and at once when missing).
    const topicWorkers =
      config.schedulerIntervalMs > 0
        ? startTopicWorkers(database.db, platform.clock, (err) =>
            log.error({ err }, 'topic tagging or dispatch training failed'),
          )
        : null
    // Early warning: the detector over the rollup, hourly (a day's spike is flagged within the hour).
    const warnings =
      config.schedulerIntervalMs > 0
        ? startPeriodic(
            () => detectWarnings(database.db, platform.clock.now()),
            CARE_CHECK_INTERVAL_MS,
            (err) => log.error({ err }, 'warning detection failed'),
          )
        : null
    // Monthly reports: the 1st-of-month schedule per street and district, and jobs left queued or
    // by a process that died; a minute apart is soon enough for a monthly run.
    const reports =
      config.schedulerIntervalMs > 0
        ? startReportWorker(
            database.db,
            () => platform.clock.now(),
            REPORT_INTERVAL_MS,
            (err) => log.error({ err }, 'monthly report run failed'),
          )
        : null
    // Devices: the MQTT broker (embedded, or MQTT_URL) feeding the one ingest path, and the sweep
    // that turns silent devices offline and raises maintenance cases.
    const devices = config.mqttEnabled
      ? await startDevices(database.db, config, platform.clock, cipherFor(config), log)
      : null
    if (devices) log.info(devices.describe())
    const deviceSweep =
      config.schedulerIntervalMs > 0
        ? startPeriodic(
            () => sweepDevices(database.db, platform.clock.now(), cipherFor(config)),
            DEVICE_SWEEP_INTERVAL_MS,
            (err) => log.error({ err }, 'device heartbeat sweep failed'),
          )
        : null
    // Device imports keep no file to resume from: one cut off by a stop is marked failed (importing
    // the file again is safe, known codes are updated).
    await failInterruptedDeviceImports(database.db, platform.clock.now())
    // Imports cut off by a stop or crash run again from the start: rows are upserted by ID number.
    for (const jobId of await interruptedImports(database.db)) {
      log.info({ jobId }, 'resuming interrupted import')
      executeImportJob(database.db, cipherFor(config), jobId, () => platform.clock.now()).catch((err) =>
        log.warn({ err, jobId }, 'import failed'),
      )
    }
    let stopping: Promise<void> | null = null
    const stop = () =>
      (stopping ??= (async () => {
        // Fastify stops accepting and lets in-flight requests finish. A keep-alive connection
        // goes idle only after its last response, so idle ones are closed until the server is
        // down; whatever still hangs after the grace period is cut.
        const sweep = setInterval(() => app.server.closeIdleConnections(), 100)
        const deadline = setTimeout(() => app.server.closeAllConnections(), SHUTDOWN_GRACE_MS)
        await app.close()
        await devices?.stop()
        await deviceSweep?.stop()
        await scheduler?.stop()
        await webhooks?.stop()
        await messages?.stop()
        await alerts?.stop()
        await care?.stop()
        await trainingReminders?.stop()
        await digests?.stop()
        await topicWorkers?.stop()
        await assessments?.stop()
        await reports?.stop()
        await warnings?.stop()
        await rollup?.stop()
        await linker?.stop()
        clearInterval(sweep)
        clearTimeout(deadline)
        await database.close()
        lock?.release()
      })())
    return { app, database, config, url, stop }
  } catch (err) {
    lock?.release()
    throw err
  }
}

export function printAccounts(
  accounts: { username: string; password: string; role: string; area: string; areaName: string }[],
): void {
  console.log('\nDemo accounts (password for all: grassroots-demo):')
  console.table(accounts.map((a) => ({ username: a.username, role: a.role, area: `${a.area} ${a.areaName}` })))
  console.log(`Open311 API key for the whole demo city: ${DEMO_API_KEY}`)
}
