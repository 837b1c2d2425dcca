// The dispute screens in a real browser: staff register a wage dispute with forty people involved (high
// risk, the leaders warned at once), the street's leader sees the warning in the inbox, staff assign it
// to the community's mediation committee, the mediator records a session, writes a written agreement
// (refused as incomplete first), records the signatures and the seal, settles, opens the PDF and records
// a follow-up; then the statistics with the map, the petition desk with its clocks, and the detail in
// English. axe checks every new page for serious or critical violations.
// Also: the committee names the community's mediator, who finds the assignment as a sentence in the inbox,
// and a demo petition at the Guihua desk is turned into an event case (category, grid, address) and linked.
// Needs the built web app (`npm run build:web`) and a system Chromium; like test/registry-browser.test.ts.
import { existsSync, mkdirSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import type { AddressInfo } from 'node:net'
import { sql } from 'kysely'
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DEMO_PASSWORD, areaId, openTestPlatform, type TestPlatform } from './support.js'

const CHROMIUM = '/usr/bin/chromium'
const SCREENSHOTS = path.resolve('test-results')
const DESKTOP = { width: 1366, height: 900 }
const COMMUNITY = 'JZ-QH-01-01'
const GRID = 'JZ-QH-01-01-G01'
const COMMITTEE = 'QH-01-01-TJ'
const FACTS = '某建筑公司拖欠四十名农民工三个月工资（浏览器测试）'
const TERMS = '公司于十五日内一次性支付全部欠薪人民币伍拾万元整。'
const PETITION_MATTER = '小区停车收费过高（浏览器测试）'
// A demo petition of the Guihua desk (src/disputes/demo.ts), accepted and being answered.
const DEMO_PETITION = '老旧小区改造'
// Streetlights: no photo, no required attribute.
const CASE_CATEGORY = 'DL-03'

const byTestId = (id: string) => `[data-testid="${id}"]`
const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8')

const hasChromium = existsSync(CHROMIUM)
if (!hasChromium && process.env.TEST_REQUIRE_BROWSER !== '1') {
  console.warn(
    `\n[grassroots tests] no Chromium at ${CHROMIUM}: the disputes browser test is skipped (apt-get install chromium)\n`,
  )
}

interface Violation {
  id: string
  impact: string | null
  help: string
  nodes: string[]
}

