// The pages shown in the side navigation, each for the roles that use it. Capability modules of
// later releases render a translated "not yet available" page.
import type { Role, User } from './types'

export type ModuleId =
  | 'report'
  | 'my-cases'
  | 'tasks'
  | 'cases'
  | 'supervision'
  | 'inbox'
  | 'dashboard'
  | 'track'
  | 'areas'
  | 'registry'
  | 'care'
  | 'mediation'
  | 'participation'
  | 'services'
  | 'emergency'
  | 'devices'
  | 'components'
  | 'grid'
  | 'party'
  | 'training'
  | 'monthly-reports'
  | 'warnings'
  | 'case-map'
  | 'topics'
  | 'assessment'
  | 'audit'

/** Roles the server treats as staff: everyone but residents (see docs/api.md). */
export const STAFF_ROLES = [
  'admin',
  'leader',
  'staff',
  'grid_worker',
  'department_handler',
  'mediator',
] as const satisfies readonly Role[]
/** Who works the case queues. */
const CASE_WORKERS = [
  'admin',
  'leader',
  'staff',
  'grid_worker',
  'department_handler',
] as const satisfies readonly Role[]
/** Who may read the supervision queue and the rates (GET /supervision needs one of these). */
export const SUPERVISORS = ['admin', 'leader', 'staff'] as const satisfies readonly Role[]
/** Who reads the population registry (the server's readerRoles, src/registry/records.ts). */
export const REGISTRY_READERS = ['admin', 'leader', 'staff', 'grid_worker'] as const satisfies readonly Role[]
/** Who records life events and care visits (the server's writerRoles). */
export const REGISTRY_WRITERS = ['admin', 'staff', 'grid_worker'] as const satisfies readonly Role[]
/** Who may upload imports (the server's importRoles). */
export const IMPORTERS = ['admin', 'staff'] as const satisfies readonly Role[]
/** Who works on disputes (the server's disputeWorkers, src/disputes/routes.ts). */
export const DISPUTE_WORKERS = [
  'admin',
  'leader',
  'staff',
  'grid_worker',
  'mediator',
  'department_handler',
] as const satisfies readonly Role[]
/** Who registers disputes and reads their map, statistics and settings (the server's registrars). */
export const DISPUTE_REGISTRARS = [
  'admin',
  'leader',
  'staff',
  'grid_worker',
  'mediator',
] as const satisfies readonly Role[]
/** Who keeps the petition desk (the server's petitionDesk): the street office's staff and leaders. */
export const PETITION_DESK = ['admin', 'leader', 'staff'] as const satisfies readonly Role[]

export interface ModuleInfo {
  id: ModuleId
  available: boolean
  /** Roles that see the entry; `null` for every signed-in user. */
  roles: readonly Role[] | null
}

export const MODULES: readonly ModuleInfo[] = [
  { id: 'report', available: true, roles: null },
  { id: 'my-cases', available: true, roles: ['resident', 'grid_worker'] },
  { id: 'tasks', available: true, roles: ['grid_worker'] },
  { id: 'cases', available: true, roles: CASE_WORKERS },
  { id: 'supervision', available: true, roles: SUPERVISORS },
  { id: 'inbox', available: true, roles: null },
  { id: 'dashboard', available: true, roles: SUPERVISORS },
  { id: 'track', available: true, roles: null },
  { id: 'areas', available: true, roles: STAFF_ROLES },
  { id: 'registry', available: true, roles: REGISTRY_READERS },
  { id: 'care', available: true, roles: REGISTRY_WRITERS },
  { id: 'mediation', available: true, roles: DISPUTE_WORKERS },
  { id: 'participation', available: true, roles: null },
  { id: 'services', available: true, roles: null },
  { id: 'emergency', available: true, roles: null },
  { id: 'devices', available: true, roles: STAFF_ROLES },
  { id: 'components', available: true, roles: STAFF_ROLES },
  { id: 'grid', available: true, roles: REGISTRY_READERS },
  { id: 'party', available: true, roles: ['admin', 'leader', 'staff', 'grid_worker'] },
  { id: 'monthly-reports', available: true, roles: SUPERVISORS },
  { id: 'warnings', available: true, roles: SUPERVISORS },
  { id: 'case-map', available: true, roles: SUPERVISORS },
  { id: 'topics', available: true, roles: SUPERVISORS },
  { id: 'training', available: true, roles: STAFF_ROLES },
  { id: 'assessment', available: true, roles: ['admin', 'leader', 'staff', 'grid_worker', 'department_handler'] },
  { id: 'audit', available: true, roles: ['admin'] },
]

/** Pages anyone may open without signing in. */
export const PUBLIC_PAGES: readonly string[] = ['report', 'track']

export function hasRole(user: User | null, roles: readonly Role[]): boolean {
  return !!user && user.roles.some((r) => roles.includes(r.role))
}

export function modulesFor(user: User): ModuleInfo[] {
  return MODULES.filter((m) => m.roles === null || hasRole(user, m.roles))
}

/** A module the user may open, or undefined (unknown page or not for their roles). */
export function findModule(id: string, user: User): ModuleInfo | undefined {
  return modulesFor(user).find((m) => m.id === id)
}

/** Where a user lands: their daily work first. */
export function defaultModule(user: User): ModuleId {
  if (hasRole(user, ['admin', 'leader', 'staff', 'department_handler'])) return 'cases'
  if (hasRole(user, ['grid_worker'])) return 'tasks'
  if (hasRole(user, ['resident'])) return 'my-cases'
  return hasRole(user, STAFF_ROLES) ? 'areas' : 'report'
}
