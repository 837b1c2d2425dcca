import { useEffect, useState } from 'react'
import { useTranslation } from 'react-i18next'
import { api, isAbort } from '../api'
import { ErrorBanner } from '../components/ErrorBanner'
import { Pager } from '../components/Pager'
import type { CaseView, Paged } from '../types'
import { CaseTable } from './WorkbenchPage'

const PAGE_SIZE = 20

/** Open cases past a deadline (escalated), most overdue first. */
export function SupervisionPage() {
  const { t } = useTranslation()
  const [page, setPage] = useState(1)
  const [data, setData] = useState<Paged<CaseView> | null>(null)
  const [error, setError] = useState<unknown>(null)
  const [attempt, setAttempt] = useState(0)

  useEffect(() => {
    const ctrl = new AbortController()
    setError(null)
    api
      .supervision({ page, pageSize: PAGE_SIZE }, ctrl.signal)
      .then(setData)
      .catch((err) => !isAbort(err) && setError(err))
    return () => ctrl.abort()
  }, [page, attempt])

  return (
    <section className="page workbench-page" data-testid="page-supervision">
      <div className="page-head">
        <h1 className="page-title">{t('supervision.title')}</h1>
        {data && (
          <span className="badge badge-danger" data-testid="supervision-total">
            {t('supervision.total', { n: data.total })}
          </span>
        )}
      </div>
      <p className="muted">{t('supervision.intro')}</p>
      <ErrorBanner error={error} onRetry={() => setAttempt((n) => n + 1)} />
      {!data && !error && <p className="muted">{t('common.loading')}</p>}
      {data && data.items.length === 0 && (
        <p className="muted empty" data-testid="supervision-empty">
          {t('supervision.empty')}
        </p>
      )}
      {data && data.items.length > 0 && <CaseTable items={data.items} showEscalation />}
      {data && <Pager page={data.page} pageSize={data.pageSize} total={data.total} onPage={setPage} />}
    </section>
  )
}
