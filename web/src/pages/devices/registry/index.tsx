import { useTranslation } from 'react-i18next'
import type { SectionProps } from '../section'

/** Stub: the registry part fills this in. */
export function RegistrySection(_props: SectionProps) {
  const { t } = useTranslation()
  return <p className="muted">{t('devices.registry.title')}</p>
}
