import { hasRole } from '../../../modules'
import { idParam } from '../../../router'
import { PARTY_KEEPERS, type SectionProps } from '../section'
import { CreateForm } from './CreateForm'
import { NetworkPage } from './NetworkPage'
import { OrganisationPage } from './OrganisationPage'
import './organisations.css'

/**
 * The network below #/party/organisations: the tree, map and coverage of the caller's area; `new`
 * (optionally `new/<areaId>` for a grid without an organisation) and one organisation by id.
 */
export function OrganisationsSection({ params, user, config }: SectionProps) {
  if (params[0] === 'new' && hasRole(user, PARTY_KEEPERS)) return <CreateForm user={user} areaId={idParam(params, 1)} />
  const organisationId = idParam(params)
  if (organisationId) return <OrganisationPage key={organisationId} id={organisationId} user={user} />
  return <NetworkPage user={user} config={config} />
}
