import { beijingDay, beijingYear, ZONE } from '../core/clock.js'
import { DateTime } from 'luxon'
import { sql } from 'kysely'
import { recordAudit } from '../audit/service.js'
import { notify, usersOfDepartment, usersWithRoleOver } from '../cases/notify.js'
import type { Tx } from '../core/db.js'
import { AppError, notFound } from '../core/errors.js'
import type { Input, Output } from '../core/http.js'
import { countLimitOf, offsetOf, pageQuerySchema, paginate } from '../core/paging.js'
import { cancelTimers, scheduleTimers, type TimerHandler } from '../core/scheduler.js'
import { body, date, id, nullable, shape, timestamp } from '../core/schemas.js'
import { requireActor, type Actor, type RequestContext } from '../core/scope.js'
import { defineWorkflow } from '../core/workflow.js'
import { areaPathOf, areaRef, areaRefSchema } from '../jurisdiction/service.js'
import { attachmentTypes, sniffAttachment } from '../core/uploads.js'
import { displayNames } from '../participation/common.js'
import { isServicesStaff, requireServicesRole, servicesStaff } from './common.js'

// Purchase of services (政府购买服务): a department buys a service from a social organisation for a
// term and a budget, with weighted indicators and milestones (each with deliverables and a
// payment). Service staff of the project's area draft, activate, complete or terminate it; they
// and the handlers of the contracting department record progress reports (on the organisation's
// behalf: organisations have no accounts) and evaluate each reported milestone and, once
// completed, the whole project. The final score moves the organisation's rating.

/** Days before a milestone's due day that the first reminder goes out. */
export const MILESTONE_WARNING_DAYS = 3
export const MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
export const MAX_ATTACHMENTS_PER_REPORT = 10

export const projectStates = ['draft', 'active', 'completed', 'terminated'] as const
export type ProjectState = (typeof projectStates)[number]
export const projectActions = ['activate', 'complete', 'terminate'] as const
export const milestoneStates = ['pending', 'reported', 'evaluated'] as const

export const projectWorkflow = defineWorkflow({
  name: 'project',
  states: projectStates,
  illegalCode: 'PROJECT_ILLEGAL_TRANSITION',
  actions: {
    activate: { from: ['draft'], to: 'active', by: ['staff'] },
    complete: { from: ['active'], to: 'completed', by: ['staff'] },
    terminate: { from: ['draft', 'active'], to: 'terminated', by: ['staff'] },
  },
})

// ── Schemas ────────────────────────────────────────────────────────────────────────────────────

const money = { type: 'number', minimum: 0, maximum: 999999999999.99 } as const
const words = (max: number) => ({ type: 'string', minLength: 1, maxLength: max, pattern: '\\S' }) as const

const indicatorInput = body(['name', 'weight'], {
  name: words(200),
  target: { type: 'string', maxLength: 500 },
  weight: { type: 'integer', minimum: 1, maximum: 100, description: 'Weights of all indicators sum to 100' },
})
const milestoneInput = body(['title', 'deliverables', 'dueOn'], {
  title: words(200),
  deliverables: words(4000),
  dueOn: { ...date, description: 'Within the term' },
  payment: { ...money, default: 0, description: 'Paid at this milestone; all payments together ≤ budget' },
})

const projectProps = {
  departmentId: { ...id, description: 'The contracting department' },
  organisationId: { ...id, description: 'An active social organisation' },
  title: words(200),
  scope: words(8000),
  budget: { ...money, exclusiveMinimum: 0, description: 'Yuan, at most two decimals' },
  startsOn: date,
  endsOn: { ...date, description: 'On or after startsOn' },
  indicators: { type: 'array', minItems: 1, maxItems: 20, items: indicatorInput },
  milestones: { type: 'array', minItems: 1, maxItems: 20, items: milestoneInput },
} as const
const projectRequired = [
  'departmentId',
  'organisationId',
  'title',
  'scope',
  'budget',
  'startsOn',
  'endsOn',
  'indicators',
  'milestones',
] as const

export const newProjectBody = body(['areaId', ...projectRequired], {
  areaId: { ...id, description: 'The community or street the service is bought for' },
  ...projectProps,
})
export type NewProject = Input<typeof newProjectBody>
export const projectPutBody = body(projectRequired, projectProps)
export type ProjectPut = Input<typeof projectPutBody>

export const projectActionBody = body(['action'], {
  action: { type: 'string', enum: projectActions },
  reason: { ...words(2000), description: 'Required to terminate' },
})

export const newReportBody = body(['reportedOn', 'summary', 'spent'], {
  milestoneId: { ...id, description: 'The milestone this report delivers (marks it reported)' },
  reportedOn: date,
  summary: words(8000),
  spent: { ...money, description: 'Money spent in this period; the total may not pass the budget' },
})
export type NewReport = Input<typeof newReportBody>

