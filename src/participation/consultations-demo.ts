import type { Tx } from '../core/db.js'
import { segmenter, summarise } from './consultations.js'

// Consultations of the demo city, so that a newcomer finds real work: in 桂花 an open revision of
// the parking rules with a dozen comments (some answered officially, one reported and waiting
// for the moderators), a published pet-keeping rule with its final text and response, and a
// draft plan for the staff to finish; in 翠竹 an open consultation on waste-sorting points; on
// the street (东湖街道, QH-01) an open plan for lifts in old buildings.

const HOUR = 3_600_000
const DAY = 24 * HOUR

interface DemoComment {
  /** A key for replies to name their parent. */
  key?: string
  section: number
  by: string
  body: string
  replyTo?: string
  /** Hours after the opening. */
  at: number
  reports?: { by: string; reason: 'spam' | 'offensive' | 'personal_data' | 'off_topic' | 'other' }[]
}

interface DemoConsultation {
  area: string
  by: string
  kind: 'policy' | 'community_rule' | 'plan'
  title: string
  summary: string
  /** Days from now. */
  opens: number
  closes: number
  verifiedOnly: boolean
  state: 'draft' | 'open' | 'published'
  sections: { heading: string; body: string }[]
  comments: DemoComment[]
  /** Published consultations: the adopted text, the response, when (days from now). */
  finalText?: string
  response?: string
  publishedDays?: number
}

/** Demo accounts whose comments are official answers (participation staff of the areas commented on). */
const official = new Set([
  'guihua.staff',
  'guihua.leader',
  'guihua.admin',
  'cuizhu.staff',
  'cuizhu.leader',
  'donghu.staff',
])

