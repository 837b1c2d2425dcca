import { beijingYear } from '../core/clock.js'
import { sql } from 'kysely'
import { recordAudit } from '../audit/service.js'
import { notify, notifyRoleOver } from '../cases/notify.js'
import type { Tx } from '../core/db.js'
import { AppError, notFound } from '../core/errors.js'
import type { Input, Output } from '../core/http.js'
import { countLimitOf, offsetOf, paginate, type Page } from '../core/paging.js'
import { cancelTimers, scheduleTimers, type TimerHandler } from '../core/scheduler.js'
import { body, id, nullable, orNull, shape, timestamp } from '../core/schemas.js'
import { requireActor, type Actor, type RequestContext } from '../core/scope.js'
import { defineWorkflow } from '../core/workflow.js'
import { areaPathOf } from '../jurisdiction/service.js'
import { attachmentTypes, sniffAttachment, type AttachmentType } from '../core/uploads.js'
import { displayNames } from '../participation/common.js'
import { type DocumentSpec, type FormField, loadService, serviceCategories, subjectPerson } from './catalogue.js'
import { accountOfPerson, isServicesStaff, pathsWith, servicesStaff } from './common.js'
import { evaluateRules, type Rule, type RuleResult, ruleResultSchema } from './eligibility.js'

// Applications for services (服务申请): a resident applies in their own verified name (or staff at
// the counter for a person of their area); eligibility is checked against the registry at once,
// inside the transaction, and its result kept with the application; documents are uploaded and
// checked; the application moves submitted → approved | rejected → delivered (withdrawn by the
// applicant while open; rated once delivered) on the shared workflow engine, with a review and a
// delivery deadline that warn the area's service staff and escalate to its leaders, as cases do.

const DAY = 86_400_000
export const MAX_DOCUMENT_BYTES = 10 * 1024 * 1024
/** Files per application (any keys together): enough for a real case, not a file store. */
const MAX_DOCUMENTS = 30

export const applicationStates = ['submitted', 'approved', 'rejected', 'delivered', 'withdrawn'] as const
export type ApplicationState = (typeof applicationStates)[number]
const openStates: readonly ApplicationState[] = ['submitted', 'approved']

/** applicant: whose account it is; reviewer: service staff of its area; deliverer: a reviewer or a handler of the delivering department. */
type ApplicationRole = 'applicant' | 'reviewer' | 'deliverer'
export const applicationWorkflow = defineWorkflow({
  name: 'application',
  states: applicationStates,
  illegalCode: 'APPLICATION_ILLEGAL_TRANSITION',
  actions: {
    approve: { from: ['submitted'], to: 'approved', by: ['reviewer'] },
    reject: { from: ['submitted'], to: 'rejected', by: ['reviewer'] },
    deliver: { from: ['approved'], to: 'delivered', by: ['deliverer'] },
    withdraw: { from: ['submitted', 'approved'], to: 'withdrawn', by: ['applicant'] },
    rate: { from: ['delivered'], to: null, by: ['applicant'] },
  },
})
export type ApplicationAction = keyof typeof applicationWorkflow.actions
const applicationActions = Object.keys(applicationWorkflow.actions) as ApplicationAction[]

const formValue = {
  anyOf: [{ type: 'string', maxLength: 10000 }, { type: 'number', minimum: -1e12, maximum: 1e12 }, { type: 'boolean' }],
} as const

export const newApplicationBody = body(['serviceId', 'form'], {
  serviceId: id,
  personId: { ...id, description: 'Staff at the counter: the registry person applying (default: your verified self)' },
  form: {
    type: 'object',
    maxProperties: 30,
    propertyNames: { pattern: '^[a-z0-9_]{1,40}$' },
    additionalProperties: formValue,
    description: 'The answers to the service’s form, by field key',
  },
  payWithHours: {
    type: 'boolean',
    default: false,
    description: 'Pay with hours of the applicant’s time bank (services priced in hours only)',
  },
})
export type NewApplication = Input<typeof newApplicationBody>

export const applicationFilterQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    status: { type: 'string', enum: applicationStates },
    serviceId: id,
    areaId: id,
    overdue: { type: 'boolean', description: 'Open applications past their deadline' },
    mine: {
      type: 'boolean',
      description:
        'The caller’s own applications (the default for residents; service staff get their areas’ queue and handlers their department’s deliveries otherwise)',
    },
    sort: {
      type: 'string',
      enum: ['newest', 'due'],
      default: 'newest',
      description: 'due: the nearest deadline first',
    },
    page: { type: 'integer', minimum: 1, maximum: 100000, default: 1 },
    pageSize: { type: 'integer', minimum: 1, maximum: 100, default: 20 },
  },
} as const
export type ApplicationFilter = Input<typeof applicationFilterQuery>

