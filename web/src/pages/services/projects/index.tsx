import { useTranslation } from 'react-i18next'
import type { SectionProps } from '../section'

// Stub: the projects part's screens replace this.
export function ProjectsSection(_props: SectionProps) {
  const { t } = useTranslation()
  return <p className="muted">{t('services.hub.tabs.projects')}</p>
}
