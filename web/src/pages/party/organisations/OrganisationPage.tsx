import { useMutation, useQuery } from '@tanstack/react-query'
import { useId, useState, type FormEvent } from 'react'
import { useTranslation } from 'react-i18next'
import { AreaSelect } from '../../../components/AreaSelect'
import { ErrorBanner } from '../../../components/ErrorBanner'
import { QueryStatus } from '../../../components/QueryStatus'
import { localName } from '../../../i18n'
import { routes } from '../../../router'
import type { User } from '../../../types'
import { memberRolesOf, organisationQueries, organisationsApi, organisationsChanged, type Organisation } from './api'
import { KindBadge, readerAreas } from './common'

/** One organisation: details, the organisation above and those below, buildings, members, edit and dissolve. */
export function OrganisationPage({ id, user }: { id: number; user: User }) {
  const { t, i18n } = useTranslation()
  const detail = useQuery(organisationQueries.detail(id))
  const o = detail.data
  const [editing, setEditing] = useState(false)
  return (
    <div className="po-detail" data-testid="po-detail">
      <a className="back-link" href={routes.party('organisations')}>
        ← {t('party.organisations.back')}
      </a>
      <QueryStatus query={detail} />
      {o && (
        <>
          <section className="card">
            <h2 className="po-title">
              <KindBadge kind={o.kind} /> <span data-testid="po-detail-name">{o.name}</span>
              {o.status === 'dissolved' && (
                <span className="po-badge po-dissolved">{t('party.organisations.statuses.dissolved')}</span>
              )}
            </h2>
            <dl className="po-facts">
              <dt>{t('party.organisations.code')}</dt>
              <dd>{o.code}</dd>
              <dt>{t('party.organisations.sector')}</dt>
              <dd>{t(`party.organisations.sectors.${o.sector}`)}</dd>
              <dt>{t('party.organisations.area')}</dt>
              <dd>{localName(o.area, i18n.language)}</dd>
              <dt>{t('party.organisations.parent')}</dt>
              <dd>{o.parent ? <a href={routes.party('organisations', o.parent.id)}>{o.parent.name}</a> : '—'}</dd>
              {o.registryOrganisation && (
                <>
                  <dt>{t('party.organisations.registryOrganisation')}</dt>
                  <dd>{o.registryOrganisation.name ?? `#${o.registryOrganisation.id}`}</dd>
                </>
              )}
              {o.department && (
                <>
                  <dt>{t('party.organisations.department')}</dt>
                  <dd>{localName(o.department, i18n.language)}</dd>
                </>
              )}
              <dt>{t('party.organisations.secretary')}</dt>
              <dd>{o.secretary?.name ?? '—'}</dd>
              <dt>{t('party.organisations.foundedOn')}</dt>
              <dd>{o.foundedOn ?? '—'}</dd>
              {o.dissolvedOn && (
                <>
                  <dt>{t('party.organisations.dissolvedOn')}</dt>
                  <dd>{o.dissolvedOn}</dd>
                </>
              )}
              <dt>{t('party.organisations.cobuild')}</dt>
              <dd>{o.cobuildAgreements}</dd>
            </dl>
          </section>
          <section className="card" aria-labelledby="po-members-title">
            <h3 id="po-members-title">{t('party.organisations.members')}</h3>
            <p data-testid="po-detail-members">{t('party.organisations.memberCount', { count: o.members })}</p>
            <ul className="po-inline">
              {memberRolesOf(o).map(([role, n]) => (
                <li key={role}>
                  {t(`party.organisations.roles.${role}`)}: {n}
                </li>
              ))}
              <li>
                {t('party.organisations.standings.full')}: {o.membersByStanding.full}
              </li>
              <li>
                {t('party.organisations.standings.probationary')}: {o.membersByStanding.probationary}
              </li>
            </ul>
            <a href={routes.party('members', 'organisation', o.id)} data-testid="po-members-link">
              {t('party.organisations.seeMembers')}
            </a>
          </section>
          <section className="card" aria-labelledby="po-children-title">
            <h3 id="po-children-title">{t('party.organisations.children')}</h3>
            {o.children.length === 0 ? (
              <p className="muted">{t('party.organisations.noChildren')}</p>
            ) : (
              <ul className="po-children" data-testid="po-children">
                {o.children.map((c) => (
                  <li key={c.id}>
                    <KindBadge kind={c.kind} /> <a href={routes.party('organisations', c.id)}>{c.name}</a>{' '}
                    <span className="muted">
                      {t('party.organisations.memberCount', { count: c.members })}
                      {c.status === 'dissolved' ? ` · ${t('party.organisations.statuses.dissolved')}` : ''}
                    </span>
                  </li>
                ))}
              </ul>
            )}
          </section>
          {o.buildings.length > 0 && (
            <section className="card" aria-labelledby="po-buildings-title">
              <h3 id="po-buildings-title">{t('party.organisations.buildings')}</h3>
              <ul className="po-inline">
                {o.buildings.map((b) => (
                  <li key={b.id}>{b.name ?? `#${b.id}`}</li>
                ))}
              </ul>
            </section>
          )}
          {o.canEdit &&
            (editing ? (
              <EditForm o={o} user={user} onDone={() => setEditing(false)} />
            ) : (
              <div className="po-actions">
                <button type="button" className="btn" onClick={() => setEditing(true)} data-testid="po-edit">
                  {t('party.organisations.edit')}
                </button>
                <DissolveButton o={o} />
              </div>
            ))}
        </>
      )}
    </div>
  )
}

