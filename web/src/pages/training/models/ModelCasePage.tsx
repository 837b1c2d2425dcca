import { useMutation, useQuery } from '@tanstack/react-query'
import { useId, useState } from 'react'
import { useTranslation } from 'react-i18next'
import { ErrorBanner } from '../../../components/ErrorBanner'
import { QueryStatus } from '../../../components/QueryStatus'
import { formatDateTime } from '../../../i18n'
import { routes } from '../../../router'
import { type ModelCase, modelQueries, modelsApi, modelsChanged } from './api'
import { MetaLine, StatusBadge } from './common'

/** Where the source lives in the app, for those who may see it (the server gives its reference only to them). */
export function sourceHref(source: ModelCase['source']): string {
  if (source.kind === 'case') return routes.case(source.id)
  if (source.kind === 'dispute') return routes.dispute(source.id)
  return routes.participation('proposals', source.id)
}

/**
 * One model case: the problem, the method, the result and the lessons, with a link to its source
 * for staff who may see it. Its keepers edit it (the check runs in the editor) and withdraw it.
 */
export function ModelCasePage({ id }: { id: number }) {
  const { t } = useTranslation()
  const detail = useQuery(modelQueries.detail(id))
  const m = detail.data
  return (
    <div className="tm-page" data-testid="tm-page">
      <a className="back-link" href={routes.training('models')}>
        {t('training.models.back')}
      </a>
      <QueryStatus query={detail} />
      {m && (
        <article className="card tm-article" data-id={m.id} data-status={m.status}>
          <header>
            <h2 className="tm-heading" data-testid="tm-title">
              {m.title} {m.status !== 'published' && <StatusBadge status={m.status} />}
            </h2>
            <MetaLine m={m} />
            <p className="muted">
              {m.publishedAt ? t('training.models.publishedAt', { at: formatDateTime(m.publishedAt) }) : ''}
              {m.source.reference && (
                <>
                  {m.publishedAt ? ' · ' : ''}
                  <a href={sourceHref(m.source)} data-testid="tm-source-link">
                    {t(`training.models.sourceLink.${m.source.kind}`, { reference: m.source.reference })}
                  </a>
                </>
              )}
            </p>
            {m.tags.length > 0 && (
              <p className="tm-tags">
                {m.tags.map((tag) => (
                  <span key={tag} className="tm-badge tm-tag">
                    #{tag}
                  </span>
                ))}
              </p>
            )}
          </header>
          {(['problem', 'method', 'result', 'lessons'] as const).map((f) =>
            m[f] ? (
              <section key={f} className="tm-section" aria-labelledby={`tm-${f}-h`} data-testid={`tm-${f}`}>
                <h3 id={`tm-${f}-h`}>{t(`training.models.fields.${f}`)}</h3>
                <p className="tm-pre">{m[f]}</p>
              </section>
            ) : null,
          )}
          {m.canEdit && <KeeperActions m={m} />}
        </article>
      )}
    </div>
  )
}

function KeeperActions({ m }: { m: ModelCase }) {
  const { t } = useTranslation()
  const [reason, setReason] = useState('')
  const reasonId = useId()
  const withdraw = useMutation({
    mutationFn: () => modelsApi.withdraw(m.id, m.version, reason.trim()),
    onSuccess: () => modelsChanged(),
  })
  return (
    <div className="tm-actions" data-testid="tm-actions">
      <a className="btn" href={routes.training('models', m.id, 'edit')} data-testid="tm-edit">
        {m.status === 'published' ? t('training.models.edit') : t('training.models.editAndPublish')}
      </a>
      {m.status === 'published' && (
        <span className="tm-inline">
          <label htmlFor={reasonId}>{t('training.models.withdrawReason')}</label>
          <input
            id={reasonId}
            value={reason}
            maxLength={500}
            onChange={(e) => setReason(e.target.value)}
            data-testid="tm-withdraw-reason"
          />
          <button
            type="button"
            className="btn"
            disabled={!reason.trim() || withdraw.isPending}
            onClick={() => withdraw.mutate()}
            data-testid="tm-withdraw"
          >
            {t('training.models.withdraw')}
          </button>
        </span>
      )}
      <ErrorBanner error={withdraw.error} />
    </div>
  )
}
