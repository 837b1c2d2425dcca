import { ZONE } from '../core/clock.js'
import { sql } from 'kysely'
import { DateTime } from 'luxon'
import { recordAudit } from '../audit/service.js'
import { notify } from '../cases/notify.js'
import type { Tx } from '../core/db.js'
import { AppError, notFound } from '../core/errors.js'
import type { Input, Output } from '../core/http.js'
import { countLimitOf, offsetOf, pageQuerySchema, paginate } from '../core/paging.js'
import { body, date, id, nullable, orNull, shape, text, timestamp } from '../core/schemas.js'
import { requireActor, type RequestContext } from '../core/scope.js'
import { areaPathOf, areaRef, areaRefSchema } from '../jurisdiction/service.js'
import { displayNames } from '../participation/common.js'
import { isServicesStaff, pathsWith, requireServicesRole } from './common.js'

// Facility booking (场地预约): community rooms, meeting halls, reading rooms and courts with weekly
// opening hours cut into slots. Facilities are published on the area tree (read on the caller's
// branch, written by the area's service staff). A booking is one run of consecutive slots inside
// one opening interval; overlapping bookings are refused by the exclusion constraint
// facility_booking_no_overlap (SQLSTATE 23P01 → 409 BOOKING_OVERLAP), never by a check before the
// insert, so two requests racing for one slot get one booking and one refusal. Times of day are
// Beijing wall time (Asia/Shanghai); the API answers instants in ISO 8601 UTC.

/** Upcoming bookings a resident may hold at once (staff booking for others are not limited). */
export const RESIDENT_UPCOMING_LIMIT = 3

export const facilityKinds = [
  'meeting_room',
  'activity_room',
  'sports',
  'library',
  'kitchen',
  'clinic_room',
  'other',
] as const
export const facilityStates = ['open', 'closed'] as const
export const bookingStates = ['booked', 'cancelled'] as const
const slotSizes = [15, 30, 60, 120] as const

// ── Schemas ────────────────────────────────────────────────────────────────────────────────────

const hhmm = { type: 'string', pattern: '^([01]\\d|2[0-3]):[0-5]\\d$' } as const
const openingInterval = body(['weekday', 'opens', 'closes'], {
  weekday: { type: 'integer', minimum: 1, maximum: 7, description: 'Monday = 1 … Sunday = 7' },
  opens: { ...hhmm, description: 'HH:MM, Beijing time' },
  closes: {
    type: 'string',
    pattern: '^(([01]\\d|2[0-3]):[0-5]\\d|24:00)$',
    description: 'HH:MM after opens (24:00 = midnight)',
  },
})
const openingHours = {
  type: 'array',
  maxItems: 28,
  items: openingInterval,
  description: 'Weekly opening intervals; per weekday they must not overlap',
} as const

const facilityFields = {
  kind: { type: 'string', enum: facilityKinds },
  name: text(100),
  address: text(300),
  description: { ...text(2000), description: 'What the place offers, rules of use' },
  capacity: { type: 'integer', minimum: 1, maximum: 10000 },
  openingHours,
  slotMinutes: { type: 'integer', enum: slotSizes },
  maxSlots: { type: 'integer', minimum: 1, maximum: 48, description: 'Most consecutive slots one booking takes' },
  bookDaysAhead: { type: 'integer', minimum: 1, maximum: 180, description: 'How many days ahead bookings open' },
  residentsMayBook: {
    type: 'boolean',
    description: 'Residents book themselves; when false, only staff book (for residents)',
  },
  status: { type: 'string', enum: facilityStates },
} as const

export const newFacilityBody = body(['areaId', 'kind', 'name', 'address', 'capacity', 'openingHours'], {
  areaId: { ...id, description: 'The community or street the facility belongs to' },
  ...facilityFields,
})
export type NewFacility = Input<typeof newFacilityBody>

export const facilityUpdateBody = body(
  [
    'kind',
    'name',
    'address',
    'capacity',
    'openingHours',
    'slotMinutes',
    'maxSlots',
    'bookDaysAhead',
    'residentsMayBook',
    'status',
  ],
  facilityFields,
)
export type FacilityUpdate = Input<typeof facilityUpdateBody>

export const facilityListQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    ...pageQuerySchema,
    kind: { type: 'string', enum: facilityKinds },
    areaId: { ...id, description: 'Facilities of this area and the areas below it' },
    status: { type: 'string', enum: facilityStates },
  },
} as const
export type FacilityFilter = Input<typeof facilityListQuery>

