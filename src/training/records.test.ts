import ExcelJS from 'exceljs'
import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { insertCourse, rightAnswers } from '../../test/authz/training-learning.js'
import { areaId, backends, call, openTestPlatform, tokenFor, type TestPlatform } from '../../test/support.js'
import { sweepTrainingReminders } from './reminders.js'

const DAY = 86_400_000

describe.each(backends())('training records and reminders on %s', (backend) => {
  let p: TestPlatform
  const t: Record<string, string> = {}
  let street = 0
  let guihua = 0
  let course: Awaited<ReturnType<typeof insertCourse>>

  const userId = async (username: string) =>
    (await p.database.db.selectFrom('app_user').select('id').where('username', '=', username).executeTakeFirstOrThrow())
      .id
  const post = (user: string, url: string, body?: unknown) => call(p.app, 'POST', url, { token: t[user], body })
  const get = (user: string, url: string) => call(p.app, 'GET', url, { token: t[user] })

  beforeAll(async () => {
    p = await openTestPlatform(backend, '2027-04-01T02:00:00Z')
    for (const u of ['admin', 'guihua.staff', 'guihua.grid', 'guihua.mediator', 'cuizhu.staff', 'cuizhu.grid'])
      t[u] = await tokenFor(p.app, u)
    street = await areaId(p, 'JZ-QH-01')
    guihua = await areaId(p, 'JZ-QH-01-01')
    course = await insertCourse(p, street, { title: '街道培训（统计）' })
    // Everyone of the street's staff roles on it: grid workers, mediators and handlers by hand.
    const ids = await p.database.db
      .selectFrom('role_grant as g')
      .innerJoin('area as a', 'a.id', 'g.area_id')
      .select('g.user_id')
      .distinct()
      .where(
        'a.path',
        'like',
        `${(await p.database.db.selectFrom('area').select('path').where('id', '=', street).executeTakeFirstOrThrow()).path}%`,
      )
      .where('g.role', 'in', ['grid_worker', 'mediator', 'department_handler'])
      .execute()
    const made = await post('admin', '/api/v1/training/enrolments', {
      courseId: course.id,
      userIds: ids.map((r) => r.user_id),
      dueAt: new Date(p.clock.now().getTime() + 2 * DAY).toISOString(),
    })
    if (made.status !== 201) throw new Error(JSON.stringify(made.body))
  }, 180_000)
  afterAll(async () => p?.close())

  const learn = async (username: string) => {
    const id = (
      await p.database.db
        .selectFrom('training_enrolment')
        .select('id')
        .where('course_id', '=', course.id)
        .where('user_id', '=', await userId(username))
        .executeTakeFirstOrThrow()
    ).id
    const token = await tokenFor(p.app, username)
    for (const l of course.lessons)
      await call(p.app, 'POST', `/api/v1/training/enrolments/${id}/lessons/${l}/done`, { token })
    const res = await call(p.app, 'POST', `/api/v1/training/enrolments/${id}/attempts`, {
      token,
      body: { answers: rightAnswers(course.questions) },
    })
    expect(res.status).toBe(201)
    return id
  }

  it('reminds once before the deadline, then tells the learner and each keeper once when overdue', async () => {
    const grid = await userId('guihua.grid')
    const staff = await userId('guihua.staff')
    // The demo's own enrolments are reminded too: count the notices of this course's enrolments.
    const count = async (user: number, kind: string, perKeeper = false) =>
      Number(
        (
          await p.database.db
            .selectFrom('notification')
            .select((e) => e.fn.countAll<number>().as('n'))
            .where('user_id', '=', user)
            .where('kind', '=', kind)
            .where((e) =>
              perKeeper
                ? e(sql`params->>'count'`, 'is not', null)
                : e(sql`(params->>'courseId')::bigint`, '=', course.id),
            )
            .executeTakeFirstOrThrow()
        ).n,
      )
    expect(await count(grid, 'training_assigned')).toBeGreaterThanOrEqual(1)
    // Due in two days: within three.
    const first = await sweepTrainingReminders(p.database.db, p.clock.now())
    expect(first.due).toBeGreaterThan(0)
    expect(await count(grid, 'training_due')).toBe(1)
    const again = await sweepTrainingReminders(p.database.db, p.clock.now())
    expect(again.due).toBe(0)
    expect(await count(grid, 'training_due')).toBe(1)
    // One learner passes in time; the rest fall overdue.
    await learn('guihua.mediator')
    p.clock.advance(3 * DAY)
    const staffBefore = await count(staff, 'training_overdue', true)
    const late = await sweepTrainingReminders(p.database.db, p.clock.now())
    expect(late.overdue).toBeGreaterThan(1)
    expect(await count(grid, 'training_overdue')).toBe(1)
    expect(await count(await userId('guihua.mediator'), 'training_overdue')).toBe(0)
    // The community's staff: one notice with the count of their learners, not one per learner.
    expect(await count(staff, 'training_overdue', true)).toBe(staffBefore + 1)
    const told = await p.database.db
      .selectFrom('notification')
      .select('params')
      .where('user_id', '=', staff)
      .where('kind', '=', 'training_overdue')
      .orderBy('id', 'desc')
      .executeTakeFirstOrThrow()
    const params = typeof told.params === 'string' ? JSON.parse(told.params) : told.params
    const overdueInGuihua = await p.database.db
      .selectFrom('training_enrolment as e')
      .innerJoin('area as a', 'a.id', 'e.area_id')
      .select('e.id')
      .where('e.course_id', '=', course.id)
      .where('e.status', '<>', 'completed')
      .where(
        'a.path',
        'like',
        `${(await p.database.db.selectFrom('area').select('path').where('id', '=', guihua).executeTakeFirstOrThrow()).path}%`,
      )
      .execute()
    expect(params.count).toBe(overdueInGuihua.length)
    const quiet = await sweepTrainingReminders(p.database.db, p.clock.now())
    expect(quiet).toMatchObject({ due: 0, overdue: 0, keepersTold: 0 })
    // A late pass.
    await learn('guihua.grid')
  })

  it('the figures of the street and its communities equal a hand count', async () => {
    const res = await get('admin', `/api/v1/training/stats?areaId=${street}`)
    expect(res.status, JSON.stringify(res.body)).toBe(200)
    const rows = await p.database.db
      .selectFrom('training_enrolment as e')
      .innerJoin('area as a', 'a.id', 'e.area_id')
      .select(['e.status', 'e.late', 'e.role', 'e.best_score', 'e.due_at', 'a.path'])
      .where(
        'a.path',
        'like',
        `${(await p.database.db.selectFrom('area').select('path').where('id', '=', street).executeTakeFirstOrThrow()).path}%`,
      )
      .where('e.status', '<>', 'withdrawn')
      .execute()
    const now = p.clock.now().getTime()
    const hand = (rs: typeof rows) => {
      const completed = rs.filter((r) => r.status === 'completed')
      const scored = rs.filter((r) => r.best_score !== null)
      return {
        enrolled: rs.length,
        completed: completed.length,
        completedOnTime: completed.filter((r) => !r.late).length,
        late: completed.filter((r) => r.late).length,
        overdue: rs.filter((r) => r.status !== 'completed' && r.due_at && new Date(r.due_at).getTime() < now).length,
        completionRate: rs.length ? Math.round((completed.length * 1000) / rs.length) / 10 : null,
        averageBestScore: scored.length
          ? Math.round((scored.reduce((s, r) => s + r.best_score!, 0) / scored.length) * 10) / 10
          : null,
      }
    }
    expect(res.body.figures).toMatchObject(hand(rows))
    expect(res.body.figures.late).toBeGreaterThanOrEqual(1)
    expect(res.body.figures.completedOnTime).toBeGreaterThanOrEqual(1)
    const guihuaPath = (
      await p.database.db.selectFrom('area').select('path').where('id', '=', guihua).executeTakeFirstOrThrow()
    ).path
    const child = res.body.children.find((c: { area: { id: number } }) => c.area.id === guihua)
    expect(child.figures).toMatchObject(hand(rows.filter((r) => r.path.startsWith(guihuaPath))))
    for (const r of child.roles)
      expect(r.figures).toMatchObject(hand(rows.filter((x) => x.path.startsWith(guihuaPath) && x.role === r.role)))
    expect(res.body.roles.find((r: { role: string }) => r.role === 'grid_worker').figures).toMatchObject(
      hand(rows.filter((r) => r.role === 'grid_worker')),
    )
    // Keepers over the area only; a period before anything was assigned counts nothing.
    expect((await get('guihua.staff', `/api/v1/training/stats?areaId=${street}`)).status).toBe(403)
    expect((await get('guihua.grid', `/api/v1/training/stats?areaId=${guihua}`)).status).toBe(403)
    const own = await get('guihua.staff', '/api/v1/training/stats')
    expect(own.body.area.id).toBe(guihua)
    const before = await get('admin', `/api/v1/training/stats?areaId=${street}&from=2020-01-01&to=2020-12-31`)
    expect(before.body.figures.enrolled).toBe(0)
    const backwards = await get('admin', `/api/v1/training/stats?areaId=${street}&from=2027-05-01&to=2027-04-01`)
    expect(backwards.status).toBe(400)
  })

  it('exports every enrolment of the area as CSV and XLSX', async () => {
    const csv = await p.app.inject({
      method: 'GET',
      url: `/api/v1/training/records/export?areaId=${guihua}&format=csv`,
      headers: { authorization: `Bearer ${t['guihua.staff']}` },
    })
    expect(csv.statusCode).toBe(200)
    const lines = csv.body
      .replace(/^\uFEFF/, '')
      .trim()
      .split(/\r\n/)
    const inGuihua = await p.database.db
      .selectFrom('training_enrolment as e')
      .innerJoin('area as a', 'a.id', 'e.area_id')
      .select(['e.certificate_no'])
      .where(
        'a.path',
        'like',
        `${(await p.database.db.selectFrom('area').select('path').where('id', '=', guihua).executeTakeFirstOrThrow()).path}%`,
      )
      .execute()
    expect(lines).toHaveLength(inGuihua.length + 1)
    expect(lines[0]).toContain('证书编号 Certificate')
    for (const c of inGuihua.filter((r) => r.certificate_no)) expect(csv.body).toContain(c.certificate_no)
    const xlsx = await p.app.inject({
      method: 'GET',
      url: `/api/v1/training/records/export?areaId=${guihua}&format=xlsx`,
      headers: { authorization: `Bearer ${t['guihua.staff']}` },
    })
    expect(xlsx.statusCode).toBe(200)
    const wb = new ExcelJS.Workbook()
    await wb.xlsx.load(xlsx.rawPayload as unknown as ArrayBuffer)
    expect(wb.worksheets[0]!.rowCount).toBe(inGuihua.length + 1)
    expect((await get('cuizhu.staff', `/api/v1/training/records/export?areaId=${guihua}`)).status).toBe(403)
    expect((await get('guihua.grid', `/api/v1/training/records/export?areaId=${guihua}`)).status).toBe(403)
  })
})
