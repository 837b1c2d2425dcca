import { sql } from 'kysely'
import { recordAudit } from '../audit/service.js'
import type { Tx } from '../core/db.js'
import { AppError, notFound, versionConflict } from '../core/errors.js'
import type { Input, Output } from '../core/http.js'
import { offsetOf, pageQuerySchema, paginate } from '../core/paging.js'
import { body, id, nullable, orNull, shape, timestamp } from '../core/schemas.js'
import { requireActor, type RequestContext } from '../core/scope.js'
import { areaRefSchema } from '../jurisdiction/service.js'
import {
  courseStatuses,
  courseTopics,
  type LessonKind,
  lessonKinds,
  mediaTypes,
  questionKinds,
  keepsTraining,
  requireTrainingKeeper,
} from './common.js'

// Courses (课程): the catalogue, a course's lessons (text, or a file of the media store) and its
// quiz. Read by every staff role on the course's branch of the area tree (row-level security),
// written by the keepers over its area. Learners never receive a question's answer here: the
// learning part serves the quiz and marks it.

const version = { type: 'integer', minimum: 1, maximum: 2147483647 } as const
type CourseStatus = (typeof courseStatuses)[number]
type QuestionKind = (typeof questionKinds)[number]

// ── Schemas ───────────────────────────────────────────────────────────────────────────────────

const title = { type: 'string', minLength: 2, maxLength: 200 } as const
const summary = { type: 'string', maxLength: 2000 } as const
const passMark = {
  type: 'integer',
  minimum: 0,
  maximum: 100,
  description: 'The share of the quiz points (percent) that passes; 0: the lessons alone complete the course',
} as const
const courseMinutes = { type: 'integer', minimum: 1, maximum: 6000 } as const

export const courseQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    ...pageQuerySchema,
    areaId: { ...id, description: 'Courses on this area’s branch: the area, the areas above it and below it' },
    topic: { type: 'string', enum: courseTopics },
    status: { type: 'string', enum: courseStatuses, description: 'Drafts and archived courses: the keepers’ only' },
    q: { type: 'string', minLength: 1, maxLength: 100, description: 'Title contains' },
  },
} as const
export type CourseFilter = Input<typeof courseQuery>

export const newCourseBody = body(['areaId', 'title', 'topic'], {
  areaId: { ...id, description: 'The area whose staff (and below) the course is for' },
  title,
  summary,
  topic: { type: 'string', enum: courseTopics },
  passMark: { ...passMark, default: 60 },
  minutes: courseMinutes,
})
export type NewCourse = Input<typeof newCourseBody>

export const coursePatchBody = body(['version'], {
  version,
  title,
  summary,
  topic: { type: 'string', enum: courseTopics },
  passMark,
  minutes: { type: ['integer', 'null'], minimum: 1, maximum: 6000 },
  status: {
    type: 'string',
    enum: courseStatuses,
    description:
      'draft→published (at least one lesson; a pass mark above 0 needs a question), published→archived, archived→published',
  },
})
export type CoursePatch = Input<typeof coursePatchBody>

const lessonTitle = { type: 'string', minLength: 1, maxLength: 200 } as const
const lessonBody = { type: 'string', maxLength: 50000 } as const
const lessonMinutes = { type: 'integer', minimum: 1, maximum: 600 } as const
const position = { type: 'integer', minimum: 1, maximum: 500 } as const

export const newLessonBody = body(['title', 'kind'], {
  title: lessonTitle,
  kind: { type: 'string', enum: lessonKinds },
  body: { ...lessonBody, description: 'The text of a text lesson; a caption or note for a file' },
  mediaId: { ...id, description: 'The file (POST /api/v1/training/media) of an image, pdf or video lesson' },
  minutes: lessonMinutes,
  position: { ...position, description: 'Where to insert it (1 = first); default: after the last' },
})
export type NewLesson = Input<typeof newLessonBody>

export const lessonPatchBody = body([], {
  title: lessonTitle,
  kind: { type: 'string', enum: lessonKinds },
  body: lessonBody,
  mediaId: { type: ['integer', 'null'], minimum: 1, maximum: 2147483647 },
  minutes: { type: ['integer', 'null'], minimum: 1, maximum: 600 },
  position: { ...position, description: 'Move it there; the others between are renumbered' },
})
export type LessonPatch = Input<typeof lessonPatchBody>

