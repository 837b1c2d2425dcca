import { useMutation, useQuery } from '@tanstack/react-query'
import { useId, useState, type FormEvent } from 'react'
import { useTranslation } from 'react-i18next'
import { ApiError } from '../../../api'
import { newIdempotencyKey } from '../../../caseUtils'
import { AreaSelect } from '../../../components/AreaSelect'
import { QueryStatus } from '../../../components/QueryStatus'
import { navigate, routes } from '../../../router'
import {
  consultationApi,
  consultationChanged,
  consultationQueries,
  type ConsultationBody,
  type ConsultationDetail,
  type ConsultationKind,
} from './api'
import { CONSULTATION_KINDS, K, Problem } from './common'

const DAY = 86_400_000
const MAX_SECTIONS = 200

interface SectionDraft {
  /** A key for React only: sections move. */
  key: number
  heading: string
  body: string
}

interface Draft {
  areaId: string
  kind: ConsultationKind
  title: string
  summary: string
  opensAt: string
  closesAt: string
  verifiedOnly: boolean
  sections: SectionDraft[]
}

let nextKey = 1
const section = (heading = '', body = ''): SectionDraft => ({ key: nextKey++, heading, body })

/** An instant as the value of a datetime-local input, in the browser's time zone. */
function localInput(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0')
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`
}

function emptyDraft(): Draft {
  // Comments may start at once; staff change it for a later start.
  const start = new Date()
  start.setSeconds(0, 0)
  return {
    areaId: '',
    kind: 'community_rule',
    title: '',
    summary: '',
    opensAt: localInput(start),
    closesAt: localInput(new Date(start.getTime() + 14 * DAY)),
    verifiedOnly: true,
    sections: [section(), section()],
  }
}

function draftOf(d: ConsultationDetail): Draft {
  return {
    areaId: String(d.area.id),
    kind: d.kind,
    title: d.title,
    summary: d.summary,
    opensAt: localInput(new Date(d.opensAt)),
    closesAt: localInput(new Date(d.closesAt)),
    verifiedOnly: d.verifiedOnly,
    sections: d.sections.map((s) => section(s.heading, s.body)),
  }
}

/** The staff's editor of a draft: a new one, or `id` (a draft) replaced. */
export function ConsultationEditor({ id }: { id?: number }) {
  const { t } = useTranslation()
  const existing = useQuery({ ...consultationQueries.detail(id ?? 0), enabled: id !== undefined })
  return (
    <div className="consultation-editor-page" data-testid="consultation-editor">
      <a
        className="back-link"
        href={id ? routes.participation('consultations', id) : routes.participation('consultations')}
      >
        ← {id ? t(`${K}.editor.backToDraft`) : t(`${K}.back`)}
      </a>
      <h2>{id ? t(`${K}.editor.editTitle`) : t(`${K}.editor.newTitle`)}</h2>
      {id !== undefined && <QueryStatus query={existing} />}
      {id === undefined && <Editor initial={emptyDraft()} />}
      {id !== undefined &&
        existing.data &&
        (existing.data.status === 'draft' ? (
          <Editor id={id} initial={draftOf(existing.data)} />
        ) : (
          <p className="notice" data-testid="consultation-not-draft">
            {t(`${K}.editor.notDraft`)}
          </p>
        ))}
    </div>
  )
}

function Editor({ id, initial }: { id?: number; initial: Draft }) {
  const { t } = useTranslation()
  const uid = useId()
  const [draft, setDraft] = useState<Draft>(initial)
  const [key] = useState(newIdempotencyKey)
  const [local, setLocal] = useState<string | null>(null)
  const save = useMutation({
    mutationFn: (body: ConsultationBody) =>
      id ? consultationApi.replace(id, body) : consultationApi.create(body, key),
    onSuccess: async (detail) => {
      await consultationChanged(detail)
      navigate('participation', 'consultations', detail.id)
    },
  })
  const set = (patch: Partial<Draft>) => setDraft((d) => ({ ...d, ...patch }))
  const setSection = (i: number, patch: Partial<SectionDraft>) =>
    setDraft((d) => ({ ...d, sections: d.sections.map((s, j) => (j === i ? { ...s, ...patch } : s)) }))
  const move = (i: number, by: -1 | 1) =>
    setDraft((d) => {
      const sections = [...d.sections]
      const [s] = sections.splice(i, 1)
      sections.splice(i + by, 0, s!)
      return { ...d, sections }
    })
  const remove = (i: number) => setDraft((d) => ({ ...d, sections: d.sections.filter((_, j) => j !== i) }))

  // The server names the field it refuses; the section it names is marked too.
  const serverField = save.error instanceof ApiError ? save.error.field : null
  const invalid = (field: string) => (serverField === field || local === field ? true : undefined)

  const submit = (e: FormEvent) => {
    e.preventDefault()
    setLocal(null)
    if (!/^\d+$/.test(draft.areaId)) return setLocal('areaId')
    const opensAt = new Date(draft.opensAt)
    const closesAt = new Date(draft.closesAt)
    if (Number.isNaN(opensAt.getTime())) return setLocal('opensAt')
    if (Number.isNaN(closesAt.getTime()) || closesAt <= opensAt) return setLocal('closesAt')
    save.mutate({
      areaId: Number(draft.areaId),
      kind: draft.kind,
      title: draft.title,
      summary: draft.summary,
      opensAt: opensAt.toISOString(),
      closesAt: closesAt.toISOString(),
      verifiedOnly: draft.verifiedOnly,
      sections: draft.sections.map((s) => ({ heading: s.heading, body: s.body })),
    })
  }

  return (
    <form className="card consultation-editor" onSubmit={submit} noValidate>
      <div className="consultation-form-grid">
        <label className="field" htmlFor={`${uid}-area`}>
          <span>{t(`${K}.fields.areaId`)}</span>
          <AreaSelect
            id={`${uid}-area`}
            value={draft.areaId}
            onChange={(v) => set({ areaId: v })}
            maxLevel="community"
            emptyLabel={t(`${K}.editor.chooseArea`)}
            testId="consultation-area"
            required
          />
        </label>
        <label className="field" htmlFor={`${uid}-kind`}>
          <span>{t(`${K}.fields.kind`)}</span>
          <select
            id={`${uid}-kind`}
            value={draft.kind}
            onChange={(e) => set({ kind: CONSULTATION_KINDS.find((k) => k === e.target.value) ?? 'policy' })}
            data-testid="consultation-kind"
          >
            {CONSULTATION_KINDS.map((k) => (
              <option key={k} value={k}>
                {t(`${K}.kinds.${k}`)}
              </option>
            ))}
          </select>
        </label>
      </div>
      <label className="field" htmlFor={`${uid}-title`}>
        <span>{t(`${K}.fields.title`)}</span>
        <input
          id={`${uid}-title`}
          value={draft.title}
          maxLength={200}
          required
          aria-invalid={invalid('title')}
          onChange={(e) => set({ title: e.target.value })}
          data-testid="consultation-title-input"
        />
      </label>
      <label className="field" htmlFor={`${uid}-summary`}>
        <span>{t(`${K}.fields.summary`)}</span>
        <textarea
          id={`${uid}-summary`}
          rows={3}
          value={draft.summary}
          maxLength={4000}
          required
          aria-invalid={invalid('summary')}
          onChange={(e) => set({ summary: e.target.value })}
          data-testid="consultation-summary-input"
        />
      </label>
      <div className="consultation-form-grid">
        <label className="field" htmlFor={`${uid}-opens`}>
          <span>{t(`${K}.fields.opensAt`)}</span>
          <input
            id={`${uid}-opens`}
            type="datetime-local"
            value={draft.opensAt}
            aria-invalid={invalid('opensAt')}
            onChange={(e) => set({ opensAt: e.target.value })}
            data-testid="consultation-opens"
          />
        </label>
        <label className="field" htmlFor={`${uid}-closes`}>
          <span>{t(`${K}.fields.closesAt`)}</span>
          <input
            id={`${uid}-closes`}
            type="datetime-local"
            value={draft.closesAt}
            aria-invalid={invalid('closesAt')}
            onChange={(e) => set({ closesAt: e.target.value })}
            data-testid="consultation-closes"
          />
        </label>
      </div>
      <label className="check">
        <input
          type="checkbox"
          checked={draft.verifiedOnly}
          onChange={(e) => set({ verifiedOnly: e.target.checked })}
          data-testid="consultation-verified-only"
        />
        {t(`${K}.fields.verifiedOnly`)}
      </label>

      <fieldset className="consultation-editor-sections">
        <legend>{t(`${K}.editor.sections`, { count: draft.sections.length })}</legend>
        <ol>
          {draft.sections.map((s, i) => (
            <li key={s.key} className="consultation-editor-section" data-testid="consultation-editor-section">
              <div className="consultation-editor-section-head">
                <strong>{t(`${K}.editor.sectionN`, { n: i + 1 })}</strong>
                <div className="consultation-editor-section-buttons">
                  <button
                    type="button"
                    className="btn btn-small"
                    disabled={i === 0}
                    onClick={() => move(i, -1)}
                    aria-label={t(`${K}.editor.up`, { n: i + 1 })}
                    data-testid="consultation-section-up"
                  >
                    ↑
                  </button>
                  <button
                    type="button"
                    className="btn btn-small"
                    disabled={i === draft.sections.length - 1}
                    onClick={() => move(i, 1)}
                    aria-label={t(`${K}.editor.down`, { n: i + 1 })}
                    data-testid="consultation-section-down"
                  >
                    ↓
                  </button>
                  <button
                    type="button"
                    className="btn btn-small"
                    disabled={draft.sections.length === 1}
                    onClick={() => remove(i)}
                    aria-label={t(`${K}.editor.remove`, { n: i + 1 })}
                    data-testid="consultation-section-remove"
                  >
                    {t(`${K}.editor.removeShort`)}
                  </button>
                </div>
              </div>
              <label className="field" htmlFor={`${uid}-h${s.key}`}>
                <span>{t(`${K}.fields.section.heading`, { n: i + 1 })}</span>
                <input
                  id={`${uid}-h${s.key}`}
                  value={s.heading}
                  maxLength={200}
                  aria-invalid={invalid(`sections[${i}].heading`)}
                  onChange={(e) => setSection(i, { heading: e.target.value })}
                  data-testid="consultation-section-heading"
                />
              </label>
              <label className="field" htmlFor={`${uid}-b${s.key}`}>
                <span>{t(`${K}.fields.section.body`, { n: i + 1 })}</span>
                <textarea
                  id={`${uid}-b${s.key}`}
                  rows={4}
                  value={s.body}
                  maxLength={20000}
                  aria-invalid={invalid(`sections[${i}].body`)}
                  onChange={(e) => setSection(i, { body: e.target.value })}
                  data-testid="consultation-section-body"
                />
              </label>
            </li>
          ))}
        </ol>
        <button
          type="button"
          className="btn btn-small"
          disabled={draft.sections.length >= MAX_SECTIONS}
          onClick={() => setDraft((d) => ({ ...d, sections: [...d.sections, section()] }))}
          data-testid="consultation-section-add"
        >
          {t(`${K}.editor.add`)}
        </button>
      </fieldset>

      {local && (
        <div className="error-banner" role="alert" data-testid="consultation-editor-local-error">
          <span>{t(`${K}.editor.check.${local}`)}</span>
        </div>
      )}
      <Problem error={save.error} testId="consultation-editor-error" />
      <div className="form-buttons">
        <button type="submit" className="btn btn-primary" disabled={save.isPending} data-testid="consultation-save">
          {id ? t(`${K}.editor.save`) : t(`${K}.editor.create`)}
        </button>
      </div>
    </form>
  )
}
