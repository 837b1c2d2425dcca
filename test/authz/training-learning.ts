import { expect } from 'vitest'
import { call, type TestPlatform } from '../support.js'
import { denied, must, row, unchanged, type OwnPart, type ScopingPart } from './parts.js'

// Training (learning) in both authorization tables (see parts.ts). Rules, hand enrolments, the
// records and their export are for the keepers (admins, leaders and staff over the area); every
// staff role learns its own courses: the list, the enrolment, its lessons, quiz and certificate
// are the learner's (and the keepers' to read). Residents and anonymous callers get 401/403.

const keepers = row('unauth', 'ok', 'ok', 'ok', 'forbidden', 'forbidden', 'forbidden', 'forbidden')
const learners = row('unauth', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'forbidden')

/**
 * A published course of `areaId` with `lessons` text lessons and a two-question quiz (pass mark
 * 60): question 1 single (answer 1, 1 point), question 2 multiple (answers 0 and 2, 2 points).
 * Inserted as the owner, so tests need not wait for the courses part's routes.
 */
export async function insertCourse(
  p: TestPlatform,
  areaId: number,
  opts: { title?: string; lessons?: number; questions?: boolean; status?: 'draft' | 'published' } = {},
) {
  const now = p.clock.now()
  const status = opts.status ?? 'published'
  const course = await p.database.db
    .insertInto('training_course')
    .values({
      area_id: areaId,
      title: opts.title ?? '测试课程',
      summary: '测试用的课程',
      topic: 'induction',
      pass_mark: 60,
      minutes: 30,
      status,
      published_at: status === 'draft' ? null : now,
      created_at: now,
      updated_at: now,
    })
    .returning('id')
    .executeTakeFirstOrThrow()
  const lessons: number[] = []
  for (let i = 1; i <= (opts.lessons ?? 2); i++) {
    const l = await p.database.db
      .insertInto('training_lesson')
      .values({
        course_id: course.id,
        area_id: areaId,
        position: i,
        title: `第${i}课`,
        kind: 'text',
        body: `第${i}课的内容`,
        created_at: now,
        updated_at: now,
      })
      .returning('id')
      .executeTakeFirstOrThrow()
    lessons.push(l.id)
  }
  const questions: number[] = []
  if (opts.questions ?? true) {
    const qs = [
      { kind: 'single', options: ['甲', '乙', '丙'], answer: [1], points: 1 },
      { kind: 'multiple', options: ['子', '丑', '寅', '卯'], answer: [0, 2], points: 2 },
    ]
    for (const [i, q] of qs.entries()) {
      const row = await p.database.db
        .insertInto('training_question')
        .values({
          course_id: course.id,
          area_id: areaId,
          position: i + 1,
          kind: q.kind,
          prompt: `问题${i + 1}`,
          options: JSON.stringify(q.options),
          answer: q.answer,
          explanation: `解析${i + 1}`,
          points: q.points,
          created_at: now,
          updated_at: now,
        })
        .returning('id')
        .executeTakeFirstOrThrow()
      questions.push(row.id)
    }
  }
  return { id: course.id, lessons, questions }
}

/** Right answers to insertCourse's quiz. */
export const rightAnswers = (questions: number[]) => [
  { questionId: questions[0]!, choices: [1] },
  { questionId: questions[1]!, choices: [0, 2] },
]

const userId = async (p: TestPlatform, username: string) =>
  (await p.database.db.selectFrom('app_user').select('id').where('username', '=', username).executeTakeFirstOrThrow())
    .id

