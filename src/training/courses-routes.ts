import { Readable } from 'node:stream'
import { errorResponses, idParams, type App, type Input } from '../core/http.js'
import { createOnce, idempotencyHeaders } from '../core/idempotency.js'
import { pageSchema } from '../core/paging.js'
import type { Platform } from '../core/platform.js'
import { sha256Hex } from '../core/privacy.js'
import { inScope, type RequestContext } from '../core/scope.js'
import { acceptRawUploads, contentDisposition, uploadedFile } from '../core/uploads.js'
import type { Db } from '../core/db.js'
import { mediaTypes, trainingKeepers, trainingLearners } from './common.js'
import {
  addLesson,
  addQuestion,
  courseDetail,
  courseDetailSchema,
  courseItemSchema,
  coursePatchBody,
  courseQuery,
  createCourse,
  deleteLesson,
  deleteQuestion,
  lessonPatchBody,
  lessonSchema,
  listCourses,
  newCourseBody,
  newLessonBody,
  newQuestionBody,
  questionPatchBody,
  questionSchema,
  updateCourse,
  updateLesson,
  updateQuestion,
} from './courses.js'
import {
  byteRange,
  MAX_MEDIA_BYTES,
  MEDIA_CHUNK_BYTES,
  mediaBytes,
  mediaHead,
  mediaSchema,
  mediaUploadQuery,
  uploadMedia,
} from './media.js'

const tags = ['training']
const fileTypes = [...new Set(Object.values(mediaTypes).flat())]
/** What an upload may be sent as; the bytes decide what it is. */
const uploadTypes = [...fileTypes, 'application/octet-stream']
const binary = Object.fromEntries(fileTypes.map((t) => [t, { schema: { type: 'string', format: 'binary' } }]))

// Training (courses): the catalogue, courses with lessons and quiz, and the lessons' files. The
// routes live in a plugin of their own, so the raw-body parser of the upload applies to them only.
export async function coursesRoutes(app: App, platform: Platform) {
  await app.register(async (scope: App) => routes(scope, platform))
}

/** The bytes start..end of a file, read a chunk per query (PGlite has one connection: never hold it while writing). */
function streamRange(db: Db, ctx: RequestContext, mediaId: number, start: number, end: number): Readable {
  async function* chunks() {
    for (let at = start; at <= end; at += MEDIA_CHUNK_BYTES) {
      const len = Math.min(MEDIA_CHUNK_BYTES, end - at + 1)
      yield await inScope(db, ctx, (tx) => mediaBytes(tx, mediaId, at, len))
    }
  }
  return Readable.from(chunks(), { objectMode: false })
}

