/**
 * The benchmark: `npm run bench [-- --profile quick|full|smoke] [--backend pglite|postgresql|both]
 * [--sections intake,dashboards,…] [--cases N | --pglite-cases N --postgresql-cases N]
 * [--pglite-people N --postgresql-people N] [--out FILE|-]`.
 *
 * Per backend: prepare a database (a temporary embedded data directory, or a database on
 * DATABASE_URL / a throwaway PostgreSQL cluster started here), seed the demo city and generate the
 * profile's data; start the baseline server and measure each section's baseline; start the real
 * server (src/cli.ts serve) and measure each section, sampling the server's RSS. Then print one
 * table and write bench/results/<YYYY-MM-DD>[-profile].json with the machine described.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { sql } from 'kysely'
import pg from 'pg'
import { openDatabase, type Backend, type Database } from '../src/core/db.js'
import { migrate } from '../src/core/migrate.js'
import { seedDemo } from '../src/demo/seed.js'
import { defaultUntil } from '../src/operations/generate-command.js'
import { generate, type EntityReport } from '../src/operations/generate.js'
import { pgVersion, startCluster, type Cluster } from './lib/cluster.js'
import { machine, table } from './lib/report.js'
import { root, rssOf, spawnServer } from './lib/server.js'
import type { DataInfo, Measurement, Profile, ProfileName, ServerContext } from './lib/types.js'
import { sections as allSections } from './sections/index.js'
import { BENCH_DATA_KEY } from './sections/registry.js'
import { fieldCipher } from '../src/core/crypto.js'

export const profiles: Record<ProfileName, Profile> = {
  // A few seconds of each thing, to keep the bench from rotting (CI, test/bench-smoke.test.ts).
  smoke: {
    name: 'smoke',
    cases: { pglite: 300, postgresql: 300 },
    loadSeconds: 1,
    concurrency: [1, 16],
    samples: 3,
    warmup: 1,
  },
  quick: {
    name: 'quick',
    cases: { pglite: 20_000, postgresql: 50_000 },
    loadSeconds: 5,
    concurrency: [1, 16, 64],
    samples: 30,
    warmup: 5,
  },
  full: {
    name: 'full',
    cases: { pglite: 1_000_000, postgresql: 10_000_000 },
    loadSeconds: 10,
    concurrency: [1, 16, 64],
    samples: 40,
    warmup: 3,
  },
}

export interface BenchOptions {
  profile: Profile
  backends: Backend[]
  sections?: string[]
  /** Override the profile's case count on every backend, or per backend. */
  cases?: number
  casesBy?: Partial<Record<Backend, number>>
  /** Override the registry's generated people, per backend. */
  peopleBy?: Partial<Record<Backend, number>>
  out?: string | null
  log?: (line: string) => void
  progress?: boolean
}

export interface BackendResult {
  backend: Backend
  data: Omit<DataInfo, 'points' | 'categories' | 'caseIds'>
  generation: EntityReport[]
  prepareSeconds: number
  measurements: Measurement[]
}

async function describeData(
  database: Database,
  backend: Backend,
  until: Date,
  generated: EntityReport[],
): Promise<DataInfo> {
  const db = database.db
  const area = async (code: string) =>
    db.selectFrom('area').select(['id', 'code', 'name_en']).where('code', '=', code).executeTakeFirstOrThrow()
  const city = await area('JZ')
  const district = await area('JZ-QH')
  const street = await area('JZ-QH-01')
  const community = await area('JZ-QH-01-01')
  const { rows: points } = await sql<{ areaId: number; path: string; lng: number; lat: number }>`
    select a.id as "areaId", a.path, ST_X(p.geom) as lng, ST_Y(p.geom) as lat
    from area a, ST_Dump(ST_GeneratePoints(a.boundary, 20, a.id)) p
    where a.level = 'grid' and a.retired_at is null order by a.id, p.path`.execute(db)
  const leaves = await db
    .selectFrom('case_category')
    .select(['id', 'code', 'respond_hours', 'photo_required', 'attributes'])
    .where('is_leaf', '=', true)
    .where('active', '=', true)
    .orderBy('id')
    .execute()
  const categories = leaves
    .filter((l) => !l.photo_required && !(l.attributes as { required?: boolean }[]).some((a) => a.required))
    .map((l) => ({ id: l.id, code: l.code, respondHours: l.respond_hours! }))
  const count = async (t: 'cases' | 'case_event' | 'dispute') =>
    Number((await sql<{ n: number }>`select count(*)::bigint as n from ${sql.table(t)}`.execute(db)).rows[0]!.n)
  const counts = { cases: await count('cases'), case_event: await count('case_event'), dispute: await count('dispute') }
  const dept = await sql<{
    department_id: number
  }>`select department_id from cases where department_id is not null and id % 50 = 0 group by 1 order by count(*) desc limit 1`.execute(
    db,
  )
  const ids = await sql<{
    lo: number
    hi: number
  }>`select min(id)::bigint as lo, max(id)::bigint as hi from cases`.execute(db)
  const { lo, hi } = ids.rows[0]!
  const caseIds = Array.from({ length: 50 }, (_, i) => Math.floor(lo + ((hi - lo) * ((i * 37) % 50)) / 50))
  return {
    backend,
    counts,
    generated,
    until: until.toISOString(),
    city: { id: city.id, code: city.code },
    district: { id: district.id, code: district.code },
    street: { id: street.id, code: street.code, nameEn: street.name_en },
    community: { id: community.id, code: community.code },
    points: points.map((p) => ({
      areaId: p.areaId,
      districtId: Number(p.path.split('/').filter(Boolean)[1]),
      lng: p.lng,
      lat: p.lat,
    })),
    categories,
    departmentId: dept.rows[0]?.department_id ?? 0,
    caseIds,
  }
}

