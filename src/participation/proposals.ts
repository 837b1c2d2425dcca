import { sql } from 'kysely'
import { notifyRoleOver } from '../cases/notify.js'
import { recordAudit } from '../audit/service.js'
import type { Tx } from '../core/db.js'
import { AppError, notFound } from '../core/errors.js'
import type { Input, Output } from '../core/http.js'
import { countLimitOf, offsetOf, paginate, type Page } from '../core/paging.js'
import { cancelTimers, scheduleTimers, type TimerHandler } from '../core/scheduler.js'
import { body, id, nullable, point, shape, timestamp } from '../core/schemas.js'
import { requireActor, type RequestContext } from '../core/scope.js'
import { defineWorkflow } from '../core/workflow.js'
import { photoTokens } from '../cases/photos.js'
import { areaPathOf } from '../jurisdiction/service.js'
import {
  displayNames,
  isParticipationStaff,
  requireParticipationStaff,
  requireVerified,
  tellParticipants,
} from './common.js'
import { defaultProposalSetting, proposalSettingFor } from './proposal-settings.js'
import { searchTerms, termsQuery } from './terms.js'

// Resident proposals (居民提议): a resident proposes, others support (one each, a primary key, not a
// check-then-insert), and a proposal past its area's threshold must get an official answer within
// the area's limit — a deadline on the shared timers that warns the area's staff at 80 % and tells
// the leaders when it passes, as for cases. States move through the shared workflow engine.

export const proposalCategories = [
  'environment',
  'facilities',
  'safety',
  'elderly_children',
  'culture',
  'property',
  'traffic',
  'other',
] as const
export const proposalStates = [
  'published',
  'threshold_reached',
  'evaluating',
  'accepted',
  'rejected',
  'implemented',
  'withdrawn',
] as const
export type ProposalState = (typeof proposalStates)[number]
/** States that still take supports. */
const supportable: readonly ProposalState[] = ['published', 'threshold_reached']
/** States whose answer clock runs. */
const awaitingAnswer: readonly ProposalState[] = ['threshold_reached', 'evaluating']

/** author: who wrote it; staff: admins, leaders and staff over its area. */
type ProposalRole = 'author' | 'staff'
export const proposalWorkflow = defineWorkflow({
  name: 'proposal',
  states: proposalStates,
  illegalCode: 'PROPOSAL_ILLEGAL_TRANSITION',
  actions: {
    withdraw: { from: ['published'], to: 'withdrawn', by: ['author'] },
    evaluate: { from: ['published', 'threshold_reached'], to: 'evaluating', by: ['staff'] },
    accept: { from: ['published', 'threshold_reached', 'evaluating'], to: 'accepted', by: ['staff'] },
    reject: { from: ['published', 'threshold_reached', 'evaluating'], to: 'rejected', by: ['staff'] },
    implement: { from: ['accepted'], to: 'implemented', by: ['staff'] },
  },
})
export type ProposalAction = keyof typeof proposalWorkflow.actions
const proposalActions = Object.keys(proposalWorkflow.actions) as ProposalAction[]
/** Actions that are the official answer: they need its text and stop the clock. */
const answering: readonly ProposalAction[] = ['accept', 'reject']

export const newProposalBody = body(['areaId', 'category', 'title', 'body'], {
  areaId: id,
  category: { type: 'string', enum: proposalCategories },
  title: { type: 'string', minLength: 4, maxLength: 150 },
  body: { type: 'string', minLength: 10, maxLength: 6000 },
  location: point,
  photos: { ...photoTokens, maxItems: 6, uniqueItems: true },
})
export type NewProposal = Input<typeof newProposalBody>

export const proposalViewSchema = shape({
  id: { type: 'integer' },
  reference: { type: 'string' },
  areaId: { type: 'integer' },
  areaNameZh: { type: 'string' },
  areaNameEn: { type: 'string' },
  category: { type: 'string', enum: proposalCategories },
  title: { type: 'string' },
  excerpt: { type: 'string' },
  status: { type: 'string', enum: proposalStates },
  authorName: { type: 'string' },
  supportCount: { type: 'integer' },
  threshold: { type: 'integer' },
  commentCount: { type: 'integer' },
  supported: { type: 'boolean', description: 'Whether the caller supports it' },
  answerDueAt: nullable('string'),
  createdAt: timestamp,
})
type ProposalView = Output<typeof proposalViewSchema>

