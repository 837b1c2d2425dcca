import { keepPreviousData, useMutation, useQuery } from '@tanstack/react-query'
import { useEffect, useMemo, useState } from 'react'
import { useTranslation } from 'react-i18next'
import { api } from '../api'
import { queries } from '../api/queries'
import { Pager } from '../components/Pager'
import { QueryStatus } from '../components/QueryStatus'
import { errorText, formatDateTime } from '../i18n'
import type { AuditFilter, AuditVerifyResult } from '../types'

const PAGE_SIZE = 50
/** Entity types the server writes to the trail (src/**: recordAudit). */
const ENTITY_TYPES = [
  'case',
  'user',
  'area',
  'department',
  'case_category',
  'calendar_day',
  'api_key',
  'webhook',
  'person',
  'import_job',
  'data_grant',
] as const

interface Filters {
  action: string
  entityType: string
  /** `yyyy-mm-dd` from the date inputs, local days. */
  from: string
  to: string
}
const EMPTY: Filters = { action: '', entityType: '', from: '', to: '' }

/** Start of a local day as an ISO date-time; `nextDay` gives the exclusive end of that day. */
function dayStart(day: string, nextDay = false): string | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day)
  if (!m) return undefined
  const d = new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]) + (nextDay ? 1 : 0))
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString()
}

const shortHash = (h: string) => h.slice(0, 12)