export const newEvaluationBody = body(['milestoneId', 'scores', 'conclusion'], {
  milestoneId: { type: ['integer', 'null'], minimum: 1, maximum: 2147483647, description: 'null: the final one' },
  scores: {
    type: 'array',
    minItems: 1,
    maxItems: 20,
    items: body(['indicatorId', 'score'], {
      indicatorId: id,
      score: { type: 'number', minimum: 0, maximum: 100 },
      reason: { type: 'string', maxLength: 2000, description: 'Why this score (required)' },
    }),
    description: 'Every indicator exactly once, each with a reason',
  },
  conclusion: words(4000),
})
export type NewEvaluation = Input<typeof newEvaluationBody>

export const projectListQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    ...pageQuerySchema,
    status: { type: 'string', enum: projectStates },
    organisationId: id,
    departmentId: id,
    areaId: { ...id, description: 'Projects of this area and the areas below it' },
  },
} as const
export type ProjectFilter = Input<typeof projectListQuery>

export const reportParams = {
  type: 'object',
  required: ['id', 'reportId'],
  additionalProperties: false,
  properties: { id, reportId: id },
} as const
export const attachmentParams = {
  type: 'object',
  required: ['id', 'reportId', 'attachmentId'],
  additionalProperties: false,
  properties: { id, reportId: id, attachmentId: id },
} as const
export const attachmentQuery = {
  type: 'object',
  additionalProperties: false,
  required: ['fileName'],
  properties: { fileName: { ...words(200), description: 'The file’s name as shown' } },
} as const

const departmentRef = shape({ id: { type: 'integer' }, nameZh: { type: 'string' }, nameEn: { type: 'string' } })
const projectCore = {
  id: { type: 'integer' },
  reference: { type: 'string' },
  title: { type: 'string' },
  status: { type: 'string', enum: projectStates },
  area: areaRefSchema,
  department: departmentRef,
  organisation: shape({ id: { type: 'integer' }, name: nullable('string') }),
  budget: { type: 'number' },
  spent: { type: 'number' },
  startsOn: { type: 'string', format: 'date' },
  endsOn: { type: 'string', format: 'date' },
  finalScore: nullable('number'),
} as const
export const projectViewSchema = shape(projectCore)
export type ProjectView = Output<typeof projectViewSchema>

export const attachmentSchema = shape({
  id: { type: 'integer' },
  fileName: { type: 'string' },
  contentType: { type: 'string', enum: attachmentTypes },
  size: { type: 'integer' },
  createdAt: timestamp,
})

export const projectDetailSchema = shape({
  ...projectCore,
  scope: { type: 'string' },
  remaining: { type: 'number' },
  termElapsed: { type: 'integer', description: 'Percent of the term elapsed today (0–100)' },
  version: { type: 'integer' },
  indicators: {
    type: 'array',
    items: shape({
      id: { type: 'integer' },
      position: { type: 'integer' },
      name: { type: 'string' },
      target: nullable('string'),
      weight: { type: 'integer' },
    }),
  },
  milestones: {
    type: 'array',
    items: shape({
      id: { type: 'integer' },
      position: { type: 'integer' },
      title: { type: 'string' },
      deliverables: { type: 'string' },
      dueOn: { type: 'string', format: 'date' },
      payment: { type: 'number' },
      status: { type: 'string', enum: milestoneStates },
      overdue: { type: 'boolean', description: 'Pending and past its due day' },
    }),
  },
  reports: {
    type: 'array',
    items: shape({
      id: { type: 'integer' },
      milestoneId: nullable('integer'),
      reportedOn: { type: 'string', format: 'date' },
      summary: { type: 'string' },
      spent: { type: 'number' },
      createdBy: nullable('string'),
      createdAt: timestamp,
      attachments: { type: 'array', items: attachmentSchema },
    }),
  },
  evaluations: {
    type: 'array',
    items: shape({
      id: { type: 'integer' },
      milestoneId: nullable('integer'),
      scores: {
        type: 'array',
        items: shape({ indicatorId: { type: 'integer' }, score: { type: 'number' }, reason: { type: 'string' } }),
      },
      total: { type: 'number' },
      conclusion: { type: 'string' },
      evaluatedBy: nullable('string'),
      evaluatedAt: timestamp,
    }),
  },
  canManage: { type: 'boolean', description: 'Service staff of the area: edit drafts, take actions' },
  canReport: { type: 'boolean', description: 'May record reports and evaluations now' },
  allowedActions: { type: 'array', items: { type: 'string', enum: projectActions } },
  createdAt: timestamp,
  updatedAt: timestamp,
})
export type ProjectDetail = Output<typeof projectDetailSchema>

// ── Reading ────────────────────────────────────────────────────────────────────────────────────

function projectBase(tx: Tx) {
  return tx
    .selectFrom('service_project as p')
    .innerJoin('area as a', 'a.id', 'p.area_id')
    .innerJoin('department as d', 'd.id', 'p.department_id')
    .leftJoin(
      sql<{ id: number; name: string }>`app_social_organisation_registry()`.as('o'),
      'o.id',
      'p.organisation_id',
    )
}

const projectColumns = [
  'p.id',
  'p.reference',
  'p.title',
  'p.status',
  'p.budget',
  'p.spent',
  'p.starts_on',
  'p.ends_on',
  'p.final_score',
  'p.organisation_id',
  'p.department_id',
  'o.name as organisation_name',
  'd.name_zh as department_name_zh',
  'd.name_en as department_name_en',
  'a.id as area_id',
  'a.code as area_code',
  'a.name_zh as area_name_zh',
  'a.name_en as area_name_en',
  'a.path as area_path',
] as const

