import { useMutation, useQuery } from '@tanstack/react-query'
import { useState, type FormEvent } from 'react'
import { useTranslation } from 'react-i18next'
import { ApiError } from '../../../api'
import { queryClient } from '../../../api/queries'
import { QueryStatus } from '../../../components/QueryStatus'
import { formatDateTime, localName } from '../../../i18n'
import { hasRole } from '../../../modules'
import { routes } from '../../../router'
import {
  proposalApi,
  proposalKeys,
  proposalQueries,
  type Challenge,
  type Delivery,
  type Preferences,
  type SubjectKind,
  type Verification,
} from '../proposals/api'
import { PARTICIPATION_STAFF, Problem, Required, useFieldLabel } from '../proposals/common'
import type { SectionProps } from '../section'
import '../proposals/proposals.css'

/** Which hub section shows a process of each kind. */
const PART_OF: Record<SubjectKind, string> = {
  notice: 'notices',
  consultation: 'consultations',
  survey: 'surveys',
  proposal: 'proposals',
  meeting: 'meetings',
  accountability: 'accountability',
}

/**
 * Verification (实名核验) at #/participation/verify: whether the account is tied to a registry resident;
 * the two steps to tie it (name and ID number, then the code sent to the registry's phone); staff
 * verify a resident in person; and how the resident hears of participation (daily digest or at
 * once, and the processes they stopped hearing of).
 */
export function VerifySection({ user }: SectionProps) {
  const { t } = useTranslation()
  const status = useQuery(proposalQueries.verification())
  const staff = hasRole(user, PARTICIPATION_STAFF)
  return (
    <div className="verify-page" data-testid="verify-page">
      <h2 className="page-title">{t('participation.proposals.verify.title')}</h2>
      <QueryStatus query={status} />
      {status.data && <Status verification={status.data} />}
      {status.data && !status.data.verified && <CodeFlow />}
      {staff && <InPerson />}
      <PreferencesCard />
    </div>
  )
}

function Status({ verification: v }: { verification: Verification }) {
  const { t, i18n } = useTranslation()
  const lng = i18n.language
  return (
    <section
      className={`card${v.verified ? ' verify-status-ok' : ''}`}
      aria-labelledby="verify-status-title"
      data-testid="verify-status"
      data-verified={v.verified ? 'true' : 'false'}
    >
      <h3 id="verify-status-title">{t('participation.proposals.verify.statusTitle')}</h3>
      {v.verified ? (
        <p data-testid="verify-status-text">
          <strong>✓ {t('participation.proposals.verify.verified')}</strong>
          <br />
          <span className="muted">
            {t('participation.proposals.verify.verifiedDetail', {
              method: t(`participation.proposals.verify.methods.${v.method ?? 'registry_code'}`, {
                defaultValue: v.method ?? '',
              }),
              area: localName(v, lng) || '—',
              at: formatDateTime(v.verifiedAt, lng),
            })}
          </span>
        </p>
      ) : (
        <p data-testid="verify-status-text">
          <strong>{t('participation.proposals.verify.notVerified')}</strong>
          <br />
          <span className="muted">{t('participation.proposals.verify.why')}</span>
        </p>
      )}
    </section>
  )
}

