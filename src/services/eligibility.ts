import { beijingDay } from '../core/clock.js'
import { Ajv } from 'ajv'
import { sql } from 'kysely'
import type { Tx } from '../core/db.js'
import { AppError } from '../core/errors.js'
import { shape } from '../core/schemas.js'

// Eligibility rules are data: each service carries a list of rules that must all hold, each rule
// one of a few kinds validated by its own JSON schema (tight: enums and ranges). They are checked
// against the registry in one statement (app_service_person_facts: the person, their household's
// size and their area's path), for the caller's verified self or a person of a staff member's area.

export const personTags = [
  'elderly_alone',
  'elderly',
  'disabled',
  'low_income',
  'left_behind_child',
  'key_care',
  'veteran',
  'pregnant',
] as const
export const residenceStatuses = ['registered', 'floating', 'abroad'] as const
export const personStatuses = ['active', 'moved_out', 'deceased', 'merged'] as const
export const ruleFields = ['age', 'tags', 'residence_status', 'household_size', 'area', 'status'] as const
export const ruleOps = ['gte', 'lte', 'has_any', 'has_all', 'has_none', 'in', 'within'] as const
export type RuleField = (typeof ruleFields)[number]
export type RuleOp = (typeof ruleOps)[number]

/** A rule as the API takes it: the field, the operator and a number or a list of words. */
export const ruleSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['field', 'op', 'value'],
  properties: {
    field: { type: 'string', enum: ruleFields },
    op: { type: 'string', enum: ruleOps },
    value: {
      anyOf: [
        { type: 'integer', minimum: 0, maximum: 2147483647 },
        {
          type: 'array',
          minItems: 1,
          maxItems: 10,
          uniqueItems: true,
          items: { type: 'string', minLength: 1, maxLength: 40 },
        },
      ],
      description:
        'age: 0..130; household_size: 1..30; area: an area id; tags: person tags; residence_status and status: their values',
    },
  },
} as const
export const rulesSchema = { type: 'array', maxItems: 20, items: ruleSchema } as const

export interface Rule {
  field: RuleField
  op: RuleOp
  value: number | string[]
}

/** Each kind of rule and what it admits. */
const ruleKinds: Record<RuleField, object> = {
  age: {
    properties: { op: { enum: ['gte', 'lte'] }, value: { type: 'integer', minimum: 0, maximum: 130 } },
  },
  household_size: {
    properties: { op: { enum: ['gte', 'lte'] }, value: { type: 'integer', minimum: 1, maximum: 30 } },
  },
  tags: {
    properties: {
      op: { enum: ['has_any', 'has_all', 'has_none'] },
      value: { type: 'array', minItems: 1, uniqueItems: true, items: { enum: personTags } },
    },
  },
  residence_status: {
    properties: {
      op: { enum: ['in'] },
      value: { type: 'array', minItems: 1, uniqueItems: true, items: { enum: residenceStatuses } },
    },
  },
  status: {
    properties: {
      op: { enum: ['in'] },
      value: { type: 'array', minItems: 1, uniqueItems: true, items: { enum: personStatuses } },
    },
  },
  area: {
    properties: { op: { enum: ['within'] }, value: { type: 'integer', minimum: 1, maximum: 2147483647 } },
  },
}
const ajv = new Ajv({ allErrors: false, strict: false })
const checkers = Object.fromEntries(
  Object.entries(ruleKinds).map(([field, s]) => [field, ajv.compile({ type: 'object', ...s })]),
) as Record<RuleField, ReturnType<typeof ajv.compile>>

const expected: Record<RuleField, string> = {
  age: "op 'gte' or 'lte' and a whole number of years 0..130",
  household_size: "op 'gte' or 'lte' and a number of people 1..30",
  tags: `op 'has_any', 'has_all' or 'has_none' and registry tags (${personTags.join(', ')})`,
  residence_status: `op 'in' and residence statuses (${residenceStatuses.join(', ')})`,
  status: `op 'in' and person statuses (${personStatuses.join(', ')})`,
  area: "op 'within' and an area id",
}

