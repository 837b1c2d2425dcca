import { useTranslation } from 'react-i18next'
import { errorText } from '../i18n'

/** Shows an API error translated by its code; renders nothing without an error. */
export function ErrorBanner({ error, onRetry, testId }: { error: unknown; onRetry?: () => void; testId?: string }) {
  const { t } = useTranslation()
  if (!error) return null
  return (
    <div className="error-banner" role="alert" data-testid={testId}>
      <span>{errorText(error)}</span>
      {onRetry && (
        <button type="button" className="btn btn-small" onClick={onRetry}>
          {t('common.retry')}
        </button>
      )}
    </div>
  )
}
