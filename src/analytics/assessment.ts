import { sql } from 'kysely'
import { DateTime } from 'luxon'
import { recordAudit } from '../audit/service.js'
import type { Db, Tx } from '../core/db.js'
import { AppError, notFound, versionConflict } from '../core/errors.js'
import type { Input, Output } from '../core/http.js'
import { offsetOf, pageQuerySchema, paginate } from '../core/paging.js'
import { body, id, shape, timestamp } from '../core/schemas.js'
import { holds, inScope, requireActor, type RequestContext, type Role } from '../core/scope.js'
import { evaluate, figuresOf, FormulaError, parseFormula } from './assessment-formula.js'
import { caseEvaluation } from './evaluation.js'
import { caseStats } from './stats.js'

/*
 * KPI assessment (考核). A scheme belongs to an area and a unit type (department, street,
 * community, grid worker) and holds KPIs: a formula over the statistics' figures
 * (assessment-formula.ts), a weight (percent; the weights sum to 100), a target, the value that
 * earns nothing (floor), the direction (higher or lower is better) and a scoring rule:
 *   linear   points = 100 × clamp((value − floor) / (target − floor), 0, 1): nothing at the floor,
 *            everything at the target and beyond (capped). floor < target when higher is better,
 *            floor > target when lower is better.
 *   step     points = 100 when the target is met (value ≥ target, or ≤ when lower is better), else 0.
 * A unit's score = Σ weight·points / Σ weight over the KPIs with a value (a KPI whose value is null
 * — a rate without a denominator — drops out with its weight, as in the GB/T 30428 evaluation);
 * no KPI with a value: no score, no rank. Points and the score are rounded half up to 2 decimals,
 * values to 6. Ranked by score, highest first; equal scores share a rank (1, 1, 3).
 *
 * Figures come from caseStats and caseEvaluation (one definition per figure), over the run's
 * period [from, to) in the scheme area's time zone, as of the run's time:
 *   department   caseStats and caseEvaluation over the scheme's area grouped by department
 *   street, community   each street or community below the scheme's area (or the area itself)
 *                on its own (areaId = the unit)
 *   grid_worker  each grid-worker grant on a grid below the scheme's area: the grid's cases
 *                (a worker holding two grids is two units, one per grid)
 * Every figure a formula used is stored beside the score (inputs), with the scheme version and the
 * as-of time on the run, so a score can be recomputed from what is stored (rescore()).
 */

export const unitTypes = ['department', 'street', 'community', 'grid_worker'] as const
export type UnitType = (typeof unitTypes)[number]
export const assessors = ['admin', 'leader'] as const
export const assessmentStaff = ['admin', 'leader', 'staff'] as const

/** 'YYYY-MM', 'YYYY-Qn' or 'YYYY'. */
export const periodSchema = {
  type: 'string',
  pattern: '^(19|20)\\d{2}(-(0[1-9]|1[0-2])|-Q[1-4])?$',
  description: 'A month (2027-03), a quarter (2027-Q1) or a year (2027)',
} as const

const kpiSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['code', 'nameZh', 'nameEn', 'formula', 'weight', 'target', 'floor', 'direction', 'rule'],
  properties: {
    code: { type: 'string', pattern: '^[A-Za-z][A-Za-z0-9_-]{0,39}$' },
    nameZh: { type: 'string', minLength: 1, maxLength: 100 },
    nameEn: { type: 'string', minLength: 1, maxLength: 100 },
    formula: { type: 'string', minLength: 1, maxLength: 500 },
    weight: { type: 'number', exclusiveMinimum: 0, maximum: 100, description: 'Percent; the weights sum to 100' },
    target: { type: 'number', minimum: -1000000000, maximum: 1000000000 },
    floor: {
      type: 'number',
      minimum: -1000000000,
      maximum: 1000000000,
      description:
        'The value that earns no points (linear rule); below target when higher is better, above it when lower is',
    },
    direction: { type: 'string', enum: ['higher', 'lower'] },
    rule: { type: 'string', enum: ['linear', 'step'] },
  },
} as const
const kpisSchema = { type: 'array', minItems: 1, maxItems: 20, items: kpiSchema } as const
export type Kpi = Input<typeof kpiSchema>

export const newSchemeBody = body(['areaId', 'unitType', 'nameZh', 'nameEn', 'kpis'], {
  areaId: { ...id, description: 'The assessing area: its units are assessed, its admins and leaders keep the scheme' },
  unitType: { type: 'string', enum: unitTypes },
  nameZh: { type: 'string', minLength: 1, maxLength: 200 },
  nameEn: { type: 'string', minLength: 1, maxLength: 200 },
  appealDays: { type: 'integer', minimum: 1, maximum: 60, default: 7 },
  monthly: { type: 'boolean', default: true, description: 'Scored on the 1st of each month for the month before' },
  kpis: kpisSchema,
})
export type NewScheme = Input<typeof newSchemeBody>

export const schemeUpdateBody = body(['version', 'kpis'], {
  version: { type: 'integer', minimum: 1, maximum: 2147483647, description: 'The current version read' },
  nameZh: { type: 'string', minLength: 1, maxLength: 200 },
  nameEn: { type: 'string', minLength: 1, maxLength: 200 },
  appealDays: { type: 'integer', minimum: 1, maximum: 60 },
  monthly: { type: 'boolean' },
  kpis: kpisSchema,
})
export type SchemeUpdate = Input<typeof schemeUpdateBody>

