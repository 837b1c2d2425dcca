import { randomBytes } from 'node:crypto'
import { sql } from 'kysely'
import type { Tx } from '../core/db.js'
import { areaIdByCode, demoActor } from '../participation/common.js'
import { createModelCase, type ModelCasePatch, publishModelCase, type SourcePeople, updateModelCase } from './models.js'
import type { ModelCaseSource } from './common.js'

// Demo model cases, written up through the use cases by the street's staff (东湖's, shared with
// its communities) and 桂花's: closed cases of 柳岸, 春晖 and 明珠 (楼道堆物清理, 噪音扰民调解,
// 违章停车治理, a smoke alarm and a flooded garage — the categories of the demo's open device
// cases, so the case page suggests them), 桂花's settled leaking-ceiling dispute (邻里漏水纠纷)
// and its implemented proposal, each anonymised and published; and a draft about adding a lift
// (加装电梯议事协商) with a phone number left in, for the check to catch.

const DAY = 86_400_000
/** How far before the seed the demo's closed cases lie (their timelines count back from there). */
const CLOSED_CASES_BACK_DAYS = 400
const ago = (now: Date, days: number, hour = 2) => new Date(now.getTime() - days * DAY + hour * 3_600_000)

interface ClosedCase {
  grid: string
  category: string
  address: string
  description: string
  reporterName: string | null
  /** Days before now it was reported; each step [action, days ago, comment, role]. */
  reportedDaysAgo: number
  steps: [string, number, string | null, string][]
  result: string
}

/** A closed case with its timeline, as the case module leaves one (the demo's cases are all open). */
export async function insertClosedCase(tx: Tx, now: Date, c: ClosedCase): Promise<number> {
  const grid = await tx.selectFrom('area').select(['id', 'path']).where('code', '=', c.grid).executeTakeFirstOrThrow()
  const category = await tx
    .selectFrom('case_category')
    .select(['id'])
    .where('code', '=', c.category)
    .executeTakeFirstOrThrow()
  const submitted = ago(now, c.reportedDaysAgo)
  const last = ago(now, Math.min(...c.steps.map((s) => s[1])))
  const at = (action: string) => {
    const s = c.steps.find((x) => x[0] === action)
    return s ? ago(now, s[1]) : null
  }
  const ymd = submitted.toISOString().slice(2, 10).replace(/-/g, '')
  const tail = Array.from(randomBytes(6), (b) => '0123456789ABCDEFGHJKMNPQRSTVWXYZ'[b % 32]).join('')
  const made = await tx
    .insertInto('cases')
    .values({
      tracking_code: `${ymd}-${tail}`,
      category_id: category.id,
      area_id: grid.id,
      district_id: Number(grid.path.split('/').filter(Boolean)[1] ?? grid.id),
      channel: c.reporterName ? 'hotline' : 'patrol',
      // A grid worker's own patrol report is never rated.
      rateable: !!c.reporterName,
      state: 'closed',
      address: c.address,
      description: c.description,
      reporter_name: c.reporterName,
      result: c.result,
      submitted_at: submitted,
      response_due_at: new Date(submitted.getTime() + DAY),
      responded_at: at('accept'),
      replied_at: at('reply'),
      verified_at: at('verify_pass'),
      closed_at: last,
      updated_at: last,
    })
    .returning('id')
    .executeTakeFirstOrThrow()
  const states: Record<string, string> = {
    accept: 'accepted',
    dispatch: 'dispatched',
    department_accept: 'in_progress',
    reply: 'replied',
    verify_pass: 'verified',
    close: 'closed',
  }
  let from = 'submitted'
  await tx
    .insertInto('case_event')
    .values({ case_id: made.id, at: submitted, action: 'submit', to_state: 'submitted', actor_role: 'reporter' })
    .execute()
  for (const [action, days, comment, role] of c.steps) {
    const to = states[action] ?? from
    await tx
      .insertInto('case_event')
      .values({
        case_id: made.id,
        at: ago(now, days),
        action,
        from_state: from,
        to_state: to,
        actor_role: role,
        comment,
      })
      .execute()
    from = to
  }
  return Number(made.id)
}

