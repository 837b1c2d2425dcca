import { sql } from 'kysely'
import { recordAudit } from '../audit/service.js'
import type { Db, Tx } from '../core/db.js'
import { AppError, notFound } from '../core/errors.js'
import type { Input, Output } from '../core/http.js'
import { body, id, nullable, orNull, shape, text, timestamp } from '../core/schemas.js'
import { holds, isRootAdmin, requireActor, requireRootAdmin, type RequestContext } from '../core/scope.js'
import { alarmActions, alarmSeverities, type AlarmAction, type AlarmSeverity } from './common.js'
import { deviceTypes, typeSpecs, type DeviceType } from './types.js'

// Alarm rules are data admins edit (issue 18, item 4): per device type, which alarm flag or which
// reading over a threshold for N readings in a row raises an alarm, how severe it is and what it
// does (a case, a warning to the grid's leaders, an emergency incident). A rule for an area
// applies to the devices below it and is written by an admin over that area; a city-wide rule
// (no area) and the per-type settings (heartbeat, maintenance, flapping) by a root admin.

export const ruleTriggers = ['flag', 'threshold'] as const
export const ruleComparisons = ['gt', 'lt'] as const
/** The incident kinds a rule may declare (the table's check). */
export const ruleIncidentKinds = [
  'fire',
  'gas_leak',
  'flood',
  'rainstorm',
  'building_hazard',
  'power_outage',
  'other',
] as const

const kindPattern = { type: 'string', pattern: '^[a-z_]{2,40}$', maxLength: 40 } as const
const level = { type: 'number', minimum: -1e9, maximum: 1e9 } as const
const areaRef = shape({
  id: { type: 'integer' },
  code: { type: 'string' },
  nameZh: { type: 'string' },
  nameEn: { type: 'string' },
})
const categoryRef = shape({
  id: { type: 'integer' },
  code: { type: 'string' },
  nameZh: { type: 'string' },
  nameEn: { type: 'string' },
})

export const ruleSchema = shape({
  id: { type: 'integer' },
  deviceType: { type: 'string', enum: deviceTypes },
  area: orNull(areaRef),
  name: { type: 'string' },
  trigger: { type: 'string', enum: ruleTriggers },
  alarmKind: nullable('string'),
  metric: nullable('string'),
  comparison: { type: ['string', 'null'], enum: [...ruleComparisons, null] },
  threshold: nullable('number'),
  clearThreshold: nullable('number'),
  consecutive: { type: 'integer' },
  severity: { type: 'string', enum: alarmSeverities },
  action: { type: 'string', enum: alarmActions },
  category: orNull(categoryRef),
  incidentKind: { type: ['string', 'null'], enum: [...ruleIncidentKinds, null] },
  dedupeMinutes: { type: 'integer' },
  enabled: { type: 'boolean' },
  updatedAt: timestamp,
  version: { type: 'integer' },
  writable: { type: 'boolean', description: 'Whether the caller may change this rule' },
})
export type RuleView = Output<typeof ruleSchema>

export const ruleListQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    deviceType: { type: 'string', enum: deviceTypes },
    areaId: { ...id, description: 'Rules that apply in this area: city-wide ones, its ancestors’ and its own' },
  },
} as const

export const ruleListSchema = shape({ items: { type: 'array', items: ruleSchema } })

const ruleFields = {
  name: text(100),
  alarmKind: { ...kindPattern, description: 'flag rules: the alarm kind (one of the type’s alarms); omit for any' },
  metric: { ...kindPattern, description: 'threshold rules: one of the type’s metrics' },
  comparison: { type: 'string', enum: ruleComparisons },
  threshold: level,
  clearThreshold: { ...level, description: 'Back on the right side of this clears the alarm (default: threshold)' },
  consecutive: { type: 'integer', minimum: 1, maximum: 100, description: 'Readings in a row over the threshold' },
  severity: { type: 'string', enum: alarmSeverities },
  action: { type: 'string', enum: alarmActions },
  categoryId: { ...id, description: 'The case category (case, and incident in an unoccupied building)' },
  incidentKind: { type: 'string', enum: ruleIncidentKinds },
  dedupeMinutes: { type: 'integer', minimum: 1, maximum: 1440 },
  enabled: { type: 'boolean' },
} as const

