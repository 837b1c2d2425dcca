import { useMutation, useQuery } from '@tanstack/react-query'
import { useState, type FormEvent } from 'react'
import { useTranslation } from 'react-i18next'
import { ApiError, api } from '../api'
import { caseChanged, invalidate, keys, queries } from '../api/queries'
import { errorText, formatDateTime, localName } from '../i18n'
import { CallbackForm } from '../pages/loop/CallbackForm'
import { loopQueries } from '../pages/loop/api'
import { DispatchSuggestions } from '../pages/analytics/topics/DispatchSuggestions'
import {
  CONTACT_METHODS,
  RATINGS,
  RETURN_REASONS,
  URGENCIES,
  type ActionBody,
  type CaseAction,
  type CaseDetail,
  type ContactMethod,
  type Rating,
  type ReturnReason,
  type Urgency,
} from '../types'
import { PhotoUploader, type PhotoState } from './PhotoUploader'

type Field =
  | 'comment'
  | 'department'
  | 'into'
  | 'result'
  | 'rating'
  | 'workdays'
  | 'approve'
  | 'photos'
  | 'urgency'
  | 'contactMethod'
  | 'reached'
  | 'returnReason'
  | 'solved'
interface Spec {
  fields: Field[]
  /** Fields the server insists on. */
  required: Field[]
  tone: 'primary' | 'danger' | 'plain'
}

// What each workflow action needs (src/cases/actions.ts); comments are optional unless required.
const SPECS: Record<CaseAction, Spec> = {
  accept: { fields: ['comment'], required: [], tone: 'primary' },
  reject: { fields: ['comment'], required: ['comment'], tone: 'danger' },
  merge: { fields: ['into', 'comment'], required: ['into'], tone: 'plain' },
  dispatch: { fields: ['department', 'comment'], required: [], tone: 'primary' },
  department_accept: { fields: ['comment'], required: [], tone: 'primary' },
  return: { fields: ['returnReason', 'comment'], required: ['returnReason', 'comment'], tone: 'danger' },
  request_extension: { fields: ['workdays', 'comment'], required: ['workdays', 'comment'], tone: 'plain' },
  decide_extension: { fields: ['approve', 'comment'], required: ['approve'], tone: 'plain' },
  add_assist: { fields: ['department', 'comment'], required: ['department'], tone: 'plain' },
  reply: { fields: ['result', 'photos'], required: ['result'], tone: 'primary' },
  verify_pass: { fields: ['comment', 'photos'], required: [], tone: 'primary' },
  verify_fail: { fields: ['comment', 'photos'], required: ['comment'], tone: 'danger' },
  close: { fields: ['comment'], required: [], tone: 'primary' },
  rate: { fields: ['rating', 'solved', 'comment'], required: ['rating'], tone: 'primary' },
  reopen: { fields: ['comment'], required: [], tone: 'plain' },
  // The loop by the book (issue 12).
  confirm: { fields: ['comment', 'photos'], required: ['photos'], tone: 'primary' },
  invalidate: { fields: ['comment'], required: ['comment'], tone: 'danger' },
  change_urgency: { fields: ['urgency', 'comment'], required: ['urgency', 'comment'], tone: 'plain' },
  contact_requester: {
    fields: ['contactMethod', 'reached', 'comment'],
    required: ['contactMethod', 'reached'],
    tone: 'primary',
  },
  approve_return: { fields: ['department', 'comment'], required: [], tone: 'primary' },
  deny_return: { fields: ['comment'], required: ['comment'], tone: 'danger' },
  answer_directly: { fields: ['result'], required: ['result'], tone: 'primary' },
  request_shelving: { fields: ['comment'], required: ['comment'], tone: 'plain' },
  shelve: { fields: ['comment'], required: ['comment'], tone: 'primary' },
  decline_shelving: { fields: ['comment'], required: ['comment'], tone: 'danger' },
  revive: { fields: ['comment'], required: [], tone: 'primary' },
  // Its own form (CallbackForm): reached, declined, solved, rating, comment depend on each other.
  callback: { fields: [], required: [], tone: 'primary' },
}

/** Labels that differ from the field's usual one for a particular action. */
const LABELS: Partial<Record<CaseAction, Partial<Record<Field, string>>>> = {
  invalidate: { comment: 'loop.panel.fields.publicReason' },
  answer_directly: { result: 'loop.panel.fields.answer' },
  confirm: { photos: 'loop.panel.fields.photosRequired' },
}

