import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { backends, openTestPlatform, type TestPlatform } from '../../test/support.js'

describe.each(backends())('training courses on %s', (backend) => {
  let p: TestPlatform
  beforeAll(async () => {
    p = await openTestPlatform(backend, '2027-05-10T02:00:00Z')
  }, 180_000)
  afterAll(async () => p?.close())

  it('the demo has the induction course with lessons, files and a quiz', async () => {
    const c = await p.database.db
      .selectFrom('training_course')
      .select(['id', 'status', 'pass_mark'])
      .where('title', '=', '网格员入职培训')
      .executeTakeFirstOrThrow()
    expect(c.status).toBe('published')
    const lessons = await p.database.db
      .selectFrom('training_lesson')
      .select(['kind'])
      .where('course_id', '=', c.id)
      .execute()
    expect(lessons.map((l) => l.kind).sort()).toEqual(['image', 'pdf', 'text', 'text', 'text', 'text'])
    const questions = await p.database.db
      .selectFrom('training_question')
      .select(['kind'])
      .where('course_id', '=', c.id)
      .execute()
    expect(questions).toHaveLength(5)
  })
})
