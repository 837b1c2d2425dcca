import { expect } from 'vitest'
import { call, type TestPlatform } from '../support.js'
import { denied, must, row, unchanged, type OwnPart, type ScopingPart } from './parts.js'

// Party co-building and statistics in both authorization tables (see parts.ts). Agreements and
// the need/resource/project lists are read by the party readers (admins, leaders, staff and grid
// workers) on the community's branch — guihua.grid works G01, below the community — and kept by
// the community's admins, leaders and staff. The routes name their roles, so the street's handler
// and mediator and residents get 403 whatever the record. The statistics are for the party
// readers over the area (without areaId: their own).

const readers = row('unauth', 'ok', 'ok', 'ok', 'ok', 'forbidden', 'forbidden', 'forbidden')
const keepers = row('unauth', 'ok', 'ok', 'ok', 'forbidden', 'forbidden', 'forbidden', 'forbidden')
const keepersTried = row('unauth', 'tried', 'tried', 'tried', 'forbidden', 'forbidden', 'forbidden', 'forbidden')

const itemBody = (list: 'need' | 'resource', extra: Record<string, unknown>) => ({
  list,
  topic: 'elderly_care',
  title: list === 'need' ? '权限表需求' : '权限表资源',
  description: '权限表用',
  ...extra,
})

async function fixture(
  p: TestPlatform,
  base: { community: number; token(u: string): Promise<string> },
  prefix: 'guihua' | 'cuizhu',
) {
  const staff = await base.token(`${prefix}.staff`)
  const agreement = must(
    'agreement',
    await call(p.app, 'POST', '/api/v1/party/cobuild/agreements', {
      token: staff,
      body: { areaId: base.community, unitKind: 'school', unitName: '权限表学校', signedOn: '2026-01-01' },
    }),
    201,
  )
  const need = must(
    'need',
    await call(p.app, 'POST', '/api/v1/party/cobuild/items', {
      token: staff,
      body: itemBody('need', { areaId: base.community }),
    }),
    201,
  )
  const resource = must(
    'resource',
    await call(p.app, 'POST', '/api/v1/party/cobuild/items', {
      token: staff,
      body: itemBody('resource', { agreementId: agreement.id }),
    }),
    201,
  )
  return {
    community: base.community,
    agreement: agreement.id as number,
    need: need.id as number,
    resource: resource.id as number,
    staff,
  }
}

type Data = Awaited<ReturnType<typeof fixture>>

const itemRow = (p: TestPlatform, id: number) =>
  p.database.db.selectFrom('cobuild_item').selectAll().where('id', '=', id).executeTakeFirstOrThrow()
const agreementRow = (p: TestPlatform, id: number) =>
  p.database.db.selectFrom('cobuild_agreement').selectAll().where('id', '=', id).executeTakeFirstOrThrow()

export const own: OwnPart<Data> = {
  setup: (p, base) => fixture(p, base, 'guihua'),
  rows: {
    'GET /api/v1/party/cobuild/agreements': readers,
    'POST /api/v1/party/cobuild/agreements': keepers,
    'GET /api/v1/party/cobuild/agreements/:id': readers,
    // A stale version: 409 for the keepers.
    'PATCH /api/v1/party/cobuild/agreements/:id': keepersTried,
    'GET /api/v1/party/cobuild/items': readers,
    'POST /api/v1/party/cobuild/items': keepers,
    // A stale version: 409 for the keepers.
    'PATCH /api/v1/party/cobuild/items/:id': keepersTried,
    // A fresh need and resource (made by the staff) matched by the caller.
    'POST /api/v1/party/cobuild/projects': keepers,
    'GET /api/v1/party/stats': readers,
  },
  probes: {
    'GET /api/v1/party/cobuild/agreements': ({ p, token, data }) =>
      call(p.app, 'GET', `/api/v1/party/cobuild/agreements?areaId=${data.community}`, { token }),
    'POST /api/v1/party/cobuild/agreements': ({ p, token, data }) =>
      call(p.app, 'POST', '/api/v1/party/cobuild/agreements', {
        token,
        body: { areaId: data.community, unitKind: 'hospital', unitName: '权限表医院', signedOn: '2026-02-01' },
      }),
    'GET /api/v1/party/cobuild/agreements/:id': ({ p, token, data }) =>
      call(p.app, 'GET', `/api/v1/party/cobuild/agreements/${data.agreement}`, { token }),
    'PATCH /api/v1/party/cobuild/agreements/:id': ({ p, token, data }) =>
      call(p.app, 'PATCH', `/api/v1/party/cobuild/agreements/${data.agreement}`, {
        token,
        body: { version: 9999, contactName: '改名' },
      }),
    'GET /api/v1/party/cobuild/items': ({ p, token, data }) =>
      call(p.app, 'GET', `/api/v1/party/cobuild/items?areaId=${data.community}&list=need`, { token }),
    'POST /api/v1/party/cobuild/items': ({ p, token, data }) =>
      call(p.app, 'POST', '/api/v1/party/cobuild/items', {
        token,
        body: itemBody('need', { areaId: data.community }),
      }),
    'PATCH /api/v1/party/cobuild/items/:id': ({ p, token, data }) =>
      call(p.app, 'PATCH', `/api/v1/party/cobuild/items/${data.need}`, {
        token,
        body: { version: 9999, title: '改名' },
      }),
    'POST /api/v1/party/cobuild/projects': async ({ p, token, data }) => {
      const need = must(
        'need',
        await call(p.app, 'POST', '/api/v1/party/cobuild/items', {
          token: data.staff,
          body: itemBody('need', { areaId: data.community }),
        }),
        201,
      )
      const resource = must(
        'resource',
        await call(p.app, 'POST', '/api/v1/party/cobuild/items', {
          token: data.staff,
          body: itemBody('resource', { agreementId: data.agreement }),
        }),
        201,
      )
      return call(p.app, 'POST', '/api/v1/party/cobuild/projects', {
        token,
        body: { needId: need.id, resourceId: resource.id },
      })
    },
    'GET /api/v1/party/stats': ({ p, token }) => call(p.app, 'GET', '/api/v1/party/stats', { token }),
  },
}

