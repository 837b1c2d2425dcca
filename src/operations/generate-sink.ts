import type { Writable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { sql } from 'kysely'
import pg from 'pg'
import { from as copyFrom } from 'pg-copy-streams'
import type { Database } from '../core/db.js'

/**
 * Where the generator's rows go. PostgreSQL: COPY … FROM STDIN (text format) on a connection of
 * its own. PGlite (one connection, no COPY from a client stream): multi-row INSERTs, one statement
 * per batch, the columns passed as text arrays and unnested, so a batch of thousands of rows is a
 * single statement with one parameter per column.
 *
 * A value is a string, number, boolean, Date, null, or an array of numbers (int arrays); geometry
 * columns take EWKT text ('SRID=4326;POINT(lng lat)'), jsonb columns JSON text.
 */
export type Value = string | number | boolean | Date | null | number[]
export type RowValues = Value[]

export interface RowSink {
  readonly backend: Database['backend']
  /** Appends rows to a table; resolves when they are written (COPY: flushed to the server). */
  write(table: string, columns: string[], rows: RowValues[]): Promise<void>
  /** Runs a statement as the owner on the sink's connection. */
  exec(text: string): Promise<void>
  close(): Promise<void>
}

const text = (v: Value): string | null => {
  if (v === null) return null
  if (v instanceof Date) return v.toISOString()
  if (Array.isArray(v)) return `{${v.join(',')}}`
  return String(v)
}

function copyField(v: Value): string {
  const t = text(v)
  if (t === null) return '\\N'
  return t.replace(/[\\\t\n\r]/g, (c) => (c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r'))
}

/** COPY sink on a dedicated pg client; one COPY per write call. */
export async function postgresSink(databaseUrl: string): Promise<RowSink> {
  const client = new pg.Client({ connectionString: databaseUrl })
  await client.connect()
  client.on('error', () => {})
  // The rows are consistent by construction (cases are written before the events and timers that
  // refer to them): a superuser skips the per-row foreign-key triggers; anyone else keeps them.
  await client.query('SET session_replication_role = replica').catch(() => {})
  return {
    backend: 'postgresql',
    async write(table, columns, rows) {
      if (rows.length === 0) return
      const stream = client.query(copyFrom(`COPY ${table} (${columns.join(', ')}) FROM STDIN`))
      const lines = `${rows.map((r) => r.map(copyField).join('\t')).join('\n')}\n`
      await pipeline(
        (async function* () {
          yield Buffer.from(lines)
        })(),
        stream as unknown as Writable,
      )
    },
    async exec(t) {
      await client.query(t)
    },
    close: () => client.end(),
  }
}

/** Multi-row INSERT sink for the embedded database (or any Kysely database). */
export async function insertSink(database: Database): Promise<RowSink> {
  const types = new Map<string, string>()
  const typeOf = async (table: string, column: string) => {
    const key = `${table}.${column}`
    if (!types.has(key)) {
      const { rows } = await sql<{ column_name: string; t: string }>`
        select a.attname as column_name, format_type(a.atttypid, a.atttypmod) as t
        from pg_attribute a where a.attrelid = ${table}::regclass and a.attnum > 0 and not a.attisdropped`.execute(
        database.db,
      )
      for (const r of rows) types.set(`${table}.${r.column_name}`, r.t.startsWith('geometry') ? 'geometry' : r.t)
    }
    const t = types.get(key)
    if (!t) throw new Error(`no column ${key}`)
    return t
  }
  return {
    backend: database.backend,
    async write(table, columns, rows) {
      if (rows.length === 0) return
      const casts = await Promise.all(columns.map((c) => typeOf(table, c)))
      const arrays = columns.map((_, i) => rows.map((r) => text(r[i]!)))
      const names = columns.map((_, i) => `u${i}`)
      const select = sql.join(
        casts.map((t, i) => sql.raw(`u.${names[i]}::${t}`)),
        sql`, `,
      )
      const params = sql.join(
        arrays.map((a) => sql`${a}::text[]`),
        sql`, `,
      )
      await sql`insert into ${sql.table(table)} (${sql.join(columns.map((c) => sql.ref(c)))})
        select ${select} from unnest(${params}) as u(${sql.raw(names.join(', '))})`.execute(database.db)
    },
    async exec(t) {
      await database.exec(t)
    },
    close: async () => {},
  }
}
