import { sql } from 'kysely'
import { recordAudit } from '../audit/service.js'
import type { Tx } from '../core/db.js'
import { AppError, notFound } from '../core/errors.js'
import type { Input, Output } from '../core/http.js'
import { offsetOf, pageQuerySchema, paginate } from '../core/paging.js'
import { body, id, nullable, orNull, shape, text, timestamp } from '../core/schemas.js'
import { requireActor, type RequestContext } from '../core/scope.js'
import { areaPathOf } from '../jurisdiction/service.js'
import {
  homeAreaId,
  isParticipationStaff,
  isVerified,
  requireParticipationStaff,
  tellParticipants,
  staffPaths,
} from './common.js'

// Surveys (问卷调查): staff build a questionnaire for an area subtree (single and multiple choice,
// scales, free text, required or optional, simple branching "show B if A = x"), open it and close
// it; residents of the subtree answer once each (a unique constraint decides, not a check), or
// anyone holding a one-time link answers once through it. Results and the export are in
// survey-results.ts, answering and links in survey-answers.ts.

export const questionKinds = ['single', 'multiple', 'scale', 'text'] as const
export type QuestionKind = (typeof questionKinds)[number]
export const surveyStates = ['draft', 'scheduled', 'open', 'closed'] as const
export type SurveyState = (typeof surveyStates)[number]
export const surveyActions = ['open', 'close'] as const

/** At most this many questions, options per choice question, points on a scale. */
export const MAX_QUESTIONS = 100
export const MAX_OPTIONS = 20
export const MAX_SCALE_POINTS = 11

const questionInput = body(['kind', 'prompt'], {
  kind: { type: 'string', enum: questionKinds },
  prompt: text(500),
  options: {
    type: 'array',
    maxItems: MAX_OPTIONS,
    items: text(200),
    description: `single and multiple: 2–${MAX_OPTIONS} distinct options; none for scale and text`,
  },
  required: { type: 'boolean', default: true },
  scaleMin: { type: 'integer', minimum: -100, maximum: 100, description: 'scale only; default 1' },
  scaleMax: {
    type: 'integer',
    minimum: -100,
    maximum: 100,
    description: `scale only; default 5; at most ${MAX_SCALE_POINTS} points`,
  },
  showIf: {
    ...body(['position', 'option'], {
      position: { type: 'integer', minimum: 1, maximum: MAX_QUESTIONS },
      option: { type: 'integer', minimum: 0, maximum: MAX_OPTIONS - 1 },
    }),
    description:
      'Branching: the question is shown only when the earlier choice question at `position` was answered with option index `option` (0-based)',
  },
})

export const surveyBody = body(['areaId', 'title', 'questions'], {
  areaId: { ...id, description: 'The audience: residents of this area and every area below it' },
  title: text(200),
  description: { type: 'string', maxLength: 4000, default: '' },
  verifiedOnly: { type: 'boolean', default: false, description: 'Only residents verified against the registry answer' },
  opensAt: { ...timestamp, description: 'Answers are taken from then on (once opened); default at once' },
  closesAt: { ...timestamp, description: 'Answers are refused from then on; default when closed by hand' },
  questions: { type: 'array', maxItems: MAX_QUESTIONS, items: questionInput },
})
export type SurveyInput = Input<typeof surveyBody>
export type QuestionInput = SurveyInput['questions'][number]

export const surveyActionBody = body(['action'], { action: { type: 'string', enum: surveyActions } })

export const surveyListQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    ...pageQuerySchema,
    state: { type: 'string', enum: surveyStates },
  },
} as const

const areaName = { areaNameZh: { type: 'string' }, areaNameEn: { type: 'string' } } as const

