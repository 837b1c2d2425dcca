import { sql } from 'kysely'
import { latency, type LatencyResult } from '../lib/load.js'
import type { DataInfo, Measurement, Profile, Section, ServerContext } from '../lib/types.js'

// The dispute register and the dispute statistics over the generated disputes (the full profile:
// 1,000,000 on each backend), against hand-written SQL giving the same answer without sessions,
// row-level security or presentation.

const DAY = 86_400_000
const DISPUTES: Record<Profile['name'], { pglite: number; postgresql: number }> = {
  smoke: { pglite: 500, postgresql: 500 },
  quick: { pglite: 50_000, postgresql: 200_000 },
  full: { pglite: 1_000_000, postgresql: 1_000_000 },
}

const day = (t: number) => new Date(t).toISOString().slice(0, 10)
const year = (d: DataInfo) => {
  const to = new Date(d.until).getTime() - 1
  return { from: day(to - 364 * DAY), to: day(to) }
}

interface Query {
  name: string
  product: (d: DataInfo) => string
  baseline: (d: DataInfo) => string
  /** p95 limits in ms on PostgreSQL and on the embedded database. */
  limit: { postgresql: number; pglite: number }
}

// A statistics request reads a year of disputes: a few samples say enough about its p95.
const samplesOf = (ctx: { profile: Profile }) => Math.min(ctx.profile.samples, 12)
const warmupOf = (ctx: { profile: Profile }) => Math.min(ctx.profile.warmup, 1)

const queries: Query[] = [
  {
    name: 'dispute register, district, page 1',
    product: (d) => `/api/v1/disputes?areaId=${d.district.id}&pageSize=20`,
    baseline: (d) => `/baseline/disputes?areaId=${d.district.id}`,
    limit: { postgresql: 100, pglite: 500 },
  },
  {
    name: 'dispute register, open high risk, street',
    product: (d) => `/api/v1/disputes?areaId=${d.street.id}&open=true&minRisk=high&pageSize=20`,
    baseline: (d) => `/baseline/disputes?areaId=${d.street.id}&highOpen=1`,
    limit: { postgresql: 100, pglite: 500 },
  },
  {
    name: 'dispute statistics, street, year',
    product: (d) => `/api/v1/stats/disputes?areaId=${d.street.id}&from=${year(d).from}&to=${year(d).to}`,
    baseline: (d) => `/baseline/dispute-stats?areaId=${d.street.id}&from=${year(d).from}&to=${year(d).to}`,
    limit: { postgresql: 1000, pglite: 5000 },
  },
  {
    name: 'dispute statistics, district, year',
    product: (d) => `/api/v1/stats/disputes?areaId=${d.district.id}&from=${year(d).from}&to=${year(d).to}`,
    baseline: (d) => `/baseline/dispute-stats?areaId=${d.district.id}&from=${year(d).from}&to=${year(d).to}`,
    limit: { postgresql: 2000, pglite: 10000 },
  },
]

export const disputes: Section<Record<string, LatencyResult>> = {
  name: 'disputes',
  description:
    'the dispute register (first page, open high-risk filter) and the dispute statistics over a year, vs hand-written SQL',
  data: (profile, backend) => ({ disputes: DISPUTES[profile.name][backend] }),
  baselineRoutes(app, database) {
    app.get('/baseline/disputes', async (req) => {
      const q = req.query as { areaId: string; highOpen?: string }
      const { rows } = await sql<Record<string, unknown>>`
        select d.id, d.reference, d.state, d.category, d.risk_level, d.registered_at, a.name_zh
        from dispute d join area a on a.id = d.area_id
        where a.path like (select path from area where id = ${Number(q.areaId)}) || '%'
          ${q.highOpen ? sql`and d.state in ('registered', 'people_mediation', 'administrative_mediation', 'judicial_referral') and d.risk_level in ('high', 'urgent')` : sql``}
        order by d.registered_at desc, d.id desc limit 20`.execute(database.db)
      return rows
    })
    app.get('/baseline/dispute-stats', async (req) => {
      const q = req.query as { areaId: string; from: string; to: string }
      const { rows } = await sql<Record<string, unknown>>`
        select d.category, d.outcome, d.settled_level, count(*)::int as n,
               avg(extract(epoch from d.settled_at - d.registered_at) / 86400)::float8 as days
        from dispute d
        where d.area_id in (select id from area where path like (select path from area where id = ${Number(q.areaId)}) || '%')
          and d.registered_at >= ${q.from}::date and d.registered_at < ${q.to}::date + 1
        group by 1, 2, 3`.execute(database.db)
      return rows
    })
  },
  async baseline(ctx) {
    const out: Record<string, LatencyResult> = {}
    for (const q of queries)
      out[q.name] = await latency(() => fetch(`${ctx.url}${q.baseline(ctx.data)}`), samplesOf(ctx), warmupOf(ctx))
    return out
  },
  async run(ctx: ServerContext, base) {
    const rows: Measurement[] = []
    const backend = ctx.data.backend
    for (const q of queries) {
      const r = await latency(
        () => fetch(`${ctx.url}${q.product(ctx.data)}`, { headers: { authorization: `Bearer ${ctx.tokens.admin}` } }),
        samplesOf(ctx),
        warmupOf(ctx),
      )
      const b = base?.[q.name]
      const ratio = b ? r.p95 / b.p95 : null
      const limit = q.limit[backend]
      rows.push({
        section: 'disputes',
        name: `${q.name} p95`,
        unit: 'ms',
        value: r.p95,
        baseline: b?.p95 ?? null,
        ratio,
        target: `≤ ${limit} ms`,
        met: r.p95 <= limit,
        note: `${ctx.data.counts.dispute ?? '?'} disputes${r.failures ? `; ${r.failures} failed (last status ${r.lastStatus})` : ''}`,
        detail: { product: r, baseline: b ?? null },
      })
    }
    return rows
  },
}
