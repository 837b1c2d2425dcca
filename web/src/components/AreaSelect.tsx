import { useQuery } from '@tanstack/react-query'
import { useMemo } from 'react'
import { useTranslation } from 'react-i18next'
import { queries } from '../api/queries'
import { flattenTree } from '../areaUtils'
import { localName } from '../i18n'
import type { AreaNode } from '../types'

const DEPTH: Record<string, number> = { city: 0, district: 1, street: 2, community: 3, grid: 4 }

/**
 * A select of the areas the caller sees, indented by level. `maxLevel` leaves out deeper levels
 * (e.g. imports go to a community, not to each grid). The value is the area id or ''.
 */
export function AreaSelect({
  value,
  onChange,
  emptyLabel,
  maxLevel = 'grid',
  testId,
  id,
  required,
}: {
  value: string
  onChange: (value: string) => void
  emptyLabel?: string
  maxLevel?: AreaNode['level']
  testId?: string
  id?: string
  required?: boolean
}) {
  const { t, i18n } = useTranslation()
  const tree = useQuery(queries.areaTree())
  // Without the tree (it failed to load) the select still offers its empty choice.
  const areas = useMemo(
    () =>
      tree.data
        ? flattenTree(tree.data).filter((a) => !a.retired && (DEPTH[a.level] ?? 0) <= (DEPTH[maxLevel] ?? 4))
        : tree.isError
          ? []
          : null,
    [tree.data, tree.isError, maxLevel],
  )
  return (
    <select
      id={id}
      data-testid={testId}
      value={value}
      required={required}
      onChange={(e) => onChange(e.target.value)}
      disabled={!areas}
    >
      <option value="">{emptyLabel ?? t('registry.allAreas')}</option>
      {areas?.map((a) => (
        <option key={a.id} value={a.id} data-code={a.code}>
          {'\u3000'.repeat(DEPTH[a.level] ?? 0)}
          {localName(a, i18n.language)} · {a.code}
        </option>
      ))}
    </select>
  )
}
