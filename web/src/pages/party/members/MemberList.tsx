import { useQuery } from '@tanstack/react-query'
import { useId, useState } from 'react'
import { useTranslation } from 'react-i18next'
import { Pager } from '../../../components/Pager'
import { QueryStatus } from '../../../components/QueryStatus'
import { hasRole } from '../../../modules'
import { routes } from '../../../router'
import type { User } from '../../../types'
import { PARTY_KEEPERS } from '../section'
import { memberQueries, roles, type MemberFilter, type Role } from './api'
import { RegisterForm } from './RegisterForm'

/** The members the caller reads: filters (organisation, reported, role, name), the list, the register form. */
export function MemberList({ user, organisationId: initial }: { user: User; organisationId?: number }) {
  const { t } = useTranslation()
  const [organisationId, setOrganisationId] = useState(initial ? String(initial) : '')
  const [reported, setReported] = useState('')
  const [role, setRole] = useState('')
  const [q, setQ] = useState('')
  const [page, setPage] = useState(1)
  const [registering, setRegistering] = useState(false)
  const filter: MemberFilter = {
    page,
    pageSize: 50,
    ...(organisationId ? { organisationId: Number(organisationId) } : {}),
    ...(reported ? { reported: reported === 'yes' } : {}),
    ...(role ? { role: role as Role } : {}),
    ...(q.trim() ? { q: q.trim() } : {}),
  }
  const list = useQuery(memberQueries.list(filter))
  const organisations = useQuery(memberQueries.organisations())
  const ids = { org: useId(), reported: useId(), role: useId(), q: useId() }
  const keeper = hasRole(user, PARTY_KEEPERS)
  return (
    <div className="pm-list" data-testid="pm-list">
      <div className="pm-toolbar">
        <a className="btn" href={routes.party('members', 'reports')} data-testid="pm-reports-link">
          {t('party.members.reportsBoard')}
        </a>
        {keeper && (
          <button
            type="button"
            className="btn btn-primary"
            onClick={() => setRegistering((r) => !r)}
            aria-expanded={registering}
            data-testid="pm-register-toggle"
          >
            {t('party.members.register')}
          </button>
        )}
      </div>
      {registering && <RegisterForm onDone={() => setRegistering(false)} />}
      <div className="pm-filters">
        <label htmlFor={ids.org}>{t('party.members.organisation')}</label>
        <select
          id={ids.org}
          value={organisationId}
          onChange={(e) => {
            setOrganisationId(e.target.value)
            setPage(1)
          }}
          data-testid="pm-filter-organisation"
        >
          <option value="">{t('party.members.all')}</option>
          {organisations.data?.items.map((o) => (
            <option key={o.id} value={o.id}>
              {o.name}
            </option>
          ))}
        </select>
        <label htmlFor={ids.reported}>{t('party.members.reported')}</label>
        <select
          id={ids.reported}
          value={reported}
          onChange={(e) => {
            setReported(e.target.value)
            setPage(1)
          }}
          data-testid="pm-filter-reported"
        >
          <option value="">{t('party.members.all')}</option>
          <option value="yes">{t('party.members.reportedYes')}</option>
          <option value="no">{t('party.members.reportedNo')}</option>
        </select>
        <label htmlFor={ids.role}>{t('party.members.role')}</label>
        <select
          id={ids.role}
          value={role}
          onChange={(e) => {
            setRole(e.target.value)
            setPage(1)
          }}
          data-testid="pm-filter-role"
        >
          <option value="">{t('party.members.all')}</option>
          {roles.map((r) => (
            <option key={r} value={r}>
              {t(`party.members.roles.${r}`)}
            </option>
          ))}
        </select>
        <label htmlFor={ids.q}>{t('party.members.name')}</label>
        <input
          id={ids.q}
          value={q}
          maxLength={20}
          onChange={(e) => {
            setQ(e.target.value)
            setPage(1)
          }}
          data-testid="pm-filter-q"
        />
      </div>
      <QueryStatus query={list} />
      {list.data && list.data.items.length === 0 && <p className="muted">{t('party.members.empty')}</p>}
      {list.data && list.data.items.length > 0 && (
        <ul className="pm-rows" data-testid="pm-rows">
          {list.data.items.map((m) => (
            <li key={m.id} className="pm-row card">
              <a href={routes.party('members', m.id)} className="pm-name" data-testid={`pm-member-${m.id}`}>
                {m.name}
              </a>
              <span className={`pm-badge pm-role-${m.role}`}>{t(`party.members.roles.${m.role}`)}</span>
              {m.standing === 'probationary' && (
                <span className="pm-badge pm-probationary">{t('party.members.standings.probationary')}</span>
              )}
              <span className="muted">{m.organisation.name}</span>
              <span className="muted">
                {t(`party.members.workplaceKinds.${m.workplaceKind}`)}
                {m.workplaceName ? ` · ${m.workplaceName}` : ''}
              </span>
              {m.reportedTo && (
                <span className="pm-badge pm-reported">
                  {t('party.members.reportedTo', { name: m.reportedTo.name })}
                </span>
              )}
              {m.liveAssignments > 0 && (
                <span className="pm-badge">{t('party.members.assignmentsCount', { count: m.liveAssignments })}</span>
              )}
            </li>
          ))}
        </ul>
      )}
      {list.data && (
        <Pager page={list.data.page} pageSize={list.data.pageSize} total={list.data.total} onPage={setPage} />
      )}
    </div>
  )
}
