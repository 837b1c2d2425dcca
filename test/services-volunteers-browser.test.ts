// Volunteer activities in a real browser, the flow: staff of 桂花 write an activity that
// starts in a few minutes in the editor and publish it; the demo volunteer guihua.resident signs up
// on a phone; the QR page shows the check-in code, and the volunteer opens its address on a phone
// that is not signed in yet: the sign-in page comes first and returns to the check-in, which checks
// them in. The server's clock then passes an hour and a half into the activity and staff check the
// volunteer out from the sign-up list: 1.5 hours are credited once, "my hours" shows them and the
// certificate downloads as a PDF whose text names the volunteer and the hours. Staff read the
// volunteers list and the volunteer's page. axe checks every volunteers page (home, activity page,
// editor, QR page, check-in page, my hours, volunteers list, a volunteer's page).
// Needs the built web app (`npm run build:web`, or a build of one's own named by TEST_WEB_DIR) and
// a system Chromium; like the participation browser tests.
import { readFileSync } from 'node:fs'
import { DateTime } from 'luxon'
import type { Page } from 'playwright-core'
import { extractText } from 'unpdf'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { PHONE, browserSession, byTestId } from './browser-support.js'
import { DEMO_PASSWORD, type TestPlatform } from './support.js'

const ZONE = 'Asia/Shanghai'
const TITLE = '桂花社区助老送餐（浏览器测试）'
const PLACE = '桂花社区长者食堂'

const session = browserSession({
  what: 'the volunteers browser test',
  timezoneId: ZONE,
  // A build of one's own (vite build --outDir …) when others rebuild web/dist meanwhile.
  overrides: process.env.TEST_WEB_DIR ? { webDir: process.env.TEST_WEB_DIR } : {},
})

