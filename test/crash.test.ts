import { spawn, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import pg from 'pg'
import { sql } from 'kysely'
import { afterAll, describe, expect, inject, it } from 'vitest'
import { findPgBin, freePort, postgresTempDir, runAsPostgres } from '../bench/lib/cluster.js'
import { openDatabase } from '../src/core/db.js'
import { isDatabaseUnavailable } from '../src/core/http.js'
import { cliArgs } from './support.js'

// Crash safety, proven on a real server process:
//  1. SIGKILL under intake load, on both backends: after a restart on the same data, every
//     request answered 2xx exists exactly once, a retry with the same Idempotency-Key answers the
//     same tracking code and creates nothing, and the audit chain verifies. On the embedded
//     database the data directory survives the kill and the dead process's lock is stale.
//  2. PostgreSQL stopped under load (its own throwaway cluster): the server answers 503 with
//     Retry-After (never 500, never dies), reconnects by itself when the database is back, and
//     again every 2xx exists exactly once.
//  3. The mapping of driver failures to 503 DATABASE_UNAVAILABLE, error by error.
// CI runs one kill after a few seconds of load; CRASH_LOOPS=N runs N kills, 100 acknowledged cases apart.

const CRASH_LOOPS = Math.max(1, Number(process.env.CRASH_LOOPS || 1))
// Acknowledged cases between two kills (CI: one kill after 20).
const ACKS_BETWEEN_KILLS = CRASH_LOOPS > 1 ? 100 : 20
const RATE_PER_S = 30
const LOOPS = 4
const DEMO_PASSWORD = 'grassroots-demo'

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

interface ServerProcess {
  child: ChildProcess
  url: string
  output: () => string
  exited: Promise<number | null>
}

// Every server started here, so that a failing test leaves none running.
const running = new Set<ChildProcess>()
afterAll(() => {
  for (const child of running) process.kill(-child.pid!, 'SIGKILL')
})

/**
 * node itself running the prebuilt CLI (no wrapper process), in its own process group so a kill
 * of the group reaches everything it started.
 */
async function startServer(env: Record<string, string>, port: number): Promise<ServerProcess> {
  let output = ''
  const child = spawn(process.execPath, [...cliArgs(), 'serve'], {
    env: {
      ...process.env,
      PORT: String(port),
      LOG_LEVEL: 'warn',
      SCHEDULER_INTERVAL_MS: '1000',
      NODE_ENV: 'development',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  })
  child.stdout!.on('data', (d) => (output += d))
  child.stderr!.on('data', (d) => (output += d))
  running.add(child)
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  let gone = false
  void exited.then(() => {
    gone = true
    running.delete(child)
  })
  const url = `http://127.0.0.1:${port}`
  for (let i = 0; i < 240 && !gone; i++) {
    const ok = await fetch(`${url}/healthz`).then(
      (r) => r.ok,
      () => false,
    )
    if (ok) return { child, url, output: () => output, exited }
    await sleep(250)
  }
  if (!gone) process.kill(-child.pid!, 'SIGKILL')
  throw new Error(`server did not start:\n${output}`)
}

async function killHard(s: ServerProcess): Promise<void> {
  process.kill(-s.child.pid!, 'SIGKILL')
  await s.exited
  expect(alive(s.child.pid!)).toBe(false)
}

async function stopGracefully(s: ServerProcess): Promise<void> {
  s.child.kill('SIGTERM')
  const code = await Promise.race([s.exited, sleep(20_000).then(() => 'timeout')])
  expect(code, s.output()).toBe(0)
}

async function json(res: Response): Promise<any> {
  const text = await res.text()
  try {
    return JSON.parse(text)
  } catch {
    return text
  }
}

async function signIn(url: string, username: string): Promise<string> {
  const res = await fetch(`${url}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password: DEMO_PASSWORD }),
  })
  const body = await json(res)
  if (res.status !== 200) throw new Error(`login ${username}: ${res.status} ${JSON.stringify(body)}`)
  return body.token as string
}

interface Point {
  lng: number
  lat: number
}

interface Attempt {
  key: string
  description: string
  /** Status of the first answer, null when the request got none (connection lost). */
  status: number | null
  trackingCode: string | null
  error: string | null
  retryAfter: string | null
  startedAt: number
}

function intakeBody(point: Point, description: string) {
  return { categoryCode: 'DL-03', location: point, description }
}

async function file(url: string, token: string, point: Point, key: string, description: string) {
  const res = await fetch(`${url}/api/v1/cases`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, 'idempotency-key': key },
    body: JSON.stringify(intakeBody(point, description)),
    signal: AbortSignal.timeout(15_000),
  })
  return { status: res.status, body: await json(res), retryAfter: res.headers.get('retry-after') }
}

/** LOOPS concurrent loops filing cases at RATE_PER_S in all, each with its own key and description. */
function driveIntake(url: () => string, token: string, point: Point, run: string) {
  const attempts: Attempt[] = []
  let stopped = false
  let n = 0
  const interval = (LOOPS * 1000) / RATE_PER_S
  const loop = async () => {
    while (!stopped) {
      const started = Date.now()
      const i = n++
      const attempt: Attempt = {
        key: `${run}-key-${i}`,
        description: `${run} 路灯不亮 #${i}`,
        status: null,
        trackingCode: null,
        error: null,
        retryAfter: null,
        startedAt: started,
      }
      attempts.push(attempt)
      try {
        const r = await file(url(), token, point, attempt.key, attempt.description)
        attempt.status = r.status
        attempt.retryAfter = r.retryAfter
        attempt.trackingCode = r.status < 300 ? r.body.trackingCode : null
        if (r.status >= 300) attempt.error = JSON.stringify(r.body)
      } catch (err) {
        attempt.error = String((err as Error).cause ?? err)
        // A client backs off while the server is away.
        await sleep(500)
      }
      await sleep(Math.max(0, interval - (Date.now() - started)))
    }
  }
  const running = Promise.all(Array.from({ length: LOOPS }, loop))
  return {
    attempts,
    stop: async () => {
      stopped = true
      await running
      return attempts
    },
  }
}

