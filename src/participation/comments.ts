import { sql } from 'kysely'
import { recordAudit } from '../audit/service.js'
import type { Tx } from '../core/db.js'
import { AppError, notFound } from '../core/errors.js'
import type { Input, Output } from '../core/http.js'
import { offsetOf, pageQuerySchema, paginate, type Page } from '../core/paging.js'
import { body, id, nullable, shape, text, timestamp } from '../core/schemas.js'
import { requireActor, type Actor, type RequestContext } from '../core/scope.js'
import { areaPathOf } from '../jurisdiction/service.js'
import {
  isParticipationStaff,
  participationStaff,
  requireParticipationStaff,
  requireVerified,
  tellParticipants,
} from './common.js'
import { proposalSettingFor } from './proposal-settings.js'

// Comments of consultations (per section) and proposals: one thread per subject, top-level
// comments and one level of replies, read in keyset pages by id (oldest first, as a conversation
// reads), reported by residents and hidden by the subject's staff with a reason.

export const commentSubjectKinds = ['consultation', 'proposal'] as const
export type CommentSubjectKind = (typeof commentSubjectKinds)[number]
export const reportReasons = ['spam', 'offensive', 'personal_data', 'off_topic', 'other'] as const

/** How many comments a page holds at most, and by default. */
export const COMMENT_PAGE_MAX = 100
export const COMMENT_PAGE_DEFAULT = 20
/** The thread's total is counted up to this many (a long thread pages no differently past it). */
export const COMMENT_COUNT_LIMIT = 10_000

export const commentListQuery = {
  type: 'object',
  additionalProperties: false,
  required: ['subjectKind', 'subjectId'],
  properties: {
    subjectKind: { type: 'string', enum: commentSubjectKinds },
    subjectId: id,
    sectionId: { ...id, description: 'A consultation’s section: only its comments' },
    parentId: { ...id, description: 'The replies of this comment; without it, the top-level comments' },
    after: {
      type: 'integer',
      minimum: 0,
      maximum: 9007199254740991,
      description: 'keyset paging: the `nextAfter` of the previous page (comments come oldest first)',
    },
    pageSize: { type: 'integer', minimum: 1, maximum: COMMENT_PAGE_MAX, default: COMMENT_PAGE_DEFAULT },
  },
} as const
export type CommentListQuery = Input<typeof commentListQuery>

export const newCommentBody = body(['subjectKind', 'subjectId', 'body'], {
  subjectKind: { type: 'string', enum: commentSubjectKinds },
  subjectId: id,
  sectionId: { ...id, description: 'Required for a consultation: the section commented on' },
  parentId: { ...id, description: 'The comment answered (a reply to a reply joins the same thread)' },
  body: { type: 'string', minLength: 1, maxLength: 2000 },
})
export type NewComment = Input<typeof newCommentBody>

export const reportBody = body(['reason'], { reason: { type: 'string', enum: reportReasons } })
export const hideBody = body(['reason'], { reason: text(500) })

export const commentSchema = shape({
  id: { type: 'integer' },
  subjectKind: { type: 'string', enum: commentSubjectKinds },
  subjectId: { type: 'integer' },
  sectionId: nullable('integer'),
  parentId: nullable('integer'),
  author: { type: 'string', description: 'The author’s display name' },
  mine: { type: 'boolean' },
  official: { type: 'boolean', description: 'Written by staff of the subject’s area: an official answer' },
  body: { type: ['string', 'null'], description: 'Null when hidden by moderators' },
  hidden: { type: 'boolean' },
  hiddenReason: { type: ['string', 'null'], description: 'The moderators’ reason, when hidden' },
  replyCount: { type: 'integer' },
  reportCount: { type: ['integer', 'null'], description: 'For staff of the subject’s area; null for others' },
  reportedByMe: { type: 'boolean' },
  createdAt: timestamp,
})
export type CommentView = Output<typeof commentSchema>

export const moderationQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    ...pageQuerySchema,
    areaId: { ...id, description: 'Only this area and the areas below it' },
  },
} as const
export type ModerationQuery = Input<typeof moderationQuery>

