import { sql } from 'kysely'
import { recordAudit } from '../audit/service.js'
import type { Db, Tx } from '../core/db.js'
import { AppError, notFound } from '../core/errors.js'
import type { Input, Output } from '../core/http.js'
import { paginate } from '../core/paging.js'
import { id, point, shape, text } from '../core/schemas.js'
import type { RequestContext } from '../core/scope.js'
import { gridAt } from '../jurisdiction/geometry.js'
import { words } from '../participation/terms.js'
import { compileNb, predictNb, trainNb, type CompiledNb, type NbModel } from './dispatch-model.js'
import { period, reportedAreas, when } from './stats.js'

/*
 * Smart dispatch suggestions (智能派单): two naive Bayes classifiers (dispatch-model.ts) over the
 * jieba words of the description (participation/terms.ts: lowercased, without stop words and
 * punctuation) plus two place tokens, "@g<grid id>" and "@s<street id>", so that where a report is
 * made weighs in (departments serve areas). One predicts the category (leaf), the other the
 * department.
 *
 * Training data: the platform's own closed cases (state closed or rated, not merged), the most
 * recent MAX_TRAINING by closure; the department model only from those that were dispatched
 * (department_id set, not answered directly). Held-out split: cases whose id ≡ 0 (mod 5) are the
 * test set, the rest train; top-1 and top-3 accuracy on the test set are stored with the model, and
 * the model trained on the 80 % is the one that serves, so the stored accuracy is that of the
 * served model. A version is a dispatch_model row; the latest serves. Retrained by
 * POST /api/v1/dispatch/models and by the periodic job when the latest is older than a day (or
 * missing) and there are enough closed cases.
 */

export const MAX_TRAINING = 50_000
export const MIN_TRAINING = 10
export const RETRAIN_AFTER_MS = 24 * 3600_000

/** The words and place tokens a classifier sees. */
export function features(description: string, place: { gridId: number | null; streetId: number | null }): string[] {
  const out = words(description)
  if (place.gridId !== null) out.push(`@g${place.gridId}`)
  if (place.streetId !== null) out.push(`@s${place.streetId}`)
  return out
}

/** The street above an area (its path's third segment: city / district / street / …). */
const streetOfPath = (path: string): number | null => {
  const parts = path.split('/').filter(Boolean)
  return parts.length >= 3 ? Number(parts[2]) : null
}

interface StoredModel {
  category: NbModel
  department: NbModel
}

interface TrainingCase {
  id: number
  description: string
  category_id: number
  department_id: number | null
  area_id: number
  path: string
}

function accuracy(m: CompiledNb, docs: { tokens: string[]; label: number }[]) {
  if (docs.length === 0) return { top1: null, top3: null }
  let top1 = 0
  let top3 = 0
  for (const d of docs) {
    const p = predictNb(m, d.tokens, 3)
    if (p[0]?.label === d.label) top1++
    if (p.some((x) => x.label === d.label)) top3++
  }
  return {
    top1: Math.round((top1 / docs.length) * 10000) / 10000,
    top3: Math.round((top3 / docs.length) * 10000) / 10000,
  }
}

export const modelSchema = shape({
  version: { type: 'integer' },
  trainedAt: { type: 'string', format: 'date-time' },
  trainedBy: { type: ['integer', 'null'] },
  trainingSize: { type: 'integer', description: 'Closed cases trained on (80 %)' },
  testSize: { type: 'integer', description: 'Held-out closed cases (id ≡ 0 mod 5)' },
  categoryTop1: { type: ['number', 'null'] },
  categoryTop3: { type: ['number', 'null'] },
  departmentTop1: { type: ['number', 'null'] },
  departmentTop3: { type: ['number', 'null'] },
  vocabulary: { type: 'integer' },
  seconds: { type: 'number' },
})
type ModelView = Output<typeof modelSchema>

const modelColumns = [
  'id',
  'trained_at',
  'trained_by',
  'training_size',
  'test_size',
  'category_top1',
  'category_top3',
  'department_top1',
  'department_top3',
  'vocabulary',
  'seconds',
] as const

const num = (v: string | number | null) => (v === null ? null : Number(v))

