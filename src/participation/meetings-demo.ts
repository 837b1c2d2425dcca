import { DateTime } from 'luxon'
import type { FieldCipher } from '../core/crypto.js'
import type { Tx } from '../core/db.js'
import type { RequestContext } from '../core/scope.js'
import { demoActor } from './common.js'
import { addMilestone, ensureRecord, updateMilestone, updateRecord } from './accountability.js'
import { addCouncilMember, createCouncil } from './councils.js'
import {
  addDecision,
  castVote,
  createMeeting,
  markAttendance,
  performMeetingAction,
  register,
  settleResults,
  type voteChoices,
} from './meetings.js'

// The demo city's councils, meetings and "you said, we did": 桂花 has a resident council with
// members by term, two held meetings with minutes and adopted (and one rejected) decisions, an
// upcoming meeting open for registration (discussing the community's first proposal) and the
// street's hearing; its outcomes are followed in four records in different states. 翠竹 has a
// council, a held meeting with a record and an upcoming one. Everything goes through the use cases, with times replayed in the past, so every row,
// audit entry and notice is what the product itself writes. Run after the demo proposals.

const HOUR = 3_600_000
const ZONE = 'Asia/Shanghai'

type Choice = (typeof voteChoices)[number]

export async function seedDemoMeetings(
  tx: Tx,
  now: Date,
  /**
   * Not used: the demo city holds no event cases (the case statistics and the scoping test count
   * from none), so the streetlight record is not turned into one here; the browser test and the
   * accountability test do that. Kept so the seeder's call stays as it is.
   */
  _cipher?: FieldCipher,
): Promise<{ councils: number; meetings: number; accountabilityRecords: number }> {
  const local = DateTime.fromJSDate(now).setZone(ZONE)
  /** `days` from today at `hour` o'clock in Beijing. */
  const dayAt = (days: number, hour: number) => local.startOf('day').plus({ days, hours: hour }).toJSDate()
  const plus = (t: Date, ms: number) => new Date(t.getTime() + ms)
  const day = (days: number) => local.plus({ days }).toISODate()!
  const year = local.year
  const area = async (code: string) =>
    (await tx.selectFrom('area').select('id').where('code', '=', code).executeTakeFirstOrThrow()).id
  const userId = async (username: string) =>
    (await tx.selectFrom('app_user').select('id').where('username', '=', username).executeTakeFirstOrThrow()).id
  const guihua = await area('JZ-QH-01-01')
  const cuizhu = await area('JZ-QH-02-01')
  const donghu = await area('JZ-QH-01')
  const staff = { guihua: await demoActor(tx, 'guihua.staff'), cuizhu: await demoActor(tx, 'cuizhu.staff') }
  const proposalsOf = (areaId: number) =>
    tx.selectFrom('proposal').select(['id', 'status', 'title']).where('area_id', '=', areaId).orderBy('id').execute()
  const guihuaProposals = await proposalsOf(guihua)
  const firstProposal = guihuaProposals[0]
  const openConsultation = await tx
    .selectFrom('consultation')
    .select('id')
    .where('area_id', '=', guihua)
    .where('status', '!=', 'draft')
    .orderBy('id')
    .executeTakeFirst()
  let meetings = 0
  let records = 0

  // ── Councils ─────────────────────────────────────────────────────────────────────────────────
  const term = { termStart: `${year - 1}-01-01`, termEnd: `${year + 1}-12-31` }
  const council = await createCouncil(
    tx,
    staff.guihua,
    { areaId: guihua, name: '桂花社区居民议事会', ...term },
    dayAt(-400, 10),
  )
  const members: { name: string; role: 'chair' | 'vice_chair' | 'member'; user?: string; past?: boolean }[] = [
    { name: '陈志远', role: 'chair' },
    { name: '林秀芳', role: 'vice_chair' },
    { name: '王建国', role: 'member' },
    { name: '赵丽华', role: 'member' },
    { name: '周明', role: 'member' },
    { name: '桂花居民代表', role: 'member', user: 'guihua.resident' },
    { name: '黄建华', role: 'member', past: true },
  ]
  for (const m of members)
    await addCouncilMember(
      tx,
      staff.guihua,
      council.id,
      {
        name: m.name,
        role: m.role,
        ...(m.user ? { userId: await userId(m.user) } : {}),
        ...(m.past ? { termStart: `${year - 4}-01-01`, termEnd: `${year - 2}-12-31` } : term),
      },
      dayAt(-390, 10),
    )
  const cuizhuCouncil = await createCouncil(
    tx,
    staff.cuizhu,
    { areaId: cuizhu, name: '翠竹社区居民议事会', ...term },
    dayAt(-380, 10),
  )
  for (const [name, role, user] of [
    ['孙海燕', 'chair', undefined],
    ['钱立新', 'vice_chair', undefined],
    ['翠竹居民代表', 'member', 'cuizhu.resident'],
  ] as const)
    await addCouncilMember(
      tx,
      staff.cuizhu,
      cuizhuCouncil.id,
      { name, role, ...term, ...(user ? { userId: await userId(user) } : {}) },
      dayAt(-380, 11),
    )

  // ── A held meeting: registrations, attendance, decisions voted, minutes ──────────────────────
  interface Held {
    ctx: RequestContext
    areaId: number
    councilId?: number
    kind: 'deliberation' | 'hearing' | 'council'
    title: string
    agenda: string
    location: string
    daysAgo: number
    quorum: number
    subjects: { kind: 'proposal' | 'consultation'; id: number }[]
    attendees: string[]
    decisions: { title: string; text: string; majority: 'simple' | 'two_thirds'; votes: Choice[] }[]
    minutes: string
  }
  async function held(h: Held): Promise<number[]> {
    const startsAt = dayAt(-h.daysAgo, 19)
    const m = await createMeeting(
      tx,
      h.ctx,
      {
        areaId: h.areaId,
        ...(h.councilId ? { councilId: h.councilId } : {}),
        kind: h.kind,
        title: h.title,
        agenda: h.agenda,
        location: h.location,
        startsAt: startsAt.toISOString(),
        endsAt: plus(startsAt, 2 * HOUR).toISOString(),
        quorum: h.quorum,
        subjects: h.subjects,
      },
      plus(startsAt, -7 * 24 * HOUR),
    )
    meetings++
    const people = await Promise.all(h.attendees.map((u) => demoActor(tx, u)))
    for (const [i, c] of people.entries()) await register(tx, c, m.id, plus(startsAt, -(5 - i) * 12 * HOUR))
    await markAttendance(
      tx,
      h.ctx,
      m.id,
      { userIds: people.map((c) => c.actor!.userId), attended: true },
      plus(startsAt, 10 * 60_000),
    )
    const ids: number[] = []
    for (const [i, d] of h.decisions.entries()) {
      const opens = plus(startsAt, (30 + i * 20) * 60_000)
      const decisionId = await addDecision(
        tx,
        h.ctx,
        m.id,
        {
          title: d.title,
          text: d.text,
          majority: d.majority,
          votingOpensAt: opens.toISOString(),
          votingClosesAt: plus(opens, 15 * 60_000).toISOString(),
        },
        plus(opens, -60_000),
      )
      for (const [j, choice] of d.votes.entries())
        await castVote(tx, people[j]!, m.id, decisionId, choice, plus(opens, (j + 1) * 60_000))
      ids.push(decisionId)
    }
    await performMeetingAction(tx, h.ctx, m.id, { action: 'hold', minutes: h.minutes }, plus(startsAt, 2 * HOUR))
    await settleResults(tx, m.id, h.quorum, now)
    return ids
  }

  const gh = ['guihua.resident', 'guihua.grid', 'guihua.handler', 'guihua.mediator', 'guihua.leader']
  const [lights, hallways] = await held({
    ctx: staff.guihua,
    areaId: guihua,
    kind: 'deliberation',
    title: '桂花苑夜间照明与楼道堆物议事会',
    agenda: '一、通报居民反映的主干道路灯损坏情况\n二、讨论楼道堆物集中清理方案\n三、表决',
    location: '桂花社区党群服务中心二楼会议室',
    daysAgo: 40,
    quorum: 5,
    subjects: [],
    attendees: gh,
    decisions: [
      {
        title: '修复小区主干道路灯并加装庭院灯',
        text: '由社区报送城管部门修复主干道12盏损坏路灯，并在3栋至6栋之间加装庭院灯4盏。',
        majority: 'simple',
        votes: ['for', 'for', 'for', 'abstain', 'for'],
      },
      {
        title: '开展楼道堆物集中清理',
        text: '以两周为期，由网格员和楼栋长逐栋督促清理楼道堆物，逾期未清理的由物业统一清运。',
        majority: 'two_thirds',
        votes: ['for', 'for', 'for', 'for', 'against'],
      },
    ],
    minutes:
      '到会居民代表5人，社区工作人员2人。会议通报了主干道路灯损坏情况，与会人员一致认为夜间照明关系出行安全。两项事项经表决均获通过：路灯修复（赞成4票、弃权1票）；楼道堆物集中清理（赞成4票、反对1票，达到三分之二）。',
  })
  const [siteDecision] = await held({
    ctx: staff.guihua,
    areaId: guihua,
    councilId: council.id,
    kind: 'council',
    title: '桂花社区居民议事会第三次会议',
    agenda: '一、讨论居民提议“北门电动自行车集中充电棚”的选址\n二、讨论广场舞活动时间\n三、表决',
    location: '桂花社区党群服务中心一楼议事厅',
    daysAgo: 12,
    quorum: 5,
    subjects: firstProposal ? [{ kind: 'proposal', id: firstProposal.id }] : [],
    attendees: gh,
    decisions: [
      {
        title: '充电棚选址于北门东侧绿地',
        text: '在北门东侧绿地（约80平方米）建设电动自行车集中充电棚，原绿地在南侧补种。',
        majority: 'simple',
        votes: ['for', 'for', 'for', 'for', 'against'],
      },
      {
        title: '广场舞活动延长至21:30',
        text: '将中心广场的广场舞活动结束时间由21:00延长至21:30。',
        majority: 'simple',
        votes: ['against', 'for', 'against', 'abstain', 'against'],
      },
    ],
    minutes:
      '应到委员7人，实到议事代表5人，符合议事规则。充电棚选址方案获通过（赞成4票、反对1票）；广场舞延时方案未获通过（赞成1票、反对3票、弃权1票），社区将另行协调噪声问题。',
  })
  const [garage] = await held({
    ctx: staff.cuizhu,
    areaId: cuizhu,
    kind: 'deliberation',
    title: '翠竹小区地下车库照明改造议事会',
    agenda: '讨论地下车库照明改造方案与费用分担',
    location: '翠竹社区活动中心',
    daysAgo: 20,
    quorum: 1,
    subjects: [],
    attendees: ['cuizhu.resident', 'cuizhu.grid'],
    decisions: [
      {
        title: '地下车库更换LED感应灯',
        text: '使用公共收益更换地下车库照明为LED感应灯，共计60盏。',
        majority: 'simple',
        votes: ['for', 'for'],
      },
    ],
    minutes: '到会居民2人。改造方案获通过，费用由小区公共收益列支。',
  })

  // ── Upcoming meetings, open for registration ─────────────────────────────────────────────────
  const upcomingAt = dayAt(5, 19)
  const upcoming = await createMeeting(
    tx,
    staff.guihua,
    {
      areaId: guihua,
      kind: 'deliberation',
      title: '北门充电棚与三号楼无障碍坡道议事会',
      agenda:
        '一、通报北门电动自行车集中充电棚的进展\n二、讨论三号楼单元门口无障碍坡道方案\n三、居民自由发言\n四、表决坡道方案',
      location: '桂花社区党群服务中心二楼会议室',
      startsAt: upcomingAt.toISOString(),
      endsAt: plus(upcomingAt, 2 * HOUR).toISOString(),
      capacity: 40,
      quorum: 8,
      subjects: [
        ...(firstProposal ? [{ kind: 'proposal' as const, id: firstProposal.id }] : []),
        ...guihuaProposals
          .filter((p) => p.id !== firstProposal?.id && p.status === 'threshold_reached')
          .slice(0, 1)
          .map((p) => ({ kind: 'proposal' as const, id: p.id })),
        ...(openConsultation ? [{ kind: 'consultation' as const, id: openConsultation.id }] : []),
      ],
    },
    dayAt(-2, 9),
  )
  meetings++
  await addDecision(
    tx,
    staff.guihua,
    upcoming.id,
    {
      title: '三号楼单元门口增设无障碍坡道',
      text: '在三号楼各单元门口增设坡度不大于1:12的无障碍坡道，并加装扶手。',
      majority: 'two_thirds',
      votingOpensAt: plus(upcomingAt, HOUR).toISOString(),
      votingClosesAt: plus(upcomingAt, 2 * HOUR).toISOString(),
    },
    dayAt(-2, 9),
  )
  for (const [i, u] of ['guihua.grid', 'guihua.leader'].entries())
    await register(tx, await demoActor(tx, u), upcoming.id, dayAt(-1, 10 + i))

  const streetProposal = (await proposalsOf(donghu))[0]
  const streetStaff = await demoActor(tx, 'donghu.staff')
  const hearingAt = dayAt(12, 14)
  await createMeeting(
    tx,
    streetStaff,
    {
      areaId: donghu,
      kind: 'hearing',
      title: '东湖街道垃圾分类积分兑换方案听证会',
      agenda: '一、街道介绍积分兑换方案\n二、居民代表、物业和商户代表发言\n三、答复与总结',
      location: '东湖街道办事处三楼大会议室',
      startsAt: hearingAt.toISOString(),
      endsAt: plus(hearingAt, 3 * HOUR).toISOString(),
      capacity: 80,
      quorum: 1,
      subjects: streetProposal ? [{ kind: 'proposal', id: streetProposal.id }] : [],
    },
    dayAt(-1, 15),
  )
  meetings++
  const cuizhuAt = dayAt(7, 19)
  await createMeeting(
    tx,
    staff.cuizhu,
    {
      areaId: cuizhu,
      councilId: cuizhuCouncil.id,
      kind: 'council',
      title: '翠竹社区居民议事会季度例会',
      agenda: '一、地下车库照明改造进展\n二、快递柜设置\n三、其他事项',
      location: '翠竹社区活动中心',
      startsAt: cuizhuAt.toISOString(),
      endsAt: plus(cuizhuAt, 2 * HOUR).toISOString(),
      capacity: 30,
      quorum: 3,
      subjects: [],
    },
    dayAt(-3, 10),
  )
  meetings++

  // ── You said, we did ─────────────────────────────────────────────────────────────────────────
  interface Follow {
    ctx: RequestContext
    source: { sourceKind: 'proposal' | 'meeting_decision'; sourceId: number }
    title: string
    description: string
    openedDaysAgo: number
    milestones: { title: string; due: number; done?: number; note?: string }[]
    status: 'planned' | 'in_progress' | 'done'
    progress: number
  }
  async function follow(f: Follow): Promise<number> {
    const opened = dayAt(-f.openedDaysAgo, 10)
    // A record another seeder opened already (for an accepted proposal) gets the milestones all the same.
    const id = await ensureRecord(tx, f.ctx, { ...f.source, title: f.title, description: f.description }, opened)
    records++
    for (const m of f.milestones) await addMilestone(tx, f.ctx, id, { title: m.title, dueOn: day(m.due) }, opened)
    const ms = await tx
      .selectFrom('accountability_milestone')
      .select(['id', 'title'])
      .where('record_id', '=', id)
      .orderBy('id')
      .execute()
    const added = ms.slice(-f.milestones.length)
    for (const [i, m] of f.milestones.entries())
      if (m.done !== undefined)
        await updateMilestone(
          tx,
          f.ctx,
          id,
          added[i]!.id,
          { doneOn: day(m.done), ...(m.note ? { note: m.note } : {}) },
          dayAt(m.done, 17),
        )
    if (f.status !== 'planned' || f.progress !== 0)
      await updateRecord(tx, f.ctx, id, { status: f.status, progress: f.progress }, dayAt(-1, 17))
    return id
  }

  await follow({
    ctx: staff.guihua,
    source: { sourceKind: 'meeting_decision', sourceId: lights! },
    title: '修复主干道路灯并加装庭院灯',
    description: '议事会决定：报送城管部门修复主干道12盏损坏路灯，并在3栋至6栋之间加装庭院灯4盏。',
    openedDaysAgo: 39,
    milestones: [
      { title: '现场排查损坏路灯', due: -35, done: -36, note: '共排查出损坏路灯12盏' },
      { title: '报送城管部门维修', due: -30, done: -30 },
      { title: '路灯修复完成', due: 7 },
      { title: '庭院灯安装与居民验收', due: 21 },
    ],
    status: 'in_progress',
    progress: 40,
  })
  await follow({
    ctx: staff.guihua,
    source: { sourceKind: 'meeting_decision', sourceId: hallways! },
    title: '楼道堆物集中清理',
    description: '两周内逐栋督促清理楼道堆物，逾期未清理的由物业统一清运。',
    openedDaysAgo: 39,
    milestones: [
      { title: '张贴清理通知', due: -37, done: -38 },
      { title: '逐栋督促清理', due: -27, done: -27, note: '1至12栋全部完成自查' },
      { title: '物业统一清运', due: -24, done: -25, note: '清运杂物约6吨' },
    ],
    status: 'done',
    progress: 100,
  })
  const accepted = guihuaProposals.find((p) => p.status === 'accepted')
  await follow({
    ctx: staff.guihua,
    source: accepted
      ? { sourceKind: 'proposal', sourceId: accepted.id }
      : { sourceKind: 'meeting_decision', sourceId: siteDecision! },
    title: '北门电动自行车集中充电棚',
    description: '居民议事会确定选址于北门东侧绿地，建设可容纳60辆电动自行车的集中充电棚，配备智能充电桩和灭火器。',
    openedDaysAgo: 11,
    milestones: [
      { title: '选址方案公示', due: 3 },
      { title: '施工', due: 30 },
      { title: '投入使用', due: 45 },
    ],
    status: 'planned',
    progress: 0,
  })
  const implemented = guihuaProposals.find((p) => p.status === 'implemented')
  if (implemented)
    await follow({
      ctx: staff.guihua,
      source: { sourceKind: 'proposal', sourceId: implemented.id },
      title: implemented.title,
      description: '社区与老年食堂合作，为行动不便的老人提供送餐上门服务。',
      openedDaysAgo: 60,
      milestones: [
        { title: '摸排需要送餐的老人', due: -50, done: -52, note: '共38位老人登记' },
        { title: '招募志愿者送餐队', due: -40, done: -41 },
        { title: '送餐上门服务开通', due: -30, done: -30 },
      ],
      status: 'done',
      progress: 100,
    })
  await follow({
    ctx: staff.cuizhu,
    source: { sourceKind: 'meeting_decision', sourceId: garage! },
    title: '地下车库更换LED感应灯',
    description: '使用公共收益更换地下车库照明为LED感应灯，共计60盏。',
    openedDaysAgo: 19,
    milestones: [
      { title: '询价与采购', due: -10, done: -9 },
      { title: '安装', due: 10 },
    ],
    status: 'in_progress',
    progress: 50,
  })
  return { councils: 2, meetings, accountabilityRecords: records }
}