const surveyFields = {
  id: { type: 'integer' },
  areaId: { type: 'integer' },
  ...areaName,
  title: { type: 'string' },
  description: { type: 'string' },
  state: { type: 'string', enum: surveyStates },
  opensAt: { type: ['string', 'null'], format: 'date-time' },
  closesAt: { type: ['string', 'null'], format: 'date-time' },
  verifiedOnly: { type: 'boolean' },
  responseCount: {
    ...nullable('integer'),
    description: 'null with responseCountSuppressed when fewer than 5 and the caller is not staff',
  },
  responseCountSuppressed: { type: 'boolean' },
  questionCount: { type: 'integer' },
  answered: { type: 'boolean', description: 'Whether the caller has answered it' },
  canManage: { type: 'boolean', description: 'Whether the caller runs it (staff of its area)' },
  createdAt: timestamp,
  updatedAt: timestamp,
} as const

export const surveySummarySchema = shape(surveyFields)

export const questionSchema = shape({
  id: { type: 'integer' },
  position: { type: 'integer' },
  kind: { type: 'string', enum: questionKinds },
  prompt: { type: 'string' },
  options: { type: 'array', items: { type: 'string' } },
  required: { type: 'boolean' },
  scaleMin: nullable('integer'),
  scaleMax: nullable('integer'),
  showIf: orNull(shape({ position: { type: 'integer' }, option: { type: 'integer' } })),
})
export type QuestionView = Output<typeof questionSchema>

export const surveyDetailSchema = shape({
  ...surveyFields,
  questions: { type: 'array', items: questionSchema },
  answeredAt: { type: ['string', 'null'], format: 'date-time' },
  /** Why the caller cannot answer now, or null when they can. */
  answerBlock: {
    type: ['string', 'null'],
    enum: ['answered', 'not_open', 'verification', 'outside_area', null],
  },
  links: orNull(
    shape({
      created: { type: 'integer' },
      used: { type: 'integer' },
    }),
  ),
})
export type SurveyDetail = Output<typeof surveyDetailSchema>

/** Below this count, results shown to anyone but the survey's staff are suppressed. */
export const SUPPRESS_BELOW = 5

// ── State ────────────────────────────────────────────────────────────────────────────────────

export interface SurveyRow {
  id: number
  area_id: number
  title: string
  description: string
  status: string
  opens_at: Date | null
  closes_at: Date | null
  verified_only: boolean
  response_count: number
  created_by: number
  created_at: Date
  updated_at: Date
}

/** The state as callers see it: an open survey before its opensAt is scheduled, after its closesAt closed. */
export function stateOf(s: Pick<SurveyRow, 'status' | 'opens_at' | 'closes_at'>, now: Date): SurveyState {
  if (s.status === 'draft') return 'draft'
  if (s.status === 'closed') return 'closed'
  if (s.closes_at && s.closes_at <= now) return 'closed'
  if (s.opens_at && s.opens_at > now) return 'scheduled'
  return 'open'
}

/** Paths of the areas the caller runs participation in. */
/**
 * A survey the caller may see, with its area's path: row-level security confines it to the
 * caller's branch of the tree; drafts and scheduled surveys are their staff's only.
 */
export async function loadSurvey(
  tx: Tx,
  ctx: RequestContext,
  surveyId: number,
  now: Date,
  opts: { forUpdate?: boolean } = {},
): Promise<SurveyRow & { path: string; staff: boolean }> {
  let q = tx
    .selectFrom('survey as s')
    .innerJoin('area as a', 'a.id', 's.area_id')
    .select([
      's.id',
      's.area_id',
      's.title',
      's.description',
      's.status',
      's.opens_at',
      's.closes_at',
      's.verified_only',
      's.response_count',
      's.created_by',
      's.created_at',
      's.updated_at',
      'a.path',
    ])
    .where('s.id', '=', surveyId)
  if (opts.forUpdate) q = q.forUpdate('s')
  const s = await q.executeTakeFirst()
  if (!s) throw notFound('SURVEY_NOT_FOUND', `survey ${surveyId}`)
  const staff = isParticipationStaff(ctx.actor, s.path)
  const state = stateOf(s, now)
  if (!staff && (state === 'draft' || state === 'scheduled')) throw notFound('SURVEY_NOT_FOUND', `survey ${surveyId}`)
  return { ...s, staff }
}

