import { actorForUser } from '../accounts/service.js'
import type { FieldCipher } from '../core/crypto.js'
import type { Tx } from '../core/db.js'
import type { RequestContext } from '../core/scope.js'
import { performDisputeAction } from './actions.js'
import { recordSession, saveAgreement, signAgreement } from './agreement.js'
import { type NewDispute, registerDispute } from './disputes.js'
import { performPetitionAction, registerPetition } from './petitions.js'

// Work waiting in the demo city: disputes at every step and petitions with running clocks, in the
// two demo communities, made through the use cases (so every row, event, timer and notice is what
// the product itself writes). Times are spread over the last weeks so clocks show.

const DAY = 86_400_000

async function ctxOf(tx: Tx, username: string): Promise<RequestContext> {
  const u = await tx.selectFrom('app_user').select('id').where('username', '=', username).executeTakeFirstOrThrow()
  return { actor: await actorForUser(tx, u.id), ip: 'demo' }
}

interface Story {
  community: 'guihua' | 'cuizhu'
  daysAgo: number
  dispute: Omit<NewDispute, 'areaId' | 'address' | 'source' | 'parties'> & {
    source?: NewDispute['source']
    address: string
    parties: Omit<NewDispute['parties'][number], 'idType'>[]
  }
  /** How far it has got: registered, assigned (with a session), agreed (a draft), settled, escalated, closed. */
  step: 'registered' | 'assigned' | 'drafted' | 'settled' | 'escalated' | 'closed'
}

const stories: Story[] = [
  {
    community: 'guihua',
    daysAgo: 1,
    step: 'registered',
    dispute: {
      category: 'neighbour',
      address: '桂花苑6栋2单元',
      facts: '楼上住户夜间频繁拖动桌椅，楼下老人长期失眠，双方多次争吵。',
      claims: '要求楼上住户晚十点后保持安静并赔礼道歉。',
      peopleInvolved: 3,
      parties: [
        { role: 'applicant', name: '周桂英', address: '桂花苑6栋2单元302', phone: '13912345601', vulnerable: true },
        { role: 'respondent', name: '吴家明', address: '桂花苑6栋2单元402' },
      ],
    },
  },
  {
    community: 'guihua',
    daysAgo: 6,
    step: 'assigned',
    dispute: {
      category: 'property_management',
      address: '桂花苑小区',
      facts: '物业公司上调停车管理费，未经业主大会表决，12户业主拒缴并与物业发生冲突。',
      claims: '恢复原收费标准，公开公共收益账目。',
      amount: 36000,
      peopleInvolved: 12,
      parties: [
        { role: 'applicant', name: '桂花苑业主代表郑志强', address: '桂花苑3栋101', phone: '13912345602' },
        { role: 'respondent', name: '江州安居物业服务有限公司', address: '桂花路18号' },
      ],
    },
  },
  {
    community: 'guihua',
    daysAgo: 3,
    step: 'assigned',
    dispute: {
      category: 'labour_wages',
      source: 'police',
      address: '桂花路工地',
      facts: '某装修工程分包方拖欠35名务工人员工资，工人聚集在项目部讨薪。',
      claims: '足额支付拖欠工资共计86万元。',
      amount: 860000,
      peopleInvolved: 35,
      threat: true,
      parties: [
        { role: 'applicant', name: '务工人员代表冯大海', address: '外省来江务工', phone: '13912345603' },
        { role: 'respondent', name: '江州鑫达建筑劳务有限公司', address: '清河区工业园8号' },
      ],
    },
  },
  {
    community: 'guihua',
    daysAgo: 12,
    step: 'drafted',
    dispute: {
      category: 'family_marriage',
      address: '桂花苑2栋',
      facts: '兄妹三人因赡养母亲及母亲房屋居住问题产生矛盾。',
      claims: '明确赡养费分担和房屋居住安排。',
      peopleInvolved: 4,
      parties: [
        { role: 'applicant', name: '刘秀珍', address: '桂花苑2栋501' },
        { role: 'respondent', name: '刘建华', address: '柳岸花园1栋202' },
        { role: 'respondent', name: '刘建新', address: '春晖新村9栋101' },
      ],
    },
  },
  {
    community: 'guihua',
    daysAgo: 20,
    step: 'settled',
    dispute: {
      category: 'neighbour',
      address: '桂花苑5栋',
      facts: '楼上卫生间漏水导致楼下天花板发霉脱落。',
      claims: '修复防水并赔偿维修费。',
      amount: 6000,
      peopleInvolved: 2,
      parties: [
        { role: 'applicant', name: '王秀兰', address: '桂花苑5栋201' },
        { role: 'respondent', name: '李建国', address: '桂花苑5栋301' },
      ],
    },
  },
  {
    community: 'guihua',
    daysAgo: 40,
    step: 'escalated',
    dispute: {
      category: 'land_expropriation',
      address: '桂花村老宅基地',
      facts: '旧村改造中两户对宅基地边界和补偿款分配有争议，一方拒绝人民调解。',
      claims: '重新测量边界并按面积分配补偿款。',
      amount: 420000,
      peopleInvolved: 6,
      parties: [
        { role: 'applicant', name: '陈永福', address: '桂花村12号' },
        { role: 'respondent', name: '陈永贵', address: '桂花村14号' },
      ],
    },
  },
  {
    community: 'cuizhu',
    daysAgo: 2,
    step: 'registered',
    dispute: {
      category: 'consumer',
      address: '翠竹商业街',
      facts: '健身房突然停业，30余名会员预付卡余额无法退还。',
      claims: '退还预付卡余额。',
      amount: 98000,
      peopleInvolved: 32,
      parties: [
        { role: 'applicant', name: '会员代表何丽', address: '翠竹苑7栋', phone: '13912345604' },
        { role: 'respondent', name: '江州动力健身有限公司', address: '翠竹商业街21号' },
      ],
    },
  },
  {
    community: 'cuizhu',
    daysAgo: 15,
    step: 'closed',
    dispute: {
      category: 'traffic',
      address: '翠竹路与和平街交叉口',
      facts: '电动车与行人发生碰擦，行人轻微受伤。',
      claims: '赔偿医药费和误工费。',
      amount: 3200,
      peopleInvolved: 2,
      parties: [
        { role: 'applicant', name: '孙玉梅', address: '翠竹苑3栋' },
        { role: 'respondent', name: '黄小龙', address: '幸福里12栋' },
      ],
    },
  },
]

