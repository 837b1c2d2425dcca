import { useTranslation } from 'react-i18next'
import type { SectionProps } from '../section'

// Stub: the volunteers part's screens replace this.
export function VolunteersSection(_props: SectionProps) {
  const { t } = useTranslation()
  return <p className="muted">{t('services.hub.tabs.volunteers')}</p>
}
