import { useMutation, useQuery } from '@tanstack/react-query'
import { useId, useState, type FormEvent } from 'react'
import { useTranslation } from 'react-i18next'
import { queryClient } from '../../../api/queries'
import { QueryStatus } from '../../../components/QueryStatus'
import { formatDateTime, localName } from '../../../i18n'
import { routes } from '../../../router'
import { CommentThread } from '../comments'
import {
  consultationApi,
  consultationChanged,
  consultationKeys,
  consultationQueries,
  type ConsultationDetail as Detail,
  type ConsultationResult,
  type Section,
} from './api'
import { K, KindBadge, Period, Problem, StateChip } from './common'

/**
 * One consultation: what it asks and its period; the draft section by section, each with its
 * comment thread; the summary once closed; the final text beside the draft and the response to
 * the comments once published; the staff's actions (edit the draft, open, close, publish).
 */
export function ConsultationDetail({ id }: { id: number }) {
  const { t } = useTranslation()
  const query = useQuery(consultationQueries.detail(id))
  const d = query.data
  return (
    <div className="consultation-detail-page" data-testid="consultation-detail" data-consultation-id={id}>
      <a className="back-link" href={routes.participation('consultations')} data-testid="consultation-back">
        ← {t(`${K}.back`)}
      </a>
      <QueryStatus query={query} />
      {d && (
        <>
          <Head d={d} />
          {d.viewer.staff && <ActionPanel d={d} />}
          {d.result && <Summary result={d.result} />}
          {d.status === 'published' ? (
            <div className="consultation-compare" data-testid="consultation-compare">
              <Draft d={d} />
              <Outcome d={d} />
            </div>
          ) : (
            <Draft d={d} />
          )}
        </>
      )}
    </div>
  )
}

function Head({ d }: { d: Detail }) {
  const { t, i18n } = useTranslation()
  return (
    <article className="card consultation-head" aria-labelledby="consultation-title">
      <div className="consultation-card-head">
        <StateChip state={d.status} />
        <KindBadge kind={d.kind} />
        {d.verifiedOnly && <span className="badge badge-muted">{t(`${K}.verifiedOnly`)}</span>}
      </div>
      <h2 id="consultation-title" data-testid="consultation-title">
        {d.title}
      </h2>
      <p className="muted consultation-card-meta">
        <span>{localName(d.area, i18n.language)}</span>
        <Period opensAt={d.opensAt} closesAt={d.closesAt} />
        <span>{t(`${K}.list.comments`, { count: d.commentCount })}</span>
      </p>
      <p className="consultation-summary-text">{d.summary}</p>
      {d.verifiedOnly && !d.viewer.verified && !d.viewer.staff && d.acceptingComments && (
        <p className="notice" data-testid="consultation-verify">
          {t(`${K}.verifyToComment`)} <a href={routes.participation('verify')}>{t(`${K}.comments.verifyLink`)}</a>
        </p>
      )}
    </article>
  )
}

/** Why a section takes no comment now. */
function closedText(t: (key: string, o?: Record<string, unknown>) => string, d: Detail, lng: string): string {
  if (d.status === 'draft') return t(`${K}.closedDraft`)
  if (d.status === 'open') return t(`${K}.closedNotYet`, { at: formatDateTime(d.opensAt, lng) })
  return t(`${K}.closedOver`)
}

/** The draft, section by section, each with its comments (opened on request: long drafts stay short). */
function Draft({ d }: { d: Detail }) {
  const { t } = useTranslation()
  return (
    <section
      className="consultation-sections"
      aria-labelledby="consultation-draft-title"
      data-testid="consultation-draft"
    >
      <h3 id="consultation-draft-title" className="section-title">
        {d.status === 'published' ? t(`${K}.draftTitle`) : t(`${K}.sectionsTitle`)}
      </h3>
      <ol className="consultation-section-list">
        {d.sections.map((s) => (
          <SectionCard key={s.id} d={d} s={s} />
        ))}
      </ol>
    </section>
  )
}