/** Step one: name and ID number as the registry holds them; step two: the code sent to the registry's phone. */
function CodeFlow() {
  const { t, i18n } = useTranslation()
  const fieldLabel = useFieldLabel()
  const [name, setName] = useState('')
  const [idNumber, setIdNumber] = useState('')
  const [code, setCode] = useState('')
  const [sent, setSent] = useState<Challenge | null>(null)
  const [problem, setProblem] = useState<ApiError | null>(null)
  const challenge = useMutation({
    mutationFn: () => proposalApi.challenge({ name: name.trim(), idNumber: idNumber.trim() }),
    onSuccess: (c) => {
      setSent(c)
      setCode('')
    },
  })
  const confirm = useMutation({
    mutationFn: () => proposalApi.confirm(code.trim()),
    onSuccess: (v) => {
      queryClient.setQueryData(proposalKeys.verification, v)
      // What the proposals offer depends on it.
      return queryClient.invalidateQueries({ queryKey: proposalKeys.all })
    },
  })

  const ask = (e: FormEvent) => {
    e.preventDefault()
    if (challenge.isPending) return
    if (!name.trim()) return setProblem(new ApiError(0, 'VALIDATION_FAILED', '', 'name'))
    if (!/^[0-9A-Za-z -]{6,40}$/.test(idNumber.trim()))
      return setProblem(new ApiError(0, 'VALIDATION_FAILED', '', 'idNumber'))
    setProblem(null)
    challenge.mutate()
  }
  const check = (e: FormEvent) => {
    e.preventDefault()
    if (confirm.isPending) return
    if (!/^\d{6}$/.test(code.trim())) return setProblem(new ApiError(0, 'VALIDATION_FAILED', '', 'code'))
    setProblem(null)
    confirm.mutate()
  }

  return (
    <section className="card" aria-labelledby="verify-code-title" data-testid="verify-code-flow">
      <h3 id="verify-code-title">{t('participation.proposals.verify.codeTitle')}</h3>
      {!sent ? (
        <form className="verify-form" onSubmit={ask} noValidate data-testid="verify-challenge-form">
          <p className="muted">{t('participation.proposals.verify.step1')}</p>
          <label className="field">
            <span>
              {t('participation.proposals.fields.name')}
              <Required />
            </span>
            <input
              autoComplete="name"
              maxLength={100}
              data-testid="verify-name"
              value={name}
              aria-invalid={problem?.field === 'name' || undefined}
              onChange={(e) => setName(e.target.value)}
            />
          </label>
          <label className="field">
            <span>
              {t('participation.proposals.fields.idNumber')}
              <Required />
            </span>
            <input
              autoComplete="off"
              maxLength={40}
              data-testid="verify-id-number"
              value={idNumber}
              aria-invalid={problem?.field === 'idNumber' || undefined}
              onChange={(e) => setIdNumber(e.target.value)}
            />
          </label>
          <p className="muted hint">{t('participation.proposals.verify.privacy')}</p>
          <Problem error={problem ?? challenge.error} testId="verify-error" fieldLabel={fieldLabel} />
          <div className="form-buttons">
            <button type="submit" className="btn btn-primary" disabled={challenge.isPending} data-testid="verify-send">
              {t('participation.proposals.verify.send')}
            </button>
          </div>
        </form>
      ) : (
        <form className="verify-form" onSubmit={check} noValidate data-testid="verify-confirm-form">
          <p className="notice" role="status" data-testid="verify-sent">
            {t('participation.proposals.verify.sent', {
              phone: sent.phoneMasked,
              at: formatDateTime(sent.expiresAt, i18n.language),
            })}
          </p>
          <label className="field">
            <span>
              {t('participation.proposals.fields.code')}
              <Required />
            </span>
            <input
              className="verify-code-input"
              inputMode="numeric"
              autoComplete="one-time-code"
              maxLength={6}
              pattern="[0-9]{6}"
              data-testid="verify-code"
              value={code}
              aria-invalid={problem?.field === 'code' || undefined}
              onChange={(e) => setCode(e.target.value.replace(/\D/g, ''))}
            />
          </label>
          <Problem error={problem ?? confirm.error} testId="verify-error" fieldLabel={fieldLabel} />
          <div className="form-buttons">
            <button type="submit" className="btn btn-primary" disabled={confirm.isPending} data-testid="verify-confirm">
              {t('participation.proposals.verify.confirm')}
            </button>
            <button
              type="button"
              className="btn"
              onClick={() => {
                setSent(null)
                setProblem(null)
                confirm.reset()
              }}
              data-testid="verify-restart"
            >
              {t('participation.proposals.verify.again')}
            </button>
          </div>
        </form>
      )}
    </section>
  )
}