const options = {
  type: 'array',
  minItems: 2,
  maxItems: 8,
  items: { type: 'string', minLength: 1, maxLength: 500 },
  description: 'The choices (2–8; true_false exactly 2)',
} as const
const answer = {
  type: 'array',
  minItems: 1,
  maxItems: 8,
  items: { type: 'integer', minimum: 0, maximum: 7 },
  description: 'The indexes (from 0) of the right options: one for single and true_false, one or more for multiple',
} as const

export const newQuestionBody = body(['kind', 'prompt', 'options', 'answer'], {
  kind: { type: 'string', enum: questionKinds },
  prompt: { type: 'string', minLength: 1, maxLength: 2000 },
  options,
  answer,
  points: { type: 'integer', minimum: 1, maximum: 100, default: 1 },
  explanation: { type: 'string', maxLength: 2000 },
  position: { type: 'integer', minimum: 1, maximum: 200 },
})
export type NewQuestion = Input<typeof newQuestionBody>

export const questionPatchBody = body([], {
  kind: { type: 'string', enum: questionKinds },
  prompt: { type: 'string', minLength: 1, maxLength: 2000 },
  options,
  answer,
  points: { type: 'integer', minimum: 1, maximum: 100 },
  explanation: { type: 'string', maxLength: 2000 },
  position: { type: 'integer', minimum: 1, maximum: 200 },
})
export type QuestionPatch = Input<typeof questionPatchBody>

export const courseItemSchema = shape({
  id: { type: 'integer' },
  area: areaRefSchema,
  title: { type: 'string' },
  summary: { type: 'string' },
  topic: { type: 'string', enum: courseTopics },
  status: { type: 'string', enum: courseStatuses },
  passMark: { type: 'integer' },
  minutes: nullable('integer'),
  lessonCount: { type: 'integer' },
  questionCount: { type: 'integer' },
  publishedAt: { type: ['string', 'null'], format: 'date-time' },
  version: { type: 'integer' },
  updatedAt: timestamp,
  canEdit: { type: 'boolean', description: 'The caller keeps the course’s area' },
})
export type CourseItem = Output<typeof courseItemSchema>

export const mediaRefSchema = shape({
  id: { type: 'integer' },
  contentType: { type: 'string' },
  size: { type: 'integer' },
  fileName: { type: 'string' },
})

export const lessonSchema = shape({
  id: { type: 'integer' },
  courseId: { type: 'integer' },
  position: { type: 'integer' },
  title: { type: 'string' },
  kind: { type: 'string', enum: lessonKinds },
  body: { type: 'string' },
  media: orNull(mediaRefSchema),
  minutes: nullable('integer'),
})
export type LessonView = Output<typeof lessonSchema>

export const questionSchema = shape({
  id: { type: 'integer' },
  courseId: { type: 'integer' },
  position: { type: 'integer' },
  kind: { type: 'string', enum: questionKinds },
  prompt: { type: 'string' },
  options: { type: 'array', items: { type: 'string' } },
  answer: { type: 'array', items: { type: 'integer' } },
  explanation: { type: 'string' },
  points: { type: 'integer' },
})
export type QuestionView = Output<typeof questionSchema>

export const courseDetailSchema = shape({
  ...courseItemSchema.properties,
  lessons: { type: 'array', items: lessonSchema },
  questions: {
    type: 'array',
    items: questionSchema,
    description:
      'The quiz with its answers: for the keepers over the course’s area only (others: empty, see questionCount)',
  },
})
export type CourseDetail = Output<typeof courseDetailSchema>

// ── Rows ──────────────────────────────────────────────────────────────────────────────────────

type CourseRow = {
  id: number
  area_id: number
  area_code: string
  area_name_zh: string
  area_name_en: string
  area_path: string
  title: string
  summary: string
  topic: (typeof courseTopics)[number]
  status: CourseStatus
  pass_mark: number
  minutes: number | null
  lessons: number
  questions: number
  published_at: Date | null
  version: number
  updated_at: Date
}

const courseSelect = sql`select c.id, c.area_id, a.code as area_code, a.name_zh as area_name_zh,
  a.name_en as area_name_en, a.path as area_path, c.title, c.summary, c.topic, c.status, c.pass_mark, c.minutes,
  (select count(*) from training_lesson l where l.course_id = c.id)::int as lessons,
  (select count(*) from training_question q where q.course_id = c.id)::int as questions,
  c.published_at, c.version, c.updated_at
  from training_course c join area a on a.id = c.area_id`