function presentModel(r: {
  id: number
  trained_at: Date
  trained_by: number | null
  training_size: number
  test_size: number
  category_top1: string | number | null
  category_top3: string | number | null
  department_top1: string | number | null
  department_top3: string | number | null
  vocabulary: number
  seconds: string | number
}): ModelView {
  return {
    version: r.id,
    trainedAt: r.trained_at.toISOString(),
    trainedBy: r.trained_by,
    trainingSize: r.training_size,
    testSize: r.test_size,
    categoryTop1: num(r.category_top1),
    categoryTop3: num(r.category_top3),
    departmentTop1: num(r.department_top1),
    departmentTop3: num(r.department_top3),
    vocabulary: r.vocabulary,
    seconds: Number(r.seconds),
  }
}

/**
 * Trains both classifiers on the closed cases the transaction sees and stores a new version.
 * 422 DISPATCH_TOO_FEW_CASES below MIN_TRAINING closed cases.
 */
export async function trainDispatchModel(
  tx: Tx | Db,
  ctx: RequestContext | null,
  now: Date,
  opts: { maxTraining?: number } = {},
): Promise<ModelView> {
  const started = performance.now()
  const { rows } = await sql<TrainingCase>`
    select c.id::integer as id, c.description, c.category_id, case when c.direct_answer then null else c.department_id end as department_id,
           c.area_id, a.path
    from cases c join area a on a.id = c.area_id
    where c.state in ('closed', 'rated')
    order by c.closed_at desc nulls last, c.id desc
    limit ${opts.maxTraining ?? MAX_TRAINING}`.execute(tx)
  if (rows.length < MIN_TRAINING)
    throw new AppError(
      'DISPATCH_TOO_FEW_CASES',
      `a model needs at least ${MIN_TRAINING} closed cases to learn from (${rows.length} found)`,
      null,
    )
  // Word segmentation is most of the work (tens of thousands of descriptions): a pause every 500
  // lets the server answer requests meanwhile instead of stalling for the whole training.
  const docs: { test: boolean; tokens: string[]; category: number; department: number | null }[] = []
  for (const r of rows) {
    if (docs.length % 500 === 499) await new Promise((resolve) => setImmediate(resolve))
    docs.push({
      test: r.id % 5 === 0,
      tokens: features(r.description, { gridId: r.area_id, streetId: streetOfPath(r.path) }),
      category: r.category_id,
      department: r.department_id,
    })
  }
  const train = docs.filter((d) => !d.test)
  const test = docs.filter((d) => d.test)
  const category = trainNb(train.map((d) => ({ tokens: d.tokens, label: d.category })))
  const withDept = (xs: typeof docs) =>
    xs.filter((d) => d.department !== null).map((d) => ({ tokens: d.tokens, label: d.department as number }))
  const department = trainNb(withDept(train))
  const cat = accuracy(
    compileNb(category),
    test.map((d) => ({ tokens: d.tokens, label: d.category })),
  )
  const dept = accuracy(compileNb(department), withDept(test))
  const model: StoredModel = { category, department }
  const row = await tx
    .insertInto('dispatch_model')
    .values({
      trained_at: now,
      trained_by: ctx?.actor?.userId ?? null,
      training_size: train.length,
      test_size: test.length,
      category_top1: cat.top1,
      category_top3: cat.top3,
      department_top1: dept.top1,
      department_top3: dept.top3,
      vocabulary: Object.keys(category.counts).length,
      seconds: Math.round((performance.now() - started) / 10) / 100,
      model: JSON.stringify(model),
    })
    .returning(modelColumns)
    .executeTakeFirstOrThrow()
  if (ctx)
    await recordAudit(tx, ctx, {
      action: 'dispatch.model_train',
      entityType: 'dispatch_model',
      entityId: String(row.id),
      detail: { trainingSize: row.training_size, testSize: row.test_size, categoryTop3: cat.top3 },
    })
  return presentModel(row)
}

/** The periodic retraining: a new version when the latest is older than RETRAIN_AFTER_MS or missing. */
export async function retrainIfDue(db: Db, now: Date): Promise<ModelView | null> {
  const latest = await db
    .selectFrom('dispatch_model')
    .select('trained_at')
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst()
  if (latest && now.getTime() - latest.trained_at.getTime() < RETRAIN_AFTER_MS) return null
  return db.transaction().execute(async (tx) => {
    try {
      return await trainDispatchModel(tx, null, now)
    } catch (err) {
      if (err instanceof AppError && err.code === 'DISPATCH_TOO_FEW_CASES') return null
      throw err
    }
  })
}

export const modelsQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    page: { type: 'integer', minimum: 1, maximum: 100000, default: 1 },
    pageSize: { type: 'integer', minimum: 1, maximum: 100, default: 20 },
  },
} as const

