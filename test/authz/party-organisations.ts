import { expect } from 'vitest'
import { call, type TestPlatform } from '../support.js'
import { denied, must, row, unchanged, type OwnPart, type ScopingPart } from './parts.js'

// Party (organisations) in both authorization tables (see parts.ts). The network is read by the
// admins, leaders, staff and grid workers on its branch of the area tree (above or below) and
// kept by the admins, leaders and staff over its area. The fixture is the demo community
// committee (PO-JZ-QH-01-01 / PO-JZ-QH-02-01), above the grid worker's grid, and a group made in
// the community's first grid.

const readers = row('unauth', 'ok', 'ok', 'ok', 'ok', 'forbidden', 'forbidden', 'forbidden')
const keepers = row('unauth', 'ok', 'ok', 'ok', 'forbidden', 'forbidden', 'forbidden', 'forbidden')
const keepersTried = row('unauth', 'tried', 'tried', 'tried', 'forbidden', 'forbidden', 'forbidden', 'forbidden')

let serial = 0
const freshCode = (p: string) => `AZ-PO-${p}-${Date.now().toString(36)}-${++serial}`

async function fixture(p: TestPlatform, base: { grid: number; token(u: string): Promise<string> }, prefix: string) {
  const committeeCode = prefix === 'guihua' ? 'PO-JZ-QH-01-01' : 'PO-JZ-QH-02-01'
  const committee = (
    await p.database.db
      .selectFrom('party_organisation')
      .select('id')
      .where('code', '=', committeeCode)
      .executeTakeFirstOrThrow()
  ).id
  const staff = await base.token(`${prefix}.staff`)
  const group = must(
    'create group',
    await call(p.app, 'POST', '/api/v1/party/organisations', {
      token: staff,
      body: {
        code: freshCode(prefix),
        name: '权限表党小组',
        kind: 'group',
        sector: 'area',
        parentId: committee,
        areaId: base.grid,
      },
    }),
    201,
  )
  return { committee, group: group.id as number, version: group.version as number }
}

type Data = Awaited<ReturnType<typeof fixture>>

export const own: OwnPart<Data> = {
  setup: (p, base) => fixture(p, base, 'guihua'),
  rows: {
    'GET /api/v1/party/organisations': readers,
    'GET /api/v1/party/organisations/tree': readers,
    'POST /api/v1/party/organisations': keepers,
    'GET /api/v1/party/organisations/:id': readers,
    // A stale version: 409 for the keepers.
    'PATCH /api/v1/party/organisations/:id': keepersTried,
    'GET /api/v1/party/coverage': readers,
    'GET /api/v1/party/map': readers,
  },
  probes: {
    'GET /api/v1/party/organisations': ({ p, token, base }) =>
      call(p.app, 'GET', `/api/v1/party/organisations?areaId=${base.community}`, { token }),
    'GET /api/v1/party/organisations/tree': ({ p, token, base }) =>
      call(p.app, 'GET', `/api/v1/party/organisations/tree?areaId=${base.community}`, { token }),
    'POST /api/v1/party/organisations': ({ p, token, base, data }) =>
      call(p.app, 'POST', '/api/v1/party/organisations', {
        token,
        body: {
          code: freshCode('own'),
          name: '权限表新党小组',
          kind: 'group',
          sector: 'area',
          parentId: data.committee,
          areaId: base.grid,
        },
      }),
    'GET /api/v1/party/organisations/:id': ({ p, token, data }) =>
      call(p.app, 'GET', `/api/v1/party/organisations/${data.committee}`, { token }),
    'PATCH /api/v1/party/organisations/:id': ({ p, token, data }) =>
      call(p.app, 'PATCH', `/api/v1/party/organisations/${data.group}`, {
        token,
        body: { version: 9999, name: '改名党小组' },
      }),
    'GET /api/v1/party/coverage': ({ p, token, base }) =>
      call(p.app, 'GET', `/api/v1/party/coverage?areaId=${base.community}`, { token }),
    'GET /api/v1/party/map': ({ p, token, base }) =>
      call(p.app, 'GET', `/api/v1/party/map?areaId=${base.community}`, { token }),
  },
}

type B = Data & { community: number; grid: number }

const orgRow = (p: TestPlatform, id: number) =>
  p.database.db.selectFrom('party_organisation').selectAll().where('id', '=', id).executeTakeFirstOrThrow()

export const scoping: ScopingPart<B> = {
  async setup(p, base) {
    return { ...(await fixture(p, base, 'cuizhu')), community: base.community, grid: base.grid }
  },
  probes: {
    'GET /api/v1/party/organisations': async (p, token, d) => {
      const res = await call(p.app, 'GET', '/api/v1/party/organisations?pageSize=200&q=PO-JZ-QH-02', { token })
      if (res.status !== 200) return denied(res.status)
      expect(res.body.items).toEqual([])
      const filtered = await call(p.app, 'GET', `/api/v1/party/organisations?areaId=${d.community}`, { token })
      expect(filtered.body.items).toEqual([])
    },
    'GET /api/v1/party/organisations/tree': async (p, token, d) => {
      const res = await call(p.app, 'GET', `/api/v1/party/organisations/tree?areaId=${d.community}`, { token })
      if (res.status !== 200) return denied(res.status)
      const ids = res.body.nodes.map((n: { id: number }) => n.id)
      expect(ids).not.toContain(d.committee)
      expect(ids).not.toContain(d.group)
    },
    'POST /api/v1/party/organisations': async (p, token, d) => {
      const code = freshCode('foreign')
      const res = await call(p.app, 'POST', '/api/v1/party/organisations', {
        token,
        body: { code, name: '越权党小组', kind: 'group', sector: 'area', parentId: d.committee, areaId: d.grid },
      })
      denied(res.status)
      expect(
        await p.database.db.selectFrom('party_organisation').select('id').where('code', '=', code).execute(),
      ).toEqual([])
    },
    'GET /api/v1/party/organisations/:id': async (p, token, d) =>
      denied((await call(p.app, 'GET', `/api/v1/party/organisations/${d.committee}`, { token })).status),
    'PATCH /api/v1/party/organisations/:id': (p, token, d) =>
      unchanged(
        () => orgRow(p, d.group),
        () =>
          call(p.app, 'PATCH', `/api/v1/party/organisations/${d.group}`, {
            token,
            body: { version: d.version, name: '越权改名', status: 'dissolved' },
          }),
      ),
    'GET /api/v1/party/coverage': async (p, token, d) =>
      denied((await call(p.app, 'GET', `/api/v1/party/coverage?areaId=${d.community}`, { token })).status),
    'GET /api/v1/party/map': async (p, token, d) =>
      denied((await call(p.app, 'GET', `/api/v1/party/map?areaId=${d.community}`, { token })).status),
  },
}