const iso = (d: Date | string) => new Date(d).toISOString()
const keeps = keepsTraining

function presentCourse(ctx: RequestContext, r: CourseRow): CourseItem {
  return {
    id: Number(r.id),
    area: { id: r.area_id, code: r.area_code, nameZh: r.area_name_zh, nameEn: r.area_name_en },
    title: r.title,
    summary: r.summary,
    topic: r.topic,
    status: r.status,
    passMark: r.pass_mark,
    minutes: r.minutes,
    lessonCount: r.lessons,
    questionCount: r.questions,
    publishedAt: r.published_at ? iso(r.published_at) : null,
    version: r.version,
    updatedAt: iso(r.updated_at),
    canEdit: keeps(ctx, r.area_path),
  }
}

type LessonRow = {
  id: number
  course_id: number
  position: number
  title: string
  kind: LessonKind
  body: string
  media_id: number | null
  content_type: string | null
  size: number | null
  file_name: string | null
  minutes: number | null
}
const lessonSelect = sql`select l.id, l.course_id, l.position, l.title, l.kind, l.body, l.media_id, m.content_type,
  m.size, m.file_name, l.minutes from training_lesson l left join training_media m on m.id = l.media_id`

const presentLesson = (r: LessonRow): LessonView => ({
  id: Number(r.id),
  courseId: Number(r.course_id),
  position: r.position,
  title: r.title,
  kind: r.kind,
  body: r.body,
  media:
    r.media_id === null
      ? null
      : { id: Number(r.media_id), contentType: r.content_type ?? '', size: r.size ?? 0, fileName: r.file_name ?? '' },
  minutes: r.minutes,
})

type QuestionRow = {
  id: number
  course_id: number
  position: number
  kind: QuestionKind
  prompt: string
  options: string[]
  answer: number[]
  explanation: string
  points: number
}
const questionSelect = sql`select id, course_id, position, kind, prompt, options, answer, explanation, points
  from training_question`

const presentQuestion = (r: QuestionRow): QuestionView => ({
  id: Number(r.id),
  courseId: Number(r.course_id),
  position: r.position,
  kind: r.kind,
  prompt: r.prompt,
  options: typeof r.options === 'string' ? JSON.parse(r.options) : r.options,
  answer: r.answer.map(Number),
  explanation: r.explanation,
  points: r.points,
})

// ── Helpers ───────────────────────────────────────────────────────────────────────────────────

const invalid = (field: string, message: string) => new AppError('TRAINING_COURSE_INVALID', message, field)
const mediaInvalid = (message: string) => new AppError('TRAINING_MEDIA_INVALID', message, 'mediaId')

const requireKeeper = (ctx: RequestContext, path: string) =>
  requireTrainingKeeper(ctx, path, 'only the admins, leaders and staff over the course’s area write it')

const conflict = (current: number) => versionConflict('TRAINING_VERSION_CONFLICT', 'course', current)

/** A course the caller reads; drafts only to its keepers (to others it does not exist). */
async function loadCourse(tx: Tx, ctx: RequestContext, courseId: number, field = 'id'): Promise<CourseRow> {
  const { rows } = await sql<CourseRow>`${courseSelect} where c.id = ${courseId}`.execute(tx)
  const c = rows[0]
  if (!c || (c.status === 'draft' && !keeps(ctx, c.area_path)))
    throw notFound('TRAINING_COURSE_NOT_FOUND', `course ${courseId}`, field)
  return c
}

/** A course the caller keeps: 404 when they cannot see it, 403 when they only read it. */
async function keptCourse(tx: Tx, ctx: RequestContext, courseId: number) {
  const c = await loadCourse(tx, ctx, courseId)
  const actor = requireKeeper(ctx, c.area_path)
  return { course: c, actor }
}

/** Lessons and questions change the course: its version and updated_at move (an open editor sees it). */
async function touchCourse(tx: Tx, courseId: number, now: Date) {
  await sql`update training_course set version = version + 1, updated_at = ${now} where id = ${courseId}`.execute(tx)
}

// ── Courses ───────────────────────────────────────────────────────────────────────────────────

