// Shared bits of the registry screens: the server's enumerations (src/registry) and small views.
import { useTranslation } from 'react-i18next'
import {
  allOf,
  type CareTag,
  type IdType,
  type LifeEventKind,
  type ResidenceStatus,
  type RevealableField,
} from '../../types'

// Display orders of the server's enumerations; each fails to compile when the server's set changes.
export const CARE_TAGS = allOf<CareTag>()([
  'elderly_alone',
  'elderly',
  'disabled',
  'low_income',
  'left_behind_child',
  'key_care',
  'veteran',
  'pregnant',
])
export const RESIDENCE_STATUSES = allOf<ResidenceStatus>()(['registered', 'floating', 'abroad'])
export const LIFE_EVENTS = allOf<LifeEventKind>()(['move_in', 'move_out', 'address_change', 'death', 'id_correction'])
export const ID_TYPES = allOf<IdType>()([
  'resident_id',
  'passport',
  'hk_macao_permit',
  'taiwan_permit',
  'foreign_permanent_id',
  'other',
])
export const REVEALABLE = allOf<RevealableField>()(['idNumber', 'phone'])
export const PAGE_SIZE = 20

/** Today as YYYY-MM-DD in the browser's time zone (the max of date pickers). */
export function todayLocal(d = new Date()): string {
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`
}

export function TagBadges({ tags }: { tags: string[] }) {
  const { t } = useTranslation()
  if (!tags.length) return null
  return (
    <span className="tag-badges">
      {tags.map((tag) => (
        <span key={tag} className="badge badge-tag" data-tag={tag}>
          {t(`registry.careTags.${tag}`, { defaultValue: tag })}
        </span>
      ))}
    </span>
  )
}

export function PersonStatus({ status }: { status: string }) {
  const { t } = useTranslation()
  return (
    <span className={`state-chip person-status-${status}`} data-testid="person-status" data-status={status}>
      {t(`registry.personStatuses.${status}`, { defaultValue: status })}
    </span>
  )
}

/** A history value as text: enumerations translated where the field has them. */
export function historyValue(field: string, v: unknown, t: (k: string, o?: Record<string, unknown>) => string): string {
  if (v === null || v === undefined || v === '') return '—'
  if (Array.isArray(v)) return v.length ? v.map((x) => historyValue(field, x, t)).join(t('common.listSeparator')) : '—'
  if (typeof v === 'object') return JSON.stringify(v)
  const s = String(v)
  const enumKey: Record<string, string> = {
    residenceStatus: 'residenceStatuses',
    residence_status: 'residenceStatuses',
    status: 'personStatuses',
    sex: 'sexes',
    tags: 'careTags',
    idType: 'idTypes',
    id_type: 'idTypes',
  }
  const group = enumKey[field]
  return group ? t(`registry.${group}.${s}`, { defaultValue: s }) : s
}
