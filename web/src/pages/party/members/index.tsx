import { useTranslation } from 'react-i18next'
import type { SectionProps } from '../section'

/** Party (members). Stub: the members part fills it in. */
export function MembersSection(_props: SectionProps) {
  const { t } = useTranslation()
  return <p className="muted">{t('party.hub.tabs.members')}</p>
}
