import ExcelJS from 'exceljs'
import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  areaId,
  backends,
  call,
  DEMO_PASSWORD,
  openTestPlatform,
  tokenFor,
  type TestPlatform,
} from '../../test/support.js'
import { sha256Hex } from '../core/privacy.js'
import { asSystem } from '../core/scope.js'
import { suppressCells } from './survey-results.js'
import { seedDemoSurveys } from './surveys-demo.js'

const DAY = 86_400_000

describe('small-count suppression', () => {
  it('hides counts below 5, and a lone hidden count that subtraction would reveal', () => {
    expect(suppressCells([7, 6, 2], false, true)).toEqual([
      { count: 7, suppressed: false },
      { count: null, suppressed: true },
      { count: null, suppressed: true },
    ])
    // Two hidden cells already hide each other.
    expect(suppressCells([7, 4, 1], false, true)).toEqual([
      { count: 7, suppressed: false },
      { count: null, suppressed: true },
      { count: null, suppressed: true },
    ])
    // Counts that do not add up to a total (multiple choice) need no second cell.
    expect(suppressCells([7, 6, 2], false, false).map((c) => c.count)).toEqual([7, 6, null])
    expect(suppressCells([0, 5], false, false).map((c) => c.count)).toEqual([null, 5])
    expect(suppressCells([7, 6, 2], true, true).map((c) => c.count)).toEqual([7, 6, 2])
  })
})

