import { sql } from 'kysely'
import { recordAudit } from '../audit/service.js'
import type { Tx } from '../core/db.js'
import { AppError } from '../core/errors.js'
import type { Input, Output } from '../core/http.js'
import { countLimitOf, offsetOf, paginate, type Page } from '../core/paging.js'
import { body, date, id, nullable, shape, timestamp } from '../core/schemas.js'
import { holds, requireActor, type RequestContext } from '../core/scope.js'
import { defineWorkflow } from '../core/workflow.js'
import { boundarySchema, checkBoundary, geometrySchema, type AreaGeometry } from '../jurisdiction/geometry.js'
import { areaPathOf } from '../jurisdiction/service.js'
import { buildCheckList } from './checks.js'
import {
  checkTags,
  commands,
  defaultCheckTags,
  emergencyStaff,
  incidentKinds,
  loadIncident,
  logIncident,
  requireCommand,
  responderRoles,
  type IncidentRow,
} from './common.js'

// Incidents (突发事件): declared over grids of a community or street with a level (Ⅳ → Ⅰ) and a
// commander; the check list of vulnerable residents is made in the same transaction; the level
// moves with a reason (audited), and the incident closes with a summary. Every decision goes to
// the incident log, which is the after-action report's timeline.

export const incidentStates = ['active', 'closed'] as const
export type IncidentState = (typeof incidentStates)[number]
export const sourceKinds = ['manual', 'early_warning', 'device_alarm', 'case'] as const

/** command: the commander, or admin, leader or staff over the incident's area. */
type IncidentRole = 'command'
export const incidentWorkflow = defineWorkflow({
  name: 'incident',
  states: incidentStates,
  illegalCode: 'INCIDENT_ILLEGAL_TRANSITION',
  actions: {
    edit: { from: ['active'], to: null, by: ['command'] },
    add_grids: { from: ['active'], to: null, by: ['command'] },
    change_level: { from: ['active'], to: null, by: ['command'] },
    close: { from: ['active'], to: 'closed', by: ['command'] },
  },
})
export type IncidentAction = keyof typeof incidentWorkflow.actions
const incidentActions = Object.keys(incidentWorkflow.actions) as IncidentAction[]

const gridIdsSchema = { type: 'array', items: id, minItems: 1, maxItems: 200, uniqueItems: true } as const

export const newIncidentBody = body(['areaId', 'kind', 'level', 'title', 'description'], {
  areaId: id,
  kind: { type: 'string', enum: incidentKinds },
  level: {
    type: 'integer',
    minimum: 1,
    maximum: 4,
    description: '1 = level Ⅰ (most severe, red) … 4 = level Ⅳ (blue)',
  },
  title: { type: 'string', minLength: 2, maxLength: 100 },
  description: { type: 'string', minLength: 1, maxLength: 4000 },
  gridIds: { ...gridIdsSchema, description: 'The affected grids (below areaId); or draw `affected`' },
  affected: { ...boundarySchema, description: 'The affected area drawn on the map: the grids it intersects' },
  commanderId: { ...id, description: 'Default: the caller; must be admin, leader or staff over the area' },
  drill: { type: 'boolean', default: false },
  checkTags: { type: 'array', items: { type: 'string', enum: checkTags }, minItems: 1, maxItems: 8, uniqueItems: true },
  escalateAfterMinutes: { type: 'integer', minimum: 5, maximum: 1440, default: 60 },
  source: {
    type: 'object',
    additionalProperties: false,
    required: ['kind'],
    properties: {
      kind: { type: 'string', enum: sourceKinds },
      ref: { type: 'string', minLength: 1, maxLength: 100 },
    },
  },
})
export type NewIncident = Input<typeof newIncidentBody>
/** What a declaration takes from any caller (route, early warning, device alarm): the defaults may be left out. */
export type DeclareIncident = Omit<NewIncident, 'drill' | 'escalateAfterMinutes'> &
  Partial<Pick<NewIncident, 'drill' | 'escalateAfterMinutes'>>

export const incidentFilterQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    status: { type: 'string', enum: incidentStates },
    kind: { type: 'string', enum: incidentKinds },
    drill: { type: 'boolean' },
    areaId: id,
    page: { type: 'integer', minimum: 1, maximum: 100000, default: 1 },
    pageSize: { type: 'integer', minimum: 1, maximum: 100, default: 20 },
  },
} as const
export type IncidentFilter = Input<typeof incidentFilterQuery>

export const incidentViewSchema = shape({
  id: { type: 'integer' },
  reference: { type: 'string' },
  areaId: { type: 'integer' },
  areaNameZh: { type: 'string' },
  areaNameEn: { type: 'string' },
  kind: { type: 'string', enum: incidentKinds },
  level: { type: 'integer' },
  title: { type: 'string' },
  status: { type: 'string', enum: incidentStates },
  drill: { type: 'boolean' },
  commanderId: { type: 'integer' },
  commanderName: { type: 'string' },
  gridCount: { type: 'integer' },
  declaredAt: timestamp,
  closedAt: nullable('string'),
})
type IncidentView = Output<typeof incidentViewSchema>

const countsSchema = shape({
  checksTotal: { type: 'integer' },
  checksPending: { type: 'integer' },
  checksSafe: { type: 'integer' },
  checksNeedsHelp: { type: 'integer' },
  checksUnreachable: { type: 'integer' },
  checksEscalated: { type: 'integer' },
  alerts: { type: 'integer' },
  alertRecipients: { type: 'integer' },
  alertsSent: { type: 'integer' },
  alertsAcknowledged: { type: 'integer' },
  tasksOpen: { type: 'integer' },
  tasksDone: { type: 'integer' },
  sheltered: { type: 'integer', description: 'People checked in to shelters and not yet out' },
})

