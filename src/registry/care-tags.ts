import { AppError } from '../core/errors.js'

/*
 * Care tags that say something about a person's age or sex must agree with the birth date and sex
 * on record: a child on the list of elderly people living alone is sent meal deliveries and
 * welfare visits meant for someone else, and the real old person is missing from the count.
 *
 * The bounds follow the definitions the tags come from:
 * - elderly, elderly_alone: 老年人 are 60 and over (老年人权益保障法 art. 2).
 * - left_behind_child: 留守儿童 are under 16 (国务院 2016 no. 13, 不满十六周岁).
 * - veteran: 退役军人 have served; enlistment is from 18 (兵役法), so a veteran is 18 or over.
 * - pregnant: not recorded as male, and of an age at which a pregnancy is recorded at all (12–60);
 *   the band is wide on purpose: the registry refuses only what cannot be true.
 * Tags without a rule (disabled, low_income, key_care) fit any age. A person without a birth date
 * on record (some foreign documents) is not checked for age.
 */
export interface CareTagRule {
  minAge?: number
  /** Exclusive: the person is younger than this. */
  maxAgeBelow?: number
  notSex?: 'male' | 'female'
}

export const careTagRules: Record<string, CareTagRule> = {
  elderly: { minAge: 60 },
  elderly_alone: { minAge: 60 },
  left_behind_child: { maxAgeBelow: 16 },
  veteran: { minAge: 18 },
  pregnant: { minAge: 12, maxAgeBelow: 61, notSex: 'male' },
}

/** Whole years from `birthDate` (YYYY-MM-DD) to the calendar day `day` (YYYY-MM-DD). */
export function ageOn(birthDate: string, day: string): number {
  const [by, bm, bd] = birthDate.split('-').map(Number) as [number, number, number]
  const [y, m, d] = day.split('-').map(Number) as [number, number, number]
  return y - by - (m * 100 + d < bm * 100 + bd ? 1 : 0)
}

/** Why `tag` does not fit a person of this birth date and sex on `day`, or null when it fits. */
export function tagMismatch(tag: string, birthDate: string | null, sex: string | null, day: string): string | null {
  const rule = careTagRules[tag]
  if (!rule) return null
  if (rule.notSex && sex === rule.notSex) return `the tag ${tag} does not fit a person recorded as ${sex}`
  if (birthDate === null) return null
  const age = ageOn(birthDate, day)
  if (rule.minAge !== undefined && age < rule.minAge)
    return `the tag ${tag} needs an age of ${rule.minAge} or more; the person is ${age}`
  if (rule.maxAgeBelow !== undefined && age >= rule.maxAgeBelow)
    return `the tag ${tag} needs an age under ${rule.maxAgeBelow}; the person is ${age}`
  return null
}

/** The tags of `tags` that fit the person (for generators that draw tags before ages). */
export function fittingTags(tags: readonly string[], birthDate: string | null, sex: string | null, day: string) {
  return tags.filter((t) => tagMismatch(t, birthDate, sex, day) === null)
}

/** Refuses (422 PERSON_TAG_MISMATCH on `field`) a tag that contradicts the person's age or sex. */
export function requireTagsFit(
  tags: readonly string[],
  birthDate: string | null,
  sex: string | null,
  day: string,
  field = 'tags',
): void {
  for (const tag of tags) {
    const why = tagMismatch(tag, birthDate, sex, day)
    if (why) throw new AppError('PERSON_TAG_MISMATCH', why, field, {}, { tag, rule: careTagRules[tag] })
  }
}