export const availabilityQuery = {
  type: 'object',
  required: ['from'],
  additionalProperties: false,
  properties: {
    from: { ...date, description: 'The first day (Beijing calendar), within a year of today' },
    days: { type: 'integer', minimum: 1, maximum: 14, default: 7 },
  },
} as const
export type AvailabilityQuery = Input<typeof availabilityQuery>

export const newBookingBody = body(['startsAt', 'endsAt', 'purpose', 'attendees'], {
  startsAt: { ...timestamp, description: 'On a slot boundary inside an opening interval' },
  endsAt: { ...timestamp, description: 'On a slot boundary of the same interval; at most maxSlots slots' },
  purpose: { type: 'string', minLength: 2, maxLength: 200 },
  attendees: { type: 'integer', minimum: 1, maximum: 10000, description: 'At most the facility’s capacity' },
})
export type NewBooking = Input<typeof newBookingBody>

export const bookingListQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    ...pageQuerySchema,
    facilityId: id,
    date: { ...date, description: 'Bookings starting on this day (Beijing calendar), earliest first' },
    mine: { type: 'boolean', description: 'Only the bookings you made (staff see their areas’ otherwise)' },
    when: {
      type: 'string',
      enum: ['upcoming', 'past'],
      description: 'upcoming: not yet ended (soonest first); past: ended (latest first)',
    },
    status: { type: 'string', enum: bookingStates },
  },
} as const
export type BookingFilter = Input<typeof bookingListQuery>

export const cancelBody = body([], {
  reason: { ...text(500), description: 'Required when staff cancel someone else’s booking; told to the booker' },
})
export type CancelInput = Input<typeof cancelBody>

export const facilitySchema = shape({
  id: { type: 'integer' },
  area: areaRefSchema,
  kind: { type: 'string', enum: facilityKinds },
  name: { type: 'string' },
  address: { type: 'string' },
  description: nullable('string'),
  capacity: { type: 'integer' },
  openingHours: {
    type: 'array',
    items: shape({ weekday: { type: 'integer' }, opens: { type: 'string' }, closes: { type: 'string' } }),
  },
  slotMinutes: { type: 'integer' },
  maxSlots: { type: 'integer' },
  bookDaysAhead: { type: 'integer' },
  residentsMayBook: { type: 'boolean' },
  status: { type: 'string', enum: facilityStates },
  mayBook: { type: 'boolean', description: 'The caller may book it now (open, and residents may book or staff)' },
  canManage: { type: 'boolean', description: 'The caller is service staff of its area' },
  createdAt: timestamp,
  updatedAt: timestamp,
})
export type FacilityView = Output<typeof facilitySchema>

const slotSchema = shape({
  startsAt: timestamp,
  endsAt: timestamp,
  start: { type: 'string', description: 'HH:MM Beijing time' },
  end: { type: 'string' },
  state: { type: 'string', enum: ['free', 'busy'] },
  bookable: { type: 'boolean', description: 'Free, not begun, and within the booking window' },
  mine: { type: 'boolean', description: 'Busy with a booking of the caller' },
  booking: {
    ...orNull(
      shape({
        id: { type: 'integer' },
        bookedBy: nullable('string'),
        purpose: { type: 'string' },
        attendees: { type: 'integer' },
      }),
    ),
    description: 'Who booked and why: for the area’s staff, and for the caller’s own bookings',
  },
})

export const availabilitySchema = shape({
  facilityId: { type: 'integer' },
  slotMinutes: { type: 'integer' },
  maxSlots: { type: 'integer' },
  status: { type: 'string', enum: facilityStates },
  days: {
    type: 'array',
    items: shape({
      date: { type: 'string' },
      weekday: { type: 'integer' },
      slots: { type: 'array', items: slotSchema },
    }),
  },
})
export type Availability = Output<typeof availabilitySchema>

export const bookingSchema = shape({
  id: { type: 'integer' },
  facility: shape({
    id: { type: 'integer' },
    name: { type: 'string' },
    kind: { type: 'string', enum: facilityKinds },
    address: { type: 'string' },
  }),
  area: areaRefSchema,
  startsAt: timestamp,
  endsAt: timestamp,
  purpose: { type: 'string' },
  attendees: { type: 'integer' },
  status: { type: 'string', enum: bookingStates },
  bookedBy: shape({ id: { type: 'integer' }, name: nullable('string') }),
  mine: { type: 'boolean' },
  cancelledAt: { ...timestamp, type: ['string', 'null'] },
  cancelledBy: nullable('string'),
  cancelReason: nullable('string'),
  mayCancel: { type: 'boolean' },
  createdAt: timestamp,
})
export type BookingView = Output<typeof bookingSchema>

