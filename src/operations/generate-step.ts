// What a generator step is and gets: its own module, so that generate.ts (which lists the steps)
// and the steps (which implement this) do not import each other.
import type { Random } from '../core/random.js'
import type { FieldCipher } from '../core/crypto.js'
import type { Database } from '../core/db.js'
import type { RowSink } from './generate-sink.js'

export interface GenerateOptions {
  /** Requested row counts by entity: cases, people, proposals, comments, … */
  counts: Record<string, number>
  seed: number
  /** End of the generated history (exclusive); history runs back `years` from it. */
  until: Date
  years: number
  /** PostgreSQL only: drop the secondary indexes of the tables a step fills and rebuild them after (large loads). */
  rebuildIndexes?: boolean | 'auto'
  /** Draw a progress bar on stderr (a TTY); otherwise log a line every few seconds. */
  progress?: boolean
  databaseUrl?: string
  log?: (line: string) => void
  /** The personal-data cipher: people are stored encrypted, as the API stores them. */
  cipher?: FieldCipher
}

export interface StepContext {
  database: Database
  sink: RowSink
  rng: Random
  opts: GenerateOptions
  /** Report progress in units of the step's main entity. */
  progress: (done: number) => void
  log: (line: string) => void
}

export interface StepResult {
  /** Rows written per table. */
  rows: Record<string, number>
  detail?: Record<string, unknown>
}

export interface GenerateStep {
  /** The entity name, as in the `--<entity>` flag. */
  entity: string
  /** Tables the step fills (their indexes may be rebuilt around a large load). */
  tables: string[]
  run(ctx: StepContext, count: number): Promise<StepResult>
}