describe.each(backends())('surveys on %s', (backend) => {
  let p: TestPlatform
  const t: Record<string, string> = {}
  let guihua: number
  let grid: number
  const as = (who: string) => t[who]!

  const questions = [
    { kind: 'single', prompt: '您是否使用小区的健身器材？', options: ['经常', '偶尔', '从不'] },
    {
      kind: 'multiple',
      prompt: '您最常使用哪些器材？',
      options: ['跑步机', '单杠', '太极推手', '漫步机'],
      showIf: { position: 1, option: 0 },
    },
    { kind: 'scale', prompt: '您对器材的满意度', scaleMin: 1, scaleMax: 5 },
    { kind: 'text', prompt: '还有什么建议？', required: false },
  ]
  const draft = (who: string, body: object = {}) =>
    call(p.app, 'POST', '/api/v1/surveys', {
      token: as(who),
      body: { areaId: guihua, title: '健身器材使用情况调查', description: '了解居民需求', questions, ...body },
    })
  const act = (who: string, id: number, action: 'open' | 'close') =>
    call(p.app, 'POST', `/api/v1/surveys/${id}/actions`, { token: as(who), body: { action } })
  const answer = (who: string, id: number, answers: object) =>
    call(p.app, 'POST', `/api/v1/surveys/${id}/responses`, { token: as(who), body: { answers } })
  const openSurvey = async (body: object = {}) => {
    const created = await draft('guihua.staff', body)
    expect(created.status, JSON.stringify(created.body)).toBe(201)
    const opened = await act('guihua.staff', created.body.id, 'open')
    expect(opened.status, JSON.stringify(opened.body)).toBe(200)
    return created.body.id as number
  }
  const links = async (id: number, count: number) => {
    const res = await call(p.app, 'POST', `/api/v1/surveys/${id}/links`, { token: as('guihua.staff'), body: { count } })
    expect(res.status, JSON.stringify(res.body)).toBe(201)
    return res.body.tokens as string[]
  }
  const byLink = (token: string, answers: object) =>
    call(p.app, 'POST', `/api/v1/survey-links/${token}/responses`, { body: { answers } })
  const full = { '1': { choices: [0] }, '2': { choices: [1, 3] }, '3': { scale: 4 }, '4': { text: '希望增加夜间照明' } }

  beforeAll(async () => {
    p = await openTestPlatform(backend, '2027-04-01T02:00:00Z')
    guihua = await areaId(p, 'JZ-QH-01-01')
    grid = await areaId(p, 'JZ-QH-01-01-G01')
    for (const u of [
      'guihua.staff',
      'guihua.admin',
      'guihua.resident',
      'guihua.grid',
      'guihua.mediator',
      'cuizhu.staff',
      'cuizhu.resident',
      'admin',
    ])
      t[u] = await tokenFor(p.app, u)
    // A second resident of 桂花, made as an administrator would.
    const made = await call(p.app, 'POST', '/api/v1/users', {
      token: as('guihua.admin'),
      body: {
        username: 'guihua.resident2',
        displayName: '桂花居民二',
        password: DEMO_PASSWORD,
        grants: [{ role: 'resident', areaId: guihua }],
      },
    })
    expect(made.status, JSON.stringify(made.body)).toBe(201)
    t['guihua.resident2'] = await tokenFor(p.app, 'guihua.resident2')
  })
  afterAll(() => p?.close())

  describe('the builder', () => {
    it('creates a draft with its questions as sent', async () => {
      const res = await draft('guihua.staff')
      expect(res.status).toBe(201)
      expect(res.body).toMatchObject({ state: 'draft', areaId: guihua, questionCount: 4, canManage: true })
      expect(res.body.questions.map((q: any) => [q.position, q.kind, q.required, q.showIf])).toEqual([
        [1, 'single', true, null],
        [2, 'multiple', true, { position: 1, option: 0 }],
        [3, 'scale', true, null],
        [4, 'text', false, null],
      ])
      expect(res.body.questions[2]).toMatchObject({ scaleMin: 1, scaleMax: 5, options: [] })
    })

    it.each([
      ['one option', [{ kind: 'single', prompt: 'q', options: ['a'] }], 'questions[0].options'],
      ['options twice', [{ kind: 'multiple', prompt: 'q', options: ['a', 'a'] }], 'questions[0].options[1]'],
      ['options on text', [{ kind: 'text', prompt: 'q', options: ['a', 'b'] }], 'questions[0].options'],
      ['an empty range', [{ kind: 'scale', prompt: 'q', scaleMin: 5, scaleMax: 5 }], 'questions[0].scaleMax'],
      ['a long scale', [{ kind: 'scale', prompt: 'q', scaleMin: 0, scaleMax: 20 }], 'questions[0].scaleMax'],
      [
        'a range on a choice',
        [{ kind: 'single', prompt: 'q', options: ['a', 'b'], scaleMax: 3 }],
        'questions[0].scaleMax',
      ],
      [
        'branching on itself',
        [{ kind: 'single', prompt: 'q', options: ['a', 'b'], showIf: { position: 1, option: 0 } }],
        'questions[0].showIf.position',
      ],
      [
        'branching on a scale',
        [
          { kind: 'scale', prompt: 'q' },
          { kind: 'text', prompt: 'r', showIf: { position: 1, option: 0 } },
        ],
        'questions[1].showIf.position',
      ],
      [
        'branching on a missing option',
        [
          { kind: 'single', prompt: 'q', options: ['a', 'b'] },
          { kind: 'text', prompt: 'r', showIf: { position: 1, option: 2 } },
        ],
        'questions[1].showIf.option',
      ],
    ])('refuses %s, naming the field', async (_what, qs, field) => {
      const res = await draft('guihua.staff', { questions: qs })
      expect(res.status).toBe(400)
      expect(res.body.error).toMatchObject({ code: 'VALIDATION_FAILED', field })
    })

    it('refuses a window that closes before it opens', async () => {
      const res = await draft('guihua.staff', { opensAt: '2027-05-02T00:00:00Z', closesAt: '2027-05-01T00:00:00Z' })
      expect(res.body.error).toMatchObject({ code: 'VALIDATION_FAILED', field: 'closesAt' })
    })

    it('is for the staff of the area only', async () => {
      expect((await draft('guihua.resident')).status).toBe(403)
      expect((await draft('guihua.mediator')).status).toBe(403)
      expect((await draft('cuizhu.staff')).status).toBe(403)
    })

    it('replaces a draft, refuses to open one without questions, and freezes it once open', async () => {
      const created = await draft('guihua.staff', { questions: [] })
      const id = created.body.id
      const empty = await act('guihua.staff', id, 'open')
      expect(empty.status).toBe(409)
      expect(empty.body.error.code).toBe('SURVEY_ILLEGAL_TRANSITION')
      const put = await call(p.app, 'PUT', `/api/v1/surveys/${id}`, {
        token: as('guihua.staff'),
        body: { areaId: guihua, title: '新标题', verifiedOnly: true, questions: questions.slice(0, 1) },
      })
      expect(put.status).toBe(200)
      expect(put.body).toMatchObject({ title: '新标题', verifiedOnly: true, questionCount: 1 })
      const stored = await p.database.db
        .selectFrom('survey_question')
        .select('prompt')
        .where('survey_id', '=', id)
        .execute()
      expect(stored.map((q) => q.prompt)).toEqual([questions[0]!.prompt])
      expect((await act('guihua.staff', id, 'open')).body.state).toBe('open')
      const again = await act('guihua.staff', id, 'open')
      expect(again.body.error).toMatchObject({ code: 'SURVEY_ILLEGAL_TRANSITION' })
      expect(again.body.error.details).toMatchObject({ state: 'open', allowed: ['close'] })
      const late = await call(p.app, 'PUT', `/api/v1/surveys/${id}`, {
        token: as('guihua.staff'),
        body: { areaId: guihua, title: 'x', questions },
      })
      expect(late.status).toBe(409)
      expect(late.body.error.code).toBe('SURVEY_ILLEGAL_TRANSITION')
    })

    it('shows drafts to their staff only, and open surveys on the branch', async () => {
      const d = (await draft('guihua.staff', { title: '草稿问卷' })).body.id
      const o = await openSurvey({ title: '已发布问卷' })
      const ids = async (who: string) =>
        (await call(p.app, 'GET', '/api/v1/surveys?pageSize=500', { token: as(who) })).body.items.map((s: any) => s.id)
      expect(await ids('guihua.staff')).toEqual(expect.arrayContaining([d, o]))
      expect(await ids('guihua.resident')).toContain(o)
      expect(await ids('guihua.resident')).not.toContain(d)
      expect(await ids('cuizhu.resident')).not.toContain(o)
      expect(await ids('cuizhu.staff')).not.toContain(d)
      expect((await call(p.app, 'GET', `/api/v1/surveys/${d}`, { token: as('guihua.resident') })).status).toBe(404)
      expect((await call(p.app, 'GET', `/api/v1/surveys/${o}`, { token: as('cuizhu.resident') })).status).toBe(404)
      const drafts = await call(p.app, 'GET', '/api/v1/surveys?state=draft&pageSize=500', { token: as('guihua.staff') })
      expect(drafts.body.items.every((s: any) => s.state === 'draft')).toBe(true)
      const listed = (await call(p.app, 'GET', '/api/v1/surveys?pageSize=500', { token: as('guihua.resident') })).body
      expect(listed.items[0].state).toBe('open')
      expect(listed.total).toBe(listed.items.length)
    })
  })

  describe('answering', () => {
    let id: number
    beforeAll(async () => {
      id = await openSurvey()
    })

    it('asks the questions shown by the answers given (branching)', async () => {
      // "从不" hides question 2; answering it anyway is refused, naming it.
      const hidden = await answer('guihua.resident', id, {
        '1': { choices: [2] },
        '2': { choices: [0] },
        '3': { scale: 2 },
      })
      expect(hidden.status).toBe(422)
      expect(hidden.body.error).toMatchObject({ code: 'SURVEY_ANSWER_INVALID', field: 'answers.2' })
      // "经常" shows question 2, which is required.
      const missing = await answer('guihua.resident', id, { '1': { choices: [0] }, '3': { scale: 2 } })
      expect(missing.status).toBe(422)
      expect(missing.body.error).toMatchObject({ code: 'SURVEY_ANSWER_MISSING', field: 'answers.2' })
      expect(missing.body.error.details.problems).toEqual({ '2': 'SURVEY_ANSWER_MISSING' })
    })

    it('names every problem, the first in the error', async () => {
      const res = await answer('guihua.resident', id, { '1': { choices: [0, 1] }, '3': { scale: 9 } })
      expect(res.body.error).toMatchObject({ code: 'SURVEY_ANSWER_INVALID', field: 'answers.1' })
      // Question 2 is shown by the 经常 among the choices, and is missing.
      expect(res.body.error.details.problems).toEqual({
        '1': 'SURVEY_ANSWER_INVALID',
        '2': 'SURVEY_ANSWER_MISSING',
        '3': 'SURVEY_ANSWER_INVALID',
      })
    })

    it.each([
      ['several choices on a single choice', { ...full, '1': { choices: [0, 1] } }, 'answers.1'],
      ['an option out of range', { ...full, '2': { choices: [4] } }, 'answers.2'],
      ['an option twice', { ...full, '2': { choices: [1, 1] } }, 'answers.2'],
      ['a scale out of range', { ...full, '3': { scale: 6 } }, 'answers.3'],
      ['a text on a scale', { ...full, '3': { text: '很好' } }, 'answers.3'],
      ['a choice on a text', { ...full, '4': { choices: [0] } }, 'answers.4'],
      ['a question that does not exist', { ...full, '9': { text: '?' } }, 'answers.9'],
    ])('refuses %s', async (_what, answers, field) => {
      const res = await answer('guihua.resident', id, answers)
      expect(res.status).toBe(422)
      expect(res.body.error).toMatchObject({ code: 'SURVEY_ANSWER_INVALID', field })
    })

    it('requires a required question that is shown', async () => {
      const res = await answer('guihua.resident', id, { '1': { choices: [1] } })
      expect(res.body.error).toMatchObject({ code: 'SURVEY_ANSWER_MISSING', field: 'answers.3' })
      const blank = await answer('guihua.resident', id, { '1': { choices: [1] }, '3': {} })
      expect(blank.body.error).toMatchObject({ code: 'SURVEY_ANSWER_MISSING', field: 'answers.3' })
      // Nothing was kept of the refused answers.
      const survey = await call(p.app, 'GET', `/api/v1/surveys/${id}`, { token: as('guihua.staff') })
      expect(survey.body.responseCount).toBe(0)
    })

    it('takes one response per resident, even when two arrive at once', async () => {
      const [a, b] = await Promise.all([answer('guihua.resident', id, full), answer('guihua.resident', id, full)])
      expect([a.status, b.status].sort()).toEqual([201, 409])
      expect([a, b].find((r) => r.status === 409)!.body.error.code).toBe('SURVEY_ALREADY_ANSWERED')
      const rows = await p.database.db.selectFrom('survey_response').select('id').where('survey_id', '=', id).execute()
      expect(rows).toHaveLength(1)
      const answers = await p.database.db
        .selectFrom('survey_answer')
        .selectAll()
        .where('response_id', '=', rows[0]!.id)
        .orderBy('question_id')
        .execute()
      expect(answers.map((a) => [a.choices, a.scale, a.text])).toEqual([
        [[0], null, null],
        [[1, 3], null, null],
        [null, 4, null],
        [null, null, '希望增加夜间照明'],
      ])
      const mine = await call(p.app, 'GET', `/api/v1/surveys/${id}`, { token: as('guihua.resident') })
      expect(mine.body).toMatchObject({ answered: true, answerBlock: 'answered', responseCount: null })
      const staff = await call(p.app, 'GET', `/api/v1/surveys/${id}`, { token: as('guihua.staff') })
      expect(staff.body.responseCount).toBe(1)
      // The response counts for the resident's registry grid (the demo verified them in G04).
      const response = await p.database.db
        .selectFrom('survey_response')
        .select('area_id')
        .where('id', '=', rows[0]!.id)
        .executeTakeFirstOrThrow()
      expect(response.area_id).toBe(await areaId(p, 'JZ-QH-01-01-G04'))
    })

    it('keeps an Idempotency-Key retry to the first answer', async () => {
      const headers = { 'idempotency-key': 'survey-retry-1' }
      const first = await call(p.app, 'POST', `/api/v1/surveys/${id}/responses`, {
        token: as('guihua.resident2'),
        body: { answers: full },
        headers,
      })
      const retry = await call(p.app, 'POST', `/api/v1/surveys/${id}/responses`, {
        token: as('guihua.resident2'),
        body: { answers: full },
        headers,
      })
      expect([first.status, retry.status]).toEqual([201, 201])
      expect(retry.body).toEqual(first.body)
    })

    it('asks only its audience: the residents of its area subtree', async () => {
      const gridSurvey = await openSurvey({ areaId: grid, title: '网格问卷' })
      const outside = await call(p.app, 'GET', `/api/v1/surveys/${gridSurvey}`, { token: as('guihua.resident') })
      expect(outside.body.answerBlock).toBe('outside_area')
      expect((await answer('guihua.resident', gridSurvey, full)).status).toBe(403)
      expect((await answer('guihua.grid', gridSurvey, full)).status).toBe(201)
    })

    it('refuses answers after closing, and after the closing time', async () => {
      const closing = await openSurvey({ closesAt: new Date(p.clock.now().getTime() + DAY).toISOString() })
      const manual = await openSurvey()
      expect((await act('guihua.staff', manual, 'close')).body.state).toBe('closed')
      const late = await answer('guihua.resident', manual, full)
      expect(late.status).toBe(409)
      expect(late.body.error).toMatchObject({ code: 'SURVEY_NOT_OPEN', details: { state: 'closed' } })
      expect((await act('guihua.staff', manual, 'close')).body.error.code).toBe('SURVEY_ILLEGAL_TRANSITION')
      p.clock.advance(DAY + 1000)
      try {
        const res = await answer('guihua.resident', closing, full)
        expect(res.body.error.code).toBe('SURVEY_NOT_OPEN')
        expect(
          (await call(p.app, 'GET', `/api/v1/surveys/${closing}`, { token: as('guihua.resident') })).body.state,
        ).toBe('closed')
      } finally {
        p.clock.advance(-(DAY + 1000))
      }
    })

    it('keeps a scheduled survey from residents until it opens', async () => {
      const opensAt = new Date(p.clock.now().getTime() + DAY).toISOString()
      const later = await openSurvey({ opensAt })
      expect((await call(p.app, 'GET', `/api/v1/surveys/${later}`, { token: as('guihua.staff') })).body.state).toBe(
        'scheduled',
      )
      expect((await call(p.app, 'GET', `/api/v1/surveys/${later}`, { token: as('guihua.resident') })).status).toBe(404)
      p.clock.advance(DAY)
      try {
        expect((await answer('guihua.resident', later, full)).status).toBe(201)
      } finally {
        p.clock.advance(-DAY)
      }
    })

    it('asks residents of a verified-only survey to verify first, and then takes their answer', async () => {
      const verified = await openSurvey({ verifiedOnly: true })
      const before = await call(p.app, 'GET', `/api/v1/surveys/${verified}`, { token: as('guihua.resident2') })
      expect(before.body.answerBlock).toBe('verification')
      const refused = await answer('guihua.resident2', verified, full)
      expect(refused.status).toBe(403)
      expect(refused.body.error.code).toBe('VERIFICATION_REQUIRED')
      expect(refused.body.error.details.how).toEqual(['registry_code', 'in_person'])
      // Verified in person by the community's staff, against a resident of the registry.
      const user = await p.database.db
        .selectFrom('app_user')
        .select('id')
        .where('username', '=', 'guihua.resident2')
        .executeTakeFirstOrThrow()
      const person = await p.database.db
        .selectFrom('person as x')
        .innerJoin('area as a', 'a.id', 'x.area_id')
        .select('x.id')
        .where('a.path', 'like', `%/${guihua}/%`)
        .where('x.status', '=', 'active')
        .where('x.id', 'not in', (eb) => eb.selectFrom('resident_verification').select('person_id'))
        .orderBy('x.id')
        .executeTakeFirstOrThrow()
      const v = await call(p.app, 'POST', '/api/v1/verification/in-person', {
        token: as('guihua.staff'),
        body: { userId: user.id, personId: person.id },
      })
      expect(v.status, JSON.stringify(v.body)).toBe(204)
      expect((await answer('guihua.resident2', verified, full)).status).toBe(201)
    })
  })

  describe('one-time links', () => {
    let id: number
    beforeAll(async () => {
      id = await openSurvey({ verifiedOnly: true })
    })

    it('are shown once and stored as hashes only', async () => {
      const tokens = await links(id, 3)
      expect(tokens).toHaveLength(3)
      expect(new Set(tokens).size).toBe(3)
      const stored = await p.database.db
        .selectFrom('survey_link')
        .select('token_hash')
        .where('survey_id', '=', id)
        .execute()
      expect(stored.map((s) => s.token_hash).sort()).toEqual(tokens.map((t) => sha256Hex(t)).sort())
      const detail = await call(p.app, 'GET', `/api/v1/surveys/${id}`, { token: as('guihua.staff') })
      expect(detail.body.links).toEqual({ created: 3, used: 0 })
      const retry = await call(p.app, 'POST', `/api/v1/surveys/${id}/links`, {
        token: as('guihua.staff'),
        body: { count: 2 },
        headers: { 'idempotency-key': 'links-1' },
      })
      const replay = await call(p.app, 'POST', `/api/v1/surveys/${id}/links`, {
        token: as('guihua.staff'),
        body: { count: 2 },
        headers: { 'idempotency-key': 'links-1' },
      })
      expect(retry.body.tokens).toHaveLength(2)
      expect(replay.body).toMatchObject({ count: 2, tokens: [] })
      expect(
        (await call(p.app, 'POST', `/api/v1/surveys/${id}/links`, { token: as('guihua.resident'), body: { count: 1 } }))
          .status,
      ).toBe(403)
      expect(
        (await call(p.app, 'POST', `/api/v1/surveys/${id}/links`, { token: as('guihua.staff'), body: { count: 1001 } }))
          .status,
      ).toBe(400)
    })

    it('answer once each, without an account', async () => {
      const [token, other] = await links(id, 2)
      const read = await call(p.app, 'GET', `/api/v1/survey-links/${token}`)
      expect(read.status).toBe(200)
      expect(read.body).toMatchObject({ id, state: 'open' })
      expect(read.body.questions).toHaveLength(4)
      // A refused answer does not spend the link.
      const wrong = await byLink(token!, { '1': { choices: [0] } })
      expect(wrong.body.error).toMatchObject({ code: 'SURVEY_ANSWER_MISSING', field: 'answers.2' })
      expect((await byLink(token!, full)).status).toBe(201)
      const second = await byLink(token!, full)
      expect(second.status).toBe(404)
      expect(second.body.error.code).toBe('SURVEY_LINK_INVALID')
      expect((await call(p.app, 'GET', `/api/v1/survey-links/${token}`)).body.error.code).toBe('SURVEY_LINK_INVALID')
      // Two at once through one link: one response.
      const both = await Promise.all([byLink(other!, full), byLink(other!, full)])
      expect(both.map((r) => r.status).sort()).toEqual([201, 404])
      const responses = await p.database.db
        .selectFrom('survey_response')
        .select(['user_id', 'link_hash'])
        .where('survey_id', '=', id)
        .execute()
      expect(responses).toHaveLength(2)
      expect(responses.every((r) => r.user_id === null)).toBe(true)
      const made = await p.database.db
        .selectFrom('survey_link')
        .select(['token_hash', 'used_at'])
        .where('token_hash', 'in', [sha256Hex(token!), sha256Hex(other!)])
        .execute()
      expect(made.every((l) => l.used_at !== null)).toBe(true)
      expect(
        (await call(p.app, 'GET', `/api/v1/surveys/${id}`, { token: as('guihua.staff') })).body.responseCount,
      ).toBe(2)
    })

    it('refuse a made-up token and stop when the survey closes', async () => {
      expect((await call(p.app, 'GET', '/api/v1/survey-links/AAAAAAAAAAAAAAAAAAAAAAAA')).status).toBe(404)
      expect((await byLink('AAAAAAAAAAAAAAAAAAAAAAAA', full)).body.error.code).toBe('SURVEY_LINK_INVALID')
      const s = await openSurvey()
      const [token] = await links(s, 1)
      await act('guihua.staff', s, 'close')
      const res = await byLink(token!, full)
      expect(res.body.error.code).toBe('SURVEY_NOT_OPEN')
      const unused = await p.database.db
        .selectFrom('survey_link')
        .select('used_at')
        .where('token_hash', '=', sha256Hex(token!))
        .executeTakeFirstOrThrow()
      expect(unused.used_at).toBeNull()
      expect(
        (await call(p.app, 'POST', `/api/v1/surveys/${s}/links`, { token: as('guihua.staff'), body: { count: 1 } }))
          .body.error.code,
      ).toBe('SURVEY_NOT_OPEN')
    })
  })

  describe('results and export', () => {
    let id: number
    // 15 answers to question 1: 经常 7, 偶尔 6, 从不 2 — the two are suppressed, and the six with them.
    const plan = [...Array(7).fill(0), ...Array(6).fill(1), ...Array(2).fill(2)] as number[]
    beforeAll(async () => {
      id = await openSurvey()
      const tokens = await links(id, plan.length - 1)
      // One answer through an account, the rest through links.
      const r = await answer('guihua.resident', id, full)
      expect(r.status).toBe(201)
      for (const [i, choice] of plan.slice(1).entries()) {
        const answers: Record<string, object> = { '1': { choices: [choice] }, '3': { scale: (i % 5) + 1 } }
        if (choice === 0) answers['2'] = { choices: i % 2 ? [0] : [0, 2] }
        if (i < 3) answers['4'] = { text: `=建议${i}` }
        const res = await byLink(tokens[i]!, answers)
        expect(res.status, JSON.stringify(res.body)).toBe(201)
      }
    })

    it('gives staff exact counts while the survey runs, with the texts', async () => {
      const res = await call(p.app, 'GET', `/api/v1/surveys/${id}/results`, { token: as('guihua.staff') })
      expect(res.status).toBe(200)
      expect(res.body).toMatchObject({ exact: true, state: 'open', responseCount: 15, suppressBelow: 5 })
      const [q1, q2, q3, q4] = res.body.questions
      expect(q1.answered).toBe(15)
      expect(q1.options.map((o: any) => o.count)).toEqual([7, 6, 2])
      expect(q1.options.every((o: any) => !o.suppressed)).toBe(true)
      // Question 2 was shown to the seven who chose 经常: 跑步机 by all, 单杠 by the resident, 太极推手 by three.
      expect(q2.answered).toBe(7)
      expect(q2.options.map((o: any) => o.count)).toEqual([6 + 0, 1, 3, 1])
      expect(q3.scale.distribution.map((d: any) => d.count)).toEqual([3, 3, 3, 4, 2])
      const values = [4, ...plan.slice(1).map((_, i) => (i % 5) + 1)]
      expect(q3.scale.mean).toBeCloseTo(values.reduce((a, b) => a + b, 0) / values.length, 2)
      expect(q4.answered).toBe(4)
      expect(q4.texts).toHaveLength(4)
      expect(q4.texts).toContain('希望增加夜间照明')
      expect(q1.texts).toEqual([])
    })

    it('keeps its tallies equal to the answers themselves', async () => {
      const { rows: counted } = await sql<{ question_id: number; kind: string; value: number; n: number }>`
        select question_id, kind, value, count(*)::int as n from (
          select a.question_id, 'answered' as kind, 0 as value from survey_answer a
          union all select a.question_id, 'option', c from survey_answer a, unnest(a.choices) c
          union all select a.question_id, 'scale', a.scale from survey_answer a where a.scale is not null) x
        where question_id in (select id from survey_question where survey_id = ${id})
        group by 1, 2, 3 order by 1, 2, 3`.execute(p.database.db)
      const kept = await p.database.db
        .selectFrom('survey_tally')
        .select(['question_id', 'kind', 'value', 'n'])
        .where('question_id', 'in', (eb) => eb.selectFrom('survey_question').select('id').where('survey_id', '=', id))
        .orderBy('question_id')
        .orderBy('kind')
        .orderBy('value')
        .execute()
      expect(counted.length).toBeGreaterThan(10)
      expect(kept).toEqual(counted)
    })

    it('shows residents nothing before closing, and suppressed counts after', async () => {
      const early = await call(p.app, 'GET', `/api/v1/surveys/${id}/results`, { token: as('guihua.resident') })
      expect(early.status).toBe(403)
      await act('guihua.staff', id, 'close')
      const res = await call(p.app, 'GET', `/api/v1/surveys/${id}/results`, { token: as('guihua.resident') })
      expect(res.status).toBe(200)
      expect(res.body).toMatchObject({ exact: false, state: 'closed', responseCount: 15 })
      const [q1, q2, q3, q4] = res.body.questions
      expect(q1.options.map((o: any) => [o.count, o.suppressed])).toEqual([
        [7, false],
        [null, true],
        [null, true],
      ])
      expect(q2.options.map((o: any) => o.count)).toEqual([6, null, null, null])
      expect(q3.scale.distribution.map((d: any) => d.count)).toEqual([null, null, null, null, null])
      // A mean beside hidden cells would give them away: none for residents then.
      expect(q3.scale.mean).toBeNull()
      expect(q4).toMatchObject({ answered: null, answeredSuppressed: true, texts: null })
      // Staff still see it all.
      const staff = await call(p.app, 'GET', `/api/v1/surveys/${id}/results`, { token: as('guihua.staff') })
      expect(staff.body.questions[0].options.map((o: any) => o.count)).toEqual([7, 6, 2])
      expect((await call(p.app, 'GET', `/api/v1/surveys/${id}/results`, { token: as('cuizhu.resident') })).status).toBe(
        404,
      )
    })

    it('exports CSV for Excel: a BOM, a column per question, a row per response', async () => {
      const res = await p.app.inject({
        method: 'GET',
        url: `/api/v1/surveys/${id}/export?format=csv`,
        headers: { authorization: `Bearer ${as('guihua.staff')}` },
      })
      expect(res.statusCode).toBe(200)
      expect(res.headers['content-type']).toMatch(/^text\/csv/)
      expect(res.headers['content-disposition']).toContain(`survey-${id}.csv`)
      const raw = res.rawPayload
      expect([...raw.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf])
      const lines = raw.subarray(3).toString('utf8').trimEnd().split('\r\n')
      expect(lines).toHaveLength(16)
      expect(lines[0]).toBe(
        '答卷 Response,提交时间 Submitted,方式 Channel,区域 Area,1. 您是否使用小区的健身器材？,2. 您最常使用哪些器材？,3. 您对器材的满意度,4. 还有什么建议？',
      )
      expect(lines[1]).toMatch(
        /^1,2027-04-01T02:00:00\.000Z,account,桂花社区第04网格,经常,单杠; 漫步机,4,希望增加夜间照明$/,
      )
      // A text that Excel would run as a formula is written as text.
      expect(lines[2]).toMatch(/,link,,经常,跑步机; 太极推手,1,'=建议0$/)
      expect(lines[8]).toMatch(/,link,,偶尔,,2,$/)
    })

    it('exports XLSX with the same content', async () => {
      const res = await p.app.inject({
        method: 'GET',
        url: `/api/v1/surveys/${id}/export?format=xlsx`,
        headers: { authorization: `Bearer ${as('guihua.staff')}` },
      })
      expect(res.statusCode).toBe(200)
      expect(res.headers['content-type']).toBe('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet')
      const wb = new ExcelJS.Workbook()
      await wb.xlsx.load(res.rawPayload as unknown as ArrayBuffer)
      const ws = wb.getWorksheet('Responses')!
      expect(ws.rowCount).toBe(16)
      expect(ws.getRow(1).getCell(5).value).toBe('1. 您是否使用小区的健身器材？')
      const first = ws.getRow(2)
      expect([first.getCell(3).value, first.getCell(5).value, first.getCell(6).value, first.getCell(7).value]).toEqual([
        'account',
        '经常',
        '单杠; 漫步机',
        4,
      ])
      expect(first.getCell(2).value).toEqual(new Date('2027-04-01T02:00:00Z'))
      expect(ws.getRow(3).getCell(8).value).toBe('=建议0')
    })

    it('is for the staff of the area only, and audited', async () => {
      const res = await call(p.app, 'GET', `/api/v1/surveys/${id}/export`, { token: as('guihua.resident') })
      expect(res.status).toBe(403)
      expect((await call(p.app, 'GET', `/api/v1/surveys/${id}/export`, { token: as('cuizhu.staff') })).status).toBe(404)
      const audit = await p.database.db
        .selectFrom('audit_log')
        .select('detail')
        .where('action', '=', 'survey.export')
        .where('entity_id', '=', String(id))
        .execute()
      expect(audit.map((a) => (a.detail as { format: string }).format).sort()).toEqual(['csv', 'xlsx'])
    })
  })
  describe('the demo', () => {
    it('leaves guihua.resident an open survey to answer and a closed one with results', async () => {
      const seeded = await asSystem(p.database.db, (tx) => seedDemoSurveys(tx, p.clock.now()))
      expect(seeded).toEqual({ surveys: 5, responses: 50 })
      const list = await call(p.app, 'GET', '/api/v1/surveys?pageSize=500', { token: as('guihua.resident') })
      const find = (title: string) => list.body.items.find((s: any) => s.title === title)
      expect(find('老旧小区加装电梯意愿调查')).toMatchObject({ state: 'open', answered: false, responseCount: 20 })
      expect(find('社区长者食堂满意度调查')).toMatchObject({ state: 'closed', answered: true, responseCount: 24 })
      expect(find('街道便民服务中心周末开放意见征集')).toMatchObject({ state: 'open', verifiedOnly: true })
      expect(find('2027年社区文化活动需求调查')).toBeUndefined()
      expect(find('垃圾分类投放点设置调查')).toBeUndefined()
      const results = await call(p.app, 'GET', `/api/v1/surveys/${find('社区长者食堂满意度调查').id}/results`, {
        token: as('guihua.resident'),
      })
      expect(results.status).toBe(200)
      const scale = results.body.questions[1].scale
      if (scale.distribution.some((d: any) => d.suppressed)) expect(scale.mean).toBeNull()
      else expect(scale.mean).toBeGreaterThan(3)
      expect(scale.distribution.some((d: any) => d.count !== null && d.count >= 5)).toBe(true)
      const staff = await call(p.app, 'GET', '/api/v1/surveys?state=draft&pageSize=500', { token: as('guihua.staff') })
      expect(staff.body.items.map((s: any) => s.title)).toContain('2027年社区文化活动需求调查')
      const lift = await call(p.app, 'GET', `/api/v1/surveys/${find('老旧小区加装电梯意愿调查').id}/results`, {
        token: as('guihua.staff'),
      })
      expect(lift.body.questions[0].answered).toBe(20)
    })
  })
})
