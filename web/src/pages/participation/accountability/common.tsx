// Shared bits of the "you said, we did" screens: statuses in display order, the status chip and the
// progress bar with its figure in words.
import { useTranslation } from 'react-i18next'
import { allOf } from '../../../types'
import type { RecordStatus, SourceKind } from './api'
import './accountability.css'

export const RECORD_STATUSES = allOf<RecordStatus>()(['planned', 'in_progress', 'done', 'dropped'])
export const SOURCE_KINDS = allOf<SourceKind>()(['proposal', 'consultation', 'meeting_decision'])
export const PAGE_SIZE = 10

export function StatusChip({ status }: { status: RecordStatus }) {
  const { t } = useTranslation()
  return (
    <span
      className={`state-chip record-status record-status-${status}`}
      data-testid="record-status"
      data-status={status}
    >
      {t(`participation.meetings.accountability.statuses.${status}`)}
    </span>
  )
}

/** Progress as a bar with the same figure in words beside it (the bar alone says nothing to a screen reader). */
export function RecordProgress({ progress, status }: { progress: number; status: RecordStatus }) {
  const { t } = useTranslation()
  const label = t('participation.meetings.accountability.progress', { n: progress })
  return (
    <div className="record-progress" data-testid="record-progress" data-progress={progress}>
      <div
        className={`progress${progress >= 100 ? ' done' : ''}${status === 'dropped' ? ' failed' : ''}`}
        role="progressbar"
        aria-label={label}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={progress}
      >
        <span className="progress-bar" style={progress >= 100 ? undefined : { width: `${progress}%` }} />
      </div>
      <p className="record-progress-text">{label}</p>
    </div>
  )
}
