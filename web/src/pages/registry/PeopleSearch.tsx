import { hashKey, useQuery } from '@tanstack/react-query'
import { useId, useState, type FormEvent } from 'react'
import { useTranslation } from 'react-i18next'
import { queries } from '../../api/queries'
import { AreaSelect } from '../../components/AreaSelect'
import { Pager } from '../../components/Pager'
import { QueryStatus } from '../../components/QueryStatus'
import { href, navigate } from '../../router'
import type { CareTag, PersonSearch, ResidenceStatus } from '../../types'
import { CARE_TAGS, PAGE_SIZE, PersonStatus, RESIDENCE_STATUSES, TagBadges } from './common'

interface Form {
  q: string
  name: string
  idNumber: string
  phone: string
  residenceStatus: ResidenceStatus | ''
  areaId: string
  tags: CareTag[]
}
const EMPTY: Form = { q: '', name: '', idNumber: '', phone: '', residenceStatus: '', areaId: '', tags: [] }
const STORE = 'grassroots.registry.search'

function toSearch(f: Form): PersonSearch {
  const s: PersonSearch = {}
  if (f.q.trim()) s.q = f.q.trim()
  if (f.name.trim()) s.name = f.name.trim()
  if (f.idNumber.trim()) s.idNumber = f.idNumber.trim()
  if (f.phone.trim()) s.phone = f.phone.trim()
  if (f.residenceStatus) s.residenceStatus = f.residenceStatus
  if (f.areaId) s.areaId = Number(f.areaId)
  if (f.tags.length) s.tags = f.tags
  return s
}

// The criteria survive opening a card and coming back; kept for the tab only, since they may hold an ID number.
function stored(): Form {
  try {
    return { ...EMPTY, ...(JSON.parse(sessionStorage.getItem(STORE) ?? '{}') as Partial<Form>) }
  } catch {
    return EMPTY
  }
}

