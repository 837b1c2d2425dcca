import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { actorForToken } from '../src/accounts/service.js'
import { inScope } from '../src/core/scope.js'
import { populationBreakdowns } from '../src/registry/opendata.js'
import { residentId } from '../src/registry/fake.js'
import { areaId, backends, call, openTestPlatform, square, tokenFor, type TestPlatform } from './support.js'
import { scopingParts } from './authz/index.js'
import { denied, unchanged, type ScopingBase } from './authz/parts.js'

// Staff of community A (桂花, Guihua) must neither read nor change anything of community B
// (翠竹, Cuizhu) through any endpoint. Every route of the API has an entry below; a new route
// without one fails the test, so the matrix cannot silently fall behind.

const rolesOfA = [
  'guihua.admin',
  'guihua.leader',
  'guihua.staff',
  'guihua.grid',
  'guihua.handler',
  'guihua.mediator',
  'guihua.resident',
]

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
  /** Registry records of B, made by B's own staff. */
  personId: number
  personName: string
  personIdNumber: string
  personPhone: string
  /** A second person with the same phone: a suspected duplicate of the first. */
  twinId: number
  householdId: number
  buildingId: number
  dwellingId: number
  organisationId: number
  organisationName: string
  placeId: number
  visitId: number
  importId: number
  dataGrantId: number
  /** The department of A's handler (QH-01-ZF): A's admin must not hand B's data to it. */
  departmentOfA: number
  /** A dispute of B at people's mediation with a draft agreement, and a petition received in B. */
  disputeId: number
  disputePartyName: string
  petitionId: number
}

type Probe = (p: TestPlatform, token: string | null, b: B) => Promise<void>

const userRow = (p: TestPlatform, id: number) =>
  p.database.db.selectFrom('app_user').selectAll().where('id', '=', id).executeTakeFirst()
const grantRows = (p: TestPlatform, userId: number) =>
  p.database.db.selectFrom('role_grant').selectAll().where('user_id', '=', userId).orderBy('id').execute()
const areaRow = (p: TestPlatform, id: number) =>
  p.database.db
    .selectFrom('area')
    .select([
      'id',
      'parent_id',
      'code',
      'name_zh',
      'name_en',
      'path',
      'retired_at',
      sql<string>`ST_AsText(boundary)`.as('wkt'),
    ])
    .where('id', '=', id)
    .executeTakeFirst()
const areaCount = (p: TestPlatform) =>
  p.database.db
    .selectFrom('area')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow()
const deptRow = (p: TestPlatform, id: number) =>
  p.database.db.selectFrom('department').selectAll().where('id', '=', id).executeTakeFirst()
const deptCount = (p: TestPlatform) =>
  p.database.db
    .selectFrom('department')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow()
const userCount = (p: TestPlatform) =>
  p.database.db
    .selectFrom('app_user')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow()

