/**
 * Soak test: a server process under a moderate mixed load on loopback, its memory watched.
 *
 *   npm run soak                         10 minutes on a fresh embedded database
 *   SOAK_MINUTES=0.5 npm run soak        a quick check
 *   DATABASE_URL=postgres://… npm run soak   against PostgreSQL (a database with the demo city, or an empty one it seeds)
 *
 * Settings (environment): SOAK_MINUTES (10), SOAK_RATE requests per second in all (20),
 * SOAK_CONCURRENCY parallel clients (4), SOAK_SAMPLE_SECONDS (10; shorter runs sample 15 times),
 * SOAK_DATA_DIR an embedded data directory to use instead of a fresh temporary one,
 * SOAK_JUDGE_MEMORY=0 to skip the memory verdict (the quick variant in CI).
 *
 * The load mixes intake (with and without a photo), case lists, case details, workflow actions
 * that walk the filed cases through the closed loop, public tracking pages and the map, the
 * catalogue, notifications, statistics and the health check. Every sample prints the server's
 * RSS, the requests and the answers by status since the previous sample. Verdict: RSS levelled
 * off when its mean over the last third of the samples exceeds that over the middle third by less
 * than 10% of the mean over the first third (means, because the garbage collector saws RSS up and
 * down by tens of MB). Exit code 1 on any 5xx, a failed request, a dead server, or RSS still growing.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const num = (name: string, fallback: number) => {
  const v = Number(process.env[name] || fallback)
  if (!Number.isFinite(v) || v < 0) throw new Error(`${name} must be a non-negative number`)
  return v
}
const MINUTES = num('SOAK_MINUTES', 10)
const RATE = num('SOAK_RATE', 20)
const CONCURRENCY = Math.max(1, Math.round(num('SOAK_CONCURRENCY', 4)))
const DURATION_MS = MINUTES * 60_000
const SAMPLE_MS = process.env.SOAK_SAMPLE_SECONDS
  ? num('SOAK_SAMPLE_SECONDS', 10) * 1000
  : Math.min(10_000, Math.max(1000, DURATION_MS / 15))
const PASSWORD = 'grassroots-demo'
// A 1×1 PNG: the smallest photo the intake accepts.
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
  'base64',
)

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

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

/** Resident set size of a process in bytes (Linux /proc, else ps). */
function rssOf(pid: number): number | null {
  try {
    const m = readFileSync(`/proc/${pid}/status`, 'utf8').match(/^VmRSS:\s+(\d+) kB/m)
    if (m) return Number(m[1]) * 1024
  } catch {
    // not Linux, or gone
  }
  return null
}

// ── the server ─────────────────────────────────────────────────────────────────────────────

let server: ChildProcess | null = null
let output = ''
let tempDir: string | null = null

async function startServer(port: number): Promise<string> {
  const env: Record<string, string> = {
    ...(process.env as Record<string, string>),
    PORT: String(port),
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    NODE_ENV: 'development',
  }
  if (!env.DATABASE_URL) {
    tempDir = process.env.SOAK_DATA_DIR ? null : mkdtempSync(path.join(os.tmpdir(), 'grassroots-soak-'))
    env.DATA_DIR = process.env.SOAK_DATA_DIR || tempDir!
  }
  // node itself with tsx as its loader: the pid sampled is the server's own.
  server = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'serve'], {
    cwd: root,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  server.stdout!.on('data', (d) => (output += d))
  server.stderr!.on('data', (d) => (output += d))
  const url = `http://127.0.0.1:${port}`
  // A fresh embedded database installs PostGIS and seeds the demo city first.
  for (let i = 0; i < 600 && server.exitCode === null; i++) {
    if (
      await fetch(`${url}/healthz`).then(
        (r) => r.ok,
        () => false,
      )
    )
      return url
    await sleep(250)
  }
  throw new Error(`the server did not start:\n${output}`)
}

async function stopServer(): Promise<number | null> {
  if (!server || server.exitCode !== null) return server?.exitCode ?? null
  const exited = new Promise<number | null>((r) => server!.once('exit', (code) => r(code)))
  server.kill('SIGTERM')
  const code = await Promise.race([exited, sleep(30_000).then(() => 'timeout' as const)])
  if (code === 'timeout') {
    server.kill('SIGKILL')
    return null
  }
  return code
}

