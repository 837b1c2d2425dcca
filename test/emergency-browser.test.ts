// The issue's flow end to end in a real browser: 桂花's staff declare a heatwave over three grids
// with only the elderly living alone on the check list, alert every resident of the grids and watch
// the alert go out, check every elderly person living alone on a phone (one cannot be reached and
// is escalated when the limit passes), and the commander closes the incident with a summary and
// downloads the after-action report, whose figures are read back. The parts' own browser tests
// cover each screen in depth; this one walks them together.
// Needs the built web app (`npm run build:web`) and a system Chromium.
import { readFileSync } from 'node:fs'
import { sql } from 'kysely'
import type { Page } from 'playwright-core'
import { extractText } from 'unpdf'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cipherFor } from '../src/core/crypto.js'
import { fireDueTimers } from '../src/core/scheduler.js'
import { deliverDueAlerts } from '../src/emergency/alerts.js'
import { timerHandlers } from '../src/main.js'
import type { LogTransport, OutgoingMessage } from '../src/notifications/transport.js'
import { PHONE, browserSession, byTestId } from './browser-support.js'
import { areaId, type TestPlatform } from './support.js'

const TITLE = '高温红色预警：第四至六网格独居老人排查'
const SUMMARY = '高温过程结束：三个网格的独居老人均已联系，一人联系不上已上报并由社区上门处置。'
const GRIDS = ['G04', 'G05', 'G06'].map((g) => `JZ-QH-01-01-${g}`)
const MIN = 60_000

const session = browserSession({ what: 'the emergency end-to-end browser test' })