const steps = (days: number[], comments: (string | null)[]): ClosedCase['steps'] => {
  const plan: [string, string][] = [
    ['accept', 'triage'],
    ['dispatch', 'triage'],
    ['department_accept', 'handler'],
    ['reply', 'handler'],
    ['verify_pass', 'verifier'],
    ['close', 'triage'],
  ]
  return plan.map(([action, role], i) => [action, days[i]!, comments[i] ?? null, role])
}

interface Plan {
  by: string
  /** The area it is kept at: the street shares it with its communities. */
  area?: string
  source: ModelCaseSource | ClosedCase
  text: Omit<ModelCasePatch, 'version'> & { category?: string }
  publish: boolean
}

const plans = (): Plan[] => [
  {
    by: 'donghu.staff',
    area: 'JZ-QH-01',
    source: {
      grid: 'JZ-QH-01-02-G01',
      category: 'WY-04',
      address: '柳岸小区7幢2单元',
      description: '7幢2单元楼道里堆满纸箱、旧家具和电动车电瓶，楼梯只剩半人宽，居民担心着火跑不出去。',
      reporterName: '陈桂芳',
      reportedDaysAgo: 75,
      steps: steps(
        [75, 75, 74, 70, 69, 68],
        [null, null, '联系物业和楼栋长一起上门', '三轮清理完毕，设置楼道禁堆提示', '复查楼道畅通', null],
      ),
      result: '清出杂物约3车，电瓶收进集中充电点，楼道畅通；楼栋长每周巡查一次。',
    },
    text: {
      title: '楼道堆物清理：先劝后清、长效巡查',
      problem:
        '老旧小区一个单元楼道长期堆放纸箱、旧家具和电动车电瓶，楼梯仅剩半人宽，存在消防隐患。部分住户认为东西“放了多年没人管”，不愿清理。',
      method:
        '1. 网格员会同物业、楼栋长逐户上门，讲清消防通道堵塞的后果和相关规定，请住户三天内自行清理。\n' +
        '2. 对无主杂物张贴公告七天后统一清运；对有主但不愿清理的，由社区民警和楼栋长再次上门劝导。\n' +
        '3. 电瓶一律收进小区集中充电点，杜绝楼道充电。\n' +
        '4. 清理后在楼道张贴禁堆提示，楼栋长每周巡查一次并在网格群里反馈。',
      result: '三轮清理共清出杂物约3车，楼道恢复畅通，两个月内未再出现堆物。',
      lessons: '先讲清道理、给足自行清理的时间，再统一清运，住户抵触少；“清一次”不如“管长久”，巡查要落到具体的人。',
      tags: ['楼道堆物', '消防安全', '老旧小区'],
    },
    publish: true,
  },
  {
    by: 'donghu.staff',
    area: 'JZ-QH-01',
    source: {
      grid: 'JZ-QH-01-03-G01',
      category: 'ZS-02',
      address: '春晖苑小区广场',
      description: '小区广场每晚广场舞音响声音很大，一直跳到十点多，临近楼栋的老人孩子休息不好。',
      reporterName: '周明',
      reportedDaysAgo: 50,
      steps: steps(
        [50, 50, 49, 44, 43, 42],
        [null, null, '约舞队负责人和投诉居民到社区面谈', '达成时间音量约定并张贴公示', '晚间回访确认音量已控制', null],
      ),
      result: '舞队改在19:00—20:30活动，音响换成定向小音箱并限定音量；投诉居民表示满意。',
    },
    text: {
      title: '噪音扰民调解：广场舞的时间与音量约定',
      problem:
        '小区广场每晚广场舞音响声音很大，持续到晚上十点以后，临近楼栋的老人和学生休息受影响，双方在群里多次争吵。',
      method:
        '1. 社区分别听取舞队和投诉居民的意见，不急于“定对错”。\n' +
        '2. 请双方代表到社区面谈，对照《噪声污染防治法》关于公共场所文体活动的规定，共同商定活动时间和音量。\n' +
        '3. 舞队自购定向小音箱，由网格员晚间现场测一次音量，约定写成公约张贴在广场。\n' +
        '4. 一周后晚间回访，听取两边反馈。',
      result: '舞队改在19:00—20:30活动，音量控制在约定范围内，此后未再接到投诉。',
      lessons: '噪音纠纷双方都有合理诉求，把“禁止”变成“约定”更容易落实；约定要具体到时间、音量和负责人。',
      tags: ['噪音扰民', '广场舞', '居民公约'],
    },
    publish: true,
  },
  {
    by: 'donghu.staff',
    area: 'JZ-QH-01',
    source: {
      grid: 'JZ-QH-01-04-G01',
      category: 'JT-02',
      address: '明珠花园东门消防通道',
      description: '明珠花园东门消防通道上长期停着外来车辆，救护车上次进不来，居民很着急。',
      reporterName: '刘洋',
      reportedDaysAgo: 40,
      steps: steps(
        [40, 40, 39, 33, 32, 31],
        [null, null, '交警和物业联合巡查', '施划禁停线、安装道闸', '复查通道畅通', null],
      ),
      result: '消防通道施划禁停标线并安装道闸，外来车辆登记进出，通道保持畅通。',
    },
    text: {
      title: '违章停车治理：消防通道的“疏”与“堵”',
      problem: '小区东门消防通道长期被外来车辆占用，曾导致救护车无法及时进入，居民反映强烈。',
      method:
        '1. 交警、物业和网格员联合巡查，对占道车辆张贴告知单并电话通知挪车。\n' +
        '2. 在消防通道施划黄色禁停标线，东门加装道闸，外来车辆登记进出。\n' +
        '3. 协调周边商场夜间开放停车位，给临时来访车辆找到去处。',
      result: '一个月内消防通道始终畅通，外来车辆乱停减少九成。',
      lessons: '只“堵”不“疏”容易反弹，给车找到停的地方，禁停才能持久。',
      tags: ['违章停车', '消防通道', '外来车辆'],
    },
    publish: true,
  },
  {
    by: 'donghu.staff',
    area: 'JZ-QH-01',
    source: {
      grid: 'JZ-QH-01-02-G02',
      category: 'SB-01',
      address: '柳岸小区3幢1单元',
      description: '3幢1单元烟感设备报警，现场楼道有电动车充电冒烟。',
      reporterName: null,
      reportedDaysAgo: 30,
      steps: steps(
        [30, 30, 30, 30, 29, 29],
        [null, null, '网格员3分钟到场，切断电源', '电动车移出，楼道通风排查', '复查无隐患', null],
      ),
      result: '险情在起火前处置完毕，无人员伤亡；单元内飞线充电全部拆除。',
    },
    text: {
      title: '烟感报警联动处置：三分钟到场排除充电起火',
      problem: '深夜单元楼道烟感报警，现场为电动车在楼道飞线充电，电瓶冒烟，随时可能起火。',
      method:
        '1. 平台收到报警后自动派单，网格员3分钟到场，先切断电源、疏散同层住户。\n' +
        '2. 物业将电动车移至室外空地，打开楼道窗户通风，排查线路。\n' +
        '3. 次日对全单元开展飞线充电排查，拆除私拉电线，引导到集中充电点。',
      result: '险情在起火前排除，无人员伤亡；单元内飞线充电全部拆除。',
      lessons: '设备报警要“秒级派单、分钟到场”；处置完成后要顺着隐患源头做一次全楼排查。',
      tags: ['烟感报警', '电动车充电', '消防安全'],
    },
    publish: true,
  },
  {
    by: 'donghu.staff',
    area: 'JZ-QH-01',
    source: {
      grid: 'JZ-QH-01-04-G02',
      category: 'SB-03',
      address: '明珠花园地下车库',
      description: '暴雨中地下车库入口水位传感器报警，积水已漫过减速带。',
      reporterName: null,
      reportedDaysAgo: 20,
      steps: steps(
        [20, 20, 20, 20, 19, 19],
        [null, null, '启动防汛预案', '沙袋封堵入口、水泵抽排', '水位恢复正常', null],
      ),
      result: '两小时内抽排完毕，车库内车辆均未受淹。',
    },
    text: {
      title: '地下车库积水处置：水位报警后的两小时',
      problem: '暴雨中地下车库入口水位传感器报警，积水漫过减速带，车库内停有百余辆车。',
      method:
        '1. 报警后物业启动防汛预案，在入口垒沙袋挡水，同时通过业主群通知车主挪车。\n' +
        '2. 街道调来两台移动泵协助抽排，网格员在入口疏导车辆。\n' +
        '3. 雨停后清淤，检查排水沟和集水井，更换损坏的水泵。',
      result: '两小时内积水抽排完毕，车库内车辆均未受淹。',
      lessons: '汛前要检查集水井和水泵；沙袋、移动泵要提前放在车库入口附近。',
      tags: ['积水', '防汛', '地下车库'],
    },
    publish: true,
  },
  {
    by: 'guihua.staff',
    source: 'dispute',
    text: {
      title: '邻里漏水纠纷：先止漏、再定责',
      problem:
        '楼上卫生间防水层老化漏水，导致楼下天花板发霉脱落。楼下要求赔偿并重新装修，楼上认为是管道老化、应由物业负责，双方多次争吵。',
      method:
        '1. 调解员先请物业上门做闭水试验，查明漏点在楼上卫生间防水层，而非公共管道。\n' +
        '2. 分别与双方谈话，先解决“止漏”这个共同需要，再谈赔偿。\n' +
        '3. 请装修公司对楼下损失估价，双方在调解室面对面协商。',
      result: '楼上重做卫生间防水并承担楼下天花板修复费用，双方签订调解协议，已履行完毕。',
      lessons: '漏水纠纷先查漏点、把事实说清楚，再谈责任；先止损后定责，情绪更容易平复。',
      tags: ['邻里纠纷', '漏水', '人民调解'],
      category: 'WY-02',
    },
    publish: true,
  },
  {
    by: 'guihua.staff',
    source: 'proposal',
    text: {
      title: '老年食堂送餐上门：居民提议到落地实施',
      problem: '社区老年食堂只能堂食，行动不便的高龄老人吃饭难，居民提议增加送餐上门服务。',
      method:
        '1. 提议获得足够居民附议后，社区召开议事会，邀请老人代表、食堂和志愿者共同商议。\n' +
        '2. 摸排需要送餐的老人名单，确定送餐范围、时间和收费标准。\n' +
        '3. 招募志愿者组成送餐队，按楼栋分片包干。',
      result: '送餐上门服务开通，首月为四十余位高龄、独居老人送餐。',
      lessons: '居民提议要有回应、有办法；议事会让“提意见的人”也成为“办事的人”。',
      tags: ['居民提议', '为老服务', '议事协商'],
    },
    publish: true,
  },
  {
    by: 'donghu.staff',
    area: 'JZ-QH-01',
    source: {
      grid: 'JZ-QH-01-03-G02',
      category: 'WY-01',
      address: '春晖苑5幢',
      description: '5幢电梯又坏了，楼里老人下不了楼，居民问能不能加装新电梯。',
      reporterName: '孙丽华',
      reportedDaysAgo: 15,
      steps: steps([15, 15, 14, 10, 9, 9], [null, null, '维保单位检修', '电梯修复，加装意见征询启动', null, null]),
      result: '电梯修复；加装电梯意见征询已启动。',
    },
    text: {
      title: '加装电梯议事协商：低层住户的顾虑怎么解',
      problem: '多层住宅老人上下楼困难，多数住户希望加装电梯，但一、二楼住户担心采光和噪音，迟迟达不成一致。',
      method:
        '1. 召开楼栋议事会，请设计单位展示方案和采光分析。\n' +
        '2. 高层住户自愿对低层住户给予补偿，由社区见证签订协议。\n' +
        '3. 有疑问可联系楼栋长孙丽华，电话13905718888。',
      result: '全楼住户签字同意，加装电梯已进入审批。',
      lessons: '把低层住户的顾虑摆上桌面、算清账，比反复动员更有效。',
      tags: ['加装电梯', '议事协商', '老旧小区'],
    },
    publish: false,
  },
]