// ── Opening hours ──────────────────────────────────────────────────────────────────────────────

export interface Interval {
  weekday: number
  opens: string
  closes: string
}

const minutesOf = (hm: string) => Number(hm.slice(0, 2)) * 60 + Number(hm.slice(3, 5))
const hm = (minutes: number) =>
  `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`

/** Sorted by weekday and time; opens before closes and no overlap per weekday, else 400 naming the entry. */
export function checkOpeningHours(hours: readonly Interval[]): Interval[] {
  hours.forEach((h, i) => {
    if (minutesOf(h.opens) >= minutesOf(h.closes))
      throw new AppError('VALIDATION_FAILED', 'an interval must open before it closes', `openingHours[${i}].closes`)
  })
  const indexed = hours.map((h, i) => ({ h, i }))
  indexed.sort((a, b) => a.h.weekday - b.h.weekday || minutesOf(a.h.opens) - minutesOf(b.h.opens))
  for (let k = 1; k < indexed.length; k++) {
    const prev = indexed[k - 1]!
    const cur = indexed[k]!
    if (prev.h.weekday === cur.h.weekday && minutesOf(cur.h.opens) < minutesOf(prev.h.closes))
      throw new AppError(
        'VALIDATION_FAILED',
        `overlaps another interval on weekday ${cur.h.weekday}`,
        `openingHours[${Math.max(prev.i, cur.i)}]`,
      )
  }
  return indexed.map(({ h }) => ({ weekday: h.weekday, opens: h.opens, closes: h.closes }))
}

/** The whole slots of one opening interval on a day: [start, end) in minutes after midnight. */
function slotsOf(iv: Interval, slotMinutes: number): [number, number][] {
  const out: [number, number][] = []
  for (let s = minutesOf(iv.opens); s + slotMinutes <= minutesOf(iv.closes); s += slotMinutes)
    out.push([s, s + slotMinutes])
  return out
}

const intervalsOn = (hours: readonly Interval[], weekday: number) =>
  hours.filter((h) => h.weekday === weekday).sort((a, b) => minutesOf(a.opens) - minutesOf(b.opens))

// ── Reading ────────────────────────────────────────────────────────────────────────────────────

function facilityBase(tx: Tx) {
  return tx.selectFrom('facility as f').innerJoin('area as a', 'a.id', 'f.area_id')
}

const facilityColumns = [
  'f.id',
  'f.kind',
  'f.name',
  'f.address',
  'f.description',
  'f.capacity',
  'f.opening_hours',
  'f.slot_minutes',
  'f.max_slots',
  'f.book_days_ahead',
  'f.residents_may_book',
  'f.status',
  'f.created_at',
  'f.updated_at',
  'a.id as area_id',
  'a.code as area_code',
  'a.name_zh as area_name_zh',
  'a.name_en as area_name_en',
  'a.path as area_path',
] as const

async function loadFacility(tx: Tx, facilityId: number) {
  const f = await facilityBase(tx).select(facilityColumns).where('f.id', '=', facilityId).executeTakeFirst()
  if (!f) throw notFound('FACILITY_NOT_FOUND', `facility ${facilityId}`)
  return { ...f, hours: f.opening_hours as unknown as Interval[] }
}
type FacilityRow = Awaited<ReturnType<typeof loadFacility>>

function presentFacility(f: FacilityRow, ctx: RequestContext): FacilityView {
  const staff = isServicesStaff(ctx.actor, f.area_path)
  return {
    id: f.id,
    area: areaRef(f),
    kind: f.kind as FacilityView['kind'],
    name: f.name,
    address: f.address,
    description: f.description,
    capacity: f.capacity,
    openingHours: f.hours,
    slotMinutes: f.slot_minutes,
    maxSlots: f.max_slots,
    bookDaysAhead: f.book_days_ahead,
    residentsMayBook: f.residents_may_book,
    status: f.status as FacilityView['status'],
    mayBook: f.status === 'open' && (staff || f.residents_may_book),
    canManage: staff,
    createdAt: f.created_at.toISOString(),
    updatedAt: f.updated_at.toISOString(),
  }
}

