// Shared bits of the meeting and council screens: the server's enumerations in display order, state
// chips, date-time inputs in the browser's zone, and the error line that names fields as these
// screens label them.
import { useTranslation } from 'react-i18next'
import { ApiError } from '../../../api'
import { errorText } from '../../../i18n'
import { allOf, type Role } from '../../../types'
import type { DecisionResult, Majority, MeetingKind, MeetingState, MemberRole, VoteChoice } from './api'
import './meetings.css'

// Each list fails to compile when the server's set changes (src/participation/meetings.ts, councils.ts).
export const MEETING_KINDS = allOf<MeetingKind>()(['deliberation', 'hearing', 'council'])
export const MEETING_STATES = allOf<MeetingState>()(['scheduled', 'held', 'cancelled'])
export const MAJORITIES = allOf<Majority>()(['simple', 'two_thirds'])
export const VOTE_CHOICES = allOf<VoteChoice>()(['for', 'against', 'abstain'])
export const RESULTS = allOf<DecisionResult>()(['adopted', 'rejected', 'no_quorum'])
export const MEMBER_ROLES = allOf<MemberRole>()(['chair', 'vice_chair', 'member'])
/** Who runs participation in an area (the server's participationStaff, src/participation/common.ts). */
export const PARTICIPATION_STAFF = ['admin', 'leader', 'staff'] as const satisfies readonly Role[]
export const PAGE_SIZE = 10

export function MeetingStateChip({ state }: { state: MeetingState }) {
  const { t } = useTranslation()
  return (
    <span className={`state-chip meeting-state meeting-state-${state}`} data-testid="meeting-state" data-state={state}>
      {t(`participation.meetings.states.${state}`)}
    </span>
  )
}

export function ResultChip({ result }: { result: DecisionResult }) {
  const { t } = useTranslation()
  return (
    <span
      className={`state-chip decision-result decision-result-${result}`}
      data-testid="decision-result"
      data-result={result}
    >
      {t(`participation.meetings.results.${result}`)}
    </span>
  )
}

/** An ISO instant as the value of a `datetime-local` input, in the browser's zone. */
export function toLocalInput(iso: string | Date): string {
  const d = new Date(iso)
  const pad = (n: number) => String(n).padStart(2, '0')
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`
}

/** The value of a `datetime-local` input (the browser's zone) as an ISO instant, or null when empty or invalid. */
export function fromLocalInput(value: string): string | null {
  if (!value) return null
  const d = new Date(value)
  return Number.isNaN(d.getTime()) ? null : d.toISOString()
}

/** "19:00–21:00, 12 Mar 2027" — a meeting's time span in the reader's language. */
export function timeSpan(startsAt: string, endsAt: string, lng: string): string {
  const s = new Date(startsAt)
  const e = new Date(endsAt)
  const date = new Intl.DateTimeFormat(lng, { dateStyle: 'medium', timeStyle: 'short' }).format(s)
  const sameDay = s.toDateString() === e.toDateString()
  const end = new Intl.DateTimeFormat(
    lng,
    sameDay ? { timeStyle: 'short' } : { dateStyle: 'medium', timeStyle: 'short' },
  ).format(e)
  return `${date} – ${end}`
}

/** The label of a field the server or the form named, as these screens label it. */
export function useFieldLabel(): (field: string) => string | undefined {
  const { t, i18n } = useTranslation()
  return (field: string) => {
    const generic = field.replace(/\[\d+\](\.\w+)?$/, '')
    const key = `participation.meetings.fields.${generic}`
    return i18n.exists(key) ? t(key) : undefined
  }
}

/** An error of a form or an action, translated, with the field as these screens name it. */
export function Problem({ error, testId }: { error: unknown; testId?: string }) {
  const label = useFieldLabel()
  if (!error) return null
  const code = error instanceof ApiError ? error.code : undefined
  return (
    <div className="error-banner" role="alert" data-testid={testId} data-code={code}>
      <span>{errorText(error, label)}</span>
    </div>
  )
}

/** A required field's star. */
export function Required() {
  const { t } = useTranslation()
  return (
    <abbr className="required" title={t('participation.meetings.required')}>
      *
    </abbr>
  )
}
