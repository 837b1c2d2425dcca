import { keepPreviousData, useMutation, useQuery } from '@tanstack/react-query'
import { useId, useMemo, useState, type FormEvent, type ReactNode } from 'react'
import { useTranslation } from 'react-i18next'
import { ApiError } from '../../../api'
import { queries } from '../../../api/queries'
import { newIdempotencyKey } from '../../../caseUtils'
import { AreaSelect } from '../../../components/AreaSelect'
import { Pager } from '../../../components/Pager'
import { QueryStatus } from '../../../components/QueryStatus'
import { errorText, localName } from '../../../i18n'
import { navigate, routes } from '../../../router'
import type { User } from '../../../types'
import { catalogueApi, catalogueQueries, serviceChanged, type ServiceDetail, type ServiceEdit } from './api'
import { ServiceCard } from './CatalogueList'
import { CatalogueNav, PAGE_SIZE, Problem, Required, ServiceBadge, useAreaName } from './common'
import {
  AGE,
  CATEGORIES,
  DOCUMENT_TYPES,
  FIELD_TYPES,
  HOUSEHOLD,
  KEY_PATTERN,
  PERSON_STATUSES,
  RESIDENCE_STATUSES,
  RULE_FIELDS,
  RULE_OPS,
  TAGS,
  blankRule,
  pick,
  type Category,
  ruleText,
  type DocumentSpec,
  type FieldType,
  type FormField,
  type Rule,
  type RuleField,
} from './definitions'

/** The catalogue as staff keep it: every service of their areas, drafts and suspended ones too. */
export function EditorList({ user }: { user: User }) {
  const { t } = useTranslation()
  const [status, setStatus] = useState('')
  const [page, setPage] = useState(1)
  const list = useQuery({
    ...catalogueQueries.list({
      status: (status || undefined) as 'draft' | 'active' | 'suspended' | undefined,
      page,
      pageSize: PAGE_SIZE,
    }),
    placeholderData: keepPreviousData,
  })
  const data = list.data
  return (
    <div className="catalogue-editor-list" data-testid="catalogue-editor-list">
      <CatalogueNav user={user} current="editor" />
      <div className="catalogue-toolbar">
        <p className="muted">{t('services.catalogue.editor.intro')}</p>
        <a className="btn btn-primary" href={routes.services('catalogue', 'editor', 'new')} data-testid="service-new">
          {t('services.catalogue.editor.new')}
        </a>
      </div>
      <div className="card catalogue-filters">
        <label className="inline-field">
          <span>{t('services.catalogue.editor.status')}</span>
          <select
            data-testid="editor-filter-status"
            value={status}
            onChange={(e) => {
              setStatus(e.target.value)
              setPage(1)
            }}
          >
            <option value="">{t('services.catalogue.editor.allStates')}</option>
            {(['draft', 'active', 'suspended'] as const).map((s) => (
              <option key={s} value={s}>
                {t(`services.catalogue.serviceStates.${s}`)}
              </option>
            ))}
          </select>
        </label>
      </div>
      <QueryStatus query={list} />
      {data && data.items.length === 0 && <p className="muted empty">{t('services.catalogue.list.empty')}</p>}
      {data && data.items.length > 0 && (
        <ul className="service-cards">
          {data.items.map((s) => (
            <ServiceCard key={s.id} service={s} editor />
          ))}
        </ul>
      )}
      {data && <Pager page={data.page} pageSize={data.pageSize} total={data.total} onPage={setPage} />}
    </div>
  )
}

/** A service to edit: loads it, then the editor. */
export function EditService({ id, user }: { id: number; user: User }) {
  const service = useQuery(catalogueQueries.detail(id))
  return (
    <div data-testid="service-editor-page">
      <CatalogueNav user={user} current="editor" />
      <QueryStatus query={service} />
      {service.data && <ServiceEditor key={`${service.data.id}-${service.data.version}`} service={service.data} />}
    </div>
  )
}

export function NewService({ user }: { user: User }) {
  return (
    <div data-testid="service-editor-page">
      <CatalogueNav user={user} current="editor" />
      <ServiceEditor service={null} />
    </div>
  )
}

interface Draft {
  areaId: string
  code: string
  category: Category
  name: string
  description: string
  reviewDays: string
  deliveryDays: string
  departmentId: string
  /** Kept as it is: the editor has no organisation picker yet. */
  organisationId: number | null
  hours: string
  rules: Rule[]
  documents: DocumentSpec[]
  form: FormField[]
}

