import { type ExpressionBuilder, sql } from 'kysely'
import { recordAudit } from '../audit/service.js'
import type { Tx } from '../core/db.js'
import { AppError, notFound } from '../core/errors.js'
import type { Input, Output } from '../core/http.js'
import { containing } from '../core/like.js'
import { countLimitOf, offsetOf, pageQuerySchema, paginate } from '../core/paging.js'
import { body, id, nullable, shape, timestamp } from '../core/schemas.js'
import { requireActor, type RequestContext } from '../core/scope.js'
import { attachmentTypes, sniffAttachment } from '../core/uploads.js'
import type { DB } from '../core/tables.generated.js'
import { areaPathOf } from '../jurisdiction/service.js'
import { displayNames, homeAreaId, isParticipationStaff, requireParticipationStaff, staffPaths } from './common.js'

// Notices and policies (通知公告、政策解读): staff of an area publish to its subtree, and everyone on
// that branch of the area tree sees them once published (a street's notice reaches the residents of
// its communities). A notice is a draft, or published from publish_at (a future publish_at is a
// scheduled publication) until expires_at, or withdrawn with a reason. Residents see only what is
// live; the area's staff also see drafts, scheduled, expired and withdrawn notices, who read them
// (counts per area) and manage the attachments (PDF and images, checked by their bytes).

export const noticeKinds = ['notice', 'policy'] as const
/** What a notice is now: `published` means live (published, publish_at passed, not expired). */
export const noticeStatuses = ['draft', 'scheduled', 'published', 'expired', 'withdrawn'] as const
type NoticeKind = (typeof noticeKinds)[number]
type NoticeStatus = (typeof noticeStatuses)[number]

/** At most this many attachments per notice, each at most MAX_ATTACHMENT_BYTES. */
export const MAX_ATTACHMENTS = 20
export const MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024

// Text with at least one visible character.
const words = (max: number) => ({ type: 'string', minLength: 1, maxLength: max, pattern: '\\S' }) as const
const title = { ...words(200), description: 'The headline (at most 200 characters)' } as const
const noticeBody = { ...words(20000), description: 'The text of the notice (at most 20,000 characters)' } as const
const explainer = {
  type: 'string',
  maxLength: 20000,
  description: 'The policy explainer (政策解读): what the policy means for residents, in plain words; empty for none',
} as const

export const newNoticeBody = body(['areaId', 'kind', 'title', 'body'], {
  areaId: { ...id, description: 'The area whose subtree the notice is published to' },
  kind: { type: 'string', enum: noticeKinds },
  title,
  body: noticeBody,
  explainer,
  publishAt: { ...timestamp, description: 'When it becomes visible (default now; in the future = scheduled)' },
  expiresAt: { ...timestamp, description: 'When it leaves the residents’ lists (after publishAt)' },
  pinned: { type: 'boolean', default: false },
  status: { type: 'string', enum: ['draft', 'published'], default: 'published' },
})
export type NewNotice = Input<typeof newNoticeBody>

export const noticePatchBody = {
  type: 'object',
  additionalProperties: false,
  minProperties: 1,
  properties: {
    kind: { type: 'string', enum: noticeKinds },
    title,
    body: noticeBody,
    explainer: { type: ['string', 'null'], maxLength: 20000, description: 'null or empty removes it' },
    pinned: { type: 'boolean' },
    publishAt: timestamp,
    expiresAt: { type: ['string', 'null'], format: 'date-time', description: 'null: never expires' },
    status: { type: 'string', enum: ['published'], description: 'Publish a draft' },
  },
} as const
export type NoticePatch = Input<typeof noticePatchBody>

export const withdrawBody = body(['reason'], {
  reason: { ...words(500), description: 'Why the notice is withdrawn (kept for staff and in the audit trail)' },
})

export const noticeFilterQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    ...pageQuerySchema,
    status: {
      type: 'string',
      enum: noticeStatuses,
      description: 'Staff: one status; residents see published (live) notices only',
    },
    kind: { type: 'string', enum: noticeKinds },
    areaId: { ...id, description: 'Notices published to this area or below it' },
    q: { type: 'string', minLength: 1, maxLength: 100, description: 'Words of the title' },
    unread: { type: 'boolean', description: 'Only those the caller has not read' },
  },
} as const
export type NoticeFilter = Input<typeof noticeFilterQuery>

