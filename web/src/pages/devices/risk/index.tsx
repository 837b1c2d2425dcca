import { useTranslation } from 'react-i18next'
import type { SectionProps } from '../section'

/** Stub: the risk part fills this in. */
export function RiskSection(_props: SectionProps) {
  const { t } = useTranslation()
  return <p className="muted">{t('devices.risk.title')}</p>
}
