import { useMutation, useQuery } from '@tanstack/react-query'
import { useId, useState, type FormEvent } from 'react'
import { useTranslation } from 'react-i18next'
import { downloadFile } from '../../../api'
import { AreaSelect } from '../../../components/AreaSelect'
import { QueryStatus } from '../../../components/QueryStatus'
import { formatNumber } from '../../../i18n'
import { routes } from '../../../router'
import { registryApi, registryChanged, registryQueries, XLSX, type ImportJob } from './api'
import { Problem } from './common'

const MAX_BYTES = 16 * 1024 * 1024
const isXlsx = (f: File) => /\.xlsx$/i.test(f.name) || f.type === XLSX
const COLUMNS = 'code,type,name,lng,lat,building_code,place,owner_department_code,owner_organisation,secret'

/** Bulk registration: a CSV or XLSX file and its area → live progress → rejected rows → the generated secrets, once. */
export function ImportPage() {
  const { t } = useTranslation()
  const [job, setJob] = useState<ImportJob | null>(null)
  return (
    <div className="device-import" data-testid="device-import-page">
      <a className="back-link" href={routes.devices('registry')}>
        ← {t('devices.registry.back')}
      </a>
      <h2>{t('devices.registry.import.title')}</h2>
      {job ? <Progress initial={job} onAgain={() => setJob(null)} /> : <Choose onStarted={setJob} />}
    </div>
  )
}

function Choose({ onStarted }: { onStarted: (job: ImportJob) => void }) {
  const { t } = useTranslation()
  const [file, setFile] = useState<File | null>(null)
  const [areaId, setAreaId] = useState('')
  const [problem, setProblem] = useState<string | null>(null)
  const areaField = useId()
  const upload = useMutation({
    mutationFn: (f: File) =>
      registryApi.upload(f, { areaId: Number(areaId), fileName: f.name }, isXlsx(f) ? XLSX : 'text/csv'),
    onSuccess: onStarted,
  })
  const submit = (e: FormEvent) => {
    e.preventDefault()
    if (upload.isPending) return
    if (!file) return setProblem(t('devices.registry.import.chooseFile'))
    if (!areaId) return setProblem(t('devices.registry.import.chooseArea'))
    if (file.size > MAX_BYTES) return setProblem(t('devices.registry.import.tooLarge', { mb: MAX_BYTES / 1024 / 1024 }))
    setProblem(null)
    upload.mutate(file)
  }
  return (
    <form className="card device-form" onSubmit={submit} noValidate data-testid="device-import-form">
      <p>{t('devices.registry.import.intro')}</p>
      <p className="muted">
        {t('devices.registry.import.columns')} <code>{COLUMNS}</code>
      </p>
      <p className="muted">{t('devices.registry.import.rules')}</p>
      <label className="field">
        <span>{t('devices.registry.import.file')}</span>
        <input
          type="file"
          accept=".csv,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
          onChange={(e) => setFile(e.target.files?.[0] ?? null)}
          data-testid="device-import-file"
        />
      </label>
      <label className="field" htmlFor={areaField}>
        <span>{t('devices.registry.area')}</span>
        <AreaSelect
          id={areaField}
          value={areaId}
          onChange={setAreaId}
          emptyLabel={t('devices.registry.import.pickArea')}
          testId="device-import-area"
          required
        />
      </label>
      {problem && (
        <p className="field-error" role="alert" data-testid="device-import-problem">
          {problem}
        </p>
      )}
      <Problem error={upload.error} testId="device-import-error" />
      <button type="submit" className="btn btn-primary" disabled={upload.isPending} data-testid="device-import-upload">
        {upload.isPending ? t('devices.registry.import.uploading') : t('devices.registry.import.upload')}
      </button>
    </form>
  )
}

function Progress({ initial, onAgain }: { initial: ImportJob; onAgain: () => void }) {
  const { t } = useTranslation()
  const job = useQuery({ ...registryQueries.job(initial.id), initialData: initial })
  const j = job.data
  const finished = j.status === 'done' || j.status === 'failed'
  const errors = useQuery({ ...registryQueries.errors(j.id), enabled: finished && j.failed > 0 })
  const [taken, setTaken] = useState(false)
  const credentials = useMutation({
    mutationFn: () => downloadFile(registryApi.credentials(j.id), `device-import-${j.id}-credentials.csv`),
    onSuccess: async () => {
      setTaken(true)
      await job.refetch()
      await registryChanged()
    },
  })
  return (
    <section className="card" data-testid="device-import-progress" data-status={j.status} aria-live="polite">
      <p>
        <strong>{j.fileName}</strong> · {t(`devices.registry.import.status.${j.status}`)}
      </p>
      <progress
        max={1}
        value={finished ? 1 : undefined}
        aria-label={t('devices.registry.import.progress')}
        className="device-progress"
      />
      <p data-testid="device-import-counts">
        {t('devices.registry.import.counts', {
          processed: formatNumber(j.processed),
          inserted: formatNumber(j.inserted),
          updated: formatNumber(j.updated),
          unchanged: formatNumber(j.unchanged),
          failed: formatNumber(j.failed),
        })}
      </p>
      {j.error && <p className="form-error">{j.error}</p>}
      {finished && j.credentialsAvailable && !taken && (
        <div className="device-credentials" data-testid="device-import-credentials">
          <p>{t('devices.registry.import.credentials', { count: j.credentials })}</p>
          <button
            type="button"
            className="btn btn-primary"
            disabled={credentials.isPending}
            onClick={() => credentials.mutate()}
            data-testid="device-import-credentials-download"
          >
            {t('devices.registry.import.download')}
          </button>
        </div>
      )}
      {(taken || j.credentialsTakenAt) && (
        <p className="muted" data-testid="device-import-credentials-taken">
          {t('devices.registry.import.taken')}
        </p>
      )}
      <Problem error={credentials.error} />
      {finished && j.failed > 0 && (
        <>
          <h3>{t('devices.registry.import.errors')}</h3>
          <QueryStatus query={errors} />
          <div className="table-wrap">
            <table className="device-table" data-testid="device-import-errors">
              <caption className="visually-hidden">{t('devices.registry.import.errors')}</caption>
              <thead>
                <tr>
                  <th scope="col">{t('devices.registry.import.row')}</th>
                  <th scope="col">{t('devices.registry.code')}</th>
                  <th scope="col">{t('devices.registry.import.field')}</th>
                  <th scope="col">{t('devices.registry.import.reason')}</th>
                </tr>
              </thead>
              <tbody>
                {(errors.data?.items ?? []).map((e) => (
                  <tr key={e.row} data-testid="device-import-error-row">
                    <td>{e.row}</td>
                    <td>{e.code ?? ''}</td>
                    <td>{e.field ?? ''}</td>
                    <td>{e.message}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
      {finished && (
        <div className="device-actions">
          <a className="btn" href={routes.devices('registry')}>
            {t('devices.registry.import.toList')}
          </a>
          <button type="button" className="btn" onClick={onAgain}>
            {t('devices.registry.import.again')}
          </button>
        </div>
      )}
    </section>
  )
}
