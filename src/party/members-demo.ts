import { randomBytes } from 'node:crypto'
import { sql } from 'kysely'
import type { Tx } from '../core/db.js'
import { mulberry32 } from '../core/random.js'
import { today } from '../registry/people.js'
import type { servicePosts } from './common.js'

// Demo members of the party network: registry adults of 桂花 and 翠竹 in the organisations part's
// network (found by code: the community committees PO-<community>, the grid groups PO-<grid>);
// each committee has its secretary, deputy and committee members; some are probationary. Members
// working in departments and enterprises report to their community with a service post, their
// volunteer record linked (made if they had none) and hours credited at a members' service
// activity after they reported; a few in 桂花 are on grids and on open cases, so guihua.staff
// finds work. Without the network (no PO- organisations) nothing is made.

const DAY = 86_400_000
const dayOf = (now: Date, days: number) => today(new Date(now.getTime() + days * DAY))

type Org = { id: number; code: string; area_id: number; kind: string }

export async function seedMembersDemo(tx: Tx, now: Date): Promise<Record<string, number>> {
  const counts = { partyMembers: 0, partyReports: 0, partyAssignments: 0 }
  const rand = mulberry32(19_002)
  const staff = await tx.selectFrom('app_user').select('id').where('username', '=', 'guihua.staff').executeTakeFirst()
  const cuizhuStaff = await tx
    .selectFrom('app_user')
    .select('id')
    .where('username', '=', 'cuizhu.staff')
    .executeTakeFirst()
  if (!staff || !cuizhuStaff) return counts
  const departments = await tx
    .selectFrom('department')
    .select('id')
    .where('code', 'in', ['QH-CG', 'QH-SW', 'QH-01-ZF', 'QH-02-ZF'])
    .orderBy('code')
    .execute()
  for (const [community, by, size] of [
    ['JZ-QH-01-01', staff.id, 34],
    ['JZ-QH-02-01', cuizhuStaff.id, 20],
  ] as const) {
    const { rows: orgs } = await sql<Org>`
      select o.id, o.code, o.area_id, o.kind from party_organisation o
      where (o.code = ${`PO-${community}`} or o.code like ${`PO-${community}-G%`}) and o.status = 'active'
      order by o.code`.execute(tx)
    const committee = orgs.find((o) => o.code === `PO-${community}`)
    if (!committee) continue
    const groupOfGrid = new Map(orgs.filter((o) => o.id !== committee.id).map((o) => [o.area_id, o]))
    const { rows: people } = await sql<{ id: number; area_id: number; user_id: number | null }>`
      select p.id, p.area_id, (select r.user_id from resident_verification r where r.person_id = p.id limit 1) as user_id
      from person p join area a on a.id = p.area_id
      where a.path like (select path || '%' from area where code = ${community}) and p.status = 'active'
        and p.birth_date <= ${dayOf(now, -18 * 366)}::date and p.birth_date > ${dayOf(now, -80 * 366)}::date
        and not exists (select 1 from party_member m where m.person_id = p.id)
      order by p.id`.execute(tx)
    // Every third adult, in order: spread over the grids, the same on every run.
    const chosen = people.filter((_, i) => i % 3 === 1).slice(0, size)
    const { rows: enterprises } = await sql<{ id: number }>`
      select o.id from organisation o join area a on a.id = o.area_id
      where a.path like (select path || '%' from area where code = ${community}) order by o.id limit 6`.execute(tx)
    const members: { id: number; person: number; area: number; user: number | null; working: boolean }[] = []
    for (const [i, p] of chosen.entries()) {
      const role = i === 0 ? 'secretary' : i === 1 ? 'deputy_secretary' : i < 4 ? 'committee_member' : 'member'
      const org = i < 4 ? committee : (groupOfGrid.get(p.area_id) ?? committee)
      // Members 4..: every other works in a department or an enterprise (and reports below).
      const working = i >= 4 && i % 2 === 0 && i < 4 + 2 * 7
      const kind = working
        ? i % 4 === 0 && departments.length
          ? 'department'
          : enterprises.length
            ? 'enterprise'
            : 'other'
        : i < 4
          ? 'community'
          : rand() < 0.5
            ? 'retired'
            : 'other'
      const m = await tx
        .insertInto('party_member')
        .values({
          person_id: p.id,
          organisation_id: org.id,
          area_id: org.area_id,
          district_id: sql<number>`null`,
          role,
          standing: i >= 4 && i % 7 === 5 ? 'probationary' : 'full',
          joined_on:
            i >= 4 && i % 7 === 5
              ? dayOf(now, -200 - Math.floor(rand() * 100))
              : dayOf(now, -365 * (3 + Math.floor(rand() * 30))),
          workplace_kind: kind,
          workplace_department_id: kind === 'department' ? departments[i % departments.length]!.id : null,
          workplace_organisation_id: kind === 'enterprise' ? enterprises[i % enterprises.length]!.id : null,
          user_id: p.user_id,
          status: 'active',
          created_by: by,
          created_at: new Date(now.getTime() - 120 * DAY),
          updated_at: new Date(now.getTime() - 120 * DAY),
        })
        .returning('id')
        .executeTakeFirstOrThrow()
      members.push({ id: m.id, person: p.id, area: p.area_id, user: p.user_id, working })
      counts.partyMembers++
    }

    // 在职党员到社区报到: the working members report to the community, with their volunteer record.
    const communityId = committee.area_id
    const posts: (typeof servicePosts)[number][] = [
      'policy_outreach',
      'elderly_care',
      'environment',
      'safety_patrol',
      'volunteer_service',
      'culture',
      'youth',
    ]
    const reporters: { member: number; volunteer: number }[] = []
    for (const [i, m] of members.filter((x) => x.working).entries()) {
      let volunteer = await tx.selectFrom('volunteer').select('id').where('person_id', '=', m.person).executeTakeFirst()
      if (!volunteer)
        volunteer = await tx
          .insertInto('volunteer')
          .values({
            person_id: m.person,
            user_id: m.user,
            area_id: m.area,
            district_id: sql<number>`null`,
            skills: [],
            availability: JSON.stringify([{ weekday: 6, from: '09:00', to: '11:30' }]),
            status: 'active',
            registered_by: by,
            created_at: new Date(now.getTime() - (90 - i) * DAY),
            updated_at: new Date(now.getTime() - (90 - i) * DAY),
          })
          .onConflict((oc) => oc.doNothing())
          .returning('id')
          .executeTakeFirst()
      if (!volunteer) continue
      await tx
        .insertInto('party_member_report')
        .values({
          member_id: m.id,
          area_id: communityId,
          district_id: sql<number>`null`,
          reported_on: dayOf(now, -(90 - i)),
          service_post: posts[i % posts.length]!,
          note: i % 3 === 0 ? '周末及工作日晚间可参加社区服务' : null,
          volunteer_id: volunteer.id,
          status: 'active',
          created_by: by,
          created_at: new Date(now.getTime() - (90 - i) * DAY),
          updated_at: new Date(now.getTime() - (90 - i) * DAY),
        })
        .execute()
      reporters.push({ member: m.id, volunteer: volunteer.id })
      counts.partyReports++
    }

    // Their service, counted where volunteers' is: a members' activity after they reported.
    for (const [k, a] of [
      { day: -30, hours: 3, title: '在职党员进社区·助老服务日' },
      { day: -12, hours: 2, title: '在职党员进社区·环境整治' },
    ].entries()) {
      if (reporters.length === 0) break
      const who = reporters.filter((_, i) => (i + k) % 2 === 0 || k === 0)
      const startsAt = new Date(now.getTime() + a.day * DAY)
      const activity = await tx
        .insertInto('volunteer_activity')
        .values({
          area_id: communityId,
          kind: k === 0 ? 'elderly_care' : 'environment',
          title: a.title,
          description: `${a.title}：报到党员分组服务，结束后统一签退记时。`,
          place: community === 'JZ-QH-01-01' ? '桂花社区党群服务中心' : '翠竹社区党群服务中心',
          starts_at: startsAt,
          ends_at: new Date(startsAt.getTime() + a.hours * 3_600_000),
          capacity: 30,
          signed_up: who.length,
          status: 'finished',
          checkin_secret: randomBytes(32),
          created_by: by,
          created_at: new Date(startsAt.getTime() - 10 * DAY),
          updated_at: new Date(startsAt.getTime() - 10 * DAY),
        })
        .returning('id')
        .executeTakeFirstOrThrow()
      const endsAt = new Date(startsAt.getTime() + a.hours * 3_600_000)
      for (const r of who) {
        await tx
          .insertInto('activity_signup')
          .values({
            activity_id: activity.id,
            volunteer_id: r.volunteer,
            area_id: communityId,
            status: 'checked_out',
            signed_up_at: new Date(startsAt.getTime() - 5 * DAY),
            checked_in_at: startsAt,
            checked_in_by: 'staff',
            checked_out_at: endsAt,
            hours: a.hours,
            credited_at: endsAt,
          })
          .execute()
        await tx
          .insertInto('time_bank_entry')
          .values({
            volunteer_id: r.volunteer,
            area_id: communityId,
            kind: 'earned',
            hours: a.hours,
            activity_id: activity.id,
            created_by: by,
            created_at: endsAt,
          })
          .execute()
      }
    }

    // 下沉网格、党员领办 in 桂花: two members on grids, three on open cases.
    if (community !== 'JZ-QH-01-01') continue
    const grids = await tx
      .selectFrom('area')
      .select('id')
      .where('code', 'in', ['JZ-QH-01-01-G01', 'JZ-QH-01-01-G02'])
      .orderBy('code')
      .execute()
    for (const [i, g] of grids.entries()) {
      const m = members[2 + i]
      if (!m) break
      await tx
        .insertInto('party_assignment')
        .values({
          member_id: m.id,
          grid_id: g.id,
          area_id: g.id,
          district_id: sql<number>`null`,
          note: '下沉网格，联系楼栋党员和居民',
          assigned_by: by,
          assigned_at: new Date(now.getTime() - (40 - i) * DAY),
        })
        .execute()
      counts.partyAssignments++
    }
    const { rows: cases } = await sql<{ id: number; area_id: number }>`
      select c.id, c.area_id from cases c join area a on a.id = c.area_id
      where a.path like (select path || '%' from area where code = ${community})
        and c.state in ('accepted', 'dispatched', 'in_progress')
      order by c.id limit 3`.execute(tx)
    for (const [i, c] of cases.entries()) {
      const m = members[i % 2 === 0 ? 0 : 1 + i]
      if (!m) break
      await tx
        .insertInto('party_assignment')
        .values({
          member_id: m.id,
          case_id: c.id,
          area_id: c.area_id,
          district_id: sql<number>`null`,
          note: '党员领办：牵头协调，跟进到办结',
          assigned_by: by,
          assigned_at: new Date(now.getTime() - (10 - i) * DAY),
        })
        .execute()
      counts.partyAssignments++
    }
  }
  return counts
}
