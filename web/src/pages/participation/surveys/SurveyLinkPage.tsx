import { useMutation, useQuery } from '@tanstack/react-query'
import { useState } from 'react'
import { useTranslation } from 'react-i18next'
import { ApiError } from '../../../api'
import { newIdempotencyKey } from '../../../caseUtils'
import { QueryStatus } from '../../../components/QueryStatus'
import { surveyApi, surveyQueries } from './api'
import { AnswerForm } from './AnswerForm'
import { SurveyHead } from './SurveyPage'
import './surveys.css'

/**
 * The page a one-time link opens (#/participation/surveys/link/<token>): the survey and its answer
 * sheet, no account needed. The link answers once; afterwards it says so. It needs no sign-in, so
 * the app's public shell can mount it as it is.
 */
export function SurveyLinkPage({ token }: { token: string }) {
  const { t } = useTranslation()
  const survey = useQuery({ ...surveyQueries.link(token), retry: false })
  const [key] = useState(newIdempotencyKey)
  const respond = useMutation({
    mutationFn: (answers: Parameters<typeof surveyApi.respondByLink>[1]) =>
      surveyApi.respondByLink(token, answers, key),
  })
  const s = survey.data
  const invalid = survey.error instanceof ApiError && survey.error.code === 'SURVEY_LINK_INVALID'
  return (
    <div className="surveys surveys-link-page" data-testid="survey-link-page">
      {invalid ? (
        <p className="card surveys-done" data-testid="survey-link-invalid" role="status">
          {t('participation.surveys.link.invalid')}
        </p>
      ) : (
        <QueryStatus query={survey} />
      )}
      {s && <SurveyHead survey={s} />}
      {s && respond.isSuccess && (
        <div className="card surveys-done" data-testid="survey-thanks" role="status">
          <p>{t('participation.surveys.link.thanks')}</p>
        </div>
      )}
      {s && !respond.isSuccess && s.state !== 'open' && (
        <p className="card surveys-done" data-testid="survey-not-open">
          {s.state === 'closed' ? t('participation.surveys.answer.closed') : t('participation.surveys.answer.notYet')}
        </p>
      )}
      {s && !respond.isSuccess && s.state === 'open' && (
        <section aria-label={t('participation.surveys.answer.label')}>
          <p className="muted small">{t('participation.surveys.link.anonymous')}</p>
          <AnswerForm
            questions={s.questions}
            pending={respond.isPending}
            error={respond.error}
            onSubmit={(answers) => respond.mutate(answers)}
          />
        </section>
      )}
    </div>
  )
}