/** The demo's finished source of a kind when it exists (the disputes need the registry's cipher). */
async function demoSource(tx: Tx, kind: 'dispute' | 'proposal'): Promise<number | null> {
  const guihua = await areaIdByCode(tx, 'JZ-QH-01-01')
  const { rows } =
    kind === 'dispute'
      ? await sql<{ id: number }>`select d.id from dispute d join area a on a.id = d.area_id
          where d.state in ('settled', 'closed') and d.category = 'neighbour'
            and a.path like (select path from area where id = ${guihua}) || '%' order by d.id limit 1`.execute(tx)
      : await sql<{ id: number }>`select id from proposal where status = 'implemented' and area_id = ${guihua}
          order by id limit 1`.execute(tx)
  return rows[0] ? Number(rows[0].id) : null
}

export async function seedModelsDemo(tx: Tx, now: Date): Promise<Record<string, number>> {
  let published = 0
  let drafts = 0
  // The demo seed runs as the owner; the people are read from the same transaction.
  const noPeople: SourcePeople = { names: [], numbers: [] }
  for (const plan of plans()) {
    const ctx = await demoActor(tx, plan.by)
    let kind: ModelCaseSource
    let sourceId: number | null
    if (typeof plan.source === 'string') {
      kind = plan.source
      sourceId = await demoSource(tx, plan.source as 'dispute' | 'proposal')
    } else {
      kind = 'case'
      // Dated more than a year back: the demo's case statistics and queues stay what they were.
      sourceId = await insertClosedCase(tx, new Date(now.getTime() - CLOSED_CASES_BACK_DAYS * DAY), plan.source)
    }
    if (sourceId === null) continue
    const people = typeof plan.source === 'string' ? await peopleInTx(tx, kind, sourceId) : noPeople
    const names = typeof plan.source === 'string' ? people : { names: [plan.source.reporterName ?? ''], numbers: [] }
    const areaId = plan.area ? await areaIdByCode(tx, plan.area) : undefined
    const at = new Date(now.getTime() - (plan.publish ? 10 : 2) * DAY)
    const draft = await createModelCase(
      tx,
      ctx,
      { sourceKind: kind, sourceId, ...(areaId ? { areaId } : {}) },
      names,
      at,
    )
    const { category, ...text } = plan.text
    const categoryId = category
      ? (await tx.selectFrom('case_category').select('id').where('code', '=', category).executeTakeFirstOrThrow()).id
      : undefined
    const edited = await updateModelCase(
      tx,
      ctx,
      draft.id,
      { version: draft.version, ...text, ...(categoryId ? { categoryId } : {}) },
      names,
      at,
    )
    if (plan.publish) {
      await publishModelCase(tx, ctx, draft.id, { version: edited.version }, names, at)
      published++
    } else drafts++
  }
  return { modelCasesPublished: published, modelCaseDrafts: drafts }
}

/** sourcePeople within the seed's transaction: the names only (the demo's texts hold no numbers of theirs). */
async function peopleInTx(tx: Tx, kind: ModelCaseSource, sourceId: number): Promise<SourcePeople> {
  if (kind === 'dispute') {
    const ps = await tx.selectFrom('dispute_party').select('name').where('dispute_id', '=', sourceId).execute()
    return { names: ps.map((p) => p.name), numbers: [] }
  }
  const { rows } = await sql<{ name: string }>`select u.display_name as name from proposal p
    join app_user u on u.id = p.author_id where p.id = ${sourceId}`.execute(tx)
  return { names: rows.map((r) => r.name), numbers: [] }
}
