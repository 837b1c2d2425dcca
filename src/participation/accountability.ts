import { sql } from 'kysely'
import { recordAudit } from '../audit/service.js'
import { createCase } from '../cases/intake.js'
import type { FieldCipher } from '../core/crypto.js'
import type { Tx } from '../core/db.js'
import { AppError, notFound } from '../core/errors.js'
import type { Input, Output } from '../core/http.js'
import { countLimitOf, offsetOf, pageQuerySchema, paginate } from '../core/paging.js'
import { body, date, id, nullable, orNull, shape, text, timestamp } from '../core/schemas.js'
import { requireActor, type RequestContext } from '../core/scope.js'
import { areaPathOf, areaRef, areaRefSchema } from '../jurisdiction/service.js'
import { isParticipationStaff, requireParticipationStaff, tellParticipants } from './common.js'
import { dayOf } from './councils.js'
import { settleResults } from './meetings.js'

// You said, we did (有事好商量、件件有回音): every outcome — an accepted proposal, a consultation's
// result, a decision a meeting adopted — gets one record (UNIQUE per source) with milestones and
// progress that the residents of its branch follow. Staff of the source's area keep it; an outcome
// may also become an event case for a department through the event loop (cases/intake.ts), whose
// tracking code and state the followers see. The people who took part in the source (a proposal's
// author and supporters, a consultation's commenters, a meeting's registrants) are told of
// progress through tellParticipants, as they chose (daily digest by default).

export const sourceKinds = ['proposal', 'consultation', 'meeting_decision'] as const
export type SourceKind = (typeof sourceKinds)[number]
export const accountabilityStatuses = ['planned', 'in_progress', 'done', 'dropped'] as const
export type AccountabilityStatus = (typeof accountabilityStatuses)[number]

// ── Schemas ────────────────────────────────────────────────────────────────────────────────────

export const newRecordBody = body(['sourceKind', 'sourceId', 'title'], {
  sourceKind: { type: 'string', enum: sourceKinds },
  sourceId: {
    ...id,
    description:
      'An accepted (or implemented) proposal, a closed (or published) consultation, or a decision a meeting adopted',
  },
  title: text(200),
  description: { type: 'string', maxLength: 6000 },
})
export type NewRecord = Input<typeof newRecordBody>

export const recordPatchBody = {
  type: 'object',
  additionalProperties: false,
  minProperties: 1,
  properties: {
    status: { type: 'string', enum: accountabilityStatuses },
    progress: { type: 'integer', minimum: 0, maximum: 100, description: 'Per cent; done without it sets 100' },
    title: text(200),
    description: { type: 'string', maxLength: 6000 },
  },
} as const
export type RecordPatch = Input<typeof recordPatchBody>

export const newMilestoneBody = body(['title'], { title: text(200), dueOn: date })
export const milestonePatchBody = {
  type: 'object',
  additionalProperties: false,
  minProperties: 1,
  properties: {
    title: text(200),
    dueOn: { ...date, type: ['string', 'null'] },
    doneOn: { ...date, type: ['string', 'null'], description: 'The day it was reached; null reopens it' },
    note: { type: ['string', 'null'], maxLength: 2000 },
  },
} as const
export type MilestonePatch = Input<typeof milestonePatchBody>

export const toCaseBody = body(['categoryCode', 'gridId', 'address'], {
  categoryCode: { type: 'string', minLength: 1, maxLength: 20, description: 'The event category (catalogue leaf)' },
  gridId: { ...id, description: 'A grid inside the record’s area, where the work is' },
  address: text(300),
  description: { ...text(4000), description: 'Default: the record’s title and description' },
  attributes: {
    type: 'object',
    maxProperties: 50,
    additionalProperties: true,
    description: 'The category’s extra attributes, by attribute code',
  },
})
export type ToCase = Input<typeof toCaseBody>

export const recordListQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    ...pageQuerySchema,
    status: { type: 'string', enum: accountabilityStatuses },
    sourceKind: { type: 'string', enum: sourceKinds },
    areaId: { ...id, description: 'Records of this area and the areas below it' },
  },
} as const
export type RecordFilter = Input<typeof recordListQuery>

export const milestoneParams = {
  type: 'object',
  required: ['id', 'milestoneId'],
  additionalProperties: false,
  properties: { id, milestoneId: id },
} as const