export const checkBody = body(['kpis'], { kpis: kpisSchema })

export const checkSchema = shape({
  valid: { type: 'boolean' },
  errors: {
    type: 'array',
    items: shape({ field: { type: 'string' }, message: { type: 'string' }, figure: { type: ['string', 'null'] } }),
  },
  figures: { type: 'array', items: { type: 'array', items: { type: 'string' } } },
})

export const schemeQuery = {
  type: 'object',
  additionalProperties: false,
  properties: { areaId: id, unitType: { type: 'string', enum: unitTypes }, ...pageQuerySchema },
} as const

const kpiOut = shape({
  code: { type: 'string' },
  nameZh: { type: 'string' },
  nameEn: { type: 'string' },
  formula: { type: 'string' },
  weight: { type: 'number' },
  target: { type: 'number' },
  floor: { type: 'number' },
  direction: { type: 'string', enum: ['higher', 'lower'] },
  rule: { type: 'string', enum: ['linear', 'step'] },
})

const areaOut = shape({
  id: { type: 'integer' },
  code: { type: 'string' },
  nameZh: { type: 'string' },
  nameEn: { type: 'string' },
})

export const schemeSchema = shape({
  id: { type: 'integer' },
  area: areaOut,
  unitType: { type: 'string', enum: unitTypes },
  nameZh: { type: 'string' },
  nameEn: { type: 'string' },
  appealDays: { type: 'integer' },
  monthly: { type: 'boolean' },
  version: { type: 'integer' },
  kpis: { type: 'array', items: kpiOut },
  versions: {
    type: 'array',
    items: shape({ version: { type: 'integer' }, createdAt: timestamp, runs: { type: 'integer' } }),
  },
  createdAt: timestamp,
  updatedAt: timestamp,
})
type SchemeOut = Output<typeof schemeSchema>

export const runBody = body(['schemeId', 'period'], { schemeId: id, period: periodSchema })

export const runQuery = {
  type: 'object',
  additionalProperties: false,
  properties: { schemeId: id, areaId: id, ...pageQuerySchema },
} as const

export const runSchema = shape({
  id: { type: 'integer' },
  schemeId: { type: 'integer' },
  schemeVersion: { type: 'integer' },
  nameZh: { type: 'string' },
  nameEn: { type: 'string' },
  area: areaOut,
  unitType: { type: 'string', enum: unitTypes },
  period: { type: 'string' },
  from: timestamp,
  to: timestamp,
  timezone: { type: 'string' },
  asOf: timestamp,
  provisional: { type: 'boolean' },
  trigger: { type: 'string', enum: ['manual', 'scheduled'] },
  publishedAt: { type: ['string', 'null'], format: 'date-time' },
  appealUntil: { type: ['string', 'null'], format: 'date-time' },
  units: { type: 'integer' },
  createdAt: timestamp,
})
type RunOut = Output<typeof runSchema>

const kpiResult = shape({
  code: { type: 'string' },
  nameZh: { type: 'string' },
  nameEn: { type: 'string' },
  formula: { type: 'string' },
  weight: { type: 'number' },
  target: { type: 'number' },
  floor: { type: 'number' },
  direction: { type: 'string' },
  rule: { type: 'string' },
  value: { type: ['number', 'null'] },
  points: { type: ['number', 'null'] },
})

export const scoreSchema = shape({
  id: { type: 'integer' },
  runId: { type: 'integer' },
  rank: { type: ['integer', 'null'], description: "The run's rank by the original score" },
  currentRank: { type: ['integer', 'null'], description: 'The rank by the current score (corrected where corrected)' },
  unitType: { type: 'string', enum: unitTypes },
  unitId: { type: 'integer' },
  unitAreaId: { type: ['integer', 'null'] },
  code: { type: ['string', 'null'] },
  nameZh: { type: 'string' },
  nameEn: { type: 'string' },
  score: { type: ['number', 'null'], description: 'As computed by the run; never changed' },
  correctedScore: { type: ['number', 'null'] },
  correctionReason: { type: ['string', 'null'] },
  correctedAt: { type: ['string', 'null'], format: 'date-time' },
  currentScore: { type: ['number', 'null'], description: 'correctedScore when corrected, else score' },
  kpis: { type: 'array', items: kpiResult },
  inputs: { type: 'object', additionalProperties: { type: ['number', 'null'] } },
  adjustments: {
    type: 'array',
    items: shape({
      id: { type: 'integer' },
      appealId: { type: ['integer', 'null'] },
      from: { type: ['number', 'null'] },
      to: { type: 'number' },
      reason: { type: 'string' },
      decidedBy: { type: 'string' },
      at: timestamp,
    }),
  },
})
type ScoreOut = Output<typeof scoreSchema>

export const scoresSchema = shape({
  run: runSchema,
  items: { type: 'array', items: scoreSchema },
  page: { type: 'integer' },
  pageSize: { type: 'integer' },
  total: { type: 'integer' },
})

export const scoresQuery = { type: 'object', additionalProperties: false, properties: { ...pageQuerySchema } } as const

// ── KPIs: validation and scoring ─────────────────────────────────────────────────────────────

export interface KpiProblem {
  field: string
  message: string
  figure: string | null
}

