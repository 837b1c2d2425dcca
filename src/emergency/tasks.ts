import { sql } from 'kysely'
import type { Tx } from '../core/db.js'
import { AppError, notFound } from '../core/errors.js'
import type { Input, Output } from '../core/http.js'
import { offsetOf, pageQuerySchema, paginate } from '../core/paging.js'
import { body, id, nullable, orNull, point, shape, text, timestamp } from '../core/schemas.js'
import { requireActor, type Actor, type RequestContext } from '../core/scope.js'
import { defineWorkflow } from '../core/workflow.js'
import { notify } from '../cases/notify.js'
import { displayNames } from '../participation/common.js'
import { commands, type IncidentRow, loadIncident, logIncident, requireCommand } from './common.js'
import { incidentGrids, mayWork } from './responders.js'

// Tasks (任务): "evacuate building X", "check pump Y", to a named team or to one person (a
// responder, or staff and grid workers on the incident's branch) who starts and completes it from
// their phone. The command creates, edits, cancels and reopens them. Every change is logged.

export const taskStatuses = ['open', 'in_progress', 'done', 'cancelled'] as const
export type TaskStatus = (typeof taskStatuses)[number]
export const taskActions = ['start', 'complete', 'cancel', 'reopen'] as const
export type TaskAction = (typeof taskActions)[number]
type TaskRole = 'command' | 'assignee'

export const taskWorkflow = defineWorkflow<TaskStatus, TaskAction, TaskRole>({
  name: 'task',
  states: taskStatuses,
  illegalCode: 'TASK_ILLEGAL_TRANSITION',
  actions: {
    start: { from: ['open'], to: 'in_progress', by: ['command', 'assignee'] },
    complete: { from: ['open', 'in_progress'], to: 'done', by: ['command', 'assignee'] },
    cancel: { from: ['open', 'in_progress'], to: 'cancelled', by: ['command'] },
    reopen: { from: ['done', 'cancelled'], to: 'open', by: ['command'] },
  },
})

const priority = { type: 'string', enum: ['urgent', 'normal'] } as const
const taskFields = {
  title: text(100),
  description: text(2000),
  location: { ...point, description: 'Where: a point on the map (a building’s point when left out)' },
  buildingId: { ...id, description: 'A registry building' },
  gridId: { ...id, description: 'One of the incident’s grids' },
  team: { ...text(100), description: 'A named team; or assigneeId' },
  assigneeId: { ...id, description: 'A responder of the incident, or a staff member or grid worker of its area' },
  priority,
  dueAt: timestamp,
} as const
export const newTaskBody = body(['title', 'priority'], taskFields)
export const taskPatchBody = body(['version', 'title', 'priority'], {
  version: { type: 'integer', minimum: 1, maximum: 2147483647 },
  ...taskFields,
})
export const taskActionBody = body(['action'], {
  action: { type: 'string', enum: taskActions },
  result: { ...text(2000), description: 'What was done (required to complete)' },
})
export const taskQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    ...pageQuerySchema,
    status: { type: 'string', enum: taskStatuses },
    mine: { type: 'boolean', description: 'Only the tasks assigned to you' },
  },
} as const
export const taskParams = {
  type: 'object',
  required: ['id', 'taskId'],
  additionalProperties: false,
  properties: { id, taskId: id },
} as const

export const taskSchema = shape({
  id: { type: 'integer' },
  incidentId: { type: 'integer' },
  incidentReference: { type: 'string' },
  incidentTitle: { type: 'string' },
  drill: { type: 'boolean' },
  title: { type: 'string' },
  description: nullable('string'),
  location: orNull(shape({ lng: { type: 'number' }, lat: { type: 'number' } })),
  buildingId: nullable('integer'),
  buildingName: nullable('string'),
  gridId: nullable('integer'),
  gridName: nullable('string'),
  team: nullable('string'),
  assigneeId: nullable('integer'),
  assigneeName: nullable('string'),
  status: { type: 'string', enum: taskStatuses },
  priority,
  dueAt: { type: ['string', 'null'], format: 'date-time' },
  result: nullable('string'),
  createdAt: timestamp,
  updatedAt: timestamp,
  doneAt: { type: ['string', 'null'], format: 'date-time' },
  version: { type: 'integer' },
  allowedActions: { type: 'array', items: { type: 'string', enum: taskActions } },
})
export type TaskView = Output<typeof taskSchema>

