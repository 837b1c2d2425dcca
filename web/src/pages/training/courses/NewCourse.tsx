import { useMutation } from '@tanstack/react-query'
import { type FormEvent, useId, useState } from 'react'
import { useTranslation } from 'react-i18next'
import { newIdempotencyKey } from '../../../caseUtils'
import { AreaSelect } from '../../../components/AreaSelect'
import { routes } from '../../../router'
import { coursesApi, coursesChanged, type Topic, topics } from './api'
import { CourseError, Field } from './common'

/** A new course (a draft) for an area the keeper keeps; on success the editor opens. */
export function NewCourse() {
  const { t } = useTranslation()
  const ids = { area: useId(), title: useId(), topic: useId(), summary: useId(), mark: useId(), minutes: useId() }
  const [key] = useState(newIdempotencyKey)
  const [areaId, setAreaId] = useState('')
  const [title, setTitle] = useState('')
  const [topic, setTopic] = useState<Topic>('grid_work')
  const [summary, setSummary] = useState('')
  const [passMark, setPassMark] = useState('60')
  const [minutes, setMinutes] = useState('')
  const create = useMutation({
    mutationFn: () =>
      coursesApi.create(
        {
          areaId: Number(areaId),
          title: title.trim(),
          topic,
          summary: summary.trim(),
          passMark: Number(passMark),
          ...(minutes ? { minutes: Number(minutes) } : {}),
        },
        key,
      ),
    onSuccess: async (c) => {
      await coursesChanged()
      window.location.hash = routes.training('courses', c.id, 'edit')
    },
  })
  const submit = (e: FormEvent) => {
    e.preventDefault()
    create.mutate()
  }
  return (
    <form className="card courses-form" onSubmit={submit} data-testid="course-new-form">
      <a className="back-link" href={routes.training('courses')}>
        ← {t('training.courses.back')}
      </a>
      <h2>{t('training.courses.newCourse')}</h2>
      <Field id={ids.area} label={t('training.courses.area')}>
        <AreaSelect
          id={ids.area}
          value={areaId}
          onChange={setAreaId}
          maxLevel="community"
          emptyLabel={t('training.courses.pickArea')}
          required
          testId="course-area"
        />
      </Field>
      <Field id={ids.title} label={t('training.courses.title')}>
        <input
          id={ids.title}
          value={title}
          required
          minLength={2}
          maxLength={200}
          onChange={(e) => setTitle(e.target.value)}
          data-testid="course-title"
        />
      </Field>
      <Field id={ids.topic} label={t('training.courses.topic')}>
        <select id={ids.topic} value={topic} onChange={(e) => setTopic(e.target.value as Topic)}>
          {topics.map((x) => (
            <option key={x} value={x}>
              {t(`training.courses.topics.${x}`)}
            </option>
          ))}
        </select>
      </Field>
      <Field id={ids.summary} label={t('training.courses.summary')}>
        <textarea
          id={ids.summary}
          rows={3}
          maxLength={2000}
          value={summary}
          onChange={(e) => setSummary(e.target.value)}
        />
      </Field>
      <Field id={ids.mark} label={t('training.courses.passMark')}>
        <input
          id={ids.mark}
          type="number"
          min={0}
          max={100}
          value={passMark}
          required
          onChange={(e) => setPassMark(e.target.value)}
          data-testid="course-pass-mark"
        />
      </Field>
      <Field id={ids.minutes} label={t('training.courses.minutes')}>
        <input
          id={ids.minutes}
          type="number"
          min={1}
          max={6000}
          value={minutes}
          onChange={(e) => setMinutes(e.target.value)}
        />
      </Field>
      <CourseError error={create.error} testId="course-new-error" />
      <div className="courses-actions">
        <button type="submit" className="btn btn-primary" disabled={create.isPending} data-testid="course-create">
          {t('training.courses.create')}
        </button>
      </div>
    </form>
  )
}
