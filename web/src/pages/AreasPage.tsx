import { useCallback, useEffect, useMemo, useState } from 'react'
import { useTranslation } from 'react-i18next'
import { api, isAbort } from '../api'
import { flattenTree } from '../areaUtils'
import { AreaDetails } from '../components/AreaDetails'
import { AreaMap } from '../components/AreaMap'
import { AreaTree } from '../components/AreaTree'
import { CoveragePanel } from '../components/CoveragePanel'
import { ErrorBanner } from '../components/ErrorBanner'
import { navigate, replaceRoute } from '../router'
import {
  childLevel,
  type AppConfig,
  type AreaDetail,
  type AreaFeatureCollection,
  type AreaNode,
  type Coverage,
} from '../types'

interface SelectionData {
  id: number
  loading: boolean
  detail: AreaDetail | null
  childAreas: AreaFeatureCollection | null
  grids: AreaFeatureCollection | null
  error: unknown
}

interface CoverageState {
  id: number
  loading: boolean
  data: Coverage | null
  error: unknown
}

/** Jurisdiction and grids: area tree, boundary map, details and coverage check. */
export function AreasPage({ routeParams, config }: { routeParams: string[]; config: AppConfig | null }) {
  const { t } = useTranslation()
  const [tree, setTree] = useState<AreaNode[] | null>(null)
  const [treeError, setTreeError] = useState<unknown>(null)
  const [treeAttempt, setTreeAttempt] = useState(0)
  const [sel, setSel] = useState<SelectionData | null>(null)
  const [cov, setCov] = useState<CoverageState | null>(null)

  useEffect(() => {
    const ctrl = new AbortController()
    setTreeError(null)
    api
      .areaTree(ctrl.signal)
      .then((r) => setTree(r.areas))
      .catch((err) => {
        if (!isAbort(err)) setTreeError(err)
      })
    return () => ctrl.abort()
  }, [treeAttempt])

  const areasById = useMemo(() => new Map(flattenTree(tree ?? []).map((n) => [n.id, n])), [tree])

  // The URL names the selection; without one, default to the first root (the city).
  const routeId = Number(routeParams[0])
  const selectedId = Number.isInteger(routeId) && routeId > 0 ? routeId : (tree?.[0]?.id ?? null)
  useEffect(() => {
    if (!routeParams[0] && tree?.[0]) replaceRoute('areas', tree[0].id)
  }, [routeParams, tree])

  const selectedLevel = selectedId != null ? areasById.get(selectedId)?.level : undefined

  // Load what the map and details need for the selection, in parallel.
  useEffect(() => {
    if (selectedId == null || !tree) return
    const ctrl = new AbortController()
    const level = selectedLevel
    const below = level ? childLevel(level) : undefined
    // Grids are drawn too when they are not already the direct children.
    const wantGrids = below != null && below !== 'grid'
    setSel({ id: selectedId, loading: true, detail: null, childAreas: null, grids: null, error: null })
    setCov(null)
    void Promise.allSettled([
      api.area(selectedId, ctrl.signal),
      level === 'grid' ? Promise.resolve(null) : api.boundaries({ within: selectedId }, ctrl.signal),
      wantGrids ? api.boundaries({ within: selectedId, level: 'grid' }, ctrl.signal) : Promise.resolve(null),
    ]).then(([detail, childAreas, grids]) => {
      if (ctrl.signal.aborted) return
      const failed = [detail, childAreas, grids].find((r) => r.status === 'rejected')
      setSel({
        id: selectedId,
        loading: false,
        detail: detail.status === 'fulfilled' ? detail.value : null,
        childAreas: childAreas.status === 'fulfilled' ? childAreas.value : null,
        grids: grids.status === 'fulfilled' ? grids.value : null,
        error: failed?.status === 'rejected' ? failed.reason : null,
      })
    })
    return () => ctrl.abort()
  }, [selectedId, selectedLevel, tree])

  const select = useCallback((id: number) => navigate('areas', id), [])

  const checkCoverage = useCallback(() => {
    if (selectedId == null) return
    const id = selectedId
    setCov({ id, loading: true, data: null, error: null })
    api
      .coverage(id)
      .then((data) => setCov((c) => (c?.id === id ? { id, loading: false, data, error: null } : c)))
      .catch((error) => setCov((c) => (c?.id === id ? { id, loading: false, data: null, error } : c)))
  }, [selectedId])

  const current = sel && sel.id === selectedId ? sel : null
  const coverage = cov && cov.id === selectedId ? cov : null
  const detail = current?.detail ?? null

  return (
    <section className="page areas-page" data-testid="page-areas">
      <aside className="areas-side">
        <h1 className="panel-title">{t('modules.areas.name')}</h1>
        <ErrorBanner error={treeError} onRetry={() => setTreeAttempt((n) => n + 1)} />
        {tree ? (
          <AreaTree roots={tree} selectedId={selectedId} onSelect={select} />
        ) : (
          !treeError && <p className="muted">{t('common.loading')}</p>
        )}
      </aside>
      <div className="areas-map-col">
        <AreaMap
          selected={detail}
          childAreas={current?.childAreas ?? null}
          grids={current?.grids ?? null}
          coverage={coverage?.data ?? null}
          config={config}
          fitKey={current && !current.loading ? current.id : null}
          onSelect={select}
        />
        {current?.loading && (
          <div className="map-loading" role="status">
            <span className="spinner" aria-hidden="true" /> {t('common.loading')}
          </div>
        )}
      </div>
      <div className="areas-info">
        <ErrorBanner error={current?.error} />
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
      </div>
    </section>
  )
}
