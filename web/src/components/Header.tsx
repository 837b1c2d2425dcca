import { useTranslation } from 'react-i18next'
import type { User } from '../types'
import { Icon } from './Icon'
import { LanguageSwitch } from './LanguageSwitch'
import { NotificationBell } from './NotificationBell'
import { UserMenu } from './UserMenu'

export function Header({
  user,
  accountActive = false,
  navOpen,
  onToggleNav,
  onLogout,
  loggingOut,
}: {
  user: User
  accountActive?: boolean
  navOpen: boolean
  onToggleNav: () => void
  onLogout: () => void
  loggingOut: boolean
}) {
  const { t } = useTranslation()
  return (
    <header className="app-header">
      <button
        type="button"
        className="icon-btn nav-toggle"
        aria-controls="side-nav"
        aria-expanded={navOpen}
        aria-label={navOpen ? t('nav.close') : t('nav.open')}
        onClick={onToggleNav}
      >
        <Icon name={navOpen ? 'close' : 'menu'} />
      </button>
      <a className="brand" href="#/" data-testid="brand">
        <span className="brand-mark" aria-hidden="true" />
        <span className="brand-primary">{t('app.brandPrimary')}</span>
        <span className="brand-secondary">{t('app.brandSecondary')}</span>
      </a>
      <div className="header-spacer" />
      <LanguageSwitch />
      <NotificationBell />
      <UserMenu user={user} active={accountActive} />
      <button
        type="button"
        className="icon-btn logout-btn"
        data-testid="logout"
        onClick={onLogout}
        disabled={loggingOut}
        title={t('header.logout')}
      >
        <Icon name="logout" />
        <span className="logout-label">{t('header.logout')}</span>
      </button>
    </header>
  )
}