export const attachmentQuery = {
  type: 'object',
  additionalProperties: false,
  required: ['fileName'],
  properties: {
    fileName: {
      type: 'string',
      minLength: 1,
      maxLength: 200,
      // No control characters and no path separators.
      pattern: '^[^\\u0000-\\u001f\\u007f/\\\\]+$',
      description: 'The file name shown and offered for download (Chinese names are fine)',
    },
  },
} as const

export const attachmentParams = {
  type: 'object',
  required: ['id', 'attachmentId'],
  additionalProperties: false,
  properties: { id, attachmentId: id },
} as const

export const fileQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    download: { type: 'boolean', default: false, description: 'Offer it as a download instead of showing it' },
  },
} as const

const areaRef = shape({
  id: { type: 'integer' },
  code: { type: 'string' },
  nameZh: { type: 'string' },
  nameEn: { type: 'string' },
})

const noticeCore = {
  id: { type: 'integer' },
  area: areaRef,
  kind: { type: 'string', enum: noticeKinds },
  title: { type: 'string' },
  status: { type: 'string', enum: noticeStatuses },
  pinned: { type: 'boolean' },
  publishAt: timestamp,
  expiresAt: { type: ['string', 'null'], format: 'date-time' },
  hasExplainer: { type: 'boolean' },
  attachmentCount: { type: 'integer' },
  read: { type: 'boolean', description: 'Whether the caller has read it' },
  readCount: { ...nullable('integer'), description: 'Readers so far (staff of the area only, else null)' },
  canManage: { type: 'boolean', description: 'The caller is staff of the notice’s area: edit, withdraw, attach' },
  withdrawnReason: { ...nullable('string'), description: 'Staff of the area only' },
  updatedAt: timestamp,
} as const

export const noticeItemSchema = shape({
  ...noticeCore,
  excerpt: { type: 'string', description: 'The beginning of the text' },
})
export type NoticeItem = Output<typeof noticeItemSchema>

export const attachmentSchema = shape({
  id: { type: 'integer' },
  fileName: { type: 'string' },
  contentType: { type: 'string', enum: attachmentTypes },
  size: { type: 'integer' },
  createdAt: timestamp,
})

export const noticeDetailSchema = shape({
  ...noticeCore,
  body: { type: 'string' },
  explainer: nullable('string'),
  readAt: { type: ['string', 'null'], format: 'date-time' },
  attachments: { type: 'array', items: attachmentSchema },
  withdrawnAt: { type: ['string', 'null'], format: 'date-time' },
  withdrawnBy: { ...nullable('string'), description: 'Staff of the area only' },
  createdBy: { ...nullable('string'), description: 'Staff of the area only' },
  createdAt: timestamp,
})
export type NoticeDetail = Output<typeof noticeDetailSchema>

export const readResultSchema = shape({
  noticeId: { type: 'integer' },
  readAt: timestamp,
  first: { type: 'boolean', description: 'False when the caller had read it before (nothing changed)' },
})

export const readsSchema = shape({
  noticeId: { type: 'integer' },
  total: { type: 'integer' },
  byArea: {
    type: 'array',
    description:
      'Readers by the area directly below the notice’s area that holds their home area (every community or street ' +
      'below, zero where none read it yet; grids only where someone read it); ' +
      'readers whose home area is the notice’s area itself count under it, and readers from elsewhere (staff above, ' +
      'no home area) under area null',
    items: shape({ area: { ...areaRef, type: ['object', 'null'] }, count: { type: 'integer' } }),
  },
})

// ── Visibility ─────────────────────────────────────────────────────────────────────────────────

/** The area paths where the caller runs participation (their staff grants). */
/** What a stored notice is at `now`. */
export function statusOf(n: { status: string; publish_at: Date; expires_at: Date | null }, now: Date): NoticeStatus {
  if (n.status === 'withdrawn') return 'withdrawn'
  if (n.status === 'draft') return 'draft'
  if (n.publish_at > now) return 'scheduled'
  if (n.expires_at && n.expires_at <= now) return 'expired'
  return 'published'
}

type NoticeScope = ExpressionBuilder<DB & { n: DB['notice']; a: DB['area'] }, 'n' | 'a'>

