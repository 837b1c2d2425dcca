import { useQuery } from '@tanstack/react-query'
import { useId, useState } from 'react'
import { useTranslation } from 'react-i18next'
import { call, client } from '../../api'
import { AreaSelect } from '../../components/AreaSelect'
import { QueryStatus } from '../../components/QueryStatus'
import type { AppConfig, User } from '../../types'
import { GRID_READERS, TrackMap, timeText } from './common'

const today = () => new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(new Date())

/** The map of a day's patrol tracks under an area. */
export function DayTracks({ user, config }: { user: User; config: AppConfig | null }) {
  const { t, i18n } = useTranslation()
  const own = user.roles.find((r) => (GRID_READERS as readonly string[]).includes(r.role))?.areaId
  const [areaId, setAreaId] = useState(own ? String(own) : '')
  const [date, setDate] = useState(today)
  const ids = { area: useId(), date: useId() }
  const q = useQuery({
    queryKey: ['grid', 'tracks', areaId, date],
    enabled: !!areaId && !!date,
    queryFn: ({ signal }) =>
      call(client.GET('/api/v1/grid/patrol-tracks', { params: { query: { areaId: Number(areaId), date } }, signal })),
  })
  return (
    <section data-testid="day-tracks">
      <h2>{t('grid.patrol.map.heading')}</h2>
      <div className="grid-filters">
        <label htmlFor={ids.area}>
          {t('grid.patrol.map.area')}
          <AreaSelect id={ids.area} value={areaId} onChange={setAreaId} />
        </label>
        <label htmlFor={ids.date}>
          {t('grid.patrol.map.date')}
          <input id={ids.date} type="date" value={date} onChange={(e) => setDate(e.target.value)} />
        </label>
      </div>
      {areaId && <QueryStatus query={q} />}
      {q.data && (
        <p data-testid="tracks-count">
          {q.data.patrols.length
            ? t('grid.patrol.map.count', { count: q.data.patrols.length })
            : t('grid.patrol.map.empty')}
        </p>
      )}
      <TrackMap
        tracks={(q.data?.patrols ?? []).map((p) => ({
          id: p.id,
          coordinates: p.coordinates,
          title: `${p.worker.name ?? p.worker.id} · ${timeText(p.startedAt, i18n.language)}`,
        }))}
        config={config}
        label={t('grid.patrol.map.label')}
        testId="tracks-map"
      />
    </section>
  )
}
