import { sql } from 'kysely'
import { recordAudit } from '../audit/service.js'
import type { FieldCipher } from '../core/crypto.js'
import type { Db, Tx } from '../core/db.js'
import { AppError, notFound, versionConflict } from '../core/errors.js'
import type { Input, Output } from '../core/http.js'
import { offsetOf, pageQuerySchema, paginate } from '../core/paging.js'
import { body, id, nullable, orNull, shape, text, timestamp } from '../core/schemas.js'
import { asSystem, requireActor, type RequestContext } from '../core/scope.js'
import { areaRefSchema } from '../jurisdiction/service.js'
import { searchTerms, termsQuery } from '../participation/terms.js'
import { anonymise, checkTexts, type Finding, findingKinds } from './anonymise.js'
import {
  type ModelCaseSource,
  modelCaseSources,
  modelCaseStatuses,
  trainingKeepers,
  keepsTraining,
  requireTrainingKeeper,
} from './common.js'

// The library of model cases (典型案例): a closed case, a concluded dispute or a completed
// proposal written up — problem, method, result, lessons — prefilled from its source, checked for
// personal data (anonymise.ts) at every change and published only when the check finds nothing.
// Read by every staff role on the branch of its area (published ones; keepers also their drafts),
// kept by the admins, leaders and staff over the area; searched by jieba words (`terms`) and
// suggested on a case of the same category.

const version = { type: 'integer', minimum: 1, maximum: 2147483647 } as const
const longText = (min: 0 | 1) => ({ type: 'string', minLength: min, maxLength: 20000 }) as const
export const textFields = ['title', 'problem', 'method', 'result', 'lessons'] as const

// ── Schemas ───────────────────────────────────────────────────────────────────────────────────

export const newModelCaseBody = body(['sourceKind', 'sourceId'], {
  sourceKind: { type: 'string', enum: modelCaseSources },
  sourceId: { ...id, description: 'A closed case, a settled or closed dispute, an implemented proposal' },
  areaId: {
    ...id,
    description:
      'Where the model case is kept and read: the source’s community (default) or an area above it that you keep, to share it with that whole branch',
  },
})
export type NewModelCase = Input<typeof newModelCaseBody>

export const modelCasePatchBody = body(['version'], {
  version,
  title: { type: 'string', minLength: 2, maxLength: 200 },
  problem: longText(1),
  method: longText(1),
  result: longText(1),
  lessons: longText(0),
  tags: { type: 'array', maxItems: 10, uniqueItems: true, items: { type: 'string', minLength: 1, maxLength: 20 } },
  categoryId: { type: ['integer', 'null'], minimum: 1, maximum: 2147483647 },
})
export type ModelCasePatch = Input<typeof modelCasePatchBody>

export const versionBody = body(['version'], { version })
export const withdrawBody = body(['version', 'reason'], { version, reason: text(500) })

export const modelCaseQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    ...pageQuerySchema,
    q: { type: 'string', minLength: 1, maxLength: 100, description: 'Words (Chinese is segmented with jieba)' },
    categoryId: id,
    sourceKind: { type: 'string', enum: modelCaseSources },
    status: { type: 'string', enum: modelCaseStatuses, description: 'Drafts and withdrawn ones: their keepers only' },
  },
} as const
export type ModelCaseFilter = Input<typeof modelCaseQuery>

export const suggestionsQuery = {
  type: 'object',
  additionalProperties: false,
  required: ['caseId'],
  properties: { caseId: id },
} as const

export const findingSchema = shape({
  field: { type: 'string', description: 'title, problem, method, result, lessons or tags.<n>' },
  kind: { type: 'string', enum: findingKinds },
  excerpt: { type: 'string', description: 'What was found, masked' },
  start: { type: 'integer', description: 'UTF-16 offset in the field’s text' },
  end: { type: 'integer' },
})
export type FindingView = Output<typeof findingSchema>

export const checkSchema = shape({
  findings: { type: 'array', items: findingSchema },
  checkedAt: timestamp,
})

const categorySchema = orNull(
  shape({ id: { type: 'integer' }, code: { type: 'string' }, nameZh: { type: 'string' }, nameEn: { type: 'string' } }),
)

