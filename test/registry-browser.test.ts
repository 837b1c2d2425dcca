// The registry screens in a real browser: staff import ~2,000 generated people from a CSV through
// the wizard (live progress, three rows refused, error report downloaded), find one person by name,
// open the card (ID masked), are refused a reveal without a purpose, reveal with one and see the
// audit entry; then the care-visit list on a phone with overdue badges and a visit logged.
// Needs the built web app (`npm run build:web`) and a system Chromium; like test/cases-browser.test.ts.
import { existsSync, mkdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import type { AddressInfo } from 'node:net'
import { parse as parseCsv } from 'csv-parse/sync'
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { fakePerson, type FakePerson } from '../src/registry/fake.js'
import { residentIdCheckDigit } from '../src/registry/identity.js'
import { DEMO_PASSWORD, areaId, openTestPlatform, type TestPlatform } from './support.js'
import { fittingTags } from '../src/registry/care-tags.js'

const CHROMIUM = '/usr/bin/chromium'
const SCREENSHOTS = path.resolve('test-results')
const DESKTOP = { width: 1280, height: 800 }
const PHONE = { width: 390, height: 844 }
const COMMUNITY = 'JZ-QH-01-01'
const SEED = 20261123
const ROWS = 2000
const PURPOSE = '核实低保申请材料（浏览器测试）'
const DAY = 86_400_000

const byTestId = (id: string) => `[data-testid="${id}"]`
const mask = (id: string) => `${id.slice(0, 6)}${'*'.repeat(8)}${id.slice(-4)}`

const hasChromium = existsSync(CHROMIUM)
if (!hasChromium && process.env.TEST_REQUIRE_BROWSER !== '1') {
  console.warn(
    `\n[grassroots tests] no Chromium at ${CHROMIUM}: the registry browser test is skipped (apt-get install chromium)\n`,
  )
}

// ── The file: 1,997 valid people and 3 broken rows ─────────────────────────────────────────────
const HEADINGS = ['姓名', '身份证号', '手机号', '现住址', '人口类型', '人员类别']
const csvCell = (v: string) => (/[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v)
const line = (p: Pick<FakePerson, 'name' | 'idNumber' | 'phone' | 'address' | 'residenceStatus' | 'tags'>) =>
  [p.name, p.idNumber, p.phone ?? '', p.address, p.residenceStatus, p.tags.join(';')].map(csvCell).join(',')

const IMPORT_DAY = '2026-11-23' // openTestPlatform's default start

function buildFile() {
  const good: FakePerson[] = []
  // Only the care tags that fit each person on the day of the import (the test platform's clock):
  // the registry refuses a tag that contradicts the age (a child tagged elderly).
  for (let n = 0; good.length < ROWS - 3; n++) {
    const f = fakePerson(SEED, n)
    good.push({ ...f, tags: fittingTags(f.tags, f.birthDate, f.sex, IMPORT_DAY) })
  }
  const wrongCheck = fakePerson(SEED, 9001)
  const last = wrongCheck.idNumber.slice(-1)
  wrongCheck.idNumber = wrongCheck.idNumber.slice(0, 17) + (last === '1' ? '2' : '1')
  wrongCheck.name = '校验位错'
  const body = '330106' + '19900230' + '123' // 30 February
  const badDate = { ...fakePerson(SEED, 9002), name: '日期错', idNumber: body + residentIdCheckDigit(body) }
  const badPhone = { ...fakePerson(SEED, 9003), name: '电话错', phone: '12345' }
  const broken = [
    { at: 100, person: wrongCheck, field: 'idNumber' },
    { at: 1000, person: badDate, field: 'idNumber' },
    { at: 1900, person: badPhone, field: 'phone' },
  ]
  const rows = good.map(line)
  for (const b of broken) rows.splice(b.at, 0, line(b.person))
  // With a byte-order mark, as Excel saves "CSV UTF-8".
  return { csv: Buffer.from(`\uFEFF${[HEADINGS.join(','), ...rows].join('\n')}\n`, 'utf8'), good, broken }
}

describe.skipIf(!hasChromium && process.env.TEST_REQUIRE_BROWSER !== '1')(
  'registry screens in a browser (pglite)',
  () => {
    let p: TestPlatform
    let baseUrl: string
    let browser: Browser
    let community: number
    let staff: Page
    const contexts: BrowserContext[] = []
    const pageProblems: string[] = []
    const file = buildFile()
    // Someone with a three-character name (rarely shared) and a phone.
    const target = file.good.find(
      (g) => [...g.name].length === 3 && g.phone && !file.good.some((o) => o !== g && o.name === g.name),
    )!
    let targetId = 0

    const watch = (pg: Page, who: string) => {
      pg.on('pageerror', (err) => pageProblems.push(`${who} pageerror: ${err.message}`))
      pg.on('console', (msg) => {
        if (msg.type() === 'error' && !msg.text().startsWith('Failed to load resource'))
          pageProblems.push(`${who} console: ${msg.text()}`)
      })
    }

    async function signIn(username: string, viewport: { width: number; height: number }): Promise<Page> {
      const ctx = await browser.newContext({
        viewport,
        locale: 'zh-CN',
        timezoneId: 'Asia/Shanghai',
        acceptDownloads: true,
      })
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

    beforeAll(async () => {
      if (!hasChromium)
        throw new Error(`browser test needs Chromium at ${CHROMIUM} (e.g. apt-get install chromium); none found`)
      p = await openTestPlatform('pglite')
      if (!existsSync(path.join(p.config.webDir, 'index.html'))) {
        throw new Error(`web app not built (${p.config.webDir}/index.html missing): run \`npm run build:web\` first`)
      }
      community = await areaId(p, COMMUNITY)
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

    it('staff import 2,000 people through the wizard: mapping, live progress, 3 rows refused, error report', async () => {
      expect(target).toBeTruthy()
      staff = await signIn('guihua.staff', DESKTOP)
      await staff.click(byTestId('nav-registry'))
      await staff.waitForSelector(byTestId('page-registry'))
      await staff.click(byTestId('registry-import-link'))
      await staff.waitForSelector(byTestId('page-import'))

      // Without a file the wizard says so and sends nothing.
      await staff.click(byTestId('import-upload'))
      await staff.waitForSelector(byTestId('import-problem'))
      await staff.setInputFiles(byTestId('import-file'), { name: 'people.csv', mimeType: 'text/csv', buffer: file.csv })
      await staff.waitForSelector(`${byTestId('import-area')} option[value="${community}"]`, { state: 'attached' })
      await staff.selectOption(byTestId('import-area'), String(community))
      await staff.click(byTestId('import-upload'))

      // Step 2: what the server detected, the headings and the suggested mapping.
      await staff.waitForSelector(`${byTestId('import-map')}, ${byTestId('import-error')}`)
      if (await staff.locator(byTestId('import-error')).count())
        throw new Error(`upload refused: ${await staff.textContent(byTestId('import-error'))}`)
      expect(await staff.textContent(byTestId('import-format'))).toBe('CSV')
      expect(await staff.textContent(byTestId('import-encoding'))).toBe('utf-8')
      const headings = await staff
        .locator(byTestId('import-heading'))
        .evaluateAll((els) => els.map((e) => e.getAttribute('data-heading')))
      expect(headings).toEqual(HEADINGS)
      const mapped = await Promise.all(HEADINGS.map((_, i) => staff.inputValue(byTestId(`import-map-${i}`))))
      expect(mapped).toEqual(['name', 'idNumber', 'phone', 'address', 'residenceStatus', 'tags'])
      // The mapping is editable: dropping the ID column blocks the start, putting it back allows it.
      await staff.selectOption(byTestId('import-map-1'), '')
      await staff.waitForSelector(byTestId('import-missing'))
      expect(await staff.isDisabled(byTestId('import-start'))).toBe(true)
      await staff.selectOption(byTestId('import-map-1'), 'idNumber')
      await staff.waitForSelector(byTestId('import-missing'), { state: 'detached' })
      await shoot(staff, 'registry-import-mapping.png')

      // Step 3: the live progress bar, until the job is done.
      const polls: string[] = []
      staff.on('request', (r) => {
        if (/\/api\/v1\/imports\/\d+$/.test(r.url()) && r.method() === 'GET') polls.push(r.url())
      })
      await staff.click(byTestId('import-start'))
      await staff.waitForSelector(byTestId('import-progress'))
      expect(await staff.getAttribute(byTestId('import-progress'), 'role')).toBe('progressbar')
      await staff.waitForSelector(`${byTestId('import-progress')}[data-status="done"]`, { timeout: 180_000 })
      expect(await staff.getAttribute(byTestId('import-progress'), 'aria-valuenow')).toBe('100')
      expect(polls.length).toBeGreaterThanOrEqual(1)
      expect(await staff.textContent(byTestId('import-processed'))).toBe(String(ROWS))
      expect(await staff.textContent(byTestId('import-inserted'))).toBe(String(ROWS - 3))
      expect(await staff.textContent(byTestId('import-failed'))).toBe('3')
      expect(await staff.textContent(byTestId('import-processed-text'))).toContain('2,000')
      await staff.waitForSelector(`${byTestId('import-recent-row')}[data-status="done"]`)
      await shoot(staff, 'registry-import-done.png')

      // The error report: a CSV with the three refused rows, fetched with the session cookie.
      const [download] = await Promise.all([
        staff.waitForEvent('download'),
        staff.click(byTestId('import-download-errors')),
      ])
      expect(download.suggestedFilename()).toMatch(/^import-\d+-errors\.csv$/)
      const text = readFileSync((await download.path())!, 'utf8')
      expect(text.split('\n')[0]).toMatch(/^# Grassroots import #\d+ error report, exported by guihua\.staff/)
      const records = parseCsv(text.split('\n').slice(1).join('\n'), {
        columns: true,
        skip_empty_lines: true,
      }) as Record<string, string>[]
      expect(records).toHaveLength(3)
      expect(records.map((r) => r.姓名)).toEqual(file.broken.map((b) => b.person.name))
      expect(records.map((r) => r.field)).toEqual(file.broken.map((b) => b.field))
      expect(records[0]!.error).toMatch(/check digit/)
      expect(records[1]!.error).toMatch(/impossible birth date/)
      expect(records[2]!.error).toMatch(/not a phone number/)

      const inDb = await p.database.db
        .selectFrom('person')
        .select(['id'])
        .where('name', '=', target.name)
        .where('area_id', '=', community)
        .execute()
      expect(inDb).toHaveLength(1)
      targetId = inDb[0]!.id
    }, 300_000)

    it('finds a person by name, shows the card masked, refuses a reveal without purpose and audits the one with it', async () => {
      await goto(staff, '#/registry/people')
      await staff.waitForSelector(byTestId('people-search-form'))
      await staff.fill(byTestId('people-name'), target.name)
      await staff.click(byTestId('people-search-submit'))
      const row = `${byTestId('person-row')}[data-person-id="${targetId}"]`
      await staff.waitForSelector(row)
      // The list is masked: ID and phone never in clear.
      expect(await staff.textContent(`${row} ${byTestId('person-row-id')}`)).toBe(mask(target.idNumber))
      expect(await staff.textContent(byTestId('people-results'))).not.toContain(target.idNumber)
      await shoot(staff, 'registry-people-search.png')

      await staff.click(`${row} ${byTestId('person-link')}`)
      await staff.waitForSelector(`${byTestId('page-person')}[data-person-id="${targetId}"]`)
      await staff.waitForFunction(
        (name) => document.querySelector('[data-testid="person-name"]')?.textContent === name,
        target.name,
      )
      expect(await staff.textContent(byTestId('person-id-number'))).toBe(mask(target.idNumber))
      expect(await staff.textContent(byTestId('person-phone'))).toBe(
        `${target.phone!.slice(0, 3)}****${target.phone!.slice(-4)}`,
      )
      await staff.waitForSelector(`${byTestId('history-item')}[data-action="import"]`)
      await shoot(staff, 'registry-person-card.png')

      const reveals = () =>
        p.database.db
          .selectFrom('audit_log')
          .select(['purpose', 'actor_name', 'entity_id', 'detail'])
          .where('action', '=', 'person.reveal')
          .where('entity_id', '=', String(targetId))
          .execute()

      await staff.click(byTestId('reveal-open'))
      await staff.waitForSelector(byTestId('reveal-form'))
      await staff.click(byTestId('reveal-submit'))
      await staff.waitForSelector(byTestId('reveal-problem'))
      expect(await staff.textContent(byTestId('reveal-problem'))).toContain('查看原因')
      // Too short a purpose is refused too; nothing shown, nothing recorded.
      await staff.fill(byTestId('reveal-purpose'), '看看')
      await staff.click(byTestId('reveal-submit'))
      await staff.waitForSelector(byTestId('reveal-problem'))
      expect(await staff.textContent(byTestId('person-id-number'))).toBe(mask(target.idNumber))
      expect(await reveals()).toHaveLength(0)

      await staff.fill(byTestId('reveal-purpose'), PURPOSE)
      await staff.click(byTestId('reveal-submit'))
      await staff.waitForSelector(byTestId('reveal-recorded'))
      expect(await staff.textContent(byTestId('person-id-number'))).toBe(target.idNumber)
      expect(await staff.getAttribute(byTestId('person-id-number'), 'data-revealed')).toBe('true')
      expect(await staff.textContent(byTestId('reveal-recorded'))).toContain(PURPOSE)
      // The phone was not asked for: still masked.
      expect(await staff.textContent(byTestId('person-phone'))).not.toBe(target.phone)

      const audit = await reveals()
      expect(audit).toHaveLength(1)
      expect(audit[0]).toMatchObject({ purpose: PURPOSE, actor_name: 'guihua.staff', entity_id: String(targetId) })
      // Masking again hides the clear value.
      await staff.click(byTestId('reveal-hide'))
      expect(await staff.textContent(byTestId('person-id-number'))).toBe(mask(target.idNumber))
    }, 120_000)

    it('records an address change with a reason and shows it in the history with old → new', async () => {
      await staff.selectOption(byTestId('life-event-kind'), 'address_change')
      await staff.fill(byTestId('life-event-on'), p.clock.now().toISOString().slice(0, 10))
      await staff.fill(byTestId('life-event-address'), '桂花路88号1幢1单元101室')
      await staff.fill(byTestId('life-event-reason'), '搬到女儿家（浏览器测试）')
      await staff.click(byTestId('life-event-submit'))
      await staff.waitForSelector(byTestId('life-event-done'))
      await staff.waitForSelector(`${byTestId('history-item')}[data-action="address_change"]`)
      const change = staff.locator(
        `${byTestId('history-item')}[data-action="address_change"] ${byTestId('history-change')}[data-field="address"]`,
      )
      expect(await change.textContent()).toContain(`${target.address} → 桂花路88号1幢1单元101室`)
      expect(await staff.textContent(byTestId('person-address'))).toBe('桂花路88号1幢1单元101室')
    }, 60_000)

    it('shows the care-visit list on a phone, overdue first, and logs a visit', async () => {
      // Forty days on, the imported people of the care groups are due or overdue.
      p.clock.advance(40 * DAY)
      const phone = await signIn('guihua.staff', PHONE)
      await goto(phone, '#/care')
      await phone.waitForSelector(byTestId('page-care'))
      await phone.waitForSelector(byTestId('care-card'))
      const overdue = await phone
        .locator(byTestId('care-card'))
        .evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-overdue-days'))))
      expect(overdue[0]).toBeGreaterThan(0)
      expect([...overdue].sort((a, b) => b - a)).toEqual(overdue)
      await phone.waitForSelector(`${byTestId('care-card')} ${byTestId('care-overdue')}`)
      // Nothing wider than the phone.
      expect(await phone.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(PHONE.width)
      // The list is long: the phone's screen, as the grid worker sees it.
      await shoot(phone, 'registry-care-phone.png', false)

      const first = phone.locator(byTestId('care-card')).first()
      const personId = Number(await first.getAttribute('data-person-id'))
      await first.locator(byTestId('care-log-open')).click()
      await first.locator(byTestId('care-visited-on')).fill(p.clock.now().toISOString().slice(0, 10))
      await first.locator(byTestId('care-findings')).fill('独居，身体尚可，已提醒按时服药（浏览器测试）')
      await first.locator(byTestId('care-needs-follow-up')).check()
      await phone.screenshot({ path: path.join(SCREENSHOTS, 'registry-care-visit-form-phone.png') })
      await first.locator(byTestId('care-submit')).click()
      await phone.waitForSelector(byTestId('care-logged'))
      const visits = await p.database.db
        .selectFrom('care_visit')
        .select(['findings', 'needs_follow_up'])
        .where('person_id', '=', personId)
        .execute()
      expect(visits).toContainEqual({ findings: '独居，身体尚可，已提醒按时服药（浏览器测试）', needs_follow_up: true })
    }, 90_000)

    it('raised no uncaught errors in the pages', () => {
      expect(pageProblems).toEqual([])
    })
  },
)
