import { useMutation, useQuery } from '@tanstack/react-query'
import { useId, useState, type FormEvent } from 'react'
import { useTranslation } from 'react-i18next'
import { ApiError } from '../../../api/client'
import { queries } from '../../../api/queries'
import { QueryStatus } from '../../../components/QueryStatus'
import { errorText, localName } from '../../../i18n'
import { navigate, routes } from '../../../router'
import type { Category } from '../../../types'
import {
  type Finding,
  type ModelCase,
  type ModelCasePatch,
  modelQueries,
  modelsApi,
  modelsChanged,
  TEXT_FIELDS,
} from './api'
import { StatusBadge } from './common'

/** The editor of a model case the caller keeps: loads it first. */
export function ModelCaseEditor({ id }: { id: number }) {
  const detail = useQuery(modelQueries.detail(id))
  return (
    <>
      <QueryStatus query={detail} />
      {detail.data && <EditorForm initial={detail.data} />}
    </>
  )
}

type Fields = Record<(typeof TEXT_FIELDS)[number], string> & { tags: string; categoryId: string }

const fieldsOf = (m: ModelCase): Fields => ({
  title: m.title,
  problem: m.problem,
  method: m.method,
  result: m.result,
  lessons: m.lessons,
  tags: m.tags.join('，'),
  categoryId: m.category ? String(m.category.id) : '',
})

const tagsOf = (s: string) => [
  ...new Set(
    s
      .split(/[,，、\s]+/)
      .map((x) => x.trim())
      .filter(Boolean),
  ),
]

/**
 * The texts of a model case with the anonymisation check beside them: the findings of the last
 * check are listed and marked in the saved text of their field; "anonymise" replaces them with
 * masks on the server (names 某某, numbers in stars); publishing checks again and, when refused,
 * shows the server's findings. Every action saves unsaved edits first.
 */