/** Live at `now`: published, its publication time passed, not expired. */
const live = (eb: NoticeScope, now: Date) =>
  eb.and([
    eb('n.status', '=', 'published'),
    eb('n.publish_at', '<=', now),
    eb.or([eb('n.expires_at', 'is', null), eb('n.expires_at', '>', now)]),
  ])

/** In the subtree of one of `paths`. */
const within = (eb: NoticeScope, paths: string[]) =>
  eb.or(paths.map((p) => eb('a.path', 'like', `${p.replace(/[\\%_]/g, (c) => `\\${c}`)}%`)))

const kindOf = (k: string): NoticeKind => (k === 'policy' ? 'policy' : 'notice')
const iso = (d: Date | null) => (d ? d.toISOString() : null)

/** A date the API accepts: a real moment between 2000 and 2100 (PostgreSQL has no year 0). */
function moment(value: string, field: string): Date {
  const d = new Date(value)
  if (Number.isNaN(d.getTime()) || d.getUTCFullYear() < 2000 || d.getUTCFullYear() >= 2100)
    throw new AppError('VALIDATION_FAILED', `${field} must be a time between the years 2000 and 2099`, field)
  return d
}

const normaliseExplainer = (s: string | null | undefined) => {
  const t = s?.trim()
  return t ? t : null
}

// ── Reading ────────────────────────────────────────────────────────────────────────────────────

const listColumns = [
  'n.id',
  'n.area_id',
  'n.kind',
  'n.title',
  'n.status',
  'n.pinned',
  'n.publish_at',
  'n.expires_at',
  'n.withdrawn_reason',
  'n.updated_at',
  'a.path',
  'a.code',
  'a.name_zh',
  'a.name_en',
] as const

/**
 * The notices the caller sees: residents (and staff outside a notice's area) those live on their
 * branch of the tree; staff everything of their own areas. Pinned live notices first, then newest.
 */
export async function listNotices(tx: Tx, ctx: RequestContext, f: NoticeFilter, now: Date) {
  const actor = requireActor(ctx)
  const mine = staffPaths(actor)
  const areaPath = f.areaId === undefined ? null : await areaPathOf(tx, f.areaId)
  // Row-level security keeps every query on the caller's branch; this adds what each may see of it.
  let q = tx
    .selectFrom('notice as n')
    .innerJoin('area as a', 'a.id', 'n.area_id')
    .where((eb) => (mine.length ? eb.or([live(eb, now), within(eb, mine)]) : live(eb, now)))
  if (areaPath !== null) q = q.where('a.path', 'like', `${areaPath}%`)
  if (f.kind) q = q.where('n.kind', '=', f.kind)
  if (f.q) q = q.where('n.title', 'ilike', containing(f.q))
  if (f.unread)
    q = q.where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom('notice_read as r')
            .select('r.notice_id')
            .whereRef('r.notice_id', '=', 'n.id')
            .where('r.user_id', '=', actor.userId),
        ),
      ),
    )
  switch (f.status) {
    case undefined:
      break
    case 'draft':
      q = q.where('n.status', '=', 'draft')
      break
    case 'withdrawn':
      q = q.where('n.status', '=', 'withdrawn')
      break
    case 'scheduled':
      q = q.where('n.status', '=', 'published').where('n.publish_at', '>', now)
      break
    case 'expired':
      q = q.where('n.status', '=', 'published').where('n.expires_at', '<=', now)
      break
    case 'published':
      q = q.where((eb) => live(eb, now))
      break
  }
  const [rows, count] = await Promise.all([
    q
      .select(listColumns)
      .select((eb) => [
        sql<string>`substr(n.body, 1, 160)`.as('excerpt'),
        sql<boolean>`n.explainer is not null`.as('has_explainer'),
        eb
          .selectFrom('notice_attachment as t')
          .select(sql<number>`count(*)::int`.as('c'))
          .whereRef('t.notice_id', '=', 'n.id')
          .as('attachment_count'),
        eb
          .selectFrom('notice_read as r')
          .select(sql<number>`count(*)::int`.as('c'))
          .whereRef('r.notice_id', '=', 'n.id')
          .as('read_count'),
        eb
          .exists(
            eb
              .selectFrom('notice_read as r')
              .select('r.notice_id')
              .whereRef('r.notice_id', '=', 'n.id')
              .where('r.user_id', '=', actor.userId),
          )
          .as('read'),
      ])
      .orderBy(
        sql`n.pinned and n.status = 'published' and n.publish_at <= ${now} and (n.expires_at is null or n.expires_at > ${now})`,
        'desc',
      )
      .orderBy('n.publish_at', 'desc')
      .orderBy('n.id', 'desc')
      .limit(f.pageSize)
      .offset(offsetOf(f))
      .execute(),
    tx
      .selectFrom(q.select('n.id').limit(countLimitOf(f)).as('x'))
      .select(sql<number>`count(*)::int`.as('n'))
      .executeTakeFirstOrThrow(),
  ])
  const items: NoticeItem[] = rows.map((r) => {
    const staff = isParticipationStaff(actor, r.path)
    return {
      id: r.id,
      area: { id: r.area_id, code: r.code, nameZh: r.name_zh, nameEn: r.name_en },
      kind: kindOf(r.kind),
      title: r.title,
      status: statusOf(r, now),
      pinned: r.pinned,
      publishAt: r.publish_at.toISOString(),
      expiresAt: iso(r.expires_at),
      hasExplainer: r.has_explainer,
      attachmentCount: r.attachment_count ?? 0,
      read: r.read === true || r.read === 1,
      readCount: staff ? (r.read_count ?? 0) : null,
      canManage: staff,
      withdrawnReason: staff ? r.withdrawn_reason : null,
      updatedAt: r.updated_at.toISOString(),
      excerpt: r.excerpt,
    }
  })
  return paginate(f, items, count.n, { totalCapped: count.n >= countLimitOf(f) })
}

