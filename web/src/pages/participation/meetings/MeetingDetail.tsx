import { useMutation, useQuery } from '@tanstack/react-query'
import { useState, type FormEvent } from 'react'
import { useTranslation } from 'react-i18next'
import { newIdempotencyKey } from '../../../caseUtils'
import { QueryStatus } from '../../../components/QueryStatus'
import { formatDateTime, localName } from '../../../i18n'
import { routes } from '../../../router'
import {
  meetingApi,
  meetingChanged,
  meetingQueries,
  type Decision,
  type Majority,
  type MeetingAction,
  type MeetingDetail as Detail,
  type VoteChoice,
} from './api'
import {
  fromLocalInput,
  MAJORITIES,
  MeetingStateChip,
  Problem,
  Required,
  ResultChip,
  timeSpan,
  toLocalInput,
  VOTE_CHOICES,
} from './common'

/**
 * One meeting: what and when, the agenda and the proposals or consultations it discusses,
 * registration, the decisions with their voting rule, vote buttons while voting is open and the
 * result after it, the minutes; for its staff the actions, attendance and a decision form.
 */
export function MeetingDetail({ id }: { id: number }) {
  const { t } = useTranslation()
  const query = useQuery(meetingQueries.detail(id))
  const d = query.data
  return (
    <div className="meeting-detail-page" data-testid="meeting-detail" data-meeting-id={id}>
      <a className="back-link" href={routes.participation('meetings')} data-testid="meeting-back">
        ← {t('participation.meetings.back')}
      </a>
      <QueryStatus query={query} />
      {d && (
        <div className="meeting-detail">
          <div className="meeting-detail-main">
            <Head detail={d} />
            <Agenda detail={d} />
            <Decisions detail={d} />
            <Minutes detail={d} />
          </div>
          <div className="meeting-detail-side">
            <Registration detail={d} />
            {d.canManage && <StaffActions detail={d} />}
            {d.canManage && <Attendance detail={d} />}
            {d.canManage && d.status !== 'cancelled' && <DecisionForm detail={d} />}
          </div>
        </div>
      )}
    </div>
  )
}

function Head({ detail: d }: { detail: Detail }) {
  const { t, i18n } = useTranslation()
  const lng = i18n.language
  return (
    <article className="card meeting-head" aria-labelledby="meeting-title">
      <div className="meeting-card-head">
        <MeetingStateChip state={d.status} />
        <span className="badge badge-muted">{t(`participation.meetings.kinds.${d.kind}`)}</span>
      </div>
      <h2 id="meeting-title" data-testid="meeting-title-text">
        {d.title}
      </h2>
      <dl className="facts meeting-facts">
        <dt>{t('participation.meetings.detail.when')}</dt>
        <dd>
          <time dateTime={d.startsAt}>{timeSpan(d.startsAt, d.endsAt, lng)}</time>
        </dd>
        <dt>{t('participation.meetings.fields.location')}</dt>
        <dd>{d.location}</dd>
        <dt>{t('participation.meetings.fields.areaId')}</dt>
        <dd>{localName(d.area, lng)}</dd>
        {d.council && (
          <>
            <dt>{t('participation.meetings.fields.councilId')}</dt>
            <dd>
              <a href={routes.participation('meetings', 'councils', d.council.id)} data-testid="meeting-council-link">
                {d.council.name}
              </a>
            </dd>
          </>
        )}
        <dt>{t('participation.meetings.detail.registrations')}</dt>
        <dd data-testid="meeting-registration-count">
          {d.capacity === null
            ? t('participation.meetings.registrations.count', { n: d.registrationCount })
            : t('participation.meetings.registrations.countOf', { n: d.registrationCount, capacity: d.capacity })}
          {d.attendedCount > 0 && ` · ${t('participation.meetings.registrations.attended', { n: d.attendedCount })}`}
        </dd>
        <dt>{t('participation.meetings.fields.quorum')}</dt>
        <dd>{t('participation.meetings.detail.quorum', { n: d.quorum })}</dd>
      </dl>
    </article>
  )
}

