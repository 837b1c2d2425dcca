// Training (learning) in a real browser, the issue's story: the admin creates a new grid worker
// through the accounts API; the induction rule of the demo enrols them on the grant. They sign in
// on a phone, find the induction course, do its lessons, fail the quiz once, pass it, and download
// the certificate (a PDF); then guihua.staff sees the completion in the records. Screenshots and
// axe on every page. Needs `npm run build:web` and Chromium.
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { PHONE, browserSession, byTestId } from './browser-support.js'
import { areaId, call, tokenFor, type TestPlatform } from './support.js'

const session = browserSession({ what: 'the training learning browser test' })
const PASSWORD = 'induction-password-2027'

describe.skipIf(session.skip)('training learning screens in a browser (pglite)', () => {
  let p: TestPlatform
  const { signIn, shoot, goto, axe, pageProblems, a11yProblems } = session
  let learner: Page
  let userId = 0
  let enrolmentId = 0
  let questions: { id: number; answer: number[]; options: string[]; kind: string }[] = []

  beforeAll(async () => {
    p = await session.open()
    const admin = await tokenFor(p.app, 'admin')
    const grid = await areaId(p, 'JZ-QH-01-01-G01')
    const made = await call(p.app, 'POST', '/api/v1/users', {
      token: admin,
      body: {
        username: 'xinren.grid',
        displayName: '新任网格员',
        password: PASSWORD,
        grants: [{ role: 'grid_worker', areaId: grid }],
      },
    })
    if (made.status !== 201) throw new Error(JSON.stringify(made.body))
    userId = made.body.id
    const e = await p.database.db
      .selectFrom('training_enrolment as e')
      .innerJoin('training_course as c', 'c.id', 'e.course_id')
      .select(['e.id', 'e.course_id'])
      .where('e.user_id', '=', userId)
      .where('c.title', '=', '网格员入职培训')
      .executeTakeFirstOrThrow()
    enrolmentId = e.id
    questions = (
      await p.database.db
        .selectFrom('training_question')
        .select(['id', 'answer', 'options', 'kind'])
        .where('course_id', '=', e.course_id)
        .orderBy('position')
        .execute()
    ).map((q) => ({ ...q, options: (typeof q.options === 'string' ? JSON.parse(q.options) : q.options) as string[] }))
  })

  afterAll(() => session.close())

  /** Ticks the given option indexes of each question (n from 1). */
  const answer = async (page: Page, pick: (q: (typeof questions)[number]) => number[]) => {
    for (const [n, q] of questions.entries())
      for (const i of pick(q)) await page.check(byTestId(`learn-q${n + 1}-option-${i}`))
  }

  it('the new grid worker finds the induction course assigned, on a phone', async () => {
    learner = await signIn('xinren.grid', PHONE, PASSWORD)
    await goto(learner, '#/training/learn')
    await learner.waitForSelector(byTestId(`learn-enrolment-${enrolmentId}`))
    expect(await learner.textContent(byTestId(`learn-enrolment-${enrolmentId}`))).toContain('网格员入职培训')
    await axe(learner, 'my courses (phone)')
    await shoot(learner, 'training-learn-my-courses-phone.png')
  })

  it('does the lessons one after another', async () => {
    await learner.click(`${byTestId(`learn-enrolment-${enrolmentId}`)} a`)
    await learner.waitForSelector(byTestId('learn-course-title'))
    await axe(learner, 'course player (phone)')
    await shoot(learner, 'training-learn-course-phone.png', true)
    await learner.click(byTestId('learn-continue'))
    let lessons = 0
    for (;;) {
      await learner.waitForSelector(byTestId('learn-lesson-done'))
      if (lessons === 0) {
        await axe(learner, 'a lesson (phone)')
        await shoot(learner, 'training-learn-lesson-phone.png', true)
      }
      const before = await learner.evaluate(() => window.location.hash)
      await learner.click(byTestId('learn-lesson-done'))
      lessons++
      await learner.waitForFunction((h) => window.location.hash !== h, before)
      if ((await learner.evaluate(() => window.location.hash)).endsWith('/quiz')) break
      if (lessons > 20) throw new Error('the lessons never ended')
    }
    const done = await p.database.db
      .selectFrom('training_lesson_done')
      .select('lesson_id')
      .where('enrolment_id', '=', enrolmentId)
      .execute()
    expect(done).toHaveLength(lessons)
  })

  it('fails the quiz once, sees the explanations, then passes', async () => {
    await learner.waitForSelector(byTestId('learn-quiz-submit'))
    await axe(learner, 'quiz (phone)')
    // Wrong everywhere: the first option that is not an answer.
    await answer(learner, (q) => [q.options.findIndex((_, i) => !q.answer.includes(i))])
    await learner.click(byTestId('learn-quiz-submit'))
    await learner.waitForSelector(`${byTestId('learn-quiz-result')}[data-passed="false"]`)
    await learner.waitForSelector(`${byTestId('learn-q1-result')}[data-correct="false"]`)
    await axe(learner, 'quiz failed (phone)')
    await shoot(learner, 'training-learn-quiz-failed-phone.png', true)
    await learner.click(byTestId('learn-quiz-retry'))
    await answer(learner, (q) => q.answer)
    await learner.click(byTestId('learn-quiz-submit'))
    await learner.waitForSelector(`${byTestId('learn-quiz-result')}[data-passed="true"]`)
    await shoot(learner, 'training-learn-quiz-passed-phone.png', true)
    const row = await p.database.db
      .selectFrom('training_enrolment')
      .selectAll()
      .where('id', '=', enrolmentId)
      .executeTakeFirstOrThrow()
    expect(row).toMatchObject({ status: 'completed', best_score: 100, late: false })
    const attempts = await p.database.db
      .selectFrom('training_attempt')
      .select(['passed'])
      .where('enrolment_id', '=', enrolmentId)
      .orderBy('id')
      .execute()
    expect(attempts.map((a) => a.passed)).toEqual([false, true])
  })

  it('sees the certificate and downloads it as a PDF', async () => {
    await learner.click(byTestId('learn-quiz-to-course'))
    await learner.waitForSelector(byTestId('learn-certificate'))
    const number = (await learner.textContent(byTestId('learn-certificate-no')))!.trim()
    expect(number).toMatch(/^PX-\d{4}-\d{6}$/)
    const [download] = await Promise.all([
      learner.waitForEvent('download'),
      learner.click(byTestId('learn-certificate-download')),
    ])
    const file = await download.path()
    const { readFile } = await import('node:fs/promises')
    const bytes = await readFile(file!)
    expect(bytes.subarray(0, 5).toString('latin1')).toBe('%PDF-')
    expect(bytes.toString('latin1')).toContain(number)
    await axe(learner, 'course done (phone)')
    await shoot(learner, 'training-learn-certificate-phone.png', true)
  })

  it('the community’s staff see the completion in the records', async () => {
    const staff = await signIn('guihua.staff')
    await goto(staff, '#/training/records')
    await staff.waitForSelector(byTestId('records-stats'))
    await staff.click(`${byTestId('records-filter-status')}`)
    await staff.selectOption(byTestId('records-filter-status'), 'completed')
    await staff.waitForSelector(byTestId(`records-enrolment-${enrolmentId}`))
    expect(await staff.textContent(byTestId(`records-enrolment-${enrolmentId}`))).toContain('新任网格员')
    const total = await staff.textContent(byTestId('records-total'))
    expect(total).toMatch(/%/)
    await axe(staff, 'training records')
    await shoot(staff, 'training-records.png', true)
  })

  it('met no accessibility or page problems', () => {
    expect(a11yProblems).toEqual([])
    expect(pageProblems).toEqual([])
  })
})
