import { useMutation, useQuery } from '@tanstack/react-query'
import { useId, useMemo, useState, type FormEvent } from 'react'
import { useTranslation } from 'react-i18next'
import { ApiError } from '../../../api'
import { queries } from '../../../api/queries'
import { newIdempotencyKey } from '../../../caseUtils'
import { QueryStatus } from '../../../components/QueryStatus'
import { errorText, localName } from '../../../i18n'
import { hasRole } from '../../../modules'
import { navigate, routes } from '../../../router'
import type { User } from '../../../types'
import {
  QUESTION_KINDS,
  surveyApi,
  surveyChanged,
  surveyQueries,
  type QuestionBody,
  type QuestionKind,
  type SurveyBody,
  type SurveyDetail,
} from './api'
import { fromLocalInput, Required, SURVEY_STAFF, surveyableAreas, toLocalInput } from './common'

const MAX_QUESTIONS = 100
const MAX_OPTIONS = 20
const MAX_SCALE_POINTS = 11

let nextKey = 1
const newKey = () => `q${nextKey++}`

interface DraftQuestion {
  key: string
  kind: QuestionKind
  prompt: string
  options: string[]
  required: boolean
  scaleMin: number
  scaleMax: number
  /** Branching: shown only when the question with this key was answered with `dependsOption`. */
  dependsOn: string | null
  dependsOption: number
}

interface Values {
  areaId: string
  title: string
  description: string
  verifiedOnly: boolean
  opensAt: string
  closesAt: string
  questions: DraftQuestion[]
}

const blankQuestion = (kind: QuestionKind = 'single'): DraftQuestion => ({
  key: newKey(),
  kind,
  prompt: '',
  options: kind === 'single' || kind === 'multiple' ? ['', ''] : [],
  required: true,
  scaleMin: 1,
  scaleMax: 5,
  dependsOn: null,
  dependsOption: 0,
})

const isChoice = (kind: QuestionKind) => kind === 'single' || kind === 'multiple'

function valuesOf(s: SurveyDetail): Values {
  const keys = s.questions.map(() => newKey())
  return {
    areaId: String(s.areaId),
    title: s.title,
    description: s.description,
    verifiedOnly: s.verifiedOnly,
    opensAt: toLocalInput(s.opensAt),
    closesAt: toLocalInput(s.closesAt),
    questions: s.questions.map((q, i) => ({
      key: keys[i]!,
      kind: q.kind,
      prompt: q.prompt,
      options: [...q.options],
      required: q.required,
      scaleMin: q.scaleMin ?? 1,
      scaleMax: q.scaleMax ?? 5,
      dependsOn: q.showIf ? (keys[q.showIf.position - 1] ?? null) : null,
      dependsOption: q.showIf?.option ?? 0,
    })),
  }
}

function bodyOf(v: Values): SurveyBody {
  const position = new Map(v.questions.map((q, i) => [q.key, i + 1]))
  return {
    areaId: Number(v.areaId),
    title: v.title.trim(),
    description: v.description.trim(),
    verifiedOnly: v.verifiedOnly,
    ...(fromLocalInput(v.opensAt) ? { opensAt: fromLocalInput(v.opensAt)! } : {}),
    ...(fromLocalInput(v.closesAt) ? { closesAt: fromLocalInput(v.closesAt)! } : {}),
    questions: v.questions.map((q): QuestionBody => {
      const showIf = q.dependsOn && position.has(q.dependsOn)
      return {
        kind: q.kind,
        prompt: q.prompt.trim(),
        required: q.required,
        ...(isChoice(q.kind) ? { options: q.options.map((o) => o.trim()) } : {}),
        ...(q.kind === 'scale' ? { scaleMin: q.scaleMin, scaleMax: q.scaleMax } : {}),
        ...(showIf ? { showIf: { position: position.get(q.dependsOn!)!, option: q.dependsOption } } : {}),
      }
    }),
  }
}