/**
 * A notice as the caller may see it: staff of its area always; others while it is published and
 * its time has come (an expired one stays readable by its link, marked expired). Else 404.
 */
async function loadNotice(tx: Tx, ctx: RequestContext, noticeId: number, now: Date) {
  const actor = requireActor(ctx)
  const n = await tx
    .selectFrom('notice as n')
    .innerJoin('area as a', 'a.id', 'n.area_id')
    .selectAll('n')
    .select(['a.path', 'a.code', 'a.name_zh', 'a.name_en'])
    .where('n.id', '=', noticeId)
    .executeTakeFirst()
  if (!n) throw notFound('NOTICE_NOT_FOUND', `notice ${noticeId}`)
  const staff = isParticipationStaff(actor, n.path)
  const status = statusOf(n, now)
  if (!staff && status !== 'published' && status !== 'expired') throw notFound('NOTICE_NOT_FOUND', `notice ${noticeId}`)
  return { n, staff, status, actor }
}

/** A notice with its attachments' metadata, for anyone who may see it. */
export async function noticeDetail(tx: Tx, ctx: RequestContext, noticeId: number, now: Date): Promise<NoticeDetail> {
  const { n, staff, status, actor } = await loadNotice(tx, ctx, noticeId, now)
  const [attachments, reads, mine] = await Promise.all([
    tx
      .selectFrom('notice_attachment')
      .select(['id', 'file_name', 'content_type', 'size', 'created_at'])
      .where('notice_id', '=', noticeId)
      .orderBy('id')
      .execute(),
    tx
      .selectFrom('notice_read')
      .select(sql<number>`count(*)::int`.as('c'))
      .where('notice_id', '=', noticeId)
      .executeTakeFirstOrThrow(),
    tx
      .selectFrom('notice_read')
      .select('read_at')
      .where('notice_id', '=', noticeId)
      .where('user_id', '=', actor.userId)
      .executeTakeFirst(),
  ])
  const names = staff
    ? await displayNames(tx, [n.created_by, ...(n.withdrawn_by === null ? [] : [n.withdrawn_by])])
    : new Map<number, string>()
  return {
    id: n.id,
    area: { id: n.area_id, code: n.code, nameZh: n.name_zh, nameEn: n.name_en },
    kind: kindOf(n.kind),
    title: n.title,
    status,
    pinned: n.pinned,
    publishAt: n.publish_at.toISOString(),
    expiresAt: iso(n.expires_at),
    hasExplainer: n.explainer !== null,
    attachmentCount: attachments.length,
    read: !!mine,
    readCount: staff ? reads.c : null,
    canManage: staff,
    withdrawnReason: staff ? n.withdrawn_reason : null,
    updatedAt: n.updated_at.toISOString(),
    body: n.body,
    explainer: n.explainer,
    readAt: iso(mine?.read_at ?? null),
    attachments: attachments.map((t) => ({
      id: t.id,
      fileName: t.file_name,
      contentType: attachmentTypes.find((x) => x === t.content_type) ?? 'application/pdf',
      size: t.size,
      createdAt: t.created_at.toISOString(),
    })),
    withdrawnAt: iso(n.withdrawn_at),
    withdrawnBy: staff && n.withdrawn_by !== null ? (names.get(n.withdrawn_by) ?? null) : null,
    createdBy: staff ? (names.get(n.created_by) ?? null) : null,
    createdAt: n.created_at.toISOString(),
  }
}

