import { keepPreviousData, useQuery } from '@tanstack/react-query'
import { useState } from 'react'
import { useTranslation } from 'react-i18next'
import { Pager } from '../../../components/Pager'
import { QueryStatus } from '../../../components/QueryStatus'
import { formatDateTime, localName } from '../../../i18n'
import { routes } from '../../../router'
import { incidentQueries, type IncidentFilter } from './api'
import { DrillBadge, INCIDENT_KINDS, LevelBadge, StatusBadge } from './common'

/** The incidents the caller sees: active first; filters by status, kind and drill. */
export function IncidentList({ staff }: { staff: boolean }) {
  const { t, i18n } = useTranslation()
  const [filter, setFilter] = useState<IncidentFilter>({ page: 1, pageSize: 20 })
  const query = useQuery({ ...incidentQueries.list(filter), placeholderData: keepPreviousData })
  const set = (patch: Partial<IncidentFilter>) => setFilter((f) => ({ ...f, ...patch, page: 1 }))
  return (
    <div className="incident-list-page" data-testid="incident-list">
      <div className="incident-toolbar">
        <h2>{t('emergency.incidents.listTitle')}</h2>
        {staff && (
          <a className="btn btn-primary" href={routes.emergency('incidents', 'new')} data-testid="incident-new">
            {t('emergency.incidents.declare')}
          </a>
        )}
      </div>
      <div className="incident-filters">
        <label>
          {t('emergency.incidents.filters.status')}
          <select
            value={filter.status ?? ''}
            data-testid="incident-filter-status"
            onChange={(e) => set({ status: (e.target.value || undefined) as IncidentFilter['status'] })}
          >
            <option value="">{t('emergency.incidents.filters.all')}</option>
            <option value="active">{t('emergency.incidents.status.active')}</option>
            <option value="closed">{t('emergency.incidents.status.closed')}</option>
          </select>
        </label>
        <label>
          {t('emergency.incidents.fields.kind')}
          <select
            value={filter.kind ?? ''}
            data-testid="incident-filter-kind"
            onChange={(e) => set({ kind: (e.target.value || undefined) as IncidentFilter['kind'] })}
          >
            <option value="">{t('emergency.incidents.filters.all')}</option>
            {INCIDENT_KINDS.map((k) => (
              <option key={k} value={k}>
                {t(`emergency.incidents.kinds.${k}`)}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t('emergency.incidents.filters.drill')}
          <select
            value={filter.drill === undefined ? '' : String(filter.drill)}
            data-testid="incident-filter-drill"
            onChange={(e) => set({ drill: e.target.value === '' ? undefined : e.target.value === 'true' })}
          >
            <option value="">{t('emergency.incidents.filters.all')}</option>
            <option value="false">{t('emergency.incidents.filters.real')}</option>
            <option value="true">{t('emergency.incidents.filters.drills')}</option>
          </select>
        </label>
      </div>
      <QueryStatus query={query} />
      {query.data && query.data.items.length === 0 && <p className="muted">{t('emergency.incidents.empty')}</p>}
      {query.data && query.data.items.length > 0 && (
        <ul className="incident-cards">
          {query.data.items.map((i) => (
            <li key={i.id} className={`card incident-card incident-card-${i.status}`}>
              <a href={routes.emergency('incidents', i.id)} data-testid="incident-link" data-id={i.id}>
                <div className="incident-card-head">
                  <LevelBadge level={i.level} />
                  {i.drill && <DrillBadge />}
                  <StatusBadge status={i.status} />
                  <span className="badge badge-muted">{t(`emergency.incidents.kinds.${i.kind}`)}</span>
                </div>
                <strong className="incident-card-title">{i.title}</strong>
                <span className="muted incident-card-meta">
                  {i.reference} · {localName({ nameZh: i.areaNameZh, nameEn: i.areaNameEn }, i18n.language)} ·{' '}
                  {t('emergency.incidents.gridCount', { n: i.gridCount })} · {formatDateTime(i.declaredAt)}
                </span>
              </a>
            </li>
          ))}
        </ul>
      )}
      {query.data && (
        <Pager
          page={query.data.page}
          pageSize={query.data.pageSize}
          total={query.data.total}
          onPage={(page) => setFilter((f) => ({ ...f, page }))}
        />
      )}
    </div>
  )
}
