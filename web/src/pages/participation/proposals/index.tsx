import type { SectionProps } from '../section'

export function ProposalsSection(_props: SectionProps) {
  return null
}