/** Every problem of a KPI list, each naming its field: kpis[i].formula (with the figure), kpis, … */
export function checkKpis(kpis: Kpi[]): { problems: KpiProblem[]; figures: string[][] } {
  const problems: KpiProblem[] = []
  const figures: string[][] = []
  kpis.forEach((k, i) => {
    try {
      figures.push([...figuresOf(parseFormula(k.formula))])
    } catch (err) {
      if (!(err instanceof FormulaError)) throw err
      figures.push([])
      problems.push({ field: `kpis[${i}].formula`, message: err.message, figure: err.figure })
    }
    if (kpis.findIndex((o) => o.code === k.code) !== i)
      problems.push({ field: `kpis[${i}].code`, message: `the code '${k.code}' is used twice`, figure: null })
    if (k.direction === 'higher' ? !(k.floor < k.target) : !(k.floor > k.target))
      problems.push({
        field: `kpis[${i}].floor`,
        message:
          k.direction === 'higher'
            ? 'when higher is better the floor (no points) lies below the target'
            : 'when lower is better the floor (no points) lies above the target',
        figure: null,
      })
  })
  // Hundredths of a percent as integers: 33.33 + 33.33 + 33.34 is 100 exactly.
  const sum = kpis.reduce((s, k) => s + Math.round(k.weight * 100), 0)
  if (kpis.some((k) => Math.round(k.weight * 100) !== k.weight * 100))
    problems.push({ field: 'kpis', message: 'weights have at most two decimals', figure: null })
  else if (sum !== 10000)
    problems.push({ field: 'kpis', message: `the weights sum to ${sum / 100}%, not 100%`, figure: null })
  return { problems, figures }
}

function assertKpis(kpis: Kpi[]): void {
  const { problems } = checkKpis(kpis)
  const first = problems[0]
  if (first)
    throw new AppError(
      'ASSESSMENT_KPI_INVALID',
      first.message,
      first.field,
      {},
      {
        figure: first.figure,
        problems,
      },
    )
}

const round = (x: number, places: number) => {
  const f = 10 ** places
  // Half up, with a nudge so that an exact …5 computed as …4999 still rounds up.
  return Math.round(x * f + 1e-7 * Math.sign(x)) / f
}

export function kpiPoints(k: Kpi, value: number | null): number | null {
  if (value === null) return null
  if (k.rule === 'step') return (k.direction === 'higher' ? value >= k.target : value <= k.target) ? 100 : 0
  const frac = (value - k.floor) / (k.target - k.floor)
  return round(100 * Math.min(1, Math.max(0, frac)), 2)
}

/** A unit's KPI breakdown and score from its stored inputs: what a run stores, recomputable. */
export function rescore(kpis: Kpi[], inputs: Record<string, number | null>) {
  const breakdown = kpis.map((k) => {
    const raw = evaluate(parseFormula(k.formula), inputs)
    const value = raw === null || !Number.isFinite(raw) ? null : round(raw, 6)
    return { ...k, value, points: kpiPoints(k, value) }
  })
  const present = breakdown.filter((b) => b.points !== null)
  const weight = present.reduce((s, b) => s + b.weight, 0)
  const score = present.length === 0 ? null : round(present.reduce((s, b) => s + b.weight * b.points!, 0) / weight, 2)
  return { kpis: breakdown, score }
}

/** Ranks by score, highest first, unscored last; equal scores share a rank (1, 1, 3). */
export function rankScores<T extends { score: number | null }>(items: T[]): (T & { rank: number | null })[] {
  const sorted = [...items].sort((a, b) => (b.score ?? -Infinity) - (a.score ?? -Infinity))
  const out: (T & { rank: number | null })[] = []
  sorted.forEach((it, i) => {
    const prev = out[i - 1]
    out.push({ ...it, rank: it.score === null ? null : prev && prev.score === it.score ? prev.rank : i + 1 })
  })
  return out
}

// ── Periods ──────────────────────────────────────────────────────────────────────────────────

export function periodBounds(period: string, zone: string): { from: Date; to: Date } {
  const m = /^(\d{4})(?:-(\d{2})|-Q([1-4]))?$/.exec(period)
  if (!m) throw new AppError('VALIDATION_FAILED', 'period is YYYY-MM, YYYY-Qn or YYYY', 'period')
  const year = Number(m[1])
  const start = m[2]
    ? DateTime.fromObject({ year, month: Number(m[2]), day: 1 }, { zone })
    : m[3]
      ? DateTime.fromObject({ year, month: (Number(m[3]) - 1) * 3 + 1, day: 1 }, { zone })
      : DateTime.fromObject({ year, month: 1, day: 1 }, { zone })
  const end = start.plus(m[2] ? { months: 1 } : m[3] ? { months: 3 } : { years: 1 })
  return { from: start.toJSDate(), to: end.toJSDate() }
}

/** The month before `now` in the zone, as 'YYYY-MM': what the monthly run scores. */
export function previousMonth(now: Date, zone: string): string {
  return DateTime.fromJSDate(now, { zone }).startOf('month').minus({ months: 1 }).toFormat('yyyy-MM')
}

// ── Schemes ──────────────────────────────────────────────────────────────────────────────────

interface AreaRow {
  id: number
  path: string
  code: string
  name_zh: string
  name_en: string
  timezone: string
  level: string
}

async function loadArea(tx: Tx, areaId: number, field = 'areaId'): Promise<AreaRow> {
  const a = await tx
    .selectFrom('area')
    .select(['id', 'path', 'code', 'name_zh', 'name_en', 'timezone', 'level'])
    .where('id', '=', areaId)
    .executeTakeFirst()
  if (!a) throw notFound('AREA_NOT_FOUND', `area ${areaId}`, field)
  return a
}

