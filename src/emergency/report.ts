import { sql } from 'kysely'
import { DateTime } from 'luxon'
import type { Tx } from '../core/db.js'
import { cjkPdf, zhDate } from '../core/pdf.js'
import { requireActor, type RequestContext } from '../core/scope.js'
import { loadIncident, maskName } from './common.js'

// The after-action report (总结评估报告): what happened, in order, and how well the response
// reached people — alerts per alert, the check list per grid, the time to reach each vulnerable
// person, tasks, resources and shelters. Facts are read as the caller (row-level security), the
// PDF is drawn outside the transaction.

const kindZh: Record<string, string> = {
  flood: '洪涝',
  typhoon: '台风',
  rainstorm: '暴雨',
  fire: '火灾',
  epidemic: '疫情',
  heatwave: '高温',
  cold_wave: '寒潮',
  gas_leak: '燃气泄漏',
  building_hazard: '房屋险情',
  large_gathering: '大型活动人员聚集',
  earthquake: '地震',
  power_outage: '停电',
  other: '其他',
}
const levelZh = (l: number) => `${['Ⅰ', 'Ⅱ', 'Ⅲ', 'Ⅳ'][l - 1] ?? l}级`
const zhTime = (d: Date | null) => {
  if (!d) return '—'
  const t = DateTime.fromJSDate(d).setZone('Asia/Shanghai')
  return `${zhDate(d)} ${t.toFormat('HH:mm')}`
}
/** 张三 → 张*, 欧阳娜娜 → 欧***: the family name and a star per other character. */
export { maskName }

/** The q-quantile (nearest rank) of sorted numbers. */
const quantile = (sorted: number[], q: number) =>
  sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]! : null

export interface ReportFacts {
  reference: string
  title: string
  kind: string
  level: number
  drill: boolean
  status: string
  areaName: string
  description: string
  summary: string | null
  declaredAt: Date
  declaredBy: string
  closedAt: Date | null
  closedBy: string | null
  commander: string
  levels: { at: Date; from: number | null; to: number; reason: string | null; by: string | null }[]
  log: { at: Date; actor: string | null; message: string }[]
  alerts: {
    id: number
    template: string
    createdAt: Date
    recipients: number
    sent: number
    failed: number
    unreachable: number
    acknowledged: number
  }[]
  grids: {
    name: string
    onList: number
    safe: number
    needsHelp: number
    unreachable: number
    pending: number
    escalated: number
  }[]
  reach: { name: string; grid: string; minutes: number }[]
  tasks: { title: string; status: string; who: string | null }[]
  resources: { name: string; unit: string; allocated: number; returned: number }[]
  shelters: { name: string; checkins: number; people: number; stillIn: number }[]
  generatedBy: string
}

