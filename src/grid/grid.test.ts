import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { areaId, backends, call, openTestPlatform, tokenFor, type TestPlatform } from '../../test/support.js'

// Patrol logs, their statistics and the grid profile against the demo city: guihua.grid patrols
// 桂花 G01 (JZ-QH-01-01-G01) and walks into G02; a second grid worker of G01, made through the
// grant API with a duty type, tries to send points to it. The clock is the test's, so durations and
// the idle window are exact; the period lies after anything the demo seeds.

const START = '2027-06-01T01:00:00Z'
let serial = 0

/** Geodesic length in metres of a path on the WGS 84 ellipsoid is what PostGIS computes; the haversine on a sphere is within 0.5 %. */
function haversine(points: { lng: number; lat: number }[]) {
  let m = 0
  for (let i = 1; i < points.length; i++) {
    const a = points[i - 1]!
    const b = points[i]!
    const r = Math.PI / 180
    const h =
      Math.sin(((b.lat - a.lat) * r) / 2) ** 2 +
      Math.cos(a.lat * r) * Math.cos(b.lat * r) * Math.sin(((b.lng - a.lng) * r) / 2) ** 2
    m += 2 * 6371008.8 * Math.asin(Math.sqrt(h))
  }
  return m
}

describe.each(backends())('grid work on %s', (backend) => {
  let p: TestPlatform
  let grid: number
  let grid2: number
  let community: number
  let worker: string
  let workerId: number
  let colleague: string
  let inside: { lng: number; lat: number }
  let inside2: { lng: number; lat: number }
  const at = (minutes: number) => new Date(Date.parse(START) + minutes * 60_000).toISOString()

  beforeAll(async () => {
    p = await openTestPlatform(backend, START)
    grid = await areaId(p, 'JZ-QH-01-01-G01')
    grid2 = await areaId(p, 'JZ-QH-01-01-G02')
    community = await areaId(p, 'JZ-QH-01-01')
    const surface = async (id: number) => {
      const { rows } = await sql<{ lng: number; lat: number }>`
        select ST_X(s) as lng, ST_Y(s) as lat from (select ST_PointOnSurface(boundary) as s from area where id = ${id}) x`.execute(
        p.database.db,
      )
      return { lng: Number(rows[0]!.lng), lat: Number(rows[0]!.lat) }
    }
    inside = await surface(grid)
    inside2 = await surface(grid2)
    worker = await tokenFor(p.app, 'guihua.grid')
    workerId = (await call(p.app, 'GET', '/api/v1/auth/me', { token: worker })).body.user.id
    const admin = await tokenFor(p.app, 'guihua.admin')
    const made = await call(p.app, 'POST', '/api/v1/users', {
      token: admin,
      headers: { 'idempotency-key': `colleague-${backend}-${++serial}` },
      body: {
        username: `gw.colleague${serial}`,
        displayName: '兼职网格员',
        password: 'a long colleague password',
        grants: [{ role: 'grid_worker', areaId: grid, dutyType: 'part_time' }],
      },
    })
    expect(made.status).toBe(201)
    expect(made.body.roles[0].dutyType).toBe('part_time')
    const login = await call(p.app, 'POST', '/api/v1/auth/login', {
      body: { username: `gw.colleague${serial}`, password: 'a long colleague password' },
    })
    colleague = login.body.token
  })
  afterAll(() => p?.close())

  it('duty types: shown on grants, refused on a role that has none, grid workers default to full-time', async () => {
    const me = await call(p.app, 'GET', '/api/v1/auth/me', { token: worker })
    expect(me.body.user.roles.map((g: { role: string; dutyType: string | null }) => [g.role, g.dutyType])).toEqual([
      ['grid_worker', 'grid_leader'],
    ])
    const staff = await call(p.app, 'GET', '/api/v1/auth/me', { token: await tokenFor(p.app, 'guihua.staff') })
    expect(staff.body.user.roles[0].dutyType).toBeNull()
    const admin = await tokenFor(p.app, 'guihua.admin')
    const bad = await call(p.app, 'POST', '/api/v1/users', {
      token: admin,
      body: {
        username: `gw.bad${++serial}`,
        displayName: '错',
        password: 'a long colleague password',
        grants: [{ role: 'staff', areaId: grid, dutyType: 'full_time' }],
      },
    })
    expect(bad.status).toBe(400)
    expect(bad.body.error.field).toBe('grants[0].dutyType')
    expect(
      await p.database.db.selectFrom('app_user').where('username', '=', `gw.bad${serial}`).select('id').execute(),
    ).toEqual([])
    // A grant written without one (the CLI, an older client) is a full-time worker's.
    const { rows } = await sql<{ duty_type: string }>`
      insert into role_grant (user_id, role, area_id) values (${workerId}, 'grid_worker', ${grid2}) returning duty_type`.execute(
      p.database.db,
    )
    expect(rows[0]!.duty_type).toBe('full_time')
    await sql`delete from role_grant where user_id = ${workerId} and area_id = ${grid2}`.execute(p.database.db)
    await expect(
      sql`insert into role_grant (user_id, role, area_id, duty_type) values (${workerId}, 'staff', ${grid2}, 'part_time')`.execute(
        p.database.db,
      ),
    ).rejects.toThrow()
  })

  it('a patrol from start to end: batches out of order and once only, distance, grids, cases filed, bad input', async () => {
    const key = `start-${backend}`
    const started = await call(p.app, 'POST', '/api/v1/grid/patrols', {
      token: worker,
      headers: { 'idempotency-key': key },
      body: { note: '例行巡查' },
    })
    expect(started.status).toBe(201)
    expect(started.body).toMatchObject({ active: true, pointCount: 0, distanceM: 0, area: { id: grid } })
    const id = started.body.id
    // The retry of the start answers the same patrol; a second patrol is refused.
    const again = await call(p.app, 'POST', '/api/v1/grid/patrols', {
      token: worker,
      headers: { 'idempotency-key': key },
      body: { note: '例行巡查' },
    })
    expect(again.body.id).toBe(id)
    const second = await call(p.app, 'POST', '/api/v1/grid/patrols', { token: worker, body: {} })
    expect(second.status).toBe(409)
    expect(second.body.error.code).toBe('PATROL_ALREADY_ACTIVE')

    // The track: four points in G01 a few tens of metres apart, then two into G02.
    const d = 0.0003
    const path = [
      { at: at(1), lng: inside.lng, lat: inside.lat },
      { at: at(2), lng: inside.lng + d, lat: inside.lat },
      { at: at(3), lng: inside.lng + d, lat: inside.lat + d },
      { at: at(4), lng: inside.lng, lat: inside.lat + d },
      { at: at(30), lng: inside2.lng, lat: inside2.lat },
      { at: at(31), lng: inside2.lng + d, lat: inside2.lat },
    ]
    p.clock.set(new Date(at(5)))
    // Out of order, as an offline buffer flushes.
    const batch1 = { points: [path[2]!, path[0]!, { ...path[1]!, accuracy: 8 }] }
    const b1 = await call(p.app, 'POST', `/api/v1/grid/patrols/${id}/points`, {
      token: worker,
      headers: { 'idempotency-key': `b1-${backend}` },
      body: batch1,
    })
    expect(b1.status).toBe(200)
    expect(b1.body).toMatchObject({ accepted: 3, duplicates: 0, pointCount: 3, gridCount: 1 })
    // The same batch again (same key): the stored answer, nothing counted twice.
    const replay = await call(p.app, 'POST', `/api/v1/grid/patrols/${id}/points`, {
      token: worker,
      headers: { 'idempotency-key': `b1-${backend}` },
      body: batch1,
    })
    expect(replay.body).toEqual(b1.body)
    // The same points under a new key (a client that lost the answer and rebuilt the batch): duplicates.
    const rebuilt = await call(p.app, 'POST', `/api/v1/grid/patrols/${id}/points`, {
      token: worker,
      headers: { 'idempotency-key': `b1b-${backend}` },
      body: { points: [path[0]!, path[3]!] },
    })
    expect(rebuilt.body).toMatchObject({ accepted: 1, duplicates: 1, pointCount: 4 })
    expect(rebuilt.body.distanceM).toBeCloseTo(haversine(path.slice(0, 4)), -1)

    // Another worker of the same grid sees the patrol but may not write to it; nothing is stored.
    const foreign = await call(p.app, 'POST', `/api/v1/grid/patrols/${id}/points`, {
      token: colleague,
      body: { points: [{ at: at(4), lng: inside.lng, lat: inside.lat }] },
    })
    expect(foreign.status).toBe(403)
    expect(foreign.body.error).toMatchObject({ code: 'PATROL_NOT_YOURS', field: 'id' })
    // A worker of another community does not see it at all.
    const stranger = await call(p.app, 'POST', `/api/v1/grid/patrols/${id}/points`, {
      token: await tokenFor(p.app, 'cuizhu.grid'),
      body: { points: [{ at: at(4), lng: inside.lng, lat: inside.lat }] },
    })
    expect(stranger.status).toBe(404)
    // A point from a day before the start names itself.
    const early = await call(p.app, 'POST', `/api/v1/grid/patrols/${id}/points`, {
      token: worker,
      body: { points: [path[3]!, { at: at(-24 * 60), lng: inside.lng, lat: inside.lat }] },
    })
    expect(early.status).toBe(422)
    expect(early.body.error).toMatchObject({ code: 'PATROL_POINT_INVALID', field: 'points[1].at' })

    // Cases filed during the patrol: the worker's patrol-channel cases between start and end.
    const db = p.database.db
    const category = await db
      .selectFrom('case_category')
      .select('id')
      .where('is_leaf', '=', true)
      .executeTakeFirstOrThrow()
    const district = await areaId(p, 'JZ-QH')
    const fileCase = async (code: string, state: string, minutes: number, reporter = workerId) =>
      sql`insert into cases (tracking_code, category_id, area_id, district_id, channel, state, description, reporter_id,
            submitted_at, response_due_at, updated_at)
          values (${`${code}-${backend}`}, ${category.id}, ${grid}, ${district}, 'patrol', ${state}, '巡查发现井盖破损',
                  ${reporter}, ${at(minutes)}, ${at(minutes + 60)}, ${at(minutes)})`.execute(db)
    await fileCase('T-PATROL-1', 'accepted', 3)
    await fileCase('T-PATROL-2', 'rejected', 4)
    await fileCase('T-PATROL-BEFORE', 'accepted', -30)

    // The end carries the last points (into G02); afterwards no more points, and no second end.
    p.clock.set(new Date(at(32)))
    const ended = await call(p.app, 'POST', `/api/v1/grid/patrols/${id}/end`, {
      token: worker,
      headers: { 'idempotency-key': `end-${backend}` },
      body: { points: [path[5]!, path[4]!] },
    })
    expect(ended.status).toBe(200)
    expect(ended.body).toMatchObject({ active: false, endedAt: at(32), durationSeconds: 32 * 60, pointCount: 6 })
    expect(ended.body.track.map((t: { at: string }) => t.at)).toEqual(path.map((t) => new Date(t.at).toISOString()))
    expect(ended.body.distanceM).toBeGreaterThan(haversine(path) * 0.99)
    expect(ended.body.distanceM).toBeLessThan(haversine(path) * 1.01)
    // G01 and G02, and any grid the straight walk between them crosses; G01 holds most of the track.
    const crossed: number[] = ended.body.grids.map((g: { id: number }) => g.id)
    expect(crossed).toEqual(expect.arrayContaining([grid, grid2]))
    expect(ended.body.grids.reduce((s: number, g: { share: number }) => s + g.share, 0)).toBeCloseTo(1, 2)
    expect(ended.body.cases.map((c: { trackingCode: string }) => c.trackingCode)).toEqual([
      `T-PATROL-1-${backend}`,
      `T-PATROL-2-${backend}`,
    ])
    expect(ended.body.casesFiled).toBe(2)
    const late = await call(p.app, 'POST', `/api/v1/grid/patrols/${id}/points`, {
      token: worker,
      body: { points: [{ at: at(33), lng: inside2.lng, lat: inside2.lat }] },
    })
    expect(late.status).toBe(409)
    expect(late.body.error).toMatchObject({ code: 'PATROL_ENDED', field: 'id' })
    const twice = await call(p.app, 'POST', `/api/v1/grid/patrols/${id}/end`, { token: worker, body: {} })
    expect(twice.status).toBe(409)
    const points = await sql<{
      n: number
    }>`select count(*)::int as n from patrol_point where patrol_id = ${id}`.execute(db)
    expect(points.rows[0]!.n).toBe(6)

    // The list: the leader of the community reads it; the worker finds no active patrol of theirs.
    const list = await call(p.app, 'GET', `/api/v1/grid/patrols?areaId=${community}&from=2027-06-01&to=2027-06-01`, {
      token: await tokenFor(p.app, 'guihua.leader'),
    })
    expect(list.status).toBe(200)
    expect(list.body.items.map((x: { id: number }) => x.id)).toContain(id)
    const active = await call(p.app, 'GET', `/api/v1/grid/patrols?workerId=${workerId}&active=true`, { token: worker })
    expect(active.body.total).toBe(0)

    // Statistics of the community for the day: this patrol, the reports (the rejected one is not valid).
    const stats = await call(
      p.app,
      'GET',
      `/api/v1/grid/patrol-stats?areaId=${community}&from=2027-06-01&to=2027-06-01`,
      {
        token: await tokenFor(p.app, 'guihua.staff'),
      },
    )
    expect(stats.status).toBe(200)
    const me = stats.body.workers.find((w: { id: number }) => w.id === workerId)
    expect(me).toMatchObject({ dutyType: 'grid_leader', patrols: 1, hours: 0.53, reports: 3, validReports: 2 })
    expect(me.distanceKm).toBeCloseTo(ended.body.distanceM / 1000, 2)
    const g1 = stats.body.grids.find((g: { id: number }) => g.id === grid)
    const g2 = stats.body.grids.find((g: { id: number }) => g.id === grid2)
    expect(g1).toMatchObject({ patrols: 1, idle: false, reports: 3, validReports: 2 })
    expect(g2).toMatchObject({ patrols: 1, idle: false, reports: 0 })
    // The time in each grid is apportioned by the share of track inside it (the walk may cross a
    // grid of the next community, outside these figures).
    const here = crossed.filter((c) => stats.body.grids.some((g: { id: number }) => g.id === c))
    const shareHere = ended.body.grids
      .filter((g: { id: number }) => here.includes(g.id))
      .reduce((s: number, g: { share: number }) => s + g.share, 0)
    const inGrids = stats.body.grids.filter((g: { id: number }) => here.includes(g.id))
    expect(inGrids.reduce((s: number, g: { hours: number }) => s + g.hours, 0)).toBeCloseTo((shareHere * 32) / 60, 1)
    const grids = await sql<{
      n: number
    }>`select count(*)::int as n from area where level = 'grid' and path like ${`${(await db.selectFrom('area').select('path').where('id', '=', community).executeTakeFirstOrThrow()).path}%`}`.execute(
      db,
    )
    expect(stats.body.totals).toMatchObject({ patrols: 1, reports: 3, validReports: 2, grids: grids.rows[0]!.n })
    expect(stats.body.totals.idleGrids).toBe(grids.rows[0]!.n - here.length)
    // Idle first: the grids nobody patrolled lead the list.
    expect(stats.body.grids[0].idle).toBe(true)

    // The day's tracks for the map.
    const tracks = await call(p.app, 'GET', `/api/v1/grid/patrol-tracks?areaId=${community}&date=2027-06-01`, {
      token: await tokenFor(p.app, 'guihua.leader'),
    })
    expect(tracks.status).toBe(200)
    const mine = tracks.body.patrols.find((t: { id: number }) => t.id === id)
    expect(mine.coordinates).toHaveLength(6)
    expect(mine.coordinates[0][0]).toBeCloseTo(inside.lng, 6)
    // The grids the leader reads (a grid of the next community the walk crossed is not theirs to see).
    expect(mine.gridIds).toEqual([...here].sort((a, b) => a - b))
    const nextDay = await call(p.app, 'GET', `/api/v1/grid/patrol-tracks?areaId=${community}&date=2027-06-02`, {
      token: await tokenFor(p.app, 'guihua.leader'),
    })
    expect(nextDay.body.patrols.map((t: { id: number }) => t.id)).not.toContain(id)

    // Out of reach for handlers (they work on cases, not grids) and for the other community.
    expect(
      (await call(p.app, 'GET', `/api/v1/grid/patrols/${id}`, { token: await tokenFor(p.app, 'guihua.handler') }))
        .status,
    ).toBe(403)
    expect(
      (await call(p.app, 'GET', `/api/v1/grid/patrols/${id}`, { token: await tokenFor(p.app, 'cuizhu.leader') }))
        .status,
    ).toBe(404)
  })

  it('the grid profile counts the registry and the cases, lists the workers, warns outside the household band', async () => {
    const db = p.database.db
    const leader = await tokenFor(p.app, 'guihua.leader')
    const res = await call(p.app, 'GET', `/api/v1/areas/${grid}/profile`, { token: leader })
    expect(res.status).toBe(200)
    const { rows } = await sql<{ households: number; people: number; buildings: number; care: number; open: number }>`
      select (select count(*)::int from household where area_id = ${grid}) as households,
             (select count(*)::int from person where area_id = ${grid} and status = 'active') as people,
             (select count(*)::int from building where area_id = ${grid}) as buildings,
             (select count(*)::int from person where area_id = ${grid} and status = 'active'
                and tags && array['elderly_alone','elderly','disabled','low_income','left_behind_child','key_care','veteran','pregnant']
                and tags && (select array_agg(tag) from care_rule)) as care,
             (select count(*)::int from cases where area_id = ${grid}
                and state not in ('closed', 'rated', 'rejected', 'merged', 'shelved')) as open`.execute(db)
    const want = rows[0]!
    expect(res.body).toMatchObject({
      households: want.households,
      people: want.people,
      buildings: want.buildings,
      specialCare: want.care,
      openCases: want.open,
      householdBand: { min: 300, max: 500 },
    })
    expect(want.people).toBeGreaterThan(0)
    expect(
      res.body.specialCareByTag.reduce((s: number, t: { people: number }) => s + t.people, 0),
    ).toBeGreaterThanOrEqual(want.care)
    expect(res.body.workers.map((w: { dutyType: string }) => w.dutyType)).toEqual(['grid_leader', 'part_time'])
    const expected =
      want.households < 300 ? 'households_below_band' : want.households > 500 ? 'households_above_band' : null
    expect(res.body.warning?.code ?? null).toBe(expected)

    // The band is the area's case rule (nearest ancestor wins): a community's band of 1–2 households.
    await sql`insert into case_rules (area_id, rules, updated_at) values (${community}, ${JSON.stringify({ householdBand: [1, 2] })}, now())
              on conflict (area_id) do update set rules = excluded.rules`.execute(db)
    const banded = await call(p.app, 'GET', `/api/v1/areas/${grid}/profile`, { token: leader })
    expect(banded.body.householdBand).toEqual({ min: 1, max: 2 })
    if (want.households > 2)
      expect(banded.body.warning).toEqual({
        code: 'households_above_band',
        households: want.households,
        min: 1,
        max: 2,
      })
    await sql`delete from case_rules where area_id = ${community}`.execute(db)

    const notGrid = await call(p.app, 'GET', `/api/v1/areas/${community}/profile`, { token: leader })
    expect(notGrid.status).toBe(422)
    expect(notGrid.body.error).toMatchObject({ code: 'AREA_NOT_A_GRID', field: 'id' })
    const handler = await call(p.app, 'GET', `/api/v1/areas/${grid}/profile`, {
      token: await tokenFor(p.app, 'guihua.handler'),
    })
    expect(handler.status).toBe(403)
    const other = await call(p.app, 'GET', `/api/v1/areas/${grid}/profile`, {
      token: await tokenFor(p.app, 'cuizhu.staff'),
    })
    expect(other.status).toBe(403)
  })

  it('row-level security keeps patrols to the worker and their areas’ readers', async () => {
    const db = p.database.db
    const visible = (userId: number, grants: string) =>
      db.transaction().execute(async (tx) => {
        await sql`select set_config('role', 'grassroots_app', true), set_config('app.user_id', ${String(userId)}, true),
                         set_config('app.grants', ${grants}, true)`.execute(tx)
        return (
          await sql<{ n: number }>`select count(*)::int as n from patrol where worker_id = ${workerId}`.execute(tx)
        ).rows[0]!.n
      })
    const cuizhu = await db
      .selectFrom('area')
      .select('path')
      .where('code', '=', 'JZ-QH-02-01')
      .executeTakeFirstOrThrow()
    const guihua = await db.selectFrom('area').select('path').where('id', '=', community).executeTakeFirstOrThrow()
    expect(await visible(999999, `staff:${cuizhu.path}`)).toBe(0)
    expect(await visible(999999, `department_handler:${guihua.path}`)).toBe(0)
    expect(await visible(999999, `staff:${guihua.path}`)).toBeGreaterThan(0)
    expect(await visible(workerId, '')).toBeGreaterThan(0)
  })
})
