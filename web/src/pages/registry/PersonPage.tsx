import { keepPreviousData, useMutation, useQuery, type UseQueryResult } from '@tanstack/react-query'
import { useId, useState, type FormEvent } from 'react'
import { useTranslation } from 'react-i18next'
import { ApiError, api } from '../../api'
import { invalidate, keys, queries } from '../../api/queries'
import { AreaSelect } from '../../components/AreaSelect'
import { ErrorBanner } from '../../components/ErrorBanner'
import { QueryStatus } from '../../components/QueryStatus'
import { errorText, formatDateTime, localName } from '../../i18n'
import { REGISTRY_WRITERS, hasRole } from '../../modules'
import { href } from '../../router'
import type {
  CareVisit,
  HistoryEntry,
  IdType,
  LifeEventBody,
  LifeEventKind,
  PersonCard,
  ResidenceStatus,
  RevealBody,
  RevealableField,
  User,
} from '../../types'
import {
  ID_TYPES,
  LIFE_EVENTS,
  PersonStatus,
  RESIDENCE_STATUSES,
  REVEALABLE,
  TagBadges,
  historyValue,
  todayLocal,
} from './common'

type Revealed = { idNumber?: string; phone?: string | null; purpose: string; asOf: string | null }

/** A person's card: masked by default, revealed for a stated purpose; history, as-of view, life events, links, visits. */
export function PersonPage({ id, user }: { id: number; user: User }) {
  const { t, i18n } = useTranslation()
  const lng = i18n.language
  const [asOf, setAsOf] = useState('')
  const [revealed, setRevealed] = useState<Revealed | null>(null)
  // The card on screen stays while another day's is read.
  const cardQuery = useQuery({ ...queries.personCard(id, asOf || null), placeholderData: keepPreviousData })
  const card = cardQuery.data
  const history = useQuery(queries.personHistory(id))
  const visits = useQuery(queries.personVisits(id))
  const writer = hasRole(user, REGISTRY_WRITERS)

  // A clear value belongs to the card it was revealed on: another day, or a change, masks it again.
  const showDay = (day: string) => {
    setAsOf(day)
    setRevealed(null)
  }

  return (
    <section className="page person-page" data-testid="page-person" data-person-id={id}>
      <a className="back-link" href={href('registry', 'people')}>
        ← {t('registry.tabs.people')}
      </a>
      <div className="page-head">
        {card && (
          <>
            <h1 className="page-title" data-testid="person-name">
              {card.name}
            </h1>
            <PersonStatus status={card.status} />
          </>
        )}
        <label className="inline-field as-of-field">
          {t('registry.person.asOf')}
          <input
            type="date"
            data-testid="person-as-of"
            value={asOf}
            max={todayLocal()}
            onChange={(e) => showDay(e.target.value)}
          />
        </label>
      </div>
      {asOf && card && (
        <p className="notice" role="status" data-testid="person-as-of-note">
          {t('registry.person.asOfNote', { date: asOf })}{' '}
          <button type="button" className="btn btn-small" onClick={() => showDay('')}>
            {t('registry.person.asOfClear')}
          </button>
        </p>
      )}
      <QueryStatus query={cardQuery} testId="person-error" />
      {card && (
        <div className="person-grid">
          <div className="person-main">
            <div className="card">
              <dl className="facts person-facts">
                <div>
                  <dt>{t(`registry.idTypes.${card.idType}`, { defaultValue: card.idType })}</dt>
                  <dd
                    className="mono"
                    data-testid="person-id-number"
                    data-revealed={revealed?.idNumber ? 'true' : 'false'}
                  >
                    {revealed?.idNumber ?? card.idNumber}
                  </dd>
                </div>
                <div>
                  <dt>{t('registry.person.phone')}</dt>
                  <dd
                    className="mono"
                    data-testid="person-phone"
                    data-revealed={revealed && 'phone' in revealed ? 'true' : 'false'}
                  >
                    {(revealed && 'phone' in revealed ? revealed.phone : card.phone) ?? '—'}
                  </dd>
                </div>
                <div>
                  <dt>{t('registry.person.sex')}</dt>
                  <dd>{t(`registry.sexes.${card.sex}`, { defaultValue: card.sex })}</dd>
                </div>
                <div>
                  <dt>{t('registry.person.birthDate')}</dt>
                  <dd>{card.birthDate ?? '—'}</dd>
                </div>
                <div>
                  <dt>{t('registry.person.residenceStatus')}</dt>
                  <dd>
                    {t(`registry.residenceStatuses.${card.residenceStatus}`, { defaultValue: card.residenceStatus })}
                  </dd>
                </div>
                <div>
                  <dt>{t('registry.person.area')}</dt>
                  <dd>
                    {localName(card.area, lng)} <span className="mono muted">{card.area.code}</span>
                  </dd>
                </div>
                <div className="wide">
                  <dt>{t('registry.person.address')}</dt>
                  <dd data-testid="person-address">{card.address ?? '—'}</dd>
                </div>
                <div className="wide">
                  <dt>{t('registry.person.registeredPlace')}</dt>
                  <dd>{card.registeredPlace ?? '—'}</dd>
                </div>
                {card.movedInOn && (
                  <div>
                    <dt>{t('registry.person.movedInOn')}</dt>
                    <dd>{card.movedInOn}</dd>
                  </div>
                )}
                {card.movedOutOn && (
                  <div>
                    <dt>{t('registry.person.movedOutOn')}</dt>
                    <dd>{card.movedOutOn}</dd>
                  </div>
                )}
                {card.diedOn && (
                  <div>
                    <dt>{t('registry.person.diedOn')}</dt>
                    <dd>{card.diedOn}</dd>
                  </div>
                )}
                <div className="wide">
                  <dt>{t('registry.person.tags')}</dt>
                  <dd>{card.tags.length ? <TagBadges tags={card.tags} /> : '—'}</dd>
                </div>
              </dl>
              <RevealPanel card={card} asOf={asOf || null} revealed={revealed} onRevealed={setRevealed} />
            </div>
            <Links card={card} />
            <HistoryList query={history} />
          </div>
          <aside className="person-side">
            {writer && !asOf && <LifeEventForm card={card} onDone={() => setRevealed(null)} />}
            <VisitsList query={visits} />
          </aside>
        </div>
      )}
    </section>
  )
}

