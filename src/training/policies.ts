import { sql } from 'kysely'
import { recordAudit } from '../audit/service.js'
import type { Tx } from '../core/db.js'
import { AppError, notFound, versionConflict } from '../core/errors.js'
import type { Input, Output } from '../core/http.js'
import { offsetOf, pageQuerySchema, paginate } from '../core/paging.js'
import { body, id, nullable, shape, timestamp } from '../core/schemas.js'
import { holds, requireActor, type RequestContext } from '../core/scope.js'
import { areaRefSchema } from '../jurisdiction/service.js'
import { searchTerms, termsQuery } from '../participation/terms.js'
import { policyStatuses, keepsTraining } from './common.js'

// Policy explainers (政策解读): a policy's text as issued, its plain-language explainer and Q&A,
// linked to the notices that publish it and the case categories it bears on, so a handler sees
// the relevant policy on the case page. Read by every staff role on the policy's branch (row-level
// security, migration 0072); drafts and retired policies only by the keepers over its area.

/** A calendar day of 1900–2099 (the database refuses the year 0; nothing here is older or later). */
const day = { type: 'string', format: 'date', pattern: '^(19|20)\\d{2}-\\d{2}-\\d{2}$' } as const
const nullableDay = { ...day, type: ['string', 'null'] } as const
const version = { type: 'integer', minimum: 1, maximum: 2147483647 } as const
/** Nobody types a policy's full text into a box: 100,000 characters is the migration's limit. */
const policyText = { type: 'string', minLength: 1, maxLength: 100000 } as const
const explainer = { type: 'string', maxLength: 20000 } as const
const title = { type: 'string', minLength: 2, maxLength: 200 } as const
const qaItem = {
  type: 'object',
  additionalProperties: false,
  required: ['question', 'answer'],
  properties: {
    question: { type: 'string', minLength: 1, maxLength: 500 },
    answer: { type: 'string', minLength: 1, maxLength: 2000 },
  },
} as const
const qa = { type: 'array', maxItems: 50, items: qaItem } as const
const idSet = (what: string) =>
  ({ type: 'array', maxItems: 20, uniqueItems: true, items: id, description: what }) as const

export type PolicyStatus = (typeof policyStatuses)[number]

// ── Schemas ───────────────────────────────────────────────────────────────────────────────────

export const newPolicyBody = body(['areaId', 'title', 'text'], {
  areaId: { ...id, description: 'The area whose policy it is (its keepers write it; its branch reads it)' },
  title,
  documentNo: { type: 'string', minLength: 1, maxLength: 100, description: '文号, e.g. 江政办发〔2027〕3号' },
  issuedBy: { type: 'string', minLength: 1, maxLength: 200 },
  issuedOn: day,
  effectiveOn: day,
  text: { ...policyText, description: 'The full text as issued' },
  explainer: { ...explainer, description: 'The plain-language explainer, shown first' },
  qa,
  noticeIds: idSet('Notices that publish it (notices the caller can see)'),
  categoryIds: idSet('Case categories it bears on'),
})
export type NewPolicy = Input<typeof newPolicyBody>

export const policyPatchBody = body(['version'], {
  version,
  title,
  documentNo: { type: ['string', 'null'], minLength: 1, maxLength: 100 },
  issuedBy: { type: ['string', 'null'], minLength: 1, maxLength: 200 },
  issuedOn: nullableDay,
  effectiveOn: nullableDay,
  text: policyText,
  explainer,
  qa,
  noticeIds: idSet('Replaces the linked notices'),
  categoryIds: idSet('Replaces the linked case categories'),
  status: {
    type: 'string',
    enum: policyStatuses,
    description: 'draft → published → retired; a retired policy may be published again',
  },
})
export type PolicyPatch = Input<typeof policyPatchBody>

export const policyQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    ...pageQuerySchema,
    q: { type: 'string', minLength: 1, maxLength: 100, description: 'Words (Chinese segmented), ranked' },
    categoryId: { ...id, description: 'Policies on this case category or its parent' },
    noticeId: { ...id, description: 'Policies a notice publishes' },
    status: { type: 'string', enum: policyStatuses, description: 'Others than published: the keepers only' },
    areaId: { ...id, description: 'Policies of this area and the areas below it' },
  },
} as const
export type PolicyFilter = Input<typeof policyQuery>

const categoryRef = shape({
  id: { type: 'integer' },
  code: { type: 'string' },
  nameZh: { type: 'string' },
  nameEn: { type: 'string' },
})