/** What a caller from A may do with B's data through each route. */
const matrix: Record<string, Probe> = {
  'GET /healthz': async (p, t) =>
    expect((await call(p.app, 'GET', '/healthz', { token: t })).body).not.toHaveProperty('items'),
  'GET /api/v1/config': async (p, t) =>
    expect((await call(p.app, 'GET', '/api/v1/config', { token: t })).status).toBe(200),
  'GET /api/openapi.json': async () => {},
  // Platform-wide figures, no area data: root admins (or the scrape token) only.
  'GET /metrics': async (p, t) => denied((await call(p.app, 'GET', '/metrics', { token: t })).status),
  // Boundaries, names and codes of areas are public information (the public map shows them).
  'GET /api/v1/areas/tree': async () => {},
  'GET /api/v1/areas/locate': async () => {},
  'GET /api/v1/areas/boundaries': async () => {},
  'GET /api/v1/areas/:id': async () => {},
  'GET /api/v1/areas/:id/coverage': async (p, t, b) =>
    denied((await call(p.app, 'GET', `/api/v1/areas/${b.community}/coverage`, { token: t })).status),
  'POST /api/v1/areas': async (p, t, b) =>
    unchanged(
      () => areaCount(p),
      () =>
        call(p.app, 'POST', '/api/v1/areas', {
          token: t,
          body: {
            parentId: b.community,
            code: 'INTRUDER',
            nameZh: '入侵',
            nameEn: 'Intruder',
            boundary: square(121, 31),
          },
        }),
    ),
  'PATCH /api/v1/areas/:id': async (p, t, b) =>
    unchanged(
      () => areaRow(p, b.grid),
      () =>
        call(p.app, 'PATCH', `/api/v1/areas/${b.grid}`, {
          token: t,
          body: { nameEn: 'Taken over', boundary: square(121, 31) },
        }),
    ),
  'POST /api/v1/areas/:id/move': async (p, t, b) => {
    await unchanged(
      () => areaRow(p, b.grid),
      () => call(p.app, 'POST', `/api/v1/areas/${b.grid}/move`, { token: t, body: { parentId: b.community } }),
    )
    // Nor may A push its own grid into B.
    await unchanged(
      () => areaRow(p, b.gridOfA),
      () => call(p.app, 'POST', `/api/v1/areas/${b.gridOfA}/move`, { token: t, body: { parentId: b.community } }),
    )
  },
  'POST /api/v1/areas/:id/retire': async (p, t, b) =>
    unchanged(
      () => areaRow(p, b.grid),
      () => call(p.app, 'POST', `/api/v1/areas/${b.grid}/retire`, { token: t }),
    ),
  'POST /api/v1/areas/import': async (p, t, b) =>
    unchanged(
      () => areaCount(p),
      () =>
        call(p.app, 'POST', '/api/v1/areas/import', {
          token: t,
          body: {
            parentId: b.community,
            featureCollection: {
              type: 'FeatureCollection',
              features: [
                {
                  type: 'Feature',
                  geometry: square(121, 31),
                  properties: { code: 'INTRUDER2', nameZh: '入侵', nameEn: 'Intruder' },
                },
              ],
            },
          },
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
    if (res.status === 200)
      expect(res.body.user.roles.every((r: { areaId: number }) => r.areaId !== b.community)).toBe(true)
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
      () =>
        call(p.app, 'POST', '/api/v1/users', {
          token: t,
          body: {
            username: 'intruder',
            displayName: 'X',
            password: 'long-enough-pw',
            grants: [{ role: 'staff', areaId: b.community }],
          },
        }),
    ),
  'GET /api/v1/users/:id': async (p, t, b) =>
    denied((await call(p.app, 'GET', `/api/v1/users/${b.userId}`, { token: t })).status),
  'PATCH /api/v1/users/:id': async (p, t, b) =>
    unchanged(
      () => userRow(p, b.userId),
      () =>
        call(p.app, 'PATCH', `/api/v1/users/${b.userId}`, {
          token: t,
          body: { displayName: 'Taken over', status: 'disabled' },
        }),
    ),
  'POST /api/v1/users/:id/grants': async (p, t, b) =>
    unchanged(
      () => grantRows(p, b.userId),
      () =>
        call(p.app, 'POST', `/api/v1/users/${b.userId}/grants`, {
          token: t,
          body: { role: 'admin', areaId: b.community },
        }),
    ),
  'DELETE /api/v1/users/:id/grants/:grantId': async (p, t, b) =>
    unchanged(
      () => grantRows(p, b.userId),
      () => call(p.app, 'DELETE', `/api/v1/users/${b.userId}/grants/${b.grantId}`, { token: t }),
    ),
  'GET /api/v1/departments': async (p, t, b) => {
    const res = await call(p.app, 'GET', `/api/v1/departments?pageSize=500`, { token: t })
    if (res.status !== 200) return denied(res.status)
    expect(res.body.items.map((d: { id: number }) => d.id)).not.toContain(b.departmentId)
  },
  'POST /api/v1/departments': async (p, t, b) =>
    unchanged(
      () => deptCount(p),
      () =>
        call(p.app, 'POST', '/api/v1/departments', {
          token: t,
          body: { areaId: b.community, code: 'INTRUDER', nameZh: '入侵', nameEn: 'Intruder', kind: 'functional' },
        }),
    ),
  'GET /api/v1/departments/:id': async (p, t, b) =>
    denied((await call(p.app, 'GET', `/api/v1/departments/${b.departmentId}`, { token: t })).status),
  'PATCH /api/v1/departments/:id': async (p, t, b) =>
    unchanged(
      () => deptRow(p, b.departmentId),
      () => call(p.app, 'PATCH', `/api/v1/departments/${b.departmentId}`, { token: t, body: { nameEn: 'Taken over' } }),
    ),
  'GET /api/v1/audit': async (p, t, b) => {
    const res = await call(p.app, 'GET', '/api/v1/audit?pageSize=500', { token: t })
    if (res.status !== 200) return denied(res.status)
    expect(
      res.body.items.filter((e: { areaId: number | null }) => e.areaId === b.community || e.areaId === b.grid),
    ).toEqual([])
    expect(res.body.items.filter((e: { areaId: number | null }) => e.areaId === null)).toEqual([])
  },
  'GET /api/v1/audit/verify': async (p, t) =>
    denied((await call(p.app, 'GET', '/api/v1/audit/verify', { token: t })).status),
  // The catalogue, photo upload and reporting are open to everyone: where a case belongs is
  // decided by its location, not by the caller.
  'GET /api/v1/categories': async () => {},
  'POST /api/v1/photos': async () => {},
  'POST /api/v1/cases': async () => {},
  'GET /api/v1/photos/:id': async (p, t, b) =>
    denied((await call(p.app, 'GET', `/api/v1/photos/${b.photoId}`, { token: t })).status),
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
  'GET /api/v1/cases/:id': async (p, t, b) =>
    denied((await call(p.app, 'GET', `/api/v1/cases/${b.caseId}`, { token: t })).status),
  'POST /api/v1/cases/:id/actions': async (p, t, b) =>
    unchanged(
      () => caseRow(p, b.caseId),
      () =>
        call(p.app, 'POST', `/api/v1/cases/${b.caseId}/actions`, {
          token: t,
          body: { action: 'reject', comment: 'not ours' },
        }),
    ),
  'POST /api/v1/cases/:id/reporter-phone': async (p, t, b) =>
    denied(
      (
        await call(p.app, 'POST', `/api/v1/cases/${b.caseId}/reporter-phone`, {
          token: t,
          body: { purpose: '越权查看' },
        })
      ).status,
    ),
  // The calendar is one for the platform (kept by root admins); routing is readable configuration.
  'GET /api/v1/calendar': async () => {},
  'PUT /api/v1/calendar/:day': async (p, t) =>
    unchanged(
      () => p.database.db.selectFrom('calendar_day').selectAll().where('day', '=', '2026-12-24').execute(),
      () => call(p.app, 'PUT', '/api/v1/calendar/2026-12-24', { token: t, body: { kind: 'holiday' } }),
    ),
  'DELETE /api/v1/calendar/:day': async (p, t) =>
    unchanged(
      () => p.database.db.selectFrom('calendar_day').selectAll().where('day', '=', '2026-10-01').execute(),
      () => call(p.app, 'DELETE', '/api/v1/calendar/2026-10-01', { token: t }),
    ),
  'GET /api/v1/categories/:code/routing': async () => {},
  'PUT /api/v1/categories/:code/routing/:areaId': async (p, t, b) =>
    unchanged(
      () => p.database.db.selectFrom('category_routing').selectAll().where('area_id', '=', b.community).execute(),
      () =>
        call(p.app, 'PUT', `/api/v1/categories/DL-03/routing/${b.community}`, {
          token: t,
          body: { departmentId: b.departmentId },
        }),
    ),
  // The loop's rules are readable configuration; only B's admins change B's.
  'GET /api/v1/areas/:id/case-rules': async () => {},
  'PUT /api/v1/areas/:id/case-rules': async (p, t, b) =>
    unchanged(
      () => p.database.db.selectFrom('case_rules').selectAll().where('area_id', '=', b.community).execute(),
      () =>
        call(p.app, 'PUT', `/api/v1/areas/${b.community}/case-rules`, {
          token: t,
          body: { callbackAttempts: 5 },
        }),
    ),
  'GET /api/v1/stats/cases': async (p, t, b) => {
    const res = await call(p.app, 'GET', '/api/v1/stats/cases?from=2000-01-01&to=2100-01-01', { token: t })
    if (res.status !== 200) return denied(res.status)
    expect(res.body.areas.map((a: { id: number }) => a.id)).not.toContain(b.community)
    // The demo city's device alarms filed cases in A; the only case of this category lies in B.
    const { rows } = await sql<{ id: number }>`select id from case_category where code = 'DL-03'`.execute(p.database.db)
    const streetLights = await call(
      p.app,
      'GET',
      `/api/v1/stats/cases?from=2000-01-01&to=2100-01-01&categoryId=${rows[0]!.id}`,
      {
        token: t,
      },
    )
    expect(streetLights.body.totals.total).toBe(0)
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
    unchanged(
      () => webhookCount(p),
      () =>
        call(p.app, 'POST', '/api/v1/webhooks', {
          token: t,
          body: { areaId: b.community, url: 'https://intruder.example/hook', events: ['*'] },
        }),
    ),
  'PATCH /api/v1/webhooks/:id': async (p, t, b) =>
    unchanged(
      () => webhookRow(p, b.webhookId),
      () =>
        call(p.app, 'PATCH', `/api/v1/webhooks/${b.webhookId}`, {
          token: t,
          body: { url: 'https://intruder.example/hook', events: ['*'], active: false },
        }),
    ),
  'POST /api/v1/webhooks/:id/test': async (p, t, b) =>
    unchanged(
      () => deliveryRows(p, b.webhookId),
      () => call(p.app, 'POST', `/api/v1/webhooks/${b.webhookId}/test`, { token: t }),
    ),
  'GET /api/v1/webhooks/:id/deliveries': async (p, t, b) =>
    denied((await call(p.app, 'GET', `/api/v1/webhooks/${b.webhookId}/deliveries`, { token: t })).status),
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
            headers: {
              'content-type': 'application/x-www-form-urlencoded',
              ...(t ? { authorization: `Bearer ${t}` } : {}),
            },
            payload: new URLSearchParams({
              api_key: b.keyOfA,
              service_code: 'DL-03',
              lat: String(b.pointInB.lat),
              long: String(b.pointInB.lng),
            }).toString(),
          })
        ).statusCode,
      }),
    ),
  'GET /api/v1/api-keys': async (p, t, b) => {
    const res = await call(p.app, 'GET', '/api/v1/api-keys?pageSize=500', { token: t })
    if (res.status !== 200) return denied(res.status)
    expect(res.body.items.map((k: { id: number }) => k.id)).not.toContain(b.apiKeyId)
    expect((await call(p.app, 'GET', `/api/v1/api-keys?areaId=${b.community}`, { token: t })).body.items ?? []).toEqual(
      [],
    )
  },
  'POST /api/v1/api-keys': async (p, t, b) =>
    unchanged(
      () => apiKeyCount(p),
      () => call(p.app, 'POST', '/api/v1/api-keys', { token: t, body: { name: 'intruder', areaId: b.community } }),
    ),
  'POST /api/v1/api-keys/:id/revoke': async (p, t, b) =>
    unchanged(
      () => apiKeyRow(p, b.apiKeyId),
      () => call(p.app, 'POST', `/api/v1/api-keys/${b.apiKeyId}/revoke`, { token: t }),
    ),
  // The public page and map show no personal data by design.
  'GET /api/v1/public/cases/:trackingCode': async () => {},
  'GET /api/v1/public/map': async () => {},
  'POST /api/v1/public/cases/:trackingCode/rating': async (p, _t, b) => {
    const code = (await caseRow(p, b.caseId))!.tracking_code
    await unchanged(
      () => caseRow(p, b.caseId),
      () =>
        call(p.app, 'POST', `/api/v1/public/cases/${code}/rating`, {
          body: { reporterToken: 'guessed-token-guessed', rating: 'unsatisfied' },
        }),
    )
  },
  'GET /api/v1/notifications': async (p, t, b) => {
    const res = await call(p.app, 'GET', '/api/v1/notifications?pageSize=500', { token: t })
    if (res.status !== 200) return denied(res.status)
    expect(res.body.items.map((n: { id: number }) => n.id)).not.toContain(b.notificationId)
  },
  'POST /api/v1/notifications/:id/read': async (p, t, b) => {
    const read = () =>
      p.database.db.selectFrom('notification').select('read_at').where('id', '=', b.notificationId).executeTakeFirst()
    const before = await read()
    await call(p.app, 'POST', `/api/v1/notifications/${b.notificationId}/read`, { token: t })
    expect(await read()).toEqual(before)
  },

  // ── Registry (people, households, buildings, organisations, places, imports, grants, care) ──
  // Row-level security shows registry records to admin, leader, staff and grid workers of their
  // own areas only; writes are checked against the target area before anything is stored.
  'POST /api/v1/people': async (p, t, b) => {
    const fresh = {
      name: '入侵者',
      idNumber: residentId('330106', '1977-07-07', 901),
      residenceStatus: 'registered',
      phone: '13900009999',
    }
    await unchanged(
      () => personCount(p),
      () => call(p.app, 'POST', '/api/v1/people', { token: t, body: { ...fresh, areaId: b.community } }),
    )
    await unchanged(
      () => personCount(p),
      () => call(p.app, 'POST', '/api/v1/people', { token: t, body: { ...fresh, dwellingId: b.dwellingId } }),
    )
  },
  'POST /api/v1/people/search': async (p, t, b) => {
    for (const body of [
      { idNumber: b.personIdNumber },
      { phone: b.personPhone },
      { q: b.personName },
      { areaId: b.community },
      { pageSize: 500 },
    ]) {
      const res = await call(p.app, 'POST', '/api/v1/people/search', { token: t, body })
      if (res.status !== 200) {
        denied(res.status)
        continue
      }
      expect(res.body.items.map((i: { id: number }) => i.id)).not.toContain(b.personId)
      expect(res.body.items.filter((i: { areaId: number }) => i.areaId === b.community || i.areaId === b.grid)).toEqual(
        [],
      )
    }
  },
  'GET /api/v1/people/duplicates': async (p, t, b) => {
    for (const url of ['/api/v1/people/duplicates?pageSize=500', `/api/v1/people/duplicates?areaId=${b.community}`]) {
      const res = await call(p.app, 'GET', url, { token: t })
      if (res.status !== 200) {
        denied(res.status)
        continue
      }
      expect(JSON.stringify(res.body)).not.toContain(b.personName)
      expect(res.body.items).toEqual([])
    }
  },
  'POST /api/v1/people/duplicates/dismiss': async (p, t, b) =>
    unchanged(
      () => distinctRows(p),
      () =>
        call(p.app, 'POST', '/api/v1/people/duplicates/dismiss', {
          token: t,
          body: { personA: b.personId, personB: b.twinId },
        }),
    ),
  'GET /api/v1/people/export': async (p, t, b) => {
    for (const area of [b.community, b.grid]) {
      const res = await p.app.inject({
        method: 'GET',
        url: `/api/v1/people/export?areaId=${area}`,
        headers: t ? { authorization: `Bearer ${t}` } : {},
      })
      denied(res.statusCode)
      expect(res.body).not.toContain(b.personName)
    }
  },
  'GET /api/v1/people/:id': async (p, t, b) => {
    denied((await call(p.app, 'GET', `/api/v1/people/${b.personId}`, { token: t })).status)
    denied((await call(p.app, 'GET', `/api/v1/people/${b.personId}?asOf=2026-11-23`, { token: t })).status)
  },
  'PATCH /api/v1/people/:id': async (p, t, b) =>
    unchanged(
      () => personRow(p, b.personId),
      () =>
        call(p.app, 'PATCH', `/api/v1/people/${b.personId}`, {
          token: t,
          body: { version: 1, reason: '越权修改', name: '被改名', phone: null, tags: [] },
        }),
    ),
  'POST /api/v1/people/:id/events': async (p, t, b) =>
    unchanged(
      () => personRow(p, b.personId),
      () =>
        call(p.app, 'POST', `/api/v1/people/${b.personId}/events`, {
          token: t,
          body: { kind: 'move_out', on: '2026-11-22', reason: '越权迁出', version: 1 },
        }),
    ),
  'GET /api/v1/people/:id/history': async (p, t, b) =>
    denied((await call(p.app, 'GET', `/api/v1/people/${b.personId}/history`, { token: t })).status),
  'POST /api/v1/people/:id/reveal': async (p, t, b) => {
    const res = await call(p.app, 'POST', `/api/v1/people/${b.personId}/reveal`, {
      token: t,
      body: { fields: ['idNumber', 'phone'], purpose: '越权查看号码' },
    })
    denied(res.status)
    expect(JSON.stringify(res.body)).not.toContain(b.personPhone)
    expect(JSON.stringify(res.body)).not.toContain(b.personIdNumber)
  },
  'POST /api/v1/people/:id/merge': async (p, t, b) => {
    const both = async () => [await personRow(p, b.twinId), await personRow(p, b.personId)]
    await unchanged(both, () =>
      call(p.app, 'POST', `/api/v1/people/${b.twinId}/merge`, {
        token: t,
        body: { intoId: b.personId, reason: '越权合并' },
      }),
    )
  },
  'GET /api/v1/people/:id/visits': async (p, t, b) =>
    denied((await call(p.app, 'GET', `/api/v1/people/${b.personId}/visits`, { token: t })).status),
  'POST /api/v1/households': async (p, t, b) => {
    await unchanged(
      () => countOf(p, 'household'),
      () => call(p.app, 'POST', '/api/v1/households', { token: t, body: { code: 'INTRUDER-H1', areaId: b.community } }),
    )
    await unchanged(
      () => countOf(p, 'household'),
      () =>
        call(p.app, 'POST', '/api/v1/households', {
          token: t,
          body: { code: 'INTRUDER-H2', dwellingId: b.dwellingId },
        }),
    )
  },
  'GET /api/v1/households': async (p, t, b) => expectNoneOfB(p, t, b, '/api/v1/households', b.householdId),
  'GET /api/v1/households/:id': async (p, t, b) =>
    denied((await call(p.app, 'GET', `/api/v1/households/${b.householdId}`, { token: t })).status),
  'POST /api/v1/households/:id/members': async (p, t, b) =>
    unchanged(
      () => memberRows(p, b.householdId),
      () =>
        call(p.app, 'POST', `/api/v1/households/${b.householdId}/members`, {
          token: t,
          body: { personId: b.twinId, relation: 'spouse' },
        }),
    ),
  'DELETE /api/v1/households/:id/members/:personId': async (p, t, b) =>
    unchanged(
      () => memberRows(p, b.householdId),
      () =>
        call(p.app, 'DELETE', `/api/v1/households/${b.householdId}/members/${b.personId}?reason=intrusion`, {
          token: t,
        }),
    ),
  'POST /api/v1/buildings': async (p, t, b) =>
    unchanged(
      () => countOf(p, 'building'),
      () =>
        call(p.app, 'POST', '/api/v1/buildings', {
          token: t,
          body: { code: 'INTRUDER-B1', name: '入侵楼', kind: 'residential', address: '翠竹路', location: b.pointInB },
        }),
    ),
  'GET /api/v1/buildings': async (p, t, b) => expectNoneOfB(p, t, b, '/api/v1/buildings', b.buildingId),
  'GET /api/v1/buildings/:id': async (p, t, b) =>
    denied((await call(p.app, 'GET', `/api/v1/buildings/${b.buildingId}`, { token: t })).status),
  'POST /api/v1/buildings/:id/dwellings': async (p, t, b) =>
    unchanged(
      () => dwellingRows(p, b.buildingId),
      () =>
        call(p.app, 'POST', `/api/v1/buildings/${b.buildingId}/dwellings`, {
          token: t,
          body: { unit: '9', floor: 9, room: '999' },
        }),
    ),
  'POST /api/v1/organisations': async (p, t, b) => {
    await unchanged(
      () => countOf(p, 'organisation'),
      () =>
        call(p.app, 'POST', '/api/v1/organisations', {
          token: t,
          body: { kind: 'social_organisation', name: '入侵协会', location: b.pointInB },
        }),
    )
    await unchanged(
      () => countOf(p, 'organisation'),
      () =>
        call(p.app, 'POST', '/api/v1/organisations', {
          token: t,
          body: { kind: 'social_organisation', name: '入侵协会', areaId: b.community },
        }),
    )
  },
  'GET /api/v1/organisations': async (p, t, b) => expectNoneOfB(p, t, b, '/api/v1/organisations', b.organisationId),
  'GET /api/v1/organisations/:id': async (p, t, b) =>
    denied((await call(p.app, 'GET', `/api/v1/organisations/${b.organisationId}`, { token: t })).status),
  'POST /api/v1/organisations/:id/people': async (p, t, b) =>
    unchanged(
      () => orgPeopleRows(p, b.organisationId),
      () =>
        call(p.app, 'POST', `/api/v1/organisations/${b.organisationId}/people`, {
          token: t,
          body: { personId: b.twinId, role: 'employee' },
        }),
    ),
  'POST /api/v1/places': async (p, t, b) =>
    unchanged(
      () => countOf(p, 'place'),
      () =>
        call(p.app, 'POST', '/api/v1/places', {
          token: t,
          body: {
            kind: 'shop',
            name: '入侵小店',
            address: '翠竹路',
            location: b.pointInB,
            organisationId: b.organisationId,
          },
        }),
    ),
  'GET /api/v1/places': async (p, t, b) => expectNoneOfB(p, t, b, '/api/v1/places', b.placeId),
  'GET /api/v1/places/:id': async (p, t, b) =>
    denied((await call(p.app, 'GET', `/api/v1/places/${b.placeId}`, { token: t })).status),
  'POST /api/v1/imports': async (p, t, b) =>
    unchanged(
      () => countOf(p, 'import_job'),
      () =>
        upload(
          p,
          t,
          `/api/v1/imports?areaId=${b.community}&fileName=intruder.csv`,
          `姓名,身份证号\n入侵者,${residentId('330106', '1977-07-07', 903)}\n`,
        ),
    ),
  'POST /api/v1/imports/:id/start': async (p, t, b) =>
    unchanged(
      () => importRow(p, b.importId),
      () =>
        call(p.app, 'POST', `/api/v1/imports/${b.importId}/start`, {
          token: t,
          body: { mapping: { 姓名: 'name', 身份证号: 'idNumber' } },
        }),
    ),
  'GET /api/v1/imports': async (p, t, b) => expectNoneOfB(p, t, b, '/api/v1/imports', b.importId),
  'GET /api/v1/imports/:id': async (p, t, b) =>
    denied((await call(p.app, 'GET', `/api/v1/imports/${b.importId}`, { token: t })).status),
  'GET /api/v1/imports/:id/errors': async (p, t, b) => {
    const res = await p.app.inject({
      method: 'GET',
      url: `/api/v1/imports/${b.importId}/errors`,
      headers: t ? { authorization: `Bearer ${t}` } : {},
    })
    denied(res.statusCode)
  },
  'GET /api/v1/data-grants': async (p, t, b) => expectNoneOfB(p, t, b, '/api/v1/data-grants', b.dataGrantId),
  'POST /api/v1/data-grants': async (p, t, b) =>
    unchanged(
      () => countOf(p, 'data_grant'),
      () =>
        call(p.app, 'POST', '/api/v1/data-grants', {
          token: t,
          body: {
            areaId: b.community,
            departmentId: b.departmentOfA,
            entity: 'person',
            fields: ['name', 'idNumber', 'phone'],
            purpose: '越权共享',
            expiresAt: new Date(p.clock.now().getTime() + 86_400_000).toISOString(),
          },
        }),
    ),
  'POST /api/v1/data-grants/:id/revoke': async (p, t, b) =>
    unchanged(
      () => dataGrantRow(p, b.dataGrantId),
      () => call(p.app, 'POST', `/api/v1/data-grants/${b.dataGrantId}/revoke`, { token: t }),
    ),
  // The grant of B names B's own committee: neither A's departments nor A's outside systems may use it.
  'GET /api/v1/shared/:entity': async (p, t, b) => {
    for (const entity of ['person', 'household']) {
      const res = await call(p.app, 'GET', `/api/v1/shared/${entity}?grantId=${b.dataGrantId}`, { token: t })
      denied(res.status)
      expect(JSON.stringify(res.body)).not.toContain(b.personName)
    }
    const viaKey = await call(p.app, 'GET', `/api/v1/shared/person?grantId=${b.dataGrantId}`, {
      headers: { 'x-api-key': b.keyOfA },
    })
    denied(viaKey.status)
    expect(JSON.stringify(viaKey.body)).not.toContain(b.personName)
  },
  'GET /api/v1/care/people': async (p, t, b) => {
    for (const url of [
      '/api/v1/care/people?pageSize=500',
      `/api/v1/care/people?areaId=${b.community}`,
      '/api/v1/care/people?overdueOnly=true&pageSize=500',
    ]) {
      const res = await call(p.app, 'GET', url, { token: t })
      if (res.status !== 200) {
        denied(res.status)
        continue
      }
      expect(res.body.items.map((i: { person: { id: number } }) => i.person.id)).not.toContain(b.personId)
      expect(JSON.stringify(res.body)).not.toContain(b.personName)
    }
  },
  'POST /api/v1/care/visits': async (p, t, b) =>
    unchanged(
      () => visitRows(p, b.personId),
      () =>
        call(p.app, 'POST', '/api/v1/care/visits', {
          token: t,
          body: { personId: b.personId, visitedOn: '2026-11-22', findings: '越权走访' },
        }),
    ),
  // One list of visit intervals for the whole platform, no area data: every signed-in user may read it.
  'GET /api/v1/care/rules': async (p, t) => {
    const res = await call(p.app, 'GET', '/api/v1/care/rules', { token: t })
    if (res.status !== 200) return denied(res.status)
    for (const r of res.body.items) expect(Object.keys(r).sort()).toEqual(['intervalDays', 'tag'])
  },
  // The intervals apply to B too: only root admins may set them, and nobody of A is one.
  'PUT /api/v1/care/rules/:tag': async (p, t) =>
    unchanged(
      () => p.database.db.selectFrom('care_rule').selectAll().orderBy('tag').execute(),
      () => call(p.app, 'PUT', '/api/v1/care/rules/elderly_alone', { token: t, body: { intervalDays: 99 } }),
    ),
  // The field classification and the negative list describe the platform, not anybody's data.
  'GET /api/v1/registry/fields': async (p, t, b) => {
    const res = await call(p.app, 'GET', '/api/v1/registry/fields', { token: t })
    expect(res.status).toBe(200)
    expect(JSON.stringify(res.body)).not.toContain(b.personName)
  },
  // Open data is public by design: counts only, and no cell (nor total) below 5 is published, so
  // nobody can single out one of B's residents.
  'GET /api/v1/open-data/population': async (p, t, b) => {
    let published = 0
    for (const area of [b.community, b.grid]) {
      for (const by of populationBreakdowns) {
        const res = await call(p.app, 'GET', `/api/v1/open-data/population?areaId=${area}&by=${by}`, { token: t })
        expect(res.status).toBe(200)
        // Zero singles out nobody (a grid has no sub-areas, so its breakdown by area is empty).
        const safe = (n: number) => n === 0 || n >= 5
        for (const c of res.body.cells) {
          if (c.count === null) expect(c.suppressed).toBe(true)
          else expect(safe(c.count), `${by} of ${area}: ${JSON.stringify(c)}`).toBe(true)
          if (c.count !== null && c.count > 0) published++
        }
        if (res.body.total !== null)
          expect(safe(res.body.total), `${by} of ${area}: total ${res.body.total}`).toBe(true)
        expect(JSON.stringify(res.body)).not.toContain(b.personName)
      }
    }
    expect(published).toBeGreaterThan(0) // B has enough residents for some cells: the check is not vacuous
  },
  // Places are public by design; only their open fields leave the platform (no people, no organisation).
  'GET /api/v1/open-data/places': async (p, t, b) => {
    const res = await call(p.app, 'GET', `/api/v1/open-data/places?areaId=${b.community}`, { token: t })
    expect(res.status).toBe(200)
    expect(res.body.items.length).toBeGreaterThan(0)
    for (const i of res.body.items)
      expect(Object.keys(i).sort()).toEqual(['address', 'gridCode', 'kind', 'location', 'name'])
    const csv = await p.app.inject({
      method: 'GET',
      url: `/api/v1/open-data/places?areaId=${b.community}&format=csv`,
      headers: t ? { authorization: `Bearer ${t}` } : {},
    })
    for (const body of [JSON.stringify(res.body), csv.body]) {
      expect(body).not.toContain(b.personName)
      expect(body).not.toContain(b.organisationName)
    }
  },
  // ── Disputes and petitions of B ──
  'POST /api/v1/disputes': async (p, t, b) =>
    unchanged(
      () => disputeCount(p, b.grid),
      () =>
        call(p.app, 'POST', '/api/v1/disputes', {
          token: t,
          body: {
            category: 'neighbour',
            source: 'walk_in',
            areaId: b.grid,
            address: '翠竹1栋',
            facts: '越权登记',
            claims: '越权',
            peopleInvolved: 2,
            parties: [
              { role: 'applicant', name: '甲', address: '1' },
              { role: 'respondent', name: '乙', address: '2' },
            ],
          },
        }),
    ),
  'GET /api/v1/disputes': async (p, t, b) => {
    for (const url of ['/api/v1/disputes?pageSize=500', `/api/v1/disputes?areaId=${b.community}`]) {
      const res = await call(p.app, 'GET', url, { token: t })
      if (res.status !== 200) {
        denied(res.status)
        continue
      }
      expect(res.body.items.map((i: { id: number }) => i.id)).not.toContain(b.disputeId)
      expect(JSON.stringify(res.body)).not.toContain(b.disputePartyName)
    }
  },
  'GET /api/v1/disputes/map': async (p, t, b) => {
    const res = await call(p.app, 'GET', `/api/v1/disputes/map?areaId=${b.community}`, { token: t })
    if (res.status !== 200) return denied(res.status)
    expect(res.body.points).toEqual([])
  },
  'GET /api/v1/disputes/:id': async (p, t, b) =>
    denied((await call(p.app, 'GET', `/api/v1/disputes/${b.disputeId}`, { token: t })).status),
  'POST /api/v1/disputes/:id/actions': async (p, t, b) =>
    unchanged(
      () => disputeRow(p, b.disputeId),
      () =>
        call(p.app, 'POST', `/api/v1/disputes/${b.disputeId}/actions`, {
          token: t,
          body: { action: 'withdraw', comment: '越权撤回' },
        }),
    ),
  'POST /api/v1/disputes/:id/sessions': async (p, t, b) =>
    unchanged(
      () => p.database.db.selectFrom('mediation_session').selectAll().where('dispute_id', '=', b.disputeId).execute(),
      () =>
        call(p.app, 'POST', `/api/v1/disputes/${b.disputeId}/sessions`, {
          token: t,
          body: { heldAt: '2026-11-23T01:00:00Z', place: '越权', attendees: ['甲'], record: '越权记录' },
        }),
    ),
  'PUT /api/v1/disputes/:id/agreement': async (p, t, b) =>
    unchanged(
      () => agreementRows(p, b.disputeId),
      () =>
        call(p.app, 'PUT', `/api/v1/disputes/${b.disputeId}/agreement`, {
          token: t,
          body: { form: 'oral', terms: '越权条款' },
        }),
    ),
  'POST /api/v1/disputes/:id/agreement/signatures': async (p, t, b) =>
    unchanged(
      () => agreementRows(p, b.disputeId),
      () =>
        call(p.app, 'POST', `/api/v1/disputes/${b.disputeId}/agreement/signatures`, {
          token: t,
          body: { signer: 'mediator' },
        }),
    ),
  'GET /api/v1/disputes/:id/agreement.pdf': async (p, t, b) =>
    denied((await call(p.app, 'GET', `/api/v1/disputes/${b.disputeId}/agreement.pdf`, { token: t })).status),
  // Platform-wide rules and limits, no area data: every registrar may read them.
  'GET /api/v1/dispute-settings': async (p, t) => {
    const res = await call(p.app, 'GET', '/api/v1/dispute-settings', { token: t })
    if (res.status !== 200) denied(res.status)
  },
  'PUT /api/v1/dispute-settings': async (p, t) =>
    unchanged(
      () => p.database.db.selectFrom('mediation_limit').selectAll().orderBy('level').execute(),
      () => call(p.app, 'PUT', '/api/v1/dispute-settings', { token: t, body: { limits: { people: 5 } } }),
    ),
  'GET /api/v1/stats/disputes': async (p, t, b) => {
    const res = await call(p.app, 'GET', `/api/v1/stats/disputes?from=2026-01-01&to=2026-12-31&areaId=${b.community}`, {
      token: t,
    })
    if (res.status !== 200) return denied(res.status)
    expect(res.body.total).toBe(0)
    expect(res.body.petitions.received).toBe(0)
  },
  'POST /api/v1/petitions': async (p, t, b) =>
    unchanged(
      () => p.database.db.selectFrom('petition').select('id').where('area_id', '=', b.community).execute(),
      () =>
        call(p.app, 'POST', '/api/v1/petitions', {
          token: t,
          body: { areaId: b.community, channel: 'visit', petitionerName: '越权', matter: '越权', matterKey: '越权' },
        }),
    ),
  'GET /api/v1/petitions': async (p, t, b) => {
    for (const url of ['/api/v1/petitions?pageSize=500', `/api/v1/petitions?areaId=${b.community}`]) {
      const res = await call(p.app, 'GET', url, { token: t })
      if (res.status !== 200) {
        denied(res.status)
        continue
      }
      expect(res.body.items.map((i: { id: number }) => i.id)).not.toContain(b.petitionId)
    }
  },
  'GET /api/v1/petitions/:id': async (p, t, b) =>
    denied((await call(p.app, 'GET', `/api/v1/petitions/${b.petitionId}`, { token: t })).status),
  'POST /api/v1/petitions/:id/actions': async (p, t, b) =>
    unchanged(
      () => p.database.db.selectFrom('petition').selectAll().where('id', '=', b.petitionId).executeTakeFirst(),
      () =>
        call(p.app, 'POST', `/api/v1/petitions/${b.petitionId}/actions`, {
          token: t,
          body: { action: 'redirect', redirectedTo: '越权', comment: '越权' },
        }),
    ),
}