async function benchBackend(backend: Backend, opts: BenchOptions, work: string): Promise<BackendResult> {
  const log = opts.log ?? ((l: string) => console.error(l))
  const sections = allSections.filter((s) => !opts.sections || opts.sections.includes(s.name))
  const profile = opts.profile
  let cluster: Cluster | null = null
  let env: Record<string, string>
  let databaseUrl: string | undefined
  let dropDb = async () => {}
  if (backend === 'postgresql') {
    let admin = process.env.DATABASE_URL
    if (!admin) {
      log('postgresql: starting a throwaway cluster')
      cluster = await startCluster()
      admin = cluster.url
    }
    const name = `grassroots_bench_${process.pid}`
    const c = new pg.Client({ connectionString: admin })
    await c.connect()
    await c.query(`drop database if exists ${name}`)
    await c.query(`create database ${name}`)
    await c.end()
    const u = new URL(admin)
    u.pathname = `/${name}`
    databaseUrl = u.toString()
    env = { DATABASE_URL: databaseUrl }
    dropDb = async () => {
      const d = new pg.Client({ connectionString: admin })
      await d.connect()
      await d.query(`drop database if exists ${name} with (force)`)
      await d.end()
    }
  } else {
    env = { DATA_DIR: path.join(work, 'pglite'), DATABASE_URL: '' }
  }
  try {
    // 1. The data.
    const t0 = performance.now()
    const until = defaultUntil()
    const counts: Record<string, number> = { cases: opts.casesBy?.[backend] ?? opts.cases ?? profile.cases[backend] }
    for (const s of sections)
      for (const [k, v] of Object.entries(s.data?.(profile, backend) ?? {})) counts[k] = Math.max(counts[k] ?? 0, v)
    if (opts.peopleBy?.[backend] !== undefined && counts.people !== undefined) counts.people = opts.peopleBy[backend]!
    const database = await openDatabase({ databaseUrl, dataDir: env.DATA_DIR || undefined, poolSize: 2 })
    let data: DataInfo
    let generation: EntityReport[]
    try {
      await migrate(database)
      await seedDemo(database.db, 1, { production: false })
      log(
        `${backend}: generating ${Object.entries(counts)
          .map(([k, v]) => `${v} ${k}`)
          .join(', ')}`,
      )
      generation = await generate(database, {
        counts,
        seed: 1,
        years: 3,
        until,
        rebuildIndexes: 'auto',
        progress: opts.progress ?? process.stderr.isTTY,
        databaseUrl,
        log,
        cipher: fieldCipher(Buffer.from(BENCH_DATA_KEY, 'base64')),
      })
      data = await describeData(database, backend, until, generation)
    } finally {
      await database.close()
    }
    const prepareSeconds = (performance.now() - t0) / 1000
    log(
      `${backend}: ${data.counts.cases} cases, ${data.counts.case_event} events ready in ${prepareSeconds.toFixed(0)} s`,
    )
    const dataFile = path.join(work, `data-${backend}.json`)
    writeFileSync(dataFile, JSON.stringify(data))

    // 2. Baselines, on the bare server.
    const baselines = new Map<string, unknown>()
    if (sections.some((s) => s.baseline)) {
      const bare = await spawnServer(['bench/baseline-server.ts'], { ...env, BENCH_DATA: dataFile }, '/ready')
      try {
        for (const s of sections) {
          if (!s.baseline) continue
          log(`${backend}: baseline ${s.name}`)
          baselines.set(s.name, await s.baseline({ url: bare.url, profile, data }))
        }
      } finally {
        await bare.stop()
      }
    }

    // 3. The product.
    const server = await spawnServer(
      ['src/cli.ts', 'serve'],
      {
        ...env,
        NODE_ENV: 'development',
        GRASSROOTS_DATA_KEY: BENCH_DATA_KEY,
        RATE_LIMIT_API_KEY_PER_MINUTE: '100000000',
        RATE_LIMIT_LOGIN_PER_MINUTE: '100000',
        RATE_LIMIT_ANONYMOUS_INTAKE_PER_MINUTE: '100000',
      },
      '/healthz',
    )
    const rss: ServerContext['rss'] = []
    let current = 'start'
    const sample = () => {
      const b = rssOf(server.pid)
      if (b !== null) rss.push({ at: Date.now(), section: current, bytes: b })
    }
    sample()
    const sampler = setInterval(sample, 250)
    const measurements: Measurement[] = []
    try {
      const tokens: Record<string, string> = {}
      for (const u of ['admin']) {
        const r = await fetch(`${server.url}/api/v1/auth/login`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ username: u, password: 'grassroots-demo' }),
        })
        if (!r.ok) throw new Error(`sign-in of ${u}: ${r.status} ${await r.text()}`)
        tokens[u] = ((await r.json()) as { token: string }).token
      }
      for (const s of sections) {
        current = s.name
        log(`${backend}: ${s.name}`)
        const rows = await s.run(
          { url: server.url, profile, data, tokens, rss, pid: server.pid, earlier: measurements },
          baselines.get(s.name),
        )
        measurements.push(...rows)
      }
    } finally {
      clearInterval(sampler)
      const code = await server.stop()
      if (code !== 0) log(`${backend}: the server exited with ${code}:\n${server.output().slice(-2000)}`)
    }
    const { points: _p, categories: _c, caseIds: _i, ...summary } = data
    return { backend, data: summary, generation, prepareSeconds, measurements }
  } finally {
    await dropDb().catch(() => {})
    cluster?.stop()
  }
}

