import { useMemo, useState } from 'react'
import { useTranslation } from 'react-i18next'
import { localName } from '../i18n'
import type { Category } from '../types'

interface Props {
  categories: Category[]
  value: Category | null
  onChange: (c: Category | null) => void
}

function matches(c: Category, q: string): boolean {
  return (
    c.nameZh.toLowerCase().includes(q) ||
    c.nameEn.toLowerCase().includes(q) ||
    c.code.toLowerCase().includes(q) ||
    c.keywords.some((k) => k.toLowerCase().includes(q))
  )
}

/** The catalogue as groups of leaves, with a search over names, codes and keywords. */
export function CategoryPicker({ categories, value, onChange }: Props) {
  const { t, i18n } = useTranslation()
  const lng = i18n.language
  const [query, setQuery] = useState('')
  const [open, setOpen] = useState<Set<number>>(new Set())
  const q = query.trim().toLowerCase()

  const groups = useMemo(() => {
    return categories
      .map((g) => {
        const leaves = g.isLeaf ? [g] : g.children.filter((c) => c.isLeaf)
        const hits = q ? (matches(g, q) ? leaves : leaves.filter((l) => matches(l, q))) : leaves
        return { group: g, leaves: hits }
      })
      .filter((x) => x.leaves.length > 0)
  }, [categories, q])

  if (value) {
    return (
      <div className="category-chosen" data-testid="category-chosen" data-code={value.code}>
        <span>
          <strong>{localName(value, lng)}</strong> <span className="muted mono">{value.code}</span>
          {value.photoRequired && <span className="badge badge-warn">{t('report.photoRequired')}</span>}
        </span>
        <button type="button" className="btn btn-small" data-testid="category-change" onClick={() => onChange(null)}>
          {t('report.changeCategory')}
        </button>
      </div>
    )
  }

  const toggle = (id: number) =>
    setOpen((prev) => {
      const next = new Set(prev)
      if (next.has(id)) next.delete(id)
      else next.add(id)
      return next
    })

  return (
    <div className="category-picker" data-testid="category-picker">
      <input
        type="search"
        className="tree-search"
        data-testid="category-search"
        placeholder={t('report.categorySearch')}
        aria-label={t('report.categorySearch')}
        value={query}
        onChange={(e) => setQuery(e.target.value)}
      />
      {groups.length === 0 && <p className="muted">{t('report.noCategoryMatch')}</p>}
      <ul className="category-groups">
        {groups.map(({ group, leaves }) => {
          const expanded = q !== '' || open.has(group.id)
          return (
            <li key={group.id} className="category-group">
              <button
                type="button"
                className={`category-group-head${expanded ? ' open' : ''}`}
                aria-expanded={expanded}
                data-testid={`category-group-${group.code}`}
                onClick={() => toggle(group.id)}
              >
                <span>{localName(group, lng)}</span>
                <span className="muted">{leaves.length}</span>
              </button>
              {expanded && (
                <ul className="category-leaves">
                  {leaves.map((leaf) => (
                    <li key={leaf.id}>
                      <button
                        type="button"
                        className="category-leaf"
                        data-testid={`category-${leaf.code}`}
                        onClick={() => onChange(leaf)}
                      >
                        {localName(leaf, lng)}
                        {leaf.photoRequired && <span className="badge badge-warn">{t('report.photoRequired')}</span>}
                      </button>
                    </li>
                  ))}
                </ul>
              )}
            </li>
          )
        })}
      </ul>
    </div>
  )
}
