import { keepPreviousData, useQuery } from '@tanstack/react-query'
import { useId, useState } from 'react'
import { useTranslation } from 'react-i18next'
import { AreaSelect } from '../../../components/AreaSelect'
import { QueryStatus } from '../../../components/QueryStatus'
import { hasRole } from '../../../modules'
import { routes } from '../../../router'
import type { AppConfig, User } from '../../../types'
import { DEVICE_KEEPERS } from '../section'
import { deviceStates, deviceTypes, registryQueries, type DeviceFilter, type DeviceState, type DeviceType } from './api'
import { AlarmCount, ownerName, StateBadge, when } from './common'
import { DeviceMap } from './DeviceMap'

const PAGE = 50

/** The device map and list, with filters by area, type, state and code or name. */
export function DeviceList({ user, config }: { user: User; config: AppConfig | null }) {
  const { t, i18n } = useTranslation()
  const [areaId, setAreaId] = useState('')
  const [type, setType] = useState<DeviceType | ''>('')
  const [state, setState] = useState<DeviceState | ''>('')
  const [q, setQ] = useState('')
  // Keyset paging: the `after` of each page seen, so "previous" goes back.
  const [afters, setAfters] = useState<number[]>([0])
  const after = afters[afters.length - 1]!
  const areaField = useId()
  const filter = {
    ...(areaId ? { areaId: Number(areaId) } : {}),
    ...(type ? { type } : {}),
    ...(state ? { state } : {}),
  }
  const query: DeviceFilter = { ...filter, ...(q.trim() ? { q: q.trim() } : {}), after, pageSize: PAGE }
  const list = useQuery({ ...registryQueries.list(query), placeholderData: keepPreviousData })
  const map = useQuery({ ...registryQueries.map(filter), placeholderData: keepPreviousData })
  const reset = () => setAfters([0])
  const keeper = hasRole(user, DEVICE_KEEPERS)
  const importer = hasRole(user, ['admin', 'staff'])
  const lng = i18n.language

  return (
    <div className="device-registry" data-testid="device-registry">
      <div className="device-toolbar">
        {keeper && (
          <a className="btn btn-primary" href={routes.devices('registry', 'new')} data-testid="device-new">
            {t('devices.registry.register')}
          </a>
        )}
        {importer && (
          <a className="btn" href={routes.devices('registry', 'import')} data-testid="device-import">
            {t('devices.registry.import.title')}
          </a>
        )}
      </div>
      <div className="device-filters">
        <label className="field" htmlFor={areaField}>
          <span>{t('devices.registry.area')}</span>
          <AreaSelect
            id={areaField}
            value={areaId}
            onChange={(v) => {
              setAreaId(v)
              reset()
            }}
            emptyLabel={t('devices.registry.allAreas')}
            testId="device-filter-area"
          />
        </label>
        <label className="field">
          <span>{t('devices.registry.type')}</span>
          <select
            value={type}
            onChange={(e) => {
              setType(deviceTypes.find((x) => x === e.target.value) ?? '')
              reset()
            }}
            data-testid="device-filter-type"
          >
            <option value="">{t('devices.registry.allTypes')}</option>
            {deviceTypes.map((x) => (
              <option key={x} value={x}>
                {t(`devices.registry.types.${x}`)}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          <span>{t('devices.registry.state')}</span>
          <select
            value={state}
            onChange={(e) => {
              setState(deviceStates.find((x) => x === e.target.value) ?? '')
              reset()
            }}
            data-testid="device-filter-state"
          >
            <option value="">{t('devices.registry.allStates')}</option>
            {deviceStates.map((x) => (
              <option key={x} value={x}>
                {t(`devices.registry.states.${x}`)}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          <span>{t('devices.registry.search')}</span>
          <input
            type="search"
            value={q}
            maxLength={64}
            placeholder={t('devices.registry.searchHint')}
            onChange={(e) => {
              setQ(e.target.value)
              reset()
            }}
            data-testid="device-filter-q"
          />
        </label>
      </div>
      <DeviceMap points={map.data?.points ?? []} config={config} label={t('devices.registry.mapLabel')} />
      {map.data?.truncated && <p className="muted">{t('devices.registry.truncated')}</p>}
      <p className="device-legend muted" aria-hidden="true">
        {deviceStates.map((s) => (
          <span key={s} className="device-legend-item">
            <span className={`device-pin device-pin-${s}`} /> {t(`devices.registry.states.${s}`)}
          </span>
        ))}
      </p>
      <QueryStatus query={list} />
      {list.data && list.data.items.length === 0 && <p className="muted">{t('devices.registry.none')}</p>}
      {list.data && list.data.items.length > 0 && (
        <p className="muted" data-testid="device-total">
          {t('devices.registry.total', { count: list.data.total })}
        </p>
      )}
      <ul className="device-cards" data-testid="device-list">
        {(list.data?.items ?? []).map((d) => (
          <li key={d.id} className="card device-card" data-testid="device-row" data-code={d.code}>
            <div className="device-card-head">
              <a href={routes.devices('registry', d.id)} className="device-name" data-testid="device-link">
                {d.name}
              </a>
              <StateBadge state={d.state} />
              <AlarmCount count={d.openAlarms} />
            </div>
            <div className="muted">
              <code>{d.code}</code> · {t(`devices.registry.types.${d.type}`)} ·{' '}
              {lng === 'en' ? d.area.nameEn : d.area.nameZh}
              {d.building?.name ? ` · ${d.building.name}` : ''}
            </div>
            <div className="muted">
              {ownerName(d.owner, lng)}
              {' · '}
              {d.lastSeenAt
                ? t('devices.registry.lastSeenAt', { at: when(d.lastSeenAt) })
                : t('devices.registry.neverSeen')}
              {d.battery !== null && ` · ${t('devices.registry.batteryValue', { value: d.battery })}`}
            </div>
          </li>
        ))}
      </ul>
      {(afters.length > 1 || list.data?.nextAfter) && (
        <nav className="pager" aria-label={t('devices.registry.pages')}>
          <button
            type="button"
            className="btn btn-small"
            disabled={afters.length <= 1}
            onClick={() => setAfters(afters.slice(0, -1))}
            data-testid="device-prev"
          >
            {t('devices.registry.prev')}
          </button>
          <button
            type="button"
            className="btn btn-small"
            disabled={!list.data?.nextAfter}
            onClick={() => list.data?.nextAfter && setAfters([...afters, list.data.nextAfter])}
            data-testid="device-next"
          >
            {t('devices.registry.next')}
          </button>
        </nav>
      )}
    </div>
  )
}
