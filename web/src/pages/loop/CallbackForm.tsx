import { useMutation, useQuery } from '@tanstack/react-query'
import { useState, type FormEvent } from 'react'
import { useTranslation } from 'react-i18next'
import { ApiError, api } from '../../api'
import { caseChanged, invalidate, keys } from '../../api/queries'
import { errorText } from '../../i18n'
import { RATINGS, type ActionBody, type CaseDetail, type Rating } from '../../types'
import { loopQueries } from './api'
import type { Done } from './common'

type Answer = 'yes' | 'no' | null

/**
 * The hotline operator's call-back (回访) on a closed case: reached or not; if reached, whether the
 * requester declines to answer (不参评) or says whether it is solved and how satisfied they are. Used
 * inline in the call-back console and in the case's action panel.
 */
export function CallbackForm({
  c,
  onDone,
  onCancel,
}: {
  c: Pick<CaseDetail, 'id' | 'version' | 'trackingCode' | 'callbackAttempts' | 'area'>
  onDone: (done: Done) => void
  onCancel?: () => void
}) {
  const { t } = useTranslation()
  const [reached, setReached] = useState<Answer>(null)
  const [declined, setDeclined] = useState(false)
  const [solved, setSolved] = useState<Answer>(null)
  const [rating, setRating] = useState<Rating | null>(null)
  const [comment, setComment] = useState('')
  const [problem, setProblem] = useState<ApiError | null>(null)
  // The area's attempt limit, for the hint only: the server applies it.
  const rules = useQuery(loopQueries.caseRules(c.area.id)).data
  const send = useMutation({
    mutationFn: () => {
      const body: ActionBody = { action: 'callback', version: c.version, reached: reached === 'yes' }
      if (reached === 'yes' && declined) body.declined = true
      if (reached === 'yes' && !declined) {
        body.solved = solved === 'yes'
        if (rating) body.rating = rating
      }
      if (comment.trim()) body.comment = comment.trim()
      return api.caseAction(c.id, body)
    },
    onSuccess: (updated) => {
      onDone({ key: 'loop.callbacks.done', code: c.trackingCode })
      return caseChanged(updated)
    },
    onError: (err) => {
      if (err instanceof ApiError && (err.code === 'CASE_VERSION_CONFLICT' || err.code === 'CASE_ILLEGAL_TRANSITION'))
        void invalidate(keys.cases)
    },
  })
  const busy = send.isPending || send.isSuccess
  const error = problem ?? send.error
  const answering = reached === 'yes' && !declined

  const submit = (e: FormEvent) => {
    e.preventDefault()
    if (busy) return
    const gap =
      reached === null ? 'reached' : answering && solved === null ? 'solved' : answering && !rating ? 'rating' : null
    if (gap) {
      setProblem(new ApiError(0, 'VALIDATION_FAILED', '', gap))
      return
    }
    setProblem(null)
    send.mutate()
  }
  const label = (f: string) =>
    f === 'reached'
      ? t('loop.panel.fields.reached')
      : f === 'solved'
        ? t('loop.panel.fields.solved')
        : f === 'rating'
          ? t('actions.fields.rating')
          : f === 'comment'
            ? t('actions.fields.comment')
            : undefined

  const radio = (name: string, value: Answer, set: (a: Answer) => void, yes: string, no: string, testId: string) => (
    <>
      <label className="check">
        <input
          type="radio"
          name={`${name}-${c.id}`}
          data-testid={`${testId}-yes`}
          checked={value === 'yes'}
          onChange={() => set('yes')}
        />
        {yes}
      </label>
      <label className="check">
        <input
          type="radio"
          name={`${name}-${c.id}`}
          data-testid={`${testId}-no`}
          checked={value === 'no'}
          onChange={() => set('no')}
        />
        {no}
      </label>
    </>
  )

  return (
    <form className="action-form callback-form" data-testid="callback-form" onSubmit={submit} noValidate>
      <p className="muted hint" data-testid="callback-hint">
        {rules
          ? t('loop.panel.callbackHint', { n: c.callbackAttempts + 1, max: rules.effective.callbackAttempts })
          : t('loop.panel.callbackNoAnswer')}
      </p>
      <fieldset className="field checks">
        <legend>{t('loop.panel.fields.reached')}</legend>
        {radio(
          'reached',
          reached,
          setReached,
          t('loop.panel.reachedYes'),
          t('loop.panel.reachedNo'),
          'callback-reached',
        )}
      </fieldset>
      {reached === 'yes' && (
        <label className="check">
          <input
            type="checkbox"
            data-testid="callback-declined"
            checked={declined}
            onChange={(e) => setDeclined(e.target.checked)}
          />
          {t('loop.panel.fields.declined')}
        </label>
      )}
      {answering && (
        <>
          <fieldset className="field checks">
            <legend>{t('loop.panel.fields.solved')}</legend>
            {radio('solved', solved, setSolved, t('loop.panel.solvedYes'), t('loop.panel.solvedNo'), 'callback-solved')}
          </fieldset>
          <fieldset className="field checks">
            <legend>{t('actions.fields.rating')}</legend>
            {RATINGS.map((r) => (
              <label key={r} className="check">
                <input
                  type="radio"
                  name={`rating-${c.id}`}
                  data-testid={`callback-rating-${r}`}
                  checked={rating === r}
                  onChange={() => setRating(r)}
                />
                {t(`ratings.${r}`)}
              </label>
            ))}
          </fieldset>
        </>
      )}
      <label className="field">
        <span>
          {t('actions.fields.comment')}
          <span className="muted optional"> {t('report.optional')}</span>
        </span>
        <textarea
          data-testid="callback-comment"
          rows={2}
          maxLength={2000}
          value={comment}
          onChange={(e) => setComment(e.target.value)}
        />
      </label>
      {error ? (
        <div className="error-banner" role="alert" data-testid="callback-error">
          <span>{errorText(error, label)}</span>
        </div>
      ) : null}
      <div className="form-buttons">
        {onCancel && (
          <button type="button" className="btn" onClick={onCancel} data-testid="callback-cancel">
            {t('common.cancel')}
          </button>
        )}
        <button type="submit" className="btn btn-primary" data-testid="callback-submit" disabled={busy}>
          {busy ? t('common.sending') : t('loop.callbacks.save')}
        </button>
      </div>
    </form>
  )
}
