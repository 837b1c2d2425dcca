import { useTranslation } from 'react-i18next'
import type { SectionProps } from '../section'

/** Party (organisations). Stub: the organisations part fills it in. */
export function OrganisationsSection(_props: SectionProps) {
  const { t } = useTranslation()
  return <p className="muted">{t('party.hub.tabs.organisations')}</p>
}
