import { idParam } from '../../../router'
import type { SectionProps } from '../section'
import { AlarmDetailPage } from './AlarmDetail'
import { AlarmInbox } from './Inbox'
import './alarms.css'

export { AlarmsForCase } from './AlarmsForCase'

/** The alarms below #/devices/alarms: the inbox, or one alarm (#/devices/alarms/<id>). */
export function AlarmsSection({ params }: SectionProps) {
  const id = idParam(params)
  if (id !== null) return <AlarmDetailPage id={id} />
  return <AlarmInbox />
}
