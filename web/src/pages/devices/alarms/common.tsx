import { useTranslation } from 'react-i18next'
import type { AlarmStatus, Resident, Severity } from './api'

/** The alarm's severity as a coloured badge (critical red, major amber). */
export function SeverityBadge({ severity }: { severity: Severity }) {
  const { t } = useTranslation()
  const tone = severity === 'critical' ? 'badge-danger' : severity === 'major' ? 'alarm-badge-major' : 'badge-muted'
  return (
    <span className={`badge ${tone} alarm-severity alarm-severity-${severity}`} data-testid="alarm-severity">
      {t(`devices.alarms.severity.${severity}`)}
    </span>
  )
}

export function AlarmStatusBadge({ status }: { status: AlarmStatus }) {
  const { t } = useTranslation()
  return (
    <span className={`chip alarm-status alarm-status-${status}`} data-testid="alarm-status" data-status={status}>
      {t(`devices.alarms.status.${status}`)}
    </span>
  )
}

/** An alarm kind (a device's flag, or the metric of a threshold rule) in words. */
export function useKindText() {
  const { t } = useTranslation()
  return (kind: string) => t(`devices.alarms.kinds.${kind}`, { defaultValue: kind })
}

/** The vulnerable residents of a building, masked by the server (family name, age, tags, dwelling). */
export function ResidentsTable({ residents, testId }: { residents: Resident[]; testId?: string }) {
  const { t } = useTranslation()
  if (residents.length === 0) return <p className="muted">{t('devices.alarms.residents.none')}</p>
  return (
    <div className="alarm-table-wrap">
      <table className="alarm-table" data-testid={testId ?? 'alarm-residents'}>
        <caption className="visually-hidden">{t('devices.alarms.residents.title')}</caption>
        <thead>
          <tr>
            <th scope="col">{t('devices.alarms.residents.name')}</th>
            <th scope="col">{t('devices.alarms.residents.age')}</th>
            <th scope="col">{t('devices.alarms.residents.tags')}</th>
            <th scope="col">{t('devices.alarms.residents.dwelling')}</th>
          </tr>
        </thead>
        <tbody>
          {residents.map((r, i) => (
            // The server sends no id (the list is masked); the order is stable.
            // biome-ignore lint/suspicious/noArrayIndexKey: masked rows have no identity
            <tr key={i} data-testid="alarm-resident">
              <td>{r.name}</td>
              <td>{r.age ?? '—'}</td>
              <td>
                {r.tags.map((tag) => (
                  <span key={tag} className="badge badge-tag">
                    {t(`devices.alarms.tags.${tag}`, { defaultValue: tag })}
                  </span>
                ))}
              </td>
              <td>
                {[r.unit, r.floor === null ? null : t('devices.alarms.residents.floor', { floor: r.floor }), r.room]
                  .filter(Boolean)
                  .join(' ')}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  )
}
