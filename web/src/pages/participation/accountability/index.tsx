import type { SectionProps } from '../section'

export function AccountabilitySection(_props: SectionProps) {
  return null
}
