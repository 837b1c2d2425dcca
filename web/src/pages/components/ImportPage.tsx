import { useMutation } from '@tanstack/react-query'
import { type FormEvent, useState } from 'react'
import { useTranslation } from 'react-i18next'
import { errorText } from '../../i18n'
import { routes } from '../../router'
import { componentsApi, componentsChanged, type ImportBody, type ImportResult } from './api'

const MAX_BYTES = 4 * 1024 * 1024
const COLUMNS = 'code,classCode,name,lng,lat,categoryCode,ownerDepartment,state,address'

/**
 * The import of an inventory survey: a CSV or GeoJSON file, checked first (dry run) or imported;
 * the answer counts what was created, updated and left as it was, and lists each refused row with
 * its field. Importing the same file again changes nothing.
 */
export function ImportPage() {
  const { t } = useTranslation()
  const [file, setFile] = useState<File | null>(null)
  const [dryRun, setDryRun] = useState(true)
  const [problem, setProblem] = useState<string | null>(null)
  const [result, setResult] = useState<ImportResult | null>(null)
  const run = useMutation({
    mutationFn: async (f: File) => {
      const text = await f.text()
      const geo = /\.(geo)?json$/i.test(f.name)
      let body: ImportBody
      if (geo) {
        try {
          body = { geojson: JSON.parse(text) as NonNullable<ImportBody['geojson']>, dryRun }
        } catch {
          throw new Error(t('components.import.notJson'))
        }
      } else body = { csv: text, dryRun }
      return componentsApi.import(body)
    },
    onSuccess: (r) => {
      setResult(r)
      if (!r.dryRun) void componentsChanged()
    },
  })
  const submit = (e: FormEvent) => {
    e.preventDefault()
    if (run.isPending) return
    if (!file) return setProblem(t('components.import.chooseFile'))
    if (file.size > MAX_BYTES) return setProblem(t('components.import.tooLarge', { mb: MAX_BYTES / 1024 / 1024 }))
    setProblem(null)
    setResult(null)
    run.mutate(file)
  }
  return (
    <div className="component-import" data-testid="component-import-page">
      <a className="back-link" href={routes.components()}>
        ← {t('components.detail.back')}
      </a>
      <h2>{t('components.import.title')}</h2>
      <form className="card" onSubmit={submit} noValidate data-testid="component-import-form">
        <p>{t('components.import.intro')}</p>
        <p className="muted">
          {t('components.import.columns')} <code>{COLUMNS}</code>
        </p>
        <p className="muted">{t('components.import.rules')}</p>
        <label className="field">
          <span>{t('components.import.file')}</span>
          <input
            type="file"
            accept=".csv,.geojson,.json,text/csv,application/geo+json,application/json"
            onChange={(e) => setFile(e.target.files?.[0] ?? null)}
            data-testid="component-import-file"
          />
        </label>
        <label className="checkbox">
          <input
            type="checkbox"
            checked={dryRun}
            onChange={(e) => setDryRun(e.target.checked)}
            data-testid="component-import-dry"
          />
          <span>{t('components.import.dryRun')}</span>
        </label>
        {problem && (
          <p className="field-error" role="alert">
            {problem}
          </p>
        )}
        {run.error && (
          <p className="form-error" role="alert" data-testid="component-import-error">
            {errorText(run.error)}
          </p>
        )}
        <button
          type="submit"
          className="btn btn-primary"
          disabled={run.isPending}
          data-testid="component-import-submit"
        >
          {dryRun ? t('components.import.check') : t('components.import.run')}
        </button>
      </form>
      {result && <Result r={result} />}
    </div>
  )
}

function Result({ r }: { r: ImportResult }) {
  const { t } = useTranslation()
  return (
    <section className="card" aria-labelledby="component-import-result" data-testid="component-import-result">
      <h3 id="component-import-result">{r.dryRun ? t('components.import.checked') : t('components.import.done')}</h3>
      <p data-testid="component-import-counts">
        {t('components.import.counts', {
          rows: r.rows,
          created: r.created,
          updated: r.updated,
          unchanged: r.unchanged,
          errors: r.errors.length,
        })}
      </p>
      {r.errors.length > 0 && (
        <table className="table" data-testid="component-import-errors">
          <caption>{t('components.import.errorsCaption')}</caption>
          <thead>
            <tr>
              <th scope="col">{t('components.import.row')}</th>
              <th scope="col">{t('components.inventory.code')}</th>
              <th scope="col">{t('components.import.field')}</th>
              <th scope="col">{t('components.import.problem')}</th>
            </tr>
          </thead>
          <tbody>
            {r.errors.map((e) => (
              <tr key={`${e.row}-${e.field}`} data-testid="component-import-error-row">
                <td>{e.row}</td>
                <td>{e.code ?? ''}</td>
                <td>
                  <code>{e.field}</code>
                </td>
                <td>{t(`errors.${e.error}`, { defaultValue: e.message })}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  )
}