export const applicationItemSchema = shape({
  id: { type: 'integer' },
  reference: { type: 'string' },
  serviceId: { type: 'integer' },
  serviceName: { type: 'string' },
  category: { type: 'string', enum: serviceCategories },
  areaId: { type: 'integer' },
  areaNameZh: { type: 'string' },
  areaNameEn: { type: 'string' },
  applicantName: { ...nullable('string'), description: 'The registry name: for the area’s staff only' },
  status: { type: 'string', enum: applicationStates },
  channel: { type: 'string', enum: ['portal', 'counter'] },
  payWithHours: { type: 'boolean' },
  dueAt: timestamp,
  overdue: { type: 'boolean' },
  rating: nullable('integer'),
  createdAt: timestamp,
  updatedAt: timestamp,
})
type ApplicationItem = Output<typeof applicationItemSchema>

export const documentSchema = shape({
  id: { type: 'integer' },
  key: { type: 'string' },
  fileName: { type: 'string' },
  contentType: { type: 'string', enum: attachmentTypes },
  size: { type: 'integer' },
  checked: nullable('boolean'),
  checkNote: nullable('string'),
  checkedAt: nullable('string'),
  createdAt: timestamp,
})
type DocumentView = Output<typeof documentSchema>

export const applicationDetailSchema = shape({
  ...applicationItemSchema.properties,
  personId: { type: 'integer' },
  person: {
    ...orNull(shape({ name: { type: 'string' }, idNumberMasked: { type: 'string' } })),
    description: 'As the registry shows it (ID number masked): the area’s staff only',
  },
  form: { type: 'object', additionalProperties: formValue },
  formFields: {
    type: 'array',
    items: shape({
      key: { type: 'string' },
      label: { type: 'string' },
      type: { type: 'string' },
      required: { type: 'boolean' },
    }),
  },
  eligibility: {
    type: 'array',
    items: ruleResultSchema,
    description: 'The rules as checked at submission (facts read: for the applicant and the area’s staff)',
  },
  documents: { type: 'array', items: documentSchema },
  requiredDocuments: {
    type: 'array',
    items: shape({
      key: { type: 'string' },
      label: { type: 'string' },
      required: { type: 'boolean' },
      types: { type: 'array', items: { type: 'string', enum: attachmentTypes } },
      uploaded: { type: 'boolean' },
      checked: { type: 'boolean', description: 'A file of this key was checked and found fine' },
    }),
  },
  timeBankHours: nullable('number'),
  decisionReason: nullable('string'),
  deliveredAt: nullable('string'),
  deliveryNote: nullable('string'),
  ratingComment: nullable('string'),
  ratedAt: nullable('string'),
  version: { type: 'integer' },
  mine: { type: 'boolean' },
  allowedActions: { type: 'array', items: { type: 'string', enum: applicationActions } },
  mayUpload: { type: 'boolean' },
  mayCheck: { type: 'boolean' },
  events: {
    type: 'array',
    items: shape({
      action: { type: 'string' },
      fromStatus: nullable('string'),
      toStatus: nullable('string'),
      note: nullable('string'),
      actorName: nullable('string'),
      at: timestamp,
    }),
  },
})
export type ApplicationDetail = Output<typeof applicationDetailSchema>

export const applicationActionBody = body(['action', 'version'], {
  action: { type: 'string', enum: applicationActions },
  version: { type: 'integer', minimum: 1, maximum: 2147483647 },
  reason: { type: 'string', minLength: 1, maxLength: 2000, description: 'Why: required to reject' },
  note: { type: 'string', minLength: 1, maxLength: 2000 },
  rating: { type: 'integer', minimum: 1, maximum: 5, description: 'rate: 1 to 5' },
  comment: { type: 'string', minLength: 1, maxLength: 1000 },
})
export type ApplicationActionInput = Input<typeof applicationActionBody>

export const documentQuery = {
  type: 'object',
  additionalProperties: false,
  required: ['key', 'fileName'],
  properties: {
    key: { type: 'string', pattern: '^[a-z0-9_]{1,40}$', description: 'Which of the service’s documents it is' },
    fileName: {
      type: 'string',
      minLength: 1,
      maxLength: 200,
      // No control characters and no path separators.
      pattern: '^[^\\u0000-\\u001f\\u007f/\\\\]+$',
    },
  },
} as const
export const documentParams = {
  type: 'object',
  additionalProperties: false,
  required: ['id', 'docId'],
  properties: { id, docId: id },
} as const
export const documentCheckBody = body(['ok'], {
  ok: { type: 'boolean', description: 'Whether the file is what was asked for' },
  note: { type: 'string', minLength: 1, maxLength: 500 },
})

