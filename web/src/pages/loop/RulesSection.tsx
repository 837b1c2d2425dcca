import { useMutation, useQuery } from '@tanstack/react-query'
import { useState, type FormEvent } from 'react'
import { useTranslation } from 'react-i18next'
import { ApiError } from '../../api'
import { invalidate, keys } from '../../api/queries'
import { AreaSelect } from '../../components/AreaSelect'
import { QueryStatus } from '../../components/QueryStatus'
import { errorText, formatNumber } from '../../i18n'
import { hasRole } from '../../modules'
import {
  URGENCIES,
  type CaseRulesAnswer,
  type CaseRulesBody,
  type EffectiveCaseRules,
  type Urgency,
  type User,
} from '../../types'
import { loopQueries, loopApi } from './api'

type ReplyUnit = '' | 'hours' | 'workdays'
interface TierForm {
  contactHours: string
  replyUnit: ReplyUnit
  reply: string
}
/** The form as typed: '' means "not set here", so the area above (or the default) decides. */
interface RulesForm {
  tiers: Record<Urgency, TierForm>
  returnWindowHours: string
  callbackAttempts: string
  shelvingReviewDays: string
  checkWorkdays: string
  weights: [string, string, string]
  band: [string, string]
}

const str = (n: number | undefined) => (n === undefined ? '' : String(n))

function formOf(own: CaseRulesAnswer['own']): RulesForm {
  const tier = (u: Urgency): TierForm => {
    const l = own.limits?.[u]
    const replyUnit: ReplyUnit =
      l?.replyHours !== undefined ? 'hours' : l?.replyWorkdays !== undefined ? 'workdays' : ''
    return {
      contactHours: str(l?.contactHours),
      replyUnit,
      reply: str(l?.replyHours ?? l?.replyWorkdays),
    }
  }
  const w = own.satisfactionWeights
  return {
    tiers: { urgent: tier('urgent'), general: tier('general'), complex: tier('complex') },
    returnWindowHours: str(own.returnWindowHours),
    callbackAttempts: str(own.callbackAttempts),
    shelvingReviewDays: str(own.shelvingReviewDays),
    checkWorkdays: str(own.checkWorkdays),
    weights: w ? [String(w.satisfied), String(w.basicallySatisfied), String(w.unsatisfied)] : ['', '', ''],
    band: own.householdBand ? [String(own.householdBand[0]), String(own.householdBand[1])] : ['', ''],
  }
}

/** What the form sets, as the PUT body; a bad number names its field. */
function bodyOf(f: RulesForm): CaseRulesBody | { invalid: string } {
  const num = (s: string) => (s.trim() === '' ? undefined : Number(s))
  const body: CaseRulesBody = {}
  const limits: NonNullable<CaseRulesBody['limits']> = {}
  for (const u of URGENCIES) {
    const tf = f.tiers[u]
    const contact = num(tf.contactHours)
    const reply = tf.replyUnit ? num(tf.reply) : undefined
    if (contact !== undefined && !(contact > 0 && contact <= 240)) return { invalid: `limits.${u}.contactHours` }
    if (tf.replyUnit === 'hours' && reply !== undefined && !(reply > 0 && reply <= 720))
      return { invalid: `limits.${u}.replyHours` }
    if (tf.replyUnit === 'workdays' && reply !== undefined && !(Number.isInteger(reply) && reply >= 1 && reply <= 60))
      return { invalid: `limits.${u}.replyWorkdays` }
    const l: NonNullable<NonNullable<CaseRulesBody['limits']>['urgent']> = {}
    if (contact !== undefined) l.contactHours = contact
    if (reply !== undefined) {
      if (tf.replyUnit === 'hours') l.replyHours = reply
      else l.replyWorkdays = reply
    }
    if (Object.keys(l).length) limits[u] = l
  }
  if (Object.keys(limits).length) body.limits = limits
  const int = (s: string, min: number, max: number, key: string): number | undefined | { invalid: string } => {
    const n = num(s)
    if (n === undefined) return undefined
    return Number.isInteger(n) && n >= min && n <= max ? n : { invalid: key }
  }
  const rw = num(f.returnWindowHours)
  if (rw !== undefined) {
    if (!(rw > 0 && rw <= 168)) return { invalid: 'returnWindowHours' }
    body.returnWindowHours = rw
  }
  for (const [key, min, max] of [
    ['callbackAttempts', 1, 10],
    ['shelvingReviewDays', 1, 365],
    ['checkWorkdays', 1, 10],
  ] as const) {
    const v = int(f[key], min, max, key)
    if (typeof v === 'object') return v
    if (v !== undefined) body[key] = v
  }
  if (f.weights.some((w) => w.trim() !== '')) {
    const ws = f.weights.map(num)
    if (ws.some((w) => w === undefined || !(w >= 0 && w <= 1))) return { invalid: 'satisfactionWeights' }
    body.satisfactionWeights = { satisfied: ws[0]!, basicallySatisfied: ws[1]!, unsatisfied: ws[2]! }
  }
  if (f.band.some((b) => b.trim() !== '')) {
    const lo = int(f.band[0], 0, 100000, 'householdBand')
    const hi = int(f.band[1], 0, 100000, 'householdBand')
    if (typeof lo !== 'number' || typeof hi !== 'number' || lo > hi) return { invalid: 'householdBand' }
    body.householdBand = [lo, hi]
  }
  return body
}

