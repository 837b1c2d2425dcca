import { sql } from 'kysely'
import type { FieldCipher } from '../core/crypto.js'
import type { Db, Tx } from '../core/db.js'
import { fakePerson } from '../registry/fake.js'
import { maskIdNumber } from '../registry/identity.js'

export async function seedAlertsDemo(_tx: Tx, _now: Date): Promise<Record<string, number>> {
  return {}
}

// Bytes as hex and arrays as literals, cast by the database: the embedded driver's parameter types
// take neither a Buffer, a Date nor an empty array in a many-row insert; and batches stay small
// (500 rows, 9,000 parameters): at 36,000 parameters the embedded database answered later queries empty.
const bytea = (b: Buffer) => sql<Buffer>`decode(${b.toString('hex')}, 'hex')`

/**
 * Registry residents generated into `gridIds` (round robin) for load tests of alerts (the SIGKILL
 * test, the benchmark): deterministic fake people with encrypted ID numbers and phones, as the
 * registry stores them. `seed` keeps their ID numbers apart from other generated people.
 */
export async function generateResidents(
  db: Db,
  cipher: FieldCipher,
  gridIds: number[],
  count: number,
  seed = 17,
  now = new Date('2026-11-01T00:00:00Z'),
): Promise<number> {
  const { rows: grids } = await sql<{ id: number; district_id: number }>`
    select g.id, d.id as district_id from area g join area d on g.path like d.path || '%' and d.level = 'district'
    where g.id = any(${gridIds}::int[]) order by g.id`.execute(db)
  if (grids.length !== gridIds.length) throw new Error('generateResidents: unknown grid')
  const { rows: n } = await sql<{ n: number }>`select count(*)::int as n from person`.execute(db)
  // Past every person already there, so ID numbers never collide with the demo's or earlier runs'.
  const offset = 50_000_000 + n[0]!.n
  const BATCH = 500
  for (let done = 0; done < count; done += BATCH) {
    const rows = []
    for (let i = done; i < Math.min(count, done + BATCH); i++) {
      const f = fakePerson(seed, offset + i)
      const g = grids[i % grids.length]!
      rows.push({
        area_id: g.id,
        district_id: g.district_id,
        name: f.name,
        id_type: 'resident_id',
        id_number_enc: bytea(cipher.encrypt(f.idNumber)),
        id_number_bidx: cipher.blindIndex('id', f.idNumber),
        id_number_masked: maskIdNumber('resident_id', f.idNumber),
        sex: f.sex,
        birth_date: f.birthDate,
        phone_enc: f.phone ? bytea(cipher.encrypt(f.phone)) : null,
        phone_bidx: f.phone ? cipher.blindIndex('phone', f.phone) : null,
        phone_masked: f.phone ? `${f.phone.slice(0, 3)}****${f.phone.slice(-4)}` : null,
        residence_status: f.residenceStatus,
        address: f.address,
        status: 'active',
        tags: sql<string[]>`${`{${f.tags.join(',')}}`}::text[]`,
        created_at: now.toISOString(),
        updated_at: now.toISOString(),
      })
    }
    await db.insertInto('person').values(rows).execute()
  }
  return count
}
