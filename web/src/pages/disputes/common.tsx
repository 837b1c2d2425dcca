// Shared bits of the dispute screens: the server's enumerations in display order, badges and small helpers.
import { useTranslation } from 'react-i18next'
import { allOf, type AreaNode, type Role, type User } from '../../types'
import type {
  AgreementElement,
  CourtOutcome,
  DisputeCategory,
  DisputeSource,
  DisputeState,
  JudicialMode,
  JudicialStatus,
  MediationLevel,
  PartyRole,
  Performance,
  PetitionChannel,
  PetitionState,
  RiskFactor,
  RiskLevel,
} from './api'
import './disputes.css'

// Each list fails to compile when the server's set changes (src/disputes/workflow.ts).
export const RISK_LEVELS = allOf<RiskLevel>()(['low', 'medium', 'high', 'urgent'])
export const DISPUTE_STATES = allOf<DisputeState>()([
  'registered',
  'people_mediation',
  'administrative_mediation',
  'judicial_referral',
  'settled',
  'closed',
  'withdrawn',
])
export const CATEGORIES = allOf<DisputeCategory>()([
  'neighbour',
  'family_marriage',
  'property_management',
  'labour_wages',
  'land_expropriation',
  'medical',
  'consumer',
  'traffic',
  'contract_debt',
  'other',
])
export const SOURCES = allOf<DisputeSource>()([
  'walk_in',
  'grid_worker',
  'event_case',
  'police',
  'court',
  'petitions_office',
])
export const LEVELS = allOf<MediationLevel>()(['people', 'administrative', 'judicial'])
export const PARTY_ROLES = allOf<PartyRole>()(['applicant', 'respondent', 'third_party'])
export const AGREEMENT_ELEMENTS = allOf<AgreementElement>()([
  'parties',
  'facts',
  'issues',
  'responsibilities',
  'terms',
  'performanceManner',
  'performanceDeadline',
  'partySignatures',
  'mediatorSignature',
  'seal',
])
export const PERFORMANCES = allOf<Performance>()(['performed', 'in_progress', 'broken'])
export const JUDICIAL_MODES = allOf<JudicialMode>()(['judicial_mediation', 'litigation_guidance'])
export const COURT_OUTCOMES = allOf<CourtOutcome>()(['mediated', 'judgment', 'withdrawn'])
export const JUDICIAL_STATUSES = allOf<JudicialStatus>()(['applied', 'confirmed', 'refused'])
export const PETITION_STATES = allOf<PetitionState>()([
  'received',
  'accepted',
  'redirected',
  'answered',
  'review_requested',
  'reviewed',
  'closed',
])
export const PETITION_CHANNELS = allOf<PetitionChannel>()(['visit', 'letter', 'online', 'phone'])
export const RISK_FACTORS = allOf<RiskFactor>()([
  'people_involved',
  'amount',
  'repeat_petitions',
  'threat',
  'vulnerable_party',
  'broken_agreements',
])
export const PAGE_SIZE = 20
const DAY = 86_400_000

/** The risk level as a coloured badge: low green, medium amber, high red, urgent dark red. */
export function RiskBadge({ level, testId = 'risk-badge' }: { level: RiskLevel; testId?: string }) {
  const { t } = useTranslation()
  return (
    <span className={`risk-badge risk-${level}`} data-testid={testId} data-risk={level}>
      {t(`disputes.risk.levels.${level}`)}
    </span>
  )
}

export function DisputeStateChip({ state, testId }: { state: DisputeState; testId?: string }) {
  const { t } = useTranslation()
  return (
    <span className={`state-chip dispute-state-${state}`} data-testid={testId ?? 'dispute-state'} data-state={state}>
      {t(`disputes.states.${state}`)}
    </span>
  )
}

export function PetitionStateChip({ state, testId }: { state: PetitionState; testId?: string }) {
  const { t } = useTranslation()
  return (
    <span className={`state-chip petition-state-${state}`} data-testid={testId ?? 'petition-state'} data-state={state}>
      {t(`disputes.petitions.states.${state}`)}
    </span>
  )
}

/** Calendar days from today to the day of `iso` in the browser's time zone (negative once that day has passed). */
export function daysLeft(iso: string, now = new Date()): number {
  const due = new Date(iso)
  const day = (d: Date) => Date.UTC(d.getFullYear(), d.getMonth(), d.getDate())
  return Math.round((day(due) - day(now)) / DAY)
}

/** A deadline as a clock: days left, due today, or days overdue (red). */
export function DeadlineClock({ dueAt, overdue, testId }: { dueAt: string | null; overdue: boolean; testId?: string }) {
  const { t } = useTranslation()
  if (!dueAt) return <span className="muted">—</span>
  const days = daysLeft(dueAt)
  const late = overdue || days < 0
  const text = late
    ? t('disputes.clock.overdue', { n: Math.max(1, -days) })
    : days === 0
      ? t('disputes.clock.today')
      : t('disputes.clock.left', { n: days })
  return (
    <span
      className={`deadline-clock${late ? ' late' : days <= 3 ? ' soon' : ''}`}
      data-testid={testId ?? 'deadline-clock'}
      data-overdue={late}
      data-days={days}
    >
      {text}
    </span>
  )
}

/** Today as YYYY-MM-DD in the browser's time zone. */
export function todayLocal(d = new Date()): string {
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`
}

/** A datetime-local input's value (YYYY-MM-DDTHH:mm, local time) for a moment. */
export function localDateTime(d = new Date()): string {
  return `${todayLocal(d)}T${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}`
}

/** A required field's star, as the other forms show it. */
export function Required() {
  const { t } = useTranslation()
  return (
    <abbr className="required" title={t('report.required')}>
      *
    </abbr>
  )
}

/** Amount in yuan. */
export function formatYuan(amount: number | null, lng: string): string {
  if (amount === null) return '—'
  return new Intl.NumberFormat(lng, { style: 'currency', currency: 'CNY', maximumFractionDigits: 2 }).format(amount)
}

/**
 * Areas of the given levels under the user's grants of `roles` (where they may register), in tree
 * order, indented by depth among those shown.
 */
export function placeOptions(
  tree: AreaNode[],
  user: User,
  roles: readonly Role[],
  levels: readonly AreaNode['level'][],
): { node: AreaNode; depth: number }[] {
  const grants = new Set(user.roles.filter((r) => roles.includes(r.role)).map((r) => r.areaId))
  const out: { node: AreaNode; depth: number }[] = []
  const walk = (n: AreaNode, inside: boolean, depth: number) => {
    if (n.retired) return
    const mine = inside || grants.has(n.id)
    const shown = mine && levels.includes(n.level)
    if (shown) out.push({ node: n, depth })
    for (const c of n.children) walk(c, mine, shown ? depth + 1 : depth)
  }
  for (const r of tree) walk(r, false, 0)
  return out
}
