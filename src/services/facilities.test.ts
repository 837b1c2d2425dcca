import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { areaId, backends, type Call, call, openTestPlatform, tokenFor, type TestPlatform } from '../../test/support.js'
import { checkOpeningHours, RESIDENT_UPCOMING_LIMIT } from './facilities.js'

// Monday 2027-03-01, 10:00 in Beijing.
const START = '2027-03-01T02:00:00Z'
/** An instant on a Beijing wall-clock day and time. */
const bj = (day: string, time: string) => new Date(`${day}T${time}:00+08:00`).toISOString()

const everyDay = (opens: string, closes: string) => [1, 2, 3, 4, 5, 6, 7].map((weekday) => ({ weekday, opens, closes }))

describe('opening hours', () => {
  it('must open before they close and not overlap on a weekday', () => {
    expect(() => checkOpeningHours([{ weekday: 1, opens: '10:00', closes: '10:00' }])).toThrow(
      expect.objectContaining({ field: 'openingHours[0].closes' }),
    )
    expect(() =>
      checkOpeningHours([
        { weekday: 2, opens: '09:00', closes: '12:00' },
        { weekday: 2, opens: '11:00', closes: '13:00' },
      ]),
    ).toThrow(expect.objectContaining({ field: 'openingHours[1]', code: 'VALIDATION_FAILED' }))
    // Touching intervals and other weekdays are fine; the answer is sorted.
    expect(
      checkOpeningHours([
        { weekday: 3, opens: '12:00', closes: '14:00' },
        { weekday: 3, opens: '09:00', closes: '12:00' },
        { weekday: 1, opens: '11:00', closes: '13:00' },
      ]).map((h) => `${h.weekday} ${h.opens}`),
    ).toEqual(['1 11:00', '3 09:00', '3 12:00'])
  })
})

