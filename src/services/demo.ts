import { sql } from 'kysely'
import type { Tx } from '../core/db.js'

const DAY = 86_400_000

/**
 * Ties guihua.resident to a registry person of 桂花 (verified in person by guihua.staff), so the
 * demo's resident finds their own applications, bookings and volunteer hours. The person is a
 * registered adult under 60 (of grid G04; the proposals demo took G01's adults): eligible for the certificate of residence, not for elderly care.
 */
export async function verifyDemoResident(tx: Tx, now: Date): Promise<void> {
  const user = await tx.selectFrom('app_user').select('id').where('username', '=', 'guihua.resident').executeTakeFirst()
  const staff = await tx.selectFrom('app_user').select('id').where('username', '=', 'guihua.staff').executeTakeFirst()
  if (!user || !staff) return
  const done = await tx
    .selectFrom('resident_verification')
    .select('user_id')
    .where('user_id', '=', user.id)
    .executeTakeFirst()
  if (done) return
  const { rows } = await sql<{ id: number; area_id: number }>`
    select p.id, p.area_id from person p
    join area a on a.id = p.area_id
    join area c on c.code = 'JZ-QH-01-01' and a.path like c.path || '%'
    where p.status = 'active' and p.residence_status = 'registered' and p.tags = '{}'
      and p.birth_date between ${new Date(now.getTime() - 55 * 365 * DAY)}::date and ${new Date(now.getTime() - 30 * 365 * DAY)}::date
      and not exists (select 1 from resident_verification v where v.person_id = p.id)
    order by p.id limit 1`.execute(tx)
  const person = rows[0]
  if (!person) return
  await tx
    .insertInto('resident_verification')
    .values({
      user_id: user.id,
      person_id: person.id,
      area_id: person.area_id,
      method: 'in_person',
      verified_by: staff.id,
      verified_at: new Date(now.getTime() - 200 * DAY),
    })
    .execute()
}
