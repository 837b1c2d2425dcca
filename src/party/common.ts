import type { Role } from '../core/scope.js'

// What the parts of the party module share: who reads and keeps the network, and the words of the
// domain (the check constraints of migration 0068 list the same values).

/** Who builds the network, records members and co-building in an area (over the area). */
export const partyKeepers: Role[] = ['admin', 'leader', 'staff']
/** Who reads the network, its members (masked) and co-building (on the area's branch). */
export const partyReaders: Role[] = ['admin', 'leader', 'staff', 'grid_worker']

/** 党委, 党总支, 党支部, 党小组. */
export const organisationKinds = ['committee', 'general_branch', 'branch', 'group'] as const
export type OrganisationKind = (typeof organisationKinds)[number]
/** Attached to an area (区域), or the branch of an enterprise, social organisation, institution or compound. */
export const organisationSectors = ['area', 'enterprise', 'social_organisation', 'institution', 'compound'] as const
export type OrganisationSector = (typeof organisationSectors)[number]
export const organisationStatuses = ['active', 'dissolved'] as const

export const memberRoles = ['secretary', 'deputy_secretary', 'committee_member', 'member'] as const
export type MemberRole = (typeof memberRoles)[number]
/** 正式党员, 预备党员. */
export const memberStandings = ['full', 'probationary'] as const
export const workplaceKinds = [
  'department',
  'enterprise',
  'institution',
  'social_organisation',
  'community',
  'retired',
  'other',
] as const
export const memberStatuses = ['active', 'transferred', 'left'] as const
/** 在职党员到社区报到: the service posts a reporting member takes up. */
export const servicePosts = [
  'policy_outreach',
  'elderly_care',
  'environment',
  'safety_patrol',
  'dispute_mediation',
  'volunteer_service',
  'culture',
  'youth',
  'other',
] as const

export const cobuildUnitKinds = [
  'department',
  'enterprise',
  'school',
  'hospital',
  'institution',
  'social_organisation',
  'other',
] as const
/** 需求清单, 资源清单, 项目清单. */
export const cobuildLists = ['need', 'resource', 'project'] as const
export const cobuildTopics = [
  'elderly_care',
  'children',
  'education',
  'health',
  'environment',
  'culture',
  'employment',
  'safety',
  'facilities',
  'other',
] as const
export const cobuildStatuses = ['open', 'matched', 'in_progress', 'done', 'cancelled'] as const
