import { useQuery } from '@tanstack/react-query'
import { useTranslation } from 'react-i18next'
import { routes } from '../../router'
import { componentQueries } from './api'
import { ClassName, StateBadge } from './common'
import './components.css'

/**
 * The component a case is about, for the case page: its code, class, state and owner, one click
 * from its detail and case history. Renders nothing for a case about no component (or one the
 * caller cannot read).
 */
export function ComponentOnCase({ caseId }: { caseId: number }) {
  const { t, i18n } = useTranslation()
  const list = useQuery({ ...componentQueries.list({ caseId, pageSize: 1 }), retry: false })
  const c = list.data?.items[0]
  if (!c) return null
  const en = i18n.language === 'en'
  return (
    <section className="card case-component" aria-labelledby="case-component-title" data-testid="case-component">
      <h2 id="case-component-title" className="panel-title">
        {t('components.detail.caseLink')}
      </h2>
      <p>
        <a href={routes.components(c.id)} data-testid="case-component-link">
          {t('components.detail.caseLinkOpen', { code: c.code })}
        </a>{' '}
        · {c.name} · <ClassName item={c} /> · <StateBadge state={c.state} />
      </p>
      <p className="muted">
        {t('components.inventory.owner')}:{' '}
        {c.owner ? (en ? c.owner.nameEn : c.owner.nameZh) : t('components.inventory.noOwner')}
      </p>
    </section>
  )
}