// ── Building ─────────────────────────────────────────────────────────────────────────────────

interface QuestionRow {
  position: number
  kind: QuestionKind
  prompt: string
  options: string[]
  required: boolean
  scale_min: number | null
  scale_max: number | null
  show_if_position: number | null
  show_if_option: number | null
}

const isChoice = (kind: string) => kind === 'single' || kind === 'multiple'

/** The questions as stored, checked one by one; a problem names `questions[i].<field>`. */
export function checkQuestions(questions: QuestionInput[]): QuestionRow[] {
  return questions.map((q, i) => {
    const field = (f: string) => `questions[${i}].${f}`
    const bad = (f: string, message: string) => new AppError('VALIDATION_FAILED', message, field(f))
    const prompt = q.prompt.trim()
    if (!prompt) throw bad('prompt', 'the question has no text')
    const options = (q.options ?? []).map((o) => o.trim())
    if (isChoice(q.kind)) {
      if (options.length < 2 || options.length > MAX_OPTIONS)
        throw bad('options', `a choice question has 2 to ${MAX_OPTIONS} options`)
      const blank = options.findIndex((o) => !o)
      if (blank >= 0) throw new AppError('VALIDATION_FAILED', 'an option has no text', `${field('options')}[${blank}]`)
      const twice = options.findIndex((o, j) => options.indexOf(o) !== j)
      if (twice >= 0) throw new AppError('VALIDATION_FAILED', 'options must differ', `${field('options')}[${twice}]`)
    } else if (options.length > 0) throw bad('options', `a ${q.kind} question has no options`)
    let scaleMin: number | null = null
    let scaleMax: number | null = null
    if (q.kind === 'scale') {
      scaleMin = q.scaleMin ?? 1
      scaleMax = q.scaleMax ?? 5
      if (scaleMax <= scaleMin) throw bad('scaleMax', 'scaleMax must be above scaleMin')
      if (scaleMax - scaleMin + 1 > MAX_SCALE_POINTS)
        throw bad('scaleMax', `a scale has at most ${MAX_SCALE_POINTS} points`)
    } else if (q.scaleMin !== undefined || q.scaleMax !== undefined)
      throw bad(q.scaleMin !== undefined ? 'scaleMin' : 'scaleMax', 'only a scale question has a range')
    let showIf: { position: number; option: number } | null = null
    if (q.showIf) {
      const { position, option } = q.showIf
      if (position >= i + 1)
        throw new AppError(
          'VALIDATION_FAILED',
          'a question can depend only on an earlier one',
          field('showIf.position'),
        )
      const on = questions[position - 1]!
      if (!isChoice(on.kind))
        throw new AppError(
          'VALIDATION_FAILED',
          'a question can depend only on a single or multiple choice question',
          field('showIf.position'),
        )
      if (option >= (on.options ?? []).length)
        throw new AppError('VALIDATION_FAILED', 'that question has no such option', field('showIf.option'))
      showIf = { position, option }
    }
    return {
      position: i + 1,
      kind: q.kind,
      prompt,
      options,
      required: q.required,
      scale_min: scaleMin,
      scale_max: scaleMax,
      show_if_position: showIf?.position ?? null,
      show_if_option: showIf?.option ?? null,
    }
  })
}

function checkWindow(input: Pick<SurveyInput, 'opensAt' | 'closesAt'>) {
  const opensAt = input.opensAt ? new Date(input.opensAt) : null
  const closesAt = input.closesAt ? new Date(input.closesAt) : null
  if (opensAt && closesAt && closesAt <= opensAt)
    throw new AppError('VALIDATION_FAILED', 'closesAt must be after opensAt', 'closesAt')
  return { opensAt, closesAt }
}

async function writeQuestions(tx: Tx, surveyId: number, questions: QuestionRow[]) {
  if (questions.length === 0) return
  await tx
    .insertInto('survey_question')
    .values(questions.map((q) => ({ survey_id: surveyId, ...q })))
    .execute()
}

