// Meetings, councils and "you said, we did" in a real browser: staff schedule a meeting on a demo
// proposal of 桂花, a resident registers, staff mark attendance and put a decision to the vote, the
// resident votes, the server's clock passes the window and the result shows with its rule; staff
// follow the adopted decision in "you said, we did" with a milestone, progress to 50 % and an event
// case for the department, which the resident sees (also in English); staff set up a council with a member. axe checks every page
// of the part (lists, forms, details, staff panels) for serious or critical violations.
// Needs the built web app (`npm run build:web`) and a system Chromium; like test/disputes-browser.test.ts.
import { DateTime } from 'luxon'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { PHONE, browserSession, byTestId } from './browser-support.js'
import { areaId, type TestPlatform } from './support.js'

const ZONE = 'Asia/Shanghai'
const TITLE = '北门充电棚选址议事会（浏览器测试）'
const DECISION = '充电棚建在北门东侧绿地'
const RECORD = '北门充电棚建设（浏览器测试）'
const MILESTONE = '选址方案公示'
const COUNCIL = '桂花社区第二届居民议事会（浏览器测试）'

/** A `datetime-local` value `minutes` from now, in the browser's zone. */
const localInput = (minutes: number) => DateTime.now().setZone(ZONE).plus({ minutes }).toFormat("yyyy-MM-dd'T'HH:mm")

const session = browserSession({
  what: 'the meetings browser test',
  timezoneId: ZONE,
})

