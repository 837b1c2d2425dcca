import { queryOptions, useMutation, useQuery } from '@tanstack/react-query'
import { useEffect, useRef, useState, type FormEvent, type ReactNode } from 'react'
import { useTranslation } from 'react-i18next'
import { ApiError, call, client } from '../../api'
import { invalidate, keys, queries } from '../../api/queries'
import type { ApiResponse } from '../../api/schema'
import { errorText, localName } from '../../i18n'
import type { Department } from '../../types'
import { disputeApi, disputeChanged, type DisputeAction, type DisputeActionBody, type DisputeDetail } from './api'
import { COURT_OUTCOMES, JUDICIAL_MODES, JUDICIAL_STATUSES, PERFORMANCES, Required, todayLocal } from './common'

/** Someone else acted first: the dispute is no longer where the form found it. */
export const isDisputeConflict = (err: unknown) =>
  err instanceof ApiError && (err.code === 'DISPUTE_VERSION_CONFLICT' || err.code === 'DISPUTE_ILLEGAL_TRANSITION')

/**
 * A change to the dispute (an action, the agreement, a signature, a session): its answer is the new
 * detail, which replaces the old one; a conflict reloads the dispute and says why.
 */
export function useDisputeChange<V>(detail: DisputeDetail, send: (v: V) => Promise<DisputeDetail>) {
  const { t } = useTranslation()
  const [notice, setNotice] = useState<string | null>(null)
  const mutation = useMutation({
    mutationFn: send,
    onMutate: () => setNotice(null),
    onSuccess: (updated) => disputeChanged(updated),
    onError: (err) => {
      if (!isDisputeConflict(err)) return
      const state = err instanceof ApiError && typeof err.details?.state === 'string' ? err.details.state : null
      setNotice(
        err instanceof ApiError && err.code === 'DISPUTE_VERSION_CONFLICT'
          ? t('disputes.actions.conflict')
          : t('disputes.actions.illegal', {
              state: state ? t(`disputes.states.${state}`, { defaultValue: state }) : '—',
            }),
      )
      void invalidate(keys.dispute(detail.id))
    },
  })
  const error = isDisputeConflict(mutation.error) ? null : mutation.error
  return { mutation, notice, error }
}

type Field =
  | 'committee'
  | 'department'
  | 'partyRefused'
  | 'court'
  | 'judicialMode'
  | 'courtOutcome'
  | 'judicialStatus'
  | 'appliedOn'
  | 'decidedOn'
  | 'courtExtension'
  | 'performance'
  | 'comment'
interface Spec {
  fields: Field[]
  required: Field[]
  tone: 'primary' | 'danger' | 'plain'
}

// What each action needs (src/disputes/actions.ts). assess_risk has its form in the risk panel and
// settle its button in the agreement editor, where the facts they rest on are shown.
const SPECS: Partial<Record<DisputeAction, Spec>> = {
  assign: { fields: ['committee', 'comment'], required: ['committee'], tone: 'primary' },
  add_joint: { fields: ['department', 'comment'], required: ['department'], tone: 'plain' },
  escalate: { fields: ['department', 'partyRefused', 'comment'], required: ['comment'], tone: 'plain' },
  refer_judicial: {
    fields: ['court', 'judicialMode', 'comment'],
    required: ['court', 'judicialMode', 'comment'],
    tone: 'plain',
  },
  record_court_outcome: { fields: ['courtOutcome', 'comment'], required: ['courtOutcome'], tone: 'primary' },
  record_judicial: {
    fields: ['judicialStatus', 'court', 'appliedOn', 'decidedOn', 'courtExtension', 'comment'],
    required: ['judicialStatus'],
    tone: 'plain',
  },
  follow_up: { fields: ['performance', 'comment'], required: ['performance', 'comment'], tone: 'primary' },
  close: { fields: ['comment'], required: [], tone: 'primary' },
  withdraw: { fields: ['comment'], required: [], tone: 'danger' },
}
const COMMITTEE_KINDS: readonly Department['kind'][] = ['mediation_committee', 'community_committee']
/** The most mediators an assignment may name (src/disputes/actions.ts). */
const MAX_MEDIATORS = 10

