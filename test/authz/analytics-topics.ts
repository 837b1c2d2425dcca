import { sql } from 'kysely'
import { expect } from 'vitest'
import { trainDispatchModel } from '../../src/analytics/dispatch.js'
import { call, type TestPlatform } from '../support.js'
import { denied, must, row, unchanged, type OwnPart, type ScopingPart } from './parts.js'

// Key topics and smart dispatch (src/analytics/topics-routes.ts) in both authorization tables.
// Topics and the model are city-wide: every staff role reads the topics, only an admin of a root
// area changes them or trains a model (community A's admin is not one: 403). Trends, the topic of
// the month and the dispatch accuracy are read by the area's admins, leaders and staff (accuracy:
// admins and leaders). Suggestions are for those who file and dispatch (admin, leader, staff, grid
// worker); a suggestion is its author's alone. In the scoping table, B (翠竹) has a case with a
// suggestion of its staff; nobody of A names B's community, suggests for B's case or links B's
// suggestion.

const everyStaff = row('unauth', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'forbidden')
const readers = row('unauth', 'ok', 'ok', 'ok', 'forbidden', 'forbidden', 'forbidden', 'forbidden')
const leadership = row('unauth', 'ok', 'ok', 'forbidden', 'forbidden', 'forbidden', 'forbidden', 'forbidden')
const filers = row('unauth', 'ok', 'ok', 'ok', 'ok', 'forbidden', 'forbidden', 'forbidden')
const rootOnly = row(
  'unauth',
  'forbidden',
  'forbidden',
  'forbidden',
  'forbidden',
  'forbidden',
  'forbidden',
  'forbidden',
)

let serial = 0

/** A case of the grid (closed ones teach the model). */
async function caseIn(p: TestPlatform, grid: number, description: string, closed: boolean): Promise<number> {
  const db = p.database.db
  const category = await db
    .selectFrom('case_category')
    .select('id')
    .where('code', '=', 'WY-01')
    .executeTakeFirstOrThrow()
  const area = await db.selectFrom('area').select('path').where('id', '=', grid).executeTakeFirstOrThrow()
  const now = p.clock.now()
  const { rows } = await sql<{ id: number }>`
    insert into cases (tracking_code, category_id, area_id, district_id, channel, state, description,
      submitted_at, response_due_at, updated_at, closed_at)
    values (${`T-AUTHZ-TOPIC-${++serial}`}, ${category.id}, ${grid}, ${Number(area.path.split('/').filter(Boolean)[1])},
      'hotline', ${closed ? 'closed' : 'submitted'}, ${description}, ${now}, ${new Date(now.getTime() + 3600_000)}, ${now},
      ${closed ? now : null})
    returning id::integer as id`.execute(db)
  return rows[0]!.id
}

/** A served model, trained once on a few closed cases. */
async function ensureModel(p: TestPlatform, grid: number) {
  if (await p.database.db.selectFrom('dispatch_model').select('id').executeTakeFirst()) return
  for (let i = 0; i < 12; i++) await caseIn(p, grid, `权限表：电梯坏了${i}`, true)
  await p.database.db.transaction().execute((tx) => trainDispatchModel(tx, null, p.clock.now()))
}

const period = 'from=2000-01-01&to=2100-01-01'

export const own: OwnPart<{ caseId: number; suggestionId: number }> = {
  setup: async (p, base) => {
    await ensureModel(p, base.grid)
    const caseId = await caseIn(p, base.grid, '权限表：电梯停运', false)
    const s = must(
      'suggest',
      await call(p.app, 'POST', '/api/v1/dispatch/suggest', {
        token: await base.token('guihua.staff'),
        body: { description: '电梯停运', areaId: base.grid },
      }),
      200,
    )
    return { caseId, suggestionId: s.suggestionId as number }
  },
  rows: {
    'GET /api/v1/topics': everyStaff,
    'PUT /api/v1/topics/:code': rootOnly,
    'GET /api/v1/topics/trends': readers,
    'GET /api/v1/topics/of-the-month': readers,
    'POST /api/v1/dispatch/suggest': filers,
    // Each caller links a suggestion of their own (made in the probe) to A's case.
    'POST /api/v1/dispatch/suggestions/:id/case': filers,
    'GET /api/v1/dispatch/models': leadership,
    'POST /api/v1/dispatch/models': rootOnly,
    'GET /api/v1/dispatch/accuracy': leadership,
  },
  probes: {
    'GET /api/v1/topics': ({ p, token }) => call(p.app, 'GET', '/api/v1/topics', { token }),
    'PUT /api/v1/topics/:code': ({ p, token }) =>
      call(p.app, 'PUT', '/api/v1/topics/AUTHZ_TOPIC', {
        token,
        body: { nameZh: '权限表', nameEn: 'Authz', categoryCodes: ['WY'], keywords: [] },
      }),
    'GET /api/v1/topics/trends': ({ p, token, base }) =>
      call(p.app, 'GET', `/api/v1/topics/trends?areaId=${base.community}&interval=week`, { token }),
    'GET /api/v1/topics/of-the-month': ({ p, token, base }) =>
      call(p.app, 'GET', `/api/v1/topics/of-the-month?areaId=${base.community}`, { token }),
    'POST /api/v1/dispatch/suggest': ({ p, token, base }) =>
      call(p.app, 'POST', '/api/v1/dispatch/suggest', { token, body: { description: '电梯坏了', areaId: base.grid } }),
    'POST /api/v1/dispatch/suggestions/:id/case': async ({ p, token, base, data }) => {
      const mine = await call(p.app, 'POST', '/api/v1/dispatch/suggest', {
        token,
        body: { description: '电梯坏了', areaId: base.grid },
      })
      const id = mine.status === 200 ? mine.body.suggestionId : data.suggestionId
      return call(p.app, 'POST', `/api/v1/dispatch/suggestions/${id}/case`, { token, body: { caseId: data.caseId } })
    },
    'GET /api/v1/dispatch/models': ({ p, token }) => call(p.app, 'GET', '/api/v1/dispatch/models', { token }),
    'POST /api/v1/dispatch/models': ({ p, token }) =>
      call(p.app, 'POST', '/api/v1/dispatch/models', { token, headers: { 'idempotency-key': `authz-${++serial}` } }),
    'GET /api/v1/dispatch/accuracy': ({ p, token, base }) =>
      call(p.app, 'GET', `/api/v1/dispatch/accuracy?areaId=${base.community}&${period}`, { token }),
  },
}

