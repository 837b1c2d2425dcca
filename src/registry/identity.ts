import { DateTime } from 'luxon'
import { invalid } from '../core/errors.js'

// Validation and masking of the identifiers the registry holds. Every failure names the field.

export const idTypes = [
  'resident_id',
  'passport',
  'hk_macao_permit',
  'taiwan_permit',
  'foreign_permanent_id',
  'other',
] as const
export type IdType = (typeof idTypes)[number]

const ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
const ID_CHECK = '10X98765432'
// Province-level codes of GB/T 2260 (the first two digits of a resident ID).
const PROVINCES = new Set([
  '11',
  '12',
  '13',
  '14',
  '15',
  '21',
  '22',
  '23',
  '31',
  '32',
  '33',
  '34',
  '35',
  '36',
  '37',
  '41',
  '42',
  '43',
  '44',
  '45',
  '46',
  '50',
  '51',
  '52',
  '53',
  '54',
  '61',
  '62',
  '63',
  '64',
  '65',
  '71',
  '81',
  '82',
  '83',
  '91',
])

export interface ResidentIdFacts {
  birthDate: string
  sex: 'male' | 'female'
}

/** The check digit of a GB 11643 resident ID from its first 17 digits. */
export function residentIdCheckDigit(first17: string): string {
  let sum = 0
  for (let i = 0; i < 17; i++) sum += Number(first17[i]) * ID_WEIGHTS[i]!
  return ID_CHECK[sum % 11]!
}

/**
 * Checks an 18-character mainland resident ID (GB 11643-1999): region, birth date and check digit;
 * returns the birth date and sex it encodes.
 */
export function checkResidentId(id: string, today: string, field = 'idNumber'): ResidentIdFacts {
  if (/^\d{15}$/.test(id))
    throw invalid(field, 'a 15-digit first-generation ID is not accepted; enter the 18-digit number')
  if (!/^\d{17}[\dX]$/.test(id)) throw invalid(field, 'a resident ID has 17 digits and a check character (0–9 or X)')
  if (!PROVINCES.has(id.slice(0, 2))) throw invalid(field, 'the resident ID does not start with a known region code')
  const birth = DateTime.fromFormat(id.slice(6, 14), 'yyyyMMdd', { zone: 'utc' })
  if (!birth.isValid || birth.year < 1880 || birth.toISODate()! > today)
    throw invalid(field, 'the resident ID holds an impossible birth date')
  if (residentIdCheckDigit(id.slice(0, 17)) !== id[17])
    throw invalid(field, 'the resident ID check digit is wrong (GB 11643)')
  return { birthDate: birth.toISODate()!, sex: Number(id[16]) % 2 === 1 ? 'male' : 'female' }
}

/** Upper case without spaces or hyphens: how ID numbers are compared and indexed. */
export const normaliseIdNumber = (raw: string) => raw.replace(/[\s-]/g, '').toUpperCase()

export function checkIdNumber(
  type: IdType,
  raw: string,
  today: string,
  field = 'idNumber',
): { number: string; facts: ResidentIdFacts | null } {
  const number = normaliseIdNumber(raw)
  if (type === 'resident_id') return { number, facts: checkResidentId(number, today, field) }
  if (!/^[A-Z0-9()]{5,30}$/.test(number)) throw invalid(field, 'a document number has 5–30 letters or digits')
  return { number, facts: null }
}

/**
 * Mainland mobile (11 digits from 13x to 19x) or landline with its area code; an optional +86
 * prefix and spaces or hyphens are dropped. Returns the digits that are stored and indexed.
 */
export function normalisePhone(raw: string, field = 'phone'): string {
  let digits = raw.replace(/[\s()-]/g, '')
  if (digits.startsWith('+86')) digits = digits.slice(3)
  else if (digits.startsWith('0086')) digits = digits.slice(4)
  if (/^1[3-9]\d{9}$/.test(digits) || /^0\d{2,3}\d{7,8}$/.test(digits)) return digits
  throw invalid(field, 'not a phone number: expected an 11-digit mobile (1xx xxxx xxxx) or a landline with area code')
}

const USCC_CHARS = '0123456789ABCDEFGHJKLMNPQRTUWXY'
const USCC_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]

export function usccCheckCharacter(first17: string): string {
  let sum = 0
  for (let i = 0; i < 17; i++) sum += USCC_CHARS.indexOf(first17[i]!) * USCC_WEIGHTS[i]!
  return USCC_CHARS[(31 - (sum % 31)) % 31]!
}

/** The unified social credit code (GB 32100-2015): 18 characters and a mod-31 check character. */
export function checkUscc(raw: string, field = 'uscc'): string {
  const code = raw.replace(/\s/g, '').toUpperCase()
  if (code.length !== 18 || [...code].some((c) => !USCC_CHARS.includes(c))) {
    throw invalid(field, 'a unified social credit code has 18 characters from 0–9 and A–Y without I, O, S, V, Z')
  }
  if (usccCheckCharacter(code.slice(0, 17)) !== code[17])
    throw invalid(field, 'the unified social credit code check character is wrong (GB 32100)')
  return code
}

/** '110101199003071234' → '110101********1234'; other documents keep their first and last two. */
export function maskIdNumber(type: IdType, number: string): string {
  if (type === 'resident_id' && number.length === 18) return `${number.slice(0, 6)}${'*'.repeat(8)}${number.slice(-4)}`
  if (number.length <= 4) return '*'.repeat(number.length)
  return `${number.slice(0, 2)}${'*'.repeat(number.length - 4)}${number.slice(-2)}`
}

export function checkDate(value: string, field: string, today: string): string {
  const d = DateTime.fromISO(value, { zone: 'utc' })
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value) || !d.isValid) throw invalid(field, 'is not a real date (YYYY-MM-DD)')
  if (value > today) throw invalid(field, 'lies in the future')
  if (d.year < 1880) throw invalid(field, 'is before 1880')
  return value
}
