import { sql } from 'kysely'
import type { FieldCipher } from '../core/crypto.js'
import type { Tx } from '../core/db.js'
import { between, mulberry32 } from '../core/random.js'
import { fakePerson } from './fake.js'
import { ageOn, fittingTags } from './care-tags.js'
import { sealIdNumber, sealPhone, today } from './people.js'
import { districtOf } from './records.js'

// The demo city's registry: for the two demo communities (桂花, 翠竹) two residential buildings per
// grid with dwellings, households of one to four people living in them, a shop and a clinic per
// community, an enterprise, and a few care visits. Deterministic for a seed.

const COMMUNITIES = ['JZ-QH-01-01', 'JZ-QH-02-01']
const RELATIONS = ['head', 'spouse', 'child', 'parent']

export async function seedDemoRegistry(
  tx: Tx,
  cipher: FieldCipher,
  seed: number,
  now: Date,
): Promise<{ people: number }> {
  const r = mulberry32(seed * 7919)
  let n = 0
  let people = 0
  for (const code of COMMUNITIES) {
    const grids = await sql<{ id: number; code: string; path: string; lng: number; lat: number }>`
      select a.id, a.code, a.path, ST_X(ST_PointOnSurface(a.boundary)) as lng, ST_Y(ST_PointOnSurface(a.boundary)) as lat
      from area a join area c on c.id = a.parent_id where c.code = ${code} and a.level = 'grid' order by a.code`.execute(
      tx,
    )
    for (const [gi, grid] of grids.rows.entries()) {
      const district = districtOf(grid.path, grid.id)
      for (let b = 1; b <= 2; b++) {
        const street = code.endsWith('01-01') ? '桂花路' : '翠竹街'
        const address = `${street}${10 + gi * 4 + b}号`
        const building = await tx
          .insertInto('building')
          .values({
            area_id: grid.id,
            district_id: district,
            code: `${grid.code}-B${b}`,
            name: `${address}住宅楼`,
            kind: 'residential',
            address,
            floors: 6,
            location: sql<string>`ST_SetSRID(ST_MakePoint(${grid.lng + (b - 1.5) * 0.0002}, ${grid.lat}), 4326)`,
            created_at: now,
            updated_at: now,
          })
          .returning('id')
          .executeTakeFirstOrThrow()
        for (let room = 1; room <= 3; room++) {
          const roomNo = `${b}0${room}`
          const dwelling = await tx
            .insertInto('dwelling')
            .values({
              building_id: building.id,
              area_id: grid.id,
              district_id: district,
              unit: '1',
              floor: b,
              room: roomNo,
            })
            .returning('id')
            .executeTakeFirstOrThrow()
          const household = await tx
            .insertInto('household')
            .values({
              area_id: grid.id,
              district_id: district,
              code: `${grid.code}-H${b}${room}`,
              dwelling_id: dwelling.id,
              address: `${address}1单元${roomNo}室`,
              created_at: now,
            })
            .returning('id')
            .executeTakeFirstOrThrow()
          const size = between(r, 1, 4)
          for (let m = 0; m < size; m++) {
            const f = fakePerson(seed, n++)
            // Half of those living alone are tagged as elderly living alone, but only when they are
            // 60 or older: a care tag that contradicts the age would put a child on an elderly list.
            const alone = size === 1 && m === 0 && r() < 0.5 && ageOn(f.birthDate, today(now)) >= 60
            // The other tags were drawn for an age reckoned from a fixed year: only those that fit the
            // person today are kept (a left-behind child who has turned 16 is not one any more).
            const tags = alone
              ? ['elderly_alone']
              : fittingTags(
                  f.tags.filter((t) => t !== 'elderly_alone'),
                  f.birthDate,
                  f.sex,
                  today(now),
                )
            const p = await tx
              .insertInto('person')
              .values({
                area_id: grid.id,
                district_id: district,
                name: f.name,
                ...sealIdNumber(cipher, 'resident_id', f.idNumber),
                sex: f.sex,
                birth_date: f.birthDate,
                ...sealPhone(cipher, f.phone),
                registered_place: f.residenceStatus === 'registered' ? '江州市清河区' : null,
                residence_status: f.residenceStatus,
                address: `${address}1单元${roomNo}室`,
                dwelling_id: dwelling.id,
                moved_in_on: null,
                moved_out_on: null,
                died_on: null,
                tags,
                merged_into_id: null,
                created_at: now,
                updated_at: now,
              })
              .returning('id')
              .executeTakeFirstOrThrow()
            await tx
              .insertInto('household_member')
              .values({
                household_id: household.id,
                person_id: p.id,
                area_id: grid.id,
                relation: RELATIONS[Math.min(m, 3)]!,
                joined_on: null,
              })
              .execute()
            await sql`insert into registry_history (entity, entity_id, area_id, at, actor_id, actor_name, action, reason, changes, snapshot)
                      select 'person', p.id, p.area_id, ${now}, null, 'demo', 'create', 'demo data', '{}'::jsonb, to_jsonb(p) from person p where p.id = ${p.id}`.execute(
              tx,
            )
            people++
          }
        }
      }
      if (gi === 0) {
        const org = await tx
          .insertInto('organisation')
          .values({
            area_id: grid.id,
            district_id: district,
            kind: 'enterprise',
            name: `${code.endsWith('01-01') ? '桂花' : '翠竹'}便民超市有限公司`,
            uscc: code.endsWith('01-01') ? '91330106MA2BCDEF1Q' : '91330106MA2BCDEF2U',
            legal_representative: null,
            address: '社区服务中心一楼',
            location: null,
            created_at: now,
            updated_at: now,
          })
          .returning('id')
          .executeTakeFirstOrThrow()
        for (const [kind, name] of [
          ['shop', '便民超市'],
          ['clinic', '社区卫生服务站'],
        ] as const) {
          await tx
            .insertInto('place')
            .values({
              area_id: grid.id,
              district_id: district,
              kind,
              name,
              address: '社区服务中心一楼',
              location: sql<string>`ST_SetSRID(ST_MakePoint(${grid.lng}, ${grid.lat + 0.0002}), 4326)`,
              organisation_id: kind === 'shop' ? org.id : null,
              building_id: null,
              created_at: now,
              updated_at: now,
            })
            .execute()
        }
      }
    }
  }
  return { people }
}
