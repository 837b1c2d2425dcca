// The leader dashboard and its big screen in a real browser. 桂花's leader picks March 2021, where
// the hand-counted fixture of src/analytics/dashboard.test.ts lies (8 cases, one overdue, hotline
// 4; overdue counts at the browser's now), reads the tiles with their change against the previous period and last year, opens the cases
// behind a tile and behind a channel, follows one to its case page, reads the page in English, then
// opens the big screen: dark, the whole viewport without scrolling, a running clock, and a refresh
// within a minute that shows a case filed meanwhile. Screenshots; axe on each page.
// Needs `npm run build:web` and Chromium.
import { sql } from 'kysely'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { fixture, insertFixture, type Spec } from '../src/analytics/dashboard-fixture.js'
import { browserSession, byTestId } from './browser-support.js'

const session = browserSession({ what: 'the dashboard and big screen browser test' })

const daysAgo = (n: number) => new Date(Date.now() - n * 86400_000).toISOString()
// Two cases of the last days for the big screen (its period is the 30 days up to today).
const recent: Spec[] = [
  { key: 'R1', area: 'JZ-QH-01-01-G01', cat: 'DL-03', channel: 'hotline', state: 'submitted', sub: daysAgo(2) },
  { key: 'R2', area: 'JZ-QH-01-01-G02', cat: 'HW-01', channel: 'portal', state: 'submitted', sub: daysAgo(1) },
]

