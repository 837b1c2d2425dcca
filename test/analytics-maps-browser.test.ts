// The case map in a real browser: the district leader opens #/case-map on a year of generated
// history, picks the street 东湖, widens the period to the year, and sees every leaf grid drawn
// with the API's totals; the clusters on the map add up to the cases in view; clicking clusters
// zooms in until single cases come, whose popup links to the case. Disputes by risk and components
// with open cases are layered on (their counts those of the API). Screenshots on desktop and
// phone; axe on the page. Needs `npm run build:web` and Chromium.
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { generate } from '../src/operations/generate.js'
import { browserSession, byTestId, PHONE } from './browser-support.js'
import { call, tokenFor } from './support.js'

const session = browserSession({ what: 'the case map browser test' })

/** The day `offset` days from today in Shanghai (the browser's time zone), as YYYY-MM-DD. */
function shanghaiDay(offset: number): string {
  const local = new Date(Date.now() + 8 * 3600_000)
  return new Date(Date.UTC(local.getUTCFullYear(), local.getUTCMonth(), local.getUTCDate() + offset))
    .toISOString()
    .slice(0, 10)
}

/** The numbers the cluster markers show, summed. */
const clusterSum = (page: Page) =>
  page.$$eval('.maps-cluster', (els) => els.reduce((s, e) => s + Number(e.textContent), 0))

const inView = async (page: Page) => Number((await page.getAttribute(byTestId('maps-in-view'), 'data-total')) ?? -1)

