import { randomBytes } from 'node:crypto'
import { sql } from 'kysely'
import { expect } from 'vitest'
import { call, type TestPlatform } from '../support.js'
import { denied, must, row, unchanged, type OwnPart, type ScopingPart } from './parts.js'

// Early warning (/api/v1/warnings) in both authorization tables. Warnings are read and handled by
// the keepers over their area (admins, leaders, staff: RLS app_warning_area_ids); grid workers,
// handlers, mediators and residents have no warnings inbox (403). Each write probe acts on a
// warning of its own, raised as the detector would (as the owner), on the caller's grid.

const keepers = row('unauth', 'ok', 'ok', 'ok', 'forbidden', 'forbidden', 'forbidden', 'forbidden')

/** A fresh open spike warning on the grid (category DL-03). */
async function raised(p: TestPlatform, grid: number): Promise<number> {
  const key = `spike|day|${grid}|authz-${randomBytes(6).toString('hex')}`
  const { rows } = await sql<{ id: number }>`
    insert into warning (kind, area_id, category_id, severity, time_window, period, observed, expected, threshold,
                         p_value, evidence, dedupe_key, subject_key, raised_at, updated_at)
    select 'spike', ${grid}, c.id, 'high', 'day', '2099-03-10', 12, 2, 7, 0.00001, '{"caseIds": []}'::jsonb,
           ${key}, ${key}, ${p.clock.now()}, ${p.clock.now()}
    from case_category c where c.code = 'DL-03' returning id`.execute(p.database.db)
  return Number(rows[0]!.id)
}

export const own: OwnPart<{ warning: number }> = {
  setup: async (p, base) => ({ warning: await raised(p, base.grid) }),
  rows: {
    'GET /api/v1/warnings': keepers,
    'GET /api/v1/warnings/:id': keepers,
    // Each write probe acts on a fresh warning of its own.
    'POST /api/v1/warnings/:id/acknowledge': keepers,
    'POST /api/v1/warnings/:id/close': keepers,
    'POST /api/v1/warnings/:id/proactive-case': keepers,
  },
  probes: {
    'GET /api/v1/warnings': ({ p, token }) => call(p.app, 'GET', '/api/v1/warnings?kind=spike', { token }),
    'GET /api/v1/warnings/:id': ({ p, token, data }) =>
      call(p.app, 'GET', `/api/v1/warnings/${data.warning}`, { token }),
    'POST /api/v1/warnings/:id/acknowledge': async ({ p, token, base }) =>
      call(p.app, 'POST', `/api/v1/warnings/${await raised(p, base.grid)}/acknowledge`, { token, body: {} }),
    'POST /api/v1/warnings/:id/close': async ({ p, token, base }) =>
      call(p.app, 'POST', `/api/v1/warnings/${await raised(p, base.grid)}/close`, {
        token,
        body: { note: '权限表：已核实处理' },
      }),
    'POST /api/v1/warnings/:id/proactive-case': async ({ p, token, base }) =>
      call(p.app, 'POST', `/api/v1/warnings/${await raised(p, base.grid)}/proactive-case`, {
        token,
        body: { description: '权限表：主动排查路灯' },
      }),
  },
}

const warningRow = (p: TestPlatform, id: number) =>
  p.database.db
    .selectFrom('warning')
    .select(['state', 'version', 'case_id', 'close_note'])
    .where('id', '=', id)
    .executeTakeFirstOrThrow()

export const scoping: ScopingPart<{ warning: number }> = {
  setup: async (p, base) => {
    const warning = await raised(p, base.grid)
    // Community B's leader reads it: the probes below are not empty by accident.
    must(
      'B reads its warning',
      await call(p.app, 'GET', `/api/v1/warnings/${warning}`, { token: await base.token('cuizhu.leader') }),
      200,
    )
    return { warning }
  },
  probes: {
    'GET /api/v1/warnings': async (p, token, d) => {
      const r = await call(p.app, 'GET', '/api/v1/warnings?state=all&pageSize=500', { token })
      if (r.status === 200) expect(r.body.items.map((w: { id: number }) => w.id)).not.toContain(d.warning)
      else denied(r.status)
    },
    'GET /api/v1/warnings/:id': async (p, token, d) =>
      denied((await call(p.app, 'GET', `/api/v1/warnings/${d.warning}`, { token })).status),
    'POST /api/v1/warnings/:id/acknowledge': (p, token, d) =>
      unchanged(
        () => warningRow(p, d.warning),
        () => call(p.app, 'POST', `/api/v1/warnings/${d.warning}/acknowledge`, { token, body: {} }),
      ),
    'POST /api/v1/warnings/:id/close': (p, token, d) =>
      unchanged(
        () => warningRow(p, d.warning),
        () => call(p.app, 'POST', `/api/v1/warnings/${d.warning}/close`, { token, body: { note: '越权' } }),
      ),
    'POST /api/v1/warnings/:id/proactive-case': (p, token, d) =>
      unchanged(
        () => warningRow(p, d.warning),
        () =>
          call(p.app, 'POST', `/api/v1/warnings/${d.warning}/proactive-case`, {
            token,
            body: { description: '越权' },
          }),
      ),
  },
}
