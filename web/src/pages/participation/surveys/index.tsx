import type { SectionProps } from '../section'

export function SurveysSection(_props: SectionProps) {
  return null
}
