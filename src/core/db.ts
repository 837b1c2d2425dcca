import { createHash } from 'node:crypto'
import { PGlite } from '@electric-sql/pglite'
import { postgis } from '@electric-sql/pglite-postgis'
import { btree_gist } from '@electric-sql/pglite/contrib/btree_gist'
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm'
import { Kysely, PGliteDialect, PostgresDialect, sql, type Transaction } from 'kysely'
import pg from 'pg'
import type { DB } from './schema.js'

export type Backend = 'pglite' | 'postgresql'
export type Db = Kysely<DB>
export type Tx = Transaction<DB>

export interface Database {
  db: Db
  /**
   * For reads that tolerate replication lag (statistics, the public Open311 list): a pool on
   * DATABASE_READ_URL, a streaming replica, when one is configured; otherwise `db` itself.
   */
  reads: Db
  backend: Backend
  /** Runs a multi-statement SQL text (migrations); PGlite's query() takes one statement only. */
  exec(text: string): Promise<void>
  /** Embedded only: a gzipped tarball of the data directory (test templates, backups). */
  dumpDataDir?(): Promise<Blob>
  close(): Promise<void>
}

// Both drivers must hand the same JS types to the code: int8 and numeric as numbers (ids and
// counts stay far below 2^53), date as 'YYYY-MM-DD' strings, timestamptz as Date.
const INT8 = 20
const NUMERIC = 1700
const DATE = 1082
const parsers: Record<number, (v: string) => unknown> = {
  [INT8]: (v) => Number(v),
  [NUMERIC]: (v) => Number(v),
  [DATE]: (v) => v,
}

export interface OpenOptions {
  databaseUrl?: string | undefined
  dataDir?: string | undefined
  /** Start the embedded database from a dumped data directory instead of an empty one. */
  loadDataDir?: Blob | undefined
  poolSize?: number
  /** PostgreSQL only: a read replica for `Database.reads`. */
  readUrl?: string | undefined
}

export async function openDatabase(opts: OpenOptions): Promise<Database> {
  if (opts.databaseUrl) return openPostgres(opts.databaseUrl, opts.poolSize ?? 10, opts.readUrl)
  if (opts.readUrl) throw new Error('DATABASE_READ_URL needs DATABASE_URL: the embedded database has no replicas')
  return openPglite(opts.dataDir, opts.loadDataDir)
}

async function openPglite(dataDir: string | undefined, loadDataDir: Blob | undefined): Promise<Database> {
  // Options only in the first argument: PGlite ignores the second when the first is not a string.
  const pglite = new PGlite({
    ...(dataDir ? { dataDir } : {}),
    extensions: { postgis, pg_trgm, btree_gist },
    parsers,
    ...(loadDataDir ? { loadDataDir } : {}),
  })
  await pglite.waitReady
  const db = new Kysely<DB>({ dialect: new PGliteDialect({ pglite }) })
  return {
    db,
    reads: db,
    backend: 'pglite',
    exec: async (text) => {
      try {
        await pglite.exec(text)
      } catch (err) {
        // A failed multi-statement text leaves its explicit transaction open on the only connection.
        await pglite.exec('ROLLBACK').catch(() => {})
        throw err
      }
    },
    dumpDataDir: () => pglite.dumpDataDir('gzip'),
    close: async () => {
      await db.destroy()
    },
  }
}

// Every parameterised statement is prepared under a name derived from its text, once per
// connection: PostgreSQL then parses and rewrites it (row-level-security policies included) once.
// Without it every statement was parsed and planned anew, policies and all, which was most of the
// database's work per request (a case intake is about twenty statements). The number of distinct
// texts is bounded by the code (plus IN lists of varying length); past a limit, statements run
// unnamed again rather than fill every connection's memory.
const MAX_PREPARED = 5000
const preparedNames = new Map<string, string>()

function statementName(text: string): string | null {
  const known = preparedNames.get(text)
  if (known) return known
  if (preparedNames.size >= MAX_PREPARED || text.length > 16_384) return null
  const name = `g${createHash('sha1').update(text).digest('hex').slice(0, 24)}`
  preparedNames.set(text, name)
  return name
}

function preparePerStatement(client: pg.PoolClient): void {
  const plain = client.query.bind(client) as (...args: unknown[]) => unknown
  client.query = ((text: unknown, values?: unknown, callback?: unknown) => {
    if (typeof text === 'string' && Array.isArray(values) && values.length > 0 && callback === undefined) {
      const name = statementName(text)
      if (name) return plain({ name, text, values })
    }
    return callback === undefined ? plain(text, values) : plain(text, values, callback)
  }) as typeof client.query
}

/** A pool with the platform's type parsers and per-connection prepared statements, and its Kysely. */
function postgresPool(url: string, max: number): { pool: pg.Pool; db: Db } {
  const pool = new pg.Pool({
    connectionString: url,
    max,
    // Prepared statements save parsing, and after five executions PostgreSQL reuses a generic plan
    // where it costs no more than the custom ones: planning (policies, PostGIS) was a third of the
    // database's time per intake. Measured in one run, quick profile: intake c=1 22 → 117/s, c=64
    // 38 → 255/s, list page 501 184 → 36 ms, ID search 10.5 → 7.9 ms. A statement whose best plan
    // depends on its values (a fuzzy name search: 209 → 687 ms generic) sets force_custom_plan in
    // its own transaction.
    options: '-c plan_cache_mode=auto',
    types: {
      getTypeParser: ((oid: number, format?: string) =>
        parsers[oid] ?? pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
    },
  })
  // A dropped idle connection must not crash the process; the pool replaces it.
  pool.on('error', () => {})
  // Nor may one dropped while checked out (the database shut down during a request): the pool
  // listens to idle clients only, and a client emits 'error' when its socket closes, even after
  // failing the query in flight; unheard, that event is thrown and kills the process. The
  // caller's query fails anyway (503), and the pool discards the unqueryable client on release.
  pool.on('connect', (client) => {
    client.on('error', () => {})
    preparePerStatement(client)
  })
  const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) })
  oneTripBegin.add(db)
  return { pool, db }
}

async function openPostgres(url: string, max: number, readUrl: string | undefined): Promise<Database> {
  const { pool, db } = postgresPool(url, max)
  await sql`select 1`.execute(db)
  const replica = readUrl ? postgresPool(readUrl, max) : null
  if (replica) await sql`select 1`.execute(replica.db)
  return {
    db,
    reads: replica?.db ?? db,
    backend: 'postgresql',
    exec: async (text) => {
      const client = await pool.connect()
      try {
        await client.query(text)
      } catch (err) {
        await client.query('ROLLBACK').catch(() => {})
        throw err
      } finally {
        client.release()
      }
    },
    close: async () => {
      await db.destroy()
      await replica?.db.destroy()
    },
  }
}

/** Databases whose driver takes several statements in one message (node-postgres, not PGlite). */
const oneTripBegin = new WeakSet<Db>()
export const beginsInOneTrip = (db: Db) => oneTripBegin.has(db)
