import { expect } from 'vitest'
import { gridMapPng } from '../../src/training/courses-demo.js'
import { call, type TestPlatform } from '../support.js'
import { denied, must, row, unchanged, type OwnPart, type ScopingPart } from './parts.js'

// Training (courses) in both authorization tables (see parts.ts). Courses and their files are
// read by every staff role on the course's branch of the area tree (the grid worker below the
// community, the street's handler and mediator above it) and written by the admins, leaders and
// staff over its area. The fixture is a published course of the community with a lesson, a
// question and a picture lesson, made by its staff, and a draft beside it.

const learners = row('unauth', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'forbidden')
const keepers = row('unauth', 'ok', 'ok', 'ok', 'forbidden', 'forbidden', 'forbidden', 'forbidden')
const keepersTried = row('unauth', 'tried', 'tried', 'tried', 'forbidden', 'forbidden', 'forbidden', 'forbidden')

let serial = 0
const fresh = (p: string) => `权限表${p}${Date.now().toString(36)}${++serial}`

async function upload(p: TestPlatform, token: string | null, areaId: number) {
  const res = await p.app.inject({
    method: 'POST',
    url: `/api/v1/training/media?areaId=${areaId}&kind=image&fileName=grid.png`,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), 'content-type': 'image/png' },
    payload: gridMapPng(),
  })
  return { status: res.statusCode, body: res.json(), headers: res.headers }
}

async function fixture(p: TestPlatform, areaId: number, staff: string) {
  const title = fresh('课程')
  const course = must(
    'create course',
    await call(p.app, 'POST', '/api/v1/training/courses', {
      token: staff,
      body: { areaId, title, topic: 'grid_work', passMark: 60 },
    }),
    201,
  )
  // The picture is the learners' once the published course uses it.
  const media = must('upload', await upload(p, staff, areaId), 201)
  const lesson = must(
    'add lesson',
    await call(p.app, 'POST', `/api/v1/training/courses/${course.id}/lessons`, {
      token: staff,
      body: { title: '第一课', kind: 'image', body: '看图', mediaId: media.id },
    }),
    201,
  )
  const question = must(
    'add question',
    await call(p.app, 'POST', `/api/v1/training/courses/${course.id}/questions`, {
      token: staff,
      body: { kind: 'true_false', prompt: '对吗？', options: ['正确', '错误'], answer: [0] },
    }),
    201,
  )
  const published = must(
    'publish',
    await call(p.app, 'PATCH', `/api/v1/training/courses/${course.id}`, {
      token: staff,
      body: { version: course.version + 2, status: 'published' },
    }),
    200,
  )
  const draft = must(
    'create draft',
    await call(p.app, 'POST', '/api/v1/training/courses', {
      token: staff,
      body: { areaId, title: `${title}草稿`, topic: 'other' },
    }),
    201,
  )
  return {
    title,
    course: course.id as number,
    version: published.version as number,
    lesson: lesson.id as number,
    question: question.id as number,
    media: media.id as number,
    draft: draft.id as number,
  }
}

type Data = Awaited<ReturnType<typeof fixture>> & { areaId: number }

