import { useMutation, useQuery } from '@tanstack/react-query'
import { useCallback, useEffect, useRef, useState } from 'react'
import { useTranslation } from 'react-i18next'
import { ApiError, call, client } from '../../api'
import { queryClient } from '../../api/queries'
import type { ApiResponse } from '../../api/schema'
import { ErrorBanner } from '../../components/ErrorBanner'
import type { AppConfig, User } from '../../types'
import { TrackMap, timeText, useDistance, useDuration } from './common'

// The grid worker's phone page: start a patrol, record the track with the browser's geolocation,
// end it. Points go into an outbox kept in localStorage before anything is sent, so a lost
// connection (or a closed tab) loses nothing: the outbox is sent in batches of at most 500, each
// with an Idempotency-Key chosen when the batch is cut and kept with it, so a batch whose answer was
// lost is sent again under the same key and counts once. Points carry the phone's own time; the
// server puts them in order.

type Point = { at: string; lng: number; lat: number; accuracy?: number }
type Detail = ApiResponse<'/api/v1/grid/patrols/{id}'>
interface Outbox {
  patrolId: number
  pending: Point[]
  batch: { key: string; points: Point[] } | null
}

const STORE = 'grassroots.patrol.outbox'
const FLUSH_MS = 10_000

function loadOutbox(): Outbox | null {
  try {
    const raw = localStorage.getItem(STORE)
    return raw ? (JSON.parse(raw) as Outbox) : null
  } catch {
    return null
  }
}
function saveOutbox(o: Outbox | null) {
  try {
    if (o) localStorage.setItem(STORE, JSON.stringify(o))
    else localStorage.removeItem(STORE)
  } catch {
    /* storage full or blocked: the points stay in memory */
  }
}
const newKey = () => (crypto.randomUUID ? crypto.randomUUID() : `${Date.now()}-${Math.random()}`)

