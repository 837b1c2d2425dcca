import { useQuery } from '@tanstack/react-query'
import { useEffect, useRef } from 'react'
import { useTranslation } from 'react-i18next'
import L from 'leaflet'
import { queries } from '../api/queries'
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
  const ref = useRef<HTMLElement>(null)
  const map = useLeafletMap(ref, config)
  // A reloaded case brings a new location object; only new coordinates redraw the map.
  const lat = location?.lat ?? null
  const lng = location?.lng ?? null
  // The grid's outline; without it (not loaded, or failed) the pin alone still answers "where".
  const grid = useQuery({ ...queries.area(gridId ?? 0), enabled: !!gridId }).data

  useEffect(() => {
    if (!map) return
    const group = L.featureGroup().addTo(map)
    if (lat !== null && lng !== null) L.marker([lat, lng], { icon: pinIcon(), keyboard: false }).addTo(group)
    if (grid?.boundary) {
      L.geoJSON(grid.boundary, {
        style: () => ({ className: 'case-grid-outline', color: '#2f6fdb', weight: 2, fillOpacity: 0.08 }),
        interactive: true,
      })
        .bindTooltip(textNode(localName(grid, i18n.language)), { sticky: true })
        .addTo(group)
    }
    if (group.getLayers().length === 1 && lat !== null && lng !== null) map.setView([lat, lng], 17, { animate: false })
    else if (group.getLayers().length > 0)
      map.fitBounds(group.getBounds(), { padding: [20, 20], maxZoom: 18, animate: false })
    return () => {
      group.remove()
    }
  }, [map, lat, lng, grid, i18n.language])

  return <section ref={ref} className="case-map" data-testid={testId} aria-label={t('caseMap.label')} />
}
