import { useMutation, useQuery } from '@tanstack/react-query'
import { useEffect, useRef, useState } from 'react'
import { useTranslation } from 'react-i18next'
import { AreaSelect } from '../../../components/AreaSelect'
import { ErrorBanner } from '../../../components/ErrorBanner'
import { QueryStatus } from '../../../components/QueryStatus'
import { errorText } from '../../../i18n'
import { navigate, routes } from '../../../router'
import {
  FACILITY_KINDS,
  type Facility,
  facilityApi,
  facilityChanged,
  type FacilityKind,
  facilityQueries,
  type OpeningInterval,
  SLOT_SIZES,
} from './api'

interface Draft {
  areaId: string
  kind: FacilityKind
  name: string
  address: string
  description: string
  capacity: string
  openingHours: OpeningInterval[]
  slotMinutes: (typeof SLOT_SIZES)[number]
  maxSlots: string
  bookDaysAhead: string
  residentsMayBook: boolean
  status: 'open' | 'closed'
}

const WEEKDAYS = [1, 2, 3, 4, 5, 6, 7]

const blank: Draft = {
  areaId: '',
  kind: 'activity_room',
  name: '',
  address: '',
  description: '',
  capacity: '20',
  openingHours: [1, 2, 3, 4, 5].map((weekday) => ({ weekday, opens: '09:00', closes: '17:00' })),
  slotMinutes: 60,
  maxSlots: '4',
  bookDaysAhead: '14',
  residentsMayBook: true,
  status: 'open',
}

const draftOf = (f: Facility): Draft => ({
  areaId: String(f.area.id),
  kind: f.kind,
  name: f.name,
  address: f.address,
  description: f.description ?? '',
  capacity: String(f.capacity),
  openingHours: f.openingHours,
  slotMinutes: (SLOT_SIZES as readonly number[]).includes(f.slotMinutes) ? (f.slotMinutes as Draft['slotMinutes']) : 60,
  maxSlots: String(f.maxSlots),
  bookDaysAhead: String(f.bookDaysAhead),
  residentsMayBook: f.residentsMayBook,
  status: f.status,
})