/** The catalogue: published courses on the caller's branch; the keepers also their areas' drafts and archive. */
export async function listCourses(tx: Tx, ctx: RequestContext, q: CourseFilter) {
  requireActor(ctx)
  const page = { page: q.page ?? 1, pageSize: q.pageSize ?? 50 }
  let path: string | null = null
  if (q.areaId !== undefined) {
    const a = await tx.selectFrom('area').select('path').where('id', '=', q.areaId).executeTakeFirst()
    if (!a) throw notFound('AREA_NOT_FOUND', `area ${q.areaId}`, 'areaId')
    path = a.path
  }
  const where = sql`(c.status = 'published' or c.area_id in (select app_training_area_ids(true)))
    ${path ? sql`and (a.path like ${path} || '%' or ${path} like a.path || '%')` : sql``}
    ${q.topic ? sql`and c.topic = ${q.topic}` : sql``}
    ${q.status ? sql`and c.status = ${q.status}` : sql``}
    ${q.q ? sql`and position(lower(${q.q}) in lower(c.title)) > 0` : sql``}`
  const { rows: count } = await sql<{ n: number }>`select count(*)::int as n
    from training_course c join area a on a.id = c.area_id where ${where}`.execute(tx)
  const { rows } = await sql<CourseRow>`${courseSelect} where ${where}
    order by case c.status when 'draft' then 0 when 'published' then 1 else 2 end, c.updated_at desc, c.id desc
    limit ${page.pageSize} offset ${offsetOf(page)}`.execute(tx)
  return paginate(
    page,
    rows.map((r) => presentCourse(ctx, r)),
    count[0]?.n ?? 0,
  )
}

/** A course with its lessons, and its quiz with the answers for its keepers. */
export async function courseDetail(tx: Tx, ctx: RequestContext, courseId: number): Promise<CourseDetail> {
  requireActor(ctx)
  const c = await loadCourse(tx, ctx, courseId)
  const { rows: lessons } = await sql<LessonRow>`${lessonSelect} where l.course_id = ${c.id}
    order by l.position`.execute(tx)
  const questions = keeps(ctx, c.area_path)
    ? (await sql<QuestionRow>`${questionSelect} where course_id = ${c.id} order by position`.execute(tx)).rows
    : []
  return {
    ...presentCourse(ctx, c),
    lessons: lessons.map(presentLesson),
    questions: questions.map(presentQuestion),
  }
}

export async function createCourse(tx: Tx, ctx: RequestContext, input: NewCourse, now: Date) {
  const area = await tx.selectFrom('area').select(['id', 'path']).where('id', '=', input.areaId).executeTakeFirst()
  if (!area) throw notFound('AREA_NOT_FOUND', `area ${input.areaId}`, 'areaId')
  const actor = requireKeeper(ctx, area.path)
  const made = await tx
    .insertInto('training_course')
    .values({
      area_id: area.id,
      title: input.title,
      summary: input.summary ?? '',
      topic: input.topic,
      pass_mark: input.passMark ?? 60,
      minutes: input.minutes ?? null,
      status: 'draft',
      created_by: actor.userId,
      created_at: now,
      updated_at: now,
    })
    .returning('id')
    .executeTakeFirstOrThrow()
  await recordAudit(tx, ctx, {
    action: 'training.course.create',
    entityType: 'training_course',
    entityId: made.id,
    areaId: area.id,
    detail: { title: input.title, topic: input.topic },
  })
  return courseDetail(tx, ctx, Number(made.id))
}

const transitions: Record<CourseStatus, CourseStatus[]> = {
  draft: ['published'],
  published: ['archived'],
  archived: ['published'],
}