/** A new draft survey (staff of its area). */
export async function createSurvey(tx: Tx, ctx: RequestContext, input: SurveyInput, now: Date): Promise<number> {
  const path = await areaPathOf(tx, input.areaId)
  const actor = requireParticipationStaff(ctx, path)
  const questions = checkQuestions(input.questions)
  const { opensAt, closesAt } = checkWindow(input)
  const s = await tx
    .insertInto('survey')
    .values({
      area_id: input.areaId,
      title: input.title.trim() || input.title,
      description: input.description,
      status: 'draft',
      opens_at: opensAt,
      closes_at: closesAt,
      verified_only: input.verifiedOnly,
      created_by: actor.userId,
      created_at: now,
      updated_at: now,
    })
    .returning('id')
    .executeTakeFirstOrThrow()
  await writeQuestions(tx, s.id, questions)
  await recordAudit(tx, ctx, {
    action: 'survey.create',
    entityType: 'survey',
    entityId: s.id,
    areaId: input.areaId,
    detail: { questions: questions.length },
  })
  return s.id
}

/** Replaces a draft: its area, texts, window and every question. */
export async function replaceSurvey(
  tx: Tx,
  ctx: RequestContext,
  surveyId: number,
  input: SurveyInput,
  now: Date,
): Promise<void> {
  const s = await loadSurvey(tx, ctx, surveyId, now, { forUpdate: true })
  requireParticipationStaff(ctx, s.path)
  if (s.status !== 'draft')
    throw new AppError('SURVEY_ILLEGAL_TRANSITION', 'only a draft can be changed', null, {}, { state: stateOf(s, now) })
  if (input.areaId !== s.area_id) requireParticipationStaff(ctx, await areaPathOf(tx, input.areaId))
  const questions = checkQuestions(input.questions)
  const { opensAt, closesAt } = checkWindow(input)
  await tx
    .updateTable('survey')
    .set({
      area_id: input.areaId,
      title: input.title.trim() || input.title,
      description: input.description,
      opens_at: opensAt,
      closes_at: closesAt,
      verified_only: input.verifiedOnly,
      updated_at: now,
    })
    .where('id', '=', surveyId)
    .execute()
  await tx.deleteFrom('survey_question').where('survey_id', '=', surveyId).execute()
  await writeQuestions(tx, surveyId, questions)
  await recordAudit(tx, ctx, {
    action: 'survey.update',
    entityType: 'survey',
    entityId: surveyId,
    areaId: input.areaId,
    detail: { questions: questions.length },
  })
}

/** open: draft → open (with questions, before its closesAt); close: open → closed, respondents told. */
export async function surveyAction(
  tx: Tx,
  ctx: RequestContext,
  surveyId: number,
  input: Input<typeof surveyActionBody>,
  now: Date,
): Promise<void> {
  const s = await loadSurvey(tx, ctx, surveyId, now, { forUpdate: true })
  requireParticipationStaff(ctx, s.path)
  const state = stateOf(s, now)
  const illegal = () =>
    new AppError(
      'SURVEY_ILLEGAL_TRANSITION',
      `cannot ${input.action} a survey that is ${state}`,
      'action',
      {},
      {
        state,
        allowed: state === 'draft' ? ['open'] : state === 'closed' ? [] : ['close'],
      },
    )
  if (input.action === 'open') {
    if (s.status !== 'draft') throw illegal()
    const questions = await tx
      .selectFrom('survey_question')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('survey_id', '=', surveyId)
      .executeTakeFirstOrThrow()
    if (Number(questions.n) === 0)
      throw new AppError(
        'SURVEY_ILLEGAL_TRANSITION',
        'a survey without questions cannot be opened',
        'questions',
        {},
        {
          state,
          allowed: ['open'],
        },
      )
    if (s.closes_at && s.closes_at <= now)
      throw new AppError('VALIDATION_FAILED', 'its closesAt has passed: change the draft first', 'closesAt')
    await tx.updateTable('survey').set({ status: 'open', updated_at: now }).where('id', '=', surveyId).execute()
  } else {
    if (state === 'draft' || state === 'closed') throw illegal()
    await tx
      .updateTable('survey')
      .set({ status: 'closed', closes_at: s.closes_at && s.closes_at < now ? s.closes_at : now, updated_at: now })
      .where('id', '=', surveyId)
      .execute()
    // Respondents with an account hear that the results are out (digest or at once, as they chose).
    const respondents = await tx
      .selectFrom('survey_response')
      .select('user_id')
      .where('survey_id', '=', surveyId)
      .where('user_id', 'is not', null)
      .execute()
    await tellParticipants(
      tx,
      respondents.map((r) => r.user_id!),
      { subjectKind: 'survey', subjectId: surveyId, kind: 'survey_closed', params: { title: s.title }, at: now },
    )
  }
  await recordAudit(tx, ctx, {
    action: `survey.${input.action}`,
    entityType: 'survey',
    entityId: surveyId,
    areaId: s.area_id,
  })
}