type ProjectRowCore = {
  id: number
  reference: string
  title: string
  status: string
  budget: number | string
  spent: number | string
  starts_on: string
  ends_on: string
  final_score: number | string | null
  organisation_id: number
  department_id: number
  organisation_name: string | null
  department_name_zh: string
  department_name_en: string
  area_id: number
  area_code: string
  area_name_zh: string
  area_name_en: string
}

const num = (v: number | string) => Number(v)

const presentProject = (p: ProjectRowCore): ProjectView => ({
  id: p.id,
  reference: p.reference,
  title: p.title,
  status: p.status as ProjectState,
  area: areaRef(p),
  department: { id: p.department_id, nameZh: p.department_name_zh, nameEn: p.department_name_en },
  organisation: { id: p.organisation_id, name: p.organisation_name },
  budget: num(p.budget),
  spent: num(p.spent),
  startsOn: p.starts_on,
  endsOn: p.ends_on,
  finalScore: p.final_score === null ? null : num(p.final_score),
})

/** Projects the caller may see: service staff of their areas, the contracting department (row-level security). */
export async function listProjects(tx: Tx, ctx: RequestContext, f: ProjectFilter) {
  requireActor(ctx)
  let base = projectBase(tx)
  if (f.status) base = base.where('p.status', '=', f.status)
  if (f.organisationId !== undefined) base = base.where('p.organisation_id', '=', f.organisationId)
  if (f.departmentId !== undefined) base = base.where('p.department_id', '=', f.departmentId)
  if (f.areaId !== undefined) base = base.where('a.path', 'like', `${await areaPathOf(tx, f.areaId)}%`)
  const [rows, count] = await Promise.all([
    base
      .select(projectColumns)
      .orderBy(sql`case p.status when 'active' then 0 when 'draft' then 1 else 2 end`)
      .orderBy('p.ends_on', 'desc')
      .orderBy('p.id', 'desc')
      .limit(f.pageSize)
      .offset(offsetOf(f))
      .execute(),
    tx
      .selectFrom(base.select('p.id').limit(countLimitOf(f)).as('x'))
      .select(sql<number>`count(*)::int`.as('n'))
      .executeTakeFirstOrThrow(),
  ])
  return paginate(f, rows.map(presentProject), count.n)
}

async function loadProject(tx: Tx, projectId: number) {
  const p = await projectBase(tx)
    .select([...projectColumns, 'p.scope', 'p.version', 'p.created_at', 'p.updated_at'])
    .where('p.id', '=', projectId)
    .executeTakeFirst()
  if (!p) throw notFound('PROJECT_NOT_FOUND', `project ${projectId}`)
  return p
}
type ProjectRow = Awaited<ReturnType<typeof loadProject>>

const isDepartment = (actor: Actor, p: { department_id: number }) =>
  actor.departmentId != null && actor.departmentId === p.department_id
/** Who records reports and evaluations: service staff of the area and the contracting department. */
const mayReport = (actor: Actor, p: ProjectRow) => isServicesStaff(actor, p.area_path) || isDepartment(actor, p)

function termElapsed(p: { starts_on: string; ends_on: string }, now: Date): number {
  const start = DateTime.fromISO(p.starts_on, { zone: ZONE })
  const end = DateTime.fromISO(p.ends_on, { zone: ZONE }).plus({ days: 1 })
  const t = DateTime.fromJSDate(now, { zone: ZONE })
  const total = end.toMillis() - start.toMillis()
  return Math.max(0, Math.min(100, Math.floor(((t.toMillis() - start.toMillis()) / total) * 100)))
}

