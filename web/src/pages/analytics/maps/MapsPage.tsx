import { useQuery } from '@tanstack/react-query'
import L from 'leaflet'
import { useCallback, useEffect, useMemo, useRef, useState } from 'react'
import { useTranslation } from 'react-i18next'
import { queries } from '../../../api/queries'
import { AreaSelect } from '../../../components/AreaSelect'
import { QueryStatus } from '../../../components/QueryStatus'
import { formatDateTime, formatNumber, localName } from '../../../i18n'
import { useLeafletMap } from '../../../leafletMap'
import { routes } from '../../../router'
import type { AppConfig, Category } from '../../../types'
import { type ComponentsAnswer, type DisputesAnswer, type GridsAnswer, mapQueries, type PointsAnswer } from './api'
import './maps.css'

// Sequential oranges for density; grids without cases stay pale.
const PALETTE = ['#fee6ce', '#fdbe85', '#fd8d3c', '#e6550d', '#a63603']
const EMPTY = '#f4f6f9'
const RISK_COLOURS = { low: '#2b8a3e', medium: '#e8a200', high: '#e8590c', urgent: '#c92a2a' } as const
type Layer = 'grids' | 'points' | 'disputes' | 'components'
const LAYERS: Layer[] = ['grids', 'points', 'disputes', 'components']

const isoDay = (d: Date) =>
  `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`

/** Upper bounds of five density classes: quantiles of the grids that have cases. */
export function densityBreaks(values: number[]): number[] {
  const v = values.filter((x) => x > 0).sort((a, b) => a - b)
  if (v.length === 0) return []
  const breaks = PALETTE.map((_, i) => v[Math.min(v.length - 1, Math.ceil(((i + 1) * v.length) / PALETTE.length) - 1)]!)
  return [...new Set(breaks)]
}

const colourOf = (d: number | null, breaks: number[]) => {
  if (!d || d <= 0 || breaks.length === 0) return EMPTY
  const i = breaks.findIndex((b) => d <= b)
  const k = i < 0 ? breaks.length - 1 : i
  return PALETTE[PALETTE.length - breaks.length + k]!
}

/** A popup body from lines of text and links, built as DOM so no text is parsed as HTML. */
function popup(title: string, lines: string[], links: { href: string; text: string; testId?: string }[]): HTMLElement {
  const box = document.createElement('div')
  box.className = 'map-popup'
  const h = document.createElement('strong')
  h.textContent = title
  box.append(h)
  for (const l of lines) {
    const p = document.createElement('div')
    p.textContent = l
    box.append(p)
  }
  for (const l of links) {
    const a = document.createElement('a')
    a.href = l.href
    a.textContent = l.text
    if (l.testId) a.dataset.testid = l.testId
    box.append(a)
  }
  return box
}

/**
 * Staff maps (#/case-map): the grids of an area coloured by cases per km², the cases as clusters
 * counted on the server (single cases when zoomed in), open disputes by risk and components with
 * open cases, filtered by category and period; popups link to the case, dispute or component.
 */