export const proposalDetailSchema = shape({
  ...proposalViewSchema.properties,
  body: { type: 'string' },
  location: {
    anyOf: [shape({ lng: { type: 'number' }, lat: { type: 'number' } }), { type: 'null' }],
  },
  mine: { type: 'boolean' },
  thresholdReachedAt: nullable('string'),
  answer: nullable('string'),
  answeredAt: nullable('string'),
  answeredByName: nullable('string'),
  photoIds: { type: 'array', items: { type: 'integer' } },
  allowedActions: { type: 'array', items: { type: 'string', enum: proposalActions } },
  verifiedToSupport: { type: 'boolean' },
  accountabilityId: nullable('integer'),
  events: {
    type: 'array',
    items: shape({
      action: { type: 'string' },
      fromStatus: nullable('string'),
      toStatus: { type: 'string' },
      note: nullable('string'),
      actorName: nullable('string'),
      at: timestamp,
    }),
  },
})
export type ProposalDetail = Output<typeof proposalDetailSchema>

export const proposalFilterQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    areaId: id,
    status: { type: 'string', enum: proposalStates },
    category: { type: 'string', enum: proposalCategories },
    q: { type: 'string', minLength: 1, maxLength: 100 },
    sort: { type: 'string', enum: ['newest', 'most_supported', 'answer_due'], default: 'newest' },
    mine: { type: 'boolean', description: 'Only the caller’s own proposals' },
    page: { type: 'integer', minimum: 1, maximum: 100000, default: 1 },
    pageSize: { type: 'integer', minimum: 1, maximum: 100, default: 20 },
  },
} as const
export type ProposalFilter = Input<typeof proposalFilterQuery>

export const proposalActionBody = body(['action'], {
  action: { type: 'string', enum: proposalActions },
  answer: {
    type: 'string',
    minLength: 10,
    maxLength: 6000,
    description: 'The official answer: required to accept or reject',
  },
  note: { type: 'string', minLength: 1, maxLength: 2000 },
})

export const supportResultSchema = shape({
  supported: { type: 'boolean' },
  supportCount: { type: 'integer' },
  threshold: { type: 'integer' },
  status: { type: 'string', enum: proposalStates },
})

export const similarQuery = {
  type: 'object',
  additionalProperties: false,
  required: ['q'],
  properties: { q: { type: 'string', minLength: 2, maxLength: 300 }, areaId: id },
} as const
export const similarSchema = shape({
  items: {
    type: 'array',
    items: shape({
      id: { type: 'integer' },
      reference: { type: 'string' },
      title: { type: 'string' },
      status: { type: 'string', enum: proposalStates },
      supportCount: { type: 'integer' },
      score: { type: 'number' },
    }),
  },
})

const excerpt = (s: string) => (s.length > 140 ? `${s.slice(0, 139)}…` : s)

// ---------------------------------------------------------------------------------------------