export async function projectDetail(tx: Tx, ctx: RequestContext, projectId: number, now: Date): Promise<ProjectDetail> {
  const actor = requireActor(ctx)
  const p = await loadProject(tx, projectId)
  const [indicators, milestones, reports, attachments, evaluations] = await Promise.all([
    tx.selectFrom('project_indicator').selectAll().where('project_id', '=', p.id).orderBy('position').execute(),
    tx.selectFrom('project_milestone').selectAll().where('project_id', '=', p.id).orderBy('position').execute(),
    tx.selectFrom('project_report').selectAll().where('project_id', '=', p.id).orderBy('id', 'desc').execute(),
    tx
      .selectFrom('project_attachment as f')
      .innerJoin('project_report as r', 'r.id', 'f.report_id')
      .select(['f.id', 'f.report_id', 'f.file_name', 'f.content_type', 'f.size', 'f.created_at'])
      .where('r.project_id', '=', p.id)
      .orderBy('f.id')
      .execute(),
    tx.selectFrom('project_evaluation').selectAll().where('project_id', '=', p.id).orderBy('id').execute(),
  ])
  const names = await displayNames(tx, [...reports.map((r) => r.created_by), ...evaluations.map((e) => e.evaluated_by)])
  const today = beijingDay(now)
  const staff = isServicesStaff(actor, p.area_path)
  const budget = num(p.budget)
  const spent = num(p.spent)
  return {
    ...presentProject(p),
    scope: p.scope,
    remaining: Math.round((budget - spent) * 100) / 100,
    termElapsed: termElapsed(p, now),
    version: p.version,
    indicators: indicators.map((i) => ({
      id: i.id,
      position: i.position,
      name: i.name,
      target: i.target,
      weight: i.weight,
    })),
    milestones: milestones.map((m) => ({
      id: m.id,
      position: m.position,
      title: m.title,
      deliverables: m.deliverables,
      dueOn: m.due_on,
      payment: num(m.payment),
      status: m.status as (typeof milestoneStates)[number],
      overdue: m.status === 'pending' && m.due_on < today && p.status === 'active',
    })),
    reports: reports.map((r) => ({
      id: r.id,
      milestoneId: r.milestone_id,
      reportedOn: r.reported_on,
      summary: r.summary,
      spent: num(r.spent),
      createdBy: names.get(r.created_by) ?? null,
      createdAt: r.created_at.toISOString(),
      attachments: attachments
        .filter((f) => f.report_id === r.id)
        .map((f) => ({
          id: f.id,
          fileName: f.file_name,
          contentType: f.content_type as (typeof attachmentTypes)[number],
          size: f.size,
          createdAt: f.created_at.toISOString(),
        })),
    })),
    evaluations: evaluations.map((e) => ({
      id: e.id,
      milestoneId: e.milestone_id,
      scores: (typeof e.scores === 'string' ? JSON.parse(e.scores) : e.scores) as {
        indicatorId: number
        score: number
        reason: string
      }[],
      total: num(e.total),
      conclusion: e.conclusion,
      evaluatedBy: names.get(e.evaluated_by) ?? null,
      evaluatedAt: e.evaluated_at.toISOString(),
    })),
    canManage: staff,
    canReport: mayReport(actor, p) && (p.status === 'active' || p.status === 'completed'),
    allowedActions: projectWorkflow.allowed(p.status as ProjectState, new Set<'staff'>(staff ? ['staff'] : [])),
    createdAt: p.created_at.toISOString(),
    updatedAt: p.updated_at.toISOString(),
  }
}

// ── Staff: draft, edit, act ────────────────────────────────────────────────────────────────────

const cents = (x: number) => Math.round(x * 100)

/** The rules of a project's terms: weights, milestones within the term, payments within budget. */
async function checkTerms(tx: Tx, input: ProjectPut): Promise<void> {
  if (Math.abs(input.budget * 100 - cents(input.budget)) > 1e-6)
    throw new AppError('VALIDATION_FAILED', 'the budget is in yuan with at most two decimals', 'budget')
  if (input.endsOn < input.startsOn)
    throw new AppError('VALIDATION_FAILED', 'the term must end on or after its start', 'endsOn')
  const weights = input.indicators.reduce((s, i) => s + i.weight, 0)
  if (weights !== 100)
    throw new AppError('VALIDATION_FAILED', `indicator weights must sum to 100; they sum to ${weights}`, 'indicators')
  let paid = 0
  for (const [i, m] of input.milestones.entries()) {
    if (m.dueOn < input.startsOn || m.dueOn > input.endsOn)
      throw new AppError(
        'VALIDATION_FAILED',
        `milestone ${i + 1} is due outside the term ${input.startsOn} – ${input.endsOn}`,
        `milestones.${i}.dueOn`,
      )
    const pay = m.payment ?? 0
    if (Math.abs(pay * 100 - cents(pay)) > 1e-6)
      throw new AppError('VALIDATION_FAILED', 'a payment has at most two decimals', `milestones.${i}.payment`)
    paid += cents(pay)
  }
  if (paid > cents(input.budget))
    throw new AppError(
      'VALIDATION_FAILED',
      `milestone payments (${paid / 100}) exceed the budget (${input.budget})`,
      'milestones',
    )
  const department = await tx
    .selectFrom('department')
    .select('id')
    .where('id', '=', input.departmentId)
    .executeTakeFirst()
  if (!department) throw notFound('DEPARTMENT_NOT_FOUND', `department ${input.departmentId}`, 'departmentId')
  const org = await tx
    .selectFrom('social_organisation')
    .select(['organisation_id', 'status'])
    .where('organisation_id', '=', input.organisationId)
    .executeTakeFirst()
  if (!org)
    throw notFound('SOCIAL_ORGANISATION_NOT_FOUND', `social organisation ${input.organisationId}`, 'organisationId')
  if (org.status !== 'active')
    throw new AppError('VALIDATION_FAILED', 'the organisation is suspended: it takes no new projects', 'organisationId')
}

async function writeTerms(tx: Tx, projectId: number, input: ProjectPut): Promise<void> {
  await tx
    .insertInto('project_indicator')
    .values(
      input.indicators.map((i, k) => ({
        project_id: projectId,
        position: k + 1,
        name: i.name.trim(),
        target: i.target?.trim() || null,
        weight: i.weight,
      })),
    )
    .execute()
  await tx
    .insertInto('project_milestone')
    .values(
      input.milestones.map((m, k) => ({
        project_id: projectId,
        position: k + 1,
        title: m.title.trim(),
        deliverables: m.deliverables.trim(),
        due_on: m.dueOn,
        payment: m.payment ?? 0,
        status: 'pending',
      })),
    )
    .execute()
}

