import { sql } from 'kysely'
import { expect } from 'vitest'
import { call, type TestPlatform } from '../support.js'
import { denied, must, row, unchanged, type OwnPart, type ScopingPart } from './parts.js'

// Components (部件) in both authorization tables (see parts.ts). The class table is public. The
// inventory is read by the staff roles over the grid and by the owning department's users (the
// fixture's component in A's G01 is owned by the street's law-enforcement team, guihua.handler's
// department); it is registered, changed and imported by the admins, leaders and staff over the grid.

const everyone = row('ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok')
const readers = row('unauth', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'forbidden')
const keepers = row('unauth', 'ok', 'ok', 'ok', 'forbidden', 'forbidden', 'forbidden', 'forbidden')
const keepersTried = row('unauth', 'tried', 'tried', 'tried', 'forbidden', 'forbidden', 'forbidden', 'forbidden')

let serial = 0
const freshCode = (p: string) => `AZ-${p}-${Date.now().toString(36)}-${++serial}`

async function gridPoint(p: TestPlatform, grid: number) {
  const { rows } = await sql<{ lng: number; lat: number }>`
    select ST_X(ST_PointOnSurface(boundary)) as lng, ST_Y(ST_PointOnSurface(boundary)) as lat
    from area where id = ${grid}`.execute(p.database.db)
  return rows[0]!
}

async function departmentId(p: TestPlatform, code: string) {
  return (await p.database.db.selectFrom('department').select('id').where('code', '=', code).executeTakeFirstOrThrow())
    .id
}

/** A component in the grid, kept by the street's law-enforcement team. */
async function fixture(
  p: TestPlatform,
  base: { community: number; grid: number; token(u: string): Promise<string> },
  prefix: 'guihua' | 'cuizhu',
) {
  const staff = await base.token(`${prefix}.staff`)
  const at = await gridPoint(p, base.grid)
  const owner = await departmentId(p, prefix === 'guihua' ? 'QH-01-ZF' : 'QH-02-ZF')
  const made = must(
    'register',
    await call(p.app, 'POST', '/api/v1/components', {
      token: staff,
      body: {
        code: freshCode(prefix),
        classCode: '0304',
        name: '权限表垃圾箱',
        location: at,
        ownerDepartmentId: owner,
      },
    }),
    201,
  )
  return { component: made.id as number, code: made.code as string, at, owner }
}

type Data = Awaited<ReturnType<typeof fixture>>

const box = (at: { lng: number; lat: number }) =>
  `west=${at.lng - 0.001}&south=${at.lat - 0.001}&east=${at.lng + 0.001}&north=${at.lat + 0.001}`

export const own: OwnPart<Data> = {
  setup: (p, base) => fixture(p, base, 'guihua'),
  rows: {
    'GET /api/v1/component-classes': everyone,
    'GET /api/v1/components': readers,
    'GET /api/v1/components/geojson': readers,
    'POST /api/v1/components': keepers,
    'GET /api/v1/components/:id': readers,
    // A stale version: 409 for the keepers.
    'PATCH /api/v1/components/:id': keepersTried,
    'POST /api/v1/components/import': keepers,
  },
  probes: {
    'GET /api/v1/component-classes': ({ p, token }) => call(p.app, 'GET', '/api/v1/component-classes', { token }),
    'GET /api/v1/components': ({ p, token }) => call(p.app, 'GET', '/api/v1/components', { token }),
    'GET /api/v1/components/geojson': ({ p, token, data }) =>
      call(p.app, 'GET', `/api/v1/components/geojson?${box(data.at)}`, { token }),
    'POST /api/v1/components': ({ p, token, data }) =>
      call(p.app, 'POST', '/api/v1/components', {
        token,
        body: { code: freshCode('own'), classCode: '0120', name: '权限表路灯', location: data.at },
      }),
    'GET /api/v1/components/:id': ({ p, token, data }) =>
      call(p.app, 'GET', `/api/v1/components/${data.component}`, { token }),
    'PATCH /api/v1/components/:id': ({ p, token, data }) =>
      call(p.app, 'PATCH', `/api/v1/components/${data.component}`, { token, body: { version: 9999, name: '改名' } }),
    'POST /api/v1/components/import': ({ p, token, data }) =>
      call(p.app, 'POST', '/api/v1/components/import', {
        token,
        body: {
          csv: `code,classCode,name,lng,lat\n${freshCode('imp')},0103,权限表井盖,${data.at.lng},${data.at.lat}\n`,
        },
      }),
  },
}

type B = Data & { community: number }

const componentRow = (p: TestPlatform, id: number) =>
  p.database.db.selectFrom('component').selectAll().where('id', '=', id).executeTakeFirstOrThrow()

export const scoping: ScopingPart<B> = {
  async setup(p, base) {
    return { ...(await fixture(p, base, 'cuizhu')), community: base.community }
  },
  probes: {
    // Public: the standard's table, nobody's data.
    'GET /api/v1/component-classes': async (p, token) => {
      const res = await call(p.app, 'GET', '/api/v1/component-classes', { token })
      expect(res.status).toBe(200)
    },
    'GET /api/v1/components': async (p, token, d) => {
      const res = await call(p.app, 'GET', '/api/v1/components?pageSize=200', { token })
      if (res.status !== 200) return denied(res.status)
      expect(res.body.items.map((x: { id: number }) => x.id)).not.toContain(d.component)
      const filtered = await call(p.app, 'GET', `/api/v1/components?areaId=${d.community}`, { token })
      expect(filtered.body.items).toEqual([])
    },
    'GET /api/v1/components/geojson': async (p, token, d) => {
      const res = await call(p.app, 'GET', `/api/v1/components/geojson?${box(d.at)}`, { token })
      if (res.status !== 200) return denied(res.status)
      expect(res.body.features).toEqual([])
    },
    'POST /api/v1/components': async (p, token, d) => {
      const code = freshCode('foreign')
      const res = await call(p.app, 'POST', '/api/v1/components', {
        token,
        body: { code, classCode: '0120', name: '越权路灯', location: d.at },
      })
      denied(res.status)
      expect(await p.database.db.selectFrom('component').select('id').where('code', '=', code).execute()).toEqual([])
    },
    'GET /api/v1/components/:id': async (p, token, d) =>
      denied((await call(p.app, 'GET', `/api/v1/components/${d.component}`, { token })).status),
    'PATCH /api/v1/components/:id': (p, token, d) =>
      unchanged(
        () => componentRow(p, d.component),
        () =>
          call(p.app, 'PATCH', `/api/v1/components/${d.component}`, {
            token,
            body: { version: 1, name: '越权改名', state: 'removed' },
          }),
      ),
    // An import into B: refused outright, or every row refused (B's code taken, B's grid not kept).
    'POST /api/v1/components/import': async (p, token, d) => {
      const code = freshCode('foreign-imp')
      const before = await componentRow(p, d.component)
      const res = await call(p.app, 'POST', '/api/v1/components/import', {
        token,
        body: {
          csv: `code,classCode,name,lng,lat\n${d.code},0304,越权,${d.at.lng},${d.at.lat}\n${code},0103,越权井盖,${d.at.lng},${d.at.lat}\n`,
        },
      })
      if (res.status !== 200) denied(res.status)
      else expect(res.body).toMatchObject({ created: 0, updated: 0 })
      expect(await componentRow(p, d.component)).toEqual(before)
      expect(await p.database.db.selectFrom('component').select('id').where('code', '=', code).execute()).toEqual([])
    },
  },
}
