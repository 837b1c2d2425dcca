import { useQuery } from '@tanstack/react-query'
import { useState } from 'react'
import { useTranslation } from 'react-i18next'
import { AreaSelect } from '../../../components/AreaSelect'
import { QueryStatus } from '../../../components/QueryStatus'
import { formatDateTime, localName } from '../../../i18n'
import { idParam, routes } from '../../../router'
import type { SectionProps } from '../section'
import { type GridRisk, KNOCK_TAGS, riskQueries } from './api'
import { RiskBadge } from './common'
import './risk.css'

export { DeviceRiskCard } from './DeviceRiskCard'

/** The community risk below #/devices/risk: per grid of an area, or one building (#/devices/risk/buildings/<id>). */
export function RiskSection({ params }: SectionProps) {
  const building = params[0] === 'buildings' ? idParam(params, 1) : null
  if (building !== null) return <BuildingRiskPage id={building} />
  return <AreaRiskPage />
}

function AreaRiskPage() {
  const { t, i18n } = useTranslation()
  const [areaId, setAreaId] = useState('')
  const risk = useQuery(riskQueries.area(areaId ? Number(areaId) : undefined))
  const r = risk.data
  const lng = i18n.language
  return (
    <div className="risk-page" data-testid="risk-page">
      <div className="risk-filters">
        <label htmlFor="risk-area">
          {t('devices.risk.area')}
          <AreaSelect
            id="risk-area"
            value={areaId}
            onChange={setAreaId}
            emptyLabel={t('devices.risk.myArea')}
            maxLevel="community"
            testId="risk-area"
          />
        </label>
      </div>
      <QueryStatus query={risk} />
      {r && (
        <>
          <h2>
            {localName(r.area, lng)} <RiskBadge level={r.totals.level} />
          </h2>
          <div className="kpis risk-kpis">
            <Kpi label={t('devices.risk.openAlarms')} value={r.totals.openAlarms} testId="risk-open" />
            <Kpi label={t('devices.risk.criticalAlarms')} value={r.totals.criticalAlarms} />
            <Kpi label={t('devices.risk.alarms30d')} value={r.totals.alarms30d} />
            <Kpi label={t('devices.risk.offline')} value={r.totals.offlineDevices} testId="risk-offline" />
            <Kpi label={t('devices.risk.knock')} value={r.totals.knockTotal} testId="risk-knock" />
          </div>
          <h3>{t('devices.risk.grids')}</h3>
          <div className="risk-table-wrap">
            <table className="risk-table" data-testid="risk-grids">
              <caption className="visually-hidden">{t('devices.risk.grids')}</caption>
              <thead>
                <tr>
                  <th scope="col">{t('devices.risk.grid')}</th>
                  <th scope="col">{t('devices.risk.level')}</th>
                  <th scope="col">{t('devices.risk.openAlarms')}</th>
                  <th scope="col">{t('devices.risk.alarms30d')}</th>
                  <th scope="col">{t('devices.risk.devices')}</th>
                  <th scope="col">{t('devices.risk.knock')}</th>
                </tr>
              </thead>
              <tbody>
                {r.grids.map((g) => (
                  <GridRow key={g.area.id} g={g} lng={lng} />
                ))}
              </tbody>
            </table>
          </div>
          <h3>{t('devices.risk.buildings')}</h3>
          {r.buildings.length === 0 ? (
            <p className="muted">{t('devices.risk.noBuildings')}</p>
          ) : (
            <ul className="risk-buildings" data-testid="risk-buildings">
              {r.buildings.map((b) => (
                <li key={b.id} className="card">
                  <a href={routes.devices('risk', 'buildings', b.id)} data-testid="risk-building-link" data-id={b.id}>
                    {b.name}
                  </a>
                  <span className="muted">
                    {' '}
                    · {t('devices.risk.openCount', { count: b.openAlarms })}
                    {b.criticalAlarms > 0 && ` · ${t('devices.risk.criticalCount', { count: b.criticalAlarms })}`} ·{' '}
                    {t('devices.risk.knockCount', { count: b.knockTotal })}
                  </span>
                </li>
              ))}
            </ul>
          )}
        </>
      )}
    </div>
  )
}