export async function updateCourse(tx: Tx, ctx: RequestContext, courseId: number, input: CoursePatch, now: Date) {
  const { course: c } = await keptCourse(tx, ctx, courseId)
  if (c.version !== input.version) throw conflict(c.version)
  const status = input.status ?? c.status
  if (status !== c.status && !transitions[c.status].includes(status))
    throw new AppError(
      'TRAINING_COURSE_ILLEGAL_TRANSITION',
      `a ${c.status} course cannot become ${status}`,
      'status',
      {},
      { status: c.status, allowed: transitions[c.status] },
    )
  const mark = input.passMark ?? c.pass_mark
  // What a learner meets must be whole: lessons to learn, and questions when a mark must be reached.
  if (status === 'published') {
    if (c.lessons === 0) throw invalid('status', 'a course is published with at least one lesson')
    if (mark > 0 && c.questions === 0)
      throw invalid(
        input.passMark !== undefined ? 'passMark' : 'status',
        'a pass mark above 0 needs at least one quiz question (or set the pass mark to 0)',
      )
  }
  const changed = await tx
    .updateTable('training_course')
    .set({
      ...(input.title !== undefined ? { title: input.title } : {}),
      ...(input.summary !== undefined ? { summary: input.summary } : {}),
      ...(input.topic !== undefined ? { topic: input.topic } : {}),
      ...(input.minutes !== undefined ? { minutes: input.minutes } : {}),
      pass_mark: mark,
      status,
      ...(status === 'published' && c.status === 'draft' ? { published_at: now } : {}),
      updated_at: now,
      version: c.version + 1,
    })
    .where('id', '=', c.id)
    .where('version', '=', c.version)
    .returning('id')
    .executeTakeFirst()
  if (!changed) throw conflict(c.version + 1)
  const { version: _v, ...fields } = input
  await recordAudit(tx, ctx, {
    action:
      status === c.status
        ? 'training.course.update'
        : status === 'published'
          ? 'training.course.publish'
          : 'training.course.archive',
    entityType: 'training_course',
    entityId: c.id,
    areaId: c.area_id,
    detail: { fields: Object.keys(fields), from: c.status, status },
  })
  return courseDetail(tx, ctx, c.id)
}

// ── Lessons ───────────────────────────────────────────────────────────────────────────────────

/** A lesson's file: present for a file lesson, absent for text, of the lesson's kind and the course's area. */
async function checkMedia(tx: Tx, kind: LessonKind, mediaId: number | null, areaId: number) {
  if (kind === 'text') {
    if (mediaId !== null) throw mediaInvalid('a text lesson has no file')
    return
  }
  if (mediaId === null) throw mediaInvalid(`a ${kind} lesson needs its file (mediaId)`)
  const m = await tx
    .selectFrom('training_media')
    .select(['content_type', 'area_id'])
    .where('id', '=', mediaId)
    .executeTakeFirst()
  if (!m) throw mediaInvalid(`no file ${mediaId}`)
  if (!(mediaTypes[kind] as readonly string[]).includes(m.content_type))
    throw mediaInvalid(`file ${mediaId} is ${m.content_type}, not a ${kind}`)
  if (m.area_id !== areaId) throw mediaInvalid(`file ${mediaId} belongs to another area than the course`)
}

type LessonBase = {
  id: number
  course_id: number
  area_id: number
  position: number
  kind: LessonKind
  media_id: number | null
}

async function loadLesson(tx: Tx, ctx: RequestContext, lessonId: number) {
  const l = (await tx
    .selectFrom('training_lesson')
    .select(['id', 'course_id', 'area_id', 'position', 'kind', 'media_id'])
    .where('id', '=', lessonId)
    .executeTakeFirst()) as LessonBase | undefined
  if (!l) throw notFound('TRAINING_LESSON_NOT_FOUND', `lesson ${lessonId}`, 'id')
  try {
    return { lesson: l, ...(await keptCourse(tx, ctx, Number(l.course_id))) }
  } catch (e) {
    // A draft's lesson does not exist for those who cannot see the draft.
    if (e instanceof AppError && e.code === 'TRAINING_COURSE_NOT_FOUND')
      throw notFound('TRAINING_LESSON_NOT_FOUND', `lesson ${lessonId}`, 'id')
    throw e
  }
}

async function lessonView(tx: Tx, lessonId: number): Promise<LessonView> {
  const { rows } = await sql<LessonRow>`${lessonSelect} where l.id = ${lessonId}`.execute(tx)
  return presentLesson(rows[0]!)
}

/**
 * Moves the items of a course between positions `from` and `to` one step (the unique position is
 * checked at commit, so the rows may pass each other meanwhile). `from = null`: an item comes in at
 * `to`; `to = null`: the item at `from` leaves.
 */
async function shift(
  tx: Tx,
  table: 'training_lesson' | 'training_question',
  courseId: number,
  from: number | null,
  to: number | null,
) {
  const t = sql.table(table)
  if (from === null && to !== null)
    await sql`update ${t} set position = position + 1 where course_id = ${courseId} and position >= ${to}`.execute(tx)
  else if (to === null && from !== null)
    await sql`update ${t} set position = position - 1 where course_id = ${courseId} and position > ${from}`.execute(tx)
  else if (from !== null && to !== null && to < from)
    await sql`update ${t} set position = position + 1
      where course_id = ${courseId} and position >= ${to} and position < ${from}`.execute(tx)
  else if (from !== null && to !== null && to > from)
    await sql`update ${t} set position = position - 1
      where course_id = ${courseId} and position > ${from} and position <= ${to}`.execute(tx)
}

