import { useMutation, useQuery } from '@tanstack/react-query'
import { useEffect, useId, useState, type FormEvent } from 'react'
import { useTranslation } from 'react-i18next'
import { api, downloadFile } from '../../api'
import { invalidate, keys, queries } from '../../api/queries'
import { AreaSelect } from '../../components/AreaSelect'
import { ErrorBanner } from '../../components/ErrorBanner'
import { QueryStatus } from '../../components/QueryStatus'
import { errorText, formatDateTime, formatNumber } from '../../i18n'
import { href } from '../../router'
import { allOf, type ImportEncoding, type ImportJob, type ImportMapping } from '../../types'

const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'
const POLL_MS = 500
const MAX_BYTES = 64 * 1024 * 1024

const isXlsx = (f: File) => /\.xlsx$/i.test(f.name) || f.type === XLSX

/** The encodings a user may name (GBK is read as its superset GB18030). */
const ENCODINGS: readonly { value: ImportEncoding; label: string }[] = [
  { value: 'utf-8', label: 'UTF-8' },
  { value: 'gb18030', label: 'GBK / GB18030' },
]

type ImportField = NonNullable<ImportMapping>[string]
const IMPORT_FIELDS = allOf<ImportField>()([
  'name',
  'idType',
  'idNumber',
  'sex',
  'birthDate',
  'phone',
  'registeredPlace',
  'residenceStatus',
  'address',
  'movedInOn',
  'tags',
  'areaCode',
  'householdCode',
  'relation',
])
/** A field the job names (its answer types them as text) as the start's mapping wants it. */
const importField = (f: string) => IMPORT_FIELDS.find((x) => x === f)

const finishedJob = (job: ImportJob) => job.status === 'done' || job.status === 'failed'
const errorsFileName = (job: ImportJob) => `import-${job.id}-errors.csv`

type Step = { kind: 'choose' } | { kind: 'map'; job: ImportJob } | { kind: 'run'; job: ImportJob }

/** Import wizard: file and area → headings and column mapping → live progress → error report. */
export function ImportPage() {
  const { t } = useTranslation()
  const [step, setStep] = useState<Step>({ kind: 'choose' })

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
      {step.kind === 'choose' && <ChooseFile onUploaded={(job) => setStep({ kind: 'map', job })} />}
      {step.kind === 'map' && (
        <MapColumns
          job={step.job}
          onStarted={(job) => setStep({ kind: 'run', job })}
          onBack={() => setStep({ kind: 'choose' })}
        />
      )}
      {step.kind === 'run' && <RunProgress initial={step.job} onAgain={() => setStep({ kind: 'choose' })} />}
      <RecentImports />
    </section>
  )
}

