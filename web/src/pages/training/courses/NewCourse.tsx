import { useMutation } from '@tanstack/react-query'
import { type FormEvent, useId, useState } from 'react'
import { useTranslation } from 'react-i18next'
import { newIdempotencyKey } from '../../../caseUtils'
import { AreaSelect } from '../../../components/AreaSelect'
import { routes } from '../../../router'
import { coursesApi, coursesChanged } from './api'
import { CourseError, type CourseDraft, CourseInputs, courseBody, Field } from './common'

/** A new course (a draft) for an area the keeper keeps; on success the editor opens. */
export function NewCourse() {
  const { t } = useTranslation()
  const areaField = useId()
  const [key] = useState(newIdempotencyKey)
  const [areaId, setAreaId] = useState('')
  const [draft, setDraft] = useState<CourseDraft>({
    title: '',
    topic: 'grid_work',
    summary: '',
    passMark: '60',
    minutes: '',
  })
  const create = useMutation({
    mutationFn: () => {
      // A new course without minutes leaves them out (null is for clearing them later).
      const { minutes, ...fields } = courseBody(draft)
      return coursesApi.create({ areaId: Number(areaId), ...fields, ...(minutes ? { minutes } : {}) }, key)
    },
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
      <Field id={areaField} label={t('training.courses.area')}>
        <AreaSelect
          id={areaField}
          value={areaId}
          onChange={setAreaId}
          maxLevel="community"
          emptyLabel={t('training.courses.pickArea')}
          required
          testId="course-area"
        />
      </Field>
      <CourseInputs draft={draft} onChange={setDraft} />
      <CourseError error={create.error} testId="course-new-error" />
      <div className="courses-actions">
        <button type="submit" className="btn btn-primary" disabled={create.isPending} data-testid="course-create">
          {t('training.courses.create')}
        </button>
      </div>
    </form>
  )
}
