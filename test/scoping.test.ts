import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { actorForToken } from '../src/accounts/service.js'
import { inScope } from '../src/core/scope.js'
import { areaId, backends, call, openTestPlatform, square, tokenFor, type TestPlatform } from './support.js'

// Staff of community A (桂花, Guihua) must neither read nor change anything of community B
// (翠竹, Cuizhu) through any endpoint. Every route of the API has an entry below; a new route
// without one fails the test, so the matrix cannot silently fall behind.

const rolesOfA = ['guihua.admin', 'guihua.leader', 'guihua.staff', 'guihua.grid', 'guihua.handler', 'guihua.mediator', 'guihua.resident']

interface B {
  community: number
  grid: number
  gridOfA: number
  userId: number
  grantId: number
  departmentId: number
  caseId: number
  photoId: number
  notificationId: number
  webhookId: number
  apiKeyId: number
  keyOfA: string
  pointInB: { lng: number; lat: number }
}

type Probe = (p: TestPlatform, token: string | null, b: B) => Promise<void>

const denied = (status: number) => expect([401, 403, 404]).toContain(status)

async function unchanged<T>(read: () => Promise<T>, act: () => Promise<{ status: number }>) {
  const before = await read()
  const res = await act()
  denied(res.status)
  expect(await read()).toEqual(before)
}

const userRow = (p: TestPlatform, id: number) => p.database.db.selectFrom('app_user').selectAll().where('id', '=', id).executeTakeFirst()
const grantRows = (p: TestPlatform, userId: number) => p.database.db.selectFrom('role_grant').selectAll().where('user_id', '=', userId).orderBy('id').execute()
const areaRow = (p: TestPlatform, id: number) =>
  p.database.db.selectFrom('area').select(['id', 'parent_id', 'code', 'name_zh', 'name_en', 'path', 'retired_at', sql<string>`ST_AsText(boundary)`.as('wkt')]).where('id', '=', id).executeTakeFirst()
const areaCount = (p: TestPlatform) => p.database.db.selectFrom('area').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()
const deptRow = (p: TestPlatform, id: number) => p.database.db.selectFrom('department').selectAll().where('id', '=', id).executeTakeFirst()
const deptCount = (p: TestPlatform) => p.database.db.selectFrom('department').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()
const userCount = (p: TestPlatform) => p.database.db.selectFrom('app_user').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()

