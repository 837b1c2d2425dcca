import { expect } from 'vitest'
import { call, type TestPlatform } from '../support.js'
import { denied, must, row, unchanged, type OwnPart, type ScopingPart } from './parts.js'

// Incidents in both authorization tables (see parts.ts). Admins, leaders and staff of the area
// declare and run incidents; grid workers over its grids read them, see the map, the log and the
// report, and write notes; department handlers, mediators and residents (not enrolled) see none.

const staffRow = row('unauth', 'ok', 'ok', 'ok', 'forbidden', 'forbidden', 'forbidden', 'forbidden')
const readerRow = row('unauth', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok')
const responderRow = row('unauth', 'ok', 'ok', 'ok', 'ok', 'notFound', 'notFound', 'notFound')
const statsRow = row('unauth', 'ok', 'ok', 'ok', 'ok', 'forbidden', 'forbidden', 'forbidden')

const declareBody = (area: number, grid: number, title: string) => ({
  areaId: area,
  kind: 'fire',
  level: 4,
  title,
  description: '权限表用的突发事件。',
  gridIds: [grid],
})

async function declare(p: TestPlatform, token: string, area: number, grid: number, title: string): Promise<number> {
  return must(
    'incident',
    await call(p.app, 'POST', '/api/v1/incidents', { token, body: declareBody(area, grid, title) }),
    201,
  ).id as number
}

interface Data {
  incident: number
  community: number
  grid: number
}

export const own: OwnPart<Data> = {
  async setup(p, base) {
    const staff = await base.token('guihua.staff')
    return {
      incident: await declare(p, staff, base.community, base.grid, '权限表：火情'),
      community: base.community,
      grid: base.grid,
    }
  },
  rows: {
    'POST /api/v1/incidents': staffRow,
    // Everyone signed in lists; row-level security leaves out what they may not see.
    'GET /api/v1/incidents': readerRow,
    'GET /api/v1/incidents/stats': statsRow,
    'GET /api/v1/incidents/:id': responderRow,
    'GET /api/v1/incidents/:id/map': responderRow,
    'PUT /api/v1/incidents/:id': staffRow,
    'POST /api/v1/incidents/:id/grids': staffRow,
    'POST /api/v1/incidents/:id/level': staffRow,
    'POST /api/v1/incidents/:id/close': staffRow,
    'GET /api/v1/incidents/:id/log': responderRow,
    'POST /api/v1/incidents/:id/log': responderRow,
    'GET /api/v1/incidents/:id/report': responderRow,
  },
  probes: {
    'POST /api/v1/incidents': ({ p, token, base }) =>
      call(p.app, 'POST', '/api/v1/incidents', {
        token,
        body: declareBody(base.community, base.grid, '权限表：新事件'),
      }),
    'GET /api/v1/incidents': ({ p, token }) => call(p.app, 'GET', '/api/v1/incidents', { token }),
    'GET /api/v1/incidents/stats': ({ p, token, data }) =>
      call(p.app, 'GET', `/api/v1/incidents/stats?areaId=${data.community}`, { token }),
    'GET /api/v1/incidents/:id': ({ p, token, data }) =>
      call(p.app, 'GET', `/api/v1/incidents/${data.incident}`, { token }),
    'GET /api/v1/incidents/:id/map': ({ p, token, data }) =>
      call(p.app, 'GET', `/api/v1/incidents/${data.incident}/map`, { token }),
    // The version as it stands (read as the owner): only the caller's rights decide.
    'PUT /api/v1/incidents/:id': async ({ p, token, data }) => {
      const { version } = await p.database.db
        .selectFrom('incident')
        .select('version')
        .where('id', '=', data.incident)
        .executeTakeFirstOrThrow()
      return call(p.app, 'PUT', `/api/v1/incidents/${data.incident}`, {
        token,
        body: { version, description: `权限表：描述第${version}版` },
      })
    },
    // The grid it already covers: nothing changes but the log.
    'POST /api/v1/incidents/:id/grids': ({ p, token, data }) =>
      call(p.app, 'POST', `/api/v1/incidents/${data.incident}/grids`, { token, body: { gridIds: [data.grid] } }),
    'POST /api/v1/incidents/:id/level': async ({ p, token, data }) => {
      const { level } = await p.database.db
        .selectFrom('incident')
        .select('level')
        .where('id', '=', data.incident)
        .executeTakeFirstOrThrow()
      return call(p.app, 'POST', `/api/v1/incidents/${data.incident}/level`, {
        token,
        body: { level: level === 4 ? 3 : 4, reason: '权限表：调整级别' },
      })
    },
    // A fresh incident (declared by A's staff) for each caller to close.
    'POST /api/v1/incidents/:id/close': async ({ p, token, base }) => {
      const fresh = await declare(p, await base.token('guihua.staff'), base.community, base.grid, '权限表：待结束')
      return call(p.app, 'POST', `/api/v1/incidents/${fresh}/close`, { token, body: { summary: '权限表：结束' } })
    },
    'GET /api/v1/incidents/:id/log': ({ p, token, data }) =>
      call(p.app, 'GET', `/api/v1/incidents/${data.incident}/log`, { token }),
    'POST /api/v1/incidents/:id/log': ({ p, token, data }) =>
      call(p.app, 'POST', `/api/v1/incidents/${data.incident}/log`, { token, body: { message: '权限表：记录' } }),
    'GET /api/v1/incidents/:id/report': ({ p, token, data }) =>
      call(p.app, 'GET', `/api/v1/incidents/${data.incident}/report`, { token }),
  },
}

const incidentOf = (p: TestPlatform, id: number) =>
  p.database.db.selectFrom('incident').selectAll().where('id', '=', id).executeTakeFirstOrThrow()
const logOf = (p: TestPlatform, id: number) =>
  p.database.db.selectFrom('incident_log').select(['id', 'kind']).where('incident_id', '=', id).orderBy('id').execute()

export const scoping: ScopingPart<Data> = {
  async setup(p, base) {
    const staff = await base.token('cuizhu.staff')
    return {
      incident: await declare(p, staff, base.community, base.grid, '越权测试：翠竹火情'),
      community: base.community,
      grid: base.grid,
    }
  },
  probes: {
    'POST /api/v1/incidents': (p, token, d) =>
      unchanged(
        () => p.database.db.selectFrom('incident').select('id').where('area_id', '=', d.community).execute(),
        () => call(p.app, 'POST', '/api/v1/incidents', { token, body: declareBody(d.community, d.grid, '越权事件') }),
      ),
    'GET /api/v1/incidents': async (p, token, d) => {
      for (const url of ['/api/v1/incidents?pageSize=100', `/api/v1/incidents?areaId=${d.community}`]) {
        const res = await call(p.app, 'GET', url, { token })
        if (res.status !== 200) {
          denied(res.status)
          continue
        }
        expect(res.body.items.map((i: { id: number }) => i.id)).not.toContain(d.incident)
      }
    },
    'GET /api/v1/incidents/stats': async (p, token, d) => {
      const res = await call(p.app, 'GET', `/api/v1/incidents/stats?areaId=${d.community}`, { token })
      if (res.status !== 200) return denied(res.status)
      expect(res.body.real.incidents + res.body.drills.incidents).toBe(0)
    },
    'GET /api/v1/incidents/:id': async (p, token, d) =>
      denied((await call(p.app, 'GET', `/api/v1/incidents/${d.incident}`, { token })).status),
    'GET /api/v1/incidents/:id/map': async (p, token, d) =>
      denied((await call(p.app, 'GET', `/api/v1/incidents/${d.incident}/map`, { token })).status),
    'PUT /api/v1/incidents/:id': (p, token, d) =>
      unchanged(
        () => incidentOf(p, d.incident),
        () => call(p.app, 'PUT', `/api/v1/incidents/${d.incident}`, { token, body: { version: 1, title: '越权修改' } }),
      ),
    'POST /api/v1/incidents/:id/grids': (p, token, d) =>
      unchanged(
        () => logOf(p, d.incident),
        () => call(p.app, 'POST', `/api/v1/incidents/${d.incident}/grids`, { token, body: { gridIds: [d.grid] } }),
      ),
    'POST /api/v1/incidents/:id/level': (p, token, d) =>
      unchanged(
        () => incidentOf(p, d.incident),
        () =>
          call(p.app, 'POST', `/api/v1/incidents/${d.incident}/level`, {
            token,
            body: { level: 1, reason: '越权升级' },
          }),
      ),
    'POST /api/v1/incidents/:id/close': (p, token, d) =>
      unchanged(
        () => incidentOf(p, d.incident),
        () => call(p.app, 'POST', `/api/v1/incidents/${d.incident}/close`, { token, body: { summary: '越权结束' } }),
      ),
    'GET /api/v1/incidents/:id/log': async (p, token, d) =>
      denied((await call(p.app, 'GET', `/api/v1/incidents/${d.incident}/log`, { token })).status),
    'POST /api/v1/incidents/:id/log': (p, token, d) =>
      unchanged(
        () => logOf(p, d.incident),
        () => call(p.app, 'POST', `/api/v1/incidents/${d.incident}/log`, { token, body: { message: '越权记录' } }),
      ),
    'GET /api/v1/incidents/:id/report': async (p, token, d) =>
      denied((await call(p.app, 'GET', `/api/v1/incidents/${d.incident}/report`, { token })).status),
  },
}
