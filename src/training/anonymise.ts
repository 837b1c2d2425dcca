import { residentIdCheckDigit } from '../registry/identity.js'

// The anonymisation check of a model case: a write-up is published only when none of its texts
// still holds an ID number, a phone number, an e-mail address or the name of one of the source's
// people (the registry's rule: names, ID numbers and phones removed). Each finding says where it
// is (start and end are UTF-16 offsets into the field's text, as String.slice takes them) and
// shows what was found only masked, so the findings can be stored and shown like any other text.

export const findingKinds = ['id_number', 'phone', 'landline', 'email', 'name'] as const
export type FindingKind = (typeof findingKinds)[number]

export interface Span {
  kind: FindingKind
  start: number
  end: number
  /** The text found, masked (张*, 138****5678, 110101********1234, z***@example.com). */
  excerpt: string
}

export interface Finding extends Span {
  field: string
}

const isDigit = (c: string | undefined) => c !== undefined && c >= '0' && c <= '9'

/** A real calendar day (yyyyMMdd), so that any 15 or 18 digits are not taken for an ID. */
function isDay(ymd: string): boolean {
  const y = Number(ymd.slice(0, 4))
  const m = Number(ymd.slice(4, 6))
  const d = Number(ymd.slice(6, 8))
  if (y < 1880 || y > 2100 || m < 1 || m > 12 || d < 1) return false
  return d <= new Date(Date.UTC(y, m, 0)).getUTCDate()
}

/**
 * Resident ID numbers: 18 characters (17 digits and a check character, GB 11643) whose check
 * character is right and whose birth date is real, and the old 15-digit ones (birth yyMMdd,
 * 19yy). A run of digits longer than that is something else (a bank card) and not taken apart.
 */
function idNumbers(text: string): Span[] {
  const out: Span[] = []
  for (const m of text.matchAll(/\d{17}[\dXx]|\d{15}/g)) {
    const start = m.index
    const end = start + m[0].length
    // Only a whole run of digits: an ID inside a longer number is not one.
    if (isDigit(text[start - 1]) || isDigit(text[end]) || (m[0].length === 15 && /[Xx]/.test(text[end] ?? ''))) continue
    const n = m[0].toUpperCase()
    const ok =
      n.length === 18
        ? isDay(n.slice(6, 14)) && residentIdCheckDigit(n.slice(0, 17)) === n[17]
        : isDay(`19${n.slice(6, 12)}`)
    if (ok)
      out.push({ kind: 'id_number', start, end, excerpt: `${n.slice(0, 6)}${'*'.repeat(n.length - 10)}${n.slice(-4)}` })
  }
  return out
}

/** Mobile numbers 1[3-9]x xxxx xxxx, also written with spaces or hyphens between the digits, +86 or not. */
function mobiles(text: string): Span[] {
  const out: Span[] = []
  for (const m of text.matchAll(/(?:\+?86[\s-]?)?1[3-9](?:[\s-]?\d){9}/g)) {
    const start = m.index
    const end = start + m[0].length
    if (isDigit(text[start - 1]) || isDigit(text[end])) continue
    const digits = m[0].replace(/\D/g, '').slice(-11)
    out.push({ kind: 'phone', start, end, excerpt: `${digits.slice(0, 3)}****${digits.slice(-4)}` })
  }
  return out
}

/** Landlines with their area code: 0xx(x)-xxxxxxx(x). */
function landlines(text: string): Span[] {
  const out: Span[] = []
  for (const m of text.matchAll(/0\d{2,3}-?\d{7,8}/g)) {
    const start = m.index
    const end = start + m[0].length
    if (isDigit(text[start - 1]) || isDigit(text[end])) continue
    const digits = m[0].replace(/\D/g, '')
    out.push({ kind: 'landline', start, end, excerpt: `${digits.slice(0, 4)}****${digits.slice(-2)}` })
  }
  return out
}

