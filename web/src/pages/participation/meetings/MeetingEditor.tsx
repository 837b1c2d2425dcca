import { useMutation, useQuery } from '@tanstack/react-query'
import { useMemo, useState, type FormEvent } from 'react'
import { useTranslation } from 'react-i18next'
import { call, client } from '../../../api'
import { AreaSelect } from '../../../components/AreaSelect'
import { newIdempotencyKey } from '../../../caseUtils'
import { navigate, routes } from '../../../router'
import type { User } from '../../../types'
import { meetingApi, meetingChanged, meetingQueries, type MeetingKind, type NewMeeting } from './api'
import { fromLocalInput, MEETING_KINDS, PARTICIPATION_STAFF, Problem, Required, toLocalInput } from './common'

type SubjectKey = `${'proposal' | 'consultation'}:${number}`

/** The staff's area to start from: the deepest area where they run participation. */
function homeArea(user: User): string {
  const grants = user.roles.filter((r) => (PARTICIPATION_STAFF as readonly string[]).includes(r.role))
  const deepest = [...grants].sort((a, b) => b.areaCode.length - a.areaCode.length)[0]
  return deepest ? String(deepest.areaId) : ''
}

function tomorrowAt(hour: number): Date {
  const d = new Date()
  d.setDate(d.getDate() + 1)
  d.setHours(hour, 0, 0, 0)
  return d
}