const disputeCount = (p: TestPlatform, areaId: number) =>
  p.database.db.selectFrom('dispute').select('id').where('area_id', '=', areaId).execute()
const disputeRow = (p: TestPlatform, id: number) =>
  p.database.db.selectFrom('dispute').selectAll().where('id', '=', id).executeTakeFirst()
const agreementRows = (p: TestPlatform, disputeId: number) =>
  p.database.db.selectFrom('mediation_agreement').selectAll().where('dispute_id', '=', disputeId).execute()

const webhookCount = async (p: TestPlatform) =>
  (await sql<{ n: number }>`select count(*)::int as n from webhook`.execute(p.database.db)).rows[0]
const webhookRow = async (p: TestPlatform, id: number) =>
  (await sql`select id, area_id, url, events, active from webhook where id = ${id}`.execute(p.database.db)).rows[0]
const deliveryRows = async (p: TestPlatform, webhookId: number) =>
  (
    await sql`select id, attempts, next_attempt_at from webhook_delivery where webhook_id = ${webhookId} order by id`.execute(
      p.database.db,
    )
  ).rows
const apiKeyCount = async (p: TestPlatform) =>
  (await sql<{ n: number }>`select count(*)::int as n from api_key`.execute(p.database.db)).rows[0]
const apiKeyRow = async (p: TestPlatform, id: number) =>
  (await sql`select id, name, area_id, revoked_at from api_key where id = ${id}`.execute(p.database.db)).rows[0]
