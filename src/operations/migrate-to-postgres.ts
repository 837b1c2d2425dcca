import { sql } from 'kysely'
import pg from 'pg'
import type { Config } from '../config.js'
import { openDatabase, type Database, type Db } from '../core/db.js'
import { acquireLock, lockHolder } from '../core/lock.js'
import { migrate } from '../core/migrate.js'
import { verifyAuditChain, type ChainReport } from '../audit/service.js'
import { quoteIdent, userTables } from './catalog.js'
import { redactUrl } from './pgtools.js'

// `grassroots migrate-to-postgres URL`: copies the embedded database into an empty PostgreSQL
// database. The server must be stopped: the copy reads everything in one transaction, which on
// the single-connection embedded database would stall every request, and anything written after
// it would be left behind at the switch. Steps:
//   1. the target must be empty (no tables, or only the migrated schema with no rows);
//   2. both databases are migrated to this version, and their tables must match column for column;
//   3. every table is copied in foreign-key order inside ONE target transaction, with the tables'
//      own triggers disabled (the audit stamp trigger would unlink every entry, the area trigger
//      re-derive paths, the webhook trigger queue deliveries), streamed from a cursor in batches.
//      Rows travel as their text form (`t::text`) and are read back as the table's row type, so
//      every type survives exactly: geometry as hex EWKB, bytea, jsonb, arrays, timestamps;
//   4. identity sequences are set from the source (at least max(id));
//   5. row counts and a checksum of every table are compared, and the audit chain is verified on
//      the target (its head must equal the source's).

// The same text form on both sides, so rows compare equal and round-trip exactly.
const SESSION = [
  `set_config('timezone', 'UTC', true)`,
  `set_config('datestyle', 'ISO, YMD', true)`,
  `set_config('intervalstyle', 'postgres', true)`,
  `set_config('extra_float_digits', '3', true)`,
  `set_config('bytea_output', 'hex', true)`,
]
const SESSION_SQL = `select ${SESSION.join(', ')}`

/** Row text below this many characters per batch; a batch holds at least one row. */
const BATCH_CHARS = 16 * 1024 * 1024
const MAX_BATCH_ROWS = 2000

export interface TableReport {
  table: string
  rows: number
  checksum: string
}

export interface MigrationReport {
  target: string
  tables: TableReport[]
  rows: number
  audit: ChainReport | null
  seconds: number
}

interface TableInfo {
  name: string
  columns: string[]
  identity: boolean
  hasBytea: boolean
  pk: string[]
  /** A single-column foreign key to the table itself, with the single-column key it references. */
  selfRef: { column: string; references: string } | null
}

async function tableInfo(db: Db, names: string[]): Promise<Map<string, TableInfo>> {
  const cols = await sql<{ table: string; column: string; type: string; identity: string; bytea: boolean }>`
    select c.relname as table, a.attname as column, format_type(a.atttypid, a.atttypmod) as type,
           a.attidentity as identity, a.atttypid = 'bytea'::regtype as bytea
    from pg_attribute a join pg_class c on c.oid = a.attrelid
    where c.relnamespace = 'public'::regnamespace and a.attnum > 0 and not a.attisdropped
    order by c.relname, a.attnum`.execute(db)
  const keys = await sql<{
    table: string
    type: string
    columns: string[]
    ref_table: string | null
    ref_columns: string[] | null
  }>`
    select c.relname as table, k.contype as type,
           (select array_agg(a.attname order by x.n) from unnest(k.conkey) with ordinality x(attnum, n)
              join pg_attribute a on a.attrelid = k.conrelid and a.attnum = x.attnum) as columns,
           r.relname as ref_table,
           (select array_agg(a.attname order by x.n) from unnest(k.confkey) with ordinality x(attnum, n)
              join pg_attribute a on a.attrelid = k.confrelid and a.attnum = x.attnum) as ref_columns
    from pg_constraint k join pg_class c on c.oid = k.conrelid left join pg_class r on r.oid = k.confrelid
    where c.relnamespace = 'public'::regnamespace and k.contype in ('p', 'f')`.execute(db)
  const map = new Map<string, TableInfo>()
  for (const name of names) {
    const mine = cols.rows.filter((r) => r.table === name)
    const pk = keys.rows.find((k) => k.table === name && k.type === 'p')?.columns ?? []
    const selfRefs = keys.rows.filter((k) => k.table === name && k.type === 'f' && k.ref_table === name)
    const self = selfRefs.length === 1 && selfRefs[0]!.columns.length === 1 ? selfRefs[0]! : null
    map.set(name, {
      name,
      columns: mine.map((r) => `${r.column} ${r.type}`),
      identity: mine.some((r) => r.identity !== ''),
      hasBytea: mine.some((r) => r.bytea),
      pk,
      selfRef: self ? { column: self.columns[0]!, references: self.ref_columns![0]! } : null,
    })
  }
  return map
}

