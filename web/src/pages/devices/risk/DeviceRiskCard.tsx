import { useQuery } from '@tanstack/react-query'
import { useTranslation } from 'react-i18next'
import { QueryStatus } from '../../../components/QueryStatus'
import { localName } from '../../../i18n'
import { routes } from '../../../router'
import { riskQueries } from './api'
import { RiskBadge } from './common'
import './risk.css'

/** For the dashboard: live alarms, offline devices and the riskiest grids of an area (default: the caller's). */
export function DeviceRiskCard({ areaId }: { areaId?: number }) {
  const { t, i18n } = useTranslation()
  const q = useQuery(riskQueries.area(areaId))
  const r = q.data
  return (
    <section className="card device-risk-card" aria-labelledby="device-risk-card-title" data-testid="device-risk-card">
      <h2 id="device-risk-card-title" className="panel-title">
        {t('devices.risk.cardTitle')}
      </h2>
      <QueryStatus query={q} />
      {r && (
        <>
          <p>
            <RiskBadge level={r.totals.level} /> {t('devices.risk.openCount', { count: r.totals.openAlarms })} ·{' '}
            {t('devices.risk.offlineCount', { count: r.totals.offlineDevices })} ·{' '}
            {t('devices.risk.knockCount', { count: r.totals.knockTotal })}
          </p>
          <ol className="risk-top">
            {r.grids
              .filter((g) => g.level !== 'low')
              .slice(0, 3)
              .map((g) => (
                <li key={g.area.id}>
                  {localName(g.area, i18n.language)} <RiskBadge level={g.level} />{' '}
                  <span className="muted">{t('devices.risk.openCount', { count: g.openAlarms })}</span>
                </li>
              ))}
          </ol>
          <a href={routes.devices('risk')}>{t('devices.risk.more')}</a>
        </>
      )}
    </section>
  )
}
