import { segment, stopWords } from './terms.js'
import { sql } from 'kysely'
import { recordAudit } from '../audit/service.js'
import type { Tx } from '../core/db.js'
import { AppError, notFound } from '../core/errors.js'
import type { Input, Output } from '../core/http.js'
import { offsetOf, pageQuerySchema, paginate, type Page } from '../core/paging.js'
import { body, id, nullable, orNull, shape, text, timestamp } from '../core/schemas.js'
import { requireActor, type RequestContext } from '../core/scope.js'
import { defineWorkflow } from '../core/workflow.js'
import { areaPathOf } from '../jurisdiction/service.js'
import { consultationAccepts } from './comments.js'
import { isParticipationStaff, isVerified, requireParticipationStaff, tellParticipants, staffPaths } from './common.js'

// Consultations on drafts (征求意见): staff put a draft (a policy, a community rule, a plan) to
// the residents of an area section by section for a comment period; residents comment on each
// section and reply to each other, staff answer officially; at the close the platform sums the
// comments up (per section, answered or not, themes by keyword), and staff publish the adopted
// text with their response to the main comments.
//
// The period closes by time without anyone acting: a reader after closes_at sees the consultation
// closed (its state is computed), with its summary computed on the fly; the first of its staff to
// read it or act on it afterwards stores the close and the summary (row-level security lets only
// staff change a consultation).

export const consultationKinds = ['policy', 'community_rule', 'plan'] as const
export const consultationStates = ['draft', 'open', 'closed', 'published'] as const
export type ConsultationState = (typeof consultationStates)[number]

/** organiser: admin, leader or staff over the consultation's area. */
export const consultationWorkflow = defineWorkflow({
  name: 'consultation',
  states: consultationStates,
  illegalCode: 'CONSULTATION_ILLEGAL_TRANSITION',
  actions: {
    open: { from: ['draft'], to: 'open', by: ['organiser'] },
    close: { from: ['open'], to: 'closed', by: ['organiser'] },
    publish: { from: ['closed'], to: 'published', by: ['organiser'] },
  },
})
export type ConsultationAction = keyof typeof consultationWorkflow.actions
export const consultationActions = Object.keys(consultationWorkflow.actions) as ConsultationAction[]

/** The longest comment period. */
export const MAX_PERIOD_DAYS = 366
const DAY = 86_400_000

// ── Requests ──────────────────────────────────────────────────────────────────────────────────

const sectionInput = body(['heading', 'body'], {
  heading: { type: 'string', maxLength: 200 },
  body: { type: 'string', maxLength: 20000 },
})

export const consultationBody = body(['areaId', 'kind', 'title', 'summary', 'opensAt', 'closesAt', 'sections'], {
  areaId: { ...id, description: 'The area whose residents are consulted (and those below it)' },
  kind: { type: 'string', enum: consultationKinds },
  title: text(200),
  summary: { ...text(4000), description: 'What the draft is about and what is asked of residents' },
  opensAt: { ...timestamp, description: 'Comments are taken from here…' },
  closesAt: { ...timestamp, description: '…until here' },
  verifiedOnly: { type: 'boolean', default: true, description: 'Only verified residents may comment' },
  sections: { type: 'array', minItems: 1, maxItems: 200, items: sectionInput },
})
export type ConsultationInput = Input<typeof consultationBody>

export const consultationActionBody = body(['action'], {
  action: { type: 'string', enum: consultationActions },
  finalText: { type: 'string', maxLength: 100000, description: 'publish: the adopted text' },
  response: { type: 'string', maxLength: 20000, description: 'publish: the answer to the main comments' },
})
export type ConsultationActionInput = Input<typeof consultationActionBody>

export const consultationListQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    ...pageQuerySchema,
    status: { type: 'string', enum: consultationStates },
    kind: { type: 'string', enum: consultationKinds },
    areaId: { ...id, description: 'This area and the areas below it' },
  },
} as const
export type ConsultationListQuery = Input<typeof consultationListQuery>

// ── Answers ───────────────────────────────────────────────────────────────────────────────────

const areaRef = shape({ id: { type: 'integer' }, nameZh: { type: 'string' }, nameEn: { type: 'string' } })