export const scoping: ScopingPart<{ caseId: number; suggestionId: number }> = {
  setup: async (p, base) => {
    await ensureModel(p, base.grid)
    const caseId = await caseIn(p, base.grid, '权限表：B的电梯停运', false)
    const staff = await base.token('cuizhu.staff')
    const s = must(
      'suggest',
      await call(p.app, 'POST', '/api/v1/dispatch/suggest', {
        token: staff,
        body: { description: '电梯停运', caseId },
      }),
      200,
    )
    return { caseId, suggestionId: s.suggestionId as number }
  },
  probes: {
    // City-wide configuration: nothing of B in it.
    'GET /api/v1/topics': async (p, token) => {
      const res = await call(p.app, 'GET', '/api/v1/topics', { token })
      expect([200, 401, 403]).toContain(res.status)
    },
    'PUT /api/v1/topics/:code': async (p, token) =>
      unchanged(
        () => p.database.db.selectFrom('topic').selectAll().where('code', '=', 'PROPERTY').executeTakeFirstOrThrow(),
        () =>
          call(p.app, 'PUT', '/api/v1/topics/PROPERTY', {
            token,
            body: { nameZh: '改', nameEn: 'Changed', categoryCodes: [], keywords: ['改'] },
          }),
      ),
    'GET /api/v1/topics/trends': async (p, token, _d, base) => {
      denied((await call(p.app, 'GET', `/api/v1/topics/trends?areaId=${base.community}`, { token })).status)
      const res = await call(p.app, 'GET', '/api/v1/topics/trends', { token })
      if (res.status === 200) expect(res.body.areas.map((a: { id: number }) => a.id)).not.toContain(base.community)
      else denied(res.status)
    },
    'GET /api/v1/topics/of-the-month': async (p, token, _d, base) => {
      denied((await call(p.app, 'GET', `/api/v1/topics/of-the-month?areaId=${base.community}`, { token })).status)
      const res = await call(p.app, 'GET', '/api/v1/topics/of-the-month', { token })
      if (res.status === 200) {
        const street = await p.database.db
          .selectFrom('area')
          .select('parent_id')
          .where('id', '=', base.community)
          .executeTakeFirstOrThrow()
        const ids = res.body.streets.map((s: { area: { id: number } }) => s.area.id)
        expect(ids).not.toContain(base.community)
        expect(ids).not.toContain(street.parent_id)
      } else denied(res.status)
    },
    'POST /api/v1/dispatch/suggest': async (p, token, d) =>
      denied(
        (
          await call(p.app, 'POST', '/api/v1/dispatch/suggest', {
            token,
            body: { description: '电梯', caseId: d.caseId },
          })
        ).status,
      ),
    'POST /api/v1/dispatch/suggestions/:id/case': async (p, token, d) =>
      unchanged(
        () =>
          p.database.db
            .selectFrom('dispatch_suggestion')
            .selectAll()
            .where('id', '=', d.suggestionId)
            .executeTakeFirstOrThrow(),
        () =>
          call(p.app, 'POST', `/api/v1/dispatch/suggestions/${d.suggestionId}/case`, {
            token,
            body: { caseId: d.caseId },
          }),
      ),
    'GET /api/v1/dispatch/models': async (p, token) => {
      const res = await call(p.app, 'GET', '/api/v1/dispatch/models', { token })
      expect([200, 401, 403]).toContain(res.status)
    },
    'POST /api/v1/dispatch/models': async (p, token) =>
      unchanged(
        () => p.database.db.selectFrom('dispatch_model').select('id').orderBy('id').execute(),
        () =>
          call(p.app, 'POST', '/api/v1/dispatch/models', {
            token,
            headers: { 'idempotency-key': `scope-${++serial}` },
          }),
      ),
    'GET /api/v1/dispatch/accuracy': async (p, token, _d, base) =>
      denied(
        (await call(p.app, 'GET', `/api/v1/dispatch/accuracy?areaId=${base.community}&${period}`, { token })).status,
      ),
  },
}
