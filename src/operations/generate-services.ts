import { sql } from 'kysely'
import { randomBytes } from 'node:crypto'
import { between, pick, type Random } from '../core/random.js'
import type { RowValues } from './generate-sink.js'
import type { GenerateStep, StepContext } from './generate-step.js'

// Services at volume for the benchmark. `--service-applications N` writes a generated catalogue of
// the district (elderly meals, home care, disability aids, minimum living allowance, certificate
// of residence, facility use) and N applications by registry people (the people step first), in
// every state with their events, as a street's counter and portal would leave them over the
// window: one open application per person and service, as the unique index demands.
// `--volunteer-hours N` writes N credited sign-ups: volunteers among the registry's people, past
// activities over the communities, the sign-ups with their hours and the time bank's entries.

const BATCH = 5000
const DAY = 86_400_000
const HOUR = 3_600_000

const SERVICES = [
  {
    code: 'meals',
    category: 'elderly_care',
    name: '老年助餐',
    eligibility: [{ field: 'age', op: 'gte', value: 60 }],
    review: 5,
    delivery: 30,
  },
  {
    code: 'homecare',
    category: 'elderly_care',
    name: '居家养老上门服务',
    eligibility: [
      { field: 'age', op: 'gte', value: 70 },
      { field: 'tags', op: 'has_any', value: ['elderly_alone', 'disabled'] },
    ],
    review: 7,
    delivery: 30,
  },
  {
    code: 'aids',
    category: 'disability',
    name: '残疾人辅具申领',
    eligibility: [{ field: 'tags', op: 'has_any', value: ['disabled'] }],
    review: 10,
    delivery: 20,
  },
  {
    code: 'dibao',
    category: 'social_assistance',
    name: '最低生活保障',
    eligibility: [
      { field: 'tags', op: 'has_any', value: ['low_income'] },
      { field: 'residence_status', op: 'in', value: ['registered'] },
    ],
    review: 20,
    delivery: 10,
  },
  { code: 'residence', category: 'certificate', name: '居住证明', eligibility: [], review: 3, delivery: 2 },
  { code: 'room', category: 'facility', name: '社区活动室使用', eligibility: [], review: 2, delivery: 7 },
] as const

const STATES: [string, number][] = [
  ['submitted', 22],
  ['approved', 13],
  ['rejected', 8],
  ['delivered', 52],
  ['withdrawn', 5],
]
const REASONS = ['材料不全，请补充户口簿复印件后重新申请', '经核查不符合申领条件', '已享受同类补贴，不能重复申领']

const APPLICATION_COLUMNS = [
  'id',
  'reference',
  'service_id',
  'area_id',
  'district_id',
  'person_id',
  'submitted_by',
  'channel',
  'status',
  'form',
  'eligibility',
  'decision_reason',
  'decided_by',
  'decided_at',
  'delivered_at',
  'due_at',
  'rating',
  'rated_at',
  'created_at',
  'updated_at',
]
const EVENT_COLUMNS = ['application_id', 'at', 'actor_id', 'action', 'from_status', 'to_status', 'note']

function weighted<T>(rng: Random, table: [T, number][]): T {
  const total = table.reduce((a, [, w]) => a + w, 0)
  let r = rng() * total
  for (const [v, w] of table) {
    r -= w
    if (r < 0) return v
  }
  return table[0]![0]
}

/**
 * Registry people in id order, every `step`-th one, a batch at a time (keyset on the primary key),
 * so that a large registry is read once and no person is taken twice in a pass.
 */
export async function* peopleEvery(ctx: StepContext, step: number) {
  let after = 0
  for (;;) {
    const { rows } = await sql<{ id: number; area_id: number; district_id: number }>`
      select id, area_id, district_id from person
      where id > ${after} and status = 'active' and id % ${step} = 0
      order by id limit ${BATCH}`.execute(ctx.database.db)
    if (rows.length === 0) return
    yield rows
    after = rows.at(-1)!.id
  }
}