const taskColumns = sql`t.id, t.incident_id, i.reference, i.title as incident_title, i.drill, i.status as incident_status,
  i.commander_id, ia.path as area_path, t.title, t.description, ST_X(t.location) as lng, ST_Y(t.location) as lat,
  t.building_id, b.name as building_name, t.area_id, g.name_zh as grid_name, t.team, t.assignee_id, t.status,
  t.priority, t.due_at, t.result, t.created_at, t.updated_at, t.done_at, t.version`

type TaskRow = {
  id: number
  incident_id: number
  reference: string
  incident_title: string
  drill: boolean
  incident_status: string
  commander_id: number
  area_path: string
  title: string
  description: string | null
  lng: number | null
  lat: number | null
  building_id: number | null
  building_name: string | null
  area_id: number | null
  grid_name: string | null
  team: string | null
  assignee_id: number | null
  status: TaskStatus
  priority: 'urgent' | 'normal'
  due_at: Date | null
  result: string | null
  created_at: Date
  updated_at: Date
  done_at: Date | null
  version: number
}

const taskFrom = sql`incident_task t join incident i on i.id = t.incident_id join area ia on ia.id = i.area_id
  left join building b on b.id = t.building_id left join area g on g.id = t.area_id`

const rolesOf = (actor: Actor | null, r: TaskRow) => {
  const roles = new Set<TaskRole>()
  if (commands(actor, { commander_id: r.commander_id, area_path: r.area_path })) roles.add('command')
  if (actor && r.assignee_id === actor.userId) roles.add('assignee')
  return roles
}

async function present(tx: Tx, actor: Actor | null, rows: TaskRow[]): Promise<TaskView[]> {
  const names = await displayNames(
    tx,
    rows.flatMap((r) => (r.assignee_id ? [r.assignee_id] : [])),
  )
  return rows.map((r) => ({
    id: Number(r.id),
    incidentId: Number(r.incident_id),
    incidentReference: r.reference,
    incidentTitle: r.incident_title,
    drill: r.drill,
    title: r.title,
    description: r.description,
    location: r.lng === null || r.lat === null ? null : { lng: Number(r.lng), lat: Number(r.lat) },
    buildingId: r.building_id === null ? null : Number(r.building_id),
    buildingName: r.building_name,
    gridId: r.area_id,
    gridName: r.grid_name,
    team: r.team,
    assigneeId: r.assignee_id,
    assigneeName: r.assignee_id ? (names.get(r.assignee_id) ?? null) : null,
    status: r.status,
    priority: r.priority,
    dueAt: r.due_at ? new Date(r.due_at).toISOString() : null,
    result: r.result,
    createdAt: new Date(r.created_at).toISOString(),
    updatedAt: new Date(r.updated_at).toISOString(),
    doneAt: r.done_at ? new Date(r.done_at).toISOString() : null,
    version: r.version,
    allowedActions: r.incident_status === 'active' ? taskWorkflow.allowed(r.status, rolesOf(actor, r)) : [],
  }))
}

async function loadTask(tx: Tx, incidentId: number, taskId: number): Promise<TaskRow> {
  const { rows } = await sql<TaskRow>`select ${taskColumns} from ${taskFrom}
    where t.id = ${taskId} and t.incident_id = ${incidentId}`.execute(tx)
  if (!rows[0]) throw notFound('TASK_NOT_FOUND', `task ${taskId}`, 'taskId')
  return rows[0]
}

export async function taskView(tx: Tx, ctx: RequestContext, incidentId: number, taskId: number) {
  return (await present(tx, ctx.actor, [await loadTask(tx, incidentId, taskId)]))[0]!
}

type TaskFields = Omit<Input<typeof newTaskBody>, never>