export const newRuleBody = body(['deviceType', 'name', 'trigger', 'severity', 'action'], {
  deviceType: { type: 'string', enum: deviceTypes },
  areaId: { ...id, description: 'The area whose devices it covers; omit for a city-wide rule (root admins)' },
  trigger: { type: 'string', enum: ruleTriggers },
  ...ruleFields,
})
export type NewRule = Input<typeof newRuleBody>

const orNullField = <const S extends { type: string }>(s: S) => ({ ...s, type: [s.type, 'null'] }) as const

export const rulePatchBody = body(['version'], {
  version: { type: 'integer', minimum: 1, maximum: 2147483647 },
  name: text(100),
  alarmKind: orNullField(kindPattern),
  metric: kindPattern,
  comparison: { type: 'string', enum: ruleComparisons },
  threshold: level,
  clearThreshold: orNullField(level),
  consecutive: ruleFields.consecutive,
  severity: ruleFields.severity,
  action: ruleFields.action,
  categoryId: { ...orNullField(id), minimum: 1, maximum: 2147483647 },
  incidentKind: { type: ['string', 'null'], enum: [...ruleIncidentKinds, null] },
  dedupeMinutes: ruleFields.dedupeMinutes,
  enabled: ruleFields.enabled,
})
export type RulePatch = Input<typeof rulePatchBody>

// ---------------------------------------------------------------------------------------------
// The rules as the alarm processing reads them: per type, cached for a few seconds (ingest calls
// this for every batch), dropped at once when a rule is edited in this process.

export interface ActiveRule {
  id: number
  name: string
  area_id: number | null
  /** The area's path ('/1/4/'), or '' for a city-wide rule: the longer, the more specific. */
  area_path: string
  trigger: 'flag' | 'threshold'
  alarm_kind: string | null
  metric: string | null
  comparison: 'gt' | 'lt' | null
  threshold: number | null
  clear_threshold: number | null
  consecutive: number
  severity: AlarmSeverity
  action: AlarmAction
  category_id: number | null
  incident_kind: (typeof ruleIncidentKinds)[number] | null
  dedupe_minutes: number
}

const RULE_TTL_MS = 5_000
const ruleCache = new Map<string, { until: number; rules: ActiveRule[] }>()

/** Drops the cached rules (after an edit; tests that write rules by SQL call it too). */
export function invalidateRules(): void {
  ruleCache.clear()
}

/** A rule as the alarm processing reads it: one select for the cached per-type list and a single rule. */
const activeRuleSelect = sql`
  select r.id, r.name, r.area_id, coalesce(a.path, '') as area_path, r.trigger, r.alarm_kind, r.metric, r.comparison,
         r.threshold, r.clear_threshold, r.consecutive, r.severity, r.action, r.category_id, r.incident_kind,
         r.dedupe_minutes
  from device_alarm_rule r left join area a on a.id = r.area_id`
const activeRule = (r: ActiveRule): ActiveRule => ({
  ...r,
  id: Number(r.id),
  threshold: r.threshold === null ? null : Number(r.threshold),
  clear_threshold: r.clear_threshold === null ? null : Number(r.clear_threshold),
})

/** The enabled rules of a device type (cached per type for a few seconds). */
export async function rulesOfType(tx: Tx | Db, type: string): Promise<ActiveRule[]> {
  const hit = ruleCache.get(type)
  if (hit && hit.until > Date.now()) return hit.rules
  const { rows } = await sql<ActiveRule>`${activeRuleSelect}
    where r.device_type = ${type} and r.enabled
    order by r.id`.execute(tx)
  const rules = rows.map(activeRule)
  ruleCache.set(type, { until: Date.now() + RULE_TTL_MS, rules })
  return rules
}

