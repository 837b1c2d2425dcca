// i18next setup: the first visit follows the browser's language (zh-CN for any zh*, else en); the
// user's choice is remembered in localStorage and wins from then on.
import i18n from 'i18next'
import { initReactI18next } from 'react-i18next'
import zhCN from './locales/zh-CN.json'
import en from './locales/en.json'
import { ApiError } from './api'

export const LANGUAGES = ['zh-CN', 'en'] as const
export type Language = (typeof LANGUAGES)[number]

const STORAGE_KEY = 'grassroots.lang'

function isLanguage(v: unknown): v is Language {
  return typeof v === 'string' && (LANGUAGES as readonly string[]).includes(v)
}

function storedLanguage(): Language | null {
  try {
    const v = localStorage.getItem(STORAGE_KEY)
    return isLanguage(v) ? v : null
  } catch {
    return null // storage can be blocked (private mode, policies)
  }
}

/** The browser's preferred language as one of ours: any Chinese → zh-CN, anything else → en. */
export function browserLanguage(preferred: readonly string[] | undefined): Language {
  const first = preferred?.find((l) => typeof l === 'string' && l.trim() !== '')
  if (!first) return 'zh-CN' // no preference known: the product's home language
  return /^zh\b/i.test(first) ? 'zh-CN' : 'en'
}

function navigatorLanguages(): readonly string[] | undefined {
  if (typeof navigator === 'undefined') return undefined
  return navigator.languages?.length ? navigator.languages : navigator.language ? [navigator.language] : undefined
}

// Modules with many parts (participation, services) keep one pair of files per part
// (locales/<module>/<part>.<lang>.json), merged under `<module>.<part>`, so each part's screens are
// written and reviewed apart.
const partFiles = import.meta.glob<Record<string, unknown>>('./locales/*/*.json', { eager: true, import: 'default' })
function partsOf(lng: string): Record<string, Record<string, unknown>> {
  const modules: Record<string, Record<string, unknown>> = {}
  for (const [file, strings] of Object.entries(partFiles)) {
    const m = /\/([a-z]+)\/([a-z]+)\.([a-zA-Z-]+)\.json$/.exec(file)
    if (!m || m[3] !== lng) continue
    modules[m[1]!] ??= {}
    modules[m[1]!]![m[2]!] = strings
  }
  return modules
}

void i18n.use(initReactI18next).init({
  resources: {
    'zh-CN': { translation: { ...zhCN, ...partsOf('zh-CN') } },
    en: { translation: { ...en, ...partsOf('en') } },
  },
  lng: storedLanguage() ?? browserLanguage(navigatorLanguages()),
  fallbackLng: 'zh-CN',
  supportedLngs: [...LANGUAGES],
  interpolation: { escapeValue: false }, // React already escapes
  initAsync: false, // resources are bundled, so render translated from the first paint
})

function syncDocument(lng: string): void {
  document.documentElement.lang = lng
  document.title = i18n.t('app.title')
}
syncDocument(i18n.language)
i18n.on('languageChanged', syncDocument)

/** Switch language on the user's request and remember it. */
export function setLanguage(lng: Language): void {
  try {
    localStorage.setItem(STORAGE_KEY, lng)
  } catch {
    /* not persisted, still switched */
  }
  void i18n.changeLanguage(lng)
}

/**
 * The server's default applies only when neither the user nor the browser says anything: a stored
 * choice wins, then the browser's languages, then the server's setting.
 */
export function applyServerDefaultLanguage(lng: unknown): void {
  if (storedLanguage() || navigatorLanguages()?.length) return
  if (isLanguage(lng) && lng !== i18n.language) void i18n.changeLanguage(lng)
}

export function currentLanguage(): Language {
  return isLanguage(i18n.language) ? i18n.language : 'zh-CN'
}

/** Localized name of anything with nameZh/nameEn, falling back to the other language. */
export function localName(
  item: { nameZh?: string | null; nameEn?: string | null; areaNameZh?: string | null; areaNameEn?: string | null },
  lng: string = i18n.language,
): string {
  const zh = item.nameZh ?? item.areaNameZh ?? ''
  const enName = item.nameEn ?? item.areaNameEn ?? ''
  return (lng === 'en' ? enName || zh : zh || enName) || ''
}

/**
 * Translate an API error by its code (`errors.<CODE>`), falling back to the server's message.
 * Uses the shared instance, so callers re-render through useTranslation on language change.
 */
export function errorText(err: unknown, fieldLabel?: (field: string) => string | undefined): string {
  const t = i18n.t.bind(i18n)
  if (err instanceof ApiError) {
    const msg = t(`errors.${err.code}`, { defaultValue: err.message || t('errors.UNKNOWN') })
    if (!err.field) return msg
    // `photos[0]` and `attributes.x` name an item of a field; the screen may know a better label.
    const generic = err.field.replace(/\[\d+\]$/, '')
    const key = i18n.exists(`fields.${generic}`) ? `fields.${generic}` : `fields.${generic.split(/[.[]/)[0]}`
    const field = fieldLabel?.(err.field) ?? t(key, { defaultValue: err.field })
    return t('errors.withField', { message: msg, field })
  }
  return t('errors.UNKNOWN')
}

/** Locale-aware number formatting. */
export function formatNumber(n: number, maximumFractionDigits = 2, lng: string = i18n.language): string {
  return new Intl.NumberFormat(lng, { maximumFractionDigits }).format(n)
}

/** Locale-aware date and time, e.g. "2026/11/23 10:00" or "Nov 23, 2026, 10:00 AM". */
export function formatDateTime(iso: string | null | undefined, lng: string = i18n.language): string {
  if (!iso) return '—'
  const d = new Date(iso)
  if (Number.isNaN(d.getTime())) return iso
  return new Intl.DateTimeFormat(lng, { dateStyle: 'medium', timeStyle: 'short' }).format(d)
}

/** Percentage of a rate given as a fraction (0–1) or already as a percentage (0–100); null stays null. */
export function ratePercent(v: unknown): number | null {
  if (typeof v !== 'number' || !Number.isFinite(v)) return null
  return v <= 1 ? v * 100 : v
}

export default i18n