function draftOf(s: ServiceDetail | null): Draft {
  return {
    areaId: s ? String(s.areaId) : '',
    code: s?.code ?? '',
    category: s?.category ?? 'elderly_care',
    name: s?.name ?? '',
    description: s?.description ?? '',
    reviewDays: String(s?.reviewDays ?? 5),
    deliveryDays: String(s?.deliveryDays ?? 10),
    departmentId: s?.departmentId ? String(s.departmentId) : '',
    organisationId: s?.organisationId ?? null,
    hours: s?.timeBankHours != null ? String(s.timeBankHours) : '',
    rules: (s?.eligibility ?? []).map((r) => ({ ...r })),
    documents: (s?.documents ?? []).map((d) => ({ ...d })),
    form: (s?.form ?? []).map((f) => ({
      key: f.key,
      label: f.label,
      type: f.type,
      required: f.required,
      ...(f.options?.length ? { options: f.options } : {}),
      ...(f.max ? { max: f.max } : {}),
    })),
  }
}

/** What the editor sends: numbers as numbers, an area rule's area as its id. */
function editOf(d: Draft): ServiceEdit {
  return {
    category: d.category,
    name: d.name.trim(),
    description: d.description.trim(),
    eligibility: d.rules.map((r) => ({
      field: r.field,
      op: r.op,
      value: Array.isArray(r.value) ? r.value.map(String) : Number(r.value),
    })),
    documents: d.documents.map((x) => ({
      key: x.key.trim(),
      label: x.label.trim(),
      required: x.required,
      ...(x.types?.length ? { types: x.types } : {}),
    })),
    form: d.form.map((f) => ({
      key: f.key.trim(),
      label: f.label.trim(),
      type: f.type,
      required: f.required,
      ...(f.type === 'choice' ? { options: (f.options ?? []).map((o) => o.trim()).filter(Boolean) } : {}),
      ...(f.max && f.type !== 'choice' && f.type !== 'boolean' && f.type !== 'date' ? { max: f.max } : {}),
    })),
    reviewDays: Number(d.reviewDays),
    deliveryDays: Number(d.deliveryDays),
    departmentId: d.departmentId ? Number(d.departmentId) : null,
    organisationId: d.organisationId,
    timeBankHours: d.hours.trim() ? Number(d.hours) : null,
  }
}

/** The first thing the editor itself can tell is wrong, as the server would name it. */
function localProblem(d: Draft, isNew: boolean): string | null {
  if (isNew && !d.areaId) return 'areaId'
  if (isNew && !/^[A-Za-z0-9-]{2,40}$/.test(d.code)) return 'code'
  if (d.name.trim().length < 2) return 'name'
  if (!d.description.trim()) return 'description'
  const days = (v: string, max: number) => /^\d+$/.test(v) && Number(v) >= 1 && Number(v) <= max
  if (!days(d.reviewDays, 90)) return 'reviewDays'
  if (!days(d.deliveryDays, 365)) return 'deliveryDays'
  if (d.hours.trim() && !(Number(d.hours) >= 0.25 && Number(d.hours) <= 1000)) return 'timeBankHours'
  for (const [i, r] of d.rules.entries()) {
    if (Array.isArray(r.value) ? r.value.length === 0 : r.value === '') return `eligibility.${i}`
  }
  for (const [i, x] of d.documents.entries()) {
    if (!KEY_PATTERN.test(x.key)) return `documents.${i}.key`
    if (!x.label.trim()) return `documents.${i}.label`
  }
  for (const [i, f] of d.form.entries()) {
    if (!KEY_PATTERN.test(f.key)) return `form.${i}.key`
    if (!f.label.trim()) return `form.${i}.label`
    if (f.type === 'choice' && !(f.options ?? []).some((o) => o.trim())) return `form.${i}.options`
  }
  return null
}

