// Shared bits of the consultation screens: the server's enumerations in display order, the state
// and kind chips, the period line, and the error line naming the field the server named.
import { useTranslation } from 'react-i18next'
import { ApiError } from '../../../api'
import { errorText, formatDateTime } from '../../../i18n'
import { allOf, type Role } from '../../../types'
import type { ConsultationAction, ConsultationKind, ConsultationState } from './api'
import './consultations.css'

// Each list fails to compile when the server's set changes (src/participation/consultations.ts).
export const CONSULTATION_STATES = allOf<ConsultationState>()(['draft', 'open', 'closed', 'published'])
export const CONSULTATION_KINDS = allOf<ConsultationKind>()(['policy', 'community_rule', 'plan'])
export const CONSULTATION_ACTIONS = allOf<ConsultationAction>()(['open', 'close', 'publish'])
/** Who runs participation in an area (the server's participationStaff, src/participation/common.ts). */
export const PARTICIPATION_STAFF = ['admin', 'leader', 'staff'] as const satisfies readonly Role[]
export const PAGE_SIZE = 10
export const K = 'participation.consultations'

export function StateChip({ state, testId = 'consultation-state' }: { state: ConsultationState; testId?: string }) {
  const { t } = useTranslation()
  return (
    <span
      className={`state-chip consultation-state consultation-state-${state}`}
      data-testid={testId}
      data-state={state}
    >
      {t(`${K}.states.${state}`)}
    </span>
  )
}

export function KindBadge({ kind }: { kind: ConsultationKind }) {
  const { t } = useTranslation()
  return <span className="badge badge-muted">{t(`${K}.kinds.${kind}`)}</span>
}

/** "Comments from … to …". */
export function Period({ opensAt, closesAt }: { opensAt: string; closesAt: string }) {
  const { t, i18n } = useTranslation()
  return (
    <span className="consultation-period">
      {t(`${K}.period`, {
        from: formatDateTime(opensAt, i18n.language),
        to: formatDateTime(closesAt, i18n.language),
      })}
    </span>
  )
}

/** The label of a field the server named (`sections[1].body` → "Section 2: text"). */
export function useFieldLabel(): (field: string) => string | undefined {
  const { t, i18n } = useTranslation()
  return (field: string) => {
    const section = /^sections\[(\d+)\]\.(heading|body)$/.exec(field)
    if (section) return t(`${K}.fields.section.${section[2]}`, { n: Number(section[1]) + 1 })
    const key = `${K}.fields.${field}`
    return i18n.exists(key) ? t(key) : undefined
  }
}

export function Problem({ error, testId }: { error: unknown; testId?: string }) {
  const fieldLabel = useFieldLabel()
  if (!error) return null
  const code = error instanceof ApiError ? error.code : undefined
  const field = error instanceof ApiError ? (error.field ?? undefined) : undefined
  return (
    <div className="error-banner" role="alert" data-testid={testId} data-code={code} data-field={field}>
      <span>{errorText(error, fieldLabel)}</span>
    </div>
  )
}
