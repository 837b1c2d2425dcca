import { sql } from 'kysely'
import type { Tx } from '../core/db.js'
import { searchTerms } from './terms.js'

// The demo city's proposals: 桂花's residents have proposed things in every state, so a newcomer
// finds proposals to read and support, staff find one waiting for its official answer, and the
// leaders find an answered one followed in "you said, we did". Supports come from neighbour
// accounts (gh.neighbour01…), verified against the registry like real residents.

const DAY = 86_400_000
const NEIGHBOURS = 24

interface DemoProposal {
  area: string
  category: string
  title: string
  body: string
  status: 'published' | 'threshold_reached' | 'evaluating' | 'accepted' | 'rejected' | 'implemented'
  supports: number
  ageDays: number
  answer?: string
}

const proposals: DemoProposal[] = [
  {
    area: 'JZ-QH-01-01',
    category: 'facilities',
    title: '在小区北门增设电动自行车集中充电棚',
    body: '小区电动自行车越来越多，不少居民在楼道里飞线充电，存在很大的火灾隐患。建议在北门空地建设集中充电棚，配备智能充电桩和灭火器，按次计费。',
    status: 'accepted',
    supports: 23,
    ageDays: 40,
    answer:
      '经居民议事会讨论，同意在北门空地建设集中充电棚（40个充电位），由街道出资、物业负责日常管理，预计下月动工，进展将在“件件有回音”中公布。',
  },
  {
    area: 'JZ-QH-01-01',
    category: 'elderly_children',
    title: '三号楼单元门口增设无障碍坡道',
    body: '三号楼住着好几位坐轮椅的老人，单元门口有三级台阶，进出都要别人抬。建议在单元门口加装无障碍坡道和扶手。',
    status: 'threshold_reached',
    supports: 21,
    ageDays: 12,
  },
  {
    area: 'JZ-QH-01-01',
    category: 'culture',
    title: '周末开放社区活动室供中小学生自习',
    body: '周末社区活动室大多空着，附近的孩子在家学习容易分心。建议周六周日上午开放活动室作为自习室，由志愿者轮流值守。',
    status: 'published',
    supports: 9,
    ageDays: 5,
  },
  {
    area: 'JZ-QH-01-01',
    category: 'traffic',
    title: '整治小区东侧道路早晚占道经营',
    body: '东侧道路早晚有流动摊贩占道经营，车辆和行人通行困难，还留下很多垃圾。建议划定临时疏导点，其余路段禁止摆摊。',
    status: 'evaluating',
    supports: 20,
    ageDays: 25,
  },
  {
    area: 'JZ-QH-01-01',
    category: 'property',
    title: '物业费收支每季度在公告栏公示',
    body: '业主对物业费的使用情况不清楚，建议物业每季度在公告栏和线上公示物业费收支明细，接受业主监督。',
    status: 'rejected',
    supports: 20,
    ageDays: 60,
    answer:
      '物业费收支已纳入街道“阳光物业”平台统一公示（每半年一次），不再另行在小区公告栏张贴；居民可在平台随时查阅明细，也可向居委会申请查阅原始凭证。',
  },
  {
    area: 'JZ-QH-01-01',
    category: 'elderly_children',
    title: '社区老年食堂增加送餐上门服务',
    body: '行动不便的独居老人很难自己到食堂就餐，建议老年食堂为他们提供送餐上门服务，费用按现行标准收取。',
    status: 'implemented',
    supports: 22,
    ageDays: 90,
    answer: '同意。自下月起为登记在册的独居及失能老人提供午餐送餐上门服务，由社区志愿者和食堂配送员共同承担。',
  },
  {
    area: 'JZ-QH-01-01',
    category: 'environment',
    title: '小区垃圾分类投放点加装洗手池',
    body: '垃圾分类投放后手上容易脏，建议在每个投放点旁边加装一个洗手池，方便居民破袋投放后洗手。',
    status: 'published',
    supports: 4,
    ageDays: 2,
  },
  {
    area: 'JZ-QH-01',
    category: 'environment',
    title: '全街道推广垃圾分类积分兑换',
    body: '建议在全街道推广垃圾分类积分制度：正确分类投放可以积分，积分可在社区便民店兑换日用品，提高居民参与积极性。',
    status: 'published',
    supports: 6,
    ageDays: 8,
  },
  {
    area: 'JZ-QH-02-01',
    category: 'safety',
    title: '翠竹小区地下车库加装照明',
    body: '地下车库部分区域照明不足，晚上停车很不安全，建议加装感应灯并定期检修。',
    status: 'published',
    supports: 3,
    ageDays: 3,
  },
]

