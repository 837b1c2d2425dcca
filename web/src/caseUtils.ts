// Helpers shared by the case screens: the category tree, names, keys and cached look-ups.
import { useQuery } from '@tanstack/react-query'
import { queries } from './api/queries'
import { localName } from './i18n'
import type { AreaNode, Category, CategoryAttribute } from './types'

/** Leaves of the category tree with their group, in catalogue order. */
export function categoryLeaves(roots: Category[]): { group: Category; leaf: Category }[] {
  const out: { group: Category; leaf: Category }[] = []
  const walk = (n: Category, group: Category) => {
    if (n.isLeaf) out.push({ group, leaf: n })
    else for (const c of n.children) walk(c, n)
  }
  for (const r of roots) {
    if (r.isLeaf) out.push({ group: r, leaf: r })
    else for (const c of r.children) walk(c, r)
  }
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

/** One case, kept in the query cache: an action's answer replaces it there (see caseChanged). */
export function useCaseDetail(id: number) {
  return useQuery(queries.caseDetail(id))
}
