// What a service is made of besides its text: eligibility rules, the documents to bring and the
// application form, as the server validates them (src/services/eligibility.ts, catalogue.ts), and
// the registry's vocabularies the rule editor offers (person.tags, residence_status, status).
import type { TFunction } from 'i18next'

export const CATEGORIES = [
  'elderly_care',
  'disability',
  'social_assistance',
  'certificate',
  'facility',
  'employment',
  'health',
  'family',
  'other',
] as const
export type Category = (typeof CATEGORIES)[number]

/** The registry's care tags (person.tags). */
export const TAGS = [
  'elderly',
  'elderly_alone',
  'disabled',
  'low_income',
  'left_behind_child',
  'key_care',
  'veteran',
  'pregnant',
] as const
export type Tag = (typeof TAGS)[number]
export const RESIDENCE_STATUSES = ['registered', 'floating', 'abroad'] as const
export const PERSON_STATUSES = ['active', 'moved_out', 'deceased', 'merged'] as const

export const RULE_FIELDS = ['age', 'tags', 'residence_status', 'household_size', 'area', 'status'] as const
export type RuleField = (typeof RULE_FIELDS)[number]
export const OPS = ['gte', 'lte', 'has_any', 'has_all', 'has_none', 'in', 'within'] as const
export type RuleOp = (typeof OPS)[number]
export const RULE_OPS: Record<RuleField, readonly RuleOp[]> = {
  age: ['gte', 'lte'],
  household_size: ['gte', 'lte'],
  tags: ['has_any', 'has_all', 'has_none'],
  residence_status: ['in'],
  area: ['within'],
  status: ['in'],
}
export const AGE = { min: 0, max: 130 }
export const HOUSEHOLD = { min: 1, max: 30 }

/** One rule as the editor holds it (the server's shape, value typed loosely while editing). */
export interface Rule {
  field: RuleField
  op: RuleOp
  value: number | string[] | number[] | string
}

export const FIELD_TYPES = ['text', 'number', 'date', 'choice', 'boolean'] as const
export type FieldType = (typeof FIELD_TYPES)[number]
export interface FormField {
  key: string
  label: string
  type: FieldType
  required: boolean
  options?: string[]
  max?: number | null
}
export const DOCUMENT_TYPES = ['application/pdf', 'image/jpeg', 'image/png', 'image/webp'] as const
export type DocumentType = (typeof DOCUMENT_TYPES)[number]
export interface DocumentSpec {
  key: string
  label: string
  required: boolean
  types?: DocumentType[]
}
export const KEY_PATTERN = /^[a-z0-9_]{1,40}$/

/** A rule's first operator and an empty value fitting its field. */
export function blankRule(field: RuleField): Rule {
  const op = RULE_OPS[field][0]!
  if (field === 'age') return { field, op, value: 60 }
  if (field === 'household_size') return { field, op, value: 1 }
  if (field === 'area') return { field, op, value: '' }
  if (field === 'status') return { field, op, value: ['active'] }
  return { field, op, value: [] }
}

const list = (t: TFunction, values: readonly unknown[], prefix: string) =>
  values.map((v) => t(`${prefix}.${String(v)}`)).join(t('services.catalogue.rules.listSeparator'))

/**
 * A rule in plain words in the user's language: "aged 60 or over", "has the tag 'elderly living
 * alone'", "lives in 桂花社区". `areaName` names an area rule's area (the tree's name, else its id).
 */
export function ruleText(
  t: TFunction,
  rule: { field: string; op: string; value: unknown },
  areaName?: (id: number) => string,
) {
  const v = rule.value
  const values = Array.isArray(v) ? v : []
  switch (rule.field) {
    case 'age':
      return t(`services.catalogue.rules.text.age_${rule.op}`, { n: v })
    case 'household_size':
      return t(`services.catalogue.rules.text.household_${rule.op}`, { n: v })
    case 'tags':
      return t(`services.catalogue.rules.text.tags_${rule.op}${values.length === 1 ? '_one' : ''}`, {
        tags: list(t, values, 'services.catalogue.tags'),
      })
    case 'residence_status':
      return t('services.catalogue.rules.text.residence_in', {
        values: list(t, values, 'services.catalogue.residence'),
      })
    case 'status':
      return t('services.catalogue.rules.text.status_in', {
        values: list(t, values, 'services.catalogue.personStatus'),
      })
    case 'area': {
      const id = typeof v === 'number' ? v : Number(v)
      return t('services.catalogue.rules.text.area_within', { area: areaName ? areaName(id) : String(v) })
    }
    default:
      return `${rule.field} ${rule.op} ${JSON.stringify(v)}`
  }
}

/** A fact the server reported for a rule (the person's age, tags, …) in words. */
export function actualText(t: TFunction, field: string, actual: unknown, areaName?: (id: number) => string): string {
  if (actual === null || actual === undefined) return '—'
  if (field === 'tags' && Array.isArray(actual))
    return actual.length ? list(t, actual, 'services.catalogue.tags') : t('services.catalogue.rules.noTags')
  if (field === 'residence_status') return t(`services.catalogue.residence.${String(actual)}`)
  if (field === 'status') return t(`services.catalogue.personStatus.${String(actual)}`)
  if (field === 'area' && typeof actual === 'number' && areaName) return areaName(actual)
  if (field === 'age' && typeof actual === 'number') return t('services.catalogue.rules.years', { n: actual })
  if (field === 'household_size' && typeof actual === 'number')
    return t('services.catalogue.rules.people', { n: actual })
  if (Array.isArray(actual)) return actual.join(', ')
  return String(actual)
}

/** The value if it is one of `values`, else undefined (select boxes answer strings). */
export const pick = <T extends string>(values: readonly T[], v: string): T | undefined =>
  (values as readonly string[]).includes(v) ? (v as T) : undefined
