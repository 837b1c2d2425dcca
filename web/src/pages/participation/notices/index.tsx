import type { SectionProps } from '../section'

export function NoticesSection(_props: SectionProps) {
  return null
}