export async function listModels(tx: Tx, q: Input<typeof modelsQuery>) {
  const page = q.page ?? 1
  const pageSize = q.pageSize ?? 20
  const rows = await tx
    .selectFrom('dispatch_model')
    .select(modelColumns)
    .orderBy('id', 'desc')
    .limit(pageSize)
    .offset((page - 1) * pageSize)
    .execute()
  const { n } = await tx
    .selectFrom('dispatch_model')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow()
  return paginate({ page, pageSize }, rows.map(presentModel), Number(n))
}

// --- Serving --------------------------------------------------------------------------------------

/** The latest model compiled, per process; a newer version is loaded on the first request after it. */
let served: { version: number; category: CompiledNb; department: CompiledNb } | null = null

async function latestModel(tx: Tx) {
  const latest = await tx.selectFrom('dispatch_model').select('id').orderBy('id', 'desc').limit(1).executeTakeFirst()
  if (!latest) return null
  if (served?.version !== latest.id) {
    const row = await tx
      .selectFrom('dispatch_model')
      .select('model')
      .where('id', '=', latest.id)
      .executeTakeFirstOrThrow()
    const m = row.model as StoredModel
    served = { version: latest.id, category: compileNb(m.category), department: compileNb(m.department) }
  }
  return served
}

export const suggestBody = {
  type: 'object',
  additionalProperties: false,
  required: ['description'],
  properties: {
    description: text(4000),
    areaId: { ...id, description: 'The grid (or any area) of the report, when known' },
    location: point,
    caseId: {
      ...id,
      description:
        'Triage: the case being dispatched (the suggestion is recorded against it and its dispatch decides it)',
    },
  },
} as const
export type SuggestBody = Input<typeof suggestBody>

const choice = shape({
  id: { type: 'integer' },
  code: { type: 'string' },
  nameZh: { type: 'string' },
  nameEn: { type: 'string' },
  confidence: { type: 'number', description: 'The model’s posterior probability, 0..1' },
})

export const suggestionSchema = shape({
  suggestionId: { type: ['integer', 'null'], description: 'Null when no model is trained yet' },
  modelVersion: { type: ['integer', 'null'] },
  categories: { type: 'array', items: choice, maxItems: 3 },
  departments: { type: 'array', items: choice, maxItems: 3 },
  milliseconds: { type: 'number', description: 'Time taken to suggest on the server' },
})

/** The top three categories and departments for a text and a place, recorded as a suggestion. */
export async function suggestDispatch(tx: Tx, ctx: RequestContext, input: SuggestBody, now: Date) {
  const started = performance.now()
  let place: { id: number; path: string; grid: boolean } | null = null
  let caseRow: { id: number; area_id: number; path: string } | null = null
  if (input.caseId !== undefined) {
    const c = await tx
      .selectFrom('cases as c')
      .innerJoin('area as a', 'a.id', 'c.area_id')
      .select(['c.id', 'c.area_id', 'a.path'])
      .where('c.id', '=', input.caseId)
      .executeTakeFirst()
    if (!c) throw notFound('CASE_NOT_FOUND', `case ${input.caseId}`, 'caseId')
    caseRow = { id: Number(c.id), area_id: c.area_id, path: c.path }
    place = { id: c.area_id, path: c.path, grid: true }
  } else if (input.location) {
    const g = await gridAt(tx, input.location.lng, input.location.lat)
    place = g ? { ...g, grid: true } : null
  } else if (input.areaId !== undefined) {
    const a = await tx
      .selectFrom('area')
      .select(['id', 'path', 'level'])
      .where('id', '=', input.areaId)
      .executeTakeFirst()
    if (!a) throw notFound('AREA_NOT_FOUND', `area ${input.areaId}`, 'areaId')
    place = { id: a.id, path: a.path, grid: a.level === 'grid' }
  }
  // The case and place are checked first: a case the caller does not see is a 404 with or without a model.
  const model = await latestModel(tx)
  if (!model) return { suggestionId: null, modelVersion: null, categories: [], departments: [], milliseconds: 0 }
  const tokens = features(input.description, {
    gridId: place?.grid ? place.id : null,
    streetId: place ? streetOfPath(place.path) : null,
  })
  const cats = predictNb(model.category, tokens, 3)
  const depts = predictNb(model.department, tokens, 3)
  const [catRows, deptRows] = await Promise.all([
    cats.length
      ? tx
          .selectFrom('case_category')
          .select(['id', 'code', 'name_zh', 'name_en'])
          .where(
            'id',
            'in',
            cats.map((c) => c.label),
          )
          .execute()
      : [],
    depts.length
      ? sql<{ id: number; code: string; name_zh: string; name_en: string }>`
          select d.id, l.code, l.name_zh, l.name_en from unnest(${depts.map((d) => d.label)}::integer[]) as d(id),
          lateral app_department_label(d.id) l`
          .execute(tx)
          .then((r) => r.rows)
      : [],
  ])
  const label = <R extends { id: number; code: string; name_zh: string; name_en: string }>(
    rows: R[],
    xs: { label: number; p: number }[],
  ) =>
    xs.flatMap((x) => {
      const r = rows.find((y) => y.id === x.label)
      return r
        ? [
            {
              id: r.id,
              code: r.code,
              nameZh: r.name_zh,
              nameEn: r.name_en,
              confidence: Math.round(x.p * 10000) / 10000,
            },
          ]
        : []
    })
  const categories = label(catRows, cats)
  const departments = label(deptRows, depts)
  const row = await tx
    .insertInto('dispatch_suggestion')
    .values({
      created_at: now,
      created_by: ctx.actor?.userId ?? null,
      model_id: model.version,
      source: caseRow ? 'triage' : 'intake',
      area_id: place?.id ?? null,
      case_id: caseRow?.id ?? null,
      categories: JSON.stringify(categories.map((c) => ({ id: c.id, confidence: c.confidence }))),
      departments: JSON.stringify(departments.map((d) => ({ id: d.id, confidence: d.confidence }))),
    })
    .returning('id')
    .executeTakeFirstOrThrow()
  return {
    suggestionId: Number(row.id),
    modelVersion: model.version,
    categories,
    departments,
    milliseconds: Math.round((performance.now() - started) * 100) / 100,
  }
}

