import { useEffect, useRef } from 'react'
import { useTranslation } from 'react-i18next'
import L from 'leaflet'
import type { Feature, Geometry } from 'geojson'
import { formatNumber, localName } from '../i18n'
import type { AppConfig, AreaDetail, AreaFeatureCollection, AreaFeatureProps, AreaLevel, Coverage } from '../types'

const LEVEL_COLORS: Record<AreaLevel, string> = {
  city: '#1f5f8b',
  district: '#6a4c93',
  street: '#2a9d8f',
  community: '#c77d12',
  grid: '#2f6fdb',
}

// Permanent labels help when there are few polygons; beyond this they only clutter.
const MAX_PERMANENT_LABELS = 40

interface Props {
  selected: AreaDetail | null
  childAreas: AreaFeatureCollection | null
  grids: AreaFeatureCollection | null
  coverage: Coverage | null
  config: AppConfig | null
  /** The map refits its view whenever this key changes (i.e. on a new selection). */
  fitKey: number | null
  onSelect: (id: number) => void
}

/** Tooltip content as a DOM node, so area names are never parsed as HTML. */
function textNode(text: string): HTMLElement {
  const span = document.createElement('span')
  span.textContent = text
  return span
}

function areaClass(level: AreaLevel, extra = ''): string {
  // Tests count `path.area-polygon`; one SVG path per feature, MultiPolygons included.
  return `area-polygon area-level-${level}${extra ? ` ${extra}` : ''}`
}

