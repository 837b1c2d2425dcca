import { keepPreviousData, useMutation, useQuery } from '@tanstack/react-query'
import { useState } from 'react'
import { useTranslation } from 'react-i18next'
import { ErrorBanner } from '../../../components/ErrorBanner'
import { Pager } from '../../../components/Pager'
import { QueryStatus } from '../../../components/QueryStatus'
import { routes } from '../../../router'
import {
  addDays,
  beijingToday,
  type Booking,
  type BookingFilter,
  bookingsChanged,
  bookingSpan,
  dayLabel,
  facilityApi,
  facilityQueries,
} from './api'
import { FacilityNav } from './Nav'

const PAGE_SIZE = 20
type When = 'upcoming' | 'past'

/** The caller's own bookings, upcoming (soonest first) or past, each cancellable before it starts. */
export function MyBookings({ staff }: { staff: boolean }) {
  const { t } = useTranslation()
  const [when, setWhen] = useState<When>('upcoming')
  const [page, setPage] = useState(1)
  return (
    <div className="facility-page" data-testid="my-bookings">
      <FacilityNav current="mine" staff={staff} />
      <fieldset className="queue-tabs plain-fieldset">
        <legend className="visually-hidden">{t('services.facilities.mine.when')}</legend>
        {(['upcoming', 'past'] as const).map((w) => (
          <button
            key={w}
            type="button"
            className={`queue-tab${w === when ? ' active' : ''}`}
            aria-pressed={w === when}
            onClick={() => {
              setWhen(w)
              setPage(1)
            }}
            data-testid={`bookings-when-${w}`}
          >
            {t(`services.facilities.mine.${w}`)}
          </button>
        ))}
      </fieldset>
      <BookingList
        query={{ mine: true, when, page, pageSize: PAGE_SIZE }}
        empty={t(`services.facilities.mine.empty.${when}`)}
        onPage={setPage}
        showFacility
      />
    </div>
  )
}

/** Staff: every booking of their areas on one day, with who booked; cancel with a reason. */
export function StaffDay() {
  const { t, i18n } = useTranslation()
  const today = beijingToday()
  const [day, setDay] = useState(today)
  const [page, setPage] = useState(1)
  return (
    <div className="facility-page" data-testid="staff-day">
      <FacilityNav current="day" staff />
      <div className="facility-toolbar">
        <button
          type="button"
          className="btn btn-small"
          onClick={() => setDay(addDays(day, -1))}
          aria-label={t('services.facilities.day.prev')}
        >
          ‹
        </button>
        <label className="facility-filter">
          <span>{t('services.facilities.day.date')}</span>
          <input
            type="date"
            value={day}
            onChange={(e) => {
              if (e.target.value) setDay(e.target.value)
              setPage(1)
            }}
            data-testid="staff-day-date"
          />
        </label>
        <button
          type="button"
          className="btn btn-small"
          onClick={() => setDay(addDays(day, 1))}
          aria-label={t('services.facilities.day.next')}
        >
          ›
        </button>
      </div>
      <h2 className="facility-day-title">{dayLabel(day, i18n.language)}</h2>
      <BookingList
        query={{ date: day, page, pageSize: PAGE_SIZE }}
        empty={t('services.facilities.day.empty')}
        onPage={setPage}
        showFacility
      />
    </div>
  )
}

/** Staff, on a facility's page: the chosen day's bookings of that facility. */
export function DayBookings({ facilityId, day }: { facilityId: number; day: string }) {
  const { t, i18n } = useTranslation()
  const [page, setPage] = useState(1)
  return (
    <section className="facility-section" aria-labelledby="facility-day-bookings" data-testid="facility-day-bookings">
      <h3 id="facility-day-bookings">{t('services.facilities.day.title', { day: dayLabel(day, i18n.language) })}</h3>
      <BookingList
        query={{ facilityId, date: day, page, pageSize: PAGE_SIZE }}
        empty={t('services.facilities.day.empty')}
        onPage={setPage}
        showFacility={false}
      />
    </section>
  )
}