export const policySchema = shape({
  id: { type: 'integer' },
  area: areaRefSchema,
  title: { type: 'string' },
  documentNo: nullable('string'),
  issuedBy: nullable('string'),
  issuedOn: { type: ['string', 'null'], format: 'date' },
  effectiveOn: { type: ['string', 'null'], format: 'date' },
  excerpt: { type: 'string', description: 'The first lines of the explainer (else of the text)' },
  status: { type: 'string', enum: policyStatuses },
  publishedAt: { type: ['string', 'null'], format: 'date-time' },
  categories: { type: 'array', items: categoryRef },
  version: { type: 'integer' },
  updatedAt: timestamp,
  canEdit: { type: 'boolean' },
})
export type PolicyView = Output<typeof policySchema>

export const policyDetailSchema = shape({
  ...policySchema.properties,
  text: { type: 'string' },
  explainer: { type: 'string' },
  qa: { type: 'array', items: shape({ question: { type: 'string' }, answer: { type: 'string' } }) },
  notices: {
    type: 'array',
    description: 'The linked notices the caller can see',
    items: shape({
      id: { type: 'integer' },
      title: { type: 'string' },
      kind: { type: 'string' },
      publishAt: timestamp,
    }),
  },
})
export type PolicyDetail = Output<typeof policyDetailSchema>

export const onCaseSchema = shape({
  items: { type: 'array', maxItems: 5, items: policySchema },
})

// ── Rows ──────────────────────────────────────────────────────────────────────────────────────

type PolicyRow = {
  id: number
  area_id: number
  area_code: string
  area_name_zh: string
  area_name_en: string
  area_path: string
  title: string
  document_no: string | null
  issued_by: string | null
  issued_on: string | null
  effective_on: string | null
  explainer: string
  text_head: string
  status: PolicyStatus
  published_at: Date | null
  version: number
  updated_at: Date
  categories: { id: number; code: string; nameZh: string; nameEn: string }[] | null
}

// The categories ride along as JSON: a list shows them, and one query per page stays one query.
const policySelect = sql`select p.id, p.area_id, a.code as area_code, a.name_zh as area_name_zh,
  a.name_en as area_name_en, a.path as area_path, p.title, p.document_no, p.issued_by,
  p.issued_on::text as issued_on, p.effective_on::text as effective_on, p.explainer,
  left(p.text, 300) as text_head, p.status, p.published_at, p.version, p.updated_at,
  (select json_agg(json_build_object('id', cc.id, 'code', cc.code, 'nameZh', cc.name_zh, 'nameEn', cc.name_en)
     order by cc.code)
   from training_policy_category pc join case_category cc on cc.id = pc.category_id
   where pc.policy_id = p.id) as categories
  from training_policy p join area a on a.id = p.area_id`

const keeps = keepsTraining

/** The first lines of the explainer (the text when there is none), about 120 characters. */
function excerptOf(explainerText: string, text: string) {
  const source = (explainerText.trim() || text.trim()).replace(/\s+/g, ' ')
  return source.length > 120 ? `${source.slice(0, 120)}…` : source
}

function present(ctx: RequestContext, r: PolicyRow): PolicyView {
  return {
    id: Number(r.id),
    area: { id: r.area_id, code: r.area_code, nameZh: r.area_name_zh, nameEn: r.area_name_en },
    title: r.title,
    documentNo: r.document_no,
    issuedBy: r.issued_by,
    issuedOn: r.issued_on,
    effectiveOn: r.effective_on,
    excerpt: excerptOf(r.explainer, r.text_head),
    status: r.status,
    publishedAt: r.published_at ? new Date(r.published_at).toISOString() : null,
    categories: (r.categories ?? []).map((c) => ({ ...c, id: Number(c.id) })),
    version: r.version,
    updatedAt: new Date(r.updated_at).toISOString(),
    canEdit: keeps(ctx, r.area_path),
  }
}

// ── Helpers ───────────────────────────────────────────────────────────────────────────────────

const invalid = (field: string, message: string) => new AppError('TRAINING_POLICY_INVALID', message, field)

const conflict = (current: number) => versionConflict('TRAINING_VERSION_CONFLICT', 'policy', current)

/** What a search matches: the content words of everything a reader might look for. */
const termsOf = (p: { title: string; explainer: string; text: string; qa: { question: string; answer: string }[] }) =>
  searchTerms([p.title, p.explainer, p.text, ...p.qa.flatMap((x) => [x.question, x.answer])].join('\n'))

