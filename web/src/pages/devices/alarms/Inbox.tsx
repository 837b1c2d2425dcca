import { keepPreviousData, useMutation, useQuery } from '@tanstack/react-query'
import { useState } from 'react'
import { useTranslation } from 'react-i18next'
import { AreaSelect } from '../../../components/AreaSelect'
import { ErrorBanner } from '../../../components/ErrorBanner'
import { QueryStatus } from '../../../components/QueryStatus'
import { formatDateTime, localName } from '../../../i18n'
import { routes } from '../../../router'
import { type AlarmFilter, alarmApi, alarmQueries, alarmsChanged, SEVERITIES, STATUS_FILTERS } from './api'
import { AlarmStatusBadge, SeverityBadge, useKindText } from './common'

/** The alarm inbox: live alarms first, newest first, filtered; acknowledge inline. */
export function AlarmInbox() {
  const { t, i18n } = useTranslation()
  const kindText = useKindText()
  const [filter, setFilter] = useState<AlarmFilter>({ status: 'live', pageSize: 20 })
  // Keyset pages: the cursors of the pages before this one, to go back.
  const [cursors, setCursors] = useState<(number | undefined)[]>([])
  const query = useQuery({ ...alarmQueries.list(filter), placeholderData: keepPreviousData })
  const set = (patch: Partial<AlarmFilter>) => {
    setCursors([])
    setFilter((f) => ({ ...f, ...patch, after: undefined }))
  }
  const [error, setError] = useState<unknown>(null)
  const ack = useMutation({
    mutationFn: (id: number) => alarmApi.acknowledge(id),
    onSuccess: () => {
      setError(null)
      void alarmsChanged()
    },
    onError: setError,
  })
  const items = query.data?.items ?? []
  return (
    <div className="alarm-inbox" data-testid="alarm-inbox">
      <h2>{t('devices.alarms.inboxTitle')}</h2>
      <div className="alarm-filters">
        <label>
          {t('devices.alarms.filters.status')}
          <select
            value={filter.status ?? 'live'}
            data-testid="alarm-filter-status"
            onChange={(e) => set({ status: e.target.value as AlarmFilter['status'] })}
          >
            {STATUS_FILTERS.map((s) => (
              <option key={s} value={s}>
                {t(`devices.alarms.filters.statuses.${s}`)}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t('devices.alarms.filters.severity')}
          <select
            value={filter.severity ?? ''}
            data-testid="alarm-filter-severity"
            onChange={(e) => set({ severity: (e.target.value || undefined) as AlarmFilter['severity'] })}
          >
            <option value="">{t('devices.alarms.filters.any')}</option>
            {SEVERITIES.map((s) => (
              <option key={s} value={s}>
                {t(`devices.alarms.severity.${s}`)}
              </option>
            ))}
          </select>
        </label>
        <label htmlFor="alarm-filter-area">
          {t('devices.alarms.filters.area')}
          <AreaSelect
            id="alarm-filter-area"
            value={filter.areaId ? String(filter.areaId) : ''}
            onChange={(v) => set({ areaId: v ? Number(v) : undefined })}
            emptyLabel={t('devices.alarms.filters.anyArea')}
            testId="alarm-filter-area"
          />
        </label>
      </div>
      <ErrorBanner error={error} testId="alarm-ack-error" />
      <QueryStatus query={query} />
      {query.data && (
        <p className="muted" aria-live="polite" data-testid="alarm-total">
          {t('devices.alarms.total', { count: query.data.total })}
        </p>
      )}
      {query.data && items.length === 0 && <p className="muted">{t('devices.alarms.empty')}</p>}
      <ul className="alarm-cards">
        {items.map((a) => (
          <li
            key={a.id}
            className={`card alarm-card alarm-card-${a.severity}`}
            data-testid="alarm-card"
            data-id={a.id}
            data-status={a.status}
          >
            <div className="alarm-card-head">
              <SeverityBadge severity={a.severity} />
              <AlarmStatusBadge status={a.status} />
              <a href={routes.devices('alarms', a.id)} data-testid="alarm-link">
                {kindText(a.kind)}
                {a.value !== null && ` · ${a.value}`}
              </a>
            </div>
            <div className="alarm-card-meta">
              <span>
                {a.device.name} <span className="mono">{a.device.code}</span>
              </span>
              {a.building && <span>{a.building.name}</span>}
              <span>{localName(a.area, i18n.language)}</span>
              <span>
                <time dateTime={a.lastAt}>{formatDateTime(a.lastAt, i18n.language)}</time>
                {a.occurrences > 1 && ` · ${t('devices.alarms.occurrences', { count: a.occurrences })}`}
              </span>
              {a.case && (
                <span>
                  {t('devices.alarms.case')}: {a.case.trackingCode ?? `#${a.case.id}`}
                  {a.case.state && ` (${t(`caseStates.${a.case.state}`, { defaultValue: a.case.state })})`}
                </span>
              )}
            </div>
            {a.status === 'open' && (
              <div className="alarm-card-actions">
                <button
                  type="button"
                  className="btn btn-small"
                  disabled={ack.isPending}
                  onClick={() => ack.mutate(a.id)}
                  data-testid="alarm-ack"
                  aria-label={t('devices.alarms.ackLabel', { kind: kindText(a.kind), code: a.device.code })}
                >
                  {t('devices.alarms.acknowledge')}
                </button>
              </div>
            )}
          </li>
        ))}
      </ul>
      <div className="alarm-pages">
        {cursors.length > 0 && (
          <button
            type="button"
            className="btn btn-small"
            data-testid="alarm-prev"
            onClick={() => {
              const prev = cursors.slice(0, -1)
              setFilter((f) => ({ ...f, after: cursors[cursors.length - 1] }))
              setCursors(prev)
            }}
          >
            {t('devices.alarms.newer')}
          </button>
        )}
        {query.data?.nextAfter && (
          <button
            type="button"
            className="btn btn-small"
            data-testid="alarm-next"
            onClick={() => {
              setCursors((c) => [...c, filter.after])
              setFilter((f) => ({ ...f, after: query.data!.nextAfter ?? undefined }))
            }}
          >
            {t('devices.alarms.older')}
          </button>
        )}
      </div>
    </div>
  )
}
