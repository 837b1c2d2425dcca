import { expect } from 'vitest'
import { call, type TestPlatform } from '../support.js'
import { denied, must, row, unchanged, type OwnPart, type ScopingPart } from './parts.js'

// Assessment (/api/v1/assessments…) in both authorization tables (see parts.ts). Schemes, runs,
// publication, decisions and approvals are the admins' and leaders' over the scheme's area; staff
// read the schemes and keep the register of rewards and penalties (propose); the assessed — here
// the grid worker of G01, the unit of a grid-worker scheme of the community — read the published
// ranking and appeal their own score; the handler (on the street above) reads the published
// ranking; mediators and residents have no part. Irreversible steps are probed on records already
// decided or published, so the deciders get 409 ('tried').

const keepers = row('unauth', 'ok', 'ok', 'ok', 'forbidden', 'forbidden', 'forbidden', 'forbidden')
const deciders = row('unauth', 'ok', 'ok', 'forbidden', 'forbidden', 'forbidden', 'forbidden', 'forbidden')
const decidersTried = row('unauth', 'tried', 'tried', 'forbidden', 'forbidden', 'forbidden', 'forbidden', 'forbidden')
const assessed = row('unauth', 'ok', 'ok', 'ok', 'ok', 'ok', 'forbidden', 'forbidden')

const kpis = [
  {
    code: 'K1',
    nameZh: '按期结案率',
    nameEn: 'On-time closure',
    formula: 'onTimeClosureRate',
    weight: 100,
    target: 0.9,
    floor: 0.5,
    direction: 'higher',
    rule: 'linear',
  },
]

async function fixture(
  p: TestPlatform,
  base: { community: number; token(u: string): Promise<string> },
  prefix: 'guihua' | 'cuizhu',
) {
  const leader = await base.token(`${prefix}.leader`)
  const staff = await base.token(`${prefix}.staff`)
  const grid = await base.token(`${prefix}.grid`)
  const scheme = must(
    'scheme',
    await call(p.app, 'POST', '/api/v1/assessments/schemes', {
      token: leader,
      body: { areaId: base.community, unitType: 'grid_worker', nameZh: `${prefix}网格员考核`, nameEn: 'Grid', kpis },
    }),
    201,
  )
  const run = must(
    'run',
    await call(p.app, 'POST', '/api/v1/assessments/runs', {
      token: leader,
      body: { schemeId: scheme.id, period: '2026-10' },
    }),
    201,
  )
  must('publish', await call(p.app, 'POST', `/api/v1/assessments/runs/${run.id}/publish`, { token: leader }), 200)
  const scores = must(
    'scores',
    await call(p.app, 'GET', `/api/v1/assessments/runs/${run.id}/scores`, { token: leader }),
    200,
  )
  const score = scores.items.find((s: { code: string }) => s.code === `${prefix}.grid`)
  if (!score) throw new Error(`no score of ${prefix}.grid`)
  const appeal = must(
    'appeal',
    await call(p.app, 'POST', `/api/v1/assessments/scores/${score.id}/appeals`, {
      token: grid,
      body: { reason: '权限表申诉' },
    }),
    201,
  )
  must(
    'decide',
    await call(p.app, 'POST', `/api/v1/assessments/appeals/${appeal.id}/decision`, {
      token: leader,
      body: { decision: 'uphold', note: '维持' },
    }),
    200,
  )
  const sanction = must(
    'sanction',
    await call(p.app, 'POST', '/api/v1/assessments/sanctions', {
      token: staff,
      body: { scoreId: score.id, kind: 'commendation', reason: '权限表表扬' },
    }),
    201,
  )
  must(
    'approve',
    await call(p.app, 'POST', `/api/v1/assessments/sanctions/${sanction.id}/decision`, {
      token: leader,
      body: { decision: 'approve' },
    }),
    200,
  )
  return {
    community: base.community,
    scheme: scheme.id as number,
    run: run.id as number,
    score: score.id as number,
    appeal: appeal.id as number,
    sanction: sanction.id as number,
  }
}

type Data = Awaited<ReturnType<typeof fixture>>

