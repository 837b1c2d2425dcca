import { keepPreviousData, useQuery } from '@tanstack/react-query'
import { useState } from 'react'
import { useTranslation } from 'react-i18next'
import { Pager } from '../../../components/Pager'
import { QueryStatus } from '../../../components/QueryStatus'
import { formatDateTime, localName } from '../../../i18n'
import { hasRole } from '../../../modules'
import { routes } from '../../../router'
import type { User } from '../../../types'
import { NOTICE_KINDS, NOTICE_STATUSES, noticeQueries, type NoticeItem } from './api'
import { KindBadge, NOTICE_STAFF, PAGE_SIZE, PinnedBadge, StatusBadge } from './common'

/**
 * The notices on the user's branch of the area tree, pinned first then newest, unread ones marked.
 * Staff also filter by status (drafts, scheduled, expired, withdrawn) and see how many have read each.
 */
export function NoticeList({ user }: { user: User }) {
  const { t } = useTranslation()
  const staff = hasRole(user, NOTICE_STAFF)
  const [kind, setKind] = useState('')
  const [status, setStatus] = useState('')
  const [q, setQ] = useState('')
  const [search, setSearch] = useState('')
  const [unread, setUnread] = useState(false)
  const [page, setPage] = useState(1)
  const list = useQuery({
    ...noticeQueries.list({
      kind: NOTICE_KINDS.find((k) => k === kind),
      status: NOTICE_STATUSES.find((s) => s === status),
      q: search || undefined,
      unread: unread || undefined,
      page,
      pageSize: PAGE_SIZE,
    }),
    placeholderData: keepPreviousData,
  })
  const data = list.data

  return (
    <div className="notices" data-testid="notices-list-page">
      <div className="notices-head">
        <h2 className="section-title">{t('participation.notices.title')}</h2>
        {staff && (
          <a
            className="btn btn-primary btn-small"
            href={routes.participation('notices', 'new')}
            data-testid="notice-new"
          >
            {t('participation.notices.new')}
          </a>
        )}
      </div>
      <form
        className="filters card notices-filters"
        aria-label={t('participation.notices.filters.label')}
        onSubmit={(e) => {
          e.preventDefault()
          setSearch(q.trim())
          setPage(1)
        }}
      >
        <label className="inline-field">
          <span>{t('participation.notices.filters.kind')}</span>
          <select
            data-testid="notice-filter-kind"
            value={kind}
            onChange={(e) => {
              setKind(e.target.value)
              setPage(1)
            }}
          >
            <option value="">{t('participation.notices.filters.allKinds')}</option>
            {NOTICE_KINDS.map((k) => (
              <option key={k} value={k}>
                {t(`participation.notices.kind.${k}`)}
              </option>
            ))}
          </select>
        </label>
        {staff && (
          <label className="inline-field">
            <span>{t('participation.notices.filters.status')}</span>
            <select
              data-testid="notice-filter-status"
              value={status}
              onChange={(e) => {
                setStatus(e.target.value)
                setPage(1)
              }}
            >
              <option value="">{t('participation.notices.filters.allStatuses')}</option>
              {NOTICE_STATUSES.map((s) => (
                <option key={s} value={s}>
                  {t(`participation.notices.status.${s}`)}
                </option>
              ))}
            </select>
          </label>
        )}
        <label className="inline-field">
          <span>{t('participation.notices.filters.q')}</span>
          <input
            type="search"
            data-testid="notice-filter-q"
            maxLength={100}
            value={q}
            onChange={(e) => setQ(e.target.value)}
          />
        </label>
        <label className="check">
          <input
            type="checkbox"
            data-testid="notice-filter-unread"
            checked={unread}
            onChange={(e) => {
              setUnread(e.target.checked)
              setPage(1)
            }}
          />
          {t('participation.notices.filters.unread')}
        </label>
        <button type="submit" className="btn btn-small">
          {t('participation.notices.filters.search')}
        </button>
      </form>
      <QueryStatus query={list} />
      {data && data.items.length === 0 && (
        <p className="muted empty" data-testid="notice-empty">
          {t('participation.notices.empty')}
        </p>
      )}
      {data && data.items.length > 0 && (
        <ul className="notices-cards" aria-label={t('participation.notices.listLabel')}>
          {data.items.map((n) => (
            <NoticeCard key={n.id} notice={n} />
          ))}
        </ul>
      )}
      {data && <Pager page={data.page} pageSize={data.pageSize} total={data.total} onPage={setPage} />}
    </div>
  )
}

function NoticeCard({ notice: n }: { notice: NoticeItem }) {
  const { t, i18n } = useTranslation()
  const lng = i18n.language
  const unread = !n.read && n.status === 'published'
  return (
    <li
      className={`card notices-card${n.pinned ? ' notices-card-pinned' : ''}${unread ? ' notices-card-unread' : ''}`}
      data-testid="notice-card"
      data-id={n.id}
      data-read={n.read}
    >
      <div className="notices-card-badges">
        {unread && (
          <span className="notices-unread" data-testid="notice-unread">
            <span className="notices-unread-dot" aria-hidden="true" />
            {t('participation.notices.unread')}
          </span>
        )}
        <PinnedBadge pinned={n.pinned} />
        <KindBadge kind={n.kind} />
        {n.canManage && n.status !== 'published' && <StatusBadge status={n.status} />}
      </div>
      <h3 className="notices-card-title">
        <a href={routes.participation('notices', n.id)} data-testid="notice-link">
          {n.title}
        </a>
      </h3>
      <p className="notices-card-excerpt">{n.excerpt}</p>
      <p className="muted small notices-card-meta">
        <span>{localName(n.area, lng)}</span>
        <span>
          {n.status === 'scheduled'
            ? t('participation.notices.scheduledFor', { at: formatDateTime(n.publishAt, lng) })
            : formatDateTime(n.publishAt, lng)}
        </span>
        {n.attachmentCount > 0 && <span>{t('participation.notices.attachmentCount', { n: n.attachmentCount })}</span>}
        {n.readCount !== null && (
          <span data-testid="notice-read-count">{t('participation.notices.readCount', { n: n.readCount })}</span>
        )}
      </p>
    </li>
  )
}
