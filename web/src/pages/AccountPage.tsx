import { useMutation } from '@tanstack/react-query'
import { useState, type FormEvent } from 'react'
import { useTranslation } from 'react-i18next'
import { ApiError, api } from '../api'
import { errorText } from '../i18n'
import type { User } from '../types'

/** Translated text for an error of this page; the codes the account routes answer get their own wording. */
function accountErrorText(err: unknown, t: (key: string) => string): string {
  if (err instanceof ApiError) {
    if (err.code === 'AUTH_INVALID_CREDENTIALS' && err.field === 'currentPassword')
      return t('account.password.wrongCurrent')
    if (err.code === 'VALIDATION_FAILED' && err.field === 'newPassword') return t('account.password.policy')
    if (err.code === 'VALIDATION_FAILED' && err.field === 'code') return t('account.totp.wrongCode')
  }
  return errorText(err)
}

function ErrorLine({ error, testId }: { error: unknown; testId: string }) {
  const { t } = useTranslation()
  if (!error) return null
  return (
    <div className="error-banner" role="alert" data-testid={testId}>
      <span>{accountErrorText(error, t)}</span>
    </div>
  )
}

/** A base32 secret in groups of four, easier to type into an authenticator app. */
function groupSecret(secret: string): string {
  return (secret.match(/.{1,4}/g) ?? []).join(' ')
}

/** The signed-in user's own account: change the password, set up or turn off the second factor. */
export function AccountPage({ user }: { user: User }) {
  const { t } = useTranslation()
  return (
    <section className="page narrow-page" data-testid="page-account">
      <div className="page-head">
        <h1 className="page-title">{t('account.title')}</h1>
        <span className="muted">
          {user.displayName || user.username} ({user.username})
        </span>
      </div>
      <PasswordForm />
      <TotpPanel />
    </section>
  )
}

function PasswordForm() {
  const { t } = useTranslation()
  const [current, setCurrent] = useState('')
  const [next, setNext] = useState('')
  const [problem, setProblem] = useState<ApiError | null>(null)
  const change = useMutation({
    mutationFn: () => api.changePassword(current, next),
    onSuccess: () => {
      setCurrent('')
      setNext('')
    },
  })
  const busy = change.isPending
  const done = change.isSuccess
  const error = problem ?? change.error

  function submit(e: FormEvent) {
    e.preventDefault()
    if (busy) return
    if (!current || !next) {
      setProblem(new ApiError(0, 'VALIDATION_FAILED', '', !current ? 'currentPassword' : 'newPassword'))
      return
    }
    setProblem(null)
    change.mutate()
  }

  return (
    <form className="card" onSubmit={submit} noValidate>
      <h2 className="section-title">{t('account.password.title')}</h2>
      {done && (
        <p className="notice" role="status" data-testid="password-done">
          {t('account.password.done')}
        </p>
      )}
      <ErrorLine error={error} testId="password-error" />
      <label className="field">
        <span>{t('account.password.current')}</span>
        <input
          data-testid="password-current"
          name="currentPassword"
          type="password"
          autoComplete="current-password"
          required
          value={current}
          onChange={(e) => setCurrent(e.target.value)}
        />
      </label>
      <label className="field">
        <span>{t('account.password.new')}</span>
        <input
          data-testid="password-new"
          name="newPassword"
          type="password"
          autoComplete="new-password"
          minLength={10}
          required
          value={next}
          onChange={(e) => setNext(e.target.value)}
        />
      </label>
      <p className="muted">{t('account.password.hint')}</p>
      <div className="form-buttons">
        <button type="submit" className="btn btn-primary" data-testid="password-submit" disabled={busy}>
          {busy ? t('common.sending') : t('account.password.submit')}
        </button>
      </div>
    </form>
  )
}

type TotpState =
  | { step: 'idle'; notice?: 'turnedOff' }
  | { step: 'setup'; secret: string; uri: string }
  | { step: 'on'; notice: 'alreadyOn' | 'turnedOn' }

