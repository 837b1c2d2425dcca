import { useQuery } from '@tanstack/react-query'
import { useCallback, useEffect, useMemo, useState } from 'react'
import { useTranslation } from 'react-i18next'
import { queries } from '../api/queries'
import { flattenTree } from '../areaUtils'
import { AreaDetails } from '../components/AreaDetails'
import { AreaMap } from '../components/AreaMap'
import { AreaTree } from '../components/AreaTree'
import { CoveragePanel } from '../components/CoveragePanel'
import { ProfileCard } from './grid/ProfileCard'
import { ErrorBanner } from '../components/ErrorBanner'
import { QueryStatus } from '../components/QueryStatus'
import { idParam, navigate, replaceRoute } from '../router'
import { childLevel, type AppConfig, type User } from '../types'
import { DevicePanel } from './devices/registry/DevicePanel'

/** Jurisdiction and grids: area tree, boundary map, details and coverage check. */
export function AreasPage({
  routeParams,
  config,
  user = null,
}: {
  routeParams: string[]
  config: AppConfig | null
  user?: User | null
}) {
  const { t } = useTranslation()
  const treeQuery = useQuery(queries.areaTree())
  const tree = treeQuery.data ?? null
  const areasById = useMemo(() => new Map(flattenTree(tree ?? []).map((n) => [n.id, n])), [tree])

  // The URL names the selection; without one, default to the first root (the city).
  const selectedId = idParam(routeParams) ?? tree?.[0]?.id ?? null
  useEffect(() => {
    if (!routeParams[0] && tree?.[0]) replaceRoute('areas', tree[0].id)
  }, [routeParams, tree])

  // What the map and details need for the selection, in parallel: the area, its children and (when the
  // children are not grids themselves) the grids within it.
  const level = selectedId != null ? areasById.get(selectedId)?.level : undefined
  const below = level ? childLevel(level) : undefined
  const ready = selectedId != null && !!tree
  const id = selectedId ?? 0
  const detailQuery = useQuery({ ...queries.area(id), enabled: ready })
  const childQuery = useQuery({ ...queries.boundaries({ within: id }), enabled: ready && level !== 'grid' })
  const gridQuery = useQuery({
    ...queries.boundaries({ within: id, level: 'grid' }),
    // Grids are drawn too when they are not already the direct children.
    enabled: ready && below != null && below !== 'grid',
  })
  const selection = [detailQuery, childQuery, gridQuery]
  const loading = selection.some((q) => q.isFetching)
  const selectionError = selection.find((q) => q.isError && !q.isFetching)?.error
  const detail = detailQuery.data ?? null

  const select = useCallback((areaId: number) => navigate('areas', areaId), [])

  // The coverage check runs on request, for the area selected when asked; a new selection clears it.
  const [checkedId, setCheckedId] = useState<number | null>(null)
  const [shownId, setShownId] = useState(selectedId)
  if (shownId !== selectedId) {
    setShownId(selectedId)
    setCheckedId(null)
  }
  const checked = ready && checkedId === selectedId
  const coverageQuery = useQuery({ ...queries.coverage(id), enabled: checked })
  const checkCoverage = () => {
    // Asking again checks again.
    if (checked) void coverageQuery.refetch()
    else setCheckedId(selectedId)
  }
  const coverage = checked
    ? {
        data: coverageQuery.isFetching ? null : (coverageQuery.data ?? null),
        loading: coverageQuery.isFetching,
        error: coverageQuery.isError && !coverageQuery.isFetching ? coverageQuery.error : null,
      }
    : null

  return (
    <section className="page areas-page" data-testid="page-areas">
      <aside className="areas-side">
        <h1 className="panel-title">{t('modules.areas.name')}</h1>
        <QueryStatus query={treeQuery} />
        {tree && <AreaTree roots={tree} selectedId={selectedId} onSelect={select} />}
      </aside>
      <div className="areas-map-col">
        <AreaMap
          selected={detail}
          childAreas={childQuery.data ?? null}
          grids={gridQuery.data ?? null}
          coverage={coverage?.data ?? null}
          config={config}
          fitKey={ready && !loading ? selectedId : null}
          onSelect={select}
        />
        {loading && (
          <div className="map-loading" role="status">
            <span className="spinner" aria-hidden="true" /> {t('common.loading')}
          </div>
        )}
      </div>
      <div className="areas-info">
        <ErrorBanner error={selectionError} />
        {tree && tree.length === 0 && <p className="muted">{t('areas.empty')}</p>}
        {detail && (
          <AreaDetails
            detail={detail}
            checking={coverage?.loading ?? false}
            onCheckCoverage={detail.level === 'grid' ? null : checkCoverage}
          />
        )}
        {coverage && (
          <CoveragePanel
            coverage={coverage.data}
            loading={coverage.loading}
            error={coverage.error}
            areasById={areasById}
          />
        )}
        {detail && !coverage && detail.level !== 'grid' && <p className="muted hint">{t('coverage.hint')}</p>}
        {detail && detail.level === 'grid' && <ProfileCard areaId={detail.id} user={user} />}
        {detail && detail.level === 'grid' && <DevicePanel areaId={detail.id} />}
      </div>
    </section>
  )
}
