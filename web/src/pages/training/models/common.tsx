import { useTranslation } from 'react-i18next'
import { localName } from '../../../i18n'
import type { ModelCaseStatus, ModelCaseSummary } from './api'

/** A model case's status as a badge (the library shows it only where it is not published). */
export function StatusBadge({ status }: { status: ModelCaseStatus }) {
  const { t } = useTranslation()
  return (
    <span className={`tm-badge tm-status-${status}`} data-testid="tm-status">
      {t(`training.models.statuses.${status}`)}
    </span>
  )
}

/** Category, where it was written up from, and the area: the line under a title. */
export function MetaLine({ m }: { m: Pick<ModelCaseSummary, 'category' | 'sourceKind' | 'area'> }) {
  const { t, i18n } = useTranslation()
  return (
    <p className="tm-meta">
      {m.category && <span className="tm-badge tm-category">{localName(m.category, i18n.language)}</span>}
      <span className="tm-badge tm-source">{t(`training.models.sources.${m.sourceKind}`)}</span>
      <span className="muted">{localName(m.area, i18n.language)}</span>
    </p>
  )
}
