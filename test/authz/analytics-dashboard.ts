import { sql } from 'kysely'
import { expect } from 'vitest'
import { call, type TestPlatform } from '../support.js'
import { denied, row, type OwnPart, type ScopingPart } from './parts.js'

// The leader dashboard and its drill-down (GET /api/v1/analytics/dashboard[/cases]) in both
// authorization tables. They take the access rules of /stats/cases: every staff role reads the
// dashboard of the areas it holds a staff role on, residents get 403. In the scoping table a case of
// community B is filed in a period of its own; nobody of A counts or lists it, and naming B's
// community is refused.

const PERIOD = 'from=2099-03-01&to=2099-04-01'
// B's case in a month of its own: A's own-table case above never meets it.
const B_PERIOD = 'from=2098-07-01&to=2098-08-01'

async function fileCase(p: TestPlatform, grid: number, code: string, at: string) {
  const db = p.database.db
  const category = await db
    .selectFrom('case_category')
    .select('id')
    .where('code', '=', 'DL-03')
    .executeTakeFirstOrThrow()
  const district = await db.selectFrom('area').select('id').where('code', '=', 'JZ-QH').executeTakeFirstOrThrow()
  await sql`insert into cases (tracking_code, category_id, area_id, district_id, channel, state, description,
      submitted_at, response_due_at, updated_at)
    values (${code}, ${category.id}, ${grid}, ${district.id}, 'hotline', 'submitted', '权限表看板案件',
      ${new Date(at)}, ${new Date(at)}, ${new Date(at)})`.execute(db)
}

export const own: OwnPart<{ community: number }> = {
  setup: async (p, base) => {
    await fileCase(p, base.grid, 'T-AUTHZ-DASH-A', '2099-03-10T02:00:00Z')
    return { community: base.community }
  },
  rows: {
    'GET /api/v1/analytics/dashboard': row('unauth', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'forbidden'),
    'GET /api/v1/analytics/dashboard/cases': row('unauth', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'forbidden'),
  },
  probes: {
    'GET /api/v1/analytics/dashboard': ({ p, token }) =>
      call(p.app, 'GET', `/api/v1/analytics/dashboard?${PERIOD}`, { token }),
    'GET /api/v1/analytics/dashboard/cases': ({ p, token }) =>
      call(p.app, 'GET', `/api/v1/analytics/dashboard/cases?figure=total&${PERIOD}`, { token }),
  },
}

export const scoping: ScopingPart<{ community: number }> = {
  setup: async (p, base) => {
    await fileCase(p, base.grid, 'T-AUTHZ-DASH-B', '2098-07-10T02:00:00Z')
    return { community: base.community }
  },
  probes: {
    'GET /api/v1/analytics/dashboard': async (p, token, d) => {
      const res = await call(p.app, 'GET', `/api/v1/analytics/dashboard?${B_PERIOD}`, { token })
      if (res.status !== 200) return denied(res.status)
      expect(res.body.areas.map((a: { id: number }) => a.id)).not.toContain(d.community)
      expect(res.body.figures.total.value).toBe(0)
      denied(
        (await call(p.app, 'GET', `/api/v1/analytics/dashboard?${B_PERIOD}&areaId=${d.community}`, { token })).status,
      )
    },
    'GET /api/v1/analytics/dashboard/cases': async (p, token, d) => {
      const res = await call(p.app, 'GET', `/api/v1/analytics/dashboard/cases?figure=total&${B_PERIOD}`, { token })
      if (res.status !== 200) return denied(res.status)
      expect(res.body.total).toBe(0)
      denied(
        (
          await call(p.app, 'GET', `/api/v1/analytics/dashboard/cases?figure=total&${B_PERIOD}&areaId=${d.community}`, {
            token,
          })
        ).status,
      )
    },
  },
}
