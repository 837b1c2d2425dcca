import type { SectionProps } from '../section'

/** Training (models). Stub: the models part fills it in. */
export function ModelsSection(_props: SectionProps) {
  return null
}
