import { useMutation, useQuery } from '@tanstack/react-query'
import { useState, type FormEvent } from 'react'
import { ApiError } from '../../../api'
import { newIdempotencyKey } from '../../../caseUtils'
import { useTranslation } from 'react-i18next'
import { QueryStatus } from '../../../components/QueryStatus'
import { CommentThread } from '../comments'
import { formatDateTime, localName } from '../../../i18n'
import { routes } from '../../../router'
import {
  proposalApi,
  proposalKeys,
  proposalQueries,
  supportChanged,
  type Preferences,
  type ProposalDetail as Detail,
} from './api'
import { queryClient } from '../../../api/queries'
import { ProposalActionPanel } from './ProposalActionPanel'
import { AnswerClock, Problem, Required, SUPPORTABLE, StateBadge, SupportProgress, useFieldLabel } from './common'
import { WriteUpLink } from '../../training/models/WriteUpLink'

/**
 * One proposal: its text, photos and place; the support button with the progress toward the area's
 * threshold; the official answer; the staff's actions and the author's withdrawal; the history;
 * the comments; and a link to its "you said, we did" record once there is one.
 */
export function ProposalDetail({ id, staff }: { id: number; staff: boolean }) {
  const { t } = useTranslation()
  const query = useQuery(proposalQueries.detail(id))
  const d = query.data
  return (
    <div className="proposal-detail-page" data-testid="proposal-detail" data-proposal-id={id}>
      <a className="back-link" href={routes.participation('proposals')} data-testid="proposal-back">
        ← {t('participation.proposals.back')}
      </a>
      <QueryStatus query={query} />
      {d && (
        <div className="proposal-detail">
          <div className="proposal-detail-main">
            <Head detail={d} />
            <Support detail={d} />
            <Answer detail={d} staff={staff} />
            <ProposalActionPanel detail={d} />
            <Comments detail={d} />
          </div>
          <div className="proposal-detail-side">
            <Follow detail={d} />
            <section className="card proposal-events-card" aria-labelledby="proposal-events-title">
              <h3 id="proposal-events-title">{t('participation.proposals.detail.history')}</h3>
              <Events detail={d} />
            </section>
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
    <article className="card proposal-head" aria-labelledby="proposal-title">
      <div className="proposal-card-head">
        <StateBadge state={d.status} />
        <span className="muted mono" data-testid="proposal-reference">
          {d.reference}
        </span>
        <span className="muted">{t(`participation.proposals.categories.${d.category}`)}</span>
        {d.status === 'implemented' && <WriteUpLink kind="proposal" id={d.id} />}
      </div>
      <h2 id="proposal-title" data-testid="proposal-title-text">
        {d.title}
      </h2>
      <p className="proposal-card-meta muted">
        <span data-testid="proposal-area-name">{localName(d, lng)}</span>
        <span data-testid="proposal-author">{t('participation.proposals.list.by', { name: d.authorName || '—' })}</span>
        <span>
          <time dateTime={d.createdAt}>{formatDateTime(d.createdAt, lng)}</time>
        </span>
        {d.mine && <span className="badge proposal-mine-badge">{t('participation.proposals.detail.mine')}</span>}
      </p>
      <p className="proposal-body" data-testid="proposal-body-text">
        {d.body}
      </p>
      {d.photoIds.length > 0 && (
        <div className="proposal-photos" data-testid="proposal-photos">
          {d.photoIds.map((photoId, i) => (
            <a key={photoId} href={proposalApi.photoUrl(d.id, photoId)} target="_blank" rel="noreferrer">
              <img
                src={proposalApi.photoUrl(d.id, photoId)}
                alt={t('participation.proposals.detail.photoN', { n: i + 1, title: d.title })}
                loading="lazy"
              />
            </a>
          ))}
        </div>
      )}
      {d.location && (
        <p className="muted" data-testid="proposal-location">
          {t('participation.proposals.detail.place', {
            lat: d.location.lat.toFixed(5),
            lng: d.location.lng.toFixed(5),
          })}
        </p>
      )}
    </article>
  )
}

/** Support once, or take it back while the proposal has not yet reached its threshold. */
function Support({ detail: d }: { detail: Detail }) {
  const { t } = useTranslation()
  const verification = useQuery(proposalQueries.verification())
  const change = useMutation({
    mutationFn: (give: boolean) => (give ? proposalApi.support(d.id) : proposalApi.takeBack(d.id)),
    onSuccess: () => supportChanged(d.id),
  })
  const open = SUPPORTABLE.includes(d.status)
  const needsVerifying = d.verifiedToSupport && verification.data?.verified === false
  const waiting = d.status === 'threshold_reached' || d.status === 'evaluating'
  return (
    <section className="card proposal-support" aria-labelledby="proposal-support-title" data-testid="proposal-support">
      <h3 id="proposal-support-title">{t('participation.proposals.detail.supports')}</h3>
      <SupportProgress count={d.supportCount} threshold={d.threshold} />
      {d.thresholdReachedAt && (
        <p className="muted" data-testid="proposal-threshold-reached">
          {t('participation.proposals.detail.reachedAt', { at: formatDateTime(d.thresholdReachedAt) })}
        </p>
      )}
      {waiting && d.answerDueAt && (
        <p data-testid="proposal-answer-due">
          {t('participation.proposals.detail.answerDue', { at: formatDateTime(d.answerDueAt) })}{' '}
          <AnswerClock dueAt={d.answerDueAt} />
        </p>
      )}
      {open ? (
        <>
          {needsVerifying && !d.supported && (
            <p className="notice" data-testid="proposal-support-verify">
              {t('participation.proposals.detail.verifyToSupport')}{' '}
              <a href={routes.participation('verify')}>{t('participation.proposals.verifyNeeded.link')}</a>
            </p>
          )}
          <div className="proposal-support-buttons" aria-live="polite">
            {d.supported ? (
              <>
                <span className="proposal-supported-mark" data-testid="proposal-supported">
                  ✓ {t('participation.proposals.detail.supported')}
                </span>
                {d.status === 'published' && (
                  <button
                    type="button"
                    className="btn btn-small"
                    disabled={change.isPending}
                    onClick={() => change.mutate(false)}
                    data-testid="proposal-take-back"
                  >
                    {t('participation.proposals.detail.takeBack')}
                  </button>
                )}
              </>
            ) : (
              <button
                type="button"
                className="btn btn-primary"
                disabled={change.isPending}
                onClick={() => change.mutate(true)}
                data-testid="proposal-support-button"
              >
                {t('participation.proposals.detail.support')}
              </button>
            )}
          </div>
        </>
      ) : (
        <p className="muted" data-testid="proposal-support-closed">
          {d.supported && (
            <span className="proposal-supported-mark">✓ {t('participation.proposals.detail.supported')} · </span>
          )}
          {t('participation.proposals.detail.supportClosed')}
        </p>
      )}
      <Problem error={change.error} testId="proposal-support-error" />
    </section>
  )
}

/** The official answer once given; before that, what the resident may expect. */
function Answer({ detail: d, staff }: { detail: Detail; staff: boolean }) {
  const { t, i18n } = useTranslation()
  const lng = i18n.language
  return (
    <section
      className={`card proposal-answer answer-${d.status}`}
      aria-labelledby="proposal-answer-title"
      data-testid="proposal-answer"
      data-answered={d.answer ? 'true' : 'false'}
    >
      <h3 id="proposal-answer-title">{t('participation.proposals.detail.answerTitle')}</h3>
      {d.answer ? (
        <>
          <blockquote data-testid="proposal-answer-text">{d.answer}</blockquote>
          <p className="muted">
            {t('participation.proposals.detail.answeredBy', {
              name: d.answeredByName ?? '—',
              at: formatDateTime(d.answeredAt, lng),
            })}
          </p>
        </>
      ) : (
        <p className="muted" data-testid="proposal-answer-none">
          {d.status === 'withdrawn'
            ? t('participation.proposals.detail.noAnswerWithdrawn')
            : d.status === 'published'
              ? t('participation.proposals.detail.noAnswerYet', { n: Math.max(0, d.threshold - d.supportCount) })
              : t('participation.proposals.detail.answerPending')}
        </p>
      )}
      {staff && d.accountabilityId === null && (d.status === 'accepted' || d.status === 'implemented') && (
        <FollowUp detail={d} />
      )}
      {d.accountabilityId !== null && (
        <p>
          <a
            className="btn btn-small"
            href={routes.participation('accountability', d.accountabilityId)}
            data-testid="proposal-accountability"
          >
            {t('participation.proposals.detail.accountability')}
          </a>
        </p>
      )}
    </section>
  )
}

/** The proposal's history, oldest first. */
function Events({ detail: d }: { detail: Detail }) {
  const { t, i18n } = useTranslation()
  const lng = i18n.language
  return (
    <ol className="proposal-events" data-testid="proposal-events">
      {d.events.map((e) => (
        <li key={`${e.at}-${e.action}`} data-testid="proposal-event" data-action={e.action}>
          <strong>{t(`participation.proposals.events.${e.action}`, { defaultValue: e.action })}</strong>
          <br />
          <span className="muted">
            <time dateTime={e.at}>{formatDateTime(e.at, lng)}</time>
            {e.actorName ? ` · ${e.actorName}` : ''}
          </span>
          {e.note && e.action !== 'accept' && e.action !== 'reject' && <p className="event-note">{e.note}</p>}
        </li>
      ))}
    </ol>
  )
}

/** Whether the caller hears of this proposal's changes (by digest or at once, as chosen on the verify page). */
function Follow({ detail: d }: { detail: Detail }) {
  const { t } = useTranslation()
  const prefs = useQuery(proposalQueries.preferences())
  const subject = { subjectKind: 'proposal' as const, subjectId: d.id }
  const change = useMutation({
    mutationFn: (off: boolean) => (off ? proposalApi.unsubscribe(subject) : proposalApi.resubscribe(subject)),
    onSuccess: (next: Preferences) => queryClient.setQueryData(proposalKeys.preferences, next),
  })
  if (!prefs.data) return null
  const off = prefs.data.unsubscribed.some((u) => u.subjectKind === 'proposal' && u.subjectId === d.id)
  return (
    <section className="card proposal-follow" aria-labelledby="proposal-follow-title" data-testid="proposal-follow">
      <h3 id="proposal-follow-title">{t('participation.proposals.detail.followTitle')}</h3>
      <p className="muted" data-testid="proposal-follow-state" data-following={off ? 'false' : 'true'}>
        {off
          ? t('participation.proposals.detail.unfollowed')
          : t(`participation.proposals.detail.following.${prefs.data.delivery}`)}
      </p>
      <div className="form-buttons">
        <button
          type="button"
          className="btn btn-small"
          disabled={change.isPending}
          onClick={() => change.mutate(!off)}
          data-testid="proposal-follow-toggle"
        >
          {off ? t('participation.proposals.detail.resubscribe') : t('participation.proposals.detail.unsubscribe')}
        </button>
        <a className="btn btn-small" href={routes.participation('verify')}>
          {t('participation.proposals.detail.preferences')}
        </a>
      </div>
      <Problem error={change.error} />
    </section>
  )
}

/**
 * The comments: the shared thread of web/src/pages/participation/comments (write, reply, report; staff
 * answer officially and moderate). A withdrawn proposal takes no more comments. A new comment changes
 * the proposal's count, so its detail and the lists refetch.
 */
function Comments({ detail: d }: { detail: Detail }) {
  const { t } = useTranslation()
  return (
    <section
      className="card proposal-comments"
      aria-labelledby="proposal-comments-title"
      data-testid="proposal-comments"
    >
      <h3 id="proposal-comments-title">{t('participation.proposals.detail.comments', { n: d.commentCount })}</h3>
      <CommentThread
        subjectKind="proposal"
        subjectId={d.id}
        open={d.status !== 'withdrawn'}
        closedText={t('participation.proposals.detail.commentsClosed')}
        label={d.title}
        onChange={() => void supportChanged(d.id)}
      />
    </section>
  )
}

/**
 * Staff start the "you said, we did" record of an accepted proposal: its title and what will be done
 * (the answer to start with); residents then follow its milestones and progress there.
 */
function FollowUp({ detail: d }: { detail: Detail }) {
  const { t } = useTranslation()
  const fieldLabel = useFieldLabel()
  const [open, setOpen] = useState(false)
  const [key] = useState(newIdempotencyKey)
  const [title, setTitle] = useState(d.title.slice(0, 200))
  const [description, setDescription] = useState(d.answer ?? '')
  const [problem, setProblem] = useState<ApiError | null>(null)
  const create = useMutation({
    mutationFn: () =>
      proposalApi.follow(
        {
          sourceKind: 'proposal',
          sourceId: d.id,
          title: title.trim(),
          ...(description.trim() ? { description: description.trim() } : {}),
        },
        key,
      ),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: proposalKeys.detail(d.id) }),
  })
  const submit = (e: FormEvent) => {
    e.preventDefault()
    if (create.isPending) return
    if (!title.trim()) return setProblem(new ApiError(0, 'VALIDATION_FAILED', '', 'recordTitle'))
    setProblem(null)
    create.mutate()
  }
  if (!open)
    return (
      <p>
        <button type="button" className="btn btn-small" onClick={() => setOpen(true)} data-testid="proposal-follow-up">
          {t('participation.proposals.detail.followUp')}
        </button>
      </p>
    )
  return (
    <form className="proposal-action-form" onSubmit={submit} noValidate data-testid="proposal-follow-up-form">
      <p className="muted">{t('participation.proposals.detail.followUpIntro')}</p>
      <label className="field">
        <span>
          {t('participation.proposals.fields.recordTitle')}
          <Required />
        </span>
        <input
          data-testid="proposal-follow-up-title"
          value={title}
          maxLength={200}
          aria-invalid={problem?.field === 'recordTitle' || undefined}
          onChange={(e) => setTitle(e.target.value)}
        />
      </label>
      <label className="field">
        <span>{t('participation.proposals.fields.recordDescription')}</span>
        <textarea
          data-testid="proposal-follow-up-description"
          rows={4}
          maxLength={6000}
          value={description}
          onChange={(e) => setDescription(e.target.value)}
        />
      </label>
      <Problem error={problem ?? create.error} testId="proposal-follow-up-error" fieldLabel={fieldLabel} />
      <div className="form-buttons">
        <button
          type="submit"
          className="btn btn-primary"
          disabled={create.isPending}
          data-testid="proposal-follow-up-submit"
        >
          {t('participation.proposals.detail.followUpSubmit')}
        </button>
        <button type="button" className="btn" onClick={() => setOpen(false)}>
          {t('participation.proposals.actions.cancel')}
        </button>
      </div>
    </form>
  )
}
