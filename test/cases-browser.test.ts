// End-to-end walk of one case through the web app, in a real browser, across the four roles:
// a resident reports flyers with a photo, intake staff accept (routing dispatches it to the street
// team), the team's handler takes it on and replies, the grid worker verifies on site, staff
// close it, the resident rates it, and the public tracking page shows the result.
// Needs the built web app (`npm run build:web`) and a system Chromium; like test/browser.test.ts.
import { existsSync, mkdirSync } from 'node:fs'
import path from 'node:path'
import type { AddressInfo } from 'node:net'
import { sql } from 'kysely'
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DEMO_PASSWORD, openTestPlatform, type TestPlatform } from './support.js'

const CHROMIUM = '/usr/bin/chromium'
const SCREENSHOTS = path.resolve('test-results')
const DESKTOP = { width: 1366, height: 900 }
const PHONE = { width: 390, height: 844 }
const GRID = 'JZ-QH-01-01-G01'
const STREET_TEAM = 'QH-01-ZF'
// A 1×1 PNG: the smallest photo the intake accepts.
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
  'base64',
)
const DESCRIPTION = '小区北门电线杆上贴满小广告（浏览器测试）'
const RESULT = '已清除全部小广告并张贴禁贴提示'

const byTestId = (id: string) => `[data-testid="${id}"]`

const hasChromium = existsSync(CHROMIUM)
if (!hasChromium && process.env.TEST_REQUIRE_BROWSER !== '1') {
  console.warn(
    `\n[grassroots tests] no Chromium at ${CHROMIUM}: the case browser test is skipped (apt-get install chromium)\n`,
  )
}

