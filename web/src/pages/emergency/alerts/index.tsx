import type { PanelProps, SectionProps } from '../section'

/** Alerts below #/emergency/alerts: a resident's own alerts, one by recipient id, and `link/<token>`. */
export function AlertsSection(_props: SectionProps) {
  return null
}

/** The command view's alert panel: send, delivery and acknowledgement per grid, re-send. */
export function AlertPanel(_props: PanelProps) {
  return null
}

/** The alert page an SMS link opens (#/emergency/alerts/link/<token>), signed in or not. */
export function AlertLinkPage(_props: { token: string }) {
  return null
}
