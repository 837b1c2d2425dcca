import { keepPreviousData, useQuery } from '@tanstack/react-query'
import { useState } from 'react'
import { useTranslation } from 'react-i18next'
import { Pager } from '../../../components/Pager'
import { QueryStatus } from '../../../components/QueryStatus'
import { localName } from '../../../i18n'
import { routes } from '../../../router'
import { FACILITY_KINDS, type Facility, type FacilityKind, facilityQueries } from './api'
import { FacilityNav, OpeningHours } from './Nav'

const PAGE_SIZE = 20

/** Facilities of the caller's community and street, filtered by kind, as cards. */
export function FacilityList({ staff }: { staff: boolean }) {
  const { t } = useTranslation()
  const [kind, setKind] = useState<FacilityKind | ''>('')
  const [page, setPage] = useState(1)
  const list = useQuery({
    ...facilityQueries.list({ page, pageSize: PAGE_SIZE, ...(kind ? { kind } : {}) }),
    placeholderData: keepPreviousData,
  })
  const data = list.data
  return (
    <div className="facility-page" data-testid="facility-list">
      <FacilityNav current="list" staff={staff} />
      <div className="facility-toolbar">
        <label className="facility-filter">
          <span>{t('services.facilities.list.kind')}</span>
          <select
            value={kind}
            onChange={(e) => {
              setKind(e.target.value as FacilityKind | '')
              setPage(1)
            }}
            data-testid="facility-kind-filter"
          >
            <option value="">{t('services.facilities.list.allKinds')}</option>
            {FACILITY_KINDS.map((k) => (
              <option key={k} value={k}>
                {t(`services.facilities.kinds.${k}`)}
              </option>
            ))}
          </select>
        </label>
        {staff && (
          <a className="btn btn-primary" href={routes.services('facilities', 'new')} data-testid="facility-new">
            {t('services.facilities.list.new')}
          </a>
        )}
      </div>
      <QueryStatus query={list} />
      {data && data.items.length === 0 && (
        <p className="muted empty" data-testid="facility-empty">
          {t('services.facilities.list.empty')}
        </p>
      )}
      {data && data.items.length > 0 && (
        <ul className="card-list facility-cards" aria-label={t('services.facilities.list.title')}>
          {data.items.map((f) => (
            <FacilityCard key={f.id} facility={f} />
          ))}
        </ul>
      )}
      {data && <Pager page={data.page} pageSize={data.pageSize} total={data.total} onPage={setPage} />}
    </div>
  )
}

function FacilityCard({ facility: f }: { facility: Facility }) {
  const { t, i18n } = useTranslation()
  return (
    <li className="card facility-card" data-testid="facility-card" data-id={f.id}>
      <div className="facility-card-head">
        <span className="badge badge-muted">{t(`services.facilities.kinds.${f.kind}`)}</span>
        {f.status === 'closed' && <span className="badge">{t('services.facilities.status.closed')}</span>}
        {!f.residentsMayBook && <span className="badge badge-muted">{t('services.facilities.staffBooks')}</span>}
      </div>
      <h3 className="facility-card-title">
        <a href={routes.services('facilities', f.id)} data-testid="facility-link">
          {f.name}
        </a>
      </h3>
      <p className="muted facility-card-meta">
        <span>{f.address}</span>
        <span>{localName(f.area, i18n.language)}</span>
        <span>{t('services.facilities.capacity', { n: f.capacity })}</span>
      </p>
      <OpeningHours hours={f.openingHours} />
    </li>
  )
}
