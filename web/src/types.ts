// Shapes of the Grassroots REST API (v1) as the web app uses them, named after the generated API types
// (api/schema.generated.ts, from /api/openapi.json): nothing here restates a server type. What stays
// hand-written is the web app's own: orderings for display and the few narrowings noted where they are.
import type { FeatureCollection, Geometry } from 'geojson'
import type { ApiBody, ApiQuery, ApiResponse } from './api/schema'

type Item<T> = T extends readonly (infer I)[] ? I : never
/** Exactly the members of a union, in a chosen order (a compile error when the server adds or drops one). */
/**
 * `values` in a display order, checked to name every member of `U`: a server enumeration that
 * gains a value fails to compile until the list has it. (`satisfies` cannot check this: it sees
 * only the declared element type.)
 */
export const allOf =
  <U extends string>() =>
  <const L extends readonly U[]>(
    values: L & ([U] extends [L[number]] ? unknown : { missing: Exclude<U, L[number]> }),
  ) =>
    values as L

/** A page of a list: items with the page, its size and the total, as every list route answers. */
export type Paged<T> = Omit<ApiResponse<'/api/v1/cases'>, 'items'> & { items: T[] }

// ---------- Accounts ----------

export type User = ApiResponse<'/api/v1/auth/me'>['user']
export type RoleAssignment = Item<User['roles']>
export type Role = RoleAssignment['role']
export type AppConfig = ApiResponse<'/api/v1/config'>

// ---------- Jurisdiction ----------

type TreeNode = Item<ApiResponse<'/api/v1/areas/tree'>['areas']>
/** A node of the area tree. The schema unrolls the recursion level by level (a grid has no children). */
export type AreaNode = Omit<TreeNode, 'children'> & { children: AreaNode[] }
export type AreaLevel = AreaNode['level']

/** The levels from the top down. */
export const AREA_LEVELS = allOf<AreaLevel>()(['city', 'district', 'street', 'community', 'grid'])

/** The level directly below `level`, or null for grids. */
export function childLevel(level: AreaLevel): AreaLevel | null {
  return AREA_LEVELS[AREA_LEVELS.indexOf(level) + 1] ?? null
}

// GeoJSON geometries: the schema types coordinates only as nested arrays, Leaflet wants GeoJSON's types.
type WithGeometry<T> = Omit<T, 'geometry'> & { geometry: Geometry }

export type AreaFeatureProps = Item<ApiResponse<'/api/v1/areas/boundaries'>['features']>['properties']
export type AreaFeatureCollection = FeatureCollection<Geometry, AreaFeatureProps>
export type AreaDetail = Omit<ApiResponse<'/api/v1/areas/{id}'>, 'boundary'> & { boundary: Geometry | null }
type CoverageAnswer = ApiResponse<'/api/v1/areas/{id}/coverage'>
export type Coverage = Omit<CoverageAnswer, 'gaps' | 'overlaps' | 'outside'> & {
  gaps: WithGeometry<Item<CoverageAnswer['gaps']>>[]
  overlaps: WithGeometry<Item<CoverageAnswer['overlaps']>>[]
  outside: WithGeometry<Item<CoverageAnswer['outside']>>[]
}
export type LocateResult = ApiResponse<'/api/v1/areas/locate'>

// ---------- Event closed loop (cases) ----------

export type CaseView = Item<ApiResponse<'/api/v1/cases'>['items']>
export type CaseDetail = ApiResponse<'/api/v1/cases/{id}'>
export type CaseState = CaseView['state']
export type CaseAction = Item<CaseDetail['allowedActions']>
export type DeadlineColour = NonNullable<CaseView['colour']>
export type Rating = NonNullable<CaseView['rating']>
export type LngLat = NonNullable<CaseView['location']>
export type TimelineEvent = Item<CaseDetail['timeline']>
export type CaseFilter = ApiQuery<'/api/v1/cases'>
export type NewCaseBody = ApiBody<'/api/v1/cases'>
export type NewCaseResult = ApiResponse<'/api/v1/cases', 'post'>
export type ActionBody = ApiBody<'/api/v1/cases/{id}/actions'>
export type PublicCase = ApiResponse<'/api/v1/public/cases/{trackingCode}'>
export type PublicMap = ApiResponse<'/api/v1/public/map'>
export type PublicMapGrid = Item<PublicMap['grids']>
export type CaseStats = ApiResponse<'/api/v1/stats/cases'>
export type CaseStatsGroup = Item<CaseStats['groups']>
export type StatsGroupBy = NonNullable<CaseStats['groupBy']>

/** The ratings in the order the forms offer them, best first. */
export const RATINGS = allOf<Rating>()(['satisfied', 'basically_satisfied', 'unsatisfied'])

