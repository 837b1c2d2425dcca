import type { SectionProps } from '../section'

/** Training (courses). Stub: the courses part fills it in. */
export function CoursesSection(_props: SectionProps) {
  return null
}
