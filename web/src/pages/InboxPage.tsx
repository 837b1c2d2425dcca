import { useEffect, useState } from 'react'
import { useTranslation } from 'react-i18next'
import { api, isAbort } from '../api'
import { StateChip } from '../components/CaseBadges'
import { ErrorBanner } from '../components/ErrorBanner'
import { NOTIFICATIONS_CHANGED } from '../components/NotificationBell'
import { Pager } from '../components/Pager'
import { formatDateTime } from '../i18n'
import { hasRole } from '../modules'
import { href } from '../router'
import type { Notification, Paged, User } from '../types'

const PAGE_SIZE = 20

/** The caller's notifications: new dispatches, warnings, escalations, updates of their reports. */
export function InboxPage({ user }: { user: User }) {
  const { t, i18n } = useTranslation()
  const lng = i18n.language
  const [unreadOnly, setUnreadOnly] = useState(false)
  const [page, setPage] = useState(1)
  const [data, setData] = useState<Paged<Notification> | null>(null)
  const [error, setError] = useState<unknown>(null)
  const [attempt, setAttempt] = useState(0)
  const worker = hasRole(user, ['admin', 'leader', 'staff', 'grid_worker', 'department_handler'])

  useEffect(() => {
    const ctrl = new AbortController()
    setError(null)
    api
      .notifications({ page, pageSize: PAGE_SIZE, unread: unreadOnly || undefined }, ctrl.signal)
      .then(setData)
      .catch((err) => !isAbort(err) && setError(err))
    return () => ctrl.abort()
  }, [page, unreadOnly, attempt])

  const markRead = async (ids: number[]) => {
    try {
      await Promise.all(ids.map((id) => api.markNotificationRead(id)))
      const now = new Date().toISOString()
      setData((d) =>
        d ? { ...d, items: d.items.map((n) => (ids.includes(n.id) ? { ...n, readAt: n.readAt ?? now } : n)) } : d,
      )
      window.dispatchEvent(new Event(NOTIFICATIONS_CHANGED))
    } catch (err) {
      setError(err)
    }
  }

  const caseLink = (n: Notification) =>
    n.caseId == null ? null : worker ? href('cases', n.caseId) : href('my-cases', n.caseId)
  // A care visit fell overdue: the link opens the person's card.
  const personLink = (n: Notification) =>
    n.kind === 'care_visit_overdue' && typeof n.params.personId === 'number'
      ? href('registry', 'people', n.params.personId)
      : null
  const unread = data?.items.filter((n) => !n.readAt) ?? []

  return (
    <section className="page narrow-page" data-testid="page-inbox">
      <div className="page-head">
        <h1 className="page-title">{t('inbox.title')}</h1>
        <button
          type="button"
          className="btn btn-small"
          data-testid="inbox-read-all"
          disabled={unread.length === 0}
          onClick={() => void markRead(unread.map((n) => n.id))}
        >
          {t('inbox.markAllRead')}
        </button>
      </div>
      <label className="check">
        <input
          type="checkbox"
          data-testid="inbox-unread-only"
          checked={unreadOnly}
          onChange={(e) => {
            setUnreadOnly(e.target.checked)
            setPage(1)
          }}
        />
        {t('inbox.unreadOnly')}
      </label>
      <ErrorBanner error={error} onRetry={() => setAttempt((n) => n + 1)} />
      {!data && !error && <p className="muted">{t('common.loading')}</p>}
      {data && data.items.length === 0 && (
        <p className="muted empty" data-testid="inbox-empty">
          {t('inbox.empty')}
        </p>
      )}
      <ul className="inbox-list">
        {data?.items.map((n) => {
          const link = caseLink(n) ?? personLink(n)
          const person = n.kind === 'care_visit_overdue' && typeof n.params.name === 'string' ? n.params.name : null
          const dueOn = n.kind === 'care_visit_overdue' && typeof n.params.dueOn === 'string' ? n.params.dueOn : null
          const code = typeof n.params.trackingCode === 'string' ? n.params.trackingCode : null
          const action = typeof n.params.action === 'string' ? n.params.action : null
          const state = typeof n.params.state === 'string' ? n.params.state : null
          return (
            <li
              key={n.id}
              className={`inbox-item card${n.readAt ? ' read' : ' unread'}`}
              data-testid="notification"
              data-kind={n.kind}
              data-read={!!n.readAt}
            >
              <div className="inbox-main">
                <strong>{t(`inbox.kinds.${n.kind}`, { defaultValue: n.kind })}</strong>
                <div className="inbox-meta muted">
                  {code && <span className="mono">{code}</span>}
                  {person && <span data-testid="notification-person">{person}</span>}
                  {dueOn && <span>{t('inbox.careDue', { date: dueOn })}</span>}
                  {action && <span>{t(`caseActions.${action}`, { defaultValue: action })}</span>}
                  {state && <StateChip state={state} />}
                  <time dateTime={n.createdAt}>{formatDateTime(n.createdAt, lng)}</time>
                </div>
              </div>
              <div className="inbox-buttons">
                {link && (
                  <button
                    type="button"
                    className="btn btn-small"
                    data-testid={`notification-open-${n.id}`}
                    onClick={() => {
                      if (!n.readAt) void markRead([n.id])
                      window.location.hash = link
                    }}
                  >
                    {t('inbox.open')}
                  </button>
                )}
                {!n.readAt && (
                  <button
                    type="button"
                    className="btn btn-small"
                    data-testid={`notification-read-${n.id}`}
                    onClick={() => void markRead([n.id])}
                  >
                    {t('inbox.markRead')}
                  </button>
                )}
              </div>
            </li>
          )
        })}
      </ul>
      {data && <Pager page={data.page} pageSize={data.pageSize} total={data.total} onPage={setPage} />}
    </section>
  )
}