export async function listFacilities(tx: Tx, ctx: RequestContext, q: FacilityFilter) {
  requireActor(ctx)
  let base = facilityBase(tx)
  if (q.areaId !== undefined) base = base.where('a.path', 'like', `${await areaPathOf(tx, q.areaId)}%`)
  if (q.kind) base = base.where('f.kind', '=', q.kind)
  if (q.status) base = base.where('f.status', '=', q.status)
  const [rows, count] = await Promise.all([
    base
      .select(facilityColumns)
      .orderBy('a.path')
      .orderBy('f.name')
      .orderBy('f.id')
      .limit(q.pageSize)
      .offset(offsetOf(q))
      .execute(),
    tx
      .selectFrom(base.select('f.id').limit(countLimitOf(q)).as('x'))
      .select(sql<number>`count(*)::int`.as('n'))
      .executeTakeFirstOrThrow(),
  ])
  return paginate(
    q,
    rows.map((f) => presentFacility({ ...f, hours: f.opening_hours as unknown as Interval[] }, ctx)),
    count.n,
  )
}

export async function facilityDetail(tx: Tx, ctx: RequestContext, facilityId: number): Promise<FacilityView> {
  requireActor(ctx)
  return presentFacility(await loadFacility(tx, facilityId), ctx)
}

// ── Staff: create and edit ─────────────────────────────────────────────────────────────────────

export async function createFacility(tx: Tx, ctx: RequestContext, input: NewFacility, now: Date) {
  const path = await areaPathOf(tx, input.areaId)
  requireServicesRole(ctx, path)
  const hours = checkOpeningHours(input.openingHours)
  const created = await tx
    .insertInto('facility')
    .values({
      area_id: input.areaId,
      kind: input.kind,
      name: input.name,
      address: input.address,
      description: input.description ?? null,
      capacity: input.capacity,
      opening_hours: JSON.stringify(hours),
      slot_minutes: input.slotMinutes ?? 60,
      max_slots: input.maxSlots ?? 4,
      book_days_ahead: input.bookDaysAhead ?? 14,
      residents_may_book: input.residentsMayBook ?? true,
      status: input.status ?? 'open',
      created_at: now,
      updated_at: now,
    })
    .returning('id')
    .executeTakeFirstOrThrow()
  await recordAudit(tx, ctx, {
    action: 'facility.create',
    entityType: 'facility',
    entityId: created.id,
    areaId: input.areaId,
    detail: { name: input.name, kind: input.kind },
  })
  return facilityDetail(tx, ctx, created.id)
}

export async function updateFacility(
  tx: Tx,
  ctx: RequestContext,
  facilityId: number,
  input: FacilityUpdate,
  now: Date,
) {
  const f = await loadFacility(tx, facilityId)
  requireServicesRole(ctx, f.area_path)
  const hours = checkOpeningHours(input.openingHours)
  await tx
    .updateTable('facility')
    .set({
      kind: input.kind,
      name: input.name,
      address: input.address,
      description: input.description ?? null,
      capacity: input.capacity,
      opening_hours: JSON.stringify(hours),
      slot_minutes: input.slotMinutes,
      max_slots: input.maxSlots,
      book_days_ahead: input.bookDaysAhead,
      residents_may_book: input.residentsMayBook,
      status: input.status,
      updated_at: now,
    })
    .where('id', '=', facilityId)
    .execute()
  await recordAudit(tx, ctx, {
    action: 'facility.update',
    entityType: 'facility',
    entityId: facilityId,
    areaId: f.area_id,
    detail: { status: input.status, before: f.status },
  })
  return facilityDetail(tx, ctx, facilityId)
}

// ── Availability ───────────────────────────────────────────────────────────────────────────────

/** A day as Beijing's calendar has it, refused (naming `field`) when more than a year from today. */
function dayNear(day: string, now: Date, field: string): DateTime {
  const d = DateTime.fromISO(day, { zone: ZONE })
  const today = DateTime.fromJSDate(now).setZone(ZONE).startOf('day')
  if (!d.isValid || Math.abs(d.diff(today, 'days').days) > 366)
    throw new AppError('VALIDATION_FAILED', 'must be within a year of today', field)
  return d
}

interface Range {
  id: number | null
  from: number
  to: number
  booked_by: number | null
  purpose: string | null
  attendees: number | null
}

