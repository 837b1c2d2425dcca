import type { AreaNode } from './types'

/** All nodes of the tree, depth first. */
export function flattenTree(roots: AreaNode[]): AreaNode[] {
  const out: AreaNode[] = []
  const walk = (nodes: AreaNode[]) => {
    for (const n of nodes) {
      out.push(n)
      walk(n.children)
    }
  }
  walk(roots)
  return out
}

/** Nodes from a root down to `id` (inclusive), or [] when absent. */
export function pathTo(roots: AreaNode[], id: number): AreaNode[] {
  for (const n of roots) {
    if (n.id === id) return [n]
    const sub = pathTo(n.children, id)
    if (sub.length) return [n, ...sub]
  }
  return []
}

/**
 * Keeps nodes whose names or code contain `query`, plus their ancestors, so a
 * match is always shown in context. Returns the pruned copy.
 */
export function filterTree(roots: AreaNode[], query: string): AreaNode[] {
  const q = query.trim().toLowerCase()
  if (!q) return roots
  const matches = (n: AreaNode) =>
    n.nameZh.toLowerCase().includes(q) || n.nameEn.toLowerCase().includes(q) || n.code.toLowerCase().includes(q)
  const prune = (nodes: AreaNode[]): AreaNode[] =>
    nodes.flatMap((n) => {
      const children = prune(n.children)
      return matches(n) || children.length ? [{ ...n, children }] : []
    })
  return prune(roots)
}
