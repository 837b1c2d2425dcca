import { idParam } from '../../../router'
import type { SectionProps } from '../section'
import { ApplicationList } from './ApplicationList'
import { ApplicationPage } from './ApplicationPage'
import { CatalogueList } from './CatalogueList'
import { isHandler, isStaff } from './common'
import { EditService, EditorList, NewService } from './Editor'
import { ServicePage } from './ServicePage'

/**
 * The service catalogue and applications below #/services/catalogue: the catalogue, one service by
 * id, `mine` (the caller's applications), `applications/<id>`, and for staff `queue` and `editor`
 * (`editor/new`, `editor/<id>`); department handlers have the queue of what they deliver.
 */
export function CatalogueSection({ params, user }: SectionProps) {
  const staff = isStaff(user)
  const serviceId = idParam(params)
  if (serviceId) return <ServicePage key={serviceId} id={serviceId} user={user} />
  const [view] = params
  if (view === 'applications') {
    const applicationId = idParam(params, 1)
    if (applicationId) return <ApplicationPage key={applicationId} id={applicationId} user={user} />
    return <ApplicationList user={user} mode="mine" />
  }
  if (view === 'mine') return <ApplicationList user={user} mode="mine" />
  if (view === 'queue' && (staff || isHandler(user))) return <ApplicationList user={user} mode="queue" />
  if (view === 'editor' && staff) {
    if (params[1] === 'new') return <NewService user={user} />
    const editId = idParam(params, 1)
    if (editId) return <EditService key={editId} id={editId} user={user} />
    return <EditorList user={user} />
  }
  return <CatalogueList user={user} />
}
