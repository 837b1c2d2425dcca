import { spawn, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { sql } from 'kysely'
import pg from 'pg'
import { afterAll, describe, expect, inject, it } from 'vitest'
import { freePort } from '../bench/lib/cluster.js'
import { fieldCipher } from '../src/core/crypto.js'
import { openDatabase, type Database } from '../src/core/db.js'
import { generateResidents } from '../src/emergency/alerts-demo.js'
import { TEST_DATA_KEY } from './keys.js'
import { cliArgs } from './support.js'

// An alert to more than 2,000 residents, its server process killed with SIGKILL while sending
// (some messages handed to the logging transport, not all) three times, started again on the same data:
// when the alert is done, every resident with a phone got exactly one distinct messageId in the
// transport's log (a message handed over twice — only possible between the send and its mark —
// carries the same id, which the provider drops), every resident has exactly one recipient row,
// marked sent, and every account holder exactly one inbox notification.

const RESIDENTS = 2400
const RATE = 250
const DEMO_PASSWORD = 'grassroots-demo'
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

const running = new Set<ChildProcess>()
afterAll(() => {
  for (const child of running) process.kill(-child.pid!, 'SIGKILL')
})

interface Server {
  child: ChildProcess
  url: string
  output: () => string
  exited: Promise<number | null>
}

async function startServer(env: Record<string, string>, port: number): Promise<Server> {
  let output = ''
  const child = spawn(process.execPath, [...cliArgs(), 'serve'], {
    env: {
      ...process.env,
      PORT: String(port),
      LOG_LEVEL: 'warn',
      NODE_ENV: 'development',
      GRASSROOTS_DATA_KEY: TEST_DATA_KEY,
      SCHEDULER_INTERVAL_MS: '300',
      ALERT_RATE_PER_SECOND: String(RATE),
      // A killed worker's claims come due again soon (production: a minute).
      ALERT_LEASE_MS: '1500',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  })
  child.stdout!.on('data', (d) => (output += d))
  child.stderr!.on('data', (d) => (output += d))
  running.add(child)
  let gone = false
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  void exited.then(() => {
    gone = true
    running.delete(child)
  })
  const url = `http://127.0.0.1:${port}`
  for (let i = 0; i < 240 && !gone; i++) {
    if (
      await fetch(`${url}/healthz`).then(
        (r) => r.ok,
        () => false,
      )
    )
      return { child, url, output: () => output, exited }
    await sleep(250)
  }
  if (!gone) process.kill(-child.pid!, 'SIGKILL')
  throw new Error(`server did not start:\n${output}`)
}

async function api(url: string, method: string, route: string, token: string | null, body?: unknown) {
  const res = await fetch(`${url}${route}`, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body ? { 'content-type': 'application/json' } : {}),
    },
    body: body ? JSON.stringify(body) : undefined,
  })
  return { status: res.status, body: await res.json().catch(() => null) }
}

async function signIn(url: string, username: string) {
  const r = await api(url, 'POST', '/api/v1/auth/login', null, { username, password: DEMO_PASSWORD })
  if (r.status !== 200) throw new Error(`login ${username}: ${r.status}`)
  return r.body.token as string
}

/** messageIds in the transport's log, in order (duplicates kept). */
function loggedIds(file: string): string[] {
  if (!existsSync(file)) return []
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.includes('"incident.alert"'))
    .map((l) => {
      try {
        return JSON.parse(l).messageId as string
      } catch {
        return '' // a line cut by the kill (the write is one call; this should not happen)
      }
    })
}

