import { useMutation, useQuery } from '@tanstack/react-query'
import { useState, type FormEvent } from 'react'
import { useTranslation } from 'react-i18next'
import { ApiError } from '../../../api'
import { newIdempotencyKey } from '../../../caseUtils'
import { QueryStatus } from '../../../components/QueryStatus'
import { formatNumber, localName } from '../../../i18n'
import { navigate, routes } from '../../../router'
import type { User } from '../../../types'
import { applicationChanged, catalogueApi, catalogueQueries, type Eligibility, type ServiceDetail } from './api'
import { delivererText } from './CatalogueList'
import { CatalogueNav, Problem, ServiceBadge, VerifyFirst, isStaff, useAreaName } from './common'
import { actualText, ruleText } from './definitions'
import { FormFields, formBody, missingField, type Answers } from './FormFields'

/**
 * One service: what it is, who may have it (the rules in plain words), the documents to bring,
 * "check my eligibility", and the application form; an unverified resident is sent to verify first.
 */
export function ServicePage({ id, user }: { id: number; user: User }) {
  const { t, i18n } = useTranslation()
  const lng = i18n.language
  const service = useQuery(catalogueQueries.detail(id))
  const verification = useQuery(catalogueQueries.verification())
  const areaName = useAreaName()
  const s = service.data
  const verified = verification.data?.verified === true

  return (
    <div className="service-page" data-testid="service-page" data-service-id={id}>
      <CatalogueNav user={user} current="catalogue" />
      <a className="back-link" href={routes.services('catalogue')}>
        ← {t('services.catalogue.service.back')}
      </a>
      <QueryStatus query={service} />
      {s && (
        <>
          <div className="card service-head">
            <div className="service-card-head">
              <span className="badge badge-muted">{t(`services.catalogue.categories.${s.category}`)}</span>
              {s.status !== 'active' && <ServiceBadge status={s.status} />}
              <span className="muted mono">{s.code}</span>
              {isStaff(user) && (
                <a
                  className="btn btn-small"
                  href={routes.services('catalogue', 'editor', s.id)}
                  data-testid="service-edit"
                >
                  {t('services.catalogue.service.edit')}
                </a>
              )}
            </div>
            <h2 data-testid="service-name">{s.name}</h2>
            <p className="service-desc">{s.description}</p>
            <dl className="service-card-facts">
              {delivererText(s, lng) && (
                <>
                  <dt>{t('services.catalogue.service.deliverer')}</dt>
                  <dd>{delivererText(s, lng)}</dd>
                </>
              )}
              <dt>{t('services.catalogue.service.limits')}</dt>
              <dd>{t('services.catalogue.service.limitsText', { review: s.reviewDays, delivery: s.deliveryDays })}</dd>
              {(s.areaNameZh || s.areaNameEn) && (
                <>
                  <dt>{t('services.catalogue.service.area')}</dt>
                  <dd>{localName(s, lng)}</dd>
                </>
              )}
              {s.timeBankHours !== null && (
                <>
                  <dt>{t('services.catalogue.service.hours')}</dt>
                  <dd>{t('services.catalogue.list.hours', { n: formatNumber(s.timeBankHours, 2, lng) })}</dd>
                </>
              )}
            </dl>
          </div>

          <section className="card" aria-labelledby="service-rules-title">
            <h3 id="service-rules-title">{t('services.catalogue.service.rules')}</h3>
            {s.eligibility.length === 0 ? (
              <p className="muted" data-testid="service-rules-none">
                {t('services.catalogue.service.rulesNone')}
              </p>
            ) : (
              <ul className="rule-list" data-testid="service-rules">
                {s.eligibility.map((r, i) => (
                  // biome-ignore lint/suspicious/noArrayIndexKey: a rule's place in the list is its identity (the server names rules by index)
                  <li key={i} data-testid="service-rule" data-index={i}>
                    {ruleText(t, r, areaName)}
                  </li>
                ))}
              </ul>
            )}
            {verified && !isStaff(user) && <EligibilityCheck service={s} />}
          </section>

          <section className="card" aria-labelledby="service-docs-title">
            <h3 id="service-docs-title">{t('services.catalogue.service.documents')}</h3>
            {s.documents.length === 0 ? (
              <p className="muted">{t('services.catalogue.service.documentsNone')}</p>
            ) : (
              <ul className="doc-list" data-testid="service-documents">
                {s.documents.map((d) => (
                  <li key={d.key}>
                    {d.label}{' '}
                    <span className="muted">
                      {d.required
                        ? t('services.catalogue.service.docRequired')
                        : t('services.catalogue.service.docOptional')}
                    </span>
                  </li>
                ))}
              </ul>
            )}
            {s.documents.length > 0 && <p className="muted hint">{t('services.catalogue.service.documentsLater')}</p>}
          </section>

          {isStaff(user) && s.status === 'active' && <CounterPanel service={s} />}
          {verification.data && !verified && !isStaff(user) && <VerifyFirst />}
          {verified && !isStaff(user) && s.status === 'active' && <ApplyForm service={s} />}
          {s.status !== 'active' && (
            <p className="notice" data-testid="service-unavailable">
              {t('services.catalogue.service.unavailable')}
            </p>
          )}
        </>
      )}
    </div>
  )
}

