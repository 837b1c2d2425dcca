import { execFile, execFileSync } from 'node:child_process'
import { chownSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'

/** A free TCP port on loopback. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer()
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port
      s.close(() => resolve(port))
    })
    s.on('error', reject)
  })
}

export function findPgBin(): string | null {
  const candidates = [
    ...(process.env.PG_BIN ? [process.env.PG_BIN] : []),
    ...['18', '17', '16', '15'].map((v) => `/usr/lib/postgresql/${v}/bin`),
  ]
  return candidates.find((d) => existsSync(path.join(d, 'initdb')) && existsSync(path.join(d, 'pg_ctl'))) ?? null
}

// initdb and postgres refuse to run as root; the Debian packages provide the postgres user for
// that case, so as root the programs run as it, in directories it owns.
const asRoot = process.getuid?.() === 0
const execFileAsync = promisify(execFile)

/** Runs a PostgreSQL program, as the postgres user when this process is root. */
export function runAsPostgres(cmd: string, args: string[]): Promise<{ stdout: string; stderr: string }> {
  return asRoot ? execFileAsync('runuser', ['-u', 'postgres', '--', cmd, ...args]) : execFileAsync(cmd, args)
}

/** The same, synchronously. */
function runAsPostgresSync(cmd: string, args: string[]): Buffer {
  return asRoot
    ? execFileSync('runuser', ['-u', 'postgres', '--', cmd, ...args], { stdio: 'pipe' })
    : execFileSync(cmd, args, { stdio: 'pipe' })
}

/** Hands `dir` to the postgres user when this process is root, so a cluster can live in it. */
export function ownedByPostgres(dir: string): string {
  if (asRoot) {
    const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres']).toString().trim())
    chownSync(dir, id('-u'), id('-g'))
  }
  return dir
}

/** A new temporary directory the PostgreSQL programs may write to. */
export const postgresTempDir = (prefix: string) => ownedByPostgres(mkdtempSync(path.join(os.tmpdir(), prefix)))

export interface Cluster {
  url: string
  dir: string
  bin: string
  stop(): void
}

/**
 * A throwaway PostgreSQL cluster for the bench (like test/global-setup.ts, but with durable
 * settings: fsync and synchronous_commit stay on, as in production). Settings sized for this
 * class of machine (2 cores, 24 GiB): shared_buffers 4 GB, work_mem 64 MB, parallel workers 2.
 */
export async function startCluster(opts: { port?: number; settings?: Record<string, string> } = {}): Promise<Cluster> {
  const bin = findPgBin()
  if (!bin) throw new Error('no PostgreSQL binaries found (set PG_BIN or install postgresql-15); or pass DATABASE_URL')
  const version = path.basename(path.dirname(bin))
  if (!existsSync(`/usr/share/postgresql/${version}/extension/postgis.control`))
    throw new Error(`PostGIS for PostgreSQL ${version} is not installed`)
  const dir = path.join(os.tmpdir(), `grassroots-bench-pg-${process.pid}-${Date.now()}`)
  mkdirSync(dir, { recursive: true })
  const port = opts.port ?? (await freePort())
  ownedByPostgres(dir)
  const data = path.join(dir, 'data')
  runAsPostgresSync(path.join(bin, 'initdb'), [
    '-D',
    data,
    '-U',
    'postgres',
    '--auth=trust',
    '-E',
    'UTF8',
    '--locale=C.UTF-8',
  ])
  const settings: Record<string, string> = {
    listen_addresses: '127.0.0.1',
    max_connections: '200',
    shared_buffers: '4GB',
    effective_cache_size: '16GB',
    work_mem: '64MB',
    maintenance_work_mem: '1GB',
    max_wal_size: '8GB',
    checkpoint_timeout: '30min',
    max_parallel_workers_per_gather: '2',
    max_parallel_maintenance_workers: '2',
    random_page_cost: '1.1',
    jit: 'off',
    ...opts.settings,
  }
  const o = [`-p ${port}`, `-k ${dir}`, ...Object.entries(settings).map(([k, v]) => `-c ${k}=${v}`)].join(' ')
  runAsPostgresSync(path.join(bin, 'pg_ctl'), ['-D', data, '-l', path.join(dir, 'log'), '-w', '-o', o, 'start'])
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    dir,
    bin,
    stop: () => {
      try {
        runAsPostgresSync(path.join(bin, 'pg_ctl'), ['-D', data, '-m', 'fast', 'stop'])
      } catch {
        // already gone
      }
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

export function pgVersion(bin: string | null): string | null {
  if (!bin) return null
  try {
    return execFileSync(path.join(bin, 'postgres'), ['--version']).toString().trim()
  } catch {
    return null
  }
}
