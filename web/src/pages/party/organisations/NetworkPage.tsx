import { useQuery } from '@tanstack/react-query'
import { useId, useMemo, useState } from 'react'
import { useTranslation } from 'react-i18next'
import { QueryStatus } from '../../../components/QueryStatus'
import { localName } from '../../../i18n'
import { hasRole } from '../../../modules'
import { routes } from '../../../router'
import type { AppConfig, User } from '../../../types'
import { PARTY_KEEPERS } from '../section'
import { organisationQueries, type Coverage, type TreeNode } from './api'
import { KindBadge, readerAreas } from './common'
import { NetworkMap } from './NetworkMap'

/** The network of the user's area: the tree (expand/collapse), the map and the coverage panel. */
export function NetworkPage({ user, config }: { user: User; config: AppConfig | null }) {
  const { t, i18n } = useTranslation()
  const areas = readerAreas(user)
  const [areaId, setAreaId] = useState<number | null>(areas[0]?.areaId ?? null)
  const selectId = useId()
  const keeper = hasRole(user, PARTY_KEEPERS)
  if (areaId === null) return <p className="muted">{t('party.organisations.noArea')}</p>
  return (
    <div className="po-network" data-testid="po-network">
      <div className="po-toolbar">
        {areas.length > 1 && (
          <label className="field po-area" htmlFor={selectId}>
            <span>{t('party.organisations.area')}</span>
            <select
              id={selectId}
              value={areaId}
              onChange={(e) => setAreaId(Number(e.target.value))}
              data-testid="po-area-select"
            >
              {areas.map((a) => (
                <option key={a.areaId} value={a.areaId}>
                  {localName({ nameZh: a.areaNameZh, nameEn: a.areaNameEn }, i18n.language)}
                </option>
              ))}
            </select>
          </label>
        )}
        {keeper && (
          <a className="btn btn-primary" href={routes.party('organisations', 'new')} data-testid="po-new">
            {t('party.organisations.new')}
          </a>
        )}
      </div>
      <div className="po-layout">
        <OrganisationTree areaId={areaId} />
        <div className="po-side">
          <MapCard areaId={areaId} config={config} />
          <CoveragePanel areaId={areaId} keeper={keeper} />
        </div>
      </div>
    </div>
  )
}

function OrganisationTree({ areaId }: { areaId: number }) {
  const { t } = useTranslation()
  const tree = useQuery(organisationQueries.tree(areaId))
  const [collapsed, setCollapsed] = useState<Set<number>>(new Set())
  const nodes = tree.data?.nodes ?? []
  const visible = useMemo(() => {
    const hidden = new Set<number>()
    return nodes.filter((n) => {
      if (n.parentId !== null && (hidden.has(n.parentId) || collapsed.has(n.parentId))) {
        hidden.add(n.id)
        return false
      }
      return true
    })
  }, [nodes, collapsed])
  const toggle = (n: TreeNode) =>
    setCollapsed((c) => {
      const next = new Set(c)
      if (next.has(n.id)) next.delete(n.id)
      else next.add(n.id)
      return next
    })
  return (
    <section className="card po-tree" aria-labelledby="po-tree-title">
      <h2 id="po-tree-title">{t('party.organisations.tree')}</h2>
      <QueryStatus query={tree} />
      {tree.data && nodes.length === 0 && <p className="muted">{t('party.organisations.emptyTree')}</p>}
      <ul className="po-tree-list" data-testid="po-tree">
        {visible.map((n) => (
          <li
            key={n.id}
            className="po-tree-row"
            style={{ paddingInlineStart: `${n.depth * 14}px` }}
            data-testid="po-tree-node"
            data-code={n.code}
          >
            {n.children > 0 ? (
              <button
                type="button"
                className="po-toggle"
                aria-expanded={!collapsed.has(n.id)}
                aria-label={t(collapsed.has(n.id) ? 'party.organisations.expand' : 'party.organisations.collapse', {
                  name: n.name,
                })}
                onClick={() => toggle(n)}
              >
                {collapsed.has(n.id) ? '▸' : '▾'}
              </button>
            ) : (
              <span className="po-toggle-space" aria-hidden="true" />
            )}
            <KindBadge kind={n.kind} />
            <a href={routes.party('organisations', n.id)} className="po-tree-name">
              {n.name}
            </a>
            <span className="muted po-count">{t('party.organisations.memberCount', { count: n.members })}</span>
          </li>
        ))}
      </ul>
      {tree.data?.truncated && <p className="muted">{t('party.organisations.truncated')}</p>}
    </section>
  )
}

