import { keepPreviousData, useQuery } from '@tanstack/react-query'
import { useEffect, useId, useMemo, useState } from 'react'
import { useTranslation } from 'react-i18next'
import { AreaSelect } from '../../../components/AreaSelect'
import { Pager } from '../../../components/Pager'
import { QueryStatus } from '../../../components/QueryStatus'
import { formatDateTime, localName } from '../../../i18n'
import { hasRole } from '../../../modules'
import { routes } from '../../../router'
import type { User } from '../../../types'
import { proposalQueries, type ProposalFilter, type ProposalView } from './api'
import {
  AnswerClock,
  PAGE_SIZE,
  PARTICIPATION_STAFF,
  PROPOSAL_CATEGORIES,
  PROPOSAL_SORTS,
  PROPOSAL_STATES,
  StateBadge,
  SupportProgress,
  pick,
  supportText,
} from './common'

const STORE = 'grassroots.proposals'

interface Filters {
  status: string
  category: string
  sort: string
  areaId: string
  mine: boolean
  q: string
}
const DEFAULTS: Filters = { status: '', category: '', sort: 'newest', areaId: '', mine: false, q: '' }

// The filters survive opening a proposal and coming back.
function stored(): Filters {
  try {
    return { ...DEFAULTS, ...(JSON.parse(sessionStorage.getItem(STORE) ?? '{}') as Partial<Filters>) }
  } catch {
    return DEFAULTS
  }
}

/** Proposals on the caller's branch of the area tree: filters, search, sort, cards with their progress. */
export function ProposalList({ user }: { user: User }) {
  const { t } = useTranslation()
  const staff = hasRole(user, PARTICIPATION_STAFF)
  const areaField = useId()
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

  // Searching after a short pause, not on every key.
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
    (): ProposalFilter => ({
      status: pick(PROPOSAL_STATES, filters.status),
      category: pick(PROPOSAL_CATEGORIES, filters.category),
      sort: pick(PROPOSAL_SORTS, filters.sort) ?? 'newest',
      areaId: staff && /^\d+$/.test(filters.areaId) ? Number(filters.areaId) : undefined,
      mine: filters.mine || undefined,
      q: filters.q ? filters.q.slice(0, 100) : undefined,
      page,
      pageSize: PAGE_SIZE,
    }),
    [filters, page, staff],
  )
  const list = useQuery({ ...proposalQueries.list(query), placeholderData: keepPreviousData })
  const data = list.data

  const set = (patch: Partial<Filters>) => {
    setFilters((f) => ({ ...f, ...patch }))
    setPage(1)
  }

  const select = (key: 'status' | 'category' | 'sort', values: readonly string[], prefix: string, all: boolean) => (
    <label className="inline-field">
      <span>{t(`participation.proposals.list.${key}`)}</span>
      <select
        data-testid={`proposal-filter-${key}`}
        value={filters[key]}
        onChange={(e) => set({ [key]: e.target.value })}
      >
        {all && <option value="">{t('participation.proposals.list.all')}</option>}
        {values.map((v) => (
          <option key={v} value={v}>
            {t(`participation.proposals.${prefix}.${v}`)}
          </option>
        ))}
      </select>
    </label>
  )

  return (
    <div className="proposal-list" data-testid="proposal-list">
      <div className="proposal-toolbar">
        <p className="muted proposal-intro">{t('participation.proposals.intro')}</p>
        <div className="proposal-toolbar-buttons">
          {staff && (
            <a
              className="btn btn-small"
              href={routes.participation('proposals', 'settings')}
              data-testid="proposal-settings-link"
            >
              {t('participation.proposals.list.settings')}
            </a>
          )}
          <a className="btn btn-primary" href={routes.participation('proposals', 'new')} data-testid="proposal-new">
            {t('participation.proposals.list.propose')}
          </a>
        </div>
      </div>
      <div className="card proposal-filters">
        <label className="inline-field proposal-search">
          <span>{t('participation.proposals.list.search')}</span>
          <input
            type="search"
            data-testid="proposal-filter-q"
            placeholder={t('participation.proposals.list.searchPlaceholder')}
            maxLength={100}
            value={qText}
            onChange={(e) => setQText(e.target.value)}
          />
        </label>
        {select('status', PROPOSAL_STATES, 'states', true)}
        {select('category', PROPOSAL_CATEGORIES, 'categories', true)}
        {select('sort', PROPOSAL_SORTS, 'sorts', false)}
        {staff && (
          <label className="inline-field" htmlFor={areaField}>
            <span>{t('participation.proposals.list.area')}</span>
            <AreaSelect
              id={areaField}
              value={filters.areaId}
              onChange={(v) => set({ areaId: v })}
              maxLevel="community"
              emptyLabel={t('participation.proposals.list.allAreas')}
              testId="proposal-filter-area"
            />
          </label>
        )}
        <label className="check">
          <input
            type="checkbox"
            data-testid="proposal-filter-mine"
            checked={filters.mine}
            onChange={(e) => set({ mine: e.target.checked })}
          />
          {t('participation.proposals.list.mine')}
        </label>
      </div>
      <QueryStatus query={list} />
      {data && (
        <p className="muted" data-testid="proposal-total" aria-live="polite">
          {data.totalCapped
            ? t('participation.proposals.list.totalCapped', { n: data.total })
            : t('participation.proposals.list.total', { n: data.total })}
        </p>
      )}
      {data && data.items.length === 0 && (
        <p className="muted empty" data-testid="proposal-empty">
          {filters.mine ? t('participation.proposals.list.emptyMine') : t('participation.proposals.list.empty')}
        </p>
      )}
      {data && data.items.length > 0 && (
        <ul className="proposal-cards">
          {data.items.map((p) => (
            <ProposalCard key={p.id} proposal={p} staff={staff} />
          ))}
        </ul>
      )}
      {data && <Pager page={data.page} pageSize={data.pageSize} total={data.total} onPage={setPage} />}
    </div>
  )
}

