import { createHmac, timingSafeEqual } from 'node:crypto'
import { sql } from 'kysely'
import { recordAudit } from '../audit/service.js'
import type { Clock } from '../core/clock.js'
import type { FieldCipher } from '../core/crypto.js'
import type { Db, Tx } from '../core/db.js'
import { AppError } from '../core/errors.js'
import type { Input, Output } from '../core/http.js'
import { countLimitOf, offsetOf, pageQuerySchema, paginate } from '../core/paging.js'
import { body, id, nullable, shape, text, timestamp } from '../core/schemas.js'
import { holds, requireActor, type RequestContext } from '../core/scope.js'
import { startPeriodic } from '../core/scheduler.js'
import type { MessageTransport } from '../notifications/transport.js'
import { backoffMs, MAX_ATTEMPTS } from '../notifications/webhooks.js'
import { displayNames } from '../participation/common.js'
import {
  emergencyStaff,
  incidentKinds,
  loadIncident,
  logIncident,
  requireCommand,
  type IncidentKind,
} from './common.js'

// Alerts to every resident of the affected grids (issue 17, item 2). The request only queues the
// alert (one row); the worker expands it into one recipient per registry person of its grids, in
// chunks keyed by person id, and sends what is due: claimed with a lease, handed to the transport
// outside any transaction, marked sent (with the inbox notification, in one transaction), paced.
//
// Exactly once: (alert, person) is unique, so a resumed expansion queues nobody twice; a claimed
// recipient whose worker dies becomes due again when its lease runs out, and is then sent again
// with the SAME messageId ('alert-<alertId>-<personId>'), which the provider uses to drop the
// duplicate (see OutgoingMessage.messageId). The inbox row is written with the mark, so it exists
// once or not at all.

export const alertTemplates = ['warning', 'evacuate', 'shelter_in_place', 'check_in', 'all_clear'] as const
export type AlertTemplate = (typeof alertTemplates)[number]
export const resendTargets = ['unreached', 'unacknowledged'] as const

/** People expanded into recipients per transaction. */
const EXPAND_CHUNK = 2000
/** How long a claimed recipient stays invisible to other runs before it is due again. */
const DEFAULT_LEASE_MS = 60_000
/** Marks written per transaction after sending. */
const MARK_CHUNK = 200
export const DEFAULT_RATE_PER_SECOND = 200

// ── Texts ──────────────────────────────────────────────────────────────────────────────────────

const kindNames: Record<IncidentKind, { zh: string; en: string }> = {
  flood: { zh: '洪涝', en: 'flood' },
  typhoon: { zh: '台风', en: 'typhoon' },
  rainstorm: { zh: '暴雨', en: 'rainstorm' },
  fire: { zh: '火灾', en: 'fire' },
  epidemic: { zh: '疫情', en: 'epidemic' },
  heatwave: { zh: '高温', en: 'heatwave' },
  cold_wave: { zh: '寒潮', en: 'cold wave' },
  gas_leak: { zh: '燃气泄漏', en: 'gas leak' },
  building_hazard: { zh: '房屋险情', en: 'building hazard' },
  large_gathering: { zh: '人员聚集', en: 'large gathering' },
  earthquake: { zh: '地震', en: 'earthquake' },
  power_outage: { zh: '停电', en: 'power outage' },
  other: { zh: '突发事件', en: 'emergency' },
}

const levelNames: Record<number, { zh: string; en: string }> = {
  1: { zh: 'Ⅰ级', en: 'level I' },
  2: { zh: 'Ⅱ级', en: 'level II' },
  3: { zh: 'Ⅲ级', en: 'level III' },
  4: { zh: 'Ⅳ级', en: 'level IV' },
}

const templateTexts: Record<AlertTemplate, { zh: string; en: string }> = {
  warning: {
    zh: '{kind}{level}预警：请做好防范，留意社区后续通知。',
    en: '{Kind} warning ({level}): take precautions and watch for further notices from your community.',
  },
  evacuate: {
    zh: '请立即按社区工作人员指引撤离到安全地点或避难场所，带好证件和常用药品，照顾好老人和孩子。',
    en: 'Leave now for a safe place or shelter as community staff direct you. Take your ID and medicines, and help older people and children.',
  },
  shelter_in_place: {
    zh: '请留在室内，关好门窗，非必要不外出，等待进一步通知。',
    en: 'Stay indoors, close doors and windows, go out only if you must, and wait for further notice.',
  },
  check_in: {
    zh: '请告诉我们您是否平安：打开链接，点“我已收到，我平安”；需要帮助请拨打社区电话。',
    en: 'Tell us you are safe: open the link and tap "I received it, I am safe"; if you need help, call your community office.',
  },
  all_clear: {
    zh: '{kind}险情已解除，可恢复正常生活。感谢您的配合。',
    en: 'The {kind} is over; normal life can resume. Thank you for your cooperation.',
  },
}

