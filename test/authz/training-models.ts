import { expect } from 'vitest'
import { insertClosedCase } from '../../src/training/models-demo.js'
import { call, type TestPlatform } from '../support.js'
import { must, row, unchanged, type OwnPart, type ScopingPart } from './parts.js'

// Model cases in both authorization tables (see parts.ts). The library is read by every staff
// role on the branch (published ones) and kept — written up, edited, checked, anonymised,
// published, withdrawn — by the admins, leaders and staff over the area; the routes name their
// roles, so residents get 403 whatever the record. Suggestions are for the staff who see the case.

const learners = row('unauth', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'forbidden')
const keepers = row('unauth', 'ok', 'ok', 'ok', 'forbidden', 'forbidden', 'forbidden', 'forbidden')
const keepersTried = row('unauth', 'tried', 'tried', 'tried', 'forbidden', 'forbidden', 'forbidden', 'forbidden')
const base = '/api/v1/training/model-cases'

/** A closed case of the community's first grid, new for each write-up. */
const closedCase = (p: TestPlatform, prefix: 'guihua' | 'cuizhu') =>
  p.database.db.transaction().execute((tx) =>
    insertClosedCase(tx, p.clock.now(), {
      grid: prefix === 'guihua' ? 'JZ-QH-01-01-G01' : 'JZ-QH-02-01-G01',
      category: 'WY-04',
      address: '权限表小区1幢',
      description: '权限表：楼道堆物',
      reporterName: null,
      reportedDaysAgo: 5,
      steps: [['close', 2, null, 'triage']],
      result: '已清理',
    }),
  )

async function fixture(p: TestPlatform, area: { token(u: string): Promise<string> }, prefix: 'guihua' | 'cuizhu') {
  const staff = await area.token(`${prefix}.staff`)
  const source = await closedCase(p, prefix)
  const draft = must(
    'write-up',
    await call(p.app, 'POST', base, { token: staff, body: { sourceKind: 'case', sourceId: source } }),
    201,
  )
  const published = must(
    'second write-up',
    await call(p.app, 'POST', base, {
      token: staff,
      body: { sourceKind: 'case', sourceId: await closedCase(p, prefix) },
    }),
    201,
  )
  must(
    'publish',
    await call(p.app, 'POST', `${base}/${published.id}/publish`, { token: staff, body: { version: 1 } }),
    200,
  )
  return { staff, source, draft: draft.id as number, published: published.id as number }
}

type Data = Awaited<ReturnType<typeof fixture>>

const modelRow = (p: TestPlatform, id: number) =>
  p.database.db.selectFrom('model_case').selectAll().where('id', '=', id).executeTakeFirstOrThrow()

export const own: OwnPart<Data> = {
  setup: (p, b) => fixture(p, b, 'guihua'),
  rows: {
    'GET /api/v1/training/model-cases': learners,
    // A fresh closed case of G01 for each caller.
    'POST /api/v1/training/model-cases': keepers,
    // The closed case of G01: every staff role of 桂花 sees it (the handler and mediator through the community).
    'GET /api/v1/training/model-cases/suggestions': learners,
    'GET /api/v1/training/model-cases/:id': learners,
    // A stale version: 409 for the keepers.
    'PATCH /api/v1/training/model-cases/:id': keepersTried,
    'POST /api/v1/training/model-cases/:id/check': keepers,
    'POST /api/v1/training/model-cases/:id/anonymise': keepersTried,
    'POST /api/v1/training/model-cases/:id/publish': keepersTried,
    'POST /api/v1/training/model-cases/:id/withdraw': keepersTried,
  },
  probes: {
    'GET /api/v1/training/model-cases': ({ p, token }) => call(p.app, 'GET', `${base}?q=楼道堆物`, { token }),
    'POST /api/v1/training/model-cases': async ({ p, token }) =>
      call(p.app, 'POST', base, {
        token,
        body: { sourceKind: 'case', sourceId: await closedCase(p, 'guihua') },
      }),
    'GET /api/v1/training/model-cases/suggestions': ({ p, token, data }) =>
      call(p.app, 'GET', `${base}/suggestions?caseId=${data.source}`, { token }),
    'GET /api/v1/training/model-cases/:id': ({ p, token, data }) =>
      call(p.app, 'GET', `${base}/${data.published}`, { token }),
    'PATCH /api/v1/training/model-cases/:id': ({ p, token, data }) =>
      call(p.app, 'PATCH', `${base}/${data.draft}`, { token, body: { version: 9999, title: '改名' } }),
    'POST /api/v1/training/model-cases/:id/check': ({ p, token, data }) =>
      call(p.app, 'POST', `${base}/${data.draft}/check`, { token }),
    'POST /api/v1/training/model-cases/:id/anonymise': ({ p, token, data }) =>
      call(p.app, 'POST', `${base}/${data.draft}/anonymise`, { token, body: { version: 9999 } }),
    'POST /api/v1/training/model-cases/:id/publish': ({ p, token, data }) =>
      call(p.app, 'POST', `${base}/${data.draft}/publish`, { token, body: { version: 9999 } }),
    'POST /api/v1/training/model-cases/:id/withdraw': ({ p, token, data }) =>
      call(p.app, 'POST', `${base}/${data.published}/withdraw`, { token, body: { version: 9999, reason: '权限表' } }),
  },
}