export const consultationResultSchema = shape({
  computedAt: timestamp,
  comments: { type: 'integer', description: 'Residents’ comments and replies, hidden ones left out' },
  participants: { type: 'integer', description: 'Residents who commented' },
  answered: { type: 'integer', description: 'Top-level comments with an official reply' },
  unanswered: { type: 'integer' },
  sections: {
    type: 'array',
    items: shape({
      sectionId: { type: 'integer' },
      position: { type: 'integer' },
      heading: { type: 'string' },
      comments: { type: 'integer' },
      topLevel: { type: 'integer' },
      answered: { type: 'integer' },
      unanswered: { type: 'integer' },
    }),
  },
  themes: {
    type: 'array',
    description: 'The ten words residents used most (in how many comments), stop words left out',
    items: shape({ term: { type: 'string' }, count: { type: 'integer' } }),
  },
})
export type ConsultationResult = Output<typeof consultationResultSchema>

export const consultationSummarySchema = shape({
  id: { type: 'integer' },
  area: areaRef,
  kind: { type: 'string', enum: consultationKinds },
  title: { type: 'string' },
  summary: { type: 'string' },
  status: { type: 'string', enum: consultationStates },
  opensAt: timestamp,
  closesAt: timestamp,
  acceptingComments: { type: 'boolean', description: 'Open, and now within the comment period' },
  verifiedOnly: { type: 'boolean' },
  sectionCount: { type: 'integer' },
  commentCount: { type: 'integer' },
  publishedAt: { type: ['string', 'null'], format: 'date-time' },
})
export type ConsultationSummary = Output<typeof consultationSummarySchema>

export const consultationDetailSchema = shape({
  id: { type: 'integer' },
  area: areaRef,
  kind: { type: 'string', enum: consultationKinds },
  title: { type: 'string' },
  summary: { type: 'string' },
  status: { type: 'string', enum: consultationStates },
  opensAt: timestamp,
  closesAt: timestamp,
  acceptingComments: { type: 'boolean' },
  verifiedOnly: { type: 'boolean' },
  sections: {
    type: 'array',
    items: shape({
      id: { type: 'integer' },
      position: { type: 'integer' },
      heading: { type: 'string' },
      body: { type: 'string' },
      commentCount: { type: 'integer', description: 'Comments and replies on the section, hidden ones included' },
    }),
  },
  commentCount: { type: 'integer' },
  result: orNull(consultationResultSchema),
  finalText: nullable('string'),
  response: nullable('string'),
  publishedAt: { type: ['string', 'null'], format: 'date-time' },
  allowedActions: { type: 'array', items: { type: 'string', enum: consultationActions } },
  viewer: shape({
    staff: { type: 'boolean', description: 'The caller runs this consultation (answers officially, moderates)' },
    verified: { type: 'boolean' },
  }),
  createdAt: timestamp,
  updatedAt: timestamp,
})
export type ConsultationDetail = Output<typeof consultationDetailSchema>

// ── Keywords ──────────────────────────────────────────────────────────────────────────────────

/** Splits text into words. */
export type Cut = (text: string) => string[]

/**
 * The shared word segmenter (terms.ts), loaded here if it is not yet: route handlers await this
 * before their transaction, so loading the dictionary never holds a database connection.
 */
export async function segmenter(): Promise<Cut> {
  segment('')
  return (s: string) => segment(s, true)
}

/**
 * The ten words used in most comments, with in how many comments each occurs (a word repeated in
 * one comment counts once): words of two or more characters holding a letter, stop words left
 * out, ties in the order of the word.
 */
export function themesOf(texts: readonly string[], cut: Cut, top = 10): { term: string; count: number }[] {
  const counts = new Map<string, number>()
  for (const t of texts) {
    const words = new Set(
      cut(t)
        .map((w) => w.trim().toLowerCase())
        .filter((w) => [...w].length >= 2 && /\p{L}/u.test(w) && !stopWords.has(w)),
    )
    for (const w of words) counts.set(w, (counts.get(w) ?? 0) + 1)
  }
  return [...counts]
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    .slice(0, top)
    .map(([term, count]) => ({ term, count }))
}

// ── Reading ───────────────────────────────────────────────────────────────────────────────────

type ConsultationRow = {
  id: number
  area_id: number
  kind: string
  title: string
  summary: string
  status: string
  opens_at: Date
  closes_at: Date
  verified_only: boolean
  result: unknown
  final_text: string | null
  response: string | null
  published_at: Date | null
  created_at: Date
  updated_at: Date
}

