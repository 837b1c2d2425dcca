// The application form rendered from a service's form definition: text, number, date, choice and
// yes/no fields, required ones marked, and the server's complaint shown under the field it names
// (`form.<key>`).
import { useId } from 'react'
import { useTranslation } from 'react-i18next'
import { ApiError } from '../../../api'
import { errorText } from '../../../i18n'
import { Required } from './common'
import type { FormField } from './definitions'

export type Answers = Record<string, string | boolean>

/** The answers as the server takes them: numbers as numbers, empty optional fields left out. */
export function formBody(fields: readonly FormField[], answers: Answers): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = {}
  for (const f of fields) {
    const v = answers[f.key]
    if (f.type === 'boolean') {
      out[f.key] = v === true
      continue
    }
    if (typeof v !== 'string' || v.trim() === '') continue
    out[f.key] = f.type === 'number' ? Number(v) : v.trim()
  }
  return out
}

/** The first required field left empty (checked before sending, as the server would). */
export function missingField(fields: readonly FormField[], answers: Answers): string | null {
  for (const f of fields) {
    if (!f.required || f.type === 'boolean') continue
    const v = answers[f.key]
    if (typeof v !== 'string' || v.trim() === '') return f.key
    if (f.type === 'number' && !Number.isFinite(Number(v))) return f.key
  }
  return null
}

export function FormFields({
  fields,
  answers,
  onChange,
  error,
}: {
  fields: readonly FormField[]
  answers: Answers
  onChange: (key: string, value: string | boolean) => void
  error: unknown
}) {
  return (
    <div className="form-fields" data-testid="application-form-fields">
      {fields.map((f) => (
        <OneField key={f.key} field={f} value={answers[f.key]} onChange={(v) => onChange(f.key, v)} error={error} />
      ))}
    </div>
  )
}

function OneField({
  field: f,
  value,
  onChange,
  error,
}: {
  field: FormField
  value: string | boolean | undefined
  onChange: (v: string | boolean) => void
  error: unknown
}) {
  const { t } = useTranslation()
  const id = useId()
  const errorId = `${id}-error`
  const mine = error instanceof ApiError && error.field === `form.${f.key}`
  const text = typeof value === 'string' ? value : ''
  const common = {
    id,
    'data-testid': `form-${f.key}`,
    'aria-invalid': mine || undefined,
    'aria-describedby': mine ? errorId : undefined,
    required: f.required,
  }
  const message = mine ? (
    <span className="field-error" id={errorId} data-testid={`form-${f.key}-error`}>
      {error instanceof ApiError && error.code === 'VALIDATION_FAILED' && error.status === 0
        ? t('services.catalogue.apply.fieldRequired')
        : errorText(error)}
    </span>
  ) : null
  if (f.type === 'boolean')
    return (
      <div className="field">
        <label className="check">
          <input
            type="checkbox"
            {...common}
            required={false}
            checked={value === true}
            onChange={(e) => onChange(e.target.checked)}
          />
          {f.label}
        </label>
        {message}
      </div>
    )
  return (
    <div className="field">
      <label htmlFor={id}>
        <span>
          {f.label} {f.required && <Required />}
        </span>
      </label>
      {f.type === 'choice' ? (
        <select {...common} value={text} onChange={(e) => onChange(e.target.value)}>
          <option value="">{t('services.catalogue.apply.choose')}</option>
          {(f.options ?? []).map((o) => (
            <option key={o} value={o}>
              {o}
            </option>
          ))}
        </select>
      ) : f.type === 'text' && (f.max ?? 500) > 200 ? (
        <textarea
          {...common}
          rows={3}
          maxLength={f.max ?? undefined}
          value={text}
          onChange={(e) => onChange(e.target.value)}
        />
      ) : (
        <input
          {...common}
          type={f.type === 'number' ? 'number' : f.type === 'date' ? 'date' : 'text'}
          inputMode={f.type === 'number' ? 'decimal' : undefined}
          maxLength={f.type === 'text' ? (f.max ?? 500) : undefined}
          max={f.type === 'number' ? (f.max ?? undefined) : undefined}
          value={text}
          onChange={(e) => onChange(e.target.value)}
        />
      )}
      {message}
    </div>
  )
}
