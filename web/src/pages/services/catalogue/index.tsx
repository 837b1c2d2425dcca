import { useTranslation } from 'react-i18next'
import type { SectionProps } from '../section'

// Stub: the catalogue part's screens replace this.
export function CatalogueSection(_props: SectionProps) {
  const { t } = useTranslation()
  return <p className="muted">{t('services.hub.tabs.catalogue')}</p>
}