/** Checks what a create or an edit names (grid, building, assignee) against the incident. */
async function taskValues(tx: Tx, incident: IncidentRow, input: TaskFields) {
  if (input.team === undefined && input.assigneeId === undefined)
    throw new AppError('VALIDATION_FAILED', 'give a team or an assignee', 'assigneeId')
  if (input.gridId !== undefined && !(await incidentGrids(tx, incident.id)).some((g) => g.id === input.gridId))
    throw new AppError('INCIDENT_GRIDS_INVALID', `grid ${input.gridId} is not one of the incident's grids`, 'gridId')
  if (input.buildingId !== undefined) {
    const b = await tx.selectFrom('building').select('id').where('id', '=', input.buildingId).executeTakeFirst()
    if (!b) throw notFound('NOT_FOUND', `building ${input.buildingId}`, 'buildingId')
  }
  if (input.assigneeId !== undefined && !(await mayWork(tx, incident, input.assigneeId)))
    throw new AppError(
      'RESPONDER_NOT_FOUND',
      'the assignee must be a responder of the incident, or staff or a grid worker of its area',
      'assigneeId',
    )
  const location = input.location
    ? sql<string>`ST_SetSRID(ST_MakePoint(${input.location.lng}, ${input.location.lat}), 4326)`
    : input.buildingId !== undefined
      ? sql<string>`(select ST_PointOnSurface(location) from building where id = ${input.buildingId})`
      : null
  return {
    title: input.title,
    description: input.description ?? null,
    location,
    building_id: input.buildingId ?? null,
    area_id: input.gridId ?? null,
    team: input.team ?? null,
    assignee_id: input.assigneeId ?? null,
    priority: input.priority,
    due_at: input.dueAt ? new Date(input.dueAt) : null,
  }
}

async function tellAssignee(tx: Tx, incident: IncidentRow, userId: number, now: Date) {
  await notify(tx, [userId], {
    kind: 'incident_update',
    caseId: null,
    params: {
      reference: incident.reference,
      title: incident.title,
      incidentId: incident.id,
      drill: incident.drill,
      event: 'task_assigned',
    },
    at: now,
  })
}

const whom = async (tx: Tx, v: { team: string | null; assignee_id: number | null }) =>
  v.assignee_id ? ((await displayNames(tx, [v.assignee_id])).get(v.assignee_id) ?? '') : (v.team ?? '')

/** The command gives a task to a team or a person; the person is told. */
export async function createTask(
  tx: Tx,
  ctx: RequestContext,
  incidentId: number,
  input: Input<typeof newTaskBody>,
  now: Date,
): Promise<TaskView> {
  const { actor, incident } = await requireCommand(tx, ctx, incidentId)
  const values = await taskValues(tx, incident, input)
  const row = await tx
    .insertInto('incident_task')
    .values({
      ...values,
      incident_id: incident.id,
      status: 'open',
      created_by: actor.userId,
      created_at: now,
      updated_at: now,
    })
    .returning('id')
    .executeTakeFirstOrThrow()
  await logIncident(tx, actor, incident.id, {
    kind: 'task_created',
    message: `任务「${input.title}」交给 ${await whom(tx, values)}`,
    data: { taskId: row.id, assigneeId: values.assignee_id, team: values.team, priority: input.priority },
    at: now,
  })
  if (values.assignee_id) await tellAssignee(tx, incident, values.assignee_id, now)
  return taskView(tx, ctx, incident.id, row.id)
}

/** The command edits a task (the version it read); a new assignee is told. */
export async function updateTask(
  tx: Tx,
  ctx: RequestContext,
  incidentId: number,
  taskId: number,
  input: Input<typeof taskPatchBody>,
  now: Date,
): Promise<TaskView> {
  const { actor, incident } = await requireCommand(tx, ctx, incidentId)
  const t = await loadTask(tx, incident.id, taskId)
  if (t.version !== input.version)
    throw new AppError(
      'CONFLICT',
      `the task changed meanwhile (version ${t.version}); reload and retry`,
      'version',
      {},
      {
        version: t.version,
      },
    )
  const { version: _v, ...fields } = input
  const values = await taskValues(tx, incident, fields)
  await tx
    .updateTable('incident_task')
    .set({ ...values, updated_at: now, version: t.version + 1 })
    .where('id', '=', t.id)
    .execute()
  await logIncident(tx, actor, incident.id, {
    kind: 'task_updated',
    message: `任务「${input.title}」已修改（${await whom(tx, values)}）`,
    data: { taskId: t.id, assigneeId: values.assignee_id, team: values.team },
    at: now,
  })
  if (values.assignee_id && values.assignee_id !== t.assignee_id)
    await tellAssignee(tx, incident, values.assignee_id, now)
  return taskView(tx, ctx, incident.id, t.id)
}

