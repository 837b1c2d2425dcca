import { useEffect, useRef } from 'react'
import { useTranslation } from 'react-i18next'
import L from 'leaflet'
import { api } from '../api'
import { localName } from '../i18n'
import { pinIcon, textNode, useLeafletMap } from '../leafletMap'
import type { AppConfig, LngLat } from '../types'

/** Where a case is: its pin inside the outline of its grid. */
export function CaseMap({
  location,
  gridId,
  config,
  testId = 'case-map',
}: {
  location: LngLat | null
  gridId: number | null
  config: AppConfig | null
  testId?: string
}) {
  const { t, i18n } = useTranslation()
  const ref = useRef<HTMLDivElement>(null)
  const map = useLeafletMap(ref, config)
  // A reloaded case brings a new location object; only new coordinates redraw the map.
  const lat = location?.lat ?? null
  const lng = location?.lng ?? null

  useEffect(() => {
    if (!map) return
    const group = L.featureGroup().addTo(map)
    const ctrl = new AbortController()
    if (lat !== null && lng !== null) L.marker([lat, lng], { icon: pinIcon(), keyboard: false }).addTo(group)
    const fit = () => {
      if (group.getLayers().length === 0) return
      if (lat !== null && lng !== null && group.getLayers().length === 1)
        map.setView([lat, lng], 17, { animate: false })
      else map.fitBounds(group.getBounds(), { padding: [20, 20], maxZoom: 18, animate: false })
    }
    fit()
    if (gridId) {
      api
        .area(gridId, ctrl.signal)
        .then((a) => {
          if (!a.boundary) return
          L.geoJSON(a.boundary, {
            style: () => ({ className: 'case-grid-outline', color: '#2f6fdb', weight: 2, fillOpacity: 0.08 }),
            interactive: true,
          })
            .bindTooltip(textNode(localName(a, i18n.language)), { sticky: true })
            .addTo(group)
          fit()
        })
        .catch(() => undefined) // the pin alone still answers "where"
    }
    return () => {
      ctrl.abort()
      group.remove()
    }
  }, [map, lat, lng, gridId, i18n.language])

  return <div ref={ref} className="case-map" data-testid={testId} role="region" aria-label={t('caseMap.label')} />
}
