import { expect } from 'vitest'
import { call, type TestPlatform } from '../support.js'
import { callers, denied, must, row, unchanged, type OwnPart, type ScopingPart } from './parts.js'

// The surveys routes in both authorization tables (see parts.ts). Surveys are built, opened,
// closed, linked and exported by the area's admins, leaders and staff; everybody signed in on the
// area's branch reads them and, when they live in its subtree, answers once; the one-time link
// routes are public (the token is the permission).

const questions = [{ kind: 'single', prompt: '是否支持增设充电桩？', options: ['支持', '不支持'] }]
const answers = { '1': { choices: [0] } }

async function survey(p: TestPlatform, staff: string, areaId: number, title: string, steps: ('open' | 'close')[]) {
  const id = must(
    'create survey',
    await call(p.app, 'POST', '/api/v1/surveys', { token: staff, body: { areaId, title, questions } }),
    201,
  ).id as number
  for (const action of steps)
    must(action, await call(p.app, 'POST', `/api/v1/surveys/${id}/actions`, { token: staff, body: { action } }), 200)
  return id
}

async function tokens(p: TestPlatform, staff: string, surveyId: number, count: number): Promise<string[]> {
  return must(
    'links',
    await call(p.app, 'POST', `/api/v1/surveys/${surveyId}/links`, { token: staff, body: { count } }),
    201,
  ).tokens
}

interface OwnData {
  /** An open survey of A: each caller answers it once, by account and by a link of their own. */
  open: number
  /** A draft of A that staff replace with itself. */
  draft: number
  /** A closed survey of A: its results are public. */
  closed: number
  /** One unused link per caller, and one that stays unused for reading. */
  links: Record<string, string>
  readLink: string
}

