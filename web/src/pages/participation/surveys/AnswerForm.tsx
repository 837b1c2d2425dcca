import { useId, useRef, useState, type FormEvent } from 'react'
import { useTranslation } from 'react-i18next'
import { ApiError } from '../../../api'
import { errorText } from '../../../i18n'
import type { Answers, SurveyQuestion } from './api'
import { answersToSend, missingAnswers, Required, shownQuestions } from './common'

type Problem = 'SURVEY_ANSWER_MISSING' | 'SURVEY_ANSWER_INVALID'

/** The problems the server named, by question position (details.problems of a SURVEY_ANSWER_* error). */
function serverProblems(error: unknown): Record<string, Problem> {
  if (!(error instanceof ApiError)) return {}
  if (error.code !== 'SURVEY_ANSWER_MISSING' && error.code !== 'SURVEY_ANSWER_INVALID') return {}
  const listed = error.details?.problems
  const out: Record<string, Problem> = {}
  if (listed && typeof listed === 'object')
    for (const [k, v] of Object.entries(listed))
      if (v === 'SURVEY_ANSWER_MISSING' || v === 'SURVEY_ANSWER_INVALID') out[k] = v
  const named = error.field?.match(/^answers\.(\d+)$/)?.[1]
  if (named && !out[named]) out[named] = error.code
  return out
}

/**
 * The answer sheet, phone-first: one card per question, the questions a condition hides leave as
 * soon as an answer hides them (and come back with what was entered), required ones are marked,
 * and every problem shows at its question, the first one focused.
 */
