import { sql } from 'kysely'
import { recordAudit } from '../audit/service.js'
import type { Tx } from '../core/db.js'
import { AppError, notFound } from '../core/errors.js'
import type { Input, Output } from '../core/http.js'
import { body, id, nullable, shape, timestamp } from '../core/schemas.js'
import { type RequestContext, requireActor } from '../core/scope.js'
import { lessonKinds, questionKinds } from './common.js'
import { enrolmentById, enrolmentSchema, enrolmentView } from './learning.js'

// The learner's side of an enrolment: the course with its lessons (done or not) and its quiz
// without the answers, marking a lesson done, and quiz attempts — scored by points, passed at the
// course's pass mark, recorded as late after the deadline (never refused). A pass, or the last
// lesson of a course without a quiz, completes the enrolment and issues its certificate number.

// ── Schemas ───────────────────────────────────────────────────────────────────────────────────

const lessonSchema = shape({
  id: { type: 'integer' },
  position: { type: 'integer' },
  title: { type: 'string' },
  kind: { type: 'string', enum: lessonKinds },
  body: { type: 'string' },
  mediaId: nullable('integer'),
  minutes: nullable('integer'),
  done: { type: 'boolean' },
  doneAt: { type: ['string', 'null'], format: 'date-time' },
})

const questionSchema = shape({
  id: { type: 'integer' },
  position: { type: 'integer' },
  kind: { type: 'string', enum: questionKinds },
  prompt: { type: 'string' },
  options: { type: 'array', items: { type: 'string' } },
  points: { type: 'integer' },
})

const attemptSchema = shape({
  id: { type: 'integer' },
  score: { type: 'integer' },
  passed: { type: 'boolean' },
  late: { type: 'boolean' },
  submittedAt: timestamp,
})

export const enrolmentDetailSchema = shape({
  ...enrolmentSchema.properties,
  summary: { type: 'string' },
  lessonList: { type: 'array', items: lessonSchema, description: 'The lessons in order, with done flags' },
  questionList: {
    type: 'array',
    items: questionSchema,
    description: 'The quiz without its answers (they come back with an attempt’s result)',
  },
  attempts: { type: 'array', items: attemptSchema, description: 'Newest first' },
})
export type EnrolmentDetail = Output<typeof enrolmentDetailSchema>

export const lessonParams = {
  type: 'object',
  additionalProperties: false,
  required: ['id', 'lessonId'],
  properties: { id, lessonId: id },
} as const

export const attemptBody = body(['answers'], {
  answers: {
    type: 'array',
    minItems: 1,
    maxItems: 200,
    items: {
      type: 'object',
      additionalProperties: false,
      required: ['questionId', 'choices'],
      properties: {
        questionId: id,
        choices: {
          type: 'array',
          minItems: 1,
          maxItems: 8,
          uniqueItems: true,
          items: { type: 'integer', minimum: 0, maximum: 7 },
          description: 'Indexes of the chosen options',
        },
      },
    },
  },
})
export type AttemptInput = Input<typeof attemptBody>

export const attemptResultSchema = shape({
  attempt: attemptSchema,
  results: {
    type: 'array',
    items: shape({
      questionId: { type: 'integer' },
      correct: { type: 'boolean' },
      choices: { type: 'array', items: { type: 'integer' } },
      answer: { type: 'array', items: { type: 'integer' } },
      explanation: { type: 'string' },
      points: { type: 'integer' },
    }),
  },
  enrolment: enrolmentSchema,
})
export type AttemptResult = Output<typeof attemptResultSchema>

// ── Reading ───────────────────────────────────────────────────────────────────────────────────