// The loop by the book (issue 12): urgency tiers, returns with a reason, first contact, case rules.
export type Urgency = CaseView['urgency']
export type Channel = CaseView['channel']
export type ReturnReason = NonNullable<ActionBody['returnReason']>
export type ContactMethod = NonNullable<ActionBody['contactMethod']>
/** The tiers from the most pressing down. */
export const URGENCIES = allOf<Urgency>()(['urgent', 'general', 'complex'])
/** Return reasons in the order the return form offers them (src/cases/workflow.ts). */
export const RETURN_REASONS = allOf<ReturnReason>()([
  'not_our_duty',
  'wrong_area',
  'duplicate',
  'insufficient_information',
  'beyond_capacity',
  'other',
])
export const CONTACT_METHODS = allOf<ContactMethod>()(['phone', 'visit', 'message'])
export type CaseRulesAnswer = ApiResponse<'/api/v1/areas/{id}/case-rules'>
export type CaseRulesBody = ApiBody<'/api/v1/areas/{id}/case-rules', 'put'>
/**
 * The rules in force in an area (`effective` of the answer), which the document types as an open
 * object: the server's CaseRules (src/cases/rules.ts), every key filled.
 */
export interface EffectiveCaseRules {
  limits: Record<Urgency, { contactHours: number; replyHours?: number; replyWorkdays?: number }>
  returnWindowHours: number
  callbackAttempts: number
  shelvingReviewDays: number
  checkWorkdays: number
  satisfactionWeights: { satisfied: number; basicallySatisfied: number; unsatisfied: number }
  householdBand: [number, number]
}

type CategoryAnswer = Item<ApiResponse<'/api/v1/categories'>['categories']>
/** A node of the category catalogue; the schema unrolls the recursion like the area tree's. */
export type Category = Omit<CategoryAnswer, 'children'> & { children: Category[] }
export type CategoryAttribute = Item<Category['attributes']>

export type Department = Item<ApiResponse<'/api/v1/departments'>['items']>
export type Notification = Item<ApiResponse<'/api/v1/notifications'>['items']>

export type AuditEntry = Item<ApiResponse<'/api/v1/audit'>['items']>
export type AuditFilter = ApiQuery<'/api/v1/audit'>
export type AuditVerifyResult = ApiResponse<'/api/v1/audit/verify'>

// ---- Registry (people, households, buildings, organisations, places; src/registry) ----

export type PersonListItem = Item<ApiResponse<'/api/v1/people/search', 'post'>['items']>
export type PersonCard = ApiResponse<'/api/v1/people/{id}'>
export type Person = ApiResponse<'/api/v1/people/{id}/events', 'post'>
export type PersonSearch = ApiBody<'/api/v1/people/search'>
export type HistoryEntry = Item<ApiResponse<'/api/v1/people/{id}/history'>['items']>
export type LifeEventBody = ApiBody<'/api/v1/people/{id}/events'>
export type DuplicatePair = Item<ApiResponse<'/api/v1/people/duplicates'>['items']>
export type CareVisit = ApiResponse<'/api/v1/care/visits', 'post'>
export type CarePerson = Item<ApiResponse<'/api/v1/care/people'>['items']>
export type Household = Item<ApiResponse<'/api/v1/households'>['items']>
export type HouseholdDetail = ApiResponse<'/api/v1/households/{id}'>
export type Building = Item<ApiResponse<'/api/v1/buildings'>['items']>
export type BuildingDetail = ApiResponse<'/api/v1/buildings/{id}'>
export type Organisation = Item<ApiResponse<'/api/v1/organisations'>['items']>
export type Place = Item<ApiResponse<'/api/v1/places'>['items']>
export type ImportJob = ApiResponse<'/api/v1/imports/{id}'>
export type DataGrant = ApiResponse<'/api/v1/data-grants/{id}/revoke', 'post'>
export type NewDataGrant = ApiBody<'/api/v1/data-grants'>
export type RegistryFields = ApiResponse<'/api/v1/registry/fields'>
export type RevealBody = ApiBody<'/api/v1/people/{id}/reveal'>
type NewPerson = ApiBody<'/api/v1/people'>
export type CareTag = Item<NonNullable<NewPerson['tags']>>
export type ResidenceStatus = NonNullable<NewPerson['residenceStatus']>
export type IdType = NonNullable<NewPerson['idType']>
export type LifeEventKind = LifeEventBody['kind']
export type RevealableField = Item<RevealBody['fields']>
export type ImportMapping = ApiBody<'/api/v1/imports/{id}/start'>['mapping']
export type ImportEncoding = NonNullable<ApiQuery<'/api/v1/imports', 'post'>['encoding']>
