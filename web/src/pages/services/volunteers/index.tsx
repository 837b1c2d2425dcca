import { useMutation, useQuery } from '@tanstack/react-query'
import { type FormEvent, useState } from 'react'
import { useTranslation } from 'react-i18next'
import { ErrorBanner } from '../../../components/ErrorBanner'
import { Pager } from '../../../components/Pager'
import { QueryStatus } from '../../../components/QueryStatus'
import { hasRole } from '../../../modules'
import { routes } from '../../../router'
import { SERVICES_STAFF, type SectionProps, VOLUNTEER_STAFF } from '../section'
import { ActivityEditor, ActivityPage, CheckinPage, QrPage } from './activities'
import { invalidateVolunteers, type Skill, SKILLS, type Slot, volunteerApi, volunteerQueries } from './api'
import { VolunteerList, VolunteerPage } from './staff'
import './volunteers.css'

export const fmtTime = (iso: string, lng: string) =>
  new Date(iso).toLocaleString(lng, {
    month: 'short',
    day: 'numeric',
    weekday: 'short',
    hour: '2-digit',
    minute: '2-digit',
  })
export const fmtDay = (iso: string, lng: string) => new Date(iso).toLocaleDateString(lng)
export const newKey = () => crypto.randomUUID()

/**
 * Volunteers below #/services/volunteers: the portal (become a volunteer, activities, my hours, the
 * check-in page the QR code opens) and the staff screens (activity editor, QR display, sign-up
 * list, volunteers and their hours and care visits).
 */
export function VolunteersSection(props: SectionProps) {
  return (
    <div className="vol-root">
      <Page {...props} />
    </div>
  )
}

function Page({ params, user }: SectionProps) {
  const services = hasRole(user, [...SERVICES_STAFF])
  const keeper = hasRole(user, [...VOLUNTEER_STAFF])
  const [a, b, c] = params
  if (a === 'checkin' && b && c) return <CheckinPage activityId={Number(b)} token={c} />
  if (a === 'activities' && b === 'new' && services) return <ActivityEditor />
  if (a === 'activities' && b && c === 'edit' && services) return <ActivityEditor activityId={Number(b)} />
  if (a === 'activities' && b && c === 'qr' && services) return <QrPage activityId={Number(b)} />
  if (a === 'activities' && b) return <ActivityPage activityId={Number(b)} />
  if (a === 'me') return <MyHours />
  if (a === 'list' && keeper) return <VolunteerList />
  if (a === 'v' && b && keeper) return <VolunteerPage volunteerId={Number(b)} />
  return <Home services={services} keeper={keeper} />
}

function Home({ services, keeper }: { services: boolean; keeper: boolean }) {
  const { t } = useTranslation()
  const me = useQuery(volunteerQueries.me())
  return (
    <div className="vol-home" data-testid="volunteers-home">
      <div className="vol-toolbar">
        {me.data?.volunteer && (
          <a className="btn" href={routes.services('volunteers', 'me')} data-testid="vol-my-hours">
            {t('services.volunteers.me.title')}
          </a>
        )}
        {keeper && (
          <a className="btn" href={routes.services('volunteers', 'list')} data-testid="vol-list-link">
            {t('services.volunteers.list.title')}
          </a>
        )}
        {services && (
          <a
            className="btn btn-primary"
            href={routes.services('volunteers', 'activities', 'new')}
            data-testid="activity-new"
          >
            {t('services.volunteers.activity.new')}
          </a>
        )}
      </div>
      <QueryStatus query={me} />
      {me.data && !me.data.volunteer && <Register />}
      {me.data?.volunteer && (
        <p className="vol-balance-line" data-testid="vol-balance">
          {t('services.volunteers.me.balanceLine', {
            balance: me.data.volunteer.balance,
            total: me.data.volunteer.hoursTotal,
          })}
        </p>
      )}
      <ActivityList services={services} />
    </div>
  )
}

export function SkillPicker({ value, onChange }: { value: Skill[]; onChange: (s: Skill[]) => void }) {
  const { t } = useTranslation()
  return (
    <fieldset className="vol-skills plain-fieldset">
      <legend>{t('services.volunteers.fields.skills')}</legend>
      {SKILLS.map((s) => (
        <label key={s} className="vol-chip">
          <input
            type="checkbox"
            checked={value.includes(s)}
            onChange={(e) => onChange(e.target.checked ? [...value, s] : value.filter((x) => x !== s))}
            data-testid={`skill-${s}`}
          />
          {t(`services.volunteers.skills.${s}`)}
        </label>
      ))}
    </fieldset>
  )
}

