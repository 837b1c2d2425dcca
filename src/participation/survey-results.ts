import { stringify as stringifyCsv } from 'csv-stringify/sync'
import ExcelJS from 'exceljs'
import { sql } from 'kysely'
import { recordAudit } from '../audit/service.js'
import type { Tx } from '../core/db.js'
import { AppError } from '../core/errors.js'
import type { Output } from '../core/http.js'
import { nullable, orNull, shape } from '../core/schemas.js'
import type { RequestContext } from '../core/scope.js'
import { requireParticipationStaff } from './common.js'
import {
  loadSurvey,
  questionKinds,
  questionsOf,
  type QuestionView,
  SUPPRESS_BELOW,
  stateOf,
  suppress,
  surveyStates,
} from './surveys.js'

// Results and export. The figures are the running tallies that a trigger on survey_answer keeps
// (migration 0045): one read of a few rows per question, whatever the number of responses, never an
// aggregate over every answer through the row-level policies, nor a statement per question. Staff of the survey's area see exact counts
// while it runs, and the text answers; everyone else sees the results once it has closed, with
// every count below SUPPRESS_BELOW shown as null and marked suppressed (and, where the counts add
// up to the total, the next smallest too, so a hidden count cannot be found by subtraction).

/** At most this many text answers per question in the results (newest first); the export has all. */
export const TEXTS_SHOWN = 100

const cell = shape({ count: nullable('integer'), suppressed: { type: 'boolean' } })

export const resultsSchema = shape({
  surveyId: { type: 'integer' },
  title: { type: 'string' },
  state: { type: 'string', enum: surveyStates },
  exact: { type: 'boolean', description: 'True for the survey’s staff: exact counts, live, and the text answers' },
  suppressBelow: { type: 'integer', description: 'Counts below this are suppressed when exact is false' },
  responseCount: nullable('integer'),
  responseCountSuppressed: { type: 'boolean' },
  questions: {
    type: 'array',
    items: shape({
      position: { type: 'integer' },
      kind: { type: 'string', enum: questionKinds },
      prompt: { type: 'string' },
      answered: nullable('integer'),
      answeredSuppressed: { type: 'boolean' },
      options: {
        type: 'array',
        items: shape({ index: { type: 'integer' }, label: { type: 'string' }, ...cell.properties }),
      },
      scale: orNull(
        shape({
          min: { type: 'integer' },
          max: { type: 'integer' },
          mean: nullable('number'),
          distribution: { type: 'array', items: shape({ value: { type: 'integer' }, ...cell.properties }) },
        }),
      ),
      texts: {
        type: ['array', 'null'],
        items: { type: 'string' },
        description: `Staff only (null otherwise): the newest ${TEXTS_SHOWN} text answers`,
      },
    }),
  },
})
export type SurveyResults = Output<typeof resultsSchema>
type Cell = { count: number | null; suppressed: boolean }

/**
 * Cells of a breakdown as a non-staff caller sees them: below the limit suppressed; where the
 * cells add up to a shown total, a single suppressed cell would be found by subtraction, so the
 * smallest shown one is suppressed with it.
 */
export function suppressCells(counts: number[], exact: boolean, addsUp: boolean): Cell[] {
  const cells = counts.map((n) => {
    const s = suppress(n, exact)
    return { count: s.value, suppressed: s.suppressed }
  })
  if (exact || !addsUp) return cells
  if (cells.filter((c) => c.suppressed).length === 1) {
    let smallest = -1
    for (const [i, c] of cells.entries())
      if (!c.suppressed && (smallest < 0 || counts[i]! < counts[smallest]!)) smallest = i
    if (smallest >= 0) cells[smallest] = { count: null, suppressed: true }
  }
  return cells
}

/**
 * The counts of a survey's answers: the running tallies the trigger on survey_answer keeps (migration
 * 0045), one indexed read whatever the number of responses.
 */
