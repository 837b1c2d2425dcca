import { hasRole } from '../../../modules'
import { EMERGENCY_STAFF, RESPONDER_ROLES, type SectionProps } from '../section'
import { ResourcesPage, SheltersPage } from './Inventory'
import { MyTasks } from './MyTasks'
import { ResourcesPanel } from './ResourcesPanel'
import { SheltersPanel } from './SheltersPanel'
import { TasksPanel } from './TasksPanel'
import './response.css'

export { ResourcesPanel } from './ResourcesPanel'
export { SheltersPanel } from './SheltersPanel'
export { TasksPanel } from './TasksPanel'

/** The response below #/emergency/response: my tasks, and the area's resources and shelters. */
export function ResponseSection({ params, user }: SectionProps) {
  const keeper = hasRole(user, EMERGENCY_STAFF)
  const staff = hasRole(user, RESPONDER_ROLES)
  if (staff && params[0] === 'resources') return <ResourcesPage staff={keeper} />
  if (staff && params[0] === 'shelters') return <SheltersPage staff={keeper} />
  const incidentId = params[0] === 'incidents' ? Number(params[1]) : Number.NaN
  if (Number.isInteger(incidentId) && incidentId > 0) {
    // The response board of one incident (the command view embeds the same panels); the server
    // decides what the caller may do, the buttons follow the caller's roles.
    const panel = { incidentId, active: true, commands: keeper, user }
    return (
      <div className="response-board" data-testid="response-board" data-incident={incidentId}>
        <TasksPanel {...panel} />
        <ResourcesPanel {...panel} />
        <SheltersPanel {...panel} />
      </div>
    )
  }
  return <MyTasks staff={staff} />
}
