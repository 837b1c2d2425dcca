import { sql } from 'kysely'
import { DateTime } from 'luxon'
import { recordAudit } from '../audit/service.js'
import type { Db, Tx } from '../core/db.js'
import { AppError, invalid } from '../core/errors.js'
import type { Input, Output } from '../core/http.js'
import { id, shape, text } from '../core/schemas.js'
import { isRootAdmin, type RequestContext } from '../core/scope.js'
import { segment } from '../participation/terms.js'
import { period, reportedAreas, when, type AreaRef } from './stats.js'

/*
 * Key topics (重点议题) and the topic of the month (每月一题).
 *
 * A topic is a rule: a category mapping (a category code matches that category and, for a parent,
 * every category below it) plus keywords over the description. The description is segmented with
 * jieba (the platform's one loader, participation/terms.ts) and lowercased; a keyword matches when
 * its own tokens occur in a row among the description's tokens ('物业费' matches '物业费太贵', not
 * '物业' alone), so a keyword never matches inside a longer word the segmenter kept whole. Any
 * exclude keyword in the description vetoes the keyword matches of that topic (not its category
 * mapping). A case may fall in several topics, or in none.
 *
 * Assignment (case_topic) is written by the tagger: triggers queue every new case and every change
 * of what its topics depend on (category, description, area, submission time, becoming merged) in
 * the writer's transaction; a change of the rules restarts a sweep over every case. The tagger
 * empties the queue and then advances the sweep, in batches, each in one transaction. Merged cases
 * carry no topics (they count through the case they were merged into, as in /stats/cases). Trends
 * are exact once `pending` in their answer is 0.
 */

export const topicCode = { type: 'string', pattern: '^[A-Z][A-Z0-9_]{1,29}$' } as const
const keywordList = (max: number) =>
  ({ type: 'array', maxItems: max, uniqueItems: true, items: { type: 'string', minLength: 1, maxLength: 30 } }) as const

export const topicSchema = shape({
  id: { type: 'integer' },
  code: { type: 'string' },
  nameZh: { type: 'string' },
  nameEn: { type: 'string' },
  categoryCodes: { type: 'array', items: { type: 'string' } },
  keywords: { type: 'array', items: { type: 'string' } },
  excludeKeywords: { type: 'array', items: { type: 'string' } },
  active: { type: 'boolean' },
  sort: { type: 'integer' },
  version: { type: 'integer' },
  updatedAt: { type: 'string', format: 'date-time' },
})
export const topicListSchema = shape({
  items: { type: 'array', items: topicSchema },
  tagger: shape({
    rulesVersion: { type: 'integer' },
    queued: { type: 'integer', description: 'Cases waiting to be tagged' },
    sweeping: { type: 'boolean', description: 'A sweep over every case after a change of the rules is running' },
  }),
})

export const topicParams = {
  type: 'object',
  required: ['code'],
  additionalProperties: false,
  properties: { code: topicCode },
} as const

export const topicBody = {
  type: 'object',
  additionalProperties: false,
  required: ['nameZh', 'nameEn', 'categoryCodes', 'keywords'],
  properties: {
    nameZh: text(50),
    nameEn: text(80),
    categoryCodes: {
      type: 'array',
      maxItems: 100,
      uniqueItems: true,
      items: { type: 'string', minLength: 1, maxLength: 20 },
    },
    keywords: keywordList(200),
    excludeKeywords: keywordList(100),
    active: { type: 'boolean' },
    sort: { type: 'integer', minimum: -10000, maximum: 10000 },
    version: { type: 'integer', minimum: 1, description: 'The version read (409 when it changed meanwhile)' },
  },
} as const
export type TopicBody = Input<typeof topicBody>

type TopicView = Output<typeof topicSchema>

interface TopicRow {
  id: number
  code: string
  name_zh: string
  name_en: string
  category_codes: string[]
  keywords: string[]
  exclude_keywords: string[]
  active: boolean
  sort: number
  version: number
  updated_at: Date
}

const presentTopic = (t: TopicRow): TopicView => ({
  id: t.id,
  code: t.code,
  nameZh: t.name_zh,
  nameEn: t.name_en,
  categoryCodes: t.category_codes,
  keywords: t.keywords,
  excludeKeywords: t.exclude_keywords,
  active: t.active,
  sort: t.sort,
  version: t.version,
  updatedAt: t.updated_at.toISOString(),
})