export const moderationItemSchema = shape({
  comment: commentSchema,
  body: { type: 'string', description: 'The reported text (moderators read it whatever its state)' },
  subject: shape({
    kind: { type: 'string', enum: commentSubjectKinds },
    id: { type: 'integer' },
    title: { type: 'string' },
  }),
  reasons: {
    type: 'array',
    items: shape({ reason: { type: 'string', enum: reportReasons }, count: { type: 'integer' } }),
  },
})
export type ModerationItem = Output<typeof moderationItemSchema>

/** What a comment needs to know of its subject. */
export interface CommentSubject {
  kind: CommentSubjectKind
  id: number
  areaId: number
  areaPath: string
  title: string
  /** Why no comment may be added now, or null when one may. */
  closed: AppError | null
  /** Whether a resident must be verified to comment (asked only when someone comments). */
  verifiedOnly: () => Promise<boolean>
}

/** A consultation takes comments while open, from its opening to its closing time. */
export const consultationAccepts = (c: { status: string; opens_at: Date; closes_at: Date }, now: Date) =>
  c.status === 'open' && c.opens_at <= now && now < c.closes_at

/**
 * The subject of a thread as the caller sees it, or its NOT_FOUND (row-level security hides other
 * branches; a draft consultation is its staff's alone).
 */
export async function commentSubject(
  tx: Tx,
  ctx: RequestContext,
  kind: CommentSubjectKind,
  subjectId: number,
  now: Date,
  field = 'subjectId',
): Promise<CommentSubject> {
  if (kind === 'consultation') {
    const c = await tx
      .selectFrom('consultation')
      .select(['id', 'area_id', 'title', 'status', 'opens_at', 'closes_at', 'verified_only'])
      .where('id', '=', subjectId)
      .executeTakeFirst()
    const areaPath = c ? await areaPathOf(tx, c.area_id, null) : ''
    if (!c || (c.status === 'draft' && !isParticipationStaff(ctx.actor, areaPath)))
      throw notFound('CONSULTATION_NOT_FOUND', `consultation ${subjectId}`, field)
    const closed = consultationAccepts(c, now)
      ? null
      : new AppError(
          'CONSULTATION_NOT_OPEN',
          c.status === 'open' && now < c.opens_at
            ? `comments open at ${c.opens_at.toISOString()}`
            : 'the comment period of this consultation is over',
          field,
          {},
          { opensAt: c.opens_at.toISOString(), closesAt: c.closes_at.toISOString() },
        )
    return {
      kind,
      id: c.id,
      areaId: c.area_id,
      areaPath,
      title: c.title,
      closed,
      verifiedOnly: async () => c.verified_only,
    }
  }
  const p = await tx
    .selectFrom('proposal')
    .select(['id', 'area_id', 'title', 'status'])
    .where('id', '=', subjectId)
    .executeTakeFirst()
  if (!p) throw notFound('PROPOSAL_NOT_FOUND', `proposal ${subjectId}`, field)
  const areaPath = await areaPathOf(tx, p.area_id, null)
  return {
    kind,
    id: p.id,
    areaId: p.area_id,
    areaPath,
    title: p.title,
    closed:
      p.status === 'withdrawn'
        ? new AppError(
            'PROPOSAL_ILLEGAL_TRANSITION',
            'a withdrawn proposal takes no comments',
            field,
            {},
            {
              state: p.status,
            },
          )
        : null,
    verifiedOnly: async () => (await proposalSettingFor(tx, areaPath)).verifiedToSupport,
  }
}

type CommentRow = {
  id: number
  subject_kind: string
  subject_id: number
  section_id: number | null
  parent_id: number | null
  author_id: number
  official: boolean
  body: string
  reply_count: number
  report_count: number
  hidden_at: Date | null
  hidden_reason: string | null
  created_at: Date
  reported: boolean
}

const commentColumns = [
  'c.id',
  'c.subject_kind',
  'c.subject_id',
  'c.section_id',
  'c.parent_id',
  'c.author_id',
  'c.official',
  'c.body',
  'c.reply_count',
  'c.report_count',
  'c.hidden_at',
  'c.hidden_reason',
  'c.created_at',
] as const