/** What to do, per incident type: shown on the alert page under the template's text. */
const adviceTexts: Record<IncidentKind, { zh: string; en: string }> = {
  flood: {
    zh: '远离河道和低洼处，切断家中电源，不要涉水行走或驾车。',
    en: 'Keep away from rivers and low ground, switch off the power at home, do not walk or drive through water.',
  },
  typhoon: {
    zh: '收好阳台物品，关紧门窗，远离广告牌、大树和临时建筑。',
    en: 'Bring in balcony items, shut windows tight, keep away from billboards, big trees and temporary structures.',
  },
  rainstorm: {
    zh: '减少外出，远离地下通道和低洼处，注意家中排水。',
    en: 'Go out less, avoid underpasses and low ground, keep drains at home clear.',
  },
  fire: {
    zh: '用湿毛巾捂住口鼻，低姿沿疏散通道撤离，不要乘电梯。',
    en: 'Cover nose and mouth with a wet cloth, keep low along the exit route, do not use lifts.',
  },
  epidemic: {
    zh: '戴好口罩，勤洗手，减少聚集，有症状及时就医并告知社区。',
    en: 'Wear a mask, wash hands often, avoid gatherings; if you have symptoms see a doctor and tell your community.',
  },
  heatwave: {
    zh: '避免中午外出，多喝水，开空调或到社区纳凉点；请关照独居老人。',
    en: 'Avoid going out at midday, drink plenty of water, use air conditioning or a community cooling point; look in on older neighbours living alone.',
  },
  cold_wave: {
    zh: '注意保暖，谨防燃气和炭火中毒，关照独居老人。',
    en: 'Keep warm, beware of gas and charcoal fumes, look in on older neighbours living alone.',
  },
  gas_leak: {
    zh: '不要开关电器或使用明火，打开门窗，立即离开并拨打燃气抢修电话。',
    en: 'Do not touch switches or use flames, open doors and windows, leave at once and call the gas emergency line.',
  },
  building_hazard: {
    zh: '远离受损建筑，不要返回取物，听从工作人员安排。',
    en: 'Keep away from the damaged building, do not go back for belongings, follow staff instructions.',
  },
  large_gathering: {
    zh: '避开人群密集处，听从现场指挥，不要推挤。',
    en: 'Avoid crowded spots, follow the stewards, do not push.',
  },
  earthquake: {
    zh: '震时就近躲避，震后到空旷处，远离建筑物和电线杆。',
    en: 'Take cover during shaking, then move to open ground away from buildings and poles.',
  },
  power_outage: {
    zh: '关闭电器防止来电冲击，冰箱少开门，依靠医疗设备者请联系社区。',
    en: 'Switch appliances off, keep the fridge closed; if you rely on medical equipment, contact your community.',
  },
  other: {
    zh: '请听从社区工作人员指引，留意后续通知。',
    en: 'Follow community staff instructions and watch for further notices.',
  },
}

const fill = (s: string, kind: IncidentKind, level: number, lang: 'zh' | 'en') => {
  const k = kindNames[kind][lang]
  return s
    .replace('{kind}', k)
    .replace('{Kind}', k[0]!.toUpperCase() + k.slice(1))
    .replace('{level}', levelNames[level]?.[lang] ?? String(level))
}

/** The alert's text in both languages: the template's sentence and what to do for the incident's kind. */
export function alertTexts(template: AlertTemplate, kind: IncidentKind, level: number) {
  return {
    textZh: fill(templateTexts[template].zh, kind, level, 'zh'),
    textEn: fill(templateTexts[template].en, kind, level, 'en'),
    adviceZh: adviceTexts[kind].zh,
    adviceEn: adviceTexts[kind].en,
  }
}

/** The SMS template's parameters ('incident.alert'; documented in docs/emergency.md). */
export function smsParams(a: {
  drill: boolean
  level: number
  kind: IncidentKind
  title: string
  template: AlertTemplate
  note: string | null
  link: string
}): Record<string, string> {
  return {
    drill: a.drill ? '【演练】' : '',
    level: levelNames[a.level]?.zh ?? String(a.level),
    kind: kindNames[a.kind].zh,
    title: a.title,
    template: fill(templateTexts[a.template].zh, a.kind, a.level, 'zh'),
    note: a.note ?? '',
    link: a.link,
  }
}

// ── Links ──────────────────────────────────────────────────────────────────────────────────────

/**
 * The key the links are signed with: derived from the platform's blind-index key (itself derived
 * from the master key), under its own label, so it is neither the raw key nor the key of any index.
 */
const linkKeys = new WeakMap<FieldCipher, Buffer>()
function linkKey(cipher: FieldCipher): Buffer {
  let k = linkKeys.get(cipher)
  if (!k) {
    k = Buffer.from(cipher.blindIndex('emergency-alert-link-key', 'v1'), 'hex')
    linkKeys.set(cipher, k)
  }
  return k
}

const mac = (cipher: FieldCipher, recipientId: number) =>
  createHmac('sha256', linkKey(cipher)).update(`alert:${recipientId}`).digest('base64url').slice(0, 22)

/** The token an alert's SMS link carries: `<recipientId>.<mac>`. */
export const alertLinkToken = (cipher: FieldCipher, recipientId: number) => `${recipientId}.${mac(cipher, recipientId)}`

/** The recipient a link token names, or null when it is malformed or its mac does not match. */
export function recipientOfToken(cipher: FieldCipher, token: string): number | null {
  const m = /^([1-9][0-9]{0,14})\.([A-Za-z0-9_-]{22})$/.exec(token)
  if (!m) return null
  const recipientId = Number(m[1])
  const expected = Buffer.from(mac(cipher, recipientId))
  const given = Buffer.from(m[2]!)
  return expected.length === given.length && timingSafeEqual(expected, given) ? recipientId : null
}