export async function peopleCount(ctx: StepContext): Promise<number> {
  const { rows } = await sql<{ n: string }>`select count(*) as n from person where status = 'active'`.execute(
    ctx.database.db,
  )
  const n = Number(rows[0]!.n)
  if (n === 0) throw new Error('services need registry people: run with --people first')
  return n
}

export async function ownerIds(ctx: StepContext) {
  const db = ctx.database.db
  const admin = await db.selectFrom('app_user').select('id').where('username', '=', 'admin').executeTakeFirstOrThrow()
  const district = await db
    .selectFrom('area')
    .select('id')
    .where('level', '=', 'district')
    .orderBy('id')
    .executeTakeFirstOrThrow()
  return { admin: admin.id, district: district.id }
}

export const serviceApplicationsStep: GenerateStep = {
  entity: 'service_applications',
  tables: ['service_application', 'service_application_event'],
  async run(ctx, total) {
    const { rng, sink, opts } = ctx
    const db = ctx.database.db
    const { admin, district } = await ownerIds(ctx)
    const at = opts.until
    // The generated catalogue of the district (kept across runs: the codes are fixed).
    await db
      .insertInto('service')
      .values(
        SERVICES.map((s) => ({
          area_id: district,
          code: `GEN-${s.code}-${district}`,
          category: s.category,
          name: s.name,
          description: `${s.name}（生成数据）`,
          eligibility: JSON.stringify(s.eligibility),
          documents: '[]',
          form: '[]',
          review_days: s.review,
          delivery_days: s.delivery,
          status: 'active',
          created_by: admin,
          created_at: new Date(at.getTime() - opts.years * 365 * DAY),
          updated_at: at,
        })),
      )
      .onConflict((oc) => oc.column('code').doNothing())
      .execute()
    const services = await db
      .selectFrom('service')
      .select(['id', 'code', 'review_days', 'delivery_days'])
      .where('code', 'like', `GEN-%-${district}`)
      .orderBy('id')
      .execute()
    const people = await peopleCount(ctx)
    // Each pass over the people takes every step-th person once per service; more applications than
    // people wrap into further passes (a further service for the same person).
    const step = Math.max(1, Math.floor((people * services.length) / total))
    const span = opts.years * 365 * DAY
    let done = 0
    let events = 0
    let pass = 0
    while (done < total && pass < services.length) {
      for await (const batch of peopleEvery(ctx, step)) {
        const n = Math.min(batch.length, total - done)
        if (n <= 0) break
        const { rows: ids } = await sql<{ id: string }>`
          select nextval(pg_get_serial_sequence('service_application', 'id'))::bigint as id
          from generate_series(1, ${n}::int)`.execute(db)
        const apps: RowValues[] = []
        const evs: RowValues[] = []
        for (let k = 0; k < n; k++) {
          const person = batch[k]!
          const id = Number(ids[k]!.id)
          const service = services[(pass + person.id) % services.length]!
          const state = weighted(rng, STATES)
          const created = new Date(at.getTime() - Math.floor(rng() ** 1.5 * span))
          const decided =
            state === 'submitted' ? null : new Date(created.getTime() + between(rng, 1, service.review_days) * DAY)
          const delivered =
            state === 'delivered' ? new Date(decided!.getTime() + between(rng, 1, service.delivery_days) * DAY) : null
          const due =
            state === 'submitted'
              ? new Date(created.getTime() + service.review_days * DAY)
              : new Date(decided!.getTime() + service.delivery_days * DAY)
          const rated = delivered && rng() < 0.6 ? new Date(delivered.getTime() + between(rng, 1, 72) * HOUR) : null
          const last = rated ?? delivered ?? decided ?? created
          apps.push([
            id,
            `FW-${created.getUTCFullYear()}-${String(id).padStart(6, '0')}`,
            service.id,
            person.area_id,
            person.district_id,
            person.id,
            admin,
            rng() < 0.4 ? 'portal' : 'counter',
            state,
            '{}',
            '[]',
            state === 'rejected' ? pick(rng, REASONS) : null,
            decided && state !== 'withdrawn' ? admin : null,
            decided && state !== 'withdrawn' ? decided : null,
            delivered,
            due,
            rated
              ? weighted(rng, [
                  [5, 55],
                  [4, 28],
                  [3, 10],
                  [2, 4],
                  [1, 3],
                ] as [number, number][])
              : null,
            rated,
            created,
            last,
          ])
          evs.push([id, created, admin, 'submit', null, 'submitted', null])
          if (decided)
            evs.push([
              id,
              decided,
              admin,
              state === 'withdrawn' ? 'withdraw' : state === 'rejected' ? 'reject' : 'approve',
              'submitted',
              state === 'delivered' ? 'approved' : state,
              null,
            ])
          if (delivered) evs.push([id, delivered, admin, 'deliver', 'approved', 'delivered', null])
        }
        await sink.write('service_application', APPLICATION_COLUMNS, apps)
        await sink.write('service_application_event', EVENT_COLUMNS, evs)
        done += n
        events += evs.length
        ctx.progress(done)
        if (done >= total) break
      }
      pass++
    }
    return {
      rows: { service_application: done, service_application_event: events },
      detail: { services: services.map((s) => s.id), district },
    }
  },
}

