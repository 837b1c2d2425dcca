import L from 'leaflet'
import { useEffect, useRef } from 'react'
import { useTranslation } from 'react-i18next'
import { localName } from '../../../i18n'
import { textNode, useLeafletMap } from '../../../leafletMap'
import { routes } from '../../../router'
import type { AppConfig } from '../../../types'
import type { PartyMap } from './api'
import { kindColour } from './common'

/**
 * Organisations on a Leaflet map, a dot coloured by kind (a click opens the organisation), over
 * the coverage layer: the grids without an organisation, hatched red. Fits its content once.
 */
export function NetworkMap({
  data,
  config,
  label,
}: {
  data: PartyMap | null
  config: AppConfig | null
  label: string
}) {
  const { t, i18n } = useTranslation()
  const ref = useRef<HTMLElement>(null)
  const map = useLeafletMap(ref, config)
  const fitted = useRef('')

  useEffect(() => {
    if (!map || !data) return
    const layer = L.featureGroup().addTo(map)
    for (const g of data.uncoveredGrids) {
      L.geoJSON({ type: 'Feature', geometry: g.geometry, properties: {} } as GeoJSON.Feature, {
        style: { color: '#dc2626', weight: 1, fillColor: '#f87171', fillOpacity: 0.35 },
        interactive: true,
      })
        .bindTooltip(textNode(`${localName(g, i18n.language)} · ${t('party.organisations.legendGap')}`))
        .addTo(layer)
    }
    for (const o of data.organisations) {
      const marker = L.circleMarker(L.latLng(o.lat, o.lng), {
        radius: o.kind === 'group' ? 5 : 8,
        color: '#fff',
        weight: 1.5,
        fillColor: kindColour[o.kind],
        fillOpacity: 0.95,
      })
      marker.bindTooltip(
        textNode(
          `${o.name} · ${t(`party.organisations.kinds.${o.kind}`)} · ${t('party.organisations.memberCount', { count: o.members })}`,
        ),
      )
      marker.on('click', () => {
        window.location.hash = routes.party('organisations', o.id)
      })
      marker.addTo(layer)
    }
    const key = `${data.organisations.length}:${data.uncoveredGrids.length}`
    if ((data.organisations.length || data.uncoveredGrids.length) && fitted.current !== key) {
      fitted.current = key
      map.fitBounds(layer.getBounds(), { padding: [16, 16], maxZoom: 17 })
    }
    return () => {
      layer.remove()
    }
  }, [map, data, t, i18n.language])

  return <section ref={ref} className="po-map" data-testid="po-map" aria-label={label} />
}
