import { useQuery } from '@tanstack/react-query'
import { useId, useState, type FormEvent } from 'react'
import { useTranslation } from 'react-i18next'
import { queries } from '../../../api/queries'
import { Pager } from '../../../components/Pager'
import { QueryStatus } from '../../../components/QueryStatus'
import { localName } from '../../../i18n'
import { hasRole } from '../../../modules'
import { routes } from '../../../router'
import type { Category, User } from '../../../types'
import { TRAINING_KEEPERS } from '../section'
import {
  MODEL_CASE_STATUSES,
  type ModelCaseFilter,
  type ModelCaseStatus,
  modelQueries,
  SOURCE_KINDS,
  type SourceKind,
} from './api'
import { MetaLine, StatusBadge } from './common'

/**
 * The library: words (Chinese is segmented on the server, best matches first), a case category,
 * where they were written up from, and for keepers a status (their drafts and withdrawn ones).
 * Write-ups start from a closed case, dispute or proposal, not here.
 */
export function ModelLibrary({ user }: { user: User }) {
  const { t, i18n } = useTranslation()
  const lng = i18n.language
  const keeper = hasRole(user, TRAINING_KEEPERS)
  const [typed, setTyped] = useState('')
  const [q, setQ] = useState('')
  const [categoryId, setCategoryId] = useState('')
  const [sourceKind, setSourceKind] = useState('')
  const [status, setStatus] = useState('')
  const [page, setPage] = useState(1)
  const categories = useQuery(queries.categories())
  const ids = { q: useId(), category: useId(), source: useId(), status: useId() }
  const filter: ModelCaseFilter = {
    page,
    pageSize: 20,
    ...(q ? { q } : {}),
    ...(categoryId ? { categoryId: Number(categoryId) } : {}),
    ...(sourceKind ? { sourceKind: sourceKind as SourceKind } : {}),
    ...(status ? { status: status as ModelCaseStatus } : {}),
  }
  const list = useQuery(modelQueries.list(filter))
  const search = (e: FormEvent) => {
    e.preventDefault()
    setQ(typed.trim())
    setPage(1)
  }
  const pick = (set: (v: string) => void) => (e: { target: { value: string } }) => {
    set(e.target.value)
    setPage(1)
  }
  return (
    <div className="tm-list" data-testid="tm-list">
      <p className="muted tm-intro">{t('training.models.intro')}</p>
      <form className="tm-search" onSubmit={search}>
        <label htmlFor={ids.q} className="visually-hidden">
          {t('training.models.search')}
        </label>
        <input
          id={ids.q}
          type="search"
          value={typed}
          maxLength={100}
          placeholder={t('training.models.searchPlaceholder')}
          onChange={(e) => setTyped(e.target.value)}
          data-testid="tm-search"
        />
        <button type="submit" className="btn" data-testid="tm-search-submit">
          {t('training.models.search')}
        </button>
      </form>
      <div className="tm-filters">
        <span>
          <label htmlFor={ids.category}>{t('training.models.category')}</label>
          <select id={ids.category} value={categoryId} onChange={pick(setCategoryId)} data-testid="tm-filter-category">
            <option value="">{t('training.models.all')}</option>
            {(categories.data ?? []).map((g: Category) => (
              <optgroup key={g.id} label={localName(g, lng)}>
                {(g.children ?? []).map((c) => (
                  <option key={c.id} value={c.id}>
                    {localName(c, lng)}
                  </option>
                ))}
              </optgroup>
            ))}
          </select>
        </span>
        <span>
          <label htmlFor={ids.source}>{t('training.models.source')}</label>
          <select id={ids.source} value={sourceKind} onChange={pick(setSourceKind)} data-testid="tm-filter-source">
            <option value="">{t('training.models.all')}</option>
            {SOURCE_KINDS.map((k) => (
              <option key={k} value={k}>
                {t(`training.models.sources.${k}`)}
              </option>
            ))}
          </select>
        </span>
        {keeper && (
          <span>
            <label htmlFor={ids.status}>{t('training.models.status')}</label>
            <select id={ids.status} value={status} onChange={pick(setStatus)} data-testid="tm-filter-status">
              <option value="">{t('training.models.all')}</option>
              {MODEL_CASE_STATUSES.map((s) => (
                <option key={s} value={s}>
                  {t(`training.models.statuses.${s}`)}
                </option>
              ))}
            </select>
          </span>
        )}
      </div>
      <QueryStatus query={list} />
      {list.data && list.data.items.length === 0 && (
        <p className="muted" data-testid="tm-empty">
          {t('training.models.empty')}
        </p>
      )}
      {list.data && list.data.items.length > 0 && (
        <ul className="tm-cards" data-testid="tm-cards">
          {list.data.items.map((m) => (
            <li key={m.id} className="card tm-card" data-id={m.id}>
              <div className="tm-card-head">
                <a href={routes.training('models', m.id)} className="tm-title" data-testid={`tm-card-${m.id}`}>
                  {m.title}
                </a>
                {m.status !== 'published' && <StatusBadge status={m.status} />}
              </div>
              <MetaLine m={m} />
              <p className="tm-excerpt">{m.excerpt}</p>
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
