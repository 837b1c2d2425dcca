import { useQuery } from '@tanstack/react-query'
import { useEffect, useMemo, useRef, useState } from 'react'
import { useTranslation } from 'react-i18next'
import L from 'leaflet'
import { ApiError } from '../api'
import { queries } from '../api/queries'
import { gridIdsWithin } from '../caseUtils'
import { localName } from '../i18n'
import { pinIcon, textNode, useLeafletMap } from '../leafletMap'
import type { AppConfig, AreaFeatureCollection, AreaFeatureProps, LngLat } from '../types'

const round = (v: number) => Math.round(v * 1e7) / 1e7
const inRange = (lat: number, lng: number) => Math.abs(lat) <= 90 && Math.abs(lng) <= 180

interface Props {
  value: LngLat | null
  onChange: (v: LngLat) => void
  config: AppConfig | null
  /** Areas to show first (the user's own), when known. */
  focusAreaIds: number[]
}

const NO_GRIDS: AreaFeatureCollection = { type: 'FeatureCollection', features: [] }

/** The value once it has stopped changing for `ms`. */
function useSettled<T>(value: T, ms: number): T {
  const [settled, setSettled] = useState(value)
  useEffect(() => {
    const timer = setTimeout(() => setSettled(value), ms)
    return () => clearTimeout(timer)
  }, [value, ms])
  return settled
}

/**
 * Pin a place on a map of the grids: a click sets the pin, "use my location" asks the device, and
 * the coordinates can be typed for precision. Shows which grid the pin falls into.
 */
