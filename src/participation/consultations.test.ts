import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { areaId, backends, call, openTestPlatform, tokenFor, type TestPlatform } from '../../test/support.js'
import { segmenter, themesOf } from './consultations.js'
import { seedConsultationsDemo } from './consultations-demo.js'

const HOUR = 3_600_000
const DAY = 24 * HOUR

describe('themes by keyword', () => {
  it('counts each word once per comment, drops stop words and single characters', async () => {
    const cut = await segmenter()
    const themes = themesOf(
      [
        '建议在东门增设电动车充电桩，电动车太多了。',
        '电动车不要停在楼道里，我们希望有充电桩。',
        '外来车辆乱停，停车位太少。',
        'The parking rule is fine, parking fees too high.',
      ],
      cut,
    )
    // Ties in the order of the word: 充 (U+5145) before 电 (U+7535).
    expect(themes.slice(0, 2)).toEqual([
      { term: '充电桩', count: 2 },
      { term: '电动车', count: 2 },
    ])
    expect(themes).toContainEqual({ term: '停车位', count: 1 })
    expect(themes).toContainEqual({ term: '外来车辆', count: 1 })
    expect(themes).toContainEqual({ term: 'parking', count: 1 })
    const terms = themes.map((t) => t.term)
    for (const dropped of ['建议', '我们', '希望', '的', '，', 'the', 'is', '了']) expect(terms).not.toContain(dropped)
    expect(themes.length).toBeLessThanOrEqual(10)
  })
})

