import { useMutation } from '@tanstack/react-query'
import { useState, type FormEvent } from 'react'
import { useTranslation } from 'react-i18next'
import { ApiError } from '../../../api'
import { proposalApi, proposalChanged, type ProposalAction, type ProposalDetail } from './api'
import { ANSWERING, ANSWER_MIN, PROPOSAL_ACTIONS, Problem, Required, useFieldLabel } from './common'

const NOTE_MAX = 2000
const ANSWER_MAX = 6000

/**
 * The moves the caller may make, as the server lists them (allowedActions): staff evaluate, accept or
 * reject with the official answer, and record implementation; the author may withdraw while it is
 * only published. Each opens a small form; accepting and rejecting need the answer's text.
 */
export function ProposalActionPanel({ detail: d }: { detail: ProposalDetail }) {
  const { t } = useTranslation()
  const [open, setOpen] = useState<ProposalAction | null>(null)
  const actions = PROPOSAL_ACTIONS.filter((a) => d.allowedActions.includes(a))
  const staffActions = actions.filter((a) => a !== 'withdraw')
  if (actions.length === 0) return null
  return (
    <section className="card proposal-actions" aria-labelledby="proposal-actions-title" data-testid="proposal-actions">
      <h3 id="proposal-actions-title">
        {staffActions.length
          ? t('participation.proposals.actions.staffTitle')
          : t('participation.proposals.actions.authorTitle')}
      </h3>
      {staffActions.length > 0 && <p className="muted">{t('participation.proposals.actions.staffIntro')}</p>}
      <div className="proposal-action-buttons">
        {actions.map((a) => (
          <button
            key={a}
            type="button"
            className={`btn btn-small${a === 'accept' ? ' btn-primary' : a === 'withdraw' || a === 'reject' ? ' btn-danger' : ''}`}
            aria-expanded={open === a}
            aria-controls="proposal-action-form"
            onClick={() => setOpen(open === a ? null : a)}
            data-testid={`proposal-action-${a}`}
          >
            {t(`participation.proposals.actions.${a}`)}
          </button>
        ))}
      </div>
      {open && <ActionForm key={open} action={open} detail={d} onDone={() => setOpen(null)} />}
    </section>
  )
}

function ActionForm({
  action,
  detail: d,
  onDone,
}: {
  action: ProposalAction
  detail: ProposalDetail
  onDone: () => void
}) {
  const { t } = useTranslation()
  const fieldLabel = useFieldLabel()
  const answering = ANSWERING.includes(action)
  const [text, setText] = useState('')
  const [problem, setProblem] = useState<ApiError | null>(null)
  const act = useMutation({
    mutationFn: () =>
      proposalApi.act(d.id, {
        action,
        ...(answering ? { answer: text.trim() } : text.trim() ? { note: text.trim() } : {}),
      }),
    onSuccess: async (next) => {
      await proposalChanged(next)
      onDone()
    },
  })
  const submit = (e: FormEvent) => {
    e.preventDefault()
    if (act.isPending) return
    if (answering && text.trim().length < ANSWER_MIN) {
      setProblem(new ApiError(0, 'VALIDATION_FAILED', '', 'answer'))
      return
    }
    setProblem(null)
    act.mutate()
  }
  const error = problem ?? act.error
  const field = answering ? 'answer' : 'note'
  return (
    <form
      id="proposal-action-form"
      className="proposal-action-form"
      onSubmit={submit}
      noValidate
      data-testid="proposal-action-form"
      data-action={action}
    >
      <p className="muted">{t(`participation.proposals.actions.explain.${action}`)}</p>
      <label className="field">
        <span>
          {t(`participation.proposals.fields.${field}`)}
          {answering && <Required />}
        </span>
        <textarea
          data-testid="proposal-action-text"
          rows={answering ? 6 : 3}
          value={text}
          maxLength={answering ? ANSWER_MAX : NOTE_MAX}
          aria-invalid={(error instanceof ApiError && error.field === field) || undefined}
          aria-describedby="proposal-action-hint"
          onChange={(e) => {
            setText(e.target.value)
            setProblem(null)
          }}
        />
        <span className="muted hint" id="proposal-action-hint">
          {answering
            ? t('participation.proposals.actions.answerHint', { min: ANSWER_MIN })
            : t('participation.proposals.actions.noteHint')}
        </span>
      </label>
      <Problem error={error} testId="proposal-action-error" fieldLabel={fieldLabel} />
      <div className="form-buttons">
        <button
          type="submit"
          className={`btn ${action === 'withdraw' || action === 'reject' ? 'btn-danger' : 'btn-primary'}`}
          disabled={act.isPending}
          data-testid="proposal-action-submit"
        >
          {t(`participation.proposals.actions.confirm.${action}`)}
        </button>
        <button type="button" className="btn" onClick={onDone}>
          {t('participation.proposals.actions.cancel')}
        </button>
      </div>
    </form>
  )
}