export const modelCaseSummarySchema = shape({
  id: { type: 'integer' },
  area: areaRefSchema,
  sourceKind: { type: 'string', enum: modelCaseSources },
  category: categorySchema,
  title: { type: 'string' },
  excerpt: { type: 'string', description: 'The beginning of the problem' },
  tags: { type: 'array', items: { type: 'string' } },
  status: { type: 'string', enum: modelCaseStatuses },
  publishedAt: { type: ['string', 'null'], format: 'date-time' },
  updatedAt: timestamp,
})
export type ModelCaseSummary = Output<typeof modelCaseSummarySchema>

export const modelCaseSchema = shape({
  ...modelCaseSummarySchema.properties,
  source: shape({
    kind: { type: 'string', enum: modelCaseSources },
    id: { type: 'integer' },
    reference: {
      ...nullable('string'),
      description: 'Tracking code or reference, when you may see the source (else null: no link)',
    },
  }),
  problem: { type: 'string' },
  method: { type: 'string' },
  result: { type: 'string' },
  lessons: { type: 'string' },
  checkedAt: { type: ['string', 'null'], format: 'date-time' },
  findings: { type: ['array', 'null'], items: findingSchema, description: 'Of the last check (null: never checked)' },
  version: { type: 'integer' },
  createdAt: timestamp,
  canEdit: { type: 'boolean' },
})
export type ModelCaseView = Output<typeof modelCaseSchema>

// ── Rows ──────────────────────────────────────────────────────────────────────────────────────

type Row = {
  id: number
  area_id: number
  area_code: string
  area_name_zh: string
  area_name_en: string
  area_path: string
  source_kind: ModelCaseSource
  source_id: number
  category_id: number | null
  category_code: string | null
  category_name_zh: string | null
  category_name_en: string | null
  title: string
  problem: string
  method: string
  result: string
  lessons: string
  tags: string[]
  status: (typeof modelCaseStatuses)[number]
  checked_at: Date | null
  check_findings: Finding[] | null
  published_at: Date | null
  version: number
  created_at: Date
  updated_at: Date
}

const select = sql`select m.id, m.area_id, a.code as area_code, a.name_zh as area_name_zh, a.name_en as area_name_en,
  a.path as area_path, m.source_kind, m.source_id, m.category_id, cc.code as category_code,
  cc.name_zh as category_name_zh, cc.name_en as category_name_en, m.title, m.problem, m.method, m.result, m.lessons,
  m.tags, m.status, m.checked_at, m.check_findings, m.published_at, m.version, m.created_at, m.updated_at
  from model_case m join area a on a.id = m.area_id left join case_category cc on cc.id = m.category_id`

const iso = (d: Date | null) => (d === null ? null : new Date(d).toISOString())
const keeps = keepsTraining

function excerptOf(problem: string) {
  const flat = problem.replace(/\s+/g, ' ').trim()
  return [...flat].length > 120 ? `${[...flat].slice(0, 120).join('')}…` : flat
}

function presentSummary(r: Row): ModelCaseSummary {
  return {
    id: Number(r.id),
    area: { id: r.area_id, code: r.area_code, nameZh: r.area_name_zh, nameEn: r.area_name_en },
    sourceKind: r.source_kind,
    category:
      r.category_id === null
        ? null
        : { id: r.category_id, code: r.category_code!, nameZh: r.category_name_zh!, nameEn: r.category_name_en! },
    title: r.title,
    excerpt: excerptOf(r.problem),
    tags: r.tags,
    status: r.status,
    publishedAt: iso(r.published_at),
    updatedAt: iso(r.updated_at)!,
  }
}

const presentFinding = (f: Finding): FindingView => ({
  field: f.field,
  kind: f.kind,
  excerpt: f.excerpt,
  start: f.start,
  end: f.end,
})

/** The source's reference when the caller may see it (row-level security of its module decides). */
async function sourceReference(tx: Tx, kind: ModelCaseSource, sourceId: number): Promise<string | null> {
  const q =
    kind === 'case'
      ? sql<{ ref: string }>`select tracking_code as ref from cases where id = ${sourceId}`
      : kind === 'dispute'
        ? sql<{ ref: string }>`select reference as ref from dispute where id = ${sourceId}`
        : sql<{ ref: string }>`select reference as ref from proposal where id = ${sourceId}`
  const { rows } = await q.execute(tx)
  return rows[0]?.ref ?? null
}