export async function createProject(tx: Tx, ctx: RequestContext, input: NewProject, now: Date): Promise<ProjectDetail> {
  const actor = requireActor(ctx)
  const area = await tx.selectFrom('area').select(['id', 'path']).where('id', '=', input.areaId).executeTakeFirst()
  if (!area) throw notFound('AREA_NOT_FOUND', `area ${input.areaId}`, 'areaId')
  requireServicesRole(ctx, area.path)
  await checkTerms(tx, input)
  const { n } = await sql<{ n: number }>`select nextval('service_project_seq')::int as n`
    .execute(tx)
    .then((r) => r.rows[0]!)
  const reference = `GM-${beijingYear(now)}-${String(n).padStart(5, '0')}`
  const created = await tx
    .insertInto('service_project')
    .values({
      reference,
      area_id: area.id,
      department_id: input.departmentId,
      organisation_id: input.organisationId,
      title: input.title.trim(),
      scope: input.scope.trim(),
      budget: input.budget,
      spent: 0,
      starts_on: input.startsOn,
      ends_on: input.endsOn,
      status: 'draft',
      final_score: null,
      version: 1,
      created_by: actor.userId,
      created_at: now,
      updated_at: now,
    })
    .returning('id')
    .executeTakeFirstOrThrow()
  await writeTerms(tx, created.id, input)
  await recordAudit(tx, ctx, {
    action: 'project.create',
    entityType: 'service_project',
    entityId: created.id,
    areaId: area.id,
    detail: { reference, organisationId: input.organisationId, departmentId: input.departmentId, budget: input.budget },
  })
  return projectDetail(tx, ctx, created.id, now)
}

export async function updateProject(
  tx: Tx,
  ctx: RequestContext,
  projectId: number,
  input: ProjectPut,
  now: Date,
): Promise<ProjectDetail> {
  const p = await loadProject(tx, projectId)
  requireServicesRole(ctx, p.area_path)
  if (p.status !== 'draft')
    throw new AppError(
      'PROJECT_ILLEGAL_TRANSITION',
      `only a draft is edited; this project is ${p.status}`,
      null,
      {},
      {
        state: p.status,
        allowedActions: projectWorkflow.allowed(p.status as ProjectState, new Set(['staff'] as const)),
      },
    )
  await checkTerms(tx, input)
  const updated = await tx
    .updateTable('service_project')
    .set({
      department_id: input.departmentId,
      organisation_id: input.organisationId,
      title: input.title.trim(),
      scope: input.scope.trim(),
      budget: input.budget,
      starts_on: input.startsOn,
      ends_on: input.endsOn,
      version: sql`version + 1`,
      updated_at: now,
    })
    .where('id', '=', p.id)
    .where('status', '=', 'draft')
    .where('version', '=', p.version)
    .executeTakeFirst()
  if (Number(updated.numUpdatedRows) !== 1)
    throw new AppError('CONFLICT', 'the project changed meanwhile; reload it', null)
  await tx.deleteFrom('project_indicator').where('project_id', '=', p.id).execute()
  await tx.deleteFrom('project_milestone').where('project_id', '=', p.id).execute()
  await writeTerms(tx, p.id, input)
  await recordAudit(tx, ctx, {
    action: 'project.update',
    entityType: 'service_project',
    entityId: p.id,
    areaId: p.area_id,
    detail: { budget: input.budget, indicators: input.indicators.length, milestones: input.milestones.length },
  })
  return projectDetail(tx, ctx, p.id, now)
}

/** 09:00 in the platform's zone on `day` (reminders go out in office hours). */
const morningOf = (day: string) => DateTime.fromISO(`${day}T09:00`, { zone: ZONE }).toJSDate()