export async function availability(
  tx: Tx,
  ctx: RequestContext,
  facilityId: number,
  q: AvailabilityQuery,
  now: Date,
): Promise<Availability> {
  const actor = requireActor(ctx)
  const f = await loadFacility(tx, facilityId)
  const first = dayNear(q.from, now, 'from')
  const days = q.days ?? 7
  const from = first.toJSDate()
  const to = first.plus({ days }).toJSDate()
  // Busy ranges without who or why (the definer function), and the bookings the caller may read
  // (their own; all of the area's for its staff) with the details.
  const [busy, visible] = await Promise.all([
    sql<{ lower: Date; upper: Date }>`
      select lower(during) as lower, upper(during) as upper from app_facility_busy(${facilityId}, ${from}::timestamptz, ${to}::timestamptz)`.execute(
      tx,
    ),
    tx
      .selectFrom('facility_booking')
      .select([
        'id',
        'booked_by',
        'purpose',
        'attendees',
        sql<Date>`lower(during)`.as('lower'),
        sql<Date>`upper(during)`.as('upper'),
      ])
      .where('facility_id', '=', facilityId)
      .where('status', '=', 'booked')
      .where(sql<boolean>`during && tstzrange(${from}::timestamptz, ${to}::timestamptz)`)
      .execute(),
  ])
  const ranges: Range[] = [
    ...visible.map((b) => ({
      id: b.id,
      from: new Date(b.lower).getTime(),
      to: new Date(b.upper).getTime(),
      booked_by: b.booked_by,
      purpose: b.purpose,
      attendees: b.attendees,
    })),
    ...busy.rows.map((b) => ({
      id: null,
      from: new Date(b.lower).getTime(),
      to: new Date(b.upper).getTime(),
      booked_by: null,
      purpose: null,
      attendees: null,
    })),
  ]
  const staff = isServicesStaff(actor, f.area_path)
  const names = staff
    ? await displayNames(
        tx,
        visible.map((b) => b.booked_by),
      )
    : new Map<number, string>()
  const horizon = DateTime.fromJSDate(now)
    .setZone(ZONE)
    .startOf('day')
    .plus({ days: f.book_days_ahead + 1 })
  const mayBook = f.status === 'open' && (staff || f.residents_may_book)
  const out: Availability['days'] = []
  for (let i = 0; i < days; i++) {
    const day = first.plus({ days: i })
    const slots = intervalsOn(f.hours, day.weekday).flatMap((iv) =>
      slotsOf(iv, f.slot_minutes).map(([s, e]) => {
        const start = day.plus({ minutes: s })
        const end = day.plus({ minutes: e })
        const a = start.toMillis()
        const b = end.toMillis()
        // A visible booking (with details) wins over the anonymous busy range of the same booking.
        const hit = ranges.find((r) => r.from < b && a < r.to)
        const mine = hit?.booked_by === actor.userId
        const detailed = hit && hit.id !== null && (staff || mine)
        return {
          startsAt: start.toUTC().toISO({ suppressMilliseconds: false })!,
          endsAt: end.toUTC().toISO({ suppressMilliseconds: false })!,
          start: hm(s),
          end: e === 1440 ? '24:00' : hm(e),
          state: hit ? ('busy' as const) : ('free' as const),
          bookable: !hit && mayBook && a >= now.getTime() && start < horizon,
          mine,
          booking: detailed
            ? {
                id: hit.id!,
                bookedBy: staff ? (names.get(hit.booked_by!) ?? null) : null,
                purpose: hit.purpose!,
                attendees: hit.attendees!,
              }
            : null,
        }
      }),
    )
    out.push({ date: day.toISODate()!, weekday: day.weekday, slots })
  }
  return {
    facilityId: f.id,
    slotMinutes: f.slot_minutes,
    maxSlots: f.max_slots,
    status: f.status as Availability['status'],
    days: out,
  }
}

// ── Bookings ───────────────────────────────────────────────────────────────────────────────────