async function present(tx: Tx, ctx: RequestContext, r: Row): Promise<ModelCaseView> {
  return {
    ...presentSummary(r),
    source: {
      kind: r.source_kind,
      id: Number(r.source_id),
      reference: await sourceReference(tx, r.source_kind, Number(r.source_id)),
    },
    problem: r.problem,
    method: r.method,
    result: r.result,
    lessons: r.lessons,
    checkedAt: iso(r.checked_at),
    findings: r.check_findings === null ? null : r.check_findings.map(presentFinding),
    version: r.version,
    createdAt: iso(r.created_at)!,
    canEdit: keeps(ctx, r.area_path),
  }
}

// ── Helpers ───────────────────────────────────────────────────────────────────────────────────

const sourceInvalid = (message: string, field = 'sourceId') => new AppError('MODEL_CASE_SOURCE_INVALID', message, field)

const requireKeeper = (ctx: RequestContext, path: string) =>
  requireTrainingKeeper(ctx, path, 'only the admins, leaders and staff over the area keep its model cases')

const conflict = (current: number) => versionConflict('TRAINING_VERSION_CONFLICT', 'model case', current)

/** A model case the caller reads: published, or any of the areas they keep (else 404). */
async function loadRow(tx: Tx, ctx: RequestContext, modelCaseId: number): Promise<Row> {
  requireActor(ctx)
  const { rows } = await sql<Row>`${select} where m.id = ${modelCaseId}`.execute(tx)
  const r = rows[0]
  if (!r || (r.status !== 'published' && !keeps(ctx, r.area_path)))
    throw notFound('MODEL_CASE_NOT_FOUND', `model case ${modelCaseId}`, 'id')
  return r
}

/** The words stored for search: those of the title, the four texts and the tags. */
const termsOf = (m: {
  title: string
  problem: string
  method: string
  result: string
  lessons: string
  tags: string[]
}) => searchTerms([m.title, m.problem, m.method, m.result, m.lessons, ...m.tags].join('\n'))

/** The texts the check reads, by field (tags as tags.0, tags.1…). */
const textsOf = (m: {
  title: string
  problem: string
  method: string
  result: string
  lessons: string
  tags: string[]
}) => ({
  title: m.title,
  problem: m.problem,
  method: m.method,
  result: m.result,
  lessons: m.lessons,
  ...Object.fromEntries(m.tags.map((t, i) => [`tags.${i}`, t])),
})

/** Who a source is about: the names to look for and their own numbers. Never returned to anyone. */
export interface SourcePeople {
  names: string[]
  numbers: string[]
}

const runCheck = (m: Parameters<typeof textsOf>[0], people: SourcePeople) =>
  checkTexts(textsOf(m), people.names, people.numbers)

/**
 * The people of a source as the registry and its module hold them: a case's reporter (the name
 * given, the account's and the registry person's it is verified as, the phone), the parties of
 * disputes that came from it; a dispute's parties (their registry people, ID numbers and phones,
 * decrypted here) and the petitioner it came from; a proposal's author and their registry person.
 * Read as the platform (the caller need not read the registry), used only by the check.
 */
export async function sourcePeople(
  db: Db,
  cipher: FieldCipher,
  kind: ModelCaseSource,
  sourceId: number,
): Promise<SourcePeople> {
  return asSystem(db, async (tx) => {
    const names: string[] = []
    const numbers: string[] = []
    const open = (enc: Uint8Array | null) => {
      if (!enc) return
      try {
        numbers.push(cipher.decrypt(enc))
      } catch {
        // Sealed under another key (a restored copy): its shape is still caught by the check.
      }
    }
    const person = async (userIds: (number | null)[], personIds: (number | null)[]) => {
      const users = userIds.filter((x): x is number => x !== null)
      if (users.length) {
        const us = await tx.selectFrom('app_user').select('display_name').where('id', 'in', users).execute()
        names.push(...us.map((u) => u.display_name))
        const vs = await tx
          .selectFrom('resident_verification')
          .select('person_id')
          .where('user_id', 'in', users)
          .execute()
        personIds.push(...vs.map((v) => Number(v.person_id)))
      }
      const ids = personIds.filter((x): x is number => x !== null)
      if (ids.length) {
        const ps = await tx
          .selectFrom('person')
          .select(['name', 'phone_enc', 'id_number_enc'])
          .where('id', 'in', ids)
          .execute()
        for (const p of ps) {
          names.push(p.name)
          open(p.phone_enc)
          open(p.id_number_enc)
        }
      }
    }
    const parties = async (disputeIds: number[]) => {
      if (!disputeIds.length) return
      const ps = await tx
        .selectFrom('dispute_party')
        .select(['name', 'person_id', 'phone_enc', 'id_number_enc'])
        .where('dispute_id', 'in', disputeIds)
        .execute()
      for (const p of ps) {
        names.push(p.name)
        open(p.phone_enc)
        open(p.id_number_enc)
      }
      await person(
        [],
        ps.map((p) => (p.person_id === null ? null : Number(p.person_id))),
      )
    }
    if (kind === 'case') {
      const c = await tx
        .selectFrom('cases')
        .select(['reporter_id', 'reporter_name', 'reporter_phone_enc'])
        .where('id', '=', sourceId)
        .executeTakeFirst()
      if (c) {
        if (c.reporter_name) names.push(c.reporter_name)
        open(c.reporter_phone_enc)
        await person([c.reporter_id], [])
        const ds = await tx.selectFrom('dispute').select('id').where('source_case_id', '=', sourceId).execute()
        await parties(ds.map((d) => Number(d.id)))
      }
    } else if (kind === 'dispute') {
      await parties([sourceId])
      const d = await tx.selectFrom('dispute').select('petition_id').where('id', '=', sourceId).executeTakeFirst()
      if (d?.petition_id) {
        const p = await tx
          .selectFrom('petition')
          .select(['petitioner_name', 'petitioner_id_enc'])
          .where('id', '=', d.petition_id)
          .executeTakeFirst()
        if (p) {
          names.push(p.petitioner_name)
          open(p.petitioner_id_enc)
        }
      }
    } else {
      const p = await tx.selectFrom('proposal').select('author_id').where('id', '=', sourceId).executeTakeFirst()
      if (p) await person([p.author_id], [])
    }
    return { names, numbers }
  })
}