// ---------------------------------------------------------------------------------------------

/** The answers checked against the service's form: APPLICATION_FORM_INVALID naming `form.<key>`. */
function checkForm(fields: readonly FormField[], answers: Record<string, unknown>): Record<string, unknown> {
  const known = new Map(fields.map((f) => [f.key, f]))
  for (const key of Object.keys(answers))
    if (!known.has(key)) throw new AppError('APPLICATION_FORM_INVALID', `the form has no field ${key}`, `form.${key}`)
  const out: Record<string, unknown> = {}
  for (const f of fields) {
    let v = answers[f.key]
    if (typeof v === 'string') v = v.trim()
    const bad = (why: string) => new AppError('APPLICATION_FORM_INVALID', `${f.label}: ${why}`, `form.${f.key}`)
    if (v === undefined || v === '') {
      if (f.required) throw bad('is required')
      continue
    }
    switch (f.type) {
      case 'text':
        if (typeof v !== 'string') throw bad('must be text')
        if (v.length > (f.max ?? 500)) throw bad(`at most ${f.max ?? 500} characters`)
        break
      case 'number':
        if (typeof v !== 'number' || !Number.isFinite(v)) throw bad('must be a number')
        if (f.max !== undefined && v > f.max) throw bad(`at most ${f.max}`)
        if (v < 0) throw bad('may not be negative')
        break
      case 'date': {
        if (typeof v !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(v)) throw bad('must be a date (YYYY-MM-DD)')
        const d = new Date(`${v}T00:00:00Z`)
        if (Number.isNaN(d.getTime()) || d.toISOString().slice(0, 10) !== v) throw bad('is not a day of the calendar')
        break
      }
      case 'choice':
        if (typeof v !== 'string' || !(f.options ?? []).includes(v))
          throw bad(`must be one of ${(f.options ?? []).join(', ')}`)
        break
      case 'boolean':
        if (typeof v !== 'boolean') throw bad('must be true or false')
        break
    }
    out[f.key] = v
  }
  return out
}

const isUniqueViolation = (err: unknown, constraint: string) => {
  const e = err as { code?: string; constraint?: string; message?: string } | null
  return e?.code === '23505' && (e.constraint === constraint || !!e.message?.includes(constraint))
}

/** The review deadline's warning at 75 % of the limit, and the limit itself. */
async function scheduleStage(tx: Tx, applicationId: number, stage: 'review' | 'delivery', from: Date, due: Date) {
  const warnAt = new Date(from.getTime() + 0.75 * (due.getTime() - from.getTime()))
  await scheduleTimers(tx, [
    {
      subject_type: 'service_application',
      subject_id: applicationId,
      kind: 'warn',
      stage,
      stage_seq: 1,
      due_at: warnAt,
    },
    { subject_type: 'service_application', subject_id: applicationId, kind: 'due', stage, stage_seq: 1, due_at: due },
  ])
}

async function appendEvent(
  tx: Tx,
  applicationId: number,
  e: {
    action: string
    from: string | null
    to: string | null
    actorId: number | null
    note?: string | null
    detail?: object
    at: Date
  },
) {
  await tx
    .insertInto('service_application_event')
    .values({
      application_id: applicationId,
      action: e.action,
      from_status: e.from,
      to_status: e.to,
      actor_id: e.actorId,
      note: e.note ?? null,
      detail: JSON.stringify(e.detail ?? {}),
      at: e.at,
    })
    .execute()
}

