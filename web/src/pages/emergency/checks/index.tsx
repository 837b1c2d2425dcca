import { useQuery } from '@tanstack/react-query'
import { useTranslation } from 'react-i18next'
import { QueryStatus } from '../../../components/QueryStatus'
import { formatDateTime, localName } from '../../../i18n'
import { routes } from '../../../router'
import type { SectionProps } from '../section'
import { checkQueries } from './api'
import { CheckList } from './CheckList'
import './checks.css'

export { CheckPanel } from './CheckPanel'

/** The phone check list below #/emergency/checks: pick an incident, then `<incidentId>` lists its people. */
export function ChecksSection({ params, user }: SectionProps) {
  const incidentId = Number(params[0])
  if (Number.isInteger(incidentId) && incidentId > 0)
    return <CheckList key={incidentId} incidentId={incidentId} user={user} />
  return <IncidentPicker />
}

/** The active incidents the caller works (staff over them, or enrolled as a volunteer). */
function IncidentPicker() {
  const { t, i18n } = useTranslation()
  const lng = i18n.language
  const incidents = useQuery(checkQueries.incidents())
  return (
    <div className="check-picker" data-testid="check-picker">
      <p className="muted">{t('emergency.checks.pick.intro')}</p>
      <QueryStatus query={incidents} />
      {incidents.data && incidents.data.items.length === 0 && (
        <p className="muted empty" data-testid="check-picker-empty">
          {t('emergency.checks.pick.none')}
        </p>
      )}
      {incidents.data && incidents.data.items.length > 0 && (
        <ul className="card-list check-incidents" aria-label={t('emergency.checks.pick.label')}>
          {incidents.data.items.map((i) => (
            <li key={i.id} className="card check-incident" data-testid="check-incident" data-id={i.id}>
              <a href={routes.emergency('checks', i.id)} className="check-incident-link">
                <strong>
                  {i.drill && `${t('emergency.checks.drill')} · `}
                  {i.title}
                </strong>
              </a>
              <div className="muted">
                {t(`emergency.checks.levels.${i.level}`, { defaultValue: String(i.level) })} · {localName(i, lng)} ·{' '}
                {t('emergency.checks.pick.grids', { count: i.gridCount })} · {formatDateTime(i.declaredAt, lng)}
              </div>
            </li>
          ))}
        </ul>
      )}
    </div>
  )
}
