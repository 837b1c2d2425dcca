import { useMutation, useQuery } from '@tanstack/react-query'
import { type FormEvent, useId, useState } from 'react'
import { useTranslation } from 'react-i18next'
import { newIdempotencyKey } from '../../../caseUtils'
import { QueryStatus } from '../../../components/QueryStatus'
import { localName } from '../../../i18n'
import { routes } from '../../../router'
import {
  type CourseDetail,
  coursesApi,
  coursesChanged,
  courseQueries,
  type Lesson,
  type LessonKind,
  lessonKinds,
  type MediaKind,
  mediaAccept,
  type Question,
  type QuestionKind,
  questionKinds,
} from './api'
import { CourseError, type CourseDraft, CourseInputs, courseBody, Field, formatSize } from './common'
import { LessonContent, QuestionView } from './CoursePage'

/** The course editor (#/training/courses/<id>/edit): fields, lessons, quiz, publish and archive. */
export function Editor({ courseId }: { courseId: number }) {
  const { t } = useTranslation()
  const q = useQuery(courseQueries.detail(courseId))
  const c = q.data
  return (
    <div className="courses course-editor" data-testid="course-editor">
      <a className="back-link" href={routes.training('courses', courseId)}>
        ← {t('training.courses.backToCourse')}
      </a>
      <QueryStatus query={q} />
      {c && !c.canEdit && <p className="muted">{t('training.courses.notKeeper')}</p>}
      {c?.canEdit && (
        <>
          <h2>
            {t('training.courses.editing', { title: c.title })}{' '}
            <span className="badge badge-muted" data-testid="editor-status">
              {t(`training.courses.statuses.${c.status}`)}
            </span>
          </h2>
          <StatusActions course={c} />
          <CourseFields key={c.id} course={c} />
          <Lessons course={c} />
          <Questions course={c} />
        </>
      )}
    </div>
  )
}

function StatusActions({ course: c }: { course: CourseDetail }) {
  const { t } = useTranslation()
  const change = useMutation({
    mutationFn: (status: 'published' | 'archived') => coursesApi.update(c.id, { version: c.version, status }),
    onSuccess: coursesChanged,
  })
  return (
    <section className="card course-status" aria-label={t('training.courses.status')}>
      <p className="muted small">{t(`training.courses.statusHints.${c.status}`)}</p>
      <div className="courses-actions">
        {c.status !== 'published' && (
          <button
            type="button"
            className="btn btn-primary"
            disabled={change.isPending}
            onClick={() => change.mutate('published')}
            data-testid="course-publish"
          >
            {t(c.status === 'draft' ? 'training.courses.publish' : 'training.courses.republish')}
          </button>
        )}
        {c.status === 'published' && (
          <button
            type="button"
            className="btn"
            disabled={change.isPending}
            onClick={() => change.mutate('archived')}
            data-testid="course-archive"
          >
            {t('training.courses.archive')}
          </button>
        )}
      </div>
      <CourseError error={change.error} testId="course-status-error" />
    </section>
  )
}

function CourseFields({ course: c }: { course: CourseDetail }) {
  const { t } = useTranslation()
  const [draft, setDraft] = useState<CourseDraft>({
    title: c.title,
    topic: c.topic,
    summary: c.summary,
    passMark: String(c.passMark),
    minutes: c.minutes ? String(c.minutes) : '',
  })
  const save = useMutation({
    mutationFn: () => coursesApi.update(c.id, { version: c.version, ...courseBody(draft) }),
    onSuccess: coursesChanged,
  })
  const submit = (e: FormEvent) => {
    e.preventDefault()
    save.mutate()
  }
  return (
    <form className="card courses-form" onSubmit={submit} data-testid="course-fields">
      <h3>{t('training.courses.details')}</h3>
      <p className="muted small">{localName(c.area)}</p>
      <CourseInputs draft={draft} onChange={setDraft} />
      <CourseError error={save.error} />
      {save.isSuccess && !save.isPending && (
        <p className="muted small" role="status">
          {t('training.courses.saved')}
        </p>
      )}
      <div className="courses-actions">
        <button type="submit" className="btn btn-primary" disabled={save.isPending}>
          {t('training.courses.save')}
        </button>
      </div>
    </form>
  )
}

// ── Lessons ───────────────────────────────────────────────────────────────────────────────────

