import { idParam } from '../../../router'
import type { SectionProps } from '../section'
import { PolicyEditor } from './PolicyEditor'
import { PolicyList } from './PolicyList'
import { PolicyPage } from './PolicyPage'
import './policies.css'

/**
 * Policy explainers below #/training/policies: the list with search and a category filter, `new`
 * (the editor, for the keepers), one policy by id and `<id>/edit`.
 */
export function PoliciesSection({ params, user }: SectionProps) {
  if (params[0] === 'new') return <PolicyEditor user={user} />
  const policyId = idParam(params)
  if (policyId && params[1] === 'edit') return <PolicyEditor key={policyId} user={user} id={policyId} />
  if (policyId) return <PolicyPage key={policyId} id={policyId} />
  return <PolicyList user={user} />
}