export async function performProjectAction(
  tx: Tx,
  ctx: RequestContext,
  projectId: number,
  input: Input<typeof projectActionBody>,
  now: Date,
): Promise<ProjectDetail> {
  const actor = requireActor(ctx)
  const p = await loadProject(tx, projectId)
  const staff = isServicesStaff(actor, p.area_path)
  if (!staff && !mayReport(actor, p))
    throw new AppError('FORBIDDEN', `only ${servicesStaff.join(', ')} of the area act on a project`, 'action')
  const to = projectWorkflow.check(p.status as ProjectState, input.action, new Set<'staff'>(staff ? ['staff'] : []))
  if (input.action === 'terminate' && !input.reason?.trim())
    throw new AppError('VALIDATION_FAILED', 'say why the project is terminated', 'reason')
  const updated = await tx
    .updateTable('service_project')
    .set({ status: to, version: sql`version + 1`, updated_at: now })
    .where('id', '=', p.id)
    .where('status', '=', p.status)
    .executeTakeFirst()
  if (Number(updated.numUpdatedRows) !== 1)
    throw new AppError('PROJECT_ILLEGAL_TRANSITION', 'the project changed meanwhile; reload it', 'action')
  const milestones = await tx
    .selectFrom('project_milestone')
    .select(['id', 'due_on'])
    .where('project_id', '=', p.id)
    .execute()
  if (input.action === 'activate') {
    // A reminder a few days before each milestone and one on its due day; those already past are skipped.
    await scheduleTimers(
      tx,
      milestones.flatMap((m) => {
        const due = morningOf(m.due_on)
        const warn = DateTime.fromJSDate(due).minus({ days: MILESTONE_WARNING_DAYS }).toJSDate()
        return [
          { at: warn, stage: 'warning' },
          { at: due, stage: 'due' },
        ]
          .filter((t) => t.at > now)
          .map((t) => ({
            subject_type: 'project_milestone',
            subject_id: m.id,
            kind: 'milestone',
            stage: t.stage,
            stage_seq: 0,
            due_at: t.at,
          }))
      }),
    )
  } else {
    for (const m of milestones) await cancelTimers(tx, 'project_milestone', m.id, now)
  }
  await recordAudit(tx, ctx, {
    action: `project.${input.action}`,
    entityType: 'service_project',
    entityId: p.id,
    areaId: p.area_id,
    detail: { from: p.status, to, reason: input.reason ?? null },
  })
  return projectDetail(tx, ctx, p.id, now)
}

// ── Reports and attachments ────────────────────────────────────────────────────────────────────

/** Loads the project for a report or evaluation: 404 when invisible, 403 unless staff or the department. */
async function reportableProject(tx: Tx, ctx: RequestContext, projectId: number) {
  const actor = requireActor(ctx)
  const p = await loadProject(tx, projectId)
  if (!mayReport(actor, p))
    throw new AppError('FORBIDDEN', 'only service staff of the area and the contracting department record this')
  return p
}

export async function addReport(
  tx: Tx,
  ctx: RequestContext,
  projectId: number,
  input: NewReport,
  now: Date,
): Promise<ProjectDetail> {
  const actor = requireActor(ctx)
  const p = await reportableProject(tx, ctx, projectId)
  const today = beijingDay(now)
  if (p.status === 'draft')
    throw new AppError(
      'PROJECT_ILLEGAL_TRANSITION',
      'the project has not been activated yet',
      null,
      {},
      {
        state: p.status,
        allowedActions: [],
      },
    )
  if (p.status !== 'active' || today > p.ends_on)
    throw new AppError('PROJECT_ENDED', `the project ended (${p.status}, term to ${p.ends_on}); no more reports`, null)
  if (input.reportedOn > today || input.reportedOn < p.starts_on)
    throw new AppError(
      'VALIDATION_FAILED',
      `the report's day lies between the start (${p.starts_on}) and today (${today})`,
      'reportedOn',
    )
  if (Math.abs(input.spent * 100 - cents(input.spent)) > 1e-6)
    throw new AppError('VALIDATION_FAILED', 'the amount has at most two decimals', 'spent')
  let milestone: { id: number; status: string } | undefined
  if (input.milestoneId !== undefined) {
    milestone = await tx
      .selectFrom('project_milestone')
      .select(['id', 'status'])
      .where('id', '=', input.milestoneId)
      .where('project_id', '=', p.id)
      .executeTakeFirst()
    if (!milestone)
      throw notFound('MILESTONE_NOT_FOUND', `milestone ${input.milestoneId} of this project`, 'milestoneId')
    if (milestone.status === 'evaluated')
      throw new AppError(
        'PROJECT_ALREADY_EVALUATED',
        'this milestone has been evaluated; report without it',
        'milestoneId',
      )
  }
  // One statement decides: two concurrent reports cannot both pass the budget (the CHECK backs it).
  const moved = await tx
    .updateTable('service_project')
    .set({ spent: sql`spent + ${input.spent}::numeric`, updated_at: now })
    .where('id', '=', p.id)
    .where('status', '=', 'active')
    .where(sql<boolean>`spent + ${input.spent}::numeric <= budget`)
    .returning(['spent', 'budget'])
    .executeTakeFirst()
  if (!moved) {
    const current = await tx
      .selectFrom('service_project')
      .select(['spent', 'budget', 'status'])
      .where('id', '=', p.id)
      .executeTakeFirstOrThrow()
    if (current.status !== 'active') throw new AppError('PROJECT_ENDED', `the project is ${current.status}`, null)
    throw new AppError(
      'PROJECT_BUDGET_EXCEEDED',
      `spending ${input.spent} would pass the budget: ${num(current.spent)} of ${num(current.budget)} spent`,
      'spent',
      {},
      { budget: num(current.budget), spent: num(current.spent), remaining: num(current.budget) - num(current.spent) },
    )
  }
  const report = await tx
    .insertInto('project_report')
    .values({
      project_id: p.id,
      milestone_id: milestone?.id ?? null,
      reported_on: input.reportedOn,
      summary: input.summary.trim(),
      spent: input.spent,
      created_by: actor.userId,
      created_at: now,
    })
    .returning('id')
    .executeTakeFirstOrThrow()
  if (milestone?.status === 'pending')
    await tx
      .updateTable('project_milestone')
      .set({ status: 'reported' })
      .where('id', '=', milestone.id)
      .where('status', '=', 'pending')
      .execute()
  await recordAudit(tx, ctx, {
    action: 'project.report',
    entityType: 'service_project',
    entityId: p.id,
    areaId: p.area_id,
    detail: { reportId: report.id, milestoneId: milestone?.id ?? null, spent: input.spent },
  })
  return projectDetail(tx, ctx, p.id, now)
}

