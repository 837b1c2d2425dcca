// Shapes of the Grassroots REST API (v1) as the web app uses them.
import type { FeatureCollection, Geometry, MultiPolygon } from 'geojson'

export type AreaLevel = 'city' | 'district' | 'street' | 'community' | 'grid'

export const AREA_LEVELS: readonly AreaLevel[] = ['city', 'district', 'street', 'community', 'grid']

export interface RoleAssignment {
  role: string
  areaId: number | null
  areaCode: string | null
  areaNameZh: string | null
  areaNameEn: string | null
}

export interface User {
  id: number
  username: string
  displayName: string
  roles: RoleAssignment[]
}

export interface AppConfig {
  tileUrl: string | null
  tileAttribution: string | null
  defaultLanguage: 'zh-CN' | 'en'
}

export interface AreaNode {
  id: number
  parentId: number | null
  level: AreaLevel
  code: string
  nameZh: string
  nameEn: string
  retired: boolean
  children: AreaNode[]
}

export interface AreaRef {
  id: number
  level: AreaLevel
  code: string
  nameZh: string
  nameEn: string
}

export interface AreaDetail extends AreaRef {
  parentId: number | null
  retiredAt: string | null
  areaM2: number
  boundary: MultiPolygon | null
  ancestors: AreaRef[]
}

export interface AreaFeatureProps {
  id: number
  parentId: number | null
  level: AreaLevel
  code: string
  nameZh: string
  nameEn: string
}

export type AreaFeatureCollection = FeatureCollection<Geometry, AreaFeatureProps>

export interface Coverage {
  areaId: number
  childCount: number
  gaps: { geometry: Geometry; areaM2: number }[]
  overlaps: { areaIds: [number, number]; geometry: Geometry; areaM2: number }[]
  outside: { areaId: number; geometry: Geometry; areaM2: number }[]
  gapM2: number
  overlapM2: number
  outsideM2: number
  seamless: boolean
}

/** The level directly below `level`, or null for grids. */
export function childLevel(level: AreaLevel): AreaLevel | null {
  return AREA_LEVELS[AREA_LEVELS.indexOf(level) + 1] ?? null
}

// ---------- Event closed loop (cases) ----------

export const CASE_STATES = [
  'submitted',
  'accepted',
  'dispatched',
  'in_progress',
  'replied',
  'verified',
  'closed',
  'rated',
  'rejected',
  'merged',
] as const
export type CaseState = (typeof CASE_STATES)[number]

/** States in which a case is still being worked on. */
export const OPEN_STATES: readonly CaseState[] = [
  'submitted',
  'accepted',
  'dispatched',
  'in_progress',
  'replied',
  'verified',
]

export const CASE_ACTIONS = [
  'accept',
  'reject',
  'merge',
  'dispatch',
  'department_accept',
  'return',
  'request_extension',
  'decide_extension',
  'add_assist',
  'reply',
  'verify_pass',
  'verify_fail',
  'close',
  'rate',
  'reopen',
] as const
export type CaseAction = (typeof CASE_ACTIONS)[number]

export type Rating = 'satisfied' | 'basically_satisfied' | 'unsatisfied'
export const RATINGS: readonly Rating[] = ['satisfied', 'basically_satisfied', 'unsatisfied']

export type DeadlineColour = 'green' | 'yellow' | 'red'

export type AttributeDatatype = 'string' | 'number' | 'datetime' | 'text' | 'singlevaluelist' | 'multivaluelist'

export interface CategoryAttribute {
  code: string
  datatype: AttributeDatatype
  required: boolean
  descriptionZh: string
  descriptionEn: string
  order: number
  values?: { key: string; nameZh: string; nameEn: string }[]
}

export interface Category {
  id: number
  parentId: number | null
  code: string
  nameZh: string
  nameEn: string
  isLeaf: boolean
  respondHours: number | null
  handleWorkdays: number | null
  photoRequired: boolean
  attributes: CategoryAttribute[]
  keywords: string[]
  children: Category[]
}

export interface NamedRef {
  id: number
  code: string
  nameZh: string
  nameEn: string
}

export interface LngLat {
  lng: number
  lat: number
}

export interface CaseView {
  id: number
  trackingCode: string
  category: NamedRef
  area: NamedRef
  channel: string
  state: CaseState
  version: number
  location: LngLat | null
  address: string | null
  description: string
  attributes: Record<string, unknown>
  department: NamedRef | null
  assistingDepartmentIds: number[]
  stage: 'respond' | 'handle' | 'verify' | null
  stageDueAt: string | null
  colour: DeadlineColour | null
  escalationLevel: number
  extensionRequest: { workdays: number; comment: string } | null
  result: string | null
  rating: Rating | null
  ratingComment: string | null
  mergedIntoId: number | null
  reworkCount: number
  reopenCount: number
  submittedAt: string
  responseDueAt: string
  respondedAt: string | null
  handleDueAt: string | null
  repliedAt: string | null
  verifiedAt: string | null
  closedAt: string | null
  ratedAt: string | null
  reporter: { id: number | null; name: string | null; phone: string | null } | null
}

