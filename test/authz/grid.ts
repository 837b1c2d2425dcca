import { sql } from 'kysely'
import { expect } from 'vitest'
import { call, type TestPlatform } from '../support.js'
import { denied, must, row, unchanged, type OwnPart, type ScopingPart } from './parts.js'

// Grid work (patrols, their statistics and tracks, the grid profile) in both authorization tables
// (see parts.ts). Patrols and profiles are read by the registry's readers over the area — admin,
// leader and staff of the community, and guihua.grid on its grid G01 (the probes ask about G01, so
// the grid worker reads them too); department handlers and mediators work on cases, not grids, and
// residents get 403 from the routes' roles. Only a grid worker patrols, on their own patrol. The
// fixture gives each community's grid worker an ended patrol and an active one, so a start is 409
// (a second active patrol: 'tried') and an end of the ended one is 409 ('tried'), while points go
// to the active one ('ok', a duplicate after the first time).

const readers = row('unauth', 'ok', 'ok', 'ok', 'ok', 'forbidden', 'forbidden', 'forbidden')
const workerOk = row('unauth', 'forbidden', 'forbidden', 'forbidden', 'ok', 'forbidden', 'forbidden', 'forbidden')
const workerTried = row('unauth', 'forbidden', 'forbidden', 'forbidden', 'tried', 'forbidden', 'forbidden', 'forbidden')

async function fixture(
  p: TestPlatform,
  base: { grid: number; community: number; token(u: string): Promise<string> },
  prefix: 'guihua' | 'cuizhu',
) {
  const worker = await base.token(`${prefix}.grid`)
  const { rows } = await sql<{ lng: number; lat: number }>`
    select ST_X(s) as lng, ST_Y(s) as lat from (select ST_PointOnSurface(boundary) as s from area where id = ${base.grid}) x`.execute(
    p.database.db,
  )
  const point = { lng: Number(rows[0]!.lng), lat: Number(rows[0]!.lat) }
  // An active patrol left by an earlier part of the run is ended first.
  const open = must('active', await call(p.app, 'GET', '/api/v1/grid/patrols?active=true', { token: worker }), 200)
  for (const x of open.items as { id: number; worker: { id: number } }[]) {
    await call(p.app, 'POST', `/api/v1/grid/patrols/${x.id}/end`, { token: worker, body: {} })
  }
  const ended = must('start', await call(p.app, 'POST', '/api/v1/grid/patrols', { token: worker, body: {} }), 201)
  must(
    'end',
    await call(p.app, 'POST', `/api/v1/grid/patrols/${ended.id}/end`, {
      token: worker,
      body: { points: [{ at: p.clock.now().toISOString(), ...point }] },
    }),
    200,
  )
  const active = must('start', await call(p.app, 'POST', '/api/v1/grid/patrols', { token: worker, body: {} }), 201)
  return { grid: base.grid, community: base.community, point, ended: ended.id as number, active: active.id as number }
}

type Data = Awaited<ReturnType<typeof fixture>>

const pointsOf = (p: TestPlatform, id: number) =>
  p.database.db
    .selectFrom('patrol_point')
    .select(['recorded_at'])
    .where('patrol_id', '=', id)
    .orderBy('recorded_at')
    .execute()
const patrolOf = (p: TestPlatform, id: number) =>
  p.database.db
    .selectFrom('patrol')
    .select(['id', 'ended_at', 'point_count', 'distance_m'])
    .where('id', '=', id)
    .executeTakeFirstOrThrow()

