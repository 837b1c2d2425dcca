import type { Tx } from '../core/db.js'
import { between, mulberry32, pick, type Random } from '../core/random.js'
import type { RequestContext } from '../core/scope.js'
import { demoActor, areaIdByCode } from './common.js'
import { type AnswersInput, createLinks, respond, respondByLink } from './survey-answers.js'
import { createSurvey, type SurveyInput, surveyAction } from './surveys.js'

// Surveys waiting in the demo city, made through the use cases (every row, count and audit entry is
// what the product writes). In 桂花: an open survey on adding lifts to the old blocks with 20 answers
// collected on paper slips through one-time links (guihua.resident has not answered yet: work
// waiting), a closed canteen survey with its results (guihua.resident answered it), and a draft
// for the staff to finish. On the street 东湖 an open survey every Guihua resident sees, for
// verified residents only; in 翠竹 an open one of its own.

const DAY = 86_400_000
const HOUR = 3_600_000

const lifts: Omit<SurveyInput, 'areaId'> = {
  title: '老旧小区加装电梯意愿调查',
  description:
    '桂花苑1—8栋建于1996年，均无电梯。为了解各楼栋居民对加装电梯的意愿和费用分摊的看法，社区开展本次调查，结果将提交楼栋议事会讨论。每户填写一份。',
  verifiedOnly: false,
  questions: [
    { kind: 'single', prompt: '您家住在几楼？', options: ['一至二楼', '三至四楼', '五楼及以上'], required: true },
    { kind: 'single', prompt: '您是否支持本楼栋加装电梯？', options: ['支持', '不支持', '无所谓'], required: true },
    {
      kind: 'multiple',
      prompt: '您不支持的主要原因是什么？（可多选）',
      options: ['费用分摊', '低层采光和噪音', '占用公共通道', '施工影响生活', '其他'],
      required: true,
      showIf: { position: 2, option: 1 },
    },
    {
      kind: 'scale',
      prompt: '按楼层分摊费用，您能接受的程度（1 完全不能接受，5 完全可以接受）',
      scaleMin: 1,
      scaleMax: 5,
      required: true,
    },
    { kind: 'text', prompt: '其他意见和建议', required: false },
  ],
}

const canteen: Omit<SurveyInput, 'areaId'> = {
  title: '社区长者食堂满意度调查',
  description: '长者食堂开办满半年，请就餐的居民谈谈饭菜、价格和服务，帮助我们改进。',
  verifiedOnly: false,
  questions: [
    {
      kind: 'single',
      prompt: '您多久在长者食堂就餐一次？',
      options: ['几乎每天', '每周两三次', '偶尔', '没有去过'],
      required: true,
    },
    {
      kind: 'scale',
      prompt: '您对饭菜口味的满意度（1 很不满意，5 很满意）',
      scaleMin: 1,
      scaleMax: 5,
      required: true,
    },
    {
      kind: 'multiple',
      prompt: '您希望食堂增加哪些服务？（可多选）',
      options: ['送餐上门', '低糖低盐菜品', '延长供餐时间', '节日加菜'],
      required: false,
    },
    { kind: 'text', prompt: '您的建议', required: false },
  ],
}

const culture: Omit<SurveyInput, 'areaId'> = {
  title: '2027年社区文化活动需求调查',
  description: '明年的文化活动怎么安排？请告诉我们您想参加的活动和方便的时间。',
  verifiedOnly: false,
  questions: [
    {
      kind: 'multiple',
      prompt: '您想参加哪些活动？',
      options: ['广场舞', '书法绘画', '智能手机课堂', '亲子阅读', '戏曲'],
      required: true,
    },
    { kind: 'single', prompt: '您方便的时间', options: ['工作日白天', '工作日晚上', '周末'], required: true },
  ],
}

const serviceHours: Omit<SurveyInput, 'areaId'> = {
  title: '街道便民服务中心周末开放意见征集',
  description: '街道拟于明年起在周六上午开放便民服务中心，相应调整周三下午的时间。请已认证的居民发表意见。',
  verifiedOnly: true,
  questions: [
    { kind: 'single', prompt: '您是否赞成周六上午开放？', options: ['赞成', '不赞成', '无所谓'], required: true },
    {
      kind: 'multiple',
      prompt: '您常办理哪些业务？',
      options: ['社保医保', '居住证', '老年优待', '计生服务', '其他'],
      required: false,
    },
  ],
}

const sorting: Omit<SurveyInput, 'areaId'> = {
  title: '垃圾分类投放点设置调查',
  description: '翠竹社区拟调整垃圾分类投放点，请选择您认为合适的位置。',
  verifiedOnly: false,
  questions: [
    { kind: 'single', prompt: '您住在哪个片区？', options: ['东区', '西区', '北区'], required: true },
    { kind: 'scale', prompt: '您对现有投放点位置的满意度', scaleMin: 1, scaleMax: 5, required: true },
    { kind: 'text', prompt: '建议的新位置', required: false },
  ],
}