// ── Publishing ─────────────────────────────────────────────────────────────────────────────────

/** Publishes (or saves as a draft) a notice to an area's subtree; staff of the area only. */
export async function createNotice(tx: Tx, ctx: RequestContext, input: NewNotice, now: Date): Promise<NoticeDetail> {
  const path = await areaPathOf(tx, input.areaId)
  const actor = requireParticipationStaff(ctx, path)
  const publishAt = input.publishAt === undefined ? now : moment(input.publishAt, 'publishAt')
  const expiresAt = input.expiresAt === undefined ? null : moment(input.expiresAt, 'expiresAt')
  if (expiresAt && expiresAt <= publishAt)
    throw new AppError('VALIDATION_FAILED', 'expiresAt must come after publishAt', 'expiresAt')
  if (expiresAt && expiresAt <= now)
    throw new AppError('VALIDATION_FAILED', 'expiresAt must be in the future', 'expiresAt')
  const row = await tx
    .insertInto('notice')
    .values({
      area_id: input.areaId,
      kind: input.kind,
      title: input.title.trim(),
      body: input.body.trim(),
      explainer: normaliseExplainer(input.explainer),
      publish_at: publishAt,
      expires_at: expiresAt,
      pinned: input.pinned,
      status: input.status,
      created_by: actor.userId,
      created_at: now,
      updated_at: now,
    })
    .returning('id')
    .executeTakeFirstOrThrow()
  await recordAudit(tx, ctx, {
    action: input.status === 'published' ? 'notice.publish' : 'notice.draft',
    entityType: 'notice',
    entityId: row.id,
    areaId: input.areaId,
    detail: { kind: input.kind, title: input.title.trim(), publishAt: publishAt.toISOString(), pinned: input.pinned },
  })
  return noticeDetail(tx, ctx, row.id, now)
}

/** Staff of the notice's area, on a notice not withdrawn (else 409 CONFLICT). */
async function manageable(tx: Tx, ctx: RequestContext, noticeId: number, now: Date, what: string) {
  const loaded = await loadNotice(tx, ctx, noticeId, now)
  if (!loaded.staff) throw new AppError('FORBIDDEN', 'only admins, leaders and staff of the notice’s area manage it')
  if (loaded.n.status === 'withdrawn')
    throw new AppError('CONFLICT', `a withdrawn notice cannot be ${what}`, null, {}, { status: 'withdrawn' })
  return loaded
}

/** Edits a notice (text, explainer, pin, times, kind) or publishes a draft; audited. */
export async function updateNotice(
  tx: Tx,
  ctx: RequestContext,
  noticeId: number,
  patch: NoticePatch,
  now: Date,
): Promise<NoticeDetail> {
  const { n } = await manageable(tx, ctx, noticeId, now, 'changed')
  const publishAt = patch.publishAt === undefined ? n.publish_at : moment(patch.publishAt, 'publishAt')
  const expiresAt =
    patch.expiresAt === undefined
      ? n.expires_at
      : patch.expiresAt === null
        ? null
        : moment(patch.expiresAt, 'expiresAt')
  if (expiresAt && expiresAt <= publishAt)
    throw new AppError('VALIDATION_FAILED', 'expiresAt must come after publishAt', 'expiresAt')
  if (patch.expiresAt && expiresAt && expiresAt <= now)
    throw new AppError('VALIDATION_FAILED', 'expiresAt must be in the future', 'expiresAt')
  const publishing = patch.status === 'published' && n.status === 'draft'
  await tx
    .updateTable('notice')
    .set({
      ...(patch.kind === undefined ? {} : { kind: patch.kind }),
      ...(patch.title === undefined ? {} : { title: patch.title.trim() }),
      ...(patch.body === undefined ? {} : { body: patch.body.trim() }),
      ...(patch.explainer === undefined ? {} : { explainer: normaliseExplainer(patch.explainer) }),
      ...(patch.pinned === undefined ? {} : { pinned: patch.pinned }),
      publish_at: publishAt,
      expires_at: expiresAt,
      ...(publishing ? { status: 'published' } : {}),
      updated_at: now,
    })
    .where('id', '=', noticeId)
    .execute()
  await recordAudit(tx, ctx, {
    action: publishing ? 'notice.publish' : 'notice.update',
    entityType: 'notice',
    entityId: noticeId,
    areaId: n.area_id,
    detail: { fields: Object.keys(patch).sort(), title: patch.title?.trim() ?? n.title },
  })
  return noticeDetail(tx, ctx, noticeId, now)
}