/** Asks why, then shows ID number and/or phone in clear; the server writes the reveal to the audit trail. */
function RevealPanel({
  card,
  asOf,
  revealed,
  onRevealed,
}: {
  card: PersonCard
  asOf: string | null
  revealed: Revealed | null
  onRevealed: (r: Revealed | null) => void
}) {
  const { t } = useTranslation()
  const [open, setOpen] = useState(false)
  const [purpose, setPurpose] = useState('')
  const [fields, setFields] = useState<RevealableField[]>(['idNumber'])
  const [problem, setProblem] = useState<string | null>(null)
  const reveal = useMutation({
    mutationFn: (body: RevealBody) => api.revealPerson(card.id, body),
    onSuccess: (out, body) => {
      onRevealed({ ...out, purpose: body.purpose, asOf: body.asOf ?? null })
      setOpen(false)
      setPurpose('')
    },
  })
  const busy = reveal.isPending

  const submit = (e: FormEvent) => {
    e.preventDefault()
    if (busy) return
    if (purpose.trim().length < 4) {
      setProblem(t('registry.reveal.purposeRequired'))
      return
    }
    if (!fields.length) {
      setProblem(t('registry.reveal.fieldsRequired'))
      return
    }
    setProblem(null)
    reveal.mutate({ fields, purpose: purpose.trim(), ...(asOf ? { asOf } : {}) })
  }

  if (revealed) {
    return (
      <div className="reveal-done" role="status" data-testid="reveal-recorded">
        <span>{t('registry.reveal.recorded', { purpose: revealed.purpose })}</span>
        <button type="button" className="btn btn-small" data-testid="reveal-hide" onClick={() => onRevealed(null)}>
          {t('registry.reveal.hide')}
        </button>
      </div>
    )
  }
  if (!open) {
    return (
      <div className="form-buttons">
        <button type="button" className="btn" data-testid="reveal-open" onClick={() => setOpen(true)}>
          {t('registry.reveal.open')}
        </button>
        <span className="muted hint">{t('registry.reveal.maskedHint')}</span>
      </div>
    )
  }
  return (
    <form className="reveal-form" onSubmit={submit} noValidate data-testid="reveal-form">
      <h3>{t('registry.reveal.title')}</h3>
      <p className="muted hint">{t('registry.reveal.intro')}</p>
      <fieldset className="checks">
        <legend>{t('registry.reveal.fields')}</legend>
        {REVEALABLE.map((f) => (
          <label key={f} className="check">
            <input
              type="checkbox"
              data-testid={`reveal-field-${f}`}
              checked={fields.includes(f)}
              onChange={() => setFields((fs) => (fs.includes(f) ? fs.filter((x) => x !== f) : [...fs, f]))}
            />
            {t(`registry.person.${f}`)}
          </label>
        ))}
      </fieldset>
      <label className="field">
        <span>
          {t('registry.reveal.purpose')}
          <abbr className="required" title={t('report.required')}>
            *
          </abbr>
        </span>
        <textarea
          rows={2}
          data-testid="reveal-purpose"
          value={purpose}
          maxLength={500}
          aria-invalid={problem ? true : undefined}
          placeholder={t('registry.reveal.purposePlaceholder')}
          onChange={(e) => setPurpose(e.target.value)}
        />
      </label>
      {problem && (
        <p className="field-error" role="alert" data-testid="reveal-problem">
          {problem}
        </p>
      )}
      <ErrorBanner error={reveal.error} testId="reveal-error" />
      <div className="form-buttons">
        <button type="submit" className="btn btn-primary" data-testid="reveal-submit" disabled={busy}>
          {busy ? t('common.sending') : t('registry.reveal.submit')}
        </button>
        <button type="button" className="btn" onClick={() => setOpen(false)}>
          {t('common.cancel')}
        </button>
      </div>
    </form>
  )
}

