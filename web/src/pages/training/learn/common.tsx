import { useTranslation } from 'react-i18next'
import type { Enrolment } from './api'

/** A deadline as a date in the reader's language. */
export const dueText = (iso: string | null, lng: string) =>
  iso ? new Date(iso).toLocaleDateString(lng, { year: 'numeric', month: 'short', day: 'numeric' }) : null

/** The state of an enrolment as a badge: overdue (open past due), done (late or not), in progress, to do. */
export function EnrolmentBadge({ e }: { e: Pick<Enrolment, 'status' | 'overdue' | 'late'> }) {
  const { t } = useTranslation()
  if (e.overdue)
    return (
      <span className="badge badge-danger" data-testid="learn-overdue">
        {t('training.learn.overdue')}
      </span>
    )
  if (e.status === 'completed')
    return (
      <span className={`badge ${e.late ? 'badge-warn' : 'learn-badge-done'}`}>
        {t(e.late ? 'training.learn.doneLate' : 'training.learn.done')}
      </span>
    )
  return <span className="badge badge-muted">{t(`training.learn.statuses.${e.status}`)}</span>
}

/** How many lessons are done, as a bar with its text. */
export function Progress({ done, total }: { done: number; total: number }) {
  const { t } = useTranslation()
  const pct = total === 0 ? 100 : Math.round((done * 100) / total)
  return (
    <div className="learn-progress">
      <div
        className="learn-progress-bar"
        role="progressbar"
        aria-valuemin={0}
        aria-valuemax={total}
        aria-valuenow={done}
        aria-label={t('training.learn.lessonsDone', { done, total })}
      >
        <span style={{ width: `${pct}%` }} />
      </div>
      <span className="muted">{t('training.learn.lessonsDone', { done, total })}</span>
    </div>
  )
}
