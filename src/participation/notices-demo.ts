import type { Tx } from '../core/db.js'
import { cjkPdf } from '../core/pdf.js'
import type { RequestContext } from '../core/scope.js'
import { demoActor, areaIdByCode } from './common.js'
import { addAttachment, createNotice, markRead, type NewNotice, withdrawNotice } from './notices.js'

// Notices and policies waiting in the demo city, made through the use cases (so every row and audit
// entry is what the product writes): in 桂花 a pinned notice, a policy with its explainer and the
// full text as a PDF, a notice scheduled for the day after tomorrow, one that expired in October,
// a draft and a withdrawn one; on the street 东湖 a policy every Guihua resident sees; one in 翠竹.
// guihua.resident has read the street's policy and nothing of 桂花 yet.

const DAY = 86_400_000
const HOUR = 3_600_000

/** The full text of the sorting rules as a small PDF in Chinese (Noto Sans SC, as the agreements use). */
function rulesPdf(): Promise<Buffer> {
  const { doc, done } = cjkPdf({ Title: '桂花社区生活垃圾分类实施细则' })
  doc.fontSize(18).text('桂花社区生活垃圾分类实施细则', { align: 'center' }).moveDown()
  doc.fontSize(11)
  for (const line of [
    '第一条　为推进生活垃圾减量化、资源化、无害化，依据《江州市生活垃圾分类管理办法》，制定本细则。',
    '第二条　生活垃圾分为可回收物、有害垃圾、厨余垃圾和其他垃圾四类。',
    '第三条　厨余垃圾定时投放：每日7:00—9:00、18:00—20:00，投放点为各楼栋北侧分类亭。',
    '第四条　大件垃圾和装修垃圾须提前一日向物业预约，在指定地点堆放，不得混入生活垃圾。',
    '第五条　有害垃圾（废电池、废灯管、过期药品等）投放至社区服务中心门口的红色收集箱。',
    '第六条　志愿者每日在投放时段值守指导；对多次不按规定投放的，由社区进行劝导。',
    '第七条　本细则自2027年1月1日起施行。',
  ])
    doc.text(line).moveDown(0.4)
  doc.end()
  return done
}