export const incidentDetailSchema = shape({
  ...incidentViewSchema.properties,
  description: { type: 'string' },
  version: { type: 'integer' },
  areaLevel: { type: 'string' },
  checkTags: { type: 'array', items: { type: 'string', enum: checkTags } },
  escalateAfterMinutes: { type: 'integer' },
  sourceKind: { type: 'string', enum: sourceKinds },
  sourceRef: nullable('string'),
  summary: nullable('string'),
  declaredByName: { type: 'string' },
  closedByName: nullable('string'),
  grids: {
    type: 'array',
    items: shape({
      id: { type: 'integer' },
      code: { type: 'string' },
      nameZh: { type: 'string' },
      nameEn: { type: 'string' },
    }),
  },
  drawn: { type: 'boolean', description: 'The affected area was drawn on the map (see /map)' },
  commands: { type: 'boolean', description: 'Whether the caller runs the incident' },
  allowedActions: { type: 'array', items: { type: 'string', enum: incidentActions } },
  counts: countsSchema,
})
export type IncidentDetail = Output<typeof incidentDetailSchema>

export const updateIncidentBody = body(['version'], {
  version: { type: 'integer', minimum: 1, maximum: 2147483647 },
  title: { type: 'string', minLength: 2, maxLength: 100 },
  description: { type: 'string', minLength: 1, maxLength: 4000 },
  commanderId: id,
  escalateAfterMinutes: { type: 'integer', minimum: 5, maximum: 1440 },
})
export const addGridsBody = body(['gridIds'], { gridIds: gridIdsSchema })
export const levelBody = body(['level', 'reason'], {
  level: { type: 'integer', minimum: 1, maximum: 4 },
  reason: { type: 'string', minLength: 2, maxLength: 500 },
})
export const closeBody = body(['summary'], { summary: { type: 'string', minLength: 1, maxLength: 8000 } })
export const noteBody = body(['message'], { message: { type: 'string', minLength: 1, maxLength: 2000 } })

export const logQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    after: { type: 'integer', minimum: 0, maximum: 9007199254740991, description: 'The last id of the page before' },
  },
} as const
export const logEntrySchema = shape({
  id: { type: 'integer' },
  at: timestamp,
  actorName: nullable('string'),
  kind: { type: 'string' },
  message: { type: 'string' },
  data: { type: 'object', additionalProperties: true },
})
export const logPageSchema = shape({
  items: { type: 'array', items: logEntrySchema },
  nextAfter: nullable('integer'),
})
type LogPage = Output<typeof logPageSchema>
const LOG_PAGE = 50

export const mapSchema = shape({
  type: { type: 'string', enum: ['FeatureCollection'] },
  features: {
    type: 'array',
    items: shape({
      type: { type: 'string', enum: ['Feature'] },
      geometry: geometrySchema,
      properties: shape({
        kind: { type: 'string', enum: ['grid', 'affected'] },
        gridId: nullable('integer'),
        code: nullable('string'),
        nameZh: nullable('string'),
        nameEn: nullable('string'),
        total: { type: 'integer' },
        pending: { type: 'integer' },
        safe: { type: 'integer' },
        needsHelp: { type: 'integer' },
        unreachable: { type: 'integer' },
      }),
    }),
  },
  markers: {
    type: 'array',
    description:
      'Tasks with a place and the shelters of the incident’s area, as points (a foreign member of the collection)',
    items: shape({
      kind: { type: 'string', enum: ['task', 'shelter'] },
      id: { type: 'integer' },
      title: { type: 'string' },
      status: { type: 'string' },
      lng: { type: 'number' },
      lat: { type: 'number' },
      capacity: nullable('integer'),
      occupancy: nullable('integer'),
    }),
  },
})
type IncidentMap = Output<typeof mapSchema>

export const statsQuery = {
  type: 'object',
  additionalProperties: false,
  properties: { from: date, to: date, areaId: id },
} as const
const groupStatsSchema = shape({
  incidents: { type: 'integer' },
  active: { type: 'integer' },
  byKind: { type: 'array', items: shape({ kind: { type: 'string' }, count: { type: 'integer' } }) },
  byLevel: { type: 'array', items: shape({ level: { type: 'integer' }, count: { type: 'integer' } }) },
  reached: { type: 'integer', description: 'People on check lists reached (safe or needs help)' },
  avgMinutesToReach: nullable('number'),
  alertsSent: { type: 'integer' },
})
export const statsSchema = shape({
  from: nullable('string'),
  to: nullable('string'),
  real: groupStatsSchema,
  drills: groupStatsSchema,
})
type IncidentStats = Output<typeof statsSchema>

// ---------------------------------------------------------------------------------------------

const staffRoleList = emergencyStaff as string[]

/** Whether the user holds admin, leader or staff over the area at `path` (the commander's rights). */
async function mayCommand(tx: Tx, userId: number, path: string): Promise<boolean> {
  const { rows } = await sql<{ ok: boolean }>`
    select ${userId}::integer in (select app_users_with_role_over(${staffRoleList}::text[], ${path})) as ok`.execute(tx)
  return !!rows[0]?.ok
}

