import { useTranslation } from 'react-i18next'
import { modulesFor } from '../modules'
import type { User } from '../types'
import { href } from '../router'
import { Icon } from './Icon'

export function SideNav({
  user,
  active,
  open,
  onNavigate,
}: {
  user: User
  active: string
  open: boolean
  onNavigate: () => void
}) {
  const { t } = useTranslation()
  return (
    <nav id="side-nav" className={`side-nav${open ? ' open' : ''}`} aria-label={t('nav.label')}>
      <ul>
        {modulesFor(user).map((m) => (
          <li key={m.id}>
            <a
              href={href(m.id)}
              data-testid={`nav-${m.id}`}
              className={m.id === active ? 'active' : undefined}
              aria-current={m.id === active ? 'page' : undefined}
              onClick={onNavigate}
            >
              <Icon name={m.id} />
              <span className="nav-label">{t(`modules.${m.id}.name`)}</span>
              {!m.available && <span className="nav-soon">{t('nav.soon')}</span>}
            </a>
          </li>
        ))}
      </ul>
      <p className="nav-footer">{t('app.version', { version: __APP_VERSION__ })}</p>
    </nav>
  )
}