function Links({ card }: { card: PersonCard }) {
  const { t } = useTranslation()
  return (
    <div className="card person-links" data-testid="person-links">
      <h2 className="section-title">{t('registry.person.links')}</h2>
      <dl className="facts">
        <div>
          <dt>{t('registry.household.title')}</dt>
          <dd>
            {card.household ? (
              <a href={href('registry', 'households', card.household.id)} data-testid="person-household">
                {card.household.code} ·{' '}
                {t(`registry.relations.${card.household.relation}`, { defaultValue: card.household.relation })}
              </a>
            ) : (
              '—'
            )}
          </dd>
        </div>
        <div>
          <dt>{t('registry.person.dwelling')}</dt>
          <dd>
            {card.dwelling ? (
              <a href={href('registry', 'buildings', card.dwelling.buildingId)} data-testid="person-dwelling">
                {card.dwelling.building}{' '}
                {t('registry.building.dwellingShort', { unit: card.dwelling.unit || '—', room: card.dwelling.room })}
              </a>
            ) : (
              '—'
            )}
          </dd>
        </div>
        <div className="wide">
          <dt>{t('registry.tabs.organisations')}</dt>
          <dd>
            {card.organisations.length
              ? card.organisations.map((o) => (
                  <span key={o.id} className="person-org">
                    {o.name}{' '}
                    <span className="badge badge-muted">
                      {t(`registry.organisationRoles.${o.role}`, { defaultValue: o.role })}
                    </span>
                  </span>
                ))
              : '—'}
          </dd>
        </div>
      </dl>
    </div>
  )
}

