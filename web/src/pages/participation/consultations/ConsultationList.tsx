import { keepPreviousData, useQuery } from '@tanstack/react-query'
import { useState } from 'react'
import { useTranslation } from 'react-i18next'
import { Pager } from '../../../components/Pager'
import { QueryStatus } from '../../../components/QueryStatus'
import { localName } from '../../../i18n'
import { routes } from '../../../router'
import { consultationQueries, type ConsultationState, type ConsultationSummary } from './api'
import { CONSULTATION_STATES, K, KindBadge, PAGE_SIZE, Period, StateChip } from './common'

/**
 * Consultations on the caller's branch of the area tree, open ones first: a tab per state (drafts
 * for staff only), cards with the period and the number of comments; staff start a new draft and
 * open the moderation queue from here.
 */
export function ConsultationList({ staff }: { staff: boolean }) {
  const { t } = useTranslation()
  const [status, setStatus] = useState<ConsultationState | ''>('')
  const [page, setPage] = useState(1)
  const list = useQuery({
    ...consultationQueries.list({ status: status || undefined, page, pageSize: PAGE_SIZE }),
    placeholderData: keepPreviousData,
  })
  const tabs: (ConsultationState | '')[] = ['', ...CONSULTATION_STATES.filter((s) => staff || s !== 'draft')]
  return (
    <div className="consultation-list" data-testid="consultation-list">
      <div className="consultation-toolbar">
        <p className="muted consultation-intro">{t(`${K}.intro`)}</p>
        {staff && (
          <div className="consultation-toolbar-buttons">
            <a
              className="btn btn-small"
              href={routes.participation('consultations', 'moderation')}
              data-testid="consultation-moderation-link"
            >
              {t(`${K}.moderation.link`)}
            </a>
            <a
              className="btn btn-primary"
              href={routes.participation('consultations', 'new')}
              data-testid="consultation-new"
            >
              {t(`${K}.list.new`)}
            </a>
          </div>
        )}
      </div>
      <fieldset className="consultation-tabs">
        <legend className="visually-hidden">{t(`${K}.list.filter`)}</legend>
        {tabs.map((s) => (
          <button
            key={s || 'all'}
            type="button"
            className={`btn btn-small${status === s ? ' active' : ''}`}
            aria-pressed={status === s}
            onClick={() => {
              setStatus(s)
              setPage(1)
            }}
            data-testid={`consultation-tab-${s || 'all'}`}
          >
            {s ? t(`${K}.states.${s}`) : t(`${K}.list.all`)}
          </button>
        ))}
      </fieldset>
      <QueryStatus query={list} />
      {list.data && list.data.items.length === 0 && (
        <p className="muted" data-testid="consultation-none">
          {t(`${K}.list.none`)}
        </p>
      )}
      <ul className="consultation-cards">
        {list.data?.items.map((c) => (
          <Card key={c.id} c={c} />
        ))}
      </ul>
      {list.data && (
        <Pager page={list.data.page} pageSize={list.data.pageSize} total={list.data.total} onPage={setPage} />
      )}
    </div>
  )
}

function Card({ c }: { c: ConsultationSummary }) {
  const { t, i18n } = useTranslation()
  return (
    <li className="card consultation-card" data-testid="consultation-card" data-consultation-id={c.id}>
      <div className="consultation-card-head">
        <StateChip state={c.status} testId="consultation-card-state" />
        <KindBadge kind={c.kind} />
        {c.acceptingComments && <span className="badge consultation-accepting">{t(`${K}.accepting`)}</span>}
      </div>
      <h2 className="consultation-card-title">
        <a href={routes.participation('consultations', c.id)} data-testid="consultation-link">
          {c.title}
        </a>
      </h2>
      <p className="consultation-card-summary">{c.summary}</p>
      <p className="muted consultation-card-meta">
        <span>{localName(c.area, i18n.language)}</span>
        <Period opensAt={c.opensAt} closesAt={c.closesAt} />
        <span>{t(`${K}.list.sections`, { count: c.sectionCount })}</span>
        <span data-testid="consultation-card-comments">{t(`${K}.list.comments`, { count: c.commentCount })}</span>
      </p>
    </li>
  )
}