async function requireCommander(tx: Tx, userId: number, path: string): Promise<void> {
  if (!(await mayCommand(tx, userId, path)))
    throw new AppError(
      'INCIDENT_COMMANDER_INVALID',
      'the commander must be an admin, leader or staff member over the incident’s area',
      'commanderId',
    )
}

/** The grids of `gridIds`, which must all be live grids below the area, else 422 naming gridIds. */
async function gridsBelow(tx: Tx, areaPath: string, gridIds: readonly number[]): Promise<number[]> {
  const rows = await tx
    .selectFrom('area')
    .select('id')
    .where('id', 'in', gridIds as number[])
    .where('level', '=', 'grid')
    .where('retired_at', 'is', null)
    .where('path', 'like', `${areaPath}%`)
    .execute()
  const found = new Set(rows.map((r) => r.id))
  const bad = gridIds.filter((g) => !found.has(g))
  if (bad.length)
    throw new AppError('INCIDENT_GRIDS_INVALID', `not grids of the incident's area: ${bad.join(', ')}`, 'gridIds')
  return [...gridIds]
}

/** The live grids below the area that the drawn polygon covers (more than an edge). */
async function gridsUnder(tx: Tx, areaPath: string, affected: AreaGeometry): Promise<number[]> {
  await checkBoundary(tx, affected, 'affected')
  const { rows } = await sql<{ id: number }>`
    select a.id from area a,
      (select ST_SetSRID(ST_GeomFromGeoJSON(${JSON.stringify(affected)}), 4326) as g) d
    where a.level = 'grid' and a.retired_at is null and a.path like ${`${areaPath}%`}
      and ST_Intersects(a.boundary, d.g) and not ST_Touches(a.boundary, d.g)
    order by a.id`.execute(tx)
  if (!rows.length)
    throw new AppError('INCIDENT_GRIDS_INVALID', 'the drawn area covers no grid of the incident’s area', 'affected')
  return rows.map((r) => r.id)
}

/** Text that is more than blanks: at least `min` characters once trimmed, else 400 naming the field. */
function requireText(value: string, min: number, field: string) {
  if (value.trim().length < min)
    throw new AppError('VALIDATION_FAILED', `${field} needs at least ${min} characters besides blanks`, field)
}

const levelName = (level: number) => ['Ⅰ', 'Ⅱ', 'Ⅲ', 'Ⅳ'][level - 1] ?? String(level)

/**
 * Tells the responders: admins, leaders, staff and grid workers over the incident's area, and the
 * grid workers (and staff) of its grids, each once.
 */
async function tellResponders(
  tx: Tx,
  i: Pick<IncidentRow, 'id' | 'reference' | 'title' | 'drill' | 'area_path'>,
  event: 'declared' | 'level_changed' | 'closed',
  now: Date,
  level?: number,
) {
  const params = {
    reference: i.reference,
    title: i.title,
    incidentId: i.id,
    drill: i.drill,
    event,
    ...(level === undefined ? {} : { level }),
  }
  await sql`insert into notification (user_id, case_id, kind, params, created_at)
    select distinct u, null::bigint, 'incident_update', ${JSON.stringify(params)}::jsonb, ${now}::timestamptz
    from (select ${i.area_path}::text as path
          union select a.path from incident_grid g join area a on a.id = g.area_id where g.incident_id = ${i.id}) p
    cross join lateral app_users_with_role_over(${responderRoles as string[]}::text[], p.path) as u`.execute(tx)
}

/**
 * Declares an incident (the route, and early warnings and device alarms of issues 16/18 call
 * this): grids chosen or drawn, the check list made at once, logged, audited, responders told.
 */