function GridRow({ g, lng }: { g: GridRisk; lng: string }) {
  const { t } = useTranslation()
  return (
    <tr data-testid="risk-grid" data-id={g.area.id}>
      <th scope="row">{localName(g.area, lng)}</th>
      <td>
        <RiskBadge level={g.level} />
      </td>
      <td>
        {g.openAlarms}
        {g.criticalAlarms > 0 && (
          <span className="risk-critical"> ({t('devices.risk.criticalCount', { count: g.criticalAlarms })})</span>
        )}
      </td>
      <td>
        {g.alarms30d}
        {g.alarms30dByType.length > 0 && (
          <div className="muted risk-small">
            {g.alarms30dByType.map((x) => `${t(`devices.alarms.types.${x.type}`)} ${x.count}`).join('，')}
          </div>
        )}
      </td>
      <td>
        {g.deviceCount}
        {(g.offlineDevices > 0 || g.faultyDevices > 0) && (
          <div className="muted risk-small">
            {t('devices.risk.offlineFaulty', { offline: g.offlineDevices, faulty: g.faultyDevices })}
          </div>
        )}
      </td>
      <td>
        {g.knockTotal}
        <div className="muted risk-small">
          {KNOCK_TAGS.filter((tag) => g.knock[tag] > 0)
            .map((tag) => `${t(`devices.alarms.tags.${tag}`)} ${g.knock[tag]}`)
            .join('，')}
        </div>
      </td>
    </tr>
  )
}

function Kpi({ label, value, testId }: { label: string; value: number; testId?: string }) {
  return (
    <div className="kpi" data-testid={testId}>
      <div className="kpi-value">{value}</div>
      <div className="kpi-label">{label}</div>
    </div>
  )
}

function BuildingRiskPage({ id }: { id: number }) {
  const { t, i18n } = useTranslation()
  const q = useQuery(riskQueries.building(id))
  const b = q.data
  return (
    <div className="risk-page" data-testid="risk-building" data-id={id}>
      <a className="back-link" href={routes.devices('risk')}>
        {t('devices.risk.back')}
      </a>
      <QueryStatus query={q} />
      {b && (
        <>
          <h2>
            {b.building.name} <RiskBadge level={b.level} />
          </h2>
          <p className="muted">
            {b.building.address} · {localName(b.building.area, i18n.language)} ·{' '}
            {t('devices.risk.occupants', { count: b.occupants })}
          </p>
          <div className="kpis risk-kpis">
            <Kpi label={t('devices.risk.openAlarms')} value={b.openAlarms} />
            <Kpi label={t('devices.risk.alarms30d')} value={b.alarms30d} />
            <Kpi label={t('devices.risk.offline')} value={b.offlineDevices} />
            <Kpi label={t('devices.risk.knock')} value={b.knockTotal} />
          </div>
          <h3>{t('devices.risk.liveAlarms')}</h3>
          {b.alarms.length === 0 ? (
            <p className="muted">{t('devices.risk.noAlarms')}</p>
          ) : (
            <ul className="risk-buildings">
              {b.alarms.map((a) => (
                <li key={a.id}>
                  <a href={routes.devices('alarms', a.id)}>
                    {t(`devices.alarms.kinds.${a.kind}`, { defaultValue: a.kind })}
                  </a>{' '}
                  <span className="muted">
                    {t(`devices.alarms.severity.${a.severity}`)} · {a.deviceCode} ·{' '}
                    {formatDateTime(a.raisedAt, i18n.language)}
                  </span>
                </li>
              ))}
            </ul>
          )}
          <h3>{t('devices.risk.devicesHere')}</h3>
          <ul className="risk-buildings" data-testid="risk-building-devices">
            {b.devices.map((d) => (
              <li key={d.id}>
                <a href={routes.devices('registry', d.id)}>{d.name}</a>{' '}
                <span className="muted">
                  {d.code} · {t(`devices.alarms.deviceStates.${d.state}`)}
                  {d.place && ` · ${d.place}`}
                </span>
              </li>
            ))}
          </ul>
          <h3>{t('devices.risk.people')}</h3>
          <p className="muted">{t('devices.risk.masked')}</p>
          {b.people.length === 0 ? (
            <p className="muted">{t('devices.alarms.residents.none')}</p>
          ) : (
            <div className="risk-table-wrap">
              <table className="risk-table" data-testid="risk-people">
                <caption className="visually-hidden">{t('devices.risk.people')}</caption>
                <thead>
                  <tr>
                    <th scope="col">{t('devices.alarms.residents.name')}</th>
                    <th scope="col">{t('devices.alarms.residents.age')}</th>
                    <th scope="col">{t('devices.alarms.residents.tags')}</th>
                    <th scope="col">{t('devices.alarms.residents.dwelling')}</th>
                  </tr>
                </thead>
                <tbody>
                  {b.people.map((p, i) => (
                    // biome-ignore lint/suspicious/noArrayIndexKey: masked rows carry no id
                    <tr key={i}>
                      <td>{p.name}</td>
                      <td>{p.age ?? '—'}</td>
                      <td>{p.tags.map((tag) => t(`devices.alarms.tags.${tag}`, { defaultValue: tag })).join('、')}</td>
                      <td>
                        {[
                          p.unit,
                          p.floor === null ? null : t('devices.alarms.residents.floor', { floor: p.floor }),
                          p.room,
                        ]
                          .filter(Boolean)
                          .join(' ')}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </>
      )}
    </div>
  )
}
