import { useMutation, useQuery } from '@tanstack/react-query'
import { useId, useState, type FormEvent } from 'react'
import { useTranslation } from 'react-i18next'
import { newIdempotencyKey } from '../../../caseUtils'
import { AreaSelect } from '../../../components/AreaSelect'
import { ErrorBanner } from '../../../components/ErrorBanner'
import { QueryStatus } from '../../../components/QueryStatus'
import { routes } from '../../../router'
import {
  memberQueries,
  membersApi,
  membersChanged,
  roles,
  servicePosts,
  standings,
  type MemberDetail,
  type MemberPatch,
  type Role,
  type ServicePost,
  type Standing,
} from './api'

/** One member: organisation, reports, assignments, service hours; report, assign, end, change, leave. */
export function MemberPage({ id }: { id: number }) {
  const { t } = useTranslation()
  const detail = useQuery(memberQueries.detail(id))
  const m = detail.data
  const active = m?.status === 'active'
  return (
    <div className="pm-detail" data-testid="pm-detail">
      <a className="back-link" href={routes.party('members')}>
        ← {t('party.members.back')}
      </a>
      <QueryStatus query={detail} />
      {m && (
        <>
          <section className="card">
            <h2 className="pm-title">
              <span data-testid="pm-detail-name">{m.name}</span>{' '}
              <span className={`pm-badge pm-role-${m.role}`}>{t(`party.members.roles.${m.role}`)}</span>
              {m.status !== 'active' && (
                <span className="pm-badge pm-left">{t(`party.members.statuses.${m.status}`)}</span>
              )}
            </h2>
            <dl className="pm-facts">
              <dt>{t('party.members.organisation')}</dt>
              <dd>
                <a href={routes.party('organisations', m.organisation.id)}>{m.organisation.name}</a>
              </dd>
              <dt>{t('party.members.sex')}</dt>
              <dd>
                {t(`party.members.sexes.${m.sex}`)}
                {m.age !== null ? ` · ${t('party.members.age', { count: m.age })}` : ''}
              </dd>
              <dt>{t('party.members.standing')}</dt>
              <dd>{t(`party.members.standings.${m.standing}`)}</dd>
              <dt>{t('party.members.joinedOn')}</dt>
              <dd>{m.joinedOn}</dd>
              <dt>{t('party.members.workplace')}</dt>
              <dd>
                {t(`party.members.workplaceKinds.${m.workplaceKind}`)}
                {m.workplaceName ? ` · ${m.workplaceName}` : ''}
              </dd>
              <dt>{t('party.members.reported')}</dt>
              <dd data-testid="pm-detail-reported">{m.reportedTo?.name ?? '—'}</dd>
              {m.leftOn && (
                <>
                  <dt>{t('party.members.leftOn')}</dt>
                  <dd>{m.leftOn}</dd>
                </>
              )}
            </dl>
          </section>
          <Reports m={m} />
          <Assignments m={m} />
          <Service m={m} />
          {m.canManage && active && <ChangeForm m={m} />}
        </>
      )}
    </div>
  )
}

function Reports({ m }: { m: MemberDetail }) {
  const { t } = useTranslation()
  const withdraw = useMutation({
    mutationFn: (r: { id: number; version: number }) => membersApi.withdraw(r.id, r.version),
    onSuccess: membersChanged,
  })
  const hasActive = m.reports.some((r) => r.status === 'active')
  return (
    <section className="card" aria-labelledby="pm-reports-title">
      <h3 id="pm-reports-title">{t('party.members.reports')}</h3>
      {m.reports.length === 0 && <p className="muted">{t('party.members.noReports')}</p>}
      <ul className="pm-sublist" data-testid="pm-reports">
        {m.reports.map((r) => (
          <li key={r.id}>
            <strong>{r.community.name}</strong> · {t(`party.members.posts.${r.servicePost}`)} · {r.reportedOn}
            {' · '}
            {t('party.members.hoursSince', { hours: r.hoursSince })}
            {r.status === 'withdrawn' && ` · ${t('party.members.withdrawnOn', { date: r.withdrawnOn })}`}
            {r.note && <div className="muted">{r.note}</div>}
            {r.status === 'active' && m.canManage && (
              <button
                type="button"
                className="btn btn-small"
                disabled={withdraw.isPending}
                onClick={() => withdraw.mutate({ id: r.id, version: r.version })}
                data-testid={`pm-withdraw-${r.id}`}
              >
                {t('party.members.withdraw')}
              </button>
            )}
          </li>
        ))}
      </ul>
      {withdraw.isError && <ErrorBanner error={withdraw.error} />}
      {m.status === 'active' && !hasActive && <ReportForm memberId={m.id} />}
    </section>
  )
}

