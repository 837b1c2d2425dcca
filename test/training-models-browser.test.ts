// Model cases in a real browser (the flow): guihua.staff opens a closed case, writes it up
// as a model case from the case page, leaves a phone number in the lessons — publishing is refused
// and the finding is shown and marked — lets "anonymise" remove it and publishes; the library finds
// it by Chinese words; a new case of the same category shows it among the suggestions; the grid
// worker reads it on a phone in English. Screenshots; axe on the library, the page and the editor.
// Needs the built web app (`npm run build:web`) and a system Chromium.
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { insertClosedCase } from '../src/training/models-demo.js'
import { PHONE, browserSession, byTestId } from './browser-support.js'
import { call, tokenFor, type TestPlatform } from './support.js'

const session = browserSession({ what: 'the model-case browser test' })
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
  'base64',
)

describe.skipIf(session.skip)('model-case screens in a browser (pglite)', () => {
  let p: TestPlatform
  const { signIn, shoot, goto, axe, pageProblems, a11yProblems } = session
  let staff: Page
  let closedCase = 0
  let modelCase = 0

  const db = () => p.database.db
  const status = async () =>
    (await db().selectFrom('model_case').select('status').where('id', '=', modelCase).executeTakeFirstOrThrow()).status

  beforeAll(async () => {
    p = await session.open(async (platform) => {
      p = platform
      closedCase = await platform.database.db.transaction().execute((tx) =>
        insertClosedCase(tx, platform.clock.now(), {
          grid: 'JZ-QH-01-01-G01',
          category: 'WY-04',
          address: '桂花苑11幢',
          description: '11幢3单元楼道堆放旧床垫和纸箱，堵住了一半楼梯。',
          reporterName: null,
          reportedDaysAgo: 9,
          steps: [
            ['accept', 9, null, 'triage'],
            ['dispatch', 9, null, 'triage'],
            ['department_accept', 8, '联系物业上门劝导', 'handler'],
            ['reply', 6, '住户自行清理，物业清运无主杂物', 'handler'],
            ['verify_pass', 5, '复查楼道畅通', 'verifier'],
            ['close', 5, null, 'triage'],
          ],
          result: '楼道已清理畅通，张贴禁堆提示。',
        }),
      )
    })
  })

  afterAll(() => session.close())

  it('writes up the closed case from the case page and opens the editor', async () => {
    staff = await signIn('guihua.staff')
    await goto(staff, `#/cases/${closedCase}`)
    await staff.waitForSelector(byTestId('tm-write-up'))
    await shoot(staff, 'training-models-case-closed.png')
    await staff.click(byTestId('tm-write-up'))
    await staff.waitForSelector(byTestId('tm-editor'))
    const made = await db()
      .selectFrom('model_case')
      .select(['id', 'status'])
      .where('source_kind', '=', 'case')
      .where('source_id', '=', closedCase)
      .executeTakeFirstOrThrow()
    modelCase = Number(made.id)
    expect(made.status).toBe('draft')
    expect(await staff.inputValue(byTestId('tm-form-problem'))).toContain('旧床垫')
    expect(await staff.inputValue(byTestId('tm-form-method'))).toContain('联系物业上门劝导')
    await staff.waitForSelector(byTestId('tm-clean'))
    await axe(staff, 'model-case editor')
  })

  it('refuses to publish with a phone number left in, shows the finding, anonymises and publishes', async () => {
    await staff.fill(byTestId('tm-form-title'), '楼道堆物清理：劝导与清运结合')
    await staff.fill(byTestId('tm-form-lessons'), '先劝导再清运。有问题可联系物业经理，电话 138 1234 5678。')
    await staff.click(byTestId('tm-publish'))
    await staff.waitForSelector(byTestId('tm-refused'))
    await staff.waitForSelector(`${byTestId('tm-findings')} li[data-kind="phone"][data-field="lessons"]`)
    expect(await staff.textContent(byTestId('tm-findings'))).toContain('138****5678')
    await staff.waitForSelector(`${byTestId('tm-marked')} mark[data-kind="phone"]`)
    expect(await status()).toBe('draft')
    await axe(staff, 'model-case editor with findings')
    await shoot(staff, 'training-models-editor-refused.png')

    await staff.click(byTestId('tm-anonymise'))
    await staff.waitForSelector(byTestId('tm-clean'))
    expect(await staff.inputValue(byTestId('tm-form-lessons'))).toContain('电话 1**********')
    await shoot(staff, 'training-models-editor-clean.png')
    await staff.click(byTestId('tm-publish'))
    await staff.waitForSelector(`${byTestId('tm-page')} article[data-status="published"]`)
    expect(await status()).toBe('published')
    expect(await staff.textContent(byTestId('tm-title'))).toContain('劝导与清运结合')
    await staff.waitForSelector(byTestId('tm-source-link'))
    await axe(staff, 'model-case page')
    await shoot(staff, 'training-models-page.png')
  })

  it('the library finds it by Chinese words', async () => {
    await goto(staff, '#/training/models')
    await staff.waitForSelector(byTestId('tm-cards'))
    await staff.fill(byTestId('tm-search'), '楼道里的杂物')
    await staff.click(byTestId('tm-search-submit'))
    await staff.waitForSelector(byTestId(`tm-card-${modelCase}`))
    await axe(staff, 'model-case library')
    await shoot(staff, 'training-models-library.png')
  })

  it('a new case of the same category shows it among the suggestions', async () => {
    const token = await tokenFor(p.app, 'guihua.staff')
    const photo = await p.app.inject({
      method: 'POST',
      url: '/api/v1/photos',
      headers: { 'content-type': 'image/png', authorization: `Bearer ${token}` },
      payload: PNG,
    })
    const grid = await db()
      .selectFrom('area')
      .select('id')
      .where('code', '=', 'JZ-QH-01-01-G01')
      .executeTakeFirstOrThrow()
    const filed = await call(p.app, 'POST', '/api/v1/cases', {
      token,
      body: {
        categoryCode: 'WY-04',
        areaId: grid.id,
        address: '桂花苑2幢',
        description: '2幢楼道有人堆放装修垃圾',
        photos: [photo.json().token],
      },
    })
    expect(filed.status, JSON.stringify(filed.body)).toBe(201)
    await goto(staff, `#/cases/${filed.body.id}`)
    await staff.waitForSelector(byTestId(`tm-suggestion-${modelCase}`))
    expect(await staff.$(byTestId('tm-write-up'))).toBeNull()
    await shoot(staff, 'training-models-suggested.png')
  })

  it('the grid worker reads the suggestion and the model case on a phone, in English', async () => {
    const grid = await signIn('guihua.grid', PHONE)
    await grid.selectOption(byTestId('lang-switch'), 'en')
    await goto(grid, `#/training/models/${modelCase}`)
    await grid.waitForSelector(byTestId('tm-problem'))
    expect(await grid.$(byTestId('tm-edit'))).toBeNull()
    expect(await grid.textContent(byTestId('tm-page'))).toContain('How it was handled')
    await axe(grid, 'model-case page (phone, English)')
    await shoot(grid, 'training-models-phone-en.png')
    await goto(grid, '#/training/models')
    await grid.waitForSelector(byTestId(`tm-card-${modelCase}`))
    await axe(grid, 'model-case library (phone, English)')
    await shoot(grid, 'training-models-library-phone-en.png')
    await grid.selectOption(byTestId('lang-switch'), 'zh-CN')
  })

  it('met no accessibility or page problems', () => {
    expect(a11yProblems).toEqual([])
    expect(pageProblems).toEqual([])
  })
})