const recordCore = {
  id: { type: 'integer' },
  area: areaRefSchema,
  sourceKind: { type: 'string', enum: sourceKinds },
  sourceId: { type: 'integer' },
  sourceTitle: { ...nullable('string'), description: 'Null when the source is no longer visible to the caller' },
  title: { type: 'string' },
  status: { type: 'string', enum: accountabilityStatuses },
  progress: { type: 'integer', minimum: 0, maximum: 100 },
  milestoneCount: { type: 'integer' },
  milestonesDone: { type: 'integer' },
  hasCase: { type: 'boolean' },
  updatedAt: timestamp,
} as const

export const recordViewSchema = shape(recordCore)
export type RecordView = Output<typeof recordViewSchema>

export const milestoneSchema = shape({
  id: { type: 'integer' },
  title: { type: 'string' },
  dueOn: { ...nullable('string'), format: 'date' },
  doneOn: { ...nullable('string'), format: 'date' },
  note: nullable('string'),
  overdue: { type: 'boolean', description: 'Due before today and not reached' },
})

export const recordDetailSchema = shape({
  ...recordCore,
  description: { type: 'string' },
  source: shape({
    kind: { type: 'string', enum: sourceKinds },
    id: { type: 'integer' },
    title: nullable('string'),
    status: { ...nullable('string'), description: 'The proposal’s or consultation’s state, the decision’s result' },
    meetingId: { ...nullable('integer'), description: 'For a meeting decision: its meeting (the page to link)' },
  }),
  milestones: { type: 'array', items: milestoneSchema },
  case: orNull(
    shape({
      id: { type: 'integer' },
      trackingCode: { type: 'string', description: 'Follow it on the public tracking page' },
      state: { type: 'string' },
      category: shape({ code: { type: 'string' }, nameZh: { type: 'string' }, nameEn: { type: 'string' } }),
      updatedAt: timestamp,
    }),
  ),
  followerCount: { type: 'integer', description: 'People told of its progress (who took part in the source)' },
  canManage: { type: 'boolean' },
  createdAt: timestamp,
})
export type RecordDetail = Output<typeof recordDetailSchema>

// ── Sources ────────────────────────────────────────────────────────────────────────────────────

interface Source {
  kind: SourceKind
  id: number
  title: string
  status: string | null
  areaId: number
  meetingId: number | null
  /** Whether it is an outcome that can be followed (accepted, closed, adopted). */
  outcome: boolean
}

/** The source as the caller sees it (row-level security), or null. */
async function loadSource(tx: Tx, kind: SourceKind, sourceId: number, now: Date): Promise<Source | null> {
  if (kind === 'proposal') {
    const p = await tx
      .selectFrom('proposal')
      .select(['id', 'title', 'status', 'area_id'])
      .where('id', '=', sourceId)
      .executeTakeFirst()
    return p
      ? {
          kind,
          id: p.id,
          title: p.title,
          status: p.status,
          areaId: p.area_id,
          meetingId: null,
          outcome: p.status === 'accepted' || p.status === 'implemented',
        }
      : null
  }
  if (kind === 'consultation') {
    const c = await tx
      .selectFrom('consultation')
      .select(['id', 'title', 'status', 'area_id'])
      .where('id', '=', sourceId)
      .executeTakeFirst()
    return c
      ? {
          kind,
          id: c.id,
          title: c.title,
          status: c.status,
          areaId: c.area_id,
          meetingId: null,
          outcome: c.status === 'closed' || c.status === 'published',
        }
      : null
  }
  const find = () =>
    tx
      .selectFrom('meeting_decision as d')
      .innerJoin('meeting as m', 'm.id', 'd.meeting_id')
      .select(['d.id', 'd.title', 'd.result', 'd.voting_closes_at', 'm.id as meeting_id', 'm.area_id', 'm.quorum'])
      .where('d.id', '=', sourceId)
      .executeTakeFirst()
  let d = await find()
  if (d && d.result === null && d.voting_closes_at <= now) {
    await settleResults(tx, d.meeting_id, d.quorum, now)
    d = await find()
  }
  return d
    ? {
        kind,
        id: d.id,
        title: d.title,
        status: d.result,
        areaId: d.area_id,
        meetingId: d.meeting_id,
        outcome: d.result === 'adopted',
      }
    : null
}

