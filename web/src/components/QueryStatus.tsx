import { useTranslation } from 'react-i18next'
import { ErrorBanner } from './ErrorBanner'

/** What a screen needs to know of a query to say it is loading or failed. */
interface QueryLike {
  error: unknown
  isPending: boolean
  isFetching: boolean
  refetch: () => unknown
}

/**
 * The loading line or the error (with a retry) of one or more queries; nothing once they have data.
 * A retry shows as loading again, not as the old error.
 */
export function QueryStatus({ query, testId }: { query: QueryLike | readonly QueryLike[]; testId?: string }) {
  const list: readonly QueryLike[] = Array.isArray(query) ? query : [query as QueryLike]
  const failed = list.find((q) => q.error && !q.isFetching)
  if (failed) return <ErrorBanner error={failed.error} onRetry={() => void failed.refetch()} testId={testId} />
  return list.some((q) => q.isPending) ? <Loading /> : null
}

/** The loading line; `splash` centres it with a spinner on an otherwise empty screen. */
export function Loading({ splash = false }: { splash?: boolean }) {
  const { t } = useTranslation()
  if (!splash) return <p className="muted">{t('common.loading')}</p>
  return (
    <div className="splash" role="status" aria-live="polite">
      <span className="spinner" aria-hidden="true" />
      {t('common.loading')}
    </div>
  )
}
