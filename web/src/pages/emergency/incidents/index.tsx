import type { SectionProps } from '../section'

/** Incidents below #/emergency/incidents: the list, `new` (declare), and one incident's command view by id. */
export function IncidentsSection(_props: SectionProps) {
  return null
}