/** Staff tie a resident's account to a registry person after seeing the ID card. */
function InPerson() {
  const { t } = useTranslation()
  const fieldLabel = useFieldLabel()
  const [userId, setUserId] = useState('')
  const [personId, setPersonId] = useState('')
  const [problem, setProblem] = useState<ApiError | null>(null)
  const [done, setDone] = useState<{ userId: number; personId: number } | null>(null)
  const verify = useMutation({
    mutationFn: (body: { userId: number; personId: number }) => proposalApi.inPerson(body).then(() => body),
    onSuccess: (body) => {
      setDone(body)
      setUserId('')
      setPersonId('')
    },
  })
  const submit = (e: FormEvent) => {
    e.preventDefault()
    if (verify.isPending) return
    const positive = (s: string) => /^\d{1,15}$/.test(s.trim()) && Number(s) > 0
    if (!positive(userId)) return setProblem(new ApiError(0, 'VALIDATION_FAILED', '', 'userId'))
    if (!positive(personId)) return setProblem(new ApiError(0, 'VALIDATION_FAILED', '', 'personId'))
    setProblem(null)
    setDone(null)
    verify.mutate({ userId: Number(userId), personId: Number(personId) })
  }
  return (
    <section className="card" aria-labelledby="verify-in-person-title" data-testid="verify-in-person">
      <h3 id="verify-in-person-title">{t('participation.proposals.verify.inPersonTitle')}</h3>
      <p className="muted">
        {t('participation.proposals.verify.inPersonIntro')}{' '}
        <a href={routes.registry('people')}>{t('participation.proposals.verify.findPerson')}</a>
      </p>
      <form className="verify-form" onSubmit={submit} noValidate data-testid="verify-in-person-form">
        <label className="field">
          <span>
            {t('participation.proposals.fields.userId')}
            <Required />
          </span>
          <input
            inputMode="numeric"
            data-testid="verify-user-id"
            value={userId}
            aria-invalid={problem?.field === 'userId' || undefined}
            onChange={(e) => setUserId(e.target.value)}
          />
        </label>
        <label className="field">
          <span>
            {t('participation.proposals.fields.personId')}
            <Required />
          </span>
          <input
            inputMode="numeric"
            data-testid="verify-person-id"
            value={personId}
            aria-invalid={problem?.field === 'personId' || undefined}
            onChange={(e) => setPersonId(e.target.value)}
          />
        </label>
        <Problem error={problem ?? verify.error} testId="verify-in-person-error" fieldLabel={fieldLabel} />
        {done && (
          <p className="notice" role="status" data-testid="verify-in-person-done">
            {t('participation.proposals.verify.inPersonDone', done)}
          </p>
        )}
        <div className="form-buttons">
          <button
            type="submit"
            className="btn btn-primary"
            disabled={verify.isPending}
            data-testid="verify-in-person-submit"
          >
            {t('participation.proposals.verify.inPersonSubmit')}
          </button>
        </div>
      </form>
    </section>
  )
}

/** Daily digest or at once; the processes the resident stopped hearing of, each with "resubscribe". */
function PreferencesCard() {
  const { t } = useTranslation()
  const prefs = useQuery(proposalQueries.preferences())
  const saved = (next: Preferences) => queryClient.setQueryData(proposalKeys.preferences, next)
  const delivery = useMutation({ mutationFn: (d: Delivery) => proposalApi.savePreferences(d), onSuccess: saved })
  const resubscribe = useMutation({
    mutationFn: (s: { subjectKind: SubjectKind; subjectId: number }) => proposalApi.resubscribe(s),
    onSuccess: saved,
  })
  const p = prefs.data
  // The choice shows at once; the server's answer confirms it (or the error says why not).
  const chosen = delivery.isPending ? delivery.variables : p?.delivery
  return (
    <section className="card" aria-labelledby="preferences-title" data-testid="preferences">
      <h3 id="preferences-title">{t('participation.proposals.preferences.title')}</h3>
      <QueryStatus query={prefs} />
      {p && (
        <>
          <fieldset className="verify-choices">
            <legend>{t('participation.proposals.preferences.delivery')}</legend>
            {(['digest', 'immediate'] as const).map((d) => (
              <label key={d} className="check">
                <input
                  type="radio"
                  name="delivery"
                  value={d}
                  checked={chosen === d}
                  onChange={() => {
                    if (!delivery.isPending) delivery.mutate(d)
                  }}
                  data-testid={`preferences-${d}`}
                />
                <span>
                  {t(`participation.proposals.preferences.${d}`)}
                  <br />
                  <span className="muted">{t(`participation.proposals.preferences.${d}Hint`)}</span>
                </span>
              </label>
            ))}
          </fieldset>
          <Problem error={delivery.error ?? resubscribe.error} testId="preferences-error" />
          <h4>{t('participation.proposals.preferences.unsubscribedTitle')}</h4>
          {p.unsubscribed.length === 0 ? (
            <p className="muted" data-testid="preferences-none">
              {t('participation.proposals.preferences.none')}
            </p>
          ) : (
            <ul className="verify-unsubscribed" data-testid="preferences-unsubscribed">
              {p.unsubscribed.map((u) => {
                const label = t('participation.proposals.preferences.subject', {
                  kind: t(`participation.proposals.preferences.kinds.${u.subjectKind}`),
                  id: u.subjectId,
                })
                return (
                  <li key={`${u.subjectKind}-${u.subjectId}`} data-testid="preferences-unsubscribed-item">
                    <a href={routes.participation(PART_OF[u.subjectKind], u.subjectId)}>{label}</a>
                    <button
                      type="button"
                      className="btn btn-small"
                      disabled={resubscribe.isPending}
                      aria-label={t('participation.proposals.preferences.resubscribeNamed', { subject: label })}
                      onClick={() => resubscribe.mutate({ subjectKind: u.subjectKind, subjectId: u.subjectId })}
                      data-testid="preferences-resubscribe"
                    >
                      {t('participation.proposals.preferences.resubscribe')}
                    </button>
                  </li>
                )
              })}
            </ul>
          )}
        </>
      )}
    </section>
  )
}