export async function createApplication(
  tx: Tx,
  ctx: RequestContext,
  input: NewApplication,
  now: Date,
): Promise<ApplicationDetail> {
  const s = await loadService(tx, ctx, input.serviceId)
  if (s.status !== 'active')
    throw new AppError('SERVICE_NOT_AVAILABLE', `the service is ${s.status}: it takes no applications`, 'serviceId')
  const { facts, self, actor } = await subjectPerson(tx, ctx, input.personId, now)
  if (!facts.areaPath.startsWith(s.area_path))
    throw new AppError(
      'SERVICE_NOT_AVAILABLE',
      'the service is not offered where the applicant is registered',
      'serviceId',
    )
  if (input.payWithHours && s.time_bank_hours === null)
    throw new AppError('VALIDATION_FAILED', 'this service is not paid in time-bank hours', 'payWithHours')
  const form = checkForm(s.form as FormField[], input.form)
  const results = await evaluateRules(tx, s.eligibility as Rule[], facts)
  const failing = results.filter((r) => !r.ok)
  if (failing.length)
    throw new AppError(
      'APPLICATION_NOT_ELIGIBLE',
      `the registry record does not meet ${failing.length === 1 ? 'a rule' : `${failing.length} rules`} of the service`,
      `eligibility.${failing[0]!.index}`,
      {},
      { failed: failing.map((r) => ({ index: r.index, field: r.field, op: r.op, value: r.value })) },
    )
  // The applicant's account: the caller, or at the counter the account verified as that person.
  const applicantUserId = self ? actor.userId : await accountOfPerson(tx, facts.personId)
  const { rows } = await sql<{ seq: string }>`select nextval('service_application_seq') as seq`.execute(tx)
  const reference = `FW-${beijingYear(now)}-${String(rows[0]!.seq).padStart(6, '0')}`
  const due = new Date(now.getTime() + s.review_days * DAY)
  const district = Number(facts.areaPath.split('/').filter(Boolean)[1] ?? facts.areaId)
  let row: { id: number }
  try {
    row = await tx
      .insertInto('service_application')
      .values({
        reference,
        service_id: s.id,
        area_id: facts.areaId,
        district_id: district,
        person_id: facts.personId,
        applicant_user_id: applicantUserId,
        submitted_by: actor.userId,
        channel: self ? 'portal' : 'counter',
        department_id: s.department_id,
        status: 'submitted',
        form: JSON.stringify(form),
        eligibility: JSON.stringify(results),
        pay_with_hours: input.payWithHours,
        due_at: due,
        created_at: now,
        updated_at: now,
      })
      .returning('id')
      .executeTakeFirstOrThrow()
  } catch (err) {
    if (isUniqueViolation(err, 'service_application_open'))
      throw new AppError(
        'APPLICATION_ALREADY_OPEN',
        'there is an open application for this service and person: follow it, or withdraw it first',
        'serviceId',
      )
    throw err
  }
  await appendEvent(tx, row.id, {
    action: 'submit',
    from: null,
    to: 'submitted',
    actorId: actor.userId,
    detail: { channel: self ? 'portal' : 'counter' },
    at: now,
  })
  await scheduleStage(tx, row.id, 'review', now, due)
  await recordAudit(tx, ctx, {
    action: 'service_application.submit',
    entityType: 'service_application',
    entityId: row.id,
    areaId: facts.areaId,
    detail: { reference, serviceId: s.id, channel: self ? 'portal' : 'counter' },
  })
  if (applicantUserId !== null && applicantUserId !== actor.userId)
    await notify(tx, [applicantUserId], {
      kind: 'service_update',
      caseId: null,
      params: { applicationId: row.id, reference, title: s.name, status: 'submitted' },
      at: now,
    })
  return applicationDetail(tx, ctx, row.id, now)
}

async function applicationRow(tx: Tx, applicationId: number, lock = false) {
  let q = tx
    .selectFrom('service_application as x')
    .innerJoin('service as s', 's.id', 'x.service_id')
    .innerJoin('area as a', 'a.id', 'x.area_id')
    .selectAll('x')
    .select([
      's.name as service_name',
      's.category',
      's.documents as service_documents',
      's.form as service_form',
      's.time_bank_hours',
      'a.path as area_path',
      'a.name_zh',
      'a.name_en',
    ])
    .where('x.id', '=', applicationId)
  if (lock) q = q.forUpdate('x')
  const row = await q.executeTakeFirst()
  if (!row) throw notFound('APPLICATION_NOT_FOUND', `application ${applicationId}`, 'id')
  return row
}
type ApplicationRow = Awaited<ReturnType<typeof applicationRow>>

function rolesOn(actor: Actor, x: Pick<ApplicationRow, 'applicant_user_id' | 'area_path' | 'department_id'>) {
  const roles = new Set<ApplicationRole>()
  // Nobody decides or delivers their own application (回避): staff who apply are only its applicant.
  if (x.applicant_user_id === actor.userId) {
    roles.add('applicant')
    return roles
  }
  if (isServicesStaff(actor, x.area_path)) {
    roles.add('reviewer')
    roles.add('deliverer')
  }
  if (x.department_id !== null && actor.departmentId === x.department_id) roles.add('deliverer')
  return roles
}

const isOverdue = (status: string, due: Date, now: Date) =>
  openStates.includes(status as ApplicationState) && due.getTime() < now.getTime()