/** Checks a booking against the facility's rules; answers its range. Each refusal names its field. */
export function checkBookingTimes(f: FacilityRow, input: NewBooking, now: Date): { start: Date; end: Date } {
  const start = DateTime.fromISO(input.startsAt).setZone(ZONE)
  const end = DateTime.fromISO(input.endsAt).setZone(ZONE)
  if (!start.isValid) throw new AppError('VALIDATION_FAILED', 'is not a valid time', 'startsAt')
  if (!end.isValid) throw new AppError('VALIDATION_FAILED', 'is not a valid time', 'endsAt')
  if (end <= start) throw new AppError('BOOKING_INVALID_SLOT', 'the booking must end after it starts', 'endsAt')
  if (start.toMillis() < now.getTime())
    throw new AppError('BOOKING_INVALID_SLOT', 'the booking cannot start in the past', 'startsAt')
  const horizon = DateTime.fromJSDate(now)
    .setZone(ZONE)
    .startOf('day')
    .plus({ days: f.book_days_ahead + 1 })
  if (start >= horizon)
    throw new AppError(
      'BOOKING_INVALID_SLOT',
      `bookings open ${f.book_days_ahead} days ahead (until ${horizon.minus({ days: 1 }).toISODate()})`,
      'startsAt',
    )
  const day = start.startOf('day')
  const s = Math.round(start.diff(day, 'minutes').minutes)
  const e = Math.round(end.diff(day, 'minutes').minutes)
  if (start.second !== 0 || start.millisecond !== 0)
    throw new AppError('BOOKING_INVALID_SLOT', `must start on a ${f.slot_minutes}-minute slot boundary`, 'startsAt')
  const iv = intervalsOn(f.hours, start.weekday).find((h) => minutesOf(h.opens) <= s && s < minutesOf(h.closes))
  if (!iv) throw new AppError('BOOKING_OUTSIDE_HOURS', 'the facility is not open at that time', 'startsAt')
  const opens = minutesOf(iv.opens)
  const lastEnd = opens + Math.floor((minutesOf(iv.closes) - opens) / f.slot_minutes) * f.slot_minutes
  if (e > lastEnd)
    throw new AppError('BOOKING_OUTSIDE_HOURS', `the facility closes at ${hm(lastEnd)} that day`, 'endsAt')
  if ((s - opens) % f.slot_minutes !== 0)
    throw new AppError('BOOKING_INVALID_SLOT', `must start on a ${f.slot_minutes}-minute slot boundary`, 'startsAt')
  if ((e - s) % f.slot_minutes !== 0 || end.second !== 0 || end.millisecond !== 0)
    throw new AppError('BOOKING_INVALID_SLOT', `must end on a ${f.slot_minutes}-minute slot boundary`, 'endsAt')
  const slots = (e - s) / f.slot_minutes
  if (slots > f.max_slots)
    throw new AppError('BOOKING_INVALID_SLOT', `at most ${f.max_slots} consecutive slots`, 'endsAt')
  if (input.attendees > f.capacity)
    throw new AppError('BOOKING_OVER_CAPACITY', `the facility holds at most ${f.capacity} people`, 'attendees')
  return { start: start.toJSDate(), end: end.toJSDate() }
}

const isExclusionViolation = (err: unknown) =>
  typeof err === 'object' && err !== null && (err as { code?: unknown }).code === '23P01'

export async function createBooking(
  tx: Tx,
  ctx: RequestContext,
  facilityId: number,
  input: NewBooking,
  now: Date,
): Promise<BookingView> {
  const actor = requireActor(ctx)
  const f = await loadFacility(tx, facilityId)
  const staff = isServicesStaff(actor, f.area_path)
  if (f.status !== 'open') throw new AppError('FACILITY_CLOSED', 'the facility is closed for booking')
  if (!staff && !f.residents_may_book)
    throw new AppError('FORBIDDEN', 'this facility is booked by the community office for residents')
  const { start, end } = checkBookingTimes(f, input, now)
  if (!staff) {
    // One resident's bookings are counted one at a time (the lock lasts the transaction).
    await sql`select pg_advisory_xact_lock(7215, ${actor.userId}::int)`.execute(tx)
    const upcoming = await tx
      .selectFrom('facility_booking')
      .select(sql<number>`count(*)::int`.as('n'))
      .where('booked_by', '=', actor.userId)
      .where('status', '=', 'booked')
      .where(sql<boolean>`upper(during) > ${now}::timestamptz`)
      .executeTakeFirstOrThrow()
    if (upcoming.n >= RESIDENT_UPCOMING_LIMIT)
      throw new AppError(
        'BOOKING_LIMIT_REACHED',
        `at most ${RESIDENT_UPCOMING_LIMIT} upcoming bookings at once: cancel one or wait until one has passed`,
        'startsAt',
      )
  }
  let created: { id: number }
  try {
    // The exclusion constraint decides overlaps; a savepoint is not needed as the error ends the request.
    created = await tx
      .insertInto('facility_booking')
      .values({
        facility_id: f.id,
        area_id: f.area_id,
        booked_by: actor.userId,
        purpose: input.purpose,
        attendees: input.attendees,
        during: sql<string>`tstzrange(${start}::timestamptz, ${end}::timestamptz, '[)')`,
        status: 'booked',
        created_at: now,
      })
      .returning('id')
      .executeTakeFirstOrThrow()
  } catch (err) {
    if (isExclusionViolation(err))
      throw new AppError('BOOKING_OVERLAP', 'that time is already booked (or overlaps a booking)', 'startsAt')
    throw err
  }
  if (staff)
    await recordAudit(tx, ctx, {
      action: 'facility_booking.create',
      entityType: 'facility_booking',
      entityId: created.id,
      areaId: f.area_id,
      detail: { facilityId: f.id, startsAt: start.toISOString(), endsAt: end.toISOString() },
    })
  return bookingDetail(tx, ctx, created.id, now)
}

