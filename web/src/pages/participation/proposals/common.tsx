// Shared bits of the proposal screens: the server's enumerations in display order, the state badge,
// the support progress, the answer clock, and the error line that sends an unverified resident to
// the verification page.
import { useTranslation } from 'react-i18next'
import { ApiError } from '../../../api'
import { errorText } from '../../../i18n'
import { routes } from '../../../router'
import { allOf, type Role } from '../../../types'
import type { ProposalAction, ProposalCategory, ProposalSort, ProposalState, SubjectKind } from './api'
import './proposals.css'

// Each list fails to compile when the server's set changes (src/participation/proposals.ts).
export const PROPOSAL_STATES = allOf<ProposalState>()([
  'published',
  'threshold_reached',
  'evaluating',
  'accepted',
  'rejected',
  'implemented',
  'withdrawn',
])
export const PROPOSAL_CATEGORIES = allOf<ProposalCategory>()([
  'environment',
  'facilities',
  'safety',
  'elderly_children',
  'culture',
  'property',
  'traffic',
  'other',
])
export const PROPOSAL_SORTS = allOf<ProposalSort>()(['newest', 'most_supported', 'answer_due'])
export const PROPOSAL_ACTIONS = allOf<ProposalAction>()(['evaluate', 'accept', 'reject', 'implement', 'withdraw'])
export const SUBJECT_KINDS = allOf<SubjectKind>()([
  'notice',
  'consultation',
  'survey',
  'proposal',
  'meeting',
  'accountability',
])
/** Who runs participation in an area (the server's participationStaff, src/participation/common.ts). */
export const PARTICIPATION_STAFF = ['admin', 'leader', 'staff'] as const satisfies readonly Role[]
/** Actions that are the official answer: they need its text (at least 10 characters). */
export const ANSWERING: readonly ProposalAction[] = ['accept', 'reject']
/** States that still take supports; a support can be taken back only while published. */
export const SUPPORTABLE: readonly ProposalState[] = ['published', 'threshold_reached']
export const ANSWER_MIN = 10
export const PAGE_SIZE = 10
const DAY = 86_400_000

export const pick = <T extends string>(values: readonly T[], v: string): T | undefined =>
  (values as readonly string[]).includes(v) ? (v as T) : undefined

export function StateBadge({ state, testId = 'proposal-state' }: { state: ProposalState; testId?: string }) {
  const { t } = useTranslation()
  return (
    <span className={`state-chip proposal-state proposal-state-${state}`} data-testid={testId} data-state={state}>
      {t(`participation.proposals.states.${state}`)}
    </span>
  )
}

/** "3 of 30 supporters", or "32 supporters (threshold 30)" once past it. */
export function supportText(t: (key: string, o: Record<string, unknown>) => string, n: number, threshold: number) {
  return t(n > threshold ? 'participation.proposals.progress.labelOver' : 'participation.proposals.progress.label', {
    n,
    threshold,
  })
}

/** Supports toward the threshold: a bar with the same facts in words beside it (the bar alone says nothing to a screen reader). */
export function SupportProgress({
  count,
  threshold,
  testId = 'proposal-progress',
}: {
  count: number
  threshold: number
  testId?: string
}) {
  const { t } = useTranslation()
  const reached = count >= threshold
  const percent = threshold > 0 ? Math.min(100, Math.round((count / threshold) * 100)) : 100
  const label = supportText(t, count, threshold)
  return (
    <div className="proposal-progress" data-testid={testId} data-count={count} data-threshold={threshold}>
      <div
        className={`progress${reached ? ' done' : ''}`}
        role="progressbar"
        aria-label={label}
        aria-valuemin={0}
        aria-valuemax={threshold}
        aria-valuenow={Math.min(count, threshold)}
      >
        <span className="progress-bar" style={reached ? undefined : { width: `${percent}%` }} />
      </div>
      <p className="proposal-progress-text">
        <strong>{label}</strong>
        <span className="muted">
          {' · '}
          {reached
            ? t('participation.proposals.progress.reached')
            : t('participation.proposals.progress.remaining', { n: threshold - count })}
        </span>
      </p>
    </div>
  )
}

/** Calendar days from today to the day of `iso` in the browser's time zone (negative once it has passed). */
export function daysLeft(iso: string, now = new Date()): number {
  const due = new Date(iso)
  const day = (d: Date) => Date.UTC(d.getFullYear(), d.getMonth(), d.getDate())
  return Math.round((day(due) - day(now)) / DAY)
}

/** The official answer's deadline: days left, due today, or days overdue (red). */
export function AnswerClock({ dueAt, testId = 'proposal-clock' }: { dueAt: string; testId?: string }) {
  const { t } = useTranslation()
  const days = daysLeft(dueAt)
  const text =
    days < 0
      ? t('participation.proposals.clock.overdue', { n: -days })
      : days === 0
        ? t('participation.proposals.clock.today')
        : t('participation.proposals.clock.left', { n: days })
  return (
    <span
      className={`proposal-clock${days < 0 ? ' late' : days <= 3 ? ' soon' : ''}`}
      data-testid={testId}
      data-days={days}
    >
      {text}
    </span>
  )
}

export const isVerificationRequired = (err: unknown) => err instanceof ApiError && err.code === 'VERIFICATION_REQUIRED'

/**
 * An error of a form or an action, translated; a refusal for want of verification says so and links
 * to the verification page instead of the generic text.
 */
export function Problem({
  error,
  testId,
  fieldLabel,
}: {
  error: unknown
  testId?: string
  fieldLabel?: (field: string) => string | undefined
}) {
  const { t } = useTranslation()
  if (!error) return null
  if (isVerificationRequired(error))
    return (
      <div className="error-banner" role="alert" data-testid={testId} data-code="VERIFICATION_REQUIRED">
        <span>{t('participation.proposals.verifyNeeded.text')}</span>
        <a className="btn btn-small" href={routes.participation('verify')} data-testid="verify-link">
          {t('participation.proposals.verifyNeeded.link')}
        </a>
      </div>
    )
  const code = error instanceof ApiError ? error.code : undefined
  return (
    <div className="error-banner" role="alert" data-testid={testId} data-code={code}>
      <span>{errorText(error, fieldLabel)}</span>
    </div>
  )
}

/** A required field's star. */
export function Required() {
  const { t } = useTranslation()
  return (
    <abbr className="required" title={t('participation.proposals.required')}>
      *
    </abbr>
  )
}

/** The label of a field the server or the form named, as these screens label it. */
export function useFieldLabel(): (field: string) => string | undefined {
  const { t, i18n } = useTranslation()
  return (field: string) => {
    const generic = field.replace(/\[\d+\]$/, '')
    const key = `participation.proposals.fields.${generic}`
    return i18n.exists(key) ? t(key) : undefined
  }
}