export async function listApplications(
  tx: Tx,
  ctx: RequestContext,
  f: ApplicationFilter,
  now: Date,
): Promise<Page<ApplicationItem>> {
  const actor = requireActor(ctx)
  // Row-level security confines the rows to the caller's: their own, their areas' queue (service
  // staff) and their department's deliveries (handlers).
  let q = tx
    .selectFrom('service_application as x')
    .innerJoin('service as s', 's.id', 'x.service_id')
    .innerJoin('area as a', 'a.id', 'x.area_id')
    .leftJoin('person as pe', 'pe.id', 'x.person_id')
  if (f.areaId !== undefined) {
    const path = await areaPathOf(tx, f.areaId, 'areaId')
    // By the queue's index (area_id, status, due_at): the areas at and below, as a list of ids.
    q = q.where('x.area_id', 'in', (eb) => eb.selectFrom('area').select('id').where('path', 'like', `${path}%`))
  }
  if (f.status) q = q.where('x.status', '=', f.status)
  if (f.serviceId !== undefined) q = q.where('x.service_id', '=', f.serviceId)
  // Each caller's list by its own index: service staff their areas' queue (area_id, status,
  // due_at), a department's handlers its deliveries, everyone else (and ?mine=true) their own.
  const queuePaths = pathsWith(actor, servicesStaff)
  if (f.mine || (queuePaths.length === 0 && !actor.departmentId)) q = q.where('x.applicant_user_id', '=', actor.userId)
  else if (queuePaths.length)
    q = q.where('x.area_id', 'in', (eb) =>
      eb
        .selectFrom('area')
        .select('id')
        .where((w) => w.or(queuePaths.map((path) => w('path', 'like', `${path}%`)))),
    )
  else q = q.where('x.department_id', '=', actor.departmentId!)
  if (f.overdue !== undefined)
    q = f.overdue
      ? q.where('x.status', 'in', openStates).where('x.due_at', '<', now)
      : q.where((eb) => eb.or([eb('x.status', 'not in', openStates), eb('x.due_at', '>=', now)]))
  const limit = countLimitOf(f)
  const counted = await tx
    .selectFrom(q.select(sql`1`.as('one')).limit(limit).as('t'))
    .select(sql<string>`count(*)`.as('n'))
    .executeTakeFirstOrThrow()
  const total = Number(counted.n)
  const ordered = f.sort === 'due' ? q.orderBy('x.due_at').orderBy('x.id') : q.orderBy('x.id', 'desc')
  const rows = await ordered
    .select([
      'x.id',
      'x.reference',
      'x.service_id',
      's.name as service_name',
      's.category',
      'x.area_id',
      'a.name_zh',
      'a.name_en',
      'a.path as area_path',
      'pe.name as person_name',
      'x.status',
      'x.channel',
      'x.pay_with_hours',
      'x.due_at',
      'x.rating',
      'x.created_at',
      'x.updated_at',
    ])
    .limit(f.pageSize)
    .offset(offsetOf(f))
    .execute()
  const items = rows.map(
    (r): ApplicationItem => ({
      id: r.id,
      reference: r.reference,
      serviceId: r.service_id,
      serviceName: r.service_name,
      category: r.category as ApplicationItem['category'],
      areaId: r.area_id,
      areaNameZh: r.name_zh,
      areaNameEn: r.name_en,
      applicantName: isServicesStaff(actor, r.area_path) ? (r.person_name ?? null) : null,
      status: r.status as ApplicationState,
      channel: r.channel as 'portal' | 'counter',
      payWithHours: r.pay_with_hours,
      dueAt: r.due_at.toISOString(),
      overdue: isOverdue(r.status, r.due_at, now),
      rating: r.rating,
      createdAt: r.created_at.toISOString(),
      updatedAt: r.updated_at.toISOString(),
    }),
  )
  return paginate(f, items, total, { totalCapped: total >= limit })
}

function documentView(d: {
  id: number
  key: string
  file_name: string
  content_type: string
  size: number
  checked: boolean | null
  check_note: string | null
  checked_at: Date | null
  created_at: Date
}): DocumentView {
  return {
    id: d.id,
    key: d.key,
    fileName: d.file_name,
    contentType: d.content_type as AttachmentType,
    size: d.size,
    checked: d.checked,
    checkNote: d.check_note,
    checkedAt: d.checked_at?.toISOString() ?? null,
    createdAt: d.created_at.toISOString(),
  }
}
const documentColumns = [
  'id',
  'key',
  'file_name',
  'content_type',
  'size',
  'checked',
  'check_note',
  'checked_at',
  'created_at',
] as const