export function PatrolPhone({ user, config }: { user: User; config: AppConfig | null }) {
  const { t, i18n } = useTranslation()
  const distance = useDistance()
  const duration = useDuration()
  const activeQ = useQuery({
    queryKey: ['grid', 'patrols', 'active', user.id],
    queryFn: ({ signal }) =>
      call(
        client.GET('/api/v1/grid/patrols', {
          params: { query: { workerId: user.id, active: true, pageSize: 1 } },
          signal,
        }),
      ),
  })
  const active = activeQ.data?.items[0] ?? null
  const detailQ = useQuery({
    queryKey: ['grid', 'patrol', active?.id],
    enabled: !!active,
    queryFn: ({ signal }) =>
      call(client.GET('/api/v1/grid/patrols/{id}', { params: { path: { id: active!.id } }, signal })),
  })
  const outboxRef = useRef<Outbox | null>(loadOutbox())
  const [outbox, setOutboxState] = useState<Outbox | null>(outboxRef.current)
  const setOutbox = useCallback((o: Outbox | null) => {
    outboxRef.current = o
    saveOutbox(o)
    setOutboxState(o ? { ...o } : null)
  }, [])
  const [sent, setSent] = useState<{ pointCount: number; distanceM: number; gridCount: number } | null>(null)
  // Points this page sent since the track was last read from the server.
  const [sentPoints, setSentPoints] = useState<Point[]>([])
  const [online, setOnline] = useState(navigator.onLine)
  const [geoError, setGeoError] = useState<string | null>(null)
  const [ended, setEnded] = useState<Detail | null>(null)
  const [error, setError] = useState<unknown>(null)
  const flushing = useRef(false)

  // An outbox of another (ended) patrol has nothing left to go to.
  useEffect(() => {
    if (activeQ.isSuccess && outboxRef.current && outboxRef.current.patrolId !== active?.id) setOutbox(null)
    if (active && !outboxRef.current) setOutbox({ patrolId: active.id, pending: [], batch: null })
  }, [activeQ.isSuccess, active, setOutbox])

  const flush = useCallback(async () => {
    const o = outboxRef.current
    if (!o || flushing.current) return
    flushing.current = true
    try {
      while (outboxRef.current) {
        const cur = outboxRef.current
        if (!cur.batch) {
          if (cur.pending.length === 0) break
          setOutbox({
            ...cur,
            batch: { key: newKey(), points: cur.pending.slice(0, 500) },
            pending: cur.pending.slice(500),
          })
          continue
        }
        const res = await call(
          client.POST('/api/v1/grid/patrols/{id}/points', {
            params: { path: { id: cur.patrolId }, header: { 'idempotency-key': cur.batch.key } },
            body: { points: cur.batch.points },
          }),
        )
        setSent(res)
        const batch = cur.batch.points
        setSentPoints((before) => [...before, ...batch])
        setOnline(true)
        setOutbox({ ...outboxRef.current!, batch: null })
      }
    } catch (err) {
      if (err instanceof ApiError && err.code !== 'NETWORK') {
        // Ended elsewhere, or not this worker's any more: the points have nowhere to go.
        if (['PATROL_ENDED', 'PATROL_NOT_FOUND', 'PATROL_NOT_YOURS'].includes(err.code)) {
          setOutbox(null)
          void queryClient.invalidateQueries({ queryKey: ['grid'] })
        } else setError(err)
      } else setOnline(false)
    } finally {
      flushing.current = false
    }
  }, [setOutbox])

  useEffect(() => {
    if (!active) return
    const timer = window.setInterval(() => void flush(), FLUSH_MS)
    const back = () => {
      setOnline(true)
      void flush()
    }
    const gone = () => setOnline(false)
    window.addEventListener('online', back)
    window.addEventListener('offline', gone)
    return () => {
      window.clearInterval(timer)
      window.removeEventListener('online', back)
      window.removeEventListener('offline', gone)
    }
  }, [active, flush])

  // The track: every position the browser reports while the patrol is under way.
  useEffect(() => {
    if (!active) return
    if (!('geolocation' in navigator)) {
      setGeoError(t('grid.patrol.phone.noGeolocation'))
      return
    }
    const watch = navigator.geolocation.watchPosition(
      (pos) => {
        const o = outboxRef.current
        if (!o || o.patrolId !== active.id) return
        const at = new Date(pos.timestamp || Date.now()).toISOString()
        const last = o.pending.at(-1) ?? o.batch?.points.at(-1)
        if (last && last.at === at) return
        setGeoError(null)
        setOutbox({
          ...o,
          pending: [
            ...o.pending,
            {
              at,
              lng: pos.coords.longitude,
              lat: pos.coords.latitude,
              ...(Number.isFinite(pos.coords.accuracy) ? { accuracy: Math.min(100000, pos.coords.accuracy) } : {}),
            },
          ],
        })
      },
      (err) => setGeoError(err.code === err.PERMISSION_DENIED ? t('grid.patrol.phone.geoDenied') : err.message),
      { enableHighAccuracy: true, maximumAge: 0 },
    )
    return () => navigator.geolocation.clearWatch(watch)
  }, [active, setOutbox, t])

  const start = useMutation({
    mutationFn: (key: string) =>
      call(client.POST('/api/v1/grid/patrols', { params: { header: { 'idempotency-key': key } }, body: {} })),
    onSuccess: (p) => {
      setEnded(null)
      setSent(null)
      setSentPoints([])
      setOutbox({ patrolId: p.id, pending: [], batch: null })
      void queryClient.invalidateQueries({ queryKey: ['grid'] })
    },
  })
  const startKey = useRef(newKey())
  const end = useMutation({
    mutationFn: async () => {
      await flush()
      const o = outboxRef.current
      const rest = [...(o?.batch?.points ?? []), ...(o?.pending ?? [])]
      return call(
        client.POST('/api/v1/grid/patrols/{id}/end', {
          params: { path: { id: active!.id }, header: { 'idempotency-key': `end-${active!.id}` } },
          body: rest.length ? { points: rest.slice(0, 500) } : {},
        }),
      )
    },
    onSuccess: (d) => {
      setOutbox(null)
      setEnded(d)
      startKey.current = newKey()
      void queryClient.invalidateQueries({ queryKey: ['grid'] })
    },
  })

  const serverTrack = detailQ.data?.track ?? []
  const queued = [...(outbox?.batch?.points ?? []), ...(outbox?.pending ?? [])]
  const coordinates = [...serverTrack, ...sentPoints, ...queued]
    .sort((a, b) => a.at.localeCompare(b.at))
    .filter((p, i, all) => i === 0 || p.at !== all[i - 1]!.at)
    .map((p) => [p.lng, p.lat])
  const waiting = queued.length

  return (
    <section className="patrol-phone" data-testid="patrol-phone">
      <h2>{t('grid.patrol.phone.heading')}</h2>
      <ErrorBanner error={error ?? start.error ?? end.error} />
      {!active && (
        <>
          {ended && (
            <p role="status" data-testid="patrol-ended">
              {t('grid.patrol.phone.ended', {
                distance: distance(ended.distanceM),
                duration: duration(ended.durationSeconds),
              })}
            </p>
          )}
          <p className="muted">{t('grid.patrol.phone.idle')}</p>
          <button
            type="button"
            className="primary big"
            data-testid="patrol-start"
            disabled={start.isPending || activeQ.isPending}
            onClick={() => start.mutate(startKey.current)}
          >
            {t('grid.patrol.phone.start')}
          </button>
        </>
      )}
      {active && (
        <>
          <p role="status" data-testid="patrol-running">
            {t('grid.patrol.phone.running', { time: timeText(active.startedAt, i18n.language) })}
          </p>
          <dl className="grid-figures">
            <div>
              <dt>{t('grid.patrol.phone.distance')}</dt>
              <dd data-testid="patrol-distance">{distance(sent?.distanceM ?? detailQ.data?.distanceM ?? 0)}</dd>
            </div>
            <div>
              <dt>{t('grid.patrol.phone.grids')}</dt>
              <dd>{sent?.gridCount ?? detailQ.data?.gridCount ?? 0}</dd>
            </div>
          </dl>
          <p data-testid="patrol-points">
            {t('grid.patrol.phone.points', { count: coordinates.length })} ·{' '}
            <span data-testid="patrol-pending">
              {waiting > 0 ? t('grid.patrol.phone.pending', { count: waiting }) : t('grid.patrol.phone.synced')}
            </span>
          </p>
          {!online && (
            <p className="grid-warning" role="status" data-testid="patrol-offline">
              {t('grid.patrol.phone.offline')}
            </p>
          )}
          {geoError && <p className="grid-warning">{geoError}</p>}
          <TrackMap
            tracks={[{ id: active.id, coordinates }]}
            config={config}
            label={t('grid.patrol.phone.map')}
            live
            testId="patrol-map"
          />
          <button
            type="button"
            className="danger big"
            data-testid="patrol-end"
            disabled={end.isPending}
            onClick={() => end.mutate()}
          >
            {t('grid.patrol.phone.end')}
          </button>
        </>
      )}
    </section>
  )
}
