import { useMutation, useQuery } from '@tanstack/react-query'
import { useId, useRef, useState, type FormEvent } from 'react'
import { useTranslation } from 'react-i18next'
import { ApiError } from '../../../api'
import { newIdempotencyKey } from '../../../caseUtils'
import { QueryStatus } from '../../../components/QueryStatus'
import { formatDateTime } from '../../../i18n'
import { routes } from '../../../router'
import type { User } from '../../../types'
import {
  DOCUMENT_ACCEPT,
  MAX_DOCUMENT_BYTES,
  applicationChanged,
  catalogueApi,
  catalogueQueries,
  type ApplicationAction,
  type ApplicationDetail,
  type ApplicationDocument,
  type RequiredDocument,
} from './api'
import { ApplicationBadge, CatalogueNav, DueClock, Problem, isStaff } from './common'
import type { FormField } from './definitions'
import { EligibilityResult } from './ServicePage'

/**
 * One application: its state and deadline, the timeline, the form answers, the eligibility as
 * checked at submission, the documents (upload while submitted; staff view and check them) and
 * the actions the server allows the caller: approve, reject with a reason, deliver with a note,
 * withdraw, and the rating once delivered.
 */
export function ApplicationPage({ id, user }: { id: number; user: User }) {
  const { t } = useTranslation()
  const application = useQuery(catalogueQueries.application(id))
  const a = application.data
  const staff = isStaff(user)
  return (
    <div className="application-page" data-testid="application-page" data-application-id={id}>
      <CatalogueNav user={user} current={staff ? 'queue' : 'mine'} />
      <a className="back-link" href={routes.services('catalogue', staff ? 'queue' : 'mine')}>
        ← {staff ? t('services.catalogue.application.backQueue') : t('services.catalogue.application.backMine')}
      </a>
      <QueryStatus query={application} />
      {a && <Detail a={a} />}
    </div>
  )
}

function Detail({ a }: { a: ApplicationDetail }) {
  const { t, i18n } = useTranslation()
  const lng = i18n.language
  const open = a.status === 'submitted' || a.status === 'approved'
  return (
    <div className="application-grid" data-state={a.status} data-version={a.version}>
      <div className="card application-head">
        <div className="application-row-head">
          <ApplicationBadge status={a.status} />
          <span className="muted mono" data-testid="application-reference">
            {a.reference}
          </span>
          {open && <DueClock dueAt={a.dueAt} overdue={a.overdue} />}
        </div>
        <h2>
          <a href={routes.services('catalogue', a.serviceId)} data-testid="application-service">
            {a.serviceName}
          </a>
        </h2>
        <dl className="service-card-facts">
          {a.person && (
            <>
              <dt>{t('services.catalogue.application.applicant')}</dt>
              <dd data-testid="application-person">
                {a.person.name} <span className="mono muted">{a.person.idNumberMasked}</span>
              </dd>
            </>
          )}
          <dt>{t('services.catalogue.application.submittedAt')}</dt>
          <dd>{formatDateTime(a.createdAt, lng)}</dd>
          {open && (
            <>
              <dt>{t('services.catalogue.application.dueAt')}</dt>
              <dd>{formatDateTime(a.dueAt, lng)}</dd>
            </>
          )}
          {a.payWithHours && (
            <>
              <dt>{t('services.catalogue.application.payment')}</dt>
              <dd data-testid="application-pay-hours">{t('services.catalogue.application.paidWithHours')}</dd>
            </>
          )}
          {a.decisionReason && (
            <>
              <dt>{t('services.catalogue.application.reason')}</dt>
              <dd data-testid="application-reason">{a.decisionReason}</dd>
            </>
          )}
          {a.deliveryNote && (
            <>
              <dt>{t('services.catalogue.application.deliveryNote')}</dt>
              <dd data-testid="application-delivery-note">{a.deliveryNote}</dd>
            </>
          )}
          {a.rating !== null && (
            <>
              <dt>{t('services.catalogue.application.rating')}</dt>
              <dd data-testid="application-rating" data-rating={a.rating}>
                <Stars n={a.rating} /> {a.ratingComment}
              </dd>
            </>
          )}
        </dl>
      </div>

      <Actions a={a} />

      <Documents a={a} />

      <section className="card" aria-labelledby="application-form-title">
        <h3 id="application-form-title">{t('services.catalogue.application.answers')}</h3>
        <Answers fields={a.formFields} answers={a.form} />
      </section>

      {a.eligibility.length > 0 && (
        <section className="card" aria-labelledby="application-eligibility-title">
          <h3 id="application-eligibility-title">{t('services.catalogue.application.eligibility')}</h3>
          <EligibilityResult
            result={{ eligible: a.eligibility.every((r) => r.ok), rules: a.eligibility }}
            testId="application-eligibility"
            kind="snapshot"
          />
        </section>
      )}

      <section className="card" aria-labelledby="application-timeline-title">
        <h3 id="application-timeline-title">{t('services.catalogue.application.timeline')}</h3>
        <ol className="timeline" data-testid="application-timeline">
          {a.events.map((e, i) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: events only ever append; their order is their identity
            <li key={i} className="timeline-item" data-testid="application-event" data-action={e.action}>
              <span className="timeline-dot" aria-hidden="true" />
              <div className="timeline-body">
                <div className="timeline-head">
                  <strong>{t(`services.catalogue.events.${e.action}`, { defaultValue: e.action })}</strong>
                  <time dateTime={e.at} className="muted">
                    {formatDateTime(e.at, lng)}
                  </time>
                </div>
                {e.actorName && <div className="timeline-who muted">{e.actorName}</div>}
                {e.note && <p className="timeline-comment">{e.note}</p>}
              </div>
            </li>
          ))}
        </ol>
      </section>
    </div>
  )
}