const sourceNotFound = (kind: SourceKind, sourceId: number) =>
  notFound(
    kind === 'proposal'
      ? 'PROPOSAL_NOT_FOUND'
      : kind === 'consultation'
        ? 'CONSULTATION_NOT_FOUND'
        : 'DECISION_NOT_FOUND',
    `${kind} ${sourceId}`,
    'sourceId',
  )

/** Who took part in the source: they are told of the record's progress. */
async function followersOf(tx: Tx, kind: SourceKind, sourceId: number): Promise<number[]> {
  if (kind === 'proposal') {
    const rows = await tx
      .selectFrom('proposal_support')
      .select('user_id')
      .where('proposal_id', '=', sourceId)
      .union(tx.selectFrom('proposal').select('author_id as user_id').where('id', '=', sourceId))
      .execute()
    return rows.map((r) => r.user_id)
  }
  if (kind === 'consultation') {
    const rows = await tx
      .selectFrom('participation_comment')
      .select('author_id as user_id')
      .distinct()
      .where('subject_kind', '=', 'consultation')
      .where('subject_id', '=', sourceId)
      .where('official', '=', false)
      .execute()
    return rows.map((r) => r.user_id)
  }
  const rows = await tx
    .selectFrom('meeting_registration as r')
    .innerJoin('meeting_decision as d', 'd.meeting_id', 'r.meeting_id')
    .select('r.user_id')
    .where('d.id', '=', sourceId)
    .execute()
  return rows.map((r) => r.user_id)
}

async function tellFollowers(
  tx: Tx,
  r: { id: number; source_kind: string; source_id: number; title: string },
  kind: string,
  params: Record<string, unknown>,
  now: Date,
) {
  await tellParticipants(tx, await followersOf(tx, r.source_kind as SourceKind, r.source_id), {
    subjectKind: 'accountability',
    subjectId: r.id,
    kind,
    params: { title: r.title, ...params },
    at: now,
  })
}

// ── Reading ────────────────────────────────────────────────────────────────────────────────────

function recordBase(tx: Tx) {
  return tx
    .selectFrom('accountability_record as r')
    .innerJoin('area as a', 'a.id', 'r.area_id')
    .leftJoin('proposal as sp', (j) => j.onRef('sp.id', '=', 'r.source_id').on('r.source_kind', '=', 'proposal'))
    .leftJoin('consultation as sc', (j) =>
      j.onRef('sc.id', '=', 'r.source_id').on('r.source_kind', '=', 'consultation'),
    )
    .leftJoin('meeting_decision as sd', (j) =>
      j.onRef('sd.id', '=', 'r.source_id').on('r.source_kind', '=', 'meeting_decision'),
    )
}

const recordColumns = [
  'r.id',
  'r.source_kind',
  'r.source_id',
  'r.title',
  'r.description',
  'r.status',
  'r.progress',
  'r.case_id',
  'r.created_at',
  'r.updated_at',
  'a.id as area_id',
  'a.code as area_code',
  'a.name_zh as area_name_zh',
  'a.name_en as area_name_en',
  'a.path as area_path',
  sql<string | null>`coalesce(sp.title, sc.title, sd.title)`.as('source_title'),
  sql<number>`(select count(*)::int from accountability_milestone x where x.record_id = r.id)`.as('milestone_count'),
  sql<number>`(select count(*)::int from accountability_milestone x where x.record_id = r.id and x.done_on is not null)`.as(
    'milestones_done',
  ),
] as const

type RecordRow = {
  id: number
  source_kind: string
  source_id: number
  title: string
  status: string
  progress: number
  case_id: number | null
  updated_at: Date
  area_id: number
  area_code: string
  area_name_zh: string
  area_name_en: string
  source_title: string | null
  milestone_count: number
  milestones_done: number
}

const presentRecord = (r: RecordRow): RecordView => ({
  id: r.id,
  area: areaRef(r),
  sourceKind: r.source_kind as SourceKind,
  sourceId: r.source_id,
  sourceTitle: r.source_title,
  title: r.title,
  status: r.status as AccountabilityStatus,
  progress: r.progress,
  milestoneCount: r.milestone_count,
  milestonesDone: r.milestones_done,
  hasCase: r.case_id !== null,
  updatedAt: r.updated_at.toISOString(),
})