/**
 * The policy as the caller may read it: row-level security gives the branch; a draft or retired
 * policy is shown to its keepers only (to the others it does not exist).
 */
async function loadRow(tx: Tx, ctx: RequestContext, policyId: number): Promise<PolicyRow> {
  const { rows } = await sql<PolicyRow>`${policySelect} where p.id = ${policyId}`.execute(tx)
  const r = rows[0]
  if (!r || (r.status !== 'published' && !keeps(ctx, r.area_path)))
    throw notFound('TRAINING_POLICY_NOT_FOUND', `policy ${policyId}`)
  return r
}

/**
 * The notices named must be ones the caller sees (row-level security: the branch) and not
 * withdrawn; a draft notice only for those who write notices in its area (it is theirs to publish).
 */
async function checkNotices(tx: Tx, ctx: RequestContext, noticeIds: readonly number[]) {
  if (noticeIds.length === 0) return
  const { rows } = await sql<{ id: number; status: string; path: string }>`select n.id, n.status, a.path
    from notice n join area a on a.id = n.area_id where n.id in (${sql.join(noticeIds)})`.execute(tx)
  for (const noticeId of noticeIds) {
    const n = rows.find((r) => Number(r.id) === noticeId)
    if (!n || (n.status === 'draft' && !holds(ctx.actor, ['admin', 'leader', 'staff'], n.path)))
      throw invalid('noticeIds', `no notice ${noticeId} that you can see`)
    if (n.status === 'withdrawn') throw invalid('noticeIds', `notice ${noticeId} was withdrawn`)
  }
}

async function checkCategories(tx: Tx, categoryIds: readonly number[]) {
  if (categoryIds.length === 0) return
  const found = await tx
    .selectFrom('case_category')
    .select('id')
    .where('id', 'in', [...categoryIds])
    .execute()
  const missing = categoryIds.find((c) => !found.some((f) => f.id === c))
  if (missing !== undefined) throw invalid('categoryIds', `no case category ${missing}`)
}

async function replaceLinks(
  tx: Tx,
  policyId: number,
  areaId: number,
  links: { noticeIds?: readonly number[]; categoryIds?: readonly number[] },
) {
  if (links.noticeIds !== undefined) {
    await tx.deleteFrom('training_policy_notice').where('policy_id', '=', policyId).execute()
    if (links.noticeIds.length > 0)
      await tx
        .insertInto('training_policy_notice')
        .values(links.noticeIds.map((n) => ({ policy_id: policyId, notice_id: n, area_id: areaId })))
        .execute()
  }
  if (links.categoryIds !== undefined) {
    await tx.deleteFrom('training_policy_category').where('policy_id', '=', policyId).execute()
    if (links.categoryIds.length > 0)
      await tx
        .insertInto('training_policy_category')
        .values(links.categoryIds.map((c) => ({ policy_id: policyId, category_id: c, area_id: areaId })))
        .execute()
  }
}

// ── Use cases ─────────────────────────────────────────────────────────────────────────────────

/**
 * The policies the caller reads, filtered: words (jieba) ranked by how many match, a case
 * category (and its parent's), a notice, a status (other than published: only what the caller
 * keeps), an area's subtree. Without words: newest first.
 */
export async function listPolicies(tx: Tx, ctx: RequestContext, q: PolicyFilter) {
  requireActor(ctx)
  const page = { page: q.page ?? 1, pageSize: q.pageSize ?? 50 }
  let path: string | null = null
  if (q.areaId !== undefined) {
    const a = await tx.selectFrom('area').select('path').where('id', '=', q.areaId).executeTakeFirst()
    if (!a) throw notFound('AREA_NOT_FOUND', `area ${q.areaId}`, 'areaId')
    path = a.path
  }
  const query = q.q !== undefined ? termsQuery(q.q) : null
  // Drafts and retired policies: only those over whose area the caller keeps the material.
  const where = sql`(p.status = 'published' or p.area_id in (select app_training_area_ids(true)))
    ${q.status ? sql`and p.status = ${q.status}` : sql``}
    ${path ? sql`and a.path like ${path} || '%'` : sql``}
    ${query ? sql`and to_tsvector('simple', p.terms) @@ ${query}` : sql``}
    ${
      q.categoryId !== undefined
        ? sql`and exists (select 1 from training_policy_category pc where pc.policy_id = p.id
            and pc.category_id in (select c.id from case_category c where c.id = ${q.categoryId}
              union select c.parent_id from case_category c where c.id = ${q.categoryId} and c.parent_id is not null))`
        : sql``
    }
    ${
      q.noticeId !== undefined
        ? sql`and exists (select 1 from training_policy_notice pn where pn.policy_id = p.id and pn.notice_id = ${q.noticeId})`
        : sql``
    }`
  const { rows: count } = await sql<{ n: number }>`select count(*)::int as n
    from training_policy p join area a on a.id = p.area_id where ${where}`.execute(tx)
  const order = query
    ? sql`ts_rank(to_tsvector('simple', p.terms), ${query}) desc, p.published_at desc nulls first, p.id desc`
    : sql`p.published_at desc nulls first, p.id desc`
  const { rows } = await sql<PolicyRow>`${policySelect} where ${where}
    order by ${order} limit ${page.pageSize} offset ${offsetOf(page)}`.execute(tx)
  return paginate(
    page,
    rows.map((r) => present(ctx, r)),
    count[0]?.n ?? 0,
  )
}

