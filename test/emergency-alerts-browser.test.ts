// Emergency alerts in a real browser: the heatwave's commander sees the demo warning's delivery and
// acknowledgement bars in the command view (in total and per grid), sends a check-in alert to the
// incident's grids, watches it go from queued to delivered as the worker runs, and re-sends it to
// those who did not acknowledge; a resident of those grids opens it on their phone and taps the big
// button; guihua.resident finds last month's drill alert marked as a drill; someone without an
// account opens an SMS link and acknowledges, and a forged link says so. axe checks every page of
// the part. Needs the built web app (`npm run build:web`) and a system Chromium.
import { sql } from 'kysely'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cipherFor } from '../src/core/crypto.js'
import { alertLinkToken, deliverDueAlerts } from '../src/emergency/alerts.js'
import { LogTransport } from '../src/notifications/transport.js'
import { PHONE, browserSession, byTestId } from './browser-support.js'
import type { TestPlatform } from './support.js'

const HEAT = '高温橙色预警：桂花社区高温应急响应'
const NOTE = '请回复是否平安（浏览器测试）。'

const session = browserSession({ what: 'the emergency alerts browser test' })

describe.skipIf(session.skip)('emergency alert screens in a browser (pglite)', () => {
  let p: TestPlatform
  const { signIn, shoot, goto, axe, pageProblems, a11yProblems } = session
  let heat = 0
  let leader: Page
  let newAlert = 0

  const deliver = () =>
    deliverDueAlerts(p.database.db, p.clock.now(), new LogTransport(() => {}), cipherFor(p.config), {
      ratePerSecond: 1_000_000,
    })

  beforeAll(async () => {
    p = await session.open(async (platform) => {
      const { rows } = await sql<{
        id: number
      }>`select id from incident where title = ${HEAT} and status = 'active'`.execute(platform.database.db)
      if (!rows[0]) throw new Error('the demo city has no heatwave in 桂花 (src/emergency/incidents-demo.ts)')
      heat = Number(rows[0].id)
    })
  })

  afterAll(() => session.close())

  it('the commander sees the demo warning delivered per grid and sends a check-in alert', async () => {
    leader = await signIn('guihua.leader')
    await goto(leader, `#/emergency/incidents/${heat}`)
    await leader.waitForSelector(byTestId('alert-panel'))
    const demo = leader.locator(byTestId('alert-item')).first()
    await demo.waitFor()
    expect(await demo.getAttribute('data-status')).toBe('done')
    expect(Number(await demo.locator(byTestId('alert-totals')).getAttribute('data-acknowledged'))).toBeGreaterThan(0)
    await demo.locator(byTestId('alert-grids-toggle')).click()
    await leader.waitForSelector(byTestId('alert-grid-bars'))
    expect(await leader.locator(byTestId('alert-grid-bars')).count()).toBe(3)
    await axe(leader, 'alert panel', byTestId('alert-panel'))
    await shoot(leader, 'alerts-panel.png')

    await leader.selectOption(byTestId('alert-template'), 'check_in')
    await leader.fill(byTestId('alert-note-zh'), NOTE)
    expect(await leader.locator(byTestId('alert-grid')).count()).toBe(3)
    await leader.click(byTestId('alert-submit'))
    await leader.waitForSelector(byTestId('alert-queued'))
    const first = leader.locator(byTestId('alert-item')).first()
    await leader.waitForFunction(
      (sel) =>
        document.querySelectorAll(sel).length >= 2 &&
        document.querySelector(sel)?.getAttribute('data-status') === 'queued',
      byTestId('alert-item'),
    )
    newAlert = Number(await first.getAttribute('data-id'))
    expect(newAlert).toBeGreaterThan(0)
    // Nothing was sent by the request; the worker does it, and the panel follows by itself.
    const before = await sql<{
      n: number
    }>`select count(*)::int as n from incident_alert_recipient where alert_id = ${newAlert}`.execute(p.database.db)
    expect(before.rows[0]!.n).toBe(0)
    await deliver()
    await leader.waitForSelector(`${byTestId('alert-item')}[data-id="${newAlert}"][data-status="done"]`, {
      timeout: 15_000,
    })
    await axe(leader, 'alert panel after sending', byTestId('alert-panel'))
  }, 90_000)

  it('a resident of the grids opens the check-in on their phone and says they are safe', async () => {
    const { rows } = await sql<{ username: string }>`select u.username from incident_alert_recipient r
      join app_user u on u.id = r.user_id where r.alert_id = ${newAlert} and r.status = 'sent' order by u.username limit 1`.execute(
      p.database.db,
    )
    expect(rows[0], 'a verified account in G01–G03').toBeDefined()
    const resident = await signIn(rows[0]!.username, PHONE)
    await goto(resident, '#/emergency/alerts')
    await resident.waitForSelector(byTestId('my-alerts'))
    await resident.waitForSelector(byTestId('my-alert'))
    await axe(resident, 'my alerts')
    await shoot(resident, 'alerts-mine-phone.png')
    await resident.locator(byTestId('my-alert-link')).first().click()
    await resident.waitForSelector(byTestId('alert-page'))
    expect(await resident.textContent(byTestId('alert-page'))).toContain(NOTE)
    await axe(resident, 'one alert (resident)')
    await shoot(resident, 'alerts-one-phone.png')
    await resident.click(byTestId('alert-ack'))
    await resident.waitForSelector(byTestId('alert-acked'))
    const acked = await sql<{
      n: number
    }>`select count(*)::int as n from incident_alert_recipient r join app_user u on u.id = r.user_id
      where r.alert_id = ${newAlert} and u.username = ${rows[0]!.username} and r.acknowledged_at is not null`.execute(
      p.database.db,
    )
    expect(acked.rows[0]!.n).toBe(1)

    // The commander re-sends to those who did not acknowledge: everyone but this resident.
    await leader.click(`${byTestId('alert-item')}[data-id="${newAlert}"] ${byTestId('alert-resend-unacknowledged')}`)
    await leader.waitForFunction(
      (id) => document.querySelector('[data-testid="alert-item"]')?.getAttribute('data-id') !== String(id),
      newAlert,
    )
    const resend = await sql<{ id: number }>`select id from incident_alert where resend_of = ${newAlert}`.execute(
      p.database.db,
    )
    expect(resend.rows).toHaveLength(1)
  }, 90_000)

  it("guihua.resident finds last month's drill alert marked as a drill", async () => {
    const resident = await signIn('guihua.resident', PHONE)
    await goto(resident, '#/emergency/alerts')
    await resident.waitForSelector(byTestId('my-alert'))
    await resident.locator(byTestId('my-alert-link')).first().click()
    await resident.waitForSelector(byTestId('alert-page'))
    await resident.waitForSelector(byTestId('alert-drill'))
    await axe(resident, 'drill alert')
  }, 60_000)

  it('someone without an account opens the SMS link and acknowledges; a forged link is refused', async () => {
    const { rows } = await sql<{ id: number }>`select id from incident_alert_recipient
      where alert_id = ${newAlert} and user_id is null and status = 'sent' order by id limit 1`.execute(p.database.db)
    const token = alertLinkToken(cipherFor(p.config), Number(rows[0]!.id))
    const ctx = await session.browser.newContext({ viewport: PHONE, locale: 'en-US', timezoneId: 'Asia/Shanghai' })
    ctx.setDefaultTimeout(30_000)
    session.contexts.push(ctx)
    const visitor = await ctx.newPage()
    session.watch(visitor, 'visitor')
    await visitor.goto(`${session.baseUrl}/#/emergency/alerts/link/${token}`)
    await visitor.waitForSelector(byTestId('alert-page'))
    expect(await visitor.locator(byTestId('public-sign-in')).count()).toBe(1)
    await axe(visitor, 'alert link page')
    await shoot(visitor, 'alerts-link-phone.png')
    await visitor.click(byTestId('alert-ack'))
    await visitor.waitForSelector(byTestId('alert-acked'))
    const acked = await sql<{
      at: Date | null
    }>`select acknowledged_at as at from incident_alert_recipient where id = ${rows[0]!.id}`.execute(p.database.db)
    expect(acked.rows[0]!.at).not.toBeNull()
    await visitor.goto(`${session.baseUrl}/#/emergency/alerts/link/${rows[0]!.id}.${'A'.repeat(22)}`)
    await visitor.reload()
    await visitor.waitForSelector(byTestId('alert-link-error'))
    await axe(visitor, 'invalid alert link')
  }, 60_000)

  it('leaves no page errors and no serious accessibility violations', () => {
    expect(pageProblems.filter((m) => !m.includes('ALERT_LINK_INVALID') && !m.includes('404'))).toEqual([])
    expect(a11yProblems).toEqual([])
  })
})
