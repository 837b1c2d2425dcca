import { keepPreviousData, useQuery } from '@tanstack/react-query'
import type { TFunction } from 'i18next'
import L from 'leaflet'
import { useEffect, useMemo, useRef, useState } from 'react'
import { useTranslation } from 'react-i18next'
import { queries } from '../../api/queries'
import { EChart, type ChartOption } from '../../components/EChart'
import { QueryStatus } from '../../components/QueryStatus'
import { formatNumber, localName, ratePercent } from '../../i18n'
import { textNode, useLeafletMap } from '../../leafletMap'
import { DISPUTE_REGISTRARS } from '../../modules'
import { routes } from '../../router'
import type { AppConfig, AreaFeatureCollection } from '../../types'
import { disputeQueries, type DisputeMapPoint, type DisputeStats, type RiskLevel } from './api'
import { RISK_LEVELS, placeOptions, todayLocal } from './common'

/** The risk colours of the badges (disputes.css), for the charts and the map. */
const RISK_COLOURS: Record<RiskLevel, string> = {
  low: '#2e7d32',
  medium: '#b26a00',
  high: '#d32f2f',
  urgent: '#7b1010',
}
const BAR = '#1f5f8b'
const SETTLED = '#2a9d8f'

type Counts = DisputeStats['byCategory']

function bars(
  counts: Counts,
  label: (key: string) => string,
  name: string,
  colour?: (key: string) => string,
): ChartOption {
  return {
    tooltip: { trigger: 'axis' },
    grid: { left: 8, right: 16, top: 8, bottom: 8, containLabel: true },
    xAxis: { type: 'value', minInterval: 1 },
    yAxis: { type: 'category', inverse: true, data: counts.map((c) => label(c.key)), axisLabel: { fontSize: 11 } },
    series: [
      {
        type: 'bar',
        name,
        barMaxWidth: 22,
        data: counts.map((c) => ({ value: c.count, itemStyle: { color: colour?.(c.key) ?? BAR } })),
        label: { show: true, position: 'right', fontSize: 11 },
      },
    ],
  }
}

function areaChart(stats: DisputeStats, lng: string, t: TFunction): ChartOption {
  return {
    tooltip: { trigger: 'axis' },
    legend: { top: 0, textStyle: { fontSize: 11 } },
    grid: { left: 8, right: 8, top: 32, bottom: 8, containLabel: true },
    xAxis: {
      type: 'category',
      data: stats.byArea.map((a) => localName(a, lng)),
      axisLabel: { rotate: stats.byArea.length > 4 ? 30 : 0, fontSize: 11, interval: 0 },
    },
    yAxis: { type: 'value', minInterval: 1 },
    series: [
      {
        type: 'bar',
        name: t('disputes.stats.count'),
        barMaxWidth: 28,
        itemStyle: { color: BAR },
        data: stats.byArea.map((a) => a.count),
      },
      {
        type: 'bar',
        name: t('disputes.stats.settledCount'),
        barMaxWidth: 28,
        itemStyle: { color: SETTLED },
        data: stats.byArea.map((a) => a.settled),
      },
    ],
  }
}

const pct = (v: number | null, lng: string) => {
  const p = ratePercent(v)
  return p === null ? '—' : `${formatNumber(p, 1, lng)}%`
}