const consultations: DemoConsultation[] = [
  {
    area: 'JZ-QH-01-01',
    by: 'guihua.staff',
    kind: 'community_rule',
    title: '桂花社区停车管理公约（修订征求意见稿）',
    summary:
      '小区地面车位紧张，电动自行车楼道充电隐患突出。居委会会同物业起草了停车管理公约修订稿，请居民逐条提出意见，征求意见结束后将汇总答复并公布终稿。',
    opens: -5,
    closes: 9,
    verifiedOnly: false,
    state: 'open',
    sections: [
      {
        heading: '第一条 地面车位分配',
        body: '小区地面车位共312个，按户登记分配，每户限登记一辆机动车；登记车辆多于车位时按登记先后轮候。新能源车与燃油车同等对待。',
      },
      {
        heading: '第二条 电动自行车停放与充电',
        body: '电动自行车一律停放在东门、北门车棚，严禁在楼道、电梯内停放和充电。社区在车棚增设充电桩，按用电量收费。',
      },
      {
        heading: '第三条 外来车辆',
        body: '外来车辆凭业主确认临时进入，停放不超过2小时；超时按每小时5元收取停车费，收入用于车位维护并每季度公示。',
      },
      {
        heading: '第四条 消防通道',
        body: '消防通道、单元门口严禁停车。违者第一次提醒，第二次张贴告知，第三次通报物业并联系移车。',
      },
    ],
    comments: [
      {
        key: 'a',
        section: 1,
        by: 'guihua.resident',
        at: 3,
        body: '312个车位，小区有400多户，按户分配肯定不够。建议先满足还没有车位的家庭，有两辆车的第二辆不分配。',
      },
      {
        section: 1,
        by: 'guihua.staff',
        replyTo: 'a',
        at: 20,
        body: '感谢意见。登记后车位不足的，按登记先后轮候；第二辆车不分配地面车位，这一点会在终稿中写明。',
      },
      { section: 1, by: 'guihua.grid', at: 26, body: '老年人家庭和残疾人家庭的车位能不能安排在靠近单元门的位置？' },
      {
        key: 'ev',
        section: 1,
        by: 'guihua.handler',
        at: 30,
        body: '新能源车需要充电，能否单独划出一排带充电桩的车位？',
      },
      { section: 1, by: 'guihua.mediator', replyTo: 'ev', at: 34, body: '同意，充电车位可以按小时收费，充满就挪走。' },
      {
        key: 'shed',
        section: 2,
        by: 'guihua.resident',
        at: 40,
        body: '东门车棚晚上太暗，我的电动车被偷过两次，希望装监控和照明。',
      },
      {
        section: 2,
        by: 'guihua.leader',
        replyTo: 'shed',
        at: 46,
        body: '已联系物业，本月内在东门车棚安装两处照明和一台监控。',
      },
      {
        section: 2,
        by: 'guihua.mediator',
        at: 50,
        body: '楼道充电太危险了，去年隔壁小区就着过火，坚决支持禁止楼道充电。',
      },
      { section: 2, by: 'guihua.grid', at: 60, body: '充电桩怎么收费？太贵的话大家还是会拉线到楼道里充。' },
      {
        key: 'visit',
        section: 3,
        by: 'guihua.handler',
        at: 70,
        body: '外来车辆2小时太短了，亲戚接送家里老人看病经常超过两小时。',
      },
      {
        section: 3,
        by: 'guihua.staff',
        replyTo: 'visit',
        at: 75,
        body: '就医接送等情况可以在门岗登记延长，最长4小时，终稿会补充这一款。',
      },
      { section: 3, by: 'guihua.resident', at: 80, body: '超时收费合理，但收了多少、用在哪里一定要按季度公示。' },
      {
        key: 'fire',
        section: 4,
        by: 'guihua.grid',
        at: 90,
        body: '消防通道上停的多是外卖和快递车，建议在北门设一个快递临停区。',
      },
      {
        section: 4,
        by: 'guihua.mediator',
        replyTo: 'fire',
        at: 95,
        body: '快递临停区很有必要，外卖柜也可以放在那里。',
      },
      {
        section: 4,
        by: 'guihua.handler',
        at: 100,
        body: '7栋那辆浙A·7K352天天堵在消防通道上，车主王某电话13905710000，大家直接打给他。',
        reports: [
          { by: 'guihua.resident', reason: 'personal_data' },
          { by: 'guihua.grid', reason: 'personal_data' },
        ],
      },
    ],
  },
  {
    area: 'JZ-QH-01-01',
    by: 'guihua.staff',
    kind: 'community_rule',
    title: '桂花社区文明养犬公约',
    summary: '为减少犬只扰民和伤人事件，居委会起草了文明养犬公约，请居民提出意见。',
    opens: -70,
    closes: -40,
    verifiedOnly: true,
    state: 'published',
    publishedDays: -30,
    sections: [
      {
        heading: '第一条 牵绳出行',
        body: '出户遛犬须束犬链，犬链长度不超过1.5米，由成年人牵领，主动避让老人和儿童。',
      },
      {
        heading: '第二条 粪便清理',
        body: '犬只在公共区域排便的，携犬人应当立即清除。社区在绿地设置拾便袋箱。',
      },
      {
        heading: '第三条 登记与免疫',
        body: '犬只应当办理登记并按时接种狂犬病疫苗，社区每年组织一次集中免疫。',
      },
    ],
    comments: [
      {
        key: 'night',
        section: 1,
        by: 'guihua.resident',
        at: 10,
        body: '晚上遛狗不牵绳的最多，建议写明早晚高峰和夜间也必须牵绳。',
      },
      {
        section: 1,
        by: 'guihua.staff',
        replyTo: 'night',
        at: 30,
        body: '采纳，终稿写明“任何时段”出户均须牵绳。',
      },
      { section: 1, by: 'guihua.grid', at: 50, body: '大型犬还应该戴嘴套，小区里孩子多。' },
      {
        key: 'bags',
        section: 2,
        by: 'guihua.mediator',
        at: 60,
        body: '拾便袋箱经常是空的，谁负责补充？',
      },
      {
        section: 2,
        by: 'guihua.leader',
        replyTo: 'bags',
        at: 80,
        body: '由物业保洁每天上午补充，终稿会写明责任单位。',
      },
      { section: 2, by: 'guihua.handler', at: 100, body: '草坪上的狗粪没人清理，夏天味道很大，希望多巡查。' },
      {
        key: 'vaccine',
        section: 3,
        by: 'guihua.resident',
        at: 120,
        body: '集中免疫能不能放在周末？上班族工作日带不了狗。',
      },
      {
        section: 3,
        by: 'guihua.staff',
        replyTo: 'vaccine',
        at: 140,
        body: '采纳，集中免疫安排在周六上午。',
      },
    ],
    finalText: [
      '第一条 牵绳出行：任何时段出户遛犬均须束犬链，犬链长度不超过1.5米，由成年人牵领，主动避让老人和儿童；大型犬出户须佩戴嘴套。',
      '第二条 粪便清理：犬只在公共区域排便的，携犬人应当立即清除。社区在绿地设置拾便袋箱，由物业保洁每天上午补充；网格员每周巡查两次。',
      '第三条 登记与免疫：犬只应当办理登记并按时接种狂犬病疫苗，社区每年组织一次集中免疫，安排在周六上午。',
    ].join('\n'),
    response:
      '征求意见期间共收到居民意见5条，官方答复3条。采纳：任何时段均须牵绳；大型犬佩戴嘴套；拾便袋由物业每天补充；集中免疫安排在周六。关于增加巡查，网格员将每周巡查两次。感谢各位居民的参与。',
  },
  {
    area: 'JZ-QH-01-01',
    by: 'guihua.staff',
    kind: 'plan',
    title: '桂花社区2027年微更新计划（草稿）',
    summary: '明年社区微更新的三个项目，定稿后向居民征求意见。',
    opens: 3,
    closes: 24,
    verifiedOnly: true,
    state: 'draft',
    sections: [
      { heading: '一、口袋公园', body: '将2栋与3栋之间的闲置空地改造为口袋公园，增设座椅和儿童游乐设施。' },
      { heading: '二、适老化改造', body: '为6个单元入口加装扶手和坡道，改造楼道照明为感应灯。' },
      { heading: '三、电动车棚扩建', body: '北门车棚扩建40个车位，增设20个充电接口。' },
    ],
    comments: [],
  },
  {
    area: 'JZ-QH-02-01',
    by: 'cuizhu.staff',
    kind: 'policy',
    title: '翠竹社区垃圾分类积分兑换办法（征求意见稿）',
    summary: '居民正确投放垃圾可获得积分，积分可兑换生活用品。请对积分规则和兑换方式提出意见。',
    opens: -3,
    closes: 11,
    verifiedOnly: false,
    state: 'open',
    sections: [
      { heading: '第一条 积分获取', body: '每次正确分类投放得1分，每日最多2分；参加垃圾分类志愿值守每小时得5分。' },
      { heading: '第二条 积分兑换', body: '每月第一个周六在社区服务中心兑换，10分可兑换一包洗衣粉或一卷垃圾袋。' },
    ],
    comments: [
      {
        key: 'when',
        section: 2,
        by: 'cuizhu.resident',
        at: 8,
        body: '每月只有一天兑换太少了，能不能工作日晚上也开放？',
      },
      {
        section: 2,
        by: 'cuizhu.staff',
        replyTo: 'when',
        at: 20,
        body: '可以考虑每周三晚上增加一次兑换，终稿前会和物业确认。',
      },
      { section: 1, by: 'cuizhu.grid', at: 30, body: '志愿值守的积分要有人签到确认，否则容易乱记。' },
    ],
  },
  {
    area: 'JZ-QH-01',
    by: 'donghu.staff',
    kind: 'plan',
    title: '东湖街道老旧小区加装电梯实施方案（征求意见稿）',
    summary: '街道计划在2000年以前建成的多层住宅加装电梯，请各社区居民对申请条件、费用分摊和施工安排提出意见。',
    opens: -2,
    closes: 19,
    verifiedOnly: false,
    state: 'open',
    sections: [
      {
        heading: '一、申请条件',
        body: '同一单元三分之二以上业主同意，且同意业主的专有面积占三分之二以上，可以申请加装电梯。',
      },
      { heading: '二、费用分摊', body: '政府每台补贴20万元，其余费用按楼层由业主分摊，一楼业主不分摊。' },
      { heading: '三、施工安排', body: '施工期间每天8时至18时作业，周末不施工，施工单位须设置安全围挡。' },
    ],
    comments: [
      {
        key: 'floor',
        section: 2,
        by: 'guihua.resident',
        at: 6,
        body: '二楼住户用电梯少，分摊比例能不能低一些？建议按楼层递增。',
      },
      {
        section: 2,
        by: 'donghu.staff',
        replyTo: 'floor',
        at: 24,
        body: '方案将附分摊参考表，二楼系数为0.5，以上每层递增0.2，由各单元协商确定。',
      },
      { section: 3, by: 'guihua.mediator', at: 30, body: '施工噪音影响老人午休，建议中午12点到2点停工。' },
    ],
  },
]