const stateOf = (s: string): ConsultationState => consultationStates.find((x) => x === s) ?? 'draft'
const kindOf = (s: string) => consultationKinds.find((x) => x === s) ?? 'policy'

/** The state a reader sees: an open consultation past its closing time is closed. */
export const effectiveState = (c: { status: string; closes_at: Date }, now: Date): ConsultationState =>
  c.status === 'open' && now >= c.closes_at ? 'closed' : stateOf(c.status)

/** The consultation and its area's path as the caller may see it, or CONSULTATION_NOT_FOUND. */
async function loadConsultation(tx: Tx, ctx: RequestContext, consultationId: number, lock = false) {
  let q = tx
    .selectFrom('consultation')
    .select([
      'id',
      'area_id',
      'kind',
      'title',
      'summary',
      'status',
      'opens_at',
      'closes_at',
      'verified_only',
      'result',
      'final_text',
      'response',
      'published_at',
      'created_at',
      'updated_at',
    ])
    .where('id', '=', consultationId)
  if (lock) q = q.forUpdate()
  const c: ConsultationRow | undefined = await q.executeTakeFirst()
  const areaPath = c ? await areaPathOf(tx, c.area_id, null) : ''
  // A draft is its staff's alone: to anyone else it does not exist.
  if (!c || (c.status === 'draft' && !isParticipationStaff(ctx.actor, areaPath)))
    throw notFound('CONSULTATION_NOT_FOUND', `consultation ${consultationId}`, 'id')
  return { c, areaPath }
}

async function sectionsOf(tx: Tx, consultationId: number) {
  return tx
    .selectFrom('consultation_section')
    .select(['id', 'position', 'heading', 'body'])
    .where('consultation_id', '=', consultationId)
    .orderBy('position')
    .execute()
}

/**
 * The summary of the comments: per section the residents' comments and replies, the top-level
 * ones and how many of them have an official reply; who took part; the themes. Hidden comments
 * are left out; staff's own comments are answers, not comments to answer.
 */
export async function summarise(tx: Tx, consultationId: number, cut: Cut, now: Date): Promise<ConsultationResult> {
  const sections = await sectionsOf(tx, consultationId)
  const rows = await tx
    .selectFrom('participation_comment')
    .select(['id', 'section_id', 'parent_id', 'author_id', 'official', 'body'])
    .where('subject_kind', '=', 'consultation')
    .where('subject_id', '=', consultationId)
    .where('hidden_at', 'is', null)
    .orderBy('id')
    .execute()
  const residents = rows.filter((r) => !r.official)
  const answeredIds = new Set(rows.filter((r) => r.official && r.parent_id !== null).map((r) => r.parent_id!))
  const perSection = sections.map((s) => {
    const mine = residents.filter((r) => r.section_id === s.id)
    const topLevel = mine.filter((r) => r.parent_id === null)
    const answered = topLevel.filter((r) => answeredIds.has(r.id)).length
    return {
      sectionId: s.id,
      position: s.position,
      heading: s.heading,
      comments: mine.length,
      topLevel: topLevel.length,
      answered,
      unanswered: topLevel.length - answered,
    }
  })
  const answered = perSection.reduce((n, s) => n + s.answered, 0)
  const unanswered = perSection.reduce((n, s) => n + s.unanswered, 0)
  return {
    computedAt: now.toISOString(),
    comments: residents.length,
    participants: new Set(residents.map((r) => r.author_id)).size,
    answered,
    unanswered,
    sections: perSection,
    themes: themesOf(
      residents.map((r) => r.body),
      cut,
    ),
  }
}

const resultOf = (v: unknown): ConsultationResult | null => (v ? (v as ConsultationResult) : null)

/** Stores the close of a consultation whose period ran out, with its summary (staff only). */
async function storeClose(tx: Tx, c: ConsultationRow, cut: Cut, now: Date): Promise<ConsultationResult> {
  const result = await summarise(tx, c.id, cut, now)
  await tx
    .updateTable('consultation')
    .set({ status: 'closed', result: JSON.stringify(result), updated_at: now })
    .where('id', '=', c.id)
    .where('status', '=', 'open')
    .execute()
  c.status = 'closed'
  c.result = result
  return result
}