async function fixture(
  p: TestPlatform,
  base: { community: number; token(u: string): Promise<string> },
  prefix: string,
) {
  const course = await insertCourse(p, base.community, { title: `权限表课程 ${prefix}` })
  const staff = await base.token(`${prefix}.staff`)
  const grid = await userId(p, `${prefix}.grid`)
  const rule = must(
    'rule',
    await call(p.app, 'POST', '/api/v1/training/rules', {
      token: staff,
      body: { courseId: course.id, areaId: base.community, role: 'grid_worker', dueDays: 10 },
    }),
    201,
  )
  const enrolment = await p.database.db
    .selectFrom('training_enrolment')
    .select('id')
    .where('course_id', '=', course.id)
    .where('user_id', '=', grid)
    .executeTakeFirstOrThrow()
  // A completed enrolment (the grid worker's own) for the certificate.
  const gridToken = await base.token(`${prefix}.grid`)
  for (const l of course.lessons)
    must(
      'lesson',
      await call(p.app, 'POST', `/api/v1/training/enrolments/${enrolment.id}/lessons/${l}/done`, { token: gridToken }),
      200,
    )
  must(
    'attempt',
    await call(p.app, 'POST', `/api/v1/training/enrolments/${enrolment.id}/attempts`, {
      token: gridToken,
      body: { answers: rightAnswers(course.questions) },
    }),
    201,
  )
  // A second course for hand enrolments and rules made by the probes.
  const other = await insertCourse(p, base.community, { title: `权限表课程二 ${prefix}` })
  return {
    community: base.community,
    course,
    other,
    rule: rule.rule.id as number,
    enrolment: enrolment.id,
    grid,
    staff: await userId(p, `${prefix}.staff`),
    mediator: await userId(p, `${prefix}.mediator`),
  }
}
type Data = Awaited<ReturnType<typeof fixture>>

const roleFor: Record<string, string> = {
  admin: 'admin',
  leader: 'leader',
  staff: 'staff',
  grid_worker: 'grid_worker',
  department_handler: 'department_handler',
  mediator: 'mediator',
}

/** The caller's own enrolment on the fixture's second course (made as the owner), so every learner can learn. */
async function ownEnrolment(p: TestPlatform, token: string | null, data: Data) {
  if (!token) return 0
  const me = await call(p.app, 'GET', '/api/v1/auth/me', { token })
  const id = me.body?.user?.id ?? me.body?.id
  if (typeof id !== 'number') return 0
  const existing = await p.database.db
    .selectFrom('training_enrolment')
    .select('id')
    .where('course_id', '=', data.other.id)
    .where('user_id', '=', id)
    .executeTakeFirst()
  if (existing) return existing.id
  const grant = await p.database.db
    .selectFrom('role_grant')
    .select(['area_id', 'role'])
    .where('user_id', '=', id)
    .executeTakeFirst()
  if (!grant || !roleFor[grant.role]) return 0
  const made = await p.database.db
    .insertInto('training_enrolment')
    .values({
      course_id: data.other.id,
      user_id: id,
      area_id: grant.area_id,
      district_id: grant.area_id,
      role: grant.role,
      assigned_at: p.clock.now(),
      due_at: new Date(p.clock.now().getTime() + 5 * 86_400_000),
    })
    .returning('id')
    .executeTakeFirstOrThrow()
  return made.id
}

