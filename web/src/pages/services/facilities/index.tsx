import { useTranslation } from 'react-i18next'
import type { SectionProps } from '../section'

// Stub: the facilities part's screens replace this.
export function FacilitiesSection(_props: SectionProps) {
  const { t } = useTranslation()
  return <p className="muted">{t('services.hub.tabs.facilities')}</p>
}
