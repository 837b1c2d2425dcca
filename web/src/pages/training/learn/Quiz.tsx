import { useMutation, useQuery } from '@tanstack/react-query'
import { useState } from 'react'
import { useTranslation } from 'react-i18next'
import { ErrorBanner } from '../../../components/ErrorBanner'
import { QueryStatus } from '../../../components/QueryStatus'
import { routes } from '../../../router'
import { type AttemptResult, learningApi, learningChanged, learningQueries, newKey, type Question } from './api'

/** The quiz as one list: radio buttons (single, true/false) or checkboxes (multiple); the result with explanations. */
export function Quiz({ enrolmentId }: { enrolmentId: number }) {
  const { t } = useTranslation()
  const q = useQuery(learningQueries.enrolment(enrolmentId))
  const [choices, setChoices] = useState<Record<number, number[]>>({})
  const [result, setResult] = useState<AttemptResult | null>(null)
  const submit = useMutation({
    mutationFn: (questions: Question[]) =>
      learningApi.attempt(
        enrolmentId,
        questions.map((x) => ({ questionId: x.id, choices: choices[x.id] ?? [] })),
        newKey(),
      ),
    onSuccess: async (r) => {
      setResult(r)
      window.scrollTo?.(0, 0)
      await learningChanged()
    },
  })
  const e = q.data
  const pick = (question: Question, option: number, on: boolean) =>
    setChoices((c) => {
      const now = c[question.id] ?? []
      const next =
        question.kind === 'multiple' ? (on ? [...now, option].sort() : now.filter((x) => x !== option)) : [option]
      return { ...c, [question.id]: next }
    })
  const unanswered = e ? e.questionList.filter((x) => (choices[x.id] ?? []).length === 0).length : 0
  const byQuestion = new Map(result?.results.map((r) => [r.questionId, r]))
  const optionText = (question: Question, i: number) => question.options[i] ?? String(i + 1)

  return (
    <div className="learn" data-testid="learn-quiz">
      <a className="back-link" href={routes.training('learn', enrolmentId)}>
        ← {e?.course.title ?? t('training.learn.back')}
      </a>
      <QueryStatus query={q} />
      {result && (
        <section
          className={`card learn-result ${result.attempt.passed ? 'passed' : 'failed'}`}
          data-testid="learn-quiz-result"
          data-passed={result.attempt.passed}
          aria-live="polite"
        >
          <h2>{t(result.attempt.passed ? 'training.learn.resultPassed' : 'training.learn.resultFailed')}</h2>
          <p>
            {t('training.learn.score', { score: result.attempt.score })} ·{' '}
            {t('training.learn.passMark', { passMark: e?.course.passMark ?? 0 })}
            {result.attempt.late && <span className="badge badge-warn">{t('training.learn.late')}</span>}
          </p>
          {result.attempt.passed ? (
            <a
              className="btn btn-primary"
              href={routes.training('learn', enrolmentId)}
              data-testid="learn-quiz-to-course"
            >
              {t('training.learn.toCertificate')}
            </a>
          ) : (
            <button
              type="button"
              className="btn btn-primary"
              data-testid="learn-quiz-retry"
              onClick={() => {
                setResult(null)
                setChoices({})
              }}
            >
              {t('training.learn.retry')}
            </button>
          )}
        </section>
      )}
      {e && (
        <form
          className="learn-questions"
          onSubmit={(ev) => {
            ev.preventDefault()
            submit.mutate(e.questionList)
          }}
        >
          {e.questionList.map((question, n) => {
            const r = byQuestion.get(question.id)
            const legendId = `learn-q-${question.id}`
            return (
              <fieldset
                key={question.id}
                className={`card learn-question${r ? (r.correct ? ' right' : ' wrong') : ''}`}
                data-testid={`learn-question-${n + 1}`}
                disabled={!!result}
              >
                <legend id={legendId}>
                  {n + 1}. {question.prompt}{' '}
                  <span className="muted">
                    ({t(`training.learn.questionKinds.${question.kind}`)} ·{' '}
                    {t('training.learn.points', { n: question.points })})
                  </span>
                </legend>
                {question.options.map((o, i) => (
                  // The options are fixed for the question: their position is their identity.
                  // biome-ignore lint/suspicious/noArrayIndexKey: an option is its index (answers name indexes)
                  <label key={i} className="learn-option">
                    <input
                      type={question.kind === 'multiple' ? 'checkbox' : 'radio'}
                      name={`q-${question.id}`}
                      checked={(choices[question.id] ?? []).includes(i)}
                      onChange={(ev) => pick(question, i, ev.target.checked)}
                      data-testid={`learn-q${n + 1}-option-${i}`}
                    />
                    <span>{o}</span>
                  </label>
                ))}
                {r && (
                  <div className="learn-explanation" data-testid={`learn-q${n + 1}-result`} data-correct={r.correct}>
                    <strong>{t(r.correct ? 'training.learn.right' : 'training.learn.wrong')}</strong>{' '}
                    {!r.correct &&
                      t('training.learn.rightAnswer', {
                        answer: r.answer.map((i) => optionText(question, i)).join('、'),
                      })}
                    {r.explanation && <p>{r.explanation}</p>}
                  </div>
                )}
              </fieldset>
            )
          })}
          <ErrorBanner error={submit.error} />
          {!result && e.mine && (
            <button
              type="submit"
              className="btn btn-primary btn-block"
              data-testid="learn-quiz-submit"
              disabled={submit.isPending || unanswered > 0}
            >
              {unanswered > 0 ? t('training.learn.unanswered', { n: unanswered }) : t('training.learn.submit')}
            </button>
          )}
        </form>
      )}
    </div>
  )
}
