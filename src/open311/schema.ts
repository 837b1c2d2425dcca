import type { Generated, Kysely, Transaction } from 'kysely'
import type { DB } from '../core/schema.js'

// Kysely's view of the Open311 tables (migration 0012). They are not part of core/schema.ts's DB,
// so the code here reaches them through $extendTables.

export interface ApiKeyTable {
  id: Generated<number>
  key_hash: string
  key_prefix: string
  name: string
  area_id: number
  created_by: number | null
  created_at: Date
  revoked_at: Date | null
  last_used_at: Date | null
}

export interface Open311RequestTable {
  case_id: number
  api_key_id: number
  media_url: string | null
  email: string | null
  device_id: string | null
  account_id: string | null
  created_at: Date
}

export type Open311Tables = {
  api_key: ApiKeyTable
  open311_request: Open311RequestTable
}

export type O311Db = Kysely<DB & Open311Tables>

/** The same connection or transaction, typed with the Open311 tables added. */
export const withOpen311 = (db: Kysely<DB> | Transaction<DB>): O311Db =>
  db.$extendTables<Open311Tables>() as unknown as O311Db
