import { useQuery } from '@tanstack/react-query'
import { useId, useState } from 'react'
import { useTranslation } from 'react-i18next'
import { AreaSelect } from '../../../components/AreaSelect'
import { Pager } from '../../../components/Pager'
import { QueryStatus } from '../../../components/QueryStatus'
import { localName } from '../../../i18n'
import { routes } from '../../../router'
import { type CourseFilter, type CourseStatus, courseQueries, courseStatuses, type Topic, topics } from './api'
import { Field } from './common'

const PAGE_SIZE = 24

/** The catalogue: cards of the courses on the caller's branch, filters, and "new course" for keepers. */
export function Catalogue({ keeper }: { keeper: boolean }) {
  const { t } = useTranslation()
  const [areaId, setAreaId] = useState('')
  const [topic, setTopic] = useState<Topic | ''>('')
  const [status, setStatus] = useState<CourseStatus | ''>('')
  const [q, setQ] = useState('')
  const [page, setPage] = useState(1)
  const ids = { area: useId(), topic: useId(), status: useId(), q: useId() }
  const filter: CourseFilter = {
    page,
    pageSize: PAGE_SIZE,
    ...(areaId ? { areaId: Number(areaId) } : {}),
    ...(topic ? { topic } : {}),
    ...(status ? { status } : {}),
    ...(q.trim() ? { q: q.trim().slice(0, 100) } : {}),
  }
  const list = useQuery(courseQueries.list(filter))
  const reset =
    <T,>(set: (v: T) => void) =>
    (v: T) => {
      set(v)
      setPage(1)
    }
  return (
    <div className="courses" data-testid="courses-catalogue">
      <div className="courses-head">
        <h2>{t('training.courses.catalogue')}</h2>
        {keeper && (
          <a className="btn btn-primary" href={routes.training('courses', 'new')} data-testid="courses-new">
            {t('training.courses.newCourse')}
          </a>
        )}
      </div>
      <div className="courses-filters">
        <Field id={ids.q} label={t('training.courses.search')}>
          <input
            id={ids.q}
            type="search"
            value={q}
            maxLength={100}
            onChange={(e) => reset(setQ)(e.target.value)}
            data-testid="courses-search"
          />
        </Field>
        <Field id={ids.area} label={t('training.courses.area')}>
          <AreaSelect id={ids.area} value={areaId} onChange={reset(setAreaId)} maxLevel="community" />
        </Field>
        <Field id={ids.topic} label={t('training.courses.topic')}>
          <select id={ids.topic} value={topic} onChange={(e) => reset(setTopic)(e.target.value as Topic | '')}>
            <option value="">{t('training.courses.allTopics')}</option>
            {topics.map((x) => (
              <option key={x} value={x}>
                {t(`training.courses.topics.${x}`)}
              </option>
            ))}
          </select>
        </Field>
        {keeper && (
          <Field id={ids.status} label={t('training.courses.status')}>
            <select
              id={ids.status}
              value={status}
              onChange={(e) => reset(setStatus)(e.target.value as CourseStatus | '')}
              data-testid="courses-status-filter"
            >
              <option value="">{t('training.courses.allStatuses')}</option>
              {courseStatuses.map((x) => (
                <option key={x} value={x}>
                  {t(`training.courses.statuses.${x}`)}
                </option>
              ))}
            </select>
          </Field>
        )}
      </div>
      <QueryStatus query={list} />
      {list.data && list.data.items.length === 0 && <p className="muted">{t('training.courses.none')}</p>}
      <ul className="courses-cards">
        {list.data?.items.map((c) => (
          <li key={c.id} className="card course-card" data-testid="course-card" data-id={c.id} data-status={c.status}>
            <h3>
              <a href={routes.training('courses', c.id)}>{c.title}</a>
            </h3>
            <p className="course-tags">
              <span className="badge">{t(`training.courses.topics.${c.topic}`)}</span>{' '}
              {c.status !== 'published' && (
                <span className={`badge ${c.status === 'draft' ? 'course-badge-draft' : 'badge-muted'}`}>
                  {t(`training.courses.statuses.${c.status}`)}
                </span>
              )}
            </p>
            <p className="muted small">
              {t('training.courses.cardFacts', {
                count: c.lessonCount,
                minutes: c.minutes ?? '—',
                area: localName(c.area),
              })}
            </p>
            {c.summary && <p className="course-summary">{c.summary}</p>}
          </li>
        ))}
      </ul>
      {list.data && <Pager page={page} pageSize={PAGE_SIZE} total={list.data.total} onPage={setPage} />}
    </div>
  )
}