// ── Reading ──────────────────────────────────────────────────────────────────────────────────

interface ListedRow extends SurveyRow {
  path: string
  name_zh: string
  name_en: string
  question_count: number | null
  answered_at: Date | null
}

/** What a non-staff caller learns of a count: null below the suppression limit. */
export function suppress(n: number, exact: boolean): { value: number | null; suppressed: boolean } {
  return exact || n >= SUPPRESS_BELOW ? { value: n, suppressed: false } : { value: null, suppressed: true }
}

function present(r: ListedRow, ctx: RequestContext, now: Date): Output<typeof surveySummarySchema> {
  const canManage = isParticipationStaff(ctx.actor, r.path)
  const count = suppress(r.response_count, canManage)
  return {
    id: r.id,
    areaId: r.area_id,
    areaNameZh: r.name_zh,
    areaNameEn: r.name_en,
    title: r.title,
    description: r.description,
    state: stateOf(r, now),
    opensAt: r.opens_at?.toISOString() ?? null,
    closesAt: r.closes_at?.toISOString() ?? null,
    verifiedOnly: r.verified_only,
    responseCount: count.value,
    responseCountSuppressed: count.suppressed,
    questionCount: Number(r.question_count ?? 0),
    answered: r.answered_at !== null,
    canManage,
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
  }
}

function listed(tx: Tx, ctx: RequestContext) {
  const me = ctx.actor?.userId ?? 0
  return tx
    .selectFrom('survey as s')
    .innerJoin('area as a', 'a.id', 's.area_id')
    .leftJoin('survey_response as mine', (j) => j.onRef('mine.survey_id', '=', 's.id').on('mine.user_id', '=', me))
    .select((eb) => [
      's.id',
      's.area_id',
      's.title',
      's.description',
      's.status',
      's.opens_at',
      's.closes_at',
      's.verified_only',
      's.response_count',
      's.created_by',
      's.created_at',
      's.updated_at',
      'a.path',
      'a.name_zh',
      'a.name_en',
      'mine.created_at as answered_at',
      eb
        .selectFrom('survey_question as q')
        .select(eb.fn.countAll<number>().as('n'))
        .whereRef('q.survey_id', '=', 's.id')
        .as('question_count'),
    ])
}

/**
 * The surveys on the caller's branch of the area tree (row-level security): open and closed ones
 * for everybody, drafts and scheduled ones only where the caller is staff; open ones first.
 */
