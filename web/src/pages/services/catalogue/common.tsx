// Shared bits of the catalogue screens: the section's own tabs, the state badges, the due clock,
// the error line that sends an unverified resident to verification, and area names.
import { useQuery } from '@tanstack/react-query'
import { useCallback } from 'react'
import { useTranslation } from 'react-i18next'
import { ApiError } from '../../../api'
import { queries } from '../../../api/queries'
import { flattenTree } from '../../../areaUtils'
import { errorText, localName } from '../../../i18n'
import { hasRole } from '../../../modules'
import { routes } from '../../../router'
import type { User } from '../../../types'
import { SERVICES_STAFF } from '../section'
import type { ApplicationStatus } from './api'
import './catalogue.css'

export const PAGE_SIZE = 12
export const APPLICATION_STATES: readonly ApplicationStatus[] = [
  'submitted',
  'approved',
  'rejected',
  'delivered',
  'withdrawn',
]
const DAY = 86_400_000

export const isStaff = (user: User) => hasRole(user, SERVICES_STAFF)
/** Department handlers deliver the applications of their department's services. */
export const isHandler = (user: User) => hasRole(user, ['department_handler'])

export type View = 'catalogue' | 'mine' | 'queue' | 'editor'

/** The section's own tabs: the catalogue and my applications for everyone, the queue and the editor for staff. */
export function CatalogueNav({ user, current }: { user: User; current: View }) {
  const { t } = useTranslation()
  const staff = isStaff(user)
  const views: View[] = ['catalogue', 'mine']
  if (staff || isHandler(user)) views.push('queue')
  if (staff) views.push('editor')
  const href = (v: View) => (v === 'catalogue' ? routes.services('catalogue') : routes.services('catalogue', v))
  return (
    <nav className="catalogue-nav" aria-label={t('services.catalogue.nav.label')}>
      {views.map((v) => (
        <a
          key={v}
          href={href(v)}
          className={`chip${v === current ? ' active' : ''}`}
          aria-current={v === current ? 'page' : undefined}
          data-testid={`catalogue-nav-${v}`}
        >
          {t(`services.catalogue.nav.${v}`)}
        </a>
      ))}
    </nav>
  )
}

export function ApplicationBadge({
  status,
  testId = 'application-state',
}: {
  status: ApplicationStatus
  testId?: string
}) {
  const { t } = useTranslation()
  return (
    <span className={`state-chip app-state app-state-${status}`} data-testid={testId} data-state={status}>
      {t(`services.catalogue.states.${status}`)}
    </span>
  )
}

export function ServiceBadge({ status }: { status: 'draft' | 'active' | 'suspended' }) {
  const { t } = useTranslation()
  return (
    <span
      className={`state-chip service-state service-state-${status}`}
      data-testid="service-state"
      data-state={status}
    >
      {t(`services.catalogue.serviceStates.${status}`)}
    </span>
  )
}

/** Calendar days from today to the day of `iso` (negative once it has passed). */
export function daysLeft(iso: string, now = new Date()): number {
  const due = new Date(iso)
  const day = (d: Date) => Date.UTC(d.getFullYear(), d.getMonth(), d.getDate())
  return Math.round((day(due) - day(now)) / DAY)
}

/** A deadline: days left, due today, or days overdue (red). */
export function DueClock({
  dueAt,
  overdue,
  testId = 'application-due',
}: {
  dueAt: string
  overdue?: boolean
  testId?: string
}) {
  const { t } = useTranslation()
  const days = daysLeft(dueAt)
  const late = overdue ?? days < 0
  const text = late
    ? t('services.catalogue.due.overdue', { n: Math.max(0, -days) })
    : days === 0
      ? t('services.catalogue.due.today')
      : t('services.catalogue.due.left', { n: days })
  return (
    <span className={`due-clock${late ? ' late' : days <= 2 ? ' soon' : ''}`} data-testid={testId} data-overdue={late}>
      {text}
    </span>
  )
}

export const isVerificationRequired = (err: unknown) => err instanceof ApiError && err.code === 'VERIFICATION_REQUIRED'

/** An error of a form or an action, translated; a refusal for want of verification links to the verification page. */
export function Problem({ error, testId }: { error: unknown; testId?: string }) {
  const { t } = useTranslation()
  if (!error) return null
  if (isVerificationRequired(error)) return <VerifyFirst testId={testId} />
  const code = error instanceof ApiError ? error.code : undefined
  return (
    <div className="error-banner" role="alert" data-testid={testId} data-code={code}>
      <span>{errorText(error, fieldLabel(t))}</span>
    </div>
  )
}

/** The server names fields like `form.income` or `eligibility.0`: say them as the screens do. */
function fieldLabel(t: (k: string, o?: Record<string, unknown>) => string) {
  return (field: string) => {
    const m = /^(form|documents|eligibility)\.(.+)$/.exec(field)
    if (m) return t(`services.catalogue.fieldNames.${m[1]}`, { key: m[2] })
    return undefined
  }
}

/** An unverified resident is told to verify first, with the way there. */
export function VerifyFirst({ testId = 'verify-first' }: { testId?: string }) {
  const { t } = useTranslation()
  return (
    <div className="notice verify-first" role="alert" data-testid={testId} data-code="VERIFICATION_REQUIRED">
      <span>{t('services.catalogue.verify.text')}</span>{' '}
      <a className="btn btn-small" href={routes.participation('verify')} data-testid="verify-link">
        {t('services.catalogue.verify.link')}
      </a>
    </div>
  )
}

/** The names of areas by id, from the tree the app already loads. */
export function useAreaName(): (id: number) => string {
  const { i18n } = useTranslation()
  const tree = useQuery(queries.areaTree())
  return useCallback(
    (id: number) => {
      const node = tree.data ? flattenTree(tree.data).find((a) => a.id === id) : undefined
      return node ? localName(node, i18n.language) : `#${id}`
    },
    [tree.data, i18n.language],
  )
}

/** A required field's star. */
export function Required() {
  const { t } = useTranslation()
  return (
    <abbr className="required" title={t('services.catalogue.required')}>
      *
    </abbr>
  )
}
