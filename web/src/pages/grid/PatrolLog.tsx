import { useQuery } from '@tanstack/react-query'
import { useId, useState } from 'react'
import { useTranslation } from 'react-i18next'
import { call, client } from '../../api'
import type { ApiQuery } from '../../api/schema'
import { AreaSelect } from '../../components/AreaSelect'
import { Pager } from '../../components/Pager'
import { QueryStatus } from '../../components/QueryStatus'
import { localName } from '../../i18n'
import { routes } from '../../router'
import type { AppConfig } from '../../types'
import { TrackMap, timeText, useDistance, useDuration } from './common'

/** The patrol log: patrols under an area, newest first, with their figures. */
export function PatrolLog() {
  const { t, i18n } = useTranslation()
  const distance = useDistance()
  const duration = useDuration()
  const [areaId, setAreaId] = useState('')
  const [from, setFrom] = useState('')
  const [to, setTo] = useState('')
  const [page, setPage] = useState(1)
  const ids = { area: useId(), from: useId(), to: useId() }
  const query: ApiQuery<'/api/v1/grid/patrols'> = {
    page,
    pageSize: 20,
    ...(areaId ? { areaId: Number(areaId) } : {}),
    ...(from ? { from } : {}),
    ...(to ? { to } : {}),
  }
  const q = useQuery({
    queryKey: ['grid', 'patrols', query],
    queryFn: ({ signal }) => call(client.GET('/api/v1/grid/patrols', { params: { query }, signal })),
  })
  return (
    <section data-testid="patrol-log">
      <h2>{t('grid.patrol.list.heading')}</h2>
      <div className="grid-filters">
        <label htmlFor={ids.area}>
          {t('grid.stats.area')}
          <AreaSelect
            id={ids.area}
            value={areaId}
            onChange={(v) => {
              setAreaId(v)
              setPage(1)
            }}
          />
        </label>
        <label htmlFor={ids.from}>
          {t('grid.patrol.list.from')}
          <input
            id={ids.from}
            type="date"
            value={from}
            onChange={(e) => {
              setFrom(e.target.value)
              setPage(1)
            }}
          />
        </label>
        <label htmlFor={ids.to}>
          {t('grid.patrol.list.to')}
          <input
            id={ids.to}
            type="date"
            value={to}
            onChange={(e) => {
              setTo(e.target.value)
              setPage(1)
            }}
          />
        </label>
      </div>
      <QueryStatus query={q} />
      {q.data && q.data.items.length === 0 && <p className="muted">{t('grid.patrol.list.empty')}</p>}
      {q.data && q.data.items.length > 0 && (
        <table className="grid-table">
          <thead>
            <tr>
              <th>{t('grid.patrol.list.started')}</th>
              <th>{t('grid.patrol.list.worker')}</th>
              <th>{t('grid.patrol.list.area')}</th>
              <th className="num">{t('grid.patrol.list.duration')}</th>
              <th className="num">{t('grid.patrol.list.distance')}</th>
              <th className="num">{t('grid.patrol.list.grids')}</th>
              <th className="num">{t('grid.patrol.list.cases')}</th>
            </tr>
          </thead>
          <tbody>
            {q.data.items.map((p) => (
              <tr key={p.id} data-testid="patrol-row">
                <td>
                  <a href={routes.grid('history', p.id)}>{timeText(p.startedAt, i18n.language)}</a>
                  {p.active && <> · {t('grid.patrol.list.active')}</>}
                </td>
                <td>{p.worker.name ?? p.worker.id}</td>
                <td>{localName(p.area, i18n.language)}</td>
                <td className="num">{duration(p.durationSeconds)}</td>
                <td className="num">{distance(p.distanceM)}</td>
                <td className="num">{p.gridCount}</td>
                <td className="num">{p.casesFiled}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {q.data && <Pager page={q.data.page} pageSize={q.data.pageSize} total={q.data.total} onPage={setPage} />}
    </section>
  )
}

/** One patrol: its figures, its track on the map, the grids it crossed and the cases filed during it. */
export function PatrolDetail({ id, config }: { id: number; config: AppConfig | null }) {
  const { t, i18n } = useTranslation()
  const distance = useDistance()
  const duration = useDuration()
  const q = useQuery({
    queryKey: ['grid', 'patrol', id],
    queryFn: ({ signal }) => call(client.GET('/api/v1/grid/patrols/{id}', { params: { path: { id } }, signal })),
  })
  const p = q.data
  return (
    <section data-testid="patrol-detail">
      <p>
        <a href={routes.grid('history')}>{t('grid.patrol.detail.back')}</a>
      </p>
      <h2>{t('grid.patrol.detail.heading', { id })}</h2>
      <QueryStatus query={q} />
      {p && (
        <>
          <dl className="grid-figures">
            <div>
              <dt>{t('grid.patrol.list.worker')}</dt>
              <dd>{p.worker.name ?? p.worker.id}</dd>
            </div>
            <div>
              <dt>{t('grid.patrol.list.started')}</dt>
              <dd>{timeText(p.startedAt, i18n.language)}</dd>
            </div>
            <div>
              <dt>{t('grid.patrol.list.duration')}</dt>
              <dd>{duration(p.durationSeconds)}</dd>
            </div>
            <div>
              <dt>{t('grid.patrol.list.distance')}</dt>
              <dd data-testid="detail-distance">{distance(p.distanceM)}</dd>
            </div>
          </dl>
          <TrackMap
            tracks={[{ id: p.id, coordinates: p.track.map((x) => [x.lng, x.lat]) }]}
            config={config}
            label={t('grid.patrol.detail.map')}
          />
          <h3>{t('grid.patrol.detail.grids')}</h3>
          <ul>
            {p.grids.map((g) => (
              <li key={g.id}>
                <a href={routes.areas(g.id)}>{localName(g, i18n.language)}</a> —{' '}
                {t('grid.patrol.detail.share', { share: `${Math.round(g.share * 100)}%` })}
              </li>
            ))}
          </ul>
          <h3>{t('grid.patrol.detail.cases')}</h3>
          {p.cases.length === 0 ? (
            <p className="muted">{t('grid.patrol.detail.noCases')}</p>
          ) : (
            <ul>
              {p.cases.map((c) => (
                <li key={c.id}>
                  <a href={routes.case(c.id)}>{c.trackingCode}</a> ·{' '}
                  {t(`caseStates.${c.state}`, { defaultValue: c.state })} · {c.description}
                </li>
              ))}
            </ul>
          )}
          {p.note && (
            <p>
              {t('grid.patrol.detail.note')}: {p.note}
            </p>
          )}
        </>
      )}
    </section>
  )
}
