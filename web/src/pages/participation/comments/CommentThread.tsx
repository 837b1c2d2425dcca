import { useInfiniteQuery, useMutation } from '@tanstack/react-query'
import { useId, useState, type FormEvent } from 'react'
import { useTranslation } from 'react-i18next'
import { ApiError } from '../../../api'
import { queryClient } from '../../../api/queries'
import { newIdempotencyKey } from '../../../caseUtils'
import { QueryStatus } from '../../../components/QueryStatus'
import { errorText, formatDateTime } from '../../../i18n'
import { routes } from '../../../router'
import { allOf } from '../../../types'
import {
  COMMENT_MAX,
  commentApi,
  commentKeys,
  commentQueries,
  type Comment,
  type CommentSubjectKind,
  type ReportReason,
  type ThreadRef,
} from './api'
import './comments.css'

const REPORT_REASONS = allOf<ReportReason>()(['spam', 'offensive', 'personal_data', 'off_topic', 'other'])
const K = 'participation.consultations.comments'

export interface CommentThreadProps {
  subjectKind: CommentSubjectKind
  subjectId: number
  /** A consultation's section: its thread (required to comment on a consultation). */
  sectionId?: number
  /** Whether the subject takes comments now (default true); when false the form gives way to `closedText`. */
  open?: boolean
  /** Why no comment may be written (default: comments are closed). */
  closedText?: string
  /** After a comment is written, hidden or restored: the subject's own counts changed. */
  onChange?: () => void
  /** What the thread is about, for screen readers (e.g. the section's heading). */
  label?: string
}

/**
 * A comment thread: the top-level comments oldest first, a page at a time, each with its replies
 * on demand; write, reply and report; an official answer is marked so; the area's staff (the server
 * tells: they get report counts) hide and restore. Used by consultations (a thread per section) and
 * proposals.
 */
export function CommentThread({
  subjectKind,
  subjectId,
  sectionId,
  open = true,
  closedText,
  onChange,
  label,
}: CommentThreadProps) {
  const { t } = useTranslation()
  const ref: ThreadRef = { subjectKind, subjectId, sectionId }
  const query = useInfiniteQuery(commentQueries.thread(ref))
  const comments = query.data?.pages.flatMap((p) => p.items) ?? []
  const total = query.data?.pages[0]?.total ?? 0
  const changed = () => {
    void queryClient.invalidateQueries({ queryKey: commentKeys.subject(subjectKind, subjectId) })
    void queryClient.invalidateQueries({ queryKey: [...commentKeys.all, 'moderation'] })
    onChange?.()
  }
  return (
    <section
      className="comment-thread"
      aria-label={label ? t(`${K}.threadOf`, { label }) : t(`${K}.thread`)}
      data-testid="comment-thread"
      data-subject={`${subjectKind}:${subjectId}${sectionId ? `:${sectionId}` : ''}`}
    >
      <QueryStatus query={query} />
      {query.data && comments.length === 0 && (
        <p className="muted" data-testid="comment-none">
          {t(`${K}.none`)}
        </p>
      )}
      {comments.length > 0 && (
        <>
          <p className="muted comment-count" data-testid="comment-total">
            {t(`${K}.total`, { count: total })}
          </p>
          <ol className="comment-list">
            {comments.map((c) => (
              <CommentItem key={c.id} comment={c} thread={ref} open={open} onChanged={changed} />
            ))}
          </ol>
        </>
      )}
      {query.hasNextPage && (
        <button
          type="button"
          className="btn btn-small comment-more"
          disabled={query.isFetchingNextPage}
          onClick={() => void query.fetchNextPage()}
          data-testid="comment-load-more"
        >
          {query.isFetchingNextPage ? t(`${K}.loading`) : t(`${K}.more`)}
        </button>
      )}
      {open ? (
        <Composer thread={ref} onPosted={changed} />
      ) : (
        <p className="notice comment-closed" data-testid="comment-closed">
          {closedText ?? t(`${K}.closed`)}
        </p>
      )}
    </section>
  )
}