/** The source of a model case, read as the platform, for sourcePeople before the caller's transaction. */
export async function sourceOf(db: Db, modelCaseId: number): Promise<{ kind: ModelCaseSource; id: number } | null> {
  const m = await asSystem(db, (tx) =>
    tx.selectFrom('model_case').select(['source_kind', 'source_id']).where('id', '=', modelCaseId).executeTakeFirst(),
  )
  return m ? { kind: m.source_kind as ModelCaseSource, id: Number(m.source_id) } : null
}

// ── Prefilling from the source ────────────────────────────────────────────────────────────────

const caseActionZh: Record<string, string> = {
  submit: '上报',
  accept: '受理',
  dispatch: '派遣',
  department_accept: '部门接单',
  return: '退回',
  request_extension: '申请延期',
  decide_extension: '审批延期',
  add_assist: '协办',
  reply: '处置反馈',
  verify_pass: '核查通过',
  verify_fail: '核查不通过',
  close: '结案',
  reopen: '重新办理',
}
const disputeCategoryZh: Record<string, string> = {
  neighbour: '邻里纠纷',
  family_marriage: '婚姻家庭纠纷',
  property_management: '物业纠纷',
  labour_wages: '劳资纠纷',
  land_expropriation: '征地拆迁纠纷',
  medical: '医疗纠纷',
  consumer: '消费纠纷',
  traffic: '交通事故纠纷',
  contract_debt: '合同债务纠纷',
  other: '其他纠纷',
}
const outcomeZh: Record<string, string> = {
  settled: '调解成功',
  judicial: '转司法途径解决',
  withdrawn: '申请人撤回',
  unsettled: '调解未成',
}
const day = (d: Date) => new Date(new Date(d).getTime() + 8 * 3_600_000).toISOString().slice(0, 10)
const clip = (s: string, n: number) => ([...s].length > n ? [...s].slice(0, n).join('') : s)
const orPlaceholder = (s: string, placeholder: string) => (s.trim() ? clip(s.trim(), 20000) : placeholder)

interface Prefill {
  areaPath: string
  categoryId: number | null
  title: string
  problem: string
  method: string
  result: string
}

/** The community above (or at) an area; a street or higher stays itself. */
async function communityOf(tx: Tx, areaId: number) {
  const { rows } = await sql<{ id: number; path: string }>`select b.id, b.path from area a
    join area b on a.path like b.path || '%' and b.level = 'community' where a.id = ${areaId}`.execute(tx)
  if (rows[0]) return rows[0]
  return tx.selectFrom('area').select(['id', 'path']).where('id', '=', areaId).executeTakeFirstOrThrow()
}

