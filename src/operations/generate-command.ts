import { InvalidArgumentError, type Command } from 'commander'
import { loadConfig, type Config } from '../config.js'
import { openDatabase } from '../core/db.js'
import { acquireLock, lockHolder } from '../core/lock.js'
import { migrate } from '../core/migrate.js'
import { isSeeded, seedDemo } from '../demo/seed.js'
import { generate, type EntityReport, type GenerateOptions } from './generate.js'
import { cipherFor } from '../core/crypto.js'

export interface GenerateArgs {
  cases: number
  people: number
  disputes: number
  proposals: number
  comments: number
  surveyResponses: number
  serviceApplications: number
  volunteerHours: number
  partyMembers?: number
  trainingRecords?: number
  patrols?: number
  seed: number
  years: number
  until?: string
  rebuildIndexes?: boolean
  progress?: boolean
}

/** Default end of the history: the start of the current hour, so a rerun within it is identical. */
export const defaultUntil = () => new Date(Math.floor(Date.now() / 3_600_000) * 3_600_000)

/**
 * Opens the configured database (embedded: taking the data-directory lock; refused while a server
 * holds it, since a bulk load does not belong inside a serving process), migrates, seeds the demo
 * city into an empty database (never in production), and runs the generator.
 */
export async function runGenerate(
  config: Config,
  args: GenerateArgs,
  log: (line: string) => void = (l) => console.error(l),
): Promise<EntityReport[]> {
  if (!config.databaseUrl) {
    const holder = lockHolder(config.dataDir)
    if (holder)
      throw new Error(
        `the embedded database in ${config.dataDir} is in use by process ${holder.pid}; stop the server first`,
      )
  }
  const lock = config.databaseUrl ? null : acquireLock(config.dataDir)
  try {
    const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, poolSize: 2 })
    try {
      await migrate(database)
      if (!(await isSeeded(database.db))) {
        if (config.production)
          throw new Error('empty database: generate fills the demo city only, which is never created in production')
        log('empty database: seeding the demo city first')
        await seedDemo(database.db, 1, { production: false, cipher: cipherFor(config) })
      }
      const opts: GenerateOptions = {
        counts: {
          cases: args.cases,
          people: args.people,
          disputes: args.disputes,
          proposals: args.proposals,
          comments: args.comments,
          survey_responses: args.surveyResponses,
          service_applications: args.serviceApplications,
          volunteer_hours: args.volunteerHours,
          party_members: args.partyMembers ?? 0,
          training_records: args.trainingRecords ?? 0,
          patrols: args.patrols ?? 0,
        },
        seed: args.seed,
        years: args.years,
        until: args.until ? new Date(args.until) : defaultUntil(),
        rebuildIndexes: args.rebuildIndexes ?? 'auto',
        progress: args.progress ?? process.stderr.isTTY,
        databaseUrl: config.databaseUrl,
        log,
        cipher: cipherFor(config),
      }
      if (Number.isNaN(opts.until.getTime())) throw new Error('--until must be an ISO date or date-time')
      return await generate(database, opts)
    } finally {
      await database.close()
    }
  } finally {
    lock?.release()
  }
}

const count = (v: string) => {
  const n = Number(v.replace(/_/g, ''))
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('not a non-negative integer')
  return n
}

/** Registers `grassroots generate`. */
export function registerGenerateCommand(program: Command, exit: () => void) {
  program
    .command('generate')
    .description(
      'fill the database with realistic, deterministic data for benchmarks (COPY on PostgreSQL, batched INSERTs embedded); seeds the demo city into an empty database',
    )
    .option('--cases <n>', 'cases, with their timelines and timers', count, 0)
    .option(
      '--people <n>',
      'registry people (valid IDs and phones, sealed with the data key), spread over every grid',
      count,
      0,
    )
    .option(
      '--disputes <n>',
      'disputes with their parties, steps, agreements and timers, and one petition per ten disputes',
      count,
      0,
    )
    .option('--proposals <n>', 'resident proposals with their supports and histories', count, 0)
    .option('--comments <n>', 'comments on the proposals (needs --proposals, now or earlier)', count, 0)
    .option(
      '--survey-responses <n>',
      'responses to one open survey of the district (five questions, one branching)',
      count,
      0,
    )
    .option(
      '--service-applications <n>',
      'service applications by registry people in every state, over a generated catalogue (needs --people)',
      count,
      0,
    )
    .option(
      '--volunteer-hours <n>',
      'credited volunteer sign-ups: volunteers among the registry people, past activities, the time bank (needs --people)',
      count,
      0,
    )
    .option(
      '--party-members <n>',
      'party members among the registry people, on a party network completed over the area tree, some reporting to their community (needs --people)',
      count,
      0,
    )
    .option(
      '--training-records <n>',
      'course enrolments of generated grid workers over the grids, with lessons done, quiz attempts and certificates (needs published courses: the demo city has them)',
      count,
      0,
    )
    .option(
      '--patrols <n>',
      'patrol logs with tracks by the grids’ workers, most working days, 1–3 h and 1–5 km (adds generated grid workers where the grids have too few)',
      count,
      0,
    )
    .option('--seed <n>', 'random seed', count, 1)
    .option('--years <n>', 'years of history before --until', Number, 3)
    .option('--until <iso>', 'end of the history (default: the start of the current hour)')
    .option(
      '--no-rebuild-indexes',
      'PostgreSQL: keep the secondary indexes during a large load instead of rebuilding them after',
    )
    .action(async (opts: GenerateArgs) => {
      const reports = await runGenerate(loadConfig(), opts)
      for (const r of reports) {
        if (r.status === 'done')
          console.log(
            `${r.entity}: ${Object.entries(r.rows)
              .map(([t, n]) => `${n} ${t}`)
              .join(', ')} in ${r.seconds.toFixed(1)} s (${r.rowsPerSecond} rows/s)`,
          )
        else console.log(`${r.entity}: ${r.requested} requested, ${r.status}`)
      }
      exit()
    })
}
