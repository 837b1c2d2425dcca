import { useMutation, useQuery } from '@tanstack/react-query'
import { useState, type FormEvent } from 'react'
import { useTranslation } from 'react-i18next'
import { ApiError, api } from '../api'
import { caseChanged, invalidate, keys, queries } from '../api/queries'
import { errorText, localName } from '../i18n'
import { RATINGS, type ActionBody, type CaseAction, type CaseDetail, type Rating } from '../types'
import { PhotoUploader, type PhotoState } from './PhotoUploader'

type Field = 'comment' | 'department' | 'into' | 'result' | 'rating' | 'workdays' | 'approve' | 'photos'
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
  return: { fields: ['comment'], required: ['comment'], tone: 'danger' },
  request_extension: { fields: ['workdays', 'comment'], required: ['workdays', 'comment'], tone: 'plain' },
  decide_extension: { fields: ['approve', 'comment'], required: ['approve'], tone: 'plain' },
  add_assist: { fields: ['department', 'comment'], required: ['department'], tone: 'plain' },
  reply: { fields: ['result', 'photos'], required: ['result'], tone: 'primary' },
  verify_pass: { fields: ['comment', 'photos'], required: [], tone: 'primary' },
  verify_fail: { fields: ['comment', 'photos'], required: ['comment'], tone: 'danger' },
  close: { fields: ['comment'], required: [], tone: 'primary' },
  rate: { fields: ['rating', 'comment'], required: ['rating'], tone: 'primary' },
  reopen: { fields: ['comment'], required: [], tone: 'plain' },
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
  const [photos, setPhotos] = useState<PhotoState>({ tokens: [], uploading: false })
  // A required input left empty, found before sending.
  const [problem, setProblem] = useState<ApiError | null>(null)
  const [notice, setNotice] = useState<string | null>(null)
  const [formKey, setFormKey] = useState(0)

  const spec = active ? SPECS[active] : null
  const departmentsQuery = useQuery({ ...queries.departments(), enabled: !!spec?.fields.includes('department') })
  const departments = departmentsQuery.data ?? null

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

  const fieldLabel = (f: string) => (f.startsWith('action.') ? t(`actions.fields.${f.slice(7)}`) : undefined)
  const excluded = new Set([detail.department?.id, ...detail.assistingDepartmentIds])
  const deptOptions = (departments ?? []).filter((d) => active !== 'add_assist' || !excluded.has(d.id))

  return (
    <section className="action-panel card" data-testid="action-panel">
      <h2 className="section-title">{t('actions.title')}</h2>
      {notice && (
        <p className="notice" data-testid="action-notice" role="status">
          {notice}
        </p>
      )}
      {detail.allowedActions.length === 0 ? (
        <p className="muted" data-testid="no-actions">
          {t('actions.none')}
        </p>
      ) : (
        <div className="action-buttons">
          {detail.allowedActions.map((a) => (
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
      {active && spec && (
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
                {t('actions.fields.department')}
                {!spec.required.includes('department') && (
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
          {spec.fields.includes('result') && (
            <label className="field">
              <span>
                {t('actions.fields.result')}
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
                {t('actions.fields.comment')}
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
              <span className="field-label">{t('actions.fields.photos')}</span>
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