const topicColumns = [
  'id',
  'code',
  'name_zh',
  'name_en',
  'category_codes',
  'keywords',
  'exclude_keywords',
  'active',
  'sort',
  'version',
  'updated_at',
] as const

async function taggerStatus(tx: Tx) {
  const t = await tx.selectFrom('topic_tagger').select(['rules_version', 'sweep_after']).executeTakeFirst()
  return { rulesVersion: t?.rules_version ?? 0, sweeping: t?.sweep_after !== null && t !== undefined }
}

export async function listTopics(tx: Tx, queued: number) {
  const rows = await tx.selectFrom('topic').select(topicColumns).orderBy('sort').orderBy('id').execute()
  const s = await taggerStatus(tx)
  return { items: rows.map(presentTopic), tagger: { ...s, queued } }
}

/** Creates or replaces a topic's rule (root admins: topics are city-wide); the sweep restarts. */
export async function putTopic(tx: Tx, ctx: RequestContext, code: string, input: TopicBody, now: Date) {
  if (!isRootAdmin(ctx.actor))
    throw new AppError('FORBIDDEN', 'topics are city-wide: they are kept by an admin of a root area', 'code')
  if (input.categoryCodes.length === 0 && input.keywords.length === 0)
    throw new AppError('TOPIC_RULE_INVALID', 'a topic needs a category code or a keyword', 'keywords')
  const known = new Set(
    (
      await tx
        .selectFrom('case_category')
        .select('code')
        .where('code', 'in', ['', ...input.categoryCodes])
        .execute()
    ).map((c) => c.code),
  )
  const unknown = input.categoryCodes.findIndex((c) => !known.has(c))
  if (unknown >= 0)
    throw new AppError(
      'TOPIC_RULE_INVALID',
      `no category has the code ${input.categoryCodes[unknown]}`,
      `categoryCodes[${unknown}]`,
    )
  const existing = await tx.selectFrom('topic').select(['id', 'version']).where('code', '=', code).executeTakeFirst()
  if (existing && input.version !== undefined && input.version !== existing.version)
    throw new AppError(
      'CONFLICT',
      `the topic changed meanwhile (version ${existing.version}); reload and retry`,
      'version',
      {},
      { version: existing.version },
    )
  const values = {
    name_zh: input.nameZh,
    name_en: input.nameEn,
    category_codes: input.categoryCodes,
    keywords: input.keywords.map((k) => k.trim().toLowerCase()).filter((k) => k.length > 0),
    exclude_keywords: (input.excludeKeywords ?? []).map((k) => k.trim().toLowerCase()).filter((k) => k.length > 0),
    active: input.active ?? true,
    sort: input.sort ?? 0,
    updated_at: now,
    updated_by: ctx.actor?.userId ?? null,
  }
  const row = existing
    ? await tx
        .updateTable('topic')
        .set({ ...values, version: existing.version + 1 })
        .where('id', '=', existing.id)
        .returning(topicColumns)
        .executeTakeFirstOrThrow()
    : await tx
        .insertInto('topic')
        .values({ code, ...values })
        .returning(topicColumns)
        .executeTakeFirstOrThrow()
  await recordAudit(tx, ctx, {
    action: existing ? 'topic.update' : 'topic.create',
    entityType: 'topic',
    entityId: String(row.id),
    detail: { code, categoryCodes: values.category_codes, keywords: values.keywords },
  })
  return presentTopic(row)
}

// --- Matching -------------------------------------------------------------------------------------

export interface CompiledTopic {
  id: number
  categoryCodes: Set<string>
  keywords: { text: string; tokens: string[] }[]
  excludes: string[][]
}

const tokensOf = (text: string) =>
  segment(text.toLowerCase())
    .map((w) => w.trim())
    .filter((w) => w.length > 0)

/** Compiles the active topics' rules: each keyword segmented once. */
export function compileTopics(
  rows: { id: number; category_codes: string[]; keywords: string[]; exclude_keywords: string[]; active: boolean }[],
): CompiledTopic[] {
  return rows
    .filter((r) => r.active)
    .map((r) => ({
      id: r.id,
      categoryCodes: new Set(r.category_codes),
      keywords: r.keywords.map((k) => ({ text: k, tokens: tokensOf(k) })).filter((k) => k.tokens.length > 0),
      excludes: r.exclude_keywords.map(tokensOf).filter((t) => t.length > 0),
    }))
}

