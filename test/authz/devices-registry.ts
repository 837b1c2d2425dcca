import { sql } from 'kysely'
import { expect } from 'vitest'
import { call, type TestPlatform } from '../support.js'
import { denied, must, row, unchanged, type OwnPart, type ScopingPart } from './parts.js'

// Devices (registry) in both authorization tables (see parts.ts). Devices are read by the admins,
// leaders, staff and grid workers over their grid and by the handlers of the owning department
// (the fixture's device in A's G01 is owned by the street's law-enforcement team, guihua.handler's
// department); they are registered, changed and re-keyed by the admins, leaders and staff over
// the grid. Bulk imports are the registry's import jobs: admins and staff.

const readers = row('unauth', 'ok', 'ok', 'ok', 'ok', 'ok', 'forbidden', 'forbidden')
const keepers = row('unauth', 'ok', 'ok', 'ok', 'forbidden', 'forbidden', 'forbidden', 'forbidden')
const keepersTried = row('unauth', 'tried', 'tried', 'tried', 'forbidden', 'forbidden', 'forbidden', 'forbidden')
const importers = row('unauth', 'ok', 'forbidden', 'ok', 'forbidden', 'forbidden', 'forbidden', 'forbidden')
const importersTried = row('unauth', 'tried', 'forbidden', 'tried', 'forbidden', 'forbidden', 'forbidden', 'forbidden')

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

const csvOf = (rows: string[][]) => Buffer.from(`${rows.map((r) => r.join(',')).join('\n')}\n`)

async function upload(p: TestPlatform, token: string | null, areaId: number, data: Buffer) {
  const res = await p.app.inject({
    method: 'POST',
    url: `/api/v1/device-imports?areaId=${areaId}&fileName=authz.csv`,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), 'content-type': 'text/csv' },
    payload: data,
  })
  return { status: res.statusCode, body: res.json(), headers: res.headers }
}

/** A device in the grid and a finished import whose rows all brought their secret (no credentials to take). */
async function fixture(
  p: TestPlatform,
  base: { community: number; grid: number; token(u: string): Promise<string> },
  prefix: 'guihua' | 'cuizhu',
) {
  const staff = await base.token(`${prefix}.staff`)
  const at = await gridPoint(p, base.grid)
  const owner = await departmentId(p, prefix === 'guihua' ? 'QH-01-ZF' : 'QH-02-ZF')
  const device = must(
    'register',
    await call(p.app, 'POST', '/api/v1/devices', {
      token: staff,
      body: {
        code: freshCode(prefix),
        type: 'water_level',
        name: '权限表水位',
        location: at,
        ownerDepartmentId: owner,
      },
    }),
    201,
  )
  const ownerCode = prefix === 'guihua' ? 'QH-01-ZF' : 'QH-02-ZF'
  const up = await upload(
    p,
    staff,
    base.community,
    csvOf([
      ['code', 'type', 'name', 'lng', 'lat', 'owner_department_code', 'secret'],
      [
        freshCode(`${prefix}-imp`),
        'manhole_tilt',
        '权限表井盖',
        String(at.lng),
        String(at.lat),
        ownerCode,
        'installer-secret-1',
      ],
      ['bad code!', 'manhole_tilt', '坏行', String(at.lng), String(at.lat), ownerCode, 'installer-secret-2'],
    ]),
  )
  if (up.status !== 201) throw new Error(`import: ${up.status} ${JSON.stringify(up.body)}`)
  for (let i = 0; i < 200; i++) {
    const job = await call(p.app, 'GET', `/api/v1/device-imports/${up.body.id}`, { token: staff })
    if (job.body.status !== 'running') break
    await new Promise((r) => setTimeout(r, 50))
  }
  return { device: device.id as number, version: device.version as number, job: up.body.id as number, at, owner }
}

type Data = Awaited<ReturnType<typeof fixture>>