export async function declareIncident(
  tx: Tx,
  ctx: RequestContext,
  input: DeclareIncident,
  now: Date,
): Promise<{ id: number; reference: string }> {
  const actor = requireActor(ctx)
  const area = await tx
    .selectFrom('area')
    .select(['id', 'path', 'level', 'retired_at'])
    .where('id', '=', input.areaId)
    .executeTakeFirst()
  if (!area) throw new AppError('AREA_NOT_FOUND', `area ${input.areaId} not found`, 'areaId')
  if (area.level !== 'community' && area.level !== 'street')
    throw new AppError('VALIDATION_FAILED', 'an incident is declared for a community or a street', 'areaId')
  if (!holds(actor, emergencyStaff, area.path))
    throw new AppError('FORBIDDEN', 'admins, leaders and staff of the area declare its incidents', 'areaId')
  requireText(input.title, 2, 'title')
  requireText(input.description, 1, 'description')
  const commanderId = input.commanderId ?? actor.userId
  await requireCommander(tx, commanderId, area.path)
  if (!input.gridIds && !input.affected)
    throw new AppError(
      'VALIDATION_FAILED',
      'choose the grids (gridIds) or draw the affected area (affected)',
      'gridIds',
    )
  if (input.gridIds && input.affected)
    throw new AppError('VALIDATION_FAILED', 'choose the grids or draw the area, not both', 'affected')
  const gridIds = input.gridIds
    ? await gridsBelow(tx, area.path, input.gridIds)
    : await gridsUnder(tx, area.path, input.affected as AreaGeometry)
  const source = input.source ?? { kind: 'manual' as const }
  if (source.kind !== 'manual' && !source.ref)
    throw new AppError('VALIDATION_FAILED', 'name the warning, alarm or case the incident comes from', 'source.ref')
  if (source.kind === 'case') {
    const c = await tx.selectFrom('cases').select('id').where('tracking_code', '=', source.ref!).executeTakeFirst()
    if (!c) throw new AppError('CASE_NOT_FOUND', `case ${source.ref} not found`, 'source.ref')
  }
  const district = await tx
    .selectFrom('area')
    .select('id')
    .where('level', '=', 'district')
    .where(sql<boolean>`${area.path} like path || '%'`)
    .executeTakeFirst()
  if (!district) throw new AppError('VALIDATION_FAILED', 'incidents are declared in a district', 'areaId')
  const { rows } = await sql<{ seq: string }>`select nextval('incident_seq') as seq`.execute(tx)
  const year = new Date(now.getTime() + 8 * 3_600_000).getUTCFullYear()
  const reference = `YJ-${year}-${String(rows[0]!.seq).padStart(6, '0')}`
  const tags = (input.checkTags ?? defaultCheckTags) as string[]
  const drill = input.drill ?? false
  await tx
    .insertInto('incident')
    .values({
      reference,
      area_id: area.id,
      district_id: district.id,
      kind: input.kind,
      level: input.level,
      title: input.title.trim(),
      description: input.description.trim(),
      affected: input.affected
        ? sql<string>`ST_Multi(ST_SetSRID(ST_GeomFromGeoJSON(${JSON.stringify(input.affected)}), 4326))`
        : null,
      commander_id: commanderId,
      drill,
      status: 'active',
      source_kind: source.kind,
      source_ref: source.ref ?? null,
      check_tags: tags,
      escalate_after_minutes: input.escalateAfterMinutes ?? 60,
      declared_by: actor.userId,
      declared_at: now,
      updated_at: now,
    })
    .execute()
  // Its id by the unique reference (the app role has no use of the identity's sequence; RETURNING
  // would need the row readable within its own statement).
  const newId = Number(
    (await tx.selectFrom('incident').select('id').where('reference', '=', reference).executeTakeFirstOrThrow()).id,
  )
  await tx
    .insertInto('incident_grid')
    .values(gridIds.map((g) => ({ incident_id: newId, area_id: g })))
    .execute()
  const onList = await buildCheckList(tx, newId, gridIds, tags, now)
  await logIncident(tx, actor, newId, {
    kind: 'declared',
    message: `${drill ? '【演练】' : ''}宣布${levelName(input.level)}级响应：${input.title.trim()}（${gridIds.length}个网格，核查名单${onList}人）`,
    data: { level: input.level, kind: input.kind, drill, gridIds, checks: onList, commanderId, source },
    at: now,
  })
  await recordAudit(tx, ctx, {
    action: 'incident.declare',
    entityType: 'incident',
    entityId: newId,
    areaId: area.id,
    detail: { reference, level: input.level, kind: input.kind, drill, grids: gridIds.length, source: source.kind },
  })
  await tellResponders(
    tx,
    { id: newId, reference, title: input.title.trim(), drill, area_path: area.path },
    'declared',
    now,
    input.level,
  )
  return { id: newId, reference }
}

/** Incidents the caller may see (row-level security), active first, newest first. */
export async function listIncidents(tx: Tx, ctx: RequestContext, f: IncidentFilter): Promise<Page<IncidentView>> {
  requireActor(ctx)
  let q = tx.selectFrom('incident as i').innerJoin('area as a', 'a.id', 'i.area_id')
  if (f.areaId !== undefined) {
    const path = await areaPathOf(tx, f.areaId, 'areaId')
    q = q.where('a.path', 'like', `${path}%`)
  }
  if (f.status) q = q.where('i.status', '=', f.status)
  if (f.kind) q = q.where('i.kind', '=', f.kind)
  if (f.drill !== undefined) q = q.where('i.drill', '=', f.drill)
  const limit = countLimitOf(f)
  const counted = await tx
    .selectFrom(q.select(sql`1`.as('x')).limit(limit).as('t'))
    .select(sql<string>`count(*)`.as('n'))
    .executeTakeFirstOrThrow()
  const total = Number(counted.n)
  const rows = await q
    .select([
      'i.id',
      'i.reference',
      'i.area_id',
      'a.name_zh',
      'a.name_en',
      'i.kind',
      'i.level',
      'i.title',
      'i.status',
      'i.drill',
      'i.commander_id',
      'i.declared_at',
      'i.closed_at',
      sql<number>`(select count(*)::int from incident_grid g where g.incident_id = i.id)`.as('grid_count'),
      sql<string | null>`(select n.display_name from app_display_names(array[i.commander_id]) n)`.as('commander_name'),
    ])
    .orderBy(sql`case when i.status = 'active' then 0 else 1 end`)
    .orderBy('i.declared_at', 'desc')
    .orderBy('i.id', 'desc')
    .limit(f.pageSize)
    .offset(offsetOf(f))
    .execute()
  return paginate(f, rows.map(viewOf), total, { totalCapped: total >= limit })
}

type ViewRow = {
  id: number
  reference: string
  area_id: number
  name_zh: string
  name_en: string
  kind: string
  level: number
  title: string
  status: string
  drill: boolean
  commander_id: number
  commander_name: string | null
  grid_count: number
  declared_at: Date
  closed_at: Date | null
}
const viewOf = (r: ViewRow): IncidentView => ({
  id: Number(r.id),
  reference: r.reference,
  areaId: r.area_id,
  areaNameZh: r.name_zh,
  areaNameEn: r.name_en,
  kind: r.kind as IncidentView['kind'],
  level: r.level,
  title: r.title,
  status: r.status as IncidentState,
  drill: r.drill,
  commanderId: r.commander_id,
  commanderName: r.commander_name ?? '',
  gridCount: Number(r.grid_count),
  declaredAt: r.declared_at.toISOString(),
  closedAt: r.closed_at?.toISOString() ?? null,
})

