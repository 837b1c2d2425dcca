import { useQuery } from '@tanstack/react-query'
import { useEffect } from 'react'
import { useTranslation } from 'react-i18next'
import { queries } from '../api/queries'
import { routes } from '../router'

const POLL_MS = 60_000

/**
 * Bell with the number of unread notifications; opens the inbox. Counted every minute and on every
 * navigation; whatever reads or causes notifications invalidates the count too. The bell is a hint:
 * a failed count stays quiet.
 */
export function NotificationBell() {
  const { t } = useTranslation()
  const { data: unread, refetch } = useQuery({ ...queries.unreadCount(), refetchInterval: POLL_MS })

  useEffect(() => {
    const recount = () => void refetch()
    window.addEventListener('hashchange', recount)
    return () => window.removeEventListener('hashchange', recount)
  }, [refetch])

  const label = unread ? t('inbox.bellUnread', { n: unread }) : t('inbox.bell')
  return (
    <a className="icon-btn bell" href={routes.inbox()} data-testid="notification-bell" title={label} aria-label={label}>
      <svg
        className="icon"
        width={20}
        height={20}
        viewBox="0 0 24 24"
        fill="none"
        stroke="currentColor"
        strokeWidth={1.8}
        strokeLinecap="round"
        strokeLinejoin="round"
        aria-hidden="true"
      >
        <path d="M6 16V11a6 6 0 0 1 12 0v5l2 2H4z M10 20a2 2 0 0 0 4 0" />
      </svg>
      {!!unread && (
        <span className="bell-count" data-testid="notification-count">
          {unread > 99 ? '99+' : unread}
        </span>
      )}
    </a>
  )
}