/** One policy with its text, explainer, Q&A, the linked notices the caller sees and its categories. */
export async function policyDetail(tx: Tx, ctx: RequestContext, policyId: number): Promise<PolicyDetail> {
  requireActor(ctx)
  const r = await loadRow(tx, ctx, policyId)
  const full = await tx
    .selectFrom('training_policy')
    .select(['text', 'explainer', 'qa'])
    .where('id', '=', r.id)
    .executeTakeFirstOrThrow()
  // The notice's own rules decide who sees it: row-level security for the branch, drafts for
  // those who write notices there.
  const { rows: notices } = await sql<{
    id: number
    title: string
    kind: string
    publish_at: Date
    status: string
    path: string
  }>`
    select n.id, n.title, n.kind, n.publish_at, n.status, a.path
    from training_policy_notice pn join notice n on n.id = pn.notice_id join area a on a.id = n.area_id
    where pn.policy_id = ${r.id} order by n.publish_at desc, n.id desc`.execute(tx)
  return {
    ...present(ctx, r),
    text: full.text,
    explainer: full.explainer,
    qa: full.qa as { question: string; answer: string }[],
    notices: notices
      .filter((n) => n.status === 'published' || holds(ctx.actor, ['admin', 'leader', 'staff'], n.path))
      .map((n) => ({
        id: Number(n.id),
        title: n.title,
        kind: n.kind,
        publishAt: new Date(n.publish_at).toISOString(),
      })),
  }
}

export async function createPolicy(tx: Tx, ctx: RequestContext, input: NewPolicy, now: Date): Promise<PolicyDetail> {
  const actor = requireActor(ctx)
  const area = await tx.selectFrom('area').select(['id', 'path']).where('id', '=', input.areaId).executeTakeFirst()
  if (!area) throw notFound('AREA_NOT_FOUND', `area ${input.areaId}`, 'areaId')
  if (!keeps(ctx, area.path))
    throw new AppError('FORBIDDEN', 'only the admins, leaders and staff over the area write its policies', 'areaId')
  const qaList = input.qa ?? []
  await checkNotices(tx, ctx, input.noticeIds ?? [])
  await checkCategories(tx, input.categoryIds ?? [])
  const made = await tx
    .insertInto('training_policy')
    .values({
      area_id: area.id,
      title: input.title,
      document_no: input.documentNo ?? null,
      issued_by: input.issuedBy ?? null,
      issued_on: input.issuedOn ?? null,
      effective_on: input.effectiveOn ?? null,
      text: input.text,
      explainer: input.explainer ?? '',
      qa: JSON.stringify(qaList),
      terms: termsOf({ title: input.title, explainer: input.explainer ?? '', text: input.text, qa: qaList }),
      status: 'draft',
      created_by: actor.userId,
      created_at: now,
      updated_at: now,
    })
    .returning('id')
    .executeTakeFirstOrThrow()
  const policyId = Number(made.id)
  await replaceLinks(tx, policyId, area.id, input)
  await recordAudit(tx, ctx, {
    action: 'training.policy.create',
    entityType: 'training_policy',
    entityId: policyId,
    areaId: area.id,
    detail: { title: input.title, notices: input.noticeIds ?? [], categories: input.categoryIds ?? [] },
  })
  return policyDetail(tx, ctx, policyId)
}