function EditorForm({ initial }: { initial: ModelCase }) {
  const { t, i18n } = useTranslation()
  const [saved, setSaved] = useState(initial)
  const [fields, setFields] = useState<Fields>(() => fieldsOf(initial))
  const [findings, setFindings] = useState<Finding[]>(initial.findings ?? [])
  const [checked, setChecked] = useState(initial.checkedAt !== null)
  const [refused, setRefused] = useState(false)
  const categories = useQuery(queries.categories())
  const uid = useId()
  const ids: Record<string, string> = Object.fromEntries(
    [...TEXT_FIELDS, 'tags', 'category'].map((f) => [f, `${uid}-${f}`]),
  )
  const took = (m: ModelCase) => {
    setSaved(m)
    setFields(fieldsOf(m))
    setFindings(m.findings ?? [])
    setChecked(true)
  }
  const changes = (): ModelCasePatch | null => {
    const base = fieldsOf(saved)
    const patch: ModelCasePatch = { version: saved.version }
    let any = false
    for (const f of TEXT_FIELDS)
      if (fields[f] !== base[f]) {
        patch[f] = fields[f]
        any = true
      }
    if (fields.tags !== base.tags) {
      patch.tags = tagsOf(fields.tags)
      any = true
    }
    if (fields.categoryId !== base.categoryId) {
      patch.categoryId = fields.categoryId ? Number(fields.categoryId) : null
      any = true
    }
    return any ? patch : null
  }
  /** Saves unsaved edits (if any) and answers the model case as stored. */
  const saveFirst = async () => {
    const patch = changes()
    if (!patch) return saved
    const m = await modelsApi.update(saved.id, patch)
    took(m)
    return m
  }
  const act = useMutation({
    mutationFn: async (what: 'save' | 'check' | 'anonymise' | 'publish') => {
      setRefused(false)
      const m = await saveFirst()
      if (what === 'check') {
        const res = await modelsApi.check(m.id)
        setFindings(res.findings)
        setChecked(true)
      } else if (what === 'anonymise') took(await modelsApi.anonymise(m.id, m.version))
      else if (what === 'publish') {
        try {
          const done = await modelsApi.publish(m.id, m.version)
          await modelsChanged()
          navigate('training', 'models', done.id)
        } catch (err) {
          if (err instanceof ApiError && err.code === 'MODEL_CASE_PERSONAL_DATA') {
            setFindings((err.details?.findings as Finding[] | undefined) ?? [])
            setRefused(true)
          }
          throw err
        }
      }
      await modelsChanged()
    },
  })
  const submit = (e: FormEvent) => {
    e.preventDefault()
    if (!act.isPending) act.mutate('save')
  }
  const set = (f: keyof Fields) => (e: { target: { value: string } }) =>
    setFields((x) => ({ ...x, [f]: e.target.value }))
  const dirty = changes() !== null
  const byField = (f: string) => findings.filter((x) => x.field === f || (f === 'tags' && x.field.startsWith('tags.')))
  const savedText = (f: string) =>
    f.startsWith('tags.') ? (saved.tags[Number(f.slice(5))] ?? '') : String(saved[f as keyof ModelCase] ?? '')
  return (
    <form className="card tm-form" onSubmit={submit} noValidate data-testid="tm-editor" data-version={saved.version}>
      <a className="back-link" href={routes.training('models', saved.id)}>
        {t('training.models.backToCase')}
      </a>
      <h2>
        {t('training.models.editTitle')} <StatusBadge status={saved.status} />
      </h2>
      <section
        className={`tm-check${findings.length ? ' tm-check-bad' : ''}`}
        aria-live="polite"
        data-testid="tm-check"
      >
        <h3>{t('training.models.check.title')}</h3>
        {refused && (
          <p className="tm-refused" role="alert" data-testid="tm-refused">
            {t('training.models.check.refused')}
          </p>
        )}
        {!checked ? (
          <p className="muted">{t('training.models.check.never')}</p>
        ) : findings.length === 0 ? (
          <p className="tm-clean" data-testid="tm-clean">
            {t('training.models.check.clean')}
          </p>
        ) : (
          <ul className="tm-findings" data-testid="tm-findings">
            {findings.map((f) => (
              <li key={`${f.field}:${f.start}`} data-kind={f.kind} data-field={f.field}>
                <strong>{t(`training.models.check.kinds.${f.kind}`)}</strong>{' '}
                {t('training.models.check.inField', { field: t(`training.models.fields.${f.field.split('.')[0]}`) })}
                {': '}
                <code>{f.excerpt}</code>
              </li>
            ))}
          </ul>
        )}
        {dirty && checked && <p className="muted">{t('training.models.check.unsaved')}</p>}
      </section>
      {TEXT_FIELDS.map((f) => (
        <div key={f} className="tm-field">
          <label htmlFor={ids[f]}>{t(`training.models.fields.${f}`)}</label>
          {f === 'title' ? (
            <input id={ids[f]} value={fields[f]} maxLength={200} onChange={set(f)} data-testid={`tm-form-${f}`} />
          ) : (
            <textarea
              id={ids[f]}
              rows={f === 'lessons' ? 3 : 5}
              value={fields[f]}
              maxLength={20000}
              onChange={set(f)}
              aria-invalid={byField(f).length > 0}
              data-testid={`tm-form-${f}`}
            />
          )}
          <Marked text={savedText(f)} findings={byField(f)} />
        </div>
      ))}
      <div className="tm-form-grid">
        <span>
          <label htmlFor={ids.category}>{t('training.models.category')}</label>
          <select
            id={ids.category}
            value={fields.categoryId}
            onChange={set('categoryId')}
            data-testid="tm-form-category"
          >
            <option value="">{t('training.models.noCategory')}</option>
            {(categories.data ?? []).map((g: Category) => (
              <optgroup key={g.id} label={localName(g, i18n.language)}>
                {(g.children ?? []).map((c) => (
                  <option key={c.id} value={c.id}>
                    {localName(c, i18n.language)}
                  </option>
                ))}
              </optgroup>
            ))}
          </select>
        </span>
        <span>
          <label htmlFor={ids.tags}>{t('training.models.fields.tags')}</label>
          <input id={ids.tags} value={fields.tags} maxLength={230} onChange={set('tags')} data-testid="tm-form-tags" />
        </span>
      </div>
      {act.error && (
        <div className="error-banner" role="alert" data-testid="tm-error">
          {errorText(act.error, (f) => t(`training.models.fields.${f.split('.')[0]}`, { defaultValue: f }))}
        </div>
      )}
      <div className="tm-actions">
        <button type="submit" className="btn" disabled={act.isPending} data-testid="tm-save">
          {t('training.models.save')}
        </button>
        <button
          type="button"
          className="btn"
          disabled={act.isPending}
          onClick={() => act.mutate('check')}
          data-testid="tm-run-check"
        >
          {t('training.models.check.run')}
        </button>
        <button
          type="button"
          className="btn"
          disabled={act.isPending || findings.length === 0}
          onClick={() => act.mutate('anonymise')}
          data-testid="tm-anonymise"
        >
          {t('training.models.check.anonymise')}
        </button>
        {saved.status !== 'published' && (
          <button
            type="button"
            className="btn btn-primary"
            disabled={act.isPending}
            onClick={() => act.mutate('publish')}
            data-testid="tm-publish"
          >
            {t('training.models.publish')}
          </button>
        )}
      </div>
    </form>
  )
}

/** The saved text of a field with its findings marked, shown only when there are findings in it. */
function Marked({ text, findings }: { text: string; findings: Finding[] }) {
  const { t } = useTranslation()
  if (findings.length === 0) return null
  const parts: (string | { mark: string; kind: string })[] = []
  let at = 0
  for (const f of [...findings].sort((a, b) => a.start - b.start)) {
    if (f.start < at || f.end > text.length) continue
    parts.push(text.slice(at, f.start), { mark: f.excerpt, kind: f.kind })
    at = f.end
  }
  parts.push(text.slice(at))
  return (
    <p className="tm-marked" data-testid="tm-marked">
      <span className="visually-hidden">{t('training.models.check.marked')}</span>
      {parts.map((p, i) =>
        typeof p === 'string' ? (
          p
        ) : (
          // biome-ignore lint/suspicious/noArrayIndexKey: the pieces of one text in order
          <mark key={i} data-kind={p.kind} title={t(`training.models.check.kinds.${p.kind}`)}>
            {p.mark}
          </mark>
        ),
      )}
    </p>
  )
}