/**
 * Sends every attempt again with its own key: each must now be a 201 carrying the tracking code
 * of its first 2xx answer, if it had one (a replay of the stored answer, not a second case).
 */
async function retryAll(url: string, token: string, point: Point, attempts: Attempt[]): Promise<void> {
  const queue = [...attempts]
  const worker = async () => {
    for (let a = queue.shift(); a; a = queue.shift()) {
      const r = await file(url, token, point, a.key, a.description)
      expect(r.status, `${a.key}: ${JSON.stringify(r.body)}`).toBe(201)
      if (a.trackingCode) expect(r.body.trackingCode, a.key).toBe(a.trackingCode)
      a.trackingCode ??= r.body.trackingCode
    }
  }
  await Promise.all(Array.from({ length: LOOPS }, worker))
}

/** Every attempt is one case, with the tracking code its answers gave; no key left half-claimed. */
async function expectExactlyOnce(
  query: (text: string) => Promise<Record<string, unknown>[]>,
  run: string,
  attempts: Attempt[],
): Promise<Map<string, number>> {
  const rows = await query(
    `select description, count(*)::int as n, min(tracking_code) as code, min(submitted_at) as at from cases where description like '${run} %' group by description`,
  )
  const byDescription = new Map(rows.map((r) => [r.description as string, r as { n: number; code: string }]))
  const twice = rows.filter((r) => Number(r.n) !== 1)
  expect(twice, 'descriptions filed more than once').toEqual([])
  for (const a of attempts) {
    const row = byDescription.get(a.description)
    expect(row, `${a.key} does not exist`).toBeDefined()
    expect(row!.code, a.key).toBe(a.trackingCode)
  }
  expect(rows.length).toBe(attempts.length)
  const pending = await query(`select key from idempotency_key where key like '${run}-%' and status_code = 0`)
  expect(pending).toEqual([])
  return new Map(rows.map((r) => [r.description as string, new Date(r.at as string).getTime()]))
}

/**
 * How the kills hit the load: requests in flight at each kill (sent, never answered), and those
 * among them whose case had been committed, so their retry was answered from the stored reply.
 */
function killStats(attempts: Attempt[], kills: { at: number; restartMs: number }[], submitted: Map<string, number>) {
  let inFlight = 0
  let committedUnanswered = 0
  for (const a of attempts) {
    if (a.status !== null) continue
    const i = kills.findIndex((k) => k.at >= a.startedAt)
    // Sent while the server was up (not while it was away after the previous kill).
    const upSince = i > 0 ? kills[i - 1]!.at + kills[i - 1]!.restartMs : 0
    if (i < 0 || a.startedAt < upSince) continue
    inFlight++
    if ((submitted.get(a.description) ?? Infinity) <= kills[i]!.at) committedUnanswered++
  }
  return { inFlight, committedUnanswered }
}

