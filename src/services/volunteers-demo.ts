import { randomBytes } from 'node:crypto'
import { sql } from 'kysely'
import type { Tx } from '../core/db.js'
import { areaIdByCode } from '../participation/common.js'

// Demo volunteers of 桂花: guihua.resident and the verified neighbours (gh.neighbour01…) with
// accounts, more registered by the community's staff without one; three past activities with
// credited hours (so the catalogue demo can pay a service with guihua.resident's hours), two
// upcoming published ones with sign-ups, a draft, one on the street and one in 翠竹, a staff
// adjustment and a care-visit assignment to an elderly person living alone.

const HOUR = 3_600_000
const DAY = 24 * HOUR

const skillSets = [
  ['elderly_care', 'cooking'],
  ['repair', 'driving'],
  ['tutoring', 'language'],
  ['medical', 'first_aid'],
  ['it', 'tutoring'],
  ['environment'],
  ['culture', 'psychology'],
  ['legal'],
  ['elderly_care', 'first_aid'],
  ['repair'],
] as const

/** Beijing's 09:00 on the day `days` from `now`, as UTC. */
const beijingNine = (now: Date, days: number) => {
  const d = new Date(now.getTime() + days * DAY)
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate(), 1, 0, 0))
}

export async function seedVolunteersDemo(tx: Tx, now: Date): Promise<Record<string, number>> {
  const guihua = await areaIdByCode(tx, 'JZ-QH-01-01')
  const street = await areaIdByCode(tx, 'JZ-QH-01')
  const cuizhu = await areaIdByCode(tx, 'JZ-QH-02-01')
  const staff = await tx
    .selectFrom('app_user')
    .select('id')
    .where('username', '=', 'guihua.staff')
    .executeTakeFirstOrThrow()
  const cuizhuStaff = await tx
    .selectFrom('app_user')
    .select('id')
    .where('username', '=', 'cuizhu.staff')
    .executeTakeFirst()

  // With accounts: guihua.resident first, then the verified neighbours.
  const { rows: accounts } = await sql<{ user_id: number; person_id: number; area_id: number }>`
    select v.user_id, v.person_id, v.area_id from resident_verification v join app_user u on u.id = v.user_id
    where u.username = 'guihua.resident' or u.username like 'gh.neighbour%'
    order by u.username <> 'guihua.resident', u.username limit 6`.execute(tx)
  // Without: registered by staff from the registry (adults without care tags).
  const { rows: others } = await sql<{ person_id: number; area_id: number }>`
    select p.id as person_id, p.area_id from person p join area a on a.id = p.area_id
    join area c on c.id = ${guihua} and a.path like c.path || '%'
    where p.status = 'active' and p.tags = '{}'
      and p.birth_date between ${new Date(now.getTime() - 65 * 365 * DAY)}::date and ${new Date(now.getTime() - 18 * 365 * DAY)}::date
      and not exists (select 1 from resident_verification r where r.person_id = p.id)
    order by p.id desc limit ${Math.max(0, 10 - accounts.length)}`.execute(tx)
  const registrants = [
    ...accounts.map((a) => ({ ...a, user_id: a.user_id as number | null })),
    ...others.map((o) => ({ ...o, user_id: null })),
  ]
  const volunteers: { id: number; user_id: number | null }[] = []
  for (const [i, r] of registrants.entries()) {
    const v = await tx
      .insertInto('volunteer')
      .values({
        person_id: r.person_id,
        user_id: r.user_id,
        area_id: r.area_id,
        district_id: sql<number>`null`,
        skills: [...skillSets[i % skillSets.length]!],
        availability: JSON.stringify(
          i % 2 === 0 ? [{ weekday: 6, from: '09:00', to: '12:00' }] : [{ weekday: 3, from: '18:30', to: '20:30' }],
        ),
        status: 'active',
        registered_by: r.user_id ?? staff.id,
        created_at: new Date(now.getTime() - (180 - i) * DAY),
        updated_at: new Date(now.getTime() - (180 - i) * DAY),
      })
      .onConflict((oc) => oc.doNothing())
      .returning(['id', 'user_id'])
      .executeTakeFirst()
    if (v) volunteers.push(v)
  }

  const activity = async (a: {
    area: number
    kind: string
    title: string
    description: string
    place: string
    day: number
    hours: number
    capacity: number
    status: 'draft' | 'published' | 'finished'
    by?: number
  }) =>
    await tx
      .insertInto('volunteer_activity')
      .values({
        area_id: a.area,
        kind: a.kind,
        title: a.title,
        description: a.description,
        place: a.place,
        starts_at: beijingNine(now, a.day),
        ends_at: new Date(beijingNine(now, a.day).getTime() + a.hours * HOUR),
        capacity: a.capacity,
        status: a.status,
        checkin_secret: randomBytes(32),
        created_by: a.by ?? staff.id,
        created_at: new Date(now.getTime() + Math.min(a.day - 10, -1) * DAY),
        updated_at: new Date(now.getTime() + Math.min(a.day - 10, -1) * DAY),
      })
      .returning(['id', 'starts_at', 'ends_at'])
      .executeTakeFirstOrThrow()

  // Past activities: everyone listed came and was credited (the resident at all three).
  const past = [
    {
      title: '重阳节敬老院陪伴',
      kind: 'elderly_care',
      place: '桂花社区养老服务站',
      day: -40,
      hours: 3,
      who: [0, 1, 2, 3, 6],
    },
    {
      title: '桂花河岸垃圾清扫',
      kind: 'environment',
      place: '桂花河东岸步道',
      day: -25,
      hours: 2.5,
      who: [0, 2, 4, 5, 7],
    },
    {
      title: '社区义诊与健康讲座',
      kind: 'health',
      place: '桂花社区卫生服务站',
      day: -9,
      hours: 4,
      who: [0, 1, 3, 8, 9],
    },
  ]
  let credited = 0
  for (const p of past) {
    const a = await activity({
      area: guihua,
      kind: p.kind,
      title: p.title,
      description: `${p.title}：志愿者分组服务，结束后统一签退记时。`,
      place: p.place,
      day: p.day,
      hours: p.hours,
      capacity: 20,
      status: 'finished',
    })
    const who = p.who.map((i) => volunteers[i]).filter((v) => v !== undefined)
    for (const v of who) {
      await tx
        .insertInto('activity_signup')
        .values({
          activity_id: a.id,
          volunteer_id: v.id,
          area_id: guihua,
          status: 'checked_out',
          signed_up_at: new Date(a.starts_at.getTime() - 5 * DAY),
          checked_in_at: new Date(a.starts_at.getTime() - 10 * 60_000),
          checked_in_by: 'qr',
          checked_out_at: a.ends_at,
          hours: p.hours,
          credited_at: a.ends_at,
        })
        .execute()
      await tx
        .insertInto('time_bank_entry')
        .values({
          volunteer_id: v.id,
          area_id: guihua,
          kind: 'earned',
          hours: p.hours,
          activity_id: a.id,
          created_by: v.user_id,
          created_at: a.ends_at,
        })
        .execute()
      credited++
    }
    await tx.updateTable('volunteer_activity').set({ signed_up: who.length }).where('id', '=', a.id).execute()
  }

  // Upcoming: two published with sign-ups (the resident on the first), a draft, the street's, 翠竹's.
  const upcoming = [
    {
      area: guihua,
      kind: 'elderly_care',
      title: '周末为独居老人送餐',
      place: '桂花社区长者食堂',
      day: 2,
      hours: 2,
      capacity: 8,
      status: 'published' as const,
      who: [0, 1, 4],
    },
    {
      area: guihua,
      kind: 'education',
      title: '暑期少儿课业辅导',
      place: '桂花社区党群服务中心二楼',
      day: 6,
      hours: 3,
      capacity: 6,
      status: 'published' as const,
      who: [2, 3],
    },
    {
      area: guihua,
      kind: 'safety_patrol',
      title: '夜间平安巡逻（筹备中）',
      place: '桂花社区南门集合',
      day: 12,
      hours: 2,
      capacity: 10,
      status: 'draft' as const,
      who: [],
    },
    {
      area: street,
      kind: 'culture',
      title: '街道文化节志愿服务',
      place: '街道文化广场',
      day: 9,
      hours: 5,
      capacity: 30,
      status: 'published' as const,
      who: [5],
    },
    {
      area: cuizhu,
      kind: 'environment',
      title: '翠竹小区绿化养护',
      place: '翠竹小区中心花园',
      day: 4,
      hours: 2,
      capacity: 12,
      status: 'published' as const,
      who: [],
      by: cuizhuStaff?.id,
    },
  ]
  for (const u of upcoming) {
    const a = await activity({ ...u, description: `${u.title}：请提前十分钟到场签到，扫现场二维码签到、签退。` })
    const who = u.who.map((i) => volunteers[i]).filter((v) => v !== undefined)
    for (const v of who)
      await tx
        .insertInto('activity_signup')
        .values({
          activity_id: a.id,
          volunteer_id: v.id,
          area_id: u.area,
          status: 'signed_up',
          signed_up_at: new Date(now.getTime() - DAY),
        })
        .execute()
    await tx.updateTable('volunteer_activity').set({ signed_up: who.length }).where('id', '=', a.id).execute()
  }

  // A staff adjustment: hours of a care visit done before the platform recorded them.
  if (volunteers[1])
    await tx
      .insertInto('time_bank_entry')
      .values({
        volunteer_id: volunteers[1].id,
        area_id: guihua,
        kind: 'adjusted',
        hours: 1.5,
        note: '补记上月入户探访时长',
        created_by: staff.id,
        created_at: new Date(now.getTime() - 3 * DAY),
      })
      .execute()

  // A care-visit assignment: the second volunteer visits an elderly person living alone.
  const { rows: elderly } = await sql<{ id: number; area_id: number }>`
    select p.id, p.area_id from person p join area a on a.id = p.area_id
    join area c on c.id = ${guihua} and a.path like c.path || '%'
    where p.status = 'active' and 'elderly_alone' = any (p.tags) order by p.id limit 1`.execute(tx)
  let assigned = 0
  if (elderly[0] && volunteers[1]) {
    await tx
      .insertInto('volunteer_assignment')
      .values({
        volunteer_id: volunteers[1].id,
        area_id: elderly[0].area_id,
        kind: 'care_visit',
        person_id: elderly[0].id,
        note: '每周二上午上门探访，留意用药和饮食',
        starts_on: new Date(now.getTime() - 30 * DAY).toISOString().slice(0, 10),
        ends_on: null,
        assigned_by: staff.id,
        created_at: new Date(now.getTime() - 30 * DAY),
      })
      .execute()
    assigned = 1
  }
  return {
    volunteers: volunteers.length,
    volunteerActivities: past.length + upcoming.length,
    creditedHours: credited,
    volunteerAssignments: assigned,
  }
}