export async function enrolmentDetail(
  tx: Tx,
  ctx: RequestContext,
  enrolmentId: number,
  now: Date,
): Promise<EnrolmentDetail> {
  requireActor(ctx)
  const e = await enrolmentById(tx, ctx, enrolmentId, now)
  const course = await tx
    .selectFrom('training_course')
    .select(['summary'])
    .where('id', '=', e.course_id)
    .executeTakeFirst()
  const lessons = await tx
    .selectFrom('training_lesson as l')
    .leftJoin('training_lesson_done as d', (j) => j.onRef('d.lesson_id', '=', 'l.id').on('d.enrolment_id', '=', e.id))
    .select(['l.id', 'l.position', 'l.title', 'l.kind', 'l.body', 'l.media_id', 'l.minutes', 'd.done_at'])
    .where('l.course_id', '=', e.course_id)
    .orderBy('l.position')
    .execute()
  const questions = await tx
    .selectFrom('training_question')
    .select(['id', 'position', 'kind', 'prompt', 'options', 'points'])
    .where('course_id', '=', e.course_id)
    .orderBy('position')
    .execute()
  const attempts = await tx
    .selectFrom('training_attempt')
    .select(['id', 'score', 'passed', 'late', 'submitted_at'])
    .where('enrolment_id', '=', e.id)
    .orderBy('submitted_at', 'desc')
    .orderBy('id', 'desc')
    .limit(100)
    .execute()
  return {
    ...enrolmentView(e, ctx),
    summary: course?.summary ?? '',
    lessonList: lessons.map((l) => ({
      id: l.id,
      position: l.position,
      title: l.title,
      kind: l.kind as (typeof lessonKinds)[number],
      body: l.body,
      mediaId: l.media_id,
      minutes: l.minutes,
      done: l.done_at !== null,
      doneAt: l.done_at === null ? null : new Date(l.done_at).toISOString(),
    })),
    questionList: questions.map((q) => ({
      id: q.id,
      position: q.position,
      kind: q.kind as (typeof questionKinds)[number],
      prompt: q.prompt,
      options: (typeof q.options === 'string' ? JSON.parse(q.options) : q.options) as string[],
      points: q.points,
    })),
    attempts: attempts.map((a) => ({
      id: a.id,
      score: a.score,
      passed: a.passed,
      late: a.late,
      submittedAt: new Date(a.submitted_at).toISOString(),
    })),
  }
}

// ── Learning ──────────────────────────────────────────────────────────────────────────────────

/** The caller's own open (or completed) enrolment, locked for the change; keepers read but do not learn. */
async function ownEnrolment(tx: Tx, ctx: RequestContext, enrolmentId: number) {
  const actor = requireActor(ctx)
  const e = await tx
    .selectFrom('training_enrolment')
    .selectAll()
    .where('id', '=', enrolmentId)
    .forUpdate()
    .executeTakeFirst()
  if (!e) throw notFound('TRAINING_ENROLMENT_NOT_FOUND', `enrolment ${enrolmentId}`)
  if (e.user_id !== actor.userId) throw new AppError('FORBIDDEN', 'only the learner takes the course')
  if (e.status === 'withdrawn') throw new AppError('CONFLICT', 'the enrolment was withdrawn')
  return e
}

/** PX-<year>-<6 digits>: unique by the enrolment's id. */
export const certificateNo = (enrolmentId: number, now: Date) =>
  `PX-${new Date(now.getTime() + 8 * 3_600_000).getUTCFullYear()}-${String(enrolmentId).padStart(6, '0')}`

export async function markLessonDone(
  tx: Tx,
  ctx: RequestContext,
  enrolmentId: number,
  lessonId: number,
  now: Date,
): Promise<EnrolmentDetail> {
  const e = await ownEnrolment(tx, ctx, enrolmentId)
  const lesson = await tx
    .selectFrom('training_lesson')
    .select(['id', 'area_id'])
    .where('id', '=', lessonId)
    .where('course_id', '=', e.course_id)
    .executeTakeFirst()
  if (!lesson) throw notFound('TRAINING_LESSON_NOT_FOUND', `lesson ${lessonId} of the course`, 'lessonId')
  const added = await tx
    .insertInto('training_lesson_done')
    .values({ enrolment_id: e.id, lesson_id: lesson.id, area_id: e.area_id, done_at: now })
    .onConflict((oc) => oc.columns(['enrolment_id', 'lesson_id']).doNothing())
    .returning('lesson_id')
    .executeTakeFirst()
  if (added && e.status !== 'completed') {
    const { rows } = await sql<{ left: number | string; questions: number | string }>`
      select (select count(*) from training_lesson l where l.course_id = ${e.course_id}
                and not exists (select 1 from training_lesson_done d where d.enrolment_id = ${e.id} and d.lesson_id = l.id)) as left,
             (select count(*) from training_question q where q.course_id = ${e.course_id}) as questions`.execute(tx)
    const complete = Number(rows[0]!.left) === 0 && Number(rows[0]!.questions) === 0
    const late = e.due_at !== null && now.getTime() > new Date(e.due_at).getTime()
    await tx
      .updateTable('training_enrolment')
      .set({
        status: complete ? 'completed' : 'in_progress',
        started_at: e.started_at ?? now,
        ...(complete ? { completed_at: now, late, certificate_no: certificateNo(e.id, now) } : {}),
        version: e.version + 1,
      })
      .where('id', '=', e.id)
      .execute()
    if (complete)
      await recordAudit(tx, ctx, {
        action: 'training.complete',
        entityType: 'training_enrolment',
        entityId: e.id,
        areaId: e.area_id,
        detail: { late },
      })
  }
  return enrolmentDetail(tx, ctx, e.id, now)
}