async function routes(app: App, { database, clock }: Platform) {
  const { db } = database
  acceptRawUploads(app, MAX_MEDIA_BYTES)
  // Videos too (acceptRawUploads knows the attachments' types only).
  for (const type of uploadTypes)
    if (!app.hasContentTypeParser(type))
      app.addContentTypeParser(type, { parseAs: 'buffer', bodyLimit: MAX_MEDIA_BYTES }, (_req, payload, done) =>
        done(null, payload),
      )

  app.get('/api/v1/training/courses', {
    config: { access: trainingLearners },
    schema: {
      tags,
      summary:
        'The course catalogue on the caller’s branch: published courses; the keepers also their areas’ drafts and archived ones. Filters: area (its branch), topic, status, title contains',
      querystring: courseQuery,
      response: { 200: pageSchema(courseItemSchema), ...errorResponses(401, 403, 404) },
    },
    handler: async (req) => inScope(db, req.ctx, (tx) => listCourses(tx, req.ctx, req.query)),
  })

  app.post('/api/v1/training/courses', {
    config: { access: trainingKeepers },
    schema: {
      tags,
      summary: 'Create a course (a draft) for an area the caller keeps; audited; Idempotency-Key honoured',
      headers: idempotencyHeaders,
      body: newCourseBody,
      response: { 201: courseDetailSchema, ...errorResponses(401, 403, 404, 409, 422) },
    },
    handler: async (req, reply) => {
      reply.code(201)
      return createOnce(db, req, req.body, (tx) => createCourse(tx, req.ctx, req.body, clock.now()))
    },
  })

  app.get('/api/v1/training/courses/:id', {
    config: { access: trainingLearners },
    schema: {
      tags,
      summary:
        'A course with its lessons (and their files) and, for its keepers, its quiz with the answers; others get the question count. Drafts: keepers only',
      params: idParams,
      response: { 200: courseDetailSchema, ...errorResponses(401, 403, 404) },
    },
    handler: async (req) => inScope(db, req.ctx, (tx) => courseDetail(tx, req.ctx, req.params.id)),
  })

  app.patch('/api/v1/training/courses/:id', {
    config: { access: trainingKeepers },
    schema: {
      tags,
      summary:
        'Change a course (the version read): fields, or publish (needs a lesson, and a question when the pass mark is above 0), archive, republish; audited',
      params: idParams,
      body: coursePatchBody,
      response: { 200: courseDetailSchema, ...errorResponses(401, 403, 404, 409, 422) },
    },
    handler: async (req) =>
      inScope(db, req.ctx, (tx) => updateCourse(tx, req.ctx, req.params.id, req.body, clock.now())),
  })

  app.post('/api/v1/training/courses/:id/lessons', {
    config: { access: trainingKeepers },
    schema: {
      tags,
      summary:
        'Add a lesson: text, or a file of its kind from the course’s area; at a position (the others move down) or last; Idempotency-Key honoured',
      params: idParams,
      headers: idempotencyHeaders,
      body: newLessonBody,
      response: { 201: lessonSchema, ...errorResponses(401, 403, 404, 409, 422) },
    },
    handler: async (req, reply) => {
      reply.code(201)
      return createOnce(db, req, { course: req.params.id, ...req.body }, (tx) =>
        addLesson(tx, req.ctx, req.params.id, req.body, clock.now()),
      )
    },
  })

  app.patch('/api/v1/training/lessons/:id', {
    config: { access: trainingKeepers },
    schema: {
      tags,
      summary: 'Change a lesson: title, text, file, minutes, or move it (the others are renumbered)',
      params: idParams,
      body: lessonPatchBody,
      response: { 200: lessonSchema, ...errorResponses(401, 403, 404, 422) },
    },
    handler: async (req) =>
      inScope(db, req.ctx, (tx) => updateLesson(tx, req.ctx, req.params.id, req.body, clock.now())),
  })

  app.delete('/api/v1/training/lessons/:id', {
    config: { access: trainingKeepers },
    schema: {
      tags,
      summary: 'Remove a lesson nobody has done yet (409 otherwise: archive the course instead); answers the course',
      params: idParams,
      response: { 200: courseDetailSchema, ...errorResponses(401, 403, 404, 409, 422) },
    },
    handler: async (req) => inScope(db, req.ctx, (tx) => deleteLesson(tx, req.ctx, req.params.id, clock.now())),
  })

  app.post('/api/v1/training/courses/:id/questions', {
    config: { access: trainingKeepers },
    schema: {
      tags,
      summary:
        'Add a quiz question (single, multiple or true/false, 2–8 options, the right ones by index, points, explanation); Idempotency-Key honoured',
      params: idParams,
      headers: idempotencyHeaders,
      body: newQuestionBody,
      response: { 201: questionSchema, ...errorResponses(401, 403, 404, 409, 422) },
    },
    handler: async (req, reply) => {
      reply.code(201)
      return createOnce(db, req, { course: req.params.id, ...req.body }, (tx) =>
        addQuestion(tx, req.ctx, req.params.id, req.body, clock.now()),
      )
    },
  })

  app.patch('/api/v1/training/questions/:id', {
    config: { access: trainingKeepers },
    schema: {
      tags,
      summary: 'Change a quiz question or move it',
      params: idParams,
      body: questionPatchBody,
      response: { 200: questionSchema, ...errorResponses(401, 403, 404, 422) },
    },
    handler: async (req) =>
      inScope(db, req.ctx, (tx) => updateQuestion(tx, req.ctx, req.params.id, req.body, clock.now())),
  })

  app.delete('/api/v1/training/questions/:id', {
    config: { access: trainingKeepers },
    schema: {
      tags,
      summary: 'Remove a quiz question; answers the course',
      params: idParams,
      response: { 200: courseDetailSchema, ...errorResponses(401, 403, 404, 422) },
    },
    handler: async (req) => inScope(db, req.ctx, (tx) => deleteQuestion(tx, req.ctx, req.params.id, clock.now())),
  })

  app.post('/api/v1/training/media', {
    config: { access: trainingKeepers },
    schema: {
      tags,
      summary:
        'Store a lesson’s file sent as the raw body: its bytes must be of the kind (image: PNG, JPEG, WebP ≤ 10 MiB; pdf ≤ 20 MiB; video: MP4, WebM ≤ 200 MiB); Idempotency-Key honoured',
      querystring: mediaUploadQuery,
      headers: idempotencyHeaders,
      body: {
        content: Object.fromEntries(
          uploadTypes.map((type) => [type, { schema: { description: 'the file, as raw bytes' } }]),
        ),
      },
      response: { 201: mediaSchema, ...errorResponses(401, 403, 404, 409, 413, 415, 422) },
    },
    handler: async (req, reply) => {
      const file = uploadedFile(req.body)
      reply.code(201)
      // A retry is recognised by the file's hash, not by its bytes.
      return createOnce(db, req, { ...req.query, file: sha256Hex(file) }, (tx) =>
        uploadMedia(tx, req.ctx, req.query, file, clock.now()),
      )
    },
  })

  // The answer is the file's bytes (or a range of them), not JSON.
  app.get<{ Params: Input<typeof idParams>; Reply: Buffer | Readable }>('/api/v1/training/media/:id', {
    config: { access: trainingLearners },
    schema: {
      tags,
      summary:
        'A lesson’s file, shown inline, by range (Range: bytes=a-b, a-, -n → 206; several ranges → the whole file; past the end → 416); ETag is its SHA-256',
      params: idParams,
      response: {
        200: { description: 'The whole file', content: binary },
        206: { description: 'The range asked for', content: binary },
        304: { description: 'Not modified (If-None-Match)' },
        ...errorResponses(401, 403, 404, 416),
      },
    },
    handler: async (req, reply) => {
      // Who may see it first (row-level security), then only the bytes asked for.
      const head = await inScope(db, req.ctx, (tx) => mediaHead(tx, req.ctx, req.params.id))
      const etag = `"${head.sha256}"`
      reply
        .type(head.contentType)
        .header('accept-ranges', 'bytes')
        .header('etag', etag)
        .header('content-disposition', contentDisposition('inline', head.fileName))
        .header('cache-control', 'private, max-age=3600')
        .header('x-content-type-options', 'nosniff')
        .header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'self'")
      if (req.headers['if-none-match'] === etag) return reply.code(304).send(Buffer.alloc(0))
      const range = byteRange(req.headers.range, head.size)
      const start = range?.start ?? 0
      const end = range?.end ?? head.size - 1
      const len = end - start + 1
      if (range) reply.code(206).header('content-range', `bytes ${start}-${end}/${head.size}`)
      reply.header('content-length', String(len))
      if (len <= MEDIA_CHUNK_BYTES)
        return reply.send(await inScope(db, req.ctx, (tx) => mediaBytes(tx, head.id, start, len)))
      return reply.send(streamRange(db, req.ctx, head.id, start, end))
    },
  })
}
