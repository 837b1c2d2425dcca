// The event loop by the book in a real browser (issue 12): a hotline operator records a call about
// flyers (urgent, with the caller's phone) in a category checked on site before filing; the grid
// worker confirms it on the phone with a photo; triage accepts (routing dispatches it to the street
// team); the team asks to return it, and triage denies the return in the supervision queue; the team
// contacts the requester, takes it on and replies; the grid worker checks the result; triage closes
// it; the hotline operator records the call-back (reached, solved, satisfied) in the call-back
// console. Then the other new screens: shelving, the case rules (an admin sets the call-back attempts),
// English on one page, and the first visit following an English browser. Screenshots at each step,
// axe on every new page. Needs the built web app (`npm run build:web`; TEST_WEB_DIR names another
// build, so a run does not race others building web/dist) and a system Chromium.
import { sql } from 'kysely'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cipherFor, sealPhone } from '../src/core/crypto.js'
import { insertClosedCase } from '../src/training/models-demo.js'
import { DESKTOP, PHONE, browserSession, byTestId } from './browser-support.js'
import { call, type TestPlatform, tokenFor } from './support.js'

// Monday 10:00 in the demo city (Asia/Shanghai): inside working hours, so the return window is open.
const session = browserSession({
  what: 'the loop browser test',
  startAt: '2026-12-07T02:00:00.000Z',
  overrides: process.env.TEST_WEB_DIR ? { webDir: process.env.TEST_WEB_DIR } : {},
})
const GRID = 'JZ-QH-01-01-G01'
const CATEGORY = 'SR-05' // flyers; needs a photo at intake
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
  'base64',
)
const DESCRIPTION = '热线来电：桂花苑北门宣传栏贴满小广告（回路浏览器测试）'
const CALLER = '王女士'
const CALLER_PHONE = '13912345678'
const RESULT = '已清除北门宣传栏小广告，张贴禁贴提示。'

