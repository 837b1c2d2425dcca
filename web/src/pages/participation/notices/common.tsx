import { useTranslation } from 'react-i18next'
import type { AreaNode, Role, User } from '../../../types'
import type { NoticeKind, NoticeStatus } from './api'

/** Who publishes and manages notices (the server's participationStaff). */
export const NOTICE_STAFF: readonly Role[] = ['admin', 'leader', 'staff']

export const PAGE_SIZE = 20

/** The areas the user may publish to: those where they hold a staff role, and below, down to communities. */
export function publishableAreas(tree: AreaNode[], user: User): { node: AreaNode; depth: number }[] {
  const granted = new Set(user.roles.filter((r) => NOTICE_STAFF.includes(r.role)).map((r) => r.areaId))
  const out: { node: AreaNode; depth: number }[] = []
  const walk = (n: AreaNode, inside: boolean, depth: number) => {
    if (n.retired || n.level === 'grid') return
    const mine = inside || granted.has(n.id)
    if (mine) out.push({ node: n, depth })
    for (const c of n.children) walk(c, mine, mine ? depth + 1 : depth)
  }
  for (const r of tree) walk(r, false, 0)
  return out
}

/** A timestamp as the value of a datetime-local input (the browser's time zone). */
export function toLocalInput(iso: string | null): string {
  if (!iso) return ''
  const d = new Date(iso)
  if (Number.isNaN(d.getTime())) return ''
  const pad = (n: number) => String(n).padStart(2, '0')
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`
}

/** A datetime-local value as the API's timestamp, or null when empty or unreadable. */
export function fromLocalInput(value: string): string | null {
  if (!value) return null
  const d = new Date(value)
  return Number.isNaN(d.getTime()) ? null : d.toISOString()
}

export function formatSize(bytes: number, lng: string): string {
  const n = new Intl.NumberFormat(lng, { maximumFractionDigits: 1 })
  if (bytes < 1024) return `${n.format(bytes)} B`
  if (bytes < 1024 * 1024) return `${n.format(bytes / 1024)} KB`
  return `${n.format(bytes / 1024 / 1024)} MB`
}

export function KindBadge({ kind }: { kind: NoticeKind }) {
  const { t } = useTranslation()
  if (kind !== 'policy') return null
  return (
    <span className="badge notices-badge-policy" data-testid="notice-policy-badge">
      {t('participation.notices.kind.policy')}
    </span>
  )
}

export function PinnedBadge({ pinned }: { pinned: boolean }) {
  const { t } = useTranslation()
  if (!pinned) return null
  return (
    <span className="badge notices-badge-pinned" data-testid="notice-pinned-badge">
      {t('participation.notices.pinned')}
    </span>
  )
}

export function StatusBadge({ status }: { status: NoticeStatus }) {
  const { t } = useTranslation()
  return (
    <span className={`badge notices-status notices-status-${status}`} data-testid="notice-status">
      {t(`participation.notices.status.${status}`)}
    </span>
  )
}

export function Required() {
  const { t } = useTranslation()
  return (
    <abbr className="required" title={t('participation.notices.form.required')}>
      *
    </abbr>
  )
}