/** Staff schedule a meeting: where and when, its agenda, capacity and quorum, and what it discusses. */
export function MeetingEditor({ user }: { user: User }) {
  const { t } = useTranslation()
  const [areaId, setAreaId] = useState(() => homeArea(user))
  const [kind, setKind] = useState<MeetingKind>('deliberation')
  const [councilId, setCouncilId] = useState('')
  const [title, setTitle] = useState('')
  const [agenda, setAgenda] = useState('')
  const [location, setLocation] = useState('')
  const [startsAt, setStartsAt] = useState(() => toLocalInput(tomorrowAt(19)))
  const [endsAt, setEndsAt] = useState(() => toLocalInput(tomorrowAt(21)))
  const [capacity, setCapacity] = useState('')
  const [quorum, setQuorum] = useState('5')
  const [subjects, setSubjects] = useState<Set<SubjectKey>>(new Set())
  const [key] = useState(newIdempotencyKey)
  const [missing, setMissing] = useState<string | null>(null)
  const area = areaId ? Number(areaId) : undefined

  const councils = useQuery(meetingQueries.councils({ pageSize: 100 }))
  const proposals = useQuery({
    queryKey: ['participation', 'meetings', 'subject-proposals', area],
    queryFn: ({ signal }) =>
      call(client.GET('/api/v1/proposals', { params: { query: { areaId: area, pageSize: 100 } }, signal })),
    enabled: area !== undefined,
  })
  const consultations = useQuery({
    queryKey: ['participation', 'meetings', 'subject-consultations', area],
    queryFn: ({ signal }) =>
      call(client.GET('/api/v1/consultations', { params: { query: { areaId: area, pageSize: 100 } }, signal })),
    enabled: area !== undefined,
  })

  const body = useMemo((): NewMeeting | null => {
    const s = fromLocalInput(startsAt)
    const e = fromLocalInput(endsAt)
    if (!area || !title.trim() || !agenda.trim() || !location.trim() || !s || !e || !Number(quorum)) return null
    return {
      areaId: area,
      kind,
      ...(councilId ? { councilId: Number(councilId) } : {}),
      title: title.trim(),
      agenda: agenda.trim(),
      location: location.trim(),
      startsAt: s,
      endsAt: e,
      ...(capacity ? { capacity: Number(capacity) } : {}),
      quorum: Number(quorum),
      subjects: [...subjects].map((k) => {
        const [kind, id] = k.split(':')
        return { kind: kind as 'proposal' | 'consultation', id: Number(id) }
      }),
    }
  }, [area, kind, councilId, title, agenda, location, startsAt, endsAt, capacity, quorum, subjects])

  const create = useMutation({
    mutationFn: (b: NewMeeting) => meetingApi.create(b, key),
    onSuccess: async (detail) => {
      await meetingChanged(detail)
      navigate('participation', 'meetings', detail.id)
    },
  })
  const submit = (e: FormEvent) => {
    e.preventDefault()
    if (!body) {
      setMissing(t('participation.meetings.editor.missing'))
      return
    }
    setMissing(null)
    create.mutate(body)
  }
  const toggle = (k: SubjectKey, on: boolean) =>
    setSubjects((s) => {
      const next = new Set(s)
      if (on) next.add(k)
      else next.delete(k)
      return next
    })

  return (
    <form className="card meeting-editor" onSubmit={submit} noValidate data-testid="meeting-editor">
      <a className="back-link" href={routes.participation('meetings')}>
        ← {t('participation.meetings.back')}
      </a>
      <h2>{t('participation.meetings.editor.title')}</h2>
      <div className="meeting-form-grid">
        <label className="field" htmlFor="meeting-area">
          <span>
            {t('participation.meetings.fields.areaId')}
            <Required />
          </span>
          <AreaSelect
            id="meeting-area"
            value={areaId}
            onChange={(v) => {
              setAreaId(v)
              setSubjects(new Set())
            }}
            maxLevel="community"
            emptyLabel={t('participation.meetings.editor.chooseArea')}
            testId="meeting-area"
            required
          />
        </label>
        <label className="field">
          <span>
            {t('participation.meetings.fields.kind')}
            <Required />
          </span>
          <select value={kind} onChange={(e) => setKind(e.target.value as MeetingKind)} data-testid="meeting-kind">
            {MEETING_KINDS.map((k) => (
              <option key={k} value={k}>
                {t(`participation.meetings.kinds.${k}`)}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          <span>
            {t('participation.meetings.fields.councilId')}
            {kind === 'council' && <Required />}
          </span>
          <select value={councilId} onChange={(e) => setCouncilId(e.target.value)} data-testid="meeting-council">
            <option value="">{t('participation.meetings.editor.noCouncil')}</option>
            {councils.data?.items.map((c) => (
              <option key={c.id} value={c.id}>
                {c.name}
              </option>
            ))}
          </select>
        </label>
      </div>
      <label className="field">
        <span>
          {t('participation.meetings.fields.title')}
          <Required />
        </span>
        <input
          value={title}
          maxLength={200}
          onChange={(e) => setTitle(e.target.value)}
          data-testid="meeting-title"
          required
        />
      </label>
      <label className="field">
        <span>
          {t('participation.meetings.fields.agenda')}
          <Required />
        </span>
        <textarea
          rows={5}
          value={agenda}
          maxLength={10000}
          onChange={(e) => setAgenda(e.target.value)}
          data-testid="meeting-agenda"
          required
        />
      </label>
      <label className="field">
        <span>
          {t('participation.meetings.fields.location')}
          <Required />
        </span>
        <input
          value={location}
          maxLength={300}
          onChange={(e) => setLocation(e.target.value)}
          data-testid="meeting-location"
          required
        />
      </label>
      <div className="meeting-form-grid">
        <label className="field">
          <span>
            {t('participation.meetings.fields.startsAt')}
            <Required />
          </span>
          <input
            type="datetime-local"
            value={startsAt}
            onChange={(e) => setStartsAt(e.target.value)}
            data-testid="meeting-starts"
            required
          />
        </label>
        <label className="field">
          <span>
            {t('participation.meetings.fields.endsAt')}
            <Required />
          </span>
          <input
            type="datetime-local"
            value={endsAt}
            onChange={(e) => setEndsAt(e.target.value)}
            data-testid="meeting-ends"
            required
          />
        </label>
        <label className="field">
          <span>{t('participation.meetings.fields.capacity')}</span>
          <input
            type="number"
            min={1}
            max={100000}
            inputMode="numeric"
            value={capacity}
            onChange={(e) => setCapacity(e.target.value)}
            data-testid="meeting-capacity"
          />
        </label>
        <label className="field">
          <span>
            {t('participation.meetings.fields.quorum')}
            <Required />
          </span>
          <input
            type="number"
            min={1}
            max={100000}
            inputMode="numeric"
            value={quorum}
            onChange={(e) => setQuorum(e.target.value)}
            aria-describedby="meeting-quorum-hint"
            data-testid="meeting-quorum"
            required
          />
          <small id="meeting-quorum-hint" className="hint muted">
            {t('participation.meetings.editor.quorumHint')}
          </small>
        </label>
      </div>
      <fieldset className="field meeting-subjects" data-testid="meeting-subjects">
        <legend className="field-label">{t('participation.meetings.fields.subjects')}</legend>
        <p className="hint muted">{t('participation.meetings.editor.subjectsHint')}</p>
        {!area && <p className="muted">{t('participation.meetings.editor.chooseAreaFirst')}</p>}
        {proposals.data && proposals.data.items.length > 0 && (
          <div className="checks meeting-subject-group">
            <p className="meeting-subject-heading">{t('participation.meetings.subjects.proposal')}</p>
            {proposals.data.items.map((p) => (
              <label key={`p${p.id}`} className="check">
                <input
                  type="checkbox"
                  checked={subjects.has(`proposal:${p.id}`)}
                  onChange={(e) => toggle(`proposal:${p.id}`, e.target.checked)}
                  data-testid="meeting-subject-proposal"
                  data-id={p.id}
                />
                {p.title}
              </label>
            ))}
          </div>
        )}
        {consultations.data && consultations.data.items.length > 0 && (
          <div className="checks meeting-subject-group">
            <p className="meeting-subject-heading">{t('participation.meetings.subjects.consultation')}</p>
            {consultations.data.items.map((c) => (
              <label key={`c${c.id}`} className="check">
                <input
                  type="checkbox"
                  checked={subjects.has(`consultation:${c.id}`)}
                  onChange={(e) => toggle(`consultation:${c.id}`, e.target.checked)}
                  data-testid="meeting-subject-consultation"
                  data-id={c.id}
                />
                {c.title}
              </label>
            ))}
          </div>
        )}
      </fieldset>
      {missing && (
        <p className="field-error" role="alert" data-testid="meeting-editor-missing">
          {missing}
        </p>
      )}
      <Problem error={create.error} testId="meeting-editor-error" />
      <div className="form-buttons">
        <button type="submit" className="btn btn-primary" disabled={create.isPending} data-testid="meeting-submit">
          {create.isPending ? t('participation.meetings.sending') : t('participation.meetings.editor.submit')}
        </button>
      </div>
    </form>
  )
}