const caseCount = async (p: TestPlatform) =>
  (await sql<{ n: number }>`select count(*)::int as n from cases`.execute(p.database.db)).rows[0]
const caseRow = (p: TestPlatform, id: number) =>
  p.database.db.selectFrom('cases').selectAll().where('id', '=', id).executeTakeFirst()

type Counted = 'person' | 'household' | 'building' | 'organisation' | 'place' | 'import_job' | 'data_grant'
const countOf = async (p: TestPlatform, table: Counted) =>
  (await sql<{ n: number }>`select count(*)::int as n from ${sql.table(table)}`.execute(p.database.db)).rows[0]
const personCount = (p: TestPlatform) => countOf(p, 'person')
const personRow = (p: TestPlatform, id: number) =>
  p.database.db.selectFrom('person').selectAll().where('id', '=', id).executeTakeFirst()
const distinctRows = (p: TestPlatform) =>
  p.database.db.selectFrom('person_distinct').selectAll().orderBy('person_a').orderBy('person_b').execute()
const memberRows = (p: TestPlatform, householdId: number) =>
  p.database.db
    .selectFrom('household_member')
    .selectAll()
    .where('household_id', '=', householdId)
    .orderBy('person_id')
    .execute()
const dwellingRows = (p: TestPlatform, buildingId: number) =>
  p.database.db.selectFrom('dwelling').selectAll().where('building_id', '=', buildingId).orderBy('id').execute()