function SectionCard({ d, s }: { d: Detail; s: Section }) {
  const { t, i18n } = useTranslation()
  const [open, setOpen] = useState(false)
  const threadId = useId()
  const headingId = `consultation-section-${s.id}`
  return (
    <li
      className="card consultation-section"
      data-testid="consultation-section"
      data-position={s.position}
      data-section-id={s.id}
      aria-labelledby={headingId}
    >
      <h4 id={headingId} className="consultation-section-heading">
        {s.heading}
      </h4>
      <p className="consultation-section-body">{s.body}</p>
      <button
        type="button"
        className="btn btn-small"
        aria-expanded={open}
        aria-controls={threadId}
        onClick={() => setOpen((o) => !o)}
        data-testid="consultation-section-comments"
      >
        {open ? t(`${K}.hideComments`) : t(`${K}.showComments`, { count: s.commentCount })}
      </button>
      {open && (
        <div id={threadId}>
          <CommentThread
            subjectKind="consultation"
            subjectId={d.id}
            sectionId={s.id}
            open={d.acceptingComments}
            closedText={closedText(t, d, i18n.language)}
            label={s.heading}
            onChange={() => void queryClient.invalidateQueries({ queryKey: consultationKeys.detail(d.id) })}
          />
        </div>
      )}
    </li>
  )
}

/** The adopted text and the response to the comments, beside the draft. */
function Outcome({ d }: { d: Detail }) {
  const { t, i18n } = useTranslation()
  return (
    <section
      className="consultation-outcome"
      aria-labelledby="consultation-final-title"
      data-testid="consultation-outcome"
    >
      <h3 id="consultation-final-title" className="section-title">
        {t(`${K}.finalTitle`)}
      </h3>
      <div className="card">
        <p className="muted">{t(`${K}.publishedAt`, { at: formatDateTime(d.publishedAt, i18n.language) })}</p>
        <p className="consultation-final-text" data-testid="consultation-final-text">
          {d.finalText}
        </p>
      </div>
      <h3 className="section-title">{t(`${K}.responseTitle`)}</h3>
      <div className="card">
        <p className="consultation-final-text" data-testid="consultation-response">
          {d.response}
        </p>
      </div>
    </section>
  )
}

