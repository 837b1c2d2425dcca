// The phone check list in a real browser, at a phone's size: the grid worker of 桂花's G01 picks
// the demo heatwave, marks a person safe, loses the network, marks another unreachable (queued on
// the phone, "1 waiting to send"), gets the network back and the mark is sent; a mark made by the
// staff elsewhere appears without a reload (the live stream). The commander's view shows the check
// panel with a bar per grid. axe checks every page of the part for serious or critical violations.
// Needs the built web app (`npm run build:web`) and a system Chromium.
import { randomUUID } from 'node:crypto'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { PHONE, browserSession, byTestId } from './browser-support.js'
import { areaId, call, tokenFor, type TestPlatform } from './support.js'

const session = browserSession({ what: 'the check list browser test' })

describe.skipIf(session.skip)('the phone check list in a browser (pglite)', () => {
  let p: TestPlatform
  const { signIn, shoot, goto, axe, pageProblems, a11yProblems } = session
  let grid: Page
  let incident = 0
  let g01 = 0

  const statusOf = async (checkId: number) =>
    (
      await p.database.db
        .selectFrom('incident_check')
        .select('status')
        .where('id', '=', checkId)
        .executeTakeFirstOrThrow()
    ).status
  const card = (checkId: number) => `${byTestId('check-card')}[data-id="${checkId}"]`
  /** A person of G01 still to check, not `except`. */
  const pendingCard = async (except: number[] = []) => {
    const ids = await grid.$$eval(`${byTestId('check-card')}[data-status="pending"]`, (els) =>
      els.map((e) => Number(e.getAttribute('data-id'))),
    )
    const id = ids.find((i) => !except.includes(i))
    if (!id) throw new Error('no pending person left on the grid worker’s list')
    return id
  }

  beforeAll(async () => {
    p = await session.open(async (platform) => {
      const guihua = await areaId(platform, 'JZ-QH-01-01')
      g01 = await areaId(platform, 'JZ-QH-01-01-G01')
      const heat = await platform.database.db
        .selectFrom('incident')
        .select('id')
        .where('area_id', '=', guihua)
        .where('kind', '=', 'heatwave')
        .where('status', '=', 'active')
        .executeTakeFirst()
      if (!heat) throw new Error('the demo city has no active heatwave in 桂花 (src/emergency/incidents-demo.ts)')
      incident = Number(heat.id)
    })
  })

  afterAll(() => session.close())

  it('the grid worker picks the incident on a phone and sees their grid’s people', async () => {
    grid = await signIn('guihua.grid', PHONE)
    await goto(grid, '#/emergency/checks')
    await grid.waitForSelector(`${byTestId('check-incident')}[data-id="${incident}"]`)
    await axe(grid, 'check list: incident picker')
    await shoot(grid, 'checks-picker-phone.png')
    await grid.click(`${byTestId('check-incident')}[data-id="${incident}"] a`)
    await grid.waitForSelector(byTestId('check-card'))
    await grid.waitForSelector(`${byTestId('check-live')}[data-live="true"]`)
    const ids = await grid.$$eval(byTestId('check-card'), (els) => els.map((e) => Number(e.getAttribute('data-id'))))
    const rows = await p.database.db
      .selectFrom('incident_check')
      .select(['id', 'area_id'])
      .where('incident_id', '=', incident)
      .execute()
    expect(ids.sort()).toEqual(
      rows
        .filter((r) => r.area_id === g01)
        .map((r) => Number(r.id))
        .sort(),
    )
    expect(await grid.getAttribute(byTestId('check-outbox'), 'data-waiting')).toBe('0')
    await axe(grid, 'check list (phone)')
    await shoot(grid, 'checks-list-phone.png')
  })

  it('a mark is sent at once when online', async () => {
    const id = await pendingCard()
    await grid.click(`${card(id)} .check-note-open`)
    await grid.fill(`${card(id)} ${byTestId('check-note')}`, '在家，已送绿豆汤')
    await grid.click(`${card(id)} ${byTestId('check-mark-safe')}`)
    await grid.waitForSelector(`${card(id)}[data-status="safe"][data-queued="false"]`)
    await grid.waitForSelector(`${byTestId('check-outbox')}[data-waiting="0"]`)
    expect(await statusOf(id)).toBe('safe')
  })

  it('offline, a mark waits on the phone and is sent when the network is back', async () => {
    const safe = await grid.$$eval(`${byTestId('check-card')}[data-status="safe"]`, (els) =>
      els.map((e) => Number(e.getAttribute('data-id'))),
    )
    const id = await pendingCard(safe)
    await grid.context().setOffline(true)
    await grid.click(`${card(id)} ${byTestId('check-mark-unreachable')}`)
    await grid.waitForSelector(`${card(id)}[data-status="unreachable"][data-queued="true"]`)
    await grid.waitForSelector(`${byTestId('check-outbox')}[data-waiting="1"]`)
    expect(await grid.textContent(byTestId('check-outbox'))).toContain('1')
    await shoot(grid, 'checks-offline-phone.png')
    await axe(grid, 'check list offline (phone)')
    expect(await statusOf(id)).toBe('pending')
    // The queue survives a reload while offline? It is in localStorage: it does.
    expect(await grid.evaluate(() => localStorage.getItem('grassroots.emergency.checks.queue'))).toContain(String(id))
    await grid.context().setOffline(false)
    await grid.waitForSelector(`${byTestId('check-outbox')}[data-waiting="0"]`, { timeout: 30_000 })
    await grid.waitForSelector(`${card(id)}[data-status="unreachable"][data-queued="false"]`)
    expect(await statusOf(id)).toBe('unreachable')
  })

  it('another worker’s mark appears without a reload', async () => {
    // The stream may have reconnected after the network came back.
    await grid.waitForSelector(`${byTestId('check-live')}[data-live="true"]`, { timeout: 15_000 })
    const marked = await grid.$$eval(`${byTestId('check-card')}:not([data-status="pending"])`, (els) =>
      els.map((e) => Number(e.getAttribute('data-id'))),
    )
    const id = await pendingCard(marked)
    const staff = await tokenFor(p.app, 'guihua.staff')
    const res = await call(p.app, 'POST', `/api/v1/incidents/${incident}/checks/updates`, {
      token: staff,
      body: {
        updates: [
          {
            checkId: id,
            opId: randomUUID(),
            status: 'needs_help',
            note: '需送医',
            observedAt: new Date().toISOString(),
          },
        ],
      },
    })
    expect(res.status).toBe(200)
    await grid.waitForSelector(`${card(id)}[data-status="needs_help"]`, { timeout: 15_000 })
    await shoot(grid, 'checks-live-phone.png')
  })

  it('filters by status', async () => {
    await grid.selectOption(byTestId('check-filter-status'), 'needs_help')
    await grid.waitForSelector(`${byTestId('check-card')}[data-status="needs_help"]`)
    const statuses = await grid.$$eval(byTestId('check-card'), (els) => els.map((e) => e.getAttribute('data-status')))
    expect(new Set(statuses)).toEqual(new Set(['needs_help']))
    await axe(grid, 'check list filtered (phone)')
  })

  it('the commander’s view shows progress per grid and who needs help', async () => {
    const leader = await signIn('guihua.leader')
    await goto(leader, `#/emergency/incidents/${incident}`)
    await leader.waitForSelector(byTestId('check-panel'))
    await leader.waitForSelector(byTestId('check-grid'))
    expect((await leader.$$(byTestId('check-grid'))).length).toBe(3)
    await leader.waitForSelector(byTestId('check-attention-row'))
    const statuses = await leader.$$eval(byTestId('check-attention-row'), (els) =>
      els.map((e) => e.getAttribute('data-status')),
    )
    expect(statuses).toContain('needs_help')
    expect(statuses).toContain('unreachable') // the demo's escalated person
    await axe(leader, 'check panel (command view)', byTestId('check-panel'))
    await shoot(leader, 'checks-panel.png')
    await leader.selectOption(byTestId('lang-switch'), 'en')
    await leader.waitForFunction(
      (sel) => document.querySelector(sel)?.textContent?.includes('Vulnerable residents'),
      `${byTestId('check-panel')} h2`,
    )
    expect(await leader.textContent(byTestId('check-panel-totals'))).toMatch(/\d+ people: \d+ safe/)
    await axe(leader, 'check panel (en)', byTestId('check-panel'))
    await shoot(leader, 'checks-panel-en.png')
    await leader.selectOption(byTestId('lang-switch'), 'zh-CN')
  })

  it('an enrolled volunteer sees the people of their grid only, without the full-number button', async () => {
    const volunteer = await signIn('guihua.resident', PHONE)
    await goto(volunteer, '#/emergency/checks')
    await volunteer.waitForSelector(`${byTestId('check-incident')}[data-id="${incident}"]`)
    await volunteer.click(`${byTestId('check-incident')}[data-id="${incident}"] a`)
    await volunteer.waitForSelector(byTestId('check-card'))
    const enrolled = await p.database.db
      .selectFrom('incident_responder')
      .innerJoin('app_user', 'app_user.id', 'incident_responder.user_id')
      .select('incident_responder.grid_ids')
      .where('incident_responder.incident_id', '=', incident)
      .where('app_user.username', '=', 'guihua.resident')
      .executeTakeFirstOrThrow()
    const rows = await p.database.db
      .selectFrom('incident_check')
      .select(['id', 'area_id'])
      .where('incident_id', '=', incident)
      .execute()
    const ids = await volunteer.$$eval(byTestId('check-card'), (els) =>
      els.map((e) => Number(e.getAttribute('data-id'))),
    )
    const grids = enrolled.grid_ids.length ? enrolled.grid_ids : [...new Set(rows.map((r) => r.area_id))]
    expect(ids.sort()).toEqual(
      rows
        .filter((r) => grids.includes(r.area_id))
        .map((r) => Number(r.id))
        .sort(),
    )
    expect(await volunteer.$(`${byTestId('check-card')} .check-phone button`)).toBeNull()
    await axe(volunteer, 'check list (volunteer, phone)')
    await shoot(volunteer, 'checks-volunteer-phone.png')
  })

  it('left no page errors and no serious accessibility violations', () => {
    expect(pageProblems).toEqual([])
    expect(a11yProblems).toEqual([])
  })
})