export function MapsPage({ config }: { config: AppConfig | null }) {
  const { t, i18n } = useTranslation()
  const lng = i18n.language
  const today = new Date()
  const [areaId, setAreaId] = useState('')
  const [categoryId, setCategoryId] = useState('')
  const [from, setFrom] = useState(() => isoDay(new Date(today.getFullYear(), today.getMonth(), today.getDate() - 29)))
  const [to, setTo] = useState(() => isoDay(today))
  const [shown, setShown] = useState<Record<Layer, boolean>>({
    grids: true,
    points: true,
    disputes: false,
    components: false,
  })
  const [view, setView] = useState<{ bbox: string; zoom: number } | null>(null)

  // `to` in the form is the last day shown; the API takes the day after it.
  const toExclusive = useMemo(() => {
    const d = new Date(`${to}T00:00:00`)
    d.setDate(d.getDate() + 1)
    return isoDay(d)
  }, [to])
  const area = areaId ? Number(areaId) : undefined
  const category = categoryId ? Number(categoryId) : undefined
  const period = from && to && from <= to ? { from, to: toExclusive } : {}
  const base = { areaId: area, categoryId: category, ...period }

  const grids = useQuery(mapQueries.grids(base))
  const points = useQuery({
    ...mapQueries.points(shown.points && view ? { ...base, bbox: view.bbox, zoom: view.zoom } : null),
  })
  const disputes = useQuery(mapQueries.disputes(area, shown.disputes))
  const components = useQuery(mapQueries.components(area, category, shown.components))
  const categories = useQuery(queries.categories())

  const ref = useRef<HTMLElement>(null)
  const map = useLeafletMap(ref, config)
  const onMove = useCallback(() => {
    if (!map) return
    const b = map.getBounds()
    const clamp = (x: number, m: number) => Math.max(-m, Math.min(m, x)).toFixed(6)
    setView({
      bbox: [clamp(b.getWest(), 180), clamp(b.getSouth(), 90), clamp(b.getEast(), 180), clamp(b.getNorth(), 90)].join(
        ',',
      ),
      zoom: Math.max(0, Math.min(22, Math.round(map.getZoom()))),
    })
  }, [map])
  useEffect(() => {
    if (!map) return
    map.on('moveend', onMove)
    return () => {
      map.off('moveend', onMove)
    }
  }, [map, onMove])

  // Fit the map to the area's grids when the area changes (not on every refetch).
  const fittedFor = useRef<string | null>(null)
  const breaks = useMemo(() => densityBreaks(grids.data?.grids.map((g) => g.density ?? 0) ?? []), [grids.data])
  useEffect(() => {
    if (!map || !grids.data) return
    const data = grids.data
    const layer = L.geoJSON(
      {
        type: 'FeatureCollection',
        features: data.grids.map((g) => ({ type: 'Feature', properties: g, geometry: g.geometry })),
      } as GeoJSON.FeatureCollection,
      {
        style: (f) => {
          const g = f?.properties as GridsAnswer['grids'][number]
          return {
            className: `maps-grid${g.total > 0 ? ' has-cases' : ''}`,
            color: '#5f6b7a',
            weight: 0.6,
            fillColor: colourOf(g.density, breaks),
            fillOpacity: g.total > 0 ? 0.75 : 0.4,
          }
        },
        onEachFeature: (f, l) => {
          const g = f.properties as GridsAnswer['grids'][number]
          l.bindPopup(
            popup(
              `${localName(g, lng)} · ${g.code}`,
              [
                t('analytics.maps.gridLine', {
                  total: formatNumber(g.total, 0, lng),
                  open: formatNumber(g.open, 0, lng),
                  overdue: formatNumber(g.overdue, 0, lng),
                }),
                t('analytics.maps.densityLine', {
                  density: g.density === null ? '—' : formatNumber(g.density, 1, lng),
                  km2: formatNumber(g.areaKm2, 3, lng),
                }),
              ],
              [],
            ),
          )
        },
      },
    )
    if (shown.grids) layer.addTo(map)
    const key = `${areaId}`
    if (fittedFor.current !== key && data.grids.length) {
      const b = layer.getBounds()
      if (b.isValid()) {
        map.fitBounds(b, { padding: [12, 12] })
        fittedFor.current = key
      }
    }
    return () => {
      layer.remove()
    }
  }, [map, grids.data, breaks, shown.grids, areaId, t, lng])

  useEffect(() => {
    if (!map || !shown.points || !points.data) return
    const layer = pointLayer(points.data, map, t, lng).addTo(map)
    return () => {
      layer.remove()
    }
  }, [map, points.data, shown.points, t, lng])

  useEffect(() => {
    if (!map || !shown.disputes || !disputes.data) return
    const layer = disputeLayer(disputes.data, t, lng).addTo(map)
    return () => {
      layer.remove()
    }
  }, [map, disputes.data, shown.disputes, t, lng])

  useEffect(() => {
    if (!map || !shown.components || !components.data) return
    const layer = componentLayer(components.data, t, lng).addTo(map)
    return () => {
      layer.remove()
    }
  }, [map, components.data, shown.components, t, lng])

  const groups = (categories.data ?? []).filter((c) => !c.isLeaf)
  const top = [...(grids.data?.grids ?? [])]
    .filter((g) => g.total > 0)
    .sort((a, b) => b.total - a.total)
    .slice(0, 10)
  let low = 0
  return (
    <section className="page maps-page" data-testid="page-case-map">
      <div className="page-head">
        <h1 className="page-title">{t('analytics.maps.title')}</h1>
      </div>
      <p className="muted">{t('analytics.maps.intro')}</p>
      <form className="maps-filters" onSubmit={(e) => e.preventDefault()}>
        <label htmlFor="maps-area">
          {t('analytics.maps.area')}
          <AreaSelect
            id="maps-area"
            value={areaId}
            onChange={setAreaId}
            maxLevel="community"
            testId="maps-area"
            emptyLabel={t('analytics.maps.myAreas')}
          />
        </label>
        <label>
          {t('analytics.maps.category')}
          <select value={categoryId} onChange={(e) => setCategoryId(e.target.value)} data-testid="maps-category">
            <option value="">{t('analytics.maps.allCategories')}</option>
            {groups.map((g: Category) => (
              <optgroup key={g.id} label={localName(g, lng)}>
                <option value={g.id}>
                  {localName(g, lng)} · {t('analytics.maps.wholeGroup')}
                </option>
                {g.children
                  .filter((c) => c.isLeaf)
                  .map((c) => (
                    <option key={c.id} value={c.id}>
                      {localName(c, lng)}
                    </option>
                  ))}
              </optgroup>
            ))}
          </select>
        </label>
        <label>
          {t('analytics.maps.from')}
          <input type="date" value={from} max={to} onChange={(e) => setFrom(e.target.value)} data-testid="maps-from" />
        </label>
        <label>
          {t('analytics.maps.to')}
          <input type="date" value={to} min={from} onChange={(e) => setTo(e.target.value)} data-testid="maps-to" />
        </label>
        <fieldset className="maps-layers">
          <legend>{t('analytics.maps.layers')}</legend>
          {LAYERS.map((l) => (
            <label key={l}>
              <input
                type="checkbox"
                checked={shown[l]}
                onChange={(e) => setShown((s) => ({ ...s, [l]: e.target.checked }))}
                data-testid={`maps-layer-${l}`}
              />
              {t(`analytics.maps.layer.${l}`)}
            </label>
          ))}
        </fieldset>
      </form>
      <QueryStatus query={grids} />
      <div className="maps-body">
        <section ref={ref} className="maps-map" data-testid="maps-map" aria-label={t('analytics.maps.mapLabel')} />
        <aside className="maps-side">
          {shown.grids && (
            <div>
              <h2 className="section-title">{t('analytics.maps.legend')}</h2>
              <ul className="map-legend" data-testid="maps-legend">
                <li>
                  <span className="swatch" style={{ background: EMPTY }} /> 0
                </li>
                {breaks.map((b, i) => {
                  const lo = low
                  low = b
                  return (
                    <li key={b}>
                      <span className="swatch" style={{ background: PALETTE[PALETTE.length - breaks.length + i] }} />{' '}
                      {formatNumber(lo, 1, lng)}–{formatNumber(b, 1, lng)}
                    </li>
                  )
                })}
              </ul>
              <p className="muted small">{t('analytics.maps.legendUnit')}</p>
            </div>
          )}
          {shown.disputes && (
            <ul className="map-legend" data-testid="maps-risk-legend" aria-label={t('analytics.maps.riskLegend')}>
              {(['urgent', 'high', 'medium', 'low'] as const).map((r) => (
                <li key={r}>
                  <span className="swatch round" style={{ background: RISK_COLOURS[r] }} />{' '}
                  {t(`analytics.maps.risk.${r}`)} {disputes.data ? `(${disputes.data.totals[r]})` : ''}
                </li>
              ))}
            </ul>
          )}
          {grids.data && (
            <dl className="maps-totals" data-testid="maps-totals">
              <dt>{t('analytics.maps.total')}</dt>
              <dd data-testid="maps-total">{formatNumber(grids.data.totals.total, 0, lng)}</dd>
              <dt>{t('analytics.maps.open')}</dt>
              <dd>{formatNumber(grids.data.totals.open, 0, lng)}</dd>
              <dt>{t('analytics.maps.overdue')}</dt>
              <dd>{formatNumber(grids.data.totals.overdue, 0, lng)}</dd>
              {shown.points && points.data && (
                <>
                  <dt>{t('analytics.maps.inView')}</dt>
                  <dd
                    data-testid="maps-in-view"
                    data-mode={points.data.mode}
                    data-total={points.data.total}
                    data-zoom={points.data.zoom}
                  >
                    {formatNumber(points.data.total, 0, lng)}
                  </dd>
                </>
              )}
              {shown.components && components.data && (
                <>
                  <dt>{t('analytics.maps.componentsOpen')}</dt>
                  <dd data-testid="maps-components-total" data-total={components.data.total}>
                    {formatNumber(components.data.total, 0, lng)}
                  </dd>
                </>
              )}
            </dl>
          )}
        </aside>
      </div>
      {top.length > 0 && (
        <>
          <h2 className="section-title">{t('analytics.maps.topGrids')}</h2>
          <table className="maps-table" data-testid="maps-top-grids">
            <thead>
              <tr>
                <th scope="col">{t('analytics.maps.grid')}</th>
                <th scope="col">{t('analytics.maps.total')}</th>
                <th scope="col">{t('analytics.maps.open')}</th>
                <th scope="col">{t('analytics.maps.overdue')}</th>
                <th scope="col">{t('analytics.maps.density')}</th>
              </tr>
            </thead>
            <tbody>
              {top.map((g) => (
                <tr key={g.areaId} data-testid="maps-grid-row" data-id={g.areaId}>
                  <td>
                    {localName(g, lng)} · {g.code}
                  </td>
                  <td>{formatNumber(g.total, 0, lng)}</td>
                  <td>{formatNumber(g.open, 0, lng)}</td>
                  <td>{formatNumber(g.overdue, 0, lng)}</td>
                  <td>{g.density === null ? '—' : formatNumber(g.density, 1, lng)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </section>
  )
}

type T = (key: string, opts?: Record<string, unknown>) => string

function pointLayer(data: PointsAnswer, map: L.Map, t: T, lng: string): L.LayerGroup {
  const group = L.layerGroup()
  if (data.mode === 'points') {
    for (const p of data.points) {
      L.circleMarker([p.lat, p.lng], {
        radius: 6,
        color: '#1c3d6e',
        weight: 1,
        fillColor: '#3b7dd8',
        fillOpacity: 0.9,
        className: 'maps-case',
      })
        .bindPopup(
          popup(
            p.trackingCode,
            [
              `${localName({ nameZh: p.categoryZh, nameEn: p.categoryEn }, lng)} · ${t(`caseStates.${p.state}`)}`,
              formatDateTime(p.submittedAt, lng),
            ],
            [{ href: routes.case(p.id), text: t('analytics.maps.openCase'), testId: 'maps-case-link' }],
          ),
        )
        .addTo(group)
    }
    return group
  }
  for (const c of data.clusters) {
    const size = Math.round(Math.min(56, 22 + Math.log2(c.count) * 5))
    const icon = L.divIcon({
      className: 'maps-cluster-icon',
      html: `<span class="maps-cluster" style="width:${size}px;height:${size}px;line-height:${size}px">${c.count}</span>`,
      iconSize: [size, size],
    })
    const m = L.marker([c.lat, c.lng], {
      icon,
      title: t('analytics.maps.clusterTitle', { count: c.count, open: c.open }),
      alt: t('analytics.maps.clusterTitle', { count: c.count, open: c.open }),
    })
    if (c.caseId !== null && c.trackingCode) {
      m.bindPopup(
        popup(
          c.trackingCode,
          [t('analytics.maps.clusterTitle', { count: 1, open: c.open })],
          [{ href: routes.case(c.caseId), text: t('analytics.maps.openCase'), testId: 'maps-case-link' }],
        ),
      )
    } else {
      // A cluster opens by zooming in on it.
      m.on('click', () => map.setView([c.lat, c.lng], Math.min(22, map.getZoom() + 2)))
    }
    m.addTo(group)
  }
  return group
}

function disputeLayer(data: DisputesAnswer, t: T, lng: string): L.LayerGroup {
  const group = L.layerGroup()
  for (const d of data.points) {
    L.circleMarker([d.lat, d.lng], {
      radius: d.riskLevel === 'urgent' || d.riskLevel === 'high' ? 9 : 7,
      color: '#222',
      weight: 1,
      fillColor: RISK_COLOURS[d.riskLevel],
      fillOpacity: 0.9,
      className: `maps-dispute risk-${d.riskLevel}`,
    })
      .bindPopup(
        popup(
          d.reference,
          [
            `${t(`analytics.maps.risk.${d.riskLevel}`)} · ${t(`analytics.maps.disputeCategory.${d.category}`)}`,
            formatDateTime(d.registeredAt, lng),
          ],
          [{ href: routes.dispute(d.id), text: t('analytics.maps.openDispute'), testId: 'maps-dispute-link' }],
        ),
      )
      .addTo(group)
  }
  return group
}

function componentLayer(data: ComponentsAnswer, t: T, lng: string): L.LayerGroup {
  const group = L.layerGroup()
  for (const k of data.components) {
    L.circleMarker([k.lat, k.lng], {
      radius: Math.min(12, 5 + k.openCases),
      color: '#5c2d91',
      weight: 2,
      fillColor: '#b197fc',
      fillOpacity: 0.8,
      className: 'maps-component',
    })
      .bindPopup(
        popup(
          `${k.name} · ${k.code}`,
          [
            t('analytics.maps.componentLine', { count: k.openCases }),
            t('analytics.maps.oldestLine', { at: formatDateTime(k.oldestOpenAt, lng), code: k.oldestTrackingCode }),
          ],
          [
            { href: routes.components(k.id), text: t('analytics.maps.openComponent'), testId: 'maps-component-link' },
            { href: routes.case(k.oldestCaseId), text: t('analytics.maps.openOldest') },
          ],
        ),
      )
      .addTo(group)
  }
  return group
}