/** A clear 403 for the roles the use case needs over the area (row-level security is the backstop). */
export function requireOver(ctx: RequestContext, roles: readonly Role[], path: string, field: string | null) {
  requireActor(ctx)
  if (!holds(ctx.actor, roles, path))
    throw new AppError('FORBIDDEN', `requires the role ${roles.join(' or ')} over this area`, field)
}

export async function loadScheme(tx: Tx, schemeId: number, field: string | null = null) {
  const s = await tx
    .selectFrom('assessment_scheme as s')
    .innerJoin('area as a', 'a.id', 's.area_id')
    .selectAll('s')
    .select(['a.path', 'a.code', 'a.name_zh as area_name_zh', 'a.name_en as area_name_en', 'a.timezone'])
    .where('s.id', '=', schemeId)
    .executeTakeFirst()
  if (!s) throw notFound('ASSESSMENT_SCHEME_NOT_FOUND', `assessment scheme ${schemeId}`, field)
  return s
}

async function versionKpis(tx: Tx, schemeId: number, version: number): Promise<Kpi[]> {
  const v = await tx
    .selectFrom('assessment_scheme_version')
    .select('kpis')
    .where('scheme_id', '=', schemeId)
    .where('version', '=', version)
    .executeTakeFirstOrThrow()
  return v.kpis as Kpi[]
}

export async function schemeDetail(tx: Tx, _ctx: RequestContext, schemeId: number): Promise<SchemeOut> {
  const s = await loadScheme(tx, schemeId)
  const versions = await tx
    .selectFrom('assessment_scheme_version as v')
    .select(['v.version', 'v.created_at'])
    .select((eb) =>
      eb
        .selectFrom('assessment_run as r')
        .select(eb.fn.countAll<number>().as('n'))
        .whereRef('r.scheme_id', '=', 'v.scheme_id')
        .whereRef('r.scheme_version', '=', 'v.version')
        .as('runs'),
    )
    .where('v.scheme_id', '=', schemeId)
    .orderBy('v.version')
    .execute()
  return {
    id: Number(s.id),
    area: { id: s.area_id, code: s.code, nameZh: s.area_name_zh, nameEn: s.area_name_en },
    unitType: s.unit_type as UnitType,
    nameZh: s.name_zh,
    nameEn: s.name_en,
    appealDays: s.appeal_days,
    monthly: s.monthly,
    version: s.current_version,
    kpis: await versionKpis(tx, Number(s.id), s.current_version),
    versions: versions.map((v) => ({
      version: v.version,
      createdAt: new Date(v.created_at).toISOString(),
      runs: Number(v.runs ?? 0),
    })),
    createdAt: new Date(s.created_at).toISOString(),
    updatedAt: new Date(s.updated_at).toISOString(),
  }
}

export async function createScheme(tx: Tx, ctx: RequestContext, input: NewScheme, now: Date): Promise<SchemeOut> {
  const actor = requireActor(ctx)
  const area = await loadArea(tx, input.areaId)
  requireOver(ctx, assessors, area.path, 'areaId')
  assertKpis(input.kpis)
  const { id: schemeId } = await tx
    .insertInto('assessment_scheme')
    .values({
      area_id: area.id,
      unit_type: input.unitType,
      name_zh: input.nameZh,
      name_en: input.nameEn,
      appeal_days: input.appealDays ?? 7,
      monthly: input.monthly ?? true,
      current_version: 1,
      created_by: actor.userId,
      created_at: now,
      updated_at: now,
    })
    .returning('id')
    .executeTakeFirstOrThrow()
  await tx
    .insertInto('assessment_scheme_version')
    .values({
      scheme_id: schemeId,
      version: 1,
      area_id: area.id,
      kpis: JSON.stringify(input.kpis),
      created_by: actor.userId,
      created_at: now,
    })
    .execute()
  await recordAudit(tx, ctx, {
    action: 'assessment.scheme.create',
    entityType: 'assessment_scheme',
    entityId: Number(schemeId),
    areaId: area.id,
    detail: { unitType: input.unitType, kpis: input.kpis.map((k) => k.code) },
  })
  return schemeDetail(tx, ctx, Number(schemeId))
}

/**
 * Edits a scheme. KPIs of a version that has been scored are never changed: the edit becomes the
 * next version (and the runs keep naming theirs); an unscored version is edited in place.
 */