/** A rule, enabled or not, as the alarm processing reads it (a held alarm's review), uncached. */
export async function ruleById(tx: Tx | Db, ruleId: number): Promise<ActiveRule | null> {
  const { rows } = await sql<ActiveRule>`${activeRuleSelect} where r.id = ${ruleId}`.execute(tx)
  return rows[0] ? activeRule(rows[0]) : null
}

const covers = (rule: ActiveRule, devicePath: string) => devicePath.startsWith(rule.area_path)

/**
 * The flag rule for an alarm of `kind` from a device at `devicePath`: of the rules whose area
 * covers the device and whose alarm kind is this one or any, the most specific area wins; at the
 * same area a rule for this very kind beats one for any kind; then the oldest.
 */
export function flagRuleFor(rules: ActiveRule[], devicePath: string, kind: string): ActiveRule | null {
  let best: ActiveRule | null = null
  for (const r of rules) {
    if (r.trigger !== 'flag' || !covers(r, devicePath)) continue
    if (r.alarm_kind !== null && r.alarm_kind !== kind) continue
    if (
      !best ||
      r.area_path.length > best.area_path.length ||
      (r.area_path.length === best.area_path.length && best.alarm_kind === null && r.alarm_kind !== null)
    )
      best = r
  }
  return best
}

/**
 * The threshold rules for a device at `devicePath`, per metric: the rules of the most specific
 * area that has any for that metric (several there may apply, e.g. a major and a critical level).
 */
export function thresholdRulesFor(rules: ActiveRule[], devicePath: string): ActiveRule[] {
  const deepest = new Map<string, number>()
  for (const r of rules) {
    if (r.trigger !== 'threshold' || !covers(r, devicePath)) continue
    deepest.set(r.metric!, Math.max(deepest.get(r.metric!) ?? -1, r.area_path.length))
  }
  return rules.filter(
    (r) => r.trigger === 'threshold' && covers(r, devicePath) && r.area_path.length === deepest.get(r.metric!),
  )
}

// ---------------------------------------------------------------------------------------------

interface RuleRow {
  id: number
  device_type: string
  area_id: number | null
  area_code: string | null
  area_name_zh: string | null
  area_name_en: string | null
  area_path: string | null
  name: string
  trigger: 'flag' | 'threshold'
  alarm_kind: string | null
  metric: string | null
  comparison: 'gt' | 'lt' | null
  threshold: number | null
  clear_threshold: number | null
  consecutive: number
  severity: AlarmSeverity
  action: AlarmAction
  category_id: number | null
  category_code: string | null
  category_name_zh: string | null
  category_name_en: string | null
  incident_kind: (typeof ruleIncidentKinds)[number] | null
  dedupe_minutes: number
  enabled: boolean
  updated_at: Date
  version: number
}

const ruleSelect = sql`
  select r.id, r.device_type, r.area_id, a.code as area_code, a.name_zh as area_name_zh, a.name_en as area_name_en,
         a.path as area_path, r.name, r.trigger, r.alarm_kind, r.metric, r.comparison, r.threshold, r.clear_threshold,
         r.consecutive, r.severity, r.action, r.category_id, c.code as category_code, c.name_zh as category_name_zh,
         c.name_en as category_name_en, r.incident_kind, r.dedupe_minutes, r.enabled, r.updated_at, r.version
  from device_alarm_rule r
  left join area a on a.id = r.area_id
  left join case_category c on c.id = r.category_id`

function mayWrite(ctx: RequestContext, areaPath: string | null): boolean {
  return areaPath === null ? isRootAdmin(ctx.actor) : holds(ctx.actor, ['admin'], areaPath)
}

