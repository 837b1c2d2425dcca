import { readFileSync } from 'node:fs'
import path from 'node:path'
import { SingleBar, Presets } from 'cli-progress'
import { Command, InvalidArgumentError } from 'commander'
import { loadConfig } from './config.js'
import { controlCommands, type ControlCommand } from './control.js'
import { openDatabase } from './core/db.js'
import { acquireLock, lockHolder } from './core/lock.js'
import { migrate } from './core/migrate.js'
import { cipherFor } from './core/crypto.js'
import { sealPlaintextPhones } from './operations/seal.js'
import { systemClock } from './core/clock.js'
import { printAccounts, startPlatform } from './main.js'
import { describeBackup, type BackupResult } from './operations/backup.js'
import { describeCheck } from './operations/catalog.js'
import { migrateToPostgres } from './operations/migrate-to-postgres.js'
import { restore } from './operations/restore.js'
import { registerGenerateCommand } from './operations/generate-command.js'
import { registerDevicesCommand } from './devices/simulate-command.js'

/**
 * Runs a database command: against PostgreSQL directly; against an embedded database either
 * directly (taking the data-directory lock) or, when a server holds it, through that server.
 */
/** What a control command takes; files read from disk are checked by the command itself. */
type CommandArgs<C extends ControlCommand> = NonNullable<Parameters<(typeof controlCommands)[C]>[1]>