/**
 * The loop's rules per area for admins (GET/PUT /api/v1/areas/{id}/case-rules): limits per urgency
 * tier, the return window, call-back attempts, the shelving review, the verification limit,
 * satisfaction weights and the grid household band. Each empty input shows what applies from above.
 */
export function RulesSection({ user }: { user: User }) {
  const { t } = useTranslation()
  const firstArea = user.roles.find((r) => r.role === 'admin' && r.areaId != null)?.areaId
  const [areaId, setAreaId] = useState(firstArea ? String(firstArea) : '')
  const id = Number(areaId)
  const rules = useQuery({ ...loopQueries.caseRules(id), enabled: id > 0 })
  return (
    <div data-testid="loop-rules">
      <h2 className="section-title">{t('loop.rules.title')}</h2>
      <p className="muted">{t('loop.rules.intro')}</p>
      <div className="field inline-field">
        <label htmlFor="rules-area">{t('loop.rules.area')}</label>
        <AreaSelect
          id="rules-area"
          value={areaId}
          onChange={setAreaId}
          emptyLabel={t('loop.rules.chooseArea')}
          testId="rules-area"
          maxLevel="community"
        />
      </div>
      {id > 0 && <QueryStatus query={rules} />}
      {id > 0 && rules.data && <RulesForm key={id} answer={rules.data} user={user} />}
    </div>
  )
}

