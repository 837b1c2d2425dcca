import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { areaId, backends, call, openTestPlatform, tokenFor, type TestPlatform } from '../../test/support.js'
import { cellDegrees, POINT_CAP, POINT_ZOOM } from './maps.js'

// The staff maps (GET /api/v1/analytics/map/…) on a fixture counted by hand, and against
// hand-written SQL over the raw tables on the demo city's own data. The clock stands at
// 2099-03-20T02:00Z; the fixture's cases are inserted directly, in March 2099 (no demo case is
// that late), at points inside the grids of 桂花 (JZ-QH-01-01-G01 = gA, -G02 = gB) and 翠竹
// (JZ-QH-02-01-G01 = gC). Times are UTC; 02:00Z is 10:00 in Shanghai, so local day = UTC day.
//
// M1 gA in_progress DL-03 sub 03-02, stage due 03-10 (overdue), at pA
// M2 gA dispatched  DL-03 sub 03-03, stage due 03-25 (not yet), at pA + 0.0001°
// M3 gA closed      DL-03 sub 03-04, at pA + 0.0002°
// M4 gB rated       DL-03 sub 03-05, at pB
// M5 gB merged      DL-03 sub 03-05, at pB            — outside every population
// M6 gB submitted   DL-03 sub 02-20, at pB            — before the period
// M7 gC in_progress DL-03 sub 03-06, stage due 03-08 (overdue), at pC — 翠竹, not 桂花
// M8 gA in_progress DL-03 sub 03-07, stage due 03-09 (overdue), no location
// M9 gA closed      SR-02 sub 03-08, at pA
//
// 桂花, March: gA total 5 (M1 M2 M3 M8 M9), open 3 (M1 M2 M8), overdue 2 (M1 M8); gB total 1, open 0;
// every other grid 0. Located in 桂花's box: M1 M2 M3 M4 M9.

const NOW = '2099-03-20T02:00:00Z'
const MARCH = 'from=2099-03-01&to=2099-04-01'

interface Pt {
  lng: number
  lat: number
}

