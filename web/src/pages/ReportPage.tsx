import { useMutation, useQuery } from '@tanstack/react-query'
import { useMemo, useState, type FormEvent } from 'react'
import { useTranslation } from 'react-i18next'
import { api } from '../api'
import { invalidate, keys, queries } from '../api/queries'
import {
  AttributeFields,
  attributePayload,
  attributeProblems,
  type AttributeValues,
} from '../components/AttributeFields'
import { CategoryPicker } from '../components/CategoryPicker'
import { LocationPicker } from '../components/LocationPicker'
import { PhotoUploader, type PhotoState } from '../components/PhotoUploader'
import { QueryStatus } from '../components/QueryStatus'
import { attributeLabel, newIdempotencyKey } from '../caseUtils'
import { errorText } from '../i18n'
import { hasRole } from '../modules'
import { routes } from '../router'
import { DispatchSuggestions, leafById } from './analytics/topics/DispatchSuggestions'
import { topicsApi } from './analytics/topics/api'
import {
  URGENCIES,
  type AppConfig,
  type Category,
  type LngLat,
  type NewCaseBody,
  type NewCaseResult,
  type Urgency,
  type User,
} from '../types'

type Problem = 'category' | 'location' | 'description' | 'photos' | 'attributes'

/**
 * Report a problem: what (category), where (pin on the grid map), what exactly (description and
 * the category's attributes), photos. Residents use it signed in or anonymously; staff file
 * hotline calls and grid workers patrol findings through the same form.
 */
