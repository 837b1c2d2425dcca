import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { Writable } from 'node:stream'
import { sql } from 'kysely'
import pino from 'pino'
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest'
import { loadConfig } from '../src/config.js'
import { ManualClock } from '../src/core/clock.js'
import { openDatabase, type Database } from '../src/core/db.js'
import { residentId } from '../src/registry/fake.js'
import { cipherFor } from '../src/core/crypto.js'
import { deliverDueMessages } from '../src/notifications/messages.js'
import { LogTransport } from '../src/notifications/transport.js'
import { buildServer } from '../src/server.js'
import { areaId, backends, call, openTestPlatform, TEST_DATA_KEY, tokenFor, type TestPlatform } from './support.js'

// Personal identifiers never rest in clear: after a day's worth of registry work (registering,
// searching by ID and phone, revealing, importing a file with broken rows, failing validation on
// purpose), neither the database — its files on disk for the embedded backend, every row of every
// table on PostgreSQL — nor the server's log holds an ID number or a phone number in plain text.

const ids = [
  residentId('330106', '1951-04-04', 7),
  residentId('330106', '1983-12-12', 88),
  residentId('330106', '2001-01-31', 120),
]
const phones = ['13812340001', '13912340002', '13712340003', '13612340004']
const secrets = [...ids, ...phones]

interface Rig {
  app: TestPlatform['app']
  database: Database
  logs: string[]
  close: () => Promise<void>
  dataDir: string | null
}

async function rig(backend: 'pglite' | 'postgresql'): Promise<Rig> {
  const logs: string[] = []
  const sink = new Writable({
    write(chunk, _enc, done) {
      logs.push(String(chunk))
      done()
    },
  })
  if (backend === 'postgresql') {
    // The usual test database; its requests are logged at debug level into the sink.
    const p = await openTestPlatform('postgresql')
    await p.app.close()
    const config = loadConfig({
      databaseUrl: p.databaseUrl!,
      port: 0,
      schedulerIntervalMs: 0,
      dataKey: TEST_DATA_KEY,
      loginRatePerMinute: 10_000,
      anonymousIntakeRatePerMinute: 10_000,
    })
    const app = await buildServer(
      { database: p.database, config, clock: p.clock },
      { loggerInstance: pino({ level: 'debug' }, sink) },
    )
    await app.ready()
    return {
      app,
      database: p.database,
      logs,
      dataDir: null,
      close: async () => {
        await app.close()
        await p.close()
      },
    }
  }
  // The embedded database in a real data directory, so its files can be read afterwards.
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'grassroots-privacy-'))
  const database = await openDatabase({ dataDir, loadDataDir: new Blob([await readFile(inject('pgliteTemplate'))]) })
  const config = loadConfig({
    dataDir,
    port: 0,
    schedulerIntervalMs: 0,
    dataKey: TEST_DATA_KEY,
    loginRatePerMinute: 10_000,
    anonymousIntakeRatePerMinute: 10_000,
  })
  const app = await buildServer(
    { database, config, clock: new ManualClock(new Date('2026-11-23T02:00:00Z')) },
    { loggerInstance: pino({ level: 'debug' }, sink) },
  )
  await app.ready()
  return {
    app,
    database,
    logs,
    dataDir,
    close: async () => {
      await app.close()
      await database.close()
    },
  }
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = path.join(dir, f)
    return statSync(p).isDirectory() ? filesUnder(p) : [p]
  })
}