function BookingList({
  query,
  empty,
  onPage,
  showFacility,
}: {
  query: BookingFilter
  empty: string
  onPage: (page: number) => void
  showFacility: boolean
}) {
  const list = useQuery({ ...facilityQueries.bookings(query), placeholderData: keepPreviousData })
  const data = list.data
  return (
    <>
      <QueryStatus query={list} />
      {data && data.items.length === 0 && (
        <p className="muted empty" data-testid="bookings-empty">
          {empty}
        </p>
      )}
      {data && data.items.length > 0 && (
        <ul className="card-list facility-bookings">
          {data.items.map((b) => (
            <BookingItem key={b.id} booking={b} showFacility={showFacility} />
          ))}
        </ul>
      )}
      {data && <Pager page={data.page} pageSize={data.pageSize} total={data.total} onPage={onPage} />}
    </>
  )
}

function BookingItem({ booking: b, showFacility }: { booking: Booking; showFacility: boolean }) {
  const { t, i18n } = useTranslation()
  const [open, setOpen] = useState(false)
  const [reason, setReason] = useState('')
  // Staff cancelling someone else's booking give the reason the booker reads.
  const needsReason = !b.mine
  const cancel = useMutation({
    mutationFn: () => facilityApi.cancel(b.id, reason.trim() || undefined),
    onSuccess: () => {
      setOpen(false)
      void bookingsChanged()
    },
  })
  return (
    <li className="card facility-booking" data-testid="booking-card" data-id={b.id} data-status={b.status}>
      <div className="facility-card-head">
        <span className={`badge${b.status === 'cancelled' ? ' badge-muted' : ''}`}>
          {t(`services.facilities.bookingStatus.${b.status}`)}
        </span>
        <time dateTime={b.startsAt} className="facility-booking-time">
          {bookingSpan(b.startsAt, b.endsAt, i18n.language)}
        </time>
      </div>
      {showFacility && (
        <p className="facility-booking-facility">
          <a href={routes.services('facilities', b.facility.id)}>{b.facility.name}</a>
          <span className="muted"> · {b.facility.address}</span>
        </p>
      )}
      <p>
        {b.purpose} · {t('services.facilities.people', { n: b.attendees })}
      </p>
      {!b.mine && b.bookedBy.name && (
        <p className="muted" data-testid="booking-who">
          {t('services.facilities.bookedBy', { name: b.bookedBy.name })}
        </p>
      )}
      {b.status === 'cancelled' && (
        <p className="muted" data-testid="booking-cancelled">
          {b.cancelReason
            ? t('services.facilities.cancel.reasonShown', { reason: b.cancelReason })
            : t('services.facilities.cancel.byBooker')}
        </p>
      )}
      {b.mayCancel && !open && (
        <button type="button" className="btn btn-small" onClick={() => setOpen(true)} data-testid="booking-cancel">
          {t('services.facilities.cancel.action')}
        </button>
      )}
      {open && (
        <form
          className="facility-cancel"
          onSubmit={(e) => {
            e.preventDefault()
            cancel.mutate()
          }}
        >
          {needsReason ? (
            <label className="field">
              <span>{t('services.facilities.cancel.reason')}</span>
              <textarea
                value={reason}
                onChange={(e) => setReason(e.target.value)}
                maxLength={500}
                required
                rows={2}
                data-testid="booking-cancel-reason"
              />
            </label>
          ) : (
            <p>{t('services.facilities.cancel.confirm')}</p>
          )}
          <ErrorBanner error={cancel.error} />
          <div className="facility-actions">
            <button
              type="submit"
              className="btn btn-danger btn-small"
              disabled={cancel.isPending || (needsReason && !reason.trim())}
              data-testid="booking-cancel-confirm"
            >
              {t('services.facilities.cancel.confirmAction')}
            </button>
            <button type="button" className="btn btn-small" onClick={() => setOpen(false)}>
              {t('services.facilities.cancel.keep')}
            </button>
          </div>
        </form>
      )}
    </li>
  )
}