const sameSet = (a: readonly number[], b: readonly number[]) =>
  a.length === b.length && [...a].sort().join(',') === [...b].sort().join(',')

export async function submitAttempt(
  tx: Tx,
  ctx: RequestContext,
  enrolmentId: number,
  input: AttemptInput,
  now: Date,
): Promise<AttemptResult> {
  const e = await ownEnrolment(tx, ctx, enrolmentId)
  const { rows: left } = await sql<{ n: number | string }>`
    select count(*) as n from training_lesson l where l.course_id = ${e.course_id}
      and not exists (select 1 from training_lesson_done d where d.enrolment_id = ${e.id} and d.lesson_id = l.id)`.execute(
    tx,
  )
  if (Number(left[0]!.n) > 0)
    throw new AppError('TRAINING_NOT_COMPLETED', 'finish every lesson before the quiz', 'lessons')
  const course = await tx
    .selectFrom('training_course')
    .select(['pass_mark'])
    .where('id', '=', e.course_id)
    .executeTakeFirstOrThrow()
  const questions = await tx
    .selectFrom('training_question')
    .select(['id', 'kind', 'options', 'answer', 'explanation', 'points'])
    .where('course_id', '=', e.course_id)
    .orderBy('position')
    .execute()
  if (questions.length === 0) throw new AppError('TRAINING_ANSWERS_INVALID', 'the course has no quiz', 'answers')
  // Every question answered once, with choices among its options (one for single and true/false).
  const byId = new Map(questions.map((q) => [q.id, q]))
  const seen = new Set<number>()
  for (const [i, a] of input.answers.entries()) {
    const q = byId.get(a.questionId)
    if (!q || seen.has(a.questionId))
      throw new AppError(
        'TRAINING_ANSWERS_INVALID',
        q ? 'the question is answered twice' : 'not a question of this quiz',
        `answers[${i}].questionId`,
      )
    seen.add(a.questionId)
    const options = (typeof q.options === 'string' ? JSON.parse(q.options) : q.options) as string[]
    if (a.choices.some((c) => c >= options.length))
      throw new AppError('TRAINING_ANSWERS_INVALID', 'a choice the question does not offer', `answers[${i}].choices`)
    if (q.kind !== 'multiple' && a.choices.length !== 1)
      throw new AppError('TRAINING_ANSWERS_INVALID', 'choose exactly one option', `answers[${i}].choices`)
  }
  if (seen.size !== questions.length)
    throw new AppError(
      'TRAINING_ANSWERS_INVALID',
      `${questions.length - seen.size} question(s) not answered`,
      'answers',
      {},
      { missing: questions.filter((q) => !seen.has(q.id)).map((q) => q.id) },
    )
  const given = new Map(input.answers.map((a) => [a.questionId, a.choices]))
  const results = questions.map((q) => {
    const choices = given.get(q.id)!
    return {
      questionId: q.id,
      correct: sameSet(choices, q.answer),
      choices: [...choices],
      answer: [...q.answer],
      explanation: q.explanation,
      points: q.points,
    }
  })
  const total = questions.reduce((s, q) => s + q.points, 0)
  const won = results.reduce((s, r) => s + (r.correct ? r.points : 0), 0)
  const score = Math.floor((won * 100) / total)
  const passed = score >= course.pass_mark
  const late = e.due_at !== null && now.getTime() > new Date(e.due_at).getTime()
  const attempt = await tx
    .insertInto('training_attempt')
    .values({
      enrolment_id: e.id,
      area_id: e.area_id,
      answers: JSON.stringify(input.answers),
      score,
      passed,
      late,
      submitted_at: now,
    })
    .returning(['id'])
    .executeTakeFirstOrThrow()
  const completes = passed && e.status !== 'completed'
  await tx
    .updateTable('training_enrolment')
    .set({
      best_score: Math.max(score, e.best_score ?? 0),
      started_at: e.started_at ?? now,
      ...(e.status === 'assigned' ? { status: 'in_progress' as const } : {}),
      ...(completes
        ? { status: 'completed' as const, completed_at: now, late, certificate_no: certificateNo(e.id, now) }
        : {}),
      version: e.version + 1,
    })
    .where('id', '=', e.id)
    .execute()
  await recordAudit(tx, ctx, {
    action: completes ? 'training.complete' : 'training.attempt',
    entityType: 'training_enrolment',
    entityId: e.id,
    areaId: e.area_id,
    detail: { attemptId: attempt.id, score, passed, late },
  })
  return {
    attempt: { id: attempt.id, score, passed, late, submittedAt: now.toISOString() },
    results,
    enrolment: enrolmentView(await enrolmentById(tx, ctx, e.id, now), ctx),
  }
}