function ReportForm({ memberId }: { memberId: number }) {
  const { t } = useTranslation()
  const [communityId, setCommunityId] = useState('')
  const [post, setPost] = useState<ServicePost>('volunteer_service')
  const [note, setNote] = useState('')
  const [key, setKey] = useState(newIdempotencyKey)
  const ids = { community: useId(), post: useId(), note: useId() }
  const report = useMutation({
    mutationFn: () =>
      membersApi.report(
        memberId,
        {
          servicePost: post,
          ...(communityId ? { communityId: Number(communityId) } : {}),
          ...(note.trim() ? { note: note.trim() } : {}),
        },
        key,
      ),
    onSuccess: async () => {
      setKey(newIdempotencyKey())
      setNote('')
      await membersChanged()
    },
  })
  const submit = (e: FormEvent) => {
    e.preventDefault()
    if (!report.isPending) report.mutate()
  }
  return (
    <form className="pm-inline-form" onSubmit={submit} data-testid="pm-report-form">
      <h4>{t('party.members.reportTitle')}</h4>
      <label htmlFor={ids.community}>{t('party.members.community')}</label>
      <AreaSelect
        id={ids.community}
        value={communityId}
        onChange={setCommunityId}
        maxLevel="community"
        emptyLabel={t('party.members.ownCommunity')}
        testId="pm-report-community"
      />
      <label htmlFor={ids.post}>{t('party.members.servicePost')}</label>
      <select
        id={ids.post}
        value={post}
        onChange={(e) => setPost(e.target.value as ServicePost)}
        data-testid="pm-report-post"
      >
        {servicePosts.map((p) => (
          <option key={p} value={p}>
            {t(`party.members.posts.${p}`)}
          </option>
        ))}
      </select>
      <label htmlFor={ids.note}>{t('party.members.note')}</label>
      <input id={ids.note} value={note} maxLength={500} onChange={(e) => setNote(e.target.value)} />
      {report.isError && <ErrorBanner error={report.error} />}
      <button type="submit" className="btn btn-primary" disabled={report.isPending} data-testid="pm-report-submit">
        {t('party.members.reportSubmit')}
      </button>
    </form>
  )
}

function Assignments({ m }: { m: MemberDetail }) {
  const { t } = useTranslation()
  const end = useMutation({ mutationFn: (id: number) => membersApi.end(id), onSuccess: membersChanged })
  return (
    <section className="card" aria-labelledby="pm-assignments-title">
      <h3 id="pm-assignments-title">{t('party.members.assignments')}</h3>
      {m.assignments.length === 0 && <p className="muted">{t('party.members.noAssignments')}</p>}
      <ul className="pm-sublist" data-testid="pm-assignments">
        {m.assignments.map((a) => (
          <li key={a.id} data-testid={`pm-assignment-${a.id}`}>
            {a.grid && (
              <>
                {t('party.members.onGrid')} <strong>{a.grid.name}</strong>
              </>
            )}
            {a.case && (
              <>
                {t('party.members.onCase')}{' '}
                <a href={routes.case(a.case.id)}>
                  <strong>{a.case.trackingCode}</strong>
                </a>
              </>
            )}
            {' · '}
            {a.endedAt ? t('party.members.ended') : t('party.members.live')}
            {a.note && <div className="muted">{a.note}</div>}
            {!a.endedAt && m.canManage && (
              <button
                type="button"
                className="btn btn-small"
                disabled={end.isPending}
                onClick={() => end.mutate(a.id)}
                data-testid={`pm-end-${a.id}`}
              >
                {t('party.members.end')}
              </button>
            )}
          </li>
        ))}
      </ul>
      {end.isError && <ErrorBanner error={end.error} />}
      {m.status === 'active' && m.canManage && <AssignForm memberId={m.id} />}
    </section>
  )
}

function AssignForm({ memberId }: { memberId: number }) {
  const { t } = useTranslation()
  const [kind, setKind] = useState<'case' | 'grid'>('case')
  const [gridId, setGridId] = useState('')
  const [caseCode, setCaseCode] = useState('')
  const [note, setNote] = useState('')
  const [key, setKey] = useState(newIdempotencyKey)
  const ids = { kind: useId(), grid: useId(), code: useId(), note: useId() }
  const assign = useMutation({
    mutationFn: () =>
      membersApi.assign(
        memberId,
        {
          ...(kind === 'grid' ? { gridId: Number(gridId) } : { caseCode: caseCode.trim() }),
          ...(note.trim() ? { note: note.trim() } : {}),
        },
        key,
      ),
    onSuccess: async () => {
      setKey(newIdempotencyKey())
      setCaseCode('')
      setNote('')
      await membersChanged()
    },
  })
  const submit = (e: FormEvent) => {
    e.preventDefault()
    if (!assign.isPending) assign.mutate()
  }
  return (
    <form className="pm-inline-form" onSubmit={submit} data-testid="pm-assign-form">
      <h4>{t('party.members.assignTitle')}</h4>
      <label htmlFor={ids.kind}>{t('party.members.assignTo')}</label>
      <select
        id={ids.kind}
        value={kind}
        onChange={(e) => setKind(e.target.value as 'case' | 'grid')}
        data-testid="pm-assign-kind"
      >
        <option value="case">{t('party.members.toCase')}</option>
        <option value="grid">{t('party.members.toGrid')}</option>
      </select>
      {kind === 'grid' ? (
        <>
          <label htmlFor={ids.grid}>{t('party.members.grid')}</label>
          <AreaSelect
            id={ids.grid}
            value={gridId}
            onChange={setGridId}
            emptyLabel={t('party.members.form.choose')}
            testId="pm-assign-grid"
          />
        </>
      ) : (
        <>
          <label htmlFor={ids.code}>{t('party.members.caseCode')}</label>
          <input
            id={ids.code}
            value={caseCode}
            maxLength={40}
            onChange={(e) => setCaseCode(e.target.value)}
            data-testid="pm-assign-case"
          />
        </>
      )}
      <label htmlFor={ids.note}>{t('party.members.note')}</label>
      <input id={ids.note} value={note} maxLength={500} onChange={(e) => setNote(e.target.value)} />
      {assign.isError && <ErrorBanner error={assign.error} />}
      <button type="submit" className="btn btn-primary" disabled={assign.isPending} data-testid="pm-assign-submit">
        {t('party.members.assign')}
      </button>
    </form>
  )
}