/** Which status may follow which: published and retired go back and forth; nothing returns to draft. */
const transitions: Record<PolicyStatus, PolicyStatus[]> = {
  draft: ['published'],
  published: ['retired'],
  retired: ['published'],
}

/**
 * Edits a policy (the version read): its fields, its links (a list given replaces the set) and its
 * status. Publishing stamps the first publication; a policy published again keeps that date.
 */
export async function updatePolicy(tx: Tx, ctx: RequestContext, policyId: number, input: PolicyPatch, now: Date) {
  requireActor(ctx)
  const r = await loadRow(tx, ctx, policyId)
  if (!keeps(ctx, r.area_path))
    throw new AppError('FORBIDDEN', 'only the admins, leaders and staff over the area keep its policies')
  if (r.version !== input.version) throw conflict(r.version)
  const status = input.status ?? r.status
  if (status !== r.status && !transitions[r.status].includes(status))
    throw invalid(
      'status',
      `a ${r.status} policy cannot become ${status} (allowed: ${transitions[r.status].join(', ')})`,
    )
  if (input.noticeIds) await checkNotices(tx, ctx, input.noticeIds)
  if (input.categoryIds) await checkCategories(tx, input.categoryIds)
  const current = await tx
    .selectFrom('training_policy')
    .select(['title', 'text', 'explainer', 'qa'])
    .where('id', '=', r.id)
    .executeTakeFirstOrThrow()
  const next = {
    title: input.title ?? current.title,
    text: input.text ?? current.text,
    explainer: input.explainer ?? current.explainer,
    qa: input.qa ?? (current.qa as { question: string; answer: string }[]),
  }
  const reworded =
    input.title !== undefined || input.text !== undefined || input.explainer !== undefined || input.qa !== undefined
  const changed = await tx
    .updateTable('training_policy')
    .set({
      ...(input.title !== undefined ? { title: input.title } : {}),
      ...(input.documentNo !== undefined ? { document_no: input.documentNo } : {}),
      ...(input.issuedBy !== undefined ? { issued_by: input.issuedBy } : {}),
      ...(input.issuedOn !== undefined ? { issued_on: input.issuedOn } : {}),
      ...(input.effectiveOn !== undefined ? { effective_on: input.effectiveOn } : {}),
      ...(input.text !== undefined ? { text: input.text } : {}),
      ...(input.explainer !== undefined ? { explainer: input.explainer } : {}),
      ...(input.qa !== undefined ? { qa: JSON.stringify(input.qa) } : {}),
      ...(reworded ? { terms: termsOf(next) } : {}),
      status,
      ...(status === 'published' && r.published_at === null ? { published_at: now } : {}),
      updated_at: now,
      version: r.version + 1,
    })
    .where('id', '=', r.id)
    .where('version', '=', r.version)
    .returning('id')
    .executeTakeFirst()
  if (!changed) throw conflict(r.version + 1)
  await replaceLinks(tx, r.id, r.area_id, input)
  const { version: _v, ...fields } = input
  await recordAudit(tx, ctx, {
    action:
      status === r.status
        ? 'training.policy.update'
        : status === 'published'
          ? 'training.policy.publish'
          : 'training.policy.retire',
    entityType: 'training_policy',
    entityId: r.id,
    areaId: r.area_id,
    detail: { fields: Object.keys(fields), from: r.status, to: status },
  })
  return policyDetail(tx, ctx, r.id)
}

/**
 * The published policies bearing on a case's category or its parent that the caller reads,
 * newest first, at most 5 — for the case page. A case the caller cannot see is not found.
 */
export async function policiesForCase(tx: Tx, ctx: RequestContext, caseId: number) {
  requireActor(ctx)
  const c = await sql<{ category_id: number; parent_id: number | null }>`select c.category_id, cc.parent_id
    from cases c join case_category cc on cc.id = c.category_id where c.id = ${caseId}`.execute(tx)
  const found = c.rows[0]
  if (!found) throw notFound('CASE_NOT_FOUND', `case ${caseId}`)
  const categories = [found.category_id, ...(found.parent_id !== null ? [found.parent_id] : [])]
  const { rows } = await sql<PolicyRow>`${policySelect} where p.status = 'published'
    and exists (select 1 from training_policy_category pc where pc.policy_id = p.id
      and pc.category_id in (${sql.join(categories)}))
    order by p.published_at desc, p.id desc limit 5`.execute(tx)
  return { items: rows.map((r) => present(ctx, r)) }
}
