// Shared bits of the incident screens: the server's enumerations in display order, the level and
// drill badges, and who declares.
import { useTranslation } from 'react-i18next'
import { allOf } from '../../../types'
import type { CheckTag, IncidentKind } from './api'
import './incidents.css'

// Each list fails to compile when the server's set changes (src/emergency/common.ts).
export const INCIDENT_KINDS = allOf<IncidentKind>()([
  'flood',
  'typhoon',
  'rainstorm',
  'fire',
  'epidemic',
  'heatwave',
  'cold_wave',
  'gas_leak',
  'building_hazard',
  'large_gathering',
  'earthquake',
  'power_outage',
  'other',
])
export const CHECK_TAGS = allOf<CheckTag>()([
  'elderly_alone',
  'elderly',
  'disabled',
  'left_behind_child',
  'key_care',
  'pregnant',
  'low_income',
  'veteran',
])
export const DEFAULT_CHECK_TAGS: CheckTag[] = ['elderly_alone', 'disabled', 'left_behind_child', 'key_care', 'pregnant']
export const LEVELS = [1, 2, 3, 4] as const
export const ROMAN = ['Ⅰ', 'Ⅱ', 'Ⅲ', 'Ⅳ'] as const

/** The level as the plans colour it: Ⅰ red, Ⅱ orange, Ⅲ yellow, Ⅳ blue. */
export function LevelBadge({ level }: { level: number }) {
  const { t } = useTranslation()
  return (
    <span className={`badge incident-level incident-level-${level}`} data-testid="incident-level" data-level={level}>
      {t('emergency.incidents.levelBadge', { level: ROMAN[level - 1] ?? level })}
    </span>
  )
}

export function DrillBadge() {
  const { t } = useTranslation()
  return (
    <span className="badge incident-drill" data-testid="incident-drill">
      {t('emergency.incidents.drill')}
    </span>
  )
}

export function StatusBadge({ status }: { status: 'active' | 'closed' }) {
  const { t } = useTranslation()
  return (
    <span className={`state-chip incident-status-${status}`} data-testid="incident-status" data-status={status}>
      {t(`emergency.incidents.status.${status}`)}
    </span>
  )
}
