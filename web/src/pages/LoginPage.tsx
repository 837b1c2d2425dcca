import { useMutation } from '@tanstack/react-query'
import { useState, type FormEvent } from 'react'
import { useTranslation } from 'react-i18next'
import { ApiError, api } from '../api'
import { ErrorBanner } from '../components/ErrorBanner'
import { LanguageSwitch } from '../components/LanguageSwitch'
import { routes } from '../router'
import type { User } from '../types'

export function LoginPage({ onLoggedIn, notice }: { onLoggedIn: (user: User) => void; notice?: string | null }) {
  const { t } = useTranslation()
  const [username, setUsername] = useState('')
  const [password, setPassword] = useState('')
  // Shown once the server says this account has a second factor.
  const [needsCode, setNeedsCode] = useState(false)
  const [totpCode, setTotpCode] = useState('')
  const [problem, setProblem] = useState<ApiError | null>(null)
  const login = useMutation({
    // The server sets the httpOnly session cookie; the returned token is not kept.
    mutationFn: () => api.login(username.trim(), password, needsCode ? totpCode.trim() : undefined),
    onSuccess: ({ user }) => {
      setPassword('')
      onLoggedIn(user)
    },
    onError: (err) => {
      if (err instanceof ApiError && err.code === 'AUTH_TOTP_REQUIRED') setNeedsCode(true)
    },
  })
  // Signed in, the page stays busy until the app shows the signed-in screens.
  const busy = login.isPending || login.isSuccess

  function submit(e: FormEvent) {
    e.preventDefault()
    if (busy) return
    // Catch the obvious locally; the server still validates everything.
    const missing = !username.trim() ? 'username' : !password ? 'password' : null
    setProblem(missing ? new ApiError(0, 'VALIDATION_FAILED', '', missing) : null)
    if (missing) login.reset()
    else login.mutate()
  }

  return (
    <div className="login-screen">
      <div className="login-lang">
        <LanguageSwitch />
      </div>
      <main className="login-card">
        <div className="login-brand">
          <span className="brand-mark large" aria-hidden="true" />
          <h1>
            <span className="brand-primary">{t('app.brandPrimary')}</span>{' '}
            <span className="brand-secondary">{t('app.brandSecondary')}</span>
          </h1>
          <p className="login-tagline">{t('login.tagline')}</p>
        </div>
        <form onSubmit={submit} noValidate>
          <h2>{t('login.title')}</h2>
          {notice && (
            <p className="notice" role="status">
              {notice}
            </p>
          )}
          <ErrorBanner error={problem ?? login.error} testId="login-error" />
          <label className="field">
            <span>{t('login.username')}</span>
            <input
              data-testid="login-username"
              name="username"
              autoComplete="username"
              autoCapitalize="none"
              spellCheck={false}
              required
              value={username}
              onChange={(e) => setUsername(e.target.value)}
              // biome-ignore lint/a11y/noAutofocus: signing in is the screen's only task, so its first field takes the focus
              autoFocus
            />
          </label>
          <label className="field">
            <span>{t('login.password')}</span>
            <input
              data-testid="login-password"
              name="password"
              type="password"
              autoComplete="current-password"
              required
              value={password}
              onChange={(e) => setPassword(e.target.value)}
            />
          </label>
          {needsCode && (
            <label className="field">
              <span>{t('login.totpCode')}</span>
              <input
                data-testid="login-totp"
                name="totpCode"
                inputMode="numeric"
                autoComplete="one-time-code"
                pattern="[0-9]{6}"
                maxLength={6}
                // biome-ignore lint/a11y/noAutofocus: the field appears because the server asked for the code, typed next
                autoFocus
                value={totpCode}
                onChange={(e) => setTotpCode(e.target.value)}
              />
            </label>
          )}
          <button type="submit" className="btn btn-primary btn-block" data-testid="login-submit" disabled={busy}>
            {busy ? t('login.submitting') : t('login.submit')}
          </button>
        </form>
        <div className="login-public" data-testid="login-public">
          <p className="muted">{t('login.noAccount')}</p>
          <div className="form-buttons">
            <a className="btn" href={routes.report()} data-testid="login-report-link">
              {t('login.reportWithout')}
            </a>
            <a className="btn" href={routes.track()} data-testid="login-track-link">
              {t('login.track')}
            </a>
          </div>
        </div>
      </main>
      <footer className="login-footer">{t('app.footer')}</footer>
    </div>
  )
}
