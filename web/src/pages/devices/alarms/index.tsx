import { useTranslation } from 'react-i18next'
import type { SectionProps } from '../section'

/** Stub: the alarms part fills this in. */
export function AlarmsSection(_props: SectionProps) {
  const { t } = useTranslation()
  return <p className="muted">{t('devices.alarms.title')}</p>
}
