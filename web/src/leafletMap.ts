// The Leaflet basics every case map shares: created once per element, translated zoom buttons,
// optional base tiles, and a size kept in step with the layout.
import { useEffect, useRef, useState, type RefObject } from 'react'
import { useTranslation } from 'react-i18next'
import L from 'leaflet'
import type { AppConfig } from './types'

export function useLeafletMap(
  ref: RefObject<HTMLElement | null>,
  config: AppConfig | null,
  options: L.MapOptions = {},
): L.Map | null {
  // t changes with the language, so the zoom buttons are rebuilt translated.
  const { t } = useTranslation()
  const [map, setMap] = useState<L.Map | null>(null)
  // Options apply at creation only.
  const optionsRef = useRef(options)

  useEffect(() => {
    const el = ref.current
    if (!el) return
    const m = L.map(el, {
      zoomControl: false,
      attributionControl: true,
      zoomSnap: 0.25,
      ...optionsRef.current,
    }).setView([35, 105], 4)
    const ro = new ResizeObserver(() => m.invalidateSize())
    ro.observe(el)
    setMap(m)
    return () => {
      ro.disconnect()
      m.remove()
      setMap(null)
    }
  }, [ref])

  useEffect(() => {
    if (!map) return
    const zoom = L.control.zoom({ zoomInTitle: t('map.zoomIn'), zoomOutTitle: t('map.zoomOut') }).addTo(map)
    return () => {
      zoom.remove()
    }
  }, [map, t])

  useEffect(() => {
    if (!map || !config?.tileUrl) return
    const tiles = L.tileLayer(config.tileUrl, { attribution: config.tileAttribution ?? undefined, maxZoom: 19 }).addTo(
      map,
    )
    tiles.bringToBack()
    return () => {
      tiles.remove()
    }
  }, [map, config?.tileUrl, config?.tileAttribution])

  return map
}

/** Tooltip content as a DOM node, so names are never parsed as HTML. */
export function textNode(text: string): HTMLElement {
  const span = document.createElement('span')
  span.textContent = text
  return span
}

/** A CSS-drawn pin: Leaflet's default marker images do not survive bundling with hashed names. */
export function pinIcon(className = ''): L.DivIcon {
  return L.divIcon({
    className: `map-pin-icon ${className}`.trim(),
    html: '<span class="map-pin" data-testid="map-pin"></span>',
    iconSize: [26, 36],
    iconAnchor: [13, 34],
  })
}
