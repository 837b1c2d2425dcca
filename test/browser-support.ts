// What the browser tests of participation share: the system Chromium and whether the test runs
// without it, the platform served on a free port with the built web app, sign-in in a context of
// its own (zh-CN, Asia/Shanghai), screenshots, hash navigation and axe over the page's main region,
// with the page errors and the serious or critical accessibility violations collected for the
// test to assert. Like test/disputes-browser.test.ts, which keeps its own copy.
import { existsSync, mkdirSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import type { AddressInfo } from 'node:net'
import path from 'node:path'
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core'
import type { Config } from '../src/config.js'
import { DEMO_PASSWORD, openTestPlatform, type TestPlatform } from './support.js'

export const CHROMIUM = '/usr/bin/chromium'
export const SCREENSHOTS = path.resolve('test-results')
export const DESKTOP = { width: 1366, height: 900 }
export const PHONE = { width: 390, height: 844 }

export const byTestId = (id: string) => `[data-testid="${id}"]`
export const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8')

export const hasChromium = existsSync(CHROMIUM)

interface Violation {
  id: string
  impact: string | null
  help: string
  nodes: string[]
}

export interface BrowserSessionOptions {
  /** Named in the warning when the test is skipped: "the notices browser test". */
  what: string
  /** The platform's clock at the start; the browser's time unless given. */
  startAt?: string
  /** Configuration of the platform beyond the test defaults (e.g. a webDir of one's own). */
  overrides?: Partial<Config>
  /** The time zone of every signed-in context. */
  timezoneId?: string
  /** What axe checks unless a call names something else: the page's main region. */
  axeContext?: string
}

export interface BrowserSession {
  /** True when the describe block is to be skipped (no Chromium, and TEST_REQUIRE_BROWSER is not 1). */
  readonly skip: boolean
  readonly p: TestPlatform
  readonly baseUrl: string
  readonly browser: Browser
  readonly contexts: BrowserContext[]
  readonly pageProblems: string[]
  readonly a11yProblems: string[]
  watch(pg: Page, who: string): void
  signIn(username: string, viewport?: { width: number; height: number }, password?: string): Promise<Page>
  shoot(page: Page, name: string, fullPage?: boolean): Promise<void>
  goto(page: Page, hash: string): Promise<string>
  axe(page: Page, where: string, context?: string): Promise<void>
  /** For beforeAll: opens the platform, runs `setup` on it, listens and launches Chromium. */
  open(setup?: (p: TestPlatform) => Promise<void>): Promise<TestPlatform>
  /** For afterAll: closes the contexts, the browser and the platform. */
  close(): Promise<void>
}

/** The shared part of a browser test; call it at the top of the file, `open` in beforeAll, `close` in afterAll. */
export function browserSession(opts: BrowserSessionOptions): BrowserSession {
  const skip = !hasChromium && process.env.TEST_REQUIRE_BROWSER !== '1'
  if (skip) {
    console.warn(
      `\n[grassroots tests] no Chromium at ${CHROMIUM}: ${opts.what} is skipped (apt-get install chromium)\n`,
    )
  }
  const timezoneId = opts.timezoneId ?? 'Asia/Shanghai'
  const axeContext = opts.axeContext ?? '#main'
  let p: TestPlatform | undefined
  let baseUrl: string | undefined
  let browser: Browser | undefined
  const contexts: BrowserContext[] = []
  const pageProblems: string[] = []
  const a11yProblems: string[] = []

  const watch = (pg: Page, who: string) => {
    pg.on('pageerror', (err) => pageProblems.push(`${who} pageerror: ${err.message}`))
    pg.on('console', (msg) => {
      if (msg.type() === 'error' && !msg.text().startsWith('Failed to load resource'))
        pageProblems.push(`${who} console: ${msg.text()}`)
    })
  }

  async function signIn(username: string, viewport = DESKTOP, password = DEMO_PASSWORD): Promise<Page> {
    const ctx = await session.browser.newContext({ viewport, locale: 'zh-CN', timezoneId })
    ctx.setDefaultTimeout(30_000)
    contexts.push(ctx)
    const page = await ctx.newPage()
    watch(page, username)
    await page.goto(session.baseUrl)
    await page.fill(byTestId('login-username'), username)
    await page.fill(byTestId('login-password'), password)
    await page.click(byTestId('login-submit'))
    await page.waitForSelector(byTestId('user-menu'))
    return page
  }

  async function shoot(page: Page, name: string, fullPage = true) {
    await page.evaluate(() => window.scrollTo(0, 0))
    await page.screenshot({ path: path.join(SCREENSHOTS, name), fullPage })
  }

  const goto = (page: Page, hash: string) => page.evaluate((h) => (window.location.hash = h), hash)

  /** axe over the page's main region (the screens under test; the shell is not theirs). */
  async function axe(page: Page, where: string, context = axeContext) {
    // Evaluated through the debugging protocol, so the page's CSP (no inline scripts) does not stop it.
    if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(AXE_SOURCE)
    const violations = await page.evaluate(async (ctx) => {
      const w = window as unknown as {
        axe: { run: (c: string, o: object) => Promise<{ violations: any[] }> }
      }
      const r = await w.axe.run(ctx, { resultTypes: ['violations'] })
      return r.violations.map((v) => ({
        id: v.id,
        impact: v.impact,
        help: v.help,
        nodes: v.nodes.slice(0, 3).map((n: any) => String(n.target.join(' '))),
      }))
    }, context)
    for (const v of violations as Violation[])
      if (v.impact === 'serious' || v.impact === 'critical')
        a11yProblems.push(`${where}: ${v.id} (${v.impact}) ${v.help} — ${v.nodes.join(', ')}`)
  }

  async function open(setup?: (p: TestPlatform) => Promise<void>): Promise<TestPlatform> {
    if (!hasChromium)
      throw new Error(`browser test needs Chromium at ${CHROMIUM} (e.g. apt-get install chromium); none found`)
    const platform = await openTestPlatform('pglite', opts.startAt ?? new Date().toISOString(), opts.overrides ?? {})
    p = platform
    if (!existsSync(path.join(platform.config.webDir, 'index.html'))) {
      throw new Error(
        `web app not built (${platform.config.webDir}/index.html missing): run \`npm run build:web\` first`,
      )
    }
    if (setup) await setup(platform)
    await platform.app.listen({ port: 0, host: '127.0.0.1' })
    baseUrl = `http://127.0.0.1:${(platform.app.server.address() as AddressInfo).port}`
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    })
    mkdirSync(SCREENSHOTS, { recursive: true })
    return platform
  }

  async function close() {
    for (const c of contexts) await c.close().catch(() => undefined)
    await browser?.close()
    await p?.close()
  }

  const session: BrowserSession = {
    skip,
    get p() {
      if (!p) throw new Error('browser session not open')
      return p
    },
    get baseUrl() {
      if (baseUrl === undefined) throw new Error('browser session not open')
      return baseUrl
    },
    get browser() {
      if (!browser) throw new Error('browser session not open')
      return browser
    },
    contexts,
    pageProblems,
    a11yProblems,
    watch,
    signIn,
    shoot,
    goto,
    axe,
    open,
    close,
  }
  return session
}