/** One incident with everything the command view's header shows, in two statements. */
export async function incidentDetail(tx: Tx, ctx: RequestContext, incidentId: number): Promise<IncidentDetail> {
  const actor = requireActor(ctx)
  const { rows } = await sql<
    ViewRow & {
      description: string
      version: number
      area_level: string
      area_path: string
      check_tags: string[]
      escalate_after_minutes: number
      source_kind: string
      source_ref: string | null
      summary: string | null
      declared_by_name: string | null
      closed_by_name: string | null
      drawn: boolean
      c: Record<string, number>
    }
  >`
    select i.id, i.reference, i.area_id, a.name_zh, a.name_en, a.level as area_level, a.path as area_path,
      i.kind, i.level, i.title, i.status, i.drill, i.commander_id, i.declared_at, i.closed_at, i.description,
      i.version, i.check_tags, i.escalate_after_minutes, i.source_kind, i.source_ref, i.summary,
      i.affected is not null as drawn,
      (select count(*)::int from incident_grid g where g.incident_id = i.id) as grid_count,
      (select n.display_name from app_display_names(array[i.commander_id]) n) as commander_name,
      (select n.display_name from app_display_names(array[i.declared_by]) n) as declared_by_name,
      (select n.display_name from app_display_names(array[i.closed_by]) n) as closed_by_name,
      json_build_object(
        'checksTotal', (select count(*) from incident_check c where c.incident_id = i.id),
        'checksPending', (select count(*) from incident_check c where c.incident_id = i.id and c.status = 'pending'),
        'checksSafe', (select count(*) from incident_check c where c.incident_id = i.id and c.status = 'safe'),
        'checksNeedsHelp', (select count(*) from incident_check c where c.incident_id = i.id and c.status = 'needs_help'),
        'checksUnreachable', (select count(*) from incident_check c where c.incident_id = i.id and c.status = 'unreachable'),
        'checksEscalated', (select count(*) from incident_check c where c.incident_id = i.id and c.escalated_at is not null),
        'alerts', (select count(*) from incident_alert al where al.incident_id = i.id),
        'alertRecipients', (select coalesce(sum(al.recipients), 0) from incident_alert al where al.incident_id = i.id),
        'alertsSent', (select count(*) from incident_alert_recipient r where r.incident_id = i.id and r.status = 'sent'),
        'alertsAcknowledged', (select count(*) from incident_alert_recipient r where r.incident_id = i.id and r.acknowledged_at is not null),
        'tasksOpen', (select count(*) from incident_task t where t.incident_id = i.id and t.status in ('open', 'in_progress')),
        'tasksDone', (select count(*) from incident_task t where t.incident_id = i.id and t.status = 'done'),
        'sheltered', (select coalesce(sum(s.people), 0) from shelter_checkin s where s.incident_id = i.id and s.checked_out_at is null)
      ) as c
    from incident i join area a on a.id = i.area_id
    where i.id = ${incidentId}`.execute(tx)
  const i = rows[0]
  if (!i) throw new AppError('INCIDENT_NOT_FOUND', `no incident ${incidentId}`, 'id')
  const grids = await tx
    .selectFrom('incident_grid as g')
    .innerJoin('area as a', 'a.id', 'g.area_id')
    .select(['a.id', 'a.code', 'a.name_zh', 'a.name_en'])
    .where('g.incident_id', '=', incidentId)
    .orderBy('a.code')
    .execute()
  const runs = commands(actor, { commander_id: i.commander_id, area_path: i.area_path })
  const roles = new Set<IncidentRole>(runs ? ['command'] : [])
  const n = (k: string) => Number(i.c[k] ?? 0)
  return {
    ...viewOf(i),
    description: i.description,
    version: i.version,
    areaLevel: i.area_level,
    checkTags: i.check_tags as IncidentDetail['checkTags'],
    escalateAfterMinutes: i.escalate_after_minutes,
    sourceKind: i.source_kind as IncidentDetail['sourceKind'],
    sourceRef: i.source_ref,
    summary: i.summary,
    declaredByName: i.declared_by_name ?? '',
    closedByName: i.closed_by_name,
    grids: grids.map((g) => ({ id: g.id, code: g.code, nameZh: g.name_zh, nameEn: g.name_en })),
    drawn: i.drawn,
    commands: runs,
    allowedActions: incidentWorkflow.allowed(i.status as IncidentState, roles),
    counts: {
      checksTotal: n('checksTotal'),
      checksPending: n('checksPending'),
      checksSafe: n('checksSafe'),
      checksNeedsHelp: n('checksNeedsHelp'),
      checksUnreachable: n('checksUnreachable'),
      checksEscalated: n('checksEscalated'),
      alerts: n('alerts'),
      alertRecipients: n('alertRecipients'),
      alertsSent: n('alertsSent'),
      alertsAcknowledged: n('alertsAcknowledged'),
      tasksOpen: n('tasksOpen'),
      tasksDone: n('tasksDone'),
      sheltered: n('sheltered'),
    },
  }
}