function ProposalCard({ proposal: p, staff }: { proposal: ProposalView; staff: boolean }) {
  const { t, i18n } = useTranslation()
  const lng = i18n.language
  const waiting = p.status === 'threshold_reached' || p.status === 'evaluating'
  return (
    <li className="card proposal-card" data-testid="proposal-card" data-id={p.id} data-state={p.status}>
      <div className="proposal-card-head">
        <StateBadge state={p.status} />
        <span className="muted mono">{p.reference}</span>
        <span className="muted">{t(`participation.proposals.categories.${p.category}`)}</span>
        {p.supported && (
          <span className="proposal-supported-mark" data-testid="proposal-card-supported">
            ✓ {t('participation.proposals.list.supportedByYou')}
          </span>
        )}
      </div>
      <h2>
        <a href={routes.participation('proposals', p.id)} data-testid="proposal-link">
          {p.title}
        </a>
      </h2>
      <p className="proposal-card-excerpt">{p.excerpt}</p>
      {(p.status === 'published' || p.status === 'threshold_reached') && (
        <SupportProgress count={p.supportCount} threshold={p.threshold} testId="proposal-card-progress" />
      )}
      <p className="proposal-card-meta muted">
        <span>{localName(p, lng)}</span>
        <span>{t('participation.proposals.list.by', { name: p.authorName || '—' })}</span>
        <span>
          <time dateTime={p.createdAt}>{formatDateTime(p.createdAt, lng)}</time>
        </span>
        <span>{t('participation.proposals.list.comments', { n: p.commentCount })}</span>
        {p.status !== 'published' && p.status !== 'threshold_reached' && (
          <span>{supportText(t, p.supportCount, p.threshold)}</span>
        )}
        {staff && waiting && p.answerDueAt && (
          <span>
            {t('participation.proposals.list.answerDue')} <AnswerClock dueAt={p.answerDueAt} />
          </span>
        )}
      </p>
    </li>
  )
}