/** Denied, or (a write-up of a source the caller does not see) refused as no source of theirs. */
const deniedOrUnseen = (status: number) => expect([401, 403, 404, 422]).toContain(status)

export const scoping: ScopingPart<Data> = {
  setup: (p, b) => fixture(p, b, 'cuizhu'),
  probes: {
    'GET /api/v1/training/model-cases': async (p, token, d) => {
      const res = await call(p.app, 'GET', `${base}?pageSize=500`, { token })
      if (res.status !== 200) return deniedOrUnseen(res.status)
      const seen = res.body.items.map((x: { id: number }) => x.id)
      expect(seen).not.toContain(d.published)
      expect(seen).not.toContain(d.draft)
    },
    'POST /api/v1/training/model-cases': async (p, token) => {
      const source = await closedCase(p, 'cuizhu')
      const read = () => p.database.db.selectFrom('model_case').select('id').where('source_id', '=', source).execute()
      const before = await read()
      const res = await call(p.app, 'POST', base, { token, body: { sourceKind: 'case', sourceId: source } })
      deniedOrUnseen(res.status)
      expect(await read()).toEqual(before)
    },
    'GET /api/v1/training/model-cases/suggestions': async (p, token, d) => {
      const res = await call(p.app, 'GET', `${base}/suggestions?caseId=${d.source}`, { token })
      expect([401, 403, 404]).toContain(res.status)
    },
    'GET /api/v1/training/model-cases/:id': async (p, token, d) => {
      for (const id of [d.published, d.draft])
        expect([401, 403, 404]).toContain((await call(p.app, 'GET', `${base}/${id}`, { token })).status)
    },
    'PATCH /api/v1/training/model-cases/:id': (p, token, d) =>
      unchanged(
        () => modelRow(p, d.draft),
        () => call(p.app, 'PATCH', `${base}/${d.draft}`, { token, body: { version: 1, title: '越权改名' } }),
      ),
    'POST /api/v1/training/model-cases/:id/check': (p, token, d) =>
      unchanged(
        () => modelRow(p, d.draft),
        () => call(p.app, 'POST', `${base}/${d.draft}/check`, { token }),
      ),
    'POST /api/v1/training/model-cases/:id/anonymise': (p, token, d) =>
      unchanged(
        () => modelRow(p, d.draft),
        () => call(p.app, 'POST', `${base}/${d.draft}/anonymise`, { token, body: { version: 1 } }),
      ),
    'POST /api/v1/training/model-cases/:id/publish': (p, token, d) =>
      unchanged(
        () => modelRow(p, d.draft),
        () => call(p.app, 'POST', `${base}/${d.draft}/publish`, { token, body: { version: 1 } }),
      ),
    'POST /api/v1/training/model-cases/:id/withdraw': (p, token, d) =>
      unchanged(
        () => modelRow(p, d.published),
        () =>
          call(p.app, 'POST', `${base}/${d.published}/withdraw`, { token, body: { version: 2, reason: '越权撤回' } }),
      ),
  },
}
