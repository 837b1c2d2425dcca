import { useQuery } from '@tanstack/react-query'
import { useTranslation } from 'react-i18next'
import { call, client } from '../../api'
import { QueryStatus } from '../../components/QueryStatus'
import { hasRole } from '../../modules'
import type { User } from '../../types'
import { GRID_READERS, timeText } from './common'

/** The grid profile card on the areas page: what the grid holds, who works it, the household band. */
export function ProfileCard({ areaId, user }: { areaId: number; user: User | null }) {
  const { t, i18n } = useTranslation()
  const allowed = hasRole(user, GRID_READERS)
  const q = useQuery({
    queryKey: ['grid', 'profile', areaId],
    enabled: allowed,
    queryFn: ({ signal }) =>
      call(client.GET('/api/v1/areas/{id}/profile', { params: { path: { id: areaId } }, signal })),
    retry: false,
  })
  if (!allowed) return null
  const p = q.data
  return (
    <section className="card grid-profile" data-testid="grid-profile" aria-labelledby={`grid-profile-${areaId}`}>
      <h3 id={`grid-profile-${areaId}`}>{t('grid.profile.heading')}</h3>
      <QueryStatus query={q} />
      {p && (
        <>
          {p.warning && (
            <p className="grid-warning" role="status" data-testid="profile-warning">
              {t(`grid.profile.${p.warning.code}`, p.warning)}
            </p>
          )}
          <dl className="grid-figures">
            {(
              [
                ['households', p.households],
                ['people', p.people],
                ['buildings', p.buildings],
                ['specialCare', p.specialCare],
                ['openCases', p.openCases],
                ['overdueCases', p.overdueCases],
              ] as const
            ).map(([k, v]) => (
              <div key={k}>
                <dt>{t(`grid.profile.${k}`)}</dt>
                <dd data-testid={`profile-${k}`}>{v}</dd>
              </div>
            ))}
          </dl>
          <p className="muted">{t('grid.profile.band', p.householdBand)}</p>
          <h4>{t('grid.profile.workers')}</h4>
          {p.workers.length === 0 ? (
            <p className="muted">{t('grid.profile.noWorkers')}</p>
          ) : (
            <ul data-testid="profile-workers">
              {p.workers.map((w) => (
                <li key={w.userId}>
                  {w.name ?? w.userId} · {t(`grid.patrol.duty.${w.dutyType}`)}
                </li>
              ))}
            </ul>
          )}
          <p>
            {t('grid.profile.lastPatrol')}:{' '}
            {p.lastPatrolAt ? timeText(p.lastPatrolAt, i18n.language) : t('grid.profile.never')}
          </p>
        </>
      )}
    </section>
  )
}