export function AreaMap({ selected, childAreas, grids, coverage, config, fitKey, onSelect }: Props) {
  const { t, i18n } = useTranslation()
  const containerRef = useRef<HTMLElement>(null)
  const mapRef = useRef<L.Map | null>(null)
  const areaLayerRef = useRef<L.FeatureGroup | null>(null)
  const coverageLayerRef = useRef<L.FeatureGroup | null>(null)
  const fittedKeyRef = useRef<number | null>(null)
  // Layers are rebuilt only when data changes, so read the latest callback through a ref.
  const onSelectRef = useRef(onSelect)
  onSelectRef.current = onSelect

  // Create the map once. No base tiles by default: boundaries draw on a plain background.
  useEffect(() => {
    const el = containerRef.current
    if (!el) return
    const map = L.map(el, { zoomControl: false, attributionControl: true, zoomSnap: 0.25 }).setView([35, 105], 4)
    areaLayerRef.current = L.featureGroup().addTo(map)
    coverageLayerRef.current = L.featureGroup().addTo(map)
    mapRef.current = map
    // The map sits in a flexible layout; keep Leaflet's idea of its size current.
    const ro = new ResizeObserver(() => map.invalidateSize())
    ro.observe(el)
    return () => {
      ro.disconnect()
      map.remove()
      mapRef.current = null
      areaLayerRef.current = null
      coverageLayerRef.current = null
      fittedKeyRef.current = null
    }
  }, [])

  // Zoom buttons carry translated titles, so rebuild them on language change.
  useEffect(() => {
    const map = mapRef.current
    if (!map) return
    const zoom = L.control.zoom({ zoomInTitle: t('map.zoomIn'), zoomOutTitle: t('map.zoomOut') }).addTo(map)
    return () => {
      zoom.remove()
    }
  }, [t])

  // Optional base map, only when the server is configured with one.
  useEffect(() => {
    const map = mapRef.current
    if (!map || !config?.tileUrl) return
    const tiles = L.tileLayer(config.tileUrl, {
      attribution: config.tileAttribution ?? undefined,
      maxZoom: 19,
    }).addTo(map)
    tiles.bringToBack()
    return () => {
      tiles.remove()
    }
  }, [config?.tileUrl, config?.tileAttribution])

  // Selected area outline, its children, and (for higher levels) all grids within it.
  useEffect(() => {
    const map = mapRef.current
    const group = areaLayerRef.current
    if (!map || !group) return
    group.clearLayers()
    const lng = i18n.language

    const label = (l: L.Layer, name: string, permanent: boolean) =>
      l.bindTooltip(textNode(name), {
        permanent,
        sticky: !permanent,
        direction: permanent ? 'center' : 'auto',
        className: permanent ? 'area-label' : 'area-tooltip',
      })

    if (selected?.boundary) {
      const feature: Feature<Geometry, AreaFeatureProps> = {
        type: 'Feature',
        geometry: selected.boundary,
        properties: {
          id: selected.id,
          parentId: selected.parentId,
          level: selected.level,
          code: selected.code,
          nameZh: selected.nameZh,
          nameEn: selected.nameEn,
        },
      }
      L.geoJSON<AreaFeatureProps>(feature, {
        interactive: false, // let clicks reach the children drawn above
        style: () => ({
          className: areaClass(selected.level, 'area-selected'),
          color: LEVEL_COLORS[selected.level],
          weight: 3,
          fillOpacity: 0.04,
        }),
        onEachFeature: (f, l) => {
          // A leaf (grid) shows nothing else, so name it on the map.
          if (!childAreas?.features.length) label(l, localName(f.properties, lng), true)
        },
      }).addTo(group)
    }

    // Clickable, filled polygons; clicking one selects it.
    const addFilled = (fc: AreaFeatureCollection, thin: boolean, permanentLabels: boolean) => {
      const layer = L.geoJSON<AreaFeatureProps>(fc, {
        style: (f) => {
          const level = f?.properties.level ?? 'grid'
          return {
            className: areaClass(level),
            color: LEVEL_COLORS[level],
            weight: thin ? 1.2 : 2,
            fillOpacity: thin ? 0.1 : 0.14,
          }
        },
        pointToLayer: (_f, latlng) => L.circleMarker(latlng, { radius: 5 }),
        onEachFeature: (f, l) => {
          label(l, localName(f.properties, lng), permanentLabels)
          l.on('click', () => onSelectRef.current(f.properties.id))
          l.on('mouseover', () => (l as L.Path).setStyle({ weight: thin ? 2.5 : 3.5, fillOpacity: 0.3 }))
          l.on('mouseout', () => layer.resetStyle(l))
        },
      })
      layer.addTo(group)
    }

    const few = (fc: AreaFeatureCollection) => fc.features.length <= MAX_PERMANENT_LABELS
    if (grids?.features.length) {
      // Grids below, children as bold outlines on top so their borders stay visible
      // through the finer grid mesh; grid names show on hover to avoid clutter.
      addFilled(grids, true, false)
      if (childAreas) {
        L.geoJSON<AreaFeatureProps>(childAreas, {
          interactive: false,
          style: (f) => {
            const level = f?.properties.level ?? 'grid'
            return { className: areaClass(level), color: LEVEL_COLORS[level], weight: 3, fill: false }
          },
          onEachFeature: (f, l) => {
            if (few(childAreas)) label(l, localName(f.properties, lng), true)
          },
        }).addTo(group)
      }
    } else if (childAreas) {
      addFilled(childAreas, childAreas.features[0]?.properties.level === 'grid', few(childAreas))
    }

    // Fit once per selection, not on every language switch.
    if (fitKey != null && fittedKeyRef.current !== fitKey && group.getLayers().length) {
      const bounds = group.getBounds()
      if (bounds.isValid()) {
        map.fitBounds(bounds, { padding: [24, 24], maxZoom: 18 })
        fittedKeyRef.current = fitKey
      }
    }
  }, [selected, childAreas, grids, fitKey, i18n.language])

  // Coverage problems: gaps red, overlaps orange, parts of children outside the parent purple.
  useEffect(() => {
    const group = coverageLayerRef.current
    if (!group) return
    group.clearLayers()
    if (!coverage) return
    const add = (geometry: Geometry, className: string, color: string, label: string) => {
      L.geoJSON(geometry, {
        style: () => ({ className, color, weight: 2, fillColor: color, fillOpacity: 0.55 }),
        onEachFeature: (_f, l) => l.bindTooltip(textNode(label), { sticky: true }),
      }).addTo(group)
    }
    const m2 = (v: number) => t('units.m2', { value: formatNumber(v, 1, i18n.language) })
    for (const g of coverage.gaps)
      add(g.geometry, 'coverage-gap', '#d32f2f', t('coverage.gapTooltip', { area: m2(g.areaM2) }))
    for (const o of coverage.overlaps)
      add(o.geometry, 'coverage-overlap', '#f57c00', t('coverage.overlapTooltip', { area: m2(o.areaM2) }))
    for (const o of coverage.outside)
      add(o.geometry, 'coverage-outside', '#8e24aa', t('coverage.outsideTooltip', { area: m2(o.areaM2) }))
    group.bringToFront()
  }, [coverage, t, i18n.language])

  return (
    <div className="area-map-wrap">
      <section ref={containerRef} className="area-map" data-testid="area-map" aria-label={t('map.label')} />
    </div>
  )
}
