import { idParam } from '../../../router'
import type { SectionProps } from '../section'
import { MemberList } from './MemberList'
import { MemberPage } from './MemberPage'
import { ReportsBoard } from './ReportsBoard'
import './members.css'

/**
 * Party members below #/party/members: the list with its filters and the register form, `reports`
 * (the members reported to the communities: 在职党员到社区报到), `organisation/<id>` (the list of one
 * organisation) and one member by id.
 */
export function MembersSection({ params, user }: SectionProps) {
  if (params[0] === 'reports') return <ReportsBoard />
  // #/party/members/organisation/<id>: the list of one organisation (its page links here).
  if (params[0] === 'organisation') {
    const organisationId = idParam(params.slice(1))
    return <MemberList key={organisationId ?? 0} user={user} organisationId={organisationId ?? undefined} />
  }
  const memberId = idParam(params)
  if (memberId) return <MemberPage key={memberId} id={memberId} />
  return <MemberList user={user} />
}