function Agenda({ detail: d }: { detail: Detail }) {
  const { t } = useTranslation()
  return (
    <section className="card meeting-agenda" aria-labelledby="meeting-agenda-title">
      <h3 id="meeting-agenda-title">{t('participation.meetings.fields.agenda')}</h3>
      <p className="meeting-text" data-testid="meeting-agenda-text">
        {d.agenda}
      </p>
      {d.subjects.length > 0 && (
        <>
          <h4>{t('participation.meetings.fields.subjects')}</h4>
          <ul className="meeting-subject-list" data-testid="meeting-subject-list">
            {d.subjects.map((s) => (
              <li key={`${s.kind}:${s.id}`}>
                <span className="badge badge-muted">{t(`participation.meetings.subjects.${s.kind}`)}</span>{' '}
                <a
                  href={routes.participation(s.kind === 'proposal' ? 'proposals' : 'consultations', s.id)}
                  data-testid="meeting-subject-link"
                  data-kind={s.kind}
                  data-id={s.id}
                >
                  {s.title ?? t('participation.meetings.subjects.hidden', { id: s.id })}
                </a>
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  )
}

function Registration({ detail: d }: { detail: Detail }) {
  const { t, i18n } = useTranslation()
  const change = useMutation({
    mutationFn: (on: boolean) => (on ? meetingApi.register(d.id) : meetingApi.unregister(d.id)),
    onSuccess: meetingChanged,
  })
  const started = new Date(d.startsAt).getTime() <= Date.now()
  const mine = d.myRegistration
  let why = ''
  if (!mine && !d.registrationOpen)
    why =
      d.status === 'cancelled'
        ? t('participation.meetings.registrations.cancelled')
        : d.status === 'held' || started
          ? t('participation.meetings.registrations.closed')
          : t('participation.meetings.registrations.full')
  return (
    <section
      className="card meeting-registration"
      aria-labelledby="meeting-registration-title"
      data-testid="meeting-registration"
    >
      <h3 id="meeting-registration-title">{t('participation.meetings.registrations.title')}</h3>
      <div aria-live="polite">
        {mine ? (
          <>
            <p data-testid="meeting-registered">
              ✓{' '}
              {t('participation.meetings.registrations.mine', { at: formatDateTime(mine.registeredAt, i18n.language) })}
            </p>
            {mine.attended && (
              <p className="meeting-attended-mark" data-testid="meeting-attended">
                {t('participation.meetings.registrations.youAttended')}
              </p>
            )}
            {d.status === 'scheduled' && !started && !mine.attended && (
              <button
                type="button"
                className="btn btn-small"
                disabled={change.isPending}
                onClick={() => change.mutate(false)}
                data-testid="meeting-unregister"
              >
                {t('participation.meetings.registrations.withdraw')}
              </button>
            )}
          </>
        ) : d.registrationOpen ? (
          <button
            type="button"
            className="btn btn-primary"
            disabled={change.isPending}
            onClick={() => change.mutate(true)}
            data-testid="meeting-register"
          >
            {t('participation.meetings.registrations.register')}
          </button>
        ) : (
          <p className="muted" data-testid="meeting-registration-closed">
            {why}
          </p>
        )}
        {d.mayVote && !mine?.attended && (
          <p className="muted">{t('participation.meetings.registrations.councilVotes')}</p>
        )}
      </div>
      <Problem error={change.error} testId="meeting-registration-error" />
    </section>
  )
}

/** The rule in words: the majority it needs and the quorum. */
export function ruleText(t: (k: string, o?: Record<string, unknown>) => string, majority: Majority, quorum: number) {
  return t(`participation.meetings.rule.${majority}`, { quorum })
}

function Decisions({ detail: d }: { detail: Detail }) {
  const { t } = useTranslation()
  return (
    <section
      className="card meeting-decisions"
      aria-labelledby="meeting-decisions-title"
      data-testid="meeting-decisions"
    >
      <h3 id="meeting-decisions-title">{t('participation.meetings.decisions.title')}</h3>
      {d.decisions.length === 0 ? (
        <p className="muted">{t('participation.meetings.decisions.none')}</p>
      ) : (
        <ol className="decision-list">
          {d.decisions.map((x) => (
            <DecisionItem key={x.id} meeting={d} decision={x} />
          ))}
        </ol>
      )}
    </section>
  )
}

function DecisionItem({ meeting: m, decision: d }: { meeting: Detail; decision: Decision }) {
  const { t, i18n } = useTranslation()
  const lng = i18n.language
  const vote = useMutation({
    mutationFn: (choice: VoteChoice) => meetingApi.vote(m.id, d.id, choice),
    onSuccess: meetingChanged,
  })
  const notYet = d.result === null && !d.votingOpen && new Date(d.votingOpensAt).getTime() > Date.now()
  const headingId = `decision-${d.id}-title`
  return (
    <li className="decision" data-testid="decision" data-id={d.id} aria-labelledby={headingId}>
      <div className="decision-head">
        <h4 id={headingId}>{d.title}</h4>
        {d.result && <ResultChip result={d.result} />}
        {d.votingOpen && (
          <span className="state-chip decision-open" data-testid="decision-open">
            {t('participation.meetings.decisions.open')}
          </span>
        )}
      </div>
      <p className="meeting-text">{d.text}</p>
      <p className="muted decision-rule" data-testid="decision-rule">
        {ruleText(t, d.majority, m.quorum)}
      </p>
      <p className="muted">
        {t('participation.meetings.decisions.window', {
          from: formatDateTime(d.votingOpensAt, lng),
          to: formatDateTime(d.votingClosesAt, lng),
        })}
        {notYet && ` · ${t('participation.meetings.decisions.notYet')}`}
      </p>
      {d.result !== null && d.votesFor !== null && (
        <dl className="facts decision-count" data-testid="decision-count">
          <dt>{t('participation.meetings.choices.for')}</dt>
          <dd data-testid="decision-for">{d.votesFor}</dd>
          <dt>{t('participation.meetings.choices.against')}</dt>
          <dd data-testid="decision-against">{d.votesAgainst}</dd>
          <dt>{t('participation.meetings.choices.abstain')}</dt>
          <dd data-testid="decision-abstain">{d.votesAbstain}</dd>
          <dt>{t('participation.meetings.decisions.voters')}</dt>
          <dd>{d.voters}</dd>
        </dl>
      )}
      {d.result === null && d.voters > 0 && (
        <p className="muted" data-testid="decision-voters">
          {t('participation.meetings.decisions.votedSoFar', { n: d.voters })}
        </p>
      )}
      {d.myVote && (
        <p data-testid="decision-my-vote">
          ✓{' '}
          {t('participation.meetings.decisions.youVoted', { choice: t(`participation.meetings.choices.${d.myVote}`) })}
        </p>
      )}
      {d.mayVote && (
        <fieldset className="form-buttons decision-vote plain-fieldset">
          <legend className="visually-hidden">
            {t('participation.meetings.decisions.voteOn', { title: d.title })}
          </legend>
          {VOTE_CHOICES.map((c) => (
            <button
              key={c}
              type="button"
              className={`btn${c === 'for' ? ' btn-primary' : ''}`}
              disabled={vote.isPending}
              onClick={() => vote.mutate(c)}
              data-testid={`vote-${c}`}
            >
              {t(`participation.meetings.choices.${c}`)}
            </button>
          ))}
        </fieldset>
      )}
      {d.votingOpen && !d.mayVote && !d.myVote && (
        <p className="muted" data-testid="decision-not-eligible">
          {t('participation.meetings.decisions.whoVotes')}
        </p>
      )}
      <Problem error={vote.error} testId="decision-vote-error" />
      {d.accountabilityId !== null ? (
        <p>
          <a href={routes.participation('accountability', d.accountabilityId)} data-testid="decision-accountability">
            {t('participation.meetings.decisions.followed')}
          </a>
        </p>
      ) : (
        m.canManage &&
        d.result === 'adopted' && (
          <p>
            <a
              className="btn btn-small"
              href={routes.participation('accountability', 'new', 'meeting_decision', d.id)}
              data-testid="decision-follow"
            >
              {t('participation.meetings.decisions.follow')}
            </a>
          </p>
        )
      )}
    </li>
  )
}

function Minutes({ detail: d }: { detail: Detail }) {
  const { t } = useTranslation()
  const [text, setText] = useState(d.minutes ?? '')
  const [editing, setEditing] = useState(false)
  const save = useMutation({
    mutationFn: () => meetingApi.minutes(d.id, text.trim()),
    onSuccess: async (detail) => {
      setEditing(false)
      await meetingChanged(detail)
    },
  })
  const submit = (e: FormEvent) => {
    e.preventDefault()
    if (text.trim()) save.mutate()
  }
  return (
    <section className="card meeting-minutes" aria-labelledby="meeting-minutes-title" data-testid="meeting-minutes">
      <h3 id="meeting-minutes-title">{t('participation.meetings.minutes.title')}</h3>
      {d.minutes ? (
        <p className="meeting-text" data-testid="meeting-minutes-text">
          {d.minutes}
        </p>
      ) : (
        <p className="muted">{t('participation.meetings.minutes.none')}</p>
      )}
      {d.canManage && d.status === 'held' && !editing && (
        <button
          type="button"
          className="btn btn-small"
          onClick={() => setEditing(true)}
          data-testid="meeting-minutes-edit"
        >
          {d.minutes ? t('participation.meetings.minutes.edit') : t('participation.meetings.minutes.write')}
        </button>
      )}
      {editing && (
        <form onSubmit={submit}>
          <label className="field">
            <span>{t('participation.meetings.minutes.title')}</span>
            <textarea
              rows={8}
              maxLength={50000}
              value={text}
              onChange={(e) => setText(e.target.value)}
              data-testid="meeting-minutes-input"
            />
          </label>
          <Problem error={save.error} testId="meeting-minutes-error" />
          <div className="form-buttons">
            <button
              type="submit"
              className="btn btn-primary"
              disabled={save.isPending || !text.trim()}
              data-testid="meeting-minutes-save"
            >
              {t('participation.meetings.minutes.save')}
            </button>
            <button type="button" className="btn" onClick={() => setEditing(false)}>
              {t('participation.meetings.cancel')}
            </button>
          </div>
        </form>
      )}
    </section>
  )
}

function StaffActions({ detail: d }: { detail: Detail }) {
  const { t } = useTranslation()
  const [minutes, setMinutes] = useState('')
  const [confirmCancel, setConfirmCancel] = useState(false)
  const act = useMutation({
    mutationFn: (a: MeetingAction) => meetingApi.act(d.id, a, a === 'hold' ? minutes.trim() || undefined : undefined),
    onSuccess: async (detail) => {
      setConfirmCancel(false)
      await meetingChanged(detail)
    },
  })
  if (d.status !== 'scheduled') return null
  const canHold = d.allowedActions.includes('hold')
  return (
    <section className="card meeting-actions" aria-labelledby="meeting-actions-title" data-testid="meeting-actions">
      <h3 id="meeting-actions-title">{t('participation.meetings.actions.title')}</h3>
      {canHold ? (
        <>
          <label className="field">
            <span>{t('participation.meetings.actions.minutesNow')}</span>
            <textarea
              rows={4}
              maxLength={50000}
              value={minutes}
              onChange={(e) => setMinutes(e.target.value)}
              data-testid="meeting-hold-minutes"
            />
          </label>
          <button
            type="button"
            className="btn btn-primary"
            disabled={act.isPending}
            onClick={() => act.mutate('hold')}
            data-testid="meeting-hold"
          >
            {t('participation.meetings.actions.hold')}
          </button>
        </>
      ) : (
        <p className="muted">{t('participation.meetings.actions.holdLater')}</p>
      )}
      <div className="form-buttons">
        {confirmCancel ? (
          <>
            <span>{t('participation.meetings.actions.cancelSure')}</span>
            <button
              type="button"
              className="btn btn-danger"
              disabled={act.isPending}
              onClick={() => act.mutate('cancel')}
              data-testid="meeting-cancel-confirm"
            >
              {t('participation.meetings.actions.cancel')}
            </button>
            <button type="button" className="btn" onClick={() => setConfirmCancel(false)}>
              {t('participation.meetings.cancel')}
            </button>
          </>
        ) : (
          <button type="button" className="btn" onClick={() => setConfirmCancel(true)} data-testid="meeting-cancel">
            {t('participation.meetings.actions.cancel')}
          </button>
        )}
      </div>
      <Problem error={act.error} testId="meeting-action-error" />
    </section>
  )
}

function Attendance({ detail: d }: { detail: Detail }) {
  const { t } = useTranslation()
  const [present, setPresent] = useState<Set<number>>(
    () => new Set(d.registrants.filter((r) => r.attended).map((r) => r.userId)),
  )
  const save = useMutation({
    mutationFn: async () => {
      const now = d.registrants.filter((r) => present.has(r.userId) && !r.attended).map((r) => r.userId)
      const gone = d.registrants.filter((r) => !present.has(r.userId) && r.attended).map((r) => r.userId)
      let detail = d
      if (now.length) detail = await meetingApi.attendance(d.id, now, true)
      if (gone.length) detail = await meetingApi.attendance(d.id, gone, false)
      return detail
    },
    onSuccess: meetingChanged,
  })
  if (d.status === 'cancelled') return null
  return (
    <section
      className="card meeting-attendance"
      aria-labelledby="meeting-attendance-title"
      data-testid="meeting-attendance"
    >
      <h3 id="meeting-attendance-title">{t('participation.meetings.attendance.title')}</h3>
      {d.registrants.length === 0 ? (
        <p className="muted">{t('participation.meetings.attendance.none')}</p>
      ) : (
        <form
          onSubmit={(e) => {
            e.preventDefault()
            save.mutate()
          }}
        >
          <fieldset className="checks">
            <legend className="visually-hidden">{t('participation.meetings.attendance.title')}</legend>
            {d.registrants.map((r) => (
              <label key={r.userId} className="check">
                <input
                  type="checkbox"
                  checked={present.has(r.userId)}
                  onChange={(e) =>
                    setPresent((s) => {
                      const next = new Set(s)
                      if (e.target.checked) next.add(r.userId)
                      else next.delete(r.userId)
                      return next
                    })
                  }
                  data-testid="attendance-check"
                  data-user-id={r.userId}
                />
                {r.name ?? `#${r.userId}`}
              </label>
            ))}
          </fieldset>
          <Problem error={save.error} testId="meeting-attendance-error" />
          <button type="submit" className="btn btn-primary" disabled={save.isPending} data-testid="attendance-save">
            {t('participation.meetings.attendance.save')}
          </button>
          {save.isSuccess && (
            <span className="muted" role="status" data-testid="attendance-saved">
              {' '}
              {t('participation.meetings.attendance.saved')}
            </span>
          )}
        </form>
      )}
    </section>
  )
}

function DecisionForm({ detail: d }: { detail: Detail }) {
  const { t } = useTranslation()
  const start = new Date(Math.max(Date.now(), new Date(d.startsAt).getTime()))
  const [title, setTitle] = useState('')
  const [text, setText] = useState('')
  const [majority, setMajority] = useState<Majority>('simple')
  const [opens, setOpens] = useState(() => toLocalInput(start))
  const [closes, setCloses] = useState(() => toLocalInput(new Date(start.getTime() + 3_600_000)))
  const [key, setKey] = useState(newIdempotencyKey)
  const put = useMutation({
    mutationFn: () =>
      meetingApi.decide(
        d.id,
        {
          title: title.trim(),
          text: text.trim(),
          majority,
          votingOpensAt: fromLocalInput(opens) ?? '',
          votingClosesAt: fromLocalInput(closes) ?? '',
        },
        key,
      ),
    onSuccess: async (detail) => {
      setTitle('')
      setText('')
      setKey(newIdempotencyKey())
      await meetingChanged(detail)
    },
  })
  const ready = title.trim() && text.trim() && fromLocalInput(opens) && fromLocalInput(closes)
  return (
    <form
      className="card meeting-decision-form"
      aria-labelledby="decision-form-title"
      onSubmit={(e) => {
        e.preventDefault()
        if (ready) put.mutate()
      }}
      data-testid="decision-form"
    >
      <h3 id="decision-form-title">{t('participation.meetings.decisions.new')}</h3>
      <label className="field">
        <span>
          {t('participation.meetings.fields.decisionTitle')}
          <Required />
        </span>
        <input value={title} maxLength={200} onChange={(e) => setTitle(e.target.value)} data-testid="decision-title" />
      </label>
      <label className="field">
        <span>
          {t('participation.meetings.fields.text')}
          <Required />
        </span>
        <textarea
          rows={3}
          maxLength={10000}
          value={text}
          onChange={(e) => setText(e.target.value)}
          data-testid="decision-text"
        />
      </label>
      <label className="field">
        <span>{t('participation.meetings.fields.majority')}</span>
        <select
          value={majority}
          onChange={(e) => setMajority(e.target.value as Majority)}
          data-testid="decision-majority"
        >
          {MAJORITIES.map((m) => (
            <option key={m} value={m}>
              {t(`participation.meetings.majorities.${m}`)}
            </option>
          ))}
        </select>
      </label>
      <p className="hint muted">{ruleText(t, majority, d.quorum)}</p>
      <label className="field">
        <span>{t('participation.meetings.fields.votingOpensAt')}</span>
        <input
          type="datetime-local"
          value={opens}
          onChange={(e) => setOpens(e.target.value)}
          data-testid="decision-opens"
        />
      </label>
      <label className="field">
        <span>{t('participation.meetings.fields.votingClosesAt')}</span>
        <input
          type="datetime-local"
          value={closes}
          onChange={(e) => setCloses(e.target.value)}
          data-testid="decision-closes"
        />
      </label>
      <Problem error={put.error} testId="decision-form-error" />
      <button
        type="submit"
        className="btn btn-primary"
        disabled={put.isPending || !ready}
        data-testid="decision-submit"
      >
        {t('participation.meetings.decisions.put')}
      </button>
    </form>
  )
}
