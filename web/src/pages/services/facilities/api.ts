// Facility booking (src/services/facilities-routes.ts) through the generated client: its types
// picked out of the generated paths, the calls, the query keys (['services', 'facilities', …]) and
// the queries the screens read.
import { queryOptions } from '@tanstack/react-query'
import { call, client } from '../../../api'
import { queryClient } from '../../../api/queries'
import type { ApiBody, ApiQuery, ApiResponse } from '../../../api/schema'

type Item<T> = T extends readonly (infer I)[] ? I : never
const id = (n: number) => ({ path: { id: n } })

export type FacilityFilter = ApiQuery<'/api/v1/facilities'>
export type Facility = ApiResponse<'/api/v1/facilities/{id}'>
export type FacilityKind = Facility['kind']
export type NewFacility = ApiBody<'/api/v1/facilities'>
export type FacilityUpdate = ApiBody<'/api/v1/facilities/{id}', 'put'>
export type OpeningInterval = Item<NewFacility['openingHours']>
export type Availability = ApiResponse<'/api/v1/facilities/{id}/availability'>
export type Day = Item<Availability['days']>
export type Slot = Item<Day['slots']>
export type NewBooking = ApiBody<'/api/v1/facilities/{id}/bookings'>
export type BookingFilter = ApiQuery<'/api/v1/bookings'>
export type Booking = ApiResponse<'/api/v1/bookings/{id}'>

export const FACILITY_KINDS = [
  'activity_room',
  'meeting_room',
  'library',
  'sports',
  'kitchen',
  'clinic_room',
  'other',
] as const satisfies readonly FacilityKind[]
export const SLOT_SIZES = [15, 30, 60, 120] as const

export const facilityApi = {
  list: (q: FacilityFilter, signal?: AbortSignal) =>
    call(client.GET('/api/v1/facilities', { params: { query: q }, signal })),
  detail: (facilityId: number, signal?: AbortSignal) =>
    call(client.GET('/api/v1/facilities/{id}', { params: id(facilityId), signal })),
  /** One Idempotency-Key per filled-in form: a retry after a lost answer adds one facility. */
  create: (body: NewFacility, idempotencyKey: string) =>
    call(client.POST('/api/v1/facilities', { body, params: { header: { 'idempotency-key': idempotencyKey } } })),
  update: (facilityId: number, body: FacilityUpdate) =>
    call(client.PUT('/api/v1/facilities/{id}', { params: id(facilityId), body })),
  availability: (facilityId: number, from: string, days: number, signal?: AbortSignal) =>
    call(
      client.GET('/api/v1/facilities/{id}/availability', {
        params: { ...id(facilityId), query: { from, days } },
        signal,
      }),
    ),
  book: (facilityId: number, body: NewBooking, idempotencyKey: string) =>
    call(
      client.POST('/api/v1/facilities/{id}/bookings', {
        params: { ...id(facilityId), header: { 'idempotency-key': idempotencyKey } },
        body,
      }),
    ),
  bookings: (q: BookingFilter, signal?: AbortSignal) =>
    call(client.GET('/api/v1/bookings', { params: { query: q }, signal })),
  cancel: (bookingId: number, reason?: string) =>
    call(client.POST('/api/v1/bookings/{id}/cancel', { params: id(bookingId), body: reason ? { reason } : {} })),
}

export const facilityKeys = {
  all: ['services', 'facilities'] as const,
  list: (q: FacilityFilter) => ['services', 'facilities', 'list', q] as const,
  detail: (facilityId: number) => ['services', 'facilities', 'detail', facilityId] as const,
  availability: (facilityId: number, from: string, days: number) =>
    ['services', 'facilities', 'availability', facilityId, from, days] as const,
  bookings: (q: BookingFilter) => ['services', 'facilities', 'bookings', q] as const,
}

export const facilityQueries = {
  list: (q: FacilityFilter) =>
    queryOptions({ queryKey: facilityKeys.list(q), queryFn: ({ signal }) => facilityApi.list(q, signal) }),
  detail: (facilityId: number) =>
    queryOptions({
      queryKey: facilityKeys.detail(facilityId),
      queryFn: ({ signal }) => facilityApi.detail(facilityId, signal),
    }),
  availability: (facilityId: number, from: string, days: number) =>
    queryOptions({
      queryKey: facilityKeys.availability(facilityId, from, days),
      queryFn: ({ signal }) => facilityApi.availability(facilityId, from, days, signal),
    }),
  bookings: (q: BookingFilter) =>
    queryOptions({ queryKey: facilityKeys.bookings(q), queryFn: ({ signal }) => facilityApi.bookings(q, signal) }),
}

/** Bookings changed (made or cancelled): slots and booking lists refresh. */
export const bookingsChanged = () =>
  Promise.all([
    queryClient.invalidateQueries({ queryKey: ['services', 'facilities', 'availability'] }),
    queryClient.invalidateQueries({ queryKey: ['services', 'facilities', 'bookings'] }),
  ])

/** A facility changed: its page at once, lists and slots refreshed. */
export function facilityChanged(f: Facility): Promise<void> {
  queryClient.setQueryData(facilityKeys.detail(f.id), f)
  return queryClient.invalidateQueries({
    queryKey: facilityKeys.all,
    predicate: (q) => !(q.queryKey[2] === 'detail' && q.queryKey[3] === f.id),
  })
}

const ZONE = 'Asia/Shanghai'

/** Today in Beijing, YYYY-MM-DD. */
export function beijingToday(now = new Date()): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: ZONE, year: 'numeric', month: '2-digit', day: '2-digit' }).format(
    now,
  )
}

/** A calendar day `n` days after `day` (YYYY-MM-DD). */
export function addDays(day: string, n: number): string {
  const d = new Date(`${day}T00:00:00Z`)
  d.setUTCDate(d.getUTCDate() + n)
  return d.toISOString().slice(0, 10)
}

/** A day as "3月2日 周二" / "Tue, Mar 2". */
export function dayLabel(day: string, lng: string): string {
  return new Intl.DateTimeFormat(lng, { timeZone: 'UTC', month: 'short', day: 'numeric', weekday: 'short' }).format(
    new Date(`${day}T00:00:00Z`),
  )
}

/** A booking's time in Beijing: "3月2日周二 15:00–16:00". */
export function bookingSpan(startsAt: string, endsAt: string, lng: string): string {
  const day = new Intl.DateTimeFormat(lng, { timeZone: ZONE, month: 'short', day: 'numeric', weekday: 'short' })
  const time = new Intl.DateTimeFormat(lng, { timeZone: ZONE, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' })
  return `${day.format(new Date(startsAt))} ${time.format(new Date(startsAt))}–${time.format(new Date(endsAt))}`
}
