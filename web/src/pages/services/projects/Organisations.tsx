import { keepPreviousData, useMutation, useQuery } from '@tanstack/react-query'
import { type FormEvent, useState } from 'react'
import { useTranslation } from 'react-i18next'
import { newIdempotencyKey } from '../../../caseUtils'
import { ErrorBanner } from '../../../components/ErrorBanner'
import { Pager } from '../../../components/Pager'
import { QueryStatus } from '../../../components/QueryStatus'
import { localName } from '../../../i18n'
import { routes } from '../../../router'
import {
  type OrganisationField,
  type OrganisationView,
  organisationChanged,
  organisationFields,
  projectApi,
  projectQueries,
} from './api'
import { Rating, StateChip } from './common'

const PAGE_SIZE = 20

/** Social organisations on the caller's branch: filter by field and name; staff register new ones. */
export function OrganisationList({ staff }: { staff: boolean }) {
  const { t } = useTranslation()
  const [field, setField] = useState<OrganisationField | ''>('')
  const [q, setQ] = useState('')
  const [page, setPage] = useState(1)
  const [adding, setAdding] = useState(false)
  const list = useQuery({
    ...projectQueries.organisations({
      page,
      pageSize: PAGE_SIZE,
      ...(field ? { field } : {}),
      ...(q.trim() ? { q: q.trim() } : {}),
    }),
    placeholderData: keepPreviousData,
  })
  const data = list.data
  return (
    <div data-testid="organisation-list">
      <div className="projects-toolbar">
        <label className="field-inline">
          <span>{t('services.projects.organisations.field')}</span>
          <select
            value={field}
            onChange={(e) => {
              setField(e.target.value as OrganisationField | '')
              setPage(1)
            }}
            data-testid="organisation-filter-field"
          >
            <option value="">{t('services.projects.all')}</option>
            {organisationFields.map((f) => (
              <option key={f} value={f}>
                {t(`services.projects.fields.${f}`)}
              </option>
            ))}
          </select>
        </label>
        <label className="field-inline">
          <span>{t('services.projects.organisations.search')}</span>
          <input
            type="search"
            value={q}
            maxLength={100}
            onChange={(e) => {
              setQ(e.target.value)
              setPage(1)
            }}
            data-testid="organisation-search"
          />
        </label>
        {staff && (
          <button type="button" className="btn" onClick={() => setAdding((a) => !a)} data-testid="organisation-add">
            {t('services.projects.organisations.register')}
          </button>
        )}
      </div>
      {adding && <RegisterOrganisation onDone={() => setAdding(false)} />}
      <QueryStatus query={list} />
      {data && data.items.length === 0 && <p className="muted empty">{t('services.projects.organisations.empty')}</p>}
      {data && data.items.length > 0 && (
        <ul className="card-list project-cards" aria-label={t('services.projects.nav.organisations')}>
          {data.items.map((o) => (
            <OrganisationCard key={o.id} org={o} />
          ))}
        </ul>
      )}
      {data && <Pager page={data.page} pageSize={data.pageSize} total={data.total} onPage={setPage} />}
    </div>
  )
}

function OrganisationCard({ org: o }: { org: OrganisationView }) {
  const { t, i18n } = useTranslation()
  return (
    <li className="card project-card" data-testid="organisation-card" data-id={o.id}>
      <div className="project-card-head">
        <a href={routes.services('projects', 'organisations', o.id)} className="project-card-title">
          {o.name}
        </a>
        <StateChip state={o.status} />
      </div>
      <p className="muted">
        {localName(o.area, i18n.language)} · {t('services.projects.organisations.capacity', { n: o.capacity })}
      </p>
      <p className="chips">
        {o.fields.map((f) => (
          <span key={f} className="chip">
            {t(`services.projects.fields.${f}`)}
          </span>
        ))}
      </p>
      <Rating rating={o.rating} count={o.ratedProjects} />
    </li>
  )
}

/** Register a registry organisation (kind social_organisation) by its registry id. */
function RegisterOrganisation({ onDone }: { onDone: () => void }) {
  const { t } = useTranslation()
  const [key] = useState(newIdempotencyKey)
  const [organisationId, setOrganisationId] = useState('')
  const [fields, setFields] = useState<OrganisationField[]>([])
  const [capacity, setCapacity] = useState('50')
  const [contactName, setContactName] = useState('')
  const [contactPhone, setContactPhone] = useState('')
  const [description, setDescription] = useState('')
  const save = useMutation({
    mutationFn: () =>
      projectApi.registerOrganisation(
        {
          organisationId: Number(organisationId),
          fields,
          capacity: Number(capacity),
          contactName,
          contactPhone,
          ...(description.trim() ? { description } : {}),
        },
        key,
      ),
    onSuccess: async (d) => {
      await organisationChanged(d)
      onDone()
    },
  })
  const submit = (e: FormEvent) => {
    e.preventDefault()
    save.mutate()
  }
  return (
    <form className="card project-form" onSubmit={submit} data-testid="organisation-form">
      <h2 className="section-title">{t('services.projects.organisations.register')}</h2>
      <p className="muted">{t('services.projects.organisations.registerHint')}</p>
      <label className="field">
        <span>{t('services.projects.organisations.registryId')}</span>
        <input
          type="number"
          min={1}
          required
          value={organisationId}
          onChange={(e) => setOrganisationId(e.target.value)}
          data-testid="organisation-registry-id"
        />
      </label>
      <FieldPicker value={fields} onChange={setFields} />
      <label className="field">
        <span>{t('services.projects.organisations.capacityLabel')}</span>
        <input
          type="number"
          min={1}
          max={100000}
          required
          value={capacity}
          onChange={(e) => setCapacity(e.target.value)}
        />
      </label>
      <label className="field">
        <span>{t('services.projects.organisations.contactName')}</span>
        <input required maxLength={100} value={contactName} onChange={(e) => setContactName(e.target.value)} />
      </label>
      <label className="field">
        <span>{t('services.projects.organisations.contactPhone')}</span>
        <input
          required
          type="tel"
          pattern="[0-9+ \-]{5,20}"
          value={contactPhone}
          onChange={(e) => setContactPhone(e.target.value)}
        />
      </label>
      <label className="field">
        <span>{t('services.projects.organisations.description')}</span>
        <textarea maxLength={2000} value={description} onChange={(e) => setDescription(e.target.value)} />
      </label>
      <ErrorBanner error={save.error} />
      <div className="form-actions">
        <button type="submit" className="btn btn-primary" disabled={save.isPending || fields.length === 0}>
          {t('services.projects.save')}
        </button>
        <button type="button" className="btn" onClick={onDone}>
          {t('services.projects.cancel')}
        </button>
      </div>
    </form>
  )
}