/** A finished source the caller sees (row-level security of its module), as a draft's text. */
async function prefill(tx: Tx, kind: ModelCaseSource, sourceId: number): Promise<Prefill & { areaId: number }> {
  if (kind === 'case') {
    const c = await tx
      .selectFrom('cases as c')
      .innerJoin('case_category as cc', 'cc.id', 'c.category_id')
      .select(['c.id', 'c.state', 'c.area_id', 'c.category_id', 'c.description', 'c.result', 'cc.name_zh'])
      .where('c.id', '=', sourceId)
      .executeTakeFirst()
    if (!c) throw sourceInvalid(`no case ${sourceId} you may see`)
    if (c.state !== 'closed' && c.state !== 'rated') throw sourceInvalid(`the case is ${c.state}, not closed`)
    const events = await tx
      .selectFrom('case_event')
      .select(['at', 'action', 'comment'])
      .where('case_id', '=', sourceId)
      .orderBy('id')
      .execute()
    const steps = events
      .filter((e) => e.action !== 'submit' && caseActionZh[e.action])
      .map((e) => `${day(e.at)} ${caseActionZh[e.action]}${e.comment ? `：${e.comment}` : ''}`)
    const area = await communityOf(tx, c.area_id)
    return {
      areaId: area.id,
      areaPath: area.path,
      categoryId: c.category_id,
      title: clip(`${c.name_zh}：${c.description.split(/[。！？\n]/)[0] ?? ''}`, 200),
      problem: clip(c.description, 20000),
      method: orPlaceholder(steps.join('\n'), '（请补充处置过程）'),
      result: orPlaceholder(c.result ?? '', '（请补充处置结果）'),
    }
  }
  if (kind === 'dispute') {
    const d = await tx
      .selectFrom('dispute')
      .select(['id', 'state', 'area_id', 'category', 'facts', 'claims', 'outcome', 'source_case_id'])
      .where('id', '=', sourceId)
      .executeTakeFirst()
    if (!d) throw sourceInvalid(`no dispute ${sourceId} you may see`)
    if (d.state !== 'settled' && d.state !== 'closed') throw sourceInvalid(`the dispute is ${d.state}, not concluded`)
    const sessions = await tx
      .selectFrom('mediation_session')
      .select(['held_at', 'place', 'record'])
      .where('dispute_id', '=', sourceId)
      .orderBy('held_at')
      .execute()
    const events = await tx
      .selectFrom('dispute_event')
      .select(['at', 'action', 'comment'])
      .where('dispute_id', '=', sourceId)
      .where('comment', 'is not', null)
      .orderBy('id')
      .execute()
    const agreement = await tx
      .selectFrom('mediation_agreement')
      .select(['terms', 'status'])
      .where('dispute_id', '=', sourceId)
      .where('status', 'in', ['effective', 'performed'])
      .orderBy('id', 'desc')
      .executeTakeFirst()
    const category = d.source_case_id
      ? await tx.selectFrom('cases').select('category_id').where('id', '=', d.source_case_id).executeTakeFirst()
      : undefined
    const area = await communityOf(tx, d.area_id)
    const steps = [
      ...sessions.map((s) => `${day(s.held_at)} 在${s.place}调解：${s.record}`),
      ...events.map((e) => `${day(e.at)} ${e.comment}`),
    ]
    return {
      areaId: area.id,
      areaPath: area.path,
      categoryId: category?.category_id ?? null,
      title: `${disputeCategoryZh[d.category] ?? '纠纷'}调解`,
      problem: clip(`${d.facts}\n诉求：${d.claims}`, 20000),
      method: orPlaceholder(steps.join('\n'), '（请补充调解过程）'),
      result: orPlaceholder(agreement?.terms ?? (d.outcome ? (outcomeZh[d.outcome] ?? '') : ''), '（请补充调解结果）'),
    }
  }
  const p = await tx
    .selectFrom('proposal')
    .select(['id', 'status', 'area_id', 'title', 'body', 'answer'])
    .where('id', '=', sourceId)
    .executeTakeFirst()
  if (!p) throw sourceInvalid(`no proposal ${sourceId} you may see`)
  if (p.status !== 'implemented') throw sourceInvalid(`the proposal is ${p.status}, not implemented`)
  const events = await tx
    .selectFrom('proposal_event')
    .select(['at', 'note'])
    .where('proposal_id', '=', sourceId)
    .where('note', 'is not', null)
    .orderBy('id')
    .execute()
  const area = await communityOf(tx, p.area_id)
  return {
    areaId: area.id,
    areaPath: area.path,
    categoryId: null,
    title: clip(p.title, 200),
    problem: p.body,
    method: orPlaceholder(events.map((e) => `${day(e.at)} ${e.note}`).join('\n'), '（请补充议事协商过程）'),
    result: orPlaceholder(p.answer ?? '', '（请补充实施结果）'),
  }
}