/** "Check my eligibility": each rule met or not, with the fact the server found. */
function EligibilityCheck({ service, personId }: { service: ServiceDetail; personId?: number }) {
  const { t } = useTranslation()
  const check = useMutation({ mutationFn: () => catalogueApi.eligibility(service.id, personId) })
  return (
    <div className="eligibility-check">
      <button
        type="button"
        className="btn"
        data-testid="eligibility-check"
        disabled={check.isPending}
        onClick={() => check.mutate()}
      >
        {personId ? t('services.catalogue.counter.check') : t('services.catalogue.eligibility.check')}
      </button>
      <Problem error={check.error} testId="eligibility-error" />
      {check.data && <EligibilityResult result={check.data} kind={personId ? 'person' : 'mine'} />}
    </div>
  )
}

export function EligibilityResult({
  result,
  testId = 'eligibility-result',
  kind = 'mine',
}: {
  result: Pick<Eligibility, 'eligible' | 'rules'>
  testId?: string
  /** 'snapshot': the rules as checked on submission, said of the application rather than of "you". */
  kind?: 'mine' | 'person' | 'snapshot'
}) {
  const { t } = useTranslation()
  const areaName = useAreaName()
  return (
    <div className="eligibility-result" data-testid={testId} data-eligible={result.eligible} aria-live="polite">
      <p className={result.eligible ? 'eligible-yes' : 'eligible-no'} data-testid={`${testId}-verdict`}>
        <strong>
          {kind === 'snapshot'
            ? result.eligible
              ? t('services.catalogue.eligibility.allMet')
              : t('services.catalogue.eligibility.someNotMet')
            : kind === 'person'
              ? result.eligible
                ? t('services.catalogue.counter.yes')
                : t('services.catalogue.counter.no')
              : result.eligible
                ? t('services.catalogue.eligibility.yes')
                : t('services.catalogue.eligibility.no')}
        </strong>
      </p>
      <ul className="rule-results">
        {result.rules.map((r) => (
          <li key={r.index} className={r.ok ? 'rule-ok' : 'rule-failed'} data-testid="eligibility-rule" data-ok={r.ok}>
            <span aria-hidden="true">{r.ok ? '✓' : '✗'}</span>{' '}
            <span className="visually-hidden">
              {r.ok ? t('services.catalogue.eligibility.met') : t('services.catalogue.eligibility.notMet')}
            </span>
            {ruleText(t, r, areaName)}
            {r.actual !== undefined && (
              <span className="muted">
                {' '}
                ({t('services.catalogue.eligibility.actual', { value: actualText(t, r.field, r.actual, areaName) })})
              </span>
            )}
          </li>
        ))}
      </ul>
    </div>
  )
}

/** The rules an APPLICATION_NOT_ELIGIBLE names: every failing one in the details, else the one of its field. */
export function failingRules(error: unknown, service: ServiceDetail): number[] {
  if (!(error instanceof ApiError) || error.code !== 'APPLICATION_NOT_ELIGIBLE') return []
  const found = new Set<number>()
  const visit = (v: unknown) => {
    if (Array.isArray(v)) for (const x of v) visit(x)
    else if (v && typeof v === 'object') {
      const o = v as Record<string, unknown>
      if (typeof o.index === 'number' && o.ok !== true) found.add(o.index)
      else for (const x of Object.values(o)) if (typeof x === 'object') visit(x)
    }
  }
  visit(error.details)
  const m = /^eligibility\.(\d+)$/.exec(error.field ?? '')
  if (m) found.add(Number(m[1]))
  return [...found].filter((i) => i < service.eligibility.length).sort((a, b) => a - b)
}

