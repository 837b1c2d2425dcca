import type { PanelProps, SectionProps } from '../section'

/** The response below #/emergency/response: my tasks, and the area's resources and shelters. */
export function ResponseSection(_props: SectionProps) {
  return null
}

/** The command view's tasks. */
export function TasksPanel(_props: PanelProps) {
  return null
}

/** The command view's resources: stock, allocations to the incident, returns. */
export function ResourcesPanel(_props: PanelProps) {
  return null
}

/** The command view's shelters: occupancy and who checked in. */
export function SheltersPanel(_props: PanelProps) {
  return null
}