export async function updateScheme(
  tx: Tx,
  ctx: RequestContext,
  schemeId: number,
  input: SchemeUpdate,
  now: Date,
): Promise<SchemeOut> {
  const actor = requireActor(ctx)
  const s = await loadScheme(tx, schemeId)
  requireOver(ctx, assessors, s.path, null)
  if (input.version !== s.current_version)
    throw versionConflict('ASSESSMENT_VERSION_CONFLICT', 'assessment scheme', s.current_version)
  assertKpis(input.kpis)
  const scored = await tx
    .selectFrom('assessment_run')
    .select('id')
    .where('scheme_id', '=', schemeId)
    .where('scheme_version', '=', s.current_version)
    .executeTakeFirst()
  const version = scored ? s.current_version + 1 : s.current_version
  // Optimistic: the version read must still be current when written.
  const moved = await tx
    .updateTable('assessment_scheme')
    .set({
      name_zh: input.nameZh ?? s.name_zh,
      name_en: input.nameEn ?? s.name_en,
      appeal_days: input.appealDays ?? s.appeal_days,
      monthly: input.monthly ?? s.monthly,
      current_version: version,
      updated_at: now,
    })
    .where('id', '=', schemeId)
    .where('current_version', '=', s.current_version)
    .executeTakeFirst()
  if (Number(moved.numUpdatedRows) !== 1)
    throw versionConflict('ASSESSMENT_VERSION_CONFLICT', 'assessment scheme', s.current_version)
  if (scored)
    await tx
      .insertInto('assessment_scheme_version')
      .values({
        scheme_id: schemeId,
        version,
        area_id: s.area_id,
        kpis: JSON.stringify(input.kpis),
        created_by: actor.userId,
        created_at: now,
      })
      .execute()
  else
    await tx
      .updateTable('assessment_scheme_version')
      .set({ kpis: JSON.stringify(input.kpis), created_by: actor.userId, created_at: now })
      .where('scheme_id', '=', schemeId)
      .where('version', '=', version)
      .execute()
  await recordAudit(tx, ctx, {
    action: 'assessment.scheme.update',
    entityType: 'assessment_scheme',
    entityId: schemeId,
    areaId: s.area_id,
    detail: { version, newVersion: !!scored, kpis: input.kpis.map((k) => k.code) },
  })
  return schemeDetail(tx, ctx, schemeId)
}

export async function listSchemes(tx: Tx, ctx: RequestContext, q: Input<typeof schemeQuery>) {
  requireActor(ctx)
  const page = { page: q.page ?? 1, pageSize: q.pageSize ?? 50 }
  let base = tx.selectFrom('assessment_scheme as s').innerJoin('area as a', 'a.id', 's.area_id')
  if (q.areaId !== undefined) {
    const area = await loadArea(tx, q.areaId)
    base = base.where('a.path', 'like', `${area.path}%`)
  }
  if (q.unitType) base = base.where('s.unit_type', '=', q.unitType)
  const { n } = await base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()
  const ids = await base
    .select('s.id')
    .orderBy('a.path')
    .orderBy('s.id')
    .limit(page.pageSize)
    .offset(offsetOf(page))
    .execute()
  const items: SchemeOut[] = []
  for (const r of ids) items.push(await schemeDetail(tx, ctx, Number(r.id)))
  return paginate(page, items, Number(n))
}

/** The editor's live check: every problem at once, nothing stored. */
export function checkScheme(kpis: Kpi[]) {
  const { problems, figures } = checkKpis(kpis)
  return { valid: problems.length === 0, errors: problems, figures }
}

// ── Runs ─────────────────────────────────────────────────────────────────────────────────────

interface Unit {
  unitId: number
  unitAreaId: number | null
  code: string | null
  nameZh: string
  nameEn: string
  inputs: Record<string, number | null>
}

type Figures = Record<string, number | null>
const pick = (source: Record<string, unknown> | undefined, prefix: string, names: string[], into: Figures) => {
  for (const n of names) {
    const [src, fig] = n.split('.') as [string, string]
    if (src !== prefix) continue
    const v = source?.[fig]
    into[n] = typeof v === 'number' ? v : null
  }
}

/** Every unit of the scheme's area and type with the figures its KPIs read, as of `now`. */
async function gatherUnits(
  tx: Tx,
  ctx: RequestContext,
  area: AreaRow,
  unitType: UnitType,
  names: string[],
  from: Date,
  to: Date,
  now: Date,
): Promise<Unit[]> {
  const needStats = names.some((n) => n.startsWith('stats.'))
  const needEval = names.some((n) => n.startsWith('evaluation.'))
  const window = { from: from.toISOString(), to: to.toISOString() }

  if (unitType === 'department') {
    const stats = needStats
      ? await caseStats(tx, ctx, { areaId: area.id, ...window, groupBy: 'department' }, now)
      : null
    const ev = needEval
      ? await caseEvaluation(tx, ctx, { areaId: area.id, ...window, groupBy: 'department' }, now)
      : null
    const units = new Map<number, Unit>()
    const take = (g: { key: unknown; code: string | null; nameZh: string | null; nameEn: string | null }) => {
      if (g.key === null) return null
      const key = Number(g.key)
      let u = units.get(key)
      if (!u) {
        u = {
          unitId: key,
          unitAreaId: null,
          code: g.code,
          nameZh: g.nameZh ?? String(key),
          nameEn: g.nameEn ?? String(key),
          inputs: {},
        }
        units.set(key, u)
      }
      return u
    }
    for (const g of stats?.groups ?? []) {
      const u = take(g)
      if (u) pick(g as unknown as Record<string, unknown>, 'stats', names, u.inputs)
    }
    for (const g of ev?.groups ?? []) {
      const u = take(g)
      if (u) pick(g as unknown as Record<string, unknown>, 'evaluation', names, u.inputs)
    }
    // A department present in one answer only has the other's figures missing: null, not zero.
    for (const u of units.values()) for (const n of names) if (!(n in u.inputs)) u.inputs[n] = null
    return [...units.values()]
  }

  let targets: { unitId: number; unitAreaId: number; code: string | null; nameZh: string; nameEn: string }[]
  if (unitType === 'grid_worker') {
    const rows = await tx
      .selectFrom('role_grant as g')
      .innerJoin('area as a', 'a.id', 'g.area_id')
      .innerJoin('app_user as u', 'u.id', 'g.user_id')
      .select(['u.id as user_id', 'u.display_name', 'u.username', 'a.id as area_id', 'a.name_zh', 'a.name_en'])
      .where('g.role', '=', 'grid_worker')
      .where('a.level', '=', 'grid')
      .where('a.path', 'like', `${area.path}%`)
      .where('u.status', '=', 'active')
      .orderBy('a.path')
      .orderBy('u.id')
      .execute()
    targets = rows.map((r) => ({
      unitId: r.user_id,
      unitAreaId: r.area_id,
      code: r.username,
      nameZh: `${r.display_name}（${r.name_zh}）`,
      nameEn: `${r.display_name} (${r.name_en})`,
    }))
  } else {
    const rows = await tx
      .selectFrom('area')
      .select(['id', 'code', 'name_zh', 'name_en'])
      .where('level', '=', unitType)
      .where('path', 'like', `${area.path}%`)
      .where('retired_at', 'is', null)
      .orderBy('path')
      .execute()
    targets = rows.map((r) => ({ unitId: r.id, unitAreaId: r.id, code: r.code, nameZh: r.name_zh, nameEn: r.name_en }))
  }
  const units: Unit[] = []
  for (const t of targets) {
    const inputs: Figures = {}
    if (needStats) {
      const s = await caseStats(tx, ctx, { areaId: t.unitAreaId, ...window }, now)
      pick(s.totals as unknown as Record<string, unknown>, 'stats', names, inputs)
    }
    if (needEval) {
      const e = await caseEvaluation(tx, ctx, { areaId: t.unitAreaId, ...window }, now)
      pick(e.totals as unknown as Record<string, unknown>, 'evaluation', names, inputs)
    }
    units.push({ ...t, inputs })
  }
  return units
}

