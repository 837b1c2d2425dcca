import { expect } from 'vitest'
import { call, type TestPlatform } from '../support.js'
import { denied, must, row, unchanged, type OwnPart, type ScopingPart } from './parts.js'

// Facility booking in both authorization tables (see parts.ts). Facilities are kept by the area's
// service staff (admins, leaders, staff); everyone signed in on the area's branch reads and books
// them. A booking is read and cancelled by its booker and the area's service staff only.

const HOUR = 3_600_000
const staffRow = row('unauth', 'ok', 'ok', 'ok', 'forbidden', 'forbidden', 'forbidden', 'forbidden')
const readerRow = row('unauth', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok')
// A booking of someone else: the area's service staff, not the others (row-level security hides it).
const bookingRow = (booker: 'ok' | 'notFound') =>
  row('unauth', 'ok', 'ok', 'ok', 'notFound', 'notFound', 'notFound', booker)

const roundTheClock = [1, 2, 3, 4, 5, 6, 7].map((weekday) => ({ weekday, opens: '00:00', closes: '24:00' }))
const facilityBody = (areaId: number, name: string) => ({
  areaId,
  kind: 'activity_room',
  name,
  address: '权限表地址',
  capacity: 50,
  openingHours: roundTheClock,
  slotMinutes: 60,
  maxSlots: 2,
  bookDaysAhead: 180,
})
const edit = (name: string) => {
  const { areaId: _, ...rest } = facilityBody(0, name)
  return { ...rest, residentsMayBook: true, status: 'open' }
}

/** A fresh hour from tomorrow (Beijing) on, one per call, so probes never collide. */
function slots() {
  let k = 0
  return (p: TestPlatform) => {
    const now = p.clock.now()
    const bj = new Date(now.getTime() + 8 * HOUR)
    const tomorrow = Date.UTC(bj.getUTCFullYear(), bj.getUTCMonth(), bj.getUTCDate() + 1) - 8 * HOUR
    const start = tomorrow + 24 * HOUR + k++ * HOUR
    return {
      startsAt: new Date(start).toISOString(),
      endsAt: new Date(start + HOUR).toISOString(),
      purpose: '权限表预约',
      attendees: 5,
    }
  }
}

async function fixture(p: TestPlatform, area: number, staff: string, resident: string, next: ReturnType<typeof slots>) {
  const facility = must(
    'facility',
    await call(p.app, 'POST', '/api/v1/facilities', { token: staff, body: facilityBody(area, '权限表活动室') }),
    201,
  ).id as number
  const booking = must(
    'booking',
    await call(p.app, 'POST', `/api/v1/facilities/${facility}/bookings`, { token: resident, body: next(p) }),
    201,
  ).id as number
  return { facility, booking }
}

interface Data {
  facility: number
  booking: number
  next: ReturnType<typeof slots>
}

export const own: OwnPart<Data> = {
  setup: async (p, base) => {
    const next = slots()
    // The demo's bookings of guihua.resident may lie ahead of the test's clock: cancelled here, so
    // the limit of upcoming bookings per resident leaves room for the fixture's and the probe's.
    await p.database.db
      .updateTable('facility_booking')
      .set({ status: 'cancelled' })
      .where(
        'booked_by',
        '=',
        p.database.db.selectFrom('app_user').select('id').where('username', '=', 'guihua.resident'),
      )
      .execute()
    const data = await fixture(
      p,
      base.community,
      await base.token('guihua.staff'),
      await base.token('guihua.resident'),
      next,
    )
    return { ...data, next }
  },
  rows: {
    'GET /api/v1/facilities': readerRow,
    'POST /api/v1/facilities': staffRow,
    'GET /api/v1/facilities/:id': readerRow,
    'PUT /api/v1/facilities/:id': staffRow,
    'GET /api/v1/facilities/:id/availability': readerRow,
    // Everyone signed in on the branch books an open facility residents may book.
    'POST /api/v1/facilities/:id/bookings': readerRow,
    'GET /api/v1/bookings': readerRow,
    // guihua.resident's booking.
    'GET /api/v1/bookings/:id': bookingRow('ok'),
    // A fresh booking of guihua.staff (cancelled with a reason): staff of the area, not the others.
    'POST /api/v1/bookings/:id/cancel': bookingRow('notFound'),
  },
  probes: {
    'GET /api/v1/facilities': ({ p, token }) => call(p.app, 'GET', '/api/v1/facilities', { token }),
    'POST /api/v1/facilities': ({ p, token, base }) =>
      call(p.app, 'POST', '/api/v1/facilities', { token, body: facilityBody(base.community, '权限表：新场地') }),
    'GET /api/v1/facilities/:id': ({ p, token, data }) =>
      call(p.app, 'GET', `/api/v1/facilities/${data.facility}`, { token }),
    'PUT /api/v1/facilities/:id': ({ p, token, data }) =>
      call(p.app, 'PUT', `/api/v1/facilities/${data.facility}`, { token, body: edit('权限表活动室') }),
    'GET /api/v1/facilities/:id/availability': ({ p, token, data }) =>
      call(
        p.app,
        'GET',
        `/api/v1/facilities/${data.facility}/availability?from=${p.clock.now().toISOString().slice(0, 10)}&days=2`,
        {
          token,
        },
      ),
    'POST /api/v1/facilities/:id/bookings': ({ p, token, data }) =>
      call(p.app, 'POST', `/api/v1/facilities/${data.facility}/bookings`, { token, body: data.next(p) }),
    'GET /api/v1/bookings': ({ p, token }) => call(p.app, 'GET', '/api/v1/bookings', { token }),
    'GET /api/v1/bookings/:id': ({ p, token, data }) =>
      call(p.app, 'GET', `/api/v1/bookings/${data.booking}`, { token }),
    'POST /api/v1/bookings/:id/cancel': async ({ p, token, data, base }) => {
      const fresh = must(
        'booking',
        await call(p.app, 'POST', `/api/v1/facilities/${data.facility}/bookings`, {
          token: await base.token('guihua.staff'),
          body: data.next(p),
        }),
        201,
      ).id
      return call(p.app, 'POST', `/api/v1/bookings/${fresh}/cancel`, { token, body: { reason: '权限表取消' } })
    },
  },
}

interface ScopingData extends Data {
  community: number
}

const bookingOf = (p: TestPlatform, id: number) =>
  p.database.db.selectFrom('facility_booking').selectAll().where('id', '=', id).executeTakeFirstOrThrow()
const facilityOf = (p: TestPlatform, id: number) =>
  p.database.db.selectFrom('facility').selectAll().where('id', '=', id).executeTakeFirstOrThrow()

/** Each list answers (200) without B's record, or is denied. */
async function notListed(p: TestPlatform, token: string | null, urls: string[], id: number) {
  for (const url of urls) {
    const res = await call(p.app, 'GET', url, { token })
    if (res.status !== 200) {
      denied(res.status)
      continue
    }
    expect(res.body.items.map((x: { id: number }) => x.id)).not.toContain(id)
  }
}

export const scoping: ScopingPart<ScopingData> = {
  setup: async (p, base) => {
    const next = slots()
    const data = await fixture(
      p,
      base.community,
      await base.token('cuizhu.staff'),
      await base.token('cuizhu.resident'),
      next,
    )
    return { ...data, next, community: base.community }
  },
  probes: {
    'GET /api/v1/facilities': (p, token, d) =>
      notListed(p, token, ['/api/v1/facilities?pageSize=500', `/api/v1/facilities?areaId=${d.community}`], d.facility),
    'POST /api/v1/facilities': (p, token, d) =>
      unchanged(
        () => p.database.db.selectFrom('facility').select('id').where('area_id', '=', d.community).execute(),
        () => call(p.app, 'POST', '/api/v1/facilities', { token, body: facilityBody(d.community, '越权场地') }),
      ),
    'GET /api/v1/facilities/:id': async (p, token, d) =>
      denied((await call(p.app, 'GET', `/api/v1/facilities/${d.facility}`, { token })).status),
    'PUT /api/v1/facilities/:id': (p, token, d) =>
      unchanged(
        () => facilityOf(p, d.facility),
        () =>
          call(p.app, 'PUT', `/api/v1/facilities/${d.facility}`, {
            token,
            body: { ...edit('越权改名'), status: 'closed' },
          }),
      ),
    'GET /api/v1/facilities/:id/availability': async (p, token, d) =>
      denied(
        (
          await call(
            p.app,
            'GET',
            `/api/v1/facilities/${d.facility}/availability?from=${p.clock.now().toISOString().slice(0, 10)}`,
            { token },
          )
        ).status,
      ),
    'POST /api/v1/facilities/:id/bookings': (p, token, d) =>
      unchanged(
        () => p.database.db.selectFrom('facility_booking').select('id').where('facility_id', '=', d.facility).execute(),
        () => call(p.app, 'POST', `/api/v1/facilities/${d.facility}/bookings`, { token, body: d.next(p) }),
      ),
    'GET /api/v1/bookings': (p, token, d) =>
      notListed(p, token, ['/api/v1/bookings?pageSize=500', `/api/v1/bookings?facilityId=${d.facility}`], d.booking),
    'GET /api/v1/bookings/:id': async (p, token, d) =>
      denied((await call(p.app, 'GET', `/api/v1/bookings/${d.booking}`, { token })).status),
    'POST /api/v1/bookings/:id/cancel': (p, token, d) =>
      unchanged(
        () => bookingOf(p, d.booking),
        () => call(p.app, 'POST', `/api/v1/bookings/${d.booking}/cancel`, { token, body: { reason: '越权取消' } }),
      ),
  },
}