export async function listRecords(tx: Tx, f: RecordFilter) {
  let base = recordBase(tx)
  if (f.areaId !== undefined) base = base.where('a.path', 'like', `${await areaPathOf(tx, f.areaId)}%`)
  if (f.status) base = base.where('r.status', '=', f.status)
  if (f.sourceKind) base = base.where('r.source_kind', '=', f.sourceKind)
  const [rows, count] = await Promise.all([
    base
      .select(recordColumns)
      .orderBy('r.updated_at', 'desc')
      .orderBy('r.id', 'desc')
      .limit(f.pageSize)
      .offset(offsetOf(f))
      .execute(),
    tx
      .selectFrom(base.select('r.id').limit(countLimitOf(f)).as('x'))
      .select(sql<number>`count(*)::int`.as('n'))
      .executeTakeFirstOrThrow(),
  ])
  return paginate(f, rows.map(presentRecord), count.n)
}

async function loadRecord(tx: Tx, recordId: number) {
  const r = await recordBase(tx).select(recordColumns).where('r.id', '=', recordId).executeTakeFirst()
  if (!r) throw notFound('ACCOUNTABILITY_NOT_FOUND', `accountability record ${recordId}`)
  return r
}

export async function recordDetail(tx: Tx, ctx: RequestContext, recordId: number, now: Date): Promise<RecordDetail> {
  const r = await loadRecord(tx, recordId)
  const day = dayOf(now)
  const [source, milestones, linked, followers] = await Promise.all([
    loadSource(tx, r.source_kind as SourceKind, r.source_id, now),
    tx
      .selectFrom('accountability_milestone')
      .select(['id', 'title', 'due_on', 'done_on', 'note'])
      .where('record_id', '=', r.id)
      .orderBy(sql`due_on nulls last`)
      .orderBy('id')
      .execute(),
    r.case_id === null
      ? Promise.resolve(null)
      : sql<{
          case_id: number
          tracking_code: string
          state: string
          category_id: number
          updated_at: Date
        }>`select * from app_accountability_case(${r.id}::bigint)`
          .execute(tx)
          .then((x) => x.rows[0] ?? null),
    followersOf(tx, r.source_kind as SourceKind, r.source_id),
  ])
  const category = linked
    ? await tx
        .selectFrom('case_category')
        .select(['code', 'name_zh', 'name_en'])
        .where('id', '=', linked.category_id)
        .executeTakeFirst()
    : undefined
  return {
    ...presentRecord(r),
    description: r.description,
    source: {
      kind: r.source_kind as SourceKind,
      id: r.source_id,
      title: source?.title ?? null,
      status: source?.status ?? null,
      meetingId: source?.meetingId ?? null,
    },
    milestones: milestones.map((m) => ({
      id: m.id,
      title: m.title,
      dueOn: m.due_on,
      doneOn: m.done_on,
      note: m.note,
      overdue: m.done_on === null && m.due_on !== null && m.due_on < day,
    })),
    case: linked
      ? {
          id: Number(linked.case_id),
          trackingCode: linked.tracking_code,
          state: linked.state,
          category: {
            code: category?.code ?? '',
            nameZh: category?.name_zh ?? '',
            nameEn: category?.name_en ?? '',
          },
          updatedAt: new Date(linked.updated_at).toISOString(),
        }
      : null,
    followerCount: new Set(followers).size,
    canManage: isParticipationStaff(ctx.actor, r.area_path),
    createdAt: r.created_at.toISOString(),
  }
}

// ── Staff ──────────────────────────────────────────────────────────────────────────────────────

/**
 * Opens the record of an outcome. The source must be visible to the caller and be an outcome
 * (accepted or implemented proposal, closed or published consultation, adopted decision); its
 * area is the record's. One record per source: a second is 409 CONFLICT naming the first.
 */