async function aggregates(tx: Tx, questions: QuestionView[]) {
  const answered = new Map<number, number>()
  const scale = new Map<string, number>()
  const options = new Map<string, number>()
  if (questions.length === 0) return { answered, scale, options }
  const rows = await tx
    .selectFrom('survey_tally')
    .select(['question_id', 'kind', 'value', 'n'])
    .where(
      'question_id',
      'in',
      questions.map((q) => q.id),
    )
    .execute()
  for (const r of rows) {
    const key = `${r.question_id}:${r.value}`
    if (r.kind === 'answered') answered.set(Number(r.question_id), r.n)
    else if (r.kind === 'scale') scale.set(key, r.n)
    else options.set(key, r.n)
  }
  return { answered, scale, options }
}

/** The newest text answers of each text question (staff only), newest first, through the text index. */
async function textsOf(tx: Tx, questions: QuestionView[]) {
  const ids = questions.filter((q) => q.kind === 'text').map((q) => q.id)
  const texts = new Map<number, string[]>()
  if (ids.length === 0) return texts
  const { rows } = await sql<{ question_id: number; text: string }>`
    select q.id as question_id, t.text
    from unnest(${ids}::bigint[]) as q(id)
    cross join lateral (
      select a.text from survey_answer a
      where a.question_id = q.id and a.text is not null
      order by a.response_id desc
      limit ${TEXTS_SHOWN}) t`.execute(tx)
  for (const r of rows) {
    const list = texts.get(Number(r.question_id)) ?? []
    list.push(r.text)
    texts.set(Number(r.question_id), list)
  }
  return texts
}

export async function surveyResults(tx: Tx, ctx: RequestContext, surveyId: number, now: Date): Promise<SurveyResults> {
  const s = await loadSurvey(tx, ctx, surveyId, now)
  const state = stateOf(s, now)
  const exact = s.staff
  if (!exact && state !== 'closed')
    throw new AppError('FORBIDDEN', 'the results are published when the survey closes', null, {}, { state })
  const questions = await questionsOf(tx, surveyId)
  const { answered, scale, options } = await aggregates(tx, questions)
  const texts = exact ? await textsOf(tx, questions) : null
  const total = suppress(s.response_count, exact)
  return {
    surveyId,
    title: s.title,
    state,
    exact,
    suppressBelow: SUPPRESS_BELOW,
    responseCount: total.value,
    responseCountSuppressed: total.suppressed,
    questions: questions.map((q) => {
      const n = answered.get(q.id) ?? 0
      const shownN = suppress(n, exact)
      const optionCounts = q.options.map((_, i) => options.get(`${q.id}:${i}`) ?? 0)
      const optionCells = suppressCells(optionCounts, exact, q.kind === 'single')
      let scaleResult: SurveyResults['questions'][number]['scale'] = null
      if (q.kind === 'scale') {
        const min = q.scaleMin!
        const max = q.scaleMax!
        const values = Array.from({ length: max - min + 1 }, (_, i) => min + i)
        const counts = values.map((v) => scale.get(`${q.id}:${v}`) ?? 0)
        const cells = suppressCells(counts, exact, true)
        const sum = values.reduce((acc, v, i) => acc + v * counts[i]!, 0)
        // A mean beside a hidden cell would give the hidden count away: residents get none then.
        const hidden = cells.some((c) => c.suppressed)
        const mean =
          n > 0 && (exact || (n >= SUPPRESS_BELOW && !hidden))
            ? Math.round((sum / n) * (exact ? 100 : 10)) / (exact ? 100 : 10)
            : null
        scaleResult = { min, max, mean, distribution: values.map((value, i) => ({ value, ...cells[i]! })) }
      }
      return {
        position: q.position,
        kind: q.kind,
        prompt: q.prompt,
        answered: shownN.value,
        answeredSuppressed: shownN.suppressed,
        options: q.options.map((label, index) => ({ index, label, ...optionCells[index]! })),
        scale: scaleResult,
        texts: texts ? (q.kind === 'text' ? (texts.get(q.id) ?? []) : []) : null,
      }
    }),
  }
}