function FieldPicker({ value, onChange }: { value: OrganisationField[]; onChange: (v: OrganisationField[]) => void }) {
  const { t } = useTranslation()
  return (
    <fieldset className="plain-fieldset field">
      <legend>{t('services.projects.organisations.fieldsLabel')}</legend>
      <div className="chips">
        {organisationFields.map((f) => (
          <label key={f} className="check">
            <input
              type="checkbox"
              checked={value.includes(f)}
              onChange={(e) => onChange(e.target.checked ? [...value, f] : value.filter((x) => x !== f))}
            />
            {t(`services.projects.fields.${f}`)}
          </label>
        ))}
      </div>
    </fieldset>
  )
}

/** An organisation's profile: registry facts, fields, capacity, contact (staff), rating and project history. */
export function OrganisationPage({ id }: { id: number }) {
  const { t, i18n } = useTranslation()
  const lng = i18n.language
  const query = useQuery(projectQueries.organisation(id))
  const o = query.data
  const toggle = useMutation({
    mutationFn: () => {
      if (!o) throw new Error('not loaded')
      return projectApi.updateOrganisation(o.id, {
        fields: o.fields,
        capacity: o.capacity,
        contactName: o.contact?.name ?? '',
        contactPhone: o.contact?.phone ?? '',
        ...(o.description ? { description: o.description } : {}),
        status: o.status === 'active' ? 'suspended' : 'active',
      })
    },
    onSuccess: (d) => organisationChanged(d),
  })
  if (!o) return <QueryStatus query={query} />
  return (
    <article className="project-page" data-testid="organisation-page" data-id={o.id}>
      <div className="project-head">
        <h2 className="section-title">{o.name}</h2>
        <StateChip state={o.status} />
      </div>
      <dl className="facts">
        <dt>{t('services.projects.organisations.uscc')}</dt>
        <dd>{o.uscc ?? '—'}</dd>
        <dt>{t('services.projects.organisations.legal')}</dt>
        <dd>{o.legalRepresentative ?? '—'}</dd>
        <dt>{t('services.projects.organisations.address')}</dt>
        <dd>{o.address ?? '—'}</dd>
        <dt>{t('services.projects.area')}</dt>
        <dd>{localName(o.area, lng)}</dd>
        <dt>{t('services.projects.organisations.capacityLabel')}</dt>
        <dd>{o.capacity}</dd>
        <dt>{t('services.projects.organisations.fieldsLabel')}</dt>
        <dd>{o.fields.map((f) => t(`services.projects.fields.${f}`)).join('、')}</dd>
        {o.contact && (
          <>
            <dt>{t('services.projects.organisations.contact')}</dt>
            <dd data-testid="organisation-contact">
              {o.contact.name} · <a href={`tel:${o.contact.phone}`}>{o.contact.phone}</a>
            </dd>
          </>
        )}
        <dt>{t('services.projects.organisations.rating')}</dt>
        <dd data-testid="organisation-rating">
          <Rating rating={o.rating} count={o.ratedProjects} />
        </dd>
      </dl>
      {o.description && <p className="project-scope">{o.description}</p>}
      {o.canManage && (
        <div className="form-actions">
          <button
            type="button"
            className="btn"
            onClick={() => toggle.mutate()}
            disabled={toggle.isPending}
            data-testid="organisation-toggle"
          >
            {o.status === 'active'
              ? t('services.projects.organisations.suspend')
              : t('services.projects.organisations.resume')}
          </button>
        </div>
      )}
      <ErrorBanner error={toggle.error} />
      <h3 className="section-title">{t('services.projects.organisations.history')}</h3>
      {o.projects.length === 0 ? (
        <p className="muted">{t('services.projects.organisations.noHistory')}</p>
      ) : (
        <table className="table project-history">
          <thead>
            <tr>
              <th scope="col">{t('services.projects.reference')}</th>
              <th scope="col">{t('services.projects.title')}</th>
              <th scope="col">{t('services.projects.term')}</th>
              <th scope="col">{t('services.projects.statusLabel')}</th>
              <th scope="col">{t('services.projects.finalScore')}</th>
            </tr>
          </thead>
          <tbody>
            {o.projects.map((p) => (
              <tr key={p.id}>
                <td>{p.reference}</td>
                <td>
                  <a href={routes.services('projects', p.id)}>{p.title}</a>
                </td>
                <td>
                  {p.startsOn} – {p.endsOn}
                </td>
                <td>{t(`services.projects.states.${p.status}`)}</td>
                <td>{p.finalScore ?? '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </article>
  )
}