export async function createProposal(
  tx: Tx,
  ctx: RequestContext,
  input: NewProposal,
  now: Date,
): Promise<{ id: number; reference: string }> {
  const path = await areaPathOf(tx, input.areaId, 'areaId')
  const onBranch = await sql<{
    ok: boolean
  }>`select ${input.areaId}::integer in (select app_branch_area_ids()) as ok`.execute(tx)
  if (!onBranch.rows[0]?.ok)
    throw new AppError('FORBIDDEN', 'you can propose in your own areas and the areas above them', 'areaId')
  const setting = await proposalSettingFor(tx, path)
  const actor = await requireVerified(tx, ctx, setting.verifiedToPropose)
  const district = await tx
    .selectFrom('area')
    .select('id')
    .where('level', '=', 'district')
    .where(sql<boolean>`${path} like path || '%'`)
    .executeTakeFirst()
  if (!district) throw new AppError('VALIDATION_FAILED', 'proposals are made in a district or below it', 'areaId')
  const { rows } = await sql<{ id: string }>`select nextval(pg_get_serial_sequence('proposal', 'id')) as id`.execute(tx)
  const newId = Number(rows[0]!.id)
  // The year as Beijing counts it (UTC+8): a proposal of 1 January 06:00 is of the new year.
  const reference = `JY-${new Date(now.getTime() + 8 * 3_600_000).getUTCFullYear()}-${String(newId).padStart(6, '0')}`
  await tx
    .insertInto('proposal')
    .values({
      id: newId,
      reference,
      area_id: input.areaId,
      district_id: district.id,
      category: input.category,
      title: input.title.trim(),
      body: input.body.trim(),
      location: input.location
        ? sql`ST_SetSRID(ST_MakePoint(${input.location.lng}, ${input.location.lat}), 4326)`
        : null,
      author_id: actor.userId,
      status: 'published',
      threshold: setting.supportThreshold,
      terms: sql`to_tsvector('simple', ${searchTerms(`${input.title} ${input.body}`)})`,
      created_at: now,
      updated_at: now,
    })
    .execute()
  if (input.photos?.length) await attachProposalPhotos(tx, newId, input.photos, now)
  await appendProposalEvent(tx, newId, {
    action: 'publish',
    from: null,
    to: 'published',
    actorId: actor.userId,
    at: now,
  })
  return { id: newId, reference }
}

/** Copies photos uploaded with POST /api/v1/photos (by token) onto the proposal. */
async function attachProposalPhotos(tx: Tx, proposalId: number, tokens: string[], now: Date) {
  const rows = await tx
    .selectFrom('case_photo')
    .select(['id', 'token', 'case_id', 'content_type', 'byte_size', 'data'])
    .where('token', 'in', tokens)
    .execute()
  const byToken = new Map(rows.map((r) => [r.token, r]))
  tokens.forEach((t, i) => {
    const p = byToken.get(t)
    if (!p || p.case_id !== null)
      throw new AppError('PHOTO_INVALID', 'unknown or already used photo token', `photos[${i}]`)
  })
  await tx
    .insertInto('proposal_photo')
    .values(
      tokens.map((t) => {
        const p = byToken.get(t)!
        return {
          proposal_id: proposalId,
          content_type: p.content_type,
          size: p.byte_size,
          content: Buffer.from(p.data),
          created_at: now,
        }
      }),
    )
    .execute()
}

async function appendProposalEvent(
  tx: Tx,
  proposalId: number,
  e: { action: string; from: string | null; to: string; actorId: number | null; note?: string | null; at: Date },
) {
  await tx
    .insertInto('proposal_event')
    .values({
      proposal_id: proposalId,
      action: e.action,
      from_status: e.from,
      to_status: e.to,
      actor_id: e.actorId,
      note: e.note ?? null,
      at: e.at,
    })
    .execute()
}

