import { execFile, spawn, type ChildProcess } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { createServer } from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'
import { gzipSync } from 'node:zlib'
import type { FastifyInstance } from 'fastify'
import { sql } from 'kysely'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { recordAudit, verifyAuditChain } from '../src/audit/service.js'
import { loadConfig } from '../src/config.js'
import { ManualClock } from '../src/core/clock.js'
import { openDatabase, type Db } from '../src/core/db.js'
import { buildServer } from '../src/server.js'
import { backends, call, cliArgs, openTestPlatform, tokenFor, type TestPlatform } from './support.js'

// Backup and restore on both backends, and the move from the embedded database to PostgreSQL,
// through the CLI as an operator runs it. "Every row is back" is proven table by table: the row
// count and an md5 over the text of all rows, taken before the backup and after the restore.

const exec = promisify(execFile)
const hasPostgres = backends().includes('postgresql')
// A 1×1 PNG: the photo makes case_photo carry bytea.
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
  'base64',
)

type Snapshot = Record<string, string>

/** Per table `rows:md5 of all rows' text`, in one transaction and one text form (UTC, ISO). */
async function snapshot(db: Db): Promise<Snapshot> {
  return db.transaction().execute(async (tx) => {
    await sql`select set_config('timezone', 'UTC', true), set_config('datestyle', 'ISO, YMD', true),
                     set_config('extra_float_digits', '1', true), set_config('bytea_output', 'hex', true)`.execute(tx)
    const { rows: tables } = await sql<{ t: string }>`
      select c.relname as t from pg_class c
      where c.relnamespace = 'public'::regnamespace and c.relkind = 'r'
        and not exists (select 1 from pg_depend d where d.classid = 'pg_class'::regclass and d.objid = c.oid and d.deptype = 'e')
      order by 1`.execute(tx)
    const out: Snapshot = {}
    for (const { t } of tables) {
      const { rows } = await sql<{ n: number; h: string }>`
        select count(*)::int as n, md5(coalesce(string_agg(x::text, E'\n' order by x::text), '')) as h from ${sql.table(t)} x`.execute(
        tx,
      )
      out[t] = `${rows[0]!.n}:${rows[0]!.h}`
    }
    return out
  })
}

/** Geometry as WKT, to compare across backends. */
async function geometries(db: Db): Promise<{ areas: [number, string][]; cases: [number, string | null][] }> {
  const areas = await sql<{ id: number; g: string }>`select id, ST_AsText(boundary) as g from area order by id`.execute(
    db,
  )
  const cases = await sql<{
    id: number
    g: string | null
  }>`select id, ST_AsText(location) as g from cases order by id`.execute(db)
  return { areas: areas.rows.map((r) => [r.id, r.g]), cases: cases.rows.map((r) => [r.id, r.g]) }
}

/** Some of everything through the API: an area, a user, a case with a photo, its acceptance. */
async function makeData(app: FastifyInstance, db: Db): Promise<{ areaId: number }> {
  const admin = await tokenFor(app, 'admin')
  const community = (
    await db.selectFrom('area').select('id').where('code', '=', 'JZ-QH-01-01').executeTakeFirstOrThrow()
  ).id
  const area = await call(app, 'POST', '/api/v1/areas', {
    token: admin,
    body: {
      parentId: community,
      code: 'BK-GRID-1',
      nameZh: '备份网格',
      nameEn: 'Backup grid',
      boundary: {
        type: 'Polygon',
        coordinates: [
          [
            [121, 31],
            [121.001, 31],
            [121.001, 31.001],
            [121, 31.001],
            [121, 31],
          ],
        ],
      },
    },
  })
  expect(area.status).toBe(201)
  const user = await call(app, 'POST', '/api/v1/users', {
    token: admin,
    body: {
      username: 'backup.grid',
      displayName: '备份员',
      password: 'a-strong-password',
      phone: '13812345678',
      grants: [{ role: 'grid_worker', areaId: area.body.id }],
    },
  })
  expect(user.status).toBe(201)
  const resident = await tokenFor(app, 'guihua.resident')
  const photo = await app.inject({
    method: 'POST',
    url: '/api/v1/photos',
    headers: { 'content-type': 'image/png', authorization: `Bearer ${resident}` },
    payload: PNG,
  })
  expect(photo.statusCode).toBe(201)
  const { rows } = await sql<{ lng: number; lat: number }>`
    select ST_X(ST_PointOnSurface(boundary)) as lng, ST_Y(ST_PointOnSurface(boundary)) as lat from area where code = 'JZ-QH-01-01-G01'`.execute(
    db,
  )
  const filed = await call(app, 'POST', '/api/v1/cases', {
    token: resident,
    body: {
      categoryCode: 'SR-05',
      location: rows[0]!,
      description: '备份测试：小区门口的小广告',
      photos: [photo.json().token],
      attributes: { ad_form: ['sticker'] },
    },
  })
  expect(filed.status).toBe(201)
  const accepted = await call(app, 'POST', `/api/v1/cases/${filed.body.case.id}/actions`, {
    token: await tokenFor(app, 'guihua.staff'),
    body: { action: 'accept', version: filed.body.case.version },
  })
  expect(accepted.status).toBe(200)
  return { areaId: area.body.id }
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer()
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port
      s.close(() => resolve(port))
    })
  })
}

