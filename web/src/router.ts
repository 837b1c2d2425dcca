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

/** Links to the app's pages, so no screen builds a route by hand. */
export const routes = {
  report: () => href('report'),
  track: (code?: string) => (code ? href('track', code) : href('track')),
  login: () => href('login'),
  account: () => href('account'),
  inbox: () => href('inbox'),
  areas: (id?: number) => (id ? href('areas', id) : href('areas')),
  /** The staff workbench, or one case in it. */
  cases: () => href('cases'),
  case: (id: number) => href('cases', id),
  /** A resident's own reports, or one of them. */
  myCases: () => href('my-cases'),
  myCase: (id: number) => href('my-cases', id),
  /** The supervision queue, or one of its sections (returns, shelving, callbacks, rules). */
  supervision: (section?: string) => (section ? href('supervision', section) : href('supervision')),
  registry: (section?: 'people' | 'households' | 'buildings' | 'organisations' | 'places' | 'duplicates') =>
    section ? href('registry', section) : href('registry'),
  registryImport: () => href('registry', 'import'),
  registryGrants: () => href('registry', 'grants'),
  person: (id: number) => href('registry', 'people', id),
  household: (id: number) => href('registry', 'households', id),
  building: (id: number) => href('registry', 'buildings', id),
  /** The dispute register, one dispute, and the module's other sections (petitions are one of them). */
  disputes: () => href('mediation'),
  dispute: (id: number) => href('mediation', id),
  newDispute: () => href('mediation', 'new'),
  petitions: () => href('mediation', 'petitions'),
  petition: (id: number) => href('mediation', 'petitions', id),
  disputeStats: () => href('mediation', 'stats'),
  disputeSettings: () => href('mediation', 'settings'),
  /** Public participation: a process's section, one record of it, or a sub-page (e.g. 'new'). */
  participation: (part: string, ...rest: (string | number)[]) => href('participation', part, ...rest),
  /** Services and social forces: a part's section, one record of it, or a sub-page. */
  services: (part: string, ...rest: (string | number)[]) => href('services', part, ...rest),
  /** Emergency response: a part's section (incidents, checks, alerts, response), one record of it, or a sub-page. */
  emergency: (part: string, ...rest: (string | number)[]) => href('emergency', part, ...rest),
  devices: (part: string, ...rest: (string | number)[]) => href('devices', part, ...rest),
  party: (part: string, ...rest: (string | number)[]) => href('party', part, ...rest),
  training: (part: string, ...rest: (string | number)[]) => href('training', part, ...rest),
  /** KPI assessment: schemes, rankings (or one run's), appeals, rewards and penalties. */
  assessment: (part: string, ...rest: (string | number)[]) => href('assessment', part, ...rest),
  /** The leader dashboard, its big screen (of an area), or the cases behind a figure (see analytics/dashboard). */
  dashboard: (...rest: (string | number)[]) => href('dashboard', ...rest),
  /** Monthly reports: the request form, the job's progress and the list with downloads. */
  monthlyReports: () => href('monthly-reports'),
  /** Early warning: the inbox, or one warning. */
  warnings: (id?: number) => (id === undefined ? href('warnings') : href('warnings', id)),
  /** The staff case map: grids by density, clustered cases, disputes by risk, components with open cases. */
  caseMap: () => href('case-map'),
  /** Key topics: trends, the topic of the month per street, the smart dispatch model, the topic rules. */
  topics: () => href('topics'),
  /** Grid work: the patrol, the patrol log (or one patrol), statistics, the day's tracks. */
  grid: (part: string, ...rest: (string | number)[]) => href('grid', part, ...rest),
  /** The component map and list, one component, or the import ('import'). */
  components: (part?: number | 'import') => (part === undefined ? href('components') : href('components', part)),
}

/** A route parameter that names a record: a positive whole number, else null. */
export function idParam(params: readonly string[], index = 0): number | null {
  const raw = params[index]
  if (!raw || !/^\d+$/.test(raw)) return null
  const n = Number(raw)
  return Number.isSafeInteger(n) && n > 0 ? n : null
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