describe.each(backends())('no plaintext ID number or phone at rest or in logs on %s', (backend) => {
  let r: Rig
  beforeAll(async () => {
    r = await rig(backend)
  })
  afterAll(async () => {
    if (r?.dataDir) rmSync(r.dataDir, { recursive: true, force: true })
  })

  it('does a day of registry work', async () => {
    const staff = await tokenFor(r.app, 'guihua.staff')
    const guihua = await areaId({ database: r.database } as never, 'JZ-QH-01-01')
    for (let i = 0; i < 2; i++) {
      const res = await call(r.app, 'POST', '/api/v1/people', {
        token: staff,
        body: {
          areaId: guihua,
          name: `隐私测试${i}`,
          idNumber: ids[i],
          phone: phones[i],
          residenceStatus: 'registered',
        },
      })
      expect(res.status, JSON.stringify(res.body)).toBe(201)
    }
    // A refused ID number and phone must not be echoed into the log either.
    const bad = await call(r.app, 'POST', '/api/v1/people', {
      token: staff,
      body: {
        areaId: guihua,
        name: '坏号码',
        idNumber: ids[2]!.slice(0, 17) + (ids[2]![17] === '1' ? '2' : '1'),
        phone: `1${phones[2]}`,
        residenceStatus: 'registered',
      },
    })
    expect(bad.status).toBe(400)
    const found = await call(r.app, 'POST', '/api/v1/people/search', { token: staff, body: { idNumber: ids[0] } })
    expect(found.body.total).toBe(1)
    expect(
      (await call(r.app, 'POST', '/api/v1/people/search', { token: staff, body: { q: phones[1] } })).body.total,
    ).toBe(1)
    const reveal = await call(r.app, 'POST', `/api/v1/people/${found.body.items[0].id}/reveal`, {
      token: staff,
      body: { fields: ['idNumber', 'phone'], purpose: '隐私测试：核对身份' },
    })
    expect(reveal.body.idNumber).toBe(ids[0])
    // An import whose third row fails (its cells are kept for the error report).
    const csv = `姓名,身份证号,手机号码\n导入一,${ids[2]},${phones[2]}\n导入二,${ids[2]!.slice(0, 17)}0,12\n`
    const up = await r.app.inject({
      method: 'POST',
      url: `/api/v1/imports?areaId=${guihua}&fileName=p.csv`,
      headers: { authorization: `Bearer ${staff}`, 'content-type': 'text/csv' },
      payload: csv,
    })
    expect(up.statusCode).toBe(201)
    const start = await call(r.app, 'POST', `/api/v1/imports/${up.json().id}/start`, { token: staff, body: {} })
    expect(start.status).toBe(202)
    for (let i = 0; i < 200; i++) {
      const job = await call(r.app, 'GET', `/api/v1/imports/${up.json().id}`, { token: staff })
      if (job.body.status === 'done') break
      await new Promise((res) => setTimeout(res, 50))
    }
    const job = await call(r.app, 'GET', `/api/v1/imports/${up.json().id}`, { token: staff })
    expect(job.body).toMatchObject({ status: 'done', inserted: 1 })
    expect(job.body.failed + job.body.unchanged).toBe(1)
    // A resident reports anonymously with a phone; the text message about it is queued and sent.
    const { rows } = await sql<{
      lng: number
      lat: number
    }>`select ST_X(ST_PointOnSurface(boundary)) as lng, ST_Y(ST_PointOnSurface(boundary)) as lat from area where code = 'JZ-QH-01-01-G01'`.execute(
      r.database.db,
    )
    const filed = await call(r.app, 'POST', '/api/v1/cases', {
      body: {
        categoryCode: 'DL-03',
        location: rows[0],
        description: '路灯不亮',
        reporterName: '匿名居民',
        reporterPhone: phones[3],
      },
    })
    expect(filed.status, JSON.stringify(filed.body)).toBe(201)
    const sent: string[] = []
    const transport = new LogTransport((obj, msg) => r.app.log.info(obj, msg))
    const delivered = await deliverDueMessages(
      r.database.db,
      new Date('2026-11-23T02:00:00Z'),
      {
        send: async (m) => {
          sent.push(m.to)
          await transport.send(m)
        },
      },
      cipherFor({ dataKey: TEST_DATA_KEY, dataKeyFile: '', production: false }),
    )
    expect(delivered.sent).toBeGreaterThanOrEqual(1)
    expect(sent).toContain(phones[3])
  })

  it('finds none of them in the database', async () => {
    if (r.dataDir) {
      // Every byte of the data directory after a clean shutdown (WAL included).
      await r.close()
      const files = filesUnder(r.dataDir)
      expect(files.length).toBeGreaterThan(10)
      let canary = false
      for (const f of files) {
        const bytes = readFileSync(f)
        // The scan reads real data: the (not secret) name registered today is on disk.
        canary ||= bytes.includes(Buffer.from('隐私测试0'))
        for (const s of secrets)
          expect(bytes.includes(Buffer.from(s)), `${s} in ${path.relative(r.dataDir, f)}`).toBe(false)
      }
      expect(canary).toBe(true)
      return
    }
    // Every row of every table, as text.
    const { rows: tables } = await sql<{
      name: string
    }>`select quote_ident(tablename) as name from pg_tables where schemaname = 'public'`.execute(r.database.db)
    expect(tables.length).toBeGreaterThan(20)
    const canary = await sql<{
      n: number
    }>`select count(*)::int as n from person x where position('隐私测试0' in x::text) > 0`.execute(r.database.db)
    expect(canary.rows[0]!.n).toBe(1)
    for (const t of tables) {
      const { rows } = await sql<{
        hit: number
      }>`select count(*)::int as hit from ${sql.raw(t.name)} x where ${sql.join(
        secrets.map((s) => sql`position(${s} in x::text) > 0`),
        sql` or `,
      )}`.execute(r.database.db)
      expect(rows[0]!.hit, `plaintext in table ${t.name}`).toBe(0)
    }
    await r.close()
  })

  it('finds none of them in the server log', () => {
    const log = r.logs.join('')
    expect(log).toContain('/api/v1/people/search')
    for (const s of secrets) expect(log.includes(s), `${s} in the log`).toBe(false)
  })
})