export async function reportFacts(tx: Tx, ctx: RequestContext, incidentId: number): Promise<ReportFacts> {
  const actor = requireActor(ctx)
  await loadIncident(tx, incidentId)
  const { rows } = await sql<{
    reference: string
    title: string
    kind: string
    level: number
    drill: boolean
    status: string
    area_name: string
    description: string
    summary: string | null
    declared_at: Date
    closed_at: Date | null
    declared_by: string | null
    closed_by: string | null
    commander: string | null
  }>`
    select i.reference, i.title, i.kind, i.level, i.drill, i.status, a.name_zh as area_name, i.description,
      i.summary, i.declared_at, i.closed_at,
      (select n.display_name from app_display_names(array[i.declared_by]) n) as declared_by,
      (select n.display_name from app_display_names(array[i.closed_by]) n) as closed_by,
      (select n.display_name from app_display_names(array[i.commander_id]) n) as commander
    from incident i join area a on a.id = i.area_id where i.id = ${incidentId}`.execute(tx)
  const i = rows[0]!
  const log = await tx
    .selectFrom('incident_log')
    .select(['at', 'actor_name', 'kind', 'message', 'data'])
    .where('incident_id', '=', incidentId)
    .orderBy('id')
    .limit(2000)
    .execute()
  const levels = log
    .filter((l) => l.kind === 'declared' || l.kind === 'level_changed')
    .map((l) => {
      const d = (l.data ?? {}) as { level?: number; from?: number; reason?: string }
      return {
        at: l.at,
        from: l.kind === 'declared' ? null : (d.from ?? null),
        to: Number(d.level ?? i.level),
        reason: d.reason ?? null,
        by: l.actor_name,
      }
    })
  const { rows: alerts } = await sql<{
    id: number
    template: string
    created_at: Date
    recipients: number
    sent: number
    failed: number
    unreachable: number
    acknowledged: number
  }>`
    select al.id, al.template, al.created_at, al.recipients,
      count(r.id) filter (where r.status = 'sent')::int as sent,
      count(r.id) filter (where r.status = 'failed')::int as failed,
      count(r.id) filter (where r.status = 'unreachable')::int as unreachable,
      count(r.id) filter (where r.acknowledged_at is not null)::int as acknowledged
    from incident_alert al left join incident_alert_recipient r on r.alert_id = al.id
    where al.incident_id = ${incidentId}
    group by al.id order by al.id`.execute(tx)
  const { rows: grids } = await sql<{
    name: string
    on_list: number
    safe: number
    needs_help: number
    unreachable: number
    pending: number
    escalated: number
  }>`
    select a.name_zh as name, count(c.id)::int as on_list,
      count(c.id) filter (where c.status = 'safe')::int as safe,
      count(c.id) filter (where c.status = 'needs_help')::int as needs_help,
      count(c.id) filter (where c.status = 'unreachable')::int as unreachable,
      count(c.id) filter (where c.status = 'pending')::int as pending,
      count(c.id) filter (where c.escalated_at is not null)::int as escalated
    from incident_grid g join area a on a.id = g.area_id
    left join incident_check c on c.incident_id = g.incident_id and c.area_id = g.area_id
    where g.incident_id = ${incidentId}
    group by a.id, a.name_zh, a.code order by a.code`.execute(tx)
  const { rows: reach } = await sql<{ name: string; grid: string; minutes: number }>`
    select p.name, a.name_zh as grid,
      (extract(epoch from (c.reached_at - i.declared_at)) / 60)::float8 as minutes
    from incident_check c join incident i on i.id = c.incident_id
    join person p on p.id = c.person_id join area a on a.id = c.area_id
    where c.incident_id = ${incidentId} and c.reached_at is not null
    order by c.reached_at, c.id`.execute(tx)
  const { rows: tasks } = await sql<{ title: string; status: string; who: string | null }>`
    select t.title, t.status,
      coalesce(t.team, (select n.display_name from app_display_names(array[t.assignee_id]) n)) as who
    from incident_task t where t.incident_id = ${incidentId} order by t.id`.execute(tx)
  const { rows: resources } = await sql<{ name: string; unit: string; allocated: number; returned: number }>`
    select r.name, r.unit, sum(x.quantity)::int as allocated, sum(x.returned)::int as returned
    from resource_allocation x join emergency_resource r on r.id = x.resource_id
    where x.incident_id = ${incidentId} group by r.id, r.name, r.unit order by r.name`.execute(tx)
  const { rows: shelters } = await sql<{ name: string; checkins: number; people: number; still_in: number }>`
    select s.name, count(*)::int as checkins, sum(k.people)::int as people,
      coalesce(sum(k.people) filter (where k.checked_out_at is null), 0)::int as still_in
    from shelter_checkin k join emergency_shelter s on s.id = k.shelter_id
    where k.incident_id = ${incidentId} group by s.id, s.name order by s.name`.execute(tx)
  return {
    reference: i.reference,
    title: i.title,
    kind: i.kind,
    level: i.level,
    drill: i.drill,
    status: i.status,
    areaName: i.area_name,
    description: i.description,
    summary: i.summary,
    declaredAt: i.declared_at,
    declaredBy: i.declared_by ?? '',
    closedAt: i.closed_at,
    closedBy: i.closed_by,
    commander: i.commander ?? '',
    levels,
    log: log.map((l) => ({ at: l.at, actor: l.actor_name, message: l.message })),
    alerts: alerts.map((a) => ({
      id: Number(a.id),
      template: a.template,
      createdAt: a.created_at,
      recipients: Number(a.recipients),
      sent: Number(a.sent),
      failed: Number(a.failed),
      unreachable: Number(a.unreachable),
      acknowledged: Number(a.acknowledged),
    })),
    grids: grids.map((g) => ({
      name: g.name,
      onList: Number(g.on_list),
      safe: Number(g.safe),
      needsHelp: Number(g.needs_help),
      unreachable: Number(g.unreachable),
      pending: Number(g.pending),
      escalated: Number(g.escalated),
    })),
    reach: reach.map((r) => ({ name: maskName(r.name), grid: r.grid, minutes: Math.max(0, Number(r.minutes)) })),
    tasks,
    resources: resources.map((r) => ({ ...r, allocated: Number(r.allocated), returned: Number(r.returned) })),
    shelters: shelters.map((s) => ({
      name: s.name,
      checkins: Number(s.checkins),
      people: Number(s.people),
      stillIn: Number(s.still_in),
    })),
    generatedBy: actor.displayName,
  }
}

const templateZh: Record<string, string> = {
  warning: '预警',
  evacuate: '撤离',
  shelter_in_place: '就地避险',
  check_in: '报平安',
  all_clear: '解除',
}
const taskStatusZh: Record<string, string> = {
  open: '待办',
  in_progress: '进行中',
  done: '已完成',
  cancelled: '已取消',
}
const minutes = (m: number | null) => (m === null ? '—' : `${Math.round(m)}分钟`)

