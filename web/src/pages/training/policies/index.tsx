import type { SectionProps } from '../section'

/** Training (policies). Stub: the policies part fills it in. */
export function PoliciesSection(_props: SectionProps) {
  return null
}