export const scoping: ScopingPart<Data> = {
  setup: (p, base) => fixture(p, base, 'cuizhu'),
  probes: {
    'GET /api/v1/party/cobuild/agreements': async (p, token, d) => {
      const res = await call(p.app, 'GET', '/api/v1/party/cobuild/agreements?pageSize=500', { token })
      if (res.status !== 200) return denied(res.status)
      expect(res.body.items.map((x: { id: number }) => x.id)).not.toContain(d.agreement)
      const filtered = await call(p.app, 'GET', `/api/v1/party/cobuild/agreements?areaId=${d.community}`, { token })
      expect(filtered.body.items).toEqual([])
    },
    'POST /api/v1/party/cobuild/agreements': (p, token, d) =>
      unchanged(
        () => p.database.db.selectFrom('cobuild_agreement').select('id').where('area_id', '=', d.community).execute(),
        () =>
          call(p.app, 'POST', '/api/v1/party/cobuild/agreements', {
            token,
            body: { areaId: d.community, unitKind: 'school', unitName: '越权学校', signedOn: '2026-01-01' },
          }),
      ),
    'GET /api/v1/party/cobuild/agreements/:id': async (p, token, d) =>
      denied((await call(p.app, 'GET', `/api/v1/party/cobuild/agreements/${d.agreement}`, { token })).status),
    'PATCH /api/v1/party/cobuild/agreements/:id': (p, token, d) =>
      unchanged(
        () => agreementRow(p, d.agreement),
        () =>
          call(p.app, 'PATCH', `/api/v1/party/cobuild/agreements/${d.agreement}`, {
            token,
            body: { version: 1, status: 'ended', unitName: '越权改名' },
          }),
      ),
    'GET /api/v1/party/cobuild/items': async (p, token, d) => {
      const res = await call(p.app, 'GET', '/api/v1/party/cobuild/items?pageSize=500', { token })
      if (res.status !== 200) return denied(res.status)
      const seen = res.body.items.map((x: { id: number }) => x.id)
      expect(seen).not.toContain(d.need)
      expect(seen).not.toContain(d.resource)
      const filtered = await call(p.app, 'GET', `/api/v1/party/cobuild/items?areaId=${d.community}`, { token })
      expect(filtered.body.items).toEqual([])
    },
    'POST /api/v1/party/cobuild/items': async (p, token, d) => {
      const read = () =>
        p.database.db.selectFrom('cobuild_item').select('id').where('area_id', '=', d.community).execute()
      await unchanged(read, () =>
        call(p.app, 'POST', '/api/v1/party/cobuild/items', {
          token,
          body: itemBody('need', { areaId: d.community }),
        }),
      )
      await unchanged(read, () =>
        call(p.app, 'POST', '/api/v1/party/cobuild/items', {
          token,
          body: itemBody('resource', { agreementId: d.agreement }),
        }),
      )
    },
    'PATCH /api/v1/party/cobuild/items/:id': (p, token, d) =>
      unchanged(
        () => itemRow(p, d.need),
        () =>
          call(p.app, 'PATCH', `/api/v1/party/cobuild/items/${d.need}`, {
            token,
            body: { version: 1, status: 'cancelled', title: '越权改名' },
          }),
      ),
    'POST /api/v1/party/cobuild/projects': (p, token, d) =>
      unchanged(
        async () => [await itemRow(p, d.need), await itemRow(p, d.resource)],
        () =>
          call(p.app, 'POST', '/api/v1/party/cobuild/projects', {
            token,
            body: { needId: d.need, resourceId: d.resource },
          }),
      ),
    'GET /api/v1/party/stats': async (p, token, d) =>
      denied((await call(p.app, 'GET', `/api/v1/party/stats?areaId=${d.community}`, { token })).status),
  },
}
