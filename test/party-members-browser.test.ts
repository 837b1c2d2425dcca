// Party members in a real browser: guihua.staff registers a member from a registry person found
// through the registry's search, reports them to 桂花 community with a service post (their
// volunteer record is linked), assigns them to an open case by its tracking code and sees it all
// on the member page; the reports board lists them; the grid worker reads the list on a phone
// (masked names, no register button). axe on every page. Needs `npm run build:web` and Chromium.
import { sql } from 'kysely'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { PHONE, browserSession, byTestId } from './browser-support.js'
import type { TestPlatform } from './support.js'

const session = browserSession({ what: 'the party members browser test' })

describe.skipIf(session.skip)('party member screens in a browser (pglite)', () => {
  let p: TestPlatform
  const { signIn, shoot, goto, axe, pageProblems, a11yProblems } = session
  let staff: Page
  let person = { id: 0, name: '' }
  let committee = 0
  let openCase = { id: 0, tracking_code: '' }
  let memberId = 0

  beforeAll(async () => {
    p = await session.open(async (platform) => {
      const db = platform.database.db
      const { rows } = await sql<{ id: number; name: string }>`
        select p.id, p.name from person p join area a on a.id = p.area_id
        where a.path like (select path || '%' from area where code = 'JZ-QH-01-01') and p.status = 'active'
          and p.birth_date < date '1995-01-01'
          and not exists (select 1 from party_member m where m.person_id = p.id)
          and not exists (select 1 from volunteer v where v.person_id = p.id)
          and (select count(*) from person q where q.name = p.name) = 1
        order by p.id limit 1`.execute(db)
      person = rows[0]!
      committee = (
        await db
          .selectFrom('party_organisation')
          .select('id')
          .where('code', '=', 'PO-JZ-QH-01-01')
          .executeTakeFirstOrThrow()
      ).id
      const cases = await sql<{ id: number; tracking_code: string }>`
        select c.id, c.tracking_code from cases c join area a on a.id = c.area_id
        where a.path like (select path || '%' from area where code = 'JZ-QH-01-01')
          and c.state in ('submitted', 'accepted', 'dispatched', 'in_progress')
        order by c.id desc limit 1`.execute(db)
      openCase = cases.rows[0]!
    })
  })

  afterAll(() => session.close())

  it('registers a member from a registry person', async () => {
    staff = await signIn('guihua.staff')
    await goto(staff, '#/party/members')
    await staff.waitForSelector(byTestId('pm-rows'))
    await axe(staff, 'party members list')
    await shoot(staff, 'party-members-list.png')
    await staff.click(byTestId('pm-register-toggle'))
    await staff.waitForSelector(byTestId('pm-register-form'))
    await staff.fill(byTestId('pm-person-search'), person.name)
    await staff.waitForSelector(byTestId(`pm-person-${person.id}`))
    await staff.check(byTestId(`pm-person-${person.id}`))
    await staff.waitForSelector(`${byTestId('pm-form-organisation')} option[value="${committee}"]`, {
      state: 'attached',
    })
    await staff.selectOption(byTestId('pm-form-organisation'), String(committee))
    await staff.selectOption(byTestId('pm-form-workplace'), 'enterprise')
    await staff.fill(byTestId('pm-form-joined'), '2016-07-01')
    await axe(staff, 'register a member')
    await shoot(staff, 'party-members-register.png')
    await staff.click(byTestId('pm-register-submit'))
    await staff.waitForSelector(byTestId('pm-detail'))
    await staff.waitForSelector(byTestId('pm-detail-name'))
    expect(await staff.textContent(byTestId('pm-detail-name'))).toBe(person.name)
    memberId = Number(/members\/(\d+)/.exec(await staff.evaluate(() => window.location.hash))?.[1])
    const row = await p.database.db
      .selectFrom('party_member')
      .selectAll()
      .where('id', '=', memberId)
      .executeTakeFirstOrThrow()
    expect(row).toMatchObject({
      person_id: person.id,
      organisation_id: committee,
      status: 'active',
      joined_on: '2016-07-01',
    })
  })

  it('reports the member to 桂花 with a post and assigns them to an open case', async () => {
    await staff.selectOption(byTestId('pm-report-post'), 'elderly_care')
    await staff.click(byTestId('pm-report-submit'))
    await staff.waitForFunction(
      (sel) => document.querySelector(sel)?.textContent?.includes('桂花'),
      byTestId('pm-detail-reported'),
    )
    const report = await p.database.db
      .selectFrom('party_member_report')
      .selectAll()
      .where('member_id', '=', memberId)
      .executeTakeFirstOrThrow()
    expect(report.service_post).toBe('elderly_care')
    const volunteer = await p.database.db
      .selectFrom('volunteer')
      .select('id')
      .where('person_id', '=', person.id)
      .executeTakeFirstOrThrow()
    expect(report.volunteer_id).toBe(volunteer.id)

    await staff.fill(byTestId('pm-assign-case'), openCase.tracking_code)
    await staff.click(byTestId('pm-assign-submit'))
    await staff.waitForFunction(
      ([sel, code]) => document.querySelector(sel!)?.textContent?.includes(code!),
      [byTestId('pm-assignments'), openCase.tracking_code],
    )
    const live = await p.database.db
      .selectFrom('party_assignment')
      .select(['case_id', 'ended_at'])
      .where('member_id', '=', memberId)
      .execute()
    expect(live).toEqual([{ case_id: openCase.id, ended_at: null }])
    await axe(staff, 'member page')
    await shoot(staff, 'party-members-member.png', true)
  })

  it('lists the member on the communities’ reports board', async () => {
    await goto(staff, '#/party/members/reports')
    await staff.waitForSelector(byTestId('pm-board-table'))
    const text = await staff.textContent(byTestId('pm-board-table'))
    expect(text).toContain(person.name)
    await axe(staff, 'reports board')
    await shoot(staff, 'party-members-board.png')
  })

  it('the grid worker reads the members on a phone, names masked, without the register form', async () => {
    const grid = await signIn('guihua.grid', PHONE)
    await goto(grid, '#/party/members')
    await grid.waitForSelector(byTestId('pm-rows'))
    expect(await grid.$(byTestId('pm-register-toggle'))).toBeNull()
    const names = await grid.$$eval(`${byTestId('pm-rows')} .pm-name`, (els) => els.map((e) => e.textContent ?? ''))
    expect(names.some((n) => n.includes('*'))).toBe(true)
    await axe(grid, 'party members (phone)')
    await shoot(grid, 'party-members-phone.png')
  })

  it('met no accessibility or page problems', () => {
    expect(a11yProblems).toEqual([])
    expect(pageProblems).toEqual([])
  })
})