export async function listSurveys(tx: Tx, ctx: RequestContext, query: Input<typeof surveyListQuery>, now: Date) {
  requireActor(ctx)
  const paths = staffPaths(ctx.actor)
  let base = tx
    .selectFrom('survey as s')
    .innerJoin('area as a', 'a.id', 's.area_id')
    .where((eb) =>
      eb.or([
        eb.and([eb('s.status', '<>', 'draft'), eb.or([eb('s.opens_at', 'is', null), eb('s.opens_at', '<=', now)])]),
        ...paths.map((p) => eb('a.path', 'like', `${p}%`)),
      ]),
    )
  const state = query.state
  if (state === 'draft') base = base.where('s.status', '=', 'draft')
  if (state === 'scheduled') base = base.where('s.status', '=', 'open').where('s.opens_at', '>', now)
  if (state === 'open')
    base = base
      .where('s.status', '=', 'open')
      .where((eb) => eb.or([eb('s.opens_at', 'is', null), eb('s.opens_at', '<=', now)]))
      .where((eb) => eb.or([eb('s.closes_at', 'is', null), eb('s.closes_at', '>', now)]))
  if (state === 'closed')
    base = base.where((eb) =>
      eb.or([eb('s.status', '=', 'closed'), eb.and([eb('s.status', '=', 'open'), eb('s.closes_at', '<=', now)])]),
    )
  const ids = await base
    .select('s.id')
    .orderBy(
      sql`case when s.status = 'open' and (s.closes_at is null or s.closes_at > ${now}) then 0 when s.status = 'draft' then 1 else 2 end`,
    )
    .orderBy('s.id', 'desc')
    .limit(query.pageSize)
    .offset(offsetOf(query))
    .execute()
  const total = await base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()
  const rows = ids.length
    ? await listed(tx, ctx)
        .where(
          's.id',
          'in',
          ids.map((r) => r.id),
        )
        .execute()
    : []
  const byId = new Map(rows.map((r) => [r.id, r]))
  return paginate(
    query,
    ids.map((r) => present(byId.get(r.id)!, ctx, now)),
    Number(total.n),
  )
}

export async function questionsOf(tx: Tx, surveyId: number): Promise<QuestionView[]> {
  const rows = await tx
    .selectFrom('survey_question')
    .selectAll()
    .where('survey_id', '=', surveyId)
    .orderBy('position')
    .execute()
  return rows.map((q) => ({
    id: q.id,
    position: q.position,
    kind: q.kind as QuestionKind,
    prompt: q.prompt,
    options: q.options,
    required: q.required,
    scaleMin: q.scale_min,
    scaleMax: q.scale_max,
    showIf:
      q.show_if_position !== null && q.show_if_option !== null
        ? { position: q.show_if_position, option: q.show_if_option }
        : null,
  }))
}

/**
 * Whether the caller belongs to the audience: their home area (verified registry area, else the
 * deepest grant) lies in the survey's area subtree.
 */
export async function inAudience(tx: Tx, homeArea: number | null, surveyPath: string): Promise<boolean> {
  if (homeArea === null) return false
  const a = await tx.selectFrom('area').select('path').where('id', '=', homeArea).executeTakeFirst()
  return !!a && a.path.startsWith(surveyPath)
}

/** A survey with its questions, whether and when the caller answered, and what stops them answering. */
export async function surveyDetail(tx: Tx, ctx: RequestContext, surveyId: number, now: Date): Promise<SurveyDetail> {
  const s = await loadSurvey(tx, ctx, surveyId, now)
  const row = await listed(tx, ctx).where('s.id', '=', surveyId).executeTakeFirstOrThrow()
  const summary = present(row, ctx, now)
  const actor = requireActor(ctx)
  let answerBlock: SurveyDetail['answerBlock'] = null
  if (row.answered_at) answerBlock = 'answered'
  else if (summary.state !== 'open') answerBlock = 'not_open'
  else if (!(await inAudience(tx, await homeAreaId(tx, actor), s.path))) answerBlock = 'outside_area'
  else if (s.verified_only && !(await isVerified(tx, actor.userId))) answerBlock = 'verification'
  let links: SurveyDetail['links'] = null
  if (s.staff) {
    const l = await tx
      .selectFrom('survey_link')
      .select((eb) => [eb.fn.countAll<number>().as('created'), eb.fn.count<number>('used_at').as('used')])
      .where('survey_id', '=', surveyId)
      .executeTakeFirstOrThrow()
    links = { created: Number(l.created), used: Number(l.used) }
  }
  return {
    ...summary,
    questions: await questionsOf(tx, surveyId),
    answeredAt: row.answered_at?.toISOString() ?? null,
    answerBlock,
    links,
  }
}