/** Statistics of the disputes registered in a window (and petitions received), with the dispute map. */
export function DisputeStatsPage({ config }: { config: AppConfig | null }) {
  const { t, i18n } = useTranslation()
  const lng = i18n.language
  const today = new Date()
  const [from, setFrom] = useState(() => todayLocal(new Date(today.getFullYear(), today.getMonth() - 11, 1)))
  const [to, setTo] = useState(() => todayLocal(today))
  const [areaId, setAreaId] = useState('')
  const me = useQuery(queries.me()).data ?? null
  const tree = useQuery(queries.areaTree()).data
  const areas = useMemo(
    () => (tree && me ? placeOptions(tree, me, DISPUTE_REGISTRARS, ['city', 'district', 'street', 'community']) : []),
    [tree, me],
  )
  const area = areaId ? Number(areaId) : undefined
  const stats = useQuery({ ...disputeQueries.stats({ from, to, areaId: area }), placeholderData: keepPreviousData })
  const s = stats.data

  const charts = useMemo(() => {
    if (!s) return []
    const label = (group: string) => (key: string) => {
      if (group === 'byOutcome' && key === 'open') return t('disputes.outcomes.open')
      if (key === 'none') return t('disputes.stats.none')
      const prefix = {
        byCategory: 'disputes.categories',
        bySource: 'disputes.sources',
        byOutcome: 'disputes.outcomes',
        byLevel: 'disputes.levels',
        byRisk: 'disputes.risk.levels',
      }[group]
      return t(`${prefix}.${key}`, { defaultValue: key })
    }
    const groups = ['byCategory', 'bySource', 'byOutcome', 'byLevel', 'byRisk'] as const
    return groups.map((g) => {
      // Risk counts in severity order, each in its colour.
      const counts =
        g === 'byRisk'
          ? RISK_LEVELS.map((l) => ({ key: l as string, count: s.byRisk.find((c) => c.key === l)?.count ?? 0 }))
          : s[g]
      return {
        group: g,
        option: bars(
          counts,
          label(g),
          t('disputes.stats.count'),
          g === 'byRisk' ? (k) => RISK_COLOURS[k as RiskLevel] : undefined,
        ),
        height: Math.max(120, counts.length * 30 + 24),
        empty: counts.every((c) => c.count === 0),
      }
    })
  }, [s, t])
  const byArea = useMemo(() => (s?.byArea.length ? areaChart(s, lng, t) : null), [s, lng, t])

  const figure = (key: string, value: string, hint?: string) => (
    <div className="kpi card" data-testid={`stat-${key}`}>
      <span className="kpi-label">{t(`disputes.stats.${key}`)}</span>
      <strong className="kpi-value">{value}</strong>
      {hint && <span className="muted small">{hint}</span>}
    </div>
  )

  return (
    <div className="dispute-stats" data-testid="dispute-stats">
      <div className="filters card dash-controls dispute-stats-controls">
        <label className="inline-field">
          <span>{t('disputes.stats.area')}</span>
          <select data-testid="stats-area" value={areaId} onChange={(e) => setAreaId(e.target.value)}>
            <option value="">{t('disputes.stats.allAreas')}</option>
            {areas.map(({ node, depth }) => (
              <option key={node.id} value={node.id}>
                {'\u3000'.repeat(depth)}
                {localName(node, lng)}
              </option>
            ))}
          </select>
        </label>
        <label className="inline-field">
          <span>{t('disputes.stats.from')}</span>
          <input
            type="date"
            data-testid="stats-from"
            value={from}
            max={to}
            onChange={(e) => e.target.value && setFrom(e.target.value)}
          />
        </label>
        <label className="inline-field">
          <span>{t('disputes.stats.to')}</span>
          <input
            type="date"
            data-testid="stats-to"
            value={to}
            min={from}
            onChange={(e) => e.target.value && setTo(e.target.value)}
          />
        </label>
      </div>
      <QueryStatus query={stats} />
      {s && (
        <>
          <h2 className="visually-hidden">{t('disputes.stats.title')}</h2>
          <div className="kpis dispute-kpis" data-testid="stats-figures">
            {figure('total', formatNumber(s.total, 0, lng))}
            {figure('settlementRate', pct(s.settlementRate, lng), `${s.settled} / ${s.concluded}`)}
            {figure('communityShare', pct(s.communityShare, lng), t('disputes.stats.communityShareHint'))}
            {figure(
              'communityOrStreetShare',
              pct(s.communityOrStreetShare, lng),
              t('disputes.stats.communityOrStreetShareHint'),
            )}
            {figure(
              'averageDaysToSettle',
              s.averageDaysToSettle === null
                ? '—'
                : t('disputes.stats.days', { value: formatNumber(s.averageDaysToSettle, 1, lng) }),
            )}
            {figure('openHighRisk', formatNumber(s.openHighRisk, 0, lng))}
          </div>
          {s.total === 0 && (
            <p className="notice" data-testid="stats-empty">
              {t('disputes.stats.empty')}
            </p>
          )}
          <div className="stat-groups">
            <section className="card" aria-labelledby="stats-agreements">
              <h2 className="section-title" id="stats-agreements">
                {t('disputes.stats.agreements.title')}
              </h2>
              <dl className="stats">
                {(['effective', 'performed', 'broken'] as const).map((k) => (
                  <div key={k}>
                    <dt>{t(`disputes.stats.agreements.${k}`)}</dt>
                    <dd>{s.agreements[k]}</dd>
                  </div>
                ))}
                <div>
                  <dt>{t('disputes.stats.agreements.performanceRate')}</dt>
                  <dd data-testid="stat-performanceRate">{pct(s.agreements.performanceRate, lng)}</dd>
                </div>
              </dl>
            </section>
            <section className="card" aria-labelledby="stats-judicial">
              <h2 className="section-title" id="stats-judicial">
                {t('disputes.stats.judicial.title')}
              </h2>
              <dl className="stats">
                {(['applied', 'confirmed', 'refused'] as const).map((k) => (
                  <div key={k}>
                    <dt>{t(`disputes.stats.judicial.${k}`)}</dt>
                    <dd>{s.judicial[k]}</dd>
                  </div>
                ))}
              </dl>
            </section>
            <section className="card" aria-labelledby="stats-petitions">
              <h2 className="section-title" id="stats-petitions">
                {t('disputes.stats.petitions.title')}
              </h2>
              <dl className="stats">
                {(
                  [
                    'received',
                    'decided',
                    'decidedOnTime',
                    'answered',
                    'answeredOnTime',
                    'extended',
                    'reviewRequested',
                    'overdueOpen',
                    'repeated',
                  ] as const
                ).map((k) => (
                  <div key={k}>
                    <dt>{t(`disputes.stats.petitions.${k}`)}</dt>
                    <dd>{s.petitions[k]}</dd>
                  </div>
                ))}
                <div>
                  <dt>{t('disputes.stats.petitions.onTimeRate')}</dt>
                  <dd data-testid="stat-petitionsOnTime">{pct(s.petitions.onTimeRate, lng)}</dd>
                </div>
              </dl>
            </section>
          </div>
          <div className="dash-charts dispute-charts">
            {charts.map((c) => (
              <section key={c.group} className="card" aria-labelledby={`stats-${c.group}`}>
                <h2 className="section-title" id={`stats-${c.group}`}>
                  {t(`disputes.stats.${c.group}`)}
                </h2>
                {c.empty ? (
                  <p className="muted">{t('disputes.stats.empty')}</p>
                ) : (
                  <EChart
                    option={c.option}
                    height={c.height}
                    testId={`chart-${c.group}`}
                    label={t(`disputes.stats.${c.group}`)}
                  />
                )}
              </section>
            ))}
            {byArea && (
              <section className="card" aria-labelledby="stats-byArea">
                <h2 className="section-title" id="stats-byArea">
                  {t('disputes.stats.byArea')}
                </h2>
                <EChart option={byArea} height={300} testId="chart-byArea" label={t('disputes.stats.byArea')} />
              </section>
            )}
          </div>
        </>
      )}
      <DisputeMapCard areaId={area} config={config} />
    </div>
  )
}