function occurs(haystack: string[], needle: string[]): boolean {
  outer: for (let i = 0; i + needle.length <= haystack.length; i++) {
    for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer
    return true
  }
  return false
}

export interface TopicMatch {
  topicId: number
  matchedBy: 'category' | 'keyword'
  keyword: string | null
}

/** The topics of one case: by its category (or the category's parent), else by the first keyword found. */
export function matchTopics(
  topics: CompiledTopic[],
  c: { categoryCode: string | null; parentCode: string | null; description: string },
): TopicMatch[] {
  const tokens = tokensOf(c.description)
  const out: TopicMatch[] = []
  for (const t of topics) {
    if (
      (c.categoryCode !== null && t.categoryCodes.has(c.categoryCode)) ||
      (c.parentCode !== null && t.categoryCodes.has(c.parentCode))
    ) {
      out.push({ topicId: t.id, matchedBy: 'category', keyword: null })
      continue
    }
    if (t.excludes.some((x) => occurs(tokens, x))) continue
    const hit = t.keywords.find((k) => occurs(tokens, k.tokens))
    if (hit) out.push({ topicId: t.id, matchedBy: 'keyword', keyword: hit.text })
  }
  return out
}

// --- The tagger -----------------------------------------------------------------------------------

export const TAG_BATCH = 2000

interface CaseForTagging {
  id: number
  area_id: number
  submitted_at: Date
  state: string
  description: string
  category_code: string | null
  parent_code: string | null
}

async function loadCases(tx: Tx | Db, ids: number[]): Promise<CaseForTagging[]> {
  if (ids.length === 0) return []
  const { rows } = await sql<CaseForTagging>`
    select c.id::integer as id, c.area_id, c.submitted_at, c.state, c.description,
           k.code as category_code, p.code as parent_code
    from cases c
    join case_category k on k.id = c.category_id
    left join case_category p on p.id = k.parent_id
    where c.id = any(${ids}::bigint[])`.execute(tx)
  return rows
}

/** Replaces the topics of `ids` (those not found or merged end with none). */
async function writeTopics(tx: Tx | Db, topics: CompiledTopic[], ids: number[]): Promise<number> {
  const cases = await loadCases(tx, ids)
  await tx.deleteFrom('case_topic').where('case_id', 'in', ids).execute()
  const rows = cases
    .filter((c) => c.state !== 'merged')
    .flatMap((c) =>
      matchTopics(topics, { categoryCode: c.category_code, parentCode: c.parent_code, description: c.description }).map(
        (m) => ({
          case_id: c.id,
          topic_id: m.topicId,
          area_id: c.area_id,
          submitted_at: c.submitted_at,
          matched_by: m.matchedBy,
          keyword: m.keyword,
        }),
      ),
    )
  for (let i = 0; i < rows.length; i += 5000)
    await tx
      .insertInto('case_topic')
      .values(rows.slice(i, i + 5000))
      .execute()
  return cases.length
}

async function rulesNow(tx: Tx | Db) {
  const tagger = await tx.selectFrom('topic_tagger').select(['rules_version', 'sweep_after']).executeTakeFirstOrThrow()
  const topics = compileTopics(
    await tx.selectFrom('topic').select(['id', 'category_codes', 'keywords', 'exclude_keywords', 'active']).execute(),
  )
  return { tagger, topics }
}

/**
 * One batch of the tagger, as the owner in one transaction: the queue first, then the sweep.
 * Answers how many cases it tagged (0: nothing left).
 */
