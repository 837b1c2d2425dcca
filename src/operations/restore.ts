import { mkdirSync, mkdtempSync, readdirSync, renameSync, rmdirSync, rmSync, writeFileSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import pg from 'pg'
import type { Config } from '../config.js'
import { openDatabase } from '../core/db.js'
import { acquireLock, lockHolder } from '../core/lock.js'
import { identifyBackup } from './backup.js'
import { checkDatabase, type DatabaseCheck } from './catalog.js'
import { findPgTool, libpqTarget, redactUrl, runPgTool } from './pgtools.js'

// `grassroots restore FILE`: the backup replaces the database in DATA_DIR or at DATABASE_URL,
// then the result is opened and checked (migrations known, audit chain intact).

export interface RestoreResult {
  target: string
  /** Embedded: where the data directory's previous contents were moved (null if it was empty). */
  previous: string | null
  check: DatabaseCheck
  warnings: string[]
}

export async function restore(config: Config, file: string): Promise<RestoreResult> {
  const kind = await identifyBackup(file)
  if (config.databaseUrl) {
    if (kind.kind !== 'pg_dump') {
      throw new Error(
        `${file} is a backup of the embedded database (a PGlite data directory) and DATABASE_URL is set. ` +
          'Restore it without DATABASE_URL into DATA_DIR; to move that data to PostgreSQL, then run `grassroots migrate-to-postgres URL`',
      )
    }
    return restorePostgres(config.databaseUrl, file)
  }
  if (kind.kind !== 'pglite') {
    throw new Error(
      `${file} is a pg_dump archive of a PostgreSQL database, and DATABASE_URL is not set: ` +
        'set DATABASE_URL to restore it into PostgreSQL (the embedded database restores only its own backups)',
    )
  }
  return restoreEmbedded(config.dataDir, file)
}

const stamp = () => new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+/, '')

/**
 * Embedded: loads the tarball into a new directory next to DATA_DIR and checks it there; only
 * then moves DATA_DIR's contents aside (to DATA_DIR.before-restore-<time>) and the restored ones
 * in. A backup that does not load or check leaves DATA_DIR untouched. The lock is held
 * throughout, so no server starts in between.
 */
async function restoreEmbedded(dataDir: string, file: string): Promise<RestoreResult> {
  const holder = lockHolder(dataDir)
  if (holder)
    throw new Error(
      `a server (process ${holder.pid}) holds the data directory ${dataDir}: stop it, then run restore again`,
    )
  const lock = acquireLock(dataDir)
  try {
    const at = stamp()
    const staging = `${dataDir}.restoring-${at}`
    mkdirSync(staging)
    let check: DatabaseCheck
    try {
      const tarball = new Blob([await readFile(file)], { type: 'application/x-gzip' })
      const loaded = await openDatabase({ dataDir: staging, loadDataDir: tarball })
      await loaded.close()
      // Opened again from the files alone: this is what the next server start will see.
      const reopened = await openDatabase({ dataDir: staging })
      try {
        check = await checkDatabase(reopened.db)
      } finally {
        await reopened.close()
      }
      if (check.unknown.length) {
        throw new Error(
          `the backup was made by a newer Grassroots (migrations ${check.unknown.join(', ')} are unknown to this version); upgrade first. ${dataDir} is unchanged`,
        )
      }
    } catch (err) {
      rmSync(staging, { recursive: true, force: true })
      throw err
    }
    const current = readdirSync(dataDir).filter((n) => n !== 'grassroots.lock')
    const previous = current.length ? `${dataDir}.before-restore-${at}` : null
    if (previous) {
      mkdirSync(previous)
      for (const n of current) renameSync(path.join(dataDir, n), path.join(previous, n))
    }
    for (const n of readdirSync(staging)) renameSync(path.join(staging, n), path.join(dataDir, n))
    rmdirSync(staging)
    return { target: dataDir, previous, check, warnings: [] }
  } finally {
    lock.release()
  }
}

interface TocEntry {
  line: string
  desc: string
  schema: string
  name: string
}

/** `pg_restore --list` lines: `<id>; <catalog oid> <oid> <TYPE...> <schema> <name> <owner>`. */
function parseToc(list: string): TocEntry[] {
  const types = ['TABLE DATA', 'COMMENT', 'EXTENSION', 'TABLE', 'SCHEMA']
  const entries: TocEntry[] = []
  for (const line of list.split('\n')) {
    const m = /^\d+; \d+ \d+ (.*)$/.exec(line)
    if (!m) continue
    const desc = types.find((t) => m[1]!.startsWith(`${t} `))
    if (!desc) {
      entries.push({ line, desc: '', schema: '', name: '' })
      continue
    }
    const [schema = '', name = ''] = m[1]!.slice(desc.length + 1).split(' ')
    entries.push({ line, desc, schema, name: desc === 'COMMENT' ? m[1]!.slice('COMMENT '.length) : name })
  }
  return entries
}