/** What the form finds wrong before sending, as the server would name it. */
function check(v: Values, needArea: boolean): { field: string; key: string } | null {
  if (needArea && !v.areaId) return { field: 'areaId', key: 'areaId' }
  if (!v.title.trim()) return { field: 'title', key: 'title' }
  if (v.opensAt && !fromLocalInput(v.opensAt)) return { field: 'opensAt', key: 'opensAt' }
  if (v.closesAt && !fromLocalInput(v.closesAt)) return { field: 'closesAt', key: 'closesAt' }
  const from = fromLocalInput(v.opensAt)
  const until = fromLocalInput(v.closesAt)
  if (from && until && until <= from) return { field: 'closesAt', key: 'closesBeforeOpens' }
  for (const [i, q] of v.questions.entries()) {
    const f = (x: string) => `questions[${i}].${x}`
    if (!q.prompt.trim()) return { field: f('prompt'), key: 'prompt' }
    if (isChoice(q.kind)) {
      const opts = q.options.map((o) => o.trim())
      if (opts.length < 2) return { field: f('options'), key: 'fewOptions' }
      const blank = opts.findIndex((o) => !o)
      if (blank >= 0) return { field: `${f('options')}[${blank}]`, key: 'blankOption' }
      const twice = opts.findIndex((o, j) => opts.indexOf(o) !== j)
      if (twice >= 0) return { field: `${f('options')}[${twice}]`, key: 'sameOption' }
    }
    if (q.kind === 'scale') {
      if (q.scaleMax <= q.scaleMin) return { field: f('scaleMax'), key: 'scaleRange' }
      if (q.scaleMax - q.scaleMin + 1 > MAX_SCALE_POINTS) return { field: f('scaleMax'), key: 'scaleLong' }
    }
    if (q.dependsOn) {
      const j = v.questions.findIndex((x) => x.key === q.dependsOn)
      if (j < 0 || j >= i) return { field: f('showIf.position'), key: 'dependsLater' }
      if (q.dependsOption >= v.questions[j]!.options.length) return { field: f('showIf.option'), key: 'dependsOption' }
    }
  }
  return null
}

/** The question a field of the form names (questions[2].options[1] → 2), or null. */
const questionOf = (field: string | null | undefined) => {
  const m = field?.match(/^questions\[(\d+)\]/)
  return m ? Number(m[1]) : null
}

export function SurveyNewPage({ user }: { user: User }) {
  const { t, i18n } = useTranslation()
  const tree = useQuery(queries.areaTree())
  const areas = useMemo(() => (tree.data ? surveyableAreas(tree.data, user) : []), [tree.data, user])
  const [key, setKey] = useState(newIdempotencyKey)
  const create = useMutation({
    mutationFn: async ({ values, open }: { values: Values; open: boolean }) => {
      const draft = await surveyApi.create(bodyOf(values), key)
      setKey(newIdempotencyKey())
      if (!open) return draft
      try {
        return await surveyApi.act(draft.id, 'open')
      } catch {
        // The draft is saved: its page offers opening again and says what stands in the way.
        return draft
      }
    },
    onSuccess: async (detail) => {
      await surveyChanged(detail)
      navigate('participation', 'surveys', detail.id)
    },
  })
  if (!hasRole(user, SURVEY_STAFF)) return <NotStaff />
  const firstCommunity = areas.find((a) => a.node.level === 'community') ?? areas[0]
  return (
    <div className="surveys" data-testid="survey-new-page">
      <a className="back-link" href={routes.participation('surveys')}>
        {t('participation.surveys.back')}
      </a>
      <QueryStatus query={tree} />
      <Builder
        heading={t('participation.surveys.builder.newTitle')}
        initial={{
          areaId: firstCommunity ? String(firstCommunity.node.id) : '',
          title: '',
          description: '',
          verifiedOnly: false,
          opensAt: '',
          closesAt: '',
          questions: [blankQuestion()],
        }}
        areaOptions={areas.map(({ node, depth }) => ({
          id: node.id,
          label: `${'\u3000'.repeat(depth)}${localName(node, i18n.language)}`,
        }))}
        pending={create.isPending}
        serverError={create.error}
        onSubmit={(values, open) => create.mutate({ values, open })}
      />
    </div>
  )
}