/** An incident over 桂花's G01, with RESIDENTS more people generated there (owner rights, before the server starts). */
async function prepare(database: Database) {
  const db = database.db
  const { rows } = await sql<{ id: number; community: number; district: number; leader: number }>`
    select g.id, c.id as community, d.id as district, u.id as leader
    from area g join area c on c.code = 'JZ-QH-01-01' join area d on d.code = 'JZ-QH' join app_user u on u.username = 'guihua.leader'
    where g.code = 'JZ-QH-01-01-G01'`.execute(db)
  const { id: grid, community, district, leader } = rows[0]!
  await generateResidents(db, fieldCipher(Buffer.from(TEST_DATA_KEY, 'base64')), [grid], RESIDENTS)
  const now = new Date().toISOString()
  await sql`
    insert into incident (reference, area_id, district_id, kind, level, title, description, commander_id, status,
                          check_tags, declared_by, declared_at, updated_at)
    values ('YJ-CRASH-1', ${community}, ${district}, 'flood', 2, '内涝：桂花社区低洼处积水', '崩溃测试。', ${leader}, 'active',
            array['elderly_alone'], ${leader}, ${now}::timestamptz, ${now}::timestamptz)`.execute(db)
  const inc = await sql<{ id: number }>`select id from incident where reference = 'YJ-CRASH-1'`.execute(db)
  const incident = Number(inc.rows[0]!.id)
  await sql`insert into incident_grid (incident_id, area_id) values (${incident}, ${grid})`.execute(db)
  const people = await sql<{ n: number; phones: number }>`select count(*)::int as n,
      (count(*) filter (where phone_enc is not null))::int as phones
    from person where area_id = ${grid} and status = 'active'`.execute(db)
  return { incident, people: people.rows[0]! }
}

/** The alert sent through a kill -9 in the middle; returns what the log holds and the alert id. */
async function sendThroughAKill(env: Record<string, string>, incident: number, logFile: string, phones: number) {
  const port = await freePort()
  let server = await startServer({ ...env, MESSAGE_LOG_FILE: logFile }, port)
  const staff = await signIn(server.url, 'guihua.staff')
  const queued = await api(server.url, 'POST', `/api/v1/incidents/${incident}/alerts`, staff, {
    template: 'evacuate',
    noteZh: '请到桂花小学体育馆避险。',
  })
  expect(queued.status, JSON.stringify(queued.body)).toBe(202)
  const alertId = queued.body.id as number
  // Killed three times while sending, each time once a few hundred more are out, at a random
  // moment after that (sometimes between a batch's sends and its mark), well before all are.
  let before = 0
  for (const threshold of [400, 800, 1100]) {
    const until = Date.now() + 60_000
    while (loggedIds(logFile).length < threshold && Date.now() < until) await sleep(20)
    await sleep(Math.random() * 150)
    const n = loggedIds(logFile).length
    expect(n).toBeGreaterThanOrEqual(threshold)
    // Mid-send: not everyone has been handed over yet.
    expect(new Set(loggedIds(logFile)).size).toBeLessThan(phones)
    before ||= n
    process.kill(-server.child.pid!, 'SIGKILL')
    await server.exited
    server = await startServer({ ...env, MESSAGE_LOG_FILE: logFile }, port)
  }
  const token = await signIn(server.url, 'guihua.staff')
  let detail: { status: number; body: any } = { status: 0, body: null }
  const deadline = Date.now() + 90_000
  while (Date.now() < deadline) {
    detail = await api(server.url, 'GET', `/api/v1/incidents/${incident}/alerts/${alertId}`, token)
    if (detail.body?.status === 'done') break
    await sleep(500)
  }
  expect(detail.body?.status, server.output()).toBe('done')
  server.child.kill('SIGTERM')
  await Promise.race([server.exited, sleep(20_000)])
  return { alertId, before, detail: detail.body }
}

