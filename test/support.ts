import { randomBytes } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import type { FastifyInstance, InjectOptions } from 'fastify'
import pg from 'pg'
import { inject } from 'vitest'
import { loadConfig, type Config } from '../src/config.js'
import { openDatabase, type Backend, type Database } from '../src/core/db.js'
import type { Platform } from '../src/core/platform.js'
import { ManualClock } from '../src/core/clock.js'
import { buildServer } from '../src/server.js'

export const DEMO_PASSWORD = 'grassroots-demo'
import { TEST_DATA_KEY } from './keys.js'

export { TEST_DATA_KEY }

/** The backends this run can test: always the embedded one, PostgreSQL when a server is available. */
export function backends(): Backend[] {
  return inject('pgAdminUrl') ? ['pglite', 'postgresql'] : ['pglite']
}

/**
 * Arguments for `spawn(process.execPath, [...cliArgs(), 'serve'])`: the CLI prebuilt once per run
 * by the global setup (test/global-setup.ts), with source maps so stack traces name src/ files.
 * Starting `src/cli.ts` through tsx instead costs seconds of compiling and loading per process.
 */
export function cliArgs(): string[] {
  return ['--enable-source-maps', inject('cliBundle')]
}

export interface TestPlatform extends Platform {
  clock: ManualClock
  app: FastifyInstance
  /** The PostgreSQL URL of this test's own database (postgresql backend only). */
  databaseUrl: string | null
  close(): Promise<void>
}

/** A fresh database with the demo city (from the template) and a server on top of it. */
export async function openTestPlatform(
  backend: Backend,
  startAt = '2026-11-23T02:00:00Z',
  overrides: Partial<Config> = {},
): Promise<TestPlatform> {
  let database: Database
  let databaseUrl: string | null = null
  let dropDatabase = async () => {}
  if (backend === 'pglite') {
    const dump = await readFile(inject('pgliteTemplate'))
    database = await openDatabase({ loadDataDir: new Blob([dump]) })
  } else {
    const adminUrl = inject('pgAdminUrl')!
    const name = `grassroots_test_${randomBytes(6).toString('hex')}`
    const admin = new pg.Client({ connectionString: adminUrl })
    await admin.connect()
    await admin.query(`create database "${name}" template "${inject('pgTemplateDb')}"`)
    await admin.end()
    const url = new URL(adminUrl)
    url.pathname = `/${name}`
    databaseUrl = url.toString()
    database = await openDatabase({ databaseUrl, poolSize: 8 })
    dropDatabase = async () => {
      const c = new pg.Client({ connectionString: adminUrl })
      await c.connect()
      await c.query(`drop database if exists "${name}" with (force)`)
      await c.end()
    }
  }
  // Suites sign in many accounts from one address; the rate limits have their own test.
  const config = loadConfig({
    databaseUrl: databaseUrl ?? undefined,
    port: 0,
    schedulerIntervalMs: 0,
    loginRatePerMinute: 10_000,
    anonymousIntakeRatePerMinute: 10_000,
    apiKeyRatePerMinute: 10_000,
    verificationCodesPerHour: 10_000,
    dataKey: TEST_DATA_KEY,
    ...overrides,
  })
  // A clock the test moves, so deadlines and escalations are proven without waiting.
  const clock = new ManualClock(new Date(startAt))
  const platform = { database, config, clock }
  const app = await buildServer(platform)
  await app.ready()
  return {
    ...platform,
    app,
    databaseUrl,
    close: async () => {
      await app.close()
      await database.close()
      await dropDatabase()
    },
  }
}

export interface Call {
  status: number
  body: any
  headers: Record<string, unknown>
}

/** A small HTTP client over app.inject, signed in as `token` when given. */
export async function call(
  app: FastifyInstance,
  method: InjectOptions['method'],
  url: string,
  opts: { token?: string | null; body?: unknown; headers?: Record<string, string>; raw?: string } = {},
): Promise<Call> {
  const res = await app.inject({
    method,
    url,
    headers: {
      ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}),
      ...(opts.body !== undefined || opts.raw !== undefined ? { 'content-type': 'application/json' } : {}),
      ...opts.headers,
    },
    ...(opts.raw !== undefined
      ? { payload: opts.raw }
      : opts.body !== undefined
        ? { payload: JSON.stringify(opts.body) }
        : {}),
  })
  let body: unknown = null
  try {
    body = res.body ? JSON.parse(res.body) : null
  } catch {
    body = res.body
  }
  return { status: res.statusCode, body, headers: res.headers }
}

const tokens = new WeakMap<FastifyInstance, Map<string, string>>()

/** Signs in a demo account once per server and returns its bearer token. */
export async function tokenFor(app: FastifyInstance, username: string): Promise<string> {
  const cache = tokens.get(app) ?? new Map<string, string>()
  tokens.set(app, cache)
  const hit = cache.get(username)
  if (hit) return hit
  const res = await call(app, 'POST', '/api/v1/auth/login', { body: { username, password: DEMO_PASSWORD } })
  if (res.status !== 200) throw new Error(`login ${username}: ${res.status} ${JSON.stringify(res.body)}`)
  cache.set(username, res.body.token)
  return res.body.token
}

/** Id of the demo area with this code. */
export async function areaId(p: Platform, code: string): Promise<number> {
  const row = await p.database.db.selectFrom('area').select('id').where('code', '=', code).executeTakeFirstOrThrow()
  return row.id
}

export const square = (lng: number, lat: number, size = 0.001) => ({
  type: 'Polygon' as const,
  coordinates: [
    [
      [lng, lat],
      [lng + size, lat],
      [lng + size, lat + size],
      [lng, lat + size],
      [lng, lat],
    ],
  ],
})