export function SurveyEditPage({ id, user }: { id: number; user: User }) {
  const { t, i18n } = useTranslation()
  const detail = useQuery(surveyQueries.detail(id))
  const tree = useQuery(queries.areaTree())
  const areas = useMemo(() => (tree.data ? surveyableAreas(tree.data, user) : []), [tree.data, user])
  const save = useMutation({
    mutationFn: async ({ values, open }: { values: Values; open: boolean }) => {
      const saved = await surveyApi.replace(id, bodyOf(values))
      return open ? surveyApi.act(saved.id, 'open') : saved
    },
    onSuccess: async (saved) => {
      await surveyChanged(saved)
      navigate('participation', 'surveys', saved.id)
    },
  })
  if (!hasRole(user, SURVEY_STAFF)) return <NotStaff />
  const s = detail.data
  return (
    <div className="surveys" data-testid="survey-edit-page">
      <a className="back-link" href={routes.participation('surveys', id)}>
        {t('participation.surveys.backToSurvey')}
      </a>
      <QueryStatus query={[detail, tree]} />
      {s && (!s.canManage || s.state !== 'draft') && (
        <p className="muted" data-testid="survey-not-editable">
          {t('participation.surveys.builder.onlyDrafts')}
        </p>
      )}
      {s?.canManage && s.state === 'draft' && tree.data && (
        <Builder
          heading={t('participation.surveys.builder.editTitle')}
          initial={valuesOf(s)}
          areaOptions={areas.map(({ node, depth }) => ({
            id: node.id,
            label: `${'\u3000'.repeat(depth)}${localName(node, i18n.language)}`,
          }))}
          pending={save.isPending}
          serverError={save.error}
          onSubmit={(values, open) => save.mutate({ values, open })}
        />
      )}
    </div>
  )
}

function NotStaff() {
  const { t } = useTranslation()
  return (
    <p className="muted" data-testid="survey-not-staff">
      {t('participation.surveys.builder.notStaff')}
    </p>
  )
}