/** A consultation with its sections (and their comment counts), its summary once closed, and what the caller may do. */
export async function consultationDetail(
  tx: Tx,
  ctx: RequestContext,
  consultationId: number,
  cut: Cut,
  now: Date,
): Promise<ConsultationDetail> {
  const actor = requireActor(ctx)
  const { c, areaPath } = await loadConsultation(tx, ctx, consultationId)
  const staff = isParticipationStaff(actor, areaPath)
  const state = effectiveState(c, now)
  let result = resultOf(c.result)
  if (state !== 'draft' && state !== 'open' && !result)
    result = staff && c.status === 'open' ? await storeClose(tx, c, cut, now) : await summarise(tx, c.id, cut, now)
  const sections = await sectionsOf(tx, c.id)
  const counts = await tx
    .selectFrom('participation_comment')
    .select(['section_id', sql<number>`count(*)`.as('n')])
    .where('subject_kind', '=', 'consultation')
    .where('subject_id', '=', c.id)
    .groupBy('section_id')
    .execute()
  const countOf = (sectionId: number) => Number(counts.find((x) => x.section_id === sectionId)?.n ?? 0)
  const area = await tx
    .selectFrom('area')
    .select(['id', 'name_zh', 'name_en'])
    .where('id', '=', c.area_id)
    .executeTakeFirstOrThrow()
  return {
    id: c.id,
    area: { id: area.id, nameZh: area.name_zh, nameEn: area.name_en },
    kind: kindOf(c.kind),
    title: c.title,
    summary: c.summary,
    status: state,
    opensAt: c.opens_at.toISOString(),
    closesAt: c.closes_at.toISOString(),
    acceptingComments: consultationAccepts(c, now),
    verifiedOnly: c.verified_only,
    sections: sections.map((s) => ({ ...s, commentCount: countOf(s.id) })),
    commentCount: counts.reduce((n, x) => n + Number(x.n), 0),
    result: state === 'closed' || state === 'published' ? result : null,
    finalText: c.final_text,
    response: c.response,
    publishedAt: c.published_at?.toISOString() ?? null,
    allowedActions: consultationWorkflow.allowed(state, rolesOf(staff)),
    viewer: { staff, verified: await isVerified(tx, actor.userId) },
    createdAt: c.created_at.toISOString(),
    updatedAt: c.updated_at.toISOString(),
  }
}

const rolesOf = (staff: boolean): ReadonlySet<'organiser'> => new Set(staff ? (['organiser'] as const) : [])

/** Paths of the areas where the caller runs participation (where they also see drafts). */
/**
 * Consultations on the caller's branch: open ones first (closing soonest), then the rest, latest
 * period first. Drafts only for their staff.
 */
export async function listConsultations(
  tx: Tx,
  ctx: RequestContext,
  f: ConsultationListQuery,
  now: Date,
): Promise<Page<ConsultationSummary>> {
  const actor = requireActor(ctx)
  const paths = staffPaths(actor)
  const within = f.areaId !== undefined ? await areaPathOf(tx, f.areaId) : null
  const filtered = () => {
    let q = tx.selectFrom('consultation as c').innerJoin('area as a', 'a.id', 'c.area_id')
    q = q.where((eb) => eb.or([eb('c.status', '!=', 'draft'), ...paths.map((p) => eb('a.path', 'like', `${p}%`))]))
    if (within) q = q.where('a.path', 'like', `${within}%`)
    if (f.kind) q = q.where('c.kind', '=', f.kind)
    if (f.status === 'open') q = q.where('c.status', '=', 'open').where('c.closes_at', '>', now)
    else if (f.status === 'closed')
      q = q.where((eb) =>
        eb.or([eb('c.status', '=', 'closed'), eb.and([eb('c.status', '=', 'open'), eb('c.closes_at', '<=', now)])]),
      )
    else if (f.status) q = q.where('c.status', '=', f.status)
    return q
  }
  const total = await filtered().select(sql<number>`count(*)`.as('n')).executeTakeFirstOrThrow()
  const rows = await filtered()
    .select([
      'c.id',
      'c.area_id',
      'a.name_zh',
      'a.name_en',
      'c.kind',
      'c.title',
      'c.summary',
      'c.status',
      'c.opens_at',
      'c.closes_at',
      'c.verified_only',
      'c.published_at',
      (eb) =>
        eb
          .selectFrom('consultation_section as s')
          .select(sql<number>`count(*)`.as('n'))
          .whereRef('s.consultation_id', '=', 'c.id')
          .as('section_count'),
      (eb) =>
        eb
          .selectFrom('participation_comment as m')
          .select(sql<number>`count(*)`.as('n'))
          .where('m.subject_kind', '=', 'consultation')
          .whereRef('m.subject_id', '=', 'c.id')
          .as('comment_count'),
    ])
    .orderBy(sql`case when c.status = 'open' and c.closes_at > ${now} then 0 when c.status = 'draft' then 1 else 2 end`)
    .orderBy(sql`case when c.status = 'open' and c.closes_at > ${now} then c.closes_at end asc`)
    .orderBy('c.closes_at', 'desc')
    .orderBy('c.id', 'desc')
    .limit(f.pageSize)
    .offset(offsetOf(f))
    .execute()
  return paginate(
    f,
    rows.map((r) => ({
      id: r.id,
      area: { id: r.area_id, nameZh: r.name_zh, nameEn: r.name_en },
      kind: kindOf(r.kind),
      title: r.title,
      summary: r.summary,
      status: effectiveState(r, now),
      opensAt: r.opens_at.toISOString(),
      closesAt: r.closes_at.toISOString(),
      acceptingComments: consultationAccepts(r, now),
      verifiedOnly: r.verified_only,
      sectionCount: Number(r.section_count ?? 0),
      commentCount: Number(r.comment_count ?? 0),
      publishedAt: r.published_at?.toISOString() ?? null,
    })),
    Number(total.n),
  )
}

