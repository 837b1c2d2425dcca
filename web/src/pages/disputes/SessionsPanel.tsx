import { useState, type FormEvent } from 'react'
import { useTranslation } from 'react-i18next'
import { ApiError } from '../../api'
import { newIdempotencyKey } from '../../caseUtils'
import { errorText, formatDateTime } from '../../i18n'
import { disputeApi, type DisputeDetail, type SessionBody } from './api'
import { useDisputeChange } from './DisputeActionPanel'
import { Required, localDateTime } from './common'

const MEDIATING = ['people_mediation', 'administrative_mediation']

/** Attendees typed as a list: separated by commas, 、 or semicolons, in either width. */
const splitNames = (s: string) =>
  s
    .split(/[,，、;；\n]/)
    .map((x) => x.trim())
    .filter(Boolean)

/** Mediation sessions held (time, place, attendees, record) and, while mediating, a form for the next one. */
export function SessionsPanel({ detail }: { detail: DisputeDetail }) {
  const { t, i18n } = useTranslation()
  const lng = i18n.language
  const canRecord = MEDIATING.includes(detail.state) && detail.myRoles.length > 0
  const [open, setOpen] = useState(false)
  const [key, setKey] = useState(newIdempotencyKey)
  // Untouched, the time is "now" to the second: a session right after registering is not "before" it.
  const [heldAt, setHeldAt] = useState<string | null>(null)
  const [place, setPlace] = useState('')
  const [attendees, setAttendees] = useState(() => detail.parties.map((p) => p.name).join('、'))
  const [record, setRecord] = useState('')
  const [problem, setProblem] = useState<ApiError | null>(null)
  const { mutation, notice, error } = useDisputeChange(detail, (body: SessionBody) =>
    disputeApi.session(detail.id, body, key),
  )

  const submit = (e: FormEvent) => {
    e.preventDefault()
    if (mutation.isPending) return
    const when = heldAt === null ? new Date() : new Date(heldAt)
    const names = splitNames(attendees)
    const gap = Number.isNaN(when.getTime())
      ? 'heldAt'
      : !place.trim()
        ? 'place'
        : names.length === 0
          ? 'attendees'
          : !record.trim()
            ? 'record'
            : null
    if (gap) return setProblem(new ApiError(0, 'VALIDATION_FAILED', '', gap))
    setProblem(null)
    mutation.mutate(
      { heldAt: when.toISOString(), place: place.trim(), attendees: names, record: record.trim() },
      {
        onSuccess: () => {
          setOpen(false)
          setRecord('')
          setHeldAt(null)
          setKey(newIdempotencyKey())
        },
      },
    )
  }
  const fieldLabel = (f: string) => {
    const base = f.replace(/\[\d+\]$/, '')
    return i18n.exists(`disputes.session.${base}`) ? t(`disputes.session.${base}`) : undefined
  }
  const shown = problem ?? error

  return (
    <section className="card" data-testid="sessions-panel" aria-labelledby="sessions-title">
      <div className="panel-head">
        <h2 className="section-title" id="sessions-title">
          {t('disputes.session.title')}
        </h2>
        {canRecord && !open && (
          <button type="button" className="btn btn-small" data-testid="session-open" onClick={() => setOpen(true)}>
            {t('disputes.session.add')}
          </button>
        )}
      </div>
      {notice && (
        <p className="notice" role="status">
          {notice}
        </p>
      )}
      {detail.sessions.length === 0 ? (
        <p className="muted">{t('disputes.session.none')}</p>
      ) : (
        <ol className="session-list">
          {detail.sessions.map((s) => (
            <li key={s.id} className="session-item" data-testid="session-item">
              <div className="session-head">
                <strong>{formatDateTime(s.heldAt, lng)}</strong>
                <span className="muted">{s.place}</span>
              </div>
              <div className="muted">
                {t('disputes.session.attendees')}: {s.attendees.join(t('common.listSeparator'))}
              </div>
              <p className="session-record">{s.record}</p>
            </li>
          ))}
        </ol>
      )}
      {canRecord && open && (
        <form className="action-form" onSubmit={submit} noValidate data-testid="session-form">
          <div className="form-grid">
            <label className="field">
              <span>
                {t('disputes.session.heldAt')}
                <Required />
              </span>
              <input
                type="datetime-local"
                data-testid="session-held-at"
                value={heldAt ?? localDateTime()}
                onChange={(e) => setHeldAt(e.target.value)}
              />
            </label>
            <label className="field">
              <span>
                {t('disputes.session.place')}
                <Required />
              </span>
              <input
                data-testid="session-place"
                maxLength={200}
                value={place}
                onChange={(e) => setPlace(e.target.value)}
              />
            </label>
          </div>
          <label className="field">
            <span>
              {t('disputes.session.attendees')}
              <Required />
            </span>
            <input
              data-testid="session-attendees"
              value={attendees}
              aria-describedby="session-attendees-hint"
              onChange={(e) => setAttendees(e.target.value)}
            />
            <small className="muted hint" id="session-attendees-hint">
              {t('disputes.session.attendeesHint')}
            </small>
          </label>
          <label className="field">
            <span>
              {t('disputes.session.record')}
              <Required />
            </span>
            <textarea
              data-testid="session-record"
              rows={4}
              maxLength={8000}
              value={record}
              onChange={(e) => setRecord(e.target.value)}
            />
          </label>
          {shown ? (
            <div className="error-banner" role="alert" data-testid="session-error">
              <span>{errorText(shown, fieldLabel)}</span>
            </div>
          ) : null}
          <div className="form-buttons">
            <button type="button" className="btn" onClick={() => setOpen(false)}>
              {t('common.cancel')}
            </button>
            <button
              type="submit"
              className="btn btn-primary"
              data-testid="session-submit"
              disabled={mutation.isPending}
            >
              {mutation.isPending ? t('common.sending') : t('disputes.session.save')}
            </button>
          </div>
        </form>
      )}
    </section>
  )
}
