import { createReadStream } from 'node:fs'
import { chmod, open, rename, rm, stat, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { createGunzip } from 'node:zlib'
import { sql } from 'kysely'
import { linkAuditTrail } from '../audit/service.js'
import { AppError } from '../core/errors.js'
import type { Platform } from '../core/platform.js'
import { contentsSummary, describeContents, type ContentsSummary } from './catalog.js'
import { findPgTool, libpqTarget, runPgTool } from './pgtools.js'

// `grassroots backup FILE`. PostgreSQL: a pg_dump custom-format archive. Embedded: PGlite's own
// dump of its data directory, a gzipped tar, taken by the process that holds the database (the
// server, through the control channel, when one runs), so the copy is consistent. Either way the
// file is written as FILE.tmp and renamed, so FILE is never a half-written backup.

export type BackupFormat = 'pg_dump' | 'pglite'

export interface BackupResult {
  file: string
  bytes: number
  format: BackupFormat
  contents: ContentsSummary
}

export async function backup(p: Platform, args: { file?: unknown }): Promise<BackupResult> {
  const file = args.file
  if (typeof file !== 'string' || !path.isAbsolute(file))
    throw new AppError('VALIDATION_FAILED', 'the backup file must be given as an absolute path', 'file')
  const tmp = `${file}.tmp`
  // Linked first, so the head printed with the backup covers every entry written so far.
  await linkAuditTrail(p.database.db)
  const contents = await contentsSummary(p.database.db)
  const format: BackupFormat = p.database.backend === 'pglite' ? 'pglite' : 'pg_dump'
  try {
    await rm(tmp, { force: true })
    if (format === 'pglite') {
      // Not needed for consistency (the dump is taken in one synchronous pass and PostgreSQL
      // replays its WAL when it is loaded), but a checkpoint first makes loading it quick.
      await sql`checkpoint`.execute(p.database.db)
      const dump = await p.database.dumpDataDir!()
      await writeFile(tmp, Buffer.from(await dump.arrayBuffer()), { mode: 0o600 })
    } else {
      const { dbname, env } = libpqTarget(p.config.databaseUrl!)
      await runPgTool(findPgTool('pg_dump'), ['--format=custom', `--file=${tmp}`, `--dbname=${dbname}`], env)
      await chmod(tmp, 0o600)
    }
    await rename(tmp, file)
  } catch (err) {
    await rm(tmp, { force: true }).catch(() => {})
    const e = err as NodeJS.ErrnoException
    if (e.code && e.syscall)
      throw new AppError(
        'VALIDATION_FAILED',
        `cannot write the backup ${file}: ${e.code === 'ENOENT' ? 'no such directory' : e.message}`,
        'file',
      )
    throw err
  }
  return { file, bytes: (await stat(file)).size, format, contents }
}

export const formatBytes = (n: number) =>
  n < 1024
    ? `${n} B`
    : n < 1024 ** 2
      ? `${(n / 1024).toFixed(1)} KiB`
      : n < 1024 ** 3
        ? `${(n / 1024 ** 2).toFixed(1)} MiB`
        : `${(n / 1024 ** 3).toFixed(2)} GiB`

export function describeBackup(r: BackupResult): string {
  const kind =
    r.format === 'pglite'
      ? 'embedded database: PGlite data directory, gzipped tar'
      : 'PostgreSQL database: pg_dump custom-format archive'
  return `backup written: ${r.file} (${formatBytes(r.bytes)})\n${kind}\n${describeContents(r.contents)}`
}

// Recognising a backup file before anything is touched.

export type BackupKind = { kind: 'pg_dump'; archiveVersion: string } | { kind: 'pglite'; pgVersion: string }

const NOT_A_BACKUP =
  'expected a pg_dump custom-format archive (PostgreSQL) or a gzipped PGlite data directory (embedded)'

/** What kind of backup FILE is, from its first bytes; throws a message naming the problem. */
export async function identifyBackup(file: string): Promise<BackupKind> {
  let head: Buffer
  try {
    const fh = await open(file, 'r')
    try {
      const buf = Buffer.alloc(512)
      const { bytesRead } = await fh.read(buf, 0, 512, 0)
      head = buf.subarray(0, bytesRead)
    } finally {
      await fh.close()
    }
  } catch (err) {
    throw new Error(`cannot read ${file}: ${(err as Error).message}`)
  }
  // pg_dump -Fc: "PGDMP", then the archive format version (major, minor, revision).
  if (head.subarray(0, 5).toString('latin1') === 'PGDMP' && head.length >= 8) {
    return { kind: 'pg_dump', archiveVersion: `${head[5]}.${head[6]}.${head[7]}` }
  }
  if (head[0] === 0x1f && head[1] === 0x8b) {
    const pgVersion = await pgVersionInTarball(file)
    if (pgVersion) return { kind: 'pglite', pgVersion }
    throw new Error(`${file} is a gzip file but holds no PostgreSQL data directory (no PG_VERSION); ${NOT_A_BACKUP}`)
  }
  if (/^--\n-- PostgreSQL database (cluster )?dump/.test(head.toString('utf8'))) {
    throw new Error(`${file} is a plain-SQL pg_dump; ${NOT_A_BACKUP} (a plain dump is restored with psql)`)
  }
  if (head.length === 0) throw new Error(`${file} is empty; ${NOT_A_BACKUP}`)
  throw new Error(`${file} is not a Grassroots backup: ${NOT_A_BACKUP}`)
}

/** Scans the tar inside the gzip stream for PG_VERSION, without keeping the archive in memory. */
async function pgVersionInTarball(file: string): Promise<string | null> {
  const source = createReadStream(file)
  const stream = source.pipe(createGunzip())
  let buf: Buffer = Buffer.alloc(0)
  let skip = 0
  let capture = -1
  const cstr = (b: Buffer, at: number, len: number) => {
    const s = b.subarray(at, at + len)
    const end = s.indexOf(0)
    return s.subarray(0, end < 0 ? len : end).toString('utf8')
  }
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      buf = buf.length ? Buffer.concat([buf, chunk]) : chunk
      for (;;) {
        if (skip > 0) {
          const n = Math.min(skip, buf.length)
          buf = buf.subarray(n)
          skip -= n
          if (skip > 0) break
        }
        if (capture >= 0) {
          if (buf.length < capture) break
          return buf.subarray(0, capture).toString('utf8').trim()
        }
        if (buf.length < 512) break
        const header = buf.subarray(0, 512)
        if (header.every((b) => b === 0)) return null
        if (header.toString('latin1', 257, 262) !== 'ustar') return null
        const name = cstr(header, 0, 100)
        const prefix = cstr(header, 345, 155)
        const full = (prefix ? `${prefix}/${name}` : name).replace(/^\.?\/+/, '')
        const size = parseInt(cstr(header, 124, 12).trim() || '0', 8)
        buf = buf.subarray(512)
        if (full === 'PG_VERSION') capture = size
        else skip = Math.ceil(size / 512) * 512
      }
    }
    return null
  } catch {
    return null
  } finally {
    stream.destroy()
    source.destroy()
  }
}