function presentRule(ctx: RequestContext, r: RuleRow): RuleView {
  return {
    id: Number(r.id),
    deviceType: r.device_type as DeviceType,
    area:
      r.area_id === null
        ? null
        : { id: r.area_id, code: r.area_code!, nameZh: r.area_name_zh!, nameEn: r.area_name_en! },
    name: r.name,
    trigger: r.trigger,
    alarmKind: r.alarm_kind,
    metric: r.metric,
    comparison: r.comparison,
    threshold: r.threshold === null ? null : Number(r.threshold),
    clearThreshold: r.clear_threshold === null ? null : Number(r.clear_threshold),
    consecutive: r.consecutive,
    severity: r.severity,
    action: r.action,
    category:
      r.category_id === null
        ? null
        : { id: r.category_id, code: r.category_code!, nameZh: r.category_name_zh!, nameEn: r.category_name_en! },
    incidentKind: r.incident_kind,
    dedupeMinutes: r.dedupe_minutes,
    enabled: r.enabled,
    updatedAt: new Date(r.updated_at).toISOString(),
    version: r.version,
    writable: mayWrite(ctx, r.area_path),
  }
}

/** The rules, by type then area (city-wide first); with areaId, those that apply in the area. */
export async function listRules(
  tx: Tx,
  ctx: RequestContext,
  q: Input<typeof ruleListQuery>,
): Promise<Output<typeof ruleListSchema>> {
  requireActor(ctx)
  let path: string | null = null
  if (q.areaId !== undefined) {
    const a = await tx.selectFrom('area').select('path').where('id', '=', q.areaId).executeTakeFirst()
    if (!a) throw notFound('AREA_NOT_FOUND', `area ${q.areaId}`, 'areaId')
    path = a.path
  }
  const { rows } = await sql<RuleRow>`${ruleSelect}
    where (${q.deviceType ?? null}::text is null or r.device_type = ${q.deviceType ?? null})
      and (${path}::text is null or r.area_id is null or ${path} like a.path || '%')
    order by r.device_type, length(coalesce(a.path, '')), r.id
    limit 1000`.execute(tx)
  return { items: rows.map((r) => presentRule(ctx, r)) }
}

export async function ruleDetail(tx: Tx, ctx: RequestContext, ruleId: number): Promise<RuleView> {
  const { rows } = await sql<RuleRow>`${ruleSelect} where r.id = ${ruleId}`.execute(tx)
  if (!rows[0]) throw notFound('ALARM_RULE_NOT_FOUND', `alarm rule ${ruleId}`, 'id')
  return presentRule(ctx, rows[0])
}

const invalid = (field: string, message: string) => new AppError('ALARM_RULE_INVALID', message, field)

interface RuleShape {
  deviceType: DeviceType
  trigger: 'flag' | 'threshold'
  alarmKind: string | null
  metric: string | null
  comparison: 'gt' | 'lt' | null
  threshold: number | null
  clearThreshold: number | null
  consecutive: number
  severity: AlarmSeverity
  action: AlarmAction
  categoryId: number | null
  incidentKind: string | null
}

/**
 * A category a device can file a case in without a person: an active leaf that needs no photo and
 * no attribute (a device cannot give either). Else null with the reason.
 */
export async function categoryUnusable(tx: Tx | Db, categoryId: number): Promise<string | null> {
  const c = await tx
    .selectFrom('case_category')
    .select(['code', 'is_leaf', 'active', 'photo_required', 'attributes'])
    .where('id', '=', categoryId)
    .executeTakeFirst()
  if (!c) return 'no such category'
  if (!c.active) return `category ${c.code} is no longer active`
  if (!c.is_leaf) return `category ${c.code} is a group; choose one of its leaves`
  if (c.photo_required) return `category ${c.code} needs a photo, which a device cannot send`
  const attrs = (typeof c.attributes === 'string' ? JSON.parse(c.attributes) : c.attributes) as {
    code: string
    required?: boolean
  }[]
  const needed = attrs.filter((a) => a.required).map((a) => a.code)
  if (needed.length) return `category ${c.code} needs attributes a device cannot give: ${needed.join(', ')}`
  return null
}

