import { useTranslation } from 'react-i18next'
import { hasRole } from '../../../modules'
import { idParam, routes } from '../../../router'
import { SERVICES_STAFF, type SectionProps } from '../section'
import { OrganisationList, OrganisationPage } from './Organisations'
import { ProjectEditor } from './ProjectEditor'
import { ProjectList } from './ProjectList'
import { ProjectPage } from './ProjectPage'
import './projects.css'

/**
 * Purchase of services below #/services/projects: the projects (staff of the area and the
 * contracting department), `new` and `<id>/edit` for service staff, one project by id, and
 * `organisations` with one organisation's profile by id.
 */
export function ProjectsSection({ params, user }: SectionProps) {
  const { t } = useTranslation()
  const staff = hasRole(user, SERVICES_STAFF)
  const inOrganisations = params[0] === 'organisations'
  const nav = (
    <nav className="queue-tabs projects-nav" aria-label={t('services.projects.nav.label')}>
      <a
        href={routes.services('projects')}
        className={`queue-tab${inOrganisations ? '' : ' active'}`}
        aria-current={inOrganisations ? undefined : 'page'}
        data-testid="projects-nav-projects"
      >
        {t('services.projects.nav.projects')}
      </a>
      <a
        href={routes.services('projects', 'organisations')}
        className={`queue-tab${inOrganisations ? ' active' : ''}`}
        aria-current={inOrganisations ? 'page' : undefined}
        data-testid="projects-nav-organisations"
      >
        {t('services.projects.nav.organisations')}
      </a>
    </nav>
  )
  let body: React.ReactNode
  if (inOrganisations) {
    const orgId = idParam(params, 1)
    body = orgId ? <OrganisationPage key={orgId} id={orgId} /> : <OrganisationList staff={staff} />
  } else if (params[0] === 'new' && staff) body = <ProjectEditor />
  else {
    const projectId = idParam(params)
    if (projectId && params[1] === 'edit' && staff) body = <ProjectEditor key={`e${projectId}`} editId={projectId} />
    else if (projectId) body = <ProjectPage key={projectId} id={projectId} />
    else body = <ProjectList staff={staff} />
  }
  return (
    <div className="projects-section">
      {nav}
      {body}
    </div>
  )
}
