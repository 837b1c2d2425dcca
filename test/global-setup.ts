import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import {
  chownSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs'
import { createServer } from 'node:net'
import os from 'node:os'
import path from 'node:path'
import argon2 from 'argon2'
import { build } from 'esbuild'
import { sql } from 'kysely'
import pg from 'pg'
import type { TestProject } from 'vitest/node'
import { openDatabase, type Db } from '../src/core/db.js'
import { DEMO_PASSWORD } from '../src/demo/city.js'
import { migrate } from '../src/core/migrate.js'
import { seedDemo } from '../src/demo/seed.js'
import { fieldCipher } from '../src/core/crypto.js'
import { TEST_DATA_KEY } from './keys.js'

// Every test file starts from a template that already holds the migrated schema and the demo
// city: a dumped PGlite data directory (creating one with PostGIS takes ~10 s) and, when a
// PostgreSQL server is available, a template database that CREATE DATABASE copies in milliseconds.

declare module 'vitest' {
  export interface ProvidedContext {
    pgliteTemplate: string
    pgAdminUrl: string | null
    pgTemplateDb: string | null
    cliBundle: string
  }
}

/** Changes when what the templates hold changes other than through src/ (cheapDemoPasswords). */
const TEMPLATE_VERSION = 'cheap-demo-passwords'

function sourceHash(): string {
  const h = createHash('sha256').update(TEMPLATE_VERSION)
  const walk = (dir: string) => {
    for (const f of readdirSync(dir).sort()) {
      const p = path.join(dir, f)
      if (statSync(p).isDirectory()) walk(p)
      else if (/\.(sql|ts)$/.test(f) && !f.endsWith('.test.ts')) h.update(p).update(readFileSync(p))
    }
  }
  walk(path.resolve('src'))
  return h.digest('hex').slice(0, 12)
}

/**
 * The demo accounts' password hashes made again at argon2id's lowest cost. Every sign-in of a demo
 * account verifies its hash, and at the library's default cost (64 MiB, 3 passes, 4 lanes) that
 * is 0.4 s of CPU, paid hundreds of times per run (each file signs its accounts in, on both
 * backends; the fuzzer's callers again after each operation): at 1 MiB and one pass it is 4 ms.
 * The product's hashing is untouched: passwords set through the API or the CLI in a test, and the
 * decoy hash for unknown names, still use the default cost; only the template's copy of the
 * shared demo password differs (still argon2id, still the same password).
 */
async function cheapDemoPasswords(db: Db): Promise<void> {
  const cheap = await argon2.hash(DEMO_PASSWORD, {
    type: argon2.argon2id,
    memoryCost: 1024,
    timeCost: 1,
    parallelism: 1,
  })
  const { rows } = await sql<{ h: string }>`select distinct password_hash as h from app_user`.execute(db)
  for (const { h } of rows) {
    if (await argon2.verify(h, DEMO_PASSWORD).catch(() => false))
      await sql`update app_user set password_hash = ${cheap} where password_hash = ${h}`.execute(db)
  }
}

async function buildPgliteTemplate(file: string): Promise<void> {
  if (existsSync(file)) return
  const database = await openDatabase({})
  await migrate(database)
  await seedDemo(database.db, 1, { production: false, cipher: fieldCipher(Buffer.from(TEST_DATA_KEY, 'base64')) })
  await cheapDemoPasswords(database.db)
  const dump = await database.dumpDataDir!()
  writeFileSync(`${file}.tmp`, Buffer.from(await dump.arrayBuffer()))
  execFileSync('mv', [`${file}.tmp`, file])
  await database.close()
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer()
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port
      s.close(() => resolve(port))
    })
    s.on('error', reject)
  })
}

function findPgBin(): string | null {
  const candidates = [
    ...(process.env.PG_BIN ? [process.env.PG_BIN] : []),
    ...['18', '17', '16', '15'].map((v) => `/usr/lib/postgresql/${v}/bin`),
  ]
  return candidates.find((d) => existsSync(path.join(d, 'initdb')) && existsSync(path.join(d, 'pg_ctl'))) ?? null
}

