import { sql } from 'kysely'
import { expect } from 'vitest'
import { call, type TestPlatform } from '../support.js'
import { denied, row, unchanged, type OwnPart, type ScopingPart } from './parts.js'

// Monthly reports (POST /api/v1/reports/monthly, GET /api/v1/reports[/{id}[/pdf|/xlsx]]) in both
// authorization tables. Admins, leaders and staff over the area request and read them; every other
// role gets 403 from the route. The fixture stores a finished report of the community directly
// (its files a few bytes each), so the reads do not wait for a render.

async function storedReport(p: TestPlatform, community: number, month: string) {
  const { rows } = await sql<{ id: number }>`insert into monthly_report
      (area_id, month, locale, data_version, provisional, state, progress, as_of, created_at, finished_at,
       pdf, xlsx, pdf_bytes, xlsx_bytes)
    values (${community}, ${month}, 'zh-CN', 'authz', false, 'done', 100, now(), now(), now(),
      ${Buffer.from('%PDF-1.3 authz')}, ${Buffer.from('PK authz')}, 14, 8)
    returning id`.execute(p.database.db)
  return Number(rows[0]!.id)
}

export const own: OwnPart<{ community: number; report: number }> = {
  setup: async (p, base) => ({ community: base.community, report: await storedReport(p, base.community, '2020-02') }),
  rows: {
    'POST /api/v1/reports/monthly': row('unauth', 'ok', 'ok', 'ok', 'forbidden', 'forbidden', 'forbidden', 'forbidden'),
    'GET /api/v1/reports': row('unauth', 'ok', 'ok', 'ok', 'forbidden', 'forbidden', 'forbidden', 'forbidden'),
    'GET /api/v1/reports/:id': row('unauth', 'ok', 'ok', 'ok', 'forbidden', 'forbidden', 'forbidden', 'forbidden'),
    'GET /api/v1/reports/:id/pdf': row('unauth', 'ok', 'ok', 'ok', 'forbidden', 'forbidden', 'forbidden', 'forbidden'),
    'GET /api/v1/reports/:id/xlsx': row('unauth', 'ok', 'ok', 'ok', 'forbidden', 'forbidden', 'forbidden', 'forbidden'),
  },
  probes: {
    'POST /api/v1/reports/monthly': ({ p, token, data }) =>
      call(p.app, 'POST', '/api/v1/reports/monthly', { token, body: { areaId: data.community, month: '2020-01' } }),
    'GET /api/v1/reports': ({ p, token, data }) =>
      call(p.app, 'GET', `/api/v1/reports?areaId=${data.community}`, { token }),
    'GET /api/v1/reports/:id': ({ p, token, data }) => call(p.app, 'GET', `/api/v1/reports/${data.report}`, { token }),
    'GET /api/v1/reports/:id/pdf': ({ p, token, data }) =>
      call(p.app, 'GET', `/api/v1/reports/${data.report}/pdf`, { token }),
    'GET /api/v1/reports/:id/xlsx': ({ p, token, data }) =>
      call(p.app, 'GET', `/api/v1/reports/${data.report}/xlsx`, { token }),
  },
}

export const scoping: ScopingPart<{ community: number; report: number }> = {
  setup: async (p, base) => ({ community: base.community, report: await storedReport(p, base.community, '2020-03') }),
  probes: {
    'POST /api/v1/reports/monthly': async (p, token, d) => {
      const count = async () =>
        (
          await sql<{
            n: number
          }>`select count(*)::int as n from monthly_report where area_id = ${d.community}`.execute(p.database.db)
        ).rows[0]!.n
      await unchanged(count, () =>
        call(p.app, 'POST', '/api/v1/reports/monthly', { token, body: { areaId: d.community, month: '2020-01' } }),
      )
    },
    'GET /api/v1/reports': async (p, token, d) => {
      const res = await call(p.app, 'GET', '/api/v1/reports?pageSize=500', { token })
      if (res.status !== 200) return denied(res.status)
      expect(res.body.items.map((r: { id: number }) => r.id)).not.toContain(d.report)
      const named = await call(p.app, 'GET', `/api/v1/reports?areaId=${d.community}`, { token })
      expect(named.body.total).toBe(0)
    },
    'GET /api/v1/reports/:id': async (p, token, d) =>
      denied((await call(p.app, 'GET', `/api/v1/reports/${d.report}`, { token })).status),
    'GET /api/v1/reports/:id/pdf': async (p, token, d) =>
      denied((await call(p.app, 'GET', `/api/v1/reports/${d.report}/pdf`, { token })).status),
    'GET /api/v1/reports/:id/xlsx': async (p, token, d) =>
      denied((await call(p.app, 'GET', `/api/v1/reports/${d.report}/xlsx`, { token })).status),
  },
}
