import type { Geometry } from 'geojson'
import L from 'leaflet'
import { useEffect, useRef } from 'react'
import { useTranslation } from 'react-i18next'
import type { AppConfig } from '../../../types'

export interface MapMarker {
  key: string
  kind: 'task' | 'shelter'
  lng: number
  lat: number
  label: string
}

export interface MapGrid {
  id: number
  label: string
  geometry: Geometry
  /** Fill colour (check progress, or chosen/not chosen). */
  color: string
  /** A line under the name in the tooltip. */
  detail?: string
}

/**
 * A Leaflet map of grids (coloured as the caller says), an optional drawn area, and, when
 * `onMapClick` is given, click-to-add-vertex drawing: each click adds a point to the polygon.
 */
export function GridMap({
  grids,
  markers,
  drawn,
  points,
  onMapClick,
  onGridClick,
  config,
  testId,
  label,
}: {
  grids: MapGrid[]
  /** Tasks with a place and shelters, as points. */
  markers?: MapMarker[]
  drawn?: Geometry | null
  points?: [number, number][]
  onMapClick?: (lng: number, lat: number) => void
  onGridClick?: (gridId: number) => void
  config: AppConfig | null
  testId: string
  label: string
}) {
  const { t } = useTranslation()
  const ref = useRef<HTMLElement>(null)
  const mapRef = useRef<L.Map | null>(null)
  const gridLayer = useRef<L.FeatureGroup | null>(null)
  const drawLayer = useRef<L.FeatureGroup | null>(null)
  const fitted = useRef<string>('')
  const clickRef = useRef(onMapClick)
  clickRef.current = onMapClick
  const gridClickRef = useRef(onGridClick)
  gridClickRef.current = onGridClick

  useEffect(() => {
    const el = ref.current
    if (!el) return
    const map = L.map(el, { zoomControl: true, attributionControl: true, zoomSnap: 0.25 }).setView([30.27, 120.15], 13)
    gridLayer.current = L.featureGroup().addTo(map)
    drawLayer.current = L.featureGroup().addTo(map)
    map.on('click', (e: L.LeafletMouseEvent) => clickRef.current?.(e.latlng.lng, e.latlng.lat))
    mapRef.current = map
    const ro = new ResizeObserver(() => map.invalidateSize())
    ro.observe(el)
    return () => {
      ro.disconnect()
      map.remove()
      mapRef.current = null
    }
  }, [])

  useEffect(() => {
    const map = mapRef.current
    if (!map || !config?.tileUrl) return
    const tiles = L.tileLayer(config.tileUrl, { attribution: config.tileAttribution ?? undefined, maxZoom: 19 }).addTo(
      map,
    )
    tiles.bringToBack()
    return () => {
      tiles.remove()
    }
  }, [config?.tileUrl, config?.tileAttribution])

  useEffect(() => {
    const map = mapRef.current
    const layer = gridLayer.current
    if (!map || !layer) return
    layer.clearLayers()
    for (const g of grids) {
      const shape = L.geoJSON(g.geometry, {
        style: {
          color: '#334155',
          weight: 1.5,
          fillColor: g.color,
          fillOpacity: 0.45,
          className: 'incident-grid-polygon',
        },
      })
      const tip = document.createElement('span')
      tip.textContent = g.detail ? `${g.label} · ${g.detail}` : g.label
      shape.bindTooltip(tip, { sticky: true })
      shape.on('click', (e) => {
        if (gridClickRef.current) {
          L.DomEvent.stopPropagation(e)
          gridClickRef.current(g.id)
        }
      })
      shape.addTo(layer)
    }
    const key = grids.map((g) => g.id).join(',')
    if (grids.length && fitted.current !== key) {
      fitted.current = key
      map.fitBounds(layer.getBounds(), { padding: [12, 12] })
    }
  }, [grids])

  const markerLayer = useRef<L.FeatureGroup | null>(null)
  useEffect(() => {
    const map = mapRef.current
    if (!map) return
    markerLayer.current ??= L.featureGroup().addTo(map)
    const layer = markerLayer.current
    layer.clearLayers()
    for (const m of markers ?? []) {
      const dot = L.circleMarker(L.latLng(m.lat, m.lng), {
        radius: m.kind === 'shelter' ? 8 : 6,
        color: m.kind === 'shelter' ? '#1d4ed8' : '#c2410c',
        weight: 2,
        fillColor: '#fff',
        fillOpacity: 0.9,
        className: `incident-marker incident-marker-${m.kind}`,
      })
      const tip = document.createElement('span')
      tip.textContent = m.label
      dot.bindTooltip(tip)
      dot.addTo(layer)
    }
  }, [markers])

  useEffect(() => {
    const layer = drawLayer.current
    if (!layer) return
    layer.clearLayers()
    if (drawn)
      L.geoJSON(drawn, { style: { color: '#b91c1c', weight: 2, dashArray: '6 4', fillOpacity: 0.1 } }).addTo(layer)
    if (points?.length) {
      const latlngs = points.map(([lng, lat]) => L.latLng(lat, lng))
      for (const p of latlngs) L.circleMarker(p, { radius: 4, color: '#b91c1c' }).addTo(layer)
      if (latlngs.length >= 3) L.polygon(latlngs, { color: '#b91c1c', weight: 2, fillOpacity: 0.15 }).addTo(layer)
      else if (latlngs.length === 2) L.polyline(latlngs, { color: '#b91c1c' }).addTo(layer)
    }
  }, [drawn, points])

  return (
    <section
      ref={ref}
      className={`incident-map${onMapClick ? ' incident-map-drawing' : ''}`}
      data-testid={testId}
      aria-label={label}
      title={onMapClick ? t('emergency.incidents.form.drawHint') : undefined}
    />
  )
}

/** Progress colour of a grid: grey with nobody to check, red while people are unreachable, amber while pending, green when all reached. */
export function progressColor(p: { total: number; pending: number; unreachable: number; needsHelp: number }): string {
  if (p.total === 0) return '#94a3b8'
  if (p.unreachable > 0 || p.needsHelp > 0) return '#dc2626'
  if (p.pending > 0) return '#f59e0b'
  return '#16a34a'
}
