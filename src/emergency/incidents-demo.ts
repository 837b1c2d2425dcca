import type { Tx } from '../core/db.js'
import type { RequestContext } from '../core/scope.js'
import { areaIdByCode, demoActor } from '../participation/common.js'
import { logIncident } from './common.js'
import { addNote, changeLevel, closeIncident, declareIncident } from './incidents.js'

// Demo incidents, through the use cases (the check lists are real): an active heatwave in 桂花
// run by its leader, last month's flood drill in 桂花 closed with its summary and a timeline that
// makes a readable report, and an active rainstorm in 翠竹. Later parts find them by area, kind
// and status.

const MIN = 60_000
const HOUR = 60 * MIN
const DAY = 24 * HOUR

const grids = (tx: Tx, community: string, codes: string[]) =>
  Promise.all(codes.map((g) => areaIdByCode(tx, `${community}-${g}`)))

export async function seedIncidentsDemo(tx: Tx, now: Date): Promise<Record<string, number>> {
  const guihua = await areaIdByCode(tx, 'JZ-QH-01-01')
  const cuizhu = await areaIdByCode(tx, 'JZ-QH-02-01')
  const ghLeader = await demoActor(tx, 'guihua.leader')
  const ghStaff = await demoActor(tx, 'guihua.staff')
  const ghGrid = await demoActor(tx, 'guihua.grid')
  const czStaff = await demoActor(tx, 'cuizhu.staff')
  const czLeader = await demoActor(tx, 'cuizhu.leader')
  const at = (ms: number) => new Date(now.getTime() + ms)

  // (a) The heatwave: declared three hours ago by the leader, who commands it.
  const heat = await declareIncident(
    tx,
    ghLeader,
    {
      areaId: guihua,
      kind: 'heatwave',
      level: 3,
      title: '高温橙色预警：桂花社区高温应急响应',
      description:
        '市气象台发布高温橙色预警，未来三天最高气温38℃以上。启动社区Ⅲ级响应：逐户联系独居老人、残疾人和留守儿童，开放纳凉点，巡查电力设施。',
      gridIds: await grids(tx, 'JZ-QH-01-01', ['G01', 'G02', 'G03']),
      source: { kind: 'early_warning', ref: '气象台高温橙色预警 第12号' },
    },
    at(-3 * HOUR),
  )
  await note(tx, ghStaff, heat.id, '社区活动中心已开放为纳凉点，备有饮用水和防暑药品。', at(-170 * MIN))
  await note(tx, ghGrid, heat.id, '第一网格已开始逐户敲门，优先联系独居老人。', at(-150 * MIN))

  // (b) Last month's flood drill: declared, raised, worked through and closed with a summary.
  const drillStart = at(-30 * DAY - 5 * HOUR)
  const drillGrids = await grids(tx, 'JZ-QH-01-01', ['G04', 'G05', 'G06'])
  const drill = await declareIncident(
    tx,
    ghLeader,
    {
      areaId: guihua,
      kind: 'flood',
      level: 4,
      title: '防汛应急演练：桂花社区低洼片区转移',
      description: '模拟连续强降雨导致低洼片区积水，演练预警发布、重点人员核查、转移安置和物资调拨。',
      gridIds: drillGrids,
      drill: true,
      checkTags: ['elderly_alone', 'disabled', 'left_behind_child', 'low_income'],
      escalateAfterMinutes: 30,
    },
    drillStart,
  )
  await note(
    tx,
    ghStaff,
    drill.id,
    '演练开始，各网格员到岗，抢险队在社区服务中心集结。',
    at(-30 * DAY - 5 * HOUR + 5 * MIN),
  )
  await changeLevel(
    tx,
    ghLeader,
    drill.id,
    { level: 3, reason: '模拟雨量超过50毫米，地下车库进水' },
    at(-30 * DAY - 4 * HOUR - 20 * MIN),
  )
  // The drill's check list, worked through (what the checks part's phones would have recorded).
  const checks = await tx
    .selectFrom('incident_check')
    .select(['id'])
    .where('incident_id', '=', drill.id)
    .orderBy('id')
    .execute()
  const grid = await demoActor(tx, 'guihua.grid')
  for (const [i, c] of checks.entries()) {
    const minutes = [12, 25, 38, 55, 70, 95][i % 6]!
    const when = new Date(drillStart.getTime() + minutes * MIN)
    const unreachable = i === checks.length - 1 && checks.length > 2
    await tx
      .updateTable('incident_check')
      .set({
        status: unreachable ? 'unreachable' : 'safe',
        reached_at: unreachable ? null : when,
        observed_at: when,
        checked_by: grid.actor!.userId,
        escalated_at: unreachable ? new Date(when.getTime() + 30 * MIN) : null,
        note: unreachable ? '家中无人，电话未接通（演练设定）' : '已当面确认平安',
        updated_at: when,
        version: 2,
      })
      .where('id', '=', c.id)
      .execute()
    await logIncident(tx, grid.actor!, drill.id, {
      kind: 'check',
      message: unreachable ? '重点人员无法联系，已升级至指挥长' : '重点人员已确认平安',
      data: { checkId: Number(c.id), status: unreachable ? 'unreachable' : 'safe' },
      at: when,
    })
  }
  await note(
    tx,
    ghStaff,
    drill.id,
    '第五网格低洼住户12人转移至社区服务中心（演练），沙袋200袋封堵车库入口。',
    at(-30 * DAY - 3 * HOUR),
  )
  await changeLevel(
    tx,
    ghLeader,
    drill.id,
    { level: 4, reason: '模拟降雨减弱，积水开始消退' },
    at(-30 * DAY - 2 * HOUR),
  )
  await closeIncident(
    tx,
    ghLeader,
    drill.id,
    '演练按预案完成：预警在5分钟内发出，重点人员核查名单在1小时35分钟内全部处理，其中1人设定为无法联系并按时升级；低洼片区12人完成转移。发现问题：地下车库挡水板取用路线不熟，需补充标识；独居老人联系电话有2个号码已变更，需更新登记。',
    at(-30 * DAY - 1 * HOUR),
  )

  // (c) A rainstorm in 翠竹, an hour old.
  const rain = await declareIncident(
    tx,
    czStaff,
    {
      areaId: cuizhu,
      kind: 'rainstorm',
      level: 4,
      title: '暴雨蓝色预警：翠竹社区防汛响应',
      description: '预计未来6小时累计雨量30毫米以上，巡查低洼路段和地下空间，提醒居民减少外出。',
      gridIds: await grids(tx, 'JZ-QH-02-01', ['G01', 'G02']),
      commanderId: czLeader.actor!.userId,
      source: { kind: 'early_warning', ref: '气象台暴雨蓝色预警 第7号' },
    },
    at(-1 * HOUR),
  )
  await note(tx, czStaff, rain.id, '已通知物业检查地下车库排水泵。', at(-40 * MIN))

  return { incidents: 3, incidentChecks: checks.length }
}

async function note(tx: Tx, ctx: RequestContext, incidentId: number, message: string, at: Date) {
  await addNote(tx, ctx, incidentId, message, at)
}