/** People search: the criteria go in a POST body (POST /people/search), the answers come masked. */
export function PeopleSearch() {
  const { t } = useTranslation()
  const [form, setForm] = useState<Form>(stored)
  const [search, setSearch] = useState<PersonSearch>(() => toSearch(stored()))
  const [page, setPage] = useState(1)
  const [showMore, setShowMore] = useState(false)
  const areaField = useId()
  const results = useQuery(queries.peopleSearch({ ...search, page, pageSize: PAGE_SIZE }))
  const data = results.data

  const submit = (e: FormEvent) => {
    e.preventDefault()
    try {
      sessionStorage.setItem(STORE, JSON.stringify(form))
    } catch {
      /* not kept */
    }
    const next = toSearch(form)
    // Searching again for the same asks the server again.
    if (page === 1 && hashKey([next]) === hashKey([search])) void results.refetch()
    setSearch(next)
    setPage(1)
  }
  const set = (patch: Partial<Form>) => setForm((f) => ({ ...f, ...patch }))
  const toggleTag = (tag: CareTag) =>
    set({ tags: form.tags.includes(tag) ? form.tags.filter((x) => x !== tag) : [...form.tags, tag] })

  return (
    <div className="registry-section" data-testid="people-search">
      <form className="card registry-search" onSubmit={submit} data-testid="people-search-form">
        <div className="registry-search-grid">
          <label className="inline-field wide">
            {t('registry.search.q')}
            <input
              type="search"
              data-testid="people-q"
              value={form.q}
              placeholder={t('registry.search.qPlaceholder')}
              onChange={(e) => set({ q: e.target.value })}
            />
          </label>
          <label className="inline-field">
            {t('registry.person.name')}
            <input data-testid="people-name" value={form.name} onChange={(e) => set({ name: e.target.value })} />
          </label>
          <label className="inline-field">
            {t('registry.person.idNumber')}
            <input
              data-testid="people-id-number"
              value={form.idNumber}
              autoComplete="off"
              onChange={(e) => set({ idNumber: e.target.value })}
            />
          </label>
          <label className="inline-field">
            {t('registry.person.phone')}
            <input
              type="tel"
              data-testid="people-phone"
              value={form.phone}
              autoComplete="off"
              onChange={(e) => set({ phone: e.target.value })}
            />
          </label>
          <label className="inline-field">
            {t('registry.person.residenceStatus')}
            <select
              data-testid="people-residence"
              value={form.residenceStatus}
              onChange={(e) => set({ residenceStatus: RESIDENCE_STATUSES.find((s) => s === e.target.value) ?? '' })}
            >
              <option value="">{t('registry.search.any')}</option>
              {RESIDENCE_STATUSES.map((s) => (
                <option key={s} value={s}>
                  {t(`registry.residenceStatuses.${s}`)}
                </option>
              ))}
            </select>
          </label>
          <label className="inline-field" htmlFor={areaField}>
            {t('registry.person.area')}
            <AreaSelect
              id={areaField}
              testId="people-area"
              value={form.areaId}
              onChange={(areaId) => set({ areaId })}
            />
          </label>
        </div>
        <button
          type="button"
          className="btn btn-small registry-more"
          aria-expanded={showMore}
          onClick={() => setShowMore((s) => !s)}
        >
          {t('registry.search.tags')}
          {form.tags.length > 0 && <span className="queue-count">{form.tags.length}</span>}
        </button>
        {showMore && (
          <fieldset className="checks registry-tags">
            <legend className="visually-hidden">{t('registry.search.tags')}</legend>
            {CARE_TAGS.map((tag) => (
              <label key={tag} className="check">
                <input
                  type="checkbox"
                  data-testid={`people-tag-${tag}`}
                  checked={form.tags.includes(tag)}
                  onChange={() => toggleTag(tag)}
                />
                {t(`registry.careTags.${tag}`)}
              </label>
            ))}
          </fieldset>
        )}
        <div className="form-buttons">
          <button type="submit" className="btn btn-primary" data-testid="people-search-submit">
            {t('registry.search.submit')}
          </button>
          <button
            type="button"
            className="btn"
            onClick={() => {
              setForm(EMPTY)
              setSearch({})
              setPage(1)
              try {
                sessionStorage.removeItem(STORE)
              } catch {
                /* nothing kept */
              }
            }}
          >
            {t('registry.search.clear')}
          </button>
        </div>
      </form>
      <QueryStatus query={results} />
      {data && (
        <p className="muted" data-testid="people-total">
          {t('registry.search.total', { n: data.total })}
        </p>
      )}
      {data && data.items.length === 0 && (
        <p className="muted empty" data-testid="people-empty">
          {t('registry.search.empty')}
        </p>
      )}
      {data && data.items.length > 0 && (
        <div className="audit-table-wrap">
          <table className="audit-table registry-table" data-testid="people-results">
            <thead>
              <tr>
                <th scope="col">{t('registry.person.name')}</th>
                <th scope="col">{t('registry.person.idNumber')}</th>
                <th scope="col">{t('registry.person.sex')}</th>
                <th scope="col">{t('registry.person.birthDate')}</th>
                <th scope="col">{t('registry.person.phone')}</th>
                <th scope="col">{t('registry.person.residenceStatus')}</th>
                <th scope="col">{t('registry.person.area')}</th>
                <th scope="col">{t('registry.person.tags')}</th>
                <th scope="col">{t('registry.person.status')}</th>
              </tr>
            </thead>
            <tbody>
              {data.items.map((p) => (
                <tr
                  key={p.id}
                  className="clickable-row"
                  data-testid="person-row"
                  data-person-id={p.id}
                  onClick={() => navigate('registry', 'people', p.id)}
                >
                  <td>
                    <a
                      href={href('registry', 'people', p.id)}
                      data-testid="person-link"
                      onClick={(e) => e.stopPropagation()}
                    >
                      {p.name}
                    </a>
                  </td>
                  <td className="mono" data-testid="person-row-id">
                    {p.idNumber}
                  </td>
                  <td>{t(`registry.sexes.${p.sex}`, { defaultValue: p.sex })}</td>
                  <td>{p.birthDate ?? '—'}</td>
                  <td className="mono">{p.phone ?? '—'}</td>
                  <td>{t(`registry.residenceStatuses.${p.residenceStatus}`, { defaultValue: p.residenceStatus })}</td>
                  <td>{p.areaName}</td>
                  <td className="wrap">
                    <TagBadges tags={p.tags} />
                  </td>
                  <td>
                    <PersonStatus status={p.status} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {data && <Pager page={data.page} pageSize={data.pageSize} total={data.total} onPage={setPage} />}
    </div>
  )
}
