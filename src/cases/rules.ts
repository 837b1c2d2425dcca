import { sql } from 'kysely'
import { recordAudit } from '../audit/service.js'
import { AppError } from '../core/errors.js'
import type { Tx } from '../core/db.js'
import type { Input } from '../core/http.js'
import { shape } from '../core/schemas.js'
import { holds, type RequestContext } from '../core/scope.js'
import { areaPathOf } from '../jurisdiction/service.js'

// The rules of the loop an area may set (limits per urgency tier, the return window, call-back
// attempts, the shelving review, the verification limit, satisfaction weights, the grid household
// band). Each key comes from the nearest area on the path that sets it, else from the defaults,
// which follow Beijing's 12345 practice (接诉即办): contact within 2 hours for urgent matters and
// 24 hours otherwise; reply within 24 hours, 7 days or 15 days.

export const urgencies = ['urgent', 'general', 'complex'] as const
export type Urgency = (typeof urgencies)[number]

const hours = (max: number) => ({ type: 'number', exclusiveMinimum: 0, maximum: max }) as const
const workdays = { type: 'integer', minimum: 1, maximum: 60 } as const

const tierLimit = {
  type: 'object',
  additionalProperties: false,
  minProperties: 1,
  properties: {
    contactHours: hours(240),
    replyHours: hours(720),
    replyWorkdays: workdays,
  },
} as const

/** What an area sets; every key is optional (unset keys come from above). */
export const caseRulesBody = {
  type: 'object',
  additionalProperties: false,
  properties: {
    limits: {
      type: 'object',
      additionalProperties: false,
      properties: { urgent: tierLimit, general: tierLimit, complex: tierLimit },
    },
    returnWindowHours: hours(168),
    callbackAttempts: { type: 'integer', minimum: 1, maximum: 10 },
    shelvingReviewDays: { type: 'integer', minimum: 1, maximum: 365 },
    checkWorkdays: { type: 'integer', minimum: 1, maximum: 10 },
    satisfactionWeights: {
      type: 'object',
      additionalProperties: false,
      required: ['satisfied', 'basicallySatisfied', 'unsatisfied'],
      properties: {
        satisfied: { type: 'number', minimum: 0, maximum: 1 },
        basicallySatisfied: { type: 'number', minimum: 0, maximum: 1 },
        unsatisfied: { type: 'number', minimum: 0, maximum: 1 },
      },
    },
    householdBand: {
      type: 'array',
      minItems: 2,
      maxItems: 2,
      items: { type: 'integer', minimum: 0, maximum: 100000 },
    },
  },
} as const
export type CaseRulesInput = Input<typeof caseRulesBody>

export interface TierLimit {
  contactHours: number
  /** Reply limit in clock hours (urgent), or */
  replyHours?: number
  /** in working days. For the general tier unset means: the category's own handleWorkdays. */
  replyWorkdays?: number
}

export interface CaseRules {
  limits: Record<Urgency, TierLimit>
  returnWindowHours: number
  callbackAttempts: number
  shelvingReviewDays: number
  checkWorkdays: number
  satisfactionWeights: { satisfied: number; basicallySatisfied: number; unsatisfied: number }
  householdBand: [number, number]
}

export const defaultCaseRules: CaseRules = {
  limits: {
    urgent: { contactHours: 2, replyHours: 24 },
    general: { contactHours: 24 },
    complex: { contactHours: 24, replyWorkdays: 15 },
  },
  returnWindowHours: 2,
  callbackAttempts: 3,
  shelvingReviewDays: 30,
  checkWorkdays: 1,
  satisfactionWeights: { satisfied: 1, basicallySatisfied: 1, unsatisfied: 0 },
  householdBand: [300, 500],
}

/** The general tier's reply limit when no area sets one: the category's handleWorkdays, else 7 days. */
export const GENERAL_REPLY_WORKDAYS = 7

/** Lays the settings of the areas on a path (root first) over the defaults, key by key. */
export function mergeRules(layers: CaseRulesInput[]): CaseRules {
  const r: CaseRules = structuredClone(defaultCaseRules)
  for (const l of layers) {
    for (const u of urgencies) {
      const t = l.limits?.[u]
      if (!t) continue
      // A tier sets its reply limit in hours or in working days; the later one replaces both.
      const reply =
        t.replyHours !== undefined || t.replyWorkdays !== undefined
          ? { replyHours: t.replyHours, replyWorkdays: t.replyWorkdays }
          : {}
      r.limits[u] = {
        ...r.limits[u],
        ...(t.contactHours !== undefined ? { contactHours: t.contactHours } : {}),
        ...reply,
      }
    }
    if (l.returnWindowHours !== undefined) r.returnWindowHours = l.returnWindowHours
    if (l.callbackAttempts !== undefined) r.callbackAttempts = l.callbackAttempts
    if (l.shelvingReviewDays !== undefined) r.shelvingReviewDays = l.shelvingReviewDays
    if (l.checkWorkdays !== undefined) r.checkWorkdays = l.checkWorkdays
    if (l.satisfactionWeights) r.satisfactionWeights = { ...l.satisfactionWeights }
    if (l.householdBand) r.householdBand = [l.householdBand[0]!, l.householdBand[1]!]
  }
  return r
}