/** The tamper-evident audit trail of the admin's areas, newest first, and a check of the hash chain. */
export function AuditPage() {
  const { t, i18n } = useTranslation()
  const lng = i18n.language
  const [filters, setFilters] = useState<Filters>(EMPTY)
  const [actionText, setActionText] = useState('')
  const [page, setPage] = useState(1)
  // Checking the chain is a deliberate act (it links pending entries first), not a read on opening.
  const verification = useMutation({ mutationFn: () => api.auditVerify() })
  const verifying = verification.isPending
  const verify = verification.isSuccess
    ? { result: verification.data }
    : verification.isError
      ? { error: verification.error }
      : null

  // Typing filters after a short pause, not on every key.
  useEffect(() => {
    const timer = setTimeout(() => {
      if (actionText.trim() !== filters.action) {
        setFilters((f) => ({ ...f, action: actionText.trim() }))
        setPage(1)
      }
    }, 300)
    return () => clearTimeout(timer)
  }, [actionText, filters.action])

  const query = useMemo((): AuditFilter => {
    const q: AuditFilter = {}
    if (filters.action) q.action = filters.action
    if (filters.entityType) q.entityType = filters.entityType
    const from = dayStart(filters.from)
    const to = dayStart(filters.to, true)
    if (from) q.from = from
    if (to) q.to = to
    return q
  }, [filters])

  const list = useQuery({
    ...queries.audit({ ...query, page, pageSize: PAGE_SIZE }),
    placeholderData: keepPreviousData,
  })
  const data = list.data

  const set = (patch: Partial<Filters>) => {
    setFilters((f) => ({ ...f, ...patch }))
    setPage(1)
  }

  const runVerify = () => verification.mutate()

  return (
    <section className="page audit-page" data-testid="page-audit">
      <div className="page-head">
        <h1 className="page-title">{t('audit.title')}</h1>
        {data && <span className="badge">{t('audit.total', { n: data.total })}</span>}
        <button
          type="button"
          className="btn btn-small"
          data-testid="audit-verify"
          disabled={verifying}
          onClick={runVerify}
        >
          {verifying ? t('audit.verifying') : t('audit.verify')}
        </button>
      </div>
      <p className="muted">{t('audit.intro')}</p>
      {verify && <VerifyResult verify={verify} />}
      <div className="filters audit-filters card">
        <input
          type="search"
          data-testid="audit-filter-action"
          placeholder={t('audit.actionPlaceholder')}
          aria-label={t('audit.action')}
          value={actionText}
          onChange={(e) => setActionText(e.target.value)}
        />
        <select
          data-testid="audit-filter-entity"
          aria-label={t('audit.entityType')}
          value={filters.entityType}
          onChange={(e) => set({ entityType: e.target.value })}
        >
          <option value="">{t('audit.allEntityTypes')}</option>
          {ENTITY_TYPES.map((e) => (
            <option key={e} value={e}>
              {t(`audit.entityTypes.${e}`)}
            </option>
          ))}
        </select>
        <label className="inline-field">
          {t('audit.from')}
          <input
            type="date"
            data-testid="audit-filter-from"
            value={filters.from}
            onChange={(e) => set({ from: e.target.value })}
          />
        </label>
        <label className="inline-field">
          {t('audit.to')}
          <input
            type="date"
            data-testid="audit-filter-to"
            value={filters.to}
            onChange={(e) => set({ to: e.target.value })}
          />
        </label>
      </div>
      <QueryStatus query={list} />
      {data && data.items.length === 0 && (
        <p className="muted empty" data-testid="audit-empty">
          {t('audit.empty')}
        </p>
      )}
      {data && data.items.length > 0 && (
        <div className="audit-table-wrap">
          <table className="audit-table">
            <thead>
              <tr>
                <th scope="col">{t('audit.at')}</th>
                <th scope="col">{t('audit.actor')}</th>
                <th scope="col">{t('audit.action')}</th>
                <th scope="col">{t('audit.entity')}</th>
                <th scope="col">{t('audit.areaId')}</th>
                <th scope="col">{t('audit.ip')}</th>
                <th scope="col">{t('audit.purpose')}</th>
                <th scope="col">{t('audit.hash')}</th>
              </tr>
            </thead>
            <tbody>
              {data.items.map((e) => (
                <tr key={e.id} data-testid="audit-row" data-seq={e.seq ?? undefined}>
                  <td>{formatDateTime(e.at, lng)}</td>
                  <td>{e.actorName ?? (e.actorId !== null ? `#${e.actorId}` : t('audit.system'))}</td>
                  <td className="mono">{e.action}</td>
                  <td>
                    {e.entityType
                      ? `${t(`audit.entityTypes.${e.entityType}`, { defaultValue: e.entityType })}${e.entityId ? ` ${e.entityId}` : ''}`
                      : '—'}
                  </td>
                  <td>{e.areaId ?? '—'}</td>
                  <td className="mono">{e.ip ?? '—'}</td>
                  <td>{e.purpose ?? '—'}</td>
                  <td className="mono" title={e.hash ?? t('audit.unlinkedHint')}>
                    {e.hash ? shortHash(e.hash) : t('audit.unlinked')}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {data && <Pager page={data.page} pageSize={data.pageSize} total={data.total} onPage={setPage} />}
    </section>
  )
}

function VerifyResult({ verify }: { verify: { result: AuditVerifyResult } | { error: unknown } }) {
  const { t } = useTranslation()
  if ('error' in verify) {
    return (
      <p className="audit-verdict bad" role="alert" data-testid="audit-verify-result">
        {errorText(verify.error)}
      </p>
    )
  }
  const r = verify.result
  if (r.ok) {
    return (
      <p className="audit-verdict ok" role="status" data-testid="audit-verify-result">
        {r.head
          ? t('audit.intact', { n: r.entries, seq: r.head.seq, hash: shortHash(r.head.hash ?? '') })
          : t('audit.intactEmpty', { n: r.entries })}
      </p>
    )
  }
  const broken = r.firstBroken
  return (
    <p className="audit-verdict bad" role="alert" data-testid="audit-verify-result">
      {broken
        ? t('audit.broken', {
            n: r.entries,
            seq: broken.seq,
            reason: t(`audit.reasons.${broken.reason}`, { defaultValue: broken.reason }),
          })
        : t('audit.brokenUnknown', { n: r.entries })}
    </p>
  )
}
