import { keepPreviousData, useQuery } from '@tanstack/react-query'
import { useState } from 'react'
import { useTranslation } from 'react-i18next'
import { queries } from '../api/queries'
import { Pager } from '../components/Pager'
import { QueryStatus } from '../components/QueryStatus'
import { CaseTable } from './WorkbenchPage'

const PAGE_SIZE = 20

/** Open cases past a deadline (escalated), most overdue first. */
export function SupervisionPage() {
  const { t } = useTranslation()
  const [page, setPage] = useState(1)
  const list = useQuery({ ...queries.supervision({ page, pageSize: PAGE_SIZE }), placeholderData: keepPreviousData })
  const data = list.data

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
      <QueryStatus query={list} />
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
