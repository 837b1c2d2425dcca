import L from 'leaflet'
import { useEffect, useRef } from 'react'
import { useTranslation } from 'react-i18next'
import { textNode, useLeafletMap } from '../../../leafletMap'
import { routes } from '../../../router'
import type { AppConfig } from '../../../types'
import type { DevicePoint } from './api'

/**
 * Devices on a Leaflet map: a dot coloured by state, with the count of live alarms on it; a
 * click opens the device. Fits its points the first time they arrive.
 */
export function DeviceMap({
  points,
  config,
  label,
  testId = 'device-map',
}: {
  points: DevicePoint[]
  config: AppConfig | null
  label: string
  testId?: string
}) {
  const { t } = useTranslation()
  const ref = useRef<HTMLElement>(null)
  const map = useLeafletMap(ref, config)
  const fitted = useRef('')

  useEffect(() => {
    if (!map) return
    const layer = L.featureGroup().addTo(map)
    for (const p of points) {
      const alarms = p.openAlarms > 0 ? `<span class="device-pin-alarms">${p.openAlarms}</span>` : ''
      const marker = L.marker(L.latLng(p.lat, p.lng), {
        icon: L.divIcon({
          className: 'device-pin-icon',
          html: `<span class="device-pin device-pin-${p.state}" data-testid="device-pin" data-code="${p.code.replace(/[^A-Za-z0-9_.-]/g, '')}"></span>${alarms}`,
          iconSize: [18, 18],
          iconAnchor: [9, 9],
        }),
        keyboard: false,
        title: p.code,
      })
      marker.bindTooltip(
        textNode(
          `${p.code} · ${p.name} · ${t(`devices.registry.states.${p.state}`)}${p.openAlarms ? ` · ${t('devices.registry.openAlarms', { count: p.openAlarms })}` : ''}`,
        ),
      )
      marker.on('click', () => {
        window.location.hash = routes.devices('registry', p.id)
      })
      marker.addTo(layer)
    }
    const key = points.map((p) => p.id).join(',')
    if (points.length && fitted.current !== key) {
      fitted.current = key
      map.fitBounds(layer.getBounds(), { padding: [24, 24], maxZoom: 17 })
    }
    return () => {
      layer.remove()
    }
  }, [map, points, t])

  return <section ref={ref} className="device-map" data-testid={testId} aria-label={label} />
}
