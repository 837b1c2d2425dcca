import { useCallback, useEffect, useRef, useState, type FormEvent } from 'react'
import { useTranslation } from 'react-i18next'
import { ApiError, api, downloadFile, isAbort } from '../../api'
import { AreaSelect } from '../../components/AreaSelect'
import { ErrorBanner } from '../../components/ErrorBanner'
import { errorText, formatDateTime, formatNumber } from '../../i18n'
import { href } from '../../router'
import type { ImportEncoding, ImportJob, ImportMapping, Paged } from '../../types'

const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'
const POLL_MS = 500
const MAX_BYTES = 64 * 1024 * 1024

const isXlsx = (f: File) => /\.xlsx$/i.test(f.name) || f.type === XLSX

type Step = { kind: 'choose' } | { kind: 'map'; job: ImportJob } | { kind: 'run'; job: ImportJob }

/** Import wizard: file and area → headings and column mapping → live progress → error report. */
export function ImportPage() {
  const { t } = useTranslation()
  const [step, setStep] = useState<Step>({ kind: 'choose' })
  const [recentKey, setRecentKey] = useState(0)

  return (
    <section className="page import-page" data-testid="page-import">
      <a className="back-link" href={href('registry')}>
        ← {t('registry.title')}
      </a>
      <div className="page-head">
        <h1 className="page-title">{t('import.title')}</h1>
      </div>
      <ol className="import-steps" aria-label={t('import.steps')}>
        {(['choose', 'map', 'run'] as const).map((s, i) => (
          <li
            key={s}
            className={step.kind === s ? 'active' : undefined}
            aria-current={step.kind === s ? 'step' : undefined}
          >
            <span className="step-no">{i + 1}</span>
            {t(`import.step.${s}`)}
          </li>
        ))}
      </ol>
      {step.kind === 'choose' && (
        <ChooseFile
          onUploaded={(job) => {
            setStep({ kind: 'map', job })
            setRecentKey((n) => n + 1)
          }}
        />
      )}
      {step.kind === 'map' && (
        <MapColumns
          job={step.job}
          onStarted={(job) => setStep({ kind: 'run', job })}
          onBack={() => setStep({ kind: 'choose' })}
        />
      )}
      {step.kind === 'run' && (
        <RunProgress
          initial={step.job}
          onFinished={() => setRecentKey((n) => n + 1)}
          onAgain={() => setStep({ kind: 'choose' })}
        />
      )}
      <RecentImports refreshKey={recentKey} />
    </section>
  )
}

function ChooseFile({ onUploaded }: { onUploaded: (job: ImportJob) => void }) {
  const { t } = useTranslation()
  const [file, setFile] = useState<File | null>(null)
  const [areaId, setAreaId] = useState('')
  // Detected by the server; named here when detection fails (a GBK file with few Chinese characters).
  const [encoding, setEncoding] = useState('')
  const [problem, setProblem] = useState<string | null>(null)
  const [error, setError] = useState<unknown>(null)
  const [busy, setBusy] = useState(false)

  const submit = async (e: FormEvent) => {
    e.preventDefault()
    if (busy) return
    if (!file) return setProblem(t('import.chooseFile'))
    if (!areaId) return setProblem(t('import.chooseArea'))
    if (file.size > MAX_BYTES) return setProblem(t('import.tooLarge', { mb: MAX_BYTES / 1024 / 1024 }))
    setProblem(null)
    setError(null)
    setBusy(true)
    try {
      onUploaded(
        await api.uploadImport(
          file,
          {
            areaId: Number(areaId),
            fileName: file.name,
            ...(encoding && !isXlsx(file) ? { encoding: encoding as ImportEncoding } : {}),
          },
          isXlsx(file) ? XLSX : 'text/csv',
        ),
      )
    } catch (err) {
      setError(err)
      setBusy(false)
    }
  }

  return (
    <form className="card import-choose" onSubmit={submit} noValidate data-testid="import-choose">
      <p className="muted">{t('import.intro')}</p>
      <label className="field">
        <span>{t('import.file')}</span>
        <input
          type="file"
          data-testid="import-file"
          accept=".csv,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
          onChange={(e) => setFile(e.target.files?.[0] ?? null)}
        />
      </label>
      {file && (
        <p className="muted" data-testid="import-file-info">
          {t('import.fileInfo', { name: file.name, size: formatNumber(file.size / 1024, 1) })}
        </p>
      )}
      <label className="field">
        <span>{t('import.area')}</span>
        <AreaSelect
          testId="import-area"
          value={areaId}
          onChange={setAreaId}
          emptyLabel={t('import.pickArea')}
          required
        />
      </label>
      <label className="field">
        <span>{t('import.encodingChoice')}</span>
        <select data-testid="import-encoding-choice" value={encoding} onChange={(e) => setEncoding(e.target.value)}>
          <option value="">{t('import.encodingAuto')}</option>
          <option value="utf-8">UTF-8</option>
          <option value="gb18030">GBK / GB18030</option>
        </select>
      </label>
      {problem && (
        <p className="field-error" role="alert" data-testid="import-problem">
          {problem}
        </p>
      )}
      <ErrorBanner error={error} testId="import-error" />
      <button type="submit" className="btn btn-primary" data-testid="import-upload" disabled={busy}>
        {busy ? t('import.uploading') : t('import.upload')}
      </button>
    </form>
  )
}

