import { useQuery } from '@tanstack/react-query'
import { useTranslation } from 'react-i18next'
import { routes } from '../../../router'
import { memberKeys, membersApi } from './api'
import './members.css'

/**
 * 党员领办: the party members on a case, for the case page. Renders nothing when none is on it, or
 * when the caller does not read the party's records (the route answers 403 to handlers and mediators).
 */
export function PartyMembersOnCase({ caseId }: { caseId: number }) {
  const { t } = useTranslation()
  const onCase = useQuery({
    queryKey: memberKeys.onCase(caseId),
    queryFn: ({ signal }) => membersApi.onCase(caseId, signal),
    retry: false,
  })
  const items = onCase.data?.items ?? []
  if (items.length === 0) return null
  return (
    <div className="pm-case-mark" data-testid="pm-case-mark" role="note">
      <span className="pm-badge pm-led">{t('party.members.ledByMembers')}</span>{' '}
      {items.map((a, i) => (
        <span key={a.id}>
          {i > 0 && '、'}
          <a href={routes.party('members', a.member.id)}>{a.member.name}</a>
          <span className="muted"> ({a.member.organisation})</span>
        </span>
      ))}
    </div>
  )
}