export interface TimelineEvent {
  id: number
  at: string
  action: string
  fromState: string | null
  toState: string | null
  actorName: string | null
  actorRole: string | null
  department: { nameZh: string; nameEn: string | null } | null
  comment: string | null
  photoIds: number[]
  detail: Record<string, unknown>
  isPublic: boolean
}

export interface CaseDetail extends CaseView {
  photos: { id: number; contentType: string; byteSize: number }[]
  timeline: TimelineEvent[]
  allowedActions: CaseAction[]
}

export interface PossibleDuplicate {
  id: number
  trackingCode: string
  state: string
  distanceM: number
  submittedAt: string
}

export interface NewCaseBody {
  categoryCode: string
  location: LngLat
  description: string
  address?: string
  attributes?: Record<string, unknown>
  photos?: string[]
  channel?: string
  reporterName?: string
  reporterPhone?: string
}

export interface NewCaseResult {
  case: CaseDetail | null
  id: number
  trackingCode: string
  reporterToken: string | null
  possibleDuplicates: PossibleDuplicate[]
}

export interface ActionBody {
  action: CaseAction
  version?: number
  comment?: string
  departmentId?: number
  intoCaseId?: number
  result?: string
  rating?: Rating
  workdays?: number
  approve?: boolean
  photos?: string[]
}

export interface PublicCase {
  trackingCode: string
  category: { code: string; nameZh: string; nameEn: string }
  area: { code: string; nameZh: string; nameEn: string }
  state: CaseState
  colour: DeadlineColour | null
  department: { nameZh: string; nameEn: string } | null
  submittedAt: string
  closedAt: string | null
  result: string | null
  rating: Rating | null
  mergedInto: string | null
  timeline: TimelineEvent[]
}

export interface Paged<T> {
  items: T[]
  page: number
  pageSize: number
  total: number
}

export interface CaseFilter {
  areaId?: number
  state?: CaseState[]
  categoryId?: number
  departmentId?: number
  overdue?: boolean
  escalated?: boolean
  colour?: DeadlineColour
  from?: string
  to?: string
  q?: string
  mine?: boolean
  sort?: 'newest' | 'oldest' | 'due'
  page?: number
  pageSize?: number
}

export interface Department {
  id: number
  areaId: number
  code: string
  nameZh: string
  nameEn: string
  kind: string
}

export interface Notification {
  id: number
  caseId: number | null
  kind: string
  params: Record<string, unknown>
  createdAt: string
  readAt: string | null
}

export interface PublicMapGrid {
  areaId: number
  code: string
  nameZh: string
  nameEn: string
  total: number
  open: number
  closed: number
}

export interface PublicMap {
  since: string
  grids: PublicMapGrid[]
}

export interface LocateResult {
  grid: AreaFeatureProps
  ancestors: AreaFeatureProps[]
}

/** Figures of GET /stats/cases, for the whole selection and per group. Rates may be null (no cases). */
export interface CaseStatsFigures {
  total: number
  responseRate: number | null
  resolutionRate: number | null
  satisfactionRate: number | null
  onTimeClosureRate: number | null
  reworkRate: number | null
  averageHandlingHours: number | null
  open?: number
  overdue?: number
  [extra: string]: unknown
}

export interface CaseStatsGroup extends CaseStatsFigures {
  key: string | number
  label?: string
  labelZh?: string
  labelEn?: string
  nameZh?: string
  nameEn?: string
}

export interface CaseStats {
  totals: CaseStatsFigures
  groups: CaseStatsGroup[]
  definitions?: unknown
}

export type StatsGroupBy = 'area' | 'department' | 'category' | 'day' | 'month'

export interface AuditEntry {
  id: number
  /** Place in the hash chain; null until the server's linker has chained the entry (< 1 s). */
  seq: number | null
  at: string
  actorId: number | null
  actorName: string | null
  action: string
  entityType: string | null
  entityId: string | null
  areaId: number | null
  ip: string | null
  purpose: string | null
  detail: Record<string, unknown>
  hash: string | null
}

export interface AuditFilter {
  page?: number
  pageSize?: number
  action?: string
  entityType?: string
  entityId?: string
  actorId?: number
  /** ISO date-times; `to` is exclusive. */
  from?: string
  to?: string
}