const actionWords: Record<TaskAction, string> = { start: '开始', complete: '完成', cancel: '取消', reopen: '重新打开' }

/** start / complete (the assignee or the command; complete needs a result), cancel / reopen (the command). */
export async function taskAction(
  tx: Tx,
  ctx: RequestContext,
  incidentId: number,
  taskId: number,
  input: Input<typeof taskActionBody>,
  now: Date,
): Promise<TaskView> {
  const actor = requireActor(ctx)
  const incident = await loadIncident(tx, incidentId)
  const t = await loadTask(tx, incident.id, taskId)
  const roles = rolesOf(actor, t)
  if (roles.size > 0 && incident.status !== 'active')
    throw new AppError('INCIDENT_CLOSED', `incident ${incident.reference} is closed`, 'id')
  const to = taskWorkflow.check(t.status, input.action, roles)
  if (input.action === 'complete' && !input.result)
    throw new AppError('VALIDATION_FAILED', 'say what was done to complete a task', 'result')
  const changed = await tx
    .updateTable('incident_task')
    .set({
      status: to,
      updated_at: now,
      version: t.version + 1,
      ...(to === 'done' ? { done_at: now, result: input.result ?? null } : {}),
      ...(input.action === 'reopen' ? { done_at: null } : {}),
      ...(input.action !== 'complete' && input.result ? { result: input.result } : {}),
    })
    .where('id', '=', t.id)
    .where('version', '=', t.version)
    .returning('id')
    .executeTakeFirst()
  if (!changed) throw new AppError('CONFLICT', 'the task changed meanwhile; reload and retry', 'action')
  await logIncident(tx, actor, incident.id, {
    kind: `task_${input.action}`,
    message: `任务「${t.title}」${actionWords[input.action]}${input.result ? `：${input.result}` : ''}`,
    data: { taskId: t.id, from: t.status, to, result: input.result ?? null },
    at: now,
  })
  return taskView(tx, ctx, incident.id, t.id)
}

/** The tasks of an incident (anyone who reads it): by status, or only the caller's. */
export async function listTasks(tx: Tx, ctx: RequestContext, incidentId: number, q: Input<typeof taskQuery>) {
  const actor = requireActor(ctx)
  const incident = await loadIncident(tx, incidentId)
  const page = { page: q.page ?? 1, pageSize: q.pageSize ?? 50 }
  const where = sql`t.incident_id = ${incident.id}
    ${q.status ? sql`and t.status = ${q.status}` : sql``}
    ${q.mine ? sql`and t.assignee_id = ${actor.userId}` : sql``}`
  const { rows: count } = await sql<{
    n: number
  }>`select count(*)::int as n from incident_task t where ${where}`.execute(tx)
  const { rows } = await sql<TaskRow>`select ${taskColumns} from ${taskFrom} where ${where}
    order by array_position(array['in_progress','open','done','cancelled'], t.status), t.priority = 'normal',
             t.due_at nulls last, t.id
    limit ${page.pageSize} offset ${offsetOf(page)}`.execute(tx)
  return paginate(page, await present(tx, actor, rows), count[0]?.n ?? 0)
}

/** The caller's tasks across active incidents (the phone list): open and in progress first. */
export async function myTasks(tx: Tx, ctx: RequestContext): Promise<TaskView[]> {
  const actor = requireActor(ctx)
  const { rows } = await sql<TaskRow>`select ${taskColumns} from ${taskFrom}
    where t.assignee_id = ${actor.userId} and i.status = 'active' and t.status <> 'cancelled'
    order by array_position(array['in_progress','open','done'], t.status), t.priority = 'normal',
             t.due_at nulls last, t.id
    limit 200`.execute(tx)
  return present(tx, actor, rows)
}