/** Checks a rule as a whole (after a patch too): ALARM_RULE_INVALID naming the field at fault. */
async function checkRule(tx: Tx, r: RuleShape) {
  const spec = typeSpecs[r.deviceType]
  if (r.trigger === 'flag') {
    if (r.alarmKind !== null && !spec.alarms.includes(r.alarmKind))
      throw invalid('alarmKind', `a ${r.deviceType} raises ${spec.alarms.join(', ')}; not ${r.alarmKind}`)
    if (r.metric !== null) throw invalid('metric', 'a flag rule has no metric')
    if (r.threshold !== null) throw invalid('threshold', 'a flag rule has no threshold')
    if (r.comparison !== null) throw invalid('comparison', 'a flag rule has no comparison')
    if (r.clearThreshold !== null) throw invalid('clearThreshold', 'a flag rule has no clearing threshold')
    if (r.consecutive !== 1) throw invalid('consecutive', 'a flag rule counts no readings in a row')
  } else {
    if (r.alarmKind !== null) throw invalid('alarmKind', 'a threshold rule has no alarm kind')
    if (r.metric === null) throw invalid('metric', 'a threshold rule needs a metric')
    const range = spec.metrics[r.metric]
    if (!range)
      throw invalid('metric', `a ${r.deviceType} measures ${Object.keys(spec.metrics).join(', ')}; not ${r.metric}`)
    if (r.comparison === null) throw invalid('comparison', 'a threshold rule needs gt or lt')
    if (r.threshold === null) throw invalid('threshold', 'a threshold rule needs a threshold')
    if (r.threshold < range.min || r.threshold > range.max)
      throw invalid('threshold', `${r.metric} ranges from ${range.min} to ${range.max}`)
    if (r.clearThreshold !== null) {
      const wrongSide = r.comparison === 'gt' ? r.clearThreshold > r.threshold : r.clearThreshold < r.threshold
      if (wrongSide)
        throw invalid(
          'clearThreshold',
          `the clearing level must be ${r.comparison === 'gt' ? 'at or below' : 'at or above'} the threshold`,
        )
    }
  }
  if (r.action === 'incident') {
    if (r.incidentKind === null) throw invalid('incidentKind', 'an incident rule needs the kind of incident')
    if (r.severity !== 'critical') throw invalid('severity', 'only a critical alarm opens an emergency incident')
  } else if (r.incidentKind !== null) throw invalid('incidentKind', 'only an incident rule has an incident kind')
  if (r.action !== 'warning' && r.categoryId === null)
    throw invalid('categoryId', 'a rule that files a case (or an incident) needs the case category')
  if (r.categoryId !== null) {
    const exists = await tx.selectFrom('case_category').select('id').where('id', '=', r.categoryId).executeTakeFirst()
    if (!exists) throw notFound('CASE_CATEGORY_NOT_FOUND', `category ${r.categoryId}`, 'categoryId')
    const why = await categoryUnusable(tx, r.categoryId)
    if (why) throw invalid('categoryId', why)
  }
}

