import { useMutation, useQuery } from '@tanstack/react-query'
import { Suspense, lazy, useCallback, useEffect, useState } from 'react'
import { useTranslation } from 'react-i18next'
import { api, onUnauthorized } from './api'
import { forgetUserData, keys, queries, queryClient } from './api/queries'
import { ErrorBanner } from './components/ErrorBanner'
import { Header } from './components/Header'
import { Loading } from './components/QueryStatus'
import { LanguageSwitch } from './components/LanguageSwitch'
import { SideNav } from './components/SideNav'
import { applyServerDefaultLanguage } from './i18n'
import { PUBLIC_PAGES, defaultModule, findModule, type ModuleId } from './modules'
import { AccountPage } from './pages/AccountPage'
import { AreasPage } from './pages/AreasPage'
import { AuditPage } from './pages/AuditPage'
import { CaseDetailPage } from './pages/CaseDetailPage'
import { InboxPage } from './pages/InboxPage'
import { LoginPage } from './pages/LoginPage'
import { MyCasesPage } from './pages/MyCasesPage'
import { PlaceholderPage } from './pages/PlaceholderPage'
import { ReportPage } from './pages/ReportPage'
import { SupervisionPage } from './pages/SupervisionPage'
import { TasksPage } from './pages/TasksPage'
import { TrackPage } from './pages/TrackPage'
import { WorkbenchPage } from './pages/WorkbenchPage'
import { idParam, replaceRoute, routes, useRoute, type Route } from './router'
import type { AppConfig, User } from './types'

// ECharts is large: the dashboard loads it only when opened.
const DashboardPage = lazy(() => import('./pages/DashboardPage').then((m) => ({ default: m.DashboardPage })))
// The registry screens are opened by fewer users: loaded on first use too.
const RegistryPage = lazy(() => import('./pages/RegistryPage').then((m) => ({ default: m.RegistryPage })))
const CarePage = lazy(() => import('./pages/CarePage').then((m) => ({ default: m.CarePage })))
// So are the dispute and petition screens (mediators, the petition desk, leaders).
const ParticipationPage = lazy(() =>
  import('./pages/participation/ParticipationPage').then((m) => ({ default: m.ParticipationPage })),
)
// A survey's one-time link is answered without an account, in the public frame.
const SurveyLinkPage = lazy(() =>
  import('./pages/participation/surveys/SurveyLinkPage').then((m) => ({ default: m.SurveyLinkPage })),
)
const surveyLinkToken = (r: Route) =>
  r.page === 'participation' && r.params[0] === 'surveys' && r.params[1] === 'link' ? (r.params[2] ?? null) : null
const EmergencyPage = lazy(() => import('./pages/emergency/EmergencyPage').then((m) => ({ default: m.EmergencyPage })))
const DevicesPage = lazy(() => import('./pages/devices/DevicesPage').then((m) => ({ default: m.DevicesPage })))
const PartyPage = lazy(() => import('./pages/party/PartyPage').then((m) => ({ default: m.PartyPage })))
const TrainingPage = lazy(() => import('./pages/training/TrainingPage').then((m) => ({ default: m.TrainingPage })))
const AssessmentPage = lazy(() =>
  import('./pages/analytics/assessment/AssessmentPage').then((m) => ({ default: m.AssessmentPage })),
)
const GridPage = lazy(() => import('./pages/grid/GridPage').then((m) => ({ default: m.GridPage })))
const ReportsPage = lazy(() =>
  import('./pages/analytics/reports/ReportsPage').then((m) => ({ default: m.ReportsPage })),
)
const WarningsPage = lazy(() =>
  import('./pages/analytics/warnings/WarningsPage').then((m) => ({ default: m.WarningsPage })),
)
const MapsPage = lazy(() => import('./pages/analytics/maps/MapsPage').then((m) => ({ default: m.MapsPage })))
const TopicsPage = lazy(() => import('./pages/analytics/topics/TopicsPage').then((m) => ({ default: m.TopicsPage })))
const ComponentsPage = lazy(() =>
  import('./pages/components/ComponentsPage').then((m) => ({ default: m.ComponentsPage })),
)
const AlertLinkPage = lazy(() => import('./pages/emergency/alerts').then((m) => ({ default: m.AlertLinkPage })))
// The alert page a text message links to opens without an account.
const alertLinkToken = (r: Route) =>
  r.page === 'emergency' && r.params[0] === 'alerts' && r.params[1] === 'link' ? (r.params[2] ?? null) : null
