import { ZONE } from '../core/clock.js'
import { sql } from 'kysely'
import { DateTime } from 'luxon'
import type { Tx } from '../core/db.js'
import { areaIdByCode } from '../participation/common.js'
import { checkOpeningHours, type Interval } from './facilities.js'

// The demo city's facilities (场地预约): 桂花 has its activity room, the deliberation hall, a
// reading room (booked by the office for residents) and a basketball court; the street QH-01 has
// its culture centre's hall and 翠竹 its activity room. Bookings fill this week around today, among
// them guihua.resident's own (one held two days ago, one the day after tomorrow) and one the
// office cancelled with a reason, so the resident's "my bookings" and the staff's day view have work.

type Kind = 'meeting_room' | 'activity_room' | 'sports' | 'library'

const week = (days: number[], opens: string, closes: string): Interval[] =>
  days.map((weekday) => ({ weekday, opens, closes }))
const ALL = [1, 2, 3, 4, 5, 6, 7]
const WORKDAYS = [1, 2, 3, 4, 5]

interface DemoFacility {
  key: string
  area: string
  kind: Kind
  name: string
  address: string
  description: string
  capacity: number
  hours: Interval[]
  slotMinutes: number
  maxSlots: number
  residentsMayBook: boolean
}

const facilities: DemoFacility[] = [
  {
    key: 'activity',
    area: 'JZ-QH-01-01',
    kind: 'activity_room',
    name: '桂花社区活动室',
    address: '桂花社区党群服务中心二楼 201 室',
    description: '可容纳 40 人，配有音响、投影和折叠桌椅。适合兴趣小组、老年合唱、亲子活动。使用后请恢复桌椅。',
    capacity: 40,
    hours: [...week(ALL, '08:30', '11:30'), ...week(ALL, '14:00', '21:00')],
    slotMinutes: 60,
    maxSlots: 3,
    residentsMayBook: true,
  },
  {
    key: 'hall',
    area: 'JZ-QH-01-01',
    kind: 'meeting_room',
    name: '桂花社区议事厅',
    address: '桂花社区党群服务中心一楼',
    description: '居民议事会、楼栋长会议和协商议事使用，可容纳 25 人，有会标屏。',
    capacity: 25,
    hours: [...week(WORKDAYS, '09:00', '12:00'), ...week(WORKDAYS, '14:00', '18:00'), ...week([6], '09:00', '12:00')],
    slotMinutes: 30,
    maxSlots: 6,
    residentsMayBook: true,
  },
  {
    key: 'reading',
    area: 'JZ-QH-01-01',
    kind: 'library',
    name: '桂花书屋阅览室',
    address: '桂花社区党群服务中心三楼',
    description: '安静阅读和小组学习。由社区工作人员代为登记预约，请到服务大厅或致电 0571-8800 1234。',
    capacity: 12,
    hours: week(ALL, '09:00', '17:00'),
    slotMinutes: 120,
    maxSlots: 2,
    residentsMayBook: false,
  },
  {
    key: 'court',
    area: 'JZ-QH-01-01',
    kind: 'sports',
    name: '桂花小区篮球场',
    address: '桂花小区 6 幢南侧',
    description: '室外半场，夜间有照明。雨天暂停使用。',
    capacity: 20,
    hours: week(ALL, '06:00', '22:00'),
    slotMinutes: 60,
    maxSlots: 2,
    residentsMayBook: true,
  },
  {
    key: 'street',
    area: 'JZ-QH-01',
    kind: 'activity_room',
    name: '街道文体中心多功能厅',
    address: '街道文体中心一楼（街道办事处东侧）',
    description: '可容纳 120 人，有舞台和灯光，适合文艺汇演、讲座和大型居民活动。',
    capacity: 120,
    hours: [...week(ALL, '09:00', '12:00'), ...week(ALL, '13:30', '21:30')],
    slotMinutes: 60,
    maxSlots: 4,
    residentsMayBook: true,
  },
  {
    key: 'cuizhu',
    area: 'JZ-QH-02-01',
    kind: 'activity_room',
    name: '翠竹社区活动室',
    address: '翠竹社区服务站一楼',
    description: '社区活动、兴趣班和志愿者培训使用。',
    capacity: 30,
    hours: week(ALL, '09:00', '20:00'),
    slotMinutes: 60,
    maxSlots: 3,
    residentsMayBook: true,
  },
]

interface DemoBooking {
  facility: string
  by: string
  /** Days from today (Beijing). */
  day: number
  from: string
  to: string
  purpose: string
  attendees: number
  cancelled?: { by: string; reason: string }
}