/** Staff: a new facility, or an existing one's details, opening hours per weekday and rules. */
export function FacilityEditor({ id }: { id?: number }) {
  const { t } = useTranslation()
  const existing = useQuery({ ...facilityQueries.detail(id ?? 0), enabled: id !== undefined })
  const [draft, setDraft] = useState<Draft | null>(id === undefined ? blank : null)
  const key = useRef(crypto.randomUUID())
  useEffect(() => {
    if (existing.data && !draft) setDraft(draftOf(existing.data))
  }, [existing.data, draft])

  const save = useMutation({
    mutationFn: (d: Draft) => {
      const fields = {
        kind: d.kind,
        name: d.name.trim(),
        address: d.address.trim(),
        ...(d.description.trim() ? { description: d.description.trim() } : {}),
        capacity: Number(d.capacity),
        openingHours: d.openingHours,
        slotMinutes: d.slotMinutes,
        maxSlots: Number(d.maxSlots),
        bookDaysAhead: Number(d.bookDaysAhead),
        residentsMayBook: d.residentsMayBook,
        status: d.status,
      }
      return id === undefined
        ? facilityApi.create({ areaId: Number(d.areaId), ...fields }, key.current)
        : facilityApi.update(id, fields)
    },
    onSuccess: (f) => {
      void facilityChanged(f)
      navigate('services', 'facilities', f.id)
    },
  })

  if (id !== undefined && !draft) return <QueryStatus query={existing} />
  if (!draft) return null
  const set = <K extends keyof Draft>(k: K, v: Draft[K]) => setDraft({ ...draft, [k]: v })
  const setHours = (hours: OpeningInterval[]) => set('openingHours', hours)
  const fieldError = (field: string) =>
    save.error && (save.error as { field?: string | null }).field?.startsWith(field) ? errorText(save.error) : null

  return (
    <div className="facility-page" data-testid="facility-editor">
      <p>
        <a href={id === undefined ? routes.services('facilities') : routes.services('facilities', id)}>
          {t('services.facilities.back')}
        </a>
      </p>
      <h2>
        {id === undefined
          ? t('services.facilities.editor.new')
          : t('services.facilities.editor.title', { name: draft.name })}
      </h2>
      <form
        className="facility-form facility-editor"
        onSubmit={(e) => {
          e.preventDefault()
          save.mutate(draft)
        }}
      >
        {id === undefined && (
          <div className="field">
            <label htmlFor="facility-area">{t('services.facilities.editor.area')}</label>
            <AreaSelect
              id="facility-area"
              value={draft.areaId}
              onChange={(v) => set('areaId', v)}
              maxLevel="community"
              required
              testId="facility-area"
            />
          </div>
        )}
        <label className="field">
          <span>{t('services.facilities.editor.name')}</span>
          <input
            value={draft.name}
            onChange={(e) => set('name', e.target.value)}
            maxLength={100}
            required
            data-testid="facility-name-input"
          />
        </label>
        <label className="field">
          <span>{t('services.facilities.editor.kind')}</span>
          <select value={draft.kind} onChange={(e) => set('kind', e.target.value as FacilityKind)}>
            {FACILITY_KINDS.map((k) => (
              <option key={k} value={k}>
                {t(`services.facilities.kinds.${k}`)}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          <span>{t('services.facilities.editor.address')}</span>
          <input value={draft.address} onChange={(e) => set('address', e.target.value)} maxLength={300} required />
        </label>
        <label className="field">
          <span>{t('services.facilities.editor.description')}</span>
          <textarea
            value={draft.description}
            onChange={(e) => set('description', e.target.value)}
            maxLength={2000}
            rows={3}
          />
        </label>
        <div className="facility-grid">
          <label className="field">
            <span>{t('services.facilities.editor.capacity')}</span>
            <input
              type="number"
              min={1}
              max={10000}
              value={draft.capacity}
              onChange={(e) => set('capacity', e.target.value)}
              required
              data-testid="facility-capacity"
            />
          </label>
          <label className="field">
            <span>{t('services.facilities.editor.slotMinutes')}</span>
            <select
              value={draft.slotMinutes}
              onChange={(e) => set('slotMinutes', Number(e.target.value) as Draft['slotMinutes'])}
            >
              {SLOT_SIZES.map((m) => (
                <option key={m} value={m}>
                  {t('services.facilities.editor.minutes', { n: m })}
                </option>
              ))}
            </select>
          </label>
          <label className="field">
            <span>{t('services.facilities.editor.maxSlots')}</span>
            <input
              type="number"
              min={1}
              max={48}
              value={draft.maxSlots}
              onChange={(e) => set('maxSlots', e.target.value)}
              required
            />
          </label>
          <label className="field">
            <span>{t('services.facilities.editor.bookDaysAhead')}</span>
            <input
              type="number"
              min={1}
              max={180}
              value={draft.bookDaysAhead}
              onChange={(e) => set('bookDaysAhead', e.target.value)}
              required
            />
          </label>
          <label className="field">
            <span>{t('services.facilities.editor.status')}</span>
            <select
              value={draft.status}
              onChange={(e) => set('status', e.target.value as Draft['status'])}
              data-testid="facility-status"
            >
              <option value="open">{t('services.facilities.status.open')}</option>
              <option value="closed">{t('services.facilities.status.closed')}</option>
            </select>
          </label>
        </div>
        <label className="facility-check">
          <input
            type="checkbox"
            checked={draft.residentsMayBook}
            onChange={(e) => set('residentsMayBook', e.target.checked)}
            data-testid="facility-residents-may-book"
          />
          <span>{t('services.facilities.editor.residentsMayBook')}</span>
        </label>
        <fieldset className="facility-hours-editor">
          <legend>{t('services.facilities.hours.title')}</legend>
          <p className="muted">{t('services.facilities.editor.hoursHelp')}</p>
          {WEEKDAYS.map((d) => {
            const rows = draft.openingHours.map((h, i) => ({ h, i })).filter(({ h }) => h.weekday === d)
            const dayName = t(`services.facilities.weekdays.${d}`)
            return (
              <div key={d} className="facility-hours-day" data-testid={`hours-day-${d}`}>
                <span className="facility-hours-dayname">{dayName}</span>
                <div className="facility-hours-intervals">
                  {rows.length === 0 && <span className="muted">{t('services.facilities.hours.closedDay')}</span>}
                  {rows.map(({ h, i }) => (
                    <span key={i} className="facility-interval">
                      <input
                        type="time"
                        value={h.opens}
                        aria-label={t('services.facilities.editor.opens', { day: dayName })}
                        onChange={(e) =>
                          setHours(draft.openingHours.map((x, j) => (j === i ? { ...x, opens: e.target.value } : x)))
                        }
                        required
                      />
                      –
                      <input
                        type="time"
                        value={h.closes === '24:00' ? '23:59' : h.closes}
                        aria-label={t('services.facilities.editor.closes', { day: dayName })}
                        onChange={(e) =>
                          setHours(draft.openingHours.map((x, j) => (j === i ? { ...x, closes: e.target.value } : x)))
                        }
                        required
                      />
                      <button
                        type="button"
                        className="btn btn-small"
                        aria-label={t('services.facilities.editor.removeInterval', { day: dayName })}
                        onClick={() => setHours(draft.openingHours.filter((_, j) => j !== i))}
                      >
                        ×
                      </button>
                    </span>
                  ))}
                  <button
                    type="button"
                    className="btn btn-small"
                    onClick={() => setHours([...draft.openingHours, { weekday: d, opens: '09:00', closes: '12:00' }])}
                    data-testid={`hours-add-${d}`}
                  >
                    {t('services.facilities.editor.addInterval')}
                  </button>
                </div>
              </div>
            )
          })}
          <button
            type="button"
            className="btn btn-small"
            onClick={() => {
              const monday = draft.openingHours.filter((h) => h.weekday === 1)
              setHours(WEEKDAYS.flatMap((d) => monday.map((h) => ({ ...h, weekday: d }))))
            }}
          >
            {t('services.facilities.editor.copyMonday')}
          </button>
          {fieldError('openingHours') && (
            <p className="field-error" role="alert">
              {fieldError('openingHours')}
            </p>
          )}
        </fieldset>
        <ErrorBanner error={save.error} testId="facility-save-error" />
        <button type="submit" className="btn btn-primary" disabled={save.isPending} data-testid="facility-save">
          {t('services.facilities.editor.save')}
        </button>
      </form>
    </div>
  )
}
