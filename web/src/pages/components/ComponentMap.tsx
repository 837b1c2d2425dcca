import L from 'leaflet'
import { useEffect, useRef } from 'react'
import { useTranslation } from 'react-i18next'
import { textNode, useLeafletMap } from '../../leafletMap'
import { routes } from '../../router'
import type { AppConfig } from '../../types'
import type { ComponentFeature } from './api'

export type Box = { west: number; south: number; east: number; north: number }

const round = (v: number) => Math.round(v * 1e5) / 1e5

/**
 * Components on a Leaflet map: a dot coloured by state, ringed when it has open cases (with their
 * number), a bigger dot with a count where the server thinned many into one; a click opens the
 * component. Reports the box in view so the page asks for what is seen; fits `start` once.
 */
export function ComponentMap({
  features,
  config,
  start,
  onMove,
  label,
}: {
  features: ComponentFeature[]
  config: AppConfig | null
  start: Box | null
  onMove: (box: Box) => void
  label: string
}) {
  const { t } = useTranslation()
  const ref = useRef<HTMLElement>(null)
  const map = useLeafletMap(ref, config)
  const moved = useRef(onMove)
  moved.current = onMove

  useEffect(() => {
    if (!map || !start) return
    map.fitBounds(
      [
        [start.south, start.west],
        [start.north, start.east],
      ],
      { padding: [12, 12] },
    )
    const report = () => {
      const b = map.getBounds()
      moved.current({
        west: round(b.getWest()),
        south: round(b.getSouth()),
        east: round(b.getEast()),
        north: round(b.getNorth()),
      })
    }
    map.on('moveend', report)
    report()
    return () => {
      map.off('moveend', report)
    }
  }, [map, start])

  useEffect(() => {
    if (!map) return
    const layer = L.featureGroup().addTo(map)
    for (const f of features) {
      const [lng, lat] = f.geometry.coordinates as [number, number]
      const p = f.properties
      const open = p.openCases > 0 ? `<span class="component-pin-cases">${p.openCases}</span>` : ''
      const many = p.count > 1 ? `<span class="component-pin-count">${p.count}</span>` : ''
      const size = p.count > 1 ? 22 : 16
      const marker = L.marker(L.latLng(lat, lng), {
        icon: L.divIcon({
          className: 'component-pin-icon',
          html: `<span class="component-pin component-pin-${p.state}${p.openCases > 0 ? ' component-pin-open' : ''}" data-testid="component-pin" data-state="${p.state}" data-open="${p.openCases > 0}" style="width:${size}px;height:${size}px"></span>${open}${many}`,
          iconSize: [size, size],
          iconAnchor: [size / 2, size / 2],
        }),
        keyboard: false,
        title: p.code,
      })
      marker.bindTooltip(
        textNode(
          [
            p.count > 1 ? t('components.inventory.thinnedPin', { count: p.count }) : `${p.code} · ${p.name}`,
            t(`components.inventory.states.${p.state}`),
            p.openCases ? t('components.inventory.openCases', { count: p.openCases }) : '',
          ]
            .filter(Boolean)
            .join(' · '),
        ),
      )
      marker.on('click', () => {
        window.location.hash = routes.components(Number(f.id))
      })
      marker.addTo(layer)
    }
    return () => {
      layer.remove()
    }
  }, [map, features, t])

  return <section ref={ref} className="component-map" data-testid="component-map" aria-label={label} />
}
