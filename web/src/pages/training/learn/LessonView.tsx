import { useMutation, useQuery } from '@tanstack/react-query'
import { useTranslation } from 'react-i18next'
import { ErrorBanner } from '../../../components/ErrorBanner'
import { QueryStatus } from '../../../components/QueryStatus'
import { routes } from '../../../router'
import { LessonMedia } from '../courses/LessonMedia'
import { learningApi, learningChanged, learningKeys, learningQueries } from './api'
import { queryClient } from '../../../api/queries'

const go = (hash: string) => {
  window.location.hash = hash
}

/** One lesson: its text or file, and "done, next" (to the next lesson, or the quiz, or the course). */
export function LessonView({ enrolmentId, lessonId }: { enrolmentId: number; lessonId: number }) {
  const { t } = useTranslation()
  const q = useQuery(learningQueries.enrolment(enrolmentId))
  const e = q.data
  const index = e?.lessonList.findIndex((l) => l.id === lessonId) ?? -1
  const lesson = e && index >= 0 ? e.lessonList[index] : undefined
  const nextLesson = e && index >= 0 ? e.lessonList[index + 1] : undefined
  const done = useMutation({
    mutationFn: () => learningApi.lessonDone(enrolmentId, lessonId),
    onSuccess: async (fresh) => {
      queryClient.setQueryData(learningKeys.enrolment(enrolmentId), fresh)
      await learningChanged()
      if (nextLesson) go(routes.training('learn', enrolmentId, 'lesson', nextLesson.id))
      else if (fresh.questions > 0 && fresh.status !== 'completed') go(routes.training('learn', enrolmentId, 'quiz'))
      else go(routes.training('learn', enrolmentId))
    },
  })
  return (
    <div className="learn" data-testid="learn-lesson">
      <a className="back-link" href={routes.training('learn', enrolmentId)}>
        ← {e?.course.title ?? t('training.learn.back')}
      </a>
      <QueryStatus query={q} />
      {e && !lesson && <p className="empty">{t('training.learn.noLesson')}</p>}
      {e && lesson && (
        <article className="card learn-lesson">
          <p className="muted">{t('training.learn.lessonOf', { n: index + 1, total: e.lessonList.length })}</p>
          <h2 data-testid="learn-lesson-title">{lesson.title}</h2>
          {lesson.kind !== 'text' && lesson.mediaId !== null && (
            <LessonMedia mediaId={lesson.mediaId} kind={lesson.kind} title={lesson.title} />
          )}
          {lesson.body && <div className="learn-body">{lesson.body}</div>}
          <ErrorBanner error={done.error} />
          {e.mine && (
            <button
              type="button"
              className="btn btn-primary btn-block"
              data-testid="learn-lesson-done"
              disabled={done.isPending}
              onClick={() => done.mutate()}
            >
              {t(
                nextLesson
                  ? 'training.learn.doneNext'
                  : e.questions > 0
                    ? 'training.learn.doneQuiz'
                    : 'training.learn.doneFinish',
              )}
            </button>
          )}
        </article>
      )}
    </div>
  )
}