export const own: OwnPart<Data> = {
  setup: (p, base) => fixture(p, base, 'guihua'),
  rows: {
    'GET /api/v1/devices': readers,
    'GET /api/v1/devices/map': readers,
    'POST /api/v1/devices': keepers,
    'GET /api/v1/devices/:id': readers,
    // A stale version: 409 for the keepers.
    'PATCH /api/v1/devices/:id': keepersTried,
    'POST /api/v1/devices/:id/secret': keepers,
    'GET /api/v1/devices/:id/readings': readers,
    'POST /api/v1/device-imports': importers,
    'GET /api/v1/device-imports/:id': importers,
    'GET /api/v1/device-imports/:id/errors': importers,
    // The import generated no secrets: 409 for those who may take them.
    'GET /api/v1/device-imports/:id/credentials': importersTried,
  },
  probes: {
    'GET /api/v1/devices': ({ p, token }) => call(p.app, 'GET', '/api/v1/devices', { token }),
    'GET /api/v1/devices/map': ({ p, token, base }) =>
      call(p.app, 'GET', `/api/v1/devices/map?areaId=${base.community}`, { token }),
    'POST /api/v1/devices': ({ p, token, data }) =>
      call(p.app, 'POST', '/api/v1/devices', {
        token,
        body: {
          code: freshCode('own'),
          type: 'smoke_detector',
          name: '权限表烟感',
          location: data.at,
          ownerDepartmentId: data.owner,
        },
      }),
    'GET /api/v1/devices/:id': ({ p, token, data }) => call(p.app, 'GET', `/api/v1/devices/${data.device}`, { token }),
    'PATCH /api/v1/devices/:id': ({ p, token, data }) =>
      call(p.app, 'PATCH', `/api/v1/devices/${data.device}`, { token, body: { version: 9999, name: '改名' } }),
    'POST /api/v1/devices/:id/secret': ({ p, token, data }) =>
      call(p.app, 'POST', `/api/v1/devices/${data.device}/secret`, { token }),
    'GET /api/v1/devices/:id/readings': ({ p, token, data }) =>
      call(p.app, 'GET', `/api/v1/devices/${data.device}/readings?metric=level_cm`, { token }),
    'POST /api/v1/device-imports': async ({ p, token, base, data }) =>
      upload(
        p,
        token,
        base.community,
        csvOf([
          ['code', 'type', 'name', 'lng', 'lat', 'owner_department_code', 'secret'],
          [
            freshCode('own-imp'),
            'hydrant_pressure',
            '权限表消火栓',
            String(data.at.lng),
            String(data.at.lat),
            'QH-01-ZF',
            'installer-secret-3',
          ],
        ]),
      ),
    'GET /api/v1/device-imports/:id': ({ p, token, data }) =>
      call(p.app, 'GET', `/api/v1/device-imports/${data.job}`, { token }),
    'GET /api/v1/device-imports/:id/errors': ({ p, token, data }) =>
      call(p.app, 'GET', `/api/v1/device-imports/${data.job}/errors`, { token }),
    'GET /api/v1/device-imports/:id/credentials': ({ p, token, data }) =>
      call(p.app, 'GET', `/api/v1/device-imports/${data.job}/credentials`, { token }),
  },
}

type B = Data & { community: number }

const deviceRow = (p: TestPlatform, id: number) =>
  p.database.db.selectFrom('device').selectAll().where('id', '=', id).executeTakeFirstOrThrow()

export const scoping: ScopingPart<B> = {
  async setup(p, base) {
    return { ...(await fixture(p, base, 'cuizhu')), community: base.community }
  },
  probes: {
    'GET /api/v1/devices': async (p, token, d) => {
      const res = await call(p.app, 'GET', '/api/v1/devices?pageSize=200', { token })
      if (res.status !== 200) return denied(res.status)
      expect(res.body.items.map((x: { id: number }) => x.id)).not.toContain(d.device)
      const filtered = await call(p.app, 'GET', `/api/v1/devices?areaId=${d.community}`, { token })
      expect(filtered.body.items).toEqual([])
    },
    'GET /api/v1/devices/map': async (p, token, d) => {
      const res = await call(p.app, 'GET', `/api/v1/devices/map?areaId=${d.community}`, { token })
      if (res.status !== 200) return denied(res.status)
      expect(res.body.points).toEqual([])
    },
    'POST /api/v1/devices': async (p, token, d) => {
      const code = freshCode('foreign')
      const res = await call(p.app, 'POST', '/api/v1/devices', {
        token,
        body: { code, type: 'smoke_detector', name: '越权烟感', location: d.at, ownerDepartmentId: d.owner },
      })
      denied(res.status)
      expect(await p.database.db.selectFrom('device').select('id').where('code', '=', code).execute()).toEqual([])
    },
    'GET /api/v1/devices/:id': async (p, token, d) =>
      denied((await call(p.app, 'GET', `/api/v1/devices/${d.device}`, { token })).status),
    'PATCH /api/v1/devices/:id': (p, token, d) =>
      unchanged(
        () => deviceRow(p, d.device),
        () =>
          call(p.app, 'PATCH', `/api/v1/devices/${d.device}`, {
            token,
            body: { version: d.version, name: '越权改名', state: 'retired' },
          }),
      ),
    'POST /api/v1/devices/:id/secret': (p, token, d) =>
      unchanged(
        () => deviceRow(p, d.device),
        () => call(p.app, 'POST', `/api/v1/devices/${d.device}/secret`, { token }),
      ),
    'GET /api/v1/devices/:id/readings': async (p, token, d) =>
      denied((await call(p.app, 'GET', `/api/v1/devices/${d.device}/readings?metric=level_cm`, { token })).status),
    'POST /api/v1/device-imports': (p, token, d) =>
      unchanged(
        () => p.database.db.selectFrom('import_job').select('id').where('area_id', '=', d.community).execute(),
        () =>
          upload(
            p,
            token,
            d.community,
            csvOf([
              ['code', 'type', 'name', 'lng', 'lat', 'owner_department_code'],
              [freshCode('foreign-imp'), 'manhole_tilt', '越权', String(d.at.lng), String(d.at.lat), 'QH-02-ZF'],
            ]),
          ),
      ),
    'GET /api/v1/device-imports/:id': async (p, token, d) =>
      denied((await call(p.app, 'GET', `/api/v1/device-imports/${d.job}`, { token })).status),
    'GET /api/v1/device-imports/:id/errors': async (p, token, d) =>
      denied((await call(p.app, 'GET', `/api/v1/device-imports/${d.job}/errors`, { token })).status),
    'GET /api/v1/device-imports/:id/credentials': (p, token, d) =>
      unchanged(
        () => p.database.db.selectFrom('import_job').selectAll().where('id', '=', d.job).executeTakeFirstOrThrow(),
        () => call(p.app, 'GET', `/api/v1/device-imports/${d.job}/credentials`, { token }),
      ),
  },
}