describe.each(backends())('staff maps on %s', (backend) => {
  let p: TestPlatform
  let gA: number
  let gB: number
  let gC: number
  let guihua: number
  let cuizhu: number
  let district: number
  let pA: Pt
  let pB: Pt
  const ids: Record<string, number> = {}
  const tok: Record<string, string> = {}
  let box = ''

  const get = (url: string, who = 'guihua.leader') => call(p.app, 'GET', url, { token: tok[who] })

  async function inside(grid: number): Promise<Pt> {
    const { rows } = await sql<Pt>`
      select ST_X(ST_PointOnSurface(boundary)) as lng, ST_Y(ST_PointOnSurface(boundary)) as lat
      from area where id = ${grid}`.execute(p.database.db)
    return rows[0]!
  }

  async function put(
    key: string,
    grid: number,
    state: string,
    sub: string,
    at: Pt | null,
    opts: { stageDue?: string; category?: string } = {},
  ) {
    const db = p.database.db
    const k = await db
      .selectFrom('case_category')
      .select('id')
      .where('code', '=', opts.category ?? 'DL-03')
      .executeTakeFirstOrThrow()
    const d = await db.selectFrom('area').select('id').where('code', '=', 'JZ-QH').executeTakeFirstOrThrow()
    const t = new Date(`2099-${sub}T02:00:00Z`)
    const { rows } = await sql<{ id: string }>`
      insert into cases (tracking_code, category_id, area_id, district_id, channel, state, description, location,
          submitted_at, response_due_at, stage_due_at, closed_at, updated_at)
      values (${`T-MAP-${key}`}, ${k.id}, ${grid}, ${d.id}, 'hotline', ${state}, '地图测试',
          ${at ? sql`ST_SetSRID(ST_MakePoint(${at.lng}, ${at.lat}), 4326)` : null}, ${t},
          ${new Date(t.getTime() + 3600_000)}, ${opts.stageDue ? new Date(`2099-${opts.stageDue}T02:00:00Z`) : null},
          ${state === 'closed' || state === 'rated' ? new Date(t.getTime() + 86400_000) : null}, ${t})
      returning id`.execute(db)
    ids[key] = Number(rows[0]!.id)
  }

  /**
   * Volume for the comparisons with hand-written SQL: 1500 cases in January 2099 spread over the
   * district's grids, in every state, around each grid's point on surface, some overdue.
   */
  async function bulk() {
    await sql`
      with g as (
        select a.id, a.path, row_number() over (order by a.id) - 1 as k, count(*) over () as m,
               ST_PointOnSurface(a.boundary) as pt
        from area a where a.level = 'grid' and a.path like (select path from area where code = 'JZ-QH') || '%'
      ), s as (
        select i, (array['in_progress', 'dispatched', 'closed', 'rated', 'merged', 'submitted', 'shelved'])[1 + i % 7] as state
        from generate_series(1, 1500) i
      )
      insert into cases (tracking_code, category_id, area_id, district_id, channel, state, description, location,
          submitted_at, response_due_at, stage_due_at, closed_at, updated_at)
      select 'T-MAPB-' || s.i, (select id from case_category where code = case when s.i % 3 = 0 then 'SR-02' else 'DL-03' end),
             g.id, (select id from area where code = 'JZ-QH'), 'hotline', s.state, '地图批量',
             ST_SetSRID(ST_MakePoint(ST_X(g.pt) + ((s.i * 37) % 200 - 100) * 0.00001,
                                     ST_Y(g.pt) + ((s.i * 53) % 200 - 100) * 0.00001), 4326),
             timestamptz '2099-01-01T02:00:00Z' + make_interval(days => s.i % 31, hours => s.i % 11),
             timestamptz '2099-01-01T06:00:00Z' + make_interval(days => s.i % 31),
             timestamptz '2099-01-01T02:00:00Z' + make_interval(days => (s.i * 7) % 90),
             case when s.state in ('closed', 'rated') then timestamptz '2099-02-01T02:00:00Z' end,
             timestamptz '2099-01-01T02:00:00Z'
      from s join g on g.k = s.i % g.m`.execute(p.database.db)
  }

  beforeAll(async () => {
    p = await openTestPlatform(backend, NOW)
    gA = await areaId(p, 'JZ-QH-01-01-G01')
    gB = await areaId(p, 'JZ-QH-01-01-G02')
    gC = await areaId(p, 'JZ-QH-02-01-G01')
    guihua = await areaId(p, 'JZ-QH-01-01')
    cuizhu = await areaId(p, 'JZ-QH-02-01')
    district = await areaId(p, 'JZ-QH')
    pA = await inside(gA)
    pB = await inside(gB)
    const pC = await inside(gC)
    const near = (d: number) => ({ lng: pA.lng + d, lat: pA.lat + d })
    await put('M1', gA, 'in_progress', '03-02', pA, { stageDue: '03-10' })
    await put('M2', gA, 'dispatched', '03-03', near(0.0001), { stageDue: '03-25' })
    await put('M3', gA, 'closed', '03-04', near(0.0002))
    await put('M4', gB, 'rated', '03-05', pB)
    await put('M5', gB, 'merged', '03-05', pB)
    await put('M6', gB, 'submitted', '02-20', pB)
    await put('M7', gC, 'in_progress', '03-06', pC, { stageDue: '03-08' })
    await put('M8', gA, 'in_progress', '03-07', null, { stageDue: '03-09' })
    await put('M9', gA, 'closed', '03-08', pA, { category: 'SR-02' })
    await bulk()
    for (const u of [
      'guihua.leader',
      'guihua.admin',
      'guihua.staff',
      'guihua.grid',
      'guihua.handler',
      'guihua.mediator',
      'guihua.resident',
      'leader',
    ])
      tok[u] = await tokenFor(p.app, u)
    const { rows } = await sql<{ w: number; s: number; e: number; n: number }>`
      select ST_XMin(boundary) as w, ST_YMin(boundary) as s, ST_XMax(boundary) as e, ST_YMax(boundary) as n
      from area where id = ${guihua}`.execute(p.database.db)
    const b = rows[0]!
    box = [b.w, b.s, b.e, b.n].map((x) => x.toFixed(6)).join(',')
  }, 120_000)

  afterAll(async () => {
    await p?.close()
  })

  it('counts the choropleth by hand: total and open from the rollup, overdue live, every leaf grid listed', async () => {
    const res = await get(`/api/v1/analytics/map/grids?areaId=${guihua}&${MARCH}`)
    expect(res.status).toBe(200)
    const by = new Map(res.body.grids.map((g: { areaId: number }) => [g.areaId, g]))
    expect(by.get(gA)).toMatchObject({ total: 5, open: 3, overdue: 2 })
    expect(by.get(gB)).toMatchObject({ total: 1, open: 0, overdue: 0 })
    expect(by.has(gC)).toBe(false)
    expect(res.body.totals).toMatchObject({ total: 6, open: 3, overdue: 2 })
    // Every active leaf area of 桂花 is on the map, with a boundary and its size.
    const { rows: leaves } = await sql<{ id: number }>`
      select a.id from area a where a.path like (select path from area where id = ${guihua}) || '%'
        and a.retired_at is null and not exists (select 1 from area c where c.parent_id = a.id and c.retired_at is null)
      order by a.id`.execute(p.database.db)
    expect([...by.keys()].sort((x, y) => Number(x) - Number(y))).toEqual(leaves.map((l) => l.id))
    const a = by.get(gA) as { geometry: { type: string }; areaKm2: number; density: number }
    expect(['Polygon', 'MultiPolygon']).toContain(a.geometry.type)
    expect(a.areaKm2).toBeGreaterThan(0)
    expect(Math.abs(a.density - 5 / a.areaKm2) / a.density).toBeLessThan(0.01)
    // The category filter: only M9 is SR-02.
    const sr = await p.database.db
      .selectFrom('case_category')
      .select('id')
      .where('code', '=', 'SR-02')
      .executeTakeFirstOrThrow()
    const one = await get(`/api/v1/analytics/map/grids?areaId=${guihua}&${MARCH}&categoryId=${sr.id}`)
    expect(one.body.totals).toMatchObject({ total: 1, open: 0, overdue: 0 })
    // A period that ends before M1: nothing of March.
    const feb = await get(`/api/v1/analytics/map/grids?areaId=${guihua}&from=2099-02-01&to=2099-03-02`)
    expect(feb.body.totals).toMatchObject({ total: 1, open: 1, overdue: 0 })
  })

  it('equals hand-written SQL over cases for the district over a year', async () => {
    const from = '2098-03-20'
    const to = '2099-03-21'
    const res = await get(`/api/v1/analytics/map/grids?areaId=${district}&from=${from}&to=${to}`, 'leader')
    expect(res.status).toBe(200)
    const { rows } = await sql<{ area_id: number; total: number; open: number; overdue: number }>`
      select c.area_id, count(*)::int as total,
             count(*) filter (where c.state in ('verifying','submitted','accepted','dispatched','return_requested','in_progress','replied','verified'))::int as open,
             count(*) filter (where c.state in ('verifying','submitted','accepted','dispatched','return_requested','in_progress','replied','verified')
                              and c.stage_due_at < ${new Date(NOW)})::int as overdue
      from cases c join area a on a.id = c.area_id
      where a.path like (select path from area where id = ${district}) || '%' and c.state <> 'merged'
        and (c.submitted_at at time zone 'Asia/Shanghai')::date >= ${from}::date
        and (c.submitted_at at time zone 'Asia/Shanghai')::date < ${to}::date
      group by c.area_id`.execute(p.database.db)
    const got = new Map<number, { total: number; open: number; overdue: number }>(
      res.body.grids.map((g: { areaId: number; total: number; open: number; overdue: number }) => [
        g.areaId,
        { total: g.total, open: g.open, overdue: g.overdue },
      ]),
    )
    for (const r of rows)
      expect(got.get(r.area_id), `area ${r.area_id}`).toEqual({ total: r.total, open: r.open, overdue: r.overdue })
    const nonzero = [...got.entries()].filter(([, v]) => v.total > 0 || v.overdue > 0).map(([k]) => k)
    expect(nonzero.sort()).toEqual(rows.map((r) => r.area_id).sort())
    expect(res.body.totals.total).toBe(rows.reduce((s, r) => s + r.total, 0))
    // The same total as /stats/cases over the same days.
    const stats = await call(p.app, 'GET', `/api/v1/stats/cases?areaId=${district}&from=${from}&to=${to}`, {
      token: tok.leader,
    })
    expect(stats.body.totals.total).toBe(res.body.totals.total)
    expect(stats.body.totals.open).toBe(res.body.totals.open)
    expect(stats.body.totals.overdue).toBe(res.body.totals.overdue)
  })

  it('clusters add up to the cases in the box at every zoom; single points at high zoom', async () => {
    for (const zoom of [8, 11, 13, 14]) {
      const res = await get(`/api/v1/analytics/map/points?areaId=${guihua}&${MARCH}&bbox=${box}&zoom=${zoom}`)
      expect(res.status).toBe(200)
      expect(res.body.mode).toBe('clusters')
      expect(res.body.total).toBe(5)
      expect(res.body.clusters.reduce((s: number, c: { count: number }) => s + c.count, 0)).toBe(5)
      expect(res.body.clusters.reduce((s: number, c: { open: number }) => s + c.open, 0)).toBe(2)
      expect(res.body.cellDegrees).toBe(cellDegrees(zoom))
    }
    const high = await get(`/api/v1/analytics/map/points?areaId=${guihua}&${MARCH}&bbox=${box}&zoom=${POINT_ZOOM + 1}`)
    expect(high.body.mode).toBe('points')
    expect(high.body.points.map((x: { id: number }) => x.id).sort()).toEqual(
      ['M1', 'M2', 'M3', 'M4', 'M9'].map((k) => ids[k]).sort(),
    )
    const m9 = high.body.points.find((x: { id: number }) => x.id === ids.M9)
    expect(m9).toMatchObject({ trackingCode: 'T-MAP-M9', state: 'closed', categoryCode: 'SR-02' })
    expect(m9.lng).toBeCloseTo(pA.lng, 9)
    // A box around pB only: M4 alone, a cluster of one names its case.
    const small = [pB.lng - 0.00005, pB.lat - 0.00005, pB.lng + 0.00005, pB.lat + 0.00005].join(',')
    const b = await get(`/api/v1/analytics/map/points?areaId=${guihua}&${MARCH}&bbox=${small}&zoom=10`)
    expect(b.body.clusters).toEqual([
      expect.objectContaining({ count: 1, open: 0, caseId: ids.M4, trackingCode: 'T-MAP-M4' }),
    ])
  })

  it('clusters equal hand-written SQL in half the district, points only below the cap', async () => {
    const { rows: env } = await sql<{ w: number; s: number; e: number; n: number }>`
      select ST_XMin(boundary) as w, ST_YMin(boundary) as s, ST_XMax(boundary) as e, ST_YMax(boundary) as n
      from area where id = ${district}`.execute(p.database.db)
    const e = env[0]!
    // The western half of the district: clusters cut by the box's edge count only what lies inside.
    const west = [e.w, e.s, (e.w + e.e) / 2, e.n]
    const from = '2098-03-20'
    const to = '2099-03-21'
    const { rows } = await sql<{ n: number }>`
      select count(*)::int as n from cases c join area a on a.id = c.area_id
      where a.path like (select path from area where id = ${district}) || '%' and c.state <> 'merged'
        and (c.submitted_at at time zone 'Asia/Shanghai')::date >= ${from}::date
        and (c.submitted_at at time zone 'Asia/Shanghai')::date < ${to}::date
        and ST_X(c.location) between ${west[0]} and ${west[2]} and ST_Y(c.location) between ${west[1]} and ${west[3]}`.execute(
      p.database.db,
    )
    for (const zoom of [10, 13, 16]) {
      const res = await get(
        `/api/v1/analytics/map/points?areaId=${district}&from=${from}&to=${to}&bbox=${west.join(',')}&zoom=${zoom}`,
        'leader',
      )
      expect(res.status).toBe(200)
      expect(res.body.total).toBe(rows[0]!.n)
      const sum =
        res.body.mode === 'clusters'
          ? res.body.clusters.reduce((s: number, c: { count: number }) => s + c.count, 0)
          : res.body.points.length
      expect(sum).toBe(rows[0]!.n)
      if (zoom >= POINT_ZOOM) expect(res.body.mode).toBe(rows[0]!.n > POINT_CAP ? 'clusters' : 'points')
    }
    expect(rows[0]!.n).toBeGreaterThan(POINT_CAP)
  })

  it('shows open disputes by risk without their parties', async () => {
    const res = await get(`/api/v1/analytics/map/disputes?areaId=${district}`, 'leader')
    expect(res.status).toBe(200)
    const { rows } = await sql<{ risk_level: string; n: number; located: number }>`
      select d.risk_level, count(*)::int as n, count(d.location)::int as located
      from dispute d join area a on a.id = d.area_id
      where a.path like (select path from area where id = ${district}) || '%'
        and d.state in ('registered', 'people_mediation', 'administrative_mediation', 'judicial_referral')
      group by d.risk_level`.execute(p.database.db)
    const want = { low: 0, medium: 0, high: 0, urgent: 0, total: 0, located: 0 } as Record<string, number>
    for (const r of rows) {
      want[r.risk_level] = r.n
      want.total! += r.n
      want.located! += r.located
    }
    expect(res.body.totals).toEqual(want)
    expect(want.total).toBeGreaterThan(0)
    expect(res.body.points).toHaveLength(want.located)
    expect(res.body.grids.reduce((s: number, g: { total: number }) => s + g.total, 0)).toBe(want.total)
    for (const pt of res.body.points)
      expect(Object.keys(pt).sort()).toEqual(
        ['category', 'id', 'lat', 'lng', 'reference', 'registeredAt', 'riskLevel', 'state'].sort(),
      )
    // 桂花's leader sees only 桂花's.
    const own = await get(`/api/v1/analytics/map/disputes`)
    const { rows: gh } = await sql<{ n: number }>`
      select count(*)::int as n from dispute d join area a on a.id = d.area_id
      where a.path like (select path from area where id = ${guihua}) || '%'
        and d.state in ('registered', 'people_mediation', 'administrative_mediation', 'judicial_referral')`.execute(
      p.database.db,
    )
    expect(own.body.totals.total).toBe(gh[0]!.n)
  })

  it('lists components with open cases, their count and the oldest', async () => {
    const { rows: ks } = await sql<{ id: string }>`
      select k.id from component k where k.area_id = ${gA}
        and not exists (select 1 from cases c where c.component_id = k.id) order by k.id limit 1`.execute(p.database.db)
    let component: number
    if (ks[0]) component = Number(ks[0].id)
    else {
      const made = await call(p.app, 'POST', '/api/v1/components', {
        token: tok['guihua.staff'],
        body: { code: `MAP-${Date.now().toString(36)}`, classCode: '0304', name: '地图测试垃圾箱', location: pA },
      })
      expect(made.status).toBe(201)
      component = made.body.id
    }
    // M1 and M2 are open, M3 closed: two open cases, M1 the oldest.
    await sql`update cases set component_id = ${component} where id = any(${[ids.M1, ids.M2, ids.M3]}::bigint[])`.execute(
      p.database.db,
    )
    const res = await get(`/api/v1/analytics/map/components?areaId=${guihua}`)
    expect(res.status).toBe(200)
    const k = res.body.components.find((c: { id: number }) => c.id === component)
    expect(k).toMatchObject({ openCases: 2, oldestCaseId: ids.M1, oldestTrackingCode: 'T-MAP-M1' })
    expect(k.oldestOpenAt).toBe('2099-03-02T02:00:00.000Z')
    const { rows } = await sql<{ n: number; cases: number }>`
      select count(distinct c.component_id)::int as n, count(*)::int as cases
      from cases c join component k on k.id = c.component_id join area a on a.id = k.area_id
      where a.path like (select path from area where id = ${guihua}) || '%'
        and c.state in ('verifying','submitted','accepted','dispatched','return_requested','in_progress','replied','verified')`.execute(
      p.database.db,
    )
    expect(res.body.total).toBe(rows[0]!.n)
    expect(res.body.openCases).toBe(rows[0]!.cases)
    expect(res.body.components.reduce((s: number, c: { openCases: number }) => s + c.openCases, 0)).toBe(rows[0]!.cases)
  })

  it('keeps to the caller’s areas and roles', async () => {
    // Another community: 403 naming areaId; an unknown area 404.
    const other = await get(`/api/v1/analytics/map/grids?areaId=${cuizhu}&${MARCH}`)
    expect(other.status).toBe(403)
    expect(other.body.error.field ?? other.body.field).toBe('areaId')
    expect((await get(`/api/v1/analytics/map/grids?areaId=2147483647&${MARCH}`)).status).toBe(404)
    // Without areaId: 桂花 only (M7 of 翠竹 stays out of every layer).
    const mine = await get(`/api/v1/analytics/map/grids?${MARCH}`)
    expect(mine.body.areas.map((a: { id: number }) => a.id)).toEqual([guihua])
    expect(mine.body.totals.total).toBe(6)
    const pts = await get(`/api/v1/analytics/map/points?${MARCH}&bbox=-180,-90,180,90&zoom=3`)
    expect(pts.body.total).toBe(5)
    // The district leader sees M7 as well.
    const all = await get(`/api/v1/analytics/map/grids?areaId=${district}&${MARCH}`, 'leader')
    expect(all.body.grids.find((g: { areaId: number }) => g.areaId === gC)).toMatchObject({ total: 1, overdue: 1 })
    // Admins and staff read; the other roles do not.
    for (const u of ['guihua.admin', 'guihua.staff'])
      expect((await get(`/api/v1/analytics/map/grids?${MARCH}`, u)).status).toBe(200)
    for (const u of ['guihua.grid', 'guihua.handler', 'guihua.mediator', 'guihua.resident'])
      for (const path of ['grids', 'disputes', 'components'])
        expect((await get(`/api/v1/analytics/map/${path}`, u)).status, `${u} ${path}`).toBe(403)
    expect((await call(p.app, 'GET', '/api/v1/analytics/map/grids')).status).toBe(401)
  })

  it('refuses bad input naming the field', async () => {
    const cases: [string, string][] = [
      [`grids?areaId=${guihua}&from=2099-04-01&to=2099-03-01`, 'from'],
      [`grids?areaId=${guihua}&from=0000-01-01`, 'from'],
      [`grids?areaId=${guihua}&to=2099-02-30`, 'to'],
      [`points?areaId=${guihua}&bbox=120,31,119,32&zoom=10`, 'bbox'],
      [`points?areaId=${guihua}&bbox=200,31,201,32&zoom=10`, 'bbox'],
      [`points?areaId=${guihua}&bbox=1,2,3&zoom=10`, 'bbox'],
      [`points?areaId=${guihua}&bbox=${box}&zoom=23`, 'zoom'],
    ]
    for (const [url, field] of cases) {
      const res = await get(`/api/v1/analytics/map/${url}`)
      expect(res.status, url).toBe(400)
      expect(JSON.stringify(res.body), url).toContain(field)
    }
    const k = await get(`/api/v1/analytics/map/grids?areaId=${guihua}&categoryId=2147483647`)
    expect(k.status).toBe(404)
  })
})
