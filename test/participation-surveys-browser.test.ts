// The survey screens in a real browser (the flow): staff build a survey in the builder (a
// single choice, a multiple choice shown only for one answer of the first, a scale, an optional
// text; a question moved and moved back; a question without text refused at its card) and open it;
// two residents of 桂花 answer it on the answer sheet (the branch question appears and disappears
// as they choose, a required question left out is named at its card); a one-time link is made and
// answered by a visitor without an account; staff see the live results with their charts and exact counts, close the survey, and a
// resident reads the closed results with the small counts hidden, in Chinese and in English. axe
// runs on the builder, the answer sheet and the results: no serious or critical violations.
// Needs the built web app (`npm run build:web`) and a system Chromium; like test/disputes-browser.test.ts.
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { PHONE, browserSession, byTestId } from './browser-support.js'
import { DEMO_PASSWORD, areaId, call, tokenFor, type TestPlatform } from './support.js'

const TITLE = '小区健身器材使用情况调查（浏览器测试）'
const SECOND_RESIDENT = 'guihua.resident2'

const session = browserSession({
  what: 'the surveys browser test',
})

describe.skipIf(session.skip)('survey screens in a browser (pglite)', () => {
  let p: TestPlatform
  let browser: Browser
  const { signIn, shoot, goto, axe, pageProblems, a11yProblems, contexts, watch } = session
  let staff: Page
  let surveyId = 0
  let linkUrl = ''

  /** The question cards of the answer sheet, by position. */
  const shownPositions = (page: Page) =>
    page.$$eval(byTestId('survey-question'), (cards) => cards.map((c) => Number(c.getAttribute('data-position'))))

  beforeAll(async () => {
    p = await session.open(async (platform) => {
      p = platform
      // A second resident of 桂花, made by the community's administrator.
      const made = await call(p.app, 'POST', '/api/v1/users', {
        token: await tokenFor(p.app, 'guihua.admin'),
        body: {
          username: SECOND_RESIDENT,
          displayName: '桂花居民乙',
          password: DEMO_PASSWORD,
          grants: [{ role: 'resident', areaId: await areaId(p, 'JZ-QH-01-01') }],
        },
      })
      if (made.status !== 201) throw new Error(`second resident: ${made.status} ${JSON.stringify(made.body)}`)
    })
    browser = session.browser
  })

  afterAll(() => session.close())

  it('staff build a survey with branching and open it', async () => {
    staff = await signIn('guihua.staff')
    await goto(staff, '#/participation/surveys')
    await staff.waitForSelector(byTestId('surveys-list-page'))
    await staff.click(byTestId('survey-new'))
    await staff.waitForSelector(byTestId('survey-builder'))
    // The area list arrives with the area tree; 桂花 is chosen by default.
    await staff.waitForFunction(
      (sel) => (document.querySelector(sel) as HTMLSelectElement | null)?.value !== '',
      byTestId('survey-area'),
    )
    await staff.fill(byTestId('survey-title-input'), TITLE)
    await staff.fill(byTestId('survey-description-input'), '了解居民对小区健身器材的使用和需求。')

    const card = (i: number) => staff.locator(byTestId('survey-builder-question')).nth(i)
    // Question 1: single choice, three options.
    await card(0).locator(byTestId('survey-q-prompt')).fill('您是否使用小区的健身器材？')
    await card(0).locator(byTestId('survey-q-option')).nth(0).fill('经常')
    await card(0).locator(byTestId('survey-q-option')).nth(1).fill('偶尔')
    await card(0).locator(byTestId('survey-q-add-option')).click()
    await card(0).locator(byTestId('survey-q-option')).nth(2).fill('从不')
    // Question 2: multiple choice, only for those who use them often.
    await staff.click(byTestId('survey-add-multiple'))
    await card(1).locator(byTestId('survey-q-prompt')).fill('您最常使用哪些器材？')
    await card(1).locator(byTestId('survey-q-option')).nth(0).fill('漫步机')
    await card(1).locator(byTestId('survey-q-option')).nth(1).fill('单杠')
    await card(1).locator(byTestId('survey-q-branch')).selectOption({ label: '当第1题选择“经常”时显示' })
    // Question 3: a scale; question 4: optional text — added, moved up and down again.
    await staff.click(byTestId('survey-add-scale'))
    await card(2).locator(byTestId('survey-q-prompt')).fill('您对器材的满意度')
    await staff.click(byTestId('survey-add-text'))
    await card(3).locator(byTestId('survey-q-prompt')).fill('还有什么建议？')
    await card(3).locator(byTestId('survey-q-required')).uncheck()
    await card(3).locator(byTestId('survey-q-up')).click()
    expect(await card(2).locator(byTestId('survey-q-prompt')).inputValue()).toBe('还有什么建议？')
    await card(2).locator(byTestId('survey-q-down')).click()
    expect(await card(3).locator(byTestId('survey-q-prompt')).inputValue()).toBe('还有什么建议？')
    // A question without text is refused at its card, before anything is sent.
    await staff.click(byTestId('survey-add-single'))
    await staff.click(byTestId('survey-save-open'))
    await staff.waitForSelector(byTestId('survey-builder-error'))
    expect(await staff.textContent(byTestId('survey-builder-error'))).toContain('第5题')
    expect(await card(4).locator(byTestId('survey-q-prompt')).getAttribute('aria-invalid')).toBe('true')
    // The field to fix has the focus.
    expect(await staff.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe('survey-q-prompt')
    await axe(staff, 'survey builder')
    await shoot(staff, 'surveys-builder.png')
    await card(4).locator(byTestId('survey-q-remove')).click()
    expect(await staff.locator(byTestId('survey-builder-question')).count()).toBe(4)

    await staff.click(byTestId('survey-save-open'))
    await staff.waitForSelector(byTestId('survey-page'))
    await staff.waitForSelector(`${byTestId('survey-state')}:text("进行中")`)
    surveyId = Number(/surveys\/(\d+)/.exec(await staff.evaluate(() => window.location.hash))![1])
    expect(surveyId).toBeGreaterThan(0)
    const stored = await p.database.db
      .selectFrom('survey_question')
      .select(['position', 'kind', 'required', 'options', 'show_if_position', 'show_if_option'])
      .where('survey_id', '=', surveyId)
      .orderBy('position')
      .execute()
    expect(stored).toEqual([
      {
        position: 1,
        kind: 'single',
        required: true,
        options: ['经常', '偶尔', '从不'],
        show_if_position: null,
        show_if_option: null,
      },
      {
        position: 2,
        kind: 'multiple',
        required: true,
        options: ['漫步机', '单杠'],
        show_if_position: 1,
        show_if_option: 0,
      },
      { position: 3, kind: 'scale', required: true, options: [], show_if_position: null, show_if_option: null },
      { position: 4, kind: 'text', required: false, options: [], show_if_position: null, show_if_option: null },
    ])
    await shoot(staff, 'surveys-staff-open.png')
  }, 120_000)

  it('makes one-time links, shown once', async () => {
    await staff.fill(byTestId('survey-links-count'), '2')
    await staff.click(byTestId('survey-links-make'))
    const list = staff.locator(`${byTestId('survey-links-made')} textarea`)
    await list.waitFor()
    const urls = (await list.inputValue()).split('\n')
    expect(urls).toHaveLength(2)
    expect(urls[0]).toMatch(/#\/participation\/surveys\/link\/[A-Za-z0-9_-]{24}$/)
    linkUrl = urls[0]!
    await staff.waitForSelector(`${byTestId('survey-manage-links')}:text("已生成 2 个")`)
  }, 60_000)

  it('the first resident answers on a phone: the branch question follows the first answer', async () => {
    const resident = await signIn('guihua.resident', PHONE)
    await goto(resident, '#/participation/surveys')
    await resident.click(`${byTestId('survey-card')}[data-id="${surveyId}"] ${byTestId('survey-link')}`)
    await resident.waitForSelector(byTestId('survey-answer-form'))
    expect(await shownPositions(resident)).toEqual([1, 3, 4])
    await resident.click(byTestId('survey-q1-option-0'))
    expect(await shownPositions(resident)).toEqual([1, 2, 3, 4])
    await resident.click(byTestId('survey-q1-option-2'))
    expect(await shownPositions(resident)).toEqual([1, 3, 4])
    await resident.click(byTestId('survey-q1-option-0'))
    await resident.click(byTestId('survey-q2-option-0'))
    await resident.click(byTestId('survey-q2-option-1'))
    // The scale left out: named at its card, nothing sent.
    await resident.click(byTestId('survey-submit'))
    await resident.waitForSelector(byTestId('survey-q3-error'))
    expect(await resident.textContent(byTestId('survey-answer-missing'))).toContain('3')
    await axe(resident, 'survey answer sheet (with an error)')
    await shoot(resident, 'surveys-answer-phone.png')
    await resident.click(byTestId('survey-q3-scale-4'))
    expect(await resident.locator(byTestId('survey-q3-error')).count()).toBe(0)
    await resident.fill(byTestId('survey-q4-text'), '希望增加夜间照明')
    await resident.click(byTestId('survey-submit'))
    await resident.waitForSelector(byTestId('survey-thanks'))
    await axe(resident, 'survey answered')
    await goto(resident, '#/participation/surveys')
    await resident.waitForSelector(`${byTestId('survey-card')}[data-id="${surveyId}"] ${byTestId('survey-answered')}`)
  }, 90_000)

  it('a second resident answers', async () => {
    const resident = await signIn(SECOND_RESIDENT)
    await goto(resident, `#/participation/surveys/${surveyId}`)
    await resident.waitForSelector(byTestId('survey-answer-form'))
    await resident.click(byTestId('survey-q1-option-1'))
    await resident.click(byTestId('survey-q3-scale-2'))
    await resident.click(byTestId('survey-submit'))
    await resident.waitForSelector(byTestId('survey-thanks'))
    const rows = await p.database.db
      .selectFrom('survey_response')
      .select(['user_id'])
      .where('survey_id', '=', surveyId)
      .execute()
    expect(rows).toHaveLength(2)
  }, 60_000)

  it('a visitor without an account answers once through a one-time link', async () => {
    const ctx = await browser.newContext({ viewport: PHONE, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' })
    ctx.setDefaultTimeout(30_000)
    contexts.push(ctx)
    const visitor = await ctx.newPage()
    watch(visitor, 'visitor')
    await visitor.goto(linkUrl)
    // The public frame, not the sign-in page.
    await visitor.waitForSelector(byTestId('survey-link-page'))
    expect(await visitor.locator(byTestId('public-sign-in')).count()).toBe(1)
    await visitor.waitForSelector(byTestId('survey-answer-form'))
    expect(await shownPositions(visitor)).toEqual([1, 3, 4])
    await visitor.click(byTestId('survey-q1-option-0'))
    await visitor.click(byTestId('survey-q2-option-0'))
    await visitor.click(byTestId('survey-q3-scale-5'))
    await axe(visitor, 'survey link page')
    await shoot(visitor, 'surveys-link-phone.png')
    await visitor.click(byTestId('survey-submit'))
    await visitor.waitForSelector(byTestId('survey-thanks'))
    await visitor.reload()
    await visitor.waitForSelector(byTestId('survey-link-invalid'))
    await axe(visitor, 'survey link page (used)')
    const answered = await p.database.db
      .selectFrom('survey_response')
      .select(['user_id', 'link_hash'])
      .where('survey_id', '=', surveyId)
      .where('user_id', 'is', null)
      .execute()
    expect(answered).toHaveLength(1)
  }, 60_000)

  it('staff see the live results, exact, with charts', async () => {
    await goto(staff, `#/participation/surveys/${surveyId}/results`)
    await staff.waitForSelector(byTestId('survey-results-page'))
    await staff.waitForSelector(`${byTestId('survey-chart-1')} svg`)
    await staff.waitForSelector(byTestId('survey-results-live'))
    const counts = (position: number) =>
      staff.$$eval(
        `${byTestId('survey-result')}[data-position="${position}"] ${byTestId('survey-result-row')} td`,
        (tds) => tds.map((td) => td.textContent),
      )
    expect(await counts(1)).toEqual(['2', '1', '0'])
    expect(await counts(2)).toEqual(['2', '1'])
    expect(await counts(3)).toEqual(['0', '1', '0', '1', '1'])
    expect(
      await staff.textContent(`${byTestId('survey-result')}[data-position="4"] ${byTestId('survey-result-texts')}`),
    ).toContain('希望增加夜间照明')
    await axe(staff, 'survey results (staff)')
    await shoot(staff, 'surveys-results-staff.png')
    // Closing it publishes the results.
    await goto(staff, `#/participation/surveys/${surveyId}`)
    await staff.click(byTestId('survey-close'))
    await staff.click(byTestId('survey-close-confirm'))
    await staff.waitForSelector(`${byTestId('survey-state')}:text("已结束")`)
  }, 60_000)

  it('residents read the closed results with small counts hidden, in Chinese and English', async () => {
    const resident = await signIn('guihua.resident')
    await goto(resident, `#/participation/surveys/${surveyId}`)
    await resident.click(byTestId('survey-results-link'))
    await resident.waitForSelector(byTestId('survey-results-page'))
    await resident.waitForSelector(byTestId('survey-result-row'))
    // Every count is hidden, so no chart is drawn of them; the tables say so.
    expect(await resident.locator(byTestId('survey-chart-1')).count()).toBe(0)
    const cells = await resident.$$eval(
      `${byTestId('survey-result')}[data-position="1"] ${byTestId('survey-result-row')} td`,
      (tds) => tds.map((td) => [td.textContent, td.getAttribute('data-suppressed')]),
    )
    expect(cells).toEqual([
      ['少于5', 'true'],
      ['少于5', 'true'],
      ['少于5', 'true'],
    ])
    expect(await resident.textContent(byTestId('survey-results-total'))).toBe('答卷不足5份')
    await axe(resident, 'survey results (resident)')
    await shoot(resident, 'surveys-results-resident.png')
    await resident.selectOption(byTestId('lang-switch'), 'en')
    await resident.waitForSelector(`${byTestId('survey-result-row')} td:text("under 5")`)
    expect(await resident.textContent(byTestId('survey-results-total'))).toBe('Fewer than 5 responses')
    await axe(resident, 'survey results (en)')
    await goto(resident, '#/participation/surveys')
    await resident.waitForSelector(
      `${byTestId('survey-card')}[data-id="${surveyId}"] ${byTestId('survey-state')}:text("Closed")`,
    )
    await shoot(resident, 'surveys-list-en.png')
  }, 60_000)

  it('found no serious or critical accessibility violations on the survey pages', () => {
    expect(a11yProblems).toEqual([])
  })

  it('raised no uncaught errors in the pages', () => {
    expect(pageProblems).toEqual([])
  })
})