function bookingBase(tx: Tx) {
  return tx
    .selectFrom('facility_booking as b')
    .innerJoin('facility as f', 'f.id', 'b.facility_id')
    .innerJoin('area as a', 'a.id', 'b.area_id')
}

const bookingColumns = [
  'b.id',
  'b.facility_id',
  'f.name as facility_name',
  'f.kind as facility_kind',
  'f.address as facility_address',
  'b.booked_by',
  'b.purpose',
  'b.attendees',
  'b.status',
  'b.cancelled_by',
  'b.cancelled_at',
  'b.cancel_reason',
  'b.created_at',
  sql<Date>`lower(b.during)`.as('starts_at'),
  sql<Date>`upper(b.during)`.as('ends_at'),
  'a.id as area_id',
  'a.code as area_code',
  'a.name_zh as area_name_zh',
  'a.name_en as area_name_en',
  'a.path as area_path',
] as const

type BookingRow = {
  id: number
  facility_id: number
  facility_name: string
  facility_kind: string
  facility_address: string
  booked_by: number
  purpose: string
  attendees: number
  status: string
  cancelled_by: number | null
  cancelled_at: Date | null
  cancel_reason: string | null
  created_at: Date
  starts_at: Date
  ends_at: Date
  area_id: number
  area_code: string
  area_name_zh: string
  area_name_en: string
  area_path: string
}

const mayCancel = (b: BookingRow, ctx: RequestContext, now: Date) =>
  b.status === 'booked' &&
  ((b.booked_by === ctx.actor?.userId && now < new Date(b.starts_at)) ||
    (isServicesStaff(ctx.actor, b.area_path) && now < new Date(b.ends_at)))

function presentBooking(b: BookingRow, ctx: RequestContext, names: Map<number, string>, now: Date): BookingView {
  const mine = b.booked_by === ctx.actor?.userId
  return {
    id: b.id,
    facility: {
      id: b.facility_id,
      name: b.facility_name,
      kind: b.facility_kind as BookingView['facility']['kind'],
      address: b.facility_address,
    },
    area: areaRef(b),
    startsAt: new Date(b.starts_at).toISOString(),
    endsAt: new Date(b.ends_at).toISOString(),
    purpose: b.purpose,
    attendees: b.attendees,
    status: b.status as BookingView['status'],
    bookedBy: { id: b.booked_by, name: mine ? (ctx.actor?.displayName ?? null) : (names.get(b.booked_by) ?? null) },
    mine,
    cancelledAt: b.cancelled_at ? b.cancelled_at.toISOString() : null,
    cancelledBy: b.cancelled_by === null ? null : (names.get(b.cancelled_by) ?? null),
    cancelReason: b.cancel_reason,
    mayCancel: mayCancel(b, ctx, now),
    createdAt: b.created_at.toISOString(),
  }
}

const namesFor = (tx: Tx, rows: BookingRow[]) =>
  displayNames(
    tx,
    rows.flatMap((b) => (b.cancelled_by === null ? [b.booked_by] : [b.booked_by, b.cancelled_by])),
  )