export const own: OwnPart<Data> = {
  setup: (p, base) => fixture(p, base, 'guihua'),
  rows: {
    'GET /api/v1/training/rules': keepers,
    // A rule for the caller's own role on the community: made once per caller (its own role).
    'POST /api/v1/training/rules': keepers,
    'PATCH /api/v1/training/rules/:id': keepers,
    'POST /api/v1/training/enrolments': keepers,
    'GET /api/v1/training/enrolments': learners,
    // The grid worker's enrolment: the grid worker and the keepers over the community read it;
    // the street's handler and mediator are not the learner and keep nothing.
    'GET /api/v1/training/enrolments/:id': row('unauth', 'ok', 'ok', 'ok', 'ok', 'notFound', 'notFound', 'forbidden'),
    // Each caller's own enrolment on the second course.
    'POST /api/v1/training/enrolments/:id/lessons/:lessonId/done': learners,
    // Their own, before its lessons are done: 409 TRAINING_NOT_COMPLETED.
    'POST /api/v1/training/enrolments/:id/attempts': row(
      'unauth',
      'tried',
      'tried',
      'tried',
      'tried',
      'tried',
      'tried',
      'forbidden',
    ),
    'GET /api/v1/training/enrolments/:id/certificate': row(
      'unauth',
      'ok',
      'ok',
      'ok',
      'ok',
      'notFound',
      'notFound',
      'forbidden',
    ),
    'GET /api/v1/training/stats': keepers,
    'GET /api/v1/training/records/export': keepers,
  },
  probes: {
    'GET /api/v1/training/rules': ({ p, token, data }) =>
      call(p.app, 'GET', `/api/v1/training/rules?areaId=${data.community}`, { token }),
    'POST /api/v1/training/rules': ({ p, token, data, who }) =>
      call(p.app, 'POST', '/api/v1/training/rules', {
        token,
        body: { courseId: data.other.id, areaId: data.community, role: roleFor[who] ?? 'staff', dueDays: 7 },
      }),
    'PATCH /api/v1/training/rules/:id': ({ p, token, data }) =>
      call(p.app, 'PATCH', `/api/v1/training/rules/${data.rule}`, { token, body: { active: true } }),
    'POST /api/v1/training/enrolments': ({ p, token, data }) =>
      call(p.app, 'POST', '/api/v1/training/enrolments', {
        token,
        body: {
          courseId: data.other.id,
          userIds: [data.mediator],
          dueAt: new Date(p.clock.now().getTime() + 7 * 86_400_000).toISOString(),
        },
      }),
    'GET /api/v1/training/enrolments': ({ p, token }) =>
      call(p.app, 'GET', '/api/v1/training/enrolments?mine=true', { token }),
    'GET /api/v1/training/enrolments/:id': ({ p, token, data }) =>
      call(p.app, 'GET', `/api/v1/training/enrolments/${data.enrolment}`, { token }),
    'POST /api/v1/training/enrolments/:id/lessons/:lessonId/done': async ({ p, token, data }) => {
      const id = (await ownEnrolment(p, token, data)) || data.enrolment
      return call(p.app, 'POST', `/api/v1/training/enrolments/${id}/lessons/${data.other.lessons[0]}/done`, { token })
    },
    'POST /api/v1/training/enrolments/:id/attempts': async ({ p, token, data }) => {
      const id = (await ownEnrolment(p, token, data)) || data.enrolment
      return call(p.app, 'POST', `/api/v1/training/enrolments/${id}/attempts`, {
        token,
        body: { answers: rightAnswers(data.other.questions) },
      })
    },
    'GET /api/v1/training/enrolments/:id/certificate': ({ p, token, data }) =>
      call(p.app, 'GET', `/api/v1/training/enrolments/${data.enrolment}/certificate`, { token }),
    'GET /api/v1/training/stats': ({ p, token, data }) =>
      call(p.app, 'GET', `/api/v1/training/stats?areaId=${data.community}`, { token }),
    'GET /api/v1/training/records/export': ({ p, token, data }) =>
      call(p.app, 'GET', `/api/v1/training/records/export?areaId=${data.community}&format=csv`, { token }),
  },
}

const enrolmentRow = (p: TestPlatform, id: number) =>
  p.database.db.selectFrom('training_enrolment').selectAll().where('id', '=', id).executeTakeFirstOrThrow()
const ruleRow = (p: TestPlatform, id: number) =>
  p.database.db.selectFrom('training_rule').selectAll().where('id', '=', id).executeTakeFirstOrThrow()