// ── Use cases ─────────────────────────────────────────────────────────────────────────────────

export async function modelCaseView(tx: Tx, ctx: RequestContext, modelCaseId: number) {
  return present(tx, ctx, await loadRow(tx, ctx, modelCaseId))
}

/** Writes up a finished source as a draft, prefilled from it and checked at once. */
export async function createModelCase(
  tx: Tx,
  ctx: RequestContext,
  input: NewModelCase,
  people: SourcePeople,
  now: Date,
): Promise<ModelCaseView> {
  requireActor(ctx)
  const draft = await prefill(tx, input.sourceKind, input.sourceId)
  let area = { id: draft.areaId, path: draft.areaPath }
  if (input.areaId !== undefined && input.areaId !== draft.areaId) {
    const a = await tx.selectFrom('area').select(['id', 'path']).where('id', '=', input.areaId).executeTakeFirst()
    if (!a) throw notFound('AREA_NOT_FOUND', `area ${input.areaId}`, 'areaId')
    if (!draft.areaPath.startsWith(a.path))
      throw sourceInvalid('a model case is kept at its source’s community or an area above it', 'areaId')
    area = a
  }
  const actor = requireKeeper(ctx, area.path)
  const taken = await tx
    .selectFrom('model_case')
    .select('id')
    .where('source_kind', '=', input.sourceKind)
    .where('source_id', '=', input.sourceId)
    .executeTakeFirst()
  if (taken) throw already(Number(taken.id))
  const texts = { ...draft, lessons: '', tags: [] as string[] }
  const findings = runCheck(texts, people)
  let made: { id: number }
  try {
    made = await tx
      .insertInto('model_case')
      .values({
        area_id: area.id,
        source_kind: input.sourceKind,
        source_id: input.sourceId,
        category_id: draft.categoryId,
        title: draft.title,
        problem: draft.problem,
        method: draft.method,
        result: draft.result,
        terms: termsOf(texts),
        status: 'draft',
        checked_at: now,
        check_findings: JSON.stringify(findings),
        created_by: actor.userId,
        created_at: now,
        updated_at: now,
      })
      .returning('id')
      .executeTakeFirstOrThrow()
  } catch (err) {
    // Written up meanwhile, or kept on a branch the caller does not read.
    if ((err as { code?: string }).code === '23505') throw already(null)
    throw err
  }
  await recordAudit(tx, ctx, {
    action: 'model_case.create',
    entityType: 'model_case',
    entityId: made.id,
    areaId: area.id,
    detail: { sourceKind: input.sourceKind, sourceId: input.sourceId, findings: findings.length },
  })
  return modelCaseView(tx, ctx, Number(made.id))
}

const already = (existing: number | null) =>
  new AppError(
    'MODEL_CASE_ALREADY',
    'the source has already been written up as a model case',
    'sourceId',
    {},
    existing === null ? null : { id: existing },
  )

/** The library: published model cases the caller reads (keepers also their drafts), searched and filtered. */
export async function listModelCases(tx: Tx, ctx: RequestContext, q: ModelCaseFilter) {
  const actor = requireActor(ctx)
  const page = { page: q.page ?? 1, pageSize: q.pageSize ?? 20 }
  const kept = actor.grants.filter((g) => trainingKeepers.includes(g.role)).map((g) => `${g.path}%`)
  const visible = kept.length
    ? sql`(m.status = 'published' or a.path like any (array[${sql.join(kept.map((k) => sql`${k}`))}]::text[]))`
    : sql`m.status = 'published'`
  const query = q.q !== undefined ? termsQuery(q.q) : null
  const where = sql`${visible}
    ${query ? sql`and to_tsvector('simple', m.terms) @@ ${query}` : sql``}
    ${q.categoryId !== undefined ? sql`and m.category_id = ${q.categoryId}` : sql``}
    ${q.sourceKind ? sql`and m.source_kind = ${q.sourceKind}` : sql``}
    ${q.status ? sql`and m.status = ${q.status}` : sql``}`
  const { rows: count } = await sql<{ n: number }>`select count(*)::int as n
    from model_case m join area a on a.id = m.area_id where ${where}`.execute(tx)
  const order = query
    ? sql`ts_rank(to_tsvector('simple', m.terms), ${query}) desc,`
    : sql`case m.status when 'draft' then 0 when 'published' then 1 else 2 end,`
  const { rows } = await sql<Row>`${select} where ${where}
    order by ${order} m.published_at desc nulls last, m.id desc
    limit ${page.pageSize} offset ${offsetOf(page)}`.execute(tx)
  return paginate(page, rows.map(presentSummary), count[0]?.n ?? 0)
}