/** The path of an alert's public page; the SMS link is the site's address followed by it. */
export const alertLinkPath = (token: string) => `/#/emergency/alerts/link/${token}`

// ── Schemas ────────────────────────────────────────────────────────────────────────────────────

export const newAlertBody = body(['template'], {
  template: { type: 'string', enum: alertTemplates },
  noteZh: { ...text(200), description: 'Added to the template text (Chinese)' },
  noteEn: { ...text(200), description: 'Added to the template text (English)' },
  gridIds: {
    type: 'array',
    items: id,
    minItems: 1,
    maxItems: 200,
    uniqueItems: true,
    description: "Grids to alert; default: all the incident's grids. Each must be a grid of the incident you hold.",
  },
})
export type NewAlert = Input<typeof newAlertBody>

export const resendBody = body(['to'], { to: { type: 'string', enum: resendTargets } })

export const alertParams = {
  type: 'object',
  required: ['id', 'alertId'],
  additionalProperties: false,
  properties: { id, alertId: id },
} as const

export const recipientParams = {
  type: 'object',
  required: ['recipientId'],
  additionalProperties: false,
  properties: { recipientId: { type: 'integer', minimum: 1, maximum: 999999999999999 } },
} as const

export const tokenParams = {
  type: 'object',
  required: ['token'],
  additionalProperties: false,
  properties: { token: { type: 'string', minLength: 1, maxLength: 80 } },
} as const

export const alertListQuery = {
  type: 'object',
  additionalProperties: false,
  properties: { ...pageQuerySchema },
} as const

const counts = {
  recipients: { type: 'integer' },
  queued: { type: 'integer' },
  sent: { type: 'integer' },
  failed: { type: 'integer' },
  unreachable: { type: 'integer' },
  acknowledged: { type: 'integer' },
} as const
const countsSchema = shape(counts)

export const alertSchema = shape({
  id,
  incidentId: id,
  template: { type: 'string', enum: alertTemplates },
  noteZh: nullable('string'),
  noteEn: nullable('string'),
  gridIds: { type: 'array', items: id },
  resendOf: nullable('integer'),
  resendTo: { type: ['string', 'null'], enum: [...resendTargets, null] },
  drill: { type: 'boolean' },
  status: { type: 'string', enum: ['queued', 'sending', 'done', 'cancelled'] },
  createdBy: { type: 'string' },
  createdAt: timestamp,
  expandedAt: { type: ['string', 'null'], format: 'date-time' },
  totals: countsSchema,
})
export type AlertView = Output<typeof alertSchema>

export const alertDetailSchema = shape({
  ...alertSchema.properties,
  grids: {
    type: 'array',
    items: shape({
      gridId: id,
      code: { type: 'string' },
      nameZh: { type: 'string' },
      nameEn: { type: 'string' },
      ...counts,
    }),
  },
})
export type AlertDetail = Output<typeof alertDetailSchema>

/** One alert as its recipient sees it (no personal data: the link page shows the same). */
export const myAlertSchema = shape({
  recipientId: id,
  incidentId: id,
  reference: { type: 'string' },
  kind: { type: 'string', enum: incidentKinds },
  level: { type: 'integer', minimum: 1, maximum: 4 },
  title: { type: 'string' },
  drill: { type: 'boolean' },
  incidentStatus: { type: 'string', enum: ['active', 'closed'] },
  template: { type: 'string', enum: alertTemplates },
  textZh: { type: 'string' },
  textEn: { type: 'string' },
  adviceZh: { type: 'string' },
  adviceEn: { type: 'string' },
  noteZh: nullable('string'),
  noteEn: nullable('string'),
  sentAt: { type: ['string', 'null'], format: 'date-time' },
  createdAt: timestamp,
  acknowledgedAt: { type: ['string', 'null'], format: 'date-time' },
})
export type MyAlert = Output<typeof myAlertSchema>

// ── Queueing ───────────────────────────────────────────────────────────────────────────────────

interface AlertRow {
  id: number
  incident_id: number
  template: AlertTemplate
  note_zh: string | null
  note_en: string | null
  grid_ids: number[]
  resend_of: number | null
  resend_to: 'unreached' | 'unacknowledged' | null
  drill: boolean
  status: 'queued' | 'sending' | 'done' | 'cancelled'
  created_by: number
  created_at: Date
  expanded_at: Date | null
}

const alertColumns = sql`a.id, a.incident_id, a.template, a.note_zh, a.note_en, a.grid_ids, a.resend_of, a.resend_to,
  a.drill, a.status, a.created_at, a.expanded_at, a.created_by`

type Counts = Output<typeof countsSchema>
const zero = (): Counts => ({ recipients: 0, queued: 0, sent: 0, failed: 0, unreachable: 0, acknowledged: 0 })

const present = (a: AlertRow, totals: Counts, names: Map<number, string>): AlertView => ({
  id: Number(a.id),
  incidentId: Number(a.incident_id),
  template: a.template,
  noteZh: a.note_zh,
  noteEn: a.note_en,
  gridIds: a.grid_ids.map(Number),
  resendOf: a.resend_of === null ? null : Number(a.resend_of),
  resendTo: a.resend_to,
  drill: a.drill,
  status: a.status,
  createdBy: names.get(a.created_by) ?? '',
  createdAt: a.created_at.toISOString(),
  expandedAt: a.expanded_at ? a.expanded_at.toISOString() : null,
  totals,
})

