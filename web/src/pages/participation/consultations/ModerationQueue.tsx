import { keepPreviousData, useQuery } from '@tanstack/react-query'
import { useState } from 'react'
import { useTranslation } from 'react-i18next'
import { queryClient } from '../../../api/queries'
import { Pager } from '../../../components/Pager'
import { QueryStatus } from '../../../components/QueryStatus'
import { formatDateTime } from '../../../i18n'
import { routes } from '../../../router'
import { commentKeys, commentQueries, HideForm, type ModerationItem } from '../comments'
import { K } from './common'

const PAGE = 20

/**
 * The staff's moderation queue: reported comments of their areas not hidden yet, the most reported
 * first, each with its text, the reasons given and where it was written; hiding asks a reason that
 * readers then see in its place.
 */
export function ModerationQueue() {
  const { t } = useTranslation()
  const [page, setPage] = useState(1)
  const queue = useQuery({ ...commentQueries.moderation({ page, pageSize: PAGE }), placeholderData: keepPreviousData })
  return (
    <div className="moderation-page" data-testid="moderation-queue">
      <a className="back-link" href={routes.participation('consultations')}>
        ← {t(`${K}.back`)}
      </a>
      <h2>{t(`${K}.moderation.title`)}</h2>
      <p className="muted">{t(`${K}.moderation.intro`)}</p>
      <QueryStatus query={queue} />
      {queue.data && queue.data.items.length === 0 && (
        <p className="notice" data-testid="moderation-empty">
          {t(`${K}.moderation.empty`)}
        </p>
      )}
      <ol className="moderation-list">
        {queue.data?.items.map((item) => (
          <QueueItem key={item.comment.id} item={item} />
        ))}
      </ol>
      {queue.data && (
        <Pager page={queue.data.page} pageSize={queue.data.pageSize} total={queue.data.total} onPage={setPage} />
      )}
    </div>
  )
}

function QueueItem({ item }: { item: ModerationItem }) {
  const { t, i18n } = useTranslation()
  const [hiding, setHiding] = useState(false)
  const c = item.comment
  const subjectHref =
    item.subject.kind === 'proposal'
      ? routes.participation('proposals', item.subject.id)
      : routes.participation('consultations', item.subject.id)
  const headId = `moderation-${c.id}`
  return (
    <li className="card moderation-item" data-testid="moderation-item" data-comment-id={c.id} aria-labelledby={headId}>
      <div className="comment-head" id={headId}>
        <strong>{c.author}</strong>
        <time className="muted" dateTime={c.createdAt}>
          {formatDateTime(c.createdAt, i18n.language)}
        </time>
        <span className="badge comment-report-badge" data-testid="moderation-report-count">
          {t(`${K}.comments.reports`, { count: c.reportCount ?? 0 })}
        </span>
      </div>
      <p className="comment-body" data-testid="moderation-body">
        {item.body}
      </p>
      <p className="muted">
        {t(`${K}.moderation.on.${item.subject.kind}`)}{' '}
        <a href={subjectHref} data-testid="moderation-subject">
          {item.subject.title}
        </a>
      </p>
      <ul className="moderation-reasons" aria-label={t(`${K}.moderation.reasons`)}>
        {item.reasons.map((r) => (
          <li key={r.reason}>
            {t(`${K}.moderation.reasonCount`, { reason: t(`${K}.comments.reasons.${r.reason}`), count: r.count })}
          </li>
        ))}
      </ul>
      {hiding ? (
        <HideForm
          comment={c}
          onCancel={() => setHiding(false)}
          onDone={() => {
            setHiding(false)
            void queryClient.invalidateQueries({ queryKey: commentKeys.all })
          }}
        />
      ) : (
        <button
          type="button"
          className="btn btn-small btn-danger"
          onClick={() => setHiding(true)}
          data-testid="moderation-hide"
        >
          {t(`${K}.comments.hide`)}
        </button>
      )}
    </li>
  )
}