/**
 * PostgreSQL: `pg_restore --clean --if-exists --no-owner --single-transaction` into DATABASE_URL,
 * which may be the database the backup came from or a new, empty one. One transaction: a failure
 * leaves the database as it was. Extensions already installed (PostGIS) are left alone, so the
 * owner need not be a superuser; a database holding tables the backup lacks is refused.
 */
async function restorePostgres(databaseUrl: string, file: string): Promise<RestoreResult> {
  const pgRestore = findPgTool('pg_restore')
  const toc = parseToc(await runPgTool(pgRestore, ['--list', file]))
  const dumpTables = new Set(toc.filter((e) => e.desc === 'TABLE' && e.schema === 'public').map((e) => e.name))
  const warnings: string[] = []
  const client = new pg.Client({ connectionString: databaseUrl })
  await client.connect()
  let installed: string[]
  let extensionTables: string[]
  try {
    installed = (await client.query<{ extname: string }>('select extname from pg_extension')).rows.map((r) => r.extname)
    // Their configuration tables (PostGIS's spatial_ref_sys) belong to the installed extension too.
    extensionTables = (
      await client.query<{ name: string }>(`
      select n.nspname || '.' || c.relname as name from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where exists (select 1 from pg_depend d where d.classid = 'pg_class'::regclass and d.objid = c.oid and d.deptype = 'e')`)
    ).rows.map((r) => r.name)
    const tables = (
      await client.query<{ name: string }>(`
      select c.relname as name from pg_class c
      where c.relnamespace = 'public'::regnamespace and c.relkind in ('r', 'p')
        and not exists (select 1 from pg_depend d where d.classid = 'pg_class'::regclass and d.objid = c.oid and d.deptype = 'e')`)
    ).rows.map((r) => r.name)
    const extra = tables.filter((t) => !dumpTables.has(t))
    if (extra.length) {
      throw new Error(
        `the database ${redactUrl(databaseUrl)} has tables the backup does not (${extra.sort().join(', ')}): ` +
          'it was migrated past the backup. Restore into a new, empty database instead and point DATABASE_URL at it',
      )
    }
    const role = await client.query(`select 1 from pg_roles where rolname = 'grassroots_app'`)
    if (!role.rowCount) {
      throw new Error(
        'the role grassroots_app does not exist in this PostgreSQL cluster; the backup grants it rights. ' +
          'Create it first (CREATE ROLE grassroots_app NOLOGIN; GRANT grassroots_app TO <owner>), see docs/operations.md',
      )
    }
    const member = await client.query<{ ok: boolean }>(
      `select pg_has_role(current_user, 'grassroots_app', 'MEMBER') as ok`,
    )
    if (!member.rows[0]!.ok)
      warnings.push(
        'the owner role is not a member of grassroots_app, so the server cannot switch to it: GRANT grassroots_app TO <owner> (as a superuser or a role with CREATEROLE)',
      )
    const others = await client.query<{ n: number }>(
      'select count(*)::int as n from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()',
    )
    if (others.rows[0]!.n > 0)
      warnings.push(
        `${others.rows[0]!.n} other session(s) are connected to this database; stop the Grassroots servers while restoring`,
      )
  } finally {
    await client.end()
  }
  const skip = new Set(installed)
  const list = toc
    .filter(
      (e) =>
        !(e.desc === 'EXTENSION' && skip.has(e.name)) &&
        !(e.desc === 'COMMENT' && [...skip].some((x) => e.name.startsWith(`- EXTENSION ${x}`))) &&
        !(e.desc === 'TABLE DATA' && extensionTables.includes(`${e.schema}.${e.name}`)),
    )
    .map((e) => e.line)
  const dir = mkdtempSync(path.join(os.tmpdir(), 'grassroots-restore-'))
  try {
    const listFile = path.join(dir, 'toc.list')
    writeFileSync(listFile, `${list.join('\n')}\n`)
    const { dbname, env } = libpqTarget(databaseUrl)
    await runPgTool(
      pgRestore,
      [
        '--clean',
        '--if-exists',
        '--no-owner',
        '--single-transaction',
        '--exit-on-error',
        `--use-list=${listFile}`,
        `--dbname=${dbname}`,
        file,
      ],
      env,
    )
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
  const database = await openDatabase({ databaseUrl, poolSize: 1 })
  try {
    return { target: redactUrl(databaseUrl), previous: null, check: await checkDatabase(database.db), warnings }
  } finally {
    await database.close()
  }
}
