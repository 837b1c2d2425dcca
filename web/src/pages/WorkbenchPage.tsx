import { keepPreviousData, useQueries, useQuery } from '@tanstack/react-query'
import { useEffect, useMemo, useState } from 'react'
import { useTranslation } from 'react-i18next'
import { queries } from '../api/queries'
import { ColourDot, StateChip } from '../components/CaseBadges'
import { Pager } from '../components/Pager'
import { QueryStatus } from '../components/QueryStatus'
import { formatDateTime, localName } from '../i18n'
import { routes } from '../router'
import type { CaseFilter, CaseState, CaseView } from '../types'

const QUEUES: { key: string; states?: CaseState[] }[] = [
  { key: 'submitted', states: ['submitted'] },
  { key: 'accepted', states: ['accepted'] },
  { key: 'dispatched', states: ['dispatched'] },
  { key: 'in_progress', states: ['in_progress'] },
  { key: 'replied', states: ['replied'] },
  { key: 'verified', states: ['verified'] },
  { key: 'closed', states: ['closed', 'rated'] },
  { key: 'all' },
]
const PAGE_SIZE = 20
const STORE = 'grassroots.workbench'

interface Filters {
  queue: string
  q: string
  categoryId: string
  departmentId: string
  overdue: boolean
  sort: 'due' | 'newest' | 'oldest'
}
const DEFAULTS: Filters = { queue: 'submitted', q: '', categoryId: '', departmentId: '', overdue: false, sort: 'due' }

// The queue and filters survive opening a case and coming back.
function stored(): Filters {
  try {
    return { ...DEFAULTS, ...(JSON.parse(sessionStorage.getItem(STORE) ?? '{}') as Partial<Filters>) }
  } catch {
    return DEFAULTS
  }
}

/** Staff work queues by state, with deadline lights, filters and paging. */
export function WorkbenchPage() {
  const { t, i18n } = useTranslation()
  const lng = i18n.language
  const [filters, setFilters] = useState<Filters>(stored)
  const [qText, setQText] = useState(filters.q)
  const [page, setPage] = useState(1)
  // The filters' choices; without them the filters offer "all" only.
  const categories = useQuery(queries.categories()).data ?? []
  const departments = useQuery(queries.departments()).data ?? []

  useEffect(() => {
    try {
      sessionStorage.setItem(STORE, JSON.stringify(filters))
    } catch {
      /* not kept, still works */
    }
  }, [filters])

  // Typing filters after a short pause, not on every key.
  useEffect(() => {
    const timer = setTimeout(() => {
      if (qText.trim() !== filters.q) {
        setFilters((f) => ({ ...f, q: qText.trim() }))
        setPage(1)
      }
    }, 300)
    return () => clearTimeout(timer)
  }, [qText, filters.q])

  const base = useMemo((): CaseFilter => {
    const f: CaseFilter = { sort: filters.sort }
    if (filters.q) f.q = filters.q
    if (filters.categoryId) f.categoryId = Number(filters.categoryId)
    if (filters.departmentId) f.departmentId = Number(filters.departmentId)
    if (filters.overdue) f.overdue = true
    return f
  }, [filters.q, filters.categoryId, filters.departmentId, filters.overdue, filters.sort])

  const queue = QUEUES.find((q) => q.key === filters.queue) ?? QUEUES[0]!

  const list = useQuery({
    ...queries.cases({ ...base, state: queue.states, page, pageSize: PAGE_SIZE }),
    placeholderData: keepPreviousData,
  })
  const data = list.data

  // How many wait in each queue under the same filters; a count that fails is left out.
  const counts = useQueries({
    queries: QUEUES.map((q) => ({
      ...queries.cases({ ...base, state: q.states, pageSize: 1 }),
      placeholderData: keepPreviousData,
      select: (r: { total: number }) => r.total,
    })),
  }).map((r) => r.data)

  const set = (patch: Partial<Filters>) => {
    setFilters((f) => ({ ...f, ...patch }))
    setPage(1)
  }

  return (
    <section className="page workbench-page" data-testid="page-cases">
      <div className="page-head">
        <h1 className="page-title">{t('workbench.title')}</h1>
        <a className="btn btn-small" href={routes.report()} data-testid="workbench-new">
          {t('workbench.newReport')}
        </a>
      </div>
      <div className="queue-tabs" role="tablist" aria-label={t('workbench.queues')}>
        {QUEUES.map((q, i) => (
          <button
            key={q.key}
            type="button"
            role="tab"
            aria-selected={queue.key === q.key}
            className={`queue-tab${queue.key === q.key ? ' active' : ''}`}
            data-testid={`queue-tab-${q.key}`}
            onClick={() => set({ queue: q.key })}
          >
            {t(`workbench.queueNames.${q.key}`)}
            {counts[i] !== undefined && (
              <span className="queue-count" data-testid={`queue-count-${q.key}`}>
                {counts[i]}
              </span>
            )}
          </button>
        ))}
      </div>
      <div className="filters card">
        <input
          type="search"
          data-testid="filter-q"
          placeholder={t('workbench.search')}
          aria-label={t('workbench.search')}
          value={qText}
          onChange={(e) => setQText(e.target.value)}
        />
        <select
          data-testid="filter-category"
          aria-label={t('workbench.category')}
          value={filters.categoryId}
          onChange={(e) => set({ categoryId: e.target.value })}
        >
          <option value="">{t('workbench.allCategories')}</option>
          {categories.map((g) => (
            <optgroup key={g.id} label={localName(g, lng)}>
              <option value={g.id}>{t('workbench.wholeGroup', { name: localName(g, lng) })}</option>
              {g.children.map((c) => (
                <option key={c.id} value={c.id}>
                  {localName(c, lng)}
                </option>
              ))}
            </optgroup>
          ))}
        </select>
        <select
          data-testid="filter-department"
          aria-label={t('workbench.department')}
          value={filters.departmentId}
          onChange={(e) => set({ departmentId: e.target.value })}
        >
          <option value="">{t('workbench.allDepartments')}</option>
          {departments.map((d) => (
            <option key={d.id} value={d.id}>
              {localName(d, lng)}
            </option>
          ))}
        </select>
        <select
          data-testid="filter-sort"
          aria-label={t('workbench.sort')}
          value={filters.sort}
          onChange={(e) => set({ sort: e.target.value as Filters['sort'] })}
        >
          <option value="due">{t('workbench.sortDue')}</option>
          <option value="newest">{t('workbench.sortNewest')}</option>
          <option value="oldest">{t('workbench.sortOldest')}</option>
        </select>
        <label className="check">
          <input
            type="checkbox"
            data-testid="filter-overdue"
            checked={filters.overdue}
            onChange={(e) => set({ overdue: e.target.checked })}
          />
          {t('workbench.overdueOnly')}
        </label>
      </div>
      <QueryStatus query={list} />
      {data && data.items.length === 0 && (
        <p className="muted empty" data-testid="queue-empty">
          {t('workbench.empty')}
        </p>
      )}
      {data && data.items.length > 0 && <CaseTable items={data.items} />}
      {data && <Pager page={data.page} pageSize={data.pageSize} total={data.total} onPage={setPage} />}
    </section>
  )
}

