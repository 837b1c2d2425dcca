import { randomBytes } from 'node:crypto'
import { recordAudit } from '../audit/service.js'
import type { Tx } from '../core/db.js'
import { AppError } from '../core/errors.js'
import type { Input, Output } from '../core/http.js'
import { sha256Hex } from '../core/privacy.js'
import { body, nullable, shape, timestamp } from '../core/schemas.js'
import type { RequestContext } from '../core/scope.js'
import { homeAreaId, requireParticipationStaff, requireVerified } from './common.js'
import {
  inAudience,
  loadSurvey,
  MAX_OPTIONS,
  MAX_QUESTIONS,
  questionSchema,
  questionsOf,
  type QuestionView,
  stateOf,
  surveyStates,
} from './surveys.js'

// Answering a survey: signed in (one response per account, decided by the unique constraint on
// (survey_id, user_id)), or anonymously through a one-time link (the link's used_at, set by an
// update that only one request can win, and the unique link_hash). Every answer is checked against
// the questions as the respondent saw them: branching decides which are shown, a shown required
// one must be answered, a hidden one must not be.

const answerValue = body([], {
  choices: {
    type: 'array',
    maxItems: MAX_OPTIONS,
    items: { type: 'integer', minimum: 0, maximum: 99 },
    description: 'single: one option index (0-based); multiple: one or more',
  },
  scale: { type: 'integer', minimum: -1000, maximum: 1000, description: 'scale: a point of the scale' },
  text: { type: 'string', maxLength: 2000, description: 'text: the answer' },
})

export const answersBody = body(['answers'], {
  answers: {
    type: 'object',
    maxProperties: MAX_QUESTIONS,
    propertyNames: { pattern: '^[1-9][0-9]{0,2}$' },
    additionalProperties: answerValue,
    description:
      'Answers by question position ("1", "2", …); questions left out are unanswered. A problem names answers.<position>.',
  },
})
export type AnswersInput = Input<typeof answersBody>

export const answeredSchema = shape({
  surveyId: { type: 'integer' },
  answeredAt: timestamp,
})

type AnswerCode = 'SURVEY_ANSWER_MISSING' | 'SURVEY_ANSWER_INVALID'

export interface CheckedAnswer {
  question_id: number
  choices: number[] | null
  scale: number | null
  text: string | null
}

type AnswerValue = AnswersInput['answers'][string]

const given = (a: AnswerValue | undefined): a is AnswerValue =>
  !!a && ((a.choices?.length ?? 0) > 0 || a.scale !== undefined || (a.text ?? '').trim() !== '')

/**
 * The answers to store, checked against the questions. Every problem is found, by position; the
 * error is the first one's (naming answers.<position>) and its details list them all, so a form
 * can mark each question.
 */
export function checkAnswers(questions: QuestionView[], answers: AnswersInput['answers']): CheckedAnswer[] {
  const problems: Record<string, { code: AnswerCode; message: string }> = {}
  const byPosition = new Map(questions.map((q) => [q.position, q]))
  for (const key of Object.keys(answers))
    if (!byPosition.has(Number(key)))
      problems[key] = { code: 'SURVEY_ANSWER_INVALID', message: `there is no question ${key}` }
  const shown = new Map<number, boolean>()
  const out: CheckedAnswer[] = []
  for (const q of questions) {
    const a = answers[String(q.position)]
    const problem = (code: AnswerCode, message: string) => {
      problems[String(q.position)] = { code, message: `question ${q.position}: ${message}` }
    }
    const parent = q.showIf ? answers[String(q.showIf.position)] : undefined
    const visible =
      !q.showIf || (shown.get(q.showIf.position) === true && (parent?.choices ?? []).includes(q.showIf.option))
    shown.set(q.position, visible)
    if (!visible) {
      if (given(a)) problem('SURVEY_ANSWER_INVALID', 'is not shown for your earlier answers; leave it out')
      continue
    }
    if (!given(a)) {
      if (q.required) problem('SURVEY_ANSWER_MISSING', 'is required')
      continue
    }
    const choices = a.choices ?? []
    const others = (what: string) =>
      (what !== 'choices' && choices.length > 0) ||
      (what !== 'scale' && a.scale !== undefined) ||
      (what !== 'text' && (a.text ?? '').trim() !== '')
    if (q.kind === 'single' || q.kind === 'multiple') {
      if (others('choices')) problem('SURVEY_ANSWER_INVALID', 'takes choices only')
      else if (choices.length === 0) problem('SURVEY_ANSWER_INVALID', 'choose an option')
      else if (q.kind === 'single' && choices.length > 1) problem('SURVEY_ANSWER_INVALID', 'takes one choice only')
      else if (choices.some((c) => c >= q.options.length))
        problem('SURVEY_ANSWER_INVALID', `has options 0 to ${q.options.length - 1} only`)
      else if (new Set(choices).size !== choices.length) problem('SURVEY_ANSWER_INVALID', 'an option is chosen twice')
      else out.push({ question_id: q.id, choices: [...choices].sort((x, y) => x - y), scale: null, text: null })
    } else if (q.kind === 'scale') {
      if (others('scale') || a.scale === undefined) problem('SURVEY_ANSWER_INVALID', 'takes a point of the scale only')
      else if (a.scale < q.scaleMin! || a.scale > q.scaleMax!)
        problem('SURVEY_ANSWER_INVALID', `takes ${q.scaleMin} to ${q.scaleMax}`)
      else out.push({ question_id: q.id, choices: null, scale: a.scale, text: null })
    } else {
      const text = (a.text ?? '').trim()
      if (others('text') || !text) problem('SURVEY_ANSWER_INVALID', 'takes a text only')
      else out.push({ question_id: q.id, choices: null, scale: null, text })
    }
  }
  const keys = Object.keys(problems).sort((x, y) => Number(x) - Number(y))
  if (keys.length > 0) {
    const first = problems[keys[0]!]!
    throw new AppError(
      first.code,
      first.message,
      `answers.${keys[0]}`,
      {},
      {
        problems: Object.fromEntries(keys.map((k) => [k, problems[k]!.code])),
      },
    )
  }
  return out
}