/** Queues an alert to the residents of the incident's grids (or some of them); sends nothing. */
export async function queueAlert(tx: Tx, ctx: RequestContext, incidentId: number, input: NewAlert, now: Date) {
  const { actor, incident } = await requireCommand(tx, ctx, incidentId)
  const { rows: grids } = await sql<{ id: number; path: string; code: string }>`
    select a.id, a.path, a.code from incident_grid ig join area a on a.id = ig.area_id
    where ig.incident_id = ${incident.id} order by a.code`.execute(tx)
  const chosen = input.gridIds ?? grids.map((g) => g.id)
  const byId = new Map(grids.map((g) => [g.id, g]))
  const foreign = chosen.filter((g) => !byId.has(g))
  if (foreign.length)
    throw new AppError(
      'INCIDENT_GRIDS_INVALID',
      `grids ${foreign.join(', ')} are not grids of incident ${incident.reference}`,
      'gridIds',
    )
  if (chosen.length === 0)
    throw new AppError('INCIDENT_GRIDS_INVALID', `incident ${incident.reference} has no grids`, 'gridIds')
  // A commander from outside runs the incident but alerts only the grids they hold themselves.
  const notHeld = chosen.filter((g) => !holds(actor, emergencyStaff, byId.get(g)!.path))
  if (notHeld.length)
    throw new AppError(
      'FORBIDDEN',
      `you may alert only grids where you are admin, leader or staff; not ${notHeld.map((g) => byId.get(g)!.code).join(', ')}`,
      'gridIds',
    )
  return insertAlert(tx, ctx, incident, { ...input, gridIds: chosen }, null, now)
}

async function insertAlert(
  tx: Tx,
  ctx: RequestContext,
  incident: { id: number; reference: string; drill: boolean; area_id: number },
  input: { template: AlertTemplate; noteZh?: string | null; noteEn?: string | null; gridIds: number[] },
  resend: { of: number; to: 'unreached' | 'unacknowledged' } | null,
  now: Date,
): Promise<AlertDetail> {
  const actor = requireActor(ctx)
  const { rows } = await sql<{ id: number }>`
    insert into incident_alert (incident_id, template, note_zh, note_en, grid_ids, resend_of, resend_to, drill, status, created_by, created_at)
    values (${incident.id}, ${input.template}, ${input.noteZh ?? null}, ${input.noteEn ?? null}, ${input.gridIds}::int[],
            ${resend?.of ?? null}, ${resend?.to ?? null}, ${incident.drill}, 'queued', ${actor.userId}, ${now})
    returning id`.execute(tx)
  const alertId = Number(rows[0]!.id)
  await logIncident(tx, actor, incident.id, {
    kind: 'alert_queued',
    message: resend
      ? `re-send of alert ${resend.of} (${resend.to}) queued: ${input.template}`
      : `alert queued: ${input.template} to ${input.gridIds.length} grid(s)`,
    data: {
      alertId,
      template: input.template,
      gridIds: input.gridIds,
      resendOf: resend?.of ?? null,
      resendTo: resend?.to ?? null,
    },
    at: now,
  })
  await recordAudit(tx, ctx, {
    action: 'incident.alert',
    entityType: 'incident_alert',
    entityId: alertId,
    areaId: incident.area_id,
    detail: {
      incident: incident.reference,
      template: input.template,
      gridIds: input.gridIds,
      resendOf: resend?.of ?? null,
    },
  })
  return alertDetail(tx, incident.id, alertId)
}

/** A re-send of an alert to those of its recipients who were not reached, or who did not acknowledge. */
export async function resendAlert(
  tx: Tx,
  ctx: RequestContext,
  incidentId: number,
  alertId: number,
  to: 'unreached' | 'unacknowledged',
  now: Date,
) {
  const { actor, incident } = await requireCommand(tx, ctx, incidentId)
  const original = await loadAlert(tx, incident.id, alertId)
  const { rows: paths } = await sql<{ id: number; path: string; code: string }>`
    select id, path, code from area where id = any(${original.grid_ids}::int[])`.execute(tx)
  const notHeld = paths.filter((g) => !holds(actor, emergencyStaff, g.path))
  if (notHeld.length)
    throw new AppError(
      'FORBIDDEN',
      `you may alert only grids where you are admin, leader or staff; not ${notHeld.map((g) => g.code).join(', ')}`,
      'gridIds',
    )
  if (original.status === 'queued' || original.status === 'sending')
    throw new AppError('CONFLICT', `alert ${alertId} is still being sent; re-send when it is done`, 'alertId')
  return insertAlert(
    tx,
    ctx,
    incident,
    { template: original.template, noteZh: original.note_zh, noteEn: original.note_en, gridIds: original.grid_ids },
    { of: Number(original.id), to },
    now,
  )
}

async function loadAlert(tx: Tx, incidentId: number, alertId: number): Promise<AlertRow> {
  const { rows } = await sql<AlertRow>`
    select ${alertColumns} from incident_alert a
    where a.id = ${alertId} and a.incident_id = ${incidentId}`.execute(tx)
  if (!rows[0]) throw new AppError('ALERT_NOT_FOUND', `no alert ${alertId} of incident ${incidentId}`, 'alertId')
  return rows[0]
}