/** What a caller from A may do with B's data through each route. */
const matrix: Record<string, Probe> = {
  'GET /healthz': async (p, t) => expect((await call(p.app, 'GET', '/healthz', { token: t })).body).not.toHaveProperty('items'),
  'GET /api/v1/config': async (p, t) => expect((await call(p.app, 'GET', '/api/v1/config', { token: t })).status).toBe(200),
  'GET /api/openapi.json': async () => {},
  // Platform-wide figures, no area data: root admins (or the scrape token) only.
  'GET /metrics': async (p, t) => denied((await call(p.app, 'GET', '/metrics', { token: t })).status),
  // Boundaries, names and codes of areas are public information (the public map shows them).
  'GET /api/v1/areas/tree': async () => {},
  'GET /api/v1/areas/locate': async () => {},
  'GET /api/v1/areas/boundaries': async () => {},
  'GET /api/v1/areas/:id': async () => {},
  'GET /api/v1/areas/:id/coverage': async (p, t, b) => denied((await call(p.app, 'GET', `/api/v1/areas/${b.community}/coverage`, { token: t })).status),
  'POST /api/v1/areas': async (p, t, b) =>
    unchanged(() => areaCount(p), () => call(p.app, 'POST', '/api/v1/areas', { token: t, body: { parentId: b.community, code: 'INTRUDER', nameZh: '入侵', nameEn: 'Intruder', boundary: square(121, 31) } })),
  'PATCH /api/v1/areas/:id': async (p, t, b) =>
    unchanged(() => areaRow(p, b.grid), () => call(p.app, 'PATCH', `/api/v1/areas/${b.grid}`, { token: t, body: { nameEn: 'Taken over', boundary: square(121, 31) } })),
  'POST /api/v1/areas/:id/move': async (p, t, b) => {
    await unchanged(() => areaRow(p, b.grid), () => call(p.app, 'POST', `/api/v1/areas/${b.grid}/move`, { token: t, body: { parentId: b.community } }))
    // Nor may A push its own grid into B.
    await unchanged(() => areaRow(p, b.gridOfA), () => call(p.app, 'POST', `/api/v1/areas/${b.gridOfA}/move`, { token: t, body: { parentId: b.community } }))
  },
  'POST /api/v1/areas/:id/retire': async (p, t, b) => unchanged(() => areaRow(p, b.grid), () => call(p.app, 'POST', `/api/v1/areas/${b.grid}/retire`, { token: t })),
  'POST /api/v1/areas/import': async (p, t, b) =>
    unchanged(
      () => areaCount(p),
      () =>
        call(p.app, 'POST', '/api/v1/areas/import', {
          token: t,
          body: { parentId: b.community, featureCollection: { type: 'FeatureCollection', features: [{ type: 'Feature', geometry: square(121, 31), properties: { code: 'INTRUDER2', nameZh: '入侵', nameEn: 'Intruder' } }] } },
        }),
    ),
  'POST /api/v1/auth/login': async () => {},
  // Second-factor routes act on the caller's own account only.
  'POST /api/v1/auth/totp/setup': async () => {},
  'POST /api/v1/auth/password': async () => {},
  'POST /api/v1/auth/totp/confirm': async () => {},
  'POST /api/v1/auth/totp/disable': async () => {},
  'POST /api/v1/auth/logout': async () => {},
  'GET /api/v1/auth/me': async (p, t, b) => {
    const res = await call(p.app, 'GET', '/api/v1/auth/me', { token: t })
    if (res.status === 200) expect(res.body.user.roles.every((r: { areaId: number }) => r.areaId !== b.community)).toBe(true)
  },
  'GET /api/v1/users': async (p, t, b) => {
    const res = await call(p.app, 'GET', `/api/v1/users?pageSize=500`, { token: t })
    if (res.status !== 200) return denied(res.status)
    expect(res.body.items.map((u: { id: number }) => u.id)).not.toContain(b.userId)
    const filtered = await call(p.app, 'GET', `/api/v1/users?areaId=${b.community}`, { token: t })
    expect(filtered.body.items ?? []).toEqual([])
  },
  'POST /api/v1/users': async (p, t, b) =>
    unchanged(
      () => userCount(p),
      () => call(p.app, 'POST', '/api/v1/users', { token: t, body: { username: 'intruder', displayName: 'X', password: 'long-enough-pw', grants: [{ role: 'staff', areaId: b.community }] } }),
    ),
  'GET /api/v1/users/:id': async (p, t, b) => denied((await call(p.app, 'GET', `/api/v1/users/${b.userId}`, { token: t })).status),
  'PATCH /api/v1/users/:id': async (p, t, b) =>
    unchanged(() => userRow(p, b.userId), () => call(p.app, 'PATCH', `/api/v1/users/${b.userId}`, { token: t, body: { displayName: 'Taken over', status: 'disabled' } })),
  'POST /api/v1/users/:id/grants': async (p, t, b) =>
    unchanged(() => grantRows(p, b.userId), () => call(p.app, 'POST', `/api/v1/users/${b.userId}/grants`, { token: t, body: { role: 'admin', areaId: b.community } })),
  'DELETE /api/v1/users/:id/grants/:grantId': async (p, t, b) =>
    unchanged(() => grantRows(p, b.userId), () => call(p.app, 'DELETE', `/api/v1/users/${b.userId}/grants/${b.grantId}`, { token: t })),
  'GET /api/v1/departments': async (p, t, b) => {
    const res = await call(p.app, 'GET', `/api/v1/departments?pageSize=500`, { token: t })
    if (res.status !== 200) return denied(res.status)
    expect(res.body.items.map((d: { id: number }) => d.id)).not.toContain(b.departmentId)
  },
  'POST /api/v1/departments': async (p, t, b) =>
    unchanged(() => deptCount(p), () => call(p.app, 'POST', '/api/v1/departments', { token: t, body: { areaId: b.community, code: 'INTRUDER', nameZh: '入侵', nameEn: 'Intruder', kind: 'functional' } })),
  'GET /api/v1/departments/:id': async (p, t, b) => denied((await call(p.app, 'GET', `/api/v1/departments/${b.departmentId}`, { token: t })).status),
  'PATCH /api/v1/departments/:id': async (p, t, b) =>
    unchanged(() => deptRow(p, b.departmentId), () => call(p.app, 'PATCH', `/api/v1/departments/${b.departmentId}`, { token: t, body: { nameEn: 'Taken over' } })),
  'GET /api/v1/audit': async (p, t, b) => {
    const res = await call(p.app, 'GET', '/api/v1/audit?pageSize=500', { token: t })
    if (res.status !== 200) return denied(res.status)
    expect(res.body.items.filter((e: { areaId: number | null }) => e.areaId === b.community || e.areaId === b.grid)).toEqual([])
    expect(res.body.items.filter((e: { areaId: number | null }) => e.areaId === null)).toEqual([])
  },
  'GET /api/v1/audit/verify': async (p, t) => denied((await call(p.app, 'GET', '/api/v1/audit/verify', { token: t })).status),
  // The catalogue, photo upload and reporting are open to everyone: where a case belongs is
  // decided by its location, not by the caller.
  'GET /api/v1/categories': async () => {},
  'POST /api/v1/photos': async () => {},
  'POST /api/v1/cases': async () => {},
  'GET /api/v1/photos/:id': async (p, t, b) => denied((await call(p.app, 'GET', `/api/v1/photos/${b.photoId}`, { token: t })).status),
  'GET /api/v1/cases': async (p, t, b) => {
    const res = await call(p.app, 'GET', '/api/v1/cases?pageSize=500', { token: t })
    if (res.status !== 200) return denied(res.status)
    expect(res.body.items.map((c: { id: number }) => c.id)).not.toContain(b.caseId)
    const filtered = await call(p.app, 'GET', `/api/v1/cases?areaId=${b.community}`, { token: t })
    expect(filtered.body.items ?? []).toEqual([])
  },
  'GET /api/v1/supervision': async (p, t, b) => {
    const res = await call(p.app, 'GET', '/api/v1/supervision?pageSize=500', { token: t })
    if (res.status !== 200) return denied(res.status)
    expect(res.body.items.map((c: { id: number }) => c.id)).not.toContain(b.caseId)
  },
  'GET /api/v1/cases/:id': async (p, t, b) => denied((await call(p.app, 'GET', `/api/v1/cases/${b.caseId}`, { token: t })).status),
  'POST /api/v1/cases/:id/actions': async (p, t, b) =>
    unchanged(() => caseRow(p, b.caseId), () => call(p.app, 'POST', `/api/v1/cases/${b.caseId}/actions`, { token: t, body: { action: 'reject', comment: 'not ours' } })),
  // The calendar is one for the platform (kept by root admins); routing is readable configuration.
  'GET /api/v1/calendar': async () => {},
  'PUT /api/v1/calendar/:day': async (p, t) =>
    unchanged(() => p.database.db.selectFrom('calendar_day').selectAll().where('day', '=', '2026-12-24').execute(), () => call(p.app, 'PUT', '/api/v1/calendar/2026-12-24', { token: t, body: { kind: 'holiday' } })),
  'DELETE /api/v1/calendar/:day': async (p, t) =>
    unchanged(() => p.database.db.selectFrom('calendar_day').selectAll().where('day', '=', '2026-10-01').execute(), () => call(p.app, 'DELETE', '/api/v1/calendar/2026-10-01', { token: t })),
  'GET /api/v1/categories/:code/routing': async () => {},
  'PUT /api/v1/categories/:code/routing/:areaId': async (p, t, b) =>
    unchanged(
      () => p.database.db.selectFrom('category_routing').selectAll().where('area_id', '=', b.community).execute(),
      () => call(p.app, 'PUT', `/api/v1/categories/DL-03/routing/${b.community}`, { token: t, body: { departmentId: b.departmentId } }),
    ),
  'GET /api/v1/stats/cases': async (p, t, b) => {
    const res = await call(p.app, 'GET', '/api/v1/stats/cases?from=2000-01-01&to=2100-01-01', { token: t })
    if (res.status !== 200) return denied(res.status)
    expect(res.body.areas.map((a: { id: number }) => a.id)).not.toContain(b.community)
    expect(res.body.totals.total).toBe(0) // the only case in this test lies in B
    denied((await call(p.app, 'GET', `/api/v1/stats/cases?areaId=${b.community}`, { token: t })).status)
  },
  'GET /api/v1/webhooks': async (p, t, b) => {
    const res = await call(p.app, 'GET', '/api/v1/webhooks?pageSize=500', { token: t })
    if (res.status !== 200) return denied(res.status)
    expect(res.body.items.map((w: { id: number }) => w.id)).not.toContain(b.webhookId)
    const filtered = await call(p.app, 'GET', `/api/v1/webhooks?areaId=${b.community}`, { token: t })
    expect(filtered.body.items ?? []).toEqual([])
  },
  'POST /api/v1/webhooks': async (p, t, b) =>
    unchanged(() => webhookCount(p), () => call(p.app, 'POST', '/api/v1/webhooks', { token: t, body: { areaId: b.community, url: 'https://intruder.example/hook', events: ['*'] } })),
  'PATCH /api/v1/webhooks/:id': async (p, t, b) =>
    unchanged(() => webhookRow(p, b.webhookId), () => call(p.app, 'PATCH', `/api/v1/webhooks/${b.webhookId}`, { token: t, body: { url: 'https://intruder.example/hook', events: ['*'], active: false } })),
  'POST /api/v1/webhooks/:id/test': async (p, t, b) => unchanged(() => deliveryRows(p, b.webhookId), () => call(p.app, 'POST', `/api/v1/webhooks/${b.webhookId}/test`, { token: t })),
  'GET /api/v1/webhooks/:id/deliveries': async (p, t, b) => denied((await call(p.app, 'GET', `/api/v1/webhooks/${b.webhookId}/deliveries`, { token: t })).status),
  // Open311 reads are public (no personal data); writes need an API key scoped to an area.
  'GET /open311/v2/discovery.:format': async () => {},
  'GET /open311/v2/services.:format': async () => {},
  'GET /open311/v2/services/:service_code.:format': async () => {},
  'GET /open311/v2/requests.:format': async () => {},
  'GET /open311/v2/requests/:service_request_id.:format': async () => {},
  'GET /open311/v2/tokens/:token.:format': async () => {},
  'POST /open311/v2/requests.:format': async (p, t, b) =>
    unchanged(
      () => caseCount(p),
      async () => ({
        status: (
          await p.app.inject({
            method: 'POST',
            url: '/open311/v2/requests.json',
            headers: { 'content-type': 'application/x-www-form-urlencoded', ...(t ? { authorization: `Bearer ${t}` } : {}) },
            payload: new URLSearchParams({ api_key: b.keyOfA, service_code: 'DL-03', lat: String(b.pointInB.lat), long: String(b.pointInB.lng) }).toString(),
          })
        ).statusCode,
      }),
    ),
  'GET /api/v1/api-keys': async (p, t, b) => {
    const res = await call(p.app, 'GET', '/api/v1/api-keys?pageSize=500', { token: t })
    if (res.status !== 200) return denied(res.status)
    expect(res.body.items.map((k: { id: number }) => k.id)).not.toContain(b.apiKeyId)
    expect((await call(p.app, 'GET', `/api/v1/api-keys?areaId=${b.community}`, { token: t })).body.items ?? []).toEqual([])
  },
  'POST /api/v1/api-keys': async (p, t, b) => unchanged(() => apiKeyCount(p), () => call(p.app, 'POST', '/api/v1/api-keys', { token: t, body: { name: 'intruder', areaId: b.community } })),
  'POST /api/v1/api-keys/:id/revoke': async (p, t, b) => unchanged(() => apiKeyRow(p, b.apiKeyId), () => call(p.app, 'POST', `/api/v1/api-keys/${b.apiKeyId}/revoke`, { token: t })),
  // The public page and map show no personal data by design.
  'GET /api/v1/public/cases/:trackingCode': async () => {},
  'GET /api/v1/public/map': async () => {},
  'POST /api/v1/public/cases/:trackingCode/rating': async (p, _t, b) => {
    const code = (await caseRow(p, b.caseId))!.tracking_code
    await unchanged(() => caseRow(p, b.caseId), () => call(p.app, 'POST', `/api/v1/public/cases/${code}/rating`, { body: { reporterToken: 'guessed-token-guessed', rating: 'unsatisfied' } }))
  },
  'GET /api/v1/notifications': async (p, t, b) => {
    const res = await call(p.app, 'GET', '/api/v1/notifications?pageSize=500', { token: t })
    if (res.status !== 200) return denied(res.status)
    expect(res.body.items.map((n: { id: number }) => n.id)).not.toContain(b.notificationId)
  },
  'POST /api/v1/notifications/:id/read': async (p, t, b) => {
    const read = () => p.database.db.selectFrom('notification').select('read_at').where('id', '=', b.notificationId).executeTakeFirst()
    const before = await read()
    await call(p.app, 'POST', `/api/v1/notifications/${b.notificationId}/read`, { token: t })
    expect(await read()).toEqual(before)
  },
}

