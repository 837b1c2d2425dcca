import { spawn, type ChildProcess } from 'node:child_process'
import { rmSync } from 'node:fs'
import path from 'node:path'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { findPgBin, freePort, postgresTempDir, runAsPostgres } from '../bench/lib/cluster.js'
import { TEST_DATA_KEY } from './keys.js'
import { backends } from './support.js'

// A primary and a hot standby fed by streaming replication, both on this machine, and the server
// pointed at them with DATABASE_URL and DATABASE_READ_URL: statistics and the public Open311
// list are read from the standby, everything else from the primary. Pausing the standby's replay
// shows which one answered.

const bin = findPgBin()
const enabled = backends().includes('postgresql') && bin !== null

describe.runIf(enabled)('a read replica for statistics', () => {
  const dir = enabled ? postgresTempDir('grassroots-replica-') : ''
  const pgctl = (data: string, ...args: string[]) =>
    runAsPostgres(path.join(bin!, 'pg_ctl'), ['-D', path.join(dir, data), ...args])
  let primaryUrl = ''
  let standbyUrl = ''
  let server: ChildProcess | null = null
  let output = ''
  let base = ''
  let token = ''
  let standby: pg.Client
  let standbyOptions = ''
  let point = { lng: 0, lat: 0 }

  beforeAll(async () => {
    const [primaryPort, standbyPort, serverPort] = [await freePort(), await freePort(), await freePort()]
    await runAsPostgres(path.join(bin!, 'initdb'), [
      '-D',
      path.join(dir, 'primary'),
      '-U',
      'postgres',
      '--auth=trust',
      '-E',
      'UTF8',
      '--locale=C.UTF-8',
    ])
    const common = `-k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`
    standbyOptions = `-p ${standbyPort} ${common} -c hot_standby=on`
    await pgctl(
      'primary',
      '-l',
      path.join(dir, 'primary.log'),
      '-w',
      '-o',
      `-p ${primaryPort} ${common} -c wal_level=replica -c max_wal_senders=4`,
      'start',
    )
    // The standby: a base backup of the primary that keeps streaming from it (-R writes the
    // connection and standby.signal), started read-only.
    await runAsPostgres(path.join(bin!, 'pg_basebackup'), [
      '-h',
      '127.0.0.1',
      '-p',
      String(primaryPort),
      '-U',
      'postgres',
      '-D',
      path.join(dir, 'standby'),
      '-R',
      '-X',
      'stream',
    ])
    await pgctl('standby', '-l', path.join(dir, 'standby.log'), '-w', '-o', standbyOptions, 'start')
    const admin = new pg.Client({ connectionString: `postgres://postgres@127.0.0.1:${primaryPort}/postgres` })
    await admin.connect()
    await admin.query('create database grassroots')
    await admin.end()
    primaryUrl = `postgres://postgres@127.0.0.1:${primaryPort}/grassroots`
    standbyUrl = `postgres://postgres@127.0.0.1:${standbyPort}/grassroots`

    base = `http://127.0.0.1:${serverPort}`
    const env = {
      ...process.env,
      DATABASE_URL: primaryUrl,
      DATABASE_READ_URL: standbyUrl,
      PORT: String(serverPort),
      LOG_LEVEL: 'warn',
      NODE_ENV: 'development',
      SCHEDULER_INTERVAL_MS: '0',
      GRASSROOTS_DATA_KEY: TEST_DATA_KEY,
    }
    // The database is created on the primary; the standby has it once replay catches up.
    for (let i = 0; i < 50; i++) {
      const probe = new pg.Client({ connectionString: standbyUrl })
      const ok = await probe.connect().then(
        () => true,
        () => false,
      )
      await probe.end().catch(() => {})
      if (ok) break
      await new Promise((r) => setTimeout(r, 200))
    }
    server = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'serve'], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    server.stdout!.on('data', (d) => (output += d))
    server.stderr!.on('data', (d) => (output += d))
    for (let i = 0; i < 240; i++) {
      if (
        await fetch(`${base}/healthz`).then(
          (r) => r.ok,
          () => false,
        )
      )
        break
      if (i === 239) throw new Error(`server did not start:\n${output}`)
      await new Promise((r) => setTimeout(r, 250))
    }
    const login = await fetch(`${base}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password: 'grassroots-demo' }),
    }).then((r) => r.json() as Promise<{ token: string }>)
    token = login.token
    standby = new pg.Client({ connectionString: standbyUrl })
    standby.on('error', () => {}) // the second test stops the standby under it
    await standby.connect()
    const { rows } = await standby.query(
      `select st_x(p) as lng, st_y(p) as lat from (select st_pointonsurface(boundary) as p from area where level = 'grid' order by id limit 1) g`,
    )
    point = rows[0]
  }, 180_000)

  afterAll(async () => {
    server?.kill('SIGKILL')
    await pgctl('standby', '-m', 'immediate', '-w', 'stop').catch(() => {})
    await pgctl('primary', '-m', 'immediate', '-w', 'stop').catch(() => {})
    rmSync(dir, { recursive: true, force: true })
  })

  const api = async (method: string, url: string, body?: unknown) => {
    const res = await fetch(`${base}${url}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    })
    return { status: res.status, body: (await res.json()) as any }
  }
  const filedToday = async () => {
    const day = new Date().toISOString().slice(0, 10)
    const res = await api(
      'GET',
      `/api/v1/stats/cases?from=${day}T00:00:00Z&to=${new Date(Date.now() + 86_400_000).toISOString().slice(0, 10)}T00:00:00Z`,
    )
    expect(res.status).toBe(200)
    return res.body.totals.total as number
  }
  const listed = async (trackingCode: string) => {
    const res = await fetch(`${base}/open311/v2/requests.json?service_request_id=${trackingCode}`)
    expect(res.status).toBe(200)
    return ((await res.json()) as unknown[]).length
  }
  const report = (description: string) =>
    api('POST', '/api/v1/cases', { categoryCode: 'DL-03', location: point, description })

  it('reads statistics and the Open311 list from the standby, and writes to the primary', async () => {
    expect((await standby.query('select pg_is_in_recovery() as r')).rows[0].r).toBe(true)
    const before = await filedToday()
    await standby.query('select pg_wal_replay_pause()')
    const filed = await report('路灯不亮（复制测试）')
    expect(filed.status).toBe(201)
    // The primary has the case (its detail is read there); the paused standby, which answers the
    // statistics and the Open311 list, does not yet.
    expect((await api('GET', `/api/v1/cases/${filed.body.id}`)).status).toBe(200)
    expect(await filedToday()).toBe(before)
    expect(await listed(filed.body.trackingCode)).toBe(0)
    await standby.query('select pg_wal_replay_resume()')
    let after = before
    for (let i = 0; i < 50 && after === before; i++) {
      await new Promise((r) => setTimeout(r, 100))
      after = await filedToday()
    }
    expect(after).toBe(before + 1)
    expect(await listed(filed.body.trackingCode)).toBe(1)
  })

  it('answers 503 for statistics while the standby is down, and goes on filing cases', async () => {
    await standby.end()
    await pgctl('standby', '-m', 'fast', '-w', 'stop')
    const stats = await api('GET', '/api/v1/stats/cases')
    expect(stats.status).toBe(503)
    expect(stats.body.error.code).toBe('DATABASE_UNAVAILABLE')
    expect((await report('路灯不亮（备库停机）')).status).toBe(201)
    await pgctl('standby', '-l', path.join(dir, 'standby.log'), '-w', '-o', standbyOptions, 'start')
    for (let i = 0; i < 50; i++) {
      if ((await api('GET', '/api/v1/stats/cases')).status === 200) return
      await new Promise((r) => setTimeout(r, 200))
    }
    throw new Error('statistics did not come back with the standby')
  })
})
