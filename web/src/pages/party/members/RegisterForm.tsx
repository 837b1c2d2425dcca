import { useMutation, useQuery } from '@tanstack/react-query'
import { useId, useState, type FormEvent } from 'react'
import { useTranslation } from 'react-i18next'
import { newIdempotencyKey } from '../../../caseUtils'
import { ErrorBanner } from '../../../components/ErrorBanner'
import { navigate } from '../../../router'
import {
  memberQueries,
  membersApi,
  membersChanged,
  roles,
  standings,
  workplaceKinds,
  type NewMember,
  type Role,
  type Standing,
  type WorkplaceKind,
} from './api'

/** Register a member: find the registry person (as the registry lets the caller), the organisation, role and standing. */
export function RegisterForm({ onDone }: { onDone: () => void }) {
  const { t } = useTranslation()
  const [search, setSearch] = useState('')
  const [personId, setPersonId] = useState<number | null>(null)
  const [organisationId, setOrganisationId] = useState('')
  const [role, setRole] = useState<Role>('member')
  const [standing, setStanding] = useState<Standing>('full')
  const [joinedOn, setJoinedOn] = useState('')
  const [workplaceKind, setWorkplaceKind] = useState<WorkplaceKind>('enterprise')
  const [problem, setProblem] = useState<string | null>(null)
  const [key] = useState(newIdempotencyKey)
  const ids = {
    search: useId(),
    org: useId(),
    role: useId(),
    standing: useId(),
    joined: useId(),
    workplace: useId(),
  }
  const q = search.trim()
  const people = useQuery({
    queryKey: ['party', 'members', 'people', q],
    queryFn: ({ signal }) => membersApi.people(q, signal),
    enabled: q.length >= 1,
  })
  const organisations = useQuery(memberQueries.organisations())
  const create = useMutation({
    mutationFn: (body: NewMember) => membersApi.create(body, key),
    onSuccess: async (made) => {
      await membersChanged()
      onDone()
      navigate('party', 'members', made.id)
    },
  })
  const submit = (e: FormEvent) => {
    e.preventDefault()
    if (create.isPending) return
    if (!personId) return setProblem(t('party.members.form.needPerson'))
    if (!organisationId) return setProblem(t('party.members.form.needOrganisation'))
    if (!joinedOn) return setProblem(t('party.members.form.needJoinedOn'))
    setProblem(null)
    create.mutate({ personId, organisationId: Number(organisationId), role, standing, joinedOn, workplaceKind })
  }
  return (
    <form className="card pm-form" onSubmit={submit} data-testid="pm-register-form" noValidate>
      <h2>{t('party.members.register')}</h2>
      <label htmlFor={ids.search}>{t('party.members.form.findPerson')}</label>
      <input
        id={ids.search}
        value={search}
        maxLength={100}
        onChange={(e) => {
          setSearch(e.target.value)
          setPersonId(null)
        }}
        placeholder={t('party.members.form.findPlaceholder')}
        data-testid="pm-person-search"
      />
      {people.data && (
        <fieldset className="pm-people">
          <legend>{t('party.members.form.pickPerson')}</legend>
          {people.data.items.length === 0 && <p className="muted">{t('party.members.form.nobody')}</p>}
          {people.data.items.map((p) => (
            <label key={p.id} className="pm-person">
              <input
                type="radio"
                name="pm-person"
                value={p.id}
                checked={personId === p.id}
                onChange={() => setPersonId(p.id)}
                data-testid={`pm-person-${p.id}`}
              />
              {p.name} · {t(`party.members.sexes.${p.sex === 'male' || p.sex === 'female' ? p.sex : 'unknown'}`)}
              {p.birthDate ? ` · ${p.birthDate.slice(0, 4)}` : ''} · {p.areaName}
            </label>
          ))}
        </fieldset>
      )}
      <label htmlFor={ids.org}>{t('party.members.organisation')}</label>
      <select
        id={ids.org}
        value={organisationId}
        onChange={(e) => setOrganisationId(e.target.value)}
        data-testid="pm-form-organisation"
      >
        <option value="">{t('party.members.form.choose')}</option>
        {organisations.data?.items.map((o) => (
          <option key={o.id} value={o.id}>
            {o.name}
          </option>
        ))}
      </select>
      <label htmlFor={ids.role}>{t('party.members.role')}</label>
      <select id={ids.role} value={role} onChange={(e) => setRole(e.target.value as Role)} data-testid="pm-form-role">
        {roles.map((r) => (
          <option key={r} value={r}>
            {t(`party.members.roles.${r}`)}
          </option>
        ))}
      </select>
      <label htmlFor={ids.standing}>{t('party.members.standing')}</label>
      <select id={ids.standing} value={standing} onChange={(e) => setStanding(e.target.value as Standing)}>
        {standings.map((s) => (
          <option key={s} value={s}>
            {t(`party.members.standings.${s}`)}
          </option>
        ))}
      </select>
      <label htmlFor={ids.joined}>{t('party.members.joinedOn')}</label>
      <input
        id={ids.joined}
        type="date"
        value={joinedOn}
        onChange={(e) => setJoinedOn(e.target.value)}
        data-testid="pm-form-joined"
      />
      <label htmlFor={ids.workplace}>{t('party.members.workplace')}</label>
      <select
        id={ids.workplace}
        value={workplaceKind}
        onChange={(e) => setWorkplaceKind(e.target.value as WorkplaceKind)}
        data-testid="pm-form-workplace"
      >
        {workplaceKinds.map((w) => (
          <option key={w} value={w}>
            {t(`party.members.workplaceKinds.${w}`)}
          </option>
        ))}
      </select>
      {problem && (
        <p className="error" role="alert">
          {problem}
        </p>
      )}
      {create.isError && <ErrorBanner error={create.error} />}
      <div className="pm-actions">
        <button type="submit" className="btn btn-primary" disabled={create.isPending} data-testid="pm-register-submit">
          {t('party.members.form.save')}
        </button>
        <button type="button" className="btn" onClick={onDone}>
          {t('party.members.form.cancel')}
        </button>
      </div>
    </form>
  )
}
