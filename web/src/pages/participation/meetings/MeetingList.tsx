import { keepPreviousData, useQuery } from '@tanstack/react-query'
import { useState } from 'react'
import { useTranslation } from 'react-i18next'
import { Pager } from '../../../components/Pager'
import { QueryStatus } from '../../../components/QueryStatus'
import { localName } from '../../../i18n'
import { routes } from '../../../router'
import { meetingQueries, type MeetingView } from './api'
import { MeetingStateChip, PAGE_SIZE, timeSpan } from './common'

type When = 'upcoming' | 'past'

/** Meetings on the caller's branch: upcoming (soonest first) or past (latest first), as cards. */
export function MeetingList({ staff }: { staff: boolean }) {
  const { t } = useTranslation()
  const [when, setWhen] = useState<When>('upcoming')
  const [page, setPage] = useState(1)
  const list = useQuery({
    ...meetingQueries.list({ when, page, pageSize: PAGE_SIZE }),
    placeholderData: keepPreviousData,
  })
  const data = list.data
  const choose = (w: When) => {
    setWhen(w)
    setPage(1)
  }
  return (
    <div className="meeting-list-page" data-testid="meeting-list">
      <div className="meeting-toolbar">
        <p className="muted meeting-intro">{t('participation.meetings.list.intro')}</p>
        <div className="meeting-toolbar-buttons">
          <a className="btn" href={routes.participation('meetings', 'councils')} data-testid="council-list-link">
            {t('participation.meetings.councils.title')}
          </a>
          {staff && (
            <a className="btn btn-primary" href={routes.participation('meetings', 'new')} data-testid="meeting-new">
              {t('participation.meetings.list.new')}
            </a>
          )}
        </div>
      </div>
      <fieldset className="queue-tabs meeting-when plain-fieldset">
        <legend className="visually-hidden">{t('participation.meetings.list.when')}</legend>
        {(['upcoming', 'past'] as const).map((w) => (
          <button
            key={w}
            type="button"
            className={`queue-tab${w === when ? ' active' : ''}`}
            aria-pressed={w === when}
            onClick={() => choose(w)}
            data-testid={`meeting-when-${w}`}
          >
            {t(`participation.meetings.list.${w}`)}
          </button>
        ))}
      </fieldset>
      <QueryStatus query={list} />
      {data && data.items.length === 0 && (
        <p className="muted empty" data-testid="meeting-empty">
          {t(`participation.meetings.list.empty.${when}`)}
        </p>
      )}
      {data && data.items.length > 0 && (
        <ul className="card-list meeting-cards" aria-label={t(`participation.meetings.list.${when}`)}>
          {data.items.map((m) => (
            <MeetingCard key={m.id} meeting={m} />
          ))}
        </ul>
      )}
      {data && <Pager page={data.page} pageSize={data.pageSize} total={data.total} onPage={setPage} />}
    </div>
  )
}

function MeetingCard({ meeting: m }: { meeting: MeetingView }) {
  const { t, i18n } = useTranslation()
  const lng = i18n.language
  return (
    <li className="card meeting-card" data-testid="meeting-card" data-id={m.id} data-status={m.status}>
      <div className="meeting-card-head">
        <MeetingStateChip state={m.status} />
        <span className="badge badge-muted">{t(`participation.meetings.kinds.${m.kind}`)}</span>
        {m.registered && (
          <span className="badge meeting-registered-badge" data-testid="meeting-registered-badge">
            {t('participation.meetings.list.registered')}
          </span>
        )}
      </div>
      <h3 className="meeting-card-title">
        <a href={routes.participation('meetings', m.id)} data-testid="meeting-link">
          {m.title}
        </a>
      </h3>
      <p className="meeting-card-meta muted">
        <span>
          <time dateTime={m.startsAt}>{timeSpan(m.startsAt, m.endsAt, lng)}</time>
        </span>
        <span>{m.location}</span>
        <span>{localName(m.area, lng)}</span>
      </p>
      <p className="meeting-card-meta">
        <span data-testid="meeting-card-registrations">
          {m.capacity === null
            ? t('participation.meetings.registrations.count', { n: m.registrationCount })
            : t('participation.meetings.registrations.countOf', { n: m.registrationCount, capacity: m.capacity })}
        </span>
        {m.council && <span className="muted">{m.council.name}</span>}
        {m.registrationOpen && !m.registered && (
          <span className="meeting-open-mark">{t('participation.meetings.list.open')}</span>
        )}
      </p>
    </li>
  )
}
