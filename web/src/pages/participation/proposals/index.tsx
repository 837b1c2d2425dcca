import { hasRole } from '../../../modules'
import { idParam } from '../../../router'
import type { SectionProps } from '../section'
import { PARTICIPATION_STAFF } from './common'
import { NewProposal } from './NewProposal'
import { ProposalDetail } from './ProposalDetail'
import { ProposalList } from './ProposalList'
import { ProposalSettings } from './ProposalSettings'

/**
 * Resident proposals (居民提议) below #/participation/proposals: the list, `new`, one proposal by id,
 * and `settings` (the area's threshold, answer limit and verification rules) for participation staff.
 */
export function ProposalsSection({ params, user, config }: SectionProps) {
  const proposalId = idParam(params)
  if (proposalId) return <ProposalDetail key={proposalId} id={proposalId} staff={hasRole(user, PARTICIPATION_STAFF)} />
  if (params[0] === 'new') return <NewProposal user={user} config={config} />
  if (params[0] === 'settings' && hasRole(user, PARTICIPATION_STAFF)) return <ProposalSettings user={user} />
  return <ProposalList user={user} />
}