describe.skipIf(!hasChromium && process.env.TEST_REQUIRE_BROWSER !== '1')(
  'dispute screens in a browser (pglite)',
  () => {
    let p: TestPlatform
    let baseUrl: string
    let browser: Browser
    const contexts: BrowserContext[] = []
    const pageProblems: string[] = []
    const a11yProblems: string[] = []
    let staff: Page
    let mediator: Page
    let disputeId = 0
    let reference = ''

    const watch = (pg: Page, who: string) => {
      pg.on('pageerror', (err) => pageProblems.push(`${who} pageerror: ${err.message}`))
      pg.on('console', (msg) => {
        if (msg.type() === 'error' && !msg.text().startsWith('Failed to load resource'))
          pageProblems.push(`${who} console: ${msg.text()}`)
      })
    }

    async function signIn(username: string): Promise<Page> {
      const ctx = await browser.newContext({ viewport: DESKTOP, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' })
      ctx.setDefaultTimeout(30_000)
      contexts.push(ctx)
      const page = await ctx.newPage()
      watch(page, username)
      await page.goto(baseUrl)
      await page.fill(byTestId('login-username'), username)
      await page.fill(byTestId('login-password'), DEMO_PASSWORD)
      await page.click(byTestId('login-submit'))
      await page.waitForSelector(byTestId('user-menu'))
      return page
    }

    async function shoot(page: Page, name: string, fullPage = true) {
      await page.evaluate(() => window.scrollTo(0, 0))
      await page.screenshot({ path: path.join(SCREENSHOTS, name), fullPage })
    }

    const goto = (page: Page, hash: string) => page.evaluate((h) => (window.location.hash = h), hash)

    /** axe over the page's main region (the new screens; the shell is not theirs), or one element of it. */
    async function axe(page: Page, where: string, context = '#main') {
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

    beforeAll(async () => {
      if (!hasChromium)
        throw new Error(`browser test needs Chromium at ${CHROMIUM} (e.g. apt-get install chromium); none found`)
      // The server's clock at the browser's time, so deadlines read the same on both sides.
      p = await openTestPlatform('pglite', new Date().toISOString())
      if (!existsSync(path.join(p.config.webDir, 'index.html'))) {
        throw new Error(`web app not built (${p.config.webDir}/index.html missing): run \`npm run build:web\` first`)
      }
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

    it('staff register a dispute with forty people involved: high risk, the rules that fired, the leaders warned', async () => {
      staff = await signIn('guihua.staff')
      await staff.click(byTestId('nav-mediation'))
      await staff.waitForSelector(`${byTestId('page-mediation')}[data-section="register"]`)
      await staff.waitForSelector(`${byTestId('dispute-total')}`)
      await axe(staff, 'register list')

      await staff.click(byTestId('dispute-new'))
      await staff.waitForSelector(byTestId('dispute-register-form'))
      // Without facts nothing is sent, and the form names the field.
      await staff.click(byTestId('register-submit'))
      await staff.waitForSelector(byTestId('register-error'))
      expect(await staff.textContent(byTestId('register-error'))).toContain('纠纷类型')

      const community = await areaId(p, COMMUNITY)
      await staff.waitForSelector(`${byTestId('register-area')} option[value="${community}"]`, { state: 'attached' })
      await staff.selectOption(byTestId('register-category'), 'labour_wages')
      await staff.selectOption(byTestId('register-area'), String(community))
      await staff.fill(byTestId('register-address'), '桂花社区建筑工地')
      // Pinned on the map, so it shows on the dispute map too.
      const { rows } = await sql<{ lng: number; lat: number }>`
        select ST_X(ST_PointOnSurface(boundary)) as lng, ST_Y(ST_PointOnSurface(boundary)) as lat
        from area where code = ${GRID}`.execute(p.database.db)
      await staff.check(byTestId('register-pin'))
      await staff.waitForSelector('path.picker-grid', { state: 'attached' })
      await staff.fill(byTestId('report-lat'), rows[0]!.lat.toFixed(7))
      await staff.fill(byTestId('report-lng'), rows[0]!.lng.toFixed(7))
      await staff.waitForSelector(byTestId('report-grid'))
      await staff.fill(byTestId('register-facts'), FACTS)
      await staff.fill(byTestId('register-claims'), '支付拖欠工资共计人民币伍拾万元。')
      await staff.fill(byTestId('register-amount'), '500000')
      await staff.fill(byTestId('register-people'), '40')
      await staff.fill(byTestId('party-name-0'), '王建军')
      await staff.fill(byTestId('party-id-0'), '110101195003070021')
      await staff.fill(byTestId('party-phone-0'), '13800138000')
      await staff.fill(byTestId('party-address-0'), '桂花社区3栋201')
      await staff.fill(byTestId('party-name-1'), '某建筑工程有限公司')
      await staff.fill(byTestId('party-address-1'), '清河区建设路8号')
      await axe(staff, 'register form')
      await shoot(staff, 'disputes-register-form.png')

      await staff.click(byTestId('register-submit'))
      await staff.waitForSelector(`${byTestId('register-done')}, ${byTestId('register-error')}`)
      if (await staff.locator(byTestId('register-error')).count())
        throw new Error(`registration refused: ${await staff.textContent(byTestId('register-error'))}`)
      disputeId = Number(await staff.getAttribute(byTestId('register-done'), 'data-dispute-id'))
      expect(disputeId).toBeGreaterThan(0)
      reference = (
        await p.database.db
          .selectFrom('dispute')
          .select('reference')
          .where('id', '=', disputeId)
          .executeTakeFirstOrThrow()
      ).reference
      expect(await staff.getAttribute(byTestId('register-risk'), 'data-risk')).toBe('high')
      await staff.waitForSelector(byTestId('register-warned'))
      const rules = await staff
        .locator(`${byTestId('register-rules')} li`)
        .evaluateAll((els) => els.map((e) => e.getAttribute('data-rule')))
      expect(rules).toContain('people_30')
      await axe(staff, 'registered')
      await shoot(staff, 'disputes-register-done.png')

      // The register lists it with its badge; the ID number is stored sealed.
      await goto(staff, '#/mediation')
      const row = `${byTestId('dispute-row')}[data-id="${disputeId}"]`
      await staff.waitForSelector(row)
      expect(await staff.getAttribute(row, 'data-risk')).toBe('high')
      await shoot(staff, 'disputes-register.png')
      const stored = await p.database.db
        .selectFrom('dispute_party')
        .select(['id_number_masked'])
        .where('dispute_id', '=', disputeId)
        .where('role', '=', 'applicant')
        .executeTakeFirstOrThrow()
      expect(stored.id_number_masked).toBe('110101********0021')
    }, 120_000)

    it('the street’s leader finds the risk warning in the inbox and opens the dispute from it', async () => {
      const leader = await signIn('guihua.leader')
      await goto(leader, '#/inbox')
      const warning = `${byTestId('notification')}[data-kind="dispute_risk"]`
      await leader.waitForSelector(warning)
      expect(await leader.textContent(warning)).toContain('高风险矛盾纠纷预警')
      // The notice says what happened in a sentence, the level named as the screens name it.
      const sentence = leader.locator(warning).first().locator(byTestId('notification-text'))
      const text = await sentence.textContent()
      expect(text).toContain(`纠纷 ${reference} 研判为高风险，触发规则：`)
      expect(text).toContain('people_30')
      await leader.locator(warning).first().locator('button', { hasText: '查看' }).click()
      await leader.waitForSelector(`${byTestId('page-dispute-detail')}[data-dispute-id="${disputeId}"]`)
      await leader.waitForSelector(`${byTestId('risk-panel')}[data-risk="high"]`)
      expect(await leader.textContent(byTestId('risk-rules'))).toContain('people_30')
    }, 60_000)

    it('staff assign it to the community’s mediation committee, naming its mediator', async () => {
      await goto(staff, `#/mediation/${disputeId}`)
      await staff.waitForSelector(`${byTestId('dispute-state')}[data-state="registered"]`)
      // The ID number is masked as the registry masks it.
      expect(await staff.textContent(byTestId('dispute-parties'))).toContain('110101********0021')
      expect(await staff.textContent(byTestId('dispute-parties'))).not.toContain('195003070021')
      await staff.click(byTestId('dispute-action-assign'))
      const option = `${byTestId('dispute-action-committee')} option[data-code="${COMMITTEE}"]`
      await staff.waitForSelector(option, { state: 'attached' })
      const committeeId = await staff.getAttribute(option, 'value')
      expect(await staff.textContent(option)).toContain('桂花社区人民调解委员会')
      await staff.selectOption(byTestId('dispute-action-committee'), committeeId!)
      // The mediators of the committee's area are offered once it is chosen.
      const named = `${byTestId('dispute-action-mediators')} input[data-username="guihua.mediator"]`
      await staff.waitForSelector(named)
      await staff.check(named)
      await axe(staff, 'assign form')
      await shoot(staff, 'disputes-assign-mediators.png')
      await staff.click(byTestId('dispute-action-submit'))
      await staff.waitForSelector(`${byTestId('dispute-state')}[data-state="people_mediation"]`)
      expect(await staff.textContent(byTestId('dispute-committee'))).toContain('桂花社区人民调解委员会')
      const mediatorName = (
        await p.database.db
          .selectFrom('app_user')
          .select('display_name')
          .where('username', '=', 'guihua.mediator')
          .executeTakeFirstOrThrow()
      ).display_name
      expect(await staff.textContent(byTestId('page-dispute-detail'))).toContain(mediatorName)
      await staff.waitForSelector(byTestId('dispute-clock'))
      await axe(staff, 'dispute detail')
      await shoot(staff, 'disputes-detail.png')

      // Open and pinned, it is on the dispute map in its risk's colour.
      await goto(staff, '#/mediation/stats')
      await staff.waitForSelector('path.dispute-marker.risk-marker-high', { state: 'attached' })
      await shoot(staff, 'disputes-map.png')
    }, 60_000)

    it('the mediator records a session, writes the agreement, records signatures and the seal, and settles', async () => {
      mediator = await signIn('guihua.mediator')
      // Named on the assignment, the mediator is told so in a sentence and opens the dispute from it.
      await goto(mediator, '#/inbox')
      const assigned = mediator
        .locator(`${byTestId('notification')}[data-kind="dispute_assigned"]`)
        .filter({ hasText: reference })
      await assigned.waitFor()
      expect(await assigned.locator(byTestId('notification-text')).textContent()).toBe(
        `纠纷 ${reference} 已分派给您调解（人民调解中）`,
      )
      await axe(mediator, 'inbox')
      await shoot(mediator, 'disputes-inbox.png')
      await assigned.locator('button', { hasText: '查看' }).click()
      await mediator.waitForSelector(`${byTestId('dispute-state')}[data-state="people_mediation"]`)

      // Escalation is a dialog: a hand-over of the whole file. Opened and cancelled here.
      await mediator.click(byTestId('dispute-action-escalate'))
      await mediator.waitForSelector(`${byTestId('dispute-dialog')}[open]`)
      await axe(mediator, 'escalate dialog', '[data-testid="dispute-dialog"]')
      await shoot(mediator, 'disputes-escalate-dialog.png', false)
      await mediator.click(byTestId('dispute-action-cancel'))
      await mediator.waitForSelector(byTestId('dispute-dialog'), { state: 'detached' })

      await mediator.click(byTestId('session-open'))
      await mediator.fill(byTestId('session-place'), '桂花社区人民调解室')
      await mediator.fill(byTestId('session-record'), '双方同意公司在十五日内付清欠薪。')
      await mediator.click(byTestId('session-submit'))
      await mediator.waitForSelector(`${byTestId('session-item')}, ${byTestId('session-error')}`)
      if (await mediator.locator(byTestId('session-error')).count())
        throw new Error(`session refused: ${await mediator.textContent(byTestId('session-error'))}`)
      expect(await mediator.textContent(byTestId('session-item'))).toContain('王建军')

      // The draft: facts and issues start from the registration; the rest is written here.
      expect(await mediator.inputValue(byTestId('agreement-facts'))).toBe(FACTS)
      await mediator.check(byTestId('agreement-form-written'))
      await mediator.fill(byTestId('agreement-responsibilities'), '公司负全部责任。')
      await mediator.fill(byTestId('agreement-terms'), TERMS)
      await mediator.fill(byTestId('agreement-performanceManner'), '银行转账，一次付清')
      const deadline = new Date(Date.now() + 15 * 86_400_000).toLocaleDateString('sv-SE', { timeZone: 'Asia/Shanghai' })
      await mediator.fill(byTestId('agreement-performanceDeadline'), deadline)
      await mediator.click(byTestId('agreement-save'))
      await mediator.waitForSelector(`${byTestId('agreement-status')}[data-status="draft"]`)
      await mediator.waitForSelector(byTestId('agreement-checklist'))
      const missing = await mediator
        .locator(`${byTestId('agreement-element')}[data-done="false"]`)
        .evaluateAll((els) => els.map((e) => e.getAttribute('data-element')))
      expect(missing).toEqual(['partySignatures', 'mediatorSignature', 'seal'])

      // Settling now is refused, naming what is missing.
      await mediator.click(byTestId('agreement-settle'))
      await mediator.waitForSelector(byTestId('agreement-error'))
      expect(await mediator.textContent(byTestId('agreement-error'))).toContain('当事人签名')
      await shoot(mediator, 'disputes-agreement-incomplete.png')

      const partyIds = await mediator
        .locator(byTestId('signature-party'))
        .evaluateAll((els) => els.map((e) => e.getAttribute('data-party-id')))
      expect(partyIds).toHaveLength(2)
      for (const id of partyIds) {
        await mediator.click(byTestId(`sign-party-${id}`))
        await mediator.waitForSelector(`${byTestId('signature-party')}[data-party-id="${id}"][data-signed="true"]`)
      }
      await mediator.click(byTestId('sign-mediator'))
      await mediator.waitForSelector(`${byTestId('signature-mediator')}[data-signed="true"]`)
      await mediator.click(byTestId('sign-seal'))
      await mediator.waitForSelector(`${byTestId('signature-seal')}[data-signed="true"]`)
      await mediator.waitForFunction(
        () => document.querySelectorAll('[data-testid="agreement-element"][data-done="false"]').length === 0,
      )
      await mediator.click(byTestId('agreement-preview-toggle'))
      await mediator.waitForSelector(byTestId('agreement-preview'))
      expect(await mediator.textContent(byTestId('agreement-preview'))).toContain(TERMS)
      await axe(mediator, 'agreement editor')
      await shoot(mediator, 'disputes-agreement-editor.png')

      await mediator.click(byTestId('agreement-settle'))
      await mediator.waitForSelector(`${byTestId('dispute-state')}[data-state="settled"]`)
      await mediator.waitForSelector(`${byTestId('agreement-status')}[data-status="effective"]`)
      await mediator.waitForSelector(byTestId('judicial-clock'))
      expect(await mediator.textContent(byTestId('judicial-status'))).toBe('尚未申请')
    }, 120_000)

    it('opens the agreement as a PDF and records a follow-up: performed', async () => {
      const href = await mediator.getAttribute(byTestId('agreement-pdf'), 'href')
      expect(href).toBe(`/api/v1/disputes/${disputeId}/agreement.pdf`)
      expect(await mediator.getAttribute(byTestId('agreement-pdf'), 'target')).toBe('_blank')
      // Fetched in the page, with the session cookie, as the link opens it.
      const pdf = await mediator.evaluate(async (url) => {
        const r = await fetch(url)
        const bytes = new Uint8Array(await r.arrayBuffer())
        return {
          status: r.status,
          type: r.headers.get('content-type'),
          head: String.fromCharCode(...bytes.slice(0, 5)),
        }
      }, href!)
      expect(pdf).toEqual({ status: 200, type: 'application/pdf', head: '%PDF-' })

      await mediator.click(byTestId('dispute-action-follow_up'))
      await mediator.selectOption(byTestId('dispute-action-performance'), 'performed')
      await mediator.fill(byTestId('dispute-action-comment'), '回访：欠薪已全部支付。')
      await mediator.click(byTestId('dispute-action-submit'))
      await mediator.waitForSelector(`${byTestId('follow-up')}[data-performance="performed"]`)
      await mediator.waitForSelector(`${byTestId('agreement-status')}[data-status="performed"]`)
      await mediator.waitForSelector(`${byTestId('dispute-event')}[data-action="follow_up"]`)
    }, 60_000)

    it('shows the statistics with charts and the dispute map', async () => {
      await goto(mediator, '#/mediation/stats')
      await mediator.waitForSelector(`${byTestId('page-mediation')}[data-section="stats"]`)
      await mediator.waitForSelector(byTestId('stats-figures'))
      await mediator.waitForSelector(`${byTestId('chart-byCategory')} svg`)
      await mediator.waitForSelector(`${byTestId('chart-byRisk')} svg`)
      await mediator.waitForSelector(byTestId('dispute-map'))
      // Settled, the dispute has left the map, which shows open disputes.
      await mediator.waitForSelector(byTestId('map-count'))
      expect(await mediator.locator('path.dispute-marker').count()).toBe(0)
      expect(
        Number((await mediator.textContent(`${byTestId('stat-total')} .kpi-value`))?.replace(/\D/g, '')),
      ).toBeGreaterThan(0)
      await axe(mediator, 'statistics')
      await shoot(mediator, 'disputes-stats.png')
    }, 60_000)

    it('the petition desk registers a visit and shows its deadline clock', async () => {
      await goto(staff, '#/mediation/petitions')
      await staff.waitForSelector(byTestId('petition-desk'))
      await staff.waitForSelector(byTestId('petition-total'))
      await staff.click(byTestId('petition-new'))
      await staff.waitForSelector(byTestId('petition-form'))
      await staff.fill(byTestId('petition-name'), '赵大爷')
      await staff.fill(byTestId('petition-id'), '110101195003070021')
      await staff.fill(byTestId('petition-matter'), PETITION_MATTER)
      await staff.fill(byTestId('petition-matter-key'), '停车收费')
      await staff.click(byTestId('petition-submit'))
      await staff.waitForSelector(`${byTestId('petition-registered')}, ${byTestId('petition-error')}`)
      if (await staff.locator(byTestId('petition-error')).count())
        throw new Error(`petition refused: ${await staff.textContent(byTestId('petition-error'))}`)
      await staff.waitForSelector(byTestId('petition-row'))
      // Fifteen days to decide: the clock says so.
      const clock = staff.locator(byTestId('petition-clock')).first()
      expect(await clock.getAttribute('data-overdue')).toBe('false')
      expect(Number(await clock.getAttribute('data-days'))).toBeGreaterThanOrEqual(14)
      await axe(staff, 'petition desk')
      await shoot(staff, 'disputes-petitions.png')

      await staff.click(`${byTestId('petition-link')}`)
      await staff.waitForSelector(`${byTestId('petition-state')}[data-state="received"]`)
      await staff.click(byTestId('petition-action-accept'))
      await staff.click(byTestId('petition-action-submit'))
      await staff.waitForSelector(`${byTestId('petition-state')}[data-state="accepted"]`)
      await axe(staff, 'petition detail')
      await shoot(staff, 'disputes-petition-detail.png')
    }, 90_000)

    it('staff turn a demo petition into an event case in a grid, linked from the petition', async () => {
      const petition = await p.database.db
        .selectFrom('petition')
        .select(['id', 'matter'])
        .where('matter_key', '=', DEMO_PETITION)
        .where('state', '=', 'accepted')
        .where('case_id', 'is', null)
        .executeTakeFirstOrThrow()
      await goto(staff, `#/mediation/petitions/${petition.id}`)
      // The petition accepted in the last step is accepted too: wait for this one.
      const page = `${byTestId('page-petition-detail')}[data-petition-id="${petition.id}"]`
      await staff.waitForSelector(`${page} ${byTestId('petition-state')}[data-state="accepted"]`)
      await staff.click(byTestId('petition-action-to_case'))
      await staff.waitForSelector(`${byTestId('petition-action-form')}[data-action="to_case"]`)
      // Without a category nothing is sent, and the form names the field.
      await staff.click(byTestId('petition-action-submit'))
      await staff.waitForSelector(byTestId('petition-action-error'))
      expect(await staff.textContent(byTestId('petition-action-error'))).toContain('事件类别')

      await staff.fill(byTestId('category-search'), CASE_CATEGORY)
      await staff.click(byTestId(`category-${CASE_CATEGORY}`))
      await staff.waitForSelector(`${byTestId('category-chosen')}[data-code="${CASE_CATEGORY}"]`)
      const grid = `${byTestId('petition-action-grid')} option[data-code="${GRID}"]`
      await staff.waitForSelector(grid, { state: 'attached' })
      await staff.selectOption(byTestId('petition-action-grid'), (await staff.getAttribute(grid, 'value'))!)
      await staff.fill(byTestId('petition-action-address'), '桂花社区老旧小区改造工地')
      await axe(staff, 'petition to case form')
      await shoot(staff, 'disputes-petition-to-case.png')

      await staff.click(byTestId('petition-action-submit'))
      await staff.waitForSelector(`${byTestId('petition-case')}, ${byTestId('petition-action-error')}`)
      if (await staff.locator(byTestId('petition-action-error')).count())
        throw new Error(`to_case refused: ${await staff.textContent(byTestId('petition-action-error'))}`)
      const linked = await p.database.db
        .selectFrom('petition as pt')
        .innerJoin('cases as c', 'c.id', 'pt.case_id')
        .innerJoin('case_category as k', 'k.id', 'c.category_id')
        .innerJoin('area as a', 'a.id', 'c.area_id')
        .select(['c.id', 'c.channel', 'c.description', 'c.reporter_name', 'k.code as category', 'a.code as grid'])
        .where('pt.id', '=', petition.id)
        .executeTakeFirstOrThrow()
      expect(linked).toMatchObject({
        channel: 'hotline',
        category: CASE_CATEGORY,
        grid: GRID,
        description: petition.matter,
        reporter_name: '高淑芬',
      })
      expect(await staff.getAttribute(byTestId('petition-case'), 'href')).toBe(`#/cases/${linked.id}`)
      // Turned once: the action is no longer offered; the petition itself stays accepted.
      expect(await staff.locator(byTestId('petition-action-to_case')).count()).toBe(0)
      await staff.waitForSelector(`${byTestId('petition-state')}[data-state="accepted"]`)
      await staff.waitForSelector(`${byTestId('petition-timeline')} [data-action="to_case"]`)
      await shoot(staff, 'disputes-petition-case.png')

      await staff.click(byTestId('petition-case'))
      await staff.waitForSelector(byTestId('page-case-detail'))
      expect(await staff.textContent(byTestId('case-description'))).toContain(petition.matter)
    }, 90_000)

    it('shows the dispute and the statistics in English', async () => {
      await mediator.selectOption(byTestId('lang-switch'), 'en')
      await goto(mediator, `#/mediation/${disputeId}`)
      await mediator.waitForSelector(`${byTestId('dispute-state')}[data-state="settled"]`)
      expect(await mediator.textContent(byTestId('dispute-state'))).toBe('Settled')
      expect(await mediator.textContent(byTestId('dispute-risk'))).toBe('High')
      await axe(mediator, 'dispute detail (en)')
      await shoot(mediator, 'disputes-detail-en.png')
      await goto(mediator, '#/mediation/stats')
      await mediator.waitForSelector(`${byTestId('chart-byCategory')} svg`)
      await shoot(mediator, 'disputes-stats-en.png')
    }, 60_000)

    it('a city administrator reads and saves the risk rules and limits', async () => {
      const admin = await signIn('admin')
      await goto(admin, '#/mediation/settings')
      await admin.waitForSelector(`${byTestId('settings-rule')}[data-code="people_30"]`)
      expect(await admin.inputValue(byTestId('settings-people'))).toBe('30')
      await admin.click(byTestId('settings-save'))
      await admin.waitForSelector(byTestId('settings-saved'))
      await axe(admin, 'settings')
      await shoot(admin, 'disputes-settings.png')
    }, 60_000)

    it('found no serious or critical accessibility violations on the new pages', () => {
      expect(a11yProblems).toEqual([])
    })

    it('raised no uncaught errors in the pages', () => {
      expect(pageProblems).toEqual([])
    })
  },
)
