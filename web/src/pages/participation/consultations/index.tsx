import type { SectionProps } from '../section'

export function ConsultationsSection(_props: SectionProps) {
  return null
}