/** Proposals the caller may see, filtered and paged; the caller's own support marked. */
export async function listProposals(tx: Tx, ctx: RequestContext, f: ProposalFilter): Promise<Page<ProposalView>> {
  const actor = requireActor(ctx)
  let q = tx
    .selectFrom('proposal as p')
    .innerJoin('area as a', 'a.id', 'p.area_id')
    .leftJoin('proposal_support as s', (j) => j.onRef('s.proposal_id', '=', 'p.id').on('s.user_id', '=', actor.userId))
  if (f.areaId !== undefined) {
    const path = await areaPathOf(tx, f.areaId, 'areaId')
    q = q.where('a.path', 'like', `${path}%`)
  }
  if (f.status) q = q.where('p.status', '=', f.status)
  else q = q.where('p.status', '!=', 'withdrawn')
  if (f.category) q = q.where('p.category', '=', f.category)
  if (f.mine) q = q.where('p.author_id', '=', actor.userId)
  if (f.q) q = q.where(sql<boolean>`p.terms @@ ${termsQuery(f.q)}`)
  // The count stops COUNT_AHEAD rows past the page, like every list (src/core/paging.ts).
  const limit = countLimitOf(f)
  const counted = await tx
    .selectFrom(q.select(sql`1`.as('x')).limit(limit).as('t'))
    .select(sql<string>`count(*)`.as('n'))
    .executeTakeFirstOrThrow()
  const total = Number(counted.n)
  const ordered =
    f.sort === 'most_supported'
      ? q.orderBy('p.support_count', 'desc').orderBy('p.id', 'desc')
      : f.sort === 'answer_due'
        ? q.orderBy(sql`p.answer_due_at asc nulls last`).orderBy('p.id', 'desc')
        : q.orderBy('p.id', 'desc')
  const rows = await ordered
    .select([
      'p.id',
      'p.reference',
      'p.area_id',
      'a.name_zh',
      'a.name_en',
      'p.category',
      'p.title',
      sql<string>`left(p.body, 141)`.as('body_start'),
      'p.status',
      'p.author_id',
      'p.support_count',
      'p.threshold',
      'p.comment_count',
      'p.answer_due_at',
      'p.created_at',
      sql<boolean>`s.user_id is not null`.as('supported'),
    ])
    .limit(f.pageSize)
    .offset(offsetOf(f))
    .execute()
  const names = await displayNames(
    tx,
    rows.map((r) => r.author_id),
  )
  const items = rows.map(
    (r): ProposalView => ({
      id: r.id,
      reference: r.reference,
      areaId: r.area_id,
      areaNameZh: r.name_zh,
      areaNameEn: r.name_en,
      category: r.category as ProposalView['category'],
      title: r.title,
      excerpt: excerpt(r.body_start),
      status: r.status as ProposalState,
      authorName: names.get(r.author_id) ?? '',
      supportCount: r.support_count,
      threshold: r.threshold,
      commentCount: r.comment_count,
      supported: r.supported,
      answerDueAt: r.answer_due_at?.toISOString() ?? null,
      createdAt: r.created_at.toISOString(),
    }),
  )
  return paginate(f, items, total, { totalCapped: total >= limit })
}

async function proposalRow(tx: Tx, proposalId: number, lock = false) {
  let q = tx
    .selectFrom('proposal as p')
    .innerJoin('area as a', 'a.id', 'p.area_id')
    .selectAll('p')
    .select(['a.path as area_path', 'a.name_zh', 'a.name_en'])
    .where('p.id', '=', proposalId)
  if (lock) q = q.forUpdate('p')
  const row = await q.executeTakeFirst()
  if (!row) throw notFound('PROPOSAL_NOT_FOUND', `proposal ${proposalId}`, 'id')
  return row
}
type ProposalRow = Awaited<ReturnType<typeof proposalRow>>

function rolesOn(ctx: RequestContext, p: Pick<ProposalRow, 'author_id' | 'area_path'>): Set<ProposalRole> {
  const roles = new Set<ProposalRole>()
  if (ctx.actor?.userId === p.author_id) roles.add('author')
  if (isParticipationStaff(ctx.actor, p.area_path)) roles.add('staff')
  return roles
}

/**
 * The setting row that governs an area: the nearest area on its path with one (an SQL fragment
 * over `a.path`, for folding the lookup into a proposal's own statement).
 */
const nearestSetting = (column: 'support_threshold' | 'answer_days' | 'verified_to_propose' | 'verified_to_support') =>
  sql.raw(`(select s.${column} from proposal_setting s
    where s.area_id = any (string_to_array(trim(both '/' from a.path), '/')::int[])
    order by array_position(string_to_array(trim(both '/' from a.path), '/')::int[], s.area_id) desc limit 1)`)

/**
 * One proposal as its page shows it, in two statements: the proposal with everything of one row
 * (the caller's support, photos, place, the setting that applies, its accountability record, the
 * author's and answerer's names), then its history with the actors' names.
 */