function Stars({ n }: { n: number }) {
  const { t } = useTranslation()
  return (
    <span className="stars" role="img" aria-label={t('services.catalogue.rate.stars', { n })}>
      {'★'.repeat(n)}
      {'☆'.repeat(5 - n)}
    </span>
  )
}

function Answers({
  fields,
  answers,
}: {
  fields: readonly Pick<FormField, 'key' | 'label'>[]
  answers: Record<string, unknown>
}) {
  const { t } = useTranslation()
  const keys = Object.keys(answers)
  if (keys.length === 0) return <p className="muted">{t('services.catalogue.application.noAnswers')}</p>
  const label = (k: string) => fields.find((f) => f.key === k)?.label ?? k
  const value = (v: unknown) =>
    typeof v === 'boolean'
      ? v
        ? t('services.catalogue.application.yes')
        : t('services.catalogue.application.no')
      : String(v)
  return (
    <dl className="service-card-facts" data-testid="application-answers">
      {keys.map((k) => (
        <div key={k} className="answer">
          <dt>{label(k)}</dt>
          <dd data-testid={`application-answer-${k}`}>{value(answers[k])}</dd>
        </div>
      ))}
    </dl>
  )
}

// ---- Documents

function Documents({ a }: { a: ApplicationDetail }) {
  const { t } = useTranslation()
  const specs = a.requiredDocuments
  // Documents whose key the service no longer lists still show, under their own key.
  const extra = a.documents.filter((d) => !specs.some((s) => s.key === d.key))
  const mayUpload = a.mayUpload
  if (specs.length === 0 && a.documents.length === 0) return null
  return (
    <section className="card" aria-labelledby="application-docs-title" data-testid="application-documents">
      <h3 id="application-docs-title">{t('services.catalogue.documents.title')}</h3>
      {mayUpload && <p className="muted hint">{t('services.catalogue.documents.hint')}</p>}
      <ul className="doc-slots">
        {specs.map((spec) => (
          <li key={spec.key} className="doc-slot" data-testid="document-slot" data-key={spec.key}>
            <div className="doc-slot-head">
              <strong>{spec.label}</strong>{' '}
              {spec.checked && (
                <span className="doc-check doc-check-ok" data-testid="document-slot-ok">
                  ✓{' '}
                </span>
              )}
              <span className="muted">
                {spec.required
                  ? t('services.catalogue.service.docRequired')
                  : t('services.catalogue.service.docOptional')}
              </span>
            </div>
            {a.documents
              .filter((d) => d.key === spec.key)
              .map((d) => (
                <DocumentRow key={d.id} a={a} doc={d} />
              ))}
            {mayUpload && <Upload applicationId={a.id} spec={spec} />}
          </li>
        ))}
        {extra.map((d) => (
          <li key={d.id} className="doc-slot" data-testid="document-slot" data-key={d.key}>
            <DocumentRow a={a} doc={d} />
          </li>
        ))}
      </ul>
    </section>
  )
}