function Lessons({ course: c }: { course: CourseDetail }) {
  const { t } = useTranslation()
  const [editing, setEditing] = useState<number | 'new' | null>(null)
  const move = useMutation({
    mutationFn: ({ lesson, position }: { lesson: number; position: number }) =>
      coursesApi.updateLesson(lesson, { position }),
    onSuccess: coursesChanged,
  })
  const remove = useMutation({
    mutationFn: (lesson: number) => coursesApi.deleteLesson(lesson),
    onSuccess: coursesChanged,
  })
  return (
    <section className="card" data-testid="editor-lessons">
      <h3>{t('training.courses.lessons')}</h3>
      {c.lessons.length === 0 && <p className="muted">{t('training.courses.noLessons')}</p>}
      <ol className="editor-list">
        {c.lessons.map((l, i) => (
          <li key={l.id} data-testid="editor-lesson" data-kind={l.kind}>
            {editing === l.id ? (
              <LessonForm course={c} lesson={l} onDone={() => setEditing(null)} />
            ) : (
              <>
                <div className="editor-item-head">
                  <span className="editor-item-title">
                    {l.title} <span className="badge badge-muted">{t(`training.courses.kinds.${l.kind}`)}</span>
                  </span>
                  <span className="editor-item-actions">
                    <button
                      type="button"
                      className="btn btn-small"
                      disabled={i === 0 || move.isPending}
                      onClick={() => move.mutate({ lesson: l.id, position: l.position - 1 })}
                      aria-label={t('training.courses.moveUp', { title: l.title })}
                    >
                      ↑
                    </button>
                    <button
                      type="button"
                      className="btn btn-small"
                      disabled={i === c.lessons.length - 1 || move.isPending}
                      onClick={() => move.mutate({ lesson: l.id, position: l.position + 1 })}
                      aria-label={t('training.courses.moveDown', { title: l.title })}
                    >
                      ↓
                    </button>
                    <button type="button" className="btn btn-small" onClick={() => setEditing(l.id)}>
                      {t('training.courses.edit')}
                    </button>
                    <button
                      type="button"
                      className="btn btn-small btn-danger"
                      disabled={remove.isPending}
                      onClick={() => {
                        if (window.confirm(t('training.courses.confirmDelete', { title: l.title }))) remove.mutate(l.id)
                      }}
                    >
                      {t('training.courses.delete')}
                    </button>
                  </span>
                </div>
                {l.media && (
                  <details>
                    <summary>
                      {t('training.courses.preview')} · {l.media.fileName} ({formatSize(l.media.size)})
                    </summary>
                    <LessonContent lesson={l} />
                  </details>
                )}
              </>
            )}
          </li>
        ))}
      </ol>
      <CourseError error={move.error ?? remove.error} />
      {editing === 'new' ? (
        <LessonForm course={c} onDone={() => setEditing(null)} />
      ) : (
        <button type="button" className="btn" onClick={() => setEditing('new')} data-testid="lesson-add">
          {t('training.courses.addLesson')}
        </button>
      )}
    </section>
  )
}