export async function tagBatch(db: Db, batch = TAG_BATCH): Promise<number> {
  return db.transaction().execute(async (tx) => {
    const { tagger, topics } = await rulesNow(tx)
    const { rows: queued } = await sql<{ case_id: number }>`
      delete from case_topic_queue where case_id in (
        select case_id from case_topic_queue order by case_id limit ${batch} for update skip locked)
      returning case_id::integer as case_id`.execute(tx)
    if (queued.length > 0)
      return writeTopics(
        tx,
        topics,
        queued.map((q) => q.case_id),
      )
    if (tagger.sweep_after === null) return 0
    const ids = (
      await tx
        .selectFrom('cases')
        .select('id')
        .where('id', '>', tagger.sweep_after)
        .orderBy('id')
        .limit(batch)
        .execute()
    ).map((r) => Number(r.id))
    // Guarded by the rules' version: a change of the rules meanwhile restarted the sweep, keep that.
    await tx
      .updateTable('topic_tagger')
      .set({ sweep_after: ids.length > 0 ? ids[ids.length - 1] : null })
      .where('rules_version', '=', tagger.rules_version)
      .execute()
    if (ids.length === 0) return 0
    return writeTopics(tx, topics, ids)
  })
}

/** Runs the tagger until nothing is left, the signal stops it or `limit` cases are tagged; answers how many. */
export async function tagTopics(
  db: Db,
  signal?: AbortSignal,
  batch = TAG_BATCH,
  limit = Number.POSITIVE_INFINITY,
): Promise<number> {
  let total = 0
  for (;;) {
    if (signal?.aborted || total >= limit) return total
    const n = await tagBatch(db, batch)
    total += n
    if (n === 0) return total
  }
}

/** Cases waiting in the queue, plus the rest of a running sweep (owner's read). */
export async function taggerBacklog(db: Db): Promise<number> {
  const { rows } = await sql<{ n: number }>`
    select (select count(*) from case_topic_queue)::integer
         + coalesce((select count(*) from cases c, topic_tagger t
                     where t.sweep_after is not null and c.id > t.sweep_after), 0)::integer as n`.execute(db)
  return rows[0]?.n ?? 0
}

// --- Trends ---------------------------------------------------------------------------------------

export const intervals = ['day', 'week', 'month'] as const

export const trendsQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    areaId: id,
    from: when,
    to: when,
    interval: { type: 'string', enum: intervals, default: 'day' },
  },
} as const
export type TrendsQuery = Input<typeof trendsQuery>

const topicRef = shape({
  id: { type: 'integer' },
  code: { type: 'string' },
  nameZh: { type: 'string' },
  nameEn: { type: 'string' },
})

export const trendsSchema = shape({
  from: { type: 'string', format: 'date-time' },
  to: { type: 'string', format: 'date-time' },
  interval: { type: 'string', enum: intervals },
  timezone: { type: 'string' },
  areas: {
    type: 'array',
    items: shape({
      id: { type: 'integer' },
      code: { type: 'string' },
      nameZh: { type: 'string' },
      nameEn: { type: 'string' },
    }),
  },
  buckets: { type: 'array', items: { type: 'string' }, description: 'Start of each interval (local date), in order' },
  series: {
    type: 'array',
    items: shape({
      topic: topicRef,
      total: { type: 'integer' },
      counts: { type: 'array', items: { type: 'integer' }, description: 'One per bucket' },
    }),
  },
  pending: {
    type: 'integer',
    description: 'Cases the tagger has still to (re)tag anywhere; the counts are exact when it is 0',
  },
  definition: { type: 'string' },
})

const areaView = (a: AreaRef) => ({ id: a.id, code: a.code, nameZh: a.name_zh, nameEn: a.name_en })

const subtreeFilter = (roots: AreaRef[]) =>
  sql`(${sql.join(
    roots.map((r) => sql`a.path like ${`${r.path}%`}`),
    sql` or `,
  )})`

/** Local interval starts covering [from, to). */
function bucketsOf(from: Date, to: Date, interval: (typeof intervals)[number], zone: string): string[] {
  const unit = interval === 'week' ? 'week' : interval
  let t = DateTime.fromJSDate(from, { zone }).startOf(unit)
  const end = DateTime.fromJSDate(to, { zone })
  const out: string[] = []
  while (t < end && out.length < 1000) {
    out.push(t.toISODate() ?? '')
    t = t.plus({ [`${unit}s`]: 1 })
  }
  return out
}