function Builder({
  heading,
  initial,
  areaOptions,
  pending,
  serverError,
  onSubmit,
}: {
  heading: string
  initial: Values
  areaOptions: { id: number; label: string }[]
  pending: boolean
  serverError: unknown
  onSubmit: (values: Values, open: boolean) => void
}) {
  const { t } = useTranslation()
  const uid = useId()
  const idOf = (f: string) => `${uid}-${f}`
  const [v, setV] = useState<Values>(initial)
  const [problem, setProblem] = useState<{ field: string; key: string } | null>(null)
  const areaId = v.areaId || initial.areaId
  const set = <K extends keyof Values>(k: K, value: Values[K]) => {
    setV((old) => ({ ...old, [k]: value }))
    setProblem(null)
  }
  const setQuestion = (i: number, change: Partial<DraftQuestion>) =>
    setV((old) => {
      const questions = old.questions.map((q, j) => (j === i ? { ...q, ...change } : q))
      const changed = questions[i]!
      // A question that is no longer a choice, or lost the option, stops steering the others.
      const cleaned = questions.map((q) =>
        q.dependsOn === changed.key && (!isChoice(changed.kind) || q.dependsOption >= changed.options.length)
          ? { ...q, dependsOn: null, dependsOption: 0 }
          : q,
      )
      setProblem(null)
      return { ...old, questions: cleaned }
    })
  const move = (i: number, by: -1 | 1) =>
    setV((old) => {
      const questions = [...old.questions]
      const [q] = questions.splice(i, 1)
      questions.splice(i + by, 0, q!)
      setProblem(null)
      return { ...old, questions }
    })
  const remove = (i: number) =>
    setV((old) => {
      const gone = old.questions[i]!.key
      const questions = old.questions
        .filter((_, j) => j !== i)
        .map((q) => (q.dependsOn === gone ? { ...q, dependsOn: null, dependsOption: 0 } : q))
      setProblem(null)
      return { ...old, questions }
    })

  const submit = (open: boolean) => (e?: FormEvent) => {
    e?.preventDefault()
    if (pending) return
    const found = check({ ...v, areaId }, true)
    if (found) {
      setProblem(found)
      const target = document.getElementById(inputOf(found.field))
      target?.scrollIntoView?.({ block: 'center' })
      target?.focus()
      return
    }
    if (open && v.questions.length === 0) return setProblem({ field: 'questions', key: 'noQuestions' })
    onSubmit({ ...v, areaId }, open)
  }

  /** The id of the input a field of the form names (questions[2].options[1] → that option's input). */
  const inputOf = (field: string) => {
    const m = field.match(/^questions\[(\d+)\]\.(\w+)(?:\[(\d+)\])?/)
    if (!m) return idOf(field)
    const part = { prompt: 'prompt', options: `o${m[3] ?? 0}`, scaleMin: 'min', scaleMax: 'max', showIf: 'branch' }[
      m[2]!
    ]
    return `${idOf(`q${m[1]}`)}-${part ?? 'kind'}`
  }
  const serverField = serverError instanceof ApiError ? serverError.field : null
  const wrongField = problem?.field ?? serverField
  const wrongQuestion = questionOf(wrongField)
  const message = problem
    ? t(`participation.surveys.builder.invalid.${problem.key}`)
    : serverError
      ? errorText(serverError, (f) => {
          const i = questionOf(f)
          return i === null ? undefined : t('participation.surveys.builder.questionN', { n: i + 1 })
        })
      : null
  const invalid = (f: string) => wrongField === f || undefined

  return (
    <form className="card surveys-builder" onSubmit={submit(false)} noValidate data-testid="survey-builder">
      <h2 className="section-title">{heading}</h2>
      <div className="field">
        <label htmlFor={idOf('areaId')}>
          {t('participation.surveys.builder.area')}
          <Required />
        </label>
        <select
          id={idOf('areaId')}
          data-testid="survey-area"
          value={areaId}
          aria-invalid={invalid('areaId')}
          aria-describedby={idOf('areaHint')}
          onChange={(e) => set('areaId', e.target.value)}
        >
          <option value="">{t('participation.surveys.builder.chooseArea')}</option>
          {areaOptions.map((a) => (
            <option key={a.id} value={a.id}>
              {a.label}
            </option>
          ))}
        </select>
        <small className="muted hint" id={idOf('areaHint')}>
          {t('participation.surveys.builder.areaHint')}
        </small>
      </div>
      <div className="field">
        <label htmlFor={idOf('title')}>
          {t('participation.surveys.builder.surveyTitle')}
          <Required />
        </label>
        <input
          id={idOf('title')}
          data-testid="survey-title-input"
          maxLength={200}
          value={v.title}
          aria-invalid={invalid('title')}
          onChange={(e) => set('title', e.target.value)}
        />
      </div>
      <div className="field">
        <label htmlFor={idOf('description')}>{t('participation.surveys.builder.description')}</label>
        <textarea
          id={idOf('description')}
          rows={3}
          maxLength={4000}
          data-testid="survey-description-input"
          value={v.description}
          onChange={(e) => set('description', e.target.value)}
        />
      </div>
      <div className="surveys-row">
        <div className="field">
          <label htmlFor={idOf('opensAt')}>{t('participation.surveys.builder.opensAt')}</label>
          <input
            id={idOf('opensAt')}
            type="datetime-local"
            data-testid="survey-opens-at"
            value={v.opensAt}
            aria-invalid={invalid('opensAt')}
            aria-describedby={idOf('opensHint')}
            onChange={(e) => set('opensAt', e.target.value)}
          />
          <small className="muted hint" id={idOf('opensHint')}>
            {t('participation.surveys.builder.opensHint')}
          </small>
        </div>
        <div className="field">
          <label htmlFor={idOf('closesAt')}>{t('participation.surveys.builder.closesAt')}</label>
          <input
            id={idOf('closesAt')}
            type="datetime-local"
            data-testid="survey-closes-at"
            value={v.closesAt}
            aria-invalid={invalid('closesAt')}
            aria-describedby={idOf('closesHint')}
            onChange={(e) => set('closesAt', e.target.value)}
          />
          <small className="muted hint" id={idOf('closesHint')}>
            {t('participation.surveys.builder.closesHint')}
          </small>
        </div>
      </div>
      <label className="check">
        <input
          type="checkbox"
          data-testid="survey-verified-only"
          checked={v.verifiedOnly}
          onChange={(e) => set('verifiedOnly', e.target.checked)}
        />
        {t('participation.surveys.builder.verifiedOnly')}
      </label>

      <h3 className="surveys-builder-subtitle">{t('participation.surveys.builder.questions')}</h3>
      {v.questions.length === 0 && <p className="muted">{t('participation.surveys.builder.noQuestions')}</p>}
      <ol className="surveys-builder-questions">
        {v.questions.map((q, i) => (
          <QuestionEditor
            key={q.key}
            id={idOf(`q${i}`)}
            index={i}
            question={q}
            earlier={v.questions.slice(0, i)}
            count={v.questions.length}
            wrong={wrongQuestion === i ? wrongField : null}
            onChange={(change) => setQuestion(i, change)}
            onMove={(by) => move(i, by)}
            onRemove={() => remove(i)}
          />
        ))}
      </ol>
      <div className="surveys-add">
        {QUESTION_KINDS.map((kind) => (
          <button
            key={kind}
            type="button"
            className="btn btn-small"
            data-testid={`survey-add-${kind}`}
            disabled={v.questions.length >= MAX_QUESTIONS}
            onClick={() => set('questions', [...v.questions, blankQuestion(kind)])}
          >
            {t('participation.surveys.builder.add', { kind: t(`participation.surveys.kind.${kind}`) })}
          </button>
        ))}
      </div>
      {message && (
        <div className="error-banner" role="alert" data-testid="survey-builder-error">
          <span>
            {wrongQuestion !== null && problem
              ? `${t('participation.surveys.builder.questionN', { n: wrongQuestion + 1 })}: ${message}`
              : message}
          </span>
        </div>
      )}
      <div className="form-buttons">
        <button type="submit" className="btn" disabled={pending} data-testid="survey-save-draft">
          {pending ? t('participation.surveys.sending') : t('participation.surveys.builder.saveDraft')}
        </button>
        <button
          type="button"
          className="btn btn-primary"
          disabled={pending}
          data-testid="survey-save-open"
          onClick={submit(true)}
        >
          {t('participation.surveys.builder.saveOpen')}
        </button>
      </div>
    </form>
  )
}

