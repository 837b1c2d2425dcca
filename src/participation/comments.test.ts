import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { areaId, backends, call, openTestPlatform, tokenFor, type TestPlatform } from '../../test/support.js'

const HOUR = 3_600_000
const DAY = 24 * HOUR

describe.each(backends())('comments and moderation on %s', (backend) => {
  let p: TestPlatform
  let guihua: number
  const t: Record<string, string> = {}
  const as = (who: string) => t[who]!
  const users: Record<string, number> = {}
  let consultation: number
  let sections: number[]

  const post = (who: string, body: Record<string, unknown>, headers?: Record<string, string>) =>
    call(p.app, 'POST', '/api/v1/comments', {
      token: as(who),
      body: { subjectKind: 'consultation', subjectId: consultation, ...body },
      headers,
    })
  const list = (who: string, query: string) => call(p.app, 'GET', `/api/v1/comments?${query}`, { token: as(who) })
  const commentRow = (id: number) =>
    p.database.db.selectFrom('participation_comment').selectAll().where('id', '=', id).executeTakeFirstOrThrow()

  /** A proposal of 桂花 written straight into the table (the proposals part has its own tests). */
  const proposal = async (status = 'published') => {
    const district = await areaId(p, 'JZ-QH')
    const row = await p.database.db
      .insertInto('proposal')
      .values({
        reference: `TEST-${Math.random().toString(36).slice(2, 10)}`,
        area_id: guihua,
        district_id: district,
        category: 'facilities',
        title: '在小区东门增设充电桩',
        body: '电动车越来越多，楼道充电很危险，建议在东门增设充电桩。',
        author_id: users['guihua.resident']!,
        status,
        threshold: 30,
        terms: sql<string>`to_tsvector('simple', '充电桩')`,
        created_at: p.clock.now(),
        updated_at: p.clock.now(),
      })
      .returning('id')
      .executeTakeFirstOrThrow()
    return row.id
  }
  const verify = async (username: string) => {
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
        user_id: users[username]!,
        person_id: person.id,
        area_id: person.area_id,
        method: 'in_person',
        verified_at: p.clock.now(),
      })
      .execute()
  }

  beforeAll(async () => {
    p = await openTestPlatform(backend)
    for (const u of [
      'guihua.staff',
      'guihua.leader',
      'guihua.admin',
      'guihua.resident',
      'guihua.grid',
      'guihua.mediator',
      'guihua.handler',
      'cuizhu.staff',
      'cuizhu.resident',
      'donghu.staff',
    ])
      t[u] = await tokenFor(p.app, u)
    for (const u of await p.database.db.selectFrom('app_user').select(['id', 'username']).execute())
      users[u.username] = u.id
    guihua = await areaId(p, 'JZ-QH-01-01')
    const c = await call(p.app, 'POST', '/api/v1/consultations', {
      token: as('guihua.staff'),
      body: {
        areaId: guihua,
        kind: 'community_rule',
        title: '桂花社区文明养犬公约（征求意见稿）',
        summary: '请对公约逐条提出意见。',
        opensAt: new Date(p.clock.now().getTime() - HOUR).toISOString(),
        closesAt: new Date(p.clock.now().getTime() + 14 * DAY).toISOString(),
        verifiedOnly: false,
        sections: [
          { heading: '第一条 牵绳', body: '出门遛狗必须牵绳。' },
          { heading: '第二条 粪便', body: '宠物粪便由主人及时清理。' },
          { heading: '第三条 犬只登记', body: '犬只应在社区登记。' },
        ],
      },
    })
    expect(c.status).toBe(201)
    consultation = c.body.id
    sections = c.body.sections.map((s: { id: number }) => s.id)
    expect(
      (
        await call(p.app, 'POST', `/api/v1/consultations/${consultation}/actions`, {
          token: as('guihua.staff'),
          body: { action: 'open' },
        })
      ).status,
    ).toBe(200)
  })
  afterAll(() => p?.close())

  it('checks the body, the section and the parent', async () => {
    const bad = async (body: Record<string, unknown>, status: number, field: string) => {
      const res = await post('guihua.resident', body)
      expect(res.status, JSON.stringify(res.body)).toBe(status)
      expect(res.body.error.field).toBe(field)
    }
    await bad({ sectionId: sections[0], body: '长'.repeat(2001) }, 400, 'body')
    await bad({ sectionId: sections[0], body: '' }, 400, 'body')
    await bad({ sectionId: sections[0], body: ' \n\t ' }, 400, 'body')
    await bad({ body: '没有章节' }, 400, 'sectionId')
    await bad({ sectionId: 999999, body: '别的章节' }, 400, 'sectionId')
    await bad({ sectionId: sections[0], parentId: 999999, body: '回复不存在的评论' }, 404, 'parentId')
    await bad({ subjectId: 999999, sectionId: sections[0], body: '不存在' }, 404, 'subjectId')
    const longest = await post('guihua.resident', { sectionId: sections[0], body: '长'.repeat(2000) })
    expect(longest.status).toBe(201)
    expect(longest.body.body).toHaveLength(2000)
    // Nothing of the refused ones was written.
    const n = await p.database.db
      .selectFrom('participation_comment')
      .select(sql<number>`count(*)`.as('n'))
      .where('subject_id', '=', consultation)
      .executeTakeFirstOrThrow()
    expect(Number(n.n)).toBe(1)
    // A section of another consultation is refused too.
    const other = await call(p.app, 'POST', '/api/v1/consultations', {
      token: as('guihua.staff'),
      body: {
        areaId: guihua,
        kind: 'plan',
        title: '另一个',
        summary: '另一个',
        opensAt: p.clock.now().toISOString(),
        closesAt: new Date(p.clock.now().getTime() + DAY).toISOString(),
        sections: [{ heading: '一', body: '一' }],
      },
    })
    await bad({ sectionId: other.body.sections[0].id, body: '串了' }, 400, 'sectionId')
  })

  it('marks staff answers official, counts replies, joins a reply to a reply to its thread, tells the author', async () => {
    const top = await post('guihua.resident', { sectionId: sections[1], body: '草坪上的狗粪没人清理。' })
    expect(top.status).toBe(201)
    expect(top.body).toMatchObject({ official: false, mine: true, replyCount: 0, parentId: null })
    const answer = await post('guihua.staff', {
      sectionId: sections[1],
      parentId: top.body.id,
      body: '将增设拾便袋箱。',
    })
    expect(answer.body).toMatchObject({ official: true, parentId: top.body.id, sectionId: sections[1] })
    // Street staff are staff of an area above: official too. Grid workers are not participation staff.
    const street = await post('donghu.staff', { sectionId: sections[1], parentId: top.body.id, body: '街道支持。' })
    expect(street.body.official).toBe(true)
    const grid = await post('guihua.grid', { sectionId: sections[1], parentId: answer.body.id, body: '网格员会巡查。' })
    expect(grid.status).toBe(201)
    expect(grid.body).toMatchObject({ official: false, parentId: top.body.id })
    // A reply with a section other than its parent's is refused.
    const wrong = await post('guihua.grid', { sectionId: sections[0], parentId: top.body.id, body: '错章节' })
    expect(wrong.status).toBe(400)
    expect(wrong.body.error.field).toBe('sectionId')
    expect((await commentRow(top.body.id)).reply_count).toBe(3)

    const replies = await list(
      'guihua.resident',
      `subjectKind=consultation&subjectId=${consultation}&parentId=${top.body.id}`,
    )
    expect(replies.body.items.map((c: { id: number }) => c.id)).toEqual([answer.body.id, street.body.id, grid.body.id])
    // Residents read the authors' names, which they could not read from the accounts.
    const staffName = await p.database.db
      .selectFrom('app_user')
      .select('display_name')
      .where('username', '=', 'guihua.staff')
      .executeTakeFirstOrThrow()
    expect(replies.body.items[0].author).toBe(staffName.display_name)
    expect(replies.body.items[0].mine).toBe(false)
    const tops = await list(
      'guihua.resident',
      `subjectKind=consultation&subjectId=${consultation}&sectionId=${sections[1]}`,
    )
    expect(tops.body.items.find((c: { id: number }) => c.id === top.body.id).replyCount).toBe(3)

    // The resident hears of the answer in tomorrow's digest (their default), once per reply by someone else.
    const digest = await p.database.db
      .selectFrom('participation_digest_item')
      .select(['kind', 'subject_kind', 'subject_id'])
      .where('user_id', '=', users['guihua.resident']!)
      .where('subject_kind', '=', 'consultation')
      .where('subject_id', '=', consultation)
      .execute()
    expect(digest.map((d) => d.kind).sort()).toEqual(['comment_answered', 'comment_answered'])
    const staffDigest = await p.database.db
      .selectFrom('participation_digest_item')
      .select('kind')
      .where('user_id', '=', users['guihua.staff']!)
      .where('subject_id', '=', consultation)
      .execute()
    expect(staffDigest.map((d) => d.kind)).toEqual(['comment_reply'])
  })

  it('pages a long thread by id: complete and in order', async () => {
    const created: number[] = []
    for (let i = 0; i < 57; i++) {
      const who = ['guihua.resident', 'guihua.grid', 'guihua.mediator'][i % 3]!
      const res = await post(who, { sectionId: sections[2], body: `第${i + 1}条意见：犬只登记要简化。` })
      expect(res.status).toBe(201)
      created.push(res.body.id)
    }
    const seen: number[] = []
    let after: number | null = null
    let pages = 0
    do {
      const res = await list(
        'guihua.resident',
        `subjectKind=consultation&subjectId=${consultation}&sectionId=${sections[2]}&pageSize=20${after ? `&after=${after}` : ''}`,
      )
      expect(res.status).toBe(200)
      expect(res.body.total).toBe(57)
      seen.push(...res.body.items.map((c: { id: number }) => c.id))
      after = res.body.nextAfter
      pages++
    } while (after !== null && pages < 10)
    expect(pages).toBe(3)
    expect(seen).toEqual(created)
    expect([...seen].sort((a, b) => a - b)).toEqual(seen)
    // Exactly a full last page ends with no next page.
    const exact = await list(
      'guihua.resident',
      `subjectKind=consultation&subjectId=${consultation}&sectionId=${sections[2]}&pageSize=19&after=${created[18]}`,
    )
    expect(exact.body.items).toHaveLength(19)
    expect(exact.body.nextAfter).toBe(created[37])
    const bad = await list('guihua.resident', `subjectKind=consultation&subjectId=${consultation}&pageSize=101`)
    expect(bad.status).toBe(400)
    expect(bad.body.error.field).toBe('pageSize')
  })

  it('takes one report per user, queues reported comments for the area’s staff, and hides them audited', async () => {
    const c = await post('guihua.resident', { sectionId: sections[0], body: '3栋的张三天天不牵绳，电话13800138000。' })
    const id = c.body.id
    const report = (who: string, reason = 'personal_data') =>
      call(p.app, 'POST', `/api/v1/comments/${id}/report`, { token: as(who), body: { reason } })
    const first = await report('guihua.grid')
    expect(first.status).toBe(200)
    expect(first.body).toMatchObject({ reportedByMe: true, reportCount: null })
    const twice = await report('guihua.grid', 'offensive')
    expect(twice.status).toBe(409)
    expect((await report('guihua.resident')).status).toBe(400) // one's own comment
    expect((await report('guihua.mediator', 'offensive')).status).toBe(200)
    expect((await report('cuizhu.resident')).status).toBe(404)
    expect((await commentRow(id)).report_count).toBe(2)
    const reports = await p.database.db
      .selectFrom('comment_report')
      .select(['user_id', 'reason'])
      .where('comment_id', '=', id)
      .orderBy('user_id')
      .execute()
    expect(reports).toHaveLength(2)

    // A less reported comment comes after it in the queue.
    const other = await post('guihua.mediator', { sectionId: sections[0], body: '跑题：周末有广场舞吗？' })
    expect(
      (
        await call(p.app, 'POST', `/api/v1/comments/${other.body.id}/report`, {
          token: as('guihua.grid'),
          body: { reason: 'off_topic' },
        })
      ).status,
    ).toBe(200)
    const queue = await call(p.app, 'GET', '/api/v1/moderation/comments', { token: as('guihua.staff') })
    expect(queue.status).toBe(200)
    const ids = queue.body.items.map((x: { comment: { id: number } }) => x.comment.id)
    expect(ids.indexOf(id)).toBeGreaterThanOrEqual(0)
    expect(ids.indexOf(id)).toBeLessThan(ids.indexOf(other.body.id))
    const item = queue.body.items.find((x: { comment: { id: number } }) => x.comment.id === id)
    expect(item).toMatchObject({
      body: '3栋的张三天天不牵绳，电话13800138000。',
      subject: { kind: 'consultation', id: consultation, title: '桂花社区文明养犬公约（征求意见稿）' },
      comment: { reportCount: 2 },
    })
    expect(item.reasons).toEqual([
      { reason: 'offensive', count: 1 },
      { reason: 'personal_data', count: 1 },
    ])
    // Nobody else has this queue: the other community's staff see none of it; residents may not ask.
    const foreign = await call(p.app, 'GET', '/api/v1/moderation/comments', { token: as('cuizhu.staff') })
    expect(foreign.body.items.map((x: { comment: { id: number } }) => x.comment.id)).not.toContain(id)
    expect((await call(p.app, 'GET', '/api/v1/moderation/comments', { token: as('guihua.resident') })).status).toBe(403)

    const hide = (who: string, reason = '含有他人电话号码') =>
      call(p.app, 'POST', `/api/v1/comments/${id}/hide`, { token: as(who), body: { reason } })
    expect((await hide('guihua.resident')).status).toBe(403)
    expect((await hide('guihua.grid')).status).toBe(403)
    expect((await hide('cuizhu.staff')).status).toBe(404)
    expect((await hide('guihua.staff', '   ')).status).toBe(400)
    const hidden = await hide('guihua.staff')
    expect(hidden.status).toBe(200)
    expect(hidden.body).toMatchObject({ hidden: true, body: null, hiddenReason: '含有他人电话号码' })
    expect((await hide('guihua.leader')).status).toBe(409)
    // Residents see the place of the comment, not its text.
    const thread = await list(
      'guihua.resident',
      `subjectKind=consultation&subjectId=${consultation}&sectionId=${sections[0]}`,
    )
    const shown = thread.body.items.find((x: { id: number }) => x.id === id)
    expect(shown).toMatchObject({ hidden: true, body: null, hiddenReason: '含有他人电话号码' })
    expect(JSON.stringify(thread.body)).not.toContain('13800138000')
    const audit = await p.database.db
      .selectFrom('audit_log')
      .select(['action', 'actor_name', 'detail'])
      .where('entity_type', '=', 'participation_comment')
      .where('entity_id', '=', String(id))
      .execute()
    expect(audit).toHaveLength(1)
    expect(audit[0]).toMatchObject({ action: 'comment.hide', actor_name: 'guihua.staff' })
    expect(audit[0]!.detail).toMatchObject({ reason: '含有他人电话号码', subjectKind: 'consultation' })
    // Out of the queue once hidden.
    const after = await call(p.app, 'GET', '/api/v1/moderation/comments', { token: as('guihua.staff') })
    expect(after.body.items.map((x: { comment: { id: number } }) => x.comment.id)).not.toContain(id)

    // Restored: the text is back, audited too.
    const restored = await call(p.app, 'POST', `/api/v1/comments/${id}/restore`, { token: as('guihua.leader') })
    expect(restored.status).toBe(200)
    expect(restored.body).toMatchObject({ hidden: false, body: '3栋的张三天天不牵绳，电话13800138000。' })
    expect((await call(p.app, 'POST', `/api/v1/comments/${id}/restore`, { token: as('guihua.leader') })).status).toBe(
      409,
    )
    expect((await hide('guihua.staff')).status).toBe(200)
  })

  it('keeps a proposal’s comment count, refuses a withdrawn proposal, asks verification per the area’s setting', async () => {
    const id = await proposal()
    const say = (who: string, body: Record<string, unknown>) =>
      call(p.app, 'POST', '/api/v1/comments', {
        token: as(who),
        body: { subjectKind: 'proposal', subjectId: id, ...body },
      })
    // The default setting asks verified residents to support, and so to comment.
    const unverified = await say('guihua.grid', { body: '支持！' })
    expect(unverified.status).toBe(403)
    expect(unverified.body.error.code).toBe('VERIFICATION_REQUIRED')
    expect((await say('guihua.resident', { sectionId: sections[0], body: '有章节' })).status).toBe(400)
    await verify('guihua.grid')
    const top = await say('guihua.grid', { body: '支持，东门晚上很多电动车。' })
    expect(top.status).toBe(201)
    expect(top.body.sectionId).toBeNull()
    const answer = await say('guihua.staff', { parentId: top.body.id, body: '已报街道评估。' })
    expect(answer.body.official).toBe(true)
    const count = async () =>
      (
        await p.database.db
          .selectFrom('proposal')
          .select('comment_count')
          .where('id', '=', id)
          .executeTakeFirstOrThrow()
      ).comment_count
    expect(await count()).toBe(2)
    const thread = await call(p.app, 'GET', `/api/v1/comments?subjectKind=proposal&subjectId=${id}`, {
      token: as('guihua.resident'),
    })
    expect(thread.body.items.map((c: { id: number; replyCount: number }) => [c.id, c.replyCount])).toEqual([
      [top.body.id, 1],
    ])
    // Another community's residents neither read nor write it.
    expect(
      (
        await call(p.app, 'GET', `/api/v1/comments?subjectKind=proposal&subjectId=${id}`, {
          token: as('cuizhu.resident'),
        })
      ).status,
    ).toBe(404)
    expect((await say('cuizhu.resident', { body: '路过' })).status).toBe(404)

    const withdrawn = await proposal('withdrawn')
    const refused = await call(p.app, 'POST', '/api/v1/comments', {
      token: as('guihua.staff'),
      body: { subjectKind: 'proposal', subjectId: withdrawn, body: '已撤回' },
    })
    expect(refused.status).toBe(409)
    expect(refused.body.error.code).toBe('PROPOSAL_ILLEGAL_TRANSITION')
  })

  it('writes one comment for retries with one Idempotency-Key', async () => {
    const key = { 'idempotency-key': 'comment-retry-1' }
    const body = { sectionId: sections[0], body: '重试也只算一条。' }
    const a = await post('guihua.resident', body, key)
    const b = await post('guihua.resident', body, key)
    expect(a.status).toBe(201)
    expect(b.status).toBe(201)
    expect(b.body.id).toBe(a.body.id)
    const n = await p.database.db
      .selectFrom('participation_comment')
      .select(sql<number>`count(*)`.as('n'))
      .where('body', '=', '重试也只算一条。')
      .executeTakeFirstOrThrow()
    expect(Number(n.n)).toBe(1)
  })
})