export const linkBody = {
  type: 'object',
  additionalProperties: false,
  required: ['caseId'],
  properties: { caseId: id },
} as const

export const decisionSchema = shape({
  suggestionId: { type: 'integer' },
  caseId: { type: 'integer' },
  chosenCategoryId: { type: ['integer', 'null'] },
  categoryTop1: { type: ['boolean', 'null'] },
  categoryAny: { type: ['boolean', 'null'] },
  chosenDepartmentId: { type: ['integer', 'null'] },
  departmentTop1: { type: ['boolean', 'null'] },
  departmentAny: { type: ['boolean', 'null'] },
})

/**
 * Intake: the suggestion became this case. Records the category chosen (the case's) and, when the
 * case was dispatched already (at intake), the department of its first dispatch.
 */
export async function linkSuggestion(tx: Tx, ctx: RequestContext, suggestionId: number, caseId: number, now: Date) {
  const s = await tx
    .selectFrom('dispatch_suggestion')
    .select(['id', 'case_id', 'created_by', 'categories', 'departments'])
    .where('id', '=', suggestionId)
    .executeTakeFirst()
  if (!s || s.created_by !== ctx.actor?.userId)
    throw notFound('DISPATCH_SUGGESTION_NOT_FOUND', `suggestion ${suggestionId}`, 'id')
  if (s.case_id !== null)
    throw new AppError('DISPATCH_SUGGESTION_LINKED', `the suggestion belongs to case ${s.case_id} already`, 'caseId')
  const c = await tx
    .selectFrom('cases')
    .select(['id', 'category_id', 'area_id'])
    .where('id', '=', caseId)
    .executeTakeFirst()
  if (!c) throw notFound('CASE_NOT_FOUND', `case ${caseId}`, 'caseId')
  const first = await tx
    .selectFrom('case_event')
    .select(['department_id', 'at'])
    .where('case_id', '=', caseId)
    .where('action', '=', 'dispatch')
    .where('department_id', 'is not', null)
    .orderBy('at')
    .orderBy('id')
    .limit(1)
    .executeTakeFirst()
  const ids = (x: unknown) => ((x as { id: number }[] | null) ?? []).map((y) => y.id)
  const cats = ids(s.categories)
  const depts = ids(s.departments)
  const dept = first?.department_id ?? null
  const patch = {
    case_id: caseId,
    area_id: c.area_id,
    chosen_category_id: c.category_id,
    category_top1: cats[0] === c.category_id,
    category_any: cats.includes(c.category_id),
    category_decided_at: now,
    ...(dept !== null
      ? {
          chosen_department_id: dept,
          department_top1: depts[0] === dept,
          department_any: depts.includes(dept),
          department_decided_at: first?.at ?? now,
        }
      : {}),
  }
  await tx.updateTable('dispatch_suggestion').set(patch).where('id', '=', suggestionId).execute()
  return {
    suggestionId,
    caseId,
    chosenCategoryId: c.category_id,
    categoryTop1: patch.category_top1,
    categoryAny: patch.category_any,
    chosenDepartmentId: dept,
    departmentTop1: dept !== null ? depts[0] === dept : null,
    departmentAny: dept !== null ? depts.includes(dept) : null,
  }
}

