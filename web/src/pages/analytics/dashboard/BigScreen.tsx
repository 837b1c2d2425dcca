// The big screen: the dashboard of an area for a wall display. Dark, the whole viewport without
// scrolling, a clock, and a refresh every 60 seconds (react-query's refetchInterval), so it can be
// left running; the period is the 30 days up to today.
import { useQuery } from '@tanstack/react-query'
import { useEffect, useMemo, useState } from 'react'
import { createPortal } from 'react-dom'
import { useTranslation } from 'react-i18next'
import { ErrorBanner } from '../../../components/ErrorBanner'
import { formatDateTime, formatNumber, localName } from '../../../i18n'
import { href, navigate } from '../../../router'
import { DashChart, addDays, dashboardQueryOptions, ymd, type FigureName } from './common'
import { Tile, chartDrills, chartOptions } from './Overview'
import './dashboard.css'

export const REFRESH_MS = 60_000
const DAYS = 30
const TILES: readonly FigureName[] = [
  'total',
  'open',
  'overdue',
  'closed',
  'responseRate',
  'resolutionRate',
  'satisfactionRate',
  'onTimeClosureRate',
]

function Clock() {
  const { i18n } = useTranslation()
  const [now, setNow] = useState(() => new Date())
  useEffect(() => {
    const timer = setInterval(() => setNow(new Date()), 1000)
    return () => clearInterval(timer)
  }, [])
  return (
    <time className="bs-clock" dateTime={now.toISOString()} data-testid="bs-clock">
      {new Intl.DateTimeFormat(i18n.language, {
        year: 'numeric',
        month: '2-digit',
        day: '2-digit',
        hour: '2-digit',
        minute: '2-digit',
        second: '2-digit',
        hour12: false,
      }).format(now)}
    </time>
  )
}

export function BigScreen({ areaId }: { areaId: number | undefined }) {
  const { t, i18n } = useTranslation()
  const lng = i18n.language
  // The day changes while the screen runs: the period follows it.
  const [today, setToday] = useState(() => ymd(new Date()))
  useEffect(() => {
    const timer = setInterval(() => setToday(ymd(new Date())), REFRESH_MS)
    return () => clearInterval(timer)
  }, [])
  const query = useQuery(
    dashboardQueryOptions({ areaId, from: addDays(today, 1 - DAYS), to: addDays(today, 1) }, REFRESH_MS),
  )
  const d = query.data
  const options = useMemo(() => (d ? chartOptions(d, t, lng, true) : null), [d, t, lng])
  const drills = useMemo(() => (d ? chartDrills(d, areaId) : null), [d, areaId])

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape' && !document.fullscreenElement) navigate('dashboard')
    }
    window.addEventListener('keydown', onKey)
    return () => window.removeEventListener('keydown', onKey)
  }, [])

  const area = d?.areas[0]
  // On the document's body, above the app's header and navigation (their stacking contexts would
  // otherwise paint over a fixed element inside the page).
  return createPortal(
    <div className="bs-screen" data-testid="bs-screen">
      <header className="bs-head">
        <h1 className="bs-title">
          {area ? `${localName(area, lng)} · ` : ''}
          {t('analytics.dashboard.screenTitle')}
        </h1>
        <span className="bs-period" data-testid="bs-period">
          {t('analytics.dashboard.screenPeriod', { days: DAYS })}
          {query.dataUpdatedAt > 0 &&
            ` · ${t('analytics.dashboard.updated', { at: formatDateTime(new Date(query.dataUpdatedAt).toISOString(), lng) })}`}
        </span>
        <Clock />
        <button
          type="button"
          className="bs-button"
          onClick={() => void document.documentElement.requestFullscreen?.().catch(() => {})}
          data-testid="bs-fullscreen"
        >
          {t('analytics.dashboard.fullscreen')}
        </button>
        <a className="bs-button" href={href('dashboard')} data-testid="bs-exit">
          {t('analytics.dashboard.exitScreen')}
        </a>
      </header>
      {query.isError && !d && <ErrorBanner error={query.error} onRetry={() => void query.refetch()} />}
      {d && options && drills && (
        <div className="bs-body">
          <div className="bs-tiles" data-testid="bs-tiles">
            {TILES.map((k) => (
              <Tile key={k} name={k} d={d} areaId={areaId} testPrefix="bs-tile" />
            ))}
          </div>
          <section className="bs-panel bs-trend">
            <h2>{t('analytics.dashboard.trendByDay')}</h2>
            <DashChart
              option={options.trend}
              height="100%"
              label={t('analytics.dashboard.trendLabel', {
                total: d.figures.total.value,
                previous: d.figures.total.previous,
              })}
              testId="bs-trend"
              onPick={drills.trend}
            />
          </section>
          <section className="bs-panel">
            <h2>{t('analytics.dashboard.byChannel')}</h2>
            <DashChart
              option={options.channels}
              height="100%"
              label={`${t('analytics.dashboard.byChannel')}: ${d.byChannel.map((c) => `${t(`channels.${c.channel}`)} ${formatNumber(c.total, 0, lng)}`).join(', ')}`}
              testId="bs-channels"
              onPick={(_, i) => drills.channel(i)}
            />
          </section>
          <section className="bs-panel">
            <h2>{t('analytics.dashboard.topCategories')}</h2>
            <DashChart
              option={options.categories}
              height="100%"
              label={`${t('analytics.dashboard.topCategories')}: ${d.byCategory.top.map((c) => `${localName(c, lng)} ${c.total}`).join(', ')}`}
              testId="bs-categories"
              onPick={(_, i) => drills.category(i)}
            />
          </section>
          <section className="bs-panel">
            <h2>{t('analytics.dashboard.topGrids')}</h2>
            <DashChart
              option={options.grids}
              height="100%"
              label={`${t('analytics.dashboard.topGrids')}: ${d.topGrids.map((g) => `${localName(g, lng)} ${g.total}`).join(', ')}`}
              testId="bs-grids"
              onPick={drills.grid}
            />
          </section>
        </div>
      )}
    </div>,
    document.body,
  )
}
