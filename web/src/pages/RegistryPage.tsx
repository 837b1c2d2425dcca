import { useTranslation } from 'react-i18next'
import { IMPORTERS, hasRole } from '../modules'
import { idParam, routes } from '../router'
import type { User } from '../types'
import { BuildingPage, HouseholdPage } from './registry/PlacesDetail'
import { DuplicatesPanel } from './registry/DuplicatesPanel'
import { GrantsPage } from './registry/GrantsPage'
import { ImportPage } from './registry/ImportPage'
import { BuildingsList, HouseholdsList, OrganisationsList, PlacesList } from './registry/Lists'
import { PeopleSearch } from './registry/PeopleSearch'
import { PersonPage } from './registry/PersonPage'

/** The registry's sections, each a hash route below #/registry. */
const TABS = ['people', 'households', 'buildings', 'organisations', 'places', 'duplicates'] as const

/** Population registry: people, households, buildings, organisations, places; imports and grants. */
export function RegistryPage({ params, user }: { params: string[]; user: User }) {
  const { t } = useTranslation()
  const section = params[0] ?? 'people'
  const id = idParam(params, 1)
  if (section === 'people' && id) return <PersonPage key={id} id={id} user={user} />
  if (section === 'households' && id) return <HouseholdPage key={id} id={id} />
  if (section === 'buildings' && id) return <BuildingPage key={id} id={id} />
  if (section === 'import' && hasRole(user, IMPORTERS)) return <ImportPage />
  if (section === 'grants' && hasRole(user, ['admin'])) return <GrantsPage />
  const tab = (TABS as readonly string[]).includes(section) ? (section as (typeof TABS)[number]) : 'people'
  return (
    <section className="page registry-page" data-testid="page-registry" data-section={tab}>
      <RegistryHead user={user} />
      <nav className="queue-tabs" aria-label={t('registry.sections')}>
        {TABS.map((s) => (
          <a
            key={s}
            href={routes.registry(s)}
            className={`queue-tab${s === tab ? ' active' : ''}`}
            aria-current={s === tab ? 'page' : undefined}
            data-testid={`registry-tab-${s}`}
          >
            {t(`registry.tabs.${s}`)}
          </a>
        ))}
      </nav>
      {tab === 'people' && <PeopleSearch />}
      {tab === 'households' && <HouseholdsList />}
      {tab === 'buildings' && <BuildingsList />}
      {tab === 'organisations' && <OrganisationsList />}
      {tab === 'places' && <PlacesList />}
      {tab === 'duplicates' && <DuplicatesPanel />}
    </section>
  )
}

function RegistryHead({ user }: { user: User }) {
  const { t } = useTranslation()
  return (
    <div className="page-head">
      <h1 className="page-title">{t('registry.title')}</h1>
      <div className="form-buttons registry-head-buttons">
        {hasRole(user, IMPORTERS) && (
          <a className="btn btn-small" href={routes.registryImport()} data-testid="registry-import-link">
            {t('import.title')}
          </a>
        )}
        {hasRole(user, ['admin']) && (
          <a className="btn btn-small" href={routes.registryGrants()} data-testid="registry-grants-link">
            {t('grants.title')}
          </a>
        )}
      </div>
    </div>
  )
}