// ── Writing ───────────────────────────────────────────────────────────────────────────────────

/** The draft's fields checked: a real period, no empty title or section. */
function checked(input: ConsultationInput) {
  const title = input.title.trim()
  if (!title) throw new AppError('VALIDATION_FAILED', 'the title is empty', 'title')
  const summary = input.summary.trim()
  if (!summary) throw new AppError('VALIDATION_FAILED', 'the summary is empty', 'summary')
  const opensAt = new Date(input.opensAt)
  const closesAt = new Date(input.closesAt)
  if (!(closesAt > opensAt)) throw new AppError('VALIDATION_FAILED', 'the period must close after it opens', 'closesAt')
  if (closesAt.getTime() - opensAt.getTime() > MAX_PERIOD_DAYS * DAY)
    throw new AppError('VALIDATION_FAILED', `a comment period lasts at most ${MAX_PERIOD_DAYS} days`, 'closesAt')
  const sections = input.sections.map((s, i) => {
    const heading = s.heading.trim()
    const text = s.body.trim()
    if (!heading) throw new AppError('VALIDATION_FAILED', `section ${i + 1} has no heading`, `sections[${i}].heading`)
    if (!text) throw new AppError('VALIDATION_FAILED', `section ${i + 1} has no text`, `sections[${i}].body`)
    return { position: i + 1, heading, body: text }
  })
  return { title, summary, opensAt, closesAt, sections }
}

async function writeSections(tx: Tx, consultationId: number, sections: ReturnType<typeof checked>['sections']) {
  await tx
    .insertInto('consultation_section')
    .values(sections.map((s) => ({ consultation_id: consultationId, ...s })))
    .execute()
}

/** A new draft, by staff of its area. */
export async function createConsultation(
  tx: Tx,
  ctx: RequestContext,
  input: ConsultationInput,
  now: Date,
): Promise<number> {
  const areaPath = await areaPathOf(tx, input.areaId)
  const actor = requireParticipationStaff(ctx, areaPath)
  const v = checked(input)
  const row = await tx
    .insertInto('consultation')
    .values({
      area_id: input.areaId,
      kind: input.kind,
      title: v.title,
      summary: v.summary,
      opens_at: v.opensAt,
      closes_at: v.closesAt,
      status: 'draft',
      verified_only: input.verifiedOnly,
      created_by: actor.userId,
      created_at: now,
      updated_at: now,
    })
    .returning('id')
    .executeTakeFirstOrThrow()
  await writeSections(tx, row.id, v.sections)
  return row.id
}