export async function bench(opts: BenchOptions) {
  const work = mkdtempSync(path.join(os.tmpdir(), 'grassroots-bench-'))
  const started = new Date()
  const results: BackendResult[] = []
  try {
    for (const b of opts.backends) results.push(await benchBackend(b, opts, work))
  } finally {
    rmSync(work, { recursive: true, force: true })
  }
  const pgBin = ['18', '17', '16', '15'].map((v) => `/usr/lib/postgresql/${v}/bin`).find((d) => pgVersion(d))
  const doc = {
    profile: opts.profile,
    started: started.toISOString(),
    seconds: Math.round((Date.now() - started.getTime()) / 1000),
    machine: machine(process.env.DATABASE_URL ? `server at DATABASE_URL` : pgVersion(pgBin ?? null)),
    results,
  }
  const rows = results.flatMap((r) => r.measurements.map((m) => ({ ...m, backend: r.backend })))
  const out =
    opts.out === undefined
      ? path.join(
          root,
          'bench',
          'results',
          `${started.toISOString().slice(0, 10)}${opts.profile.name === 'quick' ? '' : `-${opts.profile.name}`}.json`,
        )
      : opts.out
  if (out) {
    mkdirSync(path.dirname(out), { recursive: true })
    writeFileSync(out, `${JSON.stringify(doc, null, 2)}\n`)
  }
  return { doc, table: table(rows), out }
}

function parseArgs(argv: string[]): BenchOptions {
  const get = (flag: string) => {
    const i = argv.indexOf(flag)
    return i >= 0 ? argv[i + 1] : undefined
  }
  const name = (get('--profile') ?? 'quick') as ProfileName
  const profile = profiles[name]
  if (!profile) throw new Error(`--profile must be one of ${Object.keys(profiles).join(', ')}`)
  const b = get('--backend') ?? 'both'
  const backends: Backend[] =
    b === 'both'
      ? ['pglite', 'postgresql']
      : b === 'pglite' || b === 'postgresql'
        ? [b]
        : (() => {
            throw new Error('--backend must be pglite, postgresql or both')
          })()
  const cases = get('--cases')
  return {
    profile,
    backends,
    ...(get('--sections') ? { sections: get('--sections')!.split(',') } : {}),
    ...(cases ? { cases: Number(cases.replace(/_/g, '')) } : {}),
    peopleBy: {
      ...(get('--pglite-people') ? { pglite: Number(get('--pglite-people')!.replace(/_/g, '')) } : {}),
      ...(get('--postgresql-people') ? { postgresql: Number(get('--postgresql-people')!.replace(/_/g, '')) } : {}),
    },
    casesBy: {
      ...(get('--pglite-cases') ? { pglite: Number(get('--pglite-cases')!.replace(/_/g, '')) } : {}),
      ...(get('--postgresql-cases') ? { postgresql: Number(get('--postgresql-cases')!.replace(/_/g, '')) } : {}),
    },
    ...(get('--out') !== undefined ? { out: get('--out') === '-' ? null : path.resolve(get('--out')!) } : {}),
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(root, 'bench', 'run.ts')) {
  const opts = parseArgs(process.argv.slice(2))
  bench(opts).then(
    ({ table: t, out }) => {
      console.log(`\n${t}\n`)
      if (out) console.log(`results written to ${path.relative(process.cwd(), out)}`)
      process.exit(0)
    },
    (err) => {
      console.error(err)
      process.exit(1)
    },
  )
}