/** Open disputes with a location, as markers coloured by risk, over the grid outlines. */
function DisputeMapCard({ areaId, config }: { areaId: number | undefined; config: AppConfig | null }) {
  const { t } = useTranslation()
  const [minRisk, setMinRisk] = useState<RiskLevel>('low')
  const points = useQuery({ ...disputeQueries.map({ minRisk, areaId }), placeholderData: keepPreviousData })
  const grids = useQuery(queries.allGrids()).data ?? null
  return (
    <section className="card dash-map-card" aria-labelledby="dispute-map-title">
      <div className="page-head">
        <h2 className="section-title" id="dispute-map-title">
          {t('disputes.stats.mapTitle')}
        </h2>
        <label className="inline-field">
          <span>{t('disputes.stats.mapMinRisk')}</span>
          <select
            data-testid="map-min-risk"
            value={minRisk}
            onChange={(e) => setMinRisk(RISK_LEVELS.find((l) => l === e.target.value) ?? 'low')}
          >
            {RISK_LEVELS.map((l) => (
              <option key={l} value={l}>
                {t(`disputes.filters.minRiskValues.${l}`)}
              </option>
            ))}
          </select>
        </label>
      </div>
      <QueryStatus query={points} />
      {points.data && (
        <p className="muted" data-testid="map-count">
          {t('disputes.stats.mapCount', { n: points.data.points.length })} · {t('disputes.stats.mapNote')}
        </p>
      )}
      <DisputeMap points={points.data?.points ?? null} grids={grids} config={config} />
      <ul className="map-legend" aria-label={t('disputes.risk.level')}>
        {RISK_LEVELS.map((l) => (
          <li key={l}>
            <span className="swatch" style={{ background: RISK_COLOURS[l] }} /> {t(`disputes.risk.levels.${l}`)}
          </li>
        ))}
      </ul>
    </section>
  )
}

