// End-to-end check of the web app in a real browser: sign-in, the areas map with the demo
// city's 150 grids, the coverage check, both languages, screenshots and sign-out.
// Needs the built web app (`npm run build:web`, which `npm test` runs) and a system Chromium;
// Playwright never downloads a browser here.
import { existsSync, mkdirSync } from 'node:fs'
import path from 'node:path'
import type { AddressInfo } from 'node:net'
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DEMO_PASSWORD, openTestPlatform, type TestPlatform } from './support.js'

const CHROMIUM = '/usr/bin/chromium'
const SCREENSHOTS = path.resolve('test-results')
const DESKTOP = { width: 1366, height: 900 }
const PHONE = { width: 390, height: 844 }
const CITY = 'JZ'
const GUIHUA = 'JZ-QH-01-01' // 桂花社区, a community whose children are grids

const byTestId = (id: string) => `[data-testid="${id}"]`

/** Leading count of a coverage stat such as "0 处 · 0 m²" or "0 · 0 m²". */
function leadingCount(text: string | null): number {
  const m = text?.trim().match(/^(\d+)/)
  if (!m) throw new Error(`no count in coverage stat ${JSON.stringify(text)}`)
  return Number(m[1])
}

// CI sets TEST_REQUIRE_BROWSER=1 and installs Chromium, so there a missing browser fails the run;
// on a developer machine without Chromium the suite is skipped with a warning.
const hasChromium = existsSync(CHROMIUM)
if (!hasChromium && process.env.TEST_REQUIRE_BROWSER !== '1') {
  console.warn(
    `\n[grassroots tests] no Chromium at ${CHROMIUM}: the browser test is skipped (apt-get install chromium)\n`,
  )
}