const orgPeopleRows = (p: TestPlatform, organisationId: number) =>
  p.database.db
    .selectFrom('person_organisation')
    .selectAll()
    .where('organisation_id', '=', organisationId)
    .orderBy('person_id')
    .execute()
const importRow = (p: TestPlatform, id: number) =>
  p.database.db.selectFrom('import_job').selectAll().where('id', '=', id).executeTakeFirst()
const dataGrantRow = (p: TestPlatform, id: number) =>
  p.database.db.selectFrom('data_grant').selectAll().where('id', '=', id).executeTakeFirst()
const visitRows = (p: TestPlatform, personId: number) =>
  p.database.db.selectFrom('care_visit').selectAll().where('person_id', '=', personId).orderBy('id').execute()

/** A file as the raw request body, as the import upload takes it. */
async function upload(p: TestPlatform, token: string | null, url: string, csv: string) {
  const res = await p.app.inject({
    method: 'POST',
    url,
    headers: { 'content-type': 'text/csv', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    payload: Buffer.from(csv),
  })
  return { status: res.statusCode, body: res.body }
}

/** A list route answers A's caller with nothing of B, whether it is asked for B's area or not. */
async function expectNoneOfB(p: TestPlatform, t: string | null, b: B, route: string, idOfB: number) {
  const res = await call(p.app, 'GET', `${route}?pageSize=500`, { token: t })
  if (res.status !== 200) return denied(res.status)
  expect(res.body.items.map((i: { id: number }) => i.id)).not.toContain(idOfB)
  expect(res.body.items.filter((i: { areaId: number }) => i.areaId === b.community || i.areaId === b.grid)).toEqual([])
  const filtered = await call(p.app, 'GET', `${route}?areaId=${b.community}`, { token: t })
  expect(filtered.status).toBe(200)
  expect(filtered.body.items).toEqual([])
}

describe.each(backends())('area scoping on %s', (backend) => {
  let p: TestPlatform
  let b: B
  let base: ScopingBase
  const partData: unknown[] = []
  beforeAll(async () => {
    p = await openTestPlatform(backend)
    const community = await areaId(p, 'JZ-QH-02-01')
    const grid = await areaId(p, 'JZ-QH-02-01-G01')
    const user = await p.database.db
      .selectFrom('app_user')
      .select('id')
      .where('username', '=', 'cuizhu.staff')
      .executeTakeFirstOrThrow()
    const grant = await p.database.db
      .selectFrom('role_grant')
      .select('id')
      .where('user_id', '=', user.id)
      .executeTakeFirstOrThrow()
    const dept = await p.database.db
      .selectFrom('department')
      .select('id')
      .where('code', '=', 'QH-02-01-JW')
      .executeTakeFirstOrThrow()
    // A webhook of B (created first, so B's case queues deliveries that could leak), a case in B
    // with a photo, and the notice its staff got about it.
    const hook = await call(p.app, 'POST', '/api/v1/webhooks', {
      token: await tokenFor(p.app, 'cuizhu.admin'),
      body: { areaId: community, url: 'http://127.0.0.1:9/hook', events: ['*'] },
    })
    const resident = await tokenFor(p.app, 'cuizhu.resident')
    const png = Buffer.from(
      'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
      'base64',
    )
    const photo = await p.app.inject({
      method: 'POST',
      url: '/api/v1/photos',
      headers: { 'content-type': 'image/png', authorization: `Bearer ${resident}` },
      payload: png,
    })
    const { rows } = await sql<{
      lng: number
      lat: number
    }>`select ST_X(ST_PointOnSurface(boundary)) as lng, ST_Y(ST_PointOnSurface(boundary)) as lat from area where id = ${grid}`.execute(
      p.database.db,
    )
    const filed = await call(p.app, 'POST', '/api/v1/cases', {
      token: resident,
      body: { categoryCode: 'DL-03', location: rows[0], description: '翠竹路灯不亮', photos: [photo.json().token] },
    })
    if (filed.status !== 201) throw new Error(JSON.stringify(filed.body))
    const keyOfB = await call(p.app, 'POST', '/api/v1/api-keys', {
      token: await tokenFor(p.app, 'cuizhu.admin'),
      body: { name: 'Cuizhu app', areaId: community },
    })
    const keyOfA = await call(p.app, 'POST', '/api/v1/api-keys', {
      token: await tokenFor(p.app, 'guihua.admin'),
      body: { name: 'Guihua app', areaId: await areaId(p, 'JZ-QH-01-01') },
    })
    const note = await p.database.db
      .selectFrom('notification')
      .select('id')
      .where('case_id', '=', filed.body.id)
      .executeTakeFirstOrThrow()
    // Registry records of B, made by B's own staff: a building with a dwelling, a person with a
    // phone living there (with a care tag, a household, an organisation and a visit), a suspected
    // duplicate, a few more residents (so open data has cells big enough to publish), a place, a
    // pending import, and a data-sharing grant to B's own committee.
    const staffB = await tokenFor(p.app, 'cuizhu.staff')
    const must = (what: string, res: { status: number; body: any }, status = 201) => {
      if (res.status !== status) throw new Error(`${what}: ${res.status} ${JSON.stringify(res.body)}`)
      return res.body
    }
    const point = rows[0]!
    const building = must(
      'building',
      await call(p.app, 'POST', '/api/v1/buildings', {
        token: staffB,
        body: {
          code: 'CZ-B-01',
          name: '翠竹苑1幢',
          kind: 'residential',
          address: '翠竹路1号',
          floors: 6,
          location: point,
        },
      }),
    )
    const dwelling = must(
      'dwelling',
      await call(p.app, 'POST', `/api/v1/buildings/${building.id}/dwellings`, {
        token: staffB,
        body: { unit: '1', floor: 3, room: '301' },
      }),
    )
    const personIdNumber = residentId('330106', '1948-04-04', 31)
    const personPhone = '13955550001'
    const person = must(
      'person',
      await call(p.app, 'POST', '/api/v1/people', {
        token: staffB,
        body: {
          dwellingId: dwelling.id,
          name: '翠竹独居老人甲',
          idNumber: personIdNumber,
          phone: personPhone,
          residenceStatus: 'registered',
          address: '翠竹路1号1幢1单元301室',
          tags: ['elderly_alone'],
        },
      }),
    )
    const twin = must(
      'twin',
      await call(p.app, 'POST', '/api/v1/people', {
        token: staffB,
        body: {
          areaId: grid,
          name: '翠竹老人甲',
          idNumber: residentId('330106', '1948-04-04', 33),
          phone: personPhone,
          residenceStatus: 'registered',
        },
      }),
    )
    for (let i = 0; i < 6; i++) {
      must(
        'resident',
        await call(p.app, 'POST', '/api/v1/people', {
          token: staffB,
          body: {
            areaId: grid,
            name: `翠竹居民${i}`,
            idNumber: residentId('330106', `198${i}-01-0${i + 1}`, 40 + i),
            residenceStatus: 'registered',
          },
        }),
      )
    }
    const household = must(
      'household',
      await call(p.app, 'POST', '/api/v1/households', {
        token: staffB,
        body: { code: 'CZ-H-0001', dwellingId: dwelling.id },
      }),
    )
    must(
      'member',
      await call(p.app, 'POST', `/api/v1/households/${household.id}/members`, {
        token: staffB,
        body: { personId: person.id, relation: 'head' },
      }),
      200,
    )
    const organisationName = '翠竹老年协会'
    const organisation = must(
      'organisation',
      await call(p.app, 'POST', '/api/v1/organisations', {
        token: staffB,
        body: { kind: 'social_organisation', name: organisationName, location: point },
      }),
    )
    must(
      'link',
      await call(p.app, 'POST', `/api/v1/organisations/${organisation.id}/people`, {
        token: staffB,
        body: { personId: person.id, role: 'member' },
      }),
      200,
    )
    const place = must(
      'place',
      await call(p.app, 'POST', '/api/v1/places', {
        token: staffB,
        body: {
          kind: 'clinic',
          name: '翠竹卫生服务站',
          address: '翠竹路3号',
          location: point,
          organisationId: organisation.id,
        },
      }),
    )
    const visit = must(
      'visit',
      await call(p.app, 'POST', '/api/v1/care/visits', {
        token: staffB,
        body: { personId: person.id, visitedOn: '2026-11-20', findings: '身体尚可', needsFollowUp: false },
      }),
    )
    const imported = await upload(
      p,
      staffB,
      `/api/v1/imports?areaId=${community}&fileName=x.csv`,
      `姓名,身份证号,手机\n翠竹新居民,${residentId('330106', '1990-09-09', 51)},13955550002\n`,
    )
    const job = must('import', { status: imported.status, body: JSON.parse(imported.body) })
    const dataGrant = must(
      'data grant',
      await call(p.app, 'POST', '/api/v1/data-grants', {
        token: await tokenFor(p.app, 'cuizhu.admin'),
        body: {
          areaId: community,
          departmentId: dept.id,
          entity: 'person',
          fields: ['name', 'phone', 'tags'],
          purpose: '翠竹独居老人回访',
          expiresAt: new Date(p.clock.now().getTime() + 30 * 86_400_000).toISOString(),
        },
      }),
    )
    const departmentOfA = await p.database.db
      .selectFrom('department')
      .select('id')
      .where('code', '=', 'QH-01-ZF')
      .executeTakeFirstOrThrow()
    const staffOfB = await tokenFor(p.app, 'cuizhu.staff')
    const dispute = must(
      'dispute',
      await call(p.app, 'POST', '/api/v1/disputes', {
        token: staffOfB,
        body: {
          category: 'property_management',
          source: 'walk_in',
          location: rows[0],
          facts: '翠竹物业纠纷',
          claims: '退还物业费',
          peopleInvolved: 40,
          parties: [
            { role: 'applicant', name: '翠竹业主代表', address: '翠竹2栋' },
            { role: 'respondent', name: '翠竹物业公司', address: '翠竹路1号' },
          ],
        },
      }),
    )
    const committeeOfB = await p.database.db
      .selectFrom('department')
      .select('id')
      .where('code', '=', 'QH-02-01-TJ')
      .executeTakeFirstOrThrow()
    must(
      'assign',
      await call(p.app, 'POST', `/api/v1/disputes/${dispute.id}/actions`, {
        token: staffOfB,
        body: { action: 'assign', committeeId: committeeOfB.id },
      }),
      200,
    )
    must(
      'agreement',
      await call(p.app, 'PUT', `/api/v1/disputes/${dispute.id}/agreement`, {
        token: staffOfB,
        body: { form: 'written', terms: '翠竹条款' },
      }),
      200,
    )
    const petition = must(
      'petition',
      await call(p.app, 'POST', '/api/v1/petitions', {
        token: staffOfB,
        body: {
          areaId: community,
          channel: 'visit',
          petitionerName: '翠竹来访人',
          matter: '翠竹事项',
          matterKey: '翠竹',
        },
      }),
    )
    b = {
      disputeId: dispute.id,
      disputePartyName: '翠竹业主代表',
      petitionId: petition.id,
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
      personId: person.id,
      personName: person.name,
      personIdNumber,
      personPhone,
      twinId: twin.id,
      householdId: household.id,
      buildingId: building.id,
      dwellingId: dwelling.id,
      organisationId: organisation.id,
      organisationName,
      placeId: place.id,
      visitId: visit.id,
      importId: job.id,
      dataGrantId: dataGrant.id,
      departmentOfA: departmentOfA.id,
    }
    base = { community, grid, token: (u) => tokenFor(p.app, u) }
    for (const part of scopingParts) partData.push(await part.setup(p, base))
    // Audit entries about B exist, so a leak would show.
    const admin = await tokenFor(p.app, 'admin')
    await call(p.app, 'GET', `/api/v1/users/${b.userId}`, { token: admin })
    await call(p.app, 'PATCH', `/api/v1/departments/${b.departmentId}`, {
      token: admin,
      body: { nameEn: "Cuizhu Residents' Committee" },
    })
  })
  afterAll(() => p?.close())

  it('has a matrix entry for every route', () => {
    const routes: string[] = []
    const paths = (p.app.swagger() as { paths: Record<string, Record<string, unknown>> }).paths
    for (const [path, methods] of Object.entries(paths)) {
      for (const m of Object.keys(methods)) routes.push(`${m.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ':$1')}`)
    }
    routes.push('GET /api/openapi.json')
    const declared = { ...matrix, ...Object.assign({}, ...scopingParts.map((part) => part.probes)) }
    const missing = routes.filter((r) => !(r in declared) && !r.startsWith('GET /api/docs') && !r.startsWith('HEAD '))
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
    for (const [i, part] of scopingParts.entries()) {
      for (const [route, probe] of Object.entries(part.probes)) {
        try {
          await probe(p, token, partData[i], base)
        } catch (err) {
          throw new Error(`${who} → ${route}: ${(err as Error).message}`)
        }
      }
    }
  })

  it('lets A’s admin change A (the probes above are not vacuous)', async () => {
    const t = await tokenFor(p.app, 'guihua.admin')
    const deptA = await p.database.db
      .selectFrom('department')
      .select('id')
      .where('code', '=', 'QH-01-01-JW')
      .executeTakeFirstOrThrow()
    expect(
      (await call(p.app, 'PATCH', `/api/v1/departments/${deptA.id}`, { token: t, body: { nameEn: 'Guihua RC' } }))
        .status,
    ).toBe(200)
    const userA = await p.database.db
      .selectFrom('app_user')
      .select('id')
      .where('username', '=', 'guihua.staff')
      .executeTakeFirstOrThrow()
    expect((await call(p.app, 'GET', `/api/v1/users/${userA.id}`, { token: t })).status).toBe(200)
    expect(
      (await call(p.app, 'PATCH', `/api/v1/areas/${b.gridOfA}`, { token: t, body: { nameEn: 'Guihua Grid One' } }))
        .status,
    ).toBe(200)
    // The admin of a community may change the community itself, not only what lies below it.
    const guihua = await areaId(p, 'JZ-QH-01-01')
    expect(
      (await call(p.app, 'PATCH', `/api/v1/areas/${guihua}`, { token: t, body: { nameEn: 'Guihua Community' } }))
        .status,
    ).toBe(200)
    const users = await call(p.app, 'GET', '/api/v1/users?pageSize=500', {
      token: await tokenFor(p.app, 'guihua.staff'),
    })
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
    const renamed = await inScope(p.database.db, ctx, (tx) =>
      tx.updateTable('department').set({ name_en: 'everything' }).executeTakeFirst(),
    )
    expect(Number(renamed.numUpdatedRows)).toBe(0)
    const users = await inScope(p.database.db, ctx, (tx) => tx.selectFrom('app_user').select('username').execute())
    expect(users.map((u) => u.username)).not.toContain('cuizhu.staff')
    const audit = await inScope(p.database.db, ctx, (tx) => tx.selectFrom('audit_log').select('seq').execute())
    expect(audit).toEqual([])
    await expect(
      inScope(p.database.db, ctx, (tx) =>
        tx
          .insertInto('role_grant')
          .values({ user_id: actor.userId, role: 'admin', area_id: b.community, granted_by: null })
          .execute(),
      ),
    ).rejects.toThrow(/row-level security/)
    // Moving an area under a parent outside the caller's areas is refused by the database itself.
    const adminCtx = { actor: (await actorForToken(p.database.db, await tokenFor(p.app, 'guihua.admin')))!, ip: 'test' }
    await expect(
      inScope(p.database.db, adminCtx, (tx) =>
        tx.updateTable('area').set({ parent_id: b.community }).where('id', '=', b.gridOfA).execute(),
      ),
    ).rejects.toThrow(/outside your areas/)
    const anonymous = await inScope(p.database.db, { actor: null, ip: 'test' }, (tx) =>
      tx.selectFrom('app_user').select('id').execute(),
    )
    expect(anonymous).toEqual([])
  })
})
