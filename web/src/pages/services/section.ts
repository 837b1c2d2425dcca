import type { AppConfig, User } from '../../types'

/** What the services hub gives each part's screens: the route below #/services/<part>. */
export interface SectionProps {
  /** Route segments after the part, e.g. ['applications', '12'] for #/services/catalogue/applications/12. */
  params: string[]
  user: User
  config: AppConfig | null
}

export const servicesParts = ['catalogue', 'facilities', 'volunteers', 'projects'] as const
export type ServicesPart = (typeof servicesParts)[number]

/** Who runs services in an area (the server's servicesStaff, src/services/common.ts). */
export const SERVICES_STAFF = ['admin', 'leader', 'staff'] as const
/** Who keeps volunteers (the server's volunteerStaff). */
export const VOLUNTEER_STAFF = ['admin', 'leader', 'staff', 'grid_worker'] as const