/** Every rule checked by its kind's schema, area rules against the area tree: SERVICE_RULE_INVALID naming `eligibility.<i>`. */
export async function validateRules(tx: Tx, rules: readonly Rule[]): Promise<Rule[]> {
  for (const [i, r] of rules.entries()) {
    if (!checkers[r.field](r))
      throw new AppError('SERVICE_RULE_INVALID', `a rule on ${r.field} needs ${expected[r.field]}`, `eligibility.${i}`)
  }
  const areaIds = rules.filter((r) => r.field === 'area').map((r) => r.value as number)
  if (areaIds.length) {
    const found = await tx.selectFrom('area').select('id').where('id', 'in', areaIds).execute()
    const known = new Set(found.map((a) => a.id))
    const i = rules.findIndex((r) => r.field === 'area' && !known.has(r.value as number))
    if (i >= 0) throw new AppError('SERVICE_RULE_INVALID', `area ${rules[i]!.value} does not exist`, `eligibility.${i}`)
  }
  return rules.map((r) => ({ field: r.field, op: r.op, value: r.value }))
}

/** The result of one rule; `actual` is the person's fact it read. */
export const ruleResultSchema = shape({
  index: { type: 'integer' },
  field: { type: 'string', enum: ruleFields },
  op: { type: 'string', enum: ruleOps },
  value: ruleSchema.properties.value,
  ok: { type: 'boolean' },
  actual: {
    anyOf: [{ type: 'integer' }, { type: 'string' }, { type: 'array', items: { type: 'string' } }, { type: 'null' }],
    description: 'What the registry holds for the person (null when unknown, e.g. no birth date)',
  },
})
export interface RuleResult {
  index: number
  field: RuleField
  op: RuleOp
  value: number | string[]
  ok: boolean
  actual: number | string | string[] | null
}

export interface PersonFacts {
  personId: number
  areaId: number
  areaPath: string
  age: number | null
  tags: string[]
  residenceStatus: string
  status: string
  householdSize: number
}

/**
 * The facts the rules read of one person, in one statement; null when the person does not exist
 * or is neither the caller's verified self nor of an area whose registry the caller reads.
 */
export async function personFacts(tx: Tx, personId: number, now: Date): Promise<PersonFacts | null> {
  const { rows } = await sql<{
    person_id: string | number
    area_id: number
    area_path: string
    age: number | null
    tags: string[]
    residence_status: string
    status: string
    household_size: number
  }>`select * from app_service_person_facts(${personId}::bigint, ${beijingDay(now)}::date)`.execute(tx)
  const r = rows[0]
  if (!r) return null
  return {
    personId: Number(r.person_id),
    areaId: r.area_id,
    areaPath: r.area_path,
    age: r.age === null ? null : Number(r.age),
    tags: r.tags ?? [],
    residenceStatus: r.residence_status,
    status: r.status,
    householdSize: Number(r.household_size),
  }
}

/** Checks every rule against the facts (all must hold); area rules need the rule areas' paths. */
export async function evaluateRules(tx: Tx, rules: readonly Rule[], facts: PersonFacts): Promise<RuleResult[]> {
  const areaIds = rules.filter((r) => r.field === 'area').map((r) => r.value as number)
  const paths = new Map<number, string>()
  if (areaIds.length) {
    const rows = await tx.selectFrom('area').select(['id', 'path']).where('id', 'in', areaIds).execute()
    for (const a of rows) paths.set(a.id, a.path)
  }
  return rules.map((r, index): RuleResult => {
    const base = { index, field: r.field, op: r.op, value: r.value }
    const list = Array.isArray(r.value) ? r.value : []
    const num = typeof r.value === 'number' ? r.value : Number.NaN
    const compare = (actual: number | null) =>
      actual !== null && (r.op === 'gte' ? actual >= num : r.op === 'lte' ? actual <= num : false)
    switch (r.field) {
      case 'age':
        return { ...base, ok: compare(facts.age), actual: facts.age }
      case 'household_size':
        return { ...base, ok: compare(facts.householdSize), actual: facts.householdSize }
      case 'tags': {
        const has = (t: string) => facts.tags.includes(t)
        const ok = r.op === 'has_any' ? list.some(has) : r.op === 'has_all' ? list.every(has) : !list.some(has)
        return { ...base, ok, actual: facts.tags }
      }
      case 'residence_status':
        return { ...base, ok: list.includes(facts.residenceStatus), actual: facts.residenceStatus }
      case 'status':
        return { ...base, ok: list.includes(facts.status), actual: facts.status }
      default: {
        // area: the person lives in the rule's area or below it.
        const path = paths.get(num)
        return { ...base, ok: !!path && facts.areaPath.startsWith(path), actual: facts.areaId }
      }
    }
  })
}