function EditForm({ o, user, onDone }: { o: Organisation; user: User; onDone: () => void }) {
  const { t } = useTranslation()
  const [name, setName] = useState(o.name)
  const [foundedOn, setFoundedOn] = useState(o.foundedOn ?? '')
  const [areaId, setAreaId] = useState(String(o.area.id))
  const [parentId, setParentId] = useState(o.parent ? String(o.parent.id) : '')
  const ids = { name: useId(), founded: useId(), area: useId(), parent: useId() }
  // The organisations it may move under: active, not a group, not itself (the server refuses cycles).
  const tree = useQuery(organisationQueries.tree(readerAreas(user)[0]?.areaId ?? o.area.id))
  const parents = (tree.data?.nodes ?? []).filter((n) => n.status === 'active' && n.kind !== 'group' && n.id !== o.id)
  const save = useMutation({
    mutationFn: () =>
      organisationsApi.update(o.id, {
        version: o.version,
        ...(name.trim() !== o.name ? { name: name.trim() } : {}),
        ...(foundedOn !== (o.foundedOn ?? '') ? { foundedOn: foundedOn || null } : {}),
        ...(areaId && Number(areaId) !== o.area.id ? { areaId: Number(areaId) } : {}),
        ...(parentId && Number(parentId) !== o.parent?.id ? { parentId: Number(parentId) } : {}),
      }),
    onSuccess: async () => {
      await organisationsChanged()
      onDone()
    },
  })
  const submit = (e: FormEvent) => {
    e.preventDefault()
    if (!save.isPending) save.mutate()
  }
  return (
    <form className="card po-form" onSubmit={submit} data-testid="po-edit-form">
      <label className="field" htmlFor={ids.name}>
        <span>{t('party.organisations.name')}</span>
        <input
          id={ids.name}
          value={name}
          minLength={2}
          maxLength={100}
          onChange={(e) => setName(e.target.value)}
          data-testid="po-edit-name"
        />
      </label>
      <label className="field" htmlFor={ids.founded}>
        <span>{t('party.organisations.foundedOn')}</span>
        <input id={ids.founded} type="date" value={foundedOn} onChange={(e) => setFoundedOn(e.target.value)} />
      </label>
      <label className="field" htmlFor={ids.area}>
        <span>{t('party.organisations.area')}</span>
        <AreaSelect id={ids.area} value={areaId} onChange={setAreaId} testId="po-edit-area" />
      </label>
      {o.parent && (
        <label className="field" htmlFor={ids.parent}>
          <span>{t('party.organisations.parent')}</span>
          <select
            id={ids.parent}
            value={parentId}
            onChange={(e) => setParentId(e.target.value)}
            data-testid="po-edit-parent"
          >
            {parents.map((n) => (
              <option key={n.id} value={n.id}>
                {'\u00a0'.repeat(n.depth * 2)}
                {n.name}
              </option>
            ))}
          </select>
        </label>
      )}
      {save.error && <ErrorBanner error={save.error} />}
      <div className="po-actions">
        <button
          type="submit"
          className="btn btn-primary"
          disabled={save.isPending || name.trim().length < 2}
          data-testid="po-edit-save"
        >
          {t('party.organisations.save')}
        </button>
        <button type="button" className="btn" onClick={onDone}>
          {t('party.organisations.cancel')}
        </button>
      </div>
    </form>
  )
}

function DissolveButton({ o }: { o: Organisation }) {
  const { t } = useTranslation()
  const dissolve = useMutation({
    mutationFn: () => organisationsApi.update(o.id, { version: o.version, status: 'dissolved' }),
    onSuccess: () => organisationsChanged(),
  })
  return (
    <>
      <button
        type="button"
        className="btn btn-danger"
        disabled={dissolve.isPending}
        onClick={() => {
          if (window.confirm(t('party.organisations.dissolveConfirm', { name: o.name }))) dissolve.mutate()
        }}
        data-testid="po-dissolve"
      >
        {t('party.organisations.dissolve')}
      </button>
      {dissolve.error && <ErrorBanner error={dissolve.error} />}
    </>
  )
}