/** A new rule, by an admin over its area (a city-wide one by a root admin). */
export async function createRule(tx: Tx, ctx: RequestContext, input: NewRule, now: Date): Promise<RuleView> {
  const actor = requireActor(ctx)
  let path: string | null = null
  if (input.areaId !== undefined) {
    const a = await tx
      .selectFrom('area')
      .select(['path', 'retired_at'])
      .where('id', '=', input.areaId)
      .executeTakeFirst()
    if (!a || a.retired_at) throw notFound('AREA_NOT_FOUND', `area ${input.areaId}`, 'areaId')
    path = a.path
    if (!holds(actor, ['admin'], path))
      throw new AppError('FORBIDDEN', 'rules for an area are written by its admins', 'areaId')
  } else requireRootAdmin(ctx, 'city-wide rules are written by a root admin')
  const shape: RuleShape = {
    deviceType: input.deviceType,
    trigger: input.trigger,
    alarmKind: input.alarmKind ?? null,
    metric: input.metric ?? null,
    comparison: input.comparison ?? null,
    threshold: input.threshold ?? null,
    clearThreshold: input.clearThreshold ?? null,
    consecutive: input.consecutive ?? 1,
    severity: input.severity,
    action: input.action,
    categoryId: input.categoryId ?? null,
    incidentKind: input.incidentKind ?? null,
  }
  await checkRule(tx, shape)
  const made = await tx
    .insertInto('device_alarm_rule')
    .values({
      device_type: shape.deviceType,
      area_id: input.areaId ?? null,
      name: input.name,
      trigger: shape.trigger,
      alarm_kind: shape.alarmKind,
      metric: shape.metric,
      comparison: shape.comparison,
      threshold: shape.threshold,
      clear_threshold: shape.clearThreshold,
      consecutive: shape.consecutive,
      severity: shape.severity,
      action: shape.action,
      category_id: shape.categoryId,
      incident_kind: shape.incidentKind,
      dedupe_minutes: input.dedupeMinutes ?? 30,
      enabled: input.enabled ?? true,
      created_by: actor.userId,
      created_at: now,
      updated_at: now,
    })
    .returning('id')
    .executeTakeFirstOrThrow()
  const ruleId = Number(made.id)
  await recordAudit(tx, ctx, {
    action: 'device.rule_create',
    entityType: 'device_alarm_rule',
    entityId: ruleId,
    areaId: input.areaId ?? null,
    detail: { deviceType: shape.deviceType, trigger: shape.trigger, action: shape.action, severity: shape.severity },
  })
  invalidateRules()
  return ruleDetail(tx, ctx, ruleId)
}

/** Changes a rule (the version the caller read); its type, area and trigger stay. */
export async function updateRule(
  tx: Tx,
  ctx: RequestContext,
  ruleId: number,
  patch: RulePatch,
  now: Date,
): Promise<RuleView> {
  requireActor(ctx)
  const { rows } = await sql<RuleRow>`${ruleSelect} where r.id = ${ruleId}`.execute(tx)
  const r = rows[0]
  if (!r) throw notFound('ALARM_RULE_NOT_FOUND', `alarm rule ${ruleId}`, 'id')
  if (!mayWrite(ctx, r.area_path))
    throw new AppError(
      'FORBIDDEN',
      r.area_path === null ? 'city-wide rules are changed by a root admin' : 'rules are changed by the area’s admins',
    )
  if (patch.version !== r.version)
    throw new AppError(
      'DEVICE_VERSION_CONFLICT',
      `the rule changed meanwhile (version ${r.version}, you sent ${patch.version}); reload it`,
      'version',
    )
  const pick = <K extends keyof RulePatch, V>(k: K, current: V): V =>
    patch[k] === undefined ? current : (patch[k] as V)
  if (patch.metric !== undefined || patch.comparison !== undefined || patch.threshold !== undefined)
    if (r.trigger === 'flag')
      throw invalid(patch.metric !== undefined ? 'metric' : 'threshold', 'a flag rule has no threshold')
  const shape: RuleShape = {
    deviceType: r.device_type as DeviceType,
    trigger: r.trigger,
    alarmKind: pick('alarmKind', r.alarm_kind),
    metric: pick('metric', r.metric),
    comparison: pick('comparison', r.comparison),
    threshold: pick('threshold', r.threshold === null ? null : Number(r.threshold)),
    clearThreshold: pick('clearThreshold', r.clear_threshold === null ? null : Number(r.clear_threshold)),
    consecutive: pick('consecutive', r.consecutive),
    severity: pick('severity', r.severity),
    action: pick('action', r.action),
    categoryId: pick('categoryId', r.category_id),
    incidentKind: pick('incidentKind', r.incident_kind),
  }
  // Changing the action away from an incident drops its kind; away from a case keeps the category.
  if (patch.action !== undefined && patch.action !== 'incident' && patch.incidentKind === undefined)
    shape.incidentKind = null
  await checkRule(tx, shape)
  const updated = await tx
    .updateTable('device_alarm_rule')
    .set({
      name: patch.name ?? r.name,
      alarm_kind: shape.alarmKind,
      metric: shape.metric,
      comparison: shape.comparison,
      threshold: shape.threshold,
      clear_threshold: shape.clearThreshold,
      consecutive: shape.consecutive,
      severity: shape.severity,
      action: shape.action,
      category_id: shape.categoryId,
      incident_kind: shape.incidentKind,
      dedupe_minutes: patch.dedupeMinutes ?? r.dedupe_minutes,
      enabled: patch.enabled ?? r.enabled,
      updated_at: now,
      version: r.version + 1,
    })
    .where('id', '=', ruleId)
    .where('version', '=', r.version)
    .executeTakeFirst()
  if (Number(updated.numUpdatedRows) !== 1)
    throw new AppError('DEVICE_VERSION_CONFLICT', 'someone changed the rule at the same moment; reload it', 'version')
  await recordAudit(tx, ctx, {
    action: 'device.rule_update',
    entityType: 'device_alarm_rule',
    entityId: ruleId,
    areaId: r.area_id,
    detail: { fields: Object.keys(patch).filter((k) => k !== 'version') },
  })
  invalidateRules()
  return ruleDetail(tx, ctx, ruleId)
}

