import { keepPreviousData, useQuery } from '@tanstack/react-query'
import { useMemo, useState } from 'react'
import { useTranslation } from 'react-i18next'
import { Pager } from '../../../components/Pager'
import { QueryStatus } from '../../../components/QueryStatus'
import { formatDateTime } from '../../../i18n'
import { routes } from '../../../router'
import type { User } from '../../../types'
import { catalogueQueries, type ApplicationFilter, type ApplicationStatus } from './api'
import { APPLICATION_STATES, ApplicationBadge, CatalogueNav, DueClock, PAGE_SIZE } from './common'

const OPEN: readonly ApplicationStatus[] = ['submitted', 'approved']

/**
 * Applications as a list: "my applications" for a resident (status and due date), or the staff
 * queue of their areas (department handlers: what their department delivers) with filters by
 * status, service and overdue, overdue ones highlighted. Each row is a link, so the keyboard walks it.
 */
export function ApplicationList({ user, mode }: { user: User; mode: 'mine' | 'queue' }) {
  const { t, i18n } = useTranslation()
  const lng = i18n.language
  const queue = mode === 'queue'
  const [status, setStatus] = useState<ApplicationStatus | ''>(queue ? 'submitted' : '')
  const [serviceId, setServiceId] = useState('')
  const [overdue, setOverdue] = useState(false)
  const [page, setPage] = useState(1)
  const services = useQuery({ ...catalogueQueries.list({ pageSize: 100 }), enabled: queue })
  const filter = useMemo(
    (): ApplicationFilter => ({
      status: status || undefined,
      serviceId: queue && serviceId ? Number(serviceId) : undefined,
      overdue: queue && overdue ? true : undefined,
      mine: queue ? undefined : true,
      sort: queue ? 'due' : 'newest',
      page,
      pageSize: PAGE_SIZE,
    }),
    [status, serviceId, overdue, page, queue],
  )
  const list = useQuery({ ...catalogueQueries.applications(filter), placeholderData: keepPreviousData })
  const data = list.data
  const reset = () => setPage(1)

  return (
    <div className="application-list" data-testid={queue ? 'application-queue' : 'my-applications'}>
      <CatalogueNav user={user} current={mode} />
      <p className="muted">{queue ? t('services.catalogue.queue.intro') : t('services.catalogue.mine.intro')}</p>
      <div className="card catalogue-filters">
        <label className="inline-field">
          <span>{t('services.catalogue.queue.status')}</span>
          <select
            data-testid="application-filter-status"
            value={status}
            onChange={(e) => {
              setStatus(e.target.value as ApplicationStatus | '')
              reset()
            }}
          >
            <option value="">{t('services.catalogue.queue.allStates')}</option>
            {APPLICATION_STATES.map((s) => (
              <option key={s} value={s}>
                {t(`services.catalogue.states.${s}`)}
              </option>
            ))}
          </select>
        </label>
        {queue && (
          <label className="inline-field">
            <span>{t('services.catalogue.queue.service')}</span>
            <select
              data-testid="application-filter-service"
              value={serviceId}
              onChange={(e) => {
                setServiceId(e.target.value)
                reset()
              }}
            >
              <option value="">{t('services.catalogue.queue.allServices')}</option>
              {services.data?.items.map((s) => (
                <option key={s.id} value={s.id}>
                  {s.name}
                </option>
              ))}
            </select>
          </label>
        )}
        {queue && (
          <label className="check">
            <input
              type="checkbox"
              data-testid="application-filter-overdue"
              checked={overdue}
              onChange={(e) => {
                setOverdue(e.target.checked)
                reset()
              }}
            />
            {t('services.catalogue.queue.overdueOnly')}
          </label>
        )}
      </div>
      <QueryStatus query={list} />
      {data && (
        <p className="muted" data-testid="application-total" aria-live="polite">
          {t('services.catalogue.queue.total', { n: data.total })}
        </p>
      )}
      {data && data.items.length === 0 && (
        <p className="muted empty" data-testid="application-empty">
          {queue ? t('services.catalogue.queue.empty') : t('services.catalogue.mine.empty')}
        </p>
      )}
      {data && data.items.length > 0 && (
        <ul className="application-rows">
          {data.items.map((a) => {
            const late = OPEN.includes(a.status) && a.overdue
            return (
              <li
                key={a.id}
                className={`card application-row${late ? ' overdue' : ''}`}
                data-testid="application-row"
                data-id={a.id}
                data-state={a.status}
                data-overdue={late}
              >
                <div className="application-row-head">
                  <ApplicationBadge status={a.status} testId="application-row-state" />
                  <span className="muted mono">{a.reference}</span>
                  {late && <span className="badge badge-danger">{t('services.catalogue.queue.overdue')}</span>}
                </div>
                <a
                  className="application-row-link"
                  href={routes.services('catalogue', 'applications', a.id)}
                  data-testid="application-link"
                >
                  {a.serviceName}
                  {queue && a.applicantName ? ` · ${a.applicantName}` : ''}
                </a>
                <p className="muted application-row-meta">
                  <span>
                    {t('services.catalogue.queue.submitted')}{' '}
                    <time dateTime={a.createdAt}>{formatDateTime(a.createdAt, lng)}</time>
                  </span>
                  {OPEN.includes(a.status) && (
                    <span>
                      {t('services.catalogue.queue.due')}{' '}
                      <DueClock dueAt={a.dueAt} overdue={a.overdue} testId="application-row-due" />
                    </span>
                  )}
                </p>
              </li>
            )
          })}
        </ul>
      )}
      {data && <Pager page={data.page} pageSize={data.pageSize} total={data.total} onPage={setPage} />}
    </div>
  )
}
