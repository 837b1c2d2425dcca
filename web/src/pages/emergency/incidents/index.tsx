import { hasRole } from '../../../modules'
import { idParam } from '../../../router'
import { EMERGENCY_STAFF, type SectionProps } from '../section'
import { CommandView } from './CommandView'
import { DeclareForm } from './DeclareForm'
import { IncidentList } from './IncidentList'

/** Incidents below #/emergency/incidents: the list, `new` (declare), and one incident's command view by id. */
export function IncidentsSection({ params, user, config }: SectionProps) {
  const staff = hasRole(user, EMERGENCY_STAFF)
  if (params[0] === 'new' && staff) return <DeclareForm user={user} config={config} />
  const incidentId = idParam(params)
  if (incidentId) return <CommandView key={incidentId} id={incidentId} user={user} config={config} />
  return <IncidentList staff={staff} />
}