const bookings: DemoBooking[] = [
  {
    facility: 'activity',
    by: 'guihua.resident',
    day: -2,
    from: '14:00',
    to: '16:00',
    purpose: '楼道邻里茶话会',
    attendees: 15,
  },
  {
    facility: 'activity',
    by: 'guihua.resident',
    day: 2,
    from: '19:00',
    to: '21:00',
    purpose: '亲子绘本共读',
    attendees: 18,
  },
  {
    facility: 'activity',
    by: 'gh.neighbour01',
    day: 0,
    from: '09:30',
    to: '11:30',
    purpose: '老年合唱团排练',
    attendees: 30,
  },
  {
    facility: 'activity',
    by: 'gh.neighbour02',
    day: 1,
    from: '15:00',
    to: '17:00',
    purpose: '太极拳兴趣小组',
    attendees: 20,
  },
  {
    facility: 'activity',
    by: 'guihua.staff',
    day: 3,
    from: '14:00',
    to: '17:00',
    purpose: '防诈骗宣传讲座（社区组织）',
    attendees: 40,
  },
  {
    facility: 'activity',
    by: 'gh.neighbour03',
    day: 1,
    from: '19:00',
    to: '20:00',
    purpose: '广场舞队例会',
    attendees: 12,
    cancelled: { by: 'guihua.staff', reason: '当晚活动室消防检查，请改约其他时段' },
  },
  {
    facility: 'hall',
    by: 'guihua.staff',
    day: 1,
    from: '09:00',
    to: '11:00',
    purpose: '居民议事会：加装电梯协商',
    attendees: 22,
  },
  {
    facility: 'hall',
    by: 'gh.neighbour04',
    day: 4,
    from: '14:00',
    to: '15:30',
    purpose: '3 幢楼栋长碰头会',
    attendees: 8,
  },
  {
    facility: 'reading',
    by: 'guihua.staff',
    day: 0,
    from: '13:00',
    to: '15:00',
    purpose: '代王阿姨预约：老年大学学习小组',
    attendees: 6,
  },
  {
    facility: 'court',
    by: 'gh.neighbour05',
    day: 0,
    from: '18:00',
    to: '20:00',
    purpose: '业余篮球队训练',
    attendees: 12,
  },
  {
    facility: 'court',
    by: 'gh.neighbour01',
    day: 5,
    from: '08:00',
    to: '10:00',
    purpose: '青少年篮球体验课',
    attendees: 16,
  },
  {
    facility: 'street',
    by: 'guihua.staff',
    day: 4,
    from: '19:30',
    to: '21:30',
    purpose: '街道邻里节文艺汇演彩排',
    attendees: 80,
  },
  {
    facility: 'cuizhu',
    by: 'cuizhu.resident',
    day: 1,
    from: '10:00',
    to: '11:00',
    purpose: '书法兴趣小组',
    attendees: 10,
  },
]

export async function seedFacilitiesDemo(tx: Tx, now: Date): Promise<Record<string, number>> {
  const today = DateTime.fromJSDate(now).setZone(ZONE).startOf('day')
  const ids = new Map<string, number>()
  for (const f of facilities) {
    const row = await tx
      .insertInto('facility')
      .values({
        area_id: await areaIdByCode(tx, f.area),
        kind: f.kind,
        name: f.name,
        address: f.address,
        description: f.description,
        capacity: f.capacity,
        opening_hours: JSON.stringify(checkOpeningHours(f.hours)),
        slot_minutes: f.slotMinutes,
        max_slots: f.maxSlots,
        book_days_ahead: 14,
        residents_may_book: f.residentsMayBook,
        status: 'open',
        created_at: today.minus({ days: 90 }).toJSDate(),
        updated_at: today.minus({ days: 90 }).toJSDate(),
      })
      .returning('id')
      .executeTakeFirstOrThrow()
    ids.set(f.key, row.id)
  }
  const users = new Map(
    (
      await tx
        .selectFrom('app_user')
        .select(['id', 'username'])
        .where('username', 'in', [...new Set(bookings.flatMap((b) => [b.by, b.cancelled?.by ?? b.by]))])
        .execute()
    ).map((u) => [u.username, u.id]),
  )
  let made = 0
  for (const b of bookings) {
    const by = users.get(b.by)
    const f = facilities.find((x) => x.key === b.facility)!
    if (by === undefined) continue
    const day = today.plus({ days: b.day })
    const at = (hm: string) => day.plus({ hours: Number(hm.slice(0, 2)), minutes: Number(hm.slice(3, 5)) }).toJSDate()
    const start = at(b.from)
    const cancelledBy = b.cancelled ? users.get(b.cancelled.by) : undefined
    await tx
      .insertInto('facility_booking')
      .values({
        facility_id: ids.get(b.facility)!,
        area_id: await areaIdByCode(tx, f.area),
        booked_by: by,
        purpose: b.purpose,
        attendees: b.attendees,
        during: sql<string>`tstzrange(${start}::timestamptz, ${at(b.to)}::timestamptz, '[)')`,
        status: b.cancelled ? 'cancelled' : 'booked',
        cancelled_by: cancelledBy ?? null,
        cancelled_at: b.cancelled ? new Date(Math.min(now.getTime(), start.getTime()) - 3_600_000) : null,
        cancel_reason: b.cancelled?.reason ?? null,
        created_at: new Date(Math.min(now.getTime(), start.getTime()) - 3 * 86_400_000),
      })
      .execute()
    made++
  }
  return { facilities: facilities.length, facilityBookings: made }
}
