import { useTranslation } from 'react-i18next'

/** A project's or organisation's state as a coloured chip. */
export function StateChip({ state }: { state: string }) {
  const { t } = useTranslation()
  return (
    <span className={`chip project-state project-state-${state}`} data-testid="project-state" data-state={state}>
      {t(`services.projects.states.${state}`)}
    </span>
  )
}

/** A rating out of 100 with the number of rated projects, or "not rated yet". */
export function Rating({ rating, count }: { rating: number | null; count: number }) {
  const { t } = useTranslation()
  if (rating === null) return <span className="muted">{t('services.projects.organisations.unrated')}</span>
  return (
    <span className="project-rating">
      <strong>{rating.toFixed(1)}</strong> {t('services.projects.organisations.ratedCount', { n: count })}
    </span>
  )
}

/** Spending against the budget as a bar (the list's cards). */
export function BudgetBar({ budget, spent }: { budget: number; spent: number }) {
  const { t } = useTranslation()
  const pct = budget > 0 ? Math.min(100, Math.round((spent / budget) * 100)) : 0
  return (
    <div className="budget-bar" data-testid="budget-bar">
      <div
        className="budget-bar-track"
        role="progressbar"
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={pct}
        aria-label={t('services.projects.spentShare')}
      >
        <div className={`budget-bar-fill${pct >= 90 ? ' high' : ''}`} style={{ width: `${pct}%` }} />
      </div>
      <span className="muted">{t('services.projects.spentPct', { pct })}</span>
    </div>
  )
}