interface CountRow {
  key: number
  recipients: number
  queued: number
  sent: number
  failed: number
  unreachable: number
  acknowledged: number
}
const countColumns = sql`count(*)::int as recipients,
  (count(*) filter (where r.status = 'queued'))::int as queued,
  (count(*) filter (where r.status = 'sent'))::int as sent,
  (count(*) filter (where r.status = 'failed'))::int as failed,
  (count(*) filter (where r.status = 'unreachable'))::int as unreachable,
  (count(*) filter (where r.acknowledged_at is not null))::int as acknowledged`
const toCounts = (c: CountRow | undefined): Counts =>
  c
    ? {
        recipients: c.recipients,
        queued: c.queued,
        sent: c.sent,
        failed: c.failed,
        unreachable: c.unreachable,
        acknowledged: c.acknowledged,
      }
    : zero()

/** The incident's alerts, newest first, with delivery totals (over the grids the caller works). */
export async function listAlerts(tx: Tx, incidentId: number, q: Input<typeof alertListQuery>) {
  const incident = await loadIncident(tx, incidentId)
  const { rows } = await sql<AlertRow & { total: number }>`
    select ${alertColumns}, count(*) over ()::int as total
    from incident_alert a
    where a.incident_id = ${incident.id}
    order by a.id desc limit ${q.pageSize} offset ${offsetOf(q)}`.execute(tx)
  const ids = rows.map((r) => Number(r.id))
  const { rows: c } = ids.length
    ? await sql<CountRow>`select r.alert_id as key, ${countColumns} from incident_alert_recipient r
        where r.alert_id = any(${ids}::bigint[]) and r.incident_id = ${incident.id} group by r.alert_id`.execute(tx)
    : { rows: [] as CountRow[] }
  const byAlert = new Map(c.map((x) => [Number(x.key), x]))
  let total = rows[0]?.total ?? 0
  if (!rows.length && q.page > 1) {
    const { rows: n } = await sql<{ n: number }>`select count(*)::int as n from (select 1 from incident_alert
      where incident_id = ${incident.id} limit ${countLimitOf(q)}) x`.execute(tx)
    total = n[0]!.n
  }
  const names = await displayNames(
    tx,
    rows.map((r) => r.created_by),
  )
  return paginate(
    q,
    rows.map((r) => present(r, toCounts(byAlert.get(Number(r.id))), names)),
    total,
  )
}

/** One alert with its delivery and acknowledgement per grid (the grids the caller works). */
export async function alertDetail(tx: Tx, incidentId: number, alertId: number): Promise<AlertDetail> {
  const incident = await loadIncident(tx, incidentId)
  const alert = await loadAlert(tx, incident.id, alertId)
  const { rows } = await sql<CountRow>`
    select r.area_id as key, ${countColumns} from incident_alert_recipient r
    where r.alert_id = ${alert.id} and r.incident_id = ${incident.id} group by r.area_id`.execute(tx)
  const byGrid = new Map(rows.map((x) => [Number(x.key), x]))
  const { rows: areas } = await sql<{ id: number; code: string; name_zh: string; name_en: string }>`
    select id, code, name_zh, name_en from area where id = any(${alert.grid_ids}::int[]) order by code`.execute(tx)
  const totals = zero()
  for (const c of rows) for (const k of Object.keys(totals) as (keyof Counts)[]) totals[k] += c[k]
  return {
    ...present(alert, totals, await displayNames(tx, [alert.created_by])),
    grids: areas.map((a) => ({
      gridId: a.id,
      code: a.code,
      nameZh: a.name_zh,
      nameEn: a.name_en,
      ...toCounts(byGrid.get(a.id)),
    })),
  }
}

// ── A resident's alerts ────────────────────────────────────────────────────────────────────────

interface MyAlertRow {
  recipient_id: number
  incident_id: number
  reference: string
  kind: IncidentKind
  level: number
  title: string
  drill: boolean
  incident_status: 'active' | 'closed'
  template: AlertTemplate
  note_zh: string | null
  note_en: string | null
  sent_at: Date | null
  created_at: Date
  acknowledged_at: Date | null
}

const myAlertColumns = sql`r.id as recipient_id, i.id as incident_id, i.reference, i.kind, i.level, i.title,
    a.drill, i.status as incident_status, a.template, a.note_zh, a.note_en, r.sent_at, a.created_at, r.acknowledged_at`
const myAlertFrom = sql`incident_alert_recipient r
  join incident_alert a on a.id = r.alert_id
  join incident i on i.id = r.incident_id`

const presentMine = (r: MyAlertRow): MyAlert => ({
  recipientId: Number(r.recipient_id),
  incidentId: Number(r.incident_id),
  reference: r.reference,
  kind: r.kind,
  level: r.level,
  title: r.title,
  drill: r.drill,
  incidentStatus: r.incident_status,
  template: r.template,
  ...alertTexts(r.template, r.kind, r.level),
  noteZh: r.note_zh,
  noteEn: r.note_en,
  sentAt: r.sent_at ? r.sent_at.toISOString() : null,
  createdAt: r.created_at.toISOString(),
  acknowledgedAt: r.acknowledged_at ? r.acknowledged_at.toISOString() : null,
})

// A resident reads no incident (they are staff records), yet their alert names its incident's
// kind, level and title. So these reads run with owner rights, always filtered to the caller's own
// recipient rows (user_id = the caller) or to the one row a valid link names; they show nothing
// personal. An acknowledgement by account is an update in the caller's scope (row-level security:
// their own row, the acknowledgement column only); by link it is an owner-rights update of the one
// row the link's mac proves.