export async function listBookings(tx: Tx, ctx: RequestContext, q: BookingFilter, now: Date) {
  const actor = requireActor(ctx)
  // Row-level security keeps this to the caller's own bookings and, for staff, their areas'.
  let base = bookingBase(tx)
  if (q.mine || pathsWith(actor).length === 0) base = base.where('b.booked_by', '=', actor.userId)
  if (q.facilityId !== undefined) base = base.where('b.facility_id', '=', q.facilityId)
  if (q.status) base = base.where('b.status', '=', q.status)
  if (q.date !== undefined) {
    const day = dayNear(q.date, now, 'date')
    base = base
      .where(sql<boolean>`lower(b.during) >= ${day.toJSDate()}::timestamptz`)
      .where(sql<boolean>`lower(b.during) < ${day.plus({ days: 1 }).toJSDate()}::timestamptz`)
  }
  if (q.when === 'upcoming') base = base.where(sql<boolean>`upper(b.during) > ${now}::timestamptz`)
  if (q.when === 'past') base = base.where(sql<boolean>`upper(b.during) <= ${now}::timestamptz`)
  const ascending = q.date !== undefined || q.when === 'upcoming'
  const [rows, count] = await Promise.all([
    base
      .select(bookingColumns)
      .orderBy(sql`lower(b.during)`, ascending ? 'asc' : 'desc')
      .orderBy('b.id', ascending ? 'asc' : 'desc')
      .limit(q.pageSize)
      .offset(offsetOf(q))
      .execute(),
    tx
      .selectFrom(base.select('b.id').limit(countLimitOf(q)).as('x'))
      .select(sql<number>`count(*)::int`.as('n'))
      .executeTakeFirstOrThrow(),
  ])
  const names = await namesFor(tx, rows)
  return paginate(
    q,
    rows.map((b) => presentBooking(b, ctx, names, now)),
    count.n,
  )
}

async function loadBooking(tx: Tx, bookingId: number): Promise<BookingRow> {
  const b = await bookingBase(tx).select(bookingColumns).where('b.id', '=', bookingId).executeTakeFirst()
  if (!b) throw notFound('BOOKING_NOT_FOUND', `booking ${bookingId}`)
  return b
}

export async function bookingDetail(tx: Tx, ctx: RequestContext, bookingId: number, now: Date): Promise<BookingView> {
  requireActor(ctx)
  const b = await loadBooking(tx, bookingId)
  return presentBooking(b, ctx, await namesFor(tx, [b]), now)
}

export async function cancelBooking(
  tx: Tx,
  ctx: RequestContext,
  bookingId: number,
  input: CancelInput,
  now: Date,
): Promise<BookingView> {
  const actor = requireActor(ctx)
  const b = await loadBooking(tx, bookingId)
  const mine = b.booked_by === actor.userId
  const staff = isServicesStaff(actor, b.area_path)
  if (b.status !== 'booked') throw new AppError('CONFLICT', 'the booking is already cancelled')
  if (mine && now < new Date(b.starts_at)) {
    // The booker, before it starts: no reason needed.
  } else if (staff) {
    if (now >= new Date(b.ends_at)) throw new AppError('CONFLICT', 'the booking has already ended')
    if (!mine && !input.reason?.trim())
      throw new AppError('VALIDATION_FAILED', 'staff give the booker a reason for cancelling', 'reason')
  } else if (mine) {
    throw new AppError('CONFLICT', 'the booking has begun: ask the community office')
  } else {
    throw new AppError('FORBIDDEN', 'only the booker or the area’s service staff cancel a booking')
  }
  const done = await tx
    .updateTable('facility_booking')
    .set({ status: 'cancelled', cancelled_by: actor.userId, cancelled_at: now, cancel_reason: input.reason ?? null })
    .where('id', '=', bookingId)
    .where('status', '=', 'booked')
    .returning('id')
    .executeTakeFirst()
  if (!done) throw new AppError('CONFLICT', 'the booking is already cancelled')
  if (staff && !mine) {
    await recordAudit(tx, ctx, {
      action: 'facility_booking.cancel',
      entityType: 'facility_booking',
      entityId: bookingId,
      areaId: b.area_id,
      detail: { reason: input.reason ?? null, bookedBy: b.booked_by },
    })
    await notify(tx, [b.booked_by], {
      kind: 'booking_cancelled',
      caseId: null,
      params: {
        bookingId,
        facility: b.facility_name,
        startsAt: new Date(b.starts_at).toISOString(),
        reason: input.reason ?? '',
      },
      at: now,
    })
  }
  return bookingDetail(tx, ctx, bookingId, now)
}
