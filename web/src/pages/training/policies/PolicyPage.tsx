import { useMutation, useQuery } from '@tanstack/react-query'
import { useTranslation } from 'react-i18next'
import { ErrorBanner } from '../../../components/ErrorBanner'
import { QueryStatus } from '../../../components/QueryStatus'
import { formatDateTime, localName } from '../../../i18n'
import { routes } from '../../../router'
import { policiesApi, policiesChanged, policyQueries, type PolicyDetail, type PolicyStatus } from './api'
import { CategoryChips, DatesLine, StatusBadge } from './common'

/** What a keeper may move a policy to from where it is (the server's transitions). */
const next: Record<PolicyStatus, PolicyStatus[]> = {
  draft: ['published'],
  published: ['retired'],
  retired: ['published'],
}

/**
 * One policy: title, document number, issuer and dates; the plain-language explainer first, then the
 * Q&A (each question opens its answer), then the full text as issued; the notices that publish it
 * and the case categories it bears on. Its keepers edit, publish, retire and republish it.
 */
export function PolicyPage({ id }: { id: number }) {
  const { t, i18n } = useTranslation()
  const detail = useQuery(policyQueries.detail(id))
  const p = detail.data
  return (
    <div className="tp-page" data-testid="tp-page">
      <a className="back-link" href={routes.training('policies')}>
        {t('training.policies.back')}
      </a>
      <QueryStatus query={detail} />
      {p && (
        <article className="card tp-article" data-id={p.id} data-status={p.status}>
          <header>
            <h2 className="tp-heading" data-testid="tp-title">
              {p.title} {p.status !== 'published' && <StatusBadge status={p.status} />}
            </h2>
            <DatesLine p={p} />
            <p className="muted">
              {localName(p.area, i18n.language)}
              {p.publishedAt ? ` · ${t('training.policies.publishedAt', { at: formatDateTime(p.publishedAt) })}` : ''}
            </p>
          </header>
          {p.explainer && (
            <section className="tp-explainer" aria-labelledby="tp-explainer-h" data-testid="tp-explainer">
              <h3 id="tp-explainer-h">{t('training.policies.explainer')}</h3>
              <p className="tp-pre">{p.explainer}</p>
            </section>
          )}
          {p.qa.length > 0 && (
            <section className="tp-qa" aria-labelledby="tp-qa-h" data-testid="tp-qa">
              <h3 id="tp-qa-h">{t('training.policies.qa')}</h3>
              {p.qa.map((x, i) => (
                // biome-ignore lint/suspicious/noArrayIndexKey: the Q&A has no ids; its order is its identity
                <details key={i} className="tp-qa-item">
                  <summary>{x.question}</summary>
                  <p className="tp-pre">{x.answer}</p>
                </details>
              ))}
            </section>
          )}
          <section className="tp-text" aria-labelledby="tp-text-h" data-testid="tp-text">
            <h3 id="tp-text-h">{t('training.policies.text')}</h3>
            <p className="tp-pre">{p.text}</p>
          </section>
          {p.notices.length > 0 && (
            <section aria-labelledby="tp-notices-h" data-testid="tp-notices">
              <h3 id="tp-notices-h">{t('training.policies.notices')}</h3>
              <ul className="tp-links">
                {p.notices.map((n) => (
                  <li key={n.id}>
                    <a href={routes.participation('notices', n.id)}>{n.title}</a>{' '}
                    <span className="muted">{formatDateTime(n.publishAt)}</span>
                  </li>
                ))}
              </ul>
            </section>
          )}
          {p.categories.length > 0 && (
            <section aria-labelledby="tp-categories-h" data-testid="tp-categories">
              <h3 id="tp-categories-h">{t('training.policies.categories')}</h3>
              <CategoryChips categories={p.categories} />
            </section>
          )}
          {p.canEdit && <KeeperActions policy={p} />}
        </article>
      )}
    </div>
  )
}

function KeeperActions({ policy: p }: { policy: PolicyDetail }) {
  const { t } = useTranslation()
  const move = useMutation({
    mutationFn: (status: PolicyStatus) => policiesApi.update(p.id, { version: p.version, status }),
    onSuccess: policiesChanged,
  })
  return (
    <div className="tp-actions">
      <a className="btn" href={routes.training('policies', p.id, 'edit')} data-testid="tp-edit">
        {t('training.policies.edit')}
      </a>
      {next[p.status].map((s) => (
        <button
          key={s}
          type="button"
          className={`btn${s === 'published' ? ' btn-primary' : ''}`}
          disabled={move.isPending}
          onClick={() => move.mutate(s)}
          data-testid={`tp-to-${s}`}
        >
          {t(p.status === 'retired' ? 'training.policies.republish' : `training.policies.to.${s}`)}
        </button>
      ))}
      {move.isError && <ErrorBanner error={move.error} />}
    </div>
  )
}