const webhookCount = async (p: TestPlatform) => (await sql<{ n: number }>`select count(*)::int as n from webhook`.execute(p.database.db)).rows[0]
const webhookRow = async (p: TestPlatform, id: number) => (await sql`select id, area_id, url, events, active from webhook where id = ${id}`.execute(p.database.db)).rows[0]
const deliveryRows = async (p: TestPlatform, webhookId: number) =>
  (await sql`select id, attempts, next_attempt_at from webhook_delivery where webhook_id = ${webhookId} order by id`.execute(p.database.db)).rows
const apiKeyCount = async (p: TestPlatform) => (await sql<{ n: number }>`select count(*)::int as n from api_key`.execute(p.database.db)).rows[0]
const apiKeyRow = async (p: TestPlatform, id: number) => (await sql`select id, name, area_id, revoked_at from api_key where id = ${id}`.execute(p.database.db)).rows[0]
const caseCount = async (p: TestPlatform) => (await sql<{ n: number }>`select count(*)::int as n from cases`.execute(p.database.db)).rows[0]
const caseRow = (p: TestPlatform, id: number) => p.database.db.selectFrom('cases').selectAll().where('id', '=', id).executeTakeFirst()

describe.each(backends())('area scoping on %s', (backend) => {
  let p: TestPlatform
  let b: B
  beforeAll(async () => {
    p = await openTestPlatform(backend)
    const community = await areaId(p, 'JZ-QH-02-01')
    const grid = await areaId(p, 'JZ-QH-02-01-G01')
    const user = await p.database.db.selectFrom('app_user').select('id').where('username', '=', 'cuizhu.staff').executeTakeFirstOrThrow()
    const grant = await p.database.db.selectFrom('role_grant').select('id').where('user_id', '=', user.id).executeTakeFirstOrThrow()
    const dept = await p.database.db.selectFrom('department').select('id').where('code', '=', 'QH-02-01-JW').executeTakeFirstOrThrow()
    // A webhook of B (created first, so B's case queues deliveries that could leak), a case in B
    // with a photo, and the notice its staff got about it.
    const hook = await call(p.app, 'POST', '/api/v1/webhooks', { token: await tokenFor(p.app, 'cuizhu.admin'), body: { areaId: community, url: 'http://127.0.0.1:9/hook', events: ['*'] } })
    const resident = await tokenFor(p.app, 'cuizhu.resident')
    const png = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64')
    const photo = await p.app.inject({ method: 'POST', url: '/api/v1/photos', headers: { 'content-type': 'image/png', authorization: `Bearer ${resident}` }, payload: png })
    const { rows } = await sql<{ lng: number; lat: number }>`select ST_X(ST_PointOnSurface(boundary)) as lng, ST_Y(ST_PointOnSurface(boundary)) as lat from area where id = ${grid}`.execute(p.database.db)
    const filed = await call(p.app, 'POST', '/api/v1/cases', { token: resident, body: { categoryCode: 'DL-03', location: rows[0], description: '翠竹路灯不亮', photos: [photo.json().token] } })
    if (filed.status !== 201) throw new Error(JSON.stringify(filed.body))
    const keyOfB = await call(p.app, 'POST', '/api/v1/api-keys', { token: await tokenFor(p.app, 'cuizhu.admin'), body: { name: 'Cuizhu app', areaId: community } })
    const keyOfA = await call(p.app, 'POST', '/api/v1/api-keys', { token: await tokenFor(p.app, 'guihua.admin'), body: { name: 'Guihua app', areaId: await areaId(p, 'JZ-QH-01-01') } })
    const note = await p.database.db.selectFrom('notification').select('id').where('case_id', '=', filed.body.id).executeTakeFirstOrThrow()
    b = {
      community,
      grid,
      gridOfA: await areaId(p, 'JZ-QH-01-01-G01'),
      userId: user.id,
      grantId: grant.id,
      departmentId: dept.id,
      caseId: filed.body.id,
      photoId: photo.json().id,
      notificationId: note.id,
      webhookId: hook.body.id,
      apiKeyId: keyOfB.body.id,
      keyOfA: keyOfA.body.key,
      pointInB: rows[0]!,
    }
    // Audit entries about B exist, so a leak would show.
    const admin = await tokenFor(p.app, 'admin')
    await call(p.app, 'GET', `/api/v1/users/${b.userId}`, { token: admin })
    await call(p.app, 'PATCH', `/api/v1/departments/${b.departmentId}`, { token: admin, body: { nameEn: "Cuizhu Residents' Committee" } })
  })
  afterAll(() => p?.close())

  it('has a matrix entry for every route', () => {
    const routes: string[] = []
    const paths = (p.app.swagger() as { paths: Record<string, Record<string, unknown>> }).paths
    for (const [path, methods] of Object.entries(paths)) {
      for (const m of Object.keys(methods)) routes.push(`${m.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ':$1')}`)
    }
    routes.push('GET /api/openapi.json')
    const missing = routes.filter((r) => !(r in matrix) && !r.startsWith('GET /api/docs') && !r.startsWith('HEAD '))
    expect(missing).toEqual([])
  })

  it.each([...rolesOfA, 'anonymous'])('%s can neither read nor change community B', async (who) => {
    const token = who === 'anonymous' ? null : await tokenFor(p.app, who)
    for (const [route, probe] of Object.entries(matrix)) {
      try {
        await probe(p, token, b)
      } catch (err) {
        throw new Error(`${who} → ${route}: ${(err as Error).message}`)
      }
    }
  })

  it('lets A’s admin change A (the probes above are not vacuous)', async () => {
    const t = await tokenFor(p.app, 'guihua.admin')
    const deptA = await p.database.db.selectFrom('department').select('id').where('code', '=', 'QH-01-01-JW').executeTakeFirstOrThrow()
    expect((await call(p.app, 'PATCH', `/api/v1/departments/${deptA.id}`, { token: t, body: { nameEn: 'Guihua RC' } })).status).toBe(200)
    const userA = await p.database.db.selectFrom('app_user').select('id').where('username', '=', 'guihua.staff').executeTakeFirstOrThrow()
    expect((await call(p.app, 'GET', `/api/v1/users/${userA.id}`, { token: t })).status).toBe(200)
    expect((await call(p.app, 'PATCH', `/api/v1/areas/${b.gridOfA}`, { token: t, body: { nameEn: 'Guihua Grid One' } })).status).toBe(200)
    // The admin of a community may change the community itself, not only what lies below it.
    const guihua = await areaId(p, 'JZ-QH-01-01')
    expect((await call(p.app, 'PATCH', `/api/v1/areas/${guihua}`, { token: t, body: { nameEn: 'Guihua Community' } })).status).toBe(200)
    const users = await call(p.app, 'GET', '/api/v1/users?pageSize=500', { token: await tokenFor(p.app, 'guihua.staff') })
    expect(users.body.items.map((u: { username: string }) => u.username)).toContain('guihua.mediator')
  })

  it('row-level security confines a query that forgets its filter', async () => {
    const token = await tokenFor(p.app, 'guihua.staff')
    const actor = (await actorForToken(p.database.db, token))!
    const ctx = { actor, ip: 'test' }
    const all = await p.database.db.selectFrom('department').select('id').execute()
    const visible = await inScope(p.database.db, ctx, (tx) => tx.selectFrom('department').select('id').execute())
    expect(visible.length).toBeGreaterThan(0)
    expect(visible.length).toBeLessThan(all.length)
    expect(visible.map((d) => d.id)).not.toContain(b.departmentId)
    const renamed = await inScope(p.database.db, ctx, (tx) => tx.updateTable('department').set({ name_en: 'everything' }).executeTakeFirst())
    expect(Number(renamed.numUpdatedRows)).toBe(0)
    const users = await inScope(p.database.db, ctx, (tx) => tx.selectFrom('app_user').select('username').execute())
    expect(users.map((u) => u.username)).not.toContain('cuizhu.staff')
    const audit = await inScope(p.database.db, ctx, (tx) => tx.selectFrom('audit_log').select('seq').execute())
    expect(audit).toEqual([])
    await expect(
      inScope(p.database.db, ctx, (tx) =>
        tx.insertInto('role_grant').values({ user_id: actor.userId, role: 'admin', area_id: b.community, granted_by: null }).execute(),
      ),
    ).rejects.toThrow(/row-level security/)
    // Moving an area under a parent outside the caller's areas is refused by the database itself.
    const adminCtx = { actor: (await actorForToken(p.database.db, await tokenFor(p.app, 'guihua.admin')))!, ip: 'test' }
    await expect(
      inScope(p.database.db, adminCtx, (tx) => tx.updateTable('area').set({ parent_id: b.community }).where('id', '=', b.gridOfA).execute()),
    ).rejects.toThrow(/outside your areas/)
    const anonymous = await inScope(p.database.db, { actor: null, ip: 'test' }, (tx) => tx.selectFrom('app_user').select('id').execute())
    expect(anonymous).toEqual([])
  })
})