// --- Accuracy on real decisions -------------------------------------------------------------------

export const accuracyQuery = {
  type: 'object',
  additionalProperties: false,
  properties: { areaId: id, from: when, to: when },
} as const

const kindFigures = shape({
  decided: { type: 'integer', description: 'Suggestions followed by a decision' },
  acceptedTop1: { type: 'integer', description: 'The decision was the first suggestion' },
  acceptedAny: { type: 'integer', description: 'The decision was one of the three' },
  overridden: { type: 'integer', description: 'The decision was none of the three' },
  top1Rate: { type: ['number', 'null'] },
  top3Rate: { type: ['number', 'null'] },
})

export const accuracySchema = shape({
  from: { type: 'string', format: 'date-time' },
  to: { type: 'string', format: 'date-time' },
  category: kindFigures,
  department: kindFigures,
  byModel: {
    type: 'array',
    items: shape({ version: { type: 'integer' }, category: kindFigures, department: kindFigures }),
  },
  definition: { type: 'string' },
})

export async function dispatchAccuracy(tx: Tx, ctx: RequestContext, q: Input<typeof accuracyQuery>, now: Date) {
  const roots = await reportedAreas(tx, ctx, q.areaId)
  const zone = roots[0]?.timezone ?? 'Asia/Shanghai'
  const { from, to } = period(q, zone, now)
  const rows =
    roots.length === 0
      ? []
      : (
          await sql<{
            model_id: number | null
            c_decided: number
            c_top1: number
            c_any: number
            d_decided: number
            d_top1: number
            d_any: number
          }>`
            select s.model_id,
              count(*) filter (where s.category_decided_at is not null)::integer as c_decided,
              count(*) filter (where s.category_top1)::integer as c_top1,
              count(*) filter (where s.category_any)::integer as c_any,
              count(*) filter (where s.department_decided_at is not null)::integer as d_decided,
              count(*) filter (where s.department_top1)::integer as d_top1,
              count(*) filter (where s.department_any)::integer as d_any
            from dispatch_suggestion s join area a on a.id = s.area_id
            where s.case_id is not null and s.created_at >= ${from} and s.created_at < ${to}
              and (${sql.join(
                roots.map((r) => sql`a.path like ${`${r.path}%`}`),
                sql` or `,
              )})
            group by grouping sets ((s.model_id), ())
            order by s.model_id nulls first`.execute(tx)
        ).rows
  const fig = (decided: number, top1: number, any: number) => ({
    decided,
    acceptedTop1: top1,
    acceptedAny: any,
    overridden: decided - any,
    top1Rate: decided ? Math.round((top1 / decided) * 10000) / 10000 : null,
    top3Rate: decided ? Math.round((any / decided) * 10000) / 10000 : null,
  })
  const total = rows.find((r) => r.model_id === null)
  return {
    from: from.toISOString(),
    to: to.toISOString(),
    category: fig(total?.c_decided ?? 0, total?.c_top1 ?? 0, total?.c_any ?? 0),
    department: fig(total?.d_decided ?? 0, total?.d_top1 ?? 0, total?.d_any ?? 0),
    byModel: rows
      .filter((r) => r.model_id !== null)
      .map((r) => ({
        version: r.model_id as number,
        category: fig(r.c_decided, r.c_top1, r.c_any),
        department: fig(r.d_decided, r.d_top1, r.d_any),
      })),
    definition:
      "suggestions made in [from, to) for cases located in the reported areas' subtrees that became a case (intake) or were made for one (triage); the category is decided when intake links the suggestion to its case (the case's category), the department at the case's first dispatch; top1Rate = acceptedTop1 / decided, top3Rate = acceptedAny / decided, overridden = decided − acceptedAny",
  }
}
