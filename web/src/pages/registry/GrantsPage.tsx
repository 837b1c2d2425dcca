import { useEffect, useState, type FormEvent } from 'react'
import { useTranslation } from 'react-i18next'
import { api, isAbort } from '../../api'
import { AreaSelect } from '../../components/AreaSelect'
import { ErrorBanner } from '../../components/ErrorBanner'
import { Pager } from '../../components/Pager'
import { loadDepartments } from '../../caseUtils'
import { errorText, formatDateTime, localName } from '../../i18n'
import { href } from '../../router'
import type { DataGrant, Department, NewDataGrant, Paged, RegistryFields } from '../../types'
import { PAGE_SIZE, todayLocal } from './common'

/** Data-sharing grants (admins): who may read which fields of which records, why, and until when. */
export function GrantsPage() {
  const { t, i18n } = useTranslation()
  const lng = i18n.language
  const [page, setPage] = useState(1)
  const [data, setData] = useState<Paged<DataGrant> | null>(null)
  const [error, setError] = useState<unknown>(null)
  const [attempt, setAttempt] = useState(0)
  const [revoking, setRevoking] = useState<number | null>(null)
  const [notice, setNotice] = useState<string | null>(null)

  useEffect(() => {
    const ctrl = new AbortController()
    setError(null)
    api
      .dataGrants({ page, pageSize: PAGE_SIZE }, ctrl.signal)
      .then(setData)
      .catch((err) => !isAbort(err) && setError(err))
    return () => ctrl.abort()
  }, [page, attempt])

  const revoke = async (g: DataGrant) => {
    if (!window.confirm(t('grants.confirmRevoke', { id: g.id, grantee: g.grantee }))) return
    setRevoking(g.id)
    try {
      const updated = await api.revokeDataGrant(g.id)
      setData((d) => (d ? { ...d, items: d.items.map((x) => (x.id === g.id ? updated : x)) } : d))
      setNotice(t('grants.revoked', { id: g.id }))
    } catch (err) {
      setError(err)
    } finally {
      setRevoking(null)
    }
  }

  return (
    <section className="page grants-page" data-testid="page-grants">
      <a className="back-link" href={href('registry')}>
        ← {t('registry.title')}
      </a>
      <div className="page-head">
        <h1 className="page-title">{t('grants.title')}</h1>
        {data && <span className="badge badge-muted">{t('grants.total', { n: data.total })}</span>}
      </div>
      <p className="muted">{t('grants.intro')}</p>
      <NewGrantForm
        onCreated={(g) => {
          setNotice(t('grants.created', { id: g.id }))
          setPage(1)
          setAttempt((n) => n + 1)
        }}
      />
      {notice && (
        <p className="notice" role="status" data-testid="grants-notice">
          {notice}
        </p>
      )}
      <ErrorBanner error={error} onRetry={() => setAttempt((n) => n + 1)} />
      {!data && !error && <p className="muted">{t('common.loading')}</p>}
      {data && data.items.length === 0 && <p className="muted empty">{t('grants.empty')}</p>}
      {data && data.items.length > 0 && (
        <div className="audit-table-wrap">
          <table className="audit-table registry-table" data-testid="grants-table">
            <thead>
              <tr>
                <th scope="col">#</th>
                <th scope="col">{t('grants.grantee')}</th>
                <th scope="col">{t('grants.entity')}</th>
                <th scope="col">{t('grants.fields')}</th>
                <th scope="col">{t('grants.purpose')}</th>
                <th scope="col">{t('grants.expiresAt')}</th>
                <th scope="col">{t('grants.state')}</th>
                <th scope="col" />
              </tr>
            </thead>
            <tbody>
              {data.items.map((g) => (
                <tr key={g.id} data-testid="grant-row" data-grant-id={g.id} data-state={g.state}>
                  <td className="mono">{g.id}</td>
                  <td>
                    {g.grantee || '—'}{' '}
                    <span className="muted">{g.departmentId ? t('grants.department') : t('grants.apiKey')}</span>
                  </td>
                  <td>{t(`grants.entities.${g.entity}`, { defaultValue: g.entity })}</td>
                  <td className="wrap">
                    {g.fields
                      .map((f) => t(`grants.fieldNames.${f}`, { defaultValue: f }))
                      .join(t('common.listSeparator'))}
                  </td>
                  <td className="wrap">{g.purpose}</td>
                  <td>{formatDateTime(g.expiresAt, lng)}</td>
                  <td>
                    <span className={`state-chip grant-${g.state}`} data-testid="grant-state">
                      {t(`grants.states.${g.state}`)}
                    </span>
                  </td>
                  <td>
                    {g.state === 'active' && (
                      <button
                        type="button"
                        className="btn btn-small btn-danger"
                        data-testid="grant-revoke"
                        disabled={revoking === g.id}
                        onClick={() => void revoke(g)}
                      >
                        {t('grants.revoke')}
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {data && <Pager page={data.page} pageSize={data.pageSize} total={data.total} onPage={setPage} />}
    </section>
  )
}

function NewGrantForm({ onCreated }: { onCreated: (g: DataGrant) => void }) {
  const { t, i18n } = useTranslation()
  const [fieldsInfo, setFieldsInfo] = useState<RegistryFields | null>(null)
  const [departments, setDepartments] = useState<Department[]>([])
  const [open, setOpen] = useState(false)
  const [areaId, setAreaId] = useState('')
  const [granteeKind, setGranteeKind] = useState<'department' | 'apiKey'>('department')
  const [departmentId, setDepartmentId] = useState('')
  const [apiKeyId, setApiKeyId] = useState('')
  const [entity, setEntity] = useState('person')
  const [fields, setFields] = useState<string[]>([])
  const [purpose, setPurpose] = useState('')
  const [expires, setExpires] = useState('')
  const [problem, setProblem] = useState<string | null>(null)
  const [error, setError] = useState<unknown>(null)
  const [busy, setBusy] = useState(false)

  useEffect(() => {
    if (!open) return
    const ctrl = new AbortController()
    api
      .registryFields(ctrl.signal)
      .then(setFieldsInfo)
      .catch((err) => !isAbort(err) && setError(err))
    loadDepartments().then(setDepartments, () => undefined)
    return () => ctrl.abort()
  }, [open])

  const shareable = fieldsInfo?.shareableFields[entity] ?? []

  const submit = async (e: FormEvent) => {
    e.preventDefault()
    if (busy) return
    const grantee = granteeKind === 'department' ? Number(departmentId) : Number(apiKeyId)
    if (!areaId) return setProblem(t('grants.needArea'))
    if (!Number.isInteger(grantee) || grantee <= 0) return setProblem(t('grants.needGrantee'))
    if (!fields.length) return setProblem(t('grants.needFields'))
    if (purpose.trim().length < 4) return setProblem(t('grants.needPurpose'))
    if (!/^\d{4}-\d{2}-\d{2}$/.test(expires)) return setProblem(t('grants.needExpiry'))
    // The grant runs to the end of the chosen local day.
    const [y, m, d] = expires.split('-').map(Number) as [number, number, number]
    const body: NewDataGrant = {
      areaId: Number(areaId),
      entity: entity as NewDataGrant['entity'],
      fields,
      purpose: purpose.trim(),
      expiresAt: new Date(y, m - 1, d, 23, 59, 59).toISOString(),
      ...(granteeKind === 'department' ? { departmentId: grantee } : { apiKeyId: grantee }),
    }
    setProblem(null)
    setError(null)
    setBusy(true)
    try {
      const g = await api.createDataGrant(body)
      setFields([])
      setPurpose('')
      setOpen(false)
      onCreated(g)
    } catch (err) {
      setError(err)
    } finally {
      setBusy(false)
    }
  }

  if (!open) {
    return (
      <div className="form-buttons">
        <button type="button" className="btn btn-primary" data-testid="grant-new" onClick={() => setOpen(true)}>
          {t('grants.new')}
        </button>
      </div>
    )
  }
  return (
    <form className="card grant-form" onSubmit={submit} noValidate data-testid="grant-form">
      <h2 className="section-title">{t('grants.new')}</h2>
      <div className="registry-search-grid">
        <label className="inline-field">
          {t('grants.area')}
          <AreaSelect testId="grant-area" value={areaId} onChange={setAreaId} emptyLabel={t('import.pickArea')} />
        </label>
        <label className="inline-field">
          {t('grants.granteeKind')}
          <select
            data-testid="grant-grantee-kind"
            value={granteeKind}
            onChange={(e) => setGranteeKind(e.target.value as 'department' | 'apiKey')}
          >
            <option value="department">{t('grants.department')}</option>
            <option value="apiKey">{t('grants.apiKey')}</option>
          </select>
        </label>
        {granteeKind === 'department' ? (
          <label className="inline-field">
            {t('grants.department')}
            <select
              data-testid="grant-department"
              value={departmentId}
              onChange={(e) => setDepartmentId(e.target.value)}
            >
              <option value="">{t('grants.pickDepartment')}</option>
              {departments.map((d) => (
                <option key={d.id} value={d.id}>
                  {localName(d, i18n.language)} · #{d.id}
                </option>
              ))}
            </select>
          </label>
        ) : (
          <label className="inline-field">
            {t('grants.apiKeyId')}
            <input
              type="number"
              min={1}
              data-testid="grant-api-key"
              value={apiKeyId}
              onChange={(e) => setApiKeyId(e.target.value)}
            />
          </label>
        )}
        <label className="inline-field">
          {t('grants.entity')}
          <select
            data-testid="grant-entity"
            value={entity}
            onChange={(e) => {
              setEntity(e.target.value)
              setFields([])
            }}
          >
            {Object.keys(fieldsInfo?.shareableFields ?? { person: [] }).map((en) => (
              <option key={en} value={en}>
                {t(`grants.entities.${en}`, { defaultValue: en })}
              </option>
            ))}
          </select>
        </label>
        <label className="inline-field">
          {t('grants.expiresAt')}
          <input
            type="date"
            data-testid="grant-expires"
            min={todayLocal()}
            value={expires}
            onChange={(e) => setExpires(e.target.value)}
          />
        </label>
      </div>
      <fieldset className="checks grant-fields">
        <legend>{t('grants.fields')}</legend>
        {shareable.map((f) => (
          <label key={f} className="check">
            <input
              type="checkbox"
              data-testid={`grant-field-${f}`}
              checked={fields.includes(f)}
              onChange={() => setFields((fs) => (fs.includes(f) ? fs.filter((x) => x !== f) : [...fs, f]))}
            />
            {t(`grants.fieldNames.${f}`, { defaultValue: f })}
            {entity === 'person' && fieldsInfo?.personFieldClass[f] === 'highly_sensitive' && (
              <span className="badge badge-danger">{t('grants.highlySensitive')}</span>
            )}
          </label>
        ))}
      </fieldset>
      <label className="field">
        <span>
          {t('grants.purpose')}
          <abbr className="required" title={t('report.required')}>
            *
          </abbr>
        </span>
        <textarea
          rows={2}
          data-testid="grant-purpose"
          maxLength={500}
          value={purpose}
          onChange={(e) => setPurpose(e.target.value)}
        />
      </label>
      {problem && (
        <p className="field-error" role="alert" data-testid="grant-problem">
          {problem}
        </p>
      )}
      {error !== null && (
        <p className="field-error" role="alert">
          {errorText(error)}
        </p>
      )}
      <div className="form-buttons">
        <button type="submit" className="btn btn-primary" data-testid="grant-submit" disabled={busy}>
          {busy ? t('common.sending') : t('grants.create')}
        </button>
        <button type="button" className="btn" onClick={() => setOpen(false)}>
          {t('common.cancel')}
        </button>
      </div>
    </form>
  )
}
