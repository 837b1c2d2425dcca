// Early warning in a real browser: a warning's life. The test template holds the demo city but
// not its history, so the set-up plants the demo's warnings the way the demo does
// (seedWarningsDemo: nine street-light calls today around one spot of 桂花's grid and one caller's
// three reports of a broken bin, created through intake, then the detector). 桂花's leader finds
// them in the inbox, narrows it by kind and severity, opens the spike (its chart and its cases),
// acknowledges it, starts a proactive case from it and follows the link to the case, then closes
// the warning with a note; the English page once; a phone. Screenshots; axe on the inbox and the
// detail page. Needs `npm run build:web` and Chromium.
import { sql } from 'kysely'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { seedWarningsDemo } from '../src/analytics/warnings-demo.js'
import { fieldCipher } from '../src/core/crypto.js'
import { browserSession, byTestId, PHONE } from './browser-support.js'
import { call, TEST_DATA_KEY, tokenFor } from './support.js'

const session = browserSession({ what: 'the early-warning browser test' })

interface Listed {
  id: number
  kind: string
  severity: string
  state: string
}

describe.skipIf(session.skip)('early warning in a browser (pglite)', () => {
  const { signIn, shoot, goto, axe, pageProblems, a11yProblems } = session
  let leader: Page
  let token = ''
  let spike: Listed
  const note = '已联系路灯所更换东段线路，当晚恢复照明，回访三位来电人均表示满意'

  const list = async (query: string): Promise<{ items: Listed[]; total: number }> => {
    const r = await call(session.p.app, 'GET', `/api/v1/warnings?${query}`, { token })
    expect(r.status).toBe(200)
    return r.body
  }
  const rows = (page: Page) =>
    page.$$eval('[data-testid="warning-item"]', (lis) =>
      lis.map((li) => ({
        kind: li.getAttribute('data-kind'),
        href: li.querySelector('a')?.getAttribute('href') ?? '',
        severity: li.querySelector('[data-testid="warning-severity"]')?.textContent?.trim() ?? '',
      })),
    )
  const waitForRows = (page: Page, n: number) =>
    page.waitForFunction((k) => document.querySelectorAll('[data-testid="warning-item"]').length === k, n)

  beforeAll(async () => {
    await session.open(async (p) => {
      const { planted, detected } = await seedWarningsDemo(
        p.database.db,
        fieldCipher(Buffer.from(TEST_DATA_KEY, 'base64')),
        p.clock.now(),
      )
      expect(planted).toBe(12)
      expect(detected.raised).toBeGreaterThan(0)
    })
    token = await tokenFor(session.p.app, 'guihua.leader')
  }, 300_000)
  afterAll(() => session.close())

  it('finds the demo warnings in the inbox and narrows them by kind and severity', async () => {
    // What the server says the leader may see: the browser must show the same.
    const live = await list('state=live&pageSize=100')
    const kinds = new Set(live.items.map((w) => w.kind))
    expect(kinds).toContain('spike')
    expect(kinds).toContain('repeat_place')
    expect(kinds).toContain('repeat_requester')
    spike = live.items.find((w) => w.kind === 'spike')!
    expect(spike.state).toBe('open')

    leader = await signIn('guihua.leader')
    await goto(leader, '#/warnings')
    await leader.waitForSelector(byTestId('page-warnings'))
    await waitForRows(leader, Math.min(live.total, 20))
    expect(await leader.textContent('h1')).toContain('风险预警')
    await axe(leader, 'warnings inbox')
    await shoot(leader, 'analytics-warnings.png')

    await leader.selectOption(byTestId('warnings-filter-kind'), 'spike')
    const spikes = await list('state=live&kind=spike&pageSize=100')
    await waitForRows(leader, spikes.total)
    for (const r of await rows(leader)) expect(r.kind).toBe('spike')
    expect((await rows(leader)).map((r) => r.href)).toContain(`#/warnings/${spike.id}`)

    await leader.selectOption(byTestId('warnings-filter-severity'), spike.severity)
    const both = await list(`state=live&kind=spike&severity=${spike.severity}&pageSize=100`)
    await waitForRows(leader, both.total)
    const severityText = { critical: '特别严重', high: '严重', medium: '较重', low: '一般' }[spike.severity]
    for (const r of await rows(leader)) expect(r.severity).toBe(severityText)
    // A severity the spike does not have leaves it out.
    const other = spike.severity === 'low' ? 'critical' : 'low'
    await leader.selectOption(byTestId('warnings-filter-severity'), other)
    const none = await list(`state=live&kind=spike&severity=${other}&pageSize=100`)
    if (none.total === 0) await leader.waitForSelector(byTestId('warnings-empty'))
    else await waitForRows(leader, none.total)
    expect((await rows(leader)).map((r) => r.href)).not.toContain(`#/warnings/${spike.id}`)
    await leader.selectOption(byTestId('warnings-filter-severity'), spike.severity)
    await waitForRows(leader, both.total)
  }, 120_000)

  it('opens the spike: its chart against the history and its cases', async () => {
    await leader.click(`${byTestId('warning-item')} a[href="#/warnings/${spike.id}"]`)
    await leader.waitForSelector(byTestId('page-warning'))
    await leader.waitForSelector(`${byTestId('warning-chart')} svg`)
    const detail = (await call(session.p.app, 'GET', `/api/v1/warnings/${spike.id}`, { token })).body
    expect(detail.observed).toBeGreaterThanOrEqual(9)
    // One bar per period of the series (the period and the same periods before it).
    expect(await leader.$$eval(`${byTestId('warning-chart')} rect`, (r) => r.length)).toBe(detail.series.length)
    expect(detail.series.length).toBe(9)
    const bars = await leader.$$eval(`${byTestId('warning-chart')} .bar-period`, (r) => r.length)
    expect(bars).toBe(detail.series.filter((s: { baseline: boolean }) => !s.baseline).length)
    expect(await leader.getAttribute(`${byTestId('warning-chart')} svg`, 'aria-label')).toContain(
      String(detail.observed),
    )
    await leader.waitForSelector(`${byTestId('warning-cases')} tbody tr`)
    const codes = await leader.$$eval(`${byTestId('warning-cases')} tbody tr td:first-child a`, (as) =>
      as.map((a) => a.textContent?.trim()),
    )
    expect(codes.sort()).toEqual(detail.cases.map((c: { trackingCode: string }) => c.trackingCode).sort())
    expect(codes.length).toBeGreaterThanOrEqual(9)
    expect(await leader.textContent(byTestId('page-warning'))).toContain('路灯不亮')
    expect(await leader.textContent(byTestId('warning-state'))).toBe('待处理')
    await axe(leader, 'warning detail')
    await shoot(leader, 'analytics-warning-detail.png')
  }, 120_000)

  it('acknowledges it, starts a proactive case from it and closes it with a note', async () => {
    await leader.click(byTestId('warning-acknowledge'))
    await leader.waitForFunction(
      () => document.querySelector('[data-testid="warning-state"]')?.textContent === '已确认',
    )
    expect(await leader.$(byTestId('warning-acknowledge'))).toBeNull()

    await leader.fill('#warning-case-description', '组织路灯所对桂花路东段路灯线路进行全面排查维修')
    await leader.click(`${byTestId('warning-case-form')} button[type="submit"]`)
    await leader.waitForSelector(byTestId('warning-case'))
    const code = (await leader.textContent(byTestId('warning-case')))!.trim()
    const made = await sql<{ id: number; channel: string; category: string; state: string }>`
      select c.id, c.channel, cat.code as category, c.state from cases c
      join case_category cat on cat.id = c.category_id where c.tracking_code = ${code}`.execute(session.p.database.db)
    expect(made.rows).toHaveLength(1)
    expect(made.rows[0]!.channel).toBe('proactive')
    expect(made.rows[0]!.category).toBe('DL-03')
    const linked = await sql<{ case_id: number }>`select case_id from warning where id = ${spike.id}`.execute(
      session.p.database.db,
    )
    expect(linked.rows[0]!.case_id).toBe(made.rows[0]!.id)
    // The form is gone: one proactive case per warning.
    expect(await leader.$(byTestId('warning-case-form'))).toBeNull()

    await leader.click(byTestId('warning-case'))
    await leader.waitForFunction((id) => window.location.hash === `#/cases/${id}`, made.rows[0]!.id)
    await leader.waitForFunction((c) => document.body.textContent?.includes(c), code)
    await goto(leader, `#/warnings/${spike.id}`)
    await leader.waitForSelector(byTestId('warning-close-form'))

    // Closing needs a note: the button stays disabled until there is one.
    const submit = `${byTestId('warning-close-form')} button[type="submit"]`
    expect(await leader.isDisabled(submit)).toBe(true)
    await leader.fill('#warning-close-note', note)
    await leader.click(submit)
    await leader.waitForFunction(
      () => document.querySelector('[data-testid="warning-state"]')?.textContent === '已关闭',
    )
    expect(await leader.textContent(byTestId('warning-close-note'))).toContain(note)
    expect(await leader.$(byTestId('warning-close-form'))).toBeNull()
    const stored = await sql<{ state: string; close_note: string }>`
      select state, close_note from warning where id = ${spike.id}`.execute(session.p.database.db)
    expect(stored.rows[0]).toEqual({ state: 'closed', close_note: note })
    await axe(leader, 'warning detail, closed')
    await shoot(leader, 'analytics-warning-closed.png')

    // The inbox's live view no longer lists it; the closed view does.
    await goto(leader, '#/warnings')
    await leader.waitForSelector(byTestId('page-warnings'))
    const live = await list('state=live&pageSize=100')
    await waitForRows(leader, Math.min(live.total, 20))
    expect((await rows(leader)).map((r) => r.href)).not.toContain(`#/warnings/${spike.id}`)
    await leader.selectOption(byTestId('warnings-filter-state'), 'closed')
    await leader.waitForSelector(`${byTestId('warning-item')} a[href="#/warnings/${spike.id}"]`)
  }, 120_000)

  it('reads the same in English', async () => {
    await leader.selectOption(byTestId('lang-switch'), 'en')
    await leader.waitForFunction(() => document.querySelector('h1')?.textContent?.includes('Early warning'))
    expect(await leader.textContent(`${byTestId('warning-item')} a[href="#/warnings/${spike.id}"]`)).toContain('Spike')
    await axe(leader, 'warnings inbox (en)')
    await shoot(leader, 'analytics-warnings-en.png')
    await goto(leader, `#/warnings/${spike.id}`)
    await leader.waitForFunction(
      () => document.querySelector('[data-testid="warning-state"]')?.textContent === 'Closed',
    )
    expect(await leader.textContent(byTestId('page-warning'))).toContain('The cases (')
    await axe(leader, 'warning detail (en)')
    await shoot(leader, 'analytics-warning-detail-en.png')
    await leader.selectOption(byTestId('lang-switch'), 'zh-CN')
  }, 120_000)

  it('fits a phone and has no page errors or serious accessibility problems', async () => {
    const phone = await signIn('guihua.leader', PHONE)
    await goto(phone, '#/warnings')
    await phone.waitForSelector(byTestId('warning-item'))
    await shoot(phone, 'analytics-warnings-phone.png')
    await axe(phone, 'warnings inbox on a phone')
    const place = (await list('state=live&kind=repeat_place')).items[0]!
    await goto(phone, `#/warnings/${place.id}`)
    await phone.waitForSelector(`${byTestId('warning-cases')} tbody tr`)
    // The page does not scroll sideways on a phone.
    const overflow = await phone.evaluate(() => document.documentElement.scrollWidth > window.innerWidth)
    expect(overflow).toBe(false)
    await shoot(phone, 'analytics-warning-detail-phone.png')
    await axe(phone, 'warning detail on a phone')
    expect(pageProblems).toEqual([])
    expect(a11yProblems).toEqual([])
  }, 120_000)
})