describe.skipIf(session.skip)('volunteer activity, QR check-in and hours screens in a browser (pglite)', () => {
  let p: TestPlatform
  const { signIn, shoot, goto, axe, watch, pageProblems, a11yProblems } = session
  let staff: Page
  let volunteer: Page
  let scanner: Page
  let activityId = 0
  let volunteerId = 0
  let name = ''
  let hoursBefore = 0
  let checkinHash = ''
  // The activity starts ten minutes from now (to the minute, as the editor takes it) and lasts two hours.
  const start = DateTime.now().setZone(ZONE).startOf('minute').plus({ minutes: 10 })
  const end = start.plus({ hours: 2 })
  const input = (d: DateTime) => d.toFormat("yyyy-MM-dd'T'HH:mm")

  beforeAll(async () => {
    p = await session.open(async (platform) => {
      const v = await platform.database.db
        .selectFrom('volunteer')
        .innerJoin('app_user', 'app_user.id', 'volunteer.user_id')
        .innerJoin('person', 'person.id', 'volunteer.person_id')
        .select(['volunteer.id', 'volunteer.hours_total', 'person.name'])
        .where('app_user.username', '=', 'guihua.resident')
        .executeTakeFirst()
      if (!v) throw new Error('guihua.resident is no volunteer in the demo city (src/services/volunteers-demo.ts)')
      volunteerId = v.id
      name = v.name
      hoursBefore = Number(v.hours_total)
    })
  })

  afterAll(() => session.close())

  it('staff write an activity starting in ten minutes in the editor and publish it', async () => {
    staff = await signIn('guihua.staff')
    await goto(staff, '#/services/volunteers')
    await staff.waitForSelector(byTestId('volunteers-home'))
    await staff.waitForSelector(byTestId('activity-card'))
    await axe(staff, 'volunteers home (staff)')
    await staff.click(byTestId('activity-new'))
    await staff.waitForSelector(byTestId('activity-editor'))
    await staff.waitForSelector(`${byTestId('activity-area')} option[data-code="JZ-QH-01-01"]`, { state: 'attached' })
    const guihua = await staff.getAttribute(`${byTestId('activity-area')} option[data-code="JZ-QH-01-01"]`, 'value')
    await staff.selectOption(byTestId('activity-area'), guihua!)
    await staff.selectOption(byTestId('activity-kind'), 'elderly_care')
    await staff.fill(byTestId('activity-title-input'), TITLE)
    await staff.fill(byTestId('activity-description'), '为社区独居老人分装并配送午餐，需两人一组。')
    await staff.fill(byTestId('activity-place'), PLACE)
    await staff.fill(byTestId('activity-starts'), input(start))
    await staff.fill(byTestId('activity-ends'), input(end))
    await staff.fill(byTestId('activity-capacity'), '6')
    await axe(staff, 'activity editor')
    await shoot(staff, 'volunteers-editor.png')
    await staff.click(byTestId('activity-save'))
    await staff.waitForSelector(byTestId('activity-page'))
    await staff.waitForSelector(byTestId('activity-action-publish'))
    activityId = Number(/activities\/(\d+)/.exec(await staff.evaluate(() => window.location.hash))?.[1])
    expect(activityId).toBeGreaterThan(0)
    const draft = await p.database.db
      .selectFrom('volunteer_activity')
      .select(['title', 'status', 'starts_at', 'ends_at', 'capacity', 'place'])
      .where('id', '=', activityId)
      .executeTakeFirstOrThrow()
    expect(draft).toMatchObject({ title: TITLE, status: 'draft', capacity: 6, place: PLACE })
    expect(draft.starts_at.getTime()).toBe(start.toMillis())
    expect(draft.ends_at.getTime()).toBe(end.toMillis())

    await staff.click(byTestId('activity-action-publish'))
    await staff.waitForSelector(`${byTestId('activity-status')}:has-text("已发布")`)
    await staff.waitForSelector(byTestId('activity-qr'))
    // Staff who are no volunteers are pointed to the registration, not offered a sign-up that would fail.
    await staff.waitForSelector(byTestId('activity-register-first'))
    expect(await staff.$(byTestId('activity-signup'))).toBeNull()
    await axe(staff, 'activity page (staff)')
    await shoot(staff, 'volunteers-activity-staff.png')
  }, 90_000)

  it('the volunteer finds it on a phone and signs up', async () => {
    volunteer = await signIn('guihua.resident', PHONE)
    await goto(volunteer, '#/services/volunteers')
    await volunteer.waitForSelector(byTestId('vol-balance'))
    const card = `${byTestId('activity-card')}[data-id="${activityId}"]`
    await volunteer.waitForSelector(card)
    await axe(volunteer, 'volunteers home (volunteer)')
    await shoot(volunteer, 'volunteers-home-phone.png')
    await volunteer.click(`${card} a`)
    await volunteer.waitForSelector(`${byTestId('my-signup')}[data-status="none"]`)
    await volunteer.click(byTestId('activity-signup'))
    await volunteer.waitForSelector(`${byTestId('my-signup')}[data-status="signed_up"]`)
    expect(await volunteer.textContent(byTestId('activity-places'))).toContain('1')
    // A volunteer is no staff of the activity: no actions, no sign-up list.
    expect(await volunteer.$(byTestId('activity-action-finish'))).toBeNull()
    expect(await volunteer.$(byTestId('signup-list'))).toBeNull()
    await axe(volunteer, 'activity page (volunteer)')
    await shoot(volunteer, 'volunteers-signed-up.png')
    const row = await p.database.db
      .selectFrom('activity_signup')
      .select('status')
      .where('activity_id', '=', activityId)
      .where('volunteer_id', '=', volunteerId)
      .executeTakeFirstOrThrow()
    expect(row.status).toBe('signed_up')
  }, 60_000)

  it('staff show the check-in QR code on a phone', async () => {
    await goto(staff, `#/services/volunteers/activities/${activityId}/qr`)
    await staff.waitForSelector(byTestId('activity-qr-page'))
    await staff.waitForSelector(byTestId('qr-url'))
    checkinHash = (await staff.getAttribute(byTestId('qr-url'), 'href')) ?? ''
    expect(checkinHash).toMatch(new RegExp(`^#/services/volunteers/checkin/${activityId}/\\d+\\.[A-Za-z0-9_-]+$`))
    expect(await staff.textContent(byTestId('qr-counts'))).toContain('0')
    // The code is drawn: the canvas is not blank.
    const drawn = await staff.evaluate((sel) => {
      const c = document.querySelector(sel) as HTMLCanvasElement
      const px = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data
      let dark = 0
      for (let i = 0; i < px.length; i += 4) if (px[i]! < 100) dark++
      return { width: c.width, dark }
    }, byTestId('qr-canvas'))
    expect(drawn.width).toBeGreaterThan(100)
    expect(drawn.dark).toBeGreaterThan(1000)
    await staff.setViewportSize(PHONE)
    await axe(staff, 'QR page')
    await shoot(staff, 'volunteers-qr-phone.png')
    await staff.setViewportSize({ width: 1366, height: 900 })
  }, 60_000)

  it('the volunteer opens the code on a phone not signed in: sign-in returns to the check-in, which checks in', async () => {
    const ctx = await session.browser.newContext({ viewport: PHONE, locale: 'zh-CN', timezoneId: ZONE })
    ctx.setDefaultTimeout(30_000)
    session.contexts.push(ctx)
    scanner = await ctx.newPage()
    watch(scanner, 'guihua.resident (scanning)')
    await scanner.goto(`${session.baseUrl}/${checkinHash}`)
    await scanner.waitForSelector(byTestId('login-username'))
    await scanner.fill(byTestId('login-username'), 'guihua.resident')
    await scanner.fill(byTestId('login-password'), DEMO_PASSWORD)
    await scanner.click(byTestId('login-submit'))
    await scanner.waitForSelector(byTestId('checkin-page'))
    await scanner.waitForSelector(`${byTestId('checkin-result')}[data-result="checked_in"]`)
    expect(await scanner.evaluate(() => window.location.hash)).toBe(checkinHash)
    expect(await scanner.textContent(byTestId('checkin-result'))).toContain(TITLE)
    await axe(scanner, 'check-in page')
    await shoot(scanner, 'volunteers-checked-in.png')
    const row = await p.database.db
      .selectFrom('activity_signup')
      .select(['status', 'checked_in_by'])
      .where('activity_id', '=', activityId)
      .where('volunteer_id', '=', volunteerId)
      .executeTakeFirstOrThrow()
    expect(row).toEqual({ status: 'checked_in', checked_in_by: 'qr' })

    // The page opened again with the same code (a reload, a restored tab) does not check out.
    await scanner.reload()
    await scanner.waitForSelector(`${byTestId('checkin-result')}[data-result="already_checked_in"]`)
    const still = await p.database.db
      .selectFrom('activity_signup')
      .select('status')
      .where('activity_id', '=', activityId)
      .where('volunteer_id', '=', volunteerId)
      .executeTakeFirstOrThrow()
    expect(still.status).toBe('checked_in')

    // The QR page counts the check-in.
    await staff.reload()
    await staff.waitForSelector(byTestId('qr-counts'))
    await staff.waitForFunction(
      (sel) => /1/.test(document.querySelector(sel)?.textContent ?? ''),
      byTestId('qr-counts'),
    )
  }, 60_000)

  it('an hour and a half in, staff check the volunteer out from the sign-up list and 1.5 hours are credited once', async () => {
    p.clock.set(start.plus({ minutes: 90 }).toJSDate())
    // The code scanned at the start has expired by now: the check-in page says so in words.
    await scanner.reload()
    await scanner.waitForSelector(byTestId('checkin-error'))
    expect(await scanner.textContent(byTestId('checkin-error'))).toContain('签到码无效或已过期')
    await shoot(scanner, 'volunteers-checkin-expired.png')
    await goto(staff, `#/services/volunteers/activities/${activityId}`)
    const row = `${byTestId('signup-row')}:has-text("${name}")`
    await staff.waitForSelector(`${row}[data-status="checked_in"]`)
    await shoot(staff, 'volunteers-signups-checked-in.png')
    await staff.click(`${row} ${byTestId('signup-checkout')}`)
    await staff.waitForSelector(`${row}[data-status="checked_out"]`)
    expect(await staff.textContent(row)).toContain('1.5')
    await axe(staff, 'activity page (staff, checked out)')
    await shoot(staff, 'volunteers-signups.png')
    const entries = await p.database.db
      .selectFrom('time_bank_entry')
      .select(['kind', 'hours'])
      .where('activity_id', '=', activityId)
      .where('volunteer_id', '=', volunteerId)
      .execute()
    expect(entries.map((e) => ({ kind: e.kind, hours: Number(e.hours) }))).toEqual([{ kind: 'earned', hours: 1.5 }])
    const v = await p.database.db
      .selectFrom('volunteer')
      .select('hours_total')
      .where('id', '=', volunteerId)
      .executeTakeFirstOrThrow()
    expect(Number(v.hours_total)).toBe(hoursBefore + 1.5)
  }, 60_000)

  it('my hours shows the credited hours and the certificate downloads as a PDF naming the volunteer and the hours', async () => {
    await goto(volunteer, '#/services/volunteers/me')
    await volunteer.waitForSelector(byTestId('vol-me'))
    await volunteer.waitForFunction(
      ([sel, want]) => document.querySelector(sel!)?.textContent?.trim() === want,
      [byTestId('vol-me-total'), String(hoursBefore + 1.5)],
    )
    await volunteer.waitForSelector(`${byTestId('vol-history')} tr[data-kind="earned"]:has-text("${TITLE}")`)
    expect(await volunteer.textContent(`${byTestId('vol-history')} tr:has-text("${TITLE}")`)).toContain('+1.5')
    await axe(volunteer, 'my hours')
    await shoot(volunteer, 'volunteers-my-hours.png')

    const [download] = await Promise.all([
      volunteer.waitForEvent('download'),
      volunteer.click(byTestId('vol-certificate')),
    ])
    const file = await download.path()
    expect(file).toBeTruthy()
    const bytes = readFileSync(file!)
    expect(bytes.subarray(0, 5).toString('latin1')).toBe('%PDF-')
    const { text } = await extractText(new Uint8Array(bytes), { mergePages: true })
    const plain = text.replace(/\s+/g, '')
    expect(plain).toContain('志愿服务时长证明')
    expect(plain).toContain(name)
    expect(plain).toContain(`累计志愿服务时长：${hoursBefore + 1.5}小时`)
    expect(plain).toContain(`${TITLE}1.5小时`)
  }, 60_000)

  it('staff read the volunteers list and the volunteer’s page with the hours', async () => {
    await goto(staff, '#/services/volunteers/list')
    await staff.waitForSelector(byTestId('vol-list'))
    await staff.waitForSelector(byTestId('vol-row'))
    await axe(staff, 'volunteers list')
    await shoot(staff, 'volunteers-list.png')
    await staff.fill(byTestId('vol-search'), name.slice(0, 2))
    const row = `${byTestId('vol-row')}:has-text("${name}")`
    await staff.waitForSelector(row)
    await staff.click(`${row} a`)
    await staff.waitForSelector(byTestId('vol-page'))
    const { balance } = await p.database.db
      .selectFrom('volunteer')
      .select('balance')
      .where('id', '=', volunteerId)
      .executeTakeFirstOrThrow()
    expect((await staff.textContent(byTestId('vol-page-balance')))?.trim()).toBe(String(Number(balance)))
    await staff.waitForSelector(`${byTestId('vol-history')} tr:has-text("${TITLE}")`)
    expect(await staff.textContent('h2')).toContain(name)
    await axe(staff, 'a volunteer’s page')
    await shoot(staff, 'volunteers-volunteer-page.png')
  }, 60_000)

  it('staff assign a care visit to the volunteer, the person found by care tag in the registry', async () => {
    const before = await p.database.db
      .selectFrom('volunteer_assignment')
      .select('id')
      .where('volunteer_id', '=', volunteerId)
      .execute()
    // Nothing is sent before a person is chosen, and the form says so.
    await staff.click(byTestId('vol-assign-submit'))
    await staff.waitForSelector(byTestId('vol-person-missing'))
    await staff.selectOption(byTestId('vol-person-tag'), 'elderly_alone')
    await staff.click(byTestId('vol-person-find'))
    await staff.waitForSelector(byTestId('vol-person-option'))
    const option = staff.locator(byTestId('vol-person-option')).first()
    const personId = Number(await option.getAttribute('value'))
    await option.check()
    await staff.fill(byTestId('vol-assign-note'), '每周二上午探访，陪同买菜')
    await axe(staff, 'a volunteer’s page (care visit form)')
    await staff.click(byTestId('vol-assign-submit'))
    await staff.waitForSelector(`${byTestId('vol-assignments')} li:has-text("每周二上午探访")`)
    await shoot(staff, 'volunteers-care-visit.png')
    const after = await p.database.db
      .selectFrom('volunteer_assignment')
      .select(['id', 'person_id', 'kind'])
      .where('volunteer_id', '=', volunteerId)
      .execute()
    expect(after).toHaveLength(before.length + 1)
    expect(after.find((a) => !before.some((b) => b.id === a.id))).toMatchObject({
      person_id: personId,
      kind: 'care_visit',
    })
  }, 60_000)

  it('found no serious or critical accessibility violations on the volunteers pages', () => {
    expect(a11yProblems).toEqual([])
  })

  it('raised no uncaught errors in the pages', () => {
    expect(pageProblems).toEqual([])
  })
})