function emails(text: string): Span[] {
  const out: Span[] = []
  for (const m of text.matchAll(/[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g)) {
    const [local, domain] = m[0].split('@') as [string, string]
    out.push({ kind: 'email', start: m.index, end: m.index + m[0].length, excerpt: `${local[0]}***@${domain}` })
  }
  return out
}

/** A name as those who may not see it read it: the family name and a mark per other character. */
export const maskedName = (name: string) => {
  const chars = [...name]
  return chars.length <= 1 ? '*' : `${chars[0]}${'*'.repeat(chars.length - 1)}`
}

/**
 * Every occurrence of each name, also inside a longer run of characters (Chinese has no spaces:
 * 张伟明天来了 holds 张伟). Names of one character say too little to look for; names differing
 * only in letter case are found alike.
 */
function names(text: string, people: readonly string[]): Span[] {
  const out: Span[] = []
  const lower = text.toLowerCase()
  const wanted = [...new Set(people.map((n) => n.trim()).filter((n) => [...n].length >= 2))]
  for (const name of wanted) {
    const needle = name.toLowerCase()
    for (let at = lower.indexOf(needle); at >= 0; at = lower.indexOf(needle, at + needle.length))
      out.push({ kind: 'name', start: at, end: at + needle.length, excerpt: maskedName(name) })
  }
  return out
}

/**
 * The source's people's own numbers (decrypted from the registry), wherever they stand alone:
 * a landline written without its area code is not caught by its shape, only by its digits.
 */
function knownNumbers(text: string, numbers: readonly string[]): Span[] {
  const out: Span[] = []
  for (const n of new Set(numbers.map((x) => x.replace(/[\s()-]/g, '').toUpperCase()))) {
    if (n.length < 7) continue
    const kind: FindingKind = n.length >= 15 ? 'id_number' : /^1[3-9]\d{9}$/.test(n) ? 'phone' : 'landline'
    const upper = text.toUpperCase()
    for (let at = upper.indexOf(n); at >= 0; at = upper.indexOf(n, at + n.length)) {
      if (isDigit(text[at - 1]) || isDigit(text[at + n.length])) continue
      out.push({ kind, start: at, end: at + n.length, excerpt: `${n.slice(0, 3)}****${n.slice(-2)}` })
    }
  }
  return out
}

/**
 * The personal data in `text`: ID numbers, mobiles, landlines, e-mail addresses, the given
 * names and known numbers, in order of position. Where two overlap (a mobile's digits inside an
 * ID number, a name inside an e-mail address) the earlier and longer one is kept.
 */
export function findPersonalData(
  text: string,
  people: readonly string[] = [],
  numbers: readonly string[] = [],
): Span[] {
  const all = [
    ...idNumbers(text),
    ...emails(text),
    ...mobiles(text),
    ...landlines(text),
    ...names(text, people),
    ...knownNumbers(text, numbers),
  ]
  all.sort((a, b) => a.start - b.start || b.end - a.end)
  const kept: Span[] = []
  for (const s of all) {
    const last = kept[kept.length - 1]
    if (last && s.start < last.end) continue
    kept.push(s)
  }
  return kept
}

/** The findings of several texts (a model case's fields), each named by its field. */
export function checkTexts(
  fields: Record<string, string>,
  people: readonly string[] = [],
  numbers: readonly string[] = [],
): Finding[] {
  return Object.entries(fields).flatMap(([field, text]) =>
    findPersonalData(text, people, numbers).map((s) => ({ field, ...s })),
  )
}

/** What stands in for a finding when it is removed: 某某 for a name, the number's shape in stars. */
export function maskFor(kind: FindingKind, found: string): string {
  switch (kind) {
    case 'name':
      return '某某'
    case 'email':
      return '***@***'
    case 'phone':
      return `1${'*'.repeat(10)}`
    case 'landline':
      return found.replace(/\d/g, (d, i: number) => (i === 0 && d === '0' ? d : '*'))
    case 'id_number':
      return '*'.repeat(found.length)
  }
}

/**
 * `text` with its personal data replaced by masks ("anonymise for me"): the same findings as
 * findPersonalData, so that the check passes on the result.
 */
export function anonymise(text: string, people: readonly string[] = [], numbers: readonly string[] = []): string {
  let out = ''
  let at = 0
  for (const s of findPersonalData(text, people, numbers)) {
    out += text.slice(at, s.start) + maskFor(s.kind, text.slice(s.start, s.end))
    at = s.end
  }
  return out + text.slice(at)
}
