import type { ColumnType, Generated } from 'kysely'
import type { CasesTables } from '../cases/schema.js'
import type { RegistryTables } from '../registry/schema.js'

// Kysely's view of the tables. Geometry columns are written and read through PostGIS functions
// in src/jurisdiction/geometry.ts, so they appear here as opaque strings.
type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>

export interface AreaTable {
  id: Generated<number>
  parent_id: number | null
  level: 'city' | 'district' | 'street' | 'community' | 'grid'
  code: string
  name_zh: string
  name_en: string
  path: string
  boundary: string
  timezone: Generated<string>
  retired_at: Date | null
  created_at: Timestamp
  updated_at: Timestamp
}

export interface DepartmentTable {
  id: Generated<number>
  area_id: number
  code: string
  name_zh: string
  name_en: string
  kind:
    | 'functional'
    | 'street_office'
    | 'community_committee'
    | 'mediation_committee'
    | 'enterprise'
    | 'social_organisation'
  created_at: Timestamp
}

export interface AppUserTable {
  id: Generated<number>
  username: string
  display_name: string
  /** Legacy plaintext, emptied by src/operations/seal.ts; never written. */
  phone: string | null
  phone_enc: ColumnType<Uint8Array | null, Buffer | null | undefined, Buffer | null>
  phone_masked: string | null
  password_hash: string
  department_id: number | null
  status: Generated<'active' | 'disabled'>
  is_demo: Generated<boolean>
  totp_secret: string | null
  totp_pending_secret: string | null
  totp_last_step: number | null
  created_at: Timestamp
  updated_at: Timestamp
}

export interface RoleGrantTable {
  id: Generated<number>
  user_id: number
  role: string
  area_id: number
  granted_by: number | null
  granted_at: Timestamp
}

export interface SessionTable {
  token_hash: string
  user_id: number
  created_at: Timestamp
  expires_at: Date
  revoked_at: Date | null
  ip: string | null
  user_agent: string | null
}

export interface LoginAttemptTable {
  id: Generated<number>
  username: string
  ip: string
  succeeded: boolean
  at: Timestamp
}

export interface AuditLogTable {
  id: Generated<number>
  /** Place in the chain; null until the linker links the entry (as are prev_hash and hash). */
  seq: number | null
  at: Timestamp
  actor_id: number | null
  actor_name: string | null
  action: string
  entity_type: string | null
  entity_id: string | null
  area_id: number | null
  ip: string | null
  purpose: string | null
  detail: ColumnType<unknown, string | undefined, string>
  prev_hash: string | null
  hash: string | null
}

export interface IdempotencyKeyTable {
  caller: string
  key: string
  request_hash: string
  status_code: number
  response: ColumnType<unknown, string, string>
  created_at: Timestamp
}

export interface WorkflowTimerTable {
  id: Generated<number>
  subject_type: string
  subject_id: number
  kind: string
  stage: string
  stage_seq: number
  due_at: Date
  fired_at: Date | null
  cancelled_at: Date | null
}

export interface SchemaMigrationTable {
  name: string
  applied_at: Timestamp
}

// Each domain declares its own tables (src/<domain>/schema.ts); this is their union.
export interface DB extends CasesTables, RegistryTables {
  workflow_timer: WorkflowTimerTable
  area: AreaTable
  department: DepartmentTable
  app_user: AppUserTable
  role_grant: RoleGrantTable
  session: SessionTable
  login_attempt: LoginAttemptTable
  audit_log: AuditLogTable
  idempotency_key: IdempotencyKeyTable
  schema_migration: SchemaMigrationTable
}