/** The comments' rows with whether the caller reported each. */
function commentsQuery(tx: Tx, actor: Actor) {
  return tx
    .selectFrom('participation_comment as c')
    .leftJoin('comment_report as r', (j) => j.onRef('r.comment_id', '=', 'c.id').on('r.user_id', '=', actor.userId))
    .select([...commentColumns, sql<boolean>`r.user_id is not null`.as('reported')])
}

/** Display names of the comments' authors (through the definer function of 0047: residents read no accounts). */
async function authorNames(tx: Tx, rows: { author_id: number }[]): Promise<Map<number, string>> {
  const ids = [...new Set(rows.map((r) => r.author_id))]
  if (ids.length === 0) return new Map()
  const { rows: names } = await sql<{ id: number; display_name: string }>`
    select id, display_name from app_display_names(${ids}::integer[])`.execute(tx)
  return new Map(names.map((r) => [r.id, r.display_name]))
}

function present(r: CommentRow, names: Map<number, string>, actor: Actor, staff: boolean): CommentView {
  const hidden = r.hidden_at !== null
  return {
    id: r.id,
    subjectKind: r.subject_kind === 'proposal' ? 'proposal' : 'consultation',
    subjectId: r.subject_id,
    sectionId: r.section_id,
    parentId: r.parent_id,
    author: names.get(r.author_id) ?? '',
    mine: r.author_id === actor.userId,
    official: r.official,
    body: hidden ? null : r.body,
    hidden,
    hiddenReason: hidden ? r.hidden_reason : null,
    replyCount: r.reply_count,
    reportCount: staff ? r.report_count : null,
    reportedByMe: r.reported,
    createdAt: r.created_at.toISOString(),
  }
}

/** One comment as the caller sees it. */
export async function commentView(tx: Tx, ctx: RequestContext, commentId: number): Promise<CommentView> {
  const actor = requireActor(ctx)
  const row = await commentsQuery(tx, actor).select('c.area_id').where('c.id', '=', commentId).executeTakeFirst()
  if (!row) throw notFound('COMMENT_NOT_FOUND', `comment ${commentId}`, 'id')
  const staff = isParticipationStaff(actor, await areaPathOf(tx, row.area_id, null))
  const names = await authorNames(tx, [row])
  return present(row, names, actor, staff)
}

/**
 * A page of a thread: the subject's top-level comments (of one section, for a consultation), or
 * the replies of one comment; oldest first, paged by id (`after` = the last id seen), so a deep
 * page of a long thread costs what the first does.
 */
export async function listComments(
  tx: Tx,
  ctx: RequestContext,
  q: CommentListQuery,
  now: Date,
): Promise<Page<CommentView>> {
  const actor = requireActor(ctx)
  const subject = await commentSubject(tx, ctx, q.subjectKind, q.subjectId, now)
  if (q.sectionId !== undefined) await checkSection(tx, subject, q.sectionId)
  if (q.parentId !== undefined) {
    const parent = await tx
      .selectFrom('participation_comment')
      .select('id')
      .where('id', '=', q.parentId)
      .where('subject_kind', '=', subject.kind)
      .where('subject_id', '=', subject.id)
      .executeTakeFirst()
    if (!parent) throw notFound('COMMENT_NOT_FOUND', `comment ${q.parentId} of this ${subject.kind}`, 'parentId')
  }
  let where = tx
    .selectFrom('participation_comment as c')
    .where('c.subject_kind', '=', subject.kind)
    .where('c.subject_id', '=', subject.id)
  where =
    q.parentId !== undefined ? where.where('c.parent_id', '=', q.parentId) : where.where('c.parent_id', 'is', null)
  if (q.sectionId !== undefined) where = where.where('c.section_id', '=', q.sectionId)
  const counted = await tx
    .selectFrom(
      where
        .select(sql<number>`1`.as('one'))
        .limit(COMMENT_COUNT_LIMIT + 1)
        .as('m'),
    )
    .select(sql<number>`count(*)`.as('n'))
    .executeTakeFirstOrThrow()
  const total = Number(counted.n)
  let page = commentsQuery(tx, actor).where('c.subject_kind', '=', subject.kind).where('c.subject_id', '=', subject.id)
  page = q.parentId !== undefined ? page.where('c.parent_id', '=', q.parentId) : page.where('c.parent_id', 'is', null)
  if (q.sectionId !== undefined) page = page.where('c.section_id', '=', q.sectionId)
  if (q.after !== undefined) page = page.where('c.id', '>', q.after)
  const rows = await page
    .orderBy('c.id', 'asc')
    .limit(q.pageSize + 1)
    .execute()
  const more = rows.length > q.pageSize
  const shown = rows.slice(0, q.pageSize)
  const staff = isParticipationStaff(actor, subject.areaPath)
  const names = await authorNames(tx, shown)
  return paginate(
    { page: 1, pageSize: q.pageSize },
    shown.map((r) => present(r, names, actor, staff)),
    Math.min(total, COMMENT_COUNT_LIMIT),
    { nextAfter: more ? shown.at(-1)!.id : null, ...(total > COMMENT_COUNT_LIMIT ? { totalCapped: true } : {}) },
  )
}