const TRACKING = /^[0-9]{6}-[0-9A-Z]{6}$/

/** Turns a typed case id or tracking code into a case id. */
async function resolveCaseId(text: string): Promise<number> {
  const s = text.trim().toUpperCase()
  if (/^\d+$/.test(s)) return Number(s)
  if (TRACKING.test(s)) {
    const hit = (await api.cases({ q: s, pageSize: 1 })).items[0]
    if (hit) return hit.id
  }
  throw new ApiError(404, 'CASE_NOT_FOUND', '', 'intoCaseId')
}

/** Someone else acted first: the case is no longer where the form found it. */
const isConflict = (err: unknown) =>
  err instanceof ApiError && (err.code === 'CASE_VERSION_CONFLICT' || err.code === 'CASE_ILLEGAL_TRANSITION')

/**
 * Buttons for the actions the caller may take now, each opening the inputs it needs. The server answers
 * an action with the case's new detail, which replaces it in the query cache (see caseChanged).
 */
export function ActionPanel({ detail }: { detail: CaseDetail }) {
  const { t, i18n } = useTranslation()
  const lng = i18n.language
  const [active, setActive] = useState<CaseAction | null>(null)
  const [comment, setComment] = useState('')
  const [result, setResult] = useState('')
  const [departmentId, setDepartmentId] = useState('')
  const [into, setInto] = useState('')
  const [workdays, setWorkdays] = useState('3')
  const [approve, setApprove] = useState<boolean | null>(null)
  const [rating, setRating] = useState<Rating | null>(null)
  const [urgency, setUrgency] = useState<Urgency | ''>('')
  const [contactMethod, setContactMethod] = useState<ContactMethod | ''>('')
  const [reached, setReached] = useState<boolean | null>(null)
  const [returnReason, setReturnReason] = useState<ReturnReason | ''>('')
  const [solved, setSolved] = useState<boolean | null>(null)
  const [photos, setPhotos] = useState<PhotoState>({ tokens: [], uploading: false })
  // A required input left empty, found before sending.
  const [problem, setProblem] = useState<ApiError | null>(null)
  const [notice, setNotice] = useState<string | null>(null)
  const [formKey, setFormKey] = useState(0)

  const spec = active ? SPECS[active] : null
  const departmentsQuery = useQuery({ ...queries.departments(), enabled: !!spec?.fields.includes('department') })
  const departments = departmentsQuery.data ?? null
  // The return window, shown on the return form (the server applies it).
  const rules = useQuery({ ...loopQueries.caseRules(detail.area.id), enabled: active === 'return' }).data

  // A different case or a new version closes any open form.
  const version = `${detail.id}:${detail.version}`
  const [formVersion, setFormVersion] = useState(version)
  if (formVersion !== version) {
    setFormVersion(version)
    setActive(null)
  }

  const send = useMutation({
    mutationFn: async (action: CaseAction) => {
      const body: ActionBody = { action, version: detail.version }
      const has = (f: Field) => SPECS[action].fields.includes(f)
      if (has('comment') && comment.trim()) body.comment = comment.trim()
      if (has('result')) body.result = result.trim()
      if (has('department') && departmentId) body.departmentId = Number(departmentId)
      if (has('into')) body.intoCaseId = await resolveCaseId(into)
      if (has('workdays')) body.workdays = Number(workdays)
      if (has('approve') && approve !== null) body.approve = approve
      if (has('rating') && rating) body.rating = rating
      if (has('photos') && photos.tokens.length) body.photos = photos.tokens
      if (has('urgency') && urgency) body.urgency = urgency
      if (has('contactMethod') && contactMethod) body.contactMethod = contactMethod
      if (has('reached') && reached !== null) body.reached = reached
      if (has('returnReason') && returnReason) body.returnReason = returnReason
      if (has('solved') && solved !== null) body.solved = solved
      return api.caseAction(detail.id, body)
    },
    onSuccess: (updated, action) => {
      setNotice(t('actions.done', { action: t(`caseActions.${action}`) }))
      void caseChanged(updated)
    },
    onError: (err) => {
      if (!(err instanceof ApiError) || !isConflict(err)) return
      // Someone else acted first: say so and show the case as it is now.
      const state = typeof err.details?.state === 'string' ? t(`caseStates.${err.details.state}`) : null
      setNotice(
        err.code === 'CASE_VERSION_CONFLICT' ? t('actions.conflict') : t('actions.illegal', { state: state ?? '—' }),
      )
      setActive(null)
      void invalidate(keys.cases)
    },
  })
  const busy = send.isPending
  const error = problem ?? departmentsQuery.error ?? (isConflict(send.error) ? null : send.error)

  const open = (a: CaseAction) => {
    setActive(a === active ? null : a)
    setComment('')
    setResult('')
    setDepartmentId('')
    setInto('')
    setWorkdays('3')
    setApprove(null)
    setRating(null)
    setUrgency('')
    setContactMethod('')
    setReached(null)
    setReturnReason('')
    setSolved(null)
    setProblem(null)
    send.reset()
    setNotice(null)
    setFormKey((k) => k + 1)
  }

  const missing = (f: Field): boolean => {
    switch (f) {
      case 'comment':
        return !comment.trim()
      case 'result':
        return !result.trim()
      case 'department':
        return !departmentId
      case 'into':
        return !into.trim()
      case 'workdays':
        return !(Number(workdays) >= 1 && Number(workdays) <= 60)
      case 'approve':
        return approve === null
      case 'rating':
        return rating === null
      case 'photos':
        return photos.tokens.length === 0
      case 'urgency':
        return !urgency
      case 'contactMethod':
        return !contactMethod
      case 'reached':
        return reached === null
      case 'returnReason':
        return !returnReason
      case 'solved':
        return solved === null
      default:
        return false
    }
  }

  const submit = (e: FormEvent) => {
    e.preventDefault()
    if (!active || !spec || busy) return
    const gap = spec.required.find(missing)
    if (gap) {
      setProblem(new ApiError(0, 'VALIDATION_FAILED', '', `action.${gap}`))
      return
    }
    setProblem(null)
    setNotice(null)
    send.mutate(active)
  }

  // The workflow offers a call-back and a rating on every closed case; the server refuses them once the
  // requester's answer is recorded (or never asked for), so they are not offered then.
  const answered = detail.ratingStatus !== null || !detail.rateable
  const offered = detail.allowedActions.filter((a) => !(answered && (a === 'callback' || a === 'rate')))
  /** A field's label on the open form: the action's own wording, the loop's new fields, or the usual one. */
  const labelOf = (f: Field): string => {
    const own = active ? LABELS[active]?.[f] : undefined
    if (own) return t(own)
    if (f === 'department' && active === 'approve_return') return t('loop.panel.approveDepartment')
    if (['urgency', 'contactMethod', 'reached', 'returnReason', 'solved'].includes(f))
      return t(`loop.panel.fields.${f}`)
    return t(`actions.fields.${f}`)
  }
  const fieldLabel = (f: string) => (f.startsWith('action.') ? labelOf(f.slice(7) as Field) : undefined)
  const yesNo = (
    name: string,
    value: boolean | null,
    set: (v: boolean) => void,
    yes: string,
    no: string,
    testId: string,
  ) => (
    <>
      <label className="check">
        <input
          type="radio"
          name={name}
          data-testid={`${testId}-yes`}
          checked={value === true}
          onChange={() => set(true)}
        />
        {yes}
      </label>
      <label className="check">
        <input
          type="radio"
          name={name}
          data-testid={`${testId}-no`}
          checked={value === false}
          onChange={() => set(false)}
        />
        {no}
      </label>
    </>
  )
  const excluded = new Set([detail.department?.id, ...detail.assistingDepartmentIds])
  // An assisting department is not the handling one twice; a return is re-dispatched elsewhere.
  const deptOptions = (departments ?? []).filter((d) =>
    active === 'add_assist' ? !excluded.has(d.id) : active === 'approve_return' ? d.id !== detail.department?.id : true,
  )

  return (
    <section className="action-panel card" data-testid="action-panel">
      <h2 className="section-title">{t('actions.title')}</h2>
      {notice && (
        <p className="notice" data-testid="action-notice" role="status">
          {notice}
        </p>
      )}
      {offered.length === 0 ? (
        <p className="muted" data-testid="no-actions">
          {t('actions.none')}
        </p>
      ) : (
        <div className="action-buttons">
          {offered.map((a) => (
            <button
              key={a}
              type="button"
              className={`btn ${SPECS[a]?.tone === 'primary' ? 'btn-primary' : SPECS[a]?.tone === 'danger' ? 'btn-danger' : ''}${active === a ? ' active' : ''}`}
              data-testid={`action-${a}`}
              aria-expanded={active === a}
              onClick={() => open(a)}
            >
              {t(`actionVerbs.${a}`, { defaultValue: a })}
            </button>
          ))}
        </div>
      )}
      {active === 'callback' && (
        <div className="action-form" data-testid="action-form" data-action="callback">
          <h3>{t('actionVerbs.callback')}</h3>
          <CallbackForm
            c={detail}
            onDone={(done) => {
              setNotice(t(done.key, { code: done.code }))
              setActive(null)
            }}
            onCancel={() => setActive(null)}
          />
        </div>
      )}
      {active && active !== 'callback' && spec && (
        <form className="action-form" data-testid="action-form" data-action={active} onSubmit={submit} noValidate>
          <h3>{t(`actionVerbs.${active}`)}</h3>
          {active === 'decide_extension' && detail.extensionRequest && (
            <p className="notice">
              {t('actions.extensionRequest', {
                days: detail.extensionRequest.workdays,
                reason: detail.extensionRequest.comment,
              })}
            </p>
          )}
          {spec.fields.includes('department') && (
            <label className="field">
              <span>
                {labelOf('department')}
                {!spec.required.includes('department') && active !== 'approve_return' && (
                  <span className="muted optional"> {t('actions.autoRoute')}</span>
                )}
              </span>
              <select
                data-testid="action-department"
                value={departmentId}
                onChange={(e) => setDepartmentId(e.target.value)}
              >
                <option value="">{departments ? t('report.choose') : t('common.loading')}</option>
                {deptOptions.map((d) => (
                  <option key={d.id} value={d.id}>
                    {localName(d, lng)} ({d.code})
                  </option>
                ))}
              </select>
            </label>
          )}
          {spec.fields.includes('department') && (active === 'dispatch' || active === 'accept') && (
            <DispatchSuggestions
              kind="departments"
              description={detail.description}
              caseId={detail.id}
              chosenId={departmentId ? Number(departmentId) : null}
              onAccept={(id) => setDepartmentId(String(id))}
            />
          )}
          {active === 'return' && rules && detail.dispatchedAt && (
            <p className="muted hint" data-testid="action-return-window">
              {t('loop.panel.returnWindowHint', {
                hours: rules.effective.returnWindowHours,
                at: formatDateTime(detail.dispatchedAt, lng),
              })}
            </p>
          )}
          {spec.fields.includes('urgency') && (
            <label className="field">
              <span>
                {labelOf('urgency')}
                <abbr className="required" title={t('report.required')}>
                  *
                </abbr>
              </span>
              <select
                data-testid="action-urgency"
                value={urgency}
                onChange={(e) => setUrgency(e.target.value as Urgency | '')}
              >
                <option value="">{t('report.choose')}</option>
                {URGENCIES.filter((u) => u !== detail.urgency).map((u) => (
                  <option key={u} value={u}>
                    {t(`loop.panel.urgencies.${u}`)}
                  </option>
                ))}
              </select>
            </label>
          )}
          {spec.fields.includes('returnReason') && (
            <label className="field">
              <span>
                {labelOf('returnReason')}
                <abbr className="required" title={t('report.required')}>
                  *
                </abbr>
              </span>
              <select
                data-testid="action-return-reason"
                value={returnReason}
                onChange={(e) => setReturnReason(e.target.value as ReturnReason | '')}
              >
                <option value="">{t('report.choose')}</option>
                {RETURN_REASONS.map((r) => (
                  <option key={r} value={r}>
                    {t(`loop.panel.returnReasons.${r}`)}
                  </option>
                ))}
              </select>
            </label>
          )}
          {spec.fields.includes('contactMethod') && (
            <fieldset className="field checks">
              <legend>{labelOf('contactMethod')}</legend>
              {CONTACT_METHODS.map((m) => (
                <label key={m} className="check">
                  <input
                    type="radio"
                    name="contactMethod"
                    data-testid={`action-contact-${m}`}
                    checked={contactMethod === m}
                    onChange={() => setContactMethod(m)}
                  />
                  {t(`loop.panel.contactMethods.${m}`)}
                </label>
              ))}
            </fieldset>
          )}
          {spec.fields.includes('reached') && (
            <fieldset className="field checks">
              <legend>{labelOf('reached')}</legend>
              {yesNo(
                'reached',
                reached,
                setReached,
                t('loop.panel.reachedYes'),
                t('loop.panel.reachedNo'),
                'action-reached',
              )}
            </fieldset>
          )}
          {spec.fields.includes('into') && (
            <label className="field">
              <span>{t('actions.fields.into')}</span>
              <input
                data-testid="action-into"
                value={into}
                onChange={(e) => setInto(e.target.value)}
                placeholder={t('actions.intoPlaceholder')}
              />
            </label>
          )}
          {spec.fields.includes('workdays') && (
            <label className="field">
              <span>{t('actions.fields.workdays')}</span>
              <input
                type="number"
                min={1}
                max={60}
                data-testid="action-workdays"
                value={workdays}
                onChange={(e) => setWorkdays(e.target.value)}
              />
            </label>
          )}
          {spec.fields.includes('approve') && (
            <fieldset className="field checks">
              <legend>{t('actions.fields.approve')}</legend>
              <label className="check">
                <input
                  type="radio"
                  name="approve"
                  data-testid="action-approve-yes"
                  checked={approve === true}
                  onChange={() => setApprove(true)}
                />
                {t('actions.approveYes')}
              </label>
              <label className="check">
                <input
                  type="radio"
                  name="approve"
                  data-testid="action-approve-no"
                  checked={approve === false}
                  onChange={() => setApprove(false)}
                />
                {t('actions.approveNo')}
              </label>
            </fieldset>
          )}
          {spec.fields.includes('rating') && (
            <fieldset className="field checks">
              <legend>{t('actions.fields.rating')}</legend>
              {RATINGS.map((r) => (
                <label key={r} className="check">
                  <input
                    type="radio"
                    name="rating"
                    data-testid={`action-rating-${r}`}
                    checked={rating === r}
                    onChange={() => setRating(r)}
                  />
                  {t(`ratings.${r}`)}
                </label>
              ))}
            </fieldset>
          )}
          {spec.fields.includes('solved') && (
            <fieldset className="field checks">
              <legend>
                {labelOf('solved')}
                <span className="muted optional"> {t('report.optional')}</span>
              </legend>
              {yesNo('solved', solved, setSolved, t('loop.panel.solvedYes'), t('loop.panel.solvedNo'), 'action-solved')}
            </fieldset>
          )}
          {spec.fields.includes('result') && (
            <label className="field">
              <span>
                {labelOf('result')}
                <abbr className="required" title={t('report.required')}>
                  *
                </abbr>
              </span>
              <textarea
                data-testid="action-result"
                rows={4}
                maxLength={4000}
                value={result}
                onChange={(e) => setResult(e.target.value)}
              />
            </label>
          )}
          {spec.fields.includes('comment') && (
            <label className="field">
              <span>
                {labelOf('comment')}
                {spec.required.includes('comment') ? (
                  <abbr className="required" title={t('report.required')}>
                    *
                  </abbr>
                ) : (
                  <span className="muted optional"> {t('report.optional')}</span>
                )}
              </span>
              <textarea
                data-testid="action-comment"
                rows={3}
                maxLength={2000}
                value={comment}
                onChange={(e) => setComment(e.target.value)}
              />
            </label>
          )}
          {spec.fields.includes('photos') && (
            <div className="field">
              <span className="field-label">{labelOf('photos')}</span>
              <PhotoUploader key={formKey} testId="action-photo" onChange={setPhotos} />
            </div>
          )}
          {error ? (
            <div className="error-banner" role="alert" data-testid="action-error">
              <span>{errorText(error, fieldLabel)}</span>
            </div>
          ) : null}
          <div className="form-buttons">
            <button type="button" className="btn" onClick={() => setActive(null)} data-testid="action-cancel">
              {t('common.cancel')}
            </button>
            <button
              type="submit"
              className="btn btn-primary"
              data-testid="action-submit"
              disabled={busy || photos.uploading}
            >
              {busy ? t('common.sending') : t('actions.confirm', { action: t(`actionVerbs.${active}`) })}
            </button>
          </div>
        </form>
      )}
    </section>
  )
}