/** Withdraws a notice: gone from residents' lists, kept for staff with the reason; audited. */
export async function withdrawNotice(
  tx: Tx,
  ctx: RequestContext,
  noticeId: number,
  reason: string,
  now: Date,
): Promise<NoticeDetail> {
  const { n, actor } = await manageable(tx, ctx, noticeId, now, 'withdrawn again')
  await tx
    .updateTable('notice')
    .set({
      status: 'withdrawn',
      withdrawn_reason: reason.trim(),
      withdrawn_at: now,
      withdrawn_by: actor.userId,
      pinned: false,
      updated_at: now,
    })
    .where('id', '=', noticeId)
    .execute()
  await recordAudit(tx, ctx, {
    action: 'notice.withdraw',
    entityType: 'notice',
    entityId: noticeId,
    areaId: n.area_id,
    detail: { title: n.title, reason: reason.trim(), wasStatus: statusOf(n, now) },
  })
  return noticeDetail(tx, ctx, noticeId, now)
}

// ── Reads ──────────────────────────────────────────────────────────────────────────────────────

/**
 * The caller has read a published notice: one row per reader, counted for the reader's home area.
 * Reading it again changes nothing.
 */
export async function markRead(tx: Tx, ctx: RequestContext, noticeId: number, now: Date) {
  const { status, actor } = await loadNotice(tx, ctx, noticeId, now)
  if (status !== 'published' && status !== 'expired')
    throw new AppError('CONFLICT', `a ${status} notice cannot be read by residents yet`, null, {}, { status })
  const inserted = await tx
    .insertInto('notice_read')
    .values({ notice_id: noticeId, user_id: actor.userId, area_id: await homeAreaId(tx, actor), read_at: now })
    .onConflict((oc) => oc.columns(['notice_id', 'user_id']).doNothing())
    .returning('read_at')
    .executeTakeFirst()
  if (inserted) return { noticeId, readAt: inserted.read_at.toISOString(), first: true }
  const before = await tx
    .selectFrom('notice_read')
    .select('read_at')
    .where('notice_id', '=', noticeId)
    .where('user_id', '=', actor.userId)
    .executeTakeFirstOrThrow()
  return { noticeId, readAt: before.read_at.toISOString(), first: false }
}

/** Read counts of a notice by area (rolled up to the areas directly below the notice's); staff only. */
export async function noticeReads(tx: Tx, ctx: RequestContext, noticeId: number, now: Date) {
  const { n, staff } = await loadNotice(tx, ctx, noticeId, now)
  if (!staff) throw new AppError('FORBIDDEN', 'only staff of the notice’s area see who read it')
  const children = await tx
    .selectFrom('area')
    .select(['id', 'code', 'name_zh', 'name_en', 'path', 'level'])
    .where('parent_id', '=', n.area_id)
    .where('retired_at', 'is', null)
    .orderBy('code')
    .execute()
  const { rows } = await sql<{ path: string | null; count: number }>`
    select ra.path, count(*)::int as count
    from notice_read r left join area ra on ra.id = r.area_id
    where r.notice_id = ${noticeId}
    group by ra.path`.execute(tx)
  const counts = new Map<number | null, number>()
  let total = 0
  for (const r of rows) {
    total += r.count
    const child = r.path ? children.find((c) => r.path!.startsWith(c.path)) : undefined
    const key = child ? child.id : r.path?.startsWith(n.path) ? n.area_id : null
    counts.set(key, (counts.get(key) ?? 0) + r.count)
  }
  const ref = (a: { id: number; code: string; name_zh: string; name_en: string }) => ({
    id: a.id,
    code: a.code,
    nameZh: a.name_zh,
    nameEn: a.name_en,
  })
  const byArea = [
    ...(counts.has(n.area_id)
      ? [{ area: { id: n.area_id, code: n.code, nameZh: n.name_zh, nameEn: n.name_en }, count: counts.get(n.area_id)! }]
      : []),
    // Every community (or street) below shows, read or not; grids only where someone read it.
    ...children
      .filter((c) => c.level !== 'grid' || counts.has(c.id))
      .map((c) => ({ area: ref(c), count: counts.get(c.id) ?? 0 })),
    ...(counts.has(null) ? [{ area: null, count: counts.get(null)! }] : []),
  ]
  return { noticeId, total, byArea }
}

