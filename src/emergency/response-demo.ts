import { sql } from 'kysely'
import type { Tx } from '../core/db.js'
import { areaIdByCode, demoActor } from '../participation/common.js'
import { districtOf } from '../registry/records.js'
import { enrolResponder } from './responders.js'
import { allocate } from './resources.js'
import { checkIn } from './shelters.js'
import { createTask, taskAction } from './tasks.js'

// Demo inventory (before the incidents): resources and shelters of 桂花, of its street and of
// 翠竹. Demo response work (after them): in 桂花's active heatwave, guihua.resident enrolled as a
// volunteer for G01, tasks in every state, water and cooling supplies allocated, six people in the
// cooling centre; in the closed flood drill, tasks done and everything returned.

const MINUTE = 60_000
const HOUR = 60 * MINUTE

type Resource = [kind: string, name: string, unit: string, quantity: number, place: string]

const guihuaStock: Resource[] = [
  ['sandbags', '防汛沙袋', '袋', 500, '桂花社区防汛物资仓库'],
  ['pump', '移动排水泵', '台', 4, '桂花社区防汛物资仓库'],
  ['generator', '柴油发电机', '台', 2, '桂花社区党群服务中心'],
  ['boat', '冲锋舟', '艘', 1, '桂花社区防汛物资仓库'],
  ['water', '瓶装饮用水', '箱', 300, '桂花社区党群服务中心'],
  ['other', '防暑降温物资（藿香正气水、清凉油、毛巾）', '份', 200, '桂花社区党群服务中心'],
  ['medical_kit', '急救药箱', '套', 20, '桂花社区卫生服务站'],
  ['lighting', '应急照明灯', '盏', 30, '桂花社区防汛物资仓库'],
]
const streetStock: Resource[] = [
  ['sandbags', '防汛沙袋（街道储备）', '袋', 2000, '青湖街道应急物资储备库'],
  ['vehicle', '应急保障车', '辆', 2, '青湖街道办事处'],
  ['tent', '救灾帐篷', '顶', 20, '青湖街道应急物资储备库'],
]
const cuizhuStock: Resource[] = [
  ['sandbags', '防汛沙袋', '袋', 300, '翠竹社区物资室'],
  ['pump', '移动排水泵', '台', 2, '翠竹社区物资室'],
]

async function addStock(tx: Tx, code: string, list: Resource[], now: Date): Promise<number> {
  const area = await tx.selectFrom('area').select(['id', 'path']).where('code', '=', code).executeTakeFirst()
  if (!area) return 0
  for (const [kind, name, unit, quantity, place] of list)
    await tx
      .insertInto('emergency_resource')
      .values({
        area_id: area.id,
        district_id: districtOf(area.path, area.id),
        kind,
        name,
        unit,
        quantity,
        available: quantity,
        place,
        location: sql<string>`(select ST_PointOnSurface(boundary) from area where id = ${area.id})`,
        created_at: now,
        updated_at: now,
      })
      .execute()
  return list.length
}

async function addShelter(
  tx: Tx,
  code: string,
  s: { name: string; address: string; capacity: number; status: string; facilities: string[] },
  now: Date,
): Promise<number> {
  const area = await tx.selectFrom('area').select(['id', 'path']).where('code', '=', code).executeTakeFirst()
  if (!area) return 0
  await tx
    .insertInto('emergency_shelter')
    .values({
      area_id: area.id,
      district_id: districtOf(area.path, area.id),
      name: s.name,
      address: s.address,
      location: sql<string>`(select ST_PointOnSurface(boundary) from area where id = ${area.id})`,
      capacity: s.capacity,
      status: s.status,
      facilities: s.facilities,
      created_at: now,
      updated_at: now,
    })
    .execute()
  return 1
}

export async function seedResponseDemo(tx: Tx, now: Date): Promise<Record<string, number>> {
  const at = new Date(now.getTime() - 30 * 24 * HOUR)
  let resources = 0
  resources += await addStock(tx, 'JZ-QH-01-01', guihuaStock, at)
  resources += await addStock(tx, 'JZ-QH-01', streetStock, at)
  resources += await addStock(tx, 'JZ-QH-02-01', cuizhuStock, at)
  let shelters = 0
  shelters += await addShelter(
    tx,
    'JZ-QH-01-01',
    {
      name: '桂花社区党群服务中心避暑点',
      address: '桂花社区党群服务中心一楼大厅',
      capacity: 80,
      status: 'open',
      facilities: ['cooling', 'water', 'toilets', 'accessible', 'power'],
    },
    at,
  )
  shelters += await addShelter(
    tx,
    'JZ-QH-01-01',
    {
      name: '桂花小学体育馆',
      address: '桂花小学校内体育馆',
      capacity: 300,
      status: 'standby',
      facilities: ['water', 'toilets', 'beds', 'power', 'accessible'],
    },
    at,
  )
  shelters += await addShelter(
    tx,
    'JZ-QH-02-01',
    {
      name: '翠竹社区文化活动中心',
      address: '翠竹社区文化活动中心二楼',
      capacity: 120,
      status: 'standby',
      facilities: ['water', 'toilets', 'power', 'heating', 'cooling'],
    },
    at,
  )
  return { emergencyResources: resources, emergencyShelters: shelters }
}