export async function proposalDetail(tx: Tx, ctx: RequestContext, proposalId: number): Promise<ProposalDetail> {
  const actor = requireActor(ctx)
  const p = await tx
    .selectFrom('proposal as p')
    .innerJoin('area as a', 'a.id', 'p.area_id')
    .selectAll('p')
    .select([
      'a.path as area_path',
      'a.name_zh',
      'a.name_en',
      sql<number | null>`ST_X(p.location)`.as('lng'),
      sql<number | null>`ST_Y(p.location)`.as('lat'),
      sql<boolean>`exists (select 1 from proposal_support s where s.proposal_id = p.id and s.user_id = ${actor.userId})`.as(
        'supported',
      ),
      sql<number[]>`array(select f.id from proposal_photo f where f.proposal_id = p.id order by f.id)`.as('photo_ids'),
      sql<
        number | null
      >`(select r.id from accountability_record r where r.source_kind = 'proposal' and r.source_id = p.id)`.as(
        'record_id',
      ),
      sql<boolean | null>`${nearestSetting('verified_to_support')}`.as('verified_to_support'),
      sql<string | null>`(select n.display_name from app_display_names(array[p.author_id]) n)`.as('author_name'),
      sql<string | null>`(select n.display_name from app_display_names(array[p.answered_by]) n)`.as('answerer_name'),
    ])
    .where('p.id', '=', proposalId)
    .executeTakeFirst()
  if (!p) throw notFound('PROPOSAL_NOT_FOUND', `proposal ${proposalId}`, 'id')
  const { rows: events } = await sql<{
    action: string
    from_status: string | null
    to_status: string
    note: string | null
    at: Date
    actor_name: string | null
  }>`
    select e.action, e.from_status, e.to_status, e.note, e.at, n.display_name as actor_name
    from proposal_event e
    left join lateral app_display_names(array[e.actor_id]) n on true
    where e.proposal_id = ${proposalId}
    order by e.id`.execute(tx)
  const status = p.status as ProposalState
  return {
    id: p.id,
    reference: p.reference,
    areaId: p.area_id,
    areaNameZh: p.name_zh,
    areaNameEn: p.name_en,
    category: p.category as ProposalDetail['category'],
    title: p.title,
    excerpt: excerpt(p.body),
    body: p.body,
    status,
    authorName: p.author_name ?? '',
    supportCount: p.support_count,
    threshold: p.threshold,
    commentCount: p.comment_count,
    supported: p.supported,
    answerDueAt: p.answer_due_at?.toISOString() ?? null,
    createdAt: p.created_at.toISOString(),
    location: p.lng === null || p.lat === null ? null : { lng: Number(p.lng), lat: Number(p.lat) },
    mine: p.author_id === actor.userId,
    thresholdReachedAt: p.threshold_reached_at?.toISOString() ?? null,
    answer: p.answer,
    answeredAt: p.answered_at?.toISOString() ?? null,
    answeredByName: p.answerer_name,
    photoIds: p.photo_ids.map(Number),
    allowedActions: proposalWorkflow.allowed(status, rolesOn(ctx, p)),
    verifiedToSupport: p.verified_to_support ?? defaultProposalSetting.verifiedToSupport,
    accountabilityId: p.record_id === null ? null : Number(p.record_id),
    events: events.map((e) => ({
      action: e.action,
      fromStatus: e.from_status,
      toStatus: e.to_status,
      note: e.note,
      actorName: e.actor_name,
      at: new Date(e.at).toISOString(),
    })),
  }
}

/**
 * One support per person: the primary key decides, so two concurrent supports of one resident
 * count once. The counter moves under the row's lock, so exactly one support crosses the
 * threshold, starts the answer clock and tells the area's staff.
 */
