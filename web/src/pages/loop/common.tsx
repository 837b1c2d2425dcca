// What the loop's queues share (return review, shelving, call-backs): a case's head line with a link,
// and one action sent from the list with the few inputs it needs.
import { useMutation, useQuery } from '@tanstack/react-query'
import { useState, type FormEvent, type ReactNode } from 'react'
import { useTranslation } from 'react-i18next'
import { ApiError, api } from '../../api'
import { caseChanged, invalidate, keys, queries } from '../../api/queries'
import { ColourDot, StateChip } from '../../components/CaseBadges'
import { errorText, localName } from '../../i18n'
import { routes } from '../../router'
import type { ActionBody, CaseAction, CaseView, Urgency } from '../../types'

/** The urgency as a badge; urgent stands out. */
export function UrgencyBadge({ urgency }: { urgency: Urgency }) {
  const { t } = useTranslation()
  return (
    <span className={`badge urgency-badge urgency-${urgency}`} data-testid="urgency" data-urgency={urgency}>
      {t(`loop.panel.urgencies.${urgency}`)}
    </span>
  )
}

/** A case in a queue: tracking code (a link to the case), category, area, state and urgency, then `children`. */
export function QueueCard({ c, children, testId }: { c: CaseView; children?: ReactNode; testId: string }) {
  const { i18n } = useTranslation()
  const lng = i18n.language
  return (
    <article className="card queue-card" data-testid={testId} data-id={c.id} data-tracking-code={c.trackingCode}>
      <div className="case-card-head">
        <strong>
          <ColourDot colour={c.colour} /> {localName(c.category, lng)}
        </strong>
        <span>
          <UrgencyBadge urgency={c.urgency} /> <StateChip state={c.state} />{' '}
          <a className="mono" href={routes.case(c.id)} data-testid="queue-open">
            {c.trackingCode}
          </a>
        </span>
      </div>
      <p className="case-card-desc">{c.description}</p>
      {children}
    </article>
  )
}

/**
 * What a queue says after an action: a string key and the case's tracking code, translated when
 * shown, so the notice follows a change of language.
 */
export interface Done {
  key: string
  code: string
}

/** The notice of the last action taken in a queue. */
export function DoneNotice({ done, testId }: { done: Done | null; testId: string }) {
  const { t } = useTranslation()
  if (!done) return null
  return (
    <p className="notice" role="status" data-testid={testId}>
      {t(done.key, { code: done.code })}
    </p>
  )
}

/** Small definition list of a queue card. */
export function Facts({ items }: { items: [string, ReactNode, string?][] }) {
  return (
    <dl className="facts compact">
      {items.map(([label, value, testId]) => (
        <div key={label}>
          <dt>{label}</dt>
          <dd data-testid={testId}>{value}</dd>
        </div>
      ))}
    </dl>
  )
}

interface InlineActionProps {
  c: CaseView
  action: CaseAction
  label: string
  tone: 'primary' | 'danger' | 'plain'
  /** The comment box: its label, and whether the server insists on it. */
  comment?: { label: string; required: boolean }
  /** Offer a department to re-dispatch to (approve_return). */
  department?: string
  submitLabel: string
  onDone: (done: Done) => void
  /** The notice's string key ({{code}} is the case's tracking code). */
  doneKey: string
}

/** A button that opens one action's small form on a queue card and sends it. */
export function InlineAction(props: InlineActionProps) {
  const { c, action, label, tone, comment, department, submitLabel, onDone, doneKey } = props
  const { t, i18n } = useTranslation()
  const [open, setOpen] = useState(false)
  const [text, setText] = useState('')
  const [departmentId, setDepartmentId] = useState('')
  const [problem, setProblem] = useState<ApiError | null>(null)
  const departments = useQuery({ ...queries.departments(), enabled: open && !!department })
  const send = useMutation({
    mutationFn: () => {
      const body: ActionBody = { action, version: c.version }
      if (text.trim()) body.comment = text.trim()
      if (departmentId) body.departmentId = Number(departmentId)
      return api.caseAction(c.id, body)
    },
    onSuccess: (updated) => {
      onDone({ key: doneKey, code: c.trackingCode })
      return caseChanged(updated)
    },
    onError: (err) => {
      // Someone else acted first: the queue as it is now.
      if (err instanceof ApiError && (err.code === 'CASE_VERSION_CONFLICT' || err.code === 'CASE_ILLEGAL_TRANSITION'))
        void invalidate(keys.cases)
    },
  })
  const busy = send.isPending || send.isSuccess
  const error = problem ?? send.error

  const submit = (e: FormEvent) => {
    e.preventDefault()
    if (busy) return
    if (comment?.required && !text.trim()) {
      setProblem(new ApiError(0, 'VALIDATION_FAILED', '', 'comment'))
      return
    }
    setProblem(null)
    send.mutate()
  }
  const cls = tone === 'primary' ? 'btn btn-primary' : tone === 'danger' ? 'btn btn-danger' : 'btn'
  const id = `${action}-${c.id}`
  return (
    <>
      <button
        type="button"
        className={`${cls} btn-small${open ? ' active' : ''}`}
        data-testid={`queue-${action}`}
        aria-expanded={open}
        aria-controls={id}
        onClick={() => setOpen((o) => !o)}
      >
        {label}
      </button>
      {open && (
        <form
          id={id}
          className="action-form inline-action"
          data-testid={`queue-form-${action}`}
          onSubmit={submit}
          noValidate
        >
          {department && (
            <label className="field">
              <span>{department}</span>
              <select
                data-testid="queue-department"
                value={departmentId}
                onChange={(e) => setDepartmentId(e.target.value)}
              >
                <option value="">{departments.data ? '—' : t('common.loading')}</option>
                {(departments.data ?? [])
                  .filter((d) => d.id !== c.department?.id)
                  .map((d) => (
                    <option key={d.id} value={d.id}>
                      {localName(d, i18n.language)} ({d.code})
                    </option>
                  ))}
              </select>
            </label>
          )}
          {comment && (
            <label className="field">
              <span>
                {comment.label}
                {comment.required ? (
                  <abbr className="required" title={t('report.required')}>
                    *
                  </abbr>
                ) : (
                  <span className="muted optional"> {t('report.optional')}</span>
                )}
              </span>
              <textarea
                data-testid="queue-comment"
                rows={2}
                maxLength={2000}
                value={text}
                onChange={(e) => setText(e.target.value)}
              />
            </label>
          )}
          {error ? (
            <div className="error-banner" role="alert" data-testid="queue-error">
              <span>{errorText(error, (f) => (f === 'comment' ? comment?.label : undefined))}</span>
            </div>
          ) : null}
          <button type="submit" className={cls} data-testid="queue-submit" disabled={busy}>
            {busy ? t('common.sending') : submitLabel}
          </button>
        </form>
      )}
    </>
  )
}