async function runCommand<C extends ControlCommand>(
  command: C,
  args: Parameters<(typeof controlCommands)[C]>[1],
): Promise<unknown> {
  const config = loadConfig()
  if (!config.databaseUrl) {
    const holder = lockHolder(config.dataDir)
    if (holder) {
      if (!holder.url || !holder.token)
        throw new Error(`the server (pid ${holder.pid}) is still starting; try again in a moment`)
      const res = await fetch(`${holder.url}/internal/control/${command}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-control-token': holder.token },
        body: JSON.stringify(args ?? {}),
      })
      const body = (await res.json()) as { result?: unknown; error?: { message: string; field: string | null } }
      if (!res.ok)
        throw new Error(
          body.error
            ? `${body.error.message}${body.error.field ? ` (${body.error.field})` : ''}`
            : `HTTP ${res.status}`,
        )
      return body.result
    }
  }
  const lock = config.databaseUrl ? null : acquireLock(config.dataDir)
  try {
    const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, poolSize: 2 })
    try {
      // A backup takes the database as it is.
      if (command !== 'migrate' && command !== 'backup') {
        await migrate(database)
        await sealPlaintextPhones(database, cipherFor(config))
      }
      const platform = { database, config, clock: systemClock }
      return await (controlCommands[command] as (p: typeof platform, a: unknown) => Promise<unknown>)(platform, args)
    } finally {
      await database.close()
    }
  } finally {
    lock?.release()
  }
}

const integer = (v: string) => {
  const n = Number(v)
  if (!Number.isInteger(n)) throw new InvalidArgumentError('not an integer')
  return n
}

const program = new Command()
program
  .name('grassroots')
  .description(
    'Grassroots social governance platform. Uses DATABASE_URL (PostgreSQL) or the embedded database in DATA_DIR (./data).',
  )
  .showHelpAfterError()

program
  .command('serve')
  .description(
    'serve the API and the web app (migrates, and seeds the demo city with a year of case history into an empty database outside production)',
  )
  .option('--empty', 'seed the demo city without its year of case history and waiting work (as DEMO_HISTORY=0)')
  .action(async (opts: { empty?: boolean }) => {
    const running = await startPlatform(opts.empty ? { demoHistory: false } : {})
    console.log(`\nGrassroots is serving at ${running.url}  (API docs: ${running.url}/api/docs)`)
    const shutdown = (signal: string) => {
      running.app.log.info({ signal }, 'shutting down')
      running.stop().then(
        () => process.exit(0),
        (err) => {
          console.error(err)
          process.exit(1)
        },
      )
    }
    process.once('SIGINT', () => shutdown('SIGINT'))
    process.once('SIGTERM', () => shutdown('SIGTERM'))
  })

program
  .command('migrate')
  .description('apply pending database migrations')
  .action(async () => {
    const { applied } = (await runCommand('migrate', undefined)) as { applied: string[] }
    console.log(applied.length ? `applied: ${applied.join(', ')}` : 'the database is up to date')
  })

program
  .command('seed')
  .description('seed data into an empty database')
  .requiredOption('--demo', 'the demo city (refused when NODE_ENV=production)')
  .option('--seed <n>', 'random seed of the generator', integer, 1)
  .action(async (opts: { seed: number }) => {
    const accounts = (await runCommand('seed-demo', { seed: opts.seed })) as Parameters<typeof printAccounts>[0]
    printAccounts(accounts)
  })

program
  .command('demo-accounts')
  .description('list the demo accounts')
  .option('--json', 'print JSON: [{username, password, role, area, areaName}]')
  .action(async (opts: { json?: boolean }) => {
    const accounts = (await runCommand('demo-accounts', undefined)) as Parameters<typeof printAccounts>[0]
    if (opts.json) console.log(JSON.stringify(accounts, null, 2))
    else printAccounts(accounts)
  })

const user = program.command('user').description('manage user accounts')
user
  .command('create')
  .description('create a user with one role on an area (e.g. the first admin of a production install)')
  .requiredOption('--username <name>', 'lower-case login name')
  .requiredOption('--area <code>', 'code of the area the role is granted on (e.g. the city)')
  .option('--role <role>', 'admin | leader | staff | grid_worker | department_handler | mediator | resident', 'admin')
  .option('--display-name <name>', 'shown name (defaults to the username)')
  .option('--password-file <file>', 'read the password from this file (else GRASSROOTS_PASSWORD, else standard input)')
  .action(
    async (opts: { username: string; area: string; role: string; displayName?: string; passwordFile?: string }) => {
      const password = (
        opts.passwordFile
          ? readFileSync(opts.passwordFile, 'utf8')
          : (process.env.GRASSROOTS_PASSWORD ?? readFileSync(0, 'utf8'))
      ).replace(/\r?\n$/, '')
      const created = await runCommand('user-create', {
        username: opts.username,
        displayName: opts.displayName ?? opts.username,
        password,
        role: opts.role as CommandArgs<'user-create'>['role'],
        areaCode: opts.area,
      })
      console.log(JSON.stringify(created))
    },
  )

program
  .command('areas')
  .description('manage the jurisdiction')
  .command('import <file>')
  .description(
    'import areas from a GeoJSON FeatureCollection (properties: code, nameZh, nameEn, level, parentCode); roots included; upsert by code',
  )
  .action(async (file: string) => {
    const fc = JSON.parse(readFileSync(file, 'utf8')) as { type?: string; features?: unknown }
    if (fc.type !== 'FeatureCollection') throw new Error(`${file} is not a GeoJSON FeatureCollection`)
    console.log(
      JSON.stringify(
        await runCommand('areas-import', { features: fc.features as CommandArgs<'areas-import'>['features'] }),
      ),
    )
  })

program
  .command('categories')
  .description('manage the event category catalogue')
  .command('import <file>')
  .description(
    'import categories from a JSON array ({code, parentCode, nameZh, nameEn, respondHours?, handleWorkdays?, photoRequired?, kind?, classCode?, defaultUrgency?, verifyBeforeFiling?, attributes?, keywords?, routing?: {areaCode: departmentCode}}); upsert by code',
  )
  .action(async (file: string) => {
    const categories = JSON.parse(readFileSync(file, 'utf8')) as unknown
    console.log(
      JSON.stringify(
        await runCommand('categories-import', {
          categories: categories as CommandArgs<'categories-import'>['categories'],
        }),
      ),
    )
  })

program
  .command('import')
  .description('import registry data')
  .command('people <file>')
  .description(
    'import people from a CSV (UTF-8 or GBK) or XLSX file; upsert by ID number; rejected rows go to an error report',
  )
  .requiredOption(
    '--area <code>',
    'the community, grid or larger area the people are filed under (rows may name their own grid with an area code column inside it)',
  )
  .option('--encoding <name>', 'text encoding of a CSV file (utf-8, gbk, gb18030); detected when omitted')
  .option(
    '--mapping <json>',
    'column heading → field, e.g. {"姓名":"name","身份证号":"idNumber"}; guessed from the headings when omitted',
  )
  .option('--errors <file>', 'where to write the rejected rows (default: <file>.errors.csv)')
  .action(async (file: string, opts: { area: string; encoding?: string; mapping?: string; errors?: string }) => {
    const absolute = path.resolve(file)
    const errorsFile = path.resolve(opts.errors ?? `${file}.errors.csv`)
    let mapping: Record<string, string> | undefined
    try {
      mapping = opts.mapping ? (JSON.parse(opts.mapping) as Record<string, string>) : undefined
    } catch {
      throw new InvalidArgumentError('--mapping is not JSON')
    }
    const encoding = opts.encoding as 'utf-8' | 'gb18030' | 'gbk' | undefined
    if (encoding && !['utf-8', 'gb18030', 'gbk'].includes(encoding))
      throw new InvalidArgumentError('--encoding must be utf-8, gbk or gb18030')
    const bar = new SingleBar(
      {
        format:
          'importing |{bar}| {percentage}% | {rows} rows | {rate} rows/s | ETA {eta_formatted} | +{inserted} ~{updated} ={unchanged} ✗{failed}',
        etaBuffer: 30,
        fps: 5,
        hideCursor: true,
      },
      Presets.shades_classic,
    )
    const startedAt = Date.now()
    let started = false
    const show = (p: {
      bytesRead: number
      totalBytes: number
      processed: number
      inserted: number
      updated: number
      unchanged: number
      failed: number
    }) => {
      if (!started) {
        bar.start(p.totalBytes, 0)
        started = true
      }
      const seconds = Math.max(0.001, (Date.now() - startedAt) / 1000)
      bar.update(p.bytesRead, {
        rows: p.processed,
        rate: Math.round(p.processed / seconds),
        inserted: p.inserted,
        updated: p.updated,
        unchanged: p.unchanged,
        failed: p.failed,
      })
    }
    const args = {
      file: absolute,
      areaCode: opts.area,
      ...(encoding ? { encoding } : {}),
      ...(mapping ? { mapping } : {}),
    }
    const config = loadConfig()
    const remote = !config.databaseUrl && lockHolder(config.dataDir)
    let jobId: number
    let final: {
      processed: number
      inserted: number
      updated: number
      unchanged: number
      failed: number
      status?: string
      error?: string | null
    }
    if (remote) {
      const begun = (await runCommand('import-people', args)) as { jobId: number; totalBytes: number }
      jobId = begun.jobId
      for (;;) {
        const job = (await runCommand('import-status', { jobId })) as {
          status: string
          bytesRead: number
          byteSize: number
          processed: number
          inserted: number
          updated: number
          unchanged: number
          failed: number
          error: string | null
        }
        show({ ...job, totalBytes: job.byteSize })
        if (job.status === 'done' || job.status === 'failed') {
          final = job
          break
        }
        await new Promise((r) => setTimeout(r, 250))
      }
    } else {
      const done = (await runCommand('import-people', { ...args, wait: true, onProgress: show })) as {
        jobId: number
        result: typeof final
      }
      jobId = done.jobId
      final = done.result
    }
    if (started) bar.stop()
    const seconds = (Date.now() - startedAt) / 1000
    if (final.status === 'failed') throw new Error(`import #${jobId} failed: ${final.error}`)
    console.log(
      `import #${jobId}: ${final.processed} rows in ${seconds.toFixed(1)} s (${Math.round(final.processed / seconds)} rows/s): ${final.inserted} new, ${final.updated} updated, ${final.unchanged} unchanged, ${final.failed} rejected`,
    )
    if (final.failed > 0) {
      await runCommand('import-errors', { jobId, file: errorsFile })
      console.log(`rejected rows with their reasons: ${errorsFile}`)
    }
  })

program
  .command('detect-warnings')
  .description(
    'run the early-warning detector once (spikes, repeated places and requesters, satisfaction drops, risky disputes)',
  )
  .action(async () => {
    const r = (await runCommand('detect-warnings', undefined)) as Awaited<
      ReturnType<(typeof controlCommands)['detect-warnings']>
    >
    console.log(`warnings raised: ${r.raised}, updated: ${r.updated} (${r.milliseconds} ms)`)
    for (const [kind, n] of Object.entries(r.byKind)) if (n) console.log(`  ${kind}: ${n}`)
  })

program
  .command('monthly-reports')
  .description(
    "queue last month's report of every street and district that has none yet (as on the 1st of each month) and render every queued report",
  )
  .action(async () => {
    const r = (await runCommand('monthly-reports', undefined)) as Awaited<
      ReturnType<(typeof controlCommands)['monthly-reports']>
    >
    console.log(`monthly reports queued: ${r.queued}, rendered: ${r.rendered}`)
    for (const f of r.failed) console.log(`  failed ${f}`)
  })

program
  .command('monthly-assessments')
  .description(
    'score last month for every monthly KPI scheme without a finished run of it (as on the 1st of each month)',
  )
  .action(async () => {
    const r = (await runCommand('monthly-assessments', undefined)) as Awaited<
      ReturnType<(typeof controlCommands)['monthly-assessments']>
    >
    console.log(`assessment runs made: ${r.runs}`)
  })

const audit = program.command('audit').description('the audit trail')
audit
  .command('verify')
  .description('check the hash chain; names the first broken entry')
  .action(async () => {
    const report = (await runCommand('audit-verify', undefined)) as Awaited<
      ReturnType<(typeof controlCommands)['audit-verify']>
    >
    if (report.ok) {
      console.log(`audit trail intact: ${report.entries} entries verified`)
      if (report.head)
        console.log(
          `head: entry ${report.head.seq} ${report.head.hash} (keep it elsewhere: a later head must extend it)`,
        )
    } else {
      console.error(
        `audit trail BROKEN at entry ${report.firstBroken!.seq} (${report.firstBroken!.reason.replace('_', ' ')}); ${report.entries} entries`,
      )
      process.exitCode = 2
    }
  })

// A closed PGlite instance can leave a PostgreSQL timer armed that keeps Node alive; these
// commands have released everything (the lock included) when they reach this.
const exitNow = () => process.stdout.write('', () => process.exit(process.exitCode ?? 0))

program
  .command('backup <file>')
  .description(
    'back up the database to FILE: pg_dump custom archive (PostgreSQL) or the data directory as a gzipped tar (embedded; through the server while it runs)',
  )
  .action(async (file: string) => {
    console.log(describeBackup((await runCommand('backup', { file: path.resolve(file) })) as BackupResult))
  })

program
  .command('restore <file>')
  .description(
    'replace the database with a backup, then check it (embedded: stop the server first; the old data directory is kept aside)',
  )
  .action(async (file: string) => {
    const result = await restore(loadConfig(), path.resolve(file))
    for (const w of result.warnings) console.error(`warning: ${w}`)
    console.log(`restored ${path.resolve(file)} into ${result.target}`)
    if (result.previous) console.log(`the previous data directory is kept in ${result.previous}`)
    for (const line of describeCheck(result.check)) console.log(line)
    if (result.check.audit && !result.check.audit.ok) process.exitCode = 2
    exitNow()
  })

program
  .command('migrate-to-postgres <url>')
  .description(
    'copy the embedded database (DATA_DIR; stop the server first) into an empty PostgreSQL database, then verify the copy',
  )
  .action(async (url: string) => {
    const report = await migrateToPostgres(loadConfig(), url, (line) => console.log(line))
    console.log(`verified: ${report.tables.length} tables, ${report.rows} rows, row counts and checksums equal`)
    if (report.audit) {
      if (report.audit.ok)
        console.log(
          `audit trail intact on the target: ${report.audit.entries} entries${report.audit.head ? `, head ${report.audit.head.seq} ${report.audit.head.hash}` : ''}`,
        )
      else {
        console.error(
          `audit trail BROKEN at entry ${report.audit.firstBroken!.seq} (already so in the embedded database)`,
        )
        process.exitCode = 2
      }
    }
    console.log(
      `done in ${report.seconds.toFixed(1)} s. Start the server with DATABASE_URL set to the target; ${loadConfig().dataDir} is left as it was.`,
    )
    exitNow()
  })

registerGenerateCommand(program, exitNow)
registerDevicesCommand(program, exitNow)

program.parseAsync().catch((err: Error & { field?: string | null }) => {
  console.error(`grassroots: ${err.message}${err.field ? ` (${err.field})` : ''}`)
  process.exit(1)
})
