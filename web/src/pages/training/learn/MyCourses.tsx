import { useQuery } from '@tanstack/react-query'
import { useTranslation } from 'react-i18next'
import { QueryStatus } from '../../../components/QueryStatus'
import { routes } from '../../../router'
import { type Enrolment, learningQueries } from './api'
import { dueText, EnrolmentBadge, Progress } from './common'

const groups = [
  { key: 'todo', match: (e: Enrolment) => e.status === 'assigned' },
  { key: 'inProgress', match: (e: Enrolment) => e.status === 'in_progress' },
  { key: 'done', match: (e: Enrolment) => e.status === 'completed' },
] as const

/** My courses: to do, in progress and done, with the deadline, an overdue badge and progress. */
export function MyCourses() {
  const { t, i18n } = useTranslation()
  const q = useQuery(learningQueries.enrolments({ mine: true, pageSize: 200 }))
  const items = q.data?.items ?? []
  return (
    <div className="learn" data-testid="learn-my-courses">
      <QueryStatus query={q} />
      {q.data && items.length === 0 && <p className="empty">{t('training.learn.none')}</p>}
      {groups.map((g) => {
        const list = items.filter(g.match)
        if (list.length === 0) return null
        return (
          <section key={g.key} className="learn-group" aria-labelledby={`learn-group-${g.key}`}>
            <h2 id={`learn-group-${g.key}`}>
              {t(`training.learn.groups.${g.key}`)} <span className="muted">({list.length})</span>
            </h2>
            <ul className="learn-cards">
              {list.map((e) => (
                <li key={e.id} className="card learn-card" data-testid={`learn-enrolment-${e.id}`}>
                  <a href={routes.training('learn', e.id)} className="learn-card-title">
                    {e.course.title}
                  </a>
                  <div className="learn-card-meta">
                    <EnrolmentBadge e={e} />
                    {e.dueAt && (
                      <span className="muted">
                        {t('training.learn.due', { date: dueText(e.dueAt, i18n.language) })}
                      </span>
                    )}
                    {e.bestScore !== null && (
                      <span className="muted">{t('training.learn.bestScore', { score: e.bestScore })}</span>
                    )}
                  </div>
                  <Progress done={e.lessonsDone} total={e.lessons} />
                </li>
              ))}
            </ul>
          </section>
        )
      })}
    </div>
  )
}