function MapCard({ areaId, config }: { areaId: number; config: AppConfig | null }) {
  const { t } = useTranslation()
  const map = useQuery(organisationQueries.map(areaId))
  return (
    <section className="card" aria-labelledby="po-map-title">
      <h2 id="po-map-title">{t('party.organisations.map')}</h2>
      <QueryStatus query={map} />
      <NetworkMap data={map.data ?? null} config={config} label={t('party.organisations.map')} />
      <p className="po-legend muted">
        <span className="po-legend-gap" aria-hidden="true" /> {t('party.organisations.legendGap')}
      </p>
    </section>
  )
}

function CoveragePanel({ areaId, keeper }: { areaId: number; keeper: boolean }) {
  const { t, i18n } = useTranslation()
  const coverage = useQuery(organisationQueries.coverage(areaId))
  const c: Coverage | undefined = coverage.data
  return (
    <section className="card po-coverage" aria-labelledby="po-coverage-title" data-testid="po-coverage">
      <h2 id="po-coverage-title">{t('party.organisations.coverage')}</h2>
      <QueryStatus query={coverage} />
      {c && (
        <>
          <dl className="po-stats">
            {(['communities', 'grids', 'buildings'] as const).map((k) => (
              <div key={k} data-testid={`po-coverage-${k}`}>
                <dt>{t(`party.organisations.uncovered.${k}`)}</dt>
                <dd>{t('party.organisations.ofTotal', { uncovered: c[k].uncovered, total: c[k].total })}</dd>
              </div>
            ))}
          </dl>
          {c.communities.items.length > 0 && (
            <>
              <h3>{t('party.organisations.uncovered.communities')}</h3>
              <ul className="po-gaps">
                {c.communities.items.map((a) => (
                  <li key={a.id}>{localName(a, i18n.language)}</li>
                ))}
              </ul>
            </>
          )}
          <h3>{t('party.organisations.uncovered.grids')}</h3>
          {c.grids.items.length === 0 ? (
            <p className="muted" data-testid="po-no-grid-gaps">
              {t('party.organisations.allCovered')}
            </p>
          ) : (
            <ul className="po-gaps" data-testid="po-grid-gaps">
              {c.grids.items.map((g) => (
                <li key={g.id} data-code={g.code}>
                  <span>{localName(g, i18n.language)}</span>
                  {keeper && (
                    <a
                      className="btn btn-small"
                      href={routes.party('organisations', 'new', g.id)}
                      data-testid="po-gap-create"
                      aria-label={t('party.organisations.createFor', { name: localName(g, i18n.language) })}
                    >
                      {t('party.organisations.createGroup')}
                    </a>
                  )}
                </li>
              ))}
            </ul>
          )}
          {c.buildings.items.length > 0 && (
            <details>
              <summary>
                {t('party.organisations.uncovered.buildings')} ({c.buildings.uncovered})
              </summary>
              <ul className="po-gaps">
                {c.buildings.items.map((b) => (
                  <li key={b.id}>
                    {b.name} <span className="muted">{localName(b.area, i18n.language)}</span>
                  </li>
                ))}
              </ul>
            </details>
          )}
        </>
      )}
    </section>
  )
}
