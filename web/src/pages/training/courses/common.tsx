import { type ReactNode, useId } from 'react'
import { useTranslation } from 'react-i18next'
import { errorText } from '../../../i18n'
import { type Topic, topics } from './api'

/** A labelled form field. */
export function Field({ id, label, children }: { id: string; label: string; children: ReactNode }) {
  return (
    <label className="field" htmlFor={id}>
      <span>{label}</span>
      {children}
    </label>
  )
}

/** The server's error, translated by its code, naming the field in this screen's words. */
export function CourseError({ error, testId }: { error: unknown; testId?: string }) {
  const { t, i18n } = useTranslation()
  if (!error) return null
  const text = errorText(error, (field) => {
    const key = `training.courses.fields.${field.replace(/\[\d+\]$/, '')}`
    return i18n.exists(key) ? t(key) : undefined
  })
  return (
    <div className="error-banner" role="alert" data-testid={testId}>
      <span>{text}</span>
    </div>
  )
}

/** A size in KB or MB. */
export const formatSize = (bytes: number) =>
  bytes >= 1 << 20 ? `${(bytes / (1 << 20)).toFixed(1)} MB` : `${Math.max(1, Math.round(bytes / 1024))} KB`

/** What the new-course form and the editor edit of a course: the inputs' text as typed. */
export interface CourseDraft {
  title: string
  topic: Topic
  summary: string
  passMark: string
  minutes: string
}

/** The draft as the API takes it (trimmed, numbers); no minutes is null. */
export const courseBody = (d: CourseDraft) => ({
  title: d.title.trim(),
  topic: d.topic,
  summary: d.summary.trim(),
  passMark: Number(d.passMark),
  minutes: d.minutes ? Number(d.minutes) : null,
})

/** A course's title, topic, summary, pass mark and minutes, shared by the new-course form and the editor. */
export function CourseInputs({ draft, onChange }: { draft: CourseDraft; onChange: (d: CourseDraft) => void }) {
  const { t } = useTranslation()
  const ids = { title: useId(), topic: useId(), summary: useId(), mark: useId(), minutes: useId() }
  const set = <K extends keyof CourseDraft>(k: K, v: CourseDraft[K]) => onChange({ ...draft, [k]: v })
  return (
    <>
      <Field id={ids.title} label={t('training.courses.title')}>
        <input
          id={ids.title}
          value={draft.title}
          required
          minLength={2}
          maxLength={200}
          onChange={(e) => set('title', e.target.value)}
          data-testid="course-title"
        />
      </Field>
      <Field id={ids.topic} label={t('training.courses.topic')}>
        <select id={ids.topic} value={draft.topic} onChange={(e) => set('topic', e.target.value as Topic)}>
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
          value={draft.summary}
          onChange={(e) => set('summary', e.target.value)}
        />
      </Field>
      <div className="courses-row">
        <Field id={ids.mark} label={t('training.courses.passMark')}>
          <input
            id={ids.mark}
            type="number"
            min={0}
            max={100}
            required
            value={draft.passMark}
            onChange={(e) => set('passMark', e.target.value)}
            data-testid="course-pass-mark"
          />
        </Field>
        <Field id={ids.minutes} label={t('training.courses.minutes')}>
          <input
            id={ids.minutes}
            type="number"
            min={1}
            max={6000}
            value={draft.minutes}
            onChange={(e) => set('minutes', e.target.value)}
          />
        </Field>
      </div>
    </>
  )
}
