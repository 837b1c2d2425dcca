import { keepPreviousData, useQuery } from '@tanstack/react-query'
import { useMemo, useState } from 'react'
import { useTranslation } from 'react-i18next'
import { QueryStatus } from '../../components/QueryStatus'
import { hasRole } from '../../modules'
import { idParam, routes } from '../../router'
import type { AppConfig, User } from '../../types'
import {
  COMPONENT_KEEPERS,
  type ComponentPage,
  type ComponentState,
  componentQueries,
  componentStates,
  type GeoFilter,
} from './api'
import { ComponentDetailView } from './ComponentDetail'
import { type Box, ComponentMap } from './ComponentMap'
import { ClassName, StateBadge } from './common'
import { ImportPage } from './ImportPage'
import './components.css'

/**
 * Components (部件) below #/components: the map and list of the inventory, one component with its
 * cases (#/components/<id>), and the import for its keepers (#/components/import).
 */
export function ComponentsPage({ params, user, config }: { params: string[]; user: User; config: AppConfig | null }) {
  const { t } = useTranslation()
  const detail = idParam(params)
  const keeper = hasRole(user, COMPONENT_KEEPERS)
  return (
    <section className="page components-page" data-testid="page-components">
      <div className="page-head">
        <h1 className="page-title">{t('components.inventory.title')}</h1>
      </div>
      {params[0] === 'import' && keeper ? (
        <ImportPage />
      ) : detail ? (
        <ComponentDetailView componentId={detail} />
      ) : (
        <Inventory keeper={keeper} config={config} />
      )}
    </section>
  )
}

const PAGE = 50

