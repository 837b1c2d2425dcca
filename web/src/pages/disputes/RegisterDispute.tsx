import { useMutation, useQuery } from '@tanstack/react-query'
import { useMemo, useState, type FormEvent } from 'react'
import { useTranslation } from 'react-i18next'
import { ApiError } from '../../api'
import { invalidate, keys, queries } from '../../api/queries'
import { newIdempotencyKey } from '../../caseUtils'
import { LocationPicker } from '../../components/LocationPicker'
import { errorText, localName } from '../../i18n'
import { DISPUTE_REGISTRARS } from '../../modules'
import { routes } from '../../router'
import type { AppConfig, LngLat } from '../../types'
import { disputeApi, disputeQueries, type NewDispute, type NewDisputeResult, type PartyRole } from './api'
import { CATEGORIES, PARTY_ROLES, Required, RiskBadge, SOURCES, placeOptions } from './common'

interface PartyRow {
  key: number
  role: PartyRole
  name: string
  idNumber: string
  phone: string
  address: string
  vulnerable: boolean
}

const emptyParty = (key: number, role: PartyRole): PartyRow => ({
  key,
  role,
  name: '',
  idNumber: '',
  phone: '',
  address: '',
  vulnerable: false,
})

/** Registering a dispute: what it is about, where, who the parties are; the risk is assessed at once. */
export function RegisterDispute({ config }: { config: AppConfig | null }) {
  const { t, i18n } = useTranslation()
  const lng = i18n.language
  const me = useQuery(queries.me()).data ?? null
  const tree = useQuery(queries.areaTree())
  const places = useMemo(
    () => (tree.data && me ? placeOptions(tree.data, me, DISPUTE_REGISTRARS, ['street', 'community', 'grid']) : []),
    [tree.data, me],
  )
  const [key, setKey] = useState(newIdempotencyKey)
  const [category, setCategory] = useState('')
  const [source, setSource] = useState<NewDispute['source']>('walk_in')
  const [sourceCaseId, setSourceCaseId] = useState('')
  const [chosenArea, setAreaId] = useState('')
  const [address, setAddress] = useState('')
  const [facts, setFacts] = useState('')
  const [claims, setClaims] = useState('')
  const [amount, setAmount] = useState('')
  const [people, setPeople] = useState('2')
  const [threat, setThreat] = useState(false)
  const [pinning, setPinning] = useState(false)
  const [location, setLocation] = useState<LngLat | null>(null)
  const [parties, setParties] = useState<PartyRow[]>(() => [emptyParty(1, 'applicant'), emptyParty(2, 'respondent')])
  const [problem, setProblem] = useState<ApiError | null>(null)
  const [done, setDone] = useState<NewDisputeResult | null>(null)
  // The only place there is, or the first community, until the user picks one.
  const areaId = chosenArea || String(places.find((p) => p.node.level === 'community')?.node.id ?? '')

  const send = useMutation({
    mutationFn: (body: NewDispute) => disputeApi.register(body, key),
    onSuccess: (result) => {
      setDone(result)
      setKey(newIdempotencyKey())
      return invalidate(keys.disputes, keys.notifications)
    },
  })
  const busy = send.isPending

  const setParty = (k: number, patch: Partial<PartyRow>) =>
    setParties((ps) => ps.map((p) => (p.key === k ? { ...p, ...patch } : p)))

  const submit = (e: FormEvent) => {
    e.preventDefault()
    if (busy) return
    const bad = (field: string) => {
      setProblem(new ApiError(0, 'VALIDATION_FAILED', '', field))
      return undefined
    }
    // A pin places the dispute in its grid (and on the dispute map); without one, an area and an address do.
    const pinned = pinning && location ? location : null
    if (!category) return bad('category')
    if (!pinned && !areaId) return bad('areaId')
    if (!pinned && !address.trim()) return bad('address')
    if (!facts.trim()) return bad('facts')
    if (!claims.trim()) return bad('claims')
    const n = Number(people)
    if (!Number.isInteger(n) || n < 1) return bad('peopleInvolved')
    if (amount && !(Number(amount) >= 0)) return bad('amount')
    if (source === 'event_case' && !/^\d+$/.test(sourceCaseId.trim())) return bad('sourceCaseId')
    const i = parties.findIndex((p) => !p.name.trim())
    if (i >= 0) return bad(`parties[${i}].name`)
    setProblem(null)
    send.mutate({
      category: CATEGORIES.find((c) => c === category) ?? 'other',
      source,
      ...(source === 'event_case' ? { sourceCaseId: Number(sourceCaseId.trim()) } : {}),
      ...(pinned ? { location: pinned } : { areaId: Number(areaId) }),
      ...(address.trim() ? { address: address.trim() } : {}),
      facts: facts.trim(),
      claims: claims.trim(),
      ...(amount ? { amount: Number(amount) } : {}),
      peopleInvolved: n,
      threat,
      parties: parties.map((p) => ({
        role: p.role,
        name: p.name.trim(),
        ...(p.idNumber.trim() ? { idNumber: p.idNumber.trim() } : {}),
        ...(p.phone.trim() ? { phone: p.phone.trim() } : {}),
        ...(p.address.trim() ? { address: p.address.trim() } : {}),
        vulnerable: p.vulnerable,
      })),
    })
  }

  // A field the form or the server named, labelled as this form labels it.
  const fieldLabel = (field: string) => {
    const party = /^parties\[(\d+)\]\.(\w+)$/.exec(field)
    if (party)
      return t('disputes.register.partyField', { n: Number(party[1]) + 1, field: t(`disputes.party.${party[2]}`) })
    return i18n.exists(`disputes.fields.${field}`) ? t(`disputes.fields.${field}`) : undefined
  }
  const error = problem ?? send.error
  const invalid = (field: string) => (error instanceof ApiError && error.field === field) || undefined

  if (done) return <Registered result={done} onAnother={() => setDone(null)} />

  return (
    <section className="page register-dispute-page" data-testid="page-dispute-register">
      <a className="back-link" href={routes.disputes()}>
        ← {t('disputes.back')}
      </a>
      <h1 className="page-title">{t('disputes.register.title')}</h1>
      <p className="muted">{t('disputes.register.intro')}</p>
      <form
        className="card dispute-form"
        onSubmit={submit}
        // An edit answers the complaint about the form; the next submit checks again.
        onChange={() => setProblem(null)}
        noValidate
        data-testid="dispute-register-form"
      >
        <div className="form-grid">
          <label className="field">
            <span>
              {t('disputes.fields.category')}
              <Required />
            </span>
            <select
              data-testid="register-category"
              value={category}
              aria-invalid={invalid('category')}
              onChange={(e) => setCategory(e.target.value)}
            >
              <option value="">{t('report.choose')}</option>
              {CATEGORIES.map((c) => (
                <option key={c} value={c}>
                  {t(`disputes.categories.${c}`)}
                </option>
              ))}
            </select>
          </label>
          <label className="field">
            <span>
              {t('disputes.fields.source')}
              <Required />
            </span>
            <select
              data-testid="register-source"
              value={source}
              onChange={(e) => setSource(SOURCES.find((s) => s === e.target.value) ?? 'walk_in')}
            >
              {SOURCES.filter((s) => s !== 'petitions_office').map((s) => (
                <option key={s} value={s}>
                  {t(`disputes.sources.${s}`)}
                </option>
              ))}
            </select>
          </label>
          {source === 'event_case' && (
            <label className="field">
              <span>
                {t('disputes.fields.sourceCaseId')}
                <Required />
              </span>
              <input
                inputMode="numeric"
                data-testid="register-source-case"
                value={sourceCaseId}
                aria-invalid={invalid('sourceCaseId')}
                onChange={(e) => setSourceCaseId(e.target.value)}
              />
            </label>
          )}
          <label className="field">
            <span>
              {t('disputes.fields.areaId')}
              <Required />
            </span>
            <select
              data-testid="register-area"
              value={areaId}
              aria-invalid={invalid('areaId')}
              disabled={!tree.data}
              onChange={(e) => setAreaId(e.target.value)}
            >
              <option value="">{tree.data ? t('report.choose') : t('common.loading')}</option>
              {places.map(({ node, depth }) => (
                <option key={node.id} value={node.id} data-code={node.code}>
                  {'\u3000'.repeat(depth)}
                  {localName(node, lng)} · {node.code}
                </option>
              ))}
            </select>
          </label>
          <label className="field">
            <span>
              {t('disputes.fields.address')}
              {pinning ? <span className="muted optional"> {t('report.optional')}</span> : <Required />}
            </span>
            <input
              data-testid="register-address"
              maxLength={300}
              value={address}
              aria-invalid={invalid('address')}
              onChange={(e) => setAddress(e.target.value)}
            />
          </label>
        </div>
        <label className="check">
          <input
            type="checkbox"
            data-testid="register-pin"
            checked={pinning}
            onChange={(e) => setPinning(e.target.checked)}
          />
          {t('disputes.register.pin')}
        </label>
        {pinning && (
          <div className="field register-location">
            <LocationPicker
              value={location}
              onChange={setLocation}
              config={config}
              focusAreaIds={areaId ? [Number(areaId)] : []}
            />
          </div>
        )}
        <label className="field">
          <span>
            {t('disputes.fields.facts')}
            <Required />
          </span>
          <textarea
            data-testid="register-facts"
            rows={4}
            maxLength={4000}
            value={facts}
            aria-invalid={invalid('facts')}
            onChange={(e) => setFacts(e.target.value)}
          />
        </label>
        <label className="field">
          <span>
            {t('disputes.fields.claims')}
            <Required />
          </span>
          <textarea
            data-testid="register-claims"
            rows={3}
            maxLength={4000}
            value={claims}
            aria-invalid={invalid('claims')}
            onChange={(e) => setClaims(e.target.value)}
          />
        </label>
        <div className="form-grid">
          <label className="field">
            <span>
              {t('disputes.fields.amount')} <span className="muted optional">{t('report.optional')}</span>
            </span>
            <input
              type="number"
              min={0}
              step="0.01"
              data-testid="register-amount"
              value={amount}
              aria-invalid={invalid('amount')}
              onChange={(e) => setAmount(e.target.value)}
            />
          </label>
          <label className="field">
            <span>
              {t('disputes.fields.peopleInvolved')}
              <Required />
            </span>
            <input
              type="number"
              min={1}
              max={100000}
              data-testid="register-people"
              value={people}
              aria-invalid={invalid('peopleInvolved')}
              onChange={(e) => setPeople(e.target.value)}
            />
          </label>
        </div>
        <label className="check">
          <input
            type="checkbox"
            data-testid="register-threat"
            checked={threat}
            onChange={(e) => setThreat(e.target.checked)}
          />
          {t('disputes.fields.threat')}
        </label>

        <fieldset className="party-rows">
          <legend className="section-title">{t('disputes.fields.parties')}</legend>
          <p className="muted hint">{t('disputes.register.partiesHint')}</p>
          {parties.map((p, i) => (
            <fieldset key={p.key} className="party-row card" data-testid="register-party">
              <legend>{t('disputes.register.partyN', { n: i + 1 })}</legend>
              <div className="form-grid">
                <label className="field">
                  <span>{t('disputes.party.role')}</span>
                  <select
                    data-testid={`party-role-${i}`}
                    value={p.role}
                    onChange={(e) =>
                      setParty(p.key, { role: PARTY_ROLES.find((r) => r === e.target.value) ?? 'third_party' })
                    }
                  >
                    {PARTY_ROLES.map((r) => (
                      <option key={r} value={r}>
                        {t(`disputes.partyRoles.${r}`)}
                      </option>
                    ))}
                  </select>
                </label>
                <label className="field">
                  <span>
                    {t('disputes.party.name')}
                    <Required />
                  </span>
                  <input
                    data-testid={`party-name-${i}`}
                    maxLength={200}
                    value={p.name}
                    aria-invalid={invalid(`parties[${i}].name`)}
                    onChange={(e) => setParty(p.key, { name: e.target.value })}
                  />
                </label>
                <label className="field">
                  <span>{t('disputes.party.idNumber')}</span>
                  <input
                    data-testid={`party-id-${i}`}
                    maxLength={40}
                    autoComplete="off"
                    value={p.idNumber}
                    aria-invalid={invalid(`parties[${i}].idNumber`)}
                    onChange={(e) => setParty(p.key, { idNumber: e.target.value })}
                  />
                </label>
                <label className="field">
                  <span>{t('disputes.party.phone')}</span>
                  <input
                    type="tel"
                    data-testid={`party-phone-${i}`}
                    maxLength={30}
                    autoComplete="off"
                    value={p.phone}
                    aria-invalid={invalid(`parties[${i}].phone`)}
                    onChange={(e) => setParty(p.key, { phone: e.target.value })}
                  />
                </label>
                <label className="field">
                  <span>{t('disputes.party.address')}</span>
                  <input
                    data-testid={`party-address-${i}`}
                    maxLength={300}
                    value={p.address}
                    onChange={(e) => setParty(p.key, { address: e.target.value })}
                  />
                </label>
              </div>
              <div className="party-row-foot">
                <label className="check">
                  <input
                    type="checkbox"
                    data-testid={`party-vulnerable-${i}`}
                    checked={p.vulnerable}
                    onChange={(e) => setParty(p.key, { vulnerable: e.target.checked })}
                  />
                  {t('disputes.party.vulnerable')}
                </label>
                {parties.length > 2 && (
                  <button
                    type="button"
                    className="btn btn-small"
                    data-testid={`party-remove-${i}`}
                    onClick={() => setParties((ps) => ps.filter((x) => x.key !== p.key))}
                  >
                    {t('disputes.register.removeParty', { n: i + 1 })}
                  </button>
                )}
              </div>
            </fieldset>
          ))}
          {parties.length < 30 && (
            <button
              type="button"
              className="btn btn-small"
              data-testid="party-add"
              onClick={() =>
                setParties((ps) => [...ps, emptyParty(Math.max(0, ...ps.map((x) => x.key)) + 1, 'third_party')])
              }
            >
              {t('disputes.register.addParty')}
            </button>
          )}
        </fieldset>

        {error ? (
          <div className="error-banner" role="alert" data-testid="register-error">
            <span>{errorText(error, fieldLabel)}</span>
          </div>
        ) : null}
        <div className="form-buttons">
          <button type="submit" className="btn btn-primary" data-testid="register-submit" disabled={busy}>
            {busy ? t('common.sending') : t('disputes.register.submit')}
          </button>
          <a className="btn" href={routes.disputes()}>
            {t('common.cancel')}
          </a>
        </div>
      </form>
    </section>
  )
}