/** Runs the CLI; resolves with {code, stdout, stderr} whatever the exit code. */
async function cli(
  env: NodeJS.ProcessEnv,
  args: string[],
  cwd?: string,
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await exec(process.execPath, [...cliArgs(), ...args], { env, ...(cwd ? { cwd } : {}) })
    return { code: 0, stdout, stderr }
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string }
    return { code: e.code, stdout: e.stdout, stderr: e.stderr }
  }
}

async function adminClient<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: inject('pgAdminUrl')! })
  await c.connect()
  try {
    return await fn(c)
  } finally {
    await c.end()
  }
}

/** A new database on the test server; trust authentication ignores the password in the URL. */
async function scratchDatabase(name: string, password?: string): Promise<string> {
  await adminClient((c) => c.query(`create database "${name}"`))
  const url = new URL(inject('pgAdminUrl')!)
  url.pathname = `/${name}`
  if (password) url.password = password
  return url.toString()
}

const dropDatabases = (names: string[]) =>
  adminClient(async (c) => {
    for (const n of names) await c.query(`drop database if exists "${n}" with (force)`)
  })

const suffix = `${process.pid}_${Date.now().toString(36)}`

// The two backends run side by side; the steps within each run in order.
describe.concurrent('backup, restore and migrate-to-postgres on the embedded database', () => {
  let dataDir: string
  let work: string
  let port: number
  let server: ChildProcess | null = null
  let before: Snapshot
  let shapes: Awaited<ReturnType<typeof geometries>>
  let head: { seq: number; hash: string } | null
  let bkArea: number
  const scratch: string[] = []
  const env = (): NodeJS.ProcessEnv => ({
    ...process.env,
    DATABASE_URL: '',
    DATA_DIR: dataDir,
    PORT: String(port),
    LOG_LEVEL: 'warn',
    NODE_ENV: 'development',
    SCHEDULER_INTERVAL_MS: '0',
  })

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'grassroots-bk-data-'))
    work = mkdtempSync(path.join(os.tmpdir(), 'grassroots-bk-work-'))
    port = await freePort()
    // The seeded template into a real data directory, then data through the API in this process.
    const database = await openDatabase({ dataDir, loadDataDir: new Blob([await readFile(inject('pgliteTemplate'))]) })
    try {
      const config = loadConfig({
        dataDir,
        databaseUrl: undefined,
        port: 0,
        schedulerIntervalMs: 0,
        loginRatePerMinute: 10_000,
        anonymousIntakeRatePerMinute: 10_000,
      })
      const app = await buildServer({ database, config, clock: new ManualClock(new Date('2026-11-23T02:00:00Z')) })
      await app.ready()
      bkArea = (await makeData(app, database.db)).areaId
      await app.close()
      // Verified (so linked) first: the snapshot then holds the chain as the backup will.
      head = (await verifyAuditChain(database.db)).head
      before = await snapshot(database.db)
      shapes = await geometries(database.db)
    } finally {
      await database.close()
    }
    expect(Number(before.case_photo!.split(':')[0])).toBe(1)
  })
  afterAll(async () => {
    server?.kill('SIGKILL')
    rmSync(work, { recursive: true, force: true })
    for (const d of [
      dataDir,
      ...readdirSync(path.dirname(dataDir))
        .filter((n) => n.startsWith(`${path.basename(dataDir)}.`))
        .map((n) => path.join(path.dirname(dataDir), n)),
    ]) {
      rmSync(d, { recursive: true, force: true })
    }
    if (scratch.length) await dropDatabases(scratch)
  })

  // A server start, a backup through it and two refused commands: a minute or two on a loaded machine.
  it.sequential('backs up through the running server, which refuses restore and migration meanwhile', {
    timeout: 180_000,
  }, async () => {
    let output = ''
    server = spawn(process.execPath, [...cliArgs(), 'serve'], {
      env: env(),
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    server.stdout!.on('data', (d) => (output += d))
    server.stderr!.on('data', (d) => (output += d))
    const base = `http://127.0.0.1:${port}`
    for (let i = 0; ; i++) {
      if (
        await fetch(`${base}/healthz`).then(
          (r) => r.ok,
          () => false,
        )
      )
        break
      // Up to 90 s: a loaded two-core machine (the server loads its modules and the data directory).
      if (i > 360) throw new Error(`server did not start:\n${output}`)
      await new Promise((r) => setTimeout(r, 250))
    }
    // A relative name, from another directory: the CLI hands the server an absolute path.
    const viaServer = await cli(env(), ['backup', 'server.tar.gz'], work)
    expect(viaServer.stderr).toBe('')
    expect(viaServer.stdout).toMatch(
      new RegExp(`backup written: ${path.join(work, 'server.tar.gz').replace(/\./g, '\\.')} \\(\\d+\\.\\d MiB\\)`),
    )
    expect(viaServer.stdout).toMatch(/PGlite data directory, gzipped tar/)
    expect(viaServer.stdout).toMatch(
      /\d+ areas, \d+ users, \d+ cases, 1 photos; audit trail \d+ entries, head \d+ [0-9a-f]{64}/,
    )
    expect(readFileSync(path.join(work, 'server.tar.gz')).subarray(0, 2)).toEqual(Buffer.from([0x1f, 0x8b]))
    expect(existsSync(path.join(work, 'server.tar.gz.tmp'))).toBe(false)

    const [restore, migrate] = await Promise.all([
      cli(env(), ['restore', path.join(work, 'server.tar.gz')]),
      cli(env(), ['migrate-to-postgres', 'postgres://nobody@127.0.0.1:1/none']),
    ])
    expect(restore.code).toBe(1)
    expect(restore.stderr).toMatch(/a server \(process \d+\) holds the data directory .*: stop it/)
    expect(migrate.code).toBe(1)
    expect(migrate.stderr).toMatch(/stop it first/)

    // Changes after the backup, which the restore must undo.
    const login = await fetch(`${base}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password: 'grassroots-demo' }),
    })
    const token = ((await login.json()) as { token: string }).token
    const renamed = await fetch(`${base}/api/v1/areas/${bkArea}`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ nameEn: 'Renamed after the backup' }),
    })
    expect(renamed.status).toBe(200)

    const exited = new Promise((resolve) => server!.once('exit', resolve))
    server.kill('SIGTERM')
    expect(await exited).toBe(0)
    server = null
  })

  it.sequential('backs up directly when no server runs, and restore refuses what is not a backup', async () => {
    const direct = await cli(env(), ['backup', path.join(work, 'direct.tar.gz')])
    expect(direct.code).toBe(0)
    expect(direct.stdout).toMatch(/backup written: .*direct\.tar\.gz/)
    writeFileSync(path.join(work, 'notes.txt'), 'not a backup\n')
    writeFileSync(path.join(work, 'notes.txt.gz'), gzipSync('not a tar either\n'))
    const [text, gz] = await Promise.all([
      cli(env(), ['restore', path.join(work, 'notes.txt')]),
      cli(env(), ['restore', path.join(work, 'notes.txt.gz')]),
    ])
    expect(text.code).toBe(1)
    expect(text.stderr).toMatch(
      /notes\.txt is not a Grassroots backup: expected a pg_dump custom-format archive \(PostgreSQL\) or a gzipped PGlite data directory \(embedded\)/,
    )
    expect(gz.code).toBe(1)
    expect(gz.stderr).toMatch(/is a gzip file but holds no PostgreSQL data directory/)
    // Nothing was moved aside.
    expect(
      readdirSync(path.dirname(dataDir)).filter((n) => n.startsWith(`${path.basename(dataDir)}.before-restore`)),
    ).toEqual([])
  })

  it.sequential('restores the backup the server took: every row is back, the audit chain verifies', async () => {
    const restored = await cli(env(), ['restore', path.join(work, 'server.tar.gz')])
    expect(restored.stderr).toBe('')
    expect(restored.code).toBe(0)
    expect(restored.stdout).toMatch(/migrations: up to date/)
    expect(restored.stdout).toMatch(
      new RegExp(`audit trail intact: \\d+ entries verified, head ${head!.seq} ${head!.hash}`),
    )
    const previous = /the previous data directory is kept in (.+)/.exec(restored.stdout)![1]!
    expect(path.basename(previous)).toMatch(new RegExp(`^${path.basename(dataDir)}\\.before-restore-\\d{8}T\\d{6}Z$`))
    expect(existsSync(path.join(previous, 'PG_VERSION'))).toBe(true)
    expect(existsSync(path.join(dataDir, 'grassroots.lock'))).toBe(false)

    const database = await openDatabase({ dataDir })
    try {
      expect(await snapshot(database.db)).toEqual(before)
      const chain = await verifyAuditChain(database.db)
      expect(chain).toMatchObject({ ok: true, head })
      const area = await database.db
        .selectFrom('area')
        .select('name_en')
        .where('code', '=', 'BK-GRID-1')
        .executeTakeFirstOrThrow()
      expect(area.name_en).toBe('Backup grid')
    } finally {
      await database.close()
    }
  })

  ;(hasPostgres ? it.sequential : it.skip)(
    'migrates to an empty PostgreSQL database: same rows, same geometry, intact chain',
    async () => {
      const name = `grassroots_bk_mig_${suffix}`
      scratch.push(name)
      const url = await scratchDatabase(name, 'migration-secret')
      const migrated = await cli(env(), ['migrate-to-postgres', url])
      expect(migrated.stderr).toBe('')
      expect(migrated.code).toBe(0)
      expect(migrated.stdout).toMatch(/copied audit_log: \d+ rows/)
      expect(migrated.stdout).toMatch(/verified: \d+ tables, \d+ rows, row counts and checksums equal/)
      expect(migrated.stdout).toMatch(
        new RegExp(`audit trail intact on the target: \\d+ entries, head ${head!.seq} ${head!.hash}`),
      )
      expect(migrated.stdout + migrated.stderr).not.toContain('migration-secret')

      const target = await openDatabase({ databaseUrl: url, poolSize: 1 })
      try {
        expect(await snapshot(target.db)).toEqual(before)
        expect(await geometries(target.db)).toEqual(shapes)
        const { rows } = await sql<{ same: boolean }>`
        select bool_and(ST_Equals(a.boundary, ST_GeomFromText(s.wkt, 4326))) as same
        from unnest(${shapes.areas.map((a) => a[0])}::int[], ${shapes.areas.map((a) => a[1])}::text[]) s(id, wkt) join area a on a.id = s.id`.execute(
          target.db,
        )
        expect(rows[0]!.same).toBe(true)
        expect(await verifyAuditChain(target.db)).toMatchObject({ ok: true, head })
        // The triggers are back on: a new entry is chained, the area path derived.
        const disabled = await sql<{
          n: number
        }>`select count(*)::int as n from pg_trigger where not tgisinternal and tgenabled = 'D'`.execute(target.db)
        expect(disabled.rows[0]!.n).toBe(0)
        await recordAudit(target.db, { actor: null, ip: 'test' }, { action: 'test.after_migration' })
        expect(await verifyAuditChain(target.db)).toMatchObject({ ok: true, head: { seq: head!.seq + 1 } })
        // Identity sequences continue after the copied ids.
        for (const t of ['area', 'app_user', 'cases', 'case_event', 'case_photo', 'notification']) {
          const r = await sql<{ next: number; max: number }>`
          select nextval(pg_get_serial_sequence(${t}, 'id'))::int as next, (select max(id) from ${sql.table(t)})::int as max`.execute(
            target.db,
          )
          expect(r.rows[0]!.next, t).toBeGreaterThan(r.rows[0]!.max)
        }
      } finally {
        await target.close()
      }
      const again = await cli(env(), ['migrate-to-postgres', url])
      expect(again.code).toBe(1)
      expect(again.stderr).toMatch(/the target database .* is not empty \(table \w+ has rows\)/)
    },
  )
})

;(hasPostgres ? describe.concurrent : describe.skip)('backup and restore on PostgreSQL', () => {
  let p: TestPlatform
  let work: string
  let before: Snapshot
  let head: { seq: number; hash: string } | null
  const scratch: string[] = []
  const env = (databaseUrl: string): NodeJS.ProcessEnv => ({
    ...process.env,
    DATABASE_URL: databaseUrl,
    LOG_LEVEL: 'warn',
    NODE_ENV: 'development',
  })
  const withPassword = (url: string) => {
    const u = new URL(url)
    u.password = 'dump-secret'
    return u.toString()
  }

  beforeAll(async () => {
    work = mkdtempSync(path.join(os.tmpdir(), 'grassroots-bk-pg-'))
    p = await openTestPlatform('postgresql')
    await makeData(p.app, p.database.db)
    head = (await verifyAuditChain(p.database.db)).head
    before = await snapshot(p.database.db)
  })
  afterAll(async () => {
    await p?.close()
    rmSync(work, { recursive: true, force: true })
    if (scratch.length) await dropDatabases(scratch)
  })

  it.sequential('dumps with pg_dump, without showing the password', async () => {
    const res = await cli(env(withPassword(p.databaseUrl!)), ['backup', path.join(work, 'pg.dump')])
    expect(res.code).toBe(0)
    expect(res.stdout).toMatch(
      /backup written: .*pg\.dump \(\d+\.\d [KM]iB\)\nPostgreSQL database: pg_dump custom-format archive\nPostgreSQL 15/,
    )
    // The demo's device alarms file cases of their own; the one photo is this test's case's.
    expect(res.stdout).toMatch(/\d+ cases, 1 photos; audit trail/)
    expect(res.stdout + res.stderr).not.toContain('dump-secret')
    expect(readFileSync(path.join(work, 'pg.dump')).subarray(0, 5).toString()).toBe('PGDMP')
  })

  it.sequential('restores into a new, empty database and over the changed one', async () => {
    // Changes after the backup: an update, deletions, and new rows through the API.
    await sql`update area set name_en = 'Changed after the backup' where code = 'BK-GRID-1'`.execute(p.database.db)
    await sql`delete from notification`.execute(p.database.db)
    await sql`delete from session`.execute(p.database.db)
    const admin = await call(p.app, 'POST', '/api/v1/auth/login', {
      body: { username: 'admin', password: 'grassroots-demo' },
    })
    const community = (
      await p.database.db.selectFrom('area').select('id').where('code', '=', 'JZ-QH-01-01').executeTakeFirstOrThrow()
    ).id
    const added = await call(p.app, 'POST', '/api/v1/users', {
      token: admin.body.token,
      body: {
        username: 'after.backup',
        displayName: '后来者',
        password: 'a-strong-password',
        grants: [{ role: 'resident', areaId: community }],
      },
    })
    expect(added.status).toBe(201)
    const changed = await snapshot(p.database.db)
    expect(changed.area).not.toBe(before.area)
    expect(changed.notification).not.toBe(before.notification)

    const name = `grassroots_bk_restore_${suffix}`
    scratch.push(name)
    const fresh = await scratchDatabase(name)
    const intoNew = await cli(env(fresh), ['restore', path.join(work, 'pg.dump')])
    expect(intoNew.stderr).toBe('')
    expect(intoNew.code).toBe(0)
    expect(intoNew.stdout).toMatch(
      new RegExp(`audit trail intact: \\d+ entries verified, head ${head!.seq} ${head!.hash}`),
    )
    const restored = await openDatabase({ databaseUrl: fresh, poolSize: 1 })
    try {
      expect(await snapshot(restored.db)).toEqual(before)
    } finally {
      await restored.close()
    }

    // Over the original database while a server's session is connected: a warning, not a refusal.
    // The session is held here on purpose: the platform's pool lets idle connections go after a
    // few seconds, so whether it still had one open depended on how long the restore above took.
    const server = new pg.Client({ connectionString: withPassword(p.databaseUrl!) })
    await server.connect()
    const over = await cli(env(withPassword(p.databaseUrl!)), ['restore', path.join(work, 'pg.dump')]).finally(() =>
      server.end(),
    )
    expect(over.code).toBe(0)
    expect(over.stderr).toMatch(/warning: \d+ other session\(s\) are connected/)
    expect(over.stdout + over.stderr).not.toContain('dump-secret')
    expect(await snapshot(p.database.db)).toEqual(before)
    expect(await verifyAuditChain(p.database.db)).toMatchObject({ ok: true, head })
  })

  it.sequential('refuses what is not a PostgreSQL backup, changing nothing', async () => {
    writeFileSync(path.join(work, 'fake.dump'), 'PGDUMP? no.\n')
    const [embedded, fake] = await Promise.all([
      cli(env(p.databaseUrl!), ['restore', inject('pgliteTemplate')]),
      cli(env(p.databaseUrl!), ['restore', path.join(work, 'fake.dump')]),
    ])
    expect(embedded.code).toBe(1)
    expect(embedded.stderr).toMatch(
      /is a backup of the embedded database \(a PGlite data directory\) and DATABASE_URL is set/,
    )
    expect(fake.code).toBe(1)
    expect(fake.stderr).toMatch(/is not a Grassroots backup/)
    expect(await snapshot(p.database.db)).toEqual(before)
  })
})
