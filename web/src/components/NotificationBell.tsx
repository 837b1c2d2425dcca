import { useEffect, useState } from 'react'
import { useTranslation } from 'react-i18next'
import { api } from '../api'
import { href } from '../router'

/** Fired by the inbox after marking notifications read, so the bell recounts at once. */
export const NOTIFICATIONS_CHANGED = 'grassroots:notifications'

const POLL_MS = 60_000

/** Bell with the number of unread notifications; opens the inbox. */
export function NotificationBell() {
  const { t } = useTranslation()
  const [unread, setUnread] = useState<number | null>(null)

  useEffect(() => {
    let ctrl: AbortController | null = null
    const refresh = () => {
      ctrl?.abort()
      ctrl = new AbortController()
      api
        .notifications({ unread: true, pageSize: 1 }, ctrl.signal)
        .then((r) => setUnread(r.total))
        .catch(() => undefined) // the bell is a hint; failures stay quiet
    }
    refresh()
    const timer = setInterval(refresh, POLL_MS)
    window.addEventListener('hashchange', refresh)
    window.addEventListener(NOTIFICATIONS_CHANGED, refresh)
    return () => {
      ctrl?.abort()
      clearInterval(timer)
      window.removeEventListener('hashchange', refresh)
      window.removeEventListener(NOTIFICATIONS_CHANGED, refresh)
    }
  }, [])

  const label = unread ? t('inbox.bellUnread', { n: unread }) : t('inbox.bell')
  return (
    <a className="icon-btn bell" href={href('inbox')} data-testid="notification-bell" title={label} aria-label={label}>
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