async function checkSection(tx: Tx, subject: CommentSubject, sectionId: number | undefined): Promise<number | null> {
  if (subject.kind !== 'consultation') {
    if (sectionId !== undefined)
      throw new AppError('VALIDATION_FAILED', 'only a consultation’s comments have sections', 'sectionId')
    return null
  }
  if (sectionId === undefined)
    throw new AppError(
      'VALIDATION_FAILED',
      'a consultation is commented section by section: give sectionId',
      'sectionId',
    )
  const s = await tx
    .selectFrom('consultation_section')
    .select('id')
    .where('id', '=', sectionId)
    .where('consultation_id', '=', subject.id)
    .executeTakeFirst()
  if (!s)
    throw new AppError('VALIDATION_FAILED', `section ${sectionId} is not a section of this consultation`, 'sectionId')
  return s.id
}

/**
 * Adds a comment or a reply. Residents and staff on the subject's branch may; a comment by staff
 * of the subject's area is its official answer. The subject must be taking comments, and a
 * resident must be verified where the process asks it. The parent's reply count and a proposal's
 * comment count move with it; the author of the comment answered is told.
 */
export async function addComment(tx: Tx, ctx: RequestContext, input: NewComment, now: Date): Promise<CommentView> {
  const actor = requireActor(ctx)
  const text = input.body.trim()
  if (!text) throw new AppError('VALIDATION_FAILED', 'the comment is empty', 'body')
  const subject = await commentSubject(tx, ctx, input.subjectKind, input.subjectId, now)
  let sectionId = await checkSection(tx, subject, input.sectionId)
  let parentId: number | null = null
  let answered: { id: number; author_id: number } | null = null
  if (input.parentId !== undefined) {
    const parent = await tx
      .selectFrom('participation_comment')
      .select(['id', 'parent_id', 'section_id', 'author_id'])
      .where('id', '=', input.parentId)
      .where('subject_kind', '=', subject.kind)
      .where('subject_id', '=', subject.id)
      .executeTakeFirst()
    if (!parent) throw notFound('COMMENT_NOT_FOUND', `comment ${input.parentId} of this ${subject.kind}`, 'parentId')
    if (sectionId !== null && parent.section_id !== sectionId)
      throw new AppError('VALIDATION_FAILED', 'a reply belongs to the section of the comment it answers', 'sectionId')
    // One level of replies: answering a reply joins its thread.
    parentId = parent.parent_id ?? parent.id
    sectionId = parent.section_id
    answered = parent
  }
  if (subject.closed) throw subject.closed
  const official = isParticipationStaff(actor, subject.areaPath)
  if (!official) await requireVerified(tx, ctx, await subject.verifiedOnly())
  const row = await tx
    .insertInto('participation_comment')
    .values({
      subject_kind: subject.kind,
      subject_id: subject.id,
      section_id: sectionId,
      area_id: subject.areaId,
      parent_id: parentId,
      author_id: actor.userId,
      official,
      body: text,
      created_at: now,
    })
    .returning('id')
    .executeTakeFirstOrThrow()
  if (parentId !== null)
    await tx
      .updateTable('participation_comment')
      .set((eb) => ({ reply_count: eb('reply_count', '+', 1) }))
      .where('id', '=', parentId)
      .execute()
  if (subject.kind === 'proposal')
    await tx
      .updateTable('proposal')
      .set((eb) => ({ comment_count: eb('comment_count', '+', 1) }))
      .where('id', '=', subject.id)
      .execute()
  if (answered && answered.author_id !== actor.userId)
    await tellParticipants(tx, [answered.author_id], {
      subjectKind: subject.kind,
      subjectId: subject.id,
      kind: official ? 'comment_answered' : 'comment_reply',
      params: { title: subject.title, commentId: row.id, parentId: answered.id, sectionId },
      at: now,
    })
  return commentView(tx, ctx, row.id)
}