function DisputeMap({
  points,
  grids,
  config,
}: {
  /** null while loading. */
  points: DisputeMapPoint[] | null
  grids: AreaFeatureCollection | null
  config: AppConfig | null
}) {
  const { t } = useTranslation()
  const ref = useRef<HTMLElement>(null)
  const map = useLeafletMap(ref, config)
  const fitted = useRef(false)

  useEffect(() => {
    if (!map || !grids) return
    const layer = L.geoJSON(grids, {
      style: () => ({ color: '#5f6b7a', weight: 0.6, fillColor: '#f4f6f9', fillOpacity: 0.4 }),
      interactive: false,
    }).addTo(map)
    layer.bringToBack()
    return () => {
      layer.remove()
    }
  }, [map, grids])

  useEffect(() => {
    if (!map) return
    const group = L.featureGroup().addTo(map)
    for (const p of points ?? []) {
      L.circleMarker([p.lat, p.lng], {
        radius: p.riskLevel === 'urgent' ? 10 : p.riskLevel === 'high' ? 8 : 6,
        color: '#ffffff',
        weight: 1.5,
        fillColor: RISK_COLOURS[p.riskLevel],
        fillOpacity: 0.9,
        className: `dispute-marker risk-marker-${p.riskLevel}`,
      })
        .bindTooltip(
          textNode(
            `${p.reference} · ${t(`disputes.categories.${p.category}`)} · ${t(`disputes.risk.levels.${p.riskLevel}`)}`,
          ),
        )
        .on('click', () => {
          window.location.hash = routes.dispute(p.id)
        })
        .addTo(group)
    }
    // Fit once both have loaded: to the disputes, else to the grids, so a later filter does not move the map.
    if (!fitted.current && points && grids) {
      const b = points.length ? group.getBounds() : grids.features.length ? L.geoJSON(grids).getBounds() : null
      if (b?.isValid()) {
        map.fitBounds(b, { padding: [40, 40], maxZoom: 15, animate: false })
        fitted.current = true
      }
    }
    return () => {
      group.remove()
    }
  }, [map, points, grids, t])

  return (
    <section
      ref={ref}
      className="choropleth-map dispute-map"
      data-testid="dispute-map"
      aria-label={t('disputes.stats.mapTitle')}
    />
  )
}