/** Creates the demo city's consultations and their comments (owner rights, inside the demo seed). */
export async function seedConsultationsDemo(tx: Tx, now: Date): Promise<{ consultations: number; comments: number }> {
  const userIds = new Map(
    (await tx.selectFrom('app_user').select(['id', 'username']).where('is_demo', '=', true).execute()).map((u) => [
      u.username,
      u.id,
    ]),
  )
  const user = (name: string) => {
    const id = userIds.get(name)
    if (id === undefined) throw new Error(`demo user ${name} is missing`)
    return id
  }
  const areas = new Map(
    (
      await tx
        .selectFrom('area')
        .select(['id', 'code'])
        .where(
          'code',
          'in',
          consultations.map((c) => c.area),
        )
        .execute()
    ).map((a) => [a.code, a.id]),
  )
  const cut = await segmenter()
  let comments = 0
  for (const c of consultations) {
    const areaId = areas.get(c.area)
    if (areaId === undefined) throw new Error(`demo area ${c.area} is missing`)
    const opensAt = new Date(now.getTime() + c.opens * DAY)
    const closesAt = new Date(now.getTime() + c.closes * DAY)
    const created = new Date(opensAt.getTime() - 2 * DAY)
    const row = await tx
      .insertInto('consultation')
      .values({
        area_id: areaId,
        kind: c.kind,
        title: c.title,
        summary: c.summary,
        opens_at: opensAt,
        closes_at: closesAt,
        status: c.state === 'published' ? 'open' : c.state,
        verified_only: c.verifiedOnly,
        created_by: user(c.by),
        created_at: created,
        updated_at: created,
      })
      .returning('id')
      .executeTakeFirstOrThrow()
    const sections = await tx
      .insertInto('consultation_section')
      .values(
        c.sections.map((s, i) => ({ consultation_id: row.id, position: i + 1, heading: s.heading, body: s.body })),
      )
      .returning(['id', 'position'])
      .execute()
    const sectionId = (position: number) => sections.find((s) => s.position === position)!.id
    const keyed = new Map<string, number>()
    for (const m of c.comments) {
      const parentId = m.replyTo ? keyed.get(m.replyTo)! : null
      const at = new Date(opensAt.getTime() + m.at * HOUR)
      const added = await tx
        .insertInto('participation_comment')
        .values({
          subject_kind: 'consultation',
          subject_id: row.id,
          section_id: sectionId(m.section),
          area_id: areaId,
          parent_id: parentId,
          author_id: user(m.by),
          official: official.has(m.by),
          body: m.body,
          report_count: m.reports?.length ?? 0,
          created_at: at,
        })
        .returning('id')
        .executeTakeFirstOrThrow()
      comments++
      if (m.key) keyed.set(m.key, added.id)
      if (parentId !== null)
        await tx
          .updateTable('participation_comment')
          .set((eb) => ({ reply_count: eb('reply_count', '+', 1) }))
          .where('id', '=', parentId)
          .execute()
      if (m.reports?.length)
        await tx
          .insertInto('comment_report')
          .values(
            m.reports.map((r, i) => ({
              comment_id: added.id,
              user_id: user(r.by),
              reason: r.reason,
              created_at: new Date(at.getTime() + (i + 1) * HOUR),
            })),
          )
          .execute()
    }
    if (c.state === 'published') {
      const result = await summarise(tx, row.id, cut, closesAt)
      const publishedAt = new Date(now.getTime() + (c.publishedDays ?? 0) * DAY)
      await tx
        .updateTable('consultation')
        .set({
          status: 'published',
          result: JSON.stringify(result),
          final_text: c.finalText ?? null,
          response: c.response ?? null,
          published_at: publishedAt,
          updated_at: publishedAt,
        })
        .where('id', '=', row.id)
        .execute()
    }
  }
  return { consultations: consultations.length, comments }
}
