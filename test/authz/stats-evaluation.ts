import { sql } from 'kysely'
import { expect } from 'vitest'
import { call, type TestPlatform } from '../support.js'
import { denied, row, type OwnPart, type ScopingPart } from './parts.js'

// The GB/T 30428 evaluation (GET /api/v1/stats/evaluation) in both authorization tables. It takes
// the access rules of /stats/cases: every staff role reads the evaluation of the areas it holds a
// staff role on (the handler and the mediator hold theirs on the street), residents get 403. In the
// scoping table a case of community B falls due in a period of its own; nobody of A counts it,
// and naming B's community is refused.

const DUE = '2099-03-10T02:00:00Z'
const PERIOD = 'from=2099-03-01&to=2099-04-01'

async function dueCase(p: TestPlatform, grid: number, code: string) {
  const db = p.database.db
  const category = await db
    .selectFrom('case_category')
    .select('id')
    .where('code', '=', 'DL-03')
    .executeTakeFirstOrThrow()
  const district = await db.selectFrom('area').select('id').where('code', '=', 'JZ-QH').executeTakeFirstOrThrow()
  await sql`insert into cases (tracking_code, category_id, area_id, district_id, channel, state, description,
      submitted_at, response_due_at, responded_at, handle_due_at, stage_due_at, updated_at)
    values (${code}, ${category.id}, ${grid}, ${district.id}, 'hotline', 'in_progress', '权限表考核案件',
      ${new Date('2099-03-01T02:00:00Z')}, ${new Date('2099-03-01T06:00:00Z')}, ${new Date('2099-03-01T03:00:00Z')},
      ${new Date(DUE)}, ${new Date(DUE)}, ${new Date('2099-03-01T02:00:00Z')})`.execute(db)
}

export const own: OwnPart<{ community: number }> = {
  setup: async (p, base) => {
    await dueCase(p, base.grid, 'T-AUTHZ-EVAL-A')
    return { community: base.community }
  },
  rows: {
    'GET /api/v1/stats/evaluation': row('unauth', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'forbidden'),
  },
  probes: {
    'GET /api/v1/stats/evaluation': ({ p, token }) =>
      call(p.app, 'GET', `/api/v1/stats/evaluation?${PERIOD}&groupBy=community`, { token }),
  },
}

export const scoping: ScopingPart<{ community: number }> = {
  setup: async (p, base) => {
    await dueCase(p, base.grid, 'T-AUTHZ-EVAL-B')
    return { community: base.community }
  },
  probes: {
    'GET /api/v1/stats/evaluation': async (p, token, d) => {
      const res = await call(p.app, 'GET', `/api/v1/stats/evaluation?${PERIOD}&groupBy=community`, { token })
      if (res.status !== 200) return denied(res.status)
      expect(res.body.areas.map((a: { id: number }) => a.id)).not.toContain(d.community)
      expect(res.body.groups.map((g: { key: number }) => g.key)).not.toContain(d.community)
      denied((await call(p.app, 'GET', `/api/v1/stats/evaluation?${PERIOD}&areaId=${d.community}`, { token })).status)
    },
  },
}