describe.each(backends())('facility booking on %s', (backend) => {
  let p: TestPlatform
  let guihua: number
  let cuizhu: number
  const t: Record<string, string> = {}
  let room = 0

  const book = (token: string, facility: number, body: object, headers: Record<string, string> = {}) =>
    call(p.app, 'POST', `/api/v1/facilities/${facility}/bookings`, { token, body, headers })
  const booking = (day: string, from: string, to: string, extra: object = {}) => ({
    startsAt: bj(day, from),
    endsAt: bj(day, to),
    purpose: '楼道议事小组碰头',
    attendees: 8,
    ...extra,
  })
  const slotsOf = async (token: string, facility: number, day: string) => {
    const res = await call(p.app, 'GET', `/api/v1/facilities/${facility}/availability?from=${day}&days=1`, { token })
    expect(res.status, JSON.stringify(res.body)).toBe(200)
    return res.body.days[0].slots as {
      start: string
      state: string
      mine: boolean
      bookable: boolean
      booking: null | { bookedBy: string | null; purpose: string }
    }[]
  }
  const newFacility = async (body: object = {}) => {
    const res = await call(p.app, 'POST', '/api/v1/facilities', {
      token: t.staff,
      body: {
        areaId: guihua,
        kind: 'activity_room',
        name: '测试活动室',
        address: '桂花社区服务中心二楼',
        capacity: 30,
        openingHours: [...everyDay('09:00', '12:00'), ...everyDay('14:00', '21:00')],
        slotMinutes: 60,
        maxSlots: 3,
        bookDaysAhead: 14,
        ...body,
      },
    })
    expect(res.status, JSON.stringify(res.body)).toBe(201)
    return res.body.id as number
  }

  beforeAll(async () => {
    p = await openTestPlatform(backend, START)
    guihua = await areaId(p, 'JZ-QH-01-01')
    cuizhu = await areaId(p, 'JZ-QH-02-01')
    for (const [k, u] of Object.entries({
      staff: 'guihua.staff',
      grid: 'guihua.grid',
      resident: 'guihua.resident',
      neighbour: 'gh.neighbour01',
      neighbour2: 'gh.neighbour02',
      cuizhuResident: 'cuizhu.resident',
      cuizhuStaff: 'cuizhu.staff',
    }))
      t[k] = await tokenFor(p.app, u)
    room = await newFacility()
  })
  afterAll(async () => {
    await p?.close()
  })

  it('finds the demo city’s facilities and the resident’s own bookings', async () => {
    const names = (await call(p.app, 'GET', '/api/v1/facilities?pageSize=100', { token: t.resident })).body.items.map(
      (f: { name: string }) => f.name,
    )
    expect(names).toEqual(
      expect.arrayContaining([
        '桂花社区活动室',
        '桂花社区议事厅',
        '桂花书屋阅览室',
        '桂花小区篮球场',
        '街道文体中心多功能厅',
      ]),
    )
    expect(names).not.toContain('翠竹社区活动室')
    const mine = await call(p.app, 'GET', '/api/v1/bookings?mine=true', { token: t.resident })
    expect(mine.body.items.map((b: { purpose: string }) => b.purpose)).toEqual(
      expect.arrayContaining(['亲子绘本共读', '楼道邻里茶话会']),
    )
    const staffDay = await call(p.app, 'GET', '/api/v1/bookings?pageSize=100', { token: t.staff })
    const cancelled = staffDay.body.items.find((b: { status: string }) => b.status === 'cancelled')
    expect(cancelled.cancelReason).toContain('消防检查')
  })

  it('is added and edited by the area’s service staff only, with checked opening hours', async () => {
    const body = {
      areaId: guihua,
      kind: 'meeting_room',
      name: '议事厅',
      address: '桂花社区服务中心一楼',
      capacity: 20,
      openingHours: everyDay('09:00', '17:00'),
    }
    for (const token of [t.resident, t.grid])
      expect((await call(p.app, 'POST', '/api/v1/facilities', { token, body })).status).toBe(403)
    const other = await call(p.app, 'POST', '/api/v1/facilities', { token: t.cuizhuStaff, body })
    expect(other.status).toBe(403)
    const overlapping = await call(p.app, 'POST', '/api/v1/facilities', {
      token: t.staff,
      body: {
        ...body,
        openingHours: [
          { weekday: 1, opens: '09:00', closes: '12:00' },
          { weekday: 1, opens: '11:30', closes: '13:00' },
        ],
      },
    })
    expect(overlapping.status).toBe(400)
    expect(overlapping.body.error.field).toBe('openingHours[1]')
    const backwards = await call(p.app, 'POST', '/api/v1/facilities', {
      token: t.staff,
      body: { ...body, openingHours: [{ weekday: 1, opens: '18:00', closes: '09:00' }] },
    })
    expect(backwards.status).toBe(400)
    expect(backwards.body.error.field).toBe('openingHours[0].closes')
    const badTime = await call(p.app, 'POST', '/api/v1/facilities', {
      token: t.staff,
      body: { ...body, openingHours: [{ weekday: 8, opens: '09:00', closes: '10:00' }] },
    })
    expect(badTime.status).toBe(400)
    expect(badTime.body.error.field).toBe('openingHours[0].weekday')

    const created = await call(p.app, 'POST', '/api/v1/facilities', {
      token: t.staff,
      body,
      headers: { 'idempotency-key': 'hall-1' },
    })
    expect(created.status).toBe(201)
    expect(created.body).toMatchObject({
      name: '议事厅',
      slotMinutes: 60,
      maxSlots: 4,
      status: 'open',
      canManage: true,
    })
    const again = await call(p.app, 'POST', '/api/v1/facilities', {
      token: t.staff,
      body,
      headers: { 'idempotency-key': 'hall-1' },
    })
    expect(again.body.id).toBe(created.body.id)

    const put = (token: string, change: object) =>
      call(p.app, 'PUT', `/api/v1/facilities/${created.body.id}`, {
        token,
        body: {
          kind: 'meeting_room',
          name: '议事厅',
          address: '桂花社区服务中心一楼',
          capacity: 20,
          openingHours: everyDay('09:00', '17:00'),
          slotMinutes: 30,
          maxSlots: 4,
          bookDaysAhead: 7,
          residentsMayBook: true,
          status: 'open',
          ...change,
        },
      })
    expect((await put(t.resident, {})).status).toBe(403)
    expect((await put(t.cuizhuStaff, {})).status).toBe(404)
    const bad = await put(t.staff, {
      openingHours: [
        { weekday: 2, opens: '09:00', closes: '12:00' },
        { weekday: 2, opens: '08:00', closes: '10:00' },
      ],
    })
    expect(bad.status).toBe(400)
    expect(bad.body.error.field).toMatch(/^openingHours\[\d\]$/)
    const edited = await put(t.staff, { capacity: 25, status: 'closed' })
    expect(edited.status).toBe(200)
    expect(edited.body).toMatchObject({ capacity: 25, slotMinutes: 30, bookDaysAhead: 7, status: 'closed' })
    const audit = await p.database.db
      .selectFrom('audit_log')
      .select('action')
      .where('entity_type', '=', 'facility')
      .where('entity_id', '=', String(created.body.id))
      .execute()
    expect(audit.map((a) => a.action).sort()).toEqual(['facility.create', 'facility.update'])
    // Closed: no bookings.
    const closed = await book(t.resident, created.body.id, booking('2027-03-02', '10:00', '11:00'))
    expect(closed.status).toBe(409)
    expect(closed.body.error.code).toBe('FACILITY_CLOSED')
  })

  it('lists the facilities of the caller’s branch, filtered by kind and area', async () => {
    const mine = await call(p.app, 'GET', '/api/v1/facilities?kind=activity_room', { token: t.resident })
    expect(mine.status).toBe(200)
    expect(mine.body.items.map((f: { id: number }) => f.id)).toContain(room)
    expect(mine.body.items.every((f: { kind: string }) => f.kind === 'activity_room')).toBe(true)
    const inB = await call(p.app, 'GET', `/api/v1/facilities?areaId=${cuizhu}`, { token: t.resident })
    expect(inB.body.items).toEqual([])
    const fromB = await call(p.app, 'GET', '/api/v1/facilities', { token: t.cuizhuResident })
    expect(fromB.body.items.map((f: { id: number }) => f.id)).not.toContain(room)
    expect((await call(p.app, 'GET', `/api/v1/facilities/${room}`, { token: t.cuizhuResident })).status).toBe(404)
    const one = await call(p.app, 'GET', `/api/v1/facilities/${room}`, { token: t.resident })
    expect(one.body).toMatchObject({ id: room, capacity: 30, mayBook: true, canManage: false })
    expect(one.body.openingHours).toHaveLength(14)
  })

  it('refuses a booking outside the rules, naming the field', async () => {
    const cases: [object, number, string, string][] = [
      [booking('2027-03-03', '12:00', '13:00'), 422, 'BOOKING_OUTSIDE_HOURS', 'startsAt'],
      [booking('2027-03-03', '07:00', '08:00'), 422, 'BOOKING_OUTSIDE_HOURS', 'startsAt'],
      [booking('2027-03-03', '11:00', '13:00'), 422, 'BOOKING_OUTSIDE_HOURS', 'endsAt'],
      [booking('2027-03-03', '20:00', '22:00'), 422, 'BOOKING_OUTSIDE_HOURS', 'endsAt'],
      [booking('2027-03-03', '09:30', '10:30'), 422, 'BOOKING_INVALID_SLOT', 'startsAt'],
      [booking('2027-03-03', '09:00', '09:30'), 422, 'BOOKING_INVALID_SLOT', 'endsAt'],
      [booking('2027-03-03', '10:00', '09:00'), 422, 'BOOKING_INVALID_SLOT', 'endsAt'],
      [booking('2027-03-03', '14:00', '18:00'), 422, 'BOOKING_INVALID_SLOT', 'endsAt'],
      [booking('2027-02-28', '14:00', '15:00'), 422, 'BOOKING_INVALID_SLOT', 'startsAt'],
      // Today 09:00 has passed (it is 10:00).
      [booking('2027-03-01', '09:00', '10:00'), 422, 'BOOKING_INVALID_SLOT', 'startsAt'],
      // 14 days ahead is the 15th; the 16th is too far.
      [booking('2027-03-16', '14:00', '15:00'), 422, 'BOOKING_INVALID_SLOT', 'startsAt'],
      [booking('2027-03-03', '14:00', '15:00', { attendees: 31 }), 422, 'BOOKING_OVER_CAPACITY', 'attendees'],
      [booking('2027-03-03', '14:00', '15:00', { purpose: 'x' }), 400, 'VALIDATION_FAILED', 'purpose'],
      [booking('2027-03-03', '14:00', '15:00', { startsAt: 'tomorrow' }), 400, 'VALIDATION_FAILED', 'startsAt'],
    ]
    for (const [body, status, code, field] of cases) {
      const res = await book(t.resident, room, body)
      expect(
        { status: res.status, code: res.body.error?.code, field: res.body.error?.field },
        JSON.stringify(body),
      ).toEqual({ status, code, field })
    }
    expect((await book(t.resident, room, booking('2027-03-15', '20:00', '21:00'))).status).toBe(201)
    const rows = await p.database.db
      .selectFrom('facility_booking')
      .select('id')
      .where('facility_id', '=', room)
      .execute()
    expect(rows).toHaveLength(1)
  })

  it('shows a booked slot busy and its neighbours free; details only to staff and the booker', async () => {
    const made = await book(t.resident, room, booking('2027-03-02', '15:00', '16:00'))
    expect(made.status, JSON.stringify(made.body)).toBe(201)
    expect(made.body).toMatchObject({ status: 'booked', mine: true, mayCancel: true, attendees: 8 })
    expect(made.body.startsAt).toBe(bj('2027-03-02', '15:00'))

    const others = await slotsOf(t.neighbour, room, '2027-03-02')
    expect(others.map((s) => s.start)).toEqual([
      '09:00',
      '10:00',
      '11:00',
      '14:00',
      '15:00',
      '16:00',
      '17:00',
      '18:00',
      '19:00',
      '20:00',
    ])
    const at = (slots: typeof others, start: string) => slots.find((s) => s.start === start)!
    expect(at(others, '15:00')).toMatchObject({ state: 'busy', bookable: false, mine: false, booking: null })
    expect(at(others, '14:00')).toMatchObject({ state: 'free', bookable: true })
    expect(at(others, '16:00')).toMatchObject({ state: 'free', bookable: true })
    const own = await slotsOf(t.resident, room, '2027-03-02')
    expect(at(own, '15:00')).toMatchObject({ state: 'busy', mine: true, booking: { purpose: '楼道议事小组碰头' } })
    const staff = await slotsOf(t.staff, room, '2027-03-02')
    expect(at(staff, '15:00').booking?.bookedBy).toBeTruthy()
    // Today: the slots before 10:00 are past, not bookable.
    const today = await slotsOf(t.neighbour, room, '2027-03-01')
    expect(at(today, '09:00')).toMatchObject({ state: 'free', bookable: false })
    expect(at(today, '10:00')).toMatchObject({ state: 'free', bookable: true })

    const clash = await book(t.neighbour, room, booking('2027-03-02', '14:00', '16:00'))
    expect(clash.status).toBe(409)
    expect(clash.body.error).toMatchObject({ code: 'BOOKING_OVERLAP', field: 'startsAt' })
    // Touching is not overlapping.
    expect((await book(t.neighbour, room, booking('2027-03-02', '16:00', '17:00'))).status).toBe(201)

    // A resident of B neither sees nor books A's facility.
    const fromB = await call(p.app, 'GET', `/api/v1/facilities/${room}/availability?from=2027-03-02`, {
      token: t.cuizhuResident,
    })
    expect(fromB.status).toBe(404)
    const bookFromB = await book(t.cuizhuResident, room, booking('2027-03-04', '10:00', '11:00'))
    expect(bookFromB.status).toBe(404)
    expect(bookFromB.body.error.code).toBe('FACILITY_NOT_FOUND')
    // …nor another's booking.
    expect((await call(p.app, 'GET', `/api/v1/bookings/${made.body.id}`, { token: t.neighbour })).status).toBe(404)
    expect((await call(p.app, 'GET', `/api/v1/bookings/${made.body.id}`, { token: t.cuizhuStaff })).status).toBe(404)
    const far = await call(p.app, 'GET', `/api/v1/facilities/${room}/availability?from=2030-01-01`, { token: t.staff })
    expect(far.status).toBe(400)
    expect(far.body.error.field).toBe('from')
  })

  it('lets exactly one of two simultaneous requests for a slot through', async () => {
    const body = booking('2027-03-05', '18:00', '20:00')
    const [a, b] = await Promise.all([book(t.neighbour2, room, body), book(t.staff, room, body)])
    expect([a.status, b.status].sort()).toEqual([201, 409])
    expect([a, b].find((r) => r.status === 409)!.body.error.code).toBe('BOOKING_OVERLAP')
    const rows = await p.database.db
      .selectFrom('facility_booking')
      .select('id')
      .where('facility_id', '=', room)
      .where('status', '=', 'booked')
      .where('during', '&&', `[${bj('2027-03-05', '18:00')},${bj('2027-03-05', '20:00')})`)
      .execute()
    expect(rows).toHaveLength(1)
  })

  it('frees a cancelled slot; the booker cancels before it starts, staff with a reason', async () => {
    const mine = await book(t.neighbour, room, booking('2027-03-04', '10:00', '12:00'))
    expect(mine.status).toBe(201)
    const id = mine.body.id as number
    // Someone else cannot cancel it (they do not see it).
    const stranger = await call(p.app, 'POST', `/api/v1/bookings/${id}/cancel`, { token: t.resident, body: {} })
    expect(stranger.status).toBe(404)
    const cancelled = await call(p.app, 'POST', `/api/v1/bookings/${id}/cancel`, { token: t.neighbour, body: {} })
    expect(cancelled.status).toBe(200)
    expect(cancelled.body).toMatchObject({ status: 'cancelled', mayCancel: false })
    const twice = await call(p.app, 'POST', `/api/v1/bookings/${id}/cancel`, { token: t.neighbour, body: {} })
    expect(twice.status).toBe(409)
    const slots = await slotsOf(t.resident, room, '2027-03-04')
    expect(slots.find((s) => s.start === '10:00')).toMatchObject({ state: 'free', bookable: true })
    const retaken = await book(t.resident, room, booking('2027-03-04', '10:00', '11:00'))
    expect(retaken.status).toBe(201)

    // Staff cancel another's booking only with a reason; the booker can read why.
    const noReason = await call(p.app, 'POST', `/api/v1/bookings/${retaken.body.id}/cancel`, {
      token: t.staff,
      body: {},
    })
    expect(noReason.status).toBe(400)
    expect(noReason.body.error.field).toBe('reason')
    const byStaff = await call(p.app, 'POST', `/api/v1/bookings/${retaken.body.id}/cancel`, {
      token: t.staff,
      body: { reason: '活动室临时检修' },
    })
    expect(byStaff.status).toBe(200)
    const seen = await call(p.app, 'GET', `/api/v1/bookings/${retaken.body.id}`, { token: t.resident })
    expect(seen.body).toMatchObject({ status: 'cancelled', cancelReason: '活动室临时检修' })
    expect(seen.body.cancelledBy).toBeTruthy()
    // …and is told in their inbox.
    const told = await call(p.app, 'GET', '/api/v1/notifications?pageSize=5', { token: t.resident })
    expect(told.body.items[0]).toMatchObject({
      kind: 'booking_cancelled',
      params: { bookingId: retaken.body.id, reason: '活动室临时检修' },
    })
    const audit = await p.database.db
      .selectFrom('audit_log')
      .select('action')
      .where('entity_type', '=', 'facility_booking')
      .where('entity_id', '=', String(retaken.body.id))
      .execute()
    expect(audit.map((a) => a.action)).toEqual(['facility_booking.cancel'])

    // Once begun, the booker no longer cancels; staff still can until it ends.
    const soon = await book(t.neighbour, room, booking('2027-03-01', '11:00', '12:00'))
    expect(soon.status).toBe(201)
    p.clock.set(new Date(bj('2027-03-01', '11:30')))
    try {
      const late = await call(p.app, 'POST', `/api/v1/bookings/${soon.body.id}/cancel`, {
        token: t.neighbour,
        body: {},
      })
      expect(late.status).toBe(409)
      const staffLate = await call(p.app, 'POST', `/api/v1/bookings/${soon.body.id}/cancel`, {
        token: t.staff,
        body: { reason: '停电' },
      })
      expect(staffLate.status).toBe(200)
    } finally {
      p.clock.set(new Date(START))
    }
  })

  it('lists my bookings; staff see the area’s by day with who booked', async () => {
    const mine = await call(p.app, 'GET', '/api/v1/bookings', { token: t.resident })
    expect(mine.status).toBe(200)
    expect(mine.body.items.length).toBeGreaterThan(0)
    expect(mine.body.items.every((b: { mine: boolean }) => b.mine)).toBe(true)
    const day = await call(p.app, 'GET', `/api/v1/bookings?date=2027-03-02&facilityId=${room}`, { token: t.staff })
    expect(day.body.items.map((b: { startsAt: string }) => b.startsAt)).toEqual([
      bj('2027-03-02', '15:00'),
      bj('2027-03-02', '16:00'),
    ])
    expect(day.body.items.every((b: { bookedBy: { name: string | null } }) => b.bookedBy.name)).toBe(true)
    const fromB = await call(p.app, 'GET', `/api/v1/bookings?facilityId=${room}`, { token: t.cuizhuStaff })
    expect(fromB.body.items).toEqual([])
    const upcoming = await call(p.app, 'GET', '/api/v1/bookings?when=upcoming&status=booked', { token: t.resident })
    expect(upcoming.body.items.every((b: { status: string }) => b.status === 'booked')).toBe(true)
  })

  it(`holds a resident to ${RESIDENT_UPCOMING_LIMIT} upcoming bookings; staff book for residents where they may not`, async () => {
    const hall = await newFacility({ name: '阅览室', kind: 'library', residentsMayBook: false })
    const refused = await book(t.neighbour2, hall, booking('2027-03-06', '09:00', '10:00'))
    expect(refused.status).toBe(403)
    const forThem = await book(t.staff, hall, booking('2027-03-06', '09:00', '10:00', { purpose: '代张阿姨预约' }))
    expect(forThem.status).toBe(201)
    const audit = await p.database.db
      .selectFrom('audit_log')
      .select('action')
      .where('entity_id', '=', String(forThem.body.id))
      .where('entity_type', '=', 'facility_booking')
      .execute()
    expect(audit.map((a) => a.action)).toEqual(['facility_booking.create'])

    const court = await newFacility({ name: '篮球场', kind: 'sports' })
    const held = (
      await call(p.app, 'GET', '/api/v1/bookings?when=upcoming&status=booked&mine=true', { token: t.neighbour2 })
    ).body.total as number
    const results: Call[] = []
    for (let i = 0; i < RESIDENT_UPCOMING_LIMIT - held + 1; i++)
      results.push(await book(t.neighbour2, court, booking('2027-03-08', `${14 + i}:00`, `${15 + i}:00`)))
    expect(results.at(-1)!.status).toBe(409)
    expect(results.at(-1)!.body.error.code).toBe('BOOKING_LIMIT_REACHED')
    expect(results.slice(0, -1).every((r) => r.status === 201)).toBe(true)
  })
})
