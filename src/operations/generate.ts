import { sql } from 'kysely'
import { mulberry32 } from '../core/random.js'
import { SingleBar } from 'cli-progress'
import { recordAudit } from '../audit/service.js'
import type { Database } from '../core/db.js'
import { asSystem } from '../core/scope.js'
import { casesStep } from './generate-cases.js'
import { peopleStep } from './generate-people.js'
import { disputesStep } from './generate-disputes.js'
import { commentsStep, proposalsStep, surveyResponsesStep } from './generate-participation.js'
import { partyMembersStep } from './generate-party.js'
import { serviceApplicationsStep, volunteerHoursStep } from './generate-services.js'
import { trainingRecordsStep } from './generate-training.js'
import { patrolsStep } from './generate-patrols.js'
import { insertSink, postgresSink } from './generate-sink.js'
import type { GenerateOptions, GenerateStep, StepResult } from './generate-step.js'

export type { GenerateOptions } from './generate-step.js'

/**
 * Bulk generator of realistic, deterministic data for benchmarks and load tests:
 *
 *   grassroots generate --cases N [--people M --proposals P --comments C --party-members K --training-records T] [--seed S]
 *
 * The work is a list of steps, one per entity (`generateSteps`). A step gets the row sink (COPY on
 * PostgreSQL, batched multi-row INSERTs on the embedded database), a seeded PRNG and a progress
 * reporter, and returns how many rows it wrote. An entity without a step is reported as "not
 * available yet", never silently skipped. To add one, export a `GenerateStep` and append it to
 * `generateSteps`.
 */

/** The registered steps, in the order they run (later steps may refer to earlier entities). */
export const generateSteps: GenerateStep[] = [
  casesStep,
  peopleStep,
  disputesStep,
  proposalsStep,
  commentsStep,
  surveyResponsesStep,
  serviceApplicationsStep,
  volunteerHoursStep,
  partyMembersStep,
  trainingRecordsStep,
  patrolsStep,
]

/** Entities the CLI accepts; those without a step report "not available yet". */
export const generateEntities = [
  'cases',
  'people',
  'disputes',
  'proposals',
  'comments',
  'survey_responses',
  'service_applications',
  'volunteer_hours',
  'party_members',
  'training_records',
  'patrols',
] as const

export interface EntityReport {
  entity: string
  requested: number
  status: 'done' | 'not available yet' | 'skipped'
  rows: Record<string, number>
  seconds: number
  rowsPerSecond: number
  detail?: Record<string, unknown>
}

interface SavedIndex {
  name: string
  def: string
}

/** Secondary (non-unique, non-primary) indexes of a table, to drop before a bulk load. */
async function secondaryIndexes(database: Database, table: string): Promise<SavedIndex[]> {
  const { rows } = await sql<SavedIndex>`
    select i.relname as name, pg_get_indexdef(x.indexrelid) as def
    from pg_index x join pg_class i on i.oid = x.indexrelid
    where x.indrelid = ${table}::regclass and not x.indisunique and not x.indisprimary`.execute(database.db)
  return rows
}

const bulkTriggers = [
  { table: 'cases', name: 'case_rollup_insert' },
  { table: 'cases', name: 'case_rollup_update' },
  { table: 'cases', name: 'case_rollup_delete' },
  { table: 'case_event', name: 'case_rollup_events' },
  // Key topics queue each new case for the tagger; a bulk load is swept once instead.
  { table: 'cases', name: 'case_topic_insert' },
  { table: 'cases', name: 'case_topic_update' },
]

