// Facility booking in a real browser, on a phone: a resident of 桂花 opens the community activity
// room from the list, picks tomorrow's 10:30 slot and books it; a neighbour who had the same slot
// chosen on a page loaded before is refused with the translated BOOKING_OVERLAP text; the resident
// finds the booking in "my bookings" and cancels it. Staff edit the room (capacity, hours) and read
// the day's bookings with who booked. axe checks the list, the facility page, my bookings, the
// editor and the staff's day view for serious or critical violations.
// Needs the built web app (`npm run build:web`) and a system Chromium; like the participation browser tests.
import { DateTime } from 'luxon'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { PHONE, browserSession, byTestId } from './browser-support.js'
import type { TestPlatform } from './support.js'

const ZONE = 'Asia/Shanghai'
const ROOM = '桂花社区活动室'
const PURPOSE = '楼道读书会（浏览器测试）'

const session = browserSession({
  what: 'the facilities browser test',
  timezoneId: ZONE,
  // A build of one's own (vite build --outDir …) when others rebuild web/dist meanwhile.
  overrides: process.env.TEST_WEB_DIR ? { webDir: process.env.TEST_WEB_DIR } : {},
})

describe.skipIf(session.skip)('facility booking screens in a browser (pglite)', () => {
  let p: TestPlatform
  const { signIn, shoot, goto, axe, pageProblems, a11yProblems } = session
  let resident: Page
  let neighbour: Page
  let staff: Page
  let roomId = 0
  const tomorrow = DateTime.now().setZone(ZONE).plus({ days: 1 }).toISODate()!
  const slot = `${byTestId('facility-slot')}[data-start="10:30"]`

  beforeAll(async () => {
    p = await session.open(async (platform) => {
      const room = await platform.database.db
        .selectFrom('facility')
        .select('id')
        .where('name', '=', ROOM)
        .executeTakeFirst()
      if (!room) throw new Error(`the demo city has no ${ROOM} (src/services/facilities-demo.ts)`)
      roomId = room.id
    })
  })

  afterAll(() => session.close())

  /** On the room's page, tomorrow's 10:30 slot chosen with purpose and attendees filled in. */
  async function chooseSlot(page: Page) {
    await page.waitForSelector(byTestId('facility-page'))
    await page.click(byTestId(`facility-day-${tomorrow}`))
    await page.waitForSelector(`${slot}[data-state="free"]`)
    await page.click(slot)
    await page.fill(byTestId('booking-purpose'), PURPOSE)
    await page.fill(byTestId('booking-attendees'), '12')
  }

  it('a resident finds the room in the list and chooses a slot; so does a neighbour', async () => {
    resident = await signIn('guihua.resident', PHONE)
    await goto(resident, '#/services/facilities')
    await resident.waitForSelector(byTestId('facility-card'))
    expect(await resident.textContent(byTestId('facility-list'))).toContain('街道文体中心多功能厅')
    await axe(resident, 'facility list')
    await shoot(resident, 'facilities-list.png')
    await resident.click(`${byTestId('facility-card')}[data-id="${roomId}"] ${byTestId('facility-link')}`)
    await chooseSlot(resident)
    expect(await resident.textContent(byTestId('booking-selection'))).toContain('10:30')
    await axe(resident, 'facility page (slot chosen)')

    // The neighbour's page is loaded before the resident books: the slot still shows free there.
    neighbour = await signIn('gh.neighbour02', PHONE)
    await goto(neighbour, `#/services/facilities/${roomId}`)
    await chooseSlot(neighbour)
  }, 90_000)

  it('the resident books it; the neighbour is refused with the translated overlap text', async () => {
    await resident.click(byTestId('booking-submit'))
    await resident.waitForSelector(byTestId('booking-done'))
    await resident.waitForSelector(`${slot}[data-state="mine"]`)
    await axe(resident, 'facility page (booked)')
    await shoot(resident, 'facilities-booked.png')

    await neighbour.click(byTestId('booking-submit'))
    await neighbour.waitForSelector(byTestId('booking-error'))
    expect(await neighbour.textContent(byTestId('booking-error'))).toContain('该时段已被预约。')
    // The grid refreshes: the slot is busy now, and nothing was booked twice.
    await neighbour.waitForSelector(`${slot}[data-state="busy"]`)
    await shoot(neighbour, 'facilities-overlap.png')
    const rows = await p.database.db
      .selectFrom('facility_booking')
      .select('id')
      .where('facility_id', '=', roomId)
      .where('purpose', '=', PURPOSE)
      .execute()
    expect(rows).toHaveLength(1)
  }, 60_000)

  it('the resident finds the booking in my bookings and cancels it', async () => {
    await goto(resident, '#/services/facilities/mine')
    await resident.waitForSelector(byTestId('my-bookings'))
    const card = `${byTestId('booking-card')}[data-status="booked"]:has-text("${PURPOSE}")`
    await resident.waitForSelector(card)
    await axe(resident, 'my bookings')
    await shoot(resident, 'facilities-mine.png')
    await resident.click(`${card} ${byTestId('booking-cancel')}`)
    await resident.click(byTestId('booking-cancel-confirm'))
    await resident.waitForSelector(`${byTestId('booking-card')}[data-status="cancelled"]:has-text("${PURPOSE}")`)
    const row = await p.database.db
      .selectFrom('facility_booking')
      .select('status')
      .where('purpose', '=', PURPOSE)
      .executeTakeFirstOrThrow()
    expect(row.status).toBe('cancelled')
  }, 60_000)

  it('staff edit the room and read the day’s bookings with who booked', async () => {
    staff = await signIn('guihua.staff')
    await goto(staff, `#/services/facilities/${roomId}/edit`)
    await staff.waitForSelector(byTestId('facility-editor'))
    await axe(staff, 'facility editor')
    await shoot(staff, 'facilities-editor.png')
    await staff.fill(byTestId('facility-capacity'), '45')
    await staff.click(byTestId('facility-save'))
    await staff.waitForSelector(byTestId('facility-page'))
    await staff.waitForFunction(
      (sel) => document.querySelector(sel)?.textContent?.includes('45'),
      byTestId('facility-page'),
    )
    const saved = await p.database.db
      .selectFrom('facility')
      .select('capacity')
      .where('id', '=', roomId)
      .executeTakeFirstOrThrow()
    expect(saved.capacity).toBe(45)
    await staff.waitForSelector(byTestId('facility-day-bookings'))
    await axe(staff, 'facility page (staff)')

    await goto(staff, '#/services/facilities/day')
    await staff.waitForSelector(byTestId('staff-day'))
    await staff.waitForSelector(`${byTestId('booking-card')}, ${byTestId('bookings-empty')}`)
    await axe(staff, 'day’s bookings (staff)')
    await shoot(staff, 'facilities-day.png')
  }, 60_000)

  it('found no serious or critical accessibility violations on the new pages', () => {
    expect(a11yProblems).toEqual([])
  })

  it('raised no uncaught errors in the pages', () => {
    expect(pageProblems).toEqual([])
  })
})
