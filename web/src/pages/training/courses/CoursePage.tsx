import { useQuery } from '@tanstack/react-query'
import { useTranslation } from 'react-i18next'
import { QueryStatus } from '../../../components/QueryStatus'
import { localName } from '../../../i18n'
import { routes } from '../../../router'
import { courseQueries, type Lesson, type Question } from './api'
import { LessonMedia } from './LessonMedia'

/** One lesson's content: its text, and its file when it has one. */
export function LessonContent({ lesson }: { lesson: Lesson }) {
  return (
    <>
      {lesson.media && lesson.kind !== 'text' && (
        <LessonMedia mediaId={lesson.media.id} kind={lesson.kind} title={lesson.title} />
      )}
      {lesson.body && <div className="lesson-body">{lesson.body}</div>}
    </>
  )
}

/** A question with its options, the right ones ticked (the keepers' view). */
export function QuestionView({ question }: { question: Question }) {
  const { t } = useTranslation()
  return (
    <>
      <p className="question-prompt">
        {question.prompt}{' '}
        <span className="badge badge-muted">{t(`training.courses.questionKinds.${question.kind}`)}</span>{' '}
        <span className="muted small">{t('training.courses.pointsN', { count: question.points })}</span>
      </p>
      <ol className="question-options" type="A">
        {question.options.map((o, i) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: an option's index is what the answer names
          <li key={i} className={question.answer.includes(i) ? 'is-right' : undefined}>
            {o}
            {question.answer.includes(i) && <span className="sr-only"> ({t('training.courses.right')})</span>}
            {question.answer.includes(i) && <span aria-hidden="true"> ✓</span>}
          </li>
        ))}
      </ol>
      {question.explanation && <p className="muted small">{question.explanation}</p>}
    </>
  )
}

/** A course: its summary and facts, its lessons; for its keepers the quiz with answers and the editor. */
export function CoursePage({ courseId }: { courseId: number }) {
  const { t } = useTranslation()
  const q = useQuery(courseQueries.detail(courseId))
  const c = q.data
  return (
    <div className="courses" data-testid="course-page">
      <a className="back-link" href={routes.training('courses')}>
        ← {t('training.courses.back')}
      </a>
      <QueryStatus query={q} />
      {c && (
        <>
          <section className="card">
            <div className="courses-head">
              <h2 data-testid="course-title">{c.title}</h2>
              {c.canEdit && (
                <a className="btn" href={routes.training('courses', c.id, 'edit')} data-testid="course-edit">
                  {t('training.courses.edit')}
                </a>
              )}
            </div>
            <p className="course-tags">
              <span className="badge">{t(`training.courses.topics.${c.topic}`)}</span>{' '}
              <span className="badge badge-muted" data-testid="course-status">
                {t(`training.courses.statuses.${c.status}`)}
              </span>
            </p>
            {c.summary && <p className="course-summary">{c.summary}</p>}
            <dl className="course-facts">
              <dt>{t('training.courses.area')}</dt>
              <dd>{localName(c.area)}</dd>
              <dt>{t('training.courses.minutes')}</dt>
              <dd>{c.minutes ?? '—'}</dd>
              <dt>{t('training.courses.quiz')}</dt>
              <dd>
                {c.questionCount > 0
                  ? t('training.courses.quizFacts', { count: c.questionCount, mark: c.passMark })
                  : t('training.courses.noQuiz')}
              </dd>
            </dl>
          </section>
          <section className="card">
            <h3>{t('training.courses.lessons')}</h3>
            {c.lessons.length === 0 && <p className="muted">{t('training.courses.noLessons')}</p>}
            <ol className="course-lessons">
              {c.lessons.map((l) => (
                <li key={l.id} data-testid="course-lesson">
                  <details>
                    <summary>
                      {l.title} <span className="badge badge-muted">{t(`training.courses.kinds.${l.kind}`)}</span>
                      {l.minutes ? (
                        <span className="muted small"> · {t('training.courses.minutesN', { count: l.minutes })}</span>
                      ) : null}
                    </summary>
                    <LessonContent lesson={l} />
                  </details>
                </li>
              ))}
            </ol>
          </section>
          {c.canEdit && c.questions.length > 0 && (
            <section className="card">
              <h3>{t('training.courses.quiz')}</h3>
              <ol className="course-questions">
                {c.questions.map((x) => (
                  <li key={x.id}>
                    <QuestionView question={x} />
                  </li>
                ))}
              </ol>
            </section>
          )}
        </>
      )}
    </div>
  )
}