export async function supportProposal(
  tx: Tx,
  ctx: RequestContext,
  proposalId: number,
  now: Date,
): Promise<Output<typeof supportResultSchema>> {
  const actor = requireActor(ctx)
  const p = await tx
    .selectFrom('proposal as p')
    .innerJoin('area as a', 'a.id', 'p.area_id')
    .select([
      'p.id',
      'p.reference',
      'p.title',
      'p.status',
      'p.author_id',
      'p.support_count',
      'p.threshold',
      'a.path as area_path',
      sql<number | null>`${nearestSetting('answer_days')}`.as('answer_days'),
      sql<boolean | null>`${nearestSetting('verified_to_support')}`.as('verified_to_support'),
    ])
    .where('p.id', '=', proposalId)
    // Locked, so a support never lands on a proposal being answered, withdrawn or taken back from.
    .forUpdate('p')
    .executeTakeFirst()
  if (!p) throw notFound('PROPOSAL_NOT_FOUND', `proposal ${proposalId}`, 'id')
  if (!supportable.includes(p.status as ProposalState))
    throw new AppError('PROPOSAL_NOT_SUPPORTABLE', `a ${p.status} proposal takes no more supports`, 'id')
  await requireVerified(tx, ctx, p.verified_to_support ?? defaultProposalSetting.verifiedToSupport)
  // The support and the counter in one statement; the primary key decides whether it is new.
  const { rows } = await sql<{ added: boolean; support_count: number; status: string; threshold: number }>`
    with added as (
      insert into proposal_support (proposal_id, user_id, created_at) values (${proposalId}, ${actor.userId}, ${now})
      on conflict (proposal_id, user_id) do nothing returning 1
    )
    update proposal set support_count = support_count + (select count(*) from added)::int,
                        updated_at = case when exists (select 1 from added) then ${now}::timestamptz else updated_at end
    where id = ${proposalId}
    returning exists (select 1 from added) as added, support_count, status, threshold`.execute(tx)
  const after = rows[0]!
  let status = after.status as ProposalState
  if (after.added && status === 'published' && after.support_count >= after.threshold) {
    status = 'threshold_reached'
    const days = p.answer_days ?? defaultProposalSetting.answerDays
    const due = new Date(now.getTime() + days * 86_400_000)
    await tx
      .updateTable('proposal')
      .set({ status, threshold_reached_at: now, answer_due_at: due })
      .where('id', '=', proposalId)
      .execute()
    await appendProposalEvent(tx, proposalId, {
      action: 'threshold',
      from: 'published',
      to: status,
      actorId: null,
      at: now,
    })
    const warnAt = new Date(now.getTime() + 0.8 * (due.getTime() - now.getTime()))
    await scheduleTimers(tx, [
      { subject_type: 'proposal', subject_id: proposalId, kind: 'warn', stage: 'answer', stage_seq: 1, due_at: warnAt },
      { subject_type: 'proposal', subject_id: proposalId, kind: 'due', stage: 'answer', stage_seq: 1, due_at: due },
    ])
    const params = { proposalId, reference: p.reference, title: p.title, answerDueAt: due.toISOString() }
    await notifyRoleOver(tx, ['admin', 'leader', 'staff'], p.area_path, {
      kind: 'proposal_threshold',
      caseId: null,
      params,
      at: now,
    })
    await tellParticipants(tx, [p.author_id], {
      subjectKind: 'proposal',
      subjectId: proposalId,
      kind: 'threshold_reached',
      params,
      at: now,
    })
  }
  return { supported: true, supportCount: after.support_count, threshold: after.threshold, status }
}

/** Takes one's support back while the proposal still collects them. */
export async function withdrawSupport(
  tx: Tx,
  ctx: RequestContext,
  proposalId: number,
  now: Date,
): Promise<Output<typeof supportResultSchema>> {
  const actor = requireActor(ctx)
  // Locked: a support crossing the threshold meanwhile makes the taking back wait, then refuses it.
  const p = await proposalRow(tx, proposalId, true)
  if (p.status !== 'published')
    throw new AppError('PROPOSAL_NOT_SUPPORTABLE', `a ${p.status} proposal keeps its supports`, 'id')
  const removed = await sql<{ user_id: number }>`
    delete from proposal_support where proposal_id = ${proposalId} and user_id = ${actor.userId} returning user_id`.execute(
    tx,
  )
  if (removed.rows.length === 0)
    return { supported: false, supportCount: p.support_count, threshold: p.threshold, status: 'published' }
  const after = await tx
    .updateTable('proposal')
    .set({ support_count: sql`support_count - 1`, updated_at: now })
    .where('id', '=', proposalId)
    .returning(['support_count', 'threshold'])
    .executeTakeFirstOrThrow()
  return { supported: false, supportCount: after.support_count, threshold: after.threshold, status: 'published' }
}

