import type { SectionProps } from '../section'

/** Training (learn). Stub: the learn part fills it in. */
export function LearnSection(_props: SectionProps) {
  return null
}