/** The replies of one comment, loaded when opened. */
function Replies({
  thread,
  parent,
  open,
  onChanged,
}: {
  thread: ThreadRef
  parent: Comment
  open: boolean
  onChanged: () => void
}) {
  const { t } = useTranslation()
  const ref: ThreadRef = { ...thread, parentId: parent.id }
  const query = useInfiniteQuery(commentQueries.thread(ref))
  const replies = query.data?.pages.flatMap((p) => p.items) ?? []
  return (
    <div className="comment-replies" data-testid="comment-replies">
      <QueryStatus query={query} />
      <ol className="comment-list">
        {replies.map((c) => (
          <CommentItem key={c.id} comment={c} thread={thread} open={open} onChanged={onChanged} reply />
        ))}
      </ol>
      {query.hasNextPage && (
        <button
          type="button"
          className="btn btn-small comment-more"
          disabled={query.isFetchingNextPage}
          onClick={() => void query.fetchNextPage()}
          data-testid="comment-replies-more"
        >
          {t(`${K}.moreReplies`)}
        </button>
      )}
    </div>
  )
}

function CommentItem({
  comment: c,
  thread,
  open,
  onChanged,
  reply = false,
}: {
  comment: Comment
  thread: ThreadRef
  open: boolean
  onChanged: () => void
  reply?: boolean
}) {
  const { t, i18n } = useTranslation()
  const [panel, setPanel] = useState<'none' | 'reply' | 'report' | 'hide'>('none')
  const [showReplies, setShowReplies] = useState(false)
  // The server gives report counts to the staff of the subject's area only: they moderate.
  const moderator = c.reportCount !== null
  const restore = useMutation({
    mutationFn: () => commentApi.restore(c.id),
    onSuccess: onChanged,
  })
  const toggle = (p: typeof panel) => setPanel((x) => (x === p ? 'none' : p))
  const headId = `comment-${c.id}-head`
  return (
    <li
      className={`comment${c.official ? ' comment-official' : ''}${c.hidden ? ' comment-hidden' : ''}`}
      data-testid="comment-item"
      data-comment-id={c.id}
      data-official={c.official ? 'true' : 'false'}
      data-hidden={c.hidden ? 'true' : 'false'}
      aria-labelledby={headId}
    >
      <div className="comment-head" id={headId}>
        <strong className="comment-author">{c.author || t(`${K}.someone`)}</strong>
        {c.official && (
          <span className="badge comment-official-badge" data-testid="comment-official">
            {t(`${K}.official`)}
          </span>
        )}
        {c.mine && <span className="badge badge-muted">{t(`${K}.mine`)}</span>}
        <time className="muted" dateTime={c.createdAt}>
          {formatDateTime(c.createdAt, i18n.language)}
        </time>
        {moderator && c.reportCount !== null && c.reportCount > 0 && (
          <span className="badge comment-report-badge" data-testid="comment-report-count">
            {t(`${K}.reports`, { count: c.reportCount })}
          </span>
        )}
      </div>
      {c.hidden ? (
        <p className="comment-body comment-hidden-text" data-testid="comment-hidden">
          {t(`${K}.hidden`)}
          {c.hiddenReason && <span className="muted"> · {t(`${K}.hiddenReason`, { reason: c.hiddenReason })}</span>}
        </p>
      ) : (
        <p className="comment-body" data-testid="comment-body">
          {c.body}
        </p>
      )}
      <div className="comment-actions">
        {open && !c.hidden && (
          <button
            type="button"
            className="btn btn-small btn-link"
            aria-expanded={panel === 'reply'}
            onClick={() => toggle('reply')}
            data-testid="comment-reply-button"
          >
            {t(`${K}.reply`)}
          </button>
        )}
        {!c.mine && !c.hidden && !c.reportedByMe && (
          <button
            type="button"
            className="btn btn-small btn-link"
            aria-expanded={panel === 'report'}
            onClick={() => toggle('report')}
            data-testid="comment-report-button"
          >
            {t(`${K}.report`)}
          </button>
        )}
        {c.reportedByMe && (
          <span className="muted" data-testid="comment-reported">
            {t(`${K}.reported`)}
          </span>
        )}
        {moderator && !c.hidden && (
          <button
            type="button"
            className="btn btn-small btn-link"
            aria-expanded={panel === 'hide'}
            onClick={() => toggle('hide')}
            data-testid="comment-hide-button"
          >
            {t(`${K}.hide`)}
          </button>
        )}
        {moderator && c.hidden && (
          <button
            type="button"
            className="btn btn-small btn-link"
            disabled={restore.isPending}
            onClick={() => restore.mutate()}
            data-testid="comment-restore-button"
          >
            {t(`${K}.restore`)}
          </button>
        )}
      </div>
      <CommentProblem error={restore.error} />
      {panel === 'reply' && (
        <Composer
          thread={{ ...thread, parentId: c.parentId ?? c.id }}
          replyTo={c.author}
          autoFocus
          onPosted={() => {
            setPanel('none')
            setShowReplies(true)
            onChanged()
          }}
          onCancel={() => setPanel('none')}
        />
      )}
      {panel === 'report' && (
        <ReportForm
          comment={c}
          onDone={() => {
            setPanel('none')
            onChanged()
          }}
          onCancel={() => setPanel('none')}
        />
      )}
      {panel === 'hide' && (
        <HideForm
          comment={c}
          onDone={() => {
            setPanel('none')
            onChanged()
          }}
          onCancel={() => setPanel('none')}
        />
      )}
      {!reply && c.replyCount > 0 && (
        <button
          type="button"
          className="btn btn-small btn-link comment-replies-toggle"
          aria-expanded={showReplies}
          onClick={() => setShowReplies((s) => !s)}
          data-testid="comment-replies-toggle"
        >
          {showReplies ? t(`${K}.hideReplies`) : t(`${K}.showReplies`, { count: c.replyCount })}
        </button>
      )}
      {!reply && showReplies && <Replies thread={thread} parent={c} open={open} onChanged={onChanged} />}
    </li>
  )
}

