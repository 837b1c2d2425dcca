import { useTranslation } from 'react-i18next'
import { attributeLabel } from '../caseUtils'
import { localName } from '../i18n'
import type { CategoryAttribute } from '../types'

export type AttributeValues = Record<string, string | string[]>

/** Converts form values to what the API expects: numbers, ISO date-times, no empty entries. */
export function attributePayload(defs: CategoryAttribute[], values: AttributeValues): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const d of defs) {
    const v = values[d.code]
    if (v === undefined || v === '' || (Array.isArray(v) && v.length === 0)) continue
    if (d.datatype === 'number') out[d.code] = Number(v)
    else if (d.datatype === 'datetime' && typeof v === 'string') {
      const date = new Date(v) // datetime-local is local time
      out[d.code] = Number.isNaN(date.getTime()) ? v : date.toISOString()
    } else out[d.code] = v
  }
  return out
}

/** Codes of required attributes that are still empty, or numbers that are not numbers. */
export function attributeProblems(defs: CategoryAttribute[], values: AttributeValues): string[] {
  return defs
    .filter((d) => {
      const v = values[d.code]
      const empty = v === undefined || v === '' || (Array.isArray(v) && v.length === 0)
      if (empty) return d.required
      return d.datatype === 'number' && !Number.isFinite(Number(v))
    })
    .map((d) => d.code)
}

/** A category's extra attributes, each rendered by its datatype; required ones are marked. */
export function AttributeFields({
  defs,
  values,
  onChange,
  problems,
}: {
  defs: CategoryAttribute[]
  values: AttributeValues
  onChange: (v: AttributeValues) => void
  problems: string[]
}) {
  const { t, i18n } = useTranslation()
  const lng = i18n.language
  const set = (code: string, v: string | string[]) => onChange({ ...values, [code]: v })
  const sorted = [...defs].sort((a, b) => (a.order ?? 0) - (b.order ?? 0))
  if (sorted.length === 0) return null
  const labelOf = (d: CategoryAttribute) => (
    <span>
      {attributeLabel(d, lng)}
      {d.required ? (
        <abbr className="required" title={t('report.required')}>
          *
        </abbr>
      ) : (
        <span className="muted optional"> {t('report.optional')}</span>
      )}
    </span>
  )

  return (
    <div className="attribute-fields" data-testid="attribute-fields">
      {sorted.map((d) => {
        const label = labelOf(d)
        const invalid = problems.includes(d.code)
        const v = values[d.code]
        const str = typeof v === 'string' ? v : ''
        const common = { 'data-testid': `attr-${d.code}`, 'aria-invalid': invalid || undefined, required: d.required }
        switch (d.datatype) {
          case 'number':
            return (
              <label key={d.code} className="field">
                {label}
                <input
                  type="number"
                  inputMode="decimal"
                  step="any"
                  value={str}
                  onChange={(e) => set(d.code, e.target.value)}
                  {...common}
                />
              </label>
            )
          case 'string':
            return (
              <label key={d.code} className="field">
                {label}
                <input maxLength={200} value={str} onChange={(e) => set(d.code, e.target.value)} {...common} />
              </label>
            )
          case 'text':
            return (
              <label key={d.code} className="field">
                {label}
                <textarea
                  rows={3}
                  maxLength={2000}
                  value={str}
                  onChange={(e) => set(d.code, e.target.value)}
                  {...common}
                />
              </label>
            )
          case 'datetime':
            return (
              <label key={d.code} className="field">
                {label}
                <input type="datetime-local" value={str} onChange={(e) => set(d.code, e.target.value)} {...common} />
              </label>
            )
          case 'singlevaluelist':
            return (
              <label key={d.code} className="field">
                {label}
                <select value={str} onChange={(e) => set(d.code, e.target.value)} {...common}>
                  <option value="">{t('report.choose')}</option>
                  {(d.values ?? []).map((x) => (
                    <option key={x.key} value={x.key}>
                      {localName(x, lng)}
                    </option>
                  ))}
                </select>
              </label>
            )
          case 'multivaluelist': {
            const chosen = Array.isArray(v) ? v : []
            return (
              <fieldset
                key={d.code}
                className="field checks"
                data-testid={`attr-${d.code}`}
                aria-invalid={invalid || undefined}
              >
                <legend>{label}</legend>
                {(d.values ?? []).map((x) => (
                  <label key={x.key} className="check">
                    <input
                      type="checkbox"
                      data-testid={`attr-${d.code}-${x.key}`}
                      checked={chosen.includes(x.key)}
                      onChange={(e) =>
                        set(d.code, e.target.checked ? [...chosen, x.key] : chosen.filter((k) => k !== x.key))
                      }
                    />
                    {localName(x, lng)}
                  </label>
                ))}
              </fieldset>
            )
          }
          default:
            return null
        }
      })}
    </div>
  )
}