function HistoryList({ query }: { query: UseQueryResult<HistoryEntry[]> }) {
  const { t, i18n } = useTranslation()
  const tt = (k: string, o?: Record<string, unknown>) => t(k, o ?? {}) as string
  const history = query.data
  return (
    <div className="card" data-testid="person-history">
      <h2 className="section-title">{t('registry.history.title')}</h2>
      <QueryStatus query={query} />
      {history && history.length === 0 && <p className="muted">{t('registry.history.empty')}</p>}
      {history && history.length > 0 && (
        <ol className="timeline history-list">
          {history.map((h) => (
            <li key={h.id} className="timeline-item" data-testid="history-item" data-action={h.action}>
              <span className="timeline-dot" aria-hidden="true" />
              <div className="timeline-body">
                <div className="timeline-head">
                  <strong>{t(`registry.historyActions.${h.action}`, { defaultValue: h.action })}</strong>
                  <time className="muted" dateTime={h.at}>
                    {formatDateTime(h.at, i18n.language)}
                  </time>
                </div>
                <div className="timeline-who muted">{h.actor ?? t('audit.system')}</div>
                {h.reason && (
                  <p className="timeline-comment" data-testid="history-reason">
                    {t('registry.history.reason', { reason: h.reason })}
                  </p>
                )}
                {h.changes && Object.keys(h.changes).length > 0 && (
                  <ul className="history-changes">
                    {Object.entries(h.changes).map(([field, c]) => (
                      <li key={field} data-testid="history-change" data-field={field}>
                        <span className="history-field">
                          {t(`registry.historyFields.${field}`, { defaultValue: field })}
                        </span>{' '}
                        <span className="history-from">{historyValue(field, c.from, tt)}</span> →{' '}
                        <span className="history-to">{historyValue(field, c.to, tt)}</span>
                      </li>
                    ))}
                  </ul>
                )}
              </div>
            </li>
          ))}
        </ol>
      )}
    </div>
  )
}

function VisitsList({ query }: { query: UseQueryResult<CareVisit[]> }) {
  const { t } = useTranslation()
  const visits = query.data
  return (
    <div className="card" data-testid="person-visits">
      <h2 className="section-title">{t('care.visits')}</h2>
      <QueryStatus query={query} />
      {visits && visits.length === 0 && <p className="muted">{t('care.noVisits')}</p>}
      <ul className="visit-list">
        {visits?.map((v) => (
          <li key={v.id} data-testid="visit">
            <div className="case-card-head">
              <strong>{v.visitedOn}</strong>
              <span className="muted">{v.visitor ?? '—'}</span>
            </div>
            <p className="visit-findings">{v.findings}</p>
            {v.followUp && <p className="muted">{t('care.followUpText', { text: v.followUp })}</p>}
            {v.needsFollowUp && <span className="badge badge-warn">{t('care.needsFollowUp')}</span>}
          </li>
        ))}
      </ul>
    </div>
  )
}