describe.each(backends())('consultations on %s', (backend) => {
  let p: TestPlatform
  let guihua: number
  let cuizhu: number
  const t: Record<string, string> = {}
  const as = (who: string) => t[who]!
  const now = () => p.clock.now()
  const iso = (ms: number) => new Date(now().getTime() + ms).toISOString()

  const draft = (over: Record<string, unknown> = {}) => ({
    areaId: guihua,
    kind: 'community_rule',
    title: '桂花社区停车管理公约（征求意见稿）',
    summary: '小区停车位紧张，居委会起草了停车管理公约，请居民逐条提出意见。',
    opensAt: iso(-HOUR),
    closesAt: iso(7 * DAY),
    verifiedOnly: false,
    sections: [
      { heading: '第一条 车位分配', body: '地面车位按户登记，每户限一个。' },
      { heading: '第二条 电动车充电', body: '电动车不得在楼道内停放和充电。' },
      { heading: '第三条 外来车辆', body: '外来车辆临时停放不超过两小时。' },
    ],
    ...over,
  })
  const create = async (over: Record<string, unknown> = {}, who = 'guihua.staff') =>
    call(p.app, 'POST', '/api/v1/consultations', { token: as(who), body: draft(over) })
  const act = (who: string, id: number, body: object) =>
    call(p.app, 'POST', `/api/v1/consultations/${id}/actions`, { token: as(who), body })
  const detail = (who: string, id: number) => call(p.app, 'GET', `/api/v1/consultations/${id}`, { token: as(who) })
  const comment = (who: string, body: Record<string, unknown>) =>
    call(p.app, 'POST', '/api/v1/comments', { token: as(who), body: { subjectKind: 'consultation', ...body } })
  /** An open consultation: its id and its sections' ids. */
  const opened = async (over: Record<string, unknown> = {}) => {
    const c = await create(over)
    expect(c.status).toBe(201)
    const o = await act('guihua.staff', c.body.id, { action: 'open' })
    expect(o.status).toBe(200)
    return { id: c.body.id as number, sections: (c.body.sections as { id: number }[]).map((s) => s.id) }
  }

  beforeAll(async () => {
    p = await openTestPlatform(backend)
    for (const u of [
      'guihua.staff',
      'guihua.admin',
      'guihua.leader',
      'guihua.resident',
      'guihua.grid',
      'guihua.mediator',
      'guihua.handler',
      'cuizhu.staff',
      'cuizhu.resident',
      'donghu.staff',
    ])
      t[u] = await tokenFor(p.app, u)
    guihua = await areaId(p, 'JZ-QH-01-01')
    cuizhu = await areaId(p, 'JZ-QH-02-01')
  })
  afterAll(() => p?.close())

  it('keeps a draft to its staff, and lists open consultations to the residents of the branch', async () => {
    const c = await create()
    expect(c.status).toBe(201)
    expect(c.body).toMatchObject({ status: 'draft', kind: 'community_rule', verifiedOnly: false })
    expect(c.body.sections.map((s: { position: number; heading: string }) => [s.position, s.heading])).toEqual([
      [1, '第一条 车位分配'],
      [2, '第二条 电动车充电'],
      [3, '第三条 外来车辆'],
    ])
    expect(c.body.allowedActions).toEqual(['open'])
    expect(c.body.viewer.staff).toBe(true)
    const id = c.body.id
    expect((await detail('guihua.resident', id)).status).toBe(404)
    expect((await detail('guihua.grid', id)).status).toBe(404)
    const residentList = await call(p.app, 'GET', '/api/v1/consultations?pageSize=500', {
      token: as('guihua.resident'),
    })
    expect(residentList.body.items.map((x: { id: number }) => x.id)).not.toContain(id)
    const staffList = await call(p.app, 'GET', '/api/v1/consultations?status=draft', { token: as('guihua.staff') })
    expect(staffList.body.items.map((x: { id: number }) => x.id)).toContain(id)
    // Street staff above the community see the draft too; another community's staff do not.
    expect((await detail('donghu.staff', id)).status).toBe(200)
    expect((await detail('cuizhu.staff', id)).status).toBe(404)

    expect((await act('guihua.staff', id, { action: 'open' })).body.status).toBe('open')
    const r = await detail('guihua.resident', id)
    expect(r.status).toBe(200)
    expect(r.body).toMatchObject({ status: 'open', acceptingComments: true, allowedActions: [], result: null })
    expect(r.body.viewer).toEqual({ staff: false, verified: true }) // the demo resident is verified against the registry
    const open = await call(p.app, 'GET', '/api/v1/consultations?status=open', { token: as('guihua.resident') })
    expect(open.body.items.find((x: { id: number }) => x.id === id)).toMatchObject({
      sectionCount: 3,
      commentCount: 0,
      acceptingComments: true,
    })
    // Community B's residents never see it.
    expect((await detail('cuizhu.resident', id)).status).toBe(404)
  })

  it('refuses empty sections naming the field, and the other limits', async () => {
    const bad = async (over: Record<string, unknown>, field: string) => {
      const res = await create(over)
      expect(res.status, JSON.stringify(res.body)).toBe(400)
      expect(res.body.error.field).toBe(field)
      return res
    }
    const sections = draft().sections
    await bad({ sections: [sections[0], { heading: '第二条', body: '   ' }] }, 'sections[1].body')
    await bad({ sections: [sections[0], sections[1], { heading: '', body: '正文' }] }, 'sections[2].heading')
    await bad({ sections: [] }, 'sections')
    await bad({ sections: Array.from({ length: 201 }, (_, i) => ({ heading: `第${i}条`, body: '正文' })) }, 'sections')
    await bad({ sections: [{ heading: '第一条', body: '长'.repeat(20001) }] }, 'sections[0].body')
    await bad({ title: '题'.repeat(201) }, 'title')
    await bad({ title: '   ' }, 'title')
    await bad({ closesAt: iso(-2 * HOUR) }, 'closesAt')
    await bad({ closesAt: iso(400 * DAY) }, 'closesAt')
    await bad({ kind: 'decree' }, 'kind')
    // 200 sections are fine.
    const many = await create({
      sections: Array.from({ length: 200 }, (_, i) => ({ heading: `第${i + 1}条`, body: '正文' })),
    })
    expect(many.status).toBe(201)
    expect(many.body.sections).toHaveLength(200)
    // Only participation staff of the area draft.
    expect((await create({}, 'guihua.resident')).status).toBe(403)
    expect((await create({}, 'guihua.grid')).status).toBe(403)
    expect((await create({ areaId: cuizhu })).status).toBe(403)
  })

  it('replaces a draft and nothing else', async () => {
    const c = await create()
    const put = await call(p.app, 'PUT', `/api/v1/consultations/${c.body.id}`, {
      token: as('guihua.staff'),
      body: draft({ title: '新标题', sections: [{ heading: '唯一一条', body: '内容' }], verifiedOnly: true }),
    })
    expect(put.status).toBe(200)
    expect(put.body).toMatchObject({ title: '新标题', verifiedOnly: true })
    expect(put.body.sections.map((s: { heading: string }) => s.heading)).toEqual(['唯一一条'])
    await act('guihua.staff', c.body.id, { action: 'open' })
    const again = await call(p.app, 'PUT', `/api/v1/consultations/${c.body.id}`, {
      token: as('guihua.staff'),
      body: draft(),
    })
    expect(again.status).toBe(409)
    expect(again.body.error.code).toBe('CONSULTATION_ILLEGAL_TRANSITION')
  })

  it('takes comments only within the period', async () => {
    // Opened before its period starts: no comments yet.
    const later = await create({ opensAt: iso(DAY), closesAt: iso(3 * DAY) })
    const sectionId = later.body.sections[1].id
    const early = await comment('guihua.staff', { subjectId: later.body.id, sectionId, body: '草稿期间的评论' })
    expect(early.status).toBe(409)
    expect(early.body.error.code).toBe('CONSULTATION_NOT_OPEN')
    await act('guihua.staff', later.body.id, { action: 'open' })
    const before = await comment('guihua.resident', { subjectId: later.body.id, sectionId, body: '太早了' })
    expect(before.status).toBe(409)
    expect(before.body.error.code).toBe('CONSULTATION_NOT_OPEN')
    expect((await detail('guihua.resident', later.body.id)).body.acceptingComments).toBe(false)

    const c = await opened({ closesAt: iso(2 * HOUR) })
    const ok = await comment('guihua.resident', { subjectId: c.id, sectionId: c.sections[0], body: '赶在截止前' })
    expect(ok.status).toBe(201)
    p.clock.advance(2 * HOUR)
    const late = await comment('guihua.resident', { subjectId: c.id, sectionId: c.sections[0], body: '晚了' })
    expect(late.status).toBe(409)
    expect(late.body.error.code).toBe('CONSULTATION_NOT_OPEN')
    // Closed by time: readers see it closed, with the summary computed.
    const d = await detail('guihua.resident', c.id)
    expect(d.body).toMatchObject({ status: 'closed', acceptingComments: false })
    expect(d.body.result).toMatchObject({ comments: 1, unanswered: 1 })
    p.clock.advance(-2 * HOUR)
  })

  it('opens only a period that has not ended, and follows draft → open → closed → published', async () => {
    const c = await create({ opensAt: iso(-3 * HOUR), closesAt: iso(-HOUR) })
    const stale = await act('guihua.staff', c.body.id, { action: 'open' })
    expect(stale.status).toBe(400)
    expect(stale.body.error.field).toBe('closesAt')

    const { id } = await opened()
    const early = await act('guihua.staff', id, { action: 'publish', finalText: '终稿', response: '回应' })
    expect(early.status).toBe(409)
    expect(early.body.error.code).toBe('CONSULTATION_ILLEGAL_TRANSITION')
    expect(early.body.error.details).toEqual({ state: 'open', allowedActions: ['close'] })
    expect((await act('guihua.resident', id, { action: 'close' })).status).toBe(403)
    expect((await act('guihua.grid', id, { action: 'close' })).status).toBe(403)
    expect((await act('cuizhu.staff', id, { action: 'close' })).status).toBe(404)
    const closed = await act('guihua.leader', id, { action: 'close' })
    expect(closed.status).toBe(200)
    expect(closed.body.status).toBe('closed')
    expect(closed.body.allowedActions).toEqual(['publish'])
    expect((await act('guihua.staff', id, { action: 'close' })).status).toBe(409)
    const noText = await act('guihua.staff', id, { action: 'publish', response: '感谢大家的意见。' })
    expect(noText.status).toBe(400)
    expect(noText.body.error.field).toBe('finalText')
    const noResponse = await act('guihua.staff', id, { action: 'publish', finalText: '终稿全文' })
    expect(noResponse.status).toBe(400)
    expect(noResponse.body.error.field).toBe('response')
    const published = await act('guihua.staff', id, {
      action: 'publish',
      finalText: '第一条 车位按户登记，每户限一个，残疾人优先。',
      response: '采纳了关于残疾人优先的意见；外来车辆时限维持两小时。',
    })
    expect(published.status).toBe(200)
    const r = await detail('guihua.resident', id)
    expect(r.body).toMatchObject({
      status: 'published',
      finalText: '第一条 车位按户登记，每户限一个，残疾人优先。',
      response: '采纳了关于残疾人优先的意见；外来车辆时限维持两小时。',
      publishedAt: now().toISOString(),
    })
    // The draft stays beside the final text.
    expect(r.body.sections).toHaveLength(3)
    const audit = await p.database.db
      .selectFrom('audit_log')
      .select('action')
      .where('entity_type', '=', 'consultation')
      .where('entity_id', '=', String(id))
      .execute()
    expect(audit.map((a) => a.action).sort()).toEqual([
      'consultation.close',
      'consultation.open',
      'consultation.publish',
    ])
  })

  it('sums up the comments at the close: per section, answered and unanswered, themes', async () => {
    const { id, sections } = await opened()
    const [s1, s2, s3] = sections as [number, number, number]
    const say = async (who: string, sectionId: number, body: string, parentId?: number) => {
      const res = await comment(who, { subjectId: id, sectionId, body, ...(parentId ? { parentId } : {}) })
      expect(res.status, JSON.stringify(res.body)).toBe(201)
      return res.body.id as number
    }
    // Section 1: three top-level comments from residents, one answered by staff, one replied to by a resident.
    const a = await say('guihua.resident', s1, '电动车充电桩太少，建议在东门增设。')
    const b = await say('guihua.grid', s1, '每户一个车位不够，电动车也要有位置。')
    await say('guihua.mediator', s1, '车位分配要公开透明。')
    await say('guihua.staff', s1, '已记录，将在东门增设十个充电桩。', a)
    await say('guihua.handler', s1, '同意楼上，电动车必须有地方充电。', b)
    // Section 2: two top-level comments, both answered (one by the leader), a resident reply too.
    const c = await say('guihua.resident', s2, '楼道里停电动车很危险。')
    const d = await say('guihua.grid', s2, '充电桩的电费谁出？')
    await say('guihua.leader', s2, '电费按度收取，由物业代收。', d)
    await say('guihua.staff', s2, '楼道将每月检查。', c)
    await say('guihua.mediator', s2, '检查要有记录。', c)
    // A hidden comment counts nowhere.
    const hidden = await say('guihua.handler', s2, '电动车 电动车 电动车 广告：低价充电卡')
    expect(
      (
        await call(p.app, 'POST', `/api/v1/comments/${hidden}/hide`, {
          token: as('guihua.staff'),
          body: { reason: '广告' },
        })
      ).status,
    ).toBe(200)
    // Staff's own top-level note is not a comment to answer.
    await say('guihua.staff', s3, '第三条暂无修改。')

    const before = await detail('guihua.staff', id)
    expect(before.body.sections.map((s: { commentCount: number }) => s.commentCount)).toEqual([5, 6, 1])
    expect(before.body.commentCount).toBe(12)

    const closed = await act('guihua.staff', id, { action: 'close' })
    expect(closed.status).toBe(200)
    const result = closed.body.result
    expect(result.sections).toEqual([
      { sectionId: s1, position: 1, heading: '第一条 车位分配', comments: 4, topLevel: 3, answered: 1, unanswered: 2 },
      {
        sectionId: s2,
        position: 2,
        heading: '第二条 电动车充电',
        comments: 3,
        topLevel: 2,
        answered: 2,
        unanswered: 0,
      },
      { sectionId: s3, position: 3, heading: '第三条 外来车辆', comments: 0, topLevel: 0, answered: 0, unanswered: 0 },
    ])
    expect(result).toMatchObject({ comments: 7, participants: 4, answered: 3, unanswered: 2 })
    // 电动车 in four residents' comments (the hidden advert and staff answers do not count).
    expect(result.themes[0]).toEqual({ term: '电动车', count: 4 })
    expect(result.themes).toContainEqual({ term: '充电桩', count: 2 })
    // Stored: a resident reads the same summary.
    expect((await detail('guihua.resident', id)).body.result).toEqual(result)
    const row = await p.database.db
      .selectFrom('consultation')
      .select(['status', 'result'])
      .where('id', '=', id)
      .executeTakeFirstOrThrow()
    expect(row.status).toBe('closed')
    expect(row.result).toEqual(result)
  })

  it('closes by time: readers see it closed, staff reading it store the close, and may publish at once', async () => {
    const { id, sections } = await opened({ closesAt: iso(3 * HOUR) })
    await comment('guihua.resident', { subjectId: id, sectionId: sections[0], body: '外来车辆应收费。' })
    p.clock.advance(4 * HOUR)
    const stored = () =>
      p.database.db.selectFrom('consultation').select(['status']).where('id', '=', id).executeTakeFirstOrThrow()
    expect((await detail('guihua.resident', id)).body.status).toBe('closed')
    expect((await stored()).status).toBe('open')
    // Staff reading it store the close and its summary.
    expect((await detail('guihua.staff', id)).body.status).toBe('closed')
    expect((await stored()).status).toBe('closed')
    const published = await act('guihua.staff', id, {
      action: 'publish',
      finalText: '终稿',
      response: '已采纳收费意见。',
    })
    expect(published.status).toBe(200)
    expect(published.body.status).toBe('published')
    expect(published.body.result).toMatchObject({ comments: 1, unanswered: 1 })
    expect((await stored()).status).toBe('published')
    p.clock.advance(-4 * HOUR)
  })

  it('asks verified residents only when the consultation says so', async () => {
    const { id, sections } = await opened({ verifiedOnly: true })
    // A grid worker is on the branch but not a verified resident (the demo's resident is verified).
    const res = await comment('guihua.grid', { subjectId: id, sectionId: sections[0], body: '我有意见' })
    expect(res.status).toBe(403)
    expect(res.body.error.code).toBe('VERIFICATION_REQUIRED')
    // Staff of the area answer without being verified residents.
    expect((await comment('guihua.staff', { subjectId: id, sectionId: sections[0], body: '欢迎提意见' })).status).toBe(
      201,
    )
    const user = await p.database.db
      .selectFrom('app_user')
      .select('id')
      .where('username', '=', 'guihua.resident')
      .executeTakeFirstOrThrow()
    const person = await p.database.db
      .selectFrom('person as x')
      .innerJoin('area as a', 'a.id', 'x.area_id')
      .select(['x.id', 'x.area_id'])
      .where('a.path', 'like', `%/${guihua}/%`)
      .where('x.id', 'not in', (eb) => eb.selectFrom('resident_verification').select('person_id'))
      .limit(1)
      .executeTakeFirstOrThrow()
    await p.database.db
      .insertInto('resident_verification')
      .values({
        user_id: user.id,
        person_id: person.id,
        area_id: person.area_id,
        method: 'in_person',
        verified_at: now(),
      })
      .onConflict((oc) => oc.column('user_id').doNothing())
      .execute()
    const ok = await comment('guihua.resident', { subjectId: id, sectionId: sections[0], body: '我有意见' })
    expect(ok.status).toBe(201)
    expect(ok.body.official).toBe(false)
    expect((await detail('guihua.resident', id)).body.viewer.verified).toBe(true)
  })
})

