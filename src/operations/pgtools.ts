import { spawn } from 'node:child_process'
import { existsSync, readdirSync } from 'node:fs'
import path from 'node:path'

// The PostgreSQL client programs (pg_dump, pg_restore) used for backups of a PostgreSQL database.
// The connection URL reaches them without its password: that travels in PGPASSWORD, so it shows
// neither in the process list nor in any message.

export type PgTool = 'pg_dump' | 'pg_restore'

/** PG_BIN, then PATH, then the newest /usr/lib/postgresql/<version>/bin (Debian layout). */
export function findPgTool(name: PgTool): string {
  const versioned = (() => {
    try {
      return readdirSync('/usr/lib/postgresql')
        .filter((v) => /^\d+$/.test(v))
        .sort((a, b) => Number(b) - Number(a))
        .map((v) => `/usr/lib/postgresql/${v}/bin`)
    } catch {
      return []
    }
  })()
  const dirs = [
    ...(process.env.PG_BIN ? [process.env.PG_BIN] : []),
    ...(process.env.PATH ?? '').split(path.delimiter).filter(Boolean),
    ...versioned,
  ]
  const found = dirs.map((d) => path.join(d, name)).find((f) => existsSync(f))
  if (!found)
    throw new Error(
      `${name} not found: install the PostgreSQL client programs (Debian: postgresql-client-15), or set PG_BIN to the directory holding ${name}`,
    )
  return found
}

/** The URL without its password, for --dbname, and the environment that carries the password. */
export function libpqTarget(databaseUrl: string): { dbname: string; env: Record<string, string> } {
  const url = new URL(databaseUrl)
  const password = decodeURIComponent(url.password)
  url.password = ''
  return { dbname: url.toString(), env: password ? { PGPASSWORD: password } : {} }
}

/** The URL as it may be shown: the password replaced by ***. */
export function redactUrl(databaseUrl: string): string {
  try {
    const url = new URL(databaseUrl)
    if (url.password) url.password = '***'
    return url.toString()
  } catch {
    return '(unparsable URL)'
  }
}

/** Runs a client program; resolves with its standard output, rejects with its standard error. */
export function runPgTool(bin: string, args: string[], env: Record<string, string> = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
    const out: Buffer[] = []
    let err = ''
    child.stdout.on('data', (d: Buffer) => out.push(d))
    child.stderr.on('data', (d: Buffer) => (err += d.toString()))
    child.on('error', reject)
    child.on('close', (code) => {
      if (code === 0) resolve(Buffer.concat(out).toString('utf8'))
      else {
        let message = `${path.basename(bin)} failed (exit code ${code}): ${err.trim() || 'no message'}`
        if (/server version mismatch|unsupported version/i.test(err)) {
          message += `\n(${bin} is older than the server or the archive: install a newer PostgreSQL client, or set PG_BIN to its bin directory)`
        }
        reject(new Error(message))
      }
    })
  })
}
