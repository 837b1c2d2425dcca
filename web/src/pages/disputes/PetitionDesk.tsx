import { keepPreviousData, useMutation, useQuery } from '@tanstack/react-query'
import { useMemo, useState, type FormEvent } from 'react'
import { useTranslation } from 'react-i18next'
import { ApiError } from '../../api'
import { invalidate, keys, queries } from '../../api/queries'
import { newIdempotencyKey } from '../../caseUtils'
import { Pager } from '../../components/Pager'
import { QueryStatus } from '../../components/QueryStatus'
import { errorText, formatDateTime, localName } from '../../i18n'
import { PETITION_DESK } from '../../modules'
import { routes } from '../../router'
import { disputeApi, disputeQueries, type NewPetition, type PetitionView } from './api'
import {
  DeadlineClock,
  PAGE_SIZE,
  PETITION_CHANNELS,
  PETITION_STATES,
  PetitionStateChip,
  Required,
  placeOptions,
} from './common'

/** The petition desk: petitions with their running limit as a clock, filters, and registering a new one. */
export function PetitionDesk() {
  const { t } = useTranslation()
  const [state, setState] = useState('')
  const [open, setOpen] = useState(true)
  const [overdue, setOverdue] = useState(false)
  const [page, setPage] = useState(1)
  const [registering, setRegistering] = useState(false)
  const [done, setDone] = useState<string | null>(null)
  const list = useQuery({
    ...disputeQueries.petitions({
      state: PETITION_STATES.find((s) => s === state),
      open: open || undefined,
      overdue: overdue || undefined,
      page,
      pageSize: PAGE_SIZE,
    }),
    placeholderData: keepPreviousData,
  })
  const data = list.data
  const reset = () => setPage(1)

  return (
    <div className="petition-desk" data-testid="petition-desk">
      <p className="muted">{t('disputes.petitions.intro')}</p>
      <div className="form-buttons">
        <button
          type="button"
          className="btn btn-primary btn-small"
          data-testid="petition-new"
          aria-expanded={registering}
          onClick={() => {
            setRegistering((r) => !r)
            setDone(null)
          }}
        >
          {t('disputes.petitions.register.open')}
        </button>
      </div>
      {done && (
        <p className="notice" role="status" data-testid="petition-registered">
          {done}
        </p>
      )}
      {registering && (
        <NewPetitionForm
          onDone={(message) => {
            setDone(message)
            setRegistering(false)
            setPage(1)
          }}
          onCancel={() => setRegistering(false)}
        />
      )}
      <div className="filters card dispute-filters">
        <label className="inline-field">
          <span>{t('disputes.petitions.filters.state')}</span>
          <select
            data-testid="petition-filter-state"
            value={state}
            onChange={(e) => {
              setState(e.target.value)
              reset()
            }}
          >
            <option value="">{t('disputes.petitions.filters.all')}</option>
            {PETITION_STATES.map((s) => (
              <option key={s} value={s}>
                {t(`disputes.petitions.states.${s}`)}
              </option>
            ))}
          </select>
        </label>
        <label className="check">
          <input
            type="checkbox"
            data-testid="petition-filter-open"
            checked={open}
            onChange={(e) => {
              setOpen(e.target.checked)
              reset()
            }}
          />
          {t('disputes.petitions.filters.open')}
        </label>
        <label className="check">
          <input
            type="checkbox"
            data-testid="petition-filter-overdue"
            checked={overdue}
            onChange={(e) => {
              setOverdue(e.target.checked)
              reset()
            }}
          />
          {t('disputes.petitions.filters.overdue')}
        </label>
      </div>
      <QueryStatus query={list} />
      {data && (
        <p className="muted" data-testid="petition-total">
          {t('disputes.petitions.list.total', { n: data.total })}
        </p>
      )}
      {data && data.items.length === 0 && (
        <p className="muted empty" data-testid="petition-empty">
          {t('disputes.petitions.list.empty')}
        </p>
      )}
      {data && data.items.length > 0 && <PetitionTable items={data.items} />}
      {data && <Pager page={data.page} pageSize={data.pageSize} total={data.total} onPage={setPage} />}
    </div>
  )
}

