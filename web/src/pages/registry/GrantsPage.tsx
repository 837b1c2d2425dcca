import { keepPreviousData, useMutation, useQuery } from '@tanstack/react-query'
import { useId, useState, type FormEvent } from 'react'
import { useTranslation } from 'react-i18next'
import { api } from '../../api'
import { invalidate, keys, queries } from '../../api/queries'
import { AreaSelect } from '../../components/AreaSelect'
import { ErrorBanner } from '../../components/ErrorBanner'
import { Pager } from '../../components/Pager'
import { QueryStatus } from '../../components/QueryStatus'
import { errorText, formatDateTime, localName } from '../../i18n'
import { href } from '../../router'
import { allOf, type DataGrant, type NewDataGrant } from '../../types'
import { PAGE_SIZE, todayLocal } from './common'

type GrantEntity = NewDataGrant['entity']
const GRANT_ENTITIES = allOf<GrantEntity>()(['person', 'household', 'building', 'place', 'organisation'])

/** Data-sharing grants (admins): who may read which fields of which records, why, and until when. */
export function GrantsPage() {
  const { t, i18n } = useTranslation()
  const lng = i18n.language
  const [page, setPage] = useState(1)
  const [notice, setNotice] = useState<string | null>(null)
  const list = useQuery({ ...queries.dataGrants({ page, pageSize: PAGE_SIZE }), placeholderData: keepPreviousData })
  const data = list.data

  const revoke = useMutation({
    mutationFn: (g: DataGrant) => api.revokeDataGrant(g.id),
    onSuccess: (_, g) => {
      setNotice(t('grants.revoked', { id: g.id }))
      return invalidate(keys.dataGrants)
    },
  })
  const revoking = revoke.isPending ? revoke.variables.id : null
  const askRevoke = (g: DataGrant) => {
    if (window.confirm(t('grants.confirmRevoke', { id: g.id, grantee: g.grantee }))) revoke.mutate(g)
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
        }}
      />
      {notice && (
        <p className="notice" role="status" data-testid="grants-notice">
          {notice}
        </p>
      )}
      <ErrorBanner error={revoke.error} />
      <QueryStatus query={list} />
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
                        onClick={() => askRevoke(g)}
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
  const [open, setOpen] = useState(false)
  const [areaId, setAreaId] = useState('')
  const [granteeKind, setGranteeKind] = useState<'department' | 'apiKey'>('department')
  const [departmentId, setDepartmentId] = useState('')
  const [apiKeyId, setApiKeyId] = useState('')
  const [entity, setEntity] = useState<GrantEntity>('person')
  const [fields, setFields] = useState<string[]>([])
  const [purpose, setPurpose] = useState('')
  const [expires, setExpires] = useState('')
  const [problem, setProblem] = useState<string | null>(null)
  const areaField = useId()
  // What the form offers is read when it opens.
  const fieldsQuery = useQuery({ ...queries.registryFields(), enabled: open })
  const departmentsQuery = useQuery({ ...queries.departments(), enabled: open })
  const fieldsInfo = fieldsQuery.data
  const departments = departmentsQuery.data ?? []

  const shareable = fieldsInfo?.shareableFields[entity] ?? []

  const create = useMutation({
    mutationFn: (body: NewDataGrant) => api.createDataGrant(body),
    onSuccess: (g) => {
      setFields([])
      setPurpose('')
      setOpen(false)
      onCreated(g)
      return invalidate(keys.dataGrants)
    },
  })
  const busy = create.isPending

  const submit = (e: FormEvent) => {
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
    setProblem(null)
    create.mutate({
      areaId: Number(areaId),
      entity,
      fields,
      purpose: purpose.trim(),
      expiresAt: new Date(y, m - 1, d, 23, 59, 59).toISOString(),
      ...(granteeKind === 'department' ? { departmentId: grantee } : { apiKeyId: grantee }),
    })
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
      <QueryStatus query={[fieldsQuery, departmentsQuery]} />
      <div className="registry-search-grid">
        <label className="inline-field" htmlFor={areaField}>
          {t('grants.area')}
          <AreaSelect
            id={areaField}
            testId="grant-area"
            value={areaId}
            onChange={setAreaId}
            emptyLabel={t('import.pickArea')}
          />
        </label>
        <label className="inline-field">
          {t('grants.granteeKind')}
          <select
            data-testid="grant-grantee-kind"
            value={granteeKind}
            onChange={(e) => setGranteeKind(e.target.value === 'apiKey' ? 'apiKey' : 'department')}
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
              setEntity(GRANT_ENTITIES.find((en) => en === e.target.value) ?? 'person')
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
      {create.error && (
        <p className="field-error" role="alert">
          {errorText(create.error)}
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
