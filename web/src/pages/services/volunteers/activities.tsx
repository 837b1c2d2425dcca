import { useMutation, useQuery } from '@tanstack/react-query'
import QRCode from 'qrcode'
import { type FormEvent, useEffect, useRef, useState } from 'react'
import { useTranslation } from 'react-i18next'
import { AreaSelect } from '../../../components/AreaSelect'
import { ErrorBanner } from '../../../components/ErrorBanner'
import { QueryStatus } from '../../../components/QueryStatus'
import { routes } from '../../../router'
import {
  type ActivityAction,
  activityApi,
  type ActivityKind,
  type CheckinResult,
  invalidateVolunteers,
  KINDS,
  keys,
  volunteerQueries,
} from './api'
import { fmtTime, newKey } from './index'

const localInput = (iso: string) => {
  const d = new Date(iso)
  const pad = (n: number) => String(n).padStart(2, '0')
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`
}

/** One activity: what it is, the caller's sign-up, and for its staff the actions and the sign-up list. */
export function ActivityPage({ activityId }: { activityId: number }) {
  const { t, i18n } = useTranslation()
  const detail = useQuery(volunteerQueries.activity(activityId))
  const a = detail.data
  const sign = useMutation({ mutationFn: () => activityApi.signUp(activityId), onSuccess: invalidateVolunteers })
  const cancel = useMutation({ mutationFn: () => activityApi.cancel(activityId), onSuccess: invalidateVolunteers })
  const act = useMutation({
    mutationFn: (action: ActivityAction) => activityApi.act(activityId, action),
    onSuccess: invalidateVolunteers,
  })
  // Only a volunteer signs up: others are pointed to the registration first.
  const me = useQuery(volunteerQueries.me())
  const volunteer = !!me.data?.volunteer
  const mine = a?.mySignup
  const before = a ? new Date(a.startsAt).getTime() > Date.now() : false
  return (
    <div className="vol-activity" data-testid="activity-page">
      <a href={routes.services('volunteers')} className="back-link">
        {t('services.volunteers.back')}
      </a>
      <QueryStatus query={detail} />
      {a && (
        <>
          <h2 data-testid="activity-title">{a.title}</h2>
          <p>
            <span className={`chip vol-state-${a.status}`} data-testid="activity-status">
              {t(`services.volunteers.states.${a.status}`)}
            </span>{' '}
            {t(`services.volunteers.kinds.${a.kind}`)}
          </p>
          <dl className="vol-facts">
            <dt>{t('services.volunteers.fields.time')}</dt>
            <dd>
              {fmtTime(a.startsAt, i18n.language)} – {fmtTime(a.endsAt, i18n.language)}
            </dd>
            <dt>{t('services.volunteers.fields.place')}</dt>
            <dd>{a.place}</dd>
            <dt>{t('services.volunteers.fields.area')}</dt>
            <dd>{a.areaName}</dd>
            <dt>{t('services.volunteers.fields.capacity')}</dt>
            <dd data-testid="activity-places">
              {t('services.volunteers.activity.places', { taken: a.signedUp, capacity: a.capacity })}
            </dd>
          </dl>
          <p className="vol-description">{a.description}</p>
          <section className="card vol-mine" aria-labelledby="vol-mine-title">
            <h3 id="vol-mine-title">{t('services.volunteers.activity.mine')}</h3>
            <p data-testid="my-signup" data-status={mine?.status ?? 'none'}>
              {mine
                ? t(`services.volunteers.signupStates.${mine.status}`)
                : t('services.volunteers.activity.notSignedUp')}
              {mine?.hours != null ? ` · ${t('services.volunteers.hoursN', { n: mine.hours })}` : ''}
            </p>
            {me.data && !volunteer && a.status === 'published' && before && (
              <p className="muted" data-testid="activity-register-first">
                {t('services.volunteers.activity.registerFirst')}{' '}
                <a href={routes.services('volunteers')}>{t('services.volunteers.register.title')}</a>
              </p>
            )}
            {volunteer && a.status === 'published' && before && (!mine || mine.status === 'cancelled') && (
              <button
                type="button"
                className="btn btn-primary"
                onClick={() => sign.mutate()}
                disabled={sign.isPending}
                data-testid="activity-signup"
              >
                {t('services.volunteers.activity.signUp')}
              </button>
            )}
            {before && mine?.status === 'signed_up' && (
              <button
                type="button"
                className="btn"
                onClick={() => cancel.mutate()}
                disabled={cancel.isPending}
                data-testid="activity-cancel-signup"
              >
                {t('services.volunteers.activity.cancelSignUp')}
              </button>
            )}
            <ErrorBanner error={sign.error ?? cancel.error} />
          </section>
          {a.canManage && (
            <section className="vol-staff" aria-labelledby="vol-staff-title">
              <h3 id="vol-staff-title">{t('services.volunteers.activity.staff')}</h3>
              {a.counts && (
                <p className="muted" data-testid="activity-counts">
                  {t('services.volunteers.activity.counts', a.counts)}
                </p>
              )}
              <div className="form-buttons">
                {(a.status === 'draft' || a.status === 'published') && (
                  <a
                    className="btn"
                    href={routes.services('volunteers', 'activities', a.id, 'edit')}
                    data-testid="activity-edit"
                  >
                    {t('services.volunteers.activity.edit')}
                  </a>
                )}
                {a.status === 'published' && (
                  <a
                    className="btn"
                    href={routes.services('volunteers', 'activities', a.id, 'qr')}
                    data-testid="activity-qr"
                  >
                    {t('services.volunteers.qr.open')}
                  </a>
                )}
                {a.allowedActions.map((x) => (
                  <button
                    key={x}
                    type="button"
                    className={`btn${x === 'publish' ? ' btn-primary' : ''}`}
                    onClick={() => {
                      if (x !== 'cancel' || window.confirm(t('services.volunteers.activity.confirmCancel')))
                        act.mutate(x)
                    }}
                    disabled={act.isPending}
                    data-testid={`activity-action-${x}`}
                  >
                    {t(`services.volunteers.actions.${x}`)}
                  </button>
                ))}
              </div>
              <ErrorBanner error={act.error} />
              <SignupList activityId={a.id} lengthHours={(Date.parse(a.endsAt) - Date.parse(a.startsAt)) / 3_600_000} />
            </section>
          )}
        </>
      )}
    </div>
  )
}

function SignupList({ activityId, lengthHours }: { activityId: number; lengthHours: number }) {
  const { t, i18n } = useTranslation()
  const list = useQuery(volunteerQueries.signups(activityId))
  const [hours, setHours] = useState<Record<number, string>>({})
  const checkIn = useMutation({
    mutationFn: (v: number) => activityApi.staffIn(activityId, v),
    onSuccess: invalidateVolunteers,
  })
  const checkOut = useMutation({
    mutationFn: (v: number) => {
      const h = hours[v]
      return activityApi.staffOut(activityId, v, h ? Number(h) : undefined)
    },
    onSuccess: invalidateVolunteers,
  })
  return (
    <div className="vol-signups">
      <h4>{t('services.volunteers.signups.title')}</h4>
      <QueryStatus query={list} />
      <ErrorBanner error={checkIn.error ?? checkOut.error} />
      {list.data && list.data.items.length === 0 && <p className="muted">{t('services.volunteers.signups.empty')}</p>}
      <ul className="card-list" data-testid="signup-list">
        {list.data?.items.map((s) => (
          <li key={s.volunteerId} className="card vol-signup" data-testid="signup-row" data-status={s.status}>
            <strong>{s.name}</strong> <span className="chip">{t(`services.volunteers.signupStates.${s.status}`)}</span>
            <p className="muted">
              {s.checkedInAt ? `${t('services.volunteers.signups.in')} ${fmtTime(s.checkedInAt, i18n.language)}` : ''}
              {s.checkedOutAt
                ? ` · ${t('services.volunteers.signups.out')} ${fmtTime(s.checkedOutAt, i18n.language)}`
                : ''}
              {s.hours != null ? ` · ${t('services.volunteers.hoursN', { n: s.hours })}` : ''}
            </p>
            {(s.status === 'signed_up' || s.status === 'absent') && (
              <button
                type="button"
                className="btn btn-small"
                onClick={() => checkIn.mutate(s.volunteerId)}
                data-testid="signup-checkin"
              >
                {t('services.volunteers.signups.checkIn')}
              </button>
            )}
            {s.status !== 'checked_out' && s.status !== 'cancelled' && (
              <span className="vol-out">
                <label>
                  {t('services.volunteers.signups.hours', { max: lengthHours })}
                  <input
                    type="number"
                    min={0}
                    max={lengthHours}
                    step={0.25}
                    value={hours[s.volunteerId] ?? ''}
                    onChange={(e) => setHours({ ...hours, [s.volunteerId]: e.target.value })}
                    data-testid="signup-hours"
                  />
                </label>
                <button
                  type="button"
                  className="btn btn-small"
                  onClick={() => checkOut.mutate(s.volunteerId)}
                  data-testid="signup-checkout"
                >
                  {t('services.volunteers.signups.checkOut')}
                </button>
              </span>
            )}
          </li>
        ))}
      </ul>
    </div>
  )
}

/** Create or change an activity (service staff). */
export function ActivityEditor({ activityId }: { activityId?: number }) {
  const { t } = useTranslation()
  const existing = useQuery({ ...volunteerQueries.activity(activityId ?? 0), enabled: activityId !== undefined })
  const [form, setForm] = useState({
    kind: 'elderly_care' as ActivityKind,
    title: '',
    description: '',
    place: '',
    startsAt: localInput(new Date(Date.now() + 86_400_000).toISOString()),
    endsAt: localInput(new Date(Date.now() + 86_400_000 + 2 * 3_600_000).toISOString()),
    capacity: 10,
    areaId: '',
  })
  const [loaded, setLoaded] = useState(false)
  useEffect(() => {
    const a = existing.data
    if (a && !loaded) {
      setForm({
        kind: a.kind,
        title: a.title,
        description: a.description,
        place: a.place,
        startsAt: localInput(a.startsAt),
        endsAt: localInput(a.endsAt),
        capacity: a.capacity,
        areaId: String(a.areaId),
      })
      setLoaded(true)
    }
  }, [existing.data, loaded])
  const [key] = useState(newKey)
  const save = useMutation({
    mutationFn: async () => {
      const body = {
        kind: form.kind,
        title: form.title,
        description: form.description,
        place: form.place,
        startsAt: new Date(form.startsAt).toISOString(),
        endsAt: new Date(form.endsAt).toISOString(),
        capacity: form.capacity,
      }
      return activityId === undefined
        ? activityApi.create({ ...body, areaId: Number(form.areaId) }, key)
        : activityApi.update(activityId, body)
    },
    onSuccess: async (a) => {
      await invalidateVolunteers()
      window.location.hash = routes.services('volunteers', 'activities', a.id)
    },
  })
  const set = (k: keyof typeof form) => (e: { target: { value: string } }) =>
    setForm({ ...form, [k]: k === 'capacity' ? Number(e.target.value) : e.target.value })
  const submit = (e: FormEvent) => {
    e.preventDefault()
    save.mutate()
  }
  return (
    <form className="card vol-editor" onSubmit={submit} data-testid="activity-editor">
      <h2>{activityId ? t('services.volunteers.activity.edit') : t('services.volunteers.activity.new')}</h2>
      <QueryStatus query={activityId !== undefined ? existing : []} />
      {activityId === undefined && <AreaField value={form.areaId} onChange={(v) => setForm({ ...form, areaId: v })} />}
      <label>
        {t('services.volunteers.fields.kind')}
        <select value={form.kind} onChange={set('kind')} data-testid="activity-kind">
          {KINDS.map((k) => (
            <option key={k} value={k}>
              {t(`services.volunteers.kinds.${k}`)}
            </option>
          ))}
        </select>
      </label>
      <label>
        {t('services.volunteers.fields.title')}
        <input
          value={form.title}
          onChange={set('title')}
          minLength={2}
          maxLength={150}
          required
          data-testid="activity-title-input"
        />
      </label>
      <label>
        {t('services.volunteers.fields.description')}
        <textarea
          value={form.description}
          onChange={set('description')}
          maxLength={4000}
          required
          rows={3}
          data-testid="activity-description"
        />
      </label>
      <label>
        {t('services.volunteers.fields.place')}
        <input value={form.place} onChange={set('place')} maxLength={300} required data-testid="activity-place" />
      </label>
      <label>
        {t('services.volunteers.fields.startsAt')}
        <input
          type="datetime-local"
          value={form.startsAt}
          onChange={set('startsAt')}
          required
          data-testid="activity-starts"
        />
      </label>
      <label>
        {t('services.volunteers.fields.endsAt')}
        <input
          type="datetime-local"
          value={form.endsAt}
          onChange={set('endsAt')}
          required
          data-testid="activity-ends"
        />
      </label>
      <label>
        {t('services.volunteers.fields.capacity')}
        <input
          type="number"
          min={1}
          max={10000}
          value={form.capacity}
          onChange={set('capacity')}
          required
          data-testid="activity-capacity"
        />
      </label>
      <ErrorBanner error={save.error} />
      <button type="submit" className="btn btn-primary" disabled={save.isPending} data-testid="activity-save">
        {t('services.volunteers.save')}
      </button>
    </form>
  )
}

function AreaField({ value, onChange }: { value: string; onChange: (v: string) => void }) {
  const { t } = useTranslation()
  return (
    <label htmlFor="activity-area">
      {t('services.volunteers.fields.area')}
      <AreaSelect
        id="activity-area"
        value={value}
        onChange={onChange}
        maxLevel="community"
        emptyLabel={t('services.volunteers.activity.chooseArea')}
        testId="activity-area"
        required
      />
    </label>
  )
}

/** The QR code shown at the activity: a fresh token every two minutes, the counts beside it. */
export function QrPage({ activityId }: { activityId: number }) {
  const { t } = useTranslation()
  const detail = useQuery(volunteerQueries.activity(activityId))
  const token = useQuery({
    queryKey: keys.token(activityId),
    queryFn: ({ signal }) => activityApi.token(activityId, signal),
    refetchInterval: 60_000,
  })
  const canvas = useRef<HTMLCanvasElement>(null)
  const url = token.data ? `${window.location.origin}${window.location.pathname}${token.data.url}` : null
  useEffect(() => {
    if (url && canvas.current) void QRCode.toCanvas(canvas.current, url, { width: 320, margin: 2 })
  }, [url])
  return (
    <div className="vol-qr" data-testid="activity-qr-page">
      <a href={routes.services('volunteers', 'activities', activityId)} className="back-link">
        {t('services.volunteers.back')}
      </a>
      <h2>{detail.data?.title ?? ''}</h2>
      <p className="muted">{t('services.volunteers.qr.intro')}</p>
      <QueryStatus query={token} />
      <canvas
        ref={canvas}
        className="vol-qr-canvas"
        role="img"
        aria-label={t('services.volunteers.qr.label')}
        data-testid="qr-canvas"
      />
      {token.data && (
        <>
          <p className="vol-qr-counts" data-testid="qr-counts" aria-live="polite">
            {t('services.volunteers.qr.counts', { in: token.data.checkedIn, out: token.data.checkedOut })}
          </p>
          <p className="muted vol-qr-url">
            <a href={token.data.url} data-testid="qr-url">
              {t('services.volunteers.qr.link')}
            </a>
          </p>
        </>
      )}
    </div>
  )
}

/** Opened from the QR code: checks the signed-in volunteer in, or out on a later scan. */
export function CheckinPage({ activityId, token }: { activityId: number; token: string }) {
  const { t } = useTranslation()
  const [result, setResult] = useState<CheckinResult | null>(null)
  const scan = useMutation({
    mutationFn: () => activityApi.checkin(activityId, token),
    onSuccess: async (r) => {
      setResult(r)
      await invalidateVolunteers()
    },
  })
  const started = useRef(false)
  useEffect(() => {
    if (!started.current) {
      started.current = true
      scan.mutate()
    }
  }, [scan])
  return (
    <div className="vol-checkin card" data-testid="checkin-page">
      <h2>{t('services.volunteers.checkin.title')}</h2>
      {scan.isPending && <p className="muted">{t('services.volunteers.checkin.working')}</p>}
      <ErrorBanner error={scan.error} testId="checkin-error" />
      {result && (
        <div
          className={`vol-checkin-result vol-${result.result}`}
          role="status"
          data-testid="checkin-result"
          data-result={result.result}
        >
          <p className="vol-checkin-big">{t(`services.volunteers.checkin.${result.result}`)}</p>
          <p>{result.title}</p>
          {result.hours != null && <p>{t('services.volunteers.hoursN', { n: result.hours })}</p>}
          {(result.result === 'checked_in' || result.result === 'already_checked_in') && (
            <p className="muted">{t('services.volunteers.checkin.outHint')}</p>
          )}
        </div>
      )}
      <p>
        <a href={routes.services('volunteers', 'activities', activityId)}>
          {t('services.volunteers.checkin.toActivity')}
        </a>
        {' · '}
        <a href={routes.services('volunteers', 'me')}>{t('services.volunteers.me.title')}</a>
      </p>
    </div>
  )
}