export async function applicationDetail(
  tx: Tx,
  ctx: RequestContext,
  applicationId: number,
  now: Date,
): Promise<ApplicationDetail> {
  const actor = requireActor(ctx)
  const x = await applicationRow(tx, applicationId)
  const roles = rolesOn(actor, x)
  const staff = roles.has('reviewer')
  const person = staff
    ? await tx
        .selectFrom('person')
        .select(['name', 'id_number_masked'])
        .where('id', '=', x.person_id)
        .executeTakeFirst()
    : undefined
  const docs = await tx
    .selectFrom('service_document')
    .select(documentColumns)
    .where('application_id', '=', applicationId)
    .orderBy('id')
    .execute()
  const events = await tx
    .selectFrom('service_application_event')
    .select(['action', 'from_status', 'to_status', 'note', 'actor_id', 'at'])
    .where('application_id', '=', applicationId)
    .orderBy('id')
    .execute()
  const names = await displayNames(
    tx,
    events.flatMap((e) => (e.actor_id === null ? [] : [e.actor_id])),
  )
  const specs = x.service_documents as DocumentSpec[]
  const fields = x.service_form as FormField[]
  const seesFacts = staff || roles.has('applicant')
  const state = x.status as ApplicationState
  return {
    id: x.id,
    reference: x.reference,
    serviceId: x.service_id,
    serviceName: x.service_name,
    category: x.category as ApplicationItem['category'],
    areaId: x.area_id,
    areaNameZh: x.name_zh,
    areaNameEn: x.name_en,
    applicantName: person?.name ?? null,
    status: state,
    channel: x.channel as 'portal' | 'counter',
    payWithHours: x.pay_with_hours,
    dueAt: x.due_at.toISOString(),
    overdue: isOverdue(x.status, x.due_at, now),
    rating: x.rating,
    createdAt: x.created_at.toISOString(),
    updatedAt: x.updated_at.toISOString(),
    personId: x.person_id,
    person: person ? { name: person.name, idNumberMasked: person.id_number_masked } : null,
    form: x.form as Record<string, string | number | boolean>,
    formFields: fields.map((f) => ({ key: f.key, label: f.label, type: f.type, required: f.required })),
    eligibility: (x.eligibility as RuleResult[]).map((r) => ({ ...r, actual: seesFacts ? r.actual : null })),
    documents: docs.map(documentView),
    requiredDocuments: specs.map((d) => ({
      key: d.key,
      label: d.label,
      required: d.required,
      types: d.types ?? [...attachmentTypes],
      uploaded: docs.some((f) => f.key === d.key),
      checked: docs.some((f) => f.key === d.key && f.checked === true),
    })),
    timeBankHours: x.time_bank_hours === null ? null : Number(x.time_bank_hours),
    decisionReason: x.decision_reason,
    deliveredAt: x.delivered_at?.toISOString() ?? null,
    deliveryNote: x.delivery_note,
    ratingComment: x.rating_comment,
    ratedAt: x.rated_at?.toISOString() ?? null,
    version: x.version,
    mine: roles.has('applicant'),
    allowedActions: applicationWorkflow.allowed(state, roles).filter((a) => a !== 'rate' || x.rated_at === null),
    mayUpload: state === 'submitted' && (staff || roles.has('applicant')),
    mayCheck: state === 'submitted' && staff,
    events: events.map((e) => ({
      action: e.action,
      fromStatus: e.from_status,
      toStatus: e.to_status,
      note: e.note,
      actorName: e.actor_id === null ? null : (names.get(e.actor_id) ?? null),
      at: e.at.toISOString(),
    })),
  }
}

