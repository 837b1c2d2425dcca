import { keepPreviousData, useMutation, useQuery } from '@tanstack/react-query'
import { useState, type FormEvent } from 'react'
import { useTranslation } from 'react-i18next'
import { AreaSelect } from '../../../components/AreaSelect'
import { Pager } from '../../../components/Pager'
import { QueryStatus } from '../../../components/QueryStatus'
import { newIdempotencyKey } from '../../../caseUtils'
import { localName } from '../../../i18n'
import { navigate, routes } from '../../../router'
import {
  councilChanged,
  meetingApi,
  meetingQueries,
  type CouncilDetail as Detail,
  type CouncilMember,
  type MemberRole,
} from './api'
import { MEMBER_ROLES, PAGE_SIZE, Problem, Required } from './common'

const termText = (start: string, end: string) => `${start} – ${end}`

/** Resident councils on the caller's branch, with their current term and sitting members. */
export function CouncilList({ staff }: { staff: boolean }) {
  const { t, i18n } = useTranslation()
  const [page, setPage] = useState(1)
  const [adding, setAdding] = useState(false)
  const list = useQuery({
    ...meetingQueries.councils({ page, pageSize: PAGE_SIZE }),
    placeholderData: keepPreviousData,
  })
  const data = list.data
  return (
    <div className="council-list-page" data-testid="council-list">
      <a className="back-link" href={routes.participation('meetings')}>
        ← {t('participation.meetings.back')}
      </a>
      <div className="meeting-toolbar">
        <h2>{t('participation.meetings.councils.title')}</h2>
        {staff && !adding && (
          <button type="button" className="btn btn-primary" onClick={() => setAdding(true)} data-testid="council-new">
            {t('participation.meetings.councils.new')}
          </button>
        )}
      </div>
      <p className="muted">{t('participation.meetings.councils.intro')}</p>
      {adding && <NewCouncil onClose={() => setAdding(false)} />}
      <QueryStatus query={list} />
      {data && data.items.length === 0 && <p className="muted empty">{t('participation.meetings.councils.empty')}</p>}
      {data && data.items.length > 0 && (
        <ul className="card-list">
          {data.items.map((c) => (
            <li key={c.id} className="card council-card" data-testid="council-card" data-id={c.id}>
              <h3>
                <a href={routes.participation('meetings', 'councils', c.id)} data-testid="council-link">
                  {c.name}
                </a>
              </h3>
              <p className="muted meeting-card-meta">
                <span>{localName(c.area, i18n.language)}</span>
                <span>{t('participation.meetings.councils.term', { term: termText(c.termStart, c.termEnd) })}</span>
                <span>{t('participation.meetings.councils.members', { n: c.memberCount })}</span>
                {!c.current && <span className="badge badge-muted">{t('participation.meetings.councils.ended')}</span>}
              </p>
            </li>
          ))}
        </ul>
      )}
      {data && <Pager page={data.page} pageSize={data.pageSize} total={data.total} onPage={setPage} />}
    </div>
  )
}