export async function addLesson(tx: Tx, ctx: RequestContext, courseId: number, input: NewLesson, now: Date) {
  const { course: c } = await keptCourse(tx, ctx, courseId)
  if (c.lessons >= 500) throw invalid('position', 'a course has at most 500 lessons')
  const at = input.position ?? c.lessons + 1
  if (at > c.lessons + 1)
    throw invalid('position', `the course has ${c.lessons} lessons: a new one goes at 1–${c.lessons + 1}`)
  await checkMedia(tx, input.kind, input.mediaId ?? null, c.area_id)
  await shift(tx, 'training_lesson', c.id, null, at)
  const made = await tx
    .insertInto('training_lesson')
    .values({
      course_id: c.id,
      area_id: c.area_id,
      position: at,
      title: input.title,
      kind: input.kind,
      body: input.body ?? '',
      media_id: input.mediaId ?? null,
      minutes: input.minutes ?? null,
      created_at: now,
      updated_at: now,
    })
    .returning('id')
    .executeTakeFirstOrThrow()
  await touchCourse(tx, c.id, now)
  return lessonView(tx, Number(made.id))
}

export async function updateLesson(tx: Tx, ctx: RequestContext, lessonId: number, input: LessonPatch, now: Date) {
  const { lesson: l, course: c } = await loadLesson(tx, ctx, lessonId)
  const kind = input.kind ?? l.kind
  const mediaId = input.mediaId !== undefined ? input.mediaId : kind === 'text' ? null : l.media_id
  if (input.kind !== undefined || input.mediaId !== undefined) await checkMedia(tx, kind, mediaId, c.area_id)
  if (input.position !== undefined && input.position !== l.position) {
    if (input.position > c.lessons)
      throw invalid('position', `the course has ${c.lessons} lessons: move it to 1–${c.lessons}`)
    await shift(tx, 'training_lesson', c.id, l.position, input.position)
  }
  await tx
    .updateTable('training_lesson')
    .set({
      ...(input.title !== undefined ? { title: input.title } : {}),
      ...(input.body !== undefined ? { body: input.body } : {}),
      ...(input.minutes !== undefined ? { minutes: input.minutes } : {}),
      ...(input.position !== undefined ? { position: input.position } : {}),
      kind,
      media_id: mediaId,
      updated_at: now,
    })
    .where('id', '=', l.id)
    .execute()
  await touchCourse(tx, c.id, now)
  return lessonView(tx, l.id)
}

export async function deleteLesson(tx: Tx, ctx: RequestContext, lessonId: number, now: Date) {
  const { lesson: l, course: c } = await loadLesson(tx, ctx, lessonId)
  if (c.status !== 'draft' && c.lessons === 1)
    throw invalid('id', 'a published or archived course keeps at least one lesson')
  // Whether anyone has done it is asked of every learner, not only those the caller follows: the
  // reference would refuse the delete anyway, so check it under a savepoint and answer clearly.
  await sql`savepoint training_lesson_delete`.execute(tx)
  try {
    await tx.deleteFrom('training_lesson').where('id', '=', l.id).execute()
    await sql`release savepoint training_lesson_delete`.execute(tx)
  } catch (e) {
    await sql`rollback to savepoint training_lesson_delete`.execute(tx)
    if ((e as { code?: string }).code === '23503')
      throw new AppError(
        'CONFLICT',
        'learners have done this lesson: it stays; archive the course and make a new one instead',
        'id',
      )
    throw e
  }
  await shift(tx, 'training_lesson', c.id, l.position, null)
  await touchCourse(tx, c.id, now)
  return courseDetail(tx, ctx, c.id)
}

// ── Questions ─────────────────────────────────────────────────────────────────────────────────

/** The quiz's rules the schema cannot say: how many options and answers each kind takes. */
function checkQuestion(q: { kind: QuestionKind; options: readonly string[]; answer: readonly number[] }) {
  if (q.kind === 'true_false' && q.options.length !== 2)
    throw invalid('options', 'a true/false question has exactly two options')
  if (new Set(q.options.map((o) => o.trim())).size !== q.options.length)
    throw invalid('options', 'the options must differ from each other')
  if (q.answer.some((i) => i >= q.options.length))
    throw invalid('answer', `the answer names options 0–${q.options.length - 1} only`)
  if (new Set(q.answer).size !== q.answer.length) throw invalid('answer', 'an option is named twice in the answer')
  if (q.kind !== 'multiple' && q.answer.length !== 1)
    throw invalid(
      'answer',
      `a ${q.kind === 'single' ? 'single-choice' : 'true/false'} question has exactly one right option`,
    )
}