export function LocationPicker({ value, onChange, config, focusAreaIds }: Props) {
  const { t, i18n } = useTranslation()
  const ref = useRef<HTMLElement>(null)
  const map = useLeafletMap(ref, config)
  const gridsQuery = useQuery(queries.allGrids())
  const treeQuery = useQuery(queries.areaTree())
  // Without grids (they failed to load) the map still takes a pin.
  const grids = gridsQuery.data ?? (gridsQuery.isError || treeQuery.isError ? NO_GRIDS : null)
  const [latText, setLatText] = useState(value ? String(value.lat) : '')
  const [lngText, setLngText] = useState(value ? String(value.lng) : '')
  const [geoError, setGeoError] = useState<string | null>(null)
  const [locating, setLocating] = useState(false)
  const markerRef = useRef<L.Marker | null>(null)
  const onChangeRef = useRef(onChange)
  onChangeRef.current = onChange
  const focusKey = focusAreaIds.join(',')

  const tree = treeQuery.data
  const focus = useMemo(() => {
    if (!tree) return null
    const ids = new Set<number>()
    for (const id of focusKey ? focusKey.split(',').map(Number) : [])
      for (const g of gridIdsWithin(tree, id)) ids.add(g)
    return ids
  }, [tree, focusKey])

  // Grids as a light mesh with names on hover; the user's own grids fit the first view.
  useEffect(() => {
    if (!map || !grids) return
    const lng = i18n.language
    const layer = L.geoJSON<AreaFeatureProps>(grids, {
      style: (f) => ({
        className: 'area-polygon area-level-grid picker-grid',
        color: '#2f6fdb',
        weight: focus?.has(f?.properties.id ?? -1) ? 1.6 : 1,
        fillOpacity: focus?.has(f?.properties.id ?? -1) ? 0.12 : 0.05,
      }),
      onEachFeature: (f, l) =>
        l.bindTooltip(textNode(localName(f.properties, lng)), { sticky: true, className: 'area-tooltip' }),
    }).addTo(map)
    return () => {
      layer.remove()
    }
  }, [map, grids, focus, i18n.language])

  // First view: the user's grids, else all grids. Only once, so later clicks do not jump.
  const fittedRef = useRef(false)
  useEffect(() => {
    if (!map || !grids || !focus || fittedRef.current) return
    fittedRef.current = true
    if (value) {
      map.setView([value.lat, value.lng], 16)
      return
    }
    const own = grids.features.filter((f) => focus.has(f.properties.id))
    const fc = L.geoJSON({
      type: 'FeatureCollection',
      features: own.length ? own : grids.features,
    } as AreaFeatureCollection)
    const b = fc.getBounds()
    if (b.isValid()) map.fitBounds(b, { padding: [16, 16], maxZoom: 17 })
  }, [map, grids, focus, value])

  useEffect(() => {
    if (!map) return
    const click = (e: L.LeafletMouseEvent) =>
      onChangeRef.current({ lat: round(e.latlng.lat), lng: round(e.latlng.lng) })
    map.on('click', click)
    return () => {
      map.off('click', click)
    }
  }, [map])

  // The pin follows the value; typed or device positions are brought into view.
  useEffect(() => {
    if (!map) return
    if (!value) {
      markerRef.current?.remove()
      markerRef.current = null
      return
    }
    const ll = L.latLng(value.lat, value.lng)
    // A marker left from an earlier map instance (the map is re-created on remount) is replaced.
    if (!markerRef.current || !map.hasLayer(markerRef.current))
      markerRef.current = L.marker(ll, { icon: pinIcon(), keyboard: false }).addTo(map)
    else markerRef.current.setLatLng(ll)
    if (!map.getBounds().contains(ll)) map.setView(ll, Math.max(map.getZoom(), 16))
  }, [map, value])

  // Keep the typed text in step with pins set on the map or by the device. (Typing updates the value
  // too, and then the numbers already agree.)
  const [shownValue, setShownValue] = useState(value)
  if (value !== shownValue) {
    setShownValue(value)
    if (value && Number(latText) !== value.lat) setLatText(String(value.lat))
    if (value && Number(lngText) !== value.lng) setLngText(String(value.lng))
  }

  // Which grid is this? Answered by the server once the pin rests, so the resident sees where the report will go.
  const settled = useSettled(value, 250)
  const locate = useQuery({ ...queries.locate(settled ?? { lng: 0, lat: 0 }), enabled: !!settled, retry: false })
  const located = !value
    ? ({ state: 'idle' } as const)
    : settled !== value || locate.isFetching || locate.isPending
      ? ({ state: 'loading' } as const)
      : locate.isError
        ? ({
            state:
              locate.error instanceof ApiError && locate.error.code === 'AREA_OUTSIDE_ALL_GRIDS' ? 'outside' : 'error',
          } as const)
        : ({ state: 'ok', result: locate.data } as const)

  const typed = (lat: string, lng: string) => {
    setLatText(lat)
    setLngText(lng)
    const la = Number(lat)
    const ln = Number(lng)
    if (lat.trim() && lng.trim() && Number.isFinite(la) && Number.isFinite(ln) && inRange(la, ln))
      onChange({ lat: la, lng: ln })
  }

  const canLocate = typeof navigator !== 'undefined' && 'geolocation' in navigator
  const locateMe = () => {
    setGeoError(null)
    setLocating(true)
    navigator.geolocation.getCurrentPosition(
      (pos) => {
        setLocating(false)
        const v = { lat: round(pos.coords.latitude), lng: round(pos.coords.longitude) }
        onChange(v)
        map?.setView([v.lat, v.lng], 17)
      },
      (err) => {
        setLocating(false)
        setGeoError(err.code === err.PERMISSION_DENIED ? t('report.geoDenied') : t('report.geoUnavailable'))
      },
      { enableHighAccuracy: true, timeout: 15_000, maximumAge: 60_000 },
    )
  }

  const lng = i18n.language
  return (
    <div className="location-picker">
      <section ref={ref} className="picker-map" data-testid="report-map" aria-label={t('report.mapLabel')} />
      <p className="muted hint">{t('report.mapHint')}</p>
      <div className="picker-row">
        {canLocate && (
          <button
            type="button"
            className="btn btn-small"
            data-testid="report-locate-me"
            onClick={locateMe}
            disabled={locating}
          >
            {locating ? t('report.locating') : t('report.useMyLocation')}
          </button>
        )}
        <label className="coord">
          <span>{t('report.lat')}</span>
          <input
            data-testid="report-lat"
            inputMode="decimal"
            value={latText}
            onChange={(e) => typed(e.target.value, lngText)}
          />
        </label>
        <label className="coord">
          <span>{t('report.lng')}</span>
          <input
            data-testid="report-lng"
            inputMode="decimal"
            value={lngText}
            onChange={(e) => typed(latText, e.target.value)}
          />
        </label>
      </div>
      {geoError && <p className="field-error">{geoError}</p>}
      <p
        className={`located located-${located.state}`}
        data-testid="report-grid"
        data-state={located.state}
        aria-live="polite"
      >
        {located.state === 'idle' && t('report.noPin')}
        {located.state === 'loading' && t('common.loading')}
        {located.state === 'outside' && t('errors.AREA_OUTSIDE_ALL_GRIDS')}
        {located.state === 'error' && t('errors.UNKNOWN')}
        {located.state === 'ok' &&
          t('report.inGrid', {
            path: [...located.result.ancestors.slice(1), located.result.grid].map((a) => localName(a, lng)).join(' › '),
          })}
      </p>
    </div>
  )
}
