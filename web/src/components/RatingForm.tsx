import { useMutation } from '@tanstack/react-query'
import { useState, type FormEvent, type ReactNode } from 'react'
import { useTranslation } from 'react-i18next'
import { RATINGS, type Rating } from '../types'
import { ErrorBanner } from './ErrorBanner'

/**
 * Was it solved (the requester's own answer, which the resolution rate counts; optional: without it
 * the server takes "solved unless unsatisfied"), then satisfied / basically satisfied / unsatisfied,
 * with an optional comment.
 */
export function RatingForm({
  onSubmit,
  children,
}: {
  onSubmit: (rating: Rating, comment: string, solved: boolean | null) => Promise<unknown>
  children?: ReactNode
}) {
  const { t } = useTranslation()
  const [rating, setRating] = useState<Rating | null>(null)
  const [solved, setSolved] = useState<boolean | null>(null)
  const [comment, setComment] = useState('')
  const send = useMutation({ mutationFn: (r: Rating) => onSubmit(r, comment.trim(), solved) })
  const busy = send.isPending

  const submit = (e: FormEvent) => {
    e.preventDefault()
    if (!rating || busy) return
    send.mutate(rating)
  }

  return (
    <form className="rating-form card" data-testid="rating-form" onSubmit={submit}>
      <h3>{t('rating.title')}</h3>
      <p className="muted hint">{t('rating.hint')}</p>
      {children}
      <fieldset className="field checks" data-testid="rating-solved">
        <legend>{t('loop.panel.residentSolved')}</legend>
        {([true, false] as const).map((v) => (
          <label key={String(v)} className="check">
            <input
              type="radio"
              name="solved"
              data-testid={`rating-solved-${v ? 'yes' : 'no'}`}
              checked={solved === v}
              onChange={() => setSolved(v)}
            />
            {v ? t('loop.panel.solvedYes') : t('loop.panel.solvedNo')}
          </label>
        ))}
      </fieldset>
      <div className="rating-options" role="radiogroup" aria-label={t('rating.title')}>
        {RATINGS.map((r) => (
          <label
            key={r}
            className={`rating-option rating-${r}${rating === r ? ' chosen' : ''}`}
            data-testid={`rating-option-${r}`}
          >
            <input
              type="radio"
              name="rating"
              value={r}
              data-testid={`rating-${r}`}
              checked={rating === r}
              onChange={() => setRating(r)}
            />
            <Face rating={r} />
            {t(`ratings.${r}`)}
          </label>
        ))}
      </div>
      <label className="field">
        <span>{t('rating.comment')}</span>
        <textarea
          data-testid="rating-comment"
          rows={3}
          maxLength={2000}
          value={comment}
          onChange={(e) => setComment(e.target.value)}
        />
      </label>
      <ErrorBanner error={send.error} testId="rating-error" />
      <button
        type="submit"
        className="btn btn-primary btn-block"
        data-testid="rating-submit"
        disabled={!rating || busy}
      >
        {busy ? t('common.sending') : t('rating.submit')}
      </button>
    </form>
  )
}

const MOUTHS: Record<Rating, string> = {
  satisfied: 'M8 14.5c1.2 1.8 2.5 2.6 4 2.6s2.8-.8 4-2.6',
  basically_satisfied: 'M8.5 15.5c1 .7 2.2 1 3.5 1s2.5-.3 3.5-1',
  unsatisfied: 'M8 17c1.2-1.6 2.5-2.3 4-2.3s2.8.7 4 2.3',
}

function Face({ rating }: { rating: Rating }) {
  return (
    <svg
      className="rating-face"
      width={32}
      height={32}
      viewBox="0 0 24 24"
      fill="none"
      stroke="currentColor"
      strokeWidth={1.6}
      strokeLinecap="round"
      aria-hidden="true"
    >
      <circle cx="12" cy="12" r="9.5" />
      <circle cx="9" cy="10" r="0.6" fill="currentColor" />
      <circle cx="15" cy="10" r="0.6" fill="currentColor" />
      <path d={MOUTHS[rating]} />
    </svg>
  )
}