/** The mediator accounts in an area (a grant there or below), for naming them on an assignment. */
const mediatorsQuery = (areaId: number) =>
  queryOptions({
    queryKey: ['users', 'mediators', areaId] as const,
    queryFn: ({ signal }) =>
      call(client.GET('/api/v1/users', { params: { query: { role: 'mediator', areaId, pageSize: 100 } }, signal })),
  })
type Mediator = ApiResponse<'/api/v1/users'>['items'][number]

/**
 * Buttons for the workflow actions the caller may take now (`allowedActions`), each opening the inputs
 * it needs; escalation opens as a dialog, being a hand-over of the whole file to another body.
 */
export function DisputeActionPanel({ detail }: { detail: DisputeDetail }) {
  const { t } = useTranslation()
  const [active, setActive] = useState<DisputeAction | null>(null)
  const [values, setValues] = useState<Record<Field, string>>(blank)
  const [mediatorIds, setMediatorIds] = useState<number[]>([])
  const [problem, setProblem] = useState<ApiError | null>(null)
  const [done, setDone] = useState<string | null>(null)
  const spec = active ? SPECS[active] : undefined
  const needsDepartments = !!spec && (spec.fields.includes('committee') || spec.fields.includes('department'))
  const departmentsQuery = useQuery({ ...queries.departments(), enabled: needsDepartments })
  // The mediators offered are those of the chosen committee's area.
  const committeeArea = departmentsQuery.data?.find((d) => String(d.id) === values.committee)?.areaId ?? 0
  const mediators = useQuery({
    ...mediatorsQuery(committeeArea),
    enabled: active === 'assign' && committeeArea > 0,
  })
  const { mutation, notice, error } = useDisputeChange(detail, (body: DisputeActionBody) =>
    disputeApi.act(detail.id, body),
  )

  // A new version of the dispute closes any open form.
  const version = `${detail.id}:${detail.version}`
  const [formVersion, setFormVersion] = useState(version)
  if (formVersion !== version) {
    setFormVersion(version)
    setActive(null)
  }

  const actions = detail.allowedActions.filter((a) => SPECS[a])
  const open = (a: DisputeAction) => {
    setActive(a === active ? null : a)
    setValues(blank())
    setMediatorIds([])
    setProblem(null)
    setDone(null)
    mutation.reset()
  }
  const set = (f: Field, v: string) => {
    setValues((x) => ({ ...x, [f]: v }))
    // Another committee, other mediators.
    if (f === 'committee') setMediatorIds([])
  }

  const submit = (e: FormEvent) => {
    e.preventDefault()
    if (!active || !spec || mutation.isPending) return
    const v = values
    const required = [...spec.required]
    if (active === 'record_judicial' && v.judicialStatus === 'applied') required.push('appliedOn')
    if (active === 'record_judicial' && v.judicialStatus && v.judicialStatus !== 'applied') required.push('decidedOn')
    if (active === 'record_judicial' && v.judicialStatus === 'applied' && !detail.agreement?.judicial.court)
      required.push('court')
    const gap = required.find((f) => !v[f].trim())
    if (gap) {
      setProblem(new ApiError(0, 'VALIDATION_FAILED', '', `action.${gap}`))
      return
    }
    setProblem(null)
    const body: DisputeActionBody = { action: active, version: detail.version }
    const has = (f: Field) => spec.fields.includes(f) && v[f].trim() !== ''
    if (has('comment')) body.comment = v.comment.trim()
    if (has('committee')) body.committeeId = Number(v.committee)
    if (has('committee') && mediatorIds.length) body.mediatorIds = mediatorIds
    if (has('department')) body.departmentId = Number(v.department)
    if (spec.fields.includes('partyRefused')) body.partyRefused = v.partyRefused === 'yes'
    if (has('court')) body.court = v.court.trim()
    if (has('judicialMode')) body.judicialMode = JUDICIAL_MODES.find((m) => m === v.judicialMode)
    if (has('courtOutcome')) body.courtOutcome = COURT_OUTCOMES.find((m) => m === v.courtOutcome)
    if (has('judicialStatus')) body.judicialStatus = JUDICIAL_STATUSES.find((m) => m === v.judicialStatus)
    if (has('appliedOn')) body.appliedOn = v.appliedOn
    if (has('decidedOn')) body.decidedOn = v.decidedOn
    if (has('courtExtension')) body.courtExtension = v.courtExtension.trim()
    if (has('performance')) body.performance = PERFORMANCES.find((m) => m === v.performance)
    const action = active
    mutation.mutate(body, {
      onSuccess: () => setDone(t('disputes.actions.done', { action: t(`disputes.actionNames.${action}`) })),
    })
  }

  const departments = departmentsQuery.data ?? null
  const bodies = new Set([detail.committee?.id, detail.department?.id, ...detail.jointDepartments.map((j) => j.id)])
  const deptOptions = (departments ?? []).filter((d) =>
    active === 'assign' ? COMMITTEE_KINDS.includes(d.kind) : !bodies.has(d.id),
  )
  const fieldLabel = (f: string) =>
    f.startsWith('action.')
      ? t(`disputes.actionFields.${f.slice(7)}`)
      : f === 'mediatorIds'
        ? t('disputes.actionFields.mediators')
        : undefined
  const shown = problem ?? departmentsQuery.error ?? mediators.error ?? error

  const form = active && spec && (
    <ActionForm
      action={active}
      spec={spec}
      values={values}
      set={set}
      departments={departments}
      deptOptions={deptOptions}
      mediators={committeeArea > 0 ? (mediators.data?.items ?? null) : undefined}
      mediatorIds={mediatorIds}
      setMediatorIds={setMediatorIds}
      busy={mutation.isPending}
      onSubmit={submit}
      onCancel={() => setActive(null)}
      error={shown ? errorText(shown, fieldLabel) : null}
      detail={detail}
    />
  )

  return (
    <section className="action-panel card" data-testid="dispute-actions" aria-labelledby="dispute-actions-title">
      <h2 className="section-title" id="dispute-actions-title">
        {t('disputes.actions.title')}
      </h2>
      {(notice ?? done) && (
        <p className="notice" role="status" data-testid="dispute-action-notice">
          {notice ?? done}
        </p>
      )}
      {actions.length === 0 ? (
        <p className="muted" data-testid="dispute-no-actions">
          {t('disputes.actions.none')}
        </p>
      ) : (
        <div className="action-buttons">
          {actions.map((a) => (
            <button
              key={a}
              type="button"
              className={`btn ${SPECS[a]?.tone === 'primary' ? 'btn-primary' : SPECS[a]?.tone === 'danger' ? 'btn-danger' : ''}${active === a ? ' active' : ''}`}
              data-testid={`dispute-action-${a}`}
              aria-expanded={active === a}
              onClick={() => open(a)}
            >
              {t(`disputes.actionNames.${a}`)}
            </button>
          ))}
        </div>
      )}
      {active === 'escalate' ? (
        <Dialog label={t('disputes.actionNames.escalate')} onClose={() => setActive(null)}>
          {form}
        </Dialog>
      ) : (
        form
      )}
    </section>
  )
}

