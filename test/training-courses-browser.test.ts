// Training courses in a real browser: guihua.staff finds the demo catalogue, creates a course,
// adds a text lesson and an image lesson with an uploaded PNG (the preview shows it, served by the
// media route), tries a video lesson whose bytes are not a video and sees the server's refusal,
// tries to publish without a quiz and sees why not, adds a question with its right option ticked
// and publishes; the grid worker reads the catalogue and the course on a phone in English without
// the keepers' buttons. Screenshots, and axe on the catalogue, the course page and the editor.
// Needs the built web app (`npm run build:web`) and a system Chromium.
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { gridMapPng } from '../src/training/courses-demo.js'
import { PHONE, browserSession, byTestId } from './browser-support.js'
import type { TestPlatform } from './support.js'

const session = browserSession({ what: 'the training courses browser test' })
const TITLE = `社区安全巡查要点${Date.now().toString(36).slice(-4)}`

describe.skipIf(session.skip)('training courses screens in a browser (pglite)', () => {
  let p: TestPlatform
  const { signIn, shoot, goto, axe, pageProblems, a11yProblems } = session
  let staff: Page
  let courseId = 0
  const db = () => p.database.db
  const lessonCount = (page: Page, n: number) =>
    page.waitForFunction(([sel, count]) => document.querySelectorAll(sel).length === count, [
      byTestId('editor-lesson'),
      n,
    ] as const)

  beforeAll(async () => {
    p = await session.open(async (platform) => {
      p = platform
    })
  })
  afterAll(() => session.close())

  it('shows the catalogue with the demo courses', async () => {
    staff = await signIn('guihua.staff')
    await goto(staff, '#/training/courses')
    await staff.waitForSelector(byTestId('course-card'))
    expect(await staff.textContent(byTestId('courses-catalogue'))).toContain('网格员入职培训')
    // The keepers see their community's draft too.
    expect(await staff.textContent(byTestId('courses-catalogue'))).toContain('桂花社区垃圾分类入户指导')
    await axe(staff, 'course catalogue')
    await shoot(staff, 'training-courses-catalogue.png')
  })

  it('creates a course and adds a text lesson and an image lesson with an uploaded PNG', async () => {
    const guihua = await db()
      .selectFrom('area')
      .select('id')
      .where('code', '=', 'JZ-QH-01-01')
      .executeTakeFirstOrThrow()
    await staff.click(byTestId('courses-new'))
    await staff.waitForSelector(byTestId('course-new-form'))
    await staff.waitForSelector(`${byTestId('course-area')} option[value="${guihua.id}"]`, { state: 'attached' })
    await staff.selectOption(byTestId('course-area'), String(guihua.id))
    await staff.fill(byTestId('course-title'), TITLE)
    await axe(staff, 'new course form')
    await staff.click(byTestId('course-create'))
    await staff.waitForSelector(byTestId('course-editor'))
    const course = await db()
      .selectFrom('training_course')
      .select(['id', 'status', 'area_id', 'pass_mark'])
      .where('title', '=', TITLE)
      .executeTakeFirstOrThrow()
    expect(course).toMatchObject({ status: 'draft', area_id: guihua.id, pass_mark: 60 })
    courseId = Number(course.id)

    await staff.click(byTestId('lesson-add'))
    await staff.fill(byTestId('lesson-title'), '巡查路线')
    await staff.fill(byTestId('lesson-body'), '每天巡查不少于两小时，重点看消防通道、电动车充电和高空坠物隐患。')
    await staff.click(byTestId('lesson-save'))
    await lessonCount(staff, 1)

    await staff.click(byTestId('lesson-add'))
    await staff.fill(byTestId('lesson-title'), '网格示意图')
    await staff.selectOption(byTestId('lesson-kind'), 'image')
    await staff.setInputFiles(byTestId('lesson-file'), {
      name: '网格示意图.png',
      mimeType: 'image/png',
      buffer: gridMapPng(),
    })
    await staff.click(byTestId('lesson-save'))
    await lessonCount(staff, 2)
    // The preview shows the picture, fetched from the media route with the session cookie.
    const image = `${byTestId('editor-lesson')}[data-kind="image"]`
    await staff.click(`${image} summary`)
    await staff.waitForFunction((sel) => {
      const img = document.querySelector(`${sel} img`) as HTMLImageElement | null
      return !!img && img.complete && img.naturalWidth === 360
    }, image)
    await axe(staff, 'course editor')
    await shoot(staff, 'training-courses-editor-lessons.png')
  })

  it('refuses a video lesson whose bytes are not a video, showing the server’s reason', async () => {
    const before = await db().selectFrom('training_media').select('id').execute()
    await staff.click(byTestId('lesson-add'))
    await staff.fill(byTestId('lesson-title'), '巡查视频')
    await staff.selectOption(byTestId('lesson-kind'), 'video')
    await staff.setInputFiles(byTestId('lesson-file'), {
      name: '巡查.mp4',
      mimeType: 'video/mp4',
      buffer: Buffer.from('这不是视频，只是一段文字。'.repeat(20)),
    })
    await staff.click(byTestId('lesson-save'))
    await staff.waitForSelector(byTestId('lesson-error'))
    const error = await staff.textContent(byTestId('lesson-error'))
    expect(error).toContain('文件')
    await axe(staff, 'course editor with an upload refused')
    await shoot(staff, 'training-courses-editor-fake-video.png')
    expect(await db().selectFrom('training_media').select('id').execute()).toHaveLength(before.length)
    await staff.click(`${byTestId('lesson-form')} button[type="button"]`)
    await lessonCount(staff, 2)
  })

  it('publishing waits for a quiz; with a question ticked right it publishes', async () => {
    await staff.click(byTestId('course-publish'))
    await staff.waitForSelector(byTestId('course-status-error'))
    expect(await staff.textContent(byTestId('course-status-error'))).toBeTruthy()
    await shoot(staff, 'training-courses-editor-publish-refused.png')

    await staff.click(byTestId('question-add'))
    await staff.fill(byTestId('question-prompt'), '巡查时发现消防通道被堵，首先应该怎么做？')
    const options = await staff.$$(byTestId('question-option-text'))
    await options[0]!.fill('拍照后离开')
    await options[1]!.fill('劝导清理，不听劝的上报')
    await options[2]!.fill('自己动手搬走')
    const ticks = await staff.$$(byTestId('question-option-right'))
    await ticks[1]!.check()
    await axe(staff, 'question form')
    await shoot(staff, 'training-courses-editor-question.png')
    await staff.click(byTestId('question-save'))
    await staff.waitForSelector(byTestId('editor-question'))
    const q = await db()
      .selectFrom('training_question')
      .select(['answer', 'kind'])
      .where('course_id', '=', courseId)
      .executeTakeFirstOrThrow()
    expect(q).toMatchObject({ kind: 'single' })
    expect(q.answer.map(Number)).toEqual([1])

    await staff.click(byTestId('course-publish'))
    await staff.waitForFunction(
      (sel) => document.querySelector(sel)?.textContent?.includes('已发布'),
      byTestId('editor-status'),
    )
    expect(
      (await db().selectFrom('training_course').select('status').where('id', '=', courseId).executeTakeFirstOrThrow())
        .status,
    ).toBe('published')
    await shoot(staff, 'training-courses-editor-published.png')

    await goto(staff, `#/training/courses/${courseId}`)
    await staff.waitForSelector(byTestId('course-page'))
    await staff.waitForSelector(byTestId('course-lesson'))
    expect(await staff.$$(byTestId('course-lesson'))).toHaveLength(2)
    await axe(staff, 'course page')
    await shoot(staff, 'training-courses-course.png')
  })

  it('the grid worker reads the catalogue and the course on a phone, in English, without the keepers’ buttons', async () => {
    const grid = await signIn('guihua.grid', PHONE)
    await grid.selectOption(byTestId('lang-switch'), 'en')
    await goto(grid, '#/training/courses')
    await grid.waitForSelector(`${byTestId('course-card')}[data-id="${courseId}"]`)
    expect(await grid.$(byTestId('courses-new'))).toBeNull()
    expect(await grid.textContent(byTestId('courses-catalogue'))).toContain('Course catalogue')
    expect(await grid.textContent(byTestId('courses-catalogue'))).not.toContain('桂花社区垃圾分类入户指导')
    await axe(grid, 'course catalogue (phone, English)')
    await shoot(grid, 'training-courses-catalogue-phone-en.png')
    await goto(grid, `#/training/courses/${courseId}`)
    await grid.waitForSelector(byTestId('course-lesson'))
    expect(await grid.$(byTestId('course-edit'))).toBeNull()
    await grid.click(`${byTestId('course-lesson')}:nth-child(2) summary`)
    await grid.waitForSelector(`${byTestId('lesson-media')} img`)
    await axe(grid, 'course page (phone, English)')
    await shoot(grid, 'training-courses-course-phone-en.png')
    await grid.selectOption(byTestId('lang-switch'), 'zh-CN')
  })

  it('met no accessibility or page problems', () => {
    expect(a11yProblems).toEqual([])
    expect(pageProblems).toEqual([])
  })
})
