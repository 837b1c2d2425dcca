// Policy explainers in a real browser: guihua.staff writes a policy with Q&A linked to the case
// category of an open case in 桂花 and publishes it, then edits its Q&A; the handler of the street's
// law-enforcement team (guihua.handler) opens that case and finds it under "相关政策" on the case
// page, follows the link and reads the policy (explainer first, a Q&A answer opened) in zh-CN and in
// English; the grid worker searches the list on a phone and finds the explainer linked from a
// notice (a resident neither sees nor asks for it). Screenshots; axe on the list, the editor and the
// policy page. Needs `npm run build:web` and Chromium.
import { sql } from 'kysely'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { PHONE, browserSession, byTestId } from './browser-support.js'
import type { TestPlatform } from './support.js'

const session = browserSession({ what: 'the training policies browser test' })

const TITLE = '桂花社区窨井盖安全管理责任说明'

describe.skipIf(session.skip)('policy explainer screens in a browser (pglite)', () => {
  let p: TestPlatform
  const { signIn, shoot, goto, axe, pageProblems, a11yProblems } = session
  let staff: Page
  let handler: Page
  let openCase = { id: 0, category_id: 0, name_zh: '' }
  let policyId = 0
  let notice = 0

  beforeAll(async () => {
    p = await session.open(async (platform) => {
      const { rows } = await sql<{ id: number; category_id: number; name_zh: string }>`
        select c.id, c.category_id, cc.name_zh from cases c join area a on a.id = c.area_id
          join case_category cc on cc.id = c.category_id
        where a.path like (select path || '%' from area where code = 'JZ-QH-01-01')
          and c.state in ('submitted', 'accepted', 'dispatched', 'in_progress')
        order by (cc.code in ('SB-04', 'DL-02')) desc, c.id desc limit 1`.execute(platform.database.db)
      openCase = rows[0]!
      notice = Number(
        (
          await platform.database.db
            .selectFrom('notice')
            .select('id')
            .where('title', '=', '桂花社区生活垃圾分类实施细则')
            .executeTakeFirstOrThrow()
        ).id,
      )
    })
  })

  afterAll(() => session.close())

  it('a keeper writes a policy with Q&A linked to the case’s category and publishes it', async () => {
    staff = await signIn('guihua.staff')
    await goto(staff, '#/training/policies')
    await staff.waitForSelector(byTestId('tp-rows'))
    await axe(staff, 'policy list')
    await shoot(staff, 'training-policies-list.png')

    await staff.click(byTestId('tp-new'))
    await staff.waitForSelector(byTestId('tp-editor'))
    await staff.waitForSelector(`${byTestId('tp-form-area')} option[data-code="JZ-QH-01-01"]`, { state: 'attached' })
    const guihua = await staff.$eval(
      `${byTestId('tp-form-area')} option[data-code="JZ-QH-01-01"]`,
      (o) => (o as HTMLOptionElement).value,
    )
    await staff.selectOption(byTestId('tp-form-area'), guihua)
    await staff.fill(byTestId('tp-form-title'), TITLE)
    await staff.fill(byTestId('tp-form-document'), '桂居〔2027〕2号')
    await staff.fill(byTestId('tp-form-issuer'), '桂花社区居民委员会')
    await staff.fill(
      byTestId('tp-form-explainer'),
      '井盖归谁管，看盖上的字：污水、雨水找排水公司，电力、通信找对应单位。松动倾斜先设警示再上报。',
    )
    await staff.fill(
      byTestId('tp-form-text'),
      '一、窨井盖由其权属单位负责日常巡查和维护。\n二、发现井盖缺失、破损、倾斜的，权属单位接报后4小时内设置警示，24小时内修复。',
    )
    await staff.click(byTestId('tp-qa-add'))
    await staff.fill(byTestId('tp-qa-question-0'), '井盖上没有字怎么办？')
    await staff.fill(byTestId('tp-qa-answer-0'), '拍下位置照片上报，由城管部门查明权属单位。')
    await staff.click(byTestId('tp-qa-add'))
    await staff.fill(byTestId('tp-qa-question-1'), '临时问题')
    await staff.click(byTestId('tp-qa-remove-1'))
    await staff.waitForSelector(`${byTestId('tp-form-category')} option[value="${openCase.category_id}"]`, {
      state: 'attached',
    })
    await staff.selectOption(byTestId('tp-form-category'), String(openCase.category_id))
    await staff.click(byTestId('tp-form-category-add'))
    await staff.waitForFunction(
      ([sel, name]) => document.querySelector(sel!)?.textContent?.includes(name!),
      [byTestId('tp-form-categories'), openCase.name_zh],
    )
    await axe(staff, 'policy editor')
    await shoot(staff, 'training-policies-editor.png')
    await staff.click(byTestId('tp-save'))
    await staff.waitForSelector(byTestId('tp-page'))
    await staff.waitForSelector(byTestId('tp-to-published'))
    policyId = Number(/policies\/(\d+)/.exec(await staff.evaluate(() => window.location.hash))?.[1])
    expect(policyId).toBeGreaterThan(0)
    const draft = await p.database.db
      .selectFrom('training_policy')
      .selectAll()
      .where('id', '=', policyId)
      .executeTakeFirstOrThrow()
    expect(draft).toMatchObject({ status: 'draft', title: TITLE, document_no: '桂居〔2027〕2号' })
    expect(draft.qa).toEqual([
      { question: '井盖上没有字怎么办？', answer: '拍下位置照片上报，由城管部门查明权属单位。' },
    ])

    await staff.click(byTestId('tp-to-published'))
    await staff.waitForSelector(byTestId('tp-to-retired'))
    const published = await p.database.db
      .selectFrom('training_policy_category')
      .innerJoin('training_policy', 'training_policy.id', 'training_policy_category.policy_id')
      .select(['training_policy.status', 'training_policy_category.category_id'])
      .where('training_policy.id', '=', policyId)
      .execute()
    expect(published).toEqual([{ status: 'published', category_id: openCase.category_id }])

    // An edit of the Q&A alone leaves the links as they were.
    await staff.click(byTestId('tp-edit'))
    await staff.waitForSelector(byTestId('tp-qa-question-0'))
    await staff.click(byTestId('tp-qa-add'))
    await staff.fill(byTestId('tp-qa-question-1'), '井盖倾斜但没掉，要马上处理吗？')
    await staff.fill(byTestId('tp-qa-answer-1'), '要。先放警示标志防止行人踩空，再上报。')
    await staff.click(byTestId('tp-save'))
    await staff.waitForFunction((sel) => document.querySelectorAll(`${sel} details`).length === 2, byTestId('tp-qa'))
    const edited = await p.database.db
      .selectFrom('training_policy')
      .select(['version', 'status'])
      .where('id', '=', policyId)
      .executeTakeFirstOrThrow()
    expect(edited).toEqual({ version: 3, status: 'published' })
    const links = await p.database.db
      .selectFrom('training_policy_category')
      .select('category_id')
      .where('policy_id', '=', policyId)
      .execute()
    expect(links).toEqual([{ category_id: openCase.category_id }])
  })

  it('the handler sees the policy on the case page and reads it in zh-CN and English', async () => {
    handler = await signIn('guihua.handler')
    await goto(handler, `#/cases/${openCase.id}`)
    await handler.waitForSelector(byTestId(`tp-on-case-${policyId}`))
    expect(await handler.textContent(byTestId('tp-on-case'))).toContain('相关政策')
    expect(await handler.textContent(byTestId('tp-on-case'))).toContain('井盖归谁管')
    await shoot(handler, 'training-policies-on-case.png')

    await handler.click(byTestId(`tp-on-case-${policyId}`))
    await handler.waitForSelector(byTestId('tp-explainer'))
    expect(await handler.textContent(byTestId('tp-title'))).toContain(TITLE)
    // The explainer comes before the Q&A, and the Q&A before the full text.
    const order = await handler.$$eval('[data-testid="tp-page"] section', (els) =>
      els.map((e) => e.getAttribute('data-testid')),
    )
    expect(order.slice(0, 3)).toEqual(['tp-explainer', 'tp-qa', 'tp-text'])
    expect(await handler.$(byTestId('tp-edit'))).toBeNull()
    await handler.click(`${byTestId('tp-qa')} summary`)
    expect(await handler.isVisible(`${byTestId('tp-qa')} details p`)).toBe(true)
    await axe(handler, 'policy page')
    await shoot(handler, 'training-policies-page-zh.png')

    await handler.selectOption(byTestId('lang-switch'), 'en')
    await handler.waitForFunction(() => document.body.textContent?.includes('In plain words'))
    expect(await handler.textContent(byTestId('tp-qa'))).toContain('Questions and answers')
    await axe(handler, 'policy page (English)')
    await shoot(handler, 'training-policies-page-en.png')
    await goto(handler, `#/cases/${openCase.id}`)
    await handler.waitForSelector(byTestId(`tp-on-case-${policyId}`))
    expect(await handler.textContent(byTestId('tp-on-case'))).toContain('Relevant policies')
    await handler.selectOption(byTestId('lang-switch'), 'zh-CN')
  })

  it('the grid worker finds it by its words on a phone', async () => {
    const grid = await signIn('guihua.grid', PHONE)
    await goto(grid, '#/training/policies')
    await grid.waitForSelector(byTestId('tp-rows'))
    expect(await grid.$(byTestId('tp-new'))).toBeNull()
    await grid.fill(byTestId('tp-search'), '井盖倾斜找谁')
    await grid.click(byTestId('tp-search-submit'))
    // Ranked: the policy with most of the words comes first.
    await grid.waitForFunction(
      ([sel, title]) => document.querySelector(`${sel} li`)?.textContent?.includes(title!),
      [byTestId('tp-rows'), TITLE],
    )
    await axe(grid, 'policy list (phone)')
    await shoot(grid, 'training-policies-phone.png')

    // The sorting rules' notice links the city's regulation it implements (the demo's link).
    await goto(grid, `#/participation/notices/${notice}`)
    await grid.waitForSelector(byTestId('tp-on-notice'))
    expect(await grid.textContent(byTestId('tp-on-notice'))).toContain('江州市生活垃圾分类管理条例')
    await shoot(grid, 'training-policies-on-notice-phone.png')
  })

  it('a resident reads the notice without the staff’s explainer links', async () => {
    const resident = await signIn('guihua.resident', PHONE)
    const asked: string[] = []
    resident.on('request', (r) => {
      if (r.url().includes('/api/v1/training/')) asked.push(r.url())
    })
    await goto(resident, `#/participation/notices/${notice}`)
    await resident.waitForSelector(byTestId('notice-article'))
    // The explainer links would come with the page's other queries; give them time to (not) appear.
    await resident.waitForTimeout(1500)
    expect(await resident.$(byTestId('tp-on-notice'))).toBeNull()
    // Residents do not even ask: the route is for staff.
    expect(asked).toEqual([])
  })

  it('met no accessibility or page problems', () => {
    expect(a11yProblems).toEqual([])
    expect(pageProblems).toEqual([])
  })
})
