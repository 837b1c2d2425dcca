import { sql } from 'kysely'
import { pick } from '../core/random.js'
import { fakePerson } from '../registry/fake.js'
import { fittingTags } from '../registry/care-tags.js'
import { maskIdNumber } from '../registry/identity.js'
import { today } from '../registry/people.js'
import type { GenerateStep } from './generate-step.js'

const BATCH = 5000

/**
 * People for the registry: deterministic fake residents (valid resident IDs, unique per person),
 * spread over every grid, their ID numbers and phones encrypted with the configured data key
 * exactly as the API stores them (ciphertext, blind index, masked form), so searches, reveals and
 * imports against generated data behave as in production. No history rows: generated people have
 * none, as if they predated the platform.
 */
export const peopleStep: GenerateStep = {
  entity: 'people',
  tables: ['person'],
  async run(ctx, count) {
    const cipher = ctx.opts.cipher
    if (!cipher) throw new Error('generating people needs the data key (GRASSROOTS_DATA_KEY or its key file)')
    const { rows: grids } = await sql<{
      id: number
      path: string
    }>`select id, path from area where level = 'grid' and retired_at is null order by id`.execute(ctx.database.db)
    const start = Number(
      (await sql<{ n: number }>`select count(*)::bigint as n from person`.execute(ctx.database.db)).rows[0]!.n,
    )
    // Offset the generator's sequence past people already there (the demo's), so IDs never collide.
    const offset = 1_000_000 + start
    const now = ctx.opts.until
    // Tags drawn for an age reckoned from a fixed year: only those that fit the person on `until`.
    const day = today(now)
    const columns = [
      'area_id',
      'district_id',
      'name',
      'id_type',
      'id_number_enc',
      'id_number_bidx',
      'id_number_masked',
      'sex',
      'birth_date',
      'phone_enc',
      'phone_bidx',
      'phone_masked',
      'residence_status',
      'address',
      'status',
      'tags',
      'created_at',
      'updated_at',
    ]
    const hex = (b: Buffer) => `\\x${b.toString('hex')}`
    let done = 0
    while (done < count) {
      const rows = []
      for (let i = 0; i < BATCH && done + i < count; i++) {
        const n = offset + done + i
        const f = fakePerson(ctx.opts.seed, n)
        const grid = pick(ctx.rng, grids)
        rows.push([
          grid.id,
          Number(grid.path.split('/').filter(Boolean)[1] ?? grid.id),
          f.name,
          'resident_id',
          hex(cipher.encrypt(f.idNumber)),
          cipher.blindIndex('id', f.idNumber),
          maskIdNumber('resident_id', f.idNumber),
          f.sex,
          f.birthDate,
          f.phone ? hex(cipher.encrypt(f.phone)) : null,
          f.phone ? cipher.blindIndex('phone', f.phone) : null,
          f.phone ? `${f.phone.slice(0, 3)}****${f.phone.slice(-4)}` : null,
          f.residenceStatus,
          f.address,
          'active',
          `{${fittingTags(f.tags, f.birthDate, f.sex, day).join(',')}}`,
          now,
          now,
        ])
      }
      await ctx.sink.write('person', columns, rows)
      done += rows.length
      ctx.progress(done)
    }
    return { rows: { person: done } }
  },
}