function Inventory({ keeper, config }: { keeper: boolean; config: AppConfig | null }) {
  const { t, i18n } = useTranslation()
  const [state, setState] = useState<ComponentState | ''>('')
  const [mainClass, setMainClass] = useState('')
  const [openOnly, setOpenOnly] = useState(false)
  const [q, setQ] = useState('')
  const [box, setBox] = useState<Box | null>(null)
  const [afters, setAfters] = useState<number[]>([0])
  const after = afters[afters.length - 1]!
  const classes = useQuery(componentQueries.classes())
  // Where the map starts: around the components the caller reads.
  const first = useQuery(componentQueries.list({ pageSize: 200 }))
  const start = useMemo<Box | null>(() => {
    const items = first.data?.items ?? []
    if (!items.length) return null
    const lngs = items.map((c) => c.location.lng)
    const lats = items.map((c) => c.location.lat)
    return { west: Math.min(...lngs), south: Math.min(...lats), east: Math.max(...lngs), north: Math.max(...lats) }
  }, [first.data])
  const filter = {
    ...(state ? { state } : {}),
    ...(mainClass ? { classCode: mainClass } : {}),
    ...(openOnly ? { withOpenCases: true } : {}),
  }
  const geoQuery: GeoFilter | null = box ? { ...box, ...filter } : null
  const geo = useQuery({
    ...componentQueries.geojson(geoQuery ?? { west: 0, south: 0, east: 1, north: 1 }),
    enabled: geoQuery !== null,
    placeholderData: keepPreviousData,
  })
  const list = useQuery({
    ...componentQueries.list({
      ...filter,
      ...(box ?? {}),
      ...(q.trim() ? { q: q.trim() } : {}),
      after,
      pageSize: PAGE,
    }),
    enabled: box !== null || first.isFetched,
    placeholderData: keepPreviousData,
  })
  const reset = () => setAfters([0])
  const en = i18n.language === 'en'
  const mains = (classes.data?.classes ?? []).filter((c) => c.kind === 'component' && c.code.length === 2)

  return (
    <div className="component-inventory" data-testid="component-inventory">
      {keeper && (
        <div className="component-toolbar">
          <a className="btn" href={routes.components('import')} data-testid="component-import-link">
            {t('components.import.title')}
          </a>
        </div>
      )}
      <div className="component-filters">
        <label className="field">
          <span>{t('components.inventory.class')}</span>
          <select
            value={mainClass}
            onChange={(e) => {
              setMainClass(e.target.value)
              reset()
            }}
            data-testid="component-filter-class"
          >
            <option value="">{t('components.inventory.allClasses')}</option>
            {mains.map((c) => (
              <option key={c.code} value={c.code}>
                {c.code} {en ? c.nameEn : c.nameZh}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          <span>{t('components.inventory.state')}</span>
          <select
            value={state}
            onChange={(e) => {
              setState(e.target.value as ComponentState | '')
              reset()
            }}
            data-testid="component-filter-state"
          >
            <option value="">{t('components.inventory.allStates')}</option>
            {componentStates.map((s) => (
              <option key={s} value={s}>
                {t(`components.inventory.states.${s}`)}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          <span>{t('components.inventory.search')}</span>
          <input
            type="search"
            value={q}
            maxLength={64}
            onChange={(e) => {
              setQ(e.target.value)
              reset()
            }}
            data-testid="component-filter-q"
          />
        </label>
        <label className="checkbox">
          <input
            type="checkbox"
            checked={openOnly}
            onChange={(e) => {
              setOpenOnly(e.target.checked)
              reset()
            }}
            data-testid="component-filter-open"
          />
          <span>{t('components.inventory.withOpenCases')}</span>
        </label>
      </div>
      <ComponentMap
        features={geo.data?.features ?? []}
        config={config}
        start={start}
        onMove={(b) => {
          setBox(b)
          reset()
        }}
        label={t('components.inventory.mapLabel')}
      />
      <p className="muted component-legend" data-testid="component-map-count">
        {geo.data
          ? geo.data.thinned
            ? t('components.inventory.thinned', { shown: geo.data.features.length, total: geo.data.total })
            : t('components.inventory.inView', { count: geo.data.total })
          : ''}{' '}
        {componentStates.map((s) => (
          <span key={s} className="component-legend-item">
            <span className={`component-pin component-pin-${s}`} aria-hidden="true" />{' '}
            {t(`components.inventory.states.${s}`)}
          </span>
        ))}
        <span className="component-legend-item">
          <span className="component-pin component-pin-normal component-pin-open" aria-hidden="true" />{' '}
          {t('components.inventory.legendOpen')}
        </span>
      </p>
      <QueryStatus query={list} />
      {list.data && (
        <ComponentTable
          page={list.data}
          canBack={afters.length > 1}
          onBack={() => setAfters(afters.slice(0, -1))}
          onNext={(n) => setAfters([...afters, n])}
        />
      )}
    </div>
  )
}

function ComponentTable({
  page,
  canBack,
  onBack,
  onNext,
}: {
  page: ComponentPage
  canBack: boolean
  onBack: () => void
  onNext: (after: number) => void
}) {
  const { t, i18n } = useTranslation()
  const en = i18n.language === 'en'
  return (
    <>
      <table className="table component-table" data-testid="component-list">
        <caption className="visually-hidden">{t('components.inventory.listCaption')}</caption>
        <thead>
          <tr>
            <th scope="col">{t('components.inventory.code')}</th>
            <th scope="col">{t('components.inventory.class')}</th>
            <th scope="col">{t('components.inventory.name')}</th>
            <th scope="col">{t('components.inventory.area')}</th>
            <th scope="col">{t('components.inventory.owner')}</th>
            <th scope="col">{t('components.inventory.state')}</th>
            <th scope="col">{t('components.inventory.cases')}</th>
          </tr>
        </thead>
        <tbody>
          {page.items.map((c) => (
            <tr key={c.id} data-testid="component-row" data-code={c.code}>
              <td>
                <a href={routes.components(c.id)}>{c.code}</a>
              </td>
              <td>
                <ClassName item={c} />
              </td>
              <td>{c.name}</td>
              <td>{en ? c.area.nameEn : c.area.nameZh}</td>
              <td>{c.owner ? (en ? c.owner.nameEn : c.owner.nameZh) : t('components.inventory.noOwner')}</td>
              <td>
                <StateBadge state={c.state} />
              </td>
              <td>{c.openCases > 0 ? t('components.inventory.openCases', { count: c.openCases }) : ''}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {page.items.length === 0 && <p className="muted">{t('components.inventory.none')}</p>}
      <div className="pager">
        <button type="button" className="btn" disabled={!canBack} onClick={onBack}>
          {t('pager.prev')}
        </button>
        <span className="muted">{t('components.inventory.total', { count: page.total })}</span>
        <button
          type="button"
          className="btn"
          disabled={page.nextAfter == null}
          onClick={() => page.nextAfter != null && onNext(page.nextAfter)}
        >
          {t('pager.next')}
        </button>
      </div>
    </>
  )
}