function ServiceEditor({ service }: { service: ServiceDetail | null }) {
  const { t, i18n } = useTranslation()
  const lng = i18n.language
  const isNew = service === null
  const [draft, setDraft] = useState<Draft>(() => draftOf(service))
  const [key, setKey] = useState(newIdempotencyKey)
  const [problem, setProblem] = useState<ApiError | null>(null)
  const departments = useQuery(queries.departments())
  const ids = {
    area: useId(),
    code: useId(),
    category: useId(),
    name: useId(),
    desc: useId(),
    review: useId(),
    delivery: useId(),
    dept: useId(),
    hours: useId(),
  }
  const set = (patch: Partial<Draft>) => {
    setDraft((d) => ({ ...d, ...patch }))
    setProblem(null)
  }

  const save = useMutation({
    mutationFn: (activate: boolean) =>
      service
        ? catalogueApi.update(service.id, { ...editOf(draft), version: service.version })
        : catalogueApi.create(
            {
              ...editOf(draft),
              areaId: Number(draft.areaId),
              code: draft.code.trim(),
              status: activate ? 'active' : 'draft',
            },
            key,
          ),
    onSuccess: async (saved) => {
      setKey(newIdempotencyKey())
      await serviceChanged(saved)
      if (isNew) navigate('services', 'catalogue', 'editor', saved.id)
    },
  })
  const toggle = useMutation({
    mutationFn: (action: 'activate' | 'suspend') => catalogueApi.switch(service!.id, action, service!.version),
    onSuccess: (saved) => serviceChanged(saved),
  })

  const submit = (e: FormEvent, activate = false) => {
    e.preventDefault()
    if (save.isPending) return
    const bad = localProblem(draft, isNew)
    if (bad) return setProblem(new ApiError(0, 'VALIDATION_FAILED', '', bad))
    setProblem(null)
    save.mutate(activate)
  }
  const error = problem ?? save.error
  const errorField = error instanceof ApiError ? error.field : null
  const at = (field: string) => errorField === field
  const under = (field: string): ReactNode =>
    at(field) ? (
      <span className="field-error" data-testid={`editor-error-${field}`} role="alert">
        {problem ? t('services.catalogue.editor.invalid') : errorText(error)}
      </span>
    ) : null
  const fieldsNamed =
    /^(areaId|code|name|description|reviewDays|deliveryDays|timeBankHours|departmentId|eligibility\.|documents\.|form\.)/.test(
      errorField ?? '',
    )

  return (
    <form className="service-editor" data-testid="service-editor" onSubmit={(e) => submit(e)} noValidate>
      <div className="catalogue-toolbar">
        <h2>{isNew ? t('services.catalogue.editor.createTitle') : t('services.catalogue.editor.editTitle')}</h2>
        {service && <ServiceBadge status={service.status} />}
        {service && (
          <a className="btn btn-small" href={routes.services('catalogue', service.id)} data-testid="editor-view">
            {t('services.catalogue.editor.view')}
          </a>
        )}
      </div>

      <section className="card">
        <h3>{t('services.catalogue.editor.basics')}</h3>
        {isNew && (
          <div className="field">
            <label htmlFor={ids.area}>
              <span>
                {t('services.catalogue.editor.area')} <Required />
              </span>
            </label>
            <AreaSelect
              id={ids.area}
              value={draft.areaId}
              onChange={(v) => set({ areaId: v })}
              maxLevel="community"
              emptyLabel={t('services.catalogue.editor.chooseArea')}
              testId="editor-area"
              required
            />
            {under('areaId')}
          </div>
        )}
        {isNew && (
          <div className="field">
            <label htmlFor={ids.code}>
              <span>
                {t('services.catalogue.editor.code')} <Required />
              </span>
            </label>
            <input
              id={ids.code}
              data-testid="editor-code"
              maxLength={40}
              value={draft.code}
              placeholder="GH-ELDERLY-MEALS"
              onChange={(e) => set({ code: e.target.value })}
            />
            <span className="muted hint">{t('services.catalogue.editor.codeHint')}</span>
            {under('code')}
          </div>
        )}
        <div className="field">
          <label htmlFor={ids.name}>
            <span>
              {t('services.catalogue.editor.name')} <Required />
            </span>
          </label>
          <input
            id={ids.name}
            data-testid="editor-name"
            maxLength={100}
            value={draft.name}
            onChange={(e) => set({ name: e.target.value })}
          />
          {under('name')}
        </div>
        <div className="field">
          <label htmlFor={ids.category}>
            <span>{t('services.catalogue.editor.category')}</span>
          </label>
          <select
            id={ids.category}
            data-testid="editor-category"
            value={draft.category}
            onChange={(e) => set({ category: pick(CATEGORIES, e.target.value) ?? draft.category })}
          >
            {CATEGORIES.map((c) => (
              <option key={c} value={c}>
                {t(`services.catalogue.categories.${c}`)}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor={ids.desc}>
            <span>
              {t('services.catalogue.editor.description')} <Required />
            </span>
          </label>
          <textarea
            id={ids.desc}
            data-testid="editor-description"
            rows={4}
            maxLength={4000}
            value={draft.description}
            onChange={(e) => set({ description: e.target.value })}
          />
          {under('description')}
        </div>
        <div className="editor-row">
          <div className="field">
            <label htmlFor={ids.review}>
              <span>{t('services.catalogue.editor.reviewDays')}</span>
            </label>
            <input
              id={ids.review}
              type="number"
              min={1}
              max={90}
              data-testid="editor-review-days"
              value={draft.reviewDays}
              onChange={(e) => set({ reviewDays: e.target.value })}
            />
            {under('reviewDays')}
          </div>
          <div className="field">
            <label htmlFor={ids.delivery}>
              <span>{t('services.catalogue.editor.deliveryDays')}</span>
            </label>
            <input
              id={ids.delivery}
              type="number"
              min={1}
              max={365}
              data-testid="editor-delivery-days"
              value={draft.deliveryDays}
              onChange={(e) => set({ deliveryDays: e.target.value })}
            />
            {under('deliveryDays')}
          </div>
          <div className="field">
            <label htmlFor={ids.hours}>
              <span>{t('services.catalogue.editor.hours')}</span>
            </label>
            <input
              id={ids.hours}
              type="number"
              min={0.25}
              max={1000}
              step={0.25}
              data-testid="editor-hours"
              value={draft.hours}
              onChange={(e) => set({ hours: e.target.value })}
            />
            <span className="muted hint">{t('services.catalogue.editor.hoursHint')}</span>
            {under('timeBankHours')}
          </div>
        </div>
        <div className="field">
          <label htmlFor={ids.dept}>
            <span>{t('services.catalogue.editor.department')}</span>
          </label>
          <select
            id={ids.dept}
            data-testid="editor-department"
            value={draft.departmentId}
            onChange={(e) => set({ departmentId: e.target.value })}
          >
            <option value="">{t('services.catalogue.editor.noDepartment')}</option>
            {(departments.data ?? []).map((d) => (
              <option key={d.id} value={d.id}>
                {localName(d, lng)}
              </option>
            ))}
          </select>
          {under('departmentId')}
        </div>
      </section>

      <RuleEditor rules={draft.rules} onChange={(rules) => set({ rules })} errorAt={under} />
      <DocumentsBuilder documents={draft.documents} onChange={(documents) => set({ documents })} errorAt={under} />
      <FormBuilder form={draft.form} onChange={(form) => set({ form })} errorAt={under} />

      {!fieldsNamed && <Problem error={error} testId="editor-error" />}
      {save.isSuccess && !save.isPending && (
        <p className="notice" role="status" data-testid="editor-saved">
          {t('services.catalogue.editor.saved')}
        </p>
      )}
      <div className="form-buttons">
        <button type="submit" className="btn btn-primary" data-testid="editor-save" disabled={save.isPending}>
          {isNew ? t('services.catalogue.editor.saveDraft') : t('services.catalogue.editor.save')}
        </button>
        {isNew && (
          <button
            type="button"
            className="btn"
            data-testid="editor-save-activate"
            disabled={save.isPending}
            onClick={(e) => submit(e, true)}
          >
            {t('services.catalogue.editor.saveActive')}
          </button>
        )}
        {service?.allowedActions.map((action) => (
          <button
            key={action}
            type="button"
            className={`btn${action === 'suspend' ? ' btn-danger' : ''}`}
            data-testid={`editor-${action}`}
            disabled={toggle.isPending}
            onClick={() => toggle.mutate(action)}
          >
            {t(`services.catalogue.editor.${action}`)}
          </button>
        ))}
      </div>
      <Problem error={toggle.error} testId="editor-toggle-error" />
    </form>
  )
}

type ErrorAt = (field: string) => ReactNode

function Rows<T>({
  title,
  hint,
  items,
  render,
  onAdd,
  addLabel,
  testId,
  empty,
}: {
  title: string
  hint: string
  items: T[]
  render: (item: T, i: number) => ReactNode
  onAdd: () => void
  addLabel: string
  testId: string
  empty: string
}) {
  const headingId = useId()
  return (
    <section className="card builder" aria-labelledby={headingId} data-testid={testId}>
      <h3 id={headingId}>{title}</h3>
      <p className="muted hint">{hint}</p>
      {items.length === 0 ? <p className="muted">{empty}</p> : <ol className="builder-rows">{items.map(render)}</ol>}
      <button type="button" className="btn btn-small" onClick={onAdd} data-testid={`${testId}-add`}>
        {addLabel}
      </button>
    </section>
  )
}

const replace = <T,>(list: T[], i: number, item: T) => list.map((x, j) => (j === i ? item : x))
const without = <T,>(list: T[], i: number) => list.filter((_, j) => j !== i)
const toggled = <T,>(list: readonly T[], v: T) => (list.includes(v) ? list.filter((x) => x !== v) : [...list, v])

/** Rows of field / operator / value, each value with a widget fitting its field, and the rule in plain words. */
function RuleEditor({ rules, onChange, errorAt }: { rules: Rule[]; onChange: (r: Rule[]) => void; errorAt: ErrorAt }) {
  const { t } = useTranslation()
  return (
    <Rows
      title={t('services.catalogue.editor.rules')}
      hint={t('services.catalogue.editor.rulesHint')}
      empty={t('services.catalogue.service.rulesNone')}
      items={rules}
      testId="rule-editor"
      addLabel={t('services.catalogue.editor.addRule')}
      onAdd={() => onChange([...rules, blankRule('age')])}
      render={(r, i) => (
        <RuleRow
          key={i}
          index={i}
          rule={r}
          onChange={(next) => onChange(replace(rules, i, next))}
          onRemove={() => onChange(without(rules, i))}
          error={errorAt(`eligibility.${i}`)}
        />
      )}
    />
  )
}

function RuleRow({
  index,
  rule: r,
  onChange,
  onRemove,
  error,
}: {
  index: number
  rule: Rule
  onChange: (r: Rule) => void
  onRemove: () => void
  error: ReactNode
}) {
  const { t } = useTranslation()
  const areaName = useAreaName()
  const fieldId = useId()
  const opId = useId()
  const valueId = useId()
  const values = Array.isArray(r.value) ? (r.value as string[]) : []
  const choices = (all: readonly string[], prefix: string) => (
    <fieldset className="checks rule-values" aria-labelledby={valueId}>
      <legend id={valueId} className="visually-hidden">
        {t('services.catalogue.editor.ruleValue')}
      </legend>
      {all.map((v) => (
        <label key={v} className="check">
          <input
            type="checkbox"
            data-testid={`rule-value-${v}`}
            checked={values.includes(v)}
            onChange={() => onChange({ ...r, value: toggled(values, v) })}
          />
          {t(`${prefix}.${v}`)}
        </label>
      ))}
    </fieldset>
  )
  const valueWidget = () => {
    switch (r.field) {
      case 'age':
      case 'household_size': {
        const range = r.field === 'age' ? AGE : HOUSEHOLD
        return (
          <label className="inline-field">
            <span>{t(`services.catalogue.editor.ruleUnit.${r.field}`)}</span>
            <input
              type="number"
              min={range.min}
              max={range.max}
              data-testid="rule-value-number"
              value={String(r.value)}
              onChange={(e) => onChange({ ...r, value: e.target.value === '' ? '' : Number(e.target.value) })}
            />
          </label>
        )
      }
      case 'tags':
        return choices(TAGS, 'services.catalogue.tags')
      case 'residence_status':
        return choices(RESIDENCE_STATUSES, 'services.catalogue.residence')
      case 'status':
        return choices(PERSON_STATUSES, 'services.catalogue.personStatus')
      case 'area':
        return (
          <div className="inline-field">
            <label htmlFor={valueId}>{t('services.catalogue.editor.ruleArea')}</label>
            <AreaSelect
              id={valueId}
              value={r.value === '' ? '' : String(r.value)}
              onChange={(v) => onChange({ ...r, value: v === '' ? '' : Number(v) })}
              maxLevel="community"
              emptyLabel={t('services.catalogue.editor.chooseArea')}
              testId="rule-value-area"
            />
          </div>
        )
    }
  }
  const complete = Array.isArray(r.value) ? r.value.length > 0 : r.value !== ''
  return (
    <li className="builder-row rule-row" data-testid="rule-row" data-index={index} data-field={r.field}>
      <div className="builder-controls">
        <label className="inline-field" htmlFor={fieldId}>
          <span>{t('services.catalogue.editor.ruleField')}</span>
        </label>
        <select
          id={fieldId}
          data-testid="rule-field"
          value={r.field}
          onChange={(e) => onChange(blankRule(e.target.value as RuleField))}
        >
          {RULE_FIELDS.map((f) => (
            <option key={f} value={f}>
              {t(`services.catalogue.rules.fields.${f}`)}
            </option>
          ))}
        </select>
        <label className="inline-field" htmlFor={opId}>
          <span>{t('services.catalogue.editor.ruleOp')}</span>
        </label>
        <select
          id={opId}
          data-testid="rule-op"
          value={r.op}
          onChange={(e) => onChange({ ...r, op: pick(RULE_OPS[r.field], e.target.value) ?? r.op })}
        >
          {RULE_OPS[r.field].map((op) => (
            <option key={op} value={op}>
              {t(`services.catalogue.rules.ops.${op}`)}
            </option>
          ))}
        </select>
        <button type="button" className="btn btn-small btn-danger" data-testid="rule-remove" onClick={onRemove}>
          {t('services.catalogue.editor.remove')}
        </button>
      </div>
      {valueWidget()}
      {complete && (
        <p className="muted rule-preview" data-testid="rule-preview">
          {ruleText(t, r, areaName)}
        </p>
      )}
      {error}
    </li>
  )
}

function DocumentsBuilder({
  documents,
  onChange,
  errorAt,
}: {
  documents: DocumentSpec[]
  onChange: (d: DocumentSpec[]) => void
  errorAt: ErrorAt
}) {
  const { t } = useTranslation()
  return (
    <Rows
      title={t('services.catalogue.editor.documents')}
      hint={t('services.catalogue.editor.documentsHint')}
      empty={t('services.catalogue.service.documentsNone')}
      items={documents}
      testId="documents-builder"
      addLabel={t('services.catalogue.editor.addDocument')}
      onAdd={() => onChange([...documents, { key: `doc_${documents.length + 1}`, label: '', required: true }])}
      render={(d, i) => (
        <li key={i} className="builder-row" data-testid="document-row" data-index={i}>
          <div className="builder-controls">
            <TextCell
              label={t('services.catalogue.editor.key')}
              value={d.key}
              testId="document-key"
              max={40}
              onChange={(key) => onChange(replace(documents, i, { ...d, key }))}
            />
            <TextCell
              label={t('services.catalogue.editor.label')}
              value={d.label}
              testId="document-label"
              max={100}
              onChange={(label) => onChange(replace(documents, i, { ...d, label }))}
            />
            <label className="check">
              <input
                type="checkbox"
                data-testid="document-required"
                checked={d.required}
                onChange={(e) => onChange(replace(documents, i, { ...d, required: e.target.checked }))}
              />
              {t('services.catalogue.editor.requiredField')}
            </label>
            <button
              type="button"
              className="btn btn-small btn-danger"
              data-testid="document-remove"
              onClick={() => onChange(without(documents, i))}
            >
              {t('services.catalogue.editor.remove')}
            </button>
          </div>
          <fieldset className="checks">
            <legend className="muted">{t('services.catalogue.editor.types')}</legend>
            {DOCUMENT_TYPES.map((type) => (
              <label key={type} className="check">
                <input
                  type="checkbox"
                  checked={d.types?.includes(type) ?? false}
                  onChange={() => {
                    const types = toggled(d.types ?? [], type)
                    const { types: _drop, ...rest } = d
                    onChange(replace(documents, i, types.length ? { ...rest, types } : rest))
                  }}
                />
                {t(`services.catalogue.editor.typeNames.${type.split('/')[1]}`)}
              </label>
            ))}
          </fieldset>
          {errorAt(`documents.${i}.key`)}
          {errorAt(`documents.${i}.label`)}
          {errorAt(`documents.${i}`)}
        </li>
      )}
    />
  )
}

function FormBuilder({
  form,
  onChange,
  errorAt,
}: {
  form: FormField[]
  onChange: (f: FormField[]) => void
  errorAt: ErrorAt
}) {
  const { t } = useTranslation()
  return (
    <Rows
      title={t('services.catalogue.editor.form')}
      hint={t('services.catalogue.editor.formHint')}
      empty={t('services.catalogue.editor.formNone')}
      items={form}
      testId="form-builder"
      addLabel={t('services.catalogue.editor.addField')}
      onAdd={() => onChange([...form, { key: `field_${form.length + 1}`, label: '', type: 'text', required: false }])}
      render={(f, i) => (
        <FieldRow
          key={i}
          index={i}
          field={f}
          onChange={(next) => onChange(replace(form, i, next))}
          onRemove={() => onChange(without(form, i))}
          errorAt={errorAt}
        />
      )}
    />
  )
}

function FieldRow({
  index: i,
  field: f,
  onChange,
  onRemove,
  errorAt,
}: {
  index: number
  field: FormField
  onChange: (f: FormField) => void
  onRemove: () => void
  errorAt: ErrorAt
}) {
  const { t } = useTranslation()
  const typeId = useId()
  const optionsText = useMemo(() => (f.options ?? []).join('\n'), [f.options])
  return (
    <li className="builder-row" data-testid="field-row" data-index={i}>
      <div className="builder-controls">
        <TextCell
          label={t('services.catalogue.editor.key')}
          value={f.key}
          testId="field-key"
          max={40}
          onChange={(key) => onChange({ ...f, key })}
        />
        <TextCell
          label={t('services.catalogue.editor.label')}
          value={f.label}
          testId="field-label"
          max={100}
          onChange={(label) => onChange({ ...f, label })}
        />
        <label className="inline-field" htmlFor={typeId}>
          <span>{t('services.catalogue.editor.fieldType')}</span>
        </label>
        <select
          id={typeId}
          data-testid="field-type"
          value={f.type}
          onChange={(e) => {
            const type = e.target.value as FieldType
            const { options: _o, max: _m, ...rest } = f
            onChange(type === 'choice' ? { ...rest, type, options: f.options ?? [] } : { ...rest, type })
          }}
        >
          {FIELD_TYPES.map((type) => (
            <option key={type} value={type}>
              {t(`services.catalogue.editor.fieldTypes.${type}`)}
            </option>
          ))}
        </select>
        <label className="check">
          <input
            type="checkbox"
            data-testid="field-required"
            checked={f.required}
            onChange={(e) => onChange({ ...f, required: e.target.checked })}
          />
          {t('services.catalogue.editor.requiredField')}
        </label>
        <button type="button" className="btn btn-small btn-danger" data-testid="field-remove" onClick={onRemove}>
          {t('services.catalogue.editor.remove')}
        </button>
      </div>
      {f.type === 'choice' && (
        <label className="field">
          <span>{t('services.catalogue.editor.options')}</span>
          <textarea
            rows={3}
            data-testid="field-options"
            defaultValue={optionsText}
            onBlur={(e) =>
              onChange({
                ...f,
                options: e.target.value
                  .split('\n')
                  .map((o) => o.trim())
                  .filter(Boolean),
              })
            }
          />
        </label>
      )}
      {(f.type === 'text' || f.type === 'number') && (
        <label className="inline-field">
          <span>
            {f.type === 'text' ? t('services.catalogue.editor.maxLength') : t('services.catalogue.editor.maxValue')}
          </span>
          <input
            type="number"
            min={1}
            max={100000}
            data-testid="field-max"
            value={f.max ?? ''}
            onChange={(e) => {
              const { max: _m, ...rest } = f
              onChange(e.target.value ? { ...rest, max: Number(e.target.value) } : rest)
            }}
          />
        </label>
      )}
      {errorAt(`form.${i}.key`)}
      {errorAt(`form.${i}.label`)}
      {errorAt(`form.${i}.options`)}
      {errorAt(`form.${i}`)}
    </li>
  )
}

function TextCell({
  label,
  value,
  onChange,
  testId,
  max,
}: {
  label: string
  value: string
  onChange: (v: string) => void
  testId: string
  max: number
}) {
  return (
    <label className="inline-field">
      <span>{label}</span>
      <input data-testid={testId} maxLength={max} value={value} onChange={(e) => onChange(e.target.value)} />
    </label>
  )
}
