import { sql } from 'kysely'
import { throughput, type ThroughputResult } from '../lib/load.js'
import type { Measurement, Section } from '../lib/types.js'
import { bareInsert, reportOf } from './intake.js'

const C = 16

/** GET requests.json as a hand-written query: the newest 1000 requests of the last 90 days. */
const requestsSql = (since: Date) => sql<Record<string, unknown>>`
  select c.tracking_code as service_request_id, case when c.state in ('closed','rated','rejected','merged') then 'closed' else 'open' end as status,
         k.code as service_code, k.name_zh as service_name, c.description, d.name_zh as agency_responsible, c.address,
         c.submitted_at as requested_datetime, c.updated_at, ST_Y(c.location) as lat, ST_X(c.location) as long
  from cases c join case_category k on k.id = c.category_id left join department d on d.id = c.department_id
  where c.submitted_at >= ${since}
  order by c.submitted_at desc, c.id desc limit 1000`

export const open311: Section<{ post: ThroughputResult; get: ThroughputResult }> = {
  name: 'open311',
  description:
    'Open311 POST requests.json (API key, anonymous case) and GET requests.json (newest 1000 of 90 days), at 16 connections',
  baselineRoutes(app, database) {
    app.post('/baseline/open311', async (req) => {
      const r = await bareInsert(database.db, 'open311', req.body as never)
      return [{ service_request_id: r.tracking_code }]
    })
    app.get(
      '/baseline/open311/requests',
      async () => (await requestsSql(new Date(Date.now() - 90 * 86400_000)).execute(database.db)).rows,
    )
  },
  async baseline(ctx) {
    let i = 0
    const post = await throughput({
      url: ctx.url,
      method: 'POST',
      path: '/baseline/open311',
      connections: C,
      seconds: ctx.profile.loadSeconds,
      headers: { 'content-type': 'application/json' },
      body: () => {
        const r = reportOf(ctx.data, 2_000_000 + i++)
        return JSON.stringify({
          ...r.point,
          categoryId: r.category.id,
          respondHours: r.category.respondHours,
          description: r.description,
        })
      },
    })
    const get = await throughput({
      url: ctx.url,
      method: 'GET',
      path: '/baseline/open311/requests',
      connections: C,
      seconds: ctx.profile.loadSeconds,
    })
    return { post, get }
  },
  async run(ctx, base) {
    let i = 0
    const post = await throughput({
      url: ctx.url,
      method: 'POST',
      path: '/open311/v2/requests.json',
      connections: C,
      seconds: ctx.profile.loadSeconds,
      headers: { 'content-type': 'application/json' },
      body: () => {
        const r = reportOf(ctx.data, 3_000_000 + i++)
        return JSON.stringify({
          api_key: 'grassroots-demo-key',
          service_code: r.category.code,
          lat: r.point.lat,
          long: r.point.lng,
          description: r.description,
        })
      },
    })
    const get = await throughput({
      url: ctx.url,
      method: 'GET',
      path: '/open311/v2/requests.json',
      connections: C,
      seconds: ctx.profile.loadSeconds,
    })
    const rows: Measurement[] = []
    for (const [name, r, b] of [
      ['Open311 POST requests.json', post, base?.post],
      ['Open311 GET requests.json', get, base?.get],
    ] as const) {
      const errors = r.non2xx + r.errors + r.timeouts
      rows.push({
        section: 'open311',
        name: `${name} c=${C} throughput`,
        unit: 'req/s',
        value: r.rps,
        baseline: b?.rps ?? null,
        ratio: b && b.rps > 0 ? r.rps / b.rps : null,
        ...(errors ? { note: `${errors} failed of ${r.requests}` } : {}),
        detail: { product: r, baseline: b ?? null },
      })
      rows.push({
        section: 'open311',
        name: `${name} c=${C} p99`,
        unit: 'ms',
        value: r.p99,
        baseline: b?.p99 ?? null,
        ratio: b ? r.p99 / b.p99 : null,
      })
    }
    return rows
  },
}
