import { useMutation, useQuery } from '@tanstack/react-query'
import { useTranslation } from 'react-i18next'
import { downloadFile } from '../../../api'
import { ErrorBanner } from '../../../components/ErrorBanner'
import { QueryStatus } from '../../../components/QueryStatus'
import { routes } from '../../../router'
import { learningApi, learningQueries } from './api'
import { dueText, EnrolmentBadge, Progress } from './common'

/** A course of mine: its lessons with ticks, the quiz once they are done, attempts, the certificate. */
export function CoursePlayer({ enrolmentId }: { enrolmentId: number }) {
  const { t, i18n } = useTranslation()
  const q = useQuery(learningQueries.enrolment(enrolmentId))
  const certificate = useMutation({
    mutationFn: (no: string) => downloadFile(learningApi.certificate(enrolmentId), `${no}.pdf`),
  })
  const e = q.data
  const next = e?.lessonList.find((l) => !l.done)
  const allDone = !!e && e.lessonList.every((l) => l.done)
  return (
    <div className="learn" data-testid="learn-course">
      <a className="back-link" href={routes.training('learn')}>
        ← {t('training.learn.back')}
      </a>
      <QueryStatus query={q} />
      {e && (
        <>
          <section className="card">
            <h2 data-testid="learn-course-title">{e.course.title}</h2>
            {e.summary && <p className="learn-summary">{e.summary}</p>}
            <div className="learn-card-meta">
              <EnrolmentBadge e={e} />
              {e.dueAt && (
                <span className="muted">{t('training.learn.due', { date: dueText(e.dueAt, i18n.language) })}</span>
              )}
              {e.course.minutes && (
                <span className="muted">{t('training.learn.minutes', { n: e.course.minutes })}</span>
              )}
            </div>
            <Progress done={e.lessonsDone} total={e.lessons} />
            {e.mine && next && (
              <a
                className="btn btn-primary btn-block"
                href={routes.training('learn', e.id, 'lesson', next.id)}
                data-testid="learn-continue"
              >
                {t(e.lessonsDone === 0 ? 'training.learn.start' : 'training.learn.continue')}
              </a>
            )}
          </section>
          <section className="card">
            <h3>{t('training.learn.lessons')}</h3>
            <ol className="learn-lessons">
              {e.lessonList.map((l) => (
                <li key={l.id} className={l.done ? 'done' : ''}>
                  <span className="learn-tick" aria-hidden="true">
                    {l.done ? '✓' : '○'}
                  </span>
                  <a href={routes.training('learn', e.id, 'lesson', l.id)} data-testid={`learn-lesson-${l.position}`}>
                    {l.title}
                  </a>
                  <span className="visually-hidden">
                    {l.done ? t('training.learn.lessonDone') : t('training.learn.lessonOpen')}
                  </span>
                  <span className="muted learn-kind">{t(`training.learn.kinds.${l.kind}`)}</span>
                </li>
              ))}
            </ol>
          </section>
          {e.questions > 0 && (
            <section className="card">
              <h3>{t('training.learn.quiz')}</h3>
              <p className="muted">{t('training.learn.quizHint', { n: e.questions, passMark: e.course.passMark })}</p>
              {e.mine &&
                (allDone ? (
                  <a
                    className="btn btn-primary"
                    href={routes.training('learn', e.id, 'quiz')}
                    data-testid="learn-take-quiz"
                  >
                    {t(e.status === 'completed' ? 'training.learn.retakeQuiz' : 'training.learn.takeQuiz')}
                  </a>
                ) : (
                  <p className="hint">{t('training.learn.quizAfterLessons')}</p>
                ))}
              {e.attempts.length > 0 && (
                <ul className="learn-attempts" data-testid="learn-attempts">
                  {e.attempts.map((a) => (
                    <li key={a.id}>
                      <span className={`badge ${a.passed ? 'learn-badge-done' : 'badge-danger'}`}>
                        {t(a.passed ? 'training.learn.passed' : 'training.learn.failed')}
                      </span>{' '}
                      {t('training.learn.score', { score: a.score })}
                      {a.late && <span className="badge badge-warn">{t('training.learn.late')}</span>}{' '}
                      <span className="muted">{new Date(a.submittedAt).toLocaleString(i18n.language)}</span>
                    </li>
                  ))}
                </ul>
              )}
            </section>
          )}
          {e.status === 'completed' && e.certificateNo && (
            <section className="card learn-certificate" data-testid="learn-certificate">
              <h3>{t('training.learn.certificate')}</h3>
              <p>
                {t('training.learn.certificateNo')}{' '}
                <strong data-testid="learn-certificate-no">{e.certificateNo}</strong>
              </p>
              <button
                type="button"
                className="btn btn-primary"
                data-testid="learn-certificate-download"
                disabled={certificate.isPending}
                onClick={() => certificate.mutate(e.certificateNo!)}
              >
                {t('training.learn.download')}
              </button>
              <ErrorBanner error={certificate.error} />
            </section>
          )}
        </>
      )}
    </div>
  )
}
