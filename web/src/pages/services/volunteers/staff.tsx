import { useMutation, useQuery } from '@tanstack/react-query'
import { type FormEvent, useState } from 'react'
import { useTranslation } from 'react-i18next'
import { ErrorBanner } from '../../../components/ErrorBanner'
import { Pager } from '../../../components/Pager'
import { QueryStatus } from '../../../components/QueryStatus'
import { routes } from '../../../router'
import {
  CARE_TAGS,
  type CareTag,
  invalidateVolunteers,
  peopleApi,
  type Skill,
  SKILLS,
  volunteerApi,
  volunteerQueries,
} from './api'
import { Assignments, HoursTable, newKey } from './index'

/** Volunteers of the caller's areas, by skill and name (volunteer staff). */
export function VolunteerList() {
  const { t } = useTranslation()
  const [skill, setSkill] = useState<Skill | ''>('')
  const [q, setQ] = useState('')
  const [page, setPage] = useState(1)
  const list = useQuery(
    volunteerQueries.list({ page, pageSize: 20, ...(skill ? { skill } : {}), ...(q.trim() ? { q: q.trim() } : {}) }),
  )
  return (
    <div className="vol-list" data-testid="vol-list">
      <a href={routes.services('volunteers')} className="back-link">
        {t('services.volunteers.back')}
      </a>
      <h2>{t('services.volunteers.list.title')}</h2>
      <div className="vol-filters">
        <label>
          {t('services.volunteers.fields.skills')}
          <select
            value={skill}
            onChange={(e) => {
              setSkill(e.target.value as Skill | '')
              setPage(1)
            }}
            data-testid="vol-skill-filter"
          >
            <option value="">{t('services.volunteers.all')}</option>
            {SKILLS.map((s) => (
              <option key={s} value={s}>
                {t(`services.volunteers.skills.${s}`)}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t('services.volunteers.list.search')}
          <input
            value={q}
            maxLength={50}
            onChange={(e) => {
              setQ(e.target.value)
              setPage(1)
            }}
            data-testid="vol-search"
          />
        </label>
      </div>
      <QueryStatus query={list} />
      {list.data && list.data.items.length === 0 && <p className="muted">{t('services.volunteers.list.empty')}</p>}
      <ul className="card-list">
        {list.data?.items.map((v) => (
          <li key={v.id} className="card vol-card" data-testid="vol-row">
            <a href={routes.services('volunteers', 'v', v.id)} className="vol-card-title">
              {v.name}
            </a>
            <span className="chip">{t(`services.volunteers.volunteerStates.${v.status}`)}</span>
            <p className="muted">
              {v.areaName} · {t('services.volunteers.list.hours', { total: v.hoursTotal, balance: v.balance })}
            </p>
            <p className="muted">{v.skills.map((s) => t(`services.volunteers.skills.${s}`)).join('、')}</p>
          </li>
        ))}
      </ul>
      {list.data && (
        <Pager page={list.data.page} pageSize={list.data.pageSize} total={list.data.total} onPage={setPage} />
      )}
    </div>
  )
}

/** A volunteer for staff: facts, hours with adjustments, care-visit assignments. */
export function VolunteerPage({ volunteerId }: { volunteerId: number }) {
  const { t, i18n } = useTranslation()
  const v = useQuery(volunteerQueries.detail(volunteerId))
  const [page, setPage] = useState(1)
  const hours = useQuery(volunteerQueries.hours(volunteerId, page))
  const assignments = useQuery(volunteerQueries.assignments(volunteerId))
  const d = v.data
  return (
    <div className="vol-page" data-testid="vol-page">
      <a href={routes.services('volunteers', 'list')} className="back-link">
        {t('services.volunteers.back')}
      </a>
      <QueryStatus query={v} />
      {d && (
        <>
          <h2>{d.name}</h2>
          <dl className="vol-facts">
            <dt>{t('services.volunteers.fields.idMasked')}</dt>
            <dd>{d.idMasked}</dd>
            <dt>{t('services.volunteers.fields.area')}</dt>
            <dd>{d.areaName}</dd>
            <dt>{t('services.volunteers.fields.skills')}</dt>
            <dd>{d.skills.map((s) => t(`services.volunteers.skills.${s}`)).join('、') || '—'}</dd>
            <dt>{t('services.volunteers.fields.availability')}</dt>
            <dd>
              {d.availability
                .map((s) => `${t(`services.volunteers.weekdays.${s.weekday}`)} ${s.from}–${s.to}`)
                .join('；') || '—'}
            </dd>
            <dt>{t('services.volunteers.me.balance')}</dt>
            <dd data-testid="vol-page-balance">{d.balance}</dd>
            <dt>{t('services.volunteers.me.total')}</dt>
            <dd>{d.hoursTotal}</dd>
          </dl>
          <a className="btn" href={volunteerApi.certificateUrl(d.id)} download={`volunteer-hours-${d.id}.pdf`}>
            {t('services.volunteers.me.certificate')}
          </a>
          <HoursTable query={hours} lng={i18n.language} onPage={setPage} />
          <Adjust volunteerId={d.id} />
          <Assignments items={assignments.data?.items ?? []} lng={i18n.language} />
          <Assign volunteerId={d.id} />
        </>
      )}
    </div>
  )
}

function Adjust({ volunteerId }: { volunteerId: number }) {
  const { t } = useTranslation()
  const [hours, setHours] = useState('')
  const [note, setNote] = useState('')
  const [key, setKey] = useState(newKey)
  const save = useMutation({
    mutationFn: () => volunteerApi.adjust(volunteerId, { hours: Number(hours), note }, key),
    onSuccess: async () => {
      setHours('')
      setNote('')
      setKey(newKey())
      await invalidateVolunteers()
    },
  })
  const submit = (e: FormEvent) => {
    e.preventDefault()
    save.mutate()
  }
  return (
    <form className="card vol-adjust" onSubmit={submit} data-testid="vol-adjust">
      <h3>{t('services.volunteers.adjust.title')}</h3>
      <label>
        {t('services.volunteers.adjust.hours')}
        <input
          type="number"
          step={0.25}
          min={-1000}
          max={1000}
          value={hours}
          onChange={(e) => setHours(e.target.value)}
          required
          data-testid="vol-adjust-hours"
        />
      </label>
      <label>
        {t('services.volunteers.adjust.note')}
        <input
          value={note}
          maxLength={500}
          onChange={(e) => setNote(e.target.value)}
          required
          data-testid="vol-adjust-note"
        />
      </label>
      <ErrorBanner error={save.error} />
      <button type="submit" className="btn" disabled={save.isPending} data-testid="vol-adjust-submit">
        {t('services.volunteers.adjust.submit')}
      </button>
    </form>
  )
}

/** Finds a person of the caller's areas with a care tag (the registry's search) and picks one. */
function PersonPicker({ value, onChange }: { value: string; onChange: (id: string) => void }) {
  const { t } = useTranslation()
  const [tag, setTag] = useState<CareTag>('elderly_alone')
  const [name, setName] = useState('')
  const search = useMutation({
    mutationFn: () => peopleApi.search({ tags: [tag], ...(name.trim() ? { name: name.trim() } : {}), pageSize: 10 }),
  })
  const find = () => {
    onChange('')
    search.mutate()
  }
  return (
    <fieldset className="plain-fieldset vol-picker" data-testid="vol-person-picker">
      <legend>{t('services.volunteers.assign.person')}</legend>
      <div className="vol-filters">
        <label>
          {t('services.volunteers.assign.careTag')}
          <select value={tag} onChange={(e) => setTag(e.target.value as CareTag)} data-testid="vol-person-tag">
            {CARE_TAGS.map((c) => (
              <option key={c} value={c}>
                {t(`services.volunteers.careTags.${c}`)}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t('services.volunteers.assign.name')}
          <input
            value={name}
            maxLength={100}
            onChange={(e) => setName(e.target.value)}
            onKeyDown={(e) => {
              if (e.key === 'Enter') {
                e.preventDefault()
                find()
              }
            }}
            data-testid="vol-person-name"
          />
        </label>
        <button type="button" className="btn" onClick={find} disabled={search.isPending} data-testid="vol-person-find">
          {t('services.volunteers.assign.find')}
        </button>
      </div>
      <ErrorBanner error={search.error} />
      {search.data && search.data.items.length === 0 && (
        <p className="muted">{t('services.volunteers.assign.nobody')}</p>
      )}
      {search.data && search.data.items.length > 0 && (
        <ul className="vol-people">
          {search.data.items.map((p) => (
            <li key={p.id}>
              <label>
                <input
                  type="radio"
                  name="vol-person"
                  value={p.id}
                  checked={value === String(p.id)}
                  onChange={() => onChange(String(p.id))}
                  required
                  data-testid="vol-person-option"
                />
                <span>
                  {p.name}
                  {p.birthDate ? ` · ${p.birthDate.slice(0, 4)}` : ''} · {p.areaName}
                  {p.address ? ` · ${p.address}` : ''}
                </span>
              </label>
            </li>
          ))}
        </ul>
      )}
    </fieldset>
  )
}

function Assign({ volunteerId }: { volunteerId: number }) {
  const { t } = useTranslation()
  const [personId, setPersonId] = useState('')
  const [missing, setMissing] = useState(false)
  const [startsOn, setStartsOn] = useState(new Date().toISOString().slice(0, 10))
  const [endsOn, setEndsOn] = useState('')
  const [note, setNote] = useState('')
  const [key, setKey] = useState(newKey)
  const save = useMutation({
    mutationFn: () =>
      volunteerApi.assign(
        volunteerId,
        {
          kind: 'care_visit',
          personId: Number(personId),
          startsOn,
          ...(endsOn ? { endsOn } : {}),
          ...(note ? { note } : {}),
        },
        key,
      ),
    onSuccess: async () => {
      setPersonId('')
      setNote('')
      setKey(newKey())
      await invalidateVolunteers()
    },
  })
  const submit = (e: FormEvent) => {
    e.preventDefault()
    setMissing(!personId)
    if (personId) save.mutate()
  }
  return (
    <form className="card vol-assign" onSubmit={submit} data-testid="vol-assign">
      <h3>{t('services.volunteers.assign.new')}</h3>
      <p className="muted">{t('services.volunteers.assign.intro')}</p>
      <PersonPicker
        value={personId}
        onChange={(id) => {
          setPersonId(id)
          if (id) setMissing(false)
        }}
      />
      {missing && (
        <p className="field-error" role="alert" data-testid="vol-person-missing">
          {t('services.volunteers.assign.chooseFirst')}
        </p>
      )}
      <label>
        {t('services.volunteers.assign.startsOn')}
        <input type="date" value={startsOn} onChange={(e) => setStartsOn(e.target.value)} required />
      </label>
      <label>
        {t('services.volunteers.assign.endsOn')}
        <input type="date" value={endsOn} onChange={(e) => setEndsOn(e.target.value)} />
      </label>
      <label>
        {t('services.volunteers.assign.note')}
        <input value={note} maxLength={500} onChange={(e) => setNote(e.target.value)} data-testid="vol-assign-note" />
      </label>
      <ErrorBanner error={save.error} />
      <button type="submit" className="btn" disabled={save.isPending} data-testid="vol-assign-submit">
        {t('services.volunteers.assign.submit')}
      </button>
    </form>
  )
}
