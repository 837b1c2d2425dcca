import { keepPreviousData, useQuery } from '@tanstack/react-query'
import { useEffect, useMemo, useState } from 'react'
import { useTranslation } from 'react-i18next'
import { Pager } from '../../components/Pager'
import { QueryStatus } from '../../components/QueryStatus'
import { formatDateTime, localName } from '../../i18n'
import { routes } from '../../router'
import { disputeQueries, type DisputeFilter, type DisputeView } from './api'
import {
  CATEGORIES,
  DISPUTE_STATES,
  DeadlineClock,
  DisputeStateChip,
  LEVELS,
  PAGE_SIZE,
  RISK_LEVELS,
  RiskBadge,
  SOURCES,
} from './common'

const STORE = 'grassroots.disputes'

interface Filters {
  state: string
  minRisk: string
  category: string
  source: string
  level: string
  overdue: boolean
  q: string
}
const DEFAULTS: Filters = { state: '', minRisk: '', category: '', source: '', level: '', overdue: false, q: '' }

// The filters survive opening a dispute and coming back.
function stored(): Filters {
  try {
    return { ...DEFAULTS, ...(JSON.parse(sessionStorage.getItem(STORE) ?? '{}') as Partial<Filters>) }
  } catch {
    return DEFAULTS
  }
}

const pick = <T extends string>(values: readonly T[], v: string): T | undefined =>
  (values as readonly string[]).includes(v) ? (v as T) : undefined

/** The dispute register: filters, risk badges, the running limit, paging. */
export function DisputeList({ canRegister }: { canRegister: boolean }) {
  const { t } = useTranslation()
  const [filters, setFilters] = useState<Filters>(stored)
  const [qText, setQText] = useState(filters.q)
  const [page, setPage] = useState(1)

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

  const query = useMemo(
    (): DisputeFilter => ({
      state: pick(DISPUTE_STATES, filters.state),
      minRisk: pick(RISK_LEVELS, filters.minRisk),
      category: pick(CATEGORIES, filters.category),
      source: pick(SOURCES, filters.source),
      level: pick(LEVELS, filters.level),
      overdue: filters.overdue || undefined,
      q: filters.q || undefined,
      page,
      pageSize: PAGE_SIZE,
    }),
    [filters, page],
  )
  const list = useQuery({ ...disputeQueries.list(query), placeholderData: keepPreviousData })
  const data = list.data

  const set = (patch: Partial<Filters>) => {
    setFilters((f) => ({ ...f, ...patch }))
    setPage(1)
  }
  const select = (
    key: keyof Omit<Filters, 'overdue' | 'q'>,
    values: readonly string[],
    all: string,
    prefix: string,
  ) => (
    <label className="inline-field">
      <span>{t(`disputes.filters.${key}`)}</span>
      <select
        data-testid={`dispute-filter-${key}`}
        value={filters[key]}
        onChange={(e) => set({ [key]: e.target.value })}
      >
        <option value="">{all}</option>
        {values.map((v) => (
          <option key={v} value={v}>
            {t(`${prefix}.${v}`)}
          </option>
        ))}
      </select>
    </label>
  )

  return (
    <div className="dispute-register" data-testid="dispute-register">
      <div className="filters card dispute-filters">
        <label className="inline-field dispute-search">
          <span>{t('disputes.filters.q')}</span>
          <input
            type="search"
            data-testid="dispute-filter-q"
            placeholder={t('disputes.filters.qPlaceholder')}
            value={qText}
            onChange={(e) => setQText(e.target.value)}
          />
        </label>
        {select('state', DISPUTE_STATES, t('disputes.filters.all'), 'disputes.states')}
        {select('minRisk', RISK_LEVELS, t('disputes.filters.all'), 'disputes.filters.minRiskValues')}
        {select('category', CATEGORIES, t('disputes.filters.all'), 'disputes.categories')}
        {select('source', SOURCES, t('disputes.filters.all'), 'disputes.sources')}
        {select('level', LEVELS, t('disputes.filters.all'), 'disputes.levels')}
        <label className="check">
          <input
            type="checkbox"
            data-testid="dispute-filter-overdue"
            checked={filters.overdue}
            onChange={(e) => set({ overdue: e.target.checked })}
          />
          {t('disputes.filters.overdue')}
        </label>
      </div>
      <QueryStatus query={list} />
      {data && (
        <p className="muted" data-testid="dispute-total">
          {t('disputes.list.total', { n: data.total })}
        </p>
      )}
      {data && data.items.length === 0 && (
        <p className="muted empty" data-testid="dispute-empty">
          {canRegister ? t('disputes.list.emptyRegister') : t('disputes.list.empty')}
        </p>
      )}
      {data && data.items.length > 0 && <DisputeTable items={data.items} />}
      {data && <Pager page={data.page} pageSize={data.pageSize} total={data.total} onPage={setPage} />}
    </div>
  )
}

function DisputeTable({ items }: { items: DisputeView[] }) {
  const { t, i18n } = useTranslation()
  const lng = i18n.language
  return (
    <div className="audit-table-wrap">
      <table className="audit-table dispute-table">
        <caption className="visually-hidden">{t('disputes.list.caption')}</caption>
        <thead>
          <tr>
            <th scope="col">{t('disputes.fields.reference')}</th>
            <th scope="col">{t('disputes.fields.risk')}</th>
            <th scope="col">{t('disputes.fields.parties')}</th>
            <th scope="col">{t('disputes.fields.category')}</th>
            <th scope="col">{t('disputes.fields.area')}</th>
            <th scope="col">{t('disputes.fields.state')}</th>
            <th scope="col">{t('disputes.fields.body')}</th>
            <th scope="col">{t('disputes.fields.stageDue')}</th>
            <th scope="col">{t('disputes.fields.registeredAt')}</th>
          </tr>
        </thead>
        <tbody>
          {items.map((d) => (
            <tr key={d.id} data-testid="dispute-row" data-id={d.id} data-risk={d.riskLevel}>
              <td className="mono">
                <a href={routes.dispute(d.id)} data-testid="dispute-link">
                  {d.reference}
                </a>
              </td>
              <td>
                <RiskBadge level={d.riskLevel} />
              </td>
              <td className="wrap">{d.title}</td>
              <td>{t(`disputes.categories.${d.category}`)}</td>
              <td>{localName(d.area, lng)}</td>
              <td>
                <DisputeStateChip state={d.state} />
              </td>
              <td className="wrap">
                {d.department
                  ? localName(d.department, lng)
                  : d.committee
                    ? localName(d.committee, lng)
                    : t('disputes.list.unassigned')}
              </td>
              <td>{d.stageDueAt ? <DeadlineClock dueAt={d.stageDueAt} overdue={d.overdue} /> : '—'}</td>
              <td>{formatDateTime(d.registeredAt, lng)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  )
}
