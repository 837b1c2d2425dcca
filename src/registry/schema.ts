import type { DB } from '../core/schema.js'

export type PersonTable = DB['person']
