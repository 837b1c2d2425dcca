import { keepPreviousData, useMutation, useQuery } from '@tanstack/react-query'
import { type FormEvent, useEffect, useState } from 'react'
import { useTranslation } from 'react-i18next'
import { AreaSelect } from '../../../components/AreaSelect'
import { ErrorBanner } from '../../../components/ErrorBanner'
import { Pager } from '../../../components/Pager'
import { QueryStatus } from '../../../components/QueryStatus'
import { formatDateTime } from '../../../i18n'
import { type NewReport, newKey, type ReportItem, reportQueries, reportsApi, reportsChanged } from './api'
import './reports.css'

const PAGE_SIZE = 20

/** Last month as YYYY-MM (the month a leader most often asks for). */
function lastMonth(now = new Date()): string {
  const d = new Date(now.getFullYear(), now.getMonth() - 1, 1)
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}`
}

/**
 * Monthly reports (#/monthly-reports): request the report of an area and month, follow its
 * rendering on a progress bar, and download the PDF and XLSX of every report in the list (those
 * the schedule made on the 1st of each month among them).
 */
export function ReportsPage() {
  const { t } = useTranslation()
  const [page, setPage] = useState(1)
  const [current, setCurrent] = useState<number | null>(null)
  const list = useQuery({ ...reportQueries.list({ page, pageSize: PAGE_SIZE }), placeholderData: keepPreviousData })
  return (
    <section className="page reports-page" data-testid="page-monthly-reports">
      <div className="page-head">
        <h1 className="page-title">{t('analytics.reports.title')}</h1>
      </div>
      <p className="muted">{t('analytics.reports.intro')}</p>
      <RequestForm onRequested={(id) => setCurrent(id)} />
      {current !== null && <JobProgress id={current} />}
      <h2 className="section-title">{t('analytics.reports.list')}</h2>
      <QueryStatus query={list} />
      {list.data && list.data.items.length === 0 && (
        <p className="muted empty" data-testid="reports-empty">
          {t('analytics.reports.empty')}
        </p>
      )}
      {list.data && list.data.items.length > 0 && (
        <div className="reports-table-wrap">
          <table className="reports-table" data-testid="reports-table">
            <thead>
              <tr>
                <th scope="col">{t('analytics.reports.area')}</th>
                <th scope="col">{t('analytics.reports.month')}</th>
                <th scope="col">{t('analytics.reports.locale')}</th>
                <th scope="col">{t('analytics.reports.origin')}</th>
                <th scope="col">{t('analytics.reports.state')}</th>
                <th scope="col">{t('analytics.reports.asOf')}</th>
                <th scope="col">{t('analytics.reports.files')}</th>
              </tr>
            </thead>
            <tbody>
              {list.data.items.map((r) => (
                <ReportRow key={r.id} r={r} />
              ))}
            </tbody>
          </table>
        </div>
      )}
      {list.data && <Pager page={page} pageSize={PAGE_SIZE} total={list.data.total} onPage={(p) => setPage(p)} />}
    </section>
  )
}

function ReportRow({ r }: { r: ReportItem }) {
  const { t, i18n } = useTranslation()
  const zh = i18n.language === 'zh-CN'
  return (
    <tr data-testid="report-row" data-id={r.id} data-state={r.state}>
      <td>{zh ? r.areaNameZh : r.areaNameEn}</td>
      <td>
        {r.month}
        {r.provisional && (
          <span className="badge badge-warn" data-testid="report-provisional">
            {t('analytics.reports.provisional')}
          </span>
        )}
      </td>
      <td>{t(`analytics.reports.locales.${r.locale}`)}</td>
      <td>{t(r.scheduled ? 'analytics.reports.scheduled' : 'analytics.reports.requested')}</td>
      <td>
        {r.state === 'done' || r.state === 'failed'
          ? t(`analytics.reports.states.${r.state}`)
          : `${t(`analytics.reports.states.${r.state}`)} ${r.progress}%`}
      </td>
      <td>{formatDateTime(r.asOf, i18n.language)}</td>
      <td>{r.state === 'done' ? <Downloads id={r.id} /> : '—'}</td>
    </tr>
  )
}

function Downloads({ id }: { id: number }) {
  const { t } = useTranslation()
  return (
    <span className="report-files">
      <a href={reportsApi.fileUrl(id, 'pdf')} download data-testid="report-pdf">
        PDF
        <span className="visually-hidden"> {t('analytics.reports.download', { id })}</span>
      </a>
      <a href={reportsApi.fileUrl(id, 'xlsx')} download data-testid="report-xlsx">
        XLSX
        <span className="visually-hidden"> {t('analytics.reports.download', { id })}</span>
      </a>
    </span>
  )
}

function RequestForm({ onRequested }: { onRequested: (id: number) => void }) {
  const { t, i18n } = useTranslation()
  const [areaId, setAreaId] = useState('')
  const [month, setMonth] = useState(lastMonth)
  const [locale, setLocale] = useState<NewReport['locale']>(i18n.language === 'en' ? 'en' : 'zh-CN')
  // One key per filled-in form until it is answered: a retry of a lost answer asks once. After an
  // answer a new key, so asking again is a new request (the server still returns the same job
  // while the figures are unchanged).
  const [session, setSession] = useState(newKey)
  const key = `${session}:${areaId}:${month}:${locale}`
  const request = useMutation({
    mutationFn: (body: NewReport) => reportsApi.request(body, key),
    onSuccess: async (job) => {
      setSession(newKey())
      onRequested(job.id)
      await reportsChanged()
    },
  })
  const submit = (e: FormEvent) => {
    e.preventDefault()
    if (!areaId || !month) return
    request.mutate({ areaId: Number(areaId), month, locale })
  }
  return (
    <form className="filters card monthly-report-form" onSubmit={submit} data-testid="report-form">
      <label htmlFor="report-area" className="inline-field">
        <span>{t('analytics.reports.area')}</span>
        <AreaSelect
          id="report-area"
          value={areaId}
          onChange={setAreaId}
          maxLevel="community"
          emptyLabel={t('analytics.reports.pickArea')}
          testId="report-area"
          required
        />
      </label>
      <label className="inline-field">
        <span>{t('analytics.reports.month')}</span>
        <input
          type="month"
          value={month}
          onChange={(e) => setMonth(e.target.value)}
          required
          pattern="[0-9]{4}-[0-9]{2}"
          data-testid="report-month"
        />
      </label>
      <label className="inline-field">
        <span>{t('analytics.reports.locale')}</span>
        <select
          value={locale}
          onChange={(e) => setLocale(e.target.value as NewReport['locale'])}
          data-testid="report-locale"
        >
          <option value="zh-CN">{t('analytics.reports.locales.zh-CN')}</option>
          <option value="en">{t('analytics.reports.locales.en')}</option>
        </select>
      </label>
      <button type="submit" className="btn btn-primary" disabled={request.isPending} data-testid="report-request">
        {t('analytics.reports.request')}
      </button>
      <p className="muted report-hint">{t('analytics.reports.hint')}</p>
      <ErrorBanner error={request.error} />
    </form>
  )
}

/** The job just requested: its progress bar, polled until it is done, then its files. */
function JobProgress({ id }: { id: number }) {
  const { t, i18n } = useTranslation()
  const q = useQuery(reportQueries.job(id))
  const job = q.data
  useEffect(() => {
    if (job?.state === 'done' || job?.state === 'failed') void reportsChanged()
  }, [job?.state])
  if (!job) return <QueryStatus query={q} />
  const name = i18n.language === 'zh-CN' ? job.areaNameZh : job.areaNameEn
  return (
    <div className="report-job" data-testid="report-job" data-state={job.state}>
      <p>
        {t('analytics.reports.job', { area: name, month: job.month })}
        {job.provisional && (
          <span className="badge badge-warn" data-testid="report-job-provisional">
            {t('analytics.reports.provisional')}
          </span>
        )}
      </p>
      <div
        className="report-progress"
        role="progressbar"
        aria-label={t('analytics.reports.progress')}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={job.progress}
        data-testid="report-progress"
      >
        <div className="report-progress-bar" style={{ width: `${job.progress}%` }} />
      </div>
      <p className="muted" data-testid="report-job-state">
        {t(`analytics.reports.states.${job.state}`)} · {job.progress}%
      </p>
      {job.state === 'failed' && <p className="error-text">{job.error}</p>}
      {job.state === 'done' && <Downloads id={job.id} />}
    </div>
  )
}