export async function performProposalAction(
  tx: Tx,
  ctx: RequestContext,
  proposalId: number,
  input: Input<typeof proposalActionBody>,
  now: Date,
): Promise<void> {
  const actor = requireActor(ctx)
  const p = await proposalRow(tx, proposalId, true)
  const from = p.status as ProposalState
  const to = proposalWorkflow.check(from, input.action, rolesOn(ctx, p))
  const isAnswer = answering.includes(input.action)
  if (isAnswer && (input.answer?.trim().length ?? 0) < 10)
    throw new AppError('VALIDATION_FAILED', 'the official answer needs its text (at least 10 characters)', 'answer')
  await tx
    .updateTable('proposal')
    .set({
      status: to,
      updated_at: now,
      ...(isAnswer ? { answer: input.answer!.trim(), answered_by: actor.userId, answered_at: now } : {}),
    })
    .where('id', '=', proposalId)
    .execute()
  await appendProposalEvent(tx, proposalId, {
    action: input.action,
    from,
    to,
    actorId: actor.userId,
    note: isAnswer ? input.answer! : (input.note ?? null),
    at: now,
  })
  if (isAnswer || input.action === 'withdraw') await cancelTimers(tx, 'proposal', proposalId, now)
  if (input.action !== 'withdraw') {
    await recordAudit(tx, ctx, {
      action: `proposal.${input.action}`,
      entityType: 'proposal',
      entityId: proposalId,
      areaId: p.area_id,
    })
    const supporters = await tx
      .selectFrom('proposal_support')
      .select('user_id')
      .where('proposal_id', '=', proposalId)
      .execute()
    await tellParticipants(tx, [p.author_id, ...supporters.map((s) => s.user_id)], {
      subjectKind: 'proposal',
      subjectId: proposalId,
      kind: input.action,
      params: { proposalId, reference: p.reference, title: p.title, status: to },
      at: now,
    })
  }
}

/** Proposals like the text being written, so a resident supports one instead of repeating it. */
export async function similarProposals(
  tx: Tx,
  input: Input<typeof similarQuery>,
): Promise<Output<typeof similarSchema>> {
  const terms = termsQuery(input.q)
  let q = tx
    .selectFrom('proposal as p')
    .select([
      'p.id',
      'p.reference',
      'p.title',
      'p.status',
      'p.support_count',
      sql<number>`ts_rank(p.terms, ${terms})`.as('score'),
    ])
    .where(sql<boolean>`p.terms @@ ${terms}`)
    .where('p.status', '!=', 'withdrawn')
  if (input.areaId !== undefined) {
    const path = await areaPathOf(tx, input.areaId, 'areaId')
    // Similar proposals of the same district: neighbours propose the same things.
    const district = path.split('/').filter(Boolean).slice(0, 2)
    q = q.where('p.district_id', '=', Number(district[district.length - 1]))
  }
  const rows = await q.orderBy('score', 'desc').orderBy('p.id', 'desc').limit(5).execute()
  return {
    items: rows.map((r) => ({
      id: r.id,
      reference: r.reference,
      title: r.title,
      status: r.status as ProposalState,
      supportCount: r.support_count,
      score: Number(r.score),
    })),
  }
}

export async function proposalPhoto(tx: Tx, proposalId: number, photoId: number) {
  const row = await tx
    .selectFrom('proposal_photo')
    .select(['content_type', 'content'])
    .where('id', '=', photoId)
    .where('proposal_id', '=', proposalId)
    .executeTakeFirst()
  if (!row) throw notFound('NOT_FOUND', `photo ${photoId}`, 'photoId')
  return row
}

// ---------------------------------------------------------------------------------------------