/** Seeds the demo proposals, their supporters and their histories; `passwordHash` is the demo password's. */
export async function seedDemoProposals(tx: Tx, now: Date, passwordHash: string): Promise<{ proposals: number }> {
  const areas = await tx
    .selectFrom('area')
    .select(['id', 'code', 'path'])
    .where('code', 'in', ['JZ-QH-01-01', 'JZ-QH-01', 'JZ-QH-02-01', 'JZ-QH'])
    .execute()
  const areaOf = new Map(areas.map((a) => [a.code, a]))
  const guihua = areaOf.get('JZ-QH-01-01')
  const district = areaOf.get('JZ-QH')
  if (!guihua || !district) return { proposals: 0 }
  const staff = await tx
    .selectFrom('app_user')
    .select('id')
    .where('username', '=', 'guihua.staff')
    .executeTakeFirstOrThrow()
  // Neighbours: resident accounts of 桂花, each verified in person as a registry person of it.
  const people = await tx
    .selectFrom('person as p')
    .innerJoin('area as a', 'a.id', 'p.area_id')
    .select(['p.id', 'p.name', 'p.area_id'])
    .where('a.path', 'like', `${guihua.path}%`)
    .where('p.status', '=', 'active')
    .where('p.birth_date', '<', '2006-01-01')
    .orderBy('p.id')
    .limit(NEIGHBOURS)
    .execute()
  // Without a registry (a demo seeded without the data key) there is nobody to verify: no proposals.
  if (people.length === 0) return { proposals: 0 }
  await tx
    .insertInto('proposal_setting')
    .values({
      area_id: guihua.id,
      support_threshold: 20,
      answer_days: 30,
      verified_to_propose: true,
      verified_to_support: true,
      updated_at: now,
    })
    .execute()
  const neighbours: number[] = []
  for (const [i, person] of people.entries()) {
    const u = await tx
      .insertInto('app_user')
      .values({
        username: `gh.neighbour${String(i + 1).padStart(2, '0')}`,
        display_name: person.name,
        password_hash: passwordHash,
        is_demo: false,
      })
      .returning('id')
      .executeTakeFirstOrThrow()
    await tx
      .insertInto('role_grant')
      .values({ user_id: u.id, role: 'resident', area_id: guihua.id, granted_by: null })
      .execute()
    await tx
      .insertInto('resident_verification')
      .values({
        user_id: u.id,
        person_id: person.id,
        area_id: person.area_id,
        method: 'in_person',
        verified_by: staff.id,
        verified_at: new Date(now.getTime() - 120 * DAY),
      })
      .execute()
    neighbours.push(u.id)
  }
  if (neighbours.length === 0) return { proposals: 0 }
  let made = 0
  for (const [i, d] of proposals.entries()) {
    const area = areaOf.get(d.area)
    if (!area) continue
    const author = neighbours[i % neighbours.length]!
    const created = new Date(now.getTime() - d.ageDays * DAY)
    const threshold = d.area === 'JZ-QH-01-01' ? 20 : 30
    const reached = d.supports >= threshold ? new Date(created.getTime() + Math.min(d.ageDays * 0.4, 10) * DAY) : null
    const answered = d.answer ? new Date((reached ?? created).getTime() + 6 * DAY) : null
    const { rows } = await sql<{ id: string }>`select nextval(pg_get_serial_sequence('proposal', 'id')) as id`.execute(
      tx,
    )
    const id = Number(rows[0]!.id)
    await tx
      .insertInto('proposal')
      .values({
        id,
        reference: `JY-${created.getUTCFullYear()}-${String(id).padStart(6, '0')}`,
        area_id: area.id,
        district_id: district.id,
        category: d.category,
        title: d.title,
        body: d.body,
        author_id: author,
        status: d.status,
        support_count: 0,
        threshold,
        threshold_reached_at: reached,
        answer_due_at: reached ? new Date(reached.getTime() + 30 * DAY) : null,
        answer: d.answer ?? null,
        answered_by: d.answer ? staff.id : null,
        answered_at: answered,
        terms: sql`to_tsvector('simple', ${searchTerms(`${d.title} ${d.body}`)})`,
        created_at: created,
        updated_at: answered ?? reached ?? created,
      })
      .execute()
    const supporters = neighbours.filter((u) => u !== author).slice(0, d.supports)
    if (supporters.length)
      await tx
        .insertInto('proposal_support')
        .values(
          supporters.map((user_id, k) => ({
            proposal_id: id,
            user_id,
            created_at: new Date(created.getTime() + (k + 1) * 3_600_000),
          })),
        )
        .execute()
    await tx.updateTable('proposal').set({ support_count: supporters.length }).where('id', '=', id).execute()
    const events: {
      action: string
      from: string | null
      to: string
      actor: number | null
      note: string | null
      at: Date
    }[] = [{ action: 'publish', from: null, to: 'published', actor: author, note: null, at: created }]
    if (reached)
      events.push({
        action: 'threshold',
        from: 'published',
        to: 'threshold_reached',
        actor: null,
        note: null,
        at: reached,
      })
    if (d.status === 'evaluating')
      events.push({
        action: 'evaluate',
        from: 'threshold_reached',
        to: 'evaluating',
        actor: staff.id,
        note: '已转交街道城管执法队现场查看',
        at: new Date(reached!.getTime() + DAY),
      })
    if (d.answer) {
      const to = d.status === 'rejected' ? 'rejected' : 'accepted'
      events.push({
        action: to === 'rejected' ? 'reject' : 'accept',
        from: 'threshold_reached',
        to,
        actor: staff.id,
        note: d.answer,
        at: answered!,
      })
      if (d.status === 'implemented')
        events.push({
          action: 'implement',
          from: 'accepted',
          to: 'implemented',
          actor: staff.id,
          note: null,
          at: new Date(answered!.getTime() + 20 * DAY),
        })
    }
    await tx
      .insertInto('proposal_event')
      .values(
        events.map((e) => ({
          proposal_id: id,
          action: e.action,
          from_status: e.from,
          to_status: e.to,
          actor_id: e.actor,
          note: e.note,
          at: e.at,
        })),
      )
      .execute()
    // The one waiting for its answer has its clock on the shared timers, like a live one.
    if (d.status === 'threshold_reached' && reached) {
      const due = new Date(reached.getTime() + 30 * DAY)
      await tx
        .insertInto('workflow_timer')
        .values([
          {
            subject_type: 'proposal',
            subject_id: id,
            kind: 'warn',
            stage: 'answer',
            stage_seq: 1,
            due_at: new Date(reached.getTime() + 24 * DAY),
          },
          { subject_type: 'proposal', subject_id: id, kind: 'due', stage: 'answer', stage_seq: 1, due_at: due },
        ])
        .execute()
    }
    made++
  }
  return { proposals: made }
}