function PetitionTable({ items }: { items: PetitionView[] }) {
  const { t, i18n } = useTranslation()
  const lng = i18n.language
  return (
    <div className="audit-table-wrap">
      <table className="audit-table petition-table">
        <caption className="visually-hidden">{t('disputes.petitions.list.caption')}</caption>
        <thead>
          <tr>
            <th scope="col">{t('disputes.petitions.fields.reference')}</th>
            <th scope="col">{t('disputes.petitions.fields.dueAt')}</th>
            <th scope="col">{t('disputes.petitions.fields.state')}</th>
            <th scope="col">{t('disputes.petitions.fields.petitioner')}</th>
            <th scope="col">{t('disputes.petitions.fields.matter')}</th>
            <th scope="col">{t('disputes.petitions.fields.channel')}</th>
            <th scope="col">{t('disputes.petitions.fields.area')}</th>
            <th scope="col">{t('disputes.petitions.fields.repeats')}</th>
            <th scope="col">{t('disputes.petitions.fields.receivedAt')}</th>
          </tr>
        </thead>
        <tbody>
          {items.map((p) => (
            <tr key={p.id} data-testid="petition-row" data-id={p.id} data-overdue={p.overdue}>
              <td className="mono">
                <a href={routes.petition(p.id)} data-testid="petition-link">
                  {p.reference}
                </a>
              </td>
              <td>
                <DeadlineClock dueAt={p.dueAt} overdue={p.overdue} testId="petition-clock" />
                {p.dueAt && <div className="muted small">{formatDateTime(p.dueAt, lng)}</div>}
              </td>
              <td>
                <PetitionStateChip state={p.state} />
              </td>
              <td>
                {p.petitionerName}
                {p.personCount > 1 && <span className="muted"> ×{p.personCount}</span>}
              </td>
              <td className="wrap matter-cell">
                <strong>{p.matterKey}</strong>
                <span className="muted"> {p.matter}</span>
              </td>
              <td>{t(`disputes.petitions.channels.${p.channel}`)}</td>
              <td>{localName(p.area, lng)}</td>
              <td>
                {p.repeats > 1 ? (
                  <span className="badge badge-warn" data-testid="petition-repeats">
                    {t('disputes.petitions.repeatsN', { n: p.repeats })}
                  </span>
                ) : (
                  '—'
                )}
              </td>
              <td>{formatDateTime(p.receivedAt, lng)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  )
}

function NewPetitionForm({ onDone, onCancel }: { onDone: (message: string) => void; onCancel: () => void }) {
  const { t, i18n } = useTranslation()
  const lng = i18n.language
  const me = useQuery(queries.me()).data ?? null
  const tree = useQuery(queries.areaTree())
  const places = useMemo(
    () => (tree.data && me ? placeOptions(tree.data, me, PETITION_DESK, ['street', 'community']) : []),
    [tree.data, me],
  )
  const [key, setKey] = useState(newIdempotencyKey)
  const [chosenArea, setAreaId] = useState('')
  const [channel, setChannel] = useState<NewPetition['channel']>('visit')
  const [name, setName] = useState('')
  const [idNumber, setIdNumber] = useState('')
  const [phone, setPhone] = useState('')
  const [count, setCount] = useState('1')
  const [matter, setMatter] = useState('')
  const [matterKey, setMatterKey] = useState('')
  const [problem, setProblem] = useState<ApiError | null>(null)
  const areaId = chosenArea || String(places.find((p) => p.node.level === 'community')?.node.id ?? '')

  const send = useMutation({
    mutationFn: (body: NewPetition) => disputeApi.registerPetition(body, key),
    onSuccess: (r) => {
      setKey(newIdempotencyKey())
      onDone(
        `${t('disputes.petitions.register.done', { reference: r.reference })} ${
          r.repeats > 1 ? t('disputes.petitions.register.repeats', { n: r.repeats }) : ''
        }`.trim(),
      )
      return invalidate(keys.petitions, keys.disputes)
    },
  })

  const submit = (e: FormEvent) => {
    e.preventDefault()
    if (send.isPending) return
    const n = Number(count)
    const gap = !areaId
      ? 'areaId'
      : !name.trim()
        ? 'petitionerName'
        : !Number.isInteger(n) || n < 1
          ? 'personCount'
          : !matter.trim()
            ? 'matter'
            : !matterKey.trim()
              ? 'matterKey'
              : null
    if (gap) return setProblem(new ApiError(0, 'VALIDATION_FAILED', '', gap))
    setProblem(null)
    send.mutate({
      areaId: Number(areaId),
      channel,
      petitionerName: name.trim(),
      ...(idNumber.trim() ? { idNumber: idNumber.trim() } : {}),
      ...(phone.trim() ? { phone: phone.trim() } : {}),
      personCount: n,
      matter: matter.trim(),
      matterKey: matterKey.trim(),
    })
  }
  const fieldLabel = (f: string) =>
    i18n.exists(`disputes.petitions.fields.${f}`) ? t(`disputes.petitions.fields.${f}`) : undefined
  const error = problem ?? send.error
  const invalid = (f: string) => (error instanceof ApiError && error.field === f) || undefined

  return (
    <form className="card dispute-form" onSubmit={submit} noValidate data-testid="petition-form">
      <h2 className="section-title">{t('disputes.petitions.register.title')}</h2>
      <div className="form-grid">
        <label className="field">
          <span>
            {t('disputes.petitions.fields.areaId')}
            <Required />
          </span>
          <select
            data-testid="petition-area"
            value={areaId}
            disabled={!tree.data}
            aria-invalid={invalid('areaId')}
            onChange={(e) => setAreaId(e.target.value)}
          >
            <option value="">{tree.data ? t('report.choose') : t('common.loading')}</option>
            {places.map(({ node, depth }) => (
              <option key={node.id} value={node.id}>
                {'\u3000'.repeat(depth)}
                {localName(node, lng)}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          <span>
            {t('disputes.petitions.fields.channel')}
            <Required />
          </span>
          <select
            data-testid="petition-channel"
            value={channel}
            onChange={(e) => setChannel(PETITION_CHANNELS.find((c) => c === e.target.value) ?? 'visit')}
          >
            {PETITION_CHANNELS.map((c) => (
              <option key={c} value={c}>
                {t(`disputes.petitions.channels.${c}`)}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          <span>
            {t('disputes.petitions.fields.petitionerName')}
            <Required />
          </span>
          <input
            data-testid="petition-name"
            maxLength={100}
            value={name}
            aria-invalid={invalid('petitionerName')}
            onChange={(e) => setName(e.target.value)}
          />
        </label>
        <label className="field">
          <span>{t('disputes.petitions.fields.idNumber')}</span>
          <input
            data-testid="petition-id"
            maxLength={40}
            autoComplete="off"
            value={idNumber}
            aria-invalid={invalid('idNumber')}
            onChange={(e) => setIdNumber(e.target.value)}
          />
        </label>
        <label className="field">
          <span>{t('disputes.petitions.fields.phone')}</span>
          <input
            type="tel"
            data-testid="petition-phone"
            maxLength={30}
            autoComplete="off"
            value={phone}
            aria-invalid={invalid('phone')}
            onChange={(e) => setPhone(e.target.value)}
          />
        </label>
        <label className="field">
          <span>
            {t('disputes.petitions.fields.personCount')}
            <Required />
          </span>
          <input
            type="number"
            min={1}
            max={10000}
            data-testid="petition-count"
            value={count}
            aria-invalid={invalid('personCount')}
            onChange={(e) => setCount(e.target.value)}
          />
        </label>
      </div>
      <label className="field">
        <span>
          {t('disputes.petitions.fields.matter')}
          <Required />
        </span>
        <textarea
          data-testid="petition-matter"
          rows={3}
          maxLength={4000}
          value={matter}
          aria-invalid={invalid('matter')}
          onChange={(e) => setMatter(e.target.value)}
        />
      </label>
      <label className="field">
        <span>
          {t('disputes.petitions.fields.matterKey')}
          <Required />
        </span>
        <input
          data-testid="petition-matter-key"
          maxLength={100}
          value={matterKey}
          aria-invalid={invalid('matterKey')}
          aria-describedby="petition-matter-key-hint"
          onChange={(e) => setMatterKey(e.target.value)}
        />
        <small className="muted hint" id="petition-matter-key-hint">
          {t('disputes.petitions.register.matterKeyHint')}
        </small>
      </label>
      {error ? (
        <div className="error-banner" role="alert" data-testid="petition-error">
          <span>{errorText(error, fieldLabel)}</span>
        </div>
      ) : null}
      <div className="form-buttons">
        <button type="submit" className="btn btn-primary" data-testid="petition-submit" disabled={send.isPending}>
          {send.isPending ? t('common.sending') : t('disputes.petitions.register.submit')}
        </button>
        <button type="button" className="btn" onClick={onCancel}>
          {t('common.cancel')}
        </button>
      </div>
    </form>
  )
}