/** The report as a PDF in Chinese; a drill says so on every page. */
export async function reportPdf(f: ReportFacts, now: Date): Promise<Buffer> {
  const { doc, done } = cjkPdf({
    Title: `${f.drill ? '【演练】' : ''}应急处置总结报告 ${f.reference}`,
    Author: f.areaName,
  })
  const drillMark = () => {
    if (!f.drill) return
    const y = doc.y
    doc
      .fontSize(10)
      .fillColor('#b00020')
      .text('【演练 DRILL】本报告为应急演练，非真实事件', 64, 30, { align: 'center' })
    doc.fillColor('black').fontSize(11)
    doc.y = y
  }
  drillMark()
  doc.on('pageAdded', drillMark)
  const h = (s: string) => {
    doc.moveDown(0.8)
    doc.fontSize(14).text(s)
    doc.moveDown(0.3)
    doc.fontSize(11)
  }
  doc.fontSize(20).text(`${f.drill ? '【演练】' : ''}应急处置总结报告`, { align: 'center' })
  doc.moveDown(0.5)
  doc.fontSize(13).text(f.title, { align: 'center' })
  doc.moveDown()
  doc.fontSize(11)
  doc.text(`事件编号：${f.reference}`)
  doc.text(`事件类型：${kindZh[f.kind] ?? f.kind}　　当前级别：${levelZh(f.level)}${f.drill ? '　　性质：演练' : ''}`)
  doc.text(`所属区域：${f.areaName}　　指挥长：${f.commander}`)
  doc.text(`启动：${zhTime(f.declaredAt)}（${f.declaredBy}）`)
  doc.text(f.closedAt ? `结束：${zhTime(f.closedAt)}（${f.closedBy ?? ''}）` : '结束：尚未结束（响应进行中）')
  doc.text(`事件描述：${f.description}`)

  h('一、处置总结')
  doc.text(f.summary ?? '（尚未结束，暂无总结）')

  h('二、响应级别变化')
  for (const l of f.levels)
    doc.text(
      l.from === null
        ? `${zhTime(l.at)}　启动${levelZh(l.to)}响应（${l.by ?? ''}）`
        : `${zhTime(l.at)}　${levelZh(l.from)} → ${levelZh(l.to)}（${l.by ?? ''}）：${l.reason ?? ''}`,
    )

  h('三、预警信息触达')
  if (!f.alerts.length) doc.text('（未发送预警）')
  const totals = { recipients: 0, sent: 0, failed: 0, unreachable: 0, acknowledged: 0 }
  for (const a of f.alerts) {
    for (const k of Object.keys(totals) as (keyof typeof totals)[]) totals[k] += a[k]
    doc.text(
      `${zhTime(a.createdAt)}　${templateZh[a.template] ?? a.template}：对象${a.recipients}人，已送达${a.sent}，失败${a.failed}，无法送达${a.unreachable}，已确认${a.acknowledged}`,
    )
  }
  if (f.alerts.length)
    doc.text(
      `合计：对象${totals.recipients}人，已送达${totals.sent}，失败${totals.failed}，无法送达${totals.unreachable}，已确认${totals.acknowledged}`,
    )

  h('四、重点人员核查（按网格）')
  const sum = { onList: 0, safe: 0, needsHelp: 0, unreachable: 0, pending: 0, escalated: 0 }
  for (const g of f.grids) {
    for (const k of Object.keys(sum) as (keyof typeof sum)[]) sum[k] += g[k]
    doc.text(
      `${g.name}：名单${g.onList}人，平安${g.safe}，需要帮助${g.needsHelp}，无法联系${g.unreachable}，待核查${g.pending}，已升级${g.escalated}`,
    )
  }
  doc.text(
    `合计：名单${sum.onList}人，平安${sum.safe}，需要帮助${sum.needsHelp}，无法联系${sum.unreachable}，待核查${sum.pending}，已升级${sum.escalated}`,
  )

  h('五、联系到重点人员所用时间')
  const mins = f.reach.map((r) => r.minutes).sort((a, b) => a - b)
  doc.text(
    `已联系到${mins.length}人；中位数${minutes(quantile(mins, 0.5))}，90%分位${minutes(quantile(mins, 0.9))}，最长${minutes(mins.length ? mins[mins.length - 1]! : null)}`,
  )
  for (const r of f.reach) doc.text(`${r.name}（${r.grid}）　${minutes(r.minutes)}`)

  h('六、任务')
  const doneTasks = f.tasks.filter((t) => t.status === 'done').length
  const openTasks = f.tasks.filter((t) => t.status === 'open' || t.status === 'in_progress').length
  doc.text(`任务${f.tasks.length}项：已完成${doneTasks}，未完成${openTasks}`)
  for (const t of f.tasks) doc.text(`${t.title}　${t.who ?? ''}　${taskStatusZh[t.status] ?? t.status}`)

  h('七、物资使用')
  if (!f.resources.length) doc.text('（未调用物资）')
  for (const r of f.resources)
    doc.text(
      `${r.name}：调用${r.allocated}${r.unit}，归还${r.returned}${r.unit}，消耗${r.allocated - r.returned}${r.unit}`,
    )

  h('八、避难场所')
  if (!f.shelters.length) doc.text('（未启用避难场所）')
  for (const s of f.shelters) doc.text(`${s.name}：登记${s.checkins}次，共${s.people}人，仍在${s.stillIn}人`)

  h('九、处置日志')
  for (const l of f.log) doc.text(`${zhTime(l.at)}　${l.actor ?? '系统'}：${l.message}`)

  doc.moveDown(2)
  doc.text(`生成：${f.generatedBy}　${zhTime(now)}`, { align: 'right' })
  doc.end()
  return done
}