// ── Export ───────────────────────────────────────────────────────────────────────────────────

export const exportFormats = ['csv', 'xlsx'] as const
export type ExportFormat = (typeof exportFormats)[number]

export const exportQuery = {
  type: 'object',
  additionalProperties: false,
  properties: { format: { type: 'string', enum: exportFormats, default: 'csv' } },
} as const

export interface SurveySheet {
  title: string
  header: string[]
  rows: (string | number | Date | null)[][]
}

/** Every response as a row, one column per question (staff of the survey's area; audited). */
export async function surveySheet(
  tx: Tx,
  ctx: RequestContext,
  surveyId: number,
  format: ExportFormat,
  now: Date,
): Promise<SurveySheet> {
  const s = await loadSurvey(tx, ctx, surveyId, now)
  requireParticipationStaff(ctx, s.path)
  const questions = await questionsOf(tx, surveyId)
  const responses = await tx
    .selectFrom('survey_response as r')
    .leftJoin('area as a', 'a.id', 'r.area_id')
    .select(['r.id', 'r.created_at', 'r.user_id', 'a.name_zh'])
    .where('r.survey_id', '=', surveyId)
    .orderBy('r.id')
    .execute()
  const answers = await tx
    .selectFrom('survey_answer as x')
    .innerJoin('survey_response as r', 'r.id', 'x.response_id')
    .select(['x.response_id', 'x.question_id', 'x.choices', 'x.scale', 'x.text'])
    .where('r.survey_id', '=', surveyId)
    .execute()
  const byResponse = new Map<number, Map<number, (typeof answers)[number]>>()
  for (const a of answers) {
    const m = byResponse.get(a.response_id) ?? new Map()
    m.set(a.question_id, a)
    byResponse.set(a.response_id, m)
  }
  const header = [
    '答卷 Response',
    '提交时间 Submitted',
    '方式 Channel',
    '区域 Area',
    ...questions.map((q) => `${q.position}. ${q.prompt}`),
  ]
  const rows = responses.map((r, i) => {
    const mine = byResponse.get(r.id)
    return [
      i + 1,
      r.created_at,
      r.user_id === null ? 'link' : 'account',
      r.name_zh ?? '',
      ...questions.map((q) => {
        const a = mine?.get(q.id)
        if (!a) return null
        if (a.choices) return a.choices.map((c) => q.options[c] ?? String(c)).join('; ')
        if (a.scale !== null) return a.scale
        return a.text
      }),
    ]
  })
  await recordAudit(tx, ctx, {
    action: 'survey.export',
    entityType: 'survey',
    entityId: surveyId,
    areaId: s.area_id,
    detail: { format, responses: rows.length },
  })
  return { title: s.title, header, rows }
}

/** A cell Excel would run as a formula (=, +, -, @ first) is written as text with a leading quote. */
const defuse = (v: string) => (/^[=+\-@\t\r]/.test(v) ? `'${v}` : v)

/** CSV for Excel: UTF-8 with a byte-order mark, CRLF, formulas defused. */
export function sheetCsv(sheet: SurveySheet): string {
  return stringifyCsv(
    [
      sheet.header.map(defuse),
      ...sheet.rows.map((r) =>
        r.map((v) => (v instanceof Date ? v.toISOString() : typeof v === 'string' ? defuse(v) : v)),
      ),
    ],
    { bom: true, record_delimiter: 'windows' },
  )
}

export async function sheetXlsx(sheet: SurveySheet): Promise<Buffer> {
  const wb = new ExcelJS.Workbook()
  wb.creator = 'Grassroots'
  const ws = wb.addWorksheet('Responses')
  ws.addRow(sheet.header)
  ws.getRow(1).font = { bold: true }
  ws.views = [{ state: 'frozen', ySplit: 1 }]
  for (const r of sheet.rows) ws.addRow(r)
  ws.getColumn(2).numFmt = 'yyyy-mm-dd hh:mm'
  return Buffer.from(await wb.xlsx.writeBuffer())
}
