import type { ColumnType, Generated } from 'kysely'

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>
type Json<T = unknown> = ColumnType<T, string | undefined, string>

export interface CalendarDayTable {
  day: ColumnType<string, string, string>
  kind: 'holiday' | 'workday'
  name_zh: Generated<string>
  name_en: Generated<string>
}

export interface CaseCategoryTable {
  id: Generated<number>
  parent_id: number | null
  code: string
  name_zh: string
  name_en: string
  is_leaf: boolean
  respond_hours: number | null
  handle_workdays: number | null
  photo_required: Generated<boolean>
  attributes: Json
  keywords: ColumnType<string[], string[] | undefined, string[]>
  active: Generated<boolean>
  sort: Generated<number>
}

export interface CategoryRoutingTable {
  category_id: number
  area_id: number
  department_id: number
}

export interface CasesTable {
  id: Generated<number>
  tracking_code: string
  category_id: number
  area_id: number
  district_id: number
  channel: string
  state: string
  version: Generated<number>
  location: string | null
  address: string | null
  description: string
  attributes: Json
  reporter_id: number | null
  reporter_name: string | null
  /** Legacy plaintext, emptied by src/operations/seal.ts; never written. */
  reporter_phone: string | null
  reporter_phone_enc: ColumnType<Uint8Array | null, Buffer | null | undefined, Buffer | null>
  reporter_phone_masked: string | null
  reporter_token_hash: string | null
  department_id: number | null
  assisting_department_ids: ColumnType<number[], number[] | undefined, number[]>
  stage: string | null
  stage_seq: Generated<number>
  stage_started_at: Date | null
  stage_warn_at: Date | null
  stage_due_at: Date | null
  escalation_level: Generated<number>
  extension_request: ColumnType<unknown, string | null | undefined, string | null>
  result: string | null
  rating: string | null
  rating_comment: string | null
  merged_into_id: number | null
  rework_count: Generated<number>
  reopen_count: Generated<number>
  submitted_at: Date
  response_due_at: Date
  responded_at: Date | null
  handle_due_at: Date | null
  replied_at: Date | null
  verified_at: Date | null
  closed_at: Date | null
  rated_at: Date | null
  updated_at: Date
}

export interface CaseEventTable {
  id: Generated<number>
  case_id: number
  at: Date
  action: string
  from_state: string | null
  to_state: string
  actor_id: number | null
  actor_name: string | null
  actor_role: string | null
  department_id: number | null
  comment: string | null
  photo_ids: ColumnType<number[], number[] | undefined, number[]>
  detail: Json
  is_public: Generated<boolean>
}

export interface CasePhotoTable {
  id: Generated<number>
  token: string
  case_id: number | null
  uploader_id: number | null
  content_type: string
  byte_size: number
  sha256: string
  data: Uint8Array
  created_at: Timestamp
}

export interface NotificationTable {
  id: Generated<number>
  user_id: number
  case_id: number | null
  kind: string
  params: Json
  created_at: Date
  read_at: Date | null
}

export interface CasesTables {
  calendar_day: CalendarDayTable
  case_category: CaseCategoryTable
  category_routing: CategoryRoutingTable
  cases: CasesTable
  case_event: CaseEventTable
  case_photo: CasePhotoTable
  notification: NotificationTable
}
