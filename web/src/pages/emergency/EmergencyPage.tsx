import type { ReactNode } from 'react'
import { useTranslation } from 'react-i18next'
import { hasRole } from '../../modules'
import { routes } from '../../router'
import type { AppConfig, User } from '../../types'
import { AlertsSection } from './alerts'
import { ChecksSection } from './checks'
import { IncidentsSection } from './incidents'
import { ResponseSection } from './response'
import { emergencyParts, RESPONDER_ROLES, type EmergencyPart, type SectionProps } from './section'
import './emergency.css'

const sections: Record<EmergencyPart, (props: SectionProps) => ReactNode> = {
  incidents: IncidentsSection,
  checks: ChecksSection,
  alerts: AlertsSection,
  response: ResponseSection,
}

const isPart = (s: string | undefined): s is EmergencyPart => !!s && (emergencyParts as readonly string[]).includes(s)

/**
 * Emergency response below #/emergency/<part>: incidents and their command view, the phone check
 * list of vulnerable residents, alerts (a resident's own), and the response (tasks, resources,
 * shelters). Staff land on the incidents; residents on their alerts. Enrolled volunteers are
 * residents too: the incident list and the check list show them the incidents they respond to.
 */
export function EmergencyPage({ params, user, config }: { params: string[]; user: User; config: AppConfig | null }) {
  const { t } = useTranslation()
  const staff = hasRole(user, RESPONDER_ROLES)
  const fallback: EmergencyPart = staff ? 'incidents' : 'alerts'
  const part: EmergencyPart = isPart(params[0]) ? params[0] : fallback
  const Section = sections[part]
  return (
    <section className="page emergency-page" data-testid="page-emergency" data-section={part}>
      <div className="page-head">
        <h1 className="page-title">{t('emergency.hub.title')}</h1>
      </div>
      <nav className="queue-tabs emergency-tabs" aria-label={t('emergency.hub.sections')}>
        {emergencyParts.map((p) => (
          <a
            key={p}
            href={routes.emergency(p)}
            className={`queue-tab${p === part ? ' active' : ''}`}
            aria-current={p === part ? 'page' : undefined}
            data-testid={`emergency-tab-${p}`}
          >
            {t(`emergency.hub.tabs.${p}`)}
          </a>
        ))}
      </nav>
      <Section params={params.slice(1)} user={user} config={config} />
    </section>
  )
}
