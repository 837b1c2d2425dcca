// Kysely's view of the tables, generated from the migrated database by `npm run generate`
// (scripts/generate.ts). Geometry columns are written and read through PostGIS functions in
// src/jurisdiction/geometry.ts, so they appear there as opaque strings.
export type { DB } from './tables.generated.js'
