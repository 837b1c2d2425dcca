import { useTranslation } from 'react-i18next'
import { PARTY_READERS } from '../section'
import type { User } from '../../../types'
import type { Kind } from './api'

/** The areas where the user reads the network (their reader roles), first the widest. */
export function readerAreas(user: User) {
  const seen = new Set<number>()
  return user.roles
    .filter((r) => (PARTY_READERS as readonly string[]).includes(r.role))
    .filter((r) => {
      if (seen.has(r.areaId)) return false
      seen.add(r.areaId)
      return true
    })
    .sort((a, b) => a.areaCode.length - b.areaCode.length)
}

export function KindBadge({ kind }: { kind: Kind }) {
  const { t } = useTranslation()
  return <span className={`po-badge po-kind-${kind}`}>{t(`party.organisations.kinds.${kind}`)}</span>
}

/** The colour of a kind on the map (the badges use the same). */
export const kindColour: Record<Kind, string> = {
  committee: '#b91c1c',
  general_branch: '#c2410c',
  branch: '#a16207',
  group: '#1d4ed8',
}