const idOf = async (tx: Tx, username: string) =>
  (await tx.selectFrom('app_user').select('id').where('username', '=', username).executeTakeFirst())?.id ?? null

const resourceNamed = async (tx: Tx, areaId: number, name: string) =>
  (
    await tx
      .selectFrom('emergency_resource')
      .select('id')
      .where('area_id', '=', areaId)
      .where('name', '=', name)
      .executeTakeFirst()
  )?.id ?? null

/** Tasks, allocations and shelter check-ins of the demo incidents (runs after the incidents). */
export async function seedTasksDemo(tx: Tx, now: Date): Promise<Record<string, number>> {
  const guihua = await areaIdByCode(tx, 'JZ-QH-01-01')
  const heat = await tx
    .selectFrom('incident')
    .select(['id', 'declared_at'])
    .where('area_id', '=', guihua)
    .where('kind', '=', 'heatwave')
    .where('status', '=', 'active')
    .orderBy('declared_at', 'desc')
    .executeTakeFirst()
  const counts = { incidentResponders: 0, emergencyTasks: 0, emergencyAllocations: 0, shelterCheckins: 0 }
  const leader = await demoActor(tx, 'guihua.leader')
  if (heat) {
    const t0 = new Date(heat.declared_at).getTime()
    const at = (minutes: number) => new Date(Math.min(t0 + minutes * MINUTE, now.getTime()))
    const g01 = await areaIdByCode(tx, 'JZ-QH-01-01-G01')
    const resident = await idOf(tx, 'guihua.resident')
    const volunteer = resident
      ? await tx.selectFrom('volunteer').select('id').where('user_id', '=', resident).executeTakeFirst()
      : undefined
    if (volunteer) {
      await enrolResponder(tx, leader, heat.id, { volunteerId: volunteer.id, gridIds: [g01] }, at(20))
      counts.incidentResponders++
    }
    const grid = await idOf(tx, 'guihua.grid')
    const visits = await createTask(
      tx,
      leader,
      heat.id,
      {
        title: '逐户探访独居老人',
        description: '对网格内独居、高龄老人逐户上门或电话探访，提醒防暑降温，发现身体不适立即上报。',
        team: '社区网格队',
        priority: 'urgent',
        dueAt: at(6 * 60).toISOString(),
      },
      at(25),
    )
    await taskAction(tx, leader, heat.id, visits.id, { action: 'start' }, at(40))
    if (grid)
      await createTask(
        tx,
        leader,
        heat.id,
        {
          title: '检查3号楼水泵',
          description: '3号楼二次供水水泵高温下频繁跳闸，检查运行情况，必要时联系物业维修。',
          assigneeId: grid,
          gridId: g01,
          priority: 'normal',
          dueAt: at(5 * 60).toISOString(),
        },
        at(30),
      )
    let delivery: number | null = null
    if (volunteer && resident)
      delivery = (
        await createTask(
          tx,
          leader,
          heat.id,
          {
            title: '为独居老人送饮用水和防暑药品',
            description: '到党群服务中心领取饮用水和防暑降温物资，送到G01网格的独居老人家中。',
            assigneeId: resident,
            gridId: g01,
            priority: 'normal',
            dueAt: at(8 * 60).toISOString(),
          },
          at(45),
        )
      ).id
    const centre = await createTask(
      tx,
      leader,
      heat.id,
      {
        title: '开放党群服务中心避暑点',
        description: '开启空调，备好饮用水和座椅，张贴避暑点指引。',
        team: '社区工作人员',
        priority: 'urgent',
      },
      at(10),
    )
    await taskAction(
      tx,
      leader,
      heat.id,
      centre.id,
      { action: 'complete', result: '避暑点已开放，空调、饮用水、座椅到位，门口张贴了指引。' },
      at(35),
    )
    counts.emergencyTasks += grid ? 4 : 3
    if (!delivery) counts.emergencyTasks--
    for (const [name, quantity] of [
      ['瓶装饮用水', 40],
      ['防暑降温物资（藿香正气水、清凉油、毛巾）', 60],
    ] as const) {
      const resource = await resourceNamed(tx, guihua, name)
      if (!resource) continue
      await allocate(
        tx,
        leader,
        heat.id,
        { resourceId: resource, quantity, ...(delivery ? { taskId: delivery } : {}) },
        at(50),
      )
      counts.emergencyAllocations++
    }
    const shelter = await tx
      .selectFrom('emergency_shelter')
      .select('id')
      .where('area_id', '=', guihua)
      .where('name', '=', '桂花社区党群服务中心避暑点')
      .executeTakeFirst()
    if (shelter) {
      const { rows: elders } = await sql<{ id: number }>`
        select p.id from person p join area a on a.id = p.area_id join area c on c.id = ${guihua}
          and a.path like c.path || '%'
        where p.status = 'active'
        order by p.tags && array['elderly_alone', 'elderly']::text[] desc, p.birth_date nulls last, p.id limit 6`.execute(
        tx,
      )
      const staff = await demoActor(tx, 'guihua.staff')
      for (const [i, e] of elders.entries()) {
        await checkIn(
          tx,
          staff,
          heat.id,
          shelter.id,
          { personId: Number(e.id), people: 1, ...(i === 0 ? { note: '有高血压，需定时服药' } : {}) },
          at(60 + i * 12),
        )
        counts.shelterCheckins++
      }
    }
  }

  // The closed flood drill: its tasks done and what it took given back (written directly, as the
  // drill is closed and the use cases refuse a closed incident).
  const drill = await tx
    .selectFrom('incident')
    .select(['id', 'declared_at', 'closed_at', 'commander_id'])
    .where('area_id', '=', guihua)
    .where('kind', '=', 'flood')
    .where('drill', '=', true)
    .where('status', '=', 'closed')
    .orderBy('declared_at', 'desc')
    .executeTakeFirst()
  if (drill) {
    const t0 = new Date(drill.declared_at).getTime()
    const at = (minutes: number) => new Date(t0 + minutes * MINUTE)
    const by = drill.commander_id
    const name = (await tx.selectFrom('app_user').select('display_name').where('id', '=', by).executeTakeFirst())
      ?.display_name
    const log = (minutes: number, kind: string, message: string, data: Record<string, unknown>) =>
      tx
        .insertInto('incident_log')
        .values({
          incident_id: drill.id,
          at: at(minutes),
          actor_id: by,
          actor_name: name ?? null,
          kind,
          message,
          data: JSON.stringify(data),
        })
        .execute()
    const drillTasks: [title: string, team: string, result: string, done: number][] = [
      ['转移低洼地带住户（演练）', '社区网格队', '演练中组织12户居民沿指定路线转移至桂花小学体育馆，用时25分钟。', 40],
      ['在地下车库入口堆放沙袋（演练）', '物业抢险队', '在2个地下车库入口堆放沙袋挡水墙，高度40厘米。', 55],
    ]
    for (const [title, team, result, done] of drillTasks) {
      const task = await tx
        .insertInto('incident_task')
        .values({
          incident_id: drill.id,
          title,
          team,
          status: 'done',
          priority: 'urgent',
          result,
          created_by: by,
          created_at: at(5),
          updated_at: at(done),
          done_at: at(done),
          version: 3,
        })
        .returning('id')
        .executeTakeFirstOrThrow()
      await log(5, 'task_created', `任务「${title}」交给 ${team}`, { taskId: task.id, team })
      await log(done, 'task_complete', `任务「${title}」完成：${result}`, { taskId: task.id, to: 'done' })
      counts.emergencyTasks++
    }
    const sandbags = await resourceNamed(tx, guihua, '防汛沙袋')
    if (sandbags) {
      const a = await tx
        .insertInto('resource_allocation')
        .values({ resource_id: sandbags, incident_id: drill.id, quantity: 80, allocated_by: by, allocated_at: at(15) })
        .returning('id')
        .executeTakeFirstOrThrow()
      await tx
        .updateTable('resource_allocation')
        .set({ returned: 80, returned_at: at(90) })
        .where('id', '=', a.id)
        .execute()
      await log(15, 'resource_allocated', '调用防汛沙袋 80袋', {
        allocationId: a.id,
        resourceId: sandbags,
        quantity: 80,
      })
      await log(90, 'resource_returned', '归还防汛沙袋 80袋', {
        allocationId: a.id,
        resourceId: sandbags,
        quantity: 80,
      })
      counts.emergencyAllocations++
    }
  }
  return counts
}
