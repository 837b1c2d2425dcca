import type { PanelProps, SectionProps } from '../section'

/** The phone check list below #/emergency/checks: pick an incident, then `<incidentId>` lists its people. */
export function ChecksSection(_props: SectionProps) {
  return null
}

/** The command view's check panel: progress per grid, live. */
export function CheckPanel(_props: PanelProps) {
  return null
}
