import { sql } from 'kysely'
import { fieldCipher } from '../../src/core/crypto.js'
import { fakePerson } from '../../src/registry/fake.js'
import { latency, type LatencyResult } from '../lib/load.js'
import type { DataInfo, Measurement, Profile, Section } from '../lib/types.js'

/** The key the bench seals its people with; the product server gets the same (bench/run.ts). */
export const BENCH_DATA_KEY = Buffer.alloc(32, 42).toString('base64')
const cipher = fieldCipher(Buffer.from(BENCH_DATA_KEY, 'base64'))

export const PEOPLE: Record<Profile['name'], { pglite: number; postgresql: number }> = {
  smoke: { pglite: 1_000, postgresql: 1_000 },
  quick: { pglite: 20_000, postgresql: 100_000 },
  full: { pglite: 1_000_000, postgresql: 20_000_000 },
}
// The full profile imports the 100,000 people the registry is sized by; the quick one half, to stay
// within its ten minutes.
const IMPORT: Record<Profile['name'], number> = { smoke: 300, quick: 50_000, full: 100_000 }
// The generator numbers its people from here on (src/operations/generate-people.ts, empty registry).
const GENERATED_FROM = 1_000_000
const IMPORTED_FROM = 50_000_000

function generatedPeople(d: DataInfo): number {
  const report = (d.generated as { entity: string; rows: Record<string, number> }[]).find((r) => r.entity === 'people')
  return report?.rows.person ?? 0
}

/** Identities spread over the generated people (seed 1, as the runner generates). */
function samples(d: DataInfo, n: number) {
  const total = generatedPeople(d)
  return Array.from({ length: n }, (_, i) => fakePerson(1, GENERATED_FROM + Math.floor(((i * 7919) % n) * (total / n))))
}

const queries = [
  {
    name: 'registry search by ID number',
    target: 5,
    body: (p: ReturnType<typeof fakePerson>) => ({ idNumber: p.idNumber }),
    baseline: (p: ReturnType<typeof fakePerson>) => `/baseline/person?bidx=${cipher.blindIndex('id', p.idNumber)}`,
  },
  {
    name: 'registry search by phone',
    target: 5,
    body: (p: ReturnType<typeof fakePerson>) => ({ phone: p.phone ?? '13800000000' }),
    baseline: (p: ReturnType<typeof fakePerson>) =>
      `/baseline/person?phone=${cipher.blindIndex('phone', p.phone ?? '13800000000')}`,
  },
  {
    name: 'registry fuzzy name search',
    target: 100,
    body: (p: ReturnType<typeof fakePerson>) => ({ name: p.name }),
    baseline: (p: ReturnType<typeof fakePerson>) => `/baseline/person?name=${encodeURIComponent(p.name)}`,
  },
]