/** The summary made at the close: totals, each section, and the words residents used most. */
function Summary({ result }: { result: ConsultationResult }) {
  const { t, i18n } = useTranslation()
  return (
    <section
      className="card consultation-result"
      aria-labelledby="consultation-result-title"
      data-testid="consultation-result"
    >
      <h3 id="consultation-result-title">{t(`${K}.result.title`)}</h3>
      <p className="muted">{t(`${K}.result.computedAt`, { at: formatDateTime(result.computedAt, i18n.language) })}</p>
      <dl className="consultation-stats">
        <div>
          <dt>{t(`${K}.result.comments`)}</dt>
          <dd data-testid="consultation-result-comments">{result.comments}</dd>
        </div>
        <div>
          <dt>{t(`${K}.result.participants`)}</dt>
          <dd>{result.participants}</dd>
        </div>
        <div>
          <dt>{t(`${K}.result.answered`)}</dt>
          <dd data-testid="consultation-result-answered">{result.answered}</dd>
        </div>
        <div>
          <dt>{t(`${K}.result.unanswered`)}</dt>
          <dd data-testid="consultation-result-unanswered">{result.unanswered}</dd>
        </div>
      </dl>
      <div className="consultation-table-wrap">
        <table className="consultation-table" data-testid="consultation-result-sections">
          <caption className="visually-hidden">{t(`${K}.result.bySection`)}</caption>
          <thead>
            <tr>
              <th scope="col">{t(`${K}.result.section`)}</th>
              <th scope="col">{t(`${K}.result.comments`)}</th>
              <th scope="col">{t(`${K}.result.topLevel`)}</th>
              <th scope="col">{t(`${K}.result.answered`)}</th>
              <th scope="col">{t(`${K}.result.unanswered`)}</th>
            </tr>
          </thead>
          <tbody>
            {result.sections.map((s) => (
              <tr key={s.sectionId} data-position={s.position}>
                <th scope="row">{s.heading}</th>
                <td>{s.comments}</td>
                <td>{s.topLevel}</td>
                <td>{s.answered}</td>
                <td>{s.unanswered}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <h4>{t(`${K}.result.themes`)}</h4>
      {result.themes.length === 0 ? (
        <p className="muted">{t(`${K}.result.noThemes`)}</p>
      ) : (
        <ol className="consultation-themes" data-testid="consultation-themes">
          {result.themes.map((x) => (
            <li key={x.term} data-term={x.term}>
              <span className="consultation-theme-term">{x.term}</span>
              <span className="consultation-theme-count">{t(`${K}.result.inComments`, { count: x.count })}</span>
            </li>
          ))}
        </ol>
      )}
    </section>
  )
}

/** The staff's actions: edit and open a draft, close early, publish the final text with the response. */
function ActionPanel({ d }: { d: Detail }) {
  const { t } = useTranslation()
  const [confirmClose, setConfirmClose] = useState(false)
  const act = useMutation({
    mutationFn: (body: Parameters<typeof consultationApi.act>[1]) => consultationApi.act(d.id, body),
    onSuccess: (detail) => {
      setConfirmClose(false)
      return consultationChanged(detail)
    },
  })
  if (d.allowedActions.length === 0 && d.status !== 'draft') return null
  return (
    <section
      className="card consultation-actions"
      aria-labelledby="consultation-actions-title"
      data-testid="consultation-actions"
    >
      <h3 id="consultation-actions-title">{t(`${K}.actions.title`)}</h3>
      <div className="form-buttons consultation-action-buttons">
        {d.status === 'draft' && (
          <a className="btn" href={routes.participation('consultations', d.id, 'edit')} data-testid="consultation-edit">
            {t(`${K}.actions.edit`)}
          </a>
        )}
        {d.allowedActions.includes('open') && (
          <button
            type="button"
            className="btn btn-primary"
            disabled={act.isPending}
            onClick={() => act.mutate({ action: 'open' })}
            data-testid="consultation-action-open"
          >
            {t(`${K}.actions.open`)}
          </button>
        )}
        {d.allowedActions.includes('close') &&
          (confirmClose ? (
            <>
              <span className="consultation-confirm">{t(`${K}.actions.closeSure`)}</span>
              <button
                type="button"
                className="btn btn-danger"
                disabled={act.isPending}
                onClick={() => act.mutate({ action: 'close' })}
                data-testid="consultation-action-close-confirm"
              >
                {t(`${K}.actions.closeConfirm`)}
              </button>
              <button type="button" className="btn" onClick={() => setConfirmClose(false)}>
                {t(`${K}.comments.cancel`)}
              </button>
            </>
          ) : (
            <button
              type="button"
              className="btn"
              onClick={() => setConfirmClose(true)}
              data-testid="consultation-action-close"
            >
              {t(`${K}.actions.close`)}
            </button>
          ))}
      </div>
      {d.allowedActions.includes('publish') && <PublishForm d={d} pending={act.isPending} onPublish={act.mutate} />}
      <Problem error={act.error} testId="consultation-action-error" />
    </section>
  )
}

function PublishForm({
  d,
  pending,
  onPublish,
}: {
  d: Detail
  pending: boolean
  onPublish: (body: { action: 'publish'; finalText: string; response: string }) => void
}) {
  const { t } = useTranslation()
  const finalId = useId()
  const responseId = useId()
  // The adopted text starts as the draft: staff change what the comments changed.
  const [finalText, setFinalText] = useState(() => d.sections.map((s) => `${s.heading}\n${s.body}`).join('\n\n'))
  const [response, setResponse] = useState('')
  const submit = (e: FormEvent) => {
    e.preventDefault()
    onPublish({ action: 'publish', finalText, response })
  }
  return (
    <form className="consultation-publish" onSubmit={submit} data-testid="consultation-publish-form">
      <p className="muted">{t(`${K}.actions.publishHint`)}</p>
      <label className="field" htmlFor={finalId}>
        <span>{t(`${K}.fields.finalText`)}</span>
        <textarea
          id={finalId}
          rows={8}
          maxLength={100000}
          value={finalText}
          onChange={(e) => setFinalText(e.target.value)}
          data-testid="consultation-final-input"
        />
      </label>
      <label className="field" htmlFor={responseId}>
        <span>{t(`${K}.fields.response`)}</span>
        <textarea
          id={responseId}
          rows={5}
          maxLength={20000}
          value={response}
          onChange={(e) => setResponse(e.target.value)}
          data-testid="consultation-response-input"
        />
      </label>
      <div className="form-buttons">
        <button
          type="submit"
          className="btn btn-primary"
          disabled={pending || !finalText.trim() || !response.trim()}
          data-testid="consultation-action-publish"
        >
          {t(`${K}.actions.publish`)}
        </button>
      </div>
    </form>
  )
}
