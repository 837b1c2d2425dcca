import type { PanelProps, SectionProps } from '../section'
import { AlertPanel as Panel } from './AlertPanel'
import { LinkAlertPage, MyAlertPage, MyAlerts } from './MyAlerts'

/** Alerts below #/emergency/alerts: a resident's own alerts, one by recipient id, and `link/<token>`. */
export function AlertsSection({ params }: SectionProps) {
  if (params[0] === 'link' && params[1]) return <LinkAlertPage token={params[1]} />
  const id = Number(params[0])
  if (Number.isInteger(id) && id > 0) return <MyAlertPage recipientId={id} />
  return <MyAlerts />
}

/** The command view's alert panel: send, delivery and acknowledgement per grid, re-send. */
export function AlertPanel(props: PanelProps) {
  return <Panel {...props} />
}

/** The alert page an SMS link opens (#/emergency/alerts/link/<token>), signed in or not. */
export function AlertLinkPage({ token }: { token: string }) {
  return (
    <section className="page emergency-page">
      <LinkAlertPage token={token} />
    </section>
  )
}