function LessonForm({ course: c, lesson, onDone }: { course: CourseDetail; lesson?: Lesson; onDone: () => void }) {
  const { t } = useTranslation()
  const ids = { title: useId(), kind: useId(), body: useId(), file: useId(), minutes: useId() }
  const [key] = useState(newIdempotencyKey)
  const [title, setTitle] = useState(lesson?.title ?? '')
  const [kind, setKind] = useState<LessonKind>(lesson?.kind ?? 'text')
  const [body, setBody] = useState(lesson?.body ?? '')
  const [minutes, setMinutes] = useState(lesson?.minutes ? String(lesson.minutes) : '')
  const [file, setFile] = useState<File | null>(null)
  // A file already stored: a second try after a refused lesson does not store it again.
  const [uploaded, setUploaded] = useState<{ file: File; id: number } | null>(null)
  const save = useMutation({
    mutationFn: async () => {
      let mediaId: number | null = kind === 'text' ? null : kind === lesson?.kind ? (lesson.media?.id ?? null) : null
      if (kind !== 'text' && file) {
        if (uploaded?.file === file) mediaId = uploaded.id
        else {
          const m = await coursesApi.upload(c.area.id, kind as MediaKind, file, newIdempotencyKey())
          setUploaded({ file, id: m.id })
          mediaId = m.id
        }
      }
      const fields = { title: title.trim(), kind, body, minutes: minutes ? Number(minutes) : null }
      if (lesson) return coursesApi.updateLesson(lesson.id, { ...fields, mediaId })
      return coursesApi.addLesson(
        c.id,
        { ...fields, minutes: fields.minutes ?? undefined, ...(mediaId ? { mediaId } : {}) },
        key,
      )
    },
    onSuccess: async () => {
      await coursesChanged()
      onDone()
    },
  })
  const submit = (e: FormEvent) => {
    e.preventDefault()
    save.mutate()
  }
  return (
    <form className="courses-form editor-form" onSubmit={submit} data-testid="lesson-form">
      <Field id={ids.title} label={t('training.courses.lessonTitle')}>
        <input
          id={ids.title}
          value={title}
          required
          maxLength={200}
          onChange={(e) => setTitle(e.target.value)}
          data-testid="lesson-title"
        />
      </Field>
      <Field id={ids.kind} label={t('training.courses.kind')}>
        <select
          id={ids.kind}
          value={kind}
          onChange={(e) => {
            setKind(e.target.value as LessonKind)
            setFile(null)
          }}
          data-testid="lesson-kind"
        >
          {lessonKinds.map((k) => (
            <option key={k} value={k}>
              {t(`training.courses.kinds.${k}`)}
            </option>
          ))}
        </select>
      </Field>
      {kind !== 'text' && (
        <Field id={ids.file} label={t('training.courses.file')}>
          <input
            id={ids.file}
            type="file"
            accept={mediaAccept[kind]}
            required={!(lesson?.media && lesson.kind === kind)}
            onChange={(e) => setFile(e.target.files?.[0] ?? null)}
            data-testid="lesson-file"
          />
        </Field>
      )}
      {kind !== 'text' && lesson?.media && lesson.kind === kind && !file && (
        <p className="muted small">{t('training.courses.keepsFile', { name: lesson.media.fileName })}</p>
      )}
      <Field id={ids.body} label={t(kind === 'text' ? 'training.courses.text' : 'training.courses.caption')}>
        <textarea
          id={ids.body}
          rows={kind === 'text' ? 8 : 2}
          maxLength={50000}
          value={body}
          onChange={(e) => setBody(e.target.value)}
          data-testid="lesson-body"
        />
      </Field>
      <Field id={ids.minutes} label={t('training.courses.minutes')}>
        <input
          id={ids.minutes}
          type="number"
          min={1}
          max={600}
          value={minutes}
          onChange={(e) => setMinutes(e.target.value)}
        />
      </Field>
      <CourseError error={save.error} testId="lesson-error" />
      <div className="courses-actions">
        <button type="submit" className="btn btn-primary" disabled={save.isPending} data-testid="lesson-save">
          {t('training.courses.save')}
        </button>
        <button type="button" className="btn" onClick={onDone}>
          {t('training.courses.cancel')}
        </button>
      </div>
    </form>
  )
}

// ── Questions ─────────────────────────────────────────────────────────────────────────────────

function Questions({ course: c }: { course: CourseDetail }) {
  const { t } = useTranslation()
  const [editing, setEditing] = useState<number | 'new' | null>(null)
  const remove = useMutation({
    mutationFn: (question: number) => coursesApi.deleteQuestion(question),
    onSuccess: coursesChanged,
  })
  return (
    <section className="card" data-testid="editor-questions">
      <h3>{t('training.courses.quiz')}</h3>
      <p className="muted small">{t('training.courses.quizHint', { mark: c.passMark })}</p>
      <ol className="editor-list">
        {c.questions.map((x) => (
          <li key={x.id} data-testid="editor-question">
            {editing === x.id ? (
              <QuestionForm course={c} question={x} onDone={() => setEditing(null)} />
            ) : (
              <>
                <QuestionView question={x} />
                <span className="editor-item-actions">
                  <button type="button" className="btn btn-small" onClick={() => setEditing(x.id)}>
                    {t('training.courses.edit')}
                  </button>
                  <button
                    type="button"
                    className="btn btn-small btn-danger"
                    disabled={remove.isPending}
                    onClick={() => {
                      if (window.confirm(t('training.courses.confirmDelete', { title: x.prompt }))) remove.mutate(x.id)
                    }}
                  >
                    {t('training.courses.delete')}
                  </button>
                </span>
              </>
            )}
          </li>
        ))}
      </ol>
      <CourseError error={remove.error} />
      {editing === 'new' ? (
        <QuestionForm course={c} onDone={() => setEditing(null)} />
      ) : (
        <button type="button" className="btn" onClick={() => setEditing('new')} data-testid="question-add">
          {t('training.courses.addQuestion')}
        </button>
      )}
    </section>
  )
}