async function expectExactlyOnce(
  query: <T>(text: string) => Promise<T[]>,
  alertId: number,
  people: { n: number; phones: number },
  logFile: string,
  before: number,
  backend: string,
) {
  const ids = loggedIds(logFile)
  const distinct = new Set(ids)
  const recipients = await query<{ person_id: string; status: string; sms: boolean; user_id: number | null }>(
    `select person_id::text, status, sms, user_id from incident_alert_recipient where alert_id = ${alertId}`,
  )
  // One recipient row per resident, every one with a channel marked sent.
  expect(recipients).toHaveLength(people.n)
  expect(new Set(recipients.map((r) => r.person_id)).size).toBe(people.n)
  expect(recipients.filter((r) => r.sms)).toHaveLength(people.phones)
  expect(recipients.filter((r) => r.status !== 'sent' && r.status !== 'unreachable')).toEqual([])
  // Every resident with a phone: exactly one distinct messageId, and only theirs.
  const expected = new Set(recipients.filter((r) => r.sms).map((r) => `alert-${alertId}-${r.person_id}`))
  expect(distinct.size).toBe(expected.size)
  for (const id of distinct) expect(expected.has(id), id).toBe(true)
  // Handed over again only in a kill's window between sends and their mark: at most one claimed
  // batch (200) per kill, never the whole alert twice.
  expect(ids.length - distinct.size).toBeLessThanOrEqual(3 * 200)
  // Inbox: one notification per account holder.
  const inbox = await query<{ recipient: string; n: number }>(
    `select params->>'recipientId' as recipient, count(*)::int as n from notification
     where kind = 'incident_alert' and (params->>'recipientId')::bigint in
       (select id from incident_alert_recipient where alert_id = ${alertId}) group by 1`,
  )
  expect(inbox.filter((r) => Number(r.n) !== 1)).toEqual([])
  expect(inbox).toHaveLength(recipients.filter((r) => r.user_id !== null).length)
  console.log(
    `[alert crash ${backend}] ${people.n} residents, ${people.phones} phones; ${before} logged before the first of three kills, ${ids.length} lines in all, ${ids.length - distinct.size} handed over twice with the same messageId`,
  )
}

describe('SIGKILL while sending an alert, on the embedded database', () => {
  let dir: string
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true })
  })

  it('every resident gets exactly one message', { timeout: 240_000 }, async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'grassroots-alert-crash-'))
    const dataDir = path.join(dir, 'data')
    const database = await openDatabase({ dataDir, loadDataDir: new Blob([await readFile(inject('pgliteTemplate'))]) })
    const { incident, people } = await prepare(database)
    await database.close()
    const logFile = path.join(dir, 'messages.log')
    const { alertId, before } = await sendThroughAKill({ DATA_DIR: dataDir }, incident, logFile, people.phones)
    const after = await openDatabase({ dataDir })
    try {
      await expectExactlyOnce(
        async (text) => (await sql.raw<any>(text).execute(after.db)).rows,
        alertId,
        people,
        logFile,
        before,
        'pglite',
      )
    } finally {
      await after.close()
    }
  })
})

describe.skipIf(!inject('pgAdminUrl'))('SIGKILL while sending an alert, on PostgreSQL', () => {
  let dir: string
  let drop = async () => {}
  afterAll(async () => {
    await drop()
    if (dir) rmSync(dir, { recursive: true, force: true })
  })

  it('every resident gets exactly one message', { timeout: 240_000 }, async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'grassroots-alert-crash-'))
    const adminUrl = inject('pgAdminUrl')!
    const name = `grassroots_alertcrash_${randomBytes(6).toString('hex')}`
    const admin = new pg.Client({ connectionString: adminUrl })
    await admin.connect()
    await admin.query(`create database "${name}" template "${inject('pgTemplateDb')}"`)
    await admin.end()
    drop = async () => {
      const c = new pg.Client({ connectionString: adminUrl })
      await c.connect()
      await c.query(`drop database if exists "${name}" with (force)`)
      await c.end()
    }
    const url = new URL(adminUrl)
    url.pathname = `/${name}`
    const database = await openDatabase({ databaseUrl: url.toString() })
    try {
      const { incident, people } = await prepare(database)
      const logFile = path.join(dir, 'messages.log')
      const { alertId, before } = await sendThroughAKill(
        { DATABASE_URL: url.toString() },
        incident,
        logFile,
        people.phones,
      )
      await expectExactlyOnce(
        async (text) => (await sql.raw<any>(text).execute(database.db)).rows,
        alertId,
        people,
        logFile,
        before,
        'postgresql',
      )
    } finally {
      await database.close()
    }
  })
})