function MapColumns({
  job,
  onStarted,
  onBack,
}: {
  job: ImportJob
  onStarted: (job: ImportJob) => void
  onBack: () => void
}) {
  const { t } = useTranslation()
  const [mapping, setMapping] = useState<Record<string, string>>(() => ({ ...job.suggestedMapping }))
  const [error, setError] = useState<unknown>(null)
  const [busy, setBusy] = useState(false)
  const used = Object.values(mapping)
  const missing = job.requiredFields.filter((f) => !used.includes(f))
  const twice = used.filter((f, i) => used.indexOf(f) !== i)

  const start = async () => {
    if (busy || missing.length || twice.length) return
    setBusy(true)
    setError(null)
    try {
      onStarted(await api.startImport(job.id, mapping as ImportMapping))
    } catch (err) {
      setError(err)
      setBusy(false)
    }
  }

  return (
    <div className="card import-map" data-testid="import-map" data-job-id={job.id}>
      <dl className="facts">
        <div>
          <dt>{t('import.fileName')}</dt>
          <dd data-testid="import-file-name">{job.fileName}</dd>
        </div>
        <div>
          <dt>{t('import.format')}</dt>
          <dd className="mono" data-testid="import-format">
            {job.format.toUpperCase()}
          </dd>
        </div>
        <div>
          <dt>{t('import.encoding')}</dt>
          <dd className="mono" data-testid="import-encoding">
            {job.encoding}
          </dd>
        </div>
        <div>
          <dt>{t('import.size')}</dt>
          <dd>{t('import.kb', { n: formatNumber(job.byteSize / 1024, 1) })}</dd>
        </div>
      </dl>
      <h2 className="section-title">{t('import.mapping')}</h2>
      <p className="muted hint">{t('import.mappingHint')}</p>
      <div className="audit-table-wrap">
        <table className="audit-table import-mapping">
          <thead>
            <tr>
              <th scope="col">{t('import.heading')}</th>
              <th scope="col">{t('import.field')}</th>
            </tr>
          </thead>
          <tbody>
            {job.headers.map((h, i) => (
              <tr key={`${i}-${h}`} data-testid="import-heading" data-heading={h}>
                <td>{h || <span className="muted">{t('import.blankHeading', { n: i + 1 })}</span>}</td>
                <td>
                  <select
                    data-testid={`import-map-${i}`}
                    aria-label={t('import.fieldFor', { heading: h })}
                    value={mapping[h] ?? ''}
                    onChange={(e) =>
                      setMapping((m) => {
                        const next = { ...m }
                        if (e.target.value) next[h] = e.target.value
                        else delete next[h]
                        return next
                      })
                    }
                  >
                    <option value="">{t('import.ignore')}</option>
                    {job.fields.map((f) => (
                      <option key={f} value={f}>
                        {t(`import.fields.${f}`, { defaultValue: f })}
                        {job.requiredFields.includes(f) ? ' *' : ''}
                      </option>
                    ))}
                  </select>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {missing.length > 0 && (
        <p className="field-error" role="alert" data-testid="import-missing">
          {t('import.missing', {
            fields: missing.map((f) => t(`import.fields.${f}`, { defaultValue: f })).join(t('common.listSeparator')),
          })}
        </p>
      )}
      {twice.length > 0 && (
        <p className="field-error" role="alert">
          {t('import.twice', {
            fields: [...new Set(twice)]
              .map((f) => t(`import.fields.${f}`, { defaultValue: f }))
              .join(t('common.listSeparator')),
          })}
        </p>
      )}
      <ErrorBanner error={error} testId="import-start-error" />
      <div className="form-buttons">
        <button
          type="button"
          className="btn btn-primary"
          data-testid="import-start"
          disabled={busy || missing.length > 0 || twice.length > 0}
          onClick={() => void start()}
        >
          {busy ? t('common.sending') : t('import.start')}
        </button>
        <button type="button" className="btn" onClick={onBack}>
          {t('import.back')}
        </button>
      </div>
    </div>
  )
}

function RunProgress({
  initial,
  onFinished,
  onAgain,
}: {
  initial: ImportJob
  onFinished: () => void
  onAgain: () => void
}) {
  const { t } = useTranslation()
  const [job, setJob] = useState(initial)
  const [error, setError] = useState<unknown>(null)
  const [downloadError, setDownloadError] = useState<unknown>(null)
  const finished = job.status === 'done' || job.status === 'failed'

  // Live progress: ask every half second until the job has finished.
  useEffect(() => {
    if (finished) return
    const ctrl = new AbortController()
    const timer = setTimeout(() => {
      api
        .importJob(job.id, ctrl.signal)
        .then((j) => {
          setError(null)
          setJob(j)
        })
        .catch((err) => {
          if (isAbort(err)) return
          setError(err)
          // A passing network error: keep polling by touching the state.
          setJob((j) => ({ ...j }))
        })
    }, POLL_MS)
    return () => {
      clearTimeout(timer)
      ctrl.abort()
    }
  }, [job, finished])

  // Tell the page once, so the recent imports show the outcome.
  const told = useRef(false)
  useEffect(() => {
    if (finished && !told.current) {
      told.current = true
      onFinished()
    }
  }, [finished, onFinished])

  // The share of the file read so far (CSV and XLSX alike); the bar completes only at 'done'.
  const percent =
    job.status === 'done'
      ? 100
      : job.byteSize > 0
        ? Math.min(99, Math.floor((job.bytesRead / job.byteSize) * 100))
        : null

  const download = useCallback(async () => {
    setDownloadError(null)
    try {
      await downloadFile(api.importErrors(job.id), `import-${job.id}-errors.csv`)
    } catch (err) {
      setDownloadError(err instanceof ApiError ? err : new ApiError(0, 'NETWORK', String(err)))
    }
  }, [job.id])

  return (
    <div className="card import-run" data-testid="import-run" data-status={job.status} data-job-id={job.id}>
      <div className="case-card-head">
        <strong>{job.fileName}</strong>
        <span className={`state-chip import-status-${job.status}`} data-testid="import-status">
          {t(`import.statuses.${job.status}`, { defaultValue: job.status })}
        </span>
      </div>
      <div
        className={`progress${percent === null ? ' indeterminate' : ''}${job.status === 'done' ? ' done' : ''}${job.status === 'failed' ? ' failed' : ''}`}
        role="progressbar"
        aria-label={t('import.progress')}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={percent ?? undefined}
        data-testid="import-progress"
        data-status={job.status}
        data-percent={percent ?? ''}
      >
        <span className="progress-bar" style={{ width: percent === null ? undefined : `${percent}%` }} />
      </div>
      <p className="import-processed" data-testid="import-processed-text">
        {t('import.processed', { n: formatNumber(job.processed, 0) })}
      </p>
      <dl className="import-counts">
        {(['processed', 'inserted', 'updated', 'unchanged', 'failed'] as const).map((k) => (
          <div key={k} className={`import-count count-${k}`}>
            <dt>{t(`import.counts.${k}`)}</dt>
            <dd data-testid={`import-${k}`}>{job[k]}</dd>
          </div>
        ))}
      </dl>
      {job.status === 'failed' && job.error && (
        <p className="error-banner" role="alert" data-testid="import-job-error">
          {t('import.jobFailed', { error: job.error })}
        </p>
      )}
      <ErrorBanner error={error} />
      {finished && (
        <div className="form-buttons">
          {job.failed > 0 && (
            <button
              type="button"
              className="btn btn-primary"
              data-testid="import-download-errors"
              onClick={() => void download()}
            >
              {t('import.downloadErrors', { n: job.failed })}
            </button>
          )}
          <button type="button" className="btn" data-testid="import-again" onClick={onAgain}>
            {t('import.again')}
          </button>
        </div>
      )}
      {finished && job.failed > 0 && <p className="muted hint">{t('import.errorsHint')}</p>}
      {downloadError !== null && (
        <p className="field-error" role="alert">
          {errorText(downloadError)}
        </p>
      )}
    </div>
  )
}

function RecentImports({ refreshKey }: { refreshKey: number }) {
  const { t, i18n } = useTranslation()
  const [data, setData] = useState<Paged<ImportJob> | null>(null)
  const [error, setError] = useState<unknown>(null)
  const [attempt, setAttempt] = useState(0)
  useEffect(() => {
    const ctrl = new AbortController()
    api
      .imports({ pageSize: 10 }, ctrl.signal)
      .then(setData)
      .catch((err) => !isAbort(err) && setError(err))
    return () => ctrl.abort()
  }, [refreshKey, attempt])

  const download = (j: ImportJob) => {
    downloadFile(api.importErrors(j.id), `import-${j.id}-errors.csv`).catch(setError)
  }

  return (
    <div className="import-recent" data-testid="imports-recent">
      <h2 className="section-title">{t('import.recent')}</h2>
      <ErrorBanner error={error} onRetry={() => setAttempt((n) => n + 1)} />
      {data && data.items.length === 0 && <p className="muted">{t('import.noRecent')}</p>}
      {data && data.items.length > 0 && (
        <div className="audit-table-wrap">
          <table className="audit-table">
            <thead>
              <tr>
                <th scope="col">#</th>
                <th scope="col">{t('import.fileName')}</th>
                <th scope="col">{t('import.createdAt')}</th>
                <th scope="col">{t('import.statusLabel')}</th>
                {(['processed', 'inserted', 'updated', 'unchanged', 'failed'] as const).map((k) => (
                  <th key={k} scope="col">
                    {t(`import.counts.${k}`)}
                  </th>
                ))}
                <th scope="col">{t('import.errorReport')}</th>
              </tr>
            </thead>
            <tbody>
              {data.items.map((j) => (
                <tr key={j.id} data-testid="import-recent-row" data-job-id={j.id} data-status={j.status}>
                  <td className="mono">{j.id}</td>
                  <td>{j.fileName}</td>
                  <td>{formatDateTime(j.createdAt, i18n.language)}</td>
                  <td>{t(`import.statuses.${j.status}`, { defaultValue: j.status })}</td>
                  <td>{j.processed}</td>
                  <td>{j.inserted}</td>
                  <td>{j.updated}</td>
                  <td>{j.unchanged}</td>
                  <td>{j.failed}</td>
                  <td>
                    {j.failed > 0 && (j.status === 'done' || j.status === 'failed') ? (
                      <button type="button" className="btn btn-small" onClick={() => download(j)}>
                        {t('import.download')}
                      </button>
                    ) : (
                      '—'
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  )
}
