import { useEffect, useMemo, useRef, useState } from 'react'
import { useTranslation } from 'react-i18next'
import { filterTree, pathTo } from '../areaUtils'
import { localName } from '../i18n'
import type { AreaNode } from '../types'
import { Icon } from './Icon'

interface Props {
  roots: AreaNode[]
  selectedId: number | null
  onSelect: (id: number) => void
}

/** Collapsible area hierarchy with a name/code filter. */
export function AreaTree({ roots, selectedId, onSelect }: Props) {
  const { t } = useTranslation()
  const [query, setQuery] = useState('')
  const [expanded, setExpanded] = useState<Set<number>>(() => new Set(roots.map((r) => r.id)))

  // Reveal the selected area (e.g. chosen on the map or from the URL).
  useEffect(() => {
    if (selectedId == null) return
    const ids = pathTo(roots, selectedId).map((n) => n.id)
    setExpanded((prev) => (ids.every((id) => prev.has(id)) ? prev : new Set([...prev, ...ids])))
  }, [roots, selectedId])

  const filtering = query.trim() !== ''
  const visible = useMemo(() => filterTree(roots, query), [roots, query])

  const toggle = (id: number) =>
    setExpanded((prev) => {
      const next = new Set(prev)
      if (next.has(id)) next.delete(id)
      else next.add(id)
      return next
    })

  return (
    <div className="area-tree" data-testid="area-tree">
      <input
        type="search"
        className="tree-search"
        data-testid="area-search"
        placeholder={t('areas.searchPlaceholder')}
        aria-label={t('areas.searchPlaceholder')}
        value={query}
        onChange={(e) => setQuery(e.target.value)}
      />
      {visible.length === 0 ? (
        <p className="muted tree-empty">{filtering ? t('areas.noMatches') : t('areas.empty')}</p>
      ) : (
        // Nested lists of buttons: each toggle says whether it is expanded, the selection is aria-current.
        <ul aria-label={t('areas.treeLabel')} className="tree-root">
          {visible.map((n) => (
            <TreeItem
              key={n.id}
              node={n}
              depth={0}
              selectedId={selectedId}
              isExpanded={(id) => filtering || expanded.has(id)}
              onToggle={toggle}
              onSelect={onSelect}
            />
          ))}
        </ul>
      )}
    </div>
  )
}

function TreeItem({
  node,
  depth,
  selectedId,
  isExpanded,
  onToggle,
  onSelect,
}: {
  node: AreaNode
  depth: number
  selectedId: number | null
  isExpanded: (id: number) => boolean
  onToggle: (id: number) => void
  onSelect: (id: number) => void
}) {
  const { t, i18n } = useTranslation()
  const hasChildren = node.children.length > 0
  const open = hasChildren && isExpanded(node.id)
  const selected = node.id === selectedId
  const name = localName(node, i18n.language)
  const rowRef = useRef<HTMLDivElement>(null)

  // Keep the selection visible when it was made elsewhere (map click, link, back button).
  // Scrolls only the tree box, never the page (scrollIntoView would jump the page on phones).
  useEffect(() => {
    const row = rowRef.current
    const box = row?.closest('.tree-root')
    if (!selected || !row || !box) return
    const r = row.getBoundingClientRect()
    const b = box.getBoundingClientRect()
    if (r.top < b.top) box.scrollTop -= b.top - r.top
    else if (r.bottom > b.bottom) box.scrollTop += r.bottom - b.bottom
  }, [selected])

  return (
    <li className={node.retired ? 'retired' : undefined}>
      <div
        ref={rowRef}
        className={`tree-row${selected ? ' selected' : ''}`}
        style={{ paddingInlineStart: `${depth * 12 + 2}px` }}
      >
        {hasChildren ? (
          <button
            type="button"
            className={`tree-toggle${open ? ' open' : ''}`}
            onClick={() => onToggle(node.id)}
            aria-expanded={open}
            aria-label={open ? t('areas.collapse', { name }) : t('areas.expand', { name })}
          >
            <Icon name="chevron" size={14} />
          </button>
        ) : (
          <span className="tree-toggle-spacer" />
        )}
        <button
          type="button"
          className="tree-label"
          data-testid={`area-node-${node.code}`}
          data-area-id={node.id}
          onClick={() => onSelect(node.id)}
          aria-current={selected ? 'true' : undefined}
          title={`${name} · ${node.code}`}
        >
          <span className={`level-tag level-${node.level}`}>{t(`levels.${node.level}`)}</span>
          <span className="tree-name">{name}</span>
          {node.retired && <span className="badge badge-muted">{t('areas.retired')}</span>}
        </button>
      </div>
      {open && (
        <ul>
          {node.children.map((c) => (
            <TreeItem
              key={c.id}
              node={c}
              depth={depth + 1}
              selectedId={selectedId}
              isExpanded={isExpanded}
              onToggle={onToggle}
              onSelect={onSelect}
            />
          ))}
        </ul>
      )}
    </li>
  )
}
