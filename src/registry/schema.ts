import type { ColumnType, Generated } from 'kysely'

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>
type Json<T = unknown> = ColumnType<T, string | undefined, string>
type Day = ColumnType<string, string | undefined, string>
type Bytes = ColumnType<Uint8Array, Buffer, Buffer>

export interface BuildingTable {
  id: Generated<number>
  area_id: number
  district_id: number
  code: string
  name: string
  kind: string
  address: string
  floors: number | null
  location: string
  created_at: Timestamp
  updated_at: Timestamp
}

export interface DwellingTable {
  id: Generated<number>
  building_id: number
  area_id: number
  district_id: number
  unit: Generated<string>
  floor: number | null
  room: string
}

export interface PersonTable {
  id: Generated<number>
  area_id: number
  district_id: number
  name: string
  id_type: string
  id_number_enc: Bytes
  id_number_bidx: string
  id_number_masked: string
  sex: string
  birth_date: Day | null
  phone_enc: Bytes | null
  phone_bidx: string | null
  phone_masked: string | null
  registered_place: string | null
  residence_status: string
  address: string | null
  dwelling_id: number | null
  moved_in_on: Day | null
  moved_out_on: Day | null
  died_on: Day | null
  status: Generated<string>
  tags: ColumnType<string[], string[] | undefined, string[]>
  merged_into_id: number | null
  version: Generated<number>
  created_at: Timestamp
  updated_at: Timestamp
}

export interface HouseholdTable {
  id: Generated<number>
  area_id: number
  district_id: number
  code: string
  dwelling_id: number | null
  address: string | null
  created_at: Timestamp
}

export interface HouseholdMemberTable {
  household_id: number
  person_id: number
  area_id: number
  /** Set by the database from the area (registry_set_district). */
  district_id: Generated<number>
  relation: string
  joined_on: Day | null
}

export interface OrganisationTable {
  id: Generated<number>
  area_id: number
  district_id: number
  kind: string
  name: string
  uscc: string | null
  legal_representative: string | null
  address: string | null
  location: string | null
  created_at: Timestamp
  updated_at: Timestamp
}

export interface PersonOrganisationTable {
  person_id: number
  organisation_id: number
  area_id: number
  /** Set by the database from the area (registry_set_district). */
  district_id: Generated<number>
  role: string
}

export interface PlaceTable {
  id: Generated<number>
  area_id: number
  district_id: number
  kind: string
  name: string
  address: string
  location: string
  organisation_id: number | null
  building_id: number | null
  created_at: Timestamp
  updated_at: Timestamp
}

export interface RegistryHistoryTable {
  id: Generated<number>
  entity: string
  entity_id: number
  area_id: number
  /** Set by the database from the area (registry_set_district). */
  district_id: Generated<number>
  at: Timestamp
  actor_id: number | null
  actor_name: string | null
  action: string
  reason: string | null
  changes: Json<Record<string, { from: unknown; to: unknown }>>
  snapshot: Json<Record<string, unknown>>
}

export interface PersonDistinctTable {
  person_a: number
  person_b: number
  area_id: number
  /** Set by the database from the area (registry_set_district). */
  district_id: Generated<number>
  decided_by: number | null
  decided_at: Timestamp
}

export interface CareRuleTable {
  tag: string
  interval_days: number
}

export interface CareVisitTable {
  id: Generated<number>
  person_id: number
  area_id: number
  district_id: number
  visited_on: Day
  visitor_id: number | null
  visitor_name: string | null
  findings: string
  follow_up: string | null
  needs_follow_up: Generated<boolean>
  created_at: Timestamp
}

export interface CareOverdueNoticeTable {
  person_id: number
  due_on: Day
  noticed_at: Timestamp
}

export interface DataGrantTable {
  id: Generated<number>
  area_id: number
  /** Set by the database from the area (registry_set_district). */
  district_id: Generated<number>
  department_id: number | null
  api_key_id: number | null
  entity: string
  fields: ColumnType<string[], string[], string[]>
  purpose: string
  expires_at: Timestamp
  created_by: number | null
  created_at: Timestamp
  revoked_at: Date | null
  revoked_by: number | null
}

export interface ImportJobTable {
  id: Generated<number>
  area_id: number
  /** Set by the database from the area (registry_set_district). */
  district_id: Generated<number>
  kind: 'people'
  file_name: string
  format: 'csv' | 'xlsx'
  encoding: string
  headers: Json<string[]>
  mapping: Json<Record<string, string>> | null
  status: 'pending' | 'running' | 'done' | 'failed'
  file_enc: Bytes | null
  byte_size: number
  bytes_read: Generated<number>
  processed: Generated<number>
  inserted: Generated<number>
  updated: Generated<number>
  unchanged: Generated<number>
  failed: Generated<number>
  error: string | null
  created_by: number | null
  created_at: Timestamp
  started_at: Date | null
  finished_at: Date | null
}

export interface ImportRowErrorTable {
  job_id: number
  row_number: number
  field: string | null
  message: string
  row_enc: Bytes
}

export interface RegistryTables {
  building: BuildingTable
  dwelling: DwellingTable
  person: PersonTable
  household: HouseholdTable
  household_member: HouseholdMemberTable
  organisation: OrganisationTable
  person_organisation: PersonOrganisationTable
  place: PlaceTable
  registry_history: RegistryHistoryTable
  person_distinct: PersonDistinctTable
  care_rule: CareRuleTable
  care_visit: CareVisitTable
  care_overdue_notice: CareOverdueNoticeTable
  data_grant: DataGrantTable
  import_job: ImportJobTable
  import_row_error: ImportRowErrorTable
}