export function ReportPage({ user, config }: { user: User | null; config: AppConfig | null }) {
  const { t, i18n } = useTranslation()
  const lng = i18n.language
  const categoriesQuery = useQuery(queries.categories())
  const categories = categoriesQuery.data
  const [category, setCategory] = useState<Category | null>(null)
  const [location, setLocation] = useState<LngLat | null>(null)
  const [address, setAddress] = useState('')
  const [description, setDescription] = useState('')
  const [attrs, setAttrs] = useState<AttributeValues>({})
  const [photos, setPhotos] = useState<PhotoState>({ tokens: [], uploading: false })
  const [reporterName, setReporterName] = useState('')
  const [reporterPhone, setReporterPhone] = useState('')
  // One key per filled-in form: a double click or a retry after a lost answer files one case.
  const [idempotencyKey, setIdempotencyKey] = useState(newIdempotencyKey)
  const [formKey, setFormKey] = useState(0)
  // Problems show after the first attempt to send, and then follow the form as it is fixed.
  const [attempted, setAttempted] = useState(false)
  // The smart dispatch suggestion last shown, linked to the case once it is filed (its decision recorded).
  const [suggestionId, setSuggestionId] = useState<number | null>(null)
  const send = useMutation({
    mutationFn: (body: NewCaseBody) => api.createCase(body, idempotencyKey),
    onSuccess: (r) => {
      if (suggestionId !== null) void topicsApi.link(suggestionId, r.id).catch(() => undefined)
      window.scrollTo({ top: 0 })
      return invalidate(keys.cases, keys.notifications)
    },
  })
  const busy = send.isPending
  const result = send.data ?? null

  const focusAreaIds = useMemo(
    () => (user?.roles ?? []).map((r) => r.areaId).filter((x): x is number => x != null),
    [user],
  )
  const staffCall = hasRole(user, ['staff', 'admin', 'leader'])
  const patrol = !staffCall && hasRole(user, ['grid_worker'])
  // Staff and grid workers may file a problem they foresaw before anyone complained (未诉先办).
  const [proactive, setProactive] = useState(false)
  // Staff set the urgency at intake; empty leaves the category's default.
  const [urgency, setUrgency] = useState<Urgency | ''>('')
  // A proactive case has no requester to ask for.
  const askContact = !user || (staffCall && !proactive)

  const chooseCategory = (c: Category | null) => {
    setCategory(c)
    setAttrs({})
  }

  const attrProblemList = useMemo(
    () => (category ? attributeProblems(category.attributes, attrs) : []),
    [category, attrs],
  )
  const found = useMemo((): Problem[] => {
    const out: Problem[] = []
    if (!category) out.push('category')
    if (!location) out.push('location')
    if (!description.trim()) out.push('description')
    if (category?.photoRequired && photos.tokens.length === 0) out.push('photos')
    if (attrProblemList.length) out.push('attributes')
    return out
  }, [category, location, description, photos.tokens.length, attrProblemList])
  const problems = attempted ? found : []
  const attrProblems = attempted ? attrProblemList : []

  const submit = (e: FormEvent) => {
    e.preventDefault()
    if (busy || photos.uploading) return
    setAttempted(true)
    send.reset()
    if (found.length || !category || !location) return
    const body: NewCaseBody = {
      categoryCode: category.code,
      location,
      description: description.trim(),
      // The document types attributes as an object without properties (src/cases/intake.ts): narrow later.
      attributes: attributePayload(category.attributes, attrs) as NewCaseBody['attributes'],
      photos: photos.tokens,
    }
    if (address.trim()) body.address = address.trim()
    if (askContact && reporterName.trim()) body.reporterName = reporterName.trim()
    if (askContact && reporterPhone.trim()) body.reporterPhone = reporterPhone.trim()
    if ((staffCall || patrol) && proactive) body.channel = 'proactive'
    if (staffCall && urgency) body.urgency = urgency
    send.mutate(body)
  }

  const reset = () => {
    send.reset()
    setCategory(null)
    setLocation(null)
    setAddress('')
    setDescription('')
    setAttrs({})
    setReporterName('')
    setReporterPhone('')
    setProactive(false)
    setUrgency('')
    setAttempted(false)
    setFormKey((k) => k + 1)
    setIdempotencyKey(newIdempotencyKey())
  }

  const fieldLabel = (field: string) => {
    if (field.startsWith('attributes.') && category) {
      const def = category.attributes.find((a) => a.code === field.slice('attributes.'.length))
      if (def) return attributeLabel(def, lng)
    }
    return undefined
  }

  if (result) return <ReportDone result={result} user={user} onAnother={reset} />

  const mark = (p: Problem) => (problems.includes(p) ? ' has-problem' : '')
  return (
    <section className="page report-page" data-testid="page-report">
      <form className="report-form" onSubmit={submit} noValidate data-testid="report-form">
        <h1 className="page-title">
          {patrol ? t('report.titlePatrol') : staffCall ? t('report.titleHotline') : t('report.title')}
        </h1>
        <p className="muted">{user ? t('report.introSignedIn') : t('report.introAnon')}</p>

        <fieldset className={`report-step card${mark('category')}`}>
          <legend>
            <span className="step-no">1</span>
            {t('report.stepCategory')}
          </legend>
          <QueryStatus query={categoriesQuery} />
          {categories && <CategoryPicker categories={categories} value={category} onChange={chooseCategory} />}
        </fieldset>

        <fieldset className={`report-step card${mark('location')}`}>
          <legend>
            <span className="step-no">2</span>
            {t('report.stepLocation')}
          </legend>
          <LocationPicker value={location} onChange={setLocation} config={config} focusAreaIds={focusAreaIds} />
          <label className="field">
            <span>
              {t('report.address')} <span className="muted optional">{t('report.optional')}</span>
            </span>
            <input
              data-testid="report-address"
              maxLength={300}
              value={address}
              onChange={(e) => setAddress(e.target.value)}
              placeholder={t('report.addressPlaceholder')}
            />
          </label>
        </fieldset>

        <fieldset className={`report-step card${mark('description')}${mark('attributes')}`}>
          <legend>
            <span className="step-no">3</span>
            {t('report.stepDescribe')}
          </legend>
          <label className="field">
            <span>
              {t('report.description')}
              <abbr className="required" title={t('report.required')}>
                *
              </abbr>
            </span>
            <textarea
              data-testid="report-description"
              rows={4}
              maxLength={4000}
              value={description}
              onChange={(e) => setDescription(e.target.value)}
              placeholder={t('report.descriptionPlaceholder')}
            />
          </label>
          {(staffCall || patrol) && (
            <DispatchSuggestions
              kind="categories"
              description={description}
              location={location}
              chosenId={category?.id ?? null}
              onAccept={(id) => chooseCategory(leafById(categories ?? [], id))}
              onSuggestion={(s) => setSuggestionId(s?.suggestionId ?? null)}
            />
          )}
          {category && (
            <AttributeFields defs={category.attributes} values={attrs} onChange={setAttrs} problems={attrProblems} />
          )}
        </fieldset>

        <fieldset className={`report-step card${mark('photos')}`}>
          <legend>
            <span className="step-no">4</span>
            {t('report.stepPhotos')}
            {category?.photoRequired && (
              <abbr className="required" title={t('report.required')}>
                *
              </abbr>
            )}
          </legend>
          <PhotoUploader key={formKey} onChange={setPhotos} required={!!category?.photoRequired} />
        </fieldset>

        {askContact && (
          <fieldset className="report-step card">
            <legend>
              <span className="step-no">5</span>
              {staffCall ? t('report.stepCaller') : t('report.stepContact')}
            </legend>
            <p className="muted hint">{staffCall ? t('report.callerHint') : t('report.contactHint')}</p>
            <label className="field">
              <span>{t('report.reporterName')}</span>
              <input
                data-testid="report-name"
                maxLength={100}
                autoComplete="name"
                value={reporterName}
                onChange={(e) => setReporterName(e.target.value)}
              />
            </label>
            <label className="field">
              <span>{t('report.reporterPhone')}</span>
              <input
                data-testid="report-phone"
                type="tel"
                autoComplete="tel"
                maxLength={20}
                value={reporterPhone}
                onChange={(e) => setReporterPhone(e.target.value)}
              />
            </label>
          </fieldset>
        )}

        {(staffCall || patrol) && (
          <fieldset className="report-step card" data-testid="report-handling">
            <legend>{t('loop.report.handling')}</legend>
            <fieldset className="field checks">
              <legend>{t('loop.report.channel')}</legend>
              <label className="check">
                <input
                  type="radio"
                  name="report-channel"
                  data-testid="report-channel-default"
                  checked={!proactive}
                  onChange={() => setProactive(false)}
                />
                {t(`channels.${staffCall ? 'hotline' : 'patrol'}`)}
              </label>
              <label className="check">
                <input
                  type="radio"
                  name="report-channel"
                  data-testid="report-channel-proactive"
                  checked={proactive}
                  onChange={() => setProactive(true)}
                />
                {t('loop.report.proactive')}
              </label>
            </fieldset>
            {proactive && <p className="muted hint">{t('loop.report.proactiveHint')}</p>}
            {staffCall && (
              <label className="field">
                <span>{t('loop.report.urgency')}</span>
                <select
                  data-testid="report-urgency"
                  value={urgency}
                  onChange={(e) => setUrgency(e.target.value as Urgency | '')}
                >
                  <option value="">{t('loop.report.urgencyDefault')}</option>
                  {URGENCIES.map((u) => (
                    <option key={u} value={u}>
                      {t(`loop.panel.urgencies.${u}`)}
                    </option>
                  ))}
                </select>
              </label>
            )}
          </fieldset>
        )}

        {problems.length > 0 && (
          <div className="error-banner" role="alert" data-testid="report-problems">
            <span>
              {t('report.missing', {
                fields: problems.map((p) => t(`report.problems.${p}`)).join(t('common.listSeparator')),
              })}
            </span>
          </div>
        )}
        {send.error ? (
          <div className="error-banner" role="alert" data-testid="report-error">
            <span>{errorText(send.error, fieldLabel)}</span>
          </div>
        ) : null}
        <button
          type="submit"
          className="btn btn-primary btn-block btn-large"
          data-testid="report-submit"
          disabled={busy || photos.uploading}
        >
          {busy ? t('common.sending') : photos.uploading ? t('photos.uploading') : t('report.submit')}
        </button>
      </form>
    </section>
  )
}