describe.skipIf(session.skip)('an incident from declaration to report in a browser (pglite)', () => {
  let p: TestPlatform
  const { signIn, shoot, goto, axe, pageProblems, a11yProblems } = session
  let staff: Page
  let incidentId = 0
  let elderly: number[] = []
  let residents = 0
  const sent: OutgoingMessage[] = []

  beforeAll(async () => {
    p = await session.open(async (platform) => {
      // The registry keeper has tagged the grids' residents of 70 and over who live alone (the
      // demo registry has few): two per grid, so the check list holds six people.
      const db = platform.database.db
      const gridIds = await Promise.all(GRIDS.map((c) => areaId(platform, c)))
      const tagged: number[] = []
      for (const grid of gridIds) {
        const { rows } = await sql<{ id: number }>`
          update person set tags = array_append(tags, 'elderly_alone')
          where id in (select id from person where area_id = ${grid} and status = 'active'
                         and not 'elderly_alone' = any(tags) order by birth_date nulls last, id limit 2)
          returning id`.execute(db)
        tagged.push(...rows.map((r) => Number(r.id)))
      }
      const { rows } = await sql<{ n: number }>`
        select count(*)::int as n from person where area_id = any(${gridIds}::int[]) and status = 'active'`.execute(db)
      residents = rows[0]!.n
      const all = await sql<{ id: number }>`
        select id from person where area_id = any(${gridIds}::int[]) and status = 'active'
          and 'elderly_alone' = any(tags) order by id`.execute(db)
      elderly = all.rows.map((r) => Number(r.id))
      expect(elderly.length).toBeGreaterThanOrEqual(tagged.length)
    })
  })

  afterAll(() => session.close())

  it('staff declare a heatwave over three grids with the elderly living alone to check', async () => {
    staff = await signIn('guihua.staff')
    await goto(staff, '#/emergency/incidents/new')
    await staff.waitForSelector(byTestId('incident-form'))
    await staff.selectOption(byTestId('incident-area'), String(await areaId(p, 'JZ-QH-01-01')))
    await staff.selectOption(byTestId('incident-kind'), 'heatwave')
    await staff.selectOption(byTestId('incident-level-select'), '2')
    await staff.fill(byTestId('incident-title'), TITLE)
    await staff.fill(byTestId('incident-description'), '连续三天最高气温40℃以上，逐一联系独居老人。')
    await staff.waitForSelector(byTestId('incident-grid-option'))
    for (const code of GRIDS) await staff.check(`${byTestId('incident-grid-option')}[data-code="${code}"]`)
    // Only the elderly living alone on this check list.
    const tags = staff.locator('.incident-tags input[type="checkbox"]')
    for (let i = 0; i < (await tags.count()); i++) await tags.nth(i).uncheck()
    await staff.getByLabel('独居老人', { exact: true }).check()
    await shoot(staff, 'emergency-e2e-declare.png')
    await staff.click(byTestId('incident-submit'))
    await staff.waitForSelector(byTestId('incident-command'))
    incidentId = Number(await staff.getAttribute(byTestId('incident-command'), 'data-incident-id'))
    const listed = await p.database.db
      .selectFrom('incident_check')
      .select('person_id')
      .where('incident_id', '=', incidentId)
      .orderBy('person_id')
      .execute()
    expect(listed.map((r) => Number(r.person_id))).toEqual(elderly)
    await axe(staff, 'command view of the new incident')
  }, 90_000)

  it('alerts every resident of the three grids; the worker sends one message each', async () => {
    await staff.waitForSelector(byTestId('alert-panel'))
    await staff.selectOption(byTestId('alert-template'), 'warning')
    await staff.fill(byTestId('alert-note-zh'), '请减少外出，注意防暑降温，有困难请拨打社区电话。')
    expect(await staff.locator(byTestId('alert-grid')).count()).toBe(3)
    await staff.click(byTestId('alert-submit'))
    await staff.waitForSelector(byTestId('alert-queued'))
    await deliverDueAlerts(
      p.database.db,
      p.clock.now(),
      { send: async (m) => void sent.push(m) } satisfies Pick<LogTransport, 'send'>,
      cipherFor(p.config),
      { ratePerSecond: 1_000_000 },
    )
    const item = staff.locator(byTestId('alert-item')).first()
    await staff.waitForSelector(`${byTestId('alert-item')}[data-status="done"]`, { timeout: 15_000 })
    const { rows } = await sql<{ total: number; sent: number; sms: number }>`
      select count(*)::int as total, count(*) filter (where r.status = 'sent')::int as sent,
             count(*) filter (where r.status = 'sent' and r.sms)::int as sms
      from incident_alert_recipient r join incident_alert a on a.id = r.alert_id
      where a.incident_id = ${incidentId}`.execute(p.database.db)
    // Every resident of the grids is a recipient; each phone got exactly one message.
    expect(rows[0]!.total).toBe(residents)
    expect(sent).toHaveLength(rows[0]!.sms)
    expect(new Set(sent.map((m) => m.to)).size).toBe(sent.length)
    expect(Number(await item.locator(byTestId('alert-totals')).getAttribute('data-sent'))).toBe(rows[0]!.sent)
    await shoot(staff, 'emergency-e2e-alert.png')
  }, 90_000)

  it('checks every elderly person living alone on a phone; one cannot be reached', async () => {
    const phone = await signIn('guihua.staff', PHONE)
    await goto(phone, `#/emergency/checks/${incidentId}`)
    await phone.waitForSelector(byTestId('check-card'))
    const ids = await phone.$$eval(byTestId('check-card'), (els) => els.map((e) => Number(e.getAttribute('data-id'))))
    expect(ids).toHaveLength(elderly.length)
    const [unreachable, ...safe] = ids
    for (const id of safe) {
      await phone.click(`${byTestId('check-card')}[data-id="${id}"] ${byTestId('check-mark-safe')}`)
      await phone.waitForSelector(`${byTestId('check-card')}[data-id="${id}"][data-status="safe"][data-queued="false"]`)
    }
    await phone.click(`${byTestId('check-card')}[data-id="${unreachable}"] ${byTestId('check-mark-unreachable')}`)
    await phone.waitForSelector(
      `${byTestId('check-card')}[data-id="${unreachable}"][data-status="unreachable"][data-queued="false"]`,
    )
    await axe(phone, 'check list after marking (phone)')
    await shoot(phone, 'emergency-e2e-checks-phone.png')

    // The limit passes with the person still unreachable: the timer escalates them.
    const incident = await p.database.db
      .selectFrom('incident')
      .select('escalate_after_minutes')
      .where('id', '=', incidentId)
      .executeTakeFirstOrThrow()
    p.clock.set(new Date(Date.now() + (incident.escalate_after_minutes + 6) * MIN))
    await fireDueTimers(p.database.db, p.clock.now(), timerHandlers)
    const escalated = await p.database.db
      .selectFrom('incident_check')
      .select(['id', 'escalated_at'])
      .where('incident_id', '=', incidentId)
      .where('escalated_at', 'is not', null)
      .execute()
    expect(escalated.map((r) => Number(r.id))).toEqual([unreachable])
    // The command view shows the escalation among the people who need attention.
    await goto(staff, `#/emergency/incidents/${incidentId}`)
    await staff.waitForSelector(`${byTestId('check-attention-row')}[data-status="unreachable"]`, { timeout: 15_000 })
    expect(await staff.textContent(byTestId('check-attention'))).toContain('已升级')
    await shoot(staff, 'emergency-e2e-escalated.png')
  }, 120_000)

  it('the commander closes the incident with a summary and the report tells what happened', async () => {
    await staff.click(byTestId('incident-close-open'))
    await staff.fill(byTestId('incident-close-summary'), SUMMARY)
    await staff.click(byTestId('incident-close-submit'))
    await staff.waitForSelector(`${byTestId('incident-status')}[data-status="closed"]`)
    const [download] = await Promise.all([staff.waitForEvent('download'), staff.click(byTestId('incident-report'))])
    const bytes = readFileSync((await download.path())!)
    const { text } = await extractText(new Uint8Array(bytes), { mergePages: true })
    const flat = text.replace(/\s+/g, '')
    expect(flat).toContain(TITLE)
    expect(flat).toContain(SUMMARY)
    // The alert's reach and the check coverage, as counted in the database.
    expect(flat).toContain(String(residents))
    expect(flat).toContain(String(elderly.length))
    await shoot(staff, 'emergency-e2e-closed.png')
  }, 90_000)

  it('found no serious or critical accessibility violations and no page errors', () => {
    expect(a11yProblems).toEqual([])
    expect(pageProblems).toEqual([])
  })
})