/** Counts the response, unless the survey closed meanwhile (the survey row's lock orders it with close). */
async function countResponse(tx: Tx, surveyId: number, now: Date) {
  const bumped = await tx
    .updateTable('survey')
    .set((eb) => ({ response_count: eb('response_count', '+', 1) }))
    .where('id', '=', surveyId)
    .where('status', '=', 'open')
    .where((eb) => eb.or([eb('opens_at', 'is', null), eb('opens_at', '<=', now)]))
    .where((eb) => eb.or([eb('closes_at', 'is', null), eb('closes_at', '>', now)]))
    .returning('id')
    .executeTakeFirst()
  if (!bumped) throw new AppError('SURVEY_NOT_OPEN', 'the survey is not taking answers', null)
}

async function saveAnswers(tx: Tx, responseId: number, answers: CheckedAnswer[]) {
  if (answers.length)
    await tx
      .insertInto('survey_answer')
      .values(answers.map((a) => ({ response_id: responseId, ...a })))
      .execute()
}

const notOpen = (state: string) =>
  new AppError(
    'SURVEY_NOT_OPEN',
    state === 'closed' ? 'the survey has closed' : 'the survey is not open yet',
    null,
    {},
    { state },
  )

/** A signed-in resident's one response. */
export async function respond(
  tx: Tx,
  ctx: RequestContext,
  surveyId: number,
  input: AnswersInput,
  now: Date,
): Promise<Output<typeof answeredSchema>> {
  const s = await loadSurvey(tx, ctx, surveyId, now)
  const state = stateOf(s, now)
  if (state !== 'open') throw notOpen(state)
  const actor = await requireVerified(tx, ctx, s.verified_only)
  const home = await homeAreaId(tx, actor)
  if (!(await inAudience(tx, home, s.path)))
    throw new AppError('FORBIDDEN', 'this survey asks the residents of another area', null)
  await countResponse(tx, surveyId, now)
  // The unique (survey_id, user_id) decides between two concurrent answers: the second waits for
  // the first to commit and then inserts nothing.
  const claimed = await tx
    .insertInto('survey_response')
    .values({ survey_id: surveyId, user_id: actor.userId, link_hash: null, area_id: home, created_at: now })
    .onConflict((oc) => oc.columns(['survey_id', 'user_id']).doNothing())
    .returning('id')
    .executeTakeFirst()
  if (!claimed) throw new AppError('SURVEY_ALREADY_ANSWERED', 'you have answered this survey already', null)
  await saveAnswers(tx, claimed.id, checkAnswers(await questionsOf(tx, surveyId), input.answers))
  return { surveyId, answeredAt: now.toISOString() }
}

// ── One-time links ───────────────────────────────────────────────────────────────────────────

export const MAX_LINKS = 1000

export const linksBody = body(['count'], {
  count: { type: 'integer', minimum: 1, maximum: MAX_LINKS },
})

export const linksSchema = shape({
  surveyId: { type: 'integer' },
  count: { type: 'integer' },
  tokens: {
    type: 'array',
    items: { type: 'string' },
    description: 'Shown once: only their hashes are kept. A retry with the same Idempotency-Key gets none.',
  },
})

