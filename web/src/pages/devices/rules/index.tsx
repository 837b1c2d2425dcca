import { useTranslation } from 'react-i18next'
import type { SectionProps } from '../section'

/** Stub: the rules part fills this in. */
export function RulesSection(_props: SectionProps) {
  const { t } = useTranslation()
  return <p className="muted">{t('devices.rules.title')}</p>
}