export const registry: Section<Record<string, LatencyResult>> = {
  name: 'registry',
  description:
    'registry search by ID number, phone and fuzzy name over the generated people (vs hand-written SQL), and an import of people through the API (rate, peak RSS)',
  data: (profile, backend) => ({ people: PEOPLE[profile.name][backend] }),
  baselineRoutes(app, database) {
    // The same answers without sessions, row-level security or masking: one indexed query each.
    app.get('/baseline/person', async (req) => {
      const q = req.query as { bidx?: string; phone?: string; name?: string }
      const where = q.bidx
        ? sql`id_number_bidx = ${q.bidx}`
        : q.phone
          ? sql`phone_bidx = ${q.phone}`
          : sql`name % ${q.name!}`
      const order = q.name ? sql`similarity(name, ${q.name}) desc, id` : sql`name, id`
      const { rows } =
        await sql`select id, area_id, name, id_number_masked, phone_masked, sex, birth_date, count(*) over () as total
        from person where ${where} and status <> 'merged' order by ${order} limit 50`.execute(database.db)
      return { items: rows }
    })
  },
  async baseline(ctx) {
    const people = samples(ctx.data, ctx.profile.samples + ctx.profile.warmup)
    const out: Record<string, LatencyResult> = {}
    for (const q of queries) {
      let i = 0
      out[q.name] = await latency(
        () => fetch(`${ctx.url}${q.baseline(people[i++ % people.length]!)}`),
        ctx.profile.samples,
        ctx.profile.warmup,
      )
    }
    return out
  },
  async run(ctx, base) {
    const pg = ctx.data.backend === 'postgresql'
    const headers = { authorization: `Bearer ${ctx.tokens.admin}`, 'content-type': 'application/json' }
    const people = samples(ctx.data, ctx.profile.samples + ctx.profile.warmup)
    const rows: Measurement[] = []
    const count = generatedPeople(ctx.data)
    for (const q of queries) {
      let i = 0
      const r = await latency(
        () =>
          fetch(`${ctx.url}/api/v1/people/search`, {
            method: 'POST',
            headers,
            body: JSON.stringify({ ...q.body(people[i++ % people.length]!), pageSize: 50 }),
          }),
        ctx.profile.samples,
        ctx.profile.warmup,
      )
      const b = base?.[q.name]
      rows.push({
        section: 'registry',
        name: `${q.name} p95`,
        unit: 'ms',
        value: r.p95,
        baseline: b?.p95 ?? null,
        ratio: b ? Math.round((r.p95 / b.p95) * 100) / 100 : null,
        ...(pg ? { target: `≤ ${q.target} ms`, met: r.p95 <= q.target } : {}),
        note: r.failures ? `${r.failures} failed (last status ${r.lastStatus})` : `${count} people`,
        detail: { ...r, baseline: b },
      })
    }

    // An import through the API: upload, start, poll to the end; the server's RSS is sampled meanwhile.
    const n = IMPORT[ctx.profile.name]
    const head = '姓名,身份证号,手机号码,人口类型,现住址\n'
    const lines = Array.from({ length: n }, (_, i) => {
      const f = fakePerson(5, IMPORTED_FROM + i)
      return `${f.name},${f.idNumber},${f.phone ?? ''},${f.residenceStatus === 'floating' ? '流动' : '户籍'},${f.address}`
    })
    const csv = Buffer.from(`${head + lines.join('\n')}\n`)
    const before = ctx.rss.filter((s) => s.section === 'registry').at(-1)?.bytes ?? ctx.rss.at(-1)?.bytes ?? 0
    const t0 = performance.now()
    const up = await fetch(`${ctx.url}/api/v1/imports?areaId=${ctx.data.community.id}&fileName=bench.csv`, {
      method: 'POST',
      headers: { authorization: headers.authorization, 'content-type': 'text/csv' },
      body: csv,
    })
    const job = (await up.json()) as { id: number; suggestedMapping: Record<string, string> }
    if (!up.ok) throw new Error(`import upload: ${up.status} ${JSON.stringify(job)}`)
    const start = await fetch(`${ctx.url}/api/v1/imports/${job.id}/start`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ mapping: job.suggestedMapping }),
    })
    if (start.status !== 202) throw new Error(`import start: ${start.status} ${await start.text()}`)
    let final: { status: string; processed: number; inserted: number; failed: number; error: string | null }
    for (;;) {
      final = (await (await fetch(`${ctx.url}/api/v1/imports/${job.id}`, { headers })).json()) as typeof final
      if (final.status === 'done' || final.status === 'failed') break
      await new Promise((r) => setTimeout(r, 250))
    }
    const seconds = (performance.now() - t0) / 1000
    const during = ctx.rss
      .filter((s) => s.section === 'registry' && s.at >= Date.now() - seconds * 1000)
      .map((s) => s.bytes)
    const peak = Math.max(before, ...during)
    rows.push({
      section: 'registry',
      name: `import ${n} people (CSV via API)`,
      unit: 'rows/s',
      value: final.status === 'done' ? Math.round(final.processed / seconds) : null,
      note:
        final.status === 'done'
          ? `${final.inserted} new, ${final.failed} rejected in ${seconds.toFixed(1)} s`
          : `failed: ${final.error}`,
      detail: { ...final, seconds, bytes: csv.length },
    })
    rows.push({
      section: 'registry',
      name: 'server peak RSS during the import',
      unit: 'MB',
      value: Math.round(peak / 1048576),
      note: `${Math.round((peak - before) / 1048576)} MB above the start of the import`,
    })
    return rows
  },
}