/** The command's grip on an active incident, with the workflow's word on `action`. */
async function commandFor(tx: Tx, ctx: RequestContext, incidentId: number, action: IncidentAction) {
  const { actor, incident } = await requireCommand(tx, ctx, incidentId, { active: true })
  const to = incidentWorkflow.check(incident.status, action, new Set<IncidentRole>(['command']))
  return { actor, incident, to }
}

export type UpdateIncident = Input<typeof updateIncidentBody>

/** Changes title, description, commander or escalation time (optimistic: the version read). */
export async function updateIncident(
  tx: Tx,
  ctx: RequestContext,
  incidentId: number,
  input: UpdateIncident,
  now: Date,
) {
  const { actor, incident } = await commandFor(tx, ctx, incidentId, 'edit')
  const current = await tx
    .selectFrom('incident')
    .select(['version', 'title', 'description', 'commander_id', 'escalate_after_minutes'])
    .where('id', '=', incidentId)
    .forUpdate()
    .executeTakeFirstOrThrow()
  if (current.version !== input.version)
    throw new AppError(
      'CONFLICT',
      `the incident changed meanwhile (version ${current.version}); reload and retry`,
      'version',
      {},
      { version: current.version },
    )
  if (input.title !== undefined) requireText(input.title, 2, 'title')
  if (input.description !== undefined) requireText(input.description, 1, 'description')
  if (input.commanderId !== undefined && input.commanderId !== current.commander_id)
    await requireCommander(tx, input.commanderId, incident.area_path)
  const changes: Record<string, unknown> = {}
  if (input.title !== undefined && input.title.trim() !== current.title) changes.title = input.title.trim()
  if (input.description !== undefined && input.description.trim() !== current.description)
    changes.description = input.description.trim()
  if (input.commanderId !== undefined && input.commanderId !== current.commander_id)
    changes.commander_id = input.commanderId
  if (input.escalateAfterMinutes !== undefined && input.escalateAfterMinutes !== current.escalate_after_minutes)
    changes.escalate_after_minutes = input.escalateAfterMinutes
  if (Object.keys(changes).length === 0) return
  await tx
    .updateTable('incident')
    .set({ ...changes, updated_at: now, version: current.version + 1 })
    .where('id', '=', incidentId)
    .execute()
  const what = Object.keys(changes)
  const parts: string[] = []
  if (changes.title) parts.push(`标题改为“${changes.title}”`)
  if (changes.description) parts.push('更新了事件描述')
  if (changes.commander_id) {
    const { rows } = await sql<{ display_name: string }>`
      select display_name from app_display_names(array[${input.commanderId!}]::integer[])`.execute(tx)
    parts.push(`指挥长改为${rows[0]?.display_name ?? input.commanderId}`)
  }
  if (changes.escalate_after_minutes) parts.push(`无法联系升级时限改为${changes.escalate_after_minutes}分钟`)
  await logIncident(tx, actor, incidentId, { kind: 'updated', message: parts.join('；'), data: changes, at: now })
  await recordAudit(tx, ctx, {
    action: 'incident.update',
    entityType: 'incident',
    entityId: incidentId,
    areaId: incident.area_id,
    detail: { fields: what },
  })
}

/** Adds grids (below the incident's area): their vulnerable people join the check list. */
export async function addGrids(tx: Tx, ctx: RequestContext, incidentId: number, gridIds: number[], now: Date) {
  const { actor, incident } = await commandFor(tx, ctx, incidentId, 'add_grids')
  await gridsBelow(tx, incident.area_path, gridIds)
  const added = await tx
    .insertInto('incident_grid')
    .values(gridIds.map((g) => ({ incident_id: incidentId, area_id: g })))
    .onConflict((oc) => oc.doNothing())
    .execute()
  const newGrids = Number(added.reduce((s, r) => s + Number(r.numInsertedOrUpdatedRows ?? 0), 0))
  const tags = await tx
    .selectFrom('incident')
    .select('check_tags')
    .where('id', '=', incidentId)
    .executeTakeFirstOrThrow()
  const onList = await buildCheckList(tx, incidentId, gridIds, tags.check_tags, now)
  await tx
    .updateTable('incident')
    .set((eb) => ({ updated_at: now, version: eb('version', '+', 1) }))
    .where('id', '=', incidentId)
    .execute()
  await logIncident(tx, actor, incidentId, {
    kind: 'grids_added',
    message: `增加${newGrids}个网格，核查名单新增${onList}人`,
    data: { gridIds, checksAdded: onList },
    at: now,
  })
}

/** Raises or lowers the level with a reason: audited, logged, responders told. */
export async function changeLevel(
  tx: Tx,
  ctx: RequestContext,
  incidentId: number,
  input: Input<typeof levelBody>,
  now: Date,
) {
  const { actor, incident } = await commandFor(tx, ctx, incidentId, 'change_level')
  if (input.level === incident.level)
    throw new AppError(
      'INCIDENT_LEVEL_UNCHANGED',
      `the incident is already at level ${levelName(input.level)}`,
      'level',
    )
  const reason = input.reason.trim()
  if (reason.length < 2) throw new AppError('VALIDATION_FAILED', 'give the reason for the change', 'reason')
  await tx
    .updateTable('incident')
    .set((eb) => ({ level: input.level, updated_at: now, version: eb('version', '+', 1) }))
    .where('id', '=', incidentId)
    .execute()
  const raised = input.level < incident.level
  await logIncident(tx, actor, incidentId, {
    kind: 'level_changed',
    message: `响应级别由${levelName(incident.level)}级${raised ? '提升' : '降低'}为${levelName(input.level)}级：${reason}`,
    data: { from: incident.level, to: input.level, level: input.level, reason },
    at: now,
  })
  await recordAudit(tx, ctx, {
    action: 'incident.level',
    entityType: 'incident',
    entityId: incidentId,
    areaId: incident.area_id,
    detail: { from: incident.level, to: input.level, reason },
  })
  await tellResponders(tx, incident, 'level_changed', now, input.level)
}

