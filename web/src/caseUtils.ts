import { useCallback, useEffect, useState } from 'react'
// Helpers shared by the case screens: the category tree, names, keys and cached look-ups.
import { api, isAbort } from './api'
import { localName } from './i18n'
import type { AreaFeatureCollection, AreaNode, CaseDetail, Category, CategoryAttribute, Department } from './types'

/** Leaves of the category tree with their group, in catalogue order. */
export function categoryLeaves(roots: Category[]): { group: Category; leaf: Category }[] {
  const out: { group: Category; leaf: Category }[] = []
  const walk = (n: Category, group: Category) => {
    if (n.isLeaf) out.push({ group, leaf: n })
    else n.children.forEach((c) => walk(c, n))
  }
  roots.forEach((r) => (r.isLeaf ? out.push({ group: r, leaf: r }) : r.children.forEach((c) => walk(c, r))))
  return out
}

export function findCategory(roots: Category[], pred: (c: Category) => boolean): Category | undefined {
  for (const r of roots) {
    if (pred(r)) return r
    const hit = findCategory(r.children, pred)
    if (hit) return hit
  }
  return undefined
}

export function attributeLabel(a: CategoryAttribute, lng: string): string {
  return (lng === 'en' ? a.descriptionEn || a.descriptionZh : a.descriptionZh || a.descriptionEn) || a.code
}

/** A stored attribute value as text, list keys shown by their names. */
export function attributeValueText(a: CategoryAttribute | undefined, v: unknown, lng: string): string {
  if (v === undefined || v === null || v === '') return '—'
  const name = (key: unknown) => {
    const item = a?.values?.find((x) => x.key === key)
    return item ? localName(item, lng) : String(key)
  }
  if (Array.isArray(v)) return v.map(name).join(lng === 'en' ? ', ' : '、')
  if (a?.datatype === 'singlevaluelist') return name(v)
  if (a?.datatype === 'datetime' && typeof v === 'string') {
    const d = new Date(v)
    if (!Number.isNaN(d.getTime()))
      return new Intl.DateTimeFormat(lng, { dateStyle: 'medium', timeStyle: 'short' }).format(d)
  }
  return String(v)
}

/**
 * One key per form, so that a double click or a retry of the same report creates one case.
 * crypto.randomUUID needs a secure context; getRandomValues works everywhere.
 */
export function newIdempotencyKey(): string {
  if (typeof crypto.randomUUID === 'function') return crypto.randomUUID()
  const b = crypto.getRandomValues(new Uint8Array(16))
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('')
}

// Catalogue, area tree, grid boundaries and departments change rarely: load each once per page
// load, and forget a failed load so the next screen tries again.
const cache = new Map<string, Promise<unknown>>()
function once<T>(key: string, load: () => Promise<T>): Promise<T> {
  let p = cache.get(key) as Promise<T> | undefined
  if (!p) {
    p = load()
    cache.set(key, p)
    p.catch(() => cache.delete(key))
  }
  return p
}

export const loadCategories = () => once('categories', () => api.categories().then((r) => r.categories))
export const loadAreaTree = () => once('areaTree', () => api.areaTree().then((r) => r.areas))
/** Every active grid under the first root (the city). */
export const loadAllGrids = () =>
  once('grids', async (): Promise<AreaFeatureCollection> => {
    const roots = await loadAreaTree()
    const root = roots[0]
    return root ? api.boundaries({ within: root.id, level: 'grid' }) : { type: 'FeatureCollection', features: [] }
  })
export const loadDepartments = () =>
  once('departments', async (): Promise<Department[]> => {
    const first = await api.departments({ pageSize: 500 })
    const all = [...first.items]
    for (let page = 2; (page - 1) * first.pageSize < first.total && page <= 10; page++) {
      all.push(...(await api.departments({ page, pageSize: 500 })).items)
    }
    return all
  })

/** Ids of the grids inside `areaId` (the area itself when it is a grid). */
export function gridIdsWithin(roots: AreaNode[], areaId: number): Set<number> {
  const ids = new Set<number>()
  const collect = (n: AreaNode) => {
    if (n.level === 'grid') ids.add(n.id)
    n.children.forEach(collect)
  }
  const find = (nodes: AreaNode[]): AreaNode | undefined => {
    for (const n of nodes) {
      if (n.id === areaId) return n
      const hit = find(n.children)
      if (hit) return hit
    }
    return undefined
  }
  const node = find(roots)
  if (node) collect(node)
  return ids
}

/** `geo:` link that opens the phone's map app at the point. */
export function geoUri(lat: number, lng: number): string {
  return `geo:${lat},${lng}?q=${lat},${lng}`
}

/** Loads one case; `reload` fetches it again, `setDetail` takes an answer the caller already has. */
export function useCaseDetail(id: number) {
  const [detail, setDetail] = useState<CaseDetail | null>(null)
  const [error, setError] = useState<unknown>(null)
  const [attempt, setAttempt] = useState(0)
  useEffect(() => {
    const ctrl = new AbortController()
    setError(null)
    api
      .caseDetail(id, ctrl.signal)
      .then(setDetail)
      .catch((err) => !isAbort(err) && setError(err))
    return () => ctrl.abort()
  }, [id, attempt])
  const reload = useCallback(() => setAttempt((n) => n + 1), [])
  return { detail, setDetail, error, setError, reload }
}
