import { useTranslation } from 'react-i18next'
import { routes } from '../../../router'

type Tab = 'list' | 'mine' | 'day'

/** The part's own tabs: facilities, my bookings and (staff) the day's bookings. */
export function FacilityNav({ current, staff }: { current: Tab; staff: boolean }) {
  const { t } = useTranslation()
  const tabs: { tab: Tab; href: string }[] = [
    { tab: 'list', href: routes.services('facilities') },
    { tab: 'mine', href: routes.services('facilities', 'mine') },
    ...(staff ? [{ tab: 'day' as const, href: routes.services('facilities', 'day') }] : []),
  ]
  return (
    <nav className="queue-tabs facility-nav" aria-label={t('services.facilities.nav.label')}>
      {tabs.map(({ tab, href }) => (
        <a
          key={tab}
          href={href}
          className={`queue-tab${tab === current ? ' active' : ''}`}
          aria-current={tab === current ? 'page' : undefined}
          data-testid={`facility-nav-${tab}`}
        >
          {t(`services.facilities.nav.${tab}`)}
        </a>
      ))}
    </nav>
  )
}

/** "周一 09:00–12:00、14:00–21:00 …", one line per weekday with hours. */
export function OpeningHours({ hours }: { hours: { weekday: number; opens: string; closes: string }[] }) {
  const { t } = useTranslation()
  if (hours.length === 0) return <p className="muted">{t('services.facilities.hours.none')}</p>
  const days = [1, 2, 3, 4, 5, 6, 7].filter((d) => hours.some((h) => h.weekday === d))
  return (
    <dl className="facility-hours">
      {days.map((d) => (
        <div key={d} className="facility-hours-row">
          <dt>{t(`services.facilities.weekdays.${d}`)}</dt>
          <dd>
            {hours
              .filter((h) => h.weekday === d)
              .map((h) => `${h.opens}–${h.closes}`)
              .join(t('services.facilities.hours.separator'))}
          </dd>
        </div>
      ))}
    </dl>
  )
}