/** Closes the incident with its summary: escalation timers cancelled, logged, audited, responders told. */
export async function closeIncident(tx: Tx, ctx: RequestContext, incidentId: number, summary: string, now: Date) {
  const { actor, incident, to } = await commandFor(tx, ctx, incidentId, 'close')
  const text = summary.trim()
  if (!text) throw new AppError('VALIDATION_FAILED', 'write the summary', 'summary')
  await tx
    .updateTable('incident')
    .set((eb) => ({
      status: to,
      summary: text,
      closed_at: now,
      closed_by: actor.userId,
      updated_at: now,
      version: eb('version', '+', 1),
    }))
    .where('id', '=', incidentId)
    .execute()
  // Every escalation timer of its check list, in one statement (what cancelTimers does per subject).
  await sql`update workflow_timer set cancelled_at = ${now}
    where subject_type = 'incident_check' and fired_at is null and cancelled_at is null
      and subject_id in (select c.id from incident_check c where c.incident_id = ${incidentId})`.execute(tx)
  await logIncident(tx, actor, incidentId, {
    kind: 'closed',
    message: `结束应急响应。总结：${text.length > 200 ? `${text.slice(0, 199)}…` : text}`,
    data: {},
    at: now,
  })
  await recordAudit(tx, ctx, {
    action: 'incident.close',
    entityType: 'incident',
    entityId: incidentId,
    areaId: incident.area_id,
    detail: { reference: incident.reference },
  })
  await tellResponders(tx, incident, 'closed', now)
}

/** The log, oldest first, 50 a page after the id given. */
export async function incidentLog(tx: Tx, incidentId: number, after = 0): Promise<LogPage> {
  await loadIncident(tx, incidentId)
  const rows = await tx
    .selectFrom('incident_log')
    .select(['id', 'at', 'actor_name', 'kind', 'message', 'data'])
    .where('incident_id', '=', incidentId)
    .where('id', '>', after)
    .orderBy('id')
    .limit(LOG_PAGE + 1)
    .execute()
  const page = rows.slice(0, LOG_PAGE)
  return {
    items: page.map((r) => ({
      id: Number(r.id),
      at: r.at.toISOString(),
      actorName: r.actor_name,
      kind: r.kind,
      message: r.message,
      data: (r.data ?? {}) as Record<string, unknown>,
    })),
    nextAfter: rows.length > LOG_PAGE ? Number(page[page.length - 1]!.id) : null,
  }
}

/** A note in the log by anyone working the incident (closed incidents take no more). */
export async function addNote(tx: Tx, ctx: RequestContext, incidentId: number, message: string, now: Date) {
  const actor = requireActor(ctx)
  const incident = await loadIncident(tx, incidentId)
  if (incident.status !== 'active')
    throw new AppError('INCIDENT_CLOSED', `incident ${incident.reference} is closed`, 'id')
  const text = message.trim()
  if (!text) throw new AppError('VALIDATION_FAILED', 'write the note', 'message')
  await logIncident(tx, actor, incidentId, { kind: 'note', message: text, at: now })
  const last = await tx
    .selectFrom('incident_log')
    .select(['id', 'at', 'actor_name', 'kind', 'message', 'data'])
    .where('incident_id', '=', incidentId)
    .where('actor_id', '=', actor.userId)
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirstOrThrow()
  return {
    id: Number(last.id),
    at: last.at.toISOString(),
    actorName: last.actor_name,
    kind: last.kind,
    message: last.message,
    data: (last.data ?? {}) as Record<string, unknown>,
  }
}

