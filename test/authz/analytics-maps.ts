import { sql } from 'kysely'
import { expect } from 'vitest'
import { call, type TestPlatform } from '../support.js'
import { denied, row, type OwnPart, type ScopingPart } from './parts.js'

// The staff maps (GET /api/v1/analytics/map/…) in both authorization tables. Admins, leaders and
// staff read the maps of the areas they hold one of those roles on; the other staff roles and
// residents get 403, anonymous callers 401. In the scoping table a located, open, overdue case of
// community B (翠竹) lies in a period of its own: no layer of A's callers shows it, and naming B's
// community is refused.

const PERIOD = 'from=2099-05-01&to=2099-06-01'
const mapReaders = row('unauth', 'ok', 'ok', 'ok', 'forbidden', 'forbidden', 'forbidden', 'forbidden')

interface Data {
  community: number
  grid: number
  caseId: number
  box: string
}

async function fixture(p: TestPlatform, base: { community: number; grid: number }, code: string): Promise<Data> {
  const db = p.database.db
  const category = await db
    .selectFrom('case_category')
    .select('id')
    .where('code', '=', 'DL-03')
    .executeTakeFirstOrThrow()
  const district = await db.selectFrom('area').select('id').where('code', '=', 'JZ-QH').executeTakeFirstOrThrow()
  const { rows } = await sql<{ id: string; box: string }>`
    insert into cases (tracking_code, category_id, area_id, district_id, channel, state, description, location,
        submitted_at, response_due_at, stage_due_at, updated_at)
    select ${code}, ${category.id}, a.id, ${district.id}, 'hotline', 'in_progress', '权限表地图案件',
        ST_PointOnSurface(a.boundary), ${new Date('2099-05-03T02:00:00Z')}, ${new Date('2099-05-03T06:00:00Z')},
        ${new Date('2099-05-04T02:00:00Z')}, ${new Date('2099-05-03T02:00:00Z')}
    from area a where a.id = ${base.grid}
    returning id, (select concat_ws(',', ST_XMin(b.boundary), ST_YMin(b.boundary), ST_XMax(b.boundary), ST_YMax(b.boundary))
                   from area b where b.id = ${base.community}) as box`.execute(db)
  return { community: base.community, grid: base.grid, caseId: Number(rows[0]!.id), box: rows[0]!.box }
}

const gridsUrl = (q = '') => `/api/v1/analytics/map/grids?${PERIOD}${q}`
const pointsUrl = (box: string, q = '') => `/api/v1/analytics/map/points?${PERIOD}&bbox=${box}&zoom=16${q}`

export const own: OwnPart<Data> = {
  setup: (p, base) => fixture(p, base, 'T-AUTHZ-MAP-A'),
  rows: {
    'GET /api/v1/analytics/map/grids': mapReaders,
    'GET /api/v1/analytics/map/points': mapReaders,
    'GET /api/v1/analytics/map/disputes': mapReaders,
    'GET /api/v1/analytics/map/components': mapReaders,
  },
  probes: {
    'GET /api/v1/analytics/map/grids': ({ p, token, data }) =>
      call(p.app, 'GET', gridsUrl(`&areaId=${data.community}`), { token }),
    'GET /api/v1/analytics/map/points': ({ p, token, data }) =>
      call(p.app, 'GET', pointsUrl(data.box, `&areaId=${data.community}`), { token }),
    'GET /api/v1/analytics/map/disputes': ({ p, token, data }) =>
      call(p.app, 'GET', `/api/v1/analytics/map/disputes?areaId=${data.community}`, { token }),
    'GET /api/v1/analytics/map/components': ({ p, token, data }) =>
      call(p.app, 'GET', `/api/v1/analytics/map/components?areaId=${data.community}`, { token }),
  },
}

export const scoping: ScopingPart<Data> = {
  setup: (p, base) => fixture(p, base, 'T-AUTHZ-MAP-B'),
  probes: {
    'GET /api/v1/analytics/map/grids': async (p, token, d) => {
      const res = await call(p.app, 'GET', gridsUrl(), { token })
      if (res.status === 200) {
        expect(res.body.areas.map((a: { id: number }) => a.id)).not.toContain(d.community)
        expect(res.body.grids.map((g: { areaId: number }) => g.areaId)).not.toContain(d.grid)
      } else denied(res.status)
      denied((await call(p.app, 'GET', gridsUrl(`&areaId=${d.community}`), { token })).status)
      denied((await call(p.app, 'GET', gridsUrl(`&areaId=${d.grid}`), { token })).status)
    },
    'GET /api/v1/analytics/map/points': async (p, token, d) => {
      // B's box, without naming an area: A's own subtree holds nothing of B's.
      const res = await call(p.app, 'GET', pointsUrl(d.box), { token })
      if (res.status === 200) {
        expect(res.body.total).toBe(0)
        expect(res.body.points.map((x: { id: number }) => x.id)).not.toContain(d.caseId)
      } else denied(res.status)
      denied((await call(p.app, 'GET', pointsUrl(d.box, `&areaId=${d.community}`), { token })).status)
    },
    'GET /api/v1/analytics/map/disputes': async (p, token, d) => {
      const res = await call(p.app, 'GET', '/api/v1/analytics/map/disputes', { token })
      if (res.status === 200) {
        const { rows } = await sql<{ id: string }>`
          select d.id from dispute d join area a on a.id = d.area_id
          where a.path like (select path from area where id = ${d.community}) || '%'`.execute(p.database.db)
        const theirs = new Set(rows.map((r) => Number(r.id)))
        expect(res.body.points.filter((x: { id: number }) => theirs.has(x.id))).toEqual([])
        expect(res.body.areas.map((a: { id: number }) => a.id)).not.toContain(d.community)
      } else denied(res.status)
      denied((await call(p.app, 'GET', `/api/v1/analytics/map/disputes?areaId=${d.community}`, { token })).status)
    },
    'GET /api/v1/analytics/map/components': async (p, token, d) => {
      const res = await call(p.app, 'GET', '/api/v1/analytics/map/components', { token })
      if (res.status === 200) {
        const { rows } = await sql<{ id: string }>`
          select k.id from component k join area a on a.id = k.area_id
          where a.path like (select path from area where id = ${d.community}) || '%'`.execute(p.database.db)
        const theirs = new Set(rows.map((r) => Number(r.id)))
        expect(res.body.components.filter((x: { id: number }) => theirs.has(x.id))).toEqual([])
        expect(res.body.areas.map((a: { id: number }) => a.id)).not.toContain(d.community)
      } else denied(res.status)
      denied((await call(p.app, 'GET', `/api/v1/analytics/map/components?areaId=${d.community}`, { token })).status)
    },
  },
}