interface RunRow {
  id: number
  scheme_id: number
  scheme_version: number
  name_zh: string
  name_en: string
  area_id: number
  area_code: string
  area_name_zh: string
  area_name_en: string
  unit_type: string
  period: string
  period_from: Date
  period_to: Date
  timezone: string
  as_of: Date
  provisional: boolean
  trigger: string
  published_at: Date | null
  appeal_until: Date | null
  created_at: Date
  units: number
  path: string
}

const iso = (d: Date | string) => new Date(d).toISOString()
const isoOrNull = (d: Date | string | null) => (d === null ? null : iso(d))

async function loadRun(tx: Tx, runId: number, field: string | null = null): Promise<RunRow> {
  const r = await tx
    .selectFrom('assessment_run as r')
    .innerJoin('assessment_scheme as s', 's.id', 'r.scheme_id')
    .innerJoin('area as a', 'a.id', 'r.area_id')
    .select([
      'r.id',
      'r.scheme_id',
      'r.scheme_version',
      's.name_zh',
      's.name_en',
      'r.area_id',
      'a.code as area_code',
      'a.name_zh as area_name_zh',
      'a.name_en as area_name_en',
      'a.path',
      'r.unit_type',
      'r.period',
      'r.period_from',
      'r.period_to',
      'r.timezone',
      'r.as_of',
      'r.provisional',
      'r.trigger',
      'r.published_at',
      'r.appeal_until',
      'r.created_at',
    ])
    .select((eb) =>
      eb
        .selectFrom('assessment_score as sc')
        .select(eb.fn.countAll<number>().as('n'))
        .whereRef('sc.run_id', '=', 'r.id')
        .as('units'),
    )
    .where('r.id', '=', runId)
    .executeTakeFirst()
  if (!r) throw notFound('ASSESSMENT_RUN_NOT_FOUND', `assessment run ${runId}`, field)
  return r as unknown as RunRow
}

/** Unpublished runs are the keepers' (admin, leader, staff over the area); the assessed see published ones. */
function requireRunVisible(ctx: RequestContext, r: RunRow) {
  if (r.published_at === null && !holds(ctx.actor, assessmentStaff, r.path))
    throw notFound('ASSESSMENT_RUN_NOT_FOUND', `assessment run ${r.id}`)
}

const runOut = (r: RunRow): RunOut => ({
  id: Number(r.id),
  schemeId: Number(r.scheme_id),
  schemeVersion: r.scheme_version,
  nameZh: r.name_zh,
  nameEn: r.name_en,
  area: { id: r.area_id, code: r.area_code, nameZh: r.area_name_zh, nameEn: r.area_name_en },
  unitType: r.unit_type as UnitType,
  period: r.period,
  from: iso(r.period_from),
  to: iso(r.period_to),
  timezone: r.timezone,
  asOf: iso(r.as_of),
  provisional: r.provisional,
  trigger: r.trigger as 'manual' | 'scheduled',
  publishedAt: isoOrNull(r.published_at),
  appealUntil: isoOrNull(r.appeal_until),
  units: Number(r.units ?? 0),
  createdAt: iso(r.created_at),
})

export async function runDetail(tx: Tx, ctx: RequestContext, runId: number): Promise<RunOut> {
  const r = await loadRun(tx, runId)
  requireRunVisible(ctx, r)
  return runOut(r)
}

/**
 * Scores every unit of a scheme for a period with the scheme's current version, as of `now`. A
 * period not ended at `now` is provisional. `trigger` 'scheduled' is the monthly job's.
 */
