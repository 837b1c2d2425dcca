import { keepPreviousData, useMutation, useQuery } from '@tanstack/react-query'
import { useState } from 'react'
import { useTranslation } from 'react-i18next'
import { api } from '../api'
import { caseChanged, queries } from '../api/queries'
import { StateChip } from '../components/CaseBadges'
import { CaseFacts, CasePhotos, CaseResult } from '../components/CaseFacts'
import { CaseMap } from '../components/CaseMap'
import { Pager } from '../components/Pager'
import { QueryStatus } from '../components/QueryStatus'
import { RatingForm } from '../components/RatingForm'
import { Timeline } from '../components/Timeline'
import { formatDateTime, localName } from '../i18n'
import { routes } from '../router'
import { useCaseDetail } from '../caseUtils'
import type { AppConfig, CaseState, Rating } from '../types'

const FILTERS: Record<string, CaseState[] | undefined> = {
  all: undefined,
  open: ['submitted', 'accepted', 'dispatched', 'in_progress', 'replied', 'verified'],
  toRate: ['closed'],
  done: ['rated', 'rejected', 'merged'],
}
type FilterKey = keyof typeof FILTERS
const PAGE_SIZE = 20

/** A signed-in resident's own reports, and one of them in full with the rating form. */
export function MyCasesPage({ caseId, config }: { caseId: number | null; config: AppConfig | null }) {
  return caseId ? <MyCase key={caseId} id={caseId} config={config} /> : <MyCaseList />
}

function MyCaseList() {
  const { t, i18n } = useTranslation()
  const lng = i18n.language
  const [filter, setFilter] = useState<FilterKey>('all')
  const [page, setPage] = useState(1)
  const list = useQuery({
    ...queries.cases({ mine: true, state: FILTERS[filter], page, pageSize: PAGE_SIZE, sort: 'newest' }),
    placeholderData: keepPreviousData,
  })
  const data = list.data

  return (
    <section className="page narrow-page" data-testid="page-my-cases">
      <div className="page-head">
        <h1 className="page-title">{t('myCases.title')}</h1>
        <a className="btn btn-primary btn-small" href={routes.report()} data-testid="my-cases-report">
          {t('myCases.reportNew')}
        </a>
      </div>
      <div className="chips" role="tablist" aria-label={t('myCases.filter')}>
        {(Object.keys(FILTERS) as FilterKey[]).map((k) => (
          <button
            key={k}
            type="button"
            role="tab"
            aria-selected={filter === k}
            className={`chip${filter === k ? ' active' : ''}`}
            data-testid={`my-cases-filter-${k}`}
            onClick={() => {
              setFilter(k)
              setPage(1)
            }}
          >
            {t(`myCases.filters.${k}`)}
          </button>
        ))}
      </div>
      <QueryStatus query={list} />
      {data && data.items.length === 0 && (
        <p className="muted empty" data-testid="my-cases-empty">
          {t('myCases.empty')}
        </p>
      )}
      <ul className="case-cards">
        {data?.items.map((c) => (
          <li key={c.id}>
            <a
              className="case-card card"
              href={routes.myCase(c.id)}
              data-testid="my-case"
              data-tracking-code={c.trackingCode}
            >
              <div className="case-card-head">
                <strong>{localName(c.category, lng)}</strong>
                <StateChip state={c.state} />
              </div>
              <p className="case-card-desc">{c.description}</p>
              <div className="case-card-meta muted">
                <span className="mono">{c.trackingCode}</span>
                <span>{formatDateTime(c.submittedAt, lng)}</span>
              </div>
              {c.state === 'closed' && <span className="badge badge-warn">{t('myCases.pleaseRate')}</span>}
            </a>
          </li>
        ))}
      </ul>
      {data && <Pager page={data.page} pageSize={data.pageSize} total={data.total} onPage={setPage} />}
    </section>
  )
}

function MyCase({ id, config }: { id: number; config: AppConfig | null }) {
  const { t, i18n } = useTranslation()
  const lng = i18n.language
  const caseQuery = useCaseDetail(id)
  const detail = caseQuery.data
  const rate = useMutation({
    mutationFn: ({
      rating,
      comment,
      solved,
      version,
    }: {
      rating: Rating
      comment: string
      solved: boolean | null
      version: number
    }) =>
      api.caseAction(id, {
        action: 'rate',
        version,
        rating,
        ...(comment ? { comment } : {}),
        ...(solved !== null ? { solved } : {}),
      }),
    onSuccess: caseChanged,
  })

  return (
    <section className="page narrow-page" data-testid="page-my-case">
      <a className="back-link" href={routes.myCases()}>
        ← {t('myCases.back')}
      </a>
      <QueryStatus query={caseQuery} />
      {detail && (
        <>
          <div className="card case-head">
            <div className="case-title-row">
              <h1 className="page-title">{localName(detail.category, lng)}</h1>
              <StateChip state={detail.state} testId="case-state" />
            </div>
            <p className="muted">
              {t('case.trackingCode')}{' '}
              <span className="mono" data-testid="case-tracking-code">
                {detail.trackingCode}
              </span>
            </p>
            <p className="case-desc">{detail.description}</p>
          </div>
          {rate.isSuccess && (
            <p className="notice" data-testid="rating-done" role="status">
              {t('rating.thanks')}
            </p>
          )}
          {detail.allowedActions.includes('rate') && (
            <RatingForm
              onSubmit={(rating, comment, solved) =>
                rate.mutateAsync({ rating, comment, solved, version: detail.version })
              }
            />
          )}
          <CaseResult detail={detail} card />
          <CaseFacts detail={detail} compact />
          <CaseMap location={detail.location} gridId={detail.area.id} config={config} />
          <CasePhotos detail={detail} />
          <section className="card">
            <h2 className="section-title">{t('case.timeline')}</h2>
            <Timeline events={detail.timeline} hideActors />
          </section>
        </>
      )}
    </section>
  )
}
