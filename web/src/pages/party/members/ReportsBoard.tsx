import { useQuery } from '@tanstack/react-query'
import { useId, useState } from 'react'
import { useTranslation } from 'react-i18next'
import { AreaSelect } from '../../../components/AreaSelect'
import { Pager } from '../../../components/Pager'
import { QueryStatus } from '../../../components/QueryStatus'
import { routes } from '../../../router'
import { memberQueries, type ReportFilter } from './api'

/** 在职党员到社区报到: the members reported to the communities of an area, their posts and hours since. */
export function ReportsBoard() {
  const { t } = useTranslation()
  const [areaId, setAreaId] = useState('')
  const [page, setPage] = useState(1)
  const filter: ReportFilter = { page, pageSize: 50, ...(areaId ? { areaId: Number(areaId) } : {}) }
  const reports = useQuery(memberQueries.reports(filter))
  const areaField = useId()
  return (
    <div className="pm-board" data-testid="pm-board">
      <a className="back-link" href={routes.party('members')}>
        ← {t('party.members.back')}
      </a>
      <h2>{t('party.members.reportsBoard')}</h2>
      <div className="pm-filters">
        <label htmlFor={areaField}>{t('party.members.area')}</label>
        <AreaSelect
          id={areaField}
          value={areaId}
          onChange={(v) => {
            setAreaId(v)
            setPage(1)
          }}
          maxLevel="community"
          testId="pm-board-area"
        />
      </div>
      <QueryStatus query={reports} />
      {reports.data && reports.data.items.length === 0 && <p className="muted">{t('party.members.noBoard')}</p>}
      {reports.data && reports.data.items.length > 0 && (
        <div className="pm-table-wrap">
          <table className="pm-table" data-testid="pm-board-table">
            <thead>
              <tr>
                <th scope="col">{t('party.members.name')}</th>
                <th scope="col">{t('party.members.workplace')}</th>
                <th scope="col">{t('party.members.community')}</th>
                <th scope="col">{t('party.members.servicePost')}</th>
                <th scope="col">{t('party.members.reportedOn')}</th>
                <th scope="col">{t('party.members.hoursSinceHead')}</th>
              </tr>
            </thead>
            <tbody>
              {reports.data.items.map((r) => (
                <tr key={r.id} data-testid={`pm-board-${r.id}`}>
                  <td>
                    <a href={routes.party('members', r.memberId)}>{r.name}</a>
                  </td>
                  <td>
                    {t(`party.members.workplaceKinds.${r.workplaceKind}`)}
                    {r.workplaceName ? ` · ${r.workplaceName}` : ''}
                  </td>
                  <td>{r.community.name}</td>
                  <td>{t(`party.members.posts.${r.servicePost}`)}</td>
                  <td>{r.reportedOn}</td>
                  <td>{r.hoursSince}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {reports.data && (
        <Pager page={reports.data.page} pageSize={reports.data.pageSize} total={reports.data.total} onPage={setPage} />
      )}
    </div>
  )
}