function DocumentRow({ a, doc }: { a: ApplicationDetail; doc: ApplicationDocument }) {
  const { t } = useTranslation()
  const [note, setNote] = useState('')
  const [asking, setAsking] = useState(false)
  const noteId = useId()
  const check = useMutation({
    mutationFn: (ok: boolean) => catalogueApi.check(a.id, doc.id, ok, ok ? undefined : note.trim()),
    onSuccess: () => applicationChanged(a.id),
  })
  const state = doc.checked === null ? 'unchecked' : doc.checked ? 'ok' : 'rejected'
  return (
    <div className="doc-row" data-testid="document" data-id={doc.id} data-key={doc.key} data-checked={state}>
      <a href={catalogueApi.fileUrl(a.id, doc.id)} target="_blank" rel="noreferrer" data-testid="document-view">
        {doc.fileName}
      </a>{' '}
      <span className="muted">({Math.max(1, Math.round(doc.size / 1024))} KB)</span>{' '}
      <span className={`doc-check doc-check-${state}`} data-testid="document-check-state">
        {t(`services.catalogue.documents.checked.${state}`)}
      </span>
      {doc.checkNote && <span className="muted"> · {doc.checkNote}</span>}
      {a.mayCheck && (
        <div className="doc-check-buttons">
          <button
            type="button"
            className="btn btn-small"
            data-testid="document-ok"
            disabled={check.isPending}
            onClick={() => check.mutate(true)}
          >
            {t('services.catalogue.documents.ok')}
          </button>
          {!asking ? (
            <button
              type="button"
              className="btn btn-small btn-danger"
              data-testid="document-not-ok"
              onClick={() => setAsking(true)}
            >
              {t('services.catalogue.documents.notOk')}
            </button>
          ) : (
            <form
              className="doc-reject"
              onSubmit={(e) => {
                e.preventDefault()
                if (note.trim()) check.mutate(false)
              }}
            >
              <label htmlFor={noteId}>{t('services.catalogue.documents.note')}</label>
              <input
                id={noteId}
                data-testid="document-note"
                maxLength={500}
                value={note}
                onChange={(e) => setNote(e.target.value)}
                required
              />
              <button
                type="submit"
                className="btn btn-small btn-danger"
                data-testid="document-reject"
                disabled={!note.trim()}
              >
                {t('services.catalogue.documents.reject')}
              </button>
            </form>
          )}
          <Problem error={check.error} testId="document-check-error" />
        </div>
      )}
    </div>
  )
}

function Upload({ applicationId, spec }: { applicationId: number; spec: RequiredDocument }) {
  const { t } = useTranslation()
  const input = useRef<HTMLInputElement>(null)
  const inputId = useId()
  const [tooBig, setTooBig] = useState(false)
  const upload = useMutation({
    // A new key per file chosen: a retry of the same upload is recognised, a second file is not refused.
    mutationFn: (file: File) => catalogueApi.upload(applicationId, spec.key, file, newIdempotencyKey()),
    onSuccess: () => applicationChanged(applicationId),
    onSettled: () => {
      if (input.current) input.current.value = ''
    },
  })
  return (
    <div className="doc-upload">
      <label htmlFor={inputId} className="btn btn-small">
        {upload.isPending ? t('services.catalogue.documents.uploading') : t('services.catalogue.documents.upload')}
      </label>
      <input
        ref={input}
        id={inputId}
        className="visually-hidden"
        type="file"
        accept={spec.types?.join(',') || DOCUMENT_ACCEPT}
        data-testid={`document-upload-${spec.key}`}
        aria-label={t('services.catalogue.documents.uploadFor', { label: spec.label })}
        disabled={upload.isPending}
        onChange={(e) => {
          const file = e.target.files?.[0]
          if (!file) return
          setTooBig(file.size > MAX_DOCUMENT_BYTES)
          if (file.size <= MAX_DOCUMENT_BYTES) upload.mutate(file)
        }}
      />
      {tooBig && (
        <p className="field-error" role="alert">
          {t('services.catalogue.documents.tooBig')}
        </p>
      )}
      <Problem error={upload.error} testId={`document-upload-error-${spec.key}`} />
    </div>
  )
}

// ---- Actions

const NEEDS_TEXT: Partial<Record<ApplicationAction, 'reason' | 'note'>> = { reject: 'reason', deliver: 'note' }
const ACTION_ORDER: readonly ApplicationAction[] = ['approve', 'deliver', 'reject', 'withdraw']

