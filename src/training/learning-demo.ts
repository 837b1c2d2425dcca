import { sql } from 'kysely'
import type { Tx } from '../core/db.js'
import type { DemoCourses } from './courses-demo.js'
import { certificateNo } from './progress.js'

// Demo rules, enrolments, progress and attempts: the induction rule for the district's grid
// workers (every demo grid worker is enrolled, and every one granted later by the trigger), a
// rule of the mediation course for the district's mediators, and enrolments in every state —
// guihua.grid part-way through the induction, cuizhu.grid done with a certificate after a failed
// first try, one grid worker overdue, one passed after the deadline. `now` is the seed time.

const DAY = 86_400_000

export async function seedLearningDemo(tx: Tx, now: Date, courses: DemoCourses): Promise<Record<string, number>> {
  const at = (daysAgo: number) => new Date(now.getTime() - daysAgo * DAY)
  const byTitle = async (title: string) =>
    (
      await tx
        .selectFrom('training_course')
        .select('id')
        .where('title', '=', title)
        .where('status', '=', 'published')
        .executeTakeFirst()
    )?.id ?? null
  const induction = courses.induction ?? (await byTitle('网格员入职培训'))
  const mediation = await byTitle('矛盾纠纷调解实务')
  const district = await tx.selectFrom('area').select(['id', 'path']).where('code', '=', 'JZ-QH').executeTakeFirst()
  if (!induction || !district) return {}
  const leader = (await tx.selectFrom('app_user').select('id').where('username', '=', 'leader').executeTakeFirst())?.id

  /** A rule and the enrolment of every holder of its role below the district, assigned `daysAgo`. */
  const rule = async (courseId: number, role: string, dueDays: number, daysAgo: number) => {
    const r = await tx
      .insertInto('training_rule')
      .values({
        course_id: courseId,
        area_id: district.id,
        role,
        due_days: dueDays,
        created_by: leader ?? null,
        created_at: at(daysAgo),
      })
      .returning('id')
      .executeTakeFirstOrThrow()
    await sql`
      insert into training_enrolment (course_id, user_id, area_id, role, rule_id, assigned_by, assigned_at, due_at)
      select distinct on (g.user_id) ${courseId}::bigint, g.user_id, g.area_id, g.role, ${r.id}::bigint,
             ${leader ?? null}::integer, ${at(daysAgo)}::timestamptz, ${at(daysAgo - dueDays)}::timestamptz
      from role_grant g join area a on a.id = g.area_id join app_user u on u.id = g.user_id and u.status = 'active'
      where g.role = ${role} and a.path like ${`${district.path}%`}
      order by g.user_id, g.id
      on conflict (course_id, user_id) do nothing`.execute(tx)
    return r.id
  }
  await rule(induction, 'grid_worker', 14, 10)
  if (mediation) await rule(mediation, 'mediator', 30, 12)

  const lessonsOf = (courseId: number) =>
    tx
      .selectFrom('training_lesson')
      .select(['id', 'area_id'])
      .where('course_id', '=', courseId)
      .orderBy('position')
      .execute()
  const questionsOf = (courseId: number) =>
    tx
      .selectFrom('training_question')
      .select(['id', 'answer', 'options', 'kind', 'points'])
      .where('course_id', '=', courseId)
      .orderBy('position')
      .execute()
  const enrolmentOf = async (courseId: number, username: string) =>
    tx
      .selectFrom('training_enrolment as e')
      .innerJoin('app_user as u', 'u.id', 'e.user_id')
      .select(['e.id', 'e.area_id', 'e.due_at', 'e.assigned_at'])
      .where('e.course_id', '=', courseId)
      .where('u.username', '=', username)
      .executeTakeFirst()

  /** Lessons done from the first, a day apart from `fromDaysAgo`. */
  const doLessons = async (e: { id: number; area_id: number }, courseId: number, n: number, fromDaysAgo: number) => {
    const lessons = (await lessonsOf(courseId)).slice(0, n)
    for (const [i, l] of lessons.entries())
      await tx
        .insertInto('training_lesson_done')
        .values({ enrolment_id: e.id, lesson_id: l.id, area_id: e.area_id, done_at: at(fromDaysAgo - i * 0.1) })
        .onConflict((oc) => oc.doNothing())
        .execute()
    return lessons.length
  }
  /** An attempt: all right, or the first question wrong (the score computed as the route does). */
  const attempt = async (
    e: { id: number; area_id: number; due_at: Date | string | null },
    courseId: number,
    right: boolean,
    daysAgo: number,
    passMark: number,
  ) => {
    const qs = await questionsOf(courseId)
    if (qs.length === 0) return { score: 100, passed: true, late: false }
    const answers = qs.map((q, i) => {
      const options = (typeof q.options === 'string' ? JSON.parse(q.options) : q.options) as string[]
      const wrong = [options.findIndex((_, k) => !q.answer.includes(k))]
      return { questionId: q.id, choices: right || i > 0 ? [...q.answer] : wrong }
    })
    const total = qs.reduce((s, q) => s + q.points, 0)
    const won = qs.reduce((s, q, i) => s + (right || i > 0 ? q.points : 0), 0)
    // Two wrong when one is not enough to fail.
    let score = Math.floor((won * 100) / total)
    if (!right && score >= passMark && qs.length > 1) {
      const options = (typeof qs[1]!.options === 'string' ? JSON.parse(qs[1]!.options) : qs[1]!.options) as string[]
      answers[1] = { questionId: qs[1]!.id, choices: [options.findIndex((_, k) => !qs[1]!.answer.includes(k))] }
      score = Math.floor(((won - qs[1]!.points) * 100) / total)
    }
    const when = at(daysAgo)
    const late = e.due_at !== null && when.getTime() > new Date(e.due_at).getTime()
    const passed = score >= passMark
    await tx
      .insertInto('training_attempt')
      .values({
        enrolment_id: e.id,
        area_id: e.area_id,
        answers: JSON.stringify(answers),
        score,
        passed,
        late,
        submitted_at: when,
      })
      .execute()
    return { score, passed, late }
  }
  const passMarkOf = async (courseId: number) =>
    (await tx.selectFrom('training_course').select('pass_mark').where('id', '=', courseId).executeTakeFirstOrThrow())
      .pass_mark
  const complete = async (id: number, completedDaysAgo: number, best: number, late: boolean, startedDaysAgo: number) =>
    tx
      .updateTable('training_enrolment')
      .set({
        status: 'completed',
        started_at: at(startedDaysAgo),
        completed_at: at(completedDaysAgo),
        best_score: best,
        late,
        certificate_no: certificateNo(id, at(completedDaysAgo)),
      })
      .where('id', '=', id)
      .execute()

  const passMark = await passMarkOf(induction)
  const lessonCount = (await lessonsOf(induction)).length
  let attempts = 0

  // guihua.grid: part-way (two lessons done), due in four days.
  const guihua = await enrolmentOf(induction, 'guihua.grid')
  if (guihua) {
    await doLessons(guihua, induction, Math.min(2, lessonCount - 1), 3)
    await tx
      .updateTable('training_enrolment')
      .set({ status: 'in_progress', started_at: at(3) })
      .where('id', '=', guihua.id)
      .execute()
  }
  // cuizhu.grid: every lesson, failed once, then passed in time: a certificate.
  const cuizhu = await enrolmentOf(induction, 'cuizhu.grid')
  if (cuizhu) {
    await doLessons(cuizhu, induction, lessonCount, 8)
    await attempt(cuizhu, induction, false, 6, passMark)
    const pass = await attempt(cuizhu, induction, true, 5, passMark)
    attempts += 2
    await complete(cuizhu.id, 5, pass.score, false, 8)
  }
  // Two other grid workers: one overdue (assigned 20 days ago, nothing done), one passed late.
  const others = await tx
    .selectFrom('training_enrolment as e')
    .innerJoin('app_user as u', 'u.id', 'e.user_id')
    .select(['e.id', 'e.area_id', 'e.due_at'])
    .where('e.course_id', '=', induction)
    .where('u.username', 'not in', ['guihua.grid', 'cuizhu.grid'])
    .orderBy('e.id')
    .limit(2)
    .execute()
  const [overdue, late] = others
  if (overdue)
    await tx
      .updateTable('training_enrolment')
      .set({ assigned_at: at(20), due_at: at(6) })
      .where('id', '=', overdue.id)
      .execute()
  if (late) {
    await tx
      .updateTable('training_enrolment')
      .set({ assigned_at: at(25), due_at: at(11) })
      .where('id', '=', late.id)
      .execute()
    const e = { ...late, due_at: at(11) }
    await doLessons(e, induction, lessonCount, 9)
    const pass = await attempt(e, induction, true, 4, passMark)
    attempts += 1
    await complete(late.id, 4, pass.score, true, 9)
  }
  // guihua.mediator: the mediation course started.
  if (mediation) {
    const m = await enrolmentOf(mediation, 'guihua.mediator')
    if (m) {
      await doLessons(m, mediation, 1, 2)
      await tx
        .updateTable('training_enrolment')
        .set({ status: 'in_progress', started_at: at(2) })
        .where('id', '=', m.id)
        .execute()
    }
  }
  const enrolments = await tx
    .selectFrom('training_enrolment')
    .select((e) => e.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow()
  return { trainingRules: mediation ? 2 : 1, trainingEnrolments: Number(enrolments.n), trainingAttempts: attempts }
}