export async function createRun(
  tx: Tx,
  ctx: RequestContext,
  input: { schemeId: number; period: string },
  now: Date,
  trigger: 'manual' | 'scheduled' = 'manual',
): Promise<RunOut> {
  const s = await loadScheme(tx, input.schemeId, 'schemeId')
  requireOver(ctx, assessors, s.path, 'schemeId')
  const area = await loadArea(tx, s.area_id)
  const { from, to } = periodBounds(input.period, area.timezone)
  if (from.getTime() > now.getTime())
    throw new AppError('ASSESSMENT_PERIOD_NOT_STARTED', `the period ${input.period} has not begun`, 'period')
  const kpis = await versionKpis(tx, Number(s.id), s.current_version)
  const names = [...new Set(kpis.flatMap((k) => [...figuresOf(parseFormula(k.formula))]))].sort()
  const units = await gatherUnits(tx, ctx, area, s.unit_type as UnitType, names, from, to, now)
  const { id: runId } = await tx
    .insertInto('assessment_run')
    .values({
      scheme_id: s.id,
      scheme_version: s.current_version,
      area_id: s.area_id,
      unit_type: s.unit_type,
      period: input.period,
      period_from: from,
      period_to: to,
      timezone: area.timezone,
      as_of: now,
      provisional: to.getTime() > now.getTime(),
      trigger,
      created_by: ctx.actor && ctx.actor.userId > 0 ? ctx.actor.userId : null,
      created_at: now,
    })
    .returning('id')
    .executeTakeFirstOrThrow()
  const scored = rankScores(
    units
      .sort((a, b) => (a.code ?? '').localeCompare(b.code ?? '') || a.unitId - b.unitId)
      .map((u) => ({ ...u, ...rescore(kpis, u.inputs) })),
  )
  if (scored.length > 0)
    await tx
      .insertInto('assessment_score')
      .values(
        scored.map((u) => ({
          run_id: runId,
          area_id: s.area_id,
          unit_type: s.unit_type,
          unit_id: u.unitId,
          unit_area_id: u.unitAreaId,
          unit_code: u.code,
          unit_name_zh: u.nameZh,
          unit_name_en: u.nameEn,
          inputs: JSON.stringify(u.inputs),
          kpis: JSON.stringify(u.kpis),
          score: u.score,
          rank: u.rank,
        })),
      )
      .execute()
  await recordAudit(tx, ctx, {
    action: 'assessment.run',
    entityType: 'assessment_run',
    entityId: Number(runId),
    areaId: s.area_id,
    detail: { schemeId: Number(s.id), version: s.current_version, period: input.period, units: scored.length, trigger },
  })
  return runDetail(tx, ctx, Number(runId))
}

export async function listRuns(tx: Tx, ctx: RequestContext, q: Input<typeof runQuery>) {
  requireActor(ctx)
  const page = { page: q.page ?? 1, pageSize: q.pageSize ?? 50 }
  let base = tx.selectFrom('assessment_run as r').innerJoin('area as a', 'a.id', 'r.area_id')
  if (q.schemeId !== undefined) base = base.where('r.scheme_id', '=', q.schemeId)
  if (q.areaId !== undefined) {
    const area = await loadArea(tx, q.areaId)
    base = base.where('a.path', 'like', `${area.path}%`)
  }
  // Unpublished runs only where the caller keeps the area: the same rule as requireRunVisible.
  const keeps = (ctx.actor?.grants ?? []).filter((g) => (assessmentStaff as readonly string[]).includes(g.role))
  base = base.where((eb) =>
    eb.or([eb('r.published_at', 'is not', null), ...keeps.map((g) => eb('a.path', 'like', `${g.path}%`))]),
  )
  const { n } = await base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()
  const ids = await base
    .select('r.id')
    .orderBy('r.period_from', 'desc')
    .orderBy('r.id', 'desc')
    .limit(page.pageSize)
    .offset(offsetOf(page))
    .execute()
  const items: RunOut[] = []
  for (const r of ids) items.push(runOut(await loadRun(tx, Number(r.id))))
  return paginate(page, items, Number(n))
}

/** Publishes a finished run: the ranking reaches the assessed and the appeal window opens. */
export async function publishRun(tx: Tx, ctx: RequestContext, runId: number, now: Date): Promise<RunOut> {
  const r = await loadRun(tx, runId)
  requireOver(ctx, assessors, r.path, null)
  if (r.published_at !== null) throw new AppError('ASSESSMENT_RUN_PUBLISHED', 'the run is already published')
  if (r.provisional)
    throw new AppError(
      'ASSESSMENT_RUN_PROVISIONAL',
      'a provisional run (its period had not ended) cannot be published; run the period again after it ends',
    )
  const s = await loadScheme(tx, Number(r.scheme_id))
  const until = new Date(now.getTime() + s.appeal_days * 86400_000)
  await tx
    .updateTable('assessment_run')
    .set({ published_at: now, appeal_until: until })
    .where('id', '=', runId)
    .execute()
  await recordAudit(tx, ctx, {
    action: 'assessment.publish',
    entityType: 'assessment_run',
    entityId: runId,
    areaId: r.area_id,
    detail: { appealUntil: until.toISOString() },
  })
  return runDetail(tx, ctx, runId)
}