function RulesForm({ answer, user }: { answer: CaseRulesAnswer; user: User }) {
  const { t, i18n } = useTranslation()
  const lng = i18n.language
  const [form, setForm] = useState<RulesForm>(() => formOf(answer.own))
  const [problem, setProblem] = useState<ApiError | null>(null)
  const [saved, setSaved] = useState(false)
  // The server decides (admins of the area or above); this only spares others a form that would fail.
  const admin = hasRole(user, ['admin'])
  // The answer's `effective` is typed loosely (an open object); it is the server's CaseRules.
  const eff = answer.effective as EffectiveCaseRules
  const save = useMutation({
    mutationFn: (body: CaseRulesBody) => loopApi.saveCaseRules(answer.areaId, body),
    onSuccess: (answered) => {
      // The form shows what the server keeps (e.g. a cleared input stays empty, now inherited).
      setForm(formOf(answered.own))
      setSaved(true)
      return invalidate(keys.cases)
    },
  })
  const error = problem ?? save.error

  const submit = (e: FormEvent) => {
    e.preventDefault()
    if (save.isPending) return
    setSaved(false)
    const body = bodyOf(form)
    if ('invalid' in body) {
      setProblem(new ApiError(0, 'VALIDATION_FAILED', '', body.invalid))
      return
    }
    setProblem(null)
    save.mutate(body)
  }

  // A refused value named by its input's label (limits.urgent.contactHours → the tier and the column).
  const ruleLabel = (field: string) => {
    const m = /^limits\.(urgent|general|complex)\.(\w+)$/.exec(field)
    if (m)
      return `${t(`loop.panel.urgencies.${m[1]}`)} · ${t(m[2] === 'contactHours' ? 'loop.rules.contactHours' : 'loop.rules.reply')}`
    if (field === 'satisfactionWeights') return t('loop.rules.weights')
    if (field === 'householdBand') return t('loop.rules.householdBand')
    return i18n.exists(`loop.rules.${field}`) ? t(`loop.rules.${field}`) : undefined
  }
  const n = (v: number | undefined) => (v === undefined ? '—' : formatNumber(v, 2, lng))
  const inherited = (v: string) => t('loop.rules.inherited', { value: v })
  const setTier = (u: Urgency, patch: Partial<TierForm>) =>
    setForm((f) => ({ ...f, tiers: { ...f.tiers, [u]: { ...f.tiers[u], ...patch } } }))
  const replyText = (u: Urgency) => {
    const l = eff.limits[u]
    if (l.replyHours !== undefined) return `${n(l.replyHours)} ${t('loop.rules.hours')}`
    if (l.replyWorkdays !== undefined) return `${n(l.replyWorkdays)} ${t('loop.rules.workdays')}`
    return t('loop.rules.categoryDefault')
  }
  const numberField = (
    key: 'returnWindowHours' | 'callbackAttempts' | 'shelvingReviewDays' | 'checkWorkdays',
    step: string,
  ) => (
    <label className="field" key={key}>
      <span>{t(`loop.rules.${key}`)}</span>
      <input
        type="number"
        min={0}
        step={step}
        data-testid={`rules-${key}`}
        value={form[key]}
        placeholder={inherited(n(eff[key]))}
        onChange={(e) => setForm((f) => ({ ...f, [key]: e.target.value }))}
        disabled={!admin}
      />
    </label>
  )

  return (
    <form className="card rules-form" data-testid="rules-form" onSubmit={submit} noValidate>
      {!admin && <p className="notice">{t('loop.rules.readOnly')}</p>}
      <table className="loop-table" data-testid="rules-tiers">
        <caption className="visually-hidden">{t('loop.rules.tier')}</caption>
        <thead>
          <tr>
            <th scope="col">{t('loop.rules.tier')}</th>
            <th scope="col">{t('loop.rules.contactHours')}</th>
            <th scope="col">{t('loop.rules.reply')}</th>
          </tr>
        </thead>
        <tbody>
          {URGENCIES.map((u) => {
            const tf = form.tiers[u]
            const tierName = t(`loop.panel.urgencies.${u}`)
            return (
              <tr key={u} data-testid={`rules-tier-${u}`}>
                <th scope="row">{tierName}</th>
                <td>
                  <input
                    type="number"
                    min={0}
                    step="0.5"
                    aria-label={`${tierName}: ${t('loop.rules.contactHours')}`}
                    data-testid={`rules-${u}-contact`}
                    value={tf.contactHours}
                    placeholder={inherited(n(eff.limits[u].contactHours))}
                    onChange={(e) => setTier(u, { contactHours: e.target.value })}
                    disabled={!admin}
                  />
                </td>
                <td className="inline-field">
                  <input
                    type="number"
                    min={0}
                    aria-label={`${tierName}: ${t('loop.rules.reply')}`}
                    data-testid={`rules-${u}-reply`}
                    value={tf.reply}
                    placeholder={inherited(replyText(u))}
                    onChange={(e) => setTier(u, { reply: e.target.value, replyUnit: tf.replyUnit || 'hours' })}
                    disabled={!admin}
                  />
                  <select
                    aria-label={`${tierName}: ${t('loop.rules.replyUnit')}`}
                    data-testid={`rules-${u}-unit`}
                    value={tf.replyUnit}
                    onChange={(e) => setTier(u, { replyUnit: e.target.value as ReplyUnit })}
                    disabled={!admin}
                  >
                    <option value="">{inherited(replyText(u))}</option>
                    <option value="hours">{t('loop.rules.hours')}</option>
                    <option value="workdays">{t('loop.rules.workdays')}</option>
                  </select>
                </td>
              </tr>
            )
          })}
        </tbody>
      </table>
      <div className="loop-grid">
        {numberField('returnWindowHours', '0.5')}
        {numberField('callbackAttempts', '1')}
        {numberField('shelvingReviewDays', '1')}
        {numberField('checkWorkdays', '1')}
      </div>
      <fieldset className="field">
        <legend>{t('loop.rules.weights')}</legend>
        <div className="inline-field">
          {(['weightSatisfied', 'weightBasically', 'weightUnsatisfied'] as const).map((k, i) => {
            const effW = [
              eff.satisfactionWeights.satisfied,
              eff.satisfactionWeights.basicallySatisfied,
              eff.satisfactionWeights.unsatisfied,
            ][i]
            return (
              <label key={k}>
                <span>{t(`loop.rules.${k}`)}</span>
                <input
                  type="number"
                  min={0}
                  max={1}
                  step="0.05"
                  data-testid={`rules-weight-${i}`}
                  value={form.weights[i]}
                  placeholder={inherited(n(effW))}
                  onChange={(e) =>
                    setForm((f) => {
                      const w = [...f.weights] as RulesForm['weights']
                      w[i] = e.target.value
                      return { ...f, weights: w }
                    })
                  }
                  disabled={!admin}
                />
              </label>
            )
          })}
        </div>
      </fieldset>
      <fieldset className="field">
        <legend>{t('loop.rules.householdBand')}</legend>
        <div className="inline-field">
          {(['bandLow', 'bandHigh'] as const).map((k, i) => (
            <label key={k}>
              <span>{t(`loop.rules.${k}`)}</span>
              <input
                type="number"
                min={0}
                step="1"
                data-testid={`rules-band-${i}`}
                value={form.band[i]}
                placeholder={inherited(n(eff.householdBand[i]))}
                onChange={(e) =>
                  setForm((f) => {
                    const b = [...f.band] as RulesForm['band']
                    b[i] = e.target.value
                    return { ...f, band: b }
                  })
                }
                disabled={!admin}
              />
            </label>
          ))}
        </div>
      </fieldset>
      {error ? (
        <div className="error-banner" role="alert" data-testid="rules-error">
          <span>{errorText(error, ruleLabel)}</span>
        </div>
      ) : null}
      {saved && (
        <p className="notice" role="status" data-testid="rules-saved">
          {t('loop.rules.saved')}
        </p>
      )}
      {admin && (
        <button type="submit" className="btn btn-primary" data-testid="rules-save" disabled={save.isPending}>
          {save.isPending ? t('common.sending') : t('loop.rules.save')}
        </button>
      )}
    </form>
  )
}
