import type { ReactNode } from 'react'
import { useTranslation } from 'react-i18next'
import { hasRole } from '../../modules'
import { routes } from '../../router'
import type { AppConfig, User } from '../../types'
import { CatalogueSection } from './catalogue'
import { FacilitiesSection } from './facilities'
import { ProjectsSection } from './projects'
import { SERVICES_STAFF, servicesParts, type SectionProps, type ServicesPart } from './section'
import { VolunteersSection } from './volunteers'
import './services.css'

const sections: Record<ServicesPart, (props: SectionProps) => ReactNode> = {
  catalogue: CatalogueSection,
  facilities: FacilitiesSection,
  volunteers: VolunteersSection,
  projects: ProjectsSection,
}

const isPart = (s: string | undefined): s is ServicesPart => !!s && (servicesParts as readonly string[]).includes(s)

/**
 * Services and social forces below #/services/<part>: the same pages serve residents (the portal:
 * apply, track, rate, book a room, volunteer) and staff (catalogue, queue, facilities, activities,
 * projects), each section deciding by the user's roles what it offers. Purchase-of-service
 * projects are staff work only.
 */
export function ServicesPage({ params, user, config }: { params: string[]; user: User; config: AppConfig | null }) {
  const { t } = useTranslation()
  const parts = servicesParts.filter(
    (p) => p !== 'projects' || hasRole(user, [...SERVICES_STAFF, 'department_handler']),
  )
  const part: ServicesPart = isPart(params[0]) && parts.includes(params[0]) ? params[0] : 'catalogue'
  const Section = sections[part]
  return (
    <section className="page services-page" data-testid="page-services" data-section={part}>
      <div className="page-head">
        <h1 className="page-title">{t('services.hub.title')}</h1>
      </div>
      <nav className="queue-tabs services-tabs" aria-label={t('services.hub.sections')}>
        {parts.map((p) => (
          <a
            key={p}
            href={routes.services(p)}
            className={`queue-tab${p === part ? ' active' : ''}`}
            aria-current={p === part ? 'page' : undefined}
            data-testid={`services-tab-${p}`}
          >
            {t(`services.hub.tabs.${p}`)}
          </a>
        ))}
      </nav>
      <Section params={params.slice(1)} user={user} config={config} />
    </section>
  )
}