function ChooseFile({ onUploaded }: { onUploaded: (job: ImportJob) => void }) {
  const { t } = useTranslation()
  const [file, setFile] = useState<File | null>(null)
  const [areaId, setAreaId] = useState('')
  // Detected by the server; named here when detection fails (a GBK file with few Chinese characters).
  const [encoding, setEncoding] = useState<ImportEncoding | ''>('')
  const [problem, setProblem] = useState<string | null>(null)
  const areaField = useId()

  const upload = useMutation({
    mutationFn: (f: File) =>
      api.uploadImport(
        f,
        { areaId: Number(areaId), fileName: f.name, ...(encoding && !isXlsx(f) ? { encoding } : {}) },
        isXlsx(f) ? XLSX : 'text/csv',
      ),
    onSuccess: (job) => {
      onUploaded(job)
      // The recent imports list the pending job.
      return invalidate(keys.imports)
    },
  })
  const busy = upload.isPending

  const submit = (e: FormEvent) => {
    e.preventDefault()
    if (busy) return
    if (!file) return setProblem(t('import.chooseFile'))
    if (!areaId) return setProblem(t('import.chooseArea'))
    if (file.size > MAX_BYTES) return setProblem(t('import.tooLarge', { mb: MAX_BYTES / 1024 / 1024 }))
    setProblem(null)
    upload.mutate(file)
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
      <label className="field" htmlFor={areaField}>
        <span>{t('import.area')}</span>
        <AreaSelect
          id={areaField}
          testId="import-area"
          value={areaId}
          onChange={setAreaId}
          emptyLabel={t('import.pickArea')}
          required
        />
      </label>
      <label className="field">
        <span>{t('import.encodingChoice')}</span>
        <select
          data-testid="import-encoding-choice"
          value={encoding}
          onChange={(e) => setEncoding(ENCODINGS.find((c) => c.value === e.target.value)?.value ?? '')}
        >
          <option value="">{t('import.encodingAuto')}</option>
          {ENCODINGS.map((c) => (
            <option key={c.value} value={c.value}>
              {c.label}
            </option>
          ))}
        </select>
      </label>
      {problem && (
        <p className="field-error" role="alert" data-testid="import-problem">
          {problem}
        </p>
      )}
      <ErrorBanner error={upload.error} testId="import-error" />
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
  const [mapping, setMapping] = useState<Record<string, ImportField>>(() => {
    const suggested: Record<string, ImportField> = {}
    for (const [heading, f] of Object.entries(job.suggestedMapping)) {
      const field = importField(f)
      if (field) suggested[heading] = field
    }
    return suggested
  })
  const used: string[] = Object.values(mapping)
  const missing = job.requiredFields.filter((f) => !used.includes(f))
  const twice = used.filter((f, i) => used.indexOf(f) !== i)

  const start = useMutation({
    mutationFn: () => api.startImport(job.id, mapping),
    onSuccess: (started) => {
      onStarted(started)
      return invalidate(keys.imports)
    },
  })
  const busy = start.isPending

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
              // biome-ignore lint/suspicious/noArrayIndexKey: headings may repeat or be blank; a column is its place
              <tr key={i} data-testid="import-heading" data-heading={h}>
                <td>{h || <span className="muted">{t('import.blankHeading', { n: i + 1 })}</span>}</td>
                <td>
                  <select
                    data-testid={`import-map-${i}`}
                    aria-label={t('import.fieldFor', { heading: h })}
                    value={mapping[h] ?? ''}
                    onChange={(e) => {
                      const field = importField(e.target.value)
                      setMapping((m) => {
                        const next = { ...m }
                        if (field) next[h] = field
                        else delete next[h]
                        return next
                      })
                    }}
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
      <ErrorBanner error={start.error} testId="import-start-error" />
      <div className="form-buttons">
        <button
          type="button"
          className="btn btn-primary"
          data-testid="import-start"
          disabled={busy || missing.length > 0 || twice.length > 0}
          onClick={() => start.mutate()}
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

function RunProgress({ initial, onAgain }: { initial: ImportJob; onAgain: () => void }) {
  const { t } = useTranslation()
  // Live progress: ask every half second until the job has finished (a failed ask is retried at the next).
  const poll = useQuery({
    ...queries.importJob(initial.id),
    initialData: initial,
    refetchInterval: (q) => (q.state.data && finishedJob(q.state.data) ? false : POLL_MS),
  })
  const job = poll.data
  const finished = finishedJob(job)

  // The job's people are in the registry now: its lists, cards, the care list and the recent imports show them.
  useEffect(() => {
    if (finished) void invalidate(keys.registry, keys.care)
  }, [finished])

  // The share of the file read so far (CSV and XLSX alike); the bar completes only at 'done'.
  const percent =
    job.status === 'done'
      ? 100
      : job.byteSize > 0
        ? Math.min(99, Math.floor((job.bytesRead / job.byteSize) * 100))
        : null

  const download = useMutation({ mutationFn: () => downloadFile(api.importErrors(job.id), errorsFileName(job)) })

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
      <ErrorBanner error={poll.error} />
      {finished && (
        <div className="form-buttons">
          {job.failed > 0 && (
            <button
              type="button"
              className="btn btn-primary"
              data-testid="import-download-errors"
              disabled={download.isPending}
              onClick={() => download.mutate()}
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
      {download.error && (
        <p className="field-error" role="alert">
          {errorText(download.error)}
        </p>
      )}
    </div>
  )
}

function RecentImports() {
  const { t, i18n } = useTranslation()
  const list = useQuery(queries.importList({ pageSize: 10 }))
  const data = list.data
  const download = useMutation({
    mutationFn: (j: ImportJob) => downloadFile(api.importErrors(j.id), errorsFileName(j)),
  })

  return (
    <div className="import-recent" data-testid="imports-recent">
      <h2 className="section-title">{t('import.recent')}</h2>
      <QueryStatus query={list} />
      <ErrorBanner error={download.error} />
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
                    {j.failed > 0 && finishedJob(j) ? (
                      <button type="button" className="btn btn-small" onClick={() => download.mutate(j)}>
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
