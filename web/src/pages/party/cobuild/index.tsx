import { useTranslation } from 'react-i18next'
import type { SectionProps } from '../section'

/** Party (cobuild). Stub: the cobuild part fills it in. */
export function CobuildSection(_props: SectionProps) {
  const { t } = useTranslation()
  return <p className="muted">{t('party.hub.tabs.cobuild')}</p>
}