export const own: OwnPart<Data> = {
  setup: (p, base) => fixture(p, base, 'guihua'),
  rows: {
    'POST /api/v1/grid/patrols': workerTried,
    'GET /api/v1/grid/patrols': readers,
    'GET /api/v1/grid/patrols/:id': readers,
    'POST /api/v1/grid/patrols/:id/points': workerOk,
    'POST /api/v1/grid/patrols/:id/end': workerTried,
    'GET /api/v1/grid/patrol-stats': readers,
    'GET /api/v1/grid/patrol-tracks': readers,
    'GET /api/v1/areas/:id/profile': readers,
  },
  probes: {
    'POST /api/v1/grid/patrols': ({ p, token }) => call(p.app, 'POST', '/api/v1/grid/patrols', { token, body: {} }),
    'GET /api/v1/grid/patrols': ({ p, token, data }) =>
      call(p.app, 'GET', `/api/v1/grid/patrols?areaId=${data.grid}`, { token }),
    'GET /api/v1/grid/patrols/:id': ({ p, token, data }) =>
      call(p.app, 'GET', `/api/v1/grid/patrols/${data.ended}`, { token }),
    'POST /api/v1/grid/patrols/:id/points': ({ p, token, data }) =>
      call(p.app, 'POST', `/api/v1/grid/patrols/${data.active}/points`, {
        token,
        body: { points: [{ at: p.clock.now().toISOString(), ...data.point }] },
      }),
    'POST /api/v1/grid/patrols/:id/end': ({ p, token, data }) =>
      call(p.app, 'POST', `/api/v1/grid/patrols/${data.ended}/end`, { token, body: {} }),
    'GET /api/v1/grid/patrol-stats': ({ p, token, data }) =>
      call(p.app, 'GET', `/api/v1/grid/patrol-stats?areaId=${data.grid}`, { token }),
    'GET /api/v1/grid/patrol-tracks': ({ p, token, data }) =>
      call(p.app, 'GET', `/api/v1/grid/patrol-tracks?areaId=${data.grid}`, { token }),
    'GET /api/v1/areas/:id/profile': ({ p, token, data }) =>
      call(p.app, 'GET', `/api/v1/areas/${data.grid}/profile`, { token }),
  },
}

export const scoping: ScopingPart<Data> = {
  setup: (p, base) => fixture(p, base, 'cuizhu'),
  probes: {
    'POST /api/v1/grid/patrols': (p, token, d) =>
      unchanged(
        () => p.database.db.selectFrom('patrol').select('id').where('area_id', '=', d.grid).execute(),
        () => call(p.app, 'POST', '/api/v1/grid/patrols', { token, body: { areaId: d.grid } }),
      ),
    'GET /api/v1/grid/patrols': async (p, token, d) => {
      const res = await call(p.app, 'GET', '/api/v1/grid/patrols?pageSize=500', { token })
      if (res.status !== 200) return denied(res.status)
      const seen = res.body.items.map((x: { id: number }) => x.id)
      expect(seen).not.toContain(d.ended)
      expect(seen).not.toContain(d.active)
      denied((await call(p.app, 'GET', `/api/v1/grid/patrols?areaId=${d.community}`, { token })).status)
    },
    'GET /api/v1/grid/patrols/:id': async (p, token, d) => {
      denied((await call(p.app, 'GET', `/api/v1/grid/patrols/${d.ended}`, { token })).status)
      denied((await call(p.app, 'GET', `/api/v1/grid/patrols/${d.active}`, { token })).status)
    },
    'POST /api/v1/grid/patrols/:id/points': (p, token, d) =>
      unchanged(
        async () => [await pointsOf(p, d.active), await patrolOf(p, d.active)],
        () =>
          call(p.app, 'POST', `/api/v1/grid/patrols/${d.active}/points`, {
            token,
            body: { points: [{ at: p.clock.now().toISOString(), lng: d.point.lng + 0.0001, lat: d.point.lat }] },
          }),
      ),
    'POST /api/v1/grid/patrols/:id/end': (p, token, d) =>
      unchanged(
        () => patrolOf(p, d.active),
        () => call(p.app, 'POST', `/api/v1/grid/patrols/${d.active}/end`, { token, body: {} }),
      ),
    'GET /api/v1/grid/patrol-stats': async (p, token, d) => {
      denied((await call(p.app, 'GET', `/api/v1/grid/patrol-stats?areaId=${d.grid}`, { token })).status)
      denied((await call(p.app, 'GET', `/api/v1/grid/patrol-stats?areaId=${d.community}`, { token })).status)
    },
    'GET /api/v1/grid/patrol-tracks': async (p, token, d) =>
      denied((await call(p.app, 'GET', `/api/v1/grid/patrol-tracks?areaId=${d.community}`, { token })).status),
    'GET /api/v1/areas/:id/profile': async (p, token, d) =>
      denied((await call(p.app, 'GET', `/api/v1/areas/${d.grid}/profile`, { token })).status),
  },
}
