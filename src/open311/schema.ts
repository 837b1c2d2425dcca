import type { Kysely, Transaction } from 'kysely'
import type { DB } from '../core/schema.js'

// The Open311 tables (migration 0012) are part of the generated DB; these names stay for the code
// that reached them through $extendTables before.
export type O311Db = Kysely<DB> | Transaction<DB>

/** The same connection or transaction. */
export const withOpen311 = (db: Kysely<DB> | Transaction<DB>): O311Db => db
