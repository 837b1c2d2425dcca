import { useTranslation } from 'react-i18next'
import { localName } from '../i18n'
import { routes } from '../router'
import type { RoleAssignment, User } from '../types'

function roleText(r: RoleAssignment, t: (k: string, o?: Record<string, unknown>) => string, lng: string): string {
  const base = t(`roles.${r.role}`, { defaultValue: r.role })
  // A grid worker's duty (网格长, 专职, 兼职, 下沉干部) says more than the role.
  const role = r.dutyType ? `${base} · ${t(`grid.patrol.duty.${r.dutyType}`)}` : base
  const area = localName(r, lng)
  return area ? t('header.roleInArea', { role, area }) : role
}

/** Signed-in user's display name and role assignments; a link to their account page. */
export function UserMenu({ user, active = false }: { user: User; active?: boolean }) {
  const { t, i18n } = useTranslation()
  const roles = user.roles.map((r) => roleText(r, t, i18n.language))
  const rolesLine = roles.length ? roles.join(t('common.listSeparator')) : t('header.noRoles')
  const initial = (user.displayName || user.username).trim().charAt(0).toUpperCase()
  return (
    <div className="user-menu" data-testid="user-menu" title={`${user.displayName} (${user.username})\n${rolesLine}`}>
      <a
        className="user-menu-link"
        href={routes.account()}
        data-testid="nav-account"
        aria-label={t('account.open')}
        aria-current={active ? 'page' : undefined}
      >
        <span className="avatar" aria-hidden="true">
          {initial}
        </span>
        <span className="user-text">
          <span className="user-name" data-testid="user-name">
            {user.displayName || user.username}
          </span>
          <span className="user-roles" data-testid="user-roles">
            {rolesLine}
          </span>
        </span>
      </a>
    </div>
  )
}