function ReportDone({ result, user, onAnother }: { result: NewCaseResult; user: User | null; onAnother: () => void }) {
  const { t } = useTranslation()
  const [copied, setCopied] = useState(false)
  const copy = (text: string) => {
    navigator.clipboard?.writeText(text).then(
      () => setCopied(true),
      () => undefined,
    )
  }
  return (
    <section className="page report-page" data-testid="page-report">
      <div className="card report-done" data-testid="report-success" role="status">
        <h1 className="page-title">{t('report.doneTitle')}</h1>
        <p>{t('report.doneText')}</p>
        <p className="tracking-code-line">
          {t('report.trackingCode')}
          <strong className="tracking-code mono" data-testid="report-tracking-code">
            {result.trackingCode}
          </strong>
        </p>
        {result.reporterToken && (
          <div className="token-box" data-testid="report-token-box">
            <p>
              <strong>{t('report.tokenTitle')}</strong>
            </p>
            <code className="mono token" data-testid="report-reporter-token">
              {result.reporterToken}
            </code>
            <p className="hint">{t('report.tokenAdvice')}</p>
            {typeof navigator.clipboard?.writeText === 'function' && (
              <button
                type="button"
                className="btn btn-small"
                onClick={() => copy(`${result.trackingCode} ${result.reporterToken ?? ''}`)}
                data-testid="report-copy"
              >
                {copied ? t('report.copied') : t('report.copy')}
              </button>
            )}
          </div>
        )}
        {result.possibleDuplicates.length > 0 && (
          <div className="notice" data-testid="report-duplicates">
            <p>{t('report.duplicates')}</p>
            <ul>
              {result.possibleDuplicates.map((d) => (
                <li key={d.id}>
                  <a href={routes.case(d.id)}>{d.trackingCode}</a> ·{' '}
                  {t(`caseStates.${d.state}`, { defaultValue: d.state })} · {t('report.metres', { m: d.distanceM })}
                </li>
              ))}
            </ul>
          </div>
        )}
        <div className="form-buttons">
          <a className="btn" href={routes.track(result.trackingCode)} data-testid="report-track-link">
            {t('report.trackIt')}
          </a>
          {result.case && (
            <a
              className="btn"
              href={
                hasRole(user, ['admin', 'leader', 'staff', 'department_handler'])
                  ? routes.case(result.id)
                  : routes.myCase(result.id)
              }
              data-testid="report-my-case-link"
            >
              {t('report.seeCase')}
            </a>
          )}
          <button type="button" className="btn btn-primary" onClick={onAnother} data-testid="report-another">
            {t('report.another')}
          </button>
        </div>
      </div>
    </section>
  )
}