export async function topicTrends(tx: Tx, ctx: RequestContext, q: TrendsQuery, pending: number, now: Date) {
  const roots = await reportedAreas(tx, ctx, q.areaId)
  const zone = roots[0]?.timezone ?? 'Asia/Shanghai'
  const { from, to } = period(q, zone, now)
  const interval = q.interval ?? 'day'
  const buckets = bucketsOf(from, to, interval, zone)
  if (buckets.length >= 1000) throw invalid('from', `the window holds too many ${interval}s (at most 999)`)
  const topics = await tx
    .selectFrom('topic')
    .select(['id', 'code', 'name_zh', 'name_en'])
    .orderBy('sort')
    .orderBy('id')
    .execute()
  const rows =
    roots.length === 0
      ? []
      : (
          await sql<{ topic_id: number; bucket: string; n: number }>`
            select ct.topic_id, to_char(date_trunc(${interval}, ct.submitted_at at time zone ${zone}), 'YYYY-MM-DD') as bucket,
                   count(*)::integer as n
            from case_topic ct join area a on a.id = ct.area_id
            where ct.submitted_at >= ${from} and ct.submitted_at < ${to} and ${subtreeFilter(roots)}
            group by 1, 2`.execute(tx)
        ).rows
  const index = new Map(buckets.map((b, i) => [b, i]))
  const byTopic = new Map<number, number[]>()
  for (const r of rows) {
    const counts = byTopic.get(r.topic_id) ?? new Array<number>(buckets.length).fill(0)
    const i = index.get(r.bucket)
    if (i !== undefined) counts[i] = (counts[i] ?? 0) + r.n
    byTopic.set(r.topic_id, counts)
  }
  return {
    from: from.toISOString(),
    to: to.toISOString(),
    interval,
    timezone: zone,
    areas: roots.map(areaView),
    buckets,
    series: topics.map((t) => {
      const counts = byTopic.get(t.id) ?? new Array<number>(buckets.length).fill(0)
      return {
        topic: { id: t.id, code: t.code, nameZh: t.name_zh, nameEn: t.name_en },
        total: counts.reduce((s, n) => s + n, 0),
        counts,
      }
    }),
    pending,
    definition:
      "cases with submitted_at in [from, to) located in the reported areas' subtrees, not merged, counted once per topic they fall in (a case may fall in several), by the local day, ISO week (from Monday) or month of submitted_at",
  }
}

// --- Topic of the month ---------------------------------------------------------------------------

export const MIN_VOLUME = 3
export const BASELINE_MONTHS = 3
export const GROWTH_CAP = 2

export const ofTheMonthQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    areaId: id,
    month: {
      type: 'string',
      pattern: '^(19|2[0-9])[0-9]{2}-(0[1-9]|1[0-2])$',
      description: 'YYYY-MM; default the last month that has ended',
    },
  },
} as const
export type OfTheMonthQuery = Input<typeof ofTheMonthQuery>

const placeSchema = shape({ label: { type: 'string' }, count: { type: 'integer' } })
const candidateSchema = shape({
  topic: topicRef,
  volume: { type: 'integer' },
  previous: {
    type: 'array',
    items: { type: 'integer' },
    description: 'Counts of the three months before, oldest first',
  },
  baseline: { type: 'number' },
  growth: { type: ['number', 'null'] },
  repeatPlaceCases: { type: 'integer' },
  repeatRequesterCases: { type: 'integer' },
  repeatRate: { type: 'number' },
  score: { type: 'number' },
  topGrids: { type: 'array', items: placeSchema },
  topAddresses: { type: 'array', items: placeSchema },
})

export const ofTheMonthSchema = shape({
  month: { type: 'string' },
  provisional: { type: 'boolean', description: 'The month has not ended: the figures will still grow' },
  timezone: { type: 'string' },
  streets: {
    type: 'array',
    items: shape({
      area: shape({
        id: { type: 'integer' },
        code: { type: 'string' },
        nameZh: { type: 'string' },
        nameEn: { type: 'string' },
      }),
      suggestion: { ...candidateSchema, type: ['object', 'null'] },
      candidates: { type: 'array', items: candidateSchema, description: 'The five best by score' },
    }),
  },
  pending: { type: 'integer' },
  formula: { type: 'string' },
})