describe.skipIf(!hasChromium && process.env.TEST_REQUIRE_BROWSER !== '1')(
  'case closed loop in a browser (pglite)',
  () => {
    let p: TestPlatform
    let baseUrl: string
    let browser: Browser
    const contexts: BrowserContext[] = []
    const pageProblems: string[] = []
    let point: { lng: number; lat: number }
    let gridName: string
    let teamName: string
    // Filled in as the case moves along.
    let trackingCode = ''
    let caseId = 0
    let staff: Page
    let resident: Page

    const watch = (pg: Page, who: string) => {
      pg.on('pageerror', (err) => pageProblems.push(`${who} pageerror: ${err.message}`))
      pg.on('console', (msg) => {
        // Failed loads (the 401 session probe, the deliberately dropped answer, a 404 for statistics
        // not yet served) are logged by Chromium as resource errors; they are expected.
        if (msg.type() === 'error' && !msg.text().startsWith('Failed to load resource'))
          pageProblems.push(`${who} console: ${msg.text()}`)
      })
    }

    async function newPage(who: string, viewport: { width: number; height: number }): Promise<Page> {
      // The demo city is in Shanghai time; the server's deadlines are computed there too.
      const ctx = await browser.newContext({ viewport, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' })
      ctx.setDefaultTimeout(30_000)
      contexts.push(ctx)
      const page = await ctx.newPage()
      watch(page, who)
      return page
    }

    /** A fresh browser context signed in as `username` through the login form. */
    async function signIn(username: string, viewport: { width: number; height: number }): Promise<Page> {
      const page = await newPage(username, viewport)
      await page.goto(baseUrl)
      await page.fill(byTestId('login-username'), username)
      await page.fill(byTestId('login-password'), DEMO_PASSWORD)
      await page.click(byTestId('login-submit'))
      await page.waitForSelector(byTestId('user-menu'))
      return page
    }

    /** Full-page screenshot from the top (a sticky header would otherwise sit where the page was scrolled). */
    async function shoot(page: Page, name: string) {
      await page.evaluate(() => window.scrollTo(0, 0))
      await page.screenshot({ path: path.join(SCREENSHOTS, name), fullPage: true })
    }

    const goto = async (page: Page, hash: string) => {
      await page.evaluate((h) => (window.location.hash = h), hash)
    }
    const stateIs = (page: Page, state: string) =>
      page.waitForSelector(`${byTestId('case-state')}[data-state="${state}"]`)

    /** Opens an action's form, fills what it needs, submits, and waits for the new state. */
    async function act(page: Page, action: string, nextState: string, fill?: () => Promise<void>) {
      await page.click(byTestId(`action-${action}`))
      await page.waitForSelector(`${byTestId('action-form')}[data-action="${action}"]`)
      await fill?.()
      await page.click(byTestId('action-submit'))
      await stateIs(page, nextState)
    }

    beforeAll(async () => {
      if (!hasChromium)
        throw new Error(`browser test needs Chromium at ${CHROMIUM} (e.g. apt-get install chromium); none found`)
      p = await openTestPlatform('pglite')
      if (!existsSync(path.join(p.config.webDir, 'index.html'))) {
        throw new Error(`web app not built (${p.config.webDir}/index.html missing): run \`npm run build:web\` first`)
      }
      const { rows } = await sql<{ lng: number; lat: number; name: string }>`
      select ST_X(ST_PointOnSurface(boundary)) as lng, ST_Y(ST_PointOnSurface(boundary)) as lat, name_zh as name
      from area where code = ${GRID}`.execute(p.database.db)
      point = { lng: Number(rows[0]!.lng.toFixed(7)), lat: Number(rows[0]!.lat.toFixed(7)) }
      gridName = rows[0]!.name
      teamName = (
        await p.database.db
          .selectFrom('department')
          .select('name_zh')
          .where('code', '=', STREET_TEAM)
          .executeTakeFirstOrThrow()
      ).name_zh
      await p.app.listen({ port: 0, host: '127.0.0.1' })
      baseUrl = `http://127.0.0.1:${(p.app.server.address() as AddressInfo).port}`
      browser = await chromium.launch({
        executablePath: CHROMIUM,
        args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
      })
      mkdirSync(SCREENSHOTS, { recursive: true })
    })

    afterAll(async () => {
      for (const c of contexts) await c.close().catch(() => undefined)
      await browser?.close()
      await p?.close()
    })

    it('resident reports flyers on the phone: category, pin, detail, photo; a retry files one case', async () => {
      resident = await signIn('guihua.resident', PHONE)
      await resident.waitForSelector(byTestId('page-my-cases')) // a resident lands on their reports
      await goto(resident, '#/report')
      await resident.waitForSelector(byTestId('page-report'))

      await resident.fill(byTestId('category-search'), '小广告')
      await resident.click(byTestId('category-SR-05'))
      expect(await resident.getAttribute(byTestId('category-chosen'), 'data-code')).toBe('SR-05')

      // The grids are drawn so people see where they are; the pin is set precisely by coordinates.
      await resident.waitForSelector('path.picker-grid', { state: 'attached' })
      await resident.fill(byTestId('report-lat'), String(point.lat))
      await resident.fill(byTestId('report-lng'), String(point.lng))
      await resident.waitForSelector(`${byTestId('report-grid')}[data-state="ok"]`)
      expect(await resident.textContent(byTestId('report-grid'))).toContain(gridName)
      expect(await resident.locator(byTestId('map-pin')).count()).toBe(1)

      await resident.fill(byTestId('report-description'), DESCRIPTION)
      await resident.check(byTestId('attr-ad_form-sticker'))
      await resident.check(byTestId('attr-ad_form-painted'))

      // SR-05 needs a photo: sending without one is stopped in the form.
      await resident.click(byTestId('report-submit'))
      expect(await resident.textContent(byTestId('report-problems'))).toContain('至少一张照片')

      await resident.setInputFiles(byTestId('photo-input'), { name: 'flyers.png', mimeType: 'image/png', buffer: PNG })
      await resident.waitForSelector(`${byTestId('photo-thumb')}[data-state="done"]`)
      await shoot(resident, 'report-form.png')

      // The first answer is lost on the way back (the server did file the case); the resident
      // presses again, and the same Idempotency-Key returns the same case instead of a second one.
      const keys: string[] = []
      let dropped = false
      await resident.route('**/api/v1/cases', async (route) => {
        const req = route.request()
        if (req.method() !== 'POST') return route.continue()
        keys.push(req.headers()['idempotency-key'] ?? '')
        if (!dropped) {
          dropped = true
          await route.fetch()
          return route.abort('connectionreset')
        }
        return route.continue()
      })
      await resident.dblclick(byTestId('report-submit'))
      await resident.waitForSelector(byTestId('report-error'))
      await resident.click(byTestId('report-submit'))
      await resident.waitForSelector(byTestId('report-success'))
      await resident.unroute('**/api/v1/cases')

      trackingCode = (await resident.textContent(byTestId('report-tracking-code')))!.trim()
      expect(trackingCode).toMatch(/^\d{6}-[0-9A-Z]{6}$/)
      expect(keys.length).toBeGreaterThanOrEqual(2)
      expect(new Set(keys).size).toBe(1)
      expect(keys[0]).toMatch(/^[0-9a-f-]{32,36}$/)
      const filed = await p.database.db
        .selectFrom('cases')
        .select(['id', 'tracking_code', 'attributes'])
        .where('description', '=', DESCRIPTION)
        .execute()
      expect(filed).toHaveLength(1)
      expect(filed[0]!.tracking_code).toBe(trackingCode)
      expect(filed[0]!.attributes).toEqual({ ad_form: ['sticker', 'painted'] })
      caseId = filed[0]!.id
      // Signed in, the resident follows it under "my reports": no reporter token is handed out.
      expect(await resident.locator(byTestId('report-reporter-token')).count()).toBe(0)
    }, 120_000)

    it('staff see it in the triage queue and accept it; routing dispatches it to the street team', async () => {
      staff = await signIn('guihua.staff', DESKTOP)
      await staff.waitForSelector(byTestId('page-cases'))
      expect(await staff.getAttribute(byTestId('queue-tab-submitted'), 'aria-selected')).toBe('true')
      const row = `${byTestId('case-row')}[data-tracking-code="${trackingCode}"]`
      await staff.waitForSelector(row)
      expect(await staff.getAttribute(`${row} ${byTestId('colour-dot')}`, 'data-colour')).toBe('green')
      expect(Number(await staff.textContent(byTestId('queue-count-submitted')))).toBeGreaterThanOrEqual(1)
      await shoot(staff, 'workbench.png')

      await staff.click(row)
      await stateIs(staff, 'submitted')
      expect(await staff.textContent(byTestId('case-description'))).toBe(DESCRIPTION)
      // The photo is served to the signed-in staff member through the session cookie.
      await staff.waitForFunction(() => {
        const img = document.querySelector<HTMLImageElement>('[data-testid="case-photo"]')
        return !!img && img.complete && img.naturalWidth > 0
      })
      await staff.waitForSelector(`${byTestId('case-map')} .map-pin`)
      await staff.waitForSelector(`${byTestId('case-map')} path.case-grid-outline`, { state: 'attached' })

      await act(staff, 'accept', 'dispatched')
      expect(await staff.textContent(byTestId('case-department'))).toBe(teamName)
      const actions = await staff
        .locator(`${byTestId('timeline-item')}`)
        .evaluateAll((els) => els.map((e) => e.getAttribute('data-action')))
      expect(actions).toEqual(['submit', 'accept', 'dispatch'])
      await shoot(staff, 'case-detail.png')
    }, 90_000)

    it('the street team handler is notified, takes the case on and reports the result', async () => {
      const handler = await signIn('guihua.handler', DESKTOP)
      await handler.waitForSelector(byTestId('notification-count'))
      await goto(handler, '#/inbox')
      await handler.waitForSelector(`${byTestId('notification')}[data-kind="case_dispatched"]`)
      await goto(handler, `#/cases/${caseId}`)
      await stateIs(handler, 'dispatched')
      await act(handler, 'department_accept', 'in_progress')
      await act(handler, 'reply', 'replied', () => handler.fill(byTestId('action-result'), RESULT))
      expect(await handler.textContent(`${byTestId('case-result')} p`)).toBe(RESULT)
    }, 90_000)

    it('the grid worker verifies it on the phone from the task list', async () => {
      const grid = await signIn('guihua.grid', PHONE)
      await grid.waitForSelector(byTestId('page-tasks'))
      const card = `${byTestId('task-card')}[data-tracking-code="${trackingCode}"]`
      await grid.waitForSelector(card)
      expect(await grid.textContent(`${card} ${byTestId('task-result')}`)).toBe(RESULT)
      expect(await grid.getAttribute(`${card} ${byTestId('task-navigate')}`, 'href')).toBe(
        `geo:${point.lat},${point.lng}?q=${point.lat},${point.lng}`,
      )
      await grid.click(`${card} ${byTestId('task-map-toggle')}`)
      await grid.waitForSelector(`${card} ${byTestId('task-map')} .map-pin`)
      await grid.waitForSelector(`${card} ${byTestId('task-map')} path.case-grid-outline`, { state: 'attached' })
      await shoot(grid, 'grid-tasks.png')

      await grid.click(`${card} ${byTestId('task-pass')}`)
      await grid.fill(`${card} ${byTestId('task-comment')}`, '现场已清理干净')
      await grid.setInputFiles(`${card} ${byTestId('task-photo-input')}`, {
        name: 'site.png',
        mimeType: 'image/png',
        buffer: PNG,
      })
      await grid.waitForSelector(`${card} ${byTestId('task-photo-thumb')}[data-state="done"]`)
      await grid.click(`${card} ${byTestId('task-submit')}`)
      await grid.waitForSelector(byTestId('task-done'))
      await grid.waitForSelector(card, { state: 'detached' })
    }, 90_000)

    it('staff close the verified case', async () => {
      await staff.reload()
      await stateIs(staff, 'verified')
      await act(staff, 'close', 'closed')
    }, 60_000)

    it('the resident rates the result from “my reports”', async () => {
      await goto(resident, '#/my-cases')
      const item = `${byTestId('my-case')}[data-tracking-code="${trackingCode}"]`
      await resident.waitForSelector(item)
      await resident.click(item)
      await resident.waitForSelector(byTestId('rating-form'))
      await resident.click(byTestId('rating-option-satisfied'))
      await resident.fill(byTestId('rating-comment'), '处理很及时，谢谢')
      await shoot(resident, 'rating.png')
      await resident.click(byTestId('rating-submit'))
      await resident.waitForSelector(byTestId('rating-done'))
      await stateIs(resident, 'rated')
      expect(await resident.locator(byTestId('rating-form')).count()).toBe(0)
    }, 60_000)

    it('the public tracking page shows the progress and the result without signing in', async () => {
      const visitor = await newPage('visitor', PHONE)
      await visitor.goto(`${baseUrl}/#/track/${trackingCode}`)
      await visitor.waitForSelector(`${byTestId('track-state')}[data-state="rated"]`)
      expect(await visitor.textContent(byTestId('track-result'))).toBe(RESULT)
      expect(await visitor.textContent(byTestId('track-rating'))).toContain('满意')
      const actions = await visitor
        .locator(byTestId('timeline-item'))
        .evaluateAll((els) => els.map((e) => e.getAttribute('data-action')))
      expect(actions).toEqual([
        'submit',
        'accept',
        'dispatch',
        'department_accept',
        'reply',
        'verify_pass',
        'close',
        'rate',
      ])
      // Nobody's name is on the public page.
      const names = await p.database.db
        .selectFrom('app_user')
        .select('display_name')
        .where('username', 'in', ['guihua.resident', 'guihua.staff', 'guihua.handler', 'guihua.grid'])
        .execute()
      const text = (await visitor.textContent('body'))!
      for (const n of names) expect(text).not.toContain(n.display_name)
      expect(await visitor.locator(byTestId('user-menu')).count()).toBe(0)
      await shoot(visitor, 'public-tracking.png')

      // The page follows the language switch.
      await visitor.selectOption(byTestId('lang-switch'), 'en')
      await visitor.waitForFunction(
        () => document.querySelector('[data-testid="track-state"]')?.textContent === 'Rated',
      )
    }, 60_000)

    it('anyone may report without an account and gets a tracking code and a reporter token', async () => {
      const visitor = await newPage('anonymous', PHONE)
      await visitor.goto(baseUrl)
      await visitor.click(byTestId('login-report-link'))
      await visitor.waitForSelector(byTestId('page-report'))
      expect(await visitor.locator(byTestId('user-menu')).count()).toBe(0)
      await visitor.fill(byTestId('category-search'), '路灯')
      await visitor.click(byTestId('category-DL-03'))
      await visitor.fill(byTestId('attr-lamp_count'), '3')
      await visitor.fill(byTestId('report-lat'), String(point.lat))
      await visitor.fill(byTestId('report-lng'), String(point.lng))
      await visitor.waitForSelector(`${byTestId('report-grid')}[data-state="ok"]`)
      await visitor.fill(byTestId('report-description'), '匿名：路口三盏路灯不亮（浏览器测试）')
      await visitor.fill(byTestId('report-phone'), '13900001111')
      await visitor.click(byTestId('report-submit'))
      await visitor.waitForSelector(byTestId('report-success'))
      const code = (await visitor.textContent(byTestId('report-tracking-code')))!.trim()
      expect(await visitor.textContent(byTestId('report-reporter-token'))).toMatch(/^[A-Za-z0-9_-]{20,}$/)
      const row = await p.database.db
        .selectFrom('cases')
        .select(['channel', 'reporter_id', 'reporter_phone', 'reporter_phone_masked', 'attributes'])
        .where('tracking_code', '=', code)
        .executeTakeFirstOrThrow()
      // Stored only encrypted, with the masked form for display.
      expect(row).toMatchObject({
        channel: 'portal',
        reporter_id: null,
        reporter_phone: null,
        reporter_phone_masked: '139****1111',
        attributes: { lamp_count: 3 },
      })
      await visitor.click(byTestId('report-track-link'))
      await visitor.waitForSelector(`${byTestId('track-state')}[data-state="submitted"]`)
    }, 60_000)

    it('the dashboard shows the rates (or a no-data panel) and the case map by grid', async () => {
      await goto(staff, '#/dashboard')
      await staff.waitForSelector(byTestId('page-dashboard'))
      // The month of the demo clock; the server reads plain dates in the area's time zone.
      await staff.fill(byTestId('dash-from'), '2026-11-01')
      await staff.fill(byTestId('dash-to'), '2026-11-30')
      await staff.waitForSelector(`${byTestId('dash-no-data')}, ${byTestId('dash-gauges')}`)
      if (await staff.locator(byTestId('dash-gauges')).count()) {
        // Statistics are served: the rated case counts in the community's totals and in both charts.
        await staff.waitForFunction(
          () => Number(document.querySelector('[data-testid="dash-kpi-total"]')?.textContent) >= 1,
        )
        await staff.waitForSelector(`${byTestId('dash-by-area')} svg`)
        await staff.waitForSelector(`${byTestId('dash-by-month')} svg`)
        expect(await staff.textContent(`${byTestId('dash-gauge-satisfactionRate')} figcaption`)).toContain('满意率')
      }
      // The public map counts this month's case in its grid.
      await staff.waitForSelector(`${byTestId('dash-map')} path.choropleth-cell.has-cases`, { state: 'attached' })
      expect(await staff.locator(`${byTestId('dash-map')} path.choropleth-cell`).count()).toBe(150)
      await staff.waitForTimeout(300) // let the charts finish their first paint
      await shoot(staff, 'dashboard.png')
    }, 60_000)

    it('raised no uncaught errors in the pages', () => {
      expect(pageProblems).toEqual([])
    })
  },
)