async function expectAuditIntact(url: string): Promise<void> {
  const admin = await signIn(url, 'admin')
  const res = await fetch(`${url}/api/v1/audit/verify`, { headers: { authorization: `Bearer ${admin}` } })
  const report = await json(res)
  expect(res.status).toBe(200)
  expect(report, JSON.stringify(report)).toMatchObject({ ok: true, firstBroken: null })
}

function summary(attempts: Attempt[]): Record<string, number> {
  const out: Record<string, number> = {}
  for (const a of attempts) {
    const k = a.status === null ? 'no answer' : String(a.status)
    out[k] = (out[k] ?? 0) + 1
  }
  return out
}

const pointQuery = `select ST_X(ST_PointOnSurface(boundary)) as lng, ST_Y(ST_PointOnSurface(boundary)) as lat from area where code = 'JZ-QH-01-01-G01'`

const acked = (attempts: Attempt[]) => attempts.filter((a) => a.status !== null && a.status < 300).length

async function waitForAcks(attempts: Attempt[], n: number, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs
  while (acked(attempts) < n && Date.now() < until) await sleep(50)
  expect(acked(attempts), 'acknowledged requests').toBeGreaterThanOrEqual(n)
}

/** Kill-under-load cycles against one backend's data; answers the restarted server. */
async function killUnderLoad(env: Record<string, string>, point: Point, run: string) {
  const port = await freePort()
  const t0 = Date.now()
  let server = await startServer(env, port)
  const startMs = Date.now() - t0
  const token = await signIn(server.url, 'guihua.staff')
  const load = driveIntake(() => server.url, token, point, run)
  const kills: { acked: number; pid: number; restartMs: number; at: number }[] = []
  for (let k = 0; k < CRASH_LOOPS; k++) {
    // Let the load settle in, then kill at a random moment, most likely with requests in flight.
    await waitForAcks(load.attempts, acked(load.attempts) + ACKS_BETWEEN_KILLS, 30_000)
    await sleep(Math.random() * 300)
    const pid = server.child.pid!
    const before = acked(load.attempts)
    const at = Date.now()
    await killHard(server)
    if (env.DATA_DIR) {
      // The dead process's lock is left behind; the restart below must take it as stale.
      expect(JSON.parse(readFileSync(path.join(env.DATA_DIR, 'grassroots.lock'), 'utf8')).pid).toBe(pid)
    }
    const t = Date.now()
    // The load keeps going against the dead port: those requests get no answer and are retried below.
    server = await startServer(env, port)
    kills.push({ acked: before, pid, restartMs: Date.now() - t, at })
  }
  // The session survived the kill: the same token still signs the load in.
  await waitForAcks(load.attempts, acked(load.attempts) + 10, 30_000)
  const attempts = await load.stop()
  const first = summary(attempts)
  // Nothing but acknowledgements and lost connections: no 4xx, no 500.
  expect(
    Object.keys(first).filter((k) => k !== '201' && k !== 'no answer'),
    JSON.stringify(attempts.filter((a) => a.status !== 201 && a.status !== null).slice(0, 5)),
  ).toEqual([])
  const t1 = Date.now()
  await retryAll(server.url, token, point, attempts)
  const retryMs = Date.now() - t1
  await expectAuditIntact(server.url)
  return { server, attempts, first, kills, timings: { startMs, retryMs } }
}

describe('SIGKILL under intake load on the embedded database', () => {
  let dataDir: string
  afterAll(() => {
    if (dataDir) rmSync(dataDir, { recursive: true, force: true })
  })

  it('keeps every acknowledged case exactly once across kills, the data directory intact', {
    timeout: 60_000 + CRASH_LOOPS * 40_000,
  }, async () => {
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'grassroots-crash-'))
    const seeded = await openDatabase({ dataDir, loadDataDir: new Blob([await readFile(inject('pgliteTemplate'))]) })
    const { rows } = await sql.raw<Point>(pointQuery).execute(seeded.db)
    await seeded.close()
    const run = `crash-pglite-${randomBytes(3).toString('hex')}`
    const { server, attempts, first, kills, timings } = await killUnderLoad({ DATA_DIR: dataDir }, rows[0]!, run)

    // The graceful stop releases the lock; the data is then read directly.
    await stopGracefully(server)
    expect(existsSync(path.join(dataDir, 'grassroots.lock'))).toBe(false)
    const database = await openDatabase({ dataDir })
    try {
      const submitted = await expectExactlyOnce(
        async (text) => (await sql.raw<Record<string, unknown>>(text).execute(database.db)).rows,
        run,
        attempts,
      )
      console.log(
        `[crash pglite] ${attempts.length} requests, first answers ${JSON.stringify(first)}, kills ${JSON.stringify(kills)}, ${JSON.stringify(killStats(attempts, kills, submitted))}, ${JSON.stringify(timings)}`,
      )
    } finally {
      await database.close()
    }
  })
})