/** The caller's alerts (recipient rows tied to their verified account), newest first. */
export async function listMyAlerts(db: Db, userId: number, q: Input<typeof alertListQuery>) {
  const { rows } = await sql<MyAlertRow & { total: number }>`
    select ${myAlertColumns}, count(*) over ()::int as total from ${myAlertFrom}
    where r.user_id = ${userId} and r.status in ('sent', 'failed')
    order by a.created_at desc, r.id desc limit ${q.pageSize} offset ${offsetOf(q)}`.execute(db)
  let total = rows[0]?.total ?? 0
  if (!rows.length && q.page > 1) {
    const { rows: n } = await sql<{ n: number }>`select count(*)::int as n from incident_alert_recipient r
      where r.user_id = ${userId} and r.status in ('sent', 'failed')`.execute(db)
    total = n[0]!.n
  }
  return paginate(q, rows.map(presentMine), total)
}

export async function myAlert(db: Db, userId: number, recipientId: number): Promise<MyAlert> {
  const { rows } = await sql<MyAlertRow>`select ${myAlertColumns} from ${myAlertFrom}
    where r.id = ${recipientId} and r.user_id = ${userId} and r.status in ('sent', 'failed')`.execute(db)
  if (!rows[0]) throw new AppError('ALERT_NOT_FOUND', `no alert ${recipientId} of yours`, 'recipientId')
  return presentMine(rows[0])
}

/** Acknowledges the caller's alert once (in their scope: their own row only); a repeat changes nothing. */
export async function acknowledgeMine(tx: Tx, ctx: RequestContext, recipientId: number, now: Date): Promise<void> {
  const actor = requireActor(ctx)
  await sql`update incident_alert_recipient set acknowledged_at = ${now}
    where id = ${recipientId} and user_id = ${actor.userId} and acknowledged_at is null
      and status in ('sent', 'failed')`.execute(tx)
}

/** The alert a link names (anonymous: no personal data), or 404 ALERT_LINK_INVALID. */
export async function alertByLink(db: Db, cipher: FieldCipher, token: string): Promise<MyAlert> {
  const recipientId = recipientOfToken(cipher, token)
  const invalid = () => new AppError('ALERT_LINK_INVALID', 'this alert link is not valid', 'token')
  if (recipientId === null) throw invalid()
  const { rows } =
    await sql<MyAlertRow>`select ${myAlertColumns} from ${myAlertFrom} where r.id = ${recipientId}`.execute(db)
  if (!rows[0]) throw invalid()
  return presentMine(rows[0])
}

export async function acknowledgeByLink(db: Db, cipher: FieldCipher, token: string, now: Date): Promise<MyAlert> {
  const recipientId = recipientOfToken(cipher, token)
  if (recipientId === null) throw new AppError('ALERT_LINK_INVALID', 'this alert link is not valid', 'token')
  await sql`update incident_alert_recipient set acknowledged_at = ${now}
    where id = ${recipientId} and acknowledged_at is null`.execute(db)
  return alertByLink(db, cipher, token)
}

// ── The worker ─────────────────────────────────────────────────────────────────────────────────

export interface AlertDeliveryOptions {
  /** Messages per second across runs of this process (default ALERT_RATE_PER_SECOND or 200). */
  ratePerSecond?: number
  /** Recipients claimed per round. */
  batch?: number
  /** How long a run may keep sending (waiting for the pace) before it returns; 0: send what the pace allows now. */
  maxRunMs?: number
  /** How long a claimed recipient is hidden from other runs. */
  leaseMs?: number
  /** The site's address, put before the link path in the SMS (e.g. https://grassroots.example.cn). */
  linkBase?: string
  signal?: AbortSignal
}

/** A token bucket per database: the pace holds across runs (and across alerts). */
interface Bucket {
  tokens: number
  at: number
  rate: number
}
const buckets = new WeakMap<object, Bucket>()
function bucketFor(key: object, rate: number): Bucket {
  let b = buckets.get(key)
  if (!b || b.rate !== rate) {
    b = { tokens: rate, at: performance.now(), rate }
    buckets.set(key, b)
  }
  const t = performance.now()
  b.tokens = Math.min(rate, b.tokens + ((t - b.at) / 1000) * rate)
  b.at = t
  return b
}

/**
 * Expands queued alerts into recipients, a chunk of people per transaction. Returns whether any
 * work was done. Each alert is locked (skip locked) while a chunk is added, so two workers never
 * expand the same alert at once; expanded_through records how far it got.
 */
