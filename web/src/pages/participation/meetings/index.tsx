import type { SectionProps } from '../section'

export function MeetingsSection(_props: SectionProps) {
  return null
}