function Actions({ a }: { a: ApplicationDetail }) {
  const { t } = useTranslation()
  const [chosen, setChosen] = useState<ApplicationAction | null>(null)
  const [text, setText] = useState('')
  const textId = useId()
  const act = useMutation({
    mutationFn: (action: ApplicationAction) => {
      const field = NEEDS_TEXT[action]
      return catalogueApi.act(a.id, {
        action,
        version: a.version,
        ...(field && text.trim() ? { [field]: text.trim() } : {}),
      })
    },
    onSuccess: async (detail) => {
      setChosen(null)
      setText('')
      await applicationChanged(a.id, detail)
    },
  })
  const actions = ACTION_ORDER.filter((x) => a.allowedActions.includes(x))
  const mayRate = a.allowedActions.includes('rate')
  if (actions.length === 0 && !mayRate) return null
  // Someone acted meanwhile: the page is stale (a version behind, or the action no longer open).
  const conflict =
    act.error instanceof ApiError &&
    (act.error.code === 'APPLICATION_VERSION_CONFLICT' || act.error.code === 'APPLICATION_ILLEGAL_TRANSITION')
  const submit = (e: FormEvent) => {
    e.preventDefault()
    if (!chosen || act.isPending) return
    if (chosen === 'reject' && !text.trim()) return
    act.mutate(chosen)
  }
  return (
    <>
      {actions.length > 0 && (
        <section
          className="card application-actions"
          aria-labelledby="application-actions-title"
          data-testid="application-actions"
        >
          <h3 id="application-actions-title">{t('services.catalogue.actions.title')}</h3>
          <div className="action-buttons">
            {actions.map((x) => (
              <button
                key={x}
                type="button"
                className={`btn${x === 'approve' || x === 'deliver' ? ' btn-primary' : x === 'reject' || x === 'withdraw' ? ' btn-danger' : ''}`}
                aria-pressed={chosen === x}
                data-testid={`action-${x}`}
                onClick={() => {
                  setChosen(x)
                  act.reset()
                }}
              >
                {t(`services.catalogue.actions.${x}`)}
              </button>
            ))}
          </div>
          {chosen && (
            <form className="action-form" onSubmit={submit} data-testid="action-form" data-action={chosen}>
              <p className="muted">{t(`services.catalogue.actions.explain.${chosen}`)}</p>
              {NEEDS_TEXT[chosen] && (
                <div className="field">
                  <label htmlFor={textId}>
                    <span>{t(`services.catalogue.actions.${NEEDS_TEXT[chosen]}`)}</span>
                  </label>
                  <textarea
                    id={textId}
                    rows={3}
                    maxLength={2000}
                    data-testid="action-text"
                    required={chosen === 'reject'}
                    value={text}
                    onChange={(e) => setText(e.target.value)}
                  />
                </div>
              )}
              <div className="form-buttons">
                <button
                  type="submit"
                  className="btn btn-primary"
                  data-testid="action-confirm"
                  disabled={act.isPending || (chosen === 'reject' && !text.trim())}
                >
                  {t('services.catalogue.actions.confirm', { action: t(`services.catalogue.actions.${chosen}`) })}
                </button>
                <button type="button" className="btn" onClick={() => setChosen(null)}>
                  {t('services.catalogue.actions.cancel')}
                </button>
              </div>
            </form>
          )}
          {conflict ? (
            <div className="error-banner" role="alert" data-testid="action-conflict">
              <span>{t('services.catalogue.actions.conflict')}</span>
              <button
                type="button"
                className="btn btn-small"
                data-testid="action-reload"
                onClick={() => {
                  act.reset()
                  void applicationChanged(a.id)
                }}
              >
                {t('services.catalogue.actions.reload')}
              </button>
            </div>
          ) : (
            <Problem error={act.error} testId="action-error" />
          )}
        </section>
      )}
      {mayRate && <RateForm a={a} />}
    </>
  )
}

/** 1–5 stars and a comment, once, after delivery. */
function RateForm({ a }: { a: ApplicationDetail }) {
  const { t } = useTranslation()
  const [rating, setRating] = useState(0)
  const [comment, setComment] = useState('')
  const commentId = useId()
  const rate = useMutation({
    mutationFn: () =>
      catalogueApi.act(a.id, {
        action: 'rate',
        version: a.version,
        rating,
        ...(comment.trim() ? { comment: comment.trim() } : {}),
      }),
    onSuccess: (detail) => applicationChanged(a.id, detail),
  })
  return (
    <form
      className="card rate-form"
      data-testid="rate-form"
      onSubmit={(e) => {
        e.preventDefault()
        if (rating >= 1 && !rate.isPending) rate.mutate()
      }}
    >
      <h3>{t('services.catalogue.rate.title')}</h3>
      <fieldset className="star-options">
        <legend>{t('services.catalogue.rate.legend')}</legend>
        {[1, 2, 3, 4, 5].map((n) => (
          <label key={n} className={`star-option${n <= rating ? ' on' : ''}`} data-testid={`rate-star-${n}`}>
            <input
              type="radio"
              name="stars"
              className="visually-hidden"
              value={n}
              checked={rating === n}
              onChange={() => setRating(n)}
            />
            <span aria-hidden="true">{n <= rating ? '★' : '☆'}</span>
            <span className="visually-hidden">{t('services.catalogue.rate.stars', { n })}</span>
          </label>
        ))}
      </fieldset>
      <div className="field">
        <label htmlFor={commentId}>
          <span>{t('services.catalogue.rate.comment')}</span>
        </label>
        <textarea
          id={commentId}
          rows={3}
          maxLength={1000}
          data-testid="rate-comment"
          value={comment}
          onChange={(e) => setComment(e.target.value)}
        />
      </div>
      <Problem error={rate.error} testId="rate-error" />
      <button
        type="submit"
        className="btn btn-primary btn-block"
        data-testid="rate-submit"
        disabled={rating < 1 || rate.isPending}
      >
        {t('services.catalogue.rate.submit')}
      </button>
    </form>
  )
}
