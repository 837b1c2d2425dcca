import { randomBytes } from 'node:crypto'
import { sql } from 'kysely'
import { throughput, type ThroughputResult } from '../lib/load.js'
import type { DataInfo, Measurement, Section } from '../lib/types.js'

/** The i-th report of a run: points and categories rotate, so the load spreads over the city. */
export function reportOf(data: DataInfo, i: number) {
  // 20 random points inside each grid, categories rotating: reports spread over the city as real
  // ones do (the same category at the same spot within 72 h, a possible duplicate, stays rare).
  const p = data.points[(i * 7) % data.points.length]!
  const k = data.categories[(i * 13) % data.categories.length]!
  return { point: p, category: k, description: `bench report #${i} 路灯不亮，请尽快处理` }
}

/** The bare baseline: the same row as the intake writes, by one INSERT (grid and district given). */
export async function bareInsert(
  db: import('../../src/core/db.js').Db,
  channel: string,
  b: {
    areaId: number
    districtId: number
    lng: number
    lat: number
    categoryId: number
    respondHours: number
    description: string
  },
) {
  const code = `B${randomBytes(6).toString('hex')}`
  const { rows } = await sql<{ id: number; tracking_code: string }>`
    insert into cases (tracking_code, category_id, area_id, district_id, channel, state, location, description, attributes,
                       submitted_at, response_due_at, updated_at, stage, stage_seq, stage_started_at, stage_warn_at, stage_due_at)
    values (${code}, ${b.categoryId}, ${b.areaId}, ${b.districtId}, ${channel}, 'submitted', ST_SetSRID(ST_MakePoint(${b.lng}, ${b.lat}), 4326),
            ${b.description}, '{}', now(), now() + make_interval(hours => ${b.respondHours}), now(), 'respond', 1, now(),
            now() + make_interval(secs => ${b.respondHours * 3600 * 0.8}), now() + make_interval(hours => ${b.respondHours}))
    returning id, tracking_code`.execute(db)
  return rows[0]!
}

const targets = (backend: string, c: number) =>
  c !== 64 ? {} : backend === 'postgresql' ? { rps: 1000, p99: 100, ratio: 0.5 } : { rps: 200 }

export const intake: Section<Record<number, ThroughputResult>> = {
  name: 'intake',
  description:
    'POST /api/v1/cases (locate into the grid, routing, deadline, timers, notices, audit) vs one bare INSERT',
  baselineRoutes(app, database) {
    app.post('/baseline/cases', async (req) => bareInsert(database.db, 'api', req.body as never))
  },
  async baseline(ctx) {
    const out: Record<number, ThroughputResult> = {}
    let i = 0
    for (const c of ctx.profile.concurrency) {
      out[c] = await throughput({
        url: ctx.url,
        method: 'POST',
        path: '/baseline/cases',
        connections: c,
        seconds: ctx.profile.loadSeconds,
        headers: { 'content-type': 'application/json' },
        body: () => {
          const r = reportOf(ctx.data, i++)
          return JSON.stringify({
            ...r.point,
            categoryId: r.category.id,
            respondHours: r.category.respondHours,
            description: r.description,
          })
        },
      })
    }
    return out
  },
  async run(ctx, base) {
    const rows: Measurement[] = []
    let i = 0
    for (const c of ctx.profile.concurrency) {
      const r = await throughput({
        url: ctx.url,
        method: 'POST',
        path: '/api/v1/cases',
        connections: c,
        seconds: ctx.profile.loadSeconds,
        headers: { 'content-type': 'application/json', authorization: `Bearer ${ctx.tokens.admin}` },
        body: () => {
          const x = reportOf(ctx.data, 1_000_000 + i++)
          return JSON.stringify({
            categoryCode: x.category.code,
            location: { lng: x.point.lng, lat: x.point.lat },
            description: x.description,
            channel: 'api',
          })
        },
      })
      const b = base?.[c]
      const t = targets(ctx.data.backend, c)
      const ratio = b && b.rps > 0 ? r.rps / b.rps : null
      const errors = r.non2xx + r.errors + r.timeouts
      rows.push({
        section: 'intake',
        name: `intake c=${c} throughput`,
        unit: 'cases/s',
        value: r.rps,
        baseline: b?.rps ?? null,
        ratio,
        ...(t.rps
          ? {
              target: `≥ ${t.rps}/s${t.ratio ? `, ≥ ${t.ratio}× bare` : ''}`,
              met: r.rps >= t.rps && (!t.ratio || (ratio ?? 0) >= t.ratio),
            }
          : {}),
        ...(errors ? { note: `${errors} failed of ${r.requests}` } : {}),
        detail: { product: r, baseline: b ?? null },
      })
      rows.push({
        section: 'intake',
        name: `intake c=${c} p50`,
        unit: 'ms',
        value: r.p50,
        baseline: b?.p50 ?? null,
        ratio: b ? r.p50 / b.p50 : null,
      })
      rows.push({
        section: 'intake',
        name: `intake c=${c} p99`,
        unit: 'ms',
        value: r.p99,
        baseline: b?.p99 ?? null,
        ratio: b ? r.p99 / b.p99 : null,
        ...(t.p99 ? { target: `≤ ${t.p99} ms`, met: r.p99 <= t.p99 } : {}),
      })
    }
    return rows
  },
}
