import L from 'leaflet'
import { useEffect, useRef } from 'react'
import { useTranslation } from 'react-i18next'
import { useLeafletMap } from '../../leafletMap'
import type { AppConfig } from '../../types'

/** Who reads grid work (the server's gridReaders, src/grid/common.ts). */
export const GRID_READERS = ['admin', 'leader', 'staff', 'grid_worker'] as const

/** "2.4 km" or "850 m". */
export function useDistance() {
  const { t } = useTranslation()
  return (m: number) =>
    m >= 1000
      ? t('grid.patrol.units.km', { value: (m / 1000).toFixed(2) })
      : t('grid.patrol.units.m', { value: Math.round(m) })
}

/** "1 h 25 min". */
export function useDuration() {
  const { t } = useTranslation()
  return (seconds: number) =>
    t('grid.patrol.units.hm', { h: Math.floor(seconds / 3600), m: Math.floor((seconds % 3600) / 60) })
}

export const timeText = (iso: string, lng: string) =>
  new Date(iso).toLocaleString(lng, { timeZone: 'Asia/Shanghai', dateStyle: 'short', timeStyle: 'short' })

const COLOURS = ['#1f6feb', '#d1242f', '#1a7f37', '#9a6700', '#8250df', '#bf3989', '#0a7ea4', '#57606a']

/** A Leaflet map of tracks ([lng, lat] pairs each), fitted to them; the last point of a live track marked. */
export function TrackMap({
  tracks,
  config,
  label,
  live = false,
  testId,
}: {
  tracks: { id: number; coordinates: number[][]; title?: string }[]
  config: AppConfig | null
  label: string
  live?: boolean
  testId?: string
}) {
  const ref = useRef<HTMLElement>(null)
  const map = useLeafletMap(ref, config)
  const fitted = useRef(0)
  useEffect(() => {
    if (!map) return
    const layer = L.featureGroup().addTo(map)
    tracks.forEach((tr, i) => {
      const latlngs = tr.coordinates.map(([lng, lat]) => L.latLng(lat!, lng!))
      if (latlngs.length === 0) return
      const colour = COLOURS[i % COLOURS.length]!
      if (latlngs.length > 1) L.polyline(latlngs, { color: colour, weight: 4, opacity: 0.85 }).addTo(layer)
      L.circleMarker(latlngs.at(-1)!, { radius: live ? 7 : 4, color: colour, fillOpacity: 0.9 }).addTo(layer)
      if (tr.title)
        layer
          .getLayers()
          .at(-1)
          ?.bindTooltip(document.createTextNode(tr.title) as unknown as HTMLElement)
    })
    const points = tracks.reduce((n, tr) => n + tr.coordinates.length, 0)
    // Fit once per growth step of a live track, always for a fixed set.
    if (points > 0 && (!live || points !== fitted.current)) {
      fitted.current = points
      map.fitBounds(layer.getBounds().pad(0.2), { maxZoom: 17 })
    }
    return () => {
      layer.remove()
    }
  }, [map, tracks, live])
  return <section ref={ref} className="grid-map" aria-label={label} data-testid={testId} />
}