export async function performApplicationAction(
  tx: Tx,
  ctx: RequestContext,
  applicationId: number,
  input: ApplicationActionInput,
  now: Date,
): Promise<void> {
  const actor = requireActor(ctx)
  const x = await applicationRow(tx, applicationId, true)
  const from = x.status as ApplicationState
  const to = applicationWorkflow.check(from, input.action, rolesOn(actor, x))
  if (x.version !== input.version)
    throw new AppError(
      'APPLICATION_VERSION_CONFLICT',
      `the application changed meanwhile (version ${x.version}); reload and retry`,
      'version',
      {},
      { version: x.version },
    )
  const changes: Record<string, unknown> = {}
  let note: string | null = input.note?.trim() || null
  switch (input.action) {
    case 'approve': {
      const docs = await tx
        .selectFrom('service_document')
        .select(['key', 'checked'])
        .where('application_id', '=', applicationId)
        .execute()
      for (const d of x.service_documents as DocumentSpec[]) {
        if (!d.required) continue
        const files = docs.filter((f) => f.key === d.key)
        if (!files.some((f) => f.checked === true))
          throw new AppError(
            'APPLICATION_DOCUMENT_MISSING',
            files.length === 0
              ? `${d.label} is required and was not uploaded`
              : `${d.label} has not been checked and found fine`,
            `documents.${d.key}`,
          )
      }
      const service = await tx
        .selectFrom('service')
        .select('delivery_days')
        .where('id', '=', x.service_id)
        .executeTakeFirstOrThrow()
      const due = new Date(now.getTime() + service.delivery_days * DAY)
      Object.assign(changes, { decided_by: actor.userId, decided_at: now, due_at: due })
      await cancelTimers(tx, 'service_application', applicationId, now)
      await scheduleStage(tx, applicationId, 'delivery', now, due)
      break
    }
    case 'reject': {
      const reason = input.reason?.trim()
      if (!reason) throw new AppError('VALIDATION_FAILED', 'a rejection needs its reason', 'reason')
      Object.assign(changes, { decided_by: actor.userId, decided_at: now, decision_reason: reason })
      note = reason
      await cancelTimers(tx, 'service_application', applicationId, now)
      break
    }
    case 'deliver': {
      if (x.pay_with_hours) {
        let charged: string | number | null = null
        try {
          // A savepoint would be needed to go on after a failed statement; the error ends the request.
          const { rows } = await sql<{ v: string | number | null }>`
            select app_service_pay_hours(${applicationId}::bigint, ${now}::timestamptz) as v`.execute(tx)
          charged = rows[0]?.v ?? null
        } catch (err) {
          const e = err as { code?: string }
          if (e?.code === '23514')
            throw new AppError(
              'TIME_BANK_INSUFFICIENT',
              `the applicant's time bank holds fewer than the ${Number(x.time_bank_hours)} hours the service costs`,
              'action',
            )
          throw err
        }
        if (charged === null)
          throw new AppError(
            'TIME_BANK_INSUFFICIENT',
            'the applicant has no volunteer time bank to pay the hours from',
            'action',
          )
      }
      Object.assign(changes, { delivered_at: now, delivery_note: note })
      await cancelTimers(tx, 'service_application', applicationId, now)
      break
    }
    case 'withdraw':
      await cancelTimers(tx, 'service_application', applicationId, now)
      break
    case 'rate': {
      if (x.rated_at !== null)
        throw new AppError('APPLICATION_ALREADY_RATED', 'the application was rated already', 'rating')
      if (input.rating === undefined) throw new AppError('VALIDATION_FAILED', 'a rating of 1 to 5 is needed', 'rating')
      Object.assign(changes, { rating: input.rating, rating_comment: input.comment?.trim() || null, rated_at: now })
      note = input.comment?.trim() || null
      break
    }
  }
  await tx
    .updateTable('service_application')
    .set({ ...changes, status: to, updated_at: now, version: x.version + 1 })
    .where('id', '=', applicationId)
    .execute()
  await appendEvent(tx, applicationId, {
    action: input.action,
    from,
    to,
    actorId: actor.userId,
    note,
    detail: input.action === 'rate' ? { rating: input.rating } : {},
    at: now,
  })
  await recordAudit(tx, ctx, {
    action: `service_application.${input.action}`,
    entityType: 'service_application',
    entityId: applicationId,
    areaId: x.area_id,
    detail: { from, to, ...(input.action === 'rate' ? { rating: input.rating } : {}) },
  })
  // The applicant hears of what others do to their application.
  if (x.applicant_user_id !== null && x.applicant_user_id !== actor.userId)
    await notify(tx, [x.applicant_user_id], {
      kind: 'service_update',
      caseId: null,
      params: { applicationId, reference: x.reference, title: x.service_name, status: to },
      at: now,
    })
}

// Documents -----------------------------------------------------------------------------------