export const own: OwnPart<Data> = {
  setup: async (p, base) => ({
    ...(await fixture(p, base.community, await base.token('guihua.staff'))),
    areaId: base.community,
  }),
  rows: {
    'GET /api/v1/training/courses': learners,
    'POST /api/v1/training/courses': keepers,
    'GET /api/v1/training/courses/:id': learners,
    // A stale version: 409 for the keepers.
    'PATCH /api/v1/training/courses/:id': keepersTried,
    'POST /api/v1/training/courses/:id/lessons': keepers,
    'PATCH /api/v1/training/lessons/:id': keepers,
    // The keepers remove a lesson the staff just added.
    'DELETE /api/v1/training/lessons/:id': keepers,
    'POST /api/v1/training/courses/:id/questions': keepers,
    'PATCH /api/v1/training/questions/:id': keepers,
    'DELETE /api/v1/training/questions/:id': keepers,
    'POST /api/v1/training/media': keepers,
    'GET /api/v1/training/media/:id': learners,
  },
  probes: {
    'GET /api/v1/training/courses': ({ p, token, base }) =>
      call(p.app, 'GET', `/api/v1/training/courses?areaId=${base.community}`, { token }),
    'POST /api/v1/training/courses': ({ p, token, data }) =>
      call(p.app, 'POST', '/api/v1/training/courses', {
        token,
        body: { areaId: data.areaId, title: fresh('新课程'), topic: 'other' },
      }),
    'GET /api/v1/training/courses/:id': ({ p, token, data }) =>
      call(p.app, 'GET', `/api/v1/training/courses/${data.course}`, { token }),
    'PATCH /api/v1/training/courses/:id': ({ p, token, data }) =>
      call(p.app, 'PATCH', `/api/v1/training/courses/${data.course}`, {
        token,
        body: { version: 999_999, title: '改名课程' },
      }),
    'POST /api/v1/training/courses/:id/lessons': ({ p, token, data }) =>
      call(p.app, 'POST', `/api/v1/training/courses/${data.course}/lessons`, {
        token,
        body: { title: '权限表课时', kind: 'text', body: '正文' },
      }),
    'PATCH /api/v1/training/lessons/:id': ({ p, token, data }) =>
      call(p.app, 'PATCH', `/api/v1/training/lessons/${data.lesson}`, { token, body: { title: '第一课' } }),
    'DELETE /api/v1/training/lessons/:id': async ({ p, token, data, base }) => {
      const made = must(
        'throwaway lesson',
        await call(p.app, 'POST', `/api/v1/training/courses/${data.course}/lessons`, {
          token: await base.token('guihua.staff'),
          body: { title: '待删课时', kind: 'text' },
        }),
        201,
      )
      return call(p.app, 'DELETE', `/api/v1/training/lessons/${made.id}`, { token })
    },
    'POST /api/v1/training/courses/:id/questions': ({ p, token, data }) =>
      call(p.app, 'POST', `/api/v1/training/courses/${data.course}/questions`, {
        token,
        body: { kind: 'single', prompt: '选哪个？', options: ['甲', '乙'], answer: [0] },
      }),
    'PATCH /api/v1/training/questions/:id': ({ p, token, data }) =>
      call(p.app, 'PATCH', `/api/v1/training/questions/${data.question}`, { token, body: { prompt: '对吗？' } }),
    'DELETE /api/v1/training/questions/:id': async ({ p, token, data, base }) => {
      const made = must(
        'throwaway question',
        await call(p.app, 'POST', `/api/v1/training/courses/${data.course}/questions`, {
          token: await base.token('guihua.staff'),
          body: { kind: 'single', prompt: '待删', options: ['甲', '乙'], answer: [1] },
        }),
        201,
      )
      return call(p.app, 'DELETE', `/api/v1/training/questions/${made.id}`, { token })
    },
    'POST /api/v1/training/media': ({ p, token, data }) => upload(p, token, data.areaId),
    'GET /api/v1/training/media/:id': async ({ p, token, data }) => {
      const res = await p.app.inject({
        method: 'GET',
        url: `/api/v1/training/media/${data.media}`,
        headers: token ? { authorization: `Bearer ${token}` } : {},
      })
      return { status: res.statusCode, body: null, headers: res.headers }
    },
  },
}

const courseRow = (p: TestPlatform, id: number) =>
  p.database.db.selectFrom('training_course').selectAll().where('id', '=', id).executeTakeFirstOrThrow()
const lessons = (p: TestPlatform, courseId: number) =>
  p.database.db.selectFrom('training_lesson').selectAll().where('course_id', '=', courseId).orderBy('id').execute()
const questions = (p: TestPlatform, courseId: number) =>
  p.database.db
    .selectFrom('training_question')
    .select(['id', 'position', 'prompt', 'answer'])
    .where('course_id', '=', courseId)
    .orderBy('id')
    .execute()
const mediaCount = async (p: TestPlatform, areaId: number) =>
  (await p.database.db.selectFrom('training_media').select('id').where('area_id', '=', areaId).execute()).length

