import { useMutation, useQuery } from '@tanstack/react-query'
import { useState } from 'react'
import { useTranslation } from 'react-i18next'
import { newIdempotencyKey } from '../../../caseUtils'
import { QueryStatus } from '../../../components/QueryStatus'
import { hasRole } from '../../../modules'
import { RESPONDER_ROLES, type PanelProps } from '../section'
import { responseApi, responseChanged, responseQueries, type IncidentShelter } from './api'
import { Problem, Required, when } from './common'
import './response.css'

/** Occupancy as a bar: how full, with the numbers in words for screen readers. */
export function OccupancyBar({ occupancy, capacity }: { occupancy: number; capacity: number }) {
  const { t } = useTranslation()
  const pct = Math.min(100, Math.round((occupancy / capacity) * 100))
  const level = pct >= 90 ? 'full' : pct >= 70 ? 'high' : 'ok'
  return (
    <div className="response-occupancy" data-testid="occupancy" data-occupancy={occupancy}>
      <div
        className="response-bar"
        role="progressbar"
        aria-valuemin={0}
        aria-valuemax={capacity}
        aria-valuenow={occupancy}
        aria-label={t('emergency.response.shelters.occupancy')}
      >
        <div className={`response-bar-fill response-bar-${level}`} style={{ width: `${pct}%` }} />
      </div>
      <span>{t('emergency.response.shelters.of', { occupancy, capacity })}</span>
    </div>
  )
}

/** The command view's shelters: occupancy, open/close, check-in and who is in, check-out. */
export function SheltersPanel({ incidentId, active, user }: PanelProps) {
  const { t, i18n } = useTranslation()
  const list = useQuery(responseQueries.incidentShelters(incidentId))
  const [error, setError] = useState<unknown>(null)
  const status = useMutation({
    mutationFn: ({ id, to }: { id: number; to: 'open' | 'standby' | 'closed' }) => responseApi.shelterStatus(id, to),
    onSuccess: () => {
      setError(null)
      void responseChanged()
    },
    onError: setError,
  })
  const out = useMutation({
    mutationFn: ({ shelterId, checkinId }: { shelterId: number; checkinId: number }) =>
      responseApi.checkOut(incidentId, shelterId, checkinId),
    onSuccess: () => {
      setError(null)
      void responseChanged()
    },
    onError: setError,
  })
  const shelters = list.data?.items ?? []
  const open = shelters.filter((s) => s.status === 'open')
  return (
    <section className="response-panel" aria-labelledby="shelters-panel-title" data-testid="shelters-panel">
      <h2 id="shelters-panel-title">{t('emergency.response.shelters.title')}</h2>
      <QueryStatus query={list} />
      {list.data && shelters.length === 0 && <p className="muted">{t('emergency.response.shelters.none')}</p>}
      <Problem error={error} testId="shelter-error" />
      <ul className="card-list">
        {shelters.map((s) => (
          <li
            key={s.id}
            className="card response-shelter"
            data-testid="shelter-card"
            data-id={s.id}
            data-status={s.status}
          >
            <div className="response-task-head">
              <strong>{s.name}</strong>
              <span className={`chip response-shelter-${s.status}`}>
                {t(`emergency.response.shelters.status.${s.status}`)}
              </span>
            </div>
            <p className="muted">
              {s.address}
              {s.facilities.length > 0 &&
                ` · ${s.facilities.map((f) => t(`emergency.response.facilities.${f}`)).join('、')}`}
            </p>
            <OccupancyBar occupancy={s.occupancy} capacity={s.capacity} />
            {s.canManage && active && (
              <div className="response-buttons">
                {s.status !== 'open' ? (
                  <button
                    type="button"
                    className="btn"
                    disabled={status.isPending}
                    onClick={() => status.mutate({ id: s.id, to: 'open' })}
                    data-testid="shelter-open"
                  >
                    {t('emergency.response.shelters.open')}
                  </button>
                ) : (
                  <button
                    type="button"
                    className="btn"
                    disabled={status.isPending || s.occupancy > 0}
                    onClick={() => status.mutate({ id: s.id, to: 'standby' })}
                    data-testid="shelter-close"
                  >
                    {t('emergency.response.shelters.close')}
                  </button>
                )}
              </div>
            )}
            {s.occupants.length > 0 && (
              <ul className="response-rows" aria-label={t('emergency.response.shelters.whoIsIn', { name: s.name })}>
                {s.occupants.map((o) => (
                  <li key={o.id} data-testid="occupant" data-id={o.id}>
                    <span>
                      <strong>{o.name}</strong>
                      {o.people > 1 && ` ×${o.people}`}
                      <span className="muted">
                        {' · '}
                        {when(o.checkedInAt, i18n.language)}
                        {o.note && ` · ${o.note}`}
                      </span>
                    </span>
                    {active && (
                      <button
                        type="button"
                        className="btn btn-small"
                        disabled={out.isPending}
                        onClick={() => out.mutate({ shelterId: s.id, checkinId: o.id })}
                        aria-label={t('emergency.response.shelters.checkoutWho', { name: o.name })}
                        data-testid="checkout"
                      >
                        {t('emergency.response.shelters.checkout')}
                      </button>
                    )}
                  </li>
                ))}
              </ul>
            )}
          </li>
        ))}
      </ul>
      {active && open.length > 0 && (
        <CheckinForm incidentId={incidentId} shelters={open} registry={hasRole(user, RESPONDER_ROLES)} />
      )}
    </section>
  )
}

