import { sql } from 'kysely'
import { latency, type LatencyResult } from '../lib/load.js'
import type { DataInfo, Measurement, Profile, Section, ServerContext } from '../lib/types.js'
import { PEOPLE } from './registry.js'

// Services at volume (issue 15): the application queue a street office works through and the
// eligibility check of one person against the registry (the full profile's 20M people on
// PostgreSQL), against hand-written SQL giving the same answer without sessions, row-level
// security or presentation.

const VOLUME: Record<Profile['name'], { service_applications: number; volunteer_hours: number }> = {
  smoke: { service_applications: 2_000, volunteer_hours: 1_000 },
  quick: { service_applications: 100_000, volunteer_hours: 20_000 },
  full: { service_applications: 1_000_000, volunteer_hours: 200_000 },
}
const LIMIT = { postgresql: 100, pglite: 300 }

function generated(d: DataInfo): { services: number[]; applications: number; people: number } {
  const reports = (d.generated ?? []) as {
    entity: string
    rows: Record<string, number>
    detail?: { services?: number[] }
  }[]
  const apps = reports.find((r) => r.entity === 'service_applications')
  const people = reports.find((r) => r.entity === 'people')
  return {
    services: apps?.detail?.services ?? [],
    applications: apps?.rows.service_application ?? 0,
    people: people?.rows.person ?? 0,
  }
}
/** The generated service with two eligibility rules (age and care tags): the costlier check. */
const homecare = (d: DataInfo) => generated(d).services[1] ?? generated(d).services[0] ?? 1

interface Query {
  name: string
  product: (d: DataInfo, person: number) => string
  baseline: (d: DataInfo, person: number) => string
}
const queries: Query[] = [
  {
    name: 'application queue, district, open by deadline',
    product: (d) => `/api/v1/service-applications?areaId=${d.district.id}&status=submitted&sort=due&pageSize=20`,
    baseline: (d) => `/baseline/applications?areaId=${d.district.id}&status=submitted`,
  },
  {
    name: 'application queue, street, overdue',
    product: (d) => `/api/v1/service-applications?areaId=${d.street.id}&overdue=true&sort=due&pageSize=20`,
    baseline: (d) => `/baseline/applications?areaId=${d.street.id}&overdue=1`,
  },
  {
    name: 'eligibility check of one person',
    product: (d, person) => `/api/v1/services/${homecare(d)}/eligibility?personId=${person}`,
    baseline: (d, person) => `/baseline/eligibility?personId=${person}&serviceId=${homecare(d)}`,
  },
]

interface Baseline {
  people: number[]
  queries: Record<string, LatencyResult>
}

export const services: Section<Baseline> = {
  name: 'services',
  description:
    'the service application queue (district and street) and the eligibility check of one person over the registry, vs hand-written SQL',
  // The registry the checks read: the registry section's people (20M on PostgreSQL in the full profile).
  data: (profile, backend) => ({ ...VOLUME[profile.name], people: PEOPLE[profile.name][backend] }),
  baselineRoutes(app, database) {
    app.get('/baseline/applications', async (req) => {
      const q = req.query as { areaId: string; status?: string; overdue?: string }
      const where = sql`x.area_id in (select id from area where path like (select path from area where id = ${Number(q.areaId)}) || '%')
        ${q.status ? sql`and x.status = ${q.status}` : sql``}
        ${q.overdue ? sql`and x.status in ('submitted', 'approved') and x.due_at < now()` : sql``}`
      const { rows } = await sql<Record<string, unknown>>`
        select x.id, x.reference, x.service_id, s.name, s.category, x.area_id, a.name_zh, a.name_en, p.name as person_name,
               x.status, x.channel, x.pay_with_hours, x.due_at, x.rating, x.created_at, x.updated_at
        from service_application x join service s on s.id = x.service_id join area a on a.id = x.area_id
        left join person p on p.id = x.person_id
        where ${where} order by x.due_at, x.id limit 20`.execute(database.db)
      const count = await sql<{ n: string }>`
        select count(*) as n from (select 1 from service_application x where ${where} limit 10020) t`.execute(
        database.db,
      )
      return { items: rows, total: Number(count.rows[0]!.n) }
    })
    // The facts the rules read, in one statement: age, tags, residence, household size.
    app.get('/baseline/eligibility', async (req) => {
      const q = req.query as { personId: string; serviceId: string }
      const id = Number(q.personId)
      const { rows } = await sql<Record<string, unknown>>`
        select p.id, extract(year from age(current_date, p.birth_date))::int as age, p.tags, p.residence_status, p.status,
               coalesce((select count(*)::int from household_member m2 where m2.household_id = m.household_id), 1) as household_size
        from person p left join household_member m on m.person_id = p.id where p.id = ${id}`.execute(database.db)
      const s = await sql<{
        eligibility: unknown
      }>`select eligibility from service where id = ${Number(q.serviceId)}`.execute(database.db)
      return { person: rows[0] ?? null, rules: s.rows[0]?.eligibility ?? [] }
    })
    app.get('/baseline/service-people', async () => {
      const { rows } = await sql<{ id: number }>`
        select id from person where status = 'active' order by id desc limit 200`.execute(database.db)
      return rows.map((r) => r.id)
    })
  },
  async baseline(ctx) {
    const people = (await (await fetch(`${ctx.url}/baseline/service-people`)).json()) as number[]
    const out: Record<string, LatencyResult> = {}
    for (const q of queries) {
      let i = 0
      out[q.name] = await latency(
        () => fetch(`${ctx.url}${q.baseline(ctx.data, people[i++ % people.length] ?? 1)}`),
        ctx.profile.samples,
        ctx.profile.warmup,
      )
    }
    return { people, queries: out }
  },
  async run(ctx: ServerContext, base) {
    const rows: Measurement[] = []
    const people = base?.people ?? []
    const limit = LIMIT[ctx.data.backend]
    for (const q of queries) {
      // The city's admin: service staff over every generated application and person.
      let i = 0
      const r = await latency(
        () =>
          fetch(`${ctx.url}${q.product(ctx.data, people[i++ % Math.max(1, people.length)] ?? 1)}`, {
            headers: { authorization: `Bearer ${ctx.tokens.admin}` },
          }),
        ctx.profile.samples,
        ctx.profile.warmup,
      )
      const b = base?.queries[q.name]
      const ratio = b ? r.p95 / b.p95 : null
      rows.push({
        section: 'services',
        name: `${q.name} p95`,
        unit: 'ms',
        value: r.p95,
        baseline: b?.p95 ?? null,
        ratio,
        target: `≤ ${limit} ms and ≤ 2× the SQL`,
        met: r.p95 <= limit && (ratio === null || ratio <= 2 || r.p95 - (b?.p95 ?? 0) < 5),
        note: `${generated(ctx.data).applications} applications, ${generated(ctx.data).people} generated people${r.failures ? `; ${r.failures} failed (last status ${r.lastStatus})` : ''}`,
        detail: { product: r, baseline: b ?? null },
      })
    }
    return rows
  },
}