// ---------------------------------------------------------------------------------------------
// Device types: the per-type settings (root admins) and what each type measures and raises.

export const typeSchema = shape({
  code: { type: 'string', enum: deviceTypes },
  nameZh: { type: 'string' },
  nameEn: { type: 'string' },
  heartbeatSeconds: { type: 'integer' },
  maintenanceAfterSeconds: { type: 'integer' },
  flapAlarms: { type: 'integer' },
  flapWindowSeconds: { type: 'integer' },
  maintenanceCategory: orNull(categoryRef),
  metrics: {
    type: 'array',
    items: shape({
      code: { type: 'string' },
      unit: { type: 'string' },
      min: { type: 'number' },
      max: { type: 'number' },
    }),
  },
  alarms: { type: 'array', items: { type: 'string' } },
  updatedAt: timestamp,
  version: { type: 'integer' },
})
export type TypeView = Output<typeof typeSchema>
export const typeListSchema = shape({ items: { type: 'array', items: typeSchema } })

export const typeParams = {
  type: 'object',
  required: ['code'],
  additionalProperties: false,
  properties: { code: { type: 'string', pattern: '^[a-z_]{2,40}$', maxLength: 40 } },
} as const

export const typePatchBody = body(['version'], {
  version: { type: 'integer', minimum: 1, maximum: 2147483647 },
  heartbeatSeconds: { type: 'integer', minimum: 10, maximum: 604800 },
  maintenanceAfterSeconds: { type: 'integer', minimum: 60, maximum: 2592000 },
  flapAlarms: { type: 'integer', minimum: 2, maximum: 1000 },
  flapWindowSeconds: { type: 'integer', minimum: 60, maximum: 86400 },
  maintenanceCategoryId: { type: ['integer', 'null'], minimum: 1, maximum: 2147483647 },
})
export type TypePatch = Input<typeof typePatchBody>

interface TypeRow {
  code: DeviceType
  name_zh: string
  name_en: string
  heartbeat_seconds: number
  maintenance_after_seconds: number
  flap_alarms: number
  flap_window_seconds: number
  maintenance_category_id: number | null
  category_code: string | null
  category_name_zh: string | null
  category_name_en: string | null
  updated_at: Date
  version: number
}

const typeSelect = sql`
  select t.code, t.name_zh, t.name_en, t.heartbeat_seconds, t.maintenance_after_seconds, t.flap_alarms,
         t.flap_window_seconds, t.maintenance_category_id, c.code as category_code, c.name_zh as category_name_zh,
         c.name_en as category_name_en, t.updated_at, t.version
  from device_type t left join case_category c on c.id = t.maintenance_category_id`

