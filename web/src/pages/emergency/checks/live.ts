import { useEffect, useMemo, useRef, useState, useSyncExternalStore } from 'react'
import { queryClient } from '../../../api/queries'
import {
  checkKeys,
  flushQueue,
  followChecks,
  mergeRows,
  onQueueChange,
  readQueue,
  type CheckRow,
  type QueuedMark,
} from './api'

/**
 * Follows the incident's live stream while mounted: summaries go to the summary query, changed
 * rows into the loaded lists (and to `onChanges`). Answers whether the stream is connected.
 */
export function useLiveChecks(incidentId: number, onChanges?: (rows: CheckRow[]) => void): boolean {
  const [live, setLive] = useState(false)
  const callback = useRef(onChanges)
  callback.current = onChanges
  useEffect(() => {
    const stop = new AbortController()
    void followChecks(
      incidentId,
      {
        onSummary: (s) => queryClient.setQueryData(checkKeys.summary(incidentId), s),
        onChanges: (rows) => {
          mergeRows(incidentId, rows)
          callback.current?.(rows)
        },
        onState: setLive,
      },
      stop.signal,
    )
    return () => stop.abort()
  }, [incidentId])
  return live
}

const QUEUE_KEY = 'grassroots.emergency.checks.queue'
const snapshot = () => localStorage.getItem(QUEUE_KEY) ?? '[]'
const subscribe = (listener: () => void) => {
  const off = onQueueChange(listener)
  window.addEventListener('storage', listener)
  return () => {
    off()
    window.removeEventListener('storage', listener)
  }
}

/**
 * The incident's marks waiting in the phone's queue, sent whenever the phone is (back) online,
 * every 20 s while some wait, and at once when one is added.
 */
export function useOutbox(incidentId: number) {
  const raw = useSyncExternalStore(subscribe, snapshot)
  const [online, setOnline] = useState(() => navigator.onLine)
  const queue = useMemo(() => {
    void raw
    return readQueue().filter((m) => m.incidentId === incidentId)
  }, [raw, incidentId])
  const waiting = queue.filter((m) => !m.failed)
  const failed = queue.filter((m) => m.failed)
  useEffect(() => {
    const up = () => {
      setOnline(true)
      void flushQueue(incidentId)
    }
    const down = () => setOnline(false)
    window.addEventListener('online', up)
    window.addEventListener('offline', down)
    void flushQueue(incidentId)
    const timer = setInterval(() => {
      if (navigator.onLine) void flushQueue(incidentId)
    }, 20_000)
    return () => {
      window.removeEventListener('online', up)
      window.removeEventListener('offline', down)
      clearInterval(timer)
    }
  }, [incidentId])
  /** The newest waiting mark of each check: what the phone shows until the server has it. */
  const pendingByCheck = useMemo(() => {
    const m = new Map<number, QueuedMark>()
    for (const q of waiting) {
      const prev = m.get(q.update.checkId)
      if (!prev || prev.update.observedAt <= q.update.observedAt) m.set(q.update.checkId, q)
    }
    return m
  }, [waiting])
  return { waiting, failed, online, pendingByCheck, flush: () => flushQueue(incidentId) }
}
