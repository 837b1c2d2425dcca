// Incidents in a real browser: 桂花's staff declare a heatwave over three grids with the form, see
// the command view with its map of the grids and the other parts' panels, raise the level with a
// reason, close with a summary and download the after-action report (a PDF whose text is read
// back). A grid worker opens the command view on a phone. axe checks every page of the part.
// Needs the built web app (`npm run build:web`) and a system Chromium.
import { readFileSync } from 'node:fs'
import type { Page } from 'playwright-core'
import { extractText } from 'unpdf'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { PHONE, browserSession, byTestId } from './browser-support.js'
import { areaId, type TestPlatform } from './support.js'

const TITLE = '高温橙色预警：浏览器测试响应'
const REASON = '最高气温升至40℃，启动Ⅱ级响应'
const SUMMARY = '高温过程结束，三个网格的重点人员均已联系（浏览器测试）。'

const session = browserSession({ what: 'the incidents browser test' })

describe.skipIf(session.skip)('incident screens in a browser (pglite)', () => {
  let p: TestPlatform
  const { signIn, shoot, goto, axe, pageProblems, a11yProblems } = session
  let staff: Page
  let guihua = 0
  let incidentId = 0

  beforeAll(async () => {
    p = await session.open(async (platform) => {
      guihua = await areaId(platform, 'JZ-QH-01-01')
    })
  })

  afterAll(() => session.close())

  it('staff declare a heatwave over three grids with the form', async () => {
    staff = await signIn('guihua.staff')
    await goto(staff, '#/emergency/incidents')
    await staff.waitForSelector(byTestId('incident-list'))
    // The demo heatwave and the closed drill are listed, with their badges.
    await staff.waitForSelector(byTestId('incident-link'))
    expect(await staff.$$eval(byTestId('incident-drill'), (els) => els.length)).toBeGreaterThan(0)
    await axe(staff, 'incident list')
    await shoot(staff, 'emergency-incidents-list.png')
    await staff.click(byTestId('incident-new'))
    await staff.waitForSelector(byTestId('incident-form'))
    // Nothing is sent without an area: the form says so.
    await staff.click(byTestId('incident-submit'))
    await staff.waitForSelector('.incident-form [role="alert"]')
    await staff.selectOption(byTestId('incident-area'), String(guihua))
    await staff.selectOption(byTestId('incident-kind'), 'heatwave')
    await staff.selectOption(byTestId('incident-level-select'), '3')
    await staff.fill(byTestId('incident-title'), TITLE)
    await staff.fill(byTestId('incident-description'), '持续高温，逐户联系独居老人和残疾人。')
    await staff.waitForSelector(byTestId('incident-grid-option'))
    for (const g of ['G01', 'G02', 'G03'])
      await staff.check(`${byTestId('incident-grid-option')}[data-code="JZ-QH-01-01-${g}"]`)
    await staff.waitForFunction(() => document.querySelectorAll('.incident-grid-polygon').length > 3)
    await axe(staff, 'declare form')
    await shoot(staff, 'emergency-incidents-declare.png')
    await staff.click(byTestId('incident-submit'))
    await staff.waitForSelector(byTestId('incident-command'))
    incidentId = Number(await staff.getAttribute(byTestId('incident-command'), 'data-incident-id'))
    expect(incidentId).toBeGreaterThan(0)
    expect(await staff.textContent(byTestId('incident-title-text'))).toBe(TITLE)
    const row = await p.database.db
      .selectFrom('incident')
      .select(['kind', 'level', 'status'])
      .where('id', '=', incidentId)
      .executeTakeFirstOrThrow()
    expect(row).toEqual({ kind: 'heatwave', level: 3, status: 'active' })
  }, 90_000)

  it('shows the command view: the map of the three grids with their check progress, the panels, the log', async () => {
    await staff.waitForSelector(byTestId('incident-grid-row'))
    expect(
      await staff.$$eval(byTestId('incident-grid-row'), (els) => els.map((e) => e.getAttribute('data-code'))),
    ).toEqual(['JZ-QH-01-01-G01', 'JZ-QH-01-01-G02', 'JZ-QH-01-01-G03'])
    await staff.waitForFunction(
      () => document.querySelectorAll('[data-testid="incident-map"] .incident-grid-polygon').length === 3,
    )
    const listed = await p.database.db
      .selectFrom('incident_check')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('incident_id', '=', incidentId)
      .executeTakeFirstOrThrow()
    expect(await staff.textContent(byTestId('incident-counts'))).toContain(`0 / ${Number(listed.n)}`)
    // The shelters of 桂花 (the response part's demo) as markers on the map.
    await staff.waitForSelector('[data-testid="incident-map"] .incident-marker-shelter')
    for (const panel of ['checks', 'alerts', 'tasks', 'resources', 'shelters'])
      await staff.waitForSelector(byTestId(`panel-${panel}`))
    await staff.waitForSelector(`${byTestId('incident-log-entry')}[data-kind="declared"]`)
    await axe(staff, 'command view')
    await shoot(staff, 'emergency-incidents-command.png')
  }, 60_000)

  it('raises the level with a reason', async () => {
    await staff.click(byTestId('incident-level-open'))
    await staff.waitForSelector(byTestId('incident-level-dialog'))
    await staff.selectOption(byTestId('incident-level-new'), '2')
    // No reason, no change: the button waits for one.
    expect(await staff.isDisabled(byTestId('incident-level-submit'))).toBe(true)
    await staff.fill(byTestId('incident-level-reason'), REASON)
    await axe(staff, 'level dialog', 'body')
    await shoot(staff, 'emergency-incidents-level.png', false)
    await staff.click(byTestId('incident-level-submit'))
    await staff.waitForSelector(`.incident-head ${byTestId('incident-level')}[data-level="2"]`)
    await staff.waitForSelector(`${byTestId('incident-log-entry')}[data-kind="level_changed"]`)
    expect(await staff.textContent(`${byTestId('incident-log-entry')}[data-kind="level_changed"]`)).toContain(REASON)
  }, 60_000)

  it('a grid worker follows it on a phone', async () => {
    const grid = await signIn('guihua.grid', PHONE)
    await goto(grid, `#/emergency/incidents/${incidentId}`)
    await grid.waitForSelector(byTestId('incident-command'))
    await grid.waitForSelector(byTestId('incident-grid-row'))
    // Not the command: no level or close buttons; a note goes to the log.
    expect(await grid.$(byTestId('incident-level-open'))).toBeNull()
    await grid.fill(byTestId('incident-note-text'), '第一网格已逐户敲门')
    await grid.click(byTestId('incident-note-submit'))
    await grid.waitForSelector(`${byTestId('incident-log-entry')}[data-kind="note"]`)
    await axe(grid, 'command view (grid worker, phone)')
    await shoot(grid, 'emergency-incidents-command-phone.png')
    // In English too.
    await grid.selectOption(byTestId('lang-switch'), 'en')
    await grid.waitForFunction(() => document.querySelector('#incident-log-title')?.textContent === 'Incident log')
    expect(await grid.textContent(byTestId('incident-counts'))).toContain('Vulnerable people reached')
    await axe(grid, 'command view (grid worker, phone, English)')
    await shoot(grid, 'emergency-incidents-command-phone-en.png')
  }, 60_000)

  it('closes with a summary and downloads the report', async () => {
    await staff.click(byTestId('incident-close-open'))
    await staff.waitForSelector(byTestId('incident-close-dialog'))
    expect(await staff.isDisabled(byTestId('incident-close-submit'))).toBe(true)
    await staff.fill(byTestId('incident-close-summary'), SUMMARY)
    await axe(staff, 'close dialog', 'body')
    await staff.click(byTestId('incident-close-submit'))
    await staff.waitForSelector(`${byTestId('incident-status')}[data-status="closed"]`)
    expect(await staff.textContent(byTestId('incident-summary'))).toContain(SUMMARY)
    expect(await staff.$(byTestId('incident-close-open'))).toBeNull()
    await shoot(staff, 'emergency-incidents-closed.png')
    const [download] = await Promise.all([staff.waitForEvent('download'), staff.click(byTestId('incident-report'))])
    expect(download.suggestedFilename()).toMatch(/^YJ-\d{4}-\d{6}\.pdf$/)
    const bytes = readFileSync((await download.path())!)
    const { text } = await extractText(new Uint8Array(bytes), { mergePages: true })
    const flat = text.replace(/\s+/g, '')
    expect(flat).toContain('应急处置总结报告')
    expect(flat).toContain(SUMMARY)
    expect(flat).toContain('Ⅲ级→Ⅱ级')
    expect(flat).toContain('第一网格已逐户敲门')
  }, 60_000)

  it('declares a drill by drawing the affected area on the map', async () => {
    await goto(staff, '#/emergency/incidents/new')
    await staff.waitForSelector(byTestId('incident-form'))
    await staff.selectOption(byTestId('incident-area'), String(guihua))
    await staff.selectOption(byTestId('incident-kind'), 'gas_leak')
    await staff.fill(byTestId('incident-title'), '燃气泄漏演练（浏览器测试）')
    await staff.fill(byTestId('incident-description'), '模拟燃气泄漏，疏散周边住户。')
    await staff.check(byTestId('incident-mode-draw'))
    await staff.check(byTestId('incident-drill-toggle'))
    await staff.waitForFunction(() => document.querySelectorAll('.incident-grid-polygon').length > 3)
    // Four corners around the middle of one grid.
    const box = (await staff.locator('.incident-grid-polygon').nth(4).boundingBox())!
    const cx = box.x + box.width / 2
    const cy = box.y + box.height / 2
    for (const [dx, dy] of [
      [-8, -8],
      [8, -8],
      [8, 8],
      [-8, 8],
    ] as const)
      await staff.mouse.click(cx + dx, cy + dy)
    expect(await staff.textContent(byTestId('incident-draw-count'))).toContain('4')
    await shoot(staff, 'emergency-incidents-draw.png')
    await staff.click(byTestId('incident-submit'))
    await staff.waitForSelector(byTestId('incident-command'))
    await staff.waitForSelector(`.incident-head ${byTestId('incident-drill')}`)
    const drawnId = Number(await staff.getAttribute(byTestId('incident-command'), 'data-incident-id'))
    const row = await p.database.db
      .selectFrom('incident')
      .select(['drill', 'kind'])
      .select((eb) => eb('affected', 'is not', null).as('drawn'))
      .where('id', '=', drawnId)
      .executeTakeFirstOrThrow()
    expect(row).toEqual({ drill: true, kind: 'gas_leak', drawn: true })
    await staff.waitForSelector(byTestId('incident-grid-row'))
  }, 60_000)

  it('found no serious or critical accessibility violations on the new pages', () => {
    expect(a11yProblems).toEqual([])
  })

  it('raised no uncaught errors in the pages', () => {
    expect(pageProblems).toEqual([])
  })
})