interface ScoreRow {
  id: number
  run_id: number
  rank: number | null
  unit_type: string
  unit_id: number
  unit_area_id: number | null
  unit_code: string | null
  unit_name_zh: string
  unit_name_en: string
  score: number | string | null
  corrected_score: number | string | null
  correction_reason: string | null
  corrected_at: Date | null
  kpis: unknown
  inputs: unknown
}

const numOrNull = (v: number | string | null) => (v === null ? null : Number(v))

export async function scoreRows(tx: Tx, runId: number): Promise<ScoreRow[]> {
  return (await tx
    .selectFrom('assessment_score')
    .select([
      'id',
      'run_id',
      'rank',
      'unit_type',
      'unit_id',
      'unit_area_id',
      'unit_code',
      'unit_name_zh',
      'unit_name_en',
      'score',
      'corrected_score',
      'correction_reason',
      'corrected_at',
      'kpis',
      'inputs',
    ])
    .where('run_id', '=', runId)
    .execute()) as unknown as ScoreRow[]
}

/** The ranking of a run with each unit's KPI breakdown, inputs and corrections. */
export async function runScores(tx: Tx, ctx: RequestContext, runId: number, q: Input<typeof scoresQuery>) {
  const r = await loadRun(tx, runId)
  requireRunVisible(ctx, r)
  const page = { page: q.page ?? 1, pageSize: q.pageSize ?? 50 }
  const rows = await scoreRows(tx, runId)
  const current = rankScores(
    rows.map((s) => ({ id: Number(s.id), score: numOrNull(s.corrected_score) ?? numOrNull(s.score) })),
  )
  const currentRank = new Map(current.map((c) => [c.id, c.rank]))
  const ordered = rows.sort(
    (a, b) =>
      (a.rank ?? Number.MAX_SAFE_INTEGER) - (b.rank ?? Number.MAX_SAFE_INTEGER) ||
      (a.unit_code ?? '').localeCompare(b.unit_code ?? '') ||
      Number(a.id) - Number(b.id),
  )
  const slice = ordered.slice(offsetOf(page), offsetOf(page) + page.pageSize)
  const adjustments = slice.length
    ? await tx
        .selectFrom('assessment_adjustment as j')
        .leftJoin('app_user as u', 'u.id', 'j.decided_by')
        .select([
          'j.id',
          'j.score_id',
          'j.appeal_id',
          'j.from_score',
          'j.to_score',
          'j.reason',
          'j.at',
          'u.display_name',
        ])
        .where(
          'j.score_id',
          'in',
          slice.map((s) => Number(s.id)),
        )
        .orderBy('j.id')
        .execute()
    : []
  const items: ScoreOut[] = slice.map((s) => {
    const corrected = numOrNull(s.corrected_score)
    return {
      id: Number(s.id),
      runId: Number(s.run_id),
      rank: s.rank,
      currentRank: currentRank.get(Number(s.id)) ?? null,
      unitType: s.unit_type as UnitType,
      unitId: s.unit_id,
      unitAreaId: s.unit_area_id,
      code: s.unit_code,
      nameZh: s.unit_name_zh,
      nameEn: s.unit_name_en,
      score: numOrNull(s.score),
      correctedScore: corrected,
      correctionReason: s.correction_reason,
      correctedAt: isoOrNull(s.corrected_at),
      currentScore: corrected ?? numOrNull(s.score),
      kpis: s.kpis as ScoreOut['kpis'],
      inputs: s.inputs as ScoreOut['inputs'],
      adjustments: adjustments
        .filter((j) => Number(j.score_id) === Number(s.id))
        .map((j) => ({
          id: Number(j.id),
          appealId: j.appeal_id === null ? null : Number(j.appeal_id),
          from: numOrNull(j.from_score),
          to: Number(j.to_score),
          reason: j.reason,
          decidedBy: j.display_name ?? '',
          at: iso(j.at),
        })),
    }
  })
  return { run: runOut(r), ...paginate(page, items, rows.length) }
}

// ── The monthly run ──────────────────────────────────────────────────────────────────────────

/**
 * Scores last month for every monthly scheme that has no scheduled run for it yet, each as an
 * admin of the scheme's area would see the data (the area's own scope, row-level security on).
 * The unique index on scheduled runs makes a second process's attempt a no-op.
 */
export async function runMonthlyAssessments(db: Db, now: Date): Promise<number> {
  const { rows } = await sql<{ id: number; area_id: number; path: string; timezone: string }>`
    select s.id, s.area_id, a.path, a.timezone from assessment_scheme s join area a on a.id = s.area_id
    where s.monthly order by s.id`.execute(db)
  let made = 0
  for (const s of rows) {
    const period = previousMonth(now, s.timezone)
    // A finished run of the month, scheduled or made by hand, is enough.
    const done = await sql`select 1 from assessment_run where scheme_id = ${s.id} and period = ${period}
      and not provisional`.execute(db)
    if (done.rows.length > 0) continue
    const ctx: RequestContext = {
      actor: {
        userId: 0,
        username: 'assessment-scheduler',
        displayName: 'assessment scheduler',
        grants: [{ role: 'admin', areaId: s.area_id, path: s.path }],
      },
      ip: 'scheduler',
    }
    try {
      await inScope(db, ctx, (tx) => createRun(tx, ctx, { schemeId: Number(s.id), period }, now, 'scheduled'))
      made++
    } catch (err) {
      // Another process scored it first: the unique index refused the second run.
      if (!/assessment_run_scheduled|duplicate key/.test(String((err as Error).message))) throw err
    }
  }
  return made
}
