import { keepPreviousData, useQuery } from '@tanstack/react-query'
import { useState } from 'react'
import { useTranslation } from 'react-i18next'
import { Pager } from '../../../components/Pager'
import { QueryStatus } from '../../../components/QueryStatus'
import { formatDateTime, localName } from '../../../i18n'
import { hasRole } from '../../../modules'
import { routes } from '../../../router'
import type { User } from '../../../types'
import { SURVEY_STATES, surveyQueries, type SurveySummary } from './api'
import { PAGE_SIZE, StateBadge, SURVEY_STAFF } from './common'

/**
 * The surveys on the user's branch of the area tree, open ones first: residents see open and closed
 * ones (which they answered is marked), staff also their drafts and scheduled ones.
 */
export function SurveyList({ user }: { user: User }) {
  const { t } = useTranslation()
  const staff = hasRole(user, SURVEY_STAFF)
  const [state, setState] = useState('')
  const [page, setPage] = useState(1)
  const states = staff ? SURVEY_STATES : SURVEY_STATES.filter((s) => s === 'open' || s === 'closed')
  const list = useQuery({
    ...surveyQueries.list({ state: states.find((s) => s === state), page, pageSize: PAGE_SIZE }),
    placeholderData: keepPreviousData,
  })
  const data = list.data
  return (
    <div className="surveys" data-testid="surveys-list-page">
      <div className="surveys-head">
        <h2 className="section-title">{t('participation.surveys.title')}</h2>
        {staff && (
          <a
            className="btn btn-primary btn-small"
            href={routes.participation('surveys', 'new')}
            data-testid="survey-new"
          >
            {t('participation.surveys.new')}
          </a>
        )}
      </div>
      <p className="muted small">{t('participation.surveys.intro')}</p>
      <div className="filters surveys-filters">
        <label className="inline-field">
          <span>{t('participation.surveys.filterState')}</span>
          <select
            data-testid="survey-filter-state"
            value={state}
            onChange={(e) => {
              setState(e.target.value)
              setPage(1)
            }}
          >
            <option value="">{t('participation.surveys.allStates')}</option>
            {states.map((s) => (
              <option key={s} value={s}>
                {t(`participation.surveys.state.${s}`)}
              </option>
            ))}
          </select>
        </label>
      </div>
      <QueryStatus query={list} />
      {data && data.items.length === 0 && (
        <p className="muted empty" data-testid="survey-empty">
          {t('participation.surveys.empty')}
        </p>
      )}
      {data && data.items.length > 0 && (
        <ul className="surveys-cards" aria-label={t('participation.surveys.listLabel')}>
          {data.items.map((s) => (
            <SurveyCard key={s.id} survey={s} />
          ))}
        </ul>
      )}
      {data && <Pager page={data.page} pageSize={data.pageSize} total={data.total} onPage={setPage} />}
    </div>
  )
}

function SurveyCard({ survey: s }: { survey: SurveySummary }) {
  const { t, i18n } = useTranslation()
  const lng = i18n.language
  return (
    <li className={`card surveys-card surveys-card-${s.state}`} data-testid="survey-card" data-id={s.id}>
      <div className="surveys-card-badges">
        <StateBadge state={s.state} />
        {s.answered && (
          <span className="badge surveys-answered" data-testid="survey-answered">
            {t('participation.surveys.answered')}
          </span>
        )}
        {s.verifiedOnly && <span className="badge badge-muted">{t('participation.surveys.verifiedOnly')}</span>}
      </div>
      <h3 className="surveys-card-title">
        <a href={routes.participation('surveys', s.id)} data-testid="survey-link">
          {s.title}
        </a>
      </h3>
      {s.description && <p className="surveys-card-excerpt">{s.description}</p>}
      <p className="muted small surveys-card-meta">
        <span>{localName({ nameZh: s.areaNameZh, nameEn: s.areaNameEn }, lng)}</span>
        <span>{t('participation.surveys.questionCount', { n: s.questionCount })}</span>
        {s.closesAt && (
          <span>
            {t(s.state === 'closed' ? 'participation.surveys.closedAt' : 'participation.surveys.closesAt', {
              at: formatDateTime(s.closesAt, lng),
            })}
          </span>
        )}
        <span data-testid="survey-response-count">
          {s.responseCount === null
            ? t('participation.surveys.fewResponses')
            : t('participation.surveys.responseCount', { n: s.responseCount })}
        </span>
      </p>
      {s.state === 'closed' && (
        <a className="btn btn-small" href={routes.participation('surveys', s.id, 'results')}>
          {t('participation.surveys.seeResults')}
        </a>
      )}
    </li>
  )
}