function CodeInput({ testId, value, onChange }: { testId: string; value: string; onChange: (v: string) => void }) {
  const { t } = useTranslation()
  return (
    <label className="field">
      <span>{t('account.totp.code')}</span>
      <input
        data-testid={testId}
        name="code"
        inputMode="numeric"
        autoComplete="one-time-code"
        pattern="[0-9]{6}"
        maxLength={6}
        value={value}
        onChange={(e) => onChange(e.target.value.replace(/\s/g, ''))}
      />
    </label>
  )
}

function TotpPanel() {
  const { t } = useTranslation()
  const [state, setState] = useState<TotpState>({ step: 'idle' })
  const [code, setCode] = useState('')
  // Each step (set up, confirm, turn off) is one piece of work; the last one's failure shows.
  const step = useMutation({ mutationFn: (work: () => Promise<void>) => work() })
  const busy = step.isPending
  const error = step.error
  const run = (work: () => Promise<void>) => {
    if (!busy) step.mutate(work)
  }

  const setup = () =>
    run(async () => {
      try {
        const { secret, otpauthUri } = await api.totpSetup()
        setCode('')
        setState({ step: 'setup', secret, uri: otpauthUri })
      } catch (err) {
        // The API does not say whether a second factor is on; a 409 from setup means it is.
        if (err instanceof ApiError && err.status === 409) setState({ step: 'on', notice: 'alreadyOn' })
        else throw err
      }
    })

  const confirm = (e: FormEvent) => {
    e.preventDefault()
    run(async () => {
      await api.totpConfirm(code.trim())
      setCode('')
      setState({ step: 'on', notice: 'turnedOn' })
    })
  }

  const disable = (e: FormEvent) => {
    e.preventDefault()
    run(async () => {
      try {
        await api.totpDisable(code.trim())
      } catch (err) {
        // 409: there is no second factor to turn off (e.g. turned off in another session).
        if (!(err instanceof ApiError && err.status === 409)) throw err
      }
      setCode('')
      setState({ step: 'idle', notice: 'turnedOff' })
    })
  }

  return (
    <div className="card">
      <h2 className="section-title">{t('account.totp.title')}</h2>
      <p className="muted">{t('account.totp.intro')}</p>
      <ErrorLine error={error} testId="totp-error" />

      {state.step === 'idle' && (
        <>
          {state.notice === 'turnedOff' && (
            <p className="notice" role="status" data-testid="totp-off">
              {t('account.totp.turnedOff')}
            </p>
          )}
          <div className="form-buttons">
            <button type="button" className="btn btn-primary" data-testid="totp-setup" disabled={busy} onClick={setup}>
              {t('account.totp.setup')}
            </button>
          </div>
        </>
      )}

      {state.step === 'setup' && (
        <form onSubmit={confirm} noValidate>
          <p>{t('account.totp.scan')}</p>
          <dl className="facts">
            <dt>{t('account.totp.secret')}</dt>
            <dd className="mono" data-testid="totp-secret">
              {groupSecret(state.secret)}
            </dd>
            <dt>{t('account.totp.uri')}</dt>
            <dd className="mono" style={{ overflowWrap: 'anywhere' }}>
              <a href={state.uri} data-testid="totp-uri">
                {state.uri}
              </a>
            </dd>
          </dl>
          <CodeInput testId="totp-code" value={code} onChange={setCode} />
          <div className="form-buttons">
            <button
              type="submit"
              className="btn btn-primary"
              data-testid="totp-confirm"
              disabled={busy || !code.trim()}
            >
              {t('account.totp.confirm')}
            </button>
          </div>
        </form>
      )}

      {state.step === 'on' && (
        <form onSubmit={disable} noValidate>
          {state.notice === 'turnedOn' ? (
            <p className="notice" role="status" data-testid="totp-done">
              {t('account.totp.turnedOn')}
            </p>
          ) : (
            <p className="notice" role="status" data-testid="totp-on">
              {t('account.totp.alreadyOn')}
            </p>
          )}
          <p>{t('account.totp.disableHint')}</p>
          <CodeInput testId="totp-disable-code" value={code} onChange={setCode} />
          <div className="form-buttons">
            <button type="submit" className="btn" data-testid="totp-disable" disabled={busy || !code.trim()}>
              {t('account.totp.disable')}
            </button>
          </div>
        </form>
      )}
    </div>
  )
}