/** Move in or out, address change, death, ID correction: with the version read and a reason. */
function LifeEventForm({ card, onDone }: { card: PersonCard; onDone: () => void }) {
  const { t } = useTranslation()
  const [kind, setKind] = useState<LifeEventKind>('address_change')
  const [on, setOn] = useState(todayLocal())
  const [reason, setReason] = useState('')
  const [address, setAddress] = useState('')
  const [areaId, setAreaId] = useState('')
  const [residenceStatus, setResidenceStatus] = useState<ResidenceStatus | ''>('')
  // The card answers the type as text; the select offers the server's types.
  const [idType, setIdType] = useState<IdType>(() => ID_TYPES.find((k) => k === card.idType) ?? ID_TYPES[0])
  const [idNumber, setIdNumber] = useState('')
  const [problem, setProblem] = useState<ApiError | null>(null)
  const [done, setDone] = useState<string | null>(null)
  const areaField = useId()

  const record = useMutation({
    mutationFn: (body: LifeEventBody) => api.personEvent(card.id, body),
    onSuccess: (_, body) => {
      setDone(t(`registry.lifeEvents.${body.kind}`))
      setReason('')
      setAddress('')
      setIdNumber('')
      onDone()
      // The card, its history, household and dwelling change; a move or a death changes the care list.
      return invalidate(keys.registry, keys.care)
    },
  })
  const busy = record.isPending
  const error = problem ?? record.error

  const submit = (e: FormEvent) => {
    e.preventDefault()
    if (busy) return
    if (!reason.trim()) {
      setProblem(new ApiError(0, 'VALIDATION_FAILED', '', 'reason'))
      return
    }
    setProblem(null)
    const body: LifeEventBody = { kind, on, reason: reason.trim(), version: card.version }
    if ((kind === 'address_change' || kind === 'move_in') && address.trim()) body.address = address.trim()
    if (kind === 'move_in' && areaId) body.areaId = Number(areaId)
    if (kind === 'move_in' && residenceStatus) body.residenceStatus = residenceStatus
    if (kind === 'id_correction') {
      body.idType = idType
      body.idNumber = idNumber.trim()
    }
    record.mutate(body)
  }

  return (
    <form className="card life-event-form" onSubmit={submit} data-testid="life-event-form">
      <h2 className="section-title">{t('registry.event.title')}</h2>
      {done && (
        <p className="notice" role="status" data-testid="life-event-done">
          {t('registry.event.done', { kind: done })}
        </p>
      )}
      <label className="field">
        <span>{t('registry.event.kind')}</span>
        <select
          data-testid="life-event-kind"
          value={kind}
          onChange={(e) => setKind(LIFE_EVENTS.find((k) => k === e.target.value) ?? kind)}
        >
          {LIFE_EVENTS.map((k) => (
            <option key={k} value={k}>
              {t(`registry.lifeEvents.${k}`)}
            </option>
          ))}
        </select>
      </label>
      <label className="field">
        <span>{t('registry.event.on')}</span>
        <input
          type="date"
          data-testid="life-event-on"
          value={on}
          max={todayLocal()}
          required
          onChange={(e) => setOn(e.target.value)}
        />
      </label>
      {kind === 'move_in' && (
        <>
          <label className="field" htmlFor={areaField}>
            <span>{t('registry.event.toArea')}</span>
            <AreaSelect id={areaField} value={areaId} onChange={setAreaId} emptyLabel={t('registry.event.sameArea')} />
          </label>
          <label className="field">
            <span>{t('registry.person.residenceStatus')}</span>
            <select
              value={residenceStatus}
              onChange={(e) => setResidenceStatus(RESIDENCE_STATUSES.find((r) => r === e.target.value) ?? '')}
            >
              <option value="">{t('registry.event.unchanged')}</option>
              {RESIDENCE_STATUSES.map((s) => (
                <option key={s} value={s}>
                  {t(`registry.residenceStatuses.${s}`)}
                </option>
              ))}
            </select>
          </label>
        </>
      )}
      {(kind === 'address_change' || kind === 'move_in') && (
        <label className="field">
          <span>{t('registry.event.newAddress')}</span>
          <input
            data-testid="life-event-address"
            value={address}
            maxLength={300}
            onChange={(e) => setAddress(e.target.value)}
          />
        </label>
      )}
      {kind === 'id_correction' && (
        <>
          <label className="field">
            <span>{t('registry.person.idType')}</span>
            <select value={idType} onChange={(e) => setIdType(ID_TYPES.find((k) => k === e.target.value) ?? idType)}>
              {ID_TYPES.map((k) => (
                <option key={k} value={k}>
                  {t(`registry.idTypes.${k}`)}
                </option>
              ))}
            </select>
          </label>
          <label className="field">
            <span>{t('registry.event.newIdNumber')}</span>
            <input
              data-testid="life-event-id-number"
              value={idNumber}
              autoComplete="off"
              onChange={(e) => setIdNumber(e.target.value)}
            />
          </label>
        </>
      )}
      <label className="field">
        <span>
          {t('registry.event.reason')}
          <abbr className="required" title={t('report.required')}>
            *
          </abbr>
        </span>
        <textarea
          data-testid="life-event-reason"
          rows={2}
          maxLength={500}
          value={reason}
          onChange={(e) => setReason(e.target.value)}
        />
      </label>
      {error && (
        <p className="field-error" role="alert" data-testid="life-event-error">
          {errorText(error, (f) => (f === 'reason' ? t('registry.event.reason') : undefined))}
        </p>
      )}
      <button type="submit" className="btn btn-primary" data-testid="life-event-submit" disabled={busy}>
        {busy ? t('common.sending') : t('registry.event.submit')}
      </button>
    </form>
  )
}
