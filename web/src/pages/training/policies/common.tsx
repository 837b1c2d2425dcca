import { useQuery } from '@tanstack/react-query'
import { useTranslation } from 'react-i18next'
import { queries } from '../../../api/queries'
import { localName } from '../../../i18n'
import type { Category } from '../../../types'
import type { Policy, PolicyStatus } from './api'

/** A policy's status as a badge (published needs none where only published ones are shown). */
export function StatusBadge({ status }: { status: PolicyStatus }) {
  const { t } = useTranslation()
  return (
    <span className={`tp-badge tp-status-${status}`} data-testid="tp-status">
      {t(`training.policies.statuses.${status}`)}
    </span>
  )
}

/** The case categories a policy bears on, as chips. */
export function CategoryChips({ categories }: { categories: Policy['categories'] }) {
  const { i18n } = useTranslation()
  if (categories.length === 0) return null
  return (
    <span className="tp-chips">
      {categories.map((c) => (
        <span key={c.id} className="tp-badge tp-category">
          {localName(c, i18n.language)}
        </span>
      ))}
    </span>
  )
}

/** The catalogue as (group, leaves) pairs for selects: a group is a category too (its policies reach its leaves). */
export function useCategoryGroups() {
  const categories = useQuery(queries.categories())
  return (categories.data ?? []).map((g: Category) => ({ group: g, leaves: g.children ?? [] }))
}

/** The dates line: issued, effective. */
export function DatesLine({ p }: { p: Pick<Policy, 'issuedOn' | 'effectiveOn' | 'issuedBy' | 'documentNo'> }) {
  const { t } = useTranslation()
  const parts = [
    p.issuedBy,
    p.documentNo,
    p.issuedOn ? t('training.policies.issuedOnDay', { day: p.issuedOn }) : null,
    p.effectiveOn ? t('training.policies.effectiveOnDay', { day: p.effectiveOn }) : null,
  ].filter(Boolean)
  if (parts.length === 0) return null
  return <p className="muted tp-dates">{parts.join(' · ')}</p>
}