async function reportOf(tx: Tx, ctx: RequestContext, projectId: number, reportId: number) {
  const p = await reportableProject(tx, ctx, projectId)
  // The project locked, so two uploads at once count each other's files (reports are insert-only).
  await tx.selectFrom('service_project').select('id').where('id', '=', p.id).forUpdate().execute()
  const r = await tx
    .selectFrom('project_report as r')
    .leftJoin('project_milestone as m', 'm.id', 'r.milestone_id')
    .select(['r.id', 'm.status as milestone_status'])
    .where('r.id', '=', reportId)
    .where('r.project_id', '=', p.id)
    .executeTakeFirst()
  if (!r) throw notFound('NOT_FOUND', `report ${reportId} of project ${projectId}`, 'reportId')
  // Evidence is added while the work runs: not to an ended project nor to an evaluated milestone.
  if (p.status !== 'active')
    throw new AppError('PROJECT_ENDED', `the project is ${p.status}: its reports are closed`, 'reportId')
  if (r.milestone_status === 'evaluated')
    throw new AppError('PROJECT_ALREADY_EVALUATED', 'the milestone of this report has been evaluated', 'reportId')
  return p
}

export async function addReportAttachment(
  tx: Tx,
  ctx: RequestContext,
  projectId: number,
  reportId: number,
  fileName: string,
  data: Buffer,
  now: Date,
): Promise<Output<typeof attachmentSchema>> {
  const p = await reportOf(tx, ctx, projectId, reportId)
  const contentType = await sniffAttachment(data, attachmentTypes, MAX_ATTACHMENT_BYTES, 'body')
  const { c } = await tx
    .selectFrom('project_attachment')
    .select(sql<number>`count(*)::int`.as('c'))
    .where('report_id', '=', reportId)
    .executeTakeFirstOrThrow()
  if (c >= MAX_ATTACHMENTS_PER_REPORT)
    throw new AppError('ATTACHMENT_INVALID', `a report has at most ${MAX_ATTACHMENTS_PER_REPORT} attachments`, 'body')
  const name = fileName.trim()
  const row = await tx
    .insertInto('project_attachment')
    .values({
      report_id: reportId,
      file_name: name,
      content_type: contentType,
      size: data.length,
      content: data,
      created_at: now,
    })
    .returning(['id', 'created_at'])
    .executeTakeFirstOrThrow()
  await recordAudit(tx, ctx, {
    action: 'project.attach',
    entityType: 'service_project',
    entityId: p.id,
    areaId: p.area_id,
    detail: { reportId, attachmentId: row.id, fileName: name, contentType, size: data.length },
  })
  return { id: row.id, fileName: name, contentType, size: data.length, createdAt: row.created_at.toISOString() }
}

export async function reportAttachmentFile(
  tx: Tx,
  ctx: RequestContext,
  projectId: number,
  reportId: number,
  attachmentId: number,
) {
  await reportOf(tx, ctx, projectId, reportId)
  const f = await tx
    .selectFrom('project_attachment')
    .select(['file_name', 'content_type', 'content'])
    .where('id', '=', attachmentId)
    .where('report_id', '=', reportId)
    .executeTakeFirst()
  if (!f) throw notFound('NOT_FOUND', `attachment ${attachmentId}`, 'attachmentId')
  return { fileName: f.file_name, contentType: f.content_type, data: Buffer.from(f.content) }
}

// ── Evaluations ────────────────────────────────────────────────────────────────────────────────

