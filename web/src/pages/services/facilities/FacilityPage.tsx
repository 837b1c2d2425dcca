import { useMutation, useQuery } from '@tanstack/react-query'
import { useMemo, useRef, useState } from 'react'
import { useTranslation } from 'react-i18next'
import { ErrorBanner } from '../../../components/ErrorBanner'
import { QueryStatus } from '../../../components/QueryStatus'
import { localName } from '../../../i18n'
import { routes } from '../../../router'
import {
  addDays,
  beijingToday,
  bookingsChanged,
  bookingSpan,
  dayLabel,
  type Facility,
  facilityApi,
  facilityQueries,
  type Slot,
} from './api'
import { DayBookings } from './Bookings'
import { OpeningHours } from './Nav'

const WEEK = 7

/** A facility: its details, a day picker, the day's slots (free or busy) and the booking form. */
export function FacilityPage({ id }: { id: number }) {
  const { t, i18n } = useTranslation()
  const facility = useQuery(facilityQueries.detail(id))
  const f = facility.data
  return (
    <div className="facility-page" data-testid="facility-page">
      <p>
        <a href={routes.services('facilities')}>{t('services.facilities.back')}</a>
      </p>
      <QueryStatus query={facility} />
      {f && (
        <>
          <header className="facility-header">
            <h2 data-testid="facility-name">{f.name}</h2>
            <p className="muted facility-card-meta">
              <span>{t(`services.facilities.kinds.${f.kind}`)}</span>
              <span>{f.address}</span>
              <span>{localName(f.area, i18n.language)}</span>
              <span>{t('services.facilities.capacity', { n: f.capacity })}</span>
            </p>
            {f.description && <p className="facility-description">{f.description}</p>}
            {f.canManage && (
              <a className="btn" href={routes.services('facilities', f.id, 'edit')} data-testid="facility-edit">
                {t('services.facilities.editor.edit')}
              </a>
            )}
          </header>
          <section className="facility-section" aria-labelledby="facility-hours-title">
            <h3 id="facility-hours-title">{t('services.facilities.hours.title')}</h3>
            <OpeningHours hours={f.openingHours} />
            <p className="muted">
              {t('services.facilities.rules', {
                slot: f.slotMinutes,
                max: f.maxSlots,
                days: f.bookDaysAhead,
              })}
            </p>
          </section>
          <Booker facility={f} />
        </>
      )}
    </div>
  )
}

interface Selection {
  day: string
  from: number
  to: number
}

