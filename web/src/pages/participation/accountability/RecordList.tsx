import { keepPreviousData, useQuery } from '@tanstack/react-query'
import { useState } from 'react'
import { useTranslation } from 'react-i18next'
import { Pager } from '../../../components/Pager'
import { QueryStatus } from '../../../components/QueryStatus'
import { formatDateTime, localName } from '../../../i18n'
import { routes } from '../../../router'
import { accountabilityQueries, type RecordStatus } from './api'
import { PAGE_SIZE, RECORD_STATUSES, RecordProgress, StatusChip } from './common'

/** You said, we did: every outcome on the caller's branch with its progress, latest change first. */
export function RecordList() {
  const { t, i18n } = useTranslation()
  const lng = i18n.language
  const [status, setStatus] = useState<RecordStatus | ''>('')
  const [page, setPage] = useState(1)
  const list = useQuery({
    ...accountabilityQueries.list({ ...(status ? { status } : {}), page, pageSize: PAGE_SIZE }),
    placeholderData: keepPreviousData,
  })
  const data = list.data
  return (
    <div className="record-list-page" data-testid="record-list">
      <p className="muted record-intro">{t('participation.meetings.accountability.intro')}</p>
      <fieldset className="queue-tabs record-filter plain-fieldset">
        <legend className="visually-hidden">{t('participation.meetings.accountability.filter')}</legend>
        {(['', ...RECORD_STATUSES] as const).map((s) => (
          <button
            key={s || 'all'}
            type="button"
            className={`queue-tab${s === status ? ' active' : ''}`}
            aria-pressed={s === status}
            onClick={() => {
              setStatus(s)
              setPage(1)
            }}
            data-testid={`record-filter-${s || 'all'}`}
          >
            {s
              ? t(`participation.meetings.accountability.statuses.${s}`)
              : t('participation.meetings.accountability.all')}
          </button>
        ))}
      </fieldset>
      <QueryStatus query={list} />
      {data && data.items.length === 0 && (
        <p className="muted empty" data-testid="record-empty">
          {t('participation.meetings.accountability.empty')}
        </p>
      )}
      {data && data.items.length > 0 && (
        <ul className="card-list record-cards">
          {data.items.map((r) => (
            <li key={r.id} className="card record-card" data-testid="record-card" data-id={r.id} data-status={r.status}>
              <div className="meeting-card-head">
                <StatusChip status={r.status} />
                <span className="badge badge-muted">
                  {t(`participation.meetings.accountability.sources.${r.sourceKind}`)}
                </span>
                {r.hasCase && (
                  <span className="badge badge-muted">{t('participation.meetings.accountability.withCase')}</span>
                )}
              </div>
              <h3 className="meeting-card-title">
                <a href={routes.participation('accountability', r.id)} data-testid="record-link">
                  {r.title}
                </a>
              </h3>
              {r.sourceTitle && (
                <p className="muted record-said">
                  {t('participation.meetings.accountability.youSaid', { title: r.sourceTitle })}
                </p>
              )}
              <RecordProgress progress={r.progress} status={r.status} />
              <p className="muted meeting-card-meta">
                <span>{localName(r.area, lng)}</span>
                {r.milestoneCount > 0 && (
                  <span>
                    {t('participation.meetings.accountability.milestonesDone', {
                      done: r.milestonesDone,
                      n: r.milestoneCount,
                    })}
                  </span>
                )}
                <span>
                  {t('participation.meetings.accountability.updated', { at: formatDateTime(r.updatedAt, lng) })}
                </span>
              </p>
            </li>
          ))}
        </ul>
      )}
      {data && <Pager page={data.page} pageSize={data.pageSize} total={data.total} onPage={setPage} />}
    </div>
  )
}