export const ofTheMonthFormula =
  `For each street and topic: volume V = the topic's cases submitted in the month (local time, not merged); ` +
  `baseline B = mean monthly count over the ${BASELINE_MONTHS} months before; growth g = (V − B) / B (null when B = 0); ` +
  `a place is the address as written, else the location rounded to 0.0005° (≈50 m); repeatRate R = share of the V cases ` +
  `at a place with another of them, or by a signed-in requester with another of them; ` +
  `score = V × (1 + G) × (1 + R) with G = min(max(g, 0), ${GROWTH_CAP}) (G = 1 when B = 0). ` +
  `The suggestion is the highest score among topics with V ≥ ${MIN_VOLUME} (ties: larger V, then the topics' order).`

/** The score of a topic in a street's month (the formula above). */
export function topicScore(
  volume: number,
  baseline: number,
  repeatRate: number,
): { growth: number | null; score: number } {
  const growth = baseline > 0 ? (volume - baseline) / baseline : null
  const g = growth === null ? (volume > 0 ? 1 : 0) : Math.min(Math.max(growth, 0), GROWTH_CAP)
  return { growth, score: Math.round(volume * (1 + g) * (1 + repeatRate) * 1000) / 1000 }
}

const placeKey = sql`coalesce(nullif(btrim(c.address), ''),
  case when c.location is not null then
    'geo:' || (round(ST_X(c.location::geometry) * 2000) / 2000)::text || ',' || (round(ST_Y(c.location::geometry) * 2000) / 2000)::text end)`

/** The streets reported on: streets in the roots' subtrees; a root at or below street level stands for itself. */
async function streetsOf(tx: Tx, roots: AreaRef[]) {
  if (roots.length === 0) return []
  const { rows } = await sql<AreaRef & { level: string }>`
    select a.id, a.path, a.code, a.name_zh, a.name_en, a.timezone, a.level from area a
    where a.retired_at is null and (
      (a.level = 'street' and ${subtreeFilter(roots)})
      or (a.id = any(${roots.map((r) => r.id)}::integer[]) and a.level in ('street', 'community', 'grid')))
    order by a.path`.execute(tx)
  // A street inside another reported street cannot happen (streets do not nest); roots below a street stand alone.
  return rows
}