export interface AuditVerifyResult {
  ok: boolean
  entries: number
  unlinked: number
  firstBroken: { seq: number; reason: 'content_altered' | 'chain_broken' | string } | null
  head: { seq: number; hash: string } | null
}

// ---- Registry (people, households, buildings, organisations, places; src/registry) ----

export interface Person {
  id: number
  areaId: number
  name: string
  idType: string
  /** Masked unless revealed (POST /people/:id/reveal). */
  idNumber: string
  sex: string
  birthDate: string | null
  phone: string | null
  registeredPlace: string | null
  residenceStatus: string
  address: string | null
  dwellingId: number | null
  movedInOn: string | null
  movedOutOn: string | null
  diedOn: string | null
  status: string
  tags: string[]
  mergedIntoId: number | null
  version: number
  createdAt: string
  updatedAt: string
}

export interface PersonListItem extends Person {
  areaCode: string
  areaName: string
  score: number | null
}

export interface PersonCard extends Person {
  area: { id: number; code: string; nameZh: string; nameEn: string }
  dwelling: { id: number; buildingId: number; building: string; unit: string; room: string } | null
  household: { id: number; code: string; relation: string } | null
  organisations: { id: number; name: string; role: string }[]
  asOf: string | null
}

export interface PersonSearch {
  q?: string
  name?: string
  idNumber?: string
  phone?: string
  tags?: string[]
  residenceStatus?: string
  areaId?: number
  page?: number
  pageSize?: number
}

export interface HistoryEntry {
  id: number
  at: string
  actor: string | null
  action: string
  reason: string | null
  changes: Record<string, { from: unknown; to: unknown }> | null
}

export interface LifeEventBody {
  kind: string
  on: string
  reason: string
  version: number
  areaId?: number
  address?: string
  residenceStatus?: string
  idType?: string
  idNumber?: string
}

export interface DuplicatePair {
  reason: string
  a: Person
  b: Person
}

export interface CareVisit {
  id: number
  personId: number
  visitedOn: string
  visitor: string | null
  findings: string
  followUp: string | null
  needsFollowUp: boolean
  createdAt: string
}

export interface CarePerson {
  person: Person
  careTags: string[]
  intervalDays: number
  lastVisitOn: string | null
  dueOn: string
  overdueDays: number
}

export interface Household {
  id: number
  areaId: number
  code: string
  dwellingId: number | null
  address: string | null
  /** A count in lists. */
  members: number
}

export interface HouseholdDetail extends Omit<Household, 'members'> {
  members: { relation: string; joinedOn: string | null; person: Person }[]
}

export interface Building {
  id: number
  areaId: number
  code: string
  name: string
  kind: string
  address: string
  floors: number | null
  location: { lng: number; lat: number } | null
  /** A count in lists. */
  dwellings: number
}

export interface BuildingDetail extends Omit<Building, 'dwellings'> {
  dwellings: { id: number; unit: string; floor: number | null; room: string; residents: Person[] }[]
}

export interface Organisation {
  id: number
  areaId: number
  kind: string
  name: string
  uscc: string | null
  legalRepresentative: string | null
  address: string | null
}

export interface Place {
  id: number
  areaId: number
  kind: string
  name: string
  address: string
  organisationId: number | null
  buildingId: number | null
}

export interface ImportJob {
  id: number
  areaId: number
  kind: string
  fileName: string
  format: string
  encoding: string
  headers: string[]
  mapping: Record<string, string> | null
  suggestedMapping: Record<string, string>
  fields: string[]
  requiredFields: string[]
  status: 'pending' | 'running' | 'done' | 'failed' | string
  byteSize: number
  /** Bytes of the file read so far: the progress scale. */
  bytesRead: number
  processed: number
  inserted: number
  updated: number
  unchanged: number
  failed: number
  error: string | null
  createdAt: string
  startedAt: string | null
  finishedAt: string | null
}

export interface DataGrant {
  id: number
  areaId: number
  departmentId: number | null
  apiKeyId: number | null
  grantee: string
  entity: string
  fields: string[]
  purpose: string
  expiresAt: string
  createdAt: string
  revokedAt: string | null
  state: 'active' | 'expired' | 'revoked'
}

export interface NewDataGrant {
  areaId: number
  departmentId?: number
  apiKeyId?: number
  entity: string
  fields: string[]
  purpose: string
  expiresAt: string
}

export interface RegistryFields {
  personFieldClass: Record<string, string>
  shareableFields: Record<string, string[]>
  negativeList: Record<string, string[]>
  openFields: Record<string, string[]>
}
