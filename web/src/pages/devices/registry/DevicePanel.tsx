import { useQuery } from '@tanstack/react-query'
import { useTranslation } from 'react-i18next'
import { ApiError } from '../../../api'
import { QueryStatus } from '../../../components/QueryStatus'
import { routes } from '../../../router'
import { registryQueries } from './api'
import { AlarmCount, StateBadge, when } from './common'
import './registry.css'

/**
 * The devices of a building or of a grid (or any area's subtree) with their state badges: for the
 * registry's building page and the grid's page. Shows nothing to callers who do not read devices.
 */
export function DevicePanel({ buildingId, areaId }: { buildingId?: number; areaId?: number }) {
  const { t } = useTranslation()
  const list = useQuery({
    ...registryQueries.list({
      ...(buildingId ? { buildingId } : {}),
      ...(areaId ? { areaId } : {}),
      pageSize: 50,
    }),
    retry: false,
  })
  if (list.error instanceof ApiError && (list.error.status === 401 || list.error.status === 403)) return null
  return (
    <section className="card device-panel" aria-labelledby="device-panel-title" data-testid="device-panel">
      <h3 id="device-panel-title">{t('devices.registry.panel.title')}</h3>
      <QueryStatus query={list} />
      {list.data && list.data.items.length === 0 && <p className="muted">{t('devices.registry.panel.none')}</p>}
      <ul className="device-panel-list">
        {(list.data?.items ?? []).map((d) => (
          <li key={d.id} data-testid="device-panel-row">
            <a href={routes.devices('registry', d.id)}>{d.name}</a> <StateBadge state={d.state} />{' '}
            <AlarmCount count={d.openAlarms} />
            <div className="muted">
              <code>{d.code}</code> · {t(`devices.registry.types.${d.type}`)}
              {d.place ? ` · ${d.place}` : ''}
              {d.lastSeenAt ? ` · ${t('devices.registry.lastSeenAt', { at: when(d.lastSeenAt) })}` : ''}
            </div>
          </li>
        ))}
      </ul>
      {list.data?.nextAfter && (
        <a href={routes.devices('registry')} className="muted">
          {t('devices.registry.panel.more', { count: list.data.total })}
        </a>
      )}
    </section>
  )
}