/** Cases as rows on wide screens and as cards on phones. Shared with the supervision queue. */
export function CaseTable({ items, showEscalation = false }: { items: CaseView[]; showEscalation?: boolean }) {
  const { t, i18n } = useTranslation()
  const lng = i18n.language
  return (
    // A list of links, one per case; the column heads show on wide screens only, so each row names its
    // less obvious columns for screen readers itself.
    <ul className="case-table" aria-label={t('workbench.title')}>
      <li className="case-row case-row-head" aria-hidden="true">
        <span className="col-dot" />
        <span>{t('case.trackingCode')}</span>
        <span>{t('case.category')}</span>
        <span>{t('case.area')}</span>
        <span>{t('case.state')}</span>
        <span>{t('case.due')}</span>
        <span>{t('case.department')}</span>
      </li>
      {items.map((c) => (
        <li key={c.id}>
          <a
            className="case-row"
            href={routes.case(c.id)}
            data-testid="case-row"
            data-id={c.id}
            data-tracking-code={c.trackingCode}
          >
            <span className="col-dot">
              <ColourDot colour={c.colour} />
            </span>
            <span className="mono col-code">{c.trackingCode}</span>
            <span className="col-cat">
              <strong>{localName(c.category, lng)}</strong>
              <span className="case-row-desc muted">{c.description}</span>
            </span>
            <span className="col-area">
              <span className="visually-hidden">{t('case.area')}: </span>
              {localName(c.area, lng)}
            </span>
            <span className="col-state">
              <StateChip state={c.state} />
              {showEscalation && c.escalationLevel > 0 && (
                <span className="badge badge-danger">{t('case.escalationLevel', { level: c.escalationLevel })}</span>
              )}
            </span>
            <span className="col-due">
              <span className="visually-hidden">{t('case.due')}: </span>
              {c.stageDueAt ? formatDateTime(c.stageDueAt, lng) : '—'}
            </span>
            <span className="col-dept">
              <span className="visually-hidden">{t('case.department')}: </span>
              {(c.department && localName(c.department, lng)) || '—'}
            </span>
          </a>
        </li>
      ))}
    </ul>
  )
}