export const linkTokenParams = {
  type: 'object',
  required: ['token'],
  additionalProperties: false,
  properties: { token: { type: 'string', pattern: '^[A-Za-z0-9_-]{20,64}$' } },
} as const

export const linkSurveySchema = shape({
  id: { type: 'integer' },
  title: { type: 'string' },
  description: { type: 'string' },
  areaNameZh: { type: 'string' },
  areaNameEn: { type: 'string' },
  state: { type: 'string', enum: surveyStates },
  closesAt: { type: ['string', 'null'], format: 'date-time' },
  questions: {
    type: 'array',
    items: questionSchema,
    description: 'Empty until the survey opens',
  },
  responseCount: nullable('integer'),
})

/** One-time links for anonymous answers (paper slips, QR codes): the tokens are returned once. */
export async function createLinks(
  tx: Tx,
  ctx: RequestContext,
  surveyId: number,
  input: Input<typeof linksBody>,
  now: Date,
): Promise<Output<typeof linksSchema>> {
  const s = await loadSurvey(tx, ctx, surveyId, now)
  requireParticipationStaff(ctx, s.path)
  const state = stateOf(s, now)
  if (state === 'closed') throw notOpen(state)
  const tokens = Array.from({ length: input.count }, () => randomBytes(18).toString('base64url'))
  await tx
    .insertInto('survey_link')
    .values(tokens.map((t) => ({ token_hash: sha256Hex(t), survey_id: surveyId, created_at: now, used_at: null })))
    .execute()
  await recordAudit(tx, ctx, {
    action: 'survey.links',
    entityType: 'survey',
    entityId: surveyId,
    areaId: s.area_id,
    detail: { count: input.count },
  })
  return { surveyId, count: input.count, tokens }
}

const linkInvalid = () => new AppError('SURVEY_LINK_INVALID', 'this link is unknown or has been used', 'token')

async function surveyOfLink(tx: Tx, surveyId: number) {
  return tx
    .selectFrom('survey as s')
    .innerJoin('area as a', 'a.id', 's.area_id')
    .select([
      's.id',
      's.title',
      's.description',
      's.status',
      's.opens_at',
      's.closes_at',
      's.response_count',
      'a.name_zh',
      'a.name_en',
    ])
    .where('s.id', '=', surveyId)
    .executeTakeFirstOrThrow()
}

/**
 * The survey behind an unused link, for its anonymous respondent. Runs with the owner's rights
 * (the caller has no account): it reads only the link's own survey.
 */
export async function linkSurvey(tx: Tx, token: string, now: Date): Promise<Output<typeof linkSurveySchema>> {
  const link = await tx
    .selectFrom('survey_link')
    .select(['survey_id', 'used_at'])
    .where('token_hash', '=', sha256Hex(token))
    .executeTakeFirst()
  if (!link || link.used_at) throw linkInvalid()
  const s = await surveyOfLink(tx, link.survey_id)
  const state = stateOf(s, now)
  return {
    id: s.id,
    title: s.title,
    description: s.description,
    areaNameZh: s.name_zh,
    areaNameEn: s.name_en,
    state,
    closesAt: s.closes_at?.toISOString() ?? null,
    questions: state === 'open' ? await questionsOf(tx, s.id) : [],
    responseCount: null,
  }
}

/**
 * An anonymous response through a one-time link (owner's rights, confined to the link's survey).
 * Marking the link used is an update only one request can win; anything refused afterwards rolls
 * it back, so a link is spent only by a response that was kept.
 */
export async function respondByLink(
  tx: Tx,
  token: string,
  input: AnswersInput,
  now: Date,
): Promise<Output<typeof answeredSchema>> {
  const hash = sha256Hex(token)
  const link = await tx
    .updateTable('survey_link')
    .set({ used_at: now })
    .where('token_hash', '=', hash)
    .where('used_at', 'is', null)
    .returning('survey_id')
    .executeTakeFirst()
  if (!link) throw linkInvalid()
  const s = await surveyOfLink(tx, link.survey_id)
  const state = stateOf(s, now)
  if (state !== 'open') throw notOpen(state)
  await countResponse(tx, s.id, now)
  const response = await tx
    .insertInto('survey_response')
    .values({ survey_id: s.id, user_id: null, link_hash: hash, area_id: null, created_at: now })
    .returning('id')
    .executeTakeFirstOrThrow()
  await saveAnswers(tx, response.id, checkAnswers(await questionsOf(tx, s.id), input.answers))
  return { surveyId: s.id, answeredAt: now.toISOString() }
}