const ServicesPage = lazy(() => import('./pages/services/ServicesPage').then((m) => ({ default: m.ServicesPage })))
const DisputesPage = lazy(() => import('./pages/disputes/DisputesPage').then((m) => ({ default: m.DisputesPage })))

type Notice = 'sessionExpired' | 'loggedOut'

export function App() {
  const { t } = useTranslation()
  const route = useRoute()
  // Who is signed in? The session cookie decides; no session (401) means "show the login page".
  const me = useQuery(queries.me())
  // Public config: map tiles and the server's default language. Failing it is not fatal.
  const config = useQuery(queries.config()).data ?? null
  const [notice, setNotice] = useState<Notice | null>(null)

  useEffect(() => {
    if (config) applyServerDefaultLanguage(config.defaultLanguage)
  }, [config])

  const signedOut = useCallback((why: Notice) => {
    forgetUserData()
    queryClient.setQueryData(keys.me, null)
    setNotice(why)
  }, [])

  // Any later 401 means the session expired or was revoked.
  useEffect(() => {
    onUnauthorized(() => signedOut('sessionExpired'))
    return () => onUnauthorized(null)
  }, [signedOut])

  const logout = useMutation({
    mutationFn: api.logout,
    // The cookie may already be gone; signing out locally is still right.
    onSettled: () => signedOut('loggedOut'),
  })

  if (me.isPending) return <Loading splash />
  if (me.isError) {
    return (
      <div className="splash">
        <ErrorBanner error={me.error} onRetry={() => void me.refetch()} testId="startup-error" />
      </div>
    )
  }
  const user = me.data
  if (user) return <Shell user={user} config={config} onLogout={() => logout.mutate()} loggingOut={logout.isPending} />
  // Reporting a problem and following it by tracking code need no account.
  if (PUBLIC_PAGES.includes(route.page) || surveyLinkToken(route) || alertLinkToken(route))
    return <PublicShell route={route} config={config} />
  return (
    <LoginPage
      notice={notice ? t(`login.${notice}`) : null}
      onLoggedIn={(signedIn) => {
        forgetUserData()
        queryClient.setQueryData(keys.me, signedIn)
        setNotice(null)
      }}
    />
  )
}

function Shell({
  user,
  config,
  onLogout,
  loggingOut,
}: {
  user: User
  config: AppConfig | null
  onLogout: () => void
  loggingOut: boolean
}) {
  const route = useRoute()
  const [navOpen, setNavOpen] = useState(false)
  // The account page is every signed-in user's own, reached from the user menu rather than the side navigation.
  const onAccount = route.page === 'account'
  const module = onAccount ? undefined : findModule(route.page, user)
  const fallback = defaultModule(user)

  useEffect(() => {
    if (!module && !onAccount) replaceRoute(fallback)
  }, [module, onAccount, fallback])

  return (
    <div className="app-shell">
      <Header
        user={user}
        accountActive={onAccount}
        navOpen={navOpen}
        onToggleNav={() => setNavOpen((o) => !o)}
        loggingOut={loggingOut}
        onLogout={onLogout}
      />
      <div className="app-body">
        <SideNav
          user={user}
          active={onAccount ? 'account' : (module?.id ?? fallback)}
          open={navOpen}
          onNavigate={() => setNavOpen(false)}
        />
        {navOpen && <div className="nav-backdrop" onClick={() => setNavOpen(false)} aria-hidden="true" />}
        <main className="app-main" id="main">
          {onAccount && <AccountPage user={user} />}
          {module && (
            <ModulePage id={module.id} available={module.available} params={route.params} user={user} config={config} />
          )}
        </main>
      </div>
    </div>
  )
}