/** The comment as stored, with its area's path, or COMMENT_NOT_FOUND. */
async function loadComment(tx: Tx, commentId: number) {
  const c = await tx
    .selectFrom('participation_comment')
    .select(['id', 'area_id', 'author_id', 'subject_kind', 'subject_id', 'hidden_at'])
    .where('id', '=', commentId)
    .executeTakeFirst()
  if (!c) throw notFound('COMMENT_NOT_FOUND', `comment ${commentId}`, 'id')
  return { ...c, areaPath: await areaPathOf(tx, c.area_id, null) }
}

/** Reports a comment to the moderators: once per user (a second report is a 409), counted on the comment. */
export async function reportComment(
  tx: Tx,
  ctx: RequestContext,
  commentId: number,
  input: Input<typeof reportBody>,
  now: Date,
): Promise<CommentView> {
  const actor = requireActor(ctx)
  const c = await loadComment(tx, commentId)
  if (c.author_id === actor.userId) throw new AppError('VALIDATION_FAILED', 'you cannot report your own comment', 'id')
  const added = await tx
    .insertInto('comment_report')
    .values({ comment_id: c.id, user_id: actor.userId, reason: input.reason, created_at: now })
    .onConflict((oc) => oc.columns(['comment_id', 'user_id']).doNothing())
    .returning('comment_id')
    .executeTakeFirst()
  if (!added) throw new AppError('CONFLICT', 'you have already reported this comment', 'id')
  await tx
    .updateTable('participation_comment')
    .set((eb) => ({ report_count: eb('report_count', '+', 1) }))
    .where('id', '=', c.id)
    .execute()
  return commentView(tx, ctx, c.id)
}

/** Hides a comment with a reason (staff of its subject's area); audited; shown as hidden by moderators. */
export async function hideComment(
  tx: Tx,
  ctx: RequestContext,
  commentId: number,
  input: Input<typeof hideBody>,
  now: Date,
): Promise<CommentView> {
  const c = await loadComment(tx, commentId)
  const actor = requireParticipationStaff(ctx, c.areaPath)
  const reason = input.reason.trim()
  if (!reason) throw new AppError('VALIDATION_FAILED', 'say why the comment is hidden', 'reason')
  if (c.hidden_at) throw new AppError('CONFLICT', 'the comment is hidden already', 'id')
  await tx
    .updateTable('participation_comment')
    .set({ hidden_at: now, hidden_by: actor.userId, hidden_reason: reason })
    .where('id', '=', c.id)
    .execute()
  await recordAudit(tx, ctx, {
    action: 'comment.hide',
    entityType: 'participation_comment',
    entityId: c.id,
    areaId: c.area_id,
    detail: { reason, subjectKind: c.subject_kind, subjectId: c.subject_id },
  })
  return commentView(tx, ctx, c.id)
}