export async function addDocument(
  tx: Tx,
  ctx: RequestContext,
  applicationId: number,
  key: string,
  fileName: string,
  data: Buffer,
  now: Date,
): Promise<DocumentView> {
  const actor = requireActor(ctx)
  const x = await applicationRow(tx, applicationId, true)
  const roles = rolesOn(actor, x)
  if (!roles.has('applicant') && !roles.has('reviewer'))
    throw new AppError('FORBIDDEN', 'documents are added by the applicant or the service staff of the area')
  if (x.status !== 'submitted')
    throw new AppError(
      'APPLICATION_ILLEGAL_TRANSITION',
      `documents are added while the application is submitted; it is ${x.status}`,
      'id',
    )
  const spec = (x.service_documents as DocumentSpec[]).find((d) => d.key === key)
  if (!spec)
    throw new AppError(
      'VALIDATION_FAILED',
      `the service asks for no document ${key}; it asks for ${(x.service_documents as DocumentSpec[]).map((d) => d.key).join(', ') || 'none'}`,
      'key',
    )
  const type = await sniffAttachment(data, spec.types ?? attachmentTypes, MAX_DOCUMENT_BYTES)
  const count = await tx
    .selectFrom('service_document')
    .select(sql<string>`count(*)`.as('n'))
    .where('application_id', '=', applicationId)
    .executeTakeFirstOrThrow()
  if (Number(count.n) >= MAX_DOCUMENTS)
    throw new AppError('VALIDATION_FAILED', `an application holds at most ${MAX_DOCUMENTS} files`, 'body')
  const row = await tx
    .insertInto('service_document')
    .values({
      application_id: applicationId,
      key,
      file_name: fileName,
      content_type: type,
      size: data.length,
      content: data,
      created_at: now,
    })
    .returning(documentColumns)
    .executeTakeFirstOrThrow()
  await appendEvent(tx, applicationId, {
    action: 'document',
    from: null,
    to: null,
    actorId: actor.userId,
    note: `${spec.label}: ${fileName}`,
    detail: { key, documentId: row.id },
    at: now,
  })
  return documentView(row)
}

export async function documentFile(tx: Tx, applicationId: number, documentId: number) {
  // The application's row-level security covers its documents: who cannot read it reads none.
  const d = await tx
    .selectFrom('service_document')
    .select(['file_name', 'content_type', 'content'])
    .where('id', '=', documentId)
    .where('application_id', '=', applicationId)
    .executeTakeFirst()
  if (!d) throw notFound('NOT_FOUND', `document ${documentId}`, 'docId')
  return { fileName: d.file_name, contentType: d.content_type, data: Buffer.from(d.content) }
}

export async function checkDocument(
  tx: Tx,
  ctx: RequestContext,
  applicationId: number,
  documentId: number,
  input: Input<typeof documentCheckBody>,
  now: Date,
): Promise<DocumentView> {
  const actor = requireActor(ctx)
  const x = await applicationRow(tx, applicationId, true)
  if (!rolesOn(actor, x).has('reviewer'))
    throw new AppError('FORBIDDEN', 'documents are checked by the service staff of the area')
  if (x.status !== 'submitted')
    throw new AppError(
      'APPLICATION_ILLEGAL_TRANSITION',
      `documents are checked while the application is submitted; it is ${x.status}`,
      'id',
    )
  const row = await tx
    .updateTable('service_document')
    .set({ checked: input.ok, checked_by: actor.userId, checked_at: now, check_note: input.note?.trim() || null })
    .where('id', '=', documentId)
    .where('application_id', '=', applicationId)
    .returning(documentColumns)
    .executeTakeFirst()
  if (!row) throw notFound('NOT_FOUND', `document ${documentId}`, 'docId')
  await appendEvent(tx, applicationId, {
    action: input.ok ? 'document_accepted' : 'document_refused',
    from: null,
    to: null,
    actorId: actor.userId,
    note: input.note?.trim() || row.file_name,
    detail: { key: row.key, documentId },
    at: now,
  })
  return documentView(row)
}

// Deadlines -----------------------------------------------------------------------------------

/**
 * The review and delivery clocks: at 75 % of the limit the area's service staff are warned; when
 * it passes, the leaders over the area are told too (the escalation). A timer of a stage that
 * has ended does nothing (its timers are cancelled then; this guards a race).
 */
export const applicationTimerHandler: TimerHandler = async (tx, timer, now) => {
  const x = await tx
    .selectFrom('service_application as x')
    .innerJoin('service as s', 's.id', 'x.service_id')
    .innerJoin('area as a', 'a.id', 'x.area_id')
    .select(['x.id', 'x.reference', 'x.status', 'x.due_at', 's.name', 'a.path'])
    .where('x.id', '=', timer.subject_id)
    .executeTakeFirst()
  const stageOf: Partial<Record<string, string>> = { submitted: 'review', approved: 'delivery' }
  if (!x || stageOf[x.status] !== timer.stage) return
  const params = {
    applicationId: x.id,
    reference: x.reference,
    title: x.name,
    stage: timer.stage,
    dueAt: x.due_at.toISOString(),
  }
  if (timer.kind === 'warn') {
    await notifyRoleOver(tx, ['admin', 'staff'], x.path, { kind: 'service_warning', caseId: null, params, at: now })
    return
  }
  await notifyRoleOver(tx, ['admin', 'leader', 'staff'], x.path, {
    kind: 'service_overdue',
    caseId: null,
    params,
    at: now,
  })
}