describe.each(backends())('the demo consultations on %s', (backend) => {
  let p: TestPlatform
  beforeAll(async () => {
    p = await openTestPlatform(backend)
    const seeded = await p.database.db.transaction().execute((tx) => seedConsultationsDemo(tx, p.clock.now()))
    expect(seeded).toEqual({ consultations: 5, comments: 29 })
  })
  afterAll(() => p?.close())

  it('gives the residents of 桂花 an open rule with a thread and a published one; the staff a draft and a report', async () => {
    const resident = await tokenFor(p.app, 'guihua.resident')
    const list = await call(p.app, 'GET', '/api/v1/consultations?pageSize=100', { token: resident })
    const byTitle = (title: string) => list.body.items.find((c: { title: string }) => c.title === title)
    const parking = byTitle('桂花社区停车管理公约（修订征求意见稿）')
    expect(parking).toMatchObject({ status: 'open', acceptingComments: true, sectionCount: 4, commentCount: 15 })
    expect(byTitle('东湖街道老旧小区加装电梯实施方案（征求意见稿）')).toMatchObject({ status: 'open' })
    expect(byTitle('桂花社区2027年微更新计划（草稿）')).toBeUndefined()
    expect(byTitle('翠竹社区垃圾分类积分兑换办法（征求意见稿）')).toBeUndefined()
    const pets = await call(p.app, 'GET', `/api/v1/consultations/${byTitle('桂花社区文明养犬公约').id}`, {
      token: resident,
    })
    expect(pets.body.status).toBe('published')
    expect(pets.body.finalText).toContain('任何时段')
    expect(pets.body.result).toMatchObject({ comments: 5, answered: 3, unanswered: 2, participants: 4 })
    const thread = await call(
      p.app,
      'GET',
      `/api/v1/comments?subjectKind=consultation&subjectId=${parking.id}&sectionId=${(await call(p.app, 'GET', `/api/v1/consultations/${parking.id}`, { token: resident })).body.sections[1].id}`,
      { token: resident },
    )
    expect(thread.body.items.map((c: { body: string; replyCount: number }) => c.replyCount)).toEqual([1, 0, 0])

    const staff = await tokenFor(p.app, 'guihua.staff')
    const drafts = await call(p.app, 'GET', '/api/v1/consultations?status=draft', { token: staff })
    expect(drafts.body.items.map((c: { title: string }) => c.title)).toContain('桂花社区2027年微更新计划（草稿）')
    const queue = await call(p.app, 'GET', '/api/v1/moderation/comments', { token: staff })
    expect(queue.body.items[0]).toMatchObject({
      comment: { reportCount: 2 },
      subject: { kind: 'consultation', title: '桂花社区停车管理公约（修订征求意见稿）' },
      reasons: [{ reason: 'personal_data', count: 2 }],
    })
  })
})