/** Shows a hidden comment again (staff of its subject's area); audited. */
export async function restoreComment(tx: Tx, ctx: RequestContext, commentId: number): Promise<CommentView> {
  const c = await loadComment(tx, commentId)
  requireParticipationStaff(ctx, c.areaPath)
  if (!c.hidden_at) throw new AppError('CONFLICT', 'the comment is not hidden', 'id')
  await tx
    .updateTable('participation_comment')
    .set({ hidden_at: null, hidden_by: null, hidden_reason: null })
    .where('id', '=', c.id)
    .execute()
  await recordAudit(tx, ctx, {
    action: 'comment.restore',
    entityType: 'participation_comment',
    entityId: c.id,
    areaId: c.area_id,
    detail: { subjectKind: c.subject_kind, subjectId: c.subject_id },
  })
  return commentView(tx, ctx, c.id)
}

/**
 * The moderation queue: reported comments not hidden yet, in the areas where the caller runs
 * participation (or below `areaId`), the most reported first.
 */
export async function moderationQueue(tx: Tx, ctx: RequestContext, q: ModerationQuery): Promise<Page<ModerationItem>> {
  const actor = requireActor(ctx)
  let paths = actor.grants.filter((g) => participationStaff.includes(g.role)).map((g) => g.path)
  if (q.areaId !== undefined) {
    const path = await areaPathOf(tx, q.areaId)
    requireParticipationStaff(ctx, path)
    paths = [path]
  }
  if (paths.length === 0) throw new AppError('FORBIDDEN', 'only admins, leaders and staff moderate comments')
  const base = tx
    .selectFrom('participation_comment as c')
    .where('c.report_count', '>', 0)
    .where('c.hidden_at', 'is', null)
    .where('c.area_id', 'in', (eb) =>
      eb
        .selectFrom('area')
        .select('id')
        .where((w) => w.or(paths.map((p) => w('path', 'like', `${p}%`)))),
    )
  const total = await base.select(sql<number>`count(*)`.as('n')).executeTakeFirstOrThrow()
  const rows = await commentsQuery(tx, actor)
    .where('c.report_count', '>', 0)
    .where('c.hidden_at', 'is', null)
    .where('c.area_id', 'in', (eb) =>
      eb
        .selectFrom('area')
        .select('id')
        .where((w) => w.or(paths.map((p) => w('path', 'like', `${p}%`)))),
    )
    .orderBy('c.report_count', 'desc')
    .orderBy('c.id', 'asc')
    .limit(q.pageSize)
    .offset(offsetOf(q))
    .execute()
  const ids = rows.map((r) => r.id)
  const names = await authorNames(tx, rows)
  const reasons = ids.length
    ? await tx
        .selectFrom('comment_report')
        .select(['comment_id', 'reason', sql<number>`count(*)`.as('n')])
        .where('comment_id', 'in', ids)
        .groupBy(['comment_id', 'reason'])
        .orderBy('comment_id')
        .orderBy('reason')
        .execute()
    : []
  const titles = await subjectTitles(tx, rows)
  return paginate(
    q,
    rows.map((r) => ({
      comment: present(r, names, actor, true),
      body: r.body,
      subject: {
        kind: r.subject_kind === 'proposal' ? ('proposal' as const) : ('consultation' as const),
        id: r.subject_id,
        title: titles.get(`${r.subject_kind}:${r.subject_id}`) ?? '',
      },
      reasons: reasons
        .filter((x) => x.comment_id === r.id)
        .map((x) => ({ reason: reasonOf(x.reason), count: Number(x.n) })),
    })),
    Number(total.n),
  )
}

const reasonOf = (s: string): (typeof reportReasons)[number] => reportReasons.find((r) => r === s) ?? 'other'

async function subjectTitles(tx: Tx, rows: { subject_kind: string; subject_id: number }[]) {
  const titles = new Map<string, string>()
  const of = (kind: string) => [...new Set(rows.filter((r) => r.subject_kind === kind).map((r) => r.subject_id))]
  const consultations = of('consultation')
  const proposals = of('proposal')
  if (consultations.length)
    for (const c of await tx
      .selectFrom('consultation')
      .select(['id', 'title'])
      .where('id', 'in', consultations)
      .execute())
      titles.set(`consultation:${c.id}`, c.title)
  if (proposals.length)
    for (const p of await tx.selectFrom('proposal').select(['id', 'title']).where('id', 'in', proposals).execute())
      titles.set(`proposal:${p.id}`, p.title)
  return titles
}
