import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { insertCourse, rightAnswers } from '../../test/authz/training-learning.js'
import { areaId, backends, call, openTestPlatform, tokenFor, type TestPlatform } from '../../test/support.js'

const DAY = 86_400_000

describe.each(backends())('training assignment and learning on %s', (backend) => {
  let p: TestPlatform
  const t: Record<string, string> = {}
  let district = 0
  let guihua = 0
  let guihuaGrid = 0
  let course: Awaited<ReturnType<typeof insertCourse>>
  let rule = 0
  let enrolment = 0

  const userId = async (username: string) =>
    (await p.database.db.selectFrom('app_user').select('id').where('username', '=', username).executeTakeFirstOrThrow())
      .id
  const enrolmentOf = (courseId: number, userId: number) =>
    p.database.db
      .selectFrom('training_enrolment')
      .selectAll()
      .where('course_id', '=', courseId)
      .where('user_id', '=', userId)
      .executeTakeFirst()
  const post = (user: string, url: string, body?: unknown) => call(p.app, 'POST', url, { token: t[user], body })
  const get = (user: string, url: string) => call(p.app, 'GET', url, { token: t[user] })

  beforeAll(async () => {
    p = await openTestPlatform(backend, '2027-03-01T02:00:00Z')
    for (const u of [
      'admin',
      'leader',
      'guihua.staff',
      'guihua.grid',
      'guihua.resident',
      'guihua.mediator',
      'cuizhu.staff',
      'cuizhu.grid',
    ])
      t[u] = await tokenFor(p.app, u)
    district = await areaId(p, 'JZ-QH')
    guihua = await areaId(p, 'JZ-QH-01-01')
    guihuaGrid = await areaId(p, 'JZ-QH-01-01-G01')
    course = await insertCourse(p, district, { title: '网格员入职培训（测试）' })
  }, 180_000)
  afterAll(async () => p?.close())

  it('a rule enrols every grid worker of the district now, and a grid worker granted later', async () => {
    const rule0 = { courseId: course.id, areaId: district, role: 'grid_worker', dueDays: 14 }
    // The community's staff keep the community only.
    expect((await post('guihua.staff', '/api/v1/training/rules', rule0)).status).toBe(403)
    expect((await post('guihua.grid', '/api/v1/training/rules', rule0)).status).toBe(403)
    const draft = await insertCourse(p, district, { status: 'draft', title: '草稿课程' })
    const refused = await post('admin', '/api/v1/training/rules', { ...rule0, courseId: draft.id })
    expect(refused.status).toBe(422)
    expect(refused.body.error).toMatchObject({ code: 'TRAINING_ENROLMENT_INVALID', field: 'courseId' })
    // A community's course does not reach the whole district.
    const local = await insertCourse(p, guihua, { title: '社区课程' })
    const narrow = await post('admin', '/api/v1/training/rules', { ...rule0, courseId: local.id })
    expect(narrow.body.error).toMatchObject({ code: 'TRAINING_ENROLMENT_INVALID', field: 'courseId' })

    // Hand count: active users holding grid_worker on the district or below.
    const holders = await p.database.db
      .selectFrom('role_grant as g')
      .innerJoin('area as a', 'a.id', 'g.area_id')
      .innerJoin('app_user as u', 'u.id', 'g.user_id')
      .select('g.user_id')
      .distinct()
      .where('g.role', '=', 'grid_worker')
      .where('u.status', '=', 'active')
      .where(
        'a.path',
        'like',
        `${(await p.database.db.selectFrom('area').select('path').where('id', '=', district).executeTakeFirstOrThrow()).path}%`,
      )
      .execute()
    expect(holders.length).toBeGreaterThan(1)
    const made = await post('admin', '/api/v1/training/rules', rule0)
    expect(made.status, JSON.stringify(made.body)).toBe(201)
    expect(made.body.enrolled).toBe(holders.length)
    expect(made.body.rule).toMatchObject({ role: 'grid_worker', dueDays: 14, active: true, enrolled: holders.length })
    rule = made.body.rule.id
    const mine = await enrolmentOf(course.id, await userId('guihua.grid'))
    expect(mine).toMatchObject({ status: 'assigned', rule_id: rule, role: 'grid_worker', area_id: guihuaGrid })
    expect(new Date(mine!.due_at!).getTime() - new Date(mine!.assigned_at).getTime()).toBe(14 * DAY)
    expect(new Date(mine!.assigned_at).toISOString()).toBe(p.clock.now().toISOString())
    enrolment = mine!.id
    // Told in the inbox.
    const told = await p.database.db
      .selectFrom('notification')
      .select('params')
      .where('user_id', '=', mine!.user_id)
      .where('kind', '=', 'training_assigned')
      .execute()
    expect(told.map((n) => (typeof n.params === 'string' ? JSON.parse(n.params) : n.params).enrolmentId)).toContain(
      enrolment,
    )
    expect((await post('admin', '/api/v1/training/rules', rule0)).status).toBe(409)
    const listed = await get('guihua.staff', `/api/v1/training/rules?areaId=${district}`)
    expect(listed.status).toBe(200)
    const viaCommunity = await get('guihua.staff', `/api/v1/training/rules?courseId=${course.id}`)
    expect(viaCommunity.body.items.map((r: { id: number }) => r.id)).toContain(rule)
    // The community's keepers see the district's rule that reaches them.
    const reaching = await get('guihua.staff', `/api/v1/training/rules?areaId=${guihua}`)
    expect(reaching.body.items.map((r: { id: number }) => r.id)).toContain(rule)
    const cuizhuRules = await get('cuizhu.staff', `/api/v1/training/rules?areaId=${guihua}`)
    expect(
      cuizhuRules.status === 200
        ? cuizhuRules.body.items.filter((r: { area: { id: number } }) => r.area.id === guihua)
        : [],
    ).toEqual([])

    // A new grid worker through the accounts API is enrolled by the rule.
    const newcomer = await post('admin', '/api/v1/users', {
      username: 'new.grid.one',
      displayName: '新网格员',
      password: 'a-long-enough-password-1',
      grants: [{ role: 'grid_worker', areaId: guihuaGrid }],
    })
    expect(newcomer.status, JSON.stringify(newcomer.body)).toBe(201)
    const theirs = await enrolmentOf(course.id, newcomer.body.id)
    expect(theirs).toMatchObject({ status: 'assigned', rule_id: rule, area_id: guihuaGrid })
    expect(new Date(theirs!.due_at!).getTime() - new Date(theirs!.assigned_at).getTime()).toBe(14 * DAY)

    // Deactivated: the next one is not.
    const off = await call(p.app, 'PATCH', `/api/v1/training/rules/${rule}`, {
      token: t['guihua.staff'],
      body: { active: false },
    })
    expect(off.status).toBe(403)
    const offByAdmin = await call(p.app, 'PATCH', `/api/v1/training/rules/${rule}`, {
      token: t.admin,
      body: { active: false },
    })
    expect(offByAdmin.body).toMatchObject({ active: false })
    const second = await post('admin', '/api/v1/users', {
      username: 'new.grid.two',
      displayName: '又一个网格员',
      password: 'a-long-enough-password-2',
      grants: [{ role: 'grid_worker', areaId: guihuaGrid }],
    })
    expect(second.status).toBe(201)
    expect(await enrolmentOf(course.id, second.body.id)).toBeUndefined()
    await call(p.app, 'PATCH', `/api/v1/training/rules/${rule}`, { token: t.admin, body: { active: true } })
  })

  it('the learner does the lessons, fails the quiz, passes it and downloads the certificate', async () => {
    const mine = await get('guihua.grid', '/api/v1/training/enrolments?mine=true')
    expect(mine.status).toBe(200)
    const listed = mine.body.items.find((e: { id: number }) => e.id === enrolment)
    expect(listed).toMatchObject({ status: 'assigned', lessons: 2, lessonsDone: 0, questions: 2, mine: true })

    const detail = await get('guihua.grid', `/api/v1/training/enrolments/${enrolment}`)
    expect(detail.status).toBe(200)
    expect(detail.body.lessonList).toHaveLength(2)
    expect(detail.body.questionList).toHaveLength(2)
    for (const q of detail.body.questionList) {
      expect(q).not.toHaveProperty('answer')
      expect(q).not.toHaveProperty('explanation')
    }
    // The quiz waits for the lessons.
    const early = await post('guihua.grid', `/api/v1/training/enrolments/${enrolment}/attempts`, {
      answers: rightAnswers(course.questions),
    })
    expect(early.status).toBe(409)
    expect(early.body.error).toMatchObject({ code: 'TRAINING_NOT_COMPLETED', field: 'lessons' })
    // A keeper reads but does not learn.
    expect((await get('guihua.staff', `/api/v1/training/enrolments/${enrolment}`)).status).toBe(200)
    const byKeeper = await post(
      'guihua.staff',
      `/api/v1/training/enrolments/${enrolment}/lessons/${course.lessons[0]}/done`,
    )
    expect(byKeeper.status).toBe(403)
    // Another course's lesson.
    const stray = await insertCourse(p, district, { title: '别的课程' })
    expect(
      (await post('guihua.grid', `/api/v1/training/enrolments/${enrolment}/lessons/${stray.lessons[0]}/done`)).status,
    ).toBe(404)

    const first = await post(
      'guihua.grid',
      `/api/v1/training/enrolments/${enrolment}/lessons/${course.lessons[0]}/done`,
    )
    expect(first.status).toBe(200)
    expect(first.body).toMatchObject({ status: 'in_progress', lessonsDone: 1 })
    const again = await post(
      'guihua.grid',
      `/api/v1/training/enrolments/${enrolment}/lessons/${course.lessons[0]}/done`,
    )
    expect(again.body).toMatchObject({ status: 'in_progress', lessonsDone: 1 })
    const second = await post(
      'guihua.grid',
      `/api/v1/training/enrolments/${enrolment}/lessons/${course.lessons[1]}/done`,
    )
    expect(second.body).toMatchObject({ status: 'in_progress', lessonsDone: 2 })
    expect(second.body.lessonList.every((l: { done: boolean }) => l.done)).toBe(true)

    // Answers must match the quiz.
    const bad = async (answers: unknown, field: string) => {
      const res = await post('guihua.grid', `/api/v1/training/enrolments/${enrolment}/attempts`, { answers })
      expect(res.status, JSON.stringify(res.body)).toBe(422)
      expect(res.body.error).toMatchObject({ code: 'TRAINING_ANSWERS_INVALID', field })
    }
    await bad([{ questionId: course.questions[0], choices: [1] }], 'answers')
    await bad(
      [
        { questionId: stray.questions[0], choices: [1] },
        { questionId: course.questions[1], choices: [0] },
      ],
      'answers[0].questionId',
    )
    await bad(
      [
        { questionId: course.questions[0], choices: [0, 1] },
        { questionId: course.questions[1], choices: [0] },
      ],
      'answers[0].choices',
    )
    await bad(
      [
        { questionId: course.questions[0], choices: [1] },
        { questionId: course.questions[1], choices: [5] },
      ],
      'answers[1].choices',
    )
    expect(
      await p.database.db.selectFrom('training_attempt').select('id').where('enrolment_id', '=', enrolment).execute(),
    ).toEqual([])

    // Wrong on the two-point question: 1 of 3 points = 33, failed.
    const failed = await post('guihua.grid', `/api/v1/training/enrolments/${enrolment}/attempts`, {
      answers: [
        { questionId: course.questions[0], choices: [1] },
        { questionId: course.questions[1], choices: [0] },
      ],
    })
    expect(failed.status, JSON.stringify(failed.body)).toBe(201)
    expect(failed.body.attempt).toMatchObject({ score: 33, passed: false, late: false })
    expect(failed.body.results).toEqual([
      expect.objectContaining({ questionId: course.questions[0], correct: true, answer: [1], explanation: '解析1' }),
      expect.objectContaining({
        questionId: course.questions[1],
        correct: false,
        answer: [0, 2],
        explanation: '解析2',
      }),
    ])
    expect(failed.body.enrolment).toMatchObject({ status: 'in_progress', bestScore: 33, certificateNo: null })
    const notYet = await get('guihua.grid', `/api/v1/training/enrolments/${enrolment}/certificate`)
    expect(notYet.status).toBe(409)
    expect(notYet.body.error.code).toBe('TRAINING_NOT_COMPLETED')

    const passed = await post('guihua.grid', `/api/v1/training/enrolments/${enrolment}/attempts`, {
      answers: rightAnswers(course.questions),
    })
    expect(passed.body.attempt).toMatchObject({ score: 100, passed: true, late: false })
    expect(passed.body.enrolment).toMatchObject({ status: 'completed', bestScore: 100, late: false })
    const number = passed.body.enrolment.certificateNo as string
    expect(number).toMatch(/^PX-2027-\d{6}$/)
    const after = await get('guihua.grid', `/api/v1/training/enrolments/${enrolment}`)
    expect(after.body.attempts.map((a: { score: number }) => a.score)).toEqual([100, 33])

    const pdf = await p.app.inject({
      method: 'GET',
      url: `/api/v1/training/enrolments/${enrolment}/certificate`,
      headers: { authorization: `Bearer ${t['guihua.grid']}` },
    })
    expect(pdf.statusCode).toBe(200)
    expect(pdf.headers['content-type']).toContain('application/pdf')
    expect(pdf.rawPayload.subarray(0, 5).toString('latin1')).toBe('%PDF-')
    expect(pdf.rawPayload.toString('latin1')).toContain(number)
    // The keepers over the learner print it too; another community's grid worker does not read it.
    expect((await get('guihua.staff', `/api/v1/training/enrolments/${enrolment}/certificate`)).status).toBe(200)
    expect((await get('cuizhu.grid', `/api/v1/training/enrolments/${enrolment}/certificate`)).status).toBe(404)
  })

  it('a learner reads only their own enrolments; keepers of another community none of them', async () => {
    expect((await get('cuizhu.grid', `/api/v1/training/enrolments/${enrolment}`)).status).toBe(404)
    expect((await get('cuizhu.staff', `/api/v1/training/enrolments/${enrolment}`)).status).toBe(404)
    expect((await get('guihua.resident', '/api/v1/training/enrolments?mine=true')).status).toBe(403)
    expect((await call(p.app, 'GET', '/api/v1/training/enrolments?mine=true')).status).toBe(401)
    const theirs = await get('cuizhu.grid', '/api/v1/training/enrolments?pageSize=500')
    const me = await userId('cuizhu.grid')
    expect(theirs.body.items.length).toBeGreaterThan(0)
    expect(theirs.body.items.every((e: { learner: { id: number } }) => e.learner.id === me)).toBe(true)
    // A keeper's area filter outside their area: 403.
    expect((await get('cuizhu.staff', `/api/v1/training/enrolments?areaId=${guihua}`)).status).toBe(403)
    const kept = await get('guihua.staff', `/api/v1/training/enrolments?areaId=${guihua}&courseId=${course.id}`)
    expect(kept.body.items.map((e: { id: number }) => e.id)).toContain(enrolment)
    const completed = await get(
      'guihua.staff',
      `/api/v1/training/enrolments?areaId=${guihua}&status=completed&role=grid_worker`,
    )
    expect(completed.body.items.every((e: { status: string }) => e.status === 'completed')).toBe(true)
  })

  it('enrols by hand (staff of the keeper’s areas), keeps those enrolled; a late pass is recorded as late', async () => {
    const local = await insertCourse(p, guihua, { title: '调解入门' })
    const mediator = await userId('guihua.mediator')
    const grid = await userId('guihua.grid')
    const resident = await userId('guihua.resident')
    const stranger = await userId('cuizhu.grid')
    const due = new Date(p.clock.now().getTime() + 2 * DAY).toISOString()
    const refused = await post('guihua.staff', '/api/v1/training/enrolments', {
      courseId: local.id,
      userIds: [mediator, resident, stranger],
      dueAt: due,
    })
    expect(refused.status).toBe(422)
    expect(refused.body.error).toMatchObject({ code: 'TRAINING_ENROLMENT_INVALID', field: 'userIds' })
    expect(await enrolmentOf(local.id, mediator)).toBeUndefined()
    const past = await post('guihua.staff', '/api/v1/training/enrolments', {
      courseId: local.id,
      userIds: [mediator],
      dueAt: new Date(p.clock.now().getTime() - DAY).toISOString(),
    })
    expect(past.body.error).toMatchObject({ code: 'TRAINING_ENROLMENT_INVALID', field: 'dueAt' })
    expect(
      (
        await post('guihua.grid', '/api/v1/training/enrolments', {
          courseId: local.id,
          userIds: [mediator],
          dueAt: due,
        })
      ).status,
    ).toBe(403)

    const made = await post('guihua.staff', '/api/v1/training/enrolments', {
      courseId: local.id,
      userIds: [mediator],
      dueAt: due,
    })
    expect(made.status, JSON.stringify(made.body)).toBe(201)
    expect(made.body.enrolled).toHaveLength(1)
    expect(made.body.alreadyEnrolled).toEqual([])
    const again = await post('guihua.staff', '/api/v1/training/enrolments', {
      courseId: local.id,
      userIds: [mediator, grid],
      dueAt: due,
    })
    expect(again.status).toBe(201)
    expect(again.body.alreadyEnrolled).toEqual([mediator])
    expect(again.body.enrolled).toHaveLength(1)

    const id = made.body.enrolled[0] as number
    for (const l of local.lessons) await post('guihua.mediator', `/api/v1/training/enrolments/${id}/lessons/${l}/done`)
    p.clock.advance(3 * DAY)
    const overdue = await get('guihua.staff', `/api/v1/training/enrolments?areaId=${guihua}&overdue=true`)
    expect(overdue.body.items.map((e: { id: number }) => e.id)).toContain(id)
    const late = await post('guihua.mediator', `/api/v1/training/enrolments/${id}/attempts`, {
      answers: rightAnswers(local.questions),
    })
    expect(late.status, JSON.stringify(late.body)).toBe(201)
    expect(late.body.attempt).toMatchObject({ passed: true, late: true })
    expect(late.body.enrolment).toMatchObject({ status: 'completed', late: true, overdue: false })
    const row = await enrolmentOf(local.id, mediator)
    expect(row).toMatchObject({ status: 'completed', late: true })
  })

  it('a course without a quiz is completed by its last lesson', async () => {
    const reading = await insertCourse(p, guihua, { title: '阅读课程', questions: false, lessons: 1 })
    const grid = await userId('guihua.grid')
    const made = await post('guihua.staff', '/api/v1/training/enrolments', {
      courseId: reading.id,
      userIds: [grid],
      dueAt: new Date(p.clock.now().getTime() + 5 * DAY).toISOString(),
    })
    const id = made.body.enrolled[0] as number
    const done = await post('guihua.grid', `/api/v1/training/enrolments/${id}/lessons/${reading.lessons[0]}/done`)
    expect(done.body).toMatchObject({ status: 'completed', late: false, certificateNo: expect.stringMatching(/^PX-/) })
    const quiz = await post('guihua.grid', `/api/v1/training/enrolments/${id}/attempts`, {
      answers: [{ questionId: course.questions[0], choices: [1] }],
    })
    expect(quiz.body.error).toMatchObject({ code: 'TRAINING_ANSWERS_INVALID', field: 'answers' })
  })
})
