import { sql } from 'kysely'
import { latency, type LatencyResult } from '../lib/load.js'
import type { DataInfo, Measurement, Section, ServerContext } from '../lib/types.js'

// The staff maps over the generated history: the choropleth of a street (grids with simplified
// boundaries, total and open from the rollup, overdue live) and the server-side clusters of the
// city's cases at a zoomed-out and a street-level zoom, each against hand-written SQL over the raw
// cases giving the same answer (the baseline computes the counts from `cases` directly, with the
// same simplification of the boundaries).

const DAY = 86_400_000
const OPEN = `('verifying','submitted','accepted','dispatched','return_requested','in_progress','replied','verified')`

interface Query {
  name: string
  product: (d: DataInfo) => string
  baseline: (d: DataInfo) => string
}

/** [from, to) as whole days ending with the generator's last day. */
const days = (d: DataInfo, n: number) => {
  const to = new Date(new Date(d.until).getTime() + DAY).toISOString().slice(0, 10)
  const from = new Date(new Date(to).getTime() - n * DAY).toISOString().slice(0, 10)
  return { from, to }
}
const qs = (o: Record<string, string | number>) =>
  new URLSearchParams(Object.entries(o).map(([k, v]) => [k, String(v)])).toString()

/** The extent of the generated grid points, padded: the city's box. */
function cityBox(d: DataInfo): string {
  const xs = d.points.map((p) => p.lng)
  const ys = d.points.map((p) => p.lat)
  const pad = 0.01
  return [Math.min(...xs) - pad, Math.min(...ys) - pad, Math.max(...xs) + pad, Math.max(...ys) + pad]
    .map((x) => x.toFixed(6))
    .join(',')
}

export const mapQueries: Query[] = [
  {
    name: 'choropleth, street, 30 days',
    product: (d) => `/api/v1/analytics/map/grids?${qs({ areaId: d.street.id, ...days(d, 30) })}`,
    baseline: (d) => `/baseline/map-grids?${qs({ areaId: d.street.id, ...days(d, 30) })}`,
  },
  {
    name: 'choropleth, street, year',
    product: (d) => `/api/v1/analytics/map/grids?${qs({ areaId: d.street.id, ...days(d, 365) })}`,
    baseline: (d) => `/baseline/map-grids?${qs({ areaId: d.street.id, ...days(d, 365) })}`,
  },
  {
    name: 'clusters, city, 30 days, zoom 11',
    product: (d) =>
      `/api/v1/analytics/map/points?${qs({ areaId: d.city.id, ...days(d, 30), bbox: cityBox(d), zoom: 11 })}`,
    baseline: (d) => `/baseline/map-clusters?${qs({ areaId: d.city.id, ...days(d, 30), bbox: cityBox(d), zoom: 11 })}`,
  },
  {
    name: 'clusters, city, year, zoom 14',
    product: (d) =>
      `/api/v1/analytics/map/points?${qs({ areaId: d.city.id, ...days(d, 365), bbox: cityBox(d), zoom: 14 })}`,
    baseline: (d) => `/baseline/map-clusters?${qs({ areaId: d.city.id, ...days(d, 365), bbox: cityBox(d), zoom: 14 })}`,
  },
]

export const maps: Section<Record<string, LatencyResult>> = {
  name: 'maps',
  description: 'staff maps (choropleth by grid, server-side clusters): latency p95 vs hand-written SQL over the cases',
  baselineRoutes(app, database) {
    const local = (day: string) => sql`(${day}::date)::timestamp at time zone 'Asia/Shanghai'`
    app.get('/baseline/map-grids', async (req) => {
      const q = req.query as { areaId: string; from: string; to: string }
      const { rows } = await sql<Record<string, unknown>>`
        with sub as (select id from area where path like (select path from area where id = ${Number(q.areaId)}) || '%'),
        counts as (
          select area_id, count(*)::int as total,
                 count(*) filter (where state in ${sql.raw(OPEN)})::int as open,
                 count(*) filter (where state in ${sql.raw(OPEN)} and stage_due_at < now())::int as overdue
          from cases
          where area_id in (select id from sub) and state <> 'merged'
            and submitted_at >= ${local(q.from)} and submitted_at < ${local(q.to)}
          group by area_id
        )
        select a.id, a.code, a.name_zh, a.name_en, coalesce(c.total, 0) as total, coalesce(c.open, 0) as open,
               coalesce(c.overdue, 0) as overdue, ST_Area(a.boundary::geography) as m2,
               ST_AsGeoJSON(ST_SimplifyPreserveTopology(a.boundary, 0.00001), 6)::json as geometry
        from area a left join counts c on c.area_id = a.id
        where a.id in (select id from sub) and a.retired_at is null
          and (c.area_id is not null or not exists (select 1 from area ch where ch.parent_id = a.id and ch.retired_at is null))
        order by a.path`.execute(database.db)
      return rows
    })
    app.get('/baseline/map-clusters', async (req) => {
      const q = req.query as { areaId: string; from: string; to: string; bbox: string; zoom: string }
      const [w, s, e, n] = q.bbox.split(',').map(Number) as [number, number, number, number]
      const cell = 360 / 2 ** Number(q.zoom) / 4
      const { rows } = await sql<Record<string, unknown>>`
        select avg(ST_X(location)) as lng, avg(ST_Y(location)) as lat, count(*)::int as n,
               count(*) filter (where state in ${sql.raw(OPEN)})::int as open
        from cases
        where area_id in (select id from area where path like (select path from area where id = ${Number(q.areaId)}) || '%')
          and state <> 'merged' and submitted_at >= ${local(q.from)} and submitted_at < ${local(q.to)}
          and location && ST_MakeEnvelope(${w}, ${s}, ${e}, ${n}, 4326)
        group by floor((ST_X(location) + 180) / ${cell}), floor((ST_Y(location) + 90) / ${cell})`.execute(database.db)
      return rows
    })
  },
  async baseline(ctx) {
    const out: Record<string, LatencyResult> = {}
    for (const q of mapQueries)
      out[q.name] = await latency(
        () => fetch(`${ctx.url}${q.baseline(ctx.data)}`),
        ctx.profile.samples,
        ctx.profile.warmup,
      )
    return out
  },
  async run(ctx: ServerContext, base) {
    const rows: Measurement[] = []
    const pg = ctx.data.backend === 'postgresql'
    for (const q of mapQueries) {
      const r = await latency(
        () => fetch(`${ctx.url}${q.product(ctx.data)}`, { headers: { authorization: `Bearer ${ctx.tokens.admin}` } }),
        ctx.profile.samples,
        ctx.profile.warmup,
      )
      const b = base?.[q.name]
      const ratio = b ? r.p95 / b.p95 : null
      const limit = pg ? 200 : 300
      rows.push({
        section: 'maps',
        name: `${q.name} p95`,
        unit: 'ms',
        value: r.p95,
        baseline: b?.p95 ?? null,
        ratio,
        target: pg ? '≤ 200 ms' : '≤ 300 ms',
        met: r.p95 <= limit,
        ...(r.failures ? { note: `${r.failures} failed (last status ${r.lastStatus})` } : {}),
        detail: { product: r, baseline: b ?? null },
      })
    }
    return rows
  },
}