export function AnswerForm({
  questions,
  pending,
  error,
  onSubmit,
}: {
  questions: SurveyQuestion[]
  pending: boolean
  error: unknown
  onSubmit: (answers: Answers) => void
}) {
  const { t } = useTranslation()
  const uid = useId()
  const [answers, setAnswers] = useState<Answers>({})
  const [missing, setMissing] = useState<number[]>([])
  const [edited, setEdited] = useState<Set<string>>(new Set())
  const cards = useRef(new Map<number, HTMLFieldSetElement>())
  const shown = shownQuestions(questions, answers)
  const fromServer = serverProblems(error)
  const problemOf = (position: number): Problem | null => {
    if (missing.includes(position)) return 'SURVEY_ANSWER_MISSING'
    const p = fromServer[String(position)]
    return p && !edited.has(String(position)) ? p : null
  }
  const otherError = error && Object.keys(fromServer).length === 0 ? errorText(error) : null

  const set = (position: number, value: Answers[string] | undefined) => {
    const key = String(position)
    setAnswers((old) => {
      const next = { ...old }
      if (value === undefined) delete next[key]
      else next[key] = value
      return next
    })
    setMissing((m) => m.filter((p) => p !== position))
    setEdited((e) => new Set(e).add(key))
  }

  const focusQuestion = (position: number) => {
    const card = cards.current.get(position)
    card?.scrollIntoView?.({ block: 'center' })
    card?.querySelector<HTMLElement>('input, textarea')?.focus()
  }

  const submit = (e: FormEvent) => {
    e.preventDefault()
    if (pending) return
    const gaps = missingAnswers(questions, answers)
    setMissing(gaps)
    if (gaps.length > 0) return focusQuestion(gaps[0]!)
    setEdited(new Set())
    onSubmit(answersToSend(questions, answers))
  }

  const visible = questions.filter((q) => shown.has(q.position))
  return (
    <form className="surveys-answer-form" onSubmit={submit} noValidate data-testid="survey-answer-form">
      <p className="muted small" aria-live="polite" data-testid="survey-shown-count">
        {t('participation.surveys.answer.shown', { n: visible.length, total: questions.length })}
      </p>
      {visible.map((q) => {
        const key = String(q.position)
        const a = answers[key]
        const problem = problemOf(q.position)
        const legendId = `${uid}-q${q.position}`
        const errorId = `${uid}-e${q.position}`
        return (
          <fieldset
            key={q.id}
            ref={(el) => {
              if (el) cards.current.set(q.position, el)
              else cards.current.delete(q.position)
            }}
            className={`card surveys-question${problem ? ' surveys-question-problem' : ''}`}
            data-testid="survey-question"
            data-position={q.position}
            aria-describedby={problem ? errorId : undefined}
          >
            <legend id={legendId} className="surveys-question-prompt">
              <span className="surveys-question-number">{q.position}.</span> {q.prompt}
              {q.required ? <Required /> : <span className="optional"> {t('participation.surveys.optional')}</span>}
            </legend>
            {q.kind === 'multiple' && <p className="muted small">{t('participation.surveys.answer.chooseAny')}</p>}
            {(q.kind === 'single' || q.kind === 'multiple') && (
              <div className="surveys-options">
                {q.options.map((label, i) => {
                  const chosen = (a?.choices ?? []).includes(i)
                  return (
                    <label key={label} className={`check surveys-option${chosen ? ' surveys-option-chosen' : ''}`}>
                      <input
                        type={q.kind === 'single' ? 'radio' : 'checkbox'}
                        name={`${uid}-q${q.position}`}
                        checked={chosen}
                        data-testid={`survey-q${q.position}-option-${i}`}
                        aria-invalid={problem ? true : undefined}
                        onChange={(e) => {
                          if (q.kind === 'single') return set(q.position, { choices: [i] })
                          const rest = (a?.choices ?? []).filter((c) => c !== i)
                          const next = e.target.checked ? [...rest, i].sort((x, y) => x - y) : rest
                          set(q.position, next.length ? { choices: next } : undefined)
                        }}
                      />
                      {label}
                    </label>
                  )
                })}
              </div>
            )}
            {q.kind === 'scale' && q.scaleMin !== null && q.scaleMax !== null && (
              <div className="surveys-scale">
                {Array.from({ length: q.scaleMax - q.scaleMin + 1 }, (_, i) => q.scaleMin! + i).map((v) => (
                  <label key={v} className={`surveys-scale-point${a?.scale === v ? ' surveys-option-chosen' : ''}`}>
                    <input
                      type="radio"
                      name={`${uid}-q${q.position}`}
                      checked={a?.scale === v}
                      data-testid={`survey-q${q.position}-scale-${v}`}
                      aria-invalid={problem ? true : undefined}
                      onChange={() => set(q.position, { scale: v })}
                    />
                    <span>{v}</span>
                  </label>
                ))}
              </div>
            )}
            {q.kind === 'text' && (
              <textarea
                className="surveys-textarea"
                rows={3}
                maxLength={2000}
                aria-labelledby={legendId}
                aria-invalid={problem ? true : undefined}
                data-testid={`survey-q${q.position}-text`}
                value={a?.text ?? ''}
                onChange={(e) => set(q.position, e.target.value ? { text: e.target.value } : undefined)}
              />
            )}
            {problem && (
              <p className="field-error" id={errorId} data-testid={`survey-q${q.position}-error`}>
                {t(
                  problem === 'SURVEY_ANSWER_MISSING'
                    ? 'participation.surveys.answer.missing'
                    : 'participation.surveys.answer.invalid',
                )}
              </p>
            )}
          </fieldset>
        )
      })}
      {missing.length > 0 && (
        <div className="error-banner" role="alert" data-testid="survey-answer-missing">
          <span>{t('participation.surveys.answer.missingSummary', { list: missing.join(', ') })}</span>
        </div>
      )}
      {Object.keys(fromServer).length > 0 && missing.length === 0 && (
        <div className="error-banner" role="alert" data-testid="survey-answer-problems">
          <span>
            {errorText(error, (f) => {
              const n = f.match(/^answers\.(\d+)$/)?.[1]
              return n ? t('participation.surveys.answer.questionN', { n }) : undefined
            })}
          </span>
        </div>
      )}
      {otherError && (
        <div className="error-banner" role="alert" data-testid="survey-answer-error">
          <span>{otherError}</span>
        </div>
      )}
      <div className="form-buttons">
        <button type="submit" className="btn btn-primary btn-large" disabled={pending} data-testid="survey-submit">
          {pending ? t('participation.surveys.sending') : t('participation.surveys.answer.submit')}
        </button>
      </div>
    </form>
  )
}