// ── Attachments ────────────────────────────────────────────────────────────────────────────────

/** Adds a file to a notice (staff of its area; its type decided by its bytes). */
export async function addAttachment(
  tx: Tx,
  ctx: RequestContext,
  noticeId: number,
  fileName: string,
  data: Buffer,
  now: Date,
) {
  const { n } = await manageable(tx, ctx, noticeId, now, 'given attachments')
  const contentType = await sniffAttachment(data, attachmentTypes, MAX_ATTACHMENT_BYTES, 'body')
  const { c } = await tx
    .selectFrom('notice_attachment')
    .select(sql<number>`count(*)::int`.as('c'))
    .where('notice_id', '=', noticeId)
    .executeTakeFirstOrThrow()
  if (c >= MAX_ATTACHMENTS)
    throw new AppError('ATTACHMENT_INVALID', `a notice has at most ${MAX_ATTACHMENTS} attachments`, 'body')
  const name = fileName.trim() || 'attachment'
  const row = await tx
    .insertInto('notice_attachment')
    .values({
      notice_id: noticeId,
      file_name: name,
      content_type: contentType,
      size: data.length,
      content: data,
      created_at: now,
    })
    .returning(['id', 'created_at'])
    .executeTakeFirstOrThrow()
  await tx.updateTable('notice').set({ updated_at: now }).where('id', '=', noticeId).execute()
  await recordAudit(tx, ctx, {
    action: 'notice.attach',
    entityType: 'notice',
    entityId: noticeId,
    areaId: n.area_id,
    detail: { attachmentId: row.id, fileName: name, contentType, size: data.length },
  })
  return { id: row.id, fileName: name, contentType, size: data.length, createdAt: row.created_at.toISOString() }
}

/** Removes a file from a notice (staff of its area; not once withdrawn: the record stays as it was). */
export async function removeAttachment(
  tx: Tx,
  ctx: RequestContext,
  noticeId: number,
  attachmentId: number,
  now: Date,
): Promise<NoticeDetail> {
  const { n } = await manageable(tx, ctx, noticeId, now, 'changed')
  const gone = await tx
    .deleteFrom('notice_attachment')
    .where('id', '=', attachmentId)
    .where('notice_id', '=', noticeId)
    .returning(['file_name'])
    .executeTakeFirst()
  if (!gone) throw notFound('NOT_FOUND', `attachment ${attachmentId} of notice ${noticeId}`, 'attachmentId')
  await tx.updateTable('notice').set({ updated_at: now }).where('id', '=', noticeId).execute()
  await recordAudit(tx, ctx, {
    action: 'notice.detach',
    entityType: 'notice',
    entityId: noticeId,
    areaId: n.area_id,
    detail: { attachmentId, fileName: gone.file_name },
  })
  return noticeDetail(tx, ctx, noticeId, now)
}

/** An attachment's bytes, for anyone who may see the notice. */
export async function attachmentFile(tx: Tx, ctx: RequestContext, noticeId: number, attachmentId: number, now: Date) {
  await loadNotice(tx, ctx, noticeId, now)
  const file = await tx
    .selectFrom('notice_attachment')
    .select(['file_name', 'content_type', 'content'])
    .where('id', '=', attachmentId)
    .where('notice_id', '=', noticeId)
    .executeTakeFirst()
  if (!file) throw notFound('NOT_FOUND', `attachment ${attachmentId} of notice ${noticeId}`, 'attachmentId')
  return { fileName: file.file_name, contentType: file.content_type, data: Buffer.from(file.content) }
}