export const own: OwnPart<Data> = {
  setup: (p, base) => fixture(p, base, 'guihua'),
  rows: {
    'GET /api/v1/assessments/schemes': keepers,
    'POST /api/v1/assessments/schemes': deciders,
    'POST /api/v1/assessments/schemes/check': deciders,
    'GET /api/v1/assessments/schemes/:id': keepers,
    // A stale version: 409 for the deciders.
    'PUT /api/v1/assessments/schemes/:id': decidersTried,
    'POST /api/v1/assessments/runs': deciders,
    'GET /api/v1/assessments/runs': assessed,
    'GET /api/v1/assessments/runs/:id': assessed,
    'GET /api/v1/assessments/runs/:id/scores': assessed,
    // Published already: 409.
    'POST /api/v1/assessments/runs/:id/publish': decidersTried,
    // Only the assessed unit — the grid worker himself — appeals his score.
    'POST /api/v1/assessments/scores/:id/appeals': row(
      'unauth',
      'forbidden',
      'forbidden',
      'forbidden',
      'ok',
      'forbidden',
      'forbidden',
      'forbidden',
    ),
    'GET /api/v1/assessments/appeals': assessed,
    // Decided already: 409.
    'POST /api/v1/assessments/appeals/:id/decision': decidersTried,
    'GET /api/v1/assessments/sanctions': keepers,
    'POST /api/v1/assessments/sanctions': keepers,
    // Approved already: 409.
    'POST /api/v1/assessments/sanctions/:id/decision': decidersTried,
  },
  probes: {
    'GET /api/v1/assessments/schemes': ({ p, token, data }) =>
      call(p.app, 'GET', `/api/v1/assessments/schemes?areaId=${data.community}`, { token }),
    'POST /api/v1/assessments/schemes': ({ p, token, data }) =>
      call(p.app, 'POST', '/api/v1/assessments/schemes', {
        token,
        body: { areaId: data.community, unitType: 'community', nameZh: '权限表方案', nameEn: 'Authz', kpis },
      }),
    'POST /api/v1/assessments/schemes/check': ({ p, token }) =>
      call(p.app, 'POST', '/api/v1/assessments/schemes/check', { token, body: { kpis } }),
    'GET /api/v1/assessments/schemes/:id': ({ p, token, data }) =>
      call(p.app, 'GET', `/api/v1/assessments/schemes/${data.scheme}`, { token }),
    'PUT /api/v1/assessments/schemes/:id': ({ p, token, data }) =>
      call(p.app, 'PUT', `/api/v1/assessments/schemes/${data.scheme}`, { token, body: { version: 999, kpis } }),
    'POST /api/v1/assessments/runs': ({ p, token, data }) =>
      call(p.app, 'POST', '/api/v1/assessments/runs', { token, body: { schemeId: data.scheme, period: '2026-09' } }),
    'GET /api/v1/assessments/runs': ({ p, token }) => call(p.app, 'GET', '/api/v1/assessments/runs', { token }),
    'GET /api/v1/assessments/runs/:id': ({ p, token, data }) =>
      call(p.app, 'GET', `/api/v1/assessments/runs/${data.run}`, { token }),
    'GET /api/v1/assessments/runs/:id/scores': ({ p, token, data }) =>
      call(p.app, 'GET', `/api/v1/assessments/runs/${data.run}/scores`, { token }),
    'POST /api/v1/assessments/runs/:id/publish': ({ p, token, data }) =>
      call(p.app, 'POST', `/api/v1/assessments/runs/${data.run}/publish`, { token }),
    'POST /api/v1/assessments/scores/:id/appeals': ({ p, token, data }) =>
      call(p.app, 'POST', `/api/v1/assessments/scores/${data.score}/appeals`, {
        token,
        body: { reason: '权限表再申诉' },
      }),
    'GET /api/v1/assessments/appeals': ({ p, token }) => call(p.app, 'GET', '/api/v1/assessments/appeals', { token }),
    'POST /api/v1/assessments/appeals/:id/decision': ({ p, token, data }) =>
      call(p.app, 'POST', `/api/v1/assessments/appeals/${data.appeal}/decision`, {
        token,
        body: { decision: 'uphold', note: '再次' },
      }),
    'GET /api/v1/assessments/sanctions': ({ p, token }) =>
      call(p.app, 'GET', '/api/v1/assessments/sanctions', { token }),
    'POST /api/v1/assessments/sanctions': ({ p, token, data }) =>
      call(p.app, 'POST', '/api/v1/assessments/sanctions', {
        token,
        body: { scoreId: data.score, kind: 'warning', reason: '权限表诫勉' },
      }),
    'POST /api/v1/assessments/sanctions/:id/decision': ({ p, token, data }) =>
      call(p.app, 'POST', `/api/v1/assessments/sanctions/${data.sanction}/decision`, {
        token,
        body: { decision: 'reject' },
      }),
  },
}

const rowsOf = (p: TestPlatform, table: 'assessment_scheme' | 'assessment_run' | 'assessment_sanction', area: number) =>
  p.database.db.selectFrom(table).selectAll().where('area_id', '=', area).orderBy('id').execute()

