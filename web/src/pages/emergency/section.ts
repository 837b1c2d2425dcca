import type { AppConfig, User } from '../../types'

/** What the emergency hub gives each part's screens: the route below #/emergency/<part>. */
export interface SectionProps {
  /** Route segments after the part, e.g. ['12'] for #/emergency/incidents/12. */
  params: string[]
  user: User
  config: AppConfig | null
}

/** What the command view gives the panels of other parts: the incident and what the caller may do. */
export interface PanelProps {
  incidentId: number
  /** The incident is still active (closed ones are read-only). */
  active: boolean
  /** The caller runs the incident (its commander, or admin, leader or staff of its area). */
  commands: boolean
  user: User
}

export const emergencyParts = ['incidents', 'checks', 'alerts', 'response'] as const
export type EmergencyPart = (typeof emergencyParts)[number]

/** Who declares and runs incidents (the server's emergencyStaff, src/emergency/common.ts). */
export const EMERGENCY_STAFF = ['admin', 'leader', 'staff'] as const
/** Staff who respond on the ground (the server's responderRoles); enrolled volunteers too. */
export const RESPONDER_ROLES = ['admin', 'leader', 'staff', 'grid_worker'] as const