describe.skipIf(session.skip)('meeting, council and accountability screens in a browser (pglite)', () => {
  let p: TestPlatform
  const { signIn, shoot, goto, axe, pageProblems, a11yProblems } = session
  let staff: Page
  let resident: Page
  let meetingId = 0
  let proposalId = 0
  let recordId = 0
  let caseCode = ''

  beforeAll(async () => {
    // The server's clock at the browser's time; it stands still until the test moves it.
    p = await session.open(async (platform) => {
      p = platform
      const guihua = await areaId(p, 'JZ-QH-01-01')
      const first = await p.database.db
        .selectFrom('proposal')
        .select('id')
        .where('area_id', '=', guihua)
        .orderBy('id')
        .executeTakeFirst()
      if (!first) throw new Error('the demo city has no proposal in 桂花 (src/participation/proposals-demo.ts)')
      proposalId = first.id
    })
  })

  afterAll(() => session.close())

  it('staff schedule a meeting on a demo proposal', async () => {
    staff = await signIn('guihua.staff')
    await goto(staff, '#/participation/meetings')
    await staff.waitForSelector(byTestId('meeting-list'))
    await staff.waitForSelector(`${byTestId('meeting-card')}, ${byTestId('meeting-empty')}`)
    await axe(staff, 'meeting list (staff)')
    await staff.click(byTestId('meeting-new'))
    await staff.waitForSelector(byTestId('meeting-editor'))
    // Nothing is sent without the required fields, and the form says so.
    await staff.click(byTestId('meeting-submit'))
    await staff.waitForSelector(byTestId('meeting-editor-missing'))
    await staff.fill(byTestId('meeting-title'), TITLE)
    await staff.fill(byTestId('meeting-agenda'), '一、通报居民提议\n二、讨论充电棚选址\n三、表决')
    await staff.fill(byTestId('meeting-location'), '桂花社区党群服务中心二楼会议室')
    await staff.fill(byTestId('meeting-capacity'), '30')
    await staff.fill(byTestId('meeting-quorum'), '1')
    await staff.check(`${byTestId('meeting-subject-proposal')}[data-id="${proposalId}"]`)
    await axe(staff, 'meeting editor')
    await shoot(staff, 'meetings-editor.png')
    await staff.click(byTestId('meeting-submit'))
    await staff.waitForSelector(byTestId('meeting-detail'))
    meetingId = Number(await staff.getAttribute(byTestId('meeting-detail'), 'data-meeting-id'))
    expect(meetingId).toBeGreaterThan(0)
    expect(await staff.textContent(byTestId('meeting-title-text'))).toBe(TITLE)
    expect(await staff.textContent(byTestId('meeting-state'))).toBe('待召开')
    const subject = `${byTestId('meeting-subject-link')}[data-kind="proposal"][data-id="${proposalId}"]`
    await staff.waitForSelector(subject)
    expect(await staff.getAttribute(subject, 'href')).toBe(`#/participation/proposals/${proposalId}`)
    await axe(staff, 'meeting detail (staff, scheduled)')
  }, 90_000)

  it('a resident registers from the list', async () => {
    resident = await signIn('guihua.resident')
    await goto(resident, '#/participation/meetings')
    const card = `${byTestId('meeting-card')}[data-id="${meetingId}"]`
    await resident.waitForSelector(card)
    await axe(resident, 'meeting list (resident)')
    await resident.click(`${card} ${byTestId('meeting-link')}`)
    await resident.waitForSelector(byTestId('meeting-register'))
    await resident.click(byTestId('meeting-register'))
    await resident.waitForSelector(byTestId('meeting-registered'))
    expect(await resident.textContent(byTestId('meeting-registration-count'))).toContain('1/30')
    await axe(resident, 'meeting detail (resident, registered)')
    await shoot(resident, 'meetings-detail-registered.png')
  }, 60_000)

  it('staff mark the resident present and put a decision to the vote', async () => {
    await staff.reload()
    await staff.waitForSelector(byTestId('attendance-check'))
    await staff.check(byTestId('attendance-check'))
    await staff.click(byTestId('attendance-save'))
    await staff.waitForSelector(byTestId('attendance-saved'))
    await staff.waitForFunction(
      (sel) => document.querySelector(sel)?.textContent?.includes('到会1人'),
      byTestId('meeting-registration-count'),
    )
    await staff.fill(byTestId('decision-title'), DECISION)
    await staff.fill(byTestId('decision-text'), '在北门东侧绿地建设可容纳60辆电动自行车的集中充电棚。')
    await staff.selectOption(byTestId('decision-majority'), 'simple')
    await staff.fill(byTestId('decision-opens'), localInput(-30))
    await staff.fill(byTestId('decision-closes'), localInput(30))
    await staff.click(byTestId('decision-submit'))
    await staff.waitForSelector(byTestId('decision'))
    expect(await staff.textContent(byTestId('decision-rule'))).toContain('简单多数')
    await axe(staff, 'meeting detail (staff panels)')
    await shoot(staff, 'meetings-detail-staff.png')
  }, 60_000)

  it('the resident votes, and after the window sees the result with its rule', async () => {
    await resident.reload()
    await resident.waitForSelector(byTestId('meeting-attended'))
    await resident.waitForSelector(byTestId('vote-for'))
    await axe(resident, 'meeting detail (voting)')
    await resident.click(byTestId('vote-for'))
    await resident.waitForSelector(byTestId('decision-my-vote'))
    expect(await resident.textContent(byTestId('decision-my-vote'))).toContain('赞成')
    expect(await resident.$(byTestId('vote-against'))).toBeNull()
    // The window closes on the server's clock.
    p.clock.advance(2 * 3_600_000)
    await resident.reload()
    await resident.waitForSelector(byTestId('decision-result'))
    expect(await resident.getAttribute(byTestId('decision-result'), 'data-result')).toBe('adopted')
    expect(await resident.textContent(byTestId('decision-result'))).toBe('通过')
    expect(await resident.textContent(byTestId('decision-for'))).toBe('1')
    expect(await resident.textContent(byTestId('decision-against'))).toBe('0')
    expect(await resident.textContent(byTestId('decision-rule'))).toContain('至少1人投票')
    await axe(resident, 'meeting detail (result)')
    await shoot(resident, 'meetings-detail-result.png')
  }, 60_000)

  it('staff follow the adopted decision with a milestone and progress to 50 %', async () => {
    await staff.reload()
    await staff.waitForSelector(byTestId('decision-follow'))
    await staff.click(byTestId('decision-follow'))
    await staff.waitForSelector(byTestId('record-new'))
    await axe(staff, 'new record')
    await staff.fill(byTestId('record-new-title-input'), RECORD)
    await staff.fill(
      byTestId('record-new-description'),
      '建设可容纳60辆电动自行车的集中充电棚，配备智能充电桩和灭火器。',
    )
    await staff.click(byTestId('record-new-submit'))
    await staff.waitForSelector(byTestId('record-detail'))
    recordId = Number(await staff.getAttribute(byTestId('record-detail'), 'data-record-id'))
    expect(await staff.textContent(byTestId('record-title'))).toBe(RECORD)
    expect(await staff.getAttribute(byTestId('record-source-link'), 'href')).toBe(
      `#/participation/meetings/${meetingId}`,
    )
    await staff.fill(byTestId('milestone-title'), MILESTONE)
    await staff.fill(byTestId('milestone-due'), DateTime.now().setZone(ZONE).plus({ days: 7 }).toISODate()!)
    await staff.click(byTestId('milestone-submit'))
    await staff.waitForSelector(byTestId('milestone'))
    await staff.click(byTestId('milestone-toggle'))
    await staff.waitForSelector(`${byTestId('milestone')}[data-done="true"]`)
    await staff.selectOption(byTestId('record-status-select'), 'in_progress')
    await staff.fill(byTestId('record-progress-input'), '50')
    await staff.click(byTestId('record-save'))
    await staff.waitForSelector(`${byTestId('record-progress')}[data-progress="50"]`)
    expect(await staff.textContent(byTestId('record-status'))).toBe('落实中')
    // What a department must do becomes an event case, linked with its tracking code and state.
    await staff.click(byTestId('record-case-open'))
    await staff.waitForSelector(byTestId('record-case-form'))
    await staff.selectOption(byTestId('record-case-category'), 'DL-03')
    await staff.selectOption(byTestId('record-case-grid'), String(await areaId(p, 'JZ-QH-01-01-G01')))
    await staff.fill(byTestId('record-case-address'), '桂花苑北门东侧')
    await axe(staff, 'record case form')
    await staff.click(byTestId('record-case-submit'))
    await staff.waitForSelector(byTestId('record-case-code'))
    caseCode = (await staff.textContent(byTestId('record-case-code'))) ?? ''
    expect(caseCode).toMatch(/^\d{6}-[0-9A-Z]{6}$/)
    expect(await staff.getAttribute(byTestId('record-case-state'), 'data-state')).toBe('submitted')
    await axe(staff, 'record detail (staff)')
    await shoot(staff, 'accountability-detail-staff.png')
    // The meeting's decision now links to its record.
    await goto(staff, `#/participation/meetings/${meetingId}`)
    await staff.waitForSelector(byTestId('decision-accountability'))
  }, 90_000)

  it('the resident sees the record in "you said, we did", on a phone and in English', async () => {
    await goto(resident, '#/participation/accountability')
    const card = `${byTestId('record-card')}[data-id="${recordId}"]`
    await resident.waitForSelector(card)
    expect(await resident.getAttribute(`${card} ${byTestId('record-progress')}`, 'data-progress')).toBe('50')
    expect(await resident.textContent(`${card} ${byTestId('record-status')}`)).toBe('落实中')
    await axe(resident, 'record list')
    await shoot(resident, 'accountability-list.png')
    await resident.click(`${card} ${byTestId('record-link')}`)
    await resident.waitForSelector(byTestId('record-milestones'))
    expect(await resident.textContent(byTestId('record-milestones'))).toContain(MILESTONE)
    expect(await resident.$(byTestId('record-editor'))).toBeNull()
    // The resident cannot read the case itself, yet sees its code and state.
    expect(await resident.textContent(byTestId('record-case-code'))).toBe(caseCode)
    expect(await resident.textContent(byTestId('record-case-state'))).toBe('待受理')
    await axe(resident, 'record detail (resident)')
    const phone = await signIn('guihua.resident', PHONE)
    await goto(phone, `#/participation/accountability/${recordId}`)
    await phone.waitForSelector(byTestId('record-milestones'))
    await shoot(phone, 'accountability-detail-phone.png')
    await resident.selectOption(byTestId('lang-switch'), 'en')
    await resident.waitForFunction(
      (sel) => document.querySelector(sel)?.textContent === 'In progress',
      byTestId('record-status'),
    )
    expect(await resident.textContent(byTestId('record-progress'))).toContain('50% done')
    await axe(resident, 'record detail (en)')
    await shoot(resident, 'accountability-detail-en.png')
    await goto(resident, `#/participation/meetings/${meetingId}`)
    await resident.waitForSelector(byTestId('decision-result'))
    expect(await resident.textContent(byTestId('decision-result'))).toBe('Adopted')
    expect(await resident.textContent(byTestId('decision-rule'))).toContain('Simple majority')
    await axe(resident, 'meeting detail (en)')
    await resident.selectOption(byTestId('lang-switch'), 'zh-CN')
  }, 90_000)

  it('staff set up a council with a member; the resident reads it', async () => {
    await goto(staff, '#/participation/meetings/councils')
    await staff.waitForSelector(byTestId('council-list'))
    await staff.click(byTestId('council-new'))
    await staff.waitForSelector(byTestId('council-form'))
    await staff.selectOption(`${byTestId('council-area')}`, {
      value: String(await areaId(p, 'JZ-QH-01-01')),
    })
    await staff.fill(byTestId('council-name'), COUNCIL)
    await axe(staff, 'council list with the form')
    await staff.click(byTestId('council-submit'))
    await staff.waitForSelector(byTestId('council-detail'))
    await staff.fill(byTestId('member-name'), '陈志远')
    await staff.selectOption(byTestId('member-role'), 'chair')
    await staff.click(byTestId('member-submit'))
    await staff.waitForSelector(`${byTestId('council-member')}[data-current="true"]`)
    await axe(staff, 'council detail (staff)')
    await shoot(staff, 'councils-detail-staff.png')
    const councilId = Number(await staff.getAttribute(byTestId('council-detail'), 'data-council-id'))
    await goto(resident, '#/participation/meetings/councils')
    await resident.waitForSelector(`${byTestId('council-card')}[data-id="${councilId}"]`)
    await axe(resident, 'council list (resident)')
    await resident.click(`${byTestId('council-card')}[data-id="${councilId}"] ${byTestId('council-link')}`)
    await resident.waitForSelector(byTestId('council-member'))
    expect(await resident.textContent(byTestId('council-member'))).toContain('主任')
    expect(await resident.$(byTestId('member-form'))).toBeNull()
    await axe(resident, 'council detail (resident)')
  }, 60_000)

  it('found no serious or critical accessibility violations on the new pages', () => {
    expect(a11yProblems).toEqual([])
  })

  it('raised no uncaught errors in the pages', () => {
    expect(pageProblems).toEqual([])
  })
})