function Register() {
  const { t } = useTranslation()
  const [skills, setSkills] = useState<Skill[]>([])
  const [weekday, setWeekday] = useState(6)
  const [from, setFrom] = useState('09:00')
  const [to, setTo] = useState('12:00')
  const [key] = useState(newKey)
  const register = useMutation({
    mutationFn: () => {
      const availability: Slot[] = [{ weekday, from, to }]
      return volunteerApi.register({ skills, availability }, key)
    },
    onSuccess: invalidateVolunteers,
  })
  const submit = (e: FormEvent) => {
    e.preventDefault()
    register.mutate()
  }
  return (
    <form className="card vol-register" onSubmit={submit} data-testid="vol-register">
      <h2>{t('services.volunteers.register.title')}</h2>
      <p className="muted">{t('services.volunteers.register.intro')}</p>
      <SkillPicker value={skills} onChange={setSkills} />
      <div className="vol-slot">
        <label>
          {t('services.volunteers.fields.weekday')}
          <select value={weekday} onChange={(e) => setWeekday(Number(e.target.value))}>
            {[1, 2, 3, 4, 5, 6, 7].map((d) => (
              <option key={d} value={d}>
                {t(`services.volunteers.weekdays.${d}`)}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t('services.volunteers.fields.from')}
          <input type="time" value={from} onChange={(e) => setFrom(e.target.value)} required />
        </label>
        <label>
          {t('services.volunteers.fields.to')}
          <input type="time" value={to} onChange={(e) => setTo(e.target.value)} required />
        </label>
      </div>
      <ErrorBanner error={register.error} />
      <button type="submit" className="btn btn-primary" disabled={register.isPending} data-testid="vol-register-submit">
        {t('services.volunteers.register.submit')}
      </button>
    </form>
  )
}

function ActivityList({ services }: { services: boolean }) {
  const { t, i18n } = useTranslation()
  const [page, setPage] = useState(1)
  const [kind, setKind] = useState('')
  const [from] = useState(() => new Date(Date.now() - 12 * 3_600_000).toISOString())
  const [past, setPast] = useState(false)
  const q = {
    page,
    pageSize: 20,
    ...(kind ? { kind: kind as never } : {}),
    ...(past ? {} : { from }),
  }
  const list = useQuery(volunteerQueries.activities(q))
  return (
    <section className="vol-activities" aria-labelledby="vol-activities-title">
      <h2 id="vol-activities-title">{t('services.volunteers.activity.listTitle')}</h2>
      <div className="vol-filters">
        <label>
          {t('services.volunteers.fields.kind')}
          <select
            value={kind}
            onChange={(e) => {
              setKind(e.target.value)
              setPage(1)
            }}
            data-testid="activity-kind-filter"
          >
            <option value="">{t('services.volunteers.all')}</option>
            {(
              [
                'elderly_care',
                'environment',
                'education',
                'culture',
                'safety_patrol',
                'health',
                'care_visit',
                'emergency',
                'other',
              ] as const
            ).map((k) => (
              <option key={k} value={k}>
                {t(`services.volunteers.kinds.${k}`)}
              </option>
            ))}
          </select>
        </label>
        <label className="vol-check">
          <input
            type="checkbox"
            checked={past}
            onChange={(e) => {
              setPast(e.target.checked)
              setPage(1)
            }}
          />
          {t('services.volunteers.activity.includePast')}
        </label>
      </div>
      <QueryStatus query={list} />
      {list.data && list.data.items.length === 0 && <p className="muted">{t('services.volunteers.activity.empty')}</p>}
      <ul className="card-list vol-cards">
        {list.data?.items.map((a) => (
          <li key={a.id} className="card vol-card" data-testid="activity-card" data-id={a.id} data-status={a.status}>
            <a href={routes.services('volunteers', 'activities', a.id)} className="vol-card-title">
              {a.title}
            </a>
            <span className={`chip vol-state-${a.status}`}>{t(`services.volunteers.states.${a.status}`)}</span>
            <p className="muted">
              {fmtTime(a.startsAt, i18n.language)} · {a.place} · {a.areaName}
            </p>
            <p className="muted">
              {t(`services.volunteers.kinds.${a.kind}`)} ·{' '}
              {t('services.volunteers.activity.places', { taken: a.signedUp, capacity: a.capacity })}
              {services && a.canManage ? ` · ${t('services.volunteers.activity.yours')}` : ''}
            </p>
          </li>
        ))}
      </ul>
      {list.data && (
        <Pager page={list.data.page} pageSize={list.data.pageSize} total={list.data.total} onPage={setPage} />
      )}
    </section>
  )
}

function MyHours() {
  const { t, i18n } = useTranslation()
  const me = useQuery(volunteerQueries.me())
  const v = me.data?.volunteer
  const [page, setPage] = useState(1)
  const hours = useQuery({ ...volunteerQueries.hours(v?.id ?? 0, page), enabled: !!v })
  const assignments = useQuery({ ...volunteerQueries.assignments(v?.id ?? 0), enabled: !!v })
  return (
    <div className="vol-me" data-testid="vol-me">
      <h2>{t('services.volunteers.me.title')}</h2>
      <QueryStatus query={me} />
      {me.data && !v && (
        <p className="muted">
          {t('services.volunteers.me.notVolunteer')}{' '}
          <a href={routes.services('volunteers')}>{t('services.volunteers.register.title')}</a>
        </p>
      )}
      {v && (
        <>
          <div className="vol-stats">
            <div className="card vol-stat">
              <span className="muted">{t('services.volunteers.me.balance')}</span>
              <strong data-testid="vol-me-balance">{v.balance}</strong>
            </div>
            <div className="card vol-stat">
              <span className="muted">{t('services.volunteers.me.total')}</span>
              <strong data-testid="vol-me-total">{v.hoursTotal}</strong>
            </div>
          </div>
          <a
            className="btn"
            href={volunteerApi.certificateUrl(v.id)}
            download={`volunteer-hours-${v.id}.pdf`}
            data-testid="vol-certificate"
          >
            {t('services.volunteers.me.certificate')}
          </a>
          <HoursTable query={hours} lng={i18n.language} onPage={setPage} />
          <Assignments items={assignments.data?.items ?? []} lng={i18n.language} />
        </>
      )}
    </div>
  )
}

export function HoursTable({
  query,
  lng,
  onPage,
}: {
  query: ReturnType<typeof useQuery<Awaited<ReturnType<typeof volunteerApi.hours>>>>
  lng: string
  onPage: (p: number) => void
}) {
  const { t } = useTranslation()
  const data = query.data
  return (
    <section className="vol-history" aria-labelledby="vol-history-title">
      <h3 id="vol-history-title">{t('services.volunteers.me.history')}</h3>
      <QueryStatus query={query} />
      {data && data.items.length === 0 && <p className="muted">{t('services.volunteers.me.noEntries')}</p>}
      {data && data.items.length > 0 && (
        <table className="table vol-table" data-testid="vol-history">
          <thead>
            <tr>
              <th scope="col">{t('services.volunteers.fields.date')}</th>
              <th scope="col">{t('services.volunteers.fields.entry')}</th>
              <th scope="col">{t('services.volunteers.fields.hours')}</th>
            </tr>
          </thead>
          <tbody>
            {data.items.map((e) => (
              <tr key={e.id} data-kind={e.kind}>
                <td>{fmtDay(e.createdAt, lng)}</td>
                <td>
                  {t(`services.volunteers.entryKinds.${e.kind}`)}
                  {e.activityTitle ? ` · ${e.activityTitle}` : ''}
                  {e.serviceName ? ` · ${e.serviceName}` : ''}
                  {/* Staff write the note of an adjustment; a payment's note is the server's own. */}
                  {e.kind === 'adjusted' && e.note ? ` · ${e.note}` : ''}
                </td>
                <td className={e.hours < 0 ? 'vol-minus' : 'vol-plus'}>{e.hours > 0 ? `+${e.hours}` : e.hours}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {data && <Pager page={data.page} pageSize={data.pageSize} total={data.total} onPage={onPage} />}
    </section>
  )
}

export function Assignments({
  items,
  lng,
}: {
  items: Awaited<ReturnType<typeof volunteerApi.assignments>>['items']
  lng: string
}) {
  const { t } = useTranslation()
  if (items.length === 0) return null
  return (
    <section aria-labelledby="vol-assign-title">
      <h3 id="vol-assign-title">{t('services.volunteers.assign.title')}</h3>
      <ul className="card-list" data-testid="vol-assignments">
        {items.map((a) => (
          <li key={a.id} className="card">
            <strong>{a.personName ?? '—'}</strong> {a.address ? `· ${a.address}` : ''}
            <p className="muted">
              {fmtDay(a.startsOn, lng)} – {a.endsOn ? fmtDay(a.endsOn, lng) : t('services.volunteers.assign.open')}
              {a.note ? ` · ${a.note}` : ''}
            </p>
          </li>
        ))}
      </ul>
    </section>
  )
}