export const scoping: ScopingPart<Data> = {
  async setup(p, base) {
    return { ...(await fixture(p, base.community, await base.token('cuizhu.staff'))), areaId: base.community }
  },
  probes: {
    'GET /api/v1/training/courses': async (p, token, d) => {
      const res = await call(p.app, 'GET', `/api/v1/training/courses?q=${encodeURIComponent(d.title)}`, { token })
      if (res.status !== 200) return denied(res.status)
      expect(res.body.items).toEqual([])
      const filtered = await call(p.app, 'GET', `/api/v1/training/courses?areaId=${d.areaId}&pageSize=500`, { token })
      const ids = filtered.body.items.map((c: { id: number }) => c.id)
      expect(ids).not.toContain(d.course)
      expect(ids).not.toContain(d.draft)
    },
    'POST /api/v1/training/courses': async (p, token, d) => {
      const title = fresh('越权课程')
      const res = await call(p.app, 'POST', '/api/v1/training/courses', {
        token,
        body: { areaId: d.areaId, title, topic: 'other' },
      })
      denied(res.status)
      expect(
        await p.database.db.selectFrom('training_course').select('id').where('title', '=', title).execute(),
      ).toEqual([])
    },
    'GET /api/v1/training/courses/:id': async (p, token, d) => {
      denied((await call(p.app, 'GET', `/api/v1/training/courses/${d.course}`, { token })).status)
      denied((await call(p.app, 'GET', `/api/v1/training/courses/${d.draft}`, { token })).status)
    },
    'PATCH /api/v1/training/courses/:id': (p, token, d) =>
      unchanged(
        () => courseRow(p, d.course),
        () =>
          call(p.app, 'PATCH', `/api/v1/training/courses/${d.course}`, {
            token,
            body: { version: d.version, title: '越权改名', status: 'archived' },
          }),
      ),
    'POST /api/v1/training/courses/:id/lessons': (p, token, d) =>
      unchanged(
        () => lessons(p, d.course),
        () =>
          call(p.app, 'POST', `/api/v1/training/courses/${d.course}/lessons`, {
            token,
            body: { title: '越权课时', kind: 'text', position: 1 },
          }),
      ),
    'PATCH /api/v1/training/lessons/:id': (p, token, d) =>
      unchanged(
        () => lessons(p, d.course),
        () => call(p.app, 'PATCH', `/api/v1/training/lessons/${d.lesson}`, { token, body: { title: '越权' } }),
      ),
    'DELETE /api/v1/training/lessons/:id': (p, token, d) =>
      unchanged(
        () => lessons(p, d.course),
        () => call(p.app, 'DELETE', `/api/v1/training/lessons/${d.lesson}`, { token }),
      ),
    'POST /api/v1/training/courses/:id/questions': (p, token, d) =>
      unchanged(
        () => questions(p, d.course),
        () =>
          call(p.app, 'POST', `/api/v1/training/courses/${d.course}/questions`, {
            token,
            body: { kind: 'single', prompt: '越权', options: ['甲', '乙'], answer: [0] },
          }),
      ),
    'PATCH /api/v1/training/questions/:id': (p, token, d) =>
      unchanged(
        () => questions(p, d.course),
        () => call(p.app, 'PATCH', `/api/v1/training/questions/${d.question}`, { token, body: { answer: [1] } }),
      ),
    'DELETE /api/v1/training/questions/:id': (p, token, d) =>
      unchanged(
        () => questions(p, d.course),
        () => call(p.app, 'DELETE', `/api/v1/training/questions/${d.question}`, { token }),
      ),
    'POST /api/v1/training/media': (p, token, d) =>
      unchanged(
        () => mediaCount(p, d.areaId),
        () => upload(p, token, d.areaId),
      ),
    'GET /api/v1/training/media/:id': async (p, token, d) => {
      const res = await p.app.inject({
        method: 'GET',
        url: `/api/v1/training/media/${d.media}`,
        headers: token ? { authorization: `Bearer ${token}` } : {},
      })
      denied(res.statusCode)
    },
  },
}
