import { sql } from 'kysely'
import type { Db } from '../core/db.js'
import { listMigrations } from '../core/migrate.js'
import { verifyAuditChain, type ChainReport } from '../audit/service.js'

// What the operations commands tell about a database: its tables, a short summary of its
// contents, and the checks run after a restore or a migration.

export const quoteIdent = (name: string) => `"${name.replace(/"/g, '""')}"`

/** Ordinary tables in schema public, without those of extensions (PostGIS's spatial_ref_sys). */
export async function userTables(db: Db): Promise<string[]> {
  const { rows } = await sql<{ name: string }>`
    select c.relname as name
    from pg_class c
    where c.relnamespace = 'public'::regnamespace and c.relkind in ('r', 'p')
      and not exists (select 1 from pg_depend d
                      where d.classid = 'pg_class'::regclass and d.objid = c.oid and d.deptype = 'e')
    order by c.relname`.execute(db)
  return rows.map((r) => r.name)
}

export interface ContentsSummary {
  server: string
  tables: number
  /** The last applied migration, null when none is. */
  schema: string | null
  rows: Record<string, number>
  audit: { entries: number; head: { seq: number; hash: string } | null } | null
}

/** Counted tables of the summary: what an operator recognises. */
const COUNTED = { area: 'areas', app_user: 'users', cases: 'cases', case_photo: 'photos' } as const

export async function contentsSummary(db: Db): Promise<ContentsSummary> {
  const tables = await userTables(db)
  const server = (await sql<{ v: string }>`select current_setting('server_version') as v`.execute(db)).rows[0]!.v
  const rows: Record<string, number> = {}
  for (const [table, label] of Object.entries(COUNTED)) {
    if (!tables.includes(table)) continue
    const r = await sql<{ n: number }>`select count(*)::int as n from ${sql.table(table)}`.execute(db)
    rows[label] = r.rows[0]!.n
  }
  let schema: string | null = null
  if (tables.includes('schema_migration')) {
    const r = await sql<{ name: string | null }>`select max(name) as name from schema_migration`.execute(db)
    schema = r.rows[0]?.name ?? null
  }
  let audit: ContentsSummary['audit'] = null
  if (tables.includes('audit_log')) {
    const r = await sql<{ n: number; seq: number | null; hash: string | null }>`
      select (select count(*)::int from audit_log) as n, h.seq, h.hash
      from (select 1) one left join (select seq, hash from audit_log where seq is not null order by seq desc limit 1) h on true`.execute(
      db,
    )
    const row = r.rows[0]!
    audit = { entries: row.n, head: row.seq === null ? null : { seq: Number(row.seq), hash: row.hash! } }
  }
  return { server, tables: tables.length, schema, rows, audit }
}

export function describeContents(s: ContentsSummary): string {
  const counts = Object.entries(s.rows).map(([k, v]) => `${v} ${k}`)
  const audit = s.audit
    ? `audit trail ${s.audit.entries} entries${s.audit.head ? `, head ${s.audit.head.seq} ${s.audit.head.hash}` : ''}`
    : 'no audit trail'
  return [
    `PostgreSQL ${s.server}, ${s.tables} tables, schema at ${s.schema ?? '(no migrations)'}`,
    `${counts.length ? `${counts.join(', ')}; ` : ''}${audit}`,
  ].join('\n')
}

export interface DatabaseCheck {
  contents: ContentsSummary
  /** Migrations this version has that the database lacks: applied at the next start or `migrate`. */
  pending: string[]
  /** Migrations recorded in the database that this version does not know: a newer version made it. */
  unknown: string[]
  audit: ChainReport | null
}

/** The checks after a restore or a migration: migrations known and applied, audit chain intact. */
export async function checkDatabase(db: Db): Promise<DatabaseCheck> {
  const tables = await userTables(db)
  const known = (await listMigrations()).map((m) => m.name)
  const recorded = tables.includes('schema_migration')
    ? (await sql<{ name: string }>`select name from schema_migration`.execute(db)).rows.map((r) => r.name)
    : []
  return {
    contents: await contentsSummary(db),
    pending: known.filter((n) => !recorded.includes(n)),
    unknown: recorded.filter((n) => !known.includes(n)),
    audit: tables.includes('audit_log') ? await verifyAuditChain(db) : null,
  }
}

export function describeCheck(c: DatabaseCheck): string[] {
  const lines: string[] = []
  if (c.unknown.length)
    lines.push(`migrations unknown to this version: ${c.unknown.join(', ')} (the backup comes from a newer Grassroots)`)
  lines.push(
    c.pending.length
      ? `migrations pending: ${c.pending.join(', ')} (applied at the next start, or run \`grassroots migrate\`)`
      : 'migrations: up to date',
  )
  if (!c.audit) lines.push('audit trail: none (no audit_log table)')
  else if (c.audit.ok)
    lines.push(
      `audit trail intact: ${c.audit.entries} entries verified${c.audit.head ? `, head ${c.audit.head.seq} ${c.audit.head.hash}` : ''}`,
    )
  else
    lines.push(
      `audit trail BROKEN at entry ${c.audit.firstBroken!.seq} (${c.audit.firstBroken!.reason.replace('_', ' ')}); ${c.audit.entries} entries`,
    )
  return lines
}