/** Replaces a draft: its fields and all its sections (in the order given). Drafts only. */
export async function replaceConsultation(
  tx: Tx,
  ctx: RequestContext,
  consultationId: number,
  input: ConsultationInput,
  now: Date,
): Promise<void> {
  const { c, areaPath } = await loadConsultation(tx, ctx, consultationId, true)
  requireParticipationStaff(ctx, areaPath)
  if (c.status !== 'draft')
    throw new AppError(
      'CONSULTATION_ILLEGAL_TRANSITION',
      `only a draft can be changed; this consultation is ${effectiveState(c, now)}`,
      'id',
      {},
      {
        state: effectiveState(c, now),
        allowedActions: consultationWorkflow.allowed(effectiveState(c, now), rolesOf(true)),
      },
    )
  if (input.areaId !== c.area_id) requireParticipationStaff(ctx, await areaPathOf(tx, input.areaId))
  const v = checked(input)
  await tx
    .updateTable('consultation')
    .set({
      area_id: input.areaId,
      kind: input.kind,
      title: v.title,
      summary: v.summary,
      opens_at: v.opensAt,
      closes_at: v.closesAt,
      verified_only: input.verifiedOnly,
      updated_at: now,
    })
    .where('id', '=', c.id)
    .execute()
  await tx.deleteFrom('consultation_section').where('consultation_id', '=', c.id).execute()
  await writeSections(tx, c.id, v.sections)
}

/** Residents who commented (for telling them of the close and the publication). */
async function commenters(tx: Tx, consultationId: number): Promise<number[]> {
  const rows = await tx
    .selectFrom('participation_comment')
    .select('author_id')
    .distinct()
    .where('subject_kind', '=', 'consultation')
    .where('subject_id', '=', consultationId)
    .where('official', '=', false)
    .execute()
  return rows.map((r) => r.author_id)
}

/**
 * open (a draft, whose period has not ended), close (early; at the end of the period it closes by
 * itself) and publish (the adopted text and the response to the comments). Closing sums up the
 * comments into the result; commenters are told of the close and of the publication.
 */
export async function performConsultationAction(
  tx: Tx,
  ctx: RequestContext,
  consultationId: number,
  input: ConsultationActionInput,
  cut: Cut,
  now: Date,
): Promise<void> {
  const { c, areaPath } = await loadConsultation(tx, ctx, consultationId, true)
  requireParticipationStaff(ctx, areaPath)
  // A period that ran out closed the consultation; store that first, then judge the action.
  if (c.status === 'open' && effectiveState(c, now) === 'closed') await storeClose(tx, c, cut, now)
  const to = consultationWorkflow.check(stateOf(c.status), input.action, rolesOf(true))
  if (input.action !== 'publish') {
    if (input.finalText !== undefined)
      throw new AppError('VALIDATION_FAILED', 'the final text is given when publishing', 'finalText')
    if (input.response !== undefined)
      throw new AppError('VALIDATION_FAILED', 'the response is given when publishing', 'response')
  }
  const tell = async (kind: string) =>
    tellParticipants(tx, await commenters(tx, c.id), {
      subjectKind: 'consultation',
      subjectId: c.id,
      kind,
      params: { title: c.title },
      at: now,
    })
  switch (input.action) {
    case 'open':
      if (c.closes_at <= now)
        throw new AppError(
          'VALIDATION_FAILED',
          'the comment period has already ended: change its dates before opening',
          'closesAt',
        )
      await tx.updateTable('consultation').set({ status: to, updated_at: now }).where('id', '=', c.id).execute()
      break
    case 'close': {
      const result = await summarise(tx, c.id, cut, now)
      await tx
        .updateTable('consultation')
        .set({ status: to, result: JSON.stringify(result), updated_at: now })
        .where('id', '=', c.id)
        .execute()
      await tell('consultation_closed')
      break
    }
    case 'publish': {
      const finalText = input.finalText?.trim()
      const response = input.response?.trim()
      if (!finalText) throw new AppError('VALIDATION_FAILED', 'publishing needs the adopted final text', 'finalText')
      if (!response)
        throw new AppError('VALIDATION_FAILED', 'publishing needs the response to the main comments', 'response')
      await tx
        .updateTable('consultation')
        .set({ status: to, final_text: finalText, response, published_at: now, updated_at: now })
        .where('id', '=', c.id)
        .execute()
      await tell('consultation_published')
      break
    }
  }
  await recordAudit(tx, ctx, {
    action: `consultation.${input.action}`,
    entityType: 'consultation',
    entityId: c.id,
    areaId: c.area_id,
    detail: { from: c.status, to },
  })
}