export async function expandAlerts(db: Db, now: Date, chunk = EXPAND_CHUNK): Promise<number> {
  let added = 0
  for (;;) {
    const more = await db.transaction().execute(async (tx) => {
      const { rows } = await sql<{
        id: number
        incident_id: number
        grid_ids: number[]
        resend_of: number | null
        resend_to: 'unreached' | 'unacknowledged' | null
        expanded_through: number
      }>`select id, incident_id, grid_ids, resend_of, resend_to, expanded_through from incident_alert
         where status = 'queued' order by id limit 1 for update skip locked`.execute(tx)
      const a = rows[0]
      if (!a) return null
      // Who is on the list: registry people of the grids; for a re-send, the original's recipients
      // not reached or not acknowledged. Their channels are taken as the registry has them now.
      const source =
        a.resend_of === null
          ? sql`select p.id from person p
                where p.area_id = any(${a.grid_ids}::int[]) and p.status = 'active' and p.id > ${a.expanded_through}
                order by p.id limit ${chunk}`
          : sql`select o.person_id as id from incident_alert_recipient o
                where o.alert_id = ${a.resend_of} and o.person_id > ${a.expanded_through}
                  and ${a.resend_to === 'unreached' ? sql`o.status in ('failed', 'unreachable')` : sql`o.acknowledged_at is null`}
                order by o.person_id limit ${chunk}`
      const { rows: r } = await sql<{ n: number; last: number | null }>`
        with chosen as (${source}),
        people as (
          select p.id, p.area_id, p.district_id, p.phone_enc is not null as sms, u.id as user_id
          from chosen c join person p on p.id = c.id
          left join resident_verification v on v.person_id = p.id
          left join app_user u on u.id = v.user_id and u.status = 'active'
          where p.status = 'active'
        ),
        added as (
          insert into incident_alert_recipient (alert_id, incident_id, person_id, area_id, district_id, user_id, sms, status, next_attempt_at)
          select ${a.id}, ${a.incident_id}, id, area_id, district_id, user_id, sms,
                 case when sms or user_id is not null then 'queued' else 'unreachable' end, ${now}::timestamptz
          from people
          on conflict (alert_id, person_id) do nothing
          returning 1
        )
        select (select count(*)::int from chosen) as n, (select max(id) from chosen) as last,
               (select count(*)::int from added) as inserted`.execute(tx)
      const { n, last } = r[0]!
      if (n === chunk) {
        await sql`update incident_alert set expanded_through = ${last} where id = ${a.id}`.execute(tx)
      } else {
        const { rows: c } = await sql<{ n: number }>`
          select count(*)::int as n from incident_alert_recipient where alert_id = ${a.id}`.execute(tx)
        await sql`update incident_alert set expanded_through = coalesce(${last}::bigint, expanded_through),
                    expanded_at = ${now}, recipients = ${c[0]!.n}, status = 'sending' where id = ${a.id}`.execute(tx)
      }
      return n
    })
    if (more === null) return added
    added += more
  }
}

interface Claimed {
  id: number
  alert_id: number
  person_id: number
  user_id: number | null
  sms: boolean
  attempts: number
  phone_enc: Uint8Array | null
  template: AlertTemplate
  note_zh: string | null
  drill: boolean
  kind: IncidentKind
  level: number
  title: string
}

/**
 * Expands queued alerts and sends what is due, paced; returns how many messages went out. A run
 * sends while the pace allows and, when `maxRunMs` > 0, waits for the pace up to that long.
 */
export async function deliverDueAlerts(
  db: Db,
  now: Date,
  transport: MessageTransport,
  cipher: FieldCipher,
  opts: AlertDeliveryOptions = {},
): Promise<{ sent: number; failed: number }> {
  const rate = Math.max(1, opts.ratePerSecond ?? DEFAULT_RATE_PER_SECOND)
  const batch = Math.max(1, opts.batch ?? 200)
  const leaseMs = opts.leaseMs ?? DEFAULT_LEASE_MS
  const maxRunMs = opts.maxRunMs ?? 0
  const started = performance.now()
  await expandAlerts(db, now)
  let sent = 0
  let failed = 0
  for (;;) {
    if (opts.signal?.aborted) break
    const bucket = bucketFor(db, rate)
    let allowed = Math.floor(bucket.tokens)
    if (allowed < 1) {
      const wait = Math.ceil(((1 - bucket.tokens) / rate) * 1000)
      if (performance.now() - started + wait > maxRunMs) break
      await new Promise((r) => setTimeout(r, wait))
      continue
    }
    allowed = Math.min(allowed, batch)
    // Claim: push the rows' next attempt out by a lease, in one short statement. The lease runs
    // from the claim (the run's clock moved on by the time spent since it started), and sending
    // stops half-way through it: a row still claimed waits for its lease, never goes twice.
    const claimedAt = performance.now()
    const at = new Date(now.getTime() + (claimedAt - started))
    const { rows } = await sql<Claimed>`
      with claimed as (
        update incident_alert_recipient set next_attempt_at = ${new Date(at.getTime() + leaseMs)}
        where id in (
          select id from incident_alert_recipient
          where status = 'queued' and next_attempt_at <= ${now}
          order by next_attempt_at, id limit ${allowed}
          for update skip locked)
        returning id, alert_id, person_id, user_id, sms, attempts)
      select c.id, c.alert_id, c.person_id, c.user_id, c.sms, c.attempts, p.phone_enc,
             a.template, a.note_zh, a.drill, i.kind, i.level, i.title
      from claimed c join person p on p.id = c.person_id
      join incident_alert a on a.id = c.alert_id join incident i on i.id = a.incident_id
      order by c.id`.execute(db)
    if (!rows.length) break
    bucket.tokens -= rows.length
    const ok: number[] = []
    const bad: { id: number; attempts: number; error: string; userId: number | null }[] = []
    const none: number[] = []
    for (const r of rows) {
      if (performance.now() - claimedAt > leaseMs / 2) break
      if (!r.sms || !r.phone_enc) {
        // The inbox alone (the phone was removed since), or nothing at all: not delivered.
        ;(r.user_id === null ? none : ok).push(Number(r.id))
        continue
      }
      try {
        const recipientId = Number(r.id)
        await transport.send({
          to: cipher.decrypt(r.phone_enc),
          channel: 'sms',
          templateKey: 'incident.alert',
          params: smsParams({
            drill: r.drill,
            level: r.level,
            kind: r.kind,
            title: r.title,
            template: r.template,
            note: r.note_zh,
            link: `${opts.linkBase ?? ''}${alertLinkPath(alertLinkToken(cipher, recipientId))}`,
          }),
          locale: 'zh-CN',
          messageId: `alert-${r.alert_id}-${r.person_id}`,
        })
        ok.push(recipientId)
      } catch (err) {
        bad.push({
          id: Number(r.id),
          attempts: r.attempts + 1,
          error: String((err as Error).message).slice(0, 500),
          userId: r.user_id,
        })
      }
    }
    for (let i = 0; i < ok.length; i += MARK_CHUNK) await markSent(db, ok.slice(i, i + MARK_CHUNK), now)
    for (const b of bad) await markFailed(db, b, now)
    if (none.length)
      await sql`update incident_alert_recipient set status = 'unreachable', attempts = attempts + 1
                where id = any(${none}::bigint[]) and status = 'queued'`.execute(db)
    sent += ok.length
    failed += bad.length
  }
  await finishAlerts(db, now)
  return { sent, failed }
}

