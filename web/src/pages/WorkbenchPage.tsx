import { useEffect, useMemo, useState } from 'react'
import { useTranslation } from 'react-i18next'
import { api, isAbort } from '../api'
import { ColourDot, StateChip } from '../components/CaseBadges'
import { ErrorBanner } from '../components/ErrorBanner'
import { Pager } from '../components/Pager'
import { loadCategories, loadDepartments } from '../caseUtils'
import { formatDateTime, localName } from '../i18n'
import { href } from '../router'
import type { CaseFilter, CaseState, CaseView, Category, Department, Paged } from '../types'

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
  const [data, setData] = useState<Paged<CaseView> | null>(null)
  const [counts, setCounts] = useState<Record<string, number>>({})
  const [error, setError] = useState<unknown>(null)
  const [attempt, setAttempt] = useState(0)
  const [categories, setCategories] = useState<Category[]>([])
  const [departments, setDepartments] = useState<Department[]>([])

  useEffect(() => {
    loadCategories().then(setCategories, () => undefined)
    loadDepartments().then(setDepartments, () => undefined)
  }, [])

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

  useEffect(() => {
    const ctrl = new AbortController()
    setError(null)
    api
      .cases({ ...base, state: queue.states, page, pageSize: PAGE_SIZE }, ctrl.signal)
      .then(setData)
      .catch((err) => !isAbort(err) && setError(err))
    return () => ctrl.abort()
  }, [base, queue, page, attempt])

  // How many wait in each queue under the same filters.
  useEffect(() => {
    const ctrl = new AbortController()
    void Promise.all(
      QUEUES.map((q) =>
        api
          .cases({ ...base, state: q.states, pageSize: 1 }, ctrl.signal)
          .then((r) => [q.key, r.total] as const)
          .catch(() => [q.key, -1] as const),
      ),
    ).then((pairs) => {
      if (!ctrl.signal.aborted) setCounts(Object.fromEntries(pairs.filter(([, n]) => n >= 0)))
    })
    return () => ctrl.abort()
  }, [base, attempt])

  const set = (patch: Partial<Filters>) => {
    setFilters((f) => ({ ...f, ...patch }))
    setPage(1)
  }

  return (
    <section className="page workbench-page" data-testid="page-cases">
      <div className="page-head">
        <h1 className="page-title">{t('workbench.title')}</h1>
        <a className="btn btn-small" href={href('report')} data-testid="workbench-new">
          {t('workbench.newReport')}
        </a>
      </div>
      <div className="queue-tabs" role="tablist" aria-label={t('workbench.queues')}>
        {QUEUES.map((q) => (
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
            {counts[q.key] !== undefined && (
              <span className="queue-count" data-testid={`queue-count-${q.key}`}>
                {counts[q.key]}
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
      <ErrorBanner error={error} onRetry={() => setAttempt((n) => n + 1)} />
      {!data && !error && <p className="muted">{t('common.loading')}</p>}
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
    <div className="case-table" role="table" aria-label={t('workbench.title')}>
      <div className="case-row case-row-head" role="row">
        <span role="columnheader" className="col-dot" aria-label={t('case.deadline')} />
        <span role="columnheader">{t('case.trackingCode')}</span>
        <span role="columnheader">{t('case.category')}</span>
        <span role="columnheader">{t('case.area')}</span>
        <span role="columnheader">{t('case.state')}</span>
        <span role="columnheader">{t('case.due')}</span>
        <span role="columnheader">{t('case.department')}</span>
      </div>
      {items.map((c) => (
        <a
          key={c.id}
          className="case-row"
          role="row"
          href={href('cases', c.id)}
          data-testid="case-row"
          data-id={c.id}
          data-tracking-code={c.trackingCode}
        >
          <span role="cell" className="col-dot">
            <ColourDot colour={c.colour} />
          </span>
          <span role="cell" className="mono col-code">
            {c.trackingCode}
          </span>
          <span role="cell" className="col-cat">
            <strong>{localName(c.category, lng)}</strong>
            <span className="case-row-desc muted">{c.description}</span>
          </span>
          <span role="cell" className="col-area">
            {localName(c.area, lng)}
          </span>
          <span role="cell" className="col-state">
            <StateChip state={c.state} />
            {showEscalation && c.escalationLevel > 0 && (
              <span className="badge badge-danger">{t('case.escalationLevel', { level: c.escalationLevel })}</span>
            )}
          </span>
          <span role="cell" className="col-due">
            {c.stageDueAt ? formatDateTime(c.stageDueAt, lng) : '—'}
          </span>
          <span role="cell" className="col-dept">
            {(c.department && localName(c.department, lng)) || '—'}
          </span>
        </a>
      ))}
    </div>
  )
}