function Booker({ facility: f }: { facility: Facility }) {
  const { t, i18n } = useTranslation()
  const today = beijingToday()
  const [weekStart, setWeekStart] = useState(today)
  const [day, setDay] = useState(today)
  const [selection, setSelection] = useState<Selection | null>(null)
  const [purpose, setPurpose] = useState('')
  const [attendees, setAttendees] = useState('')
  const [done, setDone] = useState<string | null>(null)
  const key = useRef(crypto.randomUUID())
  const availability = useQuery(facilityQueries.availability(f.id, weekStart, WEEK))
  const days = availability.data?.days ?? []
  const slots = useMemo(() => days.find((d) => d.date === day)?.slots ?? [], [days, day])
  const lastDay = addDays(today, f.bookDaysAhead)

  const book = useMutation({
    mutationFn: () => {
      const s = slots[selection!.from]!
      const e = slots[selection!.to]!
      return facilityApi.book(
        f.id,
        { startsAt: s.startsAt, endsAt: e.endsAt, purpose: purpose.trim(), attendees: Number(attendees) },
        key.current,
      )
    },
    onSuccess: (b) => {
      key.current = crypto.randomUUID()
      setDone(bookingSpan(b.startsAt, b.endsAt, i18n.language))
      setSelection(null)
      setPurpose('')
      setAttendees('')
      void bookingsChanged()
    },
    onError: (err) => {
      key.current = crypto.randomUUID()
      // Taken meanwhile: the slots refresh and the choice is made again.
      if ((err as { code?: string }).code === 'BOOKING_OVERLAP') setSelection(null)
      void bookingsChanged()
    },
  })

  const choose = (index: number) => {
    setDone(null)
    book.reset()
    const slot = slots[index]!
    if (!slot.bookable) return
    if (selection && selection.day === day && index >= selection.from && index <= selection.to) {
      // Clicking inside the selection shortens it to end there (or clears a single slot).
      setSelection(index === selection.from && index === selection.to ? null : { ...selection, to: index })
      return
    }
    if (
      selection &&
      selection.day === day &&
      index > selection.to &&
      extendable(slots, selection.from, index, f.maxSlots)
    ) {
      setSelection({ ...selection, to: index })
      return
    }
    setSelection({ day, from: index, to: index })
  }

  const selected = selection && selection.day === day ? selection : null
  const count = selected ? selected.to - selected.from + 1 : 0
  const ready = selected && purpose.trim().length >= 2 && Number(attendees) >= 1

  const moveWeek = (n: number) => {
    const next = addDays(weekStart, n * WEEK)
    setWeekStart(next)
    setDay(next)
    setSelection(null)
  }

  return (
    <section className="facility-section" aria-labelledby="facility-book-title">
      <h3 id="facility-book-title">{t('services.facilities.book.title')}</h3>
      {f.status === 'closed' && <p className="facility-note">{t('services.facilities.book.closed')}</p>}
      {f.status === 'open' && !f.mayBook && <p className="facility-note">{t('services.facilities.book.staffOnly')}</p>}
      <div className="facility-week">
        <button
          type="button"
          className="btn btn-small"
          onClick={() => moveWeek(-1)}
          disabled={weekStart <= today}
          data-testid="facility-week-prev"
        >
          {t('services.facilities.book.prevWeek')}
        </button>
        <button
          type="button"
          className="btn btn-small"
          onClick={() => moveWeek(1)}
          disabled={addDays(weekStart, WEEK) > lastDay}
          data-testid="facility-week-next"
        >
          {t('services.facilities.book.nextWeek')}
        </button>
      </div>
      <fieldset className="facility-days plain-fieldset">
        <legend className="visually-hidden">{t('services.facilities.book.day')}</legend>
        {Array.from({ length: WEEK }, (_, i) => addDays(weekStart, i)).map((d) => (
          <button
            key={d}
            type="button"
            className={`queue-tab${d === day ? ' active' : ''}`}
            aria-pressed={d === day}
            onClick={() => setDay(d)}
            data-testid={`facility-day-${d}`}
          >
            {d === today ? t('services.facilities.book.today') : dayLabel(d, i18n.language)}
          </button>
        ))}
      </fieldset>
      <QueryStatus query={availability} />
      {availability.data && slots.length === 0 && (
        <p className="muted" data-testid="facility-no-slots">
          {t('services.facilities.book.noSlots')}
        </p>
      )}
      {slots.length > 0 && (
        <>
          <p className="muted" id="facility-slot-help">
            {t('services.facilities.book.help', { max: f.maxSlots })}
          </p>
          <ul
            className="facility-slots"
            aria-label={t('services.facilities.book.slots', { day: dayLabel(day, i18n.language) })}
          >
            {slots.map((s, i) => (
              <li key={s.startsAt}>
                <SlotButton
                  slot={s}
                  selected={!!selected && i >= selected.from && i <= selected.to}
                  staff={f.canManage}
                  onClick={() => choose(i)}
                />
              </li>
            ))}
          </ul>
        </>
      )}
      {f.mayBook && (
        <form
          className="facility-form"
          onSubmit={(e) => {
            e.preventDefault()
            if (ready) book.mutate()
          }}
          data-testid="booking-form"
        >
          <p aria-live="polite" data-testid="booking-selection">
            {selected
              ? t('services.facilities.book.selected', {
                  span: bookingSpan(slots[selected.from]!.startsAt, slots[selected.to]!.endsAt, i18n.language),
                  n: count,
                })
              : t('services.facilities.book.selectSlots')}
          </p>
          <label className="field">
            <span>{t('services.facilities.book.purpose')}</span>
            <input
              value={purpose}
              onChange={(e) => setPurpose(e.target.value)}
              minLength={2}
              maxLength={200}
              required
              data-testid="booking-purpose"
            />
          </label>
          <label className="field">
            <span>{t('services.facilities.book.attendees', { max: f.capacity })}</span>
            <input
              type="number"
              inputMode="numeric"
              min={1}
              max={f.capacity}
              value={attendees}
              onChange={(e) => setAttendees(e.target.value)}
              required
              data-testid="booking-attendees"
            />
          </label>
          <ErrorBanner error={book.error} testId="booking-error" />
          {done && (
            <p className="facility-done" role="status" data-testid="booking-done">
              {t('services.facilities.book.done', { span: done })}{' '}
              <a href={routes.services('facilities', 'mine')}>{t('services.facilities.nav.mine')}</a>
            </p>
          )}
          <button
            type="submit"
            className="btn btn-primary"
            disabled={!ready || book.isPending}
            data-testid="booking-submit"
          >
            {t('services.facilities.book.submit')}
          </button>
        </form>
      )}
      {f.canManage && <DayBookings facilityId={f.id} day={day} />}
    </section>
  )
}

/** Slots from..to are bookable, back to back, and no more than `max`. */
function extendable(slots: Slot[], from: number, to: number, max: number): boolean {
  if (to - from + 1 > max) return false
  for (let i = from; i <= to; i++) {
    if (!slots[i]!.bookable) return false
    if (i > from && slots[i - 1]!.endsAt !== slots[i]!.startsAt) return false
  }
  return true
}

function SlotButton({
  slot: s,
  selected,
  staff,
  onClick,
}: {
  slot: Slot
  selected: boolean
  staff: boolean
  onClick: () => void
}) {
  const { t } = useTranslation()
  const state = s.mine ? 'mine' : s.state === 'busy' ? 'busy' : s.bookable ? 'free' : 'past'
  return (
    <button
      type="button"
      className={`facility-slot facility-slot-${state}${selected ? ' selected' : ''}`}
      aria-pressed={s.bookable ? selected : undefined}
      aria-disabled={!s.bookable}
      onClick={onClick}
      data-testid="facility-slot"
      data-start={s.start}
      data-state={state}
    >
      <span className="facility-slot-time">
        {s.start}–{s.end}
      </span>
      <span className="facility-slot-state">{t(`services.facilities.slot.${state}`)}</span>
      {staff && s.booking?.bookedBy && <span className="facility-slot-who">{s.booking.bookedBy}</span>}
    </button>
  )
}