function ApplyForm({ service: s, personId }: { service: ServiceDetail; personId?: number }) {
  const { t } = useTranslation()
  const areaName = useAreaName()
  const [key, setKey] = useState(newIdempotencyKey)
  const [answers, setAnswers] = useState<Answers>({})
  const [payWithHours, setPay] = useState(false)
  const [problem, setProblem] = useState<ApiError | null>(null)
  const send = useMutation({
    mutationFn: () =>
      catalogueApi.apply(
        {
          serviceId: s.id,
          ...(personId ? { personId } : {}),
          form: formBody(s.form, answers),
          ...(payWithHours ? { payWithHours: true } : {}),
        },
        key,
      ),
    onSuccess: async (application) => {
      setKey(newIdempotencyKey())
      await applicationChanged(application.id, application)
      navigate('services', 'catalogue', 'applications', application.id)
    },
  })
  const submit = (e: FormEvent) => {
    e.preventDefault()
    if (send.isPending) return
    const missing = missingField(s.form, answers)
    if (missing) return setProblem(new ApiError(0, 'VALIDATION_FAILED', '', `form.${missing}`))
    setProblem(null)
    send.mutate()
  }
  const error = problem ?? send.error
  const failing = failingRules(send.error, s)
  const fieldError = error instanceof ApiError && error.field?.startsWith('form.')
  return (
    <form className="card apply-form" data-testid="apply-form" onSubmit={submit} noValidate>
      <h3>{t('services.catalogue.apply.title')}</h3>
      {s.form.length > 0 ? (
        <FormFields
          fields={s.form}
          answers={answers}
          error={error}
          onChange={(k, v) => setAnswers((a) => ({ ...a, [k]: v }))}
        />
      ) : (
        <p className="muted">{t('services.catalogue.apply.noForm')}</p>
      )}
      {s.timeBankHours !== null && (
        <label className="check">
          <input
            type="checkbox"
            data-testid="apply-pay-hours"
            checked={payWithHours}
            onChange={(e) => setPay(e.target.checked)}
          />
          {t(personId ? 'services.catalogue.counter.payWithHours' : 'services.catalogue.apply.payWithHours', {
            n: s.timeBankHours,
          })}
        </label>
      )}
      {failing.length > 0 ? (
        <div className="error-banner not-eligible" role="alert" data-testid="apply-not-eligible">
          <span>{t('services.catalogue.apply.notEligible')}</span>
          <ul>
            {failing.map((i) => (
              <li key={i} data-testid="apply-failing-rule" data-index={i}>
                {ruleText(t, s.eligibility[i]!, areaName)}
              </li>
            ))}
          </ul>
        </div>
      ) : (
        !fieldError && <Problem error={error} testId="apply-error" />
      )}
      <button type="submit" className="btn btn-primary btn-block" data-testid="apply-submit" disabled={send.isPending}>
        {send.isPending ? t('services.catalogue.apply.sending') : t('services.catalogue.apply.submit')}
      </button>
    </form>
  )
}

/**
 * Staff at the counter: find a person of their area by name or ID number, check the service's rules
 * against their registry record, and apply for them (channel "counter").
 */
function CounterPanel({ service }: { service: ServiceDetail }) {
  const { t } = useTranslation()
  const [open, setOpen] = useState(false)
  const [q, setQ] = useState('')
  const [person, setPerson] = useState<{ id: number; name: string; idNumber: string } | null>(null)
  const search = useMutation({ mutationFn: (text: string) => catalogueApi.people(text) })
  if (!open)
    return (
      <button type="button" className="btn" data-testid="counter-open" onClick={() => setOpen(true)}>
        {t('services.catalogue.counter.open')}
      </button>
    )
  return (
    <section className="card counter-panel" aria-labelledby="counter-title" data-testid="counter-panel">
      <h3 id="counter-title">{t('services.catalogue.counter.title')}</h3>
      {!person && (
        <form
          className="counter-search"
          onSubmit={(e) => {
            e.preventDefault()
            if (q.trim().length >= 2) search.mutate(q.trim())
          }}
        >
          <label className="inline-field">
            <span>{t('services.catalogue.counter.search')}</span>
            <input
              type="search"
              data-testid="counter-q"
              maxLength={100}
              value={q}
              onChange={(e) => setQ(e.target.value)}
            />
          </label>
          <button type="submit" className="btn btn-small" data-testid="counter-search" disabled={search.isPending}>
            {t('services.catalogue.counter.find')}
          </button>
        </form>
      )}
      <Problem error={search.error} testId="counter-error" />
      {!person && search.data && (
        <ul className="counter-people" data-testid="counter-results">
          {search.data.items.length === 0 && <li className="muted">{t('services.catalogue.counter.none')}</li>}
          {search.data.items.map((p) => (
            <li key={p.id}>
              <button
                type="button"
                className="btn btn-small"
                data-testid="counter-person"
                data-id={p.id}
                onClick={() => setPerson({ id: p.id, name: p.name, idNumber: p.idNumber })}
              >
                {p.name} <span className="mono">{p.idNumber}</span> · {p.areaName}
              </button>
            </li>
          ))}
        </ul>
      )}
      {person && (
        <>
          <p data-testid="counter-chosen">
            {t('services.catalogue.counter.for')} <strong>{person.name}</strong>{' '}
            <span className="mono muted">{person.idNumber}</span>{' '}
            <button
              type="button"
              className="btn btn-small"
              data-testid="counter-change"
              onClick={() => setPerson(null)}
            >
              {t('services.catalogue.counter.change')}
            </button>
          </p>
          <EligibilityCheck key={person.id} service={service} personId={person.id} />
          <ApplyForm key={`form-${person.id}`} service={service} personId={person.id} />
        </>
      )}
    </section>
  )
}