function blank(): Record<Field, string> {
  return {
    committee: '',
    department: '',
    partyRefused: '',
    court: '',
    judicialMode: '',
    courtOutcome: '',
    judicialStatus: '',
    appliedOn: '',
    decidedOn: '',
    courtExtension: '',
    performance: '',
    comment: '',
  }
}

/** A modal dialog (the native element: focus kept inside, Escape closes it). */
function Dialog({ label, children, onClose }: { label: string; children: ReactNode; onClose: () => void }) {
  const ref = useRef<HTMLDialogElement>(null)
  useEffect(() => {
    const d = ref.current
    if (d && !d.open) d.showModal()
    return () => d?.close()
  }, [])
  return (
    <dialog ref={ref} className="dispute-dialog" data-testid="dispute-dialog" aria-label={label} onClose={onClose}>
      {children}
    </dialog>
  )
}

function ActionForm({
  action,
  spec,
  values,
  set,
  departments,
  deptOptions,
  mediators,
  mediatorIds,
  setMediatorIds,
  busy,
  onSubmit,
  onCancel,
  error,
  detail,
}: {
  action: DisputeAction
  spec: Spec
  values: Record<Field, string>
  set: (f: Field, v: string) => void
  departments: Department[] | null
  deptOptions: Department[]
  /** The committee's mediators; null while they load, undefined before a committee is chosen. */
  mediators: Mediator[] | null | undefined
  mediatorIds: number[]
  setMediatorIds: (ids: number[]) => void
  busy: boolean
  onSubmit: (e: FormEvent) => void
  onCancel: () => void
  error: string | null
  detail: DisputeDetail
}) {
  const { t, i18n } = useTranslation()
  const lng = i18n.language
  const has = (f: Field) => spec.fields.includes(f)
  const label = (f: Field, optionalText?: string) => (
    <span>
      {t(`disputes.actionFields.${f}`)}
      {spec.required.includes(f) ? (
        <Required />
      ) : (
        <span className="muted optional"> {optionalText ?? t('report.optional')}</span>
      )}
    </span>
  )
  const choice = (f: Field, options: readonly string[], prefix: string) => (
    <label className="field">
      {label(f)}
      <select data-testid={`dispute-action-${f}`} value={values[f]} onChange={(e) => set(f, e.target.value)}>
        <option value="">{t('report.choose')}</option>
        {options.map((o) => (
          <option key={o} value={o}>
            {t(`${prefix}.${o}`)}
          </option>
        ))}
      </select>
    </label>
  )
  const judicial = detail.agreement?.judicial
  return (
    <form className="action-form" data-testid="dispute-action-form" data-action={action} onSubmit={onSubmit} noValidate>
      <h3>{t(`disputes.actionNames.${action}`)}</h3>
      <p className="muted hint">{t(`disputes.actionHints.${action}`)}</p>
      {(has('committee') || has('department')) && (
        <label className="field">
          {label(
            has('committee') ? 'committee' : 'department',
            action === 'escalate' ? t('disputes.actionFields.departmentDefault') : undefined,
          )}
          <select
            data-testid={`dispute-action-${has('committee') ? 'committee' : 'department'}`}
            value={has('committee') ? values.committee : values.department}
            onChange={(e) => set(has('committee') ? 'committee' : 'department', e.target.value)}
          >
            <option value="">{departments ? t('report.choose') : t('common.loading')}</option>
            {deptOptions.map((d) => (
              <option key={d.id} value={d.id} data-code={d.code}>
                {localName(d, lng)} ({d.code})
              </option>
            ))}
          </select>
        </label>
      )}
      {has('committee') && (
        <fieldset className="field checks" data-testid="dispute-action-mediators">
          <legend>
            {t('disputes.actionFields.mediators')}
            <span className="muted optional"> {t('disputes.actionFields.mediatorsHint', { n: MAX_MEDIATORS })}</span>
          </legend>
          {mediators === undefined ? (
            <p className="muted">{t('disputes.actionFields.mediatorsFirst')}</p>
          ) : mediators === null ? (
            <p className="muted">{t('common.loading')}</p>
          ) : mediators.length === 0 ? (
            <p className="muted">{t('disputes.actionFields.mediatorsNone')}</p>
          ) : (
            mediators.map((m) => {
              const chosen = mediatorIds.includes(m.id)
              const areas = m.roles.filter((r) => r.role === 'mediator').map((r) => localName(r, lng))
              return (
                <label key={m.id} className="check">
                  <input
                    type="checkbox"
                    data-testid={`dispute-action-mediator-${m.id}`}
                    data-username={m.username}
                    checked={chosen}
                    disabled={!chosen && mediatorIds.length >= MAX_MEDIATORS}
                    onChange={(e) =>
                      setMediatorIds(e.target.checked ? [...mediatorIds, m.id] : mediatorIds.filter((x) => x !== m.id))
                    }
                  />
                  {m.displayName} <span className="muted">{areas.join(t('common.listSeparator'))}</span>
                </label>
              )
            })
          )}
        </fieldset>
      )}
      {has('partyRefused') && (
        <label className="check">
          <input
            type="checkbox"
            data-testid="dispute-action-partyRefused"
            checked={values.partyRefused === 'yes'}
            onChange={(e) => set('partyRefused', e.target.checked ? 'yes' : '')}
          />
          {t('disputes.actionFields.partyRefused')}
        </label>
      )}
      {has('judicialStatus') && choice('judicialStatus', JUDICIAL_STATUSES, 'disputes.judicial.statuses')}
      {has('judicialMode') && choice('judicialMode', JUDICIAL_MODES, 'disputes.judicialModes')}
      {has('courtOutcome') && choice('courtOutcome', COURT_OUTCOMES, 'disputes.courtOutcomes')}
      {has('performance') && choice('performance', PERFORMANCES, 'disputes.performances')}
      {has('court') && (
        <label className="field">
          {label('court', judicial?.court ? judicial.court : undefined)}
          <input
            data-testid="dispute-action-court"
            maxLength={200}
            value={values.court}
            onChange={(e) => set('court', e.target.value)}
          />
        </label>
      )}
      {has('appliedOn') && values.judicialStatus === 'applied' && (
        <label className="field">
          <span>
            {t('disputes.actionFields.appliedOn')}
            <Required />
          </span>
          <input
            type="date"
            data-testid="dispute-action-appliedOn"
            max={todayLocal()}
            value={values.appliedOn}
            onChange={(e) => set('appliedOn', e.target.value)}
          />
        </label>
      )}
      {has('decidedOn') && values.judicialStatus !== '' && values.judicialStatus !== 'applied' && (
        <label className="field">
          <span>
            {t('disputes.actionFields.decidedOn')}
            <Required />
          </span>
          <input
            type="date"
            data-testid="dispute-action-decidedOn"
            max={todayLocal()}
            value={values.decidedOn}
            onChange={(e) => set('decidedOn', e.target.value)}
          />
        </label>
      )}
      {has('courtExtension') && values.judicialStatus === 'applied' && (
        <label className="field">
          {label('courtExtension', t('disputes.actionFields.courtExtensionHint'))}
          <input
            data-testid="dispute-action-courtExtension"
            maxLength={500}
            value={values.courtExtension}
            onChange={(e) => set('courtExtension', e.target.value)}
          />
        </label>
      )}
      {has('comment') && (
        <label className="field">
          {label('comment')}
          <textarea
            data-testid="dispute-action-comment"
            rows={3}
            maxLength={2000}
            value={values.comment}
            onChange={(e) => set('comment', e.target.value)}
          />
        </label>
      )}
      {error && (
        <div className="error-banner" role="alert" data-testid="dispute-action-error">
          <span>{error}</span>
        </div>
      )}
      <div className="form-buttons">
        <button type="button" className="btn" onClick={onCancel} data-testid="dispute-action-cancel">
          {t('common.cancel')}
        </button>
        <button type="submit" className="btn btn-primary" data-testid="dispute-action-submit" disabled={busy}>
          {busy ? t('common.sending') : t('disputes.actions.confirm', { action: t(`disputes.actionNames.${action}`) })}
        </button>
      </div>
    </form>
  )
}
