import { useTranslation } from 'react-i18next'
import type { SectionProps } from '../section'

/** Party (statistics). Stub: the co-building part fills it in. */
export function StatsSection(_props: SectionProps) {
  const { t } = useTranslation()
  return <p className="muted">{t('party.hub.tabs.stats')}</p>
}