export async function seedDemoNotices(tx: Tx, now: Date): Promise<{ notices: number }> {
  const guihua = await areaIdByCode(tx, 'JZ-QH-01-01')
  const cuizhu = await areaIdByCode(tx, 'JZ-QH-02-01')
  const donghu = await areaIdByCode(tx, 'JZ-QH-01')
  const staff = await demoActor(tx, 'guihua.staff')
  const at = (ms: number) => new Date(now.getTime() + ms)
  let count = 0
  const publish = async (
    ctx: RequestContext,
    input: Omit<NewNotice, 'pinned' | 'status'> & Partial<NewNotice>,
    when: Date,
  ) => {
    count++
    return createNotice(tx, ctx, { pinned: false, status: 'published', ...input }, when)
  }

  const water = await publish(
    staff,
    {
      areaId: guihua,
      kind: 'notice',
      title: '关于桂花苑二次供水水箱清洗停水的通知',
      body:
        '各位居民：\n为保障饮用水卫生，桂花苑1—8栋二次供水水箱将于本周四9:00—17:00进行清洗消毒，期间暂停供水。' +
        '请大家提前储水，关好家中水龙头。清洗完成后最初放出的水请先放掉一分钟再使用。\n' +
        '如有疑问请联系社区居委会（电话 0571-8800 1234）或物业服务中心。',
      pinned: true,
      expiresAt: at(10 * DAY).toISOString(),
    },
    at(-2 * DAY),
  )
  const rules = await publish(
    staff,
    {
      areaId: guihua,
      kind: 'policy',
      title: '桂花社区生活垃圾分类实施细则',
      body:
        '依据《江州市生活垃圾分类管理办法》，结合本社区实际，社区居民委员会制定了生活垃圾分类实施细则，' +
        '经居民议事会讨论通过，自2027年1月1日起施行。全文见附件。',
      explainer:
        '一句话：厨余垃圾每天早7点到9点、晚6点到8点，扔到楼栋北侧的分类亭。\n' +
        '· 什么是厨余垃圾？剩菜剩饭、果皮菜叶、过期食品——沥干水分再投放。\n' +
        '· 旧电池、灯管、过期药放哪？社区服务中心门口的红色箱子。\n' +
        '· 装修垃圾和旧家具？提前一天告诉物业，放到指定地点。\n' +
        '· 有人值守吗？投放时段有志愿者在分类亭帮忙，不会分的可以当场问。',
    },
    at(-5 * DAY),
  )
  await addAttachment(tx, staff, rules.id, '桂花社区生活垃圾分类实施细则.pdf', await rulesPdf(), at(-5 * DAY))
  await publish(
    staff,
    {
      areaId: guihua,
      kind: 'notice',
      title: '冬季消防安全培训暨灭火器使用演练',
      body:
        '社区将于本周六上午9:30在社区广场举办冬季消防安全培训，消防站教员现场讲解电动自行车充电安全和灭火器使用，' +
        '欢迎居民参加，老人和孩子请由家人陪同。',
      publishAt: at(2 * DAY).toISOString(),
    },
    now,
  )
  const holiday = await publish(
    staff,
    {
      areaId: guihua,
      kind: 'notice',
      title: '国庆期间社区服务中心开放时间调整',
      body: '国庆假期社区服务中心每日9:00—12:00开放，急事请拨打值班电话。',
    },
    at(-70 * DAY),
  )
  // It expired in October: out of the residents' lists, kept for staff.
  await tx
    .updateTable('notice')
    .set({ expires_at: at(-62 * DAY) })
    .where('id', '=', holiday.id)
    .execute()
  await publish(
    staff,
    {
      areaId: guihua,
      kind: 'notice',
      title: '2027年度居民议事会换届选举公告（草稿）',
      body: '根据《居民议事会章程》，本届议事会任期将满，现启动换届选举。候选人推荐办法和选举日程另行公布。',
      status: 'draft',
    },
    at(-1 * DAY),
  )
  const power = await publish(
    staff,
    {
      areaId: guihua,
      kind: 'notice',
      title: '关于桂花苑临时停电的通知',
      body: '因线路检修，桂花苑3栋将于周二14:00—16:00停电。',
    },
    at(-4 * DAY),
  )
  await withdrawNotice(tx, staff, power.id, '供电公司调整了检修时间，另行通知', at(-3 * DAY - 6 * HOUR))

  const streetPolicy = await publish(
    await demoActor(tx, 'donghu.staff'),
    {
      areaId: donghu,
      kind: 'policy',
      title: '东湖街道高龄老人津贴申领政策解读',
      body:
        '根据市民政局有关规定，本街道户籍80周岁及以上老人可申领高龄津贴：80—89周岁每人每月100元，' +
        '90—99周岁每人每月300元，100周岁及以上每人每月600元。津贴按月发放至本人社保卡。',
      explainer:
        '家里有满80岁的老人吗？带上老人的身份证、户口本和社保卡，到所在社区服务中心登记即可，' +
        '行动不便的可以打电话请社工上门办理。满生日的次月开始发放，不用每年重新申请。',
    },
    at(-8 * DAY),
  )
  await publish(
    await demoActor(tx, 'cuizhu.staff'),
    {
      areaId: cuizhu,
      kind: 'notice',
      title: '翠竹社区电动自行车集中充电棚启用通知',
      body: '翠竹小区东门集中充电棚已建成启用，扫码充电，每小时0.5元。严禁电动自行车进楼入户、飞线充电。',
      pinned: true,
    },
    at(-3 * DAY),
  )

  // Who has read what: the resident has read the street's policy; the grid worker the water notice.
  await markRead(tx, await demoActor(tx, 'guihua.resident'), streetPolicy.id, at(-7 * DAY))
  await markRead(tx, await demoActor(tx, 'guihua.grid'), water.id, at(-2 * DAY + 3 * HOUR))
  return { notices: count }
}