export const scoping: ScopingPart<Data> = {
  setup: (p, base) => fixture(p, base, 'cuizhu'),
  probes: {
    'GET /api/v1/training/rules': async (p, token, d) => {
      const res = await call(p.app, 'GET', '/api/v1/training/rules?pageSize=500', { token })
      if (res.status !== 200) return denied(res.status)
      expect(res.body.items.map((x: { id: number }) => x.id)).not.toContain(d.rule)
    },
    'POST /api/v1/training/rules': async (p, token, d) => {
      const before = await p.database.db
        .selectFrom('training_rule')
        .select((e) => e.fn.countAll<number>().as('n'))
        .where('course_id', '=', d.other.id)
        .executeTakeFirstOrThrow()
      const res = await call(p.app, 'POST', '/api/v1/training/rules', {
        token,
        body: { courseId: d.other.id, areaId: d.community, role: 'mediator', dueDays: 7 },
      })
      denied(res.status)
      const after = await p.database.db
        .selectFrom('training_rule')
        .select((e) => e.fn.countAll<number>().as('n'))
        .where('course_id', '=', d.other.id)
        .executeTakeFirstOrThrow()
      expect(Number(after.n)).toBe(Number(before.n))
    },
    'PATCH /api/v1/training/rules/:id': (p, token, d) =>
      unchanged(
        () => ruleRow(p, d.rule),
        () => call(p.app, 'PATCH', `/api/v1/training/rules/${d.rule}`, { token, body: { active: false } }),
      ),
    'POST /api/v1/training/enrolments': async (p, token, d) => {
      const res = await call(p.app, 'POST', '/api/v1/training/enrolments', {
        token,
        body: {
          courseId: d.other.id,
          userIds: [d.mediator],
          dueAt: new Date(p.clock.now().getTime() + 7 * 86_400_000).toISOString(),
        },
      })
      // A keeper of A names B's mediator: 422 naming userIds (not theirs) or a denial; nothing made.
      expect([401, 403, 404, 422]).toContain(res.status)
      const made = await p.database.db
        .selectFrom('training_enrolment')
        .select('id')
        .where('course_id', '=', d.other.id)
        .where('user_id', '=', d.mediator)
        .execute()
      expect(made).toEqual([])
    },
    'GET /api/v1/training/enrolments': async (p, token, d) => {
      const res = await call(p.app, 'GET', '/api/v1/training/enrolments?pageSize=500', { token })
      if (res.status !== 200) return denied(res.status)
      expect(res.body.items.map((x: { id: number }) => x.id)).not.toContain(d.enrolment)
      const filtered = await call(p.app, 'GET', `/api/v1/training/enrolments?areaId=${d.community}`, { token })
      if (filtered.status === 200) expect(filtered.body.items).toEqual([])
      else denied(filtered.status)
    },
    'GET /api/v1/training/enrolments/:id': async (p, token, d) =>
      denied((await call(p.app, 'GET', `/api/v1/training/enrolments/${d.enrolment}`, { token })).status),
    'POST /api/v1/training/enrolments/:id/lessons/:lessonId/done': (p, token, d) =>
      unchanged(
        () => enrolmentRow(p, d.enrolment),
        () =>
          call(p.app, 'POST', `/api/v1/training/enrolments/${d.enrolment}/lessons/${d.course.lessons[0]}/done`, {
            token,
          }),
      ),
    'POST /api/v1/training/enrolments/:id/attempts': (p, token, d) =>
      unchanged(
        () => enrolmentRow(p, d.enrolment),
        () =>
          call(p.app, 'POST', `/api/v1/training/enrolments/${d.enrolment}/attempts`, {
            token,
            body: { answers: rightAnswers(d.course.questions) },
          }),
      ),
    'GET /api/v1/training/enrolments/:id/certificate': async (p, token, d) =>
      denied((await call(p.app, 'GET', `/api/v1/training/enrolments/${d.enrolment}/certificate`, { token })).status),
    'GET /api/v1/training/stats': async (p, token, d) =>
      denied((await call(p.app, 'GET', `/api/v1/training/stats?areaId=${d.community}`, { token })).status),
    'GET /api/v1/training/records/export': async (p, token, d) =>
      denied((await call(p.app, 'GET', `/api/v1/training/records/export?areaId=${d.community}`, { token })).status),
  },
}