/** Tables ordered so that every table comes after the tables its foreign keys reference. */
async function dependencyOrder(db: Db, names: string[]): Promise<string[]> {
  const { rows } = await sql<{ child: string; parent: string }>`
    select c.relname as child, r.relname as parent
    from pg_constraint k join pg_class c on c.oid = k.conrelid join pg_class r on r.oid = k.confrelid
    where k.contype = 'f' and c.relnamespace = 'public'::regnamespace and c.oid <> r.oid`.execute(db)
  const ordered: string[] = []
  const done = new Set<string>()
  const remaining = new Set(names)
  while (remaining.size) {
    const ready = [...remaining].filter((t) =>
      rows.every((e) => e.child !== t || done.has(e.parent) || !remaining.has(e.parent)),
    )
    if (!ready.length)
      throw new Error(`foreign keys form a cycle between tables ${[...remaining].join(', ')}; cannot order the copy`)
    for (const t of ready.sort()) {
      ordered.push(t)
      done.add(t)
      remaining.delete(t)
    }
  }
  return ordered
}

/** Rows of a self-referencing table parents first: by depth in its tree, then by key. */
function selectOrdered(t: TableInfo): string {
  const q = quoteIdent(t.name)
  const pkOrder = t.pk.map((c) => `x.${quoteIdent(c)}`).join(', ')
  if (!t.selfRef) return `select x::text as r from ${q} x${pkOrder ? ` order by ${pkOrder}` : ''}`
  const fk = quoteIdent(t.selfRef.column)
  const ref = quoteIdent(t.selfRef.references)
  return `with recursive d(k, depth) as (
      select ${ref}, 0 from ${q} where ${fk} is null
      union all
      select c.${ref}, d.depth + 1 from ${q} c join d on c.${fk} = d.k where c.${fk} is distinct from c.${ref}
    )
    select x::text as r from ${q} x left join (select k, max(depth) as depth from d group by k) o on o.k = x.${ref}
    order by o.depth nulls last${pkOrder ? `, ${pkOrder}` : ''}`
}

/** Per table: row count and an order-independent checksum of the rows' text form. */
export async function tableChecksums(db: Db, tables: string[]): Promise<TableReport[]> {
  return db.transaction().execute(async (tx) => {
    await sql.raw(SESSION_SQL).execute(tx)
    const out: TableReport[] = []
    for (const table of tables) {
      const { rows } = await sql<{ n: number; h: string }>`
        select count(*)::int as n, md5(coalesce(string_agg(md5(x::text), '' order by md5(x::text)), '')) as h
        from ${sql.table(table)} x`.execute(tx)
      out.push({ table, rows: rows[0]!.n, checksum: rows[0]!.h })
    }
    return out
  })
}