const staffRow = row('unauth', 'ok', 'ok', 'ok', 'forbidden', 'forbidden', 'forbidden', 'forbidden')
const everyone = row('unauth', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok')
const publicRow = row('ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok')

export const own: OwnPart<OwnData> = {
  setup: async (p, base) => {
    const staff = await base.token('guihua.staff')
    const open = await survey(p, staff, base.community, '权限表：进行中的问卷', ['open'])
    const draft = await survey(p, staff, base.community, '权限表：问卷草稿', [])
    const closed = await survey(p, staff, base.community, '权限表：已结束的问卷', ['open', 'close'])
    const made = await tokens(p, staff, open, callers.length + 1)
    return {
      open,
      draft,
      closed,
      links: Object.fromEntries(callers.map((c, i) => [c, made[i]!])),
      readLink: made[callers.length]!,
    }
  },
  rows: {
    // Throwaway drafts.
    'POST /api/v1/surveys': staffRow,
    'GET /api/v1/surveys': everyone,
    'GET /api/v1/surveys/:id': everyone,
    'PUT /api/v1/surveys/:id': staffRow,
    // Opening the open survey again is refused on its merits (409).
    'POST /api/v1/surveys/:id/actions': row(
      'unauth',
      'tried',
      'tried',
      'tried',
      'forbidden',
      'forbidden',
      'forbidden',
      'forbidden',
    ),
    // Every account of A lives in the community's subtree (the grid worker on its grid G01).
    'POST /api/v1/surveys/:id/responses': everyone,
    'POST /api/v1/surveys/:id/links': staffRow,
    'GET /api/v1/surveys/:id/results': everyone,
    'GET /api/v1/surveys/:id/export': staffRow,
    'GET /api/v1/survey-links/:token': publicRow,
    'POST /api/v1/survey-links/:token/responses': publicRow,
  },
  probes: {
    'POST /api/v1/surveys': ({ p, token, base }) =>
      call(p.app, 'POST', '/api/v1/surveys', {
        token,
        body: { areaId: base.community, title: '权限表：探针草稿', questions },
      }),
    'GET /api/v1/surveys': ({ p, token }) => call(p.app, 'GET', '/api/v1/surveys', { token }),
    'GET /api/v1/surveys/:id': ({ p, token, data }) => call(p.app, 'GET', `/api/v1/surveys/${data.open}`, { token }),
    'PUT /api/v1/surveys/:id': ({ p, token, data, base }) =>
      call(p.app, 'PUT', `/api/v1/surveys/${data.draft}`, {
        token,
        body: { areaId: base.community, title: '权限表：问卷草稿', questions },
      }),
    'POST /api/v1/surveys/:id/actions': ({ p, token, data }) =>
      call(p.app, 'POST', `/api/v1/surveys/${data.open}/actions`, { token, body: { action: 'open' } }),
    'POST /api/v1/surveys/:id/responses': ({ p, token, data }) =>
      call(p.app, 'POST', `/api/v1/surveys/${data.open}/responses`, { token, body: { answers } }),
    'POST /api/v1/surveys/:id/links': ({ p, token, data }) =>
      call(p.app, 'POST', `/api/v1/surveys/${data.open}/links`, { token, body: { count: 1 } }),
    'GET /api/v1/surveys/:id/results': ({ p, token, data }) =>
      call(p.app, 'GET', `/api/v1/surveys/${data.closed}/results`, { token }),
    'GET /api/v1/surveys/:id/export': ({ p, token, data }) =>
      call(p.app, 'GET', `/api/v1/surveys/${data.open}/export?format=csv`, { token }),
    'GET /api/v1/survey-links/:token': ({ p, data }) => call(p.app, 'GET', `/api/v1/survey-links/${data.readLink}`),
    'POST /api/v1/survey-links/:token/responses': ({ p, who, data }) =>
      call(p.app, 'POST', `/api/v1/survey-links/${data.links[who]}/responses`, { body: { answers } }),
  },
}

interface ScopingData {
  community: number
  /** B's open survey (answered by B's resident), draft and closed survey, and an unused link of B. */
  open: number
  draft: number
  closed: number
}

/** A token no link has: the public link routes are denied for it. */
const madeUp = 'ZZZZZZZZZZZZZZZZZZZZZZZZ'

export const scoping: ScopingPart<ScopingData> = {
  setup: async (p, base) => {
    const staff = await base.token('cuizhu.staff')
    const open = await survey(p, staff, base.community, '翠竹：进行中的问卷', ['open'])
    const draft = await survey(p, staff, base.community, '翠竹：问卷草稿', [])
    const closed = await survey(p, staff, base.community, '翠竹：已结束的问卷', ['open'])
    const resident = await base.token('cuizhu.resident')
    for (const id of [open, closed])
      must(
        'answer',
        await call(p.app, 'POST', `/api/v1/surveys/${id}/responses`, { token: resident, body: { answers } }),
        201,
      )
    must(
      'close',
      await call(p.app, 'POST', `/api/v1/surveys/${closed}/actions`, { token: staff, body: { action: 'close' } }),
      200,
    )
    await tokens(p, staff, open, 2)
    return { community: base.community, open, draft, closed }
  },
  probes: {
    'GET /api/v1/surveys': async (p, token, data) => {
      const res = await call(p.app, 'GET', '/api/v1/surveys?pageSize=500', { token })
      if (res.status !== 200) return denied(res.status)
      const ids = res.body.items.map((s: { id: number }) => s.id)
      for (const id of [data.open, data.draft, data.closed]) expect(ids).not.toContain(id)
    },
    'GET /api/v1/surveys/:id': async (p, token, data) => {
      for (const id of [data.open, data.draft, data.closed])
        denied((await call(p.app, 'GET', `/api/v1/surveys/${id}`, { token })).status)
    },
    'POST /api/v1/surveys': (p, token, data) =>
      unchanged(
        () => p.database.db.selectFrom('survey').select('id').where('area_id', '=', data.community).execute(),
        () =>
          call(p.app, 'POST', '/api/v1/surveys', {
            token,
            body: { areaId: data.community, title: '越权问卷', questions },
          }),
      ),
    'PUT /api/v1/surveys/:id': (p, token, data) =>
      unchanged(
        async () => ({
          survey: await p.database.db
            .selectFrom('survey')
            .select(['title', 'area_id', 'updated_at'])
            .where('id', '=', data.draft)
            .executeTakeFirstOrThrow(),
          questions: await p.database.db
            .selectFrom('survey_question')
            .select(['prompt', 'options'])
            .where('survey_id', '=', data.draft)
            .execute(),
        }),
        () =>
          call(p.app, 'PUT', `/api/v1/surveys/${data.draft}`, {
            token,
            body: { areaId: data.community, title: '越权修改', questions: [] },
          }),
      ),
    'POST /api/v1/surveys/:id/actions': async (p, token, data) => {
      const status = (id: number) =>
        p.database.db
          .selectFrom('survey')
          .select(['status', 'closes_at'])
          .where('id', '=', id)
          .executeTakeFirstOrThrow()
      await unchanged(
        () => status(data.open),
        () => call(p.app, 'POST', `/api/v1/surveys/${data.open}/actions`, { token, body: { action: 'close' } }),
      )
      await unchanged(
        () => status(data.draft),
        () => call(p.app, 'POST', `/api/v1/surveys/${data.draft}/actions`, { token, body: { action: 'open' } }),
      )
    },
    'POST /api/v1/surveys/:id/responses': (p, token, data) =>
      unchanged(
        async () =>
          (await p.database.db.selectFrom('survey_response').select('id').where('survey_id', '=', data.open).execute())
            .length,
        () => call(p.app, 'POST', `/api/v1/surveys/${data.open}/responses`, { token, body: { answers } }),
      ),
    'POST /api/v1/surveys/:id/links': (p, token, data) =>
      unchanged(
        () => p.database.db.selectFrom('survey_link').select('token_hash').where('survey_id', '=', data.open).execute(),
        () => call(p.app, 'POST', `/api/v1/surveys/${data.open}/links`, { token, body: { count: 5 } }),
      ),
    'GET /api/v1/surveys/:id/results': async (p, token, data) => {
      for (const id of [data.open, data.closed])
        denied((await call(p.app, 'GET', `/api/v1/surveys/${id}/results`, { token })).status)
    },
    'GET /api/v1/surveys/:id/export': async (p, token, data) => {
      for (const format of ['csv', 'xlsx'])
        denied((await call(p.app, 'GET', `/api/v1/surveys/${data.closed}/export?format=${format}`, { token })).status)
    },
    // Public: a link's token is its permission (whoever holds one of B's links may answer B's
    // survey once, by design); without one, nothing of B is reached.
    'GET /api/v1/survey-links/:token': async (p, token) => {
      denied((await call(p.app, 'GET', `/api/v1/survey-links/${madeUp}`, { token })).status)
    },
    'POST /api/v1/survey-links/:token/responses': (p, token, data) =>
      unchanged(
        () => p.database.db.selectFrom('survey').select('response_count').where('id', '=', data.open).execute(),
        () => call(p.app, 'POST', `/api/v1/survey-links/${madeUp}/responses`, { token, body: { answers } }),
      ),
  },
}
