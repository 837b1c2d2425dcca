import { useEffect, useMemo, useRef } from 'react'
import { useTranslation } from 'react-i18next'
import L from 'leaflet'
import { formatNumber, localName } from '../i18n'
import { textNode, useLeafletMap } from '../leafletMap'
import type { AppConfig, AreaFeatureCollection, AreaFeatureProps, PublicMapGrid } from '../types'

// Sequential blues from few to many cases; grids without cases stay pale.
const PALETTE = ['#deebf7', '#9ecae1', '#6baed6', '#3182bd', '#08519c']
const EMPTY = '#f4f6f9'

/**
 * Colour classes: upper bounds (whole numbers) and their colours. With few cases there are fewer
 * classes, taken from the dark end, so the busiest grid always stands out.
 */
function classes(max: number): { bound: number; colour: string }[] {
  const k = Math.max(1, Math.min(PALETTE.length, max))
  const step = Math.ceil(Math.max(1, max) / k)
  const colours = PALETTE.slice(PALETTE.length - k)
  return colours.map((colour, i) => ({ bound: step * (i + 1), colour }))
}

/** Cases per grid as a choropleth over the grid boundaries. */
export function ChoroplethMap({
  grids,
  counts,
  config,
}: {
  grids: AreaFeatureCollection
  counts: PublicMapGrid[]
  config: AppConfig | null
}) {
  const { t, i18n } = useTranslation()
  const ref = useRef<HTMLElement>(null)
  const map = useLeafletMap(ref, config)
  const byId = useMemo(() => new Map(counts.map((c) => [c.areaId, c])), [counts])
  const max = Math.max(0, ...counts.map((c) => c.total))
  const bounds = useMemo(() => classes(max), [max])
  const fitted = useRef(false)

  useEffect(() => {
    if (!map) return
    const lng = i18n.language
    const colour = (n: number) =>
      n <= 0 ? EMPTY : (bounds.find((b) => n <= b.bound) ?? bounds[bounds.length - 1]!).colour
    const layer = L.geoJSON<AreaFeatureProps>(grids, {
      style: (f) => {
        const n = byId.get(f?.properties.id ?? -1)?.total ?? 0
        return {
          className: `choropleth-cell${n > 0 ? ' has-cases' : ''}`,
          color: '#5f6b7a',
          weight: 0.6,
          fillColor: colour(n),
          fillOpacity: n > 0 ? 0.85 : 0.5,
        }
      },
      onEachFeature: (f, l) => {
        const c = byId.get(f.properties.id)
        const text = t('dashboard.mapTooltip', {
          name: localName(f.properties, lng),
          total: formatNumber(c?.total ?? 0, 0, lng),
          open: formatNumber(c?.open ?? 0, 0, lng),
          closed: formatNumber(c?.closed ?? 0, 0, lng),
        })
        l.bindTooltip(textNode(text), { sticky: true })
      },
    }).addTo(map)
    if (!fitted.current && grids.features.length) {
      const b = layer.getBounds()
      if (b.isValid()) {
        map.fitBounds(b, { padding: [12, 12] })
        fitted.current = true
      }
    }
    return () => {
      layer.remove()
    }
  }, [map, grids, byId, bounds, t, i18n.language])

  let low = 1
  return (
    <div className="choropleth">
      <section ref={ref} className="choropleth-map" data-testid="dash-map" aria-label={t('dashboard.mapTitle')} />
      <ul className="map-legend" data-testid="dash-map-legend" aria-label={t('dashboard.legend')}>
        <li>
          <span className="swatch" style={{ background: EMPTY }} /> 0
        </li>
        {bounds.map(({ bound, colour }) => {
          const from = low
          low = bound + 1
          return (
            <li key={bound}>
              <span className="swatch" style={{ background: colour }} /> {from === bound ? bound : `${from}–${bound}`}
            </li>
          )
        })}
      </ul>
    </div>
  )
}