export async function generate(database: Database, opts: GenerateOptions): Promise<EntityReport[]> {
  const log = opts.log ?? ((line: string) => console.error(line))
  const known = new Set<string>([...generateEntities, ...generateSteps.map((s) => s.entity)])
  for (const e of Object.keys(opts.counts)) if (!known.has(e)) throw new Error(`unknown entity ${e}`)
  const exists = await database.db
    .selectFrom('area')
    .select('id')
    .where('level', '=', 'grid')
    .limit(1)
    .executeTakeFirst()
  if (!exists) throw new Error('the database has no grids: seed the demo city first (grassroots seed --demo)')

  const sink =
    database.backend === 'postgresql' && opts.databaseUrl
      ? await postgresSink(opts.databaseUrl)
      : await insertSink(database)
  const reports: EntityReport[] = []
  try {
    for (const entity of [...new Set([...generateSteps.map((s) => s.entity), ...Object.keys(opts.counts)])]) {
      const requested = opts.counts[entity] ?? 0
      const step = generateSteps.find((s) => s.entity === entity)
      if (!step) {
        if (requested > 0) {
          log(`${entity}: not available yet (no generator step for this entity; its module is not built)`)
          reports.push({ entity, requested, status: 'not available yet', rows: {}, seconds: 0, rowsPerSecond: 0 })
        }
        continue
      }
      if (requested <= 0) continue
      const rebuild =
        sink.backend === 'postgresql' &&
        (opts.rebuildIndexes === true || (opts.rebuildIndexes !== false && requested >= 200_000))
      const saved: SavedIndex[] = []
      if (rebuild) {
        for (const t of step.tables) saved.push(...(await secondaryIndexes(database, t)))
        if (saved.length) log(`${entity}: dropping ${saved.length} secondary indexes for the load; rebuilt afterwards`)
        for (const i of saved) await sink.exec(`DROP INDEX ${i.name}`)
      }
      // The case rollup's triggers count each statement's rows; a bulk load of cases is counted once
      // at the end instead (case_rollup_rebuild, migration 0077), which is several times cheaper.
      const recountRollup = step.tables.includes('cases') && requested >= 200_000
      if (recountRollup)
        for (const t of bulkTriggers) await sink.exec(`ALTER TABLE ${t.table} DISABLE TRIGGER ${t.name}`)
      const bar = opts.progress
        ? new SingleBar({
            format: `${entity.padEnd(9)} {bar} {percentage}% | {value}/{total} | {rate} ${entity}/s | ETA {eta_formatted}`,
            hideCursor: true,
            etaBuffer: 50,
          })
        : null
      const started = performance.now()
      let lastLog = started
      bar?.start(requested, 0, { rate: 0 })
      const progress = (done: number) => {
        const now = performance.now()
        const rate = Math.round(done / Math.max(0.001, (now - started) / 1000))
        if (bar) bar.update(done, { rate })
        else if (now - lastLog > 5000 || done === requested) {
          lastLog = now
          log(`${entity}: ${done}/${requested} (${rate}/s)`)
        }
      }
      let result: StepResult
      try {
        result = await step.run(
          { database, sink, rng: mulberry32(opts.seed * 7919 + entity.length), opts, progress, log },
          requested,
        )
      } finally {
        bar?.stop()
        if (saved.length) {
          const t0 = performance.now()
          await sink.exec("SET maintenance_work_mem = '1GB'").catch(() => {})
          for (const i of saved) await sink.exec(i.def)
          log(`${entity}: rebuilt ${saved.length} indexes in ${((performance.now() - t0) / 1000).toFixed(1)} s`)
        }
        if (recountRollup) {
          for (const t of bulkTriggers)
            await sink.exec(
              `ALTER TABLE ${t.table} ENABLE ${t.name.startsWith('case_rollup') ? 'ALWAYS ' : ''}TRIGGER ${t.name}`,
            )
          const t0 = performance.now()
          await sink.exec('SELECT case_rollup_rebuild()')
          await sink.exec('UPDATE topic_tagger SET sweep_after = 0')
          log(`${entity}: case rollup counted in ${((performance.now() - t0) / 1000).toFixed(1)} s`)
        } else if (step.tables.includes('cases')) {
          // What the triggers appended, folded now rather than by the first server minutes later.
          await sink.exec('DO $$ BEGIN WHILE case_rollup_fold(200000) > 0 LOOP END LOOP; END $$')
        }
        if (step.tables.includes('cases')) await sink.exec('VACUUM (ANALYZE) case_rollup, case_rollup_delta')
      }
      // VACUUM as well as ANALYZE: a bulk load leaves every tuple's hint bits and the visibility map
      // unset, so the first reads of each page write it, and autovacuum would start on the fresh
      // tables while the benchmark measures.
      for (const t of step.tables) await sink.exec(`VACUUM (ANALYZE) ${t}`)
      const seconds = (performance.now() - started) / 1000
      const total = Object.values(result.rows).reduce((a, b) => a + b, 0)
      const report: EntityReport = {
        entity,
        requested,
        status: 'done',
        rows: result.rows,
        seconds,
        rowsPerSecond: Math.round(total / seconds),
        ...(result.detail ? { detail: result.detail } : {}),
      }
      reports.push(report)
      log(
        `${entity}: ${Object.entries(result.rows)
          .map(([t, n]) => `${n} ${t}`)
          .join(', ')} in ${seconds.toFixed(1)} s = ${report.rowsPerSecond} rows/s`,
      )
    }
    await asSystem(database.db, (tx) =>
      recordAudit(
        tx,
        { actor: null, ip: 'cli' },
        {
          action: 'data.generate',
          detail: {
            seed: opts.seed,
            until: opts.until.toISOString(),
            years: opts.years,
            reports: reports.map((r) => ({ entity: r.entity, status: r.status, rows: r.rows })),
          },
        },
      ),
    )
  } finally {
    await sink.close()
  }
  return reports
}
