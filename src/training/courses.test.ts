import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { areaId, backends, call, openTestPlatform, tokenFor, type TestPlatform } from '../../test/support.js'
import { gridMapPng } from './courses-demo.js'

describe.each(backends())('training courses on %s', (backend) => {
  let p: TestPlatform
  const t: Record<string, string> = {}
  let guihua = 0
  let cuizhu = 0
  let course = 0
  let version = 0

  const audits = async (action: string) =>
    (
      await p.database.db
        .selectFrom('audit_log')
        .select((e) => e.fn.countAll<number>().as('n'))
        .where('action', '=', action)
        .executeTakeFirstOrThrow()
    ).n
  const as = (user: string) => ({
    get: (url: string) => call(p.app, 'GET', url, { token: t[user] }),
    post: (url: string, body: unknown) => call(p.app, 'POST', url, { token: t[user], body }),
    patch: (url: string, body: unknown) => call(p.app, 'PATCH', url, { token: t[user], body }),
    del: (url: string) => call(p.app, 'DELETE', url, { token: t[user] }),
  })
  const upload = async (user: string, q: string, bytes: Buffer) => {
    const res = await p.app.inject({
      method: 'POST',
      url: `/api/v1/training/media?${q}`,
      headers: { authorization: `Bearer ${t[user]}`, 'content-type': 'application/octet-stream' },
      payload: bytes,
    })
    return { status: res.statusCode, body: res.json() }
  }
  const newCourse = (user: string, body: Record<string, unknown> = {}) =>
    as(user).post('/api/v1/training/courses', {
      areaId: guihua,
      title: '测试课程',
      topic: 'grid_work',
      ...body,
    })
  const positions = async (id: number) =>
    (await as('guihua.staff').get(`/api/v1/training/courses/${id}`)).body.lessons.map(
      (l: { title: string; position: number }) => `${l.position}:${l.title}`,
    )

  beforeAll(async () => {
    p = await openTestPlatform(backend, '2027-05-10T02:00:00Z')
    for (const u of [
      'guihua.staff',
      'guihua.grid',
      'guihua.mediator',
      'guihua.resident',
      'cuizhu.staff',
      'cuizhu.grid',
      'leader',
    ])
      t[u] = await tokenFor(p.app, u)
    guihua = await areaId(p, 'JZ-QH-01-01')
    cuizhu = await areaId(p, 'JZ-QH-02-01')
  }, 180_000)
  afterAll(async () => p?.close())

  it('the demo catalogue: the induction course reaches every grid worker; 桂花’s draft only its keepers', async () => {
    for (const user of ['guihua.grid', 'cuizhu.grid']) {
      const list = await as(user).get('/api/v1/training/courses?q=入职')
      expect(list.status).toBe(200)
      expect(list.body.items).toHaveLength(1)
      expect(list.body.items[0]).toMatchObject({
        title: '网格员入职培训',
        topic: 'induction',
        status: 'published',
        passMark: 60,
        lessonCount: 6,
        questionCount: 5,
        canEdit: false,
      })
      const induction = await as(user).get(`/api/v1/training/courses/${list.body.items[0].id}`)
      expect(induction.body.lessons.map((l: { kind: string }) => l.kind)).toEqual([
        'text',
        'image',
        'text',
        'text',
        'text',
        'pdf',
      ])
      expect(induction.body.lessons[1].media).toMatchObject({
        contentType: 'image/png',
        fileName: '网格划分示意图.png',
      })
      // Learners never receive the answers here.
      expect(induction.body.questions).toEqual([])
    }
    const draft = async (user: string) =>
      (await as(user).get('/api/v1/training/courses?status=draft')).body.items.map((c: { title: string }) => c.title)
    expect(await draft('guihua.staff')).toContain('桂花社区垃圾分类入户指导')
    expect(await draft('guihua.grid')).toEqual([])
    expect(await draft('cuizhu.staff')).toEqual([])
    const all = await as('guihua.grid').get('/api/v1/training/courses?pageSize=100')
    expect(all.body.items.every((c: { status: string }) => c.status === 'published')).toBe(true)
    expect(all.body.total).toBe(3)
    const byTopic = await as('guihua.grid').get('/api/v1/training/courses?topic=mediation')
    expect(byTopic.body.items.map((c: { title: string }) => c.title)).toEqual(['矛盾纠纷调解实务'])
    // The area filter is the branch: the district's courses show under a community.
    const branch = await as('guihua.staff').get(`/api/v1/training/courses?areaId=${guihua}&pageSize=100`)
    expect(branch.body.total).toBe(4)
    expect((await as('guihua.resident').get('/api/v1/training/courses')).status).toBe(403)
    expect((await call(p.app, 'GET', '/api/v1/training/courses')).status).toBe(401)
  })

  it('a keeper creates a draft: other areas’ staff and the learners cannot see or write it', async () => {
    const before = await audits('training.course.create')
    const made = await newCourse('guihua.staff', { summary: '概要', passMark: 80, minutes: 30 })
    expect(made.status, JSON.stringify(made.body)).toBe(201)
    expect(made.body).toMatchObject({
      area: { id: guihua },
      status: 'draft',
      passMark: 80,
      minutes: 30,
      lessons: [],
      questions: [],
      canEdit: true,
      version: 1,
      publishedAt: null,
    })
    course = made.body.id
    version = made.body.version
    expect(await audits('training.course.create')).toBe(before + 1)
    expect((await as('guihua.grid').get(`/api/v1/training/courses/${course}`)).status).toBe(404)
    expect((await as('cuizhu.staff').get(`/api/v1/training/courses/${course}`)).status).toBe(404)
    expect((await newCourse('guihua.grid')).status).toBe(403)
    expect((await newCourse('cuizhu.staff')).status).toBe(403)
    expect((await newCourse('guihua.staff', { areaId: cuizhu })).status).toBe(403)
    const bad = await newCourse('guihua.staff', { passMark: 101 })
    expect(bad.status).toBe(400)
    expect(bad.body.error.field).toBe('passMark')
    const lesson = await as('guihua.grid').post(`/api/v1/training/courses/${course}/lessons`, {
      title: '越权',
      kind: 'text',
    })
    expect(lesson.status).toBe(403)
    const foreign = await as('cuizhu.staff').post(`/api/v1/training/courses/${course}/lessons`, {
      title: '越权',
      kind: 'text',
    })
    expect(foreign.status).toBe(404)
    // The same Idempotency-Key makes one course.
    const key = { 'idempotency-key': `course-${backend}-${Date.now()}` }
    const once = await call(p.app, 'POST', '/api/v1/training/courses', {
      token: t['guihua.staff'],
      headers: key,
      body: { areaId: guihua, title: '一次课程', topic: 'other' },
    })
    const twice = await call(p.app, 'POST', '/api/v1/training/courses', {
      token: t['guihua.staff'],
      headers: key,
      body: { areaId: guihua, title: '一次课程', topic: 'other' },
    })
    expect(twice.body.id).toBe(once.body.id)
  })

  it('publishing needs a lesson, and a question when there is a pass mark; the transitions are few', async () => {
    const publish = (v: number, extra: Record<string, unknown> = {}) =>
      as('guihua.staff').patch(`/api/v1/training/courses/${course}`, { version: v, status: 'published', ...extra })
    const empty = await publish(version)
    expect(empty.status).toBe(422)
    expect(empty.body.error).toMatchObject({ code: 'TRAINING_COURSE_INVALID', field: 'status' })
    const lesson = await as('guihua.staff').post(`/api/v1/training/courses/${course}/lessons`, {
      title: '第一课',
      kind: 'text',
      body: '正文',
      minutes: 10,
    })
    expect(lesson.status, JSON.stringify(lesson.body)).toBe(201)
    expect(lesson.body).toMatchObject({ position: 1, kind: 'text', media: null, minutes: 10 })
    const stale = await publish(version)
    expect(stale.status).toBe(409)
    expect(stale.body.error).toMatchObject({ code: 'TRAINING_VERSION_CONFLICT', field: 'version' })
    version = (await as('guihua.staff').get(`/api/v1/training/courses/${course}`)).body.version
    const noQuiz = await publish(version)
    expect(noQuiz.status).toBe(422)
    expect(noQuiz.body.error).toMatchObject({ code: 'TRAINING_COURSE_INVALID', field: 'status' })

    const question = (body: Record<string, unknown>) =>
      as('guihua.staff').post(`/api/v1/training/courses/${course}/questions`, {
        kind: 'single',
        prompt: '哪一个对？',
        options: ['甲', '乙', '丙'],
        answer: [1],
        ...body,
      })
    const refused: [Record<string, unknown>, string][] = [
      [{ kind: 'true_false', options: ['对', '错', '不知道'], answer: [0] }, 'options'],
      [{ answer: [0, 1] }, 'answer'],
      [{ answer: [3] }, 'answer'],
      [{ kind: 'multiple', answer: [1, 1] }, 'answer'],
      [{ options: ['甲', '甲'], answer: [0] }, 'options'],
    ]
    for (const [body, field] of refused) {
      const res = await question(body)
      expect(res.status, JSON.stringify(body)).toBe(422)
      expect(res.body.error).toMatchObject({ code: 'TRAINING_COURSE_INVALID', field })
    }
    expect((await question({ options: ['甲'] })).status).toBe(400)
    const q = await question({ kind: 'multiple', answer: [2, 0], points: 3, explanation: '甲和丙' })
    expect(q.status, JSON.stringify(q.body)).toBe(201)
    expect(q.body).toMatchObject({ position: 1, answer: [0, 2], points: 3 })

    version = (await as('guihua.staff').get(`/api/v1/training/courses/${course}`)).body.version
    const before = await audits('training.course.publish')
    const published = await publish(version)
    expect(published.status, JSON.stringify(published.body)).toBe(200)
    expect(published.body).toMatchObject({ status: 'published', publishedAt: '2027-05-10T02:00:00.000Z' })
    expect(await audits('training.course.publish')).toBe(before + 1)
    version = published.body.version

    // The learners now see it, without the answers; its keepers with them.
    const seen = await as('guihua.grid').get(`/api/v1/training/courses/${course}`)
    expect(seen.status).toBe(200)
    expect(seen.body).toMatchObject({ questionCount: 1, questions: [], canEdit: false })
    const kept = await as('guihua.staff').get(`/api/v1/training/courses/${course}`)
    expect(kept.body.questions[0]).toMatchObject({ answer: [0, 2], explanation: '甲和丙' })
    // The district's leader keeps it too (over the area); the neighbour community's staff do not see it.
    const leader = await as('leader').get(`/api/v1/training/courses/${course}`)
    expect(leader.body.questions).toHaveLength(1)
    expect((await as('cuizhu.staff').get(`/api/v1/training/courses/${course}`)).status).toBe(404)

    const back = await as('guihua.staff').patch(`/api/v1/training/courses/${course}`, { version, status: 'draft' })
    expect(back.status).toBe(409)
    expect(back.body.error).toMatchObject({ code: 'TRAINING_COURSE_ILLEGAL_TRANSITION', field: 'status' })
    const archived = await as('guihua.staff').patch(`/api/v1/training/courses/${course}`, {
      version,
      status: 'archived',
      title: '测试课程（旧版）',
    })
    expect(archived.body).toMatchObject({ status: 'archived', title: '测试课程（旧版）' })
    expect(
      (await as('guihua.grid').get('/api/v1/training/courses?q=旧版')).body.items,
      'archived courses leave the learners’ catalogue',
    ).toEqual([])
    const again = await as('guihua.staff').patch(`/api/v1/training/courses/${course}`, {
      version: archived.body.version,
      status: 'published',
    })
    expect(again.body.status).toBe('published')
    version = again.body.version
    const byGrid = await as('guihua.grid').patch(`/api/v1/training/courses/${course}`, { version, title: '改名' })
    expect(byGrid.status).toBe(403)
  })

  it('lessons are inserted, moved and removed with the others renumbered; done lessons stay', async () => {
    const made = await newCourse('guihua.staff', { title: '排序课程', passMark: 0 })
    const id = made.body.id
    const add = (title: string, position?: number) =>
      as('guihua.staff').post(`/api/v1/training/courses/${id}/lessons`, {
        title,
        kind: 'text',
        body: title,
        ...(position ? { position } : {}),
      })
    const a = (await add('甲')).body.id
    await add('乙')
    const c = (await add('丙')).body.id
    expect(await positions(id)).toEqual(['1:甲', '2:乙', '3:丙'])
    await add('丁', 2)
    expect(await positions(id)).toEqual(['1:甲', '2:丁', '3:乙', '4:丙'])
    const tooFar = await add('戊', 9)
    expect(tooFar.body.error).toMatchObject({ code: 'TRAINING_COURSE_INVALID', field: 'position' })
    const moved = await as('guihua.staff').patch(`/api/v1/training/lessons/${c}`, { position: 1 })
    expect(moved.status, JSON.stringify(moved.body)).toBe(200)
    expect(await positions(id)).toEqual(['1:丙', '2:甲', '3:丁', '4:乙'])
    await as('guihua.staff').patch(`/api/v1/training/lessons/${c}`, { position: 4, title: '丙二' })
    expect(await positions(id)).toEqual(['1:甲', '2:丁', '3:乙', '4:丙二'])
    const removed = await as('guihua.staff').del(`/api/v1/training/lessons/${a}`)
    expect(removed.status).toBe(200)
    expect(await positions(id)).toEqual(['1:丁', '2:乙', '3:丙二'])
    expect((await as('guihua.grid').patch(`/api/v1/training/lessons/${c}`, { title: 'x' })).status).toBe(403)
    expect((await as('cuizhu.staff').del(`/api/v1/training/lessons/${c}`)).status).toBe(404)

    // A learner did 丙二: it cannot go (their record points at it).
    const v = (await as('guihua.staff').get(`/api/v1/training/courses/${id}`)).body.version
    await as('guihua.staff').patch(`/api/v1/training/courses/${id}`, { version: v, status: 'published' })
    const grid = await p.database.db
      .selectFrom('app_user')
      .select('id')
      .where('username', '=', 'guihua.grid')
      .executeTakeFirstOrThrow()
    const enrolment = await p.database.db
      .insertInto('training_enrolment')
      .values({
        course_id: id,
        user_id: grid.id,
        area_id: guihua,
        district_id: guihua,
        role: 'grid_worker',
        assigned_at: new Date(),
        status: 'in_progress',
      })
      .returning('id')
      .executeTakeFirstOrThrow()
    await p.database.db
      .insertInto('training_lesson_done')
      .values({ enrolment_id: enrolment.id, lesson_id: c, area_id: guihua, done_at: new Date() })
      .execute()
    const kept = await as('guihua.staff').del(`/api/v1/training/lessons/${c}`)
    expect(kept.status).toBe(409)
    expect(kept.body.error).toMatchObject({ code: 'CONFLICT', field: 'id' })
    expect(await positions(id)).toEqual(['1:丁', '2:乙', '3:丙二'])
  })

  it('a file lesson takes a file of its kind from the course’s area', async () => {
    const png = await upload('guihua.staff', `areaId=${guihua}&kind=image&fileName=map.png`, gridMapPng())
    expect(png.status, JSON.stringify(png.body)).toBe(201)
    const foreignPng = await upload('cuizhu.staff', `areaId=${cuizhu}&kind=image&fileName=map.png`, gridMapPng())
    expect(foreignPng.status).toBe(201)
    const add = (body: Record<string, unknown>) =>
      as('guihua.staff').post(`/api/v1/training/courses/${course}/lessons`, { title: '图片课', ...body })
    const cases: Record<string, unknown>[] = [
      { kind: 'image' },
      { kind: 'pdf', mediaId: png.body.id },
      { kind: 'text', mediaId: png.body.id },
      { kind: 'image', mediaId: foreignPng.body.id },
      { kind: 'image', mediaId: 2147483000 },
    ]
    for (const body of cases) {
      const res = await add(body)
      expect(res.status, JSON.stringify(body)).toBe(422)
      expect(res.body.error).toMatchObject({ code: 'TRAINING_MEDIA_INVALID', field: 'mediaId' })
    }
    const ok = await add({ kind: 'image', mediaId: png.body.id, body: '看图', position: 1 })
    expect(ok.status).toBe(201)
    expect(ok.body).toMatchObject({
      position: 1,
      kind: 'image',
      media: { id: png.body.id, contentType: 'image/png', fileName: 'map.png', size: gridMapPng().length },
    })
    // Turning it into text drops the file; back to an image needs one again.
    const text = await as('guihua.staff').patch(`/api/v1/training/lessons/${ok.body.id}`, { kind: 'text' })
    expect(text.body).toMatchObject({ kind: 'text', media: null })
    const noFile = await as('guihua.staff').patch(`/api/v1/training/lessons/${ok.body.id}`, { kind: 'image' })
    expect(noFile.body.error).toMatchObject({ code: 'TRAINING_MEDIA_INVALID', field: 'mediaId' })
  })

  it('questions are changed, moved and removed; a published quiz with a pass mark keeps one', async () => {
    const detail = (await as('guihua.staff').get(`/api/v1/training/courses/${course}`)).body
    const first = detail.questions[0].id
    const second = await as('guihua.staff').post(`/api/v1/training/courses/${course}/questions`, {
      kind: 'true_false',
      prompt: '对吗？',
      options: ['正确', '错误'],
      answer: [0],
      position: 1,
    })
    expect(second.body.position).toBe(1)
    const changed = await as('guihua.staff').patch(`/api/v1/training/questions/${first}`, {
      kind: 'single',
      answer: [1],
      position: 1,
    })
    expect(changed.status, JSON.stringify(changed.body)).toBe(200)
    expect(changed.body).toMatchObject({ kind: 'single', answer: [1], position: 1 })
    const wrong = await as('guihua.staff').patch(`/api/v1/training/questions/${first}`, { answer: [0, 1] })
    expect(wrong.body.error).toMatchObject({ code: 'TRAINING_COURSE_INVALID', field: 'answer' })
    const order = (await as('guihua.staff').get(`/api/v1/training/courses/${course}`)).body.questions
    expect(order.map((q: { id: number }) => q.id)).toEqual([first, second.body.id])
    expect((await as('guihua.grid').del(`/api/v1/training/questions/${first}`)).status).toBe(403)
    expect((await as('guihua.staff').del(`/api/v1/training/questions/${first}`)).status).toBe(200)
    const last = await as('guihua.staff').del(`/api/v1/training/questions/${second.body.id}`)
    expect(last.status).toBe(422)
    expect(last.body.error).toMatchObject({ code: 'TRAINING_COURSE_INVALID', field: 'id' })
    const left = (await as('guihua.staff').get(`/api/v1/training/courses/${course}`)).body.questions
    expect(left).toMatchObject([{ id: second.body.id, position: 1 }])
  })
})