function CheckinForm({
  incidentId,
  shelters,
  registry,
}: {
  incidentId: number
  shelters: IncidentShelter[]
  /** The caller searches the registry (staff and grid workers); volunteers type a name. */
  registry: boolean
}) {
  const { t } = useTranslation()
  const [shelter, setShelter] = useState(String(shelters[0]?.id ?? ''))
  const [search, setSearch] = useState('')
  const [person, setPerson] = useState<{ id: number; name: string } | null>(null)
  const [name, setName] = useState('')
  const [people, setPeople] = useState('1')
  const [note, setNote] = useState('')
  const [key, setKey] = useState(newIdempotencyKey)
  const found = useMutation({ mutationFn: () => responseApi.searchPeople(search.trim()) })
  const checkin = useMutation({
    mutationFn: () =>
      responseApi.checkIn(
        incidentId,
        Number(shelter),
        {
          people: Number(people),
          ...(person ? { personId: person.id } : { name: name.trim() }),
          ...(note.trim() ? { note: note.trim() } : {}),
        },
        key,
      ),
    onSuccess: () => {
      setKey(newIdempotencyKey())
      setPerson(null)
      setName('')
      setSearch('')
      setNote('')
      setPeople('1')
      found.reset()
      void responseChanged()
    },
  })
  const ready = !!shelter && Number(people) >= 1 && (person !== null || name.trim().length > 0)
  return (
    <form
      className="card response-form"
      aria-labelledby="checkin-title"
      onSubmit={(e) => {
        e.preventDefault()
        if (ready) checkin.mutate()
      }}
      data-testid="checkin-form"
    >
      <h3 id="checkin-title">{t('emergency.response.shelters.checkin')}</h3>
      <label className="field">
        <span>{t('emergency.response.shelters.shelter')}</span>
        <select value={shelter} onChange={(e) => setShelter(e.target.value)} data-testid="checkin-shelter">
          {shelters.map((s) => (
            <option key={s.id} value={s.id}>
              {s.name} ({s.occupancy}/{s.capacity})
            </option>
          ))}
        </select>
      </label>
      {registry && !person && (
        <div className="response-search">
          <label className="field">
            <span>{t('emergency.response.shelters.search')}</span>
            <input
              value={search}
              maxLength={100}
              onChange={(e) => setSearch(e.target.value)}
              data-testid="checkin-search"
            />
          </label>
          <button
            type="button"
            className="btn"
            disabled={search.trim().length < 1 || found.isPending}
            onClick={() => found.mutate()}
            data-testid="checkin-search-submit"
          >
            {t('emergency.response.shelters.find')}
          </button>
          <Problem error={found.error} />
          {found.data && (
            <ul className="response-rows" aria-label={t('emergency.response.shelters.found')}>
              {found.data.items.length === 0 && <li className="muted">{t('emergency.response.shelters.noneFound')}</li>}
              {found.data.items.map((p) => (
                <li key={p.id}>
                  <span>
                    {p.name} <span className="muted">{p.areaName}</span>
                  </span>
                  <button
                    type="button"
                    className="btn btn-small"
                    onClick={() => setPerson({ id: p.id, name: p.name })}
                    data-testid="checkin-pick"
                  >
                    {t('emergency.response.shelters.pick')}
                  </button>
                </li>
              ))}
            </ul>
          )}
        </div>
      )}
      {person ? (
        <p data-testid="checkin-person">
          {person.name}{' '}
          <button type="button" className="btn btn-small" onClick={() => setPerson(null)}>
            {t('emergency.response.shelters.unpick')}
          </button>
        </p>
      ) : (
        <label className="field">
          <span>
            {t('emergency.response.shelters.name')}
            {!registry && <Required />}
          </span>
          <input value={name} maxLength={100} onChange={(e) => setName(e.target.value)} data-testid="checkin-name" />
        </label>
      )}
      <label className="field">
        <span>{t('emergency.response.shelters.people')}</span>
        <input
          type="number"
          min={1}
          max={50}
          value={people}
          onChange={(e) => setPeople(e.target.value)}
          data-testid="checkin-people"
        />
      </label>
      <label className="field">
        <span>{t('emergency.response.shelters.note')}</span>
        <input value={note} maxLength={500} onChange={(e) => setNote(e.target.value)} data-testid="checkin-note" />
      </label>
      <Problem error={checkin.error} testId="checkin-error" />
      <button
        type="submit"
        className="btn btn-primary"
        disabled={!ready || checkin.isPending}
        data-testid="checkin-submit"
      >
        {t('emergency.response.shelters.checkin')}
      </button>
    </form>
  )
}