// ── the load ───────────────────────────────────────────────────────────────────────────────

interface Window {
  since: number
  requests: number
  byStatus: Map<string, number>
  latencies: number[]
}
const newWindow = (): Window => ({ since: Date.now(), requests: 0, byStatus: new Map(), latencies: [] })
let window = newWindow()
const total = {
  requests: 0,
  byStatus: new Map<string, number>(),
  fiveXX: [] as string[],
  notOk: new Map<string, number>(),
}

function count(label: string, status: string, ms: number) {
  window.requests++
  total.requests++
  window.latencies.push(ms)
  window.byStatus.set(status, (window.byStatus.get(status) ?? 0) + 1)
  total.byStatus.set(status, (total.byStatus.get(status) ?? 0) + 1)
  if (status === 'failed' || status.startsWith('5')) total.fiveXX.push(`${label} → ${status}`)
  if (!status.startsWith('2'))
    total.notOk.set(`${label} → ${status}`, (total.notOk.get(`${label} → ${status}`) ?? 0) + 1)
}

let base = ''
const tokens: Record<string, string> = {}

async function request(
  label: string,
  method: string,
  url: string,
  opts: { as?: string; body?: unknown; raw?: Buffer; headers?: Record<string, string> } = {},
): Promise<{ status: number; body: any }> {
  const started = performance.now()
  try {
    const res = await fetch(`${base}${url}`, {
      method,
      headers: {
        ...(opts.as ? { authorization: `Bearer ${tokens[opts.as]}` } : {}),
        ...(opts.body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...(opts.raw ? { 'content-type': 'image/png' } : {}),
        ...opts.headers,
      },
      body: opts.raw ? new Uint8Array(opts.raw) : opts.body !== undefined ? JSON.stringify(opts.body) : null,
      signal: AbortSignal.timeout(30_000),
    })
    const text = await res.text()
    count(label, String(res.status), performance.now() - started)
    let body: any = text
    try {
      body = JSON.parse(text)
    } catch {
      // not JSON (the web app's shell)
    }
    return { status: res.status, body }
  } catch (err) {
    count(label, 'failed', performance.now() - started)
    return { status: 0, body: String((err as Error).cause ?? err) }
  }
}

interface OpenCase {
  id: number
  trackingCode: string
  state: string
  department: string | null
}
const open: OpenCase[] = []
const known: OpenCase[] = []
let point = { lng: 0, lat: 0 }
let seq = 0
let filed = 0
let closed = 0
const run = randomBytes(3).toString('hex')

async function intake() {
  const i = seq++
  const withPhoto = i % 2 === 0
  let photos: string[] | undefined
  if (withPhoto) {
    const up = await request('upload photo', 'POST', '/api/v1/photos', { as: 'guihua.staff', raw: PNG })
    if (up.status !== 201) return
    photos = [up.body.token]
  }
  const body = {
    categoryCode: withPhoto ? 'SR-05' : 'DL-03',
    location: { lng: point.lng + ((i % 7) - 3) * 1e-6, lat: point.lat + ((i % 5) - 2) * 1e-6 },
    description: `soak ${run} #${i} ${withPhoto ? '电线杆上贴满小广告' : '路灯不亮'}`,
    ...(photos ? { photos } : {}),
  }
  const r = await request('file case', 'POST', '/api/v1/cases', {
    as: 'guihua.staff',
    body,
    headers: { 'idempotency-key': `soak-${run}-${i}` },
  })
  if (r.status === 201) {
    const c: OpenCase = {
      id: r.body.id as number,
      trackingCode: r.body.trackingCode as string,
      state: 'submitted',
      department: null,
    }
    filed++
    open.push(c)
    known.push(c)
    if (known.length > 500) known.shift()
  }
}

// The happy path of the closed loop: who takes the next step from each state. Street lamps
// (DL-03) go to the district's city management bureau, whose handler is qh.handler; posters
// (SR-05) to the Donghu street team of guihua.handler.
const HANDLERS: Record<string, string> = { 'QH-CG': 'qh.handler' }
const handlerOf = (c: OpenCase) => HANDLERS[c.department ?? ''] ?? 'guihua.handler'
const nextStep: Record<string, { as: (c: OpenCase) => string; body: Record<string, unknown> }> = {
  submitted: { as: () => 'guihua.staff', body: { action: 'accept' } },
  accepted: { as: () => 'guihua.staff', body: { action: 'dispatch' } },
  dispatched: { as: handlerOf, body: { action: 'department_accept' } },
  in_progress: { as: handlerOf, body: { action: 'reply', result: '已处理完毕' } },
  replied: { as: () => 'guihua.grid', body: { action: 'verify_pass' } },
  verified: { as: () => 'guihua.staff', body: { action: 'close' } },
}

async function act() {
  // Taken out of the pool while acted on, so two clients never race on one case.
  const c = open.splice(Math.floor(Math.random() * open.length), 1)[0]
  if (!c) return intake()
  const step = nextStep[c.state]
  if (!step) return
  const r = await request(`action ${step.body.action}`, 'POST', `/api/v1/cases/${c.id}/actions`, {
    as: step.as(c),
    body: step.body,
  })
  if (r.status === 200) {
    c.state = r.body.state
    c.department = r.body.department?.code ?? c.department
    if (nextStep[c.state]) open.push(c)
    if (c.state === 'closed') closed++
  }
  // A step this demo account may not take (a department it does not belong to) ends the walk.
}

const pick = <T>(xs: T[]): T | undefined => xs[Math.floor(Math.random() * xs.length)]

const mix: [number, () => Promise<unknown>][] = [
  [10, intake],
  [30, act],
  [
    12,
    () =>
      request('list cases', 'GET', `/api/v1/cases?pageSize=20&page=${1 + Math.floor(Math.random() * 3)}`, {
        as: 'guihua.staff',
      }),
  ],
  [
    4,
    () =>
      request('list open cases', 'GET', '/api/v1/cases?state=submitted&state=dispatched&pageSize=50', {
        as: 'guihua.leader',
      }),
  ],
  [
    12,
    () => {
      const c = pick(known)
      return c ? request('case detail', 'GET', `/api/v1/cases/${c.id}`, { as: 'guihua.staff' }) : intake()
    },
  ],
  [
    10,
    () => {
      const c = pick(known)
      return c ? request('public case', 'GET', `/api/v1/public/cases/${c.trackingCode}`) : intake()
    },
  ],
  [5, () => request('public map', 'GET', '/api/v1/public/map?days=7')],
  [4, () => request('categories', 'GET', '/api/v1/categories')],
  [6, () => request('notifications', 'GET', '/api/v1/notifications?pageSize=20', { as: 'guihua.handler' })],
  [6, () => request('stats', 'GET', '/api/v1/stats/cases', { as: 'guihua.leader' })],
  [3, () => request('stats by category', 'GET', '/api/v1/stats/cases?groupBy=category', { as: 'guihua.leader' })],
  [2, () => request('web app', 'GET', '/')],
  [1, () => request('health', 'GET', '/healthz')],
]
const weightSum = mix.reduce((s, [w]) => s + w, 0)
function chooseOp(): () => Promise<unknown> {
  let r = Math.random() * weightSum
  for (const [w, op] of mix) {
    r -= w
    if (r < 0) return op
  }
  return mix[0]![1]
}

// ── the run ────────────────────────────────────────────────────────────────────────────────

interface Sample {
  t: number
  seconds: number
  rss: number
  requests: number
  byStatus: Map<string, number>
  p95: number
}

const mb = (bytes: number) => (bytes / 1024 / 1024).toFixed(1)
const pad = (s: string | number, n: number) => String(s).padStart(n)

function printSample(s: Sample) {
  const statuses = [...s.byStatus]
    .sort()
    .map(([k, v]) => `${k}:${v}`)
    .join(' ')
  console.log(
    `${pad((s.t / 1000).toFixed(0), 6)} s ${pad(mb(s.rss), 9)} MB ${pad(s.requests, 9)} ${pad((s.seconds ? s.requests / s.seconds : 0).toFixed(1), 7)} ${pad(s.p95.toFixed(0), 7)}   ${statuses}`,
  )
}

/** Least-squares slope of RSS over time, bytes per millisecond. */
function slope(points: Sample[]): number {
  const n = points.length
  if (n < 2) return 0
  const mt = points.reduce((a, p) => a + p.t, 0) / n
  const mr = points.reduce((a, p) => a + p.rss, 0) / n
  const num = points.reduce((a, p) => a + (p.t - mt) * (p.rss - mr), 0)
  const den = points.reduce((a, p) => a + (p.t - mt) ** 2, 0)
  return den ? num / den : 0
}

async function main(): Promise<number> {
  const port = await freePort()
  console.log(
    `soak: ${MINUTES} min, ${RATE} requests/s from ${CONCURRENCY} clients, RSS every ${SAMPLE_MS / 1000} s, ${process.env.DATABASE_URL ? 'PostgreSQL' : 'embedded database'}`,
  )
  const t0 = Date.now()
  base = await startServer(port)
  console.log(`server pid ${server!.pid} at ${base}, started in ${((Date.now() - t0) / 1000).toFixed(1)} s`)
  for (const u of ['guihua.staff', 'guihua.handler', 'qh.handler', 'guihua.grid', 'guihua.leader']) {
    const r = await request('sign in', 'POST', '/api/v1/auth/login', { body: { username: u, password: PASSWORD } })
    if (r.status !== 200) throw new Error(`sign-in of ${u}: ${r.status} ${JSON.stringify(r.body)}`)
    tokens[u] = r.body.token
  }
  const areas = await request('area tree', 'GET', '/api/v1/areas/tree')
  const grid = findArea(areas.body.areas, 'JZ-QH-01-01-G01')
  const located = grid ? await request('area', 'GET', `/api/v1/areas/${grid.id}`, { as: 'guihua.staff' }) : null
  point = await pointInGrid(located?.body?.boundary, 'JZ-QH-01-01-G01')
  window = newWindow()

  console.log(
    `\n${pad('time', 8)} ${pad('RSS', 12)} ${pad('requests', 9)} ${pad('req/s', 7)} ${pad('p95 ms', 7)}   answers by status`,
  )
  const samples: Sample[] = []
  const started = Date.now()
  const takeSample = () => {
    const w = window
    window = newWindow()
    const sorted = w.latencies.sort((a, b) => a - b)
    const s: Sample = {
      t: Date.now() - started,
      seconds: (Date.now() - w.since) / 1000,
      rss: rssOf(server!.pid!) ?? NaN,
      requests: w.requests,
      byStatus: w.byStatus,
      p95: sorted[Math.floor(sorted.length * 0.95)] ?? 0,
    }
    samples.push(s)
    printSample(s)
  }
  takeSample()
  const sampler = setInterval(takeSample, SAMPLE_MS)
  const interval = (CONCURRENCY * 1000) / RATE
  let stop = false
  const clients = Array.from({ length: CONCURRENCY }, async () => {
    // Spread the clients over one interval.
    await sleep(Math.random() * interval)
    while (!stop && server!.exitCode === null) {
      const t = Date.now()
      await chooseOp()()
      await sleep(Math.max(0, interval - (Date.now() - t)))
    }
  })
  await Promise.race([sleep(DURATION_MS), new Promise((r) => server!.once('exit', r))])
  stop = true
  await Promise.all(clients)
  clearInterval(sampler)
  // The last moments, unless the sampler has just taken them.
  if (Date.now() - window.since >= SAMPLE_MS / 2 && server!.exitCode === null) takeSample()

  const died = server!.exitCode !== null
  const exitCode = await stopServer()
  if (tempDir) rmSync(tempDir, { recursive: true, force: true })

  // Verdict.
  const valid = samples.filter((s) => Number.isFinite(s.rss))
  // Thirds by sample: the mean level of each rides over the garbage collector's sawtooth.
  const third = Math.max(2, Math.floor(valid.length / 3))
  const mean = (xs: Sample[]) => xs.reduce((a, s) => a + s.rss, 0) / Math.max(1, xs.length)
  const first = valid.slice(0, third)
  const middle = valid.slice(third, valid.length - third)
  const last = valid.slice(-third)
  const firstMean = mean(first)
  const lastGrowth = mean(last) - mean(middle.length ? middle : first)
  const levelled = valid.length >= 6 && lastGrowth < 0.1 * firstMean
  const trend = slope(last) * 60_000
  const statuses = [...total.byStatus]
    .sort()
    .map(([k, v]) => `${k}: ${v}`)
    .join(', ')
  console.log(`\n${total.requests} requests (${statuses}); ${filed} cases filed, ${closed} walked to closed`)
  if (total.notOk.size) console.log(`not 2xx: ${[...total.notOk].map(([k, v]) => `${k} ×${v}`).join(', ')}`)
  console.log(
    `RSS means by third: ${mb(firstMean)} / ${mb(mean(middle))} / ${mb(mean(last))} MB; growth into the last third ${mb(lastGrowth)} MB (limit ${mb(0.1 * firstMean)} MB, ` +
      `10% of the first third); trend within the last third ${mb(trend)} MB/min; peak ${mb(Math.max(...valid.map((s) => s.rss)))} MB`,
  )
  const failures: string[] = []
  if (died) failures.push(`the server died:\n${output.slice(-4000)}`)
  if (total.fiveXX.length)
    failures.push(
      `${total.fiveXX.length} requests failed or got a 5xx, e.g. ${[...new Set(total.fiveXX)].slice(0, 5).join('; ')}`,
    )
  // The quick variant in CI is too short for a memory trend: it checks errors and a clean stop only.
  if (process.env.SOAK_JUDGE_MEMORY === '0') console.log('memory not judged (SOAK_JUDGE_MEMORY=0)')
  else if (valid.length < 6) failures.push(`too few RSS samples (${valid.length}) to judge`)
  else if (!levelled) failures.push('RSS keeps growing')
  if (!died && exitCode !== 0) failures.push(`the server did not stop cleanly (exit ${exitCode})`)
  const passed =
    process.env.SOAK_JUDGE_MEMORY === '0' ? 'verdict: PASS (no 5xx)' : 'verdict: PASS (no 5xx, RSS levelled off)'
  console.log(failures.length ? `verdict: FAIL\n- ${failures.join('\n- ')}` : passed)
  return failures.length ? 1 : 0
}

interface AreaNode {
  id: number
  code: string
  children?: AreaNode[]
}

function findArea(nodes: AreaNode[] | undefined, code: string): AreaNode | null {
  for (const n of nodes ?? []) {
    if (n.code === code) return n
    const hit = findArea(n.children, code)
    if (hit) return hit
  }
  return null
}

/** A point inside the grid: its corners' mean, else points between that and each corner, checked with locate. */
async function pointInGrid(
  boundary: { type: string; coordinates: number[][][][] | number[][][] } | undefined,
  code: string,
): Promise<{ lng: number; lat: number }> {
  if (!boundary) throw new Error(`the demo grid ${code} was not found: the soak needs the demo city`)
  const ring = (
    boundary.type === 'MultiPolygon'
      ? (boundary.coordinates as number[][][][])[0]![0]!
      : (boundary.coordinates as number[][][])[0]!
  ).slice(0, -1)
  const centre = {
    lng: ring.reduce((a, p) => a + p[0]!, 0) / ring.length,
    lat: ring.reduce((a, p) => a + p[1]!, 0) / ring.length,
  }
  const candidates = [
    centre,
    ...ring.map(([lng, lat]) => ({ lng: (centre.lng + lng!) / 2, lat: (centre.lat + lat!) / 2 })),
  ]
  for (const c of candidates) {
    const r = await request('locate', 'GET', `/api/v1/areas/locate?lng=${c.lng}&lat=${c.lat}`)
    if (r.status === 200 && r.body.grid?.code === code) return c
  }
  throw new Error(`found no point inside ${code}`)
}

main().then(
  (code) => process.exit(code),
  async (err) => {
    console.error(`soak: ${(err as Error).message}`)
    await stopServer().catch(() => {})
    if (tempDir) rmSync(tempDir, { recursive: true, force: true })
    process.exit(1)
  },
)