export const scoping: ScopingPart<Data> = {
  setup: (p, base) => fixture(p, base, 'cuizhu'),
  probes: {
    'GET /api/v1/assessments/schemes': async (p, token, d) => {
      const res = await call(p.app, 'GET', '/api/v1/assessments/schemes?pageSize=500', { token })
      if (res.status !== 200) return denied(res.status)
      expect(res.body.items.map((s: { id: number }) => s.id)).not.toContain(d.scheme)
    },
    'POST /api/v1/assessments/schemes': (p, token, d) =>
      unchanged(
        () => rowsOf(p, 'assessment_scheme', d.community),
        () =>
          call(p.app, 'POST', '/api/v1/assessments/schemes', {
            token,
            body: { areaId: d.community, unitType: 'community', nameZh: '越权方案', nameEn: 'Foreign', kpis },
          }),
      ),
    // Checks formulas only: nothing of B is read or written.
    'POST /api/v1/assessments/schemes/check': async (p, token) => {
      const res = await call(p.app, 'POST', '/api/v1/assessments/schemes/check', { token, body: { kpis } })
      if (res.status !== 200) denied(res.status)
    },
    'GET /api/v1/assessments/schemes/:id': async (p, token, d) =>
      denied((await call(p.app, 'GET', `/api/v1/assessments/schemes/${d.scheme}`, { token })).status),
    'PUT /api/v1/assessments/schemes/:id': (p, token, d) =>
      unchanged(
        () => rowsOf(p, 'assessment_scheme', d.community),
        () =>
          call(p.app, 'PUT', `/api/v1/assessments/schemes/${d.scheme}`, {
            token,
            body: { version: 1, nameZh: '越权改名', kpis },
          }),
      ),
    'POST /api/v1/assessments/runs': (p, token, d) =>
      unchanged(
        () => rowsOf(p, 'assessment_run', d.community),
        () =>
          call(p.app, 'POST', '/api/v1/assessments/runs', { token, body: { schemeId: d.scheme, period: '2026-09' } }),
      ),
    'GET /api/v1/assessments/runs': async (p, token, d) => {
      const res = await call(p.app, 'GET', '/api/v1/assessments/runs?pageSize=500', { token })
      if (res.status !== 200) return denied(res.status)
      expect(res.body.items.map((r: { id: number }) => r.id)).not.toContain(d.run)
    },
    'GET /api/v1/assessments/runs/:id': async (p, token, d) =>
      denied((await call(p.app, 'GET', `/api/v1/assessments/runs/${d.run}`, { token })).status),
    'GET /api/v1/assessments/runs/:id/scores': async (p, token, d) =>
      denied((await call(p.app, 'GET', `/api/v1/assessments/runs/${d.run}/scores`, { token })).status),
    'POST /api/v1/assessments/runs/:id/publish': (p, token, d) =>
      unchanged(
        () => rowsOf(p, 'assessment_run', d.community),
        () => call(p.app, 'POST', `/api/v1/assessments/runs/${d.run}/publish`, { token }),
      ),
    'POST /api/v1/assessments/scores/:id/appeals': (p, token, d) =>
      unchanged(
        () => p.database.db.selectFrom('assessment_appeal').selectAll().where('score_id', '=', d.score).execute(),
        () =>
          call(p.app, 'POST', `/api/v1/assessments/scores/${d.score}/appeals`, {
            token,
            body: { reason: '越权申诉' },
          }),
      ),
    'GET /api/v1/assessments/appeals': async (p, token, d) => {
      const res = await call(p.app, 'GET', '/api/v1/assessments/appeals?pageSize=500', { token })
      if (res.status !== 200) return denied(res.status)
      expect(res.body.items.map((a: { id: number }) => a.id)).not.toContain(d.appeal)
    },
    'POST /api/v1/assessments/appeals/:id/decision': (p, token, d) =>
      unchanged(
        () => p.database.db.selectFrom('assessment_appeal').selectAll().where('id', '=', d.appeal).execute(),
        () =>
          call(p.app, 'POST', `/api/v1/assessments/appeals/${d.appeal}/decision`, {
            token,
            body: { decision: 'correct', correctedScore: 100, note: '越权改分' },
          }),
      ),
    'GET /api/v1/assessments/sanctions': async (p, token, d) => {
      const res = await call(p.app, 'GET', '/api/v1/assessments/sanctions?pageSize=500', { token })
      if (res.status !== 200) return denied(res.status)
      expect(res.body.items.map((x: { id: number }) => x.id)).not.toContain(d.sanction)
    },
    'POST /api/v1/assessments/sanctions': (p, token, d) =>
      unchanged(
        () => rowsOf(p, 'assessment_sanction', d.community),
        () =>
          call(p.app, 'POST', '/api/v1/assessments/sanctions', {
            token,
            body: { scoreId: d.score, kind: 'bonus', amount: 1000, reason: '越权奖金' },
          }),
      ),
    'POST /api/v1/assessments/sanctions/:id/decision': (p, token, d) =>
      unchanged(
        () => rowsOf(p, 'assessment_sanction', d.community),
        () =>
          call(p.app, 'POST', `/api/v1/assessments/sanctions/${d.sanction}/decision`, {
            token,
            body: { decision: 'reject' },
          }),
      ),
  },
}