describe.skipIf(!inject('pgAdminUrl'))('SIGKILL under intake load on PostgreSQL', () => {
  let dropDatabase = async () => {}
  afterAll(() => dropDatabase())

  it('keeps every acknowledged case exactly once across kills', {
    timeout: 60_000 + CRASH_LOOPS * 40_000,
  }, async () => {
    const adminUrl = inject('pgAdminUrl')!
    const name = `grassroots_crash_${randomBytes(6).toString('hex')}`
    const admin = new pg.Client({ connectionString: adminUrl })
    await admin.connect()
    await admin.query(`create database "${name}" template "${inject('pgTemplateDb')}"`)
    await admin.end()
    dropDatabase = async () => {
      const c = new pg.Client({ connectionString: adminUrl })
      await c.connect()
      await c.query(`drop database if exists "${name}" with (force)`)
      await c.end()
    }
    const url = new URL(adminUrl)
    url.pathname = `/${name}`
    const client = new pg.Client({ connectionString: url.toString() })
    await client.connect()
    try {
      const point = (await client.query<Point>(pointQuery)).rows[0]!
      const run = `crash-pg-${randomBytes(3).toString('hex')}`
      const { server, attempts, first, kills, timings } = await killUnderLoad(
        { DATABASE_URL: url.toString() },
        point,
        run,
      )
      await stopGracefully(server)
      const submitted = await expectExactlyOnce(async (text) => (await client.query(text)).rows, run, attempts)
      console.log(
        `[crash postgresql] ${attempts.length} requests, first answers ${JSON.stringify(first)}, kills ${JSON.stringify(kills)}, ${JSON.stringify(killStats(attempts, kills, submitted))}, ${JSON.stringify(timings)}`,
      )
    } finally {
      await client.end()
    }
  })
})