const written = {
  form: 'written' as const,
  facts: '双方因房屋渗漏发生纠纷，经现场查看，渗漏系楼上卫生间防水层老化所致。',
  issues: '渗漏修复责任及楼下损失的赔偿。',
  responsibilities: '楼上住户对渗漏负主要责任；楼下住户对损失扩大负次要责任。',
  terms: '一、楼上住户于十五日内请专业人员修复卫生间防水层；二、楼上住户一次性赔偿楼下住户维修费人民币伍仟元整。',
  performanceManner: '银行转账一次付清；修复完成后双方共同验收。',
}

export async function seedDemoDisputes(
  tx: Tx,
  cipher: FieldCipher,
  now: Date,
): Promise<{ disputes: number; petitions: number }> {
  const staff = { guihua: await ctxOf(tx, 'guihua.staff'), cuizhu: await ctxOf(tx, 'cuizhu.staff') }
  const mediator = { guihua: await ctxOf(tx, 'guihua.mediator'), cuizhu: await ctxOf(tx, 'cuizhu.mediator') }
  const area = async (code: string) =>
    (await tx.selectFrom('area').select('id').where('code', '=', code).executeTakeFirstOrThrow()).id
  const dept = async (code: string) =>
    (await tx.selectFrom('department').select('id').where('code', '=', code).executeTakeFirstOrThrow()).id
  const grids = { guihua: await area('JZ-QH-01-01-G01'), cuizhu: await area('JZ-QH-02-01-G01') }
  const committees = { guihua: await dept('QH-01-01-TJ'), cuizhu: await dept('QH-02-01-TJ') }
  const streetCommittee = { guihua: await dept('QH-01-TW'), cuizhu: await dept('QH-02-TW') }
  for (const s of stories) {
    const at = (days: number) => new Date(now.getTime() - days * DAY)
    const start = at(s.daysAgo)
    const { id } = await registerDispute(
      tx,
      staff[s.community],
      {
        ...s.dispute,
        source: s.dispute.source ?? 'walk_in',
        areaId: grids[s.community],
        parties: s.dispute.parties.map((p) => ({ ...p, idType: 'resident_id' as const })),
      },
      start,
      cipher,
    )
    if (s.step === 'registered') continue
    const big = (s.dispute.peopleInvolved ?? 0) >= 30
    await performDisputeAction(
      tx,
      staff[s.community],
      id,
      { action: 'assign', committeeId: big ? streetCommittee[s.community] : committees[s.community] },
      new Date(start.getTime() + 3_600_000),
    )
    const m = mediator[s.community]
    const day1 = new Date(start.getTime() + DAY)
    await recordSession(
      tx,
      m,
      id,
      {
        heldAt: day1.toISOString(),
        place: '社区人民调解室',
        attendees: s.dispute.parties.map((p) => p.name ?? '当事人'),
        record: '调解员听取双方陈述，释明相关法律规定，双方同意继续协商。',
      },
      day1,
    )
    if (s.step === 'assigned') continue
    if (s.step === 'escalated') {
      await performDisputeAction(
        tx,
        m,
        id,
        { action: 'escalate', comment: '被申请人拒绝人民调解，移交街道办事处行政调解。', partyRefused: true },
        at(s.daysAgo - 5),
      )
      continue
    }
    const deadline = new Date(now.getTime() + 10 * DAY).toISOString().slice(0, 10)
    await saveAgreement(tx, m, id, { ...written, performanceDeadline: deadline }, at(s.daysAgo - 3))
    if (s.step === 'drafted') continue
    const parties = await tx.selectFrom('dispute_party').select('id').where('dispute_id', '=', id).execute()
    for (const p of parties) await signAgreement(tx, m, id, { signer: 'party', partyId: p.id }, at(s.daysAgo - 4))
    await signAgreement(tx, m, id, { signer: 'mediator' }, at(s.daysAgo - 4))
    await signAgreement(tx, m, id, { signer: 'seal' }, at(s.daysAgo - 4))
    await performDisputeAction(tx, m, id, { action: 'settle' }, at(s.daysAgo - 4))
    if (s.step === 'settled') continue
    await performDisputeAction(
      tx,
      m,
      id,
      { action: 'follow_up', performance: 'performed', comment: '回访：赔偿款已付清，当事人表示满意。' },
      at(s.daysAgo - 10),
    )
    await performDisputeAction(tx, staff[s.community], id, { action: 'close' }, at(s.daysAgo - 10))
  }

  // Petitions at the Guihua desk: one waiting for a decision (overdue), one being answered, one answered.
  const guihua = await area('JZ-QH-01-01')
  const desk = staff.guihua
  const petitions = [
    {
      daysAgo: 18,
      channel: 'letter' as const,
      petitionerName: '马文斌',
      matter: '反映小区电梯长期故障无人维修。',
      matterKey: '电梯维修',
    },
    {
      daysAgo: 9,
      channel: 'visit' as const,
      petitionerName: '高淑芬',
      matter: '反映老旧小区改造施工噪声扰民、材料堆放占道。',
      matterKey: '老旧小区改造',
    },
    {
      daysAgo: 30,
      channel: 'online' as const,
      petitionerName: '林志远',
      matter: '反映菜市场周边流动摊贩占道经营。',
      matterKey: '流动摊贩',
    },
  ]
  for (const [i, p] of petitions.entries()) {
    const received = new Date(now.getTime() - p.daysAgo * DAY)
    const { id } = await registerPetition(
      tx,
      desk,
      {
        areaId: guihua,
        channel: p.channel,
        petitionerName: p.petitionerName,
        idType: 'resident_id',
        personCount: 1,
        matter: p.matter,
        matterKey: p.matterKey,
        receivedAt: received.toISOString(),
      },
      received,
      cipher,
    )
    if (i === 0) continue
    await performPetitionAction(tx, desk, id, { action: 'accept' }, new Date(received.getTime() + 2 * DAY), cipher)
    if (i === 1) continue
    await performPetitionAction(
      tx,
      desk,
      id,
      { action: 'answer', answer: '经街道综合执法队核查，已在菜市场周边划定临时疏导点，并加强巡查。' },
      new Date(received.getTime() + 20 * DAY),
      cipher,
    )
  }
  return { disputes: stories.length, petitions: petitions.length }
}