async function loadQuestion(tx: Tx, ctx: RequestContext, questionId: number) {
  const { rows } = await sql<QuestionRow & { area_id: number }>`${questionSelect} where id = ${questionId}`.execute(tx)
  const q = rows[0]
  if (!q) throw notFound('TRAINING_QUESTION_NOT_FOUND', `question ${questionId}`, 'id')
  try {
    return { question: presentQuestion(q), ...(await keptCourse(tx, ctx, Number(q.course_id))) }
  } catch (e) {
    if (e instanceof AppError && e.code === 'TRAINING_COURSE_NOT_FOUND')
      throw notFound('TRAINING_QUESTION_NOT_FOUND', `question ${questionId}`, 'id')
    throw e
  }
}

async function questionView(tx: Tx, questionId: number): Promise<QuestionView> {
  const { rows } = await sql<QuestionRow>`${questionSelect} where id = ${questionId}`.execute(tx)
  return presentQuestion(rows[0]!)
}

export async function addQuestion(tx: Tx, ctx: RequestContext, courseId: number, input: NewQuestion, now: Date) {
  const { course: c } = await keptCourse(tx, ctx, courseId)
  checkQuestion(input)
  if (c.questions >= 200) throw invalid('position', 'a quiz has at most 200 questions')
  const at = input.position ?? c.questions + 1
  if (at > c.questions + 1)
    throw invalid('position', `the quiz has ${c.questions} questions: a new one goes at 1–${c.questions + 1}`)
  await shift(tx, 'training_question', c.id, null, at)
  const { rows } = await sql<{ id: number }>`insert into training_question (course_id, area_id, position, kind, prompt,
      options, answer, explanation, points, created_at, updated_at)
    values (${c.id}, ${c.area_id}, ${at}, ${input.kind}, ${input.prompt}, ${JSON.stringify(input.options)}::jsonb,
      ${[...input.answer].sort((a, b) => a - b)}::integer[], ${input.explanation ?? ''}, ${input.points ?? 1}, ${now}, ${now})
    returning id`.execute(tx)
  await touchCourse(tx, c.id, now)
  return questionView(tx, Number(rows[0]!.id))
}

export async function updateQuestion(tx: Tx, ctx: RequestContext, questionId: number, input: QuestionPatch, now: Date) {
  const { question: q, course: c } = await loadQuestion(tx, ctx, questionId)
  const next = {
    kind: input.kind ?? q.kind,
    options: input.options ?? q.options,
    answer: input.answer ?? q.answer,
  }
  checkQuestion(next)
  if (input.position !== undefined && input.position !== q.position) {
    if (input.position > c.questions)
      throw invalid('position', `the quiz has ${c.questions} questions: move it to 1–${c.questions}`)
    await shift(tx, 'training_question', c.id, q.position, input.position)
  }
  await sql`update training_question set kind = ${next.kind}, options = ${JSON.stringify(next.options)}::jsonb,
      answer = ${[...next.answer].sort((a, b) => a - b)}::integer[],
      prompt = ${input.prompt ?? q.prompt}, explanation = ${input.explanation ?? q.explanation},
      points = ${input.points ?? q.points}, position = ${input.position ?? q.position}, updated_at = ${now}
    where id = ${q.id}`.execute(tx)
  await touchCourse(tx, c.id, now)
  return questionView(tx, q.id)
}

export async function deleteQuestion(tx: Tx, ctx: RequestContext, questionId: number, now: Date) {
  const { question: q, course: c } = await loadQuestion(tx, ctx, questionId)
  if (c.status === 'published' && c.pass_mark > 0 && c.questions === 1)
    throw invalid('id', 'a published course with a pass mark keeps at least one question (or set the pass mark to 0)')
  await tx.deleteFrom('training_question').where('id', '=', q.id).execute()
  await shift(tx, 'training_question', c.id, q.position, null)
  await touchCourse(tx, c.id, now)
  return courseDetail(tx, ctx, c.id)
}