function ModulePage({
  id,
  available,
  params,
  user,
  config,
}: {
  id: ModuleId
  available: boolean
  params: string[]
  user: User
  config: AppConfig | null
}) {
  if (!available) return <PlaceholderPage module={id} />
  const caseId = idParam(params)
  switch (id) {
    case 'areas':
      return <AreasPage routeParams={params} config={config} user={user} />
    case 'report':
      return <ReportPage user={user} config={config} />
    case 'my-cases':
      return <MyCasesPage caseId={caseId} config={config} />
    case 'track':
      return <TrackPage code={params[0] ?? null} />
    case 'cases':
      return caseId ? <CaseDetailPage key={caseId} id={caseId} config={config} /> : <WorkbenchPage />
    case 'supervision':
      return <SupervisionPage />
    case 'audit':
      return <AuditPage />
    case 'inbox':
      return <InboxPage user={user} />
    case 'tasks':
      return <TasksPage config={config} />
    case 'registry':
      return (
        <Suspense fallback={<Loading splash />}>
          <RegistryPage params={params} user={user} />
        </Suspense>
      )
    case 'care':
      return (
        <Suspense fallback={<Loading splash />}>
          <CarePage />
        </Suspense>
      )
    case 'mediation':
      return (
        <Suspense fallback={<Loading splash />}>
          <DisputesPage params={params} user={user} config={config} />
        </Suspense>
      )
    case 'participation':
      return (
        <Suspense fallback={<Loading splash />}>
          <ParticipationPage params={params} user={user} config={config} />
        </Suspense>
      )
    case 'services':
      return (
        <Suspense fallback={<Loading splash />}>
          <ServicesPage params={params} user={user} config={config} />
        </Suspense>
      )
    case 'emergency':
      return (
        <Suspense fallback={<Loading splash />}>
          <EmergencyPage params={params} user={user} config={config} />
        </Suspense>
      )
    case 'devices':
      return (
        <Suspense fallback={<Loading splash />}>
          <DevicesPage params={params} user={user} config={config} />
        </Suspense>
      )
    case 'party':
      return (
        <Suspense fallback={<Loading splash />}>
          <PartyPage params={params} user={user} config={config} />
        </Suspense>
      )
    case 'assessment':
      return (
        <Suspense fallback={<Loading splash />}>
          <AssessmentPage params={params} user={user} />
        </Suspense>
      )
    case 'training':
      return (
        <Suspense fallback={<Loading splash />}>
          <TrainingPage params={params} user={user} config={config} />
        </Suspense>
      )
    case 'components':
      return (
        <Suspense fallback={<Loading splash />}>
          <ComponentsPage params={params} user={user} config={config} />
        </Suspense>
      )
    case 'warnings':
      return (
        <Suspense fallback={<Loading splash />}>
          <WarningsPage params={params} />
        </Suspense>
      )
    case 'monthly-reports':
      return (
        <Suspense fallback={<Loading splash />}>
          <ReportsPage />
        </Suspense>
      )
    case 'case-map':
      return (
        <Suspense fallback={<Loading splash />}>
          <MapsPage config={config} />
        </Suspense>
      )
    case 'topics':
      return (
        <Suspense fallback={<Loading splash />}>
          <TopicsPage user={user} />
        </Suspense>
      )
    case 'grid':
      return (
        <Suspense fallback={<Loading splash />}>
          <GridPage params={params} user={user} config={config} />
        </Suspense>
      )
    case 'dashboard':
      return (
        <Suspense fallback={<Loading splash />}>
          <DashboardPage params={params} user={user} config={config} />
        </Suspense>
      )
    default:
      return <PlaceholderPage module={id} />
  }
}

/** The frame of the pages open to everyone: brand, language and a way to sign in. */
function PublicShell({ route, config }: { route: Route; config: AppConfig | null }) {
  const { t } = useTranslation()
  return (
    <div className="app-shell public-shell">
      <header className="app-header">
        <a className="brand" href={routes.report()} data-testid="brand">
          <span className="brand-mark" aria-hidden="true" />
          <span className="brand-primary">{t('app.brandPrimary')}</span>
          <span className="brand-secondary">{t('app.brandSecondary')}</span>
        </a>
        <div className="header-spacer" />
        <nav className="public-nav" aria-label={t('nav.label')}>
          <a
            href={routes.report()}
            data-testid="public-nav-report"
            aria-current={route.page === 'report' ? 'page' : undefined}
          >
            {t('modules.report.name')}
          </a>
          <a
            href={routes.track()}
            data-testid="public-nav-track"
            aria-current={route.page === 'track' ? 'page' : undefined}
          >
            {t('modules.track.name')}
          </a>
        </nav>
        <LanguageSwitch />
        <a className="btn btn-small btn-on-dark" href={routes.login()} data-testid="public-sign-in">
          {t('login.submit')}
        </a>
      </header>
      <main className="app-main public-main" id="main">
        {alertLinkToken(route) ? (
          <Suspense fallback={<Loading splash />}>
            <AlertLinkPage token={alertLinkToken(route)!} />
          </Suspense>
        ) : surveyLinkToken(route) ? (
          <Suspense fallback={<Loading splash />}>
            <SurveyLinkPage token={surveyLinkToken(route)!} />
          </Suspense>
        ) : route.page === 'track' ? (
          <TrackPage code={route.params[0] ?? null} />
        ) : (
          <ReportPage user={null} config={config} />
        )}
      </main>
    </div>
  )
}