/** The inbox notification of each marked recipient with an account, from the rows just marked. */
const notifyMarked = sql`insert into notification (user_id, case_id, kind, params, created_at)
  select m.user_id, null, 'incident_alert',
         jsonb_build_object('reference', i.reference, 'title', i.title, 'kind', i.kind, 'level', i.level,
                            'drill', a.drill, 'recipientId', m.id),
         m.sent_at
  from marked m join incident_alert a on a.id = m.alert_id join incident i on i.id = a.incident_id
  where m.user_id is not null`

/** Marks recipients sent and drops their inbox notification, in one transaction: exactly one each. */
async function markSent(db: Db, ids: number[], now: Date) {
  await sql`with marked as (
      update incident_alert_recipient set status = 'sent', sent_at = ${now}, attempts = attempts + 1, last_error = null
      where id = any(${ids}::bigint[]) and status = 'queued'
      returning id, alert_id, user_id, sent_at)
    ${notifyMarked}`.execute(db)
}

/** A failed send is retried after a backoff; after MAX_ATTEMPTS it is failed (the inbox still hears). */
async function markFailed(db: Db, b: { id: number; attempts: number; error: string }, now: Date) {
  if (b.attempts >= MAX_ATTEMPTS) {
    await sql`with marked as (
        update incident_alert_recipient set status = 'failed', attempts = ${b.attempts}, last_error = ${b.error},
          sent_at = ${now}
        where id = ${b.id} and status = 'queued'
        returning id, alert_id, user_id, sent_at)
      ${notifyMarked}`.execute(db)
  } else {
    await sql`update incident_alert_recipient set attempts = ${b.attempts}, last_error = ${b.error},
        next_attempt_at = ${new Date(now.getTime() + backoffMs(b.attempts))}
      where id = ${b.id} and status = 'queued'`.execute(db)
  }
}

/** Alerts with nothing left to send are done; the log says how far they reached. */
async function finishAlerts(db: Db, now: Date) {
  await sql`with done as (
      update incident_alert a set status = 'done'
      where a.status = 'sending'
        and not exists (select 1 from incident_alert_recipient r where r.alert_id = a.id and r.status = 'queued')
      returning a.id, a.incident_id, a.template)
    insert into incident_log (incident_id, at, actor_id, actor_name, kind, message, data)
    select d.incident_id, ${now}::timestamptz, null, null, 'alert_done',
           'alert ' || d.id || ' (' || d.template || ') delivered: ' || c.sent || ' sent, ' || c.failed || ' failed, '
             || c.unreachable || ' unreachable of ' || c.recipients,
           jsonb_build_object('alertId', d.id, 'recipients', c.recipients, 'sent', c.sent, 'failed', c.failed,
                              'unreachable', c.unreachable)
    from done d cross join lateral (
      select count(*)::int as recipients,
             (count(*) filter (where r.status = 'sent'))::int as sent,
             (count(*) filter (where r.status = 'failed'))::int as failed,
             (count(*) filter (where r.status = 'unreachable'))::int as unreachable
      from incident_alert_recipient r where r.alert_id = d.id) c`.execute(db)
}

const envInt = (name: string, fallback: number) => {
  const n = Number(process.env[name])
  return Number.isFinite(n) && n > 0 ? n : fallback
}

export function startAlertWorker(
  db: Db,
  clock: Clock,
  transport: MessageTransport,
  cipher: FieldCipher,
  intervalMs: number,
  onError: (err: unknown) => void,
) {
  const opts: AlertDeliveryOptions = {
    ratePerSecond: envInt('ALERT_RATE_PER_SECOND', DEFAULT_RATE_PER_SECOND),
    leaseMs: envInt('ALERT_LEASE_MS', DEFAULT_LEASE_MS),
    linkBase: process.env.ALERT_LINK_BASE ?? '',
    // A run keeps sending at the pace for about one interval, then the next run takes over.
    maxRunMs: intervalMs,
  }
  return startPeriodic(
    (signal) => deliverDueAlerts(db, clock.now(), transport, cipher, { ...opts, signal }),
    intervalMs,
    onError,
  )
}