/** A throwaway PostgreSQL cluster for this run when none is given through TEST_DATABASE_URL. */
async function startThrowawayCluster(): Promise<{ url: string; stop: () => void } | null> {
  const bin = findPgBin()
  if (!bin) return null
  const version = path.basename(path.dirname(bin))
  if (!existsSync(`/usr/share/postgresql/${version}/extension/postgis.control`)) return null
  const dir = path.join(os.tmpdir(), `grassroots-pg-${process.pid}`)
  rmSync(dir, { recursive: true, force: true })
  mkdirSync(dir, { recursive: true })
  const port = await freePort()
  // initdb refuses to run as root; the Debian packages provide the postgres user for that case.
  const asRoot = process.getuid?.() === 0
  const run = (cmd: string, args: string[]) =>
    asRoot
      ? execFileSync('runuser', ['-u', 'postgres', '--', cmd, ...args], { stdio: 'pipe' })
      : execFileSync(cmd, args, { stdio: 'pipe' })
  if (asRoot) {
    const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim())
    const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim())
    chownSync(dir, uid, gid)
  }
  const data = path.join(dir, 'data')
  run(path.join(bin, 'initdb'), ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--locale=C.UTF-8'])
  run(path.join(bin, 'pg_ctl'), [
    '-D',
    data,
    '-l',
    path.join(dir, 'log'),
    '-w',
    '-o',
    `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200`,
    'start',
  ])
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    stop: () => {
      try {
        run(path.join(bin, 'pg_ctl'), ['-D', data, '-m', 'immediate', 'stop'])
      } catch {
        // already gone
      }
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

/**
 * The CLI as one prebuilt file for the tests that start real server and CLI processes. Through tsx
 * every start compiles and loads ~270 modules (4.5 s of CPU, far more on a loaded machine); the
 * bundle loads in a third of that. Only our own source is bundled (node_modules stay external, so
 * native and WASM packages load as in production), and the file sits one level below the
 * repository root, where `packageRoot` (config.ts) expects src/ and web/ to be its siblings. The
 * name is a hash of the content, so runs from one working tree share a build and never overwrite
 * a file another run is using.
 */
async function buildCliBundle(): Promise<string> {
  const dir = path.resolve('.test-build')
  mkdirSync(dir, { recursive: true })
  const out = await build({
    entryPoints: [path.resolve('src/cli.ts')],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    sourcemap: 'external',
    outfile: path.join(dir, 'cli.mjs'),
    write: false,
    logLevel: 'error',
  })
  const code = out.outputFiles.find((f) => f.path.endsWith('.mjs'))!
  const map = out.outputFiles.find((f) => f.path.endsWith('.map'))!
  const name = `cli-${createHash('sha256').update(code.contents).digest('hex').slice(0, 12)}.mjs`
  const file = path.join(dir, name)
  if (!existsSync(file)) {
    const tmp = `${file}.${process.pid}.tmp`
    writeFileSync(`${file}.map`, map.contents)
    writeFileSync(tmp, `${code.text.replace(/\/\/# sourceMappingURL=.*\n?$/, '')}//# sourceMappingURL=${name}.map\n`)
    renameSync(tmp, file)
  }
  // Builds of older sources, a day old: another run from this tree may still be using a recent one.
  for (const f of readdirSync(dir)) {
    const p = path.join(dir, f)
    if (f.startsWith('cli-') && !p.startsWith(file) && Date.now() - statSync(p).mtimeMs > 86_400_000)
      rmSync(p, { force: true })
  }
  return file
}

async function buildPgTemplate(adminUrl: string, name: string): Promise<void> {
  const admin = new pg.Client({ connectionString: adminUrl })
  await admin.connect()
  try {
    const exists = await admin.query('select 1 from pg_database where datname = $1', [name])
    if (exists.rowCount) return
    // A build database of this process's own: runs started side by side from one working tree (or
    // the generated-files check and the tests) build the same template at the same time.
    const building = `${name}_b${process.pid}`
    await admin.query(`drop database if exists "${building}"`)
    await admin.query(`create database "${building}"`)
    const url = new URL(adminUrl)
    url.pathname = `/${building}`
    const database = await openDatabase({ databaseUrl: url.toString(), poolSize: 2 })
    await migrate(database)
    await seedDemo(database.db, 1, { production: false, cipher: fieldCipher(Buffer.from(TEST_DATA_KEY, 'base64')) })
    await cheapDemoPasswords(database.db)
    await database.close()
    try {
      await admin.query(`alter database "${building}" rename to "${name}"`)
    } catch (err) {
      // Another run finished the same template first: use that one.
      if ((err as { code?: string }).code !== '42P04') throw err
      await admin.query(`drop database "${building}"`)
      return
    }
    await admin.query(`alter database "${name}" with is_template true`)
  } finally {
    await admin.end()
  }
}

export default async function setup(project: TestProject) {
  const hash = sourceHash()
  const cacheDir = path.join(os.tmpdir(), 'grassroots-test-templates')
  mkdirSync(cacheDir, { recursive: true })
  const pgliteTemplate = path.join(cacheDir, `pglite-${hash}.tar.gz`)

  let cluster: { url: string; stop: () => void } | null = null
  let adminUrl = process.env.TEST_DATABASE_URL || null
  if (!adminUrl && process.env.TEST_SKIP_POSTGRES !== '1') {
    cluster = await startThrowawayCluster()
    adminUrl = cluster?.url ?? null
  }
  if (!adminUrl && process.env.TEST_REQUIRE_POSTGRES === '1')
    throw new Error('TEST_REQUIRE_POSTGRES=1 but no PostgreSQL server is available')
  if (!adminUrl)
    console.warn('\n[grassroots tests] no PostgreSQL available: only the embedded backend is tested (CI tests both)\n')
  const templateDb = adminUrl ? `grassroots_tpl_${hash}` : null
  const [cliBundle] = await Promise.all([
    buildCliBundle(),
    buildPgliteTemplate(pgliteTemplate),
    adminUrl ? buildPgTemplate(adminUrl, templateDb!) : null,
  ])

  project.provide('pgliteTemplate', pgliteTemplate)
  project.provide('pgAdminUrl', adminUrl)
  project.provide('pgTemplateDb', templateDb)
  project.provide('cliBundle', cliBundle)
  return () => cluster?.stop()
}