export const proposalSettingQuery = {
  type: 'object',
  additionalProperties: false,
  required: ['areaId'],
  properties: { areaId: id },
} as const
export const proposalSettingBody = body(
  ['areaId', 'supportThreshold', 'answerDays', 'verifiedToPropose', 'verifiedToSupport'],
  {
    areaId: id,
    supportThreshold: { type: 'integer', minimum: 1, maximum: 100000 },
    answerDays: { type: 'integer', minimum: 1, maximum: 365 },
    verifiedToPropose: { type: 'boolean' },
    verifiedToSupport: { type: 'boolean' },
  },
)
export const proposalSettingSchema = shape({
  areaId: { type: 'integer' },
  /** The area whose row applies (the area itself or an ancestor); null for the defaults. */
  fromAreaId: nullable('integer'),
  supportThreshold: { type: 'integer' },
  answerDays: { type: 'integer' },
  verifiedToPropose: { type: 'boolean' },
  verifiedToSupport: { type: 'boolean' },
})

export async function proposalSetting(
  tx: Tx,
  ctx: RequestContext,
  areaId: number,
): Promise<Output<typeof proposalSettingSchema>> {
  const path = await areaPathOf(tx, areaId, 'areaId')
  requireParticipationStaff(ctx, path)
  const s = await proposalSettingFor(tx, path)
  return {
    areaId,
    fromAreaId: s.areaId,
    supportThreshold: s.supportThreshold,
    answerDays: s.answerDays,
    verifiedToPropose: s.verifiedToPropose,
    verifiedToSupport: s.verifiedToSupport,
  }
}

/** Admins of an area set its threshold and limits; proposals already made keep their threshold. */
export async function saveProposalSetting(
  tx: Tx,
  ctx: RequestContext,
  input: Input<typeof proposalSettingBody>,
  now: Date,
): Promise<Output<typeof proposalSettingSchema>> {
  const path = await areaPathOf(tx, input.areaId, 'areaId')
  requireParticipationStaff(ctx, path)
  if (!ctx.actor?.grants.some((g) => g.role === 'admin' && path.startsWith(g.path)))
    throw new AppError('FORBIDDEN', 'only admins of the area change its proposal rules')
  const values = {
    support_threshold: input.supportThreshold,
    answer_days: input.answerDays,
    verified_to_propose: input.verifiedToPropose,
    verified_to_support: input.verifiedToSupport,
    updated_at: now,
  }
  await tx
    .insertInto('proposal_setting')
    .values({ area_id: input.areaId, ...values })
    .onConflict((oc) => oc.column('area_id').doUpdateSet(values))
    .execute()
  await recordAudit(tx, ctx, {
    action: 'proposal_setting.update',
    entityType: 'area',
    entityId: input.areaId,
    areaId: input.areaId,
    detail: values,
  })
  return proposalSetting(tx, ctx, input.areaId)
}

// ---------------------------------------------------------------------------------------------

/**
 * The answer clock: at 80 % of the limit the area's staff are reminded; when it passes, the
 * leaders over the area are told (the escalation), and the proposal shows as overdue.
 */
export const proposalTimerHandler: TimerHandler = async (tx, timer, now) => {
  const p = await tx
    .selectFrom('proposal as p')
    .innerJoin('area as a', 'a.id', 'p.area_id')
    .select(['p.id', 'p.reference', 'p.title', 'p.status', 'p.answer_due_at', 'a.path'])
    .where('p.id', '=', timer.subject_id)
    .executeTakeFirst()
  if (!p || !awaitingAnswer.includes(p.status as ProposalState)) return
  const params = {
    proposalId: p.id,
    reference: p.reference,
    title: p.title,
    answerDueAt: p.answer_due_at?.toISOString(),
  }
  if (timer.kind === 'warn') {
    await notifyRoleOver(tx, ['staff', 'admin'], p.path, { kind: 'proposal_warning', caseId: null, params, at: now })
    return
  }
  await notifyRoleOver(tx, ['leader', 'admin', 'staff'], p.path, {
    kind: 'proposal_overdue',
    caseId: null,
    params,
    at: now,
  })
}
