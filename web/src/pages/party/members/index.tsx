import { idParam } from '../../../router'
import type { SectionProps } from '../section'
import { MemberList } from './MemberList'
import { MemberPage } from './MemberPage'
import { ReportsBoard } from './ReportsBoard'
import './members.css'

/**
 * Party members below #/party/members: the list with its filters and the register form, `reports`
 * (the members reported to the communities: 在职党员到社区报到) and one member by id.
 */
export function MembersSection({ params, user }: SectionProps) {
  if (params[0] === 'reports') return <ReportsBoard />
  const memberId = idParam(params)
  if (memberId) return <MemberPage key={memberId} id={memberId} />
  return <MemberList user={user} />
}