async function checkCategory(tx: Tx, categoryId: number) {
  const c = await tx.selectFrom('case_category').select('id').where('id', '=', categoryId).executeTakeFirst()
  if (!c) throw notFound('CASE_CATEGORY_NOT_FOUND', `case category ${categoryId}`, 'categoryId')
}

const personalData = (findings: Finding[]) =>
  new AppError(
    'MODEL_CASE_PERSONAL_DATA',
    `the text still holds personal data (${findings.length} finding${findings.length === 1 ? '' : 's'}); remove it first`,
    findings[0]?.field ?? 'problem',
    {},
    { findings: findings.map(presentFinding) },
  )

/** Edits the texts (the version read), checks them again and stores the findings and the words. */
export async function updateModelCase(
  tx: Tx,
  ctx: RequestContext,
  modelCaseId: number,
  input: ModelCasePatch,
  people: SourcePeople,
  now: Date,
): Promise<ModelCaseView> {
  const r = await loadRow(tx, ctx, modelCaseId)
  requireKeeper(ctx, r.area_path)
  if (r.version !== input.version) throw conflict(r.version)
  if (input.categoryId != null) await checkCategory(tx, input.categoryId)
  const next = {
    title: input.title ?? r.title,
    problem: input.problem ?? r.problem,
    method: input.method ?? r.method,
    result: input.result ?? r.result,
    lessons: input.lessons ?? r.lessons,
    tags: input.tags ?? r.tags,
  }
  const findings = runCheck(next, people)
  // A published model case stays clean: a change that brings personal data in is refused.
  if (r.status === 'published' && findings.length) throw personalData(findings)
  await save(tx, r, {
    ...next,
    category_id: input.categoryId !== undefined ? input.categoryId : r.category_id,
    terms: termsOf(next),
    checked_at: now,
    check_findings: JSON.stringify(findings),
    updated_at: now,
  })
  const { version: _v, ...fields } = input
  await recordAudit(tx, ctx, {
    action: 'model_case.update',
    entityType: 'model_case',
    entityId: r.id,
    areaId: r.area_id,
    detail: { fields: Object.keys(fields), findings: findings.length },
  })
  return modelCaseView(tx, ctx, Number(r.id))
}

async function save(tx: Tx, r: Row, set: Record<string, unknown>) {
  const changed = await tx
    .updateTable('model_case')
    .set({ ...set, version: r.version + 1 })
    .where('id', '=', r.id)
    .where('version', '=', r.version)
    .returning('id')
    .executeTakeFirst()
  if (!changed) throw conflict(r.version + 1)
}

/** Runs the check on the stored texts; a draft keeps the findings (a published one has none to keep). */
export async function checkModelCase(
  tx: Tx,
  ctx: RequestContext,
  modelCaseId: number,
  people: SourcePeople,
  now: Date,
) {
  const r = await loadRow(tx, ctx, modelCaseId)
  requireKeeper(ctx, r.area_path)
  const findings = runCheck(r, people)
  if (r.status !== 'published')
    await tx
      .updateTable('model_case')
      .set({ checked_at: now, check_findings: JSON.stringify(findings) })
      .where('id', '=', r.id)
      .execute()
  return { findings: findings.map(presentFinding), checkedAt: now.toISOString() }
}

/** Replaces every finding in the texts by its mask ("anonymise for me") and checks again. */
export async function anonymiseModelCase(
  tx: Tx,
  ctx: RequestContext,
  modelCaseId: number,
  input: Input<typeof versionBody>,
  people: SourcePeople,
  now: Date,
) {
  const r = await loadRow(tx, ctx, modelCaseId)
  requireKeeper(ctx, r.area_path)
  if (r.version !== input.version) throw conflict(r.version)
  const clean = (s: string) => anonymise(s, people.names, people.numbers)
  const next = {
    title: clean(r.title),
    problem: clean(r.problem),
    method: clean(r.method),
    result: clean(r.result),
    lessons: clean(r.lessons),
    tags: r.tags.map(clean),
  }
  const findings = runCheck(next, people)
  await save(tx, r, {
    ...next,
    terms: termsOf(next),
    checked_at: now,
    check_findings: JSON.stringify(findings),
    updated_at: now,
  })
  await recordAudit(tx, ctx, {
    action: 'model_case.anonymise',
    entityType: 'model_case',
    entityId: r.id,
    areaId: r.area_id,
    detail: { removed: runCheck(r, people).length, left: findings.length },
  })
  return modelCaseView(tx, ctx, Number(r.id))
}

