import type { Tx } from '../core/db.js'
import { areaIdByCode, demoActor } from '../participation/common.js'
import { createPolicy, type NewPolicy, updatePolicy } from './policies.js'

// Demo policy explainers, written through the use cases: the city's regulations (接诉即办, waste
// sorting, property management, the residence permit) by the city's admin, the district's
// old-estate renovation by its leader, the street's old-age allowance by 东湖's staff — each with
// a plain explainer and Q&A, linked to the demo's 'policy' notices where they publish it and to
// the case categories they bear on — all published; and 桂花's e-bike charging rules as a draft.

const DAY = 86_400_000

type Plan = Omit<NewPolicy, 'areaId' | 'noticeIds' | 'categoryIds'> & {
  area: string
  by: string
  /** Titles of the demo's notices that publish it. */
  notices?: string[]
  /** Codes of the case categories it bears on (a parent code covers its children). */
  categories: string[]
  publishedDaysAgo: number | null
}

const plans: Plan[] = [
  {
    area: 'JZ',
    by: 'admin',
    title: '江州市接诉即办工作条例',
    documentNo: '江州市人大常委会公告〔2026〕第12号',
    issuedBy: '江州市人民代表大会常务委员会',
    issuedOn: '2026-09-25',
    effectiveOn: '2027-01-01',
    text:
      '第一条　为了规范接诉即办工作，及时回应群众诉求，提升基层治理水平，制定本条例。\n' +
      '第二条　本条例所称接诉即办，是指对自然人、法人或者其他组织通过热线、网站、移动端等渠道提出的诉求，' +
      '由承办单位及时受理、快速办理、主动回应的工作机制。\n' +
      '第三条　诉求应当在受理后24小时内响应；一般诉求在7个工作日内办结，复杂诉求可以延期一次，延期不超过7个工作日。\n' +
      '第四条　诉求办理情况由诉求人评价，评价结果分为满意、基本满意和不满意，纳入承办单位考核。\n' +
      '第五条　对不属于本单位职责的诉求，应当在2小时内提出退单并说明理由，不得推诿。\n' +
      '第六条　本条例自2027年1月1日起施行。',
    explainer:
      '群众打12345或者在手机上提的事，就是“诉”；我们接到后马上办，就是“即办”。\n' +
      '· 24小时内必须联系诉求人（响应）；一般的事7个工作日内办完。\n' +
      '· 不归我们管的，2小时内退回并写清楚为什么，不能一推了之。\n' +
      '· 办完以后诉求人会打分，不满意的会重新派回来，算进考核。',
    qa: [
      {
        question: '什么叫“响应”？打个电话算吗？',
        answer: '算。与诉求人取得联系、说明谁来办、大概什么时候办，就是响应。系统里要记录响应时间。',
      },
      {
        question: '事情复杂，7个工作日办不完怎么办？',
        answer: '在到期前申请延期一次，写明原因和新的完成时间，最多再延7个工作日。',
      },
      {
        question: '诉求人不满意，一定要重办吗？',
        answer: '不满意的案件会回访核实，确属没办好的要重新办理；诉求明显不合理的，如实说明情况后由街道审核。',
      },
      {
        question: '不属于我们社区的事可以直接退吗？',
        answer: '可以退单，但要在2小时内提出并说明应由哪个部门办理，方便重新派单。',
      },
    ],
    categories: [],
    publishedDaysAgo: 60,
  },
  {
    area: 'JZ',
    by: 'admin',
    title: '江州市生活垃圾分类管理条例',
    documentNo: '江州市人大常委会公告〔2025〕第8号',
    issuedBy: '江州市人民代表大会常务委员会',
    issuedOn: '2025-11-28',
    effectiveOn: '2026-05-01',
    text:
      '第一条　为了加强生活垃圾分类管理，改善人居环境，促进资源循环利用，制定本条例。\n' +
      '第二条　本市生活垃圾分为可回收物、有害垃圾、厨余垃圾和其他垃圾。\n' +
      '第三条　单位和个人应当按照分类标准，将生活垃圾分类投放至相应的收集容器。\n' +
      '第四条　物业服务企业是住宅小区生活垃圾分类投放的管理责任人，应当设置分类收集容器并开展指导。\n' +
      '第五条　个人未按规定分类投放的，由城市管理部门责令改正；拒不改正的，处五十元以上二百元以下罚款。\n' +
      '第六条　管理责任人未履行管理责任的，由城市管理部门责令改正，处一千元以上一万元以下罚款。',
    explainer:
      '垃圾分四类：可回收物（纸、塑料瓶、金属）、有害垃圾（电池、灯管、药品）、厨余垃圾（剩菜果皮）、其他垃圾。\n' +
      '· 小区里谁负责？物业是管理责任人，要摆好分类桶、安排人指导。\n' +
      '· 居民乱扔先劝导、责令改正，屡教不改才罚款，个人50到200元。\n' +
      '· 接到“垃圾分类不规范”的案件，先看是居民个人问题还是物业没履责。',
    qa: [
      {
        question: '居民不分类，网格员能罚款吗？',
        answer: '不能。罚款由城市管理部门依法作出，网格员负责劝导、拍照取证和上报。',
      },
      {
        question: '小区没有分类桶，找谁？',
        answer: '找物业。物业是管理责任人，没有设置分类容器的，可以按“垃圾分类不规范”上报，由城管部门督促整改。',
      },
      {
        question: '大件家具算什么垃圾？',
        answer: '大件垃圾不属于四类日常生活垃圾，要预约清运，不能直接放在分类桶旁。',
      },
      { question: '过期药品扔哪里？', answer: '属于有害垃圾，投放到红色有害垃圾收集箱，社区服务中心门口一般都有。' },
    ],
    notices: ['桂花社区生活垃圾分类实施细则'],
    categories: ['HW-06', 'HW-01', 'HW-02'],
    publishedDaysAgo: 40,
  },
  {
    area: 'JZ',
    by: 'admin',
    title: '江州市物业管理条例',
    documentNo: '江州市人大常委会公告〔2024〕第5号',
    issuedBy: '江州市人民代表大会常务委员会',
    issuedOn: '2024-06-30',
    effectiveOn: '2024-10-01',
    text:
      '第一条　为了规范物业管理活动，维护业主和物业服务人的合法权益，制定本条例。\n' +
      '第二条　街道办事处、乡镇人民政府负责组织、指导本辖区业主大会成立和业主委员会选举，协调物业管理与社区治理。\n' +
      '第三条　物业服务人应当按照合同约定提供服务，公开服务内容、标准和收费项目。\n' +
      '第四条　共用部位、共用设施设备的维修、更新、改造，可以依法使用专项维修资金。\n' +
      '第五条　禁止占用、堵塞楼道、消防通道等共用部位。物业服务人发现违法行为的，应当劝阻、制止，并及时报告有关部门。\n' +
      '第六条　居民委员会协助街道办事处做好物业管理相关工作，调解物业管理纠纷。',
    explainer:
      '物业管理出了问题，先分清是谁的责任：\n' +
      '· 合同里约定的服务没做到（保洁、保安、维修不及时），是物业服务人的责任。\n' +
      '· 楼道、消防通道被占，物业要先劝阻，劝不动报告有关部门。\n' +
      '· 电梯、水泵等共用设施大修，可以申请用维修资金，要业主表决。\n' +
      '· 业主和物业吵起来，社区居委会可以调解。',
    qa: [
      {
        question: '维修资金怎么申请？',
        answer: '由业主委员会或物业提出方案，经专有部分面积和人数都过半的业主同意后，向住建部门申请拨付。',
      },
      {
        question: '楼道堆物物业不管怎么办？',
        answer: '物业有劝阻、制止和报告的义务。不履行的，可以按“楼道堆物”上报，同时督促物业履责。',
      },
      { question: '没有业委会的小区，谁来协调？', answer: '街道指导成立业主大会；成立前由社区居委会组织业主协商。' },
    ],
    categories: ['WY', 'AQ-02'],
    publishedDaysAgo: 120,
  },
  {
    area: 'JZ-QH',
    by: 'leader',
    title: '清河区老旧小区综合整治实施方案',
    documentNo: '清政办发〔2026〕21号',
    issuedBy: '清河区人民政府办公室',
    issuedOn: '2026-03-15',
    effectiveOn: '2026-04-01',
    text:
      '一、整治范围：2000年底前建成、配套设施不全的住宅小区。\n' +
      '二、整治内容：基础类（水电气路、屋面防水、消防设施）、完善类（加装电梯、停车位、充电设施、适老化改造）、' +
      '提升类（社区服务设施、口袋公园）。\n' +
      '三、实施程序：居民提出需求，社区组织议事协商形成方案，街道汇总上报，区住建局审核立项。\n' +
      '四、加装电梯：同一单元专有部分面积和人数均三分之二以上业主参与表决、四分之三以上参与表决业主同意的，可以申请加装，' +
      '区财政每台补助20万元。\n' +
      '五、工程完工后由居民代表参与验收。',
    explainer:
      '2000年以前建的老小区可以申请改造。\n' +
      '· 水电气、屋面漏水、消防设施这些“基础类”优先做。\n' +
      '· 加装电梯：一个单元大多数人同意就能申请，区里每台补20万元。\n' +
      '· 怎么申请？居民提需求，社区开议事会商量方案，街道报区里。\n' +
      '· 完工验收有居民代表参加。',
    qa: [
      {
        question: '我们小区2003年建的，能改吗？',
        answer: '本轮方案针对2000年底前建成的小区；2003年的小区可以先把需求报给社区，纳入下一轮储备。',
      },
      {
        question: '加装电梯低层住户反对怎么办？',
        answer: '达到表决比例即可申请。社区要组织协商，对低层住户的采光、噪声等影响可以协商补偿。',
      },
      { question: '改造期间停水停电会提前通知吗？', answer: '会。施工单位须提前三天张贴告示，社区同步发布通知。' },
      {
        question: '改完的设施坏了找谁？',
        answer: '保修期内找施工单位；保修期后由物业或产权单位负责，可以按“小区公共设施损坏”上报。',
      },
    ],
    categories: ['WY-01', 'WY-03'],
    publishedDaysAgo: 90,
  },
  {
    area: 'JZ-QH-01',
    by: 'donghu.staff',
    title: '东湖街道高龄津贴和养老服务补贴发放办法',
    documentNo: '东街办〔2026〕15号',
    issuedBy: '东湖街道办事处',
    issuedOn: '2026-10-08',
    effectiveOn: '2026-11-01',
    text:
      '一、高龄津贴：本街道户籍80周岁及以上老人，80—89周岁每人每月100元，90—99周岁每人每月300元，' +
      '100周岁及以上每人每月600元，按月发放至本人社保卡。\n' +
      '二、养老服务补贴：经评估为失能、半失能的低保、低边家庭老人，按评估等级每月发放200—600元服务补贴，' +
      '用于购买居家养老服务。\n' +
      '三、申领：本人或家属持身份证、户口本、社保卡到户籍所在社区服务中心申请；行动不便的，社区工作者上门受理。\n' +
      '四、老人户籍迁出或者去世的，家属应当在30日内告知社区，停止发放。',
    explainer:
      '两样钱，别搞混：\n' +
      '· 高龄津贴：满80岁就有，不看收入，每月100到600元，打到社保卡。\n' +
      '· 养老服务补贴：低保、低边家庭里失能或半失能的老人才有，钱只能用来买上门养老服务。\n' +
      '· 怎么办：带身份证、户口本、社保卡到社区服务中心；走不动的打电话，社工上门。\n' +
      '· 老人去世或户口迁走，家属30天内要告诉社区。',
    qa: [
      { question: '满80岁当月就能领吗？', answer: '满80周岁的次月开始发放，申请后不用每年重新申请。' },
      {
        question: '户口不在本街道但住在这里，能领吗？',
        answer: '高龄津贴按户籍发放，需要到户籍所在地申领；可以帮老人联系户籍地社区。',
      },
      {
        question: '养老服务补贴能领现金吗？',
        answer: '不能，补贴以服务券形式用于购买助餐、助洁、助浴等居家养老服务。',
      },
      {
        question: '独居老人没人帮忙申请怎么办？',
        answer: '网格员发现后报社区，社区工作者上门代办，同时纳入独居老人关爱名单。',
      },
    ],
    notices: ['东湖街道高龄老人津贴申领政策解读'],
    categories: ['JZ-03'],
    publishedDaysAgo: 7,
  },
  {
    area: 'JZ',
    by: 'admin',
    title: '江州市居住证申领办法',
    documentNo: '江政规〔2025〕4号',
    issuedBy: '江州市人民政府',
    issuedOn: '2025-02-20',
    effectiveOn: '2025-04-01',
    text:
      '第一条　离开常住户口所在地，到本市居住半年以上，符合有合法稳定就业、合法稳定住所、连续就读条件之一的，可以申领居住证。\n' +
      '第二条　申领居住证，应当向居住地派出所或者受委托的社区服务中心提交居民身份证、住所证明和就业或就读证明。\n' +
      '第三条　居住证持有人享有义务教育、基本公共就业服务、基本公共卫生服务等公共服务。\n' +
      '第四条　居住证每年签注一次；未按规定签注的，居住证暂停使用。',
    explainer:
      '外地来的居民在这里住满半年，有工作、有固定住处或孩子在这里上学，就能办居住证。\n' +
      '· 去哪办：派出所，或者社区服务中心代收材料。\n' +
      '· 带什么：身份证、租房合同或房产证明、劳动合同或在学证明。\n' +
      '· 有什么用：孩子上学、就业服务、公共卫生服务。\n' +
      '· 每年要签注一次，不签注就暂停使用。',
    qa: [
      { question: '租房没有合同怎么办？', answer: '可以由房东出具租住证明并提供房产证明，社区核实后出具居住证明。' },
      { question: '办居住证要多久？', answer: '材料齐全的，派出所15个工作日内发证。' },
      { question: '居住证能办社保吗？', answer: '在本市就业的可以在就业地参加社保；具体可到社区的社保窗口咨询。' },
    ],
    categories: ['LD-02', 'LD-03'],
    publishedDaysAgo: 200,
  },
  {
    area: 'JZ-QH-01-01',
    by: 'guihua.staff',
    title: '桂花社区电动自行车停放充电管理规定（征求意见稿）',
    issuedBy: '桂花社区居民委员会',
    text:
      '一、电动自行车应当停放在集中停放点，禁止在楼道、安全出口、疏散通道停放或充电。\n' +
      '二、禁止私拉电线、从楼上“飞线”充电。\n' +
      '三、物业在各小区设置集中充电设施，收费标准公示。\n' +
      '四、网格员在巡查中发现违规停放充电的，当场劝导并拍照上报。',
    explainer: '电动车只能停在集中停放点，在充电桩充电；楼道里停、楼上拉线充电都不行。网格员看到先劝，再拍照上报。',
    qa: [
      {
        question: '小区还没有充电桩怎么办？',
        answer: '先报社区，由社区协调物业建设；建成前可以到附近的集中充电棚充电。',
      },
      { question: '劝不听怎么办？', answer: '拍照按“飞线充电”上报，由综合执法队依法处理。' },
      { question: '电池能拿回家充吗？', answer: '不建议。锂电池室内充电有起火风险，最好到集中充电点。' },
    ],
    categories: ['AQ-03'],
    publishedDaysAgo: null,
  },
]

export async function seedPoliciesDemo(tx: Tx, now: Date): Promise<Record<string, number>> {
  let count = 0
  for (const plan of plans) {
    const { area, by, notices, categories, publishedDaysAgo, ...fields } = plan
    const ctx = await demoActor(tx, by)
    const noticeIds = notices?.length
      ? (await tx.selectFrom('notice').select('id').where('title', 'in', notices).execute()).map((n) => Number(n.id))
      : []
    const categoryIds = categories.length
      ? (await tx.selectFrom('case_category').select('id').where('code', 'in', categories).execute()).map((c) => c.id)
      : []
    const when = new Date(now.getTime() - (publishedDaysAgo ?? 1) * DAY - DAY)
    const made = await createPolicy(
      tx,
      ctx,
      { ...fields, areaId: await areaIdByCode(tx, area), noticeIds, categoryIds },
      when,
    )
    if (publishedDaysAgo !== null)
      await updatePolicy(
        tx,
        ctx,
        made.id,
        { version: made.version, status: 'published' },
        new Date(now.getTime() - publishedDaysAgo * DAY),
      )
    count++
  }
  return { policies: count }
}
