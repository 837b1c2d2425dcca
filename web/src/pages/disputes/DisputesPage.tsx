import { Suspense, lazy, type ReactNode } from 'react'
import { useTranslation } from 'react-i18next'
import { DISPUTE_REGISTRARS, PETITION_DESK, hasRole } from '../../modules'
import { Loading } from '../../components/QueryStatus'
import { idParam, routes } from '../../router'
import type { AppConfig, User } from '../../types'
import { DisputeDetailPage } from './DisputeDetailPage'
import { DisputeList } from './DisputeList'
import { DisputeSettingsPage } from './DisputeSettingsPage'
import { PetitionDesk } from './PetitionDesk'
import { PetitionDetailPage } from './PetitionDetailPage'
import { RegisterDispute } from './RegisterDispute'

// ECharts and the map are large: the statistics load them when opened.
const DisputeStatsPage = lazy(() => import('./DisputeStatsPage').then((m) => ({ default: m.DisputeStatsPage })))

type Tab = 'register' | 'petitions' | 'stats' | 'settings'

/**
 * Disputes and petitions (矛盾纠纷多元化解), below #/mediation: the register and one dispute, registering
 * a new one, the petition desk and one petition, statistics with the map, and the risk settings.
 */
export function DisputesPage({ params, user, config }: { params: string[]; user: User; config: AppConfig | null }) {
  const section = params[0] ?? ''
  const disputeId = idParam(params)
  const registrar = hasRole(user, DISPUTE_REGISTRARS)
  const desk = hasRole(user, PETITION_DESK)
  if (disputeId) return <DisputeDetailPage key={disputeId} id={disputeId} user={user} />
  if (section === 'new' && registrar) return <RegisterDispute config={config} />
  if (section === 'petitions' && desk) {
    const petitionId = idParam(params, 1)
    if (petitionId) return <PetitionDetailPage key={petitionId} id={petitionId} />
    return (
      <Frame tab="petitions" user={user}>
        <PetitionDesk />
      </Frame>
    )
  }
  if (section === 'stats' && registrar)
    return (
      <Frame tab="stats" user={user}>
        <Suspense fallback={<Loading />}>
          <DisputeStatsPage config={config} />
        </Suspense>
      </Frame>
    )
  if (section === 'settings' && registrar)
    return (
      <Frame tab="settings" user={user}>
        <DisputeSettingsPage user={user} />
      </Frame>
    )
  return (
    <Frame tab="register" user={user}>
      <DisputeList canRegister={registrar} />
    </Frame>
  )
}

/** The module's heading and its tabs (links, so each section has its own address). */
function Frame({ tab, user, children }: { tab: Tab; user: User; children: ReactNode }) {
  const { t } = useTranslation()
  const registrar = hasRole(user, DISPUTE_REGISTRARS)
  const tabs: { id: Tab; href: string }[] = [
    { id: 'register', href: routes.disputes() },
    ...(hasRole(user, PETITION_DESK) ? [{ id: 'petitions' as const, href: routes.petitions() }] : []),
    ...(registrar ? [{ id: 'stats' as const, href: routes.disputeStats() }] : []),
    ...(registrar ? [{ id: 'settings' as const, href: routes.disputeSettings() }] : []),
  ]
  return (
    <section className="page disputes-page" data-testid="page-mediation" data-section={tab}>
      <div className="page-head">
        <h1 className="page-title">{t('disputes.title')}</h1>
        {registrar && (
          <a className="btn btn-small btn-primary" href={routes.newDispute()} data-testid="dispute-new">
            {t('disputes.register.open')}
          </a>
        )}
      </div>
      <nav className="queue-tabs" aria-label={t('disputes.sections')}>
        {tabs.map((s) => (
          <a
            key={s.id}
            href={s.href}
            className={`queue-tab${s.id === tab ? ' active' : ''}`}
            aria-current={s.id === tab ? 'page' : undefined}
            data-testid={`mediation-tab-${s.id}`}
          >
            {t(`disputes.tabs.${s.id}`)}
          </a>
        ))}
      </nav>
      {children}
    </section>
  )
}