function Service({ m }: { m: MemberDetail }) {
  const { t } = useTranslation()
  return (
    <section className="card" aria-labelledby="pm-service-title" data-testid="pm-service">
      <h3 id="pm-service-title">{t('party.members.service')}</h3>
      {!m.service && <p className="muted">{t('party.members.noService')}</p>}
      {m.service && (
        <>
          <p>{t('party.members.hoursTotal', { hours: m.service.hoursTotal })}</p>
          <ul className="pm-sublist">
            {m.service.activities.map((a) => (
              <li key={a.id}>
                {a.title} · {a.startsAt.slice(0, 10)}
                {a.hours !== null ? ` · ${t('party.members.hours', { hours: a.hours })}` : ''}
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  )
}

function ChangeForm({ m }: { m: MemberDetail }) {
  const { t } = useTranslation()
  const [role, setRole] = useState<Role>(m.role)
  const [standing, setStanding] = useState<Standing>(m.standing)
  const [organisationId, setOrganisationId] = useState(String(m.organisation.id))
  const [leaving, setLeaving] = useState('')
  const [leftOn, setLeftOn] = useState('')
  const organisations = useQuery(memberQueries.organisations())
  const ids = { role: useId(), standing: useId(), org: useId(), leaving: useId(), leftOn: useId() }
  const change = useMutation({
    mutationFn: (body: MemberPatch) => membersApi.update(m.id, body),
    onSuccess: membersChanged,
  })
  const submit = (e: FormEvent) => {
    e.preventDefault()
    if (change.isPending) return
    change.mutate({
      version: m.version,
      ...(role !== m.role ? { role } : {}),
      ...(standing !== m.standing ? { standing } : {}),
      ...(Number(organisationId) !== m.organisation.id ? { organisationId: Number(organisationId) } : {}),
      ...(leaving === 'transferred' || leaving === 'left' ? { status: leaving, leftOn } : {}),
    })
  }
  return (
    <form className="card pm-inline-form" onSubmit={submit} data-testid="pm-change-form">
      <h3>{t('party.members.change')}</h3>
      <label htmlFor={ids.role}>{t('party.members.role')}</label>
      <select id={ids.role} value={role} onChange={(e) => setRole(e.target.value as Role)}>
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
      <label htmlFor={ids.org}>{t('party.members.transferTo')}</label>
      <select id={ids.org} value={organisationId} onChange={(e) => setOrganisationId(e.target.value)}>
        {!organisations.data?.items.some((o) => o.id === m.organisation.id) && (
          <option value={m.organisation.id}>{m.organisation.name}</option>
        )}
        {organisations.data?.items.map((o) => (
          <option key={o.id} value={o.id}>
            {o.name}
          </option>
        ))}
      </select>
      <label htmlFor={ids.leaving}>{t('party.members.leaving')}</label>
      <select id={ids.leaving} value={leaving} onChange={(e) => setLeaving(e.target.value)} data-testid="pm-leaving">
        <option value="">{t('party.members.staying')}</option>
        <option value="transferred">{t('party.members.statuses.transferred')}</option>
        <option value="left">{t('party.members.statuses.left')}</option>
      </select>
      {leaving && (
        <>
          <label htmlFor={ids.leftOn}>{t('party.members.leftOn')}</label>
          <input id={ids.leftOn} type="date" value={leftOn} onChange={(e) => setLeftOn(e.target.value)} />
        </>
      )}
      {change.isError && <ErrorBanner error={change.error} />}
      <button type="submit" className="btn btn-primary" disabled={change.isPending} data-testid="pm-change-submit">
        {t('party.members.save')}
      </button>
    </form>
  )
}