export async function createRecord(tx: Tx, ctx: RequestContext, input: NewRecord, now: Date): Promise<number> {
  const actor = requireActor(ctx)
  const source = await loadSource(tx, input.sourceKind, input.sourceId, now)
  if (!source) throw sourceNotFound(input.sourceKind, input.sourceId)
  requireParticipationStaff(ctx, await areaPathOf(tx, source.areaId, null))
  if (!source.outcome)
    throw new AppError(
      'CONFLICT',
      input.sourceKind === 'proposal'
        ? `only an accepted or implemented proposal is followed here; this one is ${source.status}`
        : input.sourceKind === 'consultation'
          ? `only a closed or published consultation is followed here; this one is ${source.status}`
          : `only an adopted decision is followed here; this one is ${source.status ?? 'still being voted on'}`,
      'sourceId',
      {},
      { status: source.status },
    )
  // Creates for one source wait for each other, so the second finds the first and names it (the
  // UNIQUE constraint stays the guarantee).
  const lockKey = `accountability:${input.sourceKind}:${input.sourceId}`
  await sql`select pg_advisory_xact_lock(hashtext(${lockKey}))`.execute(tx)
  const existing = await tx
    .selectFrom('accountability_record')
    .select('id')
    .where('source_kind', '=', input.sourceKind)
    .where('source_id', '=', input.sourceId)
    .executeTakeFirst()
  if (existing)
    throw new AppError(
      'CONFLICT',
      `this outcome is followed already (record ${existing.id})`,
      'sourceId',
      {},
      {
        id: existing.id,
      },
    )
  const created = await tx
    .insertInto('accountability_record')
    .values({
      area_id: source.areaId,
      source_kind: input.sourceKind,
      source_id: input.sourceId,
      title: input.title,
      description: input.description ?? '',
      status: 'planned',
      progress: 0,
      case_id: null,
      created_by: actor.userId,
      created_at: now,
      updated_at: now,
    })
    .returning('id')
    .executeTakeFirstOrThrow()
  await recordAudit(tx, ctx, {
    action: 'accountability.create',
    entityType: 'accountability',
    entityId: created.id,
    areaId: source.areaId,
    detail: { sourceKind: input.sourceKind, sourceId: input.sourceId },
  })
  await tellFollowers(
    tx,
    { id: created.id, source_kind: input.sourceKind, source_id: input.sourceId, title: input.title },
    'created',
    {},
    now,
  )
  return created.id
}

/**
 * For the other parts (a proposal accepted, a consultation closed): the record of the outcome,
 * opened now unless one exists. Answers its id.
 */
export async function ensureRecord(tx: Tx, ctx: RequestContext, input: NewRecord, now: Date): Promise<number> {
  const existing = await tx
    .selectFrom('accountability_record')
    .select('id')
    .where('source_kind', '=', input.sourceKind)
    .where('source_id', '=', input.sourceId)
    .executeTakeFirst()
  return existing ? existing.id : createRecord(tx, ctx, input, now)
}

async function staffRecord(tx: Tx, ctx: RequestContext, recordId: number) {
  const r = await loadRecord(tx, recordId)
  requireParticipationStaff(ctx, r.area_path)
  return r
}

export async function updateRecord(
  tx: Tx,
  ctx: RequestContext,
  recordId: number,
  input: RecordPatch,
  now: Date,
): Promise<void> {
  const r = await staffRecord(tx, ctx, recordId)
  const status = input.status ?? (r.status as AccountabilityStatus)
  const progress = input.progress ?? (input.status === 'done' ? 100 : r.progress)
  if (status === 'done' && progress !== 100)
    throw new AppError('VALIDATION_FAILED', 'a record that is done has progress 100', 'progress')
  await tx
    .updateTable('accountability_record')
    .set({
      status,
      progress,
      ...(input.title !== undefined ? { title: input.title } : {}),
      ...(input.description !== undefined ? { description: input.description } : {}),
      updated_at: now,
    })
    .where('id', '=', r.id)
    .execute()
  await recordAudit(tx, ctx, {
    action: 'accountability.update',
    entityType: 'accountability',
    entityId: r.id,
    areaId: r.area_id,
    detail: {
      from: { status: r.status, progress: r.progress },
      to: { status, progress },
      title: input.title !== undefined,
      description: input.description !== undefined,
    },
  })
  if (status !== r.status || progress !== r.progress)
    await tellFollowers(tx, { ...r, title: input.title ?? r.title }, 'progress', { status, progress }, now)
}

export async function addMilestone(
  tx: Tx,
  ctx: RequestContext,
  recordId: number,
  input: Input<typeof newMilestoneBody>,
  now: Date,
): Promise<void> {
  const r = await staffRecord(tx, ctx, recordId)
  const m = await tx
    .insertInto('accountability_milestone')
    .values({
      record_id: r.id,
      title: input.title,
      due_on: input.dueOn ?? null,
      done_on: null,
      note: null,
      created_at: now,
    })
    .returning('id')
    .executeTakeFirstOrThrow()
  await tx.updateTable('accountability_record').set({ updated_at: now }).where('id', '=', r.id).execute()
  await recordAudit(tx, ctx, {
    action: 'accountability.milestone_add',
    entityType: 'accountability',
    entityId: r.id,
    areaId: r.area_id,
    detail: { milestoneId: m.id, dueOn: input.dueOn ?? null },
  })
}

