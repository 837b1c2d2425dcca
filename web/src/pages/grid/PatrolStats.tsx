import { useQuery } from '@tanstack/react-query'
import { useId, useState } from 'react'
import { useTranslation } from 'react-i18next'
import { call, client } from '../../api'
import type { ApiQuery } from '../../api/schema'
import { AreaSelect } from '../../components/AreaSelect'
import { QueryStatus } from '../../components/QueryStatus'
import { localName } from '../../i18n'
import type { User } from '../../types'
import { GRID_READERS, timeText } from './common'

/** Patrol figures of an area over a period, per worker and per grid, with the idle (uncovered) grids first. */
export function PatrolStats({ user }: { user: User }) {
  const { t, i18n } = useTranslation()
  const own = user.roles.find((r) => (GRID_READERS as readonly string[]).includes(r.role))?.areaId
  const [areaId, setAreaId] = useState(own ? String(own) : '')
  const [from, setFrom] = useState('')
  const [to, setTo] = useState('')
  const [idleDays, setIdleDays] = useState('7')
  const ids = { area: useId(), from: useId(), to: useId(), idle: useId() }
  const query: ApiQuery<'/api/v1/grid/patrol-stats'> = {
    areaId: Number(areaId),
    ...(from ? { from } : {}),
    ...(to ? { to } : {}),
    ...(Number(idleDays) >= 1 ? { idleDays: Math.min(365, Number(idleDays)) } : {}),
  }
  const q = useQuery({
    queryKey: ['grid', 'stats', query],
    enabled: !!areaId,
    queryFn: ({ signal }) => call(client.GET('/api/v1/grid/patrol-stats', { params: { query }, signal })),
  })
  const s = q.data
  return (
    <section data-testid="patrol-stats">
      <h2>{t('grid.stats.heading')}</h2>
      <div className="grid-filters">
        <label htmlFor={ids.area}>
          {t('grid.stats.area')}
          <AreaSelect id={ids.area} value={areaId} onChange={setAreaId} />
        </label>
        <label htmlFor={ids.from}>
          {t('grid.stats.from')}
          <input id={ids.from} type="date" value={from} onChange={(e) => setFrom(e.target.value)} />
        </label>
        <label htmlFor={ids.to}>
          {t('grid.stats.to')}
          <input id={ids.to} type="date" value={to} onChange={(e) => setTo(e.target.value)} />
        </label>
        <label htmlFor={ids.idle}>
          {t('grid.stats.idleDays')}
          <input
            id={ids.idle}
            type="number"
            min={1}
            max={365}
            value={idleDays}
            onChange={(e) => setIdleDays(e.target.value)}
          />
        </label>
      </div>
      {areaId && <QueryStatus query={q} />}
      {s && (
        <>
          <p data-testid="stats-totals">
            {t('grid.stats.totals', {
              patrols: s.totals.patrols,
              hours: s.totals.hours,
              km: s.totals.distanceKm,
              reports: s.totals.reports,
              valid: s.totals.validReports,
              idle: s.totals.idleGrids,
              grids: s.totals.grids,
            })}
          </p>
          <h3>{t('grid.stats.workers')}</h3>
          {s.workers.length === 0 ? (
            <p className="muted">{t('grid.stats.noWorkers')}</p>
          ) : (
            <table className="grid-table" data-testid="stats-workers">
              <thead>
                <tr>
                  <th>{t('grid.stats.worker')}</th>
                  <th>{t('grid.stats.duty')}</th>
                  <th className="num">{t('grid.stats.patrols')}</th>
                  <th className="num">{t('grid.stats.hours')}</th>
                  <th className="num">{t('grid.stats.distanceKm')}</th>
                  <th className="num">{t('grid.stats.reports')}</th>
                  <th className="num">{t('grid.stats.validReports')}</th>
                </tr>
              </thead>
              <tbody>
                {s.workers.map((w) => (
                  <tr key={w.id}>
                    <td>{w.name ?? w.id}</td>
                    <td>{w.dutyType ? t(`grid.patrol.duty.${w.dutyType}`) : ''}</td>
                    <td className="num">{w.patrols}</td>
                    <td className="num">{w.hours}</td>
                    <td className="num">{w.distanceKm}</td>
                    <td className="num">{w.reports}</td>
                    <td className="num">{w.validReports}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          <h3>{t('grid.stats.grids')}</h3>
          <table className="grid-table" data-testid="stats-grids">
            <thead>
              <tr>
                <th>{t('grid.stats.grid')}</th>
                <th className="num">{t('grid.stats.patrols')}</th>
                <th className="num">{t('grid.stats.hours')}</th>
                <th className="num">{t('grid.stats.distanceKm')}</th>
                <th className="num">{t('grid.stats.validReports')}</th>
                <th>{t('grid.stats.lastPatrol')}</th>
              </tr>
            </thead>
            <tbody>
              {s.grids.map((g) => (
                <tr key={g.id}>
                  <td>{localName(g, i18n.language)}</td>
                  <td className="num">{g.patrols}</td>
                  <td className="num">{g.hours}</td>
                  <td className="num">{g.distanceKm}</td>
                  <td className="num">{g.validReports}</td>
                  <td className={g.idle ? 'grid-idle' : undefined}>
                    {g.lastPatrolAt ? timeText(g.lastPatrolAt, i18n.language) : t('grid.stats.never')}
                    {g.idle && <> · {t('grid.stats.idle', { days: s.idleDays })}</>}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </section>
  )
}
