import type { SectionProps } from '../section'

export function VerifySection(_props: SectionProps) {
  return null
}