/** The grids as GeoJSON with the check list's progress per grid, and the drawn area if any. */
export async function incidentMap(tx: Tx, incidentId: number): Promise<IncidentMap> {
  await loadIncident(tx, incidentId)
  const { rows } = await sql<{
    id: number
    code: string
    name_zh: string
    name_en: string
    geometry: AreaGeometry
    total: number
    pending: number
    safe: number
    needs_help: number
    unreachable: number
  }>`
    select a.id, a.code, a.name_zh, a.name_en, ST_AsGeoJSON(a.boundary, 7)::json as geometry,
      count(c.id)::int as total,
      count(c.id) filter (where c.status = 'pending')::int as pending,
      count(c.id) filter (where c.status = 'safe')::int as safe,
      count(c.id) filter (where c.status = 'needs_help')::int as needs_help,
      count(c.id) filter (where c.status = 'unreachable')::int as unreachable
    from incident_grid g
    join area a on a.id = g.area_id
    left join incident_check c on c.incident_id = g.incident_id and c.area_id = g.area_id
    where g.incident_id = ${incidentId}
    group by a.id, a.code, a.name_zh, a.name_en, a.boundary
    order by a.code`.execute(tx)
  const drawn = await sql<{ geometry: AreaGeometry }>`
    select ST_AsGeoJSON(affected, 7)::json as geometry from incident where id = ${incidentId} and affected is not null`.execute(
    tx,
  )
  const { rows: markers } = await sql<{
    kind: 'task' | 'shelter'
    id: number
    title: string
    status: string
    lng: number
    lat: number
    capacity: number | null
    occupancy: number | null
  }>`
    select 'task' as kind, t.id, t.title, t.status, ST_X(t.location) as lng, ST_Y(t.location) as lat,
      null::int as capacity, null::int as occupancy
    from incident_task t where t.incident_id = ${incidentId} and t.location is not null and t.status <> 'cancelled'
    union all
    select 'shelter', s.id, s.name, s.status, ST_X(s.location), ST_Y(s.location), s.capacity, s.occupancy
    from emergency_shelter s join area sa on sa.id = s.area_id
    where sa.path like (select a.path from incident i join area a on a.id = i.area_id where i.id = ${incidentId}) || '%'
    order by 1, 2`.execute(tx)
  const parse = (g: AreaGeometry | string) => (typeof g === 'string' ? (JSON.parse(g) as AreaGeometry) : g)
  return {
    type: 'FeatureCollection',
    features: [
      ...rows.map((r) => ({
        type: 'Feature' as const,
        geometry: parse(r.geometry),
        properties: {
          kind: 'grid' as const,
          gridId: r.id,
          code: r.code,
          nameZh: r.name_zh,
          nameEn: r.name_en,
          total: Number(r.total),
          pending: Number(r.pending),
          safe: Number(r.safe),
          needsHelp: Number(r.needs_help),
          unreachable: Number(r.unreachable),
        },
      })),
      ...drawn.rows.map((d) => ({
        type: 'Feature' as const,
        geometry: parse(d.geometry),
        properties: {
          kind: 'affected' as const,
          gridId: null,
          code: null,
          nameZh: null,
          nameEn: null,
          total: 0,
          pending: 0,
          safe: 0,
          needsHelp: 0,
          unreachable: 0,
        },
      })),
    ],
    markers: markers.map((m) => ({
      kind: m.kind,
      id: Number(m.id),
      title: m.title,
      status: m.status,
      lng: Number(m.lng),
      lat: Number(m.lat),
      capacity: m.capacity === null ? null : Number(m.capacity),
      occupancy: m.occupancy === null ? null : Number(m.occupancy),
    })),
  }
}

/** Beijing midnight of a YYYY-MM-DD day. */
const beijingDay = (d: string) => new Date(`${d}T00:00:00+08:00`)

/** Incidents by kind and level, time to reach and alerts sent: real incidents and drills kept apart. */
export async function incidentStats(tx: Tx, ctx: RequestContext, q: Input<typeof statsQuery>): Promise<IncidentStats> {
  requireActor(ctx)
  const from = q.from ? beijingDay(q.from) : null
  const to = q.to ? new Date(beijingDay(q.to).getTime() + 86_400_000) : null
  if (from && to && from >= to) throw new AppError('VALIDATION_FAILED', 'from must not be after to', 'from')
  const path = q.areaId === undefined ? null : await areaPathOf(tx, q.areaId, 'areaId')
  const scope = sql`select i.id, i.kind, i.level, i.drill, i.status, i.declared_at from incident i join area a on a.id = i.area_id
    where (${from}::timestamptz is null or i.declared_at >= ${from}::timestamptz)
      and (${to}::timestamptz is null or i.declared_at < ${to}::timestamptz)
      and (${path}::text is null or a.path like ${path}::text || '%')`
  const { rows: groups } = await sql<{ drill: boolean; kind: string; level: number; n: number; active: number }>`
    with s as (${scope})
    select drill, kind, level, count(*)::int as n, count(*) filter (where status = 'active')::int as active
    from s group by drill, kind, level order by drill, kind, level`.execute(tx)
  const { rows: reach } = await sql<{ drill: boolean; reached: number; avg_minutes: number | null }>`
    with s as (${scope})
    select s.drill, count(*)::int as reached,
      avg(extract(epoch from (c.reached_at - s.declared_at)) / 60)::float8 as avg_minutes
    from s join incident_check c on c.incident_id = s.id
    where c.reached_at is not null group by s.drill`.execute(tx)
  const { rows: sent } = await sql<{ drill: boolean; n: number }>`
    with s as (${scope})
    select s.drill, count(*)::int as n from s join incident_alert_recipient r on r.incident_id = s.id
    where r.status = 'sent' group by s.drill`.execute(tx)
  const group = (drill: boolean) => {
    const g = groups.filter((r) => r.drill === drill)
    const byKind = new Map<string, number>()
    const byLevel = new Map<number, number>()
    for (const r of g) {
      byKind.set(r.kind, (byKind.get(r.kind) ?? 0) + Number(r.n))
      byLevel.set(r.level, (byLevel.get(r.level) ?? 0) + Number(r.n))
    }
    const rr = reach.find((r) => r.drill === drill)
    return {
      incidents: g.reduce((s, r) => s + Number(r.n), 0),
      active: g.reduce((s, r) => s + Number(r.active), 0),
      byKind: [...byKind].map(([kind, count]) => ({ kind, count })),
      byLevel: [...byLevel].sort((a, b) => a[0] - b[0]).map(([level, count]) => ({ level, count })),
      reached: Number(rr?.reached ?? 0),
      avgMinutesToReach: rr?.avg_minutes == null ? null : Math.round(Number(rr.avg_minutes) * 10) / 10,
      alertsSent: Number(sent.find((r) => r.drill === drill)?.n ?? 0),
    }
  }
  return { from: q.from ?? null, to: q.to ?? null, real: group(false), drills: group(true) }
}