function QuestionForm({
  course: c,
  question,
  onDone,
}: {
  course: CourseDetail
  question?: Question
  onDone: () => void
}) {
  const { t } = useTranslation()
  const ids = { kind: useId(), prompt: useId(), points: useId(), explanation: useId(), options: useId() }
  const trueFalse = [t('training.courses.trueFalse.true'), t('training.courses.trueFalse.false')]
  const [key] = useState(newIdempotencyKey)
  const [kind, setKind] = useState<QuestionKind>(question?.kind ?? 'single')
  const [prompt, setPrompt] = useState(question?.prompt ?? '')
  const [options, setOptions] = useState<string[]>(question?.options ?? ['', '', ''])
  const [answer, setAnswer] = useState<number[]>(question?.answer ?? [])
  const [points, setPoints] = useState(String(question?.points ?? 1))
  const [explanation, setExplanation] = useState(question?.explanation ?? '')
  const shown = kind === 'true_false' ? trueFalse : options
  const save = useMutation({
    mutationFn: () => {
      const body = {
        kind,
        prompt: prompt.trim(),
        options: shown.map((o) => o.trim()),
        answer,
        points: Number(points),
        explanation: explanation.trim(),
      }
      return question ? coursesApi.updateQuestion(question.id, body) : coursesApi.addQuestion(c.id, body, key)
    },
    onSuccess: async () => {
      await coursesChanged()
      onDone()
    },
  })
  const tick = (i: number, on: boolean) =>
    setAnswer((a) => (kind === 'multiple' ? (on ? [...a, i].sort() : a.filter((x) => x !== i)) : on ? [i] : []))
  const submit = (e: FormEvent) => {
    e.preventDefault()
    save.mutate()
  }
  return (
    <form className="courses-form editor-form" onSubmit={submit} data-testid="question-form">
      <Field id={ids.kind} label={t('training.courses.questionKind')}>
        <select
          id={ids.kind}
          value={kind}
          onChange={(e) => {
            const next = e.target.value as QuestionKind
            setKind(next)
            setAnswer((a) => (next === 'multiple' ? a : a.slice(0, 1)).filter((i) => next !== 'true_false' || i < 2))
          }}
          data-testid="question-kind"
        >
          {questionKinds.map((k) => (
            <option key={k} value={k}>
              {t(`training.courses.questionKinds.${k}`)}
            </option>
          ))}
        </select>
      </Field>
      <Field id={ids.prompt} label={t('training.courses.prompt')}>
        <textarea
          id={ids.prompt}
          rows={2}
          required
          maxLength={2000}
          value={prompt}
          onChange={(e) => setPrompt(e.target.value)}
          data-testid="question-prompt"
        />
      </Field>
      <fieldset className="question-options-edit">
        <legend>{t('training.courses.optionsLegend')}</legend>
        {shown.map((o, i) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: options are edited in place, their index is their identity
          <div key={i} className="question-option-edit" data-testid="question-option">
            <input
              type={kind === 'multiple' ? 'checkbox' : 'radio'}
              name={ids.options}
              checked={answer.includes(i)}
              onChange={(e) => tick(i, e.target.checked)}
              aria-label={t('training.courses.markRight', { n: i + 1 })}
              data-testid="question-option-right"
            />
            {kind === 'true_false' ? (
              <span>{o}</span>
            ) : (
              <input
                value={o}
                required
                maxLength={500}
                aria-label={t('training.courses.optionN', { n: i + 1 })}
                onChange={(e) => setOptions((all) => all.map((x, j) => (j === i ? e.target.value : x)))}
                data-testid="question-option-text"
              />
            )}
            {kind !== 'true_false' && options.length > 2 && (
              <button
                type="button"
                className="btn btn-small"
                aria-label={t('training.courses.removeOption', { n: i + 1 })}
                onClick={() => {
                  setOptions((all) => all.filter((_, j) => j !== i))
                  setAnswer((a) => a.filter((x) => x !== i).map((x) => (x > i ? x - 1 : x)))
                }}
              >
                ×
              </button>
            )}
          </div>
        ))}
        {kind !== 'true_false' && options.length < 8 && (
          <button type="button" className="btn btn-small" onClick={() => setOptions((all) => [...all, ''])}>
            {t('training.courses.addOption')}
          </button>
        )}
      </fieldset>
      <div className="courses-row">
        <Field id={ids.points} label={t('training.courses.points')}>
          <input
            id={ids.points}
            type="number"
            min={1}
            max={100}
            required
            value={points}
            onChange={(e) => setPoints(e.target.value)}
          />
        </Field>
      </div>
      <Field id={ids.explanation} label={t('training.courses.explanation')}>
        <textarea
          id={ids.explanation}
          rows={2}
          maxLength={2000}
          value={explanation}
          onChange={(e) => setExplanation(e.target.value)}
        />
      </Field>
      <CourseError error={save.error} testId="question-error" />
      <div className="courses-actions">
        <button type="submit" className="btn btn-primary" disabled={save.isPending} data-testid="question-save">
          {t('training.courses.save')}
        </button>
        <button type="button" className="btn" onClick={onDone}>
          {t('training.courses.cancel')}
        </button>
      </div>
    </form>
  )
}