/** Writing a comment, or a reply (`thread.parentId`). */
function Composer({
  thread,
  replyTo,
  autoFocus = false,
  onPosted,
  onCancel,
}: {
  thread: ThreadRef
  replyTo?: string
  autoFocus?: boolean
  onPosted: () => void
  onCancel?: () => void
}) {
  const { t } = useTranslation()
  const inputId = useId()
  const countId = useId()
  const [text, setText] = useState('')
  const [key, setKey] = useState(newIdempotencyKey)
  const post = useMutation({
    mutationFn: () =>
      commentApi.post(
        {
          subjectKind: thread.subjectKind,
          subjectId: thread.subjectId,
          ...(thread.sectionId ? { sectionId: thread.sectionId } : {}),
          ...(thread.parentId ? { parentId: thread.parentId } : {}),
          body: text.trim(),
        },
        key,
      ),
    onSuccess: () => {
      setText('')
      setKey(newIdempotencyKey())
      onPosted()
    },
  })
  const length = [...text].length
  const tooLong = length > COMMENT_MAX
  const submit = (e: FormEvent) => {
    e.preventDefault()
    if (!text.trim() || tooLong) return
    post.mutate()
  }
  return (
    <form className={`comment-composer${replyTo !== undefined ? ' comment-composer-reply' : ''}`} onSubmit={submit}>
      <label className="field" htmlFor={inputId}>
        <span>
          {replyTo !== undefined ? t(`${K}.replyTo`, { name: replyTo || t(`${K}.someone`) }) : t(`${K}.write`)}
        </span>
        <textarea
          id={inputId}
          rows={replyTo !== undefined ? 2 : 3}
          value={text}
          // biome-ignore lint/a11y/noAutofocus: the reply box opens on the reader's request, focus follows
          autoFocus={autoFocus}
          aria-describedby={countId}
          aria-invalid={tooLong || undefined}
          onChange={(e) => setText(e.target.value)}
          data-testid={replyTo !== undefined ? 'comment-reply-input' : 'comment-input'}
        />
      </label>
      <div className="comment-composer-foot">
        <span id={countId} className={`muted comment-counter${tooLong ? ' over' : ''}`} aria-live="polite">
          {t(`${K}.counter`, { n: length, max: COMMENT_MAX })}
        </span>
        <div className="form-buttons">
          {onCancel && (
            <button type="button" className="btn btn-small" onClick={onCancel}>
              {t(`${K}.cancel`)}
            </button>
          )}
          <button
            type="submit"
            className="btn btn-primary btn-small"
            disabled={post.isPending || !text.trim() || tooLong}
            data-testid={replyTo !== undefined ? 'comment-reply-submit' : 'comment-submit'}
          >
            {replyTo !== undefined ? t(`${K}.sendReply`) : t(`${K}.send`)}
          </button>
        </div>
      </div>
      <CommentProblem error={post.error} />
    </form>
  )
}