const pathIds = (path: string) => path.split('/').filter(Boolean).map(Number)

/** The rules in force in the area at `areaPath` (e.g. a case's grid). */
export async function caseRulesFor(tx: Tx, areaPath: string): Promise<CaseRules> {
  const ids = pathIds(areaPath)
  const rows = await tx.selectFrom('case_rules').select(['area_id', 'rules']).where('area_id', 'in', ids).execute()
  const byArea = new Map(rows.map((r) => [r.area_id, r.rules as CaseRulesInput]))
  return mergeRules(ids.flatMap((id) => (byArea.has(id) ? [byArea.get(id)!] : [])))
}

/** The reply limit of a tier: hours on the clock, or working days (the category's for an unset general tier). */
export function replyLimit(
  rules: CaseRules,
  urgency: Urgency,
  categoryWorkdays: number | null,
): { hours: number } | { workdays: number } {
  const t = rules.limits[urgency]
  if (t.replyHours !== undefined) return { hours: t.replyHours }
  if (t.replyWorkdays !== undefined) return { workdays: t.replyWorkdays }
  return { workdays: categoryWorkdays ?? GENERAL_REPLY_WORKDAYS }
}

const tierLimitOut = {
  type: 'object',
  additionalProperties: false,
  required: ['contactHours'],
  properties: {
    contactHours: { type: 'number' },
    replyHours: { type: 'number' },
    replyWorkdays: {
      type: 'integer',
      description: 'Absent on the general tier when no area sets it: the category’s handleWorkdays apply',
    },
  },
} as const

export const caseRulesSchema = shape({
  areaId: { type: 'integer' },
  own: { ...caseRulesBody, description: 'What this area sets itself' },
  effective: {
    ...shape({
      limits: shape({ urgent: tierLimitOut, general: tierLimitOut, complex: tierLimitOut }),
      returnWindowHours: { type: 'number' },
      callbackAttempts: { type: 'integer' },
      shelvingReviewDays: { type: 'integer' },
      checkWorkdays: { type: 'integer' },
      satisfactionWeights: shape({
        satisfied: { type: 'number' },
        basicallySatisfied: { type: 'number' },
        unsatisfied: { type: 'number' },
      }),
      householdBand: { type: 'array', items: { type: 'integer' } },
    }),
    description: 'The rules in force here: own settings over those of the areas above, over the defaults',
  },
})

export async function readCaseRules(tx: Tx, areaId: number) {
  const path = await areaPathOf(tx, areaId)
  const own = await tx.selectFrom('case_rules').select('rules').where('area_id', '=', areaId).executeTakeFirst()
  return { areaId, own: (own?.rules ?? {}) as CaseRulesInput, effective: await caseRulesFor(tx, path) }
}

/** Replaces what an area sets (an empty object clears it); admins of the area only. */
export async function writeCaseRules(tx: Tx, ctx: RequestContext, areaId: number, rules: CaseRulesInput, now: Date) {
  const path = await areaPathOf(tx, areaId)
  if (!holds(ctx.actor, ['admin'], path))
    throw new AppError('FORBIDDEN', 'the rules of an area are set by its admins', 'areaId')
  const band = rules.householdBand
  if (band && band[0]! > band[1]!)
    throw new AppError('VALIDATION_FAILED', 'the lower bound exceeds the upper one', 'householdBand')
  for (const u of urgencies) {
    const t = rules.limits?.[u]
    if (t?.replyHours !== undefined && t.replyWorkdays !== undefined)
      throw new AppError(
        'VALIDATION_FAILED',
        'give the reply limit in hours or in working days, not both',
        `limits.${u}`,
      )
  }
  await sql`insert into case_rules (area_id, rules, updated_at, updated_by)
            values (${areaId}, ${JSON.stringify(rules)}::jsonb, ${now}, ${ctx.actor?.userId ?? null})
            on conflict (area_id) do update set rules = excluded.rules, updated_at = excluded.updated_at,
              updated_by = excluded.updated_by`.execute(tx)
  await recordAudit(tx, ctx, { action: 'case_rules.set', entityType: 'area', entityId: areaId, areaId, detail: rules })
  return readCaseRules(tx, areaId)
}
