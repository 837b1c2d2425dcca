import { useTranslation } from 'react-i18next'
import type { RiskLevel } from './api'

export function RiskBadge({ level }: { level: RiskLevel }) {
  const { t } = useTranslation()
  const tone = level === 'high' ? 'badge-danger' : level === 'medium' ? 'risk-badge-medium' : 'badge-muted'
  return (
    <span className={`badge ${tone}`} data-testid="risk-level" data-level={level}>
      {t(`devices.risk.levels.${level}`)}
    </span>
  )
}