function ReportForm({ comment, onDone, onCancel }: { comment: Comment; onDone: () => void; onCancel: () => void }) {
  const { t } = useTranslation()
  const [reason, setReason] = useState<ReportReason>('spam')
  const report = useMutation({ mutationFn: () => commentApi.report(comment.id, reason), onSuccess: onDone })
  return (
    <form
      className="comment-panel"
      onSubmit={(e) => {
        e.preventDefault()
        report.mutate()
      }}
      data-testid="comment-report-form"
    >
      <fieldset className="comment-reasons">
        <legend>{t(`${K}.reportWhy`)}</legend>
        {REPORT_REASONS.map((r) => (
          <label key={r} className="check">
            <input
              type="radio"
              name={`report-${comment.id}`}
              value={r}
              checked={reason === r}
              onChange={() => setReason(r)}
              data-testid={`comment-report-reason-${r}`}
            />
            {t(`${K}.reasons.${r}`)}
          </label>
        ))}
      </fieldset>
      <div className="form-buttons">
        <button type="button" className="btn btn-small" onClick={onCancel}>
          {t(`${K}.cancel`)}
        </button>
        <button
          type="submit"
          className="btn btn-small btn-primary"
          disabled={report.isPending}
          data-testid="comment-report-submit"
        >
          {t(`${K}.sendReport`)}
        </button>
      </div>
      <CommentProblem error={report.error} />
    </form>
  )
}

/** Staff hide a comment with a reason the readers see. */
export function HideForm({
  comment,
  onDone,
  onCancel,
}: {
  comment: { id: number }
  onDone: () => void
  onCancel: () => void
}) {
  const { t } = useTranslation()
  const inputId = useId()
  const [reason, setReason] = useState('')
  const hide = useMutation({ mutationFn: () => commentApi.hide(comment.id, reason.trim()), onSuccess: onDone })
  return (
    <form
      className="comment-panel"
      onSubmit={(e) => {
        e.preventDefault()
        if (reason.trim()) hide.mutate()
      }}
      data-testid="comment-hide-form"
    >
      <label className="field" htmlFor={inputId}>
        <span>{t(`${K}.hideWhy`)}</span>
        <input
          id={inputId}
          value={reason}
          maxLength={500}
          onChange={(e) => setReason(e.target.value)}
          data-testid="comment-hide-reason"
        />
      </label>
      <div className="form-buttons">
        <button type="button" className="btn btn-small" onClick={onCancel}>
          {t(`${K}.cancel`)}
        </button>
        <button
          type="submit"
          className="btn btn-small btn-danger"
          disabled={hide.isPending || !reason.trim()}
          data-testid="comment-hide-submit"
        >
          {t(`${K}.hideConfirm`)}
        </button>
      </div>
      <CommentProblem error={hide.error} />
    </form>
  )
}

/** An error of a comment action, translated; an unverified resident is sent to the verification page. */
export function CommentProblem({ error }: { error: unknown }) {
  const { t } = useTranslation()
  if (!error) return null
  const code = error instanceof ApiError ? error.code : undefined
  if (code === 'VERIFICATION_REQUIRED')
    return (
      <div className="error-banner" role="alert" data-testid="comment-error" data-code={code}>
        <span>{t(`${K}.verifyFirst`)}</span>
        <a className="btn btn-small" href={routes.participation('verify')}>
          {t(`${K}.verifyLink`)}
        </a>
      </div>
    )
  return (
    <div className="error-banner" role="alert" data-testid="comment-error" data-code={code}>
      <span>{errorText(error, (f) => (f === 'body' ? t(`${K}.fieldBody`) : undefined))}</span>
    </div>
  )
}