describe.skipIf(session.skip)('the case map in a browser (pglite)', () => {
  const { signIn, shoot, goto, axe, pageProblems, a11yProblems } = session
  let leader: Page
  let donghu = ''
  const from = shanghaiDay(-364)
  beforeAll(async () => {
    await session.open(async (p) => {
      await generate(p.database, { counts: { cases: 400 }, seed: 11, until: p.clock.now(), years: 1, log: () => {} })
    })
  }, 240_000)
  afterAll(() => session.close())

  it('draws the grids of a street with the API’s totals and clusters that add up', async () => {
    const p = session.p
    leader = await signIn('leader')
    await goto(leader, '#/case-map')
    await leader.waitForSelector(byTestId('page-case-map'))
    await leader.waitForSelector(`${byTestId('maps-area')} option[data-code="JZ-QH-01"]`, { state: 'attached' })
    donghu = (await leader.getAttribute(`${byTestId('maps-area')} option[data-code="JZ-QH-01"]`, 'value'))!
    await leader.selectOption(byTestId('maps-area'), donghu)
    await leader.fill(byTestId('maps-from'), from)

    const token = await tokenFor(p.app, 'leader')
    const api = (
      await call(p.app, 'GET', `/api/v1/analytics/map/grids?areaId=${donghu}&from=${from}&to=${shanghaiDay(1)}`, {
        token,
      })
    ).body
    expect(api.totals.total).toBeGreaterThan(0)
    await leader.waitForFunction(
      (n) => document.querySelector('[data-testid="maps-total"]')?.textContent?.replace(/\D/g, '') === String(n),
      api.totals.total,
    )
    expect(await leader.locator('path.maps-grid').count()).toBe(api.grids.length)
    expect(await leader.locator('path.maps-grid.has-cases').count()).toBe(
      api.grids.filter((g: { total: number }) => g.total > 0).length,
    )
    await leader.waitForSelector(`${byTestId('maps-legend')} li:nth-child(2)`)
    // The clusters on the map are the answer for the box in view, and add up to it.
    await leader.waitForSelector('.maps-cluster')
    await leader.waitForFunction(() => document.querySelector('[data-testid="maps-in-view"]') !== null)
    const total = await inView(leader)
    expect(total).toBeGreaterThan(0)
    expect(await clusterSum(leader)).toBe(total)
    await shoot(leader, 'case-map-grids.png')
    await axe(leader, 'case map, grids and clusters')
  })

  it('zooms into clusters until single cases come, whose popup links to the case', async () => {
    for (let i = 0; i < 8; i++) {
      if ((await leader.getAttribute(byTestId('maps-in-view'), 'data-mode')) === 'points') break
      // The biggest cluster: a click zooms in on it.
      const biggest = await leader.$$eval('.maps-cluster', (els) => {
        let best = 0
        els.forEach((e, k) => {
          if (Number(e.textContent) > Number(els[best]!.textContent)) best = k
        })
        return Number(els[best]!.textContent) > 1 ? best : -1
      })
      if (biggest < 0) break
      const before = await leader.getAttribute(byTestId('maps-in-view'), 'data-zoom')
      await leader.locator('.maps-cluster-icon').nth(biggest).click()
      await leader.waitForFunction(
        (z) => document.querySelector('[data-testid="maps-in-view"]')?.getAttribute('data-zoom') !== z,
        before,
      )
      await leader.waitForTimeout(300)
      if ((await leader.getAttribute(byTestId('maps-in-view'), 'data-mode')) === 'clusters')
        expect(await clusterSum(leader)).toBe(await inView(leader))
    }
    const mode = await leader.getAttribute(byTestId('maps-in-view'), 'data-mode')
    if (mode === 'points') {
      await leader.locator('path.maps-case').first().click({ force: true })
    } else {
      // Zoomed as far as clicking goes with a single-case cluster left: its popup names the case.
      await leader.locator('.maps-cluster-icon').first().click()
    }
    const link = await leader.waitForSelector(byTestId('maps-case-link'))
    expect(await link.getAttribute('href')).toMatch(/^#\/cases\/\d+$/)
    await shoot(leader, 'case-map-points.png')
  })

  it('layers open disputes by risk and components with open cases', async () => {
    const p = session.p
    const token = await tokenFor(p.app, 'leader')
    const disputes = (await call(p.app, 'GET', `/api/v1/analytics/map/disputes?areaId=${donghu}`, { token })).body
    const components = (await call(p.app, 'GET', `/api/v1/analytics/map/components?areaId=${donghu}`, { token })).body
    await leader.uncheck(byTestId('maps-layer-points'))
    await leader.check(byTestId('maps-layer-disputes'))
    await leader.check(byTestId('maps-layer-components'))
    await leader.waitForSelector(byTestId('maps-risk-legend'))
    await leader.waitForSelector(byTestId('maps-components-total'))
    expect(Number(await leader.getAttribute(byTestId('maps-components-total'), 'data-total'))).toBe(components.total)
    expect(await leader.locator('path.maps-dispute').count()).toBe(disputes.points.length)
    expect(await leader.locator('path.maps-component').count()).toBe(components.components.length)
    expect(await leader.locator('.maps-cluster').count()).toBe(0)
    if (disputes.points.length > 0) {
      // Zoom back out to the street, then open a dispute's popup.
      await leader.selectOption(byTestId('maps-area'), '')
      await leader.selectOption(byTestId('maps-area'), donghu)
      await leader.locator('path.maps-dispute').first().click({ force: true })
      const link = await leader.waitForSelector(byTestId('maps-dispute-link'))
      expect(await link.getAttribute('href')).toMatch(/^#\/mediation\/\d+$/)
    }
    await shoot(leader, 'case-map-layers.png')
    await axe(leader, 'case map, disputes and components')
  })

  it('fits a phone and has no page errors or serious accessibility problems', async () => {
    const phone = await signIn('donghu.staff', PHONE)
    await goto(phone, '#/case-map')
    await phone.waitForSelector(byTestId('page-case-map'))
    await phone.waitForSelector('path.maps-grid')
    await shoot(phone, 'case-map-phone.png')
    await axe(phone, 'case map on a phone')
    expect(pageProblems).toEqual([])
    expect(a11yProblems).toEqual([])
  })
})