function NewCouncil({ onClose }: { onClose: () => void }) {
  const { t } = useTranslation()
  const year = new Date().getFullYear()
  const [areaId, setAreaId] = useState('')
  const [name, setName] = useState('')
  const [termStart, setTermStart] = useState(`${year}-01-01`)
  const [termEnd, setTermEnd] = useState(`${year + 4}-12-31`)
  const [key] = useState(newIdempotencyKey)
  const create = useMutation({
    mutationFn: () => meetingApi.createCouncil({ areaId: Number(areaId), name: name.trim(), termStart, termEnd }, key),
    onSuccess: async (detail) => {
      await councilChanged(detail)
      navigate('participation', 'meetings', 'councils', detail.id)
    },
  })
  const submit = (e: FormEvent) => {
    e.preventDefault()
    if (areaId && name.trim()) create.mutate()
  }
  return (
    <form
      className="card council-form"
      onSubmit={submit}
      aria-labelledby="council-form-title"
      data-testid="council-form"
    >
      <h3 id="council-form-title">{t('participation.meetings.councils.new')}</h3>
      <label className="field" htmlFor="council-area">
        <span>
          {t('participation.meetings.fields.areaId')}
          <Required />
        </span>
        <AreaSelect
          id="council-area"
          value={areaId}
          onChange={setAreaId}
          maxLevel="community"
          emptyLabel={t('participation.meetings.editor.chooseArea')}
          testId="council-area"
        />
      </label>
      <label className="field">
        <span>
          {t('participation.meetings.fields.name')}
          <Required />
        </span>
        <input value={name} maxLength={200} onChange={(e) => setName(e.target.value)} data-testid="council-name" />
      </label>
      <div className="meeting-form-grid">
        <label className="field">
          <span>{t('participation.meetings.fields.termStart')}</span>
          <input
            type="date"
            value={termStart}
            onChange={(e) => setTermStart(e.target.value)}
            data-testid="council-term-start"
          />
        </label>
        <label className="field">
          <span>{t('participation.meetings.fields.termEnd')}</span>
          <input
            type="date"
            value={termEnd}
            onChange={(e) => setTermEnd(e.target.value)}
            data-testid="council-term-end"
          />
        </label>
      </div>
      <Problem error={create.error} testId="council-form-error" />
      <div className="form-buttons">
        <button
          type="submit"
          className="btn btn-primary"
          disabled={create.isPending || !areaId || !name.trim()}
          data-testid="council-submit"
        >
          {t('participation.meetings.councils.create')}
        </button>
        <button type="button" className="btn" onClick={onClose}>
          {t('participation.meetings.cancel')}
        </button>
      </div>
    </form>
  )
}

/** One council: its term, the members sitting now, and past members by term; staff add and remove. */
export function CouncilDetail({ id }: { id: number }) {
  const { t, i18n } = useTranslation()
  const query = useQuery(meetingQueries.council(id))
  const d = query.data
  const remove = useMutation({
    mutationFn: (memberId: number) => meetingApi.removeMember(id, memberId),
    onSuccess: councilChanged,
  })
  // Past members grouped by their term, latest first (the server orders them so).
  const past = new Map<string, CouncilMember[]>()
  for (const m of d?.members.filter((x) => !x.current) ?? []) {
    const k = termText(m.termStart, m.termEnd)
    past.set(k, [...(past.get(k) ?? []), m])
  }
  const memberRows = (members: CouncilMember[]) => (
    <ul className="council-members">
      {members.map((m) => (
        <li key={m.id} data-testid="council-member" data-current={m.current} data-id={m.id}>
          <span className="council-member-name">{m.name}</span>
          <span className="badge badge-muted">{t(`participation.meetings.roles.${m.role}`)}</span>
          {m.current && <span className="muted">{t('participation.meetings.councils.until', { day: m.termEnd })}</span>}
          {m.userId !== null && m.current && (
            <span className="muted">{t('participation.meetings.councils.votes')}</span>
          )}
          {d?.canManage && (
            <button
              type="button"
              className="btn btn-small"
              disabled={remove.isPending}
              onClick={() => remove.mutate(m.id)}
              aria-label={t('participation.meetings.councils.removeWho', { name: m.name })}
              data-testid="council-member-remove"
            >
              {t('participation.meetings.councils.remove')}
            </button>
          )}
        </li>
      ))}
    </ul>
  )
  return (
    <div className="council-detail-page" data-testid="council-detail" data-council-id={id}>
      <a className="back-link" href={routes.participation('meetings', 'councils')}>
        ← {t('participation.meetings.councils.back')}
      </a>
      <QueryStatus query={query} />
      {d && (
        <div className="meeting-detail">
          <div className="meeting-detail-main">
            <article className="card" aria-labelledby="council-title">
              <h2 id="council-title">{d.name}</h2>
              <p className="muted meeting-card-meta">
                <span>{localName(d.area, i18n.language)}</span>
                <span>{t('participation.meetings.councils.term', { term: termText(d.termStart, d.termEnd) })}</span>
              </p>
              <p>
                <a href={routes.participation('meetings')} data-testid="council-meetings-link">
                  {t('participation.meetings.councils.itsMeetings')}
                </a>
              </p>
            </article>
            <section className="card" aria-labelledby="council-current-title">
              <h3 id="council-current-title">{t('participation.meetings.councils.current', { n: d.memberCount })}</h3>
              {d.members.some((m) => m.current) ? (
                memberRows(d.members.filter((m) => m.current))
              ) : (
                <p className="muted">{t('participation.meetings.councils.noMembers')}</p>
              )}
            </section>
            {past.size > 0 && (
              <section className="card" aria-labelledby="council-past-title" data-testid="council-past">
                <h3 id="council-past-title">{t('participation.meetings.councils.past')}</h3>
                {[...past.entries()].map(([term, members]) => (
                  <div key={term}>
                    <h4>{term}</h4>
                    {memberRows(members)}
                  </div>
                ))}
              </section>
            )}
            <Problem error={remove.error} testId="council-remove-error" />
          </div>
          {d.canManage && (
            <div className="meeting-detail-side">
              <MemberForm council={d} />
            </div>
          )}
        </div>
      )}
    </div>
  )
}

