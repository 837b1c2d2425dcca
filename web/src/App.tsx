import { useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError, api, isAbort, onUnauthorized } from './api';
import { ErrorBanner } from './components/ErrorBanner';
import { Header } from './components/Header';
import { SideNav } from './components/SideNav';
import { applyServerDefaultLanguage } from './i18n';
import { DEFAULT_MODULE, findModule } from './modules';
import { AreasPage } from './pages/AreasPage';
import { LoginPage } from './pages/LoginPage';
import { PlaceholderPage } from './pages/PlaceholderPage';
import { replaceRoute, useRoute } from './router';
import type { AppConfig, User } from './types';

type Session =
  | { state: 'loading' }
  | { state: 'anon'; notice?: 'sessionExpired' | 'loggedOut' }
  | { state: 'authed'; user: User }
  | { state: 'error'; error: unknown };

export function App() {
  const { t } = useTranslation();
  const [session, setSession] = useState<Session>({ state: 'loading' });
  const [config, setConfig] = useState<AppConfig | null>(null);
  const [attempt, setAttempt] = useState(0);

  // Public config: map tiles and the server's default language. Failing it is not fatal.
  useEffect(() => {
    const ctrl = new AbortController();
    api
      .config(ctrl.signal)
      .then((c) => {
        setConfig(c);
        applyServerDefaultLanguage(c.defaultLanguage);
      })
      .catch(() => undefined);
    return () => ctrl.abort();
  }, []);

  // Who is signed in? The session cookie decides; 401 means "show the login page".
  useEffect(() => {
    const ctrl = new AbortController();
    setSession({ state: 'loading' });
    api
      .me(ctrl.signal)
      .then(({ user }) => setSession({ state: 'authed', user }))
      .catch((err) => {
        if (isAbort(err)) return;
        if (err instanceof ApiError && err.status === 401) setSession({ state: 'anon' });
        else setSession({ state: 'error', error: err });
      });
    return () => ctrl.abort();
  }, [attempt]);

  // Any later 401 means the session expired or was revoked.
  useEffect(() => {
    onUnauthorized(() => setSession({ state: 'anon', notice: 'sessionExpired' }));
    return () => onUnauthorized(null);
  }, []);

  const logout = useCallback(async () => {
    try {
      await api.logout();
    } catch {
      // The cookie may already be gone; signing out locally is still right.
    }
    setSession({ state: 'anon', notice: 'loggedOut' });
  }, []);

  switch (session.state) {
    case 'loading':
      return (
        <div className="splash" role="status" aria-live="polite">
          <span className="spinner" aria-hidden="true" />
          {t('common.loading')}
        </div>
      );
    case 'error':
      return (
        <div className="splash">
          <ErrorBanner error={session.error} onRetry={() => setAttempt((n) => n + 1)} testId="startup-error" />
        </div>
      );
    case 'anon':
      return (
        <LoginPage
          notice={session.notice ? t(`login.${session.notice}`) : null}
          onLoggedIn={(user) => setSession({ state: 'authed', user })}
        />
      );
    case 'authed':
      return <Shell user={session.user} config={config} onLogout={logout} />;
  }
}

function Shell({ user, config, onLogout }: { user: User; config: AppConfig | null; onLogout: () => Promise<void> }) {
  const route = useRoute();
  const [navOpen, setNavOpen] = useState(false);
  const [loggingOut, setLoggingOut] = useState(false);
  const module = findModule(route.page);

  useEffect(() => {
    if (!module) replaceRoute(DEFAULT_MODULE);
  }, [module]);

  return (
    <div className="app-shell">
      <Header
        user={user}
        navOpen={navOpen}
        onToggleNav={() => setNavOpen((o) => !o)}
        loggingOut={loggingOut}
        onLogout={() => {
          setLoggingOut(true);
          void onLogout();
        }}
      />
      <div className="app-body">
        <SideNav active={module?.id ?? DEFAULT_MODULE} open={navOpen} onNavigate={() => setNavOpen(false)} />
        {navOpen && <div className="nav-backdrop" onClick={() => setNavOpen(false)} aria-hidden="true" />}
        <main className="app-main" id="main">
          {module?.id === 'areas' || !module ? (
            <AreasPage routeParams={module ? route.params : []} config={config} />
          ) : (
            <PlaceholderPage module={module.id} />
          )}
        </main>
      </div>
    </div>
  );
}
