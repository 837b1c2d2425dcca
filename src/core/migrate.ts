import { readdir, readFile } from 'node:fs/promises'
import path from 'node:path'
import { sql } from 'kysely'
import { packageRoot } from '../config.js'
import type { Database } from './db.js'

export interface Migration {
  name: string
  file: string
}

/**
 * Every domain keeps its SQL in src/<domain>/migrations/NNNN_name.sql; the number orders them
 * across domains, so one list is applied the same way on PGlite and PostgreSQL.
 */
export async function listMigrations(srcDir = path.join(packageRoot, 'src')): Promise<Migration[]> {
  const found: Migration[] = []
  for (const entry of await readdir(srcDir, { withFileTypes: true })) {
    if (!entry.isDirectory()) continue
    const dir = path.join(srcDir, entry.name, 'migrations')
    const files = await readdir(dir).catch(() => [] as string[])
    for (const f of files)
      if (/^\d{4}_[a-z0-9_]+\.sql$/.test(f)) found.push({ name: f.replace(/\.sql$/, ''), file: path.join(dir, f) })
  }
  found.sort((a, b) => a.name.localeCompare(b.name))
  for (let i = 1; i < found.length; i++) {
    if (found[i]!.name.slice(0, 4) === found[i - 1]!.name.slice(0, 4)) {
      throw new Error(
        `two migrations share number ${found[i]!.name.slice(0, 4)}: ${found[i - 1]!.name}, ${found[i]!.name}`,
      )
    }
  }
  return found
}

async function appliedNames(database: Database): Promise<Set<string>> {
  const rows = await database.db.selectFrom('schema_migration').select('name').execute()
  return new Set(rows.map((r) => r.name))
}

/**
 * Applies pending migrations, each in its own transaction; returns the names applied. `before`
 * stops ahead of the first migration named so or later (tests of upgrades from an older schema).
 */
export async function migrate(
  database: Database,
  log: (msg: string) => void = () => {},
  opts: { before?: string } = {},
): Promise<string[]> {
  await database.exec(
    'CREATE TABLE IF NOT EXISTS schema_migration (name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())',
  )
  const applied: string[] = []
  for (const m of await listMigrations()) {
    if (opts.before !== undefined && m.name >= opts.before) break
    if ((await appliedNames(database)).has(m.name)) continue
    const body = await readFile(m.file, 'utf8')
    const quoted = m.name.replace(/'/g, "''")
    try {
      // The exclusive lock makes a second server process starting at the same time wait here;
      // it then finds the migration recorded and skips it.
      await database.exec(`BEGIN;
LOCK TABLE schema_migration IN EXCLUSIVE MODE;
${body}
;
INSERT INTO schema_migration (name) VALUES ('${quoted}');
COMMIT;`)
      applied.push(m.name)
      log(`applied migration ${m.name}`)
    } catch (err) {
      if ((await appliedNames(database)).has(m.name)) continue
      throw new Error(`migration ${m.name} failed: ${(err as Error).message}`, { cause: err })
    }
  }
  return applied
}

export async function pendingMigrations(database: Database): Promise<string[]> {
  const exists = await sql<{ t: string | null }>`select to_regclass('schema_migration')::text as t`.execute(database.db)
  const all = await listMigrations()
  if (!exists.rows[0]?.t) return all.map((m) => m.name)
  const done = await appliedNames(database)
  return all.filter((m) => !done.has(m.name)).map((m) => m.name)
}