export async function topicOfTheMonth(tx: Tx, ctx: RequestContext, q: OfTheMonthQuery, pending: number, now: Date) {
  const roots = await reportedAreas(tx, ctx, q.areaId)
  const zone = roots[0]?.timezone ?? 'Asia/Shanghai'
  const current = DateTime.fromJSDate(now, { zone }).startOf('month')
  const start = q.month ? DateTime.fromISO(`${q.month}-01`, { zone }) : current.minus({ months: 1 })
  if (!start.isValid) throw invalid('month', 'month must be YYYY-MM')
  const end = start.plus({ months: 1 })
  const first = start.minus({ months: BASELINE_MONTHS })
  const streets = await streetsOf(tx, roots)
  const topics = await tx
    .selectFrom('topic')
    .select(['id', 'code', 'name_zh', 'name_en', 'sort'])
    .orderBy('sort')
    .orderBy('id')
    .execute()
  const topicById = new Map(topics.map((t, i) => [t.id, { ...t, order: i }]))
  const units = sql`unnest(${streets.map((s) => s.id)}::integer[], ${streets.map((s) => s.path)}::text[]) as u(unit_id, path)`
  const monthly =
    streets.length === 0
      ? []
      : (
          await sql<{ unit_id: number; topic_id: number; m: number; n: number }>`
            select u.unit_id, ct.topic_id,
                   ((extract(year from ct.submitted_at at time zone ${zone}) * 12 + extract(month from ct.submitted_at at time zone ${zone}))
                     - ${start.year * 12 + start.month})::integer as m,
                   count(*)::integer as n
            from case_topic ct join area a on a.id = ct.area_id join ${units} on a.path like u.path || '%'
            where ct.submitted_at >= ${first.toJSDate()} and ct.submitted_at < ${end.toJSDate()}
            group by 1, 2, 3`.execute(tx)
        ).rows
  const repeats =
    streets.length === 0
      ? []
      : (
          await sql<{ unit_id: number; topic_id: number; places: number; requesters: number; repeated: number }>`
            with m as (
              select u.unit_id, ct.topic_id, ${placeKey} as place, c.reporter_id
              from case_topic ct join cases c on c.id = ct.case_id join area a on a.id = ct.area_id
              join ${units} on a.path like u.path || '%'
              where ct.submitted_at >= ${start.toJSDate()} and ct.submitted_at < ${end.toJSDate()}
            ), r as (
              select m.*, count(*) over (partition by unit_id, topic_id, place) as place_n,
                     count(*) over (partition by unit_id, topic_id, reporter_id) as req_n
              from m)
            select unit_id, topic_id,
                   count(*) filter (where place is not null and place_n > 1)::integer as places,
                   count(*) filter (where reporter_id is not null and req_n > 1)::integer as requesters,
                   count(*) filter (where (place is not null and place_n > 1) or (reporter_id is not null and req_n > 1))::integer as repeated
            from r group by 1, 2`.execute(tx)
        ).rows
  const key = (u: number, t: number) => `${u}:${t}`
  const counts = new Map<string, number[]>()
  for (const r of monthly) {
    const k = key(r.unit_id, r.topic_id)
    const arr = counts.get(k) ?? [0, 0, 0, 0]
    arr[r.m + BASELINE_MONTHS] = r.n
    counts.set(k, arr)
  }
  const repeatOf = new Map(repeats.map((r) => [key(r.unit_id, r.topic_id), r]))

  const result = []
  for (const s of streets) {
    const candidates = []
    for (const t of topics) {
      const arr = counts.get(key(s.id, t.id))
      const volume = arr?.[BASELINE_MONTHS] ?? 0
      if (volume === 0) continue
      const previous = (arr ?? []).slice(0, BASELINE_MONTHS)
      const baseline = Math.round((previous.reduce((a, b) => a + b, 0) / BASELINE_MONTHS) * 1000) / 1000
      const rep = repeatOf.get(key(s.id, t.id))
      const repeatRate = Math.round(((rep?.repeated ?? 0) / volume) * 10000) / 10000
      const { growth, score } = topicScore(volume, baseline, repeatRate)
      candidates.push({
        topic: { id: t.id, code: t.code, nameZh: t.name_zh, nameEn: t.name_en },
        volume,
        previous,
        baseline,
        growth: growth === null ? null : Math.round(growth * 10000) / 10000,
        repeatPlaceCases: rep?.places ?? 0,
        repeatRequesterCases: rep?.requesters ?? 0,
        repeatRate,
        score,
        topGrids: [] as { label: string; count: number }[],
        topAddresses: [] as { label: string; count: number }[],
      })
    }
    candidates.sort(
      (a, b) =>
        b.score - a.score ||
        b.volume - a.volume ||
        (topicById.get(a.topic.id)?.order ?? 0) - (topicById.get(b.topic.id)?.order ?? 0),
    )
    const top = candidates.slice(0, 5)
    for (const c of top) Object.assign(c, await topPlaces(tx, s.path, c.topic.id, start.toJSDate(), end.toJSDate()))
    const best = top[0] && top[0].volume >= MIN_VOLUME ? top[0] : null
    result.push({ area: areaView(s), suggestion: best, candidates: top })
  }
  return {
    month: start.toFormat('yyyy-MM'),
    provisional: end > DateTime.fromJSDate(now, { zone }),
    timezone: zone,
    streets: result,
    pending,
    formula: ofTheMonthFormula,
  }
}

/** The grids and places with most of a topic's cases in a street's month (three each). */
async function topPlaces(tx: Tx, path: string, topicId: number, from: Date, to: Date) {
  const { rows: grids } = await sql<{ label: string; count: number }>`
    select a.name_zh as label, count(*)::integer as count
    from case_topic ct join area a on a.id = ct.area_id
    where ct.topic_id = ${topicId} and ct.submitted_at >= ${from} and ct.submitted_at < ${to} and a.path like ${`${path}%`}
    group by a.id, a.name_zh order by count desc, a.name_zh limit 3`.execute(tx)
  const { rows: addresses } = await sql<{ label: string; count: number }>`
    select nullif(btrim(c.address), '') as label, count(*)::integer as count
    from case_topic ct join cases c on c.id = ct.case_id join area a on a.id = ct.area_id
    where ct.topic_id = ${topicId} and ct.submitted_at >= ${from} and ct.submitted_at < ${to} and a.path like ${`${path}%`}
      and nullif(btrim(c.address), '') is not null
    group by 1 order by count desc, 1 limit 3`.execute(tx)
  return { topGrids: grids, topAddresses: addresses }
}