function presentType(t: TypeRow): TypeView {
  const spec = typeSpecs[t.code]
  return {
    code: t.code,
    nameZh: t.name_zh,
    nameEn: t.name_en,
    heartbeatSeconds: t.heartbeat_seconds,
    maintenanceAfterSeconds: t.maintenance_after_seconds,
    flapAlarms: t.flap_alarms,
    flapWindowSeconds: t.flap_window_seconds,
    maintenanceCategory:
      t.maintenance_category_id === null
        ? null
        : {
            id: t.maintenance_category_id,
            code: t.category_code!,
            nameZh: t.category_name_zh!,
            nameEn: t.category_name_en!,
          },
    metrics: Object.entries(spec?.metrics ?? {}).map(([code, m]) => ({ code, ...m })),
    alarms: [...(spec?.alarms ?? [])],
    updatedAt: new Date(t.updated_at).toISOString(),
    version: t.version,
  }
}

export async function listTypes(tx: Tx): Promise<Output<typeof typeListSchema>> {
  const { rows } = await sql<TypeRow>`${typeSelect} order by t.code`.execute(tx)
  return { items: rows.filter((r) => r.code in typeSpecs).map(presentType) }
}

async function typeRow(tx: Tx, code: string): Promise<TypeRow> {
  const { rows } = await sql<TypeRow>`${typeSelect} where t.code = ${code}`.execute(tx)
  if (!rows[0]) throw notFound('DEVICE_TYPE_NOT_FOUND', `device type ${code}`, 'code')
  return rows[0]
}

/** Changes a type's settings (root admins): heartbeat, maintenance limit and category, flapping. */
export async function updateType(
  tx: Tx,
  ctx: RequestContext,
  code: string,
  patch: TypePatch,
  now: Date,
): Promise<TypeView> {
  requireRootAdmin(ctx, 'device type settings are changed by a root admin')
  const t = await typeRow(tx, code)
  if (patch.version !== t.version)
    throw new AppError(
      'DEVICE_VERSION_CONFLICT',
      `the type changed meanwhile (version ${t.version}, you sent ${patch.version}); reload it`,
      'version',
    )
  const heartbeat = patch.heartbeatSeconds ?? t.heartbeat_seconds
  const maintenance = patch.maintenanceAfterSeconds ?? t.maintenance_after_seconds
  if (maintenance <= heartbeat)
    throw new AppError(
      'VALIDATION_FAILED',
      'the maintenance limit must be longer than the heartbeat interval',
      patch.maintenanceAfterSeconds !== undefined ? 'maintenanceAfterSeconds' : 'heartbeatSeconds',
    )
  const categoryId = patch.maintenanceCategoryId === undefined ? t.maintenance_category_id : patch.maintenanceCategoryId
  if (categoryId !== null && categoryId !== t.maintenance_category_id) {
    const exists = await tx.selectFrom('case_category').select('id').where('id', '=', categoryId).executeTakeFirst()
    if (!exists) throw notFound('CASE_CATEGORY_NOT_FOUND', `category ${categoryId}`, 'maintenanceCategoryId')
    const why = await categoryUnusable(tx, categoryId)
    if (why) throw new AppError('VALIDATION_FAILED', why, 'maintenanceCategoryId')
  }
  const updated = await tx
    .updateTable('device_type')
    .set({
      heartbeat_seconds: heartbeat,
      maintenance_after_seconds: maintenance,
      flap_alarms: patch.flapAlarms ?? t.flap_alarms,
      flap_window_seconds: patch.flapWindowSeconds ?? t.flap_window_seconds,
      maintenance_category_id: categoryId,
      updated_at: now,
      version: t.version + 1,
    })
    .where('code', '=', code)
    .where('version', '=', t.version)
    .executeTakeFirst()
  if (Number(updated.numUpdatedRows) !== 1)
    throw new AppError('DEVICE_VERSION_CONFLICT', 'someone changed the type at the same moment; reload it', 'version')
  await recordAudit(tx, ctx, {
    action: 'device.type_update',
    entityType: 'device_type',
    entityId: code,
    areaId: null,
    detail: { code, fields: Object.keys(patch).filter((k) => k !== 'version') },
  })
  return presentType(await typeRow(tx, code))
}
