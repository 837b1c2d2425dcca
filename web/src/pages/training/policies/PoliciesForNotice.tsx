import { useQuery } from '@tanstack/react-query'
import { useTranslation } from 'react-i18next'
import { queries } from '../../../api/queries'
import { hasRole } from '../../../modules'
import { routes } from '../../../router'
import { policiesApi, policyKeys } from './api'
import './policies.css'

const STAFF = ['admin', 'leader', 'staff', 'grid_worker', 'department_handler', 'mediator'] as const

/**
 * On a notice's page, for staff: the policy explainers the notice publishes (政策解读), as links.
 * Residents never ask (the route is for staff); nothing is rendered on none or on a refusal.
 */
export function PoliciesForNotice({ noticeId }: { noticeId: number }) {
  const { t } = useTranslation()
  const me = useQuery(queries.me())
  const staff = hasRole(me.data ?? null, STAFF)
  const linked = useQuery({
    queryKey: policyKeys.onNotice(noticeId),
    queryFn: ({ signal }) => policiesApi.list({ noticeId, pageSize: 20 }, signal),
    enabled: staff,
    retry: false,
  })
  const items = linked.data?.items ?? []
  if (!staff || items.length === 0) return null
  return (
    <aside className="card tp-on-notice" aria-labelledby="tp-on-notice-h" data-testid="tp-on-notice">
      <h2 id="tp-on-notice-h">{t('training.policies.explainers')}</h2>
      <ul className="tp-links">
        {items.map((p) => (
          <li key={p.id}>
            <a href={routes.training('policies', p.id)}>{p.title}</a>
          </li>
        ))}
      </ul>
    </aside>
  )
}