export async function updateMilestone(
  tx: Tx,
  ctx: RequestContext,
  recordId: number,
  milestoneId: number,
  input: MilestonePatch,
  now: Date,
): Promise<void> {
  const r = await staffRecord(tx, ctx, recordId)
  const m = await tx
    .selectFrom('accountability_milestone')
    .select(['id', 'title', 'done_on'])
    .where('id', '=', milestoneId)
    .where('record_id', '=', r.id)
    .executeTakeFirst()
  if (!m) throw notFound('NOT_FOUND', `milestone ${milestoneId} of record ${recordId}`, 'milestoneId')
  if (input.doneOn && input.doneOn > dayOf(now))
    throw new AppError('VALIDATION_FAILED', 'a milestone is reached on a day that has come', 'doneOn')
  await tx
    .updateTable('accountability_milestone')
    .set({
      ...(input.title !== undefined ? { title: input.title } : {}),
      ...(input.dueOn !== undefined ? { due_on: input.dueOn } : {}),
      ...(input.doneOn !== undefined ? { done_on: input.doneOn } : {}),
      ...(input.note !== undefined ? { note: input.note === '' ? null : input.note } : {}),
    })
    .where('id', '=', m.id)
    .execute()
  await tx.updateTable('accountability_record').set({ updated_at: now }).where('id', '=', r.id).execute()
  await recordAudit(tx, ctx, {
    action: 'accountability.milestone_update',
    entityType: 'accountability',
    entityId: r.id,
    areaId: r.area_id,
    detail: { milestoneId: m.id, doneOn: input.doneOn, dueOn: input.dueOn },
  })
  if (input.doneOn && m.done_on === null)
    await tellFollowers(tx, r, 'milestone', { milestone: input.title ?? m.title, doneOn: input.doneOn }, now)
}

/**
 * Turns the outcome into an event case for a department, through the event loop's intake (staff
 * entry on the api channel, in this request's transaction), and links it. Idempotent: the record
 * is locked first, and a record with a case answers that case without filing another.
 */
export async function recordToCase(
  tx: Tx,
  ctx: RequestContext,
  recordId: number,
  input: ToCase,
  now: Date,
  cipher: FieldCipher,
): Promise<void> {
  const r = await staffRecord(tx, ctx, recordId)
  const locked = await tx
    .selectFrom('accountability_record')
    .select('case_id')
    .where('id', '=', r.id)
    .forUpdate()
    .executeTakeFirstOrThrow()
  if (locked.case_id !== null) return
  const grid = await tx
    .selectFrom('area')
    .select(['id', 'path', 'level', 'retired_at'])
    .where('id', '=', input.gridId)
    .executeTakeFirst()
  if (!grid) throw notFound('AREA_NOT_FOUND', `area ${input.gridId}`, 'gridId')
  if (grid.level !== 'grid' || grid.retired_at !== null || !grid.path.startsWith(r.area_path))
    throw new AppError('VALIDATION_FAILED', 'gridId must be a grid inside the record’s area', 'gridId')
  const description = input.description ?? (r.description ? `${r.title}\n${r.description}` : r.title).slice(0, 4000)
  const created = await createCase(
    tx,
    ctx,
    {
      categoryCode: input.categoryCode,
      areaId: grid.id,
      address: input.address,
      description,
      attributes: input.attributes,
    },
    now,
    { cipher, channel: 'api' },
  )
  await tx
    .updateTable('accountability_record')
    .set({ case_id: created.id, updated_at: now })
    .where('id', '=', r.id)
    .execute()
  await recordAudit(tx, ctx, {
    action: 'accountability.case',
    entityType: 'accountability',
    entityId: r.id,
    areaId: r.area_id,
    detail: { caseId: created.id, trackingCode: created.trackingCode, category: input.categoryCode },
  })
  await tellFollowers(tx, r, 'case', { trackingCode: created.trackingCode }, now)
}