const liftRemarks = [
  '希望尽快启动，家里老人上下楼太难了。',
  '一楼住户的采光补偿要说清楚。',
  '建议请专业公司先出方案和报价。',
  '费用能否申请政府补贴？',
  '施工期间要保证消防通道畅通。',
]
const canteenRemarks = [
  '菜品可以再清淡一些。',
  '希望周末也供应早餐。',
  '工作人员很热情，谢谢！',
  '价格合理，希望保持。',
]

/** One paper slip of the lift survey: upper floors want the lift, the ground floors worry about light and cost. */
function liftAnswers(rng: Random): AnswersInput['answers'] {
  const floor = rng() < 0.25 ? 0 : rng() < 0.5 ? 1 : 2
  const support = floor === 0 ? pick(rng, [0, 1, 1, 2]) : floor === 1 ? pick(rng, [0, 0, 0, 2]) : 0
  const answers: AnswersInput['answers'] = {
    '1': { choices: [floor] },
    '2': { choices: [support] },
    '4': { scale: support === 0 ? between(rng, 3, 5) : between(rng, 1, 3) },
  }
  if (support === 1) answers['3'] = { choices: rng() < 0.5 ? [0, 1] : [1] }
  if (rng() < 0.35) answers['5'] = { text: pick(rng, liftRemarks) }
  return answers
}

function canteenAnswers(rng: Random): AnswersInput['answers'] {
  const answers: AnswersInput['answers'] = {
    '1': { choices: [pick(rng, [0, 0, 1, 1, 1, 2])] },
    '2': { scale: pick(rng, [3, 4, 4, 4, 5, 5]) },
  }
  if (rng() < 0.7) answers['3'] = { choices: rng() < 0.5 ? [1, 2] : [0, 1] }
  if (rng() < 0.3) answers['4'] = { text: pick(rng, canteenRemarks) }
  return answers
}

export async function seedDemoSurveys(tx: Tx, now: Date): Promise<{ surveys: number; responses: number }> {
  const rng = mulberry32(14)
  const at = (ms: number) => new Date(now.getTime() + ms)
  const guihua = await areaIdByCode(tx, 'JZ-QH-01-01')
  const cuizhu = await areaIdByCode(tx, 'JZ-QH-02-01')
  const donghu = await areaIdByCode(tx, 'JZ-QH-01')
  const staff = await demoActor(tx, 'guihua.staff')
  let responses = 0

  /** Answers slips through one-time links, spread from `from` on, an hour or more apart. */
  const slips = async (
    ctx: RequestContext,
    id: number,
    n: number,
    from: number,
    answers: () => AnswersInput['answers'],
  ) => {
    const { tokens } = await createLinks(tx, ctx, id, { count: n + 5 }, at(from))
    for (const [i, token] of tokens.slice(0, n).entries()) {
      await respondByLink(tx, token, { answers: answers() }, at(from + (i + 1) * 5 * HOUR))
      responses++
    }
  }

  // 桂花: the lift survey, open for five days, 20 slips back, closing in nine days.
  const lift = await createSurvey(
    tx,
    staff,
    { ...lifts, areaId: guihua, closesAt: at(9 * DAY).toISOString() },
    at(-6 * DAY),
  )
  await surveyAction(tx, staff, lift, { action: 'open' }, at(-5 * DAY))
  await slips(staff, lift, 20, -5 * DAY, () => liftAnswers(rng))

  // 桂花: the canteen survey, closed ten days ago with 24 answers, guihua.resident's among them.
  const meal = await createSurvey(tx, staff, { ...canteen, areaId: guihua }, at(-45 * DAY))
  await surveyAction(tx, staff, meal, { action: 'open' }, at(-40 * DAY))
  await respond(tx, await demoActor(tx, 'guihua.resident'), meal, { answers: canteenAnswers(rng) }, at(-39 * DAY))
  responses++
  await slips(staff, meal, 23, -38 * DAY, () => canteenAnswers(rng))
  await surveyAction(tx, staff, meal, { action: 'close' }, at(-10 * DAY))

  // 桂花: a draft for the staff to finish.
  await createSurvey(tx, staff, { ...culture, areaId: guihua }, at(-1 * DAY))

  // 东湖 street: verified residents only, open for two weeks.
  const city = await demoActor(tx, 'admin')
  const hours = await createSurvey(
    tx,
    city,
    { ...serviceHours, areaId: donghu, closesAt: at(12 * DAY).toISOString() },
    at(-3 * DAY),
  )
  await surveyAction(tx, city, hours, { action: 'open' }, at(-2 * DAY))

  // 翠竹: its own open survey with a few slips.
  const cuizhuStaff = await demoActor(tx, 'cuizhu.staff')
  const bins = await createSurvey(tx, cuizhuStaff, { ...sorting, areaId: cuizhu }, at(-4 * DAY))
  await surveyAction(tx, cuizhuStaff, bins, { action: 'open' }, at(-4 * DAY))
  await slips(cuizhuStaff, bins, 6, -4 * DAY, () => ({
    '1': { choices: [between(rng, 0, 2)] },
    '2': { scale: between(rng, 2, 4) },
  }))

  return { surveys: 5, responses }
}