function QuestionEditor({
  id,
  index,
  question: q,
  earlier,
  count,
  wrong,
  onChange,
  onMove,
  onRemove,
}: {
  id: string
  index: number
  question: DraftQuestion
  earlier: DraftQuestion[]
  count: number
  /** The field of this question the form or the server found wrong. */
  wrong: string | null
  onChange: (change: Partial<DraftQuestion>) => void
  onMove: (by: -1 | 1) => void
  onRemove: () => void
}) {
  const { t } = useTranslation()
  const n = index + 1
  const f = (x: string) => `${id}-${x}`
  const bad = (x: string) => (wrong?.startsWith(`questions[${index}].${x}`) ? true : undefined)
  const steering = earlier.filter((e) => isChoice(e.kind))
  const branchValue = q.dependsOn ? `${q.dependsOn}:${q.dependsOption}` : ''
  return (
    <li className="surveys-builder-question" data-testid="survey-builder-question" data-index={index}>
      <fieldset id={id} className={`card surveys-question-editor${wrong ? ' surveys-question-problem' : ''}`}>
        <legend>{t('participation.surveys.builder.questionN', { n })}</legend>
        <div className="surveys-row">
          <div className="field">
            <label htmlFor={f('kind')}>{t('participation.surveys.builder.kind')}</label>
            <select
              id={f('kind')}
              data-testid="survey-q-kind"
              value={q.kind}
              onChange={(e) => {
                const kind = QUESTION_KINDS.find((k) => k === e.target.value) ?? 'single'
                onChange({
                  kind,
                  options: isChoice(kind) ? (q.options.length >= 2 ? q.options : ['', '']) : [],
                })
              }}
            >
              {QUESTION_KINDS.map((k) => (
                <option key={k} value={k}>
                  {t(`participation.surveys.kind.${k}`)}
                </option>
              ))}
            </select>
          </div>
          <label className="check surveys-required">
            <input
              type="checkbox"
              data-testid="survey-q-required"
              checked={q.required}
              onChange={(e) => onChange({ required: e.target.checked })}
            />
            {t('participation.surveys.builder.requiredQuestion')}
          </label>
        </div>
        <div className="field">
          <label htmlFor={f('prompt')}>
            {t('participation.surveys.builder.prompt')}
            <Required />
          </label>
          <input
            id={f('prompt')}
            data-testid="survey-q-prompt"
            maxLength={500}
            value={q.prompt}
            aria-invalid={bad('prompt')}
            onChange={(e) => onChange({ prompt: e.target.value })}
          />
        </div>
        {isChoice(q.kind) && (
          <fieldset className="field surveys-options-editor">
            <legend>{t('participation.surveys.builder.options')}</legend>
            {q.options.map((o, j) => (
              // An option is its index (answers and conditions name options by index); the inputs are controlled.
              // biome-ignore lint/suspicious/noArrayIndexKey: the index is the option's identity
              <div key={`${q.key}-${j}`} className="surveys-option-editor">
                <label className="visually-hidden" htmlFor={f(`o${j}`)}>
                  {t('participation.surveys.builder.optionN', { n: j + 1 })}
                </label>
                <input
                  id={f(`o${j}`)}
                  data-testid="survey-q-option"
                  maxLength={200}
                  value={o}
                  placeholder={t('participation.surveys.builder.optionN', { n: j + 1 })}
                  aria-invalid={bad(`options[${j}]`) ?? (wrong === `questions[${index}].options` || undefined)}
                  onChange={(e) => onChange({ options: q.options.map((x, k) => (k === j ? e.target.value : x)) })}
                />
                <button
                  type="button"
                  className="btn btn-small"
                  disabled={q.options.length <= 2}
                  aria-label={t('participation.surveys.builder.removeOption', { n: j + 1 })}
                  onClick={() => onChange({ options: q.options.filter((_, k) => k !== j) })}
                >
                  ×
                </button>
              </div>
            ))}
            <button
              type="button"
              className="btn btn-small"
              data-testid="survey-q-add-option"
              disabled={q.options.length >= MAX_OPTIONS}
              onClick={() => onChange({ options: [...q.options, ''] })}
            >
              {t('participation.surveys.builder.addOption')}
            </button>
          </fieldset>
        )}
        {q.kind === 'scale' && (
          <div className="surveys-row">
            <div className="field">
              <label htmlFor={f('min')}>{t('participation.surveys.builder.scaleMin')}</label>
              <input
                id={f('min')}
                type="number"
                min={-100}
                max={100}
                data-testid="survey-q-scale-min"
                value={q.scaleMin}
                aria-invalid={bad('scaleMin')}
                onChange={(e) => onChange({ scaleMin: Math.trunc(Number(e.target.value) || 0) })}
              />
            </div>
            <div className="field">
              <label htmlFor={f('max')}>{t('participation.surveys.builder.scaleMax')}</label>
              <input
                id={f('max')}
                type="number"
                min={-100}
                max={100}
                data-testid="survey-q-scale-max"
                value={q.scaleMax}
                aria-invalid={bad('scaleMax')}
                onChange={(e) => onChange({ scaleMax: Math.trunc(Number(e.target.value) || 0) })}
              />
            </div>
          </div>
        )}
        {index > 0 && (
          <div className="field">
            <label htmlFor={f('branch')}>{t('participation.surveys.builder.showWhen')}</label>
            <select
              id={f('branch')}
              data-testid="survey-q-branch"
              value={branchValue}
              aria-invalid={bad('showIf')}
              onChange={(e) => {
                const [key, option] = e.target.value.split(':')
                onChange(
                  key ? { dependsOn: key, dependsOption: Number(option) } : { dependsOn: null, dependsOption: 0 },
                )
              }}
            >
              <option value="">{t('participation.surveys.builder.always')}</option>
              {steering.map((e) => {
                const pos = earlier.indexOf(e) + 1
                return e.options.map((o, j) => (
                  // biome-ignore lint/suspicious/noArrayIndexKey: a condition names the option by its index
                  <option key={`${e.key}:${j}`} value={`${e.key}:${j}`}>
                    {t('participation.surveys.builder.when', {
                      n: pos,
                      option: o.trim() || t('participation.surveys.builder.optionN', { n: j + 1 }),
                    })}
                  </option>
                ))
              })}
            </select>
          </div>
        )}
        <div className="surveys-question-tools">
          <button
            type="button"
            className="btn btn-small"
            disabled={index === 0}
            data-testid="survey-q-up"
            aria-label={t('participation.surveys.builder.moveUp', { n })}
            onClick={() => onMove(-1)}
          >
            ↑ {t('participation.surveys.builder.up')}
          </button>
          <button
            type="button"
            className="btn btn-small"
            disabled={index === count - 1}
            data-testid="survey-q-down"
            aria-label={t('participation.surveys.builder.moveDown', { n })}
            onClick={() => onMove(1)}
          >
            ↓ {t('participation.surveys.builder.down')}
          </button>
          <button
            type="button"
            className="btn btn-small btn-danger"
            data-testid="survey-q-remove"
            aria-label={t('participation.surveys.builder.remove', { n })}
            onClick={onRemove}
          >
            {t('participation.surveys.builder.removeShort')}
          </button>
        </div>
      </fieldset>
    </li>
  )
}
