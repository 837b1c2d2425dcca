import { useQuery } from '@tanstack/react-query'
import { useId, useState, type FormEvent } from 'react'
import { useTranslation } from 'react-i18next'
import { Pager } from '../../../components/Pager'
import { QueryStatus } from '../../../components/QueryStatus'
import { localName } from '../../../i18n'
import { hasRole } from '../../../modules'
import { routes } from '../../../router'
import type { User } from '../../../types'
import { TRAINING_KEEPERS } from '../section'
import { POLICY_STATUSES, policyQueries, type PolicyFilter, type PolicyStatus } from './api'
import { CategoryChips, DatesLine, StatusBadge, useCategoryGroups } from './common'

/** The policies the caller reads: words (searched with Chinese segmentation), a case category, a status for keepers. */
export function PolicyList({ user }: { user: User }) {
  const { t, i18n } = useTranslation()
  const lng = i18n.language
  const keeper = hasRole(user, TRAINING_KEEPERS)
  const [typed, setTyped] = useState('')
  const [q, setQ] = useState('')
  const [categoryId, setCategoryId] = useState('')
  const [status, setStatus] = useState('')
  const [page, setPage] = useState(1)
  const groups = useCategoryGroups()
  const ids = { q: useId(), category: useId(), status: useId() }
  const filter: PolicyFilter = {
    page,
    pageSize: 20,
    ...(q ? { q } : {}),
    ...(categoryId ? { categoryId: Number(categoryId) } : {}),
    ...(status ? { status: status as PolicyStatus } : {}),
  }
  const list = useQuery(policyQueries.list(filter))
  const search = (e: FormEvent) => {
    e.preventDefault()
    setQ(typed.trim())
    setPage(1)
  }
  return (
    <div className="tp-list" data-testid="tp-list">
      <div className="tp-toolbar">
        <form className="tp-search" onSubmit={search}>
          <label htmlFor={ids.q} className="visually-hidden">
            {t('training.policies.search')}
          </label>
          <input
            id={ids.q}
            type="search"
            value={typed}
            maxLength={100}
            placeholder={t('training.policies.searchPlaceholder')}
            onChange={(e) => setTyped(e.target.value)}
            data-testid="tp-search"
          />
          <button type="submit" className="btn" data-testid="tp-search-submit">
            {t('training.policies.search')}
          </button>
        </form>
        {keeper && (
          <a className="btn btn-primary" href={routes.training('policies', 'new')} data-testid="tp-new">
            {t('training.policies.new')}
          </a>
        )}
      </div>
      <div className="tp-filters">
        <label htmlFor={ids.category}>{t('training.policies.category')}</label>
        <select
          id={ids.category}
          value={categoryId}
          onChange={(e) => {
            setCategoryId(e.target.value)
            setPage(1)
          }}
          data-testid="tp-filter-category"
        >
          <option value="">{t('training.policies.all')}</option>
          {groups.map(({ group, leaves }) => (
            <optgroup key={group.id} label={localName(group, lng)}>
              <option value={group.id}>{t('training.policies.wholeGroup', { name: localName(group, lng) })}</option>
              {leaves.map((c) => (
                <option key={c.id} value={c.id}>
                  {localName(c, lng)}
                </option>
              ))}
            </optgroup>
          ))}
        </select>
        {keeper && (
          <>
            <label htmlFor={ids.status}>{t('training.policies.status')}</label>
            <select
              id={ids.status}
              value={status}
              onChange={(e) => {
                setStatus(e.target.value)
                setPage(1)
              }}
              data-testid="tp-filter-status"
            >
              <option value="">{t('training.policies.all')}</option>
              {POLICY_STATUSES.map((s) => (
                <option key={s} value={s}>
                  {t(`training.policies.statuses.${s}`)}
                </option>
              ))}
            </select>
          </>
        )}
      </div>
      <QueryStatus query={list} />
      {list.data && list.data.items.length === 0 && (
        <p className="muted" data-testid="tp-empty">
          {t('training.policies.empty')}
        </p>
      )}
      {list.data && list.data.items.length > 0 && (
        <ul className="tp-rows" data-testid="tp-rows">
          {list.data.items.map((p) => (
            <li key={p.id} className="card tp-row" data-id={p.id}>
              <div className="tp-row-head">
                <a href={routes.training('policies', p.id)} className="tp-title" data-testid={`tp-policy-${p.id}`}>
                  {p.title}
                </a>
                {p.status !== 'published' && <StatusBadge status={p.status} />}
              </div>
              <DatesLine p={p} />
              <p className="tp-excerpt">{p.excerpt}</p>
              <p className="tp-row-foot">
                <span className="muted">{localName(p.area, lng)}</span>
                <CategoryChips categories={p.categories} />
              </p>
            </li>
          ))}
        </ul>
      )}
      {list.data && (
        <Pager page={list.data.page} pageSize={list.data.pageSize} total={list.data.total} onPage={setPage} />
      )}
    </div>
  )
}