/** A cluster of this test's own, which it may stop and start (asynchronously: the load goes on meanwhile). */
async function ownCluster(bin: string) {
  const dir = postgresTempDir('grassroots-pgcrash-')
  const run = runAsPostgres
  const data = path.join(dir, 'data')
  const port = await freePort()
  await run(path.join(bin, 'initdb'), ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--locale=C.UTF-8'])
  const start = () =>
    run(path.join(bin, 'pg_ctl'), [
      '-D',
      data,
      '-l',
      path.join(dir, 'log'),
      '-w',
      '-o',
      `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`,
      'start',
    ])
  const stop = (mode: 'fast' | 'immediate') => run(path.join(bin, 'pg_ctl'), ['-D', data, '-m', mode, '-w', 'stop'])
  await start()
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    start,
    stop,
    remove: async () => {
      await stop('immediate').catch(() => {}) // already stopped
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

const pgBin = findPgBin()

describe.skipIf(!inject('pgAdminUrl') || !pgBin)('PostgreSQL stopped and started under load', () => {
  let cluster: Awaited<ReturnType<typeof ownCluster>> | null = null
  let server: ServerProcess | null = null
  afterAll(async () => {
    if (server && alive(server.child.pid!)) process.kill(-server.child.pid!, 'SIGKILL')
    await cluster?.remove()
  })

  it('answers 503 with Retry-After while it is away, reconnects, and loses no acknowledged case', {
    timeout: 90_000,
  }, async () => {
    cluster = await ownCluster(pgBin!)
    const admin = new pg.Client({ connectionString: cluster.url })
    await admin.connect()
    await admin.query('create database grassroots')
    await admin.end()
    const dbUrl = cluster.url.replace(/\/postgres$/, '/grassroots')
    // The first start migrates (PostGIS included: the cluster's superuser owns the database) and seeds.
    server = await startServer({ DATABASE_URL: dbUrl }, await freePort())
    const s = server
    const client = new pg.Client({ connectionString: dbUrl })
    await client.connect()
    const point = (await client.query<Point>(pointQuery)).rows[0]!
    await client.end()
    const token = await signIn(s.url, 'guihua.staff')
    const run = `pgdown-${randomBytes(3).toString('hex')}`
    const load = driveIntake(() => s.url, token, point, run)
    await sleep(1500)

    await cluster.stop('fast')
    const downAt = Date.now()
    // While it is away: the health check, a signed-in write (its session lookup fails first), an
    // anonymous write (fails inside the transaction) and a public read all say 503 + Retry-After.
    const probes: [string, RequestInit][] = [
      ['/healthz', {}],
      [
        '/api/v1/cases',
        {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            authorization: `Bearer ${token}`,
            'idempotency-key': `${run}-probe`,
          },
          body: JSON.stringify(intakeBody(point, `${run}-probe`)),
        },
      ],
      [
        '/api/v1/cases',
        {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(intakeBody(point, `${run}-probe anonymous`)),
        },
      ],
      ['/api/v1/public/map', {}],
    ]
    for (const [p, init] of probes) {
      const res = await fetch(`${s.url}${p}`, init).catch((err) => {
        throw new Error(`${p}: ${err.cause ?? err}; server output:\n${s.output().slice(-3000)}`)
      })
      const body = await json(res)
      expect(
        { path: p, status: res.status, code: body?.error?.code, retryAfter: res.headers.get('retry-after') },
        s.output().slice(-3000),
      ).toEqual({
        path: p,
        status: 503,
        code: 'DATABASE_UNAVAILABLE',
        retryAfter: '5',
      })
    }
    await sleep(Math.max(0, 3000 - (Date.now() - downAt)))
    await cluster.start()
    // The pool replaces its dead connections by itself.
    let back = false
    for (let i = 0; i < 40 && !back; i++) {
      back = await fetch(`${s.url}/healthz`).then(
        (r) => r.ok,
        () => false,
      )
      if (!back) await sleep(250)
    }
    expect(back).toBe(true)
    const backAt = Date.now()
    await sleep(1500)
    const attempts = await load.stop()
    const first = summary(attempts)
    console.log(
      `[postgresql down ${backAt - downAt} ms] ${attempts.length} requests, first answers ${JSON.stringify(first)}`,
    )
    // The server never died and never answered anything but 201 or 503 (always with Retry-After).
    expect(alive(s.child.pid!), s.output()).toBe(true)
    expect(
      Object.keys(first).filter((k) => k !== '201' && k !== '503'),
      JSON.stringify(attempts.filter((a) => a.status !== 201 && a.status !== 503).slice(0, 5)),
    ).toEqual([])
    expect(attempts.filter((a) => a.status === 503 && a.retryAfter !== '5')).toEqual([])
    expect(first['503']).toBeGreaterThan(0)
    expect(attempts.filter((a) => a.status === 201 && a.trackingCode).length).toBeGreaterThan(10)
    // A request answered after the database came back got through.
    const lateOk = attempts.slice(-LOOPS * 3).filter((a) => a.status === 201)
    expect(lateOk.length).toBeGreaterThan(0)
    await retryAll(s.url, token, point, attempts)
    await expectAuditIntact(s.url)
    expect(s.output()).not.toMatch(/unhandled error/)
    await stopGracefully(s)
    server = null
    const check = new pg.Client({ connectionString: dbUrl })
    await check.connect()
    try {
      await expectExactlyOnce(async (text) => (await check.query(text)).rows, run, attempts)
    } finally {
      await check.end()
    }
  })
})

describe('what counts as the database being unavailable', () => {
  it('takes node-postgres connection failures with and without a SQLSTATE, and nothing else', () => {
    const err = (message: string, code?: string) => Object.assign(new Error(message), code ? { code } : {})
    const unavailable = [
      err('connect ECONNREFUSED 127.0.0.1:5432', 'ECONNREFUSED'),
      err('read ECONNRESET', 'ECONNRESET'),
      err('Connection terminated unexpectedly'),
      err('Client has encountered a connection error and is not queryable'),
      err('timeout exceeded when trying to connect'),
      err('terminating connection due to administrator command', '57P01'),
      err('the database system is shutting down', '57P03'),
      err('connection failure', '08006'),
      err('sorry, too many clients already', '53300'),
      Object.assign(
        new AggregateError([
          err('connect ECONNREFUSED ::1:5432', 'ECONNREFUSED'),
          err('connect ECONNREFUSED 127.0.0.1:5432', 'ECONNREFUSED'),
        ]),
        { code: 'ECONNREFUSED' },
      ),
      new AggregateError([err('connect ECONNREFUSED ::1:5432', 'ECONNREFUSED')]),
    ]
    for (const e of unavailable) expect(isDatabaseUnavailable(e), e.message).toBe(true)
    const others = [
      err('duplicate key', '23505'),
      err('permission denied', '42501'),
      err('boom'),
      err('Connection terminated', 'XX000'),
      new TypeError('x is undefined'),
      null,
      'text',
    ]
    for (const e of others) expect(isDatabaseUnavailable(e), String(e)).toBe(false)
  })
})