/** Publishes a draft (or a withdrawn one again) when the check finds nothing; else 422 with the findings. */
export async function publishModelCase(
  tx: Tx,
  ctx: RequestContext,
  modelCaseId: number,
  input: Input<typeof versionBody>,
  people: SourcePeople,
  now: Date,
) {
  const r = await loadRow(tx, ctx, modelCaseId)
  const actor = requireKeeper(ctx, r.area_path)
  if (r.version !== input.version) throw conflict(r.version)
  if (r.status === 'published')
    throw new AppError(
      'MODEL_CASE_ILLEGAL_TRANSITION',
      'the model case is published already',
      'id',
      {},
      {
        status: r.status,
      },
    )
  const findings = runCheck(r, people)
  if (findings.length) throw personalData(findings)
  await save(tx, r, {
    status: 'published',
    published_at: now,
    published_by: actor.userId,
    checked_at: now,
    check_findings: JSON.stringify([]),
    updated_at: now,
  })
  await recordAudit(tx, ctx, {
    action: 'model_case.publish',
    entityType: 'model_case',
    entityId: r.id,
    areaId: r.area_id,
    detail: { sourceKind: r.source_kind, sourceId: Number(r.source_id) },
  })
  return modelCaseView(tx, ctx, Number(r.id))
}

/** Takes a published model case out of the library, with the reason (kept in the audit trail). */
export async function withdrawModelCase(
  tx: Tx,
  ctx: RequestContext,
  modelCaseId: number,
  input: Input<typeof withdrawBody>,
  now: Date,
) {
  const r = await loadRow(tx, ctx, modelCaseId)
  requireKeeper(ctx, r.area_path)
  if (r.version !== input.version) throw conflict(r.version)
  if (r.status !== 'published')
    throw new AppError(
      'MODEL_CASE_ILLEGAL_TRANSITION',
      `a ${r.status} model case cannot be withdrawn`,
      'id',
      {},
      {
        status: r.status,
      },
    )
  await save(tx, r, { status: 'withdrawn', updated_at: now })
  await recordAudit(tx, ctx, {
    action: 'model_case.withdraw',
    entityType: 'model_case',
    entityId: r.id,
    areaId: r.area_id,
    detail: { reason: input.reason },
  })
  return modelCaseView(tx, ctx, Number(r.id))
}

/**
 * Up to five published model cases for a case the caller sees: the same category first, then
 * its sibling categories, then by the words they share with the case's description (ts_rank);
 * only those sharing the category or a word, never the write-up of the case itself.
 */
export async function suggestModelCases(tx: Tx, ctx: RequestContext, caseId: number) {
  requireActor(ctx)
  const c = await tx
    .selectFrom('cases as c')
    .innerJoin('case_category as cc', 'cc.id', 'c.category_id')
    .select(['c.id', 'c.category_id', 'cc.parent_id', 'c.description'])
    .where('c.id', '=', caseId)
    .executeTakeFirst()
  if (!c) throw notFound('CASE_NOT_FOUND', `case ${caseId}`, 'caseId')
  const query = termsQuery(c.description)
  const rank = sql`ts_rank(to_tsvector('simple', m.terms), ${query})`
  const { rows } = await sql<Row>`${select}
    where m.status = 'published' and not (m.source_kind = 'case' and m.source_id = ${caseId})
      and (m.category_id = ${c.category_id}
           ${c.parent_id !== null ? sql`or cc.parent_id = ${c.parent_id}` : sql``}
           or to_tsvector('simple', m.terms) @@ ${query})
    order by coalesce(m.category_id = ${c.category_id}, false) desc,
      ${c.parent_id !== null ? sql`coalesce(cc.parent_id = ${c.parent_id}, false) desc,` : sql``}
      ${rank} desc, m.published_at desc, m.id desc
    limit 5`.execute(tx)
  return { items: rows.map(presentSummary) }
}

export const suggestionsSchema = shape({ items: { type: 'array', items: modelCaseSummarySchema } })
