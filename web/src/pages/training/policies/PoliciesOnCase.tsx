import { useQuery } from '@tanstack/react-query'
import { useTranslation } from 'react-i18next'
import { routes } from '../../../router'
import { policiesApi, policyKeys } from './api'
import './policies.css'

/**
 * 相关政策: the published policies bearing on the case's category (or its parent) that the caller
 * reads, newest first, at most 5 — each with the first lines of its explainer and a link. Renders
 * nothing when there are none or the caller may not read them. `categoryId` keys the query, so a
 * recategorised case asks again.
 */
export function PoliciesOnCase({ caseId, categoryId }: { caseId: number; categoryId: number }) {
  const { t } = useTranslation()
  const onCase = useQuery({
    queryKey: [...policyKeys.onCase(caseId), categoryId],
    queryFn: ({ signal }) => policiesApi.forCase(caseId, signal),
    retry: false,
  })
  const items = onCase.data?.items ?? []
  if (items.length === 0) return null
  return (
    <section className="card tp-on-case" aria-labelledby="tp-on-case-h" data-testid="tp-on-case">
      <h2 id="tp-on-case-h">{t('training.policies.relevant')}</h2>
      <ul className="tp-on-case-list">
        {items.map((p) => (
          <li key={p.id}>
            <a href={routes.training('policies', p.id)} data-testid={`tp-on-case-${p.id}`}>
              {p.title}
            </a>
            <p className="muted tp-excerpt">{p.excerpt}</p>
          </li>
        ))}
      </ul>
    </section>
  )
}