// One backend is enough for the browser; the API suites cover both.
describe.skipIf(!hasChromium && process.env.TEST_REQUIRE_BROWSER !== '1')('web app in a browser (pglite)', () => {
  let p: TestPlatform
  let baseUrl: string
  let browser: Browser
  let context: BrowserContext
  let page: Page
  // Uncaught exceptions and console errors from any page; expected to stay empty.
  const pageProblems: string[] = []

  const watch = (pg: Page) => {
    pg.on('pageerror', (err) => pageProblems.push(`pageerror: ${err.message}`))
    pg.on('console', (msg) => {
      // 401s (startup session probe, wrong password) are logged by Chromium as failed loads; they are expected.
      if (msg.type() === 'error' && !msg.text().startsWith('Failed to load resource'))
        pageProblems.push(`console: ${msg.text()}`)
    })
  }

  /** Waits until the map has finished loading the selection and drawn its grids. */
  async function waitForGrids(): Promise<number> {
    await page.waitForSelector(byTestId('area-map'))
    await page.waitForSelector('.map-loading', { state: 'detached' })
    await page.waitForSelector('path.area-level-grid', { state: 'attached' })
    return page.locator('path.area-level-grid').count()
  }

  beforeAll(async () => {
    if (!hasChromium)
      throw new Error(`browser test needs Chromium at ${CHROMIUM} (e.g. apt-get install chromium); none found`)
    p = await openTestPlatform('pglite')
    if (!existsSync(path.join(p.config.webDir, 'index.html'))) {
      throw new Error(`web app not built (${p.config.webDir}/index.html missing): run \`npm run build:web\` first`)
    }
    await p.app.listen({ port: 0, host: '127.0.0.1' })
    baseUrl = `http://127.0.0.1:${(p.app.server.address() as AddressInfo).port}`
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    })
    // A Chinese browser: the first visit follows the browser's language (web/src/i18n.ts).
    context = await browser.newContext({ viewport: DESKTOP, locale: 'zh-CN' })
    // First loads can take seconds on a busy 2-core machine.
    context.setDefaultTimeout(30_000)
    page = await context.newPage()
    watch(page)
    mkdirSync(SCREENSHOTS, { recursive: true })
  })

  afterAll(async () => {
    await browser?.close()
    await p?.close()
  })

  it('shows the login page and signs in as admin through the form', async () => {
    await page.goto(baseUrl)
    await page.waitForSelector(byTestId('login-username'))
    // A Chinese browser sees Chinese.
    expect(await page.textContent(byTestId('login-submit'))).toBe('登录')
    await page.fill(byTestId('login-username'), 'admin')
    await page.fill(byTestId('login-password'), DEMO_PASSWORD)
    await page.click(byTestId('login-submit'))
    await page.waitForSelector(byTestId('user-menu'))
    expect(await page.textContent(byTestId('user-name'))).toBeTruthy()
    expect(await page.locator(byTestId('login-username')).count()).toBe(0)
  }, 90_000)

  it('draws all 150 grid polygons of the demo city and the city in the tree', async () => {
    await page.click(byTestId('nav-areas'))
    await page.waitForSelector(byTestId('page-areas'))
    // Without a selection the page picks the city, which draws every grid below it.
    expect(await waitForGrids()).toBe(150)
    const city = page.locator(`${byTestId('area-tree')} ${byTestId(`area-node-${CITY}`)}`)
    expect(await city.textContent()).toContain('江州市')
    expect(await city.getAttribute('aria-current')).toBe('true')
    expect(await page.textContent(byTestId('area-name'))).toBe('江州市')
  }, 60_000)

  it('saves desktop and phone screenshots of the map', async () => {
    await page.screenshot({ path: path.join(SCREENSHOTS, 'areas-map.png'), fullPage: true })
    // Reload at phone size so the map fits the city into the smaller viewport (the session cookie and
    // the #/areas/<id> route survive the reload).
    await page.setViewportSize(PHONE)
    await page.reload()
    expect(await waitForGrids()).toBe(150)
    await page.screenshot({ path: path.join(SCREENSHOTS, 'areas-map-phone.png'), fullPage: true })
    await page.setViewportSize(DESKTOP)
    await page.reload()
    expect(await waitForGrids()).toBe(150)
  }, 90_000)

  it('reports the grids of a community as seamless: no gaps, no overlaps', async () => {
    // The tree starts collapsed below the city; filtering reveals the community.
    await page.fill(byTestId('area-search'), '桂花')
    await page.click(byTestId(`area-node-${GUIHUA}`))
    await page.waitForFunction(
      (code) => document.querySelector('[data-testid="area-code"]')?.textContent === code,
      GUIHUA,
    )
    const grids = await waitForGrids()
    expect(grids).toBeGreaterThan(0)

    await page.click(byTestId('coverage-check'))
    await page.waitForSelector(byTestId('coverage-verdict'))
    expect(await page.textContent(byTestId('coverage-verdict'))).toBe('无缝全覆盖：没有空隙，也没有重叠。')
    expect(await page.getAttribute(byTestId('coverage-verdict'), 'class')).toContain('ok')
    expect(leadingCount(await page.textContent(byTestId('coverage-gaps')))).toBe(0)
    expect(leadingCount(await page.textContent(byTestId('coverage-overlaps')))).toBe(0)
    // Every grid drawn on the map is one of the children the check looked at.
    expect(Number(await page.textContent(byTestId('coverage-children')))).toBe(grids)
    // A seamless result draws no problem shapes on the map.
    expect(await page.locator('path.coverage-gap, path.coverage-overlap, path.coverage-outside').count()).toBe(0)
  }, 60_000)

  it('switches to English and back to Chinese', async () => {
    const nav = byTestId('nav-areas')
    expect(await page.textContent(nav)).toBe('辖区与网格')

    await page.selectOption(byTestId('lang-switch'), 'en')
    await page.waitForFunction(() => document.documentElement.lang === 'en')
    expect(await page.textContent(nav)).toBe('Areas & grids')
    // Already-rendered results and area names follow the language too.
    expect(await page.textContent(byTestId('coverage-verdict'))).toBe('Seamless: no gaps and no overlaps.')
    expect(await page.textContent(byTestId('area-name'))).toBe('Guihua Community')

    await page.selectOption(byTestId('lang-switch'), 'zh-CN')
    await page.waitForFunction(() => document.documentElement.lang === 'zh-CN')
    expect(await page.textContent(nav)).toBe('辖区与网格')
    expect(await page.textContent(byTestId('area-name'))).toBe('桂花社区')
  }, 60_000)

  it('signs out back to the login page', async () => {
    await page.click(byTestId('logout'))
    await page.waitForSelector(byTestId('login-username'))
    expect(await page.locator(byTestId('user-menu')).count()).toBe(0)
    expect(await page.textContent('.login-card [role="status"]')).toBe('您已安全退出。')
    // The session is gone on the server too, not just hidden: a reload still shows the login page.
    await page.reload()
    await page.waitForSelector(byTestId('login-username'))
    expect((await context.request.get(`${baseUrl}/api/v1/auth/me`)).status()).toBe(401)
  }, 60_000)

  it('shows the translated error for a wrong password and does not sign in', async () => {
    // A fresh context: no cookie or language left over from the admin session.
    const ctx = await browser.newContext({ viewport: DESKTOP, locale: 'zh-CN' })
    ctx.setDefaultTimeout(30_000)
    try {
      const pg = await ctx.newPage()
      watch(pg)
      await pg.goto(baseUrl)
      await pg.fill(byTestId('login-username'), 'guihua.staff')
      await pg.fill(byTestId('login-password'), 'not-the-password')
      await pg.click(byTestId('login-submit'))
      await pg.waitForSelector(byTestId('login-error'))
      expect(await pg.textContent(byTestId('login-error'))).toBe('用户名或密码错误。')
      // The error is translated by its code, so it follows a language switch.
      await pg.selectOption(byTestId('lang-switch'), 'en')
      await pg.waitForFunction(
        () => document.querySelector('[data-testid="login-error"]')?.textContent === 'Wrong username or password.',
      )
      // Still on the login page, with no session.
      expect(await pg.locator(byTestId('user-menu')).count()).toBe(0)
      expect(await pg.isEnabled(byTestId('login-submit'))).toBe(true)
      expect((await ctx.request.get(`${baseUrl}/api/v1/auth/me`)).status()).toBe(401)
    } finally {
      await ctx.close()
    }
  }, 60_000)

  it('changes the password on the account page and signs in with the new one', async () => {
    // A fresh context as guihua.staff, whose real password no other test in this file needs.
    const NEW_PASSWORD = 'a-new-long-password-1'
    const ctx = await browser.newContext({ viewport: DESKTOP })
    ctx.setDefaultTimeout(30_000)
    try {
      const pg = await ctx.newPage()
      watch(pg)
      const signIn = async (password: string) => {
        await pg.waitForSelector(byTestId('login-username'))
        await pg.fill(byTestId('login-username'), 'guihua.staff')
        await pg.fill(byTestId('login-password'), password)
        await pg.click(byTestId('login-submit'))
        await pg.waitForSelector(byTestId('user-menu'))
      }
      await pg.goto(baseUrl)
      await signIn(DEMO_PASSWORD)
      await pg.click(byTestId('nav-account'))
      await pg.waitForSelector(byTestId('page-account'))
      await pg.fill(byTestId('password-current'), DEMO_PASSWORD)
      await pg.fill(byTestId('password-new'), NEW_PASSWORD)
      await pg.click(byTestId('password-submit'))
      await pg.waitForSelector(byTestId('password-done'))
      expect(await pg.locator(byTestId('password-error')).count()).toBe(0)

      await pg.click(byTestId('logout'))
      await signIn(NEW_PASSWORD)
      expect(await pg.locator(byTestId('login-username')).count()).toBe(0)
    } finally {
      await ctx.close()
    }
  }, 90_000)

  it('lists the audit trail and verifies its hash chain as admin', async () => {
    const ctx = await browser.newContext({ viewport: DESKTOP })
    ctx.setDefaultTimeout(30_000)
    try {
      const pg = await ctx.newPage()
      watch(pg)
      await pg.goto(baseUrl)
      await pg.fill(byTestId('login-username'), 'admin')
      await pg.fill(byTestId('login-password'), DEMO_PASSWORD)
      await pg.click(byTestId('login-submit'))
      await pg.click(byTestId('nav-audit'))
      await pg.waitForSelector(byTestId('page-audit'))
      await pg.waitForSelector(byTestId('audit-row'))
      await pg.click(byTestId('audit-verify'))
      const result = pg.locator(byTestId('audit-verify-result'))
      await result.waitFor()
      const { entries, ok } = (await (await ctx.request.get(`${baseUrl}/api/v1/audit/verify`)).json()) as {
        entries: number
        ok: boolean
      }
      expect(ok).toBe(true)
      expect(entries).toBeGreaterThan(0)
      expect(await result.textContent()).toContain(String(entries))
    } finally {
      await ctx.close()
    }
  }, 90_000)

  it('raised no uncaught errors in the pages', () => {
    expect(pageProblems).toEqual([])
  })
})