function MemberForm({ council }: { council: Detail }) {
  const { t } = useTranslation()
  const [name, setName] = useState('')
  const [role, setRole] = useState<MemberRole>('member')
  const [userId, setUserId] = useState('')
  const [termStart, setTermStart] = useState(council.termStart)
  const [termEnd, setTermEnd] = useState(council.termEnd)
  const [key, setKey] = useState(newIdempotencyKey)
  const add = useMutation({
    mutationFn: () =>
      meetingApi.addMember(
        council.id,
        { name: name.trim(), role, termStart, termEnd, ...(userId ? { userId: Number(userId) } : {}) },
        key,
      ),
    onSuccess: async (detail) => {
      setName('')
      setUserId('')
      setKey(newIdempotencyKey())
      await councilChanged(detail)
    },
  })
  return (
    <form
      className="card council-member-form"
      aria-labelledby="member-form-title"
      onSubmit={(e) => {
        e.preventDefault()
        if (name.trim()) add.mutate()
      }}
      data-testid="member-form"
    >
      <h3 id="member-form-title">{t('participation.meetings.councils.addMember')}</h3>
      <label className="field">
        <span>
          {t('participation.meetings.fields.memberName')}
          <Required />
        </span>
        <input value={name} maxLength={100} onChange={(e) => setName(e.target.value)} data-testid="member-name" />
      </label>
      <label className="field">
        <span>{t('participation.meetings.fields.role')}</span>
        <select value={role} onChange={(e) => setRole(e.target.value as MemberRole)} data-testid="member-role">
          {MEMBER_ROLES.map((r) => (
            <option key={r} value={r}>
              {t(`participation.meetings.roles.${r}`)}
            </option>
          ))}
        </select>
      </label>
      <label className="field">
        <span>{t('participation.meetings.fields.userId')}</span>
        <input
          type="number"
          min={1}
          inputMode="numeric"
          value={userId}
          onChange={(e) => setUserId(e.target.value)}
          aria-describedby="member-user-hint"
          data-testid="member-user"
        />
        <small id="member-user-hint" className="hint muted">
          {t('participation.meetings.councils.userHint')}
        </small>
      </label>
      <div className="meeting-form-grid">
        <label className="field">
          <span>{t('participation.meetings.fields.termStart')}</span>
          <input type="date" value={termStart} onChange={(e) => setTermStart(e.target.value)} />
        </label>
        <label className="field">
          <span>{t('participation.meetings.fields.termEnd')}</span>
          <input type="date" value={termEnd} onChange={(e) => setTermEnd(e.target.value)} />
        </label>
      </div>
      <Problem error={add.error} testId="member-form-error" />
      <button
        type="submit"
        className="btn btn-primary"
        disabled={add.isPending || !name.trim()}
        data-testid="member-submit"
      >
        {t('participation.meetings.councils.add')}
      </button>
    </form>
  )
}
