// A tiny hash router: routes look like `#/areas` or `#/areas/42`. Hash routing
// needs no server-side fallback, so the static build works behind any server.
import { useEffect, useState } from 'react'

export interface Route {
  /** First path segment, e.g. "areas". */
  page: string
  /** Remaining segments, e.g. ["42"]. */
  params: string[]
}

export function parseHash(hash: string): Route {
  const parts = hash.replace(/^#\/?/, '').split('/').filter(Boolean).map(decodeURIComponent)
  return { page: parts[0] ?? '', params: parts.slice(1) }
}

export function href(...segments: (string | number)[]): string {
  return `#/${segments.map((s) => encodeURIComponent(String(s))).join('/')}`
}

export function navigate(...segments: (string | number)[]): void {
  window.location.hash = href(...segments)
}

/** Like navigate, but without adding a history entry (for defaults and redirects). */
export function replaceRoute(...segments: (string | number)[]): void {
  const url = window.location.pathname + window.location.search + href(...segments)
  window.history.replaceState(window.history.state, '', url)
  window.dispatchEvent(new HashChangeEvent('hashchange'))
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseHash(window.location.hash))
  useEffect(() => {
    const onChange = () => setRoute(parseHash(window.location.hash))
    window.addEventListener('hashchange', onChange)
    return () => window.removeEventListener('hashchange', onChange)
  }, [])
  return route
}
