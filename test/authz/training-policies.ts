import { sql } from 'kysely'
import { expect } from 'vitest'
import { call, type TestPlatform } from '../support.js'
import { denied, must, row, unchanged, type OwnPart, type ScopingPart } from './parts.js'

// Training (policies) in both authorization tables (see parts.ts). Policy explainers are read by
// every staff role on the policy's branch — guihua.grid works G01 below 桂花, the handler and
// mediator work for the street above it — and written by the admins, leaders and staff over the
// area. Residents get 403 from the routes' roles. The case-page route answers for a case the
// caller sees (all six staff roles see a case of G01 through their grants); B's case and B's
// policies are nobody's of A.

const readers = row('unauth', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'forbidden')
const keepers = row('unauth', 'ok', 'ok', 'ok', 'forbidden', 'forbidden', 'forbidden', 'forbidden')
const keepersTried = row('unauth', 'tried', 'tried', 'tried', 'forbidden', 'forbidden', 'forbidden', 'forbidden')

async function fixture(
  p: TestPlatform,
  base: { community: number; grid: number; token(u: string): Promise<string> },
  prefix: 'guihua' | 'cuizhu',
) {
  const staff = await base.token(`${prefix}.staff`)
  const db = p.database.db
  const category = await db
    .selectFrom('case_category')
    .select('id')
    .where('code', '=', 'HW-06')
    .executeTakeFirstOrThrow()
  const write = async (title: string, publish: boolean) => {
    const made = must(
      'policy',
      await call(p.app, 'POST', '/api/v1/training/policies', {
        token: staff,
        body: { areaId: base.community, title, text: '权限表政策全文。', categoryIds: [category.id] },
      }),
      201,
    )
    if (!publish) return made.id as number
    must(
      'publish',
      await call(p.app, 'PATCH', `/api/v1/training/policies/${made.id}`, {
        token: staff,
        body: { version: 1, status: 'published' },
      }),
      200,
    )
    return made.id as number
  }
  const published = await write(`${prefix}权限表政策`, true)
  const draft = await write(`${prefix}权限表草稿`, false)
  // A case of the category on the community's grid, made directly (the intake has its own rows).
  const district = await db.selectFrom('area').select('id').where('code', '=', 'JZ-QH').executeTakeFirstOrThrow()
  const { rows } = await sql<{ id: number }>`insert into cases (tracking_code, category_id, area_id, district_id,
      channel, state, description, submitted_at, response_due_at, updated_at)
    values (${`T-AUTHZ-POL-${prefix}`}, ${category.id}, ${base.grid}, ${district.id}, 'patrol', 'dispatched',
      '权限表案件', now(), now() + interval '1 day', now())
    returning id`.execute(db)
  return { community: base.community, published, draft, caseId: Number(rows[0]!.id), category: category.id }
}

type Data = Awaited<ReturnType<typeof fixture>>

const policyRow = (p: TestPlatform, id: number) =>
  p.database.db.selectFrom('training_policy').selectAll().where('id', '=', id).executeTakeFirstOrThrow()

export const own: OwnPart<Data> = {
  setup: (p, base) => fixture(p, base, 'guihua'),
  rows: {
    'GET /api/v1/training/policies': readers,
    'POST /api/v1/training/policies': keepers,
    'GET /api/v1/training/policies/:id': readers,
    // A stale version: 409 for the keepers.
    'PATCH /api/v1/training/policies/:id': keepersTried,
    'GET /api/v1/training/policies/for-case/:caseId': readers,
  },
  probes: {
    'GET /api/v1/training/policies': ({ p, token, data }) =>
      call(p.app, 'GET', `/api/v1/training/policies?areaId=${data.community}&categoryId=${data.category}`, { token }),
    'POST /api/v1/training/policies': ({ p, token, data }) =>
      call(p.app, 'POST', '/api/v1/training/policies', {
        token,
        body: { areaId: data.community, title: '权限表新政策', text: '全文。' },
      }),
    'GET /api/v1/training/policies/:id': ({ p, token, data }) =>
      call(p.app, 'GET', `/api/v1/training/policies/${data.published}`, { token }),
    'PATCH /api/v1/training/policies/:id': ({ p, token, data }) =>
      call(p.app, 'PATCH', `/api/v1/training/policies/${data.published}`, {
        token,
        body: { version: 9999, title: '改名' },
      }),
    'GET /api/v1/training/policies/for-case/:caseId': ({ p, token, data }) =>
      call(p.app, 'GET', `/api/v1/training/policies/for-case/${data.caseId}`, { token }),
  },
}

export const scoping: ScopingPart<Data> = {
  setup: (p, base) => fixture(p, base, 'cuizhu'),
  probes: {
    'GET /api/v1/training/policies': async (p, token, d) => {
      const res = await call(p.app, 'GET', '/api/v1/training/policies?pageSize=500&status=draft', { token })
      if (res.status !== 200) return denied(res.status)
      expect(res.body.items.map((x: { id: number }) => x.id)).not.toContain(d.draft)
      const all = await call(p.app, 'GET', '/api/v1/training/policies?pageSize=500', { token })
      const seen = all.body.items.map((x: { id: number }) => x.id)
      expect(seen).not.toContain(d.published)
      expect(seen).not.toContain(d.draft)
      const filtered = await call(p.app, 'GET', `/api/v1/training/policies?areaId=${d.community}`, { token })
      expect(filtered.body.items).toEqual([])
    },
    'POST /api/v1/training/policies': (p, token, d) =>
      unchanged(
        () => p.database.db.selectFrom('training_policy').select('id').where('area_id', '=', d.community).execute(),
        () =>
          call(p.app, 'POST', '/api/v1/training/policies', {
            token,
            body: { areaId: d.community, title: '越权政策', text: '越权。' },
          }),
      ),
    'GET /api/v1/training/policies/:id': async (p, token, d) => {
      denied((await call(p.app, 'GET', `/api/v1/training/policies/${d.published}`, { token })).status)
      denied((await call(p.app, 'GET', `/api/v1/training/policies/${d.draft}`, { token })).status)
    },
    'PATCH /api/v1/training/policies/:id': (p, token, d) =>
      unchanged(
        async () => [await policyRow(p, d.published), await policyRow(p, d.draft)],
        async () => {
          const retire = await call(p.app, 'PATCH', `/api/v1/training/policies/${d.published}`, {
            token,
            body: { version: 2, status: 'retired', title: '越权改名' },
          })
          denied(retire.status)
          return call(p.app, 'PATCH', `/api/v1/training/policies/${d.draft}`, {
            token,
            body: { version: 1, status: 'published' },
          })
        },
      ),
    'GET /api/v1/training/policies/for-case/:caseId': async (p, token, d) =>
      denied((await call(p.app, 'GET', `/api/v1/training/policies/for-case/${d.caseId}`, { token })).status),
  },
}
