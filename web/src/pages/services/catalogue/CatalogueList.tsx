import { keepPreviousData, useQuery } from '@tanstack/react-query'
import { useEffect, useMemo, useState } from 'react'
import { useTranslation } from 'react-i18next'
import { Pager } from '../../../components/Pager'
import { QueryStatus } from '../../../components/QueryStatus'
import { formatNumber, localName } from '../../../i18n'
import { routes } from '../../../router'
import type { User } from '../../../types'
import { catalogueQueries, type ServiceFilter, type ServiceView } from './api'
import { CatalogueNav, PAGE_SIZE, ServiceBadge } from './common'
import { CATEGORIES, pick, type Category } from './definitions'

/**
 * The catalogue of services residents may apply for, grouped by category: what each is, who
 * delivers it, its time limits and its price in time-bank hours; a category filter and a search.
 */
export function CatalogueList({ user }: { user: User }) {
  const { t } = useTranslation()
  const [category, setCategory] = useState<Category | ''>('')
  const [qText, setQText] = useState('')
  const [q, setQ] = useState('')
  const [page, setPage] = useState(1)

  useEffect(() => {
    const timer = setTimeout(() => {
      if (qText.trim() !== q) {
        setQ(qText.trim())
        setPage(1)
      }
    }, 300)
    return () => clearTimeout(timer)
  }, [qText, q])

  const filter = useMemo(
    (): ServiceFilter => ({
      category: category || undefined,
      q: q ? q.slice(0, 100) : undefined,
      status: 'active',
      page,
      pageSize: PAGE_SIZE * 2,
    }),
    [category, q, page],
  )
  const list = useQuery({ ...catalogueQueries.list(filter), placeholderData: keepPreviousData })
  const data = list.data
  // Cards grouped under their category, in the catalogue's order of categories.
  const groups = useMemo(() => {
    const items = (data?.items ?? []).filter((s) => s.status === 'active')
    return CATEGORIES.map((c) => ({ category: c, items: items.filter((s) => s.category === c) })).filter(
      (g) => g.items.length > 0,
    )
  }, [data])

  return (
    <div className="catalogue" data-testid="catalogue-list">
      <CatalogueNav user={user} current="catalogue" />
      <p className="muted">{t('services.catalogue.list.intro')}</p>
      <div className="card catalogue-filters">
        <label className="inline-field catalogue-search">
          <span>{t('services.catalogue.list.search')}</span>
          <input
            type="search"
            data-testid="catalogue-search"
            placeholder={t('services.catalogue.list.searchPlaceholder')}
            maxLength={100}
            value={qText}
            onChange={(e) => setQText(e.target.value)}
          />
        </label>
        <label className="inline-field">
          <span>{t('services.catalogue.list.category')}</span>
          <select
            data-testid="catalogue-category"
            value={category}
            onChange={(e) => {
              setCategory(pick(CATEGORIES, e.target.value) ?? '')
              setPage(1)
            }}
          >
            <option value="">{t('services.catalogue.list.allCategories')}</option>
            {CATEGORIES.map((c) => (
              <option key={c} value={c}>
                {t(`services.catalogue.categories.${c}`)}
              </option>
            ))}
          </select>
        </label>
      </div>
      <QueryStatus query={list} />
      {data && groups.length === 0 && (
        <p className="muted empty" data-testid="catalogue-empty">
          {t('services.catalogue.list.empty')}
        </p>
      )}
      {groups.map((g) => (
        <section key={g.category} className="catalogue-group" aria-labelledby={`catalogue-group-${g.category}`}>
          <h2 className="section-title" id={`catalogue-group-${g.category}`}>
            {t(`services.catalogue.categories.${g.category}`)}
          </h2>
          <ul className="service-cards">
            {g.items.map((s) => (
              <ServiceCard key={s.id} service={s} />
            ))}
          </ul>
        </section>
      ))}
      {data && <Pager page={data.page} pageSize={data.pageSize} total={data.total} onPage={setPage} />}
    </div>
  )
}

/** Who delivers a service: its department, its social organisation, or both. */
export function delivererText(
  s: { departmentNameZh?: string | null; departmentNameEn?: string | null; organisationName?: string | null },
  lng: string,
): string {
  const dept =
    s.departmentNameZh || s.departmentNameEn
      ? localName({ nameZh: s.departmentNameZh, nameEn: s.departmentNameEn }, lng)
      : ''
  return [dept, s.organisationName ?? ''].filter(Boolean).join(' · ')
}

export function ServiceCard({ service: s, editor = false }: { service: ServiceView; editor?: boolean }) {
  const { t, i18n } = useTranslation()
  const lng = i18n.language
  // The list's items may carry their deliverer's names; the service page always does.
  const deliverer = delivererText(s as Parameters<typeof delivererText>[0], lng)
  return (
    <li className="card service-card" data-testid="service-card" data-id={s.id} data-code={s.code}>
      <div className="service-card-head">
        <span className="badge badge-muted">{t(`services.catalogue.categories.${s.category}`)}</span>
        {(editor || s.status !== 'active') && <ServiceBadge status={s.status} />}
        {s.timeBankHours !== null && (
          <span className="badge badge-tag" data-testid="service-card-hours">
            {t('services.catalogue.list.hours', { n: formatNumber(s.timeBankHours, 2, lng) })}
          </span>
        )}
      </div>
      <h3>
        <a
          href={editor ? routes.services('catalogue', 'editor', s.id) : routes.services('catalogue', s.id)}
          data-testid="service-link"
        >
          {s.name}
        </a>
      </h3>
      <p className="service-card-desc">{s.summary}</p>
      <dl className="service-card-facts">
        {deliverer && (
          <>
            <dt>{t('services.catalogue.service.deliverer')}</dt>
            <dd data-testid="service-card-deliverer">{deliverer}</dd>
          </>
        )}
        <dt>{t('services.catalogue.service.limits')}</dt>
        <dd>{t('services.catalogue.service.limitsText', { review: s.reviewDays, delivery: s.deliveryDays })}</dd>
        {(s.areaNameZh || s.areaNameEn) && (
          <>
            <dt>{t('services.catalogue.service.area')}</dt>
            <dd>{localName(s, lng)}</dd>
          </>
        )}
      </dl>
    </li>
  )
}