const ACTIVITY_KINDS = ['elderly_care', 'environment', 'education', 'culture', 'safety_patrol', 'health'] as const
const ACTIVITY_TITLES: Record<(typeof ACTIVITY_KINDS)[number], string> = {
  elderly_care: '敬老院陪伴活动',
  environment: '小区环境清洁日',
  education: '四点半课堂辅导',
  culture: '社区文艺汇演服务',
  safety_patrol: '夜间平安巡逻',
  health: '义诊协助',
}
const SKILLS = ['elderly_care', 'tutoring', 'medical', 'repair', 'cooking', 'it', 'culture', 'environment', 'first_aid']

export const volunteerHoursStep: GenerateStep = {
  entity: 'volunteer_hours',
  tables: ['volunteer', 'volunteer_activity', 'activity_signup', 'time_bank_entry'],
  async run(ctx, total) {
    const { rng, sink, opts } = ctx
    const db = ctx.database.db
    const { admin } = await ownerIds(ctx)
    const at = opts.until
    const people = await peopleCount(ctx)
    // About 25 credited activities per volunteer, 20 volunteers per activity.
    const volunteersWanted = Math.max(1, Math.min(people, Math.ceil(total / 25)))
    const volunteers: { id: number; area_id: number; community: number }[] = []
    const communityOf = new Map(
      (
        await sql<{ id: number; community: number }>`
          select g.id, coalesce(g.parent_id, g.id) as community from area g where g.level = 'grid'`.execute(db)
      ).rows.map((r) => [r.id, r.community]),
    )
    const step = Math.max(1, Math.floor(people / volunteersWanted))
    // People who volunteer already (the demo's, an earlier run's) are not registered twice.
    const taken = new Set((await db.selectFrom('volunteer').select('person_id').execute()).map((v) => v.person_id))
    for await (const batch of peopleEvery(ctx, step)) {
      const rows: RowValues[] = []
      const take = batch.filter((p) => !taken.has(p.id)).slice(0, volunteersWanted - volunteers.length)
      if (take.length === 0) continue
      const { rows: ids } = await sql<{ id: string }>`
        select nextval(pg_get_serial_sequence('volunteer', 'id'))::bigint as id
        from generate_series(1, ${take.length}::int)`.execute(db)
      for (const [k, p] of take.entries()) {
        const id = Number(ids[k]!.id)
        volunteers.push({ id, area_id: p.area_id, community: communityOf.get(p.area_id) ?? p.area_id })
        const since = new Date(at.getTime() - opts.years * 365 * DAY)
        rows.push([
          id,
          p.id,
          p.area_id,
          p.district_id,
          `{${[pick(rng, SKILLS), pick(rng, SKILLS)].join(',')}}`,
          'active',
          admin,
          since,
          since,
        ])
      }
      await sink.write(
        'volunteer',
        ['id', 'person_id', 'area_id', 'district_id', 'skills', 'status', 'registered_by', 'created_at', 'updated_at'],
        rows,
      )
      if (volunteers.length >= volunteersWanted) break
    }
    // Volunteers by community: an activity draws its volunteers from its own community.
    const byCommunity = new Map<number, typeof volunteers>()
    for (const v of volunteers) byCommunity.set(v.community, [...(byCommunity.get(v.community) ?? []), v])
    const communities = [...byCommunity.keys()]
    const span = opts.years * 365 * DAY
    let done = 0
    let activities = 0
    while (done < total) {
      const community = communities[activities % communities.length]!
      const pool = byCommunity.get(community)!
      const kind = pick(rng, ACTIVITY_KINDS)
      const starts = new Date(at.getTime() - DAY - Math.floor(rng() * span))
      const length = between(rng, 2, 4)
      const ends = new Date(starts.getTime() + length * HOUR)
      const n = Math.min(total - done, pool.length, between(rng, 8, 30))
      const activity = await db
        .insertInto('volunteer_activity')
        .values({
          area_id: community,
          kind,
          title: ACTIVITY_TITLES[kind],
          description: `${ACTIVITY_TITLES[kind]}（生成数据）`,
          place: '社区服务中心',
          starts_at: starts,
          ends_at: ends,
          capacity: 30,
          signed_up: n,
          status: 'finished',
          checkin_secret: randomBytes(32),
          created_by: admin,
          created_at: new Date(starts.getTime() - 7 * DAY),
          updated_at: ends,
        })
        .returning('id')
        .executeTakeFirstOrThrow()
      activities++
      const first = between(rng, 0, pool.length - 1)
      const signups: RowValues[] = []
      const entries: RowValues[] = []
      for (let k = 0; k < n; k++) {
        const v = pool[(first + k) % pool.length]!
        const hours = Math.max(0.25, Math.round((length - rng() * 0.75) * 4) / 4)
        const out = new Date(starts.getTime() + hours * HOUR)
        signups.push([
          activity.id,
          v.id,
          community,
          'checked_out',
          new Date(starts.getTime() - 3 * DAY),
          starts,
          'qr',
          out,
          hours,
          out,
        ])
        entries.push([v.id, community, 'earned', hours, activity.id, out])
      }
      await sink.write(
        'activity_signup',
        [
          'activity_id',
          'volunteer_id',
          'area_id',
          'status',
          'signed_up_at',
          'checked_in_at',
          'checked_in_by',
          'checked_out_at',
          'hours',
          'credited_at',
        ],
        signups,
      )
      await sink.write(
        'time_bank_entry',
        ['volunteer_id', 'area_id', 'kind', 'hours', 'activity_id', 'created_at'],
        entries,
      )
      done += n
      ctx.progress(done)
    }
    // The balances as the entries make them (the COPY path skips the trigger that keeps them).
    await sink.exec(`UPDATE volunteer v SET hours_total = t.earned, balance = t.total
      FROM (SELECT volunteer_id, sum(hours) FILTER (WHERE kind = 'earned') AS earned, sum(hours) AS total
            FROM time_bank_entry GROUP BY volunteer_id) t
      WHERE t.volunteer_id = v.id AND (v.hours_total, v.balance) IS DISTINCT FROM (t.earned, t.total)`)
    return {
      rows: {
        volunteer: volunteers.length,
        volunteer_activity: activities,
        activity_signup: done,
        time_bank_entry: done,
      },
    }
  },
}