export async function addEvaluation(
  tx: Tx,
  ctx: RequestContext,
  projectId: number,
  input: NewEvaluation,
  now: Date,
): Promise<ProjectDetail> {
  const actor = requireActor(ctx)
  const p = await reportableProject(tx, ctx, projectId)
  const final = input.milestoneId === null
  if (final && p.status !== 'completed')
    throw new AppError(
      'PROJECT_ILLEGAL_TRANSITION',
      `the final evaluation follows completion; the project is ${p.status}`,
      'milestoneId',
    )
  if (!final && p.status !== 'active' && p.status !== 'completed')
    throw new AppError(
      'PROJECT_ILLEGAL_TRANSITION',
      `milestones of a ${p.status} project are not evaluated`,
      'milestoneId',
    )
  let milestoneId: number | null = null
  if (input.milestoneId !== null) {
    const m = await tx
      .selectFrom('project_milestone')
      .select(['id', 'status'])
      .where('id', '=', input.milestoneId)
      .where('project_id', '=', p.id)
      .executeTakeFirst()
    if (!m) throw notFound('MILESTONE_NOT_FOUND', `milestone ${input.milestoneId} of this project`, 'milestoneId')
    if (m.status === 'evaluated')
      throw new AppError('PROJECT_ALREADY_EVALUATED', 'this milestone has been evaluated', 'milestoneId')
    if (m.status !== 'reported')
      throw new AppError(
        'PROJECT_ILLEGAL_TRANSITION',
        'a milestone is evaluated after it has been reported',
        'milestoneId',
      )
    milestoneId = m.id
  } else {
    const done = await tx
      .selectFrom('project_evaluation')
      .select('id')
      .where('project_id', '=', p.id)
      .where('milestone_id', 'is', null)
      .executeTakeFirst()
    if (done) throw new AppError('PROJECT_ALREADY_EVALUATED', 'the project has its final evaluation', 'milestoneId')
  }
  const indicators = await tx
    .selectFrom('project_indicator')
    .select(['id', 'weight', 'name'])
    .where('project_id', '=', p.id)
    .orderBy('position')
    .execute()
  const weightOf = new Map(indicators.map((i) => [i.id, i.weight]))
  const seen = new Set<number>()
  const scores: { indicatorId: number; score: number; reason: string }[] = []
  for (const [i, s] of input.scores.entries()) {
    if (!weightOf.has(s.indicatorId))
      throw new AppError(
        'PROJECT_SCORES_INVALID',
        `indicator ${s.indicatorId} is not one of this project’s`,
        `scores.${i}.indicatorId`,
      )
    if (seen.has(s.indicatorId))
      throw new AppError(
        'PROJECT_SCORES_INVALID',
        `indicator ${s.indicatorId} is scored twice`,
        `scores.${i}.indicatorId`,
      )
    seen.add(s.indicatorId)
    const reason = s.reason?.trim() ?? ''
    if (!reason) throw new AppError('PROJECT_SCORES_INVALID', 'every score needs a reason', `scores.${i}.reason`)
    scores.push({ indicatorId: s.indicatorId, score: s.score, reason })
  }
  const missing = indicators.filter((i) => !seen.has(i.id))
  if (missing.length)
    throw new AppError(
      'PROJECT_SCORES_INVALID',
      `every indicator is scored once; missing: ${missing.map((m) => m.name).join(', ')}`,
      `scores.${input.scores.length}`,
      {},
      { missing: missing.map((m) => m.id) },
    )
  const total = Math.round(scores.reduce((t, s) => t + s.score * (weightOf.get(s.indicatorId) ?? 0), 0)) / 100
  try {
    await tx
      .insertInto('project_evaluation')
      .values({
        project_id: p.id,
        milestone_id: milestoneId,
        scores: JSON.stringify(scores),
        total,
        conclusion: input.conclusion.trim(),
        evaluated_by: actor.userId,
        evaluated_at: now,
      })
      .execute()
  } catch (e) {
    if ((e as { code?: string }).code === '23505')
      throw new AppError('PROJECT_ALREADY_EVALUATED', 'evaluated meanwhile', 'milestoneId')
    throw e
  }
  if (milestoneId !== null) {
    await tx.updateTable('project_milestone').set({ status: 'evaluated' }).where('id', '=', milestoneId).execute()
  } else {
    await tx
      .updateTable('service_project')
      .set({ final_score: total, version: sql`version + 1`, updated_at: now })
      .where('id', '=', p.id)
      .execute()
    // The organisation's rating: the mean final score of all its projects (in the same transaction).
    await sql`select app_social_organisation_rerate(${p.organisation_id}::bigint)`.execute(tx)
  }
  await recordAudit(tx, ctx, {
    action: 'project.evaluate',
    entityType: 'service_project',
    entityId: p.id,
    areaId: p.area_id,
    detail: { milestoneId, total },
  })
  return projectDetail(tx, ctx, p.id, now)
}

// ── Milestone timers ───────────────────────────────────────────────────────────────────────────

/**
 * A milestone's reminder (a few days before its due day, and on it): while the milestone is still
 * pending in an active project, the area's service staff and the contracting department's
 * handlers are told; a reported one (or a project no longer active) fires silently.
 */
export const milestoneTimerHandler: TimerHandler = async (tx, timer, now) => {
  const m = await tx
    .selectFrom('project_milestone as m')
    .innerJoin('service_project as p', 'p.id', 'm.project_id')
    .innerJoin('area as a', 'a.id', 'p.area_id')
    .select([
      'm.id',
      'm.title',
      'm.due_on',
      'm.status',
      'p.id as project_id',
      'p.reference',
      'p.title as project_title',
      'p.status as project_status',
      'p.department_id',
      'a.path',
    ])
    .where('m.id', '=', timer.subject_id)
    .executeTakeFirst()
  if (m?.status !== 'pending' || m.project_status !== 'active') return
  const staff = await usersWithRoleOver(tx, servicesStaff, m.path)
  const handlers = await usersOfDepartment(tx, m.department_id)
  await notify(tx, [...staff, ...handlers], {
    kind: 'project_milestone_due',
    caseId: null,
    params: {
      reference: m.reference,
      title: `${m.project_title} · ${m.title}`,
      date: m.due_on,
      projectId: m.project_id,
      stage: timer.stage,
    },
    at: now,
  })
}