async function assertEmptyTarget(client: pg.Client, url: string): Promise<void> {
  const { rows } = await client.query<{ name: string }>(`
    select c.relname as name from pg_class c
    where c.relnamespace = 'public'::regnamespace and c.relkind in ('r', 'p')
      and not exists (select 1 from pg_depend d where d.classid = 'pg_class'::regclass and d.objid = c.oid and d.deptype = 'e')`)
  for (const { name } of rows) {
    if (name === 'schema_migration') continue
    const r = await client.query(`select 1 from ${quoteIdent(name)} limit 1`)
    if (r.rowCount) {
      throw new Error(
        `the target database ${redactUrl(url)} is not empty (table ${name} has rows): migrate-to-postgres copies into an empty database only; create a new one`,
      )
    }
  }
}

export async function migrateToPostgres(
  config: Config,
  targetUrl: string,
  log: (line: string) => void = () => {},
): Promise<MigrationReport> {
  const started = Date.now()
  if (config.databaseUrl)
    throw new Error(
      'DATABASE_URL is set: migrate-to-postgres copies the embedded database in DATA_DIR; unset DATABASE_URL and give the target URL as the argument',
    )
  if (!/^postgres(ql)?:\/\//.test(targetUrl)) throw new Error('the target must be a postgres:// or postgresql:// URL')
  const holder = lockHolder(config.dataDir)
  if (holder)
    throw new Error(
      `a server (process ${holder.pid}) holds the data directory ${config.dataDir}: stop it first (the copy needs the database to itself, and writes made after it would be lost)`,
    )

  const probe = new pg.Client({ connectionString: targetUrl })
  await probe.connect()
  try {
    await assertEmptyTarget(probe, targetUrl)
  } finally {
    await probe.end()
  }

  const lock = acquireLock(config.dataDir)
  let source: Database | null = null
  let target: Database | null = null
  try {
    source = await openDatabase({ dataDir: config.dataDir })
    const appliedSource = await migrate(source)
    if (appliedSource.length) log(`embedded database migrated first: ${appliedSource.join(', ')}`)
    target = await openDatabase({ databaseUrl: targetUrl, poolSize: 1 })
    await migrate(target)
    log(`target ${redactUrl(targetUrl)}: schema created`)

    const tables = await userTables(source.db)
    const targetTables = await userTables(target.db)
    const missing = tables.filter((t) => !targetTables.includes(t))
    const extra = targetTables.filter((t) => !tables.includes(t))
    if (missing.length || extra.length)
      throw new Error(
        `the schemas differ: only in the embedded database: ${missing.join(', ') || '-'}; only in the target: ${extra.join(', ') || '-'}`,
      )
    const info = await tableInfo(source.db, tables)
    const targetInfo = await tableInfo(target.db, tables)
    for (const t of tables) {
      const a = info.get(t)!.columns.join(', ')
      const b = targetInfo.get(t)!.columns.join(', ')
      if (a !== b) throw new Error(`table ${t} differs: embedded (${a}) vs target (${b})`)
    }
    const order = await dependencyOrder(source.db, tables)

    const client = new pg.Client({ connectionString: targetUrl })
    await client.connect()
    try {
      await client.query('begin')
      await client.query(SESSION_SQL)
      // Only user triggers: the foreign-key checks stay on, hence the order.
      for (const t of order) await client.query(`alter table ${quoteIdent(t)} disable trigger user`)
      // Rows the migrations themselves wrote (the list of applied migrations, default settings such
      // as the care-visit intervals) are replaced by the source's: the target was empty before.
      for (const t of [...order].reverse()) await client.query(`delete from ${quoteIdent(t)}`)
      await source.db.transaction().execute(async (tx) => {
        await sql.raw(SESSION_SQL).execute(tx)
        for (const t of order) {
          const ti = info.get(t)!
          const insert = `insert into ${quoteIdent(t)} ${ti.identity ? 'overriding system value ' : ''}select * from unnest($1::${quoteIdent(t)}[])`
          await sql.raw(`declare copy_cursor no scroll cursor for ${selectOrdered(ti)}`).execute(tx)
          let batch = ti.hasBytea ? 4 : 500
          let copied = 0
          for (;;) {
            const { rows } = await sql.raw<{ r: string }>(`fetch forward ${batch} from copy_cursor`).execute(tx)
            if (!rows.length) break
            const values = rows.map((x) => x.r)
            await client.query(insert, [values])
            copied += values.length
            const chars = values.reduce((n, v) => n + v.length, 0)
            batch = Math.max(1, Math.min(MAX_BATCH_ROWS, Math.floor((batch * BATCH_CHARS) / Math.max(chars, 1))))
          }
          await sql`close copy_cursor`.execute(tx)
          log(`copied ${t}: ${copied} rows`)
        }
      })
      for (const t of order) await client.query(`alter table ${quoteIdent(t)} enable trigger user`)

      // Sequences: the source's position, or further when rows carry larger ids.
      const seqs = await sql<{ table: string; column: string; seq: string }>`
        select c.relname as table, a.attname as column, pg_get_serial_sequence(quote_ident(c.relname), a.attname) as seq
        from pg_attribute a join pg_class c on c.oid = a.attrelid
        where c.relnamespace = 'public'::regnamespace and c.relkind = 'r' and a.attnum > 0 and not a.attisdropped
          and pg_get_serial_sequence(quote_ident(c.relname), a.attname) is not null`.execute(source.db)
      for (const s of seqs.rows) {
        const src = await sql
          .raw<{ last_value: number; is_called: boolean }>(`select last_value, is_called from ${s.seq}`)
          .execute(source.db)
        const { last_value: last, is_called: called } = src.rows[0]!
        const max = (
          await client.query<{ m: string | null }>(
            `select max(${quoteIdent(s.column)})::text as m from ${quoteIdent(s.table)}`,
          )
        ).rows[0]!.m
        const targetSeq = (
          await client.query<{ s: string }>('select pg_get_serial_sequence($1, $2) as s', [
            quoteIdent(s.table),
            s.column,
          ])
        ).rows[0]!.s
        if (max !== null && (Number(max) > Number(last) || (Number(max) === Number(last) && !called))) {
          await client.query('select setval($1, $2::bigint, true)', [targetSeq, max])
        } else {
          await client.query('select setval($1, $2::bigint, $3)', [targetSeq, String(last), called])
        }
      }
      await client.query('commit')
    } catch (err) {
      await client.query('rollback').catch(() => {})
      throw err
    } finally {
      await client.end()
    }
    await sql`analyze`.execute(target.db)

    // Verification: the same rows on both sides, and an intact audit chain ending where the source's does.
    const before = await tableChecksums(source.db, tables)
    const after = await tableChecksums(target.db, tables)
    const diff = before.filter((b, i) => b.rows !== after[i]!.rows || b.checksum !== after[i]!.checksum)
    if (diff.length) {
      throw new Error(
        `verification failed: ${diff.map((d) => `${d.table} (${d.rows} rows in the embedded database, ${after.find((a) => a.table === d.table)!.rows} in the target, checksums ${d.checksum === after.find((a) => a.table === d.table)!.checksum ? 'equal' : 'differ'})`).join('; ')}`,
      )
    }
    let audit: ChainReport | null = null
    if (tables.includes('audit_log')) {
      audit = await verifyAuditChain(target.db)
      const sourceAudit = await verifyAuditChain(source.db)
      if (!audit.ok && sourceAudit.ok)
        throw new Error(`verification failed: the audit chain of the target breaks at entry ${audit.firstBroken!.seq}`)
      if (audit.head?.seq !== sourceAudit.head?.seq || audit.head?.hash !== sourceAudit.head?.hash)
        throw new Error('verification failed: the audit heads differ')
    }
    return {
      target: redactUrl(targetUrl),
      tables: after,
      rows: after.reduce((n, t) => n + t.rows, 0),
      audit,
      seconds: (Date.now() - started) / 1000,
    }
  } finally {
    await target?.close()
    await source?.close()
    lock.release()
  }
}