/** What the server said on registering: the reference, the risk and the rules that set it, a warning sent. */
function Registered({ result, onAnother }: { result: NewDisputeResult; onAnother: () => void }) {
  const { t, i18n } = useTranslation()
  // Rule names come with the settings; without them the codes still say which rules fired.
  const settings = useQuery(disputeQueries.settings())
  const ruleName = (code: string) => {
    const r = settings.data?.rules.find((x) => x.code === code)
    return r ? localName(r, i18n.language) : code
  }
  return (
    <section className="page register-dispute-page" data-testid="page-dispute-register">
      <a className="back-link" href={routes.disputes()}>
        ← {t('disputes.back')}
      </a>
      <div className="card register-done" data-testid="register-done" data-dispute-id={result.id}>
        <h1 className="page-title">{t('disputes.register.done', { reference: result.reference })}</h1>
        <p>
          {t('disputes.risk.level')}: <RiskBadge level={result.riskLevel} testId="register-risk" />
        </p>
        {result.riskRules.length > 0 ? (
          <div>
            <h2 className="section-title">{t('disputes.risk.rulesFired')}</h2>
            <ul data-testid="register-rules">
              {result.riskRules.map((code) => (
                <li key={code} data-rule={code}>
                  {ruleName(code)}
                </li>
              ))}
            </ul>
          </div>
        ) : (
          <p className="muted">{t('disputes.risk.noRules')}</p>
        )}
        {result.warned && (
          <p className="notice warn-notice" role="status" data-testid="register-warned">
            {t('disputes.register.warned')}
          </p>
        )}
        {result.registryMatches.length > 0 && (
          <p className="notice" data-testid="register-matches">
            {t('disputes.register.registryMatches', {
              parties: result.registryMatches.map((i) => i + 1).join(t('common.listSeparator')),
            })}
          </p>
        )}
        <div className="form-buttons">
          <a className="btn btn-primary" href={routes.dispute(result.id)} data-testid="register-open">
            {t('disputes.register.openDispute')}
          </a>
          <button type="button" className="btn" onClick={onAnother}>
            {t('disputes.register.another')}
          </button>
        </div>
      </div>
    </section>
  )
}