describe.skipIf(session.skip)('the leader dashboard and the big screen in a browser (pglite)', () => {
  const { signIn, shoot, goto, axe, pageProblems, a11yProblems } = session
  let leader: Page
  let guihua = 0

  beforeAll(async () => {
    await session.open(async (p) => {
      await insertFixture(p, [...fixture, ...recent])
      guihua = Number(
        (await sql<{ id: number }>`select id from area where code = 'JZ-QH-01-01'`.execute(p.database.db)).rows[0]!.id,
      )
    })
  })
  afterAll(() => session.close())

  const text = (page: Page, id: string) =>
    page.textContent(byTestId(id)).then((s) => (s ?? '').replace(/\s+/g, ' ').trim())

  it('shows the tiles of a period with their changes, channels, categories and grids', async () => {
    leader = await signIn('guihua.leader')
    await goto(leader, '#/dashboard')
    await leader.waitForSelector(byTestId('page-dashboard'))
    await leader.fill(byTestId('dash-from'), '2021-03-01')
    await leader.fill(byTestId('dash-to'), '2021-03-31')
    await leader.waitForFunction(
      () => document.querySelector('[data-testid="dbd-tile-total-value"]')?.textContent?.trim() === '8',
    )
    // Overdue counts at now: A4 and A5, whose stage deadlines (2021) have passed by the browser's clock.
    expect(await text(leader, 'dbd-tile-overdue-value')).toBe('2')
    expect(await text(leader, 'dbd-tile-extensionRate-value')).toBe('12.5%')
    expect(await text(leader, 'dbd-tile-onTimeClosureRate-value')).toBe('50%')
    // 8 against 2 in the previous period (+300%) and 1 a year before (+700%).
    expect(await text(leader, 'dbd-tile-total-previous')).toContain('▲ 300%')
    expect(await text(leader, 'dbd-tile-total-lastYear')).toContain('▲ 700%')
    // The extension rate fell 37.5 points: a fall is good for it.
    expect(await text(leader, 'dbd-tile-extensionRate-previous')).toContain('▼ 37.5')
    expect(await leader.getAttribute(byTestId('dbd-tile-extensionRate-previous'), 'class')).toContain('dbd-good')
    expect(await text(leader, 'dbd-tile-closed-value')).toBe('4')
    expect(await text(leader, 'dbd-channel-links-hotline')).toContain('4')
    expect(await text(leader, 'dbd-category-links-DL-03')).toContain('5')
    expect(await text(leader, 'dbd-grid-links-JZ-QH-01-01-G02')).toContain('3')
    await leader.waitForSelector(`${byTestId('dbd-trend')} svg`)
    await leader.waitForSelector(`${byTestId('dbd-channels')} svg`)
    // The older parts of the page are still there: the three rates and the evaluation.
    await leader.waitForSelector(byTestId('dash-gauges'))
    await axe(leader, 'dashboard')
    await shoot(leader, 'analytics-dashboard.png')
  })

  it('opens the cases behind a tile and a channel, and a case from there', async () => {
    await leader.click(byTestId('dbd-tile-overdue-value'))
    await leader.waitForSelector(byTestId('dbd-drill'))
    await leader.waitForFunction(() => document.querySelectorAll('[data-testid="dbd-drill-row"]').length === 2)
    expect(await text(leader, 'dbd-drill-title')).toContain('超期')
    expect(await text(leader, 'dbd-drill-total')).toContain('2')
    await leader.waitForSelector(byTestId('dbd-drill-case-DASH-A4'))
    await leader.waitForSelector(byTestId('dbd-drill-case-DASH-A5'))
    await axe(leader, 'drill-down')
    await shoot(leader, 'analytics-dashboard-drill.png')
    await leader.click(byTestId('dbd-drill-back'))
    // Back on the dashboard, the period chosen is kept.
    await leader.waitForFunction(
      () => document.querySelector('[data-testid="dbd-tile-total-value"]')?.textContent?.trim() === '8',
    )
    await leader.click(byTestId('dbd-channel-links-hotline'))
    await leader.waitForFunction(() => document.querySelectorAll('[data-testid="dbd-drill-row"]').length === 4)
    const codes = await leader.$$eval('[data-testid="dbd-drill-row"] a', (as) => as.map((a) => a.textContent))
    expect(codes.sort()).toEqual(['DASH-A1', 'DASH-A2', 'DASH-A5', 'DASH-A6'])
    await leader.click(byTestId('dbd-drill-case-DASH-A1'))
    await leader.waitForFunction(() => window.location.hash.startsWith('#/cases/'))
    await leader.waitForFunction(() => document.body.textContent?.includes('DASH-A1'))
    await goto(leader, '#/dashboard')
  })

  it('reads the same in English', async () => {
    await leader.selectOption(byTestId('lang-switch'), 'en')
    await leader.waitForFunction(() =>
      document.querySelector('[data-testid="dbd-tile-total"]')?.textContent?.includes('Cases'),
    )
    expect(await text(leader, 'dbd-tile-total-previous')).toContain('vs prev.')
    expect(await text(leader, 'dbd-tile-onTimeClosureRate')).toContain('On-time closure')
    await axe(leader, 'dashboard (en)')
    await shoot(leader, 'analytics-dashboard-en.png')
    await leader.selectOption(byTestId('lang-switch'), 'zh-CN')
  })

  it('runs the big screen: dark, no scrolling, a clock, refreshed within a minute', async () => {
    await leader.click(byTestId('dbd-open-screen'))
    await leader.waitForSelector(byTestId('bs-screen'))
    expect(await leader.evaluate(() => window.location.hash)).toBe(`#/dashboard/screen/${guihua}`)
    // R1 and R2 at least (the demo seed may have filed more in these days).
    await leader.waitForFunction(
      () => Number(document.querySelector('[data-testid="bs-tile-total-value"]')?.textContent?.trim()) >= 2,
    )
    const before = Number(await text(leader, 'bs-tile-total-value'))
    await leader.waitForSelector(`${byTestId('bs-trend')} svg`)
    const clock = await text(leader, 'bs-clock')
    await leader.waitForFunction((c) => document.querySelector('[data-testid="bs-clock"]')?.textContent !== c, clock)
    const box = await leader.evaluate(() => {
      const s = document.querySelector('[data-testid="bs-screen"]') as HTMLElement
      const r = s.getBoundingClientRect()
      return {
        width: r.width,
        height: r.height,
        innerWidth: window.innerWidth,
        innerHeight: window.innerHeight,
        scrolls: s.scrollHeight > s.clientHeight || document.documentElement.scrollHeight > window.innerHeight,
        background: getComputedStyle(s).backgroundColor,
        // Nothing of the app's frame paints over it: the corners belong to the screen.
        onTop: [
          [2, 2],
          [window.innerWidth - 2, window.innerHeight - 2],
          [40, window.innerHeight / 2],
        ].every(([x, y]) => s.contains(document.elementFromPoint(x!, y!))),
      }
    })
    expect(box.width).toBe(box.innerWidth)
    expect(box.height).toBe(box.innerHeight)
    expect(box.scrolls).toBe(false)
    expect(box.background).toBe('rgb(11, 21, 38)')
    expect(box.onTop).toBe(true)
    await axe(leader, 'big screen', byTestId('bs-screen'))
    await shoot(leader, 'analytics-big-screen.png', false)
    // A case filed now shows on the screen at its next refresh (every 60 s), without a reload.
    await insertFixture(session.p, [
      { key: 'R3', area: 'JZ-QH-01-01-G01', cat: 'DL-03', channel: 'hotline', state: 'submitted', sub: daysAgo(0.01) },
    ])
    await leader.waitForFunction(
      (n) => Number(document.querySelector('[data-testid="bs-tile-total-value"]')?.textContent?.trim()) === n + 1,
      before,
      { timeout: 75_000 },
    )
    await leader.keyboard.press('Escape')
    await leader.waitForSelector(byTestId('page-dashboard'))
    expect(pageProblems).toEqual([])
    expect(a11yProblems).toEqual([])
  }, 120_000)
})