describe.skipIf(session.skip)('the loop by the book in a browser (pglite)', () => {
  let p: TestPlatform
  const { signIn, shoot, goto, axe, pageProblems, a11yProblems } = session
  let point: { lng: number; lat: number }
  let trackingCode = ''
  let caseId = 0
  let staff: Page
  let grid: Page
  let handler: Page
  // A closed hotline case from last week whose caller declines to answer at the call-back.
  let declining = { id: 0, code: '' }

  const db = () => p.database.db
  const row = () =>
    db()
      .selectFrom('cases')
      .select([
        'state',
        'urgency',
        'channel',
        'contact_required',
        'contacted_at',
        'return_count',
        'return_denied_count',
        'rating',
        'rating_status',
        'solved',
        'callback_attempts',
      ])
      .where('id', '=', caseId)
      .executeTakeFirstOrThrow()
  const stateIs = (page: Page, state: string) =>
    page.waitForSelector(`${byTestId('case-state')}[data-state="${state}"]`)

  /** Opens an action's form on the case page, fills what it needs, submits, and waits for the state. */
  async function act(page: Page, action: string, nextState: string, fill?: () => Promise<void>) {
    await page.click(byTestId(`action-${action}`))
    await page.waitForSelector(`${byTestId('action-form')}[data-action="${action}"]`)
    await fill?.()
    await page.click(byTestId('action-submit'))
    await page.waitForSelector(byTestId('action-notice'))
    await stateIs(page, nextState)
  }

  beforeAll(async () => {
    p = await session.open(async (platform) => {
      // The category is checked on site before filing when it comes from the public.
      await platform.database.db
        .updateTable('case_category')
        .set({ verify_before_filing: true })
        .where('code', '=', CATEGORY)
        .execute()
      const { rows } = await sql<{ lng: number; lat: number }>`
        select ST_X(ST_PointOnSurface(boundary)) as lng, ST_Y(ST_PointOnSurface(boundary)) as lat
        from area where code = ${GRID}`.execute(platform.database.db)
      point = { lng: Number(rows[0]!.lng.toFixed(7)), lat: Number(rows[0]!.lat.toFixed(7)) }
      const id = await platform.database.db.transaction().execute((tx) =>
        insertClosedCase(tx, platform.clock.now(), {
          grid: GRID,
          category: 'WY-04',
          address: '桂花苑7幢',
          description: '7幢楼道堆放杂物（回路浏览器测试，拒绝评价）',
          reporterName: '李先生',
          reportedDaysAgo: 8,
          steps: [
            ['accept', 8, null, 'triage'],
            ['dispatch', 8, null, 'triage'],
            ['department_accept', 7, null, 'handler'],
            ['reply', 6, '杂物已清运', 'handler'],
            ['verify_pass', 5, null, 'verifier'],
            ['close', 5, null, 'triage'],
          ],
          result: '楼道杂物已清运。',
        }),
      )
      // The caller left a phone: someone to call back.
      const phone = sealPhone(cipherFor(platform.config), '13700007777')
      await platform.database.db
        .updateTable('cases')
        .set({ contact_required: true, reporter_phone_enc: phone.enc, reporter_phone_masked: phone.masked })
        .where('id', '=', id)
        .execute()
      const made = await platform.database.db
        .selectFrom('cases')
        .select('tracking_code')
        .where('id', '=', id)
        .executeTakeFirstOrThrow()
      declining = { id, code: made.tracking_code }
    })
  })

  afterAll(() => session.close())

  it('the hotline operator records an urgent call with the caller; it waits for verification', async () => {
    staff = await signIn('guihua.staff')
    await goto(staff, '#/report')
    await staff.waitForSelector(byTestId('page-report'))
    await staff.fill(byTestId('category-search'), '小广告')
    await staff.click(byTestId(`category-${CATEGORY}`))
    await staff.fill(byTestId('report-lat'), String(point.lat))
    await staff.fill(byTestId('report-lng'), String(point.lng))
    await staff.waitForSelector(`${byTestId('report-grid')}[data-state="ok"]`)
    await staff.fill(byTestId('report-description'), DESCRIPTION)
    await staff.check(byTestId('attr-ad_form-sticker'))
    await staff.setInputFiles(byTestId('photo-input'), { name: 'flyers.png', mimeType: 'image/png', buffer: PNG })
    await staff.waitForSelector(`${byTestId('photo-thumb')}[data-state="done"]`)
    // Staff choose the tier at intake; the hotline is the default source, proactive the other.
    await staff.selectOption(byTestId('report-urgency'), 'urgent')
    expect(await staff.isChecked(byTestId('report-channel-default'))).toBe(true)
    await staff.fill(byTestId('report-name'), CALLER)
    await staff.fill(byTestId('report-phone'), CALLER_PHONE)
    await axe(staff, 'report form (hotline)')
    await shoot(staff, 'loop-01-hotline-report.png')
    await staff.click(byTestId('report-submit'))
    await staff.waitForSelector(byTestId('report-success'))
    trackingCode = (await staff.textContent(byTestId('report-tracking-code')))!.trim()
    const filed = await db()
      .selectFrom('cases')
      .select('id')
      .where('tracking_code', '=', trackingCode)
      .executeTakeFirstOrThrow()
    caseId = filed.id
    expect(await row()).toMatchObject({
      state: 'verifying',
      urgency: 'urgent',
      channel: 'hotline',
      contact_required: true,
    })
  }, 120_000)

  it('the grid worker confirms it on site with a photo (a confirmation without one is stopped)', async () => {
    grid = await signIn('guihua.grid', PHONE)
    await grid.waitForSelector(byTestId('page-tasks'))
    const card = `${byTestId('task-card')}[data-kind="filing"][data-tracking-code="${trackingCode}"]`
    await grid.waitForSelector(card)
    await axe(grid, 'tasks with verification before filing')
    await shoot(grid, 'loop-02-verify-task.png')
    await grid.click(`${card} ${byTestId('task-confirm')}`)
    await grid.click(`${card} ${byTestId('task-submit')}`)
    await grid.waitForSelector(`${card} ${byTestId('task-error')}`)
    expect((await row()).state).toBe('verifying')
    await grid.setInputFiles(`${card} ${byTestId('task-photo-input')}`, {
      name: 'site.png',
      mimeType: 'image/png',
      buffer: PNG,
    })
    await grid.waitForSelector(`${card} ${byTestId('task-photo-thumb')}[data-state="done"]`)
    await grid.click(`${card} ${byTestId('task-submit')}`)
    await grid.waitForSelector(byTestId('task-done'))
    await grid.waitForSelector(card, { state: 'detached' })
    expect((await row()).state).toBe('submitted')
  }, 90_000)

  it('triage accepts it and routing dispatches it to the street team; the facts show the tier and the contact limit', async () => {
    await goto(staff, `#/cases/${caseId}`)
    await stateIs(staff, 'submitted')
    expect(await staff.getAttribute(byTestId('urgency'), 'data-urgency')).toBe('urgent')
    await act(staff, 'accept', 'dispatched')
    expect(await staff.getAttribute(byTestId('case-contact'), 'data-contacted')).toBe('no')
    await axe(staff, 'case page (dispatched)')
    await shoot(staff, 'loop-03-dispatched.png')
  }, 90_000)

  it('the street team asks to return it with a reason; triage denies the return in the supervision queue', async () => {
    handler = await signIn('guihua.handler')
    await goto(handler, `#/cases/${caseId}`)
    await stateIs(handler, 'dispatched')
    await act(handler, 'return', 'return_requested', async () => {
      await handler.selectOption(byTestId('action-return-reason'), 'not_our_duty')
      await handler.fill(byTestId('action-comment'), '宣传栏属物业管理，建议转物业')
      await shoot(handler, 'loop-04-return-form.png')
    })

    await goto(staff, '#/supervision/returns')
    const card = `${byTestId('return-card')}[data-tracking-code="${trackingCode}"]`
    await staff.waitForSelector(card)
    expect(await staff.textContent(`${card} ${byTestId('return-reason')}`)).toContain('非本部门职责')
    await axe(staff, 'return review')
    await shoot(staff, 'loop-05-return-review.png')
    await staff.click(`${card} ${byTestId('queue-deny_return')}`)
    // A denial needs its reason.
    await staff.click(`${card} ${byTestId('queue-submit')}`)
    await staff.waitForSelector(`${card} ${byTestId('queue-error')}`)
    await staff.fill(`${card} ${byTestId('queue-comment')}`, '公共区域小广告由街道综合执法队清理')
    await staff.click(`${card} ${byTestId('queue-submit')}`)
    await staff.waitForSelector(byTestId('returns-notice'))
    await staff.waitForSelector(card, { state: 'detached' })
    expect(await row()).toMatchObject({ state: 'dispatched', return_count: 1, return_denied_count: 1 })
  }, 120_000)

  it('the street team contacts the requester first, then takes the case on and replies', async () => {
    await handler.reload()
    await stateIs(handler, 'dispatched')
    await act(handler, 'contact_requester', 'dispatched', async () => {
      await handler.click(byTestId('action-contact-phone'))
      await handler.click(byTestId('action-reached-yes'))
      await handler.fill(byTestId('action-comment'), '已电话联系王女士，约定今天下午清理')
    })
    await handler.waitForSelector(`${byTestId('case-contact')}[data-contacted="yes"]`)
    expect((await row()).contacted_at).not.toBeNull()
    await act(handler, 'department_accept', 'in_progress')
    await act(handler, 'reply', 'replied', () => handler.fill(byTestId('action-result'), RESULT))
    await shoot(handler, 'loop-06-replied.png')
  }, 120_000)

  it('the grid worker checks the result on site, and triage closes the case', async () => {
    await grid.reload()
    const card = `${byTestId('task-card')}[data-kind="check"][data-tracking-code="${trackingCode}"]`
    await grid.waitForSelector(card)
    await grid.click(`${card} ${byTestId('task-pass')}`)
    await grid.fill(`${card} ${byTestId('task-comment')}`, '宣传栏已清理干净')
    await grid.click(`${card} ${byTestId('task-submit')}`)
    await grid.waitForSelector(card, { state: 'detached' })
    await goto(staff, `#/cases/${caseId}`)
    await staff.reload()
    await stateIs(staff, 'verified')
    await act(staff, 'close', 'closed')
    await staff.waitForSelector(`${byTestId('case-rating-status')}[data-status="awaiting"]`)
  }, 90_000)

  it('the hotline operator records the call-back in the console: reached, solved, satisfied', async () => {
    await goto(staff, '#/supervision/callbacks')
    const card = `${byTestId('callback-card')}[data-tracking-code="${trackingCode}"]`
    await staff.waitForSelector(card)
    expect(await staff.textContent(`${card} ${byTestId('callback-attempts')}`)).toContain('0')
    await staff.click(`${card} ${byTestId('callback-open')}`)
    // The requester to call, from the case's detail.
    await staff.waitForFunction(
      (sel) => document.querySelector(sel)?.textContent?.includes('王女士') ?? false,
      `${card} ${byTestId('callback-requester')}`,
    )
    // The masked number cannot be dialled: the operator reveals it (audited on the server).
    await staff.click(`${card} ${byTestId('callback-reveal-phone')}`)
    await staff.waitForFunction(
      ([sel, phone]) => document.querySelector(sel!)?.textContent?.includes(phone!) ?? false,
      [`${card} ${byTestId('callback-phone')}`, CALLER_PHONE],
    )
    await axe(staff, 'call-back console')
    await staff.click(`${card} ${byTestId('callback-reached-yes')}`)
    await staff.click(`${card} ${byTestId('callback-solved-yes')}`)
    await staff.click(`${card} ${byTestId('callback-rating-satisfied')}`)
    await staff.fill(`${card} ${byTestId('callback-comment')}`, '王女士表示已清理干净，很满意')
    await shoot(staff, 'loop-07-callback.png')
    await staff.click(`${card} ${byTestId('callback-submit')}`)
    await staff.waitForSelector(byTestId('callbacks-notice'))
    await staff.waitForSelector(card, { state: 'detached' })
    expect(await row()).toMatchObject({
      state: 'rated',
      rating: 'satisfied',
      rating_status: 'rated',
      solved: true,
      callback_attempts: 1,
    })
    await goto(staff, `#/cases/${caseId}`)
    await staff.reload()
    await stateIs(staff, 'rated')
    await staff.waitForSelector(`${byTestId('case-rating-status')}[data-status="rated"]`)
    const steps = await staff
      .locator(byTestId('timeline-item'))
      .evaluateAll((els) => els.map((e) => e.getAttribute('data-action')))
    for (const a of ['confirm', 'return', 'deny_return', 'contact_requester', 'reply', 'close', 'callback'])
      expect(steps).toContain(a)
    await shoot(staff, 'loop-08-rated.png')
  }, 120_000)

  it('a caller who declines to answer is not rated (不参评) and listed apart', async () => {
    await goto(staff, '#/supervision/callbacks')
    const card = `${byTestId('callback-card')}[data-tracking-code="${declining.code}"]`
    await staff.waitForSelector(card)
    await staff.click(`${card} ${byTestId('callback-open')}`)
    await staff.click(`${card} ${byTestId('callback-reached-yes')}`)
    await staff.check(`${card} ${byTestId('callback-declined')}`)
    // Declining leaves nothing to rate: the solved and rating questions are gone.
    expect(await staff.locator(`${card} ${byTestId('callback-solved-yes')}`).count()).toBe(0)
    await staff.click(`${card} ${byTestId('callback-submit')}`)
    await staff.waitForSelector(card, { state: 'detached' })
    await staff.waitForSelector(`${byTestId('not-rated-card')}[data-tracking-code="${declining.code}"]`)
    const after = await db()
      .selectFrom('cases')
      .select(['state', 'rating_status', 'rating', 'callback_attempts'])
      .where('id', '=', declining.id)
      .executeTakeFirstOrThrow()
    expect(after).toMatchObject({ state: 'closed', rating_status: 'not_rated', rating: null, callback_attempts: 1 })
    // The case just rated is in neither list.
    expect(await staff.locator(`[data-tracking-code="${trackingCode}"]`).count()).toBe(0)
  }, 90_000)

  it('a leader approves a shelving request in the shelving section, and the shelved case is revived', async () => {
    // A proactive case (no verification, nobody to call) the street team takes on and asks to shelve.
    const [staffT, handlerT] = [await tokenFor(p.app, 'guihua.staff'), await tokenFor(p.app, 'guihua.handler')]
    const photo = await p.app.inject({
      method: 'POST',
      url: '/api/v1/photos',
      headers: { 'content-type': 'image/png', authorization: `Bearer ${staffT}` },
      payload: PNG,
    })
    expect(photo.statusCode).toBe(201)
    const filed = await call(p.app, 'POST', '/api/v1/cases', {
      token: staffT,
      headers: { 'idempotency-key': 'loop-browser-shelving-case' },
      body: {
        categoryCode: CATEGORY,
        location: point,
        description: '桂花苑南门废弃广告牌无主，产权不明（回路浏览器测试，挂账）',
        channel: 'proactive',
        photos: [photo.json().token],
      },
    })
    expect(filed.status, JSON.stringify(filed.body)).toBe(201)
    const id = filed.body.id as number
    const code = filed.body.trackingCode as string
    const step = async (token: string, body: object) => {
      const version = (await call(p.app, 'GET', `/api/v1/cases/${id}`, { token })).body.version
      const res = await call(p.app, 'POST', `/api/v1/cases/${id}/actions`, { token, body: { ...body, version } })
      expect(res.status, JSON.stringify(res.body)).toBe(200)
    }
    await step(staffT, { action: 'accept' })
    await step(handlerT, { action: 'department_accept' })
    await step(handlerT, { action: 'request_shelving', comment: '广告牌产权人不明，需区里出台拆除政策' })

    const leader = await signIn('guihua.leader')
    await goto(leader, '#/supervision/shelving')
    const request = `${byTestId('shelving-request-card')}[data-tracking-code="${code}"]`
    await leader.waitForSelector(request)
    expect(await leader.textContent(`${request} ${byTestId('shelving-reason')}`)).toContain('产权人不明')
    await axe(leader, 'shelving requests')
    await shoot(leader, 'loop-09-shelving-request.png')
    await leader.click(`${request} ${byTestId('queue-shelve')}`)
    await leader.fill(`${request} ${byTestId('queue-comment')}`, '同意挂账，待政策出台后复核')
    await leader.click(`${request} ${byTestId('queue-submit')}`)
    const shelved = `${byTestId('shelved-card')}[data-tracking-code="${code}"]`
    await leader.waitForSelector(shelved)
    await leader.waitForSelector(request, { state: 'detached' })
    const shelvedRow = await db()
      .selectFrom('cases')
      .select(['state', 'shelve_review_at'])
      .where('id', '=', id)
      .executeTakeFirstOrThrow()
    expect(shelvedRow.state).toBe('shelved')
    expect(shelvedRow.shelve_review_at).not.toBeNull()
    await axe(leader, 'shelved list')
    await shoot(leader, 'loop-10-shelved.png')
    await leader.click(`${shelved} ${byTestId('queue-revive')}`)
    await leader.click(`${shelved} ${byTestId('queue-submit')}`)
    await leader.waitForSelector(shelved, { state: 'detached' })
    await leader.waitForSelector(byTestId('shelving-notice'))
    const revived = await db().selectFrom('cases').select('state').where('id', '=', id).executeTakeFirstOrThrow()
    expect(revived.state).toBe('in_progress')
    // Call-backs are the hotline's (triage), not a leader's section.
    expect(await leader.locator(byTestId('supervision-tab-callbacks')).count()).toBe(0)
  }, 120_000)

  it('the call-back console and the case page read in English too', async () => {
    await goto(staff, '#/supervision/callbacks')
    await staff.waitForSelector(byTestId('loop-callbacks'))
    expect(await staff.textContent(byTestId('supervision-tab-callbacks'))).toBe('回访')
    await staff.selectOption(byTestId('lang-switch'), 'en')
    await staff.waitForFunction(() => document.documentElement.lang === 'en')
    expect(await staff.textContent(byTestId('supervision-tab-callbacks'))).toBe('Call-backs')
    expect(await staff.textContent(byTestId('supervision-tab-returns'))).toBe('Return review')
    await axe(staff, 'call-back console (en)')
    await shoot(staff, 'loop-11-callbacks-en.png')
    await goto(staff, `#/cases/${caseId}`)
    await staff.waitForSelector(`${byTestId('case-rating-status')}[data-status="rated"]`)
    expect(await staff.textContent(byTestId('case-rating-status'))).toContain('The requester says it is solved')
    await staff.selectOption(byTestId('lang-switch'), 'zh-CN')
    await staff.waitForFunction(() => document.documentElement.lang === 'zh-CN')
  }, 90_000)

  it('an admin sets the call-back attempts of the community; empty inputs show what is inherited', async () => {
    const admin = await signIn('guihua.admin')
    await goto(admin, '#/supervision/rules')
    await admin.waitForSelector(byTestId('rules-form'))
    expect(await admin.getAttribute(byTestId('rules-callbackAttempts'), 'placeholder')).toContain('3')
    expect(await admin.getAttribute(byTestId('rules-urgent-contact'), 'placeholder')).toContain('2')
    await axe(admin, 'case rules')
    // A bad value is refused in the form and names its input.
    await admin.fill(byTestId('rules-callbackAttempts'), '0')
    await admin.click(byTestId('rules-save'))
    await admin.waitForSelector(byTestId('rules-error'))
    await admin.fill(byTestId('rules-callbackAttempts'), '2')
    await admin.click(byTestId('rules-save'))
    await admin.waitForSelector(byTestId('rules-saved'))
    await shoot(admin, 'loop-12-rules.png')
    const area = await db().selectFrom('area').select('id').where('code', '=', 'JZ-QH-01-01').executeTakeFirstOrThrow()
    const saved = await db()
      .selectFrom('case_rules')
      .select('rules')
      .where('area_id', '=', area.id)
      .executeTakeFirstOrThrow()
    expect(saved.rules).toEqual({ callbackAttempts: 2 })
  }, 90_000)

  it('a first visit from an English browser is in English; a stored choice wins over the browser', async () => {
    const ctx = await session.browser.newContext({ viewport: DESKTOP, locale: 'en-US' })
    ctx.setDefaultTimeout(30_000)
    session.contexts.push(ctx)
    const visitor = await ctx.newPage()
    session.watch(visitor, 'english visitor')
    await visitor.goto(session.baseUrl)
    await visitor.waitForSelector(byTestId('login-submit'))
    expect(await visitor.evaluate(() => document.documentElement.lang)).toBe('en')
    await visitor.selectOption(byTestId('lang-switch'), 'zh-CN')
    await visitor.waitForFunction(() => document.documentElement.lang === 'zh-CN')
    await visitor.reload()
    await visitor.waitForSelector(byTestId('login-submit'))
    expect(await visitor.evaluate(() => document.documentElement.lang)).toBe('zh-CN')
  }, 60_000)

  it('raised no page errors and no serious accessibility violations', () => {
    expect(pageProblems).toEqual([])
    expect(a11yProblems).toEqual([])
  })
})
