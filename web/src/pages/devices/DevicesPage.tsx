import type { ReactNode } from 'react'
import { useTranslation } from 'react-i18next'
import { routes } from '../../router'
import type { AppConfig, User } from '../../types'
import { AlarmsSection } from './alarms'
import { RegistrySection } from './registry'
import { RiskSection } from './risk'
import { RulesSection } from './rules'
import { deviceParts, type DevicePart, type SectionProps } from './section'

const sections: Record<DevicePart, (props: SectionProps) => ReactNode> = {
  registry: RegistrySection,
  alarms: AlarmsSection,
  rules: RulesSection,
  risk: RiskSection,
}

const isPart = (s: string | undefined): s is DevicePart => !!s && (deviceParts as readonly string[]).includes(s)

/**
 * Smart-community devices below #/devices/<part>: the device map, list and detail (registry),
 * the alarm inbox and an alarm's detail, the alarm rules and type settings, and the community
 * risk per grid and building. Everyone lands on the alarms: that is where the work is.
 */
export function DevicesPage({ params, user, config }: { params: string[]; user: User; config: AppConfig | null }) {
  const { t } = useTranslation()
  const part: DevicePart = isPart(params[0]) ? params[0] : 'alarms'
  const Section = sections[part]
  return (
    <section className="page devices-page" data-testid="page-devices" data-section={part}>
      <div className="page-head">
        <h1 className="page-title">{t('devices.hub.title')}</h1>
      </div>
      <nav className="queue-tabs" aria-label={t('devices.hub.sections')}>
        {deviceParts.map((p) => (
          <a
            key={p}
            href={routes.devices(p)}
            className={`queue-tab${p === part ? ' active' : ''}`}
            aria-current={p === part ? 'page' : undefined}
            data-testid={`devices-tab-${p}`}
          >
            {t(`devices.hub.tabs.${p}`)}
          </a>
        ))}
      </nav>
      <Section params={params.slice(1)} user={user} config={config} />
    </section>
  )
}
